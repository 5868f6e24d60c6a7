/*
 * The backups table (store_backup.h).
 */
#include "store/store_backup.h"
#include "store/store_internal.h"

#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define COLS "id, vm, vm_uuid, pool, src_pool, dir, created, size, method, frozen, config, " \
	"disks, job, schedule, verified, verify_result"

int store_backup_add(struct store *st, struct store_backup *b, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret;

	if (!b->vm || !b->vm_uuid || !b->pool || !b->dir || !b->method || !b->config || !b->disks)
		return store_fail(st, err, errlen, -EINVAL, "a backup row lacks a field");
	if ((ret = store_prepare(st, "INSERT INTO backups (vm, vm_uuid, pool, src_pool, dir, "
				 "created, size, method, frozen, config, disks, job, schedule) "
				 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
				 &s, err, errlen)))
		return ret;
	if (store_bind_text(s, 1, b->vm) || store_bind_text(s, 2, b->vm_uuid) ||
	    store_bind_text(s, 3, b->pool) || store_bind_text(s, 4, b->src_pool) ||
	    store_bind_text(s, 5, b->dir) || sqlite3_bind_int64(s, 6, b->created) ||
	    sqlite3_bind_int64(s, 7, (sqlite3_int64)b->size) || store_bind_text(s, 8, b->method) ||
	    sqlite3_bind_int(s, 9, b->frozen != 0) || store_bind_text(s, 10, b->config) ||
	    store_bind_text(s, 11, b->disks) || sqlite3_bind_int64(s, 12, b->job) ||
	    (b->schedule ? sqlite3_bind_int64(s, 13, b->schedule) : sqlite3_bind_null(s, 13)) ||
	    sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "cannot record the backup of VM '%s'", b->vm);
	else
		b->id = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(s);
	return ret;
}

static void row_read(sqlite3_stmt *s, void *row)
{
	struct store_backup *b = row;

	b->id = sqlite3_column_int64(s, 0);
	b->vm = store_col_text(s, 1);
	b->vm_uuid = store_col_text(s, 2);
	b->pool = store_col_text(s, 3);
	b->src_pool = store_col_text(s, 4);
	b->dir = store_col_text(s, 5);
	b->created = sqlite3_column_int64(s, 6);
	b->size = (uint64_t)sqlite3_column_int64(s, 7);
	b->method = store_col_text(s, 8);
	b->frozen = sqlite3_column_int(s, 9);
	b->config = store_col_text(s, 10);
	b->disks = store_col_text(s, 11);
	b->job = sqlite3_column_int64(s, 12);
	b->schedule = sqlite3_column_int64(s, 13);
	b->verified = sqlite3_column_int64(s, 14);
	b->verify_result = store_col_text(s, 15);
}

static void row_clear(void *row)
{
	store_backup_clear(row);
}

static const struct store_rows backup_rows = { sizeof(struct store_backup), row_read, row_clear };

int store_backup_list(struct store *st, const char *vm, struct store_backup **v, size_t *n)
{
	sqlite3_stmt *s = NULL;
	void *rows = NULL;
	int ret;

	*v = NULL;
	*n = 0;
	if ((ret = store_prepare(st, "SELECT " COLS " FROM backups WHERE ?1 IS NULL OR vm = ?1 "
				 "ORDER BY created, id", &s, NULL, 0)))
		return ret;
	if (store_bind_text(s, 1, vm) || store_rows_read(s, &backup_rows, &rows, n) != SQLITE_DONE)
		ret = store_db_fail(st, NULL, 0, "cannot list the backups");
	else
		*v = rows;
	sqlite3_finalize(s);
	return ret;
}

int store_backup_get(struct store *st, int64_t id, struct store_backup *out)
{
	sqlite3_stmt *s = NULL;
	int rc, ret;

	memset(out, 0, sizeof(*out));
	if ((ret = store_prepare(st, "SELECT " COLS " FROM backups WHERE id = ?1", &s, NULL, 0)))
		return ret;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		row_read(s, out);
	else if (rc == SQLITE_DONE)
		ret = -ENOENT;
	else
		ret = store_db_fail(st, NULL, 0, "cannot read backup %lld", (long long)id);
	sqlite3_finalize(s);
	return ret;
}

int store_backup_by_job(struct store *st, int64_t job, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int ret;

	if ((ret = store_prepare(st, "SELECT id FROM backups WHERE job = ?1", &s, NULL, 0)))
		return ret;
	sqlite3_bind_int64(s, 1, job);
	if (sqlite3_step(s) == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	else
		ret = -ENOENT;
	sqlite3_finalize(s);
	return ret;
}

int store_backup_delete(struct store *st, int64_t id, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret;

	if ((ret = store_prepare(st, "DELETE FROM backups WHERE id = ?1", &s, err, errlen)))
		return ret;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "cannot delete backup %lld", (long long)id);
	else if (sqlite3_changes(st->db) == 0)
		ret = store_fail(st, err, errlen, -ENOENT, "no backup %lld", (long long)id);
	sqlite3_finalize(s);
	return ret;
}

int store_backup_set_verified(struct store *st, int64_t id, int64_t when, const char *result,
			      char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret;

	if ((ret = store_prepare(st, "UPDATE backups SET verified = ?2, verify_result = ?3 "
				 "WHERE id = ?1", &s, err, errlen)))
		return ret;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, when);
	if (store_bind_text(s, 3, result) || sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "cannot record the verify of backup %lld",
				    (long long)id);
	else if (sqlite3_changes(st->db) == 0)
		ret = store_fail(st, err, errlen, -ENOENT, "no backup %lld", (long long)id);
	sqlite3_finalize(s);
	return ret;
}

void store_backup_clear(struct store_backup *b)
{
	free(b->vm);
	free(b->vm_uuid);
	free(b->pool);
	free(b->src_pool);
	free(b->dir);
	free(b->method);
	free(b->config);
	free(b->disks);
	free(b->verify_result);
	memset(b, 0, sizeof(*b));
}

void store_backup_list_free(struct store_backup *v, size_t n)
{
	store_rows_free(&backup_rows, v, n);
}
