/*
 * The rule model written as an nft(8) script, for people and as the
 * baseline the netlink batch is measured and tested against: loading it
 * with `nft -f` must leave exactly what nft_apply() of the batch leaves.
 * Each match prints as the nft phrase nft_expr.c encodes; dependencies
 * nft would add by itself (meta nfproto, ether type) are written out, as
 * they are explicit in the model.
 */
#include "netd/nft_ruleset.h"
#include "netd/nft_model.h"
#include "common/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <stdlib.h>

static void tx_ip(FILE *f, const char *what, const struct nft_match *m)
{
	char a[ADDR_STRLEN];

	fprintf(f, "%s %s%s", what, m->neg ? "!= " : "", addr_str(m->addr, a));
	if (m->prefix != 32)
		fprintf(f, "/%u", (unsigned)m->prefix);
}

static void tx_mac(FILE *f, const char *what, const struct nft_match *m)
{
	char a[ADDR_MAC_STRLEN];

	fprintf(f, "%s %s%s", what, m->neg ? "!= " : "", addr_mac_str(m->mac, a));
}

static void tx_ether_type(FILE *f, uint32_t type)
{
	switch (type) {
	case ETH_P_IP:     fputs("ether type ip", f); return;
	case ETH_P_ARP:    fputs("ether type arp", f); return;
	case ETH_P_IPV6:   fputs("ether type ip6", f); return;
	case ETH_P_8021Q:  fputs("ether type 8021q", f); return;
	case ETH_P_8021AD: fputs("ether type 8021ad", f); return;
	}
	fprintf(f, "ether type 0x%04x", (unsigned)type);
}

static void tx_match(FILE *f, const struct nft_match *m)
{
	switch (m->kind) {
	case NFT_MATCH_IIFNAME:
		fprintf(f, "iifname \"%s\"", m->ifname);
		break;
	case NFT_MATCH_OIFNAME:
		fprintf(f, "oifname \"%s\"", m->ifname);
		break;
	case NFT_MATCH_NFPROTO_IPV4:
		fputs("meta nfproto ipv4", f);
		break;
	case NFT_MATCH_FIB_LOCAL:
		fputs("fib daddr type local", f);
		break;
	case NFT_MATCH_L4PROTO:
		if (m->value == IPPROTO_TCP || m->value == IPPROTO_UDP)
			fprintf(f, "meta l4proto %s", m->value == IPPROTO_TCP ? "tcp" : "udp");
		else
			fprintf(f, "meta l4proto %u", (unsigned)m->value);
		break;
	case NFT_MATCH_TH_DPORT:
		fprintf(f, "th dport %u", (unsigned)m->value);
		break;
	case NFT_MATCH_IP_SADDR:
		tx_ip(f, "ip saddr", m);
		break;
	case NFT_MATCH_IP_DADDR:
		tx_ip(f, "ip daddr", m);
		break;
	case NFT_MATCH_CT_REPLY:
		fputs("ct state established,related", f);
		break;
	case NFT_MATCH_CT_DNAT:
		fputs(m->neg ? "ct status ! dnat" : "ct status dnat", f);
		break;
	case NFT_MATCH_ETHER_TYPE:
		tx_ether_type(f, m->value);
		break;
	case NFT_MATCH_ETHER_SADDR:
		tx_mac(f, "ether saddr", m);
		break;
	case NFT_MATCH_ARP_SHA:
		tx_mac(f, "arp saddr ether", m);
		break;
	case NFT_MATCH_ARP_SPA:
		tx_ip(f, "arp saddr ip", m);
		break;
	case NFT_MATCH_LIMIT_OVER:
		fprintf(f, "limit rate over %llu bytes/second burst %u bytes",
			(unsigned long long)m->rate, (unsigned)m->burst);
		break;
	case NFT_MATCH_TH_SPORT:
		fprintf(f, "th sport %u", (unsigned)m->value);
		break;
	case NFT_MATCH_ICMP_TYPE:
		fprintf(f, "icmp type %u", (unsigned)m->value);
		break;
	case NFT_MATCH_ICMPV6_TYPE:
		fprintf(f, "icmpv6 type %u", (unsigned)m->value);
		break;
	case NFT_MATCH_IP6_SADDR: {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &m->addr6, a, sizeof(a));
		fprintf(f, "ip6 saddr %s%s", m->neg ? "!= " : "", a);
		break;
	}
	case NFT_MATCH_ND_TARGET: {
		size_t i;

		/* nft 1.0 has no name for it: a raw payload and a 128-bit number */
		fprintf(f, "@th,64,128 %s0x", m->neg ? "!= " : "");
		for (i = 0; i < 16; i++)
			fprintf(f, "%02x", m->addr6.s6_addr[i]);
		break;
	}
	}
}

