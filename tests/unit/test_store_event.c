/*
 * Tests for store/store_event.c against a real sqlite file: round trips of
 * every column (NULLs included), listing by time and id with a limit that
 * keeps the newest, trimming to the bound, and the newest id surviving a
 * reopen (the bus continues numbering from it).
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


static void add(struct store *st, int64_t id, int64_t t, const char *kind, int64_t keep)
{
	char msg[32];
	struct store_event ev = { .id = id, .time_ms = t, .kind = (char *)kind,
				  .message = msg, .uid = -1 };

	snprintf(msg, sizeof(msg), "event %lld", (long long)id);
	assert_int_equal(store_event_add(st, &ev, keep), 0);
}

/* store_event_list() with these filters gives n events, ids first (the
 * oldest) to last. */
static void list_is(struct store *st, int64_t since_ms, int64_t after_id, size_t limit,
		    size_t n, int64_t first, int64_t last)
{
	struct store_event *out = NULL;
	size_t got = 0;

	assert_int_equal(store_event_list(st, since_ms, after_id, limit, &out, &got), 0);
	assert_int_equal(got, n);
	if (n == 0) {
		assert_null(out);
		return;
	}
	assert_int_equal(out[0].id, first);
	assert_int_equal(out[n - 1].id, last);
	store_event_list_free(out, got);
}

static void test_round_trip(void **state)
{
	struct tl_store_fx *f = *state;
	struct store_event full = {
		.id = 7, .time_ms = 1000, .kind = "api.request", .target = "web",
		.message = "vm.start web by alice: ok", .user = "alice", .uid = 1000,
		.op = "vm.start", .result = "ok", .data = "{\"op\":\"vm.start\"}",
	}, *out = NULL;
	size_t n = 0;
	int64_t last;

	assert_int_equal(store_event_last_id(f->st, &last), 0);
	assert_int_equal(last, 0);
	assert_int_equal(store_event_add(f->st, &full, 0), 0);
	add(f->st, 9, 2000, "vm.state", 0);
	assert_int_equal(store_event_add(f->st, &full, 0), -EEXIST);
	assert_int_equal(store_event_list(f->st, 0, 0, 0, &out, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].id, 7);
	assert_int_equal(out[0].time_ms, 1000);
	assert_string_equal(out[0].kind, "api.request");
	assert_string_equal(out[0].target, "web");
	assert_string_equal(out[0].user, "alice");
	assert_int_equal(out[0].uid, 1000);
	assert_string_equal(out[0].op, "vm.start");
	assert_string_equal(out[0].result, "ok");
	assert_string_equal(out[0].data, "{\"op\":\"vm.start\"}");
	assert_null(out[1].target);
	assert_null(out[1].user);
	assert_int_equal(out[1].uid, -1);
	assert_null(out[1].op);
	assert_null(out[1].result);
	assert_string_equal(out[1].data, "{}");
	store_event_list_free(out, n);
	/* Bad input changes nothing. */
	full.kind = NULL;
	full.id = 10;
	assert_int_equal(store_event_add(f->st, &full, 0), -EINVAL);
	assert_int_equal(store_event_last_id(f->st, &last), 0);
	assert_int_equal(last, 9);
}

static void test_list_filters(void **state)
{
	struct tl_store_fx *f = *state;
	int64_t i;

	for (i = 1; i <= 10; i++)
		add(f->st, i, i * 100, "k", 0);
	list_is(f->st, 500, 0, 0, 6, 5, 10);
	list_is(f->st, 0, 8, 0, 2, 9, 10);
	/* A limit keeps the newest, still oldest first. */
	list_is(f->st, 0, 0, 3, 3, 8, 10);
	list_is(f->st, 5000, 0, 0, 0, 0, 0);
}

static void test_trim_and_reopen(void **state)
{
	struct tl_store_fx *f = *state;
	int64_t i, last;

	for (i = 1; i <= 250; i++)
		add(f->st, i * 2, i, "k", 100);
	list_is(f->st, 0, 0, 0, 100, 302, 500);
	store_close(f->st);
	f->st = tl_store_open_or_fail(f->dir);
	assert_int_equal(store_event_last_id(f->st, &last), 0);
	assert_int_equal(last, 500);
}

/* Inside a caller's batch an event is part of it: rolled back with it. */
static void test_inside_batch(void **state)
{
	struct tl_store_fx *f = *state;

	assert_int_equal(store_batch_begin(f->st, NULL, 0), 0);
	add(f->st, 1, 1, "k", 10);
	store_batch_rollback(f->st);
	add(f->st, 2, 2, "k", 10);
	list_is(f->st, 0, 0, 0, 1, 2, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, tl_store_setup, tl_store_teardown),
		cmocka_unit_test_setup_teardown(test_list_filters, tl_store_setup, tl_store_teardown),
		cmocka_unit_test_setup_teardown(test_trim_and_reopen, tl_store_setup, tl_store_teardown),
		cmocka_unit_test_setup_teardown(test_inside_batch, tl_store_setup, tl_store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
