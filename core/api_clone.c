/*
 * vm.template and vm.clone (vm_clone.h).  vm.template answers the VM as
 * vm.info shows it; vm.clone answers at once with the new VM's name and
 * the vm.clone job that makes its volumes and defines it.
 */
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/vm.h"
#include "core/vm_clone.h"
#include "common/proto.h"

#include <stddef.h>

static void op_vm_template(struct api_req *r, json_t *args)
{
	struct vm *vm = api_req_vm(r);
	const char *code;
	char err[1024];

	(void)args;
	if (vm_template(api_req_daemon(r), vm, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
	else
		api_req_ok(r, api_vm_json(vm));
}

static void op_vm_clone(struct api_req *r, json_t *args)
{
	struct vm *src = api_req_vm(r);
	struct vm_clone_req req = {
		.src = &src->spec,
		.src_live = vm_is_live(src),
		.name = json_string_value(json_object_get(args, "name")),
		.mode = json_string_value(json_object_get(args, "mode")),
		.pool = json_string_value(json_object_get(args, "pool")),
	};
	const char *code;
	struct job *j;
	char err[2048];

	if (vm_clone(api_req_daemon(r), &req, &j, &code, err, sizeof(err)) < 0) {
		api_req_err(r, code, "%s", err);
		return;
	}
	api_req_ok(r, json_pack("{s:s,s:s,s:O,s:o}", "name", req.name, "source", src->spec.name,
				"mode", json_object_get(job_args(j), "mode"), "job", api_job_json(j)));
}

static const struct api_arg args_vm_clone[] = {
	{ "source", ARG_STRING, ARG_REQUIRED | ARG_VM }, { "name", ARG_STRING, ARG_REQUIRED },
	{ "mode", ARG_STRING, 0 }, { "pool", ARG_STRING, 0 }, { NULL, 0, 0 } };

const struct api_op api_clone_ops[] = {
	{ "vm.template", op_vm_template, api_args_vm_name, API_OP_VM_JOBS },
	{ "vm.clone",    op_vm_clone,    args_vm_clone,    0 },
	{ NULL, NULL, NULL, 0 },
};
