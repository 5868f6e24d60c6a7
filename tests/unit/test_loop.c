/*
 * Tests for core/loop.c: fd callbacks on real pipes, interest changes,
 * removal from inside callbacks (own fd, another fd in the same epoll
 * batch, fd-number reuse), one-shot timers, cancellation and quitting.
 * The timer heap: many timers in deadline and adding order, cancels from
 * the middle of the heap and from callbacks, re-arming from a callback
 * (never in the same batch), no file descriptor per timer.
 * Timing checks only use lower bounds and generous upper bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void xpipe(int p[2])
{
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
}

static void put(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void drain(int fd)
{
	char buf[256];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* ---- fd callbacks ------------------------------------------------------ */

struct rec {
	int calls;
	int fd;
	uint32_t events;
	void *data;
	char got[64];
};

static void rec_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct rec *r = data;
	ssize_t n;

	(void)l;
	r->calls++;
	r->fd = fd;
	r->events = events;
	r->data = data;
	if (events & EPOLLIN) {
		n = read(fd, r->got, sizeof(r->got) - 1);
		r->got[n > 0 ? n : 0] = '\0';
	}
}

static void test_fd_callback(void **state)
{
	struct loop *l = loop_new();
	struct rec r = { 0 };
	int p[2];

	(void)state;
	assert_non_null(l);
	xpipe(p);
	assert_int_equal(loop_add(l, p[0], EPOLLIN, rec_cb, &r), 0);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 0);

	put(p[1], "ping");
	assert_int_equal(loop_run_once(l, 2000), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fd, p[0]);
	assert_true(r.events & EPOLLIN);
	assert_ptr_equal(r.data, &r);
	assert_string_equal(r.got, "ping");
	/* level-triggered and drained: nothing more */
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 1);

	put(p[1], "pong");
	assert_int_equal(loop_run_once(l, 2000), 1);
	assert_string_equal(r.got, "pong");

	/* Hang-up is reported too. */
	close(p[1]);
	assert_int_equal(loop_run_once(l, 2000), 1);
	assert_true(r.events & EPOLLHUP);

	loop_del(l, p[0]);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 3);
	loop_free(l);
	/* The loop closes nothing: our fd is still open. */
	assert_true(fcntl(p[0], F_GETFD) >= 0);
	close(p[0]);
}

static void test_add_errors(void **state)
{
	struct loop *l = loop_new();
	struct rec r = { 0 };
	int p[2];
	char path[] = "/tmp/croft-test-loop-XXXXXX";
	int f;

	(void)state;
	xpipe(p);
	assert_int_equal(loop_add(l, p[0], EPOLLIN, rec_cb, &r), 0);
	assert_int_equal(loop_add(l, p[0], EPOLLIN, rec_cb, &r), -EEXIST);
	assert_int_equal(loop_add(l, -1, EPOLLIN, rec_cb, &r), -EBADF);
	f = mkstemp(path);
	assert_true(f >= 0);
	unlink(path);
	assert_int_equal(loop_add(l, f, EPOLLIN, rec_cb, &r), -EPERM);   /* regular file */
	close(f);
	assert_int_equal(loop_mod(l, p[1], EPOLLOUT), -ENOENT);
	loop_del(l, p[1]);                          /* unknown: harmless */
	loop_del(l, p[0]);
	loop_del(l, p[0]);                          /* twice: harmless */
	assert_int_equal(loop_mod(l, p[0], EPOLLIN), -ENOENT);
	/* Re-adding after removal works. */
	assert_int_equal(loop_add(l, p[0], EPOLLIN, rec_cb, &r), 0);
	put(p[1], "x");
	assert_int_equal(loop_run_once(l, 2000), 1);
	assert_int_equal(r.calls, 1);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}

