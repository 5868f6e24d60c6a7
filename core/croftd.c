/*
 * croftd: the management daemon.  Startup checks everything it can before
 * detaching (directories, the lock, the QEMU user, the store), so a
 * misconfiguration is reported on the terminal that started it; then one
 * event loop serves the API and watches every VM until SIGTERM.  Stopping
 * croftd never stops a guest: each QEMU runs in its own session and is
 * re-adopted by the next croftd.  It does end its jobs (core/job.h).
 */
#include "core/accel.h"
#include "core/api_server.h"
#include "core/balloon.h"
#include "core/daemon.h"
#include "core/events.h"
#include "core/host.h"
#include "core/job.h"
#include "core/monitor.h"
#include "core/service.h"
#include "core/snap.h"
#include "common/loop.h"
#include "core/net_state.h"
#include "core/sampler.h"
#include "core/sched.h"
#include "core/netd_client.h"
#include "core/pools.h"
#include "core/pool_watch.h"
#include "core/vm.h"
#include "core/settings.h"
#include "core/vm_nic.h"
#include "core/vm_serial.h"
#include "core/vm_uid.h"
#include "common/daemonize.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define QEMU_USER "croft-qemu"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: croftd [--state-dir DIR] [--run-dir DIR] [--foreground] [--debug]\n"
		"\n"
		"  --state-dir DIR   persistent state: croft.db, disk pools (default /var/lib/croft)\n"
		"  --run-dir DIR     runtime files: croftd.sock, per-VM sockets (default /run/croft)\n"
		"  --foreground      stay in the foreground and log to stderr\n"
		"  --debug           log debug messages too\n"
		"\n"
		"environment: CROFT_ACCEL=auto|kvm|tcg overrides the host's accel setting;\n"
		"             CROFT_QEMU names the QEMU binary (default qemu-system-x86_64).\n");
}

static int make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The directory must exist and be traversable by the QEMU user. */
static char *prepare_dir(const char *path, const char *what)
{
	char real[PATH_MAX];
	struct stat st;

	if (make_dir(path, 0711) < 0) {
		fprintf(stderr, "croftd: cannot create %s %s: %s\n", what, path, strerror(errno));
		return NULL;
	}
	if (!realpath(path, real) || stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "croftd: %s %s is not a usable directory\n", what, path);
		return NULL;
	}
	if (geteuid() == 0 && !(st.st_mode & S_IXOTH) && chmod(real, (st.st_mode & 07777) | 0011) < 0) {
		fprintf(stderr, "croftd: cannot make %s %s traversable: %s\n", what, real, strerror(errno));
		return NULL;
	}
	return xstrdup(real);
}

static int qemu_identity(struct croftd *d)
{
	struct passwd *pw;
	struct group *gr;
	gid_t groups[32];
	int ng = 32, i;
	char err[512];
	struct stat st;

	gr = getgrnam("croft");
	d->croft_gid = gr ? gr->gr_gid : (gid_t)-1;
	if (geteuid() != 0) {
		pw = getpwuid(geteuid());
		d->drop_privs = 0;
		d->qemu_user = xstrdup(pw ? pw->pw_name : "?");
		d->qemu_uid = geteuid();
		d->qemu_gid = getegid();
		log_warn("croftd is not running as root: QEMU runs as %s, and guests' files must belong to it",
			 d->qemu_user);
		return 0;
	}
	pw = getpwnam(QEMU_USER);
	if (!pw) {
		fprintf(stderr, "croftd: the unprivileged user '%s' that runs QEMU does not exist; "
			"create it with installer/setup-host.sh (make deps does)\n", QEMU_USER);
		return -ENOENT;
	}
	d->drop_privs = 1;
	d->qemu_user = QEMU_USER;
	d->qemu_uid = pw->pw_uid;
	d->qemu_gid = pw->pw_gid;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ng) < 0)
		ng = 0;
	for (i = 0; i < ng && d->qemu_ngroups < 8; i++)
		d->qemu_groups[d->qemu_ngroups++] = groups[i];
	if (!d->qemu_ngroups)
		d->qemu_groups[d->qemu_ngroups++] = pw->pw_gid;
	/* Each VM's QEMU: a uid of its own from croft-qemu's range. */
	if (vm_uid_range_load(d, "/etc/subuid", "/etc/subgid", QEMU_USER, pw->pw_uid, err,
			      sizeof(err)) < 0) {
		fprintf(stderr, "croftd: %s\n", err);
		return -ENOENT;
	}
	/* Their one supplementary group: /dev/kvm's, when it may open it. */
	if (stat("/dev/kvm", &st) == 0 && st.st_gid != 0 && (st.st_mode & 060) == 060)
		d->vm_groups[d->vm_ngroups++] = st.st_gid;
	return 0;
}

