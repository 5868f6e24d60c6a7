/*
 * Tests of croft events: the events parser (--since, --no-follow), the
 * human line of each kind of event, and the command against testlib's
 * fake croftd: following live events, the history from --since followed
 * by live events without a gap or a duplicate (dedup by seq), and
 * --no-follow stopping after the history.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib_cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An event as croftd sends it: seq, seconds after 2026-01-01 00:00:00 UTC. */
#define EV(seq, secs, kind, target, msg, data) \
	"{\"event\":\"" kind "\",\"seq\":" #seq ",\"time_ms\":17672256" #secs "000," \
	"\"target\":" target ",\"message\":\"" msg "\",\"user\":null,\"uid\":null,\"op\":null," \
	"\"result\":null,\"data\":" data "}"
#define VMSTATE(seq, secs, from, to) \
	EV(seq, secs, "vm.state", "\"web\"", "VM web: " from " -> " to " (user)", \
	   "{\"name\":\"web\",\"state\":\"" to "\",\"previous\":\"" from "\",\"reason\":\"user\"}")
#define E3 VMSTATE(3, 01, "stopped", "starting")
#define E4 VMSTATE(4, 02, "starting", "running")
#define E6 EV(6, 03, "job.progress", "\"12\"", "job 12: 50%", "{\"id\":12,\"done\":1,\"total\":2}")
#define E7 VMSTATE(7, 04, "running", "stopped")
#define E8 EV(8, 05, "vm.deleted", "\"web\"", "VM web: deleted", "{\"name\":\"web\"}")
#define E9 EV(9, 06, "job.progress", "\"12\"", "job 12: 100%", "{\"id\":12,\"done\":2,\"total\":2}")

#define SINCE "1700000000"
#define LIST_ARGS "{\"since_ms\":1700000000000,\"limit\":10000}"

static const struct tl_parse_case events_errors[] = {
	{ { "--since", "10x" }, .err = "--since: '10x' has an unknown unit 'x'; use s, m, h or d" },
	{ { "--since", "1h", "--since", "2h" }, .err = "--since is given more than once" },
	{ { "--no-follow" },
	  .err = "--no-follow needs --since TIME: it stops after the history "
		 "(e.g. --since 1h --no-follow)" },
	{ { "web" }, .err = "unexpected argument 'web' for 'events'" },
	{ { "--since" }, .err = "--since needs a time (e.g. 1h, or 2026-01-31 08:00)" },
};

static void test_parse(void **state)
{
	struct tl_parsed p;
	long long ms, want;

	(void)state;
	TL_PARSE0(&p, cli_parse_events, "events");
	assert_false(p.g.no_follow);
	tl_parsed_args(&p, "{}");

	TL_PARSE(&p, cli_parse_events, "events", "--since", SINCE, "--no-follow");
	assert_true(p.g.no_follow);
	tl_parsed_args(&p, "{\"since_ms\":1700000000000}");

	/* a relative time is taken back from now */
	TL_PARSE(&p, cli_parse_events, "events", "--since=1h");
	assert_int_equal(p.r, 0);
	ms = json_integer_value(json_object_get(p.args, "since_ms"));
	want = ((long long)time(NULL) - 3600) * 1000;
	assert_true(ms >= want - 5000 && ms <= want);
	json_decref(p.args);

	TL_PARSE_CASES(cli_parse_events, "events", events_errors);
}

static void expect_line(const char *event, time_t fallback, const char *want)
{
	json_t *ev = json_loads(event, 0, NULL);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(ev);
	cli_format_event(f, ev, fallback);
	fclose(f);
	json_decref(ev);
	if (strcmp(out, want))
		fail_msg("\n got  %s want %s", out, want);
	free(out);
}

static void test_lines(void **state)
{
	(void)state;
	expect_line(E3, 0, "2026-01-01 00:00:01 vm.state     web          "
		    "VM web: stopped -> starting (user)\n");
	/* the audit trail: who did what, with which outcome */
	expect_line("{\"event\":\"api.request\",\"seq\":5,\"time_ms\":1767225661000,"
		    "\"target\":\"webb\",\"message\":\"vm.start webb by alice: not_found: no VM "
		    "named 'webb'\",\"user\":\"alice\",\"uid\":1000,\"op\":\"vm.start\","
		    "\"result\":\"not_found\",\"data\":{\"op\":\"vm.start\",\"target\":\"webb\","
		    "\"result\":\"not_found\",\"message\":\"no VM named 'webb'\"}}", 0,
		    "2026-01-01 00:01:01 api.request  webb         "
		    "vm.start by alice: not_found: no VM named 'webb'\n");
	expect_line("{\"event\":\"api.request\",\"seq\":6,\"time_ms\":1767225661000,"
		    "\"target\":null,\"message\":\"host.set by root: ok\",\"user\":\"root\","
		    "\"uid\":0,\"op\":\"host.set\",\"result\":\"ok\",\"data\":{\"op\":\"host.set\","
		    "\"target\":null,\"result\":\"ok\"}}", 0,
		    "2026-01-01 00:01:01 api.request  -            host.set by root: ok\n");
	/* long names push the message on; nothing is cut */
	expect_line(EV(7, 00, "net.created", "\"a-very-long-network\"", "network a-very-long-network: "
		       "created (nat)", "{\"name\":\"a-very-long-network\"}"), 0,
		    "2026-01-01 00:00:00 net.created  a-very-long-network network "
		    "a-very-long-network: created (nat)\n");
	/* what an older croftd sends: no time, no message, no target */
	expect_line("{\"event\":\"vm.deleted\",\"data\":{\"name\":\"db\"}}", 3723,
		    "1970-01-01 01:02:03 vm.deleted   db           {\"name\":\"db\"}\n");
	expect_line("{\"event\":\"pool.full\",\"data\":{\"pool\":\"default\",\"pct\":95}}", 3723,
		    "1970-01-01 01:02:03 pool.full    -            {\"pool\":\"default\",\"pct\":95}\n");
}

