/*
 * The VM form's field table and its checks.  Each check judges one field
 * with the rules croftd applies to the same argument (common/validate.h,
 * and the file and boot-order rules of core/api_vm.c) and says what is
 * wrong in the words croftd would use, so the form never accepts what
 * croftd refuses for a reason the console can see, nor says it differently.
 * What only croftd can know (names taken, host size, OVMF, qemu-img) comes
 * back through vmform_set_error().
 */
#include "tui/vmform_internal.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const firmware_choices[] = { "bios", "uefi", NULL };
/* Choice 0 is "no boot argument": croftd's default on create, the stored
 * order on an edit whose order is none of the others. */
static const char *const boot_choices[] = { "", "disk", "cdrom", "cdrom,disk", "disk,cdrom", NULL };

static const char *field_text(const struct vmform *f, int id)
{
	return f->fld[id].text;
}

static int quiet_empty(struct vmform *f, int id, char *msg, size_t len, const char *why)
{
	f->fld[id].quiet = 1;
	err_set(msg, len, "%s", why);
	return -EINVAL;
}

static int check_name(struct vmform *f, char *msg, size_t len)
{
	const char *s = field_text(f, VMFORM_NAME);

	if (!*s)
		return quiet_empty(f, VMFORM_NAME, msg, len, "VM name is empty");
	return name_check("VM", s, msg, len);
}

static int check_vcpus(struct vmform *f, char *msg, size_t len)
{
	const char *s = field_text(f, VMFORM_VCPUS);
	long long n;

	if (!*s)
		return quiet_empty(f, VMFORM_VCPUS, msg, len, "vcpus needs a number (1-255)");
	if (strspn(s, "0123456789") != strlen(s)) {
		err_set(msg, len, "vcpus needs a number, got '%s'", s);
		return -EINVAL;
	}
	errno = 0;
	n = strtoll(s, NULL, 10);
	if (errno == ERANGE)
		n = LLONG_MAX;
	if (vcpus_check(n, msg, len) < 0)
		return -EINVAL;
	f->val.vcpus = n;
	return 0;
}

/* A size in whole MiB, as the CLI takes --memory. */
static int parse_mib(const char *what, const char *s, uint64_t *mib, char *msg, size_t len)
{
	char why[256];
	uint64_t bytes;

	if (size_parse(s, &bytes, why, sizeof(why)) < 0) {
		err_set(msg, len, "%s: %s", what, why);
		return -EINVAL;
	}
	if (bytes & ((1ULL << 20) - 1)) {
		err_set(msg, len, "%s: size '%s' is not a whole number of MiB", what, s);
		return -EINVAL;
	}
	*mib = bytes >> 20;
	return 0;
}

static int check_memory(struct vmform *f, char *msg, size_t len)
{
	const char *s = field_text(f, VMFORM_MEMORY);
	uint64_t mib;

	if (!*s)
		return quiet_empty(f, VMFORM_MEMORY, msg, len, "memory needs a size (e.g. 1G)");
	if (parse_mib("memory", s, &mib, msg, len) < 0 || memory_check(mib, 0, msg, len) < 0)
		return -EINVAL;
	f->val.memory_mib = mib;
	f->val.memory_ok = 1;
	return 0;
}

/* Empty means "the same as memory"; 0 means no floor. */
static int check_memory_min(struct vmform *f, char *msg, size_t len)
{
	const char *s = field_text(f, VMFORM_MEMORY_MIN);
	uint64_t mib;

	if (!*s)
		return 0;
	if (parse_mib("memory-min", s, &mib, msg, len) < 0)
		return -EINVAL;
	/* Against memory when that is valid, else only the floor's own limits
	 * (memory shows its own message). */
	if (memory_check(f->val.memory_ok ? f->val.memory_mib : MEMORY_MAX_MIB, mib, msg, len) < 0)
		return -EINVAL;
	f->val.memory_min_mib = mib;
	f->val.has_min = 1;
	return 0;
}

