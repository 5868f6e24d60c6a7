/*
 * Tests of the console's create/edit VM form (tui/vmform*.c).  Key
 * sequences go into form_key() as the console would pass them; the
 * outcome is read from form_args() (compared as JSON with what vm.create
 * and vm.edit take), from the messages each field shows (the words of
 * common/validate.h and croftd), and from the screen: the form is drawn
 * into pads and a derived window under newterm() on /dev/null at 80x20,
 * 80x24 and 200x60 and read back cell by cell.  Paths refer to files made
 * under mkdtemp().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "tests/unit/testlib_tui.h"
#include "tui/form.h"
#include "tui/vmform.h"
#include "tui/vmform_cloudinit.h"

#include <crypt.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];
static char iso[512], image[512], other_iso[512];

static int touch(const char *path, off_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, size) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int files_setup(void **state)
{
	char tmpl[] = "/tmp/croft-vmform-XXXXXX", real[PATH_MAX];

	(void)state;
	if (!mkdtemp(tmpl) || !realpath(tmpl, real) || strlen(real) >= sizeof(dir))
		return -1;
	memcpy(dir, real, strlen(real) + 1);
	snprintf(iso, sizeof(iso), "%s/debian.iso", dir);
	snprintf(other_iso, sizeof(other_iso), "%s/other.iso", dir);
	snprintf(image, sizeof(image), "%s/disk.qcow2", dir);
	if (touch(iso, 4096) < 0 || touch(other_iso, 4096) < 0 || touch(image, 1 << 20) < 0)
		return -1;
	return 0;
}

static int files_teardown(void **state)
{
	(void)state;
	return tl_rmtree(dir);
}

/* --- helpers ----------------------------------------------------------------- */

static int focus_of(const struct form *f)
{
	return (int)form_focus(f);
}

static void expect_no_messages(const struct form *f)
{
	int i;

	for (i = 0; i < VMFORM_NFIELDS; i++)
		if (form_message(f, i))
			fail_msg("field %s shows '%s'", vmform_fields[i].label, form_message(f, i));
}

/* Enter must refuse, focus id and show msg there. */
static void expect_refused(struct form *f, int id, const char *msg)
{
	json_t *a;

	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	assert_int_equal(focus_of(f), id);
	tl_form_expect_msg(f, id, msg);
	a = form_args(f);
	assert_null(a);
}

/* --- create: defaults and good input ------------------------------------------ */

static void test_create_defaults(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);

	(void)state;
	assert_false(vmform_is_edit(f));
	assert_int_equal(focus_of(f), VMFORM_NAME);
	assert_string_equal(form_text(f, VMFORM_VCPUS), "1");
	assert_string_equal(form_text(f, VMFORM_MEMORY), "1G");
	assert_string_equal(form_text(f, VMFORM_MEMORY_MIN), "");
	assert_string_equal(form_text(f, VMFORM_DISK_SIZE), "8G");
	/* The empty name says nothing until a submit. */
	expect_no_messages(f);
	tl_form_keys(f, "web");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024,"
		       "\"disks\":[{\"size_bytes\":8589934592}],\"firmware\":\"bios\"}");
	form_free(f);
}

static void test_create_everything(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);
	char want[2048];

	(void)state;
	tl_form_keys(f, "db-1.lan");
	tl_form_retype(f, VMFORM_VCPUS, "2");
	tl_form_retype(f, VMFORM_MEMORY, "2048");          /* a bare number is MiB */
	tl_form_retype(f, VMFORM_MEMORY_MIN, "512M");
	tl_form_retype(f, VMFORM_DISK_SIZE, "20G");
	tl_form_retype(f, VMFORM_ISO, iso);
	tl_form_focus(f, VMFORM_FIRMWARE);
	form_key(f, ' ');
	tl_form_focus(f, VMFORM_BOOT);
	form_key(f, KEY_RIGHT);                     /* disk */
	form_key(f, KEY_RIGHT);                     /* cdrom */
	form_key(f, ' ');                           /* cdrom,disk */
	expect_no_messages(f);
	assert_int_equal(form_key(f, KEY_ENTER), FORM_SUBMIT);
	snprintf(want, sizeof(want),
		 "{\"name\":\"db-1.lan\",\"vcpus\":2,\"memory_mib\":2048,\"memory_min_mib\":512,"
		 "\"disks\":[{\"size_bytes\":21474836480}],\"cdrom\":\"%s\",\"firmware\":\"uefi\","
		 "\"boot\":\"cdrom,disk\"}", iso);
	tl_form_expect_args(f, want);
	form_free(f);
}


/* The first NIC: the first network by default; its vm.nic.add rides
 * along as "_then", which the console starts once the VM exists. */
static void test_create_with_network(void **state)
{
	static const char *const nets[] = { "lan", "lab" };
	struct form *f = vmform_new_create(nets, 2);
	json_t *a;

	(void)state;
	assert_string_equal(form_choice(f, VMFORM_NETWORK, form_chosen(f, VMFORM_NETWORK)), "lan");
	tl_form_keys(f, "web");
	tl_form_focus(f, VMFORM_NETWORK);
	form_key(f, KEY_RIGHT);                    /* lab */
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024,"
		       "\"disks\":[{\"size_bytes\":8589934592}],\"firmware\":\"bios\","
		       "\"_then\":{\"op\":\"vm.nic.add\",\"args\":{\"name\":\"web\",\"net\":\"lab\"},"
		       "\"progress\":\"Adding web's NIC on lab\",\"done\":\"web has a NIC on lab\"}}");
	/* none: no second step */
	tl_form_focus(f, VMFORM_NETWORK);
	form_key(f, KEY_HOME);
	form_set_choice(f, VMFORM_NETWORK, 0);
	a = form_args(f);
	assert_null(json_object_get(a, "_then"));
	json_decref(a);
	form_free(f);
}

/* Direct boot: kernel, initrd and args; the boot order then does not
 * apply; initrd and args need a kernel. */
static void test_create_direct_boot(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);
	char want[2048];

	(void)state;
	tl_form_keys(f, "k");
	tl_form_retype(f, VMFORM_DISK_SIZE, "");
	tl_form_retype(f, VMFORM_APPEND, "console=ttyS0");
	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	assert_int_equal(focus_of(f), VMFORM_BOOT);     /* disk, but no disk: the first refusal */
	tl_form_retype(f, VMFORM_KERNEL, image);
	assert_false(form_active(f, VMFORM_BOOT));
	assert_null(form_message(f, VMFORM_APPEND));
	tl_form_retype(f, VMFORM_INITRD, iso);
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	snprintf(want, sizeof(want), "{\"name\":\"k\",\"vcpus\":1,\"memory_mib\":1024,"
		 "\"firmware\":\"bios\",\"kernel\":\"%s\",\"initrd\":\"%s\",\"append\":\"console=ttyS0\"}",
		 image, iso);
	tl_form_expect_args(f, want);
	tl_form_retype(f, VMFORM_KERNEL, "");
	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	assert_string_equal(form_message(f, VMFORM_INITRD), "initrd needs a kernel (--kernel)");
	form_free(f);
}

static void test_create_with_existing_image(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);
	char want[1024];

	(void)state;
	tl_form_keys(f, "imported");
	tl_form_retype(f, VMFORM_DISK_SIZE, "");
	tl_form_retype(f, VMFORM_IMAGE, image);
	tl_form_retype(f, VMFORM_MEMORY_MIN, "0");         /* no floor */
	assert_int_equal(form_key(f, '\r'), FORM_SUBMIT);
	snprintf(want, sizeof(want),
		 "{\"name\":\"imported\",\"vcpus\":1,\"memory_mib\":1024,\"memory_min_mib\":0,"
		 "\"disks\":[{\"path\":\"%s\"}],\"firmware\":\"bios\"}", image);
	tl_form_expect_args(f, want);
	form_free(f);
}

