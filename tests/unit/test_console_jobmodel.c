/*
 * Tests for the Jobs view's model (tui/console_jobmodel.c): a JOB parsed
 * into a row, job.progress and job.state events applied to it (the time
 * left worked out from the rate), the progress bar, rate, time left and
 * the line about a job, and the rows in a list panel: running and queued
 * first, then the rest, newest first, the selection following a job by id.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/console_jobmodel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *load(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

static void parse(struct cjob *j, const char *text)
{
	json_t *o = load(text);

	assert_int_equal(cjob_parse(j, o), 0);
	json_decref(o);
}

static const char *RUNNING =
	"{\"id\":12,\"kind\":\"disk\",\"target\":\"web\",\"state\":\"running\","
	" \"done\":536870912,\"total\":1073741824,\"error\":null,\"user\":\"root\",\"uid\":0,"
	" \"created_ms\":1000,\"started_ms\":2000,\"finished_ms\":null,"
	" \"rate\":104857600,\"eta_s\":5,\"result\":null}";

static void test_parse(void **state)
{
	json_t *o;
	struct cjob j;

	(void)state;
	parse(&j, RUNNING);
	assert_int_equal(j.id, 12);
	assert_string_equal(j.kind, "disk");
	assert_string_equal(j.target, "web");
	assert_string_equal(j.state, "running");
	assert_string_equal(j.user, "root");
	assert_string_equal(j.error, "");
	assert_int_equal(j.done, 536870912);
	assert_int_equal(j.total, 1073741824);
	assert_true(j.rate > 104857599 && j.rate < 104857601);
	assert_int_equal(j.eta_s, 5);
	assert_int_equal(j.started_ms, 2000);
	assert_int_equal(j.finished_ms, 0);
	assert_true(cjob_active(&j));
	/* null rate and time left: unknown */
	parse(&j, "{\"id\":3,\"state\":\"queued\",\"rate\":null,\"eta_s\":null}");
	assert_true(j.rate < 0);
	assert_true(j.eta_s < 0);
	assert_true(cjob_active(&j));
	o = load("{\"kind\":\"disk\"}");
	assert_int_equal(cjob_parse(&j, o), -EINVAL);
	json_decref(o);
}

static void test_events(void **state)
{
	json_t *d;
	struct cjob j;
	char buf[32];

	(void)state;
	parse(&j, "{\"id\":12,\"kind\":\"disk\",\"target\":\"web\",\"state\":\"queued\"}");
	d = load("{\"id\":12,\"done\":268435456,\"total\":1073741824,\"rate\":67108864}");
	cjob_progress(&j, d);
	json_decref(d);
	assert_string_equal(j.state, "running");     /* progress: it runs */
	assert_int_equal(j.done, 268435456);
	assert_int_equal(j.eta_s, 12);               /* 768M at 64M/s */
	assert_string_equal(cjob_eta(&j, buf, sizeof(buf)), "12s");
	assert_string_equal(cjob_rate(&j, buf, sizeof(buf)), "64M/s");
	/* no rate: no time left */
	d = load("{\"id\":12,\"done\":300000000,\"rate\":null}");
	cjob_progress(&j, d);
	json_decref(d);
	assert_int_equal(j.total, 1073741824);
	assert_true(j.eta_s < 0);
	assert_string_equal(cjob_rate(&j, buf, sizeof(buf)), "-");
	d = load("{\"id\":12,\"state\":\"failed\",\"previous\":\"running\","
		 "\"error\":\"qemu-img: No space left on device\"}");
	cjob_state(&j, d);
	json_decref(d);
	assert_false(cjob_active(&j));
	assert_string_equal(j.error, "qemu-img: No space left on device");
	assert_string_equal(cjob_eta(&j, buf, sizeof(buf)), "-");
}

static void test_formats(void **state)
{
	struct cjob j;
	struct meter m;
	char buf[300];

	(void)state;
	parse(&j, RUNNING);
	cjob_meter(&j, &m);
	assert_string_equal(m.text, "50%");
	assert_string_equal(meter_render(&m, CJOB_BAR_W, buf), "[#######    50%]");
	assert_string_equal(cjob_rate(&j, buf, sizeof(buf)), "100M/s");
	assert_string_equal(cjob_eta(&j, buf, sizeof(buf)), "5s");
	j.eta_s = 185;
	assert_string_equal(cjob_eta(&j, buf, sizeof(buf)), "3m05s");
	j.eta_s = 4800;
	assert_string_equal(cjob_eta(&j, buf, sizeof(buf)), "1h20m");
	j.eta_s = 5;
	assert_string_equal(cjob_describe(&j, buf, sizeof(buf)),
			    "Job 12 (disk web, by root): running, 512M of 1G at 100M/s, 5s left");
	parse(&j, "{\"id\":7,\"kind\":\"import\",\"state\":\"failed\",\"error\":\"bad image\"}");
	assert_string_equal(cjob_describe(&j, buf, sizeof(buf)), "Job 7 (import): failed: bad image");
	cjob_meter(&j, &m);
	assert_string_equal(m.text, "-");
	/* done without a size: a full bar */
	parse(&j, "{\"id\":8,\"kind\":\"disk\",\"state\":\"done\"}");
	cjob_meter(&j, &m);
	assert_string_equal(m.text, "100%");
	assert_true(m.frac == 1);
	assert_string_equal(cjob_rate(&j, buf, sizeof(buf)), "-");
	/* a short buffer is cut, never overrun */
	parse(&j, RUNNING);
	assert_int_equal(strlen(cjob_describe(&j, buf, 10)), 9);
}

