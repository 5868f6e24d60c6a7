/*
 * The ruleset croft installs, derived from a desired state.  The walk is
 * chain-major: each chain's rules come from one pass over the state, so a
 * rule's position depends only on the order of the state's arrays.
 *
 *   inet croft      prerouting, output   one DNAT rule per port forward
 *                   postrouting          per nat network: masquerade out of
 *                                        the uplink, hairpin for forwards,
 *                                        forwards used from 127.0.0.1
 *                   forward              per nat/host-only bridge: accept
 *                                        within it, nat out to the uplink,
 *                                        drop the rest it sends; then nat
 *                                        replies and forwards in; then drop
 *                                        the rest towards every such bridge
 *                   input                what guests may reach on the host;
 *                                        per nat bridge: nothing to or from
 *                                        127.0.0.0/8 (route_localnet is on)
 *   bridge croft    prerouting           per NIC: anti-spoofing, guards, rate
 *                   postrouting          per NIC with a rate: rate limit
 *
 * The input and bridge chains, about what guests send, are in nft_guest.c;
 * building one rule is nft_rule.c's.
 *
 * Every chain has policy accept, so traffic that is not croft's passes
 * untouched.
 */
#include "netd/nft_model.h"
#include "netd/nft_walk.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct nft_chain_def nft_chains[NFT_CH_COUNT] = {
	[NFT_CH_INET_PREROUTING] = { NFPROTO_INET, "prerouting", "nat", "prerouting",
		NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST, "port forwards from outside" },
	[NFT_CH_INET_OUTPUT] = { NFPROTO_INET, "output", "nat", "output",
		NF_INET_LOCAL_OUT, NF_IP_PRI_NAT_DST, "port forwards from the host itself" },
	[NFT_CH_INET_POSTROUTING] = { NFPROTO_INET, "postrouting", "nat", "postrouting",
		NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC, "masquerade of nat networks" },
	[NFT_CH_INET_FORWARD] = { NFPROTO_INET, "forward", "filter", "forward",
		NF_INET_FORWARD, NF_IP_PRI_FILTER, "isolation: a network reaches only its uplink" },
	[NFT_CH_INET_INPUT] = { NFPROTO_INET, "input", "filter", "input",
		NF_INET_LOCAL_IN, NF_IP_PRI_FILTER, "what guests may reach on the host (never its loopback)" },
	[NFT_CH_BRIDGE_PREROUTING] = { NFPROTO_BRIDGE, "prerouting", "filter", "prerouting",
		NF_BR_PRE_ROUTING, NF_BR_PRI_FILTER_BRIDGED, "anti-spoofing, guards and rate limits from guests" },
	[NFT_CH_BRIDGE_POSTROUTING] = { NFPROTO_BRIDGE, "postrouting", "filter", "postrouting",
		NF_BR_POST_ROUTING, NF_BR_PRI_FILTER_BRIDGED, "rate limits towards guests" },
};

const uint8_t nft_families[2] = { NFPROTO_INET, NFPROTO_BRIDGE };

const char *nft_family_name(uint8_t family)
{
	switch (family) {
	case NFPROTO_INET:   return "inet";
	case NFPROTO_BRIDGE: return "bridge";
	case NFPROTO_IPV4:   return "ip";
	case NFPROTO_IPV6:   return "ip6";
	case NFPROTO_ARP:    return "arp";
	case NFPROTO_NETDEV: return "netdev";
	}
	return "?";
}

/* ---- the chains --------------------------------------------------------- */

static const char *l4_name(uint32_t proto)
{
	return proto == NETD_L4_UDP ? "udp" : "tcp";
}

/* The VM a forward points at, for the comment; NULL when no NIC of the
 * network holds that address. */
static const char *fwd_vm(const struct netd_state *st, const struct netd_fwd *f)
{
	size_t i;

	for (i = 0; i < st->n_nics; i++)
		if (st->nics[i].net_id == f->net_id && st->nics[i].ip.s_addr == f->guest_ip.s_addr)
			return st->nics[i].vm;
	return NULL;
}

static int walk_forwards(struct nft_walk *w, enum nft_chain_id chain)
{
	const struct netd_state *st = w->st;
	struct nft_rule_def r;
	char ip[INET_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < st->n_fwds; i++) {
		const struct netd_fwd *f = &st->fwds[i];
		const char *vm = fwd_vm(st, f);

		nft_rule_init(&r, chain, NFT_ACT_DNAT);
		nft_rule_add(&r, NFT_MATCH_FIB_LOCAL);
		nft_rule_add(&r, NFT_MATCH_NFPROTO_IPV4);
		nft_add_value(&r, NFT_MATCH_L4PROTO, f->proto);
		nft_add_value(&r, NFT_MATCH_TH_DPORT, f->host_port);
		r.dnat_addr = f->guest_ip;
		r.dnat_port = f->guest_port;
		addr_str(f->guest_ip, ip);
		nft_emit(w, &r, "forward %s %u -> %s:%u", l4_name(f->proto),
		     (unsigned)f->host_port, vm ? vm : ip, (unsigned)f->guest_port);
	}
	return w->rc;
}

