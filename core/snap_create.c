/*
 * The "snap.create" job (snap.h).  Its args are {"vm", "name",
 * "description", "ram", "protected", "schedule"}, plus "undo" when a
 * croftd restart interrupted it.
 *
 * A live VM: "stop" (unless the guest is paused already), then
 * snap_disks_take: one QMP "transaction" of
 * blockdev-snapshot-internal-sync over the top node of every disk, with
 * the UEFI variable store copied while the guest cannot write it, then
 * "cont".  The STOP and RESUME events of that pause are the snapshot's
 * (snap_qmp_pause_event), not a pause of the VM, and their QMP timestamps
 * give the pause it records.  The three commands are one wait step: a
 * cancel waits for "cont", so the guest is never left stopped by croftd.
 *
 * While the guest is stopped (frozen) for it, a mark snap-paused
 * (snap-frozen) in the VM's run directory says so: a croftd that dies
 * meanwhile resumes the job at its restart in "undo" mode, which continues
 * (thaws) the guest before the sweep; a paused mark left by a job that
 * ended without QEMU's answer to "cont" has the guest continued at the
 * next start (snap_marks_recover).  A live snapshot holds its guest
 * (job_hold_guest): croftd's stop on SIGTERM waits for it to end.  When the
 * guest agent answered lately, the file systems are frozen first and
 * thawed after "cont" (asked again until the agent answers).
 * A live VM with "ram": vmstate_save (vmstate.h) into a state file in the
 * pool (recorded in the job, named in the row), which stops the guest
 * and calls back while it is stopped: snap_disks_take there, so the disks
 * and the RAM are of one instant; method and pause are vmstate's.
 *
 * A stopped VM: qemu-img snapshot -c on each disk, then the variable
 * store, then qemu-img check of each disk (chain health).  Either way the row is written last; a job that does not end
 * done has its variable store copy removed (job_cleanup_add) and queues
 * the sweep of the name from every disk (snap_undo_submit).
 */
#include "core/snap_internal.h"
#include "core/vm_spec.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job_exec.h"
#include "core/qmp.h"
#include "core/vm.h"
#include "core/vm_agent.h"
#include "core/vm_disk.h"
#include "core/vmstate.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SNAP_FREEZE_TIMEOUT_MS 3000
#define SNAP_PAUSED_MARK "snap-paused"
#define SNAP_FROZEN_MARK "snap-frozen"
#define SNAP_THAW_TRIES 20
#define SNAP_THAW_RETRY_MS 250
#define SNAP_FREEZE_TRIES 8             /* 2 s while croftd's poll holds the agent */

/* --- pauses a snapshot makes --------------------------------------------------------- */

struct snap_pause {
	char vm[64];
	pid_t pid;
	double stop_s, resume_s;         /* QMP event timestamps; 0: not seen */
	struct snap_pause *next;
};
static struct snap_pause *pauses;

static struct snap_pause *pause_add(const struct vm *vm)
{
	struct snap_pause *p = xcalloc(1, sizeof(*p));

	snprintf(p->vm, sizeof(p->vm), "%s", vm->spec.name);
	p->pid = vm->pid;
	p->next = pauses;
	pauses = p;
	return p;
}

static void pause_drop(struct snap_pause *p)
{
	struct snap_pause **pp;

	for (pp = &pauses; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p);
}

int snap_qmp_pause_event(struct vm *vm, const struct qmp_msg *ev)
{
	const json_t *ts = json_object_get(ev->root, "timestamp");
	double t = (double)json_integer_value(json_object_get(ts, "seconds")) +
		   (double)json_integer_value(json_object_get(ts, "microseconds")) / 1e6;
	struct snap_pause *p;

	for (p = pauses; p; p = p->next) {
		if (p->pid != vm->pid || strcmp(p->vm, vm->spec.name))
			continue;
		if (!strcmp(ev->event, "STOP"))
			p->stop_s = t;
		else
			p->resume_s = t;
		return 1;
	}
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- the disks' snapshot while the guest is stopped ------------------------------------ */

struct take_disks {
	snap_take_fn done;
	void *data;
};

static void transaction_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct take_disks td = *(struct take_disks *)data;

	(void)q;
	free(data);
	td.done(td.data, !m ? "QEMU's QMP connection closed" :
		m->type == QMP_MSG_ERROR ? (m->err_desc ? m->err_desc : "QEMU refused") : NULL);
}

