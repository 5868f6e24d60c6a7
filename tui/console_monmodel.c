/*
 * The console's monitor models (console_monmodel.h).
 */
#include "tui/console_monmodel.h"
#include "common/json_get.h"
#include "common/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A number, or -1 for null or absent. */
static double num(const json_t *o, const char *path)
{
	const json_t *v = o;
	char buf[128], *part, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part && v; part = strtok_r(NULL, ".", &save))
		v = json_object_get(v, part);
	return v && json_is_number(v) ? json_number_value(v) : -1;
}

void cmon_series_read(const json_t *history, const char *name, double scale,
		      struct cmon_series *out)
{
	const json_t *series = json_object_get(history, "series");
	const json_t *avg = json_object_get(history, "avg");
	size_t i, k, col = (size_t)-1;
	json_t *s, *row;

	out->n = 0;
	json_array_foreach(series, i, s)
		if (json_is_string(s) && !strcmp(json_string_value(s), name))
			col = i;
	if (col == (size_t)-1)
		return;
	k = json_array_size(avg) > CMON_POINTS ? json_array_size(avg) - CMON_POINTS : 0;
	for (; k < json_array_size(avg); k++) {
		json_t *v;

		row = json_array_get(avg, k);
		v = json_array_get(row, col);
		out->v[out->n++] = v && json_is_number(v) ? json_number_value(v) * scale : NAN;
	}
}

static size_t read_alerts(const json_t *arr, struct cmon_alert *out, size_t *total)
{
	size_t i, n = 0;
	json_t *a;

	json_array_foreach(arr, i, a) {
		if (n == CMON_ALERTS)
			break;
		snprintf(out[n].level, sizeof(out[n].level), "%s", jget_str(a, "level", "?"));
		snprintf(out[n].text, sizeof(out[n].text), "%s", jget_str(a, "message", ""));
		n++;
	}
	if (total)
		*total = json_array_size(arr);
	return n;
}

void cmon_init(struct cmon *m)
{
	memset(m, 0, sizeof(*m));
	m->ready_warn = 5;
	m->ready_crit = 10;
}

void cmon_free(struct cmon *m)
{
	free(m->vms);
	cmon_init(m);
}

void cmon_update(struct cmon *m, const json_t *s)
{
	static const char *const psi[3] = { "cpu", "memory", "io" };
	const json_t *vms = jget_arr(s, "vms");
	size_t i;
	json_t *v;
	char path[64];

	m->loaded = 1;
	m->cpu_pct = num(s, "cpu_pct");
	m->steal_pct = num(s, "cpu_modes_pct.steal");
	m->iowait_pct = num(s, "cpu_modes_pct.iowait");
	m->mem_total_mib = jget_int(s, "memory.total_mib", 0);
	m->mem_available_mib = jget_int(s, "memory.available_mib", 0);
	m->swap_configured = jget_bool(s, "swap.configured", 0);
	m->swap_total_mib = jget_int(s, "swap.total_mib", 0);
	m->swap_used_mib = jget_int(s, "swap.used_mib", 0);
	m->swap_in_ps = num(s, "swap.in_pages_per_s");
	m->swap_out_ps = num(s, "swap.out_pages_per_s");
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "pressure.%s.some_avg10", psi[i]);
		m->psi_some[i] = num(s, path);
		snprintf(path, sizeof(path), "pressure.%s.full_avg10", psi[i]);
		m->psi_full[i] = num(s, path);
	}
	m->nalerts = read_alerts(json_object_get(s, "alerts"), m->alerts, &m->alerts_total);
	if (num(s, "thresholds.ready_warn_pct") > 0)
		m->ready_warn = num(s, "thresholds.ready_warn_pct");
	if (num(s, "thresholds.ready_crit_pct") > 0)
		m->ready_crit = num(s, "thresholds.ready_crit_pct");
	free(m->vms);
	m->vms = xcalloc(json_array_size(vms) + 1, sizeof(*m->vms));
	m->nvms = 0;
	json_array_foreach(vms, i, v) {
		struct cmon_vm *x = &m->vms[m->nvms++];

		snprintf(x->name, sizeof(x->name), "%s", jget_str(v, "name", ""));
		x->ready_pct = num(v, "ready_pct");
		x->ready_max_pct = num(v, "ready_max_pct");
		x->guest_used_mib = num(v, "guest_used_mib");
		x->balloon_mib = num(v, "balloon_mib");
	}
}

