/*
 * The jobs model (console_jobmodel.h).  Events carry only part of a job:
 * a job.progress event updates the bytes and the rate, and the time left
 * is worked out from them; a job.state event the state and the error.
 * The next job.list brings the rest.
 */
#include "tui/console_jobmodel.h"
#include "tui/jfields.h"
#include "common/json_get.h"
#include "common/validate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define J struct cjob

static const struct jfield job_fields[] = {
	JF_INT(J, id, "id", 0),
	JF_STR(J, kind, "kind"),
	JF_STR(J, target, "target"),
	JF_STR(J, state, "state"),
	JF_STR(J, user, "user"),
	JF_STR(J, error, "error"),
	JF_INT(J, done, "done", 0),
	JF_INT(J, total, "total", 0),
	JF_NUM(J, rate, "rate", -1),
	JF_INT(J, eta_s, "eta_s", -1),
	JF_INT(J, created_ms, "created_ms", 0),
	JF_INT(J, started_ms, "started_ms", 0),
	JF_INT(J, finished_ms, "finished_ms", 0),
};

/* What a job.state event says. */
static const struct jfield state_fields[] = {
	JF_STR(J, state, "state"),
	JF_STR(J, error, "error"),
};

/* The time left at the rate, when both are known. */
static void estimate(struct cjob *j)
{
	j->eta_s = j->rate > 0 && j->total > j->done
			   ? (long long)((double)(j->total - j->done) / j->rate + 0.5) : -1;
}

int cjob_parse(struct cjob *j, const json_t *o)
{
	memset(j, 0, sizeof(*j));
	if (!json_is_integer(jget(o, "id")))
		return -EINVAL;
	jfields_read(o, j, job_fields, JF_COUNT(job_fields));
	return 0;
}

void cjob_progress(struct cjob *j, const json_t *data)
{
	j->done = jget_int(data, "done", j->done);
	j->total = jget_int(data, "total", j->total);
	j->rate = jget_num(data, "rate", -1);
	if (!strcmp(j->state, "queued"))
		snprintf(j->state, sizeof(j->state), "running");
	estimate(j);
}

void cjob_state(struct cjob *j, const json_t *data)
{
	jfields_read(data, j, state_fields, JF_COUNT(state_fields));
	if (!cjob_active(j)) {
		j->rate = -1;
		j->eta_s = -1;
	}
}

int cjob_active(const struct cjob *j)
{
	return !strcmp(j->state, "queued") || !strcmp(j->state, "running");
}

void cjob_meter(const struct cjob *j, struct meter *m)
{
	memset(m, 0, sizeof(*m));
	m->fill = '#';
	if (!strcmp(j->state, "done") && !j->total) {
		m->known = 1;
		m->frac = 1;
		snprintf(m->text, sizeof(m->text), "100%%");
		return;
	}
	meter_set_progress(m, j->done > 0 ? (uint64_t)j->done : 0,
			   j->total > 0 ? (uint64_t)j->total : 0);
}

