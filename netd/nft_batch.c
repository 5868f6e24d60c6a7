/*
 * The socket side of nftables.  The kernel handles a whole batch inside
 * sendmsg(): it checks every message, queues one ACK per message that has
 * NLM_F_ACK (0 or an error; processing goes on after an error so every
 * problem is reported), then commits or aborts, and only then delivers the
 * ACKs.  A commit failure, or a refusal of the whole batch, comes as an
 * error against BATCH_BEGIN, before the per-message ACKs.  So when send
 * returns, everything there is to read is already queued: nft_apply_io
 * reads until it has one ACK per NLM_F_ACK message or a BATCH_BEGIN
 * error, and the socket has a receive timeout only as a safety net.
 *
 * The receive buffer must hold every ACK at once (the kernel drops what
 * does not fit, and recv then fails with ENOBUFS), so nft_apply sizes it
 * from the number of messages, as nft(8) does; NETLINK_CAP_ACK keeps each
 * error small and NETLINK_EXT_ACK adds the kernel's text when it has one.
 */
#include "netd/nft_batch.h"
#include "netd/nft_describe.h"
#include "common/xalloc.h"

#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <libmnl/libmnl.h>

#define NFT_RECV_BUF (64 * 1024)
#define NFT_ACK_TRUESIZE 2048          /* receive-buffer bytes per ACK */
#define NFT_RECV_TIMEOUT_S 10

struct nft_scan {
	size_t n_msgs;
	size_t n_ack;                  /* messages with NLM_F_ACK */
	uint32_t begin_seq;
};

/* The batch must be whole messages, BATCH_BEGIN first and BATCH_END last. */
static int batch_scan(const char *buf, size_t len, struct nft_scan *s, char *err, size_t errlen)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf, *last = NULL;
	int rest = (int)len;

	memset(s, 0, sizeof(*s));
	if (!buf || len == 0 || len > (size_t)INT32_MAX) {
		err_set(err, errlen, "nftables batch of %zu bytes: nothing to send", len);
		return -EINVAL;
	}
	while (rest > 0) {
		if (!mnl_nlmsg_ok(nlh, rest)) {
			err_set(err, errlen, "nftables batch: message %zu is truncated (byte %zu of %zu)",
				s->n_msgs, len - (size_t)rest, len);
			return -EINVAL;
		}
		if (s->n_msgs == 0)
			s->begin_seq = nlh->nlmsg_seq;
		if (nlh->nlmsg_flags & NLM_F_ACK)
			s->n_ack++;
		s->n_msgs++;
		last = nlh;
		nlh = mnl_nlmsg_next(nlh, &rest);
	}
	if (((const struct nlmsghdr *)buf)->nlmsg_type != NFNL_MSG_BATCH_BEGIN ||
	    last->nlmsg_type != NFNL_MSG_BATCH_END) {
		err_set(err, errlen, "nftables batch does not start with BATCH_BEGIN and end with BATCH_END");
		return -EINVAL;
	}
	return 0;
}

/* The message of the batch with sequence number seq, described briefly. */
static char *batch_msg_name(const char *buf, size_t len, uint32_t seq)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int rest = (int)len;

	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest))
		if (nlh->nlmsg_seq == seq)
			return nft_describe_msg(nlh, 1);
	return NULL;
}

struct nft_acks {
	size_t got;
	size_t n_err;
	int first_err;                 /* -errno of the lowest failing seq */
	uint32_t first_seq;
	int refused;                   /* an error against BATCH_BEGIN */
	char ext[256];                 /* the kernel's text for first_err */
};

static int extack_cb(const struct nlattr *a, void *data)
{
	char *out = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(out, 256, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static void ack_extack(const struct nlmsghdr *nlh, char *out)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	out[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return;
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (MNL_ALIGN(off) > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, (unsigned int)off, extack_cb, out);
}

/* One datagram of ACKs. */
static int acks_read(struct nft_acks *a, const struct nft_scan *s, const char *rbuf, size_t n,
		     char *err, size_t errlen)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)rbuf;
	int rest = (int)n;

	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
		const struct nlmsgerr *e;
		int is_begin = nlh->nlmsg_seq == s->begin_seq;

		if (nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
			err_set(err, errlen, "nftables: truncated acknowledgement from the kernel");
			return -EPROTO;
		}
		e = mnl_nlmsg_get_payload(nlh);
		if (!is_begin)
			a->got++;
		if (e->error == 0)
			continue;
		if (is_begin)
			a->refused = 1;
		if (a->n_err == 0 || is_begin || nlh->nlmsg_seq < a->first_seq) {
			a->first_err = e->error > 0 ? -e->error : e->error;
			a->first_seq = nlh->nlmsg_seq;
			ack_extack(nlh, a->ext);
		}
		a->n_err++;
	}
	if (rest > 0) {
		err_set(err, errlen, "nftables: malformed acknowledgement from the kernel");
		return -EPROTO;
	}
	return 0;
}

