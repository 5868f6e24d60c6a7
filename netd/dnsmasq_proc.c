/*
 * One dnsmasq instance's process.  Each instance is watched through a
 * pidfd, so a process netd started and one it adopted after a restart look
 * the same; only netd's own children are reaped with waitpid.  Restart
 * back-off: 1 s, doubling to at most 30 s; it starts over once a dnsmasq
 * has run for 30 s.  Adoption finds a running dnsmasq by its pid file,
 * else by a walk over /proc, and trusts it only when it runs the dnsmasq
 * binary (/proc/PID/exe), as root or dnsmasq's user, and its command line
 * is exactly the one netd starts it with (dnsmasq_adoptable).
 */
#include "netd/dnsmasq_internal.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000
#define STABLE_MS 30000
#define STOP_WAIT_MS 3000

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* ---- processes ------------------------------------------------------- */

static void on_exit_cb(struct loop *l, int fd, uint32_t events, void *data);

static int watch(struct dnsmasq_inst *in, pid_t pid, int child)
{
	int fd = pidfd_open_(pid);

	if (fd < 0)
		return -errno;
	if (loop_add(in->sup->loop, fd, EPOLLIN, on_exit_cb, in) < 0) {
		close(fd);
		return -EIO;
	}
	in->pid = pid;
	in->pidfd = fd;
	in->child = child;
	return 0;
}

static void unwatch(struct dnsmasq_inst *in)
{
	if (in->pidfd >= 0) {
		loop_del(in->sup->loop, in->pidfd);
		close(in->pidfd);
	}
	in->pidfd = -1;
	in->pid = 0;
	in->child = 0;
}

static void child_exec(const struct dnsmasq_sup *s, const char *arg, int nullfd, int logfd,
		       int errfd)
{
	sigset_t none;
	int e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	if (dup2(nullfd, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		goto fail;
	execl(s->binary, s->binary, arg, (char *)NULL);
fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int dnsmasq_inst_start(struct dnsmasq_inst *in, char *err, size_t errlen)
{
	struct dnsmasq_sup *s = in->sup;
	char *arg = xasprintf("--conf-file=%s", in->files.conf);
	int p[2] = { -1, -1 }, logfd = -1, nullfd = -1, rc, e = 0;
	ssize_t n;
	pid_t pid;

	logfd = open(in->files.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (logfd < 0 || nullfd < 0 || pipe2(p, O_CLOEXEC) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot start dnsmasq for network %s: %s (%s)", in->name,
			strerror(-rc), logfd < 0 ? in->files.log : "pipe");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot start dnsmasq for network %s: fork: %s", in->name,
			strerror(-rc));
		goto out;
	}
	if (pid == 0)
		child_exec(s, arg, nullfd, logfd, p[1]);
	close(p[1]);
	p[1] = -1;
	do
		n = read(p[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		waitpid(pid, NULL, 0);
		rc = -e;
		err_set(err, errlen, "cannot run %s for network %s: %s", s->binary, in->name,
			strerror(e));
		goto out;
	}
	rc = watch(in, pid, 1);
	if (rc < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		err_set(err, errlen, "cannot watch dnsmasq for network %s: %s", in->name,
			strerror(-rc));
		goto out;
	}
	in->started = loop_now_ms();
	log_info("network %s: dnsmasq started (pid %d, %s)", in->name, (int)pid, in->files.conf);
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	if (logfd >= 0)
		close(logfd);
	if (nullfd >= 0)
		close(nullfd);
	free(arg);
	return rc;
}

/* Wait up to ms for the pidfd to report the exit. */
static int wait_exit(int pidfd, int ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	uint64_t end = loop_now_ms() + (uint64_t)ms;

	for (;;) {
		uint64_t now = loop_now_ms();
		int rc;

		if (now >= end)
			return 0;
		rc = poll(&pfd, 1, (int)(end - now));
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return 0;
	}
}

void dnsmasq_inst_stop(struct dnsmasq_inst *in)
{
	loop_timer_cancel(in->sup->loop, in->timer);
	in->timer = NULL;
	if (in->pidfd < 0)
		return;
	pidfd_signal(in->pidfd, SIGTERM);
	if (!wait_exit(in->pidfd, STOP_WAIT_MS)) {
		log_warn("network %s: dnsmasq (pid %d) ignored SIGTERM; killing it", in->name,
			 (int)in->pid);
		pidfd_signal(in->pidfd, SIGKILL);
		wait_exit(in->pidfd, STOP_WAIT_MS);
	}
	if (in->child)
		waitpid(in->pid, NULL, 0);
	log_info("network %s: dnsmasq (pid %d) stopped", in->name, (int)in->pid);
	unwatch(in);
}

static void restart_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct dnsmasq_inst *in = data;
	char err[512];

	(void)l;
	(void)t;
	in->timer = NULL;
	if (in->pidfd >= 0)
		return;
	if (dnsmasq_inst_start(in, err, sizeof(err)) < 0) {
		log_err("%s", err);
		dnsmasq_inst_restart_later(in);
	}
}

void dnsmasq_inst_restart_later(struct dnsmasq_inst *in)
{
	unsigned shift = in->fails < 5 ? in->fails : 5;
	uint64_t delay = (uint64_t)BACKOFF_FIRST_MS << shift;

	if (delay > BACKOFF_MAX_MS)
		delay = BACKOFF_MAX_MS;
	in->fails++;
	log_warn("network %s: restarting dnsmasq in %llu ms (see %s)", in->name,
		 (unsigned long long)delay, in->files.log);
	in->timer = loop_timer_add(in->sup->loop, delay, restart_cb, in);
}

static void on_exit_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct dnsmasq_inst *in = data;
	char how[64] = "exited";
	int status;
	pid_t pid = in->pid;

	(void)l;
	(void)fd;
	(void)events;
	if (in->child && waitpid(pid, &status, WNOHANG) == pid) {
		if (WIFEXITED(status))
			snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
	}
	unwatch(in);
	if (loop_now_ms() - in->started >= STABLE_MS)
		in->fails = 0;
	log_warn("network %s: dnsmasq (pid %d) %s", in->name, (int)pid, how);
	dnsmasq_inst_restart_later(in);
}

/* From /proc/PID/status. */
int dnsmasq_inst_can_hup(const struct dnsmasq_inst *in)
{
	char path[64], line[256];
	unsigned long long mask;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)in->pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "SigCgt: %llx", &mask) == 1) {
			found = (mask >> (SIGHUP - 1)) & 1;
			break;
		}
	}
	fclose(f);
	return found;
}