void cmon_history(struct cmon *m, const json_t *h, int64_t now_ms)
{
	struct cmon_series *mem = &m->hist[CMON_H_MEM], in;
	size_t i;

	m->hist_ms = now_ms;
	cmon_series_read(h, "cpu_pct", 1, &m->hist[CMON_H_CPU]);
	cmon_series_read(h, "steal_pct", 1, &m->hist[CMON_H_STEAL]);
	cmon_series_read(h, "memory_available_mib", 1, mem);
	for (i = 0; i < mem->n; i++)   /* available -> used, in % */
		mem->v[i] = m->mem_total_mib > 0 && !isnan(mem->v[i])
			? 100.0 * (1.0 - mem->v[i] / (double)m->mem_total_mib) : NAN;
	cmon_series_read(h, "swap_in_pages_per_s", 1, &in);
	cmon_series_read(h, "swap_out_pages_per_s", 1, &m->hist[CMON_H_SWAPIO]);
	for (i = 0; i < m->hist[CMON_H_SWAPIO].n && i < in.n; i++)
		m->hist[CMON_H_SWAPIO].v[i] += isnan(in.v[i]) ? 0 : in.v[i];
	cmon_series_read(h, "pressure_memory_pct", 1, &m->hist[CMON_H_PSI_MEM]);
}

const struct cmon_vm *cmon_vm_find(const struct cmon *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nvms; i++)
		if (!strcmp(m->vms[i].name, name))
			return &m->vms[i];
	return NULL;
}

void cmon_detail_open(struct cmon_detail *d, const char *name)
{
	int day = d->day;

	memset(d, 0, sizeof(*d));
	d->day = day;
	snprintf(d->name, sizeof(d->name), "%s", name);
}

/* The sum of two series, point by point (gaps in both stay gaps). */
static void series_sum(const json_t *h, const char *a, const char *b, struct cmon_series *out)
{
	struct cmon_series y;
	size_t i;

	cmon_series_read(h, a, 1, out);
	cmon_series_read(h, b, 1, &y);
	for (i = 0; i < out->n && i < y.n; i++) {
		if (isnan(out->v[i]))
			out->v[i] = y.v[i];
		else if (!isnan(y.v[i]))
			out->v[i] += y.v[i];
	}
}

void cmon_detail_update(struct cmon_detail *d, const json_t *s, int64_t now_ms)
{
	const json_t *h = json_object_get(s, "history");
	size_t i;
	json_t *v;

	d->loaded = 1;
	snprintf(d->state, sizeof(d->state), "%s", jget_str(s, "state", "?"));
	d->running = jget_bool(s, "running", 0);
	d->cpu_pct = num(s, "cpu_pct");
	d->ready_pct = num(s, "ready_pct");
	d->ready_max_pct = num(s, "ready_max_pct");
	d->rss_mib = num(s, "rss_mib");
	d->max_mib = num(s, "memory.max_mib");
	d->balloon_mib = num(s, "memory.balloon_mib");
	d->guest_known = jget_obj(s, "memory.guest") != NULL;
	d->guest_stale = jget_bool(s, "memory.guest.stale", 0);
	d->guest_total_mib = num(s, "memory.guest.total_mib");
	d->guest_used_mib = num(s, "memory.guest.used_mib");
	d->guest_available_mib = num(s, "memory.guest.available_mib");
	d->guest_caches_mib = num(s, "memory.guest.disk_caches_mib");
	d->nvcpus = d->ndisks = d->nnics = 0;
	json_array_foreach(json_object_get(s, "vcpus"), i, v) {
		if (d->nvcpus == CMON_ITEMS)
			break;
		snprintf(d->vcpus[d->nvcpus].name, sizeof(d->vcpus[0].name), "vCPU %lld",
			 jget_int(v, "index", 0));
		d->vcpus[d->nvcpus++].a = num(v, "ready_pct");
	}
	json_array_foreach(json_object_get(s, "disks"), i, v) {
		struct cmon_item *x;

		if (d->ndisks == CMON_ITEMS)
			break;
		x = &d->disks[d->ndisks++];
		snprintf(x->name, sizeof(x->name), "%s", jget_str(v, "device", "?"));
		x->a = num(v, "read_bytes_per_s");
		x->b = num(v, "write_bytes_per_s");
		x->c = num(v, "read_latency_ms");
		x->d = num(v, "write_latency_ms");
	}
	json_array_foreach(json_object_get(s, "nics"), i, v) {
		struct cmon_item *x;

		if (d->nnics == CMON_ITEMS)
			break;
		x = &d->nics[d->nnics++];
		snprintf(x->name, sizeof(x->name), "%s", jget_str(v, "interface", "?"));
		x->a = num(v, "rx_bytes_per_s");
		x->b = num(v, "tx_bytes_per_s");
		x->c = num(v, "rx_drops");
		x->d = num(v, "tx_drops");
	}
	d->nalerts = read_alerts(json_object_get(s, "alerts"), d->alerts, NULL);
	if (!h || !json_is_object(h))
		return;
	d->hist_ms = now_ms;
	cmon_series_read(h, "cpu_pct", 1, &d->hist[CMON_V_CPU]);
	cmon_series_read(h, "ready_max_pct", 1, &d->hist[CMON_V_READY]);
	cmon_series_read(h, "guest_used_mib", 1, &d->hist[CMON_V_MEM]);
	series_sum(h, "disk_read_bytes_per_s", "disk_write_bytes_per_s", &d->hist[CMON_V_DISK]);
	series_sum(h, "net_rx_bytes_per_s", "net_tx_bytes_per_s", &d->hist[CMON_V_NET]);
}

