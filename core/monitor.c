/*
 * The monitor service (monitor.h).
 */
#include "core/monitor.h"
#include "core/alerts.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/history.h"
#include "core/metrics.h"
#include "core/metrics_http.h"
#include "core/model.h"
#include "core/sampler.h"
#include "core/settings.h"
#include "core/vm.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct monitor_cfg {
	int64_t ready_warn, ready_crit, ready_window_s;
	int64_t swap_pps, swap_window_s;
	int64_t pressure_pct, pressure_window_s;
	int64_t latency_factor, latency_min_ms, latency_window_s;
};

static const struct msetting {
	const char *key;
	int64_t dflt, min, max;
	size_t off;
} msettings[] = {
	{ "alert-ready-warn-pct", 5, 1, 100, offsetof(struct monitor_cfg, ready_warn) },
	{ "alert-ready-crit-pct", 10, 1, 100, offsetof(struct monitor_cfg, ready_crit) },
	{ "alert-ready-window-s", 300, 0, 86400, offsetof(struct monitor_cfg, ready_window_s) },
	{ "alert-swap-pages-per-s", 10, 1, 1000000, offsetof(struct monitor_cfg, swap_pps) },
	{ "alert-swap-window-s", 60, 0, 86400, offsetof(struct monitor_cfg, swap_window_s) },
	{ "alert-pressure-pct", 10, 1, 100, offsetof(struct monitor_cfg, pressure_pct) },
	{ "alert-pressure-window-s", 60, 0, 86400, offsetof(struct monitor_cfg, pressure_window_s) },
	{ "alert-latency-factor", 10, 2, 1000, offsetof(struct monitor_cfg, latency_factor) },
	{ "alert-latency-min-ms", 20, 1, 100000, offsetof(struct monitor_cfg, latency_min_ms) },
	{ "alert-latency-window-s", 60, 0, 86400, offsetof(struct monitor_cfg, latency_window_s) },
};
#define NSETTINGS (sizeof(msettings) / sizeof(msettings[0]))

/* A disk's own latency baseline. */
struct lat_base {
	int64_t id;
	char name[32];
	double base;
	unsigned n;
};

struct monitor {
	struct croftd *d;
	struct history *hist;
	struct alerts *alerts;
	struct metrics_http *http;
	char *listen;                /* what http serves, "off" */
	struct monitor_cfg cfg;
	struct lat_base *bases;
	size_t nbases, bases_cap;
	uint64_t vm_cpu_ns, vm_rounds;  /* the rounds of VMs with a QEMU */
	int listening;
};

/* --- settings ---------------------------------------------------------------- */

static void cfg_read(struct monitor *m)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		const struct msetting *s = &msettings[i];
		int64_t v = m->d->store ? settings_int(m->d->store, s->key, s->dflt, s->min, s->max)
					: s->dflt;

		memcpy((char *)&m->cfg + s->off, &v, sizeof(v));
	}
}

int monitor_setting_check(const char *key, const char *value, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	size_t i;
	int off;

	if (!strcmp(key, "metrics-listen"))
		return metrics_listen_parse(value, &ss, &off, err, errlen) < 0 ? -EINVAL : 1;
	for (i = 0; i < NSETTINGS; i++) {
		char *end;
		long long v;

		if (strcmp(key, msettings[i].key))
			continue;
		errno = 0;
		v = value ? strtoll(value, &end, 10) : 0;
		if (!value || errno || end == value || *end || v < msettings[i].min ||
		    v > msettings[i].max) {
			err_set(err, errlen, "%s must be a whole number from %lld to %lld, not '%s'",
				key, (long long)msettings[i].min, (long long)msettings[i].max,
				value ? value : "");
			return -EINVAL;
		}
		return 1;
	}
	return 0;
}

const char *monitor_setting_names(void)
{
	static char names[512];
	size_t i;

	if (!names[0]) {
		snprintf(names, sizeof(names), "metrics-listen");
		for (i = 0; i < NSETTINGS; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), ", %s",
				 msettings[i].key);
	}
	return names;
}

static char *listen_setting(struct croftd *d)
{
	char *v = NULL;

	if (!d->store || store_setting_get(d->store, "metrics-listen", &v) < 0 || !v) {
		free(v);
		return xstrdup(METRICS_LISTEN_DEFAULT);
	}
	return v;
}

