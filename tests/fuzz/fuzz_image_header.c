/*
 * Fuzz target for the image header judge (core/vm_files.c): the first
 * bytes of a file a croft user attaches are theirs to choose.  Checked:
 * an accepted header is qcow2 or raw with a NUL-terminated format, a raw
 * image's size is the file's, only a qcow2 names a backing file (NUL-
 * terminated), and a refusal always says why.
 */
#include "core/vm_files.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_file_image img;
	char err[512] = "";
	uint64_t fsize = (uint64_t)size * 512;
	int rc = vm_file_image_parse(data, size, fsize, &img, err, sizeof(err));

	if (rc == 0) {
		if (!memchr(img.format, '\0', sizeof(img.format)))
			abort();
		if (strcmp(img.format, "qcow2") && strcmp(img.format, "raw"))
			abort();
		if (!strcmp(img.format, "raw") && img.virtual_size != fsize)
			abort();
		if (!memchr(img.backing, '\0', sizeof(img.backing)) ||
		    !memchr(img.backing_format, '\0', sizeof(img.backing_format)))
			abort();
		if (img.backing[0] && strcmp(img.format, "qcow2"))
			abort();
	} else if (rc != -EINVAL && rc != -EPERM) {
		abort();
	} else if (!err[0] || !memchr(err, '\0', sizeof(err))) {
		abort();
	}
	return 0;
}

#ifndef CROFT_LIBFUZZER
/* Text seeds (the binary qcow2 ones are in corpus/image_header/). */
static const char *const fuzz_seeds[] = {
	"QFI\xfb",
	"KDMV",
	"# Disk DescriptorFile\nversion=1\ncreateType=\"monolithicFlat\"\nRW 2048 FLAT \"fifo\" 0\n",
	"vhdxfile",
	"conectix",
	"just raw bytes",
};

#include "fuzz_main.inc"
#endif
