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
#include "tests/unit/testlib_term.h"
#include "tui/form.h"
#include "tui/vmform.h"

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

static int keys(struct form *f, const char *s)
{
	int r = FORM_CONTINUE;

	for (; *s; s++)
		r = form_key(f, (unsigned char)*s);
	return r;
}

static void focus(struct form *f, int id)
{
	int i;

	for (i = 0; i < VMFORM_NFIELDS && focus_of(f) != id; i++)
		form_key(f, '\t');
	assert_int_equal(focus_of(f), id);
}

/* Focus field id, empty it and type s. */
static void set_field(struct form *f, int id, const char *s)
{
	focus(f, id);
	form_key(f, KEY_END);
	form_key(f, 21);            /* Ctrl-U */
	assert_string_equal(form_text(f, id), "");
	keys(f, s);
	assert_string_equal(form_text(f, id), s);
}

static void expect_args(const struct form *f, const char *want_json)
{
	json_error_t jerr;
	json_t *want = json_loads(want_json, 0, &jerr), *got = form_args(f);

	if (!want)
		fail_msg("bad JSON in test: %s", jerr.text);
	if (!got) {
		json_decref(want);
		fail_msg("form_args() is NULL; want %s", want_json);
	}
	if (!json_equal(want, got)) {
		char *s = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);

		print_error("want %s\n got %s\n", want_json, s);
		free(s);
		json_decref(want);
		json_decref(got);
		fail();
	}
	json_decref(want);
	json_decref(got);
}

static void expect_message(const struct form *f, int id, const char *msg)
{
	const char *got = form_message(f, id);

	if (!got)
		fail_msg("field %s shows no message; want '%s'", vmform_fields[id].label, msg);
	assert_string_equal(got, msg);
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
	expect_message(f, id, msg);
	a = form_args(f);
	assert_null(a);
}

/* --- create: defaults and good input ------------------------------------------ */

static void test_create_defaults(void **state)
{
	struct form *f = vmform_new_create();

	(void)state;
	assert_false(vmform_is_edit(f));
	assert_int_equal(focus_of(f), VMFORM_NAME);
	assert_string_equal(form_text(f, VMFORM_VCPUS), "1");
	assert_string_equal(form_text(f, VMFORM_MEMORY), "1G");
	assert_string_equal(form_text(f, VMFORM_MEMORY_MIN), "");
	assert_string_equal(form_text(f, VMFORM_DISK_SIZE), "8G");
	/* The empty name says nothing until a submit. */
	expect_no_messages(f);
	assert_int_equal(keys(f, "web"), FORM_CONTINUE);
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	expect_args(f, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024,"
		       "\"disks\":[{\"size_bytes\":8589934592}],\"firmware\":\"bios\"}");
	form_free(f);
}

static void test_create_everything(void **state)
{
	struct form *f = vmform_new_create();
	char want[2048];

	(void)state;
	keys(f, "db-1.lan");
	set_field(f, VMFORM_VCPUS, "2");
	set_field(f, VMFORM_MEMORY, "2048");          /* a bare number is MiB */
	set_field(f, VMFORM_MEMORY_MIN, "512M");
	set_field(f, VMFORM_DISK_SIZE, "20G");
	set_field(f, VMFORM_ISO, iso);
	focus(f, VMFORM_FIRMWARE);
	form_key(f, ' ');
	focus(f, VMFORM_BOOT);
	form_key(f, KEY_RIGHT);                     /* disk */
	form_key(f, KEY_RIGHT);                     /* cdrom */
	form_key(f, ' ');                           /* cdrom,disk */
	expect_no_messages(f);
	assert_int_equal(form_key(f, KEY_ENTER), FORM_SUBMIT);
	snprintf(want, sizeof(want),
		 "{\"name\":\"db-1.lan\",\"vcpus\":2,\"memory_mib\":2048,\"memory_min_mib\":512,"
		 "\"disks\":[{\"size_bytes\":21474836480}],\"cdrom\":\"%s\",\"firmware\":\"uefi\","
		 "\"boot\":\"cdrom,disk\"}", iso);
	expect_args(f, want);
	form_free(f);
}

