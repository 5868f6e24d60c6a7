/*
 * vm.create from request to VM.  qemu-img has to read each image to attach
 * before the rules can judge it, and it runs as a child on the loop, never
 * waited on: so first every attached image is read (all at once), then the
 * rules run (vm_spec_create) on what qemu-img said, then either the VM is
 * defined at once (it has no new disk image to make), or a "vm.create" job
 * makes its new images (qcow2 at once, raw with every byte written, which
 * takes minutes) and then defines it (vm_define_create).
 *
 * The job's args hold the whole planned definition with its uuid, so a
 * croftd that restarts in the middle can tell whether the VM made it into
 * the store (the job is then done) or not (it fails, and the images it made
 * are removed).  While the job is queued or running its VM name is taken.
 */
#ifndef CROFT_VM_CREATE_H
#define CROFT_VM_CREATE_H

#include "core/job.h"
#include "core/vm_spec.h"

struct croftd;
struct vm;

/* The outcome, exactly once: the VM when it was defined at once, the job
 * (valid during the call only) when one was queued, or an error code
 * (PROTO_E_*) and message with nothing made. */
typedef void (*vm_create_fn)(struct croftd *d, struct vm *vm, struct job *j,
			     const char *code, const char *err, void *data);

/* Create what req asks for (req and its strings are copied).  done may run
 * before this returns. */
void vm_create(struct croftd *d, const struct vm_spec_create *req, vm_create_fn done,
	       void *data);

/* The id of the queued or running vm.create job for name, or 0. */
int64_t vm_create_pending(struct croftd *d, const char *name);

extern const struct job_kind vm_create_kind;

#endif
