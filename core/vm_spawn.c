/*
 * QEMU's child process as job_exec runs it, and the pid check used to
 * re-adopt a running QEMU after a croftd restart: the pid from the pidfile
 * must be a live process whose command line names that very pidfile, which
 * guards against a recycled pid.
 */
#include "core/vm_spawn.h"
#include "core/daemon.h"
#include "common/proc.h"

#define QEMU_OUTPUT_MAX 8192         /* its messages before it daemonizes are short */

int vm_spawn(struct croftd *d, char *const argv[], const struct vm_spawn_files *files,
	     job_exec_done_fn done, void *data, struct job_exec **out, char *err, size_t errlen)
{
	struct job_exec_creds creds = {
		.uid = d->qemu_uid, .gid = d->qemu_gid,
		.groups = d->qemu_groups, .ngroups = (size_t)d->qemu_ngroups,
	};
	/* QEMU's sandbox must allow setsid() for -daemonize, so no_new_privs
	 * is what keeps a setuid binary from regaining what was dropped. */
	struct job_exec_spec spec = {
		.argv = argv, .user = d->qemu_user, .creds = d->drop_privs ? &creds : NULL,
		.no_new_privs = 1, .umask = 0027, .who = "QEMU",
		.check_read = files ? files->read : NULL,
		.check_write = files ? files->write : NULL,
		.out = JOB_EXEC_CAPTURE, .err_to_out = 1, .capture_max = QEMU_OUTPUT_MAX,
		.pass_fds = files ? files->fds : NULL, .npass_fds = files ? files->nfds : 0,
	};

	return job_exec_start(d->loop, &spec, done, data, out, err, errlen);
}

int vm_pid_is_ours(pid_t pid, const char *pidfile)
{
	return proc_cmdline_has(pid, "-pidfile", pidfile);
}
