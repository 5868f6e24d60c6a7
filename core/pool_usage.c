/*
 * A pool's volumes and sums (pool_usage.h).  The directory is opened
 * without following a symlink and each entry is looked at through that
 * descriptor, never by a path a writer in the pool could swap: a symlink
 * or a subdirectory is not a volume and is not counted.
 */
#include "core/pool_usage.h"
#include "core/vm_files.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

void pool_usage_add(struct pool_usage *u, uint64_t virtual_size, uint64_t allocated)
{
	u->promised += virtual_size;
	u->allocated += allocated;
	u->volumes++;
}

double pool_usage_overcommit(const struct pool_usage *u)
{
	return u->capacity ? (double)u->promised / (double)u->capacity : 0.0;
}

double pool_usage_used_pct(const struct pool_usage *u)
{
	if (!u->capacity || u->free > u->capacity)
		return 0.0;
	return 100.0 * (double)(u->capacity - u->free) / (double)u->capacity;
}

/* One regular file in the pool: its size on disk and its header. */
static void vol_read(int dfd, const char *name, const struct stat *st, struct pool_vol *v)
{
	unsigned char buf[4096];
	struct vm_file_image img;
	char err[256];
	ssize_t got;
	int fd;

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->allocated = (uint64_t)st->st_blocks * 512;
	v->virtual_size = (uint64_t)st->st_size;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	got = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	if (got < 0)
		return;
	if (vm_file_image_parse(buf, (size_t)got, (uint64_t)st->st_size, &img, err,
				sizeof(err)) < 0)
		return;
	snprintf(v->format, sizeof(v->format), "%s", img.format);
	snprintf(v->backing, sizeof(v->backing), "%s", img.backing);
	if (!strcmp(img.format, "qcow2"))
		v->virtual_size = img.virtual_size;
}

static int vol_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pool_vol *)a)->name, ((const struct pool_vol *)b)->name);
}

int pool_usage_scan(const char *dir, struct pool_vol **v, size_t *n, struct pool_usage *u,
		    char *err, size_t errlen)
{
	struct statvfs sv;
	struct dirent *de;
	struct stat st;
	DIR *dh;
	int dfd, rc;

	*v = NULL;
	*n = 0;
	memset(u, 0, sizeof(*u));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		rc = -errno;
		err_set(err, errlen, "pool directory %s: %s", dir, strerror(errno));
		return rc;
	}
	if (fstatvfs(dfd, &sv) == 0) {
		u->capacity = (uint64_t)sv.f_blocks * sv.f_frsize;
		u->free = (uint64_t)sv.f_bavail * sv.f_frsize;
	}
	if (!(dh = fdopendir(dfd))) {
		rc = -errno;
		close(dfd);
		err_set(err, errlen, "pool directory %s: %s", dir, strerror(-rc));
		return rc;
	}
	while ((de = readdir(dh))) {
		/* ".", "..", and what no volume is called (an import's
		 * temporary file): a volume's name starts with a letter or digit */
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		vol_read(dirfd(dh), de->d_name, &st, &(*v)[*n]);
		pool_usage_add(u, (*v)[*n].virtual_size, (*v)[*n].allocated);
		(*n)++;
	}
	closedir(dh);
	if (*n)
		qsort(*v, *n, sizeof(**v), vol_cmp);
	return 0;
}
