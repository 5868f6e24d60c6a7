/*
 * The VM model: vm.list parsed once per refresh into structs, with CPU %
 * from two readings of each VM's cpu_time_ms.  The console keeps one
 * (struct console's vms) for every screen that needs VMs: the VMs screen
 * shows its rows in a list panel (tui/panel.h; cvm_panel_ops and the
 * table's columns are here), the Networks screen reads leases and states.
 * Pure: no curses, no I/O, times are passed in.
 *
 * Ownership: the model owns its entries and what they hold until the next
 * update, clear or free; pointers into it are valid until then.
 */
#ifndef CROFT_TUI_CONSOLE_MODEL_H
#define CROFT_TUI_CONSOLE_MODEL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/console_table.h"
#include "tui/panel.h"

#define CVM_NAME_LEN 64
/* Readings closer together than this keep the previous CPU % (a refresh
 * right after an event would otherwise show a noisy figure). */
#define CVM_CPU_MIN_INTERVAL_MS 500
/* croftd samples cpu_time_ms on a timer (every 2 s by default) and the
 * console reads it every second: a reading that has not changed is the
 * same sample, and keeps the previous CPU % and its baseline, until this
 * long has passed (then the guest really was idle). */
#define CVM_CPU_SAME_SAMPLE_MS 5000

/* A VM as its table row shows it: a row of the VMs screen's panel. */
struct cvm {
	char name[CVM_NAME_LEN];
	char state[24];
	char reason[48];               /* why it is in that state ("start-failed") */
	char pause_reason[32];         /* a paused VM's: "pool-full"; "" none */
	char pause_pool[64];           /* with pool-full: the pool that filled */
	char ip[48];                   /* the first NIC's lease, else the guest
					* agent's first address; "" none */
	char guest_os[96];             /* what the guest agent said; "" nothing */
	char guest_host[96];
	long long vcpus;
	long long memory_mib;
	long long memory_actual_mib;   /* -1: no QEMU */
	long long uptime_s;            /* -1: not running */
	long long cpu_time_ms;         /* -1: unknown */
	double cpu_pct;                /* -1: unknown (first reading, stopped) */
	long long pid;                 /* 0: none */
	/* the monitor's (host.stats), set by cvm_rows_monitor() */
	double ready_pct;              /* the busiest vCPU's CPU ready %; -1 unknown */
	double guest_used_mib;         /* as the guest sees it; -1 unknown */
	double balloon_mib;            /* what the balloon leaves it; -1 unknown */
};

struct cvm_nic {
	char net[CVM_NAME_LEN];
	char mac[24];
	char ip[48];                   /* its lease; "" none */
};

struct cvm_disk {
	char *path;
	uint64_t size_bytes;
	int owned;                     /* created by croft (deleted with the VM) */
};

struct cvm_info {
	struct cvm vm;
	struct cvm_nic *nics;
	size_t nnics;
	struct cvm_disk *disks;
	size_t ndisks;
	long long base_cpu_ms;         /* the reading cpu_pct is measured from */
	int64_t base_ms;
};

struct cvm_model {
	struct cvm_info *vms;          /* in vm.list's order */
	size_t n;
	int64_t sampled_ms;            /* when it was read; 0: never, or cleared */
};

void cvm_model_init(struct cvm_model *m);
void cvm_model_free(struct cvm_model *m);
/*
 * Replace the VMs with vm.list's "vms" array (borrowed), read at now_ms.
 * Entries without a string "name" are skipped.  CPU % of a VM is its
 * cpu_time_ms delta over the wall-clock delta since the previous reading
 * of the same VM (by name and QEMU pid), x 100, measured over at least
 * CVM_CPU_MIN_INTERVAL_MS, from a new sample (CVM_CPU_SAME_SAMPLE_MS).
 */
void cvm_model_update(struct cvm_model *m, const json_t *vms, int64_t now_ms);
/* Apply a vm.state event at once (the next update brings the rest).
 * 1 if a VM changed. */
int cvm_model_set_state(struct cvm_model *m, const char *name, const char *state);
/* Forget every VM (the connection is gone). */
void cvm_model_clear(struct cvm_model *m);
const struct cvm_info *cvm_model_find(const struct cvm_model *m, const char *name);
/* Every VM's row, malloc'd, for panel_set_rows(); NULL when there are
 * none. */
struct cvm *cvm_model_rows(const struct cvm_model *m);
struct cmon;
/* Fill rows[0..n)'s monitor figures from m (host.stats); unknown without. */
void cvm_rows_monitor(struct cvm *rows, size_t n, const struct cmon *m);

/* The MEM column from host.memory's "vms" (borrowed; NULL: nothing):
 * what the guest uses (balloon actual less what the guest has available,
 * core/balloon_policy.c) against the balloon's actual size, so a
 * ballooned guest does not look full.  Rows host.memory does not size
 * keep the monitor's figures. */
void cvm_rows_memory(struct cvm *rows, size_t n, const json_t *memory);

/* The VMs' names, sorted, into a malloc'd array of pointers into m. */
const char **cvm_model_names(const struct cvm_model *m);

/* The VM has (or is getting) a QEMU process. */
int cvm_is_live(const struct cvm *vm);

/* CPU % between two readings: (cpu1-cpu0)/(t1-t0)*100, or -1 when either
 * reading is unknown or time did not advance. */
double cvm_cpu_pct(long long cpu0_ms, int64_t t0_ms, long long cpu1_ms, int64_t t1_ms);

/* The VMs screen's panel over struct cvm rows: keyed by name, filtered by
 * name or state, sorted by CVM_SORT_*. */
enum cvm_sort { CVM_SORT_NAME, CVM_SORT_STATE, CVM_SORT_CPU, CVM_SORT_MEMORY };
extern const struct panel_ops cvm_panel_ops;

/* The VM table's columns; cells take a const struct cvm *. */
extern const struct ctable_col console_vm_cols[];
extern const size_t console_vm_ncols;

#endif
