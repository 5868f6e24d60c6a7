/*
 * The snapshot ops (snap.h): snap.create, snap.revert and snap.delete
 * answer at once with their job, as vm.clone does; snap.list and
 * snap.info read the store.  snap.estimate says how a snapshot would be
 * taken and what it would pause.
 */
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/snap.h"
#include "core/vm.h"
#include "core/vmstate.h"
#include "common/proto.h"

#include <errno.h>
#include <stddef.h>

static const char *sarg(json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

/* Answer a job-starting op: its job, or the error of queueing it. */
static void reply_job(struct api_req *r, int rc, const char *code, const char *err,
		      json_t *args, struct job *j)
{
	if (rc < 0)
		api_req_err(r, code, "%s", err);
	else
		api_req_ok(r, json_pack("{s:s,s:s,s:o}", "vm", api_req_vm(r)->spec.name, "name",
					sarg(args, "name"), "job", api_job_json(j)));
}

static void op_snap_create(struct api_req *r, json_t *args)
{
	struct snap_create_opts o = {
		.ram = json_is_true(json_object_get(args, "ram")),
		.description = sarg(args, "description"),
		.protected_ = json_is_true(json_object_get(args, "protected")),
	};
	const char *code = NULL;
	struct job *j = NULL;
	char err[1024];
	int rc = snap_submit_create_code(api_req_daemon(r), api_req_vm(r)->spec.name,
					 sarg(args, "name"), &o, NULL, NULL, &j, &code, err,
					 sizeof(err));

	reply_job(r, rc, code, err, args, j);
}

static void op_snap_delete(struct api_req *r, json_t *args)
{
	const char *code = NULL;
	struct job *j = NULL;
	char err[1024];
	int rc = snap_submit_delete_code(api_req_daemon(r), api_req_vm(r)->spec.name,
					 sarg(args, "name"), NULL, NULL, &j, &code, err,
					 sizeof(err));

	reply_job(r, rc, code, err, args, j);
}

static void op_snap_revert(struct api_req *r, json_t *args)
{
	const char *code = NULL;
	struct job *j = NULL;
	char err[1024];
	int rc = snap_submit_revert(api_req_daemon(r), api_req_vm(r)->spec.name,
				    sarg(args, "name"), json_is_true(json_object_get(args, "force")),
				    &j, &code, err, sizeof(err));

	reply_job(r, rc, code, err, args, j);
}

static void op_snap_list(struct api_req *r, json_t *args)
{
	json_t *out;
	char err[1024];

	(void)args;
	if (snap_list_json(api_req_daemon(r), api_req_vm(r), &out, err, sizeof(err)) < 0)
		api_req_err(r, PROTO_E_IO, "%s", err);
	else
		api_req_ok(r, out);
}

static void op_snap_info(struct api_req *r, json_t *args)
{
	json_t *out;
	char err[1024];
	int rc = snap_info_json(api_req_daemon(r), api_req_vm(r), sarg(args, "name"), &out, err,
				sizeof(err));

	if (rc < 0)
		api_req_err(r, rc == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_IO, "%s", err);
	else
		api_req_ok(r, out);
}

/* Without RAM: a running guest's pause is its earlier snapshots' (a
 * few ms); a stopped VM has none.  RAM is not available yet. */
static void op_snap_estimate(struct api_req *r, json_t *args)
{
	struct vm *vm = api_req_vm(r);

	if (json_is_true(json_object_get(args, "ram"))) {
		struct vmstate_estimate e;
		char err[512];

		if (vmstate_estimate(api_req_daemon(r), vm, &e, err, sizeof(err)) < 0) {
			api_req_err(r, PROTO_E_INVALID_STATE, "%s", err);
			return;
		}
		api_req_ok(r, json_pack("{s:s,s:f,s:I,s:s}", "method", e.method, "pause_ms",
					e.pause_ms, "ram_bytes", (json_int_t)e.ram_bytes, "why",
					e.why));
		return;
	}
	api_req_ok(r, json_pack("{s:s,s:f,s:i}", "method", vm_is_live(vm) ? "transaction"
									   : "stopped",
				"pause_ms", snap_pause_estimate(api_req_daemon(r), vm),
				"ram_bytes", 0));
}

static const struct api_arg args_create[] = {
	{ "vm", ARG_STRING, ARG_REQUIRED | ARG_VM }, { "name", ARG_STRING, ARG_REQUIRED },
	{ "ram", ARG_BOOL, 0 }, { "description", ARG_STRING, 0 }, { "protected", ARG_BOOL, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_named[] = {
	{ "vm", ARG_STRING, ARG_REQUIRED | ARG_VM }, { "name", ARG_STRING, ARG_REQUIRED },
	{ NULL, 0, 0 } };
static const struct api_arg args_revert[] = {
	{ "vm", ARG_STRING, ARG_REQUIRED | ARG_VM }, { "name", ARG_STRING, ARG_REQUIRED },
	{ "force", ARG_BOOL, 0 }, { NULL, 0, 0 } };
static const struct api_arg args_vm[] = {
	{ "vm", ARG_STRING, ARG_REQUIRED | ARG_VM }, { NULL, 0, 0 } };
static const struct api_arg args_estimate[] = {
	{ "vm", ARG_STRING, ARG_REQUIRED | ARG_VM }, { "ram", ARG_BOOL, 0 }, { NULL, 0, 0 } };

const struct api_op api_snap_ops[] = {
	{ "snap.create",   op_snap_create,   args_create,   0 },
	{ "snap.list",     op_snap_list,     args_vm,       API_OP_READ },
	{ "snap.info",     op_snap_info,     args_named,    API_OP_READ },
	{ "snap.revert",   op_snap_revert,   args_revert,   0 },
	{ "snap.delete",   op_snap_delete,   args_named,    0 },
	{ "snap.estimate", op_snap_estimate, args_estimate, API_OP_READ },
	{ NULL, NULL, NULL, 0 },
};
