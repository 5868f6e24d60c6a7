/*
 * Child processes (job_exec.h).  A running child is a struct job_exec on
 * the loop: its pidfd, and the read ends of the pipes whose output is
 * captured.  Captured pipes are read as data arrives, so a chatty child
 * never blocks on a full pipe; when the pidfd fires the child is reaped,
 * the pipes are drained of what is already there (a grandchild that keeps
 * a pipe open does not hold the callback back) and the callback runs.
 *
 * The real seam forks; the child moves its stdio into place, closes every
 * other descriptor, resets the signal mask and SIGPIPE croftd changed,
 * becomes the spec's user, checks the spec's files as that user and, when
 * asked, installs the confining seccomp filter (job_confine.h) before
 * exec.  Any failure there is printed on its stderr, exit status 126.
 */
#include "core/job_exec.h"
#include "core/job_confine.h"
#include "common/loop.h"
#include "common/proc.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_SETUP_FAILED 126

struct capture {
	int fd;                  /* -1 once at EOF or not captured */
	char *buf;
	size_t len, cap, max;
};

struct job_exec {
	struct loop *l;
	struct job_exec_proc proc;
	struct capture cap[2];   /* stdout, stderr */
	int give[2];             /* JOB_EXEC_FD read ends not yet taken */
	job_exec_done_fn done;   /* NULL once abandoned */
	void *data;
};

/* --- the real seam ------------------------------------------------------- */

static void child_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void child_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdprintf(2, fmt, ap);
	va_end(ap);
	_exit(CHILD_SETUP_FAILED);
}

static void child_check(const struct job_exec_spec *spec, const char *const *paths, int mode)
{
	for (; paths && *paths; paths++) {
		/* the effective ids: with split creds the real ones are nobody's */
		if (faccessat(AT_FDCWD, *paths, mode, AT_EACCESS) < 0)
			child_fail("%s runs as user %s, which cannot %s %s: %s\n",
				   spec->who ? spec->who : spec->argv[0],
				   spec->user ? spec->user : "?", mode & W_OK ? "write" : "read",
				   *paths, strerror(errno));
	}
}

static void child_listen_env(size_t n)
{
	char num[32];

	snprintf(num, sizeof(num), "%zu", n);
	if (setenv("LISTEN_FDS", num, 1) < 0)
		_exit(CHILD_SETUP_FAILED);
	snprintf(num, sizeof(num), "%ld", (long)getpid());
	if (setenv("LISTEN_PID", num, 1) < 0)
		_exit(CHILD_SETUP_FAILED);
}

/* Groups first, then gid, then uid: each needs the rights the next drops. */
static int child_become(const struct job_exec_creds *c)
{
	if (setgroups(c->ngroups, c->groups) < 0)
		return -1;
	if (c->split)
		return setresgid(c->rgid, c->gid, c->rgid) < 0 ? -1
			: setresuid(c->ruid, c->uid, c->ruid);
	return setgid(c->gid) < 0 ? -1 : setuid(c->uid);
}

