/*
 * pool_usage tests: the sums (allocated, promised, volumes), the
 * overcommit ratio and used percentage with their edge cases, and a scan
 * of a real directory with qemu-img's images: a thin qcow2 counts its
 * virtual size as promised and only its blocks as allocated, a raw file
 * its size; a symlink, a subdirectory and a FIFO are not volumes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/pool_usage.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_sums(void **state)
{
	struct pool_usage u = { .capacity = 1000, .free = 250 };

	(void)state;
	assert_true(pool_usage_overcommit(&u) == 0.0);
	pool_usage_add(&u, 800, 100);
	pool_usage_add(&u, 700, 50);
	assert_int_equal(u.promised, 1500);
	assert_int_equal(u.allocated, 150);
	assert_int_equal(u.volumes, 2);
	assert_true(pool_usage_overcommit(&u) == 1.5);
	assert_true(pool_usage_used_pct(&u) == 75.0);
}

static void test_edges(void **state)
{
	struct pool_usage none = { 0 }, odd = { .capacity = 10, .free = 20 };
	struct pool_usage full = { .capacity = 4096, .free = 0 };

	(void)state;
	pool_usage_add(&none, 1ULL << 40, 0);
	assert_true(pool_usage_overcommit(&none) == 0.0);   /* capacity unknown */
	assert_true(pool_usage_used_pct(&none) == 0.0);
	assert_true(pool_usage_used_pct(&odd) == 0.0);      /* free > capacity: unknown */
	assert_true(pool_usage_used_pct(&full) == 100.0);
}

static void test_scan(void **state)
{
	const char *dir = *state;
	char path[4096], err[512] = "";
	struct pool_usage u;
	struct pool_vol *v;
	struct stat st;
	uint64_t want_alloc = 0;
	size_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/b.qcow2", dir);
	if (tl_image_create(path, "qcow2", 1ULL << 30, err, sizeof(err)) < 0)
		fail_msg("qemu-img: %s", err);
	assert_int_equal(stat(path, &st), 0);
	want_alloc += (uint64_t)st.st_blocks * 512;
	snprintf(path, sizeof(path), "%s/a.raw", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 3 << 20), 0);
	assert_int_equal(pwrite(fd, "data", 4, 0), 4);
	close(fd);
	assert_int_equal(stat(path, &st), 0);
	want_alloc += (uint64_t)st.st_blocks * 512;
	/* not volumes */
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/link.qcow2", dir);
	assert_int_equal(symlink("b.qcow2", path), 0);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);

	if (pool_usage_scan(dir, &v, &n, &u, err, sizeof(err)) < 0)
		fail_msg("scan: %s", err);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "a.raw");
	assert_string_equal(v[0].format, "raw");
	assert_int_equal(v[0].virtual_size, 3 << 20);
	assert_string_equal(v[1].name, "b.qcow2");
	assert_string_equal(v[1].format, "qcow2");
	assert_int_equal(v[1].virtual_size, 1ULL << 30);
	assert_string_equal(v[1].backing, "");
	assert_true(v[1].allocated < (1 << 20));            /* thin */
	assert_int_equal(u.volumes, 2);
	assert_int_equal(u.promised, (1ULL << 30) + (3 << 20));
	assert_int_equal(u.allocated, want_alloc);
	assert_true(u.capacity > 0 && u.free <= u.capacity);
	free(v);
}

static void test_scan_errors(void **state)
{
	const char *dir = *state;
	char path[4096], err[512] = "";
	struct pool_usage u;
	struct pool_vol *v;
	size_t n;

	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(pool_usage_scan(path, &v, &n, &u, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "missing"));
	assert_null(v);
	/* a symlink to a directory is not a pool directory */
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink(dir, path), 0);
	assert_int_equal(pool_usage_scan(path, &v, &n, &u, err, sizeof(err)), -ENOTDIR);
	/* an empty pool */
	assert_int_equal(pool_usage_scan(dir, &v, &n, &u, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(u.promised, 0);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums),
		cmocka_unit_test(test_edges),
		cmocka_unit_test_setup_teardown(test_scan, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_scan_errors, tl_tmpdir_setup, tl_tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
