/*
 * Reconciliation plans: the list of link, address and VLAN operations that
 * turns a kernel snapshot into the desired state.  Planning is pure; the
 * executor (netd_reconcile.c) turns each operation into one rtnetlink
 * request or one tap ioctl sequence.  Operations name links by name, so an
 * operation may refer to a link an earlier one creates.
 *
 * Two phases, each planned from a fresh snapshot:
 *   links  delete stale or wrong croft links, create bridges and taps,
 *          VLAN filtering, masters (taps and bridged uplinks), up;
 *          release foreign ports from croft bridges.
 *   ports  IPv4 addresses of the bridges, VLANs of bridged networks' ports.
 * A snapshot that already matches gives two empty plans.
 */
#ifndef CROFT_NETD_PLAN_H
#define CROFT_NETD_PLAN_H

#include "netd/netd_state.h"
#include "netd/nl_snapshot.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

enum netd_op_kind {
	NETD_OP_DEL_LINK,        /* name (ifindex from the snapshot) */
	NETD_OP_ADD_BRIDGE,      /* name, flag = VLAN filtering */
	NETD_OP_SET_FILTERING,   /* name, flag */
	NETD_OP_ADD_TAP,         /* name, uid */
	NETD_OP_SET_LINK,        /* name, master ("" = release) if set_master, up if up */
	NETD_OP_DEL_ADDR,        /* name, addr/prefix */
	NETD_OP_ADD_ADDR,        /* name, addr/prefix */
	NETD_OP_ADD_VLAN,        /* name, vid, vflags (BRIDGE_VLAN_INFO_PVID|_UNTAGGED) */
	NETD_OP_DEL_VLAN,        /* name, vid */
};

struct netd_op {
	enum netd_op_kind kind;
	char name[NETD_IFNAME_LEN];
	int ifindex;                     /* DEL_LINK: the snapshot's */
	int set_master;
	char master[NETD_IFNAME_LEN];
	int up;
	int flag;
	uint32_t uid;
	struct in_addr addr;
	uint32_t prefix;
	uint16_t vid;
	uint16_t vflags;
};

struct netd_plan {
	struct netd_op *ops;     /* owned */
	size_t n;
};

/* Append the phase's operations to plan.  The state must have passed
 * netd_state_validate() and netd_check_state() against snap.  vlan_ok:
 * the kernel can filter VLANs on bridges (bridged networks' bridges get
 * VLAN filtering and their ports VLANs only then; netd_check_vlans()
 * refuses VLAN NICs otherwise). */
void netd_plan_links(const struct netd_state *st, const struct nl_snapshot *snap, int vlan_ok,
		     struct netd_plan *plan);
void netd_plan_ports(const struct netd_state *st, const struct nl_snapshot *snap, int vlan_ok,
		     struct netd_plan *plan);
void netd_plan_clear(struct netd_plan *plan);

/* A bridged network whose uplink is the host's management bridge
 * (NETD_HOST_BRIDGE, made by croft-install and carrying the host's
 * address): its taps join that bridge, netd makes no bridge for it and
 * never touches that bridge's addresses or settings; tagged VLANs go on the
 * bridge's other ports (the NIC). */
int netd_net_on_host_bridge(const struct netd_net *n);
/* The bridge the network's taps join: croftbr<id>, or the host bridge. */
char *netd_net_bridge(const struct netd_net *n, char *buf);

/* "create bridge croftbr1", "add 10.0.0.1/24 to croftbr1"...; returns buf. */
char *netd_op_describe(const struct netd_op *op, char *buf, size_t len);

#endif
