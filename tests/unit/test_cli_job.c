/*
 * Tests of the CLI's jobs: the job parsers, the job model and its
 * formatting (the progress line, the table, the info block), croft job
 * list|info|cancel, and following a job to its end (cli_wait.c) through
 * croft vm create against testlib's fake croftd API: progress, done, failed,
 * cancelled, croftd going away, Ctrl-C, --no-wait, the race between the
 * reply and the subscription, and the progress bar's redraws with a fake
 * clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib_cli.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GIB "1073741824"
#define JOB(state, done, extra) \
	"{\"id\":12,\"kind\":\"vm.create\",\"target\":\"web\",\"state\":\"" state "\"," \
	"\"done\":" #done ",\"total\":" GIB ",\"error\":null,\"user\":\"alice\",\"uid\":1000," \
	"\"created_ms\":1767225600000,\"started_ms\":1767225601000,\"finished_ms\":null," \
	"\"result\":null" extra "}"
#define JOB_RUNNING JOB("running", 0, ",\"rate\":null,\"eta_s\":null")
#define PROGRESS(id, done) \
	"{\"event\":\"job.progress\",\"seq\":50,\"time_ms\":1767225602000,\"target\":\"web\"," \
	"\"data\":{\"id\":" #id ",\"kind\":\"vm.create\",\"target\":\"web\",\"done\":" #done "," \
	"\"total\":" GIB ",\"rate\":104857600}}\n"
#define STATE(id, state, prev, error) \
	"{\"event\":\"job.state\",\"seq\":51,\"time_ms\":1767225603000,\"target\":\"web\"," \
	"\"data\":{\"id\":" #id ",\"kind\":\"vm.create\",\"target\":\"web\",\"state\":\"" state "\"," \
	"\"previous\":\"" prev "\",\"error\":" error "}}\n"
#define CREATED "{\"name\":\"web\",\"job\":" JOB_RUNNING "}"
#define VM "{\"name\":\"web\",\"state\":\"stopped\",\"vcpus\":1}"

/* --- parsers ------------------------------------------------------------- */

static const struct tl_parse_case job_list_cases[] = {
	{ { NULL }, .args = "{}" },
	{ { "--all" }, .args = "{\"all\":true}" },
	{ { "3" }, .err = "unexpected argument '3' for 'job list'" },
};

static const struct tl_parse_case job_info_cases[] = {
	{ { "12" }, .args = "{\"id\":12}" },
	{ { "0" }, .err = "a job id is a positive number, not '0'" },
	{ { "x" }, .err = "a job id is a positive number, not 'x'" },
	{ { "+3" }, .err = "a job id is a positive number, not '+3'" },
	{ { "99999999999999999999" },
	  .err = "a job id is a positive number, not '99999999999999999999'" },
	{ { "12", "13" }, .err = "unexpected argument '13' for 'job info'" },
	{ { NULL }, .err = "job info needs a job id (see croft job list)" },
};

static const struct tl_parse_case job_cancel_cases[] = {
	{ { "--json", "7" }, .args = "{\"id\":7}" },
	{ { "--all" }, .err = "unknown option '--all' for 'job cancel'" },
};

static void test_parse(void **state)
{
	(void)state;
	TL_PARSE_CASES(cli_parse_job_list, "job list", job_list_cases);
	TL_PARSE_CASES(cli_parse_job_id, "job info", job_info_cases);
	TL_PARSE_CASES(cli_parse_job_id, "job cancel", job_cancel_cases);
}

/* --- the model and its formatting ---------------------------------------------- */

static struct cli_job job_of(const char *json)
{
	json_t *o = json_loads(json, JSON_DECODE_ANY, NULL);
	struct cli_job j;

	assert_non_null(o);
	cli_job_read(&j, o);
	json_decref(o);
	return j;
}

static int apply(struct cli_job *j, const char *event)
{
	json_t *ev = json_loads(event, 0, NULL);
	int r;

	assert_non_null(ev);
	r = cli_job_apply(j, ev);
	json_decref(ev);
	return r;
}

