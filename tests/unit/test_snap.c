/*
 * snapshot tests: the tree rules (snap_tree.c: parents and children by
 * name, the current path's depth and its warning, sizes from the disks'
 * growth) on hand-made rows, and the store (store_snap.c): a new snapshot
 * hangs under nothing and becomes current, one current per VM, a name
 * taken twice is -EEXIST and changes nothing, delete moves children up to
 * the parent and the current position with them, rows go with their VM;
 * what qemu-img check's report means; chain health: the last check of a
 * disk kept (replaced by the next, gone with its VM) and what QEMU's
 * query-block says of a running image; the CLI's parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/snap.h"
#include "tui/cli.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* --- the tree ------------------------------------------------------------------ */

static struct store_snap row(int64_t id, const char *name, int64_t parent, int64_t created,
			     uint64_t alloc, int current)
{
	struct store_snap s = { 0 };

	s.id = id;
	s.name = (char *)name;
	s.parent_id = parent;
	s.created = created;
	s.alloc = alloc;
	s.current = current;
	s.pause_ms = -1;
	s.method = (char *)"stopped";
	return s;
}

static void test_tree_json(void **state)
{
	/*   a ── b ── d*
	 *    └── c          */
	struct store_snap v[] = {
		row(1, "a", 0, 100, 1000, 0), row(2, "b", 1, 200, 1500, 0),
		row(3, "c", 1, 300, 1400, 0), row(4, "d", 2, 400, 3000, 1),
	};
	json_t *o;

	(void)state;
	assert_int_equal(snap_tree_find(v, 4, 3), 2);
	assert_int_equal(snap_tree_find(v, 4, 9), -1);
	assert_int_equal(snap_tree_find(v, 4, 0), -1);
	assert_int_equal(snap_tree_depth(v, 4), 3);
	o = snap_tree_json(v, 4, 0, 5000);
	assert_true(json_is_null(json_object_get(o, "parent")));
	assert_int_equal(json_array_size(json_object_get(o, "children")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "children"), 0)),
			    "b");
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "children"), 1)),
			    "c");
	assert_false(json_is_true(json_object_get(o, "current")));
	assert_true(json_is_null(json_object_get(o, "pause_ms")));
	assert_true(json_is_null(json_object_get(o, "schedule")));
	json_decref(o);
	o = snap_tree_json(v, 4, 3, 5000);
	assert_string_equal(json_string_value(json_object_get(o, "parent")), "b");
	assert_int_equal(json_array_size(json_object_get(o, "children")), 0);
	assert_true(json_is_true(json_object_get(o, "current")));
	json_decref(o);
}

static void test_tree_size(void **state)
{
	/* taken at 100, 200, 300, 400 with the disks then at 1000, 1500,
	 * 1400 (c came after deleting data), 3000; now 5000 */
	struct store_snap v[] = {
		row(1, "a", 0, 100, 1000, 0), row(3, "c", 1, 300, 1400, 0),
		row(2, "b", 1, 200, 1500, 0), row(4, "d", 2, 400, 3000, 1),
	};

	(void)state;
	assert_int_equal(snap_tree_size(v, 4, 0, 5000), 500);    /* a until b */
	assert_int_equal(snap_tree_size(v, 4, 2, 5000), 0);      /* b until c: shrank */
	assert_int_equal(snap_tree_size(v, 4, 1, 5000), 1600);   /* c until d */
	assert_int_equal(snap_tree_size(v, 4, 3, 5000), 2000);   /* d until now */
	assert_int_equal(snap_tree_size(v, 4, 3, 100), 0);
}

static void test_tree_depth_warning(void **state)
{
	struct store_snap v[SNAP_DEEP_WARN + 2];
	char names[SNAP_DEEP_WARN + 2][8];
	json_t *w;
	size_t i;

	(void)state;
	for (i = 0; i < SNAP_DEEP_WARN + 2; i++) {
		snprintf(names[i], sizeof(names[i]), "s%zu", i);
		v[i] = row((int64_t)i + 1, names[i], (int64_t)i, (int64_t)i, 0, 0);
	}
	/* current at depth SNAP_DEEP_WARN: no warning */
	v[SNAP_DEEP_WARN - 1].current = 1;
	assert_int_equal(snap_tree_depth(v, SNAP_DEEP_WARN + 2), SNAP_DEEP_WARN);
	w = snap_tree_warnings(v, SNAP_DEEP_WARN + 2);
	assert_int_equal(json_array_size(w), 0);
	json_decref(w);
	/* one deeper: a warning naming the depth */
	v[SNAP_DEEP_WARN - 1].current = 0;
	v[SNAP_DEEP_WARN].current = 1;
	w = snap_tree_warnings(v, SNAP_DEEP_WARN + 2);
	assert_int_equal(json_array_size(w), 1);
	assert_non_null(strstr(json_string_value(json_array_get(w, 0)), "11 deep"));
	json_decref(w);
	/* nothing current: depth 0; a cycle does not hang */
	v[SNAP_DEEP_WARN].current = 0;
	assert_int_equal(snap_tree_depth(v, SNAP_DEEP_WARN + 2), 0);
	v[0].parent_id = 2;
	v[1].current = 1;
	assert_true(snap_tree_depth(v, SNAP_DEEP_WARN + 2) <= SNAP_DEEP_WARN + 3);
}

