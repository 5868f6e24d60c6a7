/*
 * The rtnetlink side against a real kernel, inside a private network
 * namespace this test process moves into first (unshare(CLONE_NEWNET)), so
 * the root namespace is never touched: builders sent with nl_sock, taps
 * made with tap_create, everything read back with nl_snapshot_take, and
 * the kernel's refusals turned into messages.  Skipped when not root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "netd/nl_build.h"
#include "netd/nl_snapshot.h"
#include "netd/nl_sock.h"
#include "netd/tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <linux/if_bridge.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct nl_sock *nl;
static int in_netns;

static int group_setup(void **state)
{
	char err[256];

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		return 0;
	in_netns = 1;
	assert_int_equal(nl_sock_open(&nl, err, sizeof(err)), 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	nl_sock_close(nl);
	return 0;
}

static void req(struct nlmsghdr *m, const char *what)
{
	char err[512];

	if (nl_sock_request(nl, m, what, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static int idx(const char *name)
{
	return (int)if_nametoindex(name);
}

static void take(struct nl_snapshot *s)
{
	char err[512];

	if (nl_snapshot_take(nl, s, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void test_bridge_tap_addr(void **state)
{
	char buf[NL_BUFSZ], err[512];
	struct nl_snapshot s = { 0 };
	const struct nl_link *br, *tp, *lo;
	struct in_addr gw;
	size_t i;
	int found = 0;

	(void)state;
	if (!in_netns)
		skip();
	req(nl_build_link_set(buf, nl_sock_seq(nl), idx("lo"), -1, 1), "bring lo up");
	req(nl_build_bridge_add(buf, nl_sock_seq(nl), "croftbr1", 0), "create croftbr1");
	assert_int_equal(tap_create("croftt1", 4242, err, sizeof(err)), 0);
	req(nl_build_link_set(buf, nl_sock_seq(nl), idx("croftt1"), idx("croftbr1"), 1), "attach");
	req(nl_build_link_set(buf, nl_sock_seq(nl), idx("croftbr1"), -1, 1), "bring up");
	inet_pton(AF_INET, "10.73.0.1", &gw);
	req(nl_build_addr(buf, nl_sock_seq(nl), 1, idx("croftbr1"), gw, 24), "add address");

	take(&s);
	lo = nl_snapshot_link(&s, "lo");
	br = nl_snapshot_link(&s, "croftbr1");
	tp = nl_snapshot_link(&s, "croftt1");
	assert_non_null(lo);
	assert_non_null(br);
	assert_non_null(tp);
	assert_string_equal(br->kind, "bridge");
	assert_true(br->flags & IFF_UP);
	assert_string_equal(tp->kind, "tun");
	assert_int_equal(tp->tun_type, IFF_TAP);
	assert_int_equal(tp->tun_owner, 4242);
	assert_int_equal(tp->tun_persist, 1);
	assert_int_equal(tp->tun_vnet_hdr, 1);
	assert_int_equal(tp->master, br->ifindex);
	assert_true(tp->flags & IFF_UP);
	for (i = 0; i < s.n_addrs; i++)
		if (s.addrs[i].ifindex == br->ifindex && s.addrs[i].addr.s_addr == gw.s_addr &&
		    s.addrs[i].prefix == 24)
			found = 1;
	assert_true(found);
	/* the kernel's own route for the bridge's subnet */
	found = 0;
	for (i = 0; i < s.n_routes; i++)
		if (s.routes[i].oif == br->ifindex && s.routes[i].prefix == 24)
			found = 1;
	assert_true(found);
	/* the tap is a bridge port: it shows up in the VLAN dump */
	assert_non_null(nl_snapshot_vlans(&s, tp->ifindex));
	nl_snapshot_clear(&s);

	/* release, remove the address, delete */
	req(nl_build_link_set(buf, nl_sock_seq(nl), idx("croftt1"), 0, -1), "release");
	req(nl_build_addr(buf, nl_sock_seq(nl), 0, idx("croftbr1"), gw, 24), "remove address");
	take(&s);
	assert_int_equal(nl_snapshot_link(&s, "croftt1")->master, 0);
	for (i = 0; i < s.n_addrs; i++)
		assert_int_not_equal(s.addrs[i].addr.s_addr, gw.s_addr);
	nl_snapshot_clear(&s);
	req(nl_build_link_del(buf, nl_sock_seq(nl), idx("croftt1")), "delete tap");
	req(nl_build_link_del(buf, nl_sock_seq(nl), idx("croftbr1")), "delete bridge");
	assert_int_equal(idx("croftt1"), 0);
	assert_int_equal(idx("croftbr1"), 0);
}

