/*
 * Hot-plugging a volume into a running guest (vm_disk.h).  croftd opens
 * the image itself as it does at start (vm_files.h: beneath its pool, no
 * symlink), then drives QEMU step by step over QMP:
 *
 *   add-fd      the open descriptor, sent with the command (SCM_RIGHTS),
 *               becomes a new fd set
 *   blockdev-add  a "file" node on /dev/fdset/N and a format node over it
 *               (discard=unmap, detect-zeroes=unmap; a qcow2's backing
 *               pinned)
 *
 * once per layer of its backing chain (vm_file_chain_open: each backing
 * file in the image's pool, opened read-only), the deepest first, each
 * layer below the top read-only with its own fd set and nodes
 * "<node>-b<k>", as a started disk's chain is on the command line; then
 *
 *   device_add  virtio-blk-pci with werror=enospc,rerror=report, on the
 *               first free diskport<k> (pcie-root-ports made at start);
 *               or a scsi-hd on the VM's virtio-scsi controller, which
 *               is itself hot-plugged on a free diskport<k> first when
 *               the VM has none (qom-list tells)
 *
 * then the disk is added to the VM's definition in the store, so it is
 * there at the next start.  A step QEMU refuses undoes the ones before it
 * (blockdev-del, remove-fd) and the request fails with QEMU's reason.
 * Nodes and the device are named "hp<disk index>", apart from the
 * "disk<N>" names of the disks a guest starts with.  Once a running VM's
 * disks change, the QEMU names of all of them are kept in the store for
 * that QEMU (its pid), so a restarted croftd still finds them: a detach
 * after a restart, or a BLOCK_IO_ERROR naming a node (vm_disk_node_path).
 * Only the top node's name is kept: a backing layer's nodes and fd set
 * (opaque) are "<node>-b<k>", k = 1, 2, ... from the top, for a started
 * disk and a hot-plugged one alike, so detaching derives them: it deletes
 * the disk's nodes, then its backing nodes until QEMU has no next one,
 * then every fd set whose opaque is the node's or one of its layers'.
 */
#include "core/vm_disk.h"
#include "core/daemon.h"
#include "core/pools.h"
#include "core/qemu_cmdline.h"
#include "core/qmp.h"
#include "core/vm.h"
#include "core/vm_clone.h"
#include "core/vm_files.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATTACH_NODES_MAX (2 * VM_FILE_CHAIN_MAX)