/* --- the store -------------------------------------------------------------------- */

static void add_ok(struct store *st, int64_t vm, const char *name, int64_t parent,
		   int64_t *id)
{
	struct store_snap s = { 0 };
	char err[256];

	s.vm_id = vm;
	s.name = (char *)name;
	s.parent_id = parent;
	s.created = 1700000000;
	s.pause_ms = 2.5;
	s.method = (char *)"transaction";
	s.description = (char *)"why";
	s.spec = (char *)"{\"vcpus\":1}";
	s.disks = (char *)"[]";
	s.alloc = 4096;
	if (store_snap_add(st, &s, err, sizeof(err)) < 0)
		fail_msg("store_snap_add %s: %s", name, err);
	assert_true(s.current);
	*id = s.id;
}

static int64_t current_of(struct store *st, int64_t vm)
{
	struct store_snap *v;
	size_t n, i;
	int64_t id = 0;

	assert_int_equal(store_snap_list(st, vm, &v, &n), 0);
	for (i = 0; i < n; i++)
		if (v[i].current) {
			assert_int_equal(id, 0);         /* one current only */
			id = v[i].id;
		}
	store_snap_list_free(v, n);
	return id;
}

static long long rows(const struct tl_store_fx *fx)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/croft.db", fx->dir);
	return tl_sql_int(path, "SELECT COUNT(*) FROM snapshots");
}

static void test_store_tree(void **state)
{
	struct tl_store_fx *fx = *state;
	int64_t vm = tl_store_vm_or_fail(fx->st, "web"), other = tl_store_vm_or_fail(fx->st, "db");
	int64_t a, b, c, d, x;
	struct store_snap s, dup = { 0 };
	char err[256];

	add_ok(fx->st, vm, "a", 0, &a);
	add_ok(fx->st, vm, "b", a, &b);
	add_ok(fx->st, vm, "c", a, &c);
	add_ok(fx->st, vm, "d", b, &d);
	add_ok(fx->st, other, "a", 0, &x);           /* a name is per VM */
	assert_int_equal(current_of(fx->st, vm), d);
	assert_int_equal(current_of(fx->st, other), x);
	assert_int_equal(store_snap_get(fx->st, vm, "b", &s), 0);
	assert_int_equal(s.parent_id, a);
	assert_false(s.current);
	assert_string_equal(s.method, "transaction");
	assert_string_equal(s.description, "why");
	assert_true(s.pause_ms > 2.4 && s.pause_ms < 2.6);
	assert_int_equal(s.alloc, 4096);
	store_snap_clear(&s);

	/* a name taken twice: refused, nothing changed */
	dup.vm_id = vm;
	dup.name = (char *)"b";
	dup.method = (char *)"stopped";
	dup.spec = (char *)"{}";
	dup.disks = (char *)"[]";
	dup.pause_ms = -1;
	assert_int_equal(store_snap_add(fx->st, &dup, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "already has a snapshot named 'b'"));
	assert_int_equal(current_of(fx->st, vm), d);
	assert_int_equal(rows(fx), 5);

	/* b goes: d moves up to a; current (d) stays */
	assert_int_equal(store_snap_delete(fx->st, vm, "b", err, sizeof(err)), 0);
	assert_int_equal(store_snap_get(fx->st, vm, "d", &s), 0);
	assert_int_equal(s.parent_id, a);
	store_snap_clear(&s);
	assert_int_equal(current_of(fx->st, vm), d);
	/* the current one goes: its parent becomes current */
	assert_int_equal(store_snap_delete(fx->st, vm, "d", err, sizeof(err)), 0);
	assert_int_equal(current_of(fx->st, vm), a);
	assert_int_equal(store_snap_delete(fx->st, vm, "d", err, sizeof(err)), -ENOENT);
	/* revert moves current; a root that goes leaves roots */
	assert_int_equal(store_snap_set_current(fx->st, vm, c, err, sizeof(err)), 0);
	assert_int_equal(current_of(fx->st, vm), c);
	assert_int_equal(store_snap_set_current(fx->st, vm, 999, err, sizeof(err)), -ENOENT);
	assert_int_equal(current_of(fx->st, vm), c);
	assert_int_equal(store_snap_delete(fx->st, vm, "a", err, sizeof(err)), 0);
	assert_int_equal(store_snap_get(fx->st, vm, "c", &s), 0);
	assert_int_equal(s.parent_id, 0);
	assert_true(s.current);
	store_snap_clear(&s);
	assert_int_equal(store_snap_get(fx->st, vm, "a", &s), -ENOENT);

	/* the rows go with their VM */
	assert_int_equal(store_vm_delete(fx->st, vm), 0);
	assert_int_equal(rows(fx), 1);
}

