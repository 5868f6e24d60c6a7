/*
 * Image format probe (vol_probe.h): a table of signatures, each a byte
 * string at an offset of the head or from the end of the tail, checked in
 * order; the first that matches decides.
 */
#include "core/vol_probe.h"
#include "common/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct vol_format formats[] = {
	{ "qcow2", "qcow2", 1 },
	{ "raw", "raw", 1 },
	{ "vmdk", "vmdk", 0 },
	{ "vdi", "vdi", 0 },
	{ "vhd", "vpc", 0 },
	{ "vhdx", "vhdx", 0 },
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct vol_format *vol_format_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < NFORMATS; i++)
		if (!strcmp(formats[i].name, name) || !strcmp(formats[i].driver, name))
			return &formats[i];
	return NULL;
}

const char *vol_format_list(void)
{
	return "qcow2, raw, vmdk, vdi, vhd, vhdx";
}

/* --- signatures ---------------------------------------------------------------- */

enum where { HEAD, TAIL };

struct sig {
	enum where where;
	size_t off;              /* from the start of the head, or back from the tail's end */
	const char *bytes;
	size_t len;
	const char *format;      /* supported: its name */
	const char *what;        /* unsupported: its name */
};

#define S(w, o, b, f, x) { w, o, b, sizeof(b) - 1, f, x }

static const struct sig sigs[] = {
	S(HEAD, 0, "QFI\xfb\x00\x00\x00\x01", NULL, "qcow (version 1)"),
	S(HEAD, 0, "QFI\xfb", "qcow2", NULL),
	S(HEAD, 0, "KDMV", "vmdk", NULL),
	S(HEAD, 0, "COWD", "vmdk", NULL),
	S(HEAD, 0, "# Disk DescriptorFile", "vmdk", NULL),
	S(HEAD, 0x40, "\x7f\x10\xda\xbe", "vdi", NULL),
	S(HEAD, 0, "vhdxfile", "vhdx", NULL),
	S(HEAD, 0, "conectix", "vhd", NULL),
	S(TAIL, 512, "conectix", "vhd", NULL),
	S(HEAD, 0, "QED\x00", NULL, "QED"),
	S(HEAD, 0, "LUKS\xba\xbe", NULL, "LUKS (encrypted)"),
	S(HEAD, 0, "WithoutFreeSpace", NULL, "Parallels"),
	S(HEAD, 0, "WithouFreSpacExt", NULL, "Parallels"),
	S(HEAD, 0, "Bochs Virtual HD Image", NULL, "Bochs"),
	S(HEAD, 0, "#!/bin/sh\n#V2.0 Format", NULL, "cloop"),
	S(TAIL, 512, "koly", NULL, "DMG"),
	S(HEAD, 0, "\x1f\x8b", NULL, "gzip-compressed file; decompress it first"),
	S(HEAD, 0, "\xfd" "7zXZ\x00", NULL, "xz-compressed file; decompress it first"),
	S(HEAD, 0, "BZh", NULL, "bzip2-compressed file; decompress it first"),
	S(HEAD, 0, "\x28\xb5\x2f\xfd", NULL, "zstd-compressed file; decompress it first"),
	S(HEAD, 0, "7z\xbc\xaf\x27\x1c", NULL, "7-Zip archive; unpack it first"),
	S(HEAD, 0, "PK\x03\x04", NULL, "zip archive; unpack it first"),
	S(HEAD, 257, "ustar", NULL, "tar archive (an OVA is one); unpack it and import its disk"),
};

static int sig_match(const struct sig *s, const uint8_t *head, size_t hlen,
		     const uint8_t *tail, size_t tlen)
{
	if (s->where == HEAD)
		return hlen >= s->off + s->len && !memcmp(head + s->off, s->bytes, s->len);
	return tlen >= s->off && s->off >= s->len &&
	       !memcmp(tail + tlen - s->off, s->bytes, s->len);
}

#define ISO_MAGIC_OFF 0x8001

