/*
 * The disk.create job and the disk-making steps other kinds share
 * (job_disk.h).  The list of disks is JSON in the job's args; the run
 * (first in the kind's priv) holds the index of the disk being made, the
 * bytes of those already made and what to do after the last.  qemu-img
 * runs as the QEMU user with no_new_privs, as any child that has no need
 * to be root.
 */
#include "core/job_disk.h"
#include "core/daemon.h"
#include "core/job_exec.h"
#include "core/pool.h"
#include "core/settings.h"
#include "common/xalloc.h"

#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ALLOC_POLL_MS 250

struct disk_arg {
	const char *path, *format;
	uint64_t size;
};

static size_t disk_count(struct job *j)
{
	struct job_disk_run *run = job_priv(j);

	return json_array_size(run->disks);
}

static void disk_get(struct job *j, size_t i, struct disk_arg *a)
{
	struct job_disk_run *run = job_priv(j);
	json_t *d = json_array_get(run->disks, i);

	a->path = json_string_value(json_object_get(d, "path"));
	a->format = json_string_value(json_object_get(d, "format"));
	a->size = (uint64_t)json_integer_value(json_object_get(d, "size_bytes"));
}

/* Progress of a raw image (its allocated bytes); a qemu-img whose image
 * has not grown for stall_ms is killed. */
