/*
 * croft's persistent state: one sqlite file (WAL, foreign keys on,
 * synchronous=FULL) holding VMs, their disks and host settings.  The schema
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

#define STORE_SCHEMA_VERSION 1

struct store;

struct store_disk {
	int64_t id;
	int64_t vm_id;
	uint32_t idx;            /* 0 is the first disk (boot order among disks) */
	char *path;              /* absolute */
	char *format;            /* "qcow2" | "raw" | ... as qemu-img names it */
	uint64_t size_bytes;     /* virtual size */
	int owned;               /* created by croft in a pool: deleted with the VM */
};

struct store_vm {
	int64_t id;
	char *name;
	char *uuid;
	uint32_t vcpus;
	uint64_t memory_mib;     /* maximum */
	uint64_t memory_min_mib; /* balloon floor; equals memory when unset */
	char *firmware;          /* "bios" | "uefi" */
	char *boot;              /* comma list of "disk", "cdrom": "disk", "cdrom,disk" */
	char *cdrom;             /* ISO path or NULL */
	char *kernel;            /* NULL unless direct kernel boot */
	char *initrd;
	char *append;
	char *state;             /* last state croftd recorded */
	char *state_reason;      /* why it entered that state */
	int64_t created;         /* unix seconds */
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

#endif
