/*
 * Carrying out a VM's definition (vm_define.h).  Files first, the store
 * row last: the row is the promise that the files exist, so it is written
 * only when they do, and the variable store made before a failure is
 * removed again (new disk images are the vm.create job's to remove).  A running VM's edit moves the balloon before anything is
 * written, so the store never records a size the guest was not given.
 * Replacing a stopped VM (a backup's restore over it) swaps the rows in
 * one store transaction and only then removes the old VM's files.
 */
#include "core/vm_define.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/pool.h"
#include "core/vm_cloudinit.h"
#include "core/vm_spec.h"
#include "core/vm_uid.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

void vm_define_uuid(char out[37])
{
	unsigned char b[16];
	size_t i;
	char *p = out;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(t >> ((i % 8) * 8)) ^ (unsigned char)(i * 37);
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	for (i = 0; i < 16; i++) {
		p += sprintf(p, "%02x", b[i]);
		if (i == 3 || i == 5 || i == 7 || i == 9)
			*p++ = '-';
	}
	*p = '\0';
}

enum job_recover vm_define_recover(struct job *j, const char *uuid)
{
	struct store_vm have;
	int found;

	found = job_target(j) && uuid &&
		store_vm_get(job_daemon(j)->store, job_target(j), &have) == 0 &&
		have.uuid && !strcmp(have.uuid, uuid);
	if (found)
		job_set_result(j, json_pack("{s:s,s:s}", "name", have.name, "uuid", have.uuid));
	store_vm_clear(&have);
	return found ? JOB_RECOVER_DONE : JOB_RECOVER_FAIL;
}

/* spec as a new VM's row: stopped, made now. */
static void row_fill(struct store_vm *spec)
{
	char uuid[37];

	if (!spec->uuid) {
		vm_define_uuid(uuid);
		spec->uuid = xstrdup(uuid);
	}
	free(spec->state);
	free(spec->state_reason);
	spec->state = xstrdup("stopped");
	spec->state_reason = xstrdup("created");
	spec->created = time(NULL);
}

static void created(struct croftd *d, struct vm *vm)
{
	bus_publish(d->bus, "vm.created", vm->spec.name, 0, json_pack("{s:s}", "name", vm->spec.name),
		    "VM %s: created (%u vCPU, %lluM, %zu disk%s)", vm->spec.name, vm->spec.vcpus,
		    (unsigned long long)vm->spec.memory_mib, vm->spec.ndisks,
		    vm->spec.ndisks == 1 ? "" : "s");
}

int vm_define_replace(struct croftd *d, struct vm *old, struct store_vm *spec,
		      struct store_vm *old_spec, struct vm **out, const char **code, char *err,
		      size_t errlen)
{
	struct vm *vm;
	int rc;

	*code = PROTO_E_INVALID_STATE;
	memset(old_spec, 0, sizeof(*old_spec));
	if (vm_is_live(old) || strcmp(old->spec.name, spec->name)) {
		err_set(err, errlen, "VM '%s' is %s; it is not replaced", old->spec.name,
			vm_is_live(old) ? "running" : "another VM");
		store_vm_clear(spec);
		return -EBUSY;
	}
	*code = PROTO_E_IO;
	/* what vm_uefi_vars_ensure needs, checked while nothing has changed */
	if (!strcmp(spec->firmware, "uefi") && (!d->ovmf_code || !d->ovmf_vars)) {
		err_set(err, errlen, "UEFI firmware (OVMF) is not installed; install the ovmf package");
		store_vm_clear(spec);
		return -ENOENT;
	}
	row_fill(spec);
	if ((rc = store_vm_replace(d->store, old->spec.id, spec, err, errlen)) < 0) {
		store_vm_clear(spec);
		return rc;
	}
	/* the old VM's own files go; its disks are the caller's */
	store_vm_copy(old_spec, &old->spec);
	vm_files_remove(d, old->spec.name);
	vm_cloudinit_seed_remove(d, old->spec.name);
	vm_remove(old);
	vm = *out = vm_add(d, spec);     /* spec is the VM's now */
	/* both are done again when it starts */
	if (vm_uid_assign(vm, err, errlen) < 0)
		log_warn("VM %s: %s", vm->spec.name, err);
	if (!strcmp(vm->spec.firmware, "uefi") &&
	    vm_uefi_vars_ensure(d, vm->spec.name, err, errlen) < 0)
		log_warn("VM %s: %s", vm->spec.name, err);
	created(d, vm);
	return 0;
}

