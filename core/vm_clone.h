/*
 * Templates and clones.  A template is a stopped VM made read-only: it no
 * longer starts or changes, and its disks (volumes in pools, their files
 * made read-only) are the base of clones.  A clone is a new VM with the
 * source's whole definition (store_vm_copy, so every setting is carried),
 * a new name, uuid (so cloud-init sees a new instance), MACs and QEMU uid
 * slot, and its own disks:
 *
 *   linked  a qcow2 overlay on each of the template's volumes, beside it in
 *           the same pool, naming it by its file name with its format
 *           pinned; made by qemu-img create in milliseconds.  Only from a
 *           template, whose volumes never change under the overlays.
 *   full    an independent copy of each volume (qemu-img convert, its
 *           backing chain flattened), into --pool or the disk's own pool;
 *           from a template or any stopped VM, which cannot start until
 *           the copy is done.
 *
 * Both are a "vm.clone" job: every new volume is recorded before it is
 * made, so a failure, a cancel or a croftd restart leaves nothing behind;
 * the VM is defined (and given NICs) only when every volume exists.
 *
 * The rules (vm_clone_plan, vm_template_check, vm_template_refuse,
 * vm_clone_backing_is) are pure, for unit tests; the rest acts on croftd.
 */
#ifndef CROFT_VM_CLONE_H
#define CROFT_VM_CLONE_H

#include "core/job.h"
#include "core/vm_spec.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

struct croftd;
struct pools;
struct vm;

/* --- the rules ------------------------------------------------------------------ */

/* Strings borrowed; NULL means not given. */
struct vm_clone_req {
	const struct store_vm *src;  /* the source's definition */
	int src_live;                /* its QEMU runs */
	const char *name;            /* the clone's */
	const char *mode;            /* "linked" | "full"; NULL: linked from a template, else full */
	const char *pool;            /* full: where the copies go; NULL: each disk's own pool */
};

/* One new volume of the clone (strings owned). */
struct vm_clone_disk {
	char *from;                  /* the source's disk */
	char *from_format;
	char *path;                  /* the new volume */
	char *format;
	char *backing;               /* linked: from as the overlay names it; else NULL */
	uint64_t size_bytes;
};

struct vm_clone_plan {
	struct store_vm spec;        /* the clone: no id, uuid or state yet; its disks
				      * the new volumes (owned) */
	int linked;
	struct vm_clone_disk disks[VM_SPEC_DISKS_MAX];
	size_t ndisks;
};

/*
 * Check req against the rules and plan the clone: the name valid and not
 * the source's, linked only from a template and full only from a stopped
 * VM, every disk a volume in a pool (full: or anywhere, given --pool),
 * --pool an images pool.  New volumes are <dir>/<name>-disk<i>.<format>
 * (linked: in the directory of the volume they overlay).  Whether the name
 * or a volume is taken is the caller's to check.  0 with *out, or -errno
 * with *code (PROTO_E_*) and err set and *out empty.
 */
int vm_clone_plan(const struct pools *p, const struct vm_clone_req *req,
		  struct vm_clone_plan *out, const char **code, char *err, size_t errlen);
void vm_clone_plan_clear(struct vm_clone_plan *plan);

/* May spec become a template: stopped (live 0), not one already, every
 * disk a volume in a pool.  0, or -errno with *code and err set. */
int vm_template_check(const struct pools *p, const struct store_vm *spec, int live,
		      const char **code, char *err, size_t errlen);

/* What a template refuses: 0 when spec is not a template, else -EPERM
 * with *code and err saying that VM spec->name is a template and cannot
 * be <what> ("started", "edited", ...). */
int vm_template_refuse(const struct store_vm *spec, const char *what, const char **code,
		       char *err, size_t errlen);

/* 1 when backing, as a volume at dir/... names it (relative to dir, or
 * absolute), is the file at path (normalised). */
int vm_clone_backing_is(const char *dir, const char *backing, const char *path);

/* --- croftd --------------------------------------------------------------------- */

/* Make vm a template (vm_template_check), its disk files read-only.  0 or
 * -errno with *code and err set; nothing changed on error. */
int vm_template(struct croftd *d, struct vm *vm, const char **code, char *err, size_t errlen);

/* A template being deleted: the owner's write bit back on its disk files
 * (those kept become ordinary volumes again).  Failures are logged. */
void vm_template_release(struct croftd *d, const struct store_vm *spec);

/* Queue the vm.clone job for req (req->src is the source VM's spec).
 * 0 with *out the queued job (valid during the call), or -errno with
 * *code and err set and nothing made (-EEXIST: the name or a volume is
 * taken). */
int vm_clone(struct croftd *d, const struct vm_clone_req *req, struct job **out,
	     const char **code, char *err, size_t errlen);

/* The id of a queued or running vm.clone job that reads from VM name (its
 * source) or makes it (its target); 0 when none. */
int64_t vm_clone_busy(struct croftd *d, const char *name);

/* The volumes in path's pool whose backing file is path, by the VMs using
 * them ("web1", or "default/x.qcow2" for a volume no VM uses), comma
 * separated in out.  The count (0: none), or -errno with out the reason. */
int vm_clone_dependents(struct croftd *d, const char *path, char *out, size_t outlen);

/* The json: description (after "json:") qemu-img reads layer k of chain c
 * through: each layer by the path croftd checked, backing pinned; adds
 * the layers' allocated bytes to *alloc. */
struct vm_file_chain;
json_t *vm_clone_chain_json(const struct vm_file_chain *c, size_t k, uint64_t *alloc);

extern const struct job_kind vm_clone_kind;

#endif
