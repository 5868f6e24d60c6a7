/*
 * The pure parts of backups (backup.h): the directory stamp, the
 * definition as config.json keeps it and back, the hash sha256sum
 * printed, the room check.  Unit-tested without croftd.
 */
#include "core/backup.h"
#include "common/json_get.h"
#include "common/xalloc.h"
#include "core/vm_spec.h"
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

json_t *backup_config_json(const struct store_vm *spec, json_t *nics)
{
	return json_pack("{s:i,s:o,s:o}", "format", 1, "vm", vm_spec_json(spec), "nics",
			 nics ? nics : json_array());
}

int backup_config_spec(const json_t *config, struct store_vm *out, char *err, size_t errlen)
{
	return vm_spec_from_json(json_object_get(config, "vm"), out, err, errlen);
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