static void test_mod_epollout(void **state)
{
	struct loop *l = loop_new();
	struct rec r = { 0 };
	int p[2];

	(void)state;
	xpipe(p);
	assert_int_equal(loop_add(l, p[1], 0, rec_cb, &r), 0);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 0);

	assert_int_equal(loop_mod(l, p[1], EPOLLOUT), 0);
	assert_int_equal(loop_run_once(l, 2000), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fd, p[1]);
	assert_true(r.events & EPOLLOUT);
	assert_false(r.events & EPOLLIN);

	/* Back to no interest: the writable pipe no longer wakes us. */
	assert_int_equal(loop_mod(l, p[1], 0), 0);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 1);

	loop_free(l);
	close(p[0]);
	close(p[1]);
}

/* ---- removal from callbacks -------------------------------------------- */

struct self_del {
	int calls;
};

static void self_del_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct self_del *s = data;

	(void)events;
	s->calls++;
	loop_del(l, fd);                 /* data left unread on purpose */
}

static void test_del_self_in_callback(void **state)
{
	struct loop *l = loop_new();
	struct self_del s = { 0 };
	int p[2];

	(void)state;
	xpipe(p);
	assert_int_equal(loop_add(l, p[0], EPOLLIN, self_del_cb, &s), 0);
	put(p[1], "still here");
	assert_int_equal(loop_run_once(l, 2000), 1);
	assert_int_equal(s.calls, 1);
	/* Still readable, but removed. */
	assert_int_equal(loop_run_once(l, 50), 0);
	assert_int_equal(s.calls, 1);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}

struct pair {
	int calls;
	int other_fd;
};

static void pair_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct pair *pr = data;

	(void)events;
	pr->calls++;
	drain(fd);
	loop_del(l, pr->other_fd);
}

static void test_del_other_in_same_batch(void **state)
{
	struct loop *l = loop_new();
	struct pair a = { 0 }, b = { 0 };
	int pa[2], pb[2];

	(void)state;
	xpipe(pa);
	xpipe(pb);
	a.other_fd = pb[0];
	b.other_fd = pa[0];
	assert_int_equal(loop_add(l, pa[0], EPOLLIN, pair_cb, &a), 0);
	assert_int_equal(loop_add(l, pb[0], EPOLLIN, pair_cb, &b), 0);
	/* Both readable before the loop looks: one epoll batch holds both. */
	put(pa[1], "a");
	put(pb[1], "b");
	assert_int_equal(loop_run_once(l, 2000), 1);
	assert_int_equal(a.calls + b.calls, 1);

	/* The removed one stays removed even with data pending. */
	put(pa[1], "a");
	put(pb[1], "b");
	assert_int_equal(loop_run_once(l, 2000), 1);
	if (a.calls) {
		assert_int_equal(a.calls, 2);
		assert_int_equal(b.calls, 0);
	} else {
		assert_int_equal(b.calls, 2);
		assert_int_equal(a.calls, 0);
	}
	loop_free(l);
	close(pa[0]);
	close(pa[1]);
	close(pb[0]);
	close(pb[1]);
}

/* The removed fd is closed and its number reused for a new entry within the
 * same batch: the stale event must reach neither the old nor the new
 * callback. */
struct reuse {
	int calls;
	int *victim_rd;       /* read end of the other pipe, replaced */
	int *victim_wr;
	struct rec *fresh;
	int new_fd;
};

static void reuse_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct reuse *u = data;
	int np[2];

	(void)events;
	u->calls++;
	drain(fd);
	loop_del(l, *u->victim_rd);
	close(*u->victim_rd);
	close(*u->victim_wr);
	assert_int_equal(pipe2(np, O_NONBLOCK | O_CLOEXEC), 0);
	u->new_fd = np[0];
	*u->victim_rd = np[0];
	*u->victim_wr = np[1];
	assert_int_equal(loop_add(l, np[0], EPOLLIN, rec_cb, u->fresh), 0);
}

