/*
 * The Jobs screen: croftd's running and recent jobs (creating disks,
 * imports, backups), one row each with a progress bar, the rate and the
 * time left, and under the table one line about the selected job (how
 * far, who started it, why it failed).  x cancels the selected job, after
 * asking, with job.cancel.
 *
 * The rows are a list panel of the jobs model (console_jobmodel.h).  They
 * are read with job.list on connect, while the screen is shown, and after
 * a job event the model cannot place; job.progress and job.state events
 * move the bars in between.  A croftd without jobs answers job.list with
 * unknown_op: the screen says so plainly and asks again after the next
 * reconnect (croftd may have been upgraded meanwhile).
 */
#include "tui/console_screen.h"
#include "tui/console_jobmodel.h"
#include "common/json_get.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANCEL_TIMEOUT_MS 30000

struct jobs_screen {
	struct console_list list;     /* struct cjob */
	int stale;                    /* re-read job.list at the next refresh */
	int unsupported;              /* croftd answered unknown_op */
	char error[600];              /* why job.list failed, or "" */
};

static struct jobs_screen *S(void *st)
{
	return st;
}

static struct console_list *jobs_list(void *st)
{
	return &S(st)->list;
}

static struct panel *P(void *st)
{
	return &S(st)->list.panel;
}

static int is_current(const struct console *c)
{
	return console_screens[c->cur] == &console_screen_jobs;
}

static void reread(struct console *c, struct jobs_screen *s)
{
	struct api_error e = { "", "" };
	json_t *res = NULL, *o;
	struct cjob *rows;
	size_t n = 0, i;

	if (console_call(c, "job.list", NULL, &res, NULL, &e) < 0) {
		s->unsupported = !strcmp(e.code, PROTO_E_UNKNOWN_OP);
		if (c->api && !s->unsupported)
			snprintf(s->error, sizeof(s->error), "job.list: %s", e.message);
		s->stale = 0;
		return;
	}
	s->error[0] = '\0';
	s->stale = 0;
	rows = xcalloc(json_array_size(jget_arr(res, "jobs")) + 1, sizeof(*rows));
	json_array_foreach(jget_arr(res, "jobs"), i, o)
		if (cjob_parse(&rows[n], o) == 0)
			n++;
	panel_set_rows(P(s), rows, n);
	json_decref(res);
}

static void jobs_tick(struct console *c, void *st)
{
	struct jobs_screen *s = st;

	if (!c->api) {
		panel_clear(P(s));
		s->stale = 1;
		s->unsupported = 0;
		return;
	}
	if (!s->unsupported && (s->stale || !P(s)->loaded || is_current(c)))
		reread(c, s);
}

static void jobs_event(struct console *c, void *st, const json_t *ev)
{
	struct jobs_screen *s = st;
	const char *name = jget_str(ev, "event", "");
	const json_t *data = jget_obj(ev, "data");
	char key[32];
	struct cjob *j;

	(void)c;
	if (strncmp(name, "job.", 4))
		return;
	snprintf(key, sizeof(key), "%lld", jget_int(data, "id", -1));
	j = panel_find_mut(P(s), key);
	if (!j) {
		s->stale = 1;
		return;
	}
	if (!strcmp(name, "job.progress"))
		cjob_progress(j, data);
	else if (!strcmp(name, "job.state"))
		cjob_state(j, data);
	panel_changed(P(s));
}

static void jobs_done(struct console *c, void *st, const struct console_done *d)
{
	(void)c;
	if (!strncmp(d->op, "job.", 4) || jget_obj(d->result, "job"))
		S(st)->stale = 1;
}

static void k_cancel(struct console *c, void *st)
{
	const struct cjob *j = panel_selected(P(st));
	char title[64], l0[600], progress[64], done[64];
	const char *lines[2] = { l0, "It stops, and what it made so far is removed." };
	struct console_choice ch;

	if (!j) {
		console_status(c, CSTATUS_ERROR, "No job selected");
		return;
	}
	if (!cjob_active(j)) {
		console_status(c, CSTATUS_ERROR, "Job %lld is %s: there is nothing to cancel", j->id,
			       j->state);
		return;
	}
	snprintf(title, sizeof(title), "Cancel job %lld?", j->id);
	cjob_describe(j, l0, sizeof(l0));
	snprintf(progress, sizeof(progress), "Cancelling job %lld", j->id);
	snprintf(done, sizeof(done), "Cancelled job %lld", j->id);
	ch = (struct console_choice){ 'y', "cancel the job", "job.cancel",
				      json_pack("{s:I}", "id", (json_int_t)j->id), CANCEL_TIMEOUT_MS,
				      progress, done };
	console_confirm(c, title, lines, 2, &ch, 1);
}

