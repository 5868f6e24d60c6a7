/*
 * Tests for netd/netd_state.c: a valid state with all three modes passes,
 * then a table of single mutations of it, each of which must be refused
 * with -EINVAL and a message naming the problem.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "netd/netd_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct netd_net nets[4];
static struct netd_nic nics[4];
static struct netd_fwd fwds[3];
static struct netd_state st;

#define A(s) tl_ip4_or_fail(s)

static void set_net(struct netd_net *n, uint32_t id, uint32_t mode, const char *name,
		    const char *subnet, uint32_t prefix, const char *gw, const char *first,
		    const char *last, const char *uplink)
{
	memset(n, 0, sizeof(*n));
	n->id = id;
	n->mode = mode;
	snprintf(n->name, sizeof(n->name), "%s", name);
	if (subnet) {
		n->subnet = A(subnet);
		n->prefix = prefix;
		n->gateway = A(gw);
		n->dhcp_first = A(first);
		n->dhcp_last = A(last);
	}
	snprintf(n->uplink, sizeof(n->uplink), "%s", uplink);
}

static void set_nic(struct netd_nic *c, uint32_t id, uint32_t net, uint8_t last_octet,
		    const char *ip, uint16_t vlan, const char *vm)
{
	static const uint8_t base[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x00 };

	memset(c, 0, sizeof(*c));
	c->id = id;
	c->net_id = net;
	memcpy(c->mac, base, 6);
	c->mac[5] = last_octet;
	if (ip)
		c->ip = A(ip);
	c->vlan = vlan;
	c->owner_uid = 999;
	snprintf(c->vm, sizeof(c->vm), "%s", vm);
}

static void set_fwd(struct netd_fwd *f, uint32_t id, uint32_t net, uint32_t proto, uint16_t hp,
		    uint16_t gp, const char *ip)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->net_id = net;
	f->proto = proto;
	f->host_port = hp;
	f->guest_port = gp;
	f->guest_ip = A(ip);
}

/* nat 10.0.0.0/24, host-only 10.1.0.0/16, bridged on lan1; four NICs, two
 * forwards. */
static int setup(void **state)
{
	(void)state;
	set_net(&nets[0], 1, NETD_MODE_NAT, "lan", "10.0.0.0", 24, "10.0.0.1", "10.0.0.2",
		"10.0.0.254", "eth0");
	set_net(&nets[1], 2, NETD_MODE_HOSTONLY, "priv", "10.1.0.0", 16, "10.1.0.1", "10.1.0.10",
		"10.1.255.254", "");
	set_net(&nets[2], 3, NETD_MODE_BRIDGED, "office", NULL, 0, NULL, NULL, NULL, "lan1");
	set_nic(&nics[0], 1, 1, 1, "10.0.0.5", 0, "web");
	set_nic(&nics[1], 2, 2, 2, "10.1.0.5", 0, "db");
	set_nic(&nics[2], 3, 3, 3, NULL, 10, "edge");
	set_nic(&nics[3], 4, 1, 4, NULL, 0, "web");
	set_fwd(&fwds[0], 1, 1, NETD_L4_TCP, 8080, 80, "10.0.0.5");
	set_fwd(&fwds[1], 2, 1, NETD_L4_UDP, 8080, 53, "10.0.0.5");
	st.nets = nets;
	st.n_nets = 3;
	st.nics = nics;
	st.n_nics = 4;
	st.fwds = fwds;
	st.n_fwds = 2;
	return 0;
}

static void test_valid(void **state)
{
	char err[512] = "untouched";

	(void)state;
	assert_int_equal(netd_state_validate(&st, err, sizeof(err)), 0);
	assert_string_equal(err, "untouched");
}

static void test_empty_is_valid(void **state)
{
	struct netd_state empty = { 0 };
	char err[512];

	(void)state;
	assert_int_equal(netd_state_validate(&empty, err, sizeof(err)), 0);
}

