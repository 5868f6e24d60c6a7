/*
 * backup.create, backup.list, backup.verify, backup.restore and
 * backup.delete (backup.h).  The job-starting ops answer at once with the
 * job, as vm.clone does.
 */
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/backup.h"
#include "core/daemon.h"
#include "core/vm.h"
#include "common/proto.h"
#include "store/store_backup.h"

#include <errno.h>
#include <stddef.h>

static void answer_job(struct api_req *r, int rc, struct job *j, const char *code,
		       const char *err)
{
	if (rc < 0)
		api_req_err(r, code, "%s", err);
	else
		api_req_ok(r, json_pack("{s:o}", "job", api_job_json(j)));
}

static void op_backup_create(struct api_req *r, json_t *args)
{
	struct vm *vm = api_req_vm(r);
	const char *code;
	struct job *j = NULL;
	char err[1024];
	int rc;

	if (json_integer_value(json_object_get(args, "speed")) < 0) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "speed must be 0 or more bytes per second");
		return;
	}
	rc = backup_create(api_req_daemon(r), vm->spec.name,
			   json_string_value(json_object_get(args, "to")), 0,
			   (uint64_t)json_integer_value(json_object_get(args, "speed")), NULL, NULL, &j,
			   &code, err, sizeof(err));
	answer_job(r, rc, j, code, err);
}

static void op_backup_list(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *vm = json_string_value(json_object_get(args, "vm"));
	struct store_backup *v;
	json_t *arr = json_array();
	size_t n, i;

	if (store_backup_list(d->store, vm, &v, &n) < 0) {
		json_decref(arr);
		api_req_err(r, PROTO_E_IO, "cannot read the backups: %s", store_last_error(d->store));
		return;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(arr, backup_json(&v[i]));
	store_backup_list_free(v, n);
	api_req_ok(r, json_pack("{s:o}", "backups", arr));
}

static int64_t arg_id(json_t *args)
{
	return json_integer_value(json_object_get(args, "id"));
}

static void op_backup_verify(struct api_req *r, json_t *args)
{
	const char *code;
	struct job *j = NULL;
	char err[1024];
	int rc;

	rc = backup_verify(api_req_daemon(r), arg_id(args), &j, &code, err, sizeof(err));
	answer_job(r, rc, j, code, err);
}

static void op_backup_restore(struct api_req *r, json_t *args)
{
	const char *code;
	struct job *j = NULL;
	char err[1024];
	int rc;

	rc = backup_restore(api_req_daemon(r), arg_id(args),
			    json_string_value(json_object_get(args, "as")),
			    json_string_value(json_object_get(args, "pool")),
			    json_is_true(json_object_get(args, "force")), &j, &code, err,
			    sizeof(err));
	answer_job(r, rc, j, code, err);
}

static void op_backup_delete(struct api_req *r, json_t *args)
{
	char err[1024];
	int rc = backup_delete(api_req_daemon(r), arg_id(args), err, sizeof(err));

	if (rc < 0)
		api_req_err(r, rc == -ENOENT ? PROTO_E_NOT_FOUND : rc == -EBUSY
			    ? PROTO_E_INVALID_STATE : PROTO_E_IO, "%s", err);
	else
		api_req_ok(r, json_pack("{s:I,s:b}", "id", (json_int_t)arg_id(args), "deleted", 1));
}

static const struct api_arg args_create[] = {
	{ "vm", ARG_STRING, ARG_REQUIRED | ARG_VM }, { "to", ARG_STRING, ARG_REQUIRED },
	{ "speed", ARG_INT, 0 }, { NULL, 0, 0 } };
static const struct api_arg args_list[] = { { "vm", ARG_STRING, 0 }, { NULL, 0, 0 } };
static const struct api_arg args_id[] = { { "id", ARG_INT, ARG_REQUIRED }, { NULL, 0, 0 } };
static const struct api_arg args_restore[] = {
	{ "id", ARG_INT, ARG_REQUIRED }, { "as", ARG_STRING, 0 }, { "pool", ARG_STRING, 0 },
	{ "force", ARG_BOOL, 0 }, { NULL, 0, 0 } };

const struct api_op api_backup_ops[] = {
	{ "backup.create",  op_backup_create,  args_create,  0 },
	{ "backup.list",    op_backup_list,    args_list,    API_OP_READ },
	{ "backup.verify",  op_backup_verify,  args_id,      0 },
	{ "backup.restore", op_backup_restore, args_restore, 0 },
	{ "backup.delete",  op_backup_delete,  args_id,      0 },
	{ NULL, NULL, NULL, 0 },
};
