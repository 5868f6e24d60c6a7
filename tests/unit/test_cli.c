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
#include "tests/unit/testlib.h"

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

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))

struct parsed {
	int r;
	json_t *args;
	struct cli_opts g;
	char err[1024];
};

static struct parsed parse_with(cli_parse_fn fn, const char *cmdname, int argc, char **argv)
{
	struct parsed p;

	memset(&p, 0, sizeof(p));
	p.r = fn(cmdname, argc, argv, &p.g, &p.args, p.err, sizeof(p.err));
	return p;
}

#define PARSE(fn, cmd, ...) parse_with(fn, cmd, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))
#define PARSE0(fn, cmd) parse_with(fn, cmd, 0, (char *[]){ NULL })

static void expect_args(struct parsed *p, const char *json)
{
	json_error_t jerr;
	json_t *want = json_loads(json, 0, &jerr);

	assert_non_null(want);
	if (p->r != 0)
		fail_msg("parse failed: %s", p->err);
	if (!json_equal(want, p->args)) {
		char *got = json_dumps(p->args, JSON_COMPACT | JSON_SORT_KEYS);

		print_error("want %s\n got %s\n", json, got);
		free(got);
		json_decref(want);
		fail();
	}
	json_decref(want);
	json_decref(p->args);
	p->args = NULL;
}

static void expect_error(struct parsed *p, const char *msg)
{
	if (p->r == 0) {
		char *got = json_dumps(p->args, JSON_COMPACT);

		print_error("expected error '%s', got args %s\n", msg, got);
		free(got);
		fail();
	}
	assert_null(p->args);
	assert_string_equal(p->err, msg);
}

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

static void test_create_minimal(void **state)
{
	struct parsed p;

	(void)state;
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G");
	expect_args(&p, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024}");
	p = PARSE(cli_parse_vm_create, "vm create", "--memory=512", "--vcpus=4", "db");
	expect_args(&p, "{\"name\":\"db\",\"vcpus\":4,\"memory_mib\":512}");
	p = PARSE(cli_parse_vm_create, "vm create", "a", "--memory", "2048M", "--memory-min", "512M");
	expect_args(&p, "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":2048,\"memory_min_mib\":512}");
	p = PARSE(cli_parse_vm_create, "vm create", "a", "--memory", "1048576K");
	expect_args(&p, "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":1024}");
	p = PARSE(cli_parse_vm_create, "vm create", "a", "--memory", "1T");
	expect_args(&p, "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":1048576}");
}

static void test_create_full(void **state)
{
	char disk[300], iso[300], kernel[300], initrd[300], want[8192];
	struct parsed p;

	(void)state;
	in_tmp("disk.qcow2", disk, sizeof(disk));
	in_tmp("debian.iso", iso, sizeof(iso));
	in_tmp("vmlinuz", kernel, sizeof(kernel));
	in_tmp("initrd.img", initrd, sizeof(initrd));
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--vcpus", "2", "--memory", "2G",
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
	expect_args(&p, want);
}