static void find_ovmf(struct croftd *d)
{
	static const char *pairs[][2] = {
		{ "/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd" },
		{ "/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd" },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (access(pairs[i][0], R_OK) == 0 && access(pairs[i][1], R_OK) == 0) {
			d->ovmf_code = pairs[i][0];
			d->ovmf_vars = pairs[i][1];
			return;
		}
	}
	log_warn("OVMF not found: VMs with firmware uefi cannot be created (install ovmf)");
}

/* QEMU is run by absolute path, found once as croftd sees PATH, so the
 * binary started as the QEMU user is the one whose version was checked. */
static const char *find_program(const char *name)
{
	static char found[PATH_MAX];
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;

	if (strchr(name, '/') || !path)
		return name;
	copy = xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(found, sizeof(found), "%s/%s", *dir ? dir : ".", name);
		if (access(found, X_OK) == 0 && found[0] == '/') {
			free(copy);
			return found;
		}
	}
	free(copy);
	return name;
}

/* --- services (core/service.h) ------------------------------------------- */

static int api_init(struct croftd *d, char *err, size_t errlen)
{
	return api_server_start(d, d->sock_path, &d->api, err, errlen);
}

static void api_fini(struct croftd *d)
{
	api_server_stop(d->api);
	d->api = NULL;
}

static int vms_init(struct croftd *d, char *err, size_t errlen)
{
	if (vm_load_all(d) < 0) {
		snprintf(err, errlen, "cannot load VMs from the store");
		return -EIO;
	}
	return 0;
}

/* Answers clients still waiting on a VM before the API server goes. */
static void vms_fini(struct croftd *d)
{
	vm_free_all(d);
}

/* croft-netd's client exists before the VMs (they use it until they are
 * freed); it connects once they are loaded, since connecting pushes the
 * networks with their VMs' names. */
static int netd_init(struct croftd *d, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", d->run_dir, NETD_SOCK_NAME);

	(void)err;
	(void)errlen;
	d->netd = netd_client_new(d->loop, path, NULL, net_state_of_daemon, d);
	free(path);
	netd_client_on_connect(d->netd, vm_nic_repair_soon, d);
	return 0;
}

/* Connect now (and push the networks), or keep trying. */
static int netd_connect_init(struct croftd *d, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	netd_client_start(d->netd);
	return 0;
}

static void netd_fini(struct croftd *d)
{
	netd_client_free(d->netd);
	d->netd = NULL;
}

/* Started in this order, stopped in reverse. */
static const struct croftd_service services[] = {
	{ "events", events_init, events_fini, NULL, 0 },
	{ "pools", pools_service_init, pools_service_fini, NULL, 0 },
	{ "api", api_init, api_fini, NULL, 0 },
	{ "netd", netd_init, netd_fini, NULL, 0 },
	{ "vms", vms_init, vms_fini, NULL, 0 },
	{ "jobs", job_service_init, job_service_fini, NULL, 0 },
	{ "snapshots", snap_service_init, NULL, NULL, 0 },
	{ "netd-connect", netd_connect_init, NULL, NULL, 0 },
	{ "sampler", sampler_init, sampler_fini, sampler_tick, SAMPLER_INTERVAL_DEFAULT_MS },
	{ "monitor", monitor_init, monitor_fini, monitor_tick, SAMPLER_INTERVAL_DEFAULT_MS },
	{ "balloon", balloon_init, balloon_fini, balloon_tick, BALLOON_INTERVAL_DEFAULT_MS },
	{ "pool-watch", pool_watch_init, pool_watch_fini, pool_watch_tick, 1000 },
	{ "schedule", sched_service_init, sched_service_fini, sched_service_tick, 1000 },
};

#define CROFTD_QUIESCE_MS 30000

static int quiescing;            /* a signal came: stopping once jobs let go of guests */

static void quiesced(void *data)
{
	loop_quit(data);
}

static void quiesce_timeout_cb(struct loop *l, struct loop_timer *t, void *data)
{
	(void)t;
	(void)data;
	log_warn("jobs still hold guests after %d s; stopping anyway (the next croftd "
		 "continues them)", CROFTD_QUIESCE_MS / 1000);
	loop_quit(l);
}

/* The first signal stops once no job holds a guest stopped or frozen (a
 * snapshot's pause ends first; CROFTD_QUIESCE_MS at most); a second one
 * stops at once. */
static void signal_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct croftd *d = data;
	int sig = daemon_signal_read(fd);

	(void)events;
	if (!sig)
		return;
	if (quiescing || !d->jobs) {
		log_info("signal %d: shutting down now (guests keep running)", sig);
		loop_quit(l);
		return;
	}
	log_info("signal %d: shutting down (guests keep running)", sig);
	quiescing = 1;
	loop_timer_add(l, CROFTD_QUIESCE_MS, quiesce_timeout_cb, NULL);
	job_runner_quiesce(d->jobs, quiesced, l);
}

