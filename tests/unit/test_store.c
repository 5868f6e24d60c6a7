/*
 * Unit tests of the store against real sqlite files in a fresh mkdtemp
 * directory per test.  A second, raw sqlite connection looks at the file
 * behind the store's back (journal mode, user_version, row counts) so the
 * tests check what is on disk, not only what the accessors say.  The crash
 * test SIGKILLs a child in the middle of writing and checks the file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/testlib.h"
#include "common/xalloc.h"
#include "store/store.h"

static long long count_vms(struct tl_store_file *f)
{
	return tl_sql_int(f->path, "SELECT count(*) FROM vms");
}

static long long count_disks(struct tl_store_file *f)
{
	return tl_sql_int(f->path, "SELECT count(*) FROM disks");
}

static long long count_orphan_disks(struct tl_store_file *f)
{
	return tl_sql_int(f->path,
			  "SELECT count(*) FROM disks WHERE vm_id NOT IN (SELECT id FROM vms)");
}

/* ---- VM fixtures ---- */

static void make_vm(struct store_vm *vm, const char *name, size_t ndisks)
{
	size_t i;

	memset(vm, 0, sizeof *vm);
	vm->name = xstrdup(name);
	vm->uuid = xasprintf("uuid-of-%s", name);
	vm->vcpus = 2;
	vm->memory_mib = 1024;
	vm->memory_min_mib = 512;
	vm->firmware = xstrdup("uefi");
	vm->boot = xstrdup("cdrom,disk");
	vm->cdrom = xstrdup("/srv/iso/debian.iso");
	vm->state = xstrdup("stopped");
	vm->created = 1700000000;
	vm->ndisks = ndisks;
	vm->disks = ndisks ? xcalloc(ndisks, sizeof *vm->disks) : NULL;
	for (i = 0; i < ndisks; i++) {
		vm->disks[i].idx = (uint32_t)i;
		vm->disks[i].path = xasprintf("/var/lib/croft/pools/default/%s-%zu.qcow2",
					      name, i);
		vm->disks[i].format = xstrdup(i % 2 ? "raw" : "qcow2");
		vm->disks[i].size_bytes = (uint64_t)(i + 1) << 30;
		vm->disks[i].owned = !(i % 2);
	}
}

static void str_eq(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void disk_eq(const struct store_disk *a, const struct store_disk *b)
{
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->vm_id, b->vm_id);
	assert_int_equal(a->idx, b->idx);
	str_eq(a->path, b->path);
	str_eq(a->format, b->format);
	assert_int_equal(a->size_bytes, b->size_bytes);
	assert_int_equal(a->owned, b->owned);
}

static void vm_eq(const struct store_vm *a, const struct store_vm *b)
{
	size_t i;

	assert_int_equal(a->id, b->id);
	str_eq(a->name, b->name);
	str_eq(a->uuid, b->uuid);
	assert_int_equal(a->vcpus, b->vcpus);
	assert_int_equal(a->memory_mib, b->memory_mib);
	assert_int_equal(a->memory_min_mib, b->memory_min_mib);
	str_eq(a->firmware, b->firmware);
	str_eq(a->boot, b->boot);
	str_eq(a->cdrom, b->cdrom);
	str_eq(a->kernel, b->kernel);
	str_eq(a->initrd, b->initrd);
	str_eq(a->append, b->append);
	str_eq(a->state, b->state);
	str_eq(a->state_reason, b->state_reason);
	assert_int_equal(a->created, b->created);
	assert_int_equal(a->ndisks, b->ndisks);
	for (i = 0; i < a->ndisks; i++)
		disk_eq(&a->disks[i], &b->disks[i]);
}

static void insert_ok(struct tl_store_file *f, struct store_vm *vm)
{
	int ret = store_vm_insert(f->st, vm, f->err, sizeof f->err);

	if (ret)
		fail_msg("store_vm_insert %s: %d: %s", vm->name, ret, f->err);
}

/* ---- open, reopen, schema ---- */

