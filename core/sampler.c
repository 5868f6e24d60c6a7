/*
 * The sampler (sampler.h).  Everything it reads goes straight into the
 * model; it keeps no figures of its own, only the balloon queries in
 * flight (at most one per VM, so a QEMU that stops answering does not
 * collect a queue), each of which outlives the sampler as an orphan that
 * its reply frees.
 */
#include "core/sampler.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/host.h"
#include "core/jscan.h"
#include "core/model.h"
#include "core/netd_client.h"
#include "core/procfs.h"
#include "core/settings.h"
#include "core/stats.h"
#include "core/vm.h"
#include "common/netd_proto.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/proc.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* /proc/stat grows with the CPUs: a line per CPU of up to ~100 bytes. */
#define PROC_BUF_LEN (256u << 10)

/* What a QMP question asks for; at most one of each kind per VM is out. */
enum ask_kind {
	ASK_BALLOON,                 /* query-balloon: the balloon's size */
	ASK_POLLING,                 /* qom-set guest-stats-polling-interval */
	ASK_GUEST,                   /* qom-get guest-stats */
	ASK_CPUS,                    /* query-cpus-fast: the vCPU threads */
	ASK_BLOCK,                   /* query-blockstats */
};

struct balloon_ask {
	struct sampler *s;           /* NULL once the sampler is gone */
	enum ask_kind kind;
	int64_t id;
	pid_t pid;
	struct balloon_ask *next;
};

/* A QEMU told to poll its guest's balloon statistics. */
struct polled {
	int64_t id;
	pid_t pid;
};

struct sampler {
	struct croftd *d;
	struct sampler_seams seams;
	uint64_t interval_ms;
	uint64_t hz, page;
	char *buf;                   /* PROC_BUF_LEN */
	struct procfs_kept *kept;    /* the files read every sample */
	char *netdev;                /* /proc/net/dev as of this sample */
	int netdev_ok;
	struct balloon_ask *asks;
	struct polled *polled;
	size_t npolled, polled_cap;
	json_t *guest_args;          /* qom-get guest-stats' arguments, kept */
	char *guest_text, *block_text;  /* the questions of each sample, written */
	uint64_t vm_cpu_ns, vm_samples; /* the samples of VMs with a QEMU */
	int listening;
};

#define BALLOON_REASK_MS 30000

/* The balloon device's QOM path (qemu_cmdline.c names it balloon0). */
#define BALLOON_QOM "/machine/peripheral/balloon0"

static int netd_leases(struct croftd *d, struct netd_lease **out, size_t *n)
{
	char err[NETD_TEXT_LEN];
	int r;

	*out = NULL;
	*n = 0;
	if (!d->netd || !netd_client_connected(d->netd))
		return 0;                    /* netd is not running: no leases */
	r = netd_client_leases(d->netd, out, n, err, sizeof(err));
	if (r < 0)
		log_debug("netd: cannot read leases: %s", err);
	return r;
}

/* The process CPU clock of pid, as clock_getcpuclockid(3) makes it
 * (Linux's ABI: the pid inverted, shifted past the clock type, 2 for the
 * scheduler's exact time), without the clock_getres call glibc adds. */
static clockid_t process_clock(pid_t pid)
{
	return (clockid_t)((~(unsigned)pid) << 3 | 2);
}

static int real_proc_cpu_ns(pid_t pid, int pidfd, uint64_t *ns)
{
	struct timespec ts;

	if (clock_gettime(process_clock(pid), &ts) < 0)
		return errno == EINVAL ? -ESRCH : -errno;
	/* the pid named the pidfd's process while read: it cannot be reused
	 * before that process is reaped, which the pidfd would tell */
	if (pidfd >= 0 && proc_pidfd_kill(pidfd, 0) < 0)
		return -ESRCH;
	*ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return 0;
}

static int command_raw_text(struct qmp *q, const char *cmd, const char *text, qmp_reply_cb cb,
			    void *data)
{
	(void)cmd;
	return qmp_command_raw_text(q, text, cb, data);
}

const struct sampler_seams sampler_real_seams = {
	.proc_root = "/proc",
	.sys_root = "/sys",
	.leases = netd_leases,
	.qmp_command = qmp_command,
	.qmp_command_raw = qmp_command_raw,
	.qmp_command_raw_text = command_raw_text,
	.proc_cpu_ns = real_proc_cpu_ns,
	.qmp_cork = qmp_cork,
	.qmp_uncork = qmp_uncork,
};

/* --- the host ------------------------------------------------------------ */

static int read_proc(struct sampler *s, const char *rel)
{
	return procfs_kept_read(s->kept, s->seams.proc_root, rel, s->buf, PROC_BUF_LEN);
}

/* Rates are measured over at least half an interval: a sample an event
 * asked for right after the timer's keeps the figures it has. */
static int64_t min_dt_ms(const struct sampler *s)
{
	return (int64_t)s->interval_ms / 2;
}

static void sample_cpu_modes(struct sampler *s, const struct model_host *prev,
			     struct model_host *h, int64_t dt)
{
	int i;

	for (i = 0; i < PROCFS_CPU_NMODES; i++)
		h->cpu_modes_pct[i] = -1;
	h->cpu_pct = -1;
	if (procfs_cpu_modes_parse(s->buf, h->cpu_modes) < 0 || !prev->sampled_ms || dt <= 0)
		return;
	stats_cpu_modes_pct(prev->cpu_modes, h->cpu_modes, h->cpu_modes_pct);
	if (h->cpu_modes_pct[PROCFS_CPU_IDLE] >= 0)
		h->cpu_pct = 100.0 - h->cpu_modes_pct[PROCFS_CPU_IDLE] -
			     h->cpu_modes_pct[PROCFS_CPU_IOWAIT];
	if (h->cpu_pct < 0 && h->cpu_modes_pct[PROCFS_CPU_IDLE] >= 0)
		h->cpu_pct = 0;
}

