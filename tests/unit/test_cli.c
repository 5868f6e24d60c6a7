/*
 * Tests of the croft CLI: argument parsing into request args (the pure
 * parsers of tui/cli_parse.c), every usage error's words, --json and
 * --socket placement, size and path handling (temp files), the human
 * formatting of list/info/host from canned JSON (into memstreams),
 * and cli_main() end to end: its exit statuses and output, against a fake
 * croftd forked on a unix socket in a temp directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/cli.h"
#include "common/proto.h"
#include "tests/unit/testlib_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* --- temp files ------------------------------------------------------- */

static char tmpdir[256];
static char tmpdir_real[256];
static char oldcwd[PATH_MAX];

static int setup_tmpdir(void **state)
{
	int fd;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/croft-test-cli-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	{
		char *rp = realpath(tmpdir, NULL);

		if (!rp || strlen(rp) >= sizeof(tmpdir_real))
			return -1;
		strcpy(tmpdir_real, rp);
		free(rp);
	}
	if (!getcwd(oldcwd, sizeof(oldcwd)) || chdir(tmpdir) < 0)
		return -1;
	fd = open("disk.qcow2", O_CREAT | O_WRONLY, 0644);
	close(fd);
	fd = open("debian.iso", O_CREAT | O_WRONLY, 0644);
	close(fd);
	fd = open("vmlinuz", O_CREAT | O_WRONLY, 0644);
	close(fd);
	fd = open("initrd.img", O_CREAT | O_WRONLY, 0644);
	close(fd);
	mkdir("sub", 0755);
	return 0;
}

static int teardown_tmpdir(void **state)
{
	(void)state;
	unlink("disk.qcow2");
	unlink("debian.iso");
	unlink("vmlinuz");
	unlink("initrd.img");
	rmdir("sub");
	unlink("croftd.sock");
	unlink("stdin");
	if (chdir(oldcwd) < 0)
		return -1;
	rmdir(tmpdir);
	return 0;
}

static char *in_tmp(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", tmpdir_real, name);
	return buf;
}

/* --- vm create -------------------------------------------------------- */

static const struct tl_parse_case create_minimal[] = {
	{ { "web", "--memory", "1G" },
	  .args = "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024}" },
	{ { "--memory=512", "--vcpus=4", "db" },
	  .args = "{\"name\":\"db\",\"vcpus\":4,\"memory_mib\":512}" },
	{ { "a", "--memory", "2048M", "--memory-min", "512M" },
	  .args = "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":2048,\"memory_min_mib\":512}" },
	{ { "a", "--memory", "1048576K" },
	  .args = "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":1024}" },
	{ { "a", "--memory", "1T" },
	  .args = "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":1048576}" },
};

static void test_create_minimal(void **state)
{
	(void)state;
	TL_PARSE_CASES(cli_parse_vm_create, "vm create", create_minimal);
}

static void test_create_full(void **state)
{
	char disk[300], iso[300], kernel[300], initrd[300], want[8192];
	struct tl_parsed p;

	(void)state;
	in_tmp("disk.qcow2", disk, sizeof(disk));
	in_tmp("debian.iso", iso, sizeof(iso));
	in_tmp("vmlinuz", kernel, sizeof(kernel));
	in_tmp("initrd.img", initrd, sizeof(initrd));
	TL_PARSE(&p, cli_parse_vm_create, "vm create", "web", "--vcpus", "2", "--memory", "2G",
		 "--memory-min", "512", "--disk", "20G", "--disk", "disk.qcow2",
		 "--disk", "./sub/../disk.qcow2", "--disk", "10240", "--cdrom", "debian.iso",
		 "--boot", "cdrom,disk", "--firmware", "uefi", "--kernel", "vmlinuz",
		 "--initrd", initrd, "--append", "console=ttyS0 quiet");
	snprintf(want, sizeof(want),
		 "{\"name\":\"web\",\"vcpus\":2,\"memory_mib\":2048,\"memory_min_mib\":512,"
		 "\"disks\":[{\"size_bytes\":21474836480},{\"path\":\"%s\"},{\"path\":\"%s\"},"
		 "{\"size_bytes\":10737418240}],"
		 "\"cdrom\":\"%s\",\"boot\":\"cdrom,disk\",\"firmware\":\"uefi\","
		 "\"kernel\":\"%s\",\"initrd\":\"%s\",\"append\":\"console=ttyS0 quiet\"}",
		 disk, disk, iso, kernel, initrd);
	tl_parsed_args(&p, want);
}

