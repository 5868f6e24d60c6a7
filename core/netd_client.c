/*
 * The croftd end of the netd protocol; see netd_client.h for the model.
 * The socket is blocking with a send timeout; replies are awaited with
 * poll() until a deadline.  Every request gets a fresh seq, and a message
 * whose seq is not the one awaited (the late answer to a request that
 * timed out) is skipped.  Any failure of the socket itself closes it, so
 * the next request or the retry timer starts over with HELLO and a full
 * push.
 */
#include "core/netd_client.h"
#include "common/loop.h"
#include "core/net_state.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

struct netd_client {
	struct loop *loop;
	char *path;
	struct netd_client_ops ops;
	netd_state_fn state_fn;
	void *state_data;
	netd_connected_fn connected_fn;
	void *connected_data;
	int fd;                      /* -1 when disconnected */
	uint32_t seq;
	int timeout_ms;
	struct loop_timer *retry;
	int retry_ms;                /* the pending retry's delay, 0: none */
	int backoff_ms;              /* the next retry's */
	int retry_min_ms, retry_max_ms;
	int down_logged;             /* said once that netd is not there */
};

static int unix_connect(void *ctx, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	(void)ctx;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

const struct netd_client_ops netd_client_unix_ops = { unix_connect, NULL };

/* "5 s", or "200 ms" for the short timeouts of tests. */
static const char *timeout_str(const struct netd_client *c, char *buf, size_t len)
{
	if (c->timeout_ms % 1000)
		snprintf(buf, len, "%d ms", c->timeout_ms);
	else
		snprintf(buf, len, "%d s", c->timeout_ms / 1000);
	return buf;
}

static void unavailable(const struct netd_client *c, char *err, size_t errlen)
{
	err_set(err, errlen, "croft-netd is not running (no answer at %s)", c->path);
}

static void retry_cb(struct loop *l, struct loop_timer *t, void *data);
static void idle_cb(struct loop *l, int fd, uint32_t events, void *data);

int netd_client_backoff(int prev_ms, int min_ms, int max_ms)
{
	if (prev_ms < min_ms)
		return min_ms;
	return prev_ms > max_ms / 2 ? max_ms : prev_ms * 2;
}

static void schedule_retry(struct netd_client *c)
{
	if (!c->loop || c->retry)
		return;
	c->retry_ms = c->backoff_ms;
	c->retry = loop_timer_add(c->loop, (uint64_t)c->retry_ms, retry_cb, c);
	c->backoff_ms = netd_client_backoff(c->backoff_ms, c->retry_min_ms, c->retry_max_ms);
}

static void drop(struct netd_client *c, const char *why)
{
	if (c->fd < 0)
		return;
	if (c->loop)
		loop_del(c->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	log_warn("lost the connection to croft-netd at %s (%s); retrying", c->path, why);
	c->down_logged = 1;
	schedule_retry(c);
}

/* --- one message each way ------------------------------------------------- */

static int send_msg(struct netd_client *c, struct netd_msg *m, char *err, size_t errlen)
{
	char t[32];
	ssize_t n;

	do
		n = send(c->fd, m, sizeof(*m), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*m))
		return 0;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		err_set(err, errlen, "croft-netd did not take a message within %s",
			timeout_str(c, t, sizeof(t)));
		drop(c, "send timed out");
		return -ETIMEDOUT;
	}
	err_set(err, errlen, "cannot write to croft-netd at %s: %s", c->path,
		n < 0 ? strerror(errno) : "short write");
	drop(c, n < 0 ? strerror(errno) : "short write");
	return -ECONNRESET;
}