/* Copy vm's UEFI variable store for snapshot name, recorded in j first. */
static int vars_save(struct job *j, struct vm *vm, const char *name, char *err, size_t errlen)
{
	struct croftd *d = job_daemon(j);
	char *from = vm_state_path(d, vm->spec.name, "OVMF_VARS.fd");
	char *to = snap_vars_path(d, vm->spec.name, name);
	int rc = 0;

	if (strcmp(vm->spec.firmware ? vm->spec.firmware : "", "uefi") || access(from, F_OK) < 0)
		goto out;
	unlink(to);                      /* a leftover of an earlier snapshot of that name */
	if ((rc = job_cleanup_add(j, to, err, errlen)) == 0)
		rc = vm_state_file_copy(from, to, err, errlen);
out:
	free(from);
	free(to);
	return rc;
}

int snap_disks_take(struct job *j, struct vm *vm, const char *name, snap_take_fn done,
		    void *data, char *err, size_t errlen)
{
	json_t *actions = json_array();
	struct take_disks *td;
	const char *node;
	size_t i;
	int rc;

	for (i = 0; i < vm->spec.ndisks; i++) {
		if (!(node = vm_disk_node(vm, vm->spec.disks[i].idx))) {
			err_set(err, errlen, "QEMU's node of disk %s is unknown",
				vm->spec.disks[i].path);
			json_decref(actions);
			return -ENOENT;
		}
		json_array_append_new(actions, json_pack("{s:s,s:{s:s,s:s}}", "type",
							 "blockdev-snapshot-internal-sync", "data",
							 "device", node, "name", name));
	}
	if (!vm->qmp) {
		err_set(err, errlen, "VM '%s' has no QMP connection", vm->spec.name);
		json_decref(actions);
		return -ENOTCONN;
	}
	td = xcalloc(1, sizeof(*td));
	td->done = done;
	td->data = data;
	if (qmp_command(vm->qmp, "transaction", json_pack("{s:o}", "actions", actions),
			transaction_reply, td) < 0) {
		free(td);
		err_set(err, errlen, "VM '%s': QEMU's QMP connection closed", vm->spec.name);
		return -ENOTCONN;
	}
	/* QEMU runs the transaction before any later command: the guest
	 * cannot write its variables now, nor until it is continued */
	if ((rc = vars_save(j, vm, name, err, errlen)) < 0)
		log_warn("VM %s: snapshot %s: %s", vm->spec.name, name, err);
	return 0;
}

/* --- the job -------------------------------------------------------------------------- */

struct create_run {
	struct snap_sweep sweep;         /* first: the undo mode's */
	size_t i;                        /* stopped: the disk being snapshotted */
	int touched;                     /* a disk may have the snapshot */
};

static const char *arg(struct job *j, const char *key)
{
	return json_string_value(json_object_get(job_args(j), key));
}

