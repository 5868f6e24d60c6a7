/*
 * Tests for core/bus.c: delivery to every sink in order, sequence numbers,
 * the fake clock, origins (set for a handler, or given explicitly), events
 * published from inside a sink, sink removal, and the JSON shape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/bus.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seen {
	char log[2048];
	size_t n;
	struct bus *b;            /* set: publish once from inside the sink */
};

static void record(const struct bus_event *ev, void *data)
{
	struct seen *s = data;
	size_t len = strlen(s->log);

	snprintf(s->log + len, sizeof(s->log) - len, "%s%lld:%s:%s:%s:%s:%lld",
		 len ? "|" : "", (long long)ev->seq, ev->kind, ev->target ? ev->target : "-",
		 ev->message, ev->origin.user ? ev->origin.user : "-", (long long)ev->origin.uid);
	s->n++;
}

static void second(const struct bus_event *ev, void *data)
{
	struct seen *s = data;

	record(ev, s);
	if (s->b && !strcmp(ev->kind, "a")) {
		struct bus *b = s->b;

		s->b = NULL;
		bus_publish(b, "nested", NULL, 0, NULL, "from a sink");
	}
}

static void test_order_and_seq(void **state)
{
	struct bus *b = bus_new(tl_clock_ms);
	struct seen s1 = { 0 }, s2 = { 0 };

	(void)state;
	tl_clock_set(TL_CLOCK_START_MS);
	bus_seq_resume(b, 41);
	bus_sink_add(b, record, &s1);
	bus_sink_add(b, second, &s2);
	s2.b = b;
	bus_publish(b, "a", "web", 0, json_pack("{s:i}", "x", 1), "first %d", 1);
	bus_publish(b, "b", NULL, BUS_VOLATILE, NULL, "second");
	/* The nested event comes after "a" has reached both sinks. */
	assert_string_equal(s1.log, "42:a:web:first 1:-:-1|43:nested:-:from a sink:-:-1|"
			    "44:b:-:second:-:-1");
	assert_string_equal(s2.log, s1.log);
	assert_int_equal(bus_seq_last(b), 44);
	bus_sink_remove(b, record, &s1);
	bus_publish(b, "c", NULL, 0, NULL, "third");
	assert_int_equal(s1.n, 3);
	assert_int_equal(s2.n, 4);
	bus_free(b);
}

static void test_origin(void **state)
{
	struct bus *b = bus_new(tl_clock_ms);
	struct bus_origin o = { .user = "alice", .uid = 1000, .op = "vm.start" };
	struct bus_origin other = { .user = "bob", .uid = 1001, .op = "vm.stop" };
	struct seen s = { 0 };

	(void)state;
	bus_sink_add(b, record, &s);
	assert_null(bus_origin_get(b));
	bus_origin_set(b, &o);
	assert_string_equal(bus_origin_get(b)->user, "alice");
	assert_int_equal(bus_origin_get(b)->uid, 1000);
	bus_publish(b, "vm.state", "web", 0, NULL, "starting");
	bus_publish_as(b, &other, "api.request", "db", 0, "ok", NULL, "vm.stop db");
	bus_origin_clear(b);
	assert_null(bus_origin_get(b));
	assert_null(bus_origin_get(NULL));
	bus_publish(b, "vm.state", "web", 0, NULL, "running");
	bus_publish_as(b, NULL, "x", NULL, 0, NULL, NULL, "none");
	assert_string_equal(s.log, "1:vm.state:web:starting:alice:1000|"
			    "2:api.request:db:vm.stop db:bob:1001|"
			    "3:vm.state:web:running:-:-1|4:x:-:none:-:-1");
	bus_free(b);
}

static void json_sink(const struct bus_event *ev, void *data)
{
	json_t **out = data;

	json_decref(*out);
	*out = bus_event_json(ev);
}

static void test_json(void **state)
{
	struct bus *b = bus_new(tl_clock_ms);
	struct bus_origin o = { .user = "alice", .uid = 1000, .op = "vm.delete" };
	json_t *j = NULL;
	char *text;

	(void)state;
	tl_clock_set(TL_CLOCK_START_MS + 5);
	bus_sink_add(b, json_sink, &j);
	bus_publish_as(b, &o, "api.request", "web", 0, "invalid_state",
		       json_pack("{s:s}", "op", "vm.delete"), "vm.delete web: no");
	text = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(text, "{\"data\":{\"op\":\"vm.delete\"},\"event\":\"api.request\","
			    "\"message\":\"vm.delete web: no\",\"op\":\"vm.delete\","
			    "\"result\":\"invalid_state\",\"seq\":1,\"target\":\"web\","
			    "\"time_ms\":1767225600005,\"uid\":1000,\"user\":\"alice\"}");
	free(text);
	bus_publish(b, "host", NULL, 0, NULL, "plain");
	text = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(text, "{\"data\":{},\"event\":\"host\",\"message\":\"plain\","
			    "\"op\":null,\"result\":null,\"seq\":2,\"target\":null,"
			    "\"time_ms\":1767225600005,\"uid\":null,\"user\":null}");
	free(text);
	json_decref(j);
	bus_free(b);
}

static void test_null_bus(void **state)
{
	(void)state;
	/* A missing bus drops the event and frees its data (ASan checks). */
	bus_publish(NULL, "a", "b", 0, json_pack("{s:s}", "k", "v"), "x");
	bus_origin_set(NULL, &(struct bus_origin){ .uid = -1 });
	bus_origin_clear(NULL);
	bus_sink_remove(NULL, record, NULL);
	bus_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_seq),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_null_bus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