static char *render(void *data)
{
	return monitor_metrics_text(data);
}

/* Serve /metrics on the setting's address, if it changed. */
static int http_apply(struct monitor *m, char *err, size_t errlen)
{
	char *want = listen_setting(m->d);
	struct metrics_http *h = NULL;
	int r;

	if (m->listen && !strcmp(m->listen, want)) {
		free(want);
		return 0;
	}
	if (!m->d->loop) {
		free(want);
		return 0;                        /* tests without a loop */
	}
	/* the old server goes first: the new one may want its address */
	metrics_http_stop(m->http);
	m->http = NULL;
	free(m->listen);
	m->listen = NULL;
	r = metrics_http_start(m->d->loop, want, render, m->d, &h, err, errlen);
	if (r < 0) {
		free(want);
		return r;
	}
	m->http = h;
	m->listen = want;
	if (h)
		log_info("metrics: serving /metrics on %s (port %u)", want, metrics_http_port(h));
	else
		log_info("metrics: /metrics is off");
	return 0;
}

int monitor_reconfigure(struct croftd *d, char *err, size_t errlen)
{
	struct monitor *m = d->monitor;

	if (!m)
		return 0;
	cfg_read(m);
	return http_apply(m, err, errlen);
}

/* --- a round ----------------------------------------------------------------- */

static struct lat_base *base_get(struct monitor *m, int64_t id, const char *name)
{
	struct lat_base *b;
	size_t i;

	for (i = 0; i < m->nbases; i++)
		if (m->bases[i].id == id && !strcmp(m->bases[i].name, name))
			return &m->bases[i];
	if (m->nbases == m->bases_cap) {
		m->bases_cap = m->bases_cap ? m->bases_cap * 2 : 16;
		m->bases = xrealloc(m->bases, m->bases_cap * sizeof(*m->bases));
	}
	b = &m->bases[m->nbases++];
	memset(b, 0, sizeof(*b));
	b->id = id;
	snprintf(b->name, sizeof(b->name), "%s", name);
	return b;
}

static void latency_check(struct monitor *m, const struct vm *vm, const struct model_blk *blk,
			  int64_t now)
{
	const struct monitor_cfg *c = &m->cfg;
	struct lat_base *b = base_get(m, vm->spec.id, blk->name);
	double lat = blk->rd_lat_ms > blk->wr_lat_ms ? blk->rd_lat_ms : blk->wr_lat_ms;
	double limit;

	if (lat <= 0)
		return;                          /* no I/O, or no figure */
	limit = b->base * (double)c->latency_factor;
	if (limit < (double)c->latency_min_ms)
		limit = (double)c->latency_min_ms;
	if (b->n >= MONITOR_BASELINE_SAMPLES) {
		struct alert_rule r = { "disk-latency", "latency", " ms", limit, 0,
					c->latency_window_s * 1000 };

		alerts_observe(m->alerts, &r, vm->spec.name, blk->name, lat, now);
	}
	if (b->n < MONITOR_BASELINE_SAMPLES) {
		b->n++;
		b->base += (lat - b->base) / b->n;
	} else if (lat <= limit) {
		b->base += (lat - b->base) / 1800.0;  /* about an hour of 2 s samples */
	}
}

static void vm_round(struct monitor *m, struct vm *vm, int64_t now)
{
	const struct monitor_cfg *c = &m->cfg;
	const struct model_vm *mv = model_vm(m->d->model, vm->spec.id);
	struct alert_rule ready = { "ready", "CPU ready", "%", (double)c->ready_warn,
				    (double)c->ready_crit, c->ready_window_s * 1000 };
	double v[HISTORY_VM_N];
	size_t i;

	if (vm->pid <= 0 || !mv || !model_proc_of(m->d->model, vm->spec.id, vm->pid)) {
		alerts_drop_subject(m->alerts, vm->spec.name, "the VM is not running");
		return;
	}
	history_vm_values(mv, v);
	history_add(m->hist, vm->spec.id, v, HISTORY_VM_N, now);
	for (i = 0; mv->vcpus_pid == vm->pid && i < mv->nvcpus; i++) {
		char key[32];

		snprintf(key, sizeof(key), "vcpu %u", mv->vcpus[i].index);
		alerts_observe(m->alerts, &ready, vm->spec.name, key, mv->vcpus[i].ready_pct, now);
	}
	for (i = 0; mv->blks_pid == vm->pid && i < mv->nblks; i++)
		latency_check(m, vm, &mv->blks[i], now);
}