static void __attribute__((noreturn))
child_run(const struct job_exec_spec *spec, const int fds[3], pid_t parent)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	const struct job_exec_creds *c = spec->creds;
	int above = 3 + (int)spec->npass_fds, pass[JOB_EXEC_PASS_MAX], moved[3], i;
	const char *const *e;
	size_t k;
	sigset_t none;

	/* Above every target first (stdio and the passed fds), so placing one
	 * cannot overwrite another. */
	if (spec->npass_fds > JOB_EXEC_PASS_MAX)
		_exit(CHILD_SETUP_FAILED);
	for (i = 0; i < 3; i++)
		if ((moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, above)) < 0)
			_exit(CHILD_SETUP_FAILED);
	for (k = 0; k < spec->npass_fds; k++)
		if ((pass[k] = fcntl(spec->pass_fds[k], F_DUPFD_CLOEXEC, above)) < 0)
			_exit(CHILD_SETUP_FAILED);
	for (i = 0; i < 3; i++)
		if (dup2(moved[i], i) < 0)
			_exit(CHILD_SETUP_FAILED);
	for (k = 0; k < spec->npass_fds; k++)
		if (dup2(pass[k], JOB_EXEC_PASS_FD(k)) < 0)
			_exit(CHILD_SETUP_FAILED);
	close_range((unsigned)above, ~0U, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGPIPE, &dfl, NULL);
	umask(spec->umask ? spec->umask : 0077);
	if (spec->new_session && setsid() < 0)
		_exit(CHILD_SETUP_FAILED);
	if (c && child_become(c) < 0)
		child_fail("cannot switch to user %s: %s\n", spec->user ? spec->user : "?",
			   strerror(errno));
	if (spec->no_new_privs || spec->confine)
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	/* After the user switch, which clears it; croftd may already be gone. */
	if (spec->die_with_croftd &&
	    (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent))
		_exit(CHILD_SETUP_FAILED);
	child_check(spec, spec->check_read, R_OK);
	child_check(spec, spec->check_write, R_OK | W_OK);
	if (spec->listen_fds)
		child_listen_env(spec->npass_fds);
	for (e = spec->env; e && *e; e++)
		if (putenv((char *)*e) < 0)
			_exit(CHILD_SETUP_FAILED);
	if (spec->confine && (i = job_confine_install()) < 0)
		child_fail("cannot confine %s: %s\n", spec->argv[0], strerror(-i));
	execvp(spec->argv[0], spec->argv);
	child_fail("cannot run %s: %s\n", spec->argv[0], strerror(errno));
}

static int real_spawn(const struct job_exec_spec *spec, const int fds[3],
		      struct job_exec_proc *p, char *err, size_t errlen)
{
	pid_t parent = getpid(), c;
	int fd, r;

	c = fork();
	if (c < 0) {
		r = -errno;
		err_set(err, errlen, "fork: %s", strerror(errno));
		return r;
	}
	if (c == 0)
		child_run(spec, fds, parent);
	fd = proc_pidfd_open(c);
	if (fd < 0) {
		err_set(err, errlen, "pidfd_open: %s", strerror(-fd));
		kill(c, SIGKILL);
		while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
			;
		return fd;
	}
	p->pid = c;
	p->pidfd = fd;
	return 0;
}

static int real_reap(struct job_exec_proc *p)
{
	pid_t r;

	do
		r = waitpid(p->pid, &p->wstatus, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -EAGAIN : 0;
}

static int real_signal(struct job_exec_proc *p, int sig)
{
	return proc_pidfd_kill(p->pidfd, sig);
}

static const struct job_exec_seam real_seam = {
	.spawn = real_spawn,
	.reap = real_reap,
	.signal = real_signal,
};
const struct job_exec_seam *job_exec_seam = &real_seam;

/* --- output ----------------------------------------------------------------- */

/* Read what the pipe has: 1 at EOF (or an error), 0 when it would block.
 * Output past the bound is read and dropped. */
static int capture_read(struct capture *c)
{
	char chunk[16384];
	ssize_t n;
	size_t keep;

	for (;;) {
		n = read(c->fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return 1;
		keep = c->len < c->max ? c->max - c->len : 0;
		if (keep > (size_t)n)
			keep = (size_t)n;
		if (c->len + keep + 1 > c->cap) {
			while (c->len + keep + 1 > c->cap)
				c->cap = c->cap ? c->cap * 2 : 4096;
			c->buf = xrealloc(c->buf, c->cap);
		}
		memcpy(c->buf + c->len, chunk, keep);
		c->len += keep;
	}
}

static void capture_close(struct job_exec *x, struct capture *c)
{
	if (c->fd < 0)
		return;
	loop_del(x->l, c->fd);
	close(c->fd);
	c->fd = -1;
}

static void capture_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct job_exec *x = data;
	struct capture *c = x->cap[0].fd == fd ? &x->cap[0] : &x->cap[1];

	(void)l;
	(void)events;
	if (capture_read(c))
		capture_close(x, c);
}

static void x_free(struct job_exec *x)
{
	int i;

	for (i = 0; i < 2; i++) {
		capture_close(x, &x->cap[i]);
		free(x->cap[i].buf);
		if (x->give[i] >= 0)
			close(x->give[i]);
	}
	if (x->proc.pidfd >= 0) {
		loop_del(x->l, x->proc.pidfd);
		close(x->proc.pidfd);
	}
	free(x);
}

static char *capture_text(struct capture *c, size_t *len)
{
	if (!c->buf)
		c->buf = xmalloc(1);
	c->buf[c->len] = '\0';
	*len = c->len;
	return c->buf;
}

static void exit_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct job_exec *x = data;
	struct job_exec_result res = { 0 };
	int r, i;

	(void)l;
	(void)fd;
	(void)events;
	r = job_exec_seam->reap(&x->proc);
	if (r == -EAGAIN)
		return;
	if (r < 0)
		x->proc.wstatus = W_EXITCODE(255, 0);    /* cannot know; report a failure */
	for (i = 0; i < 2; i++)
		if (x->cap[i].fd >= 0) {
			capture_read(&x->cap[i]);
			capture_close(x, &x->cap[i]);
		}
	if (WIFSIGNALED(x->proc.wstatus)) {
		res.signal = WTERMSIG(x->proc.wstatus);
		res.status = 128 + res.signal;
	} else {
		res.status = WEXITSTATUS(x->proc.wstatus);
	}
	res.out = capture_text(&x->cap[0], &res.out_len);
	res.err = capture_text(&x->cap[1], &res.err_len);
	if (x->done)
		x->done(x, &res, x->data);
	x_free(x);
}

