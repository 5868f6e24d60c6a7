/*
 * Tests for netd/netd_check.c: host checks against hand-built kernel
 * snapshots (the uplinks of nat and bridged networks, subnets against
 * routes and addresses on non-croft links, croft's own links never
 * clashing), the VLAN capability check, and the default uplink.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "netd/netd_check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

static struct nl_snapshot snap;

#define A(s) tl_ip4_or_fail(s)

static struct nl_link *add_link(int idx, const char *name, const char *kind, int master)
{
	struct nl_link *l = nl_snapshot_add_link(&snap);

	l->ifindex = idx;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	l->master = master;
	l->vlan_filtering = -1;
	l->tun_owner = -1;
	return l;
}

static void add_addr(int idx, const char *a, uint32_t prefix)
{
	struct nl_addr *x = nl_snapshot_add_addr(&snap);

	x->ifindex = idx;
	x->addr = A(a);
	x->prefix = prefix;
}

static void add_route(int oif, const char *dst, uint32_t prefix, uint32_t table, uint8_t type,
		      uint32_t metric)
{
	struct nl_route *r = nl_snapshot_add_route(&snap);

	r->oif = oif;
	r->dst = A(dst);
	r->prefix = prefix;
	r->table = table;
	r->type = type;
	r->priority = metric;
}

/* lo, eth0 198.51.100.1/24 (default route), lan1 (free), eth2 enslaved to
 * br0, croftbr1 with 10.73.0.1/24, croftbr3 bridging lan3. */