struct attach {
	struct croftd *d;
	char *vm;                /* by name: the VM may go meanwhile */
	struct vm_file_chain chain;
	struct store_disk disk;
	char node[32];
	size_t layer;            /* the chain layer being added, the deepest first */
	int sub;                 /* of it: 0 add-fd, 1 file node, 2 format node sent; 3 device_add */
	int64_t fdsets[VM_FILE_CHAIN_MAX];
	size_t nfdsets;
	char made[ATTACH_NODES_MAX][48];   /* the nodes QEMU took, in order */
	size_t nmade;
	int ctl;                 /* scsi: 1 looking for the controller, 2 adding it, 3 there */
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

/* Undo what QEMU has of the disk so far (replies ignored): the nodes, the
 * one naming another first, then the fd sets. */
static void attach_undo(struct attach *a, struct qmp *q)
{
	size_t i;

	if (!q)
		return;
	for (i = a->nmade; i-- > 0;)
		qmp_command(q, "blockdev-del", json_pack("{s:s}", "node-name", a->made[i]), NULL, NULL);
	for (i = 0; i < a->nfdsets; i++)
		qmp_command(q, "remove-fd", json_pack("{s:I}", "fdset-id", (json_int_t)a->fdsets[i]),
			    NULL, NULL);
}

/* The node of chain layer k: the disk's for 0, "<node>-b<k>" for its
 * backing files, as the command line names a started disk's. */
static void layer_node(const struct attach *a, size_t k, char *out, size_t outlen)
{
	if (k)
		snprintf(out, outlen, "%s-b%u", a->node, (unsigned)(k % 100));
	else
		snprintf(out, outlen, "%s", a->node);
}

static void attach_next(struct qmp *q, const struct qmp_msg *reply, void *data);

/* Hand QEMU the descriptor of layer a->layer (a copy: the chain keeps its
 * own) as a new fd set. */
static int attach_fd(struct attach *a, struct qmp *q)
{
	char opaque[48];
	int fd = fcntl(a->chain.layers[a->layer].f.fd, F_DUPFD_CLOEXEC, 3);

	layer_node(a, a->layer, opaque, sizeof(opaque));
	a->sub = 0;
	if (fd < 0)
		return -errno;
	return qmp_command_fd(q, "add-fd", json_pack("{s:s}", "opaque", opaque), fd, attach_next, a);
}

/* The file node, then the format node, of layer a->layer: read-only
 * below the top; a qcow2's backing is the node of the layer below. */
static void attach_node(struct attach *a, struct qmp *q, int format)
{
	char node[40], file[48], below[40], path[48];
	const char *fmt = a->chain.layers[a->layer].format;
	int ro = a->layer > 0;
	json_t *args;

	layer_node(a, a->layer, node, sizeof(node));
	snprintf(file, sizeof(file), "%s-file", node);
	if (!format) {
		snprintf(path, sizeof(path), "/dev/fdset/%lld", (long long)a->fdsets[a->nfdsets - 1]);
		args = json_pack("{s:s,s:s,s:s,s:b}", "driver", "file", "node-name", file,
				 "filename", path, "read-only", ro);
	} else {
		args = json_pack("{s:s,s:s,s:s,s:b}", "driver", fmt, "node-name", node, "file", file,
				 "read-only", ro);
		if (!strcmp(fmt, "qcow2")) {
			layer_node(a, a->layer + 1, below, sizeof(below));
			json_object_set_new(args, "backing", a->layer + 1 < a->chain.n
					    ? json_string(below) : json_null());
		}
	}
	if (!ro)
		json_object_set_new(args, "discard", json_string("unmap"));
	if (!ro && format)
		json_object_set_new(args, "detect-zeroes", json_string("unmap"));
	snprintf(a->made[a->nmade], sizeof(a->made[0]), "%s", format ? node : file);
	a->sub = format ? 2 : 1;
	qmp_command(q, "blockdev-add", args, attach_next, a);
}

/* The QEMU names of the disks of each running VM by their index in its
 * definition: "disk<N>" (device "virtio-disk<N>" or "scsi-disk<N>") for
 * those it started with, at their position then, and "hp<idx>" for those
 * hot-plugged.  Held here per VM and run (its pid), loaded from the store
 * (what an earlier croftd wrote for the same QEMU) or, when the store has
 * nothing for that run, made from the definition; written to the store
 * at the first change of the VM's disks in a run. */
struct disk_name {
	char vm[64];
	pid_t pid;
	uint32_t idx;
	char node[32];
	char dev[40];
};
static struct disk_name *names;
static size_t nnames;

static void names_add(struct vm *vm, uint32_t idx, const char *node, const char *dev,
		      int persist)
{
	struct disk_name *n;
	char err[256];

	names = xrealloc(names, (nnames + 1) * sizeof(*names));
	n = &names[nnames++];
	memset(n, 0, sizeof(*n));
	snprintf(n->vm, sizeof(n->vm), "%s", vm->spec.name);
	n->pid = vm->pid;
	n->idx = idx;
	snprintf(n->node, sizeof(n->node), "%s", node);
	snprintf(n->dev, sizeof(n->dev), "%s", dev);
	if (persist && store_disk_node_set(vm->d->store, vm->spec.id, idx, vm->pid, node, dev, err,
					   sizeof(err)) < 0)
		log_warn("VM %s: %s", vm->spec.name, err);
}

static struct disk_name *names_find(struct vm *vm, uint32_t idx)
{
	size_t i;