static const struct tl_parse_case create_errors[] = {
	{ { "web", "--vcpus", "x", "--memory", "1G" },
	  .err = "--vcpus needs a number, got 'x'" },
	{ { "web", "--vcpus", "-1", "--memory", "1G" },
	  .err = "--vcpus needs a number, got '-1'" },
	{ { "web", "--vcpus", "0", "--memory", "1G" },
	  .err = "vcpus must be between 1 and 255, not 0" },
	{ { "web", "--vcpus", "256", "--memory", "1G" },
	  .err = "vcpus must be between 1 and 255, not 256" },
	{ { "web", "--vcpus" }, .err = "--vcpus needs a number" },
	{ { "web" }, .err = "vm create needs --memory SIZE (e.g. --memory 1G)" },
	{ { "--memory", "1G" }, .err = "vm create needs a VM name" },
	{ { "web", "db", "--memory", "1G" },
	  .err = "unexpected argument 'db' for 'vm create'" },
	{ { "-web", "--memory", "1G" }, .err = "unknown option '-web' for 'vm create'" },
	{ { "--", "-web", "--memory", "1G" },
	  .err = "VM name '-web' must start with a letter or a digit" },
	{ { "we b", "--memory", "1G" },
	  .err = "VM name 'we b' contains ' '; use letters, digits, '-', '_' and '.'" },
	{ { "web", "--memory", "1Q" },
	  .err = "--memory: size '1Q' has an unknown unit 'Q'; use K, M, G or T" },
	{ { "web", "--memory", "lots" },
	  .err = "--memory: size 'lots' must start with a digit (e.g. 512M, 2G)" },
	{ { "web", "--memory", "1536K" },
	  .err = "--memory: size '1536K' is not a whole number of MiB" },
	{ { "web", "--memory", "8" },
	  .err = "memory must be between 16M and 16T, not 8M" },
	{ { "web", "--memory", "1G", "--memory-min", "2G" },
	  .err = "memory-min (2048M) is above memory (1024M)" },
	{ { "web", "--memory", "1G", "--memory-min", "8M" },
	  .err = "memory-min must be at least 16M, not 8M" },
	{ { "web", "--memory", "1G", "--memory", "2G" },
	  .err = "--memory is given more than once" },
	{ { "web", "--memory", "1G", "--disk", "nothere.img" },
	  .err = "disk image 'nothere.img' does not exist (for a new disk give a size such as 10G)" },
	{ { "web", "--memory", "1G", "--disk", "/nope/x.img" },
	  .err = "disk image '/nope/x.img' does not exist" },
	{ { "web", "--memory", "1G", "--disk", "sub" },
	  .err = "disk image 'sub' is a directory" },
	{ { "web", "--memory", "1G", "--disk", "100K" },
	  .err = "--disk: disk size must be between 1M and 64T, not 100K" },
	{ { "web", "--memory", "1G", "--disk", "" }, .err = "disk image path is empty" },
	{ { "web", "--memory", "1G", "--cdrom", "x.iso" },
	  .err = "cdrom image 'x.iso' does not exist" },
	{ { "web", "--memory", "1G", "--kernel", "bz" }, .err = "kernel 'bz' does not exist" },
	{ { "web", "--memory", "1G", "--initrd", "initrd.img" },
	  .err = "--initrd needs --kernel" },
	{ { "web", "--memory", "1G", "--append", "quiet" }, .err = "--append needs --kernel" },
	{ { "web", "--memory", "1G", "--boot", "floppy" },
	  .err = "--boot: unknown boot device 'floppy'; use cdrom and/or disk" },
	{ { "web", "--memory", "1G", "--boot", "disk,disk" },
	  .err = "--boot: 'disk' appears twice" },
	{ { "web", "--memory", "1G", "--boot", "disk," },
	  .err = "--boot: list 'disk,' ends with a comma" },
	{ { "web", "--memory", "1G", "--firmware", "efi" },
	  .err = "--firmware must be bios or uefi, not 'efi'" },
	{ { "web", "--memory", "1G", "--frobnicate" },
	  .err = "unknown option '--frobnicate' for 'vm create'" },
	{ { "web", "--memory", "1G", "--eject" },
	  .err = "unknown option '--eject' for 'vm create'" },
	{ { "web", "--memory" }, .err = "--memory needs a size (e.g. 2G)" },
	{ { "web", "--memory", "1G", "--socket" }, .err = "--socket needs a path" },
};

static void test_create_errors(void **state)
{
	(void)state;
	TL_PARSE_CASES(cli_parse_vm_create, "vm create", create_errors);
}

/* --- global options among the arguments ------------------------------- */

static const struct tl_parse_case name_errors[] = {
	{ { "web", "db" }, .err = "unexpected argument 'db' for 'vm start'" },
	{ { NULL }, .err = "vm start needs a VM name" },
};

