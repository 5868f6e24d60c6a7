/*
 * qemu_cmdline tests.  Each spec's argv is compared with a golden file
 * (tests/golden/cmdline_<case>.args, one argument per line); run with
 * CROFT_UPDATE_GOLDEN=1 to rewrite them after an intended change.  Bad
 * specs must fail with -EINVAL and a message.  Three tests start the real
 * qemu-system-x86_64 (TCG: BIOS, UEFI, two disks and a CD drive) as croftd
 * does: as a child, in its own session, with the QMP and serial listening
 * sockets passed at fds 3 and 4 from a directory whose name holds a comma
 * and an '='.  QEMU must take both sockets over (SO_PEERCRED names it),
 * answer over QMP that it is paused (-S), run after "cont", and survive
 * under the strict seccomp sandbox until it is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/qemu_cmdline.h"

#define GOLDEN_DIR CROFT_SRCDIR "/tests/golden"
#define OVMF_CODE "/usr/share/OVMF/OVMF_CODE_4M.fd"
#define OVMF_VARS "/usr/share/OVMF/OVMF_VARS_4M.fd"
#define UUID "6b1f0b3e-6e5a-4d2a-9d8c-2b0e6f3c1a11"

static const struct qemu_disk one_qcow2[] = {
	{ .path = "/var/lib/croft/pools/default/web-0.qcow2", .format = "qcow2" },
};

static const struct qemu_disk two_disks[] = {
	{ .path = "/var/lib/croft/pools/default/db-0.qcow2", .format = "qcow2" },
	{ .path = "/var/lib/croft/pools/fast/db-1.raw", .format = "raw" },
};

static const struct qemu_disk ro_disk[] = {
	{ .path = "/var/lib/croft/pools/default/seed.raw", .format = "raw",
	  .readonly = 1 },
};

static const struct qemu_disk odd_disk[] = {
	{ .path = "/srv/pool,a/it's \"odd\"=1.qcow2", .format = "qcow2" },
};

static struct qemu_spec base_spec(void)
{
	struct qemu_spec s = {
		.qemu_binary = "qemu-system-x86_64",
		.name = "web",
		.uuid = UUID,
		.vcpus = 2,
		.memory_mib = 1024,
		.accel = "tcg",
		.firmware = "bios",
		.boot = "disk",
		.disks = one_qcow2,
		.ndisks = 1,
		.qmp_fd = 3,
		.serial_fd = 4,
	};
	return s;
}

/* --- golden files ----------------------------------------------------- */