static void test_create_with_existing_image(void **state)
{
	struct form *f = vmform_new_create();
	char want[1024];

	(void)state;
	keys(f, "imported");
	set_field(f, VMFORM_DISK_SIZE, "");
	set_field(f, VMFORM_IMAGE, image);
	set_field(f, VMFORM_MEMORY_MIN, "0");         /* no floor */
	assert_int_equal(form_key(f, '\r'), FORM_SUBMIT);
	snprintf(want, sizeof(want),
		 "{\"name\":\"imported\",\"vcpus\":1,\"memory_mib\":1024,\"memory_min_mib\":0,"
		 "\"disks\":[{\"path\":\"%s\"}],\"firmware\":\"bios\"}", image);
	expect_args(f, want);
	form_free(f);
}

static void test_create_iso_only_boots_cdrom_by_default(void **state)
{
	struct form *f = vmform_new_create();
	char want[1024], label[96];

	(void)state;
	keys(f, "live");
	set_field(f, VMFORM_DISK_SIZE, "");
	assert_string_equal(form_choice_label(f, VMFORM_BOOT, 0, label, sizeof(label)),
			    "default (disk)");
	set_field(f, VMFORM_ISO, iso);
	assert_string_equal(form_choice_label(f, VMFORM_BOOT, 0, label, sizeof(label)),
			    "default (cdrom)");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	snprintf(want, sizeof(want), "{\"name\":\"live\",\"vcpus\":1,\"memory_mib\":1024,"
		 "\"cdrom\":\"%s\",\"firmware\":\"bios\"}", iso);
	expect_args(f, want);
	form_free(f);
}

/* --- create: refused input ------------------------------------------------------ */

static void test_empty_name_on_submit(void **state)
{
	struct form *f = vmform_new_create();

	(void)state;
	focus(f, VMFORM_MEMORY);
	expect_refused(f, VMFORM_NAME, "VM name is empty");
	form_free(f);
}

static void test_bad_names(void **state)
{
	struct form *f = vmform_new_create();

	(void)state;
	keys(f, "my vm");
	/* Shown while typing, in the API's words. */
	expect_message(f, VMFORM_NAME,
		       "VM name 'my vm' contains ' '; use letters, digits, '-', '_' and '.'");
	focus(f, VMFORM_BOOT);
	expect_refused(f, VMFORM_NAME,
		       "VM name 'my vm' contains ' '; use letters, digits, '-', '_' and '.'");
	set_field(f, VMFORM_NAME, "-web");
	expect_message(f, VMFORM_NAME, "VM name '-web' must start with a letter or a digit");
	set_field(f, VMFORM_NAME,
		  "a123456789012345678901234567890123456789012345678901234567890123");
	expect_message(f, VMFORM_NAME,
		       "VM name 'a1234567890123456789...' is 64 characters long; the limit is 63");
	/* Fixing it clears the message. */
	form_key(f, KEY_BACKSPACE);
	assert_null(form_message(f, VMFORM_NAME));
	form_free(f);
}

static void test_vcpus(void **state)
{
	struct form *f = vmform_new_create();

	(void)state;
	keys(f, "web");
	set_field(f, VMFORM_VCPUS, "two");
	expect_message(f, VMFORM_VCPUS, "vcpus needs a number, got 'two'");
	set_field(f, VMFORM_VCPUS, "0");
	expect_message(f, VMFORM_VCPUS, "vcpus must be between 1 and 255, not 0");
	set_field(f, VMFORM_VCPUS, "256");
	expect_refused(f, VMFORM_VCPUS, "vcpus must be between 1 and 255, not 256");
	set_field(f, VMFORM_VCPUS, "");
	assert_non_null(form_message(f, VMFORM_VCPUS));   /* after a submit, empty says so */
	expect_refused(f, VMFORM_VCPUS, "vcpus needs a number (1-255)");
	set_field(f, VMFORM_VCPUS, "4");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	form_free(f);
}

