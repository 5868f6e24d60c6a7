/*
 * Pid files, /proc/PID/cmdline and pidfds (proc.h).
 */
#include "common/proc.h"
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int proc_pidfile_read(const char *path, pid_t *pid)
{
	char buf[32];
	ssize_t n = fileio_read_small(path, buf, sizeof(buf));
	char *end;
	long v;

	if (n < 0)
		return (int)n;
	if (n == 0)
		return -EINVAL;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v <= 1 || v > 0x3fffffff)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

/* Command lines longer than this are cut; QEMU's are a few KiB. */
#define PROC_CMDLINE_MAX 65536

int proc_cmdline_has(pid_t pid, const char *after, const char *arg)
{
	return proc_cmdline_has_in("/proc", pid, after, arg);
}

int proc_cmdline_has_in(const char *root, pid_t pid, const char *after, const char *arg)
{
	char path[4096], *buf;
	ssize_t n;
	size_t i;
	int fd, prev_ok = !after, found = 0;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%d/cmdline", root, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	buf = malloc(PROC_CMDLINE_MAX);
	n = buf ? read(fd, buf, PROC_CMDLINE_MAX - 1) : -1;
	close(fd);
	if (n <= 0) {
		free(buf);
		return 0;
	}
	buf[n] = '\0';
	for (i = 0; i < (size_t)n && !found; i += strlen(buf + i) + 1) {
		if (prev_ok && !strcmp(buf + i, arg))
			found = 1;
		if (after)
			prev_ok = !strcmp(buf + i, after);
	}
	free(buf);
	return found;
}

int proc_pidfd_open(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : fd;
}

int proc_pidfd_kill(int pidfd, int sig)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}