static void sample_vmstat(struct sampler *s, const struct model_host *prev,
			  struct model_host *h, int64_t dt)
{
	h->pswpin_ps = h->pswpout_ps = -1;
	h->vmstat_known = read_proc(s, "vmstat") == 0 &&
			  procfs_keyval_find(s->buf, "pswpin", &h->pswpin) == 0 &&
			  procfs_keyval_find(s->buf, "pswpout", &h->pswpout) == 0;
	if (!h->vmstat_known || !prev->vmstat_known)
		return;
	h->pswpin_ps = stats_rate(prev->pswpin, h->pswpin, dt);
	h->pswpout_ps = stats_rate(prev->pswpout, h->pswpout, dt);
}

static void sample_psi(struct sampler *s, struct model_host *h)
{
	int i;

	for (i = 0; i < MODEL_NPSI; i++) {
		char rel[32];
		struct procfs_psi p;

		snprintf(rel, sizeof(rel), "pressure/%s", model_psi_names[i]);
		if (read_proc(s, rel) < 0 || procfs_psi_parse(s->buf, &p) < 0)
			continue;
		h->psi[i].known = 1;
		h->psi[i].full_known = p.full_known;
		h->psi[i].some_avg10 = p.some_avg10;
		h->psi[i].full_avg10 = p.full_avg10;
		h->psi[i].some_total_us = p.some_total_us;
		h->psi[i].full_total_us = p.full_total_us;
	}
}

static int read_sys_u64(struct sampler *s, const char *rel, uint64_t *out)
{
	char *end;

	if (procfs_kept_read(s->kept, s->seams.sys_root, rel, s->buf, PROC_BUF_LEN) < 0)
		return -ENOENT;
	errno = 0;
	*out = strtoull(s->buf, &end, 10);
	return errno || end == s->buf ? -EINVAL : 0;
}

static void sample_ksm(struct sampler *s, struct model_host *h)
{
	struct model_ksm *k = &h->ksm;

	k->known = read_sys_u64(s, "kernel/mm/ksm/run", &k->run) == 0;
	if (!k->known)
		return;
	read_sys_u64(s, "kernel/mm/ksm/pages_shared", &k->pages_shared);
	read_sys_u64(s, "kernel/mm/ksm/pages_sharing", &k->pages_sharing);
	read_sys_u64(s, "kernel/mm/ksm/pages_unshared", &k->pages_unshared);
	read_sys_u64(s, "kernel/mm/ksm/pages_volatile", &k->pages_volatile);
	read_sys_u64(s, "kernel/mm/ksm/full_scans", &k->full_scans);
}

/* The default pool's file system, and the sum of what the disks the model
 * knows hold (as last sampled). */
static void sample_pool(struct sampler *s, struct model_host *h)
{
	const struct model *m = s->d->model;
	struct statvfs sv;
	size_t i, k;

	if (!s->d->pool_dir || statvfs(s->d->pool_dir, &sv) < 0)
		return;
	h->pool.known = 1;
	h->pool.size_bytes = (uint64_t)sv.f_blocks * sv.f_frsize;
	h->pool.avail_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	for (i = 0; i < m->nvms; i++)
		for (k = 0; k < m->vms[i]->ndisks; k++)
			h->pool.allocated_bytes += m->vms[i]->disks[k].allocated_bytes;
}

static void sample_host(struct sampler *s)
{
	const struct model_host *prev = &s->d->model->host;
	struct model_host h = { 0 };
	int64_t dt = prev->sampled_ms ? model_now_ms(s->d->model) - prev->sampled_ms : 0;

	if (prev->sampled_ms && dt < min_dt_ms(s))
		return;                      /* fresh enough */
	if (read_proc(s, "meminfo") == 0)
		host_meminfo_parse(s->buf, &h.mem);
	if (read_proc(s, "stat") == 0) {
		host_stat_cpu_parse(s->buf, &h.cpu_busy, &h.cpu_total);
		h.cpus = procfs_cpus_parse(s->buf);
		sample_cpu_modes(s, prev, &h, dt);
	} else {
		h.cpu_pct = -1;
	}
	if (read_proc(s, "loadavg") == 0)
		procfs_loadavg_parse(s->buf, h.load);
	if (read_proc(s, "uptime") == 0)
		procfs_uptime_parse(s->buf, &h.uptime_ms);
	sample_vmstat(s, prev, &h, dt);
	sample_psi(s, &h);
	sample_ksm(s, &h);
	sample_pool(s, &h);
	model_host_set(s->d->model, &h);
}

/* --- a VM ---------------------------------------------------------------- */

static int pid_stat(struct sampler *s, pid_t pid, struct procfs_pid_stat *st)
{
	char rel[32];
	int r;

	snprintf(rel, sizeof(rel), "%d/stat", (int)pid);
	r = read_proc(s, rel);
	return r < 0 ? r : procfs_pid_stat_parse(s->buf, st);
}

/* The process at vm->pid is this VM's QEMU (vm_pid_is_qemu: its uid and
 * command line), and it is still the process whose start time we read. */
static int pid_is_vm(struct sampler *s, struct vm *vm, uint64_t start_ticks)
{
	struct procfs_pid_stat again;

	return vm_pid_is_qemu(vm, s->seams.proc_root, vm->pid) &&
	       pid_stat(s, vm->pid, &again) == 0 && again.start_ticks == start_ticks;
}

/* The RSS is due again: the last reading is SAMPLER_STAT_EVERY samples
 * old (half an interval's slack for a late timer). */
static int rss_due(const struct sampler *s, const struct model_proc *known)
{
	int64_t every = (int64_t)s->interval_ms * SAMPLER_STAT_EVERY - (int64_t)s->interval_ms / 2;

	return model_now_ms(s->d->model) - known->stat_ms >= every;
}

