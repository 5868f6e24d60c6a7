/*
 * Tests for core/service.c: services start in table order and stop in
 * reverse, a failing init stops those already started and names itself,
 * and ticks run on the loop at the interval each returns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/daemon.h"
#include "core/service.h"
#include "common/loop.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static char trace[256];
static int ticks;

static void note(const char *s)
{
	size_t len = strlen(trace);

	snprintf(trace + len, sizeof(trace) - len, "%s%s", len ? " " : "", s);
}

static int init_a(struct croftd *d, char *err, size_t errlen)
{
	(void)d; (void)err; (void)errlen;
	note("+a");
	return 0;
}

static void fini_a(struct croftd *d)
{
	(void)d;
	note("-a");
}

static int init_b(struct croftd *d, char *err, size_t errlen)
{
	(void)d; (void)err; (void)errlen;
	note("+b");
	return 0;
}

static void fini_b(struct croftd *d)
{
	(void)d;
	note("-b");
}

static int init_fail(struct croftd *d, char *err, size_t errlen)
{
	(void)d;
	note("+x");
	snprintf(err, errlen, "no such thing");
	return -ENOENT;
}

static uint64_t tick_b(struct croftd *d)
{
	volatile unsigned spin = 0;

	(void)d;
	while (spin < 2000000)           /* some CPU time for the accounting */
		spin++;
	ticks++;
	return ticks == 1 ? 5 : 0;      /* then back to the table's 20 ms */
}

static void test_order(void **state)
{
	static const struct croftd_service svc[] = {
		{ "a", init_a, fini_a, NULL, 0 },
		{ "b", init_b, fini_b, NULL, 0 },
		{ "c", NULL, NULL, NULL, 0 },
	};
	struct croftd d = { 0 };
	struct service_set *set;
	char err[128] = "";

	(void)state;
	trace[0] = '\0';
	d.loop = loop_new();
	assert_int_equal(service_start_all(&d, svc, 3, &set, err, sizeof(err)), 0);
	service_stop_all(set);
	assert_string_equal(trace, "+a +b -b -a");
	loop_free(d.loop);
}

static void test_failure_unwinds(void **state)
{
	static const struct croftd_service svc[] = {
		{ "a", init_a, fini_a, NULL, 0 },
		{ "store", init_fail, fini_b, NULL, 0 },
		{ "b", init_b, fini_b, NULL, 0 },
	};
	struct croftd d = { 0 };
	struct service_set *set = (void *)1;
	char err[128] = "";

	(void)state;
	trace[0] = '\0';
	d.loop = loop_new();
	assert_int_equal(service_start_all(&d, svc, 3, &set, err, sizeof(err)), -ENOENT);
	assert_null(set);
	assert_string_equal(err, "store: no such thing");
	assert_string_equal(trace, "+a +x -a");
	loop_free(d.loop);
}

static void test_ticks(void **state)
{
	static const struct croftd_service svc[] = {
		{ "b", init_b, fini_b, tick_b, 20 },
	};
	struct croftd d = { 0 };
	struct service_set *set;
	char err[128] = "";
	uint64_t t0;

	(void)state;
	ticks = 0;
	d.loop = loop_new();
	assert_int_equal(service_start_all(&d, svc, 1, &set, err, sizeof(err)), 0);
	t0 = loop_now_ms();
	while (ticks < 3 && loop_now_ms() - t0 < 2000)
		loop_run_once(d.loop, 100);
	assert_int_equal(ticks, 3);
	/* 20 ms, then 5 ms, then 20 ms again */
	assert_true(loop_now_ms() - t0 >= 40);
	/* each tick's CPU time is counted, under the service's name; only
	 * services that tick are listed */
	{
		const char *name = NULL;
		uint64_t ns = 0, n = 0;

		assert_int_equal(service_tick_cpu(set, 0, &name, &ns, &n), 0);
		assert_string_equal(name, "b");
		assert_int_equal(n, 3);
		assert_true(ns > 0);
		assert_int_equal(service_tick_cpu(set, 1, &name, &ns, &n), -ENOENT);
	}
	service_stop_all(set);
	/* No tick after the stop. */
	loop_run_once(d.loop, 50);
	assert_int_equal(ticks, 3);
	loop_free(d.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_failure_unwinds),
		cmocka_unit_test(test_ticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
