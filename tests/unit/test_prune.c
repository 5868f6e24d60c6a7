/*
 * prune tests: Proxmox Backup Server's retention rules against
 *  - a year of hourly snapshots with a hand-derived answer (which hours,
 *    days, weeks and months stay, and why),
 *  - the documentation's examples: a week kept by keep-weekly hides its
 *    days from keep-monthly even in an earlier month (PBS prune simulator
 *    notes); Proxmox VE's retention example (keep-last 3, daily 13,
 *    weekly 8, monthly 11, yearly 9 over daily backups) keeps 44,
 *  - a table computed here independently (period names from strftime,
 *    including %G/%V ISO weeks; a plain newest-first walk with string
 *    sets) for many combinations of counts over a year of hourly and
 *    irregular snapshots, in UTC and in Berlin's time with its DST days,
 *  - protected items, all counts 0, and the checks of the counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/prune.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HOUR 3600
#define DAY (24 * HOUR)

static void use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static int64_t utc(int y, int mo, int d, int h)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h };

	return (int64_t)timegm(&tm);
}

static struct prune_item *series(int64_t first, int64_t step, size_t n)
{
	struct prune_item *v = calloc(n, sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++)
		v[i].time = first + (int64_t)i * step;
	return v;
}

static struct prune_item *find(struct prune_item *v, size_t n, int64_t t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].time == t)
			return &v[i];
	fail_msg("no item at %lld", (long long)t);
	return NULL;
}

static void kept_by(struct prune_item *v, size_t n, int64_t t, enum prune_rule r)
{
	struct prune_item *it = find(v, n, t);

	if (!it->keep || it->rule != r)
		fail_msg("item at %lld: keep %d by %s, want %s", (long long)t, it->keep,
			 prune_rule_name(it->rule) ? prune_rule_name(it->rule) : "-",
			 prune_rule_name(r));
}

static size_t count_kept(const struct prune_item *v, size_t n, enum prune_rule r)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += v[i].keep && (r == PRUNE_REMOVE || v[i].rule == r);
	return c;
}

/* --- the independent table ---------------------------------------------------- */

static const char *const fmts[] = { NULL, "%Y/%m/%d/%H", "%Y/%m/%d", "%G/%V", "%Y/%m", "%Y" };

struct strset {
	char (*s)[24];
	size_t n;
};

static int has(const struct strset *set, const char *s)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->s[i], s))
			return 1;
	return 0;
}

/* What PBS's docs say, walked plainly: rules in order; newest first; a
 * period holding an item kept earlier is passed over; the newest of a new
 * period is kept until count periods are; the others of a counted period
 * are dropped for good.  want[i] is the rule (0: removed). */
static void naive(const struct prune_item *v, size_t n, const int64_t counts[6], int *want)
{
	int *dropped = calloc(n, sizeof(int));
	size_t *order = calloc(n, sizeof(size_t)), i, j, k;
	struct strset held = { calloc(n, 24), 0 }, mine = { calloc(n, 24), 0 };
	char key[24];
	int r;

	/* Insertion sort of indices, newest first (the later of equal times). */
	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && (v[order[j - 1]].time < v[i].time ||
				      (v[order[j - 1]].time == v[i].time && order[j - 1] < i)); j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (i = 0; i < n; i++)
		want[i] = 0;
	for (r = 0; r < 6; r++) {
		if (counts[r] <= 0)
			continue;
		held.n = mine.n = 0;
		for (i = 0; i < n; i++) {
			if (!want[i] || v[i].protected_)
				continue;
			if (r == 0) {
				snprintf(held.s[held.n++], 24, "#%zu", i);
			} else {
				time_t t = (time_t)v[i].time;
				struct tm tm;

				localtime_r(&t, &tm);
				strftime(held.s[held.n++], 24, fmts[r], &tm);
			}
		}
		for (k = 0; k < n; k++) {
			size_t x = order[k];

			if (want[x] || dropped[x] || v[x].protected_)
				continue;
			if (r == 0) {
				snprintf(key, sizeof(key), "#%zu", x);
			} else {
				time_t t = (time_t)v[x].time;
				struct tm tm;

				localtime_r(&t, &tm);
				strftime(key, sizeof(key), fmts[r], &tm);
			}
			if (has(&held, key))
				continue;
			if (has(&mine, key)) {
				dropped[x] = 1;
				continue;
			}
			if ((int64_t)mine.n == counts[r])
				break;
			snprintf(mine.s[mine.n++], 24, "%s", key);
			want[x] = r + 1;
		}
	}
	free(held.s);
	free(mine.s);
	free(order);
	free(dropped);
}

