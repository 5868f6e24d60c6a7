/*
 * Tests for core/history.c and store/store_history.c on a real store and
 * the fake clock: buckets consolidated into average and maximum per tier,
 * unknown figures, gaps; the table bounded after a simulated year of
 * samples; rows read back after the store is closed and opened again (a
 * restart); a VM's rows gone with the VM; bad rows refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/history.h"
#include "core/model.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "store/store_history.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double num(json_t *v)
{
	assert_true(json_is_number(v));
	return json_number_value(v);
}

static void test_consolidation(void **state)
{
	struct tl_store_fx *fx = *state;
	struct history *h = history_new(fx->st);
	int64_t t0 = TL_CLOCK_START_MS;       /* a multiple of every step */
	double v[2];
	json_t *j, *row;
	int i;

	/* 10 s of samples every 2 s: 10, 20, 30, 40, 50; the second figure
	 * unknown but once */
	for (i = 0; i < 5; i++) {
		v[0] = 10.0 * (i + 1);
		v[1] = i == 2 ? 7.0 : NAN;
		history_add(h, 0, v, 2, t0 + i * 2000);
	}
	assert_int_equal(history_flush(h), 0);        /* nothing closed yet */
	v[0] = 1;
	v[1] = NAN;
	history_add(h, 0, v, 2, t0 + 10000);          /* the next bucket of tier 0 */
	assert_int_equal(history_flush(h), 0);

	j = history_json(h, 0, 0, t0 + 10000, (const char *const[]){ "a", "b" }, 2);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "t_ms")), 1);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "t_ms"), 0)), t0);
	row = json_array_get(json_object_get(j, "avg"), 0);
	assert_true(fabs(num(json_array_get(row, 0)) - 30.0) < 1e-6);
	assert_true(fabs(num(json_array_get(row, 1)) - 7.0) < 1e-6);
	row = json_array_get(json_object_get(j, "max"), 0);
	assert_true(fabs(num(json_array_get(row, 0)) - 50.0) < 1e-6);
	assert_int_equal(json_integer_value(json_object_get(j, "step_ms")), 10000);
	json_decref(j);

	/* a minute on (a gap of 50 s): tier 1 closes its bucket of 6 samples */
	v[0] = 100;
	history_add(h, 0, v, 2, t0 + 60000);
	assert_int_equal(history_flush(h), 0);
	j = history_json(h, 0, 1, t0 + 60000, (const char *const[]){ "a", "b" }, 2);
	row = json_array_get(json_object_get(j, "avg"), 0);
	assert_true(fabs(num(json_array_get(row, 0)) - 151.0 / 6) < 0.01);
	row = json_array_get(json_object_get(j, "max"), 0);
	assert_true(fabs(num(json_array_get(row, 0)) - 50.0) < 1e-6);
	json_decref(j);
	/* tier 0 has two buckets, the gap between them not filled */
	j = history_json(h, 0, 0, t0 + 60000, (const char *const[]){ "a", "b" }, 2);
	assert_int_equal(json_array_size(json_object_get(j, "t_ms")), 2);
	/* a figure unknown in the whole bucket is null */
	row = json_array_get(json_object_get(j, "avg"), 1);
	assert_true(json_is_null(json_array_get(row, 1)));
	json_decref(j);
	history_free(h);
}

static void test_bounded_after_a_year(void **state)
{
	struct tl_store_fx *fx = *state;
	struct history *h = history_new(fx->st);
	char *db = tl_path(fx->dir, "croft.db");
	int64_t vm = tl_store_vm_or_fail(fx->st, "web");
	int64_t t, end = TL_CLOCK_START_MS + 367LL * 86400 * 1000;
	double v[HISTORY_VM_N];
	long long rows;
	size_t i;

	for (i = 0; i < HISTORY_VM_N; i++)
		v[i] = (double)i;
	/* a year of samples every 10 s for a VM (every 2 s would only take
	 * five times as long: the buckets are the same) */
	for (t = TL_CLOCK_START_MS; t < end; t += 10000) {
		history_add(h, vm, v, HISTORY_VM_N, t);
		if ((t / 10000) % 360 == 0)
			assert_int_equal(history_flush(h), 0);
	}
	assert_int_equal(history_flush(h), 0);
	rows = tl_sql_int(db, "SELECT count(*) FROM history WHERE owner != 0");
	/* every tier's ring full, and no more */
	assert_int_equal(rows, 360 + 1440 + 1488 + 1464);
	rows = tl_sql_int(db, "SELECT max(length(data)) FROM history");
	assert_int_equal(rows, HISTORY_VM_N * 8);
	/* the newest year is there, the oldest slots overwritten */
	rows = tl_sql_int(db, "SELECT count(*) FROM history WHERE tier = 3");
	assert_int_equal(rows, 1464);

	/* the VM deleted: its history with it */
	assert_int_equal(store_vm_delete(fx->st, vm), 0);
	assert_int_equal(tl_sql_int(db, "SELECT count(*) FROM history"), 0);
	history_free(h);
	free(db);
}

