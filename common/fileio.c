/*
 * Small file operations daemons share: replacing a file atomically (write
 * a temporary file beside it, rename) and only when its bytes change, so
 * "unchanged" is simply "same bytes on disk"; and removing a directory of
 * plain files.
 */
#include "common/fileio.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t fileio_read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

/* 1 if the file's bytes differ from text (or it is missing), else 0. */
static int file_differs(const char *path, const char *text)
{
	size_t len = strlen(text), got = 0;
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC), differs = 0;
	ssize_t n;

	if (fd < 0)
		return 1;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (got + (size_t)n > len || memcmp(text + got, buf, (size_t)n)) {
			differs = 1;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	return differs || n < 0 || got != len;
}

int fileio_write_if_changed(const char *path, const char *text, char *err, size_t errlen)
{
	char *tmp;
	size_t len = strlen(text), off = 0;
	int fd, rc = 1;

	if (!file_differs(path, text))
		return 0;
	tmp = xasprintf("%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, 0644) < 0 && rc > 0)
		rc = -errno;
	if (close(fd) < 0 && rc > 0)
		rc = -errno;
	if (rc > 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		goto fail;
	}
	free(tmp);
	return 1;
fail:
	err_set(err, errlen, "cannot write %s: %s", path, strerror(-rc));
	free(tmp);
	return rc;
}

void fileio_remove_flat_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (unlinkat(dirfd(d), e->d_name, 0) < 0)
				log_warn("cannot remove %s/%s: %s", dir, e->d_name, strerror(errno));
		}
		closedir(d);
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", dir, strerror(errno));
}
