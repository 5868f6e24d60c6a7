/*
 * Running the install's tools (inst_run.h).  The child's output is read
 * while it runs (so a chatty tool never blocks on a full pipe) and only
 * its tail is kept for the error message.
 */
#include "installer/inst_run.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TAIL_MAX 4096

const char *inst_argv_str(const char *const argv[], char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; argv[i] && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "", argv[i]);
	return buf;
}

static void child(const char *const argv[], int in_fd, int out_fd)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (dup2(in_fd >= 0 ? in_fd : null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* The last non-empty line of text, in place. */
static const char *last_line(char *text)
{
	size_t n = strlen(text);
	char *p;

	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = '\0';
	p = strrchr(text, '\n');
	return p ? p + 1 : text;
}

/* Feed input to the child and collect its output until both are done. */
static void pump(int in_w, int out_r, const char *input, char *tail, char *out, size_t outlen)
{
	size_t in_left = input ? strlen(input) : 0, tl = 0, ol = 0;
	char buf[4096];
	ssize_t r;

	while (out_r >= 0) {
		struct pollfd p[2] = { { out_r, POLLIN, 0 }, { in_w, POLLOUT, 0 } };

		if (poll(p, in_w >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (in_w >= 0 && p[1].revents) {
			r = in_left ? write(in_w, input, in_left) : 0;
			if (r > 0) {
				input += r;
				in_left -= (size_t)r;
			}
			if (r <= 0 || !in_left) {
				close(in_w);
				in_w = -1;
			}
		}
		if (!p[0].revents)
			continue;
		r = read(out_r, buf, sizeof(buf));
		if (r <= 0)
			break;
		if (out && ol + 1 < outlen) {
			size_t k = (size_t)r < outlen - 1 - ol ? (size_t)r : outlen - 1 - ol;

			memcpy(out + ol, buf, k);
			ol += k;
			out[ol] = '\0';
		}
		if ((size_t)r >= TAIL_MAX - 1) {
			memcpy(tail, buf + r - (TAIL_MAX - 1), TAIL_MAX - 1);
			tl = TAIL_MAX - 1;
		} else {
			if (tl + (size_t)r > TAIL_MAX - 1) {
				size_t drop = tl + (size_t)r - (TAIL_MAX - 1);

				memmove(tail, tail + drop, tl - drop);
				tl -= drop;
			}
			memcpy(tail + tl, buf, (size_t)r);
			tl += (size_t)r;
		}
		tail[tl] = '\0';
	}
	if (in_w >= 0)
		close(in_w);
}

int inst_run(const char *const argv[], const char *input, char *out, size_t outlen,
	     char *err, size_t errlen)
{
	int in[2] = { -1, -1 }, o[2];
	char tail[TAIL_MAX] = "", cmd[512];
	pid_t pid;
	int st;

	if (out && outlen)
		out[0] = '\0';
	if (pipe2(o, O_CLOEXEC) < 0 || (input && pipe2(in, O_CLOEXEC) < 0)) {
		err_set(err, errlen, "cannot run %s: %s", argv[0], strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		err_set(err, errlen, "cannot run %s: %s", argv[0], strerror(e));
		close(o[0]);
		close(o[1]);
		if (input) {
			close(in[0]);
			close(in[1]);
		}
		return -e;
	}
	if (pid == 0)
		child(argv, in[0], o[1]);
	close(o[1]);
	if (input)
		close(in[0]);
	pump(input ? in[1] : -1, o[0], input, tail, out, outlen);
	close(o[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			st = -1;
			break;
		}
	if (st == 0)
		return 0;
	inst_argv_str(argv, cmd, sizeof(cmd));
	if (WIFEXITED(st))
		err_set(err, errlen, "%s failed (exit %d): %s", cmd, WEXITSTATUS(st), last_line(tail));
	else
		err_set(err, errlen, "%s failed (%s): %s", cmd,
			WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "no status", last_line(tail));
	return -EIO;
}