static void test_json_and_socket_anywhere(void **state)
{
	struct tl_parsed p;

	(void)state;
	TL_PARSE(&p, cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--json");
	assert_int_equal(p.g.json, 1);
	tl_parsed_args(&p, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024}");
	TL_PARSE(&p, cli_parse_vm_create, "vm create", "--json", "web", "--socket", "/tmp/s",
		 "--memory", "1G");
	assert_int_equal(p.g.json, 1);
	assert_string_equal(p.g.socket, "/tmp/s");
	tl_parsed_args(&p, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024}");
	TL_PARSE(&p, cli_parse_none, "vm list", "--json");
	assert_int_equal(p.g.json, 1);
	tl_parsed_args(&p, "{}");
	TL_PARSE(&p, cli_parse_name, "vm start", "web", "--json", "--socket=/x");
	assert_int_equal(p.g.json, 1);
	assert_string_equal(p.g.socket, "/x");
	tl_parsed_args(&p, "{\"name\":\"web\"}");
	/* a value that looks like an option is still the option's value */
	TL_PARSE(&p, cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--kernel", "vmlinuz",
		 "--append", "--json");
	assert_int_equal(p.g.json, 0);
	assert_int_equal(p.r, 0);
	assert_string_equal(json_string_value(json_object_get(p.args, "append")), "--json");
	json_decref(p.args);
	/* --help skips the checks for required arguments */
	TL_PARSE(&p, cli_parse_vm_create, "vm create", "--help");
	assert_int_equal(p.r, 0);
	assert_int_equal(p.g.help, 1);
	json_decref(p.args);
	TL_PARSE(&p, cli_parse_none, "vm list", "extra");
	tl_parsed_error(&p, "unexpected argument 'extra' for 'vm list'");
	TL_PARSE_CASES(cli_parse_name, "vm start", name_errors);
	TL_PARSE(&p, cli_parse_name, "vm info", "--force", "web");
	tl_parsed_error(&p, "unknown option '--force' for 'vm info'");
}

/* --- vm edit ---------------------------------------------------------- */

static const struct tl_parse_case edit_cases[] = {
	{ { "web", "--memory", "4G" }, .args = "{\"name\":\"web\",\"memory_mib\":4096}" },
	{ { "web", "--vcpus", "8", "--memory-min", "1G", "--boot", "disk", "--firmware", "bios" },
	  .args = "{\"name\":\"web\",\"vcpus\":8,\"memory_min_mib\":1024,\"boot\":\"disk\","
	  "\"firmware\":\"bios\"}" },
	{ { "web", "--eject" }, .args = "{\"name\":\"web\",\"cdrom\":null}" },
	{ { "web", "--kernel", "", "--initrd", "", "--append", "" },
	  .args = "{\"name\":\"web\",\"kernel\":null,\"initrd\":null,\"append\":null}" },
	{ { "web" }, .err = "vm edit needs at least one change (e.g. --memory 2G)" },
	{ { "--memory", "2G" }, .err = "vm edit needs a VM name" },
	{ { "web", "--cdrom", "debian.iso", "--eject" },
	  .err = "--cdrom and --eject cannot be used together" },
	{ { "web", "--cdrom", "" }, .err = "cdrom image path is empty" },
	{ { "web", "--vcpus", "two" }, .err = "--vcpus needs a number, got 'two'" },
	{ { "web", "--memory", "2G", "--memory-min", "3G" },
	  .err = "memory-min (3072M) is above memory (2048M)" },
	{ { "web", "--memory-min", "1M" }, .err = "memory-min must be at least 16M, not 1M" },
	{ { "web", "--memory", "4" },
	  .err = "memory must be between 16M and 16T, not 4M" },
	{ { "web", "--disk", "10G" }, .err = "unknown option '--disk' for 'vm edit'" },
	{ { "web", "--eject=yes" }, .err = "--eject takes no value" },
};

static void test_edit(void **state)
{
	char iso[300], want[4096];
	struct tl_parsed p;

	(void)state;
	TL_PARSE_CASES(cli_parse_vm_edit, "vm edit", edit_cases);
	in_tmp("debian.iso", iso, sizeof(iso));
	TL_PARSE(&p, cli_parse_vm_edit, "vm edit", "web", "--cdrom", "debian.iso");
	snprintf(want, sizeof(want), "{\"name\":\"web\",\"cdrom\":\"%s\"}", iso);
	tl_parsed_args(&p, want);
	TL_PARSE(&p, cli_parse_vm_edit, "vm edit", "web", "--append", "quiet", "--json");
	assert_int_equal(p.g.json, 1);
	tl_parsed_args(&p, "{\"name\":\"web\",\"append\":\"quiet\"}");
}

/* --- vm shutdown, vm delete, host set --------------------------------- */

static const struct tl_parse_case shutdown_cases[] = {
	{ { "web" }, .args = "{\"name\":\"web\"}" },
	{ { "web", "--timeout", "30", "--force" },
	  .args = "{\"name\":\"web\",\"timeout_s\":30,\"force\":true}" },
	{ { "--force", "web", "--timeout=0" },
	  .args = "{\"name\":\"web\",\"timeout_s\":0,\"force\":true}" },
	{ { "web", "--timeout", "soon" },
	  .err = "--timeout needs a number of seconds, got 'soon'" },
	{ { "web", "--timeout", "100000" },
	  .err = "--timeout must be at most 86400 seconds, not 100000" },
	{ { "web", "--timeout" }, .err = "--timeout needs a number of seconds" },
	{ { "--force" }, .err = "vm shutdown needs a VM name" },
};

static const struct tl_parse_case delete_cases[] = {
	{ { "web" }, .args = "{\"name\":\"web\"}" },
	{ { "web", "--keep" }, .err = "unknown option '--keep' for 'vm delete'" },
	{ { NULL }, .err = "vm delete needs a VM name" },
};

static const struct tl_parse_case log_cases[] = {
	{ { "web" }, .args = "{\"name\":\"web\"}" },
	{ { "web", "--bytes", "4K", "--follow" },
	  .args = "{\"name\":\"web\",\"bytes\":4096,\"follow\":true}" },
	{ { "-f", "web" }, .args = "{\"name\":\"web\",\"follow\":true}" },
	{ { "web", "--bytes", "lots" },
	  .err = "--bytes needs a size from 1 to 64M (e.g. 64K), got 'lots'" },
	{ { "web", "--bytes", "0" },
	  .err = "--bytes needs a size from 1 to 64M (e.g. 64K), got '0'" },
	{ { "web", "--bytes", "1G" },
	  .err = "--bytes needs a size from 1 to 64M (e.g. 64K), got '1G'" },
	{ { "--follow" }, .err = "vm log needs a VM name" },
};

static const struct tl_parse_case host_set_cases[] = {
	{ { "accel", "tcg" }, .args = "{\"accel\":\"tcg\"}" },
	{ { "accel", "hvf" }, .err = "accel must be auto, kvm or tcg, not 'hvf'" },
	{ { "accel" }, .err = "host set accel needs a value: auto, kvm or tcg" },
	{ { "allow-path", "/srv/images" }, .args = "{\"allow_path\":\"/srv/images\"}" },
	{ { "disallow-path", "/dev/disk/by-id/ata-X" }, .args = "{\"disallow_path\":\"/dev/disk/by-id/ata-X\"}" },
	{ { "allow-path" }, .err = "host set allow-path needs a path" },
	{ { "allow-path", "images" }, .err = "allow-path: path 'images' must be absolute" },
	{ { "allow-path", "/a", "/b" }, .err = "unexpected argument '/b' for 'host set'" },
	{ { "speed", "fast" },
	  .err = "unknown host setting 'speed'; the settings are: accel, allow-path, disallow-path, metrics-listen, alert-..., balloon, memory-budget, memory-reserve, balloon-interval-ms, ksm, ram-snapshot-fast" },
	{ { "metrics-listen", "off" }, .args = "{\"metrics-listen\":\"off\"}" },
	{ { "ram-snapshot-fast", "off" }, .args = "{\"ram-snapshot-fast\":\"off\"}" },
	{ { "ram-snapshot-fast" }, .err = "host set ram-snapshot-fast needs a value" },
	{ { "alert-ready-window-s", "10" }, .args = "{\"alert-ready-window-s\":\"10\"}" },
	{ { "metrics-listen" }, .err = "host set metrics-listen needs a value" },
	{ { "accel", "kvm", "now" }, .err = "unexpected argument 'now' for 'host set'" },
	{ { "--json" }, .err = "host set needs a setting and a value (e.g. accel kvm)" },
};

static const struct tl_parse_case stats_cases[] = {
	{ { "web" }, .args = "{\"name\":\"web\"}" },
	{ { "web", "--history", "24h" }, .args = "{\"name\":\"web\",\"history\":\"24h\"}" },
	{ { "web", "--history", "2h" }, .err = "--history must be 1h, 24h, 31d or 1y, not '2h'" },
	{ { NULL }, .err = "vm stats needs a VM name" },
};

static const struct tl_parse_case host_stats_cases[] = {
	{ { NULL }, .args = "{}" },
	{ { "--history", "1y" }, .args = "{\"history\":\"1y\"}" },
	{ { "--history", "1y", "--history", "1h" }, .err = "--history is given more than once" },
	{ { "now" }, .err = "unexpected argument 'now' for 'host stats'" },
};

static void test_shutdown_delete_host(void **state)
{
	struct tl_parsed p;

	(void)state;
	TL_PARSE_CASES(cli_parse_vm_shutdown, "vm shutdown", shutdown_cases);
	TL_PARSE_CASES(cli_parse_vm_delete, "vm delete", delete_cases);
	TL_PARSE_CASES(cli_parse_vm_log, "vm log", log_cases);
	TL_PARSE_CASES(cli_parse_vm_stats, "vm stats", stats_cases);
	TL_PARSE_CASES(cli_parse_host_stats, "host stats", host_stats_cases);
	TL_PARSE(&p, cli_parse_vm_delete, "vm delete", "web", "--keep-disks", "--force", "--json");
	assert_int_equal(p.g.json, 1);
	tl_parsed_args(&p, "{\"name\":\"web\",\"keep_disks\":true,\"force\":true}");
	TL_PARSE_CASES(cli_parse_host_set, "host set", host_set_cases);
	TL_PARSE(&p, cli_parse_host_set, "host set", "accel", "kvm", "--json");
	assert_int_equal(p.g.json, 1);
	tl_parsed_args(&p, "{\"accel\":\"kvm\"}");
}

static void test_mib_and_paths(void **state)
{
	char err[256], *abs = NULL, want[PATH_MAX];
	uint64_t mib = 0;

	(void)state;
	assert_int_equal(cli_parse_mib("--memory", "3g", &mib, err, sizeof(err)), 0);
	assert_int_equal(mib, 3072);
	assert_int_equal(cli_parse_mib("--memory", "100", &mib, err, sizeof(err)), 0);
	assert_int_equal(mib, 100);
	assert_int_equal(cli_parse_mib("--memory", "2GiB", &mib, err, sizeof(err)), 0);
	assert_int_equal(mib, 2048);
	assert_int_equal(cli_parse_mib("--memory", "1048576B", &mib, err, sizeof(err)), 0);
	assert_int_equal(mib, 1);
	assert_int_equal(cli_parse_mib("--memory", "", &mib, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--memory: size is empty");

	assert_int_equal(cli_abs_path("disk image", "sub/../disk.qcow2", &abs, err, sizeof(err)), 0);
	assert_string_equal(abs, in_tmp("disk.qcow2", want, sizeof(want)));
	free(abs);
	assert_int_equal(cli_abs_path("disk image", "missing", &abs, err, sizeof(err)), -ENOENT);
	assert_null(abs);
	assert_string_equal(err, "disk image 'missing' does not exist");
	assert_int_equal(cli_abs_path("disk image", "disk.qcow2/x", &abs, err, sizeof(err)),
			 -ENOTDIR);
	assert_string_equal(err, "disk image 'disk.qcow2/x' does not exist");
}

/* --- formatting ------------------------------------------------------- */

static const char *canned_vms =
	"[{\"name\":\"web\",\"uuid\":\"5f0c\",\"state\":\"running\",\"state_reason\":\"user\","
	"\"vcpus\":2,\"memory_mib\":2048,\"memory_min_mib\":512,\"memory_actual_mib\":1536,"
	"\"firmware\":\"bios\",\"boot\":\"cdrom,disk\",\"cdrom\":\"/isos/debian.iso\","
	"\"kernel\":null,\"initrd\":null,\"append\":null,\"pid\":4242,\"uptime_s\":3725,"
	"\"created\":1714564800,\"disks\":[{\"index\":0,\"path\":\"/var/lib/croft/web/disk0.qcow2\","
	"\"format\":\"qcow2\",\"size_bytes\":21474836480,\"allocated_bytes\":1288490188,"
	"\"owned\":true},{\"index\":1,\"path\":\"/srv/data.raw\",\"format\":\"raw\","
	"\"size_bytes\":1073741824,\"allocated_bytes\":1073741824,\"owned\":false}]},"
	"{\"name\":\"database-primary\",\"uuid\":\"77aa\",\"state\":\"stopped\",\"state_reason\":\"\","
	"\"vcpus\":16,\"memory_mib\":65536,\"memory_min_mib\":0,\"memory_actual_mib\":null,"
	"\"firmware\":\"uefi\",\"boot\":null,\"cdrom\":null,\"kernel\":null,\"initrd\":null,"
	"\"append\":null,\"pid\":null,\"uptime_s\":null,\"created\":1714564800,\"disks\":[]}]";

static void test_format_list(void **state)
{
	json_t *vms = json_loads(canned_vms, 0, NULL), *empty = json_array();
	char *out;

	(void)state;
	assert_non_null(vms);
	out = tl_print_json(cli_format_vm_list, vms);
	assert_string_equal(out,
		"NAME              STATE    VCPUS  MEMORY   MIN   PID  UPTIME  IP\n"
		"web               running      2      2G  512M  4242   1h02m  -\n"
		"database-primary  stopped     16     64G     -     -       -  -\n");
	free(out);
	out = tl_print_json(cli_format_vm_list, empty);
	assert_string_equal(out, "No VMs. Create one with: croft vm create NAME --memory SIZE\n");
	free(out);
	json_decref(vms);
	json_decref(empty);
}

static void test_format_info(void **state)
{
	json_t *vms = json_loads(canned_vms, 0, NULL);
	char *out;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	out = tl_print_json(cli_format_vm_info, json_array_get(vms, 0));
	assert_string_equal(out,
		"name:        web\n"
		"uuid:        5f0c\n"
		"state:       running (user)\n"
		"vcpus:       2\n"
		"memory:      2G\n"
		"memory-min:  512M\n"
		"memory-now:  1.5G\n"
		"firmware:    bios\n"
		"boot:        cdrom,disk\n"
		"cdrom:       /isos/debian.iso\n"
		"kernel:      -\n"
		"initrd:      -\n"
		"append:      -\n"
		"pid:         4242\n"
		"uptime:      1h02m\n"
		"created:     2024-05-01 12:00:00 UTC\n"
		"display:     -\n"
		"tags:        -\n"
		"agent:       on\n"
		"cloud-init:  off\n"
		"disks:\n"
		"  0: /var/lib/croft/web/disk0.qcow2 (qcow2, 20G, 1.2G allocated, owned by croft)\n"
		"  1: /srv/data.raw (raw, 1G, 1G allocated, external: kept when the VM is deleted)\n");
	free(out);
	out = tl_print_json(cli_format_vm_info, json_array_get(vms, 1));
	assert_non_null(strstr(out, "state:       stopped\n"));
	assert_non_null(strstr(out, "memory-min:  -\n"));
	assert_non_null(strstr(out, "memory-now:  -\n"));
	assert_non_null(strstr(out, "pid:         -\n"));
	assert_non_null(strstr(out, "disks:       none\n"));
	assert_null(strstr(out, "guest-os"));
	free(out);
	/* What the guest agent said, with an agent turned off. */
	json_object_set_new(json_array_get(vms, 1), "agent", json_false());
	json_object_set_new(json_array_get(vms, 1), "guest",
		json_pack("{s:s,s:s,s:s,s:s,s:[s,s],s:i}", "os", "Debian GNU/Linux 12",
			  "kernel", "6.1.0", "hostname", "db", "agent_version", "7.2.0",
			  "addresses", "10.0.0.5/24", "fd00::5/64", "updated", 1));
	out = tl_print_json(cli_format_vm_info, json_array_get(vms, 1));
	assert_non_null(strstr(out, "agent:       off\n"
				    "guest-os:    Debian GNU/Linux 12\n"
				    "guest-kernel: 6.1.0\n"));
	assert_non_null(strstr(out, "guest-addresses: 10.0.0.5/24 fd00::5/64\n"));
	free(out);
	json_decref(vms);
}

static void test_format_misc(void **state)
{
	json_t *host, *del;
	char *out, buf[32];

	(void)state;
	assert_string_equal(cli_format_uptime(0, buf, sizeof(buf)), "0s");
	assert_string_equal(cli_format_uptime(59, buf, sizeof(buf)), "59s");
	assert_string_equal(cli_format_uptime(61, buf, sizeof(buf)), "1m01s");
	assert_string_equal(cli_format_uptime(86400 * 3 + 3600 * 4 + 5, buf, sizeof(buf)), "3d04h");
	assert_string_equal(cli_format_mib(1536, buf, sizeof(buf)), "1.5G");
	assert_string_equal(cli_format_mib(512, buf, sizeof(buf)), "512M");

	host = json_loads("{\"hostname\":\"box\",\"version\":\"0.1.0\",\"cpus\":8,"
			  "\"memory_total_mib\":16384,\"memory_available_mib\":12800,"
			  "\"accel\":{\"setting\":\"auto\",\"source\":\"env\",\"effective\":\"tcg\","
			  "\"reason\":\"/dev/kvm cannot be opened\"},"
			  "\"qemu\":{\"binary\":\"/usr/bin/qemu-system-x86_64\",\"version\":\"7.2.0\"},"
			  "\"qemu_user\":\"croft-qemu\",\"state_dir\":\"/var/lib/croft\","
			  "\"run_dir\":\"/run/croft\",\"vms_total\":3,\"vms_running\":1}", 0, NULL);
	out = tl_print_json(cli_format_host_info, host);
	assert_string_equal(out,
		"hostname:    box\n"
		"croftd:      0.1.0\n"
		"cpus:        8\n"
		"memory:      16G total, 12.5G available\n"
		"accel:       tcg (setting auto, from CROFT_ACCEL in croftd's environment)\n"
		"accel-why:   /dev/kvm cannot be opened\n"
		"qemu:        /usr/bin/qemu-system-x86_64 (7.2.0)\n"
		"qemu-user:   croft-qemu\n"
		"state-dir:   /var/lib/croft\n"
		"run-dir:     /run/croft\n"
		"vms:         3 (1 running)\n");
	free(out);
	json_decref(host);

	del = json_loads("{\"name\":\"web\",\"disks_removed\":[\"/a.qcow2\"],"
			 "\"disks_kept\":[\"/b.raw\"]}", 0, NULL);
	out = tl_print_json(cli_format_vm_delete, del);
	assert_string_equal(out, "web: deleted\n  removed /a.qcow2\n  kept /b.raw\n");
	free(out);
	json_decref(del);
}

/* --- cli_main end to end ---------------------------------------------- */

static void test_main_usage(void **state)
{
	static struct tl_run r;

	(void)state;
	TL_CROFT(&r, "vm", "create", "web", "--vcpus", "x", "--memory", "1G");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "croft: --vcpus needs a number, got 'x'\n"));
	assert_non_null(strstr(r.err, "usage: croft vm create NAME"));
	assert_non_null(strstr(r.err, "Run 'croft help' for all commands.\n"));

	TL_CROFT(&r, "vm", "create", "web", "--memory", "1Q", "--json");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_string_equal(r.out, "{\"error\":{\"code\":\"usage\",\"message\":\"--memory: size '1Q' "
			    "has an unknown unit 'Q'; use K, M, G or T\"}}\n");

	TL_CROFT(&r, "frob");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_non_null(strstr(r.err, "croft: unknown command 'frob'\n"));
	TL_CROFT(&r, "vm");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_non_null(strstr(r.err, "croft: 'vm' needs a command: create, list, info"));
	TL_CROFT(&r, "vm", "strat", "web");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_non_null(strstr(r.err, "croft: unknown command 'vm strat'"));
	TL_CROFT(&r, "--bogus", "vm", "list");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_non_null(strstr(r.err, "croft: unknown option '--bogus'\n"));
	TL_CROFT(&r, "--socket");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_non_null(strstr(r.err, "croft: --socket needs a path\n"));
	TL_CROFT(&r, "help", "vm", "nope");
	assert_int_equal(r.status, CLI_EXIT_USAGE);

	/* help output: every command appears */
	TL_CROFT(&r, "help");
	assert_int_equal(r.status, 0);
	{
		const struct cli_cmd *c;

		for (c = cli_commands; c->noun; c++) {
			char line[512];

			snprintf(line, sizeof(line), "croft %s%s%s%s%s", c->noun, c->sub ? " " : "",
				 c->sub ? c->sub : "", c->verb ? " " : "", c->verb ? c->verb : "");
			if (!strstr(r.out, line))
				fail_msg("help lacks '%s'", line);
		}
	}
	TL_CROFT(&r, "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "croft vm console NAME"));
	TL_CROFT(&r, "vm", "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "croft vm shutdown NAME [--timeout SECS] [--force]"));
	assert_null(strstr(r.out, "croft host info"));
	TL_CROFT(&r, "vm", "create", "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: croft vm create NAME"));
	assert_non_null(strstr(r.out, "--memory-min SIZE"));
	TL_CROFT(&r, "help", "host", "set");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: croft host set accel auto|kvm|tcg"));
	TL_CROFT(&r, "events", "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: croft events"));
}

static void test_main_cannot_connect(void **state)
{
	static struct tl_run r;

	(void)state;
	TL_CROFT(&r, "--socket", "/nonexistent/croftd.sock", "vm", "list");
	assert_int_equal(r.status, CLI_EXIT_CONNECT);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "croft: cannot connect to croftd at /nonexistent/croftd.sock: "
			    "No such file or directory (is croftd running? start it with croftd "
			    "or make run)\n");
	TL_CROFT(&r, "vm", "list", "--socket=/nonexistent/croftd.sock", "--json");
	assert_int_equal(r.status, CLI_EXIT_CONNECT);
	assert_non_null(strstr(r.out, "{\"error\":{\"code\":\"connection\",\"message\":\"cannot connect "
				      "to croftd at /nonexistent/croftd.sock"));
	setenv("CROFT_SOCKET", "/nonexistent/env.sock", 1);
	TL_CROFT(&r, "host", "info");
	unsetenv("CROFT_SOCKET");
	assert_int_equal(r.status, CLI_EXIT_CONNECT);
	assert_non_null(strstr(r.err, "/nonexistent/env.sock"));
	/* a bad name is refused before any connection is tried */
	TL_CROFT(&r, "--socket", "/nonexistent/croftd.sock", "vm", "start", "bad/name");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_non_null(strstr(r.err, "croft: VM name 'bad/name' contains '/'"));
}

