/*
 * The rules about what guests send, the guest-facing half of the model:
 *
 *   inet croft input        per nat/host-only network without host access:
 *                           replies, DHCP, DNS (nat), ping and neighbour
 *                           discovery from its bridge reach the host; the
 *                           rest it sends to the host is dropped
 *   bridge croft prerouting per NIC: anti-spoofing (source MAC, no VLAN
 *                           tags, ARP sender MAC, source IP and ARP sender
 *                           IP when known, IPv6 source and neighbour
 *                           advertisement target = the EUI-64 link-local
 *                           address), guards (no router advertisements,
 *                           redirects, DHCP or DHCPv6 server replies), rate
 *   bridge croft postrouting per NIC with a rate: rate limit
 */
#include "netd/nft_walk.h"

#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>

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

static void walk_guard(struct nft_walk *w, enum nft_chain_id id, const struct netd_nic *c,
		       const char *tap)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	struct in6_addr ll;
	struct nft_rule_def r;
	size_t g;

	for (g = 0; g < sizeof(guards) / sizeof(guards[0]); g++) {
		nft_rule_init(&r, id, NFT_ACT_DROP);
		nft_add_ifname(&r, NFT_MATCH_IIFNAME, tap);
		nft_add_value(&r, NFT_MATCH_ETHER_TYPE, guards[g].ether);
		nft_add_l4(&r, guards[g].l4, (enum nft_match_kind)guards[g].kind, guards[g].value);
		nft_emit(w, &r, "guard %s (%s): %s", tap, c->vm, guards[g].what);
	}

	/* :: stays allowed: duplicate address detection and MLD reports
	 * before the link-local address is ready. */
	nft_eui64_link_local(c->mac, &ll);
	nft_rule_init(&r, id, NFT_ACT_DROP);
	nft_add_ifname(&r, NFT_MATCH_IIFNAME, tap);
	nft_add_value(&r, NFT_MATCH_ETHER_TYPE, ETH_P_IPV6);
	nft_add_ip6(&r, NFT_MATCH_IP6_SADDR, 1, &ll);
	nft_add_ip6(&r, NFT_MATCH_IP6_SADDR, 1, &any);
	nft_emit(w, &r, "anti-spoof %s (%s): IPv6 source", tap, c->vm);

	/* A neighbour advertisement for another address would take it over
	 * in the other guests' and the host's neighbour caches (IPv6's ARP
	 * spoofing); the guest has no address but its link-local one. */
	nft_rule_init(&r, id, NFT_ACT_DROP);
	nft_add_ifname(&r, NFT_MATCH_IIFNAME, tap);
	nft_add_value(&r, NFT_MATCH_ETHER_TYPE, ETH_P_IPV6);
	nft_add_l4(&r, IPPROTO_ICMPV6, NFT_MATCH_ICMPV6_TYPE, 136);
	nft_add_ip6(&r, NFT_MATCH_ND_TARGET, 1, &ll);
	nft_emit(w, &r, "anti-spoof %s (%s): neighbour advertisement target", tap, c->vm);
}

/* What a guest of a network without host access may still send to the
 * host: the services the network needs (nat: DNS too, on the gateway
 * address only, where croft's dnsmasq listens: not another DNS server of
 * the host's), ping, and the neighbour discovery IPv6 needs on the link. */
static const struct host_svc {
	uint8_t l4;
	uint8_t kind;              /* enum nft_match_kind */
	uint16_t value;
	uint8_t nat_only;          /* and only to the gateway's IPv4 address */
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

int nft_walk_input(struct nft_walk *w, enum nft_chain_id id)
{
	const struct netd_state *st = w->st;
	struct nft_rule_def r;
	char br[NETD_IFNAME_LEN];
	size_t i, k;

	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		netd_bridge_name(n->id, br);
		/* route_localnet on a nat bridge (set by netd for forwards from
		 * the host's 127.0.0.1) would also let guests address the host's
		 * loopback, or send from it: never, host access or not, but for
		 * the replies of those forwards (their conntrack entry is
		 * DNATed; a guest cannot make one towards 127/8). */
		if (n->mode == NETD_MODE_NAT) {
			nft_rule_init(&r, id, NFT_ACT_DROP);
			nft_add_ifname(&r, NFT_MATCH_IIFNAME, br);
			nft_rule_add(&r, NFT_MATCH_NFPROTO_IPV4);
			nft_add_ip(&r, NFT_MATCH_IP_DADDR, 0, nft_loopback_net(), 8);
			nft_rule_add(&r, NFT_MATCH_CT_DNAT)->neg = 1;
			nft_emit(w, &r, "nat %s: guests never reach the host's loopback", n->name);

			nft_rule_init(&r, id, NFT_ACT_DROP);
			nft_add_ifname(&r, NFT_MATCH_IIFNAME, br);
			nft_rule_add(&r, NFT_MATCH_NFPROTO_IPV4);
			nft_add_ip(&r, NFT_MATCH_IP_SADDR, 0, nft_loopback_net(), 8);
			nft_rule_add(&r, NFT_MATCH_CT_DNAT)->neg = 1;
			nft_emit(w, &r, "nat %s: no loopback source from guests", n->name);
		}
		if (!nft_routed_net(n) || n->host_access)
			continue;

		nft_rule_init(&r, id, NFT_ACT_ACCEPT);
		nft_add_ifname(&r, NFT_MATCH_IIFNAME, br);
		nft_rule_add(&r, NFT_MATCH_CT_REPLY);
		nft_emit(w, &r, "host %s: replies to the host's own connections", n->name);

		for (k = 0; k < sizeof(host_svcs) / sizeof(host_svcs[0]); k++) {
			const struct host_svc *h = &host_svcs[k];

			if (h->nat_only && n->mode != NETD_MODE_NAT)
				continue;
			nft_rule_init(&r, id, NFT_ACT_ACCEPT);
			nft_add_ifname(&r, NFT_MATCH_IIFNAME, br);
			if (h->nat_only) {
				nft_rule_add(&r, NFT_MATCH_NFPROTO_IPV4);
				nft_add_ip(&r, NFT_MATCH_IP_DADDR, 0, n->gateway, 32);
			}
			nft_add_l4(&r, h->l4, (enum nft_match_kind)h->kind, h->value);
			nft_emit(w, &r, "host %s: %s", n->name, h->what);
		}

		nft_rule_init(&r, id, NFT_ACT_DROP);
		nft_add_ifname(&r, NFT_MATCH_IIFNAME, br);
		nft_emit(w, &r, "host %s: host-access off, nothing else from %s reaches the host",
		     n->name, br);
	}
	return w->rc;
}