/* Its RSS and start time from /proc/PID/stat (the CPU time too, without a
 * process clock): 0, or -1 when the pid is not (any more) its QEMU. */
static int proc_stat(struct sampler *s, struct vm *vm, const struct model_proc *known,
		     struct model_proc *p)
{
	struct procfs_pid_stat st;

	if (pid_stat(s, vm->pid, &st) < 0)
		return -1;                   /* gone meanwhile */
	if ((!known || known->start_ticks != st.start_ticks) && !pid_is_vm(s, vm, st.start_ticks)) {
		log_debug("VM %s: pid %d is not its QEMU (any more); not sampled",
			  vm->spec.name, (int)vm->pid);
		return -1;
	}
	p->start_ticks = st.start_ticks;
	p->rss_bytes = st.rss_pages * s->page;
	p->stat_ms = model_now_ms(s->d->model);
	p->cpu_ms = st.cpu_ticks * 1000 / s->hz;
	return 0;
}

/* Only the RSS, from /proc/PID/statm, once the process is known to be
 * the VM's (its pid held by the pidfd or as croftd's child, so its start
 * time cannot have changed): 0, or -1 to read stat instead. */
static int proc_statm(struct sampler *s, struct vm *vm, const struct model_proc *known,
		      struct model_proc *p)
{
	char rel[32];
	uint64_t rss;

	snprintf(rel, sizeof(rel), "%d/statm", (int)vm->pid);
	if (read_proc(s, rel) < 0 || procfs_statm_rss_parse(s->buf, &rss) < 0)
		return -1;
	p->start_ticks = known->start_ticks;
	p->rss_bytes = rss * s->page;
	p->stat_ms = model_now_ms(s->d->model);
	return 0;
}

static void sample_proc(struct sampler *s, struct vm *vm, int now_all)
{
	struct model *m = s->d->model;
	const struct model_proc *known = vm->pid > 0 ? model_proc_of(m, vm->spec.id, vm->pid) : NULL;
	/* croftd's own child keeps its pid until croftd reaps it (and then
	 * forgets the pid at once): no pidfd needs asking */
	int pidfd = vm->child ? -1 : vm->pidfd;
	int clock = s->seams.proc_cpu_ns && (vm->child || pidfd >= 0);
	struct model_proc p = { 0 };
	uint64_t ns;

	if (vm->pid <= 0)
		goto gone;
	/* stat for a pid not yet known to be the VM's, when an event asks for
	 * everything, or with no process clock; then statm for the RSS */
	if (!known || now_all || !clock) {
		if (proc_stat(s, vm, known, &p) < 0)
			goto gone;
	} else if (rss_due(s, known)) {
		if (proc_statm(s, vm, known, &p) < 0 && proc_stat(s, vm, known, &p) < 0)
			goto gone;
	} else {
		p.start_ticks = known->start_ticks;
		p.rss_bytes = known->rss_bytes;
		p.stat_ms = known->stat_ms;
	}
	if (clock) {
		if (s->seams.proc_cpu_ns(vm->pid, pidfd, &ns) < 0)
			goto gone;
		p.cpu_ms = ns / 1000000u;
	}
	p.pid = vm->pid;
	p.cpu_pct = -1;
	p.base_cpu_ms = p.cpu_ms;
	p.base_ms = model_now_ms(m);
	if (known && known->start_ticks == p.start_ticks) {
		int64_t dt = p.base_ms - known->base_ms;

		p.cpu_pct = known->cpu_pct;
		if (dt < min_dt_ms(s)) {         /* too soon: keep the baseline */
			p.base_cpu_ms = known->base_cpu_ms;
			p.base_ms = known->base_ms;
		} else {
			p.cpu_pct = stats_cpu_pct(known->base_cpu_ms, p.cpu_ms, dt);
		}
	}
	model_proc_set(m, vm->spec.id, &p);
	return;
gone:
	model_proc_clear(m, vm->spec.id);      /* none, or gone meanwhile */
}

/* A disk's allocation moves slowly, so a sample re-reads it only when the
 * model's figure is DISK_STAT_MS old (or the disks changed, or it could
 * not be read); the events that change a VM read it at once. */
#define DISK_STAT_MS 10000

static int disks_fresh(const struct model_vm *mv, const struct store_vm *spec, int64_t now)
{
	size_t i;

	if (!mv || mv->ndisks != spec->ndisks)
		return 0;
	for (i = 0; i < spec->ndisks; i++) {
		const struct model_disk *md = &mv->disks[i];

		if (!md->sampled_ms || now < md->sampled_ms || now - md->sampled_ms >= DISK_STAT_MS ||
		    strcmp(md->path, spec->disks[i].path))
			return 0;
	}
	return 1;
}

static void sample_disks(struct sampler *s, struct vm *vm, int now_all)
{
	const struct store_vm *spec = &vm->spec;
	int64_t now = model_now_ms(s->d->model);
	struct model_disk *md;
	size_t i;

	if (!now_all && disks_fresh(model_vm(s->d->model, spec->id), spec, now))
		return;
	md = xcalloc(spec->ndisks + 1, sizeof(*md));
	for (i = 0; i < spec->ndisks; i++) {
		struct stat st;

		md[i].path = spec->disks[i].path;
		if (stat(md[i].path, &st) == 0) {
			md[i].allocated_bytes = (uint64_t)st.st_blocks * 512;
			md[i].sampled_ms = now;
		}
	}
	model_disks_set(s->d->model, spec->id, md, spec->ndisks);
	free(md);
}

static void ask_unlink(struct sampler *s, struct balloon_ask *a)
{
	struct balloon_ask **pp;

	for (pp = &s->asks; *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			return;
		}
	}
}

/* The VM a reply is about, if it still runs the QEMU that was asked. */
static struct vm *ask_vm(struct balloon_ask *a)
{
	struct vm *vm;

