/*
 * Tests for netd/netd_plan.c: plans from hand-built snapshots, compared as
 * the list of operation descriptions (netd_op_describe).  An empty kernel
 * gets everything created; a kernel that matches gets two empty plans;
 * stale and wrong croft links, tap owners, foreign ports, stray addresses
 * and VLAN sets are each corrected, and non-croft links are left alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "netd/netd_plan.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>

#define PU (BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED)

static struct netd_net nets[3];
static struct netd_nic nics[3];
static struct netd_state st;
static struct nl_snapshot snap;
static struct netd_plan plan;

#define A(s) tl_ip4_or_fail(s)

/* nat 1 (10.73.0.0/24 via uplink0), host-only 2 (10.74.0.0/24), bridged 3
 * on lan1; NIC 1 on net 1 (uid 999), NIC 2 on net 2, NIC 3 on net 3 with
 * VLAN 10. */
static int setup(void **state)
{
	(void)state;
	memset(nets, 0, sizeof(nets));
	memset(nics, 0, sizeof(nics));
	memset(&snap, 0, sizeof(snap));
	memset(&plan, 0, sizeof(plan));
	nets[0] = (struct netd_net){ .id = 1, .mode = NETD_MODE_NAT, .name = "lan",
		.subnet = A("10.73.0.0"), .prefix = 24, .gateway = A("10.73.0.1"),
		.dhcp_first = A("10.73.0.2"), .dhcp_last = A("10.73.0.254"), .uplink = "uplink0" };
	nets[1] = (struct netd_net){ .id = 2, .mode = NETD_MODE_HOSTONLY, .name = "priv",
		.subnet = A("10.74.0.0"), .prefix = 24, .gateway = A("10.74.0.1"),
		.dhcp_first = A("10.74.0.2"), .dhcp_last = A("10.74.0.254") };
	nets[2] = (struct netd_net){ .id = 3, .mode = NETD_MODE_BRIDGED, .name = "office",
		.uplink = "lan1" };
	nics[0] = (struct netd_nic){ .id = 1, .net_id = 1, .mac = { 0x52, 0x54, 0, 0, 0, 1 },
		.owner_uid = 999, .vm = "web" };
	nics[1] = (struct netd_nic){ .id = 2, .net_id = 2, .mac = { 0x52, 0x54, 0, 0, 0, 2 },
		.owner_uid = 999, .vm = "db" };
	nics[2] = (struct netd_nic){ .id = 3, .net_id = 3, .mac = { 0x52, 0x54, 0, 0, 0, 3 },
		.owner_uid = 999, .vlan = 10, .vm = "edge" };
	st = (struct netd_state){ .nets = nets, .n_nets = 3, .nics = nics, .n_nics = 3 };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nl_snapshot_clear(&snap);
	netd_plan_clear(&plan);
	return 0;
}

static struct nl_link *link_(int idx, const char *name, const char *kind, int master, int up)
{
	struct nl_link *l = nl_snapshot_add_link(&snap);

	l->ifindex = idx;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	l->master = master;
	l->flags = up ? IFF_UP : 0;
	l->vlan_filtering = strcmp(kind, "bridge") ? -1 : 0;
	l->tun_owner = -1;
	l->tun_vnet_hdr = -1;
	l->tun_persist = -1;
	return l;
}

static struct nl_link *tap(int idx, const char *name, int master, uint32_t owner)
{
	struct nl_link *l = link_(idx, name, "tun", master, 1);

	l->tun_type = IFF_TAP;
	l->tun_owner = owner;
	l->tun_persist = 1;
	l->tun_vnet_hdr = 1;
	return l;
}

static void addr(int idx, const char *a, uint32_t prefix)
{
	struct nl_addr *x = nl_snapshot_add_addr(&snap);

	x->ifindex = idx;
	x->addr = A(a);
	x->prefix = prefix;
}

static struct nl_vlans *vlans(int idx)
{
	struct nl_vlans *v = nl_snapshot_add_vlans(&snap);

	v->ifindex = idx;
	return v;
}

