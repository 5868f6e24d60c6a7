/*
 * Message -> line.  A table of message types says which libnftnl object
 * parses each one and how it prints; everything else prints as its type
 * number, so an unexpected message still shows up in a comparison.
 */
#include "netd/nft_describe.h"
#include "netd/nft_model.h"
#include "common/xalloc.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

static const char *hook_name(uint8_t family, uint32_t hook)
{
	static const char *const inet[] = { "prerouting", "input", "forward", "output", "postrouting" };

	if (family == NFPROTO_NETDEV)
		return hook == 0 ? "ingress" : "?";
	return hook < sizeof(inet) / sizeof(inet[0]) ? inet[hook] : "?";
}

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char **out = data;
	const char *s = nftnl_udata_get(attr);
	uint8_t len = nftnl_udata_len(attr);

	/* Table, chain and rule comments are all type 0. */
	if (nftnl_udata_type(attr) == 0 && len > 0 && s[len - 1] == '\0')
		*out = s;
	return 0;
}

static void put_comment(FILE *f, const void *ud, uint32_t len, int brief)
{
	const char *c = NULL;

	if (!ud || !len)
		return;
	nftnl_udata_parse(ud, len, comment_cb, &c);
	if (c)
		fprintf(f, brief ? " \"%s\"" : " comment=\"%s\"", c);
}

static void d_table(FILE *f, const struct nlmsghdr *nlh, const char *verb, int brief, int *ok)
{
	struct nftnl_table *t = nftnl_table_alloc();
	const void *ud;
	uint32_t len = 0;

	if (!t || nftnl_table_nlmsg_parse(nlh, t) < 0)
		goto out;
	fprintf(f, "%stable %s %s", verb, nft_family_name((uint8_t)nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY)),
		nftnl_table_get_str(t, NFTNL_TABLE_NAME));
	if (!brief && nftnl_table_is_set(t, NFTNL_TABLE_FLAGS) && nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS))
		fprintf(f, " flags=0x%x", nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS));
	if (!brief && nftnl_table_is_set(t, NFTNL_TABLE_USERDATA)) {
		ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
		put_comment(f, ud, len, 0);
	}
	*ok = 1;
out:
	if (t)
		nftnl_table_free(t);
}

static void d_chain(FILE *f, const struct nlmsghdr *nlh, const char *verb, int brief, int *ok)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	uint8_t fam;
	const void *ud;
	uint32_t len = 0;

	if (!c || nftnl_chain_nlmsg_parse(nlh, c) < 0)
		goto out;
	fam = (uint8_t)nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
	fprintf(f, "%schain %s %s %s", verb, nft_family_name(fam),
		nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	if (brief)
		goto done;
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE))
		fprintf(f, " type=%s", nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE));
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM))
		fprintf(f, " hook=%s prio=%d", hook_name(fam, nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM)),
			(int)nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO));
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY))
		fprintf(f, " policy=%s",
			nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_ACCEPT ? "accept" : "drop");
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_USERDATA)) {
		ud = nftnl_chain_get_data(c, NFTNL_CHAIN_USERDATA, &len);
		put_comment(f, ud, len, 0);
	}
done:
	*ok = 1;
out:
	if (c)
		nftnl_chain_free(c);
}

static int d_expr(struct nftnl_expr *e, void *data)
{
	FILE *f = data;
	char buf[1024];

	nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
	fprintf(f, " [ %s %s]", nftnl_expr_get_str(e, NFTNL_EXPR_NAME), buf);
	return 0;
}

static void d_rule(FILE *f, const struct nlmsghdr *nlh, const char *verb, int brief, int *ok)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	const void *ud;
	uint32_t len = 0;

	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	fprintf(f, "%srule %s %s %s", verb,
		nft_family_name((uint8_t)nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY)),
		nftnl_rule_get_str(r, NFTNL_RULE_TABLE), nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	if (!brief)
		nftnl_expr_foreach(r, d_expr, f);
	if (nftnl_rule_is_set(r, NFTNL_RULE_USERDATA)) {
		ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
		put_comment(f, ud, len, brief);
	}
	*ok = 1;
out:
	if (r)
		nftnl_rule_free(r);
}

struct d_type {
	uint16_t type;            /* NFT_MSG_* */
	const char *verb;
	void (*print)(FILE *f, const struct nlmsghdr *nlh, const char *verb, int brief, int *ok);
};

static const struct d_type d_types[] = {
	{ NFT_MSG_NEWTABLE, "",        d_table },
	{ NFT_MSG_DELTABLE, "delete ", d_table },
	{ NFT_MSG_NEWCHAIN, "",        d_chain },
	{ NFT_MSG_DELCHAIN, "delete ", d_chain },
	{ NFT_MSG_NEWRULE,  "",        d_rule },
	{ NFT_MSG_DELRULE,  "delete ", d_rule },
};

char *nft_describe_msg(const struct nlmsghdr *nlh, int brief)
{
	uint16_t subsys = NFNL_SUBSYS_ID(nlh->nlmsg_type);
	uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	char *line = NULL;
	size_t len = 0, i;
	int ok = 0;
	FILE *f;

	if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN)
		return xstrdup("batch begin");
	if (nlh->nlmsg_type == NFNL_MSG_BATCH_END)
		return xstrdup("batch end");
	if (!(f = open_memstream(&line, &len)))
		return NULL;
	for (i = 0; subsys == NFNL_SUBSYS_NFTABLES && i < sizeof(d_types) / sizeof(d_types[0]); i++)
		if (d_types[i].type == type)
			break;
	if (subsys == NFNL_SUBSYS_NFTABLES && i < sizeof(d_types) / sizeof(d_types[0])) {
		d_types[i].print(f, nlh, d_types[i].verb, brief, &ok);
	} else {
		fprintf(f, "message type 0x%04x", (unsigned)nlh->nlmsg_type);
		ok = 1;
	}
	if (fclose(f) != 0 || !ok) {
		free(line);
		return NULL;
	}
	return line;
}

void nft_desc_free(struct nft_desc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	d->lines = NULL;
	d->n = 0;
}

int nft_describe(const void *buf, size_t len, struct nft_desc *d, char *err, size_t errlen)
{
	const struct nlmsghdr *nlh = buf;
	struct nft_desc out = { NULL, 0 };
	size_t cap = 0;
	int rest = (int)len;

	if (len > (size_t)INT32_MAX) {
		err_set(err, errlen, "nftables batch of %zu bytes is too large to parse", len);
		return -EINVAL;
	}
	while (rest > 0) {
		char *line;

		if (!mnl_nlmsg_ok(nlh, rest)) {
			err_set(err, errlen, "message %zu: truncated or malformed at byte %zu of %zu",
				out.n, len - (size_t)rest, len);
			goto fail;
		}
		if (!(line = nft_describe_msg(nlh, 0))) {
			err_set(err, errlen, "message %zu (type 0x%04x, seq %u): libnftnl cannot parse it",
				out.n, (unsigned)nlh->nlmsg_type, (unsigned)nlh->nlmsg_seq);
			goto fail;
		}
		if (out.n == cap) {
			cap = cap ? 2 * cap : 64;
			out.lines = xrealloc(out.lines, cap * sizeof(*out.lines));
		}
		out.lines[out.n++] = line;
		nlh = mnl_nlmsg_next(nlh, &rest);
	}
	*d = out;
	return 0;
fail:
	nft_desc_free(&out);
	return -EINVAL;
}
