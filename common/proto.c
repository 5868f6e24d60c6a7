/*
 * Line framing shared by the API server, the API client and the QMP client.
 * Lines are compacted lazily: consumed bytes are dropped when more room is
 * needed, so a burst of small lines costs one memmove.
 */
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void linebuf_init(struct linebuf *lb, size_t max)
{
	memset(lb, 0, sizeof(*lb));
	lb->max = max;
}

void linebuf_free(struct linebuf *lb)
{
	free(lb->buf);
	memset(lb, 0, sizeof(*lb));
}

static void linebuf_reserve(struct linebuf *lb, size_t want)
{
	if (lb->start && lb->len + want > lb->cap) {
		memmove(lb->buf, lb->buf + lb->start, lb->len - lb->start);
		lb->len -= lb->start;
		lb->start = 0;
	}
	if (lb->len + want + 1 > lb->cap) {
		size_t ncap = lb->cap ? lb->cap : 4096;

		while (ncap < lb->len + want + 1)
			ncap *= 2;
		lb->buf = xrealloc(lb->buf, ncap);
		lb->cap = ncap;
	}
}

void linebuf_append(struct linebuf *lb, const char *data, size_t n)
{
	linebuf_reserve(lb, n);
	memcpy(lb->buf + lb->len, data, n);
	lb->len += n;
}

ssize_t linebuf_read(struct linebuf *lb, int fd)
{
	ssize_t n;

	linebuf_reserve(lb, 4096);
	do {
		n = read(fd, lb->buf + lb->len, lb->cap - lb->len - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	lb->len += (size_t)n;
	return n;
}

int linebuf_next(struct linebuf *lb, char **line, size_t *len)
{
	char *s, *nl;
	size_t avail;

	for (;;) {
		if (lb->start >= lb->len) {
			lb->start = lb->len = 0;
			return 0;
		}
		s = lb->buf + lb->start;
		avail = lb->len - lb->start;
		nl = memchr(s, '\n', avail);
		if (!lb->discard)
			break;
		/* The tail of a line already refused as too long. */
		if (!nl) {
			lb->start = lb->len = 0;
			return 0;
		}
		lb->start += (size_t)(nl - s) + 1;
		lb->discard = 0;
	}
	if (!nl) {
		if (avail > lb->max) {
			lb->start = lb->len = 0;
			lb->discard = 1;
			return -EMSGSIZE;
		}
		return 0;
	}
	if ((size_t)(nl - s) > lb->max) {
		lb->start += (size_t)(nl - s) + 1;
		return -EMSGSIZE;
	}
	lb->start += (size_t)(nl - s) + 1;
	*nl = '\0';
	if (nl > s && nl[-1] == '\r')
		*--nl = '\0';
	*line = s;
	*len = (size_t)(nl - s);
	return 1;
}

void linebuf_shrink(struct linebuf *lb)
{
	if (lb->start < lb->len || lb->cap <= 65536)
		return;
	free(lb->buf);
	lb->buf = NULL;
	lb->len = lb->start = lb->cap = 0;
}

int proto_write_all(int fd, const char *buf, size_t len)
{
	int sock = 1;

	while (len) {
		ssize_t n = sock ? send(fd, buf, len, MSG_NOSIGNAL) : write(fd, buf, len);

		if (n < 0 && sock && errno == ENOTSOCK) {
			sock = 0;
			continue;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd p = { .fd = fd, .events = POLLOUT };

				poll(&p, 1, 1000);
				continue;
			}
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}
