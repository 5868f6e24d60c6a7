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

/* Files read again and again (the sampler's, every sample), kept open:
 * a read is one pread at offset 0, which has the kernel render a /proc or
 * /sys file afresh, instead of an open, a read and a close.  A file whose
 * process has exited reads as an error (ESRCH; a fake tree's is emptied)
 * and is closed, and the next read opens the path again, so a recycled
 * pid is never read through an old descriptor. */
struct procfs_kept;

struct procfs_kept *procfs_kept_new(void);
void procfs_kept_free(struct procfs_kept *k);
/* procfs_read through k: the same results. */
int procfs_kept_read(struct procfs_kept *k, const char *root, const char *rel, char *buf,
		     size_t len);
/* Close the files not read since the last sweep (processes gone, VMs
 * stopped). */
void procfs_kept_sweep(struct procfs_kept *k);
/* How many files k holds open. */
size_t procfs_kept_count(const struct procfs_kept *k);

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

/* The resident pages (the second figure) of /proc/PID/statm: the rss of
 * /proc/PID/stat, without the fifty other fields.  0 or -EINVAL. */
int procfs_statm_rss_parse(const char *text, uint64_t *rss_pages);

/* The host's CPU time by mode, from the "cpu " line of /proc/stat, in
 * jiffies (guest time is inside user and nice, so it is not added). */
enum procfs_cpu_mode {
	PROCFS_CPU_USER, PROCFS_CPU_NICE, PROCFS_CPU_SYSTEM, PROCFS_CPU_IDLE,
	PROCFS_CPU_IOWAIT, PROCFS_CPU_IRQ, PROCFS_CPU_SOFTIRQ, PROCFS_CPU_STEAL,
	PROCFS_CPU_NMODES
};
/* The modes' names as node_exporter spells them: "user" ... "steal". */
extern const char *const procfs_cpu_mode_names[PROCFS_CPU_NMODES];
/* 0 or -EINVAL (no "cpu " line, fewer than four figures; missing later
 * ones, on old kernels, are 0). */
int procfs_cpu_modes_parse(const char *stat_text, uint64_t modes[PROCFS_CPU_NMODES]);

/* /proc/PID/task/TID/schedstat: time on the CPU and time waiting on a run
 * queue (the run delay: CPU ready time), in nanoseconds.  0 or -EINVAL. */
int procfs_schedstat_parse(const char *text, uint64_t *run_ns, uint64_t *delay_ns);

/* A "name value" line of /proc/vmstat (or any such file): 0 with *out, or
 * -ENOENT when the name is not there. */
int procfs_keyval_find(const char *text, const char *name, uint64_t *out);

/* /proc/pressure/{cpu,memory,io}: the "some" and "full" lines (cpu has
 * no "full" line before Linux 5.13: full_known is 0 then). */
struct procfs_psi {
	double some_avg10, full_avg10;
	uint64_t some_total_us, full_total_us;
	int full_known;
};
int procfs_psi_parse(const char *text, struct procfs_psi *out);

/* One interface's counters from /proc/net/dev, as the host sees them
 * (on a tap, rx is what the guest sent). */
struct procfs_netdev {
	uint64_t rx_bytes, rx_packets, rx_drops;
	uint64_t tx_bytes, tx_packets, tx_drops;
};
/* 0, -ENOENT when ifname has no line, -EINVAL for a malformed one. */
int procfs_netdev_find(const char *text, const char *ifname, struct procfs_netdev *out);

#endif
