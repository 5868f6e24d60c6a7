/*
 * Snapshots: a VM's disks at one instant, kept inside each qcow2 image as
 * an internal snapshot of the same name, plus a row in the store (its
 * place in the tree, the VM's definition then, the measured guest pause)
 * and, for a UEFI VM, a copy of its variable store.
 *
 *   create  running or paused: the guest is stopped, one QMP "transaction"
 *           of blockdev-snapshot-internal-sync over every disk's top node
 *           is sent, the variable store copied, the guest continued; the
 *           pause is RESUME's QMP timestamp minus STOP's (method
 *           "transaction").  Stopped: qemu-img snapshot -c per disk, as
 *           the QEMU user (method "stopped", no pause).  The new snapshot
 *           becomes a child of the current one, and current.
 *   revert  stopped: qemu-img snapshot -a per disk, the variable store and
 *           the definition's settings put back, current moves there.  A
 *           running VM needs force (error "needs-force"): QEMU is stopped,
 *           the revert applied, the VM started again from its disks.
 *   delete  blockdev-snapshot-delete-internal-sync per disk while QEMU
 *           runs, qemu-img snapshot -d otherwise; its children move up to
 *           its parent, and when it was current its parent becomes current.
 *
 * Each is a job (snap.create, snap.revert, snap.delete) whose target is
 * the VM; one job per VM at a time.  A create that fails, is cancelled or
 * is cut short by a croftd restart leaves no snapshot on any disk: its
 * cleanup (or, after a restart, the job resumed in "undo" mode) deletes
 * the name from every disk that may have it.  Reverts and deletes resume
 * after a restart; both are idempotent.
 *
 * The tree rules (names, parents, children, depth warnings, sizes) are
 * pure functions below, for unit tests.
 */
#ifndef CROFT_SNAP_H
#define CROFT_SNAP_H

#include "core/job.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct croftd;
struct qmp_msg;
struct vm;

/* Along the current path, deeper than this warns in snap.list. */
#define SNAP_DEEP_WARN 10
/* The error code of a revert that would lose a running guest's state. */
#define SNAP_E_NEEDS_FORCE "needs-force"

/* --- the tree (pure) ----------------------------------------------------------- */

/* The index in v[0..n-1] of the snapshot with id, or -1. */
long snap_tree_find(const struct store_snap *v, size_t n, int64_t id);
/* How many snapshots lie on the path from a root to the current one
 * (0: none is current). */
size_t snap_tree_depth(const struct store_snap *v, size_t n);
/* The size of snapshot i: the disks' growth after it was taken until the
 * next snapshot (by time) was taken, or until now (now_alloc, the disks'
 * allocated bytes now) for the newest: what copy-on-write keeps for it at
 * most.  0 when the images shrank meanwhile. */
uint64_t snap_tree_size(const struct store_snap *v, size_t n, size_t i, uint64_t now_alloc);
/* Snapshot i as snap.list shows it (contract S): parent and children by
 * name, size as above. */
json_t *snap_tree_json(const struct store_snap *v, size_t n, size_t i, uint64_t now_alloc);
/* The warnings of snap.list about the tree: a deep current path. */
json_t *snap_tree_warnings(const struct store_snap *v, size_t n);

/* What qemu-img check --output=json (its stdout out, exit status) said of
 * the image at path: 1 with msg saying what is wrong (corruptions or
 * check errors; leaked clusters are harmless), else 0. */
int snap_check_judge(const char *out, int status, const char *path, char *msg, size_t msglen);
/* What QMP query-block's "inserted" says of the running image at path,
 * given the VM's snapshots v (each row's disks naming the images it is
 * on): 1 with msg when QEMU marked it corrupt or it lacks a snapshot the
 * store lists on it, else 0 (snap_health.c). */
int snap_health_judge_block(const json_t *inserted, const char *path,
			    const struct store_snap *v, size_t n, char *msg, size_t msglen);
/* QEMU's BLOCK_IMAGE_CORRUPTED event of vm: recorded as that disk's
 * health at once. */
struct qmp_msg;
void snap_health_event(struct vm *vm, const struct qmp_msg *ev);