static char *join_lines(char **argv)
{
	size_t len = 1, i;
	char *s, *p;

	for (i = 0; argv[i]; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	assert_non_null(s);
	for (i = 0, p = s; argv[i]; i++) {
		size_t n = strlen(argv[i]);

		memcpy(p, argv[i], n);
		p += n;
		*p++ = '\n';
	}
	*p = '\0';
	return s;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void check_golden(const char *name, const struct qemu_spec *spec)
{
	char path[512], err[256] = "", **argv = NULL, *got, *want;
	const char *update = getenv("CROFT_UPDATE_GOLDEN");
	size_t argc = 0;
	int rc;

	rc = qemu_cmdline_build(spec, &argv, &argc, err, sizeof(err));
	if (rc)
		fail_msg("%s: %s", name, err);
	assert_non_null(argv);
	assert_null(argv[argc]);
	got = join_lines(argv);
	snprintf(path, sizeof(path), "%s/cmdline_%s.args", GOLDEN_DIR, name);

	if (update && !strcmp(update, "1")) {
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		assert_int_equal(fputs(got, f) >= 0, 1);
		assert_int_equal(fclose(f), 0);
		fprintf(stderr, "updated %s\n", path);
	}
	want = read_text(path);
	if (!want)
		fail_msg("missing golden file %s (run with CROFT_UPDATE_GOLDEN=1)",
			 path);
	if (strcmp(got, want)) {
		fprintf(stderr, "--- %s (golden)\n%s--- built\n%s", path, want, got);
		fail_msg("%s: argv differs from golden file", name);
	}
	free(want);
	free(got);
	qemu_cmdline_free(argv);
}

static int argv_has(char **argv, const char *opt, const char *val)
{
	size_t i;

	for (i = 0; argv[i] && argv[i + 1]; i++)
		if (!strcmp(argv[i], opt) && !strcmp(argv[i + 1], val))
			return 1;
	return 0;
}

static void test_bios_disk(void **state)
{
	struct qemu_spec s = base_spec();

	(void)state;
	check_golden("bios_disk", &s);
}

/* The guest agent's channel: a virtio-serial port on the passed socket. */
static void test_agent(void **state)
{
	struct qemu_spec s = base_spec();

	(void)state;
	s.agent_fd = 5;
	check_golden("agent", &s);
}

/* The display device: std VGA (also when unset), virtio-vga, or none. */
static void test_display(void **state)
{
	struct qemu_spec s = base_spec();
	char err[256], **argv;
	size_t argc;

	(void)state;
	s.display = "virtio";
	check_golden("display_virtio", &s);
	s.display = "none";
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_false(argv_has(argv, "-device", "VGA"));
	assert_false(argv_has(argv, "-device", "virtio-vga"));
	assert_true(argv_has(argv, "-vnc", "none,password=on"));
	qemu_cmdline_free(argv);
	s.display = "std";
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-device", "VGA"));
	qemu_cmdline_free(argv);
}

static void test_kvm(void **state)
{
	struct qemu_spec s = base_spec();
	char err[256], **argv;
	size_t argc;

	(void)state;
	s.accel = "kvm";
	check_golden("bios_disk_kvm", &s);

	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-cpu", "host"));
	assert_true(argv_has(argv, "-machine", "q35,accel=kvm"));
	qemu_cmdline_free(argv);

	s.accel = "tcg";
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-cpu", "max"));
	assert_true(argv_has(argv, "-machine", "q35,accel=tcg"));
	qemu_cmdline_free(argv);

	/* a VM that opts out of KSM */
	s.ksm_off = 1;
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-machine", "q35,accel=tcg,mem-merge=off"));
	qemu_cmdline_free(argv);
}

/* A start from a saved state: QEMU waits for it, still stopped (-S). */
static void test_incoming(void **state)
{
	struct qemu_spec s = base_spec();
	char err[256], **argv;
	size_t argc;

	(void)state;
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_false(argv_has(argv, "-incoming", "defer"));
	qemu_cmdline_free(argv);
	s.incoming = 1;
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-incoming", "defer"));
	assert_true(argv_has(argv, "-S", "-incoming"));
	qemu_cmdline_free(argv);
}

static void test_two_disks_cdrom(void **state)
{
	struct qemu_spec s = base_spec();

	(void)state;
	s.name = "db";
	s.vcpus = 4;
	s.memory_mib = 8192;
	s.accel = "kvm";
	s.disks = two_disks;
	s.ndisks = 2;
	s.cdrom = "/var/lib/croft/iso/debian-12.iso";
	s.boot = "cdrom,disk";
	s.qmp_fd = 5;            /* after other passed fds */
	s.serial_fd = 6;
	check_golden("two_disks_cdrom", &s);
}

/* A disk on the virtio-scsi bus: one controller, a scsi-hd with the same
 * error policy and boot index; the virtio-blk disk beside it is as ever. */
static void test_scsi_disk(void **state)
{
	static const struct qemu_disk mixed[] = {
		{ .path = "/var/lib/croft/pools/default/db-0.qcow2", .format = "qcow2", .scsi = 1 },
		{ .path = "/var/lib/croft/pools/fast/db-1.raw", .format = "raw" },
		{ .path = "/var/lib/croft/pools/fast/db-2.raw", .format = "raw", .scsi = 1 },
	};
	struct qemu_spec s = base_spec();
	char err[256], **argv;
	size_t argc, i, controllers = 0;

	(void)state;
	s.disks = mixed;
	s.ndisks = 3;
	check_golden("scsi_disk", &s);
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	for (i = 0; argv[i]; i++)
		controllers += !strcmp(argv[i], "virtio-scsi-pci,id=scsi0");
	assert_int_equal(controllers, 1);
	assert_true(argv_has(argv, "-device", "scsi-hd,bus=scsi0.0,drive=disk0,id=scsi-disk0,"
			     "bootindex=1,write-cache=on,werror=enospc,rerror=report"));
	assert_true(argv_has(argv, "-device", "virtio-blk-pci,drive=disk1,id=virtio-disk1,"
			     "bootindex=2,write-cache=on,werror=enospc,rerror=report"));
	qemu_cmdline_free(argv);
}

static void test_disk_then_cdrom(void **state)
{
	struct qemu_spec s = base_spec();
	char err[256], **argv;
	size_t argc;

	(void)state;
	s.disks = ro_disk;
	s.cdrom = "/var/lib/croft/iso/tools.iso";
	s.boot = "disk,cdrom";
	check_golden("disk_cdrom_readonly", &s);

	/* cdrom alone: disks lose their bootindex. */
	s.boot = "cdrom";
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-device",
			     "ide-cd,bus=ide.0,drive=cdrom0,id=cdrom0,bootindex=1"));
	assert_true(argv_has(argv, "-device", "virtio-blk-pci,drive=disk0,"
			     "id=virtio-disk0,write-cache=on,werror=enospc,rerror=report"));
	qemu_cmdline_free(argv);

	/* disk alone with a CD present: the CD is not bootable. */
	s.boot = "disk";
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-device", "ide-cd,bus=ide.0,drive=cdrom0,id=cdrom0"));
	qemu_cmdline_free(argv);
}

