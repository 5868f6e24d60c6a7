/*
 * The event history: rows of the events table (schema version 3), written
 * by croftd's bus as events are published and read back by events.list.
 * Inserting trims the table to its bound in the same transaction, by id
 * (the primary key), so the cost of a write does not grow with history.
 */
#include "store/store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_COLUMNS "id, time_ms, kind, target, message, user, uid, op, result, data"
enum { EC_ID, EC_TIME, EC_KIND, EC_TARGET, EC_MESSAGE, EC_USER, EC_UID, EC_OP, EC_RESULT,
       EC_DATA };

static const char sql_event_insert[] =
	"INSERT INTO events (" EVENT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_event_trim[] =
	"DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?1)";
static const char sql_event_last[] =
	"SELECT coalesce(max(id), 0) FROM events";
/* The newest ?3 rows that match, returned oldest first. */
static const char sql_event_list[] =
	"SELECT * FROM (SELECT " EVENT_COLUMNS " FROM events WHERE time_ms >= ?1 AND id > ?2 "
	"ORDER BY id DESC LIMIT ?3) ORDER BY id";

static int store_event_write(struct store *st, const struct store_event *ev, int64_t keep);

int store_event_add(struct store *st, const struct store_event *ev, int64_t keep)
{
	int ret;

	if (!ev->kind || !ev->message)
		return store_fail(st, NULL, 0, -EINVAL, "an event needs a kind and a message");
	store_sync_relaxed(st, 1);
	ret = store_event_write(st, ev, keep);
	store_sync_relaxed(st, 0);
	return ret;
}

static int store_event_write(struct store *st, const struct store_event *ev, int64_t keep)
{
	sqlite3_stmt *s = NULL;
	int ret;

	if (store_sp_begin(st, "store_event", NULL, 0))
		return store_db_fail(st, NULL, 0, "cannot record event %lld (%s)",
				     (long long)ev->id, ev->kind);
	ret = store_stmt(st, STORE_STMT_EVENT_INSERT, sql_event_insert, &s, NULL, 0);
	if (ret)
		goto fail;
	if (sqlite3_bind_int64(s, 1, ev->id) || sqlite3_bind_int64(s, 2, ev->time_ms) ||
	    sqlite3_bind_text(s, 3, ev->kind, -1, SQLITE_STATIC) ||
	    store_bind_text(s, 4, ev->target) ||
	    sqlite3_bind_text(s, 5, ev->message, -1, SQLITE_STATIC) ||
	    store_bind_text(s, 6, ev->user) ||
	    (ev->uid >= 0 ? sqlite3_bind_int64(s, 7, ev->uid) : sqlite3_bind_null(s, 7)) ||
	    store_bind_text(s, 8, ev->op) || store_bind_text(s, 9, ev->result) ||
	    sqlite3_bind_text(s, 10, ev->data ? ev->data : "{}", -1, SQLITE_STATIC) ||
	    sqlite3_step(s) != SQLITE_DONE) {
		ret = store_db_fail(st, NULL, 0, "cannot record event %lld (%s)",
				    (long long)ev->id, ev->kind);
		goto fail;
	}
	store_stmt_done(s);
	s = NULL;
	ret = store_trim(st, STORE_STMT_EVENT_TRIM, sql_event_trim, keep, "the event history");
	if (ret)
		goto fail;
	if (store_sp_release(st, "store_event", NULL, 0)) {
		ret = store_db_fail(st, NULL, 0, "cannot record event %lld (%s)",
				    (long long)ev->id, ev->kind);
		goto fail;
	}
	return 0;
fail:
	store_stmt_done(s);
	store_sp_rollback(st, "store_event");
	return ret;
}

int store_event_last_id(struct store *st, int64_t *id)
{
	sqlite3_stmt *s;
	int ret;

	*id = 0;
	ret = store_stmt(st, STORE_STMT_EVENT_LAST, sql_event_last, &s, NULL, 0);
	if (ret)
		return ret;
	if (sqlite3_step(s) == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	else
		ret = store_db_fail(st, NULL, 0, "cannot read the newest event");
	store_stmt_done(s);
	return ret;
}

static void event_from_row(sqlite3_stmt *s, void *row)
{
	struct store_event *ev = row;

	ev->id = sqlite3_column_int64(s, EC_ID);
	ev->time_ms = sqlite3_column_int64(s, EC_TIME);
	ev->kind = store_col_text(s, EC_KIND);
	ev->target = store_col_text(s, EC_TARGET);
	ev->message = store_col_text(s, EC_MESSAGE);
	ev->user = store_col_text(s, EC_USER);
	ev->uid = sqlite3_column_type(s, EC_UID) == SQLITE_NULL ? -1
		  : sqlite3_column_int64(s, EC_UID);
	ev->op = store_col_text(s, EC_OP);
	ev->result = store_col_text(s, EC_RESULT);
	ev->data = store_col_text(s, EC_DATA);
}

static void event_clear(void *row)
{
	store_event_clear(row);
}

static const struct store_rows event_rows = { sizeof(struct store_event), event_from_row,
					      event_clear };

int store_event_list(struct store *st, int64_t since_ms, int64_t after_id, size_t limit,
		     struct store_event **out, size_t *n)
{
	sqlite3_stmt *s;
	void *rows;
	int ret;

	*out = NULL;
	*n = 0;
	ret = store_stmt(st, STORE_STMT_EVENT_LIST, sql_event_list, &s, NULL, 0);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, since_ms) || sqlite3_bind_int64(s, 2, after_id) ||
	    sqlite3_bind_int64(s, 3, limit ? (sqlite3_int64)limit : -1) ||
	    store_rows_read(s, &event_rows, &rows, n) != SQLITE_DONE)
		ret = store_db_fail(st, NULL, 0, "cannot list events");
	else
		*out = rows;
	store_stmt_done(s);
	return ret;
}

void store_event_clear(struct store_event *ev)
{
	free(ev->kind);
	free(ev->target);
	free(ev->message);
	free(ev->user);
	free(ev->op);
	free(ev->result);
	free(ev->data);
	memset(ev, 0, sizeof(*ev));
}

void store_event_list_free(struct store_event *evs, size_t n)
{
	store_rows_free(&event_rows, evs, n);
}
