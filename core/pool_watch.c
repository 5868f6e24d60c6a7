/*
 * The pool watch (pool_watch.h): one entry a pool, found by name, with
 * its samples oldest first in a growing array trimmed to 8 days, loaded
 * from the store when the entry is made.  The sampling period is cached
 * with the time it was read; a bus sink marks it stale on the pool
 * events.
 */
#include "core/pool_watch.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/pool_usage.h"
#include "core/pools.h"
#include "core/settings.h"
#include "core/vm_pool_full.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEEP_MS (8 * POOL_DAY_MS)
#define SAMPLES_MAX 20000

struct watched {
	char *name;
	struct pool_sample *s;
	size_t n;
	enum pool_level level;
	int over;
	int64_t stored_ms;       /* the newest sample in the store */
	int sampled;             /* by this croftd (not only loaded) */
	struct pool_usage last;  /* its figures then */
};

struct pool_watch {
	struct watched *v;
	size_t n;
	struct bus *bus;         /* where the sink is */
	int64_t (*now_ms)(void);
	int64_t every;           /* pool_sample_ms, as last read */
	int64_t every_read_ms;   /* when; 0: read it at the next tick */
};

static int64_t real_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(struct croftd *d)
{
	return ((struct pool_watch *)d->pool_watch)->now_ms();
}

/* The samples the store kept for e's pool, the last SAMPLES_MAX. */
static void samples_load(struct store *st, struct watched *e)
{
	uint64_t *used = NULL;
	int64_t *t = NULL;
	size_t n = 0, i, from;

	if (!st || store_pool_samples_list(st, e->name, &t, &used, &n) < 0 || !n)
		goto out;
	from = n > SAMPLES_MAX ? n - SAMPLES_MAX : 0;
	e->s = xcalloc(n - from, sizeof(*e->s));
	for (i = from; i < n; i++)
		e->s[e->n++] = (struct pool_sample){ t[i], used[i] };
	e->stored_ms = t[n - 1];
out:
	free(t);
	free(used);
}

static struct watched *watched_of(struct croftd *d, const char *name, int add)
{
	struct pool_watch *w = d->pool_watch;
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->v[i].name, name))
			return &w->v[i];
	if (!add)
		return NULL;
	w->v = xrealloc(w->v, (w->n + 1) * sizeof(*w->v));
	memset(&w->v[w->n], 0, sizeof(*w->v));
	w->v[w->n].name = xstrdup(name);
	samples_load(d->store, &w->v[w->n]);
	return &w->v[w->n++];
}

/* A pool came, went or changed: read the period again at the next tick. */
static void pool_event(const struct bus_event *ev, void *data)
{
	struct pool_watch *w = data;

	if (!strcmp(ev->kind, "pool.created") || !strcmp(ev->kind, "pool.deleted") ||
	    !strcmp(ev->kind, "pool.changed"))
		w->every_read_ms = 0;
}

int pool_watch_init(struct croftd *d, char *err, size_t errlen)
{
	struct pool_watch *w = xcalloc(1, sizeof(*w));

	(void)err;
	(void)errlen;
	w->now_ms = real_wall_ms;
	if (d->bus && bus_sink_add(d->bus, pool_event, w) == 0)
		w->bus = d->bus;
	d->pool_watch = w;
	return 0;
}

void pool_watch_set_clock(struct croftd *d, int64_t (*now_ms)(void))
{
	struct pool_watch *w = d->pool_watch;

	w->now_ms = now_ms ? now_ms : real_wall_ms;
	w->every_read_ms = 0;
}

void pool_watch_fini(struct croftd *d)
{
	struct pool_watch *w = d->pool_watch;
	size_t i;

	if (!w)
		return;
	if (w->bus)
		bus_sink_remove(w->bus, pool_event, w);
	for (i = 0; i < w->n; i++) {
		free(w->v[i].name);
		free(w->v[i].s);
	}
	free(w->v);
	free(w);
	d->pool_watch = NULL;
}

