/*
 * vm_spec tests.  Every rule of vm.create and vm.edit runs through tables
 * of requests against a fake world (struct vm_spec_sys): a few files with
 * inode numbers (a symlink and a hard link share one), qemu-img's answers,
 * a 4-CPU 8 GiB host, OVMF present or not, and other VMs with their disks.
 * A refused request must give its code and exact message and leave nothing
 * planned; an accepted one is compared with a one-line summary of the plan.
 * Last, croftd's own seam runs a few rules on real files in a temporary
 * directory (real qemu-img, hard links, symlinks, a deleted VM).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/daemon.h"
#include "core/host.h"
#include "core/pool.h"
#include "core/pools.h"
#include "core/vm.h"
#include "core/vm_spec.h"
#include "common/cloudinit.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GIB (1ULL << 30)

/* --- the fake world ---------------------------------------------------------- */

struct fake_file {
	const char *path;
	mode_t type;                 /* S_IFREG, S_IFDIR, S_IFBLK */
	ino_t ino;
	const char *link;            /* a symlink to that path, or NULL */
	int unused;
	const char *format;          /* what qemu-img says; NULL: not an image */
	uint64_t vsize;
};

static const struct fake_file files[] = {
	{ "/img/a.qcow2",             S_IFREG, 1, NULL, 0, "qcow2", GIB },
	{ "/img/link.qcow2",          S_IFREG, 1, "/img/a.qcow2", 0, "qcow2", GIB },
	{ "/img/b.raw",               S_IFREG, 2, NULL, 0, "raw", 2 * GIB },
	{ "/img/used.qcow2",          S_IFREG, 3, NULL, 0, "qcow2", GIB },
	{ "/img/used-hardlink.qcow2", S_IFREG, 3, NULL, 0, "qcow2", GIB },
	{ "/img/corrupt.qcow2",       S_IFREG, 4, NULL, 0, NULL, 0 },
	{ "/img/fifo",                S_IFIFO, 5, NULL, 0, NULL, 0 },
	{ "/img/overlay.qcow2",       S_IFREG, 18, NULL, 0, "backing", GIB },
	{ "/img/loop0",               S_IFBLK, 6, NULL, 0, "raw", GIB },
	{ "/etc/secret.iso",          S_IFREG, 16, NULL, 0, NULL, 0 },
	{ "/home/u/shadow.qcow2",     S_IFREG, 17, NULL, 0, "qcow2", GIB },
	{ "/img",                     S_IFDIR, 7, NULL, 0, NULL, 0 },
	{ "/dev/sdb",                 S_IFBLK, 8, NULL, 0, "raw", 4 * GIB },
	{ "/iso/boot.iso",            S_IFREG, 10, NULL, 0, NULL, 0 },
	{ "/iso/other.iso",           S_IFREG, 11, NULL, 0, NULL, 0 },
	{ "/boot/vmlinuz",            S_IFREG, 12, NULL, 0, NULL, 0 },
	{ "/boot/initrd",             S_IFREG, 13, NULL, 0, NULL, 0 },
	{ "/pool/old-disk1.qcow2",    S_IFREG, 14, NULL, 0, "qcow2", GIB },
	{ "/pool/base-disk0.qcow2",   S_IFREG, 15, NULL, 0, "qcow2", GIB },
};

/* Other VMs: base has a pool disk and an attached image; ghost's image is
 * gone from the disk (its stat fails), which must not confuse the search. */
static struct store_disk base_disks[] = {
	{ .idx = 0, .path = "/pool/base-disk0.qcow2", .format = "qcow2", .owned = 1 },
	{ .idx = 1, .path = "/img/used.qcow2", .format = "qcow2" },
};
static struct store_disk ghost_disks[] = {
	{ .idx = 0, .path = "/img/gone.qcow2", .format = "qcow2" },
};
static const struct store_vm others[] = {
	{ .name = "ghost", .disks = ghost_disks, .ndisks = 1 },
	{ .name = "base", .disks = base_disks, .ndisks = 2 },
};

/* What a row may change about the world. */
#define W_NO_OVMF     0x1
#define W_NO_MEMINFO  0x2

static unsigned world;

static const struct fake_file *fake_find(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strcmp(files[i].path, path))
			return &files[i];
	return NULL;
}

static int f_stat(void *ctx, const char *path, struct stat *st)
{
	const struct fake_file *f = fake_find(path);

	(void)ctx;
	if (!f)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->st_mode = f->type | 0644;
	st->st_dev = 1;
	st->st_ino = f->ino;
	return 0;
}

/* The pools and allowed paths of the fake world. */
static struct pools *fake_pools(void)
{
	static struct pools *p;
	char err[128];

	if (!p) {
		p = pools_new();
		pools_add(p, "default", "/pool", POOLS_DISK);
		pools_add(p, "iso", "/iso", POOLS_ISO);
		pools_allow(p, "/img", err, sizeof(err));
		pools_allow(p, "/boot/", err, sizeof(err));
		pools_allow(p, "/dev/sdb", err, sizeof(err));
	}
	return p;
}

/* vm_file_open()'s contract on the fake world. */
static int f_locate(void *ctx, const char *path, struct stat *st)
{
	struct pools_root root;
	const struct fake_file *f;
	char norm[PATH_MAX], err[256];
	int rc;

	if (pools_path_normalize(path, norm, err, sizeof(err)) < 0)
		return -EINVAL;
	if (pools_find(fake_pools(), norm, &root) < 0)
		return -EPERM;
	if (!(f = fake_find(norm)))
		return -ENOENT;
	if (f->link)
		return -ELOOP;
	if ((rc = f_stat(ctx, norm, st)) < 0)
		return rc;
	if (S_ISBLK(f->type))
		return !root.pool && !*root.rest ? 0 : -ENOTBLK;
	return S_ISREG(f->type) ? 0 : -ENODEV;
}

static int f_image_info(void *ctx, const char *path, struct pool_image_info *info,
			char *err, size_t errlen)
{
	const struct fake_file *f = fake_find(path);

	(void)ctx;
	if (!f || !f->format) {
		err_set(err, errlen, "qemu-img: Could not open '%s': Image is not in qcow2 format", path);
		return -EINVAL;
	}
	if (!strcmp(f->format, "backing")) {
		err_set(err, errlen, "disk image %s has a backing file (/etc/shadow)", path);
		return -EPERM;
	}
	memset(info, 0, sizeof(*info));
	snprintf(info->format, sizeof(info->format), "%s", f->format);
	info->virtual_size = f->vsize;
	return 0;
}

static unsigned f_host_cpus(void *ctx)
{
	(void)ctx;
	return 4;
}

static int f_host_meminfo(void *ctx, struct host_mem *m)
{
	(void)ctx;
	if (world & W_NO_MEMINFO)
		return -ENOENT;
	memset(m, 0, sizeof(*m));
	m->total_kib = 8ULL << 20;
	m->available_kib = 6ULL << 20;
	return 0;
}

static int f_ovmf_present(void *ctx)
{
	(void)ctx;
	return !(world & W_NO_OVMF);
}

static const struct store_vm *f_vm_next(void *ctx, void **it)
{
	size_t i = *it ? (size_t)((const struct store_vm *)*it - others) + 1 : 0;

	(void)ctx;
	if (i >= sizeof(others) / sizeof(others[0]))
		return NULL;
	*it = (void *)&others[i];
	return &others[i];
}