static void test_memory_too_small_and_bad_sizes(void **state)
{
	struct form *f = vmform_new_create();

	(void)state;
	keys(f, "web");
	set_field(f, VMFORM_MEMORY, "8M");
	expect_message(f, VMFORM_MEMORY, "memory must be between 16M and 16777216M, not 8M");
	focus(f, VMFORM_NAME);
	expect_refused(f, VMFORM_MEMORY, "memory must be between 16M and 16777216M, not 8M");
	set_field(f, VMFORM_MEMORY, "1.5G");
	expect_message(f, VMFORM_MEMORY, "memory: size '1.5G' has an unknown unit '.5G'; use K, M, G or T");
	set_field(f, VMFORM_MEMORY, "G");
	expect_message(f, VMFORM_MEMORY, "memory: size 'G' must start with a digit (e.g. 512M, 2G)");
	set_field(f, VMFORM_MEMORY, "1000K");
	expect_message(f, VMFORM_MEMORY, "memory: size '1000K' is not a whole number of MiB");
	set_field(f, VMFORM_MEMORY, "");
	expect_refused(f, VMFORM_MEMORY, "memory needs a size (e.g. 1G)");
	set_field(f, VMFORM_MEMORY, "64m");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	form_free(f);
}

static void test_min_memory(void **state)
{
	struct form *f = vmform_new_create();

	(void)state;
	keys(f, "web");
	set_field(f, VMFORM_MEMORY, "64M");
	set_field(f, VMFORM_MEMORY_MIN, "128M");
	expect_message(f, VMFORM_MEMORY_MIN, "memory-min (128M) is above memory (64M)");
	assert_null(form_message(f, VMFORM_MEMORY));
	focus(f, VMFORM_NAME);
	expect_refused(f, VMFORM_MEMORY_MIN, "memory-min (128M) is above memory (64M)");
	set_field(f, VMFORM_MEMORY_MIN, "8M");
	expect_message(f, VMFORM_MEMORY_MIN, "memory-min must be at least 16M, not 8M");
	/* Raising memory fixes an earlier floor: messages follow every key. */
	set_field(f, VMFORM_MEMORY_MIN, "128M");
	set_field(f, VMFORM_MEMORY, "256M");
	assert_null(form_message(f, VMFORM_MEMORY_MIN));
	/* A bad memory leaves the floor judged on its own. */
	set_field(f, VMFORM_MEMORY, "x");
	assert_null(form_message(f, VMFORM_MEMORY_MIN));
	set_field(f, VMFORM_MEMORY, "256M");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	expect_args(f, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":256,\"memory_min_mib\":128,"
		       "\"disks\":[{\"size_bytes\":8589934592}],\"firmware\":\"bios\"}");
	form_free(f);
}

static void test_disk_size(void **state)
{
	struct form *f = vmform_new_create();

	(void)state;
	keys(f, "web");
	set_field(f, VMFORM_DISK_SIZE, "1000B");
	expect_message(f, VMFORM_DISK_SIZE, "disk size must be between 1M and 64T, not 1000B");
	set_field(f, VMFORM_DISK_SIZE, "100T");
	expect_message(f, VMFORM_DISK_SIZE, "disk size must be between 1M and 64T, not 100T");
	set_field(f, VMFORM_DISK_SIZE, "ten");
	expect_refused(f, VMFORM_DISK_SIZE, "disk size: size 'ten' must start with a digit (e.g. 512M, 2G)");
	set_field(f, VMFORM_DISK_SIZE, "512");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	expect_args(f, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024,"
		       "\"disks\":[{\"size_bytes\":536870912}],\"firmware\":\"bios\"}");
	form_free(f);
}

static void test_disk_and_image_both(void **state)
{
	struct form *f = vmform_new_create();

	(void)state;
	keys(f, "web");
	set_field(f, VMFORM_IMAGE, image);          /* Disk size still 8G */
	expect_message(f, VMFORM_IMAGE, "give a disk size or an existing image, not both");
	focus(f, VMFORM_NAME);
	expect_refused(f, VMFORM_IMAGE, "give a disk size or an existing image, not both");
	set_field(f, VMFORM_DISK_SIZE, "");
	assert_null(form_message(f, VMFORM_IMAGE));
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	form_free(f);
}

