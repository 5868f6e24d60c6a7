/*
 * The socket side of the protocol.  Packets are read with MSG_TRUNC so an
 * oversized one is measured rather than silently cut to size; the engine
 * (netd_conn.c) refuses every packet that is not exactly one message.
 * Output is flushed after every input; if the peer's receive queue is full
 * the connection waits for EPOLLOUT with EPOLLIN off.
 */
#include "netd/netd_server.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CONNS 32

struct conn {
	int fd;
	struct netd_conn *proto;
	struct netd_server *srv;
	struct conn *next;
};

struct netd_server {
	struct loop *loop;
	int fd;
	char *path;
	const struct netd_handlers *h;
	void *ctx;
	struct conn *conns;
	int n_conns;
};

static void conn_close(struct conn *c)
{
	struct netd_server *s = c->srv;
	struct conn **pp;

	for (pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	s->n_conns--;
	loop_del(s->loop, c->fd);
	close(c->fd);
	netd_conn_free(c->proto);
	free(c);
}

/* Send what is queued: 1 all sent, 0 the peer is full, -1 the peer is gone. */
static int conn_flush(struct conn *c)
{
	const struct netd_msg *out;
	size_t n, sent = 0;
	int rc = 1;

	out = netd_conn_output(c->proto, &n);
	while (sent < n) {
		ssize_t w = send(c->fd, &out[sent], sizeof(out[sent]), MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
			break;
		}
		sent++;
	}
	netd_conn_consume(c->proto, sent);
	return rc;
}

static void conn_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct conn *c = data;
	struct netd_msg m;
	int i, rc;

	if (events & EPOLLOUT) {
		rc = conn_flush(c);
		if (rc < 0) {
			conn_close(c);
			return;
		}
		if (rc == 0)
			return;
		loop_mod(l, fd, EPOLLIN);
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	/* a bounded batch, so one chatty peer cannot starve the others */
	for (i = 0; i < 64; i++) {
		ssize_t n = recv(fd, &m, sizeof(m), MSG_TRUNC | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		netd_conn_input(c->proto, &m, (size_t)n);
		rc = conn_flush(c);
		if (rc < 0) {
			conn_close(c);
			return;
		}
		if (rc == 0) {
			loop_mod(l, fd, EPOLLOUT);
			return;
		}
	}
}

static void accept_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct netd_server *s = data;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct conn *c;
	int cfd;

	(void)events;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		log_warn("refused a connection from uid %d (pid %d): only root may use croft-netd",
			 len == sizeof(cred) ? (int)cred.uid : -1, len == sizeof(cred) ? (int)cred.pid : -1);
		close(cfd);
		return;
	}
	if (s->n_conns >= MAX_CONNS) {
		log_warn("refused a connection from pid %d: %d connections are open", (int)cred.pid,
			 s->n_conns);
		close(cfd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = cfd;
	c->srv = s;
	c->proto = netd_conn_new(s->h, s->ctx);
	if (loop_add(l, cfd, EPOLLIN, conn_cb, c) < 0) {
		netd_conn_free(c->proto);
		close(cfd);
		free(c);
		return;
	}
	c->next = s->conns;
	s->conns = c;
	s->n_conns++;
	log_debug("connection from pid %d uid %d", (int)cred.pid, (int)cred.uid);
}

/* Is something answering at path? */
static int socket_alive(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	int alive;

	if (fd < 0)
		return 0;
	alive = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return alive;
}

int netd_server_start(struct loop *loop, const char *path, const struct netd_handlers *h,
		      void *ctx, struct netd_server **out, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct netd_server *s;
	struct stat st;
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		err_set(err, errlen, "socket path %s is too long (at most %zu bytes)", path,
			sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			err_set(err, errlen, "%s exists and is not a socket", path);
			return -EEXIST;
		}
		if (socket_alive(&sa)) {
			err_set(err, errlen, "another croft-netd is already answering at %s", path);
			return -EADDRINUSE;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot create a socket: %s", strerror(-rc));
		return rc;
	}
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot listen on %s: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	s = xcalloc(1, sizeof(*s));
	s->loop = loop;
	s->fd = fd;
	s->path = xstrdup(path);
	s->h = h;
	s->ctx = ctx;
	rc = loop_add(loop, fd, EPOLLIN, accept_cb, s);
	if (rc < 0) {
		err_set(err, errlen, "cannot watch %s: %s", path, strerror(-rc));
		netd_server_stop(s);
		return rc;
	}
	*out = s;
	return 0;
}

void netd_server_stop(struct netd_server *s)
{
	if (!s)
		return;
	while (s->conns)
		conn_close(s->conns);
	loop_del(s->loop, s->fd);
	close(s->fd);
	unlink(s->path);
	free(s->path);
	free(s);
}
