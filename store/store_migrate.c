/*
 * Schema migrations.  migrations[] is ordered; entry i takes the file from
 * schema version i to version i + 1 and is never edited once released: a
 * schema change is a new entry and a bump of STORE_SCHEMA_VERSION.
 *
 * Each migration runs in its own write transaction together with the bump
 * of PRAGMA user_version, so a file is always at exactly one version.  The
 * version is re-read under the write lock, so two processes opening the
 * same old file do not both migrate it.  A migration that rebuilds a table
 * must run with foreign keys off; none does yet.
 */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>

struct migration {
	int version;             /* user_version after this migration */
	const char *sql;
};

static const struct migration migrations[] = {
	{ 1,
	  "CREATE TABLE vms ("
	  " id INTEGER PRIMARY KEY,"
	  " name TEXT NOT NULL UNIQUE,"
	  " uuid TEXT NOT NULL UNIQUE,"
	  " vcpus INTEGER NOT NULL CONSTRAINT vcpus_at_least_1 CHECK (vcpus >= 1),"
	  " memory_mib INTEGER NOT NULL CONSTRAINT memory_at_least_1 CHECK (memory_mib >= 1),"
	  " memory_min_mib INTEGER NOT NULL"
	  "  CONSTRAINT memory_min_between_0_and_memory"
	  "  CHECK (memory_min_mib >= 0 AND memory_min_mib <= memory_mib),"
	  " firmware TEXT NOT NULL DEFAULT 'bios'"
	  "  CONSTRAINT firmware_bios_or_uefi CHECK (firmware IN ('bios', 'uefi')),"
	  " boot TEXT NOT NULL DEFAULT 'disk',"
	  " cdrom TEXT,"
	  " kernel TEXT,"
	  " initrd TEXT,"
	  " append TEXT,"
	  " state TEXT NOT NULL DEFAULT 'stopped',"
	  " state_reason TEXT,"
	  " created INTEGER NOT NULL DEFAULT 0"
	  ") STRICT;"
	  "CREATE TABLE disks ("
	  " id INTEGER PRIMARY KEY,"
	  " vm_id INTEGER NOT NULL REFERENCES vms(id) ON DELETE CASCADE,"
	  " idx INTEGER NOT NULL CONSTRAINT idx_not_negative CHECK (idx >= 0),"
	  " path TEXT NOT NULL,"
	  " format TEXT NOT NULL,"
	  " size_bytes INTEGER NOT NULL CONSTRAINT size_not_negative CHECK (size_bytes >= 0),"
	  " owned INTEGER NOT NULL DEFAULT 0 CONSTRAINT owned_0_or_1 CHECK (owned IN (0, 1)),"
	  " UNIQUE (vm_id, idx)"          /* also the index for the cascade */
	  ") STRICT;"
	  "CREATE TABLE settings ("
	  " key TEXT PRIMARY KEY,"
	  " value TEXT NOT NULL"
	  ") STRICT;"
	  "PRAGMA application_id = 1129465428;" /* STORE_APPLICATION_ID */
	},
};

_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
	       "one migration per schema version");
_Static_assert(STORE_APPLICATION_ID == 1129465428, "application_id in migration 1");

static int migrate_one(struct store *st, const struct migration *m,
		       char *err, size_t errlen)
{
	char bump[64];
	int ret, version = 0;

	ret = store_tx_begin(st, 1, err, errlen);
	if (ret)
		return ret;
	if (store_pragma_int(st->db, "PRAGMA user_version", &version) != SQLITE_OK) {
		ret = store_db_fail(st, err, errlen, "%s: cannot read the schema version",
				    st->path);
		goto fail;
	}
	if (version >= m->version)       /* another process got here first */
		return store_tx_commit(st, err, errlen);

	/* PRAGMA takes no parameters; the number is ours, not a peer's. */
	snprintf(bump, sizeof bump, "PRAGMA user_version = %d", m->version);
	if (sqlite3_exec(st->db, m->sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, bump, NULL, NULL, NULL) != SQLITE_OK) {
		ret = store_db_fail(st, err, errlen,
				    "%s: migration from schema version %d to %d failed",
				    st->path, version, m->version);
		goto fail;
	}
	return store_tx_commit(st, err, errlen);
fail:
	store_tx_rollback(st);
	return ret;
}

int store_migrate(struct store *st, char *err, size_t errlen)
{
	size_t i;
	int ret, version = 0;

	/* The common case, a current file, takes no write lock. */
	if (store_pragma_int(st->db, "PRAGMA user_version", &version) != SQLITE_OK)
		return store_db_fail(st, err, errlen, "%s: cannot read the schema version",
				     st->path);
	for (i = 0; i < sizeof migrations / sizeof migrations[0]; i++) {
		if (migrations[i].version != (int)i + 1)
			return store_fail(st, err, errlen, -EIO,
					  "migration table out of order at entry %zu", i);
		if (migrations[i].version <= version)
			continue;
		ret = migrate_one(st, &migrations[i], err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}