static void test_survives_reopen(void **state)
{
	struct tl_store_fx *fx = *state;
	struct history *h = history_new(fx->st);
	double v[HISTORY_HOST_N] = { 0 };
	json_t *j;
	int i;

	for (i = 0; i < 40; i++) {
		v[HH_CPU_PCT] = i;
		history_add(h, 0, v, HISTORY_HOST_N, TL_CLOCK_START_MS + i * 2000);
	}
	assert_int_equal(history_flush(h), 0);
	history_free(h);
	store_close(fx->st);
	fx->st = tl_store_open_or_fail(fx->dir);
	h = history_new(fx->st);
	j = history_json(h, 0, 0, TL_CLOCK_START_MS + 80000, history_host_names, HISTORY_HOST_N);
	assert_int_equal(json_array_size(json_object_get(j, "t_ms")), 7);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "series"), 0)),
			    "cpu_pct");
	json_decref(j);
	/* older than the range: not shown */
	j = history_json(h, 0, 0, TL_CLOCK_START_MS + 3 * 3600 * 1000LL, history_host_names,
			 HISTORY_HOST_N);
	assert_int_equal(json_array_size(json_object_get(j, "t_ms")), 0);
	json_decref(j);
	history_free(h);
}

static void test_bad_rows(void **state)
{
	struct tl_store_fx *fx = *state;
	struct store_history_row r = { .owner = 0, .tier = 9, .slot = 0, .n = 1 };

	assert_int_equal(store_history_put(fx->st, &r, 1), -EINVAL);
	r.tier = 0;
	r.n = 0;
	assert_int_equal(store_history_put(fx->st, &r, 1), -EINVAL);
	r.n = STORE_HISTORY_MAX_SERIES + 1;
	assert_int_equal(store_history_put(fx->st, &r, 1), -EINVAL);
	assert_int_equal(history_tier_find("24h"), 1);
	assert_int_equal(history_tier_find("2h"), -1);
	assert_int_equal(history_tier_find(NULL), -1);
}

static void test_values(void **state)
{
	struct model_vm v = { 0 };
	struct model_host mh = { 0 };
	struct model_blk b[2] = { { .rd_bps = 100, .wr_bps = -1 }, { .rd_bps = 50, .wr_bps = 10 } };
	double out[HISTORY_VM_N], hout[HISTORY_HOST_N];

	(void)state;
	v.ready_pct = -1;
	v.ready_max_pct = 20;
	v.blks = b;
	v.nblks = 2;
	v.balloon.pid = 7;
	v.balloon.actual_mib = 512;
	v.balloon.guest.known = 1;
	v.balloon.guest.total = 1024 << 20;
	v.balloon.guest.available = 256 << 20;
	history_vm_values(&v, out);
	assert_true(isnan(out[HV_READY_PCT]));
	assert_true(out[HV_READY_MAX_PCT] == 20);
	assert_true(out[HV_DISK_READ_BPS] == 150);
	assert_true(out[HV_DISK_WRITE_BPS] == 10);
	assert_true(isnan(out[HV_NET_RX_BPS]));
	/* ballooned to 512 MiB with 256 available inside: 256 used, not the
	 * 768 that MemTotal - MemAvailable would say */
	assert_true(out[HV_GUEST_USED_MIB] == 256);
	assert_true(out[HV_BALLOON_MIB] == 512);
	assert_true(isnan(out[HV_CPU_PCT]));          /* no process */
	v.balloon.pid = 0;                            /* no balloon: MemTotal - MemAvailable */
	history_vm_values(&v, out);
	assert_true(out[HV_GUEST_USED_MIB] == 768);
	v.balloon.pid = 7;
	v.balloon.guest.stale = 1;
	history_vm_values(&v, out);
	assert_true(isnan(out[HV_GUEST_USED_MIB]));

	mh.mem.total_kib = 1 << 20;
	mh.mem.available_kib = 1 << 19;
	history_host_values(&mh, hout);
	assert_true(hout[HH_MEM_AVAILABLE_MIB] == 512);
	assert_true(isnan(hout[HH_SWAP_USED_MIB]));  /* no swap */
	assert_true(isnan(hout[HH_PRESSURE_IO_PCT]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_consolidation, tl_store_setup, tl_store_teardown),
		cmocka_unit_test_setup_teardown(test_bounded_after_a_year, tl_store_setup,
						tl_store_teardown),
		cmocka_unit_test_setup_teardown(test_survives_reopen, tl_store_setup, tl_store_teardown),
		cmocka_unit_test_setup_teardown(test_bad_rows, tl_store_setup, tl_store_teardown),
		cmocka_unit_test(test_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
