/*
 * rtnetlink request builders (libmnl).  A request is a header, a fixed
 * family header (ifinfomsg, ifaddrmsg, rtmsg) and attributes; the kernel
 * picks the operation from the message type and the family.  Nothing here
 * does I/O or keeps state, so tests parse the bytes straight back.
 */
#include "netd/nl_build.h"
#include "common/addr.h"

#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

static struct nlmsghdr *put_header(void *buf, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, NL_BUFSZ);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	return nlh;
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh, uint8_t family, int ifindex)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = family;
	ifi->ifi_index = ifindex;
	return ifi;
}

static void put_bridge_info(struct nlmsghdr *nlh, int vlan_filtering)
{
	struct nlattr *info, *data;

	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, vlan_filtering ? 1 : 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
}

struct nlmsghdr *nl_build_bridge_add(void *buf, uint32_t seq, const char *name,
				     int vlan_filtering)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_NEWLINK,
					  NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq);

	put_ifinfo(nlh, AF_UNSPEC, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (vlan_filtering) {
		put_bridge_info(nlh, 1);
	} else {
		/* no IFLA_INFO_DATA: kernels without bridge VLAN filtering refuse
		 * the attribute even when it asks for "off" */
		struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
		mnl_attr_nest_end(nlh, info);
	}
	return nlh;
}

struct nlmsghdr *nl_build_bridge_set_filtering(void *buf, uint32_t seq, int ifindex,
					       int vlan_filtering)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_NEWLINK, NLM_F_ACK, seq);

	put_ifinfo(nlh, AF_UNSPEC, ifindex);
	put_bridge_info(nlh, vlan_filtering);
	return nlh;
}

struct nlmsghdr *nl_build_link_set(void *buf, uint32_t seq, int ifindex, int master, int up)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_SETLINK, NLM_F_ACK, seq);
	struct ifinfomsg *ifi = put_ifinfo(nlh, AF_UNSPEC, ifindex);

	if (up >= 0) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = up ? IFF_UP : 0;
	}
	if (master >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return nlh;
}

struct nlmsghdr *nl_build_link_del(void *buf, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_DELLINK, NLM_F_ACK, seq);

	put_ifinfo(nlh, AF_UNSPEC, ifindex);
	return nlh;
}

struct nlmsghdr *nl_build_addr(void *buf, uint32_t seq, int add, int ifindex,
			       struct in_addr addr, uint32_t prefix)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	nlh = put_header(buf, add ? RTM_NEWADDR : RTM_DELADDR,
			 NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0), seq);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(addr), &addr);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(addr), &addr);
	if (add && prefix < 31) {
		struct in_addr bcast = addr_of(addr_bcast(addr, prefix));

		mnl_attr_put(nlh, IFA_BROADCAST, sizeof(bcast), &bcast);
	}
	return nlh;
}

struct nlmsghdr *nl_build_vlan(void *buf, uint32_t seq, int add, int ifindex,
			       uint16_t vid, uint16_t flags)
{
	struct nlmsghdr *nlh = put_header(buf, add ? RTM_SETLINK : RTM_DELLINK, NLM_F_ACK, seq);
	struct bridge_vlan_info vinfo = { .flags = flags, .vid = vid };
	struct nlattr *spec;

	put_ifinfo(nlh, AF_BRIDGE, ifindex);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vinfo), &vinfo);
	mnl_attr_nest_end(nlh, spec);
	return nlh;
}

struct nlmsghdr *nl_build_dump(void *buf, uint32_t seq, enum nl_dump what)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct rtmsg *rtm;

	switch (what) {
	case NL_DUMP_LINKS:
		nlh = put_header(buf, RTM_GETLINK, NLM_F_DUMP, seq);
		put_ifinfo(nlh, AF_UNSPEC, 0);
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		return nlh;
	case NL_DUMP_ADDRS:
		nlh = put_header(buf, RTM_GETADDR, NLM_F_DUMP, seq);
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_INET;
		return nlh;
	case NL_DUMP_ROUTES:
		nlh = put_header(buf, RTM_GETROUTE, NLM_F_DUMP, seq);
		rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = AF_INET;
		return nlh;
	case NL_DUMP_VLANS:
		nlh = put_header(buf, RTM_GETLINK, NLM_F_DUMP, seq);
		put_ifinfo(nlh, AF_BRIDGE, 0);
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
		return nlh;
	}
	return NULL;
}
