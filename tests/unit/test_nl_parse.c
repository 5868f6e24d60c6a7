/*
 * Tests for netd/nl_parse.c: kernel answers (links with bridge and tun
 * info, IPv4 addresses, routes, bridge-port VLANs, acks and errors) built
 * with libmnl the way the kernel lays them out, plus hand-crafted broken
 * ones: short headers, unterminated or oversized names, attributes of the
 * wrong size, attribute lengths running past the message, VLAN ranges
 * without a start.  Also the snapshot lookups (nl_snapshot.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "netd/nl_parse.h"
#include "netd/nl_snapshot.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static char buf[8192];

static struct nlmsghdr *msg(uint16_t type)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	return nlh;
}

static struct nlmsghdr *link_msg(uint8_t family, int ifindex, const char *name, unsigned flags)
{
	struct nlmsghdr *nlh = msg(RTM_NEWLINK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = family;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

#define A(s) tl_ip4_or_fail(s)

/* ---- links ------------------------------------------------------------ */

static void test_link_tun(void **state)
{
	struct nlmsghdr *nlh = link_msg(AF_UNSPEC, 12, "croftt4", IFF_UP | IFF_BROADCAST);
	struct nlattr *info, *data;
	struct nl_link l;

	(void)state;
	mnl_attr_put_u32(nlh, IFLA_MASTER, 9);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);           /* ignored */
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "tun");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u8(nlh, IFLA_TUN_TYPE, IFF_TAP);
	mnl_attr_put_u8(nlh, IFLA_TUN_PI, 0);
	mnl_attr_put_u8(nlh, IFLA_TUN_VNET_HDR, 1);
	mnl_attr_put_u8(nlh, IFLA_TUN_PERSIST, 1);
	mnl_attr_put_u32(nlh, IFLA_TUN_OWNER, 999);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	assert_int_equal(nl_parse_link(nlh, &l), 0);
	assert_int_equal(l.ifindex, 12);
	assert_string_equal(l.name, "croftt4");
	assert_string_equal(l.kind, "tun");
	assert_int_equal(l.master, 9);
	assert_true(l.flags & IFF_UP);
	assert_int_equal(l.tun_type, IFF_TAP);
	assert_int_equal(l.tun_owner, 999);
	assert_int_equal(l.tun_vnet_hdr, 1);
	assert_int_equal(l.tun_persist, 1);
	assert_int_equal(l.vlan_filtering, -1);
}

static void test_link_plain(void **state)
{
	struct nlmsghdr *nlh = link_msg(AF_UNSPEC, 2, "eth0", 0);
	struct nlattr *info;
	struct nl_link l;

	(void)state;
	assert_int_equal(nl_parse_link(nlh, &l), 0);
	assert_string_equal(l.name, "eth0");
	assert_string_equal(l.kind, "");
	assert_int_equal(l.master, 0);
	assert_int_equal(l.tun_owner, -1);
	/* a bridge without IFLA_INFO_DATA: filtering unknown */
	nlh = link_msg(AF_UNSPEC, 3, "br0", 0);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	assert_int_equal(nl_parse_link(nlh, &l), 0);
	assert_string_equal(l.kind, "bridge");
	assert_int_equal(l.vlan_filtering, -1);
}

static void test_link_bad(void **state)
{
	struct nlmsghdr *nlh;
	struct nl_link l;
	char name[20];

	(void)state;
	/* no name */
	nlh = link_msg(AF_UNSPEC, 2, NULL, 0);
	assert_int_equal(nl_parse_link(nlh, &l), -EINVAL);
	/* empty name */
	nlh = link_msg(AF_UNSPEC, 2, "", 0);
	assert_int_equal(nl_parse_link(nlh, &l), -EINVAL);
	/* a name of 16 characters does not fit IFNAMSIZ */
	nlh = link_msg(AF_UNSPEC, 2, "abcdefghijklmnop", 0);
	assert_int_equal(nl_parse_link(nlh, &l), -EINVAL);
	/* an unterminated name */
	nlh = link_msg(AF_UNSPEC, 2, NULL, 0);
	memcpy(name, "eth0", 4);
	mnl_attr_put(nlh, IFLA_IFNAME, 4, name);
	assert_int_equal(nl_parse_link(nlh, &l), -EINVAL);
	/* IFLA_MASTER of 2 bytes */
	nlh = link_msg(AF_UNSPEC, 2, "eth0", 0);
	mnl_attr_put_u16(nlh, IFLA_MASTER, 3);
	assert_int_equal(nl_parse_link(nlh, &l), -EINVAL);
	/* ifindex 0 */
	nlh = link_msg(AF_UNSPEC, 0, "eth0", 0);
	assert_int_equal(nl_parse_link(nlh, &l), -EINVAL);
	/* shorter than an ifinfomsg */
	nlh = msg(RTM_NEWLINK);
	mnl_nlmsg_put_extra_header(nlh, 8);
	assert_int_equal(nl_parse_link(nlh, &l), -EINVAL);
	/* an attribute whose length runs past the message */
	nlh = link_msg(AF_UNSPEC, 2, "eth0", 0);
	{
		struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

		a->nla_type = IFLA_MTU;
		a->nla_len = 200;
		nlh->nlmsg_len += 8;
	}
	assert_int_equal(nl_parse_link(nlh, &l), -EINVAL);
	/* tun owner of one byte */
	nlh = link_msg(AF_UNSPEC, 2, "croftt1", 0);
	{
		struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO), *data;

		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "tun");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u8(nlh, IFLA_TUN_OWNER, 1);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, info);
	}
	assert_int_equal(nl_parse_link(nlh, &l), -EINVAL);
	/* other types and the bridge family are skipped, not errors */
	nlh = link_msg(AF_BRIDGE, 2, "eth0", 0);
	assert_int_equal(nl_parse_link(nlh, &l), -ENOENT);
	nlh = link_msg(AF_UNSPEC, 2, "eth0", 0);
	nlh->nlmsg_type = RTM_DELLINK;
	assert_int_equal(nl_parse_link(nlh, &l), -ENOENT);
}

