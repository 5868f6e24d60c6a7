/*
 * The VM model (console_model.h).  An update parses every VM of vm.list
 * into a struct once; CPU % compares each VM's cpu_time_ms with the
 * previous reading of the same QEMU process (same name and pid), so a
 * restarted guest starts over instead of showing a nonsense delta.
 *
 * The table's columns are plain ASCII cells of struct cvm; IP (the first
 * NIC's DHCP lease) comes last, so it is the first column a narrow
 * terminal drops; at 80 columns every column fits and NAME keeps 16 cells.
 */
#include "tui/console_model.h"
#include "tui/console_monmodel.h"
#include "tui/jfields.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void cvm_model_init(struct cvm_model *m)
{
	memset(m, 0, sizeof(*m));
}

static void free_info(struct cvm_info *v)
{
	size_t i;

	for (i = 0; i < v->ndisks; i++)
		free(v->disks[i].path);
	free(v->disks);
	free(v->nics);
}

static void free_all(struct cvm_info *vms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free_info(&vms[i]);
	free(vms);
}

void cvm_model_free(struct cvm_model *m)
{
	free_all(m->vms, m->n);
	memset(m, 0, sizeof(*m));
}

void cvm_model_clear(struct cvm_model *m)
{
	cvm_model_free(m);
}

double cvm_cpu_pct(long long cpu0_ms, int64_t t0_ms, long long cpu1_ms, int64_t t1_ms)
{
	if (cpu0_ms < 0 || cpu1_ms < 0 || t1_ms <= t0_ms || cpu1_ms < cpu0_ms)
		return -1;
	return (double)(cpu1_ms - cpu0_ms) * 100.0 / (double)(t1_ms - t0_ms);
}

static const struct jfield vm_fields[] = {
	JF_STR(struct cvm, name, "name"),
	JF_STR(struct cvm, state, "state"),
	JF_STR(struct cvm, reason, "state_reason"),
	JF_STR(struct cvm, pause_reason, "pause_reason"),
	JF_STR(struct cvm, pause_pool, "pause_pool"),
	JF_INT(struct cvm, vcpus, "vcpus", 0),
	JF_INT(struct cvm, memory_mib, "memory_mib", 0),
	JF_INT(struct cvm, memory_actual_mib, "memory_actual_mib", -1),
	JF_INT(struct cvm, uptime_s, "uptime_s", -1),
	JF_INT(struct cvm, cpu_time_ms, "cpu_time_ms", -1),
	JF_INT(struct cvm, pid, "pid", 0),
};

static const struct jfield nic_fields[] = {
	JF_STR(struct cvm_nic, net, "net"),
	JF_STR(struct cvm_nic, mac, "mac"),
	JF_STR(struct cvm_nic, ip, "ip"),
};

static void parse_nics(struct cvm_info *v, const json_t *nics)
{
	v->nics = jfields_rows(nics, sizeof(*v->nics), nic_fields, JF_COUNT(nic_fields), &v->nnics);
	if (v->nnics)
		snprintf(v->vm.ip, sizeof(v->vm.ip), "%s", v->nics[0].ip);
}

/* No lease of croft's for the first NIC (a bridged network, or no NIC):
 * the first address the guest agent reported, without its prefix. */
static void guest_ip(struct cvm_info *v, const json_t *guest)
{
	const char *a = json_string_value(json_array_get(jget_arr(guest, "addresses"), 0));

	if (!v->vm.ip[0] && a)
		snprintf(v->vm.ip, sizeof(v->vm.ip), "%.*s", (int)strcspn(a, "/"), a);
	snprintf(v->vm.guest_os, sizeof(v->vm.guest_os), "%s", jget_str(guest, "os", ""));
	snprintf(v->vm.guest_host, sizeof(v->vm.guest_host), "%s", jget_str(guest, "hostname", ""));
}

static void parse_disks(struct cvm_info *v, const json_t *disks)
{
	const json_t *o;
	size_t i;

	v->disks = xcalloc(json_array_size(disks) + 1, sizeof(*v->disks));
	json_array_foreach(disks, i, o) {
		struct cvm_disk *d = &v->disks[v->ndisks++];

		d->path = xstrdup(jget_str(o, "path", "?"));
		d->size_bytes = (uint64_t)jget_int(o, "size_bytes", 0);
		d->owned = jget_bool(o, "owned", 0);
	}
}

