/*
 * croftd's watch over its pools: every pool_sample_ms (a host setting,
 * default 5 minutes) each pool's file system is measured (pool_usage.h)
 * and the bytes in use kept in memory for 8 days, for the forecast
 * (pool_forecast.h) that pool.info shows.  A pool crossing 80 % or 95 %
 * used, falling back below 80 %, or promising more than its capacity
 * raises an event (pool.warning, pool.critical, pool.ok,
 * pool.overcommitted).  One sample every 5 minutes at most goes to the
 * store as well (trimmed to 8 days there too), and a pool's samples are
 * loaded from it when croftd starts watching the pool, so the forecast
 * survives a restart.  Each tick also lets vm_pool_full.h resume guests a
 * full pool paused, where the pool has auto-resume on.
 *
 * The tick runs every second but touches neither the store nor the file
 * systems unless a pool is due: pool_sample_ms is read at start, again
 * when a pool is created, deleted or changed (its bus events), and at
 * least once a minute otherwise, so an edit of the settings table by hand
 * takes effect within a minute.
 */
#ifndef CROFT_POOL_WATCH_H
#define CROFT_POOL_WATCH_H

#include <stdint.h>

#include "core/pool_forecast.h"

struct croftd;

#define POOL_WATCH_SETTING "pool_sample_ms"
#define POOL_WATCH_DEFAULT_MS 300000
#define POOL_WATCH_STORE_EVERY_MS 300000   /* samples kept in the store, at most */
#define POOL_WATCH_REREAD_MS 60000         /* pool_sample_ms read again, at least */

int pool_watch_init(struct croftd *d, char *err, size_t errlen);
/* The wall clock the watch reads (tests); NULL: the real one. */
void pool_watch_set_clock(struct croftd *d, int64_t (*now_ms)(void));
void pool_watch_fini(struct croftd *d);
uint64_t pool_watch_tick(struct croftd *d);

/* The named pool's forecast against used_now, and its last level: 0, or
 * -ENOENT when the pool has not been sampled yet. */
int pool_watch_forecast(struct croftd *d, const char *pool, uint64_t capacity, uint64_t used_now,
			struct pool_forecast *f, enum pool_level *level);

/* The named pool's figures at its last sample: 0, or -ENOENT when it has
 * not been sampled by this croftd. */
struct pool_usage;
int pool_watch_usage(struct croftd *d, const char *pool, struct pool_usage *u);
/* When the named pool was last sampled (unix ms), 0 when never. */
int64_t pool_watch_sampled_ms(struct croftd *d, const char *pool);

#endif
