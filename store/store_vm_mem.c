/*
 * Ownership of struct store_vm: it owns every string in it and its disks
 * array, which owns the disks' strings.  Clearing frees all of that and
 * leaves a zeroed struct; copying duplicates all of it.
 */
#include "store/store_internal.h"

#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

void store_disk_clear(struct store_disk *d)
{
	free(d->path);
	free(d->format);
	memset(d, 0, sizeof *d);
}

void store_vm_clear(struct store_vm *vm)
{
	size_t i;

	if (!vm)
		return;
	free(vm->name);
	free(vm->uuid);
	free(vm->firmware);
	free(vm->boot);
	free(vm->cdrom);
	free(vm->kernel);
	free(vm->initrd);
	free(vm->append);
	free(vm->display);
	free(vm->cloud_init);
	free(vm->tags);
	free(vm->state);
	free(vm->state_reason);
	for (i = 0; i < vm->ndisks; i++)
		store_disk_clear(&vm->disks[i]);
	free(vm->disks);
	memset(vm, 0, sizeof *vm);
}

void store_vm_list_free(struct store_vm *vms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_vm_clear(&vms[i]);
	free(vms);
}

void store_vm_copy(struct store_vm *dst, const struct store_vm *src)
{
	size_t i;

	*dst = *src;
	dst->name = xstrdup_or_null(src->name);
	dst->uuid = xstrdup_or_null(src->uuid);
	dst->firmware = xstrdup_or_null(src->firmware);
	dst->boot = xstrdup_or_null(src->boot);
	dst->cdrom = xstrdup_or_null(src->cdrom);
	dst->kernel = xstrdup_or_null(src->kernel);
	dst->initrd = xstrdup_or_null(src->initrd);
	dst->append = xstrdup_or_null(src->append);
	dst->display = xstrdup_or_null(src->display);
	dst->cloud_init = xstrdup_or_null(src->cloud_init);
	dst->tags = xstrdup_or_null(src->tags);
	dst->state = xstrdup_or_null(src->state);
	dst->state_reason = xstrdup_or_null(src->state_reason);
	dst->disks = NULL;
	dst->ndisks = 0;
	if (!src->ndisks || !src->disks)
		return;
	dst->disks = xcalloc(src->ndisks, sizeof *dst->disks);
	dst->ndisks = src->ndisks;
	for (i = 0; i < src->ndisks; i++) {
		dst->disks[i] = src->disks[i];
		dst->disks[i].path = xstrdup_or_null(src->disks[i].path);
		dst->disks[i].format = xstrdup_or_null(src->disks[i].format);
	}
}
