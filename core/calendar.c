/*
 * Calendar events (calendar.h).  The parser splits the text into at most
 * three parts (weekdays, date, time: told apart by a leading letter, a '-'
 * or neither), each part into fields and each field into ','-items, and
 * sets one bit per matching value (a list of ranges for years).  Every
 * failure names the item it stopped at by column and text.
 *
 * calendar_next walks wall-clock times (day by day, then hour, minute,
 * second within a day) from the second after `after` to the first match,
 * and maps that wall time to an instant: its first occurrence, or for a
 * time the clocks skipped, the instant of the jump.  A match whose instant
 * is not after `after` (the repeated hour in autumn) is passed over.
 */
#include "core/calendar.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define CAL_SEARCH_YEARS 400          /* the calendar repeats every 400 years */
#define CAL_SKIP_MAX 100000           /* matches passed over in a repeated hour */

/* --- parsing ---------------------------------------------------------------- */

struct cursor {
	const char *text;
	char *err;
	size_t errlen;
};

/* One field: its name for messages, its range, and names for its values. */
struct field {
	const char *name;
	int lo, hi;
	const char *const *names;     /* index = value - lo; NULL: numbers */
	const char *const *long_names;
};

struct item {
	int lo, hi, step;
};

static const char *const wday_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
static const char *const wday_long[] = { "monday", "tuesday", "wednesday", "thursday",
					  "friday", "saturday", "sunday" };

static const struct field f_wday = { "weekday", 0, 6, wday_names, wday_long };
static const struct field f_year = { "year", CALENDAR_YEAR_MIN, CALENDAR_YEAR_MAX, NULL, NULL };
static const struct field f_mon = { "month", 1, 12, NULL, NULL };
static const struct field f_mday = { "day", 1, 31, NULL, NULL };
static const struct field f_hour = { "hour", 0, 23, NULL, NULL };
static const struct field f_min = { "minute", 0, 59, NULL, NULL };
static const struct field f_sec = { "second", 0, 59, NULL, NULL };

