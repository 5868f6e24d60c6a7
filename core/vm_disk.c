/*
 * Hot-plugging a volume into a running guest (vm_disk.h).  croftd opens
 * the image itself as it does at start (vm_files.h: beneath its pool, no
 * symlink), then drives QEMU step by step over QMP:
 *
 *   add-fd      the open descriptor, sent with the command (SCM_RIGHTS),
 *               becomes a new fd set
 *   blockdev-add  a "file" node on /dev/fdset/N and a format node over it
 *               (discard=unmap; qcow2 with no backing file)
 *   device_add  virtio-blk-pci with werror=enospc,rerror=report, on the
 *               first free diskport<k> (pcie-root-ports made at start)
 *
 * then the disk is added to the VM's definition in the store, so it is
 * there at the next start.  A step QEMU refuses undoes the ones before it
 * (blockdev-del, remove-fd) and the request fails with QEMU's reason.
 * Nodes and the device are named "hp<disk row id>", apart from the
 * "disk<N>" names of the disks a guest starts with.
 */
#include "core/vm_disk.h"
#include "core/daemon.h"
#include "core/pools.h"
#include "core/qemu_cmdline.h"
#include "core/qmp.h"
#include "core/vm.h"
#include "core/vm_files.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct attach {
	struct croftd *d;
	char *vm;                /* by name: the VM may go meanwhile */
	struct vm_file_chain chain;
	struct store_disk disk;
	char node[32];
	int64_t fdset;
	int step;                /* steps QEMU took: the fd set, the file node, the format node */
	unsigned port;           /* the diskport<k> tried */
	vm_disk_done_fn done;
	void *data;
};

static void attach_free(struct attach *a)
{
	vm_file_chain_close(&a->chain);
	free(a->disk.path);
	free(a->disk.format);
	free(a->vm);
	free(a);
}

static void attach_end(struct attach *a, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void attach_end(struct attach *a, const char *code, const char *fmt, ...)
{
	char msg[1024] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	a->done(a->d, code, code ? msg : NULL, code ? NULL : &a->disk, a->data);
	attach_free(a);
}

/* Undo what QEMU has of the disk so far (replies ignored). */
static void attach_undo(struct attach *a, struct qmp *q)
{
	char file[48];

	if (!q)
		return;
	snprintf(file, sizeof(file), "%s-file", a->node);
	if (a->step >= 3)
		qmp_command(q, "blockdev-del", json_pack("{s:s}", "node-name", a->node), NULL, NULL);
	if (a->step >= 2)
		qmp_command(q, "blockdev-del", json_pack("{s:s}", "node-name", file), NULL, NULL);
	if (a->step >= 1 && a->fdset >= 0)
		qmp_command(q, "remove-fd", json_pack("{s:I}", "fdset-id", (json_int_t)a->fdset),
			    NULL, NULL);
}

static void attach_next(struct qmp *q, const struct qmp_msg *reply, void *data);

/* The device, on the free root port diskport<a->port>. */
static void device_add(struct attach *a, struct qmp *q)
{
	char bus[32];

	snprintf(bus, sizeof(bus), "diskport%u", a->port);
	qmp_command(q, "device_add", json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "driver",
		    "virtio-blk-pci", "drive", a->node, "id", a->node, "bus", bus, "werror", "enospc",
		    "rerror", "report"), attach_next, a);
}

/* In the store and in the VM's definition, once QEMU has the device. */
static void attach_record(struct attach *a, struct vm *vm, struct qmp *q)
{
	char err[512];
	struct store_disk *d;

	a->disk.vm_id = vm->spec.id;
	if (store_disk_add(a->d->store, &a->disk, err, sizeof(err)) < 0) {
		qmp_command(q, "device_del", json_pack("{s:s}", "id", a->node), NULL, NULL);
		attach_end(a, PROTO_E_IO, "the disk is in the guest but cannot be recorded: %s", err);
		return;
	}
	vm->spec.disks = xrealloc(vm->spec.disks, (vm->spec.ndisks + 1) * sizeof(*vm->spec.disks));
	d = &vm->spec.disks[vm->spec.ndisks++];
	*d = a->disk;
	d->path = xstrdup(a->disk.path);
	d->format = xstrdup(a->disk.format);
	log_info("VM %s: volume %s attached as %s", vm->spec.name, a->disk.path, a->node);
	attach_end(a, NULL, NULL);
}