	for (i = 0; i < nnames; i++)
		if (names[i].pid == vm->pid && names[i].idx == idx && !strcmp(names[i].vm, vm->spec.name))
			return &names[i];
	return NULL;
}

static int names_known(struct vm *vm)
{
	size_t i;

	for (i = 0; i < nnames; i++)
		if (!strcmp(names[i].vm, vm->spec.name) && names[i].pid == vm->pid)
			return 1;
	return 0;
}

/* The VM's names for this run in memory; with persist, also in the store
 * (before the first change of its disks). */
static void names_snapshot(struct vm *vm, int persist)
{
	struct store_disk_node *v = NULL;
	char node[32], dev[40];
	size_t i, k, n = 0;

	if (names_known(vm)) {
		if (!persist)
			return;
		for (i = 0; i < nnames; i++)
			if (!strcmp(names[i].vm, vm->spec.name) && names[i].pid == vm->pid)
				store_disk_node_set(vm->d->store, vm->spec.id, names[i].idx, vm->pid,
						    names[i].node, names[i].dev, NULL, 0);
		return;
	}
	/* forget the VM's earlier runs */
	for (i = k = 0; i < nnames; i++)
		if (strcmp(names[i].vm, vm->spec.name))
			names[k++] = names[i];
	nnames = k;
	if (store_disk_nodes_list(vm->d->store, vm->spec.id, vm->pid, &v, &n) == 0 && n) {
		for (i = 0; i < n; i++)
			names_add(vm, v[i].idx, v[i].node, v[i].dev, 0);
		store_disk_nodes_free(v, n);
		return;
	}
	if (persist)
		store_disk_nodes_clear(vm->d->store, vm->spec.id);
	for (i = 0; i < vm->spec.ndisks; i++) {
		snprintf(node, sizeof(node), "disk%zu", i);
		snprintf(dev, sizeof(dev), "%s-disk%zu", vm->spec.disks[i].scsi ? "scsi" : "virtio",
			 i);
		names_add(vm, vm->spec.disks[i].idx, node, dev, persist);
	}
}

static void names_drop(struct vm *vm, struct disk_name *n)
{
	store_disk_node_drop(vm->d->store, vm->spec.id, n->idx);
	memmove(n, n + 1, (size_t)(names + nnames - (n + 1)) * sizeof(*n));
	nnames--;
}

const char *vm_disk_node_path(struct vm *vm, const char *node)
{
	size_t i, k;

	if (!node || vm->pid <= 0)
		return NULL;
	names_snapshot(vm, 0);
	for (i = 0; i < nnames; i++) {
		if (names[i].pid != vm->pid || strcmp(names[i].vm, vm->spec.name) ||
		    strcmp(names[i].node, node))
			continue;
		for (k = 0; k < vm->spec.ndisks; k++)
			if (vm->spec.disks[k].idx == names[i].idx)
				return vm->spec.disks[k].path;
	}
	return NULL;
}

const char *vm_disk_node(struct vm *vm, uint32_t idx)
{
	struct disk_name *n;

	if (vm->pid <= 0)
		return NULL;
	names_snapshot(vm, 0);
	n = names_find(vm, idx);
	return n ? n->node : NULL;
}

const char *vm_disk_path_node(struct vm *vm, const char *path)
{
	size_t k;

	for (k = 0; path && k < vm->spec.ndisks; k++)
		if (!strcmp(vm->spec.disks[k].path, path))
			return vm_disk_node(vm, vm->spec.disks[k].idx);
	return NULL;
}

/* The device: a virtio-blk-pci on the free root port diskport<a->port>,
 * or a scsi-hd on the VM's controller. */
static void device_add(struct attach *a, struct qmp *q)
{
	char bus[32];

	if (a->disk.scsi)
		snprintf(bus, sizeof(bus), "%s.0", QEMU_SCSI_ID);
	else
		snprintf(bus, sizeof(bus), "diskport%u", a->port);
	qmp_command(q, "device_add", json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "driver",
		    a->disk.scsi ? "scsi-hd" : "virtio-blk-pci", "drive", a->node, "id", a->node,
		    "bus", bus, "werror", "enospc", "rerror", "report"), attach_next, a);
}

