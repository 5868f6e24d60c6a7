/*
 * The event history: rows of the events table (schema version 3), written
 * by croftd's bus as events are published and read back by events.list.
 * Inserting trims the table to its bound in the same transaction, by id
 * (the primary key), so the cost of a write does not grow with history.
 */
#include "store/store_internal.h"

#include "common/xalloc.h"

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

int store_event_add(struct store *st, const struct store_event *ev, int64_t keep)
{
	sqlite3_stmt *s = NULL;
	int ret;

	if (!ev->kind || !ev->message)
		return store_fail(st, NULL, 0, -EINVAL, "an event needs a kind and a message");
	/* A savepoint: atomic alone, and part of a caller's batch if any. */
	if (sqlite3_exec(st->db, "SAVEPOINT store_event", NULL, NULL, NULL) != SQLITE_OK)
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
	if (keep > 0) {
		ret = store_stmt(st, STORE_STMT_EVENT_TRIM, sql_event_trim, &s, NULL, 0);
		if (ret)
			goto fail;
		if (sqlite3_bind_int64(s, 1, keep) || sqlite3_step(s) != SQLITE_DONE) {
			ret = store_db_fail(st, NULL, 0, "cannot trim the event history");
			goto fail;
		}
		store_stmt_done(s);
		s = NULL;
	}
	if (sqlite3_exec(st->db, "RELEASE store_event", NULL, NULL, NULL) != SQLITE_OK) {
		ret = store_db_fail(st, NULL, 0, "cannot record event %lld (%s)",
				    (long long)ev->id, ev->kind);
		goto fail;
	}
	return 0;
fail:
	store_stmt_done(s);
	sqlite3_exec(st->db, "ROLLBACK TO store_event; RELEASE store_event", NULL, NULL, NULL);
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

static void event_from_row(sqlite3_stmt *s, struct store_event *ev)
{
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

int store_event_list(struct store *st, int64_t since_ms, int64_t after_id, size_t limit,
		     struct store_event **out, size_t *n)
{
	struct store_event *evs = NULL;
	size_t count = 0, cap = 0;
	sqlite3_stmt *s;
	int rc, ret;

	*out = NULL;
	*n = 0;
	ret = store_stmt(st, STORE_STMT_EVENT_LIST, sql_event_list, &s, NULL, 0);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, since_ms) || sqlite3_bind_int64(s, 2, after_id) ||
	    sqlite3_bind_int64(s, 3, limit ? (sqlite3_int64)limit : -1)) {
		ret = store_db_fail(st, NULL, 0, "cannot list events");
		store_stmt_done(s);
		return ret;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			evs = xrealloc(evs, cap * sizeof(*evs));
		}
		memset(&evs[count], 0, sizeof(*evs));
		event_from_row(s, &evs[count++]);
	}
	if (rc != SQLITE_DONE) {
		ret = store_db_fail(st, NULL, 0, "cannot list events");
		store_stmt_done(s);
		store_event_list_free(evs, count);
		return ret;
	}
	store_stmt_done(s);
	*out = evs;
	*n = count;
	return 0;
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
	size_t i;

	for (i = 0; i < n; i++)
		store_event_clear(&evs[i]);
	free(evs);
}