/* The next message with seq (others are stale and skipped). */
static int recv_msg(struct netd_client *c, uint32_t seq, struct netd_msg *m,
		    uint64_t deadline, char *err, size_t errlen)
{
	for (;;) {
		uint64_t now = loop_now_ms();
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		char t[32];
		ssize_t n;
		int r;

		if (now >= deadline) {
			err_set(err, errlen, "croft-netd did not answer within %s",
				timeout_str(c, t, sizeof(t)));
			drop(c, "no answer");
			return -ETIMEDOUT;
		}
		r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			continue;
		if (r < 0) {
			err_set(err, errlen, "poll: %s", strerror(errno));
			drop(c, strerror(errno));
			return -ECONNRESET;
		}
		n = recv(c->fd, m, sizeof(*m), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			err_set(err, errlen, "croft-netd closed the connection at %s%s%s", c->path,
				n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			drop(c, n < 0 ? strerror(errno) : "closed by croft-netd");
			return -ECONNRESET;
		}
		if (n != (ssize_t)sizeof(*m)) {
			err_set(err, errlen, "croft-netd sent a message of %zd bytes, not %zu",
				n, sizeof(*m));
			drop(c, "malformed message");
			return -EPROTO;
		}
		if (m->seq == seq)
			return 0;
		log_debug("netd: skipping a stale message (seq %u, waiting for %u)",
			  m->seq, seq);
	}
}

/* The REPLY to what was just sent with seq: its status, text in err. */
static int await_reply(struct netd_client *c, uint32_t seq, uint64_t deadline,
		       char *err, size_t errlen)
{
	struct netd_msg m;
	int r;

	r = recv_msg(c, seq, &m, deadline, err, errlen);
	if (r < 0)
		return r;
	if (m.type != NETD_MSG_REPLY) {
		err_set(err, errlen, "croft-netd answered with message type %u, not a reply",
			m.type);
		drop(c, "unexpected message");
		return -EPROTO;
	}
	m.u.reply.text[sizeof(m.u.reply.text) - 1] = '\0';
	if (m.u.reply.status > 0) {
		err_set(err, errlen, "croft-netd answered with status %d", m.u.reply.status);
		drop(c, "malformed reply");
		return -EPROTO;
	}
	if (m.u.reply.status < 0)
		err_set(err, errlen, "%s", m.u.reply.text[0] ? m.u.reply.text
				     : strerror(-m.u.reply.status));
	return m.u.reply.status;
}

static void msg_init(struct netd_client *c, struct netd_msg *m, uint32_t type, uint32_t seq)
{
	(void)c;
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->seq = seq;
}

static uint64_t deadline_of(const struct netd_client *c)
{
	return loop_now_ms() + (uint64_t)c->timeout_ms;
}

/* --- connecting ------------------------------------------------------------ */

static int push_locked(struct netd_client *c, const struct net_state *s,
		       char *err, size_t errlen);

static int connect_now(struct netd_client *c, char *err, size_t errlen)
{
	struct timeval tv = { c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000 };
	struct net_state s = { 0 };
	struct netd_msg m;
	char why[NETD_TEXT_LEN + 64];
	uint32_t seq;
	int fd, r;

	fd = c->ops.connect(c->ops.ctx, c->path);
	if (fd < 0) {
		if (!c->down_logged)
			log_warn("croft-netd is not running (no answer at %s: %s); networks are unavailable until it starts (croftd keeps trying)",
				 c->path, strerror(-fd));
		else
			log_debug("netd: connect %s: %s", c->path, strerror(-fd));
		c->down_logged = 1;
		unavailable(c, err, errlen);
		return -ENOTCONN;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->fd = fd;
	seq = ++c->seq;
	msg_init(c, &m, NETD_MSG_HELLO, seq);
	m.u.hello.version = NETD_PROTO_VERSION;
	r = send_msg(c, &m, why, sizeof(why));
	if (r == 0)
		r = await_reply(c, seq, deadline_of(c), why, sizeof(why));
	if (r < 0) {
		if (c->fd >= 0) {
			close(c->fd);
			c->fd = -1;
		}
		if (!c->down_logged)
			log_err("croft-netd at %s refused croftd's hello: %s; retrying",
				c->path, why);
		c->down_logged = 1;
		err_set(err, errlen, "croft-netd at %s refused croftd's hello: %s", c->path, why);
		schedule_retry(c);
		return r == -ETIMEDOUT || r == -ECONNRESET ? -ENOTCONN : r;
	}
	if (c->loop && loop_add(c->loop, c->fd, EPOLLIN, idle_cb, c) < 0)
		log_warn("netd: cannot watch the connection; a restart of netd is noticed at the next request");
	log_info("connected to croft-netd at %s", c->path);
	c->down_logged = 0;

	/* A new netd (or a new croftd) gets the whole state at once. */
	r = c->state_fn ? c->state_fn(c->state_data, &s, why, sizeof(why)) : 0;
	if (r == 0 && c->state_fn)
		r = push_locked(c, &s, why, sizeof(why));
	net_state_clear(&s);
	if (r < 0 && c->fd >= 0)
		log_err("croft-netd refused croft's network state: %s", why);
	else if (r < 0)
		err_set(err, errlen, "%s", why);
	/* the backoff starts over only once the state went through, so a
	 * netd that drops every push is not retried every 100 ms */
	if (c->fd >= 0)
		c->backoff_ms = c->retry_min_ms;
	if (r == 0 && c->fd >= 0 && c->connected_fn)
		c->connected_fn(c->connected_data);
	return c->fd >= 0 ? 0 : -ENOTCONN;
}

static void retry_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct netd_client *c = data;
	char err[NETD_TEXT_LEN];

	(void)l;
	(void)t;
	c->retry = NULL;
	c->retry_ms = 0;
	if (c->fd >= 0)
		return;
	if (connect_now(c, err, sizeof(err)) < 0)
		schedule_retry(c);
}

/* netd never speaks unasked: readable while idle means it went away. */
static void idle_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct netd_client *c = data;
	struct netd_msg m;
	ssize_t n;

	(void)l;
	(void)events;
	n = recv(fd, &m, sizeof(m), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		log_debug("netd: ignoring an unsolicited message (type %u)", m.type);
		return;
	}
	drop(c, n == 0 ? "croft-netd closed the connection" : strerror(errno));
}

