/*
 * Tests for core/host_ports.c: which ports host services listen on, from
 * /proc/net/{tcp,tcp6,udp,udp6} lines as the kernel prints them, and the
 * reader over a fake /proc tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/host_ports.h"
#include "tests/unit/testlib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char tcp[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 0100007F:9273 0100007F:E884 06 00000000:00000000 03:00001620 00000000     0        0 0 3 0\n"
	"   1: 0100007F:1F90 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000     0        0 9 1 0\n"
	"   2: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1653 1 0\n";
static const char tcp6[] =
	"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0\n";
static const char udp[] =
	"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
	"  5: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 20 2 0 0\n";

static void test_lines(void **state)
{
	char addr[64];

	(void)state;
	assert_int_equal(host_ports_line("  sl  local_address rem_address   st", 0, 80, addr, sizeof(addr)), -EINVAL);
	/* a listener on 2024 (0x07E8), any address */
	assert_int_equal(host_ports_line(strstr(tcp, "   2:"), 0, 2024, addr, sizeof(addr)), 1);
	assert_string_equal(addr, "0.0.0.0");
	assert_int_equal(host_ports_line(strstr(tcp, "   2:"), 0, 2025, addr, sizeof(addr)), 0);
	/* an established connection from port 8080 is no listener */
	assert_int_equal(host_ports_line(strstr(tcp, "   1:"), 0, 8080, addr, sizeof(addr)), 0);
	/* IPv6 any */
	assert_int_equal(host_ports_line(strstr(tcp6, "   0:"), 0, 8080, addr, sizeof(addr)), 1);
	assert_string_equal(addr, "::");
	/* udp: a bound socket, 127.0.0.53:53 */
	assert_int_equal(host_ports_line(strstr(udp, "  5:"), 1, 53, addr, sizeof(addr)), 1);
	assert_string_equal(addr, "127.0.0.53");
	assert_int_equal(host_ports_line(strstr(udp, "  5:"), 0, 53, addr, sizeof(addr)), 0);
	assert_int_equal(host_ports_line("   0: zz:1F90 00000000:0000 0A", 0, 8080, addr, sizeof(addr)), -EINVAL);
}

static void test_reader(void **state)
{
	char root[] = "/tmp/croft-hostports-XXXXXX", net[600], addr[64] = "";

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(net, sizeof(net), "%s/net", root);
	assert_int_equal(mkdir(net, 0755), 0);
	tl_write_in_or_fail(net, "tcp", tcp);
	tl_write_in_or_fail(net, "udp", udp);
	assert_int_equal(host_ports_listening(root, 0, 2024, addr, sizeof(addr)), 1);
	assert_int_equal(host_ports_listening(root, 0, 8080, addr, sizeof(addr)), 0);
	tl_write_in_or_fail(net, "tcp6", tcp6);
	assert_int_equal(host_ports_listening(root, 0, 8080, addr, sizeof(addr)), 1);
	assert_string_equal(addr, "::");
	assert_int_equal(host_ports_listening(root, 1, 53, addr, sizeof(addr)), 1);
	assert_int_equal(host_ports_listening("/nonexistent", 0, 22, addr, sizeof(addr)), 0);
	snprintf(net, sizeof(net), "rm -rf %s", root);
	assert_int_equal(system(net), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
