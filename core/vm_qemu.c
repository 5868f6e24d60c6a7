/*
 * Watching a VM's QEMU: its end (the job_exec child's exit when this
 * croftd started it, a pidfd for one found again after a restart; then the
 * VM is stopped when croftd asked it to quit, crashed otherwise), and a QMP
 * client that follows its run state and events (a guest's poweroff,
 * pauses, I/O errors, balloon changes, unplugged devices, QMP jobs).  QMP
 * and the serial console are connected only after SO_PEERCRED names the
 * VM's QEMU (vm_spawn.h); a QMP connection that drops while QEMU lives is
 * retried every second.  Finding a QEMU again after a croftd restart is
 * vm_adopt.c.
 */
#include "core/vm.h"
#include "core/vm_internal.h"
#include "core/vm_agent.h"
#include "core/vm_display.h"
#include "core/vm_screen.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/model.h"
#include "core/qmp.h"
#include "core/snap.h"
#include "core/vm_nic.h"
#include "core/vm_disk.h"
#include "core/vm_pool_full.h"
#include "core/vm_serial.h"
#include "core/vm_spawn.h"
#include "core/vm_uid.h"
#include "core/vmstate.h"
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

/* Signal QEMU through its pidfd, never by a pid number. */
void vm_kill(struct vm *vm, int sig)
{
	if (vm->pidfd >= 0)
		proc_pidfd_kill(vm->pidfd, sig);
}

/* What the child printed: the start of it kept for a failed start's
 * message, all of it in the capped qemu.log. */
static void output_read(struct vm *vm)
{
	char buf[4096];
	ssize_t n;
	int i;

	for (i = 0; i < 16 && vm->out_fd >= 0; i++) {
		n = read(vm->out_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			loop_del(vm->d->loop, vm->out_fd);
			close(vm->out_fd);
			vm->out_fd = -1;
			return;
		}
		if (vm->qemu_log)
			vm_serial_log_write(vm->qemu_log, buf, (size_t)n);
		if (vm->start_output_len < 2048) {
			size_t k = (size_t)n < 2048 - vm->start_output_len ? (size_t)n
						: 2048 - vm->start_output_len;

			vm->start_output = xrealloc(vm->start_output, vm->start_output_len + k + 1);
			memcpy(vm->start_output + vm->start_output_len, buf, k);
			vm->start_output_len += k;
			vm->start_output[vm->start_output_len] = '\0';
		}
	}
}

static void output_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)fd;
	(void)events;
	output_read(data);
}

static void output_close(struct vm *vm)
{
	if (vm->out_fd >= 0) {
		loop_del(vm->d->loop, vm->out_fd);
		close(vm->out_fd);
	}
	vm->out_fd = -1;
	vm_serial_log_free(vm->qemu_log);
	vm->qemu_log = NULL;
	free(vm->start_output);
	vm->start_output = NULL;
	vm->start_output_len = 0;
}

/* The first line QEMU printed, for a message ("" when none). */
static void output_line(struct vm *vm, char *out, size_t len)
{
	const char *p = vm->start_output ? vm->start_output : "";
	size_t n;

	while (*p == '\n' || *p == ' ')
		p++;
	n = strcspn(p, "\n");
	snprintf(out, len, "%.*s", (int)(n < 400 ? n : 400), p);
}

