/*
 * pools tests: path normalising, the allowed list (allow, disallow, the
 * store's text and back), and which root a path lies beneath (pools and
 * allowed paths, the most specific winning, prefixes that are not parents).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/pools.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void expect_norm(const char *in, const char *want)
{
	char out[PATH_MAX], err[256] = "";
	int rc = pools_path_normalize(in, out, err, sizeof(err));

	if (!want) {
		assert_int_equal(rc, -EINVAL);
		assert_true(err[0] != '\0');
		return;
	}
	if (rc)
		fail_msg("%s: %s", in, err);
	assert_string_equal(out, want);
}

static void test_normalize(void **state)
{
	char err[256], *big;

	(void)state;
	expect_norm("/a/b", "/a/b");
	expect_norm("//a///b/", "/a/b");
	expect_norm("/a/./b/.", "/a/b");
	expect_norm("/", "/");
	expect_norm("/./", "/");
	expect_norm("/a/../b", NULL);
	expect_norm("/..", NULL);
	expect_norm("a/b", NULL);
	expect_norm("", NULL);
	expect_norm("/a\nb", NULL);
	expect_norm("/a/..b", "/a/..b");
	big = malloc(PATH_MAX + 10);
	memset(big, 'x', PATH_MAX + 9);
	big[0] = '/';
	big[PATH_MAX + 9] = '\0';
	assert_int_equal(pools_path_normalize(big, big, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too long"));
	free(big);
}

static void test_allowed_list(void **state)
{
	struct pools *p = pools_new();
	char err[256], *text;
	size_t bad;

	(void)state;
	assert_int_equal(pools_allow(p, "/srv/images/", err, sizeof(err)), 0);
	assert_int_equal(pools_allow(p, "/dev/disk/by-id/ata-X", err, sizeof(err)), 0);
	assert_int_equal(pools_allow(p, "//srv/images", err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "/srv/images is already an allowed path");
	assert_int_equal(pools_allow(p, "srv", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "path 'srv' must be absolute");
	assert_int_equal(pools_allowed_count(p), 2);
	assert_string_equal(pools_allowed(p, 0), "/srv/images");
	text = pools_allowed_text(p);
	assert_string_equal(text, "/srv/images\n/dev/disk/by-id/ata-X");
	assert_int_equal(pools_disallow(p, "/srv/other", err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/srv/other is not an allowed path");
	assert_int_equal(pools_disallow(p, "/srv/images", err, sizeof(err)), 0);
	assert_int_equal(pools_allowed_count(p), 1);
	assert_string_equal(pools_allowed(p, 0), "/dev/disk/by-id/ata-X");
	pools_free(p);

	/* back from the store: bad lines skipped and counted */
	p = pools_new();
	pools_allowed_load(p, "/a\nrelative\n/b/../c\n\n/d\n/a", &bad);
	assert_int_equal(bad, 2);
	assert_int_equal(pools_allowed_count(p), 2);
	assert_string_equal(pools_allowed(p, 1), "/d");
	pools_allowed_load(p, NULL, &bad);
	assert_int_equal(bad, 0);
	free(text);
	pools_free(p);
}

