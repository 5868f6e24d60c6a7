/*
 * The hash of a backup image's guest-visible content (backup.h): qemu-img
 * converts the qcow2 to raw into an unlinked O_TMPFILE croftd opened in
 * the backup's own directory, relative to the directory's fd (opened
 * without following a symlink, so no path component is followed again;
 * no name is left behind by a crash, and holes stay holes), and sha256sum reads it back; both run as the QEMU
 * user, which the file is handed to, in one sh whose only arguments are
 * the image's path and the descriptor:
 *
 *   sh -c 'qemu-img convert -q -f qcow2 -O raw "$1" /dev/fd/3 &&
 *          exec sha256sum /dev/fd/3' sh IMAGE
 *
 * The raw copy is as large as the image's allocated data while it exists.
 */
#include "core/backup.h"
#include "core/backup_internal.h"
#include "core/daemon.h"
#include "core/job_exec.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void summed(struct job *j, const struct job_exec_result *res)
{
	struct backup_run *run = job_priv(j);
	backup_sum_fn done = run->sum_done;
	char msg[1024], hex[65];

	if (run->tmp_fd >= 0)
		close(run->tmp_fd);
	run->tmp_fd = -1;
	if (job_exec_failure(res, "the hash of the image", msg, sizeof(msg)))
		done(j, NULL, msg);
	else if (backup_sum_parse(res->out, hex) < 0)
		done(j, NULL, "sha256sum printed no hash");
	else
		done(j, hex, NULL);
}

int backup_sum_start(struct job *j, const char *path, backup_sum_fn done, char *err,
		     size_t errlen)
{
	static char script[] = "qemu-img convert -q -f qcow2 -O raw \"$1\" /dev/fd/3 && "
			       "exec sha256sum /dev/fd/3";
	struct croftd *d = job_daemon(j);
	struct backup_run *run = job_priv(j);
	struct job_exec_creds creds = {
		.uid = d->qemu_uid, .gid = d->qemu_gid,
		.groups = d->qemu_groups, .ngroups = (size_t)d->qemu_ngroups,
	};
	char *argv[] = { "sh", "-c", script, "sh", (char *)path, NULL };
	struct job_exec_spec spec = {
		.argv = argv, .user = d->qemu_user, .creds = d->drop_privs ? &creds : NULL,
		.no_new_privs = 1, .who = "sh", .out = JOB_EXEC_CAPTURE, .err = JOB_EXEC_CAPTURE,
		.npass_fds = 1,
	};
	int fd = openat(run->dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600), rc;

	if (fd < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot make a scratch file in %s: %s",
			backup_dstr(job_args(j), "dir"), strerror(errno));
		return rc;
	}
	if (d->drop_privs && fchown(fd, d->qemu_uid, d->qemu_gid) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot hand a scratch file to %s: %s", d->qemu_user,
			strerror(errno));
		close(fd);
		return rc;
	}
	spec.pass_fds = &fd;
	run->tmp_fd = fd;
	run->sum_done = done;
	if ((rc = job_step_exec(j, &spec, summed, err, errlen)) < 0) {
		close(fd);
		run->tmp_fd = -1;
	}
	return rc;
}

/* --- every disk of a backup being made ------------------------------------------------- */

static void sum_next(struct job *j);

static void one_summed(struct job *j, const char *hex, const char *error)
{
	struct backup_run *run = job_priv(j);

	if (!hex) {
		job_fail(j, "cannot hash the backup of %s: %s",
			 backup_dstr(backup_disk_at(j, run->i), "source"), error);
		return;
	}
	snprintf(run->sums[run->i], sizeof(run->sums[0]), "%s", hex);
	run->i++;
	sum_next(j);
}

static void sum_next(struct job *j)
{
	struct backup_run *run = job_priv(j);
	char err[1024];

	if (run->i == backup_ndisks(j)) {
		run->then(j);
		return;
	}
	if (backup_sum_start(j, backup_dstr(backup_disk_at(j, run->i), "path"), one_summed, err,
			     sizeof(err)) < 0)
		job_fail(j, "%s", err);
}

void backup_sum_all(struct job *j, void (*then)(struct job *j))
{
	struct backup_run *run = job_priv(j);

	run->i = 0;
	run->then = then;
	sum_next(j);
}
