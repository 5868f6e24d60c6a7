/*
 * Tests for common/validate.c: names, sizes, and the vcpus/memory/disk
 * ranges.  Every refusal is checked for the words a user needs to fix it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "common/validate.h"

#include <errno.h>
#include <string.h>

/* ---- names ------------------------------------------------------------- */

static void name_ok(const char *name)
{
	char err[256] = "untouched";

	if (name_check("VM", name, err, sizeof(err)) != 0)
		fail_msg("name '%s' refused: %s", name, err);
}

static void name_bad(const char *name, const char *w1, const char *w2)
{
	char err[256] = "";

	assert_int_equal(name_check("VM", name, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "VM name");
	if (w1)
		tl_assert_contains(err, w1);
	if (w2)
		tl_assert_contains(err, w2);
}

static void test_name_valid(void **state)
{
	char n63[64];

	(void)state;
	name_ok("web-01");
	name_ok("a.b_c");
	name_ok("a");
	name_ok("9");
	name_ok("Z9-._");
	name_ok("db.example.com");
	memset(n63, 'x', 63);
	n63[63] = '\0';
	name_ok(n63);
}

static void test_name_empty_and_long(void **state)
{
	char n64[65];
	char n200[201];

	(void)state;
	name_bad("", "empty", NULL);
	{
		char err[64] = "";

		assert_int_equal(name_check("pool", NULL, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "pool name is empty");
	}
	memset(n64, 'a', 64);
	n64[64] = '\0';
	name_bad(n64, "64 characters", "limit is 63");
	memset(n200, 'b', 200);
	n200[200] = '\0';
	name_bad(n200, "200 characters", "limit is 63");
}

static void test_name_bad_start(void **state)
{
	(void)state;
	name_bad("-web", "must start with a letter or a digit", "'-web'");
	name_bad(".hidden", "must start with a letter or a digit", NULL);
	name_bad("_x", "must start with a letter or a digit", NULL);
	name_bad("/etc", "must start with a letter or a digit", NULL);
	name_bad(" web", "must start with a letter or a digit", NULL);
	name_bad("\xc3\xa9t\xc3\xa9", "must start with a letter or a digit", NULL);
}

static void test_name_bad_chars(void **state)
{
	(void)state;
	name_bad("a/b", "contains '/'", "letters, digits");
	name_bad("../x", "must start", NULL);
	name_bad("x/../y", "contains '/'", NULL);
	name_bad("web 01", "contains ' '", NULL);
	name_bad("web:01", "contains ':'", NULL);
	name_bad("caf\xc3\xa9", "non-ASCII", "0xc3");
	name_bad("a\tb", "non-printable", "0x09");
	name_bad("a\x7f", "non-printable", "0x7f");
	name_bad("a\nb", "0x0a", NULL);
}

static void test_name_small_err_buffer(void **state)
{
	char err[8];

	(void)state;
	memset(err, 'Z', sizeof(err));
	assert_int_equal(name_check("VM", "-x", err, sizeof(err)), -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	/* A NULL buffer is allowed. */
	assert_int_equal(name_check("VM", "-x", NULL, 0), -EINVAL);
}

/* ---- sizes ------------------------------------------------------------- */

static void size_ok(const char *s, uint64_t want)
{
	uint64_t got = 12345;
	char err[256] = "";

	if (size_parse(s, &got, err, sizeof(err)) != 0)
		fail_msg("size '%s' refused: %s", s, err);
	if (got != want)
		fail_msg("size '%s': got %llu, want %llu", s,
			 (unsigned long long)got, (unsigned long long)want);
}

static void size_bad(const char *s, const char *w1, const char *w2)
{
	uint64_t got = 777;
	char err[256] = "";

	assert_int_equal(size_parse(s, &got, err, sizeof(err)), -EINVAL);
	assert_int_equal(got, 777);          /* untouched on failure */
	tl_assert_contains(err, w1);
	if (w2)
		tl_assert_contains(err, w2);
}

static void test_size_parse_valid(void **state)
{
	(void)state;
	size_ok("512M", 512ULL << 20);
	size_ok("2G", 2ULL << 30);
	size_ok("1T", 1ULL << 40);
	size_ok("1024K", 1ULL << 20);
	size_ok("10", 10ULL << 20);
	size_ok("0", 0);
	size_ok("7B", 7);
	size_ok("7b", 7);
	size_ok("1KiB", 1024);
	size_ok("1kb", 1024);
	size_ok("1gib", 1ULL << 30);
	size_ok("3MiB", 3ULL << 20);
	size_ok("3mb", 3ULL << 20);
	size_ok("2GB", 2ULL << 30);
	size_ok("5TiB", 5ULL << 40);
	size_ok("007M", 7ULL << 20);
	/* The largest values that still fit. */
	size_ok("16777215T", 16777215ULL << 40);
	size_ok("17592186044415M", 17592186044415ULL << 20);
	size_ok("18446744073709551609B", 18446744073709551609ULL);
}

static void test_size_parse_invalid(void **state)
{
	(void)state;
	size_bad("", "empty", NULL);
	{
		uint64_t b;
		char err[64] = "";

		assert_int_equal(size_parse(NULL, &b, err, sizeof(err)), -EINVAL);
		tl_assert_contains(err, "empty");
	}
	size_bad("G", "'G'", "must start with a digit");
	size_bad("-1M", "'-1M'", "must start with a digit");
	size_bad(" 1M", "must start with a digit", NULL);
	size_bad("1.5G", "unknown unit '.5G'", "K, M, G or T");
	size_bad("12X", "unknown unit 'X'", "'12X'");
	size_bad("1 G", "unknown unit ' G'", NULL);
	size_bad("1GG", "unknown unit 'GG'", NULL);
	size_bad("1P", "unknown unit 'P'", NULL);
	size_bad("2Gi", "unknown unit 'Gi'", NULL);
	size_bad("99999999999999999999", "too large", "'99999999999999999999'");
	size_bad("17179869184T", "too large", NULL);
	size_bad("16777216T", "too large", NULL);
	size_bad("17592186044416M", "too large", NULL);
	size_bad("18446744073709551616B", "too large", NULL);
}

static void test_size_looks_like(void **state)
{
	(void)state;
	assert_int_equal(size_looks_like("2G"), 1);
	assert_int_equal(size_looks_like("10"), 1);
	assert_int_equal(size_looks_like("7b"), 1);
	assert_int_equal(size_looks_like("512MiB"), 1);
	assert_int_equal(size_looks_like("1gib"), 1);
	assert_int_equal(size_looks_like(""), 0);
	assert_int_equal(size_looks_like(NULL), 0);
	assert_int_equal(size_looks_like("G"), 0);
	assert_int_equal(size_looks_like("1.5G"), 0);
	assert_int_equal(size_looks_like("12X"), 0);
	assert_int_equal(size_looks_like("disk.qcow2"), 0);
	assert_int_equal(size_looks_like("/var/lib/croft/a.img"), 0);
	assert_int_equal(size_looks_like("2024-backup.qcow2"), 0);
	assert_int_equal(size_looks_like("./10G"), 0);
}

static void fmt_is(uint64_t bytes, const char *want)
{
	char buf[32];

	memset(buf, 'Z', sizeof(buf));
	assert_ptr_equal(size_format(bytes, buf, sizeof(buf)), buf);
	assert_string_equal(buf, want);
}

static void test_size_format(void **state)
{
	char small[3];

	(void)state;
	fmt_is(0, "0B");
	fmt_is(1, "1B");
	fmt_is(1023, "1023B");
	fmt_is(1024, "1K");
	fmt_is(512ULL << 20, "512M");
	fmt_is(2ULL << 30, "2G");
	fmt_is(1ULL << 40, "1T");
	fmt_is(64ULL << 40, "64T");
	fmt_is(1ULL << 50, "1P");
	fmt_is(1ULL << 60, "1024P");
	/* fractional */
	fmt_is(1536ULL << 20, "1.5G");
	fmt_is(1536, "1.5K");
	fmt_is(1025, "1.0K");
	fmt_is((5ULL << 30) + (256ULL << 20), "5.2G");
	fmt_is((1ULL << 40) + (1ULL << 39), "1.5T");
	fmt_is(UINT64_MAX, "16384.0P");
	/* A short buffer is truncated, never overrun. */
	assert_string_equal(size_format(512ULL << 20, small, sizeof(small)), "51");
}

static void test_size_roundtrip(void **state)
{
	static const char *const in[] = { "1K", "512M", "2G", "1T", "3B", "1023B", "64T" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		uint64_t b;
		char buf[32];

		assert_int_equal(size_parse(in[i], &b, NULL, 0), 0);
		assert_string_equal(size_format(b, buf, sizeof(buf)), in[i]);
	}
}

/* ---- ranges ------------------------------------------------------------ */

static void test_vcpus_check(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(vcpus_check(1, err, sizeof(err)), 0);
	assert_int_equal(vcpus_check(4, err, sizeof(err)), 0);
	assert_int_equal(vcpus_check(255, err, sizeof(err)), 0);

	err[0] = '\0';
	assert_int_equal(vcpus_check(0, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "vcpus");
	tl_assert_contains(err, "between 1 and 255");
	tl_assert_contains(err, "not 0");

	assert_int_equal(vcpus_check(256, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "not 256");
	assert_int_equal(vcpus_check(-1, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "not -1");
	assert_int_equal(vcpus_check(1LL << 40, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "not 1099511627776");
}

static void test_memory_check(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(memory_check(1024, 0, err, sizeof(err)), 0);
	assert_int_equal(memory_check(16, 0, err, sizeof(err)), 0);
	assert_int_equal(memory_check(MEMORY_MAX_MIB, 0, err, sizeof(err)), 0);
	assert_int_equal(memory_check(1024, 16, err, sizeof(err)), 0);
	assert_int_equal(memory_check(1024, 1024, err, sizeof(err)), 0);

	err[0] = '\0';
	assert_int_equal(memory_check(15, 0, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "memory must be between 16M and 16T");
	tl_assert_contains(err, "not 15M");
	assert_int_equal(memory_check(0, 0, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "not 0M");
	assert_int_equal(memory_check(MEMORY_MAX_MIB + 1, 0, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "not 16777217M");

	assert_int_equal(memory_check(1024, 2048, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "memory-min (2048M) is above memory (1024M)");
	assert_int_equal(memory_check(1024, 1025, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "above");

	assert_int_equal(memory_check(1024, 8, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "memory-min must be at least 16M");
	tl_assert_contains(err, "not 8M");
	assert_int_equal(memory_check(1024, 15, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "not 15M");
}

static void test_disk_size_check(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(disk_size_check(DISK_MIN_BYTES, err, sizeof(err)), 0);
	assert_int_equal(disk_size_check(20ULL << 30, err, sizeof(err)), 0);
	assert_int_equal(disk_size_check(DISK_MAX_BYTES, err, sizeof(err)), 0);

	err[0] = '\0';
	assert_int_equal(disk_size_check(0, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "disk size must be between 1M and 64T");
	tl_assert_contains(err, "not 0B");
	assert_int_equal(disk_size_check(512ULL << 10, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "not 512K");
	assert_int_equal(disk_size_check(DISK_MIN_BYTES - 1, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "between 1M and 64T");
	assert_int_equal(disk_size_check(65ULL << 40, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "not 65T");
	assert_int_equal(disk_size_check(DISK_MAX_BYTES + 1, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "disk size");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_name_empty_and_long),
		cmocka_unit_test(test_name_bad_start),
		cmocka_unit_test(test_name_bad_chars),
		cmocka_unit_test(test_name_small_err_buffer),
		cmocka_unit_test(test_size_parse_valid),
		cmocka_unit_test(test_size_parse_invalid),
		cmocka_unit_test(test_size_looks_like),
		cmocka_unit_test(test_size_format),
		cmocka_unit_test(test_size_roundtrip),
		cmocka_unit_test(test_vcpus_check),
		cmocka_unit_test(test_memory_check),
		cmocka_unit_test(test_disk_size_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
