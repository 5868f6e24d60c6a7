/*
 * Planning.  Every decision compares one desired object with what the
 * snapshot shows under its derived name; nothing is ever planned for a
 * non-croft link except enslaving a bridged network's uplink (and bringing
 * it up) or releasing a foreign port from a croft bridge.  A link that is
 * deleted in the links phase counts as absent for the rest of the phase.
 */
#include "netd/netd_plan.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VLAN_PU (BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED)

static struct netd_op *op_add(struct netd_plan *plan, enum netd_op_kind kind, const char *name)
{
	struct netd_op *op;

	plan->ops = xrealloc(plan->ops, (plan->n + 1) * sizeof(*plan->ops));
	op = &plan->ops[plan->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->up = -1;
	snprintf(op->name, sizeof(op->name), "%s", name);
	return op;
}

static void op_set_link(struct netd_plan *plan, const char *name, const char *master, int up)
{
	struct netd_op *op = op_add(plan, NETD_OP_SET_LINK, name);

	if (master) {
		op->set_master = 1;
		snprintf(op->master, sizeof(op->master), "%s", master);
	}
	op->up = up;
}

void netd_plan_clear(struct netd_plan *plan)
{
	free(plan->ops);
	plan->ops = NULL;
	plan->n = 0;
}

static int planned_delete(const struct netd_plan *plan, const char *name)
{
	size_t i;

	for (i = 0; i < plan->n; i++)
		if (plan->ops[i].kind == NETD_OP_DEL_LINK && !strcmp(plan->ops[i].name, name))
			return 1;
	return 0;
}

/* The snapshot's link of that name unless this plan deletes it. */
static const struct nl_link *live_link(const struct nl_snapshot *snap,
				       const struct netd_plan *plan, const char *name)
{
	const struct nl_link *l = nl_snapshot_link(snap, name);

	return l && !planned_delete(plan, name) ? l : NULL;
}

int netd_net_on_host_bridge(const struct netd_net *n)
{
	return n->mode == NETD_MODE_BRIDGED && !strcmp(n->uplink, NETD_HOST_BRIDGE);
}

char *netd_net_bridge(const struct netd_net *n, char *buf)
{
	if (netd_net_on_host_bridge(n)) {
		snprintf(buf, NETD_IFNAME_LEN, "%s", NETD_HOST_BRIDGE);
		return buf;
	}
	return netd_bridge_name(n->id, buf);
}

static const struct netd_net *net_by_id(const struct netd_state *st, uint32_t id)
{
	size_t i;

	for (i = 0; i < st->n_nets; i++)
		if (st->nets[i].id == id)
			return &st->nets[i];
	return NULL;
}

static const struct netd_net *net_of_bridge(const struct netd_state *st, const char *name)
{
	char b[NETD_IFNAME_LEN];
	size_t i;

	for (i = 0; i < st->n_nets; i++)
		if (!strcmp(netd_bridge_name(st->nets[i].id, b), name))
			return &st->nets[i];
	return NULL;
}

static const struct netd_nic *nic_of_tap(const struct netd_state *st, const char *name)
{
	char t[NETD_IFNAME_LEN];
	size_t i;

	for (i = 0; i < st->n_nics; i++)
		if (!strcmp(netd_tap_name(st->nics[i].id, t), name))
			return &st->nics[i];
	return NULL;
}

static int tap_matches(const struct nl_link *l, const struct netd_nic *nic)
{
	return !strcmp(l->kind, "tun") && (l->tun_type == 0 || l->tun_type == IFF_TAP) &&
	       l->tun_owner == (int64_t)nic->owner_uid && l->tun_persist != 0;
}

static int is_bridged_uplink(const struct netd_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->n_nets; i++)
		if (st->nets[i].mode == NETD_MODE_BRIDGED && !strcmp(st->nets[i].uplink, name))
			return 1;
	return 0;
}

/* Make `name` (existing as l, or about to be created when l is NULL) a
 * port of bridge br, up. */
static void plan_port(struct netd_plan *plan, const struct nl_snapshot *snap,
		      const struct nl_link *l, const char *name, const char *br)
{
	const struct nl_link *b = live_link(snap, plan, br);

	if (l && b && l->master == b->ifindex && (l->flags & IFF_UP))
		return;
	op_set_link(plan, name, br, 1);
}

void netd_plan_links(const struct netd_state *st, const struct nl_snapshot *snap, int vlan_ok,
		     struct netd_plan *plan)
{
	char br[NETD_IFNAME_LEN], tap[NETD_IFNAME_LEN];
	size_t i;

