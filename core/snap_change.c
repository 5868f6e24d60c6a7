/*
 * The "snap.revert" and "snap.delete" jobs (snap.h).
 *
 * snap.revert {"vm", "name", "force"}: a live VM (force was checked when
 * it was queued) is stopped (QMP quit, as vm stop does) and marked to
 * start again; then qemu-img snapshot -a puts each disk the snapshot holds
 * back (a disk attached later keeps its content), the UEFI variable store
 * comes back from the snapshot's copy, the definition's settings from the
 * snapshot's (vcpus, memory, firmware, boot, CD, kernel...; not the disk
 * list), and the snapshot becomes current; then the VM is started again
 * if it ran.  A snapshot with RAM needs no force: the VM, running or not,
 * is started from its state file (vm_start_from_state) and goes on from
 * the snapshot's instant.  Every part can run again, so a restart
 * resumes the job (a VM it had stopped, stopped for "revert", is started
 * at the end).
 *
 * snap.delete {"vm", "name"} sweeps the name off every disk (snap.c), then
 * drops the row (its children move up to its parent), the variable
 * store copy and the RAM's state file.  With "undo" it is the removal of a half-made snapshot: the
 * disks only.  A restart resumes it.
 */
#include "core/snap_internal.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job_exec.h"
#include "core/vm.h"
#include "core/vmstate.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Why a VM a revert stopped is stopped (its state's reason). */
#define SNAP_REVERT_REASON "revert"

static const char *arg(struct job *j, const char *key)
{
	return json_string_value(json_object_get(job_args(j), key));
}

/* --- delete ------------------------------------------------------------------------- */

struct delete_run {
	struct snap_sweep sweep;
};

static void swept(struct job *j);

static void swept_check(struct job *j)
{
	snap_check_start(j, swept);
}

static void swept(struct job *j)
{
	struct croftd *d = job_daemon(j);
	struct vm *vm = snap_job_vm(j);
	const char *name = arg(j, "name");
	char err[1024], *vars;
	struct store_snap s;
	int rc;

	if (!vm)
		return;
	if (json_is_true(json_object_get(job_args(j), "undo"))) {
		log_info("VM %s: half-made snapshot %s removed from its disks", vm->spec.name, name);
		job_set_result(j, json_pack("{s:s,s:s,s:b}", "vm", vm->spec.name, "name", name,
					    "undo", 1));
		job_done(j);
		return;
	}
	if (store_snap_get(d->store, vm->spec.id, name, &s) == 0) {
		if (s.vmstate)
			unlink(s.vmstate);   /* its RAM (croftd made that path) */
		store_snap_clear(&s);
	}
	rc = store_snap_delete(d->store, vm->spec.id, name, err, sizeof(err));
	if (rc < 0 && rc != -ENOENT) {
		job_fail(j, "cannot forget snapshot '%s': %s", name, err);
		return;
	}
	vars = snap_vars_path(d, vm->spec.name, name);
	unlink(vars);
	free(vars);
	log_info("VM %s: snapshot %s deleted", vm->spec.name, name);
	job_set_result(j, json_pack("{s:s,s:s}", "vm", vm->spec.name, "name", name));
	bus_publish(d->bus, "snap.deleted", vm->spec.name, 0,
		    json_pack("{s:s,s:s}", "vm", vm->spec.name, "name", name),
		    "VM %s: snapshot %s deleted", vm->spec.name, name);
	job_done(j);
}

static int delete_start(struct job *j, char *err, size_t errlen)
{
	if (!arg(j, "vm") || !arg(j, "name")) {
		err_set(err, errlen, "the job names no VM or snapshot");
		return -EINVAL;
	}
	snap_sweep_start(j, arg(j, "name"), swept_check);
	return 0;
}

static enum job_recover resume(struct job *j, char *why, size_t whylen)
{
	(void)j;
	(void)why;
	(void)whylen;
	return JOB_RECOVER_RESUME;
}

const struct job_kind snap_delete_kind = {
	.name = "snap.delete",
	.priv_size = sizeof(struct delete_run),
	.start = delete_start,
	.recover = resume,
};

/* --- revert ------------------------------------------------------------------------- */

struct revert_run {
	size_t i;                        /* the VM's disk being put back */
	json_t *saved;                   /* the snapshot's definition (owned) */
};

