/*
 * Typed host settings (settings.h).
 */
#include "core/settings.h"
#include "common/log.h"
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>

int64_t settings_int(struct store *st, const char *key, int64_t dflt, int64_t min, int64_t max)
{
	char *v = NULL, *end;
	long long k;
	int64_t r = dflt;

	if (store_setting_get(st, key, &v) < 0)
		return dflt;
	errno = 0;
	k = strtoll(v, &end, 10);
	if (errno || end == v || *end || k < min || k > max)
		log_warn("setting %s='%s' is not a number from %lld to %lld; using %lld", key, v,
			 (long long)min, (long long)max, (long long)dflt);
	else
		r = k;
	free(v);
	return r;
}