	/* stale croft links, and croft names holding the wrong kind of link */
	for (i = 0; i < snap->n_links; i++) {
		const struct nl_link *l = &snap->links[i];
		const struct netd_nic *nic;
		int keep = 0;

		if (!addr_ifname_is_croft(l->name))
			continue;
		if (net_of_bridge(st, l->name))
			keep = !strcmp(l->kind, "bridge");
		else if ((nic = nic_of_tap(st, l->name)))
			keep = tap_matches(l, nic);
		if (!keep)
			op_add(plan, NETD_OP_DEL_LINK, l->name)->ifindex = l->ifindex;
	}
	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];
		int filtering = vlan_ok && n->mode == NETD_MODE_BRIDGED;
		const struct nl_link *l;

		if (netd_net_on_host_bridge(n))
			continue;
		l = live_link(snap, plan, netd_bridge_name(n->id, br));
		if (!l) {
			op_add(plan, NETD_OP_ADD_BRIDGE, br)->flag = filtering;
			op_set_link(plan, br, NULL, 1);
			continue;
		}
		/* -1: the kernel has no VLAN filtering to switch */
		if (l->vlan_filtering >= 0 && l->vlan_filtering != filtering)
			op_add(plan, NETD_OP_SET_FILTERING, br)->flag = filtering;
		if (!(l->flags & IFF_UP))
			op_set_link(plan, br, NULL, 1);
	}
	for (i = 0; i < st->n_nics; i++) {
		const struct netd_nic *c = &st->nics[i];
		const struct nl_link *l = live_link(snap, plan, netd_tap_name(c->id, tap));
		const struct netd_net *n = net_by_id(st, c->net_id);

		if (n)
			netd_net_bridge(n, br);
		else
			netd_bridge_name(c->net_id, br);
		if (!l)
			op_add(plan, NETD_OP_ADD_TAP, tap)->uid = c->owner_uid;
		plan_port(plan, snap, l, tap, br);
	}
	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (n->mode != NETD_MODE_BRIDGED || netd_net_on_host_bridge(n))
			continue;
		plan_port(plan, snap, nl_snapshot_link(snap, n->uplink), n->uplink,
			  netd_bridge_name(n->id, br));
	}
	/* foreign ports of croft bridges that stay (a deleted bridge releases
	 * its ports itself) */
	for (i = 0; i < snap->n_links; i++) {
		const struct nl_link *l = &snap->links[i];
		const struct nl_link *m;

		if (addr_ifname_is_croft(l->name) || !l->master || is_bridged_uplink(st, l->name))
			continue;
		m = nl_snapshot_link_at(snap, l->master);
		if (m && addr_ifname_is_croft(m->name) && !planned_delete(plan, m->name))
			op_set_link(plan, l->name, "", -1);
	}
}

static void plan_addrs(const struct netd_net *n, const struct nl_link *b,
		       const struct nl_snapshot *snap, struct netd_plan *plan)
{
	int want = n->mode != NETD_MODE_BRIDGED, found = 0;
	struct netd_op *op;
	size_t i;

	for (i = 0; i < snap->n_addrs; i++) {
		const struct nl_addr *a = &snap->addrs[i];

		if (a->ifindex != b->ifindex)
			continue;
		if (want && !found && a->addr.s_addr == n->gateway.s_addr && a->prefix == n->prefix) {
			found = 1;
			continue;
		}
		op = op_add(plan, NETD_OP_DEL_ADDR, b->name);
		op->addr = a->addr;
		op->prefix = a->prefix;
	}
	if (want && !found) {
		op = op_add(plan, NETD_OP_ADD_ADDR, b->name);
		op->addr = n->gateway;
		op->prefix = n->prefix;
	}
}

/* Bring a port's VLANs from cur (NULL = none known) to want. */
static void plan_vlan_diff(struct netd_plan *plan, const char *name,
			   const struct nl_vlans *want, const struct nl_vlans *cur)
{
	struct netd_op *op;
	uint16_t vid;

	for (vid = 1; vid < 4095; vid++) {
		int w_pvid, c_has, c_untagged, c_pvid;

		if (!nl_vlans_has(want, vid))
			continue;
		w_pvid = want->pvid == vid;
		c_has = cur && nl_vlans_has(cur, vid);
		c_untagged = cur && nl_vlans_is_untagged(cur, vid);
		c_pvid = cur && cur->pvid == vid;
		if (c_has && c_untagged == nl_vlans_is_untagged(want, vid) && c_pvid == w_pvid)
			continue;
		op = op_add(plan, NETD_OP_ADD_VLAN, name);
		op->vid = vid;
		op->vflags = (uint16_t)((w_pvid ? BRIDGE_VLAN_INFO_PVID : 0) |
					(nl_vlans_is_untagged(want, vid) ? BRIDGE_VLAN_INFO_UNTAGGED : 0));
	}
	if (!cur)
		return;
	for (vid = 1; vid < 4095; vid++) {
		if (nl_vlans_has(cur, vid) && !nl_vlans_has(want, vid))
			op_add(plan, NETD_OP_DEL_VLAN, name)->vid = vid;
	}
}

