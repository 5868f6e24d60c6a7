/*
 * VM lifecycle: the state machine (vm.h), the VM list, and the operations
 * on a live VM (shutdown, stop, pause/resume/reset, the balloon).  Starting
 * QEMU is vm_start.c; watching it (pidfd, QMP and its events, its exit)
 * and finding it again after a croftd restart is vm_qemu.c.  croftd never
 * waits: every operation that finishes later answers from a callback.
 *
 * QEMU runs with -no-shutdown, so a guest that powers off leaves QEMU alive
 * in the "shutdown" run state until croftd sends quit.  That makes a guest
 * poweroff visible even when it happened while croftd was down: the
 * re-adopted QEMU answers query-status with "shutdown".
 */
#include "core/vm.h"
#include "core/vm_internal.h"
#include "core/vm_agent.h"
#include "core/vm_display.h"
#include "core/vm_screen.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "common/loop.h"
#include "core/qmp.h"
#include "core/job_exec.h"
#include "core/vm_nic.h"
#include "core/vm_pool_full.h"
#include "core/vm_serial.h"
#include "core/snap.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *state_names[] = {
	[VM_STOPPED] = "stopped",
	[VM_STARTING] = "starting",
	[VM_RUNNING] = "running",
	[VM_PAUSED] = "paused",
	[VM_SHUTTING_DOWN] = "shutting-down",
	[VM_CRASHED] = "crashed",
};

const char *vm_state_name(enum vm_state s)
{
	return state_names[s];
}

enum vm_state vm_state_from_name(const char *s)
{
	size_t i;

	for (i = 0; s && i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (!strcmp(s, state_names[i]))
			return (enum vm_state)i;
	return VM_STOPPED;
}

char *vm_run_path(const struct croftd *d, const char *name, const char *file)
{
	return file ? xasprintf("%s/vm/%s/%s", d->run_dir, name, file)
		    : xasprintf("%s/vm/%s", d->run_dir, name);
}

char *vm_state_path(const struct croftd *d, const char *name, const char *file)
{
	return file ? xasprintf("%s/vm/%s/%s", d->state_dir, name, file)
		    : xasprintf("%s/vm/%s", d->state_dir, name);
}

int vm_is_live(const struct vm *vm)
{
	return vm->pid > 0;
}

struct vm *vm_find(struct croftd *d, const char *name)
{
	struct vm *vm;

	for (vm = d->vms; vm; vm = vm->next)
		if (!vm->deleted && !strcmp(vm->spec.name, name))
			return vm;
	return NULL;
}

void vm_set_state(struct vm *vm, enum vm_state s, const char *why)
{
	enum vm_state prev = vm->state;
	char reason[sizeof(vm->reason)];

	snprintf(reason, sizeof(reason), "%s", why);   /* why may be vm->reason */
	if (prev == s && !strcmp(vm->reason, reason))
		return;
	vm->state = s;
	memcpy(vm->reason, reason, sizeof(reason));
	vm_pool_full_state_changed(vm);
	if (s == VM_STOPPED || s == VM_CRASHED) {
		vm->started_at = 0;
		vm_agent_stop(vm);
		vm_display_stop(vm);
		vm_screen_stop(vm);
	} else if (s == VM_RUNNING) {
		vm_agent_running(vm);
	}
	if (!vm->deleted && store_vm_set_state(vm->d->store, vm->spec.id, state_names[s], reason) < 0)
		log_err("VM %s: could not record state %s in the store", vm->spec.name, state_names[s]);
	if (vm->deleted) {
		log_info("VM %s: %s -> %s (%s)", vm->spec.name, state_names[prev], state_names[s],
			 reason);
	} else if (vm->state_detail[0]) {
		/* a failure's full text rides along: the reason stays one word */
		bus_publish(vm->d->bus, "vm.state", vm->spec.name, 0,
			    json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", vm->spec.name,
				      "state", state_names[s], "previous", state_names[prev],
				      "reason", reason, "detail", vm->state_detail),
			    "VM %s: %s -> %s (%s): %s", vm->spec.name, state_names[prev],
			    state_names[s], reason, vm->state_detail);
	} else {
		bus_publish(vm->d->bus, "vm.state", vm->spec.name, 0,
			    json_pack("{s:s,s:s,s:s,s:s}", "name", vm->spec.name,
				      "state", state_names[s], "previous", state_names[prev],
				      "reason", reason),
			    "VM %s: %s -> %s (%s)", vm->spec.name, state_names[prev],
			    state_names[s], reason);
	}
	vm->state_detail[0] = '\0';
}

