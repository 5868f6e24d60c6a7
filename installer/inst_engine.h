/*
 * The install engine: from a checked answer to an installed disk.
 *
 * inst_plan() does every check before anything is written: the answer's
 * disk and NIC filters against what sysfs shows, the disk's size against
 * the layout, that the disk is not in use (mounted, e.g. the live medium),
 * that the system to unpack, the kernel, the first-boot script and the
 * time zone exist.  inst_execute() then wipes and partitions the disk,
 * makes the file systems, unpacks the root, writes the configuration
 * (inst_config.h), and installs GRUB for BIOS and UEFI last.  If any step
 * fails it unmounts what it mounted and wipes the partition table, so the
 * disk boots into nothing half-written; the error says which step failed
 * and what the tool said.  With dry_run it walks the same steps and prints
 * each command and file instead.
 */
#ifndef CROFT_INSTALLER_INST_ENGINE_H
#define CROFT_INSTALLER_INST_ENGINE_H

#include "installer/answer.h"
#include "installer/inst_config.h"
#include "installer/inst_layout.h"
#include "installer/inst_progress.h"
#include "installer/inst_sysfs.h"

#include <stdio.h>

#define INST_SOURCE_DEFAULT "/run/live/medium/live"

struct inst_opts {
	const char *sysfs;       /* sysfs root */
	const char *source;      /* a directory: filesystem.squashfs, vmlinuz, initrd.img */
	const char *medium;      /* the answer file's medium (first-boot script paths) */
	const char *zoneinfo;    /* "/usr/share/zoneinfo" */
	int dry_run;
	int no_bootloader;       /* tests: skip grub-install */
	FILE *plan_out;          /* dry run: the commands and files, else NULL */
};

struct inst_plan {
	const struct answer *a;
	struct inst_disk disk;
	struct inst_nic nic;
	struct inst_layout layout;
};

/* Check everything and fill plan: 0, or -errno with err naming the
 * problem.  Nothing is written. */
int inst_plan(const struct answer *a, const struct inst_opts *o, struct inst_plan *plan,
	      char *err, size_t errlen);
/* Carry out plan, reporting on p: 0, or -errno with err (also sent to p
 * as an error line); on failure the disk is left without a partition
 * table. */
int inst_execute(const struct inst_plan *plan, const struct inst_opts *o,
		 struct inst_progress *p, char *err, size_t errlen);

#endif
