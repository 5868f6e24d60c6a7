/*
 * The store handle: opening the file, the connection's pragmas, the
 * statement cache, transactions and savepoints, error reporting, and the
 * reading of a query's rows into an array of structs that every table's
 * accessors share.
 *
 * store_open() creates the file itself (mode 0600, so the -wal and -shm
 * files sqlite derives from it are 0600 too), then checks it is a croft
 * sqlite file no newer than this build before changing anything in it: only
 * then is WAL switched on and the migrations run.  The connection runs with
 * foreign keys on, synchronous=FULL (NORMAL for runtime records, see
 * store_sync_relaxed) and a busy timeout, so a second process
 * (the CLI during installation, a crashed croftd's successor) waits for the
 * lock instead of failing.
 */
#include "store/store_internal.h"

#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_BUSY_TIMEOUT_MS 5000

static void set_msg(struct store *st, char *err, size_t errlen,
		    const char *detail, const char *fmt, va_list ap)
{
	int n;

	n = vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
	if (detail && n >= 0 && (size_t)n < sizeof st->errmsg)
		snprintf(st->errmsg + n, sizeof st->errmsg - (size_t)n, ": %s", detail);
	err_set(err, errlen, "%s", st->errmsg);
}

int store_fail(struct store *st, char *err, size_t errlen, int ret,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_msg(st, err, errlen, NULL, fmt, ap);
	va_end(ap);
	return ret;
}

static int errno_of(int xrc)
{
	switch (xrc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return -EEXIST;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_CONSTRAINT_DATATYPE:
		return -EINVAL;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return -ENOENT;
	default:
		return -EIO;
	}
}

int store_db_fail(struct store *st, char *err, size_t errlen, const char *fmt, ...)
{
	int ret = errno_of(sqlite3_extended_errcode(st->db));
	va_list ap;

	va_start(ap, fmt);
	set_msg(st, err, errlen, sqlite3_errmsg(st->db), fmt, ap);
	va_end(ap);
	return ret;
}

const char *store_last_error(const struct store *st)
{
	return st->errmsg;
}

int store_stmt(struct store *st, enum store_stmt_id id, const char *sql,
	       sqlite3_stmt **out, char *err, size_t errlen)
{
	if (!st->stmts[id] &&
	    sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &st->stmts[id], NULL) != SQLITE_OK) {
		*out = NULL;
		return store_db_fail(st, err, errlen, "%s: preparing a statement",
				     st->path);
	}
	*out = st->stmts[id];
	return 0;
}

int store_prepare(struct store *st, const char *sql, sqlite3_stmt **s, char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK) {
		sqlite3_finalize(*s);
		*s = NULL;
		return store_db_fail(st, err, errlen, "%s: preparing a statement", st->path);
	}
	return 0;
}

void store_stmt_done(sqlite3_stmt *s)
{
	if (!s)
		return;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

int store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
}

char *store_col_text(sqlite3_stmt *s, int i)
{
	return xstrdup_or_null((const char *)sqlite3_column_text(s, i));
}

static int exec_cached(struct store *st, enum store_stmt_id id, const char *sql,
		       const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int ret;

	ret = store_stmt(st, id, sql, &s, err, errlen);
	if (ret)
		return ret;
	if (sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "%s: %s", st->path, what);
	store_stmt_done(s);
	return ret;
}

int store_tx_begin(struct store *st, int write, char *err, size_t errlen)
{
	if (write)
		return exec_cached(st, STORE_STMT_BEGIN_WRITE, "BEGIN IMMEDIATE",
				   "cannot start a write transaction", err, errlen);
	return exec_cached(st, STORE_STMT_BEGIN_READ, "BEGIN",
			   "cannot start a read transaction", err, errlen);
}

int store_tx_commit(struct store *st, char *err, size_t errlen)
{
	int ret;

	ret = exec_cached(st, STORE_STMT_COMMIT, "COMMIT", "cannot commit", err, errlen);
	if (ret)
		store_tx_rollback(st);
	return ret;
}

void store_tx_rollback(struct store *st)
{
	sqlite3_stmt *s;

	/* sqlite may already have rolled back (I/O error, full disk). */
	if (sqlite3_get_autocommit(st->db))
		return;
	if (store_stmt(st, STORE_STMT_ROLLBACK, "ROLLBACK", &s, NULL, 0) == 0) {
		sqlite3_step(s);
		store_stmt_done(s);
	}
}

