/*
 * NICs on QEMU's command line and hot-plugged over QMP; see vm_nic.h.
 *
 * A NIC's names in QEMU come from its store id (netdev net<id>, device
 * nic<id>, tap croftt<id>), so croftd needs no memory of what it plugged:
 * after a restart, query-pci tells which nicport<k> holds which nic<id>.
 *
 * QEMU runs as an unprivileged user and opens the tap itself
 * (script=no): that works because netd created the tap persistent and
 * owned by that user, and needs /dev/net/tun open to it (mode 0666, as
 * Debian ships it).  vhost-net is used only with KVM and when
 * /dev/vhost-net is open to QEMU's user; otherwise QEMU moves the packets
 * itself.
 *
 * Taps netd had to make anew for a running VM are repaired by
 * vm_nic_repair.c with the plug and unplug here.
 */
#include "core/vm_nic.h"
#include "core/daemon.h"
#include "core/net_state.h"
#include "core/netd_client.h"
#include "common/addr.h"
#include "common/loop.h"
#include "core/qemu_cmdline.h"
#include "core/qmp.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum nic_op_kind { OP_PLUG, OP_UNPLUG };

struct vm_nic_op {
	struct vm *vm;
	enum nic_op_kind kind;
	uint32_t id;
	char mac[ADDR_MAC_STRLEN];
	char ifname[NETD_IFNAME_LEN];
	int port;                     /* plug: the nicport chosen */
	int released;                 /* unplug: DEVICE_DELETED came early */
	struct loop_timer *timer;     /* unplug: waiting for the guest */
	vm_done_cb cb;
	void *data;
};

/* --- access checks ------------------------------------------------------------- */

static int in_groups(gid_t g, const struct croftd *d)
{
	int i;

	if (g == d->qemu_gid)
		return 1;
	for (i = 0; i < d->qemu_ngroups; i++)
		if (d->qemu_groups[i] == g)
			return 1;
	return 0;
}

/* Can QEMU's user open this character device read-write?  0, or -errno
 * with a message that says how to fix it. */
static int dev_usable(const struct croftd *d, const char *path, char *err, size_t errlen)
{
	uid_t uid = d->drop_privs ? d->qemu_uid : geteuid();
	struct stat st;

	if (stat(path, &st) < 0) {
		err_set(err, errlen, "%s does not exist (load the tun module: modprobe tun)", path);
		return -ENOENT;
	}
	if (uid == 0 ||
	    ((st.st_mode & S_IROTH) && (st.st_mode & S_IWOTH)) ||
	    (st.st_uid == uid && (st.st_mode & S_IRUSR) && (st.st_mode & S_IWUSR)) ||
	    (in_groups(st.st_gid, d) && (st.st_mode & S_IRGRP) && (st.st_mode & S_IWGRP)))
		return 0;
	err_set(err, errlen, "QEMU's user %s cannot open %s (mode %04o); give it Debian's usual mode with: chmod 0666 %s",
		d->qemu_user, path, (unsigned)(st.st_mode & 07777), path);
	return -EACCES;
}

static int vhost_usable(const struct croftd *d)
{
	char err[256];

	return !strcmp(d->accel.effective, "kvm") &&
	       dev_usable(d, "/dev/vhost-net", err, sizeof(err)) == 0;
}

/* --- start --------------------------------------------------------------------- */

void vm_nic_qemu_free(struct qemu_nic *nics, size_t n)
{
	size_t i;

	for (i = 0; nics && i < n; i++) {
		free((char *)nics[i].ifname);
		free((char *)nics[i].mac);
	}
	free(nics);
}