static int setup(void **state)
{
	(void)state;
	memset(&snap, 0, sizeof(snap));
	add_link(1, "lo", "", 0);
	add_link(2, "eth0", "", 0);
	add_link(3, "lan1", "veth", 0);
	add_link(4, "br0", "bridge", 0);
	add_link(5, "eth2", "", 4);
	add_link(6, "croftbr1", "bridge", 0);
	add_link(7, "croftbr3", "bridge", 0);
	add_link(8, "lan3", "", 7);
	add_addr(1, "127.0.0.1", 8);
	add_addr(2, "198.51.100.1", 24);
	add_addr(6, "10.73.0.1", 24);
	add_route(2, "0.0.0.0", 0, RT_TABLE_MAIN, RTN_UNICAST, 0);
	add_route(2, "198.51.100.0", 24, RT_TABLE_MAIN, RTN_UNICAST, 0);
	add_route(2, "172.16.0.0", 12, 100, RTN_UNICAST, 0);     /* policy table */
	add_route(6, "10.73.0.0", 24, RT_TABLE_MAIN, RTN_UNICAST, 0);
	add_route(2, "198.51.100.1", 32, RT_TABLE_LOCAL, RTN_LOCAL, 0);
	add_route(0, "192.0.2.0", 24, RT_TABLE_MAIN, RTN_BLACKHOLE, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nl_snapshot_clear(&snap);
	return 0;
}

static struct netd_net net(uint32_t id, uint32_t mode, const char *subnet, uint32_t prefix,
			   const char *uplink)
{
	struct netd_net n;

	memset(&n, 0, sizeof(n));
	n.id = id;
	n.mode = mode;
	snprintf(n.name, sizeof(n.name), "net%u", (unsigned)id);
	if (subnet) {
		n.subnet = A(subnet);
		n.prefix = prefix;
	}
	snprintf(n.uplink, sizeof(n.uplink), "%s", uplink);
	return n;
}

static void want_ok(struct netd_net n, int strict)
{
	char err[512] = "";

	if (netd_check_net(&n, &snap, strict, err, sizeof(err)) != 0)
		fail_msg("network %s refused: %s", n.name, err);
}

static void want_err(struct netd_net n, int strict, int rc, const char *text)
{
	char err[512] = "";

	assert_int_equal(netd_check_net(&n, &snap, strict, err, sizeof(err)), rc);
	tl_assert_contains(err, text);
}

static void test_fitting_networks(void **state)
{
	(void)state;
	want_ok(net(1, NETD_MODE_NAT, "10.80.0.0", 24, "eth0"), 1);
	want_ok(net(2, NETD_MODE_HOSTONLY, "10.81.0.0", 16, ""), 1);
	want_ok(net(4, NETD_MODE_BRIDGED, NULL, 0, "lan1"), 1);
	/* croft's own bridge and routes never clash (croftd checks those) */
	want_ok(net(5, NETD_MODE_NAT, "10.73.0.0", 24, "eth0"), 1);
	/* local-table, blackhole and default routes are not clashes */
	want_ok(net(6, NETD_MODE_HOSTONLY, "192.0.2.0", 24, ""), 1);
	/* bridged uplink already on its own bridge, or moving in a COMMIT */
	want_ok(net(3, NETD_MODE_BRIDGED, NULL, 0, "lan3"), 1);
	want_ok(net(9, NETD_MODE_BRIDGED, NULL, 0, "lan3"), 0);
}

static void test_subnet_clashes(void **state)
{
	(void)state;
	want_err(net(1, NETD_MODE_NAT, "198.51.100.0", 25, "eth0"), 1, -EADDRINUSE,
		 "subnet 198.51.100.0/25 overlaps the route 198.51.100.0/24 on eth0");
	want_err(net(1, NETD_MODE_HOSTONLY, "172.20.0.0", 16, ""), 0, -EADDRINUSE,
		 "subnet 172.20.0.0/16 overlaps the route 172.16.0.0/12 on eth0");
	want_err(net(1, NETD_MODE_HOSTONLY, "127.1.0.0", 16, ""), 0, -EADDRINUSE,
		 "subnet 127.1.0.0/16 overlaps the address 127.0.0.1/8 on lo");
	/* a route through an interface the snapshot does not know */
	add_route(42, "10.99.0.0", 16, RT_TABLE_MAIN, RTN_UNICAST, 0);
	want_err(net(1, NETD_MODE_HOSTONLY, "10.99.3.0", 24, ""), 0, -EADDRINUSE,
		 "overlaps the route 10.99.0.0/16 on if42");
}

static void test_uplinks(void **state)
{
	(void)state;
	want_err(net(1, NETD_MODE_NAT, "10.80.0.0", 24, "eth9"), 0, -ENODEV,
		 "uplink eth9 of network net1 does not exist");
	want_err(net(1, NETD_MODE_BRIDGED, NULL, 0, "eth9"), 0, -ENODEV,
		 "uplink eth9 of network net1 does not exist");
	want_err(net(1, NETD_MODE_BRIDGED, NULL, 0, "eth2"), 0, -EBUSY,
		 "uplink eth2 is enslaved to br0");
	want_err(net(1, NETD_MODE_BRIDGED, NULL, 0, "eth0"), 0, -EBUSY,
		 "uplink eth0 has addresses (198.51.100.1/24); bridged mode needs a NIC without addresses");
	want_err(net(1, NETD_MODE_BRIDGED, NULL, 0, "br0"), 0, -EINVAL,
		 "uplink br0 is a bridge");
	/* the host's management bridge croftbr0 (with the host's address) is
	 * an uplink a bridged network may use: its taps join it */
	add_link(9, "croftbr0", "bridge", 0);
	add_addr(9, "192.168.1.10", 24);
	want_ok(net(1, NETD_MODE_BRIDGED, NULL, 0, "croftbr0"), 1);
	want_err(net(9, NETD_MODE_BRIDGED, NULL, 0, "lan3"), 1, -EBUSY,
		 "uplink lan3 is already enslaved to croftbr3");
	want_err(net(1, NETD_MODE_NAT, "10.80.0.0", 24, "eth2"), 0, -EBUSY,
		 "uplink eth2 of network net1 is enslaved to br0; use the master as the uplink");
	want_err(net(1, NETD_MODE_NAT, "10.80.0.0", 24, "lan3"), 1, -EBUSY,
		 "a bridged croft network uses it");
	want_ok(net(1, NETD_MODE_NAT, "10.80.0.0", 24, "lan3"), 0);
	/* several addresses are all listed */
	add_addr(3, "192.168.1.2", 24);
	add_addr(3, "192.168.2.2", 24);
	want_err(net(1, NETD_MODE_BRIDGED, NULL, 0, "lan1"), 0, -EBUSY,
		 "uplink lan1 has addresses (192.168.1.2/24, 192.168.2.2/24)");
}

static void test_state(void **state)
{
	struct netd_net nets[2];
	struct netd_state st = { .nets = nets, .n_nets = 2 };
	char err[512];

	(void)state;
	nets[0] = net(1, NETD_MODE_NAT, "10.80.0.0", 24, "eth0");
	nets[1] = net(2, NETD_MODE_BRIDGED, NULL, 0, "lan1");
	assert_int_equal(netd_check_state(&st, &snap, err, sizeof(err)), 0);
	nets[1] = net(2, NETD_MODE_BRIDGED, NULL, 0, "eth0");
	assert_int_equal(netd_check_state(&st, &snap, err, sizeof(err)), -EBUSY);
	tl_assert_contains(err, "uplink eth0 has addresses");
}

static void test_vlans(void **state)
{
	struct netd_nic nics[2];
	struct netd_state st = { .nics = nics, .n_nics = 2 };
	char err[512];

	(void)state;
	memset(nics, 0, sizeof(nics));
	nics[0].id = 1;
	nics[1].id = 2;
	snprintf(nics[1].vm, sizeof(nics[1].vm), "edge");
	assert_int_equal(netd_check_vlans(&st, 0, err, sizeof(err)), 0);
	nics[1].vlan = 10;
	assert_int_equal(netd_check_vlans(&st, 1, err, sizeof(err)), 0);
	assert_int_equal(netd_check_vlans(&st, 0, err, sizeof(err)), -EOPNOTSUPP);
	tl_assert_contains(err, "NIC 2 (edge): VLAN 10 needs bridge VLAN filtering");
}

static void test_default_uplink(void **state)
{
	char name[NETD_IFNAME_LEN], err[256];

	(void)state;
	assert_int_equal(netd_default_uplink(&snap, name, err, sizeof(err)), 0);
	assert_string_equal(name, "eth0");
	/* the lowest metric wins; other tables do not count */
	add_route(3, "0.0.0.0", 0, RT_TABLE_MAIN, RTN_UNICAST, 50);
	snap.routes[0].priority = 100;
	add_route(4, "0.0.0.0", 0, 100, RTN_UNICAST, 1);
	assert_int_equal(netd_default_uplink(&snap, name, err, sizeof(err)), 0);
	assert_string_equal(name, "lan1");
	nl_snapshot_clear(&snap);
	add_link(2, "eth0", "", 0);
	add_route(2, "10.0.0.0", 8, RT_TABLE_MAIN, RTN_UNICAST, 0);
	add_route(0, "0.0.0.0", 0, RT_TABLE_MAIN, RTN_UNREACHABLE, 0);
	assert_int_equal(netd_default_uplink(&snap, name, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no IPv4 default route");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fitting_networks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subnet_clashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uplinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_uplink, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
