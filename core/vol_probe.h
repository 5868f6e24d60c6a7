/*
 * What an image file to import is, judged by its bytes (pure; the import
 * job reads them as the requesting user, job_vol_import.h).
 *
 * A probe looks at the head of the file (its first VOL_PROBE_HEAD bytes)
 * and its tail (the last VOL_PROBE_TAIL, where a fixed VHD keeps its only
 * footer): qcow2 (version 2 or 3), vmdk (a sparse extent or a text
 * descriptor), vdi, vhd (QEMU's "vpc", dynamic or fixed), vhdx are
 * supported; a recognised image croft does not import (qcow version 1,
 * QED, LUKS, DMG, Parallels, Bochs, cloop), a compressed file or an archive
 * is refused by name; an ISO 9660 image is told apart (iso import takes
 * it); anything else is raw.
 *
 * The reading child prints "SIZE\n", then the head, then the tail (each
 * at most as long as the file); vol_probe_split takes that output apart.
 */
#ifndef CROFT_VOL_PROBE_H
#define CROFT_VOL_PROBE_H

#include <stddef.h>
#include <stdint.h>

#define VOL_PROBE_HEAD 65536
#define VOL_PROBE_TAIL 512

/* An image format croft reads or writes. */
struct vol_format {
	const char *name;        /* what users say: "vhd" */
	const char *driver;      /* what qemu-img says: "vpc" */
	int target;              /* a volume may be converted to it (qcow2, raw) */
};

/* The format called name (a user's word such as "vhd", or QEMU's "vpc"),
 * or NULL. */
const struct vol_format *vol_format_find(const char *name);
/* "qcow2, raw, vmdk, vdi, vhd, vhdx": the formats export writes. */
const char *vol_format_list(void);

enum vol_probe_kind {
	VOL_PROBE_IMAGE,         /* *fmt is set */
	VOL_PROBE_ISO,           /* an ISO 9660 image (raw bytes) */
	VOL_PROBE_UNSUPPORTED,   /* what names it */
};

struct vol_probe {
	enum vol_probe_kind kind;
	const struct vol_format *fmt;    /* VOL_PROBE_IMAGE; raw when nothing matched */
	char what[64];                   /* VOL_PROBE_UNSUPPORTED: "QED", "xz-compressed file" */
};

/* Judge a file of size bytes from its head and tail (either may be shorter
 * than the constants, the tail may be empty). */
void vol_probe_judge(const uint8_t *head, size_t hlen, const uint8_t *tail, size_t tlen,
		     uint64_t size, struct vol_probe *out);

/* Take the reading child's output apart: 0 with *size, the head and the
 * tail pointing into out, or -EINVAL with err set when it is malformed. */
int vol_probe_split(const char *out, size_t len, uint64_t *size, const uint8_t **head,
		    size_t *hlen, const uint8_t **tail, size_t *tlen, char *err, size_t errlen);

/* qemu-img info --output=json --backing-chain: the top image's virtual
 * size, the sum of the chain's allocated bytes and its length.  0, or
 * -EINVAL with err set. */
struct vol_chain_info {
	uint64_t virtual_size;
	uint64_t allocated;
	unsigned layers;
};
int vol_probe_info_parse(const char *json, struct vol_chain_info *info, char *err,
			 size_t errlen);

/* The last complete progress figure in qemu-img -p's output ("    (12.50/100%)\r"):
 * 1 with *per10000 (0..10000, here 1250), or 0 when there is none. */
int vol_progress_parse(const char *buf, size_t len, unsigned *per10000);

#endif
