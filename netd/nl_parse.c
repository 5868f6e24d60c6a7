/*
 * rtnetlink answer parsers.  Each message's attributes are first collected
 * into a table by type (later duplicates win, unknown types are ignored),
 * then every attribute netd reads is checked for its size before use, so a
 * short or garbled attribute is reported as -EINVAL rather than read past.
 */
#include "netd/nl_parse.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#define TB_MAX 64

struct tb {
	const struct nlattr *a[TB_MAX];
};

static int tb_cb(const struct nlattr *attr, void *data)
{
	struct tb *tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type < TB_MAX)
		tb->a[type] = attr;
	return MNL_CB_OK;
}

/* Walk attributes over len bytes; one whose length runs past the end is
 * an error (mnl_attr_parse would silently stop there). */
static int tb_walk(const void *start, size_t len, struct tb *tb)
{
	const char *p = start;
	int rem = (int)len;

	memset(tb, 0, sizeof(*tb));
	while (rem >= (int)sizeof(struct nlattr)) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (!mnl_attr_ok(a, rem))
			return -EINVAL;
		tb_cb(a, tb);
		rem -= (int)MNL_ALIGN(a->nla_len);
		p += MNL_ALIGN(a->nla_len);
	}
	return 0;
}

static int tb_parse(const struct nlmsghdr *nlh, size_t hdrlen, struct tb *tb)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh);

	memset(tb, 0, sizeof(*tb));
	if (len < hdrlen)
		return -EINVAL;
	hdrlen = MNL_ALIGN(hdrlen);
	if (len < hdrlen)
		return 0;
	return tb_walk((const char *)mnl_nlmsg_get_payload(nlh) + hdrlen, len - hdrlen, tb);
}

static int tb_nested(const struct nlattr *nest, struct tb *tb)
{
	return tb_walk(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), tb);
}

/* Attribute accessors that check the payload size first. */
static int get_u32(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EINVAL;
	*v = mnl_attr_get_u32(a);
	return 0;
}

static int get_u8(const struct nlattr *a, uint8_t *v)
{
	if (mnl_attr_get_payload_len(a) < 1)
		return -EINVAL;
	*v = mnl_attr_get_u8(a);
	return 0;
}

static int get_in4(const struct nlattr *a, struct in_addr *v)
{
	if (mnl_attr_get_payload_len(a) != sizeof(*v))
		return -EINVAL;
	memcpy(v, mnl_attr_get_payload(a), sizeof(*v));
	return 0;
}

static int get_str(const struct nlattr *a, char *buf, size_t size)
{
	const char *s = mnl_attr_get_payload(a);
	uint16_t len = mnl_attr_get_payload_len(a);
	size_t n = strnlen(s, len);

	if (n == len || n >= size)    /* not terminated, or too long */
		return -EINVAL;
	memcpy(buf, s, n + 1);
	return 0;
}

static int parse_linkinfo(const struct nlattr *info, struct nl_link *out)
{
	struct tb tb, data;
	uint32_t u32;
	uint8_t u8;

	if (tb_nested(info, &tb) < 0)
		return -EINVAL;
	if (tb.a[IFLA_INFO_KIND] && get_str(tb.a[IFLA_INFO_KIND], out->kind, sizeof(out->kind)) < 0)
		return -EINVAL;
	if (!tb.a[IFLA_INFO_DATA])
		return 0;
	if (tb_nested(tb.a[IFLA_INFO_DATA], &data) < 0)
		return -EINVAL;
	if (!strcmp(out->kind, "bridge")) {
		if (data.a[IFLA_BR_VLAN_FILTERING]) {
			if (get_u8(data.a[IFLA_BR_VLAN_FILTERING], &u8) < 0)
				return -EINVAL;
			out->vlan_filtering = u8 ? 1 : 0;
		}
	} else if (!strcmp(out->kind, "tun")) {
		if (data.a[IFLA_TUN_TYPE]) {
			if (get_u8(data.a[IFLA_TUN_TYPE], &u8) < 0)
				return -EINVAL;
			out->tun_type = u8;
		}
		if (data.a[IFLA_TUN_OWNER]) {
			if (get_u32(data.a[IFLA_TUN_OWNER], &u32) < 0)
				return -EINVAL;
			out->tun_owner = u32;
		}
		if (data.a[IFLA_TUN_VNET_HDR]) {
			if (get_u8(data.a[IFLA_TUN_VNET_HDR], &u8) < 0)
				return -EINVAL;
			out->tun_vnet_hdr = u8 ? 1 : 0;
		}
		if (data.a[IFLA_TUN_PERSIST]) {
			if (get_u8(data.a[IFLA_TUN_PERSIST], &u8) < 0)
				return -EINVAL;
			out->tun_persist = u8 ? 1 : 0;
		}
	}
	return 0;
}