/* Serve sock with the script steps (testlib's fake croftd API). */
static void serve(struct tl_api *f, const char *sock, const struct tl_step *steps)
{
	tl_api_listen_or_fail(f, sock, tl_srv_script, steps);
}

static void test_main_against_fake_croftd(void **state)
{
	static struct tl_run r;
	struct tl_api f;
	char sock[PATH_MAX], vms[8192];
	struct tl_step list[] = { { "vm.list", NULL, vms, NULL, 0, NULL }, { NULL } };
	struct tl_step start[] = {
		{ "vm.start", NULL, "{\"name\":\"web\",\"state\":\"running\"}", NULL, 0, NULL }, { NULL }
	};
	struct tl_step refused[] = {
		{ "vm.start", NULL, "!not_found:no VM named 'webb'", NULL, 0, NULL }, { NULL }
	};
	struct tl_step gone[] = { { "vm.info", NULL, NULL, NULL, TL_STEP_HANGUP, NULL }, { NULL } };
	struct tl_step none[] = { { NULL } };

	(void)state;
	snprintf(sock, sizeof(sock), "%s/croftd.sock", tmpdir_real);
	snprintf(vms, sizeof(vms), "{\"vms\":%s}", canned_vms);

	serve(&f, sock, list);
	TL_CROFT(&r, "--socket", sock, "vm", "list", "--json");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, 0);
	{
		json_t *got = json_loads(r.out, 0, NULL), *want = json_loads(canned_vms, 0, NULL);

		assert_true(json_is_array(got));
		assert_true(json_equal(got, want));
		assert_int_equal(r.out[strlen(r.out) - 1], '\n');
		json_decref(got);
		json_decref(want);
	}

	serve(&f, sock, list);
	TL_CROFT(&r, "--socket", sock, "vm", "list");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "NAME              STATE    VCPUS"));

	serve(&f, sock, start);
	setenv("CROFT_SOCKET", sock, 1);
	TL_CROFT(&r, "vm", "start", "web");
	unsetenv("CROFT_SOCKET");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "web: running\n");

	serve(&f, sock, start);
	TL_CROFT(&r, "--socket", sock, "vm", "start", "web", "--json");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "{\"name\":\"web\",\"state\":\"running\"}\n");

	serve(&f, sock, refused);
	TL_CROFT(&r, "--socket", sock, "--json", "vm", "start", "webb");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, CLI_EXIT_ERROR);
	assert_string_equal(r.err, "croft: no VM named 'webb'\n");
	assert_string_equal(r.out, "{\"error\":{\"code\":\"not_found\",\"message\":\"no VM named 'webb'\"}}\n");

	serve(&f, sock, refused);
	TL_CROFT(&r, "--socket", sock, "vm", "start", "webb");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, CLI_EXIT_ERROR);
	assert_string_equal(r.out, "");

	/* croftd goes away mid-call */
	serve(&f, sock, gone);
	TL_CROFT(&r, "--socket", sock, "vm", "info", "web");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, CLI_EXIT_CONNECT);
	assert_string_equal(r.err, "croft: croftd closed the connection\n");

	serve(&f, sock, none);
	TL_CROFT(&r, "--socket", sock, "version");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "croft " CROFT_VERSION " (protocol 1)\ncroftd " TL_API_VERSION "\n");
}