static void test_create_iso_only_boots_cdrom_by_default(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);
	char want[1024], label[96];

	(void)state;
	tl_form_keys(f, "live");
	tl_form_retype(f, VMFORM_DISK_SIZE, "");
	assert_string_equal(form_choice_label(f, VMFORM_BOOT, 0, label, sizeof(label)),
			    "default (disk)");
	tl_form_retype(f, VMFORM_ISO, iso);
	assert_string_equal(form_choice_label(f, VMFORM_BOOT, 0, label, sizeof(label)),
			    "default (cdrom)");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	snprintf(want, sizeof(want), "{\"name\":\"live\",\"vcpus\":1,\"memory_mib\":1024,"
		 "\"cdrom\":\"%s\",\"firmware\":\"bios\"}", iso);
	tl_form_expect_args(f, want);
	form_free(f);
}

/* --- create: refused input ------------------------------------------------------ */

static void test_empty_name_on_submit(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);

	(void)state;
	tl_form_focus(f, VMFORM_MEMORY);
	expect_refused(f, VMFORM_NAME, "VM name is empty");
	form_free(f);
}

/* Each field's checks as typed, in the API's words. */
static void test_field_checks(void **state)
{
	static const struct tl_form_case cases[] = {
		{ VMFORM_NAME, "my vm",
		  "VM name 'my vm' contains ' '; use letters, digits, '-', '_' and '.'" },
		{ VMFORM_NAME, "-web", "VM name '-web' must start with a letter or a digit" },
		{ VMFORM_NAME, "a123456789012345678901234567890123456789012345678901234567890123",
		  "VM name 'a1234567890123456789...' is 64 characters long; the limit is 63" },
		{ VMFORM_NAME, "web", NULL },
		{ VMFORM_VCPUS, "two", "vcpus needs a number, got 'two'" },
		{ VMFORM_VCPUS, "0", "vcpus must be between 1 and 255, not 0" },
		{ VMFORM_VCPUS, "256", "vcpus must be between 1 and 255, not 256" },
		{ VMFORM_VCPUS, "4", NULL },
		{ VMFORM_MEMORY, "8M", "memory must be between 16M and 16T, not 8M" },
		{ VMFORM_MEMORY, "1.5G", "memory: size '1.5G' has an unknown unit '.5G'; use K, M, G or T" },
		{ VMFORM_MEMORY, "G", "memory: size 'G' must start with a digit (e.g. 512M, 2G)" },
		{ VMFORM_MEMORY, "1000K", "memory: size '1000K' is not a whole number of MiB" },
		{ VMFORM_MEMORY, "64m", NULL },
		{ VMFORM_DISK_SIZE, "1000B", "disk size must be between 1M and 64T, not 1000B" },
		{ VMFORM_DISK_SIZE, "100T", "disk size must be between 1M and 64T, not 100T" },
		{ VMFORM_DISK_SIZE, "ten", "disk size: size 'ten' must start with a digit (e.g. 512M, 2G)" },
		{ VMFORM_DISK_SIZE, "512", NULL },
	};
	struct form *f = vmform_new_create(NULL, 0);

	(void)state;
	tl_form_cases(f, cases, sizeof(cases) / sizeof(cases[0]));
	/* Fixing a field clears its message. */
	tl_form_keys(f, "x");
	tl_form_expect_msg(f, VMFORM_DISK_SIZE, "disk size: size '512x'");
	form_key(f, KEY_BACKSPACE);
	assert_null(form_message(f, VMFORM_DISK_SIZE));
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"name\":\"web\",\"vcpus\":4,\"memory_mib\":64,"
			       "\"disks\":[{\"size_bytes\":536870912}],\"firmware\":\"bios\"}");
	form_free(f);
}

/* Enter refuses an invalid field: it gets the focus and says why; an
 * empty required field says so only then. */
static void test_refused_on_enter(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);

	(void)state;
	tl_form_keys(f, "my vm");
	tl_form_focus(f, VMFORM_BOOT);
	expect_refused(f, VMFORM_NAME,
		       "VM name 'my vm' contains ' '; use letters, digits, '-', '_' and '.'");
	tl_form_retype(f, VMFORM_NAME, "web");
	tl_form_retype(f, VMFORM_VCPUS, "256");
	tl_form_focus(f, VMFORM_NAME);
	expect_refused(f, VMFORM_VCPUS, "vcpus must be between 1 and 255, not 256");
	tl_form_retype(f, VMFORM_VCPUS, "");
	expect_refused(f, VMFORM_VCPUS, "vcpus needs a number (1-255)");
	tl_form_retype(f, VMFORM_VCPUS, "1");
	tl_form_retype(f, VMFORM_MEMORY, "");
	expect_refused(f, VMFORM_MEMORY, "memory needs a size (e.g. 1G)");
	tl_form_retype(f, VMFORM_MEMORY, "1G");
	tl_form_retype(f, VMFORM_DISK_SIZE, "ten");
	expect_refused(f, VMFORM_DISK_SIZE, "disk size: size 'ten' must start with a digit");
	tl_form_retype(f, VMFORM_DISK_SIZE, "8G");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	form_free(f);
}

static void test_min_memory(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);

	(void)state;
	tl_form_keys(f, "web");
	tl_form_retype(f, VMFORM_MEMORY, "64M");
	tl_form_retype(f, VMFORM_MEMORY_MIN, "128M");
	tl_form_expect_msg(f, VMFORM_MEMORY_MIN, "memory-min (128M) is above memory (64M)");
	assert_null(form_message(f, VMFORM_MEMORY));
	tl_form_focus(f, VMFORM_NAME);
	expect_refused(f, VMFORM_MEMORY_MIN, "memory-min (128M) is above memory (64M)");
	tl_form_retype(f, VMFORM_MEMORY_MIN, "8M");
	tl_form_expect_msg(f, VMFORM_MEMORY_MIN, "memory-min must be at least 16M, not 8M");
	/* Raising memory fixes an earlier floor: messages follow every key. */
	tl_form_retype(f, VMFORM_MEMORY_MIN, "128M");
	tl_form_retype(f, VMFORM_MEMORY, "256M");
	assert_null(form_message(f, VMFORM_MEMORY_MIN));
	/* A bad memory leaves the floor judged on its own. */
	tl_form_retype(f, VMFORM_MEMORY, "x");
	assert_null(form_message(f, VMFORM_MEMORY_MIN));
	tl_form_retype(f, VMFORM_MEMORY, "256M");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":256,\"memory_min_mib\":128,"
		       "\"disks\":[{\"size_bytes\":8589934592}],\"firmware\":\"bios\"}");
	form_free(f);
}

static void test_disk_and_image_both(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);

	(void)state;
	tl_form_keys(f, "web");
	tl_form_retype(f, VMFORM_IMAGE, image);          /* Disk size still 8G */
	tl_form_expect_msg(f, VMFORM_IMAGE, "give a disk size or an existing image, not both");
	tl_form_focus(f, VMFORM_NAME);
	expect_refused(f, VMFORM_IMAGE, "give a disk size or an existing image, not both");
	tl_form_retype(f, VMFORM_DISK_SIZE, "");
	assert_null(form_message(f, VMFORM_IMAGE));
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	form_free(f);
}

