/*
 * The job runner (job.h): the queue, the state machine, the row and the
 * events, cancel, croftd's restart and shutdown.  Steps, polling and
 * progress are in job_step.c, QMP jobs in job_qmp.c.
 *
 * Live jobs are one list, oldest first.  Queued jobs are started from a
 * zero-delay timer ("kick"), never from inside the call that queued them
 * or ended another job, so no caller sees callbacks run under its feet.
 * A job leaves the list before its callbacks run and is freed after them.
 */
#include "core/job_internal.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const state_names[] = {
	[JOB_QUEUED] = "queued",
	[JOB_RUNNING] = "running",
	[JOB_DONE] = "done",
	[JOB_FAILED] = "failed",
	[JOB_CANCELLED] = "cancelled",
};

const char *job_state_name(enum job_state s)
{
	return state_names[s];
}

static int64_t real_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct job_kind *kind_find(const struct job_runner *r, const char *name)
{
	const struct job_kind *const *k;

	for (k = r->kinds; name && *k; k++)
		if (!strcmp((*k)->name, name))
			return *k;
	return NULL;
}

/* --- the row and the events --------------------------------------------------- */

static void set_str(char **field, const char *value)
{
	free(*field);
	*field = xstrdup_or_null(value);
}

static void set_json(char **field, const json_t *value)
{
	free(*field);
	*field = value ? json_dumps(value, JSON_COMPACT) : NULL;
}

static int row_save(struct job *j)
{
	struct store *st = j->r->d->store;
	int rc;

	set_json(&j->row.cleanup, json_array_size(j->cleanup) ? j->cleanup : NULL);
	rc = store_job_update(st, &j->row);
	if (rc < 0)
		log_err("job %lld: %s", (long long)j->row.id, store_last_error(st));
	return rc;
}

void job_publish(struct job *j, const char *kind, unsigned flags, json_t *data,
		 const char *fmt, ...)
{
	struct bus *b = j->r->d->bus;
	const struct bus_origin *o = bus_origin_get(b);
	struct bus_origin creator = { .user = j->row.user, .uid = j->row.uid };
	char msg[1024], target[24];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(target, sizeof(target), "%lld", (long long)j->row.id);
	bus_publish_as(b, o ? o : &creator, kind, target, flags, NULL, data, "%s", msg);
}

static void set_state(struct job *j, enum job_state st)
{
	enum job_state prev = j->state;
	const char *target = j->row.target;

	j->state = st;
	set_str(&j->row.state, state_names[st]);
	row_save(j);
	job_publish(j, "job.state", 0,
		    json_pack("{s:I,s:s,s:s?,s:s,s:s,s:s?}", "id", (json_int_t)j->row.id,
			      "kind", j->row.kind, "target", target, "state", state_names[st],
			      "previous", state_names[prev], "error", j->row.error),
		    "job %lld %s%s%s: %s -> %s%s%s", (long long)j->row.id, j->row.kind,
		    target ? " " : "", target ? target : "", state_names[prev], state_names[st],
		    j->row.error ? ": " : "", j->row.error ? j->row.error : "");
}

/* --- the list and the queue ---------------------------------------------------- */

static void list_add(struct job_runner *r, struct job *j)
{
	struct job **pp = &r->jobs;

	while (*pp)
		pp = &(*pp)->next;
	*pp = j;
}

static void list_remove(struct job_runner *r, struct job *j)
{
	struct job **pp;

	for (pp = &r->jobs; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			return;
		}
	}
}

static void job_free(struct job *j)
{
	struct job_waiter *w;

	while ((w = j->waiters)) {
		j->waiters = w->next;
		free(w);
	}
	store_job_clear(&j->row);
	json_decref(j->args);
	json_decref(j->cleanup);
	free(j->cancel_reason);
	free(j->priv);
	free(j);
}

static void start_one(struct job *j)
{
	struct job_runner *r = j->r;
	char err[1024] = "";

	j->holds_slot = 1;
	r->running++;
	j->row.started_ms = r->now_ms();
	memset(j->priv, 0, j->kind->priv_size);
	set_state(j, JOB_RUNNING);
	if (j->kind->start(j, err, sizeof(err)) < 0)
		job_fail(j, "%s", err[0] ? err : "the job could not start");
}

