/*
 * fork/exec of QEMU with privilege drop, and the pid checks used to re-adopt
 * a running QEMU after a croftd restart: the pid from the pidfile must be a
 * live process whose command line names that very pidfile, which guards
 * against a recycled pid.
 */
#include "core/vm_spawn.h"
#include "core/daemon.h"
#include "common/proc.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int vm_pidfd_open(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : fd;
}

int vm_pidfd_kill(int pidfd, int sig)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

static void child_fail(const char *fmt, const char *a, const char *b)
{
	dprintf(2, fmt, a, b);
	_exit(126);
}

static void child_check(const char *user, const char *const *paths, int mode)
{
	for (; paths && *paths; paths++) {
		if (access(*paths, mode) < 0) {
			dprintf(2, "QEMU runs as user %s, which cannot %s %s: %s\n",
				user, mode & W_OK ? "write" : "read", *paths, strerror(errno));
			_exit(126);
		}
	}
}

static void child(const struct croftd *d, char *const argv[], const struct vm_spawn_files *files,
		  int errw)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	sigset_t all;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (null < 0 || dup2(null, 0) < 0 || dup2(errw, 1) < 0 || dup2(errw, 2) < 0)
		_exit(127);
	syscall(SYS_close_range, 3U, ~0U, 0U);
	umask(0027);
	if (d->drop_privs) {
		if (setgroups((size_t)d->qemu_ngroups, d->qemu_groups) < 0 ||
		    setgid(d->qemu_gid) < 0 || setuid(d->qemu_uid) < 0)
			child_fail("cannot switch to user %s: %s\n", d->qemu_user, strerror(errno));
	}
	/* QEMU's sandbox must allow setsid() for -daemonize; no setuid
	 * binary may regain what was dropped. */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (files) {
		child_check(d->qemu_user, files->read, R_OK);
		child_check(d->qemu_user, files->write, R_OK | W_OK);
	}
	execvp(argv[0], argv);
	child_fail("cannot run %s: %s\n", argv[0], strerror(errno));
}

int vm_spawn(const struct croftd *d, char *const argv[], const struct vm_spawn_files *files,
	     pid_t *pid, int *pidfd, int *errfd, char *err, size_t errlen)
{
	int p[2], r, fd;
	pid_t c;

	if (pipe2(p, O_CLOEXEC) < 0) {
		r = -errno;
		err_set(err, errlen, "pipe: %s", strerror(errno));
		return r;
	}
	c = fork();
	if (c < 0) {
		r = -errno;
		err_set(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (c == 0)
		child(d, argv, files, p[1]);
	close(p[1]);
	fd = vm_pidfd_open(c);
	if (fd < 0) {
		err_set(err, errlen, "pidfd_open: %s", strerror(-fd));
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
		close(p[0]);
		return fd;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*pid = c;
	*pidfd = fd;
	*errfd = p[0];
	return 0;
}

int vm_pid_is_ours(pid_t pid, const char *pidfile)
{
	return proc_cmdline_has(pid, "-pidfile", pidfile);
}
