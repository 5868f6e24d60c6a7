/*
 * The time zones the installer offers (ui.h): every TZif file under the
 * zoneinfo directory whose name the answer file takes, without the posix/
 * and right/ copies and the aliases that are not places (localtime,
 * posixrules, Factory).  Links are followed (UTC is one in Debian); the
 * depth is bounded, so a loop ends.
 */
#include "installer/ui.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZONES_MAX 4096

struct zones {
	char **v;
	size_t n, cap;
};

static int is_tzif(int dirfd, const char *name)
{
	char magic[4];
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return 0;
	r = read(fd, magic, sizeof(magic));
	close(fd);
	return r == 4 && !memcmp(magic, "TZif", 4);
}

static int skipped(const char *rel)
{
	static const char *const skip[] = { "posix", "right", "localtime", "posixrules", "Factory" };
	size_t i;

	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strcmp(rel, skip[i]))
			return 1;
	return 0;
}

static void walk(const char *dir, const char *prefix, struct zones *z, int depth)
{
	char path[1024], rel[520], why[128];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (depth > 3 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d)) && z->n < ZONES_MAX) {
		if (de->d_name[0] == '.')
			continue;
		if (strlen(prefix) + strlen(de->d_name) + 2 > 64)
			continue;
		snprintf(rel, sizeof(rel), "%s%s%s", prefix, *prefix ? "/" : "", de->d_name);
		if (skipped(rel) || fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			walk(path, rel, z, depth + 1);
			continue;
		}
		if (answer_timezone_check(rel, why, sizeof(why)) < 0 || !is_tzif(dirfd(d), de->d_name))
			continue;
		if (z->n == z->cap) {
			z->cap = z->cap ? z->cap * 2 : 512;
			z->v = xrealloc(z->v, z->cap * sizeof(*z->v));
		}
		z->v[z->n++] = xstrdup(rel);
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ui_zones_load(const char *dir, char ***zones, size_t *n)
{
	struct zones z = { 0 };
	struct stat st;

	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	walk(dir, "", &z, 0);
	if (z.n > 1)
		qsort(z.v, z.n, sizeof(*z.v), cmp_str);
	*zones = z.v;
	*n = z.n;
	return z.n ? 0 : -ENOENT;
}

void ui_zones_free(char **zones, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(zones[i]);
	free(zones);
}
