/*
 * Schedules (store.h): one row each, its VM by id (joined for its name,
 * gone with the VM).  Each statement is prepared per call: schedules are
 * read once a minute and written when one runs or is edited.
 */
#include "store/store_internal.h"

#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SCHED_COLUMNS "s.id, s.vm_id, v.name, s.all_vms, s.tag, s.at, s.ram, s.backup_to, " \
	"s.keep_last, s.keep_hourly, s.keep_daily, s.keep_weekly, s.keep_monthly, " \
	"s.keep_yearly, s.created, s.last_run, s.last_result"
#define SCHED_FROM " FROM schedules s LEFT JOIN vms v ON v.id = s.vm_id"

static void sched_from_row(sqlite3_stmt *s, void *row)
{
	struct store_schedule *sc = row;
	int i;

	sc->id = sqlite3_column_int64(s, 0);
	sc->vm_id = sqlite3_column_int64(s, 1);
	sc->vm = store_col_text(s, 2);
	sc->all = sqlite3_column_int(s, 3);
	sc->tag = store_col_text(s, 4);
	sc->at = store_col_text(s, 5);
	sc->ram = sqlite3_column_int(s, 6);
	sc->backup_to = store_col_text(s, 7);
	for (i = 0; i < 6; i++)
		sc->keep[i] = sqlite3_column_int64(s, 8 + i);
	sc->created = sqlite3_column_int64(s, 14);
	sc->last_run = sqlite3_column_int64(s, 15);
	sc->last_result = store_col_text(s, 16);
}

static void sched_clear(void *row)
{
	store_schedule_clear(row);
}

static const struct store_rows sched_rows = { sizeof(struct store_schedule), sched_from_row,
					      sched_clear };

void store_schedule_clear(struct store_schedule *s)
{
	if (!s)
		return;
	free(s->vm);
	free(s->tag);
	free(s->at);
	free(s->backup_to);
	free(s->last_result);
	memset(s, 0, sizeof(*s));
}

void store_schedule_list_free(struct store_schedule *v, size_t n)
{
	store_rows_free(&sched_rows, v, n);
}

/* ?1 vm_id ?2 all ?3 tag ?4 at ?5 ram ?6 backup_to ?7..?12 keep ?13 created / id. */
static int bind_schedule(sqlite3_stmt *s, const struct store_schedule *sc, int64_t last)
{
	int i, rc = (sc->vm_id ? sqlite3_bind_int64(s, 1, sc->vm_id) : sqlite3_bind_null(s, 1)) ||
		    sqlite3_bind_int(s, 2, sc->all ? 1 : 0) ||
		    store_bind_text(s, 3, sc->tag) ||
		    store_bind_text(s, 4, sc->at) ||
		    sqlite3_bind_int(s, 5, sc->ram ? 1 : 0) ||
		    store_bind_text(s, 6, sc->backup_to) ||
		    sqlite3_bind_int64(s, 13, last);

	for (i = 0; i < 6 && !rc; i++)
		rc = sqlite3_bind_int64(s, 7 + i, sc->keep[i]);
	return rc;
}

static int write_one(struct store *st, const char *sql, const struct store_schedule *sc,
		     int64_t last, const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret = store_prepare(st, sql, &s, err, errlen);

	if (ret)
		return ret;
	if (bind_schedule(s, sc, last) != SQLITE_OK || sqlite3_step(s) != SQLITE_DONE) {
		ret = store_db_fail(st, err, errlen, "cannot %s schedule", what);
		sqlite3_finalize(s);
		return ret;
	}
	sqlite3_finalize(s);
	return 0;
}

int store_schedule_add(struct store *st, struct store_schedule *s, char *err, size_t errlen)
{
	int ret = write_one(st, "INSERT INTO schedules (vm_id, all_vms, tag, at, ram, backup_to, "
			    "keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly, "
			    "keep_yearly, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
			    "?10, ?11, ?12, ?13)", s, s->created, "add a", err, errlen);

	if (!ret)
		s->id = sqlite3_last_insert_rowid(st->db);
	return ret;
}

int store_schedule_update(struct store *st, const struct store_schedule *s, char *err,
			  size_t errlen)
{
	int ret = write_one(st, "UPDATE schedules SET vm_id = ?1, all_vms = ?2, tag = ?3, at = ?4, "
			    "ram = ?5, backup_to = ?6, keep_last = ?7, keep_hourly = ?8, "
			    "keep_daily = ?9, keep_weekly = ?10, keep_monthly = ?11, "
			    "keep_yearly = ?12 WHERE id = ?13", s, s->id, "change a", err, errlen);

	if (!ret && !sqlite3_changes(st->db))
		return store_fail(st, err, errlen, -ENOENT, "no schedule %lld", (long long)s->id);
	return ret;
}

int store_schedule_ran(struct store *st, int64_t id, int64_t when, const char *result)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (store_prepare(st, "UPDATE schedules SET last_run = COALESCE(NULLIF(?2, 0), last_run), "
			  "last_result = ?3 WHERE id = ?1", &s, NULL, 0))
		return -EIO;
	store_sync_relaxed(st, 1);
	rc = sqlite3_bind_int64(s, 1, id) || sqlite3_bind_int64(s, 2, when) ||
	     store_bind_text(s, 3, result) ? SQLITE_ERROR : sqlite3_step(s);
	store_sync_relaxed(st, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return -EIO;
	return sqlite3_changes(st->db) ? 0 : -ENOENT;
}

int store_schedule_get(struct store *st, int64_t id, struct store_schedule *out)
{
	sqlite3_stmt *s = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(st, "SELECT " SCHED_COLUMNS SCHED_FROM " WHERE s.id = ?1", &s, NULL, 0))
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		sched_from_row(s, out);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : -EIO;
}

int store_schedule_list(struct store *st, struct store_schedule **v, size_t *n, char *err,
			size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret = store_prepare(st, "SELECT " SCHED_COLUMNS SCHED_FROM " ORDER BY s.id", &s, err,
				errlen);

	*v = NULL;
	*n = 0;
	if (ret)
		return ret;
	ret = store_rows_read(s, &sched_rows, (void **)v, n);
	sqlite3_finalize(s);
	if (ret != SQLITE_DONE)
		return store_db_fail(st, err, errlen, "%s: cannot list schedules", st->path);
	return 0;
}

int store_schedule_delete(struct store *st, int64_t id, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret = store_prepare(st, "DELETE FROM schedules WHERE id = ?1", &s, err, errlen);

	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK || sqlite3_step(s) != SQLITE_DONE) {
		ret = store_db_fail(st, err, errlen, "cannot delete schedule %lld", (long long)id);
		sqlite3_finalize(s);
		return ret;
	}
	sqlite3_finalize(s);
	if (!sqlite3_changes(st->db))
		return store_fail(st, err, errlen, -ENOENT, "no schedule %lld", (long long)id);
	return 0;
}
