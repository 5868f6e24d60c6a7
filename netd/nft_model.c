/*
 * The ruleset croft installs, derived from a desired state.  The walk is
 * chain-major: each chain's rules come from one pass over the state, so a
 * rule's position depends only on the order of the state's arrays.
 *
 *   inet croft      prerouting, output   one DNAT rule per port forward
 *                   postrouting          per nat network: masquerade out of
 *                                        the uplink, hairpin for forwards
 *                   forward              per nat/host-only bridge: accept
 *                                        within it, nat out to the uplink,
 *                                        drop the rest it sends; then nat
 *                                        replies and forwards in; then drop
 *                                        the rest towards every such bridge
 *                   input                per nat/host-only network without
 *                                        host access: replies, DHCP, DNS (nat),
 *                                        ping and neighbour discovery from its
 *                                        bridge; drop the rest it sends
 *   bridge croft    prerouting           per NIC: source MAC, no VLAN tags,
 *                                        ARP sender MAC, source IP and ARP
 *                                        sender IP (when known), no router
 *                                        advertisements, redirects or DHCP /
 *                                        DHCPv6 server replies, IPv6 source
 *                                        (link-local from the MAC, or ::) and
 *                                        neighbour advertisement target,
 *                                        rate limit
 *                   postrouting          per NIC with a rate: rate limit
 *
 * Every chain has policy accept, so traffic that is not croft's passes
 * untouched.
 */
#include "netd/nft_model.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <stdarg.h>
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
		NF_INET_LOCAL_IN, NF_IP_PRI_FILTER, "what guests may reach on the host" },
	[NFT_CH_BRIDGE_PREROUTING] = { NFPROTO_BRIDGE, "prerouting", "filter", "prerouting",
		NF_BR_PRE_ROUTING, NF_BR_PRI_FILTER_BRIDGED, "anti-spoofing and rate limits from guests" },
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

/* rc is the first failure of the visitor; once set, no rule is visited. */
struct walk {
	const struct netd_state *st;
	const struct nft_visitor *v;
	void *ctx;
	char *err;
	size_t errlen;
	int rc;
};

/* ---- building one rule ------------------------------------------------ */

static void rule_init(struct nft_rule_def *r, enum nft_chain_id chain, enum nft_action act)
{
	memset(r, 0, sizeof(*r));
	r->chain = chain;
	r->action = act;
}

static struct nft_match *rule_add(struct nft_rule_def *r, enum nft_match_kind kind)
{
	struct nft_match *m;

	/* The walk below never builds a longer rule; this is a programming
	 * error, not bad input. */
	if (r->n_match >= NFT_RULE_MAX_MATCHES)
		abort();
	m = &r->match[r->n_match++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	return m;
}

static void add_ifname(struct nft_rule_def *r, enum nft_match_kind kind, const char *name)
{
	struct nft_match *m = rule_add(r, kind);

	snprintf(m->ifname, sizeof(m->ifname), "%s", name);
}

static void add_ip(struct nft_rule_def *r, enum nft_match_kind kind, int neg,
		   struct in_addr a, uint32_t prefix)
{
	struct nft_match *m = rule_add(r, kind);

