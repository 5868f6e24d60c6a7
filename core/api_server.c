/*
 * The API server.  Connections are nonblocking; input is framed into lines
 * by struct linebuf, output is queued per connection and flushed on
 * EPOLLOUT.  Each line is parsed and checked against its op's schema
 * here; the handshake ("hello") is answered here too, and every other op
 * runs as a struct api_req (api_req.h) whose peer is the connection.  A
 * request holds a reference on its connection, so a handler that answers
 * later (vm.start waits for QEMU) can do so safely even if the peer has
 * hung up: the connection object lives until its last request is answered,
 * but is closed at once.
 *
 * Replies that pass a descriptor are sent alone with sendmsg(SCM_RIGHTS)
 * once everything queued before them is out.
 *
 * No client stalls the loop or starves the others (api_server.h has the
 * limits): output is capped per connection and in total, a connection far
 * behind stops being read and one over its cap is dropped with a reason.
 * Who gets a connection (the peer check, the connection caps, pausing on
 * EMFILE) is api_accept.c's.
 */
#include "core/api_server_internal.h"
#include "core/api_ops.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

static void conn_close(struct api_conn *c);

static void conn_unref(struct api_conn *c)
{
	struct api_conn **pp;

	if (--c->refs > 0)
		return;
	for (pp = &c->srv->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	linebuf_free(&c->in);
	free(c);
}

static void conn_drop_output(struct api_conn *c)
{
	while (c->out) {
		struct out_chunk *ch = c->out;

		c->out = ch->next;
		if (ch->fd >= 0)
			close(ch->fd);
		free(ch->buf);
		free(ch);
	}
	c->out_tail = &c->out;
	c->srv->out_total -= c->out_bytes;
	c->out_bytes = 0;
}

static void conn_close(struct api_conn *c)
{
	struct api_server *s = c->srv;

	if (c->fd < 0)
		return;
	loop_del(s->d->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	if (c->uid == 0)
		s->nroot--;
	else
		s->nconns--;
	conn_drop_output(c);
	conn_unref(c);            /* the reference held by the open socket */
	if (s->paused && !s->stopping)
		api_accept_resume(s);
}

/* Far behind: half its output cap is waiting. */
static int conn_behind(const struct api_conn *c)
{
	return c->out_bytes > c->srv->lim.out_max / 2;
}

/* A whole request line is waiting in the input buffer. */
static int conn_has_line(const struct api_conn *c)
{
	const struct linebuf *in = &c->in;

	return in->start < in->len && memchr(in->buf + in->start, '\n', in->len - in->start);
}

/* What the connection waits for: its requests unless it is far behind
 * (half its output cap), and room to write while output is queued, or
 * while requests read earlier wait to be handled (conn_io handles them
 * once the socket is writable). */
static void conn_want(struct api_conn *c)
{
	c->reading = !conn_behind(c);
	loop_mod(c->srv->d->loop, c->fd,
		 (c->reading ? EPOLLIN : 0) |
		 (c->out || (c->reading && conn_has_line(c)) ? EPOLLOUT : 0));
}

static ssize_t chunk_send(struct api_conn *c, struct out_chunk *ch)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { ch->buf + ch->off, ch->len - ch->off };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	ssize_t n;

	if (ch->fd < 0)
		return send(c->fd, ch->buf + ch->off, ch->len - ch->off,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &ch->fd, sizeof(int));
	n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n > 0) {
		close(ch->fd);
		ch->fd = -1;
	}
	return n;
}

/* Write what can be written now.  0, or -errno when the peer is gone. */
static int conn_flush(struct api_conn *c)
{
	while (c->out) {
		struct out_chunk *ch = c->out;
		ssize_t n = chunk_send(c, ch);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		ch->off += (size_t)n;
		c->out_bytes -= (size_t)n;
		c->srv->out_total -= (size_t)n;
		if (ch->off < ch->len)
			break;
		c->out = ch->next;
		if (!c->out)
			c->out_tail = &c->out;
		free(ch->buf);
		free(ch);
	}
	conn_want(c);
	return 0;
}