void dnsmasq_inst_hup(struct dnsmasq_inst *in)
{
	pidfd_signal(in->pidfd, SIGHUP);
}

/* ---- adoption --------------------------------------------------------- */

#define CMDLINE_MAX 65536

/* /proc/PID/cmdline: every argument after the first must be an operand
 * (the stand-in scripts of tests run as "sh script --conf-file=..."), or
 * exactly "--conf-file=<conf>", which must come last.  So no other config,
 * script or option rides along. */
static int cmdline_is_ours(const char *root, pid_t pid, const char *conf, char *why,
			   size_t whylen)
{
	char path[512], *buf = NULL, *want = xasprintf("--conf-file=%s", conf);
	const char *last = NULL;
	ssize_t n;
	size_t i;
	int fd, ok = 0;

	snprintf(path, sizeof(path), "%s/%d/cmdline", root, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_set(why, whylen, "no command line");
		goto out;
	}
	buf = xmalloc(CMDLINE_MAX);
	n = read(fd, buf, CMDLINE_MAX - 1);
	close(fd);
	if (n <= 0) {
		err_set(why, whylen, "no command line");
		goto out;
	}
	buf[n] = '\0';
	for (i = strlen(buf) + 1; i < (size_t)n; i += strlen(buf + i) + 1) {
		if (buf[i] == '-' && strcmp(buf + i, want)) {
			err_set(why, whylen, "its command line has \"%.64s\"", buf + i);
			goto out;
		}
		last = buf + i;
	}
	ok = last && !strcmp(last, want);
	if (!ok)
		err_set(why, whylen, "its command line does not end in %s", want);
out:
	free(buf);
	free(want);
	return ok;
}