static struct job *first_queued(struct job_runner *r)
{
	struct job *j;

	for (j = r->jobs; j; j = j->next)
		if (j->state == JOB_QUEUED)
			return j;
	return NULL;
}

static void kick_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct job_runner *r = data;
	struct job *j;

	(void)l;
	(void)t;
	r->kick = NULL;
	while (!r->stopping && r->running < r->max_running && (j = first_queued(r)))
		start_one(j);
}

static void kick(struct job_runner *r)
{
	if (!r->kick && !r->stopping && first_queued(r))
		r->kick = loop_timer_add(r->d->loop, 0, kick_cb, r);
}

/* --- ending ------------------------------------------------------------------- */

/* Quiescing and no job holds a guest any more: say so, once. */
static void quiesce_check(struct job_runner *r)
{
	void (*fn)(void *) = r->quiesced;

	if (!fn || r->holding)
		return;
	r->quiesced = NULL;
	fn(r->quiesced_data);
}

void job_hold_guest(struct job *j)
{
	if (!j->holds_guest)
		j->r->holding++;
	j->holds_guest = 1;
}

void job_runner_quiesce(struct job_runner *r, void (*fn)(void *data), void *data)
{
	r->stopping = 1;                 /* nothing new starts */
	if (r->kick)
		loop_timer_cancel(r->d->loop, r->kick);
	r->kick = NULL;
	r->quiesced = fn;
	r->quiesced_data = data;
	if (r->holding)
		log_info("waiting for %u job(s) holding a guest stopped or frozen", r->holding);
	quiesce_check(r);
}

static void remove_files(struct job *j)
{
	size_t i;
	json_t *p;

	json_array_foreach(j->cleanup, i, p) {
		const char *path = json_string_value(p);

		if (path && unlink(path) < 0 && errno != ENOENT)
			log_warn("job %lld: cannot remove %s: %s", (long long)j->row.id, path,
				 strerror(errno));
	}
	json_array_clear(j->cleanup);
}

void job_end(struct job *j, enum job_state st, const char *error)
{
	struct job_runner *r = j->r;
	struct job_waiter *w;

	if (j->step)
		j->step_ops->stop(j, j->step);
	j->step = NULL;
	job_poll_stop(j);
	if (st != JOB_DONE) {
		remove_files(j);
		if (j->kind && j->kind->cleanup)
			j->kind->cleanup(j);
	}
	json_array_clear(j->cleanup);
	if (j->holds_slot)
		r->running--;
	j->holds_slot = 0;
	if (j->holds_guest)
		r->holding--;
	j->holds_guest = 0;
	set_str(&j->row.error, error);
	j->row.finished_ms = r->now_ms();
	set_state(j, st);
	list_remove(r, j);
	if (j->done)
		j->done(j, j->done_data);
	for (w = j->waiters; w; w = w->next)
		if (w->fn)
			w->fn(j, w->data);
	job_free(j);
	kick(r);
	quiesce_check(r);
}

void job_done(struct job *j)
{
	job_end(j, JOB_DONE, NULL);
}

void job_fail(struct job *j, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	job_end(j, JOB_FAILED, msg);
}

void job_cancel(struct job *j, job_done_fn done, void *data)
{
	const struct bus_origin *o = bus_origin_get(j->r->d->bus);
	struct job_waiter *w = xcalloc(1, sizeof(*w)), **pp;

	w->fn = done;
	w->data = data;
	for (pp = &j->waiters; *pp; pp = &(*pp)->next)
		;
	*pp = w;
	if (j->cancelling)
		return;
	j->cancelling = 1;
	j->cancel_reason = o && o->user ? xasprintf("cancelled by %s", o->user)
					: xstrdup("cancelled");
	if (j->state == JOB_RUNNING && j->kind->cancel)
		j->kind->cancel(j);
	if (j->step)
		j->step_ops->cancel(j, j->step);
	else
		job_end(j, JOB_CANCELLED, j->cancel_reason);
}