static void parse_vm(struct cvm_info *v, const json_t *o)
{
	jfields_read(o, &v->vm, vm_fields, JF_COUNT(vm_fields));
	v->vm.cpu_pct = -1;
	v->vm.ready_pct = v->vm.guest_used_mib = v->vm.balloon_mib = -1;
	parse_nics(v, jget_arr(o, "nics"));
	parse_disks(v, jget_arr(o, "disks"));
	guest_ip(v, jget(o, "guest"));
}

/* CPU % against the previous reading of the same QEMU. */
static void measure(struct cvm_info *v, const struct cvm_info *old, int64_t now_ms)
{
	int64_t since;

	v->base_cpu_ms = v->vm.cpu_time_ms;
	v->base_ms = now_ms;
	if (!old || old->vm.pid != v->vm.pid || v->vm.cpu_time_ms < 0)
		return;
	since = now_ms - old->base_ms;
	if (since < CVM_CPU_MIN_INTERVAL_MS ||
	    (v->vm.cpu_time_ms == old->base_cpu_ms && since < CVM_CPU_SAME_SAMPLE_MS)) {
		/* too soon after the last reading for a steady figure, or
		 * the same sample: keep it and its baseline */
		v->vm.cpu_pct = old->vm.cpu_pct;
		v->base_cpu_ms = old->base_cpu_ms;
		v->base_ms = old->base_ms;
	} else {
		v->vm.cpu_pct = cvm_cpu_pct(old->base_cpu_ms, old->base_ms, v->vm.cpu_time_ms, now_ms);
	}
}

void cvm_model_update(struct cvm_model *m, const json_t *vms, int64_t now_ms)
{
	size_t n = json_array_size(vms), i, k = 0;
	struct cvm_info *nv = xcalloc(n + 1, sizeof(*nv));

	for (i = 0; i < n; i++) {
		const json_t *o = json_array_get(vms, i);

		if (!json_is_string(jget(o, "name")))
			continue;
		parse_vm(&nv[k], o);
		measure(&nv[k], cvm_model_find(m, nv[k].vm.name), now_ms);
		k++;
	}
	free_all(m->vms, m->n);
	m->vms = nv;
	m->n = k;
	m->sampled_ms = now_ms;
}

int cvm_model_set_state(struct cvm_model *m, const char *name, const char *state)
{
	struct cvm_info *v = (struct cvm_info *)cvm_model_find(m, name);

	if (!v || !strcmp(v->vm.state, state))
		return 0;
	snprintf(v->vm.state, sizeof(v->vm.state), "%s", state);
	if (!strcmp(state, "stopped") || !strcmp(state, "crashed")) {
		v->vm.cpu_pct = -1;
		v->vm.uptime_s = -1;
	}
	return 1;
}

const struct cvm_info *cvm_model_find(const struct cvm_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->vms[i].vm.name, name))
			return &m->vms[i];
	return NULL;
}

struct cvm *cvm_model_rows(const struct cvm_model *m)
{
	struct cvm *rows;
	size_t i;

