/*
 * The monitor's history (history.h).  Open buckets live in a small array
 * per owner; closed ones queue as store rows until the flush.
 */
#include "core/history.h"
#include "core/balloon_policy.h"
#include "core/model.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "store/store_history.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct history_tier history_tiers[HISTORY_TIERS] = {
	{ "1h", 10 * 1000LL, 360 },
	{ "24h", 60 * 1000LL, 1440 },
	{ "31d", 30 * 60 * 1000LL, 1488 },
	{ "1y", 6 * 3600 * 1000LL, 1464 },
};

const char *const history_host_names[HISTORY_HOST_N] = {
	"cpu_pct", "steal_pct", "memory_available_mib", "swap_used_mib", "swap_in_pages_per_s",
	"swap_out_pages_per_s", "pressure_cpu_pct", "pressure_memory_pct", "pressure_io_pct",
	"load1",
};
const char *const history_vm_names[HISTORY_VM_N] = {
	"cpu_pct", "ready_pct", "ready_max_pct", "guest_used_mib", "balloon_mib", "rss_mib",
	"disk_read_bytes_per_s", "disk_write_bytes_per_s", "net_rx_bytes_per_s",
	"net_tx_bytes_per_s",
};

static double known(double v)
{
	return v < 0 ? NAN : v;
}

void history_host_values(const struct model_host *h, double out[HISTORY_HOST_N])
{
	const struct host_mem *m = &h->mem;

	out[HH_CPU_PCT] = h->sampled_ms ? known(h->cpu_pct) : NAN;
	out[HH_STEAL_PCT] = h->sampled_ms ? known(h->cpu_modes_pct[PROCFS_CPU_STEAL]) : NAN;
	out[HH_MEM_AVAILABLE_MIB] = m->total_kib ? (double)m->available_kib / 1024 : NAN;
	out[HH_SWAP_USED_MIB] = m->swap_total_kib >= m->swap_free_kib && m->swap_total_kib
		? (double)(m->swap_total_kib - m->swap_free_kib) / 1024 : NAN;
	out[HH_SWAP_IN_PPS] = h->vmstat_known ? known(h->pswpin_ps) : NAN;
	out[HH_SWAP_OUT_PPS] = h->vmstat_known ? known(h->pswpout_ps) : NAN;
	out[HH_PRESSURE_CPU_PCT] = h->psi[MODEL_PSI_CPU].known ? h->psi[MODEL_PSI_CPU].some_avg10 : NAN;
	out[HH_PRESSURE_MEMORY_PCT] = h->psi[MODEL_PSI_MEMORY].known
		? h->psi[MODEL_PSI_MEMORY].some_avg10 : NAN;
	out[HH_PRESSURE_IO_PCT] = h->psi[MODEL_PSI_IO].known ? h->psi[MODEL_PSI_IO].some_avg10 : NAN;
	out[HH_LOAD1] = h->sampled_ms ? h->load[0] : NAN;
}

void history_vm_values(const struct model_vm *v, double out[HISTORY_VM_N])
{
	const struct model_guest_mem *g = &v->balloon.guest;
	double rd = NAN, wr = NAN, rx = NAN, tx = NAN;
	size_t i;

	for (i = 0; i < v->nblks; i++) {
		if (v->blks[i].rd_bps >= 0)
			rd = (isnan(rd) ? 0 : rd) + v->blks[i].rd_bps;
		if (v->blks[i].wr_bps >= 0)
			wr = (isnan(wr) ? 0 : wr) + v->blks[i].wr_bps;
	}
	for (i = 0; i < v->nnetstats; i++) {
		if (v->netstats[i].rx_bps >= 0)
			rx = (isnan(rx) ? 0 : rx) + v->netstats[i].rx_bps;
		if (v->netstats[i].tx_bps >= 0)
			tx = (isnan(tx) ? 0 : tx) + v->netstats[i].tx_bps;
	}
	out[HV_CPU_PCT] = v->proc.pid ? known(v->proc.cpu_pct) : NAN;
	out[HV_READY_PCT] = known(v->ready_pct);
	out[HV_READY_MAX_PCT] = known(v->ready_max_pct);
	/* as the balloon policy and host.memory count it: what the balloon
	 * leaves the guest less what it could free at once */
	out[HV_GUEST_USED_MIB] = g->known && !g->stale && g->total != UINT64_MAX &&
				 g->available != UINT64_MAX
		? (double)bp_guest_used_mib(g->total, g->available,
					    v->balloon.pid ? v->balloon.actual_mib : 0, 0) : NAN;
	out[HV_BALLOON_MIB] = v->balloon.pid ? (double)v->balloon.actual_mib : NAN;
	out[HV_RSS_MIB] = v->proc.pid ? (double)v->proc.rss_bytes / (1 << 20) : NAN;
	out[HV_DISK_READ_BPS] = rd;
	out[HV_DISK_WRITE_BPS] = wr;
	out[HV_NET_RX_BPS] = rx;
	out[HV_NET_TX_BPS] = tx;
}

/* One tier's open bucket of an owner. */
struct bucket {
	int64_t index;               /* t / step; -1: empty */
	size_t n;
	double sum[STORE_HISTORY_MAX_SERIES];
	double max[STORE_HISTORY_MAX_SERIES];
	unsigned cnt[STORE_HISTORY_MAX_SERIES];
};

struct owner {
	int64_t id;
	struct bucket b[HISTORY_TIERS];
};

struct history {
	struct store *st;
	struct owner *owners;
	size_t nowners, cap;
	struct store_history_row *rows;  /* closed, not yet written */
	size_t nrows, rows_cap;
	int failing;
};

