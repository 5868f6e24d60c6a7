/*
 * The monitor's arithmetic: rates from two readings of a counter, CPU
 * ready % from two readings of a thread's run delay, a disk's average
 * latency, the host's CPU % by mode and whether a guest's balloon
 * statistics are stale.  Pure functions, unit-tested on hand-made
 * readings; the sampler (sampler.c) applies them to what it read.
 *
 * A counter that went back (a QEMU restarted, an interface made anew, a
 * 32-bit counter wrapped) gives no rate for that interval: the new reading
 * becomes the baseline and the next interval has a rate again.  Unknown is
 * -1 everywhere.
 */
#ifndef CROFT_STATS_H
#define CROFT_STATS_H

#include "core/procfs.h"

#include <stdint.h>

/* (cur - prev) per second over dt_ms; -1 when dt_ms <= 0 or cur < prev. */
double stats_rate(uint64_t prev, uint64_t cur, int64_t dt_ms);

/* Percent of dt_ms a thread waited on a run queue, from two run delays in
 * ns; capped at 100; -1 as stats_rate. */
double stats_ready_pct(uint64_t delay0_ns, uint64_t delay1_ns, int64_t dt_ms);

/* Percent of dt_ms a process ran, from two CPU times in ms (above 100
 * with more than one busy thread); -1 as stats_rate. */
double stats_cpu_pct(uint64_t cpu0_ms, uint64_t cpu1_ms, int64_t dt_ms);

/* Average milliseconds per operation between two readings of total time
 * (ns) and operations: 0 when there were none; -1 when either went back. */
double stats_latency_ms(uint64_t time0_ns, uint64_t time1_ns, uint64_t ops0, uint64_t ops1);

/* Each mode's share of all CPU time between two readings, in percent;
 * every entry -1 when the total did not move forward. */
void stats_cpu_modes_pct(const uint64_t a[PROCFS_CPU_NMODES], const uint64_t b[PROCFS_CPU_NMODES],
			 double out[PROCFS_CPU_NMODES]);

/* A guest's balloon statistics, updated by the guest every poll_s
 * seconds, last at last_update_s (unix seconds; 0: never), are stale at
 * now_ms when the guest missed more than two updates. */
int stats_guest_stale(int64_t last_update_s, int64_t now_ms, int poll_s);

#endif
