/*
 * What a running job does (job.h): one step at a time, a poll timer, and
 * its progress.  The child-process step is here; the QMP step in
 * job_qmp.c.  A step that ends while its job is being cancelled ends the
 * job instead of calling the kind back.
 *
 * Progress: every report updates the row; a sample (time, bytes) is kept
 * at most every 200 ms, and the rate is the bytes per second between the
 * oldest sample of the last 5 seconds and the newest.  A "job.progress"
 * event goes out when 250 ms have passed since the last one, or when the
 * job reaches its total.
 */
#include "core/job_internal.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job_exec.h"
#include "common/loop.h"
#include "common/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE_EVERY_MS 200
#define RATE_WINDOW_MS 5000
#define RATE_MIN_SPAN_MS 500

/* --- steps -------------------------------------------------------------------- */

void job_step_begin(struct job *j, const struct job_step_ops *ops, void *step)
{
	j->step_ops = ops;
	j->step = step;
}

int job_step_end(struct job *j)
{
	j->step = NULL;
	j->step_ops = NULL;
	if (!j->cancelling)
		return 0;
	job_end(j, JOB_CANCELLED, j->cancel_reason);
	return 1;
}

void *job_step_of(const struct job *j, const struct job_step_ops *ops)
{
	return j->step && j->step_ops == ops ? j->step : NULL;
}

/* --- a child process --------------------------------------------------------------- */

struct exec_step {
	struct job *j;
	struct job_exec *x;
	job_exec_step_fn done;
	struct loop_timer *kill_timer;
};

static void exec_step_free(struct exec_step *st)
{
	if (st->kill_timer)
		loop_timer_cancel(st->j->r->d->loop, st->kill_timer);
	free(st);
}

static void exec_step_exited(struct job_exec *x, const struct job_exec_result *res, void *data)
{
	struct exec_step *st = data;
	struct job *j = st->j;
	job_exec_step_fn done = st->done;

	(void)x;
	exec_step_free(st);
	if (job_step_end(j))
		return;
	done(j, res);
}

static void exec_kill_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct exec_step *st = data;

	(void)l;
	(void)t;
	st->kill_timer = NULL;
	job_exec_kill(st->x, SIGKILL);
}

static void exec_step_cancel(struct job *j, void *step)
{
	struct exec_step *st = step;

	job_exec_kill(st->x, SIGTERM);
	if (!st->kill_timer)
		st->kill_timer = loop_timer_add(j->r->d->loop, j->r->kill_grace_ms, exec_kill_cb, st);
}

static void exec_step_stop(struct job *j, void *step)
{
	struct exec_step *st = step;

	(void)j;
	job_exec_stop(st->x, 2000);
	exec_step_free(st);
}

static const struct job_step_ops exec_ops = {
	.cancel = exec_step_cancel,
	.stop = exec_step_stop,
};

int job_step_exec(struct job *j, const struct job_exec_spec *spec, job_exec_step_fn done,
		  char *err, size_t errlen)
{
	struct exec_step *st = xcalloc(1, sizeof(*st));
	struct job_exec_spec s = *spec;
	int rc;

	s.die_with_croftd = 1;
	st->j = j;
	st->done = done;
	rc = job_exec_start(j->r->d->loop, &s, exec_step_exited, st, &st->x, err, errlen);
	if (rc < 0) {
		free(st);
		return rc;
	}
	job_step_begin(j, &exec_ops, st);
	return 0;
}

int job_step_qemu_img(struct job *j, char *const *argv, job_exec_step_fn done, char *err,
		      size_t errlen)
{
	struct croftd *d = j->r->d;
	struct job_exec_creds creds = {
		.uid = d->qemu_uid, .gid = d->qemu_gid,
		.groups = d->qemu_groups, .ngroups = (size_t)d->qemu_ngroups,
	};
	struct job_exec_spec spec = {
		.argv = argv, .user = d->qemu_user, .creds = d->drop_privs ? &creds : NULL,
		.no_new_privs = 1, .who = "qemu-img",
		.out = JOB_EXEC_CAPTURE, .err = JOB_EXEC_CAPTURE,
	};

	return job_step_exec(j, &spec, done, err, errlen);
}

/* --- a callback from outside ------------------------------------------------------ */

struct job_wait {
	struct job *j;                   /* NULL once orphaned */
};

static void wait_cancel(struct job *j, void *step)
{
	(void)j;
	(void)step;                      /* the callback still comes */
}

static void wait_stop(struct job *j, void *step)
{
	struct job_wait *w = step;

	(void)j;
	w->j = NULL;
}

static const struct job_step_ops wait_ops = {
	.cancel = wait_cancel,
	.stop = wait_stop,
};

