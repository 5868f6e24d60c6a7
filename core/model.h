/*
 * The model: what croftd knows about its host and its guests as of the
 * last sample, held in memory so that reads (vm.list, vm.info, host.info)
 * render it and do no I/O.  The sampler (sampler.c) fills it on a timer
 * and at once when an event makes part of it stale; QMP events (a balloon
 * change) update it as they arrive.  The model stamps every figure with
 * the time it was stored, from its clock (a seam: tests pass the fake one).
 *
 * Guests are kept by store id.  Figures of a QEMU process belong to that
 * process, named by its pid and its start time (field 22 of
 * /proc/PID/stat): a reader asks for the figures of the pid it knows and
 * gets nothing when they were sampled from another process, an earlier
 * QEMU of the same VM or a pid the kernel has since given to someone else.
 *
 * NICs are kept as a VM's JSON needs them, with their network's name and
 * the DHCP lease croft-netd last reported for them, so no read touches the
 * store or netd.  Leases are kept whole and mapped again whenever the NICs
 * or the leases change.
 *
 * Every update moves the model's generation on, so a reply rendered from
 * it can be kept (model_text_*) until the model or what else the reply
 * depends on changes: 32 clients listing 100 VMs then cost one render.
 *
 * The structures are public for readers; change them only through the
 * functions here.  Each part (host, process, balloon, disks, NICs) is
 * replaced whole, so the coming monitor can add per-vCPU, per-disk and
 * per-NIC figures and rates as fields of these parts.  No I/O here.
 */
#ifndef CROFT_MODEL_H
#define CROFT_MODEL_H

#include "core/host.h"
#include "core/procfs.h"
#include "common/netd_proto.h"
#include "common/validate.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct store_nic;

/* Pressure stall information of one resource (/proc/pressure/X). */
struct model_psi {
	int known;                       /* 0: the kernel has no PSI */
	int full_known;
	double some_avg10, full_avg10;   /* percent */
	uint64_t some_total_us, full_total_us;
};
enum { MODEL_PSI_CPU, MODEL_PSI_MEMORY, MODEL_PSI_IO, MODEL_NPSI };
extern const char *const model_psi_names[MODEL_NPSI];   /* "cpu", "memory", "io" */

struct model_ksm {
	int known;                       /* 0: no /sys/kernel/mm/ksm */
	uint64_t run, pages_shared, pages_sharing, pages_unshared, pages_volatile, full_scans;
};

/* The default pool's file system and what croft's disks hold of it. */
struct model_pool {
	int known;
	uint64_t size_bytes, avail_bytes;
	uint64_t allocated_bytes;        /* the sum of every VM's disks */
};

/* Figures of the host.  Rates (_ps: per second) and percentages are over
 * the interval since the previous sample; -1 when unknown. */
struct model_host {
	int64_t sampled_ms;              /* 0: never sampled */
	unsigned cpus;                   /* online */
	uint64_t cpu_busy, cpu_total;    /* jiffies since boot, as host.h says */
	struct host_mem mem;
	double load[3];                  /* 1, 5, 15 minutes */
	uint64_t uptime_ms;
	uint64_t cpu_modes[PROCFS_CPU_NMODES];     /* jiffies since boot */
	double cpu_modes_pct[PROCFS_CPU_NMODES];   /* of all CPUs' time */
	double cpu_pct;                  /* busy: all but idle and iowait */
	int vmstat_known;
	uint64_t pswpin, pswpout;        /* pages swapped in, out since boot */
	double pswpin_ps, pswpout_ps;
	struct model_psi psi[MODEL_NPSI];
	struct model_ksm ksm;
	struct model_pool pool;
};

/* A QEMU process. */
struct model_proc {
	pid_t pid;                       /* 0: nothing sampled */
	uint64_t start_ticks;            /* with pid, which process it was */
	uint64_t cpu_ms;                 /* user + system */
	uint64_t rss_bytes;
	int64_t sampled_ms;
	int64_t stat_ms;                 /* when rss_bytes and start_ticks were read */
	double cpu_pct;                  /* over the last interval; -1 unknown */
	uint64_t base_cpu_ms;            /* the reading cpu_pct is measured from */
	int64_t base_ms;
};

