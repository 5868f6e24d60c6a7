/*
 * Points in time as a user types them (croft events --since TIME): a
 * duration back from now ("30s", "10m", "2h", "3d"), a local date and time
 * ("YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS", also with "T"
 * between date and time), or unix seconds (digits alone).  Pure: "now" is
 * an argument.  Anything else, an impossible date or a time in the future
 * is refused with a message that says which part is wrong.
 */
#include "tui/cli.h"
#include "common/xalloc.h"

#include <errno.h>
#include <string.h>

#define MAX_BACK_S (100LL * 366 * 86400)
#define SATURATE 1000000000000000LL     /* digits beyond any time */

static const char forms[] = "use a duration (30s, 10m, 2h, 3d), a local date and time "
			    "(YYYY-MM-DD, YYYY-MM-DD HH:MM, YYYY-MM-DD HH:MM:SS) or unix seconds";

/* Exactly n digits at *p, advancing it; -1 if they are not there. */
static int digits(const char **p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

static int days_in(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* "YYYY-MM-DD[( |T)HH:MM[:SS]]" as local time.  1 and *t when s has that
 * shape (0 when it does not), -EINVAL with err for an impossible one. */
static int parse_date(const char *s, time_t *t, char *err, size_t errlen)
{
	static const char *const months[] = {
		"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"
	};
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	struct tm tm;

	if ((y = digits(&p, 4)) < 0 || *p++ != '-' || (mo = digits(&p, 2)) < 0 ||
	    *p++ != '-' || (d = digits(&p, 2)) < 0)
		return 0;
	if (*p == ' ' || *p == 'T') {
		p++;
		if ((h = digits(&p, 2)) < 0 || *p++ != ':' || (mi = digits(&p, 2)) < 0)
			return 0;
		if (*p == ':' && (p++, (sec = digits(&p, 2)) < 0))
			return 0;
	}
	if (*p)
		return 0;
	if (y < 1970) {
		err_set(err, errlen, "'%s': the year %d is before 1970", s, y);
		return -EINVAL;
	}
	if (mo < 1 || mo > 12) {
		err_set(err, errlen, "'%s': there is no month %d", s, mo);
		return -EINVAL;
	}
	if (d < 1 || d > days_in(y, mo)) {
		err_set(err, errlen, "'%s': %s %d has %d days", s, months[mo - 1], y, days_in(y, mo));
		return -EINVAL;
	}
	if (h > 23 || mi > 59 || sec > 59) {
		err_set(err, errlen, "'%s': %02d:%02d:%02d is not a time of day", s, h, mi, sec);
		return -EINVAL;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	*t = mktime(&tm);
	if (*t == (time_t)-1) {
		err_set(err, errlen, "'%s' cannot be represented as a time", s);
		return -EINVAL;
	}
	return 1;
}

int cli_parse_time(const char *s, time_t now, int64_t *ms, char *err, size_t errlen)
{
	static const struct { char unit; long long secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	size_t n = strspn(s, "0123456789"), i;
	long long v = 0;
	time_t t;
	int r;

	if (!*s) {
		err_set(err, errlen, "the time is empty; %s", forms);
		return -EINVAL;
	}
	r = parse_date(s, &t, err, errlen);
	if (r < 0)
		return r;
	if (r == 0 && n == 0) {
		err_set(err, errlen, "'%s' is not a time; %s", s, forms);
		return -EINVAL;
	}
	if (r == 0) {
		for (i = 0; i < n; i++)
			v = v < SATURATE ? v * 10 + (s[i] - '0') : SATURATE;
		if (!s[n]) {
			t = v > (long long)now ? now + 1 : (time_t)v;
		} else {
			for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
				if (s[n] == units[i].unit && !s[n + 1])
					break;
			if (i == sizeof(units) / sizeof(units[0])) {
				if (strspn(s + n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
				    strlen(s + n))
					err_set(err, errlen, "'%s' has an unknown unit '%s'; use s, m, h or d",
						s, s + n);
				else
					err_set(err, errlen, "'%s' is not a time; %s", s, forms);
				return -EINVAL;
			}
			if (v > MAX_BACK_S / units[i].secs) {
				err_set(err, errlen, "'%s' is too far back", s);
				return -EINVAL;
			}
			t = now - (time_t)(v * units[i].secs);
			if (t < 0)
				t = 0;
		}
	}
	if (t > now) {
		err_set(err, errlen, "'%s' is in the future", s);
		return -EINVAL;
	}
	*ms = (int64_t)t * 1000;
	return 0;
}
