/*
 * Defining a VM: carrying out what vm_spec.h planned.  Creating makes the
 * UEFI variable store when the firmware is uefi, then the store row and
 * the runtime VM; the planned new disk images must exist already (the
 * vm.create job makes them, vm_create.h).  A failure removes the variable
 * store it made, so a refused definition leaves nothing of its own.  Editing writes the new definition, after
 * moving a running VM's balloon when the plan says so.  Both publish their
 * event ("vm.created", "vm.changed") on the bus.
 */
#ifndef CROFT_VM_DEFINE_H
#define CROFT_VM_DEFINE_H

#include "core/job.h"
#include "core/vm.h"

#include <stddef.h>

struct croftd;
struct store_vm;
struct vm_spec_edit_plan;

/* spec (from vm_spec_create, its owned disks made) is taken on every path;
 * a spec without a uuid gets a new one.  0 with *out the new VM, or -errno
 * with *code (PROTO_E_*) and err set. */
int vm_define_create(struct croftd *d, struct store_vm *spec, struct vm **out,
		     const char **code, char *err, size_t errlen);

/* Replace stopped VM old by spec (the same name; its owned disks made),
 * old's rows deleted and spec's written in one store transaction; only
 * then are old's files (state directory, cloud-init seed) removed and old
 * dropped from croftd.  0 with *out the new VM and *old_spec (free with
 * store_vm_clear) old's definition, whose disks are the caller's to
 * remove; or -errno with *code and err set, and old, its rows and files
 * as they were.  spec is taken on every path. */
int vm_define_replace(struct croftd *d, struct vm *old, struct store_vm *spec,
		      struct store_vm *old_spec, struct vm **out, const char **code, char *err,
		      size_t errlen);

/* A job that defines VM job_target(j) with this uuid (vm.create,
 * vm.clone), found queued or running after a restart: done, with
 * {"name","uuid"} as its result, when that VM reached the store; else
 * failed. */
enum job_recover vm_define_recover(struct job *j, const char *uuid);

/* A new random (version 4) uuid. */
void vm_define_uuid(char out[37]);

/* plan (from vm_spec_edit for vm) is taken on every path.  0 when accepted:
 * cb then runs exactly once, now or when the balloon has moved, with an
 * error or with vm holding its new definition.  -errno with *code and err
 * set, and cb not called, when it is refused at once. */
int vm_define_edit(struct vm *vm, struct vm_spec_edit_plan *plan, vm_done_cb cb, void *data,
		   const char **code, char *err, size_t errlen);

#endif
