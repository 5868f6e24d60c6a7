/*
 * The host model (console_hostmodel.h).  CPU % needs two readings some
 * jiffies apart: a reading too close to the last keeps the previous
 * figure and its baseline, so a refresh right after an event does not
 * show a noisy number; a counter that went back (a reboot) starts over.
 */
#include "tui/console_hostmodel.h"
#include "tui/jfields.h"
#include "common/json_get.h"
#include "common/validate.h"

#include <stdio.h>
#include <string.h>

#define H struct chost

static const struct jfield host_fields[] = {
	JF_STR(H, hostname, "hostname"),
	JF_STR(H, version, "version"),
	JF_INT(H, cpus, "cpus", 0),
	JF_INT(H, memory_total_mib, "memory_total_mib", 0),
	JF_INT(H, memory_available_mib, "memory_available_mib", 0),
	JF_INT(H, swap_total_mib, "swap_total_mib", 0),
	JF_INT(H, swap_free_mib, "swap_free_mib", 0),
	JF_INT(H, vms_total, "vms_total", 0),
	JF_INT(H, vms_running, "vms_running", 0),
	JF_INT(H, vcpus_running, "vcpus_running", 0),
	JF_STR(H, accel_setting, "accel.setting"),
	JF_STR(H, accel_source, "accel.source"),
	JF_STR(H, accel_effective, "accel.effective"),
	JF_STR(H, accel_reason, "accel.reason"),
	JF_BOOL(H, accel_usable, "accel.usable", 1),
	JF_STR(H, qemu_binary, "qemu.binary"),
	JF_STR(H, qemu_version, "qemu.version"),
	JF_STR(H, qemu_user, "qemu_user"),
	JF_STR(H, state_dir, "state_dir"),
	JF_STR(H, run_dir, "run_dir"),
};

void chost_init(struct chost *h)
{
	memset(h, 0, sizeof(*h));
	h->cpu_pct = -1;
}

void chost_clear(struct chost *h)
{
	chost_init(h);
}

double chost_cpu_pct(uint64_t busy0, uint64_t total0, uint64_t busy1, uint64_t total1)
{
	if (!total0 || total1 <= total0 || busy1 < busy0)
		return -1;
	return (double)(busy1 - busy0) * 100.0 / (double)(total1 - total0);
}

static void read_cpu(struct chost *h, uint64_t busy, uint64_t total)
{
	double pct;

	if (h->cpu_total && total <= h->cpu_total + CHOST_MIN_JIFFIES && total >= h->cpu_total)
		return;
	pct = chost_cpu_pct(h->cpu_busy, h->cpu_total, busy, total);
	if (pct >= 0 || total < h->cpu_total)
		h->cpu_pct = pct;
	h->cpu_busy = busy;
	h->cpu_total = total;
}

void chost_update(struct chost *h, const json_t *info)
{
	h->loaded = 1;
	jfields_read(info, h, host_fields, JF_COUNT(host_fields));
	read_cpu(h, (uint64_t)jget_int(info, "cpu_busy_jiffies", 0),
		 (uint64_t)jget_int(info, "cpu_total_jiffies", 0));
}

enum chost_accel chost_accel(const struct chost *h)
{
	if (!strcmp(h->accel_effective, "kvm"))
		return h->accel_usable ? CHOST_KVM : CHOST_KVM_UNUSABLE;
	return !strcmp(h->accel_setting, "tcg") ? CHOST_TCG_SET : CHOST_TCG_FALLBACK;
}

const char *chost_accel_text(enum chost_accel a)
{
	static const char *const text[] = {
		[CHOST_KVM] = "KVM",
		[CHOST_KVM_UNUSABLE] = "KVM NOT USABLE",
		[CHOST_TCG_SET] = "TCG (set)",
		[CHOST_TCG_FALLBACK] = "TCG (KVM not usable)",
	};

	return text[a];
}

int chost_accel_warn(const struct chost *h)
{
	return chost_accel(h) != CHOST_KVM;
}

static uint64_t nonneg(long long v)
{
	return v > 0 ? (uint64_t)v : 0;
}

