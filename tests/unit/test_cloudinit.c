/*
 * cloud-init: the rules of the settings (common/cloudinit.h), tables of
 * good and bad values with the exact words; the seed texts (core/ci_seed.h)
 * against golden files (tests/golden/cidata_<case>.<file>; run with
 * CROFT_UPDATE_GOLDEN=1 to rewrite them); the ISO 9660 image read back
 * sector by sector as a guest's isofs reads it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "tests/unit/testlib.h"
#include "common/cloudinit.h"
#include "core/ci_seed.h"
#include "core/iso9660.h"
#include "tui/cli_cloudinit.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_DIR CROFT_SRCDIR "/tests/golden"

/* A real ed25519 public key (ssh-keygen), and one of rsa. */
#define KEY_ED "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH2XXuleyeGO4wHNTCtrTT9nRjf5fkECpU35GS1lktvH alice@laptop"
#define KEY_RSA_SHORT "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 bob"
#define HASH6 "$6$croftsalt$8mxfbH0EQvIh7qvqjqyA9TXw4OqIRBuCV/RzDQd3v/.NXotXEkZ5IREiArbQhCPRgmTlpHWMo4UBJOi4cBAKw."
#define HASHY "$y$j9T$abcdefghijklmnopqrstu.$ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"

struct check_case {
	int (*check)(const char *, char *, size_t);
	const char *value;
	const char *error;       /* NULL: accepted */
};