static const struct vm_spec_sys fake_sys = {
	.stat = f_stat,
	.locate = f_locate,
	.image_info = f_image_info,
	.host_cpus = f_host_cpus,
	.host_meminfo = f_host_meminfo,
	.ovmf_present = f_ovmf_present,
	.vm_next = f_vm_next,
};

static const struct vm_spec_env fake_env = {
	.sys = &fake_sys,
	.pool_dir = "/pool",
	.run_dir = "/run/croft",
};

/* "vcpus=1 mem=512 min=512 fw=bios boot=disk cdrom=- kernel=- initrd=-
 * append=- disks=PATH:FORMAT:SIZE:new|attached,..." */
static void summary(const struct store_vm *v, char *buf, size_t len)
{
	size_t i, n;

	n = (size_t)snprintf(buf, len, "vcpus=%u mem=%llu min=%llu fw=%s boot=%s cdrom=%s kernel=%s initrd=%s append=%s disks=",
			     v->vcpus, (unsigned long long)v->memory_mib,
			     (unsigned long long)v->memory_min_mib, v->firmware, v->boot,
			     v->cdrom ? v->cdrom : "-", v->kernel ? v->kernel : "-",
			     v->initrd ? v->initrd : "-", v->append ? v->append : "-");
	for (i = 0; i < v->ndisks && n < len; i++) {
		const struct store_disk *d = &v->disks[i];

		assert_int_equal(d->idx, i);
		n += (size_t)snprintf(buf + n, len - n, "%s%s:%s:%llu:%s", i ? "," : "", d->path,
				      d->format, (unsigned long long)d->size_bytes,
				      d->owned ? "new" : "attached");
	}
}

static void assert_empty(const struct store_vm *v)
{
	assert_null(v->name);
	assert_null(v->firmware);
	assert_null(v->boot);
	assert_null(v->disks);
	assert_int_equal(v->ndisks, 0);
}

/* --- vm.create ------------------------------------------------------------------ */

#define BASE .name = "web", .vcpus = 1, .memory_mib = 512
#define DISKS(...) .disks = (const struct vm_spec_disk_req[]){ __VA_ARGS__ }, \
	.ndisks = sizeof((const struct vm_spec_disk_req[]){ __VA_ARGS__ }) / sizeof(struct vm_spec_disk_req)
#define NEW(size) { .size_bytes = (size) }
#define NEWF(size, fmt) { .size_bytes = (size), .format = (fmt) }
#define AT(p) { .path = (p) }

struct create_case {
	const char *what;
	unsigned world;
	struct vm_spec_create req;
	const char *code;            /* NULL: accepted */
	const char *want;            /* the message, or the plan's summary */
};

