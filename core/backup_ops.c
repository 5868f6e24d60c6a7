/*
 * A backup once made (backup.h): as backup.list shows it, deleting it,
 * and the "backup.verify" job.
 *
 * Verify checks each image with qemu-img check (run as the QEMU user) and
 * hashes its content again (backup_sum.c) against the hash recorded when
 * the backup finished; the outcome, "ok" or what failed naming each disk,
 * is stored in the row, and a failed verify fails its job with it.
 */
#include "core/backup.h"
#include "core/backup_internal.h"
#include "core/daemon.h"
#include "core/job_exec.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store_backup.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

json_t *backup_json(const struct store_backup *b)
{
	json_t *disks = b->disks ? json_loads(b->disks, 0, NULL) : NULL, *dk;
	size_t i;

	if (!json_is_array(disks)) {
		json_decref(disks);
		disks = json_array();
	}
	json_array_foreach(disks, i, dk)
		json_object_del(dk, "sha256");
	return json_pack("{s:I,s:s,s:s,s:s*,s:s,s:I,s:I,s:s,s:b,s:o,s:o,s:o,s:o}", "id",
			 (json_int_t)b->id, "vm", b->vm, "pool", b->pool, "source_pool", b->src_pool,
			 "dir", b->dir, "created", (json_int_t)b->created, "size",
			 (json_int_t)b->size, "method", b->method, "frozen", b->frozen, "disks",
			 disks, "verified", b->verified ? json_integer(b->verified) : json_null(),
			 "verify_result", b->verify_result ? json_string(b->verify_result)
							   : json_null(),
			 "schedule", b->schedule ? json_integer(b->schedule) : json_null());
}

/* A job queued or running on backup id (verify, restore), or NULL. */
static struct job *backup_busy(struct croftd *d, int64_t id)
{
	struct job *j;

	for (j = d->jobs ? job_runner_first(d->jobs) : NULL; j; j = job_next(j))
		if ((!strcmp(job_kind_name(j), backup_verify_kind.name) ||
		     !strcmp(job_kind_name(j), backup_restore_kind.name)) &&
		    json_integer_value(json_object_get(job_args(j), "backup")) == id)
			return j;
	return NULL;
}

/* 0, or -EBUSY with err set when a job uses backup id. */
static int busy_check(struct croftd *d, int64_t id, char *err, size_t errlen)
{
	struct job *busy = backup_busy(d, id);

	if (!busy)
		return 0;
	err_set(err, errlen, "backup %lld is in use by job %lld (%s)", (long long)id,
		(long long)job_id(busy), job_kind_name(busy));
	return -EBUSY;
}

int backup_delete(struct croftd *d, int64_t id, char *err, size_t errlen)
{
	struct store_backup b;
	json_t *disks;
	int rc;

	if ((rc = store_backup_get(d->store, id, &b)) < 0) {
		err_set(err, errlen, rc == -ENOENT ? "no backup %lld" : "cannot read backup %lld",
			(long long)id);
		return rc == -ENOENT ? -ENOENT : -EIO;
	}
	if ((rc = busy_check(d, id, err, errlen)) < 0) {
		store_backup_clear(&b);
		return rc;
	}
	rc = store_backup_delete(d->store, id, err, errlen);
	if (rc == 0) {
		disks = json_loads(b.disks, 0, NULL);
		backup_files_remove(b.dir, disks);
		json_decref(disks);
		log_info("VM %s: backup %lld deleted", b.vm, (long long)id);
	}
	store_backup_clear(&b);
	return rc;
}

/* --- verify -------------------------------------------------------------------------- */

static json_t *vdisk(struct job *j, size_t i)
{
	return json_array_get(json_object_get(job_args(j), "disks"), i);
}

