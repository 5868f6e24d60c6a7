/*
 * The VM table model.  vms[] holds every VM in sort order; view[] the
 * indices of those that pass the filter; the selection is remembered by
 * name, so a refresh that reorders, adds or removes VMs leaves the cursor
 * on the VM the user chose.  When that VM disappears (deleted, filtered
 * out) the cursor stays on the same row number, clamped.
 */
#include "tui/console_model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"

static const char *const sort_names[CVM_SORT_COUNT] = { "name", "state", "CPU %", "memory" };

void cvm_list_init(struct cvm_list *l)
{
	memset(l, 0, sizeof(*l));
}

static void free_vms(struct cvm *vms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_decref(vms[i].json);
	free(vms);
}

void cvm_list_free(struct cvm_list *l)
{
	free_vms(l->vms, l->n);
	free(l->view);
	memset(l, 0, sizeof(*l));
}

double cvm_cpu_pct(long long cpu0_ms, int64_t t0_ms, long long cpu1_ms, int64_t t1_ms)
{
	if (cpu0_ms < 0 || cpu1_ms < 0 || t1_ms <= t0_ms || cpu1_ms < cpu0_ms)
		return -1;
	return (double)(cpu1_ms - cpu0_ms) * 100.0 / (double)(t1_ms - t0_ms);
}

double cvm_host_cpu_pct(uint64_t busy0, uint64_t total0, uint64_t busy1, uint64_t total1)
{
	if (!total0 || total1 <= total0 || busy1 < busy0)
		return -1;
	return (double)(busy1 - busy0) * 100.0 / (double)(total1 - total0);
}

static long long int_or(const json_t *o, const char *key, long long dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

static void copy_str(char *dst, size_t len, const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(dst, len, "%s", s ? s : "");
}

static int cmp_name(const struct cvm *a, const struct cvm *b)
{
	return strcmp(a->name, b->name);
}

/* Running-ish states first, then the rest, each by name. */
static int state_rank(const char *s)
{
	static const char *const order[] = { "running", "starting", "shutting-down", "paused",
					     "crashed", "stopped" };
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (!strcmp(s, order[i]))
			return (int)i;
	return (int)(sizeof(order) / sizeof(order[0]));
}

static enum cvm_sort sort_key;

static int cmp_vm(const void *pa, const void *pb)
{
	const struct cvm *a = pa, *b = pb;
	int r = 0;

	switch (sort_key) {
	case CVM_SORT_STATE:
		r = state_rank(a->state) - state_rank(b->state);
		break;
	case CVM_SORT_CPU:
		r = (a->cpu_pct < b->cpu_pct) - (a->cpu_pct > b->cpu_pct);
		break;
	case CVM_SORT_MEMORY:
		r = (a->memory_mib < b->memory_mib) - (a->memory_mib > b->memory_mib);
		break;
	case CVM_SORT_NAME:
	case CVM_SORT_COUNT:
		break;
	}
	return r ? r : cmp_name(a, b);
}

static int matches(const struct cvm *vm, const char *filter)
{
	return !*filter || strcasestr(vm->name, filter) || strcasestr(vm->state, filter);
}

/* Rebuild sort order and view; put the selection back on l->selected, or
 * on row old_row when that VM is gone. */
static void rebuild(struct cvm_list *l, size_t old_row)
{
	size_t i;

	sort_key = l->sort;
	if (l->n)
		qsort(l->vms, l->n, sizeof(*l->vms), cmp_vm);
	free(l->view);
	l->view = xcalloc(l->n + 1, sizeof(*l->view));
	l->nview = 0;
	for (i = 0; i < l->n; i++)
		if (matches(&l->vms[i], l->filter))
			l->view[l->nview++] = i;
	if (!l->nview) {
		l->sel = 0;
		l->top = 0;
		return;
	}
	for (i = 0; i < l->nview; i++) {
		if (!strcmp(l->vms[l->view[i]].name, l->selected)) {
			l->sel = i;
			return;
		}
	}
	l->sel = old_row < l->nview ? old_row : l->nview - 1;
	snprintf(l->selected, sizeof(l->selected), "%s", l->vms[l->view[l->sel]].name);
}

void cvm_list_update(struct cvm_list *l, const json_t *vms, int64_t now_ms)
{
	size_t n = json_array_size(vms), i, k = 0;
	struct cvm *nv = xcalloc(n + 1, sizeof(*nv));

	for (i = 0; i < n; i++) {
		const json_t *o = json_array_get(vms, i);
		const struct cvm *old;
		struct cvm *v = &nv[k];

		if (!json_is_string(json_object_get(o, "name")))
			continue;
		copy_str(v->name, sizeof(v->name), o, "name");
		copy_str(v->state, sizeof(v->state), o, "state");
		v->vcpus = int_or(o, "vcpus", 0);
		v->memory_mib = int_or(o, "memory_mib", 0);
		v->memory_actual_mib = int_or(o, "memory_actual_mib", -1);
		v->uptime_s = int_or(o, "uptime_s", -1);
		v->cpu_time_ms = int_or(o, "cpu_time_ms", -1);
		v->pid = int_or(o, "pid", 0);
		v->cpu_pct = -1;
		v->base_cpu_ms = v->cpu_time_ms;
		v->base_ms = now_ms;
		old = cvm_list_find(l, v->name);
		if (old && old->pid == v->pid && v->cpu_time_ms >= 0) {
			if (now_ms - old->base_ms < CVM_CPU_MIN_INTERVAL_MS) {
				/* too soon after the last reading for a steady
				 * figure: keep it and its baseline */
				v->cpu_pct = old->cpu_pct;
				v->base_cpu_ms = old->base_cpu_ms;
				v->base_ms = old->base_ms;
			} else {
				v->cpu_pct = cvm_cpu_pct(old->base_cpu_ms, old->base_ms,
							 v->cpu_time_ms, now_ms);
			}
		}
		v->json = json_incref((json_t *)o);
		k++;
	}
	free_vms(l->vms, l->n);
	l->vms = nv;
	l->n = k;
	l->sampled_ms = now_ms;
	rebuild(l, l->sel);
}

int cvm_list_set_state(struct cvm_list *l, const char *name, const char *state)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->vms[i].name, name))
			continue;
		if (!strcmp(l->vms[i].state, state))
			return 0;
		snprintf(l->vms[i].state, sizeof(l->vms[i].state), "%s", state);
		if (!strcmp(state, "stopped") || !strcmp(state, "crashed")) {
			l->vms[i].cpu_pct = -1;
			l->vms[i].uptime_s = -1;
		}
		rebuild(l, l->sel);
		return 1;
	}
	return 0;
}

