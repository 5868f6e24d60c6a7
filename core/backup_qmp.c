/*
 * A running VM's backup (backup.h), once job_disk_steps has made the
 * empty target images:
 *
 *   add-fd        each target, opened by croftd beneath its pool, as a
 *                 new fd set (opaque "bk<job>-<i>")
 *   blockdev-add  a file node "bk<job>-<i>-file" on /dev/fdset/N and a
 *                 qcow2 node "bk<job>-<i>" over it
 *   guest-fsfreeze-freeze   when the guest agent has answered before
 *   transaction   one blockdev-backup (sync full, job "bk<job>-<i>",
 *                 auto-dismiss off) per disk, completion-mode grouped:
 *                 every disk at the same instant
 *   guest-fsfreeze-thaw     as soon as the transaction has answered
 *
 * then each block job is followed as the job's step (job_step_qmp_all),
 * the job's progress the sum over all of them (bytes copied of the disks'
 * sizes, never going back), and the nodes and fd sets are removed again.  QMP replies find the job by
 * its id, since a cancel may have ended it meanwhile.
 *
 * backup_qemu_teardown undoes all of it in a QEMU, for a job that failed,
 * was cancelled, or died with an earlier croftd: job-cancel, wait until
 * QEMU has concluded the jobs (query-jobs), job-dismiss, blockdev-del,
 * then remove-fd of each fd set whose opaque is the job's.
 */
#include "core/backup_internal.h"
#include "core/daemon.h"
#include "core/qmp.h"
#include "core/vm.h"
#include "core/vm_agent.h"
#include "core/vm_files.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FREEZE_TIMEOUT_MS 3000
#define FREEZE_RETRY_MS 200
#define FREEZE_TRIES 30             /* the agent's own timeout, and more */
#define TEARDOWN_POLL_MS 200
#define TEARDOWN_TRIES 150

/* A QMP or agent reply's way back to its job. */
struct reply_ctx {
	struct croftd *d;
	int64_t job;
	char vm[64];
};

static struct reply_ctx *ctx_new(struct job *j)
{
	struct reply_ctx *c = xcalloc(1, sizeof(*c));

	c->d = job_daemon(j);
	c->job = job_id(j);
	snprintf(c->vm, sizeof(c->vm), "%s", backup_dstr(job_args(j), "vm"));
	return c;
}

/* The job, still running, or NULL. */
static struct job *ctx_job(const struct reply_ctx *c)
{
	struct job *j = c->d->jobs ? job_find(c->d->jobs, c->job) : NULL;

	return j && job_state(j) == JOB_RUNNING ? j : NULL;
}

static struct qmp *vm_qmp(struct croftd *d, const char *name)
{
	struct vm *vm = vm_find(d, name);

	return vm && vm_is_live(vm) ? vm->qmp : NULL;
}

static struct qmp *job_qmp(struct job *j)
{
	return vm_qmp(job_daemon(j), backup_dstr(job_args(j), "vm"));
}

static void job_name(struct job *j, size_t i, const char *suffix, char *out, size_t outlen)
{
	snprintf(out, outlen, "bk%lld-%zu%s", (long long)job_id(j), i, suffix);
}

/* The reply's error, or NULL when it answered. */
static const char *reply_error(const struct qmp_msg *m)
{
	if (!m)
		return "QEMU's QMP connection closed";
	if (m->type != QMP_MSG_RETURN)
		return m->err_desc ? m->err_desc : "QEMU refused";
	return NULL;
}

/* --- the targets into QEMU -------------------------------------------------------- */

static void attach_disk(struct job *j);

static void node_added(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct reply_ctx *c = data;
	struct job *j = ctx_job(c);
	struct backup_run *run;
	const char *e = reply_error(m);

	(void)q;
	free(c);
	if (!j)
		return;
	run = job_priv(j);
	if (e) {
		job_fail(j, "QEMU cannot open the backup image %s: %s",
			 backup_dstr(backup_disk_at(j, run->i), "path"), e);
		return;
	}
	run->i++;
	attach_disk(j);
}

