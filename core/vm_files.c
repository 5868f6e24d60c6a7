/*
 * Opening a VM's files safely and handing them to QEMU (vm_files.h).
 */
#include "core/vm_files.h"
#include "core/job_exec.h"
#include "core/pools.h"
#include "core/qemu_cmdline.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HEADER_MAX 65536             /* a qcow2 header and its extensions */
#define BOOT_FILE_MAX (1ULL << 30)   /* kernel or initrd copied into a memfd */

/* --- opening -------------------------------------------------------------------- */

/* rest beneath dirfd, one component at a time, never through a symlink. */
static int walk_nofollow(int dirfd, const char *rest)
{
	char buf[PATH_MAX], *comp, *save = NULL, *next;
	int fd = dirfd, nfd;

	snprintf(buf, sizeof(buf), "%s", rest);
	comp = strtok_r(buf, "/", &save);
	while (comp) {
		next = strtok_r(NULL, "/", &save);
		nfd = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC | (next ? O_DIRECTORY : 0));
		if (nfd < 0) {
			nfd = -errno;
			if (nfd == -ENOTDIR) {
				struct stat st;

				/* a symlink in the middle shows as "not a directory" */
				if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
					nfd = -ELOOP;
			}
		} else if (!next) {
			struct stat st;

			if (fstat(nfd, &st) == 0 && S_ISLNK(st.st_mode)) {
				close(nfd);
				nfd = -ELOOP;
			}
		}
		if (fd != dirfd)
			close(fd);
		if (nfd < 0)
			return nfd;
		fd = nfd;
		comp = next;
	}
	return fd;
}

/* An O_PATH descriptor for rest beneath dirfd, no symlink followed. */
static int open_beneath(int dirfd, const char *rest)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, rest, &how, sizeof(how));

	if (fd >= 0)
		return (int)fd;
	if (errno == ENOSYS || errno == EPERM)   /* no openat2, or a seccomp filter */
		return walk_nofollow(dirfd, rest);
	return errno == EXDEV ? -ELOOP : -errno;
}

/* A directory only root (or croftd's own user) can change: a symlink in
 * it was put there by the administrator. */