static int fail(const struct cursor *c, const char *at, const char *end, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(const struct cursor *c, const char *at, const char *end, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (c->err)
		snprintf(c->err, c->errlen, "calendar event '%s': %s (column %d: '%.*s')", c->text,
			 why, (int)(at - c->text) + 1, (int)(end - at), at);
	return -EINVAL;
}

static const char *find(const char *s, const char *e, const char *what)
{
	size_t n = strlen(what);

	for (; s + n <= e; s++)
		if (!memcmp(s, what, n))
			return s;
	return NULL;
}

static int match_name(const char *s, const char *e, const char *const *names, int count)
{
	int i;

	for (i = 0; names && i < count; i++)
		if (strlen(names[i]) == (size_t)(e - s) && !strncasecmp(s, names[i], (size_t)(e - s)))
			return i;
	return -1;
}

/* One value of field f in [s, e): a number, or a name where f has names. */
static int parse_value(const struct cursor *c, const char *s, const char *e, const struct field *f,
		       int *out)
{
	int v = 0, i;
	const char *p;

	if (s == e)
		return fail(c, s, e + (*e != 0), "a %s is missing", f->name);
	if (f->names) {
		i = match_name(s, e, f->names, f->hi - f->lo + 1);
		if (i < 0)
			i = match_name(s, e, f->long_names, f->hi - f->lo + 1);
		if (i < 0)
			return fail(c, s, e, "'%.*s' is not a weekday (mon, tue, wed, thu, fri, sat, "
				    "sun)", (int)(e - s), s);
		*out = f->lo + i;
		return 0;
	}
	if (e - s > 4)
		return fail(c, s, e, "%s '%.*s' is too long", f->name, (int)(e - s), s);
	for (p = s; p < e; p++) {
		if (!isdigit((unsigned char)*p))
			return fail(c, s, e, "'%.*s' is not a %s (a number)", (int)(e - s), s,
				    f->name);
		v = v * 10 + (*p - '0');
	}
	if (v < f->lo || v > f->hi)
		return fail(c, s, e, "%s %d is out of range %d..%d", f->name, v, f->lo, f->hi);
	*out = v;
	return 0;
}

/* One ','-item: "*", "A", "A..B", "A/R" or "*\/R". */
static int parse_item(const struct cursor *c, const char *s, const char *e, const struct field *f,
		      struct item *it)
{
	const char *slash = find(s, e, "/"), *dots = find(s, e, ".."), *ve = slash ? slash : e;
	int ret, step;

	it->lo = f->lo;
	it->hi = f->hi;
	it->step = 1;
	if (s == e)
		return fail(c, s, e + (*e != 0), "an empty %s in a list", f->name);
	if (slash && dots && dots < slash)
		return fail(c, s, e, "a range cannot repeat (write A/R, or list the values)");
	if (!(ve - s == 1 && *s == '*')) {
		if (dots && !slash) {
			if ((ret = parse_value(c, s, dots, f, &it->lo)) < 0 ||
			    (ret = parse_value(c, dots + 2, e, f, &it->hi)) < 0)
				return ret;
			if (it->hi < it->lo)
				return fail(c, s, e, "the %s range runs backwards", f->name);
		} else {
			if ((ret = parse_value(c, s, ve, f, &it->lo)) < 0)
				return ret;
			if (!slash)
				it->hi = it->lo;
		}
	}
	if (slash) {
		if (find(slash + 1, e, "/") || find(slash + 1, e, ".."))
			return fail(c, slash + 1, e, "a repetition is one number");
		if ((ret = parse_value(c, slash + 1, e, &(struct field){ "repetition", 1, 9999,
									   NULL, NULL }, &step)) < 0)
			return ret;
		if (f->names)
			return fail(c, s, e, "weekdays do not repeat");
		it->step = step;
	}
	return 0;
}

/* The ','-list of field f in [s, e) into items (at most max). */
static int parse_items(const struct cursor *c, const char *s, const char *e, const struct field *f,
		       struct item *items, size_t max, size_t *n)
{
	const char *p, *comma;
	int ret;

	*n = 0;
	for (p = s;; p = comma + 1) {
		comma = find(p, e, ",");
		if (*n == max)
			return fail(c, p, e, "too many %ss in one list (at most %zu)", f->name, max);
		ret = parse_item(c, p, comma ? comma : e, f, &items[(*n)++]);
		if (ret < 0)
			return ret;
		if (!comma)
			return 0;
	}
}

static int parse_mask(const struct cursor *c, const char *s, const char *e, const struct field *f,
		      uint64_t *mask)
{
	struct item items[64];
	size_t n, i;
	int v, ret = parse_items(c, s, e, f, items, 64, &n);

	if (ret < 0)
		return ret;
	*mask = 0;
	for (i = 0; i < n; i++)
		for (v = items[i].lo; v <= items[i].hi; v += items[i].step)
			*mask |= 1ULL << v;
	return 0;
}

static int parse_weekdays(const struct cursor *c, const char *s, const char *e,
			  struct calendar *out)
{
	uint64_t m;
	int ret = parse_mask(c, s, e, &f_wday, &m);

	out->wday = (uint8_t)m;
	return ret;
}

/* [YEARS-]MONTHS-DAYS */
static int parse_date(const struct cursor *c, const char *s, const char *e, struct calendar *out)
{
	const char *d1 = find(s, e, "-"), *d2 = d1 ? find(d1 + 1, e, "-") : NULL, *mon = s;
	struct item items[CALENDAR_YEARS_MAX];
	uint64_t m;
	size_t n, i;
	int ret;

	if (d2 && find(d2 + 1, e, "-"))
		return fail(c, s, e, "a date is [YEAR-]MONTH-DAY");
	out->nyears = 0;
	if (d2) {
		if ((ret = parse_items(c, s, d1, &f_year, items, CALENDAR_YEARS_MAX, &n)) < 0)
			return ret;
		for (i = 0; i < n; i++) {
			if (items[i].lo == f_year.lo && items[i].hi == f_year.hi && items[i].step == 1)
				break;             /* "*": every year */
			out->years[i] = (struct calendar_years){ items[i].lo, items[i].hi,
								 items[i].step };
		}
		out->nyears = i < n ? 0 : n;
		mon = d1 + 1;
		d1 = d2;
	}
	if ((ret = parse_mask(c, mon, d1, &f_mon, &m)) < 0)
		return ret;
	out->mon = (uint16_t)m;
	if ((ret = parse_mask(c, d1 + 1, e, &f_mday, &m)) < 0)
		return ret;
	out->mday = (uint32_t)m;
	return 0;
}

/* HOURS:MINUTES[:SECONDS], or MINUTES alone (every hour). */
static int parse_time(const struct cursor *c, const char *s, const char *e, struct calendar *out)
{
	const char *c1 = find(s, e, ":"), *c2 = c1 ? find(c1 + 1, e, ":") : NULL;
	uint64_t m;
	int ret;

	if (c2 && find(c2 + 1, e, ":"))
		return fail(c, s, e, "a time is HOURS:MINUTES[:SECONDS]");
	out->hour = 0xffffff;
	out->sec = 1;
	if (c1) {
		if ((ret = parse_mask(c, s, c1, &f_hour, &m)) < 0)
			return ret;
		out->hour = (uint32_t)m;
	}
	if ((ret = parse_mask(c, c1 ? c1 + 1 : s, c2 ? c2 : e, &f_min, &out->min)) < 0)
		return ret;
	if (c2 && (ret = parse_mask(c, c2 + 1, e, &f_sec, &out->sec)) < 0)
		return ret;
	return 0;
}

static const struct {
	const char *word;
	const char *means;
} words[] = {
	{ "minutely", "*-*-* *:*:00" },
	{ "hourly", "*-*-* *:00:00" },
	{ "daily", "*-*-* 00:00:00" },
	{ "weekly", "mon *-*-* 00:00:00" },
	{ "monthly", "*-*-01 00:00:00" },
	{ "yearly", "*-01-01 00:00:00" },
	{ "annually", "*-01-01 00:00:00" },
	{ "quarterly", "*-01,04,07,10-01 00:00:00" },
	{ "semiannually", "*-01,07-01 00:00:00" },
	{ "semi-annually", "*-01,07-01 00:00:00" },
};

static int parse_parts(const struct cursor *c, const char *text, struct calendar *out)
{
	enum { WDAY = 1, DATE = 2, TIME = 4 } seen = 0;
	const char *p = text, *e;
	int ret;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		for (e = p; *e && *e != ' ' && *e != '\t'; e++)
			;
		if (isalpha((unsigned char)*p)) {
			if (seen)
				return fail(c, p, e, seen & WDAY ? "a second weekday part"
					    : "weekdays come before the date and time");
			seen |= WDAY;
			ret = parse_weekdays(c, p, e, out);
		} else if (find(p, e, "-")) {
			if (seen & (DATE | TIME))
				return fail(c, p, e, seen & DATE ? "a second date part"
					    : "the date comes before the time");
			seen |= DATE;
			ret = parse_date(c, p, e, out);
		} else {
			if (seen & TIME)
				return fail(c, p, e, "a second time part");
			seen |= TIME;
			ret = parse_time(c, p, e, out);
		}
		if (ret < 0)
			return ret;
		p = e;
	}
	if (!seen)
		return fail(c, text, text + strlen(text), "it is empty (give a weekday, a date or "
			    "a time)");
	return 0;
}