static void test_paths(void **state)
{
	struct form *f = vmform_new_create();
	char msg[1024], path[600];

	(void)state;
	keys(f, "web");
	set_field(f, VMFORM_ISO, "debian.iso");
	expect_message(f, VMFORM_ISO, "cdrom image path 'debian.iso' must be absolute");
	focus(f, VMFORM_NAME);
	expect_refused(f, VMFORM_ISO, "cdrom image path 'debian.iso' must be absolute");
	snprintf(path, sizeof(path), "%s/nope.iso", dir);
	set_field(f, VMFORM_ISO, path);
	snprintf(msg, sizeof(msg), "cdrom image '%s' does not exist", path);
	expect_message(f, VMFORM_ISO, msg);
	set_field(f, VMFORM_ISO, dir);
	snprintf(msg, sizeof(msg), "cdrom image '%s' is not a regular file", dir);
	expect_message(f, VMFORM_ISO, msg);
	snprintf(path, sizeof(path), "%s/debian.iso/x", dir);
	set_field(f, VMFORM_ISO, path);
	snprintf(msg, sizeof(msg), "cdrom image '%s' does not exist", path);
	expect_message(f, VMFORM_ISO, msg);
	set_field(f, VMFORM_ISO, "");
	set_field(f, VMFORM_DISK_SIZE, "");
	set_field(f, VMFORM_IMAGE, "disk.qcow2");
	expect_message(f, VMFORM_IMAGE, "disk image path 'disk.qcow2' must be absolute");
	set_field(f, VMFORM_IMAGE, image);
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	form_free(f);
}

static void test_boot_order_rules(void **state)
{
	struct form *f = vmform_new_create();
	char label[96];

	(void)state;
	keys(f, "web");
	/* Nothing to boot: croftd's default order names a disk that is not there. */
	set_field(f, VMFORM_DISK_SIZE, "");
	expect_message(f, VMFORM_BOOT, "boot order 'disk' names disk but the VM has no disk "
			"(give it a disk, or boot from a cdrom or a kernel)");
	set_field(f, VMFORM_DISK_SIZE, "8G");
	assert_null(form_message(f, VMFORM_BOOT));
	focus(f, VMFORM_BOOT);
	form_key(f, KEY_LEFT);                    /* wraps to disk,cdrom */
	assert_string_equal(form_choice_label(f, VMFORM_BOOT, form_nchoices(f, VMFORM_BOOT) - 1,
						label, sizeof(label)), "disk,cdrom");
	expect_message(f, VMFORM_BOOT, "boot order 'disk,cdrom' names cdrom but the VM has no cdrom image");
	focus(f, VMFORM_NAME);
	expect_refused(f, VMFORM_BOOT, "boot order 'disk,cdrom' names cdrom but the VM has no cdrom image");
	set_field(f, VMFORM_ISO, iso);
	assert_null(form_message(f, VMFORM_BOOT));
	/* Firmware cycles both ways, and other keys leave choices alone. */
	focus(f, VMFORM_FIRMWARE);
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
	struct form *f = vmform_new_create();

	(void)state;
	keys(f, "wb");
	form_key(f, KEY_LEFT);
	keys(f, "e");
	assert_string_equal(form_text(f, VMFORM_NAME), "web");
	form_key(f, KEY_HOME);
	form_key(f, KEY_DC);
	assert_string_equal(form_text(f, VMFORM_NAME), "eb");
	form_key(f, 4);                            /* Ctrl-D */
	assert_string_equal(form_text(f, VMFORM_NAME), "b");
	form_key(f, 1);                            /* Ctrl-A */
	keys(f, "n");
	form_key(f, KEY_END);
	form_key(f, KEY_RIGHT);
	keys(f, "!");
	form_key(f, 127);
	keys(f, "-2");
	assert_string_equal(form_text(f, VMFORM_NAME), "nb-2");
	form_key(f, KEY_LEFT);
	form_key(f, KEY_LEFT);
	form_key(f, 11);                           /* Ctrl-K */
	assert_string_equal(form_text(f, VMFORM_NAME), "nb");
	form_key(f, 8);                            /* Ctrl-H */
	form_key(f, 5);                            /* Ctrl-E */
	keys(f, "x");
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
	struct form *f = vmform_new_create();
	int i;

	(void)state;
	focus(f, VMFORM_ISO);
	form_key(f, '/');
	for (i = 0; i < FORM_TEXT_MAX + 100; i++)
		form_key(f, 'a');
	assert_int_equal(strlen(form_text(f, VMFORM_ISO)), FORM_TEXT_MAX - 1);
	assert_non_null(form_message(f, VMFORM_ISO));
	form_free(f);
}