static int walk_postrouting(struct nft_walk *w, enum nft_chain_id id)
{
	const struct netd_state *st = w->st;
	struct nft_rule_def r;
	char br[NETD_IFNAME_LEN];
	size_t i;

	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (n->mode != NETD_MODE_NAT)
			continue;
		nft_rule_init(&r, id, NFT_ACT_MASQUERADE);
		nft_rule_add(&r, NFT_MATCH_NFPROTO_IPV4);
		nft_add_ip(&r, NFT_MATCH_IP_SADDR, 0, n->subnet, n->prefix);
		nft_add_ip(&r, NFT_MATCH_IP_DADDR, 1, n->subnet, n->prefix);
		nft_add_ifname(&r, NFT_MATCH_OIFNAME, n->uplink);
		nft_emit(w, &r, "nat %s: masquerade out of %s", n->name, n->uplink);

		nft_rule_init(&r, id, NFT_ACT_MASQUERADE);
		nft_rule_add(&r, NFT_MATCH_NFPROTO_IPV4);
		nft_add_ip(&r, NFT_MATCH_IP_SADDR, 0, n->subnet, n->prefix);
		nft_add_ip(&r, NFT_MATCH_IP_DADDR, 0, n->subnet, n->prefix);
		nft_rule_add(&r, NFT_MATCH_CT_DNAT);
		nft_emit(w, &r, "nat %s: hairpin for forwards used from inside", n->name);

		/* the host's own 127.0.0.1:port, DNATed in output: the guest
		 * must see an address it can answer (route_localnet on the
		 * bridge lets the packet out at all; nft_walk_input guards it) */
		netd_bridge_name(n->id, br);
		nft_rule_init(&r, id, NFT_ACT_MASQUERADE);
		nft_rule_add(&r, NFT_MATCH_NFPROTO_IPV4);
		nft_add_ip(&r, NFT_MATCH_IP_SADDR, 0, nft_loopback_net(), 8);
		nft_add_ifname(&r, NFT_MATCH_OIFNAME, br);
		nft_rule_add(&r, NFT_MATCH_CT_DNAT);
		nft_emit(w, &r, "nat %s: forwards used from the host's loopback", n->name);
	}
	return w->rc;
}

const char *nft_mode_word(const struct netd_net *n)
{
	return n->mode == NETD_MODE_NAT ? "nat" : "host-only";
}

/* Networks croft routes for: nat and host-only (bridged ones are the LAN's). */
int nft_routed_net(const struct netd_net *n)
{
	return n->mode == NETD_MODE_NAT || n->mode == NETD_MODE_HOSTONLY;
}

/*
 * Order matters: everything a network may send is accepted, then the rest
 * of what it sends is dropped, before anything is accepted towards a
 * network.  So a guest of one network can never reach another network,
 * not even through the host's address and a port forward.
 */
static int walk_forward(struct nft_walk *w, enum nft_chain_id id)
{
	const struct netd_state *st = w->st;
	struct nft_rule_def r;
	char br[NETD_IFNAME_LEN];
	size_t i;

	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (!nft_routed_net(n))
			continue;
		netd_bridge_name(n->id, br);

		/* Frames switched within the bridge reach this chain when
		 * br_netfilter is loaded (Docker loads it); routed hairpin
		 * traffic (a forward used from inside) too. */
		nft_rule_init(&r, id, NFT_ACT_ACCEPT);
		nft_add_ifname(&r, NFT_MATCH_IIFNAME, br);
		nft_add_ifname(&r, NFT_MATCH_OIFNAME, br);
		nft_emit(w, &r, "%s %s: within the network", nft_mode_word(n), n->name);

		if (n->mode == NETD_MODE_NAT) {
			nft_rule_init(&r, id, NFT_ACT_ACCEPT);
			nft_add_ifname(&r, NFT_MATCH_IIFNAME, br);
			nft_rule_add(&r, NFT_MATCH_NFPROTO_IPV4);
			nft_add_ip(&r, NFT_MATCH_IP_SADDR, 0, n->subnet, n->prefix);
			nft_add_ifname(&r, NFT_MATCH_OIFNAME, n->uplink);
			nft_emit(w, &r, "nat %s: guests out to %s", n->name, n->uplink);
		}

		nft_rule_init(&r, id, NFT_ACT_DROP);
		nft_add_ifname(&r, NFT_MATCH_IIFNAME, br);
		nft_emit(w, &r, "isolate %s: nothing else leaves %s", n->name, br);
	}
	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (n->mode != NETD_MODE_NAT)
			continue;
		netd_bridge_name(n->id, br);

		nft_rule_init(&r, id, NFT_ACT_ACCEPT);
		nft_add_ifname(&r, NFT_MATCH_OIFNAME, br);
		nft_rule_add(&r, NFT_MATCH_CT_REPLY);
		nft_emit(w, &r, "nat %s: replies to guests", n->name);

		nft_rule_init(&r, id, NFT_ACT_ACCEPT);
		nft_add_ifname(&r, NFT_MATCH_OIFNAME, br);
		nft_rule_add(&r, NFT_MATCH_CT_DNAT);
		nft_emit(w, &r, "nat %s: port forwards in", n->name);
	}
	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (!nft_routed_net(n))
			continue;
		netd_bridge_name(n->id, br);

		nft_rule_init(&r, id, NFT_ACT_DROP);
		nft_add_ifname(&r, NFT_MATCH_OIFNAME, br);
		nft_emit(w, &r, "isolate %s: nothing else enters %s", n->name, br);
	}
	return w->rc;
}

