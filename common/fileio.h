/*
 * Small file operations shared by croftd and croft-netd (fileio.c).
 */
#ifndef CROFT_FILEIO_H
#define CROFT_FILEIO_H

#include <stddef.h>

/* Replace path with text (mode 0644) if its bytes differ, atomically:
 * 1 changed, 0 unchanged, -errno with err naming the file. */
int fileio_write_if_changed(const char *path, const char *text, char *err, size_t errlen);
/* Remove the plain files in dir, then dir; problems are logged. */
void fileio_remove_flat_dir(const char *dir);

#endif