static const struct create_case create_cases[] = {
	/* defaults */
	{ "a new disk, every default", 0, { BASE, DISKS(NEW(GIB)) }, NULL,
	  "vcpus=1 mem=512 min=512 fw=bios boot=disk cdrom=- kernel=- initrd=- append=- disks=/pool/web-disk0.qcow2:qcow2:1073741824:new" },
	{ "a cdrom and no disk boots the cdrom", 0, { BASE, .cdrom = "/iso/boot.iso" }, NULL,
	  "vcpus=1 mem=512 min=512 fw=bios boot=cdrom cdrom=/iso/boot.iso kernel=- initrd=- append=- disks=" },
	{ "a cdrom and a disk boot the cdrom first", 0, { BASE, .cdrom = "/iso/boot.iso", DISKS(NEW(GIB)) }, NULL,
	  "vcpus=1 mem=512 min=512 fw=bios boot=cdrom,disk cdrom=/iso/boot.iso kernel=- initrd=- append=- disks=/pool/web-disk0.qcow2:qcow2:1073741824:new" },
	{ "a boot order given is kept", 0, { BASE, .cdrom = "/iso/boot.iso", .boot = "disk,cdrom", DISKS(NEW(GIB)) }, NULL,
	  "vcpus=1 mem=512 min=512 fw=bios boot=disk,cdrom cdrom=/iso/boot.iso kernel=- initrd=- append=- disks=/pool/web-disk0.qcow2:qcow2:1073741824:new" },
	{ "a kernel boots with no disk", 0, { BASE, .kernel = "/boot/vmlinuz", .initrd = "/boot/initrd", .append = "console=ttyS0" }, NULL,
	  "vcpus=1 mem=512 min=512 fw=bios boot=disk cdrom=- kernel=/boot/vmlinuz initrd=/boot/initrd append=console=ttyS0 disks=" },
	{ "a memory floor given", 0, { BASE, .has_memory_min = 1, .memory_min_mib = 256, DISKS(NEW(GIB)) }, NULL,
	  "vcpus=1 mem=512 min=256 fw=bios boot=disk cdrom=- kernel=- initrd=- append=- disks=/pool/web-disk0.qcow2:qcow2:1073741824:new" },
	{ "uefi with OVMF", 0, { BASE, .firmware = "uefi", DISKS(NEW(GIB)) }, NULL,
	  "vcpus=1 mem=512 min=512 fw=uefi boot=disk cdrom=- kernel=- initrd=- append=- disks=/pool/web-disk0.qcow2:qcow2:1073741824:new" },
	{ "unknown host memory is not checked", W_NO_MEMINFO, { .name = "web", .vcpus = 4, .memory_mib = 65536, DISKS(NEW(GIB)) }, NULL,
	  "vcpus=4 mem=65536 min=65536 fw=bios boot=disk cdrom=- kernel=- initrd=- append=- disks=/pool/web-disk0.qcow2:qcow2:1073741824:new" },
	/* disks given by path: the real path, qemu-img's format and size */
	{ "an image is attached by its normalised path", 0, { BASE, DISKS(AT("/img//./a.qcow2")) }, NULL,
	  "vcpus=1 mem=512 min=512 fw=bios boot=disk cdrom=- kernel=- initrd=- append=- disks=/img/a.qcow2:qcow2:1073741824:attached" },
	{ "new, raw and a block device, in order", 0, { BASE, DISKS(NEW(2 * GIB), AT("/img/b.raw"), AT("/dev/sdb")) }, NULL,
	  "vcpus=1 mem=512 min=512 fw=bios boot=disk cdrom=- kernel=- initrd=- append=- disks=/pool/web-disk0.qcow2:qcow2:2147483648:new,/img/b.raw:raw:2147483648:attached,/dev/sdb:raw:4294967296:attached" },
	{ "a raw disk is preallocated in the pool as .raw", 0, { BASE, DISKS(NEWF(GIB, "raw"), NEWF(GIB, "qcow2")) }, NULL,
	  "vcpus=1 mem=512 min=512 fw=bios boot=disk cdrom=- kernel=- initrd=- append=- disks=/pool/web-disk0.raw:raw:1073741824:new,/pool/web-disk1.qcow2:qcow2:1073741824:new" },
	{ "a disk index taken in the pool by another name is free", 0, { .name = "old", .vcpus = 1, .memory_mib = 512, DISKS(NEW(GIB)) }, NULL,
	  "vcpus=1 mem=512 min=512 fw=bios boot=disk cdrom=- kernel=- initrd=- append=- disks=/pool/old-disk0.qcow2:qcow2:1073741824:new" },

	/* the name */
	{ "empty name", 0, { .name = "", .vcpus = 1, .memory_mib = 512 }, PROTO_E_INVALID_ARGUMENT,
	  "VM name is empty" },
	{ "name with a slash", 0, { .name = "a/b", .vcpus = 1, .memory_mib = 512 }, PROTO_E_INVALID_ARGUMENT,
	  "VM name 'a/b' contains '/'; use letters, digits, '-', '_' and '.'" },
	{ "name taken", 0, { .name = "base", .vcpus = 1, .memory_mib = 512 }, PROTO_E_ALREADY_EXISTS,
	  "a VM named 'base' already exists" },
	{ "the name is checked before the sizes", 0, { .name = "-x", .vcpus = 0, .memory_mib = 0 }, PROTO_E_INVALID_ARGUMENT,
	  "VM name '-x' must start with a letter or a digit" },
	/* sizes */
	{ "no vcpus", 0, { .name = "web", .vcpus = 0, .memory_mib = 0 }, PROTO_E_INVALID_ARGUMENT,
	  "vcpus must be between 1 and 255, not 0" },
	{ "more vcpus than the host", 0, { .name = "web", .vcpus = 5, .memory_mib = 512 }, PROTO_E_INVALID_ARGUMENT,
	  "vcpus (5) exceeds the host's 4 CPUs" },
	{ "no memory", 0, { .name = "web", .vcpus = 1, .memory_mib = 0 }, PROTO_E_INVALID_ARGUMENT,
	  "memory must be a positive number of MiB" },
	{ "too little memory", 0, { .name = "web", .vcpus = 1, .memory_mib = 8 }, PROTO_E_INVALID_ARGUMENT,
	  "memory must be between 16M and 16T, not 8M" },
	{ "more memory than the host", 0, { .name = "web", .vcpus = 1, .memory_mib = 16384 }, PROTO_E_INVALID_ARGUMENT,
	  "memory (16G) exceeds the host's total memory (8G)" },
	{ "a negative floor", 0, { BASE, .has_memory_min = 1, .memory_min_mib = -1 }, PROTO_E_INVALID_ARGUMENT,
	  "memory-min must not be negative" },
	{ "a floor above memory", 0, { BASE, .has_memory_min = 1, .memory_min_mib = 1024 }, PROTO_E_INVALID_ARGUMENT,
	  "memory-min (1024M) is above memory (512M)" },
	{ "a floor too low", 0, { BASE, .has_memory_min = 1, .memory_min_mib = 8 }, PROTO_E_INVALID_ARGUMENT,
	  "memory-min must be at least 16M, not 8M" },
	/* firmware */
	{ "unknown firmware", 0, { BASE, .firmware = "efi" }, PROTO_E_INVALID_ARGUMENT,
	  "firmware 'efi' is unknown; use bios or uefi" },
	{ "unknown display", 0, { BASE, .display = "cirrus" }, PROTO_E_INVALID_ARGUMENT,
	  "display 'cirrus' is unknown; use none, std or virtio" },
	{ "uefi without OVMF", W_NO_OVMF, { BASE, .firmware = "uefi", DISKS(NEW(GIB)) }, PROTO_E_INVALID_ARGUMENT,
	  "firmware uefi needs OVMF, which is not installed (package ovmf)" },
	/* cdrom, kernel, initrd */
	{ "a relative cdrom", 0, { BASE, .cdrom = "iso/x.iso" }, PROTO_E_INVALID_ARGUMENT,
	  "cdrom image path 'iso/x.iso' must be absolute" },
	{ "a missing cdrom", 0, { BASE, .cdrom = "/iso/nope.iso" }, PROTO_E_NOT_FOUND,
	  "cdrom image '/iso/nope.iso' does not exist" },
	{ "a directory as cdrom", 0, { BASE, .cdrom = "/img" }, PROTO_E_INVALID_ARGUMENT,
	  "cdrom image '/img' is not a regular file" },
	{ "a cdrom outside the pools", 0, { BASE, .cdrom = "/etc/secret.iso" }, PROTO_E_PERMISSION,
	  "cdrom image '/etc/secret.iso' is not inside a pool or an allowed path (an administrator can allow it: croft host set allow-path PATH)" },
	{ "a missing cdrom outside the pools gets the same answer", 0, { BASE, .cdrom = "/etc/nope.iso" }, PROTO_E_PERMISSION,
	  "cdrom image '/etc/nope.iso' is not inside a pool or an allowed path (an administrator can allow it: croft host set allow-path PATH)" },
	{ "a cdrom in the iso pool", 0, { BASE, .cdrom = "/iso/nope.iso" }, PROTO_E_NOT_FOUND,
	  "cdrom image '/iso/nope.iso' does not exist" },
	{ "a kernel outside the pools", 0, { BASE, .kernel = "/vmlinuz" }, PROTO_E_PERMISSION,
	  "kernel '/vmlinuz' is not inside a pool or an allowed path (an administrator can allow it: croft host set allow-path PATH)" },
	{ "initrd without a kernel", 0, { BASE, .cdrom = "/iso/boot.iso", .initrd = "/boot/initrd" }, PROTO_E_INVALID_ARGUMENT,
	  "initrd needs a kernel (--kernel)" },
	{ "append without a kernel", 0, { BASE, .cdrom = "/iso/boot.iso", .append = "quiet" }, PROTO_E_INVALID_ARGUMENT,
	  "append needs a kernel (--kernel)" },
	{ "a missing kernel", 0, { BASE, .kernel = "/boot/nope" }, PROTO_E_NOT_FOUND,
	  "kernel '/boot/nope' does not exist" },
	{ "a missing initrd", 0, { BASE, .kernel = "/boot/vmlinuz", .initrd = "/boot/nope" }, PROTO_E_NOT_FOUND,
	  "initrd '/boot/nope' does not exist" },
	/* boot order */
	{ "an unknown boot device", 0, { BASE, .boot = "floppy" }, PROTO_E_INVALID_ARGUMENT,
	  "boot device 'floppy' is unknown; use disk and/or cdrom" },
	{ "a boot device twice", 0, { BASE, .boot = "disk,disk", DISKS(NEW(GIB)) }, PROTO_E_INVALID_ARGUMENT,
	  "boot device 'disk' is listed twice" },
	{ "an empty boot order", 0, { BASE, .boot = "" }, PROTO_E_INVALID_ARGUMENT,
	  "boot order '' is not valid; use disk, cdrom, cdrom,disk or disk,cdrom" },
	{ "an overlong boot order", 0, { BASE, .boot = "disk,cdrom,disk,cdrom,disk,cdrom,disk,cdrom,disk,cdrom,disk,cdrom" },
	  PROTO_E_INVALID_ARGUMENT,
	  "boot order 'disk,cdrom,disk,cdrom,disk,cdrom,disk,cdrom,disk,cdrom,disk,cdrom' is not valid; use disk, cdrom, cdrom,disk or disk,cdrom" },
	{ "booting a cdrom there is not", 0, { BASE, .boot = "cdrom", DISKS(NEW(GIB)) }, PROTO_E_INVALID_ARGUMENT,
	  "boot order 'cdrom' names cdrom but the VM has no cdrom image" },
	{ "booting a disk there is not", 0, { BASE }, PROTO_E_INVALID_ARGUMENT,
	  "boot order 'disk' names disk but the VM has no disk (give it a disk, or boot from a cdrom or a kernel)" },
	/* new disks */
	{ "too many disks", 0, { BASE, DISKS(NEW(GIB), NEW(GIB), NEW(GIB), NEW(GIB), NEW(GIB), NEW(GIB),
					     NEW(GIB), NEW(GIB), NEW(GIB), NEW(GIB), NEW(GIB), NEW(GIB),
					     NEW(GIB), NEW(GIB), NEW(GIB), NEW(GIB), NEW(GIB)) },
	  PROTO_E_INVALID_ARGUMENT, "a VM can have at most 16 disks, not 17" },
	{ "a new disk in an unknown format", 0, { BASE, DISKS(NEWF(GIB, "vmdk")) }, PROTO_E_INVALID_ARGUMENT,
	  "disk format 'vmdk' is unknown; a new disk is qcow2 (thin) or raw (preallocated)" },
	{ "a disk too small", 0, { BASE, DISKS(NEW(1000)) }, PROTO_E_INVALID_ARGUMENT,
	  "disk size must be between 1M and 64T, not 1000B" },
	{ "a disk too large", 0, { BASE, DISKS(NEW(100ULL << 40)) }, PROTO_E_INVALID_ARGUMENT,
	  "disk size must be between 1M and 64T, not 100T" },
	{ "an image left in the pool", 0, { .name = "old", .vcpus = 1, .memory_mib = 512, DISKS(NEW(GIB), NEW(GIB)) },
	  PROTO_E_ALREADY_EXISTS,
	  "disk image /pool/old-disk1.qcow2 already exists in the pool (left by a VM deleted with --keep-disks?); attach it with --disk PATH or remove it" },
	/* disks given by path */
	{ "a relative image", 0, { BASE, DISKS(AT("x.qcow2")) }, PROTO_E_INVALID_ARGUMENT,
	  "disk image path 'x.qcow2' must be absolute" },
	{ "a missing image", 0, { BASE, DISKS(NEW(GIB), AT("/img/nope.qcow2")) }, PROTO_E_NOT_FOUND,
	  "disk image '/img/nope.qcow2' does not exist" },
	{ "a directory as image", 0, { BASE, DISKS(AT("/img")) }, PROTO_E_INVALID_ARGUMENT,
	  "disk image '/img' is not a regular file" },
	{ "an image outside the pools", 0, { BASE, DISKS(AT("/home/u/shadow.qcow2")) }, PROTO_E_PERMISSION,
	  "disk image '/home/u/shadow.qcow2' is not inside a pool or an allowed path (an administrator can allow it: croft host set allow-path PATH)" },
	{ "'..' out of an allowed directory", 0, { BASE, DISKS(AT("/img/../home/u/shadow.qcow2")) }, PROTO_E_INVALID_ARGUMENT,
	  "disk image path '/img/../home/u/shadow.qcow2' must be absolute, without '..'" },
	{ "a symlink in an allowed directory", 0, { BASE, DISKS(AT("/img/link.qcow2")) }, PROTO_E_INVALID_ARGUMENT,
	  "disk image '/img/link.qcow2': symbolic links are not followed inside pools and allowed paths" },
	{ "a FIFO", 0, { BASE, DISKS(AT("/img/fifo")) }, PROTO_E_INVALID_ARGUMENT,
	  "disk image '/img/fifo' is not a regular file" },
	{ "a block device in an allowed directory", 0, { BASE, DISKS(AT("/img/loop0")) }, PROTO_E_PERMISSION,
	  "disk image '/img/loop0' is a block device; an administrator must allow it by its own path (croft host set allow-path PATH)" },
	{ "the same image twice, by two spellings", 0, { BASE, DISKS(AT("/img/a.qcow2"), AT("/img/./a.qcow2")) },
	  PROTO_E_INVALID_ARGUMENT, "disk image /img/a.qcow2 is given twice" },
	{ "an image of another VM", 0, { BASE, DISKS(NEW(GIB), AT("/img/used.qcow2")) }, PROTO_E_INVALID_STATE,
	  "disk image /img/used.qcow2 is already attached to VM 'base'" },
	{ "an image of another VM, by a hard link", 0, { BASE, DISKS(AT("/img/used-hardlink.qcow2")) },
	  PROTO_E_INVALID_STATE, "disk image /img/used-hardlink.qcow2 is already attached to VM 'base'" },
	{ "another VM's pool disk", 0, { BASE, DISKS(AT("/pool/base-disk0.qcow2")) },
	  PROTO_E_INVALID_STATE, "disk image /pool/base-disk0.qcow2 is already attached to VM 'base'" },
	{ "an image naming a backing file", 0, { BASE, DISKS(AT("/img/overlay.qcow2")) }, PROTO_E_PERMISSION,
	  "disk image /img/overlay.qcow2 has a backing file (/etc/shadow)" },
	{ "not an image", 0, { BASE, DISKS(NEW(GIB), AT("/img/corrupt.qcow2")) }, PROTO_E_INVALID_ARGUMENT,
	  "qemu-img: Could not open '/img/corrupt.qcow2': Image is not in qcow2 format" },
};

