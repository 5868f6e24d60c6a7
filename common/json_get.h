/*
 * Typed getters for the API's JSON, as its clients (the CLI and the
 * console) read it: a member by key or by dotted path ("accel.effective"),
 * with a default when it is absent, null or of another type, so a newer
 * croftd with more or different fields never breaks a client.  The
 * returned strings and objects are borrowed from o.
 */
#ifndef CROFT_JSON_GET_H
#define CROFT_JSON_GET_H

#include <jansson.h>

/* The member at path ("a.b.c"), or NULL. */
const json_t *jget(const json_t *o, const char *path);
const char *jget_str(const json_t *o, const char *path, const char *dflt);
long long jget_int(const json_t *o, const char *path, long long dflt);
/* An integer or a real, as a double. */
double jget_num(const json_t *o, const char *path, double dflt);
/* true/false; dflt otherwise. */
int jget_bool(const json_t *o, const char *path, int dflt);
/* The object or array at path, or NULL. */
const json_t *jget_obj(const json_t *o, const char *path);
const json_t *jget_arr(const json_t *o, const char *path);

#endif