static void controller_next(struct qmp *q, const struct qmp_msg *reply, void *data);

static void controller_add(struct attach *a, struct qmp *q)
{
	char bus[32];

	a->ctl = 2;
	snprintf(bus, sizeof(bus), "diskport%u", a->port);
	qmp_command(q, "device_add", json_pack("{s:s,s:s,s:s}", "driver", "virtio-scsi-pci", "id",
		    QEMU_SCSI_ID, "bus", bus), controller_next, a);
}

/* scsi: the VM's virtio-scsi controller is there (qom-list answered), or
 * is added on the first free diskport<k>; then the scsi-hd. */
static void controller_next(struct qmp *q, const struct qmp_msg *reply, void *data)
{
	struct attach *a = data;
	struct vm *vm = vm_find(a->d, a->vm);

	if (!reply || !vm || vm->qmp != q) {
		attach_end(a, PROTO_E_QEMU, "VM %s stopped while the disk was being attached", a->vm);
		return;
	}
	if (reply->type == QMP_MSG_ERROR && a->ctl == 1) {
		controller_add(a, q);
		return;
	}
	if (reply->type == QMP_MSG_ERROR && ++a->port < QEMU_DISK_PORTS) {
		controller_add(a, q);
		return;
	}
	if (reply->type == QMP_MSG_ERROR) {
		attach_undo(a, q);
		attach_end(a, PROTO_E_QEMU, "QEMU refused a virtio-scsi controller for the disk "
			   "(no free PCIe port?): %s", reply->err_desc ? reply->err_desc : "?");
		return;
	}
	if (a->ctl == 2)
		log_info("VM %s: virtio-scsi controller %s added on diskport%u", a->vm,
			 QEMU_SCSI_ID, a->port);
	a->ctl = 3;
	device_add(a, q);
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
	names_add(vm, a->disk.idx, a->node, a->node, 1);
	log_info("VM %s: volume %s attached as %s", vm->spec.name, a->disk.path, a->node);
	attach_end(a, NULL, NULL);
}

static void attach_next(struct qmp *q, const struct qmp_msg *reply, void *data)
{
	struct attach *a = data;
	struct vm *vm = vm_find(a->d, a->vm);
	char path[48];
	int rc;

	if (!reply || !vm || vm->qmp != q) {
		attach_end(a, PROTO_E_QEMU, "VM %s stopped while the disk was being attached", a->vm);
		return;
	}
	if (reply->type == QMP_MSG_ERROR && a->sub == 3 && !a->disk.scsi &&
	    ++a->port < QEMU_DISK_PORTS) {
		device_add(a, q);        /* that port is taken: the next one */
		return;
	}
	if (reply->type == QMP_MSG_ERROR) {
		attach_undo(a, q);       /* what went through */
		attach_end(a, PROTO_E_QEMU, "QEMU refused to attach the disk: %s",
			   reply->err_desc ? reply->err_desc : "?");
		return;
	}
	switch (a->sub) {
	case 0:                  /* add-fd answered: the fd set */
		a->fdsets[a->nfdsets++] = json_integer_value(json_object_get(reply->ret, "fdset-id"));
		attach_node(a, q, 0);
		return;
	case 1:
		a->nmade++;
		attach_node(a, q, 1);
		return;
	case 2:
		a->nmade++;
		if (a->layer > 0) {
			a->layer--;
			if ((rc = attach_fd(a, q)) < 0) {
				attach_undo(a, q);
				attach_end(a, PROTO_E_QEMU, "cannot pass the disk's files to QEMU: %s",
					   strerror(-rc));
			}
			return;
		}
		a->sub = 3;
		if (!a->disk.scsi) {
			device_add(a, q);
			return;
		}
		a->ctl = 1;
		snprintf(path, sizeof(path), "/machine/peripheral/%s", QEMU_SCSI_ID);
		qmp_command(q, "qom-list", json_pack("{s:s}", "path", path), controller_next, a);
		return;
	default:
		attach_record(a, vm, q);
	}
}