static void test_focus_moves_and_cancel(void **state)
{
	struct form *f = vmform_new_create();
	int i;

	(void)state;
	for (i = 1; i < VMFORM_NFIELDS; i++) {
		form_key(f, i % 2 ? '\t' : KEY_DOWN);
		assert_int_equal(focus_of(f), i);
	}
	form_key(f, '\t');
	assert_int_equal(focus_of(f), VMFORM_NAME);
	form_key(f, KEY_BTAB);
	assert_int_equal(focus_of(f), VMFORM_BOOT);
	form_key(f, KEY_UP);
	assert_int_equal(focus_of(f), VMFORM_FIRMWARE);
	assert_int_equal(form_key(f, 27), FORM_CANCEL);
	form_free(f);
}

/* --- croftd's refusals ----------------------------------------------------------- */

static void test_server_error(void **state)
{
	struct form *f = vmform_new_create();
	json_t *a;

	(void)state;
	keys(f, "web");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	focus(f, VMFORM_FIRMWARE);
	form_set_error(f, "a VM named 'web' already exists");
	assert_string_equal(form_server_error(f), "a VM named 'web' already exists");
	assert_int_equal(focus_of(f), VMFORM_NAME);
	/* The input stays, and is still good to send. */
	a = form_args(f);
	assert_non_null(a);
	json_decref(a);
	/* Editing clears it. */
	keys(f, "2");
	assert_null(form_server_error(f));
	form_set_error(f, "firmware uefi needs OVMF, which is not installed (package ovmf)");
	assert_int_equal(focus_of(f), VMFORM_FIRMWARE);
	form_set_error(f, "memory (976.6G) exceeds the host's total memory (23.5G)");
	assert_int_equal(focus_of(f), VMFORM_MEMORY);
	form_set_error(f, "memory-min must be at least 16M, not 8M");
	assert_int_equal(focus_of(f), VMFORM_MEMORY_MIN);
	/* A message about nothing in particular leaves the focus. */
	form_set_error(f, "cannot run qemu-img: No such file or directory");
	assert_int_equal(focus_of(f), VMFORM_MEMORY_MIN);
	form_set_error(f, NULL);
	assert_null(form_server_error(f));
	assert_int_equal(form_field_of_message(f, "vcpus (3) exceeds the host's 2 CPUs"), VMFORM_VCPUS);
	assert_int_equal(form_field_of_message(f, "boot device 'net' is unknown; use disk and/or cdrom"),
			 VMFORM_BOOT);
	assert_int_equal(form_field_of_message(f, "cdrom image '/x.iso' is not readable: Permission denied"),
			 VMFORM_ISO);
	form_free(f);
}

/* --- the file picker from the form ---------------------------------------------- */

