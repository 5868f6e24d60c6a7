/*
 * What the parts of the rule model share (nft_model.c walks the state;
 * nft_rule.c builds one rule; nft_guest.c has the rules about what guests
 * send): the walk in progress and the rule builders.  Only for netd/nft_*.c.
 */
#ifndef CROFT_NFT_WALK_H
#define CROFT_NFT_WALK_H

#include "netd/nft_model.h"

/* rc is the first failure of the visitor; once set, no rule is visited. */
struct nft_walk {
	const struct netd_state *st;
	const struct nft_visitor *v;
	void *ctx;
	char *err;
	size_t errlen;
	int rc;
};

/* ---- building one rule (nft_rule.c) ---- */

void nft_rule_init(struct nft_rule_def *r, enum nft_chain_id chain, enum nft_action act);
/* The next match of r; more than NFT_RULE_MAX_MATCHES is a bug (abort). */
struct nft_match *nft_rule_add(struct nft_rule_def *r, enum nft_match_kind kind);
void nft_add_ifname(struct nft_rule_def *r, enum nft_match_kind kind, const char *name);
void nft_add_ip(struct nft_rule_def *r, enum nft_match_kind kind, int neg, struct in_addr a,
		uint32_t prefix);
void nft_add_value(struct nft_rule_def *r, enum nft_match_kind kind, uint32_t value);
/* A negated MAC match. */
void nft_add_mac(struct nft_rule_def *r, enum nft_match_kind kind, const uint8_t mac[6]);
void nft_add_ip6(struct nft_rule_def *r, enum nft_match_kind kind, int neg,
		 const struct in6_addr *a);
/* meta l4proto proto + KIND value: an ICMP type or a port. */
void nft_add_l4(struct nft_rule_def *r, uint32_t proto, enum nft_match_kind kind, uint32_t value);
void nft_add_limit(struct nft_rule_def *r, uint32_t mbit);
/* 127.0.0.0 (with prefix 8: the host's loopback net). */
struct in_addr nft_loopback_net(void);
/* Give r its comment (sanitized for nft's quotes) and visit it. */
void nft_emit(struct nft_walk *w, struct nft_rule_def *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- nft_model.c ---- */

/* nat and host-only: the networks croft routes for. */
int nft_routed_net(const struct netd_net *n);
/* "nat" or "host-only", for comments. */
const char *nft_mode_word(const struct netd_net *n);

/* ---- the chains about what guests send (nft_guest.c) ---- */

int nft_walk_input(struct nft_walk *w, enum nft_chain_id id);
int nft_walk_bridge_in(struct nft_walk *w, enum nft_chain_id id);
int nft_walk_bridge_out(struct nft_walk *w, enum nft_chain_id id);

#endif
