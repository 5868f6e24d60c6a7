/*
 * epoll event loop.  Entries live in a list; epoll_event.data carries the
 * entry pointer.  Removal marks an entry dead and unlinks it from epoll; dead
 * entries are freed after the current batch, so a pointer still sitting in
 * the batch never dangles.
 *
 * Timers sit in a binary min-heap keyed by (deadline in monotonic ns, the
 * sequence number of their adding); each knows its slot.  epoll_wait's
 * timeout is cut to the heap's first deadline, rounded up to the next
 * millisecond so the loop never wakes early and spins.  A timer leaving
 * the heap (fired or cancelled) goes to a graveyard freed at the end of
 * the batch, the same rule as fd entries.
 */
#include "common/loop.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct loop_entry {
	int fd;
	int dead;
	loop_fd_cb cb;
	void *data;
	struct loop_entry *next;
};

struct loop_timer {
	uint64_t due_ns;
	uint64_t seq;
	size_t slot;                /* in the heap; TIMER_GONE once out of it */
	loop_timer_cb cb;
	void *data;
	struct loop_timer *next;    /* in the graveyard */
};

#define TIMER_GONE ((size_t)-1)

struct loop {
	int epfd;
	int quit;
	struct loop_entry *entries;
	int dirty;                  /* some entries are dead */
	struct loop_timer **heap;
	size_t n_timers, cap_timers;
	uint64_t seq;
	struct loop_timer *graveyard;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t loop_now_ms(void)
{
	return now_ns() / 1000000u;
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
	struct loop_timer *t;

	while (*pp) {
		struct loop_entry *e = *pp;

		if (e->dead) {
			*pp = e->next;
			free(e);
		} else {
			pp = &e->next;
		}
	}
	l->dirty = 0;
	while ((t = l->graveyard)) {
		l->graveyard = t->next;
		free(t);
	}
}

void loop_free(struct loop *l)
{
	struct loop_entry *e;
	size_t i;

	if (!l)
		return;
	for (e = l->entries; e; e = e->next)
		e->dead = 1;
	loop_reap(l);
	for (i = 0; i < l->n_timers; i++)
		free(l->heap[i]);
	free(l->heap);
	close(l->epfd);
	free(l);
}

static struct loop_entry *loop_find(struct loop *l, int fd)
{
	struct loop_entry *e;

	for (e = l->entries; e; e = e->next)
		if (!e->dead && e->fd == fd)
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

/* --- the timer heap ---------------------------------------------------------- */

static int timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

static void heap_put(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i;
}

static void heap_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	while (i > 0 && timer_before(t, l->heap[(i - 1) / 2])) {
		heap_put(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_put(l, i, t);
}

static void heap_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->n_timers)
			break;
		if (c + 1 < l->n_timers && timer_before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!timer_before(l->heap[c], t))
			break;
		heap_put(l, i, l->heap[c]);
		i = c;
	}
	heap_put(l, i, t);
}

/* Take t out of the heap and into the graveyard. */
static void heap_remove(struct loop *l, struct loop_timer *t)
{
	size_t i = t->slot;
	struct loop_timer *last = l->heap[--l->n_timers];

	if (i < l->n_timers) {
		heap_put(l, i, last);
		heap_down(l, i);
		heap_up(l, last->slot);
	}
	t->slot = TIMER_GONE;
	t->next = l->graveyard;
	l->graveyard = t;
}

struct loop_timer *loop_timer_add(struct loop *l, uint64_t ms, loop_timer_cb cb, void *data)
{
	struct loop_timer *t = xcalloc(1, sizeof(*t));

	if (ms > UINT64_MAX / 1000000u / 2)
		ms = UINT64_MAX / 1000000u / 2;
	t->due_ns = now_ns() + ms * 1000000u;
	t->seq = l->seq++;
	t->cb = cb;
	t->data = data;
	if (l->n_timers == l->cap_timers) {
		l->cap_timers = l->cap_timers ? l->cap_timers * 2 : 16;
		l->heap = xrealloc(l->heap, l->cap_timers * sizeof(*l->heap));
	}
	heap_put(l, l->n_timers++, t);
	heap_up(l, t->slot);
	return t;
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	if (t && t->slot != TIMER_GONE)
		heap_remove(l, t);
}

/* epoll_wait's timeout: the caller's, cut to the first deadline. */
static int wait_ms(const struct loop *l, int timeout_ms)
{
	uint64_t now, left;

	if (!l->n_timers)
		return timeout_ms;
	now = now_ns();
	if (l->heap[0]->due_ns <= now)
		return 0;
	left = (l->heap[0]->due_ns - now + 999999u) / 1000000u;
	if (left > INT_MAX)
		left = INT_MAX;
	return timeout_ms >= 0 && (uint64_t)timeout_ms < left ? timeout_ms : (int)left;
}

/* Fire the timers due now that were added before this batch began. */
static int run_timers(struct loop *l, uint64_t first_new)
{
	uint64_t now = now_ns();
	int ran = 0;

	while (l->n_timers && l->heap[0]->due_ns <= now && l->heap[0]->seq < first_new) {
		struct loop_timer *t = l->heap[0];

		heap_remove(l, t);           /* one-shot: gone before its callback */
		t->cb(l, t, t->data);
		ran++;
	}
	return ran;
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event evs[32];
	uint64_t first_new = l->seq;
	int n, i, ran = 0;

	n = epoll_wait(l->epfd, evs, 32, wait_ms(l, timeout_ms));
	if (n < 0 && errno != EINTR)
		return -errno;
	for (i = 0; i < n; i++) {
		struct loop_entry *e = evs[i].data.ptr;

		if (e->dead)
			continue;
		e->cb(l, e->fd, evs[i].events, e->data);
		ran++;
	}
	ran += run_timers(l, first_new);
	if (l->dirty || l->graveyard)
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