static void host_round(struct monitor *m, int64_t now)
{
	const struct monitor_cfg *c = &m->cfg;
	const struct model_host *h = &m->d->model->host;
	struct alert_rule swap = { "swap", "swapping", " pages/s", (double)c->swap_pps, 0,
				   c->swap_window_s * 1000 };
	struct alert_rule pressure = { "memory-pressure", "memory pressure", "%",
				       (double)c->pressure_pct, 0, c->pressure_window_s * 1000 };
	double v[HISTORY_HOST_N];

	if (!h->sampled_ms)
		return;
	history_host_values(h, v);
	history_add(m->hist, 0, v, HISTORY_HOST_N, now);
	if (h->vmstat_known && h->pswpin_ps >= 0 && h->pswpout_ps >= 0)
		alerts_observe(m->alerts, &swap, "", "", h->pswpin_ps + h->pswpout_ps, now);
	if (h->psi[MODEL_PSI_MEMORY].known)
		alerts_observe(m->alerts, &pressure, "", "", h->psi[MODEL_PSI_MEMORY].some_avg10, now);
}

void monitor_run(struct monitor *m)
{
	int64_t now;
	uint64_t t0;
	struct vm *vm;

	if (!m->d->model)
		return;
	now = model_now_ms(m->d->model);
	host_round(m, now);
	/* the VMs with a QEMU first, their time counted apart in one go */
	t0 = loop_thread_cpu_ns();
	for (vm = m->d->vms; vm; vm = vm->next) {
		if (!vm->deleted && vm->pid > 0) {
			vm_round(m, vm, now);
			m->vm_rounds++;
		}
	}
	m->vm_cpu_ns += loop_thread_cpu_ns() - t0;
	for (vm = m->d->vms; vm; vm = vm->next)
		if (!vm->deleted && vm->pid <= 0)
			vm_round(m, vm, now);
	history_flush(m->hist);
}

/* --- events -------------------------------------------------------------------- */

static int vm_defined(int64_t id, void *data)
{
	struct croftd *d = data;
	struct vm *vm;

	for (vm = d->vms; vm; vm = vm->next)
		if (!vm->deleted && vm->spec.id == id)
			return 1;
	return 0;
}

static void on_event(const struct bus_event *ev, void *data)
{
	struct monitor *m = data;
	size_t i = 0;

	if (strcmp(ev->kind, "vm.deleted"))
		return;
	history_retain(m->hist, vm_defined, m->d);
	while (i < m->nbases) {
		if (!vm_defined(m->bases[i].id, m->d))
			m->bases[i] = m->bases[--m->nbases];
		else
			i++;
	}
	/* its alerts end with it (a nested publish: queued by the bus) */
	if (ev->target)
		alerts_drop_subject(m->alerts, ev->target, "the VM was deleted");
}

/* --- the service ------------------------------------------------------------------- */

struct alerts *monitor_alerts(struct croftd *d)
{
	return d->monitor ? d->monitor->alerts : NULL;
}

int monitor_init(struct croftd *d, char *err, size_t errlen)
{
	struct monitor *m = xcalloc(1, sizeof(*m));
	char why[256];

	(void)err;
	(void)errlen;
	m->d = d;
	m->hist = history_new(d->store);
	m->alerts = alerts_new(d->bus);
	cfg_read(m);
	if (d->bus && bus_sink_add(d->bus, on_event, m) == 0)
		m->listening = 1;
	d->monitor = m;
	if (http_apply(m, why, sizeof(why)) < 0)
		log_warn("metrics: %s; set another with croft host set metrics-listen ADDR:PORT", why);
	return 0;
}

