/*
 * A VM's definition as one JSON object and back (vm_spec.h): what a
 * vm.create job keeps in its row until the disks are made, and what a
 * backup's config.json keeps.  Every field of struct store_vm that the
 * definition has is written; reading it back checks each member's type
 * and range and names the member that is wrong.  Members an older writer
 * left out take their defaults (a disk's idx is its position).
 */
#include "core/vm_spec.h"
#include "common/json_get.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *vm_spec_json(const struct store_vm *s)
{
	json_t *disks = json_array(), *vm;
	size_t i;

	for (i = 0; i < s->ndisks; i++) {
		const struct store_disk *dk = &s->disks[i];

		json_array_append_new(disks, json_pack("{s:I,s:s,s:s,s:I,s:b,s:b}", "idx",
			(json_int_t)dk->idx, "path", dk->path, "format", dk->format,
			"size_bytes", (json_int_t)dk->size_bytes, "owned", dk->owned, "scsi", dk->scsi));
	}
	vm = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:b,s:s,s:s,s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:I,s:o}",
		       "name", s->name, "uuid", s->uuid ? s->uuid : "",
		       "vcpus", (json_int_t)s->vcpus, "memory_mib", (json_int_t)s->memory_mib,
		       "memory_min_mib", (json_int_t)s->memory_min_mib,
		       "memory_shares", (json_int_t)s->memory_shares, "ksm_off", s->ksm_off,
		       "firmware", s->firmware ? s->firmware : "bios",
		       "boot", s->boot ? s->boot : "disk", "cdrom", str_or_null(s->cdrom),
		       "kernel", str_or_null(s->kernel), "initrd", str_or_null(s->initrd),
		       "append", str_or_null(s->append), "agent", s->agent,
		       "display", str_or_null(s->display), "cloud_init",
		       str_or_null(s->cloud_init), "cloud_init_gen",
		       (json_int_t)s->cloud_init_gen, "disks", disks);
	json_object_set_new(vm, "tags", str_or_null(s->tags));
	return vm;
}

/* key's string, NULL when absent or null; -EINVAL when it is another type. */
static int opt_str(const json_t *o, const char *key, char **out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		err_set(err, errlen, "the saved definition's '%s' is not a string", key);
		return -EINVAL;
	}
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* key's integer in [lo, hi]; def when absent and def >= lo. */
static int want_int(const json_t *o, const char *key, int64_t lo, int64_t hi, int64_t def,
		    int64_t *out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	if (!v && def >= lo) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		err_set(err, errlen, "the saved definition has no valid '%s'", key);
		return -EINVAL;
	}
	*out = json_integer_value(v);
	return 0;
}

static int disk_from_json(const json_t *dk, size_t i, struct store_disk *sd, char *err,
			  size_t errlen)
{
	int64_t idx, size;

	if (!json_is_object(dk) ||
	    want_int(dk, "idx", 0, UINT32_MAX, (int64_t)i, &idx, err, errlen) < 0 ||
	    want_int(dk, "size_bytes", 0, INT64_MAX, 0, &size, err, errlen) < 0 ||
	    !json_is_string(json_object_get(dk, "path")) ||
	    !json_is_string(json_object_get(dk, "format"))) {
		err_set(err, errlen, "disk %zu of the saved definition is damaged", i);
		return -EINVAL;
	}
	sd->idx = (uint32_t)idx;
	sd->size_bytes = (uint64_t)size;
	sd->path = xstrdup(json_string_value(json_object_get(dk, "path")));
	sd->format = xstrdup(json_string_value(json_object_get(dk, "format")));
	sd->owned = json_is_true(json_object_get(dk, "owned"));
	sd->scsi = json_is_true(json_object_get(dk, "scsi"));
	return 0;
}

static int strs_from_json(const json_t *vm, struct store_vm *out, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "uuid", "cdrom", "kernel", "initrd",
					    "append", "display", "cloud_init", "tags" };
	char **fields[] = { &out->name, &out->uuid, &out->cdrom, &out->kernel, &out->initrd,
			    &out->append, &out->display, &out->cloud_init, &out->tags };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (opt_str(vm, keys[i], fields[i], err, errlen) < 0)
			return -EINVAL;
	if (opt_str(vm, "firmware", &out->firmware, err, errlen) < 0 ||
	    opt_str(vm, "boot", &out->boot, err, errlen) < 0)
		return -EINVAL;
	if (!out->firmware)
		out->firmware = xstrdup("bios");
	if (!out->boot)
		out->boot = xstrdup("disk");
	return 0;
}

int vm_spec_from_json(const json_t *vm, struct store_vm *out, char *err, size_t errlen)
{
	const json_t *disks = json_object_get(vm, "disks"), *dk;
	int64_t v[5];
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(vm) || !json_is_string(json_object_get(vm, "name")) ||
	    !json_is_array(disks)) {
		err_set(err, errlen, "the saved definition is damaged (no VM, name or disks)");
		return -EINVAL;
	}
	if (want_int(vm, "vcpus", 1, 1024, 0, &v[0], err, errlen) < 0 ||
	    want_int(vm, "memory_mib", 1, INT64_MAX, 0, &v[1], err, errlen) < 0 ||
	    want_int(vm, "memory_min_mib", 0, INT64_MAX, 0, &v[2], err, errlen) < 0 ||
	    want_int(vm, "memory_shares", 0, UINT32_MAX, 0, &v[3], err, errlen) < 0 ||
	    want_int(vm, "cloud_init_gen", 0, UINT32_MAX, 0, &v[4], err, errlen) < 0)
		return -EINVAL;
	out->vcpus = (uint32_t)v[0];
	out->memory_mib = (uint64_t)v[1];
	out->memory_min_mib = (uint64_t)v[2];
	out->memory_shares = (uint32_t)v[3];
	out->cloud_init_gen = (uint32_t)v[4];
	out->ksm_off = json_is_true(json_object_get(vm, "ksm_off"));
	out->agent = json_is_true(json_object_get(vm, "agent"));
	out->disks = xcalloc(json_array_size(disks) + 1, sizeof(*out->disks));
	if (strs_from_json(vm, out, err, errlen) < 0)
		goto bad;
	json_array_foreach(disks, i, dk) {
		if (disk_from_json(dk, i, &out->disks[i], err, errlen) < 0)
			goto bad;
		out->ndisks++;
	}
	return 0;
bad:
	store_vm_clear(out);
	return -EINVAL;
}