static void against_naive(struct prune_item *v, size_t n, const int64_t c[6])
{
	struct prune_keep k = { c[0], c[1], c[2], c[3], c[4], c[5] };
	int *want = calloc(n, sizeof(int));
	size_t i;

	prune_select(v, n, &k);
	naive(v, n, c, want);
	for (i = 0; i < n; i++) {
		int got = v[i].protected_ ? 0 : v[i].keep ? (int)v[i].rule : 0;

		if (v[i].protected_ && (!v[i].keep || v[i].rule != PRUNE_PROTECTED))
			fail_msg("protected item %zu not kept as protected", i);
		if (got != want[i])
			fail_msg("keep %lld/%lld/%lld/%lld/%lld/%lld: item %zu (t=%lld): got %s, "
				 "want %s", (long long)c[0], (long long)c[1], (long long)c[2],
				 (long long)c[3], (long long)c[4], (long long)c[5], i,
				 (long long)v[i].time, got ? prune_rule_name(got) : "removed",
				 want[i] ? prune_rule_name(want[i]) : "removed");
	}
	free(want);
}

static const int64_t combos[][6] = {
	{ 3, 24, 7, 4, 6, 1 },
	{ 0, 0, 7, 0, 0, 0 },
	{ 0, 48, 0, 0, 0, 0 },
	{ 1, 0, 0, 52, 0, 0 },
	{ 0, 0, 0, 0, 12, 0 },
	{ 0, 0, 0, 0, 0, 3 },
	{ 5, 0, 14, 8, 12, 2 },
	{ 2, 10, 0, 5, 0, 1 },
	{ 0, 1, 1, 1, 1, 1 },
	{ 10000, 0, 0, 0, 0, 0 },
	{ 0, 9000, 400, 60, 13, 2 },
	{ 3, 13, 8, 11, 9, 0 },
};

/* --- tests ---------------------------------------------------------------------- */

/* Hourly through 2025 (UTC); keep-last 3, hourly 24, daily 7, weekly 4,
 * monthly 6, yearly 1, worked out by hand. */
static void test_year_hourly_by_hand(void **state)
{
	size_t n = 365 * 24, i;
	struct prune_item *v = series(utc(2025, 1, 1, 0), HOUR, n);
	struct prune_keep k = { 3, 24, 7, 4, 6, 1 };
	static const int weekly[] = { 21, 14, 7 };
	static const int monthly[][2] = { { 10, 31 }, { 9, 30 }, { 8, 31 }, { 7, 31 }, { 6, 30 },
					  { 5, 31 } };

	(void)state;
	use_tz("UTC");
	prune_select(v, n, &k);
	/* keep-last: 23:00, 22:00, 21:00 on 31 December. */
	for (i = 0; i < 3; i++)
		kept_by(v, n, utc(2025, 12, 31, 23 - (int)i), PRUNE_LAST);
	/* keep-hourly: the 24 hours before, 20:00 back to 21:00 on the 30th. */
	for (i = 0; i < 24; i++)
		kept_by(v, n, utc(2025, 12, 31, 20) - (int64_t)i * HOUR, PRUNE_HOURLY);
	/* keep-daily: the 30th and 31st hold kept hours; then 29th..23rd at 23:00. */
	for (i = 0; i < 7; i++)
		kept_by(v, n, utc(2025, 12, 29 - (int)i, 23), PRUNE_DAILY);
	/* keep-weekly: 2026-W01 (from 29 Dec) and 2025-W52 hold kept days; then
	 * the Sundays 21, 14, 7 December and 30 November. */
	for (i = 0; i < 3; i++)
		kept_by(v, n, utc(2025, 12, weekly[i], 23), PRUNE_WEEKLY);
	kept_by(v, n, utc(2025, 11, 30, 23), PRUNE_WEEKLY);
	/* keep-monthly: December and November hold kept items; then the last
	 * hour of October back to May. */
	for (i = 0; i < 6; i++)
		kept_by(v, n, utc(2025, monthly[i][0], monthly[i][1], 23), PRUNE_MONTHLY);
	/* keep-yearly: 2025 holds kept items and there is no other year. */
	assert_int_equal(count_kept(v, n, PRUNE_YEARLY), 0);
	assert_int_equal(count_kept(v, n, PRUNE_REMOVE), 3 + 24 + 7 + 4 + 6);
	free(v);
}

