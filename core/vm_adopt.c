/*
 * Loading the VMs at croftd's start and adopting every QEMU that survived
 * a restart.  A VM's QEMU is the one process in /proc that runs as the
 * VM's own uid with the VM's -uuid and -name (vm_spawn.h); it is then held
 * by a pidfd and checked again, so a pid reused in between is not taken,
 * and nothing QEMU could have written (no pidfile) is read.  A VM the store
 * recorded as live whose QEMU is gone becomes crashed.
 */
#include "core/vm.h"
#include "core/vm_internal.h"
#include "core/daemon.h"
#include "core/procfs.h"
#include "core/qemu_cmdline.h"
#include "core/vm_spawn.h"
#include "core/vm_pool_full.h"
#include "core/vm_uid.h"
#include "core/vm_uffd.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/proc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int vm_pid_is_qemu(const struct vm *vm, const char *root, pid_t pid)
{
	char *namearg = qemu_cmdline_name_arg(vm->spec.name);
	int ok = vm_qemu_match(root, pid, vm_uid_of(vm), vm->spec.uuid, namearg);

	free(namearg);
	return ok;
}

/* When process pid started, in CLOCK_REALTIME seconds (now if unknown). */
static int64_t started_at(pid_t pid)
{
	struct procfs_pid_stat st;
	uint64_t up_ms;
	char buf[4096], rel[32];
	long hz = sysconf(_SC_CLK_TCK);

	snprintf(rel, sizeof(rel), "%d/stat", (int)pid);
	if (hz <= 0 || procfs_read("/proc", rel, buf, sizeof(buf)) < 0 ||
	    procfs_pid_stat_parse(buf, &st) < 0 ||
	    procfs_read("/proc", "uptime", buf, sizeof(buf)) < 0 ||
	    procfs_uptime_parse(buf, &up_ms) < 0 || st.start_ticks * 1000 / (uint64_t)hz > up_ms)
		return time(NULL);
	return time(NULL) - (int64_t)((up_ms - st.start_ticks * 1000 / (uint64_t)hz) / 1000);
}

/* The VM's QEMU, if one survived: found by uid and command line, then held
 * by a pidfd and checked again, so a pid reused in between is not taken. */
static pid_t find_qemu(struct vm *vm)
{
	char *namearg = qemu_cmdline_name_arg(vm->spec.name);
	uid_t uid = vm_uid_of(vm);
	pid_t pid = 0;
	int r;

	r = vm_qemu_find("/proc", uid, vm->spec.uuid, namearg, &pid);
	if (r == -EEXIST)
		log_warn("VM %s: more than one process runs as uid %u with its command line; "
			 "adopting none", vm->spec.name, (unsigned)uid);
	free(namearg);
	return r == 0 ? pid : 0;
}

static void vm_adopt(struct vm *vm, enum vm_state stored)
{
	char err[256];
	pid_t pid = vm->uid_slot >= 0 || !vm->d->drop_privs ? find_qemu(vm) : 0;
	int ok = 0;

	if (pid > 0 && vm_watch(vm, pid, NULL, -1, err, sizeof(err)) == 0) {
		ok = vm_pid_is_qemu(vm, "/proc", pid) && proc_pidfd_kill(vm->pidfd, 0) == 0;
		if (!ok) {
			loop_del(vm->d->loop, vm->pidfd);
			close(vm->pidfd);
			vm->pidfd = -1;
			vm->pid = 0;
		}
	}
	if (ok) {
		enum vm_state live = (stored == VM_PAUSED) ? VM_PAUSED : VM_RUNNING;

		vm->started_at = started_at(pid);
		vm->uffd = vm_uffd_held("/proc", pid);
		if (!vm->uffd)
			snprintf(vm->uffd_why, sizeof(vm->uffd_why), "its QEMU (pid %d) was started "
				 "without %s (by an older croft, or with %s off); it gets it when "
				 "the VM is started again", (int)pid, VM_UFFD_DEVICE, VM_UFFD_SETTING);
		if (vm_qmp_open(vm, err, sizeof(err)) < 0) {
			log_warn("VM %s: QEMU pid %d is alive but QMP is not answering (%s); retrying",
				 vm->spec.name, (int)pid, err);
			vm_qmp_retry_soon(vm);
		} else {
			log_info("VM %s: re-adopted QEMU pid %d (uid %u)", vm->spec.name, (int)pid,
				 (unsigned)vm_uid_of(vm));
		}
		/* a pause for a full pool keeps its reason (and its pool) */
		vm_set_state(vm, live, live == VM_PAUSED && !strcmp(vm->reason, VM_POOL_FULL_REASON)
				       ? VM_POOL_FULL_REASON : "croftd-restart");
	} else if (stored != VM_STOPPED && stored != VM_CRASHED) {
		vm_cleanup_run_files(vm);
		vm_set_state(vm, VM_CRASHED, "qemu-exited-while-croftd-was-down");
	} else {
		vm_cleanup_run_files(vm);
	}
}

int vm_load_all(struct croftd *d)
{
	struct store_vm *vms;
	size_t n, i;
	char err[512];
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
		vm_pool_full_load(vm);
		if (vm_uid_assign(vm, err, sizeof(err)) < 0)
			log_err("VM %s: %s", vm->spec.name, err);
		vm_adopt(vm, stored);
	}
	free(vms);
	return 0;
}