/* A kernel that matches the state exactly (with VLAN filtering). */
static void matching_kernel(void)
{
	link_(1, "lo", "", 0, 1);
	link_(2, "uplink0", "veth", 0, 1);
	link_(3, "lan1", "veth", 12, 1);
	link_(10, "croftbr1", "bridge", 0, 1);
	link_(11, "croftbr2", "bridge", 0, 1);
	link_(12, "croftbr3", "bridge", 0, 1)->vlan_filtering = 1;
	tap(20, "croftt1", 10, 999);
	tap(21, "croftt2", 11, 999);
	tap(22, "croftt3", 12, 999);
	addr(2, "198.51.100.1", 24);
	addr(10, "10.73.0.1", 24);
	addr(11, "10.74.0.1", 24);
	nl_vlans_add(vlans(22), 10, PU);
	{
		struct nl_vlans *v = vlans(3);

		nl_vlans_add(v, 1, PU);
		nl_vlans_add(v, 10, 0);
	}
}

/* Compare the plan with the expected descriptions, in order. */
static void expect_plan(const char *const *want)
{
	char d[160];
	size_t i;

	for (i = 0; want[i]; i++) {
		if (i >= plan.n)
			fail_msg("plan has %zu operations; missing \"%s\"", plan.n, want[i]);
		netd_op_describe(&plan.ops[i], d, sizeof(d));
		if (strcmp(d, want[i]))
			fail_msg("operation %zu is \"%s\", expected \"%s\"", i, d, want[i]);
	}
	if (i != plan.n) {
		netd_op_describe(&plan.ops[i], d, sizeof(d));
		fail_msg("plan has %zu operations, expected %zu; the first extra is \"%s\"", plan.n,
			 i, d);
	}
	netd_plan_clear(&plan);
}

static void test_empty_kernel(void **state)
{
	static const char *const links[] = {
		"create bridge croftbr1", "bring croftbr1 up",
		"create bridge croftbr2", "bring croftbr2 up",
		"create bridge croftbr3 with VLAN filtering", "bring croftbr3 up",
		"create tap croftt1 for uid 999", "attach croftt1 to croftbr1 and bring it up",
		"create tap croftt2 for uid 999", "attach croftt2 to croftbr2 and bring it up",
		"create tap croftt3 for uid 999", "attach croftt3 to croftbr3 and bring it up",
		"attach lan1 to croftbr3 and bring it up",
		NULL,
	};

	(void)state;
	link_(1, "lo", "", 0, 1);
	link_(2, "uplink0", "veth", 0, 1);
	link_(3, "lan1", "veth", 0, 0);
	netd_plan_links(&st, &snap, 1, &plan);
	expect_plan(links);
}

static void test_ports_after_creation(void **state)
{
	static const char *const ports[] = {
		"add 10.73.0.1/24 to croftbr1",
		"add 10.74.0.1/24 to croftbr2",
		"add VLAN 10 pvid untagged to croftt3", "remove VLAN 1 from croftt3",
		"add VLAN 10 tagged to lan1",
		NULL,
	};

	(void)state;
	/* what the kernel has right after the links phase: fresh ports carry
	 * the default VLAN 1 */
	link_(3, "lan1", "veth", 12, 1);
	link_(10, "croftbr1", "bridge", 0, 1);
	link_(11, "croftbr2", "bridge", 0, 1);
	link_(12, "croftbr3", "bridge", 0, 1)->vlan_filtering = 1;
	tap(22, "croftt3", 12, 999);
	nl_vlans_add(vlans(22), 1, PU);
	nl_vlans_add(vlans(3), 1, PU);
	netd_plan_ports(&st, &snap, 1, &plan);
	expect_plan(ports);
}

static void test_matching_kernel_is_a_noop(void **state)
{
	static const char *const none[] = { NULL };

	(void)state;
	matching_kernel();
	netd_plan_links(&st, &snap, 1, &plan);
	expect_plan(none);
	netd_plan_ports(&st, &snap, 1, &plan);
	expect_plan(none);
}