struct history *history_new(struct store *st)
{
	struct history *h = xcalloc(1, sizeof(*h));

	h->st = st;
	return h;
}

void history_free(struct history *h)
{
	if (!h)
		return;
	free(h->owners);
	free(h->rows);
	free(h);
}

static struct owner *owner_get(struct history *h, int64_t id)
{
	struct owner *o;
	size_t i;
	int t;

	for (i = 0; i < h->nowners; i++)
		if (h->owners[i].id == id)
			return &h->owners[i];
	if (h->nowners == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->owners = xrealloc(h->owners, h->cap * sizeof(*h->owners));
	}
	o = &h->owners[h->nowners++];
	memset(o, 0, sizeof(*o));
	o->id = id;
	for (t = 0; t < HISTORY_TIERS; t++)
		o->b[t].index = -1;
	return o;
}

static void bucket_close(struct history *h, int64_t owner, int tier, struct bucket *b)
{
	struct store_history_row *r;
	size_t i;

	if (h->nrows == h->rows_cap) {
		h->rows_cap = h->rows_cap ? h->rows_cap * 2 : 64;
		h->rows = xrealloc(h->rows, h->rows_cap * sizeof(*h->rows));
	}
	r = &h->rows[h->nrows++];
	memset(r, 0, sizeof(*r));
	r->owner = owner;
	r->tier = tier;
	r->slot = b->index % history_tiers[tier].slots;
	r->t_ms = b->index * history_tiers[tier].step_ms;
	r->n = b->n;
	for (i = 0; i < b->n; i++) {
		r->avg[i] = b->cnt[i] ? (float)(b->sum[i] / b->cnt[i]) : NAN;
		r->max[i] = b->cnt[i] ? (float)b->max[i] : NAN;
	}
	b->index = -1;
}

void history_add(struct history *h, int64_t owner, const double *v, size_t n, int64_t now_ms)
{
	struct owner *o = owner_get(h, owner);
	size_t i;
	int t;

	if (n > STORE_HISTORY_MAX_SERIES)
		n = STORE_HISTORY_MAX_SERIES;
	for (t = 0; t < HISTORY_TIERS; t++) {
		struct bucket *b = &o->b[t];
		int64_t index = now_ms / history_tiers[t].step_ms;

		if (b->index >= 0 && b->index != index)
			bucket_close(h, owner, t, b);
		if (b->index < 0) {
			memset(b, 0, sizeof(*b));
			b->index = index;
			b->n = n;
		}
		for (i = 0; i < n; i++) {
			if (isnan(v[i]))
				continue;
			b->sum[i] += v[i];
			if (!b->cnt[i] || v[i] > b->max[i])
				b->max[i] = v[i];
			b->cnt[i]++;
		}
	}
}

int history_flush(struct history *h)
{
	int r;

	if (!h->nrows)
		return 0;
	r = store_history_put(h->st, h->rows, h->nrows);
	if (r < 0 && !h->failing)
		log_warn("history: %zu rows lost: %s", h->nrows, store_last_error(h->st));
	else if (r == 0 && h->failing)
		log_info("history: written again");
	h->failing = r < 0;
	h->nrows = 0;
	return r;
}

void history_forget(struct history *h, int64_t owner)
{
	size_t i;

	for (i = 0; i < h->nowners; i++) {
		if (h->owners[i].id == owner) {
			h->owners[i] = h->owners[--h->nowners];
			return;
		}
	}
}

void history_retain(struct history *h, int (*keep)(int64_t id, void *data), void *data)
{
	size_t i = 0;

	while (i < h->nowners) {
		if (h->owners[i].id && !keep(h->owners[i].id, data))
			h->owners[i] = h->owners[--h->nowners];
		else
			i++;
	}
}

int history_tier_find(const char *name)
{
	int t;

	for (t = 0; name && t < HISTORY_TIERS; t++)
		if (!strcmp(history_tiers[t].range, name))
			return t;
	return -1;
}

static json_t *num_or_null(float f)
{
	double d = (double)f * 100;

	/* two decimals are what anyone reads */
	return isnan(f) ? json_null() : json_real((double)(int64_t)(d + (d < 0 ? -0.5 : 0.5)) / 100);
}

json_t *history_json(struct history *h, int64_t owner, int tier, int64_t now_ms,
		     const char *const *names, size_t n)
{
	const struct history_tier *ht = &history_tiers[tier];
	struct store_history_row *rows;
	json_t *o, *series, *ts, *avg, *max;
	size_t nrows, i, k;

	if (store_history_get(h->st, owner, tier, now_ms - ht->step_ms * ht->slots, &rows, &nrows) < 0)
		return NULL;
	series = json_array();
	for (k = 0; k < n; k++)
		json_array_append_new(series, json_string(names[k]));
	ts = json_array();
	avg = json_array();
	max = json_array();
	for (i = 0; i < nrows; i++) {
		json_t *a = json_array(), *m = json_array();

		json_array_append_new(ts, json_integer(rows[i].t_ms));
		for (k = 0; k < n; k++) {
			json_array_append_new(a, num_or_null(k < rows[i].n ? rows[i].avg[k] : NAN));
			json_array_append_new(m, num_or_null(k < rows[i].n ? rows[i].max[k] : NAN));
		}
		json_array_append_new(avg, a);
		json_array_append_new(max, m);
	}
	free(rows);
	o = json_pack("{s:s,s:I,s:o,s:o,s:o,s:o}", "range", ht->range, "step_ms",
		      (json_int_t)ht->step_ms, "series", series, "t_ms", ts, "avg", avg, "max", max);
	return o;
}
