/*
 * croft-install — the install engine's command line (docs/install.md):
 *
 *   croft-install --list-disks --json      the disks, from sysfs
 *   croft-install --list-nics --json       the NICs, from sysfs
 *   croft-install --answer FILE [--dry-run] [--progress-fd N]
 *                 [--source DIR] [--medium DIR] [--no-bootloader]
 *   croft-install --auto                   the unattended install of the
 *                 live system: the answer file from croft.answer=PATH,
 *                 the medium's /croft/answer.ini or a CROFT-AIS partition;
 *                 reboots when done, powers off (writing nothing) when the
 *                 answer is bad
 *
 * One install at a time (inst_lock.h): an install that is not a dry run
 * takes the lock before its plan and refuses, writing nothing, while
 * another installer (the other console's) holds it.
 *
 * The attended installer (installer/ui*) drives the same options.  Exit
 * status 0 on success, 1 when the install failed or the answer is bad,
 * 2 for bad usage.
 */
#include "installer/answer.h"
#include "common/addr.h"
#include "installer/inst_engine.h"
#include "installer/inst_lock.h"
#include "installer/inst_run.h"
#include "installer/inst_sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define AIS_LABEL "CROFT-AIS"
#define AIS_MOUNT "/run/croft-ais"

static void usage(FILE *f)
{
	fprintf(f, "usage: croft-install --list-disks --json | --list-nics --json\n"
		   "       croft-install --answer FILE [--dry-run] [--progress-fd N] [--source DIR]\n"
		   "                     [--medium DIR] [--no-bootloader]\n"
		   "       croft-install --auto\n");
}

static int list(int disks, int json)
{
	char err[256], size[32], mac[18], *s;
	struct inst_disk *d = NULL;
	struct inst_nic *nic = NULL;
	size_t n, i;

	if ((disks ? inst_disks_list(inst_sysfs_root(), &d, &n, err, sizeof(err))
		   : inst_nics_list(inst_sysfs_root(), &nic, &n, err, sizeof(err))) < 0) {
		fprintf(stderr, "croft-install: %s\n", err);
		return 1;
	}
	if (json) {
		s = disks ? inst_disks_json(d, n) : inst_nics_json(nic, n);
		printf("%s\n", s);
		free(s);
	} else {
		for (i = 0; i < n; i++) {
			if (disks)
				printf("%-10s %10s  %s  serial %s%s\n", d[i].path,
				       inst_size_human(d[i].size, size, sizeof(size)),
				       d[i].model[0] ? d[i].model : "(unknown model)",
				       d[i].serial[0] ? d[i].serial : "(none)",
				       d[i].removable ? "  removable" : "");
			else
				printf("%-16s %s  %s  %s\n", nic[i].name,
				       addr_mac_str(nic[i].mac, mac), nic[i].carrier ? "link up" : "no link",
				       nic[i].driver);
		}
	}
	free(d);
	free(nic);
	return 0;
}

/* Every problem of the answer file, one a line. */
static void report_answer(const struct answer *a, const char *path, const char *err,
			  struct inst_progress *p)
{
	size_t i;

	if (!a->n_errors) {
		inst_progress_error(p, "%s: %s", path, err);
		return;
	}
	for (i = 0; i < a->n_errors; i++)
		inst_progress_error(p, "%s: %s", path, a->errors[i].msg);
}

/* Who is installing, for the install lock: the console this runs on. */
static const char *lock_who(int unattended, char *buf, size_t len)
{
	char tty[64];

	if (unattended)
		snprintf(buf, len, "the unattended install (croft-install --auto, pid %ld)",
			 (long)getpid());
	else if (inst_console(tty, sizeof(tty)))
		snprintf(buf, len, "the installer on %s (pid %ld)", tty, (long)getpid());
	else
		snprintf(buf, len, "croft-install (pid %ld, no terminal)", (long)getpid());
	return buf;
}

/* Parse, plan and (unless a dry run) install, holding the install lock
 * (inst_lock.h) from the plan on.  0, or 1 with the problem already
 * reported on p. */