int vm_nic_prepare_start(struct vm *vm, struct qemu_nic **nics, size_t *n, int *vhost,
			 const char **code, char *err, size_t errlen)
{
	struct croftd *d = vm->d;
	struct store_nic *sn = NULL;
	struct qemu_nic *qn = NULL;
	char why[NETD_TEXT_LEN + 128], tap[NETD_IFNAME_LEN];
	size_t count = 0, i;
	int r;

	*nics = NULL;
	*n = 0;
	*vhost = 0;
	r = store_nic_list(d->store, vm->spec.id, 0, &sn, &count);
	if (r < 0) {
		*code = PROTO_E_IO;
		err_set(err, errlen, "cannot read the NICs of VM '%s': %s", vm->spec.name,
			store_last_error(d->store));
		return r;
	}
	if (!count)
		return 0;
	if (count > QEMU_NIC_PORTS_MAX) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' has %zu NICs; at most %d can start", vm->spec.name,
			count, QEMU_NIC_PORTS_MAX);
		r = -E2BIG;
		goto out;
	}
	r = dev_usable(d, "/dev/net/tun", why, sizeof(why));
	if (r < 0) {
		*code = PROTO_E_PERMISSION;
		err_set(err, errlen, "cannot start VM '%s' with its NICs: %s", vm->spec.name, why);
		goto out;
	}
	/* Make sure every tap exists: the push is idempotent and quick. */
	r = net_state_push(d, code, why, sizeof(why));
	if (r < 0) {
		err_set(err, errlen, "cannot start VM '%s': its NICs need croft-netd: %s",
			vm->spec.name, why);
		goto out;
	}
	qn = xcalloc(count, sizeof(*qn));
	for (i = 0; i < count; i++) {
		netd_tap_name((uint32_t)sn[i].id, tap);
		if (!if_nametoindex(tap)) {
			*code = PROTO_E_UNAVAILABLE;
			err_set(err, errlen, "cannot start VM '%s': the tap %s of its NIC %s does not exist (croft-netd did not create it; see its log)",
				vm->spec.name, tap, sn[i].mac);
			r = -ENODEV;
			vm_nic_qemu_free(qn, i);
			qn = NULL;
			goto out;
		}
		qn[i].id = (uint32_t)sn[i].id;
		qn[i].ifname = xstrdup(tap);
		qn[i].mac = xstrdup(sn[i].mac);
	}
	*nics = qn;
	*n = count;
	*vhost = vhost_usable(d);
	r = 0;
out:
	store_nic_list_free(sn, count);
	return r;
}

/* --- the operation --------------------------------------------------------------- */

int vm_nic_busy(const struct vm *vm)
{
	return vm->nic_op != NULL;
}

static void op_finish(struct vm_nic_op *op, const char *code, const char *msg)
{
	struct vm *vm = op->vm;
	vm_done_cb cb = op->cb;
	void *data = op->data;

	if (op->timer)
		loop_timer_cancel(vm->d->loop, op->timer);
	if (vm->nic_op == op)
		vm->nic_op = NULL;
	free(op);
	vm->busy++;
	if (cb)
		cb(vm, code, msg, data);
	vm->busy--;
}

static struct vm_nic_op *op_new(struct vm *vm, enum nic_op_kind kind,
				const struct store_nic *nic, vm_done_cb cb, void *data)
{
	struct vm_nic_op *op = xcalloc(1, sizeof(*op));

	op->vm = vm;
	op->kind = kind;
	op->id = (uint32_t)nic->id;
	snprintf(op->mac, sizeof(op->mac), "%s", nic->mac);
	netd_tap_name(op->id, op->ifname);
	op->port = -1;
	op->cb = cb;
	op->data = data;
	return op;
}

static int live_check(struct vm *vm, const char *what, const char **code,
		      char *err, size_t errlen)
{
	if (vm->nic_op) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' is busy with another NIC change; try again when it is done",
			vm->spec.name);
		return -EBUSY;
	}
	if (vm->pid > 0 && !vm->qmp) {
		*code = PROTO_E_QEMU;
		err_set(err, errlen, "cannot %s VM '%s': croftd is not connected to its QMP socket (retrying)",
			what, vm->spec.name);
		return -ENOTCONN;
	}
	if (vm->pid <= 0 || !vm->qmp ||
	    (vm->state != VM_RUNNING && vm->state != VM_PAUSED)) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "cannot %s VM '%s' while it is %s", what, vm->spec.name,
			vm_state_name(vm->state));
		return -EINVAL;
	}
	return 0;
}

/* QMP's answer as an error message, or NULL for success. */
static const char *qmp_failure(const struct qmp_msg *m)
{
	if (!m)
		return "QEMU went away before answering";
	if (m->type == QMP_MSG_ERROR)
		return m->err_desc ? m->err_desc : "QEMU refused";
	return NULL;
}

/* The operation's first command: 0 and op is the VM's running operation,
 * or -ENOTCONN with *code and err and op freed. */
static int op_start(struct vm_nic_op *op, const char *cmd, json_t *args, qmp_reply_cb cb,
		    const char **code, char *err, size_t errlen)
{
	struct vm *vm = op->vm;

	if (qmp_command(vm->qmp, cmd, args, cb, op) < 0) {
		free(op);
		*code = PROTO_E_QEMU;
		err_set(err, errlen, "cannot talk to the QEMU of VM '%s'", vm->spec.name);
		return -ENOTCONN;
	}
	vm->nic_op = op;
	return 0;
}

static void send_or_fail(struct vm_nic_op *op, const char *cmd, json_t *args,
			 qmp_reply_cb cb)
{
	if (!op->vm->qmp || qmp_command(op->vm->qmp, cmd, args, cb, op) < 0)
		op_finish(op, PROTO_E_QEMU, "QEMU's QMP connection is gone");
}

/* --- plug ---------------------------------------------------------------------- */