int nl_parse_link(const struct nlmsghdr *nlh, struct nl_link *out)
{
	const struct ifinfomsg *ifi;
	struct tb tb;
	uint32_t u32;

	memset(out, 0, sizeof(*out));
	out->vlan_filtering = -1;
	out->tun_owner = -1;
	out->tun_vnet_hdr = -1;
	out->tun_persist = -1;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return -ENOENT;
	if (tb_parse(nlh, sizeof(*ifi), &tb) < 0)
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_family == AF_BRIDGE)
		return -ENOENT;
	if (ifi->ifi_index <= 0 || !tb.a[IFLA_IFNAME] ||
	    get_str(tb.a[IFLA_IFNAME], out->name, sizeof(out->name)) < 0 || !out->name[0])
		return -EINVAL;
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	if (tb.a[IFLA_MASTER]) {
		if (get_u32(tb.a[IFLA_MASTER], &u32) < 0)
			return -EINVAL;
		out->master = (int)u32;
	}
	if (tb.a[IFLA_LINKINFO] && parse_linkinfo(tb.a[IFLA_LINKINFO], out) < 0)
		return -EINVAL;
	return 0;
}

int nl_parse_addr(const struct nlmsghdr *nlh, struct nl_addr *out)
{
	const struct ifaddrmsg *ifa;
	struct tb tb;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWADDR)
		return -ENOENT;
	if (tb_parse(nlh, sizeof(*ifa), &tb) < 0)
		return -EINVAL;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET)
		return -ENOENT;
	if (ifa->ifa_prefixlen > 32)
		return -EINVAL;
	out->ifindex = (int)ifa->ifa_index;
	out->prefix = ifa->ifa_prefixlen;
	if (tb.a[IFA_LOCAL])
		return get_in4(tb.a[IFA_LOCAL], &out->addr);
	if (tb.a[IFA_ADDRESS])
		return get_in4(tb.a[IFA_ADDRESS], &out->addr);
	return -EINVAL;
}

int nl_parse_route(const struct nlmsghdr *nlh, struct nl_route *out)
{
	const struct rtmsg *rtm;
	struct tb tb;
	uint32_t u32;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return -ENOENT;
	if (tb_parse(nlh, sizeof(*rtm), &tb) < 0)
		return -EINVAL;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET)
		return -ENOENT;
	if (rtm->rtm_dst_len > 32)
		return -EINVAL;
	out->table = rtm->rtm_table;
	out->type = rtm->rtm_type;
	out->prefix = rtm->rtm_dst_len;
	if (tb.a[RTA_TABLE] && get_u32(tb.a[RTA_TABLE], &out->table) < 0)
		return -EINVAL;
	if (tb.a[RTA_DST] && get_in4(tb.a[RTA_DST], &out->dst) < 0)
		return -EINVAL;
	if (tb.a[RTA_GATEWAY] && get_in4(tb.a[RTA_GATEWAY], &out->gateway) < 0)
		return -EINVAL;
	if (tb.a[RTA_PRIORITY] && get_u32(tb.a[RTA_PRIORITY], &out->priority) < 0)
		return -EINVAL;
	if (tb.a[RTA_OIF]) {
		if (get_u32(tb.a[RTA_OIF], &u32) < 0)
			return -EINVAL;
		out->oif = (int)u32;
	} else if (tb.a[RTA_MULTIPATH]) {
		const struct rtnexthop *nh = mnl_attr_get_payload(tb.a[RTA_MULTIPATH]);
		uint16_t len = mnl_attr_get_payload_len(tb.a[RTA_MULTIPATH]);

		if (len < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > len)
			return -EINVAL;
		out->oif = nh->rtnh_ifindex;
	}
	return 0;
}

static void bit_set(uint8_t *set, uint16_t vid)
{
	set[vid / 8] |= (uint8_t)(1u << (vid % 8));
}

