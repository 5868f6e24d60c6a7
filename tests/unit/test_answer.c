/*
 * Tests for installer/answer.c: a table of good answer files and what they
 * parse to, a table of bad ones and the exact line and problem each one
 * must be refused with, and the [disk] and [network] filters applied to
 * disks and NICs (none, one, several).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "installer/answer.h"
#include "common/addr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HASH_Y "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$6GEG2apPEcnFNhAjE3.8C2cAJxFnn.32taGYuQU1V8D"
#define HASH_6 "$6$saltsalt$1ZFI3Zuc3WbrnnYO1f97qKwmPXyj1gq8iulrJZsb2YUlGbaOCkg7nVo531fiYk/UQU4hVCTKqZf4o.ntCqXPa."
#define HASH_5 "$5$abc$VPWVI/Hm2GbidFTBVO0x99sYaZ.zqavBB7WEI4wBXpC"
#define HASH_2B "$2b$12$593TG.y6xyHQm0a.VPOQDevcvWSnD0ln2fqmXMRSDi07EWMrf87rK"
#define KEY_ED "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP4K9ySMGK0yOkr6bFUWDpjfwIRFf1GJ8UlnXzRVZ5vE admin@laptop"
#define KEY_EC "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDt4HLamwrz2dg63K5TF1+FOxZULwxV9FWY4Bo28I1f7fkxNORFYbsTYfSDbMvdJ7DzjFiAonDpvwpWthdUll8w="

#define GLOBAL "[global]\nhostname = box\ntimezone = Europe/Berlin\nroot-password-hashed = " HASH_Y "\n"
#define NET_DHCP "[network]\nsource = dhcp\n"
#define DISK "[disk]\nfilter-model = QEMU*\n"

static struct answer *A;

static int setup(void **state)
{
	(void)state;
	A = calloc(1, sizeof(*A));
	return A ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(A);
	return 0;
}

static int parse(const char *text, char *err, size_t errlen)
{
	return answer_parse(text, strlen(text), A, err, errlen);
}

static void test_good_minimal(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(parse(GLOBAL NET_DHCP DISK, err, sizeof(err)), 0);
	assert_string_equal(A->hostname, "box");
	assert_string_equal(A->timezone, "Europe/Berlin");
	assert_string_equal(A->root_password_hashed, HASH_Y);
	assert_int_equal(A->n_ssh_keys, 0);
	assert_int_equal(A->net.source, ANSWER_NET_DHCP);
	assert_int_equal(A->net.line, 5);
	assert_string_equal(A->disk.model_glob, "QEMU*");
	assert_string_equal(A->disk.filesystem, "ext4");
	assert_int_equal(A->disk.line, 7);
	assert_int_equal(A->n_errors, 0);
}

static void test_good_full(void **state)
{
	char err[512], buf[ADDR_STRLEN];
	const char *text =
		"; an unattended install\n"
		"[global]\n"
		"hostname = croft.home.example\n"
		"timezone = UTC\n"
		"root-ssh-key = " KEY_ED "\n"
		"root-ssh-key = \"" KEY_EC "\"\n"
		"\n"
		"[network]\n"
		"source = static\n"
		"cidr = 192.168.1.10/24\n"
		"gateway = 192.168.1.1\n"
		"dns = 192.168.1.1, 9.9.9.9\n"
		"interface-mac = 52:54:00:AB:cd:01\n"
		"[disk]\n"
		"filter-serial = S4EW*\n"
		"filter-size = 100G-2T\n"
		"filesystem = xfs\n"
		"[first-boot]\n"
		"script = /croft/first-boot.sh\n";

	(void)state;
	assert_int_equal(parse(text, err, sizeof(err)), 0);
	assert_string_equal(A->hostname, "croft.home.example");
	assert_string_equal(A->timezone, "UTC");
	assert_int_equal(A->n_ssh_keys, 2);
	assert_string_equal(A->root_ssh_keys[0], KEY_ED);
	assert_string_equal(A->root_ssh_keys[1], KEY_EC);
	assert_int_equal(A->net.source, ANSWER_NET_STATIC);
	assert_string_equal(addr_str(A->net.addr, buf), "192.168.1.10");
	assert_int_equal(A->net.prefix, 24);
	assert_string_equal(addr_str(A->net.gateway, buf), "192.168.1.1");
	assert_int_equal(A->net.n_dns, 2);
	assert_string_equal(addr_str(A->net.dns[1], buf), "9.9.9.9");
	assert_int_equal(A->net.has_mac, 1);
	assert_int_equal(A->net.mac[3], 0xab);
	assert_string_equal(A->disk.serial_glob, "S4EW*");
	assert_int_equal(A->disk.has_size, 1);
	assert_true(A->disk.size_min == 100ull << 30);
	assert_true(A->disk.size_max == 2ull << 40);
	assert_string_equal(A->disk.filesystem, "xfs");
	assert_string_equal(A->first_boot_script, "/croft/first-boot.sh");
}

static void test_good_hashes(void **state)
{
	static const char *const hashes[] = { HASH_Y, HASH_6, HASH_5, HASH_2B,
		"$6$rounds=5000$saltsalt$1ZFI3Zuc3WbrnnYO1f97qKwmPXyj1gq8iulrJZsb2YUlGbaOCkg7nVo531fiYk/UQU4hVCTKqZf4o.ntCqXPa." };
	char text[1024], err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		snprintf(text, sizeof(text), "[global]\nhostname=h\ntimezone=UTC\n"
			 "root-password-hashed=%s\n" NET_DHCP DISK, hashes[i]);
		if (parse(text, err, sizeof(err)) != 0)
			fail_msg("%s: %s", hashes[i], err);
	}
}

/* One bad file: its text, the line and the message of its first problem. */
struct bad {
	const char *text;
	const char *first;     /* errors[0].msg exactly */
	size_t n_errors;
};

