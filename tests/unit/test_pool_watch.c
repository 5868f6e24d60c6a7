/*
 * pool_watch tests: the samples behind the forecast outlive croftd.  A
 * tick samples each pool of a fake croftd (the test's own file system)
 * and keeps the sample in the store, at most one every 5 minutes; a new
 * watch (a restarted croftd) loads a pool's stored samples, so a day-old
 * history gives a 24-hour forecast at once.  Samples older than 8 days
 * leave the store, and a deleted pool's samples and settings go with it.
 * The sampling period is not read from the store at every tick: a change
 * shows after a pool event or within a minute (fake clock).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/pool_watch.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t stored(struct store *st, const char *pool, int64_t **t, uint64_t **used)
{
	size_t n = 0;

	assert_int_equal(store_pool_samples_list(st, pool, t, used, &n), 0);
	return n;
}

static void test_samples_survive(void **state)
{
	char *dir = *state, err[128];
	struct croftd *d = tl_croftd_new_or_fail(dir);
	struct pool_forecast f;
	enum pool_level level;
	uint64_t *used;
	int64_t *t, now = wall_ms();
	size_t n;

	/* a day and a half of history an earlier croftd kept, and a sample
	 * too old to keep */
	assert_int_equal(store_pool_sample_add(d->store, "default", now - 9 * POOL_DAY_MS, 1, 0), 0);
	assert_int_equal(store_pool_sample_add(d->store, "default", now - 36 * 3600000LL, 1000,
					       now - 8 * POOL_DAY_MS), 0);
	n = stored(d->store, "default", &t, &used);
	assert_int_equal(n, 1);                  /* the 9-day-old one went */
	free(t);
	free(used);

	assert_int_equal(pool_watch_init(d, err, sizeof(err)), 0);
	assert_int_equal(pool_watch_tick(d), 1000);
	assert_int_equal(pool_watch_forecast(d, "default", 1ULL << 40, 1ULL << 30, &f, &level), 0);
	assert_true(f.day.known);
	assert_false(f.week.known);
	n = stored(d->store, "default", &t, &used);
	assert_int_equal(n, 2);                  /* the tick's sample, stored */
	assert_true(t[1] >= now);
	free(t);
	free(used);

	/* a second tick at once stores nothing more (one every 5 minutes) */
	pool_watch_tick(d);
	n = stored(d->store, "default", &t, &used);
	assert_int_equal(n, 2);
	free(t);
	free(used);

	/* a restarted croftd has the history at once */
	pool_watch_fini(d);
	assert_int_equal(pool_watch_init(d, err, sizeof(err)), 0);
	assert_int_equal(pool_watch_forecast(d, "default", 1ULL << 40, 1ULL << 30, &f, &level), 0);
	assert_true(f.day.known);
	pool_watch_fini(d);

	/* a deleted pool's samples and settings go */
	assert_int_equal(store_pool_auto_resume_set(d->store, "default", 1, err, sizeof(err)), 0);
	assert_int_equal(store_pool_forget(d->store, "default"), 0);
	assert_int_equal(stored(d->store, "default", &t, &used), 0);
	{
		int on = 1;

		assert_int_equal(store_pool_auto_resume_get(d->store, "default", &on), 0);
		assert_int_equal(on, 0);
	}
	tl_croftd_free(d);
}

static void set_every(struct store *st, const char *ms)
{
	assert_int_equal(store_setting_set(st, POOL_WATCH_SETTING, ms), 0);
}

static void test_period_cached(void **state)
{
	char *dir = *state, err[128];
	struct croftd *d = tl_croftd_new_or_fail(dir);
	int64_t t0;

	tl_clock_set(1700000000000LL);
	t0 = tl_clock_ms();
	set_every(d->store, "2000");
	assert_int_equal(pool_watch_init(d, err, sizeof(err)), 0);
	pool_watch_set_clock(d, tl_clock_ms);
	assert_int_equal(pool_watch_sampled_ms(d, "default"), 0);
	pool_watch_tick(d);                       /* new: sampled at once */
	assert_int_equal(pool_watch_sampled_ms(d, "default"), t0);
	tl_clock_advance(1000);
	pool_watch_tick(d);                       /* not due */
	assert_int_equal(pool_watch_sampled_ms(d, "default"), t0);
	tl_clock_advance(1000);
	pool_watch_tick(d);                       /* due after 2 s */
	assert_int_equal(pool_watch_sampled_ms(d, "default"), t0 + 2000);

	/* a change in the store is not read at every tick ... */
	set_every(d->store, "3600000");
	tl_clock_advance(2000);
	pool_watch_tick(d);
	assert_int_equal(pool_watch_sampled_ms(d, "default"), t0 + 4000);
	/* ... but after a pool event */
	bus_publish(d->bus, "pool.changed", "default", 0, NULL, "pool default changed");
	tl_clock_advance(2000);
	pool_watch_tick(d);
	assert_int_equal(pool_watch_sampled_ms(d, "default"), t0 + 4000);
	/* other events leave the cache alone */
	set_every(d->store, "1000");
	bus_publish(d->bus, "vm.state", "web", 0, NULL, "web: running");
	tl_clock_advance(2000);
	pool_watch_tick(d);
	assert_int_equal(pool_watch_sampled_ms(d, "default"), t0 + 4000);
	/* and at the latest a minute after the last read */
	tl_clock_advance(POOL_WATCH_REREAD_MS - 2001);
	pool_watch_tick(d);
	assert_int_equal(pool_watch_sampled_ms(d, "default"), t0 + 4000);
	tl_clock_advance(1);
	pool_watch_tick(d);
	assert_int_equal(pool_watch_sampled_ms(d, "default"), t0 + 6000 + POOL_WATCH_REREAD_MS);
	pool_watch_fini(d);
	tl_croftd_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_samples_survive, tl_tmpdir_setup,
						tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_period_cached, tl_tmpdir_setup,
						tl_tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