static int dir_trusted(int dirfd)
{
	struct stat st;

	return fstat(dirfd, &st) == 0 && (st.st_uid == 0 || st.st_uid == geteuid()) &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* in with ".." taken lexically (in is absolute): the prefix it applies to
 * was walked component by component, so it is made of real directories. */
static int lexical(const char *in, char *out, size_t outlen)
{
	const char *s = in, *e;
	size_t n = 0, len;

	while (*s) {
		while (*s == '/')
			s++;
		e = strchrnul(s, '/');
		len = (size_t)(e - s);
		if (len == 2 && !strncmp(s, "..", 2)) {
			while (n > 0 && out[--n] != '/')
				;
		} else if (len && !(len == 1 && *s == '.')) {
			if (n + 1 + len >= outlen)
				return -ENAMETOOLONG;
			out[n++] = '/';
			memcpy(out + n, s, len);
			n += len;
		}
		s = e;
	}
	if (!n)
		out[n++] = '/';
	out[n] = '\0';
	return 0;
}

/*
 * An O_PATH descriptor for a pool directory or an allowed path: walked
 * from "/" one component at a time, following a symlink only when the
 * directory holding it is trusted (dir_trusted), so /dev/disk/by-id/...
 * works while a user who owns a directory along an allowed path cannot
 * point it elsewhere by swapping in a link.
 */
static int open_root(const char *path, int depth)
{
	char cur[PATH_MAX], prefix[PATH_MAX] = "", target[PATH_MAX], next[3 * PATH_MAX];
	char *comp, *save = NULL;
	struct stat st;
	ssize_t tl;
	int fd, nfd;

	if (depth > 8 || lexical(path, cur, sizeof(cur)) < 0)
		return -ELOOP;
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (comp = strtok_r(cur, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		nfd = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 || fstat(nfd, &st) < 0) {
			nfd = nfd < 0 ? -errno : -EIO;
			close(fd);
			return nfd == -ENOTDIR ? -ENOENT : nfd;
		}
		if (S_ISLNK(st.st_mode)) {
			close(nfd);
			tl = dir_trusted(fd) ? readlinkat(fd, comp, target, sizeof(target) - 1) : -1;
			close(fd);
			if (tl <= 0)
				return -ELOOP;
			target[tl] = '\0';
			/* the link's target, then the rest of the path */
			snprintf(next, sizeof(next), "%s/%s/%s", target[0] == '/' ? "" : prefix,
				 target, save ? save : "");
			if (strlen(next) >= PATH_MAX)
				return -ENAMETOOLONG;
			return open_root(next, depth + 1);
		}
		close(fd);
		fd = nfd;
		if (strlen(prefix) + 1 + strlen(comp) >= sizeof(prefix)) {
			close(fd);
			return -ENAMETOOLONG;
		}
		strcat(prefix, "/");
		strcat(prefix, comp);
	}
	return fd;
}

int vm_file_open(const struct pools *p, const char *path, unsigned flags, struct vm_file *f)
{
	char norm[PATH_MAX], err[256], self[64];
	struct pools_root root;
	int dirfd, pfd, rc;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (pools_path_normalize(path, norm, err, sizeof(err)) < 0)
		return -EINVAL;
	if (pools_find(p, norm, &root) < 0)
		return -EPERM;
	f->in_pool = root.pool;
	f->whole = !root.pool && !*root.rest;
	if (!*root.rest) {
		/* an allowed path itself (links only where root put them) */
		pfd = open_root(root.dir, 0);
		if (pfd < 0)
			return pfd;
	} else {
		dirfd = open_root(root.dir, 0);
		if (dirfd < 0)
			return dirfd;
		pfd = open_beneath(dirfd, root.rest);
		close(dirfd);
		if (pfd == -ENOTDIR)
			pfd = -ENOENT;
		if (pfd < 0)
			return pfd;
	}
	rc = fstat(pfd, &f->st) < 0 ? -errno : 0;
	if (rc == 0 && S_ISBLK(f->st.st_mode) && !f->whole)
		rc = -ENOTBLK;
	else if (rc == 0 && !S_ISREG(f->st.st_mode) && !S_ISBLK(f->st.st_mode))
		rc = -ENODEV;
	if (rc == 0) {
		/* the very inode fstat saw, now opened for I/O */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
		f->fd = open(self, ((flags & VM_FILE_WRITE) ? O_RDWR : O_RDONLY) | O_CLOEXEC |
			     O_NOCTTY | O_NONBLOCK);
		if (f->fd < 0)
			rc = -errno;
		else if (fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) & ~O_NONBLOCK) < 0)
			rc = -errno;
	}
	close(pfd);
	if (rc < 0)
		vm_file_close(f);
	return rc;
}

