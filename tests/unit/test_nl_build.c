/*
 * Tests for netd/nl_build.c by round trip: every builder's request is
 * parsed back with libmnl (mnl_attr_parse and nested parses) and each
 * header field and attribute compared with what was asked for.  Where a
 * request has the shape of a kernel answer, the netd parsers (nl_parse.c)
 * read it back too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "netd/nl_build.h"
#include "netd/nl_parse.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#define MAXA 64

struct attrs {
	const struct nlattr *a[MAXA];
	int count;
};

static int collect(const struct nlattr *attr, void *data)
{
	struct attrs *t = data;
	uint16_t type = mnl_attr_get_type(attr);

	assert_true(type < MAXA);
	assert_null(t->a[type]);          /* no attribute twice */
	t->a[type] = attr;
	t->count++;
	return MNL_CB_OK;
}

static void parse_top(const struct nlmsghdr *nlh, size_t hdr, struct attrs *t)
{
	memset(t, 0, sizeof(*t));
	assert_int_equal(mnl_attr_parse(nlh, hdr, collect, t), MNL_CB_OK);
}

static void parse_nest(const struct nlattr *nest, struct attrs *t)
{
	memset(t, 0, sizeof(*t));
	assert_non_null(nest);
	assert_int_equal(mnl_attr_validate(nest, MNL_TYPE_NESTED), 0);
	assert_int_equal(mnl_attr_parse_nested(nest, collect, t), MNL_CB_OK);
}

/* The header every builder writes; returns the ifinfomsg/... payload. */
static const void *check_header(const struct nlmsghdr *nlh, const void *buf, uint16_t type,
				uint16_t flags, uint32_t seq)
{
	assert_ptr_equal(nlh, buf);
	assert_int_equal(nlh->nlmsg_type, type);
	assert_int_equal(nlh->nlmsg_flags, flags);
	assert_int_equal(nlh->nlmsg_seq, seq);
	assert_int_equal(nlh->nlmsg_pid, 0);
	assert_true(nlh->nlmsg_len <= NL_BUFSZ);
	assert_true(mnl_nlmsg_ok(nlh, (int)nlh->nlmsg_len));
	return mnl_nlmsg_get_payload(nlh);
}

static void test_bridge_add(void **state)
{
	char buf[NL_BUFSZ];
	const struct ifinfomsg *ifi;
	struct attrs top, info, data;
	struct nlmsghdr *nlh;

	(void)state;
	nlh = nl_build_bridge_add(buf, 41, "croftbr7", 1);
	ifi = check_header(nlh, buf, RTM_NEWLINK,
			   NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 41);
	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	assert_int_equal(ifi->ifi_index, 0);
	parse_top(nlh, sizeof(*ifi), &top);
	assert_int_equal(top.count, 2);
	assert_int_equal(mnl_attr_validate(top.a[IFLA_IFNAME], MNL_TYPE_NUL_STRING), 0);
	assert_string_equal(mnl_attr_get_str(top.a[IFLA_IFNAME]), "croftbr7");
	parse_nest(top.a[IFLA_LINKINFO], &info);
	assert_int_equal(info.count, 2);
	assert_string_equal(mnl_attr_get_str(info.a[IFLA_INFO_KIND]), "bridge");
	parse_nest(info.a[IFLA_INFO_DATA], &data);
	assert_int_equal(data.count, 1);
	assert_int_equal(mnl_attr_validate(data.a[IFLA_BR_VLAN_FILTERING], MNL_TYPE_U8), 0);
	assert_int_equal(mnl_attr_get_u8(data.a[IFLA_BR_VLAN_FILTERING]), 1);

	/* without filtering: no IFLA_INFO_DATA at all */
	nlh = nl_build_bridge_add(buf, 42, "croftbr8", 0);
	parse_top(nlh, sizeof(*ifi), &top);
	assert_string_equal(mnl_attr_get_str(top.a[IFLA_IFNAME]), "croftbr8");
	parse_nest(top.a[IFLA_LINKINFO], &info);
	assert_int_equal(info.count, 1);
	assert_string_equal(mnl_attr_get_str(info.a[IFLA_INFO_KIND]), "bridge");
	assert_null(info.a[IFLA_INFO_DATA]);
}