	m->neg = (uint8_t)neg;
	m->prefix = (uint8_t)prefix;
	m->addr.s_addr = a.s_addr & htonl(addr_mask(prefix));
}

static void add_value(struct nft_rule_def *r, enum nft_match_kind kind, uint32_t value)
{
	rule_add(r, kind)->value = value;
}

static void add_mac(struct nft_rule_def *r, enum nft_match_kind kind, const uint8_t mac[6])
{
	struct nft_match *m = rule_add(r, kind);

	m->neg = 1;
	memcpy(m->mac, mac, 6);
}

static void add_ip6(struct nft_rule_def *r, enum nft_match_kind kind, int neg,
		    const struct in6_addr *a)
{
	struct nft_match *m = rule_add(r, kind);

	m->neg = (uint8_t)neg;
	m->prefix = 128;
	m->addr6 = *a;
}

/* meta l4proto proto + KIND value: an ICMP type or a port. */
static void add_l4(struct nft_rule_def *r, uint32_t proto, enum nft_match_kind kind,
		   uint32_t value)
{
	add_value(r, NFT_MATCH_L4PROTO, proto);
	add_value(r, kind, value);
}

static void add_limit(struct nft_rule_def *r, uint32_t mbit)
{
	struct nft_match *m = rule_add(r, NFT_MATCH_LIMIT_OVER);
	uint64_t burst;

	m->rate = (uint64_t)mbit * 125000u;
	burst = m->rate / 10;
	m->burst = (uint32_t)(burst < NFT_BURST_MIN_BYTES ? NFT_BURST_MIN_BYTES : burst);
}

/* Give r its comment and visit it.  Comments end up inside double quotes
 * in nft's listing: they are kept to printable ASCII without quotes or
 * backslashes. */
static void emit(struct walk *w, struct nft_rule_def *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void emit(struct walk *w, struct nft_rule_def *r, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int rc;

	va_start(ap, fmt);
	vsnprintf(r->comment, sizeof(r->comment), fmt, ap);
	va_end(ap);
	for (p = r->comment; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
			*p = '_';
	if (w->rc == 0 && w->v->rule && (rc = w->v->rule(w->ctx, r, w->err, w->errlen)) < 0)
		w->rc = rc;
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

static int walk_forwards(struct walk *w, enum nft_chain_id chain)
{
	const struct netd_state *st = w->st;
	struct nft_rule_def r;
	char ip[INET_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < st->n_fwds; i++) {
		const struct netd_fwd *f = &st->fwds[i];
		const char *vm = fwd_vm(st, f);

		rule_init(&r, chain, NFT_ACT_DNAT);
		rule_add(&r, NFT_MATCH_FIB_LOCAL);
		rule_add(&r, NFT_MATCH_NFPROTO_IPV4);
		add_value(&r, NFT_MATCH_L4PROTO, f->proto);
		add_value(&r, NFT_MATCH_TH_DPORT, f->host_port);
		r.dnat_addr = f->guest_ip;
		r.dnat_port = f->guest_port;
		addr_str(f->guest_ip, ip);
		emit(w, &r, "forward %s %u -> %s:%u", l4_name(f->proto),
		     (unsigned)f->host_port, vm ? vm : ip, (unsigned)f->guest_port);
	}
	return w->rc;
}

static int walk_postrouting(struct walk *w, enum nft_chain_id id)
{
	const struct netd_state *st = w->st;
	struct nft_rule_def r;
	size_t i;

	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (n->mode != NETD_MODE_NAT)
			continue;
		rule_init(&r, id, NFT_ACT_MASQUERADE);
		rule_add(&r, NFT_MATCH_NFPROTO_IPV4);
		add_ip(&r, NFT_MATCH_IP_SADDR, 0, n->subnet, n->prefix);
		add_ip(&r, NFT_MATCH_IP_DADDR, 1, n->subnet, n->prefix);
		add_ifname(&r, NFT_MATCH_OIFNAME, n->uplink);
		emit(w, &r, "nat %s: masquerade out of %s", n->name, n->uplink);

		rule_init(&r, id, NFT_ACT_MASQUERADE);
		rule_add(&r, NFT_MATCH_NFPROTO_IPV4);
		add_ip(&r, NFT_MATCH_IP_SADDR, 0, n->subnet, n->prefix);
		add_ip(&r, NFT_MATCH_IP_DADDR, 0, n->subnet, n->prefix);
		rule_add(&r, NFT_MATCH_CT_DNAT);
		emit(w, &r, "nat %s: hairpin for forwards used from inside", n->name);
	}
	return w->rc;
}

static const char *mode_word(const struct netd_net *n)
{
	return n->mode == NETD_MODE_NAT ? "nat" : "host-only";
}

/* Networks croft routes for: nat and host-only (bridged ones are the LAN's). */
static int routed_net(const struct netd_net *n)
{
	return n->mode == NETD_MODE_NAT || n->mode == NETD_MODE_HOSTONLY;
}

/*
 * Order matters: everything a network may send is accepted, then the rest
 * of what it sends is dropped, before anything is accepted towards a
 * network.  So a guest of one network can never reach another network,
 * not even through the host's address and a port forward.
 */
static int walk_forward(struct walk *w, enum nft_chain_id id)
{
	const struct netd_state *st = w->st;
	struct nft_rule_def r;
	char br[NETD_IFNAME_LEN];
	size_t i;

	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (!routed_net(n))
			continue;
		netd_bridge_name(n->id, br);

		/* Frames switched within the bridge reach this chain when
		 * br_netfilter is loaded (Docker loads it); routed hairpin
		 * traffic (a forward used from inside) too. */
		rule_init(&r, id, NFT_ACT_ACCEPT);
		add_ifname(&r, NFT_MATCH_IIFNAME, br);
		add_ifname(&r, NFT_MATCH_OIFNAME, br);
		emit(w, &r, "%s %s: within the network", mode_word(n), n->name);

		if (n->mode == NETD_MODE_NAT) {
			rule_init(&r, id, NFT_ACT_ACCEPT);
			add_ifname(&r, NFT_MATCH_IIFNAME, br);
			rule_add(&r, NFT_MATCH_NFPROTO_IPV4);
			add_ip(&r, NFT_MATCH_IP_SADDR, 0, n->subnet, n->prefix);
			add_ifname(&r, NFT_MATCH_OIFNAME, n->uplink);
			emit(w, &r, "nat %s: guests out to %s", n->name, n->uplink);
		}

		rule_init(&r, id, NFT_ACT_DROP);
		add_ifname(&r, NFT_MATCH_IIFNAME, br);
		emit(w, &r, "isolate %s: nothing else leaves %s", n->name, br);
	}
	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (n->mode != NETD_MODE_NAT)
			continue;
		netd_bridge_name(n->id, br);

		rule_init(&r, id, NFT_ACT_ACCEPT);
		add_ifname(&r, NFT_MATCH_OIFNAME, br);
		rule_add(&r, NFT_MATCH_CT_REPLY);
		emit(w, &r, "nat %s: replies to guests", n->name);

		rule_init(&r, id, NFT_ACT_ACCEPT);
		add_ifname(&r, NFT_MATCH_OIFNAME, br);
		rule_add(&r, NFT_MATCH_CT_DNAT);
		emit(w, &r, "nat %s: port forwards in", n->name);
	}
	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (!routed_net(n))
			continue;
		netd_bridge_name(n->id, br);

		rule_init(&r, id, NFT_ACT_DROP);
		add_ifname(&r, NFT_MATCH_OIFNAME, br);
		emit(w, &r, "isolate %s: nothing else enters %s", n->name, br);
	}
	return w->rc;
}