/* Uid: real, effective, saved and filesystem uid all 0 or uid. */
static int uids_ok(const char *root, pid_t pid, uid_t uid, char *why, size_t whylen)
{
	char path[512], line[256];
	unsigned long u[4];
	int ok = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/status", root, (int)pid);
	if (!(f = fopen(path, "re"))) {
		err_set(why, whylen, "no status");
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Uid: %lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) != 4)
			continue;
		ok = 1;
		for (i = 0; i < 4; i++)
			if (u[i] != 0 && u[i] != (unsigned long)uid)
				ok = 0;
		if (!ok)
			err_set(why, whylen, "it runs as uid %lu/%lu/%lu/%lu, not root or %lu",
				u[0], u[1], u[2], u[3], (unsigned long)uid);
		break;
	}
	fclose(f);
	if (!ok && !why[0])
		err_set(why, whylen, "no Uid line in its status");
	return ok;
}

int dnsmasq_adoptable(const char *root, pid_t pid, const char *exe, uid_t uid,
		      const char *conf, char *why, size_t whylen)
{
	char path[512], target[4096], none[8];
	ssize_t n;

	if (!why || !whylen) {
		why = none;
		whylen = sizeof(none);
	}
	why[0] = '\0';
	if (pid <= 1)
		return 0;
	snprintf(path, sizeof(path), "%s/%d/exe", root, (int)pid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		err_set(why, whylen, "its executable cannot be read (%s)", strerror(errno));
		return 0;
	}
	target[n] = '\0';
	if (strcmp(target, exe)) {
		err_set(why, whylen, "it runs %.256s, not %.256s", target, exe);
		return 0;
	}
	return uids_ok(root, pid, uid, why, whylen) &&
	       cmdline_is_ours(root, pid, conf, why, whylen);
}

static int adoptable(const struct dnsmasq_inst *in, pid_t pid, int loud)
{
	const struct dnsmasq_sup *s = in->sup;
	char why[512];

	if (dnsmasq_adoptable(s->proc_root, pid, s->exe, s->uid, in->files.conf, why, sizeof(why)))
		return 1;
	if (loud)
		log_warn("network %s: pid %d names this network's config but is left alone: %s",
			 in->name, (int)pid, why);
	return 0;
}

/* The pid in dnsmasq's pid file, or 0; never above the kernel's pid limit. */
static pid_t read_pid(const char *path)
{
	pid_t pid;

	if (proc_pidfile_read(path, &pid) < 0 || pid > 1 << 22)
		return 0;
	return pid;
}

/* The process whose command line names in's config and passes the checks,
 * by a walk over /proc: for a pid file that is stale or not written yet. */
static pid_t find_by_cmdline(const struct dnsmasq_inst *in)
{
	const struct dnsmasq_sup *s = in->sup;
	char *want = xasprintf("--conf-file=%s", in->files.conf);
	DIR *d = opendir(s->proc_root);
	struct dirent *e;
	pid_t found = 0;

	while (d && !found && (e = readdir(d))) {
		char *end;
		long v = strtol(e->d_name, &end, 10);

		if (*end || v <= 1 || v > 1 << 22 || v == (long)getpid())
			continue;
		if (proc_cmdline_has_in(s->proc_root, (pid_t)v, NULL, want) &&
		    adoptable(in, (pid_t)v, 1))
			found = (pid_t)v;
	}
	if (d)
		closedir(d);
	free(want);
	return found;
}

/* Take over a dnsmasq a previous netd left running for this network: only
 * a process of the dnsmasq binary, run by root or dnsmasq's user, started
 * with exactly this network's config.  Anything else is never signalled. */
void dnsmasq_inst_adopt(struct dnsmasq_inst *in)
{
	pid_t pid = read_pid(in->files.pid);

	if (!pid || !adoptable(in, pid, 1))
		pid = find_by_cmdline(in);
	if (!pid)
		return;
	if (watch(in, pid, 0) < 0)
		return;
	/* the pid may have been reused between the check and pidfd_open */
	if (!adoptable(in, pid, 0)) {
		unwatch(in);
		return;
	}
	in->started = 0;    /* long running, as far as we know */
	log_info("network %s: adopted the running dnsmasq (pid %d)", in->name, (int)pid);
}
