/*
 * The desired state's own rules, checked without the kernel.  Every field
 * that came from the peer is re-checked here, since netd is the privileged
 * side and croftd's checks are not trusted: strings must be NUL-terminated
 * inside their arrays, ids must give interface names that fit IFNAMSIZ,
 * and the objects must make sense together.  Checks run in a fixed order
 * (networks, then NICs, then forwards) and stop at the first problem, whose
 * message names the object by id and name so a user can find it.
 */
#include "netd/netd_state.h"
#include "common/addr.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* croftbr + 8 digits and croftt + 9 digits are the longest names that fit
 * in IFNAMSIZ - 1 = 15 characters. */
#define NET_ID_MAX 99999999u
#define NIC_ID_MAX 999999999u
#define RATE_MAX_MBIT 100000u

void netd_state_clear(struct netd_state *st)
{
	free(st->nets);
	free(st->nics);
	free(st->fwds);
	memset(st, 0, sizeof(*st));
}

const struct netd_net *netd_state_net(const struct netd_state *st, uint32_t id)
{
	size_t i;

	for (i = 0; i < st->n_nets; i++)
		if (st->nets[i].id == id)
			return &st->nets[i];
	return NULL;
}

static int terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static const char *mode_name(uint32_t mode)
{
	switch (mode) {
	case NETD_MODE_NAT: return "nat";
	case NETD_MODE_HOSTONLY: return "host-only";
	case NETD_MODE_BRIDGED: return "bridged";
	}
	return "?";
}

static int check_uplink(const struct netd_net *n, char *err, size_t errlen)
{
	char why[256];

	if (!terminated(n->uplink, sizeof(n->uplink))) {
		err_set(err, errlen, "network %s: uplink name is not NUL-terminated", n->name);
		return -EINVAL;
	}
	if (n->mode == NETD_MODE_HOSTONLY) {
		if (n->uplink[0]) {
			err_set(err, errlen, "host-only network %s cannot have an uplink (got %s)",
				n->name, n->uplink);
			return -EINVAL;
		}
		return 0;
	}
	if (!n->uplink[0]) {
		err_set(err, errlen, "%s network %s needs an uplink", mode_name(n->mode), n->name);
		return -EINVAL;
	}
	if (addr_uplink_check(n->uplink, why, sizeof(why)) < 0) {
		err_set(err, errlen, "network %s: %s", n->name, why);
		return -EINVAL;
	}
	if (n->mode == NETD_MODE_BRIDGED && !strcmp(n->uplink, "lo")) {
		err_set(err, errlen, "bridged network %s: the loopback interface cannot be an uplink",
			n->name);
		return -EINVAL;
	}
	return 0;
}

/* Subnet, gateway and DHCP range of a nat or host-only network. */
static int check_addressing(const struct netd_net *n, char *err, size_t errlen)
{
	char why[256];

	if (addr_net_check(n, why, sizeof(why)) < 0) {
		err_set(err, errlen, "network %s: %s", n->name, why);
		return -EINVAL;
	}
	return 0;
}

static int check_bridged_unaddressed(const struct netd_net *n, char *err, size_t errlen)
{
	if (n->subnet.s_addr || n->prefix || n->gateway.s_addr || n->dhcp_first.s_addr ||
	    n->dhcp_last.s_addr) {
		err_set(err, errlen, "bridged network %s has a subnet, gateway or DHCP range; "
			"bridged networks get addresses from the LAN", n->name);
		return -EINVAL;
	}
	return 0;
}

static int check_net(const struct netd_net *n, char *err, size_t errlen)
{
	char why[256];

	if (!terminated(n->name, sizeof(n->name))) {
		err_set(err, errlen, "network %u: name is not NUL-terminated", (unsigned)n->id);
		return -EINVAL;
	}
	if (name_check("network", n->name, why, sizeof(why)) < 0) {
		err_set(err, errlen, "network %u: %s", (unsigned)n->id, why);
		return -EINVAL;
	}
	if (n->id == 0) {
		/* croftbr0 is the host's management bridge (croft-install), never a network's */
		err_set(err, errlen, "network %s: id 0 is not a network id", n->name);
		return -EINVAL;
	}
	if (n->id > NET_ID_MAX) {
		err_set(err, errlen, "network %s: id %u is too large (at most %u, so that croftbr<id> fits in an interface name)",
			n->name, (unsigned)n->id, NET_ID_MAX);
		return -EINVAL;
	}
	if (n->mode != NETD_MODE_NAT && n->mode != NETD_MODE_HOSTONLY &&
	    n->mode != NETD_MODE_BRIDGED) {
		err_set(err, errlen, "network %s: unknown mode %u (nat=1, host-only=2, bridged=3)",
			n->name, (unsigned)n->mode);
		return -EINVAL;
	}
	if (check_uplink(n, err, errlen) < 0)
		return -EINVAL;
	if (n->host_access > 1) {
		err_set(err, errlen, "network %s: host_access %u is not 0 or 1", n->name,
			(unsigned)n->host_access);
		return -EINVAL;
	}
	if (n->host_access && n->mode == NETD_MODE_BRIDGED) {
		err_set(err, errlen, "network %s: host_access is for nat and host-only networks; "
			"a bridged network's guests reach the host through the LAN", n->name);
		return -EINVAL;
	}
	if (n->mode == NETD_MODE_BRIDGED)
		return check_bridged_unaddressed(n, err, errlen);
	return check_addressing(n, err, errlen);
}