static void test_create_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(create_cases) / sizeof(create_cases[0]); i++) {
		const struct create_case *c = &create_cases[i];
		struct store_vm out;
		const char *code = NULL;
		char err[512] = "", got[1024];
		int rc;

		world = c->world;
		rc = vm_spec_create(&fake_env, &c->req, &out, &code, err, sizeof(err));
		if (!c->code) {
			if (rc != 0)
				fail_msg("%s: refused: %s: %s", c->what, code, err);
			assert_string_equal(out.name, c->req.name);
			summary(&out, got, sizeof(got));
			if (strcmp(got, c->want))
				fail_msg("%s:\n got  %s\n want %s", c->what, got, c->want);
			assert_null(out.uuid);
			assert_null(out.state);
			store_vm_clear(&out);
			continue;
		}
		if (rc >= 0)
			fail_msg("%s: accepted", c->what);
		if (strcmp(code, c->code) || strcmp(err, c->want))
			fail_msg("%s:\n got  %s: %s\n want %s: %s", c->what, code, err, c->code, c->want);
		assert_empty(&out);
	}
	world = 0;
}

static void test_create_disks_max(void **state)
{
	struct vm_spec_disk_req disks[VM_SPEC_DISKS_MAX];
	struct vm_spec_create req = { BASE, .disks = disks, .ndisks = VM_SPEC_DISKS_MAX };
	struct store_vm out;
	const char *code;
	char err[256], want[64];
	size_t i;

	(void)state;
	for (i = 0; i < VM_SPEC_DISKS_MAX; i++)
		disks[i] = (struct vm_spec_disk_req){ .size_bytes = GIB };
	assert_int_equal(vm_spec_create(&fake_env, &req, &out, &code, err, sizeof(err)), 0);
	assert_int_equal(out.ndisks, VM_SPEC_DISKS_MAX);
	for (i = 0; i < out.ndisks; i++) {
		snprintf(want, sizeof(want), "/pool/web-disk%zu.qcow2", i);
		assert_string_equal(out.disks[i].path, want);
		assert_true(out.disks[i].owned);
	}
	store_vm_clear(&out);
}

