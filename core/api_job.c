/*
 * The job.* ops: thin handlers over the runner (core/job.h) and the jobs
 * table.  The store holds every job; the runner the live ones (queued or
 * running), whose progress and rate are newer than their row in the store,
 * so a live job is always shown from the runner.
 */
#include "core/api_ops.h"
#include "core/api_server.h"
#include "core/daemon.h"
#include "core/job.h"
#include "common/proto.h"
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define JOB_LIST_MAX 1000
#define JOB_RECENT_MS (3600 * 1000)

static json_t *ms_or_null(int64_t ms)
{
	return ms ? json_integer(ms) : json_null();
}

/* The job object (docs/api.md); live may be NULL. */
static json_t *job_json(const struct store_job *row, const struct job *live)
{
	json_t *result = row->result ? json_loads(row->result, 0, NULL) : NULL;
	int64_t eta = -1;
	double rate = 0;
	int known = live && job_rate(live, &rate, &eta) == 0;

	return json_pack("{s:I,s:s,s:s?,s:s,s:I,s:I,s:s?,s:s?,s:o,s:I,s:o,s:o,s:o,s:o,s:o}",
			 "id", (json_int_t)row->id, "kind", row->kind, "target", row->target,
			 "state", row->state, "done", (json_int_t)row->done_bytes,
			 "total", (json_int_t)row->total_bytes, "error", row->error,
			 "user", row->user,
			 "uid", row->uid >= 0 ? json_integer(row->uid) : json_null(),
			 "created_ms", (json_int_t)row->created_ms,
			 "started_ms", ms_or_null(row->started_ms),
			 "finished_ms", ms_or_null(row->finished_ms),
			 "rate", known ? json_integer((json_int_t)rate) : json_null(),
			 "eta_s", known && eta >= 0 ? json_integer(eta) : json_null(),
			 "result", json_is_object(result) ? result : json_null());
}

json_t *api_job_json(const struct job *j)
{
	return job_json(job_row(j), j);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void op_job_list(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	int all = json_is_true(json_object_get(args, "all"));
	struct store_job *rows;
	size_t n, i;
	json_t *arr;

	if (store_job_list(d->store, all ? 0 : now_ms() - JOB_RECENT_MS, JOB_LIST_MAX,
			   &rows, &n) < 0) {
		api_req_err(r, PROTO_E_IO, "cannot read the jobs: %s", store_last_error(d->store));
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++) {
		struct job *live = job_find(d->jobs, rows[i].id);

		json_array_append_new(arr, job_json(live ? job_row(live) : &rows[i], live));
	}
	store_job_list_free(rows, n);
	api_req_ok(r, json_pack("{s:o}", "jobs", arr));
}

/* The stored row of a job that is not live: 0, or an error answered. */
static int stored_job(struct api_req *r, int64_t id, struct store_job *row)
{
	struct croftd *d = api_req_daemon(r);
	int rc = store_job_get(d->store, id, row);

	if (rc == -ENOENT)
		api_req_err(r, PROTO_E_NOT_FOUND, "no job %lld", (long long)id);
	else if (rc < 0)
		api_req_err(r, PROTO_E_IO, "cannot read job %lld: %s", (long long)id,
			    store_last_error(d->store));
	return rc;
}

static void op_job_info(struct api_req *r, json_t *args)
{
	int64_t id = json_integer_value(json_object_get(args, "id"));
	struct job *live = job_find(api_req_daemon(r)->jobs, id);
	struct store_job row;

	if (live) {
		api_req_ok(r, job_json(job_row(live), live));
	} else if (stored_job(r, id, &row) == 0) {
		api_req_ok(r, job_json(&row, NULL));
		store_job_clear(&row);
	}
}

static void cancel_done(struct job *j, void *data)
{
	api_req_ok(data, job_json(job_row(j), NULL));
}

static void op_job_cancel(struct api_req *r, json_t *args)
{
	int64_t id = json_integer_value(json_object_get(args, "id"));
	struct job *live = job_find(api_req_daemon(r)->jobs, id);
	struct store_job row;

	if (live) {
		job_cancel(live, cancel_done, r);
	} else if (stored_job(r, id, &row) == 0) {
		api_req_err(r, PROTO_E_INVALID_STATE, "job %lld is already %s", (long long)id,
			    row.state);
		store_job_clear(&row);
	}
}

static const struct api_arg args_job_list[] = {
	{ "all", ARG_BOOL, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_job_id[] = {
	{ "id", ARG_INT, ARG_REQUIRED },
	{ NULL, 0, 0 } };

const struct api_op api_job_ops[] = {
	{ "job.list", op_job_list, args_job_list, API_OP_READ },
	{ "job.info", op_job_info, args_job_id, API_OP_READ },
	{ "job.cancel", op_job_cancel, args_job_id, 0 },
	{ NULL, NULL, NULL, 0 },
};