/* The link-local address the kernel gives a NIC with this MAC (EUI-64). */
void nft_eui64_link_local(const uint8_t mac[6], struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0xfe;
	a->s6_addr[1] = 0x80;
	a->s6_addr[8] = mac[0] ^ 0x02;
	a->s6_addr[9] = mac[1];
	a->s6_addr[10] = mac[2];
	a->s6_addr[11] = 0xff;
	a->s6_addr[12] = 0xfe;
	a->s6_addr[13] = mac[3];
	a->s6_addr[14] = mac[4];
	a->s6_addr[15] = mac[5];
}

/* What only a router or a DHCP server sends, which a guest is not: each
 * one is dropped on the way in from the guest's tap. */
static const struct guard_def {
	uint16_t ether;
	uint8_t l4;
	uint8_t kind;              /* enum nft_match_kind */
	uint16_t value;
	const char *what;
} guards[] = {
	{ ETH_P_IPV6, IPPROTO_ICMPV6, NFT_MATCH_ICMPV6_TYPE, 134, "no router advertisements" },
	{ ETH_P_IPV6, IPPROTO_ICMPV6, NFT_MATCH_ICMPV6_TYPE, 137, "no ICMPv6 redirects" },
	{ ETH_P_IP, IPPROTO_ICMP, NFT_MATCH_ICMP_TYPE, 5, "no ICMP redirects" },
	{ ETH_P_IP, IPPROTO_UDP, NFT_MATCH_TH_SPORT, 67, "no DHCP server replies" },
	{ ETH_P_IPV6, IPPROTO_UDP, NFT_MATCH_TH_SPORT, 547, "no DHCPv6 server replies" },
};

