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
#include "core/model.h"
#include "core/netd_client.h"
#include "core/procfs.h"
#include "core/settings.h"
#include "core/vm.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* /proc/stat grows with the CPUs: a line per CPU of up to ~100 bytes. */
#define PROC_BUF_LEN (256u << 10)

struct balloon_ask {
	struct sampler *s;           /* NULL once the sampler is gone */
	int64_t id;
	pid_t pid;
	struct balloon_ask *next;
};

struct sampler {
	struct croftd *d;
	struct sampler_seams seams;
	uint64_t interval_ms;
	uint64_t hz, page;
	char *buf;                   /* PROC_BUF_LEN */
	struct balloon_ask *asks;
	int listening;
};

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

const struct sampler_seams sampler_real_seams = {
	.proc_root = "/proc",
	.leases = netd_leases,
	.qmp_command = qmp_command,
};

/* --- the host ------------------------------------------------------------ */

static int read_proc(struct sampler *s, const char *rel)
{
	return procfs_read(s->seams.proc_root, rel, s->buf, PROC_BUF_LEN);
}

static void sample_host(struct sampler *s)
{
	struct model_host h = { 0 };

	if (read_proc(s, "meminfo") == 0)
		host_meminfo_parse(s->buf, &h.mem);
	if (read_proc(s, "stat") == 0) {
		host_stat_cpu_parse(s->buf, &h.cpu_busy, &h.cpu_total);
		h.cpus = procfs_cpus_parse(s->buf);
	}
	if (read_proc(s, "loadavg") == 0)
		procfs_loadavg_parse(s->buf, h.load);
	if (read_proc(s, "uptime") == 0)
		procfs_uptime_parse(s->buf, &h.uptime_ms);
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

static void sample_proc(struct sampler *s, struct vm *vm)
{
	struct model *m = s->d->model;
	const struct model_proc *known;
	struct procfs_pid_stat st;
	struct model_proc p = { 0 };

	if (vm->pid <= 0 || pid_stat(s, vm->pid, &st) < 0) {
		model_proc_clear(m, vm->spec.id);      /* none, or gone meanwhile */
		return;
	}
	known = model_proc_of(m, vm->spec.id, vm->pid);
	if ((!known || known->start_ticks != st.start_ticks) && !pid_is_vm(s, vm, st.start_ticks)) {
		log_debug("VM %s: pid %d is not its QEMU (any more); not sampled",
			  vm->spec.name, (int)vm->pid);
		model_proc_clear(m, vm->spec.id);
		return;
	}
	p.pid = vm->pid;
	p.start_ticks = st.start_ticks;
	p.cpu_ms = st.cpu_ticks * 1000 / s->hz;
	p.rss_bytes = st.rss_pages * s->page;
	model_proc_set(m, vm->spec.id, &p);
}

static void sample_disks(struct sampler *s, struct vm *vm)
{
	const struct store_vm *spec = &vm->spec;
	struct model_disk *md = xcalloc(spec->ndisks + 1, sizeof(*md));
	int64_t now = model_now_ms(s->d->model);
	size_t i;

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

static void balloon_reply(struct qmp *q, const struct qmp_msg *reply, void *data)
{
	struct balloon_ask *a = data;
	json_t *actual;

	(void)q;
	if (a->s) {
		ask_unlink(a->s, a);
		if (reply && reply->type == QMP_MSG_RETURN &&
		    json_is_integer(actual = json_object_get(reply->ret, "actual")) &&
		    json_integer_value(actual) >= 0)
			model_balloon_set(a->s->d->model, a->id, a->pid,
					  (uint64_t)json_integer_value(actual) >> 20);
	}
	free(a);
}

static void ask_balloon(struct sampler *s, struct vm *vm)
{
	struct balloon_ask *a;

	if (vm->pid <= 0 || !vm->qmp)
		return;
	for (a = s->asks; a; a = a->next)
		if (a->id == vm->spec.id)
			return;                  /* still waiting for the last answer */
	a = xcalloc(1, sizeof(*a));
	a->s = s;
	a->id = vm->spec.id;
	a->pid = vm->pid;
	a->next = s->asks;
	s->asks = a;
	if (s->seams.qmp_command(vm->qmp, "query-balloon", NULL, balloon_reply, a) < 0) {
		ask_unlink(s, a);
		free(a);
	}
}

void sampler_vm(struct sampler *s, struct vm *vm)
{
	sample_proc(s, vm);
	sample_disks(s, vm);
	ask_balloon(s, vm);
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

	sample_host(s);
	for (vm = s->d->vms; vm; vm = vm->next)
		if (!vm->deleted)
			sampler_vm(s, vm);
	sample_leases(s);
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
	free(s->buf);
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
