/*
 * croft's persistent state: one sqlite file (WAL, foreign keys on,
 * synchronous=FULL; NORMAL for runtime records) holding VMs, their disks, host settings, and networks
 * with guest NICs and port forwards (store_net.c).  The schema
 * version lives in PRAGMA user_version and is advanced by ordered migrations
 * when the store is opened; a file newer than this build is refused.
 *
 * No sqlite type appears here: callers see plain structs.  Strings inside
 * returned structs belong to the struct; free them with the *_clear/_free
 * functions.  Every function returns 0 or -errno (-ENOENT: no such row,
 * -EEXIST: unique name taken, -EINVAL: a value the schema's constraints
 * refuse, -EIO: sqlite failure, with a message in err where the signature
 * has one, and in store_last_error() always).  Each mutating call is one
 * transaction.
 */
#ifndef CROFT_STORE_H
#define CROFT_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION 17

struct store;

struct store_disk {
	int64_t id;
	int64_t vm_id;
	uint32_t idx;            /* 0 is the first disk (boot order among disks) */
	char *path;              /* absolute */
	char *format;            /* "qcow2" | "raw" | ... as qemu-img names it */
	uint64_t size_bytes;     /* virtual size */
	int owned;               /* created by croft in a pool: deleted with the VM */
	int scsi;                /* on the virtio-scsi bus (else virtio-blk) */
};

struct store_vm {
	int64_t id;
	char *name;
	char *uuid;
	uint32_t vcpus;
	uint64_t memory_mib;     /* maximum */
	uint64_t memory_min_mib; /* balloon floor; equals memory when unset */
	uint32_t memory_shares;  /* the balloon policy's weight; 0: the default 1000 */
	int ksm_off;             /* 1: QEMU mem-merge=off (KSM may not merge it) */
	char *firmware;          /* "bios" | "uefi" */
	char *boot;              /* comma list of "disk", "cdrom": "disk", "cdrom,disk" */
	char *cdrom;             /* ISO path or NULL */
	char *kernel;            /* NULL unless direct kernel boot */
	char *initrd;
	char *append;
	char *state;             /* last state croftd recorded */
	char *state_reason;      /* why it entered that state */
	int64_t created;         /* unix seconds */
	int agent;               /* 1: a guest agent channel (the default) */
	char *display;           /* "none" | "std" | "virtio" (NULL: "std") */
	char *cloud_init;        /* the cloud-init settings (common/cloudinit.h's
				  * canonical JSON text), NULL: none */
	uint32_t cloud_init_gen; /* bumped at each change of cloud_init */
	int is_template;         /* 1: a template, the read-only base of clones */
	char *tags;              /* ','-joined, sorted (core/vm_tags.h); NULL: none */
	struct store_disk *disks;/* ordered by idx; owned by the struct */
	size_t ndisks;
};

/* Open (creating if absent, mode 0600) and migrate.  err names the file and
 * problem: -ENOTSUP for a schema newer than STORE_SCHEMA_VERSION, -EIO for a
 * file that is not a croft sqlite database, -errno of open(2). */
int store_open(const char *path, struct store **out, char *err, size_t errlen);
void store_close(struct store *st);
/* The schema version the open file is at (after migration). */
int store_schema_version(struct store *st);

/* Insert vm and its disks atomically; fills vm->id and each disk's id and
 * vm_id (and state with "stopped" when NULL), only on success.  -EEXIST
 * when the name is taken. */
int store_vm_insert(struct store *st, struct store_vm *vm, char *err, size_t errlen);
/* The same in one transaction with the deletion of VM old_id (0: none,
 * as store_vm_insert) and its rows: VM old_id is replaced by vm, or,
 * on any failure, left as it was. */
int store_vm_replace(struct store *st, int64_t old_id, struct store_vm *vm, char *err,
		     size_t errlen);
/* Fill *out (with its disks).  -ENOENT when absent.  *out is zeroed first,
 * so store_vm_clear() is safe after any return. */
int store_vm_get(struct store *st, const char *name, struct store_vm *out);
/* All VMs ordered by name, each with disks. */
int store_vm_list(struct store *st, struct store_vm **out, size_t *n);
/* Rewrite every column of the VM with vm->id (not its disks). */
int store_vm_update(struct store *st, const struct store_vm *vm, char *err, size_t errlen);
int store_vm_set_state(struct store *st, int64_t id, const char *state, const char *reason);
/* Delete the VM and its disk rows (the files are the caller's business). */
int store_vm_delete(struct store *st, int64_t id);

