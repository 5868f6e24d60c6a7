/*
 * Pauses for a full pool (vm_pool_full.h).  The disk QEMU names by its
 * block node (vm_disk_node_path) gives the volume, the pool it lies in
 * (pools_find) the pool.  A VM keeps the pause's pool and volume while it
 * stays paused with the reason pool-full; any other state change forgets
 * them (vm_pool_full_state_changed), in the store too.  An auto-resume
 * sends "cont" itself and marks the VM, so the RESUME event that follows
 * records the reason "auto-resume".
 */
#include "core/vm_pool_full.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/pools.h"
#include "core/qmp.h"
#include "core/vm.h"
#include "core/vm_disk.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#define MIB (1024ULL * 1024)

uint64_t vm_pool_full_resume_min(uint64_t capacity)
{
	uint64_t min = capacity / 50;

	if (min < 16 * MIB)
		min = 16 * MIB;
	if (min > 1024 * MIB)
		min = 1024 * MIB;
	return min;
}

static void pause_forget(struct vm *vm)
{
	free(vm->pause_pool);
	free(vm->pause_volume);
	vm->pause_pool = NULL;
	vm->pause_volume = NULL;
}

/* The pool path lies in (its name, borrowed) and the volume as the API
 * names it: POOL/NAME for a file directly in a pool, else the path. */
static const char *pool_of(struct croftd *d, const char *path, char *vol, size_t len)
{
	struct pools_root root;
	size_t i;

	snprintf(vol, len, "%s", path);
	if (!d->pools || pools_find(d->pools, path, &root) < 0 || !root.pool)
		return NULL;
	for (i = 0; i < pools_count(d->pools); i++) {
		if (strcmp(pools_dir(d->pools, i), root.dir))
			continue;
		if (*root.rest && !strchr(root.rest, '/'))
			snprintf(vol, len, "%s/%s", pools_name(d->pools, i), root.rest);
		return pools_name(d->pools, i);
	}
	return NULL;
}

/* vm stopped because a write to node found its pool full. */
static void pause_for(struct vm *vm, const char *node)
{
	const char *path, *pool;
	char vol[4096], err[256];

	if (vm->state == VM_PAUSED && !strcmp(vm->reason, VM_POOL_FULL_REASON))
		return;                  /* the same pause: QEMU tells once per request */
	path = vm_disk_node_path(vm, node);
	pool = path ? pool_of(vm->d, path, vol, sizeof(vol)) : NULL;
	if (!path)
		snprintf(vol, sizeof(vol), "%s", node ? node : "?");
	pause_forget(vm);
	vm->pause_pool = pool ? xstrdup(pool) : NULL;
	vm->pause_volume = xstrdup(vol);
	if (store_vm_pause_set(vm->d->store, vm->spec.id, pool ? pool : "", vol, (int64_t)time(NULL),
			       err, sizeof(err)) < 0)
		log_err("VM %s: %s", vm->spec.name, err);
	snprintf(vm->state_detail, sizeof(vm->state_detail),
		 "pool %.64s is full: QEMU could not write %.300s; free space in the pool, then "
		 "croft vm resume %.64s (or: croft pool set %.64s auto-resume on)", pool ? pool : "(none)",
		 vol, vm->spec.name, pool ? pool : "POOL");
	log_warn("VM %s: paused, pool %s is full (writing %s)", vm->spec.name, pool ? pool : "?",
		 vol);
	vm_set_state(vm, VM_PAUSED, VM_POOL_FULL_REASON);
	bus_publish(vm->d->bus, "pool.full", pool ? pool : vol, 0,
		    json_pack("{s:s?,s:s,s:s}", "name", pool, "vm", vm->spec.name, "volume", vol),
		    "pool %s is full: VM %s paused writing %s", pool ? pool : "?", vm->spec.name,
		    vol);
}

void vm_pool_full_io_error(struct vm *vm, const struct qmp_msg *ev)
{
	const char *node = json_string_value(json_object_get(ev->data, "node-name"));
	const char *action = json_string_value(json_object_get(ev->data, "action"));
	const char *op = json_string_value(json_object_get(ev->data, "operation"));
	int nospace = json_is_true(json_object_get(ev->data, "nospace"));

	if (action && strcmp(action, "stop")) {
		/* rerror=report: the guest sees the error; nothing pauses */
		log_warn("VM %s: %s error on %s, reported to the guest", vm->spec.name,
			 op ? op : "I/O", node ? node : "a disk");
		return;
	}
	if (!nospace) {
		log_warn("VM %s: %s error on %s; the guest is paused", vm->spec.name, op ? op : "I/O",
			 node ? node : "a disk");
		if (vm->state == VM_RUNNING)
			vm_set_state(vm, VM_PAUSED, "io-error");
		return;
	}
	pause_for(vm, node);
}