static void test_stale_and_wrong_links(void **state)
{
	static const char *const want[] = {
		"delete link croftbr2",          /* not a bridge */
		"delete link croftt1",           /* another owner */
		"delete link croftbr999",        /* stale */
		"delete link croftfoo",          /* anything croft* not in the state */
		"delete link croftt9",
		"create bridge croftbr2", "bring croftbr2 up",
		"create tap croftt1 for uid 999", "attach croftt1 to croftbr1 and bring it up",
		/* the tap survives its bridge being recreated; it is re-attached */
		"attach croftt2 to croftbr2 and bring it up",
		NULL,
	};

	(void)state;
	matching_kernel();
	snap.links[4].kind[0] = '\0';                 /* croftbr2: a plain link now */
	snap.links[6].tun_owner = 0;                  /* croftt1 owned by root */
	link_(30, "croftbr999", "bridge", 0, 1);
	link_(31, "croftfoo", "veth", 0, 0);
	tap(32, "croftt9", 0, 999);
	link_(33, "eth7", "", 0, 0);                  /* not croft's: untouched */
	link_(34, "cro", "bridge", 0, 0);
	netd_plan_links(&st, &snap, 1, &plan);
	expect_plan(want);
}

static void test_tap_shapes(void **state)
{
	static const char *const want[] = {
		"delete link croftt1", "delete link croftt2",
		"create tap croftt1 for uid 999", "attach croftt1 to croftbr1 and bring it up",
		"create tap croftt2 for uid 999", "attach croftt2 to croftbr2 and bring it up",
		NULL,
	};

	(void)state;
	matching_kernel();
	snap.links[6].tun_persist = 0;                /* croftt1 not persistent */
	snap.links[7].tun_type = IFF_TUN;             /* croftt2 a tun, not a tap */
	snap.links[8].tun_vnet_hdr = 0;               /* QEMU's choice: fine */
	netd_plan_links(&st, &snap, 1, &plan);
	expect_plan(want);
}

static void test_masters_and_up(void **state)
{
	static const char *const want[] = {
		"bring croftbr1 up",
		"turn VLAN filtering on on bridge croftbr3",
		"attach croftt1 to croftbr1 and bring it up",      /* down */
		"attach croftt2 to croftbr2 and bring it up",      /* on the wrong bridge */
		"attach lan1 to croftbr3 and bring it up",         /* released */
		"release eth5 from its bridge",                    /* foreign port */
		NULL,
	};

	(void)state;
	matching_kernel();
	snap.links[3].flags = 0;                      /* croftbr1 down */
	snap.links[5].vlan_filtering = 0;
	snap.links[6].flags = 0;
	snap.links[7].master = 10;
	snap.links[2].master = 0;
	link_(40, "eth5", "veth", 11, 1);
	link_(41, "eth6", "veth", 50, 1);             /* on a croft bridge about to go */
	link_(50, "croftbr50", "bridge", 0, 1);
	netd_plan_links(&st, &snap, 1, &plan);
	/* croftbr50 is deleted first, which releases eth6 by itself */
	assert_true(plan.n > 0);
	{
		char d[160];

		assert_string_equal(netd_op_describe(&plan.ops[0], d, sizeof(d)), "delete link croftbr50");
		memmove(plan.ops, plan.ops + 1, (plan.n - 1) * sizeof(*plan.ops));
		plan.n--;
	}
	expect_plan(want);
}

static void test_no_vlan_support(void **state)
{
	static const char *const links[] = {
		"create bridge croftbr3", "bring croftbr3 up",
		"attach lan1 to croftbr3 and bring it up",
		NULL,
	};
	static const char *const none[] = { NULL };

	(void)state;
	st.nets = &nets[2];
	st.n_nets = 1;
	st.n_nics = 0;
	link_(3, "lan1", "veth", 0, 1);
	netd_plan_links(&st, &snap, 0, &plan);
	expect_plan(links);
	/* a bridge that reports no filtering setting is left alone */
	nl_snapshot_clear(&snap);
	link_(3, "lan1", "veth", 12, 1);
	link_(12, "croftbr3", "bridge", 0, 1)->vlan_filtering = -1;
	netd_plan_links(&st, &snap, 0, &plan);
	expect_plan(none);
	netd_plan_ports(&st, &snap, 0, &plan);
	expect_plan(none);
}

static void test_addresses(void **state)
{
	static const char *const want[] = {
		"remove 10.73.0.1/16 from croftbr1", "remove 10.73.0.9/24 from croftbr1",
		"add 10.73.0.1/24 to croftbr1",
		"remove 192.168.5.5/24 from croftbr3",
		NULL,
	};

	(void)state;
	matching_kernel();
	snap.addrs[1].prefix = 16;                    /* croftbr1: wrong prefix */
	addr(10, "10.73.0.9", 24);                    /* and a stray address */
	addr(12, "192.168.5.5", 24);                  /* bridged bridges get none */
	addr(2, "10.73.0.1", 24);                     /* not croft's link: untouched */
	netd_plan_ports(&st, &snap, 1, &plan);
	expect_plan(want);
}