static int tx_rule(void *ctx, const struct nft_rule_def *r, char *err, size_t errlen)
{
	FILE *f = ctx;
	char a[ADDR_STRLEN];
	size_t i;

	(void)err;
	(void)errlen;
	fputs("\t\t", f);
	for (i = 0; i < r->n_match; i++) {
		tx_match(f, &r->match[i]);
		fputc(' ', f);
	}
	switch (r->action) {
	case NFT_ACT_ACCEPT:
		fputs("accept", f);
		break;
	case NFT_ACT_DROP:
		fputs("drop", f);
		break;
	case NFT_ACT_MASQUERADE:
		fputs("masquerade", f);
		break;
	case NFT_ACT_DNAT:
		fprintf(f, "dnat ip to %s:%u", addr_str(r->dnat_addr, a), (unsigned)r->dnat_port);
		break;
	}
	fprintf(f, " comment \"%s\"\n", r->comment);
	return 0;
}

static int tx_table_begin(void *ctx, uint8_t family, int populated, char *err, size_t errlen)
{
	FILE *f = ctx;
	const char *fam = nft_family_name(family);

	(void)err;
	(void)errlen;
	fprintf(f, "table %s %s\ndelete table %s %s\n", fam, NETD_NFT_TABLE, fam, NETD_NFT_TABLE);
	if (populated)
		fprintf(f, "table %s %s {\n\tcomment \"%s\"\n", fam, NETD_NFT_TABLE, NFT_TABLE_COMMENT);
	return 0;
}

static int tx_table_end(void *ctx, uint8_t family, int populated, char *err, size_t errlen)
{
	(void)family;
	(void)err;
	(void)errlen;
	if (populated)
		fputs("}\n", ctx);
	return 0;
}

static int tx_chain_begin(void *ctx, const struct nft_chain_def *c, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	fprintf(ctx, "\tchain %s {\n\t\tcomment \"%s\"\n"
		"\t\ttype %s hook %s priority %d; policy accept;\n",
		c->name, c->comment, c->type, c->hook_name, (int)c->prio);
	return 0;
}

static int tx_chain_end(void *ctx, const struct nft_chain_def *c, char *err, size_t errlen)
{
	(void)c;
	(void)err;
	(void)errlen;
	fputs("\t}\n", ctx);
	return 0;
}

static const struct nft_visitor tx_visitor = {
	.table_begin = tx_table_begin,
	.table_end = tx_table_end,
	.chain_begin = tx_chain_begin,
	.chain_end = tx_chain_end,
	.rule = tx_rule,
};

int nft_ruleset_text(const struct netd_state *st, char **out)
{
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	*out = NULL;
	if (!(f = open_memstream(&text, &len)))
		return -errno;
	fputs("#!/usr/sbin/nft -f\n"
	      "# croft's ruleset: replaces the tables inet croft and bridge croft, nothing else.\n", f);
	rc = nft_model_walk(st, &tx_visitor, f, err, sizeof(err));
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc < 0) {
		free(text);
		return rc;
	}
	*out = text;
	return 0;
}