static int bit_get(const uint8_t *set, uint16_t vid)
{
	return vid < 4096 && (set[vid / 8] >> (vid % 8)) & 1;
}

int nl_vlans_has(const struct nl_vlans *v, uint16_t vid)
{
	return bit_get(v->member, vid);
}

int nl_vlans_is_untagged(const struct nl_vlans *v, uint16_t vid)
{
	return bit_get(v->untagged, vid);
}

void nl_vlans_add(struct nl_vlans *v, uint16_t vid, uint16_t flags)
{
	if (vid == 0 || vid >= 4095)
		return;
	bit_set(v->member, vid);
	if (flags & BRIDGE_VLAN_INFO_UNTAGGED)
		bit_set(v->untagged, vid);
	if (flags & BRIDGE_VLAN_INFO_PVID)
		v->pvid = vid;
}

int nl_parse_vlans(const struct nlmsghdr *nlh, struct nl_vlans *out)
{
	const struct ifinfomsg *ifi;
	const struct nlattr *a;
	struct tb tb;
	uint32_t u32;
	uint16_t range_start = 0;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return -ENOENT;
	if (tb_parse(nlh, sizeof(*ifi), &tb) < 0)
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_family != AF_BRIDGE)
		return -ENOENT;
	if (ifi->ifi_index <= 0)
		return -EINVAL;
	out->ifindex = ifi->ifi_index;
	if (tb.a[IFLA_MASTER]) {
		if (get_u32(tb.a[IFLA_MASTER], &u32) < 0)
			return -EINVAL;
		out->master = (int)u32;
	}
	if (!tb.a[IFLA_AF_SPEC])
		return 0;
	if (mnl_attr_validate(tb.a[IFLA_AF_SPEC], MNL_TYPE_NESTED) < 0)
		return -EINVAL;
	mnl_attr_for_each_nested(a, tb.a[IFLA_AF_SPEC]) {
		struct bridge_vlan_info vi;
		uint16_t vid;

		if (mnl_attr_get_type(a) != IFLA_BRIDGE_VLAN_INFO)
			continue;
		if (mnl_attr_get_payload_len(a) < sizeof(vi))
			return -EINVAL;
		memcpy(&vi, mnl_attr_get_payload(a), sizeof(vi));
		if (vi.vid == 0 || vi.vid >= 4095)
			return -EINVAL;
		if (vi.flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
			range_start = vi.vid;
			continue;
		}
		if (vi.flags & BRIDGE_VLAN_INFO_RANGE_END) {
			if (!range_start || range_start > vi.vid)
				return -EINVAL;
			for (vid = range_start; vid <= vi.vid; vid++)
				nl_vlans_add(out, vid, vi.flags & ~BRIDGE_VLAN_INFO_PVID);
			range_start = 0;
			continue;
		}
		nl_vlans_add(out, vi.vid, vi.flags);
	}
	return range_start ? -EINVAL : 0;
}

int nl_parse_error(const struct nlmsghdr *nlh, int *error, char *msg, size_t msglen)
{
	const struct nlmsgerr *e;
	size_t off;
	struct tb tb;

	if (msglen)
		msg[0] = '\0';
	if (nlh->nlmsg_type != NLMSG_ERROR)
		return -ENOENT;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EINVAL;
	e = mnl_nlmsg_get_payload(nlh);
	if (e->error > 0)
		return -EINVAL;
	*error = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	off = sizeof(e->error);
	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		off += sizeof(struct nlmsghdr);
	else
		off += e->msg.nlmsg_len;
	off = MNL_ALIGN(off);
	if (off > mnl_nlmsg_get_payload_len(nlh))
		return -EINVAL;
	if (tb_walk((const char *)mnl_nlmsg_get_payload(nlh) + off,
		    mnl_nlmsg_get_payload_len(nlh) - off, &tb) < 0)
		return -EINVAL;
	if (tb.a[NLMSGERR_ATTR_MSG] && msglen) {
		const char *s = mnl_attr_get_payload(tb.a[NLMSGERR_ATTR_MSG]);
		size_t n = strnlen(s, mnl_attr_get_payload_len(tb.a[NLMSGERR_ATTR_MSG]));

		if (n >= msglen)
			n = msglen - 1;
		memcpy(msg, s, n);
		msg[n] = '\0';
	}
	return 0;
}