void vm_file_close(struct vm_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

const char *vm_file_error(int rc, const char *what, const char *path, char *err, size_t errlen)
{
	switch (rc) {
	case -EINVAL:
		err_set(err, errlen, "%s path '%s' must be absolute, without '..'", what, path);
		return PROTO_E_INVALID_ARGUMENT;
	case -EPERM:
		err_set(err, errlen, "%s '%s' is not inside a pool or an allowed path "
			"(an administrator can allow it: croft host set allow-path PATH)", what, path);
		return PROTO_E_PERMISSION;
	case -ENOENT:
		err_set(err, errlen, "%s '%s' does not exist", what, path);
		return PROTO_E_NOT_FOUND;
	case -ELOOP:
		err_set(err, errlen, "%s '%s': symbolic links are not followed inside pools and allowed paths",
			what, path);
		return PROTO_E_INVALID_ARGUMENT;
	case -ENODEV:
		err_set(err, errlen, "%s '%s' is not a regular file", what, path);
		return PROTO_E_INVALID_ARGUMENT;
	case -ENOTBLK:
		err_set(err, errlen, "%s '%s' is a block device; an administrator must allow it by its own path (croft host set allow-path PATH)",
			what, path);
		return PROTO_E_PERMISSION;
	default:
		err_set(err, errlen, "%s '%s': %s", what, path, strerror(-rc));
		return PROTO_E_IO;
	}
}

/* --- image headers ----------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

#define QCOW2_INCOMPAT_DATA_FILE (1ULL << 2)
#define QCOW2_EXT_DATA_FILE 0x44415441u
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau

/* A name from the header, printable, for a message. */
static void header_name(const unsigned char *buf, size_t n, uint64_t off, uint64_t len,
			char *out, size_t outlen)
{
	size_t i, k = 0;

	if (off >= n || len > n - off) {
		snprintf(out, outlen, "(a name beyond the first %zu bytes)", n);
		return;
	}
	for (i = 0; i < len && k + 1 < outlen; i++)
		out[k++] = buf[off + i] >= 0x20 && buf[off + i] < 0x7f ? (char)buf[off + i] : '?';
	out[k] = '\0';
}

static int parse_qcow2(const unsigned char *buf, size_t n, struct vm_file_image *img,
		       char *err, size_t errlen)
{
	uint32_t version, hlen = 72, type, len;
	uint64_t incompat = 0, off;
	char name[256];

	if (n < 72) {
		err_set(err, errlen, "is not a valid qcow2 image (its header is truncated)");
		return -EINVAL;
	}
	version = be32(buf + 4);
	if (version != 2 && version != 3) {
		err_set(err, errlen, "is not a valid qcow2 image (version %u is not supported)", version);
		return -EINVAL;
	}
	if ((off = be64(buf + 8))) {
		len = be32(buf + 16);
		if (!len || len >= sizeof(img->backing) || off >= n || len > n - off ||
		    memchr(buf + off, '\0', len) || memchr(buf + off, '\n', len)) {
			header_name(buf, n, off, len, name, sizeof(name));
			err_set(err, errlen, "names a backing file croft cannot use (%s)", name);
			return -EINVAL;
		}
		memcpy(img->backing, buf + off, len);
		img->backing[len] = '\0';
	}
	if (version == 3) {
		if (n < 104) {
			err_set(err, errlen, "is not a valid qcow2 image (its header is truncated)");
			return -EINVAL;
		}
		incompat = be64(buf + 72);
		hlen = be32(buf + 100);
		if (hlen < 104 || hlen > n) {
			err_set(err, errlen, "is not a valid qcow2 image (header length %u)", hlen);
			return -EINVAL;
		}
	}
	for (off = hlen; off + 8 <= n; off += 8 + ((uint64_t)len + 7) / 8 * 8) {
		type = be32(buf + off);
		len = be32(buf + off + 4);
		if (!type)
			break;
		if (type == QCOW2_EXT_BACKING_FORMAT && off + 8 + len <= n) {
			header_name(buf, n, off + 8, len, name, sizeof(name));
			if (strcmp(name, "qcow2") && strcmp(name, "raw")) {
				err_set(err, errlen, "names a backing file in format '%s'; only qcow2 and raw backing files can be used",
					name);
				return -EINVAL;
			}
			strcpy(img->backing_format, name);      /* "qcow2" or "raw" */
		}
		if (type == QCOW2_EXT_DATA_FILE) {
			header_name(buf, n, off + 8, len, name, sizeof(name));
			err_set(err, errlen, "has an external data file (%s); such images are not supported",
				name);
			return -EPERM;
		}
	}
	if (incompat & QCOW2_INCOMPAT_DATA_FILE) {
		err_set(err, errlen, "has an external data file; such images are not supported");
		return -EPERM;
	}
	snprintf(img->format, sizeof(img->format), "qcow2");
	img->virtual_size = be64(buf + 24);
	return 0;
}

struct magic {
	size_t off;
	const char *bytes;
	size_t len;
	const char *format;
};

static const struct magic other_formats[] = {
	{ 0, "KDMV", 4, "vmdk" },
	{ 0, "# Disk DescriptorFile", 21, "vmdk" },
	{ 0, "COWD", 4, "vmdk" },
	{ 0x40, "\x7f\x10\xda\xbe", 4, "vdi" },
	{ 0, "vhdxfile", 8, "vhdx" },
	{ 0, "conectix", 8, "vpc" },
	{ 0, "QED\0", 4, "qed" },
	{ 0, "LUKS\xba\xbe", 6, "luks" },
	{ 0, "WithoutFreeSpace", 16, "parallels" },
	{ 0, "WithouFreSpacExt", 16, "parallels" },
	{ 0, "Bochs Virtual HD Image", 22, "bochs" },
	{ 0, "#!/bin/sh\n#V2.0 Format\n", 23, "cloop" },
};

int vm_file_image_parse(const unsigned char *buf, size_t n, uint64_t size,
			struct vm_file_image *img, char *err, size_t errlen)
{
	size_t i;

	memset(img, 0, sizeof(*img));
	if (n >= 4 && !memcmp(buf, "QFI\xfb", 4))
		return parse_qcow2(buf, n, img, err, errlen);
	for (i = 0; i < sizeof(other_formats) / sizeof(other_formats[0]); i++) {
		const struct magic *m = &other_formats[i];

		if (n >= m->off + m->len && !memcmp(buf + m->off, m->bytes, m->len)) {
			err_set(err, errlen, "is a %s image; only qcow2 and raw images can be attached (convert it: qemu-img convert -O qcow2)",
				m->format);
			return -EINVAL;
		}
	}
	snprintf(img->format, sizeof(img->format), "raw");
	img->virtual_size = size;
	return 0;
}

int vm_file_image_probe(const struct vm_file *f, const char *path, struct vm_file_image *img,
			char *err, size_t errlen)
{
	unsigned char *buf = xmalloc(HEADER_MAX);
	char why[512];
	uint64_t size = (uint64_t)f->st.st_size;
	ssize_t n;
	int rc;

	if (S_ISBLK(f->st.st_mode) && ioctl(f->fd, BLKGETSIZE64, &size) < 0) {
		rc = -errno;
		err_set(err, errlen, "disk image %s: cannot read its size: %s", path, strerror(errno));
		goto out;
	}
	n = pread(f->fd, buf, HEADER_MAX, 0);
	if (n < 0) {
		rc = -errno;
		err_set(err, errlen, "disk image %s: cannot read it: %s", path, strerror(errno));
		goto out;
	}
	rc = vm_file_image_parse(buf, (size_t)n, size, img, why, sizeof(why));
	if (rc < 0)
		err_set(err, errlen, "disk image %s %s", path, why);
out:
	free(buf);
	return rc;
}

/* Sealed copies already made, so that starting a VM again (or another VM
 * booting the same kernel) costs no copy: a copy is immutable, so QEMUs
 * may share it.  Keyed by the file's identity and its change times; a
 * file written since has a new ctime and is copied afresh.  Least
 * recently used goes first. */
#define SEALED_CACHE_SLOTS 8

static struct sealed_cache {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
	int mfd;                     /* -1 (or 0 before first use): empty */
	uint64_t used;
} sealed_cache[SEALED_CACHE_SLOTS];
static uint64_t sealed_cache_tick;

static int same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static struct sealed_cache *sealed_cache_find(const struct stat *st)
{
	size_t i;

	for (i = 0; i < SEALED_CACHE_SLOTS; i++) {
		struct sealed_cache *c = &sealed_cache[i];

		if (c->mfd > 0 && c->dev == st->st_dev && c->ino == st->st_ino &&
		    c->size == st->st_size && same_time(&c->mtim, &st->st_mtim) &&
		    same_time(&c->ctim, &st->st_ctim))
			return c;
	}
	return NULL;
}

static void sealed_cache_put(const struct stat *st, int mfd)
{
	struct sealed_cache *c = &sealed_cache[0];
	size_t i;
	int keep = fcntl(mfd, F_DUPFD_CLOEXEC, 3);

	if (keep < 0)
		return;
	for (i = 1; i < SEALED_CACHE_SLOTS; i++)
		if (sealed_cache[i].used < c->used)
			c = &sealed_cache[i];
	if (c->mfd > 0)
		close(c->mfd);
	*c = (struct sealed_cache){ .dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
				    .mtim = st->st_mtim, .ctim = st->st_ctim, .mfd = keep,
				    .used = ++sealed_cache_tick };
}

int vm_file_sealed_copy(int fd, const char *name, uint64_t max, char *err, size_t errlen)
{
	struct sealed_cache *hit;
	struct stat st;
	off_t off = 0;
	ssize_t n;
	int mfd;

	if (fstat(fd, &st) < 0) {
		err_set(err, errlen, "%s: %s", name, strerror(errno));
		return -errno;
	}
	if ((uint64_t)st.st_size > max) {
		err_set(err, errlen, "%s is larger than %llu MiB", name,
			(unsigned long long)(max >> 20));
		return -EFBIG;
	}
	hit = sealed_cache_find(&st);
	if (hit && (mfd = fcntl(hit->mfd, F_DUPFD_CLOEXEC, 3)) >= 0) {
		hit->used = ++sealed_cache_tick;
		return mfd;
	}
	mfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0) {
		err_set(err, errlen, "memfd for %s: %s", name, strerror(errno));
		return -errno;
	}
	while (off < st.st_size) {
		n = sendfile(mfd, fd, &off, (size_t)(st.st_size - off));
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			err_set(err, errlen, "cannot copy %s: %s", name, strerror(e));
			close(mfd);
			return -e;
		}
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		err_set(err, errlen, "cannot seal the copy of %s: %s", name, strerror(errno));
		close(mfd);
		return -errno;
	}
	sealed_cache_put(&st, mfd);
	return mfd;
}

