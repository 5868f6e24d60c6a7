/*
 * Tests for common/addr.c, table by table: the arithmetic and formatting,
 * then every parser (a string in; the canonical value or the whole
 * message out), then every check of a binary value (a network and an
 * address in; the whole message out).  Each refused case is run three
 * times: with a full buffer (the exact message), with no buffer, and with
 * an 8-byte one (the same return, a cut message); and its outputs must be
 * left as they were.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "common/addr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define IFRULE "(1-15 letters, digits, '-', '_', '.')"
#define MULTICAST "is a multicast address; a NIC needs a unicast one (the lowest bit of the first byte clear, e.g. 52:54:00:12:34:56)"

#define A(s) tl_ip4_or_fail(s)
#define S(a) tl_ip4_str(a)

/* ---- arithmetic and formatting -------------------------------------------- */

static void test_mask_bcast(void **state)
{
	static const struct { uint32_t prefix, mask; } masks[] = {
		{ 0, 0 }, { 1, 0x80000000u }, { 8, 0xff000000u }, { 24, 0xffffff00u },
		{ 31, 0xfffffffeu }, { 32, 0xffffffffu }, { 33, 0xffffffffu },
	};
	static const struct { const char *net; uint32_t prefix; const char *bcast; } bcasts[] = {
		{ "10.73.0.0", 24, "10.73.0.255" },
		{ "192.168.7.4", 30, "192.168.7.7" },
		{ "10.0.0.0", 8, "10.255.255.255" },
		{ "0.0.0.0", 0, "255.255.255.255" },
		{ "10.73.0.9", 32, "10.73.0.9" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(masks); i++)
		assert_int_equal(addr_mask(masks[i].prefix), masks[i].mask);
	for (i = 0; i < N(bcasts); i++)
		assert_string_equal(S(addr_of(addr_bcast(A(bcasts[i].net), bcasts[i].prefix))),
				    bcasts[i].bcast);
	assert_int_equal(addr_h(A("10.73.0.5")), 0x0a490005u);
	assert_string_equal(S(addr_of(0x0a490005u)), "10.73.0.5");
}

static void test_contains_overlap(void **state)
{
	static const struct {
		const char *a; uint32_t pa; const char *b; uint32_t pb; int overlap;
	} rows[] = {
		{ "10.0.0.0", 16, "10.0.5.0", 24, 1 },
		{ "10.0.5.0", 24, "10.0.0.0", 16, 1 },
		{ "10.73.0.0", 24, "10.73.0.0", 24, 1 },
		{ "10.73.0.0", 24, "10.73.1.0", 24, 0 },
		{ "192.168.0.0", 30, "192.168.0.4", 30, 0 },
		{ "10.0.0.0", 8, "11.0.0.0", 8, 0 },
		{ "0.0.0.0", 0, "203.0.113.7", 32, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(rows); i++) {
		assert_int_equal(!!addr_overlap(A(rows[i].a), rows[i].pa, A(rows[i].b), rows[i].pb),
				 rows[i].overlap);
		assert_int_equal(!!addr_overlap(A(rows[i].b), rows[i].pb, A(rows[i].a), rows[i].pa),
				 rows[i].overlap);
	}
	assert_true(addr_contains(A("10.73.0.0"), 24, A("10.73.0.255")));
	assert_true(addr_contains(A("10.73.0.0"), 24, A("10.73.0.0")));
	assert_false(addr_contains(A("10.73.0.0"), 24, A("10.73.1.0")));
	assert_false(addr_contains(A("10.73.0.0"), 24, A("10.72.255.255")));
	assert_true(addr_contains(A("0.0.0.0"), 0, A("255.255.255.255")));
}

static void test_format(void **state)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0x0c, 0xff };
	char a[ADDR_STRLEN], c[ADDR_CIDR_STRLEN], m[ADDR_MAC_STRLEN];

	(void)state;
	assert_string_equal(addr_str(A("0.0.0.0"), a), "0.0.0.0");
	assert_string_equal(addr_str(A("255.255.255.255"), a), "255.255.255.255");
	assert_string_equal(addr_cidr_str(A("255.255.255.255"), 32, c), "255.255.255.255/32");
	assert_string_equal(addr_cidr_str(A("10.73.0.0"), 24, c), "10.73.0.0/24");
	assert_string_equal(addr_cidr_str(A("10.73.0.0"), 40, c), "10.73.0.0/32");
	assert_string_equal(addr_mac_str(mac, m), "52:54:00:ab:0c:ff");
}

