/*
 * Starting a VM: its uid slot, its root-owned run directory with the QMP,
 * serial and guest agent sockets croftd makes, the files QEMU gets as descriptors
 * croftd opened (vm_files.h: disks, CD, kernel, initrd, the UEFI code and
 * variable store), its command line from the spec (qemu_cmdline.c), its
 * NICs' taps; then croftd forks and execs QEMU (vm_spawn.c) as the VM's own
 * uid with the sockets and files as inherited descriptors, and vm_qemu.c
 * watches it until QMP answers, lets the paused guest run, and reports it
 * running.  Started from a saved state (vmstate.h), QEMU waits with
 * "-incoming defer" until vm_qemu.c has had the state loaded.  A start that does not get there within START_TIMEOUT_MS fails
 * and kills what it started.  QEMU also inherits /dev/userfaultfd with the
 * preload library that uses it (vm_uffd.h), unless the host says not to.
 */
#include "core/vm.h"
#include "core/vm_internal.h"
#include "core/backup.h"
#include "core/daemon.h"
#include "core/balloon.h"
#include "core/job.h"
#include "core/qemu_cmdline.h"
#include "core/vm_cloudinit.h"
#include "core/vm_nic.h"
#include "core/vm_clone.h"
#include "core/vm_files.h"
#include "core/vm_serial.h"
#include "core/vm_spawn.h"
#include "core/vm_uid.h"
#include "core/vm_uffd.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define START_TIMEOUT_MS 60000

void vm_start_failed(struct vm *vm, const char *code, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("VM %s: %s", vm->spec.name, msg);
	snprintf(vm->state_detail, sizeof(vm->state_detail), "%.767s", msg);
	vm_timer_clear(vm);
	vm_connect_clear(vm);
	if (vm->pidfd >= 0) {
		/* Its exit ends the start: the waiters hear this message. */
		vm->expect_exit = 1;
		snprintf(vm->exit_reason, sizeof(vm->exit_reason), "start-failed");
		vm_waiters_finish(vm, &vm->start_waiters, code, msg);
		vm_kill(vm, SIGKILL);
	} else {
		vm_cleanup_run_files(vm);
		vm_set_state(vm, VM_STOPPED, "start-failed");
		vm_waiters_finish(vm, &vm->start_waiters, code, msg);
	}
}

static void start_timer_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct vm *vm = data;

	(void)l;
	(void)t;
	vm->timer = NULL;
	vm_start_failed(vm, PROTO_E_TIMEOUT, "QEMU did not become ready within %d s",
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

/* The VM's run directory: croftd's (root's) alone, mode 0700, never a
 * link; an older one (owned by the QEMU user of earlier versions) is taken
 * back. */
static int run_dir_prepare(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd, r = 0;

	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		goto fail;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	if (fstat(fd, &st) < 0 || (st.st_uid != geteuid() && fchown(fd, geteuid(), getegid()) < 0) ||
	    ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0))
		r = -errno;
	close(fd);
	if (r == 0)
		return 0;
fail:
	err_set(err, errlen, "cannot prepare %s: %s", path, strerror(-r));
	return r;
}

/* Append fd to QEMU's inherited descriptors: the number it has in QEMU. */
static int pass_fd(int **fds, size_t *n, int fd)
{
	*fds = xrealloc(*fds, (*n + 1) * sizeof(**fds));
	(*fds)[*n] = fd;
	return JOB_EXEC_PASS_FD((*n)++);
}

int vm_state_file_copy(const char *from, const char *to, char *err, size_t errlen)
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
		r = vm_state_file_copy(d->ovmf_vars, vars, err, errlen);
out:
	free(dir);
	free(vars);
	return r;
}

int vm_uefi_vars_copy(struct croftd *d, const char *from, const char *name, char *err,
		      size_t errlen)
{
	char *dir = vm_state_path(d, name, NULL), *vars = vm_state_path(d, name, "OVMF_VARS.fd");
	char *src = vm_state_path(d, from, "OVMF_VARS.fd");
	int r = 0;

	if (access(src, F_OK) < 0)
		goto out;
	r = ensure_dir(dir, 0711, 0, 0, 0);
	if (r < 0)
		err_set(err, errlen, "cannot create %s: %s", dir, strerror(-r));
	else
		r = vm_state_file_copy(src, vars, err, errlen);
out:
	free(src);
	free(dir);
	free(vars);
	return r;
}

