/*
 * Scripted children for job_exec's seam (testlib.h).  A fake child is an
 * eventfd standing in for its pidfd: readable at once for a child that
 * "exits" straight away, or once a signal ends a hanging one.  Its wait
 * status lives in the proc job_exec hands the seam, -1 while it "runs";
 * what it prints is written into the pipes job_exec made before they are
 * handed back, so the real capture code reads it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/job_exec.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUNNING -1

static struct tl_exec_fake *fake;

static void say(int fd, const char *text)
{
	if (text && *text && proto_write_all(fd, text, strlen(text)) < 0)
		fail_msg("fake child cannot write its output: %s", strerror(errno));
}

static int fake_spawn(const struct job_exec_spec *spec, const int fds[3],
		      struct job_exec_proc *p, char *err, size_t errlen)
{
	int i;

	fake->calls++;
	for (i = 0; spec->argv[i] && i < 16; i++)
		snprintf(fake->argv[i], sizeof(fake->argv[i]), "%s", spec->argv[i]);
	fake->argc = i;
	if (fake->spawn_errno > 0) {
		err_set(err, errlen, "fork: %s", strerror(fake->spawn_errno));
		return -fake->spawn_errno;
	}
	p->pidfd = eventfd(fake->hang ? 0 : 1, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->pidfd < 0)
		fail_msg("eventfd: %s", strerror(errno));
	p->pid = 100000 + fake->calls;
	p->wstatus = fake->hang ? RUNNING : W_EXITCODE(fake->status, 0);
	say(fds[1], fake->out);
	say(fds[2], fake->err);
	return 0;
}

static int fake_reap(struct job_exec_proc *p)
{
	return p->wstatus == RUNNING ? -EAGAIN : 0;
}

static int fake_signal(struct job_exec_proc *p, int sig)
{
	uint64_t one = 1;

	fake->nsignals++;
	fake->last_signal = sig;
	if (p->wstatus != RUNNING)
		return -ESRCH;
	if (sig == 0 || (sig == SIGTERM && fake->ignore_term))
		return 0;
	p->wstatus = W_EXITCODE(0, sig);
	if (write(p->pidfd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		fail_msg("eventfd write: %s", strerror(errno));
	return 0;
}

static const struct job_exec_seam fake_seam = {
	.spawn = fake_spawn,
	.reap = fake_reap,
	.signal = fake_signal,
};

static const struct job_exec_seam *saved_seam;

void tl_exec_fake_install(struct tl_exec_fake *f)
{
	if (!saved_seam)
		saved_seam = job_exec_seam;
	fake = f;
	job_exec_seam = &fake_seam;
}

void tl_exec_fake_remove(void)
{
	if (saved_seam)
		job_exec_seam = saved_seam;
	saved_seam = NULL;
	fake = NULL;
}

void tl_exec_record(struct job_exec *x, const struct job_exec_result *res, void *data)
{
	struct tl_exec_seen *s = data;

	(void)x;
	s->calls++;
	s->status = res->status;
	s->signal = res->signal;
	snprintf(s->out, sizeof(s->out), "%s", res->out);
	snprintf(s->err, sizeof(s->err), "%s", res->err);
}