int calendar_parse(const char *text, struct calendar *out, char *err, size_t errlen)
{
	struct cursor c = { text, err, errlen };
	size_t i;

	memset(out, 0, sizeof(*out));
	out->wday = 0x7f;
	out->mon = 0x1ffe;
	out->mday = 0xfffffffe;
	out->hour = 1;
	out->min = 1;
	out->sec = 1;
	if (!text)
		return fail(&c, "", "", "it is empty");
	if (strlen(text) > CALENDAR_TEXT_MAX)
		return fail(&c, text + CALENDAR_TEXT_MAX, text + strlen(text),
			    "it is longer than %d characters", CALENDAR_TEXT_MAX);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(text, words[i].word))
			return parse_parts(&c, words[i].means, out);
	for (i = 0; text[i]; i++)
		if (!isprint((unsigned char)text[i]) && text[i] != '\t')
			return fail(&c, text + i, text + i + 1, "a control character");
	return parse_parts(&c, text, out);
}

/* --- the next run ------------------------------------------------------------- */

struct wall {
	int y, mo, d, h, mi, s;
};

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : dim[m - 1];
}

/* Monday 0 .. Sunday 6, by counting days from 1 March of year 0. */
static int weekday_of(int y, int m, int d)
{
	int64_t yy = m <= 2 ? y - 1 : y, mm = m <= 2 ? m + 9 : m - 3;
	int64_t days = 365 * yy + yy / 4 - yy / 100 + yy / 400 + (153 * mm + 2) / 5 + d - 1;

	return (int)((days + 2) % 7);     /* 0000-03-01 was a Wednesday */
}