static void plan_vlans(const struct netd_state *st, const struct netd_net *n,
		       const struct nl_snapshot *snap, struct netd_plan *plan)
{
	char tap[NETD_IFNAME_LEN];
	struct nl_vlans *want = xcalloc(1, sizeof(*want));
	const struct nl_link *l;
	size_t i;

	for (i = 0; i < st->n_nics; i++) {
		const struct netd_nic *c = &st->nics[i];

		if (c->net_id != n->id || !(l = nl_snapshot_link(snap, netd_tap_name(c->id, tap))))
			continue;
		memset(want, 0, sizeof(*want));
		nl_vlans_add(want, c->vlan ? c->vlan : 1, VLAN_PU);
		plan_vlan_diff(plan, tap, want, nl_snapshot_vlans(snap, l->ifindex));
	}
	memset(want, 0, sizeof(*want));
	nl_vlans_add(want, 1, VLAN_PU);
	for (i = 0; i < st->n_nics; i++)
		if (st->nics[i].net_id == n->id && st->nics[i].vlan > 1)
			nl_vlans_add(want, st->nics[i].vlan, 0);
	l = nl_snapshot_link(snap, n->uplink);
	if (l && !netd_net_on_host_bridge(n)) {
		plan_vlan_diff(plan, l->name, want, nl_snapshot_vlans(snap, l->ifindex));
	} else if (l) {
		/* the host bridge's own ports (its NIC) carry the tagged VLANs */
		for (i = 0; i < snap->n_links; i++) {
			const struct nl_link *p = &snap->links[i];

			if (p->master == l->ifindex && !addr_ifname_is_croft(p->name))
				plan_vlan_diff(plan, p->name, want, nl_snapshot_vlans(snap, p->ifindex));
		}
	}
	free(want);
}

void netd_plan_ports(const struct netd_state *st, const struct nl_snapshot *snap, int vlan_ok,
		     struct netd_plan *plan)
{
	char br[NETD_IFNAME_LEN];
	size_t i;

	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];
		const struct nl_link *b = nl_snapshot_link(snap, netd_bridge_name(n->id, br));

		if (netd_net_on_host_bridge(n)) {
			/* the host's addresses are the host's */
			if (vlan_ok)
				plan_vlans(st, n, snap, plan);
			continue;
		}
		if (!b)
			continue;
		plan_addrs(n, b, snap, plan);
		if (n->mode == NETD_MODE_BRIDGED && vlan_ok)
			plan_vlans(st, n, snap, plan);
	}
}

char *netd_op_describe(const struct netd_op *op, char *buf, size_t len)
{
	char a[ADDR_CIDR_STRLEN];

	switch (op->kind) {
	case NETD_OP_DEL_LINK:
		snprintf(buf, len, "delete link %s", op->name);
		break;
	case NETD_OP_ADD_BRIDGE:
		snprintf(buf, len, "create bridge %s%s", op->name,
			 op->flag ? " with VLAN filtering" : "");
		break;
	case NETD_OP_SET_FILTERING:
		snprintf(buf, len, "turn VLAN filtering %s on bridge %s", op->flag ? "on" : "off",
			 op->name);
		break;
	case NETD_OP_ADD_TAP:
		snprintf(buf, len, "create tap %s for uid %u", op->name, (unsigned)op->uid);
		break;
	case NETD_OP_SET_LINK:
		if (op->set_master && op->master[0])
			snprintf(buf, len, "attach %s to %s%s", op->name, op->master,
				 op->up == 1 ? " and bring it up" : "");
		else if (op->set_master)
			snprintf(buf, len, "release %s from its bridge", op->name);
		else
			snprintf(buf, len, "bring %s %s", op->name, op->up ? "up" : "down");
		break;
	case NETD_OP_DEL_ADDR:
		snprintf(buf, len, "remove %s from %s", addr_cidr_str(op->addr, op->prefix, a),
			 op->name);
		break;
	case NETD_OP_ADD_ADDR:
		snprintf(buf, len, "add %s to %s", addr_cidr_str(op->addr, op->prefix, a), op->name);
		break;
	case NETD_OP_ADD_VLAN:
		snprintf(buf, len, "add VLAN %u%s%s to %s", op->vid,
			 op->vflags & BRIDGE_VLAN_INFO_PVID ? " pvid" : "",
			 op->vflags & BRIDGE_VLAN_INFO_UNTAGGED ? " untagged" : " tagged", op->name);
		break;
	case NETD_OP_DEL_VLAN:
		snprintf(buf, len, "remove VLAN %u from %s", op->vid, op->name);
		break;
	}
	return buf;
}