static void test_bridge_set_filtering(void **state)
{
	char buf[NL_BUFSZ];
	const struct ifinfomsg *ifi;
	struct attrs top, info, data;
	struct nlmsghdr *nlh;
	int on;

	(void)state;
	for (on = 0; on <= 1; on++) {
		nlh = nl_build_bridge_set_filtering(buf, 7, 12, on);
		ifi = check_header(nlh, buf, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 7);
		assert_int_equal(ifi->ifi_index, 12);
		assert_int_equal(ifi->ifi_change, 0);
		parse_top(nlh, sizeof(*ifi), &top);
		assert_int_equal(top.count, 1);
		parse_nest(top.a[IFLA_LINKINFO], &info);
		assert_string_equal(mnl_attr_get_str(info.a[IFLA_INFO_KIND]), "bridge");
		parse_nest(info.a[IFLA_INFO_DATA], &data);
		assert_int_equal(mnl_attr_get_u8(data.a[IFLA_BR_VLAN_FILTERING]), on);
	}
}

static void test_link_set(void **state)
{
	static const struct { int master, up; } cases[] = {
		{ 5, 1 }, { 0, -1 }, { -1, 1 }, { -1, 0 }, { 9, -1 },
	};
	char buf[NL_BUFSZ];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ifinfomsg *ifi;
		struct nlmsghdr *nlh;
		struct attrs top;

		nlh = nl_build_link_set(buf, 100 + (uint32_t)i, 33, cases[i].master, cases[i].up);
		ifi = check_header(nlh, buf, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, 100 + (uint32_t)i);
		assert_int_equal(ifi->ifi_family, AF_UNSPEC);
		assert_int_equal(ifi->ifi_index, 33);
		if (cases[i].up < 0) {
			assert_int_equal(ifi->ifi_change, 0);
		} else {
			assert_int_equal(ifi->ifi_change, IFF_UP);
			assert_int_equal(ifi->ifi_flags, cases[i].up ? IFF_UP : 0);
		}
		parse_top(nlh, sizeof(*ifi), &top);
		if (cases[i].master < 0) {
			assert_int_equal(top.count, 0);
		} else {
			assert_int_equal(top.count, 1);
			assert_int_equal(mnl_attr_validate(top.a[IFLA_MASTER], MNL_TYPE_U32), 0);
			assert_int_equal(mnl_attr_get_u32(top.a[IFLA_MASTER]), cases[i].master);
		}
	}
}

static void test_link_del(void **state)
{
	char buf[NL_BUFSZ];
	const struct ifinfomsg *ifi;
	struct attrs top;
	struct nlmsghdr *nlh;

	(void)state;
	nlh = nl_build_link_del(buf, 9, 77);
	ifi = check_header(nlh, buf, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, 9);
	assert_int_equal(ifi->ifi_index, 77);
	parse_top(nlh, sizeof(*ifi), &top);
	assert_int_equal(top.count, 0);
}

static void test_addr(void **state)
{
	char buf[NL_BUFSZ];
	const struct ifaddrmsg *ifa;
	struct in_addr a, got;
	struct attrs top;
	struct nlmsghdr *nlh;
	struct nl_addr parsed;

	(void)state;
	inet_pton(AF_INET, "10.73.0.1", &a);
	nlh = nl_build_addr(buf, 3, 1, 14, a, 24);
	ifa = check_header(nlh, buf, RTM_NEWADDR,
			   NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 3);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 24);
	assert_int_equal(ifa->ifa_index, 14);
	assert_int_equal(ifa->ifa_scope, RT_SCOPE_UNIVERSE);
	parse_top(nlh, sizeof(*ifa), &top);
	assert_int_equal(top.count, 3);
	memcpy(&got, mnl_attr_get_payload(top.a[IFA_LOCAL]), 4);
	assert_int_equal(got.s_addr, a.s_addr);
	memcpy(&got, mnl_attr_get_payload(top.a[IFA_ADDRESS]), 4);
	assert_int_equal(got.s_addr, a.s_addr);
	memcpy(&got, mnl_attr_get_payload(top.a[IFA_BROADCAST]), 4);
	assert_int_equal(ntohl(got.s_addr), 0x0a4900ffu);
	/* the request has the shape of a dump answer: nl_parse_addr reads it */
	assert_int_equal(nl_parse_addr(nlh, &parsed), 0);
	assert_int_equal(parsed.ifindex, 14);
	assert_int_equal(parsed.prefix, 24);
	assert_int_equal(parsed.addr.s_addr, a.s_addr);

	nlh = nl_build_addr(buf, 4, 0, 14, a, 24);
	ifa = check_header(nlh, buf, RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, 4);
	parse_top(nlh, sizeof(*ifa), &top);
	assert_int_equal(top.count, 2);
	assert_null(top.a[IFA_BROADCAST]);
}

