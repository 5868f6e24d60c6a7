/*
 * Watching a VM's QEMU: a pidfd tells when the process is gone (then the
 * VM is stopped when croftd asked it to quit, crashed otherwise), and a QMP
 * client follows its run state and events (a guest's poweroff, pauses, I/O
 * errors, balloon changes, unplugged devices, QMP jobs).  A QMP connection
 * that drops while QEMU lives is retried every second.  At croftd's start
 * every VM the store knows is loaded, and a QEMU that survived the restart
 * (its pidfile names a live process whose command line is ours) is adopted.
 */
#include "core/vm.h"
#include "core/vm_internal.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/model.h"
#include "core/qmp.h"
#include "core/vm_nic.h"
#include "core/vm_spawn.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KILL_GRACE_MS 5000

static void vm_qemu_gone(struct vm *vm)
{
	const char *reason;
	enum vm_state next;

	if (vm->pidfd >= 0) {
		loop_del(vm->d->loop, vm->pidfd);
		close(vm->pidfd);
		vm->pidfd = -1;
	}
	if (vm->qmp) {
		struct qmp *q = vm->qmp;

		vm->qmp = NULL;
		qmp_free(q);
	}
	vm->pid = 0;
	vm_timer_clear(vm);
	vm_retry_clear(vm);
	vm_cleanup_run_files(vm);
	if (vm->expect_exit) {
		next = VM_STOPPED;
		reason = vm->exit_reason[0] ? vm->exit_reason : "user";
	} else {
		next = VM_CRASHED;
		reason = "qemu-exited";
		snprintf(vm->state_detail, sizeof(vm->state_detail),
			 "QEMU exited unexpectedly; the guest's last output is in %s/vm/%s/serial.log",
			 vm->d->run_dir, vm->spec.name);
	}
	vm->expect_exit = 0;
	vm->shutdown_force = 0;
	vm_nic_abort(vm, "QEMU exited");
	vm_set_state(vm, next, reason);
	if (next == VM_CRASHED)
		log_warn("VM %s: QEMU exited unexpectedly; see %s/vm/%s/serial.log",
			 vm->spec.name, vm->d->run_dir, vm->spec.name);
	vm->busy++;
	vm_waiters_finish(vm, &vm->start_waiters, PROTO_E_QEMU,
		       "QEMU exited while the VM was starting");
	vm_waiters_finish(vm, &vm->stop_waiters, NULL, NULL);
	vm->busy--;
	if (vm->deleted)
		vm_free(vm);
}

static void qemu_pidfd_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)fd;
	(void)events;
	vm_qemu_gone(data);
}

/* Ask QEMU to quit; SIGKILL if it has not gone after a grace period. */
static void kill_timer_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct vm *vm = data;

	(void)l;
	(void)t;
	vm->timer = NULL;
	if (vm->pidfd >= 0) {
		log_warn("VM %s: QEMU did not quit within %d s; killing it", vm->spec.name,
			 KILL_GRACE_MS / 1000);
		proc_pidfd_kill(vm->pidfd, SIGKILL);
	}
}

void vm_quit(struct vm *vm, const char *reason)
{
	vm->expect_exit = 1;
	snprintf(vm->exit_reason, sizeof(vm->exit_reason), "%s", reason);
	vm_timer_clear(vm);
	if (vm->qmp && qmp_command(vm->qmp, "quit", NULL, NULL, NULL) == 0)
		vm->timer = loop_timer_add(vm->d->loop, KILL_GRACE_MS, kill_timer_cb, vm);
	else if (vm->pidfd >= 0)
		proc_pidfd_kill(vm->pidfd, SIGKILL);
}

/* --- QMP --------------------------------------------------------------- */

