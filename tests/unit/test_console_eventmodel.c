/*
 * Tests for the Events screen's model (tui/console_eventmodel.c): events
 * parsed into lines (a state change and an audit entry say more from
 * their data, the rest show croftd's message), the time of day (with the
 * date on another day), the console's own lines, and the log panel: the
 * history and live events merged by seq without duplicates, in time order
 * with the console's lines among them, trimmed to the newest.  Times are
 * taken in UTC here (TZ is set).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "tui/console_eventmodel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOW (TL_CLOCK_START_MS + 12 * 3600 * 1000LL)   /* 2026-01-01 12:00:00 UTC */

static json_t *load(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

static void parse_at(struct cevent *ev, const char *text, int64_t now)
{
	json_t *o = load(text);

	assert_int_equal(cevent_parse(ev, o, now), 0);
	json_decref(o);
}

/* event seq at time_ms */
static void event(struct cevent *ev, long long seq, int64_t time_ms)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "{\"event\":\"vm.created\",\"seq\":%lld,\"time_ms\":%lld,\"target\":\"v%lld\","
		 "\"message\":\"VM v%lld created\",\"data\":{\"name\":\"v%lld\"}}",
		 seq, (long long)time_ms, seq, seq, seq);
	parse_at(ev, text, NOW);
}

static void test_parse(void **state)
{
	struct cevent ev;
	json_t *o;

	(void)state;
	parse_at(&ev, "{\"event\":\"vm.state\",\"seq\":41,\"time_ms\":1767268800000,\"target\":\"db\","
		 "\"message\":\"VM db: shutting-down -> stopped (user)\",\"user\":\"root\","
		 "\"data\":{\"name\":\"db\",\"state\":\"stopped\",\"previous\":\"shutting-down\","
		 "\"reason\":\"user\"}}", NOW);
	assert_int_equal(ev.seq, 41);
	assert_string_equal(ev.when, "12:00:00");
	assert_string_equal(ev.kind, "vm.state");
	assert_string_equal(ev.target, "db");
	assert_string_equal(ev.detail, "stopped (was shutting-down), reason user");
	/* a failure's full text comes with it, however long */
	parse_at(&ev, "{\"event\":\"vm.state\",\"seq\":40,\"target\":\"db\",\"data\":{"
		 "\"name\":\"db\",\"state\":\"stopped\",\"previous\":\"starting\","
		 "\"reason\":\"start-failed\",\"detail\":\"QEMU failed to start: QEMU runs as "
		 "user croft-qemu, which cannot read /srv/images/some/long/path/vmlinuz: "
		 "Permission denied\"}}", NOW);
	assert_string_equal(ev.detail, "stopped (was starting), reason start-failed: QEMU failed "
			    "to start: QEMU runs as user croft-qemu, which cannot read "
			    "/srv/images/some/long/path/vmlinuz: Permission denied");
	/* the audit trail: who did what, with which outcome */
	parse_at(&ev, "{\"event\":\"api.request\",\"seq\":42,\"time_ms\":1767268801000,"
		 "\"target\":\"web\",\"message\":\"vm.pause web by alice: invalid_state: no\","
		 "\"user\":\"alice\",\"uid\":1000,\"op\":\"vm.pause\",\"result\":\"invalid_state\","
		 "\"data\":{\"op\":\"vm.pause\",\"target\":\"web\",\"result\":\"invalid_state\","
		 "\"message\":\"cannot pause VM 'web': it is stopped\"}}", NOW);
	assert_string_equal(ev.detail,
			    "alice: vm.pause invalid_state: cannot pause VM 'web': it is stopped");
	parse_at(&ev, "{\"event\":\"api.request\",\"seq\":43,\"target\":null,\"user\":\"root\","
		 "\"data\":{\"op\":\"net.create\",\"result\":\"ok\"}}", NOW);
	assert_string_equal(ev.detail, "root: net.create ok");
	assert_string_equal(ev.target, "");
	assert_int_equal(ev.time_ms, NOW);             /* no time: now */
	/* other kinds: croftd's message; the target from the data if need be */
	parse_at(&ev, "{\"event\":\"net.created\",\"seq\":44,\"message\":\"network lan created\","
		 "\"data\":{\"name\":\"lan\"}}", NOW);
	assert_string_equal(ev.target, "lan");
	assert_string_equal(ev.detail, "network lan created");
	/* not an event */
	o = load("{\"id\":3,\"ok\":true}");
	assert_int_equal(cevent_parse(&ev, o, NOW), -EINVAL);
	json_decref(o);
	assert_true(cevent_listed("vm.state"));
	assert_true(cevent_listed("job.state"));
	assert_false(cevent_listed("job.progress"));
}

