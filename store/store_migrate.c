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
	{ 2,
	  /* Networking: see the networking section of store.h. */
	  "CREATE TABLE networks ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " name TEXT NOT NULL UNIQUE,"
	  " mode TEXT NOT NULL"
	  "  CONSTRAINT mode_nat_host_only_or_bridged CHECK (mode IN ('nat', 'host-only', 'bridged')),"
	  " subnet TEXT,"
	  " prefix INTEGER CONSTRAINT prefix_8_to_30 CHECK (prefix IS NULL OR prefix BETWEEN 8 AND 30),"
	  " gateway TEXT,"
	  " dhcp_first TEXT,"
	  " dhcp_last TEXT,"
	  " uplink TEXT,"
	  " created INTEGER NOT NULL DEFAULT 0,"
	  " CONSTRAINT bridged_has_uplink_and_no_subnet CHECK (mode <> 'bridged' OR"
	  "  (uplink IS NOT NULL AND subnet IS NULL AND prefix IS NULL AND gateway IS NULL"
	  "   AND dhcp_first IS NULL AND dhcp_last IS NULL)),"
	  " CONSTRAINT routed_has_subnet CHECK (mode = 'bridged' OR"
	  "  (subnet IS NOT NULL AND prefix IS NOT NULL AND gateway IS NOT NULL"
	  "   AND dhcp_first IS NOT NULL AND dhcp_last IS NOT NULL)),"
	  " CONSTRAINT host_only_has_no_uplink CHECK (mode <> 'host-only' OR uplink IS NULL)"
	  ") STRICT;"
	  "CREATE UNIQUE INDEX networks_bridged_uplink ON networks (uplink) WHERE mode = 'bridged';"
	  "CREATE TABLE nics ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " vm_id INTEGER NOT NULL REFERENCES vms(id) ON DELETE CASCADE,"
	  " net_id INTEGER NOT NULL REFERENCES networks(id) ON DELETE RESTRICT,"
	  " mac TEXT NOT NULL UNIQUE,"
	  " ip TEXT,"
	  " vlan INTEGER CONSTRAINT vlan_1_to_4094 CHECK (vlan IS NULL OR vlan BETWEEN 1 AND 4094),"
	  " rate_mbit INTEGER"
	  "  CONSTRAINT rate_1_to_100000 CHECK (rate_mbit IS NULL OR rate_mbit BETWEEN 1 AND 100000)"
	  ") STRICT;"
	  "CREATE INDEX nics_vm ON nics (vm_id);"
	  "CREATE INDEX nics_net ON nics (net_id);"
	  "CREATE UNIQUE INDEX nics_net_ip ON nics (net_id, ip) WHERE ip IS NOT NULL;"
	  "CREATE TABLE forwards ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " net_id INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,"
	  " nic_id INTEGER NOT NULL REFERENCES nics(id) ON DELETE CASCADE,"
	  " proto TEXT NOT NULL CONSTRAINT proto_tcp_or_udp CHECK (proto IN ('tcp', 'udp')),"
	  " host_port INTEGER NOT NULL"
	  "  CONSTRAINT host_port_1_to_65535 CHECK (host_port BETWEEN 1 AND 65535),"
	  " guest_port INTEGER NOT NULL"
	  "  CONSTRAINT guest_port_1_to_65535 CHECK (guest_port BETWEEN 1 AND 65535),"
	  " UNIQUE (proto, host_port)"
	  ") STRICT;"
	  "CREATE INDEX forwards_net ON forwards (net_id);"
	  "CREATE INDEX forwards_nic ON forwards (nic_id);"
	},
	{ 3,
	  /* Jobs and the event history: see store_job.c and store_event.c.
	   * Both are host-local records, not state a cluster would share. */
	  "CREATE TABLE jobs ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " kind TEXT NOT NULL,"
	  " target TEXT,"
	  " state TEXT NOT NULL CONSTRAINT job_state_known"
	  "  CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),"
	  " done_bytes INTEGER NOT NULL DEFAULT 0 CONSTRAINT done_not_negative CHECK (done_bytes >= 0),"
	  " total_bytes INTEGER NOT NULL DEFAULT 0 CONSTRAINT total_not_negative CHECK (total_bytes >= 0),"
	  " error TEXT,"
	  " args TEXT,"                   /* JSON: what the job needs to run or resume */
	  " cleanup TEXT,"                /* JSON: what to remove if it does not finish */
	  " result TEXT,"                 /* JSON: what it produced */
	  " user TEXT,"
	  " uid INTEGER,"
	  " created_ms INTEGER NOT NULL,"
	  " started_ms INTEGER,"
	  " finished_ms INTEGER"
	  ") STRICT;"
	  "CREATE INDEX jobs_state ON jobs (state);"
	  "CREATE TABLE events ("
	  " id INTEGER PRIMARY KEY,"      /* the bus's sequence number */
	  " time_ms INTEGER NOT NULL,"
	  " kind TEXT NOT NULL,"
	  " target TEXT,"
	  " message TEXT NOT NULL,"
	  " user TEXT,"
	  " uid INTEGER,"
	  " op TEXT,"
	  " result TEXT,"
	  " data TEXT NOT NULL DEFAULT '{}'"
	  ") STRICT;"
	  "CREATE INDEX events_time ON events (time_ms);"
	},
	{ 4,
	  /* The monitor's history (store_history.c): one row per owner (0: the
	   * host, else a VM's id), tier and slot, a ring that each tier's
	   * slots bound; the data is the consolidated figures. */
	  "CREATE TABLE history ("
	  " owner INTEGER NOT NULL CONSTRAINT owner_not_negative CHECK (owner >= 0),"
	  " tier INTEGER NOT NULL CONSTRAINT tier_0_to_7 CHECK (tier BETWEEN 0 AND 7),"
	  " slot INTEGER NOT NULL CONSTRAINT slot_not_negative CHECK (slot >= 0),"
	  " t_ms INTEGER NOT NULL,"
	  " data BLOB NOT NULL,"
	  " PRIMARY KEY (owner, tier, slot)"
	  ") STRICT, WITHOUT ROWID;"
	  "CREATE TRIGGER history_vm_deleted AFTER DELETE ON vms"
	  " BEGIN DELETE FROM history WHERE owner = OLD.id; END;"
	},
	{ 5,
	  /* A network's host_access: 1 lets its guests reach every service of
	   * the host; 0 (every network so far) only DHCP, DNS, ping and ND. */
	  "ALTER TABLE networks ADD COLUMN host_access INTEGER NOT NULL DEFAULT 0"
	  " CONSTRAINT host_access_0_or_1 CHECK (host_access IN (0, 1));"
	},
	{ 6,
	  /* Host-local facts about a VM (store_vm_host.c): the slot of the
	   * uid range its QEMU runs as. */
	  "CREATE TABLE vm_host ("
	  " vm_id INTEGER PRIMARY KEY REFERENCES vms(id) ON DELETE CASCADE,"
	  " uid_slot INTEGER NOT NULL UNIQUE CONSTRAINT uid_slot_not_negative CHECK (uid_slot >= 0)"
	  ") STRICT;"
	  "CREATE TABLE vm_uid_next ("      /* the slot after the last handed out */
	  " id INTEGER PRIMARY KEY CONSTRAINT one_row CHECK (id = 1),"
	  " next INTEGER NOT NULL"
	  ") STRICT;"
	},
	{ 7,
	  /* The balloon policy's per-VM settings (core/balloon_policy.h):
	   * a VM's memory shares and whether KSM may merge its memory. */
	  "ALTER TABLE vms ADD COLUMN memory_shares INTEGER NOT NULL DEFAULT 1000"
	  "  CONSTRAINT memory_shares_1_to_50000 CHECK (memory_shares BETWEEN 1 AND 50000);"
	  "ALTER TABLE vms ADD COLUMN ksm INTEGER NOT NULL DEFAULT 1"
	  "  CONSTRAINT ksm_0_or_1 CHECK (ksm IN (0, 1));"
	},
	{ 8,
	  /* A VM's guest agent channel: 1 (every VM so far gets one at its
	   * next start), 0 after --agent off. */
	  "ALTER TABLE vms ADD COLUMN agent INTEGER NOT NULL DEFAULT 1"
	  " CONSTRAINT agent_0_or_1 CHECK (agent IN (0, 1));"
	},
	{ 9,
	  /* A VM's display device: std VGA (every VM so far), virtio-vga, or
	   * none. */
	  "ALTER TABLE vms ADD COLUMN display TEXT NOT NULL DEFAULT 'std'"
	  " CONSTRAINT display_known CHECK (display IN ('none', 'std', 'virtio'));"
	},
	{ 10,
	  /* Pools an administrator created (store_pool.c); "default" and
	   * "iso" under state_dir are not rows, they always exist. */
	  "CREATE TABLE pools ("
	  " name TEXT PRIMARY KEY,"
	  " dir TEXT NOT NULL UNIQUE,"
	  " content TEXT NOT NULL CONSTRAINT content_known CHECK (content IN ('images', 'iso')),"
	  " created INTEGER NOT NULL"
	  ") STRICT;"
	},
	{ 11,
	  /* A full pool pauses its guests (store_pool_state.c): a disk's bus,
	   * why a VM is paused for a pool, the QEMU names of a running VM's
	   * disks after a hot-plug, a pool's auto-resume setting and the pool
	   * watch's samples for the forecast.  vm_pause, disk_nodes and
	   * pool_samples are host-local records. */
	  "ALTER TABLE disks ADD COLUMN bus TEXT NOT NULL DEFAULT 'virtio-blk'"
	  " CONSTRAINT bus_known CHECK (bus IN ('virtio-blk', 'virtio-scsi'));"
	  "CREATE TABLE vm_pause ("
	  " vm_id INTEGER PRIMARY KEY REFERENCES vms(id) ON DELETE CASCADE,"
	  " pool TEXT NOT NULL,"
	  " volume TEXT NOT NULL,"
	  " since INTEGER NOT NULL"
	  ") STRICT;"
	  "CREATE TABLE disk_nodes ("
	  " vm_id INTEGER NOT NULL REFERENCES vms(id) ON DELETE CASCADE,"
	  " idx INTEGER NOT NULL,"
	  " pid INTEGER NOT NULL,"
	  " node TEXT NOT NULL,"
	  " dev TEXT NOT NULL,"
	  " PRIMARY KEY (vm_id, idx)"
	  ") STRICT;"
	  "CREATE TABLE pool_settings ("
	  " name TEXT PRIMARY KEY,"
	  " auto_resume INTEGER NOT NULL DEFAULT 0"
	  "  CONSTRAINT auto_resume_0_or_1 CHECK (auto_resume IN (0, 1))"
	  ") STRICT;"
	  "CREATE TABLE pool_samples ("
	  " pool TEXT NOT NULL,"
	  " t_ms INTEGER NOT NULL,"
	  " used INTEGER NOT NULL CONSTRAINT used_not_negative CHECK (used >= 0),"
	  " PRIMARY KEY (pool, t_ms)"
	  ") STRICT, WITHOUT ROWID;"
	},
	{ 12,
	  /* A VM's cloud-init settings (common/cloudinit.h, JSON text; NULL:
	   * none) and their generation, part of the instance-id its NoCloud
	   * seed gives (core/ci_seed.h). */
	  "ALTER TABLE vms ADD COLUMN cloud_init TEXT"
	  " CONSTRAINT cloud_init_object CHECK (cloud_init IS NULL OR json_type(cloud_init) = 'object');"
	  "ALTER TABLE vms ADD COLUMN cloud_init_gen INTEGER NOT NULL DEFAULT 0"
	  " CONSTRAINT cloud_init_gen_range CHECK (cloud_init_gen BETWEEN 0 AND 4294967295);"
	},
	{ 13,
	  /* Templates (core/vm_clone.h): a VM whose disks are the read-only
	   * base of linked clones; it neither starts nor changes. */
	  "ALTER TABLE vms ADD COLUMN template INTEGER NOT NULL DEFAULT 0"
	  " CONSTRAINT template_0_or_1 CHECK (template IN (0, 1));"
	},
	{ 14,
	  /* Snapshots (core/snap.h): a VM's internal qcow2 snapshots as a
	   * tree (parent_id; NULL: a root), at most one the current position;
	   * spec is the VM's definition then, disks what each disk held. */
	  "CREATE TABLE snapshots ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " vm_id INTEGER NOT NULL REFERENCES vms(id) ON DELETE CASCADE,"
	  " name TEXT NOT NULL,"
	  " parent_id INTEGER REFERENCES snapshots(id) ON DELETE SET NULL,"
	  " created INTEGER NOT NULL,"
	  " ram INTEGER NOT NULL DEFAULT 0 CONSTRAINT ram_0_or_1 CHECK (ram IN (0, 1)),"
	  " vmstate TEXT,"
	  " description TEXT NOT NULL DEFAULT '',"
	  " pause_ms REAL CONSTRAINT pause_not_negative CHECK (pause_ms IS NULL OR pause_ms >= 0),"
	  " method TEXT NOT NULL CONSTRAINT method_known"
	  "  CHECK (method IN ('transaction', 'background-snapshot', 'stopped')),"
	  " frozen INTEGER NOT NULL DEFAULT 0 CONSTRAINT frozen_0_or_1 CHECK (frozen IN (0, 1)),"
	  " protected INTEGER NOT NULL DEFAULT 0"
	  "  CONSTRAINT protected_0_or_1 CHECK (protected IN (0, 1)),"
	  " schedule_id INTEGER,"
	  " current INTEGER NOT NULL DEFAULT 0 CONSTRAINT current_0_or_1 CHECK (current IN (0, 1)),"
	  " alloc INTEGER NOT NULL DEFAULT 0 CONSTRAINT alloc_not_negative CHECK (alloc >= 0),"
	  " spec TEXT NOT NULL CONSTRAINT spec_object CHECK (json_type(spec) = 'object'),"
	  " disks TEXT NOT NULL CONSTRAINT disks_array CHECK (json_type(disks) = 'array'),"
	  " UNIQUE (vm_id, name)"
	  ") STRICT;"
	  "CREATE UNIQUE INDEX snapshots_one_current ON snapshots (vm_id) WHERE current = 1;"
	},
	{ 15,
	  /* Backups to another pool (core/backup.h, store/store_backup.h): a
	   * row per finished backup; the VM by name, as it outlives it. */
	  "CREATE TABLE backups ("
	  " id INTEGER PRIMARY KEY,"
	  " vm TEXT NOT NULL,"
	  " vm_uuid TEXT NOT NULL,"
	  " pool TEXT NOT NULL,"
	  " src_pool TEXT,"
	  " dir TEXT NOT NULL UNIQUE,"
	  " created INTEGER NOT NULL,"
	  " size INTEGER NOT NULL DEFAULT 0 CONSTRAINT size_not_negative CHECK (size >= 0),"
	  " method TEXT NOT NULL CONSTRAINT method_known CHECK (method IN ('live', 'stopped')),"
	  " frozen INTEGER NOT NULL DEFAULT 0 CONSTRAINT frozen_0_or_1 CHECK (frozen IN (0, 1)),"
	  " config TEXT NOT NULL CONSTRAINT config_object CHECK (json_type(config) = 'object'),"
	  " disks TEXT NOT NULL CONSTRAINT disks_array CHECK (json_type(disks) = 'array'),"
	  " job INTEGER NOT NULL,"
	  " schedule INTEGER,"
	  " verified INTEGER,"
	  " verify_result TEXT"
	  ") STRICT;"
	  "CREATE INDEX backups_vm ON backups (vm, created);"
	},
	{ 16,
	  /* Schedules (core/sched.h) and VM tags (core/vm_tags.h): a
	   * schedule names one VM, every VM or a tag; its VM's rows go with
	   * it.  last_run is when it last fired (unix seconds). */
	  "ALTER TABLE vms ADD COLUMN tags TEXT;"
	  "CREATE TABLE schedules ("
	  " id INTEGER PRIMARY KEY,"
	  " vm_id INTEGER REFERENCES vms (id) ON DELETE CASCADE,"
	  " all_vms INTEGER NOT NULL DEFAULT 0 CONSTRAINT all_vms_0_or_1 CHECK (all_vms IN (0, 1)),"
	  " tag TEXT,"
	  " at TEXT NOT NULL,"
	  " ram INTEGER NOT NULL DEFAULT 0 CONSTRAINT ram_0_or_1 CHECK (ram IN (0, 1)),"
	  " backup_to TEXT,"
	  " keep_last INTEGER NOT NULL DEFAULT 0 CONSTRAINT keep_last_not_negative CHECK (keep_last >= 0),"
	  " keep_hourly INTEGER NOT NULL DEFAULT 0 CONSTRAINT keep_hourly_not_negative CHECK (keep_hourly >= 0),"
	  " keep_daily INTEGER NOT NULL DEFAULT 0 CONSTRAINT keep_daily_not_negative CHECK (keep_daily >= 0),"
	  " keep_weekly INTEGER NOT NULL DEFAULT 0 CONSTRAINT keep_weekly_not_negative CHECK (keep_weekly >= 0),"
	  " keep_monthly INTEGER NOT NULL DEFAULT 0 CONSTRAINT keep_monthly_not_negative CHECK (keep_monthly >= 0),"
	  " keep_yearly INTEGER NOT NULL DEFAULT 0 CONSTRAINT keep_yearly_not_negative CHECK (keep_yearly >= 0),"
	  " created INTEGER NOT NULL,"
	  " last_run INTEGER,"
	  " last_result TEXT,"
	  " CONSTRAINT one_target CHECK ((vm_id IS NOT NULL) + all_vms + (tag IS NOT NULL) = 1));"
	},
	{ 17,
	  /* Chain health (core/snap.h, store/store_health.c): the last check
	   * of each of a VM's disks, by qemu-img (stopped) or QMP (running);
	   * checked in unix seconds. */
	  "CREATE TABLE disk_health ("
	  " vm_id INTEGER NOT NULL REFERENCES vms(id) ON DELETE CASCADE,"
	  " path TEXT NOT NULL,"
	  " checked INTEGER NOT NULL,"
	  " ok INTEGER NOT NULL CONSTRAINT ok_0_or_1 CHECK (ok IN (0, 1)),"
	  " how TEXT NOT NULL CONSTRAINT how_known CHECK (how IN ('qemu-img', 'qmp')),"
	  " message TEXT,"
	  " PRIMARY KEY (vm_id, path));"
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