static void test_del_other_and_reuse_fd(void **state)
{
	struct loop *l = loop_new();
	struct rec fresh = { 0 };
	struct reuse a = { 0 }, b = { 0 };
	int pa[2], pb[2];
	int a_rd, a_wr, b_rd, b_wr;

	(void)state;
	xpipe(pa);
	xpipe(pb);
	a_rd = pa[0];
	a_wr = pa[1];
	b_rd = pb[0];
	b_wr = pb[1];
	a.victim_rd = &b_rd;
	a.victim_wr = &b_wr;
	b.victim_rd = &a_rd;
	b.victim_wr = &a_wr;
	a.fresh = b.fresh = &fresh;
	a.new_fd = b.new_fd = -1;
	assert_int_equal(loop_add(l, a_rd, EPOLLIN, reuse_cb, &a), 0);
	assert_int_equal(loop_add(l, b_rd, EPOLLIN, reuse_cb, &b), 0);
	put(a_wr, "a");
	put(b_wr, "b");
	assert_int_equal(loop_run_once(l, 2000), 1);
	assert_int_equal(a.calls + b.calls, 1);
	assert_int_equal(fresh.calls, 0);
	/* The kernel handed the freed number back out. */
	if (a.calls)
		assert_int_equal(a.new_fd, pb[0]);
	else
		assert_int_equal(b.new_fd, pa[0]);

	/* The new entry works. */
	if (a.calls)
		put(b_wr, "new");
	else
		put(a_wr, "new");
	assert_int_equal(loop_run_once(l, 2000), 1);
	assert_int_equal(fresh.calls, 1);
	assert_string_equal(fresh.got, "new");

	loop_free(l);
	close(a_rd);
	close(a_wr);
	close(b_rd);
	close(b_wr);
}

/* ---- timers ------------------------------------------------------------ */

#define MANY 300

struct tlog {
	int order[MANY];
	uint64_t at[MANY];
	int n;
	int quit_after;
};

struct tev {
	struct tlog *log;
	int id;
};

static void tlog_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct tev *e = data;

	(void)t;
	assert_true(e->log->n < MANY);
	e->log->order[e->log->n] = e->id;
	e->log->at[e->log->n] = loop_now_ms();
	e->log->n++;
	if (e->log->n == e->log->quit_after)
		loop_quit(l);
}

static void guard_cb(struct loop *l, struct loop_timer *t, void *data)
{
	(void)t;
	*(int *)data = 1;
	loop_quit(l);
}

static void test_timers_in_order(void **state)
{
	struct loop *l = loop_new();
	struct tlog log = { .quit_after = 2 };
	struct tev e30 = { &log, 30 }, e10 = { &log, 10 };
	struct loop_timer *guard;
	int timed_out = 0;
	uint64_t t0;

	(void)state;
	t0 = loop_now_ms();
	assert_non_null(loop_timer_add(l, 30, tlog_cb, &e30));
	assert_non_null(loop_timer_add(l, 10, tlog_cb, &e10));
	guard = loop_timer_add(l, 10000, guard_cb, &timed_out);
	assert_non_null(guard);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(timed_out, 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.order[0], 10);
	assert_int_equal(log.order[1], 30);
	/* never early */
	assert_true(log.at[0] - t0 >= 9);
	assert_true(log.at[1] - t0 >= 29);
	assert_true(log.at[1] >= log.at[0]);
	/* one-shot: nothing more */
	assert_int_equal(loop_run_once(l, 60), 0);
	assert_int_equal(log.n, 2);
	loop_timer_cancel(l, guard);
	loop_free(l);
}

static void test_timer_cancel(void **state)
{
	struct loop *l = loop_new();
	struct tlog log = { .quit_after = 100 };
	struct tev e = { &log, 1 };
	struct loop_timer *t;
	int done = 0;

	(void)state;
	t = loop_timer_add(l, 20, tlog_cb, &e);
	assert_non_null(t);
	assert_non_null(loop_timer_add(l, 150, guard_cb, &done));
	loop_timer_cancel(l, t);
	loop_timer_cancel(l, t);         /* again before the reap: harmless */
	loop_timer_cancel(l, NULL);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(done, 1);
	assert_int_equal(log.n, 0);
	loop_free(l);
}

/* Two timers due in the same batch; the first to run cancels the other. */
struct canceller {
	struct loop_timer **other;
	struct loop_timer **self;
	int calls;
};