/* --- backing chains ----------------------------------------------------------------------- */

void vm_file_chain_close(struct vm_file_chain *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		vm_file_close(&c->layers[i].f);
		free(c->layers[i].path);
	}
	memset(c, 0, sizeof(*c));
}

/* The path of the backing file a layer at path names (relative to its
 * directory), normalised into out. */
static int backing_path(const char *layer, const char *name, char *out, char *err, size_t errlen)
{
	char joined[2 * PATH_MAX + 2];
	const char *slash = strrchr(layer, '/');

	if (name[0] == '/')
		snprintf(joined, sizeof(joined), "%s", name);
	else
		snprintf(joined, sizeof(joined), "%.*s/%s", (int)(slash - layer), layer, name);
	return pools_path_normalize(joined, out, err, errlen);
}

/* Layer c->n - 1 names a backing file: open it as the next layer. */
static int chain_next(const struct pools *p, const char *top_root, struct vm_file_chain *c,
		      const struct vm_file_image *above, const char **code, char *err, size_t errlen)
{
	struct vm_file_layer *up = &c->layers[c->n - 1], *l = &c->layers[c->n];
	const char *top = c->layers[0].path;
	char norm[PATH_MAX], why[512];
	struct vm_file_image img;
	struct pools_root root;
	size_t k;
	int rc;

	*code = PROTO_E_PERMISSION;
	if (!top_root) {
		err_set(err, errlen, "disk image %s has a backing file (%s); images with backing files must lie in a pool",
			top, above->backing);
		return -EPERM;
	}
	if (backing_path(up->path, above->backing, norm, why, sizeof(why)) < 0 ||
	    pools_find(p, norm, &root) < 0 || !root.pool || strcmp(root.dir, top_root)) {
		err_set(err, errlen, "disk image %s has a backing file (%s) outside its pool",
			top, above->backing);
		return -EPERM;
	}
	*code = PROTO_E_INVALID_ARGUMENT;
	if (c->n == VM_FILE_CHAIN_MAX) {
		err_set(err, errlen, "disk image %s: its backing chain is longer than %d images",
			top, VM_FILE_CHAIN_MAX);
		return -E2BIG;
	}
	if ((rc = vm_file_open(p, norm, 0, &l->f)) < 0) {
		*code = vm_file_error(rc, "backing file", norm, why, sizeof(why));
		err_set(err, errlen, "disk image %s: %s", top, why);
		return rc;
	}
	l->path = xstrdup(norm);
	c->n++;
	for (k = 0; k + 1 < c->n; k++) {
		if (c->layers[k].f.st.st_dev == l->f.st.st_dev &&
		    c->layers[k].f.st.st_ino == l->f.st.st_ino) {
			err_set(err, errlen, "disk image %s: its backing chain loops at %s", top, norm);
			return -ELOOP;
		}
	}
	if ((rc = vm_file_image_probe(&l->f, norm, &img, err, errlen)) < 0) {
		*code = rc == -EPERM ? PROTO_E_PERMISSION : PROTO_E_INVALID_ARGUMENT;
		return rc;
	}
	if (above->backing_format[0] && strcmp(above->backing_format, img.format) &&
	    strcmp(above->backing_format, "raw")) {
		err_set(err, errlen, "disk image %s: its backing file %s is not a %s image", top, norm,
			above->backing_format);
		return -EINVAL;
	}
	snprintf(l->format, sizeof(l->format), "%s",
		 above->backing_format[0] ? above->backing_format : img.format);
	if (!strcmp(l->format, "qcow2") && img.backing[0])
		return chain_next(p, top_root, c, &img, code, err, errlen);
	return 0;
}