static void test_paths(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);
	char msg[1024], path[600];

	(void)state;
	tl_form_keys(f, "web");
	tl_form_retype(f, VMFORM_ISO, "debian.iso");
	tl_form_expect_msg(f, VMFORM_ISO, "cdrom image path 'debian.iso' must be absolute");
	tl_form_focus(f, VMFORM_NAME);
	expect_refused(f, VMFORM_ISO, "cdrom image path 'debian.iso' must be absolute");
	snprintf(path, sizeof(path), "%s/nope.iso", dir);
	tl_form_retype(f, VMFORM_ISO, path);
	snprintf(msg, sizeof(msg), "cdrom image '%s' does not exist", path);
	tl_form_expect_msg(f, VMFORM_ISO, msg);
	tl_form_retype(f, VMFORM_ISO, dir);
	snprintf(msg, sizeof(msg), "cdrom image '%s' is not a regular file", dir);
	tl_form_expect_msg(f, VMFORM_ISO, msg);
	snprintf(path, sizeof(path), "%s/debian.iso/x", dir);
	tl_form_retype(f, VMFORM_ISO, path);
	snprintf(msg, sizeof(msg), "cdrom image '%s' does not exist", path);
	tl_form_expect_msg(f, VMFORM_ISO, msg);
	tl_form_retype(f, VMFORM_ISO, "");
	tl_form_retype(f, VMFORM_DISK_SIZE, "");
	tl_form_retype(f, VMFORM_IMAGE, "disk.qcow2");
	tl_form_expect_msg(f, VMFORM_IMAGE, "disk image path 'disk.qcow2' must be absolute");
	tl_form_retype(f, VMFORM_IMAGE, image);
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	form_free(f);
}

static void test_boot_order_rules(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);
	char label[96];

	(void)state;
	tl_form_keys(f, "web");
	/* Nothing to boot: croftd's default order names a disk that is not there. */
	tl_form_retype(f, VMFORM_DISK_SIZE, "");
	tl_form_expect_msg(f, VMFORM_BOOT, "boot order 'disk' names disk but the VM has no disk "
			"(give it a disk, or boot from a cdrom or a kernel)");
	tl_form_retype(f, VMFORM_DISK_SIZE, "8G");
	assert_null(form_message(f, VMFORM_BOOT));
	tl_form_focus(f, VMFORM_BOOT);
	form_key(f, KEY_LEFT);                    /* wraps to disk,cdrom */
	assert_string_equal(form_choice_label(f, VMFORM_BOOT, form_nchoices(f, VMFORM_BOOT) - 1,
						label, sizeof(label)), "disk,cdrom");
	tl_form_expect_msg(f, VMFORM_BOOT, "boot order 'disk,cdrom' names cdrom but the VM has no cdrom image");
	tl_form_focus(f, VMFORM_NAME);
	expect_refused(f, VMFORM_BOOT, "boot order 'disk,cdrom' names cdrom but the VM has no cdrom image");
	tl_form_retype(f, VMFORM_ISO, iso);
	assert_null(form_message(f, VMFORM_BOOT));
	/* Firmware cycles both ways, and other keys leave choices alone. */
	tl_form_focus(f, VMFORM_FIRMWARE);
	form_key(f, KEY_LEFT);
	form_key(f, 'x');
	form_key(f, KEY_BACKSPACE);
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	{
		json_t *a = form_args(f);

		assert_string_equal(json_string_value(json_object_get(a, "firmware")), "uefi");
		assert_string_equal(json_string_value(json_object_get(a, "boot")), "disk,cdrom");
		json_decref(a);
	}
	form_free(f);
}

/* --- text editing and navigation ------------------------------------------------- */

static void test_text_editing(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);

	(void)state;
	tl_form_keys(f, "wb");
	form_key(f, KEY_LEFT);
	tl_form_keys(f, "e");
	assert_string_equal(form_text(f, VMFORM_NAME), "web");
	form_key(f, KEY_HOME);
	form_key(f, KEY_DC);
	assert_string_equal(form_text(f, VMFORM_NAME), "eb");
	form_key(f, 4);                            /* Ctrl-D */
	assert_string_equal(form_text(f, VMFORM_NAME), "b");
	form_key(f, 1);                            /* Ctrl-A */
	tl_form_keys(f, "n");
	form_key(f, KEY_END);
	form_key(f, KEY_RIGHT);
	tl_form_keys(f, "!");
	form_key(f, 127);
	tl_form_keys(f, "-2");
	assert_string_equal(form_text(f, VMFORM_NAME), "nb-2");
	form_key(f, KEY_LEFT);
	form_key(f, KEY_LEFT);
	form_key(f, 11);                           /* Ctrl-K */
	assert_string_equal(form_text(f, VMFORM_NAME), "nb");
	form_key(f, 8);                            /* Ctrl-H */
	form_key(f, 5);                            /* Ctrl-E */
	tl_form_keys(f, "x");
	assert_string_equal(form_text(f, VMFORM_NAME), "nx");
	form_key(f, KEY_LEFT);
	form_key(f, 21);                           /* Ctrl-U: to the start */
	assert_string_equal(form_text(f, VMFORM_NAME), "x");
	/* Only printable ASCII is typed: not control bytes, not other
	 * characters, not function keys. */
	form_key(f, 2);
	form_key(f, 0xe9);
	form_key(f, 0x263a);
	form_key(f, KEY_F(5));
	form_key(f, KEY_RESIZE);
	form_key(f, KEY_HOME);
	form_key(f, KEY_BACKSPACE);                /* nothing before the cursor */
	assert_string_equal(form_text(f, VMFORM_NAME), "x");
	form_free(f);
}

static void test_long_text_is_bounded(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);
	int i;

	(void)state;
	tl_form_focus(f, VMFORM_ISO);
	form_key(f, '/');
	for (i = 0; i < FORM_TEXT_MAX + 100; i++)
		form_key(f, 'a');
	assert_int_equal(strlen(form_text(f, VMFORM_ISO)), FORM_TEXT_MAX - 1);
	assert_non_null(form_message(f, VMFORM_ISO));
	form_free(f);
}

static void test_focus_moves_and_cancel(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);
	int i;

	(void)state;
	for (i = 1; i < VMFORM_NFIELDS; i++) {
		form_key(f, i % 2 ? '\t' : KEY_DOWN);
		assert_int_equal(focus_of(f), i);
	}
	form_key(f, '\t');
	assert_int_equal(focus_of(f), VMFORM_NAME);
	form_key(f, KEY_BTAB);
	assert_int_equal(focus_of(f), VMFORM_APPEND);
	form_key(f, KEY_UP);
	assert_int_equal(focus_of(f), VMFORM_INITRD);
	assert_int_equal(form_key(f, 27), FORM_CANCEL);
	form_free(f);
}

/* --- croftd's refusals ----------------------------------------------------------- */

/* croftd refuses: its message shows, the input stays, and the field the
 * message is about gets the focus. */
static void test_server_error(void **state)
{
	static const struct {
		const char *msg;
		long field;
	} cases[] = {
		{ "a VM named 'web' already exists", VMFORM_NAME },
		{ "firmware uefi needs OVMF, which is not installed (package ovmf)", VMFORM_FIRMWARE },
		{ "memory (976.6G) exceeds the host's total memory (23.5G)", VMFORM_MEMORY },
		{ "memory-min must be at least 16M, not 8M", VMFORM_MEMORY_MIN },
		{ "vcpus (3) exceeds the host's 2 CPUs", VMFORM_VCPUS },
		{ "boot device 'net' is unknown; use disk and/or cdrom", VMFORM_BOOT },
		{ "cdrom image '/x.iso' is not readable: Permission denied", VMFORM_ISO },
		{ "disk image /p/web-disk0.qcow2 already exists in the pool", VMFORM_IMAGE },
		{ "disks[0]: size_bytes must be a number", VMFORM_DISK_SIZE },
		{ "cannot run qemu-img: No such file or directory", -1 },
	};
	struct form *f = vmform_new_create(NULL, 0);
	json_t *a;
	size_t i;

	(void)state;
	tl_form_keys(f, "web");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_focus(f, VMFORM_FIRMWARE);
	form_set_error(f, cases[0].msg);
	assert_string_equal(form_server_error(f), cases[0].msg);
	assert_int_equal(focus_of(f), VMFORM_NAME);
	/* The input stays, and is still good to send. */
	a = form_args(f);
	assert_non_null(a);
	json_decref(a);
	/* A message about nothing in particular leaves the focus. */
	form_set_error(f, cases[sizeof(cases) / sizeof(cases[0]) - 1].msg);
	assert_int_equal(focus_of(f), VMFORM_NAME);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (form_field_of_message(f, cases[i].msg) != cases[i].field)
			fail_msg("'%s': field %ld, wanted %ld", cases[i].msg,
				 form_field_of_message(f, cases[i].msg), cases[i].field);
	form_free(f);
}