/* A vCPU thread of a QEMU (thread ids from query-cpus-fast). */
struct model_vcpu {
	unsigned index;                  /* cpu-index */
	pid_t tid;
	uint64_t run_ns, delay_ns;       /* schedstat; delay: CPU ready time */
	double ready_pct;                /* since the last sample; -1 unknown */
};

/* What the guest itself says of its memory (virtio-balloon statistics);
 * a figure the guest does not report is UINT64_MAX. */
struct model_guest_mem {
	int known;                       /* QEMU answered qom-get guest-stats */
	int stale;                       /* the guest stopped updating them */
	int64_t last_update;             /* unix seconds, 0: never */
	uint64_t total, free, available, disk_caches;    /* bytes */
	uint64_t swap_in, swap_out;      /* bytes, since the guest booted */
	uint64_t major_faults, minor_faults;
	int64_t sampled_ms;
};

/* A disk as QEMU counts it (query-blockstats). */
struct model_blk {
	char name[32];                   /* the node name: "disk0", "cdrom0" */
	uint64_t rd_bytes, wr_bytes, rd_ops, wr_ops, rd_time_ns, wr_time_ns;
	double rd_bps, wr_bps, rd_iops, wr_iops;   /* per second; -1 unknown */
	double rd_lat_ms, wr_lat_ms;     /* average per operation; -1 unknown */
};

/* A NIC's traffic as its guest sees it: the host counts the tap's
 * transmit as the guest's receive. */
struct model_netstat {
	int64_t nic_id;
	char ifname[16];                 /* the tap */
	uint64_t rx_bytes, rx_packets, rx_drops, tx_bytes, tx_packets, tx_drops;
	double rx_bps, tx_bps, rx_pps, tx_pps;     /* per second; -1 unknown */
};

struct model_balloon {
	pid_t pid;                       /* of the QEMU that reported it; 0: none */
	uint64_t actual_mib;
	int64_t sampled_ms;
	struct model_guest_mem guest;
};

struct model_disk {
	char *path;
	uint64_t allocated_bytes;
	int64_t sampled_ms;              /* 0: could not be read */
};

#define MODEL_MAC_STRLEN 18              /* "52:54:00:12:34:56" */
#define MODEL_ADDR_STRLEN INET_ADDRSTRLEN

struct model_nic {
	int64_t id;
	int64_t net_id;
	char net[NAME_MAX_LEN + 1];      /* the network's name; "?" if unknown */
	char mac[MODEL_MAC_STRLEN];
	uint8_t mac_bin[6];
	int mac_ok;                      /* mac parsed: leases can match it */
	char address[MODEL_ADDR_STRLEN]; /* assigned or pinned; "" when none */
	uint32_t vlan;                   /* 0: untagged */
	uint32_t rate_mbit;              /* 0: unlimited */
	struct in_addr lease;            /* from croft-netd; 0: none */
	int64_t lease_expires;           /* unix seconds, 0: infinite */
};

struct model_vm {
	int64_t id;
	struct model_proc proc;
	struct model_balloon balloon;
	struct model_disk *disks;
	size_t ndisks;
	struct model_nic *nics;
	size_t nnics;
	int64_t nics_ms;                 /* when the NIC rows were loaded */
	pid_t vcpus_pid;                 /* the QEMU the vCPUs belong to */
	struct model_vcpu *vcpus;
	size_t nvcpus;
	double ready_pct;                /* the mean of the vCPUs'; -1 unknown */
	double ready_max_pct;            /* the busiest vCPU's; -1 unknown */
	int64_t vcpus_ms;
	pid_t blks_pid;
	struct model_blk *blks;
	size_t nblks;
	int64_t blks_ms;
	struct model_netstat *netstats;
	size_t nnetstats;
	int64_t netstats_ms;
};

struct model {
	int64_t (*now_ms)(void);
	struct model_host host;
	struct model_vm **vms;           /* sorted by id */
	size_t nvms, cap;
	struct netd_lease *leases;
	size_t nleases;
	int64_t leases_ms;               /* 0: never read */
	uint64_t gen;                    /* moved on by every update */
	struct {
		uint64_t gen, key;
		char *text;
	} text;                          /* one rendered reply (model_text_*) */
};