static void test_lookup(void **state)
{
	(void)state;
	assert_ptr_equal(netd_state_net(&st, 2), &nets[1]);
	assert_null(netd_state_net(&st, 9));
}

/* ---- the table of bad states -------------------------------------------- */

static void m_net_dup_id(void) { nets[1].id = 1; }
static void m_net_dup_name(void) { strcpy(nets[1].name, "lan"); }
static void m_net_name_unterminated(void) { memset(nets[0].name, 'a', sizeof(nets[0].name)); }
static void m_net_name_bad(void) { strcpy(nets[0].name, "la n"); }
static void m_net_id_big(void) { nets[0].id = 100000000; }
static void m_net_mode(void) { nets[0].mode = 7; }
static void m_prefix_small(void) { nets[0].prefix = 7; }
static void m_prefix_big(void) { nets[0].prefix = 31; }
static void m_subnet_host_bits(void) { nets[0].subnet = A("10.0.0.5"); }
static void m_gw_outside(void) { nets[0].gateway = A("10.9.0.1"); }
static void m_gw_network(void) { nets[0].gateway = A("10.0.0.0"); nets[0].dhcp_first = A("10.0.0.2"); }
static void m_gw_broadcast(void) { nets[0].gateway = A("10.0.0.255"); nets[0].dhcp_last = A("10.0.0.200"); }
static void m_dhcp_outside(void) { nets[0].dhcp_last = A("10.0.1.5"); }
static void m_dhcp_reversed(void) { nets[0].dhcp_first = A("10.0.0.200"); nets[0].dhcp_last = A("10.0.0.100"); }
static void m_dhcp_has_gw(void) { nets[0].gateway = A("10.0.0.50"); }
static void m_dhcp_broadcast(void) { nets[0].dhcp_last = A("10.0.0.255"); }
static void m_overlap(void) { nets[1].subnet = A("10.0.0.0"); nets[1].prefix = 8;
	nets[1].gateway = A("10.200.0.1"); nets[1].dhcp_first = A("10.200.0.2");
	nets[1].dhcp_last = A("10.200.0.9"); }
static void m_nat_no_uplink(void) { nets[0].uplink[0] = '\0'; }
static void m_hostonly_uplink(void) { strcpy(nets[1].uplink, "eth0"); }
static void m_bridged_no_uplink(void) { nets[2].uplink[0] = '\0'; }
static void m_uplink_bad_name(void) { strcpy(nets[0].uplink, "eth/0"); }
static void m_uplink_croft(void) { strcpy(nets[2].uplink, "croftbr1"); }
static void m_uplink_unterminated(void) { memset(nets[0].uplink, 'e', sizeof(nets[0].uplink)); }
static void m_bridged_lo(void) { strcpy(nets[2].uplink, "lo"); }
static void m_bridged_subnet(void) { nets[2].subnet = A("10.5.0.0"); nets[2].prefix = 24; }
static void m_two_bridged_one_uplink(void) {
	set_net(&nets[3], 4, NETD_MODE_BRIDGED, "office2", NULL, 0, NULL, NULL, NULL, "lan1");
	st.n_nets = 4; }