static void test_model(void **state)
{
	struct cli_job j = job_of(JOB_RUNNING);

	(void)state;
	assert_int_equal(j.id, 12);
	assert_string_equal(j.kind, "vm.create");
	assert_string_equal(j.state, "running");
	assert_true(j.rate < 0);
	assert_int_equal(j.eta_s, -1);
	assert_false(cli_job_ended(&j));

	/* other jobs and other events leave it alone */
	assert_int_equal(apply(&j, PROGRESS(13, 5)), 0);
	assert_int_equal(apply(&j, STATE(13, "failed", "running", "\"no\"")), 0);
	assert_int_equal(apply(&j, "{\"event\":\"vm.state\",\"data\":{\"id\":12}}"), 0);
	assert_int_equal(j.done, 0);
	assert_string_equal(j.state, "running");

	assert_int_equal(apply(&j, PROGRESS(12, 536870912)), 1);
	assert_int_equal(j.done, 536870912);
	assert_true(j.rate == 104857600.0);
	/* an older tick does not move it back */
	assert_int_equal(apply(&j, PROGRESS(12, 1024)), 1);
	assert_int_equal(j.done, 536870912);

	assert_int_equal(apply(&j, STATE(12, "failed", "running",
					 "\"qemu-img: No space left on device\"")), 1);
	assert_string_equal(j.state, "failed");
	assert_string_equal(j.error, "qemu-img: No space left on device");
	assert_true(cli_job_ended(&j));

	/* a bare id, as an older reply might carry */
	j = job_of("12");
	assert_int_equal(j.id, 12);
	assert_string_equal(j.state, "queued");
}

