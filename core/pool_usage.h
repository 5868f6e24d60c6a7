/*
 * What a pool holds and what it has promised.  A pool's volumes are the
 * regular files directly in its directory; each counts with the bytes it
 * holds on disk (st_blocks, so a thin qcow2 counts what it wrote) and its
 * virtual size (from its qcow2 header; a raw file's size).  The pool's
 * figures add those up beside its file system's (statvfs):
 *
 *   capacity   the file system's size
 *   free       what an unprivileged writer may still use (f_bavail)
 *   allocated  the sum of what croft's volumes hold
 *   promised   the sum of their virtual sizes
 *   overcommit promised / capacity (above 1: the guests could fill it)
 *   used       (capacity - free) / capacity, which includes other files
 *
 * The sums are pure (pool_usage_add and friends) for unit tests; the scan
 * reads the directory.
 */
#ifndef CROFT_POOL_USAGE_H
#define CROFT_POOL_USAGE_H

#include <stddef.h>
#include <stdint.h>

struct pool_vol {
	char name[256];
	char format[8];          /* "qcow2", "raw", or "" when not an image croft reads */
	uint64_t virtual_size;
	uint64_t allocated;
	char backing[1024];      /* the backing file a qcow2 names, or "" */
};

struct pool_usage {
	uint64_t capacity;
	uint64_t free;
	uint64_t allocated;
	uint64_t promised;
	size_t volumes;
};

/* Count one volume in u. */
void pool_usage_add(struct pool_usage *u, uint64_t virtual_size, uint64_t allocated);
/* promised / capacity (0 when capacity is unknown). */
double pool_usage_overcommit(const struct pool_usage *u);
/* Percent of the file system in use, 0..100 (0 when capacity is unknown). */
double pool_usage_used_pct(const struct pool_usage *u);

/* The volumes of the pool at dir, sorted by name, *v malloc'd (free()),
 * and the sums in *u with the file system's capacity and free space.  0,
 * or -errno with err naming dir and the problem. */
int pool_usage_scan(const char *dir, struct pool_vol **v, size_t *n, struct pool_usage *u,
		    char *err, size_t errlen);

#endif
