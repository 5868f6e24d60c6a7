/*
 * Parsers of the kernel's rtnetlink answers: links, IPv4 addresses, IPv4
 * routes, bridge-port VLANs and error/ack messages.  Pure functions over
 * one struct nlmsghdr (which the caller has bounds-checked with
 * mnl_nlmsg_ok); they copy what netd needs into small plain structs and
 * return 0, -EINVAL for a malformed message, or -ENOENT for a message of
 * another family or type that the caller should skip.
 */
#ifndef CROFT_NL_PARSE_H
#define CROFT_NL_PARSE_H

#include <linux/netlink.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define NL_IFNAMSIZ 16

struct nl_link {
	int ifindex;
	char name[NL_IFNAMSIZ];
	char kind[16];            /* IFLA_INFO_KIND: "bridge", "tun", "veth"; "" if none */
	int master;               /* ifindex of the master, 0 if none */
	unsigned flags;           /* IFF_UP... */
	int vlan_filtering;       /* bridges: 0 or 1; -1 if not reported */
	int tun_type;             /* tun: IFF_TAP or IFF_TUN; 0 if not reported */
	int64_t tun_owner;        /* tun: owner uid; -1 if none */
	int tun_vnet_hdr;         /* tun: 0 or 1; -1 if not reported */
	int tun_persist;          /* tun: 0 or 1; -1 if not reported */
};

struct nl_addr {
	int ifindex;
	struct in_addr addr;      /* IFA_LOCAL (else IFA_ADDRESS) */
	uint32_t prefix;
};

struct nl_route {
	uint32_t table;           /* RTA_TABLE, else rtm_table */
	uint8_t type;             /* RTN_UNICAST, RTN_LOCAL... */
	struct in_addr dst;       /* 0.0.0.0 with prefix 0 for a default route */
	uint32_t prefix;
	int oif;                  /* RTA_OIF, or the first nexthop's; 0 if none */
	struct in_addr gateway;
	uint32_t priority;        /* RTA_PRIORITY (metric) */
};

/* A bridge port's VLANs (or the bridge's own, for the bridge itself). */
struct nl_vlans {
	int ifindex;
	int master;
	uint16_t pvid;            /* 0 = none */
	uint8_t member[4096 / 8];
	uint8_t untagged[4096 / 8];
};

int nl_parse_link(const struct nlmsghdr *nlh, struct nl_link *out);
int nl_parse_addr(const struct nlmsghdr *nlh, struct nl_addr *out);
int nl_parse_route(const struct nlmsghdr *nlh, struct nl_route *out);
int nl_parse_vlans(const struct nlmsghdr *nlh, struct nl_vlans *out);

/* NLMSG_ERROR: *error = 0 for an ack, else -errno; msg gets the kernel's
 * extended-ack text ("" if none). */
int nl_parse_error(const struct nlmsghdr *nlh, int *error, char *msg, size_t msglen);

/* VLAN sets. */
int nl_vlans_has(const struct nl_vlans *v, uint16_t vid);
int nl_vlans_is_untagged(const struct nl_vlans *v, uint16_t vid);
void nl_vlans_add(struct nl_vlans *v, uint16_t vid, uint16_t flags);  /* BRIDGE_VLAN_INFO_* */

#endif