int vm_file_chain_open(const struct pools *p, const char *path, const char *format, unsigned flags,
		       struct vm_file_chain *c, const char **code, char *err, size_t errlen)
{
	struct vm_file_layer *l = &c->layers[0];
	struct vm_file_image img;
	struct pools_root root;
	char norm[PATH_MAX];
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = vm_file_open(p, path, flags, &l->f)) < 0) {
		*code = vm_file_error(rc, "disk image", path, err, errlen);
		return rc;
	}
	pools_path_normalize(path, norm, err, errlen);
	l->path = xstrdup(norm);
	c->n = 1;
	if (format && strcmp(format, "qcow2")) {
		snprintf(l->format, sizeof(l->format), "%s", format);   /* pinned raw */
		return 0;
	}
	if ((rc = vm_file_image_probe(&l->f, norm, &img, err, errlen)) < 0) {
		*code = rc == -EPERM ? PROTO_E_PERMISSION : PROTO_E_INVALID_ARGUMENT;
		goto fail;
	}
	if (format && strcmp(img.format, format)) {
		*code = PROTO_E_INVALID_ARGUMENT;
		err_set(err, errlen, "disk image %s is no longer a %s image", norm, format);
		rc = -EINVAL;
		goto fail;
	}
	snprintf(l->format, sizeof(l->format), "%s", img.format);
	c->virtual_size = img.virtual_size;
	if (img.backing[0]) {
		rc = chain_next(p, pools_find(p, norm, &root) == 0 && root.pool ? root.dir : NULL, c,
				&img, code, err, errlen);
		if (rc < 0)
			goto fail;
	}
	return 0;
