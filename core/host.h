/*
 * Facts about the host croftd runs on: CPUs, memory, the QEMU binary.  The
 * /proc parsers are pure so they can be unit-tested on captured text.
 */
#ifndef CROFT_HOST_H
#define CROFT_HOST_H

#include <stddef.h>
#include <stdint.h>

struct host_mem {
	uint64_t total_kib;
	uint64_t available_kib;
	uint64_t swap_total_kib;
	uint64_t swap_free_kib;
};

/* Parse /proc/meminfo text.  0, or -EINVAL when MemTotal is missing. */
int host_meminfo_parse(const char *text, struct host_mem *m);
int host_meminfo(struct host_mem *m);
unsigned host_cpus(void);
/* "QEMU emulator version 7.2.19 (...)" -> "7.2.19"; NULL-safe, malloc'd. */
char *host_qemu_version_parse(const char *text);
/* Run `binary --version`; malloc'd version or "unknown". */
char *host_qemu_version(const char *binary);

/* Host CPU time from the first line of /proc/stat, in jiffies: total is
 * user+nice+system+idle+iowait+irq+softirq+steal, busy is total less idle
 * and iowait.  Clients compute utilisation from two samples' deltas.
 * 0, or -EINVAL when the text has no "cpu " line. */
int host_stat_cpu_parse(const char *text, uint64_t *busy, uint64_t *total);
int host_cpu_jiffies(uint64_t *busy, uint64_t *total);
/* utime+stime (fields 14 and 15) of /proc/PID/stat text, in clock ticks.
 * 0 or -EINVAL. */
int host_proc_stat_ticks_parse(const char *text, uint64_t *ticks);
/* CPU time a process has used, in milliseconds.  0 or -errno. */
int host_proc_cpu_ms(int pid, uint64_t *ms);

#endif