static void m_nat_on_bridged_uplink(void) { strcpy(nets[0].uplink, "lan1"); }
static void m_nic_dup_id(void) { nics[1].id = 1; }
static void m_nic_no_net(void) { nics[0].net_id = 9; }
static void m_nic_vm_unterminated(void) { memset(nics[0].vm, 'v', sizeof(nics[0].vm)); }
static void m_nic_vm_empty(void) { nics[0].vm[0] = '\0'; }
static void m_nic_id_big(void) { nics[0].id = 1000000000; }
static void m_mac_zero(void) { memset(nics[0].mac, 0, 6); }
static void m_mac_multicast(void) { nics[0].mac[0] = 0x01; }
static void m_mac_dup(void) { nics[1].mac[5] = 1; }
static void m_vlan_big(void) { nics[2].vlan = 5000; }
static void m_vlan_4095(void) { nics[2].vlan = 4095; }
static void m_vlan_on_nat(void) { nics[0].vlan = 5; }
static void m_rate(void) { nics[0].rate_mbit = 100001; }
static void m_host_access_2(void) { nets[0].host_access = 2; }
static void m_host_access_bridged(void) { nets[2].host_access = 1; }
static void m_owner(void) { nics[0].owner_uid = (uint32_t)-1; }
static void m_ip_outside(void) { nics[0].ip = A("10.9.0.5"); }
static void m_ip_gateway(void) { nics[0].ip = A("10.0.0.1"); }
static void m_ip_broadcast(void) { nics[0].ip = A("10.0.0.255"); }
static void m_ip_dup(void) { nics[3].ip = A("10.0.0.5"); }
static void m_fwd_proto(void) { fwds[0].proto = 1; }
static void m_fwd_no_net(void) { fwds[0].net_id = 9; }
static void m_fwd_hostonly(void) { fwds[0].net_id = 2; fwds[0].guest_ip = A("10.1.0.5"); }
static void m_fwd_port0(void) { fwds[0].host_port = 0; }
static void m_fwd_guest_port0(void) { fwds[0].guest_port = 0; }
static void m_fwd_ip_outside(void) { fwds[0].guest_ip = A("10.1.0.5"); }
static void m_fwd_ip_gateway(void) { fwds[0].guest_ip = A("10.0.0.1"); }
static void m_fwd_dup_port(void) { fwds[1].proto = NETD_L4_TCP; }
static void m_fwd_dup_id(void) { fwds[1].id = 1; }
static void m_too_many(void) { st.n_nets = NETD_MAX_NETS + 1; }

