/*
 * croftd's watch over its pools: every pool_sample_ms (a host setting,
 * default 5 minutes) each pool's file system is measured (pool_usage.h)
 * and the bytes in use kept in memory for 8 days, for the forecast
 * (pool_forecast.h) that pool.info shows.  A pool crossing 80 % or 95 %
 * used, falling back below 80 %, or promising more than its capacity
 * raises an event (pool.warning, pool.critical, pool.ok,
 * pool.overcommitted).  The samples do not outlive croftd: after a restart
 * the forecast needs a day of watching again.
 */
#ifndef CROFT_POOL_WATCH_H
#define CROFT_POOL_WATCH_H

#include <stdint.h>

#include "core/pool_forecast.h"

struct croftd;

#define POOL_WATCH_SETTING "pool_sample_ms"
#define POOL_WATCH_DEFAULT_MS 300000

int pool_watch_init(struct croftd *d, char *err, size_t errlen);
void pool_watch_fini(struct croftd *d);
uint64_t pool_watch_tick(struct croftd *d);

/* The named pool's forecast against used_now, and its last level: 0, or
 * -ENOENT when the pool has not been sampled yet. */
int pool_watch_forecast(struct croftd *d, const char *pool, uint64_t capacity, uint64_t used_now,
			struct pool_forecast *f, enum pool_level *level);

#endif