static void test_uefi(void **state)
{
	struct qemu_spec s = base_spec();

	(void)state;
	s.accel = "kvm";
	s.firmware = "uefi";
	s.ovmf_code = OVMF_CODE;
	s.ovmf_vars = "/var/lib/croft/vm/web/OVMF_VARS_4M.fd";
	check_golden("uefi", &s);
}

/* What croftd's start gives (core/vm_files.h): every file as a descriptor,
 * in fd sets for the blockdevs (a writable one with a read-only twin, a
 * disk's backing chain read-only, deepest first), kernel and initrd as
 * /proc/self/fd paths; opaque values are escaped. */
static void test_fdsets(void **state)
{
	static const struct qemu_disk base = { .path = "/dev/fdset/9", .format = "raw" };
	static const struct qemu_disk mid = { .path = "/dev/fdset/8", .format = "qcow2",
					      .backing = &base };
	static const struct qemu_disk fd_disks[] = {
		{ .path = "/dev/fdset/1", .format = "qcow2", .backing = &mid },
		{ .path = "/dev/fdset/3", .format = "raw" },
	};
	/* fds 3 and 4 are the QMP and serial sockets (base_spec) */
	static const struct qemu_add_fd add[] = {
		{ 5, 1, "disk0" }, { 6, 1, "disk0-ro" }, { 7, 3, "disk1" }, { 8, 3, "disk1-ro" },
		{ 9, 5, "cdrom0" }, { 10, 6, "pflash0" }, { 11, 7, "pflash1" }, { 12, 7, "odd,name" },
		{ 15, 8, "disk0-b1" }, { 16, 9, "disk0-b2" },
	};
	struct qemu_spec s = base_spec();

	(void)state;
	s.firmware = "uefi";
	s.ovmf_code = "/dev/fdset/6";
	s.ovmf_vars = "/dev/fdset/7";
	s.disks = fd_disks;
	s.ndisks = 2;
	s.cdrom = "/dev/fdset/5";
	s.boot = "cdrom,disk";
	s.kernel = "/proc/self/fd/13";
	s.initrd = "/proc/self/fd/14";
	s.append = "console=ttyS0";
	s.add_fds = add;
	s.nadd_fds = sizeof(add) / sizeof(add[0]);
	check_golden("fdsets", &s);
}

/* The cloud-init seed: a read-only raw CD drive on the second AHCI port. */
static void test_seed(void **state)
{
	struct qemu_spec s = base_spec();
	char err[256], **argv;
	size_t argc;

	(void)state;
	s.seed = "/dev/fdset/4";
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-device", "ide-cd,bus=ide.1,drive=cidata0,id=cidata0"));
	assert_true(argv_has(argv, "-blockdev", "{\"driver\":\"file\",\"filename\":\"/dev/fdset/4\","
			     "\"node-name\":\"cidata0-file\",\"read-only\":true}"));
	qemu_cmdline_free(argv);
}

static void test_kernel(void **state)
{
	struct qemu_spec s = base_spec();
	char err[256], **argv;
	size_t argc;

	(void)state;
	s.kernel = "/var/lib/croft/kernels/vmlinuz";
	s.initrd = "/var/lib/croft/kernels/initrd.img";
	s.append = "console=ttyS0,115200 root=/dev/vda rw quiet";
	check_golden("kernel", &s);

	/* kernel alone: no -initrd, no -append. */
	s.initrd = NULL;
	s.append = NULL;
	s.disks = NULL;
	s.ndisks = 0;
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-kernel", "/var/lib/croft/kernels/vmlinuz"));
	assert_string_equal(argv[argc - 2], "-kernel");
	qemu_cmdline_free(argv);
}

