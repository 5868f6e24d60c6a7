/*
 * vol.import, iso.import and vol.export: the handlers check what can be
 * checked without touching the user's file (the pool and its kind, the
 * volume's name, the formats, the path's shape, a name already taken or
 * being imported, a volume a running guest holds) and queue the job
 * (job_vol_import.h), which reads and writes the user's file as the user.
 * Each answers {"pool","name","job"} at once, like vol.create.
 */
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/job_vol_import.h"
#include "core/pools.h"
#include "core/vm.h"
#include "core/vol_probe.h"
#include "store/store.h"
#include "common/proto.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The job of kind for target that has not ended, or NULL. */
static struct job *job_for(struct croftd *d, const char *kind, const char *target)
{
	struct job *j;

	for (j = job_runner_first(d->jobs); j; j = job_next(j))
		if (!strcmp(job_kind_name(j), kind) && job_target(j) &&
		    !strcmp(job_target(j), target))
			return j;
	return NULL;
}

/* Queue kind for args (stolen) and answer. */
static void submit(struct api_req *r, const char *kind, const char *pool, const char *name,
		   json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	char target[2 * NAME_MAX_LEN + 8], err[1024];
	struct job *j;

	if (job_vol_user_args((uid_t)api_req_uid(r), args, err, sizeof(err)) < 0) {
		json_decref(args);
		api_req_err(r, PROTO_E_PERMISSION, "%s", err);
		return;
	}
	snprintf(target, sizeof(target), "%s/%s", pool, name);
	if (job_submit(d->jobs, kind, target, args, NULL, NULL, &j, err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_IO, "%s", err);
		return;
	}
	api_req_ok(r, json_pack("{s:s,s:s,s:o}", "pool", pool, "name", name, "job",
				api_job_json(j)));
}

/* The checks of vol.import and iso.import; the pool's index on 0. */
static int import_check(struct api_req *r, json_t *args, enum pools_kind want,
			char *path)
{
	struct croftd *d = api_req_daemon(r);
	const char *pool = json_string_value(json_object_get(args, "pool"));
	const char *name = json_string_value(json_object_get(args, "name"));
	const char *src = json_string_value(json_object_get(args, "from"));
	char err[PATH_MAX + 128], target[2 * NAME_MAX_LEN + 8];
	ssize_t i = pools_index(d->pools, pool);
	struct stat st;
	struct job *j;

	if (i < 0) {
		api_req_err(r, PROTO_E_NOT_FOUND, "no pool named '%s'", pool);
		return -ENOENT;
	}
	if (pools_kind_at(d->pools, (size_t)i) != want) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, want == POOLS_ISO ?
			    "pool '%s' holds volumes, not ISOs; import an ISO into an iso pool" :
			    "pool '%s' holds ISOs, not volumes; import an ISO with iso.import", pool);
		return -EINVAL;
	}
	if (name_check(want == POOLS_ISO ? "ISO" : "volume", name, err, sizeof(err)) < 0 ||
	    job_vol_path_check("from", src, err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "%s", err);
		return -EINVAL;
	}
	snprintf(path, PATH_MAX, "%s/%s", pools_dir(d->pools, (size_t)i), name);
	if (lstat(path, &st) == 0) {
		api_req_err(r, PROTO_E_ALREADY_EXISTS, "pool '%s' has a %s named '%s' already", pool,
			    want == POOLS_ISO ? "file" : "volume", name);
		return -EEXIST;
	}
	snprintf(target, sizeof(target), "%s/%s", pool, name);
	if ((j = job_for(d, job_vol_import_kind.name, target)) ||
	    (j = job_for(d, job_iso_import_kind.name, target))) {
		api_req_err(r, PROTO_E_ALREADY_EXISTS, "%s is being imported already (job %lld)",
			    target, (long long)job_id(j));
		return -EEXIST;
	}
	return (int)i;
}

/* vol.import into a pool of volumes (format qcow2 or raw), iso.import
 * into an iso pool (raw: the bytes as they are). */
