/*
 * The job runner: croftd's long work (qemu-img, QMP block jobs, copies) on
 * its one loop, never waited on.
 *
 * A job has an id (its row in the store), a kind (one entry of a table:
 * name, start, cancel, cleanup, recover), a target (what it is for, such
 * as a VM's name), progress in bytes, and a state:
 *
 *   queued --> running --> done | failed | cancelled
 *   queued --> cancelled | failed (croftd stopped or restarted)
 *
 * Submitting records the row (queued) and returns; queued jobs start in
 * order while fewer than the limit (2) run.  A running job is a series of
 * steps its kind starts one at a time: a child process (job_step_exec) or
 * a QMP job (job_step_qmp); a kind may also poll (job_poll_start) to
 * measure progress.  The kind ends the job with job_done() or job_fail().
 *
 * Before a kind creates a file that must not outlive a failure, it records
 * it (job_cleanup_add, which writes the row first).  A job that does not
 * end done has every recorded file removed once its child has exited, then
 * its kind's cleanup runs.
 *
 * Cancelling stops the current step (a child gets SIGTERM, then SIGKILL
 * after a grace period; a QMP job gets job-cancel); when it has ended, the
 * job's files are removed and it is cancelled, even if the step happened
 * to succeed meanwhile.
 *
 * Every state change is written to the row and published as "job.state";
 * progress is published as "job.progress" (volatile and unlogged) at most
 * every 250 ms per job, and reaches the row with the next state change.
 * Events raised while an API request is handled carry its origin; the
 * others carry the job's creator.
 *
 * When croftd stops normally, each running job's child is killed and
 * reaped, its files are removed, and it fails with "croftd stopped while
 * the job was running"; queued jobs fail with "croftd stopped before the
 * job started".  When croftd dies (kill -9, a crash, power loss) its jobs'
 * children die with it, and at the next start every row still queued or
 * running goes to its kind's recover: failed with the reason (the default:
 * "croftd restarted while the job was running"), done, or queued again to
 * run anew; unless done, its recorded files are removed first.
 */
#ifndef CROFT_JOB_H
#define CROFT_JOB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct croftd;
struct job;
struct job_runner;
struct job_exec_result;
struct job_exec_spec;
struct qmp;
struct store_job;

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_CANCELLED };

#define JOB_MAX_RUNNING 2
#define JOB_KILL_GRACE_MS 5000
#define JOB_PROGRESS_EVERY_MS 250
#define JOB_KEEP 1000                /* finished rows kept in the store */

const char *job_state_name(enum job_state s);

/* A job has ended (done, failed or cancelled); j is valid during the call
 * only. */
typedef void (*job_done_fn)(struct job *j, void *data);

enum job_recover { JOB_RECOVER_FAIL, JOB_RECOVER_DONE, JOB_RECOVER_RESUME };

struct job_kind {
	const char *name;                /* "disk.create" */
	size_t priv_size;                /* bytes at job_priv(), zeroed at each start */
	/* Begin: start the first step, or end the job at once.  0, or -errno
	 * with err set: the job fails with that message. */
	int (*start)(struct job *j, char *err, size_t errlen);
	/* Cancel requested while running, before the step is stopped; must
	 * not end the job.  May be NULL. */
	void (*cancel)(struct job *j);
	/* After a failure or cancel, once the recorded files are gone.  May
	 * be NULL. */
	void (*cleanup)(struct job *j);
	/* After a restart, for a row still queued or running (job_args and
	 * the recorded files are there; priv is zeroed).  _FAIL with why (a
	 * default is there already), _DONE (with job_set_result), or _RESUME:
	 * its recorded files are removed and it is queued to run anew.  NULL:
	 * always _FAIL. */
	enum job_recover (*recover)(struct job *j, char *why, size_t whylen);
};

/* The kinds croftd knows (job_kinds.c); NULL-terminated. */
extern const struct job_kind *const job_kinds[];

/* --- the runner ----------------------------------------------------------- */

