/*
 * The schedule commands of the CLI: the parsers (one target, --at, counts
 * that are numbers and not negative, ids) and what list, add and simulate
 * print against the fake API; --json of schedule list and backup list is
 * the bare array, as the other list commands print it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib_cli.h"

#include <stdlib.h>
#include <string.h>

static const struct tl_parse_case add_cases[] = {
	{ { "web", "--at", "daily", "--keep-last", "3", "--keep-daily", "7" },
	  .args = "{\"vm\":\"web\",\"at\":\"daily\",\"keep_last\":3,\"keep_daily\":7}" },
	{ { "--tag", "prod", "--at", "mon..fri 02:00", "--ram" },
	  .args = "{\"tag\":\"prod\",\"at\":\"mon..fri 02:00\",\"ram\":true}" },
	{ { "--all", "--at", "*:0/15", "--backup-to", "backups", "--keep-yearly", "0" },
	  .args = "{\"all\":true,\"at\":\"*:0/15\",\"backup_to\":\"backups\",\"keep_yearly\":0}" },
	{ { "--at", "daily" }, .err = "schedule add needs one of a VM, --all or --tag T" },
	{ { "web", "--all", "--at", "daily" },
	  .err = "schedule add needs one of a VM, --all or --tag T, not several" },
	{ { "web" }, .err = "schedule add needs --at CALENDAR (e.g. daily, 'mon..fri 02:00', "
			    "'*:0/15')" },
	{ { "web", "--at", "daily", "--keep-daily", "-1" },
	  .err = "--keep-daily -1 is negative (0 turns the rule off)" },
	{ { "web", "--at", "daily", "--keep-last", "two" },
	  .err = "--keep-last needs a number from 0 to 1000000, not 'two'" },
	{ { "web", "--at", "daily", "--keep-last", "1", "--keep-last", "2" },
	  .err = "--keep-last is given more than once" },
	{ { "web", "db", "--at", "daily" }, .err = "unexpected argument 'db'" },
	{ { "web", "--at", "daily", "--hourly" },
	  .err = "unknown option '--hourly' for 'schedule add'" },
};

static const struct tl_parse_case set_cases[] = {
	{ { "3", "--at", "hourly", "--no-ram" }, .args = "{\"id\":3,\"at\":\"hourly\",\"ram\":false}" },
	{ { "3", "--snapshots" }, .args = "{\"id\":3,\"backup_to\":null}" },
	{ { "--at", "hourly" },
	  .err = "schedule set needs a schedule's id (croft schedule list shows them)" },
	{ { "x" }, .err = "the schedule id needs a number from 0 to 9007199254740992, not 'x'" },
};

static const struct tl_parse_case id_cases[] = {
	{ { "7" }, .args = "{\"id\":7}" },
	{ { NULL }, .err = "schedule remove needs a schedule's id (croft schedule list shows them)" },
};

static const struct tl_parse_case list_cases[] = {
	{ { NULL }, .args = "{}" },
	{ { "web" }, .args = "{\"vm\":\"web\"}" },
};

static const struct tl_parse_case sim_cases[] = {
	{ { "--at", "daily", "--days", "60", "--keep-weekly", "4" },
	  .args = "{\"at\":\"daily\",\"days\":60,\"keep_weekly\":4}" },
	{ { "--days", "3" }, .err = "schedule simulate needs --at CALENDAR (the runs to simulate)" },
	{ { "--at", "daily", "--days", "5000" },
	  .err = "--days needs a number from 0 to 3660, not '5000'" },
	{ { "web", "--at", "daily" }, .err = "unexpected argument 'web'" },
};

static void test_parse(void **state)
{
	(void)state;
	TL_PARSE_CASES(cli_parse_sched_add, "schedule add", add_cases);
	TL_PARSE_CASES(cli_parse_sched_set, "schedule set", set_cases);
	TL_PARSE_CASES(cli_parse_sched_id, "schedule remove", id_cases);
	TL_PARSE_CASES(cli_parse_sched_list, "schedule list", list_cases);
	TL_PARSE_CASES(cli_parse_sched_simulate, "schedule simulate", sim_cases);
}

#define SC "{\"id\":3,\"vm\":null,\"all\":false,\"tag\":\"prod\",\"at\":\"daily\",\"ram\":true," \
	"\"backup_to\":null,\"keep_last\":3,\"keep_hourly\":0,\"keep_daily\":7," \
	"\"keep_weekly\":0,\"keep_monthly\":0,\"keep_yearly\":0,\"next_run\":1767312000," \
	"\"last_run\":null,\"last_result\":null,\"created\":1767225600}"

static void test_output(void **state)
{
	static struct tl_run r;
	static const struct tl_step list[] = {
		{ "schedule.list", NULL, "{\"schedules\":[" SC "]}", NULL, 0, "{}" }, { NULL } };
	static const struct tl_step add[] = {
		{ "schedule.add", NULL, "{\"schedule\":" SC "}", NULL, 0,
		  "{\"tag\":\"prod\",\"at\":\"daily\",\"ram\":true,\"keep_last\":3,\"keep_daily\":7}" },
		{ NULL } };
	static const struct tl_step sim[] = {
		{ "schedule.simulate", NULL, "{\"snapshots\":["
		  "{\"time\":1767312000,\"kept\":true,\"rule\":\"keep-last\"},"
		  "{\"time\":1767225600,\"kept\":false,\"rule\":null}]}", NULL, 0,
		  "{\"at\":\"daily\",\"keep_last\":1}" }, { NULL } };

	(void)state;
	TL_CROFT_SCRIPTED(&r, list, "schedule", "list");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out,
		"ID  TARGET    AT     MAKES         KEEP            NEXT RUN          LAST RUN  LAST RESULT\n"
		" 3  tag prod  daily  snapshot+RAM  last=3 daily=7  2026-01-02 00:00  -         -\n");
	TL_CROFT_SCRIPTED(&r, add, "schedule", "add", "--tag", "prod", "--at", "daily", "--ram",
			  "--keep-last", "3", "--keep-daily", "7");
	assert_int_equal(r.status, 0);
	tl_assert_contains(r.out, "target:      tag prod\n");
	tl_assert_contains(r.out, "next run:    2026-01-02 00:00\n");
	TL_CROFT_SCRIPTED(&r, sim, "schedule", "simulate", "--at", "daily", "--keep-last", "1");
	assert_int_equal(r.status, 0);
	tl_assert_contains(r.out, "2026-01-02  Fri  00:00  keep    keep-last");
	tl_assert_contains(r.out, "2026-01-01  Thu  00:00  remove");
	tl_assert_contains(r.out, "2 runs, 1 kept, 1 removed\n");
}

/* --json of schedule list and backup list prints the array itself, as vm,
 * vol, pool, net and job list do (not the op's {"schedules": [...]}). */