	for (vm = a->s->d->vms; vm; vm = vm->next)
		if (!vm->deleted && vm->spec.id == a->id)
			return vm->pid == a->pid ? vm : NULL;
	return NULL;
}

static void balloon_answer(struct balloon_ask *a, json_t *ret)
{
	json_t *actual = json_object_get(ret, "actual");

	if (json_is_integer(actual) && json_integer_value(actual) >= 0)
		model_balloon_set(a->s->d->model, a->id, a->pid,
				  (uint64_t)json_integer_value(actual) >> 20);
}

static int polled_find(const struct sampler *s, int64_t id, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->npolled; i++)
		if (s->polled[i].id == id && s->polled[i].pid == pid)
			return 1;
	return 0;
}

static void polling_answer(struct balloon_ask *a, json_t *ret)
{
	struct sampler *s = a->s;
	size_t i;

	(void)ret;
	for (i = 0; i < s->npolled; i++) {
		if (s->polled[i].id == a->id) {
			s->polled[i].pid = a->pid;
			return;
		}
	}
	if (s->npolled == s->polled_cap) {
		s->polled_cap = s->polled_cap ? s->polled_cap * 2 : 16;
		s->polled = xrealloc(s->polled, s->polled_cap * sizeof(*s->polled));
	}
	s->polled[s->npolled].id = a->id;
	s->polled[s->npolled].pid = a->pid;
	s->npolled++;
}

/* An object's non-negative integer members, named by a table of where
 * they go in base, in one pass; the others are left as they are. */
struct u64_member {
	const char *key;
	size_t off;
};

static void u64_members(struct jscan_span obj, const struct u64_member *c, size_t n, void *base)
{
	struct jscan_span k, v;
	struct jscan_it it;
	uint64_t x;
	size_t i;

	if (jscan_iter(&it, obj) < 0)
		return;
	while (jscan_next(&it, &k, &v))
		for (i = 0; i < n; i++) {
			if (!jscan_key_is(k, c[i].key))
				continue;
			if (jscan_u64(v, &x) == 0)
				memcpy((char *)base + c[i].off, &x, sizeof(x));
			break;
		}
}

/* The guest's balloon statistics; one it did not report (or not as a
 * non-negative integer) is UINT64_MAX. */
static void guest_stats(struct jscan_span st, struct model_guest_mem *g)
{
	static const struct u64_member c[] = {
		{ "stat-total-memory", offsetof(struct model_guest_mem, total) },
		{ "stat-free-memory", offsetof(struct model_guest_mem, free) },
		{ "stat-available-memory", offsetof(struct model_guest_mem, available) },
		{ "stat-disk-caches", offsetof(struct model_guest_mem, disk_caches) },
		{ "stat-swap-in", offsetof(struct model_guest_mem, swap_in) },
		{ "stat-swap-out", offsetof(struct model_guest_mem, swap_out) },
		{ "stat-major-faults", offsetof(struct model_guest_mem, major_faults) },
		{ "stat-minor-faults", offsetof(struct model_guest_mem, minor_faults) },
	};
	uint64_t none = UINT64_MAX;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		memcpy((char *)g + c[i].off, &none, sizeof(none));
	u64_members(st, c, sizeof(c) / sizeof(c[0]), g);
}

/* The guest's statistics in ret, a checked value (jscan.h), in one pass
 * over its members. */
static int guest_mem_parse(struct jscan_span ret, int64_t now_ms, int poll_s,
			   struct model_guest_mem *g)
{
	struct jscan_span k, v, st = { 0 }, last = { 0 };
	struct jscan_it it;
	uint64_t t;

	memset(g, 0, sizeof(*g));
	if (jscan_iter(&it, ret) < 0 || it.close != '}')
		return -EINVAL;
	while (jscan_next(&it, &k, &v)) {
		if (!st.p && jscan_key_is(k, "stats"))
			st = v;
		else if (!last.p && jscan_key_is(k, "last-update"))
			last = v;
	}
	if (!st.p || st.p[0] != '{' || !last.p || jscan_u64(last, &t) < 0 || t > INT64_MAX)
		return -EINVAL;
	g->known = 1;
	g->last_update = (int64_t)t;
	g->stale = stats_guest_stale(g->last_update, now_ms, poll_s);
	guest_stats(st, g);
	return 0;
}

int sampler_guest_mem_parse(const char *text, size_t len, int64_t now_ms, int poll_s,
			    struct model_guest_mem *g)
{
	struct jscan_span ret;

	memset(g, 0, sizeof(*g));
	if (jscan_whole(text, text + len, &ret) < 0)
		return -EINVAL;
	return guest_mem_parse(ret, now_ms, poll_s, g);
}

/* A reply's return as text: read in place (qmp_command_raw), or a tree
 * written out (*tofree, for the caller to free).  0 or -ENOMEM. */
static int reply_text(const struct qmp_msg *reply, const char **text, size_t *len, char **tofree)
{
	*tofree = NULL;
	if (reply->raw) {
		*text = reply->raw;
		*len = reply->raw_len;
		return 0;
	}
	*tofree = json_dumps(reply->ret, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!*tofree)
		return -ENOMEM;
	*text = *tofree;
	*len = strlen(*tofree);
	return 0;
}

static int poll_seconds(const struct sampler *s)
{
	return s->interval_ms < 1000 ? 1 : (int)(s->interval_ms / 1000);
}

static void guest_answer(struct balloon_ask *a, const struct qmp_msg *reply)
{
	struct model *m = a->s->d->model;
	struct model_guest_mem g;
	const char *text;
	char *tofree;
	size_t len;

	if (reply_text(reply, &text, &len, &tofree) < 0)
		return;
	/* raw is checked JSON (qmp.h), a tree's text is JSON */
	if (guest_mem_parse((struct jscan_span){ text, len }, model_now_ms(m), poll_seconds(a->s),
			    &g) == 0)
		model_guest_mem_set(m, a->id, a->pid, &g);
	free(tofree);
}

