/*
 * The sampler: the one place croftd reads the figures its reads show.  On
 * one timer (every "sample-interval-ms", default 2 s) it reads the host's
 * /proc, each live QEMU's /proc/PID/stat, stats each disk, asks each new
 * QEMU for its balloon size (query-balloon on the VM's QMP client, answered
 * later: the loop never waits; then QEMU's BALLOON_CHANGE events keep it
 * current, and it is asked again only after 30 s without one) and
 * croft-netd for the DHCP leases, and stores it all in the model
 * (model.h).
 *
 * It also listens on the bus and refreshes at once what an event makes
 * stale, so a read right after an action is right: vm.state (a QEMU came
 * or went: that VM's process, disks and balloon), vm.created and
 * vm.changed (its disks, and every VM's NIC rows from the store), net.*
 * (the NIC rows: networks' names), vm.deleted (the model forgets it).
 *
 * A pid is read as a VM's QEMU only once /proc/PID/cmdline shows the
 * "-pidfile" of that VM (as adoption checks it); from then on its start
 * time must stay the same, so a pid reused by another process is never
 * read as the VM.
 *
 * A QEMU's CPU time comes from its process CPU clock (clock_gettime: one
 * system call, in nanoseconds, where /proc/PID/stat makes the kernel
 * format fifty fields), its identity then checked through the VM's pidfd
 * (unless croftd started it: a child's pid is not free before croftd
 * reaps it).  /proc/PID/stat (the start time, the RSS) is read when the
 * pid is new and when the VM changes or starts, and only the RSS
 * (/proc/PID/statm) every SAMPLER_STAT_EVERY samples, so the RSS shown is
 * up to that many intervals old.
 *
 * For the monitor it also reads the host's CPU time by mode, swap
 * activity (/proc/vmstat), pressure (/proc/pressure/cpu, memory, io), KSM's counters
 * and the default pool's file system; per VM its CPU %, each vCPU
 * thread's run delay (/proc/PID/task/TID/schedstat, the threads from
 * query-cpus-fast, asked once per QEMU), the guest's own memory figures
 * (the balloon's guest-stats, polled every interval once the sampler has
 * told QEMU to), QEMU's block statistics (query-blockstats) and each
 * tap's counters (/proc/net/dev).  Rates and percentages are computed
 * against the model's previous figures (stats.h) over at least half an
 * interval.  Only /proc is read, never a cgroup file system, so cgroup v1
 * and v2 hosts are the same to it.
 *
 * Seams for tests: the /proc and /sys roots, the lease source and the QMP command
 * function; the clock is the model's.
 */
#ifndef CROFT_SAMPLER_H
#define CROFT_SAMPLER_H

#include "core/qmp.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct croftd;
struct netd_lease;
struct sampler;
struct vm;

#define SAMPLER_INTERVAL_DEFAULT_MS 2000
#define SAMPLER_INTERVAL_MIN_MS 500
#define SAMPLER_INTERVAL_MAX_MS 60000
#define SAMPLER_STAT_EVERY 5

struct sampler_seams {
	const char *proc_root;       /* "/proc" */
	const char *sys_root;        /* "/sys" (KSM); NULL: "/sys" */
	/* croft-netd's leases: 0 with *out (malloc'd, owned by the caller),
	 * or -errno to keep the last ones. */
	int (*leases)(struct croftd *d, struct netd_lease **out, size_t *n);
	int (*qmp_command)(struct qmp *q, const char *cmd, json_t *args, qmp_reply_cb cb,
			   void *data);
	/* The same, the answer read in place (qmp_msg.raw); NULL: qmp_command. */
	int (*qmp_command_raw)(struct qmp *q, const char *cmd, json_t *args, qmp_reply_cb cb,
			       void *data);
	/* qmp_command_raw_text: a question cmd written once as text
	 * (qmp_command_text); NULL: qmp_command_raw. */
	int (*qmp_command_raw_text)(struct qmp *q, const char *cmd, const char *text,
				    qmp_reply_cb cb, void *data);
	/* The CPU time (user + system, ns) of the process pid, which must
	 * still be the one pidfd holds (-1: croftd's own child, not reaped,
	 * so the pid is its): 0, -ESRCH when it is not (gone), or -errno.
	 * NULL: the CPU time from /proc/PID/stat every sample. */
	int (*proc_cpu_ns)(pid_t pid, int pidfd, uint64_t *ns);
	/* Around a VM's questions, so they leave in one write; NULL: none. */
	void (*qmp_cork)(struct qmp *q);
	void (*qmp_uncork)(struct qmp *q);
};

/* The real ones: /proc, netd_client_leases(), qmp_command(),
 * qmp_command_raw(), qmp_command_raw_text(), the process CPU clock,
 * qmp_cork(), qmp_uncork(). */
extern const struct sampler_seams sampler_real_seams;

/* A sampler filling d->model (which must outlive it) from d's VMs, store
 * and netd; seams NULL means sampler_real_seams.  It listens on d->bus
 * when there is one.  Samples nothing yet. */
struct sampler *sampler_new(struct croftd *d, const struct sampler_seams *seams);
/* Stops listening; balloon queries still in flight are answered into
 * nothing. */
void sampler_free(struct sampler *s);

/* Sample everything now: host, every VM, leases (a disk's allocation only
 * when its figure is 10 s old). */
void sampler_run(struct sampler *s);
/* The CPU time (this thread's, ns) the samples took of VMs that have a
 * QEMU, and how many such VM samples there were (/metrics' part
 * "sampler-vm": its share of the sampler's ticks). */
void sampler_vm_cpu(const struct sampler *s, uint64_t *ns, uint64_t *samples);
/* Sample one VM now: its process, disks and balloon. */
void sampler_vm(struct sampler *s, struct vm *vm);
/* Load every VM's NIC rows and their networks' names from the store.
 * 0 or -errno (the model keeps what it had). */
int sampler_nics_load(struct sampler *s);

/* Parsers of QEMU's answers, for tests.  The guest's balloon statistics
 * (qom-get guest-stats' return, its JSON text read in place: jscan.h) at
 * now_ms, polled every poll_s: 0 or -EINVAL. */
struct model_guest_mem;
struct model_vcpu;
struct model_blk;
int sampler_guest_mem_parse(const char *text, size_t len, int64_t now_ms, int poll_s,
			    struct model_guest_mem *g);
/* query-cpus-fast: the vCPUs (malloc'd) with their threads; 0 or -EINVAL. */
int sampler_vcpus_parse(json_t *ret, struct model_vcpu **out, size_t *n);
/* query-blockstats' return (its JSON text, read in place: jscan.h), with
 * rates against prev (nprev entries read dt_ms before; NULL: none): 0
 * with *out malloc'd, or -EINVAL. */
int sampler_blks_parse(const char *text, size_t len, const struct model_blk *prev, size_t nprev,
		       int64_t dt_ms, struct model_blk **out, size_t *n);

/* The "sampler" service of croftd.c: makes d->model and d->sampler,
 * samples once, then every sample-interval-ms. */
int sampler_init(struct croftd *d, char *err, size_t errlen);
void sampler_fini(struct croftd *d);
uint64_t sampler_tick(struct croftd *d);
/* The sampling interval in milliseconds (s may be NULL: the default). */
uint64_t sampler_interval_ms(const struct sampler *s);

#endif
