/*
 * What the snapshot files (snap.c, snap_create.c, snap_change.c) share and
 * nobody else sees: the disks' qemu-img steps, the UEFI variable store's
 * copies, and the jobs' common checks.
 */
#ifndef CROFT_SNAP_INTERNAL_H
#define CROFT_SNAP_INTERNAL_H

#include "core/snap.h"

struct job_exec_result;
struct store_vm;

/* The VM a snapshot job is for (its args' "vm"), or NULL with the job
 * failed. */
struct vm *snap_job_vm(struct job *j);

/* The path (malloc'd) of the copy of VM vm's UEFI variable store that
 * snapshot name keeps. */
char *snap_vars_path(struct croftd *d, const char *vm, const char *name);

/* qemu-img snapshot op ("-c", "-a", "-d") of name on the qcow2 image at
 * path, as a step of j (its backing file not opened: an internal snapshot
 * lives in the top image). */
int snap_qemu_img(struct job *j, const char *op, const char *name, const char *path,
		  void (*done)(struct job *j, const struct job_exec_result *res), char *err,
		  size_t errlen);
/* 1 when QEMU's or qemu-img's message says the snapshot is not there. */
int snap_missing_msg(const char *msg);

/* Remove snapshot name from every disk of the job's VM that has it, one
 * disk after another (QMP while its QEMU runs, else qemu-img), then call
 * then(j).  A disk without it is fine.  The job's priv must begin with a
 * struct snap_sweep. */
struct snap_sweep {
	size_t i;
	const char *name;                /* borrowed from the job's args */
	unsigned waits;                  /* for a QMP connection */
	int found;                       /* snap_check_start: a problem */
	void (*then)(struct job *j);
};
void snap_sweep_start(struct job *j, const char *name, void (*then)(struct job *j));

/* qemu-img check of each qcow2 disk of the job's stopped VM, recorded per
 * disk (snap_health_record); a running one is asked through QMP instead
 * (snap_health_live: qemu-img would read its images mid-change); then
 * then(j).  The job's priv begins with a struct snap_sweep, which this
 * uses. */
void snap_check_start(struct job *j, void (*then)(struct job *j));

/* Record what the last check of vm's disk path found (how: "qemu-img" or
 * "qmp"; msg NULL: all well), logging a problem (snap_health.c). */
void snap_health_record(struct croftd *d, const struct vm *vm, const char *path,
			const char *how, const char *msg);
/* The last checks of vm's disks, as snap.list and snap.info show them
 * (contract S: volume, ok, checked, how, message); each problem is also
 * appended to warnings unless it is NULL. */
json_t *snap_health_json(struct croftd *d, const struct vm *vm, json_t *warnings);
/* Ask QEMU (query-block) about a running vm's images and record each. */
void snap_health_live(struct vm *vm);

/* Queue the undo of a half-made snapshot: a snap.delete job in "undo"
 * mode, which removes the name from the disks and leaves the store alone. */
void snap_undo_submit(struct croftd *d, const char *vm, const char *name);
/* At croftd's start: a guest a snapshot left stopped (its snap-paused
 * mark outlived the job) is continued once QMP answers (snap_create.c). */
void snap_marks_recover(struct croftd *d);

/* The allocated bytes of spec's disk images now. */
uint64_t snap_disks_alloc(const struct store_vm *spec);

/* The settings a revert puts back from the definition vm_spec_json()
 * (vm_spec.h) wrote when the snapshot was taken. */
void snap_spec_restore(struct store_vm *spec, const json_t *saved);

#endif
