/*
 * Tests for netd/leases.c: dnsmasq lease lines, with every kind of line a
 * real file holds (IPv4 leases, the IPv6 "duid" line, infinite leases,
 * "*" host names and client ids) and garbage that must be skipped, and the
 * reader over a run directory's net/<id>/leases files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "netd/leases.h"
#include "tests/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *ip(const struct netd_lease *l, char *buf)
{
	return inet_ntop(AF_INET, &l->ip, buf, INET_ADDRSTRLEN);
}

static void test_parse_good(void **state)
{
	const char *text =
		"1700000000 52:54:00:12:34:56 10.73.0.5 web 01:52:54:00:12:34:56\n"
		"0 52:54:00:ab:cd:ef 10.73.0.6 * *\n"
		"1700000500 52:54:00:00:00:07 10.73.0.7 db\n"        /* no client id */
		"duid 00:01:00:01:2c:aa:bb:cc:52:54:00:12:34:56\n"
		"1700000600\t52:54:00:00:00:08  10.73.0.8\tlong-host.example *\r\n";
	struct netd_lease *ls = NULL;
	size_t n = 0, skipped;
	char b[INET_ADDRSTRLEN];

	(void)state;
	skipped = leases_parse(text, 4, &ls, &n);
	assert_int_equal(skipped, 1);                         /* the duid line */
	assert_int_equal(n, 4);
	assert_int_equal(ls[0].net_id, 4);
	assert_int_equal(ls[0].expires, 1700000000);
	assert_memory_equal(ls[0].mac, ((uint8_t[]){ 0x52, 0x54, 0, 0x12, 0x34, 0x56 }), 6);
	assert_string_equal(ip(&ls[0], b), "10.73.0.5");
	assert_string_equal(ls[0].hostname, "web");
	assert_int_equal(ls[1].expires, 0);
	assert_string_equal(ls[1].hostname, "");
	assert_memory_equal(ls[1].mac, ((uint8_t[]){ 0x52, 0x54, 0, 0xab, 0xcd, 0xef }), 6);
	assert_string_equal(ls[2].hostname, "db");
	assert_string_equal(ip(&ls[3], b), "10.73.0.8");
	assert_string_equal(ls[3].hostname, "long-host.example");
	free(ls);
}

static void test_parse_garbage(void **state)
{
	char longname[200];
	char *text;
	struct netd_lease *ls = NULL;
	size_t n = 0, skipped;

	(void)state;
	memset(longname, 'h', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	text = NULL;
	if (asprintf(&text,
		     "garbage\n"
		     "\n\n"
		     "abc 52:54:00:12:34:56 10.0.0.1 x *\n"               /* expiry */
		     "-5 52:54:00:12:34:56 10.0.0.1 x *\n"
		     "99999999999999999999999 52:54:00:12:34:56 10.0.0.1 x *\n"
		     "1 52:54:00:12:34 10.0.0.1 x *\n"                    /* short MAC */
		     "1 52:54:00:12:34:5g 10.0.0.1 x *\n"
		     "1 52-54-00-12-34-56 10.0.0.1 x *\n"
		     "1 06-52-54-00-12-34-56 10.0.0.1 x *\n"              /* hw type prefix */
		     "1 52:54:00:12:34:56 10.0.0.256 x *\n"               /* IP */
		     "1 52:54:00:12:34:56 fe80::1 x *\n"
		     "1 52:54:00:12:34:56 10.0.0.1\n"                     /* no host name */
		     "1 52:54:00:12:34:56 10.0.0.1 bad\001host *\n"       /* control character */
		     "1 52:54:00:12:34:56 10.0.0.8 %s *\n"                /* long: cut, kept */
		     "1 52:54:00:12:34:56 10.0.0.9 ok *",                 /* last line, no newline */
		     longname) < 0)
		fail();
	skipped = leases_parse(text, 1, &ls, &n);
	assert_int_equal(n, 2);
	assert_int_equal(skipped, 12);
	assert_int_equal(strlen(ls[0].hostname), NETD_NAME_LEN - 1);
	assert_int_equal(ls[0].hostname[0], 'h');
	assert_string_equal(ls[1].hostname, "ok");
	free(ls);
	free(text);
	/* nothing at all */
	ls = NULL;
	n = 0;
	assert_int_equal(leases_parse("", 1, &ls, &n), 0);
	assert_int_equal(n, 0);
	assert_null(ls);
}

static void test_parse_appends(void **state)
{
	struct netd_lease *ls = NULL;
	size_t n = 0;

	(void)state;
	leases_parse("1 52:54:00:00:00:01 10.0.0.1 a *\n", 1, &ls, &n);
	leases_parse("2 52:54:00:00:00:02 10.1.0.1 b *\n", 2, &ls, &n);
	assert_int_equal(n, 2);
	assert_int_equal(ls[0].net_id, 1);
	assert_int_equal(ls[1].net_id, 2);
	assert_string_equal(ls[1].hostname, "b");
	free(ls);
}

static void test_read_all(void **state)
{
	char dir[] = "/tmp/test_leases.XXXXXX", p[256], err[256] = "";
	struct netd_lease *ls = NULL;
	size_t n = 0, i;
	int seen1 = 0, seen12 = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* no net/ yet: no leases, no error */
	assert_int_equal(leases_read_all(dir, &ls, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	snprintf(p, sizeof(p), "%s/net", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/net/1", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/net/12", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/net/notanid", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/net/7", dir);             /* no leases file yet */
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/net/1/leases", dir);
	tl_write_file_or_fail(p, "1 52:54:00:00:00:01 10.0.0.5 a *\n2 52:54:00:00:00:02 10.0.0.6 b *\n");
	snprintf(p, sizeof(p), "%s/net/12/leases", dir);
	tl_write_file_or_fail(p, "junk\n3 52:54:00:00:00:03 10.12.0.5 c *\n");
	snprintf(p, sizeof(p), "%s/net/notanid/leases", dir);
	tl_write_file_or_fail(p, "4 52:54:00:00:00:04 10.9.0.5 d *\n");
	assert_int_equal(leases_read_all(dir, &ls, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		seen1 += ls[i].net_id == 1;
		seen12 += ls[i].net_id == 12 && !strcmp(ls[i].hostname, "c");
	}
	assert_int_equal(seen1, 2);
	assert_int_equal(seen12, 1);
	free(ls);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	if (system(p) != 0)
		fail_msg("cannot remove %s", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_parse_appends),
		cmocka_unit_test(test_read_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