static void vm_qemu_gone(struct vm *vm, const char *how)
{
	const char *reason;
	enum vm_state next;
	char said[512] = "", msg[1024];

	if (vm->pidfd >= 0) {
		if (!vm->child)
			loop_del(vm->d->loop, vm->pidfd);
		close(vm->pidfd);
		vm->pidfd = -1;
	}
	if (vm->child) {
		job_exec_abandon(vm->child);       /* it has exited: reaped on the loop */
		vm->child = NULL;
	}
	if (vm->qmp) {
		struct qmp *q = vm->qmp;

		vm->qmp = NULL;
		qmp_free(q);
	}
	vm_serial_free(vm->serial);
	vm->serial = NULL;
	vmstate_load_stop(vm);
	vm_agent_stop(vm);
	vm_display_stop(vm);
	vm_screen_stop(vm);
	vm_serial_log_close(vm->log);
	output_read(vm);
	output_line(vm, said, sizeof(said));
	output_close(vm);
	vm->pid = 0;
	vm_timer_clear(vm);
	vm_retry_clear(vm);
	vm_connect_clear(vm);
	vm_cleanup_run_files(vm);
	if (vm->expect_exit) {
		next = VM_STOPPED;
		reason = vm->exit_reason[0] ? vm->exit_reason : "user";
	} else if (vm->state == VM_STARTING) {
		next = VM_STOPPED;                 /* it never ran: the start failed */
		reason = "start-failed";
		log_err("VM %s: QEMU %s while starting%s%s", vm->spec.name, how ? how : "exited",
			said[0] ? ": " : "", said);
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
		log_warn("VM %s: QEMU %s unexpectedly%s%s; see %s/vm/%s/serial.log",
			 vm->spec.name, how ? how : "exited", said[0] ? ": " : "", said,
			 vm->d->run_dir, vm->spec.name);
	snprintf(msg, sizeof(msg), "QEMU %s while the VM was starting%s%s",
		 how ? how : "exited", said[0] ? ": " : "", said);
	vm->busy++;
	vm_waiters_finish(vm, &vm->start_waiters, PROTO_E_QEMU, msg);
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
	vm_qemu_gone(data, NULL);
}

/* The QEMU this croftd started has exited (job_exec reaped it). */
void vm_child_exited(struct job_exec *x, const struct job_exec_result *res, void *data)
{
	struct vm *vm = data;
	char how[96];

	(void)x;
	vm->child = NULL;                    /* x is freed after we return */
	if (res->signal)
		snprintf(how, sizeof(how), "was killed by signal %d (%s%s)", res->signal,
			 strsignal(res->signal), res->signal == SIGSYS ? ", the seccomp sandbox" : "");
	else
		snprintf(how, sizeof(how), "exited with status %d", res->status);
	vm_qemu_gone(vm, how);
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
		vm_kill(vm, SIGKILL);
	}
}

