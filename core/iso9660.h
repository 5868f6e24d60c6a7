/*
 * A small ISO 9660 image built in memory by a pure function: one root
 * directory holding a few files, as a cloud-init NoCloud seed needs.
 *
 * The image is plain ISO 9660 (level 2 names, no Rock Ridge or Joliet):
 * sixteen empty system sectors, the primary volume descriptor, the set
 * terminator, the little- and big-endian path tables, the root directory
 * and the files, each from a sector boundary.  Names are stored upper
 * case with ";1", as the standard has them; Linux shows them lower case
 * without the version (isofs map=normal, the default), so "meta-data" is
 * read back as written.  Dates are "not specified" (all zeros), so the
 * same files always give the same bytes.
 */
#ifndef CROFT_ISO9660_H
#define CROFT_ISO9660_H

#include <stddef.h>

#define ISO9660_FILES_MAX 8
#define ISO9660_NAME_MAX 30              /* level 2: name, '.', extension */

struct iso9660_file {
	const char *name;                /* letters, digits, '-', '_', at most one '.' */
	const void *data;
	size_t len;
};

/* The image of files[0..n) with volume id volid (at most 32 characters),
 * malloc'd into *img (*len bytes, a multiple of 2048).  0, or -EINVAL
 * with err naming a bad name or id, or too many files. */
int iso9660_build(const char *volid, const struct iso9660_file *files, size_t n,
		  unsigned char **img, size_t *len, char *err, size_t errlen);

#endif