	if (!m->n)
		return NULL;
	rows = xcalloc(m->n, sizeof(*rows));
	for (i = 0; i < m->n; i++)
		rows[i] = m->vms[i].vm;
	return rows;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **cvm_model_names(const struct cvm_model *m)
{
	const char **names = xcalloc(m->n + 1, sizeof(*names));
	size_t i;

	for (i = 0; i < m->n; i++)
		names[i] = m->vms[i].vm.name;
	qsort(names, m->n, sizeof(*names), cmp_str);
	return names;
}

int cvm_is_live(const struct cvm *vm)
{
	return vm->pid > 0 || !strcmp(vm->state, "running") || !strcmp(vm->state, "paused") ||
	       !strcmp(vm->state, "starting") || !strcmp(vm->state, "shutting-down");
}

/* --- the panel ---------------------------------------------------------- */

static int vm_match(const void *row, const char *filter)
{
	const struct cvm *vm = row;

	return strcasestr(vm->name, filter) || strcasestr(vm->state, filter);
}

/* Running-ish states first, then the rest. */
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

static int vm_cmp(const void *pa, const void *pb, int sort)
{
	const struct cvm *a = pa, *b = pb;

	switch (sort) {
	case CVM_SORT_STATE:
		return state_rank(a->state) - state_rank(b->state);
	case CVM_SORT_CPU:
		return (a->cpu_pct < b->cpu_pct) - (a->cpu_pct > b->cpu_pct);
	case CVM_SORT_MEMORY:
		return (a->memory_mib < b->memory_mib) - (a->memory_mib > b->memory_mib);
	default:
		return 0;
	}
}

static const char *const vm_sorts[] = { "name", "state", "CPU %", "memory", NULL };

const struct panel_ops cvm_panel_ops = {
	.size = sizeof(struct cvm),
	PANEL_KEY_TEXT(struct cvm, name),
	.match = vm_match,
	.cmp = vm_cmp,
	.sorts = vm_sorts,
};

/* --- the columns ---------------------------------------------------------- */

static void cell_vcpus(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", ((const struct cvm *)row)->vcpus);
}

static void cell_memory(const void *row, char *buf, size_t len)
{
	const struct cvm *vm = row;

	size_format(vm->memory_mib > 0 ? (uint64_t)vm->memory_mib << 20 : 0, buf, len);
}

static void cell_cpu(const void *row, char *buf, size_t len)
{
	const struct cvm *vm = row;

	if (vm->cpu_pct < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", vm->cpu_pct > 9999 ? 9999.0 : vm->cpu_pct);
}

/* READY%: the busiest vCPU's, "-" unknown. */
static void cell_ready(const void *row, char *buf, size_t len)
{
	const struct cvm *vm = row;

	if (vm->ready_pct < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", vm->ready_pct > 100 ? 100.0 : vm->ready_pct);
}

/* MEM: guest used / balloon actual, "512M/1G"; "-" unknown. */
static void cell_mem(const void *row, char *buf, size_t len)
{
	const struct cvm *vm = row;
	char a[16], b[16];

	if (vm->balloon_mib < 0) {
		snprintf(buf, len, "-");
		return;
	}
	size_format((uint64_t)vm->balloon_mib << 20, b, sizeof(b));
	if (vm->guest_used_mib < 0)
		snprintf(buf, len, "?/%s", b);
	else
		snprintf(buf, len, "%s/%s", size_format((uint64_t)vm->guest_used_mib << 20, a, sizeof(a)),
			 b);
}

void cvm_rows_monitor(struct cvm *rows, size_t n, const struct cmon *m)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct cmon_vm *v = m ? cmon_vm_find(m, rows[i].name) : NULL;

		rows[i].ready_pct = v ? v->ready_max_pct : -1;
		rows[i].guest_used_mib = v ? v->guest_used_mib : -1;
		rows[i].balloon_mib = v ? v->balloon_mib : -1;
	}
}

void cvm_rows_memory(struct cvm *rows, size_t n, const json_t *memory)
{
	const json_t *v;
	size_t i, k;

	json_array_foreach(jget_arr(memory, "vms"), k, v) {
		const json_t *used = jget(v, "guest_used_mib"), *actual = jget(v, "actual_mib");

		if (!json_is_number(actual))
			continue;
		for (i = 0; i < n; i++) {
			if (strcmp(rows[i].name, jget_str(v, "name", "")))
				continue;
			rows[i].balloon_mib = json_number_value(actual);
			rows[i].guest_used_mib = json_is_number(used) ? json_number_value(used) : -1;
		}
	}
}

static void cell_uptime(const void *row, char *buf, size_t len)
{
	ctable_uptime(((const struct cvm *)row)->uptime_s, buf, len);
}

const struct ctable_col console_vm_cols[] = {
	{ "NAME", 12, CVM_NAME_LEN - 1, 0, CTABLE_TEXT(struct cvm, name) },
	{ "STATE", 13, 13, 0, CTABLE_TEXT(struct cvm, state) },
	{ "VCPU", 4, 4, 1, cell_vcpus, 0 },
	{ "MEMORY", 7, 8, 1, cell_memory, 0 },
	{ "CPU%", 6, 6, 1, cell_cpu, 0 },
	{ "UPTIME", 7, 8, 1, cell_uptime, 0 },
	{ "IP", 15, 15, 0, CTABLE_TEXT(struct cvm, ip) },
	/* the monitor's, shown from 96 columns on (narrower drops them first) */
	{ "READY%", 6, 6, 1, cell_ready, 0 },
	{ "MEM", 9, 11, 1, cell_mem, 0 },
};
const size_t console_vm_ncols = sizeof(console_vm_cols) / sizeof(console_vm_cols[0]);
