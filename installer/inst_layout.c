/*
 * The GPT layout (inst_layout.h).
 */
#include "installer/inst_layout.h"
#include "installer/inst_sysfs.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GPT_BIOS "21686148-6449-6E6F-744E-656564454649"
#define GPT_ESP  "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define GPT_ROOT "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"   /* Linux root (x86-64) */
#define GPT_DATA "0FC63DAF-8483-4772-8E79-3D69D8477DE4"   /* Linux filesystem */

#define HEAD INST_MIB            /* the GPT and alignment before partition 1 */
#define TAIL INST_MIB            /* the backup GPT */
#define BIOS_SIZE INST_MIB
#define ESP_SIZE (512 * INST_MIB)

uint64_t inst_layout_min_disk(void)
{
	return HEAD + BIOS_SIZE + ESP_SIZE + INST_ROOT_MIN + INST_DATA_MIN + TAIL;
}

int inst_layout_compute(uint64_t disk_size, struct inst_layout *l, char *err, size_t errlen)
{
	uint64_t usable, root, at;
	char have[32], need[32];

	memset(l, 0, sizeof(*l));
	l->disk_size = disk_size;
	if (disk_size < inst_layout_min_disk()) {
		err_set(err, errlen, "the disk is too small: %s, croft needs at least %s",
			inst_size_human(disk_size, have, sizeof(have)),
			inst_size_human(inst_layout_min_disk(), need, sizeof(need)));
		return -ENOSPC;
	}
	usable = (disk_size - TAIL) / INST_MIB * INST_MIB;   /* the end, aligned down */
	root = disk_size / 4 / INST_MIB * INST_MIB;
	if (root < INST_ROOT_MIN)
		root = INST_ROOT_MIN;
	if (root > INST_ROOT_MAX)
		root = INST_ROOT_MAX;
	at = HEAD;
	l->part[INST_PART_BIOS] = (struct inst_part){ "croft-bios", GPT_BIOS, NULL, at, BIOS_SIZE };
	at += BIOS_SIZE;
	l->part[INST_PART_ESP] = (struct inst_part){ "croft-esp", GPT_ESP, "/boot/efi", at, ESP_SIZE };
	at += ESP_SIZE;
	l->part[INST_PART_ROOT] = (struct inst_part){ "croft-root", GPT_ROOT, "/", at, root };
	at += root;
	l->part[INST_PART_DATA] = (struct inst_part){ "croft-data", GPT_DATA, "/var/lib/croft/pools",
						      at, usable - at };
	return 0;
}

char *inst_layout_sfdisk(const struct inst_layout *l)
{
	char *s = xasprintf("label: gpt\nunit: sectors\nsector-size: 512\n\n"), *t;
	int i;

	for (i = 0; i < INST_NPARTS; i++) {
		const struct inst_part *p = &l->part[i];

		t = xasprintf("%sstart=%llu, size=%llu, type=%s, name=\"%s\"\n", s,
			      (unsigned long long)(p->start / 512), (unsigned long long)(p->size / 512),
			      p->type, p->name);
		free(s);
		s = t;
	}
	return s;
}

void inst_part_path(const char *disk, int nr, char *out, size_t len)
{
	size_t n = strlen(disk);

	snprintf(out, len, "%s%s%d", disk, n && isdigit((unsigned char)disk[n - 1]) ? "p" : "", nr);
}

char *inst_layout_describe(const struct inst_layout *l)
{
	char *s = xstrdup(""), *t, size[32];
	int i;

	for (i = 0; i < INST_NPARTS; i++) {
		const struct inst_part *p = &l->part[i];

		t = xasprintf("%s%d  %-10s  %10s  %s\n", s, i + 1, p->name,
			      inst_size_human(p->size, size, sizeof(size)),
			      p->mount ? p->mount : i == INST_PART_BIOS ? "(BIOS boot)" : "");
		free(s);
		s = t;
	}
	return s;
}