static int exec_sql(struct store *st, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, err, errlen, "%s: %s", st->path, sql);
	return 0;
}

int store_sp_begin(struct store *st, const char *name, char *err, size_t errlen)
{
	char sql[64];

	snprintf(sql, sizeof sql, "SAVEPOINT %s", name);
	return exec_sql(st, sql, err, errlen);
}

int store_sp_release(struct store *st, const char *name, char *err, size_t errlen)
{
	char sql[64];

	snprintf(sql, sizeof sql, "RELEASE %s", name);
	return exec_sql(st, sql, err, errlen);
}

void store_sp_rollback(struct store *st, const char *name)
{
	char sql[128];

	snprintf(sql, sizeof sql, "ROLLBACK TO %s; RELEASE %s", name, name);
	sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

int store_trim(struct store *st, enum store_stmt_id id, const char *sql, int64_t keep,
	       const char *what)
{
	sqlite3_stmt *s;
	int ret;

	if (keep <= 0)
		return 0;
	ret = store_stmt(st, id, sql, &s, NULL, 0);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, keep) || sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, NULL, 0, "cannot trim %s", what);
	store_stmt_done(s);
	return ret;
}

int store_rows_read(sqlite3_stmt *s, const struct store_rows *t, void **rows, size_t *n)
{
	char *arr = NULL;
	size_t count = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? 2 * cap : 16;
			arr = xrealloc(arr, cap * t->size);
		}
		memset(arr + count * t->size, 0, t->size);
		t->read(s, arr + count++ * t->size);
	}
	if (rc != SQLITE_DONE) {
		store_rows_free(t, arr, count);
		arr = NULL;
		count = 0;
	}
	*rows = arr;
	*n = count;
	return rc;
}

void store_rows_free(const struct store_rows *t, void *rows, size_t n)
{
	size_t i;

	for (i = 0; rows && i < n; i++)
		t->clear((char *)rows + i * t->size);
	free(rows);
}

/* Prepare sql and step it once: the sqlite rc of whichever failed, else
 * of the step (SQLITE_ROW, SQLITE_DONE).  *s is the caller's to finalize. */
static int step_first(sqlite3 *db, const char *sql, sqlite3_stmt **s)
{
	int rc = sqlite3_prepare_v2(db, sql, -1, s, NULL);

	return rc == SQLITE_OK ? sqlite3_step(*s) : rc;
}

int store_pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = step_first(db, sql, &s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_ERROR;    /* pragma unknown to this sqlite */
	}
	sqlite3_finalize(s);
	return rc;
}