/* Table-driven: each chain's rules come from one function (none: empty). */
static int (*const chain_walkers[NFT_CH_COUNT])(struct nft_walk *w, enum nft_chain_id id) = {
	[NFT_CH_INET_PREROUTING] = walk_forwards,
	[NFT_CH_INET_OUTPUT] = walk_forwards,
	[NFT_CH_INET_POSTROUTING] = walk_postrouting,
	[NFT_CH_INET_FORWARD] = walk_forward,
	[NFT_CH_INET_INPUT] = nft_walk_input,
	[NFT_CH_BRIDGE_PREROUTING] = nft_walk_bridge_in,
	[NFT_CH_BRIDGE_POSTROUTING] = nft_walk_bridge_out,
};

/* ---- checks the validator need not know about ------------------------- */

/* An uplink goes into a quoted nft string and a 16-byte compare: no
 * quotes, blanks, slashes or '*' (nft's wildcard). */
static int uplink_ok(const char *s)
{
	size_t i, n = strnlen(s, NETD_IFNAME_LEN);

	if (n == 0 || n >= NETD_IFNAME_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] > 0x7e || strchr("\"\\/*", s[i]))
			return 0;
	return 1;
}

static int model_check(const struct netd_state *st, char *err, size_t errlen)
{
	char tap[NETD_IFNAME_LEN];
	size_t i;

	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (n->mode != NETD_MODE_NAT)
			continue;
		if (!n->uplink[0]) {
			err_set(err, errlen, "nat network %.*s has no uplink to masquerade to",
				NETD_NAME_LEN, n->name);
			return -EINVAL;
		}
		if (!uplink_ok(n->uplink)) {
			err_set(err, errlen, "nat network %.*s: uplink \"%.*s\" is not a usable interface name",
				NETD_NAME_LEN, n->name, NETD_IFNAME_LEN, n->uplink);
			return -EINVAL;
		}
		if (n->prefix < 1 || n->prefix > 32) {
			err_set(err, errlen, "nat network %.*s: prefix /%u out of range",
				NETD_NAME_LEN, n->name, (unsigned)n->prefix);
			return -EINVAL;
		}
	}
	for (i = 0; i < st->n_nics; i++) {
		if (st->nics[i].rate_mbit > NFT_RATE_MAX_MBIT) {
			err_set(err, errlen, "NIC %s: rate %u Mbit/s is above the limit of %u Mbit/s",
				netd_tap_name(st->nics[i].id, tap), (unsigned)st->nics[i].rate_mbit,
				NFT_RATE_MAX_MBIT);
			return -EINVAL;
		}
	}
	return 0;
}

int nft_model_walk(const struct netd_state *st, const struct nft_visitor *v, void *ctx,
		   char *err, size_t errlen)
{
	struct nft_walk w = { st, v, ctx, err, errlen, 0 };
	int populated = st->n_nets > 0;
	size_t f;
	int id, rc;

	if ((rc = model_check(st, err, errlen)) < 0)
		return rc;
	for (f = 0; f < sizeof(nft_families); f++) {
		if (v->table_begin && (rc = v->table_begin(ctx, nft_families[f], populated, err, errlen)) < 0)
			return rc;
		for (id = 0; populated && id < NFT_CH_COUNT; id++) {
			const struct nft_chain_def *c = &nft_chains[id];

			if (c->family != nft_families[f])
				continue;
			if (v->chain_begin && (rc = v->chain_begin(ctx, c, err, errlen)) < 0)
				return rc;
			if (chain_walkers[id] && (rc = chain_walkers[id](&w, (enum nft_chain_id)id)) < 0)
				return rc;
			if (v->chain_end && (rc = v->chain_end(ctx, c, err, errlen)) < 0)
				return rc;
		}
		if (v->table_end && (rc = v->table_end(ctx, nft_families[f], populated, err, errlen)) < 0)
			return rc;
	}
	return 0;
}
