/*
 * The host model: host.info parsed once per refresh into a struct, with
 * the host's CPU % from two readings of its jiffies, the accelerator's
 * class, the meters the header draws and the lines the Host screen shows.
 * Drawing code reads these and never the JSON.  Pure: no curses, no I/O.
 */
#ifndef CROFT_TUI_CONSOLE_HOSTMODEL_H
#define CROFT_TUI_CONSOLE_HOSTMODEL_H

#include <jansson.h>
#include <stdint.h>

#include "tui/meter.h"

/* Two readings closer than this many jiffies keep the previous CPU %. */
#define CHOST_MIN_JIFFIES 50

struct chost {
	int loaded;                    /* a host.info answer is in */
	char hostname[256];
	char version[32];
	long long cpus;
	long long memory_total_mib, memory_available_mib;
	long long swap_total_mib, swap_free_mib;
	long long vms_total, vms_running, vcpus_running;
	char accel_setting[16], accel_source[16], accel_effective[16];
	char accel_reason[512];
	int accel_usable;
	char qemu_binary[256], qemu_version[64], qemu_user[64];
	char state_dir[512], run_dir[512];
	uint64_t cpu_busy, cpu_total;  /* the reading cpu_pct is measured from */
	double cpu_pct;                /* -1: unknown */
};

void chost_init(struct chost *h);
/* Read host.info's result (borrowed). */
void chost_update(struct chost *h, const json_t *info);
/* Forget it (no connection). */
void chost_clear(struct chost *h);

/* Host CPU % from two (busy, total) jiffy readings; -1 when unknown. */
double chost_cpu_pct(uint64_t busy0, uint64_t total0, uint64_t busy1, uint64_t total1);

/* What runs the guests, as the header says it. */
enum chost_accel {
	CHOST_KVM,                     /* "KVM" */
	CHOST_KVM_UNUSABLE,            /* kvm demanded, not usable: starts fail */
	CHOST_TCG_SET,                 /* tcg asked for */
	CHOST_TCG_FALLBACK,            /* auto fell back: KVM is not usable */
};
enum chost_accel chost_accel(const struct chost *h);
const char *chost_accel_text(enum chost_accel a);
/* The Host screen flags the accelerator unless guests run under KVM. */
int chost_accel_warn(const struct chost *h);

enum { CHOST_METER_CPU, CHOST_METER_MEM, CHOST_METER_SWAP, CHOST_NMETERS };
void chost_meters(const struct chost *h, struct meter m[CHOST_NMETERS]);

/* One "Label  value" line of the Host screen. */
struct chost_line {
	const char *label;
	char value[640];
	int warn;                      /* in the warning attribute */
	int gap;                       /* a blank row before it */
	int meter;                     /* the meter shown after it, or -1 */
};
#define CHOST_NLINES 12
/* The Host screen's lines; socket is the API socket the console uses.
 * Returns how many. */
int chost_lines(const struct chost *h, const char *socket, struct chost_line *out);

#endif