static void test_follow(void **state)
{
	static struct tl_run r;
	static const struct tl_step steps[] = {
		{ "events.subscribe", NULL, "{\"last_seq\":7}", E8 "\n" E9 "\n", TL_STEP_HANGUP, "{}" },
		{ NULL } };

	(void)state;
	TL_CROFT_SCRIPTED(&r, steps, "events", "--json");
	assert_int_equal(r.status, CLI_EXIT_CONNECT);
	assert_string_equal(r.out, E8 "\n" E9 "\n"
		"{\"error\":{\"code\":\"connection\",\"message\":\"croftd closed the connection\"}}\n");
	assert_string_equal(r.err, "croft: croftd closed the connection\n");

	TL_CROFT_SCRIPTED(&r, steps, "events");
	assert_int_equal(r.status, CLI_EXIT_CONNECT);
	assert_string_equal(r.out,
		"2026-01-01 00:00:05 vm.deleted   web          VM web: deleted\n"
		"2026-01-01 00:00:06 job.progress 12           job 12: 100%\n");
}

/*
 * Subscribed at seq 5; events 6 (a progress tick, never kept) and 7 are
 * published before events.list answers, so they arrive live first and 7
 * is in the history too; 8 and 9 come after.  Each is printed once: the
 * history (3, 4, 7), then the live ones it did not have (6, 8, 9).
 */
static void test_since_dedup(void **state)
{
	static struct tl_run r;
	static const struct tl_step steps[] = {
		{ "events.subscribe", NULL, "{\"last_seq\":5}", NULL, 0, "{}" },
		{ "events.list", E6 "\n" E7 "\n",
		  "{\"events\":[" E3 "," E4 "," E7 "],\"last_seq\":7}",
		  E8 "\n" E9 "\n", TL_STEP_HANGUP, LIST_ARGS },
		{ NULL } };

	(void)state;
	TL_CROFT_SCRIPTED(&r, steps, "events", "--since", SINCE, "--json");
	assert_int_equal(r.status, CLI_EXIT_CONNECT);
	assert_string_equal(r.out, E3 "\n" E4 "\n" E7 "\n" E6 "\n" E8 "\n" E9 "\n"
		"{\"error\":{\"code\":\"connection\",\"message\":\"croftd closed the connection\"}}\n");

	TL_CROFT_SCRIPTED(&r, steps, "events", "--since", SINCE);
	assert_int_equal(r.status, CLI_EXIT_CONNECT);
	assert_string_equal(r.out,
		"2026-01-01 00:00:01 vm.state     web          VM web: stopped -> starting (user)\n"
		"2026-01-01 00:00:02 vm.state     web          VM web: starting -> running (user)\n"
		"2026-01-01 00:00:04 vm.state     web          VM web: running -> stopped (user)\n"
		"2026-01-01 00:00:03 job.progress 12           job 12: 50%\n"
		"2026-01-01 00:00:05 vm.deleted   web          VM web: deleted\n"
		"2026-01-01 00:00:06 job.progress 12           job 12: 100%\n");
}

static void test_no_follow(void **state)
{
	static struct tl_run r;
	/* no subscription: the history alone */
	static const struct tl_step steps[] = {
		{ "events.list", NULL, "{\"events\":[" E3 "," E4 "],\"last_seq\":9}", NULL, 0,
		  LIST_ARGS },
		{ NULL } };
	static const struct tl_step empty[] = {
		{ "events.list", NULL, "{\"events\":[],\"last_seq\":9}", NULL, 0, LIST_ARGS },
		{ NULL } };
	static const struct tl_step refused[] = {
		{ "events.list", NULL, "!io_error:cannot read the event history: disk I/O error",
		  NULL, 0, NULL },
		{ NULL } };

	(void)state;
	TL_CROFT_SCRIPTED(&r, steps, "events", "--since", SINCE, "--no-follow", "--json");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, E3 "\n" E4 "\n");
	assert_string_equal(r.err, "");

	TL_CROFT_SCRIPTED(&r, empty, "events", "--no-follow", "--since", SINCE);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");

	TL_CROFT_SCRIPTED(&r, refused, "events", "--no-follow", "--since", SINCE);
	assert_int_equal(r.status, CLI_EXIT_ERROR);
	assert_string_equal(r.err, "croft: cannot read the event history: disk I/O error\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_since_dedup),
		cmocka_unit_test(test_no_follow),
	};

	return cmocka_run_group_tests(tests, tl_setup_utc, NULL);
}