static void test_create_errors(void **state)
{
	struct parsed p;

	(void)state;
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--vcpus", "x", "--memory", "1G");
	expect_error(&p, "--vcpus needs a number, got 'x'");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--vcpus", "-1", "--memory", "1G");
	expect_error(&p, "--vcpus needs a number, got '-1'");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--vcpus", "0", "--memory", "1G");
	expect_error(&p, "vcpus must be between 1 and 255, not 0");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--vcpus", "256", "--memory", "1G");
	expect_error(&p, "vcpus must be between 1 and 255, not 256");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--vcpus");
	expect_error(&p, "--vcpus needs a number");
	p = PARSE(cli_parse_vm_create, "vm create", "web");
	expect_error(&p, "vm create needs --memory SIZE (e.g. --memory 1G)");
	p = PARSE(cli_parse_vm_create, "vm create", "--memory", "1G");
	expect_error(&p, "vm create needs a VM name");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "db", "--memory", "1G");
	expect_error(&p, "unexpected argument 'db' for 'vm create'");
	p = PARSE(cli_parse_vm_create, "vm create", "-web", "--memory", "1G");
	expect_error(&p, "unknown option '-web' for 'vm create'");
	p = PARSE(cli_parse_vm_create, "vm create", "--", "-web", "--memory", "1G");
	expect_error(&p, "VM name '-web' must start with a letter or a digit");
	p = PARSE(cli_parse_vm_create, "vm create", "we b", "--memory", "1G");
	expect_error(&p, "VM name 'we b' contains ' '; use letters, digits, '-', '_' and '.'");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1Q");
	expect_error(&p, "--memory: size '1Q' has an unknown unit 'Q'; use K, M, G or T");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "lots");
	expect_error(&p, "--memory: size 'lots' must start with a digit (e.g. 512M, 2G)");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1536K");
	expect_error(&p, "--memory: size '1536K' is not a whole number of MiB");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "8");
	expect_error(&p, "memory must be between 16M and 16777216M, not 8M");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--memory-min", "2G");
	expect_error(&p, "memory-min (2048M) is above memory (1024M)");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--memory-min", "8M");
	expect_error(&p, "memory-min must be at least 16M, not 8M");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--memory", "2G");
	expect_error(&p, "--memory is given more than once");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--disk", "nothere.img");
	expect_error(&p, "disk image 'nothere.img' does not exist (for a new disk give a size such as 10G)");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--disk", "/nope/x.img");
	expect_error(&p, "disk image '/nope/x.img' does not exist");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--disk", "sub");
	expect_error(&p, "disk image 'sub' is a directory");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--disk", "100K");
	expect_error(&p, "--disk: disk size must be between 1M and 64T, not 100K");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--disk", "");
	expect_error(&p, "disk image path is empty");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--cdrom", "x.iso");
	expect_error(&p, "cdrom image 'x.iso' does not exist");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--kernel", "bz");
	expect_error(&p, "kernel 'bz' does not exist");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--initrd", "initrd.img");
	expect_error(&p, "--initrd needs --kernel");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--append", "quiet");
	expect_error(&p, "--append needs --kernel");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--boot", "floppy");
	expect_error(&p, "--boot: unknown boot device 'floppy'; use cdrom and/or disk");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--boot", "disk,disk");
	expect_error(&p, "--boot: 'disk' appears twice");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--boot", "disk,");
	expect_error(&p, "--boot: list 'disk,' ends with a comma");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--firmware", "efi");
	expect_error(&p, "--firmware must be bios or uefi, not 'efi'");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--frobnicate");
	expect_error(&p, "unknown option '--frobnicate' for 'vm create'");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--eject");
	expect_error(&p, "unknown option '--eject' for 'vm create'");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory");
	expect_error(&p, "--memory needs a size (e.g. 2G)");
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--socket");
	expect_error(&p, "--socket needs a path");
}

/* --- global options among the arguments ------------------------------- */

static void test_json_and_socket_anywhere(void **state)
{
	struct parsed p;

	(void)state;
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--json");
	assert_int_equal(p.g.json, 1);
	expect_args(&p, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024}");
	p = PARSE(cli_parse_vm_create, "vm create", "--json", "web", "--socket", "/tmp/s",
		  "--memory", "1G");
	assert_int_equal(p.g.json, 1);
	assert_string_equal(p.g.socket, "/tmp/s");
	expect_args(&p, "{\"name\":\"web\",\"vcpus\":1,\"memory_mib\":1024}");
	p = PARSE(cli_parse_none, "vm list", "--json");
	assert_int_equal(p.g.json, 1);
	expect_args(&p, "{}");
	p = PARSE(cli_parse_name, "vm start", "web", "--json", "--socket=/x");
	assert_int_equal(p.g.json, 1);
	assert_string_equal(p.g.socket, "/x");
	expect_args(&p, "{\"name\":\"web\"}");
	/* a value that looks like an option is still the option's value */
	p = PARSE(cli_parse_vm_create, "vm create", "web", "--memory", "1G", "--kernel", "vmlinuz",
		  "--append", "--json");
	assert_int_equal(p.g.json, 0);
	assert_int_equal(p.r, 0);
	assert_string_equal(json_string_value(json_object_get(p.args, "append")), "--json");
	json_decref(p.args);
	/* --help skips the checks for required arguments */
	p = PARSE(cli_parse_vm_create, "vm create", "--help");
	assert_int_equal(p.r, 0);
	assert_int_equal(p.g.help, 1);
	json_decref(p.args);
	p = PARSE(cli_parse_none, "vm list", "extra");
	expect_error(&p, "unexpected argument 'extra' for 'vm list'");
	p = PARSE(cli_parse_name, "vm start", "web", "db");
	expect_error(&p, "unexpected argument 'db' for 'vm start'");
	p = PARSE0(cli_parse_name, "vm start");
	expect_error(&p, "vm start needs a VM name");
	p = PARSE(cli_parse_name, "vm info", "--force", "web");
	expect_error(&p, "unknown option '--force' for 'vm info'");
}