void monitor_fini(struct croftd *d)
{
	struct monitor *m = d->monitor;

	if (!m)
		return;
	if (m->listening)
		bus_sink_remove(d->bus, on_event, m);
	history_flush(m->hist);
	metrics_http_stop(m->http);
	history_free(m->hist);
	alerts_free(m->alerts);
	free(m->bases);
	free(m->listen);
	free(m);
	d->monitor = NULL;
}

uint64_t monitor_tick(struct croftd *d)
{
	monitor_run(d->monitor);
	return sampler_interval_ms(d->sampler);
}

char *monitor_metrics_text(struct croftd *d)
{
	return metrics_text(d, d->monitor ? d->monitor->alerts : NULL);
}

void monitor_vm_cpu(const struct croftd *d, uint64_t *ns, uint64_t *rounds)
{
	*ns = d->monitor ? d->monitor->vm_cpu_ns : 0;
	*rounds = d->monitor ? d->monitor->vm_rounds : 0;
}

unsigned monitor_metrics_port(const struct croftd *d)
{
	return d->monitor ? metrics_http_port(d->monitor->http) : 0;
}

/* --- JSON ------------------------------------------------------------------------ */

static json_t *jnum(double v)
{
	double d;

	if (isnan(v) || v < 0)
		return json_null();
	d = v * 100;
	return json_real((double)(int64_t)(d + 0.5) / 100);
}

static json_t *jmib(uint64_t bytes)
{
	return bytes == UINT64_MAX ? json_null() : json_integer((json_int_t)(bytes >> 20));
}

static json_t *psi_json(const struct model_psi *p)
{
	json_t *o;

	if (!p->known)
		return json_null();
	o = json_pack("{s:o,s:I}", "some_avg10", jnum(p->some_avg10), "some_total_us",
		      (json_int_t)p->some_total_us);
	if (p->full_known) {
		json_object_set_new(o, "full_avg10", jnum(p->full_avg10));
		json_object_set_new(o, "full_total_us", json_integer((json_int_t)p->full_total_us));
	}
	return o;
}

static int history_into(struct croftd *d, json_t *o, int64_t owner, const char *range,
			const char *const *names, size_t n, const char **code, char *err,
			size_t errlen)
{
	int tier = history_tier_find(range);
	json_t *h;

	if (!range)
		return 0;
	if (tier < 0) {
		*code = PROTO_E_INVALID_ARGUMENT;
		err_set(err, errlen, "history range '%s' is not one of 1h, 24h, 31d, 1y", range);
		return -EINVAL;
	}
	if (!d->monitor) {
		json_object_set_new(o, "history", json_null());
		return 0;
	}
	h = history_json(d->monitor->hist, owner, tier, model_now_ms(d->model), names, n);
	if (!h) {
		*code = PROTO_E_IO;
		err_set(err, errlen, "cannot read the history: %s", store_last_error(d->store));
		return -EIO;
	}
	json_object_set_new(o, "history", h);
	return 0;
}

/* Each running VM's headline figures, for the console's VM list:
 * [{name, ready_pct, ready_max_pct, guest_used_mib, balloon_mib}]. */
static json_t *vms_summary(struct croftd *d)
{
	json_t *arr = json_array();
	struct vm *vm;

	for (vm = d->vms; vm; vm = vm->next) {
		const struct model_vm *mv = model_vm(d->model, vm->spec.id);
		const struct model_balloon *b = model_balloon_of(d->model, vm->spec.id, vm->pid);
		double v[HISTORY_VM_N];

		if (vm->deleted || !mv || !model_proc_of(d->model, vm->spec.id, vm->pid))
			continue;
		history_vm_values(mv, v);
		json_array_append_new(arr, json_pack("{s:s,s:o,s:o,s:o,s:o}", "name", vm->spec.name,
						     "ready_pct", jnum(mv->ready_pct),
						     "ready_max_pct", jnum(mv->ready_max_pct),
						     "guest_used_mib", jnum(v[HV_GUEST_USED_MIB]),
						     "balloon_mib", b && b->sampled_ms
							? json_integer((json_int_t)b->actual_mib)
							: json_null()));
	}
	return arr;
}

