/*
 * A VM's snapshots (store.h, table snapshots): one row each, the tree in
 * parent_id, the current position a flag that a partial unique index
 * keeps to one row per VM.  Adding and deleting touch several rows (the
 * old current one, the children) in one savepoint.  Statements are
 * prepared per call: snapshots change a few times an hour.
 */
#include "store/store_internal.h"

#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SNAP_COLS "id, vm_id, name, parent_id, created, ram, vmstate, description, pause_ms, " \
	"method, frozen, protected, schedule_id, current, alloc, spec, disks"

/* Run one statement binding ?1 and ?2 (int64): 0, or -errno with err. */
static int exec2(struct store *st, const char *sql, int64_t a, int64_t b, char *err,
		 size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret;

	if ((ret = store_prepare(st, sql, &s, err, errlen)))
		return ret;
	if (sqlite3_bind_int64(s, 1, a) || sqlite3_bind_int64(s, 2, b) ||
	    sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "cannot update the snapshots of VM %lld",
				    (long long)a);
	sqlite3_finalize(s);
	return ret;
}

static void bind_null_or_int(sqlite3_stmt *s, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static int insert(struct store *st, struct store_snap *v, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc, ret;

	if ((ret = store_prepare(st, "INSERT INTO snapshots (vm_id, name, parent_id, created, "
				 "ram, vmstate, description, pause_ms, method, frozen, protected, "
				 "schedule_id, current, alloc, spec, disks) VALUES (?1, ?2, ?3, "
				 "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 1, ?13, ?14, ?15)", &s,
				 err, errlen)))
		return ret;
	sqlite3_bind_int64(s, 1, v->vm_id);
	store_bind_text(s, 2, v->name);
	bind_null_or_int(s, 3, v->parent_id);
	sqlite3_bind_int64(s, 4, v->created);
	sqlite3_bind_int(s, 5, !!v->ram);
	store_bind_text(s, 6, v->vmstate);
	store_bind_text(s, 7, v->description ? v->description : "");
	if (v->pause_ms >= 0)
		sqlite3_bind_double(s, 8, v->pause_ms);
	else
		sqlite3_bind_null(s, 8);
	store_bind_text(s, 9, v->method);
	sqlite3_bind_int(s, 10, !!v->frozen);
	sqlite3_bind_int(s, 11, !!v->protected_);
	bind_null_or_int(s, 12, v->schedule_id);
	sqlite3_bind_int64(s, 13, (int64_t)v->alloc);
	store_bind_text(s, 14, v->spec);
	store_bind_text(s, 15, v->disks);
	rc = sqlite3_step(s);
	if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE)
		ret = store_fail(st, err, errlen, -EEXIST, "VM %lld already has a snapshot named '%s'",
				 (long long)v->vm_id, v->name);
	else if (rc != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "cannot record snapshot '%s'",
				    v->name ? v->name : "?");
	else
		v->id = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(s);
	return ret;
}

int store_snap_add(struct store *st, struct store_snap *s, char *err, size_t errlen)
{
	int ret;

	if ((ret = store_sp_begin(st, "store_snap", err, errlen)))
		return ret;
	if ((ret = exec2(st, "UPDATE snapshots SET current = 0 WHERE vm_id = ?1 AND ?2 = ?2",
			 s->vm_id, 0, err, errlen)) ||
	    (ret = insert(st, s, err, errlen))) {
		store_sp_rollback(st, "store_snap");
		return ret;
	}
	if ((ret = store_sp_release(st, "store_snap", err, errlen)))
		return ret;
	s->current = 1;
	return 0;
}

static void snap_read(sqlite3_stmt *s, void *row)
{
	struct store_snap *v = row;

	v->id = sqlite3_column_int64(s, 0);
	v->vm_id = sqlite3_column_int64(s, 1);
	v->name = store_col_text(s, 2);
	v->parent_id = sqlite3_column_int64(s, 3);       /* NULL reads 0 */
	v->created = sqlite3_column_int64(s, 4);
	v->ram = sqlite3_column_int(s, 5);
	v->vmstate = store_col_text(s, 6);
	v->description = store_col_text(s, 7);
	v->pause_ms = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 8);
	v->method = store_col_text(s, 9);
	v->frozen = sqlite3_column_int(s, 10);
	v->protected_ = sqlite3_column_int(s, 11);
	v->schedule_id = sqlite3_column_int64(s, 12);
	v->current = sqlite3_column_int(s, 13);
	v->alloc = (uint64_t)sqlite3_column_int64(s, 14);
	v->spec = store_col_text(s, 15);
	v->disks = store_col_text(s, 16);
}