/* Start vm; state_fd >= 0: from that saved state (the VM's once started). */
static int start(struct vm *vm, int state_fd, vm_done_cb cb, void *data, const char **code,
		 char *err, size_t errlen)
{
	struct croftd *d = vm->d;
	struct qemu_spec qs = { 0 };
	struct qemu_nic *nics = NULL;
	size_t nnics = 0;
	struct vm_files_set vf = { 0 };
	struct vm_spawn_files files = { 0 };
	struct job_exec_creds creds;
	struct vm_spawn_as as = { 0 };
	struct job_exec *x = NULL;
	char *rundir = NULL, *vmroot = NULL, *vars = NULL, *qmp = NULL, *serial = NULL;
	char *agent = NULL, *env_preload = NULL, *env_fd = NULL;
	const char *env[3] = { NULL };
	char **argv = NULL, user[96];
	int *pass = NULL, lfd[3] = { -1, -1, -1 }, uffd = -1, shim = -1;
	size_t argc, i, npass = 0;
	int64_t busy;
	int r;

	if ((r = vm_template_refuse(&vm->spec, "started", code, err, errlen)) < 0)
		return r;
	*code = PROTO_E_INVALID_STATE;
	if (vm_clone_busy(d, vm->spec.name)) {
		err_set(err, errlen, "VM '%s' is being cloned; it starts when the clone job is done "
			"(croft job list)", vm->spec.name);
		return -EBUSY;
	}
	if ((busy = backup_copying(d, vm->spec.name))) {
		err_set(err, errlen, "VM '%s' is being backed up while stopped (job %lld); it starts "
			"when the backup job is done (croft job list)", vm->spec.name, (long long)busy);
		return -EBUSY;
	}
	if (vm->state != VM_STOPPED && vm->state != VM_CRASHED) {
		err_set(err, errlen, "VM '%s' is already %s", vm->spec.name, vm_state_name(vm->state));
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
	if ((r = balloon_start_check(vm, code, err, errlen)) < 0)
		return r;
	*code = PROTO_E_IO;
	if (vm->uid_slot < 0 && (r = vm_uid_assign(vm, err, errlen)) < 0)
		return r;
	vm_uid_user(vm, user, sizeof(user));
	vmroot = xasprintf("%s/vm", d->run_dir);
	rundir = vm_run_path(d, vm->spec.name, NULL);
	r = ensure_dir(vmroot, 0711, 0, 0, 0);
	if (r < 0) {
		err_set(err, errlen, "cannot prepare %s: %s", vmroot, strerror(-r));
		goto fail;
	}
	if ((r = run_dir_prepare(rundir, err, errlen)) < 0)
		goto fail;
	vm_cleanup_run_files(vm);
	vm_serial_log_rotate(vm->log);
	vm_serial_log_write(vm->log, NULL, 0);        /* a fresh, empty serial.log */
	qmp = vm_run_path(d, vm->spec.name, "qmp.sock");
	serial = vm_run_path(d, vm->spec.name, "serial.sock");
	if ((r = vm_sock_listen(qmp, &lfd[0], err, errlen)) < 0 ||
	    (r = vm_sock_listen(serial, &lfd[1], err, errlen)) < 0)
		goto fail;
	qs.qmp_fd = pass_fd(&pass, &npass, lfd[0]);
	qs.serial_fd = pass_fd(&pass, &npass, lfd[1]);
	if (vm->spec.agent) {
		agent = vm_run_path(d, vm->spec.name, "agent.sock");
		if ((r = vm_sock_listen(agent, &lfd[2], err, errlen)) < 0)
			goto fail;
		qs.agent_fd = pass_fd(&pass, &npass, lfd[2]);
	}

	if (!strcmp(vm->spec.firmware, "uefi")) {
		r = vm_uefi_vars_ensure(d, vm->spec.name, err, errlen);
		if (r < 0)
			goto fail;
		vars = vm_state_path(d, vm->spec.name, "OVMF_VARS.fd");
	}
	/* The files follow the sockets in QEMU's descriptors. */
	r = vm_files_prepare(d->pools, &vm->spec, vars ? d->ovmf_code : NULL, vars, npass, &vf,
			     code, err, errlen);
	if (r < 0)
		goto fail;
	if (vm->spec.cloud_init && (r = vm_cloudinit_attach(vm, npass, &vf, code, err, errlen)) < 0)
		goto fail;
	for (i = 0; i < vf.nfds; i++)
		pass_fd(&pass, &npass, vf.fds[i]);
	/* Last, since the files' numbers are fixed already. */
	vm->bg_refused[0] = '\0';
	vm->uffd = vm_uffd_open(d, &uffd, &shim, vm->uffd_why, sizeof(vm->uffd_why));
	if (vm->uffd) {
		env_preload = xasprintf("LD_PRELOAD=/proc/self/fd/%d", pass_fd(&pass, &npass, shim));
		env_fd = xasprintf("%s=%d", VM_UFFD_ENV, pass_fd(&pass, &npass, uffd));
		env[0] = env_preload;
		env[1] = env_fd;
	}

	qs.qemu_binary = d->qemu_binary;
	qs.name = vm->spec.name;
	qs.uuid = vm->spec.uuid;
	qs.vcpus = vm->spec.vcpus;
	qs.memory_mib = vm->spec.memory_mib;
	qs.ksm_off = vm->spec.ksm_off;
	qs.accel = d->accel.effective;
	qs.firmware = vm->spec.firmware;
	qs.ovmf_code = vf.ovmf_code;
	qs.ovmf_vars = vf.ovmf_vars;
	qs.boot = vm->spec.boot;
	qs.display = vm->spec.display;
	qs.disks = vf.disks;
	qs.ndisks = vm->spec.ndisks;
	qs.cdrom = vf.cdrom;
	qs.seed = vf.seed;
	qs.kernel = vf.kernel;
	qs.initrd = vf.initrd;
	qs.add_fds = vf.add;
	qs.nadd_fds = vf.nadd;
	qs.append = vm->spec.append;
	qs.incoming = state_fd >= 0;
	r = vm_nic_prepare_start(vm, &nics, &nnics, &qs.vhost, code, err, errlen);
	if (r < 0)
		goto fail;
	qs.nics = nics;
	qs.nnics = nnics;
	qs.nic_ports = qemu_nic_ports(nnics);
	qs.disk_ports = QEMU_DISK_PORTS;
	*code = PROTO_E_INVALID_ARGUMENT;
	r = qemu_cmdline_build(&qs, &argv, &argc, err, errlen);
	if (r < 0)
		goto fail;

	files.fds = pass;
	files.nfds = npass;
	vm_uid_creds(vm, &creds);
	as.user = user;
	as.creds = d->drop_privs ? &creds : NULL;
	as.output_fd = 1;
	as.env = env;
	*code = PROTO_E_INTERNAL;
	r = vm_spawn(d, argv, &files, &as, vm_child_exited, vm, &x, err, errlen);
	if (r < 0)
		goto fail;
	r = vm_watch_child(vm, x, lfd[0], err, errlen);
	if (r < 0) {
		job_exec_stop(x, 1000);
		goto fail;
	}
	lfd[0] = -1;                  /* the watch holds it until QMP is up */
	vm->incoming_fd = state_fd;   /* vm_qemu.c hands it over then */
	vm->started_at = time(NULL);
	vm->expect_exit = 0;
	vm->exit_reason[0] = '\0';
	vm->timer = loop_timer_add(d->loop, START_TIMEOUT_MS, start_timer_cb, vm);
	vm_waiters_add(&vm->start_waiters, cb, data);
	vm_set_state(vm, VM_STARTING, "user");
	log_info("VM %s: starting QEMU pid %d as %s (%s, %u vCPU, %lluM)", vm->spec.name,
		 (int)vm->pid, user, d->accel.effective, vm->spec.vcpus,
		 (unsigned long long)vm->spec.memory_mib);
	r = 0;
fail:
	/* QEMU has its copies of the listening sockets. */
	for (i = 0; i < 3; i++)
		if (lfd[i] >= 0)
			close(lfd[i]);
	if (uffd >= 0)
		close(uffd);
	if (shim >= 0)
		close(shim);
	free(env_preload);
	free(env_fd);
	if (r < 0)
		vm_cleanup_run_files(vm);
	qemu_cmdline_free(argv);
	vm_nic_qemu_free(nics, nnics);
	vm_files_set_clear(&vf);
	free(pass);
	free(vars);
	free(qmp);
	free(serial);
	free(agent);
	free(rundir);
	free(vmroot);
	return r;
}

int vm_start(struct vm *vm, vm_done_cb cb, void *data, const char **code, char *err, size_t errlen)
{
	return start(vm, -1, cb, data, code, err, errlen);
}

int vm_start_from_state(struct vm *vm, int state_fd, vm_done_cb cb, void *data,
			const char **code, char *err, size_t errlen)
{
	int r = start(vm, state_fd, cb, data, code, err, errlen);

	if (r < 0)
		close(state_fd);
	return r;
}