/* --- vm edit ---------------------------------------------------------- */

static void test_edit(void **state)
{
	char iso[300], want[4096];
	struct parsed p;

	(void)state;
	in_tmp("debian.iso", iso, sizeof(iso));
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--memory", "4G");
	expect_args(&p, "{\"name\":\"web\",\"memory_mib\":4096}");
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--vcpus", "8", "--memory-min", "1G",
		  "--boot", "disk", "--firmware", "bios");
	expect_args(&p, "{\"name\":\"web\",\"vcpus\":8,\"memory_min_mib\":1024,"
			"\"boot\":\"disk\",\"firmware\":\"bios\"}");
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--eject");
	expect_args(&p, "{\"name\":\"web\",\"cdrom\":null}");
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--cdrom", "debian.iso");
	snprintf(want, sizeof(want), "{\"name\":\"web\",\"cdrom\":\"%s\"}", iso);
	expect_args(&p, want);
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--kernel", "", "--initrd", "",
		  "--append", "");
	expect_args(&p, "{\"name\":\"web\",\"kernel\":null,\"initrd\":null,\"append\":null}");
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--append", "quiet", "--json");
	assert_int_equal(p.g.json, 1);
	expect_args(&p, "{\"name\":\"web\",\"append\":\"quiet\"}");

	p = PARSE(cli_parse_vm_edit, "vm edit", "web");
	expect_error(&p, "vm edit needs at least one change (e.g. --memory 2G)");
	p = PARSE(cli_parse_vm_edit, "vm edit", "--memory", "2G");
	expect_error(&p, "vm edit needs a VM name");
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--cdrom", "debian.iso", "--eject");
	expect_error(&p, "--cdrom and --eject cannot be used together");
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--cdrom", "");
	expect_error(&p, "cdrom image path is empty");
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--vcpus", "two");
	expect_error(&p, "--vcpus needs a number, got 'two'");
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--memory", "2G", "--memory-min", "3G");
	expect_error(&p, "memory-min (3072M) is above memory (2048M)");
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--memory-min", "1M");
	expect_error(&p, "memory-min must be at least 16M, not 1M");
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--memory", "4");
	expect_error(&p, "memory must be between 16M and 16777216M, not 4M");
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--disk", "10G");
	expect_error(&p, "unknown option '--disk' for 'vm edit'");
	p = PARSE(cli_parse_vm_edit, "vm edit", "web", "--eject=yes");
	expect_error(&p, "--eject takes no value");
}

/* --- vm shutdown, vm delete, host set --------------------------------- */