static void test_escaping(void **state)
{
	struct qemu_spec s = base_spec();
	char err[256], **argv;
	size_t argc, i;

	(void)state;
	s.name = "we,ird";
	s.disks = odd_disk;
	s.cdrom = "/srv/iso,s/\"q\".iso";
	s.boot = "disk,cdrom";
	check_golden("escaping", &s);

	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-name", "guest=we,,ird,debug-threads=on"));
	{
		char *n = qemu_cmdline_name_arg("we,ird");

		assert_string_equal(n, "guest=we,,ird,debug-threads=on");
		free(n);
	}
	assert_true(argv_has(argv, "-vnc", "none,password=on"));
	assert_true(argv_has(argv, "-chardev", "socket,id=qmp,fd=3,server=on,wait=off"));
	assert_true(argv_has(argv, "-chardev", "socket,id=serial0,fd=4,server=on,wait=off"));
	assert_true(argv_has(argv, "-sandbox",
			     "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"));
	for (i = 0; argv[i]; i++)
		if (!strcmp(argv[i], "-daemonize") || !strcmp(argv[i], "-pidfile") ||
		    strstr(argv[i], "logfile="))
			fail_msg("QEMU is told to write or daemonize: %s", argv[i]);
	assert_true(argv_has(argv, "-blockdev",
			     "{\"driver\":\"file\",\"filename\":"
			     "\"/srv/pool,a/it's \\\"odd\\\"=1.qcow2\","
			     "\"node-name\":\"disk0-file\",\"discard\":\"unmap\","
			     "\"read-only\":false}"));
	qemu_cmdline_free(argv);
}

/* --- NICs --------------------------------------------------------------- */

static const struct qemu_nic two_nics[] = {
	{ .id = 7, .ifname = "croftt7", .mac = "52:54:00:12:34:56" },
	{ .id = 12, .ifname = "croftt12", .mac = "52:54:00:ab:cd:ef" },
};

static void test_nic_ports(void **state)
{
	(void)state;
	assert_int_equal(qemu_nic_ports(0), QEMU_NIC_PORTS_SPARE);
	assert_int_equal(qemu_nic_ports(2), 2 + QEMU_NIC_PORTS_SPARE);
	assert_int_equal(qemu_nic_ports(4), QEMU_NIC_PORTS_MAX);
	assert_int_equal(qemu_nic_ports(7), QEMU_NIC_PORTS_MAX);
	assert_int_equal(qemu_nic_ports(8), QEMU_NIC_PORTS_MAX);
}

static void test_nics(void **state)
{
	struct qemu_spec s = base_spec();
	char err[256], **argv;
	size_t argc, i;

	(void)state;
	s.nics = two_nics;
	s.nnics = 2;
	s.nic_ports = qemu_nic_ports(2);
	check_golden("nics", &s);

	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-netdev", "tap,id=net12,ifname=croftt12,script=no,"
			     "downscript=no,vhost=off"));
	assert_true(argv_has(argv, "-device", "virtio-net-pci,netdev=net12,id=nic12,"
			     "mac=52:54:00:ab:cd:ef,bus=nicport1,romfile="));
	assert_true(argv_has(argv, "-device", "pcie-root-port,id=nicport5,bus=pcie.0,chassis=6"));
	assert_false(argv_has(argv, "-device", "pcie-root-port,id=nicport6,bus=pcie.0,chassis=7"));
	/* the ports come after every other device, so they move nothing */
	for (i = 0; argv[i]; i++)
		if (!strcmp(argv[i], "-device") && strstr(argv[i + 1], "pcie-root-port"))
			break;
	for (; argv[i]; i++)
		if (!strcmp(argv[i], "-device"))
			assert_true(strstr(argv[i + 1], "pcie-root-port") ||
				    strstr(argv[i + 1], "virtio-net-pci"));
	qemu_cmdline_free(argv);

	s.vhost = 1;
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-netdev", "tap,id=net7,ifname=croftt7,script=no,"
			     "downscript=no,vhost=on"));
	qemu_cmdline_free(argv);
}