/* now_ms NULL: the wall clock, unix milliseconds. */
struct model *model_new(int64_t (*now_ms)(void));
void model_free(struct model *m);
int64_t model_now_ms(const struct model *m);

/* Readers.  m may be NULL (croftd has no model yet): nothing is known. */
const struct model_vm *model_vm(const struct model *m, int64_t id);
/* The process figures of VM id if they were sampled from pid, else NULL. */
const struct model_proc *model_proc_of(const struct model *m, int64_t id, pid_t pid);
/* The balloon size QEMU pid last reported for VM id, else NULL. */
const struct model_balloon *model_balloon_of(const struct model *m, int64_t id, pid_t pid);
/* The disk at path of VM id as last sampled, else NULL. */
const struct model_disk *model_disk_of(const struct model *m, int64_t id, const char *path);
/* The newest lease on net_id for mac (infinite beats any expiry), or NULL. */
const struct netd_lease *model_lease_find(const struct model *m, int64_t net_id,
					  const uint8_t mac[6]);

/* Updates.  Each stamps what it stores with the model's clock; m may be
 * NULL (ignored), so code that runs without a model needs no case. */
void model_host_set(struct model *m, const struct model_host *h);
/* p->pid must be > 0; its sampled_ms is set here. */
void model_proc_set(struct model *m, int64_t id, const struct model_proc *p);
void model_proc_clear(struct model *m, int64_t id);
void model_balloon_set(struct model *m, int64_t id, pid_t pid, uint64_t actual_mib);
/* Copies disks[0..n) (paths too); sampled_ms is kept as given, 0 meaning
 * the disk could not be read. */
void model_disks_set(struct model *m, int64_t id, const struct model_disk *disks, size_t n);
/* Copies nics[0..n) and maps the current leases onto them. */
void model_nics_set(struct model *m, int64_t id, const struct model_nic *nics, size_t n);
/* Takes leases (malloc'd, may be NULL when n is 0) and maps them onto
 * every NIC. */
void model_leases_take(struct model *m, struct netd_lease *leases, size_t n);
/* The vCPUs of QEMU pid (copied); sets the VM's mean and max ready %. */
void model_vcpus_set(struct model *m, int64_t id, pid_t pid, const struct model_vcpu *v, size_t n);
/* The guest's own memory figures, as QEMU pid reported them. */
void model_guest_mem_set(struct model *m, int64_t id, pid_t pid, const struct model_guest_mem *g);
/* The disks' counters and rates of QEMU pid (copied). */
void model_blks_set(struct model *m, int64_t id, pid_t pid, const struct model_blk *b, size_t n);
/* The NICs' counters and rates (copied). */
void model_netstats_set(struct model *m, int64_t id, const struct model_netstat *s, size_t n);
/* Readers that answer only for QEMU pid, else NULL / 0. */
const struct model_vcpu *model_vcpus_of(const struct model *m, int64_t id, pid_t pid, size_t *n);
const struct model_blk *model_blks_of(const struct model *m, int64_t id, pid_t pid, size_t *n);

/* Forget VM id, or every VM for which keep(id, data) is 0. */
void model_vm_forget(struct model *m, int64_t id);
void model_vm_retain(struct model *m, int (*keep)(int64_t id, void *data), void *data);

/* A reply rendered from the model and kept while neither the model nor
 * key (what else the text depends on, as its renderer sees it) changed;
 * NULL when there is none such.  take: text is malloc'd and stolen. */
const char *model_text_get(const struct model *m, uint64_t key);
void model_text_take(struct model *m, uint64_t key, char *text);

/* A NIC row as the model keeps it, its network named net (NULL: "?");
 * the lease is left empty. */
void model_nic_from_store(struct model_nic *out, const struct store_nic *nic, const char *net);
/* Set n's lease from the model's leases (none when m is NULL). */
void model_nic_map(const struct model *m, struct model_nic *n);

#endif