int vm_disk_attach(struct croftd *d, struct vm *vm, const char *path, int scsi,
		   vm_disk_done_fn done, void *data, const char **code, char *err, size_t errlen)
{
	struct attach *a;
	int rc;

	if ((rc = vm_template_refuse(&vm->spec, "given another disk", code, err, errlen)) < 0)
		return rc;
	*code = PROTO_E_INVALID_STATE;
	if (vm->pid <= 0 || !qmp_is_ready(vm->qmp)) {
		err_set(err, errlen, "VM %s is not running; a disk is hot-plugged into a running "
			"guest (edit a stopped VM's disks instead)", vm->spec.name);
		return -EINVAL;
	}
	names_snapshot(vm, 1);
	a = xcalloc(1, sizeof(*a));
	a->d = d;
	a->done = done;
	a->data = data;
	rc = vm_file_chain_open(d->pools, path, NULL, VM_FILE_WRITE, &a->chain, code, err, errlen);
	if (rc < 0) {
		free(a);
		return rc;
	}
	a->vm = xstrdup(vm->spec.name);
	a->disk.idx = vm->spec.ndisks ? vm->spec.disks[vm->spec.ndisks - 1].idx + 1 : 0;
	a->disk.path = xstrdup(path);
	a->disk.scsi = !!scsi;
	a->disk.format = xstrdup(a->chain.layers[0].format);
	a->disk.size_bytes = a->chain.virtual_size ? a->chain.virtual_size
						   : (uint64_t)a->chain.layers[0].f.st.st_size;
	snprintf(a->node, sizeof(a->node), "hp%u", a->disk.idx);
	a->layer = a->chain.n - 1;       /* the deepest backing file first */
	rc = attach_fd(a, vm->qmp);
	if (rc < 0) {
		*code = PROTO_E_QEMU;
		err_set(err, errlen, "cannot pass the disk to VM %s's QEMU: %s", vm->spec.name,
			rc == -EBUSY ? "its monitor is busy passing another file; try again"
				     : strerror(-rc));
		attach_free(a);
		return rc;
	}
	return 0;
}

/* --- detach -------------------------------------------------------------------- */

#define DETACH_TIMEOUT_MS 30000

struct detach {
	struct croftd *d;
	char *vm;
	uint32_t idx;
	char *path;
	char node[32];
	char dev[40];
	int step;
	unsigned layer;          /* the backing layer whose nodes go next */
	struct loop_timer *timer;
	vm_disk_done_fn done;
	void *data;
	struct detach *next;
};
static struct detach *detaching;