/* Sockets go to <run>/vm/<name>/serial.sock, which must fit sun_path. */
static void test_create_name_vs_run_dir(void **state)
{
	struct vm_spec_env env = fake_env;
	struct vm_spec_create req = { .vcpus = 1, .memory_mib = 64, .cdrom = "/iso/boot.iso" };
	char run[81], fits[12], too_long[13], want[512];
	struct store_vm out;
	const char *code;
	char err[512];

	(void)state;
	memset(run, 'r', sizeof(run) - 1);
	run[0] = '/';
	run[sizeof(run) - 1] = '\0';
	env.run_dir = run;                 /* 80 + "/vm/" + name + "/serial.sock" */
	memset(fits, 'a', sizeof(fits) - 1);
	fits[sizeof(fits) - 1] = '\0';
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';

	req.name = fits;
	assert_int_equal(vm_spec_create(&env, &req, &out, &code, err, sizeof(err)), 0);
	store_vm_clear(&out);
	req.name = too_long;
	assert_true(vm_spec_create(&env, &req, &out, &code, err, sizeof(err)) < 0);
	assert_string_equal(code, PROTO_E_INVALID_ARGUMENT);
	snprintf(want, sizeof(want), "VM name '%s' is too long for this run directory (%s): its sockets would exceed 107 bytes",
		 too_long, run);
	assert_string_equal(err, want);
	assert_empty(&out);
}

/* --- vm.edit ------------------------------------------------------------------------ */

static struct store_disk web_disks[] = {
	{ .idx = 0, .path = "/pool/web-disk0.qcow2", .format = "qcow2", .size_bytes = GIB, .owned = 1 },
};
static struct store_disk db_disks[] = {
	{ .idx = 0, .path = "/pool/db-disk0.qcow2", .format = "raw", .size_bytes = GIB, .owned = 1 },
};
/* web: floor equal to memory, cdrom first; db: a lower floor, uefi, a
 * kernel; kern: a kernel and no disk. */
static const struct store_vm web = {
	.name = "web", .vcpus = 2, .memory_mib = 1024, .memory_min_mib = 1024,
	.firmware = "bios", .boot = "cdrom,disk", .cdrom = "/iso/boot.iso",
	.disks = web_disks, .ndisks = 1,
};
static const struct store_vm db = {
	.name = "db", .vcpus = 1, .memory_mib = 1024, .memory_min_mib = 256,
	.firmware = "uefi", .boot = "disk", .kernel = "/boot/vmlinuz",
	.initrd = "/boot/initrd", .append = "console=ttyS0",
	.disks = db_disks, .ndisks = 1,
};
static const struct store_vm kern = {
	.name = "kern", .vcpus = 1, .memory_mib = 64, .memory_min_mib = 64,
	.firmware = "bios", .boot = "disk", .kernel = "/boot/vmlinuz",
};

struct edit_case {
	const char *what;
	const struct store_vm *cur;
	const char *live;            /* the state of a running VM, or NULL */
	unsigned world;
	struct vm_spec_edit req;
	const char *code;            /* NULL: accepted */
	const char *want;            /* the message, or the plan's summary */
};

#define WEB_AS_IS "vcpus=2 mem=1024 min=1024 fw=bios boot=cdrom,disk cdrom=/iso/boot.iso kernel=- initrd=- append=- disks=/pool/web-disk0.qcow2:qcow2:1073741824:new"
#define DB_AS_IS  "vcpus=1 mem=1024 min=256 fw=uefi boot=disk cdrom=- kernel=/boot/vmlinuz initrd=/boot/initrd append=console=ttyS0 disks=/pool/db-disk0.qcow2:raw:1073741824:new"
#define WEB_DISKS "disks=/pool/web-disk0.qcow2:qcow2:1073741824:new"

