/*
 * What the runner's files (job.c, job_step.c, job_qmp.c) share about a job
 * and nobody else sees.  A job's row is its live record: the API reads it
 * through job_row(), and it is written to the store at every state change.
 */
#ifndef CROFT_JOB_INTERNAL_H
#define CROFT_JOB_INTERNAL_H

#include "core/job.h"
#include "store/store.h"

#define JOB_RATE_SAMPLES 32

struct loop_timer;

struct job_waiter {
	job_done_fn fn;
	void *data;
	struct job_waiter *next;
};

struct job {
	struct job_runner *r;
	const struct job_kind *kind;
	struct store_job row;
	enum job_state state;
	json_t *args;                    /* {} when none */
	json_t *cleanup;                 /* array of paths */
	void *priv;
	int holds_slot;                  /* counted in r->running */
	int holds_guest;                 /* job_hold_guest: counted in r->holding */
	int cancelling;
	char *cancel_reason;
	job_done_fn done;
	void *done_data;
	struct job_waiter *waiters;

	const struct job_step_ops *step_ops;
	void *step;
	struct loop_timer *poll;
	uint64_t poll_ms;
	job_poll_fn poll_fn;

	/* progress: (time, bytes) samples for the rate, and the last event */
	int64_t sample_ms[JOB_RATE_SAMPLES];
	uint64_t sample_done[JOB_RATE_SAMPLES];
	unsigned nsamples, sample_next;
	int64_t progress_event_ms;
	struct job *next;
};

struct job_runner {
	struct croftd *d;
	const struct job_kind *const *kinds;
	int64_t (*now_ms)(void);
	struct job *jobs;                /* not yet ended, oldest first */
	unsigned running, max_running;
	unsigned kill_grace_ms;
	struct loop_timer *kick;
	int stopping;
	unsigned holding;                /* jobs that hold a guest stopped or frozen */
	void (*quiesced)(void *data);    /* job_runner_quiesce: called once, then NULL */
	void *quiesced_data;
};

/* End j in state st (error NULL for done): remove its files unless done,
 * write the row, publish, call back, free, start what is queued (job.c).
 * No step may be running. */
void job_end(struct job *j, enum job_state st, const char *error);
/* Publish an event about j on its runner's bus: target its id, origin the
 * request being handled or else the job's creator. */
void job_publish(struct job *j, const char *kind, unsigned flags, json_t *data,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