/* Write the row: a child of the current snapshot, and now current. */
static void record(struct job *j, double pause_ms, const char *method, int frozen)
{
	struct croftd *d = job_daemon(j);
	struct create_run *run = job_priv(j);
	struct vm *vm = snap_job_vm(j);
	json_t *a = job_args(j), *spec;
	struct store_snap s = { 0 }, *v = NULL;
	size_t n = 0, i;
	char err[1024];

	if (!vm)
		return;
	store_snap_list(d->store, vm->spec.id, &v, &n);
	for (i = 0; i < n; i++)
		if (v[i].current)
			s.parent_id = v[i].id;
	store_snap_list_free(v, n);
	spec = vm_spec_json(&vm->spec);
	s.vm_id = vm->spec.id;
	s.name = (char *)arg(j, "name");
	/* a RAM snapshot (snapram's vmstate) names its state file in the args */
	s.ram = json_is_true(json_object_get(a, "ram"));
	s.vmstate = (char *)arg(j, "vmstate");
	s.created = time(NULL);
	s.description = (char *)arg(j, "description");
	s.pause_ms = pause_ms;
	s.method = (char *)method;
	s.frozen = frozen;
	s.protected_ = json_is_true(json_object_get(a, "protected"));
	s.schedule_id = json_integer_value(json_object_get(a, "schedule"));
	s.alloc = snap_disks_alloc(&vm->spec);
	s.spec = json_dumps(spec, JSON_COMPACT);
	s.disks = json_dumps(json_object_get(spec, "disks"), JSON_COMPACT);
	json_decref(spec);
	if (store_snap_add(d->store, &s, err, sizeof(err)) < 0) {
		free(s.spec);
		free(s.disks);
		job_fail(j, "cannot record snapshot '%s': %s", arg(j, "name"), err);
		return;
	}
	run->touched = 0;
	log_info("VM %s: snapshot %s taken (%s, pause %.1f ms)", vm->spec.name, s.name, method,
		 pause_ms < 0 ? 0 : pause_ms);
	job_set_result(j, json_pack("{s:s,s:s,s:s,s:o,s:b}", "vm", vm->spec.name, "name", s.name,
				    "method", method, "pause_ms",
				    pause_ms >= 0 ? json_real(pause_ms) : json_null(), "frozen",
				    frozen));
	bus_publish(d->bus, "snap.created", vm->spec.name, 0,
		    json_pack("{s:s,s:s,s:s}", "vm", vm->spec.name, "name", s.name, "method",
			      method),
		    "VM %s: snapshot %s taken", vm->spec.name, s.name);
	free(s.spec);
	free(s.disks);
	snap_health_live(vm);            /* a running VM's images, as QEMU sees them */
	job_done(j);
}

/* -- a live VM: freeze, stop, transaction, cont, thaw as one wait step -- */

struct take {
	struct job_wait *w;
	struct croftd *d;
	char vm[64];
	struct snap_pause *pause;        /* NULL: the guest was not stopped for it */
	int64_t stop_sent_ms;
	double pause_ms;
	int freeze_sent;                 /* the agent was asked to freeze */
	int frozen;                      /* and said it did */
	int thaw_tries;
	int freeze_tries;
	int undo;                        /* a resumed job's thaw: then the sweep */
	int qmp_lost;                    /* QMP closed before "stop" or "cont" answered */
	char *paused_mark, *frozen_mark; /* while the guest is stopped / frozen */
	char *error;
};

static struct vm *take_vm(const struct take *t)
{
	return vm_find(t->d, t->vm);
}

/* A file in the VM's run directory saying the guest is stopped (or
 * frozen) for this job: a croftd that dies meanwhile finds it at its
 * restart and continues (thaws) the guest.  Not among the job's files: it
 * outlives a job that ends with the guest still stopped.  NULL on failure. */
