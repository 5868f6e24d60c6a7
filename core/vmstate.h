/*
 * A running VM's RAM and device state, saved to a file and loaded again:
 * the RAM half of a snapshot (snap.c takes the disks' half at the same
 * instant, through at_pause) and the start that resumes a guest exactly
 * where the snapshot left it.
 *
 * The state is a QEMU migration stream written to a descriptor croftd
 * opened (a file in the VM's pool), passed to QEMU with getfd.  Two
 * methods:
 *
 *   "background-snapshot"  the migration capability of that name (QEMU
 *       6.0+, userfaultfd write protection): QEMU stops the guest, saves
 *       the device state, write-protects the RAM and lets the guest run
 *       while it writes the RAM out, copying a page before the guest's
 *       first write to it.  croftd stops the guest itself first (at_pause
 *       takes the disks' snapshot while it is stopped); QEMU 7.2's
 *       bg_migration_thread then stops it again (a no-op, no second STOP
 *       event) and restarts it unconditionally from a bottom half once
 *       the RAM is protected, so the pause ends as early as it can.  A
 *       QEMU that leaves a stopped guest stopped (9.0+ restores the old
 *       run state) gets "cont" when the capture ends.
 *       An unprivileged QEMU gets userfaultfd through /dev/userfaultfd
 *       (vm_uffd.h) when croftd gave it the device at its start.
 *   "stopped"  an ordinary migration while the guest stays stopped (what
 *       snapshot-save does): the pause covers the whole RAM write.  Used
 *       when the capability is missing or refused (the kernel denies the
 *       QEMU user userfaultfd: vm.unprivileged_userfaultfd=0 and its QEMU
 *       was started without the device), when the
 *       background migration fails before the guest ran again (then the
 *       file is emptied and the capture retried so), and for a guest
 *       that was paused already (it stays paused).
 *
 * The measured pause is the time between QEMU's STOP and RESUME events
 * (their own timestamps, not when croftd read them).
 *
 * Loading: vm_start_from_state() (vm.h) starts QEMU with "-incoming
 * defer" and -S; once QMP is up the file goes over with getfd,
 * migrate-incoming reads it, and "cont" lets the guest go on.
 */
#ifndef CROFT_VMSTATE_H
#define CROFT_VMSTATE_H

#include <stddef.h>
#include <stdint.h>

struct croftd;
struct job;
struct qmp_msg;
struct vm;

#define VMSTATE_BACKGROUND "background-snapshot"
#define VMSTATE_STOPPED "stopped"

/* What a save would do, before it starts. */
struct vmstate_estimate {
	const char *method;      /* VMSTATE_BACKGROUND or VMSTATE_STOPPED */
	double pause_ms;         /* the guest's expected pause */
	uint64_t ram_bytes;      /* the guest's RAM */
	char why[512];           /* stopped: why not in the background */
};

/* Which method a save of vm would use and the pause to expect: from its
 * RAM size and the write rate measured by the last saves (a default
 * before any).  0, or -errno with err set: -ENOENT (no VM), -EINVAL (not
 * running: a stopped VM has no RAM to save). */
int vmstate_estimate(struct croftd *d, struct vm *vm, struct vmstate_estimate *out, char *err,
		     size_t errlen);

struct vmstate_result {
	const char *method;      /* the one used */
	double pause_ms;         /* STOP to RESUME event; 0 when the guest was
				  * paused already */
	uint64_t bytes;          /* the state file's size */
};

/* The guest is stopped: take what must be of the same instant, then call
 * vmstate_pause_done(j, NULL), or with an error message to give up (the
 * guest is let go, nothing saved). */
typedef void (*vmstate_at_pause_fn)(struct job *j, void *data);
/* The save ended: error NULL and res filled, or the reason it failed
 * (res NULL).  Not called when the job was cancelled or croftd stops. */
typedef void (*vmstate_done_fn)(struct job *j, const char *error,
				const struct vmstate_result *res, void *data);

/* Save vm's state into fd (a new, empty, writable file; the caller's,
 * duplicated here) as j's step (job.h: cancel and croftd's stop end it
 * like job_step_qmp, letting the guest go).  at_pause may be NULL.  0,
 * or -errno with err set and nothing started: -EINVAL (not running or
 * paused, no QMP), -EBUSY (a save or load runs on vm). */
int vmstate_save(struct job *j, struct vm *vm, int fd, vmstate_at_pause_fn at_pause,
		 void *data, vmstate_done_fn done, char *err, size_t errlen);
void vmstate_pause_done(struct job *j, const char *error);

/* --- the state file ---------------------------------------------------------- */

/* Where snapshot snap of vm keeps its state: a hidden file (no volume)
 * ".VM.snap-SNAP.vmstate" in the pool of vm's first disk (malloc'd), or
 * NULL with err set (no disk in a pool). */
char *vmstate_file_path(struct croftd *d, const struct vm *vm, const char *snap, char *err,
			size_t errlen);
/* Create path anew for a save (a leftover of that name is replaced; a
 * symlink is never followed), root's, mode 0600: its fd, or -errno with
 * err set. */
int vmstate_file_create(const char *path, char *err, size_t errlen);
/* Open path for a load, beneath its pool as a VM's files are (vm_files.h):
 * its fd, or -errno with err set. */
int vmstate_file_open(struct croftd *d, const char *path, char *err, size_t errlen);

/* Remove the state files of vm's snapshots (the VM is being deleted;
 * its rows go with it). */
void vmstate_files_remove(struct croftd *d, const struct vm *vm);

/* Forget what earlier saves measured or were refused (for tests). */
void vmstate_reset_measurements(void);

/* A save of vm's state was running when croftd died (a job's recover):
 * the guest it may have stopped is let go once QMP answers, unless it was
 * paused before (the store's state says so). */
void vmstate_recover(struct vm *vm);

/* --- for vm_qemu.c ----------------------------------------------------------- */

/* A QMP event of vm's QEMU: 1 when it is a STOP or RESUME of a save's
 * own pause (not a change of the VM's state), else 0. */
int vmstate_qmp_event(struct vm *vm, const struct qmp_msg *ev);
/* QMP is up on a QEMU started with vm->incoming_fd: load the state, then
 * call loaded(vm, NULL) with the guest still stopped, or with why not.
 * Not called when QEMU goes away first (vmstate_load_stop). */
typedef void (*vmstate_loaded_fn)(struct vm *vm, const char *error);
void vmstate_load(struct vm *vm, vmstate_loaded_fn loaded);
/* QEMU is gone: forget vm's load or save without callbacks. */
void vmstate_load_stop(struct vm *vm);

#endif
