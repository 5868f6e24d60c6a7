/*
 * Tests for core/vm_uffd.c: the host setting ram-snapshot-fast (checked
 * and read), what a start gets when the setting is off or the library is
 * missing, and recognising an adopted QEMU that holds /dev/userfaultfd in a
 * fake /proc: its environ names the fd and the kernel's link for that fd
 * leads to the device (a symlink here), and nothing less will do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/daemon.h"
#include "core/vm_uffd.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_setting_check(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(vm_uffd_setting_check("ksm", "on", err, sizeof(err)), 0);
	assert_int_equal(vm_uffd_setting_check("ram-snapshot-fast", "on", err, sizeof(err)), 1);
	assert_int_equal(vm_uffd_setting_check("ram-snapshot-fast", "off", err, sizeof(err)), 1);
	assert_int_equal(vm_uffd_setting_check("ram-snapshot-fast", "yes", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "ram-snapshot-fast must be on or off, not 'yes'");
	assert_int_equal(vm_uffd_setting_check("ram-snapshot-fast", NULL, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "ram-snapshot-fast must be on or off, not ''");
}

static void test_open_refusals(void **state)
{
	struct croftd *d = tl_croftd_new_or_fail(*state);
	char why[256] = "";
	int fd = 7, shim = 8;

	assert_int_equal(vm_uffd_setting_on(d), 1);          /* unset: on */
	assert_int_equal(store_setting_set(d->store, VM_UFFD_SETTING, "off"), 0);
	assert_int_equal(vm_uffd_setting_on(d), 0);
	assert_int_equal(vm_uffd_open(d, &fd, &shim, why, sizeof(why)), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(shim, -1);
	assert_string_equal(why, "the host setting ram-snapshot-fast is off");
	assert_int_equal(store_setting_set(d->store, VM_UFFD_SETTING, "on"), 0);
	/* the library is beside croftd in a build, installed otherwise: a
	 * test binary has neither (unless croft is installed here) */
	if (access(VM_UFFD_SHIM_PATH, F_OK) < 0) {
		assert_null(vm_uffd_shim());
		assert_int_equal(vm_uffd_open(d, &fd, &shim, why, sizeof(why)), 0);
		assert_int_equal(fd, -1);
		assert_int_equal(shim, -1);
		assert_string_equal(why, "croft's QEMU library croft-qemu-uffd.so is not installed "
				    "(neither beside croftd nor at " VM_UFFD_SHIM_PATH ")");
	}
	tl_croftd_free(d);
}

/* A fake /proc/123 with environ env (len bytes) and fd/5 -> target. */
static void fake_proc(const char *root, const char *env, size_t len, const char *target)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/123", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/123/fd", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/123/environ", root);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(env, 1, len, f), len);
	fclose(f);
	snprintf(path, sizeof(path), "%s/123/fd/5", root);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
}

#define ENV(s) s, sizeof(s) - 1

static void test_held(void **state)
{
	const char *root = *state;

	if (access(VM_UFFD_DEVICE, F_OK) < 0) {
		print_message("skipped: no %s\n", VM_UFFD_DEVICE);
		skip();
	}
	fake_proc(root, ENV("HOME=/\0CROFT_UFFD_FD=5\0LD_PRELOAD=/x.so\0"), VM_UFFD_DEVICE);
	assert_int_equal(vm_uffd_held(root, 123), 1);
	/* the last variable, without a final NUL */
	fake_proc(root, ENV("A=b\0CROFT_UFFD_FD=5"), VM_UFFD_DEVICE);
	assert_int_equal(vm_uffd_held(root, 123), 1);
	/* another device at that number */
	fake_proc(root, ENV("CROFT_UFFD_FD=5\0"), "/dev/null");
	assert_int_equal(vm_uffd_held(root, 123), 0);
	/* no variable, a look-alike, a bad number, another number */
	fake_proc(root, ENV("HOME=/\0XCROFT_UFFD_FD=5\0"), VM_UFFD_DEVICE);
	assert_int_equal(vm_uffd_held(root, 123), 0);
	fake_proc(root, ENV("CROFT_UFFD_FD=5x\0"), VM_UFFD_DEVICE);
	assert_int_equal(vm_uffd_held(root, 123), 0);
	fake_proc(root, ENV("CROFT_UFFD_FD=\0"), VM_UFFD_DEVICE);
	assert_int_equal(vm_uffd_held(root, 123), 0);
	fake_proc(root, ENV("CROFT_UFFD_FD=6\0"), VM_UFFD_DEVICE);
	assert_int_equal(vm_uffd_held(root, 123), 0);
	/* no such process */
	assert_int_equal(vm_uffd_held(root, 124), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setting_check),
		cmocka_unit_test_setup_teardown(test_open_refusals, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_held, tl_tmpdir_setup, tl_tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
