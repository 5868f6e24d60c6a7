/*
 * dnsmasq supervision.  Each instance is watched through a pidfd, so a
 * process netd started and one it adopted after a restart look the same;
 * only netd's own children are reaped with waitpid.  Restart back-off:
 * 1 s, doubling to at most 30 s; it starts over once a dnsmasq has run for
 * 30 s, and a COMMIT retries at once.  Files are replaced atomically
 * (write a temporary file, rename), and only when their text changed, so
 * "unchanged" is simply "same bytes on disk".
 */
#include "netd/dnsmasq.h"
#include "common/loop.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000
#define STABLE_MS 30000
#define STOP_WAIT_MS 3000

struct inst {
	uint32_t net_id;
	char name[NETD_NAME_LEN];
	struct dnsmasq_files files;
	pid_t pid;                   /* 0 = not running */
	int pidfd;                   /* -1 = not running */
	int child;                   /* ours to waitpid */
	unsigned fails;
	uint64_t started;
	struct loop_timer *timer;    /* pending restart */
	int wanted;
	struct dnsmasq_sup *sup;
	struct inst *next;
};

struct dnsmasq_sup {
	struct loop *loop;
	char *run_dir;
	char *net_dir;
	char *binary;
	char *user;
	char *group;
	struct inst *list;
};

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

struct dnsmasq_sup *dnsmasq_sup_new(struct loop *loop, const char *run_dir,
				    const char *binary)
{
	struct dnsmasq_sup *s = xcalloc(1, sizeof(*s));
	struct passwd *pw = getpwnam("dnsmasq");
	struct group *gr;

	s->loop = loop;
	s->run_dir = xstrdup(run_dir);
	s->net_dir = xasprintf("%s/net", run_dir);
	s->binary = xstrdup(binary);
	if (pw && (gr = getgrgid(pw->pw_gid))) {
		s->user = xstrdup(pw->pw_name);
		s->group = xstrdup(gr->gr_name);
	} else {
		s->user = xstrdup("nobody");
		s->group = xstrdup(getgrnam("nogroup") ? "nogroup" : "nobody");
	}
	return s;
}

static void inst_free(struct inst *in)
{
	dnsmasq_files_free(&in->files);
	free(in);
}

void dnsmasq_sup_free(struct dnsmasq_sup *s)
{
	struct inst *in, *next;

	if (!s)
		return;
	for (in = s->list; in; in = next) {
		next = in->next;
		if (in->pidfd >= 0) {
			loop_del(s->loop, in->pidfd);
			close(in->pidfd);
		}
		loop_timer_cancel(s->loop, in->timer);
		inst_free(in);
	}
	free(s->run_dir);
	free(s->net_dir);
	free(s->binary);
	free(s->user);
	free(s->group);
	free(s);
}

int dnsmasq_sup_pid(const struct dnsmasq_sup *s, uint32_t net_id)
{
	const struct inst *in;

	for (in = s->list; in; in = in->next)
		if (in->net_id == net_id)
			return in->pid;
	return 0;
}

int dnsmasq_sup_ready(const struct dnsmasq_sup *s, const struct netd_state *st,
		      char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < st->n_nets; i++) {
		if (st->nets[i].mode == NETD_MODE_BRIDGED)
			continue;
		if (access(s->binary, X_OK) < 0) {
			err_set(err, errlen, "network %s needs dnsmasq, but %s cannot be run (%s); install dnsmasq-base",
				st->nets[i].name, s->binary, strerror(errno));
			return -ENOENT;
		}
		return 0;
	}
	return 0;
}

/* ---- processes ------------------------------------------------------- */

static void on_exit_cb(struct loop *l, int fd, uint32_t events, void *data);
static void schedule_restart(struct inst *in);

static int watch(struct inst *in, pid_t pid, int child)
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

static void unwatch(struct inst *in)
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

static int inst_start(struct inst *in, char *err, size_t errlen)
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

static void inst_stop(struct inst *in)
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
	struct inst *in = data;
	char err[512];

	(void)l;
	(void)t;
	in->timer = NULL;
	if (in->pidfd >= 0)
		return;
	if (inst_start(in, err, sizeof(err)) < 0) {
		log_err("%s", err);
		schedule_restart(in);
	}
}

static void schedule_restart(struct inst *in)
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
	struct inst *in = data;
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
	schedule_restart(in);
}

/* Has the process installed its SIGHUP handler yet?  (A dnsmasq that has
 * just been exec'ed would die of the signal.)  From /proc/PID/status. */
static int catches_sighup(pid_t pid)
{
	char path[64], line[256];
	unsigned long long mask;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
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

/* ---- adoption --------------------------------------------------------- */

/* Does /proc/pid/cmdline carry "--conf-file=<conf>"? */
static int cmdline_names(pid_t pid, const char *conf)
{
	char *want = xasprintf("--conf-file=%s", conf);
	int found = proc_cmdline_has(pid, NULL, want);

	free(want);
	return found;
}

/* The pid in dnsmasq's pid file, or 0; never above the kernel's pid limit. */
static pid_t read_pid(const char *path)
{
	pid_t pid;

	if (proc_pidfile_read(path, &pid) < 0 || pid > 1 << 22)
		return 0;
	return pid;
}

/* The process whose command line names conf, by a walk over /proc: for a
 * pid file that is stale or not written yet. */
static pid_t find_by_cmdline(const char *conf)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char *end;
		long v = strtol(e->d_name, &end, 10);

		if (*end || v <= 1 || v == (long)getpid())
			continue;
		if (cmdline_names((pid_t)v, conf))
			found = (pid_t)v;
	}
	closedir(d);
	return found;
}