static void plug_device_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vm_nic_op *op = data;
	const char *fail = qmp_failure(m);
	char msg[512], id[32];

	if (!fail) {
		log_info("VM %s: hot-plugged NIC %s (tap %s) on nicport%d", op->vm->spec.name,
			 op->mac, op->ifname, op->port);
		op_finish(op, NULL, NULL);
		return;
	}
	snprintf(msg, sizeof(msg), "QEMU could not add NIC %s to VM '%s': %s", op->mac,
		 op->vm->spec.name, fail);
	snprintf(id, sizeof(id), "net%u", op->id);
	if (m && q)
		qmp_command(q, "netdev_del", json_pack("{s:s}", "id", id), NULL, NULL);
	op_finish(op, PROTO_E_QEMU, msg);
}

static void plug_netdev_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vm_nic_op *op = data;
	const char *fail = qmp_failure(m);
	char msg[512], id[32], netdev[32], bus[32];

	(void)q;
	if (fail) {
		snprintf(msg, sizeof(msg), "QEMU could not open tap %s for VM '%s': %s",
			 op->ifname, op->vm->spec.name, fail);
		op_finish(op, PROTO_E_QEMU, msg);
		return;
	}
	snprintf(id, sizeof(id), "nic%u", op->id);
	snprintf(netdev, sizeof(netdev), "net%u", op->id);
	snprintf(bus, sizeof(bus), "nicport%d", op->port);
	send_or_fail(op, "device_add",
		     json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "driver", "virtio-net-pci",
			       "id", id, "netdev", netdev, "mac", op->mac, "bus", bus,
			       "romfile", ""),
		     plug_device_reply);
}

/* Which nicport<k> holds a device?  Walks query-pci's buses. */
static void ports_in_use(json_t *buses, int *exists, int *used)
{
	size_t i, j;
	json_t *bus, *dev;

	json_array_foreach(buses, i, bus) {
		json_array_foreach(json_object_get(bus, "devices"), j, dev) {
			const char *qid = json_string_value(json_object_get(dev, "qdev_id"));
			json_t *bridge = json_object_get(dev, "pci_bridge");
			unsigned k;
			char tail;

			if (!qid || sscanf(qid, "nicport%u%c", &k, &tail) != 1 ||
			    k >= QEMU_NIC_PORTS_MAX)
				continue;
			exists[k] = 1;
			if (json_array_size(json_object_get(bridge, "devices")))
				used[k] = 1;
		}
	}
}

static void plug_pci_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vm_nic_op *op = data;
	int exists[QEMU_NIC_PORTS_MAX] = { 0 }, used[QEMU_NIC_PORTS_MAX] = { 0 };
	const char *fail = qmp_failure(m);
	char msg[512], id[32];
	int k, nports = 0;

	(void)q;
	if (fail) {
		snprintf(msg, sizeof(msg), "cannot list the PCI devices of VM '%s': %s",
			 op->vm->spec.name, fail);
		op_finish(op, PROTO_E_QEMU, msg);
		return;
	}
	ports_in_use(m->ret, exists, used);
	for (k = 0; k < QEMU_NIC_PORTS_MAX; k++) {
		nports += exists[k];
		if (exists[k] && !used[k] && op->port < 0)
			op->port = k;
	}
	if (op->port < 0) {
		snprintf(msg, sizeof(msg),
			 "VM '%s' has no free PCIe port for another NIC: all %d are in use (a VM gets its NICs' ports plus %d spare at start, %d at most); stop it to add the NIC",
			 op->vm->spec.name, nports, QEMU_NIC_PORTS_SPARE, QEMU_NIC_PORTS_MAX);
		op_finish(op, PROTO_E_INVALID_STATE, msg);
		return;
	}
	snprintf(id, sizeof(id), "net%u", op->id);
	send_or_fail(op, "netdev_add",
		     json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "type", "tap", "id", id,
			       "ifname", op->ifname, "script", "no", "downscript", "no",
			       "vhost", vhost_usable(op->vm->d)),
		     plug_netdev_reply);
}

int vm_nic_plug(struct vm *vm, const struct store_nic *nic, vm_done_cb cb, void *data,
		const char **code, char *err, size_t errlen)
{
	struct vm_nic_op *op;
	char why[256];
	int r;

	r = live_check(vm, "add a NIC to", code, err, errlen);
	if (r < 0)
		return r;
	if (dev_usable(vm->d, "/dev/net/tun", why, sizeof(why)) < 0) {
		*code = PROTO_E_PERMISSION;
		err_set(err, errlen, "cannot hot-plug a NIC into VM '%s': %s", vm->spec.name, why);
		return -EACCES;
	}
	op = op_new(vm, OP_PLUG, nic, cb, data);
	return op_start(op, "query-pci", NULL, plug_pci_reply, code, err, errlen);
}