static void test_reserved(void **state)
{
	static const struct { const char *net; uint32_t prefix; const char *what; } rows[] = {
		{ "10.0.0.0", 8, NULL },
		{ "100.64.0.0", 10, NULL },
		{ "223.255.255.0", 24, NULL },
		{ "0.0.0.0", 0, "the \"this network\" range 0.0.0.0/8" },
		{ "0.1.2.3", 32, "the \"this network\" range 0.0.0.0/8" },
		{ "127.0.0.1", 32, "the loopback range 127.0.0.0/8" },
		{ "169.0.0.0", 8, "the link-local range 169.254.0.0/16" },
		{ "169.254.3.4", 32, "the link-local range 169.254.0.0/16" },
		{ "192.0.0.0", 2, "the multicast range 224.0.0.0/4" },
		{ "239.1.1.1", 32, "the multicast range 224.0.0.0/4" },
		{ "255.255.255.255", 32, "the reserved range 240.0.0.0/4" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(rows); i++) {
		const char *got = addr_reserved(A(rows[i].net), rows[i].prefix);

		if (!rows[i].what)
			assert_null(got);
		else
			assert_string_equal(got, rows[i].what);
	}
}

static void test_defaults(void **state)
{
	static const struct {
		const char *net; uint32_t prefix; const char *gw, *first, *last;
	} rows[] = {
		{ "10.73.0.0", 24, "10.73.0.1", "10.73.0.2", "10.73.0.254" },
		{ "192.168.7.0", 30, "192.168.7.1", "192.168.7.2", "192.168.7.2" },
		{ "10.0.0.0", 8, "10.0.0.1", "10.0.0.2", "10.255.255.254" },
		{ "10.73.0.9", 24, "10.73.0.1", "10.73.0.2", "10.73.0.254" },   /* host bits */
	};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < N(rows); i++) {
		struct netd_net n = { 0 };

		n.subnet = A(rows[i].net);
		n.prefix = rows[i].prefix;
		addr_net_defaults(&n);
		assert_string_equal(S(n.gateway), rows[i].gw);
		assert_string_equal(S(n.dhcp_first), rows[i].first);
		assert_string_equal(S(n.dhcp_last), rows[i].last);
		assert_int_equal(addr_range_check(&n, err, sizeof(err)), 0);
		assert_int_equal(addr_gateway_check(&n, err, sizeof(err)), 0);
	}
}

/* ---- parsers ----------------------------------------------------------------- */

enum parser { P_ADDR, P_CIDR, P_RANGE, P_MAC, P_IFNAME, P_UPLINK };

