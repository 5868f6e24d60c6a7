/*
 * The batch builder: a visitor of the rule model (nft_model.h) that turns
 * each table, chain and rule into one netlink message.  libnftnl writes
 * messages without bounds checks, so each one is built in a scratch
 * buffer far larger than any croft message and then copied into the
 * caller's buffer through libmnl's batch cursor while it fits.  Once it
 * no longer fits the walk goes on counting, so -ENOSPC can say how much
 * is needed.
 */
#include "netd/nft_ruleset.h"
#include "netd/nft_expr.h"
#include "netd/nft_model.h"
#include "common/xalloc.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

/* The largest croft message (a rule with six matches and a comment) is
 * under 2 KiB. */
#define NRB_SCRATCH 8192

struct nrb {
	struct mnl_nlmsg_batch *b;   /* NULL when only counting */
	size_t buflen;
	size_t need;                 /* bytes the whole batch takes */
	int full;                    /* a message did not fit */
	uint32_t seq;
	struct nftnl_udata_buf *ud;  /* the last comment, until the next one */
	union {
		char buf[NRB_SCRATCH];
		struct nlmsghdr align;
	} scratch;
};

static void nrb_put(struct nrb *c, const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_len > sizeof(c->scratch))
		abort();     /* memory is already corrupt; see NRB_SCRATCH */
	c->need += nlh->nlmsg_len;
	if (c->full || !c->b || mnl_nlmsg_batch_size(c->b) + nlh->nlmsg_len > c->buflen) {
		c->full = 1;
		return;
	}
	memcpy(mnl_nlmsg_batch_current(c->b), nlh, nlh->nlmsg_len);
	mnl_nlmsg_batch_next(c->b);
}

static struct nlmsghdr *nrb_hdr(struct nrb *c, uint16_t type, uint8_t family, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(c->scratch.buf, type, family, flags | NLM_F_ACK, c->seq++);
}

/* A comment as nft stores it: one NUL-terminated string attribute, in
 * c->ud; NRB_UDATA(c) gives its bytes as libnftnl's setters take them. */
static int nrb_comment(struct nrb *c, uint8_t type, const char *text)
{
	if (c->ud)
		nftnl_udata_buf_free(c->ud);
	c->ud = nftnl_udata_buf_alloc(NFT_COMMENT_LEN + 8);
	if (!c->ud)
		return -ENOMEM;
	if (!nftnl_udata_put_strz(c->ud, type, text))
		return -ENOMEM;
	return 0;
}

#define NRB_UDATA(c) nftnl_udata_buf_data((c)->ud), nftnl_udata_buf_len((c)->ud)

static int nrb_table_msg(struct nrb *c, uint16_t type, uint8_t family, uint16_t flags,
			 int with_comment)
{
	struct nftnl_table *t;
	struct nlmsghdr *nlh;
	int rc = -ENOMEM;

	if (!(t = nftnl_table_alloc()))
		return -ENOMEM;
	if (nftnl_table_set_str(t, NFTNL_TABLE_NAME, NETD_NFT_TABLE) < 0)
		goto out;
	if (type == NFT_MSG_NEWTABLE)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, 0);
	if (with_comment) {
		if (nrb_comment(c, NFTNL_UDATA_TABLE_COMMENT, NFT_TABLE_COMMENT) < 0 ||
		    nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, NRB_UDATA(c)) < 0)
			goto out;
	}
	nlh = nrb_hdr(c, type, family, flags);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nrb_put(c, nlh);
	rc = 0;
out:
	nftnl_table_free(t);
	return rc;
}

static int nrb_table_begin(void *ctx, uint8_t family, int populated, char *err, size_t errlen)
{
	struct nrb *c = ctx;
	int rc;

	(void)err;
	(void)errlen;
	if ((rc = nrb_table_msg(c, NFT_MSG_NEWTABLE, family, NLM_F_CREATE, 0)) < 0 ||
	    (rc = nrb_table_msg(c, NFT_MSG_DELTABLE, family, 0, 0)) < 0)
		return rc;
	if (populated)
		return nrb_table_msg(c, NFT_MSG_NEWTABLE, family, NLM_F_CREATE, 1);
	return 0;
}