static void snap_clear_row(void *row)
{
	store_snap_clear(row);
}

static const struct store_rows snap_rows = { sizeof(struct store_snap), snap_read,
					     snap_clear_row };

int store_snap_list(struct store *st, int64_t vm_id, struct store_snap **v, size_t *n)
{
	sqlite3_stmt *s = NULL;
	void *rows = NULL;
	int ret;

	*v = NULL;
	*n = 0;
	if ((ret = store_prepare(st, "SELECT " SNAP_COLS " FROM snapshots WHERE vm_id = ?1 "
				 "ORDER BY created, id", &s, NULL, 0)))
		return ret;
	if (sqlite3_bind_int64(s, 1, vm_id) || store_rows_read(s, &snap_rows, &rows, n) !=
	    SQLITE_DONE)
		ret = store_db_fail(st, NULL, 0, "cannot list the snapshots of VM %lld",
				    (long long)vm_id);
	else
		*v = rows;
	sqlite3_finalize(s);
	return ret;
}

int store_snap_get(struct store *st, int64_t vm_id, const char *name, struct store_snap *out)
{
	sqlite3_stmt *s = NULL;
	int rc, ret;

	memset(out, 0, sizeof(*out));
	if ((ret = store_prepare(st, "SELECT " SNAP_COLS " FROM snapshots WHERE vm_id = ?1 "
				 "AND name = ?2", &s, NULL, 0)))
		return ret;
	if (sqlite3_bind_int64(s, 1, vm_id) || store_bind_text(s, 2, name))
		rc = SQLITE_ERROR;
	else
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snap_read(s, out);
	else if (rc == SQLITE_DONE)
		ret = store_fail(st, NULL, 0, -ENOENT, "VM %lld has no snapshot named '%s'",
				 (long long)vm_id, name);
	else
		ret = store_db_fail(st, NULL, 0, "cannot read snapshot '%s'", name);
	sqlite3_finalize(s);
	return ret;
}

int store_snap_delete(struct store *st, int64_t vm_id, const char *name, char *err,
		      size_t errlen)
{
	struct store_snap v;
	int ret;

	if ((ret = store_sp_begin(st, "store_snap", err, errlen)))
		return ret;
	if ((ret = store_snap_get(st, vm_id, name, &v))) {
		store_sp_rollback(st, "store_snap");
		return store_fail(st, err, errlen, ret, "%s", store_last_error(st));
	}
	if ((ret = exec2(st, "UPDATE snapshots SET parent_id = NULLIF(?2, 0) WHERE parent_id = ?1",
			 v.id, v.parent_id, err, errlen)) ||
	    (ret = exec2(st, "DELETE FROM snapshots WHERE id = ?1 AND ?2 = ?2", v.id, 0, err,
			 errlen)) ||
	    (v.current && v.parent_id &&
	     (ret = exec2(st, "UPDATE snapshots SET current = 1 WHERE id = ?2 AND vm_id = ?1",
			  vm_id, v.parent_id, err, errlen)))) {
		store_sp_rollback(st, "store_snap");
		store_snap_clear(&v);
		return ret;
	}
	store_snap_clear(&v);
	return store_sp_release(st, "store_snap", err, errlen);
}

int store_snap_set_current(struct store *st, int64_t vm_id, int64_t id, char *err,
			   size_t errlen)
{
	int ret;

	if ((ret = store_sp_begin(st, "store_snap", err, errlen)))
		return ret;
	if ((ret = exec2(st, "UPDATE snapshots SET current = 0 WHERE vm_id = ?1 AND ?2 = ?2",
			 vm_id, 0, err, errlen)) ||
	    (id && (ret = exec2(st, "UPDATE snapshots SET current = 1 WHERE vm_id = ?1 AND id = ?2",
				vm_id, id, err, errlen)))) {
		store_sp_rollback(st, "store_snap");
		return ret;
	}
	if (id && sqlite3_changes(st->db) == 0) {
		store_sp_rollback(st, "store_snap");
		return store_fail(st, err, errlen, -ENOENT, "VM %lld has no snapshot %lld",
				  (long long)vm_id, (long long)id);
	}
	return store_sp_release(st, "store_snap", err, errlen);
}

void store_snap_clear(struct store_snap *s)
{
	free(s->name);
	free(s->vmstate);
	free(s->description);
	free(s->method);
	free(s->spec);
	free(s->disks);
	memset(s, 0, sizeof(*s));
}

void store_snap_list_free(struct store_snap *v, size_t n)
{
	store_rows_free(&snap_rows, v, n);
}