/* --- public ----------------------------------------------------------------- */

struct netd_client *netd_client_new(struct loop *l, const char *path,
				    const struct netd_client_ops *ops,
				    netd_state_fn state_fn, void *state_data)
{
	struct netd_client *c = xcalloc(1, sizeof(*c));

	c->loop = l;
	c->path = xstrdup(path);
	c->ops = ops ? *ops : netd_client_unix_ops;
	c->state_fn = state_fn;
	c->state_data = state_data;
	c->fd = -1;
	c->timeout_ms = NETD_CLIENT_TIMEOUT_MS;
	c->retry_min_ms = c->backoff_ms = NETD_CLIENT_RETRY_MIN_MS;
	c->retry_max_ms = NETD_CLIENT_RETRY_MAX_MS;
	return c;
}

void netd_client_on_connect(struct netd_client *c, netd_connected_fn fn, void *data)
{
	c->connected_fn = fn;
	c->connected_data = data;
}

void netd_client_free(struct netd_client *c)
{
	if (!c)
		return;
	if (c->retry)
		loop_timer_cancel(c->loop, c->retry);
	if (c->fd >= 0) {
		if (c->loop)
			loop_del(c->loop, c->fd);
		close(c->fd);
	}
	free(c->path);
	free(c);
}

int netd_client_start(struct netd_client *c)
{
	char err[NETD_TEXT_LEN];
	int r;

	if (c->fd >= 0)
		return 0;
	r = connect_now(c, err, sizeof(err));
	if (r < 0)
		schedule_retry(c);
	return r;
}

int netd_client_connected(const struct netd_client *c)
{
	return c && c->fd >= 0;
}

const char *netd_client_path(const struct netd_client *c)
{
	return c->path;
}