static void test_panel(void **state)
{
	json_t *list = load(
		"[{\"id\":1,\"kind\":\"disk\",\"state\":\"done\"},"
		" {\"id\":4,\"kind\":\"disk\",\"state\":\"running\",\"done\":1,\"total\":4},"
		" {\"id\":3,\"kind\":\"import\",\"state\":\"failed\",\"error\":\"x\"},"
		" {\"id\":5,\"kind\":\"disk\",\"state\":\"queued\"},"
		" {\"kind\":\"no id\"}]"), *o;
	struct cjob *rows = calloc(8, sizeof(*rows)), *j;
	const struct cjob *row;
	struct panel p;
	char buf[64];
	size_t n = 0, i;

	(void)state;
	json_array_foreach(list, i, o)
		if (cjob_parse(&rows[n], o) == 0)
			n++;
	json_decref(list);
	assert_int_equal(n, 4);
	panel_init(&p, &cjob_panel_ops);
	panel_set_rows(&p, rows, n);
	assert_int_equal(((const struct cjob *)panel_row(&p, 0))->id, 5);
	assert_int_equal(((const struct cjob *)panel_row(&p, 1))->id, 4);
	assert_int_equal(((const struct cjob *)panel_row(&p, 2))->id, 3);
	assert_int_equal(((const struct cjob *)panel_row(&p, 3))->id, 1);
	/* the selection follows job 4 when it finishes and moves down */
	panel_select(&p, "4");
	j = panel_find_mut(&p, "4");
	snprintf(j->state, sizeof(j->state), "done");
	panel_changed(&p);
	assert_int_equal(((const struct cjob *)panel_selected(&p))->id, 4);
	assert_int_equal(p.sel, 1);
	row = panel_row(&p, 0);
	ctable_cell(&cjob_cols[0], row, buf, sizeof(buf));
	assert_string_equal(buf, "5");
	ctable_cell(&cjob_cols[2], row, buf, sizeof(buf));
	assert_string_equal(buf, "-");                /* no target */
	ctable_cell(&cjob_cols[4], row, buf, sizeof(buf));
	assert_int_equal(strlen(buf), CJOB_BAR_W);
	assert_string_equal(cjob_cols[6].title, "LEFT");
	panel_set_filter(&p, "import");
	assert_int_equal(panel_count(&p), 1);
	panel_free(&p);
}

/* The jobs a screen started: newest first, the oldest dropped when
 * full, moved by their events only. */
static void test_follow(void **state)
{
	struct cjob_follow f;
	const struct cjob *j;
	json_t *res, *ev;
	char what[16];
	int i;

	(void)state;
	memset(&f, 0, sizeof(f));
	res = load("{\"vm\":\"web\",\"name\":\"pre\"}");
	assert_int_equal(cjob_follow_add(&f, res, "no job"), -EINVAL);
	json_decref(res);
	for (i = 1; i <= CJOB_FOLLOW_MAX + 1; i++) {
		res = json_pack("{s:{s:i,s:s,s:s,s:s}}", "job", "id", i, "kind", "snap.create",
				"target", "web", "state", "queued");
		snprintf(what, sizeof(what), "job %d", i);
		assert_int_equal(cjob_follow_add(&f, res, what), 0);
		json_decref(res);
	}
	assert_int_equal(f.n, CJOB_FOLLOW_MAX);
	assert_string_equal(f.jobs[0].what, "job 5");
	assert_int_equal(f.jobs[CJOB_FOLLOW_MAX - 1].job.id, 2);
	ev = load("{\"id\":4,\"done\":50,\"total\":200}");
	j = cjob_follow_event(&f, "job.progress", ev);
	json_decref(ev);
	assert_non_null(j);
	assert_int_equal(j->id, 4);
	assert_int_equal(j->done, 50);
	ev = load("{\"id\":4,\"state\":\"failed\",\"error\":\"no space\"}");
	j = cjob_follow_event(&f, "job.state", ev);
	assert_false(cjob_active(j));
	assert_string_equal(j->error, "no space");
	assert_null(cjob_follow_event(&f, "vm.state", ev));
	json_decref(ev);
	ev = load("{\"id\":1,\"state\":\"done\"}");
	assert_null(cjob_follow_event(&f, "job.state", ev));
	json_decref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_panel),
		cmocka_unit_test(test_follow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