static const struct bad_case {
	const char *name;
	void (*mutate)(void);
	const char *want1, *want2;
} bad_cases[] = {
	{ "duplicate network id", m_net_dup_id, "network id 1 appears twice", "lan and priv" },
	{ "duplicate network name", m_net_dup_name, "two networks are named lan", NULL },
	{ "unterminated network name", m_net_name_unterminated, "network 1: name is not NUL-terminated", NULL },
	{ "invalid network name", m_net_name_bad, "network 1: network name 'la n' contains ' '", NULL },
	{ "network id too large", m_net_id_big, "id 100000000 is too large", "croftbr<id>" },
	{ "unknown mode", m_net_mode, "network lan: unknown mode 7", NULL },
	{ "host_access 2", m_host_access_2, "network lan: host_access 2 is not 0 or 1", NULL },
	{ "host_access on bridged", m_host_access_bridged, "network office: host_access is for nat and host-only networks", NULL },
	{ "prefix /7", m_prefix_small, "network lan: subnet '10.0.0.0/7': the prefix must be between /8 and /30, not /7", NULL },
	{ "prefix /31", m_prefix_big, "the prefix must be between /8 and /30, not /31", NULL },
	{ "subnet with host bits", m_subnet_host_bits, "network lan: subnet '10.0.0.5/24' has host bits set", "did you mean 10.0.0.0/24?" },
	{ "gateway outside", m_gw_outside, "network lan: gateway 10.9.0.1 is not inside the subnet 10.0.0.0/24", NULL },
	{ "gateway = network", m_gw_network, "gateway 10.0.0.0 is the network address of 10.0.0.0/24", NULL },
	{ "gateway = broadcast", m_gw_broadcast, "gateway 10.0.0.255 is the broadcast address of 10.0.0.0/24", NULL },
	{ "DHCP outside", m_dhcp_outside, "network lan: DHCP range 10.0.0.2-10.0.1.5 is not inside the subnet 10.0.0.0/24", NULL },
	{ "DHCP reversed", m_dhcp_reversed, "DHCP range 10.0.0.200-10.0.0.100 ends before it starts", NULL },
	{ "DHCP holds gateway", m_dhcp_has_gw, "includes the gateway 10.0.0.50", NULL },
	{ "DHCP holds broadcast", m_dhcp_broadcast, "DHCP range 10.0.0.2-10.0.0.255 includes the broadcast address 10.0.0.255", NULL },
	{ "overlapping subnets", m_overlap, "subnet 10.0.0.0/8 of network priv overlaps subnet 10.0.0.0/24 of network lan", NULL },
	{ "nat without uplink", m_nat_no_uplink, "nat network lan needs an uplink", NULL },
	{ "host-only with uplink", m_hostonly_uplink, "host-only network priv cannot have an uplink (got eth0)", NULL },
	{ "bridged without uplink", m_bridged_no_uplink, "bridged network office needs an uplink", NULL },
	{ "bad uplink name", m_uplink_bad_name, "network lan: uplink 'eth/0' is not an interface name", NULL },
	{ "croft uplink", m_uplink_croft, "network office: uplink 'croftbr1' is one of croft's own interfaces", NULL },
	{ "unterminated uplink", m_uplink_unterminated, "uplink name is not NUL-terminated", NULL },
	{ "bridged on lo", m_bridged_lo, "the loopback interface cannot be an uplink", NULL },
	{ "bridged with subnet", m_bridged_subnet, "bridged network office has a subnet", "from the LAN" },
	{ "two bridged on one uplink", m_two_bridged_one_uplink, "bridged networks office and office2 both use uplink lan1", NULL },
	{ "nat on a bridged uplink", m_nat_on_bridged_uplink, "nat network lan uses uplink lan1, which bridged network office enslaves", NULL },
	{ "duplicate NIC id", m_nic_dup_id, "NIC id 1 appears twice (VMs web and db)", NULL },
	{ "NIC on unknown network", m_nic_no_net, "NIC 1 (web): network 9 does not exist", NULL },
	{ "unterminated VM name", m_nic_vm_unterminated, "NIC 1: VM name is not NUL-terminated", NULL },
	{ "empty VM name", m_nic_vm_empty, "NIC 1: VM name is empty", NULL },
	{ "NIC id too large", m_nic_id_big, "NIC 1000000000 (web): id is too large", NULL },
	{ "zero MAC", m_mac_zero, "NIC 1 (web): MAC 00:00:00:00:00:00 is all zero", NULL },
	{ "multicast MAC", m_mac_multicast, "MAC 01:54:00:00:00:01 is a multicast address", NULL },
	{ "duplicate MAC", m_mac_dup, "NIC 1 (web) and NIC 2 (db) have the same MAC 52:54:00:00:00:01", NULL },
	{ "VLAN 5000", m_vlan_big, "NIC 3 (edge): VLAN 5000 is outside 1..4094", NULL },
	{ "VLAN 4095", m_vlan_4095, "VLAN 4095 is outside 1..4094", NULL },
	{ "VLAN on nat", m_vlan_on_nat, "VLAN 5 on nat network lan; VLANs are only for bridged networks", NULL },
	{ "rate too high", m_rate, "rate 100001 Mbit is above the limit of 100000", NULL },
	{ "owner uid -1", m_owner, "owner uid 4294967295 is not a user", NULL },
	{ "NIC IP outside", m_ip_outside, "NIC 1 (web): address 10.9.0.5 is outside network lan's subnet 10.0.0.0/24", NULL },
	{ "NIC IP = gateway", m_ip_gateway, "address 10.0.0.1 is network lan's gateway", NULL },
	{ "NIC IP = broadcast", m_ip_broadcast, "address 10.0.0.255 is the broadcast address of 10.0.0.0/24", NULL },
	{ "duplicate NIC IP", m_ip_dup, "NIC 1 (web) and NIC 4 (web) both have IP 10.0.0.5 on network lan", NULL },
	{ "forward protocol", m_fwd_proto, "forward 1: unknown protocol 1 (tcp=6, udp=17)", NULL },
	{ "forward unknown network", m_fwd_no_net, "forward 1 (tcp 8080): network 9 does not exist", NULL },
	{ "forward on host-only", m_fwd_hostonly, "network priv is host-only; port forwards need a nat network", NULL },
	{ "forward host port 0", m_fwd_port0, "port 0 is not in 1..65535", NULL },
	{ "forward guest port 0", m_fwd_guest_port0, "port 0 is not in 1..65535", NULL },
	{ "forward to outside", m_fwd_ip_outside, "forward 1 (tcp 8080): guest address 10.1.0.5 is outside network lan's subnet 10.0.0.0/24", NULL },
	{ "forward to gateway", m_fwd_ip_gateway, "guest address 10.0.0.1 is network lan's gateway", NULL },
	{ "duplicate forward port", m_fwd_dup_port, "tcp port 8080 is forwarded twice (forwards 1 and 2)", NULL },
	{ "duplicate forward id", m_fwd_dup_id, "forward id 1 appears twice", NULL },
	{ "too many networks", m_too_many, "state too large (257 networks", NULL },
};

