/*
 * Unit tests of the CLI's pool and vol commands' parsers: argv to the
 * request's args, or the message of a usage error (POOL/NAME, sizes,
 * formats, --path and --content, --from and --to made absolute against
 * the working directory).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tui/cli.h"
#include "tests/unit/testlib_cli.h"

static const struct tl_parse_case pool_create_cases[] = {
	{ { "fast", "--path", "/srv/fast" }, .args = "{\"name\":\"fast\",\"path\":\"/srv/fast\"}" },
	{ { "iso2", "--path", "/srv/i", "--content", "iso" },
	  .args = "{\"content\":\"iso\",\"name\":\"iso2\",\"path\":\"/srv/i\"}" },
	{ { "fast" }, .err = "pool create needs --path DIR" },
	{ { "fast", "--path", "srv" }, .err = "--path needs an absolute directory, got 'srv'" },
	{ { "fast", "--path", "/a", "--content", "movies" },
	  .err = "--content must be images or iso, not 'movies'" },
	{ { "a/b", "--path", "/a" }, .err = "pool name 'a/b' contains '/'; use letters, digits, '-', '_' and '.'" },
};

static const struct tl_parse_case vol_create_cases[] = {
	{ { "fast/data", "--size", "20G" },
	  .args = "{\"name\":\"data\",\"pool\":\"fast\",\"size_bytes\":21474836480}" },
	{ { "fast/db", "--size", "1G", "--format", "raw" },
	  .args = "{\"format\":\"raw\",\"name\":\"db\",\"pool\":\"fast\",\"size_bytes\":1073741824}" },
	{ { "fast/data" }, .err = "vol create needs --size SIZE (e.g. --size 20G)" },
	{ { "--size", "1G" }, .err = "vol create needs a volume POOL/NAME" },
	{ { "data", "--size", "1G" }, .err = "a volume is POOL/NAME (e.g. default/data), not 'data'" },
	{ { "fast/", "--size", "1G" }, .err = "a volume is POOL/NAME (e.g. default/data), not 'fast/'" },
	{ { "/data", "--size", "1G" }, .err = "a volume is POOL/NAME (e.g. default/data), not '/data'" },
	{ { "fast/a/b", "--size", "1G" }, .err = "volume name 'a/b' contains '/'; use letters, digits, '-', '_' and '.'" },
	{ { "fast/..", "--size", "1G" }, .err = "volume name '..' must start with a letter or a digit" },
	{ { "fast/x", "--size", "1G", "--format", "vmdk" },
	  .err = "--format must be qcow2 or raw, not 'vmdk'" },
	{ { "fast/x", "--size", "lots" },
	  .err = "--size: size 'lots' must start with a digit (e.g. 512M, 2G)" },
	{ { "fast/x", "--size", "100T" }, .err = "--size: disk size must be between 1M and 64T, not 100T" },
	{ { "fast/x", "--size", "1G", "--size", "2G" }, .err = "--size is given more than once" },
	{ { "fast/x", "fast/y", "--size", "1G" }, .err = "unexpected argument 'fast/y' for 'vol create'" },
};

static const struct tl_parse_case vol_list_cases[] = {
	{ { NULL }, .args = "{}" },
	{ { "fast" }, .args = "{\"pool\":\"fast\"}" },
	{ { "fast/x" }, .err = "pool name 'fast/x' contains '/'; use letters, digits, '-', '_' and '.'" },
};

static const struct tl_parse_case vol_resize_cases[] = {
	{ { "fast/data", "--size", "40G" },
	  .args = "{\"name\":\"data\",\"pool\":\"fast\",\"size_bytes\":42949672960}" },
	{ { "fast/data" }, .err = "vol resize needs --size SIZE (e.g. --size 20G)" },
	{ { "fast/data", "--size", "1G", "--format", "raw" },
	  .err = "unknown option '--format' for 'vol resize'" },
};

static const struct tl_parse_case disk_attach_cases[] = {
	{ { "web", "fast/data" }, .args = "{\"name\":\"web\",\"volume\":\"fast/data\"}" },
	{ { "web", "fast/data", "--bus", "virtio-blk" },
	  .args = "{\"bus\":\"virtio-blk\",\"name\":\"web\",\"volume\":\"fast/data\"}" },
	{ { "web" }, .err = "vm disk attach needs a VM and a volume POOL/NAME" },
	{ { "web", "data" }, .err = "a volume is POOL/NAME (e.g. default/data), not 'data'" },
	{ { "web", "fast/data", "--bus", "ide" },
	  .err = "--bus must be virtio-blk or virtio-scsi, not 'ide'" },
	{ { "web", "fast/a", "fast/b" }, .err = "unexpected argument 'fast/b' for 'vm disk attach'" },
};

static const struct tl_parse_case disk_detach_cases[] = {
	{ { "web", "fast/data" }, .args = "{\"name\":\"web\",\"volume\":\"fast/data\"}" },
	{ { "web", "fast/data", "--bus", "virtio-blk" }, .err = "--bus is for vm disk attach" },
};

static const struct tl_parse_case vol_import_cases[] = {
	{ { "fast/win", "--from", "/srv/win.vmdk" },
	  .args = "{\"from\":\"/srv/win.vmdk\",\"name\":\"win\",\"pool\":\"fast\"}" },
	{ { "fast/win", "--from", "/srv/win.vhd", "--format", "raw" },
	  .args = "{\"format\":\"raw\",\"from\":\"/srv/win.vhd\",\"name\":\"win\",\"pool\":\"fast\"}" },
	{ { "fast/win", "--from", "img/win.vmdk" },
	  .args = "{\"from\":\"/tmp/img/win.vmdk\",\"name\":\"win\",\"pool\":\"fast\"}" },
	{ { "fast/win" }, .err = "vol import needs --from FILE" },
	{ { "--from", "/a" }, .err = "vol import needs a volume POOL/NAME" },
	{ { "fast/win", "--from", "" }, .err = "--from needs a file" },
	{ { "fast/win", "--from", "/a", "--from", "/b" }, .err = "--from is given more than once" },
	{ { "fast/win", "--from", "/a", "--format", "vmdk" },
	  .err = "--format must be qcow2 or raw, not 'vmdk'" },
	{ { "fast/win", "--from", "/a", "--size", "1G" },
	  .err = "unknown option '--size' for 'vol import'" },
};

static const struct tl_parse_case iso_import_cases[] = {
	{ { "iso/deb.iso", "--from", "/srv/deb.iso" },
	  .args = "{\"from\":\"/srv/deb.iso\",\"name\":\"deb.iso\",\"pool\":\"iso\"}" },
	{ { "iso/deb.iso" }, .err = "iso import needs --from FILE" },
	{ { "iso/deb.iso", "--from", "/a", "--format", "raw" },
	  .err = "unknown option '--format' for 'iso import'" },
};

static const struct tl_parse_case vol_export_cases[] = {
	{ { "fast/win", "--to", "/srv/out.vmdk", "--format", "vmdk" },
	  .args = "{\"format\":\"vmdk\",\"name\":\"win\",\"pool\":\"fast\",\"to\":\"/srv/out.vmdk\"}" },
	{ { "fast/win", "--to", "out.qcow2" },
	  .args = "{\"name\":\"win\",\"pool\":\"fast\",\"to\":\"/tmp/out.qcow2\"}" },
	{ { "fast/win" }, .err = "vol export needs --to FILE" },
	{ { "fast/win", "--to", "/a", "--format", "" },
	  .err = "--format needs a format such as qcow2, raw or vmdk" },
	{ { "fast/win", "--from", "/a" }, .err = "unknown option '--from' for 'vol export'" },
};

static const struct tl_parse_case pool_set_cases[] = {
	{ { "fast", "auto-resume", "on" }, .args = "{\"auto_resume\":true,\"name\":\"fast\"}" },
	{ { "fast", "auto-resume", "off" }, .args = "{\"auto_resume\":false,\"name\":\"fast\"}" },
	{ { "fast", "auto-resume" },
	  .err = "pool set needs a pool, a setting and a value (e.g. default auto-resume on)" },
	{ { "fast", "speed", "on" }, .err = "unknown pool setting 'speed' (expected auto-resume)" },
	{ { "fast", "auto-resume", "maybe" }, .err = "auto-resume must be on or off, not 'maybe'" },
	{ { "fast", "auto-resume", "on", "now" }, .err = "unexpected argument 'now' for 'pool set'" },
	{ { "a/b", "auto-resume", "on" },
	  .err = "pool name 'a/b' contains '/'; use letters, digits, '-', '_' and '.'" },
};

static const struct tl_parse_case vm_create_bus_cases[] = {
	{ { "web", "--memory", "1G", "--disk", "1G", "--bus", "virtio-scsi" },
	  .args = "{\"disks\":[{\"bus\":\"virtio-scsi\",\"size_bytes\":1073741824}],"
		  "\"memory_mib\":1024,\"name\":\"web\",\"vcpus\":1}" },
	{ { "web", "--memory", "1G", "--disk", "1G", "--bus", "ide" },
	  .err = "--bus must be virtio-blk or virtio-scsi, not 'ide'" },
	{ { "web", "--memory", "1G", "--bus", "virtio-scsi" },
	  .err = "--bus applies to the VM's disks (--disk), and there is none" },
};

static void test_parsers(void **state)
{
	char cwd[4096];

	(void)state;
	/* relative files are made absolute against the working directory */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir("/tmp"), 0);
	TL_PARSE_CASES(cli_parse_vol_import, "vol import", vol_import_cases);
	TL_PARSE_CASES(cli_parse_iso_import, "iso import", iso_import_cases);
	TL_PARSE_CASES(cli_parse_vol_export, "vol export", vol_export_cases);
	assert_int_equal(chdir(cwd), 0);
	TL_PARSE_CASES(cli_parse_pool_create, "pool create", pool_create_cases);
	TL_PARSE_CASES(cli_parse_vol_create, "vol create", vol_create_cases);
	TL_PARSE_CASES(cli_parse_vol_list, "vol list", vol_list_cases);
	TL_PARSE_CASES(cli_parse_vol_resize, "vol resize", vol_resize_cases);
	TL_PARSE_CASES(cli_parse_vm_disk, "vm disk attach", disk_attach_cases);
	TL_PARSE_CASES(cli_parse_vm_disk, "vm disk detach", disk_detach_cases);
	TL_PARSE_CASES(cli_parse_pool_set, "pool set", pool_set_cases);
	TL_PARSE_CASES(cli_parse_vm_create, "vm create", vm_create_bus_cases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