/* --- the handle ----------------------------------------------------------- */

static void close_fds(int *fds, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		for (j = i + 1; j < n; j++)
			if (fds[j] == fds[i])
				fds[j] = -1;
		close(fds[i]);
		fds[i] = -1;
	}
}

/* The child's end of stream s in *child, ours (if any) in *ours. */
static int stream_open(enum job_exec_io mode, int null_fd, int *child, int *ours)
{
	int p[2];

	if (mode == JOB_EXEC_NULL) {
		*child = null_fd;
		return 0;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
		int e = -errno;

		close(p[0]);
		close(p[1]);
		return e;
	}
	*ours = p[0];
	*child = p[1];
	return 0;
}

int job_exec_start(struct loop *l, const struct job_exec_spec *spec, job_exec_done_fn done,
		   void *data, struct job_exec **out, char *err, size_t errlen)
{
	int fds[3] = { -1, -1, -1 }, ours[2] = { -1, -1 }, r, i;
	enum job_exec_io mode[2] = { spec->out, spec->err };
	struct job_exec *x = xcalloc(1, sizeof(*x));

	*out = NULL;
	x->l = l;
	x->proc.pidfd = -1;
	for (i = 0; i < 2; i++) {
		x->cap[i].fd = x->give[i] = -1;
		x->cap[i].max = spec->capture_max ? spec->capture_max : JOB_EXEC_CAPTURE_MAX;
	}
	fds[0] = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fds[0] < 0) {
		r = -errno;
		err_set(err, errlen, "cannot open /dev/null: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < 2; i++) {
		if (i == 1 && spec->err_to_out) {
			fds[2] = fds[1];
			break;
		}
		r = stream_open(mode[i], fds[0], &fds[i + 1], &ours[i]);
		if (r < 0) {
			err_set(err, errlen, "pipe: %s", strerror(-r));
			goto fail;
		}
	}
	r = job_exec_seam->spawn(spec, fds, &x->proc, err, errlen);
	close_fds(fds, 3);
	if (r < 0)
		goto fail;
	for (i = 0; i < 2; i++) {
		if (mode[i] == JOB_EXEC_FD)
			x->give[i] = ours[i];
		else
			x->cap[i].fd = ours[i];
		ours[i] = -1;
	}
	r = loop_add(l, x->proc.pidfd, EPOLLIN, exit_cb, x);
	for (i = 0; i < 2 && r == 0; i++)
		if (x->cap[i].fd >= 0)
			r = loop_add(l, x->cap[i].fd, EPOLLIN, capture_cb, x);
	if (r < 0) {
		err_set(err, errlen, "cannot watch the child: %s", strerror(-r));
		job_exec_stop(x, 1000);          /* kills, reaps and frees it */
		x = NULL;
		goto fail;
	}
	x->done = done;
	x->data = data;
	*out = x;
	return 0;
fail:
	close_fds(fds, 3);
	close_fds(ours, 2);
	free(x);
	return r;
}

