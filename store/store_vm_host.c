/*
 * Host-local facts about a VM that a cluster would not share: today the
 * slot of the uid range its QEMU runs as (core/vm_uid.c).  One row per VM
 * that has a slot, removed with the VM by the foreign key's cascade.
 *
 * A new slot is the one after the last one handed out (vm_uid_next keeps
 * that mark), so a slot freed by a deleted VM is handed out again only once
 * the range has wrapped: files the old VM left behind (a kept disk) are not
 * at once another guest's.  After the wrap the lowest free slot is taken.
 */
#include "store/store_internal.h"

#include <errno.h>

static const char sql_slot_get[] =
	"SELECT uid_slot FROM vm_host WHERE vm_id = ?1";
static const char sql_slot_next[] =
	"SELECT COALESCE((SELECT next FROM vm_uid_next WHERE id = 1), "
	"(SELECT MAX(uid_slot) + 1 FROM vm_host), 0)";
static const char sql_slot_taken[] =
	"SELECT COUNT(*) FROM vm_host WHERE uid_slot = ?1";
static const char sql_next_set[] =
	"INSERT INTO vm_uid_next (id, next) VALUES (1, ?1) "
	"ON CONFLICT (id) DO UPDATE SET next = MAX(next, excluded.next)";
/* The lowest slot that is free: 0, or one past a used slot whose
 * successor is free. */
static const char sql_slot_lowest[] =
	"SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM vm_host WHERE uid_slot = 0) THEN 0 "
	"ELSE (SELECT MIN(a.uid_slot + 1) FROM vm_host a WHERE NOT EXISTS "
	"(SELECT 1 FROM vm_host b WHERE b.uid_slot = a.uid_slot + 1)) END";
static const char sql_slot_set[] =
	"INSERT INTO vm_host (vm_id, uid_slot) VALUES (?1, ?2)";

static int one_int(struct store *st, const char *sql, int64_t bind, int64_t *out,
		   const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		sqlite3_finalize(s);
		return store_db_fail(st, err, errlen, "%s: preparing a statement", st->path);
	}
	if (bind >= 0 && sqlite3_bind_int64(s, 1, bind) != SQLITE_OK) {
		ret = store_db_fail(st, err, errlen, "cannot read %s", what);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(s, 0);
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		ret = store_fail(st, err, errlen, -ENOENT, "no %s", what);
	else
		ret = store_db_fail(st, err, errlen, "cannot read %s", what);
out:
	sqlite3_finalize(s);
	return ret;
}

int store_vm_uid_slot_get(struct store *st, int64_t vm_id, int64_t *slot)
{
	return one_int(st, sql_slot_get, vm_id, slot, "uid slot for this VM", NULL, 0);
}

int store_vm_uid_slot_alloc(struct store *st, int64_t vm_id, int64_t nslots, int64_t *slot,
			    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int64_t next = 0, taken = 0;
	int ret;

	if (nslots <= 0)
		return store_fail(st, err, errlen, -EINVAL, "the uid range for QEMU is empty");
	ret = store_tx_begin(st, 1, err, errlen);
	if (ret)
		return ret;
	ret = one_int(st, sql_slot_get, vm_id, slot, "uid slot", NULL, 0);
	if (ret == 0)                       /* it has one already */
		return store_tx_commit(st, err, errlen);
	ret = one_int(st, sql_slot_next, -1, &next, "uid slots", err, errlen);
	if (ret == 0 && next < nslots)
		ret = one_int(st, sql_slot_taken, next, &taken, "uid slots", err, errlen);
	if (ret == 0 && (next >= nslots || taken))
		ret = one_int(st, sql_slot_lowest, -1, &next, "uid slots", err, errlen);
	if (ret)
		goto fail;
	if (next >= nslots) {
		ret = store_fail(st, err, errlen, -ENOSPC,
				 "every one of the %lld uids reserved for QEMU is in use; "
				 "widen the range in /etc/subuid and /etc/subgid", (long long)nslots);
		goto fail;
	}
	if (sqlite3_prepare_v2(st->db, sql_slot_set, -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 1, vm_id) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, next) != SQLITE_OK || sqlite3_step(s) != SQLITE_DONE) {
		ret = store_db_fail(st, err, errlen, "cannot record uid slot %lld of VM %lld",
				    (long long)next, (long long)vm_id);
		sqlite3_finalize(s);
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(st->db, sql_next_set, -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 1, next + 1) != SQLITE_OK || sqlite3_step(s) != SQLITE_DONE) {
		ret = store_db_fail(st, err, errlen, "cannot record the next uid slot");
		sqlite3_finalize(s);
		goto fail;
	}
	sqlite3_finalize(s);
	*slot = next;
	return store_tx_commit(st, err, errlen);
fail:
	store_tx_rollback(st);
	return ret;
}