void chost_meters(const struct chost *h, struct meter m[CHOST_NMETERS])
{
	uint64_t total = nonneg(h->memory_total_mib), avail = nonneg(h->memory_available_mib);
	uint64_t stotal = nonneg(h->swap_total_mib), sfree = nonneg(h->swap_free_mib);

	memset(m, 0, CHOST_NMETERS * sizeof(*m));
	m[CHOST_METER_CPU] = (struct meter){ .label = "CPU", .fill = '|' };
	m[CHOST_METER_MEM] = (struct meter){ .label = "Mem", .fill = '|' };
	m[CHOST_METER_SWAP] = (struct meter){ .label = "Swp", .fill = '#' };
	meter_set_pct(&m[CHOST_METER_CPU], h->cpu_pct);
	meter_set_mib(&m[CHOST_METER_MEM], total > avail ? total - avail : 0, total);
	meter_set_mib(&m[CHOST_METER_SWAP], stotal > sfree ? stotal - sfree : 0, stotal);
}

static const char *dash(const char *s)
{
	return *s ? s : "-";
}

static struct chost_line *add(struct chost_line *out, int *n, const char *label)
{
	struct chost_line *l = &out[(*n)++];

	memset(l, 0, sizeof(*l));
	l->label = label;
	l->meter = -1;
	return l;
}

static char *mib(long long v, char *buf, size_t len)
{
	return size_format(nonneg(v) << 20, buf, len);
}

int chost_lines(const struct chost *h, const char *socket, struct chost_line *out)
{
	char a[24], b[24], u[24];
	struct chost_line *l;
	int n = 0;

	snprintf(add(out, &n, "Hostname")->value, sizeof(out->value), "%s", dash(h->hostname));
	snprintf(add(out, &n, "croftd")->value, sizeof(out->value), "%s (API socket %s)",
		 dash(h->version), socket);
	l = add(out, &n, "CPUs");
	l->meter = CHOST_METER_CPU;
	if (h->cpu_pct >= 0)
		snprintf(l->value, sizeof(l->value), "%lld online, %.1f%% busy", h->cpus, h->cpu_pct);
	else
		snprintf(l->value, sizeof(l->value), "%lld online", h->cpus);
	l = add(out, &n, "Memory");
	l->meter = CHOST_METER_MEM;
	snprintf(l->value, sizeof(l->value), "%s total, %s available, %s used",
		 mib(h->memory_total_mib, a, sizeof(a)), mib(h->memory_available_mib, b, sizeof(b)),
		 mib(h->memory_total_mib - h->memory_available_mib, u, sizeof(u)));
	l = add(out, &n, "Swap");
	l->meter = CHOST_METER_SWAP;
	if (h->swap_total_mib > 0)
		snprintf(l->value, sizeof(l->value), "%s total, %s free",
			 mib(h->swap_total_mib, a, sizeof(a)), mib(h->swap_free_mib, b, sizeof(b)));
	else
		snprintf(l->value, sizeof(l->value), "none");
	snprintf(add(out, &n, "Guests")->value, sizeof(out->value),
		 "%lld defined, %lld running (%lld vCPUs on %lld CPUs)", h->vms_total, h->vms_running,
		 h->vcpus_running, h->cpus);
	l = add(out, &n, "Acceleration");
	l->gap = 1;
	l->warn = chost_accel_warn(h);
	snprintf(l->value, sizeof(l->value), "%s (setting %s, from %s)", dash(h->accel_effective),
		 dash(h->accel_setting), dash(h->accel_source));
	l = add(out, &n, "");
	l->warn = chost_accel_warn(h);
	snprintf(l->value, sizeof(l->value), "%s", dash(h->accel_reason));
	snprintf(add(out, &n, "QEMU")->value, sizeof(out->value), "%s, version %s, runs as %s",
		 dash(h->qemu_binary), dash(h->qemu_version), dash(h->qemu_user));
	l = add(out, &n, "State dir");
	l->gap = 1;
	snprintf(l->value, sizeof(l->value), "%s", dash(h->state_dir));
	snprintf(add(out, &n, "Run dir")->value, sizeof(out->value), "%s", dash(h->run_dir));
	return n;
}