static void test_hotplug_ports_only(void **state)
{
	struct qemu_spec s = base_spec();

	(void)state;
	s.nic_ports = qemu_nic_ports(0);
	check_golden("nic_ports_only", &s);
}

/* Spare root ports for hot-plugged disks come after the NICs' ports, with
 * the chassis numbers after theirs. */
static void test_disk_ports(void **state)
{
	struct qemu_spec s = base_spec();
	char err[256], **argv;
	size_t argc;

	(void)state;
	s.nic_ports = qemu_nic_ports(0);
	s.disk_ports = QEMU_DISK_PORTS;
	assert_int_equal(qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)), 0);
	assert_true(argv_has(argv, "-device", "pcie-root-port,id=diskport0,bus=pcie.0,chassis=5"));
	assert_true(argv_has(argv, "-device", "pcie-root-port,id=diskport3,bus=pcie.0,chassis=8"));
	assert_false(argv_has(argv, "-device", "pcie-root-port,id=diskport4,bus=pcie.0,chassis=9"));
	qemu_cmdline_free(argv);
}

/* --- errors ------------------------------------------------------------ */

static void expect_einval(const struct qemu_spec *s, const char *needle)
{
	char err[256] = "", **argv = (char **)1;
	size_t argc = 99;

	assert_int_equal(qemu_cmdline_build(s, &argv, &argc, err, sizeof(err)),
			 -EINVAL);
	assert_null(argv);
	assert_int_equal(argc, 0);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
}

static void test_bad_boot(void **state)
{
	struct qemu_spec s = base_spec();

	(void)state;
	s.boot = "floppy";
	expect_einval(&s, "unknown boot device 'floppy'");
	s.boot = "disk,net";
	expect_einval(&s, "unknown boot device 'net'");
	s.boot = "disk,";
	expect_einval(&s, "unknown boot device ''");
	s.boot = "";
	expect_einval(&s, "boot order is empty");
	s.boot = NULL;
	expect_einval(&s, "boot order is empty");
	s.boot = "Disk";
	expect_einval(&s, "unknown boot device 'Disk'");
	s.boot = "disk,disk";
	expect_einval(&s, "names disk twice");
	s.boot = "cdrom";
	expect_einval(&s, "has no CD drive");
	s.cdrom = "/x.iso";
	s.boot = "cdrom,disk,cdrom";
	expect_einval(&s, "names cdrom twice");
	s.boot = "disk";
	s.ndisks = 0;
	expect_einval(&s, "has no disk");
}

static void test_uefi_incomplete(void **state)
{
	struct qemu_spec s = base_spec();

	(void)state;
	s.firmware = "uefi";
	s.ovmf_code = OVMF_CODE;
	expect_einval(&s, "OVMF vars");
	s.ovmf_code = NULL;
	s.ovmf_vars = "/var/lib/croft/vm/web/OVMF_VARS_4M.fd";
	expect_einval(&s, "OVMF code");
	s.firmware = "coreboot";
	expect_einval(&s, "unknown firmware 'coreboot'");
}

static void test_append_without_kernel(void **state)
{
	struct qemu_spec s = base_spec();

	(void)state;
	s.append = "console=ttyS0";
	expect_einval(&s, "needs a kernel");
	s.append = NULL;
	s.initrd = "/boot/initrd.img";
	expect_einval(&s, "needs a kernel");
}

static void test_bad_nics(void **state)
{
	struct qemu_spec s = base_spec();
	struct qemu_nic bad[2] = {
		{ .id = 1, .ifname = "croftt1", .mac = "52:54:00:00:00:01" },
		{ .id = 2, .ifname = "croftt2", .mac = "52:54:00:00:00:02" },
	};

	(void)state;
	s.nics = bad;
	s.nnics = 2;
	s.nic_ports = 1;
	expect_einval(&s, "has 2 NICs but only 1 PCIe ports");
	s.nic_ports = QEMU_NIC_PORTS_MAX + 1;
	expect_einval(&s, "the most is 8");
	s.nic_ports = 4;
	bad[1].ifname = "tap,x=1";
	expect_einval(&s, "tap name 'tap,x=1' is not an interface name");
	bad[1].ifname = "croftt1234567890";
	expect_einval(&s, "is not an interface name");
	bad[1].ifname = NULL;
	expect_einval(&s, "is not an interface name");
	bad[1].ifname = "croftt2";
	bad[1].mac = "52:54:00:00:00:0g";
	expect_einval(&s, "MAC '52:54:00:00:00:0g'");
	bad[1].mac = "52:54:00:00:00:02,x";
	expect_einval(&s, "is not of the form");
	bad[1].mac = "52:54:00:00:00:02";
	bad[1].id = 1;
	expect_einval(&s, "NIC 1 is given twice");
	s.nics = NULL;
	expect_einval(&s, "2 NICs announced but none given");
}

