/*
 * QEMU's child process as job_exec runs it, the sockets croftd makes for
 * it and checks before trusting, and the search for a VM's QEMU after a
 * croftd restart (vm_spawn.h).
 */
#include "core/vm_spawn.h"
#include "core/daemon.h"
#include "common/proc.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define QEMU_OUTPUT_MAX 8192         /* for a start that fails: its messages are short */

int vm_spawn(struct croftd *d, char *const argv[], const struct vm_spawn_files *files,
	     const struct vm_spawn_as *as, job_exec_done_fn done, void *data,
	     struct job_exec **out, char *err, size_t errlen)
{
	struct job_exec_creds creds = {
		.uid = d->qemu_uid, .gid = d->qemu_gid,
		.groups = d->qemu_groups, .ngroups = (size_t)d->qemu_ngroups,
	};
	/* The strict sandbox (no fork, no setsid) needs nothing of QEMU's
	 * own; no_new_privs keeps a setuid binary from regaining anything. */
	struct job_exec_spec spec = {
		.argv = argv, .user = as ? as->user : d->qemu_user,
		.creds = as ? as->creds : d->drop_privs ? &creds : NULL,
		.no_new_privs = 1, .new_session = 1, .umask = 0027, .who = "QEMU",
		.check_read = files ? files->read : NULL,
		.check_write = files ? files->write : NULL,
		.out = as && as->output_fd ? JOB_EXEC_FD : JOB_EXEC_CAPTURE, .err_to_out = 1,
		.capture_max = QEMU_OUTPUT_MAX,
		.pass_fds = files ? files->fds : NULL, .npass_fds = files ? files->nfds : 0,
		.env = as ? as->env : NULL,
	};

	return job_exec_start(d->loop, &spec, done, data, out, err, errlen);
}

/* --- finding QEMU again ------------------------------------------------------ */

/* The four uids of the Uid: line of root/PID/status all equal uid. */
static int uid_is(const char *root, pid_t pid, uid_t uid)
{
	char path[4096], buf[4096], *p;
	unsigned long u[4];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/status", root, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "\nUid:");
	if (!p || sscanf(p + 5, "%lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) != 4)
		return 0;
	return u[0] == uid && u[1] == uid && u[2] == uid && u[3] == uid;
}

int vm_qemu_match(const char *root, pid_t pid, uid_t uid, const char *uuid,
		  const char *namearg)
{
	if (pid <= 0 || !uuid || !namearg || uid == (uid_t)-1)
		return 0;
	return uid_is(root, pid, uid) && proc_cmdline_has_in(root, pid, "-uuid", uuid) &&
	       proc_cmdline_has_in(root, pid, "-name", namearg);
}

int vm_qemu_find(const char *root, uid_t uid, const char *uuid, const char *namearg,
		 pid_t *pid)
{
	DIR *dir = opendir(root);
	struct dirent *e;
	pid_t found = 0;
	int r = -ENOENT;

	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		char *end;
		long v;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		v = strtol(e->d_name, &end, 10);
		if (*end || v <= 0 || v > 0x3fffffff)
			continue;
		if (!vm_qemu_match(root, (pid_t)v, uid, uuid, namearg))
			continue;
		if (found) {
			r = -EEXIST;
			break;
		}
		found = (pid_t)v;
		r = 0;
	}
	closedir(dir);
	if (r == 0)
		*pid = found;
	return r;
}

/* --- sockets ------------------------------------------------------------------ */

static int sock_addr(const char *path, struct sockaddr_un *sa, char *err, size_t errlen)
{
	size_t n = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n >= sizeof(sa->sun_path)) {
		err_set(err, errlen, "socket path %s is longer than %zu bytes", path,
			sizeof(sa->sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa->sun_path, path, n + 1);
	return 0;
}

int vm_sock_listen(const char *path, int *fd, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int s, r;

	if ((r = sock_addr(path, &sa, err, errlen)) < 0)
		return r;
	if (unlink(path) < 0 && errno != ENOENT) {
		r = -errno;
		err_set(err, errlen, "cannot remove the old %s: %s", path, strerror(errno));
		return r;
	}
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(s, 8) < 0) {
		r = -errno;
		err_set(err, errlen, "cannot make socket %s: %s", path, strerror(errno));
		if (s >= 0)
			close(s);
		return r;
	}
	*fd = s;
	return 0;
}

int vm_sock_listener_is(int lfd, pid_t pid, uid_t uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(lfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid == pid &&
	       cred.uid == uid;
}

int vm_sock_connect_queued(const char *path, int *fd, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int s, r;

	if ((r = sock_addr(path, &sa, err, errlen)) < 0)
		return r;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0) {
		r = -errno;
		err_set(err, errlen, "socket: %s", strerror(errno));
		return r;
	}
	do
		r = connect(s, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = -errno;
		err_set(err, errlen, "cannot connect to %s: %s", path, strerror(errno));
		close(s);
		return r;
	}
	*fd = s;
	return 0;
}

int vm_sock_connect(const char *path, pid_t pid, uid_t uid, int *fd, char *err, size_t errlen)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int s, r;

	if ((r = vm_sock_connect_queued(path, &s, err, errlen)) < 0)
		return r;
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		r = -errno;
		err_set(err, errlen, "cannot ask who listens on %s: %s", path, strerror(errno));
		goto fail;
	}
	if (cred.pid == getpid()) {
		r = -EAGAIN;                 /* QEMU has not listened on it yet */
		err_set(err, errlen, "QEMU is not serving %s yet", path);
		goto fail;
	}
	if (cred.pid != pid || cred.uid != uid) {
		r = -EPERM;
		err_set(err, errlen, "%s is served by pid %d uid %u, not by QEMU (pid %d uid %u); "
			"not using it", path, (int)cred.pid, (unsigned)cred.uid, (int)pid,
			(unsigned)uid);
		goto fail;
	}
	*fd = s;
	return 0;
fail:
	close(s);
	return r;
}