static void file_added(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct reply_ctx *c = data;
	struct job *j = ctx_job(c);
	struct backup_run *run;
	const char *e = reply_error(m);
	char node[48], file[48];

	if (!j) {
		free(c);
		return;
	}
	run = job_priv(j);
	if (e) {
		free(c);
		job_fail(j, "QEMU cannot open the backup image %s: %s",
			 backup_dstr(backup_disk_at(j, run->i), "path"), e);
		return;
	}
	job_name(j, run->i, "", node, sizeof(node));
	job_name(j, run->i, "-file", file, sizeof(file));
	if (qmp_command(q, "blockdev-add", json_pack("{s:s,s:s,s:s}", "driver", "qcow2",
		       "node-name", node, "file", file), node_added, c) < 0) {
		free(c);
		job_fail(j, "QEMU's QMP connection closed");
	}
}

static void fd_added(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct reply_ctx *c = data;
	struct job *j = ctx_job(c);
	const char *e = reply_error(m);
	char file[48], path[48];
	struct backup_run *run;

	if (!j) {
		free(c);
		return;
	}
	run = job_priv(j);
	if (e) {
		free(c);
		job_fail(j, "QEMU did not take the backup image's descriptor: %s", e);
		return;
	}
	job_name(j, run->i, "-file", file, sizeof(file));
	snprintf(path, sizeof(path), "/dev/fdset/%lld",
		 (long long)json_integer_value(json_object_get(m->ret, "fdset-id")));
	if (qmp_command(q, "blockdev-add", json_pack("{s:s,s:s,s:s}", "driver", "file",
		       "node-name", file, "filename", path), file_added, c) < 0) {
		free(c);
		job_fail(j, "QEMU's QMP connection closed");
	}
}

static void freeze(struct job *j);

static void attach_disk(struct job *j)
{
	struct backup_run *run = job_priv(j);
	const char *path;
	struct qmp *q = job_qmp(j);
	struct reply_ctx *c;
	struct vm_file f;
	char opaque[48], err[1024];
	int rc, fd;

	if (run->i == backup_ndisks(j)) {
		freeze(j);
		return;
	}
	if (!q) {
		job_fail(j, "VM %s stopped during its backup", backup_dstr(job_args(j), "vm"));
		return;
	}
	path = backup_dstr(backup_disk_at(j, run->i), "path");
	if ((rc = vm_file_open(job_daemon(j)->pools, path, VM_FILE_WRITE, &f)) < 0) {
		vm_file_error(rc, "backup image", path, err, sizeof(err));
		job_fail(j, "%s", err);
		return;
	}
	fd = f.fd;
	f.fd = -1;
	vm_file_close(&f);
	run->attached = 1;
	job_name(j, run->i, "", opaque, sizeof(opaque));
	c = ctx_new(j);
	if (qmp_command_fd(q, "add-fd", json_pack("{s:s}", "opaque", opaque), fd, fd_added,
			   c) < 0) {
		free(c);
		job_fail(j, "cannot hand QEMU the backup image %s", path);
	}
}

static void targets_made(struct job *j)
{
	struct backup_run *run = job_priv(j);

	run->i = 0;
	attach_disk(j);
}

/* --- one instant ----------------------------------------------------------------------- */

static void thawed(struct vm *vm, int rc, json_t *results, const char *err, void *data)
{
	(void)results;
	(void)data;
	if (rc < 0)
		log_warn("VM %s: cannot thaw the guest's file systems after its backup: %s",
			 vm->spec.name, err);
}

static void thaw(struct croftd *d, const char *name)
{
	static const char *const cmds[] = { "guest-fsfreeze-thaw" };
	struct vm *vm = vm_find(d, name);
	char err[256];

	if (vm && vm_agent_run(vm, cmds, NULL, 1, FREEZE_TIMEOUT_MS, thawed, NULL, err,
			       sizeof(err)) < 0)
		log_warn("VM %s: cannot thaw the guest's file systems after its backup: %s", name,
			 err);
}