static char *mark(struct job *j, const char *vm, const char *file)
{
	char *path;
	int fd;

	if (!j)
		return NULL;
	path = vm_run_path(job_daemon(j), vm, file);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		log_warn("VM %s: cannot mark %s: %s", vm, path, strerror(errno));
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/* The guest is continued (thawed), or there is none: the mark goes. */
static void unmark(char **path)
{
	if (!*path)
		return;
	unlink(*path);
	free(*path);
	*path = NULL;
}

static void undone(struct job *j);

static void take_finish(struct take *t)
{
	struct job *j;

	/* croftd lives: whatever happened to the file systems was answered
	 * here; the paused mark stays only when QMP closed on "stop" or "cont"
	 * of a QEMU still there (croftd is going: the next one continues it) */
	if (!t->qmp_lost || !take_vm(t) || !vm_is_live(take_vm(t)))
		unmark(&t->paused_mark);
	unmark(&t->frozen_mark);
	j = job_wait_end(t->w);

	if (t->pause)
		pause_drop(t->pause);
	if (j && t->undo)
		snap_sweep_start(j, arg(j, "name"), undone);
	else if (j && t->error)
		job_fail(j, "cannot snapshot the disks of VM '%s': %s", t->vm, t->error);
	else if (j)
		record(j, t->pause_ms, "transaction", t->frozen);
	free(t->paused_mark);
	free(t->frozen_mark);
	free(t->error);
	free(t);
}

static void thaw(struct take *t);

static void thaw_timer_cb(struct loop *l, struct loop_timer *tm, void *data)
{
	(void)l;
	(void)tm;
	thaw(data);
}

/* Ask again soon (the agent may be busy with croftd's poll), a few times. */
static void thaw_again(struct take *t, const char *why)
{
	if (t->thaw_tries < SNAP_THAW_TRIES) {
		loop_timer_add(t->d->loop, SNAP_THAW_RETRY_MS, thaw_timer_cb, t);
		return;
	}
	log_warn("VM %s: the guest agent did not thaw the file systems after %d tries: %s; "
		 "thaw them with the guest agent (guest-fsfreeze-thaw) or reboot the guest",
		 t->vm, t->thaw_tries, why);
	take_finish(t);
}

static void thawed(struct vm *vm, int rc, json_t *results, const char *err, void *data)
{
	struct take *t = data;

	(void)vm;
	(void)results;
	if (rc < 0) {
		thaw_again(t, err ? err : "no answer");
		return;
	}
	unmark(&t->frozen_mark);
	take_finish(t);
}

/* The guest agent thaws what it froze, whatever happened since. */
static void thaw(struct take *t)
{
	static const char *const cmd[] = { "guest-fsfreeze-thaw" };
	struct vm *vm = take_vm(t);
	char err[256];

	if (!t->freeze_sent || !vm || !vm_is_live(vm)) {
		take_finish(t);
		return;
	}
	t->thaw_tries++;
	if (vm_agent_run(vm, cmd, NULL, 1, SNAP_FREEZE_TIMEOUT_MS, thawed, t, err,
			 sizeof(err)) < 0)
		thaw_again(t, err);
}

static void cont_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct take *t = data;

	(void)q;
	if (m && m->type == QMP_MSG_ERROR)
		log_warn("VM %s: could not continue the guest after its snapshot: %s", t->vm,
			 m->err_desc ? m->err_desc : "QEMU refused");
	else if (m)
		unmark(&t->paused_mark);
	t->qmp_lost = !m;
	if (t->pause->stop_s > 0 && t->pause->resume_s >= t->pause->stop_s)
		t->pause_ms = (t->pause->resume_s - t->pause->stop_s) * 1000.0;
	else
		t->pause_ms = (double)(mono_ms() - t->stop_sent_ms);
	thaw(t);
}

static void taken(void *data, const char *error)
{
	struct take *t = data;
	struct vm *vm;

	if (error && !t->error)
		t->error = xstrdup(error);
	if (!t->pause) {
		thaw(t);
		return;
	}
	vm = take_vm(t);
	if (!vm || !vm->qmp || qmp_command(vm->qmp, "cont", NULL, cont_reply, t) < 0) {
		if (!t->error)
			t->error = xstrdup("QEMU went away before the guest was continued");
		thaw(t);
	}
}

static void stop_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct take *t = data;
	struct job *j = job_wait_job(t->w);
	struct vm *vm = take_vm(t);
	char err[1024];

	(void)q;
	if (!m || m->type == QMP_MSG_ERROR || !vm) {
		t->qmp_lost = !m;
		t->error = xstrdup(!m ? "QEMU's QMP connection closed" : !vm ? "the VM is gone" :
				   m->err_desc ? m->err_desc : "QEMU refused to stop the guest");
		pause_drop(t->pause);
		t->pause = NULL;
		thaw(t);
		return;
	}
	if (snap_disks_take(j, vm, json_string_value(json_object_get(job_args(j), "name")),
			    taken, t, err, sizeof(err)) < 0)
		taken(t, err);
}