static const struct parse_case {
	enum parser p;
	const char *in;
	int ok;
	const char *want;          /* ok: the value written back; else the message */
} parse_cases[] = {
	{ P_ADDR, "10.73.0.5", 1, "10.73.0.5" },
	{ P_ADDR, "0.0.0.0", 1, "0.0.0.0" },
	{ P_ADDR, "255.255.255.255", 1, "255.255.255.255" },
	{ P_ADDR, "10.73.0.300", 0, "address '10.73.0.300' is not an IPv4 address (e.g. 10.73.0.5)" },
	{ P_ADDR, "10.73.0", 0, "address '10.73.0' is not an IPv4 address (e.g. 10.73.0.5)" },
	{ P_ADDR, "010.73.0.1", 0, "address '010.73.0.1' is not an IPv4 address (e.g. 10.73.0.5)" },
	{ P_ADDR, " 10.73.0.1", 0, "address ' 10.73.0.1' is not an IPv4 address (e.g. 10.73.0.5)" },
	{ P_ADDR, "10.73.0.1/24", 0, "address '10.73.0.1/24' is not an IPv4 address (e.g. 10.73.0.5)" },
	{ P_ADDR, "fe80::1", 0, "address 'fe80::1' is not an IPv4 address (e.g. 10.73.0.5)" },
	{ P_ADDR, "", 0, "address '' is not an IPv4 address (e.g. 10.73.0.5)" },
	{ P_ADDR, NULL, 0, "address '' is not an IPv4 address (e.g. 10.73.0.5)" },

	{ P_CIDR, "10.73.0.0/24", 1, "10.73.0.0/24" },
	{ P_CIDR, "172.16.0.0/12", 1, "172.16.0.0/12" },
	{ P_CIDR, "10.0.0.0/8", 1, "10.0.0.0/8" },
	{ P_CIDR, "192.168.1.4/30", 1, "192.168.1.4/30" },
	{ P_CIDR, "10.73.0.5/24", 0, "subnet '10.73.0.5/24' has host bits set; did you mean 10.73.0.0/24?" },
	{ P_CIDR, "10.73.0.0/31", 0, "subnet '10.73.0.0/31': the prefix must be between /8 and /30, not /31" },
	{ P_CIDR, "10.0.0.0/7", 0, "subnet '10.0.0.0/7': the prefix must be between /8 and /30, not /7" },
	{ P_CIDR, "0.0.0.0/0", 0, "subnet '0.0.0.0/0': the prefix must be between /8 and /30, not /0" },
	{ P_CIDR, "10.0.0.0/99", 0, "subnet '10.0.0.0/99': the prefix must be between /8 and /30, not /99" },
	{ P_CIDR, "127.0.0.0/8", 0, "subnet '127.0.0.0/8' overlaps the loopback range 127.0.0.0/8" },
	{ P_CIDR, "169.0.0.0/8", 0, "subnet '169.0.0.0/8' overlaps the link-local range 169.254.0.0/16" },
	{ P_CIDR, "224.0.0.0/8", 0, "subnet '224.0.0.0/8' overlaps the multicast range 224.0.0.0/4" },
	{ P_CIDR, "0.0.0.0/8", 0, "subnet '0.0.0.0/8' overlaps the \"this network\" range 0.0.0.0/8" },
	{ P_CIDR, "240.0.0.0/8", 0, "subnet '240.0.0.0/8' overlaps the reserved range 240.0.0.0/4" },
	{ P_CIDR, "10.73.0.0", 0, "subnet '10.73.0.0' must look like 10.73.0.0/24" },
	{ P_CIDR, "10.73.0/24", 0, "subnet '10.73.0/24' must look like 10.73.0.0/24" },
	{ P_CIDR, "10.73.0.0/24x", 0, "subnet '10.73.0.0/24x' must look like 10.73.0.0/24" },
	{ P_CIDR, "10.73.0.0/", 0, "subnet '10.73.0.0/' must look like 10.73.0.0/24" },
	{ P_CIDR, "10.73.0.0/-8", 0, "subnet '10.73.0.0/-8' must look like 10.73.0.0/24" },
	{ P_CIDR, "10.73.0.0/08", 0, "subnet '10.73.0.0/08' must look like 10.73.0.0/24" },
	{ P_CIDR, "10.73.0.0/024", 0, "subnet '10.73.0.0/024' must look like 10.73.0.0/24" },
	{ P_CIDR, " 10.73.0.0/24", 0, "subnet ' 10.73.0.0/24' must look like 10.73.0.0/24" },
	{ P_CIDR, "10.73.0.0.0.0.0/24", 0, "subnet '10.73.0.0.0.0.0/24' must look like 10.73.0.0/24" },
	{ P_CIDR, "", 0, "subnet '' must look like 10.73.0.0/24" },
	{ P_CIDR, NULL, 0, "subnet '' must look like 10.73.0.0/24" },

	{ P_RANGE, "10.73.0.100-10.73.0.200", 1, "10.73.0.100-10.73.0.200" },
	{ P_RANGE, "10.73.0.10-10.73.0.10", 1, "10.73.0.10-10.73.0.10" },
	{ P_RANGE, "10.73.0.200-10.73.0.100", 0, "DHCP range 10.73.0.200-10.73.0.100 ends before it starts" },
	{ P_RANGE, "10.73.0.100", 0, "DHCP range '10.73.0.100' must look like 10.73.0.100-10.73.0.200" },
	{ P_RANGE, "10.73.0.100-", 0, "DHCP range '10.73.0.100-' must look like 10.73.0.100-10.73.0.200" },
	{ P_RANGE, "-10.73.0.1", 0, "DHCP range '-10.73.0.1' must look like 10.73.0.100-10.73.0.200" },
	{ P_RANGE, "a-10.73.0.1", 0, "DHCP range 'a-10.73.0.1' must look like 10.73.0.100-10.73.0.200" },
	{ P_RANGE, "10.0.0.1-10.0.0.2-10.0.0.3", 0, "DHCP range '10.0.0.1-10.0.0.2-10.0.0.3' must look like 10.73.0.100-10.73.0.200" },
	{ P_RANGE, "10.73.100.100.100-10.73.0.1", 0, "DHCP range '10.73.100.100.100-10.73.0.1' must look like 10.73.0.100-10.73.0.200" },
	{ P_RANGE, NULL, 0, "DHCP range '' must look like 10.73.0.100-10.73.0.200" },

	{ P_MAC, "52:54:00:AB:cd:0f", 1, "52:54:00:ab:cd:0f" },
	{ P_MAC, "02-00-00-00-00-01", 1, "02:00:00:00:00:01" },
	{ P_MAC, "01:00:5e:00:00:01", 0, "MAC 01:00:5e:00:00:01 " MULTICAST },
	{ P_MAC, "FF-FF-FF-FF-FF-FF", 0, "MAC FF-FF-FF-FF-FF-FF " MULTICAST },
	{ P_MAC, "00:00:00:00:00:00", 0, "MAC 00:00:00:00:00:00 is all zero" },
	{ P_MAC, "52:54:00:12:34", 0, "MAC '52:54:00:12:34' must look like 52:54:00:12:34:56" },
	{ P_MAC, "52:54:00:12:34:5g", 0, "MAC '52:54:00:12:34:5g' must look like 52:54:00:12:34:56" },
	{ P_MAC, "52:54-00:12:34:56", 0, "MAC '52:54-00:12:34:56' must look like 52:54:00:12:34:56" },
	{ P_MAC, "52.54.00.12.34.56", 0, "MAC '52.54.00.12.34.56' must look like 52:54:00:12:34:56" },
	{ P_MAC, "525400123456", 0, "MAC '525400123456' must look like 52:54:00:12:34:56" },
	{ P_MAC, "52:54:00:12:34:567", 0, "MAC '52:54:00:12:34:567' must look like 52:54:00:12:34:56" },
	{ P_MAC, NULL, 0, "MAC '' must look like 52:54:00:12:34:56" },

	{ P_IFNAME, "eth0", 1, "eth0" },
	{ P_IFNAME, "enp3s0f1.100", 1, "enp3s0f1.100" },
	{ P_IFNAME, "br-lan_2", 1, "br-lan_2" },
	{ P_IFNAME, "abcdefghijklmno", 1, "abcdefghijklmno" },
	{ P_IFNAME, "...", 1, "..." },
	{ P_IFNAME, "abcdefghijklmnop", 0, "uplink 'abcdefghijklmnop' is not an interface name " IFRULE },
	{ P_IFNAME, "", 0, "uplink '' is not an interface name " IFRULE },
	{ P_IFNAME, "eth/0", 0, "uplink 'eth/0' is not an interface name " IFRULE },
	{ P_IFNAME, "eth:0", 0, "uplink 'eth:0' is not an interface name " IFRULE },
	{ P_IFNAME, "eth0@lan", 0, "uplink 'eth0@lan' is not an interface name " IFRULE },
	{ P_IFNAME, "a very long name", 0, "uplink 'a very long name' is not an interface name " IFRULE },
	{ P_IFNAME, "eth\t0", 0, "uplink contains a non-printable or non-ASCII byte (0x09); an interface name has 1-15 letters, digits, '-', '_', '.'" },
	{ P_IFNAME, "eth\xc3\xa9", 0, "uplink contains a non-printable or non-ASCII byte (0xc3); an interface name has 1-15 letters, digits, '-', '_', '.'" },
	{ P_IFNAME, ".", 0, "uplink '.' is not an interface name ('.' and '..' name directories)" },
	{ P_IFNAME, "..", 0, "uplink '..' is not an interface name ('.' and '..' name directories)" },
	{ P_IFNAME, NULL, 0, "uplink '' is not an interface name " IFRULE },

	{ P_UPLINK, "eth0", 1, "eth0" },
	{ P_UPLINK, "xcroft0", 1, "xcroft0" },
	{ P_UPLINK, "croftbr7", 0, "uplink 'croftbr7' is one of croft's own interfaces" },
	{ P_UPLINK, "croft", 0, "uplink 'croft' is one of croft's own interfaces" },
	{ P_UPLINK, "eth/0", 0, "uplink 'eth/0' is not an interface name " IFRULE },
};

