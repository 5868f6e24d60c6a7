/*
 * epoll event loop.  Entries live in a list; epoll_event.data carries the
 * entry pointer.  Removal marks an entry dead and unlinks it from epoll; dead
 * entries are freed after the current batch, so a pointer still sitting in
 * the batch never dangles.
 */
#include "common/loop.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct loop_entry {
	int fd;
	int dead;
	loop_fd_cb cb;
	void *data;
	struct loop_timer *timer;   /* non-NULL for a timer's entry */
	struct loop_entry *next;
};

struct loop_timer {
	struct loop_entry *entry;
	loop_timer_cb cb;
	void *data;
};

struct loop {
	int epfd;
	int quit;
	struct loop_entry *entries;
	int dirty;                  /* some entries are dead */
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t loop_thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t loop_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

static void loop_reap(struct loop *l)
{
	struct loop_entry **pp = &l->entries;

	while (*pp) {
		struct loop_entry *e = *pp;

		if (e->dead) {
			*pp = e->next;
			if (e->timer) {
				close(e->fd);
				free(e->timer);
			}
			free(e);
		} else {
			pp = &e->next;
		}
	}
	l->dirty = 0;
}

void loop_free(struct loop *l)
{
	struct loop_entry *e;

	if (!l)
		return;
	for (e = l->entries; e; e = e->next)
		e->dead = 1;
	loop_reap(l);
	close(l->epfd);
	free(l);
}

static struct loop_entry *loop_find(struct loop *l, int fd)
{
	struct loop_entry *e;

	for (e = l->entries; e; e = e->next)
		if (!e->dead && e->fd == fd && !e->timer)
			return e;
	return NULL;
}

static int loop_add_entry(struct loop *l, struct loop_entry *e, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = e };

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, e->fd, &ev) < 0)
		return -errno;
	e->next = l->entries;
	l->entries = e;
	return 0;
}

int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *data)
{
	struct loop_entry *e = xcalloc(1, sizeof(*e));
	int r;

	e->fd = fd;
	e->cb = cb;
	e->data = data;
	r = loop_add_entry(l, e, events);
	if (r < 0)
		free(e);
	return r;
}

int loop_mod(struct loop *l, int fd, uint32_t events)
{
	struct loop_entry *e = loop_find(l, fd);
	struct epoll_event ev = { .events = events };

	if (!e)
		return -ENOENT;
	ev.data.ptr = e;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

static void loop_kill(struct loop *l, struct loop_entry *e)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, e->fd, NULL);
	e->dead = 1;
	l->dirty = 1;
}

void loop_del(struct loop *l, int fd)
{
	struct loop_entry *e = loop_find(l, fd);

	if (e)
		loop_kill(l, e);
}

struct loop_timer *loop_timer_add(struct loop *l, uint64_t ms, loop_timer_cb cb, void *data)
{
	struct itimerspec its = { 0 };
	struct loop_timer *t;
	struct loop_entry *e;
	int fd;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (ms == 0)
		ms = 1;
	its.it_value.tv_sec = (time_t)(ms / 1000);
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		close(fd);
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	e = xcalloc(1, sizeof(*e));
	t->entry = e;
	t->cb = cb;
	t->data = data;
	e->fd = fd;
	e->timer = t;
	if (loop_add_entry(l, e, EPOLLIN) < 0) {
		close(fd);
		free(e);
		free(t);
		return NULL;
	}
	return t;
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	if (t && !t->entry->dead)
		loop_kill(l, t->entry);
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event evs[32];
	int n, i, ran = 0;

	n = epoll_wait(l->epfd, evs, 32, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		struct loop_entry *e = evs[i].data.ptr;

		if (e->dead)
			continue;
		if (e->timer) {
			struct loop_timer *t = e->timer;

			loop_kill(l, e);     /* one-shot: gone before its callback */
			t->cb(l, t, t->data);
		} else {
			e->cb(l, e->fd, evs[i].events, e->data);
		}
		ran++;
	}
	if (l->dirty)
		loop_reap(l);
	return ran;
}

int loop_run(struct loop *l)
{
	l->quit = 0;
	while (!l->quit) {
		int r = loop_run_once(l, -1);

		if (r < 0)
			return r;
	}
	return 0;
}

void loop_quit(struct loop *l)
{
	l->quit = 1;
}