static void test_vlan(void **state)
{
	char buf[NL_BUFSZ];
	const struct ifinfomsg *ifi;
	struct bridge_vlan_info vi;
	struct attrs top, spec;
	struct nlmsghdr *nlh;
	struct nl_vlans v;

	(void)state;
	nlh = nl_build_vlan(buf, 5, 1, 21, 10, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
	ifi = check_header(nlh, buf, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, 5);
	assert_int_equal(ifi->ifi_family, AF_BRIDGE);
	assert_int_equal(ifi->ifi_index, 21);
	parse_top(nlh, sizeof(*ifi), &top);
	assert_int_equal(top.count, 1);
	parse_nest(top.a[IFLA_AF_SPEC], &spec);
	assert_int_equal(spec.count, 1);
	assert_int_equal(mnl_attr_get_payload_len(spec.a[IFLA_BRIDGE_VLAN_INFO]), sizeof(vi));
	memcpy(&vi, mnl_attr_get_payload(spec.a[IFLA_BRIDGE_VLAN_INFO]), sizeof(vi));
	assert_int_equal(vi.vid, 10);
	assert_int_equal(vi.flags, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
	/* read back by the VLAN dump parser (answers are RTM_NEWLINK) */
	nlh->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(nl_parse_vlans(nlh, &v), 0);
	assert_int_equal(v.ifindex, 21);
	assert_int_equal(v.pvid, 10);
	assert_true(nl_vlans_has(&v, 10));
	assert_true(nl_vlans_is_untagged(&v, 10));
	assert_false(nl_vlans_has(&v, 1));

	nlh = nl_build_vlan(buf, 6, 0, 21, 1, 0);
	ifi = check_header(nlh, buf, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, 6);
	assert_int_equal(ifi->ifi_family, AF_BRIDGE);
	parse_top(nlh, sizeof(*ifi), &top);
	parse_nest(top.a[IFLA_AF_SPEC], &spec);
	memcpy(&vi, mnl_attr_get_payload(spec.a[IFLA_BRIDGE_VLAN_INFO]), sizeof(vi));
	assert_int_equal(vi.vid, 1);
	assert_int_equal(vi.flags, 0);
}

static void test_dumps(void **state)
{
	char buf[NL_BUFSZ];
	struct nlmsghdr *nlh;
	const struct ifinfomsg *ifi;
	const struct ifaddrmsg *ifa;
	const struct rtmsg *rtm;
	struct attrs top;

	(void)state;
	nlh = nl_build_dump(buf, 1, NL_DUMP_LINKS);
	ifi = check_header(nlh, buf, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1);
	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	parse_top(nlh, sizeof(*ifi), &top);
	assert_int_equal(mnl_attr_get_u32(top.a[IFLA_EXT_MASK]), RTEXT_FILTER_SKIP_STATS);

	nlh = nl_build_dump(buf, 2, NL_DUMP_VLANS);
	ifi = check_header(nlh, buf, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 2);
	assert_int_equal(ifi->ifi_family, AF_BRIDGE);
	parse_top(nlh, sizeof(*ifi), &top);
	assert_int_equal(mnl_attr_get_u32(top.a[IFLA_EXT_MASK]), RTEXT_FILTER_BRVLAN);

	nlh = nl_build_dump(buf, 3, NL_DUMP_ADDRS);
	ifa = check_header(nlh, buf, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 3);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(nlh->nlmsg_len, NLMSG_LENGTH(sizeof(*ifa)));

	nlh = nl_build_dump(buf, 4, NL_DUMP_ROUTES);
	rtm = check_header(nlh, buf, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, 4);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(nlh->nlmsg_len, NLMSG_LENGTH(sizeof(*rtm)));
}

/* A link request plus a name reads back as a link (nl_parse_link). */
static void test_link_roundtrip_through_parser(void **state)
{
	char buf[NL_BUFSZ];
	struct nlmsghdr *nlh;
	struct nl_link l;

	(void)state;
	nlh = nl_build_bridge_set_filtering(buf, 1, 8, 1);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "croftbr3");
	mnl_attr_put_u32(nlh, IFLA_MASTER, 0);
	assert_int_equal(nl_parse_link(nlh, &l), 0);
	assert_int_equal(l.ifindex, 8);
	assert_string_equal(l.name, "croftbr3");
	assert_string_equal(l.kind, "bridge");
	assert_int_equal(l.vlan_filtering, 1);
	assert_int_equal(l.master, 0);
	assert_int_equal(l.tun_owner, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bridge_add),
		cmocka_unit_test(test_bridge_set_filtering),
		cmocka_unit_test(test_link_set),
		cmocka_unit_test(test_link_del),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_dumps),
		cmocka_unit_test(test_link_roundtrip_through_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
