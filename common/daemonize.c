/*
 * Lock file and detaching, shared by croftd and croft-netd (daemonize.h).
 */
#include "common/daemonize.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int daemon_lock(const char *prog, const char *dir, const char *file, const char *busy_msg)
{
	char *path = xasprintf("%s/%s", dir, file);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, path, strerror(errno));
	} else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "%s: another %s\n", prog, busy_msg);
		close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}

int daemon_detach(void)
{
	pid_t pid = fork();
	int null;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/") < 0)
		return -errno;
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	return 0;
}