static void walk_guard(struct walk *w, enum nft_chain_id id, const struct netd_nic *c,
		       const char *tap)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	struct in6_addr ll;
	struct nft_rule_def r;
	size_t g;

	for (g = 0; g < sizeof(guards) / sizeof(guards[0]); g++) {
		rule_init(&r, id, NFT_ACT_DROP);
		add_ifname(&r, NFT_MATCH_IIFNAME, tap);
		add_value(&r, NFT_MATCH_ETHER_TYPE, guards[g].ether);
		add_l4(&r, guards[g].l4, (enum nft_match_kind)guards[g].kind, guards[g].value);
		emit(w, &r, "guard %s (%s): %s", tap, c->vm, guards[g].what);
	}

	/* :: stays allowed: duplicate address detection and MLD reports
	 * before the link-local address is ready. */
	nft_eui64_link_local(c->mac, &ll);
	rule_init(&r, id, NFT_ACT_DROP);
	add_ifname(&r, NFT_MATCH_IIFNAME, tap);
	add_value(&r, NFT_MATCH_ETHER_TYPE, ETH_P_IPV6);
	add_ip6(&r, NFT_MATCH_IP6_SADDR, 1, &ll);
	add_ip6(&r, NFT_MATCH_IP6_SADDR, 1, &any);
	emit(w, &r, "anti-spoof %s (%s): IPv6 source", tap, c->vm);

	/* A neighbour advertisement for another address would take it over
	 * in the other guests' and the host's neighbour caches (IPv6's ARP
	 * spoofing); the guest has no address but its link-local one. */
	rule_init(&r, id, NFT_ACT_DROP);
	add_ifname(&r, NFT_MATCH_IIFNAME, tap);
	add_value(&r, NFT_MATCH_ETHER_TYPE, ETH_P_IPV6);
	add_l4(&r, IPPROTO_ICMPV6, NFT_MATCH_ICMPV6_TYPE, 136);
	add_ip6(&r, NFT_MATCH_ND_TARGET, 1, &ll);
	emit(w, &r, "anti-spoof %s (%s): neighbour advertisement target", tap, c->vm);
}

/* What a guest of a network without host access may still send to the
 * host: the services the network needs (nat: DNS too), ping, and the
 * neighbour discovery IPv6 needs on the link. */
static const struct host_svc {
	uint8_t l4;
	uint8_t kind;              /* enum nft_match_kind */
	uint16_t value;
	uint8_t nat_only;
	const char *what;
} host_svcs[] = {
	{ IPPROTO_UDP, NFT_MATCH_TH_DPORT, 67, 0, "DHCP" },
	{ IPPROTO_UDP, NFT_MATCH_TH_DPORT, 53, 1, "DNS" },
	{ IPPROTO_TCP, NFT_MATCH_TH_DPORT, 53, 1, "DNS over TCP" },
	{ IPPROTO_ICMP, NFT_MATCH_ICMP_TYPE, 8, 0, "ping" },
	{ IPPROTO_ICMPV6, NFT_MATCH_ICMPV6_TYPE, 128, 0, "ping6" },
	{ IPPROTO_ICMPV6, NFT_MATCH_ICMPV6_TYPE, 135, 0, "neighbour solicitations" },
	{ IPPROTO_ICMPV6, NFT_MATCH_ICMPV6_TYPE, 136, 0, "neighbour advertisements" },
};

static int walk_input(struct walk *w, enum nft_chain_id id)
{
	const struct netd_state *st = w->st;
	struct nft_rule_def r;
	char br[NETD_IFNAME_LEN];
	size_t i, k;

	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (!routed_net(n) || n->host_access)
			continue;
		netd_bridge_name(n->id, br);

		rule_init(&r, id, NFT_ACT_ACCEPT);
		add_ifname(&r, NFT_MATCH_IIFNAME, br);
		rule_add(&r, NFT_MATCH_CT_REPLY);
		emit(w, &r, "host %s: replies to the host's own connections", n->name);

		for (k = 0; k < sizeof(host_svcs) / sizeof(host_svcs[0]); k++) {
			const struct host_svc *h = &host_svcs[k];

			if (h->nat_only && n->mode != NETD_MODE_NAT)
				continue;
			rule_init(&r, id, NFT_ACT_ACCEPT);
			add_ifname(&r, NFT_MATCH_IIFNAME, br);
			add_l4(&r, h->l4, (enum nft_match_kind)h->kind, h->value);
			emit(w, &r, "host %s: %s", n->name, h->what);
		}

		rule_init(&r, id, NFT_ACT_DROP);
		add_ifname(&r, NFT_MATCH_IIFNAME, br);
		emit(w, &r, "host %s: host-access off, nothing else from %s reaches the host",
		     n->name, br);
	}
	return w->rc;
}