static void cancel_other_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct canceller *c = data;

	assert_ptr_equal(t, *c->self);
	c->calls++;
	loop_timer_cancel(l, t);         /* own timer, already fired: no-op */
	loop_timer_cancel(l, *c->other);
}

static void test_timer_cancel_in_same_batch(void **state)
{
	struct loop *l = loop_new();
	struct loop_timer *ta, *tb;
	struct canceller ca = { &tb, &ta, 0 }, cb = { &ta, &tb, 0 };

	(void)state;
	ta = loop_timer_add(l, 5, cancel_other_cb, &ca);
	tb = loop_timer_add(l, 5, cancel_other_cb, &cb);
	assert_non_null(ta);
	assert_non_null(tb);
	sleep_ms(60);                    /* both expired before epoll looks */
	assert_int_equal(loop_run_once(l, 2000), 1);
	assert_int_equal(ca.calls + cb.calls, 1);
	assert_int_equal(loop_run_once(l, 50), 0);
	assert_int_equal(ca.calls + cb.calls, 1);
	loop_free(l);
}

struct chain {
	struct tlog log;
	struct tev second;
};

static void chain_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct chain *c = data;

	(void)t;
	c->log.order[c->log.n] = 1;
	c->log.at[c->log.n++] = loop_now_ms();
	assert_non_null(loop_timer_add(l, 10, tlog_cb, &c->second));
}

static void test_timer_adds_timer(void **state)
{
	struct loop *l = loop_new();
	struct chain c = { .log = { .quit_after = 2 } };
	struct loop_timer *guard;
	int timed_out = 0;

	(void)state;
	c.second.log = &c.log;
	c.second.id = 2;
	assert_non_null(loop_timer_add(l, 10, chain_cb, &c));
	guard = loop_timer_add(l, 10000, guard_cb, &timed_out);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(timed_out, 0);
	assert_int_equal(c.log.n, 2);
	assert_int_equal(c.log.order[0], 1);
	assert_int_equal(c.log.order[1], 2);
	assert_true(c.log.at[1] - c.log.at[0] >= 9);
	loop_timer_cancel(l, guard);
	loop_free(l);
}

static void test_timer_zero_ms(void **state)
{
	struct loop *l = loop_new();
	struct tlog log = { .quit_after = 1 };
	struct tev e = { &log, 7 };
	int i;

	(void)state;
	assert_non_null(loop_timer_add(l, 0, tlog_cb, &e));
	for (i = 0; i < 100 && log.n == 0; i++)
		loop_run_once(l, 20);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.order[0], 7);
	loop_free(l);
}

/* ---- the timer heap ---------------------------------------------------- */

/* The delay of timer i: ten groups 15 ms apart, in a scrambled order,
 * so adding them all (well under 15 ms) cannot reorder two groups. */
static uint64_t many_ms(int i)
{
	return (uint64_t)((i * 7) % 10) * 15;
}

/* Timer a fires before timer b: an earlier group, or the same group and
 * added first. */
static int many_before(int a, int b)
{
	return many_ms(a) < many_ms(b) || (many_ms(a) == many_ms(b) && a < b);
}

static void run_until(struct loop *l, const int *n, int want)
{
	uint64_t t0 = loop_now_ms();

	while (*n < want && loop_now_ms() - t0 < 10000)
		assert_true(loop_run_once(l, 100) >= 0);
}

static void test_many_timers_in_order(void **state)
{
	static struct tlog log;
	static struct tev ev[MANY];
	struct loop_timer *t[MANY];
	struct loop *l = loop_new();
	int i, kept = 0;

	(void)state;
	memset(&log, 0, sizeof(log));
	log.quit_after = -1;
	for (i = 0; i < MANY; i++) {
		ev[i] = (struct tev){ &log, i };
		t[i] = loop_timer_add(l, many_ms(i), tlog_cb, &ev[i]);
		assert_non_null(t[i]);
	}
	/* every third one goes: holes all over the heap */
	for (i = 0; i < MANY; i += 3)
		loop_timer_cancel(l, t[i]);
	for (i = 0; i < MANY; i++)
		kept += i % 3 != 0;
	run_until(l, &log.n, kept);
	assert_int_equal(log.n, kept);
	for (i = 0; i < log.n; i++)
		assert_true(log.order[i] % 3 != 0);
	/* strictly in order, so none twice */
	for (i = 1; i < log.n; i++)
		assert_true(many_before(log.order[i - 1], log.order[i]));
	assert_int_equal(loop_run_once(l, 30), 0);
	loop_free(l);
}