static void test_bad_resources(void **state)
{
	struct qemu_spec s = base_spec();
	struct qemu_disk bad_utf8[] = { { .path = "/srv/\xff\xfe.qcow2", .format = "qcow2" } };
	struct qemu_disk no_format[] = { { .path = "/srv/a.qcow2" } };

	(void)state;
	s.vcpus = 0;
	expect_einval(&s, "at least one vCPU");
	s = base_spec();
	s.memory_mib = 0;
	expect_einval(&s, "needs memory");
	s = base_spec();
	s.accel = "hvf";
	expect_einval(&s, "unknown accelerator 'hvf'");
	s.accel = NULL;
	expect_einval(&s, "unknown accelerator");
	s = base_spec();
	s.qmp_fd = 0;
	expect_einval(&s, "two distinct descriptors above 2");
	s = base_spec();
	s.serial_fd = s.qmp_fd;
	expect_einval(&s, "two distinct descriptors above 2");
	s = base_spec();
	s.display = "cirrus";
	expect_einval(&s, "unknown display 'cirrus'");
	s = base_spec();
	s.agent_fd = 2;
	expect_einval(&s, "guest agent socket (got 2)");
	s.agent_fd = s.serial_fd;
	expect_einval(&s, "of its own for its guest agent socket");
	s = base_spec();
	s.name = "";
	expect_einval(&s, "no name");
	s = base_spec();
	s.disks = bad_utf8;
	expect_einval(&s, "not valid UTF-8");
	s.disks = no_format;
	expect_einval(&s, "has no format");
}

/* --- real QEMU --------------------------------------------------------- */

static int in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (access(buf, X_OK) == 0)
			return 1;
		path += n;
		if (*path == ':')
			path++;
	}
	return 0;
}

static int run_wait(char *const argv[])
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Start argv as croftd does: a child in a session of its own, stdin and
 * stdout on /dev/null, stderr to logpath, the QMP and serial listening
 * sockets at fds 3 and 4. */
static pid_t launch(char **argv, const char *logpath, int qmp, int serial)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int in = open("/dev/null", O_RDWR);
		int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int q = fcntl(qmp, F_DUPFD, 10), s = fcntl(serial, F_DUPFD, 10);

		if (in < 0 || log < 0 || q < 0 || s < 0 || dup2(in, 0) < 0 || dup2(in, 1) < 0 ||
		    dup2(log, 2) < 0 || dup2(q, 3) < 0 || dup2(s, 4) < 0 || setsid() < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void dump_log(const char *logpath)
{
	char *log = read_text(logpath);

	fprintf(stderr, "qemu log:\n%s\n", log ? log : "(none)");
	free(log);
}

/* A listening socket at dir/name. */
static int listen_at(const char *dir, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_true((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name) <
		    sizeof(sa.sun_path));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* Connect to dir/name once process pid has taken the socket over
 * (SO_PEERCRED names it): the fd, or -1 after ten seconds. */
static int connect_peer(const char *dir, const char *name, pid_t pid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 20 };
	struct ucred cred;
	socklen_t len;
	int i, fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name);
	for (i = 0; i < 1000; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(fd >= 0);
		len = sizeof(cred);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid == pid) {
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			return fd;
		}
		close(fd);
		usleep(10 * 1000);
	}
	return -1;
}

/* Read from fd until buf holds needle; 0 when found. */
static int read_until(int fd, char *buf, size_t size, size_t *len,
		      const char *needle)
{
	while (!strstr(buf, needle)) {
		ssize_t n;

		if (*len + 1 >= size)
			return -1;
		n = read(fd, buf + *len, size - *len - 1);
		if (n <= 0)
			return -1;
		*len += (size_t)n;
		buf[*len] = '\0';
	}
	return 0;
}