static int check_disk_size(struct vmform *f, char *msg, size_t len)
{
	const char *s = field_text(f, VMFORM_DISK_SIZE);
	char why[256];
	uint64_t bytes;

	if (!*s)
		return 0;
	if (size_parse(s, &bytes, why, sizeof(why)) < 0) {
		err_set(msg, len, "disk size: %s", why);
		return -EINVAL;
	}
	if (disk_size_check(bytes, msg, len) < 0)
		return -EINVAL;
	f->val.disk_bytes = bytes;
	f->val.has_disk_size = 1;
	return 0;
}

/* croftd's file rules (check_file() in core/api_vm.c), minus readability:
 * croftd may read what the console's user cannot. */
static int check_file(const char *what, const char *path, char *msg, size_t len)
{
	struct stat st;

	if (path[0] != '/') {
		err_set(msg, len, "%s path '%s' must be absolute", what, path);
		return -EINVAL;
	}
	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			err_set(msg, len, "%s '%s' does not exist", what, path);
		else
			err_set(msg, len, "%s '%s': %s", what, path, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		err_set(msg, len, "%s '%s' is not a regular file", what, path);
		return -EINVAL;
	}
	return 0;
}

static int check_image(struct vmform *f, char *msg, size_t len)
{
	const char *s = field_text(f, VMFORM_IMAGE);

	if (!*s)
		return 0;
	if (check_file("disk image", s, msg, len) < 0)
		return -EINVAL;
	if (*field_text(f, VMFORM_DISK_SIZE)) {
		err_set(msg, len, "give a disk size or an existing image, not both");
		return -EINVAL;
	}
	f->val.has_image = 1;
	return 0;
}

static int check_iso(struct vmform *f, char *msg, size_t len)
{
	const char *s = field_text(f, VMFORM_ISO);

	if (!*s)
		return 0;
	/* vm.edit checks the cdrom only when it is given, i.e. changed. */
	if (!(f->edit && f->orig.cdrom && !strcmp(s, f->orig.cdrom)) &&
	    check_file("cdrom image", s, msg, len) < 0)
		return -EINVAL;
	f->val.has_iso = 1;
	return 0;
}

/* The boot order croftd ends up with when the form is sent as it is. */
static void effective_boot(const struct vmform *f, char *out, size_t len)
{
	int choice = f->fld[VMFORM_BOOT].choice;
	int has_iso = *field_text(f, VMFORM_ISO) != '\0';

	if (!f->edit) {
		int disks = *field_text(f, VMFORM_DISK_SIZE) || *field_text(f, VMFORM_IMAGE);

		if (choice > 0)
			snprintf(out, len, "%s", boot_choices[choice]);
		else
			snprintf(out, len, "%s", !has_iso ? "disk" : disks ? "cdrom,disk" : "cdrom");
		return;
	}
	snprintf(out, len, "%s", choice > 0 ? boot_choices[choice] : f->orig.boot);
	/* vm.edit drops a cdrom from an order it was not given when the CD
	 * goes. */
	if ((choice == 0 || !strcmp(boot_choices[choice], f->orig.boot)) && !has_iso &&
	    strstr(out, "cdrom"))
		snprintf(out, len, "disk");
}

static int check_boot(struct vmform *f, char *msg, size_t len)
{
	char *boot = f->val.boot;
	int disks, kernel = f->edit && f->orig.has_kernel;

	effective_boot(f, boot, sizeof(f->val.boot));
	disks = f->edit ? f->orig.ndisks > 0
			: *field_text(f, VMFORM_DISK_SIZE) || *field_text(f, VMFORM_IMAGE);
	if (strstr(boot, "cdrom") && !*field_text(f, VMFORM_ISO)) {
		err_set(msg, len, "boot order '%s' names cdrom but the VM has no cdrom image", boot);
		return -EINVAL;
	}
	if (strstr(boot, "disk") && !disks && !kernel) {
		err_set(msg, len, "boot order '%s' names disk but the VM has no disk (give it a disk, or boot from a cdrom or a kernel)",
			boot);
		return -EINVAL;
	}
	return 0;
}