/* PBS's prune simulator notes: "in a week covered by keep-weekly, one
 * backup is kept while all others are removed; keep-monthly then does not
 * consider backups from that week anymore, even if part of the week is
 * part of an earlier month."  Daily at noon, 1 March to 5 April 2026; the
 * week of Monday 30 March runs into April. */
static void test_doc_week_hides_month(void **state)
{
	size_t n = 36;
	struct prune_item *v = series(utc(2026, 3, 1, 12), DAY, n);
	struct prune_keep k = { .weekly = 1, .monthly = 2 };

	(void)state;
	use_tz("UTC");
	prune_select(v, n, &k);
	kept_by(v, n, utc(2026, 4, 5, 12), PRUNE_WEEKLY);
	/* Not 31 March: keep-weekly dropped it with its week. */
	assert_false(find(v, n, utc(2026, 3, 31, 12))->keep);
	assert_false(find(v, n, utc(2026, 3, 30, 12))->keep);
	kept_by(v, n, utc(2026, 3, 29, 12), PRUNE_MONTHLY);
	assert_int_equal(count_kept(v, n, PRUNE_REMOVE), 2);
	free(v);
}

/* Proxmox VE's retention example over 12 years of daily backups: keep-last
 * 3, daily 13, weekly 8, monthly 11, yearly 9 keep 3 + 13 + 8 + 11 + 9. */
static void test_doc_pve_example(void **state)
{
	size_t n = 12 * 365 + 3;
	struct prune_item *v = series(utc(2014, 1, 1, 21), DAY, n);
	struct prune_keep k = { 3, 0, 13, 8, 11, 9 };
	static const int64_t c[6] = { 3, 0, 13, 8, 11, 9 };

	(void)state;
	use_tz("UTC");
	prune_select(v, n, &k);
	assert_int_equal(count_kept(v, n, PRUNE_LAST), 3);
	assert_int_equal(count_kept(v, n, PRUNE_DAILY), 13);
	assert_int_equal(count_kept(v, n, PRUNE_WEEKLY), 8);
	assert_int_equal(count_kept(v, n, PRUNE_MONTHLY), 11);
	assert_int_equal(count_kept(v, n, PRUNE_YEARLY), 9);
	assert_int_equal(count_kept(v, n, PRUNE_REMOVE), 44);
	against_naive(v, n, c);
	free(v);
}

static void table(const char *tz, struct prune_item *v, size_t n)
{
	size_t i;

	use_tz(tz);
	for (i = 0; i < sizeof(combos) / sizeof(combos[0]); i++)
		against_naive(v, n, combos[i]);
}

static void test_year_hourly_table(void **state)
{
	size_t n = 366 * 24;
	struct prune_item *v = series(utc(2026, 1, 1, 0) - 5 * HOUR, HOUR, n);

	(void)state;
	table("UTC", v, n);
	table("Europe/Berlin", v, n);
	free(v);
}

