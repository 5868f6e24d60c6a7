/*
 * The croftd process context: what every part of the daemon shares.  There
 * is exactly one, built by croftd.c's main and handed to the API server, the
 * op handlers and the VM supervisor.
 */
#ifndef CROFT_DAEMON_H
#define CROFT_DAEMON_H

#include "core/accel.h"

#include <stdint.h>
#include <sys/types.h>

struct bus;
struct job_runner;
struct loop;
struct service_set;
struct store;
struct vm;
struct api_server;
struct netd_client;
struct model;
struct sampler;
struct pools;
struct monitor;
struct sched;

struct croftd {
	struct loop *loop;
	struct store *store;
	struct bus *bus;             /* every event goes through it (events.c) */
	int64_t events_keep;         /* history bound (events.c) */
	int events_failing;          /* the store refused the last event */
	struct service_set *services;
	struct job_runner *jobs;     /* long work: qemu-img, QMP jobs (job.c) */
	struct api_server *api;
	struct vm *vms;              /* every defined VM, in no order */
	struct netd_client *netd;    /* croft-netd at run_dir/netd.sock */
	struct model *model;         /* what reads render (model.h) */
	struct sampler *sampler;     /* fills the model (sampler.h) */
	struct monitor *monitor;     /* history, alerts, /metrics (monitor.h) */
	struct balloon *balloon;     /* the balloon policy and KSM (balloon.h) */
	struct sched *sched;         /* the schedules' service (sched.h) */

	char *state_dir;             /* croft.db, pools/, vm/<name>/ (UEFI vars) */
	char *run_dir;               /* croftd.sock, vm/<name>/ (QEMU runtime) */
	char *sock_path;
	char *pool_dir;              /* the default pool: state_dir/pools/default */
	struct pools *pools;         /* pools and allowed paths (pools.h) */
	struct pool_watch *pool_watch; /* pools' samples and levels (pool_watch.h) */

	const char *qemu_binary;
	char *qemu_version;          /* "7.2.19" or "unknown" */
	const char *ovmf_code;       /* NULL when OVMF is not installed */
	const char *ovmf_vars;       /* template copied per VM */

	/* QEMU's credentials: when croftd runs as root it starts QEMU as the
	 * unprivileged user croft-qemu; otherwise as itself. */
	int drop_privs;
	const char *qemu_user;
	uid_t qemu_uid;
	gid_t qemu_gid;
	gid_t qemu_groups[8];
	int qemu_ngroups;
	gid_t croft_gid;             /* API socket group; (gid_t)-1 if none */

	/* Each VM's QEMU runs as uid vm_uid_base + its slot, gid vm_gid_base +
	 * its slot, with vm_groups (the group of /dev/kvm) (vm_uid.h).  Only
	 * with drop_privs; qemu_uid above stays the base user croft-qemu that
	 * owns images and runs qemu-img. */
	uid_t vm_uid_base;
	gid_t vm_gid_base;
	uint32_t vm_id_count;        /* slots in the range */
	gid_t vm_groups[1];
	int vm_ngroups;
	char qemu_access[512];       /* what QEMU users cannot reach; "" if all */
	uint64_t serial_log_max;     /* cap of each VM's serial.log (bytes) */

	const char *accel_env;       /* CROFT_ACCEL, validated at start */
	struct accel_result accel;   /* resolved at start and on host.set */
};

/* Read the accel setting and the environment, probe /dev/kvm, and record
 * the decision in d->accel (croftd.c). */
void croftd_accel_refresh(struct croftd *d);

#endif
