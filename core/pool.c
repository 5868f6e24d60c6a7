/*
 * Disk images through qemu-img.  Every qemu-img run goes through the
 * pool_exec table: the real one forks and execs argv directly (no shell),
 * captures stdout and stderr through close-on-exec pipes drained with
 * poll(), and reports an exec failure as -errno through a third pipe.
 *
 * Creation claims the path first with O_CREAT|O_EXCL (mode 0600), so two
 * creators can never share or overwrite an image; qemu-img then formats
 * the empty file, and a failed run removes it again.  Paths that do not
 * start with '/' are passed as "./path" so qemu-img never reads a
 * "proto:" prefix as a protocol.
 */
#include "core/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/xalloc.h"

#define EXEC_OUTPUT_MAX (4u << 20)   /* more than any qemu-img answer */

struct capture {
	int fd;
	char *buf;
	size_t len;
	size_t cap;
};

/* Read what is available; 1 at EOF, 0 to go on, -errno on error.  Output
 * beyond EXEC_OUTPUT_MAX is drained and dropped. */
static int capture_read(struct capture *c)
{
	char chunk[4096];
	ssize_t n;
	size_t keep;

	n = read(c->fd, chunk, sizeof(chunk));
	if (n < 0)
		return (errno == EINTR || errno == EAGAIN) ? 0 : -errno;
	if (n == 0)
		return 1;
	keep = (size_t)n;
	if (c->len + keep > EXEC_OUTPUT_MAX)
		keep = EXEC_OUTPUT_MAX - c->len;
	if (c->len + keep + 1 > c->cap) {
		while (c->len + keep + 1 > c->cap)
			c->cap = c->cap ? c->cap * 2 : 4096;
		c->buf = xrealloc(c->buf, c->cap);
	}
	memcpy(c->buf + c->len, chunk, keep);
	c->len += keep;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void child_exec(char *const argv[], int out_fd, int err_fd, int errno_fd)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;
	int null_fd, e;

	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(err_fd, 2) < 0)
		goto fail;
	/* Nothing the parent left open may leak into qemu-img. */
	close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
	/* The daemon's signalfd mask and ignored SIGPIPE are not qemu-img's. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	execvp(argv[0], argv);
fail:
	e = errno;
	if (write(errno_fd, &e, sizeof(e)) < 0) {
		/* nothing more to report */
	}
	_exit(127);
}

