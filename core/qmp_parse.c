/*
 * The QMP parser: one line of QEMU's output into a struct qmp_msg, by
 * looking for exactly one of the four top-level keys (QMP, return, error,
 * event) and checking the types of the members croft relies on.  Pure, for
 * unit tests and the fuzzer; the client (qmp.c) feeds it.
 */
#include "core/qmp.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char *qmp_json_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:  return "an object";
	case JSON_ARRAY:   return "an array";
	case JSON_STRING:  return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL:    return "a real";
	case JSON_TRUE:
	case JSON_FALSE:   return "a boolean";
	case JSON_NULL:    return "null";
	}
	return "an unknown value";
}

/* m is a real holding a whole number an int64 can hold (checked before
 * any conversion: casting one out of range is undefined). */
static int whole_real(const json_t *m, json_int_t *out)
{
	double d;

	if (!json_is_real(m))
		return 0;
	d = json_real_value(m);
	if (!(d > -9.2e18 && d < 9.2e18) || d != (double)(json_int_t)d)
		return 0;
	*out = (json_int_t)d;
	return 1;
}

/* Integral reals that fit an int64 back to integers, throughout v. */
static void ints_back(json_t *v)
{
	const char *key;
	json_int_t n;
	json_t *m;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, m) {
			if (whole_real(m, &n))
				json_object_set_new(v, key, json_integer(n));
			else
				ints_back(m);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m) {
			if (whole_real(m, &n))
				json_array_set_new(v, i, json_integer(n));
			else
				ints_back(m);
		}
	}
}

/* QEMU writes unsigned 64-bit figures (the balloon's guest-stats says
 * 18446744073709551615 for "not reported") that jansson's integers cannot
 * hold: such a message is read with every number as a real, and the ones
 * an int64 holds made integers again, so only the too-big stay reals. */
static json_t *load_big_ints(const char *line, size_t len, json_error_t *jerr)
{
	json_t *root = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES |
				  JSON_DECODE_INT_AS_REAL, jerr);

	if (root)
		ints_back(root);
	return root;
}

static int qmp_version_part(json_t *qemu, const char *key, int *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(qemu, key);
	json_int_t n;

	if (!v) {
		err_set(err, errlen, "QMP greeting: version.qemu.%s missing", key);
		return -EINVAL;
	}
	if (!json_is_integer(v)) {
		err_set(err, errlen, "QMP greeting: version.qemu.%s is %s, not an integer",
			key, qmp_json_type(v));
		return -EINVAL;
	}
	n = json_integer_value(v);
	if (n < 0 || n > INT_MAX) {
		err_set(err, errlen, "QMP greeting: version.qemu.%s out of range: %lld",
			key, (long long)n);
		return -EINVAL;
	}
	*out = (int)n;
	return 0;
}

static int qmp_parse_greeting(json_t *qmp, struct qmp_msg *m, char *err, size_t errlen)
{
	json_t *ver, *qemu, *caps;
	int r;

	if (!json_is_object(qmp)) {
		err_set(err, errlen, "QMP greeting: \"QMP\" is %s, not an object",
			qmp_json_type(qmp));
		return -EINVAL;
	}
	ver = json_object_get(qmp, "version");
	if (!json_is_object(ver)) {
		err_set(err, errlen, "QMP greeting: version %s", ver ? "is not an object" : "missing");
		return -EINVAL;
	}
	qemu = json_object_get(ver, "qemu");
	if (!json_is_object(qemu)) {
		err_set(err, errlen, "QMP greeting: version.qemu %s",
			qemu ? "is not an object" : "missing");
		return -EINVAL;
	}
	if ((r = qmp_version_part(qemu, "major", &m->ver_major, err, errlen)) < 0 ||
	    (r = qmp_version_part(qemu, "minor", &m->ver_minor, err, errlen)) < 0 ||
	    (r = qmp_version_part(qemu, "micro", &m->ver_micro, err, errlen)) < 0)
		return r;
	caps = json_object_get(qmp, "capabilities");
	if (!json_is_array(caps)) {
		err_set(err, errlen, "QMP greeting: capabilities %s",
			caps ? "is not an array" : "missing");
		return -EINVAL;
	}
	m->type = QMP_MSG_GREETING;
	return 0;
}

