/*
 * Tests for store/store_job.c against a real sqlite file: every column
 * round trips (NULLs included), updates touch only what changes, listing
 * is newest first with the finished-since filter and a limit, the
 * unfinished jobs come oldest first and survive a reopen, trimming spares
 * queued and running rows, and bad rows are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A job in state at time t; finished ones finish at t too. */
static int64_t add(struct store *st, const char *state, int64_t t, int64_t keep)
{
	struct store_job j = { .kind = "disk.create", .state = (char *)state, .uid = -1,
			       .created_ms = t };

	if (strcmp(state, "queued") && strcmp(state, "running"))
		j.finished_ms = t;
	assert_int_equal(store_job_insert(st, &j, keep), 0);
	assert_true(j.id > 0);
	return j.id;
}

static void test_round_trip(void **state)
{
	struct tl_store_fx *f = *state;
	struct store_job full = {
		.kind = "disk.create", .target = "web", .state = "running",
		.done_bytes = 1 << 20, .total_bytes = 4 << 20, .args = "{\"disks\":[]}",
		.cleanup = "[\"/p/web-disk0.raw\"]", .user = "alice", .uid = 1000,
		.created_ms = 1000, .started_ms = 1500,
	}, bare = { .kind = "x", .state = "queued", .uid = -1, .created_ms = 2000 }, out;

	assert_int_equal(store_job_insert(f->st, &full, 0), 0);
	assert_int_equal(full.id, 1);
	assert_int_equal(store_job_insert(f->st, &bare, 0), 0);
	assert_int_equal(bare.id, 2);

	assert_int_equal(store_job_get(f->st, 1, &out), 0);
	assert_int_equal(out.id, 1);
	assert_string_equal(out.kind, "disk.create");
	assert_string_equal(out.target, "web");
	assert_string_equal(out.state, "running");
	assert_int_equal(out.done_bytes, 1 << 20);
	assert_int_equal(out.total_bytes, 4 << 20);
	assert_null(out.error);
	assert_string_equal(out.args, "{\"disks\":[]}");
	assert_string_equal(out.cleanup, "[\"/p/web-disk0.raw\"]");
	assert_null(out.result);
	assert_string_equal(out.user, "alice");
	assert_int_equal(out.uid, 1000);
	assert_int_equal(out.created_ms, 1000);
	assert_int_equal(out.started_ms, 1500);
	assert_int_equal(out.finished_ms, 0);
	store_job_clear(&out);

	assert_int_equal(store_job_get(f->st, 2, &out), 0);
	assert_null(out.target);
	assert_null(out.args);
	assert_null(out.cleanup);
	assert_null(out.user);
	assert_int_equal(out.uid, -1);
	assert_int_equal(out.started_ms, 0);
	store_job_clear(&out);

	assert_int_equal(store_job_get(f->st, 3, &out), -ENOENT);
	assert_string_equal(store_last_error(f->st), "no job 3");
	assert_null(out.kind);
}

static void test_update(void **state)
{
	struct tl_store_fx *f = *state;
	struct store_job j = { .kind = "disk.create", .target = "web", .state = "running",
			       .args = "{\"a\":1}", .cleanup = "[\"/p/a\"]", .user = "bob",
			       .uid = 7, .created_ms = 10, .started_ms = 20 }, out;

	assert_int_equal(store_job_insert(f->st, &j, 0), 0);
	j.state = "failed";
	j.done_bytes = 5;
	j.total_bytes = 9;
	j.error = "qemu-img: No space left on device";
	j.cleanup = NULL;
	j.result = "{\"b\":2}";
	j.finished_ms = 30;
	j.kind = "ignored";
	j.user = "ignored";
	assert_int_equal(store_job_update(f->st, &j), 0);
	assert_int_equal(store_job_get(f->st, j.id, &out), 0);
	assert_string_equal(out.kind, "disk.create");
	assert_string_equal(out.user, "bob");
	assert_string_equal(out.args, "{\"a\":1}");
	assert_string_equal(out.state, "failed");
	assert_int_equal(out.done_bytes, 5);
	assert_int_equal(out.total_bytes, 9);
	assert_string_equal(out.error, "qemu-img: No space left on device");
	assert_null(out.cleanup);
	assert_string_equal(out.result, "{\"b\":2}");
	assert_int_equal(out.started_ms, 20);
	assert_int_equal(out.finished_ms, 30);
	store_job_clear(&out);

	j.id = 99;
	assert_int_equal(store_job_update(f->st, &j), -ENOENT);
}

