/*
 * The disks and NICs the installer can offer, read from sysfs (the root is
 * $CROFT_SYSFS_ROOT, default /sys, so tests use a fake tree).  A disk is a
 * whole block device with media: /sys/block/NAME with a size, not a loop,
 * RAM, zram, optical, device-mapper, md or nbd device; its model and serial
 * come from the device's own attributes (virtio and NVMe "serial", SCSI/ATA
 * page 0x80), never only its /dev name.  A NIC is a /sys/class/net entry
 * backed by a device (so not lo, bridges, taps or veths).
 */
#ifndef CROFT_INSTALLER_INST_SYSFS_H
#define CROFT_INSTALLER_INST_SYSFS_H

#include <stddef.h>
#include <stdint.h>

struct inst_disk {
	char name[32];        /* "sda" */
	char path[48];        /* "/dev/sda" */
	char model[128];      /* "" when unknown */
	char serial[128];
	uint64_t size;        /* bytes */
	int removable, rotational;
};

struct inst_nic {
	char name[16];
	uint8_t mac[6];
	int carrier;          /* 1 link up, 0 down or unknown */
	char driver[64];
};

/* The sysfs root: $CROFT_SYSFS_ROOT or "/sys". */
const char *inst_sysfs_root(void);

/* The disks under root, sorted by name (*out is malloc'd, may be NULL with
 * *n 0): 0 or -errno with err naming what could not be read. */
int inst_disks_list(const char *root, struct inst_disk **out, size_t *n, char *err, size_t errlen);
/* The NICs under root, sorted by name, as inst_disks_list(). */
int inst_nics_list(const char *root, struct inst_nic **out, size_t *n, char *err, size_t errlen);

/* The JSON the --list-disks / --list-nics options print (malloc'd). */
char *inst_disks_json(const struct inst_disk *d, size_t n);
char *inst_nics_json(const struct inst_nic *nics, size_t n);

/* "931.5 GiB": a size for people, in buf. */
const char *inst_size_human(uint64_t bytes, char *buf, size_t len);

#endif