static int qmp_parse_error(json_t *e, struct qmp_msg *m, char *err, size_t errlen)
{
	json_t *cls, *desc;

	if (!json_is_object(e)) {
		err_set(err, errlen, "QMP error: \"error\" is %s, not an object",
			qmp_json_type(e));
		return -EINVAL;
	}
	cls = json_object_get(e, "class");
	desc = json_object_get(e, "desc");
	if (!cls) {
		err_set(err, errlen, "QMP error: error.class missing");
		return -EINVAL;
	}
	if (!json_is_string(cls)) {
		err_set(err, errlen, "QMP error: error.class is %s, not a string",
			qmp_json_type(cls));
		return -EINVAL;
	}
	if (!desc) {
		err_set(err, errlen, "QMP error: error.desc missing");
		return -EINVAL;
	}
	if (!json_is_string(desc)) {
		err_set(err, errlen, "QMP error: error.desc is %s, not a string",
			qmp_json_type(desc));
		return -EINVAL;
	}
	m->type = QMP_MSG_ERROR;
	m->err_class = json_string_value(cls);
	m->err_desc = json_string_value(desc);
	return 0;
}

static int qmp_parse_event(json_t *root, json_t *name, struct qmp_msg *m, char *err, size_t errlen)
{
	json_t *data, *ts;

	if (!json_is_string(name)) {
		err_set(err, errlen, "QMP event: \"event\" is %s, not a string",
			qmp_json_type(name));
		return -EINVAL;
	}
	data = json_object_get(root, "data");
	if (data && !json_is_object(data)) {
		err_set(err, errlen, "QMP event %s: data is %s, not an object",
			json_string_value(name), qmp_json_type(data));
		return -EINVAL;
	}
	ts = json_object_get(root, "timestamp");
	if (ts && !json_is_object(ts)) {
		err_set(err, errlen, "QMP event %s: timestamp is %s, not an object",
			json_string_value(name), qmp_json_type(ts));
		return -EINVAL;
	}
	m->type = QMP_MSG_EVENT;
	m->event = json_string_value(name);
	m->data = data;
	return 0;
}

int qmp_parse(const char *line, size_t len, struct qmp_msg *out, char *err, size_t errlen)
{
	static const char *const keys[] = { "QMP", "return", "error", "event" };
	json_t *root = NULL, *found = NULL;
	const char *nul;
	json_error_t jerr;
	size_t i;
	int r = -EINVAL, which = -1;

	memset(out, 0, sizeof(*out));
	if (!line) {
		err_set(err, errlen, "no QMP message");
		return -EINVAL;
	}
	nul = memchr(line, '\0', len);
	if (nul) {
		err_set(err, errlen, "not JSON: embedded NUL byte at column %zu",
			(size_t)(nul - line) + 1);
		return -EINVAL;
	}
	root = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!root && strstr(jerr.text, "too big integer"))
		root = load_big_ints(line, len, &jerr);
	if (!root) {
		err_set(err, errlen, "not JSON: %s (column %d)", jerr.text, jerr.column);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		err_set(err, errlen, "not a JSON object: got %s", qmp_json_type(root));
		goto fail;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(root, keys[i]);

		if (!v)
			continue;
		if (found) {
			err_set(err, errlen, "ambiguous QMP message: has both \"%s\" and \"%s\"",
				keys[which], keys[i]);
			goto fail;
		}
		found = v;
		which = (int)i;
	}
	out->id = json_object_get(root, "id");
	switch (which) {
	case 0:
		r = qmp_parse_greeting(found, out, err, errlen);
		break;
	case 1:
		out->type = QMP_MSG_RETURN;
		out->ret = found;
		r = 0;
		break;
	case 2:
		r = qmp_parse_error(found, out, err, errlen);
		break;
	case 3:
		r = qmp_parse_event(root, found, out, err, errlen);
		break;
	default:
		err_set(err, errlen, "not a QMP message: an object with none of "
			"\"QMP\", \"return\", \"error\", \"event\"");
		r = -EINVAL;
		break;
	}
	if (r < 0)
		goto fail;
	out->root = root;
	return 0;
fail:
	json_decref(root);
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

void qmp_msg_clear(struct qmp_msg *m)
{
	if (!m)
		return;
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}
