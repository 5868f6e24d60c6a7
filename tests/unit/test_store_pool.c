/*
 * store pool tests: a pool round-trips through the file (and a reopen),
 * a name or a directory taken twice is -EEXIST and changes nothing, an
 * unknown content type is refused by the schema, delete of an unknown
 * pool is -ENOENT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "store/store.h"

#include <errno.h>
#include <string.h>

static void add_ok(struct tl_store_file *f, const char *name, const char *dir, const char *content)
{
	struct store_pool p = { (char *)name, (char *)dir, (char *)content, 1700000000 };

	if (store_pool_add(f->st, &p, f->err, sizeof(f->err)) < 0)
		fail_msg("store_pool_add %s: %s", name, f->err);
}

static void test_round_trip(void **state)
{
	struct tl_store_file *f = *state;
	struct store_pool *v;
	size_t n;

	tl_store_file_open_or_fail(f);
	assert_int_equal(store_pool_list(f->st, &v, &n, f->err, sizeof(f->err)), 0);
	assert_int_equal(n, 0);
	store_pool_list_free(v, n);
	add_ok(f, "slow", "/srv/slow", "images");
	add_ok(f, "fast", "/srv/fast", "iso");
	tl_store_file_open_or_fail(f);        /* reopened */
	assert_int_equal(store_pool_list(f->st, &v, &n, f->err, sizeof(f->err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "fast");
	assert_string_equal(v[0].dir, "/srv/fast");
	assert_string_equal(v[0].content, "iso");
	assert_int_equal(v[0].created, 1700000000);
	assert_string_equal(v[1].name, "slow");
	store_pool_list_free(v, n);
	assert_int_equal(store_pool_delete(f->st, "fast", f->err, sizeof(f->err)), 0);
	assert_int_equal(tl_sql_int(f->path, "SELECT COUNT(*) FROM pools"), 1);
}

static void test_refusals(void **state)
{
	struct tl_store_file *f = *state;
	struct store_pool same_name = { "a", "/srv/other", "images", 1 };
	struct store_pool same_dir = { "b", "/srv/a", "images", 1 };
	struct store_pool movies = { "c", "/srv/c", "movies", 1 };

	tl_store_file_open_or_fail(f);
	add_ok(f, "a", "/srv/a", "images");
	assert_int_equal(store_pool_add(f->st, &same_name, f->err, sizeof(f->err)), -EEXIST);
	assert_non_null(strstr(f->err, "'a'"));
	assert_int_equal(store_pool_add(f->st, &same_dir, f->err, sizeof(f->err)), -EEXIST);
	assert_non_null(strstr(f->err, "/srv/a"));
	assert_int_equal(store_pool_add(f->st, &movies, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "'movies' is not images or iso"));
	assert_int_equal(tl_sql_int(f->path, "SELECT COUNT(*) FROM pools"), 1);
	assert_int_equal(store_pool_delete(f->st, "nope", f->err, sizeof(f->err)), -ENOENT);
	assert_non_null(strstr(f->err, "no pool named 'nope'"));
}

static void test_disk_remove(void **state)
{
	struct tl_store_file *f = *state;

	tl_store_file_open_or_fail(f);
	tl_sql_exec(f->path, "INSERT INTO vms (id, name, uuid, vcpus, memory_mib, memory_min_mib, "
		    "firmware, boot, "
		    "state, created) VALUES (7, 'web', '00000000-0000-4000-8000-000000000007', 1, 64, 0, "
		    "'bios', 'disk', 'stopped', 1)");
	tl_sql_exec(f->path, "INSERT INTO disks (vm_id, idx, path, format, size_bytes) VALUES "
		    "(7, 0, '/p/a', 'qcow2', 1), (7, 1, '/p/b', 'raw', 1)");
	assert_int_equal(store_disk_remove(f->st, 7, 0, f->err, sizeof(f->err)), 0);
	assert_int_equal(tl_sql_int(f->path, "SELECT COUNT(*) FROM disks WHERE vm_id = 7"), 1);
	assert_int_equal(tl_sql_int(f->path, "SELECT idx FROM disks WHERE vm_id = 7"), 1);
	assert_int_equal(store_disk_remove(f->st, 7, 0, f->err, sizeof(f->err)), -ENOENT);
	assert_non_null(strstr(f->err, "has no disk 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, tl_store_file_setup,
						tl_store_file_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, tl_store_file_setup,
						tl_store_file_teardown),
		cmocka_unit_test_setup_teardown(test_disk_remove, tl_store_file_setup,
						tl_store_file_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
