/*
 * Host checks over a kernel snapshot.  A route clashes when it is a
 * unicast route (any table but "local", which only mirrors addresses) with
 * a non-zero prefix through a non-croft link and shares an address with
 * the subnet; an address clashes when its own network does.  Default
 * routes cover everything and are never a clash.
 */
#include "netd/netd_check.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

/* The link's name, or "ifN" for an index the snapshot does not know. */
static const char *link_name(const struct nl_snapshot *snap, int ifindex, char *buf)
{
	const struct nl_link *l = nl_snapshot_link_at(snap, ifindex);

	if (l)
		return l->name;
	snprintf(buf, NETD_IFNAME_LEN, "if%d", ifindex);
	return buf;
}

static int check_subnet(const struct netd_net *n, const struct nl_snapshot *snap,
			char *err, size_t errlen)
{
	char s[ADDR_CIDR_STRLEN], o[ADDR_CIDR_STRLEN], ifb[NETD_IFNAME_LEN];
	const char *ifname;
	size_t i;

	addr_cidr_str(n->subnet, n->prefix, s);
	for (i = 0; i < snap->n_routes; i++) {
		const struct nl_route *r = &snap->routes[i];

		if (r->type != RTN_UNICAST || r->table == RT_TABLE_LOCAL || r->prefix == 0 ||
		    r->oif <= 0)
			continue;
		ifname = link_name(snap, r->oif, ifb);
		if (addr_ifname_is_croft(ifname) ||
		    !addr_overlap(n->subnet, n->prefix, r->dst, r->prefix))
			continue;
		err_set(err, errlen, "subnet %s overlaps the route %s on %s", s,
			addr_cidr_str(r->dst, r->prefix, o), ifname);
		return -EADDRINUSE;
	}
	for (i = 0; i < snap->n_addrs; i++) {
		const struct nl_addr *a = &snap->addrs[i];

		ifname = link_name(snap, a->ifindex, ifb);
		if (addr_ifname_is_croft(ifname) ||
		    !addr_overlap(n->subnet, n->prefix, a->addr, a->prefix))
			continue;
		err_set(err, errlen, "subnet %s overlaps the address %s on %s", s,
			addr_cidr_str(a->addr, a->prefix, o), ifname);
		return -EADDRINUSE;
	}
	return 0;
}

static int check_bridged_uplink(const struct netd_net *n, const struct nl_link *up,
				const struct nl_snapshot *snap, int strict,
				char *err, size_t errlen)
{
	char bridge[NETD_IFNAME_LEN], list[256], c[ADDR_CIDR_STRLEN];
	size_t i, used = 0, count = 0;

	if (!strcmp(up->kind, "bridge") && !strcmp(up->name, NETD_HOST_BRIDGE))
		return 0;   /* the host's management bridge: the taps join it */
	if (!strcmp(up->kind, "bridge")) {
		err_set(err, errlen, "uplink %s is a bridge; bridged mode needs a NIC to enslave (a bridge cannot be enslaved to another), or the host bridge " NETD_HOST_BRIDGE,
			up->name);
		return -EINVAL;
	}
	if (up->master) {
		char ifb[NETD_IFNAME_LEN];
		const char *m = link_name(snap, up->master, ifb);

		netd_bridge_name(n->id, bridge);
		if (!addr_ifname_is_croft(m)) {
			err_set(err, errlen, "uplink %s is enslaved to %s; bridged mode needs a NIC that no other bridge or bond uses",
				up->name, m);
			return -EBUSY;
		}
		if (strict && strcmp(m, bridge)) {
			err_set(err, errlen, "uplink %s is already enslaved to %s (another croft network)",
				up->name, m);
			return -EBUSY;
		}
	}
	list[0] = '\0';
	for (i = 0; i < snap->n_addrs; i++) {
		const struct nl_addr *a = &snap->addrs[i];

		if (a->ifindex != up->ifindex)
			continue;
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 count ? ", " : "",
						 addr_cidr_str(a->addr, a->prefix, c));
		count++;
	}
	if (count) {
		err_set(err, errlen, "uplink %s has addresses (%s); bridged mode needs a NIC without addresses",
			up->name, list);
		return -EBUSY;
	}
	return 0;
}

int netd_check_net(const struct netd_net *net, const struct nl_snapshot *snap, int strict,
		   char *err, size_t errlen)
{
	const struct nl_link *up = NULL;

	if (net->uplink[0]) {
		up = nl_snapshot_link(snap, net->uplink);
		if (!up) {
			err_set(err, errlen, "uplink %s of network %s does not exist", net->uplink,
				net->name);
			return -ENODEV;
		}
	}
	if (net->mode == NETD_MODE_BRIDGED)
		return up ? check_bridged_uplink(net, up, snap, strict, err, errlen) : 0;
	if (up && up->master) {
		char ifb[NETD_IFNAME_LEN];
		const char *m = link_name(snap, up->master, ifb);

		/* Traffic leaves through the master, not the enslaved NIC; a croft
		 * master is fine in a COMMIT, which releases it. */
		if (!addr_ifname_is_croft(m) || strict) {
			err_set(err, errlen, "uplink %s of network %s is enslaved to %s; %s",
				up->name, net->name, m,
				addr_ifname_is_croft(m) ? "a bridged croft network uses it"
					    : "use the master as the uplink");
			return -EBUSY;
		}
	}
	return check_subnet(net, snap, err, errlen);
}

int netd_check_state(const struct netd_state *st, const struct nl_snapshot *snap,
		     char *err, size_t errlen)
{
	size_t i;
	int rc;

	for (i = 0; i < st->n_nets; i++) {
		rc = netd_check_net(&st->nets[i], snap, 0, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int netd_default_uplink(const struct nl_snapshot *snap, char name[NETD_IFNAME_LEN],
			char *err, size_t errlen)
{
	const struct nl_route *best = NULL;
	const struct nl_link *l;
	size_t i;

	for (i = 0; i < snap->n_routes; i++) {
		const struct nl_route *r = &snap->routes[i];

		if (r->table != RT_TABLE_MAIN || r->prefix != 0 || r->type != RTN_UNICAST ||
		    r->oif <= 0)
			continue;
		if (!best || r->priority < best->priority)
			best = r;
	}
	if (!best) {
		err_set(err, errlen, "no IPv4 default route");
		return -ENOENT;
	}
	l = nl_snapshot_link_at(snap, best->oif);
	if (!l) {
		err_set(err, errlen, "the IPv4 default route uses interface %d, which is gone",
			best->oif);
		return -ENOENT;
	}
	snprintf(name, NETD_IFNAME_LEN, "%s", l->name);
	return 0;
}

int netd_check_vlans(const struct netd_state *st, int vlan_ok, char *err, size_t errlen)
{
	size_t i;

	if (vlan_ok)
		return 0;
	for (i = 0; i < st->n_nics; i++) {
		const struct netd_nic *c = &st->nics[i];

		if (!c->vlan)
			continue;
		err_set(err, errlen, "NIC %u (%s): VLAN %u needs bridge VLAN filtering, which this kernel lacks (CONFIG_BRIDGE_VLAN_FILTERING)",
			(unsigned)c->id, c->vm, (unsigned)c->vlan);
		return -EOPNOTSUPP;
	}
	return 0;
}
