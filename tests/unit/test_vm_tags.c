/*
 * vm_tags tests: the tag rules, the stored text (sorted, without
 * duplicates) from JSON and back, and membership.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/vm_tags.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void joined(const char *json, const char *want)
{
	json_t *a = tl_json(json), *back;
	char *out = NULL, err[256] = "";
	size_t n = 1;
	const char *p;

	if (vm_tags_from_json(a, &out, err, sizeof(err)) < 0)
		fail_msg("%s: %s", json, err);
	if (!want)
		assert_null(out);
	else
		assert_string_equal(out, want);
	back = vm_tags_json(out);
	for (p = want; p && *p; p++)
		n += *p == ',';
	assert_int_equal(json_array_size(back), want ? n : 0);
	json_decref(back);
	json_decref(a);
	free(out);
}

static void refused(const char *json, const char *want)
{
	json_t *a = tl_json(json);
	char *out = NULL, err[256] = "";

	assert_int_equal(vm_tags_from_json(a, &out, err, sizeof(err)), -EINVAL);
	assert_null(out);
	tl_assert_contains(err, want);
	json_decref(a);
}

static void test_tags(void **state)
{
	(void)state;
	joined("[\"web\",\"prod\",\"web\"]", "prod,web");
	joined("[]", NULL);
	joined("[\"a.b\",\"x-1\",\"db_2\"]", "a.b,db_2,x-1");
	refused("[\"\"]", "a tag cannot be empty");
	refused("[\"Web\"]", "tag 'Web' may hold only");
	refused("[\"-x\"]", "tag '-x' may hold only");
	refused("[\"a,b\"]", "tag 'a,b' may hold only");
	refused("[1]", "tag 1 is not a string");
	refused("\"web\"", "a list of strings");
	refused("[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]", "longer than 32");
	refused("[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\","
		"\"n\",\"o\",\"p\",\"q\"]", "at most 16 tags");
	assert_true(vm_tags_has("prod,web", "web"));
	assert_true(vm_tags_has("prod,web", "prod"));
	assert_false(vm_tags_has("prod,web", "pro"));
	assert_false(vm_tags_has("prod,webx", "web"));
	assert_false(vm_tags_has(NULL, "web"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
