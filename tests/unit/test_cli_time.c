/*
 * Tests of tui/cli_time.c, the points in time croft events --since takes:
 * a table of inputs, each with the unix time it means or the message that
 * refuses it, read in UTC against a fixed "now".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/cli.h"
#include "tests/unit/testlib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOW 1767225600LL          /* 2026-01-01 00:00:00 UTC */

static const char forms[] = "use a duration (30s, 10m, 2h, 3d), a local date and time "
			    "(YYYY-MM-DD, YYYY-MM-DD HH:MM, YYYY-MM-DD HH:MM:SS) or unix seconds";

static const struct {
	const char *in;
	long long secs;          /* when good */
} good[] = {
	{ "30s", NOW - 30 },
	{ "10m", NOW - 600 },
	{ "2h", NOW - 7200 },
	{ "3d", NOW - 3 * 86400 },
	{ "0s", NOW },
	{ "36000d", 0 },                      /* before 1970: from the start */
	{ "2025-12-31", NOW - 86400 },
	{ "2025-12-31 23:59", NOW - 60 },
	{ "2025-12-31 23:59:59", NOW - 1 },
	{ "2025-12-31T12:00", NOW - 43200 },
	{ "2024-02-29", 1709164800 },         /* a leap day */
	{ "2026-01-01 00:00:00", NOW },
	{ "1700000000", 1700000000 },
	{ "0", 0 },
	{ "1767225600", NOW },
};

static const struct {
	const char *in;
	const char *msg;
} bad[] = {
	{ "", NULL },
	{ "10x", "'10x' has an unknown unit 'x'; use s, m, h or d" },
	{ "10min", "'10min' has an unknown unit 'min'; use s, m, h or d" },
	{ "yesterday", NULL },
	{ "-5m", NULL },
	{ "10 m", NULL },
	{ "2025-1-5", NULL },
	{ "2025-01-01 10", NULL },
	{ "2025-01-01 10:00:0", NULL },
	{ "2025-01-01x", NULL },
	{ "2025-13-01", "'2025-13-01': there is no month 13" },
	{ "2025-00-10", "'2025-00-10': there is no month 0" },
	{ "2025-02-29", "'2025-02-29': February 2025 has 28 days" },
	{ "2025-04-31", "'2025-04-31': April 2025 has 30 days" },
	{ "2025-01-00", "'2025-01-00': January 2025 has 31 days" },
	{ "2025-01-01 24:00", "'2025-01-01 24:00': 24:00:00 is not a time of day" },
	{ "2025-01-01 23:60:00", "'2025-01-01 23:60:00': 23:60:00 is not a time of day" },
	{ "1969-12-31", "'1969-12-31': the year 1969 is before 1970" },
	{ "2026-01-02", "'2026-01-02' is in the future" },
	{ "2026-01-01 00:00:01", "'2026-01-01 00:00:01' is in the future" },
	{ "1767225601", "'1767225601' is in the future" },
	{ "99999999999999999999999", "'99999999999999999999999' is in the future" },
	{ "99999d", "'99999d' is too far back" },
	{ "999999999999999999999s", "'999999999999999999999s' is too far back" },
};

static void test_good_times(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char err[512] = "";
		int64_t ms = -1;

		if (cli_parse_time(good[i].in, (time_t)NOW, &ms, err, sizeof(err)) != 0)
			fail_msg("'%s' refused: %s", good[i].in, err);
		if (ms != good[i].secs * 1000)
			fail_msg("'%s': got %lld ms, want %lld", good[i].in, (long long)ms,
				 good[i].secs * 1000);
	}
}

static void test_bad_times(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "", want[512];
		int64_t ms = 42;

		if (cli_parse_time(bad[i].in, (time_t)NOW, &ms, err, sizeof(err)) != -EINVAL)
			fail_msg("'%s' accepted as %lld ms", bad[i].in, (long long)ms);
		assert_int_equal(ms, 42);
		if (bad[i].msg)
			snprintf(want, sizeof(want), "%s", bad[i].msg);
		else if (!*bad[i].in)
			snprintf(want, sizeof(want), "the time is empty; %s", forms);
		else
			snprintf(want, sizeof(want), "'%s' is not a time; %s", bad[i].in, forms);
		if (strcmp(err, want))
			fail_msg("'%s':\n got  %s\n want %s", bad[i].in, err, want);
	}
}

/* Local time is the user's: the same date means another instant elsewhere. */
static void test_local_zone(void **state)
{
	char err[256];
	int64_t ms = 0;

	(void)state;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	assert_int_equal(cli_parse_time("2025-12-31 23:00", (time_t)NOW, &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, (NOW - 7200) * 1000);
	/* summer time: UTC+2 */
	assert_int_equal(cli_parse_time("2025-07-01 02:00", (time_t)NOW, &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 1751328000LL * 1000);
	setenv("TZ", "UTC", 1);
	tzset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_times),
		cmocka_unit_test(test_bad_times),
		cmocka_unit_test(test_local_zone),
	};

	return cmocka_run_group_tests(tests, tl_setup_utc, NULL);
}