static void test_list_json(void **state)
{
	static struct tl_run r;
	static const struct tl_step sched[] = {
		{ "schedule.list", NULL, "{\"schedules\":[" SC "]}", NULL, 0, "{}" }, { NULL } };
	static const struct tl_step backups[] = {
		{ "backup.list", NULL, "{\"backups\":[{\"id\":4,\"vm\":\"web\"}]}", NULL, 0,
		  "{\"vm\":\"web\"}" }, { NULL } };
	static const struct tl_step vols[] = {
		{ "vol.list", NULL, "{\"volumes\":[{\"name\":\"a\"}]}", NULL, 0, "{}" }, { NULL } };
	json_t *o;

	(void)state;
	TL_CROFT_SCRIPTED(&r, sched, "--json", "schedule", "list");
	assert_int_equal(r.status, 0);
	o = json_loads(r.out, 0, NULL);
	assert_true(json_is_array(o));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(o, 0), "id")), 3);
	json_decref(o);
	TL_CROFT_SCRIPTED(&r, backups, "backup", "list", "web", "--json");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "[{\"id\":4,\"vm\":\"web\"}]\n");
	TL_CROFT_SCRIPTED(&r, vols, "--json", "vol", "list");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "[{\"name\":\"a\"}]\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_output),
		cmocka_unit_test(test_list_json),
	};

	return cmocka_run_group_tests(tests, tl_setup_utc, NULL);
}