fail:
	vm_file_chain_close(c);
	return rc;
}

/* --- a VM's files at start ------------------------------------------------------------ */

static size_t fd_push(struct vm_files_set *s, int fd)
{
	s->fds = xrealloc(s->fds, (s->nfds + 1) * sizeof(*s->fds));
	s->fds[s->nfds] = fd;
	return s->nfds++;
}

/* f's descriptor (taken) as fd set number set, with a read-only twin
 * when it is writable; the blockdev filename. */
static char *fdset_add(struct vm_files_set *s, size_t base, int fd, int writable,
		       const char *opaque)
{
	unsigned set = (unsigned)s->nadd + 1;
	char self[64];
	int ro;

	s->add = xrealloc(s->add, (s->nadd + 2) * sizeof(*s->add));
	s->add[s->nadd++] = (struct qemu_add_fd){
		JOB_EXEC_PASS_FD(base + fd_push(s, fd)), set, xstrdup(opaque) };
	if (writable) {
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		ro = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (ro >= 0)
			s->add[s->nadd++] = (struct qemu_add_fd){
				JOB_EXEC_PASS_FD(base + fd_push(s, ro)), set, xasprintf("%s-ro", opaque) };
	}
	return xasprintf("/dev/fdset/%u", set);
}

/* A VM's file through the pools: opened, checked, its descriptor taken by s. */
static int pool_file(const struct pools *p, const char *what, const char *path, unsigned flags,
		     struct vm_file *f, const char **code, char *err, size_t errlen)
{
	int rc = vm_file_open(p, path, flags, f);

	if (rc < 0)
		*code = vm_file_error(rc, what, path, err, errlen);
	return rc;
}

/* Disk i and its backing chain: the image read-write (with a read-only
 * twin), each backing file read-only, in their own fd sets. */
static int add_disk(const struct pools *p, const struct store_disk *sd, size_t i, size_t base,
		    struct vm_files_set *s, const char **code, char *err, size_t errlen)
{
	struct vm_file_chain c;
	struct qemu_disk *qd;
	char opaque[48];
	size_t k;
	int rc;

	rc = vm_file_chain_open(p, sd->path, sd->format, VM_FILE_WRITE, &c, code, err, errlen);
	if (rc < 0)
		return rc;
	s->chains[i] = qd = xcalloc(c.n, sizeof(*qd));
	for (k = 0; k < c.n; k++) {
		if (k)
			snprintf(opaque, sizeof(opaque), "disk%zu-b%zu", i, k);
		else
			snprintf(opaque, sizeof(opaque), "disk%zu", i);
		qd[k].path = fdset_add(s, base, c.layers[k].f.fd, !k, opaque);
		c.layers[k].f.fd = -1;                  /* s has it */
		qd[k].format = xstrdup(c.layers[k].format);
		qd[k].readonly = k > 0;
		qd[k].backing = k + 1 < c.n ? &qd[k + 1] : NULL;
	}
	qd[0].scsi = sd->scsi;
	s->nchain[i] = c.n;
	s->disks[i] = qd[0];
	vm_file_chain_close(&c);
	return 0;
}