/* A runner on d's loop, store and bus, knowing kinds; the clock (unix
 * milliseconds) is a seam for tests, NULL for the real one. */
struct job_runner *job_runner_new(struct croftd *d, const struct job_kind *const *kinds,
				  int64_t (*now_ms)(void));
/* Resolve every row the store says is queued or running (see the top).
 * 0, or -EIO with err set when the store cannot be read. */
int job_runner_recover(struct job_runner *r, char *err, size_t errlen);
/* How many jobs run at once, and how long a cancelled child has between
 * SIGTERM and SIGKILL. */
void job_runner_set_limits(struct job_runner *r, unsigned max_running, unsigned kill_grace_ms);
/* Stop every job as croftd's shutdown does (see the top), then free. */
void job_runner_free(struct job_runner *r);

/* croftd's "jobs" service: d->jobs with job_kinds, recovered. */
int job_service_init(struct croftd *d, char *err, size_t errlen);
void job_service_fini(struct croftd *d);

/* Queue a job of the named kind; args (stolen, NULL for none) is what it
 * needs to run or resume, kept in its row.  The user and uid are the bus's
 * origin.  done (may be NULL) runs once when the job ends.  0 with *out
 * (may be NULL) the queued job, or -errno with err set: -EINVAL (unknown
 * kind), -ESHUTDOWN (croftd is stopping), -EIO (the store refused). */
int job_submit(struct job_runner *r, const char *kind, const char *target, json_t *args,
	       job_done_fn done, void *data, struct job **out, char *err, size_t errlen);

/* The jobs not yet ended, oldest first. */
/* croftd is stopping: no job starts any more (job_submit refuses), and
 * fn(data) is called once no job holds a guest (at once when none does).
 * The jobs still running end at job_runner_free. */
void job_runner_quiesce(struct job_runner *r, void (*fn)(void *data), void *data);
/* j holds its guest stopped or frozen until it ends: croftd's stop waits
 * for it (job_runner_quiesce) rather than leave the guest so. */
void job_hold_guest(struct job *j);
struct job *job_runner_first(struct job_runner *r);
struct job *job_next(const struct job *j);
struct job *job_find(struct job_runner *r, int64_t id);
/* The job queued or running whose target is target (a VM's name), or NULL. */
struct job *job_running_for(struct job_runner *r, const char *target);

/* The job as its row shows it, with live progress (borrowed). */
const struct store_job *job_row(const struct job *j);
enum job_state job_state(const struct job *j);
/* Bytes per second over the last few seconds and the seconds left at that
 * rate: 0, or -EAGAIN while too little is known (*eta_s is -1 when the
 * rate is known but the total is not). */
int job_rate(const struct job *j, double *bytes_per_s, int64_t *eta_s);

/* Cancel: done (may be NULL) runs once the job has stopped (for a queued
 * job, before this returns).  Asking again only adds a waiter. */
void job_cancel(struct job *j, job_done_fn done, void *data);

/* --- for kinds -------------------------------------------------------------- */

struct croftd *job_daemon(const struct job *j);
int64_t job_id(const struct job *j);
const char *job_kind_name(const struct job *j);
const char *job_target(const struct job *j);
json_t *job_args(const struct job *j);       /* borrowed; {} when none */
void *job_priv(struct job *j);
void job_progress(struct job *j, uint64_t done, uint64_t total);
/* Record path (absolute) to be removed unless the job ends done; the row
 * is written before this returns.  0, or -EIO with err set: do not create
 * the file. */
