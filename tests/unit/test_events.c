/*
 * Tests for core/events.c: croftd's bus with its sinks on a real store.
 * Events are recorded with every member, numbering continues after the
 * newest recorded event when the service starts again, BUS_VOLATILE ones
 * are not recorded, and a store that refuses writes loses the record of
 * an event but not the event: other sinks still get it, and recording
 * resumes when the store does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/events.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

struct fx {
	char *dir;
	struct croftd *d;
	int heard;
};

static void count(const struct bus_event *ev, void *data)
{
	(void)ev;
	((struct fx *)data)->heard++;
}

static void start(struct fx *f)
{
	char err[256];

	bus_free(f->d->bus);            /* the fake croftd's own */
	f->d->bus = NULL;
	if (events_init(f->d, err, sizeof(err)) < 0)
		fail_msg("events_init: %s", err);
	bus_sink_add(f->d->bus, count, f);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	f->dir = tl_tmpdir("events");
	f->d = tl_croftd_new_or_fail(f->dir);
	start(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tl_croftd_free(f->d);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static size_t stored(struct fx *f, struct store_event **evs)
{
	size_t n = 0;

	assert_int_equal(store_event_list(f->d->store, 0, 0, 0, evs, &n), 0);
	return n;
}

static void test_recorded_and_numbered(void **state)
{
	struct fx *f = *state;
	struct bus_origin o = { .user = "alice", .uid = 1000, .op = "vm.start" };
	struct store_event *evs;
	size_t n;

	bus_origin_set(f->d->bus, &o);
	bus_publish(f->d->bus, "vm.state", "web", 0, json_pack("{s:s}", "state", "running"),
		    "VM web: starting -> running (user)");
	bus_origin_clear(f->d->bus);
	bus_publish(f->d->bus, "job.progress", "3", BUS_VOLATILE, NULL, "job 3: 50%%");
	n = stored(f, &evs);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0].id, 1);
	assert_string_equal(evs[0].kind, "vm.state");
	assert_string_equal(evs[0].target, "web");
	assert_string_equal(evs[0].user, "alice");
	assert_int_equal(evs[0].uid, 1000);
	assert_string_equal(evs[0].op, "vm.start");
	assert_string_equal(evs[0].data, "{\"state\":\"running\"}");
	store_event_list_free(evs, n);
	assert_int_equal(f->heard, 2);

	/* a restart of the service continues after the newest recorded (the
	 * unrecorded progress tick's number is taken again) */
	events_fini(f->d);
	start(f);
	bus_publish(f->d->bus, "vm.state", "web", 0, NULL, "again");
	n = stored(f, &evs);
	assert_int_equal(n, 2);
	assert_int_equal(evs[1].id, 2);
	store_event_list_free(evs, n);
}

static void test_failing_store(void **state)
{
	struct fx *f = *state;
	struct store_event *evs;
	size_t n;

	tl_store_readonly(f->d->store, 1);
	bus_publish(f->d->bus, "vm.state", "web", 0, NULL, "lost record");
	bus_publish(f->d->bus, "vm.state", "web", 0, NULL, "lost record too");
	assert_int_equal(f->heard, 2);           /* the other sinks still hear */
	assert_true(f->d->events_failing);
	tl_store_readonly(f->d->store, 0);
	bus_publish(f->d->bus, "vm.state", "web", 0, NULL, "recorded");
	assert_false(f->d->events_failing);
	n = stored(f, &evs);
	assert_int_equal(n, 1);
	assert_string_equal(evs[0].message, "recorded");
	assert_int_equal(evs[0].id, 3);
	store_event_list_free(evs, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recorded_and_numbered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing_store, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