/* Send one QMP command and return whether its reply holds want. */
static int qmp_says(int fd, const char *cmd, const char *want)
{
	char buf[16384] = "", line[256];
	size_t len = 0;
	int n = snprintf(line, sizeof(line), "{\"execute\":\"%s\"}\n", cmd);

	if (write(fd, line, (size_t)n) != n || read_until(fd, buf, sizeof(buf), &len, "\"return\"") < 0 ||
	    read_until(fd, buf, sizeof(buf), &len, "\n") < 0) {
		fprintf(stderr, "QMP %s: no reply (%s)\n", cmd, buf);
		return 0;
	}
	if (!strstr(buf, want)) {
		fprintf(stderr, "QMP %s said: %s\n", cmd, buf);
		return 0;
	}
	return 1;
}

/* Negotiate, see it paused (-S), let it run, see it running. */
static int qmp_paused_then_running(int fd)
{
	char buf[4096] = "";
	size_t len = 0;

	if (read_until(fd, buf, sizeof(buf), &len, "\"QMP\"") < 0)
		return 0;
	return qmp_says(fd, "qmp_capabilities", "{}") &&
	       qmp_says(fd, "query-status", "\"status\": \"prelaunch\"") &&
	       qmp_says(fd, "cont", "{}") &&
	       qmp_says(fd, "query-status", "\"status\": \"running\"");
}

enum real_kind { REAL_BIOS, REAL_UEFI, REAL_FULL };

/* A real run's scratch directory and QEMU, removed even when it fails. */
struct real_state {
	char tmp[64];
	pid_t pid;
};

static int real_setup(void **state)
{
	struct real_state *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return -1;
	strcpy(rs->tmp, "/tmp/croft-cmdline-XXXXXX");
	if (!mkdtemp(rs->tmp)) {
		free(rs);
		return -1;
	}
	*state = rs;
	return 0;
}

static int real_teardown(void **state)
{
	struct real_state *rs = *state;
	int rc;

	if (rs->pid > 0 && kill(rs->pid, SIGKILL) == 0)
		waitpid(rs->pid, NULL, 0);
	rc = tl_rmtree(rs->tmp);
	free(rs);
	return rc;
}

static void real_run(struct real_state *rs, const struct qemu_spec *tmpl,
		     enum real_kind kind)
{
	const char *tmp = rs->tmp;
	char run[256], disk[256], disk2[256], iso[256], vars[256];
	char logpath[300], path[300], err[256];
	struct qemu_disk d[2] = {
		{ .path = disk, .format = "qcow2" },
		{ .path = disk2, .format = "raw", .readonly = 1 },
	};
	int uefi = kind == REAL_UEFI;
	struct qemu_spec s = *tmpl;
	char **argv = NULL;
	size_t argc;
	pid_t pid;
	int status, lq, ls, qmp, serial;

	if (!in_path("qemu-system-x86_64") || !in_path("qemu-img"))
		skip();
	if (uefi && (access(OVMF_CODE, R_OK) || access(OVMF_VARS, R_OK)))
		skip();

	snprintf(run, sizeof(run), "%s/run,dir=1", tmp);
	snprintf(disk, sizeof(disk), "%s/disk,0.qcow2", tmp);
	snprintf(disk2, sizeof(disk2), "%s/seed=1.raw", tmp);
	snprintf(iso, sizeof(iso), "%s/cd,rom \"x\".iso", tmp);
	snprintf(vars, sizeof(vars), "%s/OVMF_VARS_4M.fd", tmp);
	snprintf(logpath, sizeof(logpath), "%s/qemu.log", tmp);
	assert_int_equal(mkdir(run, 0700), 0);
	{
		char *mk[] = { "qemu-img", "create", "-q", "-f", "qcow2", disk, "64M", NULL };

		assert_int_equal(run_wait(mk), 0);
	}
	if (uefi) {
		char *cp[] = { "cp", OVMF_VARS, vars, NULL };

		assert_int_equal(run_wait(cp), 0);
		s.ovmf_vars = vars;
	}
	s.disks = d;
	s.ndisks = 1;
	if (kind == REAL_FULL) {
		char *mk[] = { "qemu-img", "create", "-q", "-f", "raw", disk2, "8M", NULL };
		char *cd[] = { "qemu-img", "create", "-q", "-f", "raw", iso, "1M", NULL };

		assert_int_equal(run_wait(mk), 0);
		assert_int_equal(run_wait(cd), 0);
		s.ndisks = 2;
		s.cdrom = iso;
		s.boot = "cdrom,disk";
	}
	s.qmp_fd = 3;
	s.serial_fd = 4;
	lq = listen_at(run, "qmp.sock");
	ls = listen_at(run, "serial.sock");

