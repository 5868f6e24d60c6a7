/*
 * The strict JSON scanner (core/jscan.h): what it accepts and refuses,
 * and reading members, integers and strings in place.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/jscan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int whole(const char *s)
{
	struct jscan_span v;

	return jscan_whole(s, s + strlen(s), &v);
}

static void test_accepts(void **state)
{
	static const char *const ok[] = {
		"{}", "[]", " \t\r\n[ 1 , -2.5e+3, 0, 0.25, 1E9 ] \r\n", "\"\"", "true", "false",
		"null", "{\"a\": {\"b\": [true, null, \"x\\\"y\\\\z\\/\\b\\f\\n\\r\\t\\u00e9\"]}}",
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "-0", "[[[[]]]]",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (whole(ok[i]) != 0)
			fail_msg("refused: %s", ok[i]);
}

static void test_refuses(void **state)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "[1,]", "[,1]", "{\"a\" 1}", "{\"a\":}", "{a:1}", "{\"a\":1,}",
		"[1 2]", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"abc", "\"a\\x\"",
		"\"\\u12g4\"", "\"tab\there\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf5\x80\x80\x80\"",
		"\"\xe2\x82\"", "[1] [2]", "{} x", "[\"a\"\x00]", "'a'", "NaN",
	};
	char deep[2 * JSCAN_MAX_DEPTH + 8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (whole(bad[i]) == 0)
			fail_msg("accepted: %s", bad[i]);
	/* an embedded NUL */
	assert_int_equal(jscan_whole("[1,\0002]", "[1,\0002]" + 6, &(struct jscan_span){ 0 }), -EINVAL);
	/* nesting: JSCAN_MAX_DEPTH is fine, one more is not */
	memset(deep, '[', JSCAN_MAX_DEPTH);
	memset(deep + JSCAN_MAX_DEPTH, ']', JSCAN_MAX_DEPTH);
	deep[2 * JSCAN_MAX_DEPTH] = '\0';
	assert_int_equal(whole(deep), 0);
	memset(deep, '[', JSCAN_MAX_DEPTH + 1);
	memset(deep + JSCAN_MAX_DEPTH + 1, ']', JSCAN_MAX_DEPTH + 1);
	deep[2 * JSCAN_MAX_DEPTH + 2] = '\0';
	assert_int_equal(whole(deep), -EINVAL);
	assert_null(jscan_value(NULL, NULL));
}

