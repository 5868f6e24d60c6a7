/*
 * Tests for core/balloon_policy.c: a fake model (host figures and guests'
 * balloon statistics written by hand) stepped on the fake clock.  No
 * pressure changes nothing; an exceeded budget shrinks the guest with the
 * most available memory first, never below its minimum; a guest that
 * starts swapping gets memory back; shares split what there is; guests
 * without a driver or with stale statistics are left alone and said to
 * be; 100 steps of a constant input make no oscillation; a large
 * shortfall is met in a few steps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/balloon_policy.h"

#include <string.h>

#define MIB (1024ULL * 1024ULL)
#define MAXV 8

/* A fake model: a host and up to MAXV guests.  A guest "uses" used MiB:
 * its MemTotal is its balloon's target, MemAvailable what is left. */
struct fake {
	struct bp_host host;
	struct bp_vm vm[MAXV];
	struct bp_state st[MAXV];
	struct bp_decision out[MAXV];
	uint64_t used[MAXV];
	size_t n;
};

static const char *names[MAXV] = { "web", "db", "mail", "git", "a", "b", "c", "d" };

static void fake_init(struct fake *f, uint64_t budget_mib)
{
	memset(f, 0, sizeof(*f));
	f->host.budget_mib = budget_mib;
	f->host.avail_mib = 16384;
	f->host.low_mib = 512;
	f->host.psi_some10 = 0;
	f->host.swap_pages_ps = 0;
	tl_clock_set(1000000);
}

static size_t fake_vm(struct fake *f, uint64_t max, uint64_t min, uint64_t target, uint64_t used)
{
	size_t i = f->n++;
	struct bp_vm *v = &f->vm[i];

	v->id = (int64_t)i + 1;
	v->name = names[i];
	v->max_mib = max;
	v->min_mib = min;
	v->target_mib = target;
	v->balloon = 1;
	v->shares = BP_SHARES_DEFAULT;
	v->stats = 1;
	v->swap_in = 0;
	v->major_faults = 0;
	f->used[i] = used;
	return i;
}

/* The guests report their figures as of now. */
static void fake_report(struct fake *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		struct bp_vm *v = &f->vm[i];
		uint64_t used = f->used[i] < v->target_mib ? f->used[i] : v->target_mib;

		v->stats_ms = tl_clock_ms();
		v->total = v->target_mib * MIB;
		v->available = (v->target_mib - used) * MIB;
	}
}

/* One step 2 s on; the targets become what the policy decided (the
 * balloon is taken to follow at once).  Returns the number of changes. */
static size_t fake_step(struct fake *f)
{
	size_t i, changes;

	tl_clock_advance(2000);
	fake_report(f);
	changes = balloon_policy_step(&f->host, f->vm, f->st, f->n, tl_clock_ms(), f->out);
	for (i = 0; i < f->n; i++) {
		assert_true(f->vm[i].fixed || f->out[i].to_mib >= f->vm[i].min_mib);
		assert_true(f->out[i].to_mib <= f->vm[i].max_mib);
		if (f->out[i].to_mib != f->out[i].from_mib)
			assert_true(f->out[i].reason[0]);
		f->vm[i].target_mib = f->out[i].to_mib;
	}
	return changes;
}

static uint64_t sum_targets(const struct fake *f)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < f->n; i++)
		s += f->vm[i].target_mib;
	return s;
}

static void test_no_pressure_no_change(void **state)
{
	struct fake f;
	int i;

	(void)state;
	fake_init(&f, 4096);
	fake_vm(&f, 1024, 256, 1024, 200);
	fake_vm(&f, 1024, 256, 1024, 900);
	fake_vm(&f, 1024, 256, 512, 100);
	for (i = 0; i < 5; i++)
		assert_int_equal(fake_step(&f), 0);
	assert_int_equal(f.vm[0].target_mib, 1024);
	assert_int_equal(f.vm[2].target_mib, 512);
}