/* --- the file picker from the form ---------------------------------------------- */

static void test_picker_fills_the_field(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);
	char start[600], want[1024];

	(void)state;
	tl_form_keys(f, "web");
	/* F3 on a field that is not a path does nothing. */
	form_key(f, KEY_F(3));
	assert_null(form_picker(f));
	snprintf(start, sizeof(start), "%s/", dir);
	tl_form_retype(f, VMFORM_ISO, start);
	assert_int_equal(form_key(f, KEY_F(3)), FORM_CONTINUE);
	assert_non_null(form_picker(f));
	assert_string_equal(picker_dir(form_picker(f)), dir);
	/* Keys go to the picker now: Esc closes it, not the form. */
	assert_int_equal(form_key(f, 27), FORM_CONTINUE);
	assert_null(form_picker(f));
	assert_int_equal(form_key(f, 15), FORM_CONTINUE);       /* Ctrl-O */
	assert_non_null(form_picker(f));
	tl_form_keys(f, "o");                                               /* other.iso */
	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	assert_null(form_picker(f));
	assert_string_equal(form_text(f, VMFORM_ISO), other_iso);
	assert_int_equal(focus_of(f), VMFORM_ISO);
	/* Opening again starts at the chosen file. */
	form_key(f, KEY_F(3));
	assert_string_equal(picker_entry_at(form_picker(f), picker_selected(form_picker(f)))->name,
			    "other.iso");
	form_key(f, 27);
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	snprintf(want, sizeof(want), "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024,"
		 "\"disks\":[{\"size_bytes\":8589934592}],\"cdrom\":\"%s\",\"firmware\":\"bios\"}",
		 other_iso);
	tl_form_expect_args(f, want);
	/* The image picker lists images. */
	tl_form_retype(f, VMFORM_DISK_SIZE, "");
	tl_form_retype(f, VMFORM_IMAGE, image);
	form_key(f, KEY_F(3));
	assert_int_equal(picker_get_kind(form_picker(f)), PICKER_IMAGE);
	form_free(f);                                             /* with the picker open */
}

/* --- edit ------------------------------------------------------------------------- */

static json_t *vm_json(const char *extra_fmt, ...)
{
	char extra[1024], buf[4096];
	json_error_t jerr;
	va_list ap;
	json_t *vm;

	va_start(ap, extra_fmt);
	vsnprintf(extra, sizeof(extra), extra_fmt, ap);
	va_end(ap);
	snprintf(buf, sizeof(buf),
		 "{\"name\":\"web\",\"uuid\":\"u\",\"state\":\"stopped\",\"state_reason\":\"created\","
		 "\"vcpus\":2,\"memory_mib\":1024,\"memory_min_mib\":1024,\"firmware\":\"bios\","
		 "\"boot\":\"cdrom,disk\",\"created\":1,\"memory_actual_mib\":null,\"cdrom\":\"%s\","
		 "\"kernel\":null,\"initrd\":null,\"append\":null,\"pid\":null,\"uptime_s\":null,"
		 "\"disks\":[{\"index\":0,\"path\":\"/var/lib/croft/pools/default/web-disk0.qcow2\","
		 "\"format\":\"qcow2\",\"size_bytes\":8589934592,\"allocated_bytes\":0,\"owned\":true}]}",
		 iso);
	vm = json_loads(buf, 0, &jerr);
	assert_non_null(vm);
	if (*extra) {
		json_t *more = json_loads(extra, 0, &jerr);

		assert_non_null(more);
		json_object_update(vm, more);
		json_decref(more);
	}
	return vm;
}

static struct form *edit_form(const char *extra)
{
	json_t *vm = vm_json("%s", extra);
	struct form *f = vmform_new_edit(vm);

	json_decref(vm);                /* borrowed: the form keeps nothing of it */
	assert_non_null(f);
	return f;
}

/* Editing a VM that boots a kernel shows and edits its kernel fields, not
 * a boot order; its network is shown, not edited. */
static void test_edit_direct_boot(void **state)
{
	char extra[1024];
	struct form *f;

	(void)state;
	snprintf(extra, sizeof(extra), "{\"kernel\":\"%s\",\"initrd\":null,\"append\":\"quiet\","
		 "\"nics\":[{\"net\":\"lan\",\"mac\":\"52:54:00:00:00:01\"}]}", image);
	f = edit_form(extra);
	assert_string_equal(form_text(f, VMFORM_KERNEL), image);
	assert_string_equal(form_text(f, VMFORM_APPEND), "quiet");
	assert_false(form_active(f, VMFORM_BOOT));
	assert_string_equal(form_choice(f, VMFORM_NETWORK, form_chosen(f, VMFORM_NETWORK)), "lan");
	tl_form_retype(f, VMFORM_APPEND, "console=ttyS0 quiet");
	tl_form_retype(f, VMFORM_INITRD, iso);
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	snprintf(extra, sizeof(extra), "{\"name\":\"web\",\"initrd\":\"%s\",\"append\":\"console=ttyS0 quiet\"}",
		 iso);
	tl_form_expect_args(f, extra);
	form_free(f);
}

static void test_edit_prefill_and_nothing_changed(void **state)
{
	struct form *f = edit_form("");
	char label[96];

	(void)state;
	assert_true(vmform_is_edit(f));
	assert_string_equal(form_text(f, VMFORM_NAME), "web");
	assert_string_equal(form_text(f, VMFORM_VCPUS), "2");
	assert_string_equal(form_text(f, VMFORM_MEMORY), "1G");
	assert_string_equal(form_text(f, VMFORM_MEMORY_MIN), "");
	assert_string_equal(form_text(f, VMFORM_DISK_SIZE), "8G");
	assert_string_equal(form_text(f, VMFORM_ISO), iso);
	assert_string_equal(form_choice_label(f, VMFORM_BOOT, form_chosen(f, VMFORM_BOOT),
						label, sizeof(label)), "cdrom,disk");
	/* Name and disks are shown, not editable; focus starts at vCPUs. */
	assert_false(form_active(f, VMFORM_NAME));
	assert_false(form_active(f, VMFORM_DISK_SIZE));
	assert_false(form_active(f, VMFORM_IMAGE));
	assert_int_equal(focus_of(f), VMFORM_VCPUS);
	expect_no_messages(f);
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"name\":\"web\"}");
	form_free(f);
}

