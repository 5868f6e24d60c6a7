/*
 * list_clients: C concurrent API clients, each asking croftd for OP (by
 * default vm.list) over and over, one request in flight per client, for
 * SECS seconds; prints one JSON object with every request's latency
 * summarised (send of the request line to the end of its reply line,
 * CLOCK_MONOTONIC): count, p50, p90, p99, max, and requests per second.
 *
 *     list_clients SOCKET CLIENTS SECS [OP]
 *
 * One process multiplexes every connection with poll(), so the figures are
 * croftd's latency under that load rather than this program's scheduling.
 * It speaks the wire protocol itself (a hello, then requests) and depends
 * on nothing but libc.  Exits 1 if a connection fails or a reply is an
 * error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define HELLO "{\"id\":0,\"op\":\"hello\",\"args\":{\"version\":1,\"client\":\"bench\"}}\n"

struct client {
	int fd;
	int ready;                   /* the hello was answered */
	char *in;
	size_t len, cap;
	double sent;
	unsigned long seq;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_request(struct client *c, const char *op)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "{\"id\":%lu,\"op\":\"%s\"}\n", ++c->seq, op);

	c->sent = now_s();
	return send_all(c->fd, line, (size_t)n);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One read of what is there (the socket is readable); 0, or -1 on error
 * or EOF. */
static int fill(struct client *c)
{
	ssize_t n;

	if (c->cap - c->len < 65536) {
		c->cap = c->cap * 2 + 65536;
		c->in = realloc(c->in, c->cap);
		if (!c->in)
			return -1;
	}
	n = read(c->fd, c->in + c->len, c->cap - c->len);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return -1;
	c->len += (size_t)n;
	return 0;
}

/* 1 when a whole reply line was buffered (and is consumed), 0 not yet, -1
 * for an error reply. */
static int next_reply(struct client *c)
{
	char *nl = memchr(c->in, '\n', c->len);

	if (!nl)
		return 0;
	if (!memmem(c->in, (size_t)(nl - c->in), "\"ok\":true", 9)) {
		fprintf(stderr, "list_clients: error reply: %.*s\n", (int)(nl - c->in), c->in);
		return -1;
	}
	c->len -= (size_t)(nl + 1 - c->in);
	memmove(c->in, nl + 1, c->len);
	return 1;
}

int main(int argc, char **argv)
{
	struct client *cl;
	struct pollfd *pfd;
	double *lat = NULL, t0, end, secs;
	size_t nlat = 0, caplat = 0;
	const char *op;
	int n, i, rc = 1;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: list_clients SOCKET CLIENTS SECS [OP]\n");
		return 2;
	}
	n = atoi(argv[2]);
	secs = atof(argv[3]);
	op = argc == 5 ? argv[4] : "vm.list";
	if (n < 1 || secs <= 0) {
		fprintf(stderr, "list_clients: CLIENTS and SECS must be positive\n");
		return 2;
	}
	cl = calloc((size_t)n, sizeof(*cl));
	pfd = calloc((size_t)n, sizeof(*pfd));
	if (!cl || !pfd)
		return 1;
	for (i = 0; i < n; i++) {
		cl[i].fd = connect_to(argv[1]);
		if (cl[i].fd < 0 || send_all(cl[i].fd, HELLO, strlen(HELLO)) < 0)
			goto out;
		pfd[i].fd = cl[i].fd;
		pfd[i].events = POLLIN;
	}
	t0 = now_s();
	end = t0 + secs;
	for (;;) {
		double t = now_s();

		if (t >= end)
			break;
		if (poll(pfd, (nfds_t)n, (int)((end - t) * 1000) + 1) < 0 && errno != EINTR)
			goto out;
		for (i = 0; i < n; i++) {
			struct client *c = &cl[i];
			int r;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (fill(c) < 0) {
				fprintf(stderr, "list_clients: client %d: connection failed\n", i);
				goto out;
			}
			while ((r = next_reply(c)) == 1) {
				if (c->ready) {
					if (nlat == caplat) {
						caplat = caplat * 2 + 1024;
						lat = realloc(lat, caplat * sizeof(*lat));
						if (!lat)
							goto out;
					}
					lat[nlat++] = (now_s() - c->sent) * 1000;
				}
				c->ready = 1;
				if (now_s() < end && send_request(c, op) < 0)
					goto out;
			}
			if (r < 0)
				goto out;
		}
	}
	if (!nlat) {
		fprintf(stderr, "list_clients: no request was answered\n");
		goto out;
	}
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	printf("{\"clients\":%d,\"secs\":%.1f,\"op\":\"%s\",\"count\":%zu,\"rps\":%.1f,"
	       "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
	       n, now_s() - t0, op, nlat, (double)nlat / (now_s() - t0),
	       lat[nlat / 2], lat[nlat * 90 / 100], lat[nlat * 99 / 100], lat[nlat - 1]);
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		if (cl[i].fd > 0)
			close(cl[i].fd);
		free(cl[i].in);
	}
	free(cl);
	free(pfd);
	free(lat);
	return rc;
}