static const struct console_key jobs_keys[] = {
	CONSOLE_NAV_KEYS("select the previous job", "select the next job", "first job", "last job"),
	{ { 'x', KEY_DC, KEY_F(8) }, "Cancel", "cancel the selected job (asks first)", k_cancel },
	{ { 0 }, NULL, NULL, NULL },
};

/* The job rows leave the last row of the body to the selected job. */
static void jobs_resize(struct console *c, void *st, int height, int width)
{
	(void)c;
	(void)width;
	panel_set_height(P(st), height > 3 ? (size_t)height - 2 : 1);
}

static void jobs_draw(struct console *c, void *st, WINDOW *w, int top, int height, int width)
{
	struct jobs_screen *s = st;
	const struct cjob *j = panel_selected(P(s));
	char line[700];

	if (s->unsupported) {
		console_put(w, top + 1, 2, width - 2, c->th.normal,
			    "This croftd has no jobs: it answered job.list with unknown_op.");
		console_put(w, top + 2, 2, width - 2, c->th.dim,
			    "Long work (disks, imports, backups) shows here once croftd runs jobs.");
		return;
	}
	console_list_draw(c, w, top, height, width, &s->list, cjob_cols, cjob_ncols, NULL);
	if (s->error[0])
		console_put(w, top + 2, 2, width - 2, c->th.error, s->error);
	else if (!P(s)->loaded)
		console_put(w, top + 2, 2, width - 2, c->th.dim, "Reading the jobs...");
	else if (!P(s)->n)
		console_put(w, top + 2, 2, width - 2, c->th.dim,
			    "No jobs. Long work (creating disks, imports) shows here with its progress.");
	if (j)
		console_put(w, top + height - 1, 0, width, j->error[0] ? c->th.error : c->th.normal,
			    cjob_describe(j, line, sizeof(line)));
}

static void *jobs_init(struct console *c)
{
	struct jobs_screen *s = xcalloc(1, sizeof(*s));

	console_list_init(&s->list, &cjob_panel_ops, "jobs", console_body_rows(c));
	s->stale = 1;
	return s;
}

static void jobs_fini(void *st)
{
	console_list_free(&S(st)->list);
	free(st);
}

const struct console_screen console_screen_jobs = {
	.name = "Jobs",
	.hotkey = '5',
	.keys = jobs_keys,
	.list = jobs_list,
	.init = jobs_init,
	.fini = jobs_fini,
	.draw = jobs_draw,
	.resize = jobs_resize,
	.event = jobs_event,
	.tick = jobs_tick,
	.done = jobs_done,
};

/* --- the jobs other screens follow ------------------------------------------ */

int console_follow_draw(const struct console *c, WINDOW *w, int y, int bottom, int width,
			const struct cjob_follow *f, size_t max)
{
	size_t i;

	for (i = 0; i < f->n && i < max && y < bottom; i++, y++) {
		const struct cjob *j = &f->jobs[i].job;
		char line[700], rate[24], eta[24];
		struct meter bar;
		int tw = width / 2 - 2;

		cjob_meter(j, &bar);
		bar.label = NULL;
		const char *st = cjob_active(j) ? j->state : j->error[0] ? j->error : j->state;
		int room = tw - (int)strlen(st) - 2;

		/* a long label gives way to the state ("...: done") */
		if ((int)strlen(f->jobs[i].what) > room && room > 6)
			snprintf(line, sizeof(line), "%.*s..: %s", room - 2, f->jobs[i].what, st);
		else
			snprintf(line, sizeof(line), "%s: %s", f->jobs[i].what, st);
		console_put(w, y, 1, tw, j->error[0] ? c->th.error : c->th.normal, line);
		console_meter_draw(c, w, y, tw + 2, 24, &bar);
		if (!cjob_active(j))
			continue;
		snprintf(line, sizeof(line), "%s, %s left", cjob_rate(j, rate, sizeof(rate)),
			 cjob_eta(j, eta, sizeof(eta)));
		console_put(w, y, tw + 27, width - tw - 28, c->th.dim, line);
	}
	return y;
}
