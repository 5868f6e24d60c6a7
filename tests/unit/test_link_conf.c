/*
 * Tests for netd/link_conf.c against a fake /proc/sys tree: which settings
 * each kind of link gets, that a file already right is left alone, that a
 * missing link is an error naming the file, that a kernel without IPv6 is
 * fine, and that odd link names are refused before any path is built.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "netd/link_conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const v4_keys[] = { "accept_redirects", "forwarding" };
static const char *const v6_keys[] = { "accept_ra", "autoconf", "accept_redirects",
				       "disable_ipv6" };

static void mkdirs(const char *root, const char *fam, const char *ifname)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/net", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/net/%s", root, fam);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/net/%s/conf", root, fam);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/net/%s/conf/%s", root, fam, ifname);
	assert_int_equal(mkdir(p, 0755), 0);
}

/* A link as a fresh kernel makes it: RAs, autoconf and redirects on,
 * IPv6 on, no forwarding. */
static void fake_link(const char *root, const char *ifname, int v6)
{
	char p[512];
	size_t i;

	mkdirs(root, "ipv4", ifname);
	for (i = 0; i < sizeof(v4_keys) / sizeof(v4_keys[0]); i++) {
		snprintf(p, sizeof(p), "%s/net/ipv4/conf/%s/%s", root, ifname, v4_keys[i]);
		tl_write_file_or_fail(p, "%s\n", strcmp(v4_keys[i], "forwarding") ? "1" : "0");
	}
	if (!v6)
		return;
	mkdirs(root, "ipv6", ifname);
	for (i = 0; i < sizeof(v6_keys) / sizeof(v6_keys[0]); i++) {
		snprintf(p, sizeof(p), "%s/net/ipv6/conf/%s/%s", root, ifname, v6_keys[i]);
		tl_write_file_or_fail(p, "%s\n", strcmp(v6_keys[i], "disable_ipv6") ? "1" : "0");
	}
}

static char get(const char *root, const char *fam, const char *ifname, const char *key)
{
	char p[512], *s, c;

	snprintf(p, sizeof(p), "%s/net/%s/conf/%s/%s", root, fam, ifname, key);
	s = tl_read_file(p);
	if (!s)
		fail_msg("cannot read %s", p);
	c = s[0];
	free(s);
	return c;
}

static void test_kinds(void **state)
{
	const char *root = *state;
	char err[256];

	fake_link(root, "croftbr1", 1);
	fake_link(root, "croftbr2", 1);
	fake_link(root, "croftt5", 1);
	fake_link(root, "eth0", 1);
	assert_int_equal(link_conf_apply(root, "croftbr1", LINK_CONF_NAT_BRIDGE, err, sizeof(err)), 0);
	assert_int_equal(link_conf_apply(root, "croftbr2", LINK_CONF_BRIDGE, err, sizeof(err)), 0);
	assert_int_equal(link_conf_apply(root, "croftt5", LINK_CONF_TAP, err, sizeof(err)), 0);
	assert_int_equal(link_conf_apply(root, "eth0", LINK_CONF_UPLINK, err, sizeof(err)), 0);

	/* no link of croft's configures itself from what a guest sends */
	for (const char *const *l = (const char *const[]){ "croftbr1", "croftbr2", "croftt5", NULL }; *l; l++) {
		assert_int_equal(get(root, "ipv6", *l, "accept_ra"), '0');
		assert_int_equal(get(root, "ipv6", *l, "autoconf"), '0');
		assert_int_equal(get(root, "ipv6", *l, "accept_redirects"), '0');
		assert_int_equal(get(root, "ipv4", *l, "accept_redirects"), '0');
	}
	/* taps have no IPv6; bridges keep theirs (link-local, ND) */
	assert_int_equal(get(root, "ipv6", "croftt5", "disable_ipv6"), '1');
	assert_int_equal(get(root, "ipv6", "croftbr1", "disable_ipv6"), '0');
	/* forwarding: the nat bridge and its uplink, nothing else */
	assert_int_equal(get(root, "ipv4", "croftbr1", "forwarding"), '1');
	assert_int_equal(get(root, "ipv4", "eth0", "forwarding"), '1');
	assert_int_equal(get(root, "ipv4", "croftbr2", "forwarding"), '0');
	assert_int_equal(get(root, "ipv4", "croftt5", "forwarding"), '0');
	/* an uplink keeps its own IPv6 and redirect settings */
	assert_int_equal(get(root, "ipv6", "eth0", "accept_ra"), '1');
	assert_int_equal(get(root, "ipv4", "eth0", "accept_redirects"), '1');
}

/* A file that is already right is not written (its mtime stays). */
static void test_right_files_untouched(void **state)
{
	const char *root = *state;
	char err[256], p[512];
	struct stat before, after;

	fake_link(root, "croftt9", 1);
	assert_int_equal(link_conf_apply(root, "croftt9", LINK_CONF_TAP, err, sizeof(err)), 0);
	snprintf(p, sizeof(p), "%s/net/ipv6/conf/croftt9/accept_ra", root);
	assert_int_equal(stat(p, &before), 0);
	usleep(20000);
	assert_int_equal(link_conf_apply(root, "croftt9", LINK_CONF_TAP, err, sizeof(err)), 0);
	assert_int_equal(stat(p, &after), 0);
	assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
}

static void test_missing_link_and_bad_names(void **state)
{
	const char *root = *state;
	char err[256] = "";

	fake_link(root, "croftbr1", 1);
	assert_int_equal(link_conf_apply(root, "croftbr7", LINK_CONF_BRIDGE, err, sizeof(err)), -ENOENT);
	tl_assert_contains(err, "/net/ipv6/conf/croftbr7/accept_ra");
	assert_int_equal(link_conf_apply(root, "../croftbr1", LINK_CONF_BRIDGE, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "cannot configure a link named \"../croftbr1\"");
	assert_int_equal(link_conf_apply(root, "", LINK_CONF_UPLINK, err, sizeof(err)), -EINVAL);
	assert_int_equal(link_conf_apply(root, "..", LINK_CONF_UPLINK, err, sizeof(err)), -EINVAL);
}

/* A kernel without IPv6: only the IPv4 settings exist, and that is fine. */
static void test_no_ipv6(void **state)
{
	const char *root = *state;
	char err[256];

	fake_link(root, "croftbr1", 0);
	assert_int_equal(link_conf_apply(root, "croftbr1", LINK_CONF_NAT_BRIDGE, err, sizeof(err)), 0);
	assert_int_equal(get(root, "ipv4", "croftbr1", "forwarding"), '1');
	assert_int_equal(get(root, "ipv4", "croftbr1", "accept_redirects"), '0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kinds, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_right_files_untouched, tl_tmpdir_setup,
						tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_missing_link_and_bad_names, tl_tmpdir_setup,
						tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_no_ipv6, tl_tmpdir_setup, tl_tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