struct job_wait *job_step_wait(struct job *j)
{
	struct job_wait *w = xcalloc(1, sizeof(*w));

	w->j = j;
	job_step_begin(j, &wait_ops, w);
	return w;
}

struct job *job_wait_end(struct job_wait *w)
{
	struct job *j = w->j;

	free(w);
	if (!j || job_step_end(j))
		return NULL;
	return j;
}

struct job *job_wait_job(const struct job_wait *w)
{
	return w->j;
}

int job_step_kill(struct job *j, int sig)
{
	struct exec_step *st = job_step_of(j, &exec_ops);

	return st ? job_exec_kill(st->x, sig) : -ESRCH;
}

int job_step_take_fd(struct job *j, int stream)
{
	struct exec_step *st = job_step_of(j, &exec_ops);

	return st ? job_exec_take_fd(st->x, stream) : -ESRCH;
}

/* --- polling ----------------------------------------------------------------------- */

static void poll_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct job *j = data;

	(void)t;
	/* Armed again first: fn may end the job, which cancels this one. */
	j->poll = loop_timer_add(l, j->poll_ms, poll_cb, j);
	j->poll_fn(j);
}

void job_poll_start(struct job *j, uint64_t every_ms, job_poll_fn fn)
{
	job_poll_stop(j);
	j->poll_ms = every_ms;
	j->poll_fn = fn;
	j->poll = loop_timer_add(j->r->d->loop, every_ms, poll_cb, j);
}

void job_poll_stop(struct job *j)
{
	if (j->poll)
		loop_timer_cancel(j->r->d->loop, j->poll);
	j->poll = NULL;
}

/* --- progress ------------------------------------------------------------------------ */

static void sample(struct job *j, int64_t now)
{
	unsigned last = (j->sample_next + JOB_RATE_SAMPLES - 1) % JOB_RATE_SAMPLES;

	if (j->nsamples && now - j->sample_ms[last] < SAMPLE_EVERY_MS)
		return;
	j->sample_ms[j->sample_next] = now;
	j->sample_done[j->sample_next] = j->row.done_bytes;
	j->sample_next = (j->sample_next + 1) % JOB_RATE_SAMPLES;
	if (j->nsamples < JOB_RATE_SAMPLES)
		j->nsamples++;
}

int job_rate(const struct job *j, double *bytes_per_s, int64_t *eta_s)
{
	unsigned newest = (j->sample_next + JOB_RATE_SAMPLES - 1) % JOB_RATE_SAMPLES;
	unsigned i, k, oldest = newest;
	int64_t span;
	uint64_t left;

	*bytes_per_s = 0;
	*eta_s = -1;
	for (i = 1; i < j->nsamples; i++) {
		k = (newest + JOB_RATE_SAMPLES - i) % JOB_RATE_SAMPLES;
		if (j->sample_ms[newest] - j->sample_ms[k] > RATE_WINDOW_MS)
			break;
		oldest = k;
	}
	span = j->sample_ms[newest] - j->sample_ms[oldest];
	if (j->state != JOB_RUNNING || span < RATE_MIN_SPAN_MS ||
	    j->sample_done[newest] < j->sample_done[oldest])
		return -EAGAIN;
	*bytes_per_s = (double)(j->sample_done[newest] - j->sample_done[oldest]) * 1000.0 /
		       (double)span;
	if (j->row.total_bytes && j->row.done_bytes <= j->row.total_bytes) {
		left = j->row.total_bytes - j->row.done_bytes;
		if (!left)
			*eta_s = 0;
		else if (*bytes_per_s >= 1.0)
			*eta_s = (int64_t)((double)left / *bytes_per_s + 0.999);
	}
	return 0;
}

void job_progress(struct job *j, uint64_t done, uint64_t total)
{
	int64_t now = j->r->now_ms();
	int reached = total && done >= total && j->row.done_bytes < total;
	double rate;
	int64_t eta;

	j->row.done_bytes = done;
	j->row.total_bytes = total;
	sample(j, now);
	if (!reached && j->progress_event_ms &&
	    now - j->progress_event_ms < JOB_PROGRESS_EVERY_MS)
		return;
	j->progress_event_ms = now;
	job_publish(j, "job.progress", BUS_VOLATILE | BUS_QUIET,
		    json_pack("{s:I,s:s,s:s?,s:I,s:I,s:o}", "id", (json_int_t)j->row.id,
			      "kind", j->row.kind, "target", j->row.target,
			      "done", (json_int_t)done, "total", (json_int_t)total,
			      "rate", job_rate(j, &rate, &eta) == 0 ? json_integer((json_int_t)rate)
							       : json_null()),
		    "job %lld %s: %llu of %llu bytes", (long long)j->row.id, j->row.kind,
		    (unsigned long long)done, (unsigned long long)total);
}
