/*
 * The pool registry and the allowed paths (pools.h).  Both are short
 * lists walked in full: a path's root is the longest pool directory or
 * allowed path it equals or lies beneath, compared as normalised strings.
 */
#include "core/pools.h"
#include "core/daemon.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "common/validate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pool_entry {
	char *name;
	char *dir;
	enum pools_kind kind;
};

struct pools {
	struct pool_entry *v;
	size_t n;
	char **allowed;
	size_t nallowed;
};

struct pools *pools_new(void)
{
	return xcalloc(1, sizeof(struct pools));
}

void pools_free(struct pools *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].dir);
	}
	for (i = 0; i < p->nallowed; i++)
		free(p->allowed[i]);
	free(p->v);
	free(p->allowed);
	free(p);
}

void pools_add(struct pools *p, const char *name, const char *dir, enum pools_kind kind)
{
	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	p->v[p->n].name = xstrdup(name);
	p->v[p->n].dir = xstrdup(dir);
	p->v[p->n].kind = kind;
	p->n++;
}

size_t pools_count(const struct pools *p)
{
	return p ? p->n : 0;
}

const char *pools_name(const struct pools *p, size_t i)
{
	return p->v[i].name;
}

const char *pools_dir(const struct pools *p, size_t i)
{
	return p->v[i].dir;
}

const char *pools_dir_of(const struct pools *p, const char *name)
{
	size_t i;

	for (i = 0; i < pools_count(p); i++)
		if (!strcmp(p->v[i].name, name))
			return p->v[i].dir;
	return NULL;
}

enum pools_kind pools_kind_at(const struct pools *p, size_t i)
{
	return p->v[i].kind;
}

const char *pools_kind_word(enum pools_kind kind)
{
	return kind == POOLS_ISO ? "iso" : "images";
}

int pools_kind_parse(const char *word, enum pools_kind *kind)
{
	if (word && !strcmp(word, "images"))
		*kind = POOLS_DISK;
	else if (word && !strcmp(word, "iso"))
		*kind = POOLS_ISO;
	else
		return -EINVAL;
	return 0;
}

ssize_t pools_index(const struct pools *p, const char *name)
{
	size_t i;

	for (i = 0; i < pools_count(p); i++)
		if (!strcmp(p->v[i].name, name))
			return (ssize_t)i;
	return -1;
}

int pools_remove(struct pools *p, const char *name)
{
	ssize_t i = pools_index(p, name);

	if (i < 0)
		return -ENOENT;
	free(p->v[i].name);
	free(p->v[i].dir);
	memmove(&p->v[i], &p->v[i + 1], (p->n - (size_t)i - 1) * sizeof(*p->v));
	p->n--;
	return 0;
}

int pools_builtin(const char *name)
{
	return !strcmp(name, "default") || !strcmp(name, "iso");
}

static const char *beneath(const char *dir, const char *path);

int pools_check_new(const struct pools *p, const char *name, const char *dir, char *err,
		    size_t errlen)
{
	size_t i;

	if (name_check("pool", name, err, errlen) < 0)
		return -EINVAL;
	if (pools_index(p, name) >= 0) {
		err_set(err, errlen, "a pool named '%s' exists already", name);
		return -EEXIST;
	}
	if (!strcmp(dir, "/")) {
		err_set(err, errlen, "a pool cannot be the root directory");
		return -EINVAL;
	}
	for (i = 0; i < pools_count(p); i++) {
		if (!strcmp(p->v[i].dir, dir)) {
			err_set(err, errlen, "%s is pool '%s' already", dir, p->v[i].name);
			return -EEXIST;
		}
		if (beneath(p->v[i].dir, dir)) {
			err_set(err, errlen, "%s is inside pool '%s' (%s)", dir, p->v[i].name,
				p->v[i].dir);
			return -EINVAL;
		}
		if (beneath(dir, p->v[i].dir)) {
			err_set(err, errlen, "%s holds pool '%s' (%s); pools cannot nest", dir,
				p->v[i].name, p->v[i].dir);
			return -EINVAL;
		}
	}
	return 0;
}