static void replug_done(struct vm *vm, const char *code, const char *msg, void *data)
{
	char *mac = data;

	if (code)
		log_err("VM %s: could not put NIC %s back: %s", vm->spec.name, mac, msg);
	else
		log_info("VM %s: NIC %s put back", vm->spec.name, mac);
	free(mac);
}

void vm_nic_replug(struct vm *vm, const struct store_nic *nic)
{
	char err[256];
	const char *code;
	char *mac = xstrdup(nic->mac);

	if (vm_nic_plug(vm, nic, replug_done, mac, &code, err, sizeof(err)) < 0) {
		log_err("VM %s: could not put NIC %s back: %s", vm->spec.name, nic->mac, err);
		free(mac);
	}
}

/* --- unplug -------------------------------------------------------------------- */

static void unplug_netdev_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vm_nic_op *op = data;
	const char *fail = qmp_failure(m);

	(void)q;
	/* The device is gone from the guest; a netdev that lingers is only a
	 * closed tap file in QEMU and goes with it. */
	if (fail)
		log_warn("VM %s: netdev_del net%u: %s", op->vm->spec.name, op->id, fail);
	log_info("VM %s: hot-unplugged NIC %s", op->vm->spec.name, op->mac);
	op_finish(op, NULL, NULL);
}

static void unplug_released(struct vm_nic_op *op)
{
	char id[32];

	if (op->timer) {
		loop_timer_cancel(op->vm->d->loop, op->timer);
		op->timer = NULL;
	}
	snprintf(id, sizeof(id), "net%u", op->id);
	send_or_fail(op, "netdev_del", json_pack("{s:s}", "id", id), unplug_netdev_reply);
}

static void unplug_timeout(struct loop *l, struct loop_timer *t, void *data)
{
	struct vm_nic_op *op = data;
	char msg[512];

	(void)l;
	(void)t;
	op->timer = NULL;
	snprintf(msg, sizeof(msg),
		 "the guest did not release NIC %s of VM '%s' within %d s (is it running an OS with PCIe hot-plug?); the NIC stays",
		 op->mac, op->vm->spec.name, VM_NIC_UNPLUG_TIMEOUT_MS / 1000);
	log_warn("VM %s: %s", op->vm->spec.name, msg);
	op_finish(op, PROTO_E_TIMEOUT, msg);
}

static void unplug_device_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vm_nic_op *op = data;
	const char *fail = qmp_failure(m);
	char msg[512];

	(void)q;
	if (fail && m && strstr(fail, "not found")) {
		/* Never plugged (or already gone): only the netdev may be left. */
		unplug_released(op);
		return;
	}
	if (fail) {
		snprintf(msg, sizeof(msg), "QEMU could not remove NIC %s from VM '%s': %s",
			 op->mac, op->vm->spec.name, fail);
		op_finish(op, PROTO_E_QEMU, msg);
		return;
	}
	/* DEVICE_DELETED may already have come (before the reply). */
	if (op->released) {
		unplug_released(op);
		return;
	}
	op->timer = loop_timer_add(op->vm->d->loop, VM_NIC_UNPLUG_TIMEOUT_MS, unplug_timeout, op);
}

int vm_nic_unplug(struct vm *vm, const struct store_nic *nic, vm_done_cb cb, void *data,
		  const char **code, char *err, size_t errlen)
{
	struct vm_nic_op *op;
	char id[32];
	int r;

	r = live_check(vm, "remove a NIC from", code, err, errlen);
	if (r < 0)
		return r;
	if (vm->state == VM_PAUSED) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' is paused and cannot release a NIC; resume it first",
			vm->spec.name);
		return -EINVAL;
	}
	op = op_new(vm, OP_UNPLUG, nic, cb, data);
	snprintf(id, sizeof(id), "nic%u", op->id);
	return op_start(op, "device_del", json_pack("{s:s}", "id", id), unplug_device_reply,
			code, err, errlen);
}

/* --- from vm.c ------------------------------------------------------------------- */

void vm_nic_qmp_event(struct vm *vm, const struct qmp_msg *ev)
{
	struct vm_nic_op *op = vm->nic_op;
	const char *dev;
	char id[32];

	if (!op || op->kind != OP_UNPLUG || strcmp(ev->event, "DEVICE_DELETED"))
		return;
	dev = json_string_value(json_object_get(ev->data, "device"));
	snprintf(id, sizeof(id), "nic%u", op->id);
	if (!dev || strcmp(dev, id))
		return;
	if (!op->timer) {
		op->released = 1;        /* before device_del's reply */
		return;
	}
	unplug_released(op);
}

void vm_nic_abort(struct vm *vm, const char *why)
{
	char msg[256];

	if (!vm->nic_op)
		return;
	snprintf(msg, sizeof(msg), "the NIC change on VM '%s' did not finish: %s",
		 vm->spec.name, why);
	op_finish(vm->nic_op, PROTO_E_QEMU, msg);
}
