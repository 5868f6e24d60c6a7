/*
 * Tests for common/json_get.c: paths, defaults for absent, null and
 * mistyped members, and paths that run through a non-object.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/json_get.h"

static void test_getters(void **state)
{
	json_t *o = json_loads("{\"name\":\"web\",\"vcpus\":2,\"pct\":12.5,\"on\":true,"
			       "\"none\":null,\"accel\":{\"effective\":\"tcg\",\"usable\":false},"
			       "\"disks\":[1,2],\"a\":{\"b\":{\"c\":7}}}", 0, NULL);

	(void)state;
	assert_non_null(o);
	assert_string_equal(jget_str(o, "name", "-"), "web");
	assert_string_equal(jget_str(o, "vcpus", "-"), "-");
	assert_string_equal(jget_str(o, "none", "-"), "-");
	assert_string_equal(jget_str(o, "missing", "-"), "-");
	assert_null(jget_str(o, "missing", NULL));
	assert_string_equal(jget_str(o, "accel.effective", "-"), "tcg");
	assert_int_equal(jget_int(o, "vcpus", -1), 2);
	assert_int_equal(jget_int(o, "pct", -1), -1);
	assert_int_equal(jget_int(o, "a.b.c", -1), 7);
	assert_int_equal(jget_int(o, "a.b.c.d", -1), -1);
	assert_int_equal(jget_int(o, "name.x", -1), -1);
	assert_true(jget_num(o, "pct", 0) == 12.5);
	assert_true(jget_num(o, "vcpus", 0) == 2.0);
	assert_true(jget_num(o, "name", -1) == -1);
	assert_int_equal(jget_bool(o, "on", 0), 1);
	assert_int_equal(jget_bool(o, "accel.usable", 1), 0);
	assert_int_equal(jget_bool(o, "none", -1), -1);
	assert_non_null(jget_obj(o, "accel"));
	assert_null(jget_obj(o, "disks"));
	assert_int_equal(json_array_size(jget_arr(o, "disks")), 2);
	assert_null(jget_arr(o, "accel"));
	assert_null(jget(NULL, "x"));
	assert_ptr_equal(jget(o, NULL), o);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
