/*
 * The "disk.create" job: new disk images in pool directories, one after
 * the other, for what target names (a VM being created).  qcow2 is thin
 * and instant; raw is preallocated with every byte written, which takes
 * minutes for tens of GiB, so its progress is the file's allocated bytes,
 * measured every 250 ms.  Progress counts the disks' full sizes: a qcow2
 * disk's size is added when it is made.
 *
 * Each path is recorded in the job's row, then claimed (an empty file only
 * this job made, handed to the QEMU user when croftd runs as root), then
 * formatted by qemu-img running as the QEMU user, with its format pinned;
 * a qemu-img whose image stops growing for JOB_DISK_STALL_MS is killed.
 * A failure, a cancel or a croftd restart removes every image the job
 * made; done leaves them all.
 */
#ifndef CROFT_JOB_DISK_H
#define CROFT_JOB_DISK_H

#include "core/job.h"

#include <stddef.h>
#include <stdint.h>

struct croftd;

#define JOB_DISK_MAX 16

struct job_disk {
	const char *path;                /* absolute; must not exist yet */
	const char *format;              /* "qcow2" or "raw" */
	uint64_t size_bytes;
};

extern const struct job_kind job_disk_kind;

/* Whether disks[i] can be made: format and size, an absolute path given
 * once among disks[0..i], nothing there yet, its directory there.  0, or
 * -EINVAL, -EEXIST or -ENOENT with err naming the problem. */
int job_disk_check(const struct job_disk *disks, size_t i, char *err, size_t errlen);

/* Disk-making steps for any kind: a kind whose priv begins with a struct
 * job_disk_run may call job_disk_steps() from its start to make the disks
 * listed in disks (a JSON array of {"path","format","size_bytes"}, borrowed
 * from the job's args) one after another, with progress over their sizes;
 * then(j) runs after the last is made (it must end the job or start the
 * next step).  A failure fails the job, and every image made is removed
 * unless the job ends done.  0, or -EINVAL with err set (nothing started). */
struct job_disk_run {
	json_t *disks;
	void (*then)(struct job *j);
	size_t i;                        /* the disk being made */
	uint64_t made;                   /* bytes of the disks before it */
	uint64_t total;
	uint64_t seen;                   /* its allocated bytes at the last poll */
	unsigned still_ms;               /* how long they have not grown */
	unsigned stall_ms;               /* qemu-img is stopped after that long */
	int stalled;
	int no_progress;                 /* set by the kind: the job's progress is not the images' */
};
/* The host setting (milliseconds) after which a qemu-img create whose image
 * has not grown is killed and the job fails; default 60 s. */
#define JOB_DISK_STALL_SETTING "disk_create_stall_ms"
#define JOB_DISK_STALL_MS 60000
int job_disk_steps(struct job *j, json_t *disks, void (*then)(struct job *j),
		   char *err, size_t errlen);

/* Record path as the job's (removed unless it ends done), then claim it:
 * an empty file only the job made, the QEMU user's when croftd drops
 * privileges (pool_image_claim).  0, or -errno with err set (-EEXIST: a
 * file was there, and it is not recorded). */
int job_disk_claim(struct job *j, const char *path, char *err, size_t errlen);

/* Queue a disk.create job making disks[0..n-1] for target (may be NULL).
 * Everything is checked first: -EINVAL, -EEXIST or -ENOENT with err naming
 * the problem, and nothing queued (also -EIO, -ESHUTDOWN as job_submit).
 * On 0, *id (may be NULL) is the job's id, and done (may be NULL) runs
 * once when the job ends: done with every image made and its result
 * {"disks":[{"path","format","size_bytes"}, ...]}, or failed or cancelled
 * with none of them left. */
int job_disk_create(struct croftd *d, const char *target, const struct job_disk *disks,
		    size_t n, job_done_fn done, void *data, int64_t *id, char *err, size_t errlen);

#endif
