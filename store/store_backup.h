/*
 * Backups (core/backup.h): one row per finished backup of a VM into
 * another pool, written when its job has copied every disk, so a backup
 * that did not finish never has a row.  The VM is named, not referenced:
 * a backup outlives the VM it was taken of.  The definition (config) and
 * the disks are JSON text as core/backup_spec.c writes them.
 */
#ifndef CROFT_STORE_BACKUP_H
#define CROFT_STORE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct store_backup {
	int64_t id;
	char *vm;                /* the VM's name when it was backed up */
	char *vm_uuid;
	char *pool;              /* where the backup lies */
	char *src_pool;          /* the pool of the VM's first disk then */
	char *dir;               /* <pool dir>/.backups/<vm>/<stamp> */
	int64_t created;         /* unix seconds: the instant of the copy */
	uint64_t size;           /* bytes on disk */
	char *method;            /* "live" (blockdev-backup) or "stopped" (qemu-img) */
	int frozen;              /* the guest's file systems were frozen for it */
	char *config;            /* JSON object: the VM's definition and NICs */
	char *disks;             /* JSON array of the disks */
	int64_t job;             /* the job that made it */
	int64_t schedule;        /* 0: made by hand */
	int64_t verified;        /* unix seconds of the last verify; 0: never */
	char *verify_result;     /* "ok" or what failed; NULL: never verified */
};

/* Insert b (fills b->id); strings must be set. */
int store_backup_add(struct store *st, struct store_backup *b, char *err, size_t errlen);
/* *out zeroed first; -ENOENT when absent. */
int store_backup_get(struct store *st, int64_t id, struct store_backup *out);
/* The backup the job made: 0, or -ENOENT. */
int store_backup_by_job(struct store *st, int64_t job, int64_t *id);
/* Of VM vm (NULL: all), oldest first. */
int store_backup_list(struct store *st, const char *vm, struct store_backup **v, size_t *n);
int store_backup_delete(struct store *st, int64_t id, char *err, size_t errlen);
int store_backup_set_verified(struct store *st, int64_t id, int64_t when, const char *result,
			      char *err, size_t errlen);
void store_backup_clear(struct store_backup *b);
void store_backup_list_free(struct store_backup *v, size_t n);

#endif