static void test_vlan_changes(void **state)
{
	static struct netd_nic more[4];
	static const char *const want[] = {
		/* croftt4 (untagged, default VLAN 1) already matches */
		"add VLAN 20 pvid untagged to croftt3", "remove VLAN 10 from croftt3",
		"add VLAN 4 pvid untagged to croftt5",          /* no VLANs known yet */
		"add VLAN 1 pvid untagged to lan1",             /* lost its pvid flag */
		"add VLAN 4 tagged to lan1", "add VLAN 20 tagged to lan1",
		"remove VLAN 10 from lan1", "remove VLAN 30 from lan1",
		NULL,
	};

	(void)state;
	matching_kernel();
	memcpy(more, nics, sizeof(nics));
	more[1] = (struct netd_nic){ .id = 4, .net_id = 3, .mac = { 0x52, 0x54, 0, 0, 0, 4 },
		.owner_uid = 999, .vm = "edge2" };
	more[2].vlan = 20;
	more[3] = (struct netd_nic){ .id = 5, .net_id = 3, .mac = { 0x52, 0x54, 0, 0, 0, 5 },
		.owner_uid = 999, .vlan = 4, .vm = "edge3" };
	st.nics = more;
	st.n_nics = 4;
	tap(23, "croftt4", 12, 999);
	nl_vlans_add(vlans(23), 1, PU);
	tap(24, "croftt5", 12, 999);
	snap.vlans[1].pvid = 0;                       /* lan1 */
	nl_vlans_add(&snap.vlans[1], 30, 0);
	netd_plan_ports(&st, &snap, 1, &plan);
	expect_plan(want);
}

/* A bridged network on the host's management bridge croftbr0: no bridge of
 * netd's, the tap joins croftbr0, croftbr0's own address is never touched,
 * and the tagged VLAN goes on croftbr0's NIC port, not on the bridge. */
static void test_host_bridge(void **state)
{
	static const char *const links[] = {
		"create tap croftt3 for uid 999", "attach croftt3 to croftbr0 and bring it up",
		NULL,
	};
	static const char *const ports[] = {
		"add VLAN 10 pvid untagged to croftt3", "remove VLAN 1 from croftt3",
		"add VLAN 10 tagged to enp1s0",
		NULL,
	};

	(void)state;
	nets[2].uplink[0] = '\0';
	snprintf(nets[2].uplink, sizeof(nets[2].uplink), "croftbr0");
	st.nets = &nets[2];
	st.n_nets = 1;
	st.nics = &nics[2];
	st.n_nics = 1;
	link_(1, "lo", "", 0, 1);
	link_(5, "croftbr0", "bridge", 0, 1)->vlan_filtering = 1;
	link_(6, "enp1s0", "ether", 5, 1);
	addr(5, "192.168.1.10", 24);
	nl_vlans_add(vlans(6), 1, PU);
	netd_plan_links(&st, &snap, 1, &plan);
	expect_plan(links);
	tap(22, "croftt3", 5, 999);
	nl_vlans_add(vlans(22), 1, PU);
	netd_plan_ports(&st, &snap, 1, &plan);
	expect_plan(ports);
}

static void test_describe(void **state)
{
	struct netd_op op = { .kind = NETD_OP_SET_LINK, .name = "lan1", .set_master = 1, .up = -1 };
	char d[160];

	(void)state;
	assert_string_equal(netd_op_describe(&op, d, sizeof(d)), "release lan1 from its bridge");
	op.set_master = 0;
	op.up = 0;
	assert_string_equal(netd_op_describe(&op, d, sizeof(d)), "bring lan1 down");
	op.kind = NETD_OP_SET_FILTERING;
	op.flag = 0;
	assert_string_equal(netd_op_describe(&op, d, sizeof(d)),
			    "turn VLAN filtering off on bridge lan1");
	op.kind = NETD_OP_DEL_VLAN;
	op.vid = 7;
	assert_string_equal(netd_op_describe(&op, d, sizeof(d)), "remove VLAN 7 from lan1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ports_after_creation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_matching_kernel_is_a_noop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_wrong_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tap_shapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masters_and_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_vlan_support, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_bridge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