static void revert_free(struct job *j)
{
	struct revert_run *run = job_priv(j);

	json_decref(run->saved);
	run->saved = NULL;
}

static void revert_fail(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void revert_fail(struct job *j, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	revert_free(j);
	job_fail(j, "%s", msg);
}

/* 1 when the snapshot holds the disk at path. */
static int holds(const json_t *saved, const char *path)
{
	const json_t *disk;
	size_t i;

	json_array_foreach(json_object_get(saved, "disks"), i, disk)
		if (!strcmp(json_string_value(json_object_get(disk, "path")) ?: "", path))
			return 1;
	return 0;
}

static void revert_finish(struct job *j, struct vm *vm)
{
	struct croftd *d = job_daemon(j);

	log_info("VM %s: reverted to snapshot %s", vm->spec.name, arg(j, "name"));
	job_set_result(j, json_pack("{s:s,s:s,s:b}", "vm", vm->spec.name, "name", arg(j, "name"),
				    "restarted", json_is_true(json_object_get(job_args(j),
									    "restart"))));
	bus_publish(d->bus, "snap.reverted", vm->spec.name, 0,
		    json_pack("{s:s,s:s}", "vm", vm->spec.name, "name", arg(j, "name")),
		    "VM %s: reverted to snapshot %s", vm->spec.name, arg(j, "name"));
	revert_free(j);
	job_done(j);
}

static void started(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct job *j = job_wait_end(data);

	if (!j)
		return;
	if (code)
		revert_fail(j, "reverted, but the VM did not start again: %s", msg ? msg : code);
	else
		revert_finish(j, vm);
}

/* The variable store and the settings back, the snapshot current. */
static int put_back(struct job *j, struct vm *vm, char *err, size_t errlen)
{
	struct croftd *d = job_daemon(j);
	struct revert_run *run = job_priv(j);
	char *copy = snap_vars_path(d, vm->spec.name, arg(j, "name"));
	char *vars = vm_state_path(d, vm->spec.name, "OVMF_VARS.fd");
	char *tmp = xasprintf("%s.revert", vars);
	struct store_snap s;
	struct store_vm next;
	int rc = 0;

	if (access(copy, F_OK) == 0) {
		unlink(tmp);
		if ((rc = vm_state_file_copy(copy, tmp, err, errlen)) == 0 && rename(tmp, vars) < 0) {
			rc = -errno;
			err_set(err, errlen, "cannot replace %s: %s", vars, strerror(errno));
			unlink(tmp);
		}
	}
	free(copy);
	free(vars);
	free(tmp);
	if (rc < 0)
		return rc;
	store_vm_copy(&next, &vm->spec);
	snap_spec_restore(&next, run->saved);
	if ((rc = store_vm_update(d->store, &next, err, errlen)) < 0) {
		store_vm_clear(&next);
		return rc;
	}
	store_vm_clear(&vm->spec);
	vm->spec = next;
	if ((rc = store_snap_get(d->store, vm->spec.id, arg(j, "name"), &s)) < 0) {
		err_set(err, errlen, "snapshot '%s' is gone", arg(j, "name"));
		return rc;
	}
	rc = store_snap_set_current(d->store, vm->spec.id, s.id, err, errlen);
	store_snap_clear(&s);
	return rc;
}

static void apply_next(struct job *j);

static void applied(struct job *j, const struct job_exec_result *res)
{
	struct revert_run *run = job_priv(j);
	struct vm *vm = snap_job_vm(j);
	char msg[1024];

	if (!vm) {
		revert_free(j);
		return;
	}
	if (job_exec_failure(res, "qemu-img snapshot -a", msg, sizeof(msg))) {
		revert_fail(j, "cannot revert %s: %s", run->i < vm->spec.ndisks ?
			    vm->spec.disks[run->i].path : "a disk", msg);
		return;
	}
	run->i++;
	apply_next(j);
}

static void apply_next(struct job *j)
{
	struct revert_run *run = job_priv(j);
	struct vm *vm = snap_job_vm(j);
	struct job_wait *w;
	const char *code;
	char err[1024];

	if (!vm) {
		revert_free(j);
		return;
	}
	if (vm_is_live(vm)) {
		revert_fail(j, "VM '%s' was started during the revert to '%s'", vm->spec.name,
			    arg(j, "name"));
		return;
	}
	while (run->i < vm->spec.ndisks && !holds(run->saved, vm->spec.disks[run->i].path))
		run->i++;
	job_progress(j, run->i, vm->spec.ndisks);
	if (run->i < vm->spec.ndisks) {
		if (snap_qemu_img(j, "-a", arg(j, "name"), vm->spec.disks[run->i].path, applied, err,
				  sizeof(err)) < 0)
			revert_fail(j, "%s", err);
		return;
	}
	if (put_back(j, vm, err, sizeof(err)) < 0) {
		revert_fail(j, "%s", err);
		return;
	}
	if (!json_is_true(json_object_get(job_args(j), "restart"))) {
		revert_finish(j, vm);
		return;
	}
	w = job_step_wait(j);
	if (arg(j, "vmstate")) {
		/* a RAM snapshot: the guest goes on where it was */
		int fd = vmstate_file_open(job_daemon(j), arg(j, "vmstate"), err, sizeof(err));

		if (fd < 0 || vm_start_from_state(vm, fd, started, w, &code, err, sizeof(err)) < 0) {
			if ((j = job_wait_end(w)))
				revert_fail(j, "reverted the disks, but the VM did not start from its "
					    "saved RAM: %s", err);
		}
		return;
	}
	if (vm_start(vm, started, w, &code, err, sizeof(err)) < 0 && (j = job_wait_end(w)))
		revert_fail(j, "reverted, but the VM did not start again: %s", err);
}

static void stopped(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct job *j = job_wait_end(data);

	(void)vm;
	if (!j)
		return;
	if (code && vm_is_live(vm))
		revert_fail(j, "cannot stop the VM to revert it: %s", msg ? msg : code);
	else
		apply_next(j);
}

static int revert_start(struct job *j, char *err, size_t errlen)
{
	struct croftd *d = job_daemon(j);
	struct revert_run *run = job_priv(j);
	struct vm *vm = arg(j, "vm") ? vm_find(d, arg(j, "vm")) : NULL;
	struct store_snap s;
	struct job_wait *w;
	const char *code;
	int rc;

	if (!vm || !arg(j, "name")) {
		err_set(err, errlen, "VM '%s' is gone", arg(j, "vm") ? arg(j, "vm") : "?");
		return -ENOENT;
	}
	if (store_snap_get(d->store, vm->spec.id, arg(j, "name"), &s) < 0) {
		err_set(err, errlen, "VM '%s' has no snapshot named '%s' any more", vm->spec.name,
			arg(j, "name"));
		return -ENOENT;
	}
	run->saved = json_loads(s.spec, 0, NULL);
	if (s.ram && s.vmstate) {
		/* with RAM: the VM runs from the snapshot's instant, needing
		 * no force (also when a restart resumes the job) */
		json_object_set_new(job_args(j), "vmstate", json_string(s.vmstate));
		json_object_set_new(job_args(j), "force", json_true());
		json_object_set_new(job_args(j), "restart", json_true());
	}
	store_snap_clear(&s);
	if (!run->saved) {
		err_set(err, errlen, "the definition kept with snapshot '%s' is damaged",
			arg(j, "name"));
		return -EINVAL;
	}
	if (!vm_is_live(vm)) {
		/* resumed after a restart: the VM this job stopped starts again */
		if (vm->state == VM_STOPPED && !strcmp(vm->reason, SNAP_REVERT_REASON) &&
		    json_is_true(json_object_get(job_args(j), "force")))
			json_object_set_new(job_args(j), "restart", json_true());
		apply_next(j);
		return 0;
	}
	if (!json_is_true(json_object_get(job_args(j), "force"))) {
		revert_free(j);
		err_set(err, errlen, "VM '%s' is running: reverting needs force", vm->spec.name);
		return -EAGAIN;
	}
	json_object_set_new(job_args(j), "restart", json_true());
	w = job_step_wait(j);
	if ((rc = vm_stop(vm, SNAP_REVERT_REASON, stopped, w, &code, err, errlen)) < 0) {
		job_wait_end(w);
		revert_free(j);
		return rc;
	}
	return 0;
}

const struct job_kind snap_revert_kind = {
	.name = "snap.revert",
	.priv_size = sizeof(struct revert_run),
	.start = revert_start,
	.cleanup = revert_free,
	.recover = resume,
};
