/*
 * What a filling pool leaves in the store (store.h): why a VM is paused
 * for a pool (vm_pause), the QEMU names of a running VM's disks once it
 * has had a disk hot-plugged (disk_nodes, keyed by the QEMU pid so a new
 * run starts clean), a pool's auto-resume setting (pool_settings) and the
 * pool watch's samples (pool_samples, trimmed by age on each add).  The
 * rows of a VM go with it (foreign keys); a pool's with store_pool_forget.
 * Each statement is prepared per call: these run at most once a second.
 */
#include "store/store_internal.h"

#include "common/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Run sql with its parameters bound from types ('i' int64, 't' text):
 * SQLITE_DONE (or SQLITE_ROW, the first row left in *out for the caller
 * to read and finalize) or another sqlite code. */
static int run(struct store *st, const char *sql, sqlite3_stmt **out, const char *types, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	int i, rc;

	if (out)
		*out = NULL;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		sqlite3_finalize(s);
		return SQLITE_ERROR;
	}
	va_start(ap, types);
	for (i = 0; types[i]; i++) {
		rc = types[i] == 'i' ? sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t))
				     : store_bind_text(s, i + 1, va_arg(ap, const char *));
		if (rc != SQLITE_OK) {
			va_end(ap);
			sqlite3_finalize(s);
			return rc;
		}
	}
	va_end(ap);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && out)
		*out = s;
	else
		sqlite3_finalize(s);
	return rc;
}

int store_vm_pause_set(struct store *st, int64_t vm_id, const char *pool, const char *volume,
		       int64_t since, char *err, size_t errlen)
{
	if (run(st, "INSERT INTO vm_pause (vm_id, pool, volume, since) VALUES (?1, ?2, ?3, ?4) "
		"ON CONFLICT (vm_id) DO UPDATE SET pool = excluded.pool, volume = excluded.volume, "
		"since = excluded.since", NULL, "itti", vm_id, pool, volume, since) != SQLITE_DONE)
		return store_db_fail(st, err, errlen, "cannot record why VM %lld is paused",
				     (long long)vm_id);
	return 0;
}

int store_vm_pause_get(struct store *st, int64_t vm_id, char **pool, char **volume,
		       int64_t *since)
{
	sqlite3_stmt *s;
	int rc = run(st, "SELECT pool, volume, since FROM vm_pause WHERE vm_id = ?1", &s, "i",
		     vm_id);

	*pool = *volume = NULL;
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? -ENOENT : -EIO;
	*pool = store_col_text(s, 0);
	*volume = store_col_text(s, 1);
	*since = sqlite3_column_int64(s, 2);
	sqlite3_finalize(s);
	return 0;
}

int store_vm_pause_clear(struct store *st, int64_t vm_id)
{
	return run(st, "DELETE FROM vm_pause WHERE vm_id = ?1", NULL, "i", vm_id) == SQLITE_DONE
	       ? 0 : -EIO;
}

int store_disk_node_set(struct store *st, int64_t vm_id, uint32_t idx, int64_t pid,
			const char *node, const char *dev, char *err, size_t errlen)
{
	if (run(st, "INSERT INTO disk_nodes (vm_id, idx, pid, node, dev) VALUES (?1, ?2, ?3, ?4, ?5) "
		"ON CONFLICT (vm_id, idx) DO UPDATE SET pid = excluded.pid, node = excluded.node, "
		"dev = excluded.dev", NULL, "iiitt", vm_id, (int64_t)idx, pid, node, dev)
	    != SQLITE_DONE)
		return store_db_fail(st, err, errlen, "cannot record QEMU's name of disk %u of VM "
				     "%lld", idx, (long long)vm_id);
	return 0;
}

int store_disk_nodes_list(struct store *st, int64_t vm_id, int64_t pid,
			  struct store_disk_node **v, size_t *n)
{
	sqlite3_stmt *s;
	int rc = run(st, "SELECT idx, node, dev FROM disk_nodes WHERE vm_id = ?1 AND pid = ?2 "
		     "ORDER BY idx", &s, "ii", vm_id, pid);