/* Run c's parser: its return, and the value it wrote into out (untouched
 * outputs read "untouched"). */
static int run_parse(const struct parse_case *c, char *out, size_t outlen, char *err,
		     size_t errlen)
{
	struct in_addr a = { 0xdeadbeef }, b = { 0xdeadbeef };
	uint8_t mac[6] = { 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad };
	char x[ADDR_STRLEN], y[ADDR_STRLEN];
	uint32_t prefix = 77;
	int rc = -ENOSYS;

	snprintf(out, outlen, "untouched");
	switch (c->p) {
	case P_ADDR:
		rc = addr_parse("address", c->in, &a, err, errlen);
		if (a.s_addr != 0xdeadbeef)
			snprintf(out, outlen, "%s", addr_str(a, x));
		break;
	case P_CIDR:
		rc = addr_cidr_parse(c->in, &a, &prefix, err, errlen);
		if (a.s_addr != 0xdeadbeef || prefix != 77)
			snprintf(out, outlen, "%s/%u", addr_str(a, x), prefix);
		break;
	case P_RANGE:
		rc = addr_range_parse(c->in, &a, &b, err, errlen);
		if (a.s_addr != 0xdeadbeef || b.s_addr != 0xdeadbeef)
			snprintf(out, outlen, "%s-%s", addr_str(a, x), addr_str(b, y));
		break;
	case P_MAC:
		rc = addr_mac_parse(c->in, mac, err, errlen);
		if (memcmp(mac, "\xde\xad\xbe\xef\xde\xad", 6))
			addr_mac_str(mac, out);
		break;
	case P_IFNAME:
		rc = addr_ifname_check("uplink", c->in, err, errlen);
		if (rc == 0)
			snprintf(out, outlen, "%s", c->in);
		break;
	case P_UPLINK:
		rc = addr_uplink_check(c->in, err, errlen);
		if (rc == 0)
			snprintf(out, outlen, "%s", c->in);
		break;
	}
	return rc;
}