int pools_path_normalize(const char *path, char *out, char *err, size_t errlen)
{
	const char *s = path, *e;
	size_t n = 0, len;

	if (!path || path[0] != '/') {
		err_set(err, errlen, "path '%s' must be absolute", path ? path : "");
		return -EINVAL;
	}
	if (strchr(path, '\n')) {
		err_set(err, errlen, "path must not contain a newline");
		return -EINVAL;
	}
	while (*s) {
		while (*s == '/')
			s++;
		e = strchrnul(s, '/');
		len = (size_t)(e - s);
		if (len == 2 && !strncmp(s, "..", 2)) {
			err_set(err, errlen, "path '%s' must not contain '..'", path);
			return -EINVAL;
		}
		if (len && !(len == 1 && *s == '.')) {
			if (n + 1 + len >= PATH_MAX) {
				err_set(err, errlen, "path '%.64s...' is too long", path);
				return -EINVAL;
			}
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

size_t pools_allowed_count(const struct pools *p)
{
	return p ? p->nallowed : 0;
}

const char *pools_allowed(const struct pools *p, size_t i)
{
	return p->allowed[i];
}

static ssize_t allowed_index(const struct pools *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->nallowed; i++)
		if (!strcmp(p->allowed[i], path))
			return (ssize_t)i;
	return -1;
}

int pools_allow(struct pools *p, const char *path, char *err, size_t errlen)
{
	char norm[PATH_MAX];
	int rc;

	if ((rc = pools_path_normalize(path, norm, err, errlen)) < 0)
		return rc;
	if (allowed_index(p, norm) >= 0) {
		err_set(err, errlen, "%s is already an allowed path", norm);
		return -EEXIST;
	}
	if (p->nallowed >= POOLS_ALLOWED_MAX) {
		err_set(err, errlen, "at most %d paths can be allowed; disallow one first",
			POOLS_ALLOWED_MAX);
		return -E2BIG;
	}
	p->allowed = xrealloc(p->allowed, (p->nallowed + 1) * sizeof(*p->allowed));
	p->allowed[p->nallowed++] = xstrdup(norm);
	return 0;
}

int pools_disallow(struct pools *p, const char *path, char *err, size_t errlen)
{
	char norm[PATH_MAX];
	ssize_t i;
	int rc;

	if ((rc = pools_path_normalize(path, norm, err, errlen)) < 0)
		return rc;
	if ((i = allowed_index(p, norm)) < 0) {
		err_set(err, errlen, "%s is not an allowed path", norm);
		return -ENOENT;
	}
	free(p->allowed[i]);
	memmove(&p->allowed[i], &p->allowed[i + 1],
		(p->nallowed - (size_t)i - 1) * sizeof(*p->allowed));
	p->nallowed--;
	return 0;
}

char *pools_allowed_text(const struct pools *p)
{
	size_t i, n = 1;
	char *s;

	for (i = 0; i < p->nallowed; i++)
		n += strlen(p->allowed[i]) + 1;
	s = xcalloc(1, n);
	for (i = 0; i < p->nallowed; i++) {
		if (i)
			strcat(s, "\n");
		strcat(s, p->allowed[i]);
	}
	return s;
}

/* line is (once normalised) in the list already. */
static int pools_allowed_has(const struct pools *p, const char *line)
{
	char norm[PATH_MAX], err[256];

	return pools_path_normalize(line, norm, err, sizeof(err)) == 0 && allowed_index(p, norm) >= 0;
}

void pools_allowed_load(struct pools *p, const char *text, size_t *bad)
{
	char *copy = xstrdup(text ? text : ""), *line, *save = NULL;
	char err[256];

	*bad = 0;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (pools_allow(p, line, err, sizeof(err)) < 0 && !pools_allowed_has(p, line))
			(*bad)++;
	free(copy);
}

/* Is path dir itself or beneath it?  The rest of path after dir, or NULL. */
static const char *beneath(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path + 1;
	if (strncmp(path, dir, n) || (path[n] && path[n] != '/'))
		return NULL;
	return path[n] ? path + n + 1 : path + n;
}

int pools_find(const struct pools *p, const char *path, struct pools_root *out)
{
	size_t i, best = 0;
	const char *rest;
	int found = 0;

	for (i = 0; i < pools_count(p); i++) {
		if ((rest = beneath(p->v[i].dir, path)) && strlen(p->v[i].dir) >= best) {
			*out = (struct pools_root){ p->v[i].dir, rest, 1 };
			best = strlen(p->v[i].dir);
			found = 1;
		}
	}
	for (i = 0; i < pools_allowed_count(p); i++) {
		if ((rest = beneath(p->allowed[i], path)) && strlen(p->allowed[i]) > best) {
			*out = (struct pools_root){ p->allowed[i], rest, 0 };
			best = strlen(p->allowed[i]);
			found = 1;
		}
	}
	return found ? 0 : -EPERM;
}

/* --- croftd's service ------------------------------------------------------------ */

/* A pool directory: made, realpath'd, and the image user's alone. */
int pools_dir_prepare(struct croftd *d, const char *dir, char *real, char *err, size_t errlen)
{
	int fd, rc = 0;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_set(err, errlen, "cannot create pool directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	/* The ownership goes to the directory opened, never through a
	 * symlink swapped in after realpath looked. */
	if (!realpath(dir, real) ||
	    (fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		err_set(err, errlen, "pool directory %s is not a usable directory", dir);
		return -ENOTDIR;
	}
	if (d->drop_privs && (fchown(fd, d->qemu_uid, d->qemu_gid) < 0 || fchmod(fd, 0700) < 0)) {
		rc = -errno;
		err_set(err, errlen, "cannot hand pool directory %s to user %s: %s", real,
			d->qemu_user, strerror(errno));
	}
	close(fd);
	return rc;
}

/* The pools an administrator created.  One whose directory is gone is
 * still listed (pool info says so) so it can be deleted. */
static void pools_load_stored(struct croftd *d)
{
	struct store_pool *v;
	enum pools_kind kind;
	char err[256];
	size_t i, n;

	if (store_pool_list(d->store, &v, &n, err, sizeof(err)) < 0) {
		log_warn("pools: %s", err);
		return;
	}
	for (i = 0; i < n; i++) {
		if (pools_kind_parse(v[i].content, &kind) < 0 || pools_index(d->pools, v[i].name) >= 0) {
			log_warn("pools: stored pool '%s' skipped (content %s)", v[i].name, v[i].content);
			continue;
		}
		pools_add(d->pools, v[i].name, v[i].dir, kind);
	}
	store_pool_list_free(v, n);
}

int pools_service_init(struct croftd *d, char *err, size_t errlen)
{
	static const struct { const char *name; enum pools_kind kind; } std[] = {
		{ "default", POOLS_DISK }, { "iso", POOLS_ISO },
	};
	char real[PATH_MAX], *dir, *text = NULL;
	size_t i, bad = 0;
	int rc;

	d->pools = pools_new();
	for (i = 0; i < sizeof(std) / sizeof(std[0]); i++) {
		dir = xasprintf("%s/pools/%s", d->state_dir, std[i].name);
		rc = pools_dir_prepare(d, dir, real, err, errlen);
		free(dir);
		if (rc < 0)
			goto fail;
		pools_add(d->pools, std[i].name, real, std[i].kind);
	}
	pools_load_stored(d);
	if (store_setting_get(d->store, POOLS_SETTING, &text) == 0)
		pools_allowed_load(d->pools, text, &bad);
	free(text);
	if (bad)
		log_warn("setting %s: %zu line(s) are not allowable paths and were skipped",
			 POOLS_SETTING, bad);
	return 0;
fail:
	pools_free(d->pools);
	d->pools = NULL;
	return rc;
}

void pools_service_fini(struct croftd *d)
{
	pools_free(d->pools);
	d->pools = NULL;
}