/* --- croftd ------------------------------------------------------------------------ */

struct snap_create_opts {
	bool ram;
	const char *description;     /* NULL: none */
	bool protected_;
	int64_t schedule_id;         /* 0: manual */
};

/*
 * Queue a snap.create job for VM vm: name valid and new on the VM, every
 * disk qcow2 (a raw disk is named, with how to convert it), no other job
 * on the VM.  0 with *out (may be NULL) the queued job, valid during the
 * call; done (may be NULL) runs when it ends.  -errno with err naming the
 * problem and nothing queued: -ENOENT (no such VM), -EINVAL (name, raw
 * disk, RAM of a stopped VM), -EEXIST (name taken), -EBUSY (another job
 * runs on the VM), -EPERM (a template).  code (may be NULL) gets the PROTO_E_* code.
 */
int snap_submit_create(struct croftd *d, const char *vm, const char *name,
		       const struct snap_create_opts *o, job_done_fn done, void *data,
		       struct job **out, char *err, size_t errlen);
int snap_submit_create_code(struct croftd *d, const char *vm, const char *name,
			    const struct snap_create_opts *o, job_done_fn done, void *data,
			    struct job **out, const char **code, char *err, size_t errlen);
/* Queue a snap.delete job: -ENOENT (no VM or snapshot), -EBUSY. */
int snap_submit_delete(struct croftd *d, const char *vm, const char *name, job_done_fn done,
		       void *data, struct job **out, char *err, size_t errlen);
int snap_submit_delete_code(struct croftd *d, const char *vm, const char *name,
			    job_done_fn done, void *data, struct job **out, const char **code,
			    char *err, size_t errlen);
/* Queue a snap.revert job: -ENOENT, -EBUSY, or -EAGAIN with *code
 * SNAP_E_NEEDS_FORCE when the VM runs and force is not given. */
int snap_submit_revert(struct croftd *d, const char *vm, const char *name, bool force,
		       struct job **out, const char **code, char *err, size_t errlen);

/* snap.list's answer for vm (contract): 0 with *out, or -errno with err. */
int snap_list_json(struct croftd *d, struct vm *vm, json_t **out, char *err, size_t errlen);
/* snap.info's: S plus "disks".  -ENOENT when vm has no such snapshot. */
int snap_info_json(struct croftd *d, struct vm *vm, const char *name, json_t **out, char *err,
		   size_t errlen);

/* The disks' snapshot of a live vm whose guest is stopped (or paused):
 * one QMP transaction of blockdev-snapshot-internal-sync named name over
 * every disk's top node, queued now (QEMU runs it before any later
 * command), and the UEFI variable store copied now (recorded in j, so it
 * goes unless j ends done).  done(data, error) runs once with QEMU's
 * answer, error NULL when every disk has it; a transaction is all or
 * nothing.  0, or -errno with err set and done not called. */
typedef void (*snap_take_fn)(void *data, const char *error);
int snap_disks_take(struct job *j, struct vm *vm, const char *name, snap_take_fn done,
		    void *data, char *err, size_t errlen);

/* The pause a disk-only snapshot of vm would make now: 0 when it is
 * stopped, else the mean of its earlier ones, or SNAP_PAUSE_GUESS_MS. */
#define SNAP_PAUSE_GUESS_MS 5.0
double snap_pause_estimate(struct croftd *d, const struct vm *vm);

/* croftd's "snapshots" service (after "jobs"): queue the removal of the
 * half-made snapshots a stop left (their undo could not be queued then). */
int snap_service_init(struct croftd *d, char *err, size_t errlen);

/* Remove the variable store copies of VM vm's snapshots (it is being
 * deleted; its disks' snapshots go with the disks or stay in them). */
void snap_files_remove(struct croftd *d, const char *vm);

/* QEMU's STOP or RESUME event for vm: 1 when a snapshot paused the guest
 * (the event is the snapshot's, not a pause of the VM), else 0. */
int snap_qmp_pause_event(struct vm *vm, const struct qmp_msg *ev);

extern const struct job_kind snap_create_kind;
extern const struct job_kind snap_revert_kind;
extern const struct job_kind snap_delete_kind;

#endif