/* A callback cancels a timer due later, deep in the heap, and one due in
 * the same batch; the others still fire, in order. */
struct canceler2 {
	struct tev self;
	struct loop_timer *victims[2];
};

static void cancel_two_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct canceler2 *c = data;

	tlog_cb(l, t, &c->self);
	loop_timer_cancel(l, c->victims[0]);
	loop_timer_cancel(l, c->victims[1]);
}

static void test_cancel_in_callback(void **state)
{
	struct tlog log = { .quit_after = 100 };
	struct tev e[5] = { { &log, 0 }, { &log, 1 }, { &log, 2 }, { &log, 3 }, { &log, 4 } };
	struct canceler2 c = { .self = { &log, 0 } };
	struct loop *l = loop_new();

	(void)state;
	assert_non_null(loop_timer_add(l, 10, cancel_two_cb, &c));
	c.victims[0] = loop_timer_add(l, 10, tlog_cb, &e[1]);   /* same batch: cancelled */
	assert_non_null(loop_timer_add(l, 10, tlog_cb, &e[2]));  /* same batch: fires */
	c.victims[1] = loop_timer_add(l, 40, tlog_cb, &e[3]);   /* later: cancelled */
	assert_non_null(loop_timer_add(l, 60, tlog_cb, &e[4]));  /* later: fires */
	sleep_ms(20);
	assert_int_equal(loop_run_once(l, 0), 2);
	run_until(l, &log.n, 3);
	assert_int_equal(log.n, 3);
	assert_int_equal(log.order[0], 0);
	assert_int_equal(log.order[1], 2);
	assert_int_equal(log.order[2], 4);
	assert_int_equal(loop_run_once(l, 80), 0);
	assert_int_equal(log.n, 3);
	loop_free(l);
}

/* A callback re-arms its own timer, as a service's tick does; one re-armed
 * with 0 ms waits for the next batch, so it cannot starve the loop. */
struct rearm {
	struct loop_timer *t;
	int calls;
	int limit;
	uint64_t ms;
};

static void rearm_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct rearm *r = data;

	assert_ptr_equal(t, r->t);
	loop_timer_cancel(l, t);         /* own timer: harmless */
	r->calls++;
	r->t = r->calls < r->limit ? loop_timer_add(l, r->ms, rearm_cb, r) : NULL;
}

static void test_rearm_in_callback(void **state)
{
	struct loop *l = loop_new();
	struct rearm zero = { .limit = 50, .ms = 0 }, ten = { .limit = 5, .ms = 10 };
	uint64_t t0;

	(void)state;
	zero.t = loop_timer_add(l, 0, rearm_cb, &zero);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_int_equal(zero.calls, 1);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_int_equal(zero.calls, 2);
	run_until(l, &zero.calls, 50);
	assert_int_equal(zero.calls, 50);
	assert_null(zero.t);

	t0 = loop_now_ms();
	ten.t = loop_timer_add(l, 10, rearm_cb, &ten);
	run_until(l, &ten.calls, 5);
	assert_int_equal(ten.calls, 5);
	assert_true(loop_now_ms() - t0 >= 49);
	assert_int_equal(loop_run_once(l, 30), 0);
	loop_free(l);
}

