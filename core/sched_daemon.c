/*
 * The schedule service's actions in croftd (sched.h's sched_ops_daemon):
 * snapshots through core/snap.h, backups through core/backup.h, a VM's
 * jobs from the job runner, its pools' use from statvfs, and the
 * "schedule-pool" alert in the monitor's alerts.
 */
#include "core/sched.h"

#include "core/alerts.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/monitor.h"
#include "core/pool_usage.h"
#include "core/pools.h"
#include "core/vm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

static int busy(struct croftd *d, const char *vm, char *why, size_t len)
{
	struct job *j;

	for (j = d->jobs ? job_runner_first(d->jobs) : NULL; j; j = job_next(j)) {
		if (job_target(j) && !strcmp(job_target(j), vm)) {
			snprintf(why, len, "job %lld (%s) is %s on it", (long long)job_id(j),
				 job_kind_name(j), job_state_name(job_state(j)));
			return 1;
		}
	}
	return 0;
}

static int dir_used(const char *dir, double *pct)
{
	struct pool_usage u = { 0 };
	struct statvfs sv;

	if (statvfs(dir, &sv) < 0)
		return -errno;
	u.capacity = (uint64_t)sv.f_blocks * sv.f_frsize;
	u.free = (uint64_t)sv.f_bavail * sv.f_frsize;
	*pct = pool_usage_used_pct(&u);
	return 0;
}

/* The fullest of backup_to's pool, or of the pools of the VM's disks. */
static int pool_used(struct croftd *d, const char *vm, const char *backup_to, char *pool,
		     size_t len, double *pct)
{
	const struct vm *v = vm_find(d, vm);
	struct pools_root root;
	const char *dir;
	double p;
	size_t i, k;
	int found = 0;

	*pct = 0;
	if (backup_to) {
		dir = pools_dir_of(d->pools, backup_to);
		snprintf(pool, len, "%s", backup_to);
		return dir ? dir_used(dir, pct) : -ENOENT;
	}
	for (i = 0; v && i < v->spec.ndisks; i++) {
		if (pools_find(d->pools, v->spec.disks[i].path, &root) < 0 || !root.pool ||
		    dir_used(root.dir, &p) < 0 || (found && p <= *pct))
			continue;
		*pct = p;
		found = 1;
		for (k = 0; k < pools_count(d->pools); k++)
			if (!strcmp(pools_dir(d->pools, k), root.dir))
				snprintf(pool, len, "%s", pools_name(d->pools, k));
	}
	return found ? 0 : -ENOENT;
}

static const struct alert_rule pool_rule = {
	.kind = "schedule-pool",
	.label = "a scheduled run's pool use",
	.unit = " %",
	.warn = SCHED_POOL_FULL_PCT - 0.001,
	.crit = 0,
	.window_ms = 0,
};

static void pool_alert(struct croftd *d, const char *pool, double pct)
{
	struct alerts *a = monitor_alerts(d);

	if (a)
		alerts_observe(a, &pool_rule, "", pool, pct, (int64_t)time(NULL) * 1000);
}

static time_t now(void)
{
	return time(NULL);
}

const struct sched_ops sched_ops_daemon = {
	.busy = busy,
	.pool_used = pool_used,
	.pool_alert = pool_alert,
	.now = now,
};
