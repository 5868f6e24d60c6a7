/*
 * The disk layout the installer writes (GPT, 512-byte sectors, everything
 * aligned to 1 MiB):
 *
 *   1  bios   1 MiB    BIOS boot partition (GRUB's core image, BIOS boot)
 *   2  esp    512 MiB  EFI system partition (FAT32, /boot/efi)
 *   3  root   a quarter of the disk, 4 to 32 GiB (/)
 *   4  data   the rest, at least 1 GiB (/var/lib/croft/pools)
 *
 * The last MiB is left for the backup GPT.  Pure: no disk is touched.
 */
#ifndef CROFT_INSTALLER_INST_LAYOUT_H
#define CROFT_INSTALLER_INST_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define INST_MIB (1024ull * 1024)
#define INST_GIB (1024ull * INST_MIB)
#define INST_ROOT_MIN (4 * INST_GIB)
#define INST_ROOT_MAX (32 * INST_GIB)
#define INST_DATA_MIN (1 * INST_GIB)

enum { INST_PART_BIOS, INST_PART_ESP, INST_PART_ROOT, INST_PART_DATA, INST_NPARTS };

struct inst_part {
	const char *name;      /* "croft-root" (the GPT partition name) */
	const char *type;      /* GPT type GUID */
	const char *mount;     /* "/", "/boot/efi", ... or NULL */
	uint64_t start, size;  /* bytes */
};

struct inst_layout {
	uint64_t disk_size;
	struct inst_part part[INST_NPARTS];
};

/* The layout for a disk of disk_size bytes: 0, or -ENOSPC with err saying
 * how large a disk must be. */
int inst_layout_compute(uint64_t disk_size, struct inst_layout *l, char *err, size_t errlen);
/* The smallest disk inst_layout_compute() accepts, in bytes. */
uint64_t inst_layout_min_disk(void);
/* The sfdisk script that writes l (malloc'd). */
char *inst_layout_sfdisk(const struct inst_layout *l);
/* The device node of partition nr (1-based) of disk path: "/dev/sda3",
 * "/dev/nvme0n1p3", "/dev/loop0p3". */
void inst_part_path(const char *disk, int nr, char *out, size_t len);
/* The plan in words, one partition a line (malloc'd). */
char *inst_layout_describe(const struct inst_layout *l);

#endif