static void test_open_creates_file(void **state)
{
	struct tl_store_file *f = *state;
	struct stat sb;
	mode_t old = umask(0);
	char *mode, wal[160];

	tl_store_file_open_or_fail(f);
	umask(old);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	assert_int_equal(tl_sql_int(f->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	mode = tl_sql_text(f->path, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	free(mode);
	assert_int_equal(store_setting_set(f->st, "accel", "tcg"), 0);
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(store_integrity_check(f->st, f->err, sizeof f->err), 0);
}

static void test_reopen_keeps_data(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm vm, got;
	char *v;

	tl_store_file_open_or_fail(f);
	make_vm(&vm, "web", 2);
	insert_ok(f, &vm);
	assert_int_equal(store_setting_set(f->st, "default_pool", "tank"), 0);
	tl_store_file_open_or_fail(f);
	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	assert_int_equal(store_vm_get(f->st, "web", &got), 0);
	vm_eq(&got, &vm);
	assert_int_equal(store_setting_get(f->st, "default_pool", &v), 0);
	assert_string_equal(v, "tank");
	free(v);
	store_vm_clear(&got);
	store_vm_clear(&vm);
}

static void test_migrate_from_empty_file(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm vm;
	int fd;

	fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	tl_store_file_open_or_fail(f);
	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	make_vm(&vm, "a", 1);
	insert_ok(f, &vm);
	store_vm_clear(&vm);
}

static void test_migrate_from_v0_database(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm vm;

	tl_sql_exec(f->path, "CREATE TABLE scratch (x); DROP TABLE scratch;");
	assert_int_equal(tl_sql_int(f->path, "PRAGMA user_version"), 0);
	tl_store_file_open_or_fail(f);
	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	assert_int_equal(tl_sql_int(f->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(tl_sql_int(f->path,
				    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
				    "AND name IN ('vms', 'disks', 'settings')"), 3);
	make_vm(&vm, "a", 2);
	insert_ok(f, &vm);
	store_vm_clear(&vm);
	tl_store_file_open_or_fail(f);
	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	assert_int_equal(count_disks(f), 2);
}

static void test_refuses_newer_schema(void **state)
{
	struct tl_store_file *f = *state;
	char *mode;
	int ret;

	tl_sql_exec(f->path, "CREATE TABLE future (x); PRAGMA user_version = 99;");
	ret = store_open(f->path, &f->st, f->err, sizeof f->err);
	assert_int_equal(ret, -ENOTSUP);
	assert_null(f->st);
	tl_assert_contains(f->err, f->path);
	tl_assert_contains(f->err, "schema version 99");
	{
		char want[16];

		snprintf(want, sizeof want, "(%d)", STORE_SCHEMA_VERSION);
		tl_assert_contains(f->err, want);
	}
	tl_assert_contains(f->err, "refusing to open");
	/* Untouched: still version 99, still in its old journal mode. */
	assert_int_equal(tl_sql_int(f->path, "PRAGMA user_version"), 99);
	mode = tl_sql_text(f->path, "PRAGMA journal_mode");
	assert_string_equal(mode, "delete");
	free(mode);
}

static void test_refuses_garbage(void **state)
{
	struct tl_store_file *f = *state;
	char junk[4096], back[sizeof junk];
	size_t i;
	int fd, ret;

	for (i = 0; i < sizeof junk; i++)
		junk[i] = "not a database\n"[i % 15];
	fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
	close(fd);

	ret = store_open(f->path, &f->st, f->err, sizeof f->err);
	assert_int_equal(ret, -EIO);
	assert_null(f->st);
	tl_assert_contains(f->err, f->path);
	tl_assert_contains(f->err, "is not an sqlite database");

	fd = open(f->path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, back, sizeof back), (ssize_t)sizeof back);
	close(fd);
	assert_memory_equal(junk, back, sizeof junk);
}

static void test_refuses_short_garbage_and_directories(void **state)
{
	struct tl_store_file *f = *state;
	int fd, ret;

	fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	close(fd);
	ret = store_open(f->path, &f->st, f->err, sizeof f->err);
	assert_true(ret < 0);
	assert_null(f->st);
	tl_assert_contains(f->err, f->path);

	ret = store_open(f->dir, &f->st, f->err, sizeof f->err);
	assert_true(ret < 0);
	assert_null(f->st);
	tl_assert_contains(f->err, f->dir);
}

static void test_refuses_other_programs_database(void **state)
{
	struct tl_store_file *f = *state;
	int ret;

	tl_sql_exec(f->path, "CREATE TABLE t (x); PRAGMA application_id = 42;");
	ret = store_open(f->path, &f->st, f->err, sizeof f->err);
	assert_int_equal(ret, -EIO);
	assert_null(f->st);
	tl_assert_contains(f->err, f->path);
	tl_assert_contains(f->err, "another program");
}

static void test_missing_directory(void **state)
{
	struct tl_store_file *f = *state;
	char path[200];
	int ret;

	snprintf(path, sizeof path, "%s/no/such/dir/croft.db", f->dir);
	ret = store_open(path, &f->st, f->err, sizeof f->err);
	assert_int_equal(ret, -ENOENT);
	assert_null(f->st);
	tl_assert_contains(f->err, path);
}

/* ---- VMs and disks ---- */

static void test_vm_round_trip(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm vm, got, *list;
	struct store_disk tmp;
	size_t n;

	tl_store_file_open_or_fail(f);
	make_vm(&vm, "web", 3);
	/* Stored out of order; read back ordered by idx. */
	tmp = vm.disks[0];
	vm.disks[0] = vm.disks[2];
	vm.disks[2] = tmp;
	free(vm.cdrom);
	vm.cdrom = NULL;                 /* NULL strings stay NULL */
	vm.kernel = xstrdup("/boot/vmlinuz");
	vm.append = xstrdup("console=ttyS0");
	insert_ok(f, &vm);
	assert_true(vm.id > 0);
	assert_true(vm.disks[0].id > 0);
	assert_int_equal(vm.disks[1].vm_id, vm.id);
	tmp = vm.disks[0];
	vm.disks[0] = vm.disks[2];
	vm.disks[2] = tmp;

	assert_int_equal(store_vm_get(f->st, "web", &got), 0);
	vm_eq(&got, &vm);
	assert_null(got.cdrom);
	assert_null(got.initrd);
	assert_null(got.state_reason);
	assert_int_equal(got.memory_shares, 1000);     /* unset: the default */
	assert_int_equal(got.ksm_off, 0);
	assert_int_equal(got.is_template, 0);
	store_vm_clear(&got);

	assert_int_equal(store_vm_list(f->st, &list, &n), 0);
	assert_int_equal(n, 1);
	vm_eq(&list[0], &vm);
	store_vm_list_free(list, n);

	/* Update rewrites every column, including the name. */
	free(vm.name);
	vm.name = xstrdup("www");
	vm.vcpus = 4;
	vm.memory_mib = 4096;
	vm.memory_min_mib = 4096;
	free(vm.firmware);
	vm.firmware = xstrdup("bios");
	free(vm.kernel);
	vm.kernel = NULL;
	vm.initrd = xstrdup("/boot/initrd.img");
	vm.created = 1800000000;
	vm.memory_shares = 2500;
	vm.ksm_off = 1;
	vm.is_template = 1;
	assert_int_equal(store_vm_update(f->st, &vm, f->err, sizeof f->err), 0);
	assert_int_equal(store_vm_get(f->st, "web", &got), -ENOENT);
	assert_null(got.name);
	assert_int_equal(store_vm_get(f->st, "www", &got), 0);
	vm_eq(&got, &vm);
	assert_int_equal(got.memory_shares, 2500);
	assert_int_equal(got.ksm_off, 1);
	assert_int_equal(got.is_template, 1);
	store_vm_clear(&got);
	assert_int_equal(store_vm_list(f->st, &list, &n), 0);
	assert_int_equal(list[0].is_template, 1);
	store_vm_list_free(list, n);
	/* the schema refuses shares out of range */
	vm.memory_shares = 50001;
	assert_int_equal(store_vm_update(f->st, &vm, f->err, sizeof f->err), -EINVAL);
	vm.memory_shares = 2500;

	assert_int_equal(store_vm_set_state(f->st, vm.id, "running", "started by user"), 0);
	assert_int_equal(store_vm_get(f->st, "www", &got), 0);
	assert_string_equal(got.state, "running");
	assert_string_equal(got.state_reason, "started by user");
	store_vm_clear(&got);
	assert_int_equal(store_vm_set_state(f->st, vm.id, "stopped", NULL), 0);
	assert_int_equal(store_vm_get(f->st, "www", &got), 0);
	assert_string_equal(got.state, "stopped");
	assert_null(got.state_reason);
	store_vm_clear(&got);

	assert_int_equal(store_vm_delete(f->st, vm.id), 0);
	assert_int_equal(store_vm_get(f->st, "www", &got), -ENOENT);
	tl_assert_contains(store_last_error(f->st), "www");
	assert_int_equal(store_vm_delete(f->st, vm.id), -ENOENT);
	assert_int_equal(store_vm_list(f->st, &list, &n), 0);
	assert_int_equal(n, 0);
	store_vm_list_free(list, n);
	store_vm_clear(&vm);
}

static void test_insert_fills_default_state(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm vm, got;

	tl_store_file_open_or_fail(f);
	make_vm(&vm, "fresh", 0);
	free(vm.state);
	vm.state = NULL;
	insert_ok(f, &vm);
	assert_string_equal(vm.state, "stopped");
	assert_int_equal(store_vm_get(f->st, "fresh", &got), 0);
	vm_eq(&got, &vm);
	assert_int_equal(got.ndisks, 0);
	assert_null(got.disks);
	store_vm_clear(&got);
	store_vm_clear(&vm);
}

static void test_list_ordered_with_disks(void **state)
{
	struct tl_store_file *f = *state;
	const char *names[] = { "charlie", "alpha", "delta", "bravo" };
	const size_t ndisks[] = { 3, 0, 1, 2 };
	struct store_vm vms[4], *list;
	size_t i, j, n;

	tl_store_file_open_or_fail(f);
	for (i = 0; i < 4; i++) {
		make_vm(&vms[i], names[i], ndisks[i]);
		insert_ok(f, &vms[i]);
	}
	assert_int_equal(store_vm_list(f->st, &list, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].name, "alpha");
	assert_string_equal(list[1].name, "bravo");
	assert_string_equal(list[2].name, "charlie");
	assert_string_equal(list[3].name, "delta");
	for (i = 0; i < n; i++) {
		for (j = 0; j < 4; j++)
			if (!strcmp(list[i].name, names[j]))
				vm_eq(&list[i], &vms[j]);
		for (j = 0; j < list[i].ndisks; j++) {
			assert_int_equal(list[i].disks[j].idx, j);
			assert_int_equal(list[i].disks[j].vm_id, list[i].id);
		}
	}
	store_vm_list_free(list, n);
	for (i = 0; i < 4; i++)
		store_vm_clear(&vms[i]);
}

static void test_duplicate_name(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm a, b, dup, got;
	int ret;

	tl_store_file_open_or_fail(f);
	make_vm(&a, "web", 2);
	make_vm(&b, "db", 1);
	insert_ok(f, &a);
	insert_ok(f, &b);

	make_vm(&dup, "web", 3);
	free(dup.uuid);
	dup.uuid = xstrdup("another-uuid");
	ret = store_vm_insert(f->st, &dup, f->err, sizeof f->err);
	assert_int_equal(ret, -EEXIST);
	assert_string_equal(f->err, "a VM named 'web' already exists");
	assert_int_equal(dup.id, 0);
	assert_int_equal(dup.disks[0].id, 0);

	assert_int_equal(count_vms(f), 2);
	assert_int_equal(count_disks(f), 3);
	assert_int_equal(count_orphan_disks(f), 0);
	assert_int_equal(store_vm_get(f->st, "web", &got), 0);
	vm_eq(&got, &a);
	store_vm_clear(&got);

	/* The same uuid under a new name is refused too. */
	free(dup.name);
	dup.name = xstrdup("web2");
	free(dup.uuid);
	dup.uuid = xstrdup(a.uuid);
	assert_int_equal(store_vm_insert(f->st, &dup, f->err, sizeof f->err), -EEXIST);
	tl_assert_contains(f->err, "uuid");
	assert_int_equal(count_disks(f), 3);

	/* Renaming onto a taken name changes nothing. */
	free(b.name);
	b.name = xstrdup("web");
	ret = store_vm_update(f->st, &b, f->err, sizeof f->err);
	assert_int_equal(ret, -EEXIST);
	assert_string_equal(f->err, "a VM named 'web' already exists");
	assert_int_equal(store_vm_get(f->st, "db", &got), 0);
	assert_int_equal(got.id, b.id);
	store_vm_clear(&got);

	store_vm_clear(&dup);
	store_vm_clear(&a);
	store_vm_clear(&b);
}

static void test_insert_is_atomic(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm vm, got;
	int ret;

	tl_store_file_open_or_fail(f);
	/* The third disk fails: the VM and its first two disks must go too. */
	make_vm(&vm, "half", 3);
	free(vm.disks[2].path);
	vm.disks[2].path = NULL;
	ret = store_vm_insert(f->st, &vm, f->err, sizeof f->err);
	assert_int_equal(ret, -EINVAL);
	tl_assert_contains(f->err, "half");
	assert_int_equal(vm.id, 0);
	assert_int_equal(store_vm_get(f->st, "half", &got), -ENOENT);
	assert_int_equal(count_vms(f), 0);
	assert_int_equal(count_disks(f), 0);
	store_vm_clear(&vm);

	/* Two disks at one index. */
	make_vm(&vm, "twin", 2);
	vm.disks[1].idx = 0;
	ret = store_vm_insert(f->st, &vm, f->err, sizeof f->err);
	assert_int_equal(ret, -EEXIST);
	tl_assert_contains(f->err, "index 0");
	assert_int_equal(count_vms(f), 0);
	assert_int_equal(count_disks(f), 0);
	store_vm_clear(&vm);

	/* The store is still usable after the rollbacks. */
	make_vm(&vm, "whole", 2);
	insert_ok(f, &vm);
	assert_int_equal(count_disks(f), 2);
	store_vm_clear(&vm);
}

static void test_check_constraints(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm vm, got;
	int ret;

	tl_store_file_open_or_fail(f);
	make_vm(&vm, "greedy", 2);
	vm.memory_min_mib = vm.memory_mib + 1;
	ret = store_vm_insert(f->st, &vm, f->err, sizeof f->err);
	assert_int_equal(ret, -EINVAL);
	tl_assert_contains(f->err, "greedy");
	tl_assert_contains(f->err, "memory_min");
	assert_int_equal(count_vms(f), 0);
	assert_int_equal(count_disks(f), 0);

	vm.memory_min_mib = 256;
	vm.vcpus = 0;
	assert_int_equal(store_vm_insert(f->st, &vm, f->err, sizeof f->err), -EINVAL);
	vm.vcpus = 1;
	free(vm.firmware);
	vm.firmware = xstrdup("efi");
	assert_int_equal(store_vm_insert(f->st, &vm, f->err, sizeof f->err), -EINVAL);
	tl_assert_contains(f->err, "firmware");
	free(vm.firmware);
	vm.firmware = NULL;
	assert_int_equal(store_vm_insert(f->st, &vm, f->err, sizeof f->err), -EINVAL);
	vm.firmware = xstrdup("bios");
	vm.memory_mib = UINT64_MAX;       /* would wrap negative in sqlite */
	assert_int_equal(store_vm_insert(f->st, &vm, f->err, sizeof f->err), -EINVAL);
	vm.memory_mib = 1024;
	assert_int_equal(count_vms(f), 0);
	assert_int_equal(count_disks(f), 0);

	/* An update that breaks a CHECK leaves the row as it was. */
	insert_ok(f, &vm);
	vm.memory_min_mib = 2048;
	assert_int_equal(store_vm_update(f->st, &vm, f->err, sizeof f->err), -EINVAL);
	assert_int_equal(store_vm_get(f->st, "greedy", &got), 0);
	assert_int_equal(got.memory_min_mib, 256);
	store_vm_clear(&got);
	assert_int_equal(store_vm_set_state(f->st, vm.id, NULL, NULL), -EINVAL);
	store_vm_clear(&vm);
}

static void test_delete_cascades(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm a, b, got;
	char sql[128];

	tl_store_file_open_or_fail(f);
	make_vm(&a, "a", 3);
	make_vm(&b, "b", 2);
	insert_ok(f, &a);
	insert_ok(f, &b);
	assert_int_equal(count_disks(f), 5);
	assert_int_equal(store_vm_delete(f->st, a.id), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM disks WHERE vm_id = %lld",
		 (long long)a.id);
	assert_int_equal(tl_sql_int(f->path, sql), 0);
	assert_int_equal(count_disks(f), 2);
	assert_int_equal(count_orphan_disks(f), 0);
	assert_int_equal(store_vm_get(f->st, "b", &got), 0);
	vm_eq(&got, &b);
	store_vm_clear(&got);
	store_vm_clear(&a);
	store_vm_clear(&b);
}

static void test_disk_add(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm vm, got;
	struct store_disk d = {
		.idx = 2, .path = "/srv/data.raw", .format = "raw",
		.size_bytes = 1ULL << 40, .owned = 0,
	};

	tl_store_file_open_or_fail(f);
	make_vm(&vm, "nas", 1);
	insert_ok(f, &vm);
	d.vm_id = vm.id;
	assert_int_equal(store_disk_add(f->st, &d, f->err, sizeof f->err), 0);
	assert_true(d.id > 0);
	assert_int_equal(store_vm_get(f->st, "nas", &got), 0);
	assert_int_equal(got.ndisks, 2);
	disk_eq(&got.disks[1], &d);
	store_vm_clear(&got);

	d.id = 0;
	assert_int_equal(store_disk_add(f->st, &d, f->err, sizeof f->err), -EEXIST);
	tl_assert_contains(f->err, "index 2");
	assert_int_equal(d.id, 0);
	d.vm_id = vm.id + 100;
	assert_int_equal(store_disk_add(f->st, &d, f->err, sizeof f->err), -ENOENT);
	assert_int_equal(count_disks(f), 2);
	store_vm_clear(&vm);
}

static void test_not_found(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm vm;

	tl_store_file_open_or_fail(f);
	make_vm(&vm, "ghost", 1);
	vm.id = 42;
	assert_int_equal(store_vm_update(f->st, &vm, f->err, sizeof f->err), -ENOENT);
	tl_assert_contains(f->err, "42");
	assert_int_equal(store_vm_set_state(f->st, 42, "running", NULL), -ENOENT);
	tl_assert_contains(store_last_error(f->st), "42");
	assert_int_equal(store_vm_delete(f->st, 42), -ENOENT);
	assert_int_equal(count_vms(f), 0);
	store_vm_clear(&vm);
}

static void test_copy_and_clear(void **state)
{
	struct store_vm vm, copy;

	(void)state;
	make_vm(&vm, "orig", 2);
	vm.id = 7;
	vm.disks[0].id = 70;
	store_vm_copy(&copy, &vm);
	assert_ptr_not_equal(copy.name, vm.name);
	assert_ptr_not_equal(copy.disks, vm.disks);
	assert_ptr_not_equal(copy.disks[1].path, vm.disks[1].path);
	vm_eq(&copy, &vm);
	store_vm_clear(&vm);
	assert_null(vm.name);
	assert_null(vm.disks);
	assert_int_equal(vm.ndisks, 0);
	assert_string_equal(copy.name, "orig");
	assert_string_equal(copy.disks[1].format, "raw");
	store_vm_clear(&copy);
	store_vm_clear(&copy);           /* a cleared struct clears again */
	store_vm_clear(NULL);
	store_vm_list_free(NULL, 0);
}

/* ---- settings ---- */

static void test_settings(void **state)
{
	struct tl_store_file *f = *state;
	char *v = (char *)"sentinel";

	tl_store_file_open_or_fail(f);
	assert_int_equal(store_setting_get(f->st, "accel", &v), -ENOENT);
	assert_null(v);
	assert_int_equal(store_setting_set(f->st, "accel", "kvm"), 0);
	assert_int_equal(store_setting_get(f->st, "accel", &v), 0);
	assert_string_equal(v, "kvm");
	free(v);
	assert_int_equal(store_setting_set(f->st, "accel", "tcg"), 0);
	assert_int_equal(store_setting_set(f->st, "empty", ""), 0);
	tl_store_file_open_or_fail(f);
	assert_int_equal(store_setting_get(f->st, "accel", &v), 0);
	assert_string_equal(v, "tcg");
	free(v);
	assert_int_equal(store_setting_get(f->st, "empty", &v), 0);
	assert_string_equal(v, "");
	free(v);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM settings"), 2);
	assert_int_equal(store_setting_set(f->st, "accel", NULL), -EINVAL);
}

/* ---- speed: vm list with 100 VMs ---- */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void test_list_100_vms(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm vm, *list;
	char name[32];
	double t0, best = 1e12, t;
	size_t i, n;
	int round;

	tl_store_file_open_or_fail(f);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "vm%03zu", 99 - i);
		make_vm(&vm, name, 2);
		insert_ok(f, &vm);
		store_vm_clear(&vm);
	}
	for (round = 0; round < 20; round++) {
		t0 = now_us();
		assert_int_equal(store_vm_list(f->st, &list, &n), 0);
		t = now_us() - t0;
		if (t < best)
			best = t;
		assert_int_equal(n, 100);
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof name, "vm%03zu", i);
			assert_string_equal(list[i].name, name);
			assert_int_equal(list[i].ndisks, 2);
			assert_int_equal(list[i].disks[1].idx, 1);
			assert_int_equal(list[i].disks[1].vm_id, list[i].id);
		}
		store_vm_list_free(list, n);
	}
	print_message("store_vm_list of 100 VMs / 200 disks: best %.0f us\n", best);
	/* The goal is well under 1 ms; the bound leaves room for sanitizers
	 * and a loaded machine. */
	assert_true(best < 20000);
}