/* Drop a connection whose output went past a cap, telling it why if its
 * socket has room for one more line. */
static void conn_overflow(struct api_conn *c, const char *why)
{
	size_t behind = c->out_bytes;
	char *line;

	c->srv->dropped++;
	log_warn("API client pid %d (%s) is %zu bytes behind: %s; disconnecting it",
		 (int)c->peer_pid, c->user, behind, why);
	conn_drop_output(c);
	if (c->subscribed)
		line = xasprintf("{\"event\":\"events.lost\",\"data\":{\"reason\":"
				 "\"disconnected: %zu bytes of output were not read (%s)\"}}\n",
				 behind, why);
	else
		line = xasprintf("{\"ok\":false,\"error\":{\"code\":\"%s\",\"message\":"
				 "\"disconnected: replies were not read (%s)\"}}\n",
				 PROTO_E_BUSY, why);
	if (send(c->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("could not tell pid %d why: %s", (int)c->peer_pid, strerror(errno));
	free(line);
	conn_close(c);
}

/* Past the total, drop the connections furthest behind until under it. */
static void server_trim_output(struct api_server *s)
{
	while (s->out_total > s->lim.out_total) {
		struct api_conn *c, *worst = NULL;

		for (c = s->conns; c; c = c->next)
			if (c->fd >= 0 && (!worst || c->out_bytes > worst->out_bytes))
				worst = c;
		if (!worst || !worst->out_bytes)
			return;
		worst->refs++;
		conn_overflow(worst, "croftd's output buffers for all clients are full");
		conn_unref(worst);
	}
}

/* Queue a line of JSON text (s, malloc'd, stolen; NULL: none),
 * optionally with an fd. */
static void conn_send_text(struct api_conn *c, char *s, int fd)
{
	struct api_server *srv = c->srv;
	struct out_chunk *ch;

	if (c->fd < 0 || !s) {
		free(s);
		if (fd >= 0)
			close(fd);
		return;
	}
	ch = xcalloc(1, sizeof(*ch));
	ch->len = strlen(s) + 1;
	ch->buf = xrealloc(s, ch->len + 1);
	ch->buf[ch->len - 1] = '\n';
	ch->fd = fd;
	*c->out_tail = ch;
	c->out_tail = &ch->next;
	c->out_bytes += ch->len;
	srv->out_total += ch->len;
	if (conn_flush(c) < 0) {
		conn_close(c);
		return;
	}
	if (c->out_bytes > srv->lim.out_max) {
		char why[96];

		snprintf(why, sizeof(why), "limit %zu bytes per connection", srv->lim.out_max);
		conn_overflow(c, why);
		return;
	}
	if (srv->out_total > srv->lim.out_total) {
		c->refs++;
		server_trim_output(srv);
		conn_unref(c);
	}
}
/* Queue one JSON value as a line (value stolen), optionally with an fd. */
static void conn_send(struct api_conn *c, json_t *msg, int fd)
{
	char *s = c->fd >= 0 ? json_dumps(msg, JSON_COMPACT) : NULL;

	json_decref(msg);
	conn_send_text(c, s, fd);
}

static void send_error(struct api_conn *c, json_t *id, const char *code, const char *msg)
{
	conn_send(c, api_req_reply_err(id, code, msg), -1);
}

/* --- the connection as a request's peer ----------------------------------- */

static struct api_conn *peer_conn(struct api_peer *p)
{
	return (struct api_conn *)(void *)((char *)p - offsetof(struct api_conn, peer));
}

static void peer_send_text(struct api_peer *p, char *line)
{
	conn_send_text(peer_conn(p), line, -1);
}

static void peer_send(struct api_peer *p, json_t *msg, int fd)
{
	conn_send(peer_conn(p), msg, fd);
}

static void peer_subscribe(struct api_peer *p)
{
	peer_conn(p)->subscribed = 1;
}

static void peer_hold(struct api_peer *p)
{
	peer_conn(p)->refs++;
}

static void peer_release(struct api_peer *p)
{
	conn_unref(peer_conn(p));
}

/* The bus sink: every event to every subscriber. */
static void bus_sink(const struct bus_event *ev, void *data)
{
	struct api_server *s = data;
	struct api_conn *c, *next;
	json_t *msg = NULL;

	/* A send may drop connections (the one furthest behind): hold each
	 * while it is sent to, and read its successor after. */
	for (c = s->conns; c; c = next) {
		if (c->fd < 0 || !c->subscribed) {
			next = c->next;
			continue;
		}
		if (!msg)
			msg = bus_event_json(ev);
		c->refs++;
		conn_send(c, json_incref(msg), -1);
		next = c->next;
		conn_unref(c);
	}
	json_decref(msg);
}

static const struct api_arg args_hello[] = {
	{ "version", ARG_INT, ARG_REQUIRED }, { "client", ARG_STRING, 0 }, { NULL, 0, 0 } };

/* "hello" has no handler: the server answers it; its entry carries the schema. */
const struct api_op api_server_ops[] = {
	{ "hello", NULL, args_hello, API_OP_READ },
	{ NULL, NULL, NULL, 0 },
};

static void handle_hello(struct api_conn *c, json_t *id, json_t *args)
{
	json_int_t v = json_integer_value(json_object_get(args, "version"));

	if (v != PROTO_VERSION) {
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "client speaks protocol version %lld, croftd speaks %d; use matching croft and croftd",
			 (long long)v, PROTO_VERSION);
		send_error(c, id, PROTO_E_VERSION, msg);
		return;
	}
	c->hello = 1;
	conn_send(c, api_req_reply_ok(id, json_pack("{s:i,s:s,s:s}", "version", PROTO_VERSION,
						  "server", "croftd", "server_version",
						  CROFT_VERSION)), -1);
}

static void handle_line(struct api_conn *c, const char *line, size_t len)
{
	struct api_request req;
	const struct api_op *op;
	char err[512];

	if (len == 0)
		return;
	if (api_request_parse(line, len, &req, err, sizeof(err)) < 0) {
		send_error(c, req.id, PROTO_E_BAD_REQUEST, err);
		goto out;
	}
	op = api_op_find(req.op);
	if (!op) {
		snprintf(err, sizeof(err), "unknown op '%.100s'", req.op);
		send_error(c, req.id, PROTO_E_UNKNOWN_OP, err);
		goto out;
	}
	if (api_args_check(op, req.args, err, sizeof(err)) < 0) {
		send_error(c, req.id, PROTO_E_INVALID_ARGUMENT, err);
		goto out;
	}
	if (!op->handler) {
		handle_hello(c, req.id, req.args);
		goto out;
	}
	if (!c->hello) {
		send_error(c, req.id, PROTO_E_HANDSHAKE,
			   "the first request must be \"hello\" with the protocol version");
		goto out;
	}
	api_req_run(c->srv->d, &c->peer, op, req.id, req.args);
out:
	api_request_clear(&req);
}

/* Handle the request lines read, until the connection falls far behind;
 * the rest wait in the buffer until it catches up. */
static void conn_process(struct api_conn *c)
{
	char *line;
	size_t len;
	int r;

	while (c->fd >= 0 && !conn_behind(c) && (r = linebuf_next(&c->in, &line, &len)) != 0) {
		if (r < 0) {
			send_error(c, NULL, PROTO_E_BAD_REQUEST, "request line too long (limit 1 MiB)");
			continue;
		}
		handle_line(c, line, len);
	}
	if (c->fd >= 0) {
		linebuf_shrink(&c->in);
		conn_want(c);
	}
}

static void conn_io(struct loop *l, int fd, uint32_t events, void *data)
{
	struct api_conn *c = data;
	ssize_t n;

	(void)l;
	(void)fd;
	c->refs++;               /* handlers may close the connection */
	if (events & EPOLLOUT) {
		if (conn_flush(c) < 0)
			conn_close(c);
	}
	/* Hung up while not being read: nobody is left to answer. */
	if (c->fd >= 0 && !c->reading && (events & (EPOLLHUP | EPOLLERR)))
		conn_close(c);
	if (c->fd >= 0 && c->reading && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		n = linebuf_read(&c->in, c->fd);
		if (n == 0 || (n < 0 && n != -EAGAIN))
			conn_close(c);
	}
	if (c->fd >= 0)
		conn_process(c);
	conn_unref(c);
}

void api_conn_open(struct api_server *s, int cfd, const struct ucred *cr, const char *user)
{
	struct api_conn *c = xcalloc(1, sizeof(*c));

	c->srv = s;
	c->fd = cfd;
	c->refs = 1;
	c->reading = 1;
	c->uid = cr->uid;
	c->peer_pid = cr->pid;
	snprintf(c->user, sizeof(c->user), "%s", user);
	c->peer = (struct api_peer){ .user = c->user, .uid = (int64_t)cr->uid, .send = peer_send,
				     .send_text = peer_send_text, .subscribe = peer_subscribe, .hold = peer_hold,
				     .release = peer_release };
	c->out_tail = &c->out;
	linebuf_init(&c->in, PROTO_MAX_LINE);
	if (loop_add(s->d->loop, cfd, EPOLLIN, conn_io, c) < 0) {
		close(cfd);
		linebuf_free(&c->in);
		free(c);
		return;
	}
	if (cr->uid == 0)
		s->nroot++;
	else
		s->nconns++;
	s->accepted++;
	c->next = s->conns;
	s->conns = c;
}


int api_server_start(struct croftd *d, const char *path, struct api_server **out,
		     char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct api_server *s;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		err_set(err, errlen, "API socket path %s is too long for a unix socket", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		err_set(err, errlen, "socket: %s", strerror(errno));
		return r;
	}
	/* A live croftd would answer; a stale socket file refuses. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		err_set(err, errlen, "another croftd is already serving %s", path);
		close(fd);
		return -EADDRINUSE;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0660) < 0 ||
	    listen(fd, 64) < 0) {
		r = -errno;
		err_set(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	if (d->croft_gid != (gid_t)-1 && geteuid() == 0 && chown(path, 0, d->croft_gid) < 0)
		log_warn("chown %s to group croft: %s", path, strerror(errno));
	s = xcalloc(1, sizeof(*s));
	s->d = d;
	s->fd = fd;
	s->path = xstrdup(path);
	api_limits_read(d, &s->lim);
	api_accept_init(s);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	r = s->tfd < 0 ? -errno : loop_add(d->loop, s->tfd, EPOLLIN, api_accept_timer_cb, s);
	if (r == 0 && (r = loop_add(d->loop, fd, EPOLLIN, api_accept_cb, s)) < 0)
		loop_del(d->loop, s->tfd);
	if (r < 0) {
		err_set(err, errlen, "epoll: %s", strerror(-r));
		close(fd);
		if (s->tfd >= 0)
			close(s->tfd);
		api_accept_stop(s);
		free(s->path);
		free(s);
		return r;
	}
	bus_sink_add(d->bus, bus_sink, s);
	*out = s;
	return 0;
}

void api_server_stop(struct api_server *s)
{
	struct api_conn *c, *next;

	if (!s)
		return;
	s->stopping = 1;
	bus_sink_remove(s->d->bus, bus_sink, s);
	if (!s->paused)
		loop_del(s->d->loop, s->fd);
	close(s->fd);
	unlink(s->path);
	loop_del(s->d->loop, s->tfd);
	close(s->tfd);
	api_accept_stop(s);
	for (c = s->conns; c; c = next) {
		next = c->next;
		c->refs++;
		conn_close(c);
		conn_unref(c);
	}
	free(s->path);
	free(s);
}

void api_server_stats(const struct api_server *s, struct api_server_stats *st)
{
	*st = (struct api_server_stats){ .conns = s->nconns + s->nroot, .root_conns = s->nroot,
					 .lingering = s->nlingers, .out_bytes = s->out_total,
					 .paused = s->paused, .accepted = s->accepted, .refused_busy = s->refused_busy,
					 .dropped = s->dropped };
}

const struct api_limits *api_server_limits(const struct api_server *s)
{
	return &s->lim;
}