static void test_bad_rows(void **state)
{
	struct tl_store_fx *f = *state;
	struct store_job j = { .kind = "disk.create", .state = "paused", .uid = -1 }, out;
	size_t n;
	struct store_job *all;

	assert_int_equal(store_job_insert(f->st, &j, 0), -EINVAL);
	assert_non_null(strstr(store_last_error(f->st), "job_state_known"));
	assert_int_equal(j.id, 0);
	j.state = NULL;
	assert_int_equal(store_job_insert(f->st, &j, 0), -EINVAL);
	j.state = "queued";
	j.kind = NULL;
	assert_int_equal(store_job_insert(f->st, &j, 0), -EINVAL);
	j.kind = "disk.create";
	j.total_bytes = UINT64_MAX;
	assert_int_equal(store_job_insert(f->st, &j, 0), -EINVAL);
	assert_int_equal(store_job_list(f->st, 0, 0, &all, &n), 0);
	assert_int_equal(n, 0);
	free(all);

	j.total_bytes = 0;
	assert_int_equal(store_job_insert(f->st, &j, 0), 0);
	j.state = "paused";
	assert_int_equal(store_job_update(f->st, &j), -EINVAL);
	assert_int_equal(store_job_get(f->st, j.id, &out), 0);
	assert_string_equal(out.state, "queued");
	store_job_clear(&out);
}

static void test_list_and_trim(void **state)
{
	struct tl_store_fx *f = *state;
	struct store_job *jobs;
	size_t n;
	int64_t running, queued, i;

	running = add(f->st, "running", 100, 0);     /* 1 */
	add(f->st, "done", 200, 0);                  /* 2 */
	add(f->st, "failed", 300, 0);                /* 3 */
	queued = add(f->st, "queued", 400, 0);       /* 4 */
	add(f->st, "cancelled", 500, 0);             /* 5 */

	assert_int_equal(store_job_list(f->st, 0, 0, &jobs, &n), 0);
	assert_int_equal(n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(jobs[i].id, 5 - i);
	store_job_list_free(jobs, n);

	/* Finished since 300: 5 and 3, with the unfinished 4 and 1. */
	assert_int_equal(store_job_list(f->st, 300, 0, &jobs, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(jobs[0].id, 5);
	assert_int_equal(jobs[1].id, queued);
	assert_int_equal(jobs[2].id, 3);
	assert_int_equal(jobs[3].id, running);
	store_job_list_free(jobs, n);

	assert_int_equal(store_job_list(f->st, 0, 2, &jobs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(jobs[1].id, 4);
	store_job_list_free(jobs, n);

	assert_int_equal(store_job_unfinished(f->st, &jobs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(jobs[0].id, running);
	assert_int_equal(jobs[1].id, queued);
	store_job_list_free(jobs, n);

	/* Keep the newest two finished: 2 goes; 1 and 4 stay whatever their age. */
	add(f->st, "done", 600, 2);                  /* 6 */
	assert_int_equal(store_job_list(f->st, 0, 0, &jobs, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(jobs[0].id, 6);
	assert_int_equal(jobs[1].id, 5);
	assert_int_equal(jobs[2].id, 4);
	assert_int_equal(jobs[3].id, 1);
	store_job_list_free(jobs, n);

	/* Ids are never reused, even after trimming the newest id's peers. */
	store_close(f->st);
	f->st = tl_store_open_or_fail(f->dir);
	assert_int_equal(store_job_unfinished(f->st, &jobs, &n), 0);
	assert_int_equal(n, 2);
	store_job_list_free(jobs, n);
	assert_int_equal(add(f->st, "queued", 700, 0), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, tl_store_setup, tl_store_teardown),
		cmocka_unit_test_setup_teardown(test_update, tl_store_setup, tl_store_teardown),
		cmocka_unit_test_setup_teardown(test_bad_rows, tl_store_setup, tl_store_teardown),
		cmocka_unit_test_setup_teardown(test_list_and_trim, tl_store_setup, tl_store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
