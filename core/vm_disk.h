/*
 * Hot-plugging a volume into a running guest (vm_disk.c): croftd opens
 * the file, QEMU gets the descriptor over QMP (add-fd), then the block
 * nodes and a virtio-blk device; the disk joins the VM's definition.
 */
#ifndef CROFT_VM_DISK_H
#define CROFT_VM_DISK_H

#include <stddef.h>
#include <stdint.h>

struct croftd;
struct vm;
struct store_disk;

/* Once: code NULL with the disk recorded (borrowed), or code and msg. */
typedef void (*vm_disk_done_fn)(struct croftd *d, const char *code, const char *msg,
				const struct store_disk *disk, void *data);

/* Start attaching the image at path (absolute, in a pool or an allowed
 * path) to the running vm, as a virtio-blk device or (scsi) a scsi-hd on
 * its virtio-scsi controller.  0 and done runs later, or -errno with
 * *code and err set and done never called. */
int vm_disk_attach(struct croftd *d, struct vm *vm, const char *path, int scsi,
		   vm_disk_done_fn done, void *data, const char **code, char *err, size_t errlen);

/* Start hot-unplugging the disk at path from the running vm: device_del,
 * the guest's release (DEVICE_DELETED, at most 30 s), blockdev-del, the
 * fd sets; then out of the definition.  0 and done runs later, or -errno
 * with *code and err set. */
int vm_disk_detach(struct croftd *d, struct vm *vm, const char *path, vm_disk_done_fn done,
		   void *data, const char **code, char *err, size_t errlen);
/* QEMU's events for vm (vm_qemu.c): DEVICE_DELETED ends a detach's wait. */
struct qmp_msg;
void vm_disk_qmp_event(struct vm *vm, const struct qmp_msg *ev);
/* The path of the disk of the running vm whose QEMU block node is node
 * (as a BLOCK_IO_ERROR names it), or NULL. */
const char *vm_disk_node_path(struct vm *vm, const char *node);
/* The QEMU block node (the top format node) of the running vm's disk of
 * index idx, or NULL (borrowed until its disks change). */
const char *vm_disk_node(struct vm *vm, uint32_t idx);
/* The QEMU block node of the running vm's disk at path, or NULL. */
const char *vm_disk_path_node(struct vm *vm, const char *path);

#endif
