/*
 * What the VM files (vm.c, vm_start.c, vm_qemu.c) share and nobody else
 * sees.
 */
#ifndef CROFT_VM_INTERNAL_H
#define CROFT_VM_INTERNAL_H

#include "core/vm.h"

/* vm.c */
enum vm_state vm_state_from_name(const char *s);
void vm_waiters_add(struct vm_waiter **list, vm_done_cb cb, void *data);
/* Run and free every waiter of list with the outcome. */
void vm_waiters_finish(struct vm *vm, struct vm_waiter **list, const char *code,
		       const char *msg);
void vm_timer_clear(struct vm *vm);
void vm_retry_clear(struct vm *vm);
/* Unlink vm and free it. */
void vm_free(struct vm *vm);
/* Remove the runtime files that must not outlive QEMU. */
void vm_cleanup_run_files(struct vm *vm);

/* vm_qemu.c */
/* Ask QEMU to quit (SIGKILL after a grace period); its exit records reason. */
void vm_quit(struct vm *vm, const char *reason);
/* Watch the QEMU with this pid: a pidfd, then QMP.  0 or -errno with err
 * set (a QMP failure leaves the pidfd watched). */
int vm_attach(struct vm *vm, pid_t pid, char *err, size_t errlen);

/* vm_start.c */
/* Stop watching QEMU's first process; it is reaped whenever it exits. */
void vm_spawn_end(struct vm *vm);

#endif