int job_cleanup_add(struct job *j, const char *path, char *err, size_t errlen);
/* Forget a recorded path (it turned out not to be ours). */
void job_cleanup_drop(struct job *j, const char *path);
/* What the job produced, shown by the API once it is done; stolen. */
void job_set_result(struct job *j, json_t *result);
/* End the running job; no step may be running.  j is gone afterwards. */
void job_done(struct job *j);
void job_fail(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef void (*job_poll_fn)(struct job *j);
/* Call fn every every_ms until job_poll_stop or the job's end. */
void job_poll_start(struct job *j, uint64_t every_ms, job_poll_fn fn);
void job_poll_stop(struct job *j);

/* A child process as the job's step (spec as for job_exec_start, and it
 * dies with croftd).  done runs when it exits, unless the job is being
 * cancelled or croftd stops.  0, or -errno with err set. */
typedef void (*job_exec_step_fn)(struct job *j, const struct job_exec_result *res);
int job_step_exec(struct job *j, const struct job_exec_spec *spec, job_exec_step_fn done,
		  char *err, size_t errlen);
/* job_step_exec of argv (qemu-img ...) as the QEMU user croftd's images
 * belong to (when croftd drops privileges), with no_new_privs, its
 * output captured. */
int job_step_qemu_img(struct job *j, char *const *argv, job_exec_step_fn done, char *err,
		      size_t errlen);
/* Signal the child of the running child-process step (a kind's own
 * timeout): 0, or -ESRCH when none runs.  Its done still runs. */
int job_step_kill(struct job *j, int sig);
/* The read end of the running child-process step's JOB_EXEC_FD stream (1:
 * stdout, 2: stderr), now the caller's to read and close; -EBADF when
 * there is none, -ESRCH when no child runs. */
int job_step_take_fd(struct job *j, int stream);

/* A QMP job (query-jobs' "id" qmp_id, started by the kind with
 * "auto-dismiss": false) as the job's step (job_qmp.c).  get finds the
 * QEMU client each time (NULL: QEMU is gone).  The runner follows it with
 * query-jobs (progress from current-progress/total-progress), dismisses it
 * once concluded and calls done with its error, or NULL when it succeeded.
 * Cancel sends job-cancel. */
typedef struct qmp *(*job_qmp_get_fn)(struct job *j);
typedef void (*job_qmp_step_fn)(struct job *j, const char *error);
int job_step_qmp(struct job *j, job_qmp_get_fn get, const char *qmp_id, job_qmp_step_fn done,
		 char *err, size_t errlen);
/* The same, the job's progress set by progress from every QMP job
 * query-jobs listed (its return array, borrowed), as a kind running
 * several QMP jobs at once sums them. */
typedef void (*job_qmp_progress_fn)(struct job *j, const json_t *jobs);
int job_step_qmp_all(struct job *j, job_qmp_get_fn get, const char *qmp_id,
		     job_qmp_progress_fn progress, job_qmp_step_fn done, char *err, size_t errlen);
/* QEMU announced JOB_STATUS_CHANGE for qmp_id: look now rather than at
 * the next poll. */
void job_qmp_status_changed(struct job_runner *r, const char *qmp_id);

/* A step the kind ends itself, when something outside the runner calls
 * back (a QMP reply, a VM's stop): w is handed to that callback, which
 * calls job_wait_end(w) first.  Cancelling waits for that callback; a
 * croftd stop orphans w. */
struct job_wait;
struct job_wait *job_step_wait(struct job *j);
/* Free w: the job to go on with, or NULL when it is over (it was
 * cancelled meanwhile, or croftd stopped). */
struct job *job_wait_end(struct job_wait *w);
/* The job w waits for, or NULL once croftd stopped it (w stays). */
struct job *job_wait_job(const struct job_wait *w);

/* --- for step implementations (job_step.c, job_qmp.c) -------------------------- */

struct job_step_ops {
	/* Ask the step to stop; it ends later through job_step_end(). */
	void (*cancel)(struct job *j, void *step);
	/* croftd is stopping: stop now and free the step; no callback. */
	void (*stop)(struct job *j, void *step);
};
void job_step_begin(struct job *j, const struct job_step_ops *ops, void *step);
/* The step ended.  1 when the job was being cancelled and is now over (j
 * is gone); 0 when the kind goes on. */
int job_step_end(struct job *j);
/* The step of j when it is one of ops, else NULL. */
void *job_step_of(const struct job *j, const struct job_step_ops *ops);

#endif