/* --- cleanup files ------------------------------------------------------------ */

int job_cleanup_add(struct job *j, const char *path, char *err, size_t errlen)
{
	json_array_append_new(j->cleanup, json_string(path));
	if (row_save(j) < 0) {
		job_cleanup_drop(j, path);
		err_set(err, errlen, "cannot record %s in job %lld: %s", path,
			(long long)j->row.id, store_last_error(j->r->d->store));
		return -EIO;
	}
	return 0;
}

void job_cleanup_drop(struct job *j, const char *path)
{
	size_t i;
	json_t *p;

	json_array_foreach(j->cleanup, i, p) {
		const char *have = json_string_value(p);

		if (have && !strcmp(have, path)) {
			json_array_remove(j->cleanup, i);
			row_save(j);
			return;
		}
	}
}

/* --- submitting ----------------------------------------------------------------- */

static struct job *job_alloc(struct job_runner *r, const struct job_kind *k, json_t *args)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->r = r;
	j->kind = k;
	j->args = args ? args : json_object();
	j->cleanup = json_array();
	j->priv = xcalloc(1, k && k->priv_size ? k->priv_size : 1);
	j->row.uid = -1;
	return j;
}

int job_submit(struct job_runner *r, const char *kind, const char *target, json_t *args,
	       job_done_fn done, void *data, struct job **out, char *err, size_t errlen)
{
	const struct bus_origin *o = bus_origin_get(r->d->bus);
	const struct job_kind *k = kind_find(r, kind);
	struct job *j;

	if (out)
		*out = NULL;
	if (!k) {
		err_set(err, errlen, "unknown job kind '%s'", kind ? kind : "(none)");
		json_decref(args);
		return -EINVAL;
	}
	if (r->stopping) {
		err_set(err, errlen, "croftd is stopping; the %s job was not started", kind);
		json_decref(args);
		return -ESHUTDOWN;
	}
	j = job_alloc(r, k, args);
	j->done = done;
	j->done_data = data;
	j->row.kind = xstrdup(kind);
	j->row.target = xstrdup_or_null(target);
	j->row.state = xstrdup(state_names[JOB_QUEUED]);
	j->row.args = json_dumps(j->args, JSON_COMPACT);
	j->row.user = xstrdup_or_null(o ? o->user : NULL);
	j->row.uid = o ? o->uid : -1;
	j->row.created_ms = r->now_ms();
	if (store_job_insert(r->d->store, &j->row, JOB_KEEP) < 0) {
		err_set(err, errlen, "cannot record the %s job: %s", kind,
			store_last_error(r->d->store));
		job_free(j);
		return -EIO;
	}
	list_add(r, j);
	job_publish(j, "job.state", 0,
		    json_pack("{s:I,s:s,s:s?,s:s,s:n,s:n}", "id", (json_int_t)j->row.id,
			      "kind", kind, "target", target, "state", "queued",
			      "previous", "error"),
		    "job %lld %s%s%s: queued", (long long)j->row.id, kind, target ? " " : "",
		    target ? target : "");
	kick(r);
	if (out)
		*out = j;
	return 0;
}

/* --- the runner ------------------------------------------------------------------ */

struct job_runner *job_runner_new(struct croftd *d, const struct job_kind *const *kinds,
				  int64_t (*now_ms)(void))
{
	struct job_runner *r = xcalloc(1, sizeof(*r));

	r->d = d;
	r->kinds = kinds;
	r->now_ms = now_ms ? now_ms : real_now_ms;
	r->max_running = JOB_MAX_RUNNING;
	r->kill_grace_ms = JOB_KILL_GRACE_MS;
	return r;
}

void job_runner_set_limits(struct job_runner *r, unsigned max_running, unsigned kill_grace_ms)
{
	r->max_running = max_running ? max_running : 1;
	r->kill_grace_ms = kill_grace_ms;
	kick(r);
}