static void test_edit_only_changed_fields(void **state)
{
	struct form *f = edit_form("");
	int i;

	(void)state;
	/* Tab never lands on the fixed fields. */
	for (i = 0; i < 2 * VMFORM_NFIELDS; i++) {
		form_key(f, '\t');
		assert_true(form_active(f, focus_of(f)));
	}
	tl_form_retype(f, VMFORM_VCPUS, "4");
	tl_form_retype(f, VMFORM_MEMORY, "2G");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	/* The floor was all of memory and follows it: not sent. */
	tl_form_expect_args(f, "{\"name\":\"web\",\"vcpus\":4,\"memory_mib\":2048}");
	/* The same value spelled differently is no change. */
	tl_form_retype(f, VMFORM_MEMORY, "1024M");
	tl_form_retype(f, VMFORM_VCPUS, "2");
	tl_form_expect_args(f, "{\"name\":\"web\"}");
	/* A floor of 1G under a new 2G memory must be sent: vm.edit would
	 * otherwise raise it with memory. */
	tl_form_retype(f, VMFORM_MEMORY, "2G");
	tl_form_retype(f, VMFORM_MEMORY_MIN, "1G");
	tl_form_expect_args(f, "{\"name\":\"web\",\"memory_mib\":2048,\"memory_min_mib\":1024}");
	tl_form_retype(f, VMFORM_MEMORY_MIN, "");
	tl_form_retype(f, VMFORM_MEMORY, "1G");
	tl_form_focus(f, VMFORM_FIRMWARE);
	form_key(f, ' ');
	tl_form_focus(f, VMFORM_BOOT);
	form_key(f, ' ');                         /* disk,cdrom */
	tl_form_expect_args(f, "{\"name\":\"web\",\"firmware\":\"uefi\",\"boot\":\"disk,cdrom\"}");
	/* On an edit form the boot order cycles among real orders only. */
	form_key(f, ' ');
	assert_int_equal(form_chosen(f, VMFORM_BOOT), 1);
	form_free(f);
}

static void test_edit_floor(void **state)
{
	struct form *f = edit_form("{\"memory_min_mib\":512}");

	(void)state;
	assert_string_equal(form_text(f, VMFORM_MEMORY_MIN), "512M");
	tl_form_retype(f, VMFORM_MEMORY, "2G");
	tl_form_expect_args(f, "{\"name\":\"web\",\"memory_mib\":2048}");
	/* Emptied, the floor becomes "the same as memory". */
	tl_form_retype(f, VMFORM_MEMORY_MIN, "");
	tl_form_expect_args(f, "{\"name\":\"web\",\"memory_mib\":2048,\"memory_min_mib\":2048}");
	tl_form_retype(f, VMFORM_MEMORY_MIN, "4G");
	tl_form_expect_msg(f, VMFORM_MEMORY_MIN, "memory-min (4096M) is above memory (2048M)");
	form_free(f);
	f = edit_form("{\"memory_min_mib\":0}");
	assert_string_equal(form_text(f, VMFORM_MEMORY_MIN), "0");
	tl_form_expect_args(f, "{\"name\":\"web\"}");
	form_free(f);
}

static void test_edit_cdrom(void **state)
{
	struct form *f = edit_form("");
	char want[1024], label[96];

	(void)state;
	/* Ejecting: cdrom null, and the order is left to vm.edit, which drops
	 * the cdrom from it. */
	tl_form_retype(f, VMFORM_ISO, "");
	expect_no_messages(f);
	tl_form_expect_args(f, "{\"name\":\"web\",\"cdrom\":null}");
	assert_string_equal(vmform_boot(f), "disk");
	tl_form_retype(f, VMFORM_ISO, other_iso);
	snprintf(want, sizeof(want), "{\"name\":\"web\",\"cdrom\":\"%s\"}", other_iso);
	tl_form_expect_args(f, want);
	tl_form_retype(f, VMFORM_ISO, "relative.iso");
	tl_form_expect_msg(f, VMFORM_ISO, "cdrom image path 'relative.iso' must be absolute");
	form_free(f);

	/* A stored ISO that has gone is not judged until it is changed, as
	 * vm.edit only checks a cdrom it is given. */
	f = edit_form("{\"cdrom\":\"/nonexistent/croft.iso\",\"boot\":\"disk\"}");
	expect_no_messages(f);
	tl_form_expect_args(f, "{\"name\":\"web\"}");
	assert_string_equal(form_choice_label(f, VMFORM_BOOT, 0, label, sizeof(label)),
			    "as now (disk)");
	form_free(f);

	/* No disk, no cdrom, no kernel: "disk" cannot boot. */
	f = edit_form("{\"cdrom\":null,\"boot\":\"cdrom\",\"disks\":[]}");
	tl_form_expect_msg(f, VMFORM_BOOT, "boot order 'disk' names disk but the VM has no disk "
			"(give it a disk, or boot from a cdrom or a kernel)");
	form_free(f);
	f = edit_form("{\"cdrom\":null,\"boot\":\"disk\",\"disks\":[],\"kernel\":\"/boot/vmlinuz\"}");
	expect_no_messages(f);
	form_free(f);
}

static void test_edit_running_vm_changes_memory_only(void **state)
{
	struct form *f = edit_form("{\"state\":\"running\",\"pid\":4242}");
	int i;

	(void)state;
	for (i = 0; i < VMFORM_NFIELDS; i++)
		assert_int_equal(form_active(f, i), i == VMFORM_MEMORY || i == VMFORM_MEMORY_MIN ||
				 i == VMFORM_SHARES);
	assert_int_equal(focus_of(f), VMFORM_MEMORY);
	form_key(f, '\t');
	assert_int_equal(focus_of(f), VMFORM_MEMORY_MIN);
	form_key(f, '\t');
	assert_int_equal(focus_of(f), VMFORM_SHARES);
	form_key(f, '\t');
	assert_int_equal(focus_of(f), VMFORM_MEMORY);
	form_key(f, KEY_F(3));
	assert_null(form_picker(f));
	tl_form_retype(f, VMFORM_MEMORY, "512M");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"name\":\"web\",\"memory_mib\":512}");
	form_free(f);
	/* Starting counts as running; a crashed VM without QEMU does not. */
	f = edit_form("{\"state\":\"starting\"}");
	assert_false(form_active(f, VMFORM_VCPUS));
	form_free(f);
	f = edit_form("{\"state\":\"crashed\"}");
	assert_true(form_active(f, VMFORM_VCPUS));
	form_free(f);
}

/* Memory shares and KSM: checked with vm.edit's range; a create form that
 * changes them sends a vm.edit once the VM exists (after its NIC). */
static void test_shares_and_ksm(void **state)
{
	static const char *const nets[] = { "lan" };
	struct form *f = vmform_new_create(nets, 1);
	json_t *a;

	(void)state;
	assert_string_equal(form_text(f, VMFORM_SHARES), "1000");
	assert_string_equal(form_choice(f, VMFORM_KSM, form_chosen(f, VMFORM_KSM)), "on");
	tl_form_keys(f, "web");
	tl_form_retype(f, VMFORM_SHARES, "0");
	tl_form_expect_msg(f, VMFORM_SHARES, "memory-shares must be between 1 and 50000, not 0");
	tl_form_retype(f, VMFORM_SHARES, "50001");
	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	assert_int_equal(focus_of(f), VMFORM_SHARES);
	/* the defaults: no memory step */
	tl_form_retype(f, VMFORM_SHARES, "1000");
	a = form_args(f);
	assert_null(json_object_get(json_object_get(json_object_get(a, "_then"), "args"), "_then"));
	json_decref(a);
	tl_form_retype(f, VMFORM_SHARES, "2500");
	tl_form_focus(f, VMFORM_KSM);
	form_key(f, ' ');
	tl_form_expect_args(f, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024,"
		       "\"disks\":[{\"size_bytes\":8589934592}],\"firmware\":\"bios\","
		       "\"_then\":{\"op\":\"vm.nic.add\",\"args\":{\"name\":\"web\",\"net\":\"lan\","
		       "\"_then\":{\"op\":\"vm.edit\",\"args\":{\"name\":\"web\",\"memory_shares\":2500,"
		       "\"ksm\":\"off\"},\"progress\":\"Setting web's memory shares and KSM\","
		       "\"done\":\"web has memory shares 2500, KSM off\"}},"
		       "\"progress\":\"Adding web's NIC on lan\",\"done\":\"web has a NIC on lan\"}}");
	/* no network: the memory step is the first */
	form_set_choice(f, VMFORM_NETWORK, 0);
	a = form_args(f);
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "_then"), "op")),
			    "vm.edit");
	json_decref(a);
	form_free(f);

	/* an edit form shows them and sends what changed */
	f = edit_form("{\"memory_shares\":300,\"ksm\":\"off\"}");
	assert_string_equal(form_text(f, VMFORM_SHARES), "300");
	assert_string_equal(form_choice(f, VMFORM_KSM, form_chosen(f, VMFORM_KSM)), "off");
	tl_form_expect_args(f, "{\"name\":\"web\"}");
	tl_form_retype(f, VMFORM_SHARES, "40000");
	tl_form_focus(f, VMFORM_KSM);
	form_key(f, ' ');
	tl_form_expect_args(f, "{\"name\":\"web\",\"memory_shares\":40000,\"ksm\":\"on\"}");
	form_free(f);
	/* running: shares change live, KSM does not */
	f = edit_form("{\"state\":\"running\",\"pid\":4242}");
	assert_true(form_active(f, VMFORM_SHARES));
	assert_false(form_active(f, VMFORM_KSM));
	tl_form_retype(f, VMFORM_SHARES, "10");
	tl_form_expect_args(f, "{\"name\":\"web\",\"memory_shares\":10}");
	form_free(f);
}

