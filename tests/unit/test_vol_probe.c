/*
 * Tests of the import format probe (core/vol_probe.c) on headers built
 * here byte by byte as each format lays them out, of the probe output's
 * framing, qemu-img info's chain, qemu-img -p's progress lines, the
 * format names, and the path rules of the import and export requests
 * (core/job_vol_import.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/job_vol_import.h"
#include "core/vol_probe.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t head[VOL_PROBE_HEAD], tail[VOL_PROBE_TAIL];

static void put(uint8_t *buf, size_t off, const void *bytes, size_t len)
{
	memcpy(buf + off, bytes, len);
}

static void clear(void)
{
	memset(head, 0, sizeof(head));
	memset(tail, 0, sizeof(tail));
}

/* The probe's verdict as "image:vhd", "iso", or "unsupported:QED". */
static const char *judge(size_t hlen, size_t tlen, uint64_t size)
{
	static char out[96];
	struct vol_probe p;

	vol_probe_judge(head, hlen, tail, tlen, size, &p);
	if (p.kind == VOL_PROBE_IMAGE)
		snprintf(out, sizeof(out), "image:%s", p.fmt->name);
	else if (p.kind == VOL_PROBE_ISO)
		snprintf(out, sizeof(out), "iso");
	else
		snprintf(out, sizeof(out), "unsupported:%s", p.what);
	return out;
}

#define BIG (1u << 30)

static void test_supported(void **state)
{
	(void)state;
	clear();        /* QCowHeader: magic, version 3 (big-endian) */
	put(head, 0, "QFI\xfb\x00\x00\x00\x03", 8);
	assert_string_equal(judge(sizeof(head), sizeof(tail), BIG), "image:qcow2");
	clear();        /* version 2 */
	put(head, 0, "QFI\xfb\x00\x00\x00\x02", 8);
	assert_string_equal(judge(sizeof(head), sizeof(tail), BIG), "image:qcow2");
	clear();        /* VMDK4 sparse extent header: "KDMV", version 1 */
	put(head, 0, "KDMV\x01\x00\x00\x00", 8);
	assert_string_equal(judge(sizeof(head), sizeof(tail), BIG), "image:vmdk");
	clear();        /* a descriptor file (monolithicFlat) */
	put(head, 0, "# Disk DescriptorFile\nversion=1\n", 32);
	assert_string_equal(judge(32, 32, 32), "image:vmdk");
	clear();        /* VDI: text, then the signature 0xbeda107f (LE) at 0x40 */
	put(head, 0, "<<< QEMU VM Virtual Disk Image >>>\n", 35);
	put(head, 0x40, "\x7f\x10\xda\xbe", 4);
	assert_string_equal(judge(sizeof(head), sizeof(tail), BIG), "image:vdi");
	clear();        /* VHDX file type identifier */
	put(head, 0, "vhdxfile", 8);
	assert_string_equal(judge(sizeof(head), sizeof(tail), BIG), "image:vhdx");
	clear();        /* dynamic VHD: a copy of the footer first */
	put(head, 0, "conectix", 8);
	assert_string_equal(judge(sizeof(head), sizeof(tail), BIG), "image:vhd");
	clear();        /* fixed VHD: the footer is the last 512 bytes only */
	put(tail, 0, "conectix", 8);
	assert_string_equal(judge(sizeof(head), sizeof(tail), BIG), "image:vhd");
	clear();        /* anything else is raw */
	put(head, 510, "\x55\xaa", 2);
	assert_string_equal(judge(sizeof(head), sizeof(tail), BIG), "image:raw");
	assert_string_equal(judge(0, 0, 0), "image:raw");
}

