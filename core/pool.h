/*
 * Disk images in pool directories, through qemu-img: create thin qcow2 (or
 * preallocated raw) volumes, and read an existing image's format and sizes.
 * qemu-img is run through the exec seam in pool_exec so unit tests can
 * inject its output and failures.
 */
#ifndef CROFT_POOL_H
#define CROFT_POOL_H

#include <stddef.h>
#include <stdint.h>

struct pool_image_info {
	char format[16];          /* "qcow2", "raw", "vmdk"... */
	uint64_t virtual_size;
	uint64_t actual_size;     /* bytes allocated on the host */
};

/* Run argv (argv[0] looked up in PATH), capture stdout (malloc'd, NUL-
 * terminated) and stderr; return the exit status (>=0) or -errno when it
 * could not run. */
struct pool_exec {
	int (*run)(char *const argv[], char **out, char **errout);
};
extern const struct pool_exec *pool_exec;     /* defaults to the real one */

/* Create a new image at path (which must not exist).  format "qcow2" is
 * thin; "raw" is preallocated (falloc).  0 or -errno with err set to
 * qemu-img's own message. */
int pool_image_create(const char *path, const char *format, uint64_t bytes,
		      char *err, size_t errlen);
/* qemu-img info --output=json.  -ENOENT (missing), -EINVAL (not an image
 * qemu-img can read) with err set. */
int pool_image_info(const char *path, struct pool_image_info *info,
		    char *err, size_t errlen);
/* Parse qemu-img info JSON (pure; fuzzed and unit-tested). */
int pool_image_info_parse(const char *json, struct pool_image_info *info,
			  char *err, size_t errlen);

#endif
