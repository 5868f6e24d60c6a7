/*
 * pool_forecast tests: growth over 24 h and 7 d from series of samples
 * against a fake clock (steady growth, no growth, shrinking, too little
 * history, samples at odd times, an already full pool), the "full in ~N"
 * text, the 80 % / 95 % levels and the events their crossings raise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/pool_forecast.h"

#include <string.h>

#define GIB (1ULL << 30)
#define HOUR_MS 3600000LL

static double diff(double a, double b)
{
	return a > b ? a - b : b - a;
}

static const int64_t T0 = 1700000000000LL;   /* the fake clock's start */

/* Hourly samples over days, growing by per_day bytes a day from start. */
static size_t series(struct pool_sample *s, int days, uint64_t start, double per_day)
{
	size_t n = 0;
	int h;

	for (h = 0; h <= days * 24; h++, n++) {
		s[n].t_ms = T0 + h * HOUR_MS;
		s[n].used = start + (uint64_t)(per_day * h / 24.0);
	}
	return n;
}

static void test_steady_growth(void **state)
{
	static struct pool_sample s[24 * 10 + 1];
	struct pool_forecast f;
	size_t n = series(s, 10, 10 * GIB, 2.0 * GIB);
	int64_t now = s[n - 1].t_ms;
	char buf[64];

	(void)state;
	pool_forecast_compute(s, n, now, 100 * GIB, s[n - 1].used, &f);
	assert_true(f.day.known && f.week.known);
	assert_true(diff(f.day.growth_per_day, 2.0 * GIB) < 1e6);
	assert_true(diff(f.week.growth_per_day, 2.0 * GIB) < 1e6);
	/* 30 GiB used, 70 left at 2 a day */
	assert_true(diff(f.day.days_to_full, 35.0) < 0.01);
	assert_string_equal(pool_forecast_text(&f.day, buf, sizeof(buf)), "full in ~35 days");
}

static void test_recent_burst(void **state)
{
	static struct pool_sample s[24 * 8 + 1];
	struct pool_forecast f;
	size_t n = series(s, 8, 10 * GIB, 0);    /* flat for a week... */
	int64_t now = s[n - 1].t_ms;
	char buf[64];

	(void)state;
	/* ...then 12 GiB in the last day */
	pool_forecast_compute(s, n, now, 100 * GIB, 22 * GIB, &f);
	assert_true(diff(f.day.growth_per_day, 12.0 * GIB) < 1e6);
	assert_true(diff(f.week.growth_per_day, 12.0 * GIB / 7) < 1e6);
	assert_true(diff(f.day.days_to_full, 6.5) < 0.01);
	assert_string_equal(pool_forecast_text(&f.day, buf, sizeof(buf)), "full in ~6 days");
	assert_string_equal(pool_forecast_text(&f.week, buf, sizeof(buf)), "full in ~46 days");
}

static void test_not_growing_and_shrinking(void **state)
{
	static struct pool_sample s[24 * 7 + 1];
	struct pool_forecast f;
	size_t n = series(s, 7, 50 * GIB, 0);
	char buf[64];

	(void)state;
	pool_forecast_compute(s, n, s[n - 1].t_ms, 100 * GIB, 50 * GIB, &f);
	assert_true(f.week.known);
	assert_true(f.week.days_to_full < 0);
	assert_string_equal(pool_forecast_text(&f.week, buf, sizeof(buf)), "not growing");
	/* a trimming guest gave space back */
	pool_forecast_compute(s, n, s[n - 1].t_ms, 100 * GIB, 40 * GIB, &f);
	assert_true(f.day.growth_per_day < 0);
	assert_true(f.day.days_to_full < 0);
}

