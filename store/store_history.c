/*
 * The monitor's history rows (store_history.h).
 */
#include "store/store_history.h"
#include "store/store_internal.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char sql_history_put[] =
	"INSERT INTO history (owner, tier, slot, t_ms, data) VALUES (?1, ?2, ?3, ?4, ?5) "
	"ON CONFLICT (owner, tier, slot) DO UPDATE SET t_ms = excluded.t_ms, data = excluded.data";
static const char sql_history_get[] =
	"SELECT slot, t_ms, data FROM history WHERE owner = ?1 AND tier = ?2 AND t_ms >= ?3 "
	"ORDER BY t_ms";

static int row_valid(const struct store_history_row *r)
{
	return r->owner >= 0 && r->tier >= 0 && r->tier <= 7 && r->slot >= 0 &&
	       r->n >= 1 && r->n <= STORE_HISTORY_MAX_SERIES;
}

static int put_one(struct store *st, sqlite3_stmt *s, const struct store_history_row *r)
{
	float blob[2 * STORE_HISTORY_MAX_SERIES];
	size_t i;

	for (i = 0; i < r->n; i++) {
		blob[2 * i] = r->avg[i];
		blob[2 * i + 1] = r->max[i];
	}
	if (sqlite3_bind_int64(s, 1, r->owner) || sqlite3_bind_int(s, 2, r->tier) ||
	    sqlite3_bind_int64(s, 3, r->slot) || sqlite3_bind_int64(s, 4, r->t_ms) ||
	    sqlite3_bind_blob(s, 5, blob, (int)(r->n * 2 * sizeof(float)), SQLITE_TRANSIENT) ||
	    sqlite3_step(s) != SQLITE_DONE)
		return store_db_fail(st, NULL, 0, "cannot write the history of %s %lld",
				     r->owner ? "VM" : "the host", (long long)r->owner);
	store_stmt_done(s);
	return 0;
}

int store_history_put(struct store *st, const struct store_history_row *rows, size_t n)
{
	sqlite3_stmt *s = NULL;
	size_t i;
	int ret;

	for (i = 0; i < n; i++)
		if (!row_valid(&rows[i]))
			return store_fail(st, NULL, 0, -EINVAL,
					  "history row %zu: owner, tier, slot or size out of range", i);
	if (!n)
		return 0;
	if (store_sp_begin(st, "store_history", NULL, 0))
		return store_db_fail(st, NULL, 0, "cannot write the history");
	ret = store_stmt(st, STORE_STMT_HISTORY_PUT, sql_history_put, &s, NULL, 0);
	for (i = 0; !ret && i < n; i++)
		ret = put_one(st, s, &rows[i]);
	if (ret) {
		store_stmt_done(s);
		store_sp_rollback(st, "store_history");
		return ret;
	}
	return store_sp_release(st, "store_history", NULL, 0);
}

int store_history_get(struct store *st, int64_t owner, int tier, int64_t since_ms,
		      struct store_history_row **out, size_t *n)
{
	struct store_history_row *rows = NULL;
	size_t cap = 0, k = 0;
	sqlite3_stmt *s;
	int ret, rc;

	*out = NULL;
	*n = 0;
	ret = store_stmt(st, STORE_STMT_HISTORY_GET, sql_history_get, &s, NULL, 0);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, owner) || sqlite3_bind_int(s, 2, tier) ||
	    sqlite3_bind_int64(s, 3, since_ms)) {
		ret = store_db_fail(st, NULL, 0, "cannot read the history");
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const float *blob = sqlite3_column_blob(s, 2);
		size_t bytes = (size_t)sqlite3_column_bytes(s, 2), i;
		struct store_history_row *r;

		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			rows = xrealloc(rows, cap * sizeof(*rows));
		}
		r = &rows[k];
		memset(r, 0, sizeof(*r));
		r->owner = owner;
		r->tier = tier;
		r->slot = sqlite3_column_int64(s, 0);
		r->t_ms = sqlite3_column_int64(s, 1);
		r->n = bytes / (2 * sizeof(float));
		if (r->n > STORE_HISTORY_MAX_SERIES)
			r->n = STORE_HISTORY_MAX_SERIES;
		for (i = 0; blob && i < r->n; i++) {
			memcpy(&r->avg[i], &blob[2 * i], sizeof(float));
			memcpy(&r->max[i], &blob[2 * i + 1], sizeof(float));
		}
		k++;
	}
	if (rc != SQLITE_DONE) {
		ret = store_db_fail(st, NULL, 0, "cannot read the history");
		free(rows);
		goto out;
	}
	*out = rows;
	*n = k;
out:
	store_stmt_done(s);
	return ret;
}
