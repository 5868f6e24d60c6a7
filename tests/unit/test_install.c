/*
 * Tests for the install engine's pure parts: the GPT layout (sizes,
 * alignment, the sfdisk script, partition names), the disk and NIC lists
 * from a fake sysfs tree and their JSON, the installed system's
 * configuration files (one golden file per network kind;
 * CROFT_UPDATE_GOLDEN=1 rewrites them after an intended change), root's
 * hash in /etc/shadow, and the progress protocol's lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "installer/answer.h"
#include "installer/inst_config.h"
#include "installer/inst_layout.h"
#include "installer/inst_progress.h"
#include "installer/inst_sysfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GOLDEN_DIR CROFT_SRCDIR "/tests/golden"
#define HASH_6 "$6$saltsalt$1ZFI3Zuc3WbrnnYO1f97qKwmPXyj1gq8iulrJZsb2YUlGbaOCkg7nVo531fiYk/UQU4hVCTKqZf4o.ntCqXPa."
#define KEY_ED "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP4K9ySMGK0yOkr6bFUWDpjfwIRFf1GJ8UlnXzRVZ5vE admin@laptop"

/* --- the layout ------------------------------------------------------- */

static void test_layout_sizes(void **state)
{
	struct inst_layout l;
	char err[256];
	int i;

	(void)state;
	/* 20 GiB: root a quarter (5 GiB), data the rest but the last MiB */
	assert_int_equal(inst_layout_compute(20 * INST_GIB, &l, err, sizeof(err)), 0);
	assert_int_equal(l.part[INST_PART_BIOS].start, INST_MIB);
	assert_int_equal(l.part[INST_PART_BIOS].size, INST_MIB);
	assert_int_equal(l.part[INST_PART_ESP].start, 2 * INST_MIB);
	assert_int_equal(l.part[INST_PART_ESP].size, 512 * INST_MIB);
	assert_int_equal(l.part[INST_PART_ROOT].start, 514 * INST_MIB);
	assert_int_equal(l.part[INST_PART_ROOT].size, 5 * INST_GIB);
	assert_int_equal(l.part[INST_PART_DATA].start + l.part[INST_PART_DATA].size, 20 * INST_GIB - INST_MIB);
	for (i = 0; i < INST_NPARTS; i++) {
		assert_int_equal(l.part[i].start % INST_MIB, 0);
		assert_int_equal(l.part[i].size % INST_MIB, 0);
		if (i)
			assert_int_equal(l.part[i].start, l.part[i - 1].start + l.part[i - 1].size);
	}
	/* a small disk: root at its minimum; a large one: at its maximum */
	assert_int_equal(inst_layout_compute(8 * INST_GIB, &l, err, sizeof(err)), 0);
	assert_int_equal(l.part[INST_PART_ROOT].size, INST_ROOT_MIN);
	assert_int_equal(inst_layout_compute(4000 * INST_GIB, &l, err, sizeof(err)), 0);
	assert_int_equal(l.part[INST_PART_ROOT].size, INST_ROOT_MAX);
	/* an odd size: the end is aligned down */
	assert_int_equal(inst_layout_compute(20 * INST_GIB + 12345, &l, err, sizeof(err)), 0);
	assert_int_equal((l.part[INST_PART_DATA].start + l.part[INST_PART_DATA].size) % INST_MIB, 0);
	/* too small: a message with both sizes */
	assert_int_equal(inst_layout_compute(5 * INST_GIB, &l, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "too small: 5.0 GiB"));
	assert_int_equal(inst_layout_compute(inst_layout_min_disk(), &l, err, sizeof(err)), 0);
	assert_int_equal(l.part[INST_PART_DATA].size, INST_DATA_MIN);
}

static void test_layout_sfdisk(void **state)
{
	struct inst_layout l;
	char err[256], p[64], *s;

	(void)state;
	assert_int_equal(inst_layout_compute(20 * INST_GIB, &l, err, sizeof(err)), 0);
	s = inst_layout_sfdisk(&l);
	assert_string_equal(s,
		"label: gpt\nunit: sectors\nsector-size: 512\n\n"
		"start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name=\"croft-bios\"\n"
		"start=4096, size=1048576, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"croft-esp\"\n"
		"start=1052672, size=10485760, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=\"croft-root\"\n"
		"start=11538432, size=30402560, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=\"croft-data\"\n");
	free(s);
	inst_part_path("/dev/sda", 3, p, sizeof(p));
	assert_string_equal(p, "/dev/sda3");
	inst_part_path("/dev/nvme0n1", 3, p, sizeof(p));
	assert_string_equal(p, "/dev/nvme0n1p3");
	inst_part_path("/dev/loop7", 1, p, sizeof(p));
	assert_string_equal(p, "/dev/loop7p1");
	s = inst_layout_describe(&l);
	assert_non_null(strstr(s, "3  croft-root     5.0 GiB  /\n"));
	assert_non_null(strstr(s, "4  croft-data    14.5 GiB  /var/lib/croft/pools\n"));
	free(s);
}