	*v = NULL;
	*n = 0;
	while (rc == SQLITE_ROW) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[*n].idx = (uint32_t)sqlite3_column_int64(s, 0);
		(*v)[*n].node = store_col_text(s, 1);
		(*v)[*n].dev = store_col_text(s, 2);
		(*n)++;
		rc = sqlite3_step(s);
	}
	if (*n)
		sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_disk_nodes_free(*v, *n);
		*v = NULL;
		*n = 0;
		return -EIO;
	}
	return 0;
}

void store_disk_nodes_free(struct store_disk_node *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].node);
		free(v[i].dev);
	}
	free(v);
}

int store_disk_node_drop(struct store *st, int64_t vm_id, uint32_t idx)
{
	return run(st, "DELETE FROM disk_nodes WHERE vm_id = ?1 AND idx = ?2", NULL, "ii", vm_id,
		   (int64_t)idx) == SQLITE_DONE ? 0 : -EIO;
}

int store_disk_nodes_clear(struct store *st, int64_t vm_id)
{
	return run(st, "DELETE FROM disk_nodes WHERE vm_id = ?1", NULL, "i", vm_id) == SQLITE_DONE
	       ? 0 : -EIO;
}

int store_pool_auto_resume_get(struct store *st, const char *pool, int *on)
{
	sqlite3_stmt *s;
	int rc = run(st, "SELECT auto_resume FROM pool_settings WHERE name = ?1", &s, "t", pool);

	*on = 0;
	if (rc == SQLITE_ROW) {
		*on = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
		return 0;
	}
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int store_pool_auto_resume_set(struct store *st, const char *pool, int on, char *err,
			       size_t errlen)
{
	if (run(st, "INSERT INTO pool_settings (name, auto_resume) VALUES (?1, ?2) "
		"ON CONFLICT (name) DO UPDATE SET auto_resume = excluded.auto_resume", NULL, "ti",
		pool, (int64_t)!!on) != SQLITE_DONE)
		return store_db_fail(st, err, errlen, "cannot store pool %s's settings", pool);
	return 0;
}

int store_pool_sample_add(struct store *st, const char *pool, int64_t t_ms, uint64_t used,
			  int64_t keep_from_ms)
{
	if (run(st, "INSERT OR REPLACE INTO pool_samples (pool, t_ms, used) VALUES (?1, ?2, ?3)",
		NULL, "tii", pool, t_ms, (int64_t)used) != SQLITE_DONE ||
	    run(st, "DELETE FROM pool_samples WHERE pool = ?1 AND t_ms < ?2", NULL, "ti", pool,
		keep_from_ms) != SQLITE_DONE)
		return -EIO;
	return 0;
}

int store_pool_samples_list(struct store *st, const char *pool, int64_t **t, uint64_t **used,
			    size_t *n)
{
	sqlite3_stmt *s;
	int rc = run(st, "SELECT t_ms, used FROM pool_samples WHERE pool = ?1 ORDER BY t_ms", &s,
		     "t", pool);

	*t = NULL;
	*used = NULL;
	*n = 0;
	while (rc == SQLITE_ROW) {
		*t = xrealloc(*t, (*n + 1) * sizeof(**t));
		*used = xrealloc(*used, (*n + 1) * sizeof(**used));
		(*t)[*n] = sqlite3_column_int64(s, 0);
		(*used)[*n] = (uint64_t)sqlite3_column_int64(s, 1);
		(*n)++;
		rc = sqlite3_step(s);
	}
	if (*n)
		sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(*t);
		free(*used);
		*t = NULL;
		*used = NULL;
		*n = 0;
		return -EIO;
	}
	return 0;
}

int store_pool_forget(struct store *st, const char *pool)
{
	if (run(st, "DELETE FROM pool_samples WHERE pool = ?1", NULL, "t", pool) != SQLITE_DONE ||
	    run(st, "DELETE FROM pool_settings WHERE name = ?1", NULL, "t", pool) != SQLITE_DONE)
		return -EIO;
	return 0;
}
