/*
 * Calendar events: when a schedule fires, in Proxmox's syntax (itself
 * systemd's calendar events, less time zones, "~" and ranges with a
 * repetition):
 *
 *   [WEEKDAYS] [[YEARS-]MONTHS-DAYS] [HOURS:MINUTES[:SECONDS]]
 *
 * At least one part.  A missing weekday or date part matches every day; a
 * missing time part is 00:00:00; a time without ':' is minutes of every
 * hour (Proxmox's "*:M").  Every field is a ','-list of a value, a range
 * "A..B", a repetition "A/R" (A, A+R, ... up to the field's end; "*\/R"
 * starts at the field's first value) or "*".  Weekdays are names (mon, or
 * monday; any case), also in lists and ranges ("mon..fri", "sat,sun"); a
 * weekday range runs forwards only.  A date and weekday both given must both
 * match ("sat *-1..7 15:00": the first Saturday of each month).  Words:
 * minutely, hourly, daily, weekly (monday 00:00), monthly, yearly
 * (annually), quarterly, semiannually (semi-annually).
 *
 * The next run is found in local time (the process's TZ).  Where clocks
 * jump forward a matching time that does not exist that day runs at the
 * instant of the jump (02:30 runs at 03:00 in Berlin's spring; several
 * such times run once there); where clocks go back, a matching time that
 * happens twice runs at its first occurrence only.  Pure apart from the
 * time zone: tests set TZ.
 */
#ifndef CROFT_CALENDAR_H
#define CROFT_CALENDAR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CALENDAR_YEARS_MAX 8          /* items in a list of years */
#define CALENDAR_YEAR_MIN 1970
#define CALENDAR_YEAR_MAX 9999
#define CALENDAR_TEXT_MAX 256

struct calendar_years {
	int lo, hi, step;
};

struct calendar {
	uint64_t sec;                 /* bit s: second s matches (0..59) */
	uint64_t min;                 /* bit m: minute m (0..59) */
	uint32_t hour;                /* bit h: hour h (0..23) */
	uint32_t mday;                /* bit d: day d of the month (1..31) */
	uint16_t mon;                 /* bit m: month m (1..12) */
	uint8_t wday;                 /* bit 0 Monday .. bit 6 Sunday */
	size_t nyears;                /* 0: every year */
	struct calendar_years years[CALENDAR_YEARS_MAX];
};

/* Parse text into *out.  0, or -EINVAL with err naming the part that
 * could not be read: its column (1-based) and its text, and why. */
int calendar_parse(const char *text, struct calendar *out, char *err, size_t errlen);

/* The first time strictly after `after` that c matches, in *next.  0, or
 * -ENOENT when there is none (a date in the past, Feb 30). */
int calendar_next(const struct calendar *c, time_t after, time_t *next);

#endif
