/*
 * backup tests: the pure rules (core/backup_spec.c) — the directory
 * stamp, a VM's definition through config.json and back (every field,
 * damaged definitions refused naming the field), the hash sha256sum
 * prints, the room check — and the backups table (store/store_backup.c):
 * a row round-trips, lists by VM, is found by its job, records a verify,
 * and the schema refuses a method it does not know; a VM's rows replaced
 * by a restore's in one transaction, or left alone when it fails.
 *
 * Then a running VM's backup job against a fake QEMU (testlib_qmp.c) and
 * scripted children: the target made in the other pool, handed to QEMU
 * (add-fd, a file and a qcow2 node), one transaction of blockdev-backup,
 * the block job followed to its end and dismissed, then the teardown
 * (job-cancel, query-jobs, blockdev-del, remove-fd of the job's fd set
 * only), the hash, and the row.  A backup into the VM's own pool is
 * refused; a QEMU refusing the transaction fails the job and removes
 * everything.  A second backup within one second gets "<stamp>-1".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/backup.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/pools.h"
#include "core/qmp.h"
#include "core/vm.h"
#include "common/loop.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "store/store_backup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void test_stamp(void **state)
{
	char s[32];

	(void)state;
	backup_stamp(1773454500, s, sizeof(s));      /* 2026-03-14 02:15:00 UTC */
	assert_string_equal(s, "20260314T021500Z");
	backup_stamp(0, s, sizeof(s));
	assert_string_equal(s, "19700101T000000Z");
}

static void spec_fill(struct store_vm *v, struct store_disk *disks)
{
	memset(v, 0, sizeof(*v));
	v->name = "web";
	v->uuid = "00000000-0000-4000-8000-000000000001";
	v->vcpus = 2;
	v->memory_mib = 1024;
	v->memory_min_mib = 512;
	v->memory_shares = 2000;
	v->ksm_off = 1;
	v->firmware = "uefi";
	v->boot = "cdrom,disk";
	v->cdrom = "/srv/iso/x.iso";
	v->append = "console=ttyS0";
	v->agent = 1;
	v->display = "virtio";
	v->cloud_init = "{\"user\":\"bob\"}";
	v->cloud_init_gen = 3;
	v->tags = "db,prod";
	disks[0] = (struct store_disk){ .idx = 0, .path = "/p/web-disk0.qcow2", .format = "qcow2",
					.size_bytes = 1 << 30, .owned = 1 };
	disks[1] = (struct store_disk){ .idx = 2, .path = "/p/data.raw", .format = "raw",
					.size_bytes = 4096, .scsi = 1 };
	v->disks = disks;
	v->ndisks = 2;
}

static void test_config_round_trip(void **state)
{
	struct store_disk disks[2];
	struct store_vm in, out;
	char err[256];
	json_t *c;

	(void)state;
	spec_fill(&in, disks);
	c = backup_config_json(&in, json_pack("[{s:s,s:s,s:i,s:i}]", "network", "lan", "mac",
					      "52:54:00:00:00:01", "vlan", 0, "rate_mbit", 0));
	assert_int_equal(json_integer_value(json_object_get(c, "format")), 1);
	assert_int_equal(json_array_size(json_object_get(c, "nics")), 1);
	assert_int_equal(backup_config_spec(c, &out, err, sizeof(err)), 0);
	assert_string_equal(out.name, "web");
	assert_string_equal(out.uuid, in.uuid);
	assert_int_equal(out.vcpus, 2);
	assert_int_equal(out.memory_mib, 1024);
	assert_int_equal(out.memory_min_mib, 512);
	assert_int_equal(out.memory_shares, 2000);
	assert_int_equal(out.ksm_off, 1);
	assert_string_equal(out.firmware, "uefi");
	assert_string_equal(out.boot, "cdrom,disk");
	assert_string_equal(out.cdrom, "/srv/iso/x.iso");
	assert_null(out.kernel);
	assert_string_equal(out.append, "console=ttyS0");
	assert_int_equal(out.agent, 1);
	assert_string_equal(out.display, "virtio");
	assert_string_equal(out.cloud_init, "{\"user\":\"bob\"}");
	assert_int_equal(out.cloud_init_gen, 3);
	assert_string_equal(out.tags, "db,prod");
	assert_int_equal(out.ndisks, 2);
	assert_int_equal(out.disks[1].idx, 2);
	assert_string_equal(out.disks[1].path, "/p/data.raw");
	assert_string_equal(out.disks[1].format, "raw");
	assert_int_equal(out.disks[0].size_bytes, 1 << 30);
	assert_int_equal(out.disks[0].owned, 1);
	assert_int_equal(out.disks[1].scsi, 1);
	store_vm_clear(&out);
	json_decref(c);
}