/* Stop the guest (unless it is paused already) and take the disks. */
static void stop_and_take(struct take *t)
{
	struct job *j = job_wait_job(t->w);
	struct vm *vm = take_vm(t);
	char err[1024];

	if (!vm || !vm->qmp) {
		t->error = xstrdup("QEMU went away");
		thaw(t);
		return;
	}
	if (vm->state != VM_RUNNING) {
		/* paused already: no pause of ours */
		if (snap_disks_take(j, vm, arg(j, "name"), taken, t, err, sizeof(err)) < 0)
			taken(t, err);
		return;
	}
	t->pause = pause_add(vm);
	t->paused_mark = mark(j, vm->spec.name, SNAP_PAUSED_MARK);
	t->stop_sent_ms = mono_ms();
	if (qmp_command(vm->qmp, "stop", NULL, stop_reply, t) < 0)
		stop_reply(NULL, NULL, t);
}

static void frozen_cb(struct vm *vm, int rc, json_t *results, const char *err, void *data)
{
	struct take *t = data;

	(void)results;
	t->frozen = rc == 0;
	if (rc < 0)
		log_info("VM %s: snapshot without frozen file systems: %s", vm->spec.name,
			 err ? err : "the guest agent did not answer");
	stop_and_take(t);
}

static void freeze(struct take *t);

static void freeze_timer_cb(struct loop *l, struct loop_timer *tm, void *data)
{
	(void)l;
	(void)tm;
	freeze(data);
}

/* Ask the guest agent to freeze the file systems; while croftd's own poll
 * holds the agent (-EBUSY), ask again soon, a few times. */
static void freeze(struct take *t)
{
	static const char *const cmd[] = { "guest-fsfreeze-freeze" };
	struct vm *vm = take_vm(t);
	char why[256];
	int rc;

	if (!vm || vm->state != VM_RUNNING) {
		stop_and_take(t);
		return;
	}
	if (!t->frozen_mark)
		t->frozen_mark = mark(job_wait_job(t->w), vm->spec.name, SNAP_FROZEN_MARK);
	rc = vm_agent_run(vm, cmd, NULL, 1, SNAP_FREEZE_TIMEOUT_MS, frozen_cb, t, why,
			  sizeof(why));
	if (rc == 0) {
		t->freeze_sent = 1;
		return;
	}
	if (rc == -EBUSY && ++t->freeze_tries < SNAP_FREEZE_TRIES) {
		loop_timer_add(t->d->loop, SNAP_THAW_RETRY_MS, freeze_timer_cb, t);
		return;
	}
	log_info("VM %s: snapshot without frozen file systems: %s", vm->spec.name, why);
	unmark(&t->frozen_mark);
	stop_and_take(t);
}

static int start_live(struct job *j, struct vm *vm, char *err, size_t errlen)
{
	struct create_run *run = job_priv(j);
	struct take *t;

	if (!vm->qmp || !qmp_is_ready(vm->qmp)) {
		err_set(err, errlen, "VM '%s' has no QMP connection yet; try again", vm->spec.name);
		return -ENOTCONN;
	}
	t = xcalloc(1, sizeof(*t));
	t->d = job_daemon(j);
	snprintf(t->vm, sizeof(t->vm), "%s", vm->spec.name);
	run->touched = 1;
	job_hold_guest(j);
	t->w = job_step_wait(j);
	/* a guest agent that answered lately freezes the file systems first */
	if (vm->spec.agent && vm->guest_at && vm->state == VM_RUNNING)
		freeze(t);
	else
		stop_and_take(t);
	return 0;
}

/* -- a live VM with RAM: vmstate_save, the disks taken while it is stopped -- */

static void ram_disks_taken(void *data, const char *error)
{
	vmstate_pause_done(data, error);
}

static void ram_at_pause(struct job *j, void *data)
{
	struct vm *vm = snap_job_vm(j);
	char err[1024];

	(void)data;
	if (!vm)
		vmstate_pause_done(j, "the VM is gone");
	else if (snap_disks_take(j, vm, arg(j, "name"), ram_disks_taken, j, err, sizeof(err)) < 0)
		vmstate_pause_done(j, err);
}

static void ram_saved(struct job *j, const char *error, const struct vmstate_result *res,
		      void *data)
{
	(void)data;
	if (error)
		job_fail(j, "cannot snapshot VM '%s' with its RAM: %s", arg(j, "vm"), error);
	else
		record(j, res->pause_ms, res->method, 0);
}

