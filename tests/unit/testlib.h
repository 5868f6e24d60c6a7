/*
 * The unit tests' shared harness: temporary directories and the tree
 * remover, small file helpers, a fake clock, and a store in a temporary
 * directory.  Fault seams of the modules under test (exec, the clock,
 * /proc, QMP) are the modules' own function tables; the fakes that fill
 * them for more than one test file live here.
 *
 * Functions named tl_*_or_fail end the running cmocka test on failure;
 * the others return -errno or NULL so setups can report failure.
 */
#ifndef CROFT_TESTLIB_H
#define CROFT_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_vm;

/* A fresh directory /tmp/croft-test-<tag>-XXXXXX, its real path (malloc'd),
 * mode 0755 so an unprivileged user can reach what a test puts there.
 * NULL on failure. */
char *tl_tmpdir(const char *tag);
/* Remove path and everything below it, never following a link.  0 when
 * it is gone (or was never there), else -errno. */
int tl_rmtree(const char *path);

/* "dir/name", malloc'd. */
char *tl_path(const char *dir, const char *name);
/* Write text (creating or truncating, mode 0644): 0 or -errno.  The
 * _or_fail form takes a printf format. */
int tl_write_file(const char *path, const char *text);
void tl_write_file_or_fail(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The whole file, NUL-terminated (malloc'd), or NULL with errno set. */
char *tl_read_file(const char *path);

/* A fake clock for modules that take one as a seam: starts at
 * TL_CLOCK_START (2026-01-01 00:00:00 UTC) and moves only when told. */
#define TL_CLOCK_START_MS 1767225600000LL
int64_t tl_clock_ms(void);
void tl_clock_set(int64_t ms);
void tl_clock_advance(int64_t ms);

/* A new store at dir/croft.db, migrated; fails the test on error. */
struct store *tl_store_open_or_fail(const char *dir);
/* Fill *spec (zeroed first) as the smallest valid stopped VM named name:
 * 1 vCPU, memory_mib, bios, boot from disk, no disks.  store_vm_clear()
 * frees it. */
void tl_vm_spec(struct store_vm *spec, const char *name, uint64_t memory_mib);

/*
 * A fake /proc tree for modules that read /proc through a root prefix
 * (the sampler): the files hold what the kernel would write there, with
 * the figures a test chooses.  tl_proc_new makes dir/proc and returns its
 * path (malloc'd).
 */
char *tl_proc_new(const char *dir);

struct tl_proc_host {
	uint64_t user, system, idle, iowait;   /* the "cpu " line, in jiffies */
	unsigned cpus;                         /* as many "cpuN" lines */
	uint64_t mem_total_kib, mem_available_kib, swap_total_kib, swap_free_kib;
	double load1, load5, load15;
	double uptime_s;
};
/* meminfo, stat, loadavg and uptime. */
void tl_proc_host_or_fail(const char *root, const struct tl_proc_host *h);

struct tl_proc_pid {
	int pid;
	const char *comm;                      /* may hold spaces and ')' */
	const char *const *argv;               /* NULL-terminated */
	uint64_t utime, stime;                 /* clock ticks */
	uint64_t start;                        /* start time, ticks after boot */
	uint64_t rss_pages;
};
/* PID/stat and PID/cmdline; again to change them. */
void tl_proc_pid_or_fail(const char *root, const struct tl_proc_pid *p);
/* The process has gone: PID/ no longer exists. */
void tl_proc_pid_gone(const char *root, int pid);

#endif
