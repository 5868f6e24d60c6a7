/*
 * Parse-back of nftables netlink messages, for tests, logs and error
 * messages: each message goes back through libnftnl's own parsers and
 * comes out as one canonical line, so a batch (or a kernel dump) can be
 * compared line by line with what it should contain:
 *
 *   batch begin
 *   table inet croft
 *   delete table inet croft
 *   table inet croft comment="managed by ..."
 *   chain inet croft forward type=filter hook=forward prio=0 policy=accept comment="..."
 *   rule inet croft forward [ meta load iifname => reg 1 ] [ cmp eq reg 1 0x... ] ... comment="..."
 *   batch end
 *
 * Expressions print exactly as `nft --debug=netlink` prints them.  Only
 * what croft sets is shown: handles, counters and use counts of kernel
 * dumps are left out, so a dump of what a batch created reads the same
 * as the batch.
 */
#ifndef CROFT_NFT_DESCRIBE_H
#define CROFT_NFT_DESCRIBE_H

#include <stddef.h>

struct nlmsghdr;

struct nft_desc {
	char **lines;      /* owned, each malloc'ed */
	size_t n;
};

/* One line per netlink message in buf[0..len).  0, or -EINVAL (err says
 * which message) for a buffer that is not a sequence of well-formed
 * messages.  d is filled only on success; free it with nft_desc_free. */
int nft_describe(const void *buf, size_t len, struct nft_desc *d, char *err, size_t errlen);
void nft_desc_free(struct nft_desc *d);

/*
 * One message.  brief leaves out expressions and chain details
 * ("rule inet croft forward \"nat lan: replies to guests\""), for error
 * messages.  Returns a malloc'ed line, or NULL when libnftnl cannot parse
 * the message.
 */
char *nft_describe_msg(const struct nlmsghdr *nlh, int brief);

#endif
