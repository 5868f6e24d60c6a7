/*
 * Store files for the store's own tests (testlib.h): a fixture whose file
 * the test opens itself (to see open refuse, migrate or reopen), and a
 * plain sqlite connection per call that reads and writes the file behind
 * the store's back, so a test checks what is on disk rather than what the
 * accessors say.  Also the store's fault seam: a store that refuses every
 * write, as one on a full or failing disk does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "store/store_internal.h"

#include <sqlite3.h>
#include <stdlib.h>

int tl_store_file_setup(void **state)
{
	struct tl_store_file *f = xcalloc(1, sizeof(*f));

	f->dir = tl_tmpdir("store");
	if (!f->dir) {
		free(f);
		return -1;
	}
	f->path = tl_path(f->dir, "croft.db");
	*state = f;
	return 0;
}

int tl_store_file_teardown(void **state)
{
	struct tl_store_file *f = *state;
	int rc;

	store_close(f->st);
	rc = tl_rmtree(f->dir);
	free(f->path);
	free(f->dir);
	free(f);
	return rc < 0 ? -1 : 0;
}

void tl_store_file_open_or_fail(struct tl_store_file *f)
{
	int ret;

	store_close(f->st);
	f->st = NULL;
	ret = store_open(f->path, &f->st, f->err, sizeof(f->err));
	if (ret)
		fail_msg("store_open: %d: %s", ret, f->err);
	assert_non_null(f->st);
}

static sqlite3 *sql_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
					 NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

void tl_sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = sql_open(path);
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

/* The first row of sql, on a connection the caller closes with the
 * statement. */
static sqlite3_stmt *sql_first_row(const char *path, const char *sql, sqlite3 **db)
{
	sqlite3_stmt *s = NULL;

	*db = sql_open(path);
	assert_int_equal(sqlite3_prepare_v2(*db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	return s;
}

long long tl_sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s = sql_first_row(path, sql, &db);
	long long v = sqlite3_column_int64(s, 0);

	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

char *tl_sql_text(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s = sql_first_row(path, sql, &db);
	char *v = xstrdup_or_null((const char *)sqlite3_column_text(s, 0));

	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

void tl_store_readonly(struct store *st, int on)
{
	if (sqlite3_exec(st->db, on ? "PRAGMA query_only = ON" : "PRAGMA query_only = OFF",
			 NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("cannot set query_only: %s", sqlite3_errmsg(st->db));
}
