/*
 * The pure parts of backups (backup.h): the directory stamp, the
 * definition as config.json keeps it and back, the hash sha256sum
 * printed, the room check.  Unit-tested without croftd.
 */
#include "core/backup.h"
#include "common/json_get.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void backup_stamp(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, outlen, "%Y%m%dT%H%M%SZ", &tm);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *backup_config_json(const struct store_vm *spec, json_t *nics)
{
	json_t *disks = json_array(), *vm;
	size_t i;

	for (i = 0; i < spec->ndisks; i++) {
		const struct store_disk *dk = &spec->disks[i];

		json_array_append_new(disks, json_pack("{s:I,s:s,s:s,s:I,s:b,s:b}", "idx",
			(json_int_t)dk->idx, "path", dk->path, "format", dk->format,
			"size_bytes", (json_int_t)dk->size_bytes, "owned", dk->owned, "scsi", dk->scsi));
	}
	vm = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:b,s:s,s:s,s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:I,s:o}",
		       "name", spec->name, "uuid", spec->uuid ? spec->uuid : "",
		       "vcpus", (json_int_t)spec->vcpus, "memory_mib", (json_int_t)spec->memory_mib,
		       "memory_min_mib", (json_int_t)spec->memory_min_mib,
		       "memory_shares", (json_int_t)spec->memory_shares, "ksm_off", spec->ksm_off,
		       "firmware", spec->firmware ? spec->firmware : "bios",
		       "boot", spec->boot ? spec->boot : "disk", "cdrom", str_or_null(spec->cdrom),
		       "kernel", str_or_null(spec->kernel), "initrd", str_or_null(spec->initrd),
		       "append", str_or_null(spec->append), "agent", spec->agent,
		       "display", str_or_null(spec->display), "cloud_init",
		       str_or_null(spec->cloud_init), "cloud_init_gen",
		       (json_int_t)spec->cloud_init_gen, "disks", disks);
	return json_pack("{s:i,s:o,s:o}", "format", 1, "vm", vm, "nics", nics ? nics : json_array());
}

static char *opt_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? xstrdup(s) : NULL;
}

static int want_int(const json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out,
		    char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		err_set(err, errlen, "the backup's definition has no valid '%s'", key);
		return -EINVAL;
	}
	*out = json_integer_value(v);
	return 0;
}

int backup_config_spec(const json_t *config, struct store_vm *out, char *err, size_t errlen)
{
	const json_t *vm = json_object_get(config, "vm"), *disks, *dk;
	int64_t v[5];
	size_t i;

	memset(out, 0, sizeof(*out));
	disks = json_object_get(vm, "disks");
	if (!json_is_object(vm) || !json_is_string(json_object_get(vm, "name")) ||
	    !json_is_array(disks)) {
		err_set(err, errlen, "the backup's definition is damaged (no VM, name or disks)");
		return -EINVAL;
	}
	if (want_int(vm, "vcpus", 1, 1024, &v[0], err, errlen) < 0 ||
	    want_int(vm, "memory_mib", 1, INT64_MAX, &v[1], err, errlen) < 0 ||
	    want_int(vm, "memory_min_mib", 0, INT64_MAX, &v[2], err, errlen) < 0 ||
	    want_int(vm, "memory_shares", 0, UINT32_MAX, &v[3], err, errlen) < 0 ||
	    want_int(vm, "cloud_init_gen", 0, UINT32_MAX, &v[4], err, errlen) < 0)
		return -EINVAL;
	out->name = opt_str(vm, "name");
	out->uuid = opt_str(vm, "uuid");
	out->vcpus = (uint32_t)v[0];
	out->memory_mib = (uint64_t)v[1];
	out->memory_min_mib = (uint64_t)v[2];
	out->memory_shares = (uint32_t)v[3];
	out->cloud_init_gen = (uint32_t)v[4];
	out->ksm_off = json_is_true(json_object_get(vm, "ksm_off"));
	out->agent = json_is_true(json_object_get(vm, "agent"));
	out->firmware = xstrdup(jget_str(vm, "firmware", "bios"));
	out->boot = xstrdup(jget_str(vm, "boot", "disk"));
	out->cdrom = opt_str(vm, "cdrom");
	out->kernel = opt_str(vm, "kernel");
	out->initrd = opt_str(vm, "initrd");
	out->append = opt_str(vm, "append");
	out->display = opt_str(vm, "display");
	out->cloud_init = opt_str(vm, "cloud_init");
	out->disks = xcalloc(json_array_size(disks) + 1, sizeof(*out->disks));
	json_array_foreach(disks, i, dk) {
		struct store_disk *sd = &out->disks[i];
		int64_t idx, size;

		if (want_int(dk, "idx", 0, UINT32_MAX, &idx, err, errlen) < 0 ||
		    want_int(dk, "size_bytes", 0, INT64_MAX, &size, err, errlen) < 0 ||
		    !json_is_string(json_object_get(dk, "path")) ||
		    !json_is_string(json_object_get(dk, "format"))) {
			err_set(err, errlen, "disk %zu of the backup's definition is damaged", i);
			store_vm_clear(out);
			return -EINVAL;
		}
		sd->idx = (uint32_t)idx;
		sd->size_bytes = (uint64_t)size;
		sd->path = opt_str(dk, "path");
		sd->format = opt_str(dk, "format");
		sd->owned = json_is_true(json_object_get(dk, "owned"));
		sd->scsi = json_is_true(json_object_get(dk, "scsi"));
		out->ndisks++;
	}
	return 0;
}

int backup_sum_parse(const char *out, char *hex)
{
	size_t i;

	for (i = 0; i < 64; i++) {
		char c = out ? out[i] : '\0';

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -EINVAL;
		hex[i] = c;
	}
	if (out[64] != ' ' && out[64] != '\0' && out[64] != '\n')
		return -EINVAL;
	hex[64] = '\0';
	return 0;
}

int backup_room_check(const char *pool, uint64_t need, uint64_t avail, uint64_t size,
		      char *err, size_t errlen)
{
	uint64_t spare = size / 20;

	if (avail >= spare && avail - spare >= need)
		return 0;
	err_set(err, errlen, "pool '%s' has not room enough for the backup: it needs about "
		"%llu MiB (the disks' allocated size) and has %llu MiB free beyond the 5 %% kept "
		"spare", pool, (unsigned long long)(need >> 20),
		(unsigned long long)(avail > spare ? (avail - spare) >> 20 : 0));
	return -ENOSPC;
}
