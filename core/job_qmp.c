/*
 * A QMP job as a job's step (job.h, job_step_qmp).  The step asks
 * query-jobs for its QMP job now, at every JOB_STATUS_CHANGE QEMU
 * announces for it, and every 500 ms in between, with one command in
 * flight at most.  Progress comes from current-progress/total-progress
 * (or from the kind's sum over every QMP job listed, job_step_qmp_all);
 * once the QMP job is "concluded" the step dismisses it and ends with its
 * error.  QEMU gone (the client getter finds none, the connection closes)
 * ends the step with that as the error.
 *
 * A reply cannot be withdrawn: a step stopped while a command is in
 * flight is left as an orphan that the reply (or the connection's end)
 * frees.
 */
#include "core/job_internal.h"
#include "core/daemon.h"
#include "core/qmp_poll.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define QMP_POLL_MS 500

struct qmp_step {
	struct job *j;                   /* NULL once orphaned */
	job_qmp_get_fn get;
	char *id;
	job_qmp_progress_fn progress;    /* NULL: the QMP job's own */
	job_qmp_step_fn done;
	struct qmp_poll poll;
	int cancel_sent;
	char *error;                     /* the concluded QMP job's */
};

static void step_free(struct qmp_step *st)
{
	qmp_poll_stop(&st->poll);
	free(st->id);
	free(st->error);
	free(st);
}

static void step_end(struct qmp_step *st, const char *error)
{
	struct job *j = st->j;
	job_qmp_step_fn done = st->done;
	char *msg = xstrdup_or_null(error);

	step_free(st);
	if (!job_step_end(j))
		done(j, msg);
	free(msg);
}

/* A reply arrived for a step that may have been orphaned meanwhile. */
static int reply_orphaned(struct qmp_step *st)
{
	qmp_poll_replied(&st->poll);
	if (st->j)
		return 0;
	step_free(st);
	return 1;
}

static void dismiss_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct qmp_step *st = data;

	(void)q;
	(void)m;
	if (!reply_orphaned(st))
		step_end(st, st->error);
}

static void jobs_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct qmp_step *st = data;
	json_t *entry = NULL, *e;
	const char *status;
	size_t i;

	if (reply_orphaned(st))
		return;
	if (!m) {
		step_end(st, "QEMU's QMP connection closed while the job ran");
		return;
	}
	if (m->type != QMP_MSG_RETURN) {
		step_end(st, m->err_desc ? m->err_desc : "query-jobs failed");
		return;
	}
	json_array_foreach(m->ret, i, e) {
		const char *id = json_string_value(json_object_get(e, "id"));

		if (id && !strcmp(id, st->id))
			entry = e;
	}
	if (!entry) {
		char msg[256];

		snprintf(msg, sizeof(msg), "QMP job %s disappeared", st->id);
		step_end(st, msg);
		return;
	}
	if (st->progress)
		st->progress(st->j, m->ret);
	else
		job_progress(st->j,
			     (uint64_t)json_integer_value(json_object_get(entry, "current-progress")),
			     (uint64_t)json_integer_value(json_object_get(entry, "total-progress")));
	status = json_string_value(json_object_get(entry, "status"));
	if (status && !strcmp(status, "concluded")) {
		st->error = xstrdup_or_null(json_string_value(json_object_get(entry, "error")));
		if (qmp_poll_send(&st->poll, q, "job-dismiss", json_pack("{s:s}", "id", st->id),
				  dismiss_reply, st) < 0)
			step_end(st, st->error);
		return;
	}
	qmp_poll_later(&st->poll);
}

static void poll_now(void *data)
{
	struct qmp_step *st = data;

	if (qmp_poll_now(&st->poll, st->get(st->j), "query-jobs", jobs_reply, st) < 0)
		step_end(st, "QEMU is not running any more");
}

static void send_cancel(struct qmp_step *st)
{
	struct qmp *q = st->get(st->j);

	if (!st->cancel_sent && q)
		qmp_command(q, "job-cancel", json_pack("{s:s}", "id", st->id), NULL, NULL);
	st->cancel_sent = 1;
}

static void step_cancel(struct job *j, void *step)
{
	struct qmp_step *st = step;

	(void)j;
	send_cancel(st);
	poll_now(st);
}

static void step_stop(struct job *j, void *step)
{
	struct qmp_step *st = step;

	(void)j;
	send_cancel(st);
	qmp_poll_stop(&st->poll);
	st->j = NULL;
	if (!st->poll.in_flight)
		step_free(st);
}

static const struct job_step_ops qmp_ops = {
	.cancel = step_cancel,
	.stop = step_stop,
};

int job_step_qmp(struct job *j, job_qmp_get_fn get, const char *qmp_id, job_qmp_step_fn done,
		 char *err, size_t errlen)
{
	return job_step_qmp_all(j, get, qmp_id, NULL, done, err, errlen);
}

int job_step_qmp_all(struct job *j, job_qmp_get_fn get, const char *qmp_id,
		     job_qmp_progress_fn progress, job_qmp_step_fn done, char *err, size_t errlen)
{
	struct qmp_step *st;

	if (!get(j)) {
		err_set(err, errlen, "QEMU is not running; QMP job %s cannot be followed", qmp_id);
		return -ENOTCONN;
	}
	st = xcalloc(1, sizeof(*st));
	st->j = j;
	st->get = get;
	st->id = xstrdup(qmp_id);
	st->progress = progress;
	st->done = done;
	qmp_poll_init(&st->poll, j->r->d->loop, QMP_POLL_MS, poll_now, st);
	job_step_begin(j, &qmp_ops, st);
	/* From the loop, so done never runs inside this call. */
	qmp_poll_after(&st->poll, 0);
	return 0;
}

void job_qmp_status_changed(struct job_runner *r, const char *qmp_id)
{
	struct job *j;

	for (j = r ? r->jobs : NULL; j && qmp_id; j = j->next) {
		struct qmp_step *st = job_step_of(j, &qmp_ops);

		if (st && !strcmp(st->id, qmp_id)) {
			poll_now(st);
			return;
		}
	}
}