static void detach_end(struct detach *o, const char *code, const char *msg)
{
	struct detach **pp;
	struct store_disk disk = { .idx = o->idx, .path = o->path };

	for (pp = &detaching; *pp; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	if (o->timer)
		loop_timer_cancel(o->d->loop, o->timer);
	o->done(o->d, code, msg, code ? NULL : &disk, o->data);
	free(o->path);
	free(o->vm);
	free(o);
}

/* Out of the definition, in the store and in memory. */
static void detach_record(struct detach *o, struct vm *vm)
{
	struct disk_name *n = names_find(vm, o->idx);
	char err[512];
	size_t i;

	if (n)
		names_drop(vm, n);
	if (store_disk_remove(o->d->store, vm->spec.id, o->idx, err, sizeof(err)) < 0) {
		detach_end(o, PROTO_E_IO, err);
		return;
	}
	for (i = 0; i < vm->spec.ndisks; i++) {
		if (vm->spec.disks[i].idx != o->idx)
			continue;
		free(vm->spec.disks[i].path);
		free(vm->spec.disks[i].format);
		memmove(&vm->spec.disks[i], &vm->spec.disks[i + 1],
			(vm->spec.ndisks - i - 1) * sizeof(*vm->spec.disks));
		vm->spec.ndisks--;
		break;
	}
	log_info("VM %s: volume %s detached", vm->spec.name, o->path);
	detach_end(o, NULL, NULL);
}

/* The fd sets QEMU holds for the node (opaque "<node>" or "<node>-ro") and
 * its backing files ("<node>-b<k>"). */
static void fdsets_listed(struct qmp *q, const struct qmp_msg *reply, void *data)
{
	struct detach *o = data;
	struct vm *vm = vm_find(o->d, o->vm);
	char ro[48], below[48];
	json_t *set, *fd;
	size_t i, k;

	snprintf(ro, sizeof(ro), "%s-ro", o->node);
	snprintf(below, sizeof(below), "%s-b", o->node);
	if (reply && reply->type == QMP_MSG_RETURN) {
		json_array_foreach(reply->ret, i, set) {
			json_array_foreach(json_object_get(set, "fds"), k, fd) {
				const char *op = json_string_value(json_object_get(fd, "opaque"));

				if (op && (!strcmp(op, o->node) || !strcmp(op, ro) ||
					   !strncmp(op, below, strlen(below))))
					qmp_command(q, "remove-fd", json_pack("{s:O}", "fdset-id",
						    json_object_get(set, "fdset-id")), NULL, NULL);
			}
		}
	}
	if (!vm) {
		detach_end(o, PROTO_E_INTERNAL, "the VM went away");
		return;
	}
	detach_record(o, vm);
}

static void detach_next(struct qmp *q, const struct qmp_msg *reply, void *data);

/* After DEVICE_DELETED: the block nodes, then the fd sets. */
static void detach_released(struct detach *o, struct qmp *q)
{
	if (o->timer) {
		loop_timer_cancel(o->d->loop, o->timer);
		o->timer = NULL;
	}
	o->step = 2;
	qmp_command(q, "blockdev-del", json_pack("{s:s}", "node-name", o->node), detach_next, o);
}

static void detach_next(struct qmp *q, const struct qmp_msg *reply, void *data)
{
	struct detach *o = data;
	char file[48], node[40];

	if (!reply) {
		detach_end(o, PROTO_E_QEMU, "the VM stopped while the disk was being detached");
		return;
	}
	if (reply->type == QMP_MSG_ERROR && o->step == 5) {
		o->step = 4;             /* no backing layer o->layer: the chain is gone */
		qmp_command(q, "query-fdsets", NULL, fdsets_listed, o);
		return;
	}
	if (reply->type == QMP_MSG_ERROR) {
		char msg[512];

		snprintf(msg, sizeof(msg), "QEMU refused to detach the disk: %s",
			 reply->err_desc ? reply->err_desc : "?");
		detach_end(o, PROTO_E_QEMU, msg);
		return;
	}
	switch (o->step) {
	case 0:                  /* device_del accepted: wait for the guest */
		o->step = 1;
		return;
	case 2:
		o->step = 3;
		snprintf(file, sizeof(file), "%s-file", o->node);
		qmp_command(q, "blockdev-del", json_pack("{s:s}", "node-name", file), detach_next, o);
		return;
	case 5:                  /* backing layer o->layer's format node went */
		o->step = 6;
		snprintf(file, sizeof(file), "%s-b%u-file", o->node, o->layer);
		qmp_command(q, "blockdev-del", json_pack("{s:s}", "node-name", file), detach_next, o);
		return;
	case 3:
	case 6:                  /* the next backing layer, if there is one */
		o->step = 5;
		snprintf(node, sizeof(node), "%s-b%u", o->node, ++o->layer);
		qmp_command(q, "blockdev-del", json_pack("{s:s}", "node-name", node), detach_next, o);
		return;
	}
}

/* device_del's reply.  A SCSI disk goes at once: QEMU sends DEVICE_DELETED
 * before this reply, and the block nodes are on their way already. */
static void detach_accepted(struct qmp *q, const struct qmp_msg *reply, void *data)
{
	struct detach *o = data;

	if (o->step >= 2)
		return;
	detach_next(q, reply, data);
}

static void detach_timeout(struct loop *l, struct loop_timer *t, void *data)
{
	struct detach *o = data;
	char msg[256];

	(void)l;
	(void)t;
	o->timer = NULL;
	snprintf(msg, sizeof(msg), "the guest did not release disk %s within %d s (is it in use, "
		 "or does the guest not handle PCIe hot-unplug?); it stays attached", o->path,
		 DETACH_TIMEOUT_MS / 1000);
	detach_end(o, PROTO_E_TIMEOUT, msg);
}

void vm_disk_qmp_event(struct vm *vm, const struct qmp_msg *ev)
{
	const char *dev = json_string_value(json_object_get(ev->data, "device"));
	struct detach *o;

	if (!dev)
		return;
	for (o = detaching; o; o = o->next)
		if (!strcmp(o->vm, vm->spec.name) && !strcmp(o->dev, dev) && o->step <= 1)
			break;
	if (o)
		detach_released(o, vm->qmp);
}

int vm_disk_detach(struct croftd *d, struct vm *vm, const char *path, vm_disk_done_fn done,
		   void *data, const char **code, char *err, size_t errlen)
{
	struct disk_name *n;
	struct detach *o;
	size_t i;
	int rc;

	if ((rc = vm_template_refuse(&vm->spec, "changed", code, err, errlen)) < 0)
		return rc;
	*code = PROTO_E_INVALID_STATE;
	if (vm->pid <= 0 || !qmp_is_ready(vm->qmp)) {
		err_set(err, errlen, "VM %s is not running; a disk is hot-unplugged from a running "
			"guest", vm->spec.name);
		return -EINVAL;
	}
	for (i = 0; i < vm->spec.ndisks; i++)
		if (!strcmp(vm->spec.disks[i].path, path))
			break;
	if (i == vm->spec.ndisks) {
		*code = PROTO_E_NOT_FOUND;
		err_set(err, errlen, "%s is not a disk of VM %s", path, vm->spec.name);
		return -ENOENT;
	}
	for (o = detaching; o; o = o->next)
		if (!strcmp(o->vm, vm->spec.name)) {
			err_set(err, errlen, "VM %s is detaching a disk already; try again when it is "
				"done", vm->spec.name);
			return -EBUSY;
		}
	names_snapshot(vm, 1);
	if (!(n = names_find(vm, vm->spec.disks[i].idx))) {
		*code = PROTO_E_INTERNAL;
		err_set(err, errlen, "croftd does not know QEMU's name for %s", path);
		return -ENOENT;
	}
	o = xcalloc(1, sizeof(*o));
	o->d = d;
	o->vm = xstrdup(vm->spec.name);
	o->idx = vm->spec.disks[i].idx;
	o->path = xstrdup(path);
	snprintf(o->node, sizeof(o->node), "%s", n->node);
	snprintf(o->dev, sizeof(o->dev), "%s", n->dev);
	o->done = done;
	o->data = data;
	if (qmp_command(vm->qmp, "device_del", json_pack("{s:s}", "id", o->dev), detach_accepted,
			o) < 0) {
		*code = PROTO_E_QEMU;
		err_set(err, errlen, "cannot reach VM %s's monitor", vm->spec.name);
		free(o->path);
		free(o->vm);
		free(o);
		return -EIO;
	}
	o->timer = loop_timer_add(d->loop, DETACH_TIMEOUT_MS, detach_timeout, o);
	o->next = detaching;
	detaching = o;
	return 0;
}