static int real_run(char *const argv[], char **out, char **errout)
{
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	int errno_pipe[2] = { -1, -1 };
	struct capture cap[2] = { { .fd = -1 }, { .fd = -1 } };
	struct pollfd pfd[2];
	int rc, status, child_errno, open_fds, i;
	ssize_t n;
	pid_t pid;

	*out = NULL;
	*errout = NULL;
	if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0 ||
	    pipe2(errno_pipe, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto fail;
	}
	if (pid == 0)
		child_exec(argv, out_pipe[1], err_pipe[1], errno_pipe[1]);

	close_fd(&out_pipe[1]);
	close_fd(&err_pipe[1]);
	close_fd(&errno_pipe[1]);

	/* The errno pipe closes on a successful exec; data means it failed. */
	do
		n = read(errno_pipe[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(child_errno)) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		rc = child_errno > 0 ? -child_errno : -EIO;
		goto fail;
	}

	cap[0].fd = out_pipe[0];
	cap[1].fd = err_pipe[0];
	open_fds = 2;
	rc = 0;
	while (open_fds > 0) {
		for (i = 0; i < 2; i++) {
			pfd[i].fd = cap[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		for (i = 0; i < 2; i++) {
			int r;

			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = capture_read(&cap[i]);
			if (r < 0 && !rc)
				rc = r;
			if (r != 0) {
				/* poll ignores negative fds; the pipe itself
				 * is closed below. */
				cap[i].fd = -1;
				open_fds--;
			}
		}
	}
	/* A child still writing after an error gets EPIPE, not a hang. */
	close_fd(&out_pipe[0]);
	close_fd(&err_pipe[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			if (!rc)
				rc = -errno;
			break;
		}
	}
	if (rc < 0)
		goto fail;
	if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		rc = 128 + WTERMSIG(status);
	else
		rc = -EIO;

	for (i = 0; i < 2; i++) {
		if (!cap[i].buf)
			cap[i].buf = xmalloc(1);
		cap[i].buf[cap[i].len] = '\0';
	}
	*out = cap[0].buf;
	*errout = cap[1].buf;
	close_fd(&errno_pipe[0]);
	return rc;

fail:
	free(cap[1].buf);
	free(cap[0].buf);
	for (i = 0; i < 2; i++) {
		close_fd(&errno_pipe[i]);
		close_fd(&err_pipe[i]);
		close_fd(&out_pipe[i]);
	}
	return rc;
}

static const struct pool_exec real_exec = { .run = real_run };
const struct pool_exec *pool_exec = &real_exec;

/* qemu-img's message: surrounding whitespace dropped, lines joined. */
static void set_tool_error(char *err, size_t errlen, const char *what,
			   const char *text, int status)
{
	const char *b = text ? text : "";
	size_t len;
	char *msg, *p;

	while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r')
		b++;
	len = strlen(b);
	while (len > 0 && (b[len - 1] == ' ' || b[len - 1] == '\t' ||
			   b[len - 1] == '\n' || b[len - 1] == '\r'))
		len--;
	if (!len) {
		err_set(err, errlen, "%s failed with status %d", what, status);
		return;
	}
	msg = xasprintf("%.*s", (int)len, b);
	for (p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	err_set(err, errlen, "%s", msg);
	free(msg);
}

static char *tool_path(const char *path)
{
	return path[0] == '/' ? xstrdup(path) : xasprintf("./%s", path);
}

int pool_image_create(const char *path, const char *format, uint64_t bytes,
		      char *err, size_t errlen)
{
	char *argv[10], *arg_path = NULL, *arg_size = NULL, *out = NULL, *errout = NULL;
	int fd, rc, claimed = 0;

	if (!path || !*path) {
		err_set(err, errlen, "disk image path is empty");
		return -EINVAL;
	}
	if (!format || (strcmp(format, "qcow2") && strcmp(format, "raw"))) {
		err_set(err, errlen, "cannot create disk image format '%s' "
			"(expected qcow2 or raw)", format ? format : "(none)");
		return -EINVAL;
	}
	if (!bytes) {
		err_set(err, errlen, "disk image %s: size must not be zero", path);
		return -EINVAL;
	}
	if (bytes > INT64_MAX) {
		err_set(err, errlen, "disk image %s: size %" PRIu64 " is too large",
			path, bytes);
		return -EINVAL;
	}

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		if (rc == -EEXIST)
			err_set(err, errlen, "disk image %s already exists", path);
		else
			err_set(err, errlen, "cannot create disk image %s: %s",
				path, strerror(-rc));
		return rc;
	}
	close(fd);
	claimed = 1;

	arg_path = tool_path(path);
	arg_size = xasprintf("%" PRIu64, bytes);
	argv[0] = "qemu-img";
	argv[1] = "create";
	argv[2] = "-q";
	argv[3] = "-f";
	argv[4] = (char *)format;
	argv[5] = "-o";
	argv[6] = !strcmp(format, "raw") ? "preallocation=falloc" : "preallocation=off";
	argv[7] = arg_path;
	argv[8] = arg_size;
	argv[9] = NULL;

	rc = pool_exec->run(argv, &out, &errout);
	if (rc < 0) {
		err_set(err, errlen, "cannot run qemu-img: %s", strerror(-rc));
		goto fail;
	}
	if (rc > 0) {
		set_tool_error(err, errlen, "qemu-img create", errout, rc);
		rc = (errout && strstr(errout, "No space left on device")) ?
			-ENOSPC : -EIO;
		goto fail;
	}
	free(errout);
	free(out);
	free(arg_size);
	free(arg_path);
	return 0;

fail:
	if (claimed)
		unlink(path);
	free(errout);
	free(out);
	free(arg_size);
	free(arg_path);
	return rc;
}

int pool_image_info(const char *path, struct pool_image_info *info,
		    char *err, size_t errlen)
{
	char *argv[7], *arg_path = NULL, *out = NULL, *errout = NULL;
	struct stat st;
	int rc;

	memset(info, 0, sizeof(*info));
	if (!path || !*path) {
		err_set(err, errlen, "disk image path is empty");
		return -EINVAL;
	}
	if (stat(path, &st) < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			err_set(err, errlen, "disk image %s does not exist", path);
		else
			err_set(err, errlen, "disk image %s: %s", path, strerror(-rc));
		return rc;
	}

	arg_path = tool_path(path);
	argv[0] = "qemu-img";
	argv[1] = "info";
	argv[2] = "--output=json";
	argv[3] = "-U";
	argv[4] = arg_path;
	argv[5] = NULL;

	rc = pool_exec->run(argv, &out, &errout);
	if (rc < 0) {
		err_set(err, errlen, "cannot run qemu-img: %s", strerror(-rc));
		goto fail;
	}
	if (rc > 0) {
		set_tool_error(err, errlen, "qemu-img info", errout, rc);
		rc = -EINVAL;
		goto fail;
	}
	rc = pool_image_info_parse(out, info, err, errlen);
fail:
	free(errout);
	free(out);
	free(arg_path);
	return rc;
}

static int get_size(json_t *root, const char *key, uint64_t *val,
		    char *err, size_t errlen)
{
	json_t *v = json_object_get(root, key);

	if (!v) {
		err_set(err, errlen, "qemu-img info: missing field '%s'", key);
		return -EINVAL;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		err_set(err, errlen, "qemu-img info: field '%s' is not a size", key);
		return -EINVAL;
	}
	*val = (uint64_t)json_integer_value(v);
	return 0;
}

int pool_image_info_parse(const char *json, struct pool_image_info *info,
			  char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *fmt;
	const char *s;
	int rc = -EINVAL;

	memset(info, 0, sizeof(*info));
	if (!json) {
		err_set(err, errlen, "qemu-img info: no output");
		return -EINVAL;
	}
	root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		err_set(err, errlen, "qemu-img info: bad JSON at line %d: %s",
			jerr.line, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		err_set(err, errlen, "qemu-img info: output is not a JSON object");
		goto fail;
	}
	fmt = json_object_get(root, "format");
	if (!fmt) {
		err_set(err, errlen, "qemu-img info: missing field 'format'");
		goto fail;
	}
	s = json_string_value(fmt);
	if (!s || !*s || strlen(s) >= sizeof(info->format)) {
		err_set(err, errlen, "qemu-img info: field 'format' is not a "
			"format name");
		goto fail;
	}
	if (get_size(root, "virtual-size", &info->virtual_size, err, errlen) < 0 ||
	    get_size(root, "actual-size", &info->actual_size, err, errlen) < 0)
		goto fail;
	strcpy(info->format, s);
	rc = 0;
fail:
	if (rc < 0)
		memset(info, 0, sizeof(*info));
	json_decref(root);
	return rc;
}