static void follow(struct job *j);

static void transacted(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct reply_ctx *c = data;
	struct job *j = ctx_job(c);
	const char *e = reply_error(m);
	struct backup_run *run;
	char err[1024];

	(void)q;
	if (!j) {
		/* the job is gone, but a freeze it made must end */
		thaw(c->d, c->vm);
		free(c);
		return;
	}
	run = job_priv(j);
	if (run->frozen)
		thaw(c->d, c->vm);
	free(c);
	if (e) {
		job_fail(j, "QEMU refused the backup transaction: %s", e);
		return;
	}
	/* the UEFI variables of the same instant, give or take the reply */
	if (backup_vars_copy(j, err, sizeof(err)) < 0) {
		job_fail(j, "%s", err);
		return;
	}
	run->i = 0;
	follow(j);
}

static void transaction(struct job *j)
{
	struct backup_run *run = job_priv(j);
	struct qmp *q = job_qmp(j);
	json_t *actions = json_array();
	struct reply_ctx *c;
	char node[48];
	size_t i;

	if (!q) {
		if (run->frozen)
			thaw(job_daemon(j), backup_dstr(job_args(j), "vm"));
		json_decref(actions);
		job_fail(j, "VM %s stopped during its backup", backup_dstr(job_args(j), "vm"));
		return;
	}
	for (i = 0; i < backup_ndisks(j); i++) {
		json_t *speed = json_object_get(job_args(j), "speed"), *act;

		job_name(j, i, "", node, sizeof(node));
		act = json_pack("{s:s,s:s,s:s,s:s,s:b}", "device",
				backup_dstr(backup_disk_at(j, i), "node"), "target", node, "sync",
				"full", "job-id", node, "auto-dismiss", 0);
		if (json_is_integer(speed))
			json_object_set(act, "speed", speed);
		json_array_append_new(actions, json_pack("{s:s,s:o}", "type", "blockdev-backup",
							 "data", act));
	}
	run->instant = time(NULL);
	c = ctx_new(j);
	if (qmp_command(q, "transaction", json_pack("{s:o,s:{s:s}}", "actions", actions,
		       "properties", "completion-mode", "grouped"), transacted, c) < 0) {
		if (run->frozen)
			thaw(job_daemon(j), c->vm);
		free(c);
		job_fail(j, "QEMU's QMP connection closed");
	}
}

static void frozen_cb(struct vm *vm, int rc, json_t *results, const char *err, void *data)
{
	struct reply_ctx *c = data;
	struct job *j = ctx_job(c);

	(void)results;
	if (!j) {
		if (rc == 0)
			thaw(c->d, c->vm);
		free(c);
		return;
	}
	free(c);
	((struct backup_run *)job_priv(j))->frozen = rc == 0;
	if (rc < 0)
		log_info("VM %s: backup without freezing the guest's file systems: %s",
			 vm->spec.name, err);
	transaction(j);
}

/* Freeze the guest's file systems when its agent has answered before
 * (a guest without one would only cost the timeout).  While croftd's own
 * poll of the agent holds it, ask again a little later. */
static void freeze_timer(struct loop *l, struct loop_timer *t, void *data)
{
	struct reply_ctx *c = data;
	struct job *j = ctx_job(c);

	(void)l;
	(void)t;
	free(c);
	if (j)
		freeze(j);
}

