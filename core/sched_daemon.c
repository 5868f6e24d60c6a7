/*
 * The schedule service's actions in croftd (sched.h's sched_ops_daemon):
 * snapshots through core/snap.h (their jobs' ends handed on to the
 * service), a VM's jobs from the job runner, its pools' use from statvfs,
 * and the "schedule-pool" alert in the monitor's alerts; backups through
 * core/backup.h the same way.
 */
#include "core/sched.h"

#include "core/alerts.h"
#include "core/backup.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/monitor.h"
#include "core/pool_usage.h"
#include "core/pools.h"
#include "core/snap.h"
#include "core/vm.h"
#include "core/vm_busy.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "store/store_backup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

static int busy(struct croftd *d, const char *vm, char *why, size_t len)
{
	struct vm *v = vm_find(d, vm);
	struct job *j = v ? vm_busy_job(d, &v->spec) : NULL;

	if (!j)
		return 0;
	snprintf(why, len, "job %lld (%s) is %s on it", (long long)job_id(j), job_kind_name(j),
		 job_state_name(job_state(j)));
	return 1;
}

/* A job's end, handed on as (done, data): error NULL when it is done. */
struct relay {
	sched_done_fn done;
	void *data;
};

static struct relay *relay_new(sched_done_fn done, void *data)
{
	struct relay *r = xcalloc(1, sizeof(*r));

	r->done = done;
	r->data = data;
	return r;
}

static void job_ended(struct job *j, void *data)
{
	struct relay r = *(struct relay *)data;
	const struct store_job *row = job_row(j);
	char why[768];

	free(data);
	if (job_state(j) == JOB_DONE) {
		r.done(r.data, NULL);
		return;
	}
	snprintf(why, sizeof(why), "job %lld %s: %s", (long long)job_id(j),
		 job_state_name(job_state(j)), row && row->error ? row->error : "no reason given");
	r.done(r.data, why);
}

static int make_snap(struct croftd *d, const char *vm, const char *name, bool ram,
		     int64_t schedule_id, sched_done_fn done, void *data, char *err, size_t errlen)
{
	char desc[64];
	struct snap_create_opts o = { .ram = ram, .description = desc, .schedule_id = schedule_id };
	struct relay *r = relay_new(done, data);
	int rc;

	snprintf(desc, sizeof(desc), "by schedule %lld", (long long)schedule_id);
	rc = snap_submit_create(d, vm, name, &o, job_ended, r, NULL, err, errlen);
	if (rc < 0)
		free(r);
	return rc;
}

static int drop_snap(struct croftd *d, const char *vm, const char *name, sched_done_fn done,
		     void *data, char *err, size_t errlen)
{
	struct relay *r = relay_new(done, data);
	int rc = snap_submit_delete(d, vm, name, job_ended, r, NULL, err, errlen);

	if (rc < 0)
		free(r);
	return rc;
}

static int make_backup(struct croftd *d, const char *vm, const char *pool, int64_t schedule_id,
		       sched_done_fn done, void *data, char *err, size_t errlen)
{
	struct relay *r = relay_new(done, data);
	int rc = backup_submit_create(d, vm, pool, schedule_id, job_ended, r, NULL, err, errlen);

	if (rc < 0)
		free(r);
	return rc;
}

/* The schedule's snapshots of vm, from the store. */
static int list_snaps(struct croftd *d, const char *vm, int64_t schedule_id, struct sched_item **v,
		      size_t *n)
{
	const struct vm *m = vm_find(d, vm);
	struct store_snap *s;
	size_t ns, i;

	*v = NULL;
	*n = 0;
	if (!m)
		return -ENOENT;
	if (store_snap_list(d->store, m->spec.id, &s, &ns) < 0)
		return -EIO;
	*v = xcalloc(ns + 1, sizeof(**v));
	for (i = 0; i < ns; i++) {
		if (s[i].schedule_id != schedule_id)
			continue;
		snprintf((*v)[*n].name, sizeof((*v)[*n].name), "%s", s[i].name);
		(*v)[*n].time = s[i].created;
		(*v)[*n].protected_ = s[i].protected_;
		(*n)++;
	}
	store_snap_list_free(s, ns);
	return 0;
}

static int list_backups(struct croftd *d, const char *vm, int64_t schedule_id,
			struct sched_item **v, size_t *n)
{
	struct store_backup *b;
	size_t nb, i;

	*v = NULL;
	*n = 0;
	if (store_backup_list(d->store, vm, &b, &nb) < 0)
		return -EIO;
	*v = xcalloc(nb + 1, sizeof(**v));
	for (i = 0; i < nb; i++) {
		if (b[i].schedule != schedule_id)
			continue;
		(*v)[*n].id = b[i].id;
		(*v)[*n].time = b[i].created;
		(*n)++;
	}
	store_backup_list_free(b, nb);
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
	.snap_create = make_snap,
	.snap_delete = drop_snap,
	.snap_list = list_snaps,
	.backup_create = make_backup,
	.backup_delete = backup_delete,
	.backup_list = list_backups,
	.busy = busy,
	.pool_used = pool_used,
	.pool_alert = pool_alert,
	.now = now,
};