	if (qemu_cmdline_build(&s, &argv, &argc, err, sizeof(err)))
		fail_msg("build: %s", err);
	pid = launch(argv, logpath, lq, ls);
	rs->pid = pid;
	qemu_cmdline_free(argv);
	close(lq);
	close(ls);

	qmp = connect_peer(run, "qmp.sock", pid);
	serial = connect_peer(run, "serial.sock", pid);
	if (qmp < 0 || serial < 0 || !qmp_paused_then_running(qmp)) {
		dump_log(logpath);
		if (waitpid(pid, &status, WNOHANG) == pid) {
			rs->pid = 0;
			if (WIFSIGNALED(status))
				fail_msg("QEMU died: signal %d%s", WTERMSIG(status),
					 WTERMSIG(status) == SIGSYS ? " (seccomp sandbox)" : "");
			fail_msg("QEMU exited with status %d", WEXITSTATUS(status));
		}
		fail_msg("QEMU (pid %d) did not take its sockets over or report running", (int)pid);
	}
	usleep(300 * 1000);
	if (waitpid(pid, &status, WNOHANG) != 0) {
		rs->pid = 0;
		dump_log(logpath);
		fail_msg("QEMU (pid %d) died while running (status 0x%x)", (int)pid, status);
	}
	/* It wrote nothing next to its sockets. */
	snprintf(path, sizeof(path), "%s/qemu.pid", run);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/vnc.sock", run);
	assert_int_equal(access(path, F_OK), -1);
	close(serial);
	close(qmp);

	/* A sandbox violation would show as SIGSYS instead of SIGTERM. */
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rs->pid = 0;
	if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		dump_log(logpath);
		fail_msg("QEMU ended with status 0x%x", status);
	}
}

static void test_real_qemu_bios(void **state)
{
	struct qemu_spec s = base_spec();

	s.name = "croft-test-bios";
	s.vcpus = 1;
	s.memory_mib = 128;
	real_run(*state, &s, REAL_BIOS);
}

static void test_real_qemu_uefi(void **state)
{
	struct qemu_spec s = base_spec();

	s.name = "croft-test-uefi";
	s.vcpus = 1;
	s.memory_mib = 256;
	s.firmware = "uefi";
	s.ovmf_code = OVMF_CODE;
	real_run(*state, &s, REAL_UEFI);
}

/* Two disks (one read-only raw), a CD drive, boot from CD first. */
static void test_real_qemu_full(void **state)
{
	struct qemu_spec s = base_spec();

	s.name = "croft-test,full";
	s.vcpus = 2;
	s.memory_mib = 192;
	s.nic_ports = qemu_nic_ports(0);   /* QEMU takes the hot-plug ports */
	real_run(*state, &s, REAL_FULL);
}

static int setup_subreaper(void **state)
{
	(void)state;
	return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bios_disk),
		cmocka_unit_test(test_kvm),
		cmocka_unit_test(test_incoming),
		cmocka_unit_test(test_agent),
		cmocka_unit_test(test_display),
		cmocka_unit_test(test_two_disks_cdrom),
		cmocka_unit_test(test_scsi_disk),
		cmocka_unit_test(test_disk_then_cdrom),
		cmocka_unit_test(test_uefi),
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_fdsets),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_bad_boot),
		cmocka_unit_test(test_uefi_incomplete),
		cmocka_unit_test(test_append_without_kernel),
		cmocka_unit_test(test_bad_resources),
		cmocka_unit_test(test_nic_ports),
		cmocka_unit_test(test_nics),
		cmocka_unit_test(test_hotplug_ports_only),
		cmocka_unit_test(test_disk_ports),
		cmocka_unit_test(test_bad_nics),
		cmocka_unit_test_setup_teardown(test_real_qemu_bios, real_setup,
						real_teardown),
		cmocka_unit_test_setup_teardown(test_real_qemu_uefi, real_setup,
						real_teardown),
		cmocka_unit_test_setup_teardown(test_real_qemu_full, real_setup,
						real_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup_subreaper, NULL);
}