/* vm.console's reply passes a socket whose far end plays the guest: it
 * says "guest-hello" and echoes one line back as "echo:<line>". */
static void sc_console(struct tl_srv *s, const void *arg)
{
	long long id;
	int sp[2];
	char line[256], reply[128];
	ssize_t k;

	(void)arg;
	tl_srv_hello(s, TL_API_VERSION);
	tl_srv_expect(s, "vm.console", &id);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0)
		_exit(40);
	snprintf(reply, sizeof(reply), "{\"id\":%lld,\"ok\":true,\"result\":{\"name\":\"web\"}}\n", id);
	tl_srv_send_fd(s, sp[1], reply);
	close(sp[1]);
	proto_write_all(sp[0], "guest-hello\n", 12);
	k = read(sp[0], line, sizeof(line) - 1);
	if (k > 0) {
		char echo[300];

		line[k] = '\0';
		snprintf(echo, sizeof(echo), "echo:%s", line);
		proto_write_all(sp[0], echo, strlen(echo));
	}
	usleep(100 * 1000);
	close(sp[0]);
	tl_srv_wait_eof(s);
}

static void test_main_console(void **state)
{
	static struct tl_run r;
	struct tl_api f;
	char sock[PATH_MAX], in[PATH_MAX];
	int save0 = dup(0), infd;

	(void)state;
	snprintf(sock, sizeof(sock), "%s/croftd.sock", tmpdir_real);
	snprintf(in, sizeof(in), "%s/stdin", tmpdir_real);
	infd = open(in, O_CREAT | O_RDWR | O_TRUNC, 0600);
	assert_int_equal(write(infd, "root\n", 5), 5);
	lseek(infd, 0, SEEK_SET);
	dup2(infd, 0);
	close(infd);
	setenv("CROFT_CONSOLE_LINGER_MS", "300", 1);
	tl_api_listen_or_fail(&f, sock, sc_console, NULL);
	TL_CROFT(&r, "--socket", sock, "vm", "console", "web");
	tl_api_wait_or_fail(&f);
	dup2(save0, 0);
	close(save0);
	unlink(in);
	unsetenv("CROFT_CONSOLE_LINGER_MS");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "guest-hello\necho:root\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_minimal),
		cmocka_unit_test(test_create_full),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_json_and_socket_anywhere),
		cmocka_unit_test(test_edit),
		cmocka_unit_test(test_shutdown_delete_host),
		cmocka_unit_test(test_mib_and_paths),
		cmocka_unit_test(test_format_list),
		cmocka_unit_test(test_format_info),
		cmocka_unit_test(test_format_misc),
		cmocka_unit_test(test_main_usage),
		cmocka_unit_test(test_main_cannot_connect),
		cmocka_unit_test(test_main_against_fake_croftd),
		cmocka_unit_test(test_main_console),
	};

	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