void cvm_list_clear(struct cvm_list *l)
{
	free_vms(l->vms, l->n);
	l->vms = NULL;
	l->n = 0;
	l->sampled_ms = 0;
	rebuild(l, l->sel);
}

void cvm_list_set_filter(struct cvm_list *l, const char *filter)
{
	snprintf(l->filter, sizeof(l->filter), "%s", filter ? filter : "");
	rebuild(l, 0);
	/* a filter that hides the selected VM selects the first match */
	if (l->nview && strcmp(l->vms[l->view[l->sel]].name, l->selected)) {
		l->sel = 0;
		snprintf(l->selected, sizeof(l->selected), "%s", l->vms[l->view[0]].name);
	}
}

void cvm_list_set_sort(struct cvm_list *l, enum cvm_sort sort)
{
	l->sort = sort < CVM_SORT_COUNT ? sort : CVM_SORT_NAME;
	rebuild(l, l->sel);
}

const char *cvm_sort_name(enum cvm_sort sort)
{
	return sort < CVM_SORT_COUNT ? sort_names[sort] : "?";
}

void cvm_list_select_row(struct cvm_list *l, size_t row)
{
	if (!l->nview)
		return;
	l->sel = row < l->nview ? row : l->nview - 1;
	snprintf(l->selected, sizeof(l->selected), "%s", l->vms[l->view[l->sel]].name);
}

void cvm_list_move(struct cvm_list *l, long delta)
{
	long row;

	if (!l->nview)
		return;
	row = (long)l->sel + delta;
	if (row < 0)
		row = 0;
	cvm_list_select_row(l, (size_t)row);
}

void cvm_list_home(struct cvm_list *l)
{
	cvm_list_select_row(l, 0);
}

void cvm_list_end(struct cvm_list *l)
{
	if (l->nview)
		cvm_list_select_row(l, l->nview - 1);
}

int cvm_list_select(struct cvm_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nview; i++) {
		if (!strcmp(l->vms[l->view[i]].name, name)) {
			cvm_list_select_row(l, i);
			return 0;
		}
	}
	/* remember it: the VM may arrive with the next refresh */
	snprintf(l->selected, sizeof(l->selected), "%s", name);
	return -ENOENT;
}

const struct cvm *cvm_list_selected(const struct cvm_list *l)
{
	return l->nview ? &l->vms[l->view[l->sel]] : NULL;
}

const struct cvm *cvm_list_find(const struct cvm_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->vms[i].name, name))
			return &l->vms[i];
	return NULL;
}

void console_list_scroll(size_t *top, size_t sel, size_t n, size_t height)
{
	if (!height)
		height = 1;
	if (sel < *top)
		*top = sel;
	else if (sel >= *top + height)
		*top = sel - height + 1;
	if (n <= height)
		*top = 0;
	else if (*top + height > n)
		*top = n - height;
}

void cvm_list_scroll(struct cvm_list *l, size_t height)
{
	console_list_scroll(&l->top, l->sel, l->nview, height);
}
