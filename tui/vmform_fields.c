/*
 * The VM form's field table and its checks.  The form engine applies each
 * field's type (a number, a size in whole MiB, a path to a file); the
 * checks here add the rules croftd applies to the same argument
 * (common/validate.h, and the boot-order rules of core/api_vm.c) in the
 * words croftd would use, so the form never accepts what croftd refuses
 * for a reason the console can see, nor says it differently.  What only
 * croftd can know (names taken, host size, OVMF, qemu-img) comes back
 * through form_set_error().
 */
#include "tui/vmform.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const firmware_choices[] = { "bios", "uefi", NULL };
static const char *const ksm_choices[] = { "on", "off", NULL };
/* Choice 0 is "no boot argument": croftd's default on create, the stored
 * order on an edit whose order is none of the others. */
static const char *const boot_choices[] = { "", "disk", "cdrom", "cdrom,disk", "disk,cdrom", NULL };

static const struct vmform_ctx *ctx(const struct form *f)
{
	return form_ctx(f);
}

static const char *text(const struct form *f, size_t id)
{
	return form_text(f, id);
}

static int check_name(struct form *f, size_t id, char *msg, size_t len)
{
	return name_check("VM", text(f, id), msg, len);
}

static int check_memory(struct form *f, size_t id, char *msg, size_t len)
{
	return memory_check(form_size(f, id), 0, msg, len);
}

/* Empty means "the same as memory"; 0 means no floor.  Against memory when
 * that is valid, else only the floor's own limits (memory shows its own
 * message). */
static int check_memory_min(struct form *f, size_t id, char *msg, size_t len)
{
	if (!*text(f, id))
		return 0;
	return memory_check(form_has(f, VMFORM_MEMORY) ? form_size(f, VMFORM_MEMORY) : MEMORY_MAX_MIB,
			    form_size(f, id), msg, len);
}

static int check_disk_size(struct form *f, size_t id, char *msg, size_t len)
{
	return *text(f, id) ? disk_size_check(form_size(f, id), msg, len) : 0;
}

static int check_image(struct form *f, size_t id, char *msg, size_t len)
{
	if (*text(f, id) && *text(f, VMFORM_DISK_SIZE)) {
		err_set(msg, len, "give a disk size or an existing image, not both");
		return -EINVAL;
	}
	return 0;
}

/* The boot order croftd ends up with when the form is sent as it is. */
static void effective_boot(const struct form *f, char *out, size_t len)
{
	const struct vmform_ctx *c = ctx(f);
	size_t choice = form_chosen(f, VMFORM_BOOT);
	int has_iso = *text(f, VMFORM_ISO) != '\0';

	if (!c->edit) {
		int disks = *text(f, VMFORM_DISK_SIZE) || *text(f, VMFORM_IMAGE);

		if (choice > 0)
			snprintf(out, len, "%s", boot_choices[choice]);
		else
			snprintf(out, len, "%s", !has_iso ? "disk" : disks ? "cdrom,disk" : "cdrom");
		return;
	}
	snprintf(out, len, "%s", choice > 0 ? boot_choices[choice] : c->orig.boot);
	/* vm.edit drops a cdrom from an order it was not given when the CD
	 * goes. */
	if ((choice == 0 || !strcmp(boot_choices[choice], c->orig.boot)) && !has_iso &&
	    strstr(out, "cdrom"))
		snprintf(out, len, "disk");
}

static int check_boot(struct form *f, size_t id, char *msg, size_t len)
{
	struct vmform_ctx *c = form_ctx(f);
	int disks, kernel = *text(f, VMFORM_KERNEL) != '\0';

	(void)id;
	effective_boot(f, c->boot, sizeof(c->boot));
	disks = c->edit ? c->orig.ndisks > 0 : *text(f, VMFORM_DISK_SIZE) || *text(f, VMFORM_IMAGE);
	if (strstr(c->boot, "cdrom") && !*text(f, VMFORM_ISO)) {
		err_set(msg, len, "boot order '%s' names cdrom but the VM has no cdrom image", c->boot);
		return -EINVAL;
	}
	if (strstr(c->boot, "disk") && !disks && !kernel) {
		err_set(msg, len, "boot order '%s' names disk but the VM has no disk (give it a disk, or boot from a cdrom or a kernel)",
			c->boot);
		return -EINVAL;
	}
	return 0;
}

/* With a kernel the VM boots it directly: no boot order applies. */
static const char *direct_boot(const struct form *f)
{
	return *text(f, VMFORM_KERNEL) ? "n/a: boots the kernel directly" : NULL;
}

/* initrd and kernel args need a kernel, in croftd's words. */
static int check_needs_kernel(struct form *f, size_t id, char *msg, size_t len)
{
	if (*text(f, id) && !*text(f, VMFORM_KERNEL)) {
		err_set(msg, len, "%s needs a kernel (--kernel)", id == VMFORM_INITRD ? "initrd" : "append");
		return -EINVAL;
	}
	return 0;
}

static const char *boot_label(const struct form *f, size_t k, char *buf, size_t len)
{
	char eff[64];

	if (k) {
		snprintf(buf, len, "%s", boot_choices[k]);
		return buf;
	}
	effective_boot(f, eff, sizeof(eff));
	snprintf(buf, len, ctx(f)->edit ? "as now (%s)" : "default (%s)", eff);
	return buf;
}