/* With croftd's pools known, the image and ISO pickers list pools and
 * their volumes; a chosen volume is its path, taken without reading it
 * (the pool's directory is croftd's). */
static void test_pool_pickers(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);
	const struct picker_entry *e;
	struct picker *p;

	(void)state;
	picker_pools_add("default", "/nonexistent/pools/default", 0);
	picker_pools_add("iso", "/nonexistent/pools/iso", 1);
	picker_pools_add("fast", "/nonexistent/fast", 0);
	picker_pools_add_volume("default", "data", 1 << 30, NULL);
	picker_pools_add_volume("default", "web-disk0.qcow2", 8LL << 30, "web");
	picker_pools_add_volume("iso", "debian.iso", 600 << 20, NULL);
	picker_pools_add_volume("iso", "notes.txt", 10, NULL);
	picker_pools_add_volume("nope", "x", 10, NULL);        /* no such pool: ignored */
	tl_form_keys(f, "web");

	/* the image picker opens in the default pool: every volume */
	tl_form_focus(f, VMFORM_IMAGE);
	form_key(f, KEY_F(3));
	p = form_picker(f);
	assert_non_null(p);
	assert_string_equal(picker_heading(p), "pool default: /nonexistent/pools/default");
	assert_int_equal(picker_count(p), 3);
	e = picker_entry_at(p, 2);
	assert_string_equal(e->name, "web-disk0.qcow2");
	assert_string_equal(e->note, "used by web");
	/* back up: the pools */
	form_key(f, KEY_BACKSPACE);
	assert_int_equal(picker_count(p), 3);
	assert_string_equal(picker_entry_at(p, picker_selected(p))->name, "default");
	assert_string_equal(picker_entry_at(p, 2)->note, "volumes, 0 files");
	form_key(f, KEY_HOME);
	form_key(f, '\n');                              /* default */
	form_key(f, KEY_DOWN);
	form_key(f, '\n');                              /* data */
	assert_null(form_picker(f));
	assert_string_equal(form_text(f, VMFORM_IMAGE), "/nonexistent/pools/default/data");
	tl_form_retype(f, VMFORM_DISK_SIZE, "");
	assert_null(form_message(f, VMFORM_IMAGE));

	/* the ISO picker opens in the iso pool: ISOs only */
	tl_form_focus(f, VMFORM_ISO);
	form_key(f, KEY_F(3));
	p = form_picker(f);
	assert_string_equal(picker_heading(p), "pool iso: /nonexistent/pools/iso");
	assert_int_equal(picker_count(p), 2);         /* "..", debian.iso */
	form_key(f, KEY_DOWN);
	form_key(f, '\n');
	assert_string_equal(form_text(f, VMFORM_ISO), "/nonexistent/pools/iso/debian.iso");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024,"
		       "\"disks\":[{\"path\":\"/nonexistent/pools/default/data\"}],"
		       "\"cdrom\":\"/nonexistent/pools/iso/debian.iso\",\"firmware\":\"bios\"}");
	/* a path in a pool croftd did not list is read as before */
	tl_form_retype(f, VMFORM_ISO, "/nonexistent/pools/iso/gone.iso");
	tl_form_expect_msg(f, VMFORM_ISO, "cdrom image '/nonexistent/pools/iso/gone.iso' does not exist");
	/* a picker started on a host path outside the pools browses files */
	p = picker_new(PICKER_ISO, iso);
	assert_false(strncmp(picker_heading(p), "pool ", 5) == 0);
	picker_free(p);
	picker_pools_clear();
	p = picker_new(PICKER_IMAGE, NULL);
	assert_false(strncmp(picker_heading(p) ? picker_heading(p) : "", "pool ", 5) == 0);
	picker_free(p);
	form_free(f);
}

static void test_edit_needs_a_vm(void **state)
{
	json_t *j = json_pack("{s:i}", "vcpus", 1), *s = json_string("web");

	(void)state;
	assert_null(vmform_new_edit(NULL));
	assert_null(vmform_new_edit(j));
	assert_null(vmform_new_edit(s));
	json_decref(j);
	json_decref(s);
}

/* --- drawing ---------------------------------------------------------------------- */

static void row_text(WINDOW *w, int y, char *buf, int n)
{
	if (mvwinnstr(w, y, 0, buf, n - 1) == ERR)
		buf[0] = '\0';
}

static int find_col(WINDOW *w, int y, const char *s)
{
	char buf[512], *p;

	row_text(w, y, buf, sizeof(buf));
	p = strstr(buf, s);
	return p ? (int)(p - buf) : -1;
}

static int is_acs(WINDOW *w, int y, int x, chtype acs)
{
	chtype c = mvwinch(w, y, x);

	return (c & (A_CHARTEXT | A_ALTCHARSET)) == (acs & (A_CHARTEXT | A_ALTCHARSET));
}

static void expect_labels_and_frame(WINDOW *w, const char *title)
{
	int i, ty, tx, h, wd, y;

	for (i = 0; i < VMFORM_NFIELDS; i++)
		if (tl_win_find(w, vmform_fields[i].label, NULL) < 0)
			fail_msg("label '%s' is not drawn", vmform_fields[i].label);
	/* The labels are in the table's order, one row each. */
	for (i = 1; i < VMFORM_NFIELDS; i++)
		assert_true(tl_win_find(w, vmform_fields[i].label, NULL) > tl_win_find(w, vmform_fields[i - 1].label, NULL));
	ty = tl_win_find(w, title, NULL);
	assert_true(ty >= 0);
	tx = find_col(w, ty, title);
	/* The box's corners are on the title's row and the rows below. */
	getmaxyx(w, h, wd);
	for (i = tx; i >= 0 && !is_acs(w, ty, i, ACS_ULCORNER); i--)
		;
	assert_true(i >= 0);
	assert_true(is_acs(w, ty, i + 1, ACS_HLINE));
	assert_true(is_acs(w, ty + 1, i, ACS_VLINE));
	for (y = ty + 1; y < h && !is_acs(w, y, i, ACS_LLCORNER); y++)
		;
	assert_true(y < h);
	/* Centred: as much room left as right. */
	for (tx = wd - 1; tx > i && !is_acs(w, ty, tx, ACS_URCORNER); tx--)
		;
	assert_true(tx > i);
	assert_true(abs(i - (wd - 1 - tx)) <= 1);
	assert_true(is_acs(w, y, tx, ACS_LRCORNER));
}