static void test_picker_fills_the_field(void **state)
{
	struct form *f = vmform_new_create();
	char start[600], want[1024];

	(void)state;
	keys(f, "web");
	/* F3 on a field that is not a path does nothing. */
	form_key(f, KEY_F(3));
	assert_null(form_picker(f));
	snprintf(start, sizeof(start), "%s/", dir);
	set_field(f, VMFORM_ISO, start);
	assert_int_equal(form_key(f, KEY_F(3)), FORM_CONTINUE);
	assert_non_null(form_picker(f));
	assert_string_equal(picker_dir(form_picker(f)), dir);
	/* Keys go to the picker now: Esc closes it, not the form. */
	assert_int_equal(form_key(f, 27), FORM_CONTINUE);
	assert_null(form_picker(f));
	assert_int_equal(form_key(f, 15), FORM_CONTINUE);       /* Ctrl-O */
	assert_non_null(form_picker(f));
	keys(f, "o");                                               /* other.iso */
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
	expect_args(f, want);
	/* The image picker lists images. */
	set_field(f, VMFORM_DISK_SIZE, "");
	set_field(f, VMFORM_IMAGE, image);
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
	expect_args(f, "{\"name\":\"web\"}");
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
	set_field(f, VMFORM_VCPUS, "4");
	set_field(f, VMFORM_MEMORY, "2G");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	/* The floor was all of memory and follows it: not sent. */
	expect_args(f, "{\"name\":\"web\",\"vcpus\":4,\"memory_mib\":2048}");
	/* The same value spelled differently is no change. */
	set_field(f, VMFORM_MEMORY, "1024M");
	set_field(f, VMFORM_VCPUS, "2");
	expect_args(f, "{\"name\":\"web\"}");
	/* A floor of 1G under a new 2G memory must be sent: vm.edit would
	 * otherwise raise it with memory. */
	set_field(f, VMFORM_MEMORY, "2G");
	set_field(f, VMFORM_MEMORY_MIN, "1G");
	expect_args(f, "{\"name\":\"web\",\"memory_mib\":2048,\"memory_min_mib\":1024}");
	set_field(f, VMFORM_MEMORY_MIN, "");
	set_field(f, VMFORM_MEMORY, "1G");
	focus(f, VMFORM_FIRMWARE);
	form_key(f, ' ');
	focus(f, VMFORM_BOOT);
	form_key(f, ' ');                         /* disk,cdrom */
	expect_args(f, "{\"name\":\"web\",\"firmware\":\"uefi\",\"boot\":\"disk,cdrom\"}");
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
	set_field(f, VMFORM_MEMORY, "2G");
	expect_args(f, "{\"name\":\"web\",\"memory_mib\":2048}");
	/* Emptied, the floor becomes "the same as memory". */
	set_field(f, VMFORM_MEMORY_MIN, "");
	expect_args(f, "{\"name\":\"web\",\"memory_mib\":2048,\"memory_min_mib\":2048}");
	set_field(f, VMFORM_MEMORY_MIN, "4G");
	expect_message(f, VMFORM_MEMORY_MIN, "memory-min (4096M) is above memory (2048M)");
	form_free(f);
	f = edit_form("{\"memory_min_mib\":0}");
	assert_string_equal(form_text(f, VMFORM_MEMORY_MIN), "0");
	expect_args(f, "{\"name\":\"web\"}");
	form_free(f);
}

