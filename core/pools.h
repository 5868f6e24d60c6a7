/*
 * The pool registry: where the files a VM uses may live.  A pool is a
 * named directory croft owns (today "default", state_dir/pools/default,
 * where new volumes go, and "iso", state_dir/pools/iso, for ISOs, kernels
 * and initrds; issue 10 adds pools an administrator creates).  Beyond the
 * pools, an administrator (a peer with uid 0, never a croft-group member)
 * may allow host paths: a directory allows every file beneath it, a file
 * (or a block device such as /dev/disk/by-id/...) allows itself.
 *
 * Paths are compared as strings after normalising ("//" and "/./"
 * collapsed, no trailing '/'; ".." refused), so a path names the root it
 * lies beneath without touching the file system: the most specific root
 * (the longest) wins.  Opening the file beneath that root without
 * following a symlink is vm_files.c's work.
 *
 * The allowed list is kept in the store as the host setting
 * "allowed_paths" (one path a line) and held here in memory, as d->pools.
 */
#ifndef CROFT_POOLS_H
#define CROFT_POOLS_H

#include <stddef.h>
#include <sys/types.h>

struct croftd;
struct pools;

#define POOLS_SETTING "allowed_paths"
#define POOLS_ALLOWED_MAX 64

enum pools_kind {
	POOLS_DISK,              /* volumes */
	POOLS_ISO,               /* ISOs, kernels, initrds */
};

/* An empty registry; free with pools_free. */
struct pools *pools_new(void);
void pools_free(struct pools *p);

/* Add a pool (name and dir copied; dir absolute and normalised). */
void pools_add(struct pools *p, const char *name, const char *dir, enum pools_kind kind);
size_t pools_count(const struct pools *p);
const char *pools_name(const struct pools *p, size_t i);
const char *pools_dir(const struct pools *p, size_t i);
/* The directory of the named pool, or NULL. */
const char *pools_dir_of(const struct pools *p, const char *name);

/* The kind of pool i, and the content word of a kind ("images", "iso")
 * and back (-EINVAL for another word). */
enum pools_kind pools_kind_at(const struct pools *p, size_t i);
const char *pools_kind_word(enum pools_kind kind);
int pools_kind_parse(const char *word, enum pools_kind *kind);
/* The index of the named pool, or -1. */
ssize_t pools_index(const struct pools *p, const char *name);
/* Forget the named pool: 0 or -ENOENT. */
int pools_remove(struct pools *p, const char *name);
/* "default" and "iso", which always exist and cannot be deleted. */
int pools_builtin(const char *name);

/* May a new pool NAME live at dir (normalised)?  Pure: the name is valid
 * and free, dir is not "/", not a pool, not inside one and holds none.
 * 0, or -EINVAL / -EEXIST with err naming the problem. */
int pools_check_new(const struct pools *p, const char *name, const char *dir, char *err,
		    size_t errlen);

/* path normalised into out (PATH_MAX bytes): absolute, "//", "/./" and a
 * trailing '/' dropped.  0, or -EINVAL with err naming the problem
 * (relative, "..", a newline, too long). */
int pools_path_normalize(const char *path, char *out, char *err, size_t errlen);

/* The allowed paths, in the order they were allowed. */
size_t pools_allowed_count(const struct pools *p);
const char *pools_allowed(const struct pools *p, size_t i);
/* Allow or disallow a path (normalised first).  0, or -EINVAL (a bad
 * path), -EEXIST (allowed already), -ENOENT (not allowed), -E2BIG (too
 * many), with err set. */
int pools_allow(struct pools *p, const char *path, char *err, size_t errlen);
int pools_disallow(struct pools *p, const char *path, char *err, size_t errlen);
/* The list as the store keeps it, one path a line (malloc'd), and back:
 * lines that are not allowable paths are skipped and counted in *bad. */
char *pools_allowed_text(const struct pools *p);
void pools_allowed_load(struct pools *p, const char *text, size_t *bad);

/* Where a normalised path lies. */
struct pools_root {
	const char *dir;         /* the pool's directory or the allowed path */
	const char *rest;        /* path below dir ("" when path is dir itself) */
	int pool;                /* dir is a pool (else an allowed path) */
};
/* The most specific root path lies beneath (or is): 0 with *out, or
 * -EPERM when it is inside no pool and no allowed path. */
int pools_find(const struct pools *p, const char *path, struct pools_root *out);

/* A directory croftd hands to the QEMU base user, mode 0700 (made when
 * missing, its parent must exist); real is its realpath (PATH_MAX). */
int pools_dir_prepare(struct croftd *d, const char *dir, char *real, char *err, size_t errlen);

/* croftd's "pools" service: the default and iso pools under state_dir
 * (made, and owned by the QEMU base user with mode 0700 when croftd runs as
 * root, so unprivileged qemu-img jobs work on them by path) and the
 * allowed paths and the pools an administrator created from the store, as
 * d->pools. */
int pools_service_init(struct croftd *d, char *err, size_t errlen);
void pools_service_fini(struct croftd *d);

#endif
