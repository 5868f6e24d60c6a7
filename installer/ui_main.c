/*
 * croft-installer: the attended installer (ui_app.h).  It never touches a
 * disk itself: it asks croft-install for the disks and NICs, gathers the
 * answers screen by screen, and runs croft-install on the answer file they
 * make, showing its progress.
 *
 *   croft-installer [--dry-run] [--engine PATH] [--source DIR] [--answer FILE]
 *                   [--save-answer FILE] [--mono]
 *
 * --answer fills the screens from an answer file (one the unattended
 * install refused: its problems are listed on the welcome screen);
 * --save-answer keeps a copy of the answer file written (mode 0600), for
 * the next box's unattended install; --source is passed to croft-install
 * (where the system to install is, when not on the live medium).
 * CROFT_SYSFS_ROOT is passed on to
 * croft-install (a fake sysfs for tests), which is found next to this
 * program, else on PATH.
 *
 * The terminal is in raw mode: Ctrl-C, Ctrl-Z and Ctrl-\ are keys, not
 * signals, so nothing stops the installer (or the engine) half-way.
 */
#include "installer/ui_app.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: croft-installer [--dry-run] [--engine PATH] [--source DIR] "
		"[--answer FILE] [--save-answer FILE] [--mono]\n");
}

/* croft-install beside our own binary, else the name (found on PATH). */
static const char *find_engine(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash && (size_t)(slash - self) + 16 < len) {
			strcpy(slash, "/croft-install");
			snprintf(buf, len, "%s", self);
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	return "croft-install";
}

/* What a (refused) answer file said, onto the screens. */
static void preload(struct ui_app *a, const char *path)
{
	struct answer *an = xcalloc(1, sizeof(*an));
	struct ui_answers *u = &a->ans;
	char err[200], buf[ADDR_CIDR_STRLEN];
	size_t i, len = 0;
	int rc = answer_parse_file(path, an, err, sizeof(err));

	if (rc < 0 && !an->n_errors) {
		snprintf(a->preload[0], sizeof(a->preload[0]), "%.200s", err);
		a->npreload = 1;
		free(an);
		return;
	}
	for (i = 0; i < an->n_errors; i++)
		snprintf(a->preload[i], sizeof(a->preload[i]), "%.40s: %.200s", path, an->errors[i].msg);
	a->npreload = an->n_errors;
	if (an->hostname[0])
		snprintf(u->hostname, sizeof(u->hostname), "%s", an->hostname);
	if (an->timezone[0])
		snprintf(u->timezone, sizeof(u->timezone), "%s", an->timezone);
	snprintf(u->hash, sizeof(u->hash), "%s", an->root_password_hashed);
	if (an->n_ssh_keys)
		snprintf(u->ssh_key, sizeof(u->ssh_key), "%s", an->root_ssh_keys[0]);
	a->preloaded = an;
	if (an->disk.filesystem[0])
		snprintf(u->fs, sizeof(u->fs), "%s", an->disk.filesystem);
	u->dhcp = an->net.source != ANSWER_NET_STATIC;
	if (!u->dhcp) {
		if (an->net.prefix)
			snprintf(u->cidr, sizeof(u->cidr), "%s",
				 addr_cidr_str(an->net.addr, an->net.prefix, buf));
		if (an->net.gateway.s_addr)
			snprintf(u->gateway, sizeof(u->gateway), "%s", addr_str(an->net.gateway, buf));
		for (i = 0; i < an->net.n_dns; i++)
			len += (size_t)snprintf(u->dns + len, sizeof(u->dns) - len, "%s%s",
						i ? ", " : "", addr_str(an->net.dns[i], buf));
	}
}

/* The disk and NIC the preloaded answer file's filters pick, chosen. */
static void preselect(struct ui_app *a)
{
	char why[256];
	int disk, nic;

	if (!a->preloaded)
		return;
	ui_answer_picks(a->preloaded, a->disks, a->ndisks, a->nics, a->nnics, &disk, &nic,
			why, sizeof(why));
	if (disk >= 0) {
		a->ans.disk = disk;
		panel_select(&a->disk_panel, a->disks[disk].name);
	}
	if (nic >= 0) {
		a->ans.nic = nic;
		panel_select(&a->nic_panel, a->nics[nic].name);
	}
	free(a->preloaded);
	a->preloaded = NULL;
}

static void run(struct ui_app *a)
{
	struct pollfd pfd[3];
	int n, ch;

	ui_draw(a);
	refresh();
	while (!a->quit && !stop_signal) {
		n = ui_engine_fds(&a->eng, pfd);
		pfd[n] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		if (poll(pfd, (nfds_t)n + 1, a->eng.pid ? 200 : -1) < 0 && errno != EINTR)
			break;
		if (pfd[n].revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
		while ((ch = getch()) != ERR && !a->quit)
			ui_key(a, ch);
		ui_engine_service(&a->eng);
		ui_draw(a);
		refresh();
	}
}

static void stop_engine(struct ui_app *a)
{
	int status;

	if (!a->eng.pid)
		return;
	kill(a->eng.pid, SIGTERM);
	waitpid(a->eng.pid, &status, 0);
	if (a->eng.answer_path[0])
		unlink(a->eng.answer_path);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "engine", required_argument, NULL, 'e' },
		{ "source", required_argument, NULL, 'S' },
		{ "answer", required_argument, NULL, 'a' },
		{ "save-answer", required_argument, NULL, 's' },
		{ "mono", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct ui_app app;
	struct ui_app *a = &app;
	const char *answer = NULL;
	char engine[PATH_MAX];
	int c, mono = 0;
	struct sigaction sa;

	ui_app_init(a);
	a->engine = find_engine(engine, sizeof(engine));
	a->zoneinfo = "/usr/share/zoneinfo";
	a->sysfs = getenv("CROFT_SYSFS_ROOT");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': a->dry_run = 1; break;
		case 'e': a->engine = optarg; break;
		case 'S': a->source = optarg; break;
		case 'a': answer = optarg; break;
		case 's': a->save_answer = optarg; break;
		case 'm': mono = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "croft-installer: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "croft-installer: needs a terminal (for an unattended install: "
			"croft-install --answer FILE)\n");
		return 1;
	}
	if (answer)
		preload(a, answer);
	ui_app_rescan(a);
	preselect(a);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (!newterm(NULL, stdout, stdin)) {
		fprintf(stderr, "croft-installer: cannot use the terminal (TERM=%s)\n",
			getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(50);
	curs_set(0);
	if (has_colors() && !mono) {
		start_color();
		use_default_colors();
	}
	tui_theme_init(&a->th, mono);
	run(a);
	endwin();
	stop_engine(a);
	ui_app_free(a);
	if (stop_signal)
		return 128 + stop_signal;
	if (a->reboot) {
		printf("croft-installer: rebooting\n");
		fflush(stdout);
		execlp("systemctl", "systemctl", "reboot", (char *)NULL);
		execlp("reboot", "reboot", (char *)NULL);
		fprintf(stderr, "croft-installer: cannot reboot: %s; reboot by hand\n", strerror(errno));
		return 1;
	}
	if (a->eng.finished && ui_engine_ok(&a->eng))
		printf("croft-installer: %s\n", a->dry_run ? "dry run finished; nothing was written"
		       : "croft is installed");
	return a->eng.finished && ui_engine_ok(&a->eng) ? 0 : 1;
}