static void freeze(struct job *j)
{
	static const char *const cmds[] = { "guest-fsfreeze-freeze" };
	struct backup_run *run = job_priv(j);
	struct vm *vm = vm_find(job_daemon(j), backup_dstr(job_args(j), "vm"));
	struct reply_ctx *c;
	char err[256];
	int rc;

	if (!vm || !vm->guest_at) {
		transaction(j);
		return;
	}
	c = ctx_new(j);
	rc = vm_agent_run(vm, cmds, NULL, 1, FREEZE_TIMEOUT_MS, frozen_cb, c, err, sizeof(err));
	if (rc == -EBUSY && run->freeze_tries++ < FREEZE_TRIES) {
		loop_timer_add(job_daemon(j)->loop, FREEZE_RETRY_MS, freeze_timer, c);
		return;
	}
	if (rc < 0) {
		free(c);
		log_info("VM %s: backup without freezing the guest's file systems: %s",
			 vm->spec.name, err);
		transaction(j);
	}
}

/* --- following the block jobs ---------------------------------------------------------- */

static void followed(struct job *j, const char *error)
{
	struct backup_run *run = job_priv(j);

	if (error) {
		job_fail(j, "QEMU could not copy %s: %s",
			 backup_dstr(backup_disk_at(j, run->i), "source"), error);
		return;
	}
	run->i++;
	follow(j);
}

/* QEMU has let go of the images: hash them. */
static void released(struct croftd *d, int64_t id)
{
	struct job *j = d->jobs ? job_find(d->jobs, id) : NULL;

	if (!j || job_state(j) != JOB_RUNNING)
		return;
	((struct backup_run *)job_priv(j))->attached = 0;
	backup_after_copy(j);
}

/* The job's progress while QEMU copies: the sum over every disk's block
 * job (they all run at once), a disk's last figures kept once its job is
 * dismissed, its size until QEMU lists it; never less than shown before. */
static void block_progress(struct job *j, const json_t *jobs)
{
	struct backup_run *run = job_priv(j);
	uint64_t done = 0, total = 0;
	const json_t *e;
	char id[48];
	size_t i, k;

	for (i = 0; i < backup_ndisks(j) && i < VM_SPEC_DISKS_MAX; i++) {
		job_name(j, i, "", id, sizeof(id));
		json_array_foreach(jobs, k, e) {
			const char *eid = json_string_value(json_object_get(e, "id"));

			if (eid && !strcmp(eid, id)) {
				run->disk_done[i] = (uint64_t)json_integer_value(
					json_object_get(e, "current-progress"));
				run->disk_total[i] = (uint64_t)json_integer_value(
					json_object_get(e, "total-progress"));
			}
		}
		done += run->disk_done[i];
		total += run->disk_total[i] ? run->disk_total[i] : (uint64_t)json_integer_value(
			json_object_get(backup_disk_at(j, i), "size_bytes"));
	}
	if (done < run->shown)
		done = run->shown;
	if (total < done)
		total = done;
	run->shown = done;
	job_progress(j, done, total);
}

static void follow(struct job *j)
{
	struct backup_run *run = job_priv(j);
	char id[48], err[1024];

	if (run->i == backup_ndisks(j)) {
		backup_qemu_teardown(job_daemon(j), backup_dstr(job_args(j), "vm"), job_id(j),
				     backup_ndisks(j), released);
		return;
	}
	job_name(j, run->i, "", id, sizeof(id));
	if (job_step_qmp_all(j, job_qmp, id, block_progress, followed, err, sizeof(err)) < 0)
		job_fail(j, "%s", err);
}

int backup_live_start(struct job *j, char *err, size_t errlen)
{
	struct backup_run *run = job_priv(j);

	run->disks.no_progress = 1;      /* empty targets: the copy is the progress */
	return job_disk_steps(j, json_object_get(job_args(j), "disks"), targets_made, err, errlen);
}

/* --- undoing it in QEMU ---------------------------------------------------------------- */

struct teardown {
	struct croftd *d;
	char vm[64];
	pid_t pid;
	char prefix[32];                 /* "bk<job>-" */
	size_t n;
	unsigned tries;
	int64_t job;
	void (*done)(struct croftd *d, int64_t job);
};