static const struct edit_case edit_cases[] = {
	{ "nothing changes", &web, NULL, 0, { 0 }, NULL, WEB_AS_IS " balloon=0 uefi_vars=0" },
	{ "vcpus", &web, NULL, 0, { .set = VM_SPEC_VCPUS, .vcpus = 4 }, NULL,
	  "vcpus=4 mem=1024 min=1024 fw=bios boot=cdrom,disk cdrom=/iso/boot.iso kernel=- initrd=- append=- " WEB_DISKS " balloon=0 uefi_vars=0" },
	{ "no vcpus", &web, NULL, 0, { .set = VM_SPEC_VCPUS, .vcpus = 0 }, PROTO_E_INVALID_ARGUMENT,
	  "vcpus must be between 1 and 255, not 0" },
	{ "more vcpus than the host", &web, NULL, 0, { .set = VM_SPEC_VCPUS, .vcpus = 5 }, PROTO_E_INVALID_ARGUMENT,
	  "vcpus (5) exceeds the host's 4 CPUs" },
	/* memory and its floor */
	{ "a floor equal to memory follows it", &web, NULL, 0, { .set = VM_SPEC_MEMORY, .memory_mib = 2048 }, NULL,
	  "vcpus=2 mem=2048 min=2048 fw=bios boot=cdrom,disk cdrom=/iso/boot.iso kernel=- initrd=- append=- " WEB_DISKS " balloon=0 uefi_vars=0" },
	{ "a lower floor stays", &db, NULL, 0, { .set = VM_SPEC_MEMORY, .memory_mib = 2048 }, NULL,
	  "vcpus=1 mem=2048 min=256 fw=uefi boot=disk cdrom=- kernel=/boot/vmlinuz initrd=/boot/initrd append=console=ttyS0 disks=/pool/db-disk0.qcow2:raw:1073741824:new balloon=0 uefi_vars=0" },
	{ "a floor given with memory", &web, NULL, 0,
	  { .set = VM_SPEC_MEMORY | VM_SPEC_MEMORY_MIN, .memory_mib = 2048, .memory_min_mib = 512 }, NULL,
	  "vcpus=2 mem=2048 min=512 fw=bios boot=cdrom,disk cdrom=/iso/boot.iso kernel=- initrd=- append=- " WEB_DISKS " balloon=0 uefi_vars=0" },
	{ "no memory", &web, NULL, 0, { .set = VM_SPEC_MEMORY, .memory_mib = 0 }, PROTO_E_INVALID_ARGUMENT,
	  "memory must be a positive number of MiB" },
	{ "a negative floor", &web, NULL, 0, { .set = VM_SPEC_MEMORY_MIN, .memory_min_mib = -1 }, PROTO_E_INVALID_ARGUMENT,
	  "memory-min must not be negative" },
	{ "a floor above memory", &web, NULL, 0, { .set = VM_SPEC_MEMORY_MIN, .memory_min_mib = 2048 }, PROTO_E_INVALID_ARGUMENT,
	  "memory-min (2048M) is above memory (1024M)" },
	{ "a floor left above a smaller memory", &db, NULL, 0, { .set = VM_SPEC_MEMORY, .memory_mib = 128 }, PROTO_E_INVALID_ARGUMENT,
	  "memory-min (256M) is above memory (128M)" },
	{ "more memory than the host", &web, NULL, 0, { .set = VM_SPEC_MEMORY, .memory_mib = 16384 }, PROTO_E_INVALID_ARGUMENT,
	  "memory (16G) exceeds the host's total memory (8G)" },
	/* the cdrom and the boot order */
	{ "ejecting the cdrom drops it from the boot order", &web, NULL, 0, { .set = VM_SPEC_CDROM, .cdrom = NULL }, NULL,
	  "vcpus=2 mem=1024 min=1024 fw=bios boot=disk cdrom=- kernel=- initrd=- append=- " WEB_DISKS " balloon=0 uefi_vars=0" },
	{ "an empty cdrom ejects it too", &web, NULL, 0, { .set = VM_SPEC_CDROM, .cdrom = "" }, NULL,
	  "vcpus=2 mem=1024 min=1024 fw=bios boot=disk cdrom=- kernel=- initrd=- append=- " WEB_DISKS " balloon=0 uefi_vars=0" },
	{ "ejecting with a boot order that still names it", &web, NULL, 0,
	  { .set = VM_SPEC_CDROM | VM_SPEC_BOOT, .cdrom = NULL, .boot = "disk,cdrom" }, PROTO_E_INVALID_ARGUMENT,
	  "boot order 'disk,cdrom' names cdrom but the VM has no cdrom image" },
	{ "another cdrom keeps the boot order", &web, NULL, 0, { .set = VM_SPEC_CDROM, .cdrom = "/iso/other.iso" }, NULL,
	  "vcpus=2 mem=1024 min=1024 fw=bios boot=cdrom,disk cdrom=/iso/other.iso kernel=- initrd=- append=- " WEB_DISKS " balloon=0 uefi_vars=0" },
	{ "a missing cdrom", &web, NULL, 0, { .set = VM_SPEC_CDROM, .cdrom = "/iso/nope.iso" }, PROTO_E_NOT_FOUND,
	  "cdrom image '/iso/nope.iso' does not exist" },
	{ "a relative cdrom", &web, NULL, 0, { .set = VM_SPEC_CDROM, .cdrom = "nope.iso" }, PROTO_E_INVALID_ARGUMENT,
	  "cdrom image path 'nope.iso' must be absolute" },
	{ "boot from the disk first", &web, NULL, 0, { .set = VM_SPEC_BOOT, .boot = "disk" }, NULL,
	  "vcpus=2 mem=1024 min=1024 fw=bios boot=disk cdrom=/iso/boot.iso kernel=- initrd=- append=- " WEB_DISKS " balloon=0 uefi_vars=0" },
	{ "an unknown boot device", &web, NULL, 0, { .set = VM_SPEC_BOOT, .boot = "floppy" }, PROTO_E_INVALID_ARGUMENT,
	  "boot device 'floppy' is unknown; use disk and/or cdrom" },
	/* firmware */
	{ "unknown firmware", &web, NULL, 0, { .set = VM_SPEC_FIRMWARE, .firmware = "efi" }, PROTO_E_INVALID_ARGUMENT,
	  "firmware 'efi' is unknown; use bios or uefi" },
	{ "unknown display", &web, NULL, 0, { .set = VM_SPEC_DISPLAY, .display = "qxl" }, PROTO_E_INVALID_ARGUMENT,
	  "display 'qxl' is unknown; use none, std or virtio" },
	{ "to uefi: a variable store is needed", &web, NULL, 0, { .set = VM_SPEC_FIRMWARE, .firmware = "uefi" }, NULL,
	  "vcpus=2 mem=1024 min=1024 fw=uefi boot=cdrom,disk cdrom=/iso/boot.iso kernel=- initrd=- append=- " WEB_DISKS " balloon=0 uefi_vars=1" },
	{ "uefi again: it has one", &db, NULL, 0, { .set = VM_SPEC_FIRMWARE, .firmware = "uefi" }, NULL,
	  DB_AS_IS " balloon=0 uefi_vars=0" },
	{ "to uefi without OVMF", &web, NULL, W_NO_OVMF, { .set = VM_SPEC_FIRMWARE, .firmware = "uefi" }, PROTO_E_INVALID_ARGUMENT,
	  "firmware uefi needs OVMF, which is not installed (package ovmf)" },
	/* direct kernel boot */
	{ "taking the kernel leaves an initrd without one", &db, NULL, 0, { .set = VM_SPEC_KERNEL, .kernel = NULL },
	  PROTO_E_INVALID_ARGUMENT, "initrd needs a kernel (--kernel)" },
	{ "taking all of it boots the disk", &db, NULL, 0,
	  { .set = VM_SPEC_KERNEL | VM_SPEC_INITRD | VM_SPEC_APPEND }, NULL,
	  "vcpus=1 mem=1024 min=256 fw=uefi boot=disk cdrom=- kernel=- initrd=- append=- disks=/pool/db-disk0.qcow2:raw:1073741824:new balloon=0 uefi_vars=0" },
	{ "taking the kernel of a VM with no disk leaves nothing to boot", &kern, NULL, 0,
	  { .set = VM_SPEC_KERNEL, .kernel = "" }, PROTO_E_INVALID_ARGUMENT,
	  "boot order 'disk' names disk but the VM has no disk (give it a disk, or boot from a cdrom or a kernel)" },
	{ "a missing kernel", &db, NULL, 0, { .set = VM_SPEC_KERNEL, .kernel = "/boot/nope" }, PROTO_E_NOT_FOUND,
	  "kernel '/boot/nope' does not exist" },
	{ "append without a kernel", &web, NULL, 0, { .set = VM_SPEC_APPEND, .append = "quiet" }, PROTO_E_INVALID_ARGUMENT,
	  "append needs a kernel (--kernel)" },
	{ "a kernel added", &web, NULL, 0, { .set = VM_SPEC_KERNEL | VM_SPEC_APPEND, .kernel = "/boot/vmlinuz", .append = "quiet" }, NULL,
	  "vcpus=2 mem=1024 min=1024 fw=bios boot=cdrom,disk cdrom=/iso/boot.iso kernel=/boot/vmlinuz initrd=- append=quiet " WEB_DISKS " balloon=0 uefi_vars=0" },
	/* a running VM: memory only, through the balloon, up to the configured maximum */
	{ "running: vcpus need a stop", &web, "running", 0, { .set = VM_SPEC_VCPUS | VM_SPEC_MEMORY, .vcpus = 1, .memory_mib = 512 },
	  PROTO_E_INVALID_STATE, "VM 'web' is running; stop it to change vcpus (only memory changes live)" },
	{ "paused: the cdrom needs a stop", &web, "paused", 0, { .set = VM_SPEC_CDROM, .cdrom = NULL },
	  PROTO_E_INVALID_STATE, "VM 'web' is paused; stop it to change cdrom (only memory changes live)" },
	{ "running: shrink through the balloon, the maximum and floor stay", &web, "running", 0,
	  { .set = VM_SPEC_MEMORY, .memory_mib = 512 }, NULL, WEB_AS_IS " balloon=512 uefi_vars=0" },
	{ "running: back up to the maximum, live", &web, "running", 0, { .set = VM_SPEC_MEMORY, .memory_mib = 1024 }, NULL,
	  WEB_AS_IS " balloon=1024 uefi_vars=0" },
	{ "running: below the floor (a request, not the policy)", &db, "running", 0,
	  { .set = VM_SPEC_MEMORY, .memory_mib = 128 }, NULL, DB_AS_IS " balloon=128 uefi_vars=0" },
	{ "running: a target out of range", &web, "running", 0, { .set = VM_SPEC_MEMORY, .memory_mib = 8 },
	  PROTO_E_INVALID_ARGUMENT, "memory must be between 16M and 16T, not 8M" },
	{ "running: the floor alone", &db, "running", 0, { .set = VM_SPEC_MEMORY_MIN, .memory_min_mib = 512 }, NULL,
	  "vcpus=1 mem=1024 min=512 fw=uefi boot=disk cdrom=- kernel=/boot/vmlinuz initrd=/boot/initrd append=console=ttyS0 disks=/pool/db-disk0.qcow2:raw:1073741824:new balloon=0 uefi_vars=0" },
	{ "running: no growing", &web, "running", 0, { .set = VM_SPEC_MEMORY, .memory_mib = 2048 }, PROTO_E_INVALID_STATE,
	  "VM 'web' is running with at most 1G; it can grow live up to that, not to 2G (stop it to raise the maximum)" },
	{ "running: the sizes are checked first", &web, "running", 0,
	  { .set = VM_SPEC_MEMORY | VM_SPEC_MEMORY_MIN, .memory_mib = 512, .memory_min_mib = 2048 },
	  PROTO_E_INVALID_ARGUMENT, "memory-min (2048M) is above memory (1024M)" },
};

