/*
 * Figures out of /proc for the sampler, read through a root directory
 * ("/proc"; unit tests point it at a fake tree) and parsed by pure
 * functions that unit tests feed captured text.  host.h has the parsers
 * of /proc/meminfo and the "cpu " line of /proc/stat; these are the rest.
 */
#ifndef CROFT_PROCFS_H
#define CROFT_PROCFS_H

#include <stddef.h>
#include <stdint.h>

/* Read root/rel whole (rel: "meminfo", "1234/stat") into buf, NUL-
 * terminated; text longer than len - 1 is cut.  0, -errno of open or
 * read, or -EIO for an empty file. */
int procfs_read(const char *root, const char *rel, char *buf, size_t len);

/* The three load averages of /proc/loadavg.  0 or -EINVAL. */
int procfs_loadavg_parse(const char *text, double load[3]);
/* The first field of /proc/uptime in milliseconds.  0 or -EINVAL. */
int procfs_uptime_parse(const char *text, uint64_t *ms);
/* The number of "cpuN" lines of /proc/stat: the online CPUs. */
unsigned procfs_cpus_parse(const char *stat_text);

struct procfs_pid_stat {
	uint64_t cpu_ticks;          /* utime + stime (fields 14, 15) */
	uint64_t start_ticks;        /* starttime (22): after boot, in ticks */
	uint64_t rss_pages;          /* rss (24) */
};

/* Parse /proc/PID/stat text (the command name may hold spaces and
 * parentheses: fields are counted after its last ')').  0 or -EINVAL. */
int procfs_pid_stat_parse(const char *text, struct procfs_pid_stat *out);

#endif