static bool year_ok(const struct calendar *c, int y)
{
	size_t i;

	if (!c->nyears)
		return true;
	for (i = 0; i < c->nyears; i++)
		if (y >= c->years[i].lo && y <= c->years[i].hi &&
		    (y - c->years[i].lo) % c->years[i].step == 0)
			return true;
	return false;
}

/* The first matching time of day at or after h:m:s. */
static bool time_of_day(const struct calendar *c, struct wall *w, int h0, int m0, int s0)
{
	int h, m, s;

	for (h = h0; h < 24; h++) {
		if (!(c->hour & (1U << h)))
			continue;
		for (m = h == h0 ? m0 : 0; m < 60; m++) {
			if (!(c->min & (1ULL << m)))
				continue;
			for (s = h == h0 && m == m0 ? s0 : 0; s < 60; s++) {
				if (c->sec & (1ULL << s)) {
					w->h = h;
					w->mi = m;
					w->s = s;
					return true;
				}
			}
		}
		m0 = s0 = 0;
	}
	return false;
}

/* The first matching wall-clock time at or after from. */
static int next_wall(const struct calendar *c, const struct wall *from, struct wall *out)
{
	int y, mo, d, last = from->y + CAL_SEARCH_YEARS;
	bool fy, fm, fd;

	for (y = from->y; y <= last && y <= CALENDAR_YEAR_MAX; y++) {
		if (!year_ok(c, y))
			continue;
		fy = y == from->y;
		for (mo = fy ? from->mo : 1; mo <= 12; mo++) {
			if (!(c->mon & (1U << mo)))
				continue;
			fm = fy && mo == from->mo;
			for (d = fm ? from->d : 1; d <= days_in_month(y, mo); d++) {
				if (!(c->mday & (1U << d)) || !(c->wday & (1U << weekday_of(y, mo, d))))
					continue;
				fd = fm && d == from->d;
				if (time_of_day(c, out, fd ? from->h : 0, fd ? from->mi : 0,
						fd ? from->s : 0)) {
					out->y = y;
					out->mo = mo;
					out->d = d;
					return 0;
				}
			}
		}
	}
	return -ENOENT;
}

static int64_t wall_key(const struct wall *w)
{
	return ((((((int64_t)w->y * 13 + w->mo) * 32 + w->d) * 24 + w->h) * 60 + w->mi) * 60) + w->s;
}

static void wall_of(time_t t, struct wall *w)
{
	struct tm tm;

	localtime_r(&t, &tm);
	*w = (struct wall){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			    tm.tm_sec > 59 ? 59 : tm.tm_sec };
}

static void wall_next_second(struct wall *w)
{
	if (++w->s < 60)
		return;
	w->s = 0;
	if (++w->mi < 60)
		return;
	w->mi = 0;
	if (++w->h < 24)
		return;
	w->h = 0;
	if (++w->d <= days_in_month(w->y, w->mo))
		return;
	w->d = 1;
	if (++w->mo <= 12)
		return;
	w->mo = 1;
	w->y++;
}

/* The instant of wall time w: its first occurrence, or, when the clocks
 * skipped it, the first instant whose wall time is past it (the jump). */
static time_t wall_instant(const struct wall *w)
{
	struct tm tm;
	struct wall chk;
	time_t t[2], best = 0, lo, hi, mid;
	bool found = false;
	int i;

	for (i = 0; i < 2; i++) {
		tm = (struct tm){ .tm_year = w->y - 1900, .tm_mon = w->mo - 1, .tm_mday = w->d,
				  .tm_hour = w->h, .tm_min = w->mi, .tm_sec = w->s, .tm_isdst = i };
		t[i] = mktime(&tm);
		wall_of(t[i], &chk);
		if (wall_key(&chk) == wall_key(w) && (!found || t[i] < best)) {
			best = t[i];
			found = true;
		}
	}
	if (found)
		return best;
	lo = t[0] < t[1] ? t[0] : t[1];
	hi = t[0] < t[1] ? t[1] : t[0];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		wall_of(mid, &chk);
		if (wall_key(&chk) >= wall_key(w))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int calendar_next(const struct calendar *c, time_t after, time_t *next)
{
	struct wall from, w;
	time_t t;
	int i;

	tzset();
	wall_of(after + 1, &from);
	for (i = 0; i < CAL_SKIP_MAX; i++) {
		if (next_wall(c, &from, &w) < 0)
			return -ENOENT;
		t = wall_instant(&w);
		if (t > after) {
			*next = t;
			return 0;
		}
		from = w;
		wall_next_second(&from);
	}
	return -ENOENT;
}
