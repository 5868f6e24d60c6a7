/*
 * The jobs table (store.h, "jobs").  A row is written whole when a job is
 * queued and then rewritten in its changing columns; the runner in croftd
 * holds the live copy.  Inserting trims finished rows to their bound in the
 * same savepoint, as the event history does.
 */
#include "store/store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define JOB_COLUMNS "id, kind, target, state, done_bytes, total_bytes, error, args, cleanup, " \
	"result, user, uid, created_ms, started_ms, finished_ms"
enum { JC_ID, JC_KIND, JC_TARGET, JC_STATE, JC_DONE, JC_TOTAL, JC_ERROR, JC_ARGS, JC_CLEANUP,
       JC_RESULT, JC_USER, JC_UID, JC_CREATED, JC_STARTED, JC_FINISHED };

#define UNFINISHED "state IN ('queued', 'running')"

static const char sql_job_insert[] =
	"INSERT INTO jobs (kind, target, state, done_bytes, total_bytes, error, cleanup, result, "
	"args, user, uid, created_ms, started_ms, finished_ms) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
static const char sql_job_trim[] =
	"DELETE FROM jobs WHERE NOT " UNFINISHED " AND id <= (SELECT id FROM jobs WHERE NOT "
	UNFINISHED " ORDER BY id DESC LIMIT 1 OFFSET ?1)";
static const char sql_job_update[] =
	"UPDATE jobs SET state = ?2, done_bytes = ?3, total_bytes = ?4, error = ?5, cleanup = ?6, "
	"result = ?7, started_ms = ?8, finished_ms = ?9 WHERE id = ?1";
static const char sql_job_get[] =
	"SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?1";
static const char sql_job_list[] =
	"SELECT " JOB_COLUMNS " FROM jobs WHERE " UNFINISHED " OR finished_ms >= ?1 "
	"ORDER BY id DESC LIMIT ?2";
static const char sql_job_unfinished[] =
	"SELECT " JOB_COLUMNS " FROM jobs WHERE " UNFINISHED " ORDER BY id";

static int bind_ms(sqlite3_stmt *s, int i, int64_t ms)
{
	return ms ? sqlite3_bind_int64(s, i, ms) : sqlite3_bind_null(s, i);
}

/* The columns that change, from ?first on: state, done_bytes, total_bytes,
 * error, cleanup, result. */
static int bind_changing(sqlite3_stmt *s, int first, const struct store_job *job)
{
	return sqlite3_bind_text(s, first, job->state, -1, SQLITE_STATIC) ||
	       sqlite3_bind_int64(s, first + 1, (sqlite3_int64)job->done_bytes) ||
	       sqlite3_bind_int64(s, first + 2, (sqlite3_int64)job->total_bytes) ||
	       store_bind_text(s, first + 3, job->error) ||
	       store_bind_text(s, first + 4, job->cleanup) ||
	       store_bind_text(s, first + 5, job->result);
}

static int check(struct store *st, const struct store_job *job)
{
	if (!job->kind || !job->state)
		return store_fail(st, NULL, 0, -EINVAL, "a job needs a kind and a state");
	if (job->done_bytes > INT64_MAX || job->total_bytes > INT64_MAX)
		return store_fail(st, NULL, 0, -EINVAL, "job %lld: progress out of range",
				  (long long)job->id);
	return 0;
}

int store_job_insert(struct store *st, struct store_job *job, int64_t keep)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = check(st, job);
	if (ret)
		return ret;
	if (store_sp_begin(st, "store_job", NULL, 0))
		return store_db_fail(st, NULL, 0, "cannot record a %s job", job->kind);
	ret = store_stmt(st, STORE_STMT_JOB_INSERT, sql_job_insert, &s, NULL, 0);
	if (ret)
		goto fail;
	if (sqlite3_bind_text(s, 1, job->kind, -1, SQLITE_STATIC) ||
	    store_bind_text(s, 2, job->target) || bind_changing(s, 3, job) ||
	    store_bind_text(s, 9, job->args) || store_bind_text(s, 10, job->user) ||
	    (job->uid >= 0 ? sqlite3_bind_int64(s, 11, job->uid) : sqlite3_bind_null(s, 11)) ||
	    sqlite3_bind_int64(s, 12, job->created_ms) || bind_ms(s, 13, job->started_ms) ||
	    bind_ms(s, 14, job->finished_ms) || sqlite3_step(s) != SQLITE_DONE) {
		ret = store_db_fail(st, NULL, 0, "cannot record a %s job", job->kind);
		goto fail;
	}
	store_stmt_done(s);
	s = NULL;
	ret = store_trim(st, STORE_STMT_JOB_TRIM, sql_job_trim, keep, "the finished jobs");
	if (ret)
		goto fail;
	job->id = sqlite3_last_insert_rowid(st->db);
	if (store_sp_release(st, "store_job", NULL, 0)) {
		ret = store_db_fail(st, NULL, 0, "cannot record a %s job", job->kind);
		goto fail;
	}
	return 0;