json_t *monitor_host_json(struct croftd *d, const char *range, const char **code, char *err,
			  size_t errlen)
{
	static const struct model_host none;
	const struct model_host *h = d->model ? &d->model->host : &none;
	const struct host_mem *mem = &h->mem;
	json_t *o, *modes = json_object(), *psi = json_object(), *swap;
	int i;

	for (i = 0; i < PROCFS_CPU_NMODES; i++)
		json_object_set_new(modes, procfs_cpu_mode_names[i], jnum(h->cpu_modes_pct[i]));
	for (i = 0; i < MODEL_NPSI; i++)
		json_object_set_new(psi, model_psi_names[i], psi_json(&h->psi[i]));
	swap = json_pack("{s:b,s:I,s:I,s:o,s:o}", "configured", mem->swap_total_kib > 0,
			 "total_mib", (json_int_t)(mem->swap_total_kib / 1024),
			 "used_mib", (json_int_t)((mem->swap_total_kib >= mem->swap_free_kib
						  ? mem->swap_total_kib - mem->swap_free_kib : 0) / 1024),
			 "in_pages_per_s", h->vmstat_known ? jnum(h->pswpin_ps) : json_null(),
			 "out_pages_per_s", h->vmstat_known ? jnum(h->pswpout_ps) : json_null());
	o = json_pack("{s:I,s:i,s:o,s:o,s:[f,f,f],s:{s:I,s:I},s:o,s:o}",
		      "sampled_ms", (json_int_t)h->sampled_ms, "cpus", (int)h->cpus,
		      "cpu_pct", h->sampled_ms ? jnum(h->cpu_pct) : json_null(),
		      "cpu_modes_pct", modes, "load", h->load[0], h->load[1], h->load[2],
		      "memory", "total_mib", (json_int_t)(mem->total_kib / 1024),
		      "available_mib", (json_int_t)(mem->available_kib / 1024),
		      "swap", swap, "pressure", psi);
	json_object_set_new(o, "ksm", h->ksm.known
		? json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "run", (json_int_t)h->ksm.run,
			    "pages_shared", (json_int_t)h->ksm.pages_shared,
			    "pages_sharing", (json_int_t)h->ksm.pages_sharing,
			    "pages_unshared", (json_int_t)h->ksm.pages_unshared,
			    "pages_volatile", (json_int_t)h->ksm.pages_volatile,
			    "full_scans", (json_int_t)h->ksm.full_scans)
		: json_null());
	json_object_set_new(o, "pool", h->pool.known
		? json_pack("{s:s,s:I,s:I,s:I}", "name", "default",
			    "size_bytes", (json_int_t)h->pool.size_bytes,
			    "available_bytes", (json_int_t)h->pool.avail_bytes,
			    "allocated_bytes", (json_int_t)h->pool.allocated_bytes)
		: json_null());
	json_object_set_new(o, "alerts", d->monitor ? alerts_json(d->monitor->alerts, NULL)
						    : json_array());
	json_object_set_new(o, "vms", vms_summary(d));
	json_object_set_new(o, "thresholds", d->monitor
		? json_pack("{s:I,s:I,s:I}", "ready_warn_pct", (json_int_t)d->monitor->cfg.ready_warn,
			    "ready_crit_pct", (json_int_t)d->monitor->cfg.ready_crit,
			    "pressure_pct", (json_int_t)d->monitor->cfg.pressure_pct)
		: json_null());
	json_object_set_new(o, "metrics", json_pack("{s:s?,s:i}", "listen",
						    d->monitor ? d->monitor->listen : NULL,
						    "port", (int)monitor_metrics_port(d)));
	if (history_into(d, o, 0, range, history_host_names, HISTORY_HOST_N, code, err, errlen) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *guest_json(const struct model_balloon *b)
{
	const struct model_guest_mem *g = &b->guest;

	if (!g->known)
		return json_null();
	return json_pack("{s:b,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "stale", g->stale,
			 "last_update", (json_int_t)g->last_update, "total_mib", jmib(g->total),
			 "available_mib", jmib(g->available), "free_mib", jmib(g->free),
			 "used_mib", g->total != UINT64_MAX && g->available != UINT64_MAX &&
				     g->total >= g->available ? jmib(g->total - g->available)
							      : json_null(),
			 "disk_caches_mib", jmib(g->disk_caches),
			 "swap_in_bytes", g->swap_in == UINT64_MAX ? json_null()
				: json_integer((json_int_t)g->swap_in),
			 "swap_out_bytes", g->swap_out == UINT64_MAX ? json_null()
				: json_integer((json_int_t)g->swap_out),
			 "major_faults", g->major_faults == UINT64_MAX ? json_null()
				: json_integer((json_int_t)g->major_faults));
}

json_t *monitor_vm_json(struct croftd *d, const struct vm *vm, const char *range,
			const char **code, char *err, size_t errlen)
{
	const struct model *m = d->model;
	const struct model_vm *mv = model_vm(m, vm->spec.id);
	const struct model_proc *p = model_proc_of(m, vm->spec.id, vm->pid);
	const struct model_balloon *b = model_balloon_of(m, vm->spec.id, vm->pid);
	const struct model_vcpu *vc;
	const struct model_blk *blk;
	json_t *o, *vcpus = json_array(), *disks = json_array(), *nics = json_array();
	size_t n, i;

	vc = model_vcpus_of(m, vm->spec.id, vm->pid, &n);
	for (i = 0; vc && i < n; i++)
		json_array_append_new(vcpus, json_pack("{s:i,s:i,s:o}", "index", (int)vc[i].index,
						       "tid", (int)vc[i].tid,
						       "ready_pct", jnum(vc[i].ready_pct)));
	blk = model_blks_of(m, vm->spec.id, vm->pid, &n);
	for (i = 0; blk && i < n; i++)
		json_array_append_new(disks, json_pack(
			"{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I}", "device", blk[i].name,
			"read_bytes_per_s", jnum(blk[i].rd_bps), "write_bytes_per_s", jnum(blk[i].wr_bps),
			"read_iops", jnum(blk[i].rd_iops), "write_iops", jnum(blk[i].wr_iops),
			"read_latency_ms", jnum(blk[i].rd_lat_ms),
			"write_latency_ms", jnum(blk[i].wr_lat_ms),
			"read_bytes", (json_int_t)blk[i].rd_bytes,
			"write_bytes", (json_int_t)blk[i].wr_bytes));
	for (i = 0; p && mv && i < mv->nnetstats; i++) {
		const struct model_netstat *s = &mv->netstats[i];

		json_array_append_new(nics, json_pack(
			"{s:s,s:I,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:I}", "interface", s->ifname,
			"nic_id", (json_int_t)s->nic_id, "rx_bytes_per_s", jnum(s->rx_bps),
			"tx_bytes_per_s", jnum(s->tx_bps), "rx_packets_per_s", jnum(s->rx_pps),
			"tx_packets_per_s", jnum(s->tx_pps), "rx_bytes", (json_int_t)s->rx_bytes,
			"tx_bytes", (json_int_t)s->tx_bytes, "rx_drops", (json_int_t)s->rx_drops,
			"tx_drops", (json_int_t)s->tx_drops));
	}
	o = json_pack("{s:s,s:s,s:b,s:I,s:o,s:o,s:o,s:o,s:o,s:{s:I,s:o,s:o},s:o,s:o}",
		      "name", vm->spec.name, "state", vm_state_name(vm->state), "running", p != NULL,
		      "sampled_ms", (json_int_t)(p ? p->sampled_ms : 0),
		      "cpu_pct", p ? jnum(p->cpu_pct) : json_null(),
		      "rss_mib", p ? json_integer((json_int_t)(p->rss_bytes >> 20)) : json_null(),
		      "ready_pct", p && mv ? jnum(mv->ready_pct) : json_null(),
		      "ready_max_pct", p && mv ? jnum(mv->ready_max_pct) : json_null(),
		      "vcpus", vcpus,
		      "memory", "max_mib", (json_int_t)vm->spec.memory_mib,
		      "balloon_mib", b && b->sampled_ms ? json_integer((json_int_t)b->actual_mib)
							: json_null(),
		      "guest", b ? guest_json(b) : json_null(),
		      "disks", disks, "nics", nics);
	json_object_set_new(o, "alerts", d->monitor ? alerts_json(d->monitor->alerts, vm->spec.name)
						    : json_array());
	if (history_into(d, o, vm->spec.id, range, history_vm_names, HISTORY_VM_N, code, err,
			 errlen) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
