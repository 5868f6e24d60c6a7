/*
 * rtnetlink socket I/O over libmnl.  Extended acks are switched on so the
 * kernel's own explanation ("Invalid VLAN id") reaches the user.  Answers
 * are matched by sequence number and port id; anything else on the socket
 * is ignored.  A dump is always read to its end, even after the callback
 * failed, so the socket is clean for the next request.
 */
#include "netd/nl_sock.h"
#include "netd/nl_build.h"
#include "netd/nl_parse.h"
#include "common/xalloc.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define RECV_BUFSZ (64 * 1024)

struct nl_sock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char *buf;
};

int nl_sock_open(struct nl_sock **out, char *err, size_t errlen)
{
	struct nl_sock *s = xcalloc(1, sizeof(*s));
	int one = 1, rc;

	s->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!s->nl) {
		rc = -errno;
		err_set(err, errlen, "cannot open an rtnetlink socket: %s", strerror(-rc));
		goto fail;
	}
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot bind the rtnetlink socket: %s", strerror(-rc));
		goto fail;
	}
	/* Best effort: without it errors just lack the kernel's text. */
	mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)time(NULL);
	s->buf = xmalloc(RECV_BUFSZ);
	*out = s;
	return 0;
fail:
	nl_sock_close(s);
	return rc;
}

void nl_sock_close(struct nl_sock *s)
{
	if (!s)
		return;
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s->buf);
	free(s);
}

uint32_t nl_sock_seq(struct nl_sock *s)
{
	return ++s->seq;
}

static int send_req(struct nl_sock *s, const struct nlmsghdr *req, const char *what,
		    char *err, size_t errlen)
{
	if (mnl_socket_sendto(s->nl, req, req->nlmsg_len) < 0) {
		int rc = -errno;

		err_set(err, errlen, "cannot %s: sending to the kernel failed: %s", what,
			strerror(errno));
		return rc;
	}
	return 0;
}

static int set_kernel_error(int error, const char *kmsg, const char *what, char *err,
			    size_t errlen)
{
	if (kmsg[0])
		err_set(err, errlen, "cannot %s: %s (%s)", what, strerror(-error), kmsg);
	else
		err_set(err, errlen, "cannot %s: %s", what, strerror(-error));
	return error;
}

/*
 * Send req and read its answer to the end: NLMSG_DONE or the ack (an
 * NLMSG_ERROR, 0 for success).  Data messages go to cb; a request that
 * expects only an ack passes cb NULL and they are ignored.
 */
static int exchange(struct nl_sock *s, const struct nlmsghdr *req, nl_dump_cb cb, void *data,
		    const char *what, char *err, size_t errlen)
{
	char kmsg[256];
	ssize_t n;
	int rc, cbrc = 0, intr = 0, error;

	rc = send_req(s, req, what, err, errlen);
	if (rc < 0)
		return rc;
	for (;;) {
		const struct nlmsghdr *nlh;
		int len;

		n = mnl_socket_recvfrom(s->nl, s->buf, RECV_BUFSZ);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			err_set(err, errlen, "cannot %s: reading the kernel's answer failed: %s",
				what, strerror(errno));
			return rc;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)s->buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != req->nlmsg_seq || nlh->nlmsg_pid != s->portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = 1;
			if (nlh->nlmsg_type == NLMSG_DONE)
				goto done;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				if (nl_parse_error(nlh, &error, kmsg, sizeof(kmsg)) < 0) {
					err_set(err, errlen, "cannot %s: malformed answer from the kernel",
						what);
					return -EPROTO;
				}
				if (error == 0)
					goto done;
				return set_kernel_error(error, kmsg, what, err, errlen);
			}
			if (cb && !cbrc) {
				cbrc = cb(nlh, data);
				if (cbrc < 0)
					err_set(err, errlen, "cannot %s: %s", what,
						cbrc == -EINVAL ? "malformed answer from the kernel"
								: strerror(-cbrc));
			}
		}
	}
done:
	if (cbrc < 0)
		return cbrc;
	if (intr) {
		err_set(err, errlen, "cannot %s: the kernel's answer changed while it was read", what);
		return -EAGAIN;
	}
	return 0;
}

int nl_sock_request(struct nl_sock *s, const struct nlmsghdr *req, const char *what,
		    char *err, size_t errlen)
{
	return exchange(s, req, NULL, NULL, what, err, errlen);
}

int nl_sock_dump(struct nl_sock *s, const struct nlmsghdr *req, nl_dump_cb cb, void *data,
		 const char *what, char *err, size_t errlen)
{
	return exchange(s, req, cb, data, what, err, errlen);
}