int main(int argc, char **argv)
{
	struct daemon_args args = { .state_dir = "/var/lib/croft", .run_dir = "/run/croft" };
	struct croftd d = { 0 };
	int lockfd = -1, sfd = -1, rc = 1, status;
	char err[512], *db = NULL;
	sigset_t mask;

	status = daemon_args_parse("croftd", CROFT_VERSION, usage, argc, argv, &args);
	if (status >= 0)
		return status;
	d.accel_env = getenv("CROFT_ACCEL");
	if (d.accel_env && *d.accel_env && !accel_valid(d.accel_env)) {
		fprintf(stderr, "croftd: CROFT_ACCEL='%s' is not one of auto, kvm, tcg\n", d.accel_env);
		return 2;
	}
	d.qemu_binary = find_program(getenv("CROFT_QEMU") && *getenv("CROFT_QEMU")
				     ? getenv("CROFT_QEMU") : "qemu-system-x86_64");
	signal(SIGPIPE, SIG_IGN);
	if (!(d.state_dir = prepare_dir(args.state_dir, "state directory")) ||
	    !(d.run_dir = prepare_dir(args.run_dir, "run directory")))
		goto out;
	{
		char *busy = xasprintf("croftd is already using %s", d.state_dir);

		lockfd = daemon_lock("croftd", d.state_dir, "croftd.lock", busy);
		free(busy);
	}
	if (lockfd < 0)
		goto out;
	d.pool_dir = xasprintf("%s/pools", d.state_dir);
	free(prepare_dir(d.pool_dir, "pool directory"));
	free(d.pool_dir);
	d.pool_dir = xasprintf("%s/pools/default", d.state_dir);
	{
		char *vmdir = xasprintf("%s/vm", d.state_dir);

		free(prepare_dir(vmdir, "VM directory"));
		free(vmdir);
	}
	free(prepare_dir(d.pool_dir, "pool directory"));
	d.sock_path = xasprintf("%s/croftd.sock", d.run_dir);
	if (qemu_identity(&d) < 0)
		goto out;
	db = xasprintf("%s/croft.db", d.state_dir);
	if (store_open(db, &d.store, err, sizeof(err)) < 0) {
		fprintf(stderr, "croftd: %s\n", err);
		goto out;
	}
	find_ovmf(&d);
	d.qemu_version = host_qemu_version(d.qemu_binary);
	if (!strcmp(d.qemu_version, "unknown"))
		log_warn("cannot run %s --version: VMs will not start until QEMU is installed",
			 d.qemu_binary);
	croftd_accel_refresh(&d);
	vm_uid_check_access(&d);
	d.serial_log_max = (uint64_t)settings_int(d.store, "serial_log_max", VM_SERIAL_LOG_MAX_DEFAULT,
						  VM_SERIAL_LOG_MAX_MIN, VM_SERIAL_LOG_MAX_MAX);
	d.loop = loop_new();
	daemon_block_signals(&mask);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (!d.loop || sfd < 0 || loop_add(d.loop, sfd, EPOLLIN, signal_cb, &d) < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	if (service_start_all(&d, services, sizeof(services) / sizeof(services[0]),
			      &d.services, err, sizeof(err)) < 0) {
		log_err("%s", err);
		goto out;
	}
	/* Detach only now: every check above reported on the caller's terminal. */
	if (!args.foreground) {
		if (daemon_detach("croftd", &args) < 0)
			goto out;
		/* epoll ties a signalfd to the process that registered it: the
		 * parent, which just exited.  Register it again from here, or
		 * SIGTERM would never wake the loop. */
		loop_del(d.loop, sfd);
		if (loop_add(d.loop, sfd, EPOLLIN, signal_cb, &d) < 0) {
			log_err("cannot set up the event loop: %s", strerror(errno));
			goto out;
		}
	}
	if (d.drop_privs)
		log_info("croftd ready: API on %s, state in %s, QEMU %s as uids %u-%u, %s",
			 d.sock_path, d.state_dir, d.qemu_version, (unsigned)d.vm_uid_base,
			 (unsigned)(d.vm_uid_base + d.vm_id_count - 1), d.accel.effective);
	else
		log_info("croftd ready: API on %s, state in %s, QEMU %s as %s, %s", d.sock_path,
			 d.state_dir, d.qemu_version, d.qemu_user, d.accel.effective);
	daemon_notify_ready("croftd ready: the API is listening");
	rc = loop_run(d.loop) < 0 ? 1 : 0;
	daemon_notify_stopping();
out:
	service_stop_all(d.services);
	if (sfd >= 0)
		close(sfd);
	loop_free(d.loop);
	store_close(d.store);
	if (lockfd >= 0)
		close(lockfd);
	free(db);
	free(d.qemu_version);
	free(d.sock_path);
	free(d.pool_dir);
	free(d.state_dir);
	free(d.run_dir);
	return rc;
}
