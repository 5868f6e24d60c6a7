/*
 * croft-netd: the privileged networking daemon.  Startup does everything
 * that can fail before detaching (the run directory, the lock, the socket,
 * the rtnetlink socket), so a problem is reported on the terminal that
 * started it; then one event loop serves croftd until SIGTERM or SIGINT.
 * netd touches nothing in the kernel until the first STATE_COMMIT, and
 * leaves everything in place when it exits: guests keep their network and
 * the dnsmasq processes keep serving; the next netd adopts them.
 */
#include "netd/dnsmasq.h"
#include "common/loop.h"
#include "netd/netd_reconcile.h"
#include "netd/netd_server.h"
#include "common/daemonize.h"
#include "common/log.h"
#include "common/netd_proto.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: croft-netd [--run-dir DIR] [--foreground] [--debug]\n"
		"\n"
		"  --run-dir DIR     runtime files: netd.sock, netd.lock, net/<id>/ (default /run/croft)\n"
		"  --foreground      stay in the foreground and log to stderr\n"
		"  --debug           log debug messages too\n");
}

/* The run directory: created if missing, must be a directory, and its path
 * must be usable in dnsmasq's config (no newlines). */
static char *prepare_run_dir(const char *path)
{
	char real[PATH_MAX];
	struct stat st;

	if (strpbrk(path, "\n\r")) {
		fprintf(stderr, "croft-netd: the run directory's name contains a line break\n");
		return NULL;
	}
	if (mkdir(path, 0711) < 0 && errno != EEXIST) {
		fprintf(stderr, "croft-netd: cannot create run directory %s: %s\n", path,
			strerror(errno));
		return NULL;
	}
	if (!realpath(path, real) || stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "croft-netd: run directory %s is not a usable directory\n", path);
		return NULL;
	}
	return xstrdup(real);
}

static void signal_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	int sig = daemon_signal_read(fd);

	(void)events;
	(void)data;
	if (!sig)
		return;
	if (sig == SIGHUP) {
		log_info("SIGHUP: nothing to reload (croftd sends the state)");
		return;
	}
	log_info("signal %d: exiting (links, rules and dnsmasq stay as they are)", sig);
	loop_quit(l);
}

int main(int argc, char **argv)
{
	struct daemon_args args = { .run_dir = "/run/croft" };
	struct loop *loop = NULL;
	struct netd_reconcile *rec = NULL;
	struct netd_server *srv = NULL;
	char *run_dir = NULL, *sock = NULL, err[512];
	int lockfd = -1, sfd = -1, rc = 1, status;
	sigset_t mask;

	status = daemon_args_parse("croft-netd", CROFT_VERSION, usage, argc, argv, &args);
	if (status >= 0)
		return status;
	if (!*args.run_dir) {
		fprintf(stderr, "croft-netd: --run-dir needs a directory\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	umask(022);
	run_dir = prepare_run_dir(args.run_dir);
	if (!run_dir)
		goto out;
	{
		char *busy = xasprintf("croft-netd is already running with run directory %s", run_dir);

		lockfd = daemon_lock("croft-netd", run_dir, "netd.lock", busy);
		free(busy);
	}
	if (lockfd < 0)
		goto out;
	/* Blocked now, read from a signalfd once detached: epoll registers a
	 * signalfd with the process that adds it, so it is added after fork. */
	daemon_block_signals(&mask);
	loop = loop_new();
	if (!loop) {
		fprintf(stderr, "croft-netd: cannot set up the event loop: %s\n", strerror(errno));
		goto out;
	}
	if (netd_reconcile_new(loop, run_dir, DNSMASQ_BINARY, &rec, err, sizeof(err)) < 0) {
		fprintf(stderr, "croft-netd: %s\n", err);
		goto out;
	}
	if (access(DNSMASQ_BINARY, X_OK) < 0)
		log_warn("%s is missing: nat and host-only networks will be refused (install dnsmasq-base)",
			 DNSMASQ_BINARY);
	sock = xasprintf("%s/%s", run_dir, NETD_SOCK_NAME);
	if (netd_server_start(loop, sock, &netd_reconcile_handlers, rec, &srv, err,
			      sizeof(err)) < 0) {
		fprintf(stderr, "croft-netd: %s\n", err);
		goto out;
	}
	/* Detach only now: every check above reported on the caller's terminal. */
	if (daemon_detach("croft-netd", &args) < 0)
		goto out;
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || loop_add(loop, sfd, EPOLLIN, signal_cb, NULL) < 0) {
		log_err("cannot watch signals: %s", strerror(errno));
		goto out;
	}
	log_info("croft-netd ready on %s (protocol %d)", sock, NETD_PROTO_VERSION);
	daemon_notify_ready("croft-netd ready: croftd may connect");
	rc = loop_run(loop) < 0 ? 1 : 0;
	daemon_notify_stopping();
out:
	netd_server_stop(srv);
	netd_reconcile_free(rec);
	if (sfd >= 0)
		close(sfd);
	loop_free(loop);
	if (lockfd >= 0)
		close(lockfd);
	free(sock);
	free(run_dir);
	return rc;
}
