/*
 * The list of op tables and the pure request checks in front of them.  A
 * request line must be a JSON object with a string "op", an optional "id"
 * (echoed back) and an optional object "args".  Arguments are matched against the op's
 * schema: unknown keys, missing required keys and wrong JSON types are
 * refused with a message naming the key, before any handler runs.
 */
#include "core/api_ops.h"
#include "common/xalloc.h"

#include <errno.h>
#include <string.h>

const struct api_arg api_args_none[] = { { NULL, 0, 0 } };
const struct api_arg api_args_vm_name[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM }, { NULL, 0, 0 } };

const struct api_op *const api_op_tables[] = {
	api_server_ops,
	api_host_ops,
	api_vm_ops,
	api_net_ops,
	api_events_ops,
	api_job_ops,
	api_pool_ops,
	api_vol_ops,
	api_screen_ops,
	api_vol_io_ops,
	api_clone_ops,
	api_sched_ops,
	api_snap_ops,
	api_backup_ops,
	NULL,
};

const struct api_op *api_op_find(const char *name)
{
	const struct api_op *const *t, *op;

	for (t = api_op_tables; *t; t++)
		for (op = *t; op->name; op++)
			if (!strcmp(op->name, name))
				return op;
	return NULL;
}

int api_request_parse(const char *line, size_t len, struct api_request *req,
		      char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *op, *args;

	memset(req, 0, sizeof(*req));
	req->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req->root) {
		err_set(err, errlen, "request is not valid JSON: %s (column %d)",
			jerr.text, jerr.column);
		return -EINVAL;
	}
	if (!json_is_object(req->root)) {
		err_set(err, errlen, "request must be a JSON object");
		return -EINVAL;
	}
	req->id = json_object_get(req->root, "id");
	if (req->id && !json_is_integer(req->id) && !json_is_string(req->id)) {
		req->id = NULL;
		err_set(err, errlen, "request \"id\" must be an integer or a string");
		return -EINVAL;
	}
	op = json_object_get(req->root, "op");
	if (!op || !json_is_string(op)) {
		err_set(err, errlen, "request has no \"op\" string");
		return -EINVAL;
	}
	req->op = json_string_value(op);
	args = json_object_get(req->root, "args");
	if (args && json_is_null(args))
		args = NULL;
	if (args && !json_is_object(args)) {
		err_set(err, errlen, "request \"args\" must be a JSON object");
		return -EINVAL;
	}
	if (!args) {
		args = json_object();
		json_object_set_new(req->root, "args", args);
	}
	req->args = args;
	{
		const char *key;
		json_t *v;

		json_object_foreach(req->root, key, v) {
			if (strcmp(key, "id") && strcmp(key, "op") && strcmp(key, "args")) {
				err_set(err, errlen, "request has an unknown member \"%s\" (allowed: id, op, args)", key);
				return -EINVAL;
			}
		}
	}
	return 0;
}

void api_request_clear(struct api_request *req)
{
	json_decref(req->root);
	memset(req, 0, sizeof(*req));
}

static const char *type_name(enum api_arg_type t)
{
	switch (t) {
	case ARG_STRING: return "a string";
	case ARG_INT:    return "an integer";
	case ARG_BOOL:   return "true or false";
	case ARG_ARRAY:  return "an array";
	case ARG_OBJECT: return "an object";
	}
	return "?";
}

static int type_ok(enum api_arg_type t, json_t *v)
{
	switch (t) {
	case ARG_STRING: return json_is_string(v);
	case ARG_INT:    return json_is_integer(v);
	case ARG_BOOL:   return json_is_boolean(v);
	case ARG_ARRAY:  return json_is_array(v);
	case ARG_OBJECT: return json_is_object(v);
	}
	return 0;
}

int api_args_check(const struct api_op *op, json_t *args, char *err, size_t errlen)
{
	const struct api_arg *a;
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v) {
		for (a = op->args; a->name; a++)
			if (!strcmp(a->name, key))
				break;
		if (!a->name) {
			err_set(err, errlen, "%s does not take an argument \"%s\"", op->name, key);
			return -EINVAL;
		}
		if (json_is_null(v) && (a->flags & ARG_NULLABLE))
			continue;
		if (!type_ok(a->type, v)) {
			err_set(err, errlen, "%s: argument \"%s\" must be %s", op->name, key,
				type_name(a->type));
			return -EINVAL;
		}
	}
	for (a = op->args; a->name; a++) {
		if ((a->flags & ARG_REQUIRED) && !json_object_get(args, a->name)) {
			err_set(err, errlen, "%s needs the argument \"%s\"", op->name, a->name);
			return -EINVAL;
		}
	}
	return 0;
}
