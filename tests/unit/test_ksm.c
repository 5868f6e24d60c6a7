/*
 * Tests for core/ksm.c: the plan follows memory pressure as ksmtuned
 * does (more pages per round when short, decaying and stopping when not;
 * "on" keeps it running, "off" changes nothing), and the writes go to a
 * directory of the test's own (the sysfs seam), only what changed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/ksm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void test_plan(void **state)
{
	struct ksm_tune cur = { 0, 0, 0 }, next;
	int i;

	(void)state;
	/* 16 GiB host with room: off, slowest scan */
	ksm_plan(KSM_AUTO, 16384, 12000, 0, &cur, &next);
	assert_int_equal(next.run, 0);
	assert_int_equal(next.pages_to_scan, KSM_NPAGES_MIN);
	assert_int_equal(next.sleep_ms, 10);
	/* short of memory: runs, boosts each round up to the maximum */
	cur = next;
	ksm_plan(KSM_AUTO, 16384, 2000, 0, &cur, &next);
	assert_int_equal(next.run, 1);
	assert_int_equal(next.pages_to_scan, KSM_NPAGES_MIN + KSM_BOOST);
	for (i = 0; i < 10; i++) {
		cur = next;
		ksm_plan(KSM_AUTO, 16384, 2000, 0, &cur, &next);
	}
	assert_int_equal(next.pages_to_scan, KSM_NPAGES_MAX);
	/* pressure alone counts too */
	cur = next;
	ksm_plan(KSM_AUTO, 16384, 12000, 5.0, &cur, &next);
	assert_int_equal(next.run, 1);
	/* room again: decays and stops */
	cur = next;
	ksm_plan(KSM_AUTO, 16384, 12000, 0, &cur, &next);
	assert_int_equal(next.run, 0);
	assert_int_equal(next.pages_to_scan, KSM_NPAGES_MAX - KSM_DECAY);
	/* on: runs with room, at the decayed rate */
	cur = next;
	ksm_plan(KSM_ON, 16384, 12000, 0, &cur, &next);
	assert_int_equal(next.run, 1);
	/* off: nothing changes */
	cur = next;
	ksm_plan(KSM_OFF, 16384, 100, 50, &cur, &next);
	assert_memory_equal(&cur, &next, sizeof(cur));
	/* a small host sleeps longer */
	ksm_plan(KSM_AUTO, 2048, 1800, 0, &cur, &next);
	assert_int_equal(next.sleep_ms, 80);
}

static void read_file(const char *dir, const char *name, char *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, (int)len, f));
	fclose(f);
}

static void test_apply(void **state)
{
	char *dir = tl_tmpdir("ksm"), buf[32];
	struct ksm_tune t = { 1, 364, 10 }, written = { -1, 0, 0 };

	(void)state;
	assert_non_null(dir);
	/* no KSM: the files are missing */
	assert_int_equal(ksm_apply(dir, &t, &written), -ENOENT);
	tl_write_in_or_fail(dir, "run", "0\n");
	tl_write_in_or_fail(dir, "pages_to_scan", "100\n");
	tl_write_in_or_fail(dir, "sleep_millisecs", "20\n");
	assert_int_equal(ksm_apply(dir, &t, &written), 0);
	read_file(dir, "run", buf, sizeof(buf));
	assert_string_equal(buf, "1\n");
	read_file(dir, "pages_to_scan", buf, sizeof(buf));
	assert_string_equal(buf, "364\n");
	read_file(dir, "sleep_millisecs", buf, sizeof(buf));
	assert_string_equal(buf, "10\n");
	assert_memory_equal(&t, &written, sizeof(t));
	/* what did not change is not written again */
	tl_write_in_or_fail(dir, "run", "7\n");
	t.pages_to_scan = 414;
	assert_int_equal(ksm_apply(dir, &t, &written), 0);
	read_file(dir, "run", buf, sizeof(buf));
	assert_string_equal(buf, "7\n");
	read_file(dir, "pages_to_scan", buf, sizeof(buf));
	assert_string_equal(buf, "414\n");
	tl_rmtree(dir);
	free(dir);
}

static void test_mode(void **state)
{
	enum ksm_mode m;

	(void)state;
	assert_int_equal(ksm_mode_parse("auto", &m), 0);
	assert_int_equal(m, KSM_AUTO);
	assert_int_equal(ksm_mode_parse("on", &m), 0);
	assert_int_equal(m, KSM_ON);
	assert_int_equal(ksm_mode_parse("off", &m), 0);
	assert_int_equal(m, KSM_OFF);
	assert_int_equal(ksm_mode_parse("yes", &m), -EINVAL);
	assert_int_equal(ksm_mode_parse(NULL, &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
