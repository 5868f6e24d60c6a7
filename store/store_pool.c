/*
 * Pools an administrator created: a name, a directory and what it holds
 * (volumes or ISOs).  The rules a pool must meet (an absolute directory,
 * not inside another pool) are core/pools.c's; the store keeps the rows
 * and refuses a name or a directory taken twice.
 */
#include "store/store_internal.h"

#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char sql_pool_add[] =
	"INSERT INTO pools (name, dir, content, created) VALUES (?1, ?2, ?3, ?4)";
static const char sql_pool_delete[] =
	"DELETE FROM pools WHERE name = ?1";
static const char sql_pool_list[] =
	"SELECT name, dir, content, created FROM pools ORDER BY name";

int store_pool_add(struct store *st, const struct store_pool *p, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc, ret;

	if (!p->name || !p->dir || !p->content)
		return store_fail(st, err, errlen, -EINVAL, "a pool needs a name, a directory and a content type");
	if ((ret = store_prepare(st, sql_pool_add, &s, err, errlen)))
		return ret;
	if (store_bind_text(s, 1, p->name) || store_bind_text(s, 2, p->dir) ||
	    store_bind_text(s, 3, p->content) || sqlite3_bind_int64(s, 4, p->created)) {
		ret = store_db_fail(st, err, errlen, "cannot add pool '%s'", p->name);
		goto out;
	}
	rc = sqlite3_step(s);
	if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_CHECK)
		ret = store_fail(st, err, errlen, -EINVAL, "pool content '%s' is not images or iso",
				 p->content);
	else if ((rc & 0xff) == SQLITE_CONSTRAINT)
		ret = store_fail(st, err, errlen, -EEXIST,
				 "a pool named '%s' or with directory %s exists already", p->name, p->dir);
	else if (rc != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "cannot add pool '%s'", p->name);
out:
	sqlite3_finalize(s);
	return ret;
}

int store_pool_delete(struct store *st, const char *name, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret;

	if ((ret = store_prepare(st, sql_pool_delete, &s, err, errlen)))
		return ret;
	if (store_bind_text(s, 1, name) || sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "cannot delete pool '%s'", name);
	else if (sqlite3_changes(st->db) == 0)
		ret = store_fail(st, err, errlen, -ENOENT, "no pool named '%s'", name);
	sqlite3_finalize(s);
	return ret;
}

int store_pool_list(struct store *st, struct store_pool **v, size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc, ret;

	*v = NULL;
	*n = 0;
	if ((ret = store_prepare(st, sql_pool_list, &s, err, errlen)))
		return ret;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_pool *p;

		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		p = &(*v)[(*n)++];
		p->name = store_col_text(s, 0);
		p->dir = store_col_text(s, 1);
		p->content = store_col_text(s, 2);
		p->created = sqlite3_column_int64(s, 3);
		if (!p->name || !p->dir || !p->content) {
			rc = SQLITE_CORRUPT;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = store_db_fail(st, err, errlen, "cannot list the pools");
		store_pool_list_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	sqlite3_finalize(s);
	return ret;
}

void store_pool_list_free(struct store_pool *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].dir);
		free(v[i].content);
	}
	free(v);
}

/* --- a disk leaving a VM (vm disk detach) ----------------------------------------- */

int store_disk_remove(struct store *st, int64_t vm_id, uint32_t idx, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret;

	if ((ret = store_prepare(st, "DELETE FROM disks WHERE vm_id = ?1 AND idx = ?2", &s, err,
				 errlen)))
		return ret;
	if (sqlite3_bind_int64(s, 1, vm_id) || sqlite3_bind_int64(s, 2, idx) ||
	    sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "cannot remove disk %u of VM %lld", idx,
				    (long long)vm_id);
	else if (sqlite3_changes(st->db) == 0)
		ret = store_fail(st, err, errlen, -ENOENT, "VM %lld has no disk %u", (long long)vm_id,
				 idx);
	sqlite3_finalize(s);
	return ret;
}