static void draw_create_at(WINDOW *w)
{
	struct form *f = vmform_new_create(NULL, 0);
	int y, x, cy, cx, rows, cols;

	werase(w);
	form_draw(f, w, &tl_theme);
	expect_labels_and_frame(w, "New VM");
	assert_true(tl_win_find(w, "Enter create", NULL) >= 0);
	/* Defaults and placeholders are visible. */
	assert_true(tl_win_find(w, "8G", NULL) >= 0);
	assert_true(tl_win_find(w, "same as memory", NULL) >= 0);
	assert_true(tl_win_find(w, "(*) bios", NULL) >= 0);
	/* Typing puts the text and the cursor in the Name field. */
	tl_form_keys(f, "web");
	werase(w);
	form_draw(f, w, &tl_theme);
	getyx(w, cy, cx);
	y = tl_win_find(w, "Name", NULL);
	x = find_col(w, y, "web");
	assert_true(x > find_col(w, y, "Name"));
	assert_int_equal(cy, y);
	assert_int_equal(cx, x + 3);
	assert_true(mvwinch(w, y, x) & A_REVERSE);           /* focused: selected */
	/* A message shows with a marker, in the error attribute. */
	tl_form_retype(f, VMFORM_MEMORY, "8M");
	werase(w);
	form_draw(f, w, &tl_theme);
	y = tl_win_find(w, "memory must be between 16M and 16T, not 8M", NULL);
	assert_true(y >= 0);
	x = find_col(w, y, "memory must");
	assert_int_equal(mvwinch(w, y, x) & (A_BOLD | A_UNDERLINE), A_BOLD | A_UNDERLINE);
	y = tl_win_find(w, "Memory", NULL);
	assert_true(find_col(w, y, "!") > find_col(w, y, "Memory"));
	/* croftd's refusal, wrapped over two lines when long. */
	form_set_error(f, "disk image /var/lib/croft/pools/default/web-disk0.qcow2 already exists "
			 "in the pool (left by a VM deleted with --keep-disks?); attach it with --disk "
			 "PATH or remove it");
	werase(w);
	form_draw(f, w, &tl_theme);
	y = tl_win_find(w, "disk image /var/lib/croft/pools/default/web-disk0.qcow2", NULL);
	assert_true(y >= 0);
	/* (in the smallest window, 13 fields leave one row for it) */
	if (getmaxy(w) >= 24)
		assert_true(tl_win_find(w, "remove it", NULL) >= y);
	/* A long path scrolls to keep the cursor in view. */
	form_set_error(f, NULL);
	tl_form_focus(f, VMFORM_ISO);
	tl_form_keys(f, "/a-very-long-path/that/goes/on/and/on/past/the/right/edge/of/the/field/and/"
		"still/goes/on/for/a/while/longer/than/any/screen/we/test/at/all/really.iso");
	werase(w);
	form_draw(f, w, &tl_theme);
	getyx(w, cy, cx);
	getmaxyx(w, rows, cols);
	(void)rows;
	assert_true(cx < cols);
	assert_int_equal(cy, tl_win_find(w, "ISO", NULL));
	assert_true(find_col(w, cy, "really.iso") >= 0);
	form_free(f);
}

static void test_draw_create_sizes(void **state)
{
	WINDOW *pad, *sub;

	(void)state;
	pad = newpad(24, 80);
	draw_create_at(pad);
	delwin(pad);
	pad = newpad(60, 200);
	draw_create_at(pad);
	delwin(pad);
	/* A window inside the screen, the smallest the console gives. */
	sub = derwin(stdscr, 20, 80, 0, 0);
	assert_non_null(sub);
	draw_create_at(sub);
	delwin(sub);
}

static void test_draw_many_messages_at_80x20(void **state)
{
	struct form *f = vmform_new_create(NULL, 0);
	WINDOW *pad = newpad(20, 80);
	int y;

	(void)state;
	tl_form_keys(f, "bad name");
	tl_form_retype(f, VMFORM_VCPUS, "0");
	tl_form_retype(f, VMFORM_MEMORY, "8M");
	tl_form_retype(f, VMFORM_DISK_SIZE, "1B");
	tl_form_retype(f, VMFORM_ISO, "x.iso");
	tl_form_retype(f, VMFORM_IMAGE, "y.img");
	form_draw(f, pad, &tl_theme);
	expect_labels_and_frame(pad, "New VM");
	/* Six messages do not fit under their fields: the focused one goes to
	 * the status area and every invalid field has its marker. */
	assert_true(tl_win_find(pad, "disk image path 'y.img' must be absolute", NULL) >= 0);
	assert_int_equal(tl_win_find(pad, "cdrom image path 'x.iso' must be absolute", NULL), -1);
	for (y = VMFORM_NAME; y <= VMFORM_ISO; y++) {
		int r = tl_win_find(pad, vmform_fields[y].label, NULL);

		if (y == VMFORM_MEMORY_MIN || y == VMFORM_SHARES || y == VMFORM_KSM)
			continue;
		if (find_col(pad, r, "!") < 0)
			fail_msg("no marker on %s", vmform_fields[y].label);
	}
	/* On a valid field, the first message is shown with its label. */
	tl_form_focus(f, VMFORM_FIRMWARE);
	werase(pad);
	form_draw(f, pad, &tl_theme);
	assert_true(tl_win_find(pad, "Name: VM name 'bad name' contains ' '", NULL) >= 0);
	assert_true(tl_win_find(pad, "Space/Left/Right change", NULL) >= 0);
	/* A tiny window is clipped, not a crash. */
	delwin(pad);
	pad = newpad(6, 30);
	form_draw(f, pad, &tl_theme);
	delwin(pad);
	form_free(f);
}

static void test_draw_edit_and_picker(void **state)
{
	struct form *f = edit_form("{\"state\":\"running\",\"pid\":99}");
	WINDOW *pad = newpad(24, 80);
	char start[600];
	int y;

	(void)state;
	form_draw(f, pad, &tl_theme);
	expect_labels_and_frame(pad, "Edit VM web");
	assert_true(tl_win_find(pad, "VM 'web' is running: only memory and shares can change", NULL) >= 0);
	assert_true(tl_win_find(pad, "Enter save", NULL) >= 0);
	y = tl_win_find(pad, "Name", NULL);
	assert_true(mvwinch(pad, y, find_col(pad, y, "web")) & A_DIM);
	form_free(f);

	f = edit_form("");
	snprintf(start, sizeof(start), "%s/", dir);
	tl_form_retype(f, VMFORM_ISO, start);
	form_key(f, KEY_F(3));
	werase(pad);
	form_draw(f, pad, &tl_theme);
	assert_true(tl_win_find(pad, "Choose an ISO image", NULL) >= 0);
	assert_true(tl_win_find(pad, "debian.iso", NULL) >= 0);
	assert_true(tl_win_find(pad, "other.iso", NULL) >= 0);
	assert_true(tl_win_find(pad, "Enter open/choose", NULL) >= 0);
	delwin(pad);
	pad = newpad(60, 200);
	form_draw(f, pad, &tl_theme);
	assert_true(tl_win_find(pad, "Choose an ISO image", NULL) >= 0);
	assert_true(tl_win_find(pad, "other.iso", NULL) >= 0);
	delwin(pad);
	form_free(f);
}

/* The cloud-init sub-form: each field judged in croftd's words; the
 * password hashed here (yescrypt, and the hash checks against it); the
 * key read from a file; the settings go into the VM form, which sends them. */
