/*
 * VM lifecycle.  croftd never waits: starting a VM forks QEMU's daemonizing
 * parent and watches it through a pidfd; when that parent exits, the pidfile
 * names the real QEMU, which gets a pidfd of its own and a QMP client.  The
 * state follows QMP events (SHUTDOWN, STOP, RESUME) and the QEMU pidfd: a
 * QEMU that exits without croftd asking is "crashed".
 *
 * QEMU runs with -no-shutdown, so a guest that powers off leaves QEMU alive
 * in the "shutdown" run state until croftd sends quit.  That makes a guest
 * poweroff visible even when it happened while croftd was down: the
 * re-adopted QEMU answers query-status with "shutdown".
 */
#include "core/vm.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job.h"
#include "common/loop.h"
#include "core/model.h"
#include "core/qemu_cmdline.h"
#include "core/qmp.h"
#include "core/vm_nic.h"
#include "core/vm_spawn.h"
#include "common/log.h"
#include "common/proc.h"
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

#define START_TIMEOUT_MS   60000
#define KILL_GRACE_MS      5000

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

static enum vm_state state_from_name(const char *s)
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
	return vm->pid > 0 || vm->spawn;
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
	if (s == VM_STOPPED || s == VM_CRASHED)
		vm->started_at = 0;
	if (!vm->deleted && store_vm_set_state(vm->d->store, vm->spec.id, state_names[s], reason) < 0)
		log_err("VM %s: could not record state %s in the store", vm->spec.name, state_names[s]);
	if (vm->deleted)
		log_info("VM %s: %s -> %s (%s)", vm->spec.name, state_names[prev], state_names[s],
			 reason);
	else
		bus_publish(vm->d->bus, "vm.state", vm->spec.name, 0,
			    json_pack("{s:s,s:s,s:s,s:s}", "name", vm->spec.name,
				      "state", state_names[s], "previous", state_names[prev],
				      "reason", reason),
			    "VM %s: %s -> %s (%s)", vm->spec.name, state_names[prev],
			    state_names[s], reason);
}

static void waiters_add(struct vm_waiter **list, vm_done_cb cb, void *data)
{
	struct vm_waiter *w = xcalloc(1, sizeof(*w)), **pp = list;

	w->cb = cb;
	w->data = data;
	while (*pp)
		pp = &(*pp)->next;
	*pp = w;
}

static void waiters_finish(struct vm *vm, struct vm_waiter **list, const char *code, const char *msg)
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

static void vm_timer_clear(struct vm *vm)
{
	if (vm->timer) {
		loop_timer_cancel(vm->d->loop, vm->timer);
		vm->timer = NULL;
	}
}

static void vm_retry_clear(struct vm *vm)
{
	if (vm->qmp_retry) {
		loop_timer_cancel(vm->d->loop, vm->qmp_retry);
		vm->qmp_retry = NULL;
	}
}

static void vm_free(struct vm *vm)
{
	struct vm **pp;

	for (pp = &vm->d->vms; *pp; pp = &(*pp)->next) {
		if (*pp == vm) {
			*pp = vm->next;
			break;
		}
	}
	store_vm_clear(&vm->spec);
	free(vm);
}

/* Runtime files that must not outlive QEMU (the serial log stays). */
static const char *const run_files[] = { "qemu.pid", "qmp.sock", "serial.sock", "vnc.sock" };

static void unlink_in(const char *dir, const char *file)
{
	char *p = xasprintf("%s/%s", dir, file);

	unlink(p);
	free(p);
}

static void vm_cleanup_run_files(struct vm *vm)
{
	char *dir = vm_run_path(vm->d, vm->spec.name, NULL);
	size_t i;

	for (i = 0; i < sizeof(run_files) / sizeof(run_files[0]); i++)
		unlink_in(dir, run_files[i]);
	free(dir);
}

void vm_files_remove(struct croftd *d, const char *name)
{
	char *dir = vm_run_path(d, name, NULL);
	size_t i;

	for (i = 0; i < sizeof(run_files) / sizeof(run_files[0]); i++)
		unlink_in(dir, run_files[i]);
	unlink_in(dir, "serial.log");
	rmdir(dir);
	free(dir);
	dir = vm_state_path(d, name, NULL);
	unlink_in(dir, "OVMF_VARS.fd");
	rmdir(dir);
	free(dir);
}