static void status_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vm *vm = data;
	const char *status;
	int was_starting = vm->state == VM_STARTING;

	(void)q;
	if (!m)
		return;                   /* connection lost: the pidfd will tell */
	if (m->type != QMP_MSG_RETURN) {
		log_warn("VM %s: query-status failed: %s", vm->spec.name, m->err_desc);
		return;
	}
	status = json_string_value(json_object_get(m->ret, "status"));
	if (!status)
		status = "?";
	if (!strcmp(status, "shutdown")) {
		/* The guest powered off while nobody was watching. */
		vm_quit(vm, "guest");
		return;
	}
	if (!strcmp(status, "paused") || !strcmp(status, "io-error") ||
	    !strcmp(status, "suspended")) {
		vm_set_state(vm, VM_PAUSED, was_starting ? "user" : vm->reason);
	} else if (!strcmp(status, "internal-error") || !strcmp(status, "guest-panicked")) {
		vm_set_state(vm, VM_CRASHED, status);
	} else if (vm->state != VM_SHUTTING_DOWN) {
		vm_set_state(vm, VM_RUNNING, was_starting ? "user" : vm->reason);
	}
	if (was_starting) {
		vm_timer_clear(vm);
		vm_waiters_finish(vm, &vm->start_waiters, NULL, NULL);
	}
}

static void qmp_ready(struct qmp *q, void *data)
{
	qmp_command(q, "query-status", NULL, status_reply, data);
}

static void qmp_event(struct qmp *q, const struct qmp_msg *ev, void *data)
{
	struct vm *vm = data;

	(void)q;
	log_debug("VM %s: QMP event %s", vm->spec.name, ev->event);
	if (!strcmp(ev->event, "SHUTDOWN")) {
		int guest = json_is_true(json_object_get(ev->data, "guest"));
		const char *why = json_string_value(json_object_get(ev->data, "reason"));

		if (vm->expect_exit)
			return;
		if (guest) {
			/* ACPI shutdown we asked for, or the guest's own idea. */
			vm_quit(vm, vm->state == VM_SHUTTING_DOWN ? "user" : "guest");
		} else {
			/* Someone signalled QEMU directly; it is exiting. */
			vm->expect_exit = 1;
			snprintf(vm->exit_reason, sizeof(vm->exit_reason), "%s",
				 why ? why : "host-signal");
		}
	} else if (!strcmp(ev->event, "STOP")) {
		if (!vm->expect_exit && vm->state == VM_RUNNING)
			vm_set_state(vm, VM_PAUSED, vm->user_action ? "user" : "qemu");
	} else if (!strcmp(ev->event, "RESUME")) {
		if (vm->state == VM_PAUSED)
			vm_set_state(vm, VM_RUNNING, vm->user_action ? "user" : "qemu");
	} else if (!strcmp(ev->event, "BLOCK_IO_ERROR")) {
		const char *node = json_string_value(json_object_get(ev->data, "node-name"));

		log_warn("VM %s: I/O error on %s (%s); the guest is paused",
			 vm->spec.name, node ? node : "a disk",
			 json_is_true(json_object_get(ev->data, "nospace")) ? "no space left in the pool" : "error");
		if (vm->state == VM_RUNNING)
			vm_set_state(vm, VM_PAUSED, "io-error");
	} else if (!strcmp(ev->event, "JOB_STATUS_CHANGE")) {
		job_qmp_status_changed(vm->d->jobs, json_string_value(json_object_get(ev->data, "id")));
	} else if (!strcmp(ev->event, "BALLOON_CHANGE")) {
		json_t *actual = json_object_get(ev->data, "actual");

		if (json_is_integer(actual) && json_integer_value(actual) >= 0)
			model_balloon_set(vm->d->model, vm->spec.id, vm->pid,
					  (uint64_t)json_integer_value(actual) >> 20);
	} else if (!strcmp(ev->event, "DEVICE_DELETED")) {
		vm_nic_qmp_event(vm, ev);
	} else if (!strcmp(ev->event, "RESET")) {
		log_info("VM %s: reset (%s)", vm->spec.name,
			 json_is_true(json_object_get(ev->data, "guest")) ? "by the guest" : "by croftd");
	}
}

static void qmp_closed(struct qmp *q, const char *why, void *data);

static const struct qmp_callbacks vm_qmp_cbs = {
	.ready = qmp_ready,
	.event = qmp_event,
	.close = qmp_closed,
};

/* QEMU is alive but QMP is not: try again each second until one of the
 * two changes. */
