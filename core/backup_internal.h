/*
 * What the backup files (backup.c, backup_qmp.c, backup_sum.c,
 * backup_ops.c) share.  A job's priv is a struct backup_run, whose first
 * member lets job_disk_steps make a live backup's target images.
 */
#ifndef CROFT_BACKUP_INTERNAL_H
#define CROFT_BACKUP_INTERNAL_H

#include "core/job.h"
#include "core/job_disk.h"
#include "core/vm_spec.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct croftd;

typedef void (*backup_sum_fn)(struct job *j, const char *hex, const char *error);

struct backup_run {
	struct job_disk_run disks;       /* first: job_disk_steps */
	size_t i;                        /* the disk being worked on */
	uint64_t made, total;            /* progress */
	uint64_t shown;                  /* the progress shown last (never less) */
	uint64_t disk_done[VM_SPEC_DISKS_MAX], disk_total[VM_SPEC_DISKS_MAX];   /* live */
	int dir_made;                    /* the backup's directory is ours */
	int attached;                    /* QEMU holds target nodes or block jobs */
	int frozen;                      /* the guest's file systems were frozen */
	unsigned freeze_tries;           /* asked while the agent was busy */
	int64_t instant;                 /* unix seconds of the copy's instant */
	int64_t start_ms, copied_ms;     /* monotonic: the job's start, the copy's end */
	int tmp_fd;                      /* the hash step's O_TMPFILE, or -1 */
	int dir_fd;                      /* the backup's directory, or -1 */
	void (*then)(struct job *j);     /* after the hashes */
	backup_sum_fn sum_done;          /* the running hash step's */
	char sums[VM_SPEC_DISKS_MAX][65];
	char problems[2048];             /* verify: what failed, "; " separated */
};

json_t *backup_disk_at(struct job *j, size_t i);
size_t backup_ndisks(struct job *j);
const char *backup_dstr(const json_t *o, const char *key);

/* The backup's directory dir and its parents, the QEMU user's, made
 * without following a symlink: the directory's fd (the caller's), or
 * -errno with err set. */
int backup_dirs_make(struct croftd *d, const char *dir, char *err, size_t errlen);
/* The backup directory dir opened the same way, nothing made. */
int backup_dir_open(const char *dir, char *err, size_t errlen);
/* Close run->dir_fd, if open. */
void backup_dir_close(struct backup_run *run);
/* rmdir dir, then its parent if empty. */
void backup_dirs_remove(const char *dir);
/* Unlink each disk's "path", config.json and OVMF_VARS.fd in dir, then dir. */
void backup_files_remove(const char *dir, const json_t *disks);
/* The VM's UEFI variable store (args "vars") into the backup, recorded
 * first: 0 (also when it has none), or -errno with err set. */
int backup_vars_copy(struct job *j, char *err, size_t errlen);
/* Copy a small file croftd owns to a new file (O_EXCL). */
int backup_file_copy(const char *src, const char *dst, char *err, size_t errlen);
/* The VM's NICs as config.json keeps them. */
json_t *backup_nics_json(struct croftd *d, int64_t vm_id);

/* qemu-img convert (as the QEMU user) of each disk's "chain" (a json:
 * source description) into its "path", recorded and claimed first, with
 * progress against the disks' "alloc"; then(j) after the last. */
void backup_convert_all(struct job *j, void (*then)(struct job *j));
/* The copy is over: hash every image, then finish. */
void backup_after_copy(struct job *j);

/* backup_qmp.c: a running VM's backup from the created targets on. */
int backup_live_start(struct job *j, char *err, size_t errlen);
/* Cancel VM vm's block jobs "bk<job>-<i>" (i < n), then delete their
 * target nodes and fd sets; nothing when the VM is not running.  done
 * (may be NULL) runs once it is over, or at once when there is nothing. */
void backup_qemu_teardown(struct croftd *d, const char *vm, int64_t job, size_t n,
			  void (*done)(struct croftd *d, int64_t job));

/* backup_sum.c: hash the image of every disk (its "path") into
 * run->sums, then call then(j); a failure fails the job. */
void backup_sum_all(struct job *j, void (*then)(struct job *j));
/* Hash image path (a qcow2 in the backup directory run->dir_fd, where
 * the scratch file is made): done gets the hex or NULL and the reason. */
int backup_sum_start(struct job *j, const char *path, backup_sum_fn done, char *err,
		     size_t errlen);

#endif