static void test_find(void **state)
{
	struct pools *p = pools_new();
	struct pools_root r;
	char err[256];
	size_t i;

	(void)state;
	pools_add(p, "default", "/var/lib/croft/pools/default", POOLS_DISK);
	pools_add(p, "iso", "/var/lib/croft/pools/iso", POOLS_ISO);
	assert_int_equal(pools_count(p), 2);
	assert_string_equal(pools_dir_of(p, "iso"), "/var/lib/croft/pools/iso");
	assert_null(pools_dir_of(p, "fast"));
	assert_int_equal(pools_allow(p, "/srv", err, sizeof(err)), 0);
	assert_int_equal(pools_allow(p, "/srv/images/disk.raw", err, sizeof(err)), 0);

	assert_int_equal(pools_find(p, "/var/lib/croft/pools/default/a.qcow2", &r), 0);
	assert_string_equal(r.dir, "/var/lib/croft/pools/default");
	assert_string_equal(r.rest, "a.qcow2");
	assert_int_equal(r.pool, 1);
	assert_int_equal(pools_find(p, "/var/lib/croft/pools/iso/sub/x.iso", &r), 0);
	assert_string_equal(r.rest, "sub/x.iso");
	/* a prefix that is not a parent */
	assert_int_equal(pools_find(p, "/var/lib/croft/pools/defaultx/a", &r), -EPERM);
	assert_int_equal(pools_find(p, "/srvx/a", &r), -EPERM);
	assert_int_equal(pools_find(p, "/var/lib/croft/pools", &r), -EPERM);
	/* allowed: a directory, and inside it a file allowed by itself */
	assert_int_equal(pools_find(p, "/srv/a/b", &r), 0);
	assert_string_equal(r.dir, "/srv");
	assert_string_equal(r.rest, "a/b");
	assert_int_equal(r.pool, 0);
	assert_int_equal(pools_find(p, "/srv/images/disk.raw", &r), 0);
	assert_string_equal(r.dir, "/srv/images/disk.raw");
	assert_string_equal(r.rest, "");
	assert_int_equal(pools_find(p, "/srv", &r), 0);
	assert_string_equal(r.rest, "");
	/* "/" allowed allows everything */
	assert_int_equal(pools_find(p, "/etc/shadow", &r), -EPERM);
	assert_int_equal(pools_allow(p, "/", err, sizeof(err)), 0);
	assert_int_equal(pools_find(p, "/etc/shadow", &r), 0);
	assert_string_equal(r.rest, "etc/shadow");
	/* at most POOLS_ALLOWED_MAX */
	for (i = pools_allowed_count(p); i < POOLS_ALLOWED_MAX; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/x%zu", i);
		assert_int_equal(pools_allow(p, path, err, sizeof(err)), 0);
	}
	assert_int_equal(pools_allow(p, "/one-more", err, sizeof(err)), -E2BIG);
	pools_free(p);
}

static void test_check_new(void **state)
{
	struct pools *p = pools_new();
	enum pools_kind kind;
	char err[512];

	(void)state;
	pools_add(p, "default", "/var/lib/croft/pools/default", POOLS_DISK);
	pools_add(p, "iso", "/var/lib/croft/pools/iso", POOLS_ISO);
	pools_add(p, "fast", "/srv/fast", POOLS_DISK);
	assert_int_equal(pools_check_new(p, "slow", "/srv/slow", err, sizeof(err)), 0);
	assert_int_equal(pools_check_new(p, "slow", "/srv/fastx", err, sizeof(err)), 0);
	assert_int_equal(pools_check_new(p, "fast", "/srv/slow", err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "a pool named 'fast' exists already"));
	assert_int_equal(pools_check_new(p, "slow", "/srv/fast", err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "is pool 'fast' already"));
	assert_int_equal(pools_check_new(p, "slow", "/srv/fast/sub", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is inside pool 'fast'"));
	assert_int_equal(pools_check_new(p, "slow", "/var/lib/croft", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "holds pool 'default'"));
	assert_int_equal(pools_check_new(p, "slow", "/", err, sizeof(err)), -EINVAL);
	assert_int_equal(pools_check_new(p, "b@d", "/srv/b", err, sizeof(err)), -EINVAL);
	assert_int_equal(pools_check_new(p, "", "/srv/b", err, sizeof(err)), -EINVAL);
	/* kinds, indexes, removal */
	assert_int_equal(pools_kind_parse("iso", &kind), 0);
	assert_int_equal(kind, POOLS_ISO);
	assert_int_equal(pools_kind_parse("images", &kind), 0);
	assert_int_equal(kind, POOLS_DISK);
	assert_int_equal(pools_kind_parse("movies", &kind), -EINVAL);
	assert_string_equal(pools_kind_word(POOLS_ISO), "iso");
	assert_true(pools_builtin("default") && pools_builtin("iso") && !pools_builtin("fast"));
	assert_int_equal(pools_index(p, "fast"), 2);
	assert_int_equal(pools_kind_at(p, 1), POOLS_ISO);
	assert_int_equal(pools_remove(p, "nope"), -ENOENT);
	assert_int_equal(pools_remove(p, "iso"), 0);
	assert_int_equal(pools_count(p), 2);
	assert_int_equal(pools_index(p, "fast"), 1);
	assert_null(pools_dir_of(p, "iso"));
	assert_int_equal(pools_check_new(p, "slow", "/srv/fast/sub", err, sizeof(err)), -EINVAL);
	pools_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_allowed_list),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_check_new),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