/* The slot of the QEMU uid range VM vm_id runs in (store_vm_host.c; a
 * host-local fact, deleted with the VM).  get: 0 or -ENOENT.  alloc: the
 * VM's slot, given one in [0, nslots) if it has none; -ENOSPC when every
 * slot is taken. */
int store_vm_uid_slot_get(struct store *st, int64_t vm_id, int64_t *slot);
int store_vm_uid_slot_alloc(struct store *st, int64_t vm_id, int64_t nslots, int64_t *slot,
			    char *err, size_t errlen);

/* Add a disk row to an existing VM (fills d->id); idx must be unused. */
int store_disk_add(struct store *st, struct store_disk *d, char *err, size_t errlen);

void store_vm_clear(struct store_vm *vm);          /* frees members, zeroes */
void store_vm_list_free(struct store_vm *vms, size_t n);
/* Deep copy; dst is overwritten, not cleared first. */
void store_vm_copy(struct store_vm *dst, const struct store_vm *src);

/* Host settings, string key/value.  get: -ENOENT when unset; *value is
 * malloc'd. */
int store_setting_get(struct store *st, const char *key, char **value);
int store_setting_set(struct store *st, const char *key, const char *value);

/* PRAGMA integrity_check and foreign_key_check: 0 when both find nothing,
 * else -EIO with the first problem in err. */
int store_integrity_check(struct store *st, char *err, size_t errlen);
/* The message of the last failure on st (for calls without an err). */
const char *store_last_error(const struct store *st);

/* --- networking (store_net.c) ------------------------------------------
 *
 * Schema version 2 adds three tables:
 *   networks  a croft network; its id names the bridge (croftbr<id>)
 *   nics      a guest NIC; its id names the tap (croftt<id>).  Deleted
 *             with its VM; a network cannot be deleted while NICs use it.
 *   forwards  a port forward to a NIC; deleted with the NIC or network.
 * Ids are never reused (AUTOINCREMENT), so an interface name never comes
 * back for something else.  Addresses are stored as text ("10.73.0.0");
 * what they mean and which values are valid is croftd's business (the
 * schema only refuses what can never be right: unknown modes, prefixes
 * outside 8..30, VLANs outside 1..4094, rates outside 1..100000, ports
 * outside 1..65535, duplicate names, MACs, addresses per network and
 * proto/host-port pairs, a bridged uplink used twice).
 *
 * Every mutating call below is atomic by itself.  To make several calls
 * one change (a NIC and the forwards to it, a network and its NICs),
 * wrap them in a batch: nothing is visible to other connections until
 * store_batch_commit(), and store_batch_rollback() undoes all of it.
 * store_vm_insert() and store_disk_add() cannot run inside a batch.
 */
struct store_net {
	int64_t id;
	char *name;
	char *mode;              /* "nat" | "host-only" | "bridged" */
	char *subnet;            /* network address; NULL for bridged */
	uint32_t prefix;         /* 8..30; 0 for bridged */
	char *gateway;           /* the host's address on the bridge */
	char *dhcp_first;
	char *dhcp_last;
	char *uplink;            /* interface name, NULL when none */
	int64_t created;         /* unix seconds */
	int host_access;         /* 1: guests reach every host service (nat, host-only) */
};

struct store_nic {
	int64_t id;
	int64_t vm_id;
	int64_t net_id;
	char *mac;               /* "52:54:00:12:34:56" */
	char *ip;                /* assigned or pinned address, NULL when none */
	uint32_t vlan;           /* 0: untagged */
	uint32_t rate_mbit;      /* 0: unlimited */
};

struct store_fwd {
	int64_t id;
	int64_t net_id;
	int64_t nic_id;          /* the NIC traffic goes to */
	char *proto;             /* "tcp" | "udp" */
	uint32_t host_port;
	uint32_t guest_port;
};

int store_batch_begin(struct store *st, char *err, size_t errlen);
int store_batch_commit(struct store *st, char *err, size_t errlen);
/* Undo everything since store_batch_begin(); harmless without a batch. */
void store_batch_rollback(struct store *st);

/* Fills net->id on success.  -EEXIST: the name (or a bridged uplink) is
 * taken. */
int store_net_insert(struct store *st, struct store_net *net, char *err, size_t errlen);
/* Set a network's host_access (0 or 1); -ENOENT when there is no such id. */
int store_net_set_host_access(struct store *st, int64_t id, int on, char *err, size_t errlen);
/* *out is zeroed first; -ENOENT when absent. */
int store_net_get(struct store *st, const char *name, struct store_net *out);
int store_net_get_id(struct store *st, int64_t id, struct store_net *out);
/* Every network ordered by name. */
int store_net_list(struct store *st, struct store_net **out, size_t *n);
/* Delete a network and its forwards.  With NICs on it: -EBUSY, unless
 * with_nics, which deletes them (and the forwards to them) too. */