void netd_client_set_timeout(struct netd_client *c, int ms)
{
	c->timeout_ms = ms > 0 ? ms : NETD_CLIENT_TIMEOUT_MS;
}

void netd_client_set_retry(struct netd_client *c, int min_ms, int max_ms)
{
	c->retry_min_ms = min_ms > 0 ? min_ms : NETD_CLIENT_RETRY_MIN_MS;
	c->retry_max_ms = max_ms >= c->retry_min_ms ? max_ms : NETD_CLIENT_RETRY_MAX_MS;
	if (c->retry_max_ms < c->retry_min_ms)
		c->retry_max_ms = c->retry_min_ms;
	c->backoff_ms = c->retry_min_ms;
}

int netd_client_retry_ms(const struct netd_client *c)
{
	return c->retry ? c->retry_ms : 0;
}

int netd_client_ensure(struct netd_client *c, char *err, size_t errlen)
{
	int r;

	if (!c) {
		err_set(err, errlen, "croft-netd is not configured");
		return -ENOTCONN;
	}
	if (c->fd >= 0)
		return 0;
	r = connect_now(c, err, errlen);
	if (r < 0) {
		schedule_retry(c);
		if (r == -ENOTCONN)
			unavailable(c, err, errlen);
	}
	return r;
}

/* After the first request of a pair failed on the socket: the caller sees
 * "unavailable" with netd's path, plus what went wrong. */
static int conn_failed(struct netd_client *c, int r, char *err, size_t errlen)
{
	char why[NETD_TEXT_LEN + 64];

	if (r != -ECONNRESET)
		return r;
	snprintf(why, sizeof(why), "%s", err);
	err_set(err, errlen, "croft-netd is not running (no answer at %s): %s", c->path, why);
	return -ENOTCONN;
}

static int push_locked(struct netd_client *c, const struct net_state *s,
		       char *err, size_t errlen)
{
	struct netd_msg m;
	uint32_t seq = ++c->seq;
	size_t i;
	int r;

	msg_init(c, &m, NETD_MSG_STATE_BEGIN, seq);
	m.u.begin.nets = (uint32_t)s->n_nets;
	m.u.begin.nics = (uint32_t)s->n_nics;
	m.u.begin.fwds = (uint32_t)s->n_fwds;
	r = send_msg(c, &m, err, errlen);
	for (i = 0; r == 0 && i < s->n_nets; i++) {
		msg_init(c, &m, NETD_MSG_STATE_NET, seq);
		m.u.net = s->nets[i];
		r = send_msg(c, &m, err, errlen);
	}
	for (i = 0; r == 0 && i < s->n_nics; i++) {
		msg_init(c, &m, NETD_MSG_STATE_NIC, seq);
		m.u.nic = s->nics[i];
		r = send_msg(c, &m, err, errlen);
	}
	for (i = 0; r == 0 && i < s->n_fwds; i++) {
		msg_init(c, &m, NETD_MSG_STATE_FWD, seq);
		m.u.fwd = s->fwds[i];
		r = send_msg(c, &m, err, errlen);
	}
	if (r == 0) {
		msg_init(c, &m, NETD_MSG_STATE_COMMIT, seq);
		r = send_msg(c, &m, err, errlen);
	}
	if (r == 0)
		r = await_reply(c, seq, deadline_of(c), err, errlen);
	return r;
}

int netd_client_push(struct netd_client *c, const struct net_state *s,
		     char *err, size_t errlen)
{
	int r = netd_client_ensure(c, err, errlen);

	if (r < 0)
		return r;
	return conn_failed(c, push_locked(c, s, err, errlen), err, errlen);
}

