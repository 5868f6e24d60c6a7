/*
 * The console's create/edit VM forms, on the form engine (tui/form.h).
 * When a key returns FORM_SUBMIT every field is valid and form_args()
 * holds the request's args: for vm.create on a create form, for vm.edit
 * (the "name" plus only the changed fields) on an edit form.
 *
 * Fields, in order: Name, vCPUs, Memory, Min memory, Memory shares (the
 * balloon policy's weight, 1-50000), KSM (on, or off: QEMU's mem-merge=off),
 * Disk size, Existing image (a volume of a pool, picked from croftd's
 * pools: tui/picker.h), ISO (from the iso pool), Firmware, Boot order, Network (the first NIC's: a create
 * form adds it in a second step, vm.nic.add; an edit form only shows it),
 * Kernel, Initrd, Kernel args (direct boot: the boot order then does not
 * apply), judged with the rules and words of
 * common/validate.h and croftd (names, vcpus, memory and its floor, disk
 * sizes, files, boot orders that name a device the VM lacks).  Sizes are
 * written as in the CLI (512M, 2G; a bare number is MiB).  An edit form
 * shows the name and the disks but does not let them change, and, while
 * the VM's QEMU runs, lets only the memory fields and the shares change
 * (as vm.edit allows).  vm.create takes no shares or KSM: a create form
 * that changes them sends a vm.edit once the VM exists (a "_then" step).
 * The cloud-init settings have no field (the form fills an 80x20 box):
 * F6 opens their sub-form (vmform_cloudinit.h) and the note says them.
 */
#ifndef CROFT_TUI_VMFORM_H
#define CROFT_TUI_VMFORM_H

#include <jansson.h>

#include "tui/form.h"

enum vmform_field_id {
	VMFORM_NAME, VMFORM_VCPUS, VMFORM_MEMORY, VMFORM_MEMORY_MIN, VMFORM_SHARES, VMFORM_KSM,
	VMFORM_DISK_SIZE,
	VMFORM_IMAGE, VMFORM_ISO, VMFORM_FIRMWARE, VMFORM_BOOT,
	VMFORM_NETWORK, VMFORM_KERNEL, VMFORM_INITRD, VMFORM_APPEND,
	VMFORM_NFIELDS
};

/* A create form with the defaults: 1 vCPU, 1G of memory, no floor, an 8G
 * disk, bios, the default boot order, the first of nets (names, n of
 * them; "none" is always a choice) for the first NIC.  Free with
 * form_free(). */
struct form *vmform_new_create(const char *const *nets, size_t n);
/* An edit form for vm, a vm.info result (borrowed; nothing is kept from
 * it).  NULL when vm is not an object with a string "name". */
struct form *vmform_new_edit(const json_t *vm);
int vmform_is_edit(const struct form *f);
/* The boot order croftd would use if the form were sent as it is. */
const char *vmform_boot(const struct form *f);

/* vmform_fields.c: the field table, for vmform.c. */
struct vmform_orig {
	char *name;
	long long vcpus;
	uint64_t memory_mib, memory_min_mib;
	long long shares;
	int ksm_off;
	char *firmware, *boot, *cdrom;
	size_t ndisks;
	int has_kernel;
	char *kernel, *initrd, *append;
	int live;                       /* its QEMU runs: only memory may change */
};

struct vmform_ctx {
	int edit;
	struct vmform_orig orig;        /* an edit form's VM as it was */
	char boot[64];                  /* vmform_boot() */
	json_t *ci, *ci_orig;           /* cloud-init settings now and as they were
					 * (vmform_cloudinit.h); NULL: none */
};

extern const struct form_field vmform_fields[VMFORM_NFIELDS];

#endif
