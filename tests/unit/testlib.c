/*
 * The unit tests' shared harness (testlib.h).  Linked into every unit test
 * binary as libtestlib.a; it uses cmocka only for the _or_fail forms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *tl_tmpdir(const char *tag)
{
	char tmpl[PATH_MAX], real[PATH_MAX];

	snprintf(tmpl, sizeof(tmpl), "/tmp/croft-test-%s-XXXXXX", tag);
	if (!mkdtemp(tmpl))
		return NULL;
	if (chmod(tmpl, 0755) < 0 || !realpath(tmpl, real)) {
		rmdir(tmpl);
		return NULL;
	}
	return xstrdup(real);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p) < 0 && errno != ENOENT ? -1 : 0;
}

int tl_rmtree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return errno ? -errno : -EIO;
	return 0;
}

char *tl_path(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

int tl_write_file(const char *path, const char *text)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		off += (size_t)n;
	}
	return close(fd) < 0 ? -errno : 0;
}

void tl_write_file_or_fail(const char *path, const char *fmt, ...)
{
	va_list ap;
	char *text;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text)
		fail_msg("out of memory writing %s", path);
	rc = tl_write_file(path, text);
	free(text);
	if (rc < 0)
		fail_msg("cannot write %s: %s", path, strerror(-rc));
}

char *tl_read_file(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			int e = errno;

			close(fd);
			free(buf);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static int64_t clock_ms = TL_CLOCK_START_MS;

int64_t tl_clock_ms(void)
{
	return clock_ms;
}

void tl_clock_set(int64_t ms)
{
	clock_ms = ms;
}

void tl_clock_advance(int64_t ms)
{
	clock_ms += ms;
}

struct store *tl_store_open_or_fail(const char *dir)
{
	char *path = tl_path(dir, "croft.db"), err[512];
	struct store *st = NULL;

	if (store_open(path, &st, err, sizeof(err)) < 0)
		fail_msg("store_open %s: %s", path, err);
	free(path);
	return st;
}

int tl_store_setup(void **state)
{
	struct tl_store_fx *f = xcalloc(1, sizeof(*f));

	f->dir = tl_tmpdir("store");
	if (!f->dir) {
		free(f);
		return -1;
	}
	f->st = tl_store_open_or_fail(f->dir);
	*state = f;
	return 0;
}

int tl_store_teardown(void **state)
{
	struct tl_store_fx *f = *state;
	int rc;

	store_close(f->st);
	rc = tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return rc < 0 ? -1 : 0;
}