/* The teardown is over (or cannot go on): tell who waits, free. */
static void td_end(struct teardown *t)
{
	if (t->done)
		t->done(t->d, t->job);
	free(t);
}

static struct qmp *td_qmp(struct teardown *t)
{
	struct vm *vm = vm_find(t->d, t->vm);

	return vm && vm_is_live(vm) && vm->pid == t->pid ? vm->qmp : NULL;
}

static int ours(const struct teardown *t, const char *id)
{
	return id && !strncmp(id, t->prefix, strlen(t->prefix));
}

static void fdsets_listed(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct teardown *t = data;
	json_t *set, *fd;
	size_t i, k;

	if (m && m->type == QMP_MSG_RETURN)
		json_array_foreach(m->ret, i, set) {
			json_array_foreach(json_object_get(set, "fds"), k, fd)
				if (ours(t, json_string_value(json_object_get(fd, "opaque")))) {
					qmp_command(q, "remove-fd", json_pack("{s:O}", "fdset-id",
						    json_object_get(set, "fdset-id")), NULL, NULL);
					break;
				}
		}
	td_end(t);
}

static void td_query(struct teardown *t);

static void td_timer(struct loop *l, struct loop_timer *tm, void *data)
{
	(void)l;
	(void)tm;
	td_query(data);
}

static void jobs_listed(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct teardown *t = data;
	const char *id, *status;
	json_t *e;
	char node[96];
	size_t i;
	int running = 0;

	if (!m || m->type != QMP_MSG_RETURN || td_qmp(t) != q) {
		td_end(t);
		return;
	}
	json_array_foreach(m->ret, i, e) {
		id = json_string_value(json_object_get(e, "id"));
		status = json_string_value(json_object_get(e, "status"));
		if (ours(t, id) && status && strcmp(status, "concluded") && strcmp(status, "null"))
			running = 1;
	}
	if (running && ++t->tries < TEARDOWN_TRIES) {
		loop_timer_add(t->d->loop, TEARDOWN_POLL_MS, td_timer, t);
		return;
	}
	json_array_foreach(m->ret, i, e)
		if (ours(t, id = json_string_value(json_object_get(e, "id"))))
			qmp_command(q, "job-dismiss", json_pack("{s:s}", "id", id), NULL, NULL);
	for (i = 0; i < t->n; i++) {
		snprintf(node, sizeof(node), "%s%zu", t->prefix, i);
		qmp_command(q, "blockdev-del", json_pack("{s:s}", "node-name", node), NULL, NULL);
		snprintf(node, sizeof(node), "%s%zu-file", t->prefix, i);
		qmp_command(q, "blockdev-del", json_pack("{s:s}", "node-name", node), NULL, NULL);
	}
	if (qmp_command(q, "query-fdsets", NULL, fdsets_listed, t) < 0)
		td_end(t);
}

static void td_query(struct teardown *t)
{
	struct qmp *q = td_qmp(t);

	if (!q || qmp_command(q, "query-jobs", NULL, jobs_listed, t) < 0)
		td_end(t);
}

void backup_qemu_teardown(struct croftd *d, const char *name, int64_t job, size_t n,
			  void (*done)(struct croftd *d, int64_t job))
{
	struct vm *vm = name ? vm_find(d, name) : NULL;
	struct teardown *t;
	char id[96];
	size_t i;

	if (!vm || !vm_is_live(vm) || !vm->qmp) {
		if (done)
			done(d, job);
		return;
	}
	t = xcalloc(1, sizeof(*t));
	t->d = d;
	t->job = job;
	t->done = done;
	snprintf(t->vm, sizeof(t->vm), "%s", name);
	t->pid = vm->pid;
	snprintf(t->prefix, sizeof(t->prefix), "bk%lld-", (long long)job);
	t->n = n;
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%s%zu", t->prefix, i);
		qmp_command(vm->qmp, "job-cancel", json_pack("{s:s}", "id", id), NULL, NULL);
	}
	td_query(t);
}