/* ---- addresses ---------------------------------------------------------- */

static struct nlmsghdr *addr_msg(uint8_t family, uint8_t prefix, int ifindex)
{
	struct nlmsghdr *nlh = msg(RTM_NEWADDR);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = family;
	ifa->ifa_prefixlen = prefix;
	ifa->ifa_index = (uint32_t)ifindex;
	return nlh;
}

static void test_addr(void **state)
{
	struct in_addr local = A("198.51.100.1"), peer = A("198.51.100.2");
	struct nlmsghdr *nlh;
	struct nl_addr a;
	char three[3] = { 1, 2, 3 };

	(void)state;
	/* IFA_LOCAL wins over IFA_ADDRESS (point-to-point peers) */
	nlh = addr_msg(AF_INET, 24, 4);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &peer);
	mnl_attr_put(nlh, IFA_LOCAL, 4, &local);
	mnl_attr_put_strz(nlh, IFA_LABEL, "uplink0");
	assert_int_equal(nl_parse_addr(nlh, &a), 0);
	assert_int_equal(a.ifindex, 4);
	assert_int_equal(a.prefix, 24);
	assert_int_equal(a.addr.s_addr, local.s_addr);
	/* only IFA_ADDRESS */
	nlh = addr_msg(AF_INET, 16, 5);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &peer);
	assert_int_equal(nl_parse_addr(nlh, &a), 0);
	assert_int_equal(a.addr.s_addr, peer.s_addr);
	/* IPv6 is skipped */
	nlh = addr_msg(AF_INET6, 64, 5);
	assert_int_equal(nl_parse_addr(nlh, &a), -ENOENT);
	/* broken: no address, a 3-byte address, prefix 33 */
	nlh = addr_msg(AF_INET, 24, 5);
	assert_int_equal(nl_parse_addr(nlh, &a), -EINVAL);
	mnl_attr_put(nlh, IFA_LOCAL, 3, three);
	assert_int_equal(nl_parse_addr(nlh, &a), -EINVAL);
	nlh = addr_msg(AF_INET, 33, 5);
	mnl_attr_put(nlh, IFA_LOCAL, 4, &local);
	assert_int_equal(nl_parse_addr(nlh, &a), -EINVAL);
}

/* ---- routes ------------------------------------------------------------- */

static struct nlmsghdr *route_msg(uint8_t family, uint8_t dst_len, uint8_t table, uint8_t type)
{
	struct nlmsghdr *nlh = msg(RTM_NEWROUTE);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = family;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = table;
	rtm->rtm_type = type;
	return nlh;
}