static void test_shutdown_delete_host(void **state)
{
	struct parsed p;

	(void)state;
	p = PARSE(cli_parse_vm_shutdown, "vm shutdown", "web");
	expect_args(&p, "{\"name\":\"web\"}");
	p = PARSE(cli_parse_vm_shutdown, "vm shutdown", "web", "--timeout", "30", "--force");
	expect_args(&p, "{\"name\":\"web\",\"timeout_s\":30,\"force\":true}");
	p = PARSE(cli_parse_vm_shutdown, "vm shutdown", "--force", "web", "--timeout=0");
	expect_args(&p, "{\"name\":\"web\",\"timeout_s\":0,\"force\":true}");
	p = PARSE(cli_parse_vm_shutdown, "vm shutdown", "web", "--timeout", "soon");
	expect_error(&p, "--timeout needs a number of seconds, got 'soon'");
	p = PARSE(cli_parse_vm_shutdown, "vm shutdown", "web", "--timeout", "100000");
	expect_error(&p, "--timeout must be at most 86400 seconds, not 100000");
	p = PARSE(cli_parse_vm_shutdown, "vm shutdown", "web", "--timeout");
	expect_error(&p, "--timeout needs a number of seconds");
	p = PARSE(cli_parse_vm_shutdown, "vm shutdown", "--force");
	expect_error(&p, "vm shutdown needs a VM name");

	p = PARSE(cli_parse_vm_delete, "vm delete", "web");
	expect_args(&p, "{\"name\":\"web\"}");
	p = PARSE(cli_parse_vm_delete, "vm delete", "web", "--keep-disks", "--force", "--json");
	assert_int_equal(p.g.json, 1);
	expect_args(&p, "{\"name\":\"web\",\"keep_disks\":true,\"force\":true}");
	p = PARSE(cli_parse_vm_delete, "vm delete", "web", "--keep");
	expect_error(&p, "unknown option '--keep' for 'vm delete'");
	p = PARSE0(cli_parse_vm_delete, "vm delete");
	expect_error(&p, "vm delete needs a VM name");

	p = PARSE(cli_parse_host_set, "host set", "accel", "tcg");
	expect_args(&p, "{\"accel\":\"tcg\"}");
	p = PARSE(cli_parse_host_set, "host set", "accel", "kvm", "--json");
	assert_int_equal(p.g.json, 1);
	expect_args(&p, "{\"accel\":\"kvm\"}");
	p = PARSE(cli_parse_host_set, "host set", "accel", "hvf");
	expect_error(&p, "accel must be auto, kvm or tcg, not 'hvf'");
	p = PARSE(cli_parse_host_set, "host set", "accel");
	expect_error(&p, "host set accel needs a value: auto, kvm or tcg");
	p = PARSE(cli_parse_host_set, "host set", "speed", "fast");
	expect_error(&p, "unknown host setting 'speed'; the settings are: accel");
	p = PARSE(cli_parse_host_set, "host set", "accel", "kvm", "now");
	expect_error(&p, "unexpected argument 'now' for 'host set'");
	p = PARSE(cli_parse_host_set, "host set", "--json");
	expect_error(&p, "host set needs a setting and a value (e.g. accel kvm)");
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
		"disks:\n"
		"  0: /var/lib/croft/web/disk0.qcow2 (qcow2, 20G, 1.2G allocated, owned by croft)\n"
		"  1: /srv/data.raw (raw, 1G, 1G allocated, external)\n");
	free(out);
	out = tl_print_json(cli_format_vm_info, json_array_get(vms, 1));
	assert_non_null(strstr(out, "state:       stopped\n"));
	assert_non_null(strstr(out, "memory-min:  -\n"));
	assert_non_null(strstr(out, "memory-now:  -\n"));
	assert_non_null(strstr(out, "pid:         -\n"));
	assert_non_null(strstr(out, "disks:       none\n"));
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

#define RUN(r, ...) tl_run_main(r, cli_main, ARGC("croft", __VA_ARGS__), ARGV("croft", __VA_ARGS__))