static const struct bad bads[] = {
	{ GLOBAL "hostnme = x\n" NET_DHCP DISK,
	  "line 5: unknown key 'hostnme' in [global]", 1 },
	{ "[global]\ntimezone = UTC\nroot-password-hashed = " HASH_Y "\n" NET_DHCP DISK,
	  "line 1: [global] lacks the required key hostname", 1 },
	{ "[global]\nhostname = box\ntimezone = UTC\n" NET_DHCP DISK,
	  "line 1: [global] needs root-password-hashed or root-ssh-key (else nobody can log in)", 1 },
	{ NET_DHCP DISK,
	  "no [global] section (hostname, timezone, root-password-hashed or root-ssh-key)", 1 },
	{ GLOBAL DISK, "no [network] section (source = dhcp or static)", 1 },
	{ GLOBAL NET_DHCP, "no [disk] section (filter-serial, filter-model or filter-size "
	  "picks the disk to erase)", 1 },
	{ GLOBAL NET_DHCP "[disk]\nfilesystem = ext4\n",
	  "line 7: [disk] needs filter-serial, filter-model or filter-size (the disk to erase "
	  "is never guessed)", 1 },
	{ GLOBAL "[network]\nsource = static\ncidr = 192.168.1.300/24\ngateway = 192.168.1.1\n"
	  "dns = 192.168.1.1\n" DISK,
	  "line 7: cidr: address '192.168.1.300' is not an IPv4 address (e.g. 10.73.0.5)", 1 },
	{ GLOBAL "[network]\nsource = static\ncidr = 192.168.1.0/24\ngateway = 192.168.1.1\n"
	  "dns = 192.168.1.1\n" DISK,
	  "line 7: cidr: 192.168.1.0 is the network's or its broadcast address, not a host's", 1 },
	{ GLOBAL "[network]\nsource = static\ncidr = 192.168.1.10/24\ngateway = 10.0.0.1\n"
	  "dns = 192.168.1.1\n" DISK, "line 8: gateway is outside the subnet of cidr", 1 },
	{ GLOBAL "[network]\nsource = static\ncidr = 192.168.1.10\ngateway = 192.168.1.1\n"
	  "dns = 192.168.1.1\n" DISK,
	  "line 7: cidr: '192.168.1.10' is not ADDRESS/PREFIX (like 192.168.1.10/24)", 1 },
	{ GLOBAL "[network]\nsource = static\ncidr = 192.168.1.10/24\n" DISK,
	  "line 5: [network] source = static needs gateway", 2 },
	{ GLOBAL "[network]\nsource = dhcp\ndns = 1.1.1.1,x\n" DISK,
	  "line 7: dns: dns server 'x' is not an IPv4 address (e.g. 10.73.0.5)", 2 },
	{ GLOBAL "[network]\nsource = dhcp\ncidr = 10.1.1.1/24\n" DISK,
	  "line 7: cidr is only for source = static", 1 },
	{ GLOBAL "[network]\nsource = bootp\n" DISK,
	  "line 6: source 'bootp' is not dhcp or static", 1 },
	{ GLOBAL "[network]\nsource = dhcp\ninterface-mac = 01:00:5e:00:00:01\n" DISK,
	  NULL, 1 },
	{ "[global]\nhostname = box\ntimezone = UTC\nroot-password-hashed = croft\n" NET_DHCP DISK,
	  "line 4: root-password-hashed: not a crypt(5) hash (is it the password itself? make "
	  "one with: mkpasswd -m yescrypt)", 1 },
	{ "[global]\nhostname = box\ntimezone = UTC\nroot-password-hashed = $1$abc$def\n" NET_DHCP DISK,
	  "line 4: root-password-hashed: an MD5 hash ($1$) is too weak; use yescrypt ($y$) or "
	  "SHA-512 ($6$)", 1 },
	{ "[global]\nhostname = box\ntimezone = UTC\nroot-password-hashed = $6$salt$tooshort\n"
	  NET_DHCP DISK,
	  "line 4: root-password-hashed: a malformed $6$ hash (want 3 '$'-separated fields, a "
	  "hash of 86 characters from [./0-9A-Za-z])", 1 },
	{ "[global]\nhostname = box\ntimezone = UTC\nroot-ssh-key = ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQAB x\n"
	  NET_DHCP DISK, "line 4: root-ssh-key: the key's data is not a ssh-ed25519 key", 1 },
	{ "[global]\nhostname = box\ntimezone = UTC\nroot-ssh-key = ssh-dss AAAA\n" NET_DHCP DISK,
	  "line 4: root-ssh-key: unknown key type 'ssh-dss' (want ssh-ed25519, ssh-rsa, "
	  "ecdsa-sha2-*)", 1 },
	{ "[global]\nhostname = Box_1\ntimezone = UTC\nroot-password-hashed = " HASH_Y "\n"
	  NET_DHCP DISK, "line 2: hostname 'Box_1': only lower-case letters, digits, '-' and '.'", 1 },
	{ "[global]\nhostname = box\ntimezone = ../etc/passwd\nroot-password-hashed = " HASH_Y "\n"
	  NET_DHCP DISK, "line 3: timezone '../etc/passwd' is not UTC or Area/Location (like "
	  "Europe/Berlin)", 1 },
	{ GLOBAL "hostname = other\n" NET_DHCP DISK,
	  "line 5: hostname given again (first on line 2)", 1 },
	{ GLOBAL NET_DHCP "[disk]\nfilter-size = 12Q\n",
	  "line 8: filter-size '12Q' is not SIZE, MIN-MAX, MIN- or -MAX (sizes like 500G or 2T)", 1 },
	{ GLOBAL NET_DHCP "[disk]\nfilter-size = 2T-1T\n",
	  "line 8: filter-size '2T-1T' is not SIZE, MIN-MAX, MIN- or -MAX (sizes like 500G or 2T)", 1 },
	{ GLOBAL NET_DHCP DISK "[disks]\nfilter-model = x\nfilesystem = xfs\n",
	  "line 9: unknown section [disks] (want [global], [network], [disk] or [first-boot])", 1 },
	{ "hostname = box\n" GLOBAL NET_DHCP DISK,
	  "line 1: key 'hostname' outside any section", 1 },
	{ GLOBAL "this line has no equals sign\n" NET_DHCP DISK,
	  "line 5: neither '[section]' nor 'key = value'", 1 },
	{ GLOBAL NET_DHCP DISK "[first-boot]\nscript = setup.sh\n",
	  "line 10: script 'setup.sh' is not an absolute path on the answer file's medium", 1 },
	{ GLOBAL NET_DHCP "[disk]\nfilter-model =\n",
	  "line 8: filter-model is empty", 2 },
	{ GLOBAL "[network]\nsource = dhcp\ninterface-mac = 52:54:00:00:00:01\n"
	  "interface-name = en*\n" DISK,
	  "line 8: interface-mac and interface-name both given; use one", 1 },
};

