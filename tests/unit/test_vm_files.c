/*
 * vm_files tests on real files in a temporary directory laid out as a
 * pool ("pool/"), an allowed directory ("allowed/"), an allowed file and
 * the outside: vm_file_open's rules (inside a pool, outside, "..", a
 * symlink in the middle and at the end, a FIFO, a block device through an
 * allowed directory and by its own allowed path, an allowed file against
 * its neighbours, a disallowed path), one message for a path outside the
 * pools whether it exists or not, the qcow2/raw header probe on crafted
 * headers and real qemu-img images, sealed memfd copies, and the
 * descriptor list a start hands to QEMU.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/job_exec.h"
#include "core/pools.h"
#include "core/qemu_cmdline.h"
#include "core/vm_files.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
	char *dir;
	struct pools *p;
};

static char *P(struct fx *f, const char *rel)
{
	return tl_path(f->dir, rel);
}

static void mkdir_in(struct fx *f, const char *rel)
{
	char *p = P(f, rel);

	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static void file_in(struct fx *f, const char *rel, const char *text)
{
	char *p = P(f, rel);

	tl_write_file_or_fail(p, "%s", text);
	free(p);
}

static void link_in(struct fx *f, const char *target, const char *rel)
{
	char *p = P(f, rel);

	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char err[256], *p;

	f->dir = tl_tmpdir("vmfiles");
	f->p = pools_new();
	mkdir_in(f, "pool");
	mkdir_in(f, "pool/sub");
	mkdir_in(f, "allowed");
	mkdir_in(f, "outside");
	file_in(f, "pool/a.raw", "pool data");
	file_in(f, "pool/sub/b.raw", "sub data");
	file_in(f, "allowed/c.raw", "allowed data");
	file_in(f, "outside/secret", "root only");
	file_in(f, "lone.iso", "an allowed file");
	file_in(f, "lone.iso.bak", "its neighbour");
	link_in(f, "../outside/secret", "pool/evil");
	link_in(f, "../outside", "pool/dirlink");
	link_in(f, "sub", "pool/sublink");
	p = P(f, "pool");
	pools_add(f->p, "default", p, POOLS_DISK);
	free(p);
	p = P(f, "allowed");
	assert_int_equal(pools_allow(f->p, p, err, sizeof(err)), 0);
	free(p);
	p = P(f, "lone.iso");
	assert_int_equal(pools_allow(f->p, p, err, sizeof(err)), 0);
	free(p);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	pools_free(f->p);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* vm_file_open on dir/rel: its rc, and with 0 the content read back. */
static int try_open(struct fx *f, const char *rel, unsigned flags, struct vm_file *vf)
{
	char *p = rel[0] == '/' ? xstrdup(rel) : P(f, rel);
	int rc = vm_file_open(f->p, p, flags, vf);

	free(p);
	if (rc == 0)
		assert_true(vf->fd >= 0);
	else
		assert_int_equal(vf->fd, -1);
	return rc;
}

static void expect_rc(struct fx *f, const char *rel, int want)
{
	struct vm_file vf;
	int rc = try_open(f, rel, 0, &vf);

	if (rc != want)
		fail_msg("%s: rc %d (%s), want %d", rel, rc, strerror(-rc), want);
	vm_file_close(&vf);
}