static void test_too_little_history(void **state)
{
	static struct pool_sample s[24 * 3 + 1];
	struct pool_forecast f;
	size_t n = series(s, 3, GIB, GIB);
	char buf[64];

	(void)state;
	pool_forecast_compute(s, n, s[n - 1].t_ms, 100 * GIB, s[n - 1].used, &f);
	assert_true(f.day.known);
	assert_false(f.week.known);
	assert_string_equal(pool_forecast_text(&f.week, buf, sizeof(buf)), "not enough history");
	pool_forecast_compute(NULL, 0, T0, 100 * GIB, GIB, &f);
	assert_false(f.day.known);
	/* 23 hours of samples are not a day */
	pool_forecast_compute(s, 24, s[23].t_ms, 100 * GIB, s[23].used, &f);
	assert_false(f.day.known);
}

static void test_odd_times_and_full(void **state)
{
	/* the base is the newest sample at or before now - 24 h */
	const struct pool_sample s[] = {
		{ T0, 0 }, { T0 + 20 * HOUR_MS, 10 * GIB }, { T0 + 30 * HOUR_MS, 20 * GIB },
	};
	struct pool_forecast f;
	char buf[64];

	(void)state;
	pool_forecast_compute(s, 3, T0 + 48 * HOUR_MS, 100 * GIB, 30 * GIB, &f);
	/* base at T0 + 20 h: 20 GiB over 28 h */
	assert_true(diff(f.day.growth_per_day, 20.0 * GIB * 24 / 28) < 1e6);
	/* hours left */
	pool_forecast_compute(s, 3, T0 + 48 * HOUR_MS, 31 * GIB, 30 * GIB, &f);
	assert_string_equal(pool_forecast_text(&f.day, buf, sizeof(buf)), "full in ~1 hour");
	pool_forecast_compute(s, 3, T0 + 48 * HOUR_MS, 40 * GIB, 30 * GIB, &f);
	assert_string_equal(pool_forecast_text(&f.day, buf, sizeof(buf)), "full in ~14 hours");
	pool_forecast_compute(s, 3, T0 + 48 * HOUR_MS, 30 * GIB + (1 << 20), 30 * GIB, &f);
	assert_string_equal(pool_forecast_text(&f.day, buf, sizeof(buf)), "full in under an hour");
	pool_forecast_compute(s, 3, T0 + 48 * HOUR_MS, 30 * GIB, 30 * GIB, &f);
	assert_true(f.day.days_to_full == 0);
}

static void test_levels_and_alarms(void **state)
{
	struct pool_alarm a;

	(void)state;
	assert_int_equal(pool_level_of(0), POOL_LEVEL_OK);
	assert_int_equal(pool_level_of(79.99), POOL_LEVEL_OK);
	assert_int_equal(pool_level_of(80), POOL_LEVEL_WARN);
	assert_int_equal(pool_level_of(94.9), POOL_LEVEL_WARN);
	assert_int_equal(pool_level_of(95), POOL_LEVEL_CRIT);
	assert_string_equal(pool_level_name(POOL_LEVEL_CRIT), "critical");
	pool_alarm_check(POOL_LEVEL_OK, POOL_LEVEL_WARN, 0, 0, &a);
	assert_string_equal(a.level_event, "pool.warning");
	assert_null(a.overcommit_event);
	pool_alarm_check(POOL_LEVEL_OK, POOL_LEVEL_CRIT, 0, 1, &a);
	assert_string_equal(a.level_event, "pool.critical");
	assert_string_equal(a.overcommit_event, "pool.overcommitted");
	pool_alarm_check(POOL_LEVEL_CRIT, POOL_LEVEL_WARN, 1, 1, &a);   /* down, not to ok */
	assert_null(a.level_event);
	assert_null(a.overcommit_event);
	pool_alarm_check(POOL_LEVEL_WARN, POOL_LEVEL_OK, 1, 0, &a);
	assert_string_equal(a.level_event, "pool.ok");
	pool_alarm_check(POOL_LEVEL_WARN, POOL_LEVEL_WARN, 0, 0, &a);
	assert_null(a.level_event);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_growth),
		cmocka_unit_test(test_recent_burst),
		cmocka_unit_test(test_not_growing_and_shrinking),
		cmocka_unit_test(test_too_little_history),
		cmocka_unit_test(test_odd_times_and_full),
		cmocka_unit_test(test_levels_and_alarms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