static void sample(struct croftd *d, struct watched *e, const char *dir, int64_t now)
{
	struct pool_alarm alarm;
	struct pool_usage u;
	struct pool_vol *v;
	enum pool_level level;
	char err[PATH_MAX + 64];
	size_t n, drop = 0;
	int over;

	if (pool_usage_scan(dir, &v, &n, &u, err, sizeof(err)) < 0)
		return;
	free(v);
	if (!u.capacity)
		return;
	while (drop < e->n && (e->s[drop].t_ms < now - KEEP_MS || e->n - drop >= SAMPLES_MAX))
		drop++;
	if (drop)
		memmove(e->s, e->s + drop, (e->n - drop) * sizeof(*e->s));
	e->n -= drop;
	e->s = xrealloc(e->s, (e->n + 1) * sizeof(*e->s));
	e->s[e->n++] = (struct pool_sample){ now, u.capacity - u.free };
	if (now - e->stored_ms >= POOL_WATCH_STORE_EVERY_MS &&
	    store_pool_sample_add(d->store, e->name, now, u.capacity - u.free, now - KEEP_MS) == 0)
		e->stored_ms = now;
	level = pool_level_of(pool_usage_used_pct(&u));
	over = u.promised > u.capacity;
	pool_alarm_check(e->level, level, e->over, over, &alarm);
	if (alarm.level_event)
		bus_publish(d->bus, alarm.level_event, e->name, 0,
			    json_pack("{s:s,s:s,s:f,s:I,s:I}", "name", e->name, "level",
				      pool_level_name(level), "used_pct", pool_usage_used_pct(&u),
				      "capacity_bytes", (json_int_t)u.capacity,
				      "free_bytes", (json_int_t)u.free),
			    "pool %s is %.0f %% used (%s)", e->name, pool_usage_used_pct(&u),
			    pool_level_name(level));
	if (alarm.overcommit_event)
		bus_publish(d->bus, alarm.overcommit_event, e->name, 0,
			    json_pack("{s:s,s:I,s:I}", "name", e->name, "promised_bytes",
				      (json_int_t)u.promised, "capacity_bytes", (json_int_t)u.capacity),
			    "pool %s promises more than its capacity", e->name);
	e->level = level;
	e->sampled = 1;
	e->last = u;
	e->over = over;
}

/* pool_sample_ms: cached, read again when stale (pool_watch.h). */
static int64_t sample_every(struct croftd *d, int64_t now)
{
	struct pool_watch *w = d->pool_watch;

	if (!w->every_read_ms || now - w->every_read_ms >= POOL_WATCH_REREAD_MS ||
	    now < w->every_read_ms) {
		w->every = settings_int(d->store, POOL_WATCH_SETTING, POOL_WATCH_DEFAULT_MS, 1000,
					3600000);
		w->every_read_ms = now ? now : 1;
	}
	return w->every;
}

/* Every second: each pool whose last sample is pool_sample_ms old (or
 * that has none: a new pool) is sampled, so a new pool takes effect at
 * once. */
uint64_t pool_watch_tick(struct croftd *d)
{
	int64_t now = wall_ms(d), every = sample_every(d, now);
	struct watched *e;
	size_t i;

	for (i = 0; i < pools_count(d->pools); i++) {
		e = watched_of(d, pools_name(d->pools, i), 1);
		if (!e->n || now - e->s[e->n - 1].t_ms >= every - 500 || !e->sampled)
			sample(d, e, pools_dir(d->pools, i), now);
	}
	vm_pool_full_tick(d);
	return 1000;
}

int pool_watch_usage(struct croftd *d, const char *pool, struct pool_usage *u)
{
	struct watched *e = d->pool_watch ? watched_of(d, pool, 0) : NULL;

	if (!e || !e->sampled)
		return -ENOENT;
	*u = e->last;
	return 0;
}

int64_t pool_watch_sampled_ms(struct croftd *d, const char *pool)
{
	struct watched *e = d->pool_watch ? watched_of(d, pool, 0) : NULL;

	return e && e->sampled ? e->s[e->n - 1].t_ms : 0;
}

int pool_watch_forecast(struct croftd *d, const char *pool, uint64_t capacity, uint64_t used_now,
			struct pool_forecast *f, enum pool_level *level)
{
	struct watched *e = d->pool_watch ? watched_of(d, pool, 1) : NULL;

	if (!e || !e->n)
		return -ENOENT;
	pool_forecast_compute(e->s, e->n, wall_ms(d), capacity, used_now, f);
	*level = e->level;
	return 0;
}
