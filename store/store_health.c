/*
 * The last chain-health check of each of a VM's disks (store.h, table
 * disk_health): one row per (VM, volume path), replaced by every check,
 * so `snap list` shows it after a croftd restart.  Rows go with their VM.
 */
#include "store/store_internal.h"

#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int store_disk_health_set(struct store *st, int64_t vm_id, const struct store_disk_health *h,
			  char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret = 0;

	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO disk_health (vm_id, path, "
			       "checked, ok, how, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1,
			       &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 1, vm_id) || store_bind_text(s, 2, h->path) ||
	    sqlite3_bind_int64(s, 3, h->checked) || sqlite3_bind_int(s, 4, !!h->ok) ||
	    store_bind_text(s, 5, h->how) || store_bind_text(s, 6, h->message) ||
	    sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "cannot record the check of %s", h->path);
	sqlite3_finalize(s);
	return ret;
}

static void health_read(sqlite3_stmt *s, void *row)
{
	struct store_disk_health *h = row;

	h->path = store_col_text(s, 0);
	h->checked = sqlite3_column_int64(s, 1);
	h->ok = sqlite3_column_int(s, 2);
	h->how = store_col_text(s, 3);
	h->message = store_col_text(s, 4);
}

static void health_clear(void *row)
{
	struct store_disk_health *h = row;

	free(h->path);
	free(h->how);
	free(h->message);
	memset(h, 0, sizeof(*h));
}

static const struct store_rows health_rows = { sizeof(struct store_disk_health), health_read,
					       health_clear };

int store_disk_health_list(struct store *st, int64_t vm_id, struct store_disk_health **v,
			   size_t *n)
{
	sqlite3_stmt *s = NULL;
	void *rows = NULL;
	int ret = 0;

	*v = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT path, checked, ok, how, message FROM disk_health "
			       "WHERE vm_id = ?1 ORDER BY path", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 1, vm_id) ||
	    store_rows_read(s, &health_rows, &rows, n) != SQLITE_DONE)
		ret = store_db_fail(st, NULL, 0, "cannot read the disk checks of VM %lld",
				    (long long)vm_id);
	else
		*v = rows;
	sqlite3_finalize(s);
	return ret;
}

void store_disk_health_list_free(struct store_disk_health *v, size_t n)
{
	store_rows_free(&health_rows, v, n);
}
