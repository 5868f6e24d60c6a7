/*
 * Tests for core/agent.c, the guest agent's protocol: line reassembly
 * after the sync delimiter (pieces of any size, stale bytes, a 0xff in the
 * middle, a line past the limit), the reply parser on real qemu-ga output
 * and garbage, and the result readers on hostile values (control bytes,
 * long strings, too many addresses, wrong types).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lines {
	char got[8][256];
	size_t n;
	int stop_at;          /* return 1 at this line (0: never) */
};

static int collect(const char *line, size_t len, void *arg)
{
	struct lines *l = arg;

	assert_true(l->n < 8);
	assert_true(len < 256);
	memcpy(l->got[l->n], line, len);
	l->got[l->n][len] = '\0';
	l->n++;
	return l->stop_at && (int)l->n == l->stop_at;
}

static void test_rx_delimiter_and_pieces(void **state)
{
	const char in[] = "stale half {\"return\": 3\xff{\"return\": 9}\r\n\n{\"return\": {}}\n{\"ret";
	struct agent_rx rx;
	struct lines l = { .n = 0 };
	size_t i;

	(void)state;
	agent_rx_init(&rx);
	agent_rx_expect_delimiter(&rx);
	for (i = 0; i < sizeof(in) - 1; i++)
		assert_int_equal(agent_rx_feed(&rx, in + i, 1, collect, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.got[0], "{\"return\": 9}");
	assert_string_equal(l.got[1], "{\"return\": {}}");
	assert_int_equal(rx.len, 5);             /* the partial line waits */
	agent_rx_clear(&rx);
}

static void test_rx_stray_delimiter_and_stop(void **state)
{
	const char in[] = "{\"a\"\xff:1}\nsecond\nthird\n";
	struct agent_rx rx;
	struct lines l = { .n = 0, .stop_at = 2 };

	(void)state;
	agent_rx_init(&rx);
	assert_int_equal(agent_rx_feed(&rx, in, sizeof(in) - 1, collect, &l), 1);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.got[0], "{\"a\":1}");
	assert_string_equal(l.got[1], "second");
	agent_rx_clear(&rx);
}

static void test_rx_line_too_long(void **state)
{
	struct agent_rx rx;
	struct lines l = { .n = 0 };
	char *big = malloc(AGENT_LINE_MAX + 1);

	(void)state;
	memset(big, 'x', AGENT_LINE_MAX + 1);
	agent_rx_init(&rx);
	assert_int_equal(agent_rx_feed(&rx, big, AGENT_LINE_MAX, collect, &l), 0);
	assert_int_equal(agent_rx_feed(&rx, big, 1, collect, &l), -EMSGSIZE);
	assert_int_equal(l.n, 0);
	agent_rx_clear(&rx);
	free(big);
}

static int parse(const char *s, struct agent_reply *r, char *err, size_t errlen)
{
	return agent_parse_reply(s, strlen(s), r, err, errlen);
}