static void import(struct api_req *r, json_t *args, enum pools_kind want, const char *kind,
		   const char *format)
{
	struct croftd *d = api_req_daemon(r);
	char path[PATH_MAX];
	int i;

	if ((i = import_check(r, args, want, path)) < 0)
		return;
	submit(r, kind, json_string_value(json_object_get(args, "pool")),
	       json_string_value(json_object_get(args, "name")),
	       json_pack("{s:O,s:O,s:s,s:O,s:s}", "pool", json_object_get(args, "pool"), "name",
			 json_object_get(args, "name"), "dir", pools_dir(d->pools, (size_t)i),
			 "from", json_object_get(args, "from"), "format", format));
}

static void op_vol_import(struct api_req *r, json_t *args)
{
	const char *format = json_string_value(json_object_get(args, "format"));

	if (format && strcmp(format, "qcow2") && strcmp(format, "raw")) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "format '%s' is not qcow2 or raw; a volume "
			    "is one of those (the source's own format is detected)", format);
		return;
	}
	import(r, args, POOLS_DISK, job_vol_import_kind.name, format ? format : "qcow2");
}

static void op_iso_import(struct api_req *r, json_t *args)
{
	import(r, args, POOLS_ISO, job_iso_import_kind.name, "raw");
}

/* The VM running with path open, or NULL. */
static const char *running_user(struct croftd *d, const char *path)
{
	const char *user = api_vol_user(d, path);
	struct vm *vm;

	for (vm = d->vms; user && vm; vm = vm->next)
		if (!vm->deleted && !strcmp(vm->spec.name, user) && vm->pid > 0)
			return user;
	return NULL;
}

static void op_vol_export(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *pool = json_string_value(json_object_get(args, "pool"));
	const char *name = json_string_value(json_object_get(args, "name"));
	const char *format = json_string_value(json_object_get(args, "format"));
	const char *to = json_string_value(json_object_get(args, "to"));
	const struct vol_format *f = vol_format_find(format ? format : "qcow2");
	const char *vformat, *path, *vm;
	char err[PATH_MAX + 128];
	json_t *vol;

	if (pools_index(d->pools, pool) < 0) {
		api_req_err(r, PROTO_E_NOT_FOUND, "no pool named '%s'", pool);
		return;
	}
	if (name_check("volume", name, err, sizeof(err)) < 0 ||
	    job_vol_path_check("to", to, err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "%s", err);
		return;
	}
	if (!f || (format && strcmp(format, f->name))) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "format '%s' is not one croft writes (%s)",
			    format, vol_format_list());
		return;
	}
	if (!(vol = api_vol_find(r, args)))
		return;
	vformat = json_string_value(json_object_get(vol, "format"));
	path = json_string_value(json_object_get(vol, "path"));
	if (!vformat) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "%s/%s is not a qcow2 or raw image", pool,
			    name);
	} else if ((vm = running_user(d, path))) {
		api_req_err(r, PROTO_E_INVALID_STATE, "volume %s/%s is in use by running VM %s; "
			    "stop it first", pool, name, vm);
	} else {
		submit(r, job_vol_export_kind.name, pool, name,
		       json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "pool", pool, "name", name,
				 "path", path, "vformat", vformat, "to", to, "format", f->name,
				 "virtual_bytes", json_object_get(vol, "virtual_bytes")));
	}
	json_decref(vol);
}

static const struct api_arg args_vol_import[] = {
	{ "pool", ARG_STRING, ARG_REQUIRED }, { "name", ARG_STRING, ARG_REQUIRED },
	{ "from", ARG_STRING, ARG_REQUIRED }, { "format", ARG_STRING, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_iso_import[] = {
	{ "pool", ARG_STRING, ARG_REQUIRED }, { "name", ARG_STRING, ARG_REQUIRED },
	{ "from", ARG_STRING, ARG_REQUIRED }, { NULL, 0, 0 } };
static const struct api_arg args_vol_export[] = {
	{ "pool", ARG_STRING, ARG_REQUIRED }, { "name", ARG_STRING, ARG_REQUIRED },
	{ "to", ARG_STRING, ARG_REQUIRED }, { "format", ARG_STRING, 0 },
	{ NULL, 0, 0 } };

const struct api_op api_vol_io_ops[] = {
	{ "vol.import", op_vol_import, args_vol_import, 0 },
	{ "iso.import", op_iso_import, args_iso_import, 0 },
	{ "vol.export", op_vol_export, args_vol_export, 0 },
	{ NULL, NULL, NULL, 0 },
};