/* --- sysfs ------------------------------------------------------------ */

static char tmpdir[64];

static void put(const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	for (slash = strchr(path + strlen(tmpdir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_sysfs_lists(void **state)
{
	struct inst_disk *d;
	struct inst_nic *n;
	size_t nd, nn;
	char err[256], path[512], *json;
	static const char vpd[] = { 0, (char)0x80, 0, 12, 'Z', 'X', '1', '2', '3', ' ', ' ', ' ', ' ', ' ', ' ', ' ' };
	FILE *f;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_install.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	put("block/vda/size", "20971520\n");
	put("block/vda/serial", "CROFT-1\n");
	put("block/vda/removable", "0\n");
	put("block/vda/queue/rotational", "0\n");
	put("block/sda/size", "1000\n");
	put("block/sda/device/model", "  WDC WD10EZEX   \n");
	put("block/sda/removable", "1\n");
	put("block/sda/queue/rotational", "1\n");
	snprintf(path, sizeof(path), "%s/block/sda/device/vpd_pg80", tmpdir);
	f = fopen(path, "w");
	fwrite(vpd, 1, sizeof(vpd), f);
	fclose(f);
	put("block/sr0/size", "2000\n");
	put("block/loop3/size", "2000\n");
	put("block/sdz/size", "0\n");   /* no media */
	put("class/net/eth0/address", "52:54:00:00:00:01\n");
	put("class/net/eth0/carrier", "1\n");
	put("class/net/eth0/device/x", "");
	put("class/net/br0/address", "52:54:00:00:00:02\n");   /* no device: virtual */
	assert_int_equal(inst_disks_list(tmpdir, &d, &nd, err, sizeof(err)), 0);
	assert_int_equal(nd, 2);
	assert_string_equal(d[0].name, "sda");
	assert_string_equal(d[0].model, "WDC WD10EZEX");
	assert_string_equal(d[0].serial, "ZX123");
	assert_int_equal(d[0].size, 512000);
	assert_true(d[0].removable && d[0].rotational);
	assert_string_equal(d[1].path, "/dev/vda");
	assert_string_equal(d[1].serial, "CROFT-1");
	assert_string_equal(d[1].model, "");
	json = inst_disks_json(d, nd);
	assert_string_equal(json, "[{\"name\":\"sda\",\"path\":\"/dev/sda\",\"model\":\"WDC WD10EZEX\","
			    "\"serial\":\"ZX123\",\"size\":512000,\"removable\":true,\"rotational\":true},"
			    "{\"name\":\"vda\",\"path\":\"/dev/vda\",\"model\":\"\",\"serial\":\"CROFT-1\","
			    "\"size\":10737418240,\"removable\":false,\"rotational\":false}]");
	free(json);
	free(d);
	assert_int_equal(inst_nics_list(tmpdir, &n, &nn, err, sizeof(err)), 0);
	assert_int_equal(nn, 1);
	json = inst_nics_json(n, nn);
	assert_string_equal(json, "[{\"name\":\"eth0\",\"mac\":\"52:54:00:00:00:01\",\"carrier\":true,\"driver\":\"\"}]");
	free(json);
	free(n);
	assert_int_equal(inst_disks_list("/nonexistent-sysfs", &d, &nd, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent-sysfs/block"));
	snprintf(path, sizeof(path), "rm -rf %s", tmpdir);
	assert_int_equal(system(path), 0);
}

/* --- the configuration files (golden) ------------------------------------ */

static char *render(const struct inst_sys *s)
{
	struct inst_file *f;
	size_t n, i, len = 0;
	char *out = calloc(1, 1), *t;

	inst_config_files(s, &f, &n);
	for (i = 0; i < n; i++) {
		if (asprintf(&t, "%s=== %s (%04o)\n%s", out, f[i].path, f[i].mode, f[i].text) < 0)
			abort();
		free(out);
		out = t;
		len += strlen(f[i].text);
	}
	inst_config_files_free(f, n);
	assert_true(len > 0);
	return out;
}

static void golden(const char *name, const char *text)
{
	char path[512], buf[16384];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	if (getenv("CROFT_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	f = fopen(path, "r");
	if (!f)
		fail_msg("no golden file %s (CROFT_UPDATE_GOLDEN=1 writes it)", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (strcmp(buf, text))
		fail_msg("%s differs; got:\n%s\n(CROFT_UPDATE_GOLDEN=1 after an intended change)", path, text);
}

static void parse(const char *text, struct answer *a)
{
	char err[256];

	assert_int_equal(answer_parse(text, strlen(text), a, err, sizeof(err)), 0);
}

static struct inst_sys sys_of(const struct answer *a)
{
	struct inst_sys s = { .a = a, .nic = "enp1s0", .mac = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 },
			      .root_uuid = "11111111-2222-4333-8444-555555555555",
			      .data_uuid = "66666666-7777-4888-9999-aaaaaaaaaaaa",
			      .esp_uuid = "ABCD-1234", .kver = "6.1.0-28-amd64" };
	return s;
}

static void test_config_golden(void **state)
{
	struct answer *a = calloc(1, sizeof(*a));
	struct inst_sys s;
	char *t;

	(void)state;
	parse("[global]\nhostname = box.home.example\ntimezone = Europe/Berlin\n"
	      "root-password-hashed = " HASH_6 "\nroot-ssh-key = " KEY_ED "\n"
	      "[network]\nsource = static\ncidr = 192.168.1.10/24\ngateway = 192.168.1.1\n"
	      "dns = 192.168.1.1, 9.9.9.9\n[disk]\nfilter-serial = S4*\n"
	      "[first-boot]\nscript = /croft/first.sh\n", a);
	s = sys_of(a);
	t = render(&s);
	golden("install_static.txt", t);
	free(t);
	memset(a, 0, sizeof(*a));
	parse("[global]\nhostname = croft\ntimezone = UTC\nroot-ssh-key = " KEY_ED "\n"
	      "[network]\nsource = dhcp\n[disk]\nfilter-size = 100G-\nfilesystem = xfs\n", a);
	s = sys_of(a);
	t = render(&s);
	golden("install_dhcp.txt", t);
	/* no static resolv.conf, no first-boot unit with DHCP and no script */
	assert_null(strstr(t, "/etc/resolv.conf"));
	assert_null(strstr(t, "croft-first-boot"));
	assert_non_null(strstr(t, "UUID=11111111-2222-4333-8444-555555555555  /                     xfs "));
	free(t);
	free(a);
}

static void test_config_shadow(void **state)
{
	char err[256], *s;

	(void)state;
	s = inst_config_shadow("daemon:*:19000::::::\nroot::19000:0:99999:7:::\nbin:*:1::::::\n",
			       HASH_6, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(s, "daemon:*:19000::::::\nroot:" HASH_6 ":19000:0:99999:7:::\nbin:*:1::::::\n");
	free(s);
	s = inst_config_shadow("rootx:*:1::::::\n", "*", err, sizeof(err));
	assert_null(s);
	assert_non_null(strstr(err, "no line for root"));
}

/* --- the progress protocol ---------------------------------------------- */

static void test_progress_lines(void **state)
{
	struct inst_progress p;
	char buf[1024];
	int fds[2];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	inst_progress_init(&p, fds[1]);
	inst_progress_step(&p, 10, "partitioning %s", "/dev/vda");
	inst_progress_step(&p, 5, "going back\nis not allowed");   /* never backwards; one line */
	inst_progress_step(&p, 250, "too far");
	inst_progress_error(&p, "mkfs failed: %s", "no space\r\n");
	inst_progress_done(&p);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "progress 10 partitioning /dev/vda\n"
				 "progress 10 going back is not allowed\n"
				 "progress 100 too far\n"
				 "error mkfs failed: no space  \n"
				 "done\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_sizes),
		cmocka_unit_test(test_layout_sfdisk),
		cmocka_unit_test(test_sysfs_lists),
		cmocka_unit_test(test_config_golden),
		cmocka_unit_test(test_config_shadow),
		cmocka_unit_test(test_progress_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