static void test_when(void **state)
{
	struct cevent ev;

	(void)state;
	event(&ev, 1, NOW - 3600 * 1000LL);
	assert_string_equal(ev.when, "11:00:00");
	event(&ev, 2, NOW - 24 * 3600 * 1000LL);       /* yesterday: with the date */
	assert_string_equal(ev.when, "12-31 12:00");
	cevent_local(&ev, 3, NOW, "lost the connection to croftd");
	assert_int_equal(ev.seq, 0);
	assert_int_equal(ev.local, 3);
	assert_string_equal(ev.when, "12:00:00");
	assert_string_equal(ev.kind, "console");
	assert_string_equal(ev.detail, "(lost the connection to croftd)");
}

static const struct cevent *row(const struct panel *p, size_t i)
{
	const struct cevent *ev = panel_row(p, i);

	assert_non_null(ev);
	return ev;
}

/* The history merged with live events and the console's own lines. */
static void test_history_and_live(void **state)
{
	struct cevent hist[5], ev;
	struct panel p;
	char buf[64];
	size_t i;

	(void)state;
	/* live events before the history call came back */
	event(&ev, 6, NOW - 1000);
	panel_init(&p, &cevent_panel_ops);
	panel_add(&p, &ev);
	panel_set_height(&p, 3);
	event(&ev, 5, NOW - 2000);
	panel_add(&p, &ev);
	/* the console's line, then the history, which has 5 again */
	cevent_local(&ev, 1, NOW - 50000, "connected to croftd at /run/croft/croftd.sock");
	panel_add(&p, &ev);
	for (i = 0; i < 5; i++)
		event(&hist[i], (long long)i + 1, NOW - 100000 + (int64_t)i * 20000);
	panel_merge(&p, hist, 5);
	assert_int_equal(p.n, 7);                      /* seq 5 once */
	/* in time order: seq 1-3, the console's line, 4, 5, 6 */
	assert_int_equal(row(&p, 0)->seq, 1);
	assert_int_equal(row(&p, 3)->seq, 0);
	assert_int_equal(row(&p, 4)->seq, 4);
	assert_int_equal(row(&p, 6)->seq, 6);
	/* a log: no cursor, the end shown */
	assert_null(panel_selected(&p));
	assert_true(p.follow);
	assert_int_equal(p.top, 4);
	/* the newest are kept */
	panel_trim(&p, 4);
	assert_int_equal(row(&p, 0)->seq, 0);
	ctable_cell(&cevent_cols[1], row(&p, 1), buf, sizeof(buf));
	assert_string_equal(buf, "vm.created");
	ctable_cell(&cevent_cols[2], row(&p, 1), buf, sizeof(buf));
	assert_string_equal(buf, "v4");
	ctable_cell(&cevent_cols[3], row(&p, 1), buf, sizeof(buf));
	assert_string_equal(buf, "VM v4 created");
	assert_string_equal(cevent_cols[2].title, "TARGET");
	panel_set_filter(&p, "V5");
	assert_int_equal(panel_count(&p), 1);
	panel_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_when),
		cmocka_unit_test(test_history_and_live),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