/* The state file in the pool (recorded first: it goes unless the job is
 * done), then the save. */
static int start_ram(struct job *j, struct vm *vm, char *err, size_t errlen)
{
	struct create_run *run = job_priv(j);
	char *path = vmstate_file_path(job_daemon(j), vm, arg(j, "name"), err, errlen);
	int fd, rc;

	if (!path)
		return -EINVAL;
	if ((rc = job_cleanup_add(j, path, err, errlen)) < 0 ||
	    (rc = fd = vmstate_file_create(path, err, errlen)) < 0) {
		free(path);
		return rc;
	}
	json_object_set_new(job_args(j), "vmstate", json_string(path));
	free(path);
	run->touched = 1;
	job_hold_guest(j);
	rc = vmstate_save(j, vm, fd, ram_at_pause, NULL, ram_saved, err, errlen);
	close(fd);
	return rc;
}

/* -- a stopped VM: qemu-img per disk, then a check of the disks -- */

static void record_stopped(struct job *j)
{
	record(j, -1, "stopped", 0);
}

static void next_disk(struct job *j);

static void disk_done(struct job *j, const struct job_exec_result *res)
{
	struct create_run *run = job_priv(j);
	struct vm *vm = snap_job_vm(j);
	char msg[1024];

	if (!vm)
		return;
	if (job_exec_failure(res, "qemu-img snapshot -c", msg, sizeof(msg))) {
		job_fail(j, "cannot snapshot %s: %s", run->i < vm->spec.ndisks ?
			 vm->spec.disks[run->i].path : "a disk", msg);
		return;
	}
	run->i++;
	next_disk(j);
}

static void next_disk(struct job *j)
{
	struct create_run *run = job_priv(j);
	struct vm *vm = snap_job_vm(j);
	char err[1024];

	if (!vm)
		return;
	job_progress(j, run->i, vm->spec.ndisks);
	if (vm_is_live(vm)) {
		job_fail(j, "VM '%s' was started while its snapshot was being taken", vm->spec.name);
		return;
	}
	if (run->i < vm->spec.ndisks) {
		run->touched = 1;
		if (snap_qemu_img(j, "-c", arg(j, "name"), vm->spec.disks[run->i].path, disk_done,
				  err, sizeof(err)) < 0)
			job_fail(j, "%s", err);
		return;
	}
	if (vars_save(j, vm, arg(j, "name"), err, sizeof(err)) < 0) {
		job_fail(j, "%s", err);
		return;
	}
	snap_check_start(j, record_stopped);
}

/* -- undo mode: what a restart interrupted -- */

static void undone(struct job *j)
{
	job_fail(j, "croftd restarted while snapshot '%s' was being taken; it was removed from "
		 "the disks", arg(j, "name"));
}

static void unmark_vm(struct croftd *d, const struct vm *vm, const char *file)
{
	char *path = vm_run_path(d, vm->spec.name, file);

	unlink(path);
	free(path);
}

/* The guest the dead croftd left stopped goes on, the file systems it left
 * frozen are thawed, then the name is swept off the disks. */
static void undo_start(struct job *j)
{
	json_t *a = job_args(j);
	struct vm *vm = vm_find(job_daemon(j), arg(j, "vm") ? arg(j, "vm") : "");
	struct take *t;

	if (vm) {
		/* recorded in the job, they went with its resume; but be sure */
		unmark_vm(job_daemon(j), vm, SNAP_PAUSED_MARK);
		unmark_vm(job_daemon(j), vm, SNAP_FROZEN_MARK);
	}
	if (vm && vm_is_live(vm) && vm->qmp && json_is_true(json_object_get(a, "cont"))) {
		log_info("VM %s: continuing the guest a snapshot had stopped when croftd died",
			 vm->spec.name);
		qmp_command(vm->qmp, "cont", NULL, NULL, NULL);
	}
	if (!vm || !vm_is_live(vm) || !json_is_true(json_object_get(a, "thaw"))) {
		snap_sweep_start(j, arg(j, "name"), undone);
		return;
	}
	t = xcalloc(1, sizeof(*t));
	t->d = job_daemon(j);
	snprintf(t->vm, sizeof(t->vm), "%s", vm->spec.name);
	t->undo = 1;
	t->freeze_sent = 1;
	t->w = job_step_wait(j);
	thaw(t);
}

