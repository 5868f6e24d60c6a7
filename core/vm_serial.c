/*
 * The serial console relay and its capped log (vm_serial.h).
 *
 * Every fd is non-blocking and level-triggered on the loop; which events
 * each one waits for is recomputed after every callback from the buffers'
 * state (QEMU: readable always, writable while input waits; a client:
 * readable while the input buffer has room, writable while its ring holds
 * output).  Nothing here ever blocks: a full client ring drops its oldest
 * bytes, a full input buffer stops reading clients until QEMU takes some.
 */
#include "core/vm_serial.h"
#include "common/loop.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK 16384

/* --- the capped log ---------------------------------------------------------- */

static uint64_t file_size(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

struct vm_serial_log *vm_serial_log_new(const char *path, uint64_t max)
{
	struct vm_serial_log *log = xcalloc(1, sizeof(*log));

	log->path = xstrdup(path);
	log->path1 = xasprintf("%s.1", path);
	log->fd = -1;
	log->max = max ? max : VM_SERIAL_LOG_MAX_DEFAULT;
	log->size = file_size(log->path);
	log->base = file_size(log->path1);
	return log;
}

static void log_close(struct vm_serial_log *log)
{
	if (log->fd >= 0)
		close(log->fd);
	log->fd = -1;
}

void vm_serial_log_close(struct vm_serial_log *log)
{
	log_close(log);
}

void vm_serial_log_free(struct vm_serial_log *log)
{
	if (!log)
		return;
	log_close(log);
	free(log->path);
	free(log->path1);
	free(log);
}

void vm_serial_log_rotate(struct vm_serial_log *log)
{
	log_close(log);
	if (rename(log->path, log->path1) < 0 && errno != ENOENT)
		unlink(log->path);
	log->base += log->size;
	log->size = 0;
}

static int log_open(struct vm_serial_log *log)
{
	struct stat st;

	/* The directory is root's; O_NOFOLLOW still refuses a planted link. */
	log->fd = open(log->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
		       O_NONBLOCK, 0600);
	if (log->fd < 0)
		return -errno;
	if (fstat(log->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_close(log);
		return -EINVAL;
	}
	log->size = (uint64_t)st.st_size;
	return 0;
}

int vm_serial_log_write(struct vm_serial_log *log, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;
	int r;

	if (log->fd < 0 && (r = log_open(log)) < 0)
		return r;
	if (!n)
		return 0;
	if (n > log->max) {
		p += n - log->max;
		n = (size_t)log->max;
	}
	if (log->size + n > log->max) {
		vm_serial_log_rotate(log);
		if ((r = log_open(log)) < 0)
			return r;
	}
	while (n) {
		w = write(log->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
		log->size += (uint64_t)w;
	}
	return 0;
}

/* Read [off, off + n) of path into buf: bytes read. */
static size_t read_at(const char *path, uint64_t off, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	size_t got = 0;
	ssize_t r;

	if (fd < 0)
		return 0;
	while (got < n) {
		r = pread(fd, buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return got;
}

int vm_serial_log_read(struct vm_serial_log *log, int64_t after, size_t limit, char **out,
		       size_t *len, uint64_t *start, uint64_t *end)
{
	uint64_t size1 = file_size(log->path1), earliest, from, to, stop;
	size_t got = 0;
	char *buf;

	if (log->fd < 0)
		log->size = file_size(log->path);
	earliest = log->base >= size1 ? log->base - size1 : 0;
	*end = log->base + log->size;
	if (after < 0)
		from = *end > limit ? *end - limit : 0;
	else if ((uint64_t)after > *end)
		from = log->base;            /* a position from before croftd restarted */
	else
		from = (uint64_t)after;
	if (from < earliest)
		from = earliest;
	to = from + limit < *end ? from + limit : *end;
	buf = xmalloc((size_t)(to - from) + 1);
	if (from < log->base) {
		stop = to < log->base ? to : log->base;
		got = read_at(log->path1, from - earliest, buf, (size_t)(stop - from));
		if (got < stop - from)
			from = stop - got;   /* the older copy shrank: keep what is contiguous */
	}
	if (to > log->base) {
		uint64_t s = from > log->base ? from : log->base;

		got += read_at(log->path, s - log->base, buf + got, (size_t)(to - s));
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	*start = to - got;
	*end = to;
	return 0;
}

/* --- rings ------------------------------------------------------------------ */

struct ring {
	char *buf;
	size_t cap, head, len;
};

static void ring_init(struct ring *r, size_t cap)
{
	r->buf = xmalloc(cap);
	r->cap = cap;
	r->head = r->len = 0;
}

/* Append n bytes; when they do not fit, the oldest go.  Bytes dropped. */
static size_t ring_put_over(struct ring *r, const char *p, size_t n)
{
	size_t dropped = 0, tail, first;

	if (n >= r->cap) {
		dropped = r->len + n - r->cap;
		p += n - r->cap;
		n = r->cap;
		r->head = r->len = 0;
	} else if (r->len + n > r->cap) {
		dropped = r->len + n - r->cap;
		r->head = (r->head + dropped) % r->cap;
		r->len -= dropped;
	}
	tail = (r->head + r->len) % r->cap;
	first = r->cap - tail < n ? r->cap - tail : n;
	memcpy(r->buf + tail, p, first);
	memcpy(r->buf, p + first, n - first);
	r->len += n;
	return dropped;
}

static size_t ring_room(const struct ring *r)
{
	return r->cap - r->len;
}

/* Send what the ring holds: 0, or -errno of a failed send (not EAGAIN). */
static int ring_flush(struct ring *r, int fd)
{
	while (r->len) {
		size_t n = r->cap - r->head < r->len ? r->cap - r->head : r->len;
		ssize_t w = send(fd, r->buf + r->head, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		r->head = (r->head + (size_t)w) % r->cap;
		r->len -= (size_t)w;
	}
	r->head = 0;
	return 0;
}

/* --- the relay -------------------------------------------------------------- */

struct client {
	int fd;                  /* -1: free slot */
	uint32_t events;         /* what the loop watches now */
	struct ring out;
};

struct vm_serial {
	struct loop *loop;
	int qfd;
	uint32_t qevents;
	struct vm_serial_log *log;
	struct ring in;          /* clients -> QEMU */
	struct client clients[VM_SERIAL_CLIENTS_MAX];
	uint64_t dropped;
	vm_serial_closed_fn closed;
	void *data;
};

static void client_drop(struct vm_serial *s, struct client *c)
{
	loop_del(s->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	free(c->out.buf);
	c->out.buf = NULL;
}

static void set_events(struct vm_serial *s, int fd, uint32_t *cur, uint32_t want)
{
	if (*cur != want && loop_mod(s->loop, fd, want) == 0)
		*cur = want;
}

static void update(struct vm_serial *s)
{
	size_t i;

	set_events(s, s->qfd, &s->qevents, EPOLLIN | (s->in.len ? EPOLLOUT : 0));
	for (i = 0; i < VM_SERIAL_CLIENTS_MAX; i++) {
		struct client *c = &s->clients[i];

		if (c->fd >= 0)
			set_events(s, c->fd, &c->events, (ring_room(&s->in) ? EPOLLIN : 0) |
				   (c->out.len ? EPOLLOUT : 0));
	}
}

static void qemu_gone(struct vm_serial *s)
{
	size_t i;

	for (i = 0; i < VM_SERIAL_CLIENTS_MAX; i++)
		if (s->clients[i].fd >= 0)
			client_drop(s, &s->clients[i]);
	loop_del(s->loop, s->qfd);
	close(s->qfd);
	s->qfd = -1;
	if (s->closed)
		s->closed(s, s->data);
}

/* Output from the guest: to the log and every client. */
static int from_qemu(struct vm_serial *s)
{
	char buf[READ_CHUNK];
	ssize_t n;
	size_t i;

	n = recv(s->qfd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	if (s->log)
		vm_serial_log_write(s->log, buf, (size_t)n);
	for (i = 0; i < VM_SERIAL_CLIENTS_MAX; i++) {
		struct client *c = &s->clients[i];

		if (c->fd < 0)
			continue;
		s->dropped += ring_put_over(&c->out, buf, (size_t)n);
		if (ring_flush(&c->out, c->fd) < 0)
			client_drop(s, c);
	}
	return 0;
}

static void qemu_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct vm_serial *s = data;

	(void)l;
	(void)fd;
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && from_qemu(s) < 0) {
		qemu_gone(s);
		return;
	}
	if ((events & EPOLLOUT) && ring_flush(&s->in, s->qfd) < 0) {
		qemu_gone(s);
		return;
	}
	update(s);
}

static void client_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct vm_serial *s = data;
	struct client *c = NULL;
	char buf[VM_SERIAL_INPUT_BUF];
	size_t i, room;
	ssize_t n;

	(void)l;
	for (i = 0; i < VM_SERIAL_CLIENTS_MAX; i++)
		if (s->clients[i].fd == fd)
			c = &s->clients[i];
	if (!c)
		return;
	if ((events & EPOLLOUT) && ring_flush(&c->out, c->fd) < 0) {
		client_drop(s, c);
		goto out;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		room = ring_room(&s->in);
		if (!room) {
			/* Cannot take more now; a hung-up client is simply gone. */
			if (events & (EPOLLHUP | EPOLLERR))
				client_drop(s, c);
			goto out;
		}
		n = recv(c->fd, buf, room < sizeof(buf) ? room : sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			ring_put_over(&s->in, buf, (size_t)n);   /* fits: n <= room */
		else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			client_drop(s, c);
	}
	if (s->in.len && ring_flush(&s->in, s->qfd) < 0) {
		qemu_gone(s);
		return;
	}
out:
	update(s);
}

struct vm_serial *vm_serial_new(struct loop *l, int qemu_fd, struct vm_serial_log *log,
				vm_serial_closed_fn closed, void *data)
{
	struct vm_serial *s = xcalloc(1, sizeof(*s));
	size_t i;

	s->loop = l;
	s->qfd = qemu_fd;
	s->log = log;
	s->closed = closed;
	s->data = data;
	ring_init(&s->in, VM_SERIAL_INPUT_BUF);
	for (i = 0; i < VM_SERIAL_CLIENTS_MAX; i++)
		s->clients[i].fd = -1;
	if (fcntl(qemu_fd, F_SETFL, O_NONBLOCK | fcntl(qemu_fd, F_GETFL)) < 0 ||
	    loop_add(l, qemu_fd, EPOLLIN, qemu_cb, s) < 0) {
		close(qemu_fd);
		free(s->in.buf);
		free(s);
		return NULL;
	}
	s->qevents = EPOLLIN;
	return s;
}

void vm_serial_free(struct vm_serial *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < VM_SERIAL_CLIENTS_MAX; i++)
		if (s->clients[i].fd >= 0)
			client_drop(s, &s->clients[i]);
	if (s->qfd >= 0) {
		loop_del(s->loop, s->qfd);
		close(s->qfd);
	}
	free(s->in.buf);
	free(s);
}

int vm_serial_client_add(struct vm_serial *s, int *fd)
{
	struct client *c = NULL;
	int sv[2], r;
	size_t i;

	for (i = 0; i < VM_SERIAL_CLIENTS_MAX && !c; i++)
		if (s->clients[i].fd < 0)
			c = &s->clients[i];
	if (!c)
		return -EBUSY;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	r = fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0 ? -errno
						    : loop_add(s->loop, sv[0], EPOLLIN, client_cb, s);
	if (r < 0) {
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	c->fd = sv[0];
	c->events = EPOLLIN;
	ring_init(&c->out, VM_SERIAL_CLIENT_BUF);
	update(s);
	*fd = sv[1];
	return 0;
}

size_t vm_serial_clients(const struct vm_serial *s)
{
	size_t i, n = 0;

	for (i = 0; i < VM_SERIAL_CLIENTS_MAX; i++)
		n += s->clients[i].fd >= 0;
	return n;
}

uint64_t vm_serial_dropped(const struct vm_serial *s)
{
	return s->dropped;
}