static int read_schedstat(struct sampler *s, pid_t pid, pid_t tid, uint64_t *run, uint64_t *delay)
{
	char rel[64];
	int r;

	snprintf(rel, sizeof(rel), "%d/task/%d/schedstat", (int)pid, (int)tid);
	r = read_proc(s, rel);
	return r < 0 ? r : procfs_schedstat_parse(s->buf, run, delay);
}

int sampler_vcpus_parse(json_t *ret, struct model_vcpu **out, size_t *n)
{
	size_t i, k = 0;
	json_t *c;

	*out = NULL;
	*n = 0;
	if (!json_is_array(ret))
		return -EINVAL;
	*out = xcalloc(json_array_size(ret) + 1, sizeof(**out));
	json_array_foreach(ret, i, c) {
		json_t *tid = json_object_get(c, "thread-id");
		json_t *idx = json_object_get(c, "cpu-index");

		if (!json_is_integer(tid) || json_integer_value(tid) <= 0 ||
		    json_integer_value(tid) > INT32_MAX || !json_is_integer(idx) ||
		    json_integer_value(idx) < 0)
			continue;
		(*out)[k].tid = (pid_t)json_integer_value(tid);
		(*out)[k].index = (unsigned)json_integer_value(idx);
		(*out)[k].ready_pct = -1;
		k++;
	}
	*n = k;
	return 0;
}

/* The threads' first readings: the baseline of the next sample. */
static void cpus_answer(struct balloon_ask *a, json_t *ret)
{
	struct sampler *s = a->s;
	struct model_vcpu *v;
	size_t n, i;

	if (sampler_vcpus_parse(ret, &v, &n) < 0)
		return;
	for (i = 0; i < n; i++)
		read_schedstat(s, a->pid, v[i].tid, &v[i].run_ns, &v[i].delay_ns);
	model_vcpus_set(s->d->model, a->id, a->pid, v, n);
	free(v);
}

static const struct model_blk *blk_prev(const struct model_blk *prev, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(prev[i].name, name))
			return &prev[i];
	return NULL;
}

/* The counters of a query-blockstats "stats" object; a missing or
 * unreadable one is 0. */
static void blk_counters(struct jscan_span st, struct model_blk *b)
{
	static const struct u64_member c[] = {
		{ "rd_bytes", offsetof(struct model_blk, rd_bytes) },
		{ "wr_bytes", offsetof(struct model_blk, wr_bytes) },
		{ "rd_operations", offsetof(struct model_blk, rd_ops) },
		{ "wr_operations", offsetof(struct model_blk, wr_ops) },
		{ "rd_total_time_ns", offsetof(struct model_blk, rd_time_ns) },
		{ "wr_total_time_ns", offsetof(struct model_blk, wr_time_ns) },
	};

	u64_members(st, c, sizeof(c) / sizeof(c[0]), b);
}

/* An entry's "stats" object and the name it goes by (its node, else its
 * drive), in one pass over its members: 0, or -EINVAL without either. */
static int blk_entry(struct jscan_span e, struct jscan_span *st, char *name, size_t len)
{
	struct jscan_span k, v, node = { 0 }, dev = { 0 };
	struct jscan_it it;

	st->p = NULL;
	if (jscan_iter(&it, e) < 0 || it.close != '}')
		return -EINVAL;
	while (jscan_next(&it, &k, &v)) {
		if (!st->p && jscan_key_is(k, "stats"))
			*st = v;
		else if (!node.p && jscan_key_is(k, "node-name"))
			node = v;
		else if (!dev.p && jscan_key_is(k, "device"))
			dev = v;
	}
	if (!st->p || st->p[0] != '{')
		return -EINVAL;
	if (node.p && jscan_str(node, name, len) == 0 && *name)
		return 0;
	if (dev.p && jscan_str(dev, name, len) == 0 && *name)
		return 0;
	return -EINVAL;
}

/* The entries of ret, a checked value (jscan.h). */
static int blks_parse(struct jscan_span ret, const struct model_blk *prev, size_t nprev,
		      int64_t dt_ms, struct model_blk **out, size_t *n)
{
	struct jscan_span e, st;
	struct jscan_it it;
	size_t k = 0, cap = 4;

	*out = NULL;
	*n = 0;
	if (jscan_iter(&it, ret) < 0 || it.close != ']')
		return -EINVAL;
	*out = xcalloc(cap, sizeof(**out));
	while (jscan_next(&it, NULL, &e)) {
		struct model_blk *b;
		const struct model_blk *p;

		if (k + 1 >= cap) {
			*out = xrealloc(*out, cap * 2 * sizeof(**out));
			memset(*out + cap, 0, cap * sizeof(**out));
			cap *= 2;
		}
		b = &(*out)[k];
		if (blk_entry(e, &st, b->name, sizeof(b->name)) < 0) {
			memset(b, 0, sizeof(*b));
			continue;
		}
		blk_counters(st, b);
		b->rd_bps = b->wr_bps = b->rd_iops = b->wr_iops = -1;
		b->rd_lat_ms = b->wr_lat_ms = -1;
		if ((p = blk_prev(prev, nprev, b->name)) && dt_ms > 0) {
			b->rd_bps = stats_rate(p->rd_bytes, b->rd_bytes, dt_ms);
			b->wr_bps = stats_rate(p->wr_bytes, b->wr_bytes, dt_ms);
			b->rd_iops = stats_rate(p->rd_ops, b->rd_ops, dt_ms);
			b->wr_iops = stats_rate(p->wr_ops, b->wr_ops, dt_ms);
			b->rd_lat_ms = stats_latency_ms(p->rd_time_ns, b->rd_time_ns, p->rd_ops, b->rd_ops);
			b->wr_lat_ms = stats_latency_ms(p->wr_time_ns, b->wr_time_ns, p->wr_ops, b->wr_ops);
		}
		k++;
	}
	*n = k;
	return 0;
}

