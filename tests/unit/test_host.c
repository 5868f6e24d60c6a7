/*
 * Tests for core/host.c: the /proc/meminfo and `qemu --version` parsers on
 * captured text, and the live host readers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Captured from a Debian 12 host (6.1 kernel). */
static const char meminfo_deb12[] =
	"MemTotal:       24684084 kB\n"
	"MemFree:        23779988 kB\n"
	"MemAvailable:   24088420 kB\n"
	"Buffers:            4244 kB\n"
	"Cached:           480216 kB\n"
	"SwapCached:            0 kB\n"
	"Active:           339760 kB\n"
	"Inactive:         369188 kB\n"
	"Active(anon):       1564 kB\n"
	"Inactive(anon):   231800 kB\n"
	"Unevictable:       15004 kB\n"
	"Mlocked:           14020 kB\n"
	"SwapTotal:       2097148 kB\n"
	"SwapFree:        2000000 kB\n"
	"Zswap:                 0 kB\n"
	"Dirty:             80944 kB\n"
	"VmallocTotal:   34359738367 kB\n"
	"HugePages_Total:       0\n"
	"HugePages_Free:        0\n"
	"Hugepagesize:       2048 kB\n"
	"DirectMap1G:    25165824 kB\n";

static void test_meminfo_realistic(void **state)
{
	struct host_mem m;

	(void)state;
	memset(&m, 0x5a, sizeof(m));
	assert_int_equal(host_meminfo_parse(meminfo_deb12, &m), 0);
	assert_int_equal(m.total_kib, 24684084);
	assert_int_equal(m.available_kib, 24088420);
	assert_int_equal(m.swap_total_kib, 2097148);
	assert_int_equal(m.swap_free_kib, 2000000);
}

static void test_meminfo_no_available(void **state)
{
	struct host_mem m;

	(void)state;
	/* Kernels before 3.14 have no MemAvailable: MemFree stands in. */
	assert_int_equal(host_meminfo_parse("MemTotal: 2048 kB\nMemFree: 1024 kB\nBuffers: 5 kB\n", &m), 0);
	assert_int_equal(m.total_kib, 2048);
	assert_int_equal(m.available_kib, 1024);
	assert_int_equal(m.swap_total_kib, 0);
	assert_int_equal(m.swap_free_kib, 0);

	/* Neither: available is 0, not garbage. */
	memset(&m, 0x5a, sizeof(m));
	assert_int_equal(host_meminfo_parse("MemTotal: 2048 kB\n", &m), 0);
	assert_int_equal(m.total_kib, 2048);
	assert_int_equal(m.available_kib, 0);
	assert_int_equal(m.swap_total_kib, 0);

	/* An unreadable MemAvailable also falls back. */
	assert_int_equal(host_meminfo_parse("MemTotal: 10 kB\nMemAvailable: n/a\nMemFree: 7 kB\n", &m), 0);
	assert_int_equal(m.available_kib, 7);

	/* Order does not matter; no trailing newline is fine. */
	assert_int_equal(host_meminfo_parse("SwapFree: 3 kB\nMemAvailable: 9 kB\nMemTotal: 12 kB", &m), 0);
	assert_int_equal(m.total_kib, 12);
	assert_int_equal(m.available_kib, 9);
	assert_int_equal(m.swap_free_kib, 3);
}

static void test_meminfo_missing_total(void **state)
{
	struct host_mem m;

	(void)state;
	assert_int_equal(host_meminfo_parse("MemFree: 1024 kB\nMemAvailable: 1000 kB\n", &m), -EINVAL);
	assert_int_equal(host_meminfo_parse("", &m), -EINVAL);
	assert_int_equal(host_meminfo_parse(NULL, &m), -EINVAL);
	/* Keys are matched whole and at the start of a line. */
	assert_int_equal(host_meminfo_parse("XMemTotal: 5 kB\n", &m), -EINVAL);
	assert_int_equal(host_meminfo_parse("MemTotalX: 5 kB\n", &m), -EINVAL);
	assert_int_equal(host_meminfo_parse("foo MemTotal: 5 kB\n", &m), -EINVAL);
	assert_int_equal(host_meminfo_parse("MemTotal 5 kB\n", &m), -EINVAL);
	/* ...but a later line is found. */
	assert_int_equal(host_meminfo_parse("foo MemTotal: 5 kB\nMemTotal: 6 kB\n", &m), 0);
	assert_int_equal(m.total_kib, 6);
}