static int install(const char *path, struct inst_opts *o, struct inst_progress *p, int unattended)
{
	struct answer *a = calloc(1, sizeof(*a));
	struct inst_plan plan;
	char err[1024], size[32], who[160], *desc;
	int rc = 1, lock = -1;

	if (!a)
		abort();
	if (answer_parse_file(path, a, err, sizeof(err)) < 0) {
		report_answer(a, path, err, p);
		goto out;
	}
	if (!o->dry_run && (lock = inst_lock(lock_who(unattended, who, sizeof(who)), err, sizeof(err))) < 0) {
		inst_progress_error(p, "%s", err);
		goto out;
	}
	if (inst_plan(a, o, &plan, err, sizeof(err)) < 0) {
		inst_progress_error(p, "%s: %s%s", path, err,
				    strstr(err, "nothing was written") ? "" : "; nothing was written");
		goto out;
	}
	if (o->dry_run) {
		printf("disk: %s  %s  model %s  serial %s\n", plan.disk.path,
		       inst_size_human(plan.disk.size, size, sizeof(size)),
		       plan.disk.model[0] ? plan.disk.model : "(unknown)",
		       plan.disk.serial[0] ? plan.disk.serial : "(none)");
		desc = inst_layout_describe(&plan.layout);
		printf("layout (GPT):\n%s", desc);
		free(desc);
		printf("network: %s over %s, %s\n", INST_BRIDGE, plan.nic.name,
		       a->net.source == ANSWER_NET_STATIC ? "static" : "DHCP");
		fflush(stdout);
	}
	if (inst_execute(&plan, o, p, err, sizeof(err)) == 0)
		rc = 0;
out:
	if (lock >= 0)
		close(lock);
	free(a);
	return rc;
}

/* --- the unattended install ----------------------------------------------- */

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/* croft.answer=PATH from the kernel command line, in out. */
static int cmdline_answer(char *out, size_t len)
{
	char buf[4096], *tok, *save = NULL;
	FILE *f = fopen(env_or("CROFT_PROC_CMDLINE", "/proc/cmdline"), "re");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
		if (!strncmp(tok, "croft.answer=", 13) && tok[13]) {
			snprintf(out, len, "%s", tok + 13);
			return 1;
		}
	return 0;
}

/* The CROFT-AIS partition's device in dev: udev's by-label link, or
 * (udev has not made it yet, or there is no udev) blkid's scan of the
 * block devices.  0 when there is none. */
static int ais_device(char *dev, size_t len)
{
	const char *const blkid[] = { "blkid", "-c", "/dev/null", "-L", AIS_LABEL, NULL };
	char out[PATH_MAX], err[256];

	snprintf(dev, len, "/dev/disk/by-label/" AIS_LABEL);
	if (access(dev, F_OK) == 0)
		return 1;
	if (inst_run(blkid, NULL, out, sizeof(out), err, sizeof(err)) < 0)
		return 0;
	out[strcspn(out, "\n")] = '\0';
	if (out[0] != '/')
		return 0;
	snprintf(dev, len, "%s", out);
	return 1;
}

/* Mount the CROFT-AIS partition read-only at mnt: 1 when it is there. */
static int mount_ais(const char *mnt)
{
	static const char *const types[] = { "vfat", "ext4", "iso9660", "exfat", NULL };
	char dev[PATH_MAX];
	size_t i;

	if (!ais_device(dev, sizeof(dev)))
		return 0;
	mkdir(mnt, 0700);
	for (i = 0; types[i]; i++)
		if (mount(dev, mnt, types[i], MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) == 0)
			return 1;
	return 0;
}

/* Where the answer file is: its path and its medium (first-boot scripts
 * are paths on it).  0 when there is none. */
static int find_answer(const char *live, char *path, size_t plen, char *medium, size_t mlen)
{
	const char *ais = env_or("CROFT_AIS_MOUNT", AIS_MOUNT);
	char arg[PATH_MAX / 2];

	if (cmdline_answer(arg, sizeof(arg))) {
		if (arg[0] == '/') {
			snprintf(path, plen, "%s", arg);
			snprintf(medium, mlen, "/");
		} else {
			snprintf(path, plen, "%s/%s", live, arg);
			snprintf(medium, mlen, "%s", live);
		}
		return 1;
	}
	snprintf(path, plen, "%s/croft/answer.ini", live);
	snprintf(medium, mlen, "%s", live);
	if (access(path, F_OK) == 0)
		return 1;
	if (mount_ais(ais)) {
		snprintf(path, plen, "%s/answer.ini", ais);
		snprintf(medium, mlen, "%s", ais);
		if (access(path, F_OK) == 0)
			return 1;
		umount(ais);
	}
	return 0;
}

