/*
 * Running croft-install (ui_engine.h).  Children get /dev/null on stdin
 * and a pipe for stdout and stderr; an install also gets the progress
 * pipe as its fd 3.  Pipes are read without blocking from the main loop;
 * the engine is reaped once both have reached their end.
 */
#include "installer/ui_engine.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define UI_PROGRESS_FD 3

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "ended (status 0x%x)", (unsigned)status);
}

/* fork and exec engine args; the child's stdout to out_w, its stderr to
 * err_w, the progress pipe (or -1) to fd 3. */
static pid_t spawn(const char *engine, const char *const *args, int out_w, int err_w, int prog_w)
{
	const char *argv[16];
	size_t n = 0;
	int devnull;
	pid_t pid;

	argv[n++] = engine;
	while (args[n - 1] && n < 15) {
		argv[n] = args[n - 1];
		n++;
	}
	argv[n] = NULL;
	pid = fork();
	if (pid != 0)
		return pid;
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		_exit(127);
	if (prog_w >= 0 && dup2(prog_w, UI_PROGRESS_FD) < 0)
		_exit(127);
	if (prog_w == UI_PROGRESS_FD)
		fcntl(UI_PROGRESS_FD, F_SETFD, 0);
	execvp(engine, (char *const *)argv);
	fprintf(stderr, "cannot run %s: %s\n", engine, strerror(errno));
	_exit(127);
}

static void keep_tail(char *tail, size_t *len, const char *buf, size_t n)
{
	if (n >= UI_ENGINE_TAIL - 1) {
		buf += n - (UI_ENGINE_TAIL - 1);
		n = UI_ENGINE_TAIL - 1;
	}
	if (*len + n >= UI_ENGINE_TAIL) {
		size_t drop = *len + n - (UI_ENGINE_TAIL - 1);

		memmove(tail, tail + drop, *len - drop);
		*len -= drop;
	}
	memcpy(tail + *len, buf, n);
	*len += n;
	tail[*len] = '\0';
}

/* The last non-empty line of text, into buf. */
static void last_line(const char *text, char *buf, size_t len)
{
	size_t n = strlen(text);
	const char *start;

	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
		n--;
	start = text + n;
	while (start > text && start[-1] != '\n')
		start--;
	snprintf(buf, len, "%.*s", (int)(text + n - start), start);
}

int ui_engine_capture(const char *engine, const char *const *args, char **out,
		      char *err, size_t errlen)
{
	int p[2], ep[2], status, rc = 0;
	size_t len = 0, cap = 8192, elen = 0;
	char *buf, ebuf[UI_ENGINE_TAIL] = "", line[512], how[64];
	struct pollfd pfd[2];
	pid_t pid;
	ssize_t r;

	if (pipe2(p, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot make a pipe: %s", strerror(errno));
		return rc;
	}
	pid = spawn(engine, args, p[1], ep[1], -1);
	close(p[1]);
	close(ep[1]);
	buf = xmalloc(cap);
	pfd[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = ep[0], .events = POLLIN };
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].fd >= 0 && pfd[0].revents) {
			if (len + 4096 > cap)
				buf = xrealloc(buf, cap *= 2);
			r = read(p[0], buf + len, cap - len - 1);
			if (r > 0)
				len += (size_t)r;
			else if (r == 0 || errno != EINTR)
				pfd[0].fd = -1;
		}
		if (pfd[1].fd >= 0 && pfd[1].revents) {
			char tmp[512];

			r = read(ep[0], tmp, sizeof(tmp));
			if (r > 0)
				keep_tail(ebuf, &elen, tmp, (size_t)r);
			else if (r == 0 || errno != EINTR)
				pfd[1].fd = -1;
		}
	}
	close(p[0]);
	close(ep[0]);
	buf[len] = '\0';
	if (pid < 0)
		status = 0x7f00;
	else
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		last_line(ebuf, line, sizeof(line));
		describe_status(status, how, sizeof(how));
		err_set(err, errlen, "%s %s %s%s%s", engine, args[0], how, line[0] ? ": " : "", line);
		free(buf);
		return -EIO;
	}
	*out = buf;
	return 0;
}

static int write_answer(struct ui_engine *e, const char *text, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	size_t len = strlen(text);
	int fd, rc = 0;

	snprintf(e->answer_path, sizeof(e->answer_path), "%s/croft-answer.XXXXXX",
		 tmp && tmp[0] == '/' && strlen(tmp) < 200 ? tmp : "/tmp");
	fd = mkostemp(e->answer_path, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot create the answer file %s: %s", e->answer_path,
			strerror(errno));
		e->answer_path[0] = '\0';
		return rc;
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
		rc = errno ? -errno : -EIO;
		err_set(err, errlen, "cannot write the answer file %s: %s", e->answer_path,
			strerror(-rc));
	}
	close(fd);
	if (rc < 0) {
		unlink(e->answer_path);
		e->answer_path[0] = '\0';
	}
	return rc;
}