/* ---- crash consistency ---- */

#define CRASH_DISKS 3

/* Runs in the child: never returns, never touches cmocka. */
static void crash_child(const char *path, int round, int ready_fd)
{
	struct store_disk extra;
	struct store *st;
	struct store_vm vm;
	char name[32], err[256];
	int i;

	if (store_open(path, &st, err, sizeof err) != 0)
		_exit(10);
	for (i = 0;; i++) {
		snprintf(name, sizeof name, "r%d-vm%06d", round, i);
		make_vm(&vm, name, CRASH_DISKS);
		if (store_vm_insert(st, &vm, err, sizeof err) != 0)
			_exit(11);
		vm.memory_mib = 2048;
		vm.memory_min_mib = 1024;
		if (store_vm_update(st, &vm, err, sizeof err) != 0)
			_exit(12);
		if (store_vm_set_state(st, vm.id, "running", "crash test") != 0)
			_exit(13);
		if (i % 3 == 0) {
			extra = vm.disks[0];
			extra.idx = CRASH_DISKS;
			if (store_disk_add(st, &extra, err, sizeof err) != 0)
				_exit(14);
		}
		if (i % 4 == 3 && store_vm_delete(st, vm.id) != 0)
			_exit(15);
		if (i == 0 && write(ready_fd, "r", 1) != 1)
			_exit(16);
		store_vm_clear(&vm);
	}
}