static void attach_next(struct qmp *q, const struct qmp_msg *reply, void *data)
{
	struct attach *a = data;
	struct vm *vm = vm_find(a->d, a->vm);
	char path[48], file[48];
	json_t *args;

	if (!reply || !vm || vm->qmp != q) {
		attach_end(a, PROTO_E_QEMU, "VM %s stopped while the disk was being attached", a->vm);
		return;
	}
	if (reply->type == QMP_MSG_ERROR && a->step == 3 && ++a->port < QEMU_DISK_PORTS) {
		device_add(a, q);        /* that port is taken: the next one */
		return;
	}
	if (reply->type == QMP_MSG_ERROR) {
		attach_undo(a, q);       /* a->step steps went through */
		attach_end(a, PROTO_E_QEMU, "QEMU refused to attach the disk: %s",
			   reply->err_desc ? reply->err_desc : "?");
		return;
	}
	snprintf(file, sizeof(file), "%s-file", a->node);
	switch (a->step++) {
	case 0:                  /* add-fd answered: the fd set */
		a->fdset = json_integer_value(json_object_get(reply->ret, "fdset-id"));
		snprintf(path, sizeof(path), "/dev/fdset/%lld", (long long)a->fdset);
		args = json_pack("{s:s,s:s,s:s,s:s}", "driver", "file", "node-name", file,
				 "filename", path, "discard", "unmap");
		qmp_command(q, "blockdev-add", args, attach_next, a);
		return;
	case 1:
		args = json_pack("{s:s,s:s,s:s,s:s}", "driver", a->disk.format, "node-name", a->node,
				 "file", file, "discard", "unmap");
		if (!strcmp(a->disk.format, "qcow2"))
			json_object_set_new(args, "backing", json_null());
		qmp_command(q, "blockdev-add", args, attach_next, a);
		return;
	case 2:
		device_add(a, q);
		return;
	default:
		attach_record(a, vm, q);
	}
}

int vm_disk_attach(struct croftd *d, struct vm *vm, const char *path, vm_disk_done_fn done,
		   void *data, const char **code, char *err, size_t errlen)
{
	struct attach *a;
	int rc;

	*code = PROTO_E_INVALID_STATE;
	if (vm->pid <= 0 || !qmp_is_ready(vm->qmp)) {
		err_set(err, errlen, "VM %s is not running; a disk is hot-plugged into a running "
			"guest (edit a stopped VM's disks instead)", vm->spec.name);
		return -EINVAL;
	}
	a = xcalloc(1, sizeof(*a));
	a->d = d;
	a->done = done;
	a->data = data;
	a->fdset = -1;
	rc = vm_file_chain_open(d->pools, path, NULL, VM_FILE_WRITE, &a->chain, code, err, errlen);
	if (rc < 0) {
		free(a);
		return rc;
	}
	if (a->chain.n != 1) {
		*code = PROTO_E_INVALID_ARGUMENT;
		err_set(err, errlen, "%s has a backing file; hot-plug takes a volume without one "
			"(attach it to the stopped VM instead)", path);
		attach_free(a);
		return -EINVAL;
	}
	a->vm = xstrdup(vm->spec.name);
	a->disk.idx = vm->spec.ndisks ? vm->spec.disks[vm->spec.ndisks - 1].idx + 1 : 0;
	a->disk.path = xstrdup(path);
	a->disk.format = xstrdup(a->chain.layers[0].format);
	a->disk.size_bytes = a->chain.virtual_size ? a->chain.virtual_size
						   : (uint64_t)a->chain.layers[0].f.st.st_size;
	snprintf(a->node, sizeof(a->node), "hp%u", a->disk.idx);
	rc = qmp_command_fd(vm->qmp, "add-fd", json_pack("{s:s}", "opaque", a->node),
			    a->chain.layers[0].f.fd, attach_next, a);
	if (rc < 0) {
		*code = PROTO_E_QEMU;
		err_set(err, errlen, "cannot pass the disk to VM %s's QEMU: %s", vm->spec.name,
			rc == -EAGAIN ? "its monitor is busy; try again" : strerror(-rc));
		attach_free(a);
		return rc;
	}
	return 0;
}