void vm_quit(struct vm *vm, const char *reason)
{
	vm->expect_exit = 1;
	snprintf(vm->exit_reason, sizeof(vm->exit_reason), "%s", reason);
	vm_timer_clear(vm);
	if (vm->qmp && qmp_command(vm->qmp, "quit", NULL, NULL, NULL) == 0)
		vm->timer = loop_timer_add(vm->d->loop, KILL_GRACE_MS, kill_timer_cb, vm);
	else
		vm_kill(vm, SIGKILL);
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
	if (vm->vmstate_cut && !was_starting && (!strcmp(status, "paused") ||
						  !strcmp(status, "finish-migrate"))) {
		/* A RAM snapshot croftd's end cut short stopped the guest
		 * (vmstate_recover): its migration goes, the guest runs. */
		qmp_command(q, "migrate_cancel", NULL, NULL, NULL);
		qmp_command(q, "cont", NULL, NULL, NULL);
		status = "running";
	}
	vm->vmstate_cut = 0;
	if ((!strcmp(status, "prelaunch") || !strcmp(status, "postmigrate")) && !was_starting) {
		/* A start that croftd's restart interrupted before "cont", or
		 * a RAM snapshot (vmstate.c) that stopped the guest. */
		qmp_command(q, "cont", NULL, NULL, NULL);
		status = "running";
	}
	if (!strcmp(status, "paused") || !strcmp(status, "io-error") ||
	    !strcmp(status, "suspended")) {
		vm_set_state(vm, VM_PAUSED, was_starting ? "user" : vm->reason);
		if (!strcmp(status, "io-error"))
			vm_pool_full_probe(vm);
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

static void serial_closed(struct vm_serial *s, void *data)
{
	struct vm *vm = data;

	if (vm->serial == s)
		vm->serial = NULL;
	vm_serial_free(s);
	log_info("VM %s: QEMU closed its serial console", vm->spec.name);
}

/* Take QEMU's serial socket, once its listener is confirmed to be QEMU. */
static void serial_attach(struct vm *vm)
{
	char *path, err[512];
	int fd, r;

	if (vm->serial || vm->pid <= 0)
		return;
	path = vm_run_path(vm->d, vm->spec.name, "serial.sock");
	r = vm_sock_connect(path, vm->pid, vm_uid_of(vm), &fd, err, sizeof(err));
	free(path);
	if (r < 0) {
		log_warn("VM %s: no serial console: %s", vm->spec.name, err);
		return;
	}
	vm->serial = vm_serial_new(vm->d->loop, fd, vm->log, serial_closed, vm);
	if (!vm->serial)
		log_warn("VM %s: cannot watch the serial console", vm->spec.name);
}

/* A start from a saved state: the state is in, the guest goes on. */
static void state_loaded(struct vm *vm, const char *error)
{
	if (error) {
		vm_start_failed(vm, PROTO_E_QEMU, "cannot load the VM's saved state: %s", error);
		return;
	}
	if (!vm->qmp)
		return;
	qmp_command(vm->qmp, "cont", NULL, NULL, NULL);
	qmp_command(vm->qmp, "query-status", NULL, status_reply, vm);
}

static void qmp_ready(struct qmp *q, void *data)
{
	struct vm *vm = data;

	if (vm->qmp_listen_fd >= 0) {
		/* Connected early, to croftd's own listener: trusted only now
		 * that the last listen() on it was QEMU's, as the VM's uid. */
		int ok = vm_sock_listener_is(vm->qmp_listen_fd, vm->pid, vm_uid_of(vm));

		vm_connect_clear(vm);
		if (!ok) {
			vm_start_failed(vm, PROTO_E_QEMU, "cannot talk to QEMU: its QMP socket is not "
					"served by QEMU (pid %d, uid %u); not using it", (int)vm->pid,
					(unsigned)vm_uid_of(vm));
			return;
		}
	}
	serial_attach(vm);
	if (vm->state == VM_STARTING && vm->incoming_fd >= 0) {
		vmstate_load(vm, state_loaded);
		return;
	}
	/* QEMU starts paused (-S) so that the console misses nothing. */
	if (vm->state == VM_STARTING)
		qmp_command(q, "cont", NULL, NULL, NULL);
	qmp_command(q, "query-status", NULL, status_reply, data);
}

static void qmp_event(struct qmp *q, const struct qmp_msg *ev, void *data)
{
	struct vm *vm = data;

	(void)q;
	log_debug("VM %s: QMP event %s", vm->spec.name, ev->event);
	if (vmstate_qmp_event(vm, ev))
		return;                  /* a snapshot's own pause */
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
	} else if (!strcmp(ev->event, "STOP") || !strcmp(ev->event, "RESUME")) {
		if (snap_qmp_pause_event(vm, ev))
			return;          /* a snapshot's pause (snap.h) */
		if (vm_screen_owns_pause(vm))
			return;          /* a text screen read: not a pause of the VM */
		if (!strcmp(ev->event, "RESUME")) {
			if (vm->state == VM_PAUSED)
				vm_set_state(vm, VM_RUNNING, vm->user_action ? "user" :
					     vm->auto_resuming ? "auto-resume" : "qemu");
		} else if (!vm->expect_exit && vm->state == VM_RUNNING)
			vm_set_state(vm, VM_PAUSED, vm->user_action ? "user" : "qemu");
	} else if (!strcmp(ev->event, "BLOCK_IO_ERROR")) {
		vm_pool_full_io_error(vm, ev);
	} else if (!strcmp(ev->event, "BLOCK_IMAGE_CORRUPTED")) {
		snap_health_event(vm, ev);
	} else if (!strcmp(ev->event, "JOB_STATUS_CHANGE")) {
		job_qmp_status_changed(vm->d->jobs, json_string_value(json_object_get(ev->data, "id")));
	} else if (!strcmp(ev->event, "BALLOON_CHANGE")) {
		json_t *actual = json_object_get(ev->data, "actual");

		if (json_is_integer(actual) && json_integer_value(actual) >= 0)
			model_balloon_set(vm->d->model, vm->spec.id, vm->pid,
					  (uint64_t)json_integer_value(actual) >> 20);
	} else if (!strcmp(ev->event, "DEVICE_DELETED")) {
		vm_nic_qmp_event(vm, ev);
		vm_disk_qmp_event(vm, ev);
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

/* Connect to the VM's QMP socket and watch the connection: checked as
 * vm_sock_connect does, or (queued) left in the backlog of a QEMU being
 * started (vm_sock_connect_queued). */
static int qmp_open(struct vm *vm, int queued, char *err, size_t errlen)
{
	char *path = vm_run_path(vm->d, vm->spec.name, "qmp.sock");
	int fd, r;

	if (queued)
		r = vm_sock_connect_queued(path, &fd, err, errlen);
	else
		r = vm_sock_connect(path, vm->pid, vm_uid_of(vm), &fd, err, errlen);
	free(path);
	if (r < 0)
		return r;
	vm->qmp = qmp_new_fd(vm->d->loop, fd, &vm_qmp_cbs, vm);
	if (!vm->qmp) {
		err_set(err, errlen, "cannot watch the QMP connection");
		return -ENOMEM;
	}
	return 0;
}

int vm_qmp_open(struct vm *vm, char *err, size_t errlen)
{
	return qmp_open(vm, 0, err, errlen);
}

/* QEMU is alive but QMP is not: try again each second until one of the
 * two changes. */
static void qmp_retry_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct vm *vm = data;
	char err[512];

	(void)t;
	vm->qmp_retry = NULL;
	if (vm->pid <= 0 || vm->qmp)
		return;
	if (vm_qmp_open(vm, err, sizeof(err)) < 0) {
		log_debug("VM %s: %s", vm->spec.name, err);
		vm->qmp_retry = loop_timer_add(l, 1000, qmp_retry_cb, vm);
	}
}

void vm_qmp_retry_soon(struct vm *vm)
{
	if (!vm->qmp_retry)
		vm->qmp_retry = loop_timer_add(vm->d->loop, 1000, qmp_retry_cb, vm);
}

static void qmp_closed(struct qmp *q, const char *why, void *data)
{
	struct vm *vm = data;

	if (vm->qmp != q)
		return;
	vm->qmp = NULL;
	qmp_free(q);
	if (vm->pid > 0 && !vm->expect_exit) {
		log_info("VM %s: QMP connection ended (%s); reconnecting", vm->spec.name, why);
		vm_qmp_retry_soon(vm);
	}
}

void vm_connect_clear(struct vm *vm)
{
	if (vm->qmp_listen_fd >= 0)
		close(vm->qmp_listen_fd);
	vm->qmp_listen_fd = -1;
}

/* Hold QEMU's pid by a pidfd; watch its end through child (the job_exec
 * that started it, which reaps it) or, for an adopted QEMU, the pidfd. */
int vm_watch(struct vm *vm, pid_t pid, struct job_exec *child, int out_fd, char *err,
	     size_t errlen)
{
	int r, fd;

	fd = proc_pidfd_open(pid);
	if (fd < 0) {
		err_set(err, errlen, "pidfd_open(%d): %s", (int)pid, strerror(-fd));
		return fd;
	}
	r = child ? 0 : loop_add(vm->d->loop, fd, EPOLLIN, qemu_pidfd_cb, vm);
	if (r < 0) {
		close(fd);
		err_set(err, errlen, "epoll: %s", strerror(-r));
		return r;
	}
	vm->pid = pid;
	vm->pidfd = fd;
	vm->child = child;
	if (out_fd >= 0) {
		char *path = vm_run_path(vm->d, vm->spec.name, "qemu.log");

		vm->qemu_log = vm_serial_log_new(path, 64 << 10);
		free(path);
		vm_serial_log_rotate(vm->qemu_log);
		vm->out_fd = out_fd;
		if (loop_add(vm->d->loop, out_fd, EPOLLIN, output_cb, vm) < 0) {
			close(out_fd);
			vm->out_fd = -1;
		}
	}
	vm_pidfile_write(vm);
	return 0;
}

/* A QEMU this croftd forked (with vm_child_exited as its done callback):
 * watch it and connect to its QMP socket at once.  The connection waits in
 * the backlog until QEMU (which listens on the passed fd itself) accepts
 * it; qmp_ready trusts it only once the listener's SO_PEERCRED names QEMU. */
int vm_watch_child(struct vm *vm, struct job_exec *x, int qmp_listen_fd, char *err,
		   size_t errlen)
{
	int out = job_exec_take_fd(x, 1), r;

	r = vm_watch(vm, job_exec_pid(x), x, out, err, errlen);
	if (r < 0) {
		if (out >= 0)
			close(out);
		return r;
	}
	vm->qmp_listen_fd = qmp_listen_fd;
	return qmp_open(vm, 1, err, errlen);
}