static const char *gib(double mib, char *buf, size_t len)
{
	if (mib >= 1024)
		snprintf(buf, len, "%.1fG", mib / 1024);
	else
		snprintf(buf, len, "%.0fM", mib < 0 ? 0 : mib);
	return buf;
}

/* "12.5%" or "-" */
static const char *pct(double v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", v);
	return buf;
}

static struct cmon_line *line(struct cmon_line *out, int *n, const char *label,
			      const struct cmon_series *spark, double max)
{
	struct cmon_line *l = &out[(*n)++];

	memset(l, 0, sizeof(*l));
	l->label = label;
	l->spark = spark;
	l->spark_max = max;
	return l;
}

int cmon_host_lines(const struct cmon *m, struct cmon_line *out)
{
	char a[24], b[24], c[24];
	struct cmon_line *l;
	double used = (double)(m->mem_total_mib - m->mem_available_mib);
	int n = 0;
	size_t i;

	l = line(out, &n, "CPU", &m->hist[CMON_H_CPU], 100);
	snprintf(l->text, sizeof(l->text), "%s busy, steal %s, iowait %s",
		 pct(m->cpu_pct, a, sizeof(a)), pct(m->steal_pct, b, sizeof(b)),
		 pct(m->iowait_pct, c, sizeof(c)));
	l->warn = m->steal_pct >= 10;
	l = line(out, &n, "Memory", &m->hist[CMON_H_MEM], 100);
	snprintf(l->text, sizeof(l->text), "%s of %s used (%.0f%%)", gib(used, a, sizeof(a)),
		 gib((double)m->mem_total_mib, b, sizeof(b)),
		 m->mem_total_mib > 0 ? used * 100.0 / (double)m->mem_total_mib : 0.0);
	l = line(out, &n, "Swap", &m->hist[CMON_H_SWAPIO], 0);
	if (!m->swap_configured)
		snprintf(l->text, sizeof(l->text), "no swap");
	else
		snprintf(l->text, sizeof(l->text), "%s of %s used, si %.0f so %.0f pages/s",
			 gib((double)m->swap_used_mib, a, sizeof(a)),
			 gib((double)m->swap_total_mib, b, sizeof(b)),
			 m->swap_in_ps < 0 ? 0 : m->swap_in_ps, m->swap_out_ps < 0 ? 0 : m->swap_out_ps);
	l->warn = m->swap_in_ps > 0 || m->swap_out_ps > 0;
	l = line(out, &n, "Pressure", &m->hist[CMON_H_PSI_MEM], 0);
	snprintf(l->text, sizeof(l->text), "cpu %s mem %s io %s", pct(m->psi_some[0], a, sizeof(a)),
		 pct(m->psi_some[1], b, sizeof(b)), pct(m->psi_some[2], c, sizeof(c)));
	l->warn = m->psi_some[1] >= 10;
	l = line(out, &n, "Alerts", NULL, 0);
	if (!m->alerts_total) {
		snprintf(l->text, sizeof(l->text), "none");
		return n;
	}
	snprintf(l->text, sizeof(l->text), "%zu active", m->alerts_total);
	l->warn = 1;
	for (i = 0; i < m->nalerts; i++) {
		l = line(out, &n, "", NULL, 0);
		l->warn = strcmp(m->alerts[i].level, "critical") ? 1 : 2;
		snprintf(l->text, sizeof(l->text), "%s: %s", m->alerts[i].level, m->alerts[i].text);
	}
	return n;
}
