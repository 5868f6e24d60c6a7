/*
 * Typed JSON getters (common/json_get.h).  A path is split on dots; each
 * step must be an object member.
 */
#include "common/json_get.h"

#include <string.h>

const json_t *jget(const json_t *o, const char *path)
{
	char key[128];
	const char *dot;

	while (o && path) {
		size_t n;

		if (!json_is_object(o))
			return NULL;
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = json_object_get(o, key);
		path = dot ? dot + 1 : NULL;
	}
	return o;
}

const char *jget_str(const json_t *o, const char *path, const char *dflt)
{
	const json_t *v = jget(o, path);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

long long jget_int(const json_t *o, const char *path, long long dflt)
{
	const json_t *v = jget(o, path);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

double jget_num(const json_t *o, const char *path, double dflt)
{
	const json_t *v = jget(o, path);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

int jget_bool(const json_t *o, const char *path, int dflt)
{
	const json_t *v = jget(o, path);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

const json_t *jget_obj(const json_t *o, const char *path)
{
	const json_t *v = jget(o, path);

	return json_is_object(v) ? v : NULL;
}

const json_t *jget_arr(const json_t *o, const char *path)
{
	const json_t *v = jget(o, path);

	return json_is_array(v) ? v : NULL;
}
