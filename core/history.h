/*
 * The monitor's history: what the model showed, consolidated RRD style
 * into four tiers and kept in the store (store/store_history.h), so it is
 * bounded whatever the uptime and survives restarts.
 *
 *   tier  bucket   slots  span     what the console shows
 *   0     10 s     360    1 hour   the 1 h sparklines
 *   1     1 min    1440   1 day    the 24 h sparklines
 *   2     30 min   1488   31 days
 *   3     6 h      1464   366 days
 *
 * Every sample is added to the open bucket of each tier (sum, count and
 * maximum per figure); a bucket is written, its average and maximum, when
 * the first sample of the next one arrives, all owners' rows in one
 * transaction.  A bucket no sample reached is not written (a gap: the VM
 * was off, croftd was down).  The host has HISTORY_HOST_N figures, a VM
 * HISTORY_VM_N (the names below); a figure unknown in every sample of a
 * bucket is NaN there.  A full VM costs 4752 rows of HISTORY_VM_N × 8
 * bytes of data: about 0.8 MB in the store as measured by
 * bench/monitor.sh (docs/metrics.md).
 *
 * The clock is the caller's (the model's): tests drive a year through it.
 */
#ifndef CROFT_HISTORY_H
#define CROFT_HISTORY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct model_host;
struct model_vm;

#define HISTORY_TIERS 4

struct history_tier {
	const char *range;           /* "1h", "24h", "31d", "1y": the API's names */
	int64_t step_ms;
	int64_t slots;
};
extern const struct history_tier history_tiers[HISTORY_TIERS];

enum {
	HH_CPU_PCT, HH_STEAL_PCT, HH_MEM_AVAILABLE_MIB, HH_SWAP_USED_MIB, HH_SWAP_IN_PPS,
	HH_SWAP_OUT_PPS, HH_PRESSURE_CPU_PCT, HH_PRESSURE_MEMORY_PCT, HH_PRESSURE_IO_PCT,
	HH_LOAD1, HISTORY_HOST_N
};
enum {
	HV_CPU_PCT, HV_READY_PCT, HV_READY_MAX_PCT, HV_GUEST_USED_MIB, HV_BALLOON_MIB, HV_RSS_MIB,
	HV_DISK_READ_BPS, HV_DISK_WRITE_BPS, HV_NET_RX_BPS, HV_NET_TX_BPS, HISTORY_VM_N
};
extern const char *const history_host_names[HISTORY_HOST_N];
extern const char *const history_vm_names[HISTORY_VM_N];

/* The figures of a sample (NaN: unknown). */
void history_host_values(const struct model_host *h, double out[HISTORY_HOST_N]);
void history_vm_values(const struct model_vm *v, double out[HISTORY_VM_N]);

struct history;

struct history *history_new(struct store *st);
void history_free(struct history *h);

/* Add owner's sample (0: the host, else a VM id) of n figures at now_ms;
 * buckets it closes wait for history_flush(). */
void history_add(struct history *h, int64_t owner, const double *v, size_t n, int64_t now_ms);
/* Write the closed buckets: 0, or -errno (they are dropped, logged). */
int history_flush(struct history *h);
/* Forget owner's open buckets (its rows go with the VM in the store). */
void history_forget(struct history *h, int64_t owner);
/* Forget the open buckets of every VM owner for which keep() is 0. */
void history_retain(struct history *h, int (*keep)(int64_t id, void *data), void *data);

/* The tier whose range is name, or -1. */
int history_tier_find(const char *name);
/* owner's rows of tier over its span up to now_ms as
 * {"range","step_ms","series":[names],"t_ms":[...],"avg":[[...]...],"max":[[...]...]}
 * (null for unknown); names has n entries.  NULL on a store failure. */
json_t *history_json(struct history *h, int64_t owner, int tier, int64_t now_ms,
		     const char *const *names, size_t n);

#endif
