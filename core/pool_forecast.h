/*
 * When will a pool be full?  Pure functions over samples of the bytes in
 * use on a pool's file system (capacity - free), taken by croftd over
 * time, and the warning levels a pool's figures put it at.  No clock is
 * read here: the caller passes "now", so tests drive a fake one.
 *
 * Growth over a window W (24 h, 7 d) is measured from the newest sample at
 * or before now - W to the figure now: (used_now - used_then) / elapsed,
 * as bytes a day.  Without a sample that old the window has no figure
 * (croftd has not watched the pool long enough).  At a positive growth
 * the pool is full in (capacity - used_now) / growth days; otherwise it is
 * "not growing".
 */
#ifndef CROFT_POOL_FORECAST_H
#define CROFT_POOL_FORECAST_H

#include <stddef.h>
#include <stdint.h>

#define POOL_DAY_MS 86400000LL

struct pool_sample {
	int64_t t_ms;            /* when, any monotonic or wall clock in ms */
	uint64_t used;           /* bytes in use on the file system then */
};

struct pool_window {
	int known;               /* a sample at least this old exists */
	double growth_per_day;   /* bytes a day (negative: shrinking) */
	double days_to_full;     /* < 0: not growing */
};

struct pool_forecast {
	struct pool_window day;  /* over the last 24 hours */
	struct pool_window week; /* over the last 7 days */
};

/* samples in time order (oldest first). */
void pool_forecast_compute(const struct pool_sample *s, size_t n, int64_t now_ms,
			   uint64_t capacity, uint64_t used_now, struct pool_forecast *out);
/* "full in ~12 days", "full in ~5 hours", "full in under an hour",
 * "not growing", or "not enough history" into buf; returns buf. */
char *pool_forecast_text(const struct pool_window *w, char *buf, size_t len);

/* Warning levels: used at 80 % and 95 % of capacity, and promised (the
 * volumes' virtual sizes) beyond capacity. */
enum pool_level { POOL_LEVEL_OK, POOL_LEVEL_WARN, POOL_LEVEL_CRIT };
#define POOL_WARN_PCT 80.0
#define POOL_CRIT_PCT 95.0
enum pool_level pool_level_of(double used_pct);
const char *pool_level_name(enum pool_level l);     /* "ok", "warning", "critical" */

/* What changed between two looks at a pool: which event to raise, if any.
 * A level crossed upward gives "pool.warning"/"pool.critical", back down
 * to ok "pool.ok"; promised crossing capacity upward "pool.overcommitted".
 * Each out is NULL when nothing is to be said. */
struct pool_alarm {
	const char *level_event;
	const char *overcommit_event;
};
void pool_alarm_check(enum pool_level before, enum pool_level now, int over_before, int over_now,
		      struct pool_alarm *out);

#endif