static void crash_verify(struct tl_store_file *f)
{
	struct store_vm *list, vm;
	size_t i, j, n;

	tl_store_file_open_or_fail(f);
	if (store_integrity_check(f->st, f->err, sizeof f->err) != 0)
		fail_msg("integrity check: %s", f->err);
	assert_int_equal(count_orphan_disks(f), 0);
	assert_int_equal(store_vm_list(f->st, &list, &n), 0);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		assert_true(list[i].ndisks == CRASH_DISKS || list[i].ndisks == CRASH_DISKS + 1);
		for (j = 0; j < list[i].ndisks; j++) {
			assert_int_equal(list[i].disks[j].idx, j);
			assert_int_equal(list[i].disks[j].vm_id, list[i].id);
			assert_non_null(list[i].disks[j].path);
		}
		assert_true((list[i].memory_mib == 1024 && list[i].memory_min_mib == 512) ||
			    (list[i].memory_mib == 2048 && list[i].memory_min_mib == 1024));
	}
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM vms"), (long long)n);
	print_message("after SIGKILL: %zu VMs, integrity ok\n", n);
	store_vm_list_free(list, n);

	/* Still writable. */
	make_vm(&vm, "after-crash", 1);
	insert_ok(f, &vm);
	assert_int_equal(store_vm_delete(f->st, vm.id), 0);
	store_vm_clear(&vm);
	store_close(f->st);
	f->st = NULL;
}