static void test_config_damaged(void **state)
{
	struct store_disk disks[2];
	struct store_vm in, out;
	char err[256];
	json_t *c, *vm;

	(void)state;
	spec_fill(&in, disks);
	c = backup_config_json(&in, NULL);
	vm = json_object_get(c, "vm");
	json_object_set_new(vm, "vcpus", json_integer(0));
	assert_int_equal(backup_config_spec(c, &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'vcpus'"));
	json_object_set_new(vm, "vcpus", json_integer(1));
	json_object_del(json_array_get(json_object_get(vm, "disks"), 1), "path");
	assert_int_equal(backup_config_spec(c, &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "disk 1"));
	assert_null(out.name);
	json_object_del(c, "vm");
	assert_int_equal(backup_config_spec(c, &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "damaged"));
	json_decref(c);
}

static void test_sum_parse(void **state)
{
	const char *good = "9131931e4f20a1a925e8c147efe59bdac91c1e0646315533177308bab6c67227";
	char hex[65], line[128];

	(void)state;
	snprintf(line, sizeof(line), "%s  /dev/fd/3\n", good);
	assert_int_equal(backup_sum_parse(line, hex), 0);
	assert_string_equal(hex, good);
	assert_int_equal(backup_sum_parse(good, hex), 0);
	assert_int_equal(backup_sum_parse("", hex), -EINVAL);
	assert_int_equal(backup_sum_parse("9131931E4f20", hex), -EINVAL);
	snprintf(line, sizeof(line), "%sab /dev/fd/3", good);
	assert_int_equal(backup_sum_parse(line, hex), -EINVAL);
}

static void test_room(void **state)
{
	char err[256];

	(void)state;
	/* 100 GiB pool: 5 GiB kept spare */
	assert_int_equal(backup_room_check("vault", 10ull << 30, 20ull << 30, 100ull << 30, err,
					   sizeof(err)), 0);
	assert_int_equal(backup_room_check("vault", 15ull << 30, 20ull << 30, 100ull << 30, err,
					   sizeof(err)), 0);
	assert_int_equal(backup_room_check("vault", (15ull << 30) + 1, 20ull << 30, 100ull << 30,
					   err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "pool 'vault' has not room enough"));
	assert_non_null(strstr(err, "15360 MiB"));
	assert_int_equal(backup_room_check("tiny", 1, 1ull << 20, 100ull << 20, err, sizeof(err)),
			 -ENOSPC);
	assert_non_null(strstr(err, "has 0 MiB free"));
}

static struct store_backup row(const char *vm, int64_t created, int64_t job)
{
	struct store_backup b = {
		.vm = (char *)vm, .vm_uuid = "u", .pool = "vault", .src_pool = "default",
		.created = created, .size = 4096, .method = "live", .frozen = 1,
		.config = "{\"format\":1}", .disks = "[{\"sha256\":\"x\"}]", .job = job,
	};
	static char dirs[4][64];
	static int k;

	snprintf(dirs[k % 4], sizeof(dirs[0]), "/v/.backups/%s/%lld", vm, (long long)created);
	b.dir = dirs[k++ % 4];
	return b;
}

static void test_store(void **state)
{
	struct tl_store_file *f = *state;
	struct store_backup a = row("web", 20, 7), b = row("db", 10, 8), c = row("web", 5, 9), got;
	struct store_backup *v;
	int64_t id;
	size_t n;

	tl_store_file_open_or_fail(f);
	c.schedule = 3;
	assert_int_equal(store_backup_add(f->st, &a, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_backup_add(f->st, &b, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_backup_add(f->st, &c, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_backup_list(f->st, "web", &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, c.id);               /* oldest first */
	assert_int_equal(v[0].schedule, 3);
	assert_int_equal(v[1].schedule, 0);
	assert_string_equal(v[1].method, "live");
	assert_int_equal(v[1].frozen, 1);
	assert_null(v[1].verify_result);
	store_backup_list_free(v, n);
	assert_int_equal(store_backup_list(f->st, NULL, &v, &n), 0);
	assert_int_equal(n, 3);
	store_backup_list_free(v, n);
	assert_int_equal(store_backup_by_job(f->st, 8, &id), 0);
	assert_int_equal(id, b.id);
	assert_int_equal(store_backup_by_job(f->st, 99, &id), -ENOENT);
	assert_int_equal(store_backup_set_verified(f->st, a.id, 1234, "ok", f->err,
						   sizeof(f->err)), 0);
	assert_int_equal(store_backup_get(f->st, a.id, &got), 0);
	assert_int_equal(got.verified, 1234);
	assert_string_equal(got.verify_result, "ok");
	assert_string_equal(got.disks, "[{\"sha256\":\"x\"}]");
	store_backup_clear(&got);
	assert_int_equal(store_backup_delete(f->st, a.id, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_backup_get(f->st, a.id, &got), -ENOENT);
	assert_int_equal(store_backup_delete(f->st, a.id, f->err, sizeof(f->err)), -ENOENT);
	assert_non_null(strstr(f->err, "no backup"));
	a = row("x", 1, 10);
	a.method = "magic";
	assert_int_equal(store_backup_add(f->st, &a, f->err, sizeof(f->err)), -EINVAL);
	assert_int_equal(tl_sql_int(f->path, "SELECT COUNT(*) FROM backups"), 2);
}

static void vm_fill(struct store_vm *v, struct store_disk *dk, const char *name,
		    const char *uuid, const char *path)
{
	memset(v, 0, sizeof(*v));
	v->name = (char *)name;
	v->uuid = (char *)uuid;
	v->vcpus = 1;
	v->memory_mib = v->memory_min_mib = 64;
	v->firmware = "bios";
	v->boot = "disk";
	*dk = (struct store_disk){ .path = (char *)path, .format = "qcow2", .size_bytes = 8,
				   .owned = 1 };
	v->disks = dk;
	v->ndisks = 1;
}

/* A restore over a VM: its rows replaced by the new ones in one
 * transaction (the same uuid, new disks), or on a failure left alone. */
static void test_store_replace(void **state)
{
	struct tl_store_file *f = *state;
	struct store_disk da, db, dn, dx;
	struct store_vm a, b, n, x, got;
	int64_t old_id;

	tl_store_file_open_or_fail(f);
	vm_fill(&a, &da, "web", "u-web", "/p/web-disk0.qcow2");
	vm_fill(&b, &db, "db", "u-db", "/p/db-disk0.qcow2");
	assert_int_equal(store_vm_insert(f->st, &a, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_vm_insert(f->st, &b, f->err, sizeof(f->err)), 0);
	old_id = a.id;
	/* refused (db's uuid): web as it was */
	vm_fill(&x, &dx, "web", "u-db", "/p/web-disk0-x.qcow2");
	assert_int_not_equal(store_vm_replace(f->st, a.id, &x, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_vm_get(f->st, "web", &got), 0);
	assert_int_equal(got.id, old_id);
	assert_string_equal(got.disks[0].path, "/p/web-disk0.qcow2");
	store_vm_clear(&got);
	/* replaced: one web, the same uuid, the new disk */
	vm_fill(&n, &dn, "web", "u-web", "/p/web-disk0-new.qcow2");
	assert_int_equal(store_vm_replace(f->st, a.id, &n, f->err, sizeof(f->err)), 0);
	assert_int_not_equal(n.id, old_id);
	assert_int_equal(store_vm_get(f->st, "web", &got), 0);
	assert_int_equal(got.id, n.id);
	assert_string_equal(got.uuid, "u-web");
	assert_int_equal(got.ndisks, 1);
	assert_string_equal(got.disks[0].path, "/p/web-disk0-new.qcow2");
	store_vm_clear(&got);
	assert_int_equal(tl_sql_int(f->path, "SELECT COUNT(*) FROM vms"), 2);
	assert_int_equal(tl_sql_int(f->path, "SELECT COUNT(*) FROM disks"), 2);
	free(n.state);
	free(a.state);
	free(b.state);
}

/* --- a running VM's backup job against a fake QEMU ------------------------------------ */

#define HEX "9131931e4f20a1a925e8c147efe59bdac91c1e0646315533177308bab6c67227"

struct lfx {
	char *dir;
	char vault[4096];
	struct croftd *d;
	struct vm *vm;
	struct tl_qmp_fake q;
	struct tl_exec_fake fake;
};

/* VM web, running, with ndisks raw disks of 8 bytes in the default pool. */
static int l_setup_n(void **state, size_t ndisks)
{
	static const struct qmp_callbacks none = { 0 };
	struct lfx *f = xcalloc(1, sizeof(*f));
	struct store_vm spec = { 0 };
	char err[512], disk[4200];
	size_t i;

	f->dir = tl_tmpdir("backup");
	f->d = tl_croftd_new_or_fail(f->dir);
	f->d->loop = loop_new();
	f->d->jobs = job_runner_new(f->d, job_kinds, NULL);
	snprintf(f->vault, sizeof(f->vault), "%s/vault", f->dir);
	assert_int_equal(mkdir(f->vault, 0700), 0);
	pools_add(f->d->pools, "vault", f->vault, POOLS_DISK);
	spec.name = xstrdup("web");
	spec.uuid = xstrdup("11111111-2222-4333-8444-555555555555");
	spec.vcpus = 1;
	spec.memory_mib = spec.memory_min_mib = 64;
	spec.firmware = xstrdup("bios");
	spec.boot = xstrdup("disk");
	spec.agent = 1;
	spec.ndisks = ndisks;
	spec.disks = xcalloc(ndisks, sizeof(*spec.disks));
	for (i = 0; i < ndisks; i++) {
		snprintf(disk, sizeof(disk), "%s/web-disk%zu", f->d->pool_dir, i);
		assert_int_equal(tl_write_file(disk, "raw disk"), 0);
		spec.disks[i].idx = (int)i;
		spec.disks[i].path = xstrdup(disk);
		spec.disks[i].format = xstrdup("raw");
		spec.disks[i].size_bytes = 8;
	}
	if (store_vm_insert(f->d->store, &spec, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	f->vm = vm_add(f->d, &spec);
	/* croftd keeps a VM's disk node names per run (its pid, vm_disk.c):
	 * the two-disk VM is another run than the one-disk VM's */
	f->vm->pid = ndisks == 1 ? getpid() : getppid();
	f->vm->state = VM_RUNNING;
	f->vm->qmp = tl_qmp_fake_open(&f->q, f->d->loop, &none, NULL);
	tl_qmp_handshake(&f->q, f->d->loop, f->vm->qmp);
	f->fake.out = HEX "  /dev/fd/3\n";
	tl_exec_fake_install(&f->fake);
	*state = f;
	return 0;
}

static int l_setup(void **state)
{
	return l_setup_n(state, 1);
}

static int l_setup2(void **state)
{
	return l_setup_n(state, 2);
}

static int l_teardown(void **state)
{
	struct lfx *f = *state;

	tl_exec_fake_remove();
	job_runner_free(f->d->jobs);
	f->d->jobs = NULL;
	qmp_free(f->vm->qmp);
	f->vm->qmp = NULL;
	tl_qmp_fake_close(&f->q);
	f->vm->pid = 0;
	loop_free(f->d->loop);
	f->d->loop = NULL;
	tl_croftd_free(f->d);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* The next command is cmd; its arguments as JSON text (compact, sorted). */
static long long next_cmd(struct lfx *f, const char *cmd, char *args, size_t len)
{
	json_t *a = NULL;
	long long id = tl_qmp_expect(&f->q, f->d->loop, cmd, &a);
	char *txt = a ? json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	snprintf(args, len, "%s", txt ? txt : "");
	free(txt);
	json_decref(a);
	return id;
}

static struct job *start_backup(struct lfx *f)
{
	const char *code;
	struct job *j = NULL;
	char err[1024];

	if (backup_create(f->d, "web", "vault", 0, 0, NULL, NULL, &j, &code, err, sizeof(err)) < 0)
		fail_msg("backup_create: %s", err);
	return j;
}

/* add-fd, the file node and the qcow2 node of job id's target. */
static void expect_attach(struct lfx *f, long long job)
{
	char args[2048], want[512];

	tl_qmp_reply(&f->q, next_cmd(f, "add-fd", args, sizeof(args)), "{\"fdset-id\": 5, \"fd\": 40}");
	snprintf(want, sizeof(want), "{\"opaque\":\"bk%lld-0\"}", job);
	assert_string_equal(args, want);
	tl_qmp_reply(&f->q, next_cmd(f, "blockdev-add", args, sizeof(args)), "{}");
	snprintf(want, sizeof(want), "{\"driver\":\"file\",\"filename\":\"/dev/fdset/5\","
		 "\"node-name\":\"bk%lld-0-file\"}", job);
	assert_string_equal(args, want);
	tl_qmp_reply(&f->q, next_cmd(f, "blockdev-add", args, sizeof(args)), "{}");
	snprintf(want, sizeof(want), "{\"driver\":\"qcow2\",\"file\":\"bk%lld-0-file\","
		 "\"node-name\":\"bk%lld-0\"}", job, job);
	assert_string_equal(args, want);
}

/* The teardown: job-cancel, query-jobs, blockdev-del of both nodes,
 * remove-fd of the job's fd set (5) and no other. */
static void expect_teardown(struct lfx *f, long long job)
{
	char args[2048], want[512], reply[512];

	next_cmd(f, "job-cancel", args, sizeof(args));
	tl_qmp_reply(&f->q, next_cmd(f, "query-jobs", args, sizeof(args)), "[]");
	next_cmd(f, "blockdev-del", args, sizeof(args));
	snprintf(want, sizeof(want), "{\"node-name\":\"bk%lld-0\"}", job);
	assert_string_equal(args, want);
	next_cmd(f, "blockdev-del", args, sizeof(args));
	snprintf(want, sizeof(want), "{\"node-name\":\"bk%lld-0-file\"}", job);
	assert_string_equal(args, want);
	snprintf(reply, sizeof(reply), "[{\"fdset-id\": 2, \"fds\": [{\"fd\": 30, \"opaque\": "
		 "\"disk0\"}]}, {\"fdset-id\": 5, \"fds\": [{\"fd\": 40, \"opaque\": "
		 "\"bk%lld-0\"}]}]", job);
	tl_qmp_reply(&f->q, next_cmd(f, "query-fdsets", args, sizeof(args)), reply);
	next_cmd(f, "remove-fd", args, sizeof(args));
	assert_string_equal(args, "{\"fdset-id\":5}");
}

static void test_live(void **state)
{
	struct lfx *f = *state;
	struct store_backup *v;
	char args[2048], want[1024], reply[512];
	struct job *j = start_backup(f);
	long long job = job_id(j), id;
	const char *code;
	size_t n;

	/* its own pool is refused, and so is a second job on the VM */
	assert_int_equal(backup_create(f->d, "web", "default", 0, 0, NULL, NULL, NULL, &code, args,
				       sizeof(args)), -EINVAL);
	assert_non_null(strstr(args, "a backup must go to another pool"));
	assert_int_equal(backup_create(f->d, "web", "vault", 0, 0, NULL, NULL, NULL, &code, args,
				       sizeof(args)), -EBUSY);
	assert_string_equal(code, PROTO_E_BUSY);
	assert_non_null(strstr(args, "(backup.create) "));
	assert_non_null(strstr(args, "; wait for it or cancel it"));

	expect_attach(f, job);
	id = next_cmd(f, "transaction", args, sizeof(args));
	snprintf(want, sizeof(want), "{\"actions\":[{\"data\":{\"auto-dismiss\":false,"
		 "\"device\":\"disk0\",\"job-id\":\"bk%lld-0\",\"sync\":\"full\","
		 "\"target\":\"bk%lld-0\"},\"type\":\"blockdev-backup\"}],\"properties\":"
		 "{\"completion-mode\":\"grouped\"}}", job, job);
	assert_string_equal(args, want);
	tl_qmp_reply(&f->q, id, "{}");
	/* the block job, followed to its end, dismissed */
	snprintf(reply, sizeof(reply), "[{\"id\": \"bk%lld-0\", \"type\": \"backup\", "
		 "\"status\": \"concluded\", \"current-progress\": 8, \"total-progress\": 8}]",
		 job);
	tl_qmp_reply(&f->q, next_cmd(f, "query-jobs", args, sizeof(args)), reply);
	tl_qmp_reply(&f->q, next_cmd(f, "job-dismiss", args, sizeof(args)), "{}");
	expect_teardown(f, job);
	TL_PUMP_UNTIL(f->d->loop, !job_find(f->d->jobs, job), 5000);
	assert_int_equal(store_backup_list(f->d->store, "web", &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].method, "live");
	assert_string_equal(v[0].pool, "vault");
	assert_string_equal(v[0].src_pool, "default");
	assert_int_equal(v[0].job, job);
	assert_non_null(strstr(v[0].disks, HEX));
	assert_non_null(strstr(v[0].dir, "/vault/.backups/web/"));
	snprintf(want, sizeof(want), "%s/config.json", v[0].dir);
	assert_int_equal(access(want, F_OK), 0);
	/* the hash: qemu-img convert to raw into the O_TMPFILE (fd 3), sha256sum */
	assert_string_equal(f->fake.argv[0], "sh");
	assert_non_null(strstr(f->fake.argv[2], "-O raw \"$1\" /dev/fd/3"));
	snprintf(want, sizeof(want), "%s/disk0.qcow2", v[0].dir);
	assert_string_equal(f->fake.argv[4], want);
	store_backup_list_free(v, n);
}

static void test_live_refused(void **state)
{
	struct lfx *f = *state;
	struct job *j = start_backup(f);
	long long job = job_id(j), id;
	struct store_backup *v;
	struct store_job row;
	char args[2048], path[4200];
	size_t n;

	expect_attach(f, job);
	id = next_cmd(f, "transaction", args, sizeof(args));
	{
		char buf[256];

		snprintf(buf, sizeof(buf), "{\"error\": {\"class\": \"GenericError\", \"desc\": "
			 "\"Node 'disk0' is busy\"}, \"id\": %lld}\r\n", id);
		tl_qmp_send(&f->q, buf);
	}
	TL_PUMP_UNTIL(f->d->loop, !job_find(f->d->jobs, job), 5000);
	assert_int_equal(store_job_get(f->d->store, job, &row), 0);
	assert_string_equal(row.state, "failed");
	assert_non_null(strstr(row.error, "QEMU refused the backup transaction: Node 'disk0' is busy"));
	store_job_clear(&row);
	expect_teardown(f, job);
	/* no row, no directory */
	assert_int_equal(store_backup_list(f->d->store, NULL, &v, &n), 0);
	assert_int_equal(n, 0);
	store_backup_list_free(v, n);
	snprintf(path, sizeof(path), "%s/.backups/web", f->vault);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_stopped_no_start(void **state)
{
	struct lfx *f = *state;
	struct job *j;
	pid_t pid = f->vm->pid;
	const char *code;
	char err[512];
	long long job;
	int cancelled = 0;

	/* a stopped VM's backup: qemu-img reads its disk for as long as it runs */
	f->vm->pid = 0;
	f->vm->state = VM_STOPPED;
	f->fake.hang = 1;
	j = start_backup(f);
	job = job_id(j);
	assert_int_equal(backup_copying(f->d, "web"), job);
	assert_int_equal(vm_start(f->vm, NULL, NULL, &code, err, sizeof(err)), -EBUSY);
	assert_string_equal(code, PROTO_E_INVALID_STATE);
	assert_non_null(strstr(err, "is being backed up while stopped"));
	TL_PUMP_UNTIL(f->d->loop, f->fake.calls >= 1, 5000);
	job_cancel(j, NULL, NULL);
	TL_PUMP_UNTIL(f->d->loop, (cancelled = !job_find(f->d->jobs, job)), 10000);
	assert_true(cancelled);
	assert_int_equal(backup_copying(f->d, "web"), 0);
	f->vm->pid = pid;
	f->vm->state = VM_RUNNING;
}

/* The progress the job shows. */
static void assert_progress(struct lfx *f, long long job, uint64_t done, uint64_t total)
{
	const struct store_job *row = job_row(job_find(f->d->jobs, job));

	assert_int_equal(row->done_bytes, done);
	assert_int_equal(row->total_bytes, total);
}

/* The query-jobs qid answered with bk<job>-<i> at cur[i] of 8 bytes
 * (cur[i] < 0: not listed), concluded when it is 8. */
static void reply_jobs(struct lfx *f, long long qid, long long job, const int *cur, size_t n)
{
	char reply[1024];
	size_t i, len = 0;

	len += (size_t)snprintf(reply + len, sizeof(reply) - len, "[");
	for (i = 0; i < n; i++)
		if (cur[i] >= 0)
			len += (size_t)snprintf(reply + len, sizeof(reply) - len,
				"%s{\"id\": \"bk%lld-%zu\", \"type\": \"backup\", \"status\": \"%s\", "
				"\"current-progress\": %d, \"total-progress\": 8}",
				len > 1 ? ", " : "", job, i, cur[i] == 8 ? "concluded" : "running",
				cur[i]);
	snprintf(reply + len, sizeof(reply) - len, "]");
	tl_qmp_reply(&f->q, qid, reply);
}

/* A running VM with two disks: QEMU copies both at once, and the job's
 * progress is the sum over both block jobs, bytes of the disks' sizes,
 * never going back (a disk's job dismissed keeps its bytes). */
static void test_live_two_disks(void **state)
{
	struct lfx *f = *state;
	struct job *j = start_backup(f);
	long long job = job_id(j), id;
	char args[2048], reply[256];
	size_t i, n;
	struct store_backup *v;

	for (i = 0; i < 2; i++) {
		snprintf(reply, sizeof(reply), "{\"fdset-id\": %zu, \"fd\": 40}", 5 + i);
		tl_qmp_reply(&f->q, next_cmd(f, "add-fd", args, sizeof(args)), reply);
		tl_qmp_reply(&f->q, next_cmd(f, "blockdev-add", args, sizeof(args)), "{}");
		tl_qmp_reply(&f->q, next_cmd(f, "blockdev-add", args, sizeof(args)), "{}");
	}
	assert_progress(f, job, 0, 16);
	tl_qmp_reply(&f->q, next_cmd(f, "transaction", args, sizeof(args)), "{}");
	assert_non_null(strstr(args, "\"device\":\"disk1\""));
	/* following disk 0; both copy */
	reply_jobs(f, next_cmd(f, "query-jobs", args, sizeof(args)), job, (int[]){ 4, 2 }, 2);
	TL_PUMP_UNTIL(f->d->loop, job_row(j)->done_bytes == 6, 5000);
	assert_progress(f, job, 6, 16);
	reply_jobs(f, next_cmd(f, "query-jobs", args, sizeof(args)), job, (int[]){ 8, 5 }, 2);
	id = next_cmd(f, "job-dismiss", args, sizeof(args));
	assert_progress(f, job, 13, 16);
	tl_qmp_reply(&f->q, id, "{}");
	/* following disk 1; disk 0's job is gone, its 8 bytes stay counted */
	reply_jobs(f, next_cmd(f, "query-jobs", args, sizeof(args)), job, (int[]){ -1, 6 }, 2);
	TL_PUMP_UNTIL(f->d->loop, job_row(j)->done_bytes == 14, 5000);
	assert_progress(f, job, 14, 16);
	/* a figure lower than before does not take the bar back */
	reply_jobs(f, next_cmd(f, "query-jobs", args, sizeof(args)), job, (int[]){ -1, 5 }, 2);
	id = next_cmd(f, "query-jobs", args, sizeof(args));
	assert_progress(f, job, 14, 16);
	reply_jobs(f, id, job, (int[]){ -1, 8 }, 2);
	id = next_cmd(f, "job-dismiss", args, sizeof(args));
	assert_progress(f, job, 16, 16);
	tl_qmp_reply(&f->q, id, "{}");
	next_cmd(f, "job-cancel", args, sizeof(args));
	next_cmd(f, "job-cancel", args, sizeof(args));
	tl_qmp_reply(&f->q, next_cmd(f, "query-jobs", args, sizeof(args)), "[]");
	for (i = 0; i < 4; i++)
		next_cmd(f, "blockdev-del", args, sizeof(args));
	tl_qmp_reply(&f->q, next_cmd(f, "query-fdsets", args, sizeof(args)), "[]");
	TL_PUMP_UNTIL(f->d->loop, !job_find(f->d->jobs, job), 5000);
	assert_int_equal(store_backup_list(f->d->store, "web", &v, &n), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(v[0].disks, "disk1.qcow2"));
	store_backup_list_free(v, n);
}

/* A backup of a second that has one already (one by hand, then a
 * scheduled one) is "<stamp>-1", not refused; the other stays. */
static void test_same_second(void **state)
{
	struct lfx *f = *state;
	char base[4200], taken[2][4300], stamp[32], want[4400];
	const char *dir;
	struct job *j;
	long long job;
	time_t now = time(NULL);
	int k;

	f->vm->pid = 0;
	f->vm->state = VM_STOPPED;
	f->fake.hang = 1;
	snprintf(base, sizeof(base), "%s/.backups", f->vault);
	assert_int_equal(mkdir(base, 0700), 0);
	snprintf(base, sizeof(base), "%s/.backups/web", f->vault);
	assert_int_equal(mkdir(base, 0700), 0);
	for (k = 0; k < 2; k++) {       /* this second and the next, should it turn */
		backup_stamp(now + k, stamp, sizeof(stamp));
		snprintf(taken[k], sizeof(taken[k]), "%s/%s", base, stamp);
		assert_int_equal(mkdir(taken[k], 0700), 0);
	}
	j = start_backup(f);
	job = job_id(j);
	dir = json_string_value(json_object_get(job_args(j), "dir"));
	snprintf(want, sizeof(want), "%s-1", taken[0]);
	if (strcmp(dir, want))
		snprintf(want, sizeof(want), "%s-1", taken[1]);
	assert_string_equal(dir, want);
	TL_PUMP_UNTIL(f->d->loop, f->fake.calls >= 1, 5000);
	assert_int_equal(access(want, F_OK), 0);
	job_cancel(j, NULL, NULL);
	TL_PUMP_UNTIL(f->d->loop, !job_find(f->d->jobs, job), 10000);
	assert_int_equal(access(want, F_OK), -1);
	assert_int_equal(access(taken[0], F_OK), 0);
	assert_int_equal(access(taken[1], F_OK), 0);
	f->vm->pid = getpid();
	f->vm->state = VM_RUNNING;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_config_round_trip),
		cmocka_unit_test(test_config_damaged),
		cmocka_unit_test(test_sum_parse),
		cmocka_unit_test(test_room),
		cmocka_unit_test_setup_teardown(test_store, tl_store_file_setup,
						tl_store_file_teardown),
		cmocka_unit_test_setup_teardown(test_store_replace, tl_store_file_setup,
						tl_store_file_teardown),
		cmocka_unit_test_setup_teardown(test_live, l_setup, l_teardown),
		cmocka_unit_test_setup_teardown(test_live_refused, l_setup, l_teardown),
		cmocka_unit_test_setup_teardown(test_stopped_no_start, l_setup, l_teardown),
		cmocka_unit_test_setup_teardown(test_same_second, l_setup, l_teardown),
		cmocka_unit_test_setup_teardown(test_live_two_disks, l_setup2, l_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