static void test_parse_replies(void **state)
{
	struct agent_reply r;
	char err[256];

	(void)state;
	assert_int_equal(parse("{\"return\": 4242}", &r, err, sizeof(err)), 0);
	assert_true(agent_reply_is_sync(&r, 4242));
	assert_false(agent_reply_is_sync(&r, 4243));
	agent_reply_clear(&r);
	assert_int_equal(parse("{\"error\": {\"class\": \"CommandNotFound\", "
			       "\"desc\": \"The command guest-x has not been found\"}}",
			       &r, err, sizeof(err)), 0);
	assert_null(r.ret);
	assert_string_equal(r.err_class, "CommandNotFound");
	assert_false(agent_reply_is_sync(&r, 1));
	agent_reply_clear(&r);

	err[0] = '\0';
	assert_int_equal(parse("not json", &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not JSON"));
	assert_null(r.root);
	assert_int_equal(parse("[1]", &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not an object"));
	assert_int_equal(parse("{\"x\": 1}", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse("{\"error\": {\"class\": 5}}", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse("{\"return\": 1, \"return\": 2}", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse("{\"return\": 1, \"error\": {}}", &r, err, sizeof(err)), -EINVAL);
	assert_null(r.root);
}

static json_t *js(const char *s)
{
	json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);

	assert_non_null(v);
	return v;
}

static void test_read_results(void **state)
{
	struct agent_guest g;
	char err[256];
	json_t *v;

	(void)state;
	memset(&g, 0, sizeof(g));
	v = js("{\"id\": \"debian\", \"name\": \"Debian GNU/Linux\", \"pretty-name\": "
	       "\"Debian GNU/Linux 12 (bookworm)\", \"kernel-release\": \"6.1.0-13-amd64\"}");
	assert_int_equal(agent_read_osinfo(v, &g, err, sizeof(err)), 0);
	assert_string_equal(g.os, "Debian GNU/Linux 12 (bookworm)");
	assert_string_equal(g.kernel, "6.1.0-13-amd64");
	json_decref(v);

	v = js("{\"host-name\": \"we\\u001b[2Jb\\nx\"}");
	assert_int_equal(agent_read_hostname(v, &g, err, sizeof(err)), 0);
	assert_string_equal(g.hostname, "we[2Jbx");   /* control bytes are dropped */
	json_decref(v);
	v = js("{\"host-name\": 3}");
	assert_int_equal(agent_read_hostname(v, &g, err, sizeof(err)), -EINVAL);
	assert_string_equal(g.hostname, "we[2Jbx");
	json_decref(v);

	v = js("[{\"name\": \"lo\", \"ip-addresses\": [{\"ip-address-type\": \"ipv4\", "
	       "\"ip-address\": \"127.0.0.1\", \"prefix\": 8}]}, {\"name\": \"eth0\", "
	       "\"ip-addresses\": [{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.2.15\", "
	       "\"prefix\": 24}, {\"ip-address-type\": \"ipv6\", \"ip-address\": \"fe80::1\", "
	       "\"prefix\": 64}, {\"ip-address-type\": \"ipv6\", \"ip-address\": \"fd00::5\", "
	       "\"prefix\": 64}, {\"ip-address-type\": \"ipv4\", \"ip-address\": \"1.2.3.4\", "
	       "\"prefix\": 999}, \"junk\"]}, 17, {\"name\": \"x\", \"ip-addresses\": 3}]");
	assert_int_equal(agent_read_interfaces(v, &g, err, sizeof(err)), 0);
	assert_int_equal(g.naddrs, 2);
	assert_string_equal(g.addrs[0], "10.0.2.15/24");
	assert_string_equal(g.addrs[1], "fd00::5/64");
	json_decref(v);

	v = js("[{\"name\": \"eth0\", \"ip-addresses\": ["
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8},"
	       "{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.0.1\", \"prefix\": 8}]}]");
	assert_int_equal(agent_read_interfaces(v, &g, err, sizeof(err)), 0);
	assert_int_equal(g.naddrs, AGENT_ADDRS_MAX);
	json_decref(v);
	v = js("{}");
	assert_int_equal(agent_read_interfaces(v, &g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not an array"));
	json_decref(v);

	g.fsfreeze = -1;
	v = js("\"frozen\"");
	assert_int_equal(agent_read_fsfreeze(v, &g, err, sizeof(err)), 0);
	assert_int_equal(g.fsfreeze, 1);
	json_decref(v);
	v = js("\"melting\"");
	assert_int_equal(agent_read_fsfreeze(v, &g, err, sizeof(err)), -EINVAL);
	assert_int_equal(g.fsfreeze, 1);
	json_decref(v);
	v = js("{\"version\": \"7.2.0\"}");
	assert_int_equal(agent_read_info(v, &g, err, sizeof(err)), 0);
	assert_string_equal(g.version, "7.2.0");
	json_decref(v);
}

static void test_request_lines(void **state)
{
	char *s;
	json_t *a = json_pack("{s:s}", "mode", "powerdown");

	(void)state;
	s = agent_sync_line(12);
	assert_string_equal(s, "\xff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":12}}\n");
	free(s);
	s = agent_command_line("guest-shutdown", a);
	assert_string_equal(s, "{\"execute\":\"guest-shutdown\",\"arguments\":{\"mode\":\"powerdown\"}}\n");
	free(s);
	s = agent_command_line("guest-ping", NULL);
	assert_string_equal(s, "{\"execute\":\"guest-ping\"}\n");
	free(s);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_delimiter_and_pieces),
		cmocka_unit_test(test_rx_stray_delimiter_and_stop),
		cmocka_unit_test(test_rx_line_too_long),
		cmocka_unit_test(test_parse_replies),
		cmocka_unit_test(test_read_results),
		cmocka_unit_test(test_request_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