static void test_read_in_place(void **state)
{
	const char *s = "[{\"device\": \"\", \"node-name\": \"disk0\", \"stats\": {\"rd_bytes\": 4096, "
			"\"neg\": -1, \"big\": 18446744073709551615, \"over\": 18446744073709551616, "
			"\"real\": 1.5, \"esc\": \"a\\u0062\", \"x\": 00}}, 7]";
	struct jscan_span v, e, st, k, val;
	struct jscan_it it;
	uint64_t x;
	char buf[16];
	int n = 0;

	(void)state;
	/* "x": 00 makes it not JSON: nothing is read */
	assert_int_equal(whole(s), -EINVAL);
	s = "[{\"device\": \"\", \"node-name\": \"disk0\", \"stats\": {\"rd_bytes\": 4096, "
	    "\"neg\": -1, \"big\": 18446744073709551615, \"over\": 18446744073709551616, "
	    "\"real\": 1.5, \"esc\": \"a\\u0062\", \"long\": \"123456789\"}}, 7]";
	assert_int_equal(jscan_whole(s, s + strlen(s), &v), 0);
	assert_int_equal(jscan_iter(&it, v), 0);
	while (jscan_next(&it, &k, &val)) {
		assert_null(k.p);            /* an array's elements have no key */
		n++;
	}
	assert_int_equal(n, 2);
	jscan_iter(&it, v);
	assert_int_equal(jscan_next(&it, NULL, &e), 1);
	assert_int_equal(jscan_member(e, "node-name", &val), 1);
	assert_int_equal(jscan_str(val, buf, 8), 0);
	assert_string_equal(buf, "disk0");
	assert_int_equal(jscan_member(e, "device", &val), 1);
	assert_int_equal(jscan_str(val, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(jscan_member(e, "nosuch", &val), 0);
	assert_int_equal(jscan_member(e, "stats", &st), 1);
	assert_int_equal(jscan_member(st, "rd_bytes", &val), 1);
	assert_int_equal(jscan_u64(val, &x), 0);
	assert_int_equal(x, 4096);
	assert_int_equal(jscan_member(st, "big", &val), 1);
	assert_int_equal(jscan_u64(val, &x), 0);
	assert_true(x == UINT64_MAX);
	jscan_member(st, "over", &val);
	assert_int_equal(jscan_u64(val, &x), -EINVAL);
	jscan_member(st, "neg", &val);
	assert_int_equal(jscan_u64(val, &x), -EINVAL);
	jscan_member(st, "real", &val);
	assert_int_equal(jscan_u64(val, &x), -EINVAL);
	/* strings with escapes, or too long, are not copied */
	jscan_member(st, "esc", &val);
	assert_int_equal(jscan_str(val, buf, sizeof(buf)), -EINVAL);
	jscan_member(st, "long", &val);
	assert_int_equal(jscan_str(val, buf, 9), -EINVAL);
	assert_int_equal(jscan_str(val, buf, 10), 0);
	assert_string_equal(buf, "123456789");
	/* not a container: no iteration; an array has no members */
	assert_int_equal(jscan_iter(&it, val), -EINVAL);
	assert_int_equal(jscan_member(v, "stats", &val), 0);
	jscan_iter(&it, e);
	assert_int_equal(jscan_next(&it, &k, &val), 1);
	assert_true(jscan_key_is(k, "device"));
	assert_false(jscan_key_is(k, "devic"));
	assert_false(jscan_key_is(k, "devices"));
	assert_false(jscan_key_is(k, ""));
	/* a key with an escaped quote in it ends at its own closing quote */
	s = "{\"a\\\"b\": 1, \"c\": \"\\\\\"}";
	assert_int_equal(jscan_whole(s, s + strlen(s), &v), 0);
	jscan_iter(&it, v);
	assert_int_equal(jscan_next(&it, &k, &val), 1);
	assert_int_equal(k.n, 6);
	assert_int_equal(jscan_next(&it, &k, &val), 1);
	assert_true(jscan_key_is(k, "c"));
	assert_int_equal(val.n, 4);
	assert_int_equal(jscan_next(&it, &k, &val), 0);
}

/* The iterators step over a checked value by its brackets and strings:
 * brackets, commas and escaped quotes inside strings, nested containers,
 * literals and numbers at the end of a container. */
static void test_iterates_checked_values(void **state)
{
	const char *s = "{\"a\": \"x]}\\\"{,\", \"b\": [1, [2, {\"c\": \"]\"}], -3.5e2],"
			"\"t\" : true , \"n\":null,\"z\":0}";
	static const char *const keys[] = { "a", "b", "t", "n", "z" };
	static const char *const vals[] = { "\"x]}\\\"{,\"", "[1, [2, {\"c\": \"]\"}], -3.5e2]",
					    "true", "null", "0" };
	struct jscan_span v, k, val;
	struct jscan_it it;
	size_t n = 0;

	(void)state;
	assert_int_equal(jscan_whole(s, s + strlen(s), &v), 0);
	assert_int_equal(jscan_iter(&it, v), 0);
	while (jscan_next(&it, &k, &val)) {
		assert_true(n < 5);
		assert_true(jscan_key_is(k, keys[n]));
		assert_int_equal(val.n, strlen(vals[n]));
		assert_memory_equal(val.p, vals[n], val.n);
		n++;
	}
	assert_int_equal(n, 5);
	/* text never checked that ends inside a string or container: no value */
	v.p = "[\"ab";
	v.n = 4;
	assert_int_equal(jscan_iter(&it, v), 0);
	assert_int_equal(jscan_next(&it, NULL, &val), 0);
	v.p = "[[1,2";
	v.n = 5;
	assert_int_equal(jscan_iter(&it, v), 0);
	assert_int_equal(jscan_next(&it, NULL, &val), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_read_in_place),
		cmocka_unit_test(test_iterates_checked_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
