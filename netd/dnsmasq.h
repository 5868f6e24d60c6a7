/*
 * One dnsmasq per nat or host-only network, serving DHCP (and, for nat,
 * DNS) on the network's bridge only.  Its files live in
 * <run-dir>/net/<id>/: dnsmasq.conf and hosts (written by netd), leases and
 * dnsmasq.pid (written by dnsmasq), dnsmasq.log (its stderr).
 *
 * Text (pure): dnsmasq_conf_text() and dnsmasq_hosts_text() produce the two
 * files netd writes.
 *
 * Processes: a supervisor owns every instance.  dnsmasq runs in the
 * foreground as netd's child but in its own session, so it outlives netd;
 * the next netd adopts it (by its pid file, else a walk over /proc)
 * instead of starting a second one, but only a real dnsmasq of its own
 * (dnsmasq_adoptable); any other process is left alone.  A dnsmasq that dies is
 * restarted with a growing delay.  A changed hosts file is announced with
 * SIGHUP; a changed config, or a bridge that was recreated, means a
 * restart.  Freeing the supervisor leaves the processes running.
 */
#ifndef CROFT_DNSMASQ_H
#define CROFT_DNSMASQ_H

#include "netd/netd_state.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DNSMASQ_BINARY "/usr/sbin/dnsmasq"

/* The paths of one network's files; every string owned. */
struct dnsmasq_files {
	char *dir, *conf, *hosts, *leases, *pid, *log;
};

void dnsmasq_files_init(struct dnsmasq_files *f, const char *run_dir, uint32_t net_id);
void dnsmasq_files_free(struct dnsmasq_files *f);

/* The config for net (nat or host-only), dropping privileges to
 * user/group.  Returns a malloc'ed string. */
char *dnsmasq_conf_text(const struct netd_net *net, const struct dnsmasq_files *f,
			const char *user, const char *group);
/* The dhcp-hostsfile for network net_id: "MAC,IP,HOSTNAME" for each of its
 * NICs with an address.  Returns a malloc'ed string ("" if none). */
char *dnsmasq_hosts_text(const struct netd_state *st, uint32_t net_id);

struct loop;
struct dnsmasq_sup;

/* run_dir: where net/<id>/ lives; binary: dnsmasq's path.  The user and
 * group dnsmasq drops to are chosen here: "dnsmasq" (Debian's dnsmasq-base
 * creates it) with its primary group, else nobody/nogroup. */
struct dnsmasq_sup *dnsmasq_sup_new(struct loop *loop, const char *run_dir,
				    const char *binary);
void dnsmasq_sup_free(struct dnsmasq_sup *s);

/* Before any change: can st's dnsmasqs run at all (binary present)? */
int dnsmasq_sup_ready(const struct dnsmasq_sup *s, const struct netd_state *st,
		      char *err, size_t errlen);

/* Make the running set match st: start, adopt, restart, SIGHUP, stop and
 * remove.  fresh lists networks whose bridge was just created (their
 * dnsmasq restarts even with an unchanged config).  0, or -errno with err
 * naming the first network that could not be served; the others are still
 * handled. */
int dnsmasq_sup_sync(struct dnsmasq_sup *s, const struct netd_state *st,
		     const uint32_t *fresh, size_t n_fresh, char *err, size_t errlen);

/*
 * May process pid (in the proc tree at root) be adopted as the dnsmasq of
 * the network whose config is conf?  Only when /proc/PID/exe is exe (the
 * binary, symlinks resolved), its real, effective, saved and filesystem
 * uids are each 0 or uid (dnsmasq's user), and its command line, after
 * the program, holds no option but "--conf-file=<conf>", and that last.
 * 1 or 0; why (may be NULL) says what failed.
 */
int dnsmasq_adoptable(const char *root, pid_t pid, const char *exe, uid_t uid,
		      const char *conf, char *why, size_t whylen);

/* For tests: what adoption expects instead of "/proc", the binary and the
 * uid of dnsmasq's user (a stand-in script runs as its interpreter). */
void dnsmasq_sup_set_adoption(struct dnsmasq_sup *s, const char *proc_root, const char *exe,
			      uid_t uid);

/* The pid serving net_id, 0 if none (for logs and tests). */
int dnsmasq_sup_pid(const struct dnsmasq_sup *s, uint32_t net_id);

#endif