/* Create the file with mode 0600 if absent; refuse anything not a file. */
static int create_file(struct store *st, char *err, size_t errlen)
{
	struct stat sb;
	int fd, ret = 0;

	fd = open(st->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd >= 0) {
		if (fchmod(fd, 0600) < 0)
			ret = store_fail(st, err, errlen, -errno, "%s: cannot set mode 0600: %s",
					 st->path, strerror(errno));
		close(fd);
		return ret;
	}
	if (errno != EEXIST)
		return store_fail(st, err, errlen, -errno, "%s: cannot create: %s",
				  st->path, strerror(errno));
	fd = open(st->path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return store_fail(st, err, errlen, -errno, "%s: cannot open: %s",
				  st->path, strerror(errno));
	if (fstat(fd, &sb) < 0)
		ret = store_fail(st, err, errlen, -errno, "%s: cannot stat: %s",
				 st->path, strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		ret = store_fail(st, err, errlen, -EINVAL, "%s: not a regular file",
				 st->path);
	close(fd);
	return ret;
}

/* Is this a croft file we may open?  Nothing is written yet. */
static int check_file(struct store *st, char *err, size_t errlen)
{
	int rc, version = 0, app = 0;

	rc = store_pragma_int(st->db, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK)
		rc = store_pragma_int(st->db, "PRAGMA application_id", &app);
	if (rc == SQLITE_NOTADB)
		return store_fail(st, err, errlen, -EIO,
				  "%s is not an sqlite database; refusing to open", st->path);
	if (rc != SQLITE_OK)
		return store_db_fail(st, err, errlen, "%s: cannot read", st->path);
	if (app != 0 && app != STORE_APPLICATION_ID)
		return store_fail(st, err, errlen, -EIO,
				  "%s: an sqlite database of another program (application_id 0x%08x), refusing to open",
				  st->path, (unsigned)app);
	if (version < 0)
		return store_fail(st, err, errlen, -EIO,
				  "%s: invalid schema version %d, refusing to open",
				  st->path, version);
	if (version > STORE_SCHEMA_VERSION)
		return store_fail(st, err, errlen, -ENOTSUP,
				  "%s schema version %d is newer than this croftd supports (%d); refusing to open",
				  st->path, version, STORE_SCHEMA_VERSION);
	return 0;
}

static int set_pragmas(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	const char *mode;
	int fk = 0, ret = 0;

	if (step_first(st->db, "PRAGMA journal_mode = WAL", &s) != SQLITE_ROW) {
		ret = store_db_fail(st, err, errlen, "%s: cannot enable the WAL journal", st->path);
		goto out;
	}
	mode = (const char *)sqlite3_column_text(s, 0);
	if (!mode || strcasecmp(mode, "wal") != 0) {
		ret = store_fail(st, err, errlen, -EIO,
				 "%s: cannot enable the WAL journal (sqlite kept '%s')",
				 st->path, mode ? mode : "?");
		goto out;
	}
	if (sqlite3_exec(st->db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL",
			 NULL, NULL, NULL) != SQLITE_OK) {
		ret = store_db_fail(st, err, errlen, "%s: cannot set pragmas", st->path);
		goto out;
	}
	if (store_pragma_int(st->db, "PRAGMA foreign_keys", &fk) != SQLITE_OK || fk != 1)
		ret = store_fail(st, err, errlen, -EIO,
				 "%s: this sqlite cannot enforce foreign keys", st->path);
out:
	sqlite3_finalize(s);
	return ret;
}

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store *st;
	int rc, ret;

	*out = NULL;
	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);

	ret = create_file(st, err, errlen);
	if (ret)
		goto fail;
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ret = store_fail(st, err, errlen, -EIO, "%s: cannot open: %s", path,
				 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);

	ret = check_file(st, err, errlen);
	if (ret)
		goto fail;
	ret = set_pragmas(st, err, errlen);
	if (ret)
		goto fail;
	ret = store_migrate(st, err, errlen);
	if (ret)
		goto fail;
	if (store_pragma_int(st->db, "PRAGMA user_version", &st->version) != SQLITE_OK) {
		ret = store_db_fail(st, err, errlen, "%s: cannot read the schema version", path);
		goto fail;
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return ret;
}

void store_close(struct store *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < STORE_STMT_COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}

int store_schema_version(struct store *st)
{
	return st->version;
}

int store_integrity_check(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	const char *msg;
	int rc, ret = 0;

	if (step_first(st->db, "PRAGMA integrity_check", &s) != SQLITE_ROW) {
		ret = store_db_fail(st, err, errlen, "%s: integrity check failed", st->path);
		goto out;
	}
	msg = (const char *)sqlite3_column_text(s, 0);
	if (!msg || strcmp(msg, "ok") != 0) {
		ret = store_fail(st, err, errlen, -EIO, "%s: integrity check: %s",
				 st->path, msg ? msg : "no answer");
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;

	rc = step_first(st->db, "PRAGMA foreign_key_check", &s);
	if (rc == SQLITE_ROW)
		ret = store_fail(st, err, errlen, -EIO,
				 "%s: row %lld of table %s refers to a missing row of %s",
				 st->path, (long long)sqlite3_column_int64(s, 1),
				 (const char *)sqlite3_column_text(s, 0),
				 (const char *)sqlite3_column_text(s, 2));
	else if (rc != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "%s: foreign key check failed", st->path);
out:
	sqlite3_finalize(s);
	return ret;
}

void store_sync_relaxed(struct store *st, int relaxed)
{
	/* A failure leaves the stricter or the looser setting for one write;
	 * neither can corrupt the file, so it is not worth an error. */
	sqlite3_exec(st->db, relaxed ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL",
		     NULL, NULL, NULL);
}
