/*
 * Building one rule of the model: a chain, matches appended in order, an
 * action, and a comment given as the rule is handed to the visitor.
 */
#include "netd/nft_walk.h"
#include "common/addr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nft_rule_init(struct nft_rule_def *r, enum nft_chain_id chain, enum nft_action act)
{
	memset(r, 0, sizeof(*r));
	r->chain = chain;
	r->action = act;
}

struct nft_match *nft_rule_add(struct nft_rule_def *r, enum nft_match_kind kind)
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

void nft_add_ifname(struct nft_rule_def *r, enum nft_match_kind kind, const char *name)
{
	struct nft_match *m = nft_rule_add(r, kind);

	snprintf(m->ifname, sizeof(m->ifname), "%s", name);
}

void nft_add_ip(struct nft_rule_def *r, enum nft_match_kind kind, int neg,
		   struct in_addr a, uint32_t prefix)
{
	struct nft_match *m = nft_rule_add(r, kind);

	m->neg = (uint8_t)neg;
	m->prefix = (uint8_t)prefix;
	m->addr.s_addr = a.s_addr & htonl(addr_mask(prefix));
}

void nft_add_value(struct nft_rule_def *r, enum nft_match_kind kind, uint32_t value)
{
	nft_rule_add(r, kind)->value = value;
}

void nft_add_mac(struct nft_rule_def *r, enum nft_match_kind kind, const uint8_t mac[6])
{
	struct nft_match *m = nft_rule_add(r, kind);

	m->neg = 1;
	memcpy(m->mac, mac, 6);
}

void nft_add_ip6(struct nft_rule_def *r, enum nft_match_kind kind, int neg,
		    const struct in6_addr *a)
{
	struct nft_match *m = nft_rule_add(r, kind);

	m->neg = (uint8_t)neg;
	m->prefix = 128;
	m->addr6 = *a;
}

/* meta l4proto proto + KIND value: an ICMP type or a port. */
void nft_add_l4(struct nft_rule_def *r, uint32_t proto, enum nft_match_kind kind,
		   uint32_t value)
{
	nft_add_value(r, NFT_MATCH_L4PROTO, proto);
	nft_add_value(r, kind, value);
}

void nft_add_limit(struct nft_rule_def *r, uint32_t mbit)
{
	struct nft_match *m = nft_rule_add(r, NFT_MATCH_LIMIT_OVER);
	uint64_t burst;

	m->rate = (uint64_t)mbit * 125000u;
	burst = m->rate / 10;
	m->burst = (uint32_t)(burst < NFT_BURST_MIN_BYTES ? NFT_BURST_MIN_BYTES : burst);
}

/* Give r its comment and visit it.  Comments end up inside double quotes
 * in nft's listing: they are kept to printable ASCII without quotes or
 * backslashes. */
void nft_emit(struct nft_walk *w, struct nft_rule_def *r, const char *fmt, ...)
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

struct in_addr nft_loopback_net(void)
{
	struct in_addr a = { htonl(0x7f000000) };

	return a;
}