/* query-block: a device whose io-status is nospace stopped the guest. */
static void blocks_listed(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vm *vm = data;
	json_t *dev;
	size_t i;

	(void)q;
	if (!m || m->type != QMP_MSG_RETURN || vm->state != VM_PAUSED)
		return;
	json_array_foreach(m->ret, i, dev) {
		const char *io = json_string_value(json_object_get(dev, "io-status"));
		const char *node = json_string_value(json_object_get(json_object_get(dev, "inserted"),
								     "node-name"));

		if (io && !strcmp(io, "nospace")) {
			pause_for(vm, node);
			return;
		}
	}
}

void vm_pool_full_probe(struct vm *vm)
{
	if (vm->qmp && strcmp(vm->reason, VM_POOL_FULL_REASON))
		qmp_command(vm->qmp, "query-block", NULL, blocks_listed, vm);
}

void vm_pool_full_state_changed(struct vm *vm)
{
	if (vm->state == VM_PAUSED && !strcmp(vm->reason, VM_POOL_FULL_REASON))
		return;
	vm->auto_resuming = 0;
	if (!vm->pause_pool && !vm->pause_volume)
		return;
	pause_forget(vm);
	if (!vm->deleted)
		store_vm_pause_clear(vm->d->store, vm->spec.id);
}

void vm_pool_full_load(struct vm *vm)
{
	char *pool = NULL, *vol = NULL;
	int64_t since;

	if (strcmp(vm->reason, VM_POOL_FULL_REASON) ||
	    store_vm_pause_get(vm->d->store, vm->spec.id, &pool, &vol, &since) < 0)
		return;
	pause_forget(vm);
	vm->pause_pool = pool && *pool ? pool : NULL;
	if (!vm->pause_pool)
		free(pool);
	vm->pause_volume = vol;
}

/* The free bytes and capacity of the file system of pool name. */
static int pool_space(struct croftd *d, const char *name, uint64_t *avail, uint64_t *cap)
{
	const char *dir = name && d->pools ? pools_dir_of(d->pools, name) : NULL;
	struct statvfs sv;

	if (!dir || statvfs(dir, &sv) < 0)
		return -ENOENT;
	*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	*cap = (uint64_t)sv.f_blocks * sv.f_frsize;
	return 0;
}

int vm_pool_full_resume_check(struct vm *vm, char *err, size_t errlen)
{
	uint64_t avail, cap, min;

	if (vm->state != VM_PAUSED || strcmp(vm->reason, VM_POOL_FULL_REASON) ||
	    pool_space(vm->d, vm->pause_pool, &avail, &cap) < 0)
		return 0;
	min = vm_pool_full_resume_min(cap);
	if (avail >= min)
		return 0;
	err_set(err, errlen, "VM %s was paused because pool %s is full, and it still has only "
		"%llu MiB free (resuming needs %llu MiB, or the guest pauses again at its next "
		"write): free space in pool %s (delete volumes or files, move a volume to another "
		"pool), then resume", vm->spec.name, vm->pause_pool,
		(unsigned long long)(avail / MIB), (unsigned long long)(min / MIB), vm->pause_pool);
	return -ENOSPC;
}

static void auto_resumed(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vm *vm = data;

	(void)q;
	if (m && m->type == QMP_MSG_ERROR)
		log_warn("VM %s: auto-resume refused by QEMU: %s", vm->spec.name,
			 m->err_desc ? m->err_desc : "?");
	if (vm->state == VM_PAUSED && vm->auto_resuming && m && m->type == QMP_MSG_RETURN)
		vm_set_state(vm, VM_RUNNING, "auto-resume");
	vm->auto_resuming = 0;
}

void vm_pool_full_tick(struct croftd *d)
{
	uint64_t avail, cap;
	struct vm *vm;
	int on;

	for (vm = d->vms; vm; vm = vm->next) {
		if (vm->deleted || vm->state != VM_PAUSED || vm->auto_resuming || !vm->qmp ||
		    !vm->pause_pool || strcmp(vm->reason, VM_POOL_FULL_REASON))
			continue;
		if (store_pool_auto_resume_get(d->store, vm->pause_pool, &on) < 0 || !on ||
		    pool_space(d, vm->pause_pool, &avail, &cap) < 0 ||
		    avail < vm_pool_full_resume_min(cap))
			continue;
		log_info("VM %s: pool %s has %llu MiB free again; resuming it (auto-resume)",
			 vm->spec.name, vm->pause_pool, (unsigned long long)(avail / MIB));
		if (qmp_command(vm->qmp, "cont", NULL, auto_resumed, vm) == 0)
			vm->auto_resuming = 1;
	}
}
