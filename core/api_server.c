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
 */
#include "core/api_server.h"
#include "core/api_ops.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define OUT_MAX (16u << 20)   /* a subscriber this far behind is dropped */

struct out_chunk {
	char *buf;
	size_t len, off;
	int fd;                   /* passed with the chunk's first byte, or -1 */
	struct out_chunk *next;
};

struct api_conn {
	struct api_server *srv;
	int fd;                   /* -1 once closed */
	int refs;
	int hello;
	int subscribed;
	pid_t peer_pid;
	char user[64];            /* the peer's user name ("uid N" if none) */
	struct api_peer peer;     /* what its requests answer through */
	struct linebuf in;
	struct out_chunk *out, **out_tail;
	size_t out_bytes;
	struct api_conn *next;
};

struct api_server {
	struct croftd *d;
	int fd;
	char *path;
	struct api_conn *conns;
};

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
	c->out_bytes = 0;
}

static void conn_close(struct api_conn *c)
{
	if (c->fd < 0)
		return;
	loop_del(c->srv->d->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	conn_drop_output(c);
	conn_unref(c);            /* the reference held by the open socket */
}

/* Write what can be written now.  0, or -errno when the peer is gone. */
static int conn_flush(struct api_conn *c)
{
	while (c->out) {
		struct out_chunk *ch = c->out;
		ssize_t n;

		if (ch->fd >= 0) {
			char cbuf[CMSG_SPACE(sizeof(int))];
			struct iovec iov = { ch->buf + ch->off, ch->len - ch->off };
			struct msghdr mh = { 0 };
			struct cmsghdr *cm;

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
		} else {
			n = send(c->fd, ch->buf + ch->off, ch->len - ch->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		ch->off += (size_t)n;
		c->out_bytes -= (size_t)n;
		if (ch->off < ch->len)
			break;
		c->out = ch->next;
		if (!c->out)
			c->out_tail = &c->out;
		free(ch->buf);
		free(ch);
	}
	loop_mod(c->srv->d->loop, c->fd, EPOLLIN | (c->out ? EPOLLOUT : 0));
	return 0;
}

/* Queue a line of JSON text (s, malloc'd, stolen; NULL: none),
 * optionally with an fd. */
static void conn_send_text(struct api_conn *c, char *s, int fd)
{
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
	if (c->out_bytes > OUT_MAX) {
		log_warn("API client pid %d is %zu bytes behind; disconnecting it",
			 (int)c->peer_pid, c->out_bytes);
		conn_close(c);
		return;
	}
	if (conn_flush(c) < 0)
		conn_close(c);
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

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (c->fd < 0 || !c->subscribed)
			continue;
		if (!msg)
			msg = bus_event_json(ev);
		conn_send(c, json_incref(msg), -1);
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

static void conn_io(struct loop *l, int fd, uint32_t events, void *data)
{
	struct api_conn *c = data;

	(void)l;
	(void)fd;
	c->refs++;               /* handlers may close the connection */
	if (events & EPOLLOUT) {
		if (conn_flush(c) < 0)
			conn_close(c);
	}
	if (c->fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		ssize_t n = linebuf_read(&c->in, c->fd);
		char *line;
		size_t len;
		int r;

		if (n == 0 || (n < 0 && n != -EAGAIN)) {
			conn_close(c);
		} else {
			while (c->fd >= 0 && (r = linebuf_next(&c->in, &line, &len)) != 0) {
				if (r < 0) {
					send_error(c, NULL, PROTO_E_BAD_REQUEST,
						   "request line too long (limit 1 MiB)");
					continue;
				}
				handle_line(c, line, len);
			}
		}
	}
	conn_unref(c);
}

/* Root, croftd's own user, and members of group croft may connect. */
static int peer_allowed(struct api_server *s, const struct ucred *cr, char *why, size_t whylen)
{
	struct passwd *pw;
	gid_t groups[64];
	int ng = 64, i;

	if (cr->uid == 0 || cr->uid == geteuid())
		return 1;
	if (s->d->croft_gid != (gid_t)-1) {
		if (cr->gid == s->d->croft_gid)
			return 1;
		pw = getpwuid(cr->uid);
		if (pw && getgrouplist(pw->pw_name, pw->pw_gid, groups, &ng) >= 0)
			for (i = 0; i < ng; i++)
				if (groups[i] == s->d->croft_gid)
					return 1;
	}
	pw = getpwuid(cr->uid);
	snprintf(why, whylen, "user %s (uid %u) is not root and not in group croft",
		 pw ? pw->pw_name : "?", (unsigned)cr->uid);
	return 0;
}

static void refused_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	(void)events;
	(void)data;
	loop_del(l, fd);
	close(fd);
}

static void accept_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct api_server *s = data;
	struct api_conn *c;
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	char why[160];
	int cfd;

	(void)events;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept on API socket: %s", strerror(errno));
		return;
	}
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0) {
		log_warn("SO_PEERCRED: %s", strerror(errno));
		close(cfd);
		return;
	}
	if (!peer_allowed(s, &cr, why, sizeof(why))) {
		char line[300];
		int n = snprintf(line, sizeof(line),
				 "{\"ok\":false,\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}\n",
				 PROTO_E_PERMISSION, why);

		log_warn("refused API connection from pid %d: %s", (int)cr.pid, why);
		if (send(cfd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("could not tell pid %d why: %s", (int)cr.pid, strerror(errno));
		/* Keep reading until the peer has written its first request or gone,
		 * so its write does not fail before it reads why it was refused. */
		shutdown(cfd, SHUT_WR);
		if (loop_add(l, cfd, EPOLLIN, refused_cb, NULL) < 0)
			close(cfd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->srv = s;
	c->fd = cfd;
	c->refs = 1;
	c->peer_pid = cr.pid;
	{
		struct passwd *pw = getpwuid(cr.uid);

		if (pw)
			snprintf(c->user, sizeof(c->user), "%s", pw->pw_name);
		else
			snprintf(c->user, sizeof(c->user), "uid %u", (unsigned)cr.uid);
	}
	c->peer = (struct api_peer){ .user = c->user, .uid = (int64_t)cr.uid, .send = peer_send,
				     .send_text = peer_send_text, .subscribe = peer_subscribe, .hold = peer_hold,
				     .release = peer_release };
	c->out_tail = &c->out;
	linebuf_init(&c->in, PROTO_MAX_LINE);
	if (loop_add(l, cfd, EPOLLIN, conn_io, c) < 0) {
		close(cfd);
		linebuf_free(&c->in);
		free(c);
		return;
	}
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
	r = loop_add(d->loop, fd, EPOLLIN, accept_cb, s);
	if (r < 0) {
		err_set(err, errlen, "epoll: %s", strerror(-r));
		close(fd);
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
	bus_sink_remove(s->d->bus, bus_sink, s);
	loop_del(s->d->loop, s->fd);
	close(s->fd);
	unlink(s->path);
	for (c = s->conns; c; c = next) {
		next = c->next;
		c->refs++;
		conn_close(c);
		conn_unref(c);
	}
	free(s->path);
	free(s);
}
