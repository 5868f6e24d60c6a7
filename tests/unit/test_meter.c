/*
 * Tests for meters (tui/meter.c): the setters that turn figures into a
 * fraction and a text, and the bar as ASCII cells.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/meter.h"

#include <string.h>

static char *bar(double frac, char fill, const char *text, int width, char *buf)
{
	struct meter m = { .fill = fill, .known = 1, .frac = frac };

	strcpy(m.text, text);
	return meter_render(&m, width, buf);
}

static void test_render(void **state)
{
	char buf[128];

	(void)state;
	assert_string_equal(bar(0.5, '|', "50%", 12, buf), "[|||||  50%]");
	assert_string_equal(bar(0, '|', "0%", 12, buf), "[        0%]");
	assert_string_equal(bar(1.0, '#', "full", 12, buf), "[######full]");
	assert_string_equal(bar(7.0, '|', "", 12, buf), "[||||||||||]");     /* clamped */
	assert_string_equal(bar(-1, '|', "", 12, buf), "[          ]");
	/* text longer than the inside is cut at the bracket */
	assert_string_equal(bar(0, '|', "123456", 6, buf), "[1234]");
	assert_int_equal(strlen(bar(0.3, '|', "x", 40, buf)), 40);
	assert_string_equal(bar(0.5, '|', "x", 1, buf), "");
	assert_string_equal(bar(0.5, '|', "x", 2, buf), "[]");
}

static void test_pct(void **state)
{
	struct meter m = { .fill = '|' };

	(void)state;
	meter_set_pct(&m, 23.44);
	assert_true(m.known);
	assert_string_equal(m.text, "23.4%");
	assert_true(m.frac > 0.234 && m.frac < 0.235);
	meter_set_pct(&m, -1);
	assert_false(m.known);
	assert_string_equal(m.text, "-");
	assert_true(m.frac == 0);
}

static void test_mib(void **state)
{
	struct meter m = { .fill = '|' };
	char buf[32];

	(void)state;
	meter_set_mib(&m, 1536, 4096);
	assert_string_equal(m.text, "1.5G/4G");
	assert_true(m.frac > 0.374 && m.frac < 0.376);
	meter_set_mib(&m, 9000, 4096);               /* more than all: full */
	assert_true(m.frac == 1);
	meter_set_mib(&m, 0, 0);                     /* no swap */
	assert_string_equal(m.text, "none");
	assert_true(m.frac == 0);
	assert_string_equal(meter_render(&m, 10, buf), "[    none]");
}

static void test_progress(void **state)
{
	struct meter m = { .fill = '#' };
	char buf[32];

	(void)state;
	meter_set_progress(&m, 512, 1024);
	assert_string_equal(m.text, "50%");
	assert_string_equal(meter_render(&m, 12, buf), "[#####  50%]");
	meter_set_progress(&m, 2048, 1024);
	assert_string_equal(m.text, "100%");
	meter_set_progress(&m, 5, 0);
	assert_false(m.known);
	assert_string_equal(m.text, "-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_pct),
		cmocka_unit_test(test_mib),
		cmocka_unit_test(test_progress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
