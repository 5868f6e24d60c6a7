/*
 * The Prometheus exposition (metrics.h).  Each family is written whole
 * (HELP, TYPE, then every sample), as the format wants; families over VMs
 * loop over the VMs sorted by name.
 */
#include "core/metrics.h"
#include "core/alerts.h"
#include "core/balloon.h"
#include "core/daemon.h"
#include "core/model.h"
#include "core/monitor.h"
#include "core/pool_usage.h"
#include "core/pool_watch.h"
#include "core/pools.h"
#include "core/qmp.h"
#include "core/sampler.h"
#include "core/service.h"
#include "core/vm.h"
#include "common/netd_proto.h"
#include "common/xalloc.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mx {
	FILE *f;
	struct croftd *d;
	const struct model *m;
	struct vm **vms;             /* defined, by name */
	size_t nvms;
	double hz;
};

static void family(struct mx *x, const char *name, const char *type, const char *help)
{
	fprintf(x->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, escaped as the format says. */
static void label(FILE *f, const char *key, const char *v, int first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", key);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static void num(FILE *f, double v)
{
	if (v == (double)(int64_t)v && v < 9e15 && v > -9e15)
		fprintf(f, " %" PRId64 "\n", (int64_t)v);
	else
		fprintf(f, " %.9g\n", v);
}

static void plain(struct mx *x, const char *name, double v)
{
	fputs(name, x->f);
	num(x->f, v);
}

/* name{vm="..."[,k2="v2"]} v */
static void vm_sample(struct mx *x, const char *name, const struct vm *vm, const char *k2,
		      const char *v2, double v)
{
	fprintf(x->f, "%s{", name);
	label(x->f, "vm", vm->spec.name, 1);
	if (k2)
		label(x->f, k2, v2, 0);
	fputc('}', x->f);
	num(x->f, v);
}

/* --- the host --------------------------------------------------------------- */

static void host_metrics(struct mx *x)
{
	const struct model_host *h = &x->m->host;
	static const char *const psi_help[MODEL_NPSI][2] = {
		{ "Time some tasks waited for a CPU (PSI some).", NULL },
		{ "Time some tasks waited for memory (PSI some).",
		  "Time all non-idle tasks stalled on memory (PSI full)." },
		{ "Time some tasks waited for I/O (PSI some).",
		  "Time all non-idle tasks stalled on I/O (PSI full)." },
	};
	int i;

	if (!h->sampled_ms)
		return;
	family(x, "croft_host_cpu_seconds_total", "counter",
	       "Time the host's CPUs spent in each mode, all CPUs together.");
	for (i = 0; i < PROCFS_CPU_NMODES; i++) {
		fputs("croft_host_cpu_seconds_total{", x->f);
		label(x->f, "mode", procfs_cpu_mode_names[i], 1);
		fputc('}', x->f);
		num(x->f, (double)h->cpu_modes[i] / x->hz);
	}
	family(x, "croft_host_cpus", "gauge", "Online CPUs.");
	plain(x, "croft_host_cpus", h->cpus);
	family(x, "croft_host_load1", "gauge", "1-minute load average.");
	plain(x, "croft_host_load1", h->load[0]);
	family(x, "croft_host_load5", "gauge", "5-minute load average.");
	plain(x, "croft_host_load5", h->load[1]);
	family(x, "croft_host_load15", "gauge", "15-minute load average.");
	plain(x, "croft_host_load15", h->load[2]);
	family(x, "croft_host_memory_total_bytes", "gauge", "MemTotal of /proc/meminfo.");
	plain(x, "croft_host_memory_total_bytes", (double)h->mem.total_kib * 1024);
	family(x, "croft_host_memory_available_bytes", "gauge", "MemAvailable of /proc/meminfo.");
	plain(x, "croft_host_memory_available_bytes", (double)h->mem.available_kib * 1024);
	family(x, "croft_host_swap_total_bytes", "gauge", "SwapTotal of /proc/meminfo (0: no swap).");
	plain(x, "croft_host_swap_total_bytes", (double)h->mem.swap_total_kib * 1024);
	family(x, "croft_host_swap_free_bytes", "gauge", "SwapFree of /proc/meminfo.");
	plain(x, "croft_host_swap_free_bytes", (double)h->mem.swap_free_kib * 1024);
	if (h->vmstat_known) {
		family(x, "croft_host_vmstat_pswpin_total", "counter",
		       "Pages swapped in (pswpin of /proc/vmstat).");
		plain(x, "croft_host_vmstat_pswpin_total", (double)h->pswpin);
		family(x, "croft_host_vmstat_pswpout_total", "counter",
		       "Pages swapped out (pswpout of /proc/vmstat).");
		plain(x, "croft_host_vmstat_pswpout_total", (double)h->pswpout);
	}
	for (i = 0; i < MODEL_NPSI; i++) {
		char name[96];

		if (!h->psi[i].known)
			continue;
		snprintf(name, sizeof(name), "croft_host_pressure_%s_waiting_seconds_total",
			 model_psi_names[i]);
		family(x, name, "counter", psi_help[i][0]);
		plain(x, name, (double)h->psi[i].some_total_us / 1e6);
		if (!psi_help[i][1] || !h->psi[i].full_known)
			continue;
		snprintf(name, sizeof(name), "croft_host_pressure_%s_stalled_seconds_total",
			 model_psi_names[i]);
		family(x, name, "counter", psi_help[i][1]);
		plain(x, name, (double)h->psi[i].full_total_us / 1e6);
	}
	if (h->ksm.known) {
		family(x, "croft_host_ksm_run", "gauge", "KSM's run setting (0 off, 1 on, 2 unmerge).");
		plain(x, "croft_host_ksm_run", (double)h->ksm.run);
		family(x, "croft_host_ksm_pages_shared", "gauge", "KSM pages in use, shared.");
		plain(x, "croft_host_ksm_pages_shared", (double)h->ksm.pages_shared);
		family(x, "croft_host_ksm_pages_sharing", "gauge", "Pages KSM saves by sharing.");
		plain(x, "croft_host_ksm_pages_sharing", (double)h->ksm.pages_sharing);
		family(x, "croft_host_ksm_pages_unshared", "gauge", "Pages KSM checks, unique.");
		plain(x, "croft_host_ksm_pages_unshared", (double)h->ksm.pages_unshared);
		family(x, "croft_host_ksm_pages_volatile", "gauge", "Pages changing too fast to merge.");
		plain(x, "croft_host_ksm_pages_volatile", (double)h->ksm.pages_volatile);
		family(x, "croft_host_ksm_full_scans_total", "counter", "KSM's full scans.");
		plain(x, "croft_host_ksm_full_scans_total", (double)h->ksm.full_scans);
	}
}

/* Each pool: the default one from the model (the sampler's figures),
 * the others as the pool watch last measured them. */
static void pool_metrics(struct mx *x, const struct model_host *h)
{
	static const struct { const char *name, *help; } pf[] = {
		{ "croft_pool_size_bytes", "Size of the pool's file system." },
		{ "croft_pool_available_bytes", "Space left on the pool's file system." },
		{ "croft_pool_allocated_bytes", "Space croft's disks in the pool hold." },
	};
	size_t n = x->d && x->d->pools ? pools_count(x->d->pools) : 0, i, k;
	struct pool_usage u;

	for (i = 0; i < 3; i++) {
		int said = 0;

		if (h->pool.known) {
			double v[3] = { (double)h->pool.size_bytes, (double)h->pool.avail_bytes,
					(double)h->pool.allocated_bytes };

			family(x, pf[i].name, "gauge", pf[i].help);
			said = 1;
			fprintf(x->f, "%s{pool=\"default\"}", pf[i].name);
			num(x->f, v[i]);
		}
		for (k = 0; k < n; k++) {
			const char *name = pools_name(x->d->pools, k);
			double v[3];

			if (!strcmp(name, "default") || pool_watch_usage(x->d, name, &u) < 0)
				continue;
			v[0] = (double)u.capacity;
			v[1] = (double)u.free;
			v[2] = (double)u.allocated;
			if (!said++)
				family(x, pf[i].name, "gauge", pf[i].help);
			fprintf(x->f, "%s{", pf[i].name);
			label(x->f, "pool", name, 1);
			fputc('}', x->f);
			num(x->f, v[i]);
		}
	}
}

/* --- VMs ---------------------------------------------------------------------- */

static const struct model_vm *mvm(struct mx *x, const struct vm *vm)
{
	return model_vm(x->m, vm->spec.id);
}

static void vm_info(struct mx *x)
{
	size_t i;

	family(x, "croft_vm_info", "gauge", "A defined VM: its uuid and state (always 1).");
	for (i = 0; i < x->nvms; i++) {
		fputs("croft_vm_info{", x->f);
		label(x->f, "vm", x->vms[i]->spec.name, 1);
		label(x->f, "uuid", x->vms[i]->spec.uuid ? x->vms[i]->spec.uuid : "", 0);
		label(x->f, "state", vm_state_name(x->vms[i]->state), 0);
		fputs("} 1\n", x->f);
	}
	family(x, "croft_vm_vcpus", "gauge", "vCPUs configured.");
	for (i = 0; i < x->nvms; i++)
		vm_sample(x, "croft_vm_vcpus", x->vms[i], NULL, NULL, x->vms[i]->spec.vcpus);
	family(x, "croft_vm_memory_max_bytes", "gauge", "Memory configured (the balloon's maximum).");
	for (i = 0; i < x->nvms; i++)
		vm_sample(x, "croft_vm_memory_max_bytes", x->vms[i], NULL, NULL,
			  (double)x->vms[i]->spec.memory_mib * 1048576);
}

static void vm_process(struct mx *x)
{
	size_t i, k;

	family(x, "croft_vm_cpu_seconds_total", "counter", "CPU time of the VM's QEMU process.");
	for (i = 0; i < x->nvms; i++) {
		const struct model_proc *p = model_proc_of(x->m, x->vms[i]->spec.id, x->vms[i]->pid);

		if (p)
			vm_sample(x, "croft_vm_cpu_seconds_total", x->vms[i], NULL, NULL,
				  (double)p->cpu_ms / 1000);
	}
	family(x, "croft_vm_rss_bytes", "gauge", "Resident memory of the VM's QEMU on the host.");
	for (i = 0; i < x->nvms; i++) {
		const struct model_proc *p = model_proc_of(x->m, x->vms[i]->spec.id, x->vms[i]->pid);

		if (p)
			vm_sample(x, "croft_vm_rss_bytes", x->vms[i], NULL, NULL, (double)p->rss_bytes);
	}
	for (k = 0; k < 2; k++) {
		const char *name = k ? "croft_vm_vcpu_delay_seconds_total" : "croft_vm_vcpu_time_seconds_total";

		family(x, name, "counter", k ? "Time the vCPU thread waited on a run queue (CPU ready)."
					     : "Time the vCPU thread ran.");
		for (i = 0; i < x->nvms; i++) {
			const struct model_vcpu *v;
			size_t n, j;

			v = model_vcpus_of(x->m, x->vms[i]->spec.id, x->vms[i]->pid, &n);
			for (j = 0; v && j < n; j++) {
				char idx[16];

				snprintf(idx, sizeof(idx), "%u", v[j].index);
				vm_sample(x, name, x->vms[i], "vcpu", idx,
					  (double)(k ? v[j].delay_ns : v[j].run_ns) / 1e9);
			}
		}
	}
}

static void vm_memory(struct mx *x)
{
	static const struct { const char *name, *type, *help; size_t off; } g[] = {
		{ "croft_vm_guest_memory_total_bytes", "gauge", "Memory the guest sees.",
		  offsetof(struct model_guest_mem, total) },
		{ "croft_vm_guest_memory_free_bytes", "gauge", "Memory the guest has free.",
		  offsetof(struct model_guest_mem, free) },
		{ "croft_vm_guest_memory_available_bytes", "gauge",
		  "Memory the guest could use without swapping.",
		  offsetof(struct model_guest_mem, available) },
		{ "croft_vm_guest_memory_disk_caches_bytes", "gauge", "The guest's page cache.",
		  offsetof(struct model_guest_mem, disk_caches) },
		{ "croft_vm_guest_swap_in_bytes_total", "counter", "Bytes the guest swapped in.",
		  offsetof(struct model_guest_mem, swap_in) },
		{ "croft_vm_guest_swap_out_bytes_total", "counter", "Bytes the guest swapped out.",
		  offsetof(struct model_guest_mem, swap_out) },
		{ "croft_vm_guest_major_faults_total", "counter", "The guest's major page faults.",
		  offsetof(struct model_guest_mem, major_faults) },
	};
	size_t i, k;

	family(x, "croft_vm_balloon_actual_bytes", "gauge", "Memory the balloon leaves the guest.");
	for (i = 0; i < x->nvms; i++) {
		const struct model_balloon *b = model_balloon_of(x->m, x->vms[i]->spec.id, x->vms[i]->pid);

		if (b && b->sampled_ms)
			vm_sample(x, "croft_vm_balloon_actual_bytes", x->vms[i], NULL, NULL,
				  (double)b->actual_mib * 1048576);
	}
	family(x, "croft_vm_guest_stats_stale", "gauge",
	       "1 when the guest stopped updating its balloon statistics.");
	for (i = 0; i < x->nvms; i++) {
		const struct model_balloon *b = model_balloon_of(x->m, x->vms[i]->spec.id, x->vms[i]->pid);

		if (b && b->guest.known)
			vm_sample(x, "croft_vm_guest_stats_stale", x->vms[i], NULL, NULL, b->guest.stale);
	}
	for (k = 0; k < sizeof(g) / sizeof(g[0]); k++) {
		family(x, g[k].name, g[k].type, g[k].help);
		for (i = 0; i < x->nvms; i++) {
			const struct model_balloon *b =
				model_balloon_of(x->m, x->vms[i]->spec.id, x->vms[i]->pid);
			uint64_t v;

			if (!b || !b->guest.known || b->guest.stale)
				continue;
			memcpy(&v, (const char *)&b->guest + g[k].off, sizeof(v));
			if (v != UINT64_MAX)
				vm_sample(x, g[k].name, x->vms[i], NULL, NULL, (double)v);
		}
	}
}

static void vm_block(struct mx *x)
{
	static const struct { const char *name, *help; size_t off; double scale; } b[] = {
		{ "croft_vm_block_read_bytes_total", "Bytes read from the disk.",
		  offsetof(struct model_blk, rd_bytes), 1 },
		{ "croft_vm_block_write_bytes_total", "Bytes written to the disk.",
		  offsetof(struct model_blk, wr_bytes), 1 },
		{ "croft_vm_block_read_requests_total", "Read operations.",
		  offsetof(struct model_blk, rd_ops), 1 },
		{ "croft_vm_block_write_requests_total", "Write operations.",
		  offsetof(struct model_blk, wr_ops), 1 },
		{ "croft_vm_block_read_time_seconds_total", "Time reads took, all together.",
		  offsetof(struct model_blk, rd_time_ns), 1e-9 },
		{ "croft_vm_block_write_time_seconds_total", "Time writes took, all together.",
		  offsetof(struct model_blk, wr_time_ns), 1e-9 },
	};
	size_t i, j, k;

	for (k = 0; k < sizeof(b) / sizeof(b[0]); k++) {
		family(x, b[k].name, "counter", b[k].help);
		for (i = 0; i < x->nvms; i++) {
			const struct model_blk *d;
			size_t n;

			d = model_blks_of(x->m, x->vms[i]->spec.id, x->vms[i]->pid, &n);
			for (j = 0; d && j < n; j++) {
				uint64_t v;

				memcpy(&v, (const char *)&d[j] + b[k].off, sizeof(v));
				vm_sample(x, b[k].name, x->vms[i], "device", d[j].name,
					  (double)v * b[k].scale);
			}
		}
	}
}

static void vm_net(struct mx *x)
{
	static const struct { const char *name, *help; size_t off; } nf[] = {
		{ "croft_vm_interface_receive_bytes_total", "Bytes the guest received.",
		  offsetof(struct model_netstat, rx_bytes) },
		{ "croft_vm_interface_receive_packets_total", "Packets the guest received.",
		  offsetof(struct model_netstat, rx_packets) },
		{ "croft_vm_interface_receive_drops_total", "Packets for the guest dropped.",
		  offsetof(struct model_netstat, rx_drops) },
		{ "croft_vm_interface_transmit_bytes_total", "Bytes the guest sent.",
		  offsetof(struct model_netstat, tx_bytes) },
		{ "croft_vm_interface_transmit_packets_total", "Packets the guest sent.",
		  offsetof(struct model_netstat, tx_packets) },
		{ "croft_vm_interface_transmit_drops_total", "Packets from the guest dropped.",
		  offsetof(struct model_netstat, tx_drops) },
	};
	size_t i, j, k;

	for (k = 0; k < sizeof(nf) / sizeof(nf[0]); k++) {
		family(x, nf[k].name, "counter", nf[k].help);
		for (i = 0; i < x->nvms; i++) {
			const struct model_vm *v = mvm(x, x->vms[i]);

			for (j = 0; v && x->vms[i]->pid > 0 && j < v->nnetstats; j++) {
				uint64_t val;

				memcpy(&val, (const char *)&v->netstats[j] + nf[k].off, sizeof(val));
				vm_sample(x, nf[k].name, x->vms[i], "interface", v->netstats[j].ifname,
					  (double)val);
			}
		}
	}
}

static void alert_metrics(struct mx *x, const struct alerts *a)
{
	const struct alert *al[256];
	size_t n = a ? alerts_active(a, al, 256) : 0, i;

	family(x, "croft_alerts_active", "gauge", "Active alerts, by kind, subject, key and level.");
	for (i = 0; i < n; i++) {
		fputs("croft_alerts_active{", x->f);
		label(x->f, "alert", al[i]->kind, 1);
		label(x->f, "subject", al[i]->subject, 0);
		label(x->f, "key", al[i]->key, 0);
		label(x->f, "level", alerts_level_name(al[i]->level), 0);
		fputs("} 1\n", x->f);
	}
}

/* One of croftd's own CPU families: per ticking service and QMP's I/O,
 * its CPU seconds (calls 0) or how many times it ran (calls 1). */
static void croftd_cpu_family(struct mx *x, const char *name, int calls, const char *help)
{
	const char *part;
	uint64_t v[2];
	size_t i;

	family(x, name, "counter", help);
	for (i = 0; service_tick_cpu(x->d->services, i, &part, &v[0], &v[1]) == 0; i++) {
		fprintf(x->f, "%s{", name);
		label(x->f, "part", part, 1);
		fputc('}', x->f);
		num(x->f, calls ? (double)v[1] : (double)v[0] / 1e9);
	}
	sampler_vm_cpu(x->d->sampler, &v[0], &v[1]);
	fprintf(x->f, "%s{part=\"sampler-vm\"}", name);
	num(x->f, calls ? (double)v[1] : (double)v[0] / 1e9);
	monitor_vm_cpu(x->d, &v[0], &v[1]);
	fprintf(x->f, "%s{part=\"monitor-vm\"}", name);
	num(x->f, calls ? (double)v[1] : (double)v[0] / 1e9);
	qmp_cpu_total(&v[0], &v[1]);
	fprintf(x->f, "%s{part=\"qmp\"}", name);
	num(x->f, calls ? (double)v[1] : (double)v[0] / 1e9);
}

/* croftd's own CPU time: each ticking service's ticks; the parts of the
 * sampler's and the monitor's spent on VMs with a QEMU (counted in theirs
 * too); QMP's I/O (the sampler's answers come through it). */
static void croftd_cpu(struct mx *x)
{
	if (!x->d->services)
		return;
	croftd_cpu_family(x, "croft_croftd_cpu_seconds_total", 0,
			  "croftd's own CPU time, by part: a service's ticks, or QMP's reading and writing.");
	croftd_cpu_family(x, "croft_croftd_calls_total", 1,
			  "How many times each part of croft_croftd_cpu_seconds_total ran.");
}

static int by_name(const void *a, const void *b)
{
	const struct vm *const *x = a, *const *y = b;

	return strcmp((*x)->spec.name, (*y)->spec.name);
}

char *metrics_text(struct croftd *d, const struct alerts *alerts)
{
	static const struct model none;
	struct mx x = { 0 };
	char *text = NULL;
	size_t len = 0, n = 0;
	long hz = sysconf(_SC_CLK_TCK);
	struct vm *vm;

	for (vm = d->vms; vm; vm = vm->next)
		n += !vm->deleted;
	x.vms = xcalloc(n + 1, sizeof(*x.vms));
	for (vm = d->vms; vm; vm = vm->next)
		if (!vm->deleted)
			x.vms[x.nvms++] = vm;
	qsort(x.vms, x.nvms, sizeof(*x.vms), by_name);
	x.m = d->model ? d->model : &none;
	x.hz = hz > 0 ? (double)hz : 100;
	x.d = d;
	x.f = open_memstream(&text, &len);
	if (!x.f)
		abort();
	host_metrics(&x);
	pool_metrics(&x, &x.m->host);
	if (d->balloon) {
		/* the balloon policy's (core/balloon.h) */
		family(&x, "croft_host_memory_budget_bytes", "gauge",
		       "What the running guests' balloons may add up to.");
		plain(&x, "croft_host_memory_budget_bytes", (double)balloon_budget_mib(d) * 1048576.0);
	}
	vm_info(&x);
	vm_process(&x);
	vm_memory(&x);
	vm_block(&x);
	vm_net(&x);
	alert_metrics(&x, alerts);
	croftd_cpu(&x);
	fclose(x.f);
	free(x.vms);
	return text;
}