static void test_most_available_shrinks_first(void **state)
{
	struct fake f;
	size_t changes;

	(void)state;
	fake_init(&f, 2048 + 1024 - 200);     /* 200M short */
	fake_vm(&f, 1024, 128, 1024, 700);    /* web: little spare */
	fake_vm(&f, 1024, 128, 1024, 100);    /* db: the most available */
	fake_vm(&f, 1024, 128, 1024, 400);
	changes = fake_step(&f);
	assert_int_equal(changes, 1);
	assert_int_equal(f.vm[0].target_mib, 1024);
	assert_int_equal(f.vm[1].target_mib, 1024 - 200);
	assert_int_equal(f.vm[2].target_mib, 1024);
	assert_non_null(strstr(f.out[1].reason, "db: balloon 1.0G -> 824M (host budget 2.8G exceeded by 200M; db had 924M available inside"));
	/* met: nothing more */
	assert_int_equal(fake_step(&f), 0);
}

/* The one with the most to spare gives until it is level with the next,
 * then they give alike: balloons move in parallel, each at its guest's
 * pace.  A change too small to make is not split. */
static void test_shortfall_spread(void **state)
{
	struct fake f;
	size_t i;

	(void)state;
	fake_init(&f, 2048 - 300);            /* 4 x 512 booted: 300M over */
	fake_vm(&f, 512, 128, 512, 100);      /* web: need 164, 348 to spare */
	fake_vm(&f, 512, 128, 512, 200);      /* need 264, 248 to spare */
	fake_vm(&f, 512, 128, 512, 200);
	fake_vm(&f, 512, 128, 512, 200);
	f.host.psi_some10 = 20;               /* short: all of it at once */
	assert_int_equal(fake_step(&f), 4);
	/* web gives 100 to come level with the others, then all give 50 */
	assert_int_equal(f.vm[0].target_mib, 512 - 150);
	for (i = 1; i < 4; i++)
		assert_int_equal(f.vm[i].target_mib, 512 - 50);
	assert_non_null(strstr(f.out[0].reason, "web had 412M available inside"));

	/* equal guests share a shortfall equally; a small one goes to as many
	 * as can each give a change worth making */
	fake_init(&f, 2048 - 1024);
	for (i = 0; i < 4; i++)
		fake_vm(&f, 512, 128, 512, 94);
	f.host.psi_some10 = 20;
	fake_step(&f);
	for (i = 0; i < 4; i++)
		assert_int_equal(f.vm[i].target_mib, 256);
	fake_init(&f, 2048 - 20);
	for (i = 0; i < 4; i++)
		fake_vm(&f, 512, 128, 512, 94);
	f.host.psi_some10 = 20;
	assert_int_equal(fake_step(&f), 2);
	assert_int_equal(sum_targets(&f), 2048 - 20);
	for (i = 0; i < 4; i++)
		assert_true(f.vm[i].target_mib == 512 || f.vm[i].target_mib <= 512 - BP_MIN_CHANGE_MIB);
}

static void test_never_below_min(void **state)
{
	struct fake f;
	int i;

	(void)state;
	fake_init(&f, 600);                   /* far below what they have */
	fake_vm(&f, 1024, 384, 1024, 10);
	fake_vm(&f, 1024, 256, 1024, 10);
	for (i = 0; i < 10; i++)
		fake_step(&f);
	assert_int_equal(f.vm[0].target_mib, 384);
	assert_int_equal(f.vm[1].target_mib, 256);
	/* a target below the minimum (set by hand) is raised to it */
	f.vm[1].target_mib = 100;
	fake_step(&f);
	assert_int_equal(f.vm[1].target_mib, 256);
	assert_non_null(strstr(f.out[1].reason, "below its minimum"));
}

static void test_never_into_use(void **state)
{
	struct fake f;
	int i;

	(void)state;
	fake_init(&f, 512);
	fake_vm(&f, 1024, 128, 1024, 600);    /* uses 600M: keeps 600 + 150 */
	for (i = 0; i < 10; i++)
		fake_step(&f);
	assert_int_equal(f.vm[0].target_mib, 750);
}

static void test_swapping_gets_memory_back(void **state)
{
	struct fake f;
	size_t changes;

	(void)state;
	fake_init(&f, 4096);
	fake_vm(&f, 2048, 256, 1024, 900);
	fake_vm(&f, 2048, 256, 1024, 100);
	fake_step(&f);
	fake_step(&f);
	/* the guest swaps in 10 MiB in 2 s */
	f.vm[0].swap_in += 10 * MIB;
	changes = fake_step(&f);
	assert_int_equal(changes, 1);
	assert_int_equal(f.vm[0].target_mib, 1024 + 256);
	assert_non_null(strstr(f.out[0].reason, "web: balloon 1.0G -> 1.2G (web is swapping: 5.0M/s swapped in"));
	/* major faults too */
	f.vm[0].major_faults += 1000;
	fake_step(&f);
	assert_int_equal(f.vm[0].target_mib, 1280 + 320);
	/* quiet again: it keeps what it got */
	assert_int_equal(fake_step(&f), 0);
}