int store_net_delete(struct store *st, int64_t id, int with_nics, char *err, size_t errlen);

/* Fills nic->id.  -EEXIST: MAC, or address on that network, taken;
 * -ENOENT: no such VM or network. */
int store_nic_insert(struct store *st, struct store_nic *nic, char *err, size_t errlen);
/* NICs ordered by id (the order they were added); vm_id / net_id filter
 * when non-zero. */
int store_nic_list(struct store *st, int64_t vm_id, int64_t net_id,
		   struct store_nic **out, size_t *n);
/* Delete a NIC and the forwards to it.  -ENOENT when absent. */
int store_nic_delete(struct store *st, int64_t id);

/* Fills fwd->id.  -EEXIST: proto/host_port taken; -ENOENT: no such
 * network or NIC. */
int store_fwd_insert(struct store *st, struct store_fwd *fwd, char *err, size_t errlen);
/* Forwards ordered by proto, host_port; net_id / nic_id filter when
 * non-zero. */
int store_fwd_list(struct store *st, int64_t net_id, int64_t nic_id,
		   struct store_fwd **out, size_t *n);
int store_fwd_delete(struct store *st, int64_t id);

/* Free members and zero; the _list_free variants free the array too. */
void store_net_clear(struct store_net *net);
void store_net_list_free(struct store_net *nets, size_t n);
void store_nic_clear(struct store_nic *nic);
void store_nic_list_free(struct store_nic *nics, size_t n);
void store_fwd_clear(struct store_fwd *fwd);
void store_fwd_list_free(struct store_fwd *fwds, size_t n);

/* --- the event history (store_event.c) -----------------------------------
 *
 * Schema version 3 keeps what croftd's event bus published (core/bus.h):
 * one row per event, its id the bus's sequence number, bounded to the
 * newest rows by store_event_add()'s keep.  The jobs table of the same
 * version belongs to store_job.c.
 */
struct store_event {
	int64_t id;              /* the bus's seq */
	int64_t time_ms;         /* unix milliseconds */
	char *kind;              /* "vm.state" */
	char *target;            /* NULL when none */
	char *message;
	char *user;              /* NULL: croftd itself */
	int64_t uid;             /* -1 when none */
	char *op;                /* NULL when none */
	char *result;            /* NULL unless an API request's outcome */
	char *data;              /* JSON text, "{}" when none */
};

/* Insert ev (its id given), then drop all but the newest keep rows (keep 0:
 * drop nothing).  -EEXIST when the id is taken. */
int store_event_add(struct store *st, const struct store_event *ev, int64_t keep);
/* The newest id, 0 when there is none. */
int store_event_last_id(struct store *st, int64_t *id);
/* Events with time_ms >= since_ms and id > after_id, oldest first; when more
 * than limit match (limit > 0), the newest limit of them. */
int store_event_list(struct store *st, int64_t since_ms, int64_t after_id, size_t limit,
		     struct store_event **out, size_t *n);
void store_event_clear(struct store_event *ev);
void store_event_list_free(struct store_event *evs, size_t n);

/* --- jobs (store_job.c) ---------------------------------------------------
 *
 * Schema version 3's jobs table: one row per job croftd's runner
 * (core/job.h) took on, written when it is queued and at every change a
 * restart must know about (state, the files it may leave behind, its
 * result).  Ids come from AUTOINCREMENT, so a job id is never reused.
 * Finished rows are trimmed to the newest "keep" as new jobs come; queued
 * and running ones never are.
 */
struct store_job {
	int64_t id;
	char *kind;              /* "disk.create" */
	char *target;            /* what it is for ("web"), NULL when none */
	char *state;             /* "queued" | "running" | "done" | "failed" | "cancelled" */
	uint64_t done_bytes;
	uint64_t total_bytes;
	char *error;             /* NULL unless failed or cancelled */
	char *args;              /* JSON text: what the job needs to run or resume */
	char *cleanup;           /* JSON array of paths to remove if it does not finish */
	char *result;            /* JSON text, NULL until done */
	char *user;              /* who asked; NULL: croftd itself */
	int64_t uid;             /* -1 when none */
	int64_t created_ms;      /* unix milliseconds */
	int64_t started_ms;      /* 0: not yet */
	int64_t finished_ms;     /* 0: not yet */
};

