/*
 * A full pool pauses its guests; it does not corrupt them.  Disks run
 * with werror=enospc (qemu_cmdline.h), so when a write finds the pool's
 * file system full QEMU stops the guest and says why: a BLOCK_IO_ERROR
 * with "nospace" and "action":"stop".  croftd then records the pause
 * reason "pool-full" with the pool and the volume (in the VM and in the
 * store, so a restarted croftd still knows), publishes "pool.full", and
 * vm.list / vm.info show pause_reason and pause_pool.
 *
 * The guest goes on when space is back: `croft vm resume` is refused
 * while its pool has less free space than vm_pool_full_resume_min()
 * (resuming would only pause it again at its next write), and a pool with
 * auto-resume on (pool.set) has the pool watch resume its paused guests
 * once that much is free (vm_pool_full_tick).  An I/O error other than a
 * full pool pauses with "io-error"; one whose action is "report" (reads,
 * rerror=report) is the guest's to handle and pauses nothing.
 */
#ifndef CROFT_VM_POOL_FULL_H
#define CROFT_VM_POOL_FULL_H

#include <stddef.h>
#include <stdint.h>

struct croftd;
struct qmp_msg;
struct vm;

#define VM_POOL_FULL_REASON "pool-full"

/* The free bytes a pool of capacity bytes needs before its guests paused
 * by a full pool are resumed: 2 % of it, at least 16 MiB, at most 1 GiB. */
uint64_t vm_pool_full_resume_min(uint64_t capacity);

/* QEMU's BLOCK_IO_ERROR for vm (vm_qemu.c). */
void vm_pool_full_io_error(struct vm *vm, const struct qmp_msg *ev);
/* QEMU says vm is stopped by an I/O error (query-status "io-error", as
 * a restarted croftd finds a guest whose pool filled meanwhile): ask
 * query-block which disk, and pause for a full pool when one is out of
 * space (vm_qemu.c). */
void vm_pool_full_probe(struct vm *vm);
/* vm's state changed (vm_set_state): a pause for a pool that no longer
 * holds is forgotten, in memory and in the store. */
void vm_pool_full_state_changed(struct vm *vm);
/* A loaded VM whose stored reason is pool-full: its pool and volume from
 * the store (vm_adopt.c). */
void vm_pool_full_load(struct vm *vm);
/* May vm, paused by a full pool, resume now?  0, or -ENOSPC with err
 * saying how much is free and what to do. */
int vm_pool_full_resume_check(struct vm *vm, char *err, size_t errlen);
/* The pool watch's tick: resume the guests paused by a pool with
 * auto-resume on that has room again. */
void vm_pool_full_tick(struct croftd *d);

#endif