static void test_swapping_held_under_budget(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, 2048);
	fake_vm(&f, 1024, 128, 1024, 600);
	fake_vm(&f, 1024, 128, 1024, 100);
	fake_step(&f);
	f.vm[0].swap_in += 10 * MIB;
	/* no room left: the spare guest gives, the swapping one grows */
	fake_step(&f);
	assert_true(f.vm[0].target_mib == 1024);   /* at its maximum already */
	f.vm[0].target_mib = 700;
	f.vm[0].swap_in += 10 * MIB;
	fake_step(&f);
	assert_true(f.vm[0].target_mib > 700);
	assert_true(sum_targets(&f) <= 2048);
}

static void test_shares_split(void **state)
{
	struct fake f;

	(void)state;
	/* two guests want 200M each, only 150M is free and nobody spares */
	fake_init(&f, 1024 + 150);
	fake_vm(&f, 1024, 128, 512, 500);
	fake_vm(&f, 1024, 128, 512, 500);
	f.vm[0].shares = 2000;
	f.vm[1].shares = 1000;
	fake_step(&f);
	assert_int_equal(f.vm[0].target_mib, 512 + 100);
	assert_int_equal(f.vm[1].target_mib, 512 + 50);
	assert_non_null(strstr(f.out[0].reason, "web had only 12M available inside, using 500M"));
}

static void test_needy_fed_by_spare(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, 1024);
	fake_vm(&f, 512, 128, 256, 250);      /* web fills its memory */
	fake_vm(&f, 512, 128, 256, 20);
	fake_vm(&f, 512, 128, 256, 20);
	fake_vm(&f, 512, 128, 256, 20);
	fake_step(&f);
	/* web grows to 250 + 64 (within the budget: 256 was free) */
	assert_int_equal(f.vm[0].target_mib, 314);
	/* it fills all it gets: a quarter more each step, up to its max;
	 * the budget is full, so the others give */
	f.used[0] = 440;
	fake_step(&f);
	assert_int_equal(f.vm[0].target_mib, 314 + 78);
	fake_step(&f);
	fake_step(&f);
	assert_int_equal(f.vm[0].target_mib, 512);
	assert_true(sum_targets(&f) <= 1024);
	assert_true(f.vm[1].target_mib >= 128);
	assert_non_null(strstr(f.out[1].reason, "web is under pressure"));
}

static void test_stale_ignored(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, 1024);
	fake_vm(&f, 1024, 128, 1024, 100);
	fake_vm(&f, 1024, 128, 1024, 100);
	fake_vm(&f, 1024, 128, 1024, 100);
	f.vm[0].stale = 1;
	f.vm[1].balloon = 0;
	fake_step(&f);
	assert_int_equal(f.vm[0].target_mib, 1024);
	assert_int_equal(f.vm[1].target_mib, 1024);
	assert_int_equal(f.out[0].skip, BP_STALE);
	assert_int_equal(f.out[1].skip, BP_NO_DRIVER);
	assert_string_equal(f.out[0].reason, "web: balloon left at 1024M (the guest's memory statistics are stale)");
	assert_string_equal(f.out[1].reason, "db: balloon left at 1024M (no balloon driver in the guest)");
	assert_true(f.vm[2].target_mib < 1024);
	f.vm[2].stats = 0;
	fake_step(&f);
	assert_int_equal(f.out[2].skip, BP_NO_STATS);
}

/* With deflate-on-oom the guest's MemTotal stays what it booted with and
 * the balloon's pages count as used: they are not the guest's use. */