void vm_waiters_add(struct vm_waiter **list, vm_done_cb cb, void *data)
{
	struct vm_waiter *w = xcalloc(1, sizeof(*w)), **pp = list;

	w->cb = cb;
	w->data = data;
	while (*pp)
		pp = &(*pp)->next;
	*pp = w;
}

void vm_waiters_finish(struct vm *vm, struct vm_waiter **list, const char *code, const char *msg)
{
	struct vm_waiter *w = *list;

	*list = NULL;
	while (w) {
		struct vm_waiter *next = w->next;

		if (w->cb)
			w->cb(vm, code, msg, w->data);
		free(w);
		w = next;
	}
}

void vm_timer_clear(struct vm *vm)
{
	if (vm->timer) {
		loop_timer_cancel(vm->d->loop, vm->timer);
		vm->timer = NULL;
	}
}

void vm_retry_clear(struct vm *vm)
{
	if (vm->qmp_retry) {
		loop_timer_cancel(vm->d->loop, vm->qmp_retry);
		vm->qmp_retry = NULL;
	}
}

void vm_free(struct vm *vm)
{
	struct vm **pp;

	for (pp = &vm->d->vms; *pp; pp = &(*pp)->next) {
		if (*pp == vm) {
			*pp = vm->next;
			break;
		}
	}
	vm_agent_stop(vm);
	vm_display_stop(vm);
	vm_screen_stop(vm);
	store_vm_clear(&vm->spec);
	free(vm->pause_pool);
	free(vm->pause_volume);
	vm_serial_free(vm->serial);
	vm_serial_log_free(vm->log);
	vm_serial_log_free(vm->qemu_log);
	if (vm->out_fd >= 0) {
		loop_del(vm->d->loop, vm->out_fd);
		close(vm->out_fd);
	}
	free(vm->start_output);
	free(vm);
}

/* Runtime files that must not outlive QEMU (the logs stay). */
static const char *const run_files[] = { "qemu.pid", "qmp.sock", "serial.sock", "vnc.sock",
					 "agent.sock" };
static const char *const log_files[] = { "serial.log", "serial.log.1", "qemu.log", "qemu.log.1" };

static void unlink_in(const char *dir, const char *file)
{
	char *p = xasprintf("%s/%s", dir, file);

	unlink(p);
	free(p);
}

void vm_cleanup_run_files(struct vm *vm)
{
	char *dir = vm_run_path(vm->d, vm->spec.name, NULL);
	size_t i;

	for (i = 0; i < sizeof(run_files) / sizeof(run_files[0]); i++)
		unlink_in(dir, run_files[i]);
	free(dir);
}

void vm_pidfile_write(struct vm *vm)
{
	char *path = vm_run_path(vm->d, vm->spec.name, "qemu.pid"), buf[32];
	int fd, n;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		n = snprintf(buf, sizeof(buf), "%d\n", (int)vm->pid);
		if (write(fd, buf, (size_t)n) != n)
			log_warn("VM %s: cannot write %s", vm->spec.name, path);
		close(fd);
	}
	free(path);
}

void vm_files_remove(struct croftd *d, const char *name)
{
	char *dir = vm_run_path(d, name, NULL);
	size_t i;

	for (i = 0; i < sizeof(run_files) / sizeof(run_files[0]); i++)
		unlink_in(dir, run_files[i]);
	for (i = 0; i < sizeof(log_files) / sizeof(log_files[0]); i++)
		unlink_in(dir, log_files[i]);
	rmdir(dir);
	free(dir);
	dir = vm_state_path(d, name, NULL);
	unlink_in(dir, "OVMF_VARS.fd");
	snap_files_remove(d, name);
	rmdir(dir);
	free(dir);
}

/* --- shutdown, stop, actions ----------------------------------------------- */

static int need_running(struct vm *vm, const char *what, const char **code, char *err, size_t errlen)
{
	if (vm->pid > 0 && !vm->qmp) {
		*code = PROTO_E_QEMU;
		err_set(err, errlen, "cannot %s VM '%s': croftd is not connected to its QMP socket (retrying)",
			what, vm->spec.name);
		return -ENOTCONN;
	}
	if (vm->pid > 0 && vm->qmp && (vm->state == VM_RUNNING || vm->state == VM_PAUSED ||
				       vm->state == VM_SHUTTING_DOWN))
		return 0;
	*code = PROTO_E_INVALID_STATE;
	err_set(err, errlen, "cannot %s VM '%s': it is %s", what, vm->spec.name,
		state_names[vm->state]);
	return -EINVAL;
}

