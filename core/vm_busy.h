/*
 * One job at a time per VM.  A VM is busy while a job holds it: a job
 * whose target is the VM (vm.create, snap.*, backup.create/restore), a
 * vm.clone reading it as its source, or a volume job (vol.resize,
 * vol.export) on one of its disks.  Every op that changes a VM, its
 * state or its disks asks vm_busy_check first (the API marks those ops
 * API_OP_VM_JOBS; the job submitters call it themselves), so the two
 * sides never meet on an image lock half way through.
 */
#ifndef CROFT_VM_BUSY_H
#define CROFT_VM_BUSY_H

#include "core/job.h"
#include "store/store.h"

struct croftd;

/* The job holding the VM spec (its name and disks), or NULL. */
struct job *vm_busy_job(struct croftd *d, const struct store_vm *spec);
/* 0, or -EBUSY with *code PROTO_E_BUSY and err naming the job:
 * "VM 'web' has job 42 (snap.create) running; wait for it or cancel it". */
int vm_busy_check(struct croftd *d, const struct store_vm *spec, const char **code, char *err,
		  size_t errlen);

#endif
