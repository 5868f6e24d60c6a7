/*
 * Encoding of croft's rule model (nft_model.h) as libnftnl expressions,
 * exactly as nft(8) compiles the same rule text: every match loads into
 * register 1 and compares there; verdicts go to the verdict register.
 */
#ifndef CROFT_NFT_EXPR_H
#define CROFT_NFT_EXPR_H

#include "netd/nft_model.h"

struct nftnl_rule;

/* Append the expressions of d's matches and then of its action to r; r
 * owns them.  0, or -ENOMEM (r then holds a prefix of them). */
int nft_expr_rule(struct nftnl_rule *r, const struct nft_rule_def *d);

#endif