/* --- chain health: the last check per disk, kept; QEMU's view of a running image --------- */

static void test_store_health(void **state)
{
	struct tl_store_fx *fx = *state;
	int64_t vm = tl_store_vm_or_fail(fx->st, "web"), other = tl_store_vm_or_fail(fx->st, "db");
	struct store_disk_health h = { .path = (char *)"/p/web.qcow2", .checked = 100, .ok = 0,
				       .how = (char *)"qemu-img", .message = (char *)"bad" };
	struct store_disk_health *v;
	char err[256];
	size_t n;

	assert_int_equal(store_disk_health_set(fx->st, vm, &h, err, sizeof(err)), 0);
	h.path = (char *)"/p/db.qcow2";
	assert_int_equal(store_disk_health_set(fx->st, other, &h, err, sizeof(err)), 0);
	/* the next check of a disk replaces the last */
	h = (struct store_disk_health){ .path = (char *)"/p/web.qcow2", .checked = 200, .ok = 1,
					.how = (char *)"qmp" };
	assert_int_equal(store_disk_health_set(fx->st, vm, &h, err, sizeof(err)), 0);
	assert_int_equal(store_disk_health_list(fx->st, vm, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].path, "/p/web.qcow2");
	assert_int_equal(v[0].checked, 200);
	assert_true(v[0].ok);
	assert_string_equal(v[0].how, "qmp");
	assert_null(v[0].message);
	store_disk_health_list_free(v, n);
	/* an unknown way of checking is refused, the last check kept */
	h.how = (char *)"guess";
	assert_int_not_equal(store_disk_health_set(fx->st, vm, &h, err, sizeof(err)), 0);
	assert_int_equal(store_disk_health_list(fx->st, vm, &v, &n), 0);
	assert_string_equal(v[0].how, "qmp");
	store_disk_health_list_free(v, n);
	/* rows go with their VM */
	assert_int_equal(store_vm_delete(fx->st, other), 0);
	assert_int_equal(store_disk_health_list(fx->st, other, &v, &n), 0);
	assert_int_equal(n, 0);
	store_disk_health_list_free(v, n);
}