static void test_errors(void **state)
{
	char buf[NL_BUFSZ], err[512];
	struct in_addr a;

	(void)state;
	if (!in_netns)
		skip();
	req(nl_build_bridge_add(buf, nl_sock_seq(nl), "croftbr2", 0), "create croftbr2");
	assert_int_equal(nl_sock_request(nl, nl_build_bridge_add(buf, nl_sock_seq(nl), "croftbr2", 0),
					 "create bridge croftbr2", err, sizeof(err)), -EEXIST);
	tl_assert_contains(err, "cannot create bridge croftbr2: File exists");
	assert_int_equal(nl_sock_request(nl, nl_build_link_del(buf, nl_sock_seq(nl), 99999),
					 "delete link 99999", err, sizeof(err)), -ENODEV);
	tl_assert_contains(err, "cannot delete link 99999: No such device");
	inet_pton(AF_INET, "10.9.9.9", &a);
	assert_int_equal(nl_sock_request(nl, nl_build_addr(buf, nl_sock_seq(nl), 0, idx("croftbr2"), a, 24),
					 "remove 10.9.9.9/24", err, sizeof(err)), -EADDRNOTAVAIL);
	/* a tap name taken by a bridge */
	assert_true(tap_create("croftbr2", 0, err, sizeof(err)) < 0);
	tl_assert_contains(err, "cannot create tap croftbr2");
	assert_int_equal(tap_create("croftt-name-too-long", 0, err, sizeof(err)), -EINVAL);
	req(nl_build_link_del(buf, nl_sock_seq(nl), idx("croftbr2")), "delete bridge");
}

static void test_vlans_if_supported(void **state)
{
	char buf[NL_BUFSZ], err[512];
	struct nl_snapshot s = { 0 };
	const struct nl_vlans *v;
	int rc;

	(void)state;
	if (!in_netns)
		skip();
	rc = nl_sock_request(nl, nl_build_bridge_add(buf, nl_sock_seq(nl), "croftbr3", 1),
			     "create bridge croftbr3 with VLAN filtering", err, sizeof(err));
	if (rc == -EOPNOTSUPP) {
		tl_assert_contains(err, "Operation not supported");
		skip();     /* kernel without CONFIG_BRIDGE_VLAN_FILTERING */
	}
	assert_int_equal(rc, 0);
	assert_int_equal(tap_create("croftt3", 0, err, sizeof(err)), 0);
	req(nl_build_link_set(buf, nl_sock_seq(nl), idx("croftt3"), idx("croftbr3"), 1), "attach");
	req(nl_build_vlan(buf, nl_sock_seq(nl), 1, idx("croftt3"), 10,
			  BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED), "add VLAN 10");
	req(nl_build_vlan(buf, nl_sock_seq(nl), 0, idx("croftt3"), 1, 0), "remove VLAN 1");
	req(nl_build_vlan(buf, nl_sock_seq(nl), 1, idx("croftt3"), 20, 0), "add VLAN 20");
	take(&s);
	assert_int_equal(nl_snapshot_link(&s, "croftbr3")->vlan_filtering, 1);
	v = nl_snapshot_vlans(&s, idx("croftt3"));
	assert_non_null(v);
	assert_int_equal(v->pvid, 10);
	assert_true(nl_vlans_has(v, 10) && nl_vlans_is_untagged(v, 10));
	assert_true(nl_vlans_has(v, 20) && !nl_vlans_is_untagged(v, 20));
	assert_false(nl_vlans_has(v, 1));
	nl_snapshot_clear(&s);
	req(nl_build_bridge_set_filtering(buf, nl_sock_seq(nl), idx("croftbr3"), 0), "filtering off");
	take(&s);
	assert_int_equal(nl_snapshot_link(&s, "croftbr3")->vlan_filtering, 0);
	nl_snapshot_clear(&s);
	req(nl_build_link_del(buf, nl_sock_seq(nl), idx("croftt3")), "delete tap");
	req(nl_build_link_del(buf, nl_sock_seq(nl), idx("croftbr3")), "delete bridge");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bridge_tap_addr),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_vlans_if_supported),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
