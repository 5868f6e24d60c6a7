/*
 * Host settings: a flat table of string keys and string values (accel,
 * default pool, balloon thresholds...).  The meaning and validation of each
 * key belong to the caller; the store only keeps them.
 */
#include "store/store_internal.h"

#include "common/xalloc.h"

#include <errno.h>

static const char sql_setting_get[] =
	"SELECT value FROM settings WHERE key = ?1";
static const char sql_setting_set[] =
	"INSERT INTO settings (key, value) VALUES (?1, ?2) "
	"ON CONFLICT (key) DO UPDATE SET value = excluded.value";

int store_setting_get(struct store *st, const char *key, char **value)
{
	sqlite3_stmt *s;
	int rc, ret;

	*value = NULL;
	if (!key)
		return store_fail(st, NULL, 0, -EINVAL, "no setting key given");
	ret = store_stmt(st, STORE_STMT_SETTING_GET, sql_setting_get, &s, NULL, 0);
	if (ret)
		return ret;
	if (sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC) != SQLITE_OK) {
		ret = store_db_fail(st, NULL, 0, "cannot read setting '%s'", key);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*value = xstrdup_or_null((const char *)sqlite3_column_text(s, 0));
		if (!*value)
			ret = store_db_fail(st, NULL, 0, "cannot read setting '%s'", key);
	} else if (rc == SQLITE_DONE)
		ret = store_fail(st, NULL, 0, -ENOENT, "setting '%s' is not set", key);
	else
		ret = store_db_fail(st, NULL, 0, "cannot read setting '%s'", key);
out:
	store_stmt_done(s);
	return ret;
}

int store_setting_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s;
	int ret;

	if (!key || !value)
		return store_fail(st, NULL, 0, -EINVAL, "a setting needs a key and a value");
	ret = store_stmt(st, STORE_STMT_SETTING_SET, sql_setting_set, &s, NULL, 0);
	if (ret)
		return ret;
	if (sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC) ||
	    sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, NULL, 0, "cannot write setting '%s'", key);
	store_stmt_done(s);
	return ret;
}
