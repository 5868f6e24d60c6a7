/*
 * croft's nftables ruleset, built from a desired state by pure functions.
 *
 * The tables "inet croft" and "bridge croft" are replaced as a whole, in
 * one atomic NFNL batch, with the add/delete/add idiom: NEWTABLE (creates
 * the table if it is absent, no NLM_F_EXCL), DELTABLE (removes it with
 * everything in it), then NEWTABLE and every chain and rule of the new
 * ruleset.  A state without networks only removes both tables.  Nothing
 * outside these two tables is ever named, so other tables are untouched.
 * The rules themselves are described in nft_model.c; `nft list table inet
 * croft` shows them with a comment on each.
 *
 * Every message but BATCH_BEGIN/END asks for an ACK, so nft_apply()
 * (nft_batch.h) can name the message the kernel refused.  Sequence
 * numbers run from seq (BATCH_BEGIN) upwards, one per message.
 */
#ifndef CROFT_NFT_RULESET_H
#define CROFT_NFT_RULESET_H

#include <stddef.h>
#include <stdint.h>

#include "netd/netd_state.h"

/*
 * Fill buf with the whole batch for st (which has passed
 * netd_state_validate()).  On success *len is the batch's length.
 * -ENOSPC when buflen is too small: *len is then the size needed and err
 * says so; buf may be NULL with buflen 0 to ask for the size.  -EINVAL
 * for a state the ruleset cannot express (nft_model.h), -ENOMEM.
 */
int nft_ruleset_build(const struct netd_state *st, uint32_t seq, char *buf, size_t buflen,
		      size_t *len, char *err, size_t errlen);

/* The same into a malloc'ed buffer the caller frees: *buf, *len. */
int nft_ruleset_build_alloc(const struct netd_state *st, uint32_t seq, char **buf,
			    size_t *len, char *err, size_t errlen);

/*
 * The same ruleset as an nft(8) script, add/delete/add idiom included:
 * what `nft -f` loads to the same effect.  *out is malloc'ed, the caller
 * frees it.  0, or -EINVAL as nft_ruleset_build.
 */
int nft_ruleset_text(const struct netd_state *st, char **out);

#endif