static void test_route(void **state)
{
	struct in_addr gw = A("198.51.100.2"), dst = A("10.0.0.0");
	struct nlmsghdr *nlh;
	struct nl_route r;

	(void)state;
	/* a default route: no RTA_DST */
	nlh = route_msg(AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put(nlh, RTA_GATEWAY, 4, &gw);
	mnl_attr_put_u32(nlh, RTA_OIF, 4);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 100);
	assert_int_equal(nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.table, RT_TABLE_MAIN);
	assert_int_equal(r.type, RTN_UNICAST);
	assert_int_equal(r.prefix, 0);
	assert_int_equal(r.dst.s_addr, 0);
	assert_int_equal(r.oif, 4);
	assert_int_equal(r.gateway.s_addr, gw.s_addr);
	assert_int_equal(r.priority, 100);
	/* RTA_TABLE beats rtm_table (tables above 255) */
	nlh = route_msg(AF_INET, 16, RT_TABLE_COMPAT, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_TABLE, 1000);
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	mnl_attr_put_u32(nlh, RTA_OIF, 6);
	assert_int_equal(nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.table, 1000);
	assert_int_equal(r.prefix, 16);
	assert_int_equal(r.dst.s_addr, dst.s_addr);
	/* multipath: the first nexthop's interface */
	nlh = route_msg(AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	{
		struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
		struct rtnexthop *nh = mnl_nlmsg_get_payload_tail(nlh);

		memset(nh, 0, sizeof(*nh));
		nh->rtnh_len = sizeof(*nh);
		nh->rtnh_ifindex = 7;
		nlh->nlmsg_len += MNL_ALIGN(sizeof(*nh));
		mnl_attr_nest_end(nlh, mp);
	}
	assert_int_equal(nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.oif, 7);
	/* skipped and broken */
	nlh = route_msg(AF_INET6, 0, RT_TABLE_MAIN, RTN_UNICAST);
	assert_int_equal(nl_parse_route(nlh, &r), -ENOENT);
	nlh = route_msg(AF_INET, 24, RT_TABLE_MAIN, RTN_UNICAST);
	mnl_attr_put(nlh, RTA_DST, 2, &dst);
	assert_int_equal(nl_parse_route(nlh, &r), -EINVAL);
	nlh = route_msg(AF_INET, 40, RT_TABLE_MAIN, RTN_UNICAST);
	assert_int_equal(nl_parse_route(nlh, &r), -EINVAL);
	nlh = route_msg(AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	mnl_attr_put(nlh, RTA_MULTIPATH, 2, "xx");
	assert_int_equal(nl_parse_route(nlh, &r), -EINVAL);
}

/* ---- VLANs -------------------------------------------------------------- */

static void put_vinfo(struct nlmsghdr *nlh, uint16_t vid, uint16_t flags)
{
	struct bridge_vlan_info vi = { .flags = flags, .vid = vid };

	mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
}

static void test_vlans(void **state)
{
	struct nlmsghdr *nlh;
	struct nlattr *spec;
	struct nl_vlans v;
	uint16_t vid;

	(void)state;
	nlh = link_msg(AF_BRIDGE, 5, "lan1", 0);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 9);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	put_vinfo(nlh, 1, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
	put_vinfo(nlh, 10, 0);
	put_vinfo(nlh, 20, BRIDGE_VLAN_INFO_RANGE_BEGIN);
	put_vinfo(nlh, 23, BRIDGE_VLAN_INFO_RANGE_END);
	mnl_attr_put_u16(nlh, IFLA_BRIDGE_FLAGS, 0);      /* other attributes are skipped */
	mnl_attr_nest_end(nlh, spec);
	assert_int_equal(nl_parse_vlans(nlh, &v), 0);
	assert_int_equal(v.ifindex, 5);
	assert_int_equal(v.master, 9);
	assert_int_equal(v.pvid, 1);
	assert_true(nl_vlans_has(&v, 1) && nl_vlans_is_untagged(&v, 1));
	assert_true(nl_vlans_has(&v, 10) && !nl_vlans_is_untagged(&v, 10));
	for (vid = 20; vid <= 23; vid++)
		assert_true(nl_vlans_has(&v, vid));
	assert_false(nl_vlans_has(&v, 19));
	assert_false(nl_vlans_has(&v, 24));
	assert_false(nl_vlans_has(&v, 4095));
	/* no AF_SPEC: a port without VLANs */
	nlh = link_msg(AF_BRIDGE, 6, "croftt1", 0);
	assert_int_equal(nl_parse_vlans(nlh, &v), 0);
	assert_int_equal(v.pvid, 0);
	assert_false(nl_vlans_has(&v, 1));
	/* the other family is skipped */
	nlh = link_msg(AF_UNSPEC, 6, "croftt1", 0);
	assert_int_equal(nl_parse_vlans(nlh, &v), -ENOENT);
	/* broken: a range end without start, vid 0, a short entry, an open range */
	nlh = link_msg(AF_BRIDGE, 5, "lan1", 0);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	put_vinfo(nlh, 23, BRIDGE_VLAN_INFO_RANGE_END);
	mnl_attr_nest_end(nlh, spec);
	assert_int_equal(nl_parse_vlans(nlh, &v), -EINVAL);
	nlh = link_msg(AF_BRIDGE, 5, "lan1", 0);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	put_vinfo(nlh, 0, 0);
	mnl_attr_nest_end(nlh, spec);
	assert_int_equal(nl_parse_vlans(nlh, &v), -EINVAL);
	nlh = link_msg(AF_BRIDGE, 5, "lan1", 0);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	mnl_attr_put_u16(nlh, IFLA_BRIDGE_VLAN_INFO, 5);
	mnl_attr_nest_end(nlh, spec);
	assert_int_equal(nl_parse_vlans(nlh, &v), -EINVAL);
	nlh = link_msg(AF_BRIDGE, 5, "lan1", 0);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	put_vinfo(nlh, 30, BRIDGE_VLAN_INFO_RANGE_BEGIN);
	mnl_attr_nest_end(nlh, spec);
	assert_int_equal(nl_parse_vlans(nlh, &v), -EINVAL);
}

/* ---- acks and errors ---------------------------------------------------- */

static struct nlmsghdr *err_msg(int error, uint16_t flags, const char *text)
{
	struct nlmsghdr *nlh = msg(NLMSG_ERROR);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	nlh->nlmsg_flags = flags;
	e->error = error;
	e->msg.nlmsg_len = sizeof(struct nlmsghdr);
	e->msg.nlmsg_type = RTM_NEWLINK;
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	return nlh;
}

static void test_errors(void **state)
{
	char text[64];
	int error = 99;

	(void)state;
	assert_int_equal(nl_parse_error(err_msg(0, NLM_F_CAPPED, NULL), &error, text, sizeof(text)), 0);
	assert_int_equal(error, 0);
	assert_string_equal(text, "");
	assert_int_equal(nl_parse_error(err_msg(-EOPNOTSUPP, NLM_F_CAPPED | NLM_F_ACK_TLVS,
					       "VLAN filtering is not supported"),
				       &error, text, sizeof(text)), 0);
	assert_int_equal(error, -EOPNOTSUPP);
	assert_string_equal(text, "VLAN filtering is not supported");
	/* the text is cut to the buffer */
	assert_int_equal(nl_parse_error(err_msg(-EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS,
					       "a rather long explanation"), &error, text, 8), 0);
	assert_string_equal(text, "a rathe");
	/* TLVs announced but absent */
	assert_int_equal(nl_parse_error(err_msg(-EEXIST, NLM_F_CAPPED | NLM_F_ACK_TLVS, NULL),
				       &error, text, sizeof(text)), 0);
	assert_int_equal(error, -EEXIST);
	assert_string_equal(text, "");
	/* broken: a positive error, a short message, an uncapped original that
	 * claims more than is there; another type is skipped */
	assert_int_equal(nl_parse_error(err_msg(5, 0, NULL), &error, text, sizeof(text)), -EINVAL);
	{
		struct nlmsghdr *nlh = msg(NLMSG_ERROR);

		mnl_nlmsg_put_extra_header(nlh, 4);
		assert_int_equal(nl_parse_error(nlh, &error, text, sizeof(text)), -EINVAL);
		nlh = err_msg(-EINVAL, NLM_F_ACK_TLVS, NULL);
		((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->msg.nlmsg_len = 4000;
		assert_int_equal(nl_parse_error(nlh, &error, text, sizeof(text)), -EINVAL);
	}
	assert_int_equal(nl_parse_error(msg(NLMSG_DONE), &error, text, sizeof(text)), -ENOENT);
}

/* ---- snapshots ---------------------------------------------------------- */

static void test_snapshot(void **state)
{
	struct nl_snapshot s = { 0 };
	struct nl_link *l;
	int i;

	(void)state;
	for (i = 1; i <= 100; i++) {
		l = nl_snapshot_add_link(&s);
		l->ifindex = i;
		snprintf(l->name, sizeof(l->name), "if%d", i);
	}
	nl_snapshot_add_vlans(&s)->ifindex = 42;
	nl_snapshot_add_addr(&s)->ifindex = 3;
	nl_snapshot_add_route(&s)->oif = 3;
	assert_int_equal(s.n_links, 100);
	assert_int_equal(nl_snapshot_link(&s, "if77")->ifindex, 77);
	assert_string_equal(nl_snapshot_link_at(&s, 100)->name, "if100");
	assert_null(nl_snapshot_link(&s, "if101"));
	assert_null(nl_snapshot_link_at(&s, 0));
	assert_non_null(nl_snapshot_vlans(&s, 42));
	assert_null(nl_snapshot_vlans(&s, 41));
	nl_snapshot_clear(&s);
	assert_int_equal(s.n_links, 0);
	assert_null(s.links);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_tun),
		cmocka_unit_test(test_link_plain),
		cmocka_unit_test(test_link_bad),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_vlans),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