static void test_cloudinit_subform(void **state)
{
	static const char key[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH2XXuleyeGO4wHNTCtrTT9nRjf5fkECpU35GS1lktvH a@b";
	const struct tl_form_case cases[] = {
		{ VMFORM_CI_USER, "Root", "must start with a lower-case letter" },
		{ VMFORM_CI_USER, "alice", NULL },
		{ VMFORM_CI_HOSTNAME, "web_1", "hostname 'web_1' has '_'" },
		{ VMFORM_CI_HOSTNAME, "web1", NULL },
		{ VMFORM_CI_NETWORK, "static:10.0.0.5/24", "needs a gateway" },
		{ VMFORM_CI_NETWORK, "dhcp", NULL },
		{ VMFORM_CI_HASH, "hunter2", "looks like a plain password" },
		{ VMFORM_CI_HASH, "", NULL },
		{ VMFORM_CI_KEY, "ssh-ed25519 AAAA", "the key data is too short" },
		{ VMFORM_CI_KEY, "id.pub", "give the absolute path of a .pub file" },
	};
	struct form *vm = vmform_new_create(NULL, 0), *sub = vmform_cloudinit_new(NULL);
	char *tmp = tl_tmpdir("cisub"), *path, keyfile[512], err[512];
	json_t *ci;

	(void)state;
	assert_string_equal(form_note(vm, NULL), "Sizes like 512M or 2G; F6: cloud-init (off)");
	tl_form_cases(sub, cases, sizeof(cases) / sizeof(cases[0]));
	path = tl_path(tmp, "id.pub");
	snprintf(keyfile, sizeof(keyfile), "# mine\n%s\n", key);
	assert_int_equal(tl_write_file(path, keyfile), 0);
	tl_form_retype(sub, VMFORM_CI_KEY, path);
	tl_form_retype(sub, VMFORM_CI_PASSWORD, "s3cret");
	assert_int_equal(form_key(sub, '\n'), FORM_SUBMIT);
	assert_int_equal(vmform_cloudinit_result(sub, &ci, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(ci, "ssh_keys"), 0)), key);
	{
		const char *h = json_string_value(json_object_get(ci, "password_hash"));
		struct crypt_data *cd = calloc(1, sizeof(*cd));

		assert_non_null(h);
		assert_memory_equal(h, "$y$", 3);
		assert_string_equal(crypt_r("s3cret", h, cd), h);
		free(cd);
	}
	form_free(sub);
	vmform_cloudinit_set(vm, ci);
	assert_string_equal(form_note(vm, NULL), "cloud-init: on for alice, 1 key (F6 changes it)");
	tl_form_retype(vm, VMFORM_NAME, "web");
	{
		json_t *a = form_args(vm);

		assert_non_null(a);
		assert_string_equal(json_string_value(json_object_get(json_object_get(a, "cloud_init"), "user")),
				    "alice");
		json_decref(a);
	}
	form_free(vm);

	/* a password needs a user: said when the sub-form is submitted */
	sub = vmform_cloudinit_new(NULL);
	tl_form_retype(sub, VMFORM_CI_PASSWORD, "x");
	assert_int_equal(form_key(sub, '\n'), FORM_SUBMIT);
	assert_true(vmform_cloudinit_result(sub, &ci, err, sizeof(err)) < 0);
	assert_string_equal(err, "password-hash needs a user (user=NAME) to set it for");
	form_free(sub);
	tl_rmtree(tmp);
	free(path);
	free(tmp);
}

/* An edit form shows the VM's settings; unchanged they are not sent, off
 * sends null, and an empty key or password field keeps what is set. */
static void test_cloudinit_edit(void **state)
{
	struct form *f = edit_form("{\"cloud_init\":{\"user\":\"bob\",\"hostname\":\"h\","
				   "\"password_hash\":\"$6$croftsalt$8mxfbH0EQvIh7qvqjqyA9TXw4OqIRBuCV/RzDQd3v/.NXotXEkZ5IREiArbQhCPRgmTlpHWMo4UBJOi4cBAKw.\","
				   "\"instance_id\":\"croft-u-1\"}}");
	struct form *sub;
	char err[512];
	json_t *ci;

	(void)state;
	assert_non_null(vmform_cloudinit_get(f));
	tl_form_expect_args(f, "{\"name\":\"web\"}");
	sub = vmform_cloudinit_new(vmform_cloudinit_get(f));
	assert_string_equal(form_text(sub, VMFORM_CI_USER), "bob");
	tl_form_retype(sub, VMFORM_CI_HOSTNAME, "h2");
	assert_int_equal(form_key(sub, '\n'), FORM_SUBMIT);
	assert_int_equal(vmform_cloudinit_result(sub, &ci, err, sizeof(err)), 0);
	form_free(sub);
	vmform_cloudinit_set(f, ci);
	tl_form_expect_args(f, "{\"name\":\"web\",\"cloud_init\":{\"user\":\"bob\",\"hostname\":\"h2\","
			    "\"password_hash\":\"$6$croftsalt$8mxfbH0EQvIh7qvqjqyA9TXw4OqIRBuCV/RzDQd3v/.NXotXEkZ5IREiArbQhCPRgmTlpHWMo4UBJOi4cBAKw.\"}}");
	/* Cloud-init off in the sub-form turns it off */
	sub = vmform_cloudinit_new(vmform_cloudinit_get(f));
	form_set_choice(sub, VMFORM_CI_USE, 1);
	assert_int_equal(form_key(sub, '\n'), FORM_SUBMIT);
	assert_int_equal(vmform_cloudinit_result(sub, &ci, err, sizeof(err)), 0);
	assert_null(ci);
	form_free(sub);
	vmform_cloudinit_set(f, ci);
	tl_form_expect_args(f, "{\"name\":\"web\",\"cloud_init\":null}");
	form_free(f);
}

int main(void)
{
	const struct CMUnitTest model[] = {
		cmocka_unit_test(test_create_defaults),
		cmocka_unit_test(test_create_everything),
		cmocka_unit_test(test_create_with_existing_image),
		cmocka_unit_test(test_create_with_network),
		cmocka_unit_test(test_create_direct_boot),
		cmocka_unit_test(test_edit_direct_boot),
		cmocka_unit_test(test_create_iso_only_boots_cdrom_by_default),
		cmocka_unit_test(test_empty_name_on_submit),
		cmocka_unit_test(test_field_checks),
		cmocka_unit_test(test_refused_on_enter),
		cmocka_unit_test(test_min_memory),
		cmocka_unit_test(test_disk_and_image_both),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_boot_order_rules),
		cmocka_unit_test(test_text_editing),
		cmocka_unit_test(test_long_text_is_bounded),
		cmocka_unit_test(test_focus_moves_and_cancel),
		cmocka_unit_test(test_server_error),
		cmocka_unit_test(test_picker_fills_the_field),
		cmocka_unit_test(test_edit_prefill_and_nothing_changed),
		cmocka_unit_test(test_edit_only_changed_fields),
		cmocka_unit_test(test_edit_floor),
		cmocka_unit_test(test_edit_cdrom),
		cmocka_unit_test(test_edit_running_vm_changes_memory_only),
		cmocka_unit_test(test_edit_needs_a_vm),
		cmocka_unit_test(test_shares_and_ksm),
		cmocka_unit_test(test_pool_pickers),
		cmocka_unit_test(test_cloudinit_subform),
		cmocka_unit_test(test_cloudinit_edit),
	};
	const struct CMUnitTest drawing[] = {
		cmocka_unit_test(test_draw_create_sizes),
		cmocka_unit_test(test_draw_many_messages_at_80x20),
		cmocka_unit_test(test_draw_edit_and_picker),
	};
	int failed;

	if (files_setup(NULL) < 0) {
		fprintf(stderr, "test_vmform: cannot make temp files\n");
		return 1;
	}
	failed = cmocka_run_group_tests_name("vmform model", model, NULL, NULL);
	failed += cmocka_run_group_tests_name("vmform drawing", drawing, tl_term_setup, tl_term_teardown);
	files_teardown(NULL);
	return failed ? 1 : 0;
}
