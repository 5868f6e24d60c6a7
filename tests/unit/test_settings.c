/*
 * Tests for core/settings.c: a host setting read as a bounded integer,
 * with the default for an unset, malformed or out-of-range value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/settings.h"
#include "store/store.h"

#include <stdlib.h>

static void test_settings_int(void **state)
{
	static const struct { const char *value; int64_t want; } cases[] = {
		{ "100", 100 }, { "10", 10 }, { "1000", 1000 }, { "-5", 7 }, { "9", 7 },
		{ "1001", 7 }, { "12abc", 7 }, { " ", 7 }, { "", 7 },
		{ "99999999999999999999999", 7 },
	};
	char *dir = tl_tmpdir("settings");
	struct store *st;
	size_t i;

	(void)state;
	assert_non_null(dir);
	st = tl_store_open_or_fail(dir);
	assert_int_equal(settings_int(st, "knob", 7, 10, 1000), 7);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(store_setting_set(st, "knob", cases[i].value), 0);
		assert_int_equal(settings_int(st, "knob", 7, 10, 1000), cases[i].want);
	}
	store_close(st);
	tl_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_int),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