static int nrb_chain(void *ctx, const struct nft_chain_def *d, char *err, size_t errlen)
{
	struct nrb *c = ctx;
	struct nftnl_chain *ch;
	struct nlmsghdr *nlh;
	int rc = -ENOMEM;

	(void)err;
	(void)errlen;
	if (!(ch = nftnl_chain_alloc()))
		return -ENOMEM;
	if (nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, NETD_NFT_TABLE) < 0 ||
	    nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, d->name) < 0 ||
	    nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, d->type) < 0)
		goto out;
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, d->hook);
	nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, d->prio);
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	if (nrb_comment(c, NFTNL_UDATA_CHAIN_COMMENT, d->comment) < 0 ||
	    nftnl_chain_set_data(ch, NFTNL_CHAIN_USERDATA, NRB_UDATA(c)) < 0)
		goto out;
	nlh = nrb_hdr(c, NFT_MSG_NEWCHAIN, d->family, NLM_F_CREATE);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	nrb_put(c, nlh);
	rc = 0;
out:
	nftnl_chain_free(ch);
	return rc;
}

static int nrb_rule(void *ctx, const struct nft_rule_def *d, char *err, size_t errlen)
{
	struct nrb *c = ctx;
	const struct nft_chain_def *cd = &nft_chains[d->chain];
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;
	int rc = -ENOMEM;

	if (!(r = nftnl_rule_alloc()))
		return -ENOMEM;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, cd->family);
	if (nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NETD_NFT_TABLE) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, cd->name) < 0)
		goto out;
	if ((rc = nft_expr_rule(r, d)) < 0) {
		err_set(err, errlen, "encoding rule \"%s\": %s", d->comment, strerror(-rc));
		goto out;
	}
	rc = -ENOMEM;
	if (nrb_comment(c, NFTNL_UDATA_RULE_COMMENT, d->comment) < 0 ||
	    nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, NRB_UDATA(c)) < 0)
		goto out;
	nlh = nrb_hdr(c, NFT_MSG_NEWRULE, cd->family, NLM_F_CREATE | NLM_F_APPEND);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nrb_put(c, nlh);
	rc = 0;
out:
	nftnl_rule_free(r);
	return rc;
}

static const struct nft_visitor nrb_visitor = {
	.table_begin = nrb_table_begin,
	.chain_begin = nrb_chain,
	.rule = nrb_rule,
};

int nft_ruleset_build(const struct netd_state *st, uint32_t seq, char *buf, size_t buflen,
		      size_t *len, char *err, size_t errlen)
{
	struct nrb *c;
	int rc;

	*len = 0;
	c = calloc(1, sizeof(*c));
	if (!c) {
		err_set(err, errlen, "building the nftables batch: out of memory");
		return -ENOMEM;
	}
	c->seq = seq;
	c->buflen = buf ? buflen : 0;
	if (buf && !(c->b = mnl_nlmsg_batch_start(buf, buflen))) {
		rc = -ENOMEM;
		goto nomem;
	}

	nrb_put(c, nftnl_batch_begin(c->scratch.buf, c->seq++));
	rc = nft_model_walk(st, &nrb_visitor, c, err, errlen);
	if (rc == -ENOMEM)
		goto nomem;
	if (rc < 0)
		goto out;
	nrb_put(c, nftnl_batch_end(c->scratch.buf, c->seq++));

	if (c->full) {
		*len = c->need;
		err_set(err, errlen, "the nftables batch needs %zu bytes, the buffer holds %zu",
			c->need, buflen);
		rc = -ENOSPC;
		goto out;
	}
	*len = mnl_nlmsg_batch_size(c->b);
	rc = 0;
	goto out;
nomem:
	err_set(err, errlen, "building the nftables batch: out of memory");
out:
	if (c->b)
		mnl_nlmsg_batch_stop(c->b);
	if (c->ud)
		nftnl_udata_buf_free(c->ud);
	free(c);
	return rc;
}

int nft_ruleset_build_alloc(const struct netd_state *st, uint32_t seq, char **buf,
			    size_t *len, char *err, size_t errlen)
{
	size_t size = 64 * 1024;
	int rc;

	*buf = NULL;
	for (;;) {
		char *p = xmalloc(size);

		rc = nft_ruleset_build(st, seq, p, size, len, err, errlen);
		if (rc == 0) {
			*buf = p;
			return 0;
		}
		free(p);
		if (rc != -ENOSPC || *len <= size)
			return rc;
		size = *len;
	}
}