static void test_bad_files(void **state)
{
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		int rc = parse(bads[i].text, err, sizeof(err));

		if (rc != -EINVAL)
			fail_msg("bad file %zu: parsed (rc %d):\n%s", i, rc, bads[i].text);
		if (bads[i].first && strcmp(A->errors[0].msg, bads[i].first))
			fail_msg("bad file %zu: first problem\n  '%s', want\n  '%s'", i,
				 A->errors[0].msg, bads[i].first);
		if (A->n_errors != bads[i].n_errors)
			fail_msg("bad file %zu: %zu problems, want %zu (first: %s)", i, A->n_errors,
				 bads[i].n_errors, A->errors[0].msg);
		if (!strstr(err, A->errors[0].msg))
			fail_msg("bad file %zu: err '%s' does not carry the first problem", i, err);
	}
}

static void test_every_problem_listed(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(parse("[global]\nhostnme = a\ntimezone = x y\n[network]\nsource = static\n"
			       "[disk]\nsize = 1\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(A->n_errors, 9);
	assert_string_equal(A->errors[0].msg, "line 2: unknown key 'hostnme' in [global]");
	assert_int_equal(A->errors[1].line, 3);
	assert_string_equal(A->errors[2].msg, "line 7: unknown key 'size' in [disk]");
	assert_string_equal(A->errors[3].msg, "line 1: [global] lacks the required key hostname");
	assert_string_equal(err, "answer file: line 2: unknown key 'hostnme' in [global] (and more)");
}

static void test_nul_and_long_lines(void **state)
{
	char err[512], text[4096];
	size_t n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "%s", GLOBAL NET_DHCP DISK);
	text[9] = '\0';   /* inside "hostname" */
	assert_int_equal(answer_parse(text, n, A, err, sizeof(err)), -EINVAL);
	assert_string_equal(A->errors[0].msg, "line 2: a NUL byte (is this a text file?)");

	n = (size_t)snprintf(text, sizeof(text), GLOBAL "root-ssh-key = ssh-rsa %03000d\n"
			     NET_DHCP DISK, 0);
	assert_int_equal(answer_parse(text, n, A, err, sizeof(err)), -EINVAL);
	assert_int_equal(A->errors[0].line, 5);
	assert_non_null(strstr(A->errors[0].msg, "longer than"));
	assert_int_equal(A->n_errors, 1);
}

static void test_file(void **state)
{
	char path[] = "/tmp/test_answer.XXXXXX", err[512];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, GLOBAL NET_DHCP DISK, strlen(GLOBAL NET_DHCP DISK)),
			 (ssize_t)strlen(GLOBAL NET_DHCP DISK));
	close(fd);
	assert_int_equal(answer_parse_file(path, A, err, sizeof(err)), 0);
	assert_string_equal(A->hostname, "box");
	unlink(path);
	assert_int_equal(answer_parse_file(path, A, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
}

static void test_disk_pick(void **state)
{
	const struct answer_disk disks[] = {
		{ "sda", "Samsung SSD 870", "S4EWNX0R123", 500ull << 30 },
		{ "sdb", "Samsung SSD 870", "S4EWNX0R456", 1000ull << 30 },
		{ "vda", NULL, NULL, 8ull << 30 },
	};
	char err[512];

	(void)state;
	assert_int_equal(parse(GLOBAL NET_DHCP "[disk]\nfilter-serial = *456\n", err, sizeof(err)), 0);
	assert_int_equal(answer_disk_pick(A, disks, 3, err, sizeof(err)), 1);
	assert_int_equal(parse(GLOBAL NET_DHCP "[disk]\nfilter-size = 500G\n", err, sizeof(err)), 0);
	assert_int_equal(answer_disk_pick(A, disks, 3, err, sizeof(err)), 0);
	assert_int_equal(parse(GLOBAL NET_DHCP "[disk]\nfilter-size = -10G\n", err, sizeof(err)), 0);
	assert_int_equal(answer_disk_pick(A, disks, 3, err, sizeof(err)), 2);
	assert_int_equal(parse(GLOBAL NET_DHCP "[disk]\nfilter-model = Samsung*\n", err, sizeof(err)), 0);
	assert_int_equal(answer_disk_pick(A, disks, 3, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "line 7: the [disk] filters match 2 disks (sda, sdb); narrow them; "
			    "nothing was written");
	assert_int_equal(parse(GLOBAL NET_DHCP "[disk]\nfilter-model = WD*\n", err, sizeof(err)), 0);
	assert_int_equal(answer_disk_pick(A, disks, 3, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "line 7: the [disk] filters match none of the 3 disks found; "
			    "nothing was written");
}

static void test_nic_pick(void **state)
{
	const struct answer_nic nics[] = {
		{ "enp1s0", { 0x52, 0x54, 0, 0, 0, 1 } },
		{ "enp2s0", { 0x52, 0x54, 0, 0, 0, 2 } },
	};
	char err[512];

	(void)state;
	assert_int_equal(parse(GLOBAL "[network]\nsource=dhcp\ninterface-mac=52:54:00:00:00:02\n"
			       DISK, err, sizeof(err)), 0);
	assert_int_equal(answer_nic_pick(A, nics, 2, err, sizeof(err)), 1);
	assert_int_equal(parse(GLOBAL "[network]\nsource=dhcp\ninterface-name=enp1*\n" DISK,
			       err, sizeof(err)), 0);
	assert_int_equal(answer_nic_pick(A, nics, 2, err, sizeof(err)), 0);
	assert_int_equal(answer_nic_pick(A, nics + 1, 1, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "line 5: the [network] interface filter matches none of the 1 NICs found");
	assert_int_equal(parse(GLOBAL NET_DHCP DISK, err, sizeof(err)), 0);
	assert_int_equal(answer_nic_pick(A, nics, 2, err, sizeof(err)), -EEXIST);
	assert_int_equal(answer_nic_pick(A, nics, 1, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_minimal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_hashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_problem_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_and_long_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_pick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nic_pick, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
