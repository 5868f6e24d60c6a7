/*
 * The attended installer's model (croft-installer): what the user chose on
 * each screen, the disks and NICs croft-install found, and the pure steps
 * between them and the install engine.  No curses and no terminal here:
 *
 *   ui_disks_parse(), ui_nics_parse()   croft-install --list-disks/--list-nics
 *                                       --json, into rows the screens show
 *   ui_disk_partitions()                what a disk holds now (its partitions,
 *                                       from sysfs), for the erase warning
 *   ui_answer_text()                    the answers as an answer file (the
 *                                       unattended install's INI format),
 *                                       checked by reading it back with
 *                                       answer_parse() and the engine's own
 *                                       disk and NIC filters
 *   ui_hash_password()                  crypt(3) yescrypt; the password itself
 *                                       is never written anywhere
 *   ui_progress_parse()                 one line of the engine's progress fd
 *   ui_zones_load()                     the time zones under /usr/share/zoneinfo
 *   ui_layout_line()                    one partition of the layout, as shown
 *
 * The screens (ui_screens.c, ui_forms.c) and the engine's process
 * (ui_engine.c) are built on these; installer/ui_main.c is the program.
 */
#ifndef CROFT_INSTALLER_UI_H
#define CROFT_INSTALLER_UI_H

#include <stddef.h>
#include <stdint.h>

#include "installer/answer.h"
#include "installer/inst_layout.h"

struct ui_disk {
	char name[32];          /* "sda" */
	char path[64];          /* "/dev/sda" */
	char model[128];
	char serial[128];
	uint64_t size;          /* bytes */
	int removable, rotational;
	char parts[256];        /* "sda1 512M, sda2 19.5G", or "" */
	size_t nparts;
};

struct ui_nic {
	char name[16];          /* "enp1s0" */
	uint8_t mac[6];
	int carrier;            /* 1 link up, 0 down, -1 unknown */
	char driver[32];
};

/* What the screens gathered. */
struct ui_answers {
	int disk;               /* index into the disks; -1: none yet */
	char fs[8];             /* ext4 or xfs */
	char hostname[254];
	int nic;                /* index into the NICs; -1: none yet */
	int dhcp;               /* 1: DHCP; 0: static */
	char cidr[32], gateway[32], dns[128];   /* static (kept while DHCP is chosen) */
	char hash[256];         /* the root password's crypt(3) hash, or "" */
	char ssh_key[ANSWER_KEY_MAX];   /* or "" */
	char timezone[64];
};

void ui_answers_init(struct ui_answers *u);

/* The JSON arrays croft-install prints: 0, or -EINVAL (err names the
 * problem).  *out is malloc'd (free()). */
int ui_disks_parse(const char *json, struct ui_disk **out, size_t *n, char *err, size_t errlen);
int ui_nics_parse(const char *json, struct ui_nic **out, size_t *n, char *err, size_t errlen);

/* Fill d->parts and d->nparts from SYSFS/block/NAME/NAME* (sysfs_root
 * NULL: "/sys"); nothing when it cannot be read. */
void ui_disk_partitions(const char *sysfs_root, struct ui_disk *d);

/* "QEMU HARDDISK, 20G, serial QM00001" (what identifies the disk). */
char *ui_disk_describe(const struct ui_disk *d, char *buf, size_t len);
/* "52:54:00:12:34:56, link up, virtio_net" */
char *ui_nic_describe(const struct ui_nic *n, char *buf, size_t len);

/* The answer file for u (malloc'd), or NULL with err saying why: it is
 * read back with answer_parse(), and its [disk] and [network] filters must
 * pick exactly the chosen disk and NIC among those found. */
char *ui_answer_text(const struct ui_answers *u, const struct ui_disk *disks, size_t ndisks,
		     const struct ui_nic *nics, size_t nnics, char *err, size_t errlen);

/* The disk and NIC an answer file's filters pick among those found: their
 * indexes, or -errno with why (a NIC only when the disk was found). */
void ui_answer_picks(const struct answer *a, const struct ui_disk *disks, size_t ndisks,
		     const struct ui_nic *nics, size_t nnics, int *disk, int *nic,
		     char *why, size_t whylen);

/* The crypt(3) yescrypt hash of password into out: 0, or -errno. */
int ui_hash_password(const char *password, char *out, size_t outlen, char *err, size_t errlen);

/* One line of the engine's progress fd. */
enum ui_progress_kind { UI_PROGRESS_OTHER, UI_PROGRESS_STEP, UI_PROGRESS_ERROR, UI_PROGRESS_DONE };
struct ui_progress {
	enum ui_progress_kind kind;
	int pct;                /* UI_PROGRESS_STEP: 0..100 */
	char text[512];         /* the step, or the error */
};
void ui_progress_parse(const char *line, struct ui_progress *p);

/* The zone names under dir ("Europe/Berlin", "UTC", ...; TZif files whose
 * names answer_timezone_check() takes, not posix/ or right/), sorted;
 * *zones is malloc'd, free with ui_zones_free().  0, or -errno. */
int ui_zones_load(const char *dir, char ***zones, size_t *n);
void ui_zones_free(char **zones, size_t n);

/* Partition k (0..3) of l as one row: number, what, size, where. */
char *ui_layout_line(const struct inst_layout *l, size_t k, const char *fs, char *buf, size_t len);

#endif