static void test_edit_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(edit_cases) / sizeof(edit_cases[0]); i++) {
		const struct edit_case *c = &edit_cases[i];
		struct vm_spec_edit_plan plan;
		const char *code = NULL;
		char err[512] = "", got[1024];
		size_t n;
		int rc;

		world = c->world;
		rc = vm_spec_edit(&fake_env, c->cur, c->live, &c->req, &plan, &code, err, sizeof(err));
		if (!c->code) {
			if (rc != 0)
				fail_msg("%s: refused: %s: %s", c->what, code, err);
			summary(&plan.next, got, sizeof(got));
			n = strlen(got);
			snprintf(got + n, sizeof(got) - n, " balloon=%llu uefi_vars=%d",
				 plan.balloon ? (unsigned long long)plan.balloon_mib : 0ULL, plan.uefi_vars);
			if (strcmp(got, c->want))
				fail_msg("%s:\n got  %s\n want %s", c->what, got, c->want);
			assert_string_equal(plan.next.name, c->cur->name);
			vm_spec_edit_plan_clear(&plan);
			continue;
		}
		if (rc >= 0)
			fail_msg("%s: accepted", c->what);
		if (strcmp(code, c->code) || strcmp(err, c->want))
			fail_msg("%s:\n got  %s: %s\n want %s: %s", c->what, code, err, c->code, c->want);
		assert_empty(&plan.next);
		assert_int_equal(plan.balloon, 0);
		assert_int_equal(plan.uefi_vars, 0);
	}
	world = 0;
}

/* The balloon policy's settings: shares in 1..50000 (live too), ksm on
 * or off (stopped only); bad values are named and change nothing. */