static void qmp_retry_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct vm *vm = data;
	char err[256], *sock;

	(void)t;
	vm->qmp_retry = NULL;
	if (vm->pidfd < 0 || vm->qmp)
		return;
	sock = vm_run_path(vm->d, vm->spec.name, "qmp.sock");
	if (qmp_connect(l, sock, &vm_qmp_cbs, vm, &vm->qmp, err, sizeof(err)) < 0) {
		vm->qmp = NULL;
		log_debug("VM %s: %s", vm->spec.name, err);
		vm->qmp_retry = loop_timer_add(l, 1000, qmp_retry_cb, vm);
	}
	free(sock);
}

static void qmp_closed(struct qmp *q, const char *why, void *data)
{
	struct vm *vm = data;

	if (vm->qmp != q)
		return;
	vm->qmp = NULL;
	qmp_free(q);
	if (vm->pidfd >= 0 && !vm->expect_exit) {
		log_info("VM %s: QMP connection ended (%s); reconnecting", vm->spec.name, why);
		if (!vm->qmp_retry)
			vm->qmp_retry = loop_timer_add(vm->d->loop, 1000, qmp_retry_cb, vm);
	}
}

/* Watch an existing QEMU: pidfd plus QMP. */
int vm_attach(struct vm *vm, pid_t pid, char *err, size_t errlen)
{
	char *sock;
	int r, fd;

	fd = proc_pidfd_open(pid);
	if (fd < 0) {
		err_set(err, errlen, "pidfd_open(%d): %s", (int)pid, strerror(-fd));
		return fd;
	}
	r = loop_add(vm->d->loop, fd, EPOLLIN, qemu_pidfd_cb, vm);
	if (r < 0) {
		close(fd);
		err_set(err, errlen, "epoll: %s", strerror(-r));
		return r;
	}
	vm->pid = pid;
	vm->pidfd = fd;
	sock = vm_run_path(vm->d, vm->spec.name, "qmp.sock");
	r = qmp_connect(vm->d->loop, sock, &vm_qmp_cbs, vm, &vm->qmp, err, errlen);
	if (r < 0)
		vm->qmp = NULL;
	free(sock);
	return r;
}

/* --- load and adopt --------------------------------------------------------- */

static void vm_adopt(struct vm *vm, enum vm_state stored)
{
	char *pidfile = vm_run_path(vm->d, vm->spec.name, "qemu.pid");
	char err[256];
	struct stat st;
	pid_t pid;

	if (proc_pidfile_read(pidfile, &pid) == 0 && kill(pid, 0) == 0 &&
	    vm_pid_is_ours(pid, pidfile)) {
		enum vm_state live = (stored == VM_PAUSED) ? VM_PAUSED : VM_RUNNING;

		vm->started_at = stat(pidfile, &st) == 0 ? st.st_mtime : time(NULL);
		if (vm_attach(vm, pid, err, sizeof(err)) < 0) {
			log_warn("VM %s: QEMU pid %d is alive but QMP is not answering (%s); retrying",
				 vm->spec.name, (int)pid, err);
			if (vm->pidfd >= 0 && !vm->qmp_retry)
				vm->qmp_retry = loop_timer_add(vm->d->loop, 1000, qmp_retry_cb, vm);
		} else {
			log_info("VM %s: re-adopted QEMU pid %d", vm->spec.name, (int)pid);
		}
		vm_set_state(vm, live, "croftd-restart");
	} else if (stored != VM_STOPPED && stored != VM_CRASHED) {
		vm_cleanup_run_files(vm);
		vm_set_state(vm, VM_CRASHED, "qemu-exited-while-croftd-was-down");
	} else {
		vm_cleanup_run_files(vm);
	}
	free(pidfile);
}

int vm_load_all(struct croftd *d)
{
	struct store_vm *vms;
	size_t n, i;
	int r;

	r = store_vm_list(d->store, &vms, &n);
	if (r < 0)
		return r;
	for (i = 0; i < n; i++) {
		enum vm_state stored = vm_state_from_name(vms[i].state);
		struct vm *vm;

		vm = vm_add(d, &vms[i]);
		if (vm->spec.state_reason)
			snprintf(vm->reason, sizeof(vm->reason), "%s", vm->spec.state_reason);
		vm->state = stored;
		vm_adopt(vm, stored);
	}
	free(vms);
	return 0;
}