static int check_nets(const struct netd_state *st, char *err, size_t errlen)
{
	char a[ADDR_CIDR_STRLEN], b[ADDR_CIDR_STRLEN];
	size_t i, j;

	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (check_net(n, err, errlen) < 0)
			return -EINVAL;
		for (j = 0; j < i; j++) {
			const struct netd_net *o = &st->nets[j];

			if (o->id == n->id) {
				err_set(err, errlen, "network id %u appears twice (%s and %s)",
					(unsigned)n->id, o->name, n->name);
				return -EINVAL;
			}
			if (!strcmp(o->name, n->name)) {
				err_set(err, errlen, "two networks are named %s (ids %u and %u)",
					n->name, (unsigned)o->id, (unsigned)n->id);
				return -EINVAL;
			}
			if (n->mode != NETD_MODE_BRIDGED && o->mode != NETD_MODE_BRIDGED &&
			    addr_overlap(n->subnet, n->prefix, o->subnet, o->prefix)) {
				err_set(err, errlen, "subnet %s of network %s overlaps subnet %s of network %s",
					addr_cidr_str(n->subnet, n->prefix, a), n->name,
					addr_cidr_str(o->subnet, o->prefix, b), o->name);
				return -EINVAL;
			}
		}
	}
	/* An uplink enslaved to a bridged network is no longer usable by anyone
	 * else: neither a second bridge nor a nat masquerade (traffic would
	 * leave through the bridge, not the NIC). */
	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *br = &st->nets[i];

		if (br->mode != NETD_MODE_BRIDGED)
			continue;
		for (j = 0; j < st->n_nets; j++) {
			const struct netd_net *o = &st->nets[j];

			if (j == i || strcmp(o->uplink, br->uplink))
				continue;
			if (o->mode == NETD_MODE_BRIDGED)
				err_set(err, errlen, "bridged networks %s and %s both use uplink %s",
					j < i ? o->name : br->name, j < i ? br->name : o->name, br->uplink);
			else
				err_set(err, errlen, "nat network %s uses uplink %s, which bridged network %s enslaves",
					o->name, br->uplink, br->name);
			return -EINVAL;
		}
	}
	return 0;
}

static const struct netd_net *find_net(const struct netd_state *st, uint32_t id)
{
	return netd_state_net(st, id);
}

/* A NIC's own fields, given its (known) network. */
static int check_nic(const struct netd_nic *c, const struct netd_net *n, char *err, size_t errlen)
{
	char why[256];

	if (addr_mac_check(c->mac, why, sizeof(why)) < 0) {
		err_set(err, errlen, "NIC %u (%s): %s", (unsigned)c->id, c->vm, why);
		return -EINVAL;
	}
	if (c->vlan && (c->vlan < 1 || c->vlan > 4094)) {
		err_set(err, errlen, "NIC %u (%s): VLAN %u is outside 1..4094", (unsigned)c->id,
			c->vm, (unsigned)c->vlan);
		return -EINVAL;
	}
	if (c->vlan && n->mode != NETD_MODE_BRIDGED) {
		err_set(err, errlen, "NIC %u (%s): VLAN %u on %s network %s; VLANs are only for bridged networks",
			(unsigned)c->id, c->vm, (unsigned)c->vlan, mode_name(n->mode), n->name);
		return -EINVAL;
	}
	if (c->rate_mbit > RATE_MAX_MBIT) {
		err_set(err, errlen, "NIC %u (%s): rate %u Mbit is above the limit of %u",
			(unsigned)c->id, c->vm, (unsigned)c->rate_mbit, RATE_MAX_MBIT);
		return -EINVAL;
	}
	if (c->owner_uid == (uint32_t)-1) {
		err_set(err, errlen, "NIC %u (%s): owner uid %u is not a user", (unsigned)c->id,
			c->vm, (unsigned)c->owner_uid);
		return -EINVAL;
	}
	if (!c->ip.s_addr)
		return 0;
	if ((n->mode == NETD_MODE_BRIDGED ? addr_guest_check(c->ip, why, sizeof(why))
					   : addr_host_check(n, c->ip, why, sizeof(why))) < 0) {
		err_set(err, errlen, "NIC %u (%s): %s", (unsigned)c->id, c->vm, why);
		return -EINVAL;
	}
	return 0;
}

