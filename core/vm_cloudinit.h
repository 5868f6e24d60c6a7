/*
 * A VM's cloud-init NoCloud seed on disk: croftd writes it from the VM's
 * settings (ci_seed.h) into the default pool as <pool>/.cidata/<name>.iso
 * (a directory no volume name can reach, and which volume lists skip),
 * owned by the QEMU base user as every pool file is, when the settings
 * change and again at every start (so it always matches the settings,
 * the uuid and the NICs); at start QEMU gets it as a read-only descriptor
 * (vm_files.h) for a CD drive.  The file's name comes from the VM's name
 * alone and is made beneath the pool's directory descriptor without
 * following a symlink: never a path a client named.  Turning cloud-init
 * off or deleting the VM removes it.
 */
#ifndef CROFT_VM_CLOUDINIT_H
#define CROFT_VM_CLOUDINIT_H

#include <stddef.h>

#include <jansson.h>

struct croftd;
struct store_vm;
struct vm;
struct vm_files_set;

/* <pool>/.cidata/<name>.iso, malloc'd. */
char *vm_cloudinit_seed_path(const struct croftd *d, const char *name);

/* Write spec's seed (spec->cloud_init set).  With fd, *fd is a read-only
 * descriptor of what was written.  0, or -errno with err set. */
int vm_cloudinit_seed_write(struct croftd *d, const struct store_vm *spec, int *fd,
			    char *err, size_t errlen);
/* Remove the seed of VM name, if there is one. */
void vm_cloudinit_seed_remove(struct croftd *d, const char *name);

/* At start: write vm's seed and add it to vf (base as vm_files_prepare).
 * 0, or -errno with *code and err set. */
int vm_cloudinit_attach(struct vm *vm, size_t base, struct vm_files_set *vf, const char **code,
			char *err, size_t errlen);

/* After an edit from cur to next: the seed rewritten or removed when the
 * settings changed (a failure is logged; the next start writes it). */
void vm_cloudinit_edited(struct croftd *d, const struct store_vm *cur, const struct store_vm *next);

/* What vm.info shows: the settings and "instance_id", or null. */
json_t *vm_cloudinit_json(const struct store_vm *spec);

#endif
