/*
 * What the VM files (vm.c, vm_start.c, vm_qemu.c, vm_adopt.c) share and nobody else
 * sees.
 */
#ifndef CROFT_VM_INTERNAL_H
#define CROFT_VM_INTERNAL_H

#include "core/vm.h"

struct job_exec;
struct job_exec_result;

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
/* Write croftd's own record of QEMU's pid (qemu.pid, for people and
 * scripts; croftd never reads it). */
void vm_pidfile_write(struct vm *vm);

/* vm_qemu.c */
/* Ask QEMU to quit (SIGKILL after a grace period); its exit records reason. */
void vm_quit(struct vm *vm, const char *reason);
/* Signal QEMU through its pidfd. */
void vm_kill(struct vm *vm, int sig);
/* job_exec's done callback for a QEMU croftd started (data: the vm). */
void vm_child_exited(struct job_exec *x, const struct job_exec_result *res, void *data);
/* Watch the QEMU with this pid: a pidfd, its end through child (or the
 * pidfd when child is NULL), its output on out_fd (taken; -1: none), and
 * croftd's informational pidfile.  0 or -errno with err set. */
int vm_watch(struct vm *vm, pid_t pid, struct job_exec *child, int out_fd, char *err,
	     size_t errlen);
/* vm_watch for the child x just started, and connect to its QMP socket at
 * once; the connection is trusted when QMP is ready and SO_PEERCRED of
 * qmp_listen_fd (croftd's copy of the listener, taken) names QEMU. */
int vm_watch_child(struct vm *vm, struct job_exec *x, int qmp_listen_fd, char *err,
		   size_t errlen);
/* Close croftd's copy of the QMP listener of a start. */
void vm_connect_clear(struct vm *vm);
/* A QMP client on the VM's socket, when SO_PEERCRED says its QEMU listens
 * there.  0, -EAGAIN (not yet), or another -errno with err set. */
int vm_qmp_open(struct vm *vm, char *err, size_t errlen);
/* Try QMP again in a second (and every second) while QEMU lives. */
void vm_qmp_retry_soon(struct vm *vm);

/* vm_start.c */
/* Fail a start: kill what was started, answer the start's waiters. */
void vm_start_failed(struct vm *vm, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
