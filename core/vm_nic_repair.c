/*
 * Repair after croft-netd made taps anew; see vm_nic_repair_soon() in
 * vm_nic.h.  QEMU cannot reopen a tap.  When netd had to make one anew for
 * a running VM (someone deleted it while netd was down), the new tap has
 * no carrier, since nobody holds it; after each new netd connection croftd
 * looks for such taps and plugs their NICs again (unplug, then plug), one
 * NIC after the other, with vm_nic_plug() and vm_nic_unplug().  A repair
 * keeps the VM's id, not the VM, so a VM deleted meanwhile ends it.
 */
#include "core/vm_nic.h"
#include "core/daemon.h"
#include "core/netd_client.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct repair {
	struct croftd *d;
	int64_t vm_id;
	struct store_nic *nics;       /* the NICs to re-plug */
	size_t n, i;
};

/* 1 when QEMU holds the tap, 0 when nobody does, -1 when unknown. */
static int tap_carrier(uint32_t id)
{
	char tap[NETD_IFNAME_LEN], path[64], c = 0;
	FILE *f;
	int r = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", netd_tap_name(id, tap));
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fread(&c, 1, 1, f) == 1 && (c == '0' || c == '1'))
		r = c - '0';
	fclose(f);
	return r;
}

static struct vm *vm_of(struct croftd *d, int64_t id)
{
	struct vm *vm;

	for (vm = d->vms; vm; vm = vm->next)
		if (!vm->deleted && vm->spec.id == id)
			return vm;
	return NULL;
}

static void repair_next(struct repair *r);

static void repair_plugged(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct repair *r = data;

	if (code)
		log_err("VM %s: NIC %s lost its tap and could not be plugged again: %s",
			vm->spec.name, r->nics[r->i].mac, msg);
	else
		log_info("VM %s: NIC %s is on its new tap", vm->spec.name, r->nics[r->i].mac);
	r->i++;
	repair_next(r);
}

static void repair_unplugged(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct repair *r = data;
	const char *c2;
	char err[256];

	if (code) {
		log_err("VM %s: NIC %s lost its tap (made anew by croft-netd) and could not be unplugged to take the new one: %s",
			vm->spec.name, r->nics[r->i].mac, msg);
	} else if (vm_nic_plug(vm, &r->nics[r->i], repair_plugged, r, &c2, err, sizeof(err)) == 0) {
		return;
	} else {
		log_err("VM %s: NIC %s: %s", vm->spec.name, r->nics[r->i].mac, err);
	}
	r->i++;
	repair_next(r);
}

static void repair_next(struct repair *r)
{
	struct vm *vm = vm_of(r->d, r->vm_id);
	const char *code;
	char err[256];

	for (; vm && vm->pid > 0 && r->i < r->n; r->i++) {
		log_warn("VM %s: the tap of NIC %s was made anew; plugging the NIC again",
			 vm->spec.name, r->nics[r->i].mac);
		if (vm_nic_unplug(vm, &r->nics[r->i], repair_unplugged, r, &code, err,
				  sizeof(err)) == 0)
			return;
		log_err("VM %s: NIC %s: %s", vm->spec.name, r->nics[r->i].mac, err);
	}
	store_nic_list_free(r->nics, r->n);
	free(r);
}

static void repair_vm(struct vm *vm)
{
	struct store_nic *nics = NULL;
	struct repair *r;
	size_t n = 0, i, k = 0;

	if (store_nic_list(vm->d->store, vm->spec.id, 0, &nics, &n) < 0)
		return;
	r = xcalloc(1, sizeof(*r));
	r->d = vm->d;
	r->vm_id = vm->spec.id;
	r->nics = xcalloc(n + 1, sizeof(*r->nics));
	for (i = 0; i < n; i++) {
		if (tap_carrier((uint32_t)nics[i].id) != 0)
			continue;
		r->nics[k++] = nics[i];
		memset(&nics[i], 0, sizeof(nics[i]));
	}
	r->n = k;
	store_nic_list_free(nics, n);
	repair_next(r);
}

static void repair_timer(struct loop *l, struct loop_timer *t, void *data)
{
	struct croftd *d = data;
	struct vm *vm;

	(void)l;
	(void)t;
	for (vm = d->vms; vm; vm = vm->next)
		if (!vm->deleted && vm->pid > 0 && vm->qmp && !vm->nic_op &&
		    (vm->state == VM_RUNNING || vm->state == VM_PAUSED))
			repair_vm(vm);
}

void vm_nic_repair_soon(void *data)
{
	struct croftd *d = data;

	if (d->loop)
		loop_timer_add(d->loop, 100, repair_timer, d);
}
