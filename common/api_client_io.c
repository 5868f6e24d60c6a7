/*
 * The bytes of one API connection.  Bytes come in through recvmsg() with
 * room for SCM_RIGHTS.  The kernel ends a read right after the segment that
 * carried descriptors, so a passed fd belongs to the line holding the last
 * byte of that read.  Each fd is remembered with that absolute stream
 * offset and handed to whoever consumes the line: the caller waiting for
 * that reply, or close() for anything else.
 *
 * Waiting is poll() with a deadline, restarted on EINTR; running out of
 * time leaves the connection usable.  Once the peer closes or sends an
 * oversize or malformed line, or a write fails, the connection is marked
 * broken and every later call fails with the same reason.
 */
#include "common/api_client_internal.h"
#include "common/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FDS_PER_READ 8

void api_client_error_set(struct api_error *e, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	snprintf(e->code, sizeof(e->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t api_client_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* Mark the connection unusable; later calls report the same reason. */
static int set_broken(struct api_client *c, int err, struct api_error *e)
{
	if (!c->broken) {
		c->broken = err;
		if (e)
			c->broken_why = *e;
		else
			api_client_error_set(&c->broken_why, "connection", "connection to croftd failed: %s",
					     strerror(-err));
	}
	return err;
}

int api_client_check_broken(struct api_client *c, struct api_error *e)
{
	if (!c->broken)
		return 0;
	if (e)
		*e = c->broken_why;
	return c->broken;
}

static void close_stray_fds(struct api_client *c)
{
	size_t i;

	for (i = 0; i < c->nfds; i++)
		close(c->fds[i].fd);
	c->nfds = 0;
}

/* Take the fds whose offset lies in [start, end); the first goes to *fd_out
 * if asked, the rest are closed. */
static void take_line_fds(struct api_client *c, uint64_t start, uint64_t end, int *fd_out)
{
	size_t i = 0, j;

	if (fd_out)
		*fd_out = -1;
	while (i < c->nfds) {
		if (c->fds[i].offset >= start && c->fds[i].offset < end) {
			if (fd_out && *fd_out < 0)
				*fd_out = c->fds[i].fd;
			else
				close(c->fds[i].fd);
			for (j = i + 1; j < c->nfds; j++)
				c->fds[j - 1] = c->fds[j];
			c->nfds--;
		} else if (c->fds[i].offset < start) {
			/* its line went by without being claimed */
			close(c->fds[i].fd);
			for (j = i + 1; j < c->nfds; j++)
				c->fds[j - 1] = c->fds[j];
			c->nfds--;
		} else {
			i++;
		}
	}
}

static void remember_fd(struct api_client *c, int fd, uint64_t offset)
{
	if (c->nfds == API_CLIENT_MAX_PASSED_FDS) {
		close(fd);
		return;
	}
	c->fds[c->nfds].fd = fd;
	c->fds[c->nfds].offset = offset;
	c->nfds++;
}

/*
 * Wait until the socket is readable (or the deadline passes) and read what
 * it has.  >0 bytes, -ETIMEDOUT, -ECONNRESET on EOF, other -errno.
 */
static int read_some(struct api_client *c, int64_t deadline, struct api_error *e)
{
	char buf[65536];
	union {
		char buf[CMSG_SPACE(FDS_PER_READ * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg;
	struct cmsghdr *cm;
	ssize_t n;
	int r;

again:
	for (;;) {
		int wait = -1;

		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			wait = left > 0 ? (left > INT32_MAX ? INT32_MAX : (int)left) : 0;
		}
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			api_client_error_set(e, "connection", "waiting for croftd: %s", strerror(errno));
			return r;
		}
		if (r == 0) {
			api_client_error_set(e, "connection", "croftd did not answer in time");
			return -ETIMEDOUT;
		}
		break;
	}

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	do {
		n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		r = -errno;
		if (r == -EAGAIN)
			goto again;
		api_client_error_set(e, "connection", "reading from croftd: %s", strerror(errno));
		return set_broken(c, r, e);
	}

	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t i, count;
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (n > 0)
				remember_fd(c, fd, c->read_total + (uint64_t)n - 1);
			else
				close(fd);
		}
	}

	if (n == 0) {
		api_client_error_set(e, "connection", "croftd closed the connection");
		return set_broken(c, -ECONNRESET, e);
	}
	linebuf_append(&c->lb, buf, (size_t)n);
	c->read_total += (uint64_t)n;
	return (int)n;
}

int api_client_read_message(struct api_client *c, int64_t deadline, json_t **obj,
			    int *line_fd, const struct api_client_peek *peek,
			    struct api_error *e)
{
	for (;;) {
		size_t before = c->lb.start, len;
		uint64_t start = c->consumed;
		char *line;
		json_error_t jerr;
		int r;

		r = linebuf_next(&c->lb, &line, &len);
		if (r < 0) {
			api_client_error_set(e, "connection",
					     "croftd sent a line longer than %u bytes", PROTO_MAX_LINE);
			return set_broken(c, -EMSGSIZE, e);
		}
		if (r == 0) {
			r = read_some(c, deadline, e);
			if (r < 0)
				return r;
			continue;
		}
		c->consumed += c->lb.start - before;
		take_line_fds(c, start, c->consumed, line_fd);
		if (len == 0)
			continue;
		*obj = NULL;
		if (peek && peek->fn(line, len, peek->ctx))
			return 1;
		*obj = json_loadb(line, len, 0, &jerr);
		if (!*obj || !json_is_object(*obj)) {
			json_decref(*obj);
			*obj = NULL;
			if (line_fd && *line_fd >= 0) {
				close(*line_fd);
				*line_fd = -1;
			}
			api_client_error_set(e, "connection", "croftd sent a malformed message: %s",
					     jerr.text[0] ? jerr.text : "not a JSON object");
			return set_broken(c, -EBADMSG, e);
		}
		return 0;
	}
}

int api_client_send(struct api_client *c, const char *buf, size_t len, struct api_error *e)
{
	while (len) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			if (err == EPIPE || err == ECONNRESET) {
				api_client_error_set(e, "connection", "croftd closed the connection");
				return set_broken(c, -ECONNRESET, e);
			}
			api_client_error_set(e, "connection", "writing to croftd: %s", strerror(err));
			return set_broken(c, -err, e);
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

struct api_client *api_client_new(int fd, const char *label)
{
	struct api_client *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	c->path = xstrdup(label);
	linebuf_init(&c->lb, PROTO_MAX_LINE);
	c->events = json_array();
	c->next_id = 1;
	c->timeout_ms = API_CLIENT_DEFAULT_TIMEOUT_MS;
	return c;
}

void api_client_close(struct api_client *c)
{
	if (!c)
		return;
	close_stray_fds(c);
	if (c->fd >= 0)
		close(c->fd);
	linebuf_free(&c->lb);
	json_decref(c->events);
	free(c->server_version);
	free(c->path);
	free(c);
}
