/*
 * The monitor's models for the console: host.stats parsed into the
 * figures the Host screen's meters, sparklines and alert lines show, each
 * running VM's READY % and MEM for the VM list, and vm.stats parsed for
 * the VM detail view, with the history series its sparklines draw.
 * Pure: no curses, no I/O; drawing code reads these, never the JSON.
 */
#ifndef CROFT_TUI_CONSOLE_MONMODEL_H
#define CROFT_TUI_CONSOLE_MONMODEL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CMON_POINTS 1500          /* a day of 1-minute points fits */
#define CMON_ALERTS 8
#define CMON_ITEMS 8              /* vCPUs, disks, NICs shown */
#define CMON_HISTORY_MS 10000     /* how often the console re-reads a history */

/* A history series: the averages, oldest first, NaN for gaps. */
struct cmon_series {
	double v[CMON_POINTS];
	size_t n;
};
/* The named series of a {"series","avg"} history object into out
 * (empty when absent); scale multiplies each figure. */
void cmon_series_read(const json_t *history, const char *name, double scale,
		      struct cmon_series *out);

struct cmon_alert {
	char level[12];           /* "warning", "critical" */
	char text[200];
};

struct cmon_vm {
	char name[64];
	double ready_pct, ready_max_pct;    /* -1 unknown */
	double guest_used_mib, balloon_mib; /* -1 unknown */
};

enum { CMON_H_CPU, CMON_H_STEAL, CMON_H_MEM, CMON_H_SWAPIO, CMON_H_PSI_MEM, CMON_H_N };

struct cmon {
	int loaded;
	double cpu_pct, steal_pct, iowait_pct;          /* -1 unknown */
	long long mem_total_mib, mem_available_mib;
	int swap_configured;
	long long swap_total_mib, swap_used_mib;
	double swap_in_ps, swap_out_ps;                 /* pages/s, -1 unknown */
	double psi_some[3], psi_full[3];                /* cpu, memory, io; -1 unknown */
	struct cmon_alert alerts[CMON_ALERTS];
	size_t nalerts, alerts_total;
	double ready_warn, ready_crit;                  /* the alert thresholds */
	struct cmon_vm *vms;
	size_t nvms;
	/* the host's last hour: CPU %, steal %, memory used %, swap pages/s,
	 * memory pressure % */
	struct cmon_series hist[CMON_H_N];
	int64_t hist_ms;                                /* when read; 0 never */
};

void cmon_init(struct cmon *m);
void cmon_free(struct cmon *m);
/* Read host.stats' result (borrowed). */
void cmon_update(struct cmon *m, const json_t *stats);
/* Read the host's "history" object (of host.stats --history 1h). */
void cmon_history(struct cmon *m, const json_t *history, int64_t now_ms);
const struct cmon_vm *cmon_vm_find(const struct cmon *m, const char *name);

/* A line of the Host screen's monitor block: label, text, and the series
 * its sparkline draws (NULL: none) scaled to max (<= 0: its largest). */
struct cmon_line {
	const char *label;
	char text[200];
	int warn;                 /* 1 warning, 2 critical */
	const struct cmon_series *spark;
	double spark_max;
};
#define CMON_NLINES (5 + CMON_ALERTS)
/* The monitor block's lines (CPU with steal, memory, swap with si/so,
 * pressure, alerts); returns how many. */
int cmon_host_lines(const struct cmon *m, struct cmon_line *out);

/* The VM detail view's figures (vm.stats). */
struct cmon_item {
	char name[32];
	double a, b, c, d;        /* vCPU: ready; disk: rd B/s, wr B/s, rd ms, wr ms;
				   * NIC: rx B/s, tx B/s, rx drops, tx drops */
	double e;
};

enum { CMON_V_CPU, CMON_V_READY, CMON_V_MEM, CMON_V_DISK, CMON_V_NET, CMON_V_N };

struct cmon_detail {
	char name[64];
	char state[24];
	int loaded, running;
	double cpu_pct, ready_pct, ready_max_pct, rss_mib;
	double max_mib, balloon_mib;
	int guest_known, guest_stale;
	double guest_total_mib, guest_used_mib, guest_available_mib, guest_caches_mib;
	struct cmon_item vcpus[CMON_ITEMS], disks[CMON_ITEMS], nics[CMON_ITEMS];
	size_t nvcpus, ndisks, nnics;
	struct cmon_alert alerts[CMON_ALERTS];
	size_t nalerts;
	int day;                  /* sparklines over 24 h, else 1 h */
	struct cmon_series hist[CMON_V_N];
	int64_t hist_ms;
};

void cmon_detail_open(struct cmon_detail *d, const char *name);
/* Read vm.stats' result (borrowed); with a "history" member, the series. */
void cmon_detail_update(struct cmon_detail *d, const json_t *stats, int64_t now_ms);

#endif