static void test_main_usage(void **state)
{
	static struct tl_run r;

	(void)state;
	RUN(&r, "vm", "create", "web", "--vcpus", "x", "--memory", "1G");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "croft: --vcpus needs a number, got 'x'\n"));
	assert_non_null(strstr(r.err, "usage: croft vm create NAME"));
	assert_non_null(strstr(r.err, "Run 'croft help' for all commands.\n"));

	RUN(&r, "vm", "create", "web", "--memory", "1Q", "--json");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_string_equal(r.out, "{\"error\":{\"code\":\"usage\",\"message\":\"--memory: size '1Q' "
			    "has an unknown unit 'Q'; use K, M, G or T\"}}\n");

	RUN(&r, "frob");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_non_null(strstr(r.err, "croft: unknown command 'frob'\n"));
	RUN(&r, "vm");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_non_null(strstr(r.err, "croft: 'vm' needs a command: create, list, info"));
	RUN(&r, "vm", "strat", "web");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_non_null(strstr(r.err, "croft: unknown command 'vm strat'"));
	RUN(&r, "--bogus", "vm", "list");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_non_null(strstr(r.err, "croft: unknown option '--bogus'\n"));
	RUN(&r, "--socket");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_non_null(strstr(r.err, "croft: --socket needs a path\n"));
	RUN(&r, "help", "vm", "nope");
	assert_int_equal(r.status, CLI_EXIT_USAGE);

	/* help output: every command appears */
	RUN(&r, "help");
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
	RUN(&r, "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "croft vm console NAME"));
	RUN(&r, "vm", "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "croft vm shutdown NAME [--timeout SECS] [--force]"));
	assert_null(strstr(r.out, "croft host info"));
	RUN(&r, "vm", "create", "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: croft vm create NAME"));
	assert_non_null(strstr(r.out, "--memory-min SIZE"));
	RUN(&r, "help", "host", "set");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: croft host set accel auto|kvm|tcg"));
	RUN(&r, "events", "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: croft events"));
}

static void test_main_cannot_connect(void **state)
{
	static struct tl_run r;

	(void)state;
	RUN(&r, "--socket", "/nonexistent/croftd.sock", "vm", "list");
	assert_int_equal(r.status, CLI_EXIT_CONNECT);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "croft: cannot connect to croftd at /nonexistent/croftd.sock: "
			    "No such file or directory (is croftd running? start it with croftd "
			    "or make run)\n");
	RUN(&r, "vm", "list", "--socket=/nonexistent/croftd.sock", "--json");
	assert_int_equal(r.status, CLI_EXIT_CONNECT);
	assert_non_null(strstr(r.out, "{\"error\":{\"code\":\"connection\",\"message\":\"cannot connect "
				      "to croftd at /nonexistent/croftd.sock"));
	setenv("CROFT_SOCKET", "/nonexistent/env.sock", 1);
	RUN(&r, "host", "info");
	unsetenv("CROFT_SOCKET");
	assert_int_equal(r.status, CLI_EXIT_CONNECT);
	assert_non_null(strstr(r.err, "/nonexistent/env.sock"));
	/* a bad name is refused before any connection is tried */
	RUN(&r, "--socket", "/nonexistent/croftd.sock", "vm", "start", "bad/name");
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
	RUN(&r, "--socket", sock, "vm", "list", "--json");
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
	RUN(&r, "--socket", sock, "vm", "list");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "NAME              STATE    VCPUS"));

	serve(&f, sock, start);
	setenv("CROFT_SOCKET", sock, 1);
	RUN(&r, "vm", "start", "web");
	unsetenv("CROFT_SOCKET");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "web: running\n");

	serve(&f, sock, start);
	RUN(&r, "--socket", sock, "vm", "start", "web", "--json");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "{\"name\":\"web\",\"state\":\"running\"}\n");

	serve(&f, sock, refused);
	RUN(&r, "--socket", sock, "--json", "vm", "start", "webb");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, CLI_EXIT_ERROR);
	assert_string_equal(r.err, "croft: no VM named 'webb'\n");
	assert_string_equal(r.out, "{\"error\":{\"code\":\"not_found\",\"message\":\"no VM named 'webb'\"}}\n");

	serve(&f, sock, refused);
	RUN(&r, "--socket", sock, "vm", "start", "webb");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, CLI_EXIT_ERROR);
	assert_string_equal(r.out, "");

	/* croftd goes away mid-call */
	serve(&f, sock, gone);
	RUN(&r, "--socket", sock, "vm", "info", "web");
	tl_api_wait_or_fail(&f);
	assert_int_equal(r.status, CLI_EXIT_CONNECT);
	assert_string_equal(r.err, "croft: croftd closed the connection\n");

	serve(&f, sock, none);
	RUN(&r, "--socket", sock, "version");
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
	RUN(&r, "--socket", sock, "vm", "console", "web");
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