static void test_bad_states(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		char err[512] = "";
		int rc;

		setup(NULL);
		c->mutate();
		rc = netd_state_validate(&st, err, sizeof(err));
		if (rc != -EINVAL)
			fail_msg("case '%s': validate returned %d (%s), expected -EINVAL", c->name, rc, err);
		if (!strstr(err, c->want1) || (c->want2 && !strstr(err, c->want2)))
			fail_msg("case '%s': message \"%s\" lacks \"%s\"%s%s", c->name, err, c->want1,
				 c->want2 ? " / " : "", c->want2 ? c->want2 : "");
	}
}

static void test_edges_accepted(void **state)
{
	char err[512];

	(void)state;
	/* the largest ids whose interface names fit */
	nets[0].id = 99999999;
	nics[0].net_id = nics[3].net_id = fwds[0].net_id = fwds[1].net_id = 99999999;
	nics[0].id = 999999999;
	/* VLANs 1 and 4094, prefixes 8 and 30, a NIC without an IP */
	nics[2].vlan = 4094;
	nics[1].ip.s_addr = 0;
	set_net(&nets[1], 2, NETD_MODE_HOSTONLY, "p30", "192.168.7.4", 30, "192.168.7.5",
		"192.168.7.6", "192.168.7.6", "");
	if (netd_state_validate(&st, err, sizeof(err)) != 0)
		fail_msg("refused: %s", err);
	nics[2].vlan = 1;
	set_net(&nets[1], 2, NETD_MODE_HOSTONLY, "p8", "11.0.0.0", 8, "11.0.0.1", "11.0.0.2",
		"11.255.255.254", "");
	if (netd_state_validate(&st, err, sizeof(err)) != 0)
		fail_msg("refused: %s", err);
}

static void test_small_err_buffer(void **state)
{
	char err[8];

	(void)state;
	nics[2].vlan = 5000;
	assert_int_equal(netd_state_validate(&st, err, sizeof(err)), -EINVAL);
	assert_int_equal(strlen(err), 7);
}

static void test_clear(void **state)
{
	struct netd_state s = { 0 };

	(void)state;
	s.nets = calloc(2, sizeof(*s.nets));
	s.n_nets = 2;
	s.nics = calloc(1, sizeof(*s.nics));
	s.n_nics = 1;
	netd_state_clear(&s);
	assert_null(s.nets);
	assert_null(s.nics);
	assert_null(s.fwds);
	assert_int_equal(s.n_nets, 0);
	netd_state_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_valid, setup),
		cmocka_unit_test_setup(test_empty_is_valid, setup),
		cmocka_unit_test_setup(test_lookup, setup),
		cmocka_unit_test_setup(test_bad_states, setup),
		cmocka_unit_test_setup(test_edges_accepted, setup),
		cmocka_unit_test_setup(test_small_err_buffer, setup),
		cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