char *cjob_rate(const struct cjob *j, char *buf, size_t len)
{
	char size[24];

	if (!cjob_active(j) || j->rate < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s/s", size_format((uint64_t)j->rate, size, sizeof(size)));
	return buf;
}

char *cjob_eta(const struct cjob *j, char *buf, size_t len)
{
	long long s = j->eta_s;

	if (!cjob_active(j) || s < 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	return buf;
}

char *cjob_describe(const struct cjob *j, char *buf, size_t len)
{
	char done[24], total[24], rate[24], eta[24];
	size_t used;

	used = (size_t)snprintf(buf, len, "Job %lld (%s%s%s", j->id, j->kind, j->target[0] ? " " : "",
				j->target);
	if (j->user[0] && used < len)
		used += (size_t)snprintf(buf + used, len - used, ", by %s", j->user);
	if (used < len)
		used += (size_t)snprintf(buf + used, len - used, "): %s", j->state);
	if (used >= len)
		return buf;
	if (j->error[0])
		snprintf(buf + used, len - used, ": %s", j->error);
	else if (cjob_active(j) && j->total > 0)
		snprintf(buf + used, len - used, ", %s of %s at %s, %s left",
			 size_format((uint64_t)(j->done > 0 ? j->done : 0), done, sizeof(done)),
			 size_format((uint64_t)j->total, total, sizeof(total)),
			 cjob_rate(j, rate, sizeof(rate)), cjob_eta(j, eta, sizeof(eta)));
	return buf;
}

/* --- followed jobs ---------------------------------------------------------- */

int cjob_follow_add(struct cjob_follow *f, const json_t *result, const char *what)
{
	const json_t *jo = jget_obj(result, "job");
	struct cjob_followed j;

	memset(&j, 0, sizeof(j));
	if (!jo || cjob_parse(&j.job, jo) < 0)
		return -EINVAL;
	snprintf(j.what, sizeof(j.what), "%s", what);
	if (f->n == CJOB_FOLLOW_MAX)
		f->n--;
	memmove(&f->jobs[1], &f->jobs[0], f->n * sizeof(f->jobs[0]));
	f->jobs[0] = j;
	f->n++;
	return 0;
}

const struct cjob *cjob_follow_event(struct cjob_follow *f, const char *name,
				     const json_t *data)
{
	long long id = jget_int(data, "id", -1);
	size_t i;

	if (strncmp(name, "job.", 4))
		return NULL;
	for (i = 0; i < f->n; i++) {
		if (f->jobs[i].job.id != id)
			continue;
		if (!strcmp(name, "job.progress"))
			cjob_progress(&f->jobs[i].job, data);
		else if (!strcmp(name, "job.state"))
			cjob_state(&f->jobs[i].job, data);
		return &f->jobs[i].job;
	}
	return NULL;
}

/* --- the panel ------------------------------------------------------------ */

static void job_key(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", ((const struct cjob *)row)->id);
}

static int job_match(const void *row, const char *filter)
{
	const struct cjob *j = row;

	return strcasestr(j->kind, filter) || strcasestr(j->target, filter) ||
	       strcasestr(j->state, filter);
}

/* Active first, then newest first. */
static int job_cmp(const void *pa, const void *pb, int sort)
{
	const struct cjob *a = pa, *b = pb;

	(void)sort;
	if (cjob_active(a) != cjob_active(b))
		return cjob_active(b) - cjob_active(a);
	return (a->id < b->id) - (a->id > b->id);
}

const struct panel_ops cjob_panel_ops = {
	.size = sizeof(struct cjob),
	.key = job_key,
	.match = job_match,
	.cmp = job_cmp,
};

/* --- the columns ----------------------------------------------------------- */

static void cell_id(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", ((const struct cjob *)row)->id);
}

static void cell_progress(const void *row, char *buf, size_t len)
{
	char bar[CJOB_BAR_W + 1];
	struct meter m;

	cjob_meter(row, &m);
	snprintf(buf, len, "%s", meter_render(&m, CJOB_BAR_W, bar));
}

static void cell_rate(const void *row, char *buf, size_t len)
{
	cjob_rate(row, buf, len);
}

static void cell_eta(const void *row, char *buf, size_t len)
{
	cjob_eta(row, buf, len);
}

const struct ctable_col cjob_cols[] = {
	{ "ID", 4, 6, 1, cell_id, 0 },
	{ "KIND", 8, 12, 0, CTABLE_TEXT(struct cjob, kind) },
	{ "TARGET", 10, 24, 0, CTABLE_TEXT(struct cjob, target) },
	{ "STATE", 9, 9, 0, CTABLE_TEXT(struct cjob, state) },
	{ "PROGRESS", CJOB_BAR_W, CJOB_BAR_W, 0, cell_progress, 0 },
	{ "RATE", 9, 9, 1, cell_rate, 0 },
	{ "LEFT", 6, 6, 1, cell_eta, 0 },
};
const size_t cjob_ncols = sizeof(cjob_cols) / sizeof(cjob_cols[0]);
