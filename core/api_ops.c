/*
 * The op table and the pure request checks in front of it.  A request line
 * must be a JSON object with a string "op", an optional "id" (echoed back)
 * and an optional object "args".  Arguments are matched against the op's
 * schema: unknown keys, missing required keys and wrong JSON types are
 * refused with a message naming the key, before any handler runs.
 */
#include "core/api_ops.h"
#include "common/xalloc.h"

#include <errno.h>
#include <string.h>

static const struct api_arg args_none[] = { { NULL, 0, 0 } };
static const struct api_arg args_name[] = {
	{ "name", ARG_STRING, ARG_REQUIRED }, { NULL, 0, 0 } };
static const struct api_arg args_hello[] = {
	{ "version", ARG_INT, ARG_REQUIRED }, { "client", ARG_STRING, 0 }, { NULL, 0, 0 } };
static const struct api_arg args_host_set[] = {
	{ "accel", ARG_STRING, 0 }, { NULL, 0, 0 } };
static const struct api_arg args_vm_create[] = {
	{ "name", ARG_STRING, ARG_REQUIRED },
	{ "vcpus", ARG_INT, ARG_REQUIRED },
	{ "memory_mib", ARG_INT, ARG_REQUIRED },
	{ "memory_min_mib", ARG_INT, ARG_NULLABLE },
	{ "disks", ARG_ARRAY, 0 },
	{ "cdrom", ARG_STRING, ARG_NULLABLE },
	{ "boot", ARG_STRING, ARG_NULLABLE },
	{ "firmware", ARG_STRING, ARG_NULLABLE },
	{ "kernel", ARG_STRING, ARG_NULLABLE },
	{ "initrd", ARG_STRING, ARG_NULLABLE },
	{ "append", ARG_STRING, ARG_NULLABLE },
	{ NULL, 0, 0 } };
static const struct api_arg args_vm_edit[] = {
	{ "name", ARG_STRING, ARG_REQUIRED },
	{ "vcpus", ARG_INT, 0 },
	{ "memory_mib", ARG_INT, 0 },
	{ "memory_min_mib", ARG_INT, 0 },
	{ "cdrom", ARG_STRING, ARG_NULLABLE },
	{ "boot", ARG_STRING, 0 },
	{ "firmware", ARG_STRING, 0 },
	{ "kernel", ARG_STRING, ARG_NULLABLE },
	{ "initrd", ARG_STRING, ARG_NULLABLE },
	{ "append", ARG_STRING, ARG_NULLABLE },
	{ NULL, 0, 0 } };
static const struct api_arg args_vm_shutdown[] = {
	{ "name", ARG_STRING, ARG_REQUIRED },
	{ "timeout_s", ARG_INT, 0 },
	{ "force", ARG_BOOL, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_vm_delete[] = {
	{ "name", ARG_STRING, ARG_REQUIRED },
	{ "keep_disks", ARG_BOOL, 0 },
	{ "force", ARG_BOOL, 0 },
	{ NULL, 0, 0 } };

static const struct api_arg args_net_create[] = {
	{ "name", ARG_STRING, ARG_REQUIRED },
	{ "mode", ARG_STRING, ARG_REQUIRED },
	{ "subnet", ARG_STRING, ARG_NULLABLE },
	{ "uplink", ARG_STRING, ARG_NULLABLE },
	{ "dhcp_range", ARG_STRING, ARG_NULLABLE },
	{ NULL, 0, 0 } };
static const struct api_arg args_net_delete[] = {
	{ "name", ARG_STRING, ARG_REQUIRED },
	{ "force", ARG_BOOL, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_net[] = {
	{ "net", ARG_STRING, ARG_REQUIRED }, { NULL, 0, 0 } };
static const struct api_arg args_fwd_add[] = {
	{ "net", ARG_STRING, ARG_REQUIRED },
	{ "proto", ARG_STRING, ARG_REQUIRED },
	{ "host_port", ARG_INT, ARG_REQUIRED },
	{ "vm", ARG_STRING, ARG_REQUIRED },
	{ "port", ARG_INT, ARG_REQUIRED },
	{ NULL, 0, 0 } };
static const struct api_arg args_fwd_remove[] = {
	{ "net", ARG_STRING, ARG_REQUIRED },
	{ "proto", ARG_STRING, ARG_REQUIRED },
	{ "host_port", ARG_INT, ARG_REQUIRED },
	{ NULL, 0, 0 } };
static const struct api_arg args_nic_add[] = {
	{ "name", ARG_STRING, ARG_REQUIRED },
	{ "net", ARG_STRING, ARG_REQUIRED },
	{ "mac", ARG_STRING, ARG_NULLABLE },
	{ "vlan", ARG_INT, ARG_NULLABLE },
	{ "rate", ARG_INT, ARG_NULLABLE },
	{ "ip", ARG_STRING, ARG_NULLABLE },
	{ NULL, 0, 0 } };
static const struct api_arg args_nic_remove[] = {
	{ "name", ARG_STRING, ARG_REQUIRED },
	{ "mac", ARG_STRING, 0 },
	{ "net", ARG_STRING, 0 },
	{ NULL, 0, 0 } };

/* "hello" is answered by the server itself; its entry carries the schema. */
const struct api_op api_ops[] = {
	{ "hello",            NULL,                      args_hello,       API_OP_READ },
	{ "host.info",        api_op_host_info,          args_none,        API_OP_READ },
	{ "host.set",         api_op_host_set,           args_host_set,    0 },
	{ "vm.list",          api_op_vm_list,            args_none,        API_OP_READ },
	{ "vm.info",          api_op_vm_info,            args_name,        API_OP_READ },
	{ "vm.create",        api_op_vm_create,          args_vm_create,   0 },
	{ "vm.start",         api_op_vm_start,           args_name,        0 },
	{ "vm.shutdown",      api_op_vm_shutdown,        args_vm_shutdown, 0 },
	{ "vm.stop",          api_op_vm_stop,            args_name,        0 },
	{ "vm.pause",         api_op_vm_pause,           args_name,        0 },
	{ "vm.resume",        api_op_vm_resume,          args_name,        0 },
	{ "vm.reset",         api_op_vm_reset,           args_name,        0 },
	{ "vm.delete",        api_op_vm_delete,          args_vm_delete,   0 },
	{ "vm.edit",          api_op_vm_edit,            args_vm_edit,     0 },
	{ "vm.console",       api_op_vm_console,         args_name,        0 },
	{ "vm.nic.add",       api_op_vm_nic_add,         args_nic_add,     0 },
	{ "vm.nic.remove",    api_op_vm_nic_remove,      args_nic_remove,  0 },
	{ "vm.nic.list",      api_op_vm_nic_list,        args_name,        API_OP_READ },
	{ "net.create",       api_op_net_create,         args_net_create,  0 },
	{ "net.list",         api_op_net_list,           args_none,        API_OP_READ },
	{ "net.info",         api_op_net_info,           args_name,        API_OP_READ },
	{ "net.delete",       api_op_net_delete,         args_net_delete,  0 },
	{ "net.forward.add",  api_op_net_forward_add,    args_fwd_add,     0 },
	{ "net.forward.list", api_op_net_forward_list,   args_net,         API_OP_READ },
	{ "net.forward.remove", api_op_net_forward_remove, args_fwd_remove, 0 },
	{ NULL, NULL, NULL, 0 },
};

const struct api_op *const api_op_tables[] = {
	api_ops,
	api_events_ops,
	api_job_ops,
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
