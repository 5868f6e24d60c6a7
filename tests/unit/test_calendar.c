/*
 * calendar tests: every form of Proxmox's calendar events (the words,
 * weekday lists and ranges, times with lists, ranges and repetitions,
 * dates with years, '*', ranges and lists, the documentation's table of
 * examples and their alternatives), parse errors that name the part, and
 * the next run from fixed instants in UTC and across Berlin's clock
 * changes of 2026 (29 March 02:00 -> 03:00, 25 October 03:00 -> 02:00).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/calendar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static time_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = s };

	return timegm(&tm);
}

static void parse_ok(const char *text, struct calendar *c)
{
	char err[256] = "";
	int ret = calendar_parse(text, c, err, sizeof(err));

	if (ret)
		fail_msg("'%s': %s", text, err);
}

/* The next run after `after` is `want` (both UTC). */
static void next_is(const char *text, time_t after, time_t want)
{
	struct calendar c;
	time_t got = 0;

	parse_ok(text, &c);
	assert_int_equal(calendar_next(&c, after, &got), 0);
	if (got != want)
		fail_msg("'%s' after %lld: got %lld, want %lld (off by %lld s)", text,
			 (long long)after, (long long)got, (long long)want,
			 (long long)(got - want));
}

static void same(const char *a, const char *b)
{
	struct calendar ca, cb;

	parse_ok(a, &ca);
	parse_ok(b, &cb);
	if (memcmp(&ca, &cb, sizeof(ca)))
		fail_msg("'%s' and '%s' differ", a, b);
}