/* One row left queued or running by a croftd that is gone. */
static void recover_one(struct job_runner *r, struct store_job *row)
{
	const struct job_kind *k = kind_find(r, row->kind);
	json_t *args = row->args ? json_loads(row->args, 0, NULL) : NULL;
	json_t *files = row->cleanup ? json_loads(row->cleanup, 0, NULL) : NULL;
	int was_running = !strcmp(row->state, "running");
	enum job_recover verdict = JOB_RECOVER_FAIL;
	struct job *j = job_alloc(r, k, args);
	char why[1024];

	j->row = *row;
	memset(row, 0, sizeof(*row));
	j->state = was_running ? JOB_RUNNING : JOB_QUEUED;
	if (json_is_array(files)) {
		json_decref(j->cleanup);
		j->cleanup = files;
	} else {
		json_decref(files);
	}
	list_add(r, j);
	snprintf(why, sizeof(why), "croftd restarted %s",
		 was_running ? "while the job was running" : "before the job started");
	if (!k)
		snprintf(why, sizeof(why), "croftd restarted and knows no job kind '%s'",
			 j->row.kind);
	else if (k->recover)
		verdict = k->recover(j, why, sizeof(why));
	log_info("job %lld %s: found %s after a restart", (long long)j->row.id, j->row.kind,
		 j->row.state);
	if (verdict == JOB_RECOVER_DONE) {
		job_end(j, JOB_DONE, NULL);
	} else if (verdict == JOB_RECOVER_RESUME) {
		remove_files(j);
		j->row.started_ms = 0;
		if (was_running)
			set_state(j, JOB_QUEUED);
		else
			row_save(j);
	} else {
		job_end(j, JOB_FAILED, why);
	}
}

int job_runner_recover(struct job_runner *r, char *err, size_t errlen)
{
	struct store_job *rows;
	size_t n, i;

	if (store_job_unfinished(r->d->store, &rows, &n) < 0) {
		err_set(err, errlen, "cannot read the jobs: %s", store_last_error(r->d->store));
		return -EIO;
	}
	for (i = 0; i < n; i++)
		recover_one(r, &rows[i]);
	store_job_list_free(rows, n);
	kick(r);
	return 0;
}

void job_runner_free(struct job_runner *r)
{
	if (!r)
		return;
	r->stopping = 1;
	r->quiesced = NULL;
	if (r->kick)
		loop_timer_cancel(r->d->loop, r->kick);
	while (r->jobs)
		job_end(r->jobs, JOB_FAILED, r->jobs->state == JOB_RUNNING
			? "croftd stopped while the job was running"
			: "croftd stopped before the job started");
	free(r);
}

int job_service_init(struct croftd *d, char *err, size_t errlen)
{
	d->jobs = job_runner_new(d, job_kinds, NULL);
	return job_runner_recover(d->jobs, err, errlen);
}

void job_service_fini(struct croftd *d)
{
	job_runner_free(d->jobs);
	d->jobs = NULL;
}

/* --- accessors ------------------------------------------------------------------ */

struct job *job_runner_first(struct job_runner *r)
{
	return r->jobs;
}

struct job *job_next(const struct job *j)
{
	return j->next;
}

struct job *job_find(struct job_runner *r, int64_t id)
{
	struct job *j;

	for (j = r->jobs; j; j = j->next)
		if (j->row.id == id)
			return j;
	return NULL;
}

struct job *job_running_for(struct job_runner *r, const char *target)
{
	struct job *j;

	for (j = r && target ? r->jobs : NULL; j; j = j->next)
		if (j->row.target && !strcmp(j->row.target, target))
			return j;
	return NULL;
}

const struct store_job *job_row(const struct job *j)
{
	return &j->row;
}

enum job_state job_state(const struct job *j)
{
	return j->state;
}

struct croftd *job_daemon(const struct job *j)
{
	return j->r->d;
}

int64_t job_id(const struct job *j)
{
	return j->row.id;
}

const char *job_kind_name(const struct job *j)
{
	return j->row.kind;
}

const char *job_target(const struct job *j)
{
	return j->row.target;
}

json_t *job_args(const struct job *j)
{
	return j->args;
}

void *job_priv(struct job *j)
{
	return j->priv;
}

void job_set_result(struct job *j, json_t *result)
{
	set_json(&j->row.result, result);
	json_decref(result);
}
