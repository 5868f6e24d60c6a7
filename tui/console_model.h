/*
 * The VM table model: what vm.list said, sorted, filtered, with a selection
 * that follows a VM by name (not by row) across refreshes, and CPU % from
 * two readings of each VM's cpu_time_ms.  Pure: no curses, no I/O, times
 * are passed in, so every behaviour is unit-tested.
 */
#ifndef CROFT_TUI_CONSOLE_MODEL_H
#define CROFT_TUI_CONSOLE_MODEL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CVM_NAME_LEN 64
/* Readings closer together than this keep the previous CPU % (a refresh
 * right after an event would otherwise show a noisy figure). */
#define CVM_CPU_MIN_INTERVAL_MS 500

struct cvm {
	char name[CVM_NAME_LEN];
	char state[24];
	long long vcpus;
	long long memory_mib;
	long long memory_actual_mib;   /* -1: no QEMU */
	long long uptime_s;            /* -1: not running */
	long long cpu_time_ms;         /* -1: unknown */
	double cpu_pct;                /* -1: unknown (first reading, stopped) */
	long long pid;                 /* 0: none */
	long long base_cpu_ms;         /* the reading cpu_pct is measured from */
	int64_t base_ms;
	json_t *json;                  /* the whole VM object (owned) */
};

enum cvm_sort { CVM_SORT_NAME, CVM_SORT_STATE, CVM_SORT_CPU, CVM_SORT_MEMORY, CVM_SORT_COUNT };

struct cvm_list {
	struct cvm *vms;               /* every VM, in sort order */
	size_t n;
	size_t *view;                  /* indices into vms that pass the filter */
	size_t nview;
	size_t sel;                    /* row in view (valid when nview > 0) */
	size_t top;                    /* first row shown */
	char selected[CVM_NAME_LEN];   /* the selected VM's name ("" = none) */
	char filter[CVM_NAME_LEN];     /* case-insensitive substring of name or state */
	enum cvm_sort sort;
	int64_t sampled_ms;            /* when vms was read (monotonic ms); 0 never */
};

void cvm_list_init(struct cvm_list *l);
void cvm_list_free(struct cvm_list *l);

/* Replace the VMs with vm.list's "vms" array (borrowed), read at now_ms.
 * CPU % of a VM is its cpu_time_ms delta over the wall-clock delta since
 * the previous reading of the same VM (by name and QEMU pid), x 100,
 * measured over at least CVM_CPU_MIN_INTERVAL_MS.  The selection
 * stays on the same VM; if it went away, on the row where it was. */
void cvm_list_update(struct cvm_list *l, const json_t *vms, int64_t now_ms);
/* Apply a vm.state event at once (the next update brings the rest).
 * 1 if a VM changed. */
int cvm_list_set_state(struct cvm_list *l, const char *name, const char *state);
/* Forget every VM (the connection is gone); the selected name is kept. */
void cvm_list_clear(struct cvm_list *l);

void cvm_list_set_filter(struct cvm_list *l, const char *filter);
void cvm_list_set_sort(struct cvm_list *l, enum cvm_sort sort);
const char *cvm_sort_name(enum cvm_sort sort);

/* Selection.  move by delta rows (clamped), first/last, by name (0, or
 * -ENOENT when no visible VM has that name). */
void cvm_list_move(struct cvm_list *l, long delta);
void cvm_list_home(struct cvm_list *l);
void cvm_list_end(struct cvm_list *l);
int cvm_list_select(struct cvm_list *l, const char *name);
/* Select view row (clamped). */
void cvm_list_select_row(struct cvm_list *l, size_t row);
/* The selected VM, or NULL when the view is empty. */
const struct cvm *cvm_list_selected(const struct cvm_list *l);
/* A VM by name among all (not only the filtered), or NULL. */
const struct cvm *cvm_list_find(const struct cvm_list *l, const char *name);
/* Keep the selection within rows [top, top+height). */
void cvm_list_scroll(struct cvm_list *l, size_t height);
/* The first row a list of n rows shows in height rows so that row sel is
 * visible, moving *top as little as possible; every list uses it. */
void console_list_scroll(size_t *top, size_t sel, size_t n, size_t height);

/* CPU % between two readings: (cpu1-cpu0)/(t1-t0)*100, or -1 when either
 * reading is unknown or time did not advance. */
double cvm_cpu_pct(long long cpu0_ms, int64_t t0_ms, long long cpu1_ms, int64_t t1_ms);

/* Host CPU % from two (busy, total) jiffy readings; -1 when unknown. */
double cvm_host_cpu_pct(uint64_t busy0, uint64_t total0, uint64_t busy1, uint64_t total1);

#endif