/* --- QEMU exit ------------------------------------------------------------ */

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
	}
	vm->expect_exit = 0;
	vm->shutdown_force = 0;
	vm_nic_abort(vm, "QEMU exited");
	vm_set_state(vm, next, reason);
	if (next == VM_CRASHED)
		log_warn("VM %s: QEMU exited unexpectedly; see %s/vm/%s/serial.log",
			 vm->spec.name, vm->d->run_dir, vm->spec.name);
	vm->busy++;
	waiters_finish(vm, &vm->start_waiters, PROTO_E_QEMU,
		       "QEMU exited while the VM was starting");
	waiters_finish(vm, &vm->stop_waiters, NULL, NULL);
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

static void vm_quit(struct vm *vm, const char *reason)
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
		waiters_finish(vm, &vm->start_waiters, NULL, NULL);
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
static int vm_attach(struct vm *vm, pid_t pid, char *err, size_t errlen)
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

/* --- start ------------------------------------------------------------- */

/* Stop watching QEMU's first process; it is reaped whenever it exits. */
static void spawn_end(struct vm *vm)
{
	if (vm->spawn)
		job_exec_abandon(vm->spawn);
	vm->spawn = NULL;
}

static void start_failed(struct vm *vm, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void start_failed(struct vm *vm, const char *code, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("VM %s: %s", vm->spec.name, msg);
	vm_timer_clear(vm);
	spawn_end(vm);
	if (vm->pidfd >= 0) {
		vm->expect_exit = 1;
		snprintf(vm->exit_reason, sizeof(vm->exit_reason), "start-failed");
		proc_pidfd_kill(vm->pidfd, SIGKILL);
	} else {
		vm_cleanup_run_files(vm);
		vm_set_state(vm, VM_STOPPED, "start-failed");
	}
	waiters_finish(vm, &vm->start_waiters, code, msg);
}

static void spawn_done(struct job_exec *x, const struct job_exec_result *res, void *data)
{
	struct vm *vm = data;
	char err[512], *pidfile;
	int r;
	pid_t pid;

	(void)x;
	vm->spawn = NULL;
	if (job_exec_failure(res, "QEMU", err, sizeof(err))) {
		start_failed(vm, PROTO_E_QEMU, "QEMU failed to start: %s", err);
		return;
	}
	pidfile = vm_run_path(vm->d, vm->spec.name, "qemu.pid");
	r = proc_pidfile_read(pidfile, &pid);
	free(pidfile);
	if (r < 0) {
		start_failed(vm, PROTO_E_QEMU, "QEMU started but wrote no usable pidfile");
		return;
	}
	vm->started_at = time(NULL);
	if (vm_attach(vm, pid, err, sizeof(err)) < 0)
		start_failed(vm, PROTO_E_QEMU, "cannot watch QEMU: %s", err);
}

static void start_timer_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct vm *vm = data;

	(void)l;
	(void)t;
	vm->timer = NULL;
	if (vm->spawn)
		job_exec_kill(vm->spawn, SIGKILL);
	start_failed(vm, PROTO_E_TIMEOUT, "QEMU did not become ready within %d s",
		     START_TIMEOUT_MS / 1000);
}

static int ensure_dir(const char *path, mode_t mode, uid_t uid, gid_t gid, int own)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	if (own && chown(path, uid, gid) < 0)
		return -errno;
	if (chmod(path, mode) < 0)
		return -errno;
	return 0;
}

static int copy_file(const char *from, const char *to, char *err, size_t errlen)
{
	char buf[65536];
	int in, out, r = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		r = -errno;
		err_set(err, errlen, "cannot read %s: %s", from, strerror(errno));
		return r;
	}
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		r = -errno;
		err_set(err, errlen, "cannot create %s: %s", to, strerror(errno));
		close(in);
		return r;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (proto_write_all(out, buf, (size_t)n) < 0) {
			n = -1;
			break;
		}
	}
	if (n < 0 || fsync(out) < 0) {
		r = -EIO;
		err_set(err, errlen, "cannot copy %s to %s: %s", from, to, strerror(errno));
		unlink(to);
	}
	close(out);
	close(in);
	return r;
}