static void test_progress_line(void **state)
{
	static const struct {
		const char *job;
		int width;
		const char *line;
	} cases[] = {
		{ JOB("running", 536870912, ",\"rate\":104857600,\"eta_s\":null"), 80,
		  "vm.create web [###############...............]  50%  512M/1G  100M/s  0:06 left" },
		{ JOB("running", 536870912, ",\"rate\":104857600,\"eta_s\":null"), 60,
		  "vm.create web [#####.....]  50%  512M/1G  100M/s  0:06 left" },
		/* too narrow for a bar, and for the last figures */
		{ JOB("running", 536870912, ",\"rate\":104857600,\"eta_s\":null"), 40,
		  "vm.create web  running  50%  512M/1G" },
		/* croftd's estimate until there is a rate */
		{ JOB("running", 268435456, ",\"rate\":null,\"eta_s\":3725"), 70,
		  "vm.create web [######...................]  25%  256M/1G  1:02:05 left" },
		{ JOB("queued", 0, ""), 80, "vm.create web  queued" },
		{ JOB("running", 0, ",\"rate\":null,\"eta_s\":null"), 12, "vm.create w" },
		{ "{\"id\":3,\"kind\":\"backup\",\"state\":\"running\",\"done\":1572864,"
		  "\"total\":0,\"rate\":1048576}", 80, "backup  running  1.5M  1M/s" },
		{ JOB("running", 1073741824, ",\"rate\":1,\"eta_s\":0"), 80,
		  "vm.create web [##################################] 100%  1G/1G  1B/s  0:00 left" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli_job j = job_of(cases[i].job);
		char line[512];

		cli_format_progress(&j, cases[i].width, line, sizeof(line));
		if (strcmp(line, cases[i].line))
			fail_msg("case %zu:\n got  '%s'\n want '%s'", i, line, cases[i].line);
		assert_true(strlen(line) < (size_t)cases[i].width);
	}
}

static void test_format_list_info(void **state)
{
	char *out;

	(void)state;
	out = tl_print_json_text(cli_format_job_list, "[" JOB("running", 536870912, ",\"rate\":104857600,"
		     "\"eta_s\":5") ",{\"id\":7,\"kind\":\"import\",\"target\":null,"
		     "\"state\":\"failed\",\"done\":0,\"total\":0,\"error\":\"bad image\","
		     "\"user\":null,\"created_ms\":1767139200000,\"rate\":null,\"eta_s\":null}]");
	assert_string_equal(out,
		"ID  KIND       TARGET  STATE       PROGRESS    RATE  LEFT  USER   CREATED\n"
		"12  vm.create  web     running  50% 512M/1G  100M/s  0:06  alice  2026-01-01 00:00:00\n"
		" 7  import     -       failed             -       -     -  -      2025-12-31 00:00:00\n");
	free(out);
	tl_expect_printed(cli_format_job_list, "[]",
			  "No jobs. 'croft job list --all' also shows finished ones.\n");

	tl_expect_printed(cli_format_job_info,
			  "{\"id\":12,\"kind\":\"vm.create\",\"target\":\"web\","
			  "\"state\":\"failed\",\"done\":1024,\"total\":2048,\"error\":\"no space\","
			  "\"user\":\"alice\",\"uid\":1000,\"created_ms\":1767225600000,"
			  "\"started_ms\":1767225601000,\"finished_ms\":1767225662000,\"rate\":null,"
			  "\"eta_s\":null,\"result\":{\"disks\":1}}",
			  "id:          12\n"
			  "kind:        vm.create\n"
			  "target:      web\n"
			  "state:       failed\n"
			  "error:       no space\n"
			  "progress:    50% 1K/2K\n"
			  "rate:        -\n"
			  "left:        -\n"
			  "user:        alice (uid 1000)\n"
			  "created:     2026-01-01 00:00:00 UTC\n"
			  "started:     2026-01-01 00:00:01 UTC\n"
			  "finished:    2026-01-01 00:01:02 UTC\n"
			  "result:      {\"disks\":1}\n");
}

/* --- croft job list|info|cancel ---------------------------------------------------- */

static void test_job_commands(void **state)
{
	static struct tl_run r;
	const struct tl_step list[] = {
		{ "job.list", NULL, "{\"jobs\":[" JOB_RUNNING "]}", NULL, 0, "{\"all\":true}" },
		{ NULL } };
	const struct tl_step list_human[] = {
		{ "job.list", NULL, "{\"jobs\":[]}", NULL, 0, "{}" }, { NULL } };
	const struct tl_step info[] = {
		{ "job.info", NULL, JOB_RUNNING, NULL, 0, "{\"id\":12}" }, { NULL } };
	const struct tl_step missing[] = {
		{ "job.info", NULL, "!not_found:no job 99", NULL, 0, "{\"id\":99}" }, { NULL } };
	const struct tl_step cancel[] = {
		{ "job.cancel", NULL, JOB("cancelled", 0, ""), NULL, 0, "{\"id\":12}" }, { NULL } };
	const struct tl_step cancelling[] = {
		{ "job.cancel", NULL, JOB_RUNNING, NULL, 0, "{\"id\":12}" }, { NULL } };
	const struct tl_step finished[] = {
		{ "job.cancel", NULL, "!invalid_state:job 12 is done", NULL, 0, NULL }, { NULL } };
	json_t *got, *want;

	(void)state;
	TL_CROFT_SCRIPTED(&r, list, "job", "list", "--all", "--json");
	assert_int_equal(r.status, 0);
	got = json_loads(r.out, 0, NULL);
	want = json_loads("[" JOB_RUNNING "]", 0, NULL);
	assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);

	TL_CROFT_SCRIPTED(&r, list_human, "job", "list");
	assert_string_equal(r.out, "No jobs. 'croft job list --all' also shows finished ones.\n");

	TL_CROFT_SCRIPTED(&r, info, "job", "info", "12");
	assert_int_equal(r.status, 0);
	tl_assert_contains(r.out, "state:       running\n");
	tl_assert_contains(r.out, "progress:    0% 0B/1G\n");

	TL_CROFT_SCRIPTED(&r, missing, "job", "info", "99", "--json");
	assert_int_equal(r.status, CLI_EXIT_ERROR);
	assert_string_equal(r.err, "croft: no job 99\n");
	assert_string_equal(r.out, "{\"error\":{\"code\":\"not_found\",\"message\":\"no job 99\"}}\n");

	TL_CROFT_SCRIPTED(&r, cancel, "job", "cancel", "12");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "job 12: cancelled\n");
	TL_CROFT_SCRIPTED(&r, cancelling, "job", "cancel", "12");
	assert_string_equal(r.out, "job 12: cancelling (running)\n");
	TL_CROFT_SCRIPTED(&r, finished, "job", "cancel", "12");
	assert_int_equal(r.status, CLI_EXIT_ERROR);
	assert_string_equal(r.err, "croft: job 12 is done\n");
}

/* --- following a job: croft vm create ---------------------------------------------- */

#define CREATE_ARGS "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":128,\"disks\":[{\"size_bytes\":" GIB "}]}"
#define STEP_CREATE { "vm.create", NULL, CREATED, NULL, 0, CREATE_ARGS }
#define STEP_SUBSCRIBE { "events.subscribe", NULL, "{\"last_seq\":40}", NULL, 0, "{}" }

static void test_create_waits(void **state)
{
	static struct tl_run r;
	const struct tl_step done[] = {
		STEP_CREATE, STEP_SUBSCRIBE,
		{ "job.info", NULL, JOB_RUNNING,
		  /* another job's end is not this one's */
		  STATE(13, "failed", "running", "\"other\"")
		  PROGRESS(12, 268435456) PROGRESS(12, 805306368) STATE(12, "done", "running", "null"),
		  0, "{\"id\":12}" },
		{ NULL } };
	const struct tl_step json[] = {
		STEP_CREATE, STEP_SUBSCRIBE,
		{ "job.info", NULL, JOB_RUNNING, STATE(12, "done", "running", "null"), 0, NULL },
		{ "vm.info", NULL, VM, NULL, 0, "{\"name\":\"web\"}" },
		{ NULL } };

	(void)state;
	TL_CROFT_SCRIPTED(&r, done, "vm", "create", "web", "--memory", "128M", "--disk", "1G");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "web: created\n");
	assert_string_equal(r.err, "");          /* not a terminal: no bar */

	TL_CROFT_SCRIPTED(&r, json, "vm", "create", "web", "--memory", "128M", "--disk", "1G", "--json", "--wait");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, VM "\n");
}

