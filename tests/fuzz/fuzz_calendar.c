/*
 * Fuzz target for calendar events (core/calendar.c), text a croft-group
 * member sends in schedule.add: the parser either refuses with a message
 * that names a column, or gives a calendar whose bits lie inside their
 * fields; then the next run after a fixed instant (UTC) must be later,
 * and its wall time must match the calendar, and the run after it later
 * still.
 */
#include "core/calendar.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_match(const struct calendar *c, time_t t)
{
	struct tm tm;
	int wd;

	gmtime_r(&t, &tm);
	wd = (tm.tm_wday + 6) % 7;
	if (!(c->sec & (1ULL << tm.tm_sec)) || !(c->min & (1ULL << tm.tm_min)) ||
	    !(c->hour & (1U << tm.tm_hour)) || !(c->mday & (1U << tm.tm_mday)) ||
	    !(c->mon & (1U << (tm.tm_mon + 1))) || !(c->wday & (1U << wd)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int tz_set;
	struct calendar c;
	char text[CALENDAR_TEXT_MAX + 2], err[512];
	time_t after = 1767225600, next, again;   /* 2026-01-01 00:00:00 UTC */
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

	if (!tz_set) {
		setenv("TZ", "UTC", 1);
		tz_set = 1;
	}
	memcpy(text, data, n);
	text[n] = '\0';
	err[0] = '\0';
	if (calendar_parse(text, &c, err, sizeof(err)) < 0) {
		if (!strstr(err, "column "))
			abort();
		return 0;
	}
	if ((c.sec >> 60) || (c.min >> 60) || (c.hour >> 24) || (c.mday & 1) || (c.mday == 0) ||
	    (c.mon & 0xe001) || (c.wday >> 7) || c.nyears > CALENDAR_YEARS_MAX)
		abort();
	if (calendar_next(&c, after, &next) < 0)
		return 0;
	if (next <= after)
		abort();
	check_match(&c, next);
	if (calendar_next(&c, next, &again) == 0 && again <= next)
		abort();
	return 0;
}

#ifndef CROFT_LIBFUZZER
static const char *const fuzz_seeds[] = {
	"mon..fri 02:00", "*:0/15", "0/2:00", "8..17:30", "sat *-1..7 15:00", "daily",
	"mon..fri 8..17,22:0/15", "fri 12..13:5/20", "2027/2,2030..2031-01-01 12:00:30",
	"*-02-29", "Sat,sun *-*-1/3 *:*:0/20", "12,14,16,18,20,22:5", "semi-annually",
};

#include "fuzz_main.inc"
#endif