static void expect_content(struct fx *f, const char *rel, const char *want, int in_pool)
{
	struct vm_file vf;
	char buf[64] = "";
	ssize_t n;
	int rc = try_open(f, rel, VM_FILE_WRITE, &vf);

	if (rc)
		fail_msg("%s: rc %d (%s)", rel, rc, strerror(-rc));
	n = pread(vf.fd, buf, sizeof(buf) - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
	assert_int_equal(vf.in_pool, in_pool);
	assert_int_equal(fcntl(vf.fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
	assert_true(fcntl(vf.fd, F_GETFD) & FD_CLOEXEC);
	vm_file_close(&vf);
}

static void test_paths(void **state)
{
	struct fx *f = *state;
	char *p;

	/* inside: a pool, its subdirectories, an allowed directory and file */
	expect_content(f, "pool/a.raw", "pool data", 1);
	expect_content(f, "pool/sub/b.raw", "sub data", 1);
	expect_content(f, "pool//sub/./b.raw", "sub data", 1);
	expect_content(f, "allowed/c.raw", "allowed data", 0);
	expect_content(f, "lone.iso", "an allowed file", 0);
	/* outside every root, existing or not: the same answer */
	expect_rc(f, "outside/secret", -EPERM);
	expect_rc(f, "outside/nope", -EPERM);
	expect_rc(f, "lone.iso.bak", -EPERM);
	expect_rc(f, "/etc/shadow", -EPERM);
	expect_rc(f, "/etc/nope", -EPERM);
	/* an allowed file is not a directory to look beneath */
	expect_rc(f, "lone.iso/x", -ENOENT);
	/* "..", relative */
	expect_rc(f, "pool/../outside/secret", -EINVAL);
	expect_rc(f, "pool/sub/../a.raw", -EINVAL);
	/* symlinks: at the end, in the middle, even one that stays inside */
	expect_rc(f, "pool/evil", -ELOOP);
	expect_rc(f, "pool/dirlink/secret", -ELOOP);
	expect_rc(f, "pool/sublink/b.raw", -ELOOP);
	/* missing inside a pool: said so */
	expect_rc(f, "pool/nope.raw", -ENOENT);
	expect_rc(f, "pool/nodir/nope.raw", -ENOENT);
	expect_rc(f, "pool/a.raw/x", -ENOENT);
	/* the pool itself is a directory */
	expect_rc(f, "pool", -ENODEV);
	expect_rc(f, "allowed", -ENODEV);
	/* disallowed: outside again */
	p = P(f, "allowed");
	{
		char err[256];

		assert_int_equal(pools_disallow(f->p, p, err, sizeof(err)), 0);
	}
	free(p);
	expect_rc(f, "allowed/c.raw", -EPERM);
}

/* Relative paths are refused before anything is looked up. */
static void test_relative(void **state)
{
	struct fx *f = *state;
	struct vm_file vf;

	assert_int_equal(vm_file_open(f->p, "", 0, &vf), -EINVAL);
	assert_int_equal(vm_file_open(f->p, "allowed/c.raw", 0, &vf), -EINVAL);
	assert_int_equal(vf.fd, -1);
}

/* The allowed path itself: a symlink is followed only where root (or
 * croftd's user) alone can have put it, as for /dev/disk/by-id/... */
static void test_allowed_through_links(void **state)
{
	struct fx *f = *state;
	char *tdir = P(f, "trusted"), *odir = P(f, "open"), *link, *err_path, err[256];
	struct vm_file vf;
	int rc;

	assert_int_equal(mkdir(tdir, 0755), 0);
	assert_int_equal(mkdir(odir, 0755), 0);
	link_in(f, "../allowed", "trusted/images");       /* a link root made */
	link_in(f, "../lone.iso", "trusted/by-id-disk");
	link_in(f, "../allowed", "open/images");
	link_in(f, "../lone.iso", "open/by-id-disk");
	assert_int_equal(chmod(odir, 0777), 0);           /* anyone could have made these */
	link = P(f, "trusted/images");
	assert_int_equal(pools_allow(f->p, link, err, sizeof(err)), 0);
	free(link);
	link = P(f, "trusted/by-id-disk");
	assert_int_equal(pools_allow(f->p, link, err, sizeof(err)), 0);
	free(link);
	link = P(f, "open/images");
	assert_int_equal(pools_allow(f->p, link, err, sizeof(err)), 0);
	free(link);
	link = P(f, "open/by-id-disk");
	assert_int_equal(pools_allow(f->p, link, err, sizeof(err)), 0);
	free(link);

	expect_content(f, "trusted/images/c.raw", "allowed data", 0);
	expect_content(f, "trusted/by-id-disk", "an allowed file", 0);
	expect_rc(f, "open/images/c.raw", -ELOOP);
	expect_rc(f, "open/by-id-disk", -ELOOP);
	/* a directory along an allowed path that another user owns: a link
	 * swapped in there is not followed either */
	err_path = P(f, "open/images");
	assert_int_equal(unlink(err_path), 0);
	assert_int_equal(chmod(odir, 0755), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(odir, 65534, 65534), 0);
		assert_int_equal(symlink("../outside", err_path), 0);
		rc = try_open(f, "open/images/secret", 0, &vf);
		assert_int_equal(rc, -ELOOP);
	}
	free(err_path);
	free(tdir);
	free(odir);
}

static void test_fifo(void **state)
{
	struct fx *f = *state;
	char *fifo = P(f, "pool/fifo.qcow2");
	struct vm_file vf;

	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* no reader or writer: an open for I/O would block; this does not */
	assert_int_equal(vm_file_open(f->p, fifo, VM_FILE_WRITE, &vf), -ENODEV);
	assert_int_equal(vm_file_open(f->p, fifo, 0, &vf), -ENODEV);
	free(fifo);
}

/* A block device the test may open (root): the first in /dev. */
static int find_blockdev(char *out, size_t len)
{
	DIR *dir = opendir("/dev");
	struct dirent *e;
	struct stat st;
	int found = 0, fd;

	if (!dir)
		return 0;
	while (!found && (e = readdir(dir))) {
		snprintf(out, len, "/dev/%s", e->d_name);
		if (lstat(out, &st) == 0 && S_ISBLK(st.st_mode) &&
		    (fd = open(out, O_RDONLY | O_CLOEXEC)) >= 0) {
			close(fd);
			found = 1;
		}
	}
	closedir(dir);
	return found;
}

static void test_block_device(void **state)
{
	struct fx *f = *state;
	char dev[PATH_MAX], err[256];
	struct vm_file_image img;
	struct vm_file vf;

	if (!find_blockdev(dev, sizeof(dev)))
		skip();
	assert_int_equal(vm_file_open(f->p, dev, 0, &vf), -EPERM);
	/* /dev allowed as a directory: a block device in it is not enough */
	assert_int_equal(pools_allow(f->p, "/dev", err, sizeof(err)), 0);
	assert_int_equal(vm_file_open(f->p, dev, 0, &vf), -ENOTBLK);
	/* by its own path it is */
	assert_int_equal(pools_allow(f->p, dev, err, sizeof(err)), 0);
	assert_int_equal(vm_file_open(f->p, dev, 0, &vf), 0);
	assert_true(S_ISBLK(vf.st.st_mode));
	assert_int_equal(vf.whole, 1);
	{
		int rc = vm_file_image_probe(&vf, dev, &img, err, sizeof(err));

		assert_true(rc == 0 || rc == -EINVAL || rc == -EPERM);
	}
	vm_file_close(&vf);
	/* a char device in an allowed directory is not a file */
	assert_int_equal(vm_file_open(f->p, "/dev/null", 0, &vf), -ENODEV);
}

static void test_errors(void **state)
{
	char err[512];

	(void)state;
	assert_string_equal(vm_file_error(-EPERM, "disk image", "/etc/shadow", err, sizeof(err)),
			    PROTO_E_PERMISSION);
	assert_string_equal(err, "disk image '/etc/shadow' is not inside a pool or an allowed path "
			    "(an administrator can allow it: croft host set allow-path PATH)");
	assert_string_equal(vm_file_error(-ENOENT, "kernel", "/p/k", err, sizeof(err)),
			    PROTO_E_NOT_FOUND);
	assert_string_equal(err, "kernel '/p/k' does not exist");
	assert_string_equal(vm_file_error(-ELOOP, "cdrom image", "/p/x", err, sizeof(err)),
			    PROTO_E_INVALID_ARGUMENT);
	assert_non_null(strstr(err, "symbolic links are not followed"));
	assert_string_equal(vm_file_error(-ENOTBLK, "disk image", "/a/loop0", err, sizeof(err)),
			    PROTO_E_PERMISSION);
	assert_string_equal(vm_file_error(-ENODEV, "disk image", "/p/f", err, sizeof(err)),
			    PROTO_E_INVALID_ARGUMENT);
	assert_string_equal(err, "disk image '/p/f' is not a regular file");
	assert_string_equal(vm_file_error(-EIO, "disk image", "/p/f", err, sizeof(err)), PROTO_E_IO);
	assert_string_equal(err, "disk image '/p/f': Input/output error");
}

/* --- headers ------------------------------------------------------------------------ */

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* A qcow2 v3 header of 104 bytes for a size-byte disk. */
static void qcow2_header(unsigned char *b, size_t n, uint64_t size)
{
	memset(b, 0, n);
	memcpy(b, "QFI\xfb", 4);
	put32(b + 4, 3);
	put32(b + 20, 16);
	put64(b + 24, size);
	put32(b + 96, 4);
	put32(b + 100, 104);
}

static void expect_parse(const unsigned char *b, size_t n, uint64_t size, int rc,
			 const char *fmt_or_err, uint64_t vsize)
{
	struct vm_file_image img;
	char err[512] = "";
	int got = vm_file_image_parse(b, n, size, &img, err, sizeof(err));

	if (got != rc)
		fail_msg("rc %d, want %d (%s)", got, rc, err);
	if (rc == 0) {
		assert_string_equal(img.format, fmt_or_err);
		assert_int_equal(img.virtual_size, vsize);
	} else if (!strstr(err, fmt_or_err)) {
		fail_msg("'%s' not in '%s'", fmt_or_err, err);
	}
}

static void test_header_parse(void **state)
{
	unsigned char b[4096];

	(void)state;
	qcow2_header(b, sizeof(b), 1ULL << 30);
	expect_parse(b, sizeof(b), 196616, 0, "qcow2", 1ULL << 30);
	/* v2: no feature fields */
	put32(b + 4, 2);
	expect_parse(b, sizeof(b), 196616, 0, "qcow2", 1ULL << 30);
	put32(b + 4, 3);
	/* a backing file, named in the header (judged by the chain, not here) */
	put64(b + 8, 512);
	put32(b + 16, 11);
	memcpy(b + 512, "/etc/shadow", 11);
	{
		struct vm_file_image img;
		char err[256];

		assert_int_equal(vm_file_image_parse(b, sizeof(b), 196616, &img, err, sizeof(err)), 0);
		assert_string_equal(img.backing, "/etc/shadow");
		assert_string_equal(img.backing_format, "");
		/* with its format in an extension */
		put32(b + 104, 0xe2792aca);
		put32(b + 108, 3);
		memcpy(b + 112, "raw", 3);
		assert_int_equal(vm_file_image_parse(b, sizeof(b), 196616, &img, err, sizeof(err)), 0);
		assert_string_equal(img.backing_format, "raw");
		memcpy(b + 112, "vmd", 3);
		expect_parse(b, sizeof(b), 196616, -EINVAL, "names a backing file in format 'vmd'", 0);
		memset(b + 104, 0, 16);
	}
	/* a name beyond what was read, or with a NUL in it */
	expect_parse(b, 520, 196616, -EINVAL, "names a backing file croft cannot use", 0);
	b[515] = '\0';
	expect_parse(b, sizeof(b), 196616, -EINVAL, "names a backing file croft cannot use", 0);
	put64(b + 8, 0);
	/* an external data file: by its extension, and by the feature bit */
	put32(b + 104, 0x44415441);
	put32(b + 108, 11);
	memcpy(b + 112, "/etc/passwd", 11);
	expect_parse(b, sizeof(b), 196616, -EPERM, "has an external data file (/etc/passwd)", 0);
	memset(b + 104, 0, 32);
	put64(b + 72, 1ULL << 2);
	expect_parse(b, sizeof(b), 196616, -EPERM, "has an external data file", 0);
	put64(b + 72, 0);
	/* another extension (backing format) is skipped */
	put32(b + 104, 0xe2792aca);
	put32(b + 108, 5);
	memcpy(b + 112, "qcow2", 5);
	expect_parse(b, sizeof(b), 196616, 0, "qcow2", 1ULL << 30);
	/* damaged */
	expect_parse(b, 50, 50, -EINVAL, "truncated", 0);
	put32(b + 4, 99);
	expect_parse(b, sizeof(b), 4096, -EINVAL, "version 99 is not supported", 0);
	put32(b + 4, 3);
	put32(b + 100, 1 << 20);
	expect_parse(b, sizeof(b), 4096, -EINVAL, "header length", 0);
	/* other formats */
	memset(b, 0, sizeof(b));
	memcpy(b, "KDMV", 4);
	expect_parse(b, sizeof(b), 4096, -EINVAL, "is a vmdk image", 0);
	memcpy(b, "# Disk DescriptorFile\nRW 8 FLAT \"/tmp/fifo\" 0\n", 46);
	expect_parse(b, sizeof(b), 4096, -EINVAL, "is a vmdk image", 0);
	memset(b, 0, sizeof(b));
	put32(b + 0x40, 0x7f10dabe);
	expect_parse(b, sizeof(b), 4096, -EINVAL, "is a vdi image", 0);
	memset(b, 0, sizeof(b));
	memcpy(b, "vhdxfile", 8);
	expect_parse(b, sizeof(b), 4096, -EINVAL, "is a vhdx image", 0);
	memcpy(b, "LUKS\xba\xbe", 6);
	expect_parse(b, sizeof(b), 4096, -EINVAL, "is a luks image", 0);
	/* anything else is raw, its size the file's */
	memcpy(b, "hello, world", 12);
	expect_parse(b, sizeof(b), 12345, 0, "raw", 12345);
	expect_parse(b, 0, 0, 0, "raw", 0);
}

static void test_probe_real_images(void **state)
{
	struct fx *f = *state;
	char *q = P(f, "pool/real.qcow2"), *r = P(f, "pool/real.raw"), *o = P(f, "pool/over.qcow2");
	char *base = P(f, "outside/base.qcow2"), *cmd, err[512];
	struct vm_file_image img;
	struct vm_file vf;

	if (access("/usr/bin/qemu-img", X_OK) < 0)
		skip();
	assert_int_equal(tl_image_create(q, "qcow2", 64 << 20, err, sizeof(err)), 0);
	assert_int_equal(tl_image_create(r, "raw", 2 << 20, err, sizeof(err)), 0);
	assert_int_equal(vm_file_open(f->p, q, 0, &vf), 0);
	assert_int_equal(vm_file_image_probe(&vf, q, &img, err, sizeof(err)), 0);
	assert_string_equal(img.format, "qcow2");
	assert_int_equal(img.virtual_size, 64 << 20);
	vm_file_close(&vf);
	assert_int_equal(vm_file_open(f->p, r, 0, &vf), 0);
	assert_int_equal(vm_file_image_probe(&vf, r, &img, err, sizeof(err)), 0);
	assert_string_equal(img.format, "raw");
	assert_int_equal(img.virtual_size, 2 << 20);
	vm_file_close(&vf);
	/* a real overlay on an image outside the pool */
	assert_int_equal(tl_image_create(base, "qcow2", 1 << 20, err, sizeof(err)), 0);
	cmd = xasprintf("qemu-img create -q -f qcow2 -F qcow2 -b '%s' '%s' >/dev/null 2>&1", base, o);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(vm_file_open(f->p, o, 0, &vf), 0);
	assert_int_equal(vm_file_image_probe(&vf, o, &img, err, sizeof(err)), 0);
	assert_string_equal(img.backing, base);
	assert_string_equal(img.backing_format, "qcow2");
	vm_file_close(&vf);
	{
		struct vm_file_chain c;
		const char *code;

		assert_int_equal(vm_file_chain_open(f->p, o, NULL, 0, &c, &code, err, sizeof(err)),
				 -EPERM);
		assert_string_equal(code, PROTO_E_PERMISSION);
		assert_non_null(strstr(err, "outside its pool"));
		assert_non_null(strstr(err, base));
	}
	free(q);
	free(r);
	free(o);
	free(base);
}

/* --- memfd copies and the start's descriptors ----------------------------------------- */

static void test_sealed_copy(void **state)
{
	struct fx *f = *state;
	struct vm_file vf;
	char *p = P(f, "allowed/c.raw"), buf[64] = "", self[64], err[256];
	int mfd, fd;

	assert_int_equal(vm_file_open(f->p, p, 0, &vf), 0);
	mfd = vm_file_sealed_copy(vf.fd, "kernel", 1 << 20, err, sizeof(err));
	assert_true(mfd >= 0);
	assert_int_equal(pread(mfd, buf, sizeof(buf) - 1, 0), 12);
	assert_string_equal(buf, "allowed data");
	/* sealed: no writes, no growing, no shrinking, no more seals */
	assert_int_equal(pwrite(mfd, "x", 1, 0), -1);
	assert_int_equal(ftruncate(mfd, 0), -1);
	assert_int_equal(fcntl(mfd, F_GET_SEALS), F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
			 F_SEAL_SEAL);
	/* what QEMU does with -kernel /proc/self/fd/N: a plain open */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", mfd);
	fd = open(self, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	fd = open(self, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		assert_int_equal(write(fd, "x", 1), -1);
		close(fd);
	}
	/* the same file again: the same copy, not another */
	fd = vm_file_sealed_copy(vf.fd, "kernel", 1 << 20, err, sizeof(err));
	assert_true(fd >= 0 && fd != mfd);
	{
		struct stat a, b;

		assert_int_equal(fstat(mfd, &a), 0);
		assert_int_equal(fstat(fd, &b), 0);
		assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
		close(fd);
		/* written since: copied afresh, with the new content */
		tl_write_file_or_fail(p, "changed data!");
		vm_file_close(&vf);
		assert_int_equal(vm_file_open(f->p, p, 0, &vf), 0);
		fd = vm_file_sealed_copy(vf.fd, "kernel", 1 << 20, err, sizeof(err));
		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, &b), 0);
		assert_true(a.st_ino != b.st_ino);
		memset(buf, 0, sizeof(buf));
		assert_int_equal(pread(fd, buf, sizeof(buf) - 1, 0), 13);
		assert_string_equal(buf, "changed data!");
		close(fd);
	}
	close(mfd);
	/* too large */
	assert_int_equal(vm_file_sealed_copy(vf.fd, "initrd", 4, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "initrd is larger than"));
	vm_file_close(&vf);
	free(p);
}

static void test_prepare(void **state)
{
	struct fx *f = *state;
	struct store_disk disks[2] = {
		{ .idx = 0, .format = "raw" }, { .idx = 1, .format = "raw" },
	};
	struct store_vm vm = { .name = "web", .disks = disks, .ndisks = 2 };
	struct vm_files_set s;
	const char *code = NULL;
	char err[512];
	size_t i;

	disks[0].path = P(f, "pool/a.raw");
	disks[1].path = P(f, "allowed/c.raw");
	vm.cdrom = P(f, "lone.iso");
	vm.kernel = P(f, "pool/sub/b.raw");
	assert_int_equal(vm_files_prepare(f->p, &vm, NULL, NULL, 2, &s, &code, err, sizeof(err)), 0);
	/* disk0 rw+ro (set 1), disk1 rw+ro (set 3), cdrom (set 5), kernel memfd */
	assert_int_equal(s.nfds, 6);
	assert_int_equal(s.nadd, 5);
	assert_string_equal(s.disks[0].path, "/dev/fdset/1");
	assert_string_equal(s.disks[0].format, "raw");
	assert_null(s.disks[0].backing);
	assert_string_equal(s.disks[1].path, "/dev/fdset/3");
	assert_string_equal(s.cdrom, "/dev/fdset/5");
	assert_int_equal(s.add[0].fd, JOB_EXEC_PASS_FD(2));
	assert_int_equal(s.add[0].set, 1);
	assert_string_equal(s.add[0].opaque, "disk0");
	assert_int_equal(s.add[1].set, 1);
	assert_string_equal(s.add[1].opaque, "disk0-ro");
	assert_int_equal(fcntl(s.fds[0], F_GETFL) & O_ACCMODE, O_RDWR);
	assert_int_equal(fcntl(s.fds[1], F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_string_equal(s.add[4].opaque, "cdrom0");
	assert_int_equal(fcntl(s.fds[4], F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_string_equal(s.kernel, "/proc/self/fd/10");     /* 3 + base 2 + index 5 */
	assert_null(s.initrd);
	assert_null(s.ovmf_code);
	for (i = 0; i < s.nfds; i++)
		assert_true(fcntl(s.fds[i], F_GETFD) & FD_CLOEXEC);
	vm_files_set_clear(&s);

	/* a disk swapped for a symlink after create: refused at start */
	free(disks[1].path);
	disks[1].path = P(f, "pool/evil");
	assert_int_equal(vm_files_prepare(f->p, &vm, NULL, NULL, 0, &s, &code, err, sizeof(err)),
			 -ELOOP);
	assert_string_equal(code, PROTO_E_INVALID_ARGUMENT);
	assert_non_null(strstr(err, "symbolic links are not followed"));
	assert_int_equal(s.nfds, 0);
	assert_null(s.fds);
	/* a kernel outside the pools */
	free(disks[1].path);
	disks[1].path = P(f, "allowed/c.raw");
	free(vm.kernel);
	vm.kernel = P(f, "outside/secret");
	assert_int_equal(vm_files_prepare(f->p, &vm, NULL, NULL, 0, &s, &code, err, sizeof(err)),
			 -EPERM);
	assert_string_equal(code, PROTO_E_PERMISSION);
	assert_non_null(strstr(err, "kernel '"));
	free(disks[0].path);
	free(disks[1].path);
	free(vm.cdrom);
	free(vm.kernel);
}

/* A qcow2 in the pool whose header later names a backing file: the start
 * refuses it, whatever the store says. */
static void test_prepare_rechecks_qcow2(void **state)
{
	struct fx *f = *state;
	struct store_disk disk = { .idx = 0, .format = "qcow2" };
	struct store_vm vm = { .name = "web", .disks = &disk, .ndisks = 1 };
	unsigned char b[512];
	struct vm_files_set s;
	const char *code;
	char err[512];
	FILE *fp;

	disk.path = P(f, "pool/q.qcow2");
	qcow2_header(b, sizeof(b), 1 << 20);
	fp = fopen(disk.path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(b, 1, sizeof(b), fp), sizeof(b));
	fclose(fp);
	assert_int_equal(vm_files_prepare(f->p, &vm, NULL, NULL, 0, &s, &code, err, sizeof(err)), 0);
	vm_files_set_clear(&s);
	put64(b + 8, 256);
	put32(b + 16, 4);
	memcpy(b + 256, "/etc", 4);
	fp = fopen(disk.path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(b, 1, sizeof(b), fp), sizeof(b));
	fclose(fp);
	assert_int_equal(vm_files_prepare(f->p, &vm, NULL, NULL, 0, &s, &code, err, sizeof(err)),
			 -EPERM);
	assert_string_equal(code, PROTO_E_PERMISSION);
	assert_non_null(strstr(err, "has a backing file (/etc) outside its pool"));
	/* raw in the pool: now a vmdk descriptor, but the format is pinned */
	free(disk.path);
	disk.path = P(f, "pool/a.raw");
	disk.format = "raw";
	assert_int_equal(vm_files_prepare(f->p, &vm, NULL, NULL, 0, &s, &code, err, sizeof(err)), 0);
	vm_files_set_clear(&s);
	free(disk.path);
}

/* A qcow2 chain inside a pool: each layer opened, read-only below the top;
 * names relative to the image naming them; outside the pool, through a
 * symlink, in a loop, too long, or for an image outside the pools: refused. */
static void test_chain(void **state)
{
	struct fx *f = *state;
	char *base = P(f, "pool/sub/base.raw"), *mid = P(f, "pool/mid.qcow2");
	char *top = P(f, "pool/top.qcow2"), *cmd, err[512];
	struct store_disk disk = { .idx = 0, .format = "qcow2" };
	struct store_vm vm = { .name = "web", .disks = &disk, .ndisks = 1 };
	struct vm_file_chain c;
	struct vm_files_set s;
	const char *code;
	size_t i;

	if (access("/usr/bin/qemu-img", X_OK) < 0)
		skip();
	assert_int_equal(tl_image_create(base, "raw", 1 << 20, err, sizeof(err)), 0);
	/* mid names its backing file relative to its own directory */
	cmd = xasprintf("cd '%s/pool' && qemu-img create -q -f qcow2 -F raw -b sub/base.raw mid.qcow2 >/dev/null && "
			"qemu-img create -q -f qcow2 -F qcow2 -b '%s' top.qcow2 >/dev/null", f->dir, mid);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(vm_file_chain_open(f->p, top, NULL, VM_FILE_WRITE, &c, &code, err, sizeof(err)), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.layers[0].path, top);
	assert_string_equal(c.layers[1].path, mid);
	assert_string_equal(c.layers[1].format, "qcow2");
	assert_string_equal(c.layers[2].path, base);
	assert_string_equal(c.layers[2].format, "raw");
	assert_int_equal(c.virtual_size, 1 << 20);
	assert_int_equal(fcntl(c.layers[0].f.fd, F_GETFL) & O_ACCMODE, O_RDWR);
	assert_int_equal(fcntl(c.layers[1].f.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	vm_file_chain_close(&c);

	/* at start: three fd sets, the chain in the blockdev description */
	disk.path = top;
	assert_int_equal(vm_files_prepare(f->p, &vm, NULL, NULL, 0, &s, &code, err, sizeof(err)), 0);
	assert_string_equal(s.disks[0].path, "/dev/fdset/1");
	assert_non_null(s.disks[0].backing);
	assert_int_equal(s.disks[0].backing->readonly, 1);
	assert_string_equal(s.disks[0].backing->format, "qcow2");
	assert_string_equal(s.disks[0].backing->backing->format, "raw");
	assert_null(s.disks[0].backing->backing->backing);
	for (i = 0; i < s.nadd; i++)
		if (!strcmp(s.add[i].opaque, "disk0-b2"))
			break;
	assert_true(i < s.nadd);
	vm_files_set_clear(&s);

	/* a raw image as stored is not read at all */
	assert_int_equal(vm_file_chain_open(f->p, top, "raw", 0, &c, &code, err, sizeof(err)), 0);
	assert_int_equal(c.n, 1);
	vm_file_chain_close(&c);

	/* the same chain reached from an allowed directory: refused */
	cmd = xasprintf("cp '%s' '%s/allowed/top.qcow2'", top, f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	cmd = P(f, "allowed/top.qcow2");
	assert_int_equal(vm_file_chain_open(f->p, cmd, NULL, 0, &c, &code, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "images with backing files must lie in a pool"));
	free(cmd);

	/* a backing file reached through a symlink in the pool */
	link_in(f, "mid.qcow2", "pool/midlink.qcow2");
	cmd = xasprintf("cd '%s/pool' && qemu-img rebase -q -u -F qcow2 -b midlink.qcow2 top.qcow2", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(vm_file_chain_open(f->p, top, NULL, 0, &c, &code, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "symbolic links are not followed"));
	/* "..", a missing one, a loop */
	cmd = xasprintf("cd '%s/pool' && qemu-img rebase -q -u -F qcow2 -b sub/../mid.qcow2 top.qcow2", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(vm_file_chain_open(f->p, top, NULL, 0, &c, &code, err, sizeof(err)), -EPERM);
	cmd = xasprintf("cd '%s/pool' && qemu-img rebase -q -u -F qcow2 -b gone.qcow2 top.qcow2", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(vm_file_chain_open(f->p, top, NULL, 0, &c, &code, err, sizeof(err)), -ENOENT);
	assert_string_equal(code, PROTO_E_NOT_FOUND);
	cmd = xasprintf("cd '%s/pool' && qemu-img rebase -q -u -F qcow2 -b top.qcow2 mid.qcow2 && "
			"qemu-img rebase -q -u -F qcow2 -b mid.qcow2 top.qcow2", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(vm_file_chain_open(f->p, top, NULL, 0, &c, &code, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "loops"));
	free(base);
	free(mid);
	free(top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allowed_through_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_device, setup, teardown),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_header_parse),
		cmocka_unit_test_setup_teardown(test_probe_real_images, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_rechecks_qcow2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