static void shutdown_timer_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct vm *vm = data;
	char msg[300];

	(void)l;
	(void)t;
	vm->timer = NULL;
	if (vm->state != VM_SHUTTING_DOWN)
		return;
	if (vm->shutdown_force) {
		log_warn("VM %s: guest did not power off in time; stopping it (forced)", vm->spec.name);
		vm_quit(vm, "user");
		return;
	}
	snprintf(msg, sizeof(msg),
		 "VM '%s' did not power off within the timeout; the guest may ignore ACPI power-button events. It is still running; use --force to stop it",
		 vm->spec.name);
	snprintf(vm->state_detail, sizeof(vm->state_detail), "%s", msg);
	vm_set_state(vm, VM_RUNNING, "shutdown-timeout");
	vm_waiters_finish(vm, &vm->stop_waiters, PROTO_E_TIMEOUT, msg);
}

static void powerdown_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vm *vm = data;

	(void)q;
	if (m && m->type == QMP_MSG_ERROR && vm->state == VM_SHUTTING_DOWN) {
		vm_timer_clear(vm);
		vm_set_state(vm, VM_RUNNING, "user");
		vm_waiters_finish(vm, &vm->stop_waiters, PROTO_E_QEMU, m->err_desc);
	}
}

int vm_shutdown(struct vm *vm, unsigned timeout_s, int flags, vm_done_cb cb, void *data,
		const char **code, char *err, size_t errlen)
{
	int force = !!(flags & VM_SHUTDOWN_FORCE);

	if (vm->state == VM_SHUTTING_DOWN) {
		vm->shutdown_force |= force;
		vm_waiters_add(&vm->stop_waiters, cb, data);
		return 0;
	}
	if (vm->state == VM_PAUSED) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' is paused and cannot react to ACPI; resume it first, or use stop",
			vm->spec.name);
		return -EINVAL;
	}
	if (need_running(vm, "shut down", code, err, errlen) < 0)
		return -EINVAL;
	if ((flags & VM_SHUTDOWN_AGENT) && !vm->spec.agent) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' has no guest agent channel (--agent off); shut it down "
			"without --agent", vm->spec.name);
		return -EINVAL;
	}
	vm->shutdown_force = force;
	vm->shutdown_acpi = !(flags & VM_SHUTDOWN_AGENT);
	if (vm->shutdown_acpi) {
		qmp_command(vm->qmp, "system_powerdown", NULL, powerdown_reply, vm);
		/* A guest that ignores the button may still listen to its agent. */
		vm_agent_shutdown_fallback(vm, timeout_s * 1000 / 2);
	} else if (vm_agent_shutdown(vm, err, errlen) < 0) {
		log_info("VM %s: no guest agent to shut down through (%s); pressing the power "
			 "button", vm->spec.name, err);
		vm->shutdown_acpi = 1;
		qmp_command(vm->qmp, "system_powerdown", NULL, powerdown_reply, vm);
	}
	vm_timer_clear(vm);
	vm->timer = loop_timer_add(vm->d->loop, (uint64_t)timeout_s * 1000, shutdown_timer_cb, vm);
	vm_waiters_add(&vm->stop_waiters, cb, data);
	vm_set_state(vm, VM_SHUTTING_DOWN, "user");
	return 0;
}

int vm_stop(struct vm *vm, const char *reason, vm_done_cb cb, void *data,
	    const char **code, char *err, size_t errlen)
{
	if (vm->state == VM_STARTING) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' is starting; wait for it to finish", vm->spec.name);
		return -EBUSY;
	}
	if (vm->pid <= 0) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' is not running (it is %s)", vm->spec.name,
			state_names[vm->state]);
		return -EINVAL;
	}
	vm_waiters_add(&vm->stop_waiters, cb, data);
	vm_quit(vm, reason);
	return 0;
}

struct action {
	struct vm *vm;
	vm_done_cb cb;
	void *data;
	enum vm_state next;     /* state on success, or -1 for unchanged */
};