/* Irregular times (gaps, bursts, two at one second) over 15 months,
 * across a year's end whose ISO week 1 starts in December, some of them
 * protected. */
static void test_irregular_table(void **state)
{
	size_t n = 3000, i;
	struct prune_item *v = calloc(n, sizeof(*v));
	uint64_t x = 12345;
	int64_t t = utc(2025, 10, 1, 0);

	(void)state;
	for (i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		t += (int64_t)((x >> 33) % (6 * HOUR)) + (i % 97 == 0 ? 9 * DAY : 0);
		v[i].time = (i % 250 == 1) ? v[i - 1].time : t;
		v[i].protected_ = (x >> 20) % 40 == 0;
	}
	table("UTC", v, n);
	table("Europe/Berlin", v, n);
	free(v);
}

/* Berlin's autumn change: 02:00-02:59 happens twice, one local hour: the
 * older 02:xx is dropped by keep-hourly. */
static void test_dst_hour(void **state)
{
	size_t n = 9;
	struct prune_item *v = series(utc(2026, 10, 24, 20), HOUR, n);
	struct prune_keep k = { .hourly = 100 };

	(void)state;
	use_tz("Europe/Berlin");
	prune_select(v, n, &k);
	assert_int_equal(count_kept(v, n, PRUNE_HOURLY), n - 1);
	assert_false(find(v, n, utc(2026, 10, 25, 0))->keep);     /* 02:00 CEST */
	assert_true(find(v, n, utc(2026, 10, 25, 1))->keep);      /* 02:00 CET */
	free(v);
	use_tz("UTC");
}

static void test_protected_and_all(void **state)
{
	size_t n = 10, i;
	struct prune_item *v = series(utc(2026, 1, 1, 0), HOUR, n);
	struct prune_keep none = { 0 }, last2 = { .last = 2 };

	(void)state;
	use_tz("UTC");
	v[9].protected_ = true;
	v[3].protected_ = true;
	prune_select(v, n, &none);
	for (i = 0; i < n; i++) {
		assert_true(v[i].keep);
		assert_int_equal(v[i].rule, v[i].protected_ ? PRUNE_PROTECTED : PRUNE_ALL);
	}
	assert_true(prune_keep_all(&none));
	prune_select(v, n, &last2);
	/* The protected newest does not count: 8 and 7 are the last two. */
	kept_by(v, n, v[9].time, PRUNE_PROTECTED);
	kept_by(v, n, v[8].time, PRUNE_LAST);
	kept_by(v, n, v[7].time, PRUNE_LAST);
	kept_by(v, n, v[3].time, PRUNE_PROTECTED);
	assert_int_equal(count_kept(v, n, PRUNE_REMOVE), 4);
	prune_select(v, 0, &last2);
	free(v);
	assert_string_equal(prune_rule_name(PRUNE_DAILY), "keep-daily");
	assert_null(prune_rule_name(PRUNE_REMOVE));
}

static void test_checks(void **state)
{
	struct prune_keep k = { .daily = -1 };
	char err[128];

	(void)state;
	assert_int_equal(prune_keep_check(&k, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "keep-daily -1 is negative (0 turns the rule off)");
	k = (struct prune_keep){ .yearly = PRUNE_KEEP_MAX + 1 };
	assert_int_equal(prune_keep_check(&k, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "keep-yearly");
	k = (struct prune_keep){ 1, 2, 3, 4, 5, 6 };
	assert_int_equal(prune_keep_check(&k, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_year_hourly_by_hand),
		cmocka_unit_test(test_doc_week_hides_month),
		cmocka_unit_test(test_doc_pve_example),
		cmocka_unit_test(test_year_hourly_table),
		cmocka_unit_test(test_irregular_table),
		cmocka_unit_test(test_dst_hour),
		cmocka_unit_test(test_protected_and_all),
		cmocka_unit_test(test_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