int netd_client_check_net(struct netd_client *c, const struct netd_net *n,
			  char *err, size_t errlen)
{
	struct netd_msg m;
	uint32_t seq;
	int r = netd_client_ensure(c, err, errlen);

	if (r < 0)
		return r;
	seq = ++c->seq;
	msg_init(c, &m, NETD_MSG_CHECK_NET, seq);
	m.u.net = *n;
	r = send_msg(c, &m, err, errlen);
	if (r == 0)
		r = await_reply(c, seq, deadline_of(c), err, errlen);
	return conn_failed(c, r, err, errlen);
}

int netd_client_default_uplink(struct netd_client *c, char *ifname, char *err, size_t errlen)
{
	struct netd_msg m;
	uint32_t seq;
	int r = netd_client_ensure(c, err, errlen);

	ifname[0] = '\0';
	if (r < 0)
		return r;
	seq = ++c->seq;
	msg_init(c, &m, NETD_MSG_DEFAULT_UPLINK, seq);
	r = send_msg(c, &m, err, errlen);
	if (r == 0)
		r = recv_msg(c, seq, &m, deadline_of(c), err, errlen);
	if (r == 0 && m.type != NETD_MSG_REPLY) {
		err_set(err, errlen, "croft-netd answered DEFAULT_UPLINK with message type %u",
			m.type);
		drop(c, "unexpected message");
		r = -EPROTO;
	}
	if (r < 0)
		return conn_failed(c, r, err, errlen);
	m.u.reply.text[sizeof(m.u.reply.text) - 1] = '\0';
	if (m.u.reply.status < 0) {
		err_set(err, errlen, "%s", m.u.reply.text[0] ? m.u.reply.text
				     : strerror(-m.u.reply.status));
		return m.u.reply.status;
	}
	if (!m.u.reply.text[0] || strlen(m.u.reply.text) >= NETD_IFNAME_LEN) {
		err_set(err, errlen, "croft-netd named no usable default uplink ('%.40s')",
			m.u.reply.text);
		return -ENODEV;
	}
	memcpy(ifname, m.u.reply.text, strlen(m.u.reply.text) + 1);
	return 0;
}

int netd_client_leases(struct netd_client *c, struct netd_lease **out, size_t *n,
		       char *err, size_t errlen)
{
	struct netd_lease *arr = NULL;
	size_t count = 0, cap = 0;
	struct netd_msg m;
	uint64_t deadline;
	uint32_t seq;
	int r = netd_client_ensure(c, err, errlen);

	*out = NULL;
	*n = 0;
	if (r < 0)
		return r;
	seq = ++c->seq;
	msg_init(c, &m, NETD_MSG_LEASES, seq);
	r = send_msg(c, &m, err, errlen);
	deadline = deadline_of(c);
	while (r == 0) {
		r = recv_msg(c, seq, &m, deadline, err, errlen);
		if (r < 0)
			break;
		if (m.type == NETD_MSG_END)
			break;
		if (m.type == NETD_MSG_REPLY) {       /* netd refused */
			m.u.reply.text[sizeof(m.u.reply.text) - 1] = '\0';
			err_set(err, errlen, "%s", m.u.reply.text);
			r = m.u.reply.status < 0 ? m.u.reply.status : -EPROTO;
			break;
		}
		if (m.type != NETD_MSG_LEASE) {
			err_set(err, errlen, "croft-netd answered LEASES with message type %u",
				m.type);
			drop(c, "unexpected message");
			r = -EPROTO;
			break;
		}
		if (count >= NETD_MAX_NICS * 4) {
			err_set(err, errlen, "croft-netd sent more than %d leases", NETD_MAX_NICS * 4);
			drop(c, "too many leases");
			r = -EPROTO;
			break;
		}
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			arr = xrealloc(arr, cap * sizeof(*arr));
		}
		m.u.lease.hostname[NETD_NAME_LEN - 1] = '\0';
		arr[count++] = m.u.lease;
	}
	if (r < 0) {
		free(arr);
		return conn_failed(c, r, err, errlen);
	}
	*out = arr;
	*n = count;
	return 0;
}