static void test_edit_balloon_settings(void **state)
{
	struct vm_spec_edit req = { .set = VM_SPEC_SHARES, .memory_shares = 0 };
	struct vm_spec_edit_plan plan;
	const char *code;
	char err[256];

	(void)state;
	assert_int_equal(vm_spec_edit(&fake_env, &web, NULL, &req, &plan, &code, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "memory-shares must be between 1 and 50000, not 0");
	assert_string_equal(code, PROTO_E_INVALID_ARGUMENT);
	req.memory_shares = 50001;
	assert_int_equal(vm_spec_edit(&fake_env, &web, NULL, &req, &plan, &code, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "memory-shares must be between 1 and 50000, not 50001");
	req.memory_shares = 2000;
	assert_int_equal(vm_spec_edit(&fake_env, &web, "running", &req, &plan, &code, err, sizeof(err)), 0);
	assert_int_equal(plan.next.memory_shares, 2000);
	assert_int_equal(plan.balloon, 0);
	vm_spec_edit_plan_clear(&plan);

	req.set = VM_SPEC_KSM;
	req.ksm = "maybe";
	assert_int_equal(vm_spec_edit(&fake_env, &web, NULL, &req, &plan, &code, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "ksm must be on or off, not 'maybe'");
	req.ksm = "off";
	assert_int_equal(vm_spec_edit(&fake_env, &web, NULL, &req, &plan, &code, err, sizeof(err)), 0);
	assert_int_equal(plan.next.ksm_off, 1);
	vm_spec_edit_plan_clear(&plan);
	assert_true(vm_spec_edit(&fake_env, &web, "running", &req, &plan, &code, err, sizeof(err)) < 0);
	assert_string_equal(err, "VM 'web' is running; stop it to change ksm (only memory changes live)");
}

/* A template changes in nothing (core/vm_clone.h). */
static void test_edit_template(void **state)
{
	struct vm_spec_edit req = { .set = VM_SPEC_VCPUS, .vcpus = 2 };
	struct vm_spec_edit_plan plan;
	struct store_vm tmpl = web;
	const char *code;
	char err[256];

	(void)state;
	tmpl.is_template = 1;
	assert_int_equal(vm_spec_edit(&fake_env, &tmpl, NULL, &req, &plan, &code, err, sizeof(err)),
			 -EPERM);
	assert_string_equal(code, PROTO_E_INVALID_STATE);
	assert_string_equal(err, "VM 'web' is a template and cannot be edited; clone it instead "
			    "(croft vm clone web NEW)");
	assert_null(plan.next.name);
}

/* Every setting but memory and its floor is named when a running VM
 * refuses it: the field table covers each bit once. */
static void test_edit_fields(void **state)
{
	const struct vm_spec_field *f;
	unsigned seen = 0;

	(void)state;
	for (f = vm_spec_edit_fields; f->key; f++) {
		struct vm_spec_edit req = { .set = f->bit, .vcpus = 1, .memory_mib = 512,
					    .memory_min_mib = 512, .boot = "disk", .firmware = "bios",
					    .memory_shares = 1000, .ksm = "on" };
		struct vm_spec_edit_plan plan;
		const char *code;
		char err[256], want[256];
		int rc;

		assert_int_equal(seen & f->bit, 0);
		seen |= f->bit;
		assert_true(f->off + (f->is_int ? sizeof(long long) : sizeof(char *)) <= sizeof(req));
		rc = vm_spec_edit(&fake_env, &web, "running", &req, &plan, &code, err, sizeof(err));
		if (f->bit & (VM_SPEC_MEMORY | VM_SPEC_MEMORY_MIN | VM_SPEC_SHARES | VM_SPEC_CLOUD_INIT |
			      VM_SPEC_TAGS)) {
			assert_int_equal(rc, 0);
			vm_spec_edit_plan_clear(&plan);
			continue;
		}
		assert_true(rc < 0);
		snprintf(want, sizeof(want), "VM 'web' is running; stop it to change %s (only memory changes live)",
			 f->key);
		assert_string_equal(err, want);
	}
	assert_int_equal(seen, VM_SPEC_VCPUS | VM_SPEC_MEMORY | VM_SPEC_MEMORY_MIN | VM_SPEC_CDROM |
			       VM_SPEC_BOOT | VM_SPEC_FIRMWARE | VM_SPEC_KERNEL | VM_SPEC_INITRD |
			       VM_SPEC_APPEND | VM_SPEC_SHARES | VM_SPEC_KSM | VM_SPEC_AGENT |
			       VM_SPEC_DISPLAY | VM_SPEC_CLOUD_INIT | VM_SPEC_TAGS);
}

/* cloud-init settings change live; each change (off included) is a new
 * generation, the same settings again are not. */
static void test_edit_cloud_init(void **state)
{
	struct cloudinit ci = { .hostname = "web1" }, ci2 = { .hostname = "web2" };
	struct vm_spec_edit req = { .set = VM_SPEC_CLOUD_INIT, .cloud_init = &ci };
	struct vm_spec_edit_plan plan, plan2;
	const char *code;
	char err[256];

	(void)state;
	assert_int_equal(vm_spec_edit(&fake_env, &web, "running", &req, &plan, &code, err, sizeof(err)), 0);
	assert_string_equal(plan.next.cloud_init, "{\"hostname\":\"web1\"}");
	assert_int_equal(plan.next.cloud_init_gen, 1);
	assert_int_equal(vm_spec_edit(&fake_env, &plan.next, NULL, &req, &plan2, &code, err, sizeof(err)), 0);
	assert_int_equal(plan2.next.cloud_init_gen, 1);
	vm_spec_edit_plan_clear(&plan2);
	req.cloud_init = &ci2;
	assert_int_equal(vm_spec_edit(&fake_env, &plan.next, NULL, &req, &plan2, &code, err, sizeof(err)), 0);
	assert_string_equal(plan2.next.cloud_init, "{\"hostname\":\"web2\"}");
	assert_int_equal(plan2.next.cloud_init_gen, 2);
	vm_spec_edit_plan_clear(&plan2);
	req.cloud_init = NULL;
	assert_int_equal(vm_spec_edit(&fake_env, &plan.next, NULL, &req, &plan2, &code, err, sizeof(err)), 0);
	assert_null(plan2.next.cloud_init);
	assert_int_equal(plan2.next.cloud_init_gen, 2);
	vm_spec_edit_plan_clear(&plan2);
	vm_spec_edit_plan_clear(&plan);
}

/* --- croftd's seam on real files ---------------------------------------------------- */

struct real {
	char *dir;
	struct croftd *d;
	struct vm_spec_daemon sd;
	struct vm_spec_env env;
};

static int real_setup(void **state)
{
	struct real *t = xcalloc(1, sizeof(*t));
	char err[512];
	char *p;

	t->dir = tl_tmpdir("vmspec");
	assert_non_null(t->dir);
	t->d = tl_croftd_new_or_fail(t->dir);
	assert_int_equal(pools_allow(t->d->pools, t->dir, err, sizeof(err)), 0);
	vm_spec_env_daemon(&t->env, &t->sd, t->d, NULL, 0);
	p = tl_path(t->dir, "ext.qcow2");
	if (tl_image_create(p, "qcow2", 32ULL << 20, err, sizeof(err)) < 0)
		fail_msg("qemu-img create %s: %s", p, err);
	free(p);
	p = tl_path(t->dir, "other.qcow2");
	if (tl_image_create(p, "qcow2", 64ULL << 20, err, sizeof(err)) < 0)
		fail_msg("qemu-img create %s: %s", p, err);
	free(p);
	*state = t;
	return 0;
}

static int real_teardown(void **state)
{
	struct real *t = *state;

	tl_croftd_free(t->d);
	tl_rmtree(t->dir);
	free(t->dir);
	free(t);
	return 0;
}

static int real_create(struct real *t, const char *name, const char *disk, struct store_vm *out,
		       const char **code, char *err, size_t errlen)
{
	struct vm_spec_disk_req dr = { .path = disk };
	struct vm_spec_create req = { .name = name, .vcpus = 1, .memory_mib = 64,
				      .disks = &dr, .ndisks = 1 };
	struct vm_spec_image im = { 0 };
	char real[PATH_MAX];
	int rc;

	/* what croftd does first: the image is read */
	if (pools_path_normalize(disk, real, err, errlen) == 0) {
		im.path = real;
		im.rc = tl_image_info(real, &im.info, im.err, sizeof(im.err));
	}
	vm_spec_env_daemon(&t->env, &t->sd, t->d, &im, im.path ? 1 : 0);
	rc = vm_spec_create(&t->env, &req, out, code, err, errlen);
	vm_spec_env_daemon(&t->env, &t->sd, t->d, NULL, 0);
	return rc;
}

static void test_daemon_seam(void **state)
{
	struct real *t = *state;
	char *ext = tl_path(t->dir, "ext.qcow2"), *other = tl_path(t->dir, "other.qcow2");
	char *hard = tl_path(t->dir, "ext-hard.qcow2"), *sym = tl_path(t->dir, "ext-sym.qcow2");
	char *dotted = xasprintf("%s/./ext.qcow2", t->dir), *stray, want[1024], err[1024];
	const char *const base_disks_real[] = { ext, NULL };
	const char *const old_disks[] = { other, NULL };
	struct store_vm out;
	const char *code;
	struct vm *old;

	assert_int_equal(link(ext, hard), 0);
	assert_int_equal(symlink(ext, sym), 0);
	tl_croftd_vm_add(t->d, "base", base_disks_real);
	old = tl_croftd_vm_add(t->d, "old", old_disks);
	old->deleted = 1;

	/* a symlink is not followed; base's image under two other spellings */
	snprintf(want, sizeof(want), "disk image '%s': symbolic links are not followed inside pools and allowed paths",
		 sym);
	assert_true(real_create(t, "web", sym, &out, &code, err, sizeof(err)) < 0);
	assert_string_equal(code, PROTO_E_INVALID_ARGUMENT);
	assert_string_equal(err, want);
	snprintf(want, sizeof(want), "disk image %s is already attached to VM 'base'", ext);
	assert_true(real_create(t, "web", dotted, &out, &code, err, sizeof(err)) < 0);
	assert_string_equal(code, PROTO_E_INVALID_STATE);
	assert_string_equal(err, want);
	snprintf(want, sizeof(want), "disk image %s is already attached to VM 'base'", hard);
	assert_true(real_create(t, "web", hard, &out, &code, err, sizeof(err)) < 0);
	assert_string_equal(err, want);

	/* a deleted VM holds neither its name nor its images; qemu-img reads them */
	assert_int_equal(real_create(t, "old", other, &out, &code, err, sizeof(err)), 0);
	assert_string_equal(out.disks[0].path, other);
	assert_string_equal(out.disks[0].format, "qcow2");
	assert_int_equal(out.disks[0].size_bytes, 64ULL << 20);
	assert_false(out.disks[0].owned);
	store_vm_clear(&out);
	assert_true(real_create(t, "base", other, &out, &code, err, sizeof(err)) < 0);
	assert_string_equal(code, PROTO_E_ALREADY_EXISTS);

	/* a stray image in the pool; the host's CPUs; no OVMF */
	stray = xasprintf("%s/web-disk0.qcow2", t->d->pool_dir);
	tl_write_file_or_fail(stray, "x");
	{
		struct vm_spec_disk_req dr = { .size_bytes = 1ULL << 30 };
		struct vm_spec_create req = { .name = "web", .vcpus = 1, .memory_mib = 64,
					      .disks = &dr, .ndisks = 1 };

		assert_true(vm_spec_create(&t->env, &req, &out, &code, err, sizeof(err)) < 0);
		assert_string_equal(code, PROTO_E_ALREADY_EXISTS);
		assert_non_null(strstr(err, stray));
		req.name = "web2";
		req.vcpus = (long long)host_cpus() + 1;
		assert_true(vm_spec_create(&t->env, &req, &out, &code, err, sizeof(err)) < 0);
		assert_non_null(strstr(err, "exceeds the host's"));
		req.vcpus = 1;
		req.firmware = "uefi";
		assert_true(vm_spec_create(&t->env, &req, &out, &code, err, sizeof(err)) < 0);
		assert_string_equal(err, "firmware uefi needs OVMF, which is not installed (package ovmf)");
	}
	free(ext);
	free(other);
	free(hard);
	free(sym);
	free(dotted);
	free(stray);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_table),
		cmocka_unit_test(test_create_disks_max),
		cmocka_unit_test(test_create_name_vs_run_dir),
		cmocka_unit_test(test_edit_table),
		cmocka_unit_test(test_edit_fields),
		cmocka_unit_test(test_edit_balloon_settings),
		cmocka_unit_test(test_edit_template),
		cmocka_unit_test(test_edit_cloud_init),
		cmocka_unit_test_setup_teardown(test_daemon_seam, real_setup, real_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