static void bad(const char *text, const char *why, const char *where)
{
	struct calendar c;
	char err[256] = "";

	assert_int_equal(calendar_parse(text, &c, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, why);
	tl_assert_contains(err, where);
}

static void test_words(void **state)
{
	struct calendar c;
	time_t t = utc(2026, 12, 3, 17, 28, 50);   /* a Thursday */

	(void)state;
	use_tz("UTC");
	same("minutely", "*-*-* *:*:00");
	same("hourly", "*-*-* *:00:00");
	same("daily", "*-*-* 00:00:00");
	same("weekly", "mon *-*-* 00:00:00");
	same("monthly", "*-*-01 00:00:00");
	same("yearly", "*-01-01 00:00:00");
	same("annually", "yearly");
	same("quarterly", "*-01,04,07,10-01 00:00:00");
	same("semiannually", "*-01,07-01");
	same("semi-annually", "*-01,07-01");
	same("Daily", "daily");
	next_is("minutely", t, utc(2026, 12, 3, 17, 29, 0));
	next_is("hourly", t, utc(2026, 12, 3, 18, 0, 0));
	next_is("daily", t, utc(2026, 12, 4, 0, 0, 0));
	next_is("weekly", t, utc(2026, 12, 7, 0, 0, 0));
	next_is("monthly", t, utc(2027, 1, 1, 0, 0, 0));
	next_is("yearly", t, utc(2027, 1, 1, 0, 0, 0));
	next_is("quarterly", t, utc(2027, 1, 1, 0, 0, 0));
	/* Strictly after: at a match, the next one. */
	next_is("hourly", utc(2026, 12, 3, 18, 0, 0), utc(2026, 12, 3, 19, 0, 0));
	parse_ok("minutely", &c);
	assert_int_equal(c.sec, 1);
	assert_int_equal(c.min, (1ULL << 60) - 1);
}

/* The examples of Proxmox's table, each against its alternative. */
static void test_doc_examples(void **state)
{
	struct calendar c;

	(void)state;
	use_tz("UTC");
	same("mon,tue,wed,thu,fri", "mon..fri");
	same("sat,sun", "sat..sun");
	same("*:00/5", "0/1:0/5");
	same("mon..wed *:30/10", "mon,tue,wed *:30/10");
	same("fri 12..13:5/20", "fri 12,13:5/20");
	same("12,14,16,18,20,22:5", "12/2:5");
	same("*:*", "0/1:0/1");
	same("*:0/15", "*/1:*/15");
	same("monday", "mon");
	same("Sat *-1..7 15:00", "sat *-1,2,3,4,5,6,7 15:00");

	parse_ok("mon..fri", &c);
	assert_int_equal(c.wday, 0x1f);
	assert_int_equal(c.hour, 1);
	assert_int_equal(c.min, 1);
	parse_ok("mon,wed,fri", &c);
	assert_int_equal(c.wday, 0x15);
	parse_ok("mon..wed *:30/10", &c);
	assert_int_equal(c.min, (1ULL << 30) | (1ULL << 40) | (1ULL << 50));
	assert_int_equal(c.hour, 0xffffff);
	parse_ok("mon..fri 8..17,22:0/15", &c);
	assert_int_equal(c.hour, 0x3ff00 | (1U << 22));
	assert_int_equal(c.min, (1ULL << 0) | (1ULL << 15) | (1ULL << 30) | (1ULL << 45));
	parse_ok("*-05", &c);
	assert_int_equal(c.mday, 1U << 5);
	assert_int_equal(c.mon, 0x1ffe);
	parse_ok("2015-10-21", &c);
	assert_int_equal(c.nyears, 1);
	assert_int_equal(c.years[0].lo, 2015);
	assert_int_equal(c.mon, 1U << 10);
	assert_int_equal(c.mday, 1U << 21);
	parse_ok("*:*:0/20", &c);
	assert_int_equal(c.sec, 1 | (1ULL << 20) | (1ULL << 40));
	/* A bare number is minutes of every hour. */
	parse_ok("22", &c);
	assert_int_equal(c.min, 1ULL << 22);
	assert_int_equal(c.hour, 0xffffff);
	/* Repetitions stop at the field's end. */
	parse_ok("0/2:00", &c);
	assert_int_equal(c.hour, 0x555555);
	parse_ok("2027/2,2030..2031-01-01", &c);
	assert_int_equal(c.nyears, 2);
	assert_int_equal(c.years[0].step, 2);
	assert_int_equal(c.years[1].hi, 2031);
}

static void test_next_utc(void **state)
{
	time_t thu = utc(2026, 12, 3, 17, 28, 50);

	(void)state;
	use_tz("UTC");
	next_is("mon..fri 02:00", utc(2026, 12, 5, 9, 0, 0), utc(2026, 12, 7, 2, 0, 0));
	next_is("mon..fri 02:00", thu, utc(2026, 12, 4, 2, 0, 0));
	next_is("*:0/15", thu, utc(2026, 12, 3, 17, 30, 0));
	next_is("*:0/15", utc(2026, 12, 3, 17, 45, 0), utc(2026, 12, 3, 18, 0, 0));
	next_is("0/2:00", thu, utc(2026, 12, 3, 18, 0, 0));
	next_is("0/2:00", utc(2026, 12, 3, 22, 0, 0), utc(2026, 12, 4, 0, 0, 0));
	next_is("8..17:30", thu, utc(2026, 12, 3, 17, 30, 0));
	next_is("8..17:30", utc(2026, 12, 3, 17, 30, 0), utc(2026, 12, 4, 8, 30, 0));
	next_is("8..17:30", utc(2026, 12, 4, 9, 0, 0), utc(2026, 12, 4, 9, 30, 0));
	next_is("sat *-1..7 15:00", thu, utc(2026, 12, 5, 15, 0, 0));
	next_is("sat *-1..7 15:00", utc(2026, 12, 5, 15, 0, 0), utc(2027, 1, 2, 15, 0, 0));
	next_is("*-05", thu, utc(2026, 12, 5, 0, 0, 0));
	next_is("fri 12..13:5/20", thu, utc(2026, 12, 4, 12, 5, 0));
	next_is("fri 12..13:5/20", utc(2026, 12, 4, 13, 25, 0), utc(2026, 12, 4, 13, 45, 0));
	next_is("fri 12..13:5/20", utc(2026, 12, 4, 13, 45, 0), utc(2026, 12, 11, 12, 5, 0));
	next_is("22", thu, utc(2026, 12, 3, 18, 22, 0));
	next_is("*:*:30", thu, utc(2026, 12, 3, 17, 29, 30));
	next_is("12:05", thu, utc(2026, 12, 4, 12, 5, 0));
	next_is("2027-03-01 06:00", thu, utc(2027, 3, 1, 6, 0, 0));
	next_is("*-02-29", thu, utc(2028, 2, 29, 0, 0, 0));
	next_is("fri *-02-29 08:00", thu, utc(2036, 2, 29, 8, 0, 0));
	next_is("2027/2-06-01", thu, utc(2027, 6, 1, 0, 0, 0));
	next_is("2027/2-06-01", utc(2027, 6, 1, 0, 0, 0), utc(2029, 6, 1, 0, 0, 0));
	next_is("*-12-31 23:59:59", thu, utc(2026, 12, 31, 23, 59, 59));
	next_is("*-01-01", utc(2026, 12, 31, 23, 59, 59), utc(2027, 1, 1, 0, 0, 0));
}

static void test_never(void **state)
{
	struct calendar c;
	time_t t;

	(void)state;
	use_tz("UTC");
	parse_ok("2015-10-21", &c);
	assert_int_equal(calendar_next(&c, utc(2026, 1, 1, 0, 0, 0), &t), -ENOENT);
	parse_ok("*-02-30", &c);
	assert_int_equal(calendar_next(&c, utc(2026, 1, 1, 0, 0, 0), &t), -ENOENT);
	parse_ok("*-04-31", &c);
	assert_int_equal(calendar_next(&c, utc(2026, 1, 1, 0, 0, 0), &t), -ENOENT);
	/* Once in the past, it still works before. */
	parse_ok("2015-10-21", &c);
	assert_int_equal(calendar_next(&c, utc(2015, 1, 1, 0, 0, 0), &t), 0);
	assert_int_equal(t, utc(2015, 10, 21, 0, 0, 0));
}

static void test_errors(void **state)
{
	(void)state;
	bad("", "empty", "column 1");
	bad("   ", "empty", "column 1");
	bad("mon..fri 25:00", "hour 25 is out of range 0..23", "column 10: '25'");
	bad("mon..frx 02:00", "'frx' is not a weekday", "column 6: 'frx'");
	bad("*:60", "minute 60 is out of range 0..59", "column 3: '60'");
	bad("12:00:61", "second 61", "column 7: '61'");
	bad("2026-13-01", "month 13 is out of range 1..12", "column 6: '13'");
	bad("*-*-32", "day 32 is out of range 1..31", "column 5: '32'");
	bad("1969-01-01", "year 1969 is out of range", "column 1: '1969'");
	bad("fri..mon", "the weekday range runs backwards", "column 1: 'fri..mon'");
	bad("10..8:00", "the hour range runs backwards", "column 1: '10..8'");
	bad("1..10/2:00", "a range cannot repeat", "column 1: '1..10/2'");
	bad("*:0/0", "repetition 0 is out of range", "column 5: '0'");
	bad("*:0/15/3", "a repetition is one number", "column 5: '15/3'");
	bad("mon/2", "weekdays do not repeat", "column 1: 'mon/2'");
	bad("1,,2:00", "an empty hour in a list", "column 3");
	bad("12:05 mon", "weekdays come before the date and time", "column 7: 'mon'");
	bad("10:00 11:00", "a second time part", "column 7: '11:00'");
	bad("12:00 2026-01-01", "the date comes before the time", "column 7: '2026-01-01'");
	bad("mon tue", "a second weekday part", "column 5: 'tue'");
	bad("1-2-3-4", "a date is [YEAR-]MONTH-DAY", "column 1: '1-2-3-4'");
	bad("1:2:3:4", "a time is HOURS:MINUTES[:SECONDS]", "column 1: '1:2:3:4'");
	bad("*:ab", "'ab' is not a minute", "column 3: 'ab'");
	bad("hourlyy", "'hourlyy' is not a weekday", "column 1");
	bad("12:00\n", "a control character", "column 6");
	bad("12:", "an empty minute", "column 4");
	bad("00012:00", "too long", "column 1: '00012'");
}

/* Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST (01:00 UTC). */
static void test_dst_spring(void **state)
{
	(void)state;
	use_tz("Europe/Berlin");
	/* 02:30 does not exist that day: it runs when the clock jumps. */
	next_is("02:30", utc(2026, 3, 28, 11, 0, 0), utc(2026, 3, 29, 1, 0, 0));
	next_is("02:30", utc(2026, 3, 29, 1, 0, 0), utc(2026, 3, 30, 0, 30, 0));
	next_is("02:30", utc(2026, 3, 27, 11, 0, 0), utc(2026, 3, 28, 1, 30, 0));
	/* Every quarter hour: 01:45 CET, then the skipped 02:00..02:45 and
	 * 03:00 itself all run once, at the jump, then 03:15 CEST. */
	next_is("*:0/15", utc(2026, 3, 29, 0, 40, 0), utc(2026, 3, 29, 0, 45, 0));
	next_is("*:0/15", utc(2026, 3, 29, 0, 45, 0), utc(2026, 3, 29, 1, 0, 0));
	next_is("*:0/15", utc(2026, 3, 29, 1, 0, 0), utc(2026, 3, 29, 1, 15, 0));
	/* Hourly: 01:00 CET, 03:00 CEST: an hour apart in real time. */
	next_is("hourly", utc(2026, 3, 29, 0, 0, 0), utc(2026, 3, 29, 1, 0, 0));
	next_is("hourly", utc(2026, 3, 29, 1, 0, 0), utc(2026, 3, 29, 2, 0, 0));
	/* Daily at midnight is untouched, in local time. */
	next_is("daily", utc(2026, 3, 29, 12, 0, 0), utc(2026, 3, 29, 22, 0, 0));
	next_is("daily", utc(2026, 3, 28, 12, 0, 0), utc(2026, 3, 28, 23, 0, 0));
}

/* Berlin, 25 October 2026: 03:00 CEST becomes 02:00 CET (01:00 UTC). */
static void test_dst_autumn(void **state)
{
	(void)state;
	use_tz("Europe/Berlin");
	/* 02:30 happens twice: it runs at the first, 02:30 CEST (00:30 UTC). */
	next_is("02:30", utc(2026, 10, 24, 12, 0, 0), utc(2026, 10, 25, 0, 30, 0));
	next_is("02:30", utc(2026, 10, 25, 0, 30, 0), utc(2026, 10, 26, 1, 30, 0));
	/* Asked during the second 02:xx hour, nothing repeats. */
	next_is("02:30", utc(2026, 10, 25, 1, 10, 0), utc(2026, 10, 26, 1, 30, 0));
	/* Every 30 minutes: 02:00 and 02:30 CEST, then 03:00 CET. */
	next_is("*:0/30", utc(2026, 10, 25, 0, 0, 0), utc(2026, 10, 25, 0, 30, 0));
	next_is("*:0/30", utc(2026, 10, 25, 0, 30, 0), utc(2026, 10, 25, 2, 0, 0));
	next_is("*:0/30", utc(2026, 10, 25, 1, 45, 0), utc(2026, 10, 25, 2, 0, 0));
	/* Midnight, the day after, is 23:00 UTC again. */
	next_is("daily", utc(2026, 10, 25, 12, 0, 0), utc(2026, 10, 25, 23, 0, 0));
	next_is("daily", utc(2026, 10, 24, 12, 0, 0), utc(2026, 10, 24, 22, 0, 0));
	/* New York, its spring forward (8 March 2026, 02:00 -> 03:00 EDT). */
	use_tz("America/New_York");
	next_is("02:15", utc(2026, 3, 7, 12, 0, 0), utc(2026, 3, 8, 7, 0, 0));
	use_tz("UTC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_doc_examples),
		cmocka_unit_test(test_next_utc),
		cmocka_unit_test(test_never),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_dst_spring),
		cmocka_unit_test(test_dst_autumn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