static int walk_bridge_in(struct walk *w, enum nft_chain_id id)
{
	const struct netd_state *st = w->st;
	static const uint16_t tags[] = { ETH_P_8021Q, ETH_P_8021AD };
	struct nft_rule_def r;
	char tap[NETD_IFNAME_LEN];
	size_t i, t;

	for (i = 0; i < st->n_nics; i++) {
		const struct netd_nic *c = &st->nics[i];

		netd_tap_name(c->id, tap);

		rule_init(&r, id, NFT_ACT_DROP);
		add_ifname(&r, NFT_MATCH_IIFNAME, tap);
		add_mac(&r, NFT_MATCH_ETHER_SADDR, c->mac);
		emit(w, &r, "anti-spoof %s (%s): source MAC", tap, c->vm);

		/* A frame the guest tags itself would carry its payload past
		 * the checks below (and onto a VLAN on a bridged network). */
		for (t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
			rule_init(&r, id, NFT_ACT_DROP);
			add_ifname(&r, NFT_MATCH_IIFNAME, tap);
			add_value(&r, NFT_MATCH_ETHER_TYPE, tags[t]);
			emit(w, &r, "anti-spoof %s (%s): no %s tags from the guest", tap, c->vm,
			     tags[t] == ETH_P_8021Q ? "802.1Q" : "802.1ad");
		}

		rule_init(&r, id, NFT_ACT_DROP);
		add_ifname(&r, NFT_MATCH_IIFNAME, tap);
		add_value(&r, NFT_MATCH_ETHER_TYPE, ETH_P_ARP);
		add_mac(&r, NFT_MATCH_ARP_SHA, c->mac);
		emit(w, &r, "anti-spoof %s (%s): ARP sender MAC", tap, c->vm);

		if (c->ip.s_addr) {
			struct in_addr any = { 0 };

			/* 0.0.0.0 stays allowed: DHCP DISCOVER and ARP probes. */
			rule_init(&r, id, NFT_ACT_DROP);
			add_ifname(&r, NFT_MATCH_IIFNAME, tap);
			add_value(&r, NFT_MATCH_ETHER_TYPE, ETH_P_IP);
			add_ip(&r, NFT_MATCH_IP_SADDR, 1, c->ip, 32);
			add_ip(&r, NFT_MATCH_IP_SADDR, 1, any, 32);
			emit(w, &r, "anti-spoof %s (%s): source IP", tap, c->vm);

			rule_init(&r, id, NFT_ACT_DROP);
			add_ifname(&r, NFT_MATCH_IIFNAME, tap);
			add_value(&r, NFT_MATCH_ETHER_TYPE, ETH_P_ARP);
			add_ip(&r, NFT_MATCH_ARP_SPA, 1, c->ip, 32);
			add_ip(&r, NFT_MATCH_ARP_SPA, 1, any, 32);
			emit(w, &r, "anti-spoof %s (%s): ARP sender IP", tap, c->vm);
		}

		walk_guard(w, id, c, tap);

		if (c->rate_mbit) {
			rule_init(&r, id, NFT_ACT_DROP);
			add_ifname(&r, NFT_MATCH_IIFNAME, tap);
			add_limit(&r, c->rate_mbit);
			emit(w, &r, "rate %s (%s): %u Mbit/s from the guest", tap, c->vm,
			     (unsigned)c->rate_mbit);
		}
	}
	return w->rc;
}

static int walk_bridge_out(struct walk *w, enum nft_chain_id id)
{
	const struct netd_state *st = w->st;
	struct nft_rule_def r;
	char tap[NETD_IFNAME_LEN];
	size_t i;

	for (i = 0; i < st->n_nics; i++) {
		const struct netd_nic *c = &st->nics[i];

		if (!c->rate_mbit)
			continue;
		netd_tap_name(c->id, tap);
		rule_init(&r, id, NFT_ACT_DROP);
		add_ifname(&r, NFT_MATCH_OIFNAME, tap);
		add_limit(&r, c->rate_mbit);
		emit(w, &r, "rate %s (%s): %u Mbit/s to the guest", tap, c->vm,
		     (unsigned)c->rate_mbit);
	}
	return w->rc;
}

/* Table-driven: each chain's rules come from one function (none: empty). */
static int (*const chain_walkers[NFT_CH_COUNT])(struct walk *w, enum nft_chain_id id) = {
	[NFT_CH_INET_PREROUTING] = walk_forwards,
	[NFT_CH_INET_OUTPUT] = walk_forwards,
	[NFT_CH_INET_POSTROUTING] = walk_postrouting,
	[NFT_CH_INET_FORWARD] = walk_forward,
	[NFT_CH_INET_INPUT] = walk_input,
	[NFT_CH_BRIDGE_PREROUTING] = walk_bridge_in,
	[NFT_CH_BRIDGE_POSTROUTING] = walk_bridge_out,
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
	struct walk w = { st, v, ctx, err, errlen, 0 };
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
