/*
 * Tests for core/alerts.c: raising after the window and not before, a
 * short spike ignored, critical above warning, hysteresis (a value just
 * under the threshold does not clear it), clearing after the window and
 * saying so on the bus, lowering from critical to warning, unknown values,
 * alerts of a deleted VM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/alerts.h"
#include "core/bus.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static struct {
	int n;
	char kind[16][32];
	char level[16][16];
	char msg[16][256];
} seen;

static void sink(const struct bus_event *ev, void *data)
{
	(void)data;
	if (seen.n >= 16)
		return;
	snprintf(seen.kind[seen.n], sizeof(seen.kind[0]), "%s", ev->kind);
	snprintf(seen.level[seen.n], sizeof(seen.level[0]), "%s",
		 json_string_value(json_object_get(ev->data, "level")));
	snprintf(seen.msg[seen.n], sizeof(seen.msg[0]), "%s", ev->message);
	seen.n++;
}

static const struct alert_rule ready = { "ready", "CPU ready", "%", 5, 10, 300000 };
static const struct alert_rule swap = { "swap", "swapping", " pages/s", 10, 0, 60000 };

struct fx {
	struct bus *bus;
	struct alerts *a;
};

static int setup(void **state)
{
	static struct fx f;

	memset(&seen, 0, sizeof(seen));
	f.bus = bus_new(tl_clock_ms);
	bus_sink_add(f.bus, sink, NULL);
	f.a = alerts_new(f.bus);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	alerts_free(f->a);
	bus_free(f->bus);
	return 0;
}

static size_t active(struct fx *f, const struct alert **out)
{
	return alerts_active(f->a, out, 8);
}

/* Feed value every 2 s from t for ms. */
static int64_t feed(struct fx *f, const struct alert_rule *r, const char *key, double value,
		    int64_t t, int64_t ms)
{
	int64_t end = t + ms;

	for (; t <= end; t += 2000)
		alerts_observe(f->a, r, "web", key, value, t);
	return t;
}

static int64_t feed_host(struct fx *f, int64_t t)
{
	int n = seen.n;

	for (; t <= 1000000 + 2000000; t += 2000)
		alerts_observe(f->a, &swap, "", "", 500, t);
	assert_true(seen.n > n || n == 16);
	tl_assert_contains(seen.msg[seen.n - 1], "host: swapping 500.0 pages/s, above 10 pages/s for 60s (warning)");
	return t;
}

static void test_raise_and_clear(void **state)
{
	struct fx *f = *state;
	const struct alert *al[8];
	int64_t t = 1000000;

	/* a spike of a minute: nothing */
	t = feed(f, &ready, "vcpu 0", 30, t, 60000);
	t = feed(f, &ready, "vcpu 0", 1, t, 10000);
	assert_int_equal(active(f, al), 0);
	assert_int_equal(seen.n, 0);

	/* 7 % for just under 5 min: nothing yet; at 5 min: a warning */
	t = feed(f, &ready, "vcpu 0", 7, t, 298000);
	assert_int_equal(active(f, al), 0);
	t = feed(f, &ready, "vcpu 0", 7, t, 2000);
	assert_int_equal(active(f, al), 1);
	assert_int_equal(al[0]->level, ALERT_WARNING);
	assert_string_equal(al[0]->key, "vcpu 0");
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.kind[0], "alert.raised");
	assert_string_equal(seen.level[0], "warning");
	tl_assert_contains(seen.msg[0], "web: vcpu 0 CPU ready 7.0%, above 5% for 300s (warning)");

	/* 4.5 %: under the threshold but inside the hysteresis band (4 %):
	 * it stays, however long */
	t = feed(f, &ready, "vcpu 0", 4.5, t, 900000);
	assert_int_equal(active(f, al), 1);
	assert_int_equal(seen.n, 1);

	/* 2 %: cleared after the window, and said so */
	t = feed(f, &ready, "vcpu 0", 2, t, 298000);
	assert_int_equal(active(f, al), 1);
	t = feed(f, &ready, "vcpu 0", 2, t, 2000);
	assert_int_equal(active(f, al), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.kind[1], "alert.cleared");
	tl_assert_contains(seen.msg[1], "back to 2.0%: alert cleared (was warning)");
	(void)t;
}

static void test_critical_and_lowered(void **state)
{
	struct fx *f = *state;
	const struct alert *al[8];
	int64_t t = 1000000;

	t = feed(f, &ready, "vcpu 1", 35, t, 300000);
	assert_int_equal(active(f, al), 1);
	assert_int_equal(al[0]->level, ALERT_CRITICAL);      /* straight to critical */
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.level[0], "critical");
	/* unknown values change nothing */
	alerts_observe(f->a, &ready, "web", "vcpu 1", NAN, t);
	alerts_observe(f->a, &ready, "web", "vcpu 1", -1, t);
	assert_int_equal(active(f, al), 1);
	/* 6 %: lowered to a warning after the window */
	t = feed(f, &ready, "vcpu 1", 6, t, 300000);
	assert_int_equal(active(f, al), 1);
	assert_int_equal(al[0]->level, ALERT_WARNING);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.kind[1], "alert.raised");
	assert_string_equal(seen.level[1], "warning");
	/* a rule without a critical level never goes there */
	t = feed(f, &swap, "", 5000, t, 120000);
	assert_int_equal(active(f, al), 2);
	assert_int_equal(al[1]->level, ALERT_WARNING);
	/* a host alert: subject "", messages say host */
	t = feed_host(f, t);
	/* the VM deleted: its alerts cleared with the reason */
	alerts_drop_subject(f->a, "web", "VM deleted");
	assert_int_equal(active(f, al), 1);                 /* the host's stays */
	assert_string_equal(al[0]->subject, "");
	assert_string_equal(seen.kind[seen.n - 1], "alert.cleared");
	tl_assert_contains(seen.msg[seen.n - 1], "alert cleared: VM deleted");
}

static void test_json(void **state)
{
	struct fx *f = *state;
	json_t *j;

	feed(f, &swap, "", 50, 1000, 60000);
	j = alerts_json(f->a, NULL);
	assert_int_equal(json_array_size(j), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "alert")), "swap");
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "level")),
			    "warning");
	json_decref(j);
	j = alerts_json(f->a, "db");
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raise_and_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_critical_and_lowered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