static void test_iso_and_unsupported(void **state)
{
	static const struct {
		size_t off;
		const char *bytes;
		size_t len;
		const char *want;
	} cases[] = {
		{ 0x8001, "CD001", 5, "iso" },
		{ 0, "QFI\xfb\x00\x00\x00\x01", 8, "unsupported:qcow (version 1)" },
		{ 0, "QED\x00", 4, "unsupported:QED" },
		{ 0, "LUKS\xba\xbe\x00\x01", 8, "unsupported:LUKS (encrypted)" },
		{ 0, "WithoutFreeSpace", 16, "unsupported:Parallels" },
		{ 0, "Bochs Virtual HD Image", 22, "unsupported:Bochs" },
		{ 0, "#!/bin/sh\n#V2.0 Format\n", 23, "unsupported:cloop" },
		{ 0, "\x1f\x8b\x08\x00", 4, "unsupported:gzip-compressed file; decompress it first" },
		{ 0, "\xfd" "7zXZ\x00\x00", 6, "unsupported:xz-compressed file; decompress it first" },
		{ 0, "BZh9", 4, "unsupported:bzip2-compressed file; decompress it first" },
		{ 0, "\x28\xb5\x2f\xfd", 4, "unsupported:zstd-compressed file; decompress it first" },
		{ 0, "PK\x03\x04", 4, "unsupported:zip archive; unpack it first" },
		{ 0, "7z\xbc\xaf\x27\x1c", 6, "unsupported:7-Zip archive; unpack it first" },
		{ 257, "ustar\x00" "00", 8,
		  "unsupported:tar archive (an OVA is one); unpack it and import its disk" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		clear();
		put(head, cases[i].off, cases[i].bytes, cases[i].len);
		if (strcmp(judge(sizeof(head), sizeof(tail), BIG), cases[i].want))
			fail_msg("case %zu: %s, want %s", i, judge(sizeof(head), sizeof(tail), BIG),
				 cases[i].want);
	}
	clear();        /* a DMG's "koly" trailer is in its last 512 bytes */
	put(tail, 0, "koly", 4);
	assert_string_equal(judge(sizeof(head), sizeof(tail), BIG), "unsupported:DMG");
	/* an image signature beats an ISO's (a hybrid is judged by its head) */
	clear();
	put(head, 0, "QFI\xfb\x00\x00\x00\x03", 8);
	put(head, 0x8001, "CD001", 5);
	assert_string_equal(judge(sizeof(head), sizeof(tail), BIG), "image:qcow2");
	/* a file shorter than the ISO's descriptor or a footer cannot be one */
	clear();
	put(head, 0x8001, "CD001", 5);
	assert_string_equal(judge(0x8003, 0, 0x8003), "image:raw");
	clear();
	put(tail, 0, "conectix", 8);
	assert_string_equal(judge(100, 100, 100), "image:raw");
}

static void test_split(void **state)
{
	static char out[32 + VOL_PROBE_HEAD + VOL_PROBE_TAIL];
	const uint8_t *h, *t;
	size_t hl, tl, n;
	uint64_t size;
	char err[256];

	(void)state;
	/* a 10-byte file: its head and tail are the whole file */
	n = (size_t)snprintf(out, sizeof(out), "10\n0123456789" "0123456789");
	assert_int_equal(vol_probe_split(out, n, &size, &h, &hl, &t, &tl, err, sizeof(err)), 0);
	assert_int_equal(size, 10);
	assert_int_equal(hl, 10);
	assert_int_equal(tl, 10);
	assert_memory_equal(h, "0123456789", 10);
	assert_memory_equal(t, "0123456789", 10);
	/* a big file: 64 KiB then 512 bytes */
	n = (size_t)snprintf(out, sizeof(out), "1073741824\n");
	memset(out + n, 'h', VOL_PROBE_HEAD);
	memset(out + n + VOL_PROBE_HEAD, 't', VOL_PROBE_TAIL);
	n += VOL_PROBE_HEAD + VOL_PROBE_TAIL;
	assert_int_equal(vol_probe_split(out, n, &size, &h, &hl, &t, &tl, err, sizeof(err)), 0);
	assert_int_equal(size, 1073741824);
	assert_int_equal(hl, VOL_PROBE_HEAD);
	assert_int_equal(tl, VOL_PROBE_TAIL);
	assert_int_equal(h[0], 'h');
	assert_int_equal(t[0], 't');
	/* the file changed between the size and the reads */
	assert_int_equal(vol_probe_split(out, n - 1, &size, &h, &hl, &t, &tl, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "the file changed while it was read (66047 bytes read, 66048 expected)");
	assert_int_equal(vol_probe_split("x\n", 2, &size, &h, &hl, &t, &tl, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "the probe printed a bad file size");
	assert_int_equal(vol_probe_split("", 0, &size, &h, &hl, &t, &tl, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "the probe printed no file size");
	assert_int_equal(vol_probe_split("99999999999999999999999\n", 24, &size, &h, &hl, &t, &tl,
					 err, sizeof(err)), -EINVAL);
}

static void test_info(void **state)
{
	struct vol_chain_info ci;
	char err[256];

	(void)state;
	assert_int_equal(vol_probe_info_parse(
		"[{\"virtual-size\": 1073741824, \"filename\": \"/a.qcow2\", \"format\": \"qcow2\","
		" \"actual-size\": 200704, \"backing-filename\": \"b.raw\"},"
		" {\"virtual-size\": 1073741824, \"filename\": \"/b.raw\", \"format\": \"raw\","
		" \"actual-size\": 4096}]", &ci, err, sizeof(err)), 0);
	assert_int_equal(ci.virtual_size, 1073741824);
	assert_int_equal(ci.allocated, 204800);
	assert_int_equal(ci.layers, 2);
	assert_int_equal(vol_probe_info_parse("{\"virtual-size\": 512, \"actual-size\": 0}", &ci,
					      err, sizeof(err)), 0);
	assert_int_equal(ci.layers, 1);
	assert_int_equal(vol_probe_info_parse("[{\"format\": \"raw\"}]", &ci, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "qemu-img info gave no virtual size");
	assert_int_equal(vol_probe_info_parse("qemu-img: oops", &ci, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "qemu-img info printed something that is not JSON");
}

static void test_progress(void **state)
{
	const char *s = "    (0.00/100%)\r    (1.17/100%)\r    (12.5/100%)\r    (13.";
	unsigned p = 0;

	(void)state;
	assert_int_equal(vol_progress_parse(s, strlen(s), &p), 1);
	assert_int_equal(p, 1250);
	s = "    (100.00/100%)\r";
	assert_int_equal(vol_progress_parse(s, strlen(s), &p), 1);
	assert_int_equal(p, 10000);
	s = "    (7/100%)\r";
	assert_int_equal(vol_progress_parse(s, strlen(s), &p), 1);
	assert_int_equal(p, 700);
	s = "    (99.999/100%)\r";
	assert_int_equal(vol_progress_parse(s, strlen(s), &p), 1);
	assert_int_equal(p, 9999);
	assert_int_equal(vol_progress_parse("", 0, &p), 0);
	assert_int_equal(vol_progress_parse("/100%)", 6, &p), 0);
	assert_int_equal(vol_progress_parse("(x/100%)", 8, &p), 0);
	assert_int_equal(vol_progress_parse("(250/100%)", 10, &p), 0);
	assert_int_equal(vol_progress_parse("(1.5x/100%)", 11, &p), 0);
}

static void test_formats(void **state)
{
	(void)state;
	assert_string_equal(vol_format_find("vhd")->driver, "vpc");
	assert_string_equal(vol_format_find("vpc")->name, "vhd");
	assert_true(vol_format_find("qcow2")->target);
	assert_true(vol_format_find("raw")->target);
	assert_false(vol_format_find("vmdk")->target);
	assert_null(vol_format_find("qed"));
	assert_null(vol_format_find(NULL));
	assert_string_equal(vol_format_list(), "qcow2, raw, vmdk, vdi, vhd, vhdx");
}

static void test_path_rules(void **state)
{
	char err[256], *longp;

	(void)state;
	assert_int_equal(job_vol_path_check("from", "/srv/img/disk.vmdk", err, sizeof(err)), 0);
	assert_int_equal(job_vol_path_check("from", "disk.vmdk", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "from needs an absolute path, not 'disk.vmdk'");
	assert_int_equal(job_vol_path_check("to", "", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "to needs a file");
	assert_int_equal(job_vol_path_check("to", NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(job_vol_path_check("from", "/a\nb", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "from: the path contains a control character (0x0a)");
	longp = malloc(PATH_MAX + 1);
	memset(longp, 'a', PATH_MAX);
	longp[0] = '/';
	longp[PATH_MAX] = '\0';
	assert_int_equal(job_vol_path_check("from", longp, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "from: the path is longer than 4094 bytes");
	free(longp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_supported),
		cmocka_unit_test(test_iso_and_unsupported),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_path_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