int ui_engine_start(struct ui_engine *e, const char *engine, const char *answer_text,
		    int dry_run, const char *source, char *err, size_t errlen)
{
	const char *args[10];
	int out[2], prog[2], rc;
	size_t n = 0;

	ui_engine_reset(e);
	rc = write_answer(e, answer_text, err, errlen);
	if (rc < 0)
		return rc;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(prog, O_CLOEXEC) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot make a pipe: %s", strerror(errno));
		unlink(e->answer_path);
		return rc;
	}
	args[n++] = "--answer";
	args[n++] = e->answer_path;
	if (dry_run)
		args[n++] = "--dry-run";
	if (source) {
		args[n++] = "--source";
		args[n++] = source;
	}
	args[n++] = "--progress-fd";
	args[n++] = "3";
	args[n] = NULL;
	e->pid = spawn(engine, args, out[1], out[1], prog[1]);
	close(out[1]);
	close(prog[1]);
	if (e->pid < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot start %s: %s", engine, strerror(errno));
		close(out[0]);
		close(prog[0]);
		unlink(e->answer_path);
		e->pid = 0;
		return rc;
	}
	e->out_fd = out[0];
	e->prog_fd = prog[0];
	fcntl(e->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(e->prog_fd, F_SETFL, O_NONBLOCK);
	snprintf(e->step, sizeof(e->step), "starting %s", engine);
	return 0;
}

int ui_engine_fds(const struct ui_engine *e, struct pollfd *pfd)
{
	int n = 0;

	if (e->prog_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = e->prog_fd, .events = POLLIN };
	if (e->out_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = e->out_fd, .events = POLLIN };
	return n;
}

/* The private answer file's name means nothing to the user: "answer file". */
static void unname_answer(const struct ui_engine *e, char *text, size_t len)
{
	size_t n = strlen(e->answer_path);
	char *at = n ? strstr(text, e->answer_path) : NULL;

	if (!at || n < 11)
		return;
	memcpy(at, "answer file", 11);
	memmove(at + 11, at + n, strlen(at + n) + 1);
	(void)len;
}

static void progress_line(struct ui_engine *e, const char *line)
{
	struct ui_progress p;

	ui_progress_parse(line, &p);
	switch (p.kind) {
	case UI_PROGRESS_STEP:
		e->pct = p.pct;
		snprintf(e->step, sizeof(e->step), "%s", p.text);
		break;
	case UI_PROGRESS_ERROR:
		unname_answer(e, p.text, sizeof(p.text));
		snprintf(e->error, sizeof(e->error), "%s", p.text);
		break;
	case UI_PROGRESS_DONE:
		e->done = 1;
		e->pct = 100;
		break;
	case UI_PROGRESS_OTHER:
		if (!p.text[0])
			return;
		break;
	}
	if (e->on_step)
		e->on_step(e->ctx, &p);
}

static int read_progress(struct ui_engine *e)
{
	char buf[1024];
	ssize_t r, i;

	r = read(e->prog_fd, buf, sizeof(buf));
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0) {
		if (e->linelen) {
			e->line[e->linelen] = '\0';
			progress_line(e, e->line);
			e->linelen = 0;
		}
		close(e->prog_fd);
		e->prog_fd = -1;
		return 1;
	}
	for (i = 0; i < r; i++) {
		if (buf[i] == '\n' || e->linelen == sizeof(e->line) - 1) {
			e->line[e->linelen] = '\0';
			progress_line(e, e->line);
			e->linelen = 0;
			if (buf[i] == '\n')
				continue;
		}
		e->line[e->linelen++] = buf[i];
	}
	return 1;
}

static int read_output(struct ui_engine *e)
{
	char buf[1024];
	ssize_t r = read(e->out_fd, buf, sizeof(buf));

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0) {
		close(e->out_fd);
		e->out_fd = -1;
		return 1;
	}
	keep_tail(e->tail, &e->taillen, buf, (size_t)r);
	return 1;
}

static void reap(struct ui_engine *e)
{
	char how[64], line[400];

	if (waitpid(e->pid, &e->status, 0) < 0)
		e->status = 0x7f00;
	e->pid = 0;
	e->finished = 1;
	if (e->answer_path[0])
		unlink(e->answer_path);
	e->answer_path[0] = '\0';
	if (ui_engine_ok(e) || e->error[0])
		return;
	describe_status(e->status, how, sizeof(how));
	last_line(e->tail, line, sizeof(line));
	if (WIFEXITED(e->status) && !WEXITSTATUS(e->status))
		snprintf(how, sizeof(how), "ended without saying 'done'");
	snprintf(e->error, sizeof(e->error), "croft-install %s%s%s", how, line[0] ? ": " : "", line);
}

int ui_engine_service(struct ui_engine *e)
{
	int changed = 0;

	if (!e->pid)
		return 0;
	if (e->prog_fd >= 0)
		changed |= read_progress(e);
	if (e->out_fd >= 0)
		changed |= read_output(e);
	if (e->prog_fd < 0 && e->out_fd < 0) {
		reap(e);
		changed = 1;
	}
	return changed;
}

int ui_engine_ok(const struct ui_engine *e)
{
	return e->finished && e->done && !e->error[0] && WIFEXITED(e->status) &&
	       WEXITSTATUS(e->status) == 0;
}

void ui_engine_reset(struct ui_engine *e)
{
	void (*on_step)(void *, const struct ui_progress *) = e->on_step;
	void *ctx = e->ctx;

	memset(e, 0, sizeof(*e));
	e->prog_fd = e->out_fd = -1;
	e->on_step = on_step;
	e->ctx = ctx;
}