int nft_walk_bridge_in(struct nft_walk *w, enum nft_chain_id id)
{
	const struct netd_state *st = w->st;
	static const uint16_t tags[] = { ETH_P_8021Q, ETH_P_8021AD };
	struct nft_rule_def r;
	char tap[NETD_IFNAME_LEN];
	size_t i, t;

	for (i = 0; i < st->n_nics; i++) {
		const struct netd_nic *c = &st->nics[i];

		netd_tap_name(c->id, tap);

		nft_rule_init(&r, id, NFT_ACT_DROP);
		nft_add_ifname(&r, NFT_MATCH_IIFNAME, tap);
		nft_add_mac(&r, NFT_MATCH_ETHER_SADDR, c->mac);
		nft_emit(w, &r, "anti-spoof %s (%s): source MAC", tap, c->vm);

		/* A frame the guest tags itself would carry its payload past
		 * the checks below (and onto a VLAN on a bridged network). */
		for (t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
			nft_rule_init(&r, id, NFT_ACT_DROP);
			nft_add_ifname(&r, NFT_MATCH_IIFNAME, tap);
			nft_add_value(&r, NFT_MATCH_ETHER_TYPE, tags[t]);
			nft_emit(w, &r, "anti-spoof %s (%s): no %s tags from the guest", tap, c->vm,
			     tags[t] == ETH_P_8021Q ? "802.1Q" : "802.1ad");
		}

		nft_rule_init(&r, id, NFT_ACT_DROP);
		nft_add_ifname(&r, NFT_MATCH_IIFNAME, tap);
		nft_add_value(&r, NFT_MATCH_ETHER_TYPE, ETH_P_ARP);
		nft_add_mac(&r, NFT_MATCH_ARP_SHA, c->mac);
		nft_emit(w, &r, "anti-spoof %s (%s): ARP sender MAC", tap, c->vm);

		if (c->ip.s_addr) {
			struct in_addr any = { 0 };

			/* 0.0.0.0 stays allowed: DHCP DISCOVER and ARP probes. */
			nft_rule_init(&r, id, NFT_ACT_DROP);
			nft_add_ifname(&r, NFT_MATCH_IIFNAME, tap);
			nft_add_value(&r, NFT_MATCH_ETHER_TYPE, ETH_P_IP);
			nft_add_ip(&r, NFT_MATCH_IP_SADDR, 1, c->ip, 32);
			nft_add_ip(&r, NFT_MATCH_IP_SADDR, 1, any, 32);
			nft_emit(w, &r, "anti-spoof %s (%s): source IP", tap, c->vm);

			nft_rule_init(&r, id, NFT_ACT_DROP);
			nft_add_ifname(&r, NFT_MATCH_IIFNAME, tap);
			nft_add_value(&r, NFT_MATCH_ETHER_TYPE, ETH_P_ARP);
			nft_add_ip(&r, NFT_MATCH_ARP_SPA, 1, c->ip, 32);
			nft_add_ip(&r, NFT_MATCH_ARP_SPA, 1, any, 32);
			nft_emit(w, &r, "anti-spoof %s (%s): ARP sender IP", tap, c->vm);
		}

		walk_guard(w, id, c, tap);

		if (c->rate_mbit) {
			nft_rule_init(&r, id, NFT_ACT_DROP);
			nft_add_ifname(&r, NFT_MATCH_IIFNAME, tap);
			nft_add_limit(&r, c->rate_mbit);
			nft_emit(w, &r, "rate %s (%s): %u Mbit/s from the guest", tap, c->vm,
			     (unsigned)c->rate_mbit);
		}
	}
	return w->rc;
}

int nft_walk_bridge_out(struct nft_walk *w, enum nft_chain_id id)
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
		nft_rule_init(&r, id, NFT_ACT_DROP);
		nft_add_ifname(&r, NFT_MATCH_OIFNAME, tap);
		nft_add_limit(&r, c->rate_mbit);
		nft_emit(w, &r, "rate %s (%s): %u Mbit/s to the guest", tap, c->vm,
		     (unsigned)c->rate_mbit);
	}
	return w->rc;
}