int vm_define_create(struct croftd *d, struct store_vm *spec, struct vm **out,
		     const char **code, char *err, size_t errlen)
{
	int uefi = !strcmp(spec->firmware, "uefi");
	struct vm *vm;
	int rc;

	*code = PROTO_E_IO;
	if (uefi && (rc = vm_uefi_vars_ensure(d, spec->name, err, errlen)) < 0)
		goto undo;
	row_fill(spec);
	if ((rc = store_vm_insert(d->store, spec, err, errlen)) < 0) {
		*code = rc == -EEXIST ? PROTO_E_ALREADY_EXISTS : PROTO_E_IO;
		goto undo;
	}
	vm = vm_add(d, spec);
	/* Its own QEMU uid, from the start: its taps are made for it. */
	if ((rc = vm_uid_assign(vm, err, errlen)) < 0) {
		*code = rc == -ENOSPC ? PROTO_E_INVALID_STATE : PROTO_E_IO;
		store_vm_delete(d->store, vm->spec.id);
		if (uefi)
			vm_files_remove(d, vm->spec.name);
		vm_remove(vm);
		return rc;
	}
	created(d, vm);
	*out = vm;
	return 0;
undo:
	if (uefi)
		vm_files_remove(d, spec->name);
	store_vm_clear(spec);
	return rc;
}

/* Write next (taken) as vm's definition. */
static int edit_commit(struct vm *vm, struct store_vm *next, const char **code,
		       char *err, size_t errlen)
{
	struct croftd *d = vm->d;
	int rc;

	if ((rc = store_vm_update(d->store, next, err, errlen)) < 0) {
		*code = PROTO_E_IO;
		store_vm_clear(next);
		return rc;
	}
	store_vm_clear(&vm->spec);
	vm->spec = *next;
	memset(next, 0, sizeof(*next));
	bus_publish(d->bus, "vm.changed", vm->spec.name, 0, json_pack("{s:s}", "name", vm->spec.name),
		    "VM %s: settings changed", vm->spec.name);
	return 0;
}

struct edit_ctx {
	struct store_vm next;
	vm_done_cb cb;
	void *data;
};

static void edit_after_balloon(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct edit_ctx *c = data;
	char err[1024];

	if (code) {
		snprintf(err, sizeof(err), "cannot change the memory of VM '%s': %s", vm->spec.name, msg);
		store_vm_clear(&c->next);
		c->cb(vm, code, err, c->data);
	} else if (edit_commit(vm, &c->next, &code, err, sizeof(err)) < 0) {
		c->cb(vm, code, err, c->data);
	} else {
		c->cb(vm, NULL, NULL, c->data);
	}
	free(c);
}

int vm_define_edit(struct vm *vm, struct vm_spec_edit_plan *plan, vm_done_cb cb, void *data,
		   const char **code, char *err, size_t errlen)
{
	struct edit_ctx *c;
	int rc;

	if (plan->uefi_vars && (rc = vm_uefi_vars_ensure(vm->d, vm->spec.name, err, errlen)) < 0) {
		*code = PROTO_E_IO;
		goto out;
	}
	if (!plan->balloon) {
		if ((rc = edit_commit(vm, &plan->next, code, err, errlen)) == 0)
			cb(vm, NULL, NULL, data);
		goto out;
	}
	c = xcalloc(1, sizeof(*c));
	c->next = plan->next;
	memset(&plan->next, 0, sizeof(plan->next));
	c->cb = cb;
	c->data = data;
	if ((rc = vm_set_balloon(vm, plan->balloon_mib, edit_after_balloon, c, code, err, errlen)) < 0) {
		store_vm_clear(&c->next);
		free(c);
	}
out:
	vm_spec_edit_plan_clear(plan);
	return rc;
}