static const struct tl_step failed[] = {
	STEP_CREATE, STEP_SUBSCRIBE,
	{ "job.info", NULL, JOB_RUNNING, PROGRESS(12, 1024)
	  STATE(12, "failed", "running", "\"qemu-img: No space left on device\""), 0, NULL },
	{ NULL } };
static const struct tl_step cancelled[] = {
	STEP_CREATE, STEP_SUBSCRIBE,
	{ "job.info", NULL, JOB_RUNNING, STATE(12, "cancelled", "running", "null"), 0, NULL },
	{ NULL } };
static const struct tl_step gone[] = {
	STEP_CREATE, STEP_SUBSCRIBE,
	{ "job.info", NULL, JOB_RUNNING, PROGRESS(12, 1024), TL_STEP_HANGUP, NULL },
	{ NULL } };
static const struct tl_step no_job[] = {
	STEP_CREATE, STEP_SUBSCRIBE,
	{ "job.info", NULL, "!not_found:no job 12", NULL, 0, NULL },
	{ NULL } };

static void test_create_fails(void **state)
{
	static const struct {
		const struct tl_step *steps;
		int json, status;
		const char *out, *err;
	} cases[] = {
		{ failed, 0, CLI_EXIT_ERROR, "", "croft: qemu-img: No space left on device\n" },
		{ failed, 1, CLI_EXIT_ERROR, "{\"error\":{\"code\":\"job_failed\","
		  "\"message\":\"qemu-img: No space left on device\"}}\n",
		  "croft: qemu-img: No space left on device\n" },
		{ cancelled, 0, CLI_EXIT_ERROR, "", "croft: job 12 (vm.create web) was cancelled\n" },
		{ gone, 0, CLI_EXIT_CONNECT, "", "croft: croftd closed the connection while waiting "
		  "for job 12 (see: croft job info 12)\n" },
		{ no_job, 0, CLI_EXIT_ERROR, "", "croft: no job 12\n" },
	};
	static struct tl_run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].json)
			TL_CROFT_SCRIPTED(&r, cases[i].steps, "vm", "create", "web", "--memory", "128M", "--disk",
			      "1G", "--json");
		else
			TL_CROFT_SCRIPTED(&r, cases[i].steps, "vm", "create", "web", "--memory", "128M", "--disk",
			      "1G");
		assert_int_equal(r.status, cases[i].status);
		assert_string_equal(r.out, cases[i].out);
		assert_string_equal(r.err, cases[i].err);
	}
}

static void test_create_race_and_no_wait(void **state)
{
	static struct tl_run r;
	/* the job ended between the reply and the subscription: no event comes */
	const struct tl_step ended[] = {
		STEP_CREATE, STEP_SUBSCRIBE,
		{ "job.info", NULL, JOB("done", 1073741824, ""), NULL, 0, NULL },
		{ NULL } };
	/* it ends while job.info is answered: the event comes first, queued */
	const struct tl_step queued[] = {
		STEP_CREATE, STEP_SUBSCRIBE,
		{ "job.info", STATE(12, "done", "running", "null"), JOB_RUNNING, NULL, 0, NULL },
		{ NULL } };
	const struct tl_step no_wait[] = { STEP_CREATE, { NULL } };
	/* a croftd whose vm.create makes its disks at once answers the VM */
	const struct tl_step today[] = { { "vm.create", NULL, VM, NULL, 0, NULL }, { NULL } };

	(void)state;
	TL_CROFT_SCRIPTED(&r, ended, "vm", "create", "web", "--memory", "128M", "--disk", "1G");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "web: created\n");
	TL_CROFT_SCRIPTED(&r, queued, "vm", "create", "web", "--memory", "128M", "--disk", "1G");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "web: created\n");

	TL_CROFT_SCRIPTED(&r, no_wait, "vm", "create", "web", "--memory", "128M", "--disk", "1G", "--no-wait");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "12\n");
	TL_CROFT_SCRIPTED(&r, no_wait, "vm", "create", "web", "--wait", "--memory", "128M", "--disk", "1G",
	      "--no-wait", "--json");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, CREATED "\n");

	TL_CROFT_SCRIPTED(&r, today, "vm", "create", "web", "--memory", "128M");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "web: created\n");
	TL_CROFT_SCRIPTED(&r, today, "vm", "create", "web", "--memory", "128M", "--json");
	assert_string_equal(r.out, VM "\n");
}