static int add_boot_file(const struct pools *p, const char *what, const char *path, size_t base,
			 struct vm_files_set *s, char **out, const char **code, char *err,
			 size_t errlen)
{
	struct vm_file f;
	int mfd, rc;

	if ((rc = pool_file(p, what, path, 0, &f, code, err, errlen)) < 0)
		return rc;
	mfd = vm_file_sealed_copy(f.fd, what, BOOT_FILE_MAX, err, errlen);
	vm_file_close(&f);
	if (mfd < 0) {
		*code = PROTO_E_IO;
		return mfd;
	}
	*out = xasprintf("/proc/self/fd/%d", JOB_EXEC_PASS_FD(base + fd_push(s, mfd)));
	return 0;
}

/* croftd's own files (OVMF from the system, the VM's variable store). */
static int add_own(const char *what, const char *path, int writable, size_t base,
		   struct vm_files_set *s, char **out, const char **code, char *err, size_t errlen)
{
	int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
		errno = ENODEV;
	}
	if (fd < 0) {
		*code = PROTO_E_IO;
		err_set(err, errlen, "cannot open %s %s: %s", what, path, strerror(errno));
		return -errno;
	}
	*out = fdset_add(s, base, fd, writable, what);
	return 0;
}

int vm_files_prepare(const struct pools *p, const struct store_vm *spec, const char *ovmf_code,
		     const char *ovmf_vars, size_t base, struct vm_files_set *out,
		     const char **code, char *err, size_t errlen)
{
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->disks = xcalloc(spec->ndisks + 1, sizeof(*out->disks));
	out->chains = xcalloc(spec->ndisks + 1, sizeof(*out->chains));
	out->nchain = xcalloc(spec->ndisks + 1, sizeof(*out->nchain));
	out->ndisks = spec->ndisks;
	for (i = 0; i < spec->ndisks && rc == 0; i++)
		rc = add_disk(p, &spec->disks[i], i, base, out, code, err, errlen);
	if (rc == 0 && spec->cdrom) {
		struct vm_file f;

		if ((rc = pool_file(p, "cdrom image", spec->cdrom, 0, &f, code, err, errlen)) == 0)
			out->cdrom = fdset_add(out, base, f.fd, 0, "cdrom0");
	}
	if (rc == 0 && spec->kernel)
		rc = add_boot_file(p, "kernel", spec->kernel, base, out, &out->kernel, code, err, errlen);
	if (rc == 0 && spec->initrd)
		rc = add_boot_file(p, "initrd", spec->initrd, base, out, &out->initrd, code, err, errlen);
	if (rc == 0 && ovmf_code)
		rc = add_own("pflash0", ovmf_code, 0, base, out, &out->ovmf_code, code, err, errlen);
	if (rc == 0 && ovmf_vars)
		rc = add_own("pflash1", ovmf_vars, 1, base, out, &out->ovmf_vars, code, err, errlen);
	if (rc < 0)
		vm_files_set_clear(out);
	return rc;
}

void vm_files_add_seed(struct vm_files_set *s, size_t base, int fd)
{
	free(s->seed);
	s->seed = fdset_add(s, base, fd, 0, "cidata0");
}

void vm_files_set_clear(struct vm_files_set *s)
{
	size_t i, k;

	for (i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	for (i = 0; i < s->nadd; i++)
		free((char *)s->add[i].opaque);
	for (i = 0; i < s->ndisks; i++) {
		for (k = 0; s->chains[i] && k < s->nchain[i]; k++) {
			free((char *)s->chains[i][k].path);
			free((char *)s->chains[i][k].format);
		}
		free(s->chains[i]);
	}
	free(s->chains);
	free(s->nchain);
	free(s->fds);
	free(s->add);
	free(s->disks);
	free(s->cdrom);
	free(s->kernel);
	free(s->initrd);
	free(s->ovmf_code);
	free(s->ovmf_vars);
	free(s->seed);
	memset(s, 0, sizeof(*s));
}