int sampler_blks_parse(const char *text, size_t len, const struct model_blk *prev, size_t nprev,
		       int64_t dt_ms, struct model_blk **out, size_t *n)
{
	struct jscan_span ret;

	*out = NULL;
	*n = 0;
	if (jscan_whole(text, text + len, &ret) < 0)
		return -EINVAL;
	return blks_parse(ret, prev, nprev, dt_ms, out, n);
}

static void block_answer(struct balloon_ask *a, const struct qmp_msg *reply)
{
	struct model *m = a->s->d->model;
	const struct model_vm *v = model_vm(m, a->id);
	const struct model_blk *prev = NULL;
	struct model_blk *b = NULL;
	size_t nprev = 0, n;
	int64_t dt = 0;
	const char *raw;
	char *text;
	size_t len;

	if (reply_text(reply, &raw, &len, &text) < 0)
		return;
	if (v && v->blks_pid == a->pid) {
		prev = v->blks;
		nprev = v->nblks;
		dt = model_now_ms(m) - v->blks_ms;
	}
	/* raw is checked JSON (qmp.h), a tree's text is JSON */
	if (blks_parse((struct jscan_span){ raw, len }, prev, nprev, dt, &b, &n) == 0)
		model_blks_set(m, a->id, a->pid, b, n);
	free(b);
	free(text);
}

static void (*const answers[])(struct balloon_ask *a, json_t *ret) = {
	[ASK_BALLOON] = balloon_answer,
	[ASK_POLLING] = polling_answer,
	[ASK_CPUS] = cpus_answer,
};

static void balloon_reply(struct qmp *q, const struct qmp_msg *reply, void *data)
{
	struct balloon_ask *a = data;

	(void)q;
	if (a->s) {
		ask_unlink(a->s, a);
		if (reply && reply->type == QMP_MSG_RETURN && a->kind == ASK_BLOCK && ask_vm(a))
			block_answer(a, reply);
		else if (reply && reply->type == QMP_MSG_RETURN && a->kind == ASK_GUEST && ask_vm(a))
			guest_answer(a, reply);
		else if (reply && reply->type == QMP_MSG_RETURN && (a->kind == ASK_BALLOON || ask_vm(a)))
			answers[a->kind](a, reply->ret);
	}
	free(a);
}

/* The questions asked every sample go as texts written once, and their
 * answers are read in place; args is stolen. */
static int ask_send(struct sampler *s, struct vm *vm, enum ask_kind kind, const char *cmd,
		    json_t *args, struct balloon_ask *a)
{
	const char *text = kind == ASK_GUEST ? s->guest_text : kind == ASK_BLOCK ? s->block_text : NULL;
	int every = kind == ASK_BLOCK || kind == ASK_GUEST;

	if (text && s->seams.qmp_command_raw_text) {
		json_decref(args);
		return s->seams.qmp_command_raw_text(vm->qmp, cmd, text, balloon_reply, a);
	}
	return (every && s->seams.qmp_command_raw ? s->seams.qmp_command_raw
						  : s->seams.qmp_command)(vm->qmp, cmd, args,
									  balloon_reply, a);
}

/* Ask vm's QEMU cmd (args stolen), unless the same kind is still out. */
static void ask(struct sampler *s, struct vm *vm, enum ask_kind kind, const char *cmd, json_t *args)
{
	struct balloon_ask *a;

	if (vm->pid <= 0 || !vm->qmp) {
		json_decref(args);
		return;
	}
	for (a = s->asks; a; a = a->next) {
		if (a->id == vm->spec.id && a->kind == kind) {
			json_decref(args);
			return;                  /* still waiting for the last answer */
		}
	}
	a = xcalloc(1, sizeof(*a));
	a->s = s;
	a->kind = kind;
	a->id = vm->spec.id;
	a->pid = vm->pid;
	a->next = s->asks;
	s->asks = a;
	if (ask_send(s, vm, kind, cmd, args, a) < 0) {
		ask_unlink(s, a);
		free(a);
	}
}

/* The balloon's size: asked of a new QEMU, then kept current by its
 * BALLOON_CHANGE events (vm_qemu.c) and asked again only when the last
 * figure is BALLOON_REASK_MS old (an event lost with a QMP connection). */
static void ask_balloon(struct sampler *s, struct vm *vm)
{
	const struct model_balloon *b = model_balloon_of(s->d->model, vm->spec.id, vm->pid);

	if (b && b->sampled_ms && model_now_ms(s->d->model) - b->sampled_ms < BALLOON_REASK_MS)
		return;
	ask(s, vm, ASK_BALLOON, "query-balloon", NULL);
}

/* The guest's memory figures: tell QEMU once to poll them, then read. */
static void ask_guest(struct sampler *s, struct vm *vm)
{
	if (!polled_find(s, vm->spec.id, vm->pid))
		ask(s, vm, ASK_POLLING, "qom-set",
		    json_pack("{s:s,s:s,s:i}", "path", BALLOON_QOM,
			      "property", "guest-stats-polling-interval", "value", poll_seconds(s)));
	else
		ask(s, vm, ASK_GUEST, "qom-get", s->guest_text ? NULL : json_incref(s->guest_args));
}

/* Each vCPU thread's run delay since the last sample; the threads are
 * asked for once per QEMU, and again when one is gone. */
