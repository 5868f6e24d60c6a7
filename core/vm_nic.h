/*
 * A VM's NICs as QEMU sees them: the NIC list for the command line at
 * start, and hot-plug and hot-unplug of a running VM over QMP.
 *
 *   plug:   query-pci (find a free nicport<k>) -> netdev_add tap -> device_add
 *           virtio-net-pci on that port.  A failure undoes what was done.
 *   unplug: device_del -> wait for DEVICE_DELETED (the guest must let go,
 *           at most 15 s) -> netdev_del.  If the guest does not answer,
 *           nothing is undone in croft's records: the NIC stays.
 *
 * The store and netd are the caller's (the network domain, net.h): a NIC
 * is in the store and netd's state (its tap exists) before it is plugged,
 * and leaves them after it is unplugged.  One NIC operation runs per VM
 * at a time (vm->nic_op); it ends exactly once through its callback, also
 * when QEMU exits meanwhile (vm_nic_abort, called by vm.c).
 */
#ifndef CROFT_VM_NIC_H
#define CROFT_VM_NIC_H

#include "core/vm.h"

#include <stddef.h>
#include <stdint.h>

struct qemu_nic;
struct qmp_msg;
struct store_nic;

#define VM_NIC_UNPLUG_TIMEOUT_MS 15000

/*
 * For vm_start: the VM's NICs (in store order) with their taps, after
 * making sure croft-netd has created them.  A VM without NICs needs no
 * netd.  *nics is freed with vm_nic_qemu_free(); *vhost says whether QEMU
 * may use vhost-net (KVM, and /dev/vhost-net open to QEMU's user).  0, or
 * -errno with *code (unavailable when netd is not running or a tap is
 * missing) and err.
 */
int vm_nic_prepare_start(struct vm *vm, struct qemu_nic **nics, size_t *n, int *vhost,
			 const char **code, char *err, size_t errlen);
void vm_nic_qemu_free(struct qemu_nic *nics, size_t n);

/* 1 while a plug or unplug runs on vm. */
int vm_nic_busy(const struct vm *vm);

/* Start a plug / unplug of nic on a live VM.  0 when accepted (cb runs
 * later, exactly once), else -errno with *code and err and no cb. */
int vm_nic_plug(struct vm *vm, const struct store_nic *nic, vm_done_cb cb, void *data,
		const char **code, char *err, size_t errlen);
int vm_nic_unplug(struct vm *vm, const struct store_nic *nic, vm_done_cb cb, void *data,
		  const char **code, char *err, size_t errlen);
/* Best effort, no callback: put back a NIC unplugged by a change that then
 * failed (netdev_add + device_add on any free port). */
void vm_nic_replug(struct vm *vm, const struct store_nic *nic);

/*
 * After croft-netd took the whole state on a new connection (netd or
 * croftd restarted): a running VM whose tap netd had to make anew (the tap
 * has no carrier: QEMU holds the old, deleted one) gets that NIC plugged
 * again, unplug then plug, so the guest is back on its network.  data is
 * the struct croftd; the work runs from the loop, shortly after
 * (vm_nic_repair.c).
 */
void vm_nic_repair_soon(void *data);

/* From vm.c: a QMP event (DEVICE_DELETED), and QEMU gone or croftd
 * stopping (ends a running operation with an error). */
void vm_nic_qmp_event(struct vm *vm, const struct qmp_msg *ev);
void vm_nic_abort(struct vm *vm, const char *why);

#endif
