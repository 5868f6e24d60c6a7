/*
 * Tests for core/vm_uid.c and its store table (store/store_vm_host.c):
 * reading croft-qemu's range from subuid/subgid files (good, missing,
 * malformed, too low), giving VMs slots through a real store (kept across a
 * reload, not reused at once after a delete, the lowest free after the
 * range wraps, -ENOSPC when full), each VM's uid, gid and groups, and the
 * reach check from modes and owners.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/daemon.h"
#include "core/job_exec.h"
#include "core/vm.h"
#include "core/vm_uid.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BASE 1879048192u

static void test_subid_parse(void **state)
{
	uint32_t start = 0, count = 0;

	(void)state;
	assert_int_equal(vm_uid_subid_parse("alice:100000:65536\ncroft-qemu:1879048192:65536\n",
					    "croft-qemu", 995, &start, &count), 0);
	assert_int_equal(start, BASE);
	assert_int_equal(count, 65536);
	/* by numeric id; the first good line wins; no trailing newline */
	assert_int_equal(vm_uid_subid_parse("995:200000:10", "croft-qemu", 995, &start, &count), 0);
	assert_int_equal(start, 200000);
	assert_int_equal(count, 10);
	/* malformed lines are skipped */
	assert_int_equal(vm_uid_subid_parse("croft-qemu:abc:5\ncroft-qemu:10\ncroft-qemu:300000:0\n"
					    "croft-qemu:-1:5\ncroft-qemu:4294967295:2\n"
					    "croft-qemu:99999999999:1\ncroft-qemu:400000:7\n",
					    "croft-qemu", 995, &start, &count), 0);
	assert_int_equal(start, 400000);
	assert_int_equal(count, 7);
	/* a prefix of the name, or another user, is not it */
	assert_int_equal(vm_uid_subid_parse("croft-qemux:100000:5\ncroft:100000:5\n99:1:1\n",
					    "croft-qemu", 995, &start, &count), -ENOENT);
	assert_int_equal(vm_uid_subid_parse("", "croft-qemu", 995, &start, &count), -ENOENT);
}