/* On an edit form whose order is one of the others, choice 0 would only
 * repeat that one. */
static int boot_ok(const struct form *f, size_t k)
{
	const struct vmform_ctx *c = ctx(f);
	size_t i;

	if (k || !c->edit)
		return 1;
	for (i = 1; boot_choices[i]; i++)
		if (!strcmp(boot_choices[i], c->orig.boot))
			return 0;
	return 1;
}

static const char *const w_name[] = { "a VM named", "VM name", NULL };
static const char *const w_vcpus[] = { "vcpus", NULL };
static const char *const w_memory[] = { "memory", NULL };
static const char *const w_memory_min[] = { "memory-min", NULL };
static const char *const w_shares[] = { "memory-shares", "memory_shares", NULL };
static const char *const w_ksm[] = { "ksm", NULL };
static const char *const w_disk_size[] = { "disk size", "disks[", NULL };
static const char *const w_image[] = { "disk image", NULL };
static const char *const w_iso[] = { "cdrom image", NULL };
static const char *const w_firmware[] = { "firmware", NULL };
static const char *const w_boot[] = { "boot", NULL };
static const char *const w_network[] = { "network", "NIC", NULL };
static const char *const w_kernel[] = { "kernel", NULL };
static const char *const w_initrd[] = { "initrd", NULL };
static const char *const w_append[] = { "append", NULL };

#define BROWSE "none (F3 or Ctrl-O to browse)"
#define SHARES_MIN 1                  /* vm.edit's memory_shares (core/api_vm.c) */
#define SHARES_MAX 50000

const struct form_field vmform_fields[VMFORM_NFIELDS] = {
	[VMFORM_NAME] = { .label = "Name", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
			  .what = "VM name", .placeholder = "e.g. web", .check = check_name,
			  .words = w_name },
	[VMFORM_VCPUS] = { .label = "vCPUs", .kind = FORM_NUMBER, .flags = FORM_REQUIRED,
			   .what = "vcpus", .lo = 1, .hi = VCPUS_MAX, .placeholder = "1-255",
			   .words = w_vcpus },
	[VMFORM_MEMORY] = { .label = "Memory", .kind = FORM_SIZE, .flags = FORM_REQUIRED | FORM_MIB,
			    .what = "memory", .placeholder = "e.g. 1G or 512M",
			    .check = check_memory, .words = w_memory },
	[VMFORM_MEMORY_MIN] = { .label = "Min memory", .kind = FORM_SIZE, .flags = FORM_MIB,
				.what = "memory-min", .placeholder = "same as memory",
				.check = check_memory_min, .words = w_memory_min },
	[VMFORM_SHARES] = { .label = "Memory shares", .kind = FORM_NUMBER, .flags = FORM_REQUIRED,
			    .what = "memory-shares", .lo = SHARES_MIN, .hi = SHARES_MAX,
			    .placeholder = "1-50000, default 1000", .words = w_shares },
	[VMFORM_KSM] = { .label = "KSM", .kind = FORM_CHOICE, .choices = ksm_choices,
			 .words = w_ksm },
	[VMFORM_DISK_SIZE] = { .label = "Disk size", .kind = FORM_SIZE, .what = "disk size",
			       .placeholder = "no new disk", .check = check_disk_size,
			       .words = w_disk_size },
	[VMFORM_IMAGE] = { .label = "Existing image", .kind = FORM_PATH, .what = "disk image",
			   .picker = PICKER_IMAGE, .placeholder = BROWSE, .check = check_image,
			   .words = w_image },
	[VMFORM_ISO] = { .label = "ISO", .kind = FORM_PATH, .flags = FORM_KEEP,
			 .what = "cdrom image", .picker = PICKER_ISO, .placeholder = BROWSE,
			 .words = w_iso },
	[VMFORM_FIRMWARE] = { .label = "Firmware", .kind = FORM_CHOICE, .choices = firmware_choices,
			      .words = w_firmware },
	[VMFORM_BOOT] = { .label = "Boot order", .kind = FORM_CHOICE, .choices = boot_choices,
			  .check = check_boot, .choice_label = boot_label, .choice_ok = boot_ok,
			  .why_not = direct_boot, .words = w_boot },
	[VMFORM_NETWORK] = { .label = "Network", .kind = FORM_CHOICE, .what = "network",
			     .words = w_network },
	[VMFORM_KERNEL] = { .label = "Kernel", .kind = FORM_PATH, .flags = FORM_KEEP,
			    .what = "kernel", .picker = PICKER_ANY,
			    .placeholder = "none: boot from disk or ISO", .words = w_kernel },
	[VMFORM_INITRD] = { .label = "Initrd", .kind = FORM_PATH, .flags = FORM_KEEP,
			    .what = "initrd", .picker = PICKER_ANY, .placeholder = "none",
			    .check = check_needs_kernel, .words = w_initrd },
	[VMFORM_APPEND] = { .label = "Kernel args", .kind = FORM_TEXT, .what = "append",
			    .placeholder = "e.g. console=ttyS0", .check = check_needs_kernel,
			    .words = w_append },
};