void vol_probe_judge(const uint8_t *head, size_t hlen, const uint8_t *tail, size_t tlen,
		     uint64_t size, struct vol_probe *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	/* a fixed VHD's footer is its last 512 bytes: only a whole one counts */
	if (size < VOL_PROBE_TAIL)
		tlen = 0;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (!sig_match(&sigs[i], head, hlen, tail, tlen))
			continue;
		if (sigs[i].format) {
			out->kind = VOL_PROBE_IMAGE;
			out->fmt = vol_format_find(sigs[i].format);
		} else {
			out->kind = VOL_PROBE_UNSUPPORTED;
			snprintf(out->what, sizeof(out->what), "%s", sigs[i].what);
		}
		return;
	}
	if (hlen >= ISO_MAGIC_OFF + 5 && !memcmp(head + ISO_MAGIC_OFF, "CD001", 5)) {
		out->kind = VOL_PROBE_ISO;
		out->fmt = vol_format_find("raw");
		return;
	}
	out->kind = VOL_PROBE_IMAGE;
	out->fmt = vol_format_find("raw");
}

/* --- the reading child's output ------------------------------------------------------ */

int vol_probe_split(const char *out, size_t len, uint64_t *size, const uint8_t **head,
		    size_t *hlen, const uint8_t **tail, size_t *tlen, char *err, size_t errlen)
{
	const char *nl = memchr(out, '\n', len < 24 ? len : 24);
	uint64_t sz = 0;
	size_t body, h, t;
	const char *p;

	if (!nl || nl == out) {
		err_set(err, errlen, "the probe printed no file size");
		return -EINVAL;
	}
	for (p = out; p < nl; p++) {
		if (*p < '0' || *p > '9' || sz > (UINT64_MAX - 9) / 10) {
			err_set(err, errlen, "the probe printed a bad file size");
			return -EINVAL;
		}
		sz = sz * 10 + (uint64_t)(*p - '0');
	}
	body = len - (size_t)(nl + 1 - out);
	h = sz < VOL_PROBE_HEAD ? (size_t)sz : VOL_PROBE_HEAD;
	t = sz < VOL_PROBE_TAIL ? (size_t)sz : VOL_PROBE_TAIL;
	if (body != h + t) {
		err_set(err, errlen, "the file changed while it was read (%zu bytes read, %zu expected)",
			body, h + t);
		return -EINVAL;
	}
	*size = sz;
	*head = (const uint8_t *)nl + 1;
	*hlen = h;
	*tail = *head + h;
	*tlen = t;
	return 0;
}

/* --- qemu-img info ------------------------------------------------------------------------ */

int vol_probe_info_parse(const char *json, struct vol_chain_info *info, char *err,
			 size_t errlen)
{
	json_t *root = json_loads(json, 0, NULL), *top, *o;
	json_int_t v;
	size_t i;
	int rc = -EINVAL;

	memset(info, 0, sizeof(*info));
	if (!root || !(json_is_array(root) || json_is_object(root))) {
		err_set(err, errlen, "qemu-img info printed something that is not JSON");
		goto out;
	}
	top = json_is_array(root) ? json_array_get(root, 0) : root;
	v = json_integer_value(json_object_get(top, "virtual-size"));
	if (!json_is_object(top) || v <= 0) {
		err_set(err, errlen, "qemu-img info gave no virtual size");
		goto out;
	}
	info->virtual_size = (uint64_t)v;
	if (json_is_array(root)) {
		json_array_foreach(root, i, o) {
			v = json_integer_value(json_object_get(o, "actual-size"));
			info->allocated += v > 0 ? (uint64_t)v : 0;
		}
		info->layers = (unsigned)json_array_size(root);
	} else {
		v = json_integer_value(json_object_get(top, "actual-size"));
		info->allocated = v > 0 ? (uint64_t)v : 0;
		info->layers = 1;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* --- progress ------------------------------------------------------------------------------ */

int vol_progress_parse(const char *buf, size_t len, unsigned *per10000)
{
	size_t i = len, open;
	unsigned whole = 0, frac = 0, nd = 0;
	const char *p, *end;

	/* back to the last "/100%)" */
	while (i >= 6) {
		if (!memcmp(buf + i - 6, "/100%)", 6))
			break;
		i--;
	}
	if (i < 6)
		return 0;
	end = buf + i - 6;
	for (open = i - 6; open > 0 && buf[open - 1] != '('; open--)
		;
	if (!open)
		return 0;
	for (p = buf + open; p < end && *p >= '0' && *p <= '9'; p++)
		whole = whole * 10 + (unsigned)(*p - '0');
	if (p == buf + open || whole > 100)
		return 0;
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9'; p++)
			if (nd < 2) {
				frac = frac * 10 + (unsigned)(*p - '0');
				nd++;
			}
	if (p != end)
		return 0;
	if (nd == 1)
		frac *= 10;
	*per10000 = whole * 100 + frac;
	if (*per10000 > 10000)
		*per10000 = 10000;
	return 1;
}
