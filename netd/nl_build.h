/*
 * rtnetlink request builders.  Each is a pure function: it writes one
 * complete request (NLM_F_REQUEST, plus NLM_F_ACK for changes and
 * NLM_F_DUMP for dumps) at the start of a caller buffer of NL_BUFSZ bytes
 * and returns it; nothing is sent.  The socket side is nl_sock.h, the
 * parsers of the kernel's answers nl_parse.h.  Links are named by ifindex,
 * except a new bridge, which is named by its name.
 */
#ifndef CROFT_NL_BUILD_H
#define CROFT_NL_BUILD_H

#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdint.h>

/* Every builder's buffer; far more than any request needs. */
#define NL_BUFSZ 8192

enum nl_dump {
	NL_DUMP_LINKS,      /* RTM_GETLINK, every link with its linkinfo */
	NL_DUMP_ADDRS,      /* RTM_GETADDR, IPv4 */
	NL_DUMP_ROUTES,     /* RTM_GETROUTE, IPv4, every table */
	NL_DUMP_VLANS,      /* RTM_GETLINK AF_BRIDGE with per-port VLANs */
};

/* RTM_NEWLINK (create, exclusive): a bridge named name, with VLAN
 * filtering on, or with the kernel's default (off; the attribute is left
 * out, since kernels built without VLAN filtering refuse it). */
struct nlmsghdr *nl_build_bridge_add(void *buf, uint32_t seq, const char *name,
				     int vlan_filtering);
/* RTM_NEWLINK on an existing bridge: turn VLAN filtering on or off. */
struct nlmsghdr *nl_build_bridge_set_filtering(void *buf, uint32_t seq, int ifindex,
					       int vlan_filtering);
/* RTM_SETLINK: master = ifindex of the new master, 0 = release from its
 * master, -1 = leave as is; up = 1 up, 0 down, -1 leave as is. */
struct nlmsghdr *nl_build_link_set(void *buf, uint32_t seq, int ifindex, int master, int up);
/* RTM_DELLINK. */
struct nlmsghdr *nl_build_link_del(void *buf, uint32_t seq, int ifindex);
/* RTM_NEWADDR (create, exclusive; with the subnet's broadcast address) or
 * RTM_DELADDR of addr/prefix on ifindex. */
struct nlmsghdr *nl_build_addr(void *buf, uint32_t seq, int add, int ifindex,
			       struct in_addr addr, uint32_t prefix);
/* RTM_SETLINK (add) or RTM_DELLINK (remove), family AF_BRIDGE: VLAN vid on
 * the bridge port ifindex, flags BRIDGE_VLAN_INFO_PVID / _UNTAGGED. */
struct nlmsghdr *nl_build_vlan(void *buf, uint32_t seq, int add, int ifindex,
			       uint16_t vid, uint16_t flags);
/* A dump request. */
struct nlmsghdr *nl_build_dump(void *buf, uint32_t seq, enum nl_dump what);

#endif