/* The lowest free descriptor number: a new descriptor would take it. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

/* Timers take no descriptor, and a timer cuts a long wait short. */
static void test_timers_take_no_fd(void **state)
{
	struct loop *l = loop_new();
	struct tlog log = { .quit_after = 100 };
	struct tev e = { &log, 3 };
	int before, i;
	uint64_t t0;

	(void)state;
	before = lowest_free_fd();
	for (i = 0; i < 200; i++)
		assert_non_null(loop_timer_add(l, 100000 + (uint64_t)i, tlog_cb, &e));
	assert_int_equal(lowest_free_fd(), before);
	t0 = loop_now_ms();
	assert_non_null(loop_timer_add(l, 20, tlog_cb, &e));
	assert_int_equal(loop_run_once(l, 5000), 1);
	assert_int_equal(log.n, 1);
	assert_true(loop_now_ms() - t0 >= 19);
	assert_true(loop_now_ms() - t0 < 4000);
	loop_free(l);                    /* 200 pending: freed (ASan) */
}

/* ---- quit, timeouts, teardown ------------------------------------------ */

static void quit_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	(void)events;
	drain(fd);
	(*(int *)data)++;
	loop_quit(l);
}

static void test_loop_quit(void **state)
{
	struct loop *l = loop_new();
	int calls = 0, timed_out = 0;
	struct loop_timer *guard;
	int p[2];

	(void)state;
	xpipe(p);
	assert_int_equal(loop_add(l, p[0], EPOLLIN, quit_cb, &calls), 0);
	guard = loop_timer_add(l, 10000, guard_cb, &timed_out);
	put(p[1], "q");
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(timed_out, 0);
	/* loop_run can be entered again after a quit. */
	put(p[1], "q");
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(calls, 2);
	loop_timer_cancel(l, guard);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}

static void test_run_once_timeout(void **state)
{
	struct loop *l = loop_new();
	struct rec r = { 0 };
	uint64_t t0, t1;
	int p[2];

	(void)state;
	t0 = loop_now_ms();
	assert_int_equal(loop_run_once(l, 50), 0);
	t1 = loop_now_ms();
	assert_true(t1 - t0 >= 45);
	assert_true(t1 - t0 < 5000);

	xpipe(p);
	assert_int_equal(loop_add(l, p[0], EPOLLIN, rec_cb, &r), 0);
	assert_int_equal(loop_run_once(l, 30), 0);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 0);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}

/* Freeing a loop with live fds and pending timers leaks nothing (ASan). */
static void test_free_with_pending(void **state)
{
	struct loop *l = loop_new();
	struct rec r = { 0 };
	struct tlog log = { .quit_after = 100 };
	struct tev e = { &log, 1 };
	int p[2];

	(void)state;
	xpipe(p);
	assert_int_equal(loop_add(l, p[0], EPOLLIN, rec_cb, &r), 0);
	assert_non_null(loop_timer_add(l, 1000, tlog_cb, &e));
	assert_non_null(loop_timer_add(l, 1, tlog_cb, &e));
	loop_free(l);
	loop_free(NULL);
	assert_int_equal(log.n, 0);
	close(p[0]);
	close(p[1]);
}

static void test_now_monotonic(void **state)
{
	uint64_t a, b;

	(void)state;
	a = loop_now_ms();
	sleep_ms(20);
	b = loop_now_ms();
	assert_true(b >= a + 19);
	assert_true(b - a < 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_callback),
		cmocka_unit_test(test_add_errors),
		cmocka_unit_test(test_mod_epollout),
		cmocka_unit_test(test_del_self_in_callback),
		cmocka_unit_test(test_del_other_in_same_batch),
		cmocka_unit_test(test_del_other_and_reuse_fd),
		cmocka_unit_test(test_timers_in_order),
		cmocka_unit_test(test_timer_cancel),
		cmocka_unit_test(test_timer_cancel_in_same_batch),
		cmocka_unit_test(test_timer_adds_timer),
		cmocka_unit_test(test_timer_zero_ms),
		cmocka_unit_test(test_many_timers_in_order),
		cmocka_unit_test(test_cancel_in_callback),
		cmocka_unit_test(test_rearm_in_callback),
		cmocka_unit_test(test_timers_take_no_fd),
		cmocka_unit_test(test_loop_quit),
		cmocka_unit_test(test_run_once_timeout),
		cmocka_unit_test(test_free_with_pending),
		cmocka_unit_test(test_now_monotonic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