static void test_edit_cdrom(void **state)
{
	struct form *f = edit_form("");
	char want[1024], label[96];

	(void)state;
	/* Ejecting: cdrom null, and the order is left to vm.edit, which drops
	 * the cdrom from it. */
	set_field(f, VMFORM_ISO, "");
	expect_no_messages(f);
	expect_args(f, "{\"name\":\"web\",\"cdrom\":null}");
	assert_string_equal(vmform_boot(f), "disk");
	set_field(f, VMFORM_ISO, other_iso);
	snprintf(want, sizeof(want), "{\"name\":\"web\",\"cdrom\":\"%s\"}", other_iso);
	expect_args(f, want);
	set_field(f, VMFORM_ISO, "relative.iso");
	expect_message(f, VMFORM_ISO, "cdrom image path 'relative.iso' must be absolute");
	form_free(f);

	/* A stored ISO that has gone is not judged until it is changed, as
	 * vm.edit only checks a cdrom it is given. */
	f = edit_form("{\"cdrom\":\"/nonexistent/croft.iso\",\"boot\":\"disk\"}");
	expect_no_messages(f);
	expect_args(f, "{\"name\":\"web\"}");
	assert_string_equal(form_choice_label(f, VMFORM_BOOT, 0, label, sizeof(label)),
			    "as now (disk)");
	form_free(f);

	/* No disk, no cdrom, no kernel: "disk" cannot boot. */
	f = edit_form("{\"cdrom\":null,\"boot\":\"cdrom\",\"disks\":[]}");
	expect_message(f, VMFORM_BOOT, "boot order 'disk' names disk but the VM has no disk "
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
		assert_int_equal(form_active(f, i), i == VMFORM_MEMORY || i == VMFORM_MEMORY_MIN);
	assert_int_equal(focus_of(f), VMFORM_MEMORY);
	form_key(f, '\t');
	assert_int_equal(focus_of(f), VMFORM_MEMORY_MIN);
	form_key(f, '\t');
	assert_int_equal(focus_of(f), VMFORM_MEMORY);
	form_key(f, KEY_F(3));
	assert_null(form_picker(f));
	set_field(f, VMFORM_MEMORY, "512M");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	expect_args(f, "{\"name\":\"web\",\"memory_mib\":512}");
	form_free(f);
	/* Starting counts as running; a crashed VM without QEMU does not. */
	f = edit_form("{\"state\":\"starting\"}");
	assert_false(form_active(f, VMFORM_VCPUS));
	form_free(f);
	f = edit_form("{\"state\":\"crashed\"}");
	assert_true(form_active(f, VMFORM_VCPUS));
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
	struct form *f = vmform_new_create();
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
	keys(f, "web");
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
	set_field(f, VMFORM_MEMORY, "8M");
	werase(w);
	form_draw(f, w, &tl_theme);
	y = tl_win_find(w, "memory must be between 16M and 16777216M, not 8M", NULL);
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
	assert_true(tl_win_find(w, "remove it", NULL) >= y);
	/* A long path scrolls to keep the cursor in view. */
	form_set_error(f, NULL);
	focus(f, VMFORM_ISO);
	keys(f, "/a-very-long-path/that/goes/on/and/on/past/the/right/edge/of/the/field/and/"
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
	struct form *f = vmform_new_create();
	WINDOW *pad = newpad(20, 80);
	int y;

	(void)state;
	keys(f, "bad name");
	set_field(f, VMFORM_VCPUS, "0");
	set_field(f, VMFORM_MEMORY, "8M");
	set_field(f, VMFORM_DISK_SIZE, "1B");
	set_field(f, VMFORM_ISO, "x.iso");
	set_field(f, VMFORM_IMAGE, "y.img");
	form_draw(f, pad, &tl_theme);
	expect_labels_and_frame(pad, "New VM");
	/* Six messages do not fit under their fields: the focused one goes to
	 * the status area and every invalid field has its marker. */
	assert_true(tl_win_find(pad, "disk image path 'y.img' must be absolute", NULL) >= 0);
	assert_int_equal(tl_win_find(pad, "cdrom image path 'x.iso' must be absolute", NULL), -1);
	for (y = VMFORM_NAME; y <= VMFORM_ISO; y++) {
		int r = tl_win_find(pad, vmform_fields[y].label, NULL);

		if (y == VMFORM_MEMORY_MIN)
			continue;
		if (find_col(pad, r, "!") < 0)
			fail_msg("no marker on %s", vmform_fields[y].label);
	}
	/* On a valid field, the first message is shown with its label. */
	focus(f, VMFORM_FIRMWARE);
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
	assert_true(tl_win_find(pad, "VM 'web' is running: only memory can change", NULL) >= 0);
	assert_true(tl_win_find(pad, "Enter save", NULL) >= 0);
	y = tl_win_find(pad, "Name", NULL);
	assert_true(mvwinch(pad, y, find_col(pad, y, "web")) & A_DIM);
	form_free(f);

	f = edit_form("");
	snprintf(start, sizeof(start), "%s/", dir);
	set_field(f, VMFORM_ISO, start);
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

int main(void)
{
	const struct CMUnitTest model[] = {
		cmocka_unit_test(test_create_defaults),
		cmocka_unit_test(test_create_everything),
		cmocka_unit_test(test_create_with_existing_image),
		cmocka_unit_test(test_create_iso_only_boots_cdrom_by_default),
		cmocka_unit_test(test_empty_name_on_submit),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_vcpus),
		cmocka_unit_test(test_memory_too_small_and_bad_sizes),
		cmocka_unit_test(test_min_memory),
		cmocka_unit_test(test_disk_size),
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