static void sample_vcpus(struct sampler *s, struct vm *vm)
{
	struct model *m = s->d->model;
	const struct model_vm *mv = model_vm(m, vm->spec.id);
	struct model_vcpu *v;
	int64_t dt;
	size_t n, i;

	if (vm->pid <= 0)
		return;
	if (!mv || mv->vcpus_pid != vm->pid || !mv->nvcpus) {
		ask(s, vm, ASK_CPUS, "query-cpus-fast", NULL);
		return;
	}
	dt = model_now_ms(m) - mv->vcpus_ms;
	if (dt < min_dt_ms(s))
		return;
	n = mv->nvcpus;
	v = xcalloc(n, sizeof(*v));
	memcpy(v, mv->vcpus, n * sizeof(*v));
	for (i = 0; i < n; i++) {
		uint64_t run, delay;

		if (read_schedstat(s, vm->pid, v[i].tid, &run, &delay) < 0) {
			free(v);
			ask(s, vm, ASK_CPUS, "query-cpus-fast", NULL);   /* unplugged, or gone */
			return;
		}
		v[i].ready_pct = stats_ready_pct(v[i].delay_ns, delay, dt);
		v[i].run_ns = run;
		v[i].delay_ns = delay;
	}
	model_vcpus_set(m, vm->spec.id, vm->pid, v, n);
	free(v);
}

static void ask_block(struct sampler *s, struct vm *vm)
{
	const struct model_vm *mv = model_vm(s->d->model, vm->spec.id);

	if (mv && mv->blks_pid == vm->pid &&
	    model_now_ms(s->d->model) - mv->blks_ms < min_dt_ms(s))
		return;
	ask(s, vm, ASK_BLOCK, "query-blockstats", NULL);
}

/* Each NIC's tap counters, from the /proc/net/dev text read this sample. */
static void sample_net(struct sampler *s, struct vm *vm)
{
	struct model *m = s->d->model;
	const struct model_vm *mv = model_vm(m, vm->spec.id);
	struct model_netstat *ns;
	int64_t dt;
	size_t i, k = 0;

	if (!mv || vm->pid <= 0 || !s->netdev_ok)
		return;
	dt = mv->netstats_ms ? model_now_ms(m) - mv->netstats_ms : 0;
	if (mv->netstats_ms && dt < min_dt_ms(s))
		return;
	ns = xcalloc(mv->nnics + 1, sizeof(*ns));
	for (i = 0; i < mv->nnics; i++) {
		struct model_netstat *n = &ns[k];
		struct procfs_netdev c;
		size_t j;

		netd_tap_name((uint32_t)mv->nics[i].id, n->ifname);
		if (procfs_netdev_find(s->netdev, n->ifname, &c) < 0)
			continue;
		n->nic_id = mv->nics[i].id;
		n->rx_bytes = c.tx_bytes;        /* what the tap sends, the guest receives */
		n->rx_packets = c.tx_packets;
		n->rx_drops = c.tx_drops;
		n->tx_bytes = c.rx_bytes;
		n->tx_packets = c.rx_packets;
		n->tx_drops = c.rx_drops;
		n->rx_bps = n->tx_bps = n->rx_pps = n->tx_pps = -1;
		for (j = 0; j < mv->nnetstats; j++) {
			const struct model_netstat *p = &mv->netstats[j];

			if (p->nic_id != n->nic_id)
				continue;
			n->rx_bps = stats_rate(p->rx_bytes, n->rx_bytes, dt);
			n->tx_bps = stats_rate(p->tx_bytes, n->tx_bytes, dt);
			n->rx_pps = stats_rate(p->rx_packets, n->rx_packets, dt);
			n->tx_pps = stats_rate(p->tx_packets, n->tx_packets, dt);
		}
		k++;
	}
	model_netstats_set(m, vm->spec.id, ns, k);
	free(ns);
}

static void read_netdev(struct sampler *s)
{
	s->netdev_ok = procfs_kept_read(s->kept, s->seams.proc_root, "net/dev", s->netdev,
					PROC_BUF_LEN) == 0;
}

/* One VM; now_all: its disks and /proc/PID/stat too, however fresh their
 * figures. */
static void sample_vm(struct sampler *s, struct vm *vm, int now_all)
{
	struct qmp *q = vm->qmp;

	sample_proc(s, vm, now_all);
	sample_disks(s, vm, now_all);
	/* A QEMU still starting is asked nothing: the questions would queue
	 * ahead of the start's own cont and query-status.  Its process is
	 * known by now (read while QEMU starts up, not after); the change to
	 * running asks the rest. */
	if (vm->state == VM_STARTING)
		return;
	if (q && s->seams.qmp_cork)
		s->seams.qmp_cork(q);        /* its questions leave in one write */
	ask_balloon(s, vm);
	if (model_proc_of(s->d->model, vm->spec.id, vm->pid)) {
		sample_vcpus(s, vm);
		ask_guest(s, vm);
		ask_block(s, vm);
		sample_net(s, vm);
	}                                    /* else not (yet) known to be its QEMU */
	if (q && s->seams.qmp_uncork)
		s->seams.qmp_uncork(q);
}

void sampler_vm(struct sampler *s, struct vm *vm)
{
	sample_vm(s, vm, 1);
}

/* --- NICs and leases ------------------------------------------------------ */

static const char *net_name(const struct store_net *nets, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (nets[i].id == id)
			return nets[i].name;
	return NULL;
}

int sampler_nics_load(struct sampler *s)
{
	struct croftd *d = s->d;
	struct store_nic *nics = NULL;
	struct store_net *nets = NULL;
	struct model_nic *mine = NULL;
	size_t nn = 0, nnet = 0, i, k;
	struct vm *vm;
	int r;

	if ((r = store_nic_list(d->store, 0, 0, &nics, &nn)) < 0 ||
	    (r = store_net_list(d->store, &nets, &nnet)) < 0) {
		log_warn("cannot load the NICs from the store: %s", store_last_error(d->store));
		goto out;
	}
	mine = xcalloc(nn + 1, sizeof(*mine));
	for (vm = d->vms; vm; vm = vm->next) {
		if (vm->deleted)
			continue;
		for (i = k = 0; i < nn; i++)
			if (nics[i].vm_id == vm->spec.id)
				model_nic_from_store(&mine[k++], &nics[i],
						     net_name(nets, nnet, nics[i].net_id));
		model_nics_set(d->model, vm->spec.id, mine, k);
	}
out:
	free(mine);
	store_net_list_free(nets, nnet);
	store_nic_list_free(nics, nn);
	return r;
}