/* The per-VM UEFI variable store, made from the OVMF template once. */
int vm_uefi_vars_ensure(struct croftd *d, const char *name, char *err, size_t errlen)
{
	char *dir = vm_state_path(d, name, NULL), *vars = vm_state_path(d, name, "OVMF_VARS.fd");
	int r = 0;

	if (!d->ovmf_code || !d->ovmf_vars) {
		err_set(err, errlen, "UEFI firmware (OVMF) is not installed; install the ovmf package");
		r = -ENOENT;
		goto out;
	}
	r = ensure_dir(dir, 0711, 0, 0, 0);
	if (r < 0) {
		err_set(err, errlen, "cannot create %s: %s", dir, strerror(-r));
		goto out;
	}
	if (access(vars, F_OK) < 0)
		r = copy_file(d->ovmf_vars, vars, err, errlen);
	if (r == 0 && d->drop_privs && chown(vars, d->qemu_uid, d->qemu_gid) < 0) {
		r = -errno;
		err_set(err, errlen, "cannot hand %s to user %s: %s", vars, d->qemu_user, strerror(errno));
	}
out:
	free(dir);
	free(vars);
	return r;
}

int vm_start(struct vm *vm, vm_done_cb cb, void *data, const char **code, char *err, size_t errlen)
{
	struct croftd *d = vm->d;
	struct qemu_spec qs = { 0 };
	struct qemu_disk *disks = NULL;
	struct qemu_nic *nics = NULL;
	size_t nnics = 0;
	const char **rd = NULL, **wr = NULL;
	struct vm_spawn_files files;
	char *rundir = NULL, *vmroot = NULL, *vars = NULL, *log = NULL;
	char **argv = NULL;
	size_t argc, i, nr = 0, nw = 0;
	int r;

	*code = PROTO_E_INVALID_STATE;
	if (vm->state != VM_STOPPED && vm->state != VM_CRASHED) {
		err_set(err, errlen, "VM '%s' is already %s", vm->spec.name, state_names[vm->state]);
		return -EBUSY;
	}
	if (vm_is_live(vm)) {
		err_set(err, errlen, "VM '%s' still has a QEMU process (pid %d); stop it first",
			vm->spec.name, (int)vm->pid);
		return -EBUSY;
	}
	if (!d->accel.usable) {
		err_set(err, errlen, "cannot start VM '%s': %s", vm->spec.name, d->accel.reason);
		return -ENODEV;
	}
	*code = PROTO_E_IO;
	vmroot = xasprintf("%s/vm", d->run_dir);
	rundir = vm_run_path(d, vm->spec.name, NULL);
	r = ensure_dir(vmroot, 0711, 0, 0, 0);
	if (r == 0)
		r = ensure_dir(rundir, 0750, d->qemu_uid, d->qemu_gid, d->drop_privs);
	if (r < 0) {
		err_set(err, errlen, "cannot prepare %s: %s", rundir, strerror(-r));
		goto fail;
	}
	vm_cleanup_run_files(vm);
	log = vm_run_path(d, vm->spec.name, "serial.log");
	unlink(log);

	rd = xcalloc(vm->spec.ndisks + 5, sizeof(*rd));
	wr = xcalloc(vm->spec.ndisks + 3, sizeof(*wr));
	disks = xcalloc(vm->spec.ndisks + 1, sizeof(*disks));
	for (i = 0; i < vm->spec.ndisks; i++) {
		const struct store_disk *sd = &vm->spec.disks[i];

		disks[i].path = sd->path;
		disks[i].format = sd->format;
		if (access(sd->path, F_OK) < 0) {
			*code = PROTO_E_NOT_FOUND;
			err_set(err, errlen, "disk image %s of VM '%s' is missing", sd->path, vm->spec.name);
			r = -ENOENT;
			goto fail;
		}
		if (d->drop_privs && chown(sd->path, d->qemu_uid, d->qemu_gid) < 0)
			log_warn("VM %s: cannot hand %s to user %s: %s", vm->spec.name, sd->path,
				 d->qemu_user, strerror(errno));
		wr[nw++] = sd->path;
	}
	if (vm->spec.cdrom)
		rd[nr++] = vm->spec.cdrom;
	if (vm->spec.kernel)
		rd[nr++] = vm->spec.kernel;
	if (vm->spec.initrd)
		rd[nr++] = vm->spec.initrd;
	if (!strcmp(vm->spec.firmware, "uefi")) {
		r = vm_uefi_vars_ensure(d, vm->spec.name, err, errlen);
		if (r < 0)
			goto fail;
		vars = vm_state_path(d, vm->spec.name, "OVMF_VARS.fd");
		rd[nr++] = d->ovmf_code;
		wr[nw++] = vars;
	}

	qs.qemu_binary = d->qemu_binary;
	qs.name = vm->spec.name;
	qs.uuid = vm->spec.uuid;
	qs.vcpus = vm->spec.vcpus;
	qs.memory_mib = vm->spec.memory_mib;
	qs.accel = d->accel.effective;
	qs.firmware = vm->spec.firmware;
	qs.ovmf_code = d->ovmf_code;
	qs.ovmf_vars = vars;
	qs.boot = vm->spec.boot;
	qs.disks = disks;
	qs.ndisks = vm->spec.ndisks;
	qs.cdrom = vm->spec.cdrom;
	qs.kernel = vm->spec.kernel;
	qs.initrd = vm->spec.initrd;
	qs.append = vm->spec.append;
	qs.vm_run_dir = rundir;
	r = vm_nic_prepare_start(vm, &nics, &nnics, &qs.vhost, code, err, errlen);
	if (r < 0)
		goto fail;
	qs.nics = nics;
	qs.nnics = nnics;
	qs.nic_ports = qemu_nic_ports(nnics);
	*code = PROTO_E_INVALID_ARGUMENT;
	r = qemu_cmdline_build(&qs, &argv, &argc, err, errlen);
	if (r < 0)
		goto fail;

	files.read = rd;
	files.write = wr;
	*code = PROTO_E_INTERNAL;
	r = vm_spawn(d, argv, &files, spawn_done, vm, &vm->spawn, err, errlen);
	if (r < 0)
		goto fail;
	vm->expect_exit = 0;
	vm->exit_reason[0] = '\0';
	vm->timer = loop_timer_add(d->loop, START_TIMEOUT_MS, start_timer_cb, vm);
	waiters_add(&vm->start_waiters, cb, data);
	vm_set_state(vm, VM_STARTING, "user");
	log_info("VM %s: starting QEMU (%s, %u vCPU, %lluM)", vm->spec.name, d->accel.effective,
		 vm->spec.vcpus, (unsigned long long)vm->spec.memory_mib);
	r = 0;
fail:
	qemu_cmdline_free(argv);
	vm_nic_qemu_free(nics, nnics);
	free(disks);
	free(rd);
	free(wr);
	free(vars);
	free(log);
	free(rundir);
	free(vmroot);
	return r;
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
	vm_set_state(vm, VM_RUNNING, "shutdown-timeout");
	waiters_finish(vm, &vm->stop_waiters, PROTO_E_TIMEOUT, msg);
}