static void action_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct action *a = data;

	(void)q;
	if ((int)a->next >= 0)
		a->vm->user_action = 0;
	if (!m)
		a->cb(a->vm, PROTO_E_QEMU, "QEMU went away before answering", a->data);
	else if (m->type == QMP_MSG_ERROR)
		a->cb(a->vm, PROTO_E_QEMU, m->err_desc ? m->err_desc : "QEMU refused", a->data);
	else {
		if ((int)a->next >= 0 && a->vm->state != a->next)
			vm_set_state(a->vm, a->next, "user");
		a->cb(a->vm, NULL, NULL, a->data);
	}
	free(a);
}

static int vm_qmp_send(struct vm *vm, const char *cmd, json_t *args, int next,
		       vm_done_cb cb, void *data)
{
	struct action *a = xcalloc(1, sizeof(*a));

	a->vm = vm;
	a->cb = cb;
	a->data = data;
	a->next = (enum vm_state)next;
	if (qmp_command(vm->qmp, cmd, args, action_reply, a) < 0) {
		free(a);
		return -ENOTCONN;
	}
	if (next >= 0)
		vm->user_action = 1;
	return 0;
}

int vm_qmp_action(struct vm *vm, const char *action, vm_done_cb cb, void *data,
		  const char **code, char *err, size_t errlen)
{
	static const struct {
		const char *action, *cmd;
		int need, next;         /* required state and state after; -1: any, same */
	} acts[] = {
		{ "pause",  "stop",         VM_RUNNING, VM_PAUSED },
		{ "resume", "cont",         VM_PAUSED,  VM_RUNNING },
		{ "reset",  "system_reset", -1,         -1 },
	};
	size_t i;

	if (need_running(vm, action, code, err, errlen) < 0)
		return -EINVAL;
	for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		if (strcmp(action, acts[i].action))
			continue;
		if (acts[i].need >= 0 && (int)vm->state != acts[i].need) {
			*code = PROTO_E_INVALID_STATE;
			err_set(err, errlen, "VM '%s' is %s, not %s", vm->spec.name,
				state_names[vm->state], state_names[acts[i].need]);
			return -EINVAL;
		}
		return vm_qmp_send(vm, acts[i].cmd, NULL, acts[i].next, cb, data);
	}
	*code = PROTO_E_INTERNAL;
	err_set(err, errlen, "unknown action %s", action);
	return -EINVAL;
}

int vm_set_balloon(struct vm *vm, uint64_t target_mib, vm_done_cb cb, void *data,
		   const char **code, char *err, size_t errlen)
{
	if (need_running(vm, "resize the memory of", code, err, errlen) < 0)
		return -EINVAL;
	return vm_qmp_send(vm, "balloon",
			   json_pack("{s:I}", "value", (json_int_t)(target_mib << 20)), -1, cb, data);
}

/* --- load and adopt --------------------------------------------------------- */

struct vm *vm_add(struct croftd *d, struct store_vm *spec)
{
	struct vm *vm = xcalloc(1, sizeof(*vm));

	vm->d = d;
	vm->spec = *spec;
	memset(spec, 0, sizeof(*spec));
	vm->state = VM_STOPPED;
	snprintf(vm->reason, sizeof(vm->reason), "created");
	vm->pidfd = -1;
	vm->out_fd = -1;
	vm->qmp_listen_fd = -1;
	vm->incoming_fd = -1;
	vm->uid_slot = -1;
	{
		char *log = vm_run_path(d, vm->spec.name, "serial.log");

		vm->log = vm_serial_log_new(log, d->serial_log_max);
		free(log);
	}
	vm->next = d->vms;
	d->vms = vm;
	return vm;
}

void vm_remove(struct vm *vm)
{
	vm->deleted = 1;
	if (!vm_is_live(vm) && !vm->busy)
		vm_free(vm);
}

void vm_free_all(struct croftd *d)
{
	while (d->vms) {
		struct vm *vm = d->vms;

		vm_timer_clear(vm);
		vm_retry_clear(vm);
		vm_connect_clear(vm);
		if (vm->child)
			job_exec_abandon(vm->child);    /* QEMU outlives croftd */
		vm->child = NULL;
		if (vm->pidfd >= 0) {
			loop_del(d->loop, vm->pidfd);
			close(vm->pidfd);
		}
		if (vm->qmp)
			qmp_free(vm->qmp);
		vm->qmp = NULL;
		vm_nic_abort(vm, "croftd is shutting down");
		vm_waiters_finish(vm, &vm->start_waiters, PROTO_E_INTERNAL, "croftd is shutting down");
		vm_waiters_finish(vm, &vm->stop_waiters, PROTO_E_INTERNAL, "croftd is shutting down");
		vm_free(vm);
	}
}