static void test_crash_consistency(void **state)
{
	struct tl_store_file *f = *state;
	struct pollfd pfd;
	int round, p[2], status;
	char c;
	pid_t pid;

	tl_store_file_open_or_fail(f);                      /* create; never open across fork */
	store_close(f->st);
	f->st = NULL;
	for (round = 0; round < 3; round++) {
		assert_int_equal(pipe(p), 0);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			crash_child(f->path, round, p[1]);
		}
		close(p[1]);
		pfd.fd = p[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10000) != 1 || read(p[0], &c, 1) != 1) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("crash child never got going (status %d)", status);
		}
		close(p[0]);
		usleep(50000 + 50000 * round);   /* 50, 100, 150 ms of writes */
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fail_msg("crash child exited with %d before the kill",
				 WEXITSTATUS(status));
		assert_int_equal(WTERMSIG(status), SIGKILL);
		crash_verify(f);
	}
}

int main(void)
{
	/* Each test starts from an empty directory and opens the store itself. */
	CMFixtureFunction setup = tl_store_file_setup, teardown = tl_store_file_teardown;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v0_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_newer_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_short_garbage_and_directories,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_other_programs_database,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_fills_default_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_ordered_with_disks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_is_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_constraints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_cascades, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
		cmocka_unit_test(test_copy_and_clear),
		cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_100_vms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_consistency, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
