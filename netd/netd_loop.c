/*
 * The loop keeps fd entries in a list; epoll_event.data points at the
 * entry.  Removing an entry unregisters it and marks it dead; dead entries
 * are freed after the current round, so a pointer still in this round's
 * epoll batch never dangles.  Timers are a list checked after every wait;
 * the wait's timeout is the nearest deadline.
 */
#include "netd/netd_loop.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct fd_entry {
	int fd;
	int dead;
	netd_fd_cb cb;
	void *data;
	struct fd_entry *next;
};

struct netd_timer {
	uint64_t deadline;
	int dead;
	netd_timer_cb cb;
	void *data;
	struct netd_timer *next;
};

struct netd_loop {
	int epfd;
	int quit;
	struct fd_entry *fds;
	struct netd_timer *timers;
};

uint64_t netd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct netd_loop *netd_loop_new(void)
{
	struct netd_loop *l = xcalloc(1, sizeof(*l));

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

static void reap(struct netd_loop *l)
{
	struct fd_entry **pp = &l->fds;
	struct netd_timer **tp = &l->timers;

	while (*pp) {
		struct fd_entry *e = *pp;

		if (e->dead) {
			*pp = e->next;
			free(e);
		} else {
			pp = &e->next;
		}
	}
	while (*tp) {
		struct netd_timer *t = *tp;

		if (t->dead) {
			*tp = t->next;
			free(t);
		} else {
			tp = &t->next;
		}
	}
}

void netd_loop_free(struct netd_loop *l)
{
	struct fd_entry *e;
	struct netd_timer *t;

	if (!l)
		return;
	for (e = l->fds; e; e = e->next)
		e->dead = 1;
	for (t = l->timers; t; t = t->next)
		t->dead = 1;
	reap(l);
	close(l->epfd);
	free(l);
}

static struct fd_entry *find(struct netd_loop *l, int fd)
{
	struct fd_entry *e;

	for (e = l->fds; e; e = e->next)
		if (!e->dead && e->fd == fd)
			return e;
	return NULL;
}

int netd_loop_add(struct netd_loop *l, int fd, uint32_t events, netd_fd_cb cb, void *data)
{
	struct fd_entry *e = xcalloc(1, sizeof(*e));
	struct epoll_event ev = { .events = events, .data.ptr = e };

	e->fd = fd;
	e->cb = cb;
	e->data = data;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int rc = -errno;

		free(e);
		return rc;
	}
	e->next = l->fds;
	l->fds = e;
	return 0;
}

int netd_loop_mod(struct netd_loop *l, int fd, uint32_t events)
{
	struct fd_entry *e = find(l, fd);
	struct epoll_event ev = { .events = events };

	if (!e)
		return -ENOENT;
	ev.data.ptr = e;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void netd_loop_del(struct netd_loop *l, int fd)
{
	struct fd_entry *e = find(l, fd);

	if (!e)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	e->dead = 1;
}

struct netd_timer *netd_timer_add(struct netd_loop *l, uint64_t ms, netd_timer_cb cb, void *data)
{
	struct netd_timer *t = xcalloc(1, sizeof(*t));

	t->deadline = netd_now_ms() + ms;
	t->cb = cb;
	t->data = data;
	t->next = l->timers;
	l->timers = t;
	return t;
}

void netd_timer_cancel(struct netd_loop *l, struct netd_timer *t)
{
	(void)l;
	if (t)
		t->dead = 1;
}

static int next_timeout(struct netd_loop *l, int timeout_ms)
{
	uint64_t now = netd_now_ms();
	struct netd_timer *t;
	int64_t best = timeout_ms;

	for (t = l->timers; t; t = t->next) {
		int64_t left;

		if (t->dead)
			continue;
		left = t->deadline > now ? (int64_t)(t->deadline - now) : 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best > 60000 ? 60000 : (int)best;
}

int netd_loop_once(struct netd_loop *l, int timeout_ms)
{
	struct epoll_event evs[32];
	struct netd_timer *t;
	int n, i, ran = 0;
	uint64_t now;

	n = epoll_wait(l->epfd, evs, 32, next_timeout(l, timeout_ms));
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return -errno;
	}
	for (i = 0; i < n; i++) {
		struct fd_entry *e = evs[i].data.ptr;

		if (e->dead)
			continue;
		e->cb(l, e->fd, evs[i].events, e->data);
		ran++;
	}
	now = netd_now_ms();
	for (t = l->timers; t; t = t->next) {
		if (t->dead || t->deadline > now)
			continue;
		t->dead = 1;
		t->cb(l, t->data);
		ran++;
	}
	reap(l);
	return ran;
}

int netd_loop_run(struct netd_loop *l)
{
	int rc;

	l->quit = 0;
	while (!l->quit) {
		rc = netd_loop_once(l, -1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void netd_loop_quit(struct netd_loop *l)
{
	l->quit = 1;
}
