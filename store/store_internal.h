/*
 * What the store's files share and nobody else sees: the handle, its cache
 * of prepared statements, transactions and the mapping of sqlite errors to
 * -errno with a message.
 *
 * Every statement is prepared once per handle (SQLITE_PREPARE_PERSISTENT)
 * and kept in st->stmts[] under a fixed id; store_stmt() hands it out ready
 * to bind, store_stmt_done() resets it so no read transaction is left open.
 * A failure leaves its message in st->errmsg (see store_last_error()) and in
 * the caller's err buffer when there is one.
 */
#ifndef CROFT_STORE_INTERNAL_H
#define CROFT_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

/* 'CRFT': marks the file as croft's in the sqlite header. */
#define STORE_APPLICATION_ID 0x43524654

enum store_stmt_id {
	STORE_STMT_BEGIN_READ,
	STORE_STMT_BEGIN_WRITE,
	STORE_STMT_COMMIT,
	STORE_STMT_ROLLBACK,
	STORE_STMT_VM_INSERT,
	STORE_STMT_VM_GET,
	STORE_STMT_VM_LIST,
	STORE_STMT_VM_UPDATE,
	STORE_STMT_VM_SET_STATE,
	STORE_STMT_VM_DELETE,
	STORE_STMT_DISK_INSERT,
	STORE_STMT_DISKS_OF_VM,
	STORE_STMT_DISKS_ALL,
	STORE_STMT_SETTING_GET,
	STORE_STMT_SETTING_SET,
	STORE_STMT_EVENT_INSERT,
	STORE_STMT_EVENT_TRIM,
	STORE_STMT_EVENT_LAST,
	STORE_STMT_EVENT_LIST,
	STORE_STMT_JOB_INSERT,
	STORE_STMT_JOB_TRIM,
	STORE_STMT_JOB_UPDATE,
	STORE_STMT_JOB_GET,
	STORE_STMT_JOB_LIST,
	STORE_STMT_JOB_UNFINISHED,
	STORE_STMT_HISTORY_PUT,
	STORE_STMT_HISTORY_GET,
	STORE_STMT_COUNT
};

struct store {
	sqlite3 *db;
	char *path;
	int version;
	sqlite3_stmt *stmts[STORE_STMT_COUNT];
	char errmsg[512];
};

/* The cached statement for id, preparing sql on first use. */
int store_stmt(struct store *st, enum store_stmt_id id, const char *sql,
	       sqlite3_stmt **out, char *err, size_t errlen);
/* sql prepared for this call only (the caller finalizes it): 0, or
 * -errno with err set and *s NULL. */
int store_prepare(struct store *st, const char *sql, sqlite3_stmt **s, char *err, size_t errlen);
/* Reset and unbind; NULL is ignored. */
void store_stmt_done(sqlite3_stmt *s);
/* Bind v (borrowed until the statement is done), or NULL for NULL. */
int store_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Column i as a malloc'd string, NULL for NULL. */
char *store_col_text(sqlite3_stmt *s, int i);

/* write: BEGIN IMMEDIATE (take the write lock now), else a read snapshot. */
int store_tx_begin(struct store *st, int write, char *err, size_t errlen);
int store_tx_commit(struct store *st, char *err, size_t errlen);
/* Roll back if a transaction is still open; keeps the current message. */
void store_tx_rollback(struct store *st);

/* Record "fmt..." as the error and return ret. */
int store_fail(struct store *st, char *err, size_t errlen, int ret,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Record "fmt...: <sqlite message>" and return the -errno matching sqlite's
 * last error: -EEXIST (unique), -EINVAL (check, not null, type), -ENOENT
 * (foreign key), else -EIO.  Call it before any other sqlite call. */
int store_db_fail(struct store *st, char *err, size_t errlen,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A savepoint named name: atomic by itself, and a part of the caller's
 * batch when there is one.  begin and release fail with "<path>: <sql>";
 * rollback undoes and releases it, keeping the message of the failure that
 * led there. */
int store_sp_begin(struct store *st, const char *name, char *err, size_t errlen);
/* Runtime records (events, a VM's last state) are written with
 * synchronous=NORMAL: in WAL mode such a commit cannot corrupt the file
 * and is made durable by the next full commit or checkpoint, but a power
 * cut may lose it.  Definitions keep synchronous=FULL.  relaxed 1 before
 * the write, 0 after it. */
void store_sync_relaxed(struct store *st, int relaxed);
int store_sp_release(struct store *st, const char *name, char *err, size_t errlen);
void store_sp_rollback(struct store *st, const char *name);

/* Bound a history table: run the cached statement id (sql), which keeps
 * the newest ?1 rows; keep <= 0 keeps them all.  0, or -errno with
 * "cannot trim <what>". */
int store_trim(struct store *st, enum store_stmt_id id, const char *sql, int64_t keep,
	       const char *what);

/* How the rows of a query become structs: their size, read() filling a
 * zeroed struct from the current row, clear() freeing what one owns. */
struct store_rows {
	size_t size;
	void (*read)(sqlite3_stmt *s, void *row);
	void (*clear)(void *row);
};
/* Step s to its end, one struct per row in a new array *rows of *n.
 * Returns SQLITE_DONE, or the sqlite rc that stopped the walk, after
 * freeing what was read (*rows NULL, *n 0). */
int store_rows_read(sqlite3_stmt *s, const struct store_rows *t, void **rows, size_t *n);
/* Clear the n structs of rows and free the array; NULL is ignored. */
void store_rows_free(const struct store_rows *t, void *rows, size_t n);

/* Free a disk's strings and zero it (store_vm_mem.c). */
void store_disk_clear(struct store_disk *d);

/* Bring the open file up to STORE_SCHEMA_VERSION (store_migrate.c). */
int store_migrate(struct store *st, char *err, size_t errlen);
/* Read an integer PRAGMA such as "PRAGMA user_version"; sqlite rc. */
int store_pragma_int(sqlite3 *db, const char *sql, int *out);

#endif