/* Insert job (id ignored; filled in on success), then drop all but the
 * newest keep finished rows (keep 0: drop nothing). */
int store_job_insert(struct store *st, struct store_job *job, int64_t keep);
/* Rewrite what changes while a job runs: state, progress, error, cleanup,
 * result and the start and finish times.  -ENOENT when the row is gone. */
int store_job_update(struct store *st, const struct store_job *job);
/* *out is zeroed first; -ENOENT when absent. */
int store_job_get(struct store *st, int64_t id, struct store_job *out);
/* Newest first, at most limit (0: no limit): every queued and running job,
 * and finished ones with finished_ms >= finished_since_ms (0: all). */
int store_job_list(struct store *st, int64_t finished_since_ms, size_t limit,
		   struct store_job **out, size_t *n);
/* The queued and running jobs, oldest first (what a restart resolves). */
int store_job_unfinished(struct store *st, struct store_job **out, size_t *n);
void store_job_clear(struct store_job *job);
void store_job_list_free(struct store_job *jobs, size_t n);

/* Pools an administrator created (store_pool.c).  content is "images" or
 * "iso"; created is unix seconds. */
struct store_pool {
	char *name;
	char *dir;
	char *content;
	int64_t created;
};
/* add: -EEXIST when the name or the directory is taken.  delete: -ENOENT
 * when there is no such pool.  list: every pool by name, *v malloc'd. */
int store_pool_add(struct store *st, const struct store_pool *p, char *err, size_t errlen);
int store_pool_delete(struct store *st, const char *name, char *err, size_t errlen);
int store_pool_list(struct store *st, struct store_pool **v, size_t *n, char *err, size_t errlen);
void store_pool_list_free(struct store_pool *v, size_t n);
/* A disk out of a VM's definition (store_pool.c): -ENOENT when it has none
 * of that index. */
int store_disk_remove(struct store *st, int64_t vm_id, uint32_t idx, char *err, size_t errlen);


/* What a full pool left behind, and pool settings (store_pool_state.c).
 * A VM paused because a pool filled: the pool and the volume (POOL/NAME
 * or the image's path) QEMU could not write.  get: -ENOENT when the VM is
 * not paused for a pool; *pool and *volume malloc'd. */
int store_vm_pause_set(struct store *st, int64_t vm_id, const char *pool, const char *volume,
		       int64_t since, char *err, size_t errlen);
int store_vm_pause_get(struct store *st, int64_t vm_id, char **pool, char **volume,
		       int64_t *since);
int store_vm_pause_clear(struct store *st, int64_t vm_id);
/* The QEMU node and device names of a running VM's disks (by disk index),
 * valid while its QEMU is the process pid.  set replaces the VM's row for
 * idx; list gives the rows of pid (*v malloc'd, free each node and dev
 * with store_disk_nodes_free); drop removes one index. */
struct store_disk_node {
	uint32_t idx;
	char *node;
	char *dev;
};
int store_disk_node_set(struct store *st, int64_t vm_id, uint32_t idx, int64_t pid,
			const char *node, const char *dev, char *err, size_t errlen);
int store_disk_nodes_list(struct store *st, int64_t vm_id, int64_t pid,
			  struct store_disk_node **v, size_t *n);
void store_disk_nodes_free(struct store_disk_node *v, size_t n);
int store_disk_node_drop(struct store *st, int64_t vm_id, uint32_t idx);
int store_disk_nodes_clear(struct store *st, int64_t vm_id);
/* A pool's auto-resume setting (0 when never set). */
int store_pool_auto_resume_get(struct store *st, const char *pool, int *on);
int store_pool_auto_resume_set(struct store *st, const char *pool, int on, char *err,
			       size_t errlen);
/* The pool watch's samples (bytes in use at t_ms).  add also drops the
 * pool's samples older than keep_from_ms; list gives them oldest first
 * (*t and *used malloc'd, parallel).  forget drops a pool's samples and
 * settings (a deleted pool). */
int store_pool_sample_add(struct store *st, const char *pool, int64_t t_ms, uint64_t used,
			  int64_t keep_from_ms);
int store_pool_samples_list(struct store *st, const char *pool, int64_t **t, uint64_t **used,
			    size_t *n);
int store_pool_forget(struct store *st, const char *pool);

/* Schedules (store_schedule.c; core/sched.h has their rules).  A schedule
 * names one VM (vm_id, and vm its name when read), every VM (all) or the
 * VMs with a tag; keep[] are the retention counts in prune.h's order
 * (last, hourly, daily, weekly, monthly, yearly).  add fills s->id and
 * created must be set; update writes every field but last_run and
 * last_result, which ran() sets (when 0 keeps last_run).  -ENOENT: no
 * such schedule (or VM). */