static void sample_leases(struct sampler *s)
{
	struct netd_lease *l = NULL;
	size_t n = 0;

	if (s->seams.leases(s->d, &l, &n) == 0)
		model_leases_take(s->d->model, l, n);
}

void sampler_run(struct sampler *s)
{
	struct vm *vm;
	uint64_t t0;

	sample_host(s);
	read_netdev(s);
	/* the VMs with a QEMU first, their time counted apart in one go */
	t0 = loop_thread_cpu_ns();
	for (vm = s->d->vms; vm; vm = vm->next) {
		if (!vm->deleted && vm->pid > 0) {
			sample_vm(s, vm, 0);
			s->vm_samples++;
		}
	}
	s->vm_cpu_ns += loop_thread_cpu_ns() - t0;
	for (vm = s->d->vms; vm; vm = vm->next)
		if (!vm->deleted && vm->pid <= 0)
			sample_vm(s, vm, 0);
	sample_leases(s);
	procfs_kept_sweep(s->kept);          /* the files of QEMUs gone */
}

/* --- what events make stale ------------------------------------------------ */

static int vm_defined(int64_t id, void *data)
{
	struct croftd *d = data;
	struct vm *vm;

	for (vm = d->vms; vm; vm = vm->next)
		if (!vm->deleted && vm->spec.id == id)
			return 1;
	return 0;
}

static void on_vm_state(struct sampler *s, struct vm *vm)
{
	sampler_vm(s, vm);
}

static void on_vm_changed(struct sampler *s, struct vm *vm)
{
	sampler_vm(s, vm);
	sampler_nics_load(s);
}

static void on_vm_deleted(struct sampler *s, struct vm *vm)
{
	(void)vm;
	model_vm_retain(s->d->model, vm_defined, s->d);
}

static void on_net(struct sampler *s, struct vm *vm)
{
	(void)vm;
	sampler_nics_load(s);
}

static const struct {
	const char *kind;
	void (*fn)(struct sampler *s, struct vm *vm);
	int needs_vm;                /* the target names a defined VM */
} reactions[] = {
	{ "vm.state", on_vm_state, 1 },
	{ "vm.created", on_vm_changed, 1 },
	{ "vm.changed", on_vm_changed, 1 },
	{ "vm.deleted", on_vm_deleted, 0 },
	{ "net.created", on_net, 0 },
	{ "net.changed", on_net, 0 },
	{ "net.deleted", on_net, 0 },
};

static void on_event(const struct bus_event *ev, void *data)
{
	struct sampler *s = data;
	size_t i;

	for (i = 0; i < sizeof(reactions) / sizeof(reactions[0]); i++) {
		struct vm *vm;

		if (strcmp(ev->kind, reactions[i].kind))
			continue;
		vm = ev->target ? vm_find(s->d, ev->target) : NULL;
		if (vm || !reactions[i].needs_vm)
			reactions[i].fn(s, vm);
		return;
	}
}

/* --- life ------------------------------------------------------------------ */

struct sampler *sampler_new(struct croftd *d, const struct sampler_seams *seams)
{
	struct sampler *s = xcalloc(1, sizeof(*s));
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);

	s->d = d;
	s->seams = seams ? *seams : sampler_real_seams;
	s->hz = hz > 0 ? (uint64_t)hz : 100;
	s->page = page > 0 ? (uint64_t)page : 4096;
	s->buf = xmalloc(PROC_BUF_LEN);
	s->kept = procfs_kept_new();
	s->netdev = xmalloc(PROC_BUF_LEN);
	s->guest_args = json_pack("{s:s,s:s}", "path", BALLOON_QOM, "property", "guest-stats");
	s->guest_text = qmp_command_text("qom-get", s->guest_args);
	s->block_text = qmp_command_text("query-blockstats", NULL);
	if (!s->seams.sys_root)
		s->seams.sys_root = "/sys";
	s->interval_ms = d->store
		? (uint64_t)settings_int(d->store, "sample-interval-ms", SAMPLER_INTERVAL_DEFAULT_MS,
					 SAMPLER_INTERVAL_MIN_MS, SAMPLER_INTERVAL_MAX_MS)
		: SAMPLER_INTERVAL_DEFAULT_MS;
	if (d->bus && bus_sink_add(d->bus, on_event, s) == 0)
		s->listening = 1;
	return s;
}

void sampler_free(struct sampler *s)
{
	struct balloon_ask *a;

	if (!s)
		return;
	if (s->listening)
		bus_sink_remove(s->d->bus, on_event, s);
	for (a = s->asks; a; a = a->next)
		a->s = NULL;
	procfs_kept_free(s->kept);
	free(s->buf);
	free(s->netdev);
	free(s->polled);
	json_decref(s->guest_args);
	free(s->guest_text);
	free(s->block_text);
	free(s);
}

int sampler_init(struct croftd *d, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	d->model = model_new(NULL);
	d->sampler = sampler_new(d, NULL);
	sampler_nics_load(d->sampler);
	sampler_run(d->sampler);
	return 0;
}

void sampler_fini(struct croftd *d)
{
	sampler_free(d->sampler);
	d->sampler = NULL;
	model_free(d->model);
	d->model = NULL;
}

uint64_t sampler_tick(struct croftd *d)
{
	sampler_run(d->sampler);
	return d->sampler->interval_ms;
}

void sampler_vm_cpu(const struct sampler *s, uint64_t *ns, uint64_t *samples)
{
	*ns = s ? s->vm_cpu_ns : 0;
	*samples = s ? s->vm_samples : 0;
}

uint64_t sampler_interval_ms(const struct sampler *s)
{
	return s ? s->interval_ms : SAMPLER_INTERVAL_DEFAULT_MS;
}