/* Take over a dnsmasq a previous netd left running for this network. */
static void inst_adopt(struct inst *in)
{
	pid_t pid = read_pid(in->files.pid);

	if (!pid || !cmdline_names(pid, in->files.conf))
		pid = find_by_cmdline(in->files.conf);
	if (!pid)
		return;
	if (watch(in, pid, 0) < 0)
		return;
	/* the pid may have been reused between the check and pidfd_open */
	if (!cmdline_names(pid, in->files.conf)) {
		unwatch(in);
		return;
	}
	in->started = 0;    /* long running, as far as we know */
	log_info("network %s: adopted the running dnsmasq (pid %d)", in->name, (int)pid);
}

/* ---- sync ------------------------------------------------------------- */

static struct inst *inst_get(struct dnsmasq_sup *s, const struct netd_net *n)
{
	struct inst *in;

	for (in = s->list; in; in = in->next)
		if (in->net_id == n->id)
			return in;
	in = xcalloc(1, sizeof(*in));
	in->net_id = n->id;
	in->pidfd = -1;
	in->sup = s;
	snprintf(in->name, sizeof(in->name), "%s", n->name);
	dnsmasq_files_init(&in->files, s->run_dir, n->id);
	in->next = s->list;
	s->list = in;
	inst_adopt(in);
	return in;
}

static int in_list(const uint32_t *ids, size_t n, uint32_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static int make_dir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		int rc = -errno;

		err_set(err, errlen, "cannot create %s: %s", path, strerror(-rc));
		return rc;
	}
	return 0;
}

/* Bring one wanted network's dnsmasq up to date. */
static int sync_one(struct dnsmasq_sup *s, const struct netd_state *st,
		    const struct netd_net *n, int fresh, char *err, size_t errlen)
{
	struct inst *in = inst_get(s, n);
	char *conf = NULL, *hosts = NULL;
	int conf_changed, hosts_changed, rc;

	in->wanted = 1;
	snprintf(in->name, sizeof(in->name), "%s", n->name);
	rc = make_dir(in->files.dir, err, errlen);
	if (rc < 0)
		return rc;
	conf = dnsmasq_conf_text(n, &in->files, s->user, s->group);
	hosts = dnsmasq_hosts_text(st, n->id);
	conf_changed = fileio_write_if_changed(in->files.conf, conf, err, errlen);
	hosts_changed = conf_changed < 0 ? 0 : fileio_write_if_changed(in->files.hosts, hosts, err, errlen);
	free(conf);
	free(hosts);
	if (conf_changed < 0 || hosts_changed < 0)
		return conf_changed < 0 ? conf_changed : hosts_changed;
	if (in->pidfd >= 0) {
		int unready = hosts_changed && !catches_sighup(in->pid);

		if (!conf_changed && !fresh && !unready) {
			if (hosts_changed) {
				log_info("network %s: static leases changed; dnsmasq rereads them",
					 n->name);
				pidfd_signal(in->pidfd, SIGHUP);
			}
			return 0;
		}
		log_info("network %s: restarting dnsmasq (%s)", n->name,
			 conf_changed ? "its config changed" : fresh ? "the bridge is new"
								   : "static leases changed");
		inst_stop(in);
	}
	loop_timer_cancel(s->loop, in->timer);
	in->timer = NULL;
	in->fails = 0;
	rc = inst_start(in, err, errlen);
	if (rc < 0)
		schedule_restart(in);
	return rc;
}

/* Directories under net/ of networks nobody wants: stop, remove. */
static void sweep_dirs(struct dnsmasq_sup *s)
{
	DIR *d = opendir(s->net_dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct inst *in, tmp;
		const char *p;
		unsigned long id;
		int wanted = 0;

		for (p = e->d_name; *p && isdigit((unsigned char)*p); p++)
			;
		if (*p || !e->d_name[0] || strlen(e->d_name) > 9)
			continue;
		id = strtoul(e->d_name, NULL, 10);
		for (in = s->list; in; in = in->next)
			if (in->net_id == id)
				wanted = 1;
		if (wanted)
			continue;
		memset(&tmp, 0, sizeof(tmp));
		tmp.net_id = (uint32_t)id;
		tmp.pidfd = -1;
		tmp.sup = s;
		snprintf(tmp.name, sizeof(tmp.name), "%lu", id);
		dnsmasq_files_init(&tmp.files, s->run_dir, (uint32_t)id);
		inst_adopt(&tmp);
		inst_stop(&tmp);
		fileio_remove_flat_dir(tmp.files.dir);
		log_info("removed the files of network %lu (%s)", id, tmp.files.dir);
		dnsmasq_files_free(&tmp.files);
	}
	closedir(d);
}

int dnsmasq_sup_sync(struct dnsmasq_sup *s, const struct netd_state *st,
		     const uint32_t *fresh, size_t n_fresh, char *err, size_t errlen)
{
	struct inst **pp, *in;
	char one[512];
	size_t i;
	int rc = 0, r;

	for (in = s->list; in; in = in->next)
		in->wanted = 0;
	r = make_dir(s->net_dir, err, errlen);
	if (r < 0)
		return r;
	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];

		if (n->mode == NETD_MODE_BRIDGED)
			continue;
		r = sync_one(s, st, n, in_list(fresh, n_fresh, n->id), one, sizeof(one));
		if (r < 0) {
			log_err("%s", one);
			if (!rc) {
				rc = r;
				err_set(err, errlen, "%s", one);
			}
		}
	}
	for (pp = &s->list; *pp;) {
		in = *pp;
		if (in->wanted) {
			pp = &in->next;
			continue;
		}
		*pp = in->next;
		inst_stop(in);
		fileio_remove_flat_dir(in->files.dir);
		log_info("network %s: gone; its dnsmasq and files are removed", in->name);
		inst_free(in);
	}
	sweep_dirs(s);
	return rc;
}