struct store_schedule {
	int64_t id;
	int64_t vm_id;           /* 0: none */
	char *vm;                /* its name (read only), NULL: none */
	int all;
	char *tag;               /* NULL: none */
	char *at;                /* the calendar event, as given */
	int ram;
	char *backup_to;         /* a pool: backups instead of snapshots; NULL: snapshots */
	int64_t keep[6];
	int64_t created;         /* unix seconds */
	int64_t last_run;        /* when it last fired; 0: never */
	char *last_result;       /* NULL: never ran */
};
int store_schedule_add(struct store *st, struct store_schedule *s, char *err, size_t errlen);
int store_schedule_update(struct store *st, const struct store_schedule *s, char *err,
			  size_t errlen);
int store_schedule_ran(struct store *st, int64_t id, int64_t when, const char *result);
int store_schedule_get(struct store *st, int64_t id, struct store_schedule *out);
/* Every schedule by id (*v malloc'd, store_schedule_list_free). */
int store_schedule_list(struct store *st, struct store_schedule **v, size_t *n, char *err,
			size_t errlen);
int store_schedule_delete(struct store *st, int64_t id, char *err, size_t errlen);
void store_schedule_clear(struct store_schedule *s);
void store_schedule_list_free(struct store_schedule *v, size_t n);
/* --- snapshots (store_snap.c) --------------------------------------------------
 *
 * A VM's snapshots (core/snap.h) form a tree: parent_id names the parent
 * (0: a root); at most one of a VM's rows is current (the position a new
 * snapshot hangs under).  Rows go with their VM. */
struct store_snap {
	int64_t id;
	int64_t vm_id;
	char *name;
	int64_t parent_id;       /* 0: none */
	int64_t created;         /* unix seconds */
	int ram;                 /* with RAM and device state (vmstate) */
	char *vmstate;           /* the RAM state file, NULL when none */
	char *description;       /* "" when none */
	double pause_ms;         /* the guest's measured pause; < 0: not measured */
	char *method;            /* "transaction" | "background-snapshot" | "stopped" */
	int frozen;              /* the guest's file systems were frozen */
	int protected_;          /* never pruned */
	int64_t schedule_id;     /* 0: taken by hand */
	int current;
	uint64_t alloc;          /* the disks' allocated bytes right after it was taken */
	char *spec;              /* the VM's definition then (JSON object) */
	char *disks;             /* JSON array of its disks */
};
/* Insert s as the VM's current snapshot (fills s->id; s->current 1).
 * -EEXIST when the VM has one of that name. */
int store_snap_add(struct store *st, struct store_snap *s, char *err, size_t errlen);
/* The VM's snapshots, oldest first (*v malloc'd; store_snap_list_free). */
int store_snap_list(struct store *st, int64_t vm_id, struct store_snap **v, size_t *n);
/* -ENOENT when the VM has none of that name; *out zeroed first. */
int store_snap_get(struct store *st, int64_t vm_id, const char *name, struct store_snap *out);
/* Remove one: its children hang under its parent, and when it was current
 * its parent becomes current.  -ENOENT when absent. */
int store_snap_delete(struct store *st, int64_t vm_id, const char *name, char *err,
		      size_t errlen);
/* Make snapshot id the VM's current one (0: none). */
int store_snap_set_current(struct store *st, int64_t vm_id, int64_t id, char *err,
			   size_t errlen);
void store_snap_clear(struct store_snap *s);
void store_snap_list_free(struct store_snap *v, size_t n);

/* --- chain health (store_health.c) ---------------------------------------------
 *
 * The last check of each of a VM's disks (core/snap.h); rows go with
 * their VM. */
struct store_disk_health {
	char *path;              /* the volume */
	int64_t checked;         /* unix seconds */
	int ok;
	char *how;               /* "qemu-img" (stopped) | "qmp" (running) */
	char *message;           /* what is wrong; NULL when ok */
};

/* Record h as the last check of path (replacing the one before). */
int store_disk_health_set(struct store *st, int64_t vm_id, const struct store_disk_health *h,
			  char *err, size_t errlen);
/* The VM's last checks by path (*v malloc'd; store_disk_health_list_free). */
int store_disk_health_list(struct store *st, int64_t vm_id, struct store_disk_health **v,
			   size_t *n);
void store_disk_health_list_free(struct store_disk_health *v, size_t n);

#endif