static void problem(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct job *j, const char *fmt, ...)
{
	struct backup_run *run = job_priv(j);
	size_t len = strlen(run->problems);
	va_list ap;

	if (len && len + 2 < sizeof(run->problems)) {
		strcat(run->problems, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(run->problems + len, sizeof(run->problems) - len, fmt, ap);
	va_end(ap);
}

static void verify_disk(struct job *j);

static void verify_end(struct job *j)
{
	struct backup_run *run = job_priv(j);
	int64_t id = json_integer_value(json_object_get(job_args(j), "backup"));
	const char *result = run->problems[0] ? run->problems : "ok";
	char err[512];

	backup_dir_close(run);
	if (store_backup_set_verified(job_daemon(j)->store, id, time(NULL), result, err,
				      sizeof(err)) < 0)
		log_warn("backup %lld: %s", (long long)id, err);
	job_set_result(j, json_pack("{s:I,s:b,s:s}", "id", (json_int_t)id, "ok",
				    !run->problems[0], "result", result));
	if (run->problems[0])
		job_fail(j, "backup %lld is damaged: %s", (long long)id, run->problems);
	else
		job_done(j);
}

static void hashed(struct job *j, const char *hex, const char *error)
{
	struct backup_run *run = job_priv(j);
	const json_t *dk = vdisk(j, run->i);
	const char *want = backup_dstr(dk, "sha256");

	if (!hex)
		problem(j, "disk %zu (%s): cannot read its content: %s", run->i,
			backup_dstr(dk, "file"), error);
	else if (!want || strcmp(want, hex))
		problem(j, "disk %zu (%s): content changed (sha256 %.12s..., recorded %.12s...)",
			run->i, backup_dstr(dk, "file"), hex, want ? want : "none");
	run->i++;
	job_progress(j, run->i, json_array_size(json_object_get(job_args(j), "disks")));
	verify_disk(j);
}

static void checked(struct job *j, const struct job_exec_result *res)
{
	struct backup_run *run = job_priv(j);
	const json_t *dk = vdisk(j, run->i);
	char msg[1024], err[1024];

	if (job_exec_failure(res, "qemu-img check", msg, sizeof(msg))) {
		problem(j, "disk %zu (%s): %s", run->i, backup_dstr(dk, "file"), msg);
		run->i++;
		verify_disk(j);
		return;
	}
	/* the hash's scratch file is made in the directory (backup_sum.c) */
	if (run->dir_fd < 0 &&
	    (run->dir_fd = backup_dir_open(backup_dstr(job_args(j), "dir"), err, sizeof(err))) < 0) {
		hashed(j, NULL, err);
		return;
	}
	if (backup_sum_start(j, backup_dstr(dk, "path"), hashed, err, sizeof(err)) < 0)
		job_fail(j, "%s", err);
}

static void verify_disk(struct job *j)
{
	struct backup_run *run = job_priv(j);
	const json_t *dk = vdisk(j, run->i);
	char *av[] = { "qemu-img", "check", "-q", "-f", "qcow2", NULL, NULL };
	char err[1024];

	if (!dk) {
		verify_end(j);
		return;
	}
	av[5] = (char *)backup_dstr(dk, "path");
	if (!av[5]) {
		job_fail(j, "disk %zu of the job is damaged", run->i);
		return;
	}
	if (job_step_qemu_img(j, av, checked, err, sizeof(err)) < 0)
		job_fail(j, "%s", err);
}

static int verify_start(struct job *j, char *err, size_t errlen)
{
	struct backup_run *run = job_priv(j);

	(void)err;
	(void)errlen;
	run->tmp_fd = -1;
	run->dir_fd = -1;
	job_progress(j, 0, json_array_size(json_object_get(job_args(j), "disks")));
	verify_disk(j);
	return 0;
}

static void verify_cleanup(struct job *j)
{
	struct backup_run *run = job_priv(j);

	if (run->tmp_fd >= 0)
		close(run->tmp_fd);
	run->tmp_fd = -1;
	backup_dir_close(run);
}

const struct job_kind backup_verify_kind = {
	.name = "backup.verify",
	.priv_size = sizeof(struct backup_run),
	.start = verify_start,
	.cleanup = verify_cleanup,
};

int backup_verify(struct croftd *d, int64_t id, struct job **out, const char **code, char *err,
		  size_t errlen)
{
	struct store_backup b;
	char target[32];
	json_t *disks;
	int rc;

	*code = PROTO_E_NOT_FOUND;
	if ((rc = store_backup_get(d->store, id, &b)) < 0) {
		err_set(err, errlen, "no backup %lld", (long long)id);
		return rc == -ENOENT ? -ENOENT : -EIO;
	}
	*code = PROTO_E_INVALID_STATE;
	if ((rc = busy_check(d, id, err, errlen)) < 0) {
		store_backup_clear(&b);
		return rc;
	}
	disks = json_loads(b.disks, 0, NULL);
	snprintf(target, sizeof(target), "backup-%lld", (long long)id);
	*code = PROTO_E_IO;
	rc = job_submit(d->jobs, backup_verify_kind.name, target,
			json_pack("{s:I,s:s,s:s,s:o}", "backup", (json_int_t)id, "vm", b.vm, "dir",
				  b.dir, "disks", disks ? disks : json_array()),
			NULL, NULL, out, err, errlen);
	store_backup_clear(&b);
	return rc;
}