static void test_meminfo_garbage(void **state)
{
	struct host_mem m;

	(void)state;
	assert_int_equal(host_meminfo_parse("hello world\n\n\n", &m), -EINVAL);
	assert_int_equal(host_meminfo_parse("MemTotal: lots\n", &m), -EINVAL);
	assert_int_equal(host_meminfo_parse("MemTotal:\n", &m), -EINVAL);
	assert_int_equal(host_meminfo_parse("MemTotal: 99999999999999999999999 kB\n", &m), -EINVAL);
	assert_int_equal(host_meminfo_parse("\n\n\nMemTotal:", &m), -EINVAL);
	assert_int_equal(host_meminfo_parse("\xff\xfe\x01:\n:::\n", &m), -EINVAL);
	/* garbage elsewhere does not matter */
	assert_int_equal(host_meminfo_parse("junk\n\xff\xfe\nMemTotal: 1 kB\nSwapTotal: x\n", &m), 0);
	assert_int_equal(m.total_kib, 1);
	assert_int_equal(m.swap_total_kib, 0);
}

static void test_meminfo_live(void **state)
{
	struct host_mem m;

	(void)state;
	assert_int_equal(host_meminfo(&m), 0);
	assert_true(m.total_kib > 0);
	assert_true(m.available_kib > 0);
	assert_true(m.available_kib <= m.total_kib);
	assert_true(m.swap_free_kib <= m.swap_total_kib);
}

static void version_is(const char *text, const char *want)
{
	char *v = host_qemu_version_parse(text);

	if (!want) {
		if (v)
			fail_msg("\"%s\" gave version \"%s\"", text ? text : "(null)", v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static void test_qemu_version_parse(void **state)
{
	(void)state;
	version_is("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)\n"
		   "Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n",
		   "7.2.22");
	version_is("QEMU emulator version 8.2.2\n", "8.2.2");
	version_is("QEMU emulator version 10.0.0", "10.0.0");
	version_is(NULL, NULL);
	version_is("", NULL);
	version_is("QEMU emulator\n", NULL);
	version_is("QEMU emulator version \n", NULL);
	version_is("QEMU emulator version unknown\n", NULL);
	version_is("version", NULL);
}

static void test_host_cpus(void **state)
{
	(void)state;
	assert_true(host_cpus() >= 1);
	assert_true(host_cpus() <= 65536);
}

/* host_qemu_version runs the binary it is given. */
static void test_qemu_version_exec(void **state)
{
	char dir[] = "/tmp/croft-test-host-XXXXXX";
	char path[128];
	char *v;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fake-qemu", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\n"
	      "[ \"$1\" = --version ] || exit 1\n"
	      "echo 'QEMU emulator version 9.1.3 (fake)'\n"
	      "echo 'Copyright (c) 2003-2024 Fabrice Bellard'\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);

	v = host_qemu_version(path);
	assert_string_equal(v, "9.1.3");
	free(v);

	unlink(path);
	v = host_qemu_version(path);
	assert_string_equal(v, "unknown");
	free(v);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meminfo_realistic),
		cmocka_unit_test(test_meminfo_no_available),
		cmocka_unit_test(test_meminfo_missing_total),
		cmocka_unit_test(test_meminfo_garbage),
		cmocka_unit_test(test_meminfo_live),
		cmocka_unit_test(test_qemu_version_parse),
		cmocka_unit_test(test_host_cpus),
		cmocka_unit_test(test_qemu_version_exec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