pid_t job_exec_pid(const struct job_exec *x)
{
	return x->proc.pid;
}

int job_exec_take_fd(struct job_exec *x, int stream)
{
	int fd;

	if (stream < 1 || stream > 2 || x->give[stream - 1] < 0)
		return -EBADF;
	fd = x->give[stream - 1];
	x->give[stream - 1] = -1;
	return fd;
}

int job_exec_kill(struct job_exec *x, int sig)
{
	return job_exec_seam->signal(&x->proc, sig);
}

void job_exec_abandon(struct job_exec *x)
{
	int i;

	x->done = NULL;
	for (i = 0; i < 2; i++)
		capture_close(x, &x->cap[i]);
}

void job_exec_stop(struct job_exec *x, int wait_ms)
{
	struct pollfd p = { .fd = x->proc.pidfd, .events = POLLIN };

	if (job_exec_seam->signal(&x->proc, SIGKILL) == 0) {
		while (poll(&p, 1, wait_ms) < 0 && errno == EINTR)
			;
	}
	job_exec_seam->reap(&x->proc);
	x_free(x);
}

/* --- synchronous ------------------------------------------------------------- */

struct sync_run {
	struct job_exec_result *res;
	int finished;
};

static char *copy_text(const char *s, size_t len)
{
	char *c = xmalloc(len + 1);

	memcpy(c, s, len + 1);
	return c;
}

static void sync_done(struct job_exec *x, const struct job_exec_result *res, void *data)
{
	struct sync_run *s = data;

	(void)x;
	*s->res = *res;
	s->res->out = copy_text(res->out, res->out_len);
	s->res->err = copy_text(res->err, res->err_len);
	s->finished = 1;
}

int job_exec_run_sync(const struct job_exec_spec *spec, struct job_exec_result *res,
		      char *err, size_t errlen)
{
	struct sync_run s = { .res = res };
	struct job_exec *x;
	struct loop *l;
	int r;

	memset(res, 0, sizeof(*res));
	l = loop_new();
	if (!l) {
		err_set(err, errlen, "cannot make an event loop: %s", strerror(errno));
		return -ENOMEM;
	}
	r = job_exec_start(l, spec, sync_done, &s, &x, err, errlen);
	while (r == 0 && !s.finished) {
		r = loop_run_once(l, -1);
		if (r < 0) {
			err_set(err, errlen, "epoll: %s", strerror(-r));
			job_exec_stop(x, 1000);
		} else {
			r = 0;
		}
	}
	loop_free(l);
	return r;
}

void job_exec_result_clear(struct job_exec_result *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
}

/* --- messages ---------------------------------------------------------------- */

/* text with its ends trimmed and each run of line breaks made one space. */
static void one_line(const char *text, char *out, size_t len)
{
	const char *b = text, *e = text + strlen(text);
	size_t o = 0;

	while (b < e && strchr(" \t\r\n", *b))
		b++;
	while (e > b && strchr(" \t\r\n", e[-1]))
		e--;
	for (; b < e && o + 1 < len; b++) {
		if (*b == '\r' || *b == '\n') {
			if (o && out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		out[o++] = *b;
	}
	if (len)
		out[o] = '\0';
}

int job_exec_failure(const struct job_exec_result *res, const char *what, char *msg,
		     size_t len)
{
	char said[1024];

	if (!res->signal && !res->status)
		return 0;
	one_line(res->err_len ? res->err : res->out ? res->out : "", said, sizeof(said));
	if (res->signal)
		err_set(msg, len, "%s was killed by signal %d (%s)%s%s", what, res->signal,
			strsignal(res->signal), said[0] ? ": " : "", said);
	else if (said[0])
		err_set(msg, len, "%s", said);
	else
		err_set(msg, len, "%s failed with status %d", what, res->status);
	return 1;
}
