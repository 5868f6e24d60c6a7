/*
 * Input rules shared by croftd, the CLI and (later) the console form, so a
 * value is judged the same way and with the same words everywhere.
 * Each check returns 0, or -EINVAL with a message naming the problem.
 */
#ifndef CROFT_VALIDATE_H
#define CROFT_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#define NAME_MAX_LEN 63          /* a VM name, like a DNS label */
#define VCPUS_MAX 255
#define MEMORY_MIN_MIB 16ULL
#define MEMORY_MAX_MIB (16ULL << 20)   /* 16 TiB */
#define DISK_MIN_BYTES (1ULL << 20)    /* 1 MiB */
#define DISK_MAX_BYTES (64ULL << 40)   /* 64 TiB */

/*
 * Names: 1-63 characters from [A-Za-z0-9._-], starting with a letter or a
 * digit.  They become file names under the run and state directories.
 */
int name_check(const char *what, const char *name, char *err, size_t errlen);

/*
 * Sizes: a decimal integer with an optional binary suffix K, M, G or T
 * (also KiB/MiB/GiB/TiB, any case; "B" for bytes).  No suffix means MiB.
 * On success *bytes holds the value in bytes.
 */
int size_parse(const char *s, uint64_t *bytes, char *err, size_t errlen);
/* 1 when s has the shape of a size (used to tell --disk SIZE from PATH). */
int size_looks_like(const char *s);
/* "512M", "2G", "1.5G": human, binary units; returns buf. */
char *size_format(uint64_t bytes, char *buf, size_t buflen);

int vcpus_check(long long vcpus, char *err, size_t errlen);
int memory_check(uint64_t memory_mib, uint64_t memory_min_mib,
		 char *err, size_t errlen);
int disk_size_check(uint64_t bytes, char *err, size_t errlen);

#endif