static void test_health_judge_block(void **state)
{
	struct store_snap v[2] = {
		row(1, "a", 0, 100, 0, 0), row(2, "b", 1, 200, 0, 1),
	};
	json_t *ok = tl_json("{\"node-name\":\"disk0\",\"image\":{\"filename\":\"/p/w.qcow2\","
			     "\"snapshots\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
			     "\"format-specific\":{\"type\":\"qcow2\",\"data\":{\"corrupt\":false}}}}");
	json_t *corrupt = tl_json("{\"image\":{\"snapshots\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
				  "\"format-specific\":{\"data\":{\"corrupt\":true}}}}");
	json_t *lacks = tl_json("{\"image\":{\"snapshots\":[{\"name\":\"a\"}]}}");
	char msg[512] = "";

	(void)state;
	v[0].disks = (char *)"[{\"path\":\"/p/w.qcow2\"}]";
	v[1].disks = (char *)"[{\"path\":\"/p/w.qcow2\"},{\"path\":\"/p/x.qcow2\"}]";
	assert_int_equal(snap_health_judge_block(ok, "/p/w.qcow2", v, 2, msg, sizeof(msg)), 0);
	assert_int_equal(snap_health_judge_block(corrupt, "/p/w.qcow2", v, 2, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "QEMU marked /p/w.qcow2 corrupt: stop the VM and repair it "
			    "(qemu-img check -r all) or restore it from a backup");
	assert_int_equal(snap_health_judge_block(lacks, "/p/w.qcow2", v, 2, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "disk /p/w.qcow2 does not hold snapshot 'b' that it should: a "
			    "revert to it would fail; delete the snapshot");
	/* a disk a snapshot does not cover need not hold it; a prefix is not a path */
	assert_int_equal(snap_health_judge_block(lacks, "/p/x.qcow2", v, 1, msg, sizeof(msg)), 0);
	assert_int_equal(snap_health_judge_block(lacks, "/p/w", v, 2, msg, sizeof(msg)), 0);
	json_decref(ok);
	json_decref(corrupt);
	json_decref(lacks);
}

/* --- qemu-img check's verdict ---------------------------------------------------------- */

static void test_check_judge(void **state)
{
	char msg[512];

	(void)state;
	assert_int_equal(snap_check_judge("{\"corruptions\": 0, \"check-errors\": 0, \"leaks\": 3}",
					  3, "/p/a.qcow2", msg, sizeof(msg)), 0);
	assert_int_equal(snap_check_judge("{\"corruptions\": 1, \"check-errors\": 0}", 2,
					  "/p/a.qcow2", msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "qemu-img check of /p/a.qcow2 found 1 corruption and 0 errors"));
	assert_int_equal(snap_check_judge("{\"corruptions\": 0, \"check-errors\": 2}", 1,
					  "/p/a.qcow2", msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "0 corruptions and 2 errors"));
	assert_int_equal(snap_check_judge("", 1, "/p/a.qcow2", msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "qemu-img check of /p/a.qcow2 failed (status 1)"));
	assert_int_equal(snap_check_judge("{\"corruptions\": 0}", 0, "/p/a.qcow2", msg,
					  sizeof(msg)), 0);
}

/* --- the CLI's parser ---------------------------------------------------------------- */

static json_t *parse(const char *cmdname, int argc, char **argv, struct cli_opts *g, int want_rc,
		     const char *want_err)
{
	json_t *args = NULL;
	char err[256] = "";
	int rc = cli_parse_snap(cmdname, argc, argv, g, &args, err, sizeof(err));

	assert_int_equal(rc, want_rc);
	if (want_err)
		assert_non_null(strstr(err, want_err));
	return args;
}

static void test_cli_parse(void **state)
{
	char *create[] = { "web", "pre", "--ram", "--description", "before the upgrade",
			   "--protected", "--no-wait" };
	char *revert[] = { "web", "pre", "--force" };
	char *list2[] = { "web", "pre" };
	char *one[] = { "web" };
	char *bad[] = { "web", "a/b" };
	char *force_create[] = { "web", "x", "--force" };
	struct cli_opts g = { 0 };
	json_t *a;

	(void)state;
	a = parse("snap create", 7, create, &g, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(a, "vm")), "web");
	assert_string_equal(json_string_value(json_object_get(a, "name")), "pre");
	assert_true(json_is_true(json_object_get(a, "ram")));
	assert_true(json_is_true(json_object_get(a, "protected")));
	assert_string_equal(json_string_value(json_object_get(a, "description")),
			    "before the upgrade");
	assert_true(g.no_wait);
	json_decref(a);
	memset(&g, 0, sizeof(g));
	a = parse("snap revert", 3, revert, &g, 0, NULL);
	assert_true(json_is_true(json_object_get(a, "force")));
	json_decref(a);
	a = parse("snap list", 1, one, &g, 0, NULL);
	assert_null(json_object_get(a, "name"));
	json_decref(a);
	assert_null(parse("snap list", 2, list2, &g, -EINVAL, "unexpected argument 'pre'"));
	assert_null(parse("snap info", 1, one, &g, -EINVAL, "needs the VM and the snapshot's name"));
	assert_null(parse("snap delete", 2, bad, &g, -EINVAL, "snapshot"));
	assert_null(parse("snap create", 3, force_create, &g, -EINVAL, "--force"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_json),
		cmocka_unit_test(test_tree_size),
		cmocka_unit_test(test_tree_depth_warning),
		cmocka_unit_test(test_cli_parse),
		cmocka_unit_test(test_check_judge),
		cmocka_unit_test_setup_teardown(test_store_tree, tl_store_setup, tl_store_teardown),
		cmocka_unit_test_setup_teardown(test_store_health, tl_store_setup, tl_store_teardown),
		cmocka_unit_test(test_health_judge_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