static int check_nics(const struct netd_state *st, char *err, size_t errlen)
{
	char why[256], m[ADDR_MAC_STRLEN], a[ADDR_STRLEN];
	size_t i, j;

	for (i = 0; i < st->n_nics; i++) {
		const struct netd_nic *c = &st->nics[i];
		const struct netd_net *n;

		if (!terminated(c->vm, sizeof(c->vm))) {
			err_set(err, errlen, "NIC %u: VM name is not NUL-terminated", (unsigned)c->id);
			return -EINVAL;
		}
		if (name_check("VM", c->vm, why, sizeof(why)) < 0) {
			err_set(err, errlen, "NIC %u: %s", (unsigned)c->id, why);
			return -EINVAL;
		}
		if (c->id > NIC_ID_MAX) {
			err_set(err, errlen, "NIC %u (%s): id is too large (at most %u, so that croftt<id> fits in an interface name)",
				(unsigned)c->id, c->vm, NIC_ID_MAX);
			return -EINVAL;
		}
		n = find_net(st, c->net_id);
		if (!n) {
			err_set(err, errlen, "NIC %u (%s): network %u does not exist", (unsigned)c->id,
				c->vm, (unsigned)c->net_id);
			return -EINVAL;
		}
		if (check_nic(c, n, err, errlen) < 0)
			return -EINVAL;
		for (j = 0; j < i; j++) {
			const struct netd_nic *o = &st->nics[j];

			if (o->id == c->id) {
				err_set(err, errlen, "NIC id %u appears twice (VMs %s and %s)",
					(unsigned)c->id, o->vm, c->vm);
				return -EINVAL;
			}
			if (!memcmp(o->mac, c->mac, 6)) {
				err_set(err, errlen, "NIC %u (%s) and NIC %u (%s) have the same MAC %s",
					(unsigned)o->id, o->vm, (unsigned)c->id, c->vm, addr_mac_str(c->mac, m));
				return -EINVAL;
			}
			if (c->ip.s_addr && o->ip.s_addr == c->ip.s_addr && o->net_id == c->net_id) {
				err_set(err, errlen, "NIC %u (%s) and NIC %u (%s) both have IP %s on network %s",
					(unsigned)o->id, o->vm, (unsigned)c->id, c->vm,
					addr_str(c->ip, a), n->name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static const char *proto_name(uint32_t proto)
{
	return proto == NETD_L4_TCP ? "tcp" : proto == NETD_L4_UDP ? "udp" : "?";
}

static int check_fwds(const struct netd_state *st, char *err, size_t errlen)
{
	char why[256];
	size_t i, j;

	for (i = 0; i < st->n_fwds; i++) {
		const struct netd_fwd *f = &st->fwds[i];
		const struct netd_net *n;

		if (f->proto != NETD_L4_TCP && f->proto != NETD_L4_UDP) {
			err_set(err, errlen, "forward %u: unknown protocol %u (tcp=6, udp=17)",
				(unsigned)f->id, (unsigned)f->proto);
			return -EINVAL;
		}
		n = find_net(st, f->net_id);
		if (!n) {
			err_set(err, errlen, "forward %u (%s %u): network %u does not exist",
				(unsigned)f->id, proto_name(f->proto), f->host_port, (unsigned)f->net_id);
			return -EINVAL;
		}
		if (n->mode != NETD_MODE_NAT) {
			err_set(err, errlen, "forward %u (%s %u): network %s is %s; port forwards need a nat network",
				(unsigned)f->id, proto_name(f->proto), f->host_port, n->name,
				mode_name(n->mode));
			return -EINVAL;
		}
		if (!f->host_port || !f->guest_port) {
			err_set(err, errlen, "forward %u (%s %u): port 0 is not in 1..65535",
				(unsigned)f->id, proto_name(f->proto), f->host_port);
			return -EINVAL;
		}
		if (addr_host_check(n, f->guest_ip, why, sizeof(why)) < 0) {
			err_set(err, errlen, "forward %u (%s %u): guest %s", (unsigned)f->id,
				proto_name(f->proto), f->host_port, why);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			const struct netd_fwd *o = &st->fwds[j];

			if (o->id == f->id) {
				err_set(err, errlen, "forward id %u appears twice", (unsigned)f->id);
				return -EINVAL;
			}
			if (o->proto == f->proto && o->host_port == f->host_port) {
				err_set(err, errlen, "%s port %u is forwarded twice (forwards %u and %u)",
					proto_name(f->proto), f->host_port, (unsigned)o->id, (unsigned)f->id);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int netd_state_validate(const struct netd_state *st, char *err, size_t errlen)
{
	if (st->n_nets > NETD_MAX_NETS || st->n_nics > NETD_MAX_NICS ||
	    st->n_fwds > NETD_MAX_FWDS) {
		err_set(err, errlen, "state too large (%zu networks, %zu NICs, %zu forwards; at most %d, %d, %d)",
			st->n_nets, st->n_nics, st->n_fwds, NETD_MAX_NETS, NETD_MAX_NICS,
			NETD_MAX_FWDS);
		return -EINVAL;
	}
	if (check_nets(st, err, errlen) < 0 || check_nics(st, err, errlen) < 0 ||
	    check_fwds(st, err, errlen) < 0)
		return -EINVAL;
	return 0;
}