static void acks_report(const struct nft_acks *a, const char *buf, size_t len, char *err, size_t errlen)
{
	char *what = batch_msg_name(buf, len, a->first_seq);
	char more[48] = "", ext[280] = "";

	if (a->n_err > 1)
		snprintf(more, sizeof(more), " (and %zu more error%s)", a->n_err - 1,
			 a->n_err > 2 ? "s" : "");
	if (a->ext[0])
		snprintf(ext, sizeof(ext), " (%s)", a->ext);
	if (a->refused)
		err_set(err, errlen, "nftables refused the whole batch: %s%s%s", strerror(-a->first_err),
			ext, a->first_err == -EPERM ? "; croft-netd needs CAP_NET_ADMIN" : "");
	else if (what)
		err_set(err, errlen, "nftables refused %s: %s%s%s", what, strerror(-a->first_err), ext, more);
	else
		err_set(err, errlen, "nftables refused message seq %u: %s%s%s", (unsigned)a->first_seq,
			strerror(-a->first_err), ext, more);
	free(what);
}

int nft_apply_io(const struct nft_io *io, void *ctx, const char *buf, size_t len,
		 char *err, size_t errlen)
{
	struct nft_acks a;
	struct nft_scan s;
	char *rbuf = NULL;
	ssize_t n;
	int rc;

	memset(&a, 0, sizeof(a));
	if ((rc = batch_scan(buf, len, &s, err, errlen)) < 0)
		return rc;
	n = io->send(ctx, buf, len);
	if (n < 0) {
		err_set(err, errlen, "sending the nftables batch (%zu bytes): %s", len, strerror((int)-n));
		return (int)n;
	}
	if ((size_t)n != len) {
		err_set(err, errlen, "sending the nftables batch: sent %zd of %zu bytes", n, len);
		return -EIO;
	}
	rbuf = xmalloc(NFT_RECV_BUF);
	while (a.got < s.n_ack && !a.refused) {
		n = io->recv(ctx, rbuf, NFT_RECV_BUF);
		if (n == -EAGAIN || n == -EWOULDBLOCK) {
			err_set(err, errlen, "nftables: no answer from the kernel (%zu of %zu acknowledgements)",
				a.got, s.n_ack);
			rc = -ETIMEDOUT;
			goto out;
		}
		if (n == -ENOBUFS) {
			err_set(err, errlen, "nftables: acknowledgements lost, the receive buffer overflowed "
				"(%zu of %zu read); the batch may or may not have been applied", a.got, s.n_ack);
			rc = -ENOBUFS;
			goto out;
		}
		if (n < 0) {
			err_set(err, errlen, "reading nftables acknowledgements: %s", strerror((int)-n));
			rc = (int)n;
			goto out;
		}
		if (n == 0) {
			err_set(err, errlen, "nftables: the socket closed after %zu of %zu acknowledgements",
				a.got, s.n_ack);
			rc = -EPROTO;
			goto out;
		}
		if ((rc = acks_read(&a, &s, rbuf, (size_t)n, err, errlen)) < 0)
			goto out;
	}
	rc = 0;
	if (a.n_err) {
		acks_report(&a, buf, len, err, errlen);
		rc = a.first_err;
	}
out:
	free(rbuf);
	return rc;
}

/* ---- the real socket ---------------------------------------------------- */

static ssize_t sock_send(void *ctx, const void *buf, size_t len)
{
	ssize_t n = mnl_socket_sendto(ctx, buf, len);

	return n < 0 ? -errno : n;
}

static ssize_t sock_recv(void *ctx, void *buf, size_t len)
{
	ssize_t n = mnl_socket_recvfrom(ctx, buf, len);

	return n < 0 ? -errno : n;
}

static const struct nft_io sock_io = { sock_send, sock_recv };

/* SO_*BUFFORCE ignores the sysctl limits (CAP_NET_ADMIN); without it the
 * plain option still gets as much as the limits allow. */
static void sock_bufsize(struct mnl_socket *nl, int force, int plain, size_t want)
{
	int fd = mnl_socket_get_fd(nl), v = want > INT32_MAX / 2 ? INT32_MAX / 2 : (int)want;
	int cur = 0;
	socklen_t sl = sizeof(cur);

	if (getsockopt(fd, SOL_SOCKET, plain, &cur, &sl) == 0 && cur >= v)
		return;
	if (setsockopt(fd, SOL_SOCKET, force, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, plain, &v, sizeof(v));
}

int nft_apply(const char *buf, size_t len, char *err, size_t errlen)
{
	struct timeval tv = { NFT_RECV_TIMEOUT_S, 0 };
	struct mnl_socket *nl;
	struct nft_scan s;
	int one = 1, rc;

	if ((rc = batch_scan(buf, len, &s, err, errlen)) < 0)
		return rc;
	if (!(nl = mnl_socket_open(NETLINK_NETFILTER))) {
		rc = -errno;
		err_set(err, errlen, "opening a netfilter netlink socket: %s", strerror(-rc));
		return rc;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		err_set(err, errlen, "binding the netfilter netlink socket: %s", strerror(-rc));
		goto out;
	}
	/* Both are refinements; older kernels without them still work. */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	sock_bufsize(nl, SO_SNDBUFFORCE, SO_SNDBUF, len + 4096);
	sock_bufsize(nl, SO_RCVBUFFORCE, SO_RCVBUF, (s.n_ack + 16) * NFT_ACK_TRUESIZE);
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rc = nft_apply_io(&sock_io, nl, buf, len, err, errlen);
out:
	mnl_socket_close(nl);
	return rc;
}