static void power(const char *how, int delay, struct inst_progress *p)
{
	const char *argv[] = { "systemctl", how, NULL };

	if (getenv("CROFT_INSTALL_NO_POWER")) {
		inst_progress_step(p, 100, "(not doing %s: CROFT_INSTALL_NO_POWER)", how);
		return;
	}
	sleep((unsigned)delay);
	sync();
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "croft-install: cannot run systemctl %s: %s\n", how, strerror(errno));
}

/* The screen and the serial line the unattended install reports on:
 * $CROFT_INSTALL_CONSOLES (up to two paths, blank-separated; empty: none,
 * for tests), default tty1 and ttyS0. */
static void open_consoles(struct inst_progress *p)
{
	const char *env = getenv("CROFT_INSTALL_CONSOLES");
	char list[256], *tok, *save = NULL;
	int k = 0;

	snprintf(list, sizeof(list), "%s", env ? env : "/dev/tty1 /dev/ttyS0");
	for (tok = strtok_r(list, " ", &save); tok && k < 2; tok = strtok_r(NULL, " ", &save))
		p->echo[k++] = open(tok, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
}

static int auto_install(struct inst_opts *o, struct inst_progress *p)
{
	const char *live = env_or("CROFT_LIVE_MEDIUM", "/run/live/medium");
	char path[PATH_MAX], medium[PATH_MAX];
	int rc;

	open_consoles(p);
	if (!find_answer(live, path, sizeof(path), medium, sizeof(medium))) {
		inst_progress_error(p, "unattended install: no answer file (croft.answer=PATH, "
				    "%s/croft/answer.ini or a partition labelled " AIS_LABEL
				    "); powering off without writing anything", live);
		power("poweroff", 10, p);
		return 1;
	}
	inst_progress_step(p, 0, "unattended install with the answer file %s", path);
	o->medium = medium;
	rc = install(path, o, p, 1);
	if (rc) {
		inst_progress_error(p, "unattended install stopped; powering off in 10 s");
		power("poweroff", 10, p);
		return rc;
	}
	if (o->dry_run)
		return 0;
	inst_progress_step(p, 100, "croft is installed; rebooting into it in 5 s");
	power("reboot", 5, p);
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_LIST_DISKS = 256, O_LIST_NICS, O_JSON, O_ANSWER, O_DRY, O_FD, O_SOURCE, O_MEDIUM,
	       O_NOBOOT, O_AUTO, O_HELP };
	static const struct option opts[] = {
		{ "list-disks", no_argument, NULL, O_LIST_DISKS },
		{ "list-nics", no_argument, NULL, O_LIST_NICS },
		{ "json", no_argument, NULL, O_JSON },
		{ "answer", required_argument, NULL, O_ANSWER },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "progress-fd", required_argument, NULL, O_FD },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "medium", required_argument, NULL, O_MEDIUM },
		{ "no-bootloader", no_argument, NULL, O_NOBOOT },
		{ "auto", no_argument, NULL, O_AUTO },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct inst_opts o = { .sysfs = inst_sysfs_root(), .source = INST_SOURCE_DEFAULT,
			       .zoneinfo = "/usr/share/zoneinfo", .plan_out = stdout };
	struct inst_progress p;
	const char *answer = NULL;
	int c, mode = 0, json = 0, fd = -1;
	char *end;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_LIST_DISKS: case O_LIST_NICS: case O_AUTO:
			mode = c;
			break;
		case O_JSON: json = 1; break;
		case O_ANSWER: answer = optarg; mode = O_ANSWER; break;
		case O_DRY: o.dry_run = 1; break;
		case O_FD:
			errno = 0;
			fd = (int)strtol(optarg, &end, 10);
			if (errno || *end || fd < 0 || fcntl(fd, F_GETFD) < 0) {
				fprintf(stderr, "croft-install: --progress-fd %s is not an open descriptor\n",
					optarg);
				return 2;
			}
			break;
		case O_SOURCE: o.source = optarg; break;
		case O_MEDIUM: o.medium = optarg; break;
		case O_NOBOOT: o.no_bootloader = 1; break;
		case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || !mode) {
		usage(stderr);
		return 2;
	}
	if (mode == O_LIST_DISKS || mode == O_LIST_NICS)
		return list(mode == O_LIST_DISKS, json);
	inst_progress_init(&p, fd);
	if (mode == O_AUTO)
		return auto_install(&o, &p);
	if (!o.medium)
		o.medium = "/";   /* a first-boot script path is a path here */
	return install(answer, &o, &p, 0);
}