static int create_start(struct job *j, char *err, size_t errlen)
{
	struct vm *vm;
	size_t i;

	if (json_is_true(json_object_get(job_args(j), "undo"))) {
		undo_start(j);
		return 0;
	}
	if (!(vm = vm_find(job_daemon(j), arg(j, "vm") ? arg(j, "vm") : ""))) {
		err_set(err, errlen, "VM '%s' is gone", arg(j, "vm") ? arg(j, "vm") : "?");
		return -ENOENT;
	}
	for (i = 0; i < vm->spec.ndisks; i++)
		if (strcmp(vm->spec.disks[i].format, "qcow2")) {
			err_set(err, errlen, "disk %s is %s, which cannot hold snapshots",
				vm->spec.disks[i].path, vm->spec.disks[i].format);
			return -EINVAL;
		}
	if (vm_is_live(vm) && json_is_true(json_object_get(job_args(j), "ram")))
		return start_ram(j, vm, err, errlen);
	if (vm_is_live(vm))
		return start_live(j, vm, err, errlen);
	next_disk(j);
	return 0;
}

static void create_cleanup(struct job *j)
{
	struct create_run *run = job_priv(j);

	if (run->touched && arg(j, "vm") && arg(j, "name"))
		snap_undo_submit(job_daemon(j), arg(j, "vm"), arg(j, "name"));
}

static int marked(struct croftd *d, const struct vm *vm, const char *file)
{
	char *path = vm_run_path(d, vm->spec.name, file);
	int there = access(path, F_OK) == 0;

	free(path);
	return there;
}

void snap_marks_recover(struct croftd *d)
{
	struct vm *vm;

	for (vm = d->vms; vm; vm = vm->next) {
		if (!marked(d, vm, SNAP_PAUSED_MARK))
			continue;
		unmark_vm(d, vm, SNAP_PAUSED_MARK);
		if (!vm_is_live(vm))
			continue;
		log_info("VM %s: the guest a snapshot stopped when croftd stopped goes on",
			 vm->spec.name);
		vm->vmstate_cut = 1;     /* "cont" once QMP says it is paused (vm_qemu.c) */
	}
}

/* Done when the row made it; else resumed to continue and thaw what it
 * left stopped or frozen (its marks) and sweep the name off the disks. */
static enum job_recover create_recover(struct job *j, char *why, size_t whylen)
{
	struct croftd *d = job_daemon(j);
	struct vm *vm = arg(j, "vm") ? vm_find(d, arg(j, "vm")) : NULL;
	struct store_snap s;

	if (!vm || !arg(j, "name"))
		return JOB_RECOVER_FAIL;
	if (json_is_true(json_object_get(job_args(j), "ram")))
		vmstate_recover(vm);     /* its save may have left the guest stopped */
	if (store_snap_get(d->store, vm->spec.id, arg(j, "name"), &s) == 0) {
		store_snap_clear(&s);
		job_set_result(j, json_pack("{s:s,s:s}", "vm", arg(j, "vm"), "name", arg(j, "name")));
		return JOB_RECOVER_DONE;
	}
	(void)why;
	(void)whylen;
	json_object_set_new(job_args(j), "undo", json_true());
	json_object_set_new(job_args(j), "cont", json_boolean(marked(d, vm, SNAP_PAUSED_MARK)));
	json_object_set_new(job_args(j), "thaw", json_boolean(marked(d, vm, SNAP_FROZEN_MARK)));
	return JOB_RECOVER_RESUME;
}

const struct job_kind snap_create_kind = {
	.name = "snap.create",
	.priv_size = sizeof(struct create_run),
	.start = create_start,
	.cleanup = create_cleanup,
	.recover = create_recover,
};
