/*
 * Small file operations shared by croftd and croft-netd (fileio.c).
 */
#ifndef CROFT_FILEIO_H
#define CROFT_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Read the small file at path (a /proc file, a pid file) into buf, at
 * most len - 1 bytes, and NUL-terminate it: the bytes read, or -errno. */
ssize_t fileio_read_small(const char *path, char *buf, size_t len);

/* Replace path with text (mode 0644) if its bytes differ, atomically:
 * 1 changed, 0 unchanged, -errno with err naming the file. */
int fileio_write_if_changed(const char *path, const char *text, char *err, size_t errlen);
/* Remove the plain files in dir, then dir; problems are logged. */
void fileio_remove_flat_dir(const char *dir);

#endif
