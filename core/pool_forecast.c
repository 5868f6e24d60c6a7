/*
 * Pool forecasts and warning levels (pool_forecast.h): arithmetic on the
 * samples the caller holds, nothing read from the system.
 */
#include "core/pool_forecast.h"

#include <stdio.h>
#include <string.h>

static void window(const struct pool_sample *s, size_t n, int64_t now_ms, int64_t span_ms,
		   uint64_t capacity, uint64_t used_now, struct pool_window *w)
{
	const struct pool_sample *base = NULL;
	double days;
	size_t i;

	memset(w, 0, sizeof(*w));
	w->days_to_full = -1;
	for (i = 0; i < n; i++)
		if (s[i].t_ms <= now_ms - span_ms)
			base = &s[i];
	if (!base || base->t_ms >= now_ms)
		return;
	w->known = 1;
	days = (double)(now_ms - base->t_ms) / (double)POOL_DAY_MS;
	w->growth_per_day = ((double)used_now - (double)base->used) / days;
	if (w->growth_per_day > 0)
		w->days_to_full = used_now >= capacity ? 0
			: (double)(capacity - used_now) / w->growth_per_day;
}

void pool_forecast_compute(const struct pool_sample *s, size_t n, int64_t now_ms,
			   uint64_t capacity, uint64_t used_now, struct pool_forecast *out)
{
	window(s, n, now_ms, POOL_DAY_MS, capacity, used_now, &out->day);
	window(s, n, now_ms, 7 * POOL_DAY_MS, capacity, used_now, &out->week);
}

char *pool_forecast_text(const struct pool_window *w, char *buf, size_t len)
{
	double hours = w->days_to_full * 24;

	if (!w->known)
		snprintf(buf, len, "not enough history");
	else if (w->days_to_full < 0)
		snprintf(buf, len, "not growing");
	else if (hours < 1)
		snprintf(buf, len, "full in under an hour");
	else if (hours < 1.5)
		snprintf(buf, len, "full in ~1 hour");
	else if (w->days_to_full < 2)
		snprintf(buf, len, "full in ~%.0f hours", hours);
	else
		snprintf(buf, len, "full in ~%.0f days", w->days_to_full);
	return buf;
}

enum pool_level pool_level_of(double used_pct)
{
	if (used_pct >= POOL_CRIT_PCT)
		return POOL_LEVEL_CRIT;
	if (used_pct >= POOL_WARN_PCT)
		return POOL_LEVEL_WARN;
	return POOL_LEVEL_OK;
}

const char *pool_level_name(enum pool_level l)
{
	return l == POOL_LEVEL_CRIT ? "critical" : l == POOL_LEVEL_WARN ? "warning" : "ok";
}

void pool_alarm_check(enum pool_level before, enum pool_level now, int over_before, int over_now,
		      struct pool_alarm *out)
{
	static const char *const up[] = { NULL, "pool.warning", "pool.critical" };

	out->level_event = NULL;
	out->overcommit_event = NULL;
	if (now > before)
		out->level_event = up[now];
	else if (now == POOL_LEVEL_OK && before != POOL_LEVEL_OK)
		out->level_event = "pool.ok";
	if (over_now && !over_before)
		out->overcommit_event = "pool.overcommitted";
}
