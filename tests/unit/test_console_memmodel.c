/*
 * Tests for tui/console_memmodel.c: the Host screen's Memory panel lines
 * from a hand-made host.memory answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "tui/console_memmodel.h"

#include <string.h>

static void test_lines(void **state)
{
	struct cmem_line l[CMEM_LINES];
	json_t *mem = json_loads(
		"{\"balloon\":\"on\",\"budget_mib\":1024,\"budget_source\":\"setting\","
		"\"guests_target_mib\":1100,\"guests_min_mib\":512,"
		"\"ksm\":{\"mode\":\"auto\",\"known\":true,\"run\":1,\"pages_shared\":300,\"saved_mib\":12},"
		"\"vms\":[{\"name\":\"web\",\"state\":\"running\",\"memory_mib\":2048,\"memory_min_mib\":512,"
		"\"target_mib\":1536,\"actual_mib\":1600,\"guest_used_mib\":900,\"rss_mib\":1700,"
		"\"stats\":\"ok\",\"last_decision\":\"web: balloon 2.0G -> 1.5G (host budget 1.0G exceeded by 700M)\"},"
		"{\"name\":\"db\",\"state\":\"stopped\"},"
		"{\"name\":\"old\",\"state\":\"running\",\"memory_mib\":512,\"memory_min_mib\":128,"
		"\"target_mib\":512,\"actual_mib\":512,\"guest_used_mib\":null,\"rss_mib\":100,"
		"\"stats\":\"stale\",\"last_decision\":null}]}", 0, NULL);
	size_t n;

	(void)state;
	assert_non_null(mem);
	assert_int_equal(cmem_lines(NULL, l, CMEM_LINES), 0);
	n = cmem_lines(mem, l, CMEM_LINES);
	assert_int_equal(n, 4);
	assert_string_equal(l[0].label, "Budget");
	assert_string_equal(l[0].text, "1.0G for guests (setting), running guests' targets 1.1G, "
			    "minimums 512M; balloon policy on");
	assert_int_equal(l[0].warn, 1);
	assert_string_equal(l[1].text, "auto, running, 300 pages shared, 12M saved");
	assert_string_equal(l[2].label, "web");
	assert_string_equal(l[2].text, "balloon 1.6G (target 1.5G) of 2.0G, min 512M; guest uses 900M, "
			    "host RSS 1.7G; last: (host budget 1.0G exceeded by 700M)");
	assert_int_equal(l[2].warn, 0);
	assert_string_equal(l[3].text, "balloon 512M (target 512M) of 512M, min 128M; guest uses -, "
			    "host RSS 100M; statistics: stale");
	assert_int_equal(l[3].warn, 1);
	/* a short array takes what fits */
	assert_int_equal(cmem_lines(mem, l, 2), 2);
	json_decref(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