fail:
	job->id = 0;
	store_stmt_done(s);
	store_sp_rollback(st, "store_job");
	return ret;
}

int store_job_update(struct store *st, const struct store_job *job)
{
	sqlite3_stmt *s;
	int ret;

	ret = check(st, job);
	if (ret)
		return ret;
	ret = store_stmt(st, STORE_STMT_JOB_UPDATE, sql_job_update, &s, NULL, 0);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, job->id) || bind_changing(s, 2, job) ||
	    bind_ms(s, 8, job->started_ms) || bind_ms(s, 9, job->finished_ms) ||
	    sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, NULL, 0, "cannot record job %lld", (long long)job->id);
	else if (sqlite3_changes(st->db) == 0)
		ret = store_fail(st, NULL, 0, -ENOENT, "no job %lld", (long long)job->id);
	store_stmt_done(s);
	return ret;
}

static int64_t col_int(sqlite3_stmt *s, int i, int64_t null)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? null : sqlite3_column_int64(s, i);
}

static void job_from_row(sqlite3_stmt *s, void *row)
{
	struct store_job *job = row;

	job->id = sqlite3_column_int64(s, JC_ID);
	job->kind = store_col_text(s, JC_KIND);
	job->target = store_col_text(s, JC_TARGET);
	job->state = store_col_text(s, JC_STATE);
	job->done_bytes = (uint64_t)sqlite3_column_int64(s, JC_DONE);
	job->total_bytes = (uint64_t)sqlite3_column_int64(s, JC_TOTAL);
	job->error = store_col_text(s, JC_ERROR);
	job->args = store_col_text(s, JC_ARGS);
	job->cleanup = store_col_text(s, JC_CLEANUP);
	job->result = store_col_text(s, JC_RESULT);
	job->user = store_col_text(s, JC_USER);
	job->uid = col_int(s, JC_UID, -1);
	job->created_ms = sqlite3_column_int64(s, JC_CREATED);
	job->started_ms = col_int(s, JC_STARTED, 0);
	job->finished_ms = col_int(s, JC_FINISHED, 0);
}

int store_job_get(struct store *st, int64_t id, struct store_job *out)
{
	sqlite3_stmt *s;
	int ret, rc;

	memset(out, 0, sizeof(*out));
	ret = store_stmt(st, STORE_STMT_JOB_GET, sql_job_get, &s, NULL, 0);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, id)) {
		ret = store_db_fail(st, NULL, 0, "cannot read job %lld", (long long)id);
	} else if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		job_from_row(s, out);
	} else if (rc == SQLITE_DONE) {
		ret = store_fail(st, NULL, 0, -ENOENT, "no job %lld", (long long)id);
	} else {
		ret = store_db_fail(st, NULL, 0, "cannot read job %lld", (long long)id);
	}
	store_stmt_done(s);
	return ret;
}

static void job_clear(void *row)
{
	store_job_clear(row);
}

static const struct store_rows job_rows = { sizeof(struct store_job), job_from_row, job_clear };

/* Every row s yields; s is done afterwards. */
static int collect(struct store *st, sqlite3_stmt *s, struct store_job **out, size_t *n)
{
	void *rows;
	int ret = 0;

	if (store_rows_read(s, &job_rows, &rows, n) != SQLITE_DONE)
		ret = store_db_fail(st, NULL, 0, "cannot list jobs");
	else
		*out = rows;
	store_stmt_done(s);
	return ret;
}

int store_job_list(struct store *st, int64_t finished_since_ms, size_t limit,
		   struct store_job **out, size_t *n)
{
	sqlite3_stmt *s;
	int ret;

	*out = NULL;
	*n = 0;
	ret = store_stmt(st, STORE_STMT_JOB_LIST, sql_job_list, &s, NULL, 0);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, finished_since_ms) ||
	    sqlite3_bind_int64(s, 2, limit ? (sqlite3_int64)limit : -1)) {
		ret = store_db_fail(st, NULL, 0, "cannot list jobs");
		store_stmt_done(s);
		return ret;
	}
	return collect(st, s, out, n);
}

int store_job_unfinished(struct store *st, struct store_job **out, size_t *n)
{
	sqlite3_stmt *s;
	int ret;

	*out = NULL;
	*n = 0;
	ret = store_stmt(st, STORE_STMT_JOB_UNFINISHED, sql_job_unfinished, &s, NULL, 0);
	if (ret)
		return ret;
	return collect(st, s, out, n);
}

void store_job_clear(struct store_job *job)
{
	free(job->kind);
	free(job->target);
	free(job->state);
	free(job->error);
	free(job->args);
	free(job->cleanup);
	free(job->result);
	free(job->user);
	memset(job, 0, sizeof(*job));
}

void store_job_list_free(struct store_job *jobs, size_t n)
{
	store_rows_free(&job_rows, jobs, n);
}