const struct vmform_field_spec vmform_fields[VMFORM_NFIELDS] = {
	[VMFORM_NAME]       = { "Name", VMFORM_TEXT, NULL, PICKER_ANY, "e.g. web", check_name },
	[VMFORM_VCPUS]      = { "vCPUs", VMFORM_TEXT, NULL, PICKER_ANY, "1-255", check_vcpus },
	[VMFORM_MEMORY]     = { "Memory", VMFORM_TEXT, NULL, PICKER_ANY, "e.g. 1G or 512M", check_memory },
	[VMFORM_MEMORY_MIN] = { "Min memory", VMFORM_TEXT, NULL, PICKER_ANY, "same as memory",
				check_memory_min },
	[VMFORM_DISK_SIZE]  = { "Disk size", VMFORM_TEXT, NULL, PICKER_ANY, "no new disk",
				check_disk_size },
	[VMFORM_IMAGE]      = { "Existing image", VMFORM_PATH, NULL, PICKER_IMAGE,
				"none (F3 or Ctrl-O to browse)", check_image },
	[VMFORM_ISO]        = { "ISO", VMFORM_PATH, NULL, PICKER_ISO,
				"none (F3 or Ctrl-O to browse)", check_iso },
	[VMFORM_FIRMWARE]   = { "Firmware", VMFORM_CHOICE, firmware_choices, PICKER_ANY, NULL, NULL },
	[VMFORM_BOOT]       = { "Boot order", VMFORM_CHOICE, boot_choices, PICKER_ANY, NULL, check_boot },
};

void vmform_validate(struct vmform *f)
{
	int i;

	memset(&f->val, 0, sizeof(f->val));
	for (i = 0; i < VMFORM_NFIELDS; i++) {
		struct vmform_field *fl = &f->fld[i];

		fl->invalid = 0;
		fl->quiet = 0;
		fl->msg[0] = '\0';
		if (fl->readonly || !vmform_fields[i].check)
			continue;
		if (vmform_fields[i].check(f, fl->msg, sizeof(fl->msg)) < 0)
			fl->invalid = 1;
		else
			fl->msg[0] = '\0';
	}
}

int vmform_choice_count(int id)
{
	int n = 0;

	if (id < 0 || id >= VMFORM_NFIELDS || !vmform_fields[id].choices)
		return 0;
	while (vmform_fields[id].choices[n])
		n++;
	return n;
}

const char *vmform_choice_label(const struct vmform *f, int id, int choice, char *buf, size_t len)
{
	const char *const *ch = vmform_fields[id].choices;

	if (id == VMFORM_BOOT && choice == 0) {
		char eff[64];

		effective_boot(f, eff, sizeof(eff));
		snprintf(buf, len, f->edit ? "as now (%s)" : "default (%s)", eff);
		return buf;
	}
	snprintf(buf, len, "%s", ch ? ch[choice] : "");
	return buf;
}

const char *vmform_message(const struct vmform *f, int id)
{
	const struct vmform_field *fl = &f->fld[id];

	if (!fl->invalid || (fl->quiet && !f->submitted))
		return NULL;
	return fl->msg;
}

/* Which field croftd's refusal is about, by how its message starts. */
static const struct {
	const char *prefix;
	int field;
} message_fields[] = {
	{ "a VM named", VMFORM_NAME },
	{ "VM name", VMFORM_NAME },
	{ "vcpus", VMFORM_VCPUS },
	{ "memory-min", VMFORM_MEMORY_MIN },
	{ "memory", VMFORM_MEMORY },
	{ "disk size", VMFORM_DISK_SIZE },
	{ "disks[", VMFORM_DISK_SIZE },
	{ "disk image", VMFORM_IMAGE },
	{ "cdrom image", VMFORM_ISO },
	{ "firmware", VMFORM_FIRMWARE },
	{ "boot", VMFORM_BOOT },
};

int vmform_field_of_message(const char *message)
{
	size_t i;

	for (i = 0; message && i < sizeof(message_fields) / sizeof(message_fields[0]); i++)
		if (!strncmp(message, message_fields[i].prefix, strlen(message_fields[i].prefix)))
			return message_fields[i].field;
	return -1;
}