static void test_rules(void **state)
{
	static const struct check_case cases[] = {
		{ cloudinit_user_check, "alice", NULL },
		{ cloudinit_user_check, "_svc-1", NULL },
		{ cloudinit_user_check, "", "user name is empty" },
		{ cloudinit_user_check, "Alice", "user name 'Alice' must start with a lower-case letter or '_'" },
		{ cloudinit_user_check, "al ice", "user name 'al ice' has ' '; use lower-case letters, digits, '_' and '-'" },
		{ cloudinit_user_check, "root", "user 'root' cannot be the cloud-init user; give a normal user (it gets sudo)" },
		{ cloudinit_user_check, "abcdefghijklmnopqrstuvwxyz0123456", "user name 'abcdefghijklmnopqrst...' is 33 characters long; the limit is 32" },
		{ cloudinit_hostname_check, "web1", NULL },
		{ cloudinit_hostname_check, "web-1.home.arpa", NULL },
		{ cloudinit_hostname_check, "bad_host", "hostname 'bad_host' has '_'; use letters, digits, '-' and dots (RFC 1123)" },
		{ cloudinit_hostname_check, "-web", "hostname '-web': a label must not start or end with '-'" },
		{ cloudinit_hostname_check, "web..lan", "hostname 'web..lan' has an empty label (two dots, or a dot at an end)" },
		{ cloudinit_hostname_check, "web.", "hostname 'web.' has an empty label (two dots, or a dot at an end)" },
		{ cloudinit_hostname_check, "10.0.0.1", "hostname '10.0.0.1' ends in a numeric label; a host name is not an address" },
		{ cloudinit_ssh_key_check, KEY_ED, NULL },
		{ cloudinit_ssh_key_check, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH2XXuleyeGO4wHNTCtrTT9nRjf5fkECpU35GS1lktvH", NULL },
		{ cloudinit_ssh_key_check, "-----BEGIN OPENSSH PRIVATE KEY-----", "ssh key: this is a private key; give the public key (the .pub file)" },
		{ cloudinit_ssh_key_check, "ssh-dss AAAAB3NzaC1kc3M=", "ssh key: DSA (ssh-dss) keys are refused by current OpenSSH; use an ed25519 or rsa key" },
		{ cloudinit_ssh_key_check, "from=\"10.0.0.1\" " KEY_ED, "ssh key 'from=\"10.0.0.1\" ssh-ed25...' does not start with a key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256...)" },
		{ cloudinit_ssh_key_check, "ssh-ed25519", "ssh key (ssh-ed25519) has no key data after its type" },
		{ cloudinit_ssh_key_check, "ssh-ed25519 AAAA!AAA", "ssh key (ssh-ed25519): the key data is not valid base64" },
		{ cloudinit_ssh_key_check, "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7", "ssh key: its data is not a ssh-ed25519 key (the type word and the key do not match)" },
		{ cloudinit_ssh_key_check, KEY_RSA_SHORT, NULL },
		{ cloudinit_ssh_key_check, "ssh-ed25519 AAAA\nAAAA", "ssh key has a control character (a newline?); give one key per entry" },
		{ cloudinit_password_hash_check, HASH6, NULL },
		{ cloudinit_password_hash_check, HASHY, NULL },
		{ cloudinit_password_hash_check, "$2b$12$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234", NULL },
		{ cloudinit_password_hash_check, "hunter2", "password-hash must be a crypt(3) hash such as $y$... or $6$...; it looks like a plain password (hash it with mkpasswd, or let the console hash it)" },
		{ cloudinit_password_hash_check, "!", "password-hash '!...' is a locked account; leave password-hash out instead" },
		{ cloudinit_password_hash_check, "$1$salt$abcdefghijklmnopqrstuv", "password-hash is MD5-crypt, which is too weak; use yescrypt ($y$) or sha512crypt ($6$)" },
		{ cloudinit_password_hash_check, "$6$salt$short", "password-hash '$6$sal...' is cut short or damaged: a $6$ hash ends in a salt and 86 characters" },
		{ cloudinit_password_hash_check, "$6$salt$a:b", "password-hash has ':'; a crypt(3) hash has only letters, digits, '.', '/', '$' and '='" },
		{ cloudinit_password_hash_check, "$9$x$y", "password-hash '$9$x$y...' is of an unknown kind; use yescrypt ($y$), sha512crypt ($6$), sha256crypt ($5$) or bcrypt ($2b$)" },
		{ cloudinit_password_hash_check, "$2b$12$short", "password-hash '$2b$12$...' is not a bcrypt hash ($2b$NN$ and 53 characters)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512] = "";
		int rc = cases[i].check(cases[i].value, err, sizeof(err));

		if (!cases[i].error) {
			if (rc)
				fail_msg("'%s' refused: %s", cases[i].value, err);
			continue;
		}
		if (rc != -EINVAL)
			fail_msg("'%s' accepted", cases[i].value);
		assert_string_equal(err, cases[i].error);
	}
}

static void test_network(void **state)
{
	static const struct { const char *spec, *error; } bad[] = {
		{ "dhcp6", "network 'dhcp6' is not dhcp or static:ADDRESS/PREFIX:GATEWAY[:DNS]" },
		{ "static:10.0.0.5/24", "network 'static:10.0.0.5/24' needs a gateway: static:ADDRESS/PREFIX:GATEWAY[:DNS]" },
		{ "static:10.0.0.5:10.0.0.1", "network 'static:10.0.0.5:10.0.0.1': the address needs a prefix length (e.g. 192.168.1.10/24)" },
		{ "static:10.0.0.5/33:10.0.0.1", "network 'static:10.0.0.5/33:10.0.0.1': prefix length '33' is not a number from 1 to 32" },
		{ "static:10.0.0.5/24:10.0.1.1", "network 'static:10.0.0.5/24:10.0.1.1': gateway 10.0.1.1 must be another address inside 10.0.0.5/24" },
		{ "static:10.0.0.0/24:10.0.0.1", "network 'static:10.0.0.0/24:10.0.0.1': 10.0.0.0 is the network or broadcast address of /24" },
		{ "static:10.0.0.5/24:10.0.0.1:1.1.1.1:8.8.8.8", "network 'static:10.0.0.5/24:10.0.0.1:1.1.1.1:8.8.8.8' has too many parts: static:ADDRESS/PREFIX:GATEWAY[:DNS]" },
	};
	struct cloudinit_net n;
	char err[512];
	size_t i;

	(void)state;
	assert_int_equal(cloudinit_network_parse("dhcp", &n, err, sizeof(err)), 0);
	assert_false(n.is_static);
	assert_int_equal(cloudinit_network_parse("static:192.168.1.10/24:192.168.1.1:9.9.9.9", &n, err,
						 sizeof(err)), 0);
	assert_true(n.is_static && n.has_dns && n.prefix == 24);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cloudinit_network_parse(bad[i].spec, &n, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad[i].error);
	}
	assert_int_equal(cloudinit_network_parse("static:300.0.0.1/24:10.0.0.1", &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "300.0.0.1"));
}

static void test_user_data(void **state)
{
	char err[512], *big;

	(void)state;
	assert_int_equal(cloudinit_user_data_check("#cloud-config\npackages: [htop]\n", 31, err, sizeof(err)), 0);
	assert_int_equal(cloudinit_user_data_check("#cloud-config", 13, err, sizeof(err)), 0);
	assert_int_equal(cloudinit_user_data_check("#!/bin/sh\necho hi\n", 18, err, sizeof(err)), 0);
	assert_int_equal(cloudinit_user_data_check("#cloud-configX\n", 15, err, sizeof(err)), -EINVAL);
	assert_int_equal(cloudinit_user_data_check("packages: [htop]\n", 17, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "user-data must begin with a '#cloud-config' line or be a script ('#!'); it begins 'packages: [htop]'");
	assert_int_equal(cloudinit_user_data_check("\n#cloud-config\n", 15, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "user-data must begin with a '#cloud-config' line or be a script ('#!'); it begins with an empty line");
	big = xmalloc(CLOUDINIT_USER_DATA_MAX + 2);
	memset(big, 'x', CLOUDINIT_USER_DATA_MAX + 1);
	memcpy(big, "#!", 2);
	big[CLOUDINIT_USER_DATA_MAX + 1] = '\0';
	assert_int_equal(cloudinit_user_data_check(big, CLOUDINIT_USER_DATA_MAX + 1, err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "user-data is 65537 bytes; the limit is 65536");
	free(big);
}

static int from_json(const char *text, struct cloudinit *c, char *err, size_t errlen)
{
	json_t *o = json_loads(text, JSON_ALLOW_NUL, NULL);
	int rc;

	assert_non_null(o);
	rc = cloudinit_from_json(o, c, err, errlen);
	json_decref(o);
	return rc;
}

/* The object: every member judged, the canonical text in one order. */
static void test_json(void **state)
{
	static const struct { const char *json, *error; } bad[] = {
		{ "{}", "cloud-init needs at least one of user, ssh-key, password-hash, hostname, network and user-data" },
		{ "{\"shell\":\"/bin/sh\"}", "cloud_init has an unknown member \"shell\" (known: user, ssh_keys, password_hash, hostname, network, user_data)" },
		{ "{\"user\":5}", "cloud_init.user must be a string" },
		{ "{\"ssh_keys\":\"" KEY_ED "\"}", "cloud_init.ssh_keys must be an array of strings" },
		{ "{\"ssh_keys\":[\"ssh-rsa AAAA\"]}", "ssh_keys[0]: ssh key (ssh-rsa): the key data is too short" },
		{ "{\"password_hash\":\"" HASH6 "\"}", "password-hash needs a user (user=NAME) to set it for" },
		{ "{\"user\":\"a\\u0000b\"}", "cloud_init.user has a NUL character" },
		{ "[]", "cloud_init must be an object (or null to turn it off)" },
	};
	struct cloudinit c, back;
	char err[512], *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(from_json(bad[i].json, &c, err, sizeof(err)) < 0);
		assert_string_equal(err, bad[i].error);
		assert_null(c.user);
	}
	assert_int_equal(from_json("{\"network\":\"dhcp\",\"hostname\":\"h\",\"ssh_keys\":[\"" KEY_ED "\"],"
				   "\"user\":\"alice\"}", &c, err, sizeof(err)), 0);
	text = cloudinit_to_text(&c);
	assert_string_equal(text, "{\"user\":\"alice\",\"ssh_keys\":[\"" KEY_ED "\"],\"hostname\":\"h\","
				  "\"network\":\"dhcp\"}");
	assert_int_equal(cloudinit_from_text(text, &back, err, sizeof(err)), 0);
	assert_string_equal(back.user, "alice");
	assert_int_equal(back.nkeys, 1);
	free(text);
	cloudinit_clear(&back);
	cloudinit_clear(&c);
	assert_int_equal(cloudinit_from_text("{not json", &c, err, sizeof(err)), -EINVAL);
}

/* --- the seed ------------------------------------------------------------------- */

static void golden(const char *name, const char *file, const char *got)
{
	char path[512];
	const char *update = getenv("CROFT_UPDATE_GOLDEN");
	char *want;

	snprintf(path, sizeof(path), "%s/cidata_%s.%s", GOLDEN_DIR, name, file);
	if (!got) {
		want = tl_read_file(path);
		if (want)
			fail_msg("%s: no %s, but golden file %s exists", name, file, path);
		return;
	}
	if (update && !strcmp(update, "1")) {
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		fputs(got, f);
		assert_int_equal(fclose(f), 0);
	}
	want = tl_read_file(path);
	if (!want)
		fail_msg("missing golden file %s (run with CROFT_UPDATE_GOLDEN=1)", path);
	if (strcmp(want, got)) {
		fprintf(stderr, "--- %s (golden)\n%s--- built\n%s", path, want, got);
		fail_msg("%s: %s differs from its golden file", name, file);
	}
	free(want);
}

static void seed_golden(const char *name, const char *json, const char *vmname,
			const char *const *macs, size_t nmacs)
{
	struct ci_seed_vm vm = { vmname, "5f0c1e2a-3b4d-4c5e-8f60-718293a4b5c6", 3, macs, nmacs };
	struct cloudinit c;
	struct ci_seed s;
	char err[512];

	if (from_json(json, &c, err, sizeof(err)) < 0)
		fail_msg("%s: %s", name, err);
	assert_int_equal(ci_seed_build(&c, &vm, &s, err, sizeof(err)), 0);
	golden(name, "meta-data", s.meta_data);
	golden(name, "user-data", s.user_data);
	golden(name, "network-config", s.network_config);
	ci_seed_clear(&s);
	cloudinit_clear(&c);
}

static void test_seed_golden(void **state)
{
	static const char *const macs[] = { "52:54:00:aa:bb:01", "52:54:00:aa:bb:02" };

	(void)state;
	/* everything, a static address on the first of two NICs */
	seed_golden("full", "{\"user\":\"alice\",\"ssh_keys\":[\"" KEY_ED "\",\"" KEY_RSA_SHORT "\"],"
		    "\"password_hash\":\"" HASH6 "\",\"hostname\":\"web1.home.arpa\","
		    "\"network\":\"static:192.168.1.10/24:192.168.1.1:192.168.1.1\"}", "web", macs, 2);
	/* a key for the image's default user, DHCP on each NIC, host name
	 * from the VM's name */
	seed_golden("keyonly", "{\"ssh_keys\":[\"" KEY_ED "\"],\"network\":\"dhcp\"}", "db", macs, 2);
	/* a password but no key: password SSH on; no NIC: matched by name */
	seed_golden("password", "{\"user\":\"bob\",\"password_hash\":\"" HASHY "\","
		    "\"network\":\"dhcp\"}", "my_vm", NULL, 0);
	/* the user's own cloud-config and script, after croft's part */
	seed_golden("userdata", "{\"user\":\"alice\",\"user_data\":\"#cloud-config\\npackages: [htop]\\n\"}",
		    "web", NULL, 0);
	seed_golden("script", "{\"hostname\":\"q\",\"user_data\":\"#!/bin/sh\\necho ==croft-cidata-0==\"}",
		    "web", NULL, 0);
}

/* Quotes and backslashes in a key's comment stay inside their string. */
static void test_seed_quoting(void **state)
{
	struct cloudinit c = { 0 };
	struct ci_seed_vm vm = { "web", "u", 1, NULL, 0 };
	char *keys[] = { KEY_ED " \"evil\\\": x" };
	struct ci_seed s;
	char err[256];

	(void)state;
	c.ssh_keys = keys;
	c.nkeys = 1;
	assert_int_equal(ci_seed_build(&c, &vm, &s, err, sizeof(err)), 0);
	assert_non_null(strstr(s.user_data, "  - \"" KEY_ED " \\\"evil\\\\\\\": x\"\n"));
	ci_seed_clear(&s);
}

/* --- the image, read as isofs does ----------------------------------------------- */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

/* The file NAME (as Linux shows it: lower case, no ".;1") in img's root. */
static char *iso_file(const unsigned char *img, size_t len, const char *name)
{
	const unsigned char *pvd = img + 16 * 2048, *root = pvd + 156, *dir;
	uint32_t dsec = le32(root + 2), dlen = le32(root + 10), off = 0;

	assert_memory_equal(pvd + 1, "CD001", 5);
	assert_int_equal(be32(root + 6), dsec);
	assert_true((size_t)(dsec + 1) * 2048 <= len);
	dir = img + (size_t)dsec * 2048;
	while (off < dlen && dir[off]) {
		const unsigned char *r = dir + off;
		char shown[64] = "";
		size_t k, n = r[32];

		for (k = 0; k < n && k < sizeof(shown) - 1; k++)
			shown[k] = (char)tolower(r[33 + k]);
		shown[k] = '\0';
		if (k >= 3 && !strcmp(shown + k - 3, ".;1"))
			shown[k - 3] = '\0';
		else if (k >= 2 && !strcmp(shown + k - 2, ";1"))
			shown[k - 2] = '\0';
		if (!strcmp(shown, name)) {
			uint32_t at = le32(r + 2), size = le32(r + 10);

			assert_int_equal(be32(r + 6), at);
			assert_int_equal(be32(r + 14), size);
			assert_true((size_t)at * 2048 + size <= len);
			return xstrndup((const char *)img + (size_t)at * 2048, size);
		}
		off += r[0];
	}
	return NULL;
}

static void test_image(void **state)
{
	struct ci_seed s = { xstrdup("instance-id: \"i-1\"\n"), xstrdup("#cloud-config\n"),
			     xmalloc(5000) };
	unsigned char *img;
	size_t len;
	char err[256], *got;

	(void)state;
	memset(s.network_config, 'n', 4999);
	s.network_config[4999] = '\0';
	assert_int_equal(ci_seed_image(&s, &img, &len, err, sizeof(err)), 0);
	assert_int_equal(len % 2048, 0);
	assert_int_equal(len, (21 + 1 + 1 + 3) * 2048);
	assert_int_equal(le32(img + 16 * 2048 + 80), len / 2048);
	assert_memory_equal(img + 16 * 2048 + 40, "cidata ", 7);
	assert_int_equal(img[17 * 2048], 255);
	got = iso_file(img, len, "meta-data");
	assert_string_equal(got, s.meta_data);
	free(got);
	got = iso_file(img, len, "user-data");
	assert_string_equal(got, s.user_data);
	free(got);
	got = iso_file(img, len, "network-config");
	assert_string_equal(got, s.network_config);
	free(got);
	free(img);
	ci_seed_clear(&s);

	{
		struct iso9660_file bad = { "a/b", "", 0 };

		assert_int_equal(iso9660_build("x", &bad, 1, &img, &len, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "ISO 9660 file name 'a/b' has '/'");
	}
}

/* --cloud-init: the CLI's words and its own reading of FILEs (~/ is
 * $HOME's, as the shell would not expand it after '='). */
static void test_cli_option(void **state)
{
	static const struct { const char *val; int edit; const char *error; } bad[] = {
		{ "off", 0, "--cloud-init off is for vm edit; leave --cloud-init out instead" },
		{ "colour=blue", 0, "--cloud-init: 'colour' is not a cloud-init setting; use user, ssh-key, password-hash, hostname, network and user-data (or off)" },
		{ "user", 0, "--cloud-init: user needs a value (user=...)" },
		{ "user=a,user=b", 0, "--cloud-init: user is given twice" },
		{ "user=a,password-hash=pw", 1, "--cloud-init: password-hash must be a crypt(3) hash such as $y$... or $6$...; it looks like a plain password (hash it with mkpasswd, or let the console hash it)" },
		{ "ssh-key=/nonexistent/id.pub", 1, "--cloud-init: cannot read ssh key file /nonexistent/id.pub: No such file or directory" },
		{ "user-data=/", 1, "--cloud-init: user-data file / is not a regular file" },
	};
	char *tmp = tl_tmpdir("cicli"), *home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	char *kf = tl_path(tmp, "k.pub"), *ud = tl_path(tmp, "ud"), val[1024], err[512];
	json_t *o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(cli_cloudinit_parse(bad[i].val, bad[i].edit, &o, err, sizeof(err)) < 0);
		assert_null(o);
		assert_string_equal(err, bad[i].error);
	}
	assert_int_equal(cli_cloudinit_parse("off", 1, &o, err, sizeof(err)), 0);
	assert_true(json_is_null(o));
	assert_int_equal(tl_write_file(kf, "# two keys\n" KEY_ED "\n\n" KEY_RSA_SHORT "\n"), 0);
	assert_int_equal(tl_write_file(ud, "#!/bin/sh\ntrue\n"), 0);
	setenv("HOME", tmp, 1);
	snprintf(val, sizeof(val), "user=alice,ssh-key=~/k.pub,ssh-key=%s,hostname=h,network=dhcp,user-data=%s",
		 KEY_RSA_SHORT, ud);
	assert_int_equal(cli_cloudinit_parse(val, 0, &o, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(o, "ssh_keys")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "ssh_keys"), 0)), KEY_ED);
	assert_string_equal(json_string_value(json_object_get(o, "user_data")), "#!/bin/sh\ntrue\n");
	json_decref(o);
	if (home)
		setenv("HOME", home, 1);
	tl_rmtree(tmp);
	free(home);
	free(kf);
	free(ud);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_user_data),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_seed_golden),
		cmocka_unit_test(test_seed_quoting),
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_cli_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