static void test_create_interrupted(void **state)
{
	static struct tl_run r;
	const struct tl_step steps[] = {
		STEP_CREATE, STEP_SUBSCRIBE,
		{ "job.info", NULL, JOB_RUNNING, PROGRESS(12, 1024), TL_STEP_SIGINT, NULL },
		{ NULL } };
	struct sigaction before, after;

	(void)state;
	sigaction(SIGINT, NULL, &before);
	TL_CROFT_SCRIPTED(&r, steps, "vm", "create", "web", "--memory", "128M", "--disk", "1G");
	assert_int_equal(r.status, CLI_EXIT_INTERRUPTED);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "croft: stopped waiting; job 12 keeps running "
			    "(cancel it with: croft job cancel 12)\n");
	/* the handler was only for the wait */
	sigaction(SIGINT, NULL, &after);
	assert_ptr_equal(before.sa_handler, after.sa_handler);
}

/* --- the bar --------------------------------------------------------------------- */

static int64_t frozen_ms(void)
{
	return 1000;
}

static int64_t clock_now;

static int64_t racing_ms(void)
{
	return clock_now += 250;
}

static const struct tl_step bar_steps[] = {
	{ "events.subscribe", NULL, "{\"last_seq\":1}", NULL, 0, NULL },
	{ "job.info", NULL, JOB_RUNNING,
	  PROGRESS(12, 268435456) PROGRESS(12, 536870912) PROGRESS(12, 805306368)
	  STATE(12, "done", "running", "null"), 0, NULL },
	{ NULL } };

/* Wait for job 12 with a bar on a memstream; the number of draws. */
static int wait_with_bar(int64_t (*clock)(void), char **text)
{
	struct tl_api f;
	struct api_client *c = NULL;
	struct cli_ctx ctx;
	struct cli_job j;
	size_t len = 0;
	int draws = 0;
	const char *p;

	memset(&ctx, 0, sizeof(ctx));
	ctx.out = stdout;
	ctx.err = open_memstream(text, &len);
	ctx.tty = 1;
	ctx.clock_ms = clock;
	c = tl_api_client_or_fail(&f, tl_srv_script, bar_steps);
	assert_int_equal(cli_job_wait(&ctx, c, 12, &j), CLI_EXIT_OK);
	assert_string_equal(j.state, "done");
	assert_int_equal(j.done, 805306368);
	api_client_close(c);
	tl_api_wait_or_fail(&f);
	fclose(ctx.err);
	for (p = *text; (p = strstr(p, "\r")); p++)
		draws += p[1] != '\033';
	/* every draw erases the rest of its line; the last thing is an erase */
	assert_true(len >= 4);
	assert_string_equal(*text + len - 4, "\r\033[K");
	return draws;
}

static void test_bar(void **state)
{
	char *text = NULL;

	(void)state;
	/* a clock that stands still: the first draw and the change of state only */
	assert_int_equal(wait_with_bar(frozen_ms, &text), 2);
	tl_assert_contains(text, "\rvm.create web [");
	tl_assert_contains(text, "   0%  0B/1G\033[K");
	tl_assert_contains(text, "\rvm.create web  done\033[K");
	assert_null(strstr(text, "25%"));
	free(text);

	/* a clock that runs: each tick shows the news */
	clock_now = 0;
	assert_true(wait_with_bar(racing_ms, &text) >= 5);
	tl_assert_contains(text, "  25%  256M/1G  100M/s  0:08 left\033[K");
	tl_assert_contains(text, "  50%  512M/1G  100M/s  0:06 left\033[K");
	tl_assert_contains(text, "  75%  768M/1G  100M/s  0:03 left\033[K");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_progress_line),
		cmocka_unit_test(test_format_list_info),
		cmocka_unit_test(test_job_commands),
		cmocka_unit_test(test_create_waits),
		cmocka_unit_test(test_create_fails),
		cmocka_unit_test(test_create_race_and_no_wait),
		cmocka_unit_test(test_create_interrupted),
		cmocka_unit_test(test_bar),
	};

	return cmocka_run_group_tests(tests, tl_setup_utc, NULL);
}