static void test_range_load(void **state)
{
	const char *dir = *state;
	char *u = tl_path(dir, "subuid"), *g = tl_path(dir, "subgid"), *none = tl_path(dir, "none");
	struct croftd d = { 0 };
	char err[512];

	tl_write_file_or_fail(u, "root:100000:65536\ncroft-qemu:%u:100000\n", BASE);
	tl_write_file_or_fail(g, "croft-qemu:%u:1000\n", BASE + 65536);
	assert_int_equal(vm_uid_range_load(&d, u, g, "croft-qemu", 995, err, sizeof(err)), 0);
	assert_int_equal(d.vm_uid_base, BASE);
	assert_int_equal(d.vm_gid_base, BASE + 65536);
	assert_int_equal(d.vm_id_count, 1000);            /* the smaller of the two */

	tl_write_file_or_fail(g, "croft-qemu:%u:200000\n", BASE);
	assert_int_equal(vm_uid_range_load(&d, u, g, "croft-qemu", 995, err, sizeof(err)), 0);
	assert_int_equal(d.vm_id_count, VM_UID_SLOTS_MAX);   /* capped */

	/* no range: says how to make one, changes nothing */
	memset(&d, 0, sizeof(d));
	assert_int_equal(vm_uid_range_load(&d, none, g, "croft-qemu", 995, err, sizeof(err)), -ENOENT);
	tl_assert_contains(err, none);
	tl_assert_contains(err, "setup-host.sh");
	assert_int_equal(d.vm_id_count, 0);
	tl_write_file_or_fail(g, "someone:%u:10\n", BASE);
	assert_int_equal(vm_uid_range_load(&d, u, g, "croft-qemu", 995, err, sizeof(err)), -ENOENT);
	tl_assert_contains(err, "gid");
	/* ids of ordinary users are refused */
	tl_write_file_or_fail(g, "croft-qemu:1000:10\n");
	assert_int_equal(vm_uid_range_load(&d, u, g, "croft-qemu", 995, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "overlaps ordinary users");
	free(u);
	free(g);
	free(none);
}

/* A VM of d that the store knows (as vm_load_all would make it). */
static struct vm *stored_vm(struct croftd *d, const char *name)
{
	struct store_vm spec = { 0 };

	tl_store_vm_or_fail(d->store, name);
	if (store_vm_get(d->store, name, &spec) < 0)
		fail_msg("store_vm_get %s", name);
	return vm_add(d, &spec);
}

static void assign_or_fail(struct vm *vm, int64_t want)
{
	char err[512];

	if (vm_uid_assign(vm, err, sizeof(err)) < 0)
		fail_msg("vm_uid_assign %s: %s", vm->spec.name, err);
	assert_int_equal(vm->uid_slot, want);
}

static void test_slots(void **state)
{
	struct croftd *d = tl_croftd_new_or_fail(*state);
	struct vm *a, *b, *c, *a2, *e, *f;
	struct job_exec_creds cr;
	char err[512], user[96];
	int64_t slot;

	d->drop_privs = 1;
	d->vm_uid_base = BASE;
	d->vm_gid_base = BASE + 7;
	d->vm_id_count = 3;
	d->vm_groups[0] = 42;
	d->vm_ngroups = 1;

	a = stored_vm(d, "a");
	b = stored_vm(d, "b");
	assert_int_equal(vm_uid_of(a), (uid_t)-1);        /* no slot yet: nobody */
	assign_or_fail(a, 0);
	assign_or_fail(b, 1);
	assign_or_fail(a, 0);                             /* kept */
	assert_int_equal(vm_uid_of(b), BASE + 1);
	assert_int_equal(vm_gid_of(b), BASE + 7 + 1);
	memset(&cr, 0xff, sizeof(cr));              /* every field is set */
	vm_uid_creds(b, &cr);
	assert_int_equal(cr.split, 0);
	assert_int_equal(cr.uid, BASE + 1);
	assert_int_equal(cr.gid, BASE + 8);
	assert_int_equal(cr.ngroups, 1);
	assert_int_equal(cr.groups[0], 42);
	vm_uid_user(b, user, sizeof(user));
	assert_string_equal(user, "croft-qemu:1 (uid 1879048193)");

	/* the store remembers: another struct for the same VM finds slot 0 */
	a2 = stored_vm(d, "a2");
	assign_or_fail(a2, 2);
	assert_int_equal(store_vm_uid_slot_get(d->store, a->spec.id, &slot), 0);
	assert_int_equal(slot, 0);

	/* the range is full */
	c = stored_vm(d, "c");
	assert_int_equal(vm_uid_assign(c, err, sizeof(err)), -ENOSPC);
	tl_assert_contains(err, "/etc/subuid");
	assert_int_equal(c->uid_slot, -1);

	/* a deleted VM's slot goes with it; after the wrap the lowest free
	 * slot is given (here b's) */
	assert_int_equal(store_vm_delete(d->store, b->spec.id), 0);
	assert_int_equal(store_vm_uid_slot_get(d->store, b->spec.id, &slot), -ENOENT);
	assign_or_fail(c, 1);

	/* in a wider range, a freed slot is not handed out again at once */
	d->vm_id_count = 10;
	assert_int_equal(store_vm_delete(d->store, a2->spec.id), 0);
	e = stored_vm(d, "e");
	assign_or_fail(e, 3);
	f = stored_vm(d, "f");
	assign_or_fail(f, 4);

	/* without root every QEMU is croftd's own user */
	d->drop_privs = 0;
	assert_int_equal(vm_uid_of(e), geteuid());
	assert_int_equal(vm_gid_of(e), getegid());
	tl_croftd_free(d);
}

static void test_can_reach(void **state)
{
	const char *dir = *state;
	char *sub = tl_path(dir, "sub"), *file, err[512];
	gid_t g = 4242;

	if (geteuid() != 0)
		skip();
	file = tl_path(sub, "f");
	assert_int_equal(mkdir(sub, 0755), 0);
	tl_write_file_or_fail(file, "x");
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(file, 0600), 0);
	assert_int_equal(vm_uid_can_reach(sub, BASE, BASE, NULL, 0, 0, err, sizeof(err)), 0);
	/* the file is root's: no read for others */
	assert_int_equal(vm_uid_can_reach(file, BASE, BASE, NULL, 0, R_OK, err, sizeof(err)),
			 -EACCES);
	tl_assert_contains(err, file);
	/* its owner may */
	assert_int_equal(chown(file, BASE, BASE), 0);
	assert_int_equal(vm_uid_can_reach(file, BASE, BASE, NULL, 0, R_OK | W_OK, err,
					  sizeof(err)), 0);
	assert_int_equal(vm_uid_can_reach(file, BASE + 1, BASE + 1, NULL, 0, R_OK, err,
					  sizeof(err)), -EACCES);
	/* a supplementary group with rw */
	assert_int_equal(chown(file, 0, g), 0);
	assert_int_equal(chmod(file, 0660), 0);
	assert_int_equal(vm_uid_can_reach(file, BASE, BASE, &g, 1, R_OK | W_OK, err, sizeof(err)), 0);
	assert_int_equal(vm_uid_can_reach(file, BASE, BASE, NULL, 0, R_OK, err, sizeof(err)),
			 -EACCES);
	/* a directory on the way without search names that directory */
	assert_int_equal(chmod(sub, 0700), 0);
	assert_int_equal(vm_uid_can_reach(file, BASE, BASE, &g, 1, R_OK, err, sizeof(err)), -EACCES);
	tl_assert_contains(err, sub);
	tl_assert_contains(err, "mode 0700");
	/* root reaches everything; a missing path says so */
	assert_int_equal(vm_uid_can_reach(file, 0, 0, NULL, 0, R_OK, err, sizeof(err)), 0);
	assert_true(vm_uid_can_reach("/nonexistent/x", BASE, BASE, NULL, 0, 0, err,
				     sizeof(err)) < 0);
	free(file);
	free(sub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subid_parse),
		cmocka_unit_test_setup_teardown(test_range_load, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_slots, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_can_reach, tl_tmpdir_setup, tl_tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