static void poll_allocated(struct job *j)
{
	struct job_disk_run *run = job_priv(j);
	struct disk_arg a;
	struct stat st;
	uint64_t have;

	disk_get(j, run->i, &a);
	have = lstat(a.path, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
	if (have != run->seen) {
		run->seen = have;
		run->still_ms = 0;
	} else if ((run->still_ms += ALLOC_POLL_MS) >= run->stall_ms && !run->stalled) {
		run->stalled = 1;
		job_step_kill(j, SIGKILL);
	}
	if (!strcmp(a.format, "raw") && !run->no_progress)
		job_progress(j, run->made + (have < a.size ? have : a.size), run->total);
}

static void next_disk(struct job *j);

static void disk_made(struct job *j, const struct job_exec_result *res)
{
	struct job_disk_run *run = job_priv(j);
	struct disk_arg a;
	char err[1024];

	job_poll_stop(j);
	disk_get(j, run->i, &a);
	if (run->stalled) {
		job_fail(j, "cannot create disk image %s: qemu-img create made no progress for %u s and was stopped",
			 a.path, run->stall_ms / 1000);
		return;
	}
	if (pool_image_create_result(res, err, sizeof(err)) < 0) {
		job_fail(j, "cannot create disk image %s: %s", a.path, err);
		return;
	}
	run->made += a.size;
	run->i++;
	if (!run->no_progress)
		job_progress(j, run->made, run->total);
	next_disk(j);
}

/* Record, claim, then format disk run->i. */
int job_disk_claim(struct job *j, const char *path, char *err, size_t errlen)
{
	struct croftd *d = job_daemon(j);
	int rc;

	rc = job_cleanup_add(j, path, err, errlen);
	if (rc < 0)
		return rc;
	rc = pool_image_claim(path, d->drop_privs ? d->qemu_uid : (uid_t)-1, d->qemu_gid,
			      err, errlen);
	if (rc == -EEXIST)
		job_cleanup_drop(j, path);       /* someone else's */
	return rc;
}

static int make_disk(struct job *j, char *err, size_t errlen)
{
	struct job_disk_run *run = job_priv(j);
	struct pool_cmd cmd;
	struct disk_arg a;
	int rc;

	disk_get(j, run->i, &a);
	if ((rc = job_disk_claim(j, a.path, err, errlen)) < 0)
		return rc;
	pool_image_create_cmd(a.path, a.format, a.size, &cmd);
	rc = job_step_qemu_img(j, cmd.argv, disk_made, err, errlen);
	pool_cmd_free(&cmd);
	if (rc == 0) {
		run->seen = 0;
		run->still_ms = 0;
		job_poll_start(j, ALLOC_POLL_MS, poll_allocated);
	}
	return rc;
}

static void next_disk(struct job *j)
{
	struct job_disk_run *run = job_priv(j);
	char err[1024];

	if (run->i == disk_count(j))
		run->then(j);
	else if (make_disk(j, err, sizeof(err)) < 0)
		job_fail(j, "%s", err);
}

int job_disk_steps(struct job *j, json_t *disks, void (*then)(struct job *j),
		   char *err, size_t errlen)
{
	struct job_disk_run *run = job_priv(j);
	struct disk_arg a;
	size_t i, n = json_array_size(disks);

	run->disks = disks;
	run->then = then;
	run->stall_ms = (unsigned)settings_int(job_daemon(j)->store, JOB_DISK_STALL_SETTING,
					       JOB_DISK_STALL_MS, 1000, 86400000);
	for (i = 0; i < n; i++) {
		disk_get(j, i, &a);
		if (!a.path || !a.format) {
			err_set(err, errlen, "disk %zu of the job has no path or format", i);
			return -EINVAL;
		}
		run->total += a.size;
	}
	if (!run->no_progress)
		job_progress(j, 0, run->total);
	next_disk(j);
	return 0;
}

static void disk_all_made(struct job *j)
{
	job_set_result(j, json_deep_copy(job_args(j)));
	job_done(j);
}

static int disk_start(struct job *j, char *err, size_t errlen)
{
	json_t *disks = json_object_get(job_args(j), "disks");

	if (!json_array_size(disks)) {
		err_set(err, errlen, "the job names no disk to create");
		return -EINVAL;
	}
	return job_disk_steps(j, disks, disk_all_made, err, errlen);
}

const struct job_kind job_disk_kind = {
	.name = "disk.create",
	.priv_size = sizeof(struct job_disk_run),
	.start = disk_start,
};

/* --- queueing ------------------------------------------------------------------ */

int job_disk_check(const struct job_disk *disks, size_t i, char *err, size_t errlen)
{
	const struct job_disk *k = &disks[i];
	char dir[PATH_MAX];
	struct stat st;
	size_t m;
	int rc;

	rc = pool_image_create_check(k->path, k->format, k->size_bytes, err, errlen);
	if (rc < 0)
		return rc;
	if (k->path[0] != '/' || strlen(k->path) >= sizeof(dir)) {
		err_set(err, errlen, "disk image path '%s' is not an absolute path", k->path);
		return -EINVAL;
	}
	for (m = 0; m < i; m++) {
		if (!strcmp(disks[m].path, k->path)) {
			err_set(err, errlen, "disk image %s is given twice", k->path);
			return -EINVAL;
		}
	}
	if (lstat(k->path, &st) == 0) {
		err_set(err, errlen, "disk image %s already exists", k->path);
		return -EEXIST;
	}
	snprintf(dir, sizeof(dir), "%s", k->path);
	if (stat(dirname(dir), &st) < 0 || !S_ISDIR(st.st_mode)) {
		err_set(err, errlen, "cannot create disk image %s: directory %s does not exist",
			k->path, dir);
		return -ENOENT;
	}
	return 0;
}

int job_disk_create(struct croftd *d, const char *target, const struct job_disk *disks,
		    size_t n, job_done_fn done, void *data, int64_t *id, char *err, size_t errlen)
{
	json_t *list;
	struct job *j;
	size_t i;
	int rc;

	if (n < 1 || n > JOB_DISK_MAX) {
		err_set(err, errlen, "a disk.create job makes 1 to %d disks, not %zu",
			JOB_DISK_MAX, n);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		rc = job_disk_check(disks, i, err, errlen);
		if (rc < 0)
			return rc;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s,s:s,s:I}", "path", disks[i].path,
						      "format", disks[i].format, "size_bytes",
						      (json_int_t)disks[i].size_bytes));
	rc = job_submit(d->jobs, job_disk_kind.name, target, json_pack("{s:o}", "disks", list),
			done, data, &j, err, errlen);
	if (rc == 0 && id)
		*id = job_id(j);
	return rc;
}
