/*
 * ISO 9660 images in memory (iso9660.h).  Layout, in 2048-byte sectors:
 *   0..15   system area (zero)
 *   16      primary volume descriptor
 *   17      volume descriptor set terminator
 *   18, 19  path table, little-endian then big-endian (the root only)
 *   20      root directory: ".", "..", then the files by name
 *   21..    the files' data
 * Numbers the standard records "both-endian" are written little-endian
 * then big-endian.
 */
#include "core/iso9660.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR 2048
#define PVD_SECTOR 16
#define PATH_L_SECTOR 18
#define PATH_M_SECTOR 19
#define ROOT_SECTOR 20
#define DATA_SECTOR 21

static void le16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void be16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void le32(unsigned char *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

static void be32(unsigned char *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v & 0xffff);
}

static void both16(unsigned char *p, uint32_t v)
{
	le16(p, v);
	be16(p + 2, v);
}

static void both32(unsigned char *p, uint32_t v)
{
	le32(p, v);
	be32(p + 4, v);
}

/* A text field padded with spaces. */
static void text(unsigned char *p, size_t width, const char *s)
{
	size_t n = strlen(s);

	memset(p, ' ', width);
	memcpy(p, s, n < width ? n : width);
}

/* A date field (17 bytes) meaning "not specified": digits zero, zone 0. */
static void no_date(unsigned char *p)
{
	memset(p, '0', 16);
	p[16] = 0;
}

/* A directory record at p: its length. */
static size_t dirent(unsigned char *p, uint32_t sector, uint32_t size, int dir,
		     const char *id, size_t idlen)
{
	size_t len = 33 + idlen + (idlen % 2 == 0);

	memset(p, 0, len);
	p[0] = (unsigned char)len;
	both32(p + 2, sector);
	both32(p + 10, size);
	p[25] = dir ? 2 : 0;
	both16(p + 28, 1);
	p[32] = (unsigned char)idlen;
	memcpy(p + 33, id, idlen);
	return len;
}

static int name_check(const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name), i;
	const char *dot = strchr(name, '.');

	if (!len || len > ISO9660_NAME_MAX || (dot && strchr(dot + 1, '.'))) {
		err_set(err, errlen, "ISO 9660 file name '%s' is empty, too long or has two dots", name);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)name[i]) && !strchr("-_.", name[i])) {
			err_set(err, errlen, "ISO 9660 file name '%s' has '%c'", name, name[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct iso9660_file *)a)->name, ((const struct iso9660_file *)b)->name);
}

static void pvd(unsigned char *p, const char *volid, uint32_t sectors, unsigned char *root)
{
	p[0] = 1;
	memcpy(p + 1, "CD001", 5);
	p[6] = 1;
	text(p + 8, 32, "LINUX");
	text(p + 40, 32, volid);
	both32(p + 80, sectors);
	both16(p + 120, 1);
	both16(p + 124, 1);
	both16(p + 128, SECTOR);
	both32(p + 132, 10);
	le32(p + 140, PATH_L_SECTOR);
	be32(p + 148, PATH_M_SECTOR);
	memcpy(p + 156, root, 34);
	text(p + 190, 128, "");
	text(p + 318, 128, "");
	text(p + 446, 128, "");
	text(p + 574, 128, "CROFT");
	text(p + 702, 37, "");
	text(p + 739, 37, "");
	text(p + 776, 37, "");
	no_date(p + 813);
	no_date(p + 830);
	no_date(p + 847);
	no_date(p + 864);
	p[881] = 1;
}

int iso9660_build(const char *volid, const struct iso9660_file *files, size_t n,
		  unsigned char **img, size_t *len, char *err, size_t errlen)
{
	struct iso9660_file sorted[ISO9660_FILES_MAX];
	unsigned char root[34], *p, *dir;
	uint32_t sectors = DATA_SECTOR, at;
	size_t i, off;

	*img = NULL;
	*len = 0;
	if (n > ISO9660_FILES_MAX || strlen(volid) > 32) {
		err_set(err, errlen, "an ISO 9660 seed holds at most %d files and a volume id of 32 characters",
			ISO9660_FILES_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (name_check(files[i].name, err, errlen) < 0)
			return -EINVAL;
		sorted[i] = files[i];
		sectors += (uint32_t)((files[i].len + SECTOR - 1) / SECTOR);
	}
	qsort(sorted, n, sizeof(sorted[0]), by_name);
	p = xcalloc(sectors, SECTOR);

	dirent(root, ROOT_SECTOR, SECTOR, 1, "\0", 1);
	pvd(p + PVD_SECTOR * SECTOR, volid, sectors, root);
	p[17 * SECTOR] = 255;
	memcpy(p + 17 * SECTOR + 1, "CD001", 5);
	p[17 * SECTOR + 6] = 1;
	/* the path tables: the root, its own parent */
	p[PATH_L_SECTOR * SECTOR] = 1;
	le32(p + PATH_L_SECTOR * SECTOR + 2, ROOT_SECTOR);
	le16(p + PATH_L_SECTOR * SECTOR + 6, 1);
	p[PATH_M_SECTOR * SECTOR] = 1;
	be32(p + PATH_M_SECTOR * SECTOR + 2, ROOT_SECTOR);
	be16(p + PATH_M_SECTOR * SECTOR + 6, 1);

	dir = p + ROOT_SECTOR * SECTOR;
	off = dirent(dir, ROOT_SECTOR, SECTOR, 1, "\0", 1);
	off += dirent(dir + off, ROOT_SECTOR, SECTOR, 1, "\1", 1);
	for (i = 0, at = DATA_SECTOR; i < n; i++) {
		char id[ISO9660_NAME_MAX + 5];
		size_t k, l = strlen(sorted[i].name);

		for (k = 0; k < l; k++)
			id[k] = (char)toupper((unsigned char)sorted[i].name[k]);
		if (!strchr(sorted[i].name, '.'))
			id[l++] = '.';      /* the separator stays, the extension may be empty */
		memcpy(id + l, ";1", 2);
		off += dirent(dir + off, at, (uint32_t)sorted[i].len, 0, id, l + 2);
		memcpy(p + (size_t)at * SECTOR, sorted[i].data, sorted[i].len);
		at += (uint32_t)((sorted[i].len + SECTOR - 1) / SECTOR);
	}
	*img = p;
	*len = (size_t)sectors * SECTOR;
	return 0;
}