static void powerdown_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vm *vm = data;

	(void)q;
	if (m && m->type == QMP_MSG_ERROR && vm->state == VM_SHUTTING_DOWN) {
		vm_timer_clear(vm);
		vm_set_state(vm, VM_RUNNING, "user");
		waiters_finish(vm, &vm->stop_waiters, PROTO_E_QEMU, m->err_desc);
	}
}

int vm_shutdown(struct vm *vm, unsigned timeout_s, int force, vm_done_cb cb, void *data,
		const char **code, char *err, size_t errlen)
{
	if (vm->state == VM_SHUTTING_DOWN) {
		vm->shutdown_force |= force;
		waiters_add(&vm->stop_waiters, cb, data);
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
	vm->shutdown_force = force;
	qmp_command(vm->qmp, "system_powerdown", NULL, powerdown_reply, vm);
	vm_timer_clear(vm);
	vm->timer = loop_timer_add(vm->d->loop, (uint64_t)timeout_s * 1000, shutdown_timer_cb, vm);
	waiters_add(&vm->stop_waiters, cb, data);
	vm_set_state(vm, VM_SHUTTING_DOWN, "user");
	return 0;
}

int vm_stop(struct vm *vm, const char *reason, vm_done_cb cb, void *data,
	    const char **code, char *err, size_t errlen)
{
	if (vm->state == VM_STARTING || vm->spawn) {
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
	waiters_add(&vm->stop_waiters, cb, data);
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
		spawn_end(vm);
		if (vm->pidfd >= 0) {
			loop_del(d->loop, vm->pidfd);
			close(vm->pidfd);
		}
		if (vm->qmp)
			qmp_free(vm->qmp);
		vm->qmp = NULL;
		vm_nic_abort(vm, "croftd is shutting down");
		waiters_finish(vm, &vm->start_waiters, PROTO_E_INTERNAL, "croftd is shutting down");
		waiters_finish(vm, &vm->stop_waiters, PROTO_E_INTERNAL, "croftd is shutting down");
		vm_free(vm);
	}
}

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
		enum vm_state stored = state_from_name(vms[i].state);
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
