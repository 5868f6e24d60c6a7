/*
 * The dnsmasq supervisor: one instance (dnsmasq_proc.c) per nat or
 * host-only network, made to match netd's state on every sync.  Files are
 * replaced atomically (write a temporary file, rename), and only when their
 * text changed, so "unchanged" is simply "same bytes on disk"; a changed
 * hosts file means SIGHUP, a changed config or a new bridge a restart, and
 * a COMMIT retries a failing instance at once.  Directories of networks
 * nobody wants any more are swept, with whatever dnsmasq still serves them.
 */
#include "netd/dnsmasq_internal.h"
#include "common/loop.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dnsmasq_sup *dnsmasq_sup_new(struct loop *loop, const char *run_dir,
				    const char *binary)
{
	struct dnsmasq_sup *s = xcalloc(1, sizeof(*s));
	struct passwd *pw = getpwnam("dnsmasq");
	struct group *gr;
	char *real = realpath(binary, NULL);

	s->loop = loop;
	s->run_dir = xstrdup(run_dir);
	s->net_dir = xasprintf("%s/net", run_dir);
	s->binary = xstrdup(binary);
	if (pw && (gr = getgrgid(pw->pw_gid))) {
		s->user = xstrdup(pw->pw_name);
		s->group = xstrdup(gr->gr_name);
		s->uid = pw->pw_uid;
	} else {
		s->user = xstrdup("nobody");
		s->group = xstrdup(getgrnam("nogroup") ? "nogroup" : "nobody");
		pw = getpwnam("nobody");
		s->uid = pw ? pw->pw_uid : 65534;
	}
	s->proc_root = xstrdup("/proc");
	s->exe = real ? real : xstrdup(binary);
	return s;
}

void dnsmasq_sup_set_adoption(struct dnsmasq_sup *s, const char *proc_root, const char *exe,
			      uid_t uid)
{
	free(s->proc_root);
	free(s->exe);
	s->proc_root = xstrdup(proc_root);
	s->exe = xstrdup(exe);
	s->uid = uid;
}

static void inst_free(struct dnsmasq_inst *in)
{
	dnsmasq_files_free(&in->files);
	free(in);
}

void dnsmasq_sup_free(struct dnsmasq_sup *s)
{
	struct dnsmasq_inst *in, *next;

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
	free(s->proc_root);
	free(s->exe);
	free(s);
}

int dnsmasq_sup_pid(const struct dnsmasq_sup *s, uint32_t net_id)
{
	const struct dnsmasq_inst *in;

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

/* ---- sync ------------------------------------------------------------- */

static struct dnsmasq_inst *inst_get(struct dnsmasq_sup *s, const struct netd_net *n)
{
	struct dnsmasq_inst *in;

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
	dnsmasq_inst_adopt(in);
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
	struct dnsmasq_inst *in = inst_get(s, n);
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
		int unready = hosts_changed && !dnsmasq_inst_can_hup(in);

		if (!conf_changed && !fresh && !unready) {
			if (hosts_changed) {
				log_info("network %s: static leases changed; dnsmasq rereads them",
					 n->name);
				dnsmasq_inst_hup(in);
			}
			return 0;
		}
		log_info("network %s: restarting dnsmasq (%s)", n->name,
			 conf_changed ? "its config changed" : fresh ? "the bridge is new"
								   : "static leases changed");
		dnsmasq_inst_stop(in);
	}
	loop_timer_cancel(s->loop, in->timer);
	in->timer = NULL;
	in->fails = 0;
	rc = dnsmasq_inst_start(in, err, errlen);
	if (rc < 0)
		dnsmasq_inst_restart_later(in);
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
		struct dnsmasq_inst *in, tmp;
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
		dnsmasq_inst_adopt(&tmp);
		dnsmasq_inst_stop(&tmp);
		fileio_remove_flat_dir(tmp.files.dir);
		log_info("removed the files of network %lu (%s)", id, tmp.files.dir);
		dnsmasq_files_free(&tmp.files);
	}
	closedir(d);
}

int dnsmasq_sup_sync(struct dnsmasq_sup *s, const struct netd_state *st,
		     const uint32_t *fresh, size_t n_fresh, char *err, size_t errlen)
{
	struct dnsmasq_inst **pp, *in;
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
		dnsmasq_inst_stop(in);
		fileio_remove_flat_dir(in->files.dir);
		log_info("network %s: gone; its dnsmasq and files are removed", in->name);
		inst_free(in);
	}
	sweep_dirs(s);
	return rc;
}