static void test_balloon_pages_not_used(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, 1024);
	fake_vm(&f, 512, 128, 172, 0);
	fake_vm(&f, 512, 128, 172, 0);
	f.vm[0].actual_mib = 172;
	f.vm[1].actual_mib = 172;
	fake_report(&f);
	/* MemTotal 466M; 340M in the balloon: 92M available, plenty */
	f.vm[0].total = 466 * MIB;
	f.vm[0].available = 92 * MIB;
	f.vm[1].total = 466 * MIB;
	f.vm[1].available = 92 * MIB;
	assert_int_equal(balloon_policy_step(&f.host, f.vm, f.st, f.n, tl_clock_ms(), f.out), 0);
	assert_int_equal(bp_guest_used_mib(466 * MIB, 92 * MIB, 172, 512), 80);
	/* 20M available: it needs more, though MemTotal less MemAvailable
	 * (446M) is far below its 512M */
	f.vm[0].available = 20 * MIB;
	f.vm[0].stats_ms += 2000;
	assert_int_equal(balloon_policy_step(&f.host, f.vm, f.st, f.n, tl_clock_ms(), f.out), 1);
	assert_int_equal(f.out[0].to_mib, 152 + 64);
	assert_non_null(strstr(f.out[0].reason, "web had only 20M available inside, using 152M"));
}

/* memory_min == memory: never moved (not even to its minimum), but its
 * target counts against the budget */
static void test_fixed_counts_not_moved(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, 1024);
	fake_vm(&f, 512, 512, 400, 100);     /* set by hand below its floor */
	fake_vm(&f, 1024, 128, 1024, 100);
	f.vm[0].fixed = 1;
	fake_step(&f);
	fake_step(&f);
	fake_step(&f);
	assert_int_equal(f.vm[0].target_mib, 400);
	assert_int_equal(f.out[0].skip, BP_FIXED);
	assert_int_equal(f.vm[1].target_mib, 1024 - 400);
}

static void test_no_oscillation(void **state)
{
	struct fake f;
	size_t changes = 0;
	int i;

	(void)state;
	fake_init(&f, 1024);
	fake_vm(&f, 512, 128, 512, 300);
	fake_vm(&f, 512, 128, 512, 60);
	fake_vm(&f, 512, 128, 512, 200);
	fake_vm(&f, 512, 128, 512, 20);
	for (i = 0; i < 10; i++)
		fake_step(&f);
	for (i = 0; i < 100; i++)
		changes += fake_step(&f);
	assert_int_equal(changes, 0);
	assert_true(sum_targets(&f) <= 1024);
}

static void test_large_shortfall_few_steps(void **state)
{
	struct fake f;
	int steps = 0;

	(void)state;
	/* 3 GiB over the budget, no host pressure: gentle, but in halves */
	fake_init(&f, 4096);
	fake_vm(&f, 2048, 256, 2048, 200);
	fake_vm(&f, 2048, 256, 2048, 200);
	fake_vm(&f, 2048, 256, 2048, 200);
	fake_vm(&f, 1024, 256, 1024, 200);
	while (sum_targets(&f) > 4096 && steps < 20) {
		fake_step(&f);
		steps++;
	}
	assert_true(steps <= 5);
	/* the host is short: all of it in one step */
	fake_init(&f, 4096);
	f.host.psi_some10 = 25;
	fake_vm(&f, 2048, 256, 2048, 200);
	fake_vm(&f, 2048, 256, 2048, 200);
	fake_vm(&f, 2048, 256, 2048, 200);
	fake_vm(&f, 1024, 256, 1024, 200);
	fake_step(&f);
	assert_true(sum_targets(&f) <= 4096);
	assert_non_null(strstr(f.out[0].reason, "host is short of memory"));
}

static void test_host_short_takes_more(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, 4096);
	f.host.avail_mib = 112;               /* 400M under the host's floor */
	fake_vm(&f, 2048, 256, 2048, 200);
	fake_vm(&f, 1024, 256, 1024, 200);
	fake_step(&f);
	assert_true(sum_targets(&f) <= 3072 - 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_pressure_no_change),
		cmocka_unit_test(test_most_available_shrinks_first),
		cmocka_unit_test(test_shortfall_spread),
		cmocka_unit_test(test_never_below_min),
		cmocka_unit_test(test_never_into_use),
		cmocka_unit_test(test_swapping_gets_memory_back),
		cmocka_unit_test(test_swapping_held_under_budget),
		cmocka_unit_test(test_shares_split),
		cmocka_unit_test(test_needy_fed_by_spare),
		cmocka_unit_test(test_stale_ignored),
		cmocka_unit_test(test_fixed_counts_not_moved),
		cmocka_unit_test(test_balloon_pages_not_used),
		cmocka_unit_test(test_no_oscillation),
		cmocka_unit_test(test_large_shortfall_few_steps),
		cmocka_unit_test(test_host_short_takes_more),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
