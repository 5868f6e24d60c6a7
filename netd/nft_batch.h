/*
 * Sending an nftables batch (nft_ruleset.h) to the kernel and reading its
 * verdict.  The kernel applies a batch all or nothing; it answers every
 * message that asked for an ACK, with 0 or an error, and sends a single
 * error against BATCH_BEGIN when it refuses the batch as a whole (no
 * permission, commit failure).  nft_apply() waits for all of them and
 * names the first message that failed.
 *
 * The socket sits behind struct nft_io so tests can play the kernel.
 */
#ifndef CROFT_NFT_BATCH_H
#define CROFT_NFT_BATCH_H

#include <stddef.h>
#include <sys/types.h>

struct nft_io {
	/* Send the whole batch in one datagram: bytes sent, or -errno. */
	ssize_t (*send)(void *ctx, const void *buf, size_t len);
	/* Receive one datagram into buf: its length, or -errno (-EAGAIN when
	 * nothing came in time). */
	ssize_t (*recv)(void *ctx, void *buf, size_t len);
};

/*
 * Apply a batch on a fresh NETLINK_NETFILTER socket of the caller's
 * network namespace.  0 when the kernel committed it; else -errno and err
 * names the failure, e.g. "nftables refused rule inet croft forward
 * \"isolate lan: ...\": No such file or directory (and 2 more errors)".
 */
int nft_apply(const char *buf, size_t len, char *err, size_t errlen);

/* The same over io/ctx (nft_apply passes the socket). */
int nft_apply_io(const struct nft_io *io, void *ctx, const char *buf, size_t len,
		 char *err, size_t errlen);

#endif
