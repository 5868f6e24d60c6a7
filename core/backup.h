/*
 * Backups of a VM into another pool, because a snapshot (in the VM's own
 * images) is not a backup: the pool's disk dying takes both.
 *
 * A backup is a directory <target pool dir>/.backups/<vm>/<stamp>/ (the
 * second it was taken at, "-1", "-2"... after it for a second backup of
 * the same second) with
 * one qcow2 image per disk (disk<i>.qcow2, made by croftd as the QEMU
 * user), the UEFI variable store when the VM has one (OVMF_VARS.fd) and
 * config.json (the VM's definition and NICs), plus a row in the store's
 * backups table written once every disk is copied.
 *
 *   running VM   every disk at one instant: the targets are opened by
 *                croftd and handed to QEMU as fd sets (add-fd, then a
 *                file and a qcow2 node each), the guest's file systems
 *                frozen when its agent answers, then one QMP transaction
 *                of blockdev-backup (sync full) actions, thawed at once;
 *                QEMU copies while the guest runs on.
 *   stopped VM   qemu-img convert of each disk's whole chain.
 *
 * Then the guest-visible content of each image is hashed (SHA-256 of its
 * raw form, through an unlinked O_TMPFILE in the pool) and recorded, so
 * "backup.verify" can check later that nothing changed: qemu-img check of
 * each image and the hash again.  "backup.restore" makes a new VM from
 * the stored definition with copies of the images in the source's pool.
 *
 * Every file a job makes is recorded first (job_cleanup_add), so a
 * failure, a cancel or a croftd restart leaves nothing; the block jobs and
 * nodes a dead croftd left in a QEMU are cancelled and removed.
 */
#ifndef CROFT_BACKUP_H
#define CROFT_BACKUP_H

#include "core/job.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct croftd;
struct store_backup;
struct store_vm;
struct vm;

/* Queue a backup of VM vm into pool (not a pool of its disks), made by
 * the schedule schedule_id (0: by hand).  0 with *out (may be NULL) the
 * queued job, or -errno with err naming the problem and nothing changed:
 * -ENOENT unknown VM or pool, -EINVAL the VM's own pool or a bad name,
 * -EBUSY another job on the VM, -ENOSPC not room enough. */
int backup_submit_create(struct croftd *d, const char *vm, const char *pool, int64_t schedule_id,
			 job_done_fn done, void *data, struct job **out, char *err, size_t errlen);
/* The same with the PROTO_E_* code of the error, and a running VM's copy
 * limited to speed bytes per second (0: as fast as it goes). */
int backup_create(struct croftd *d, const char *vm, const char *pool, int64_t schedule_id,
		  uint64_t speed, job_done_fn done, void *data, struct job **out,
		  const char **code, char *err, size_t errlen);

/* The id of a queued or running backup of VM vm while it is stopped
 * (qemu-img reads its disks: it must not start meanwhile); 0 when none. */
int64_t backup_copying(struct croftd *d, const char *vm);

/* Remove backup id: its files, then its row.  0, or -errno with err set
 * (-ENOENT: no such backup; -EBUSY: a job uses it). */
int backup_delete(struct croftd *d, int64_t id, char *err, size_t errlen);

/* Queue "backup.verify" of backup id. */
int backup_verify(struct croftd *d, int64_t id, struct job **out, const char **code, char *err,
		  size_t errlen);

/* Queue "backup.restore" of backup id as VM as (NULL: its own name; over
 * an existing stopped VM only with force), its disks into pool (NULL: the
 * backup's source pool). */
int backup_restore(struct croftd *d, int64_t id, const char *as, const char *pool, int force,
		   struct job **out, const char **code, char *err, size_t errlen);

/* A backup as backup.list shows it. */
json_t *backup_json(const struct store_backup *b);

/* --- pure rules (backup_spec.c) -------------------------------------------------- */

/* The directory name of a backup taken at t (UTC): "20260314T021500Z". */
void backup_stamp(int64_t t, char *out, size_t outlen);
/* The definition as config.json keeps it: {"format":1,"vm":{...},"nics":[...]}
 * with nics an array of {"network","mac","vlan","rate_mbit"} (stolen). */
json_t *backup_config_json(const struct store_vm *spec, json_t *nics);
/* Back from backup_config_json's "vm" into *out (zeroed first; free with
 * store_vm_clear), its disks as stored (paths of the VM then).  0, or
 * -EINVAL with err naming the bad field. */
int backup_config_spec(const json_t *config, struct store_vm *out, char *err, size_t errlen);
/* The hash a "sha256sum" run printed first on its output: 0 with hex (65
 * bytes), or -EINVAL. */
int backup_sum_parse(const char *out, char *hex);
/* Will need bytes fit in a pool with avail bytes free, keeping 5 % of its
 * size spare?  0, or -ENOSPC with err saying how much is missing. */
int backup_room_check(const char *pool, uint64_t need, uint64_t avail, uint64_t size,
		      char *err, size_t errlen);

extern const struct job_kind backup_create_kind;
extern const struct job_kind backup_verify_kind;
extern const struct job_kind backup_restore_kind;

#endif
