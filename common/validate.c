/*
 * The value rules of croft's inputs.  Pure functions: no I/O, no globals.
 */
#include "common/validate.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int name_check(const char *what, const char *name, char *err, size_t errlen)
{
	size_t len, i;

	if (!name || !*name) {
		err_set(err, errlen, "%s name is empty", what);
		return -EINVAL;
	}
	len = strlen(name);
	if (len > NAME_MAX_LEN) {
		err_set(err, errlen, "%s name '%.20s...' is %zu characters long; the limit is %d",
			what, name, len, NAME_MAX_LEN);
		return -EINVAL;
	}
	if (!isalnum((unsigned char)name[0]) || (unsigned char)name[0] > 127) {
		err_set(err, errlen, "%s name '%s' must start with a letter or a digit",
			what, name);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 128 && (isalnum(c) || c == '-' || c == '_' || c == '.'))
			continue;
		if (c >= 32 && c < 127)
			err_set(err, errlen, "%s name '%s' contains '%c'; use letters, digits, '-', '_' and '.'",
				what, name, c);
		else
			err_set(err, errlen, "%s name contains a non-printable or non-ASCII byte (0x%02x); use letters, digits, '-', '_' and '.'",
				what, c);
		return -EINVAL;
	}
	return 0;
}

struct unit { const char *name; unsigned shift; };

static const struct unit units[] = {
	{ "", 20 }, { "b", 0 },
	{ "k", 10 }, { "kb", 10 }, { "kib", 10 },
	{ "m", 20 }, { "mb", 20 }, { "mib", 20 },
	{ "g", 30 }, { "gb", 30 }, { "gib", 30 },
	{ "t", 40 }, { "tb", 40 }, { "tib", 40 },
};

static int unit_shift(const char *suffix)
{
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcasecmp(suffix, units[i].name))
			return (int)units[i].shift;
	return -1;
}

int size_parse(const char *s, uint64_t *bytes, char *err, size_t errlen)
{
	uint64_t v = 0;
	const char *p = s;
	int shift;

	if (!s || !*s) {
		err_set(err, errlen, "size is empty");
		return -EINVAL;
	}
	if (!isdigit((unsigned char)*p)) {
		err_set(err, errlen, "size '%s' must start with a digit (e.g. 512M, 2G)", s);
		return -EINVAL;
	}
	while (isdigit((unsigned char)*p)) {
		if (v > (UINT64_MAX - 9) / 10) {
			err_set(err, errlen, "size '%s' is too large", s);
			return -EINVAL;
		}
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	shift = unit_shift(p);
	if (shift < 0) {
		err_set(err, errlen, "size '%s' has an unknown unit '%s'; use K, M, G or T", s, p);
		return -EINVAL;
	}
	if (shift && v > (UINT64_MAX >> shift)) {
		err_set(err, errlen, "size '%s' is too large", s);
		return -EINVAL;
	}
	*bytes = v << shift;
	return 0;
}

int size_looks_like(const char *s)
{
	const char *p = s;

	if (!s || !isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	return unit_shift(p) >= 0;
}

char *size_format(uint64_t bytes, char *buf, size_t buflen)
{
	static const char sfx[] = "BKMGTP";
	int i = 0;
	uint64_t whole = bytes;

	while (whole >= 1024 && i < 5) {
		whole >>= 10;
		i++;
	}
	if (i == 0 || (bytes & ((1ULL << (10 * i)) - 1)) == 0) {
		snprintf(buf, buflen, "%llu%c", (unsigned long long)whole, i ? sfx[i] : 'B');
	} else {
		double d = (double)bytes / (double)(1ULL << (10 * i));

		snprintf(buf, buflen, "%.1f%c", d, sfx[i]);
	}
	return buf;
}

int vcpus_check(long long vcpus, char *err, size_t errlen)
{
	if (vcpus < 1 || vcpus > VCPUS_MAX) {
		err_set(err, errlen, "vcpus must be between 1 and %d, not %lld", VCPUS_MAX, vcpus);
		return -EINVAL;
	}
	return 0;
}

int memory_check(uint64_t memory_mib, uint64_t memory_min_mib, char *err, size_t errlen)
{
	if (memory_mib < MEMORY_MIN_MIB || memory_mib > MEMORY_MAX_MIB) {
		char lo[32], hi[32];

		err_set(err, errlen, "memory must be between %s and %s, not %lluM",
			size_format(MEMORY_MIN_MIB << 20, lo, sizeof(lo)),
			size_format(MEMORY_MAX_MIB << 20, hi, sizeof(hi)),
			(unsigned long long)memory_mib);
		return -EINVAL;
	}
	if (memory_min_mib > memory_mib) {
		err_set(err, errlen, "memory-min (%lluM) is above memory (%lluM)",
			(unsigned long long)memory_min_mib, (unsigned long long)memory_mib);
		return -EINVAL;
	}
	if (memory_min_mib && memory_min_mib < MEMORY_MIN_MIB) {
		err_set(err, errlen, "memory-min must be at least %lluM, not %lluM",
			(unsigned long long)MEMORY_MIN_MIB, (unsigned long long)memory_min_mib);
		return -EINVAL;
	}
	return 0;
}

int disk_size_check(uint64_t bytes, char *err, size_t errlen)
{
	char a[32], b[32], c[32];

	if (bytes < DISK_MIN_BYTES || bytes > DISK_MAX_BYTES) {
		err_set(err, errlen, "disk size must be between %s and %s, not %s",
			size_format(DISK_MIN_BYTES, a, sizeof(a)),
			size_format(DISK_MAX_BYTES, b, sizeof(b)),
			size_format(bytes, c, sizeof(c)));
		return -EINVAL;
	}
	return 0;
}