static void test_parsers(void **state)
{
	char out[64], err[512], small[8];
	size_t i;

	(void)state;
	for (i = 0; i < N(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		int rc;

		snprintf(err, sizeof(err), "no message");
		rc = run_parse(c, out, sizeof(out), err, sizeof(err));
		if (c->ok) {
			if (rc != 0 || strcmp(out, c->want) || strcmp(err, "no message"))
				fail_msg("'%s': %d, '%s' (%s); want '%s'", c->in, rc, out, err, c->want);
			continue;
		}
		if (rc != -EINVAL || strcmp(err, c->want))
			fail_msg("'%s': %d, message \"%s\"; want \"%s\"", c->in ? c->in : "(null)",
				 rc, err, c->want);
		if (strcmp(out, "untouched"))
			fail_msg("'%s' was refused but wrote %s", c->in, out);
		assert_int_equal(run_parse(c, out, sizeof(out), NULL, 0), -EINVAL);
		assert_int_equal(run_parse(c, out, sizeof(out), small, sizeof(small)), -EINVAL);
		assert_int_equal(strlen(small), sizeof(small) - 1);
	}
}

static void test_ifname_is_croft(void **state)
{
	(void)state;
	assert_true(addr_ifname_is_croft("croftbr1"));
	assert_true(addr_ifname_is_croft("croftt12"));
	assert_true(addr_ifname_is_croft("croft"));
	assert_false(addr_ifname_is_croft("Croftbr1"));
	assert_false(addr_ifname_is_croft("crof"));
	assert_false(addr_ifname_is_croft("eth0"));
	assert_false(addr_ifname_is_croft(""));
	/* the appliance's management bridge is the host's, not croft-netd's */
	assert_false(addr_ifname_is_croft("croftbr0"));
	assert_true(addr_ifname_is_croft("croftbr01"));
}

/* ---- checks of binary values ------------------------------------------------------ */

enum check { C_SUBNET, C_GATEWAY, C_RANGE, C_NET, C_HOST, C_GUEST };

static const struct net_case {
	enum check c;
	const char *subnet;
	uint32_t prefix;
	const char *gw, *first, *last;
	const char *a;              /* C_HOST, C_GUEST */
	const char *want;           /* NULL: accepted */
} net_cases[] = {
	{ C_SUBNET, "10.73.0.0", 24, .want = NULL },
	{ C_SUBNET, "192.168.7.4", 30, .want = NULL },
	{ C_SUBNET, "11.0.0.0", 8, .want = NULL },
	{ C_SUBNET, "10.73.0.0", 31, .want = "subnet '10.73.0.0/31': the prefix must be between /8 and /30, not /31" },
	{ C_SUBNET, "10.0.0.0", 4294967295u, .want = "subnet '10.0.0.0/4294967295': the prefix must be between /8 and /30, not /4294967295" },
	{ C_SUBNET, "10.0.0.5", 24, .want = "subnet '10.0.0.5/24' has host bits set; did you mean 10.0.0.0/24?" },
	{ C_SUBNET, "127.0.0.0", 8, .want = "subnet '127.0.0.0/8' overlaps the loopback range 127.0.0.0/8" },

	{ C_GATEWAY, "10.73.0.0", 24, "10.73.0.1", .want = NULL },
	{ C_GATEWAY, "10.73.0.0", 24, "10.73.0.50", .want = NULL },
	{ C_GATEWAY, "10.73.0.0", 24, "10.9.0.1", .want = "gateway 10.9.0.1 is not inside the subnet 10.73.0.0/24" },
	{ C_GATEWAY, "10.73.0.0", 24, "10.73.0.0", .want = "gateway 10.73.0.0 is the network address of 10.73.0.0/24" },
	{ C_GATEWAY, "10.73.0.0", 24, "10.73.0.255", .want = "gateway 10.73.0.255 is the broadcast address of 10.73.0.0/24" },

	{ C_RANGE, "10.73.0.0", 24, "10.73.0.1", "10.73.0.2", "10.73.0.254", .want = NULL },
	{ C_RANGE, "10.73.0.0", 24, "10.73.0.1", "10.73.0.10", "10.73.0.10", .want = NULL },
	{ C_RANGE, "10.73.0.0", 24, "10.73.0.254", "10.73.0.2", "10.73.0.253", .want = NULL },
	{ C_RANGE, "192.168.7.4", 30, "192.168.7.5", "192.168.7.6", "192.168.7.6", .want = NULL },
	{ C_RANGE, "10.73.0.0", 24, "10.73.0.1", "10.73.0.200", "10.73.0.100",
	  .want = "DHCP range 10.73.0.200-10.73.0.100 ends before it starts" },
	{ C_RANGE, "10.73.0.0", 24, "10.73.0.1", "10.73.0.1", "10.73.0.9",
	  .want = "DHCP range 10.73.0.1-10.73.0.9 includes the gateway 10.73.0.1 (the host's address on the bridge)" },
	{ C_RANGE, "10.73.0.0", 24, "10.73.0.50", "10.73.0.2", "10.73.0.254",
	  .want = "DHCP range 10.73.0.2-10.73.0.254 includes the gateway 10.73.0.50 (the host's address on the bridge)" },
	{ C_RANGE, "10.73.0.0", 24, "10.73.0.1", "10.73.0.0", "10.73.0.9",
	  .want = "DHCP range 10.73.0.0-10.73.0.9 includes the network address 10.73.0.0 of 10.73.0.0/24" },
	{ C_RANGE, "10.73.0.0", 24, "10.73.0.1", "10.73.0.10", "10.73.0.255",
	  .want = "DHCP range 10.73.0.10-10.73.0.255 includes the broadcast address 10.73.0.255 of 10.73.0.0/24" },
	{ C_RANGE, "10.73.0.0", 24, "10.73.0.1", "10.73.0.10", "10.73.1.5",
	  .want = "DHCP range 10.73.0.10-10.73.1.5 is not inside the subnet 10.73.0.0/24" },
	{ C_RANGE, "10.73.0.0", 24, "10.73.0.1", "10.72.0.10", "10.73.0.20",
	  .want = "DHCP range 10.72.0.10-10.73.0.20 is not inside the subnet 10.73.0.0/24" },
	{ C_RANGE, "10.73.0.0", 24, "10.73.0.1", "10.73.1.5", "10.73.0.10",
	  .want = "DHCP range 10.73.1.5-10.73.0.10 is not inside the subnet 10.73.0.0/24" },

	{ C_NET, "10.73.0.0", 24, "10.73.0.1", "10.73.0.2", "10.73.0.254", .want = NULL },
	{ C_NET, "10.73.0.0", 31, "10.73.0.1", "10.73.0.1", "10.73.0.1",
	  .want = "subnet '10.73.0.0/31': the prefix must be between /8 and /30, not /31" },
	{ C_NET, "10.73.0.0", 24, "10.9.0.1", "10.73.0.2", "10.73.0.254",
	  .want = "gateway 10.9.0.1 is not inside the subnet 10.73.0.0/24" },
	{ C_NET, "10.73.0.0", 24, "10.73.0.1", "10.73.0.2", "10.73.0.255",
	  .want = "DHCP range 10.73.0.2-10.73.0.255 includes the broadcast address 10.73.0.255 of 10.73.0.0/24" },

	{ C_HOST, "10.73.0.0", 24, "10.73.0.1", .a = "10.73.0.2", .want = NULL },
	{ C_HOST, "10.73.0.0", 24, "10.73.0.1", .a = "10.73.0.254", .want = NULL },
	{ C_HOST, "10.73.0.0", 24, "10.73.0.1", .a = "10.73.1.2",
	  .want = "address 10.73.1.2 is outside network lan's subnet 10.73.0.0/24" },
	{ C_HOST, "10.73.0.0", 24, "10.73.0.1", .a = "10.73.0.1",
	  .want = "address 10.73.0.1 is network lan's gateway (the host's address on the bridge)" },
	{ C_HOST, "10.73.0.0", 24, "10.73.0.1", .a = "10.73.0.0",
	  .want = "address 10.73.0.0 is the network address of 10.73.0.0/24" },
	{ C_HOST, "10.73.0.0", 24, "10.73.0.1", .a = "10.73.0.255",
	  .want = "address 10.73.0.255 is the broadcast address of 10.73.0.0/24" },

	{ C_GUEST, .a = "192.168.1.50", .want = NULL },
	{ C_GUEST, .a = "10.0.0.1", .want = NULL },
	{ C_GUEST, .a = "127.0.0.1",
	  .want = "address 127.0.0.1 cannot be a guest's address: it is in the loopback range 127.0.0.0/8" },
	{ C_GUEST, .a = "0.0.0.0",
	  .want = "address 0.0.0.0 cannot be a guest's address: it is in the \"this network\" range 0.0.0.0/8" },
	{ C_GUEST, .a = "169.254.1.1",
	  .want = "address 169.254.1.1 cannot be a guest's address: it is in the link-local range 169.254.0.0/16" },
	{ C_GUEST, .a = "224.0.0.1",
	  .want = "address 224.0.0.1 cannot be a guest's address: it is in the multicast range 224.0.0.0/4" },
	{ C_GUEST, .a = "255.255.255.255",
	  .want = "address 255.255.255.255 cannot be a guest's address: it is in the reserved range 240.0.0.0/4" },
};

static int run_check(const struct net_case *c, char *err, size_t errlen)
{
	struct netd_net n = { 0 };

	snprintf(n.name, sizeof(n.name), "lan");
	if (c->subnet)
		n.subnet = A(c->subnet);
	n.prefix = c->prefix;
	if (c->gw)
		n.gateway = A(c->gw);
	if (c->first)
		n.dhcp_first = A(c->first);
	if (c->last)
		n.dhcp_last = A(c->last);
	switch (c->c) {
	case C_SUBNET:
		return addr_subnet_check(n.subnet, n.prefix, err, errlen);
	case C_GATEWAY:
		return addr_gateway_check(&n, err, errlen);
	case C_RANGE:
		return addr_range_check(&n, err, errlen);
	case C_NET:
		return addr_net_check(&n, err, errlen);
	case C_HOST:
		return addr_host_check(&n, A(c->a), err, errlen);
	case C_GUEST:
		return addr_guest_check(A(c->a), err, errlen);
	}
	return -ENOSYS;
}

static void test_checks(void **state)
{
	char err[512], small[8];
	size_t i;

	(void)state;
	for (i = 0; i < N(net_cases); i++) {
		const struct net_case *c = &net_cases[i];
		int rc;

		snprintf(err, sizeof(err), "no message");
		rc = run_check(c, err, sizeof(err));
		if (!c->want) {
			if (rc != 0 || strcmp(err, "no message"))
				fail_msg("case %zu: refused: %s", i, err);
			continue;
		}
		if (rc != -EINVAL || strcmp(err, c->want))
			fail_msg("case %zu: %d, message \"%s\"; want \"%s\"", i, rc, err, c->want);
		assert_int_equal(run_check(c, NULL, 0), -EINVAL);
		assert_int_equal(run_check(c, small, sizeof(small)), -EINVAL);
		assert_int_equal(strlen(small), sizeof(small) - 1);
	}
}

static void test_mac_check(void **state)
{
	static const struct { uint8_t mac[6]; const char *want; } rows[] = {
		{ { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, NULL },
		{ { 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 }, NULL },
		{ { 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 }, NULL },
		{ { 0x01, 0x54, 0x00, 0x00, 0x00, 0x01 }, "MAC 01:54:00:00:00:01 " MULTICAST },
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, "MAC ff:ff:ff:ff:ff:ff " MULTICAST },
		{ { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }, "MAC 00:00:00:00:00:00 is all zero" },
	};
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < N(rows); i++) {
		snprintf(err, sizeof(err), "no message");
		if (!rows[i].want) {
			assert_int_equal(addr_mac_check(rows[i].mac, err, sizeof(err)), 0);
			assert_string_equal(err, "no message");
			continue;
		}
		assert_int_equal(addr_mac_check(rows[i].mac, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, rows[i].want);
		assert_int_equal(addr_mac_check(rows[i].mac, NULL, 0), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_bcast),
		cmocka_unit_test(test_contains_overlap),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_ifname_is_croft),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_mac_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
