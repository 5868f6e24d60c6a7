/*
 * vol.* ops: the volumes of a pool (pool_usage.h), named POOL/NAME on the
 * command line and {"pool","name"} in the API.  A volume is a file
 * directly in its pool's directory, so its name is a plain file name (the
 * name rules of common/validate.h).  Creating one is a disk.create job
 * (job_disk.h: qcow2 thin, raw preallocated, nothing left behind on
 * failure or cancel); deleting one is refused while a VM uses it.
 */
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/job_disk.h"
#include "core/job_vol.h"
#include "core/qmp.h"
#include "core/pool_usage.h"
#include "core/pools.h"
#include "core/vm.h"
#include "core/vm_busy.h"
#include "core/vm_clone.h"
#include "core/vm_disk.h"
#include "store/store.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The VM whose definition names path as a disk or its CD, or NULL. */
const char *api_vol_user(struct croftd *d, const char *path)
{
	struct vm *vm;
	size_t i;

	for (vm = d->vms; vm; vm = vm->next) {
		if (vm->deleted)
			continue;
		for (i = 0; i < vm->spec.ndisks; i++)
			if (vm->spec.disks[i].path && !strcmp(vm->spec.disks[i].path, path))
				return vm->spec.name;
		if (vm->spec.cdrom && !strcmp(vm->spec.cdrom, path))
			return vm->spec.name;
	}
	return NULL;
}

int api_vol_resolve(struct croftd *d, const char *ref, char *path, const char **code,
		    char *err, size_t errlen)
{
	const char *slash = ref ? strchr(ref, '/') : NULL;
	char pool[NAME_MAX_LEN + 2];
	struct stat st;
	ssize_t i;
	size_t len = slash ? (size_t)(slash - ref) : 0;

	*code = PROTO_E_INVALID_ARGUMENT;
	if (!slash || !len || len >= sizeof(pool)) {
		err_set(err, errlen, "a volume is POOL/NAME (e.g. default/data), not '%s'",
			ref ? ref : "");
		return -EINVAL;
	}
	memcpy(pool, ref, len);
	pool[len] = '\0';
	if (name_check("volume", slash + 1, err, errlen) < 0)
		return -EINVAL;
	*code = PROTO_E_NOT_FOUND;
	if ((i = pools_index(d->pools, pool)) < 0) {
		err_set(err, errlen, "no pool named '%s'", pool);
		return -ENOENT;
	}
	snprintf(path, PATH_MAX, "%s/%s", pools_dir(d->pools, (size_t)i), slash + 1);
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		err_set(err, errlen, "no volume named '%s' in pool '%s'", slash + 1, pool);
		return -ENOENT;
	}
	return 0;
}

/* The pool and volume args: the pool's index and the volume's path
 * (PATH_MAX) on 0; else the request is answered. */
static int vol_args(struct api_req *r, json_t *args, char *path)
{
	struct croftd *d = api_req_daemon(r);
	const char *pool = json_string_value(json_object_get(args, "pool"));
	const char *name = json_string_value(json_object_get(args, "name"));
	char err[256];
	ssize_t i = pools_index(d->pools, pool);

	if (i < 0) {
		api_req_err(r, PROTO_E_NOT_FOUND, "no pool named '%s'", pool);
		return -ENOENT;
	}
	if (name_check("volume", name, err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "%s", err);
		return -EINVAL;
	}
	snprintf(path, PATH_MAX, "%s/%s", pools_dir(d->pools, (size_t)i), name);
	return 0;
}

static json_t *vol_json(struct croftd *d, const char *pool, const struct pool_vol *v)
{
	char path[PATH_MAX];
	const char *user;
	json_t *o;

	snprintf(path, sizeof(path), "%s/%s", pools_dir_of(d->pools, pool), v->name);
	user = api_vol_user(d, path);
	o = json_pack("{s:s,s:s,s:s,s:I,s:I}", "pool", pool, "name", v->name, "path", path,
		      "virtual_bytes", (json_int_t)v->virtual_size,
		      "allocated_bytes", (json_int_t)v->allocated);
	json_object_set_new(o, "format", v->format[0] ? json_string(v->format) : json_null());
	json_object_set_new(o, "backing", v->backing[0] ? json_string(v->backing) : json_null());
	json_object_set_new(o, "used_by", user ? json_string(user) : json_null());
	return o;
}

/* Append the volumes of pool i to a. */
static int pool_vols(struct croftd *d, size_t i, json_t *a, char *err, size_t errlen)
{
	struct pool_usage u;
	struct pool_vol *v;
	size_t n, k;
	int rc;

	if ((rc = pool_usage_scan(pools_dir(d->pools, i), &v, &n, &u, err, errlen)) < 0)
		return rc;
	for (k = 0; k < n; k++)
		json_array_append_new(a, vol_json(d, pools_name(d->pools, i), &v[k]));
	free(v);
	return 0;
}

static void op_vol_list(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *pool = json_string_value(json_object_get(args, "pool"));
	char err[PATH_MAX + 64];
	json_t *a = json_array();
	ssize_t only = -1;
	size_t i;

	if (pool && (only = pools_index(d->pools, pool)) < 0) {
		json_decref(a);
		api_req_err(r, PROTO_E_NOT_FOUND, "no pool named '%s'", pool);
		return;
	}
	for (i = 0; i < pools_count(d->pools); i++) {
		if (only >= 0 && (size_t)only != i)
			continue;
		if (pool_vols(d, i, a, err, sizeof(err)) < 0 && only >= 0) {
			json_decref(a);
			api_req_err(r, PROTO_E_IO, "%s", err);
			return;
		}
	}
	api_req_ok(r, json_pack("{s:o}", "volumes", a));
}

/* The volume args name (its pool's scan entry as JSON), or NULL with the
 * request answered. */
json_t *api_vol_find(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *pool = json_string_value(json_object_get(args, "pool"));
	const char *name = json_string_value(json_object_get(args, "name"));
	struct pool_usage u;
	struct pool_vol *v;
	char err[PATH_MAX + 64];
	json_t *o = NULL;
	size_t n, k;

	if (pool_usage_scan(pools_dir_of(d->pools, pool), &v, &n, &u, err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_IO, "%s", err);
		return NULL;
	}
	for (k = 0; k < n && !o; k++)
		if (!strcmp(v[k].name, name))
			o = vol_json(d, pool, &v[k]);
	free(v);
	if (!o)
		api_req_err(r, PROTO_E_NOT_FOUND, "no volume named '%s' in pool '%s'", name, pool);
	return o;
}

static void op_vol_info(struct api_req *r, json_t *args)
{
	char path[PATH_MAX];
	json_t *o;

	if (vol_args(r, args, path) < 0)
		return;
	if ((o = api_vol_find(r, args)))
		api_req_ok(r, o);
}

static void vol_created(struct job *j, void *data)
{
	struct croftd *d = job_daemon(j);

	(void)data;
	if (job_state(j) == JOB_DONE)
		bus_publish(d->bus, "vol.created", job_target(j), 0,
			    json_pack("{s:s}", "name", job_target(j)), "volume %s created",
			    job_target(j));
}

static void op_vol_create(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *pool = json_string_value(json_object_get(args, "pool"));
	const char *name = json_string_value(json_object_get(args, "name"));
	const char *format = json_string_value(json_object_get(args, "format"));
	json_int_t size = json_integer_value(json_object_get(args, "size_bytes"));
	char path[PATH_MAX], target[2 * NAME_MAX_LEN + 8], err[PATH_MAX + 256];
	struct job_disk disk;
	struct job *j;
	int64_t id;
	int rc;

	if (vol_args(r, args, path) < 0)
		return;
	if (pools_kind_at(d->pools, (size_t)pools_index(d->pools, pool)) != POOLS_DISK) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "pool '%s' holds ISOs, not volumes", pool);
		return;
	}
	if (size <= 0 || disk_size_check((uint64_t)size, err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "%s", size <= 0 ? "size_bytes must be positive"
			    : err);
		return;
	}
	if (format && strcmp(format, "qcow2") && strcmp(format, "raw")) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "format '%s' is not qcow2 or raw", format);
		return;
	}
	disk = (struct job_disk){ path, format ? format : "qcow2", (uint64_t)size };
	snprintf(target, sizeof(target), "%s/%s", pool, name);
	rc = job_disk_create(d, target, &disk, 1, vol_created, NULL, &id, err, sizeof(err));
	if (rc < 0) {
		api_req_err(r, rc == -EEXIST ? PROTO_E_ALREADY_EXISTS : rc == -EINVAL
			    ? PROTO_E_INVALID_ARGUMENT : PROTO_E_IO, "%s", err);
		return;
	}
	j = job_find(d->jobs, id);
	api_req_ok(r, json_pack("{s:s,s:s,s:o}", "pool", pool, "name", name, "job",
				j ? api_job_json(j) : json_pack("{s:I}", "id", (json_int_t)id)));
}

static void op_vol_delete(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *pool = json_string_value(json_object_get(args, "pool"));
	const char *name = json_string_value(json_object_get(args, "name"));
	char path[PATH_MAX], deps[1024];
	const char *user;
	json_t *o;
	int dfd, n;

	if (vol_args(r, args, path) < 0 || !(o = api_vol_find(r, args)))
		return;
	if ((user = api_vol_user(d, path))) {
		struct vm *vm = vm_find(d, user);

		json_decref(o);
		if (vm && vm->spec.is_template)
			api_req_err(r, PROTO_E_INVALID_STATE, "volume %s/%s is a disk of template %s, "
				    "which is read-only; delete the template first", pool, name, user);
		else
			api_req_err(r, PROTO_E_INVALID_STATE, "volume %s/%s is attached to VM %s; "
				    "detach it or delete the VM first", pool, name, user);
		return;
	}
	if ((n = vm_clone_dependents(d, path, deps, sizeof(deps))) != 0) {
		json_decref(o);
		if (n < 0)
			api_req_err(r, PROTO_E_IO, "%s", deps);
		else
			api_req_err(r, PROTO_E_INVALID_STATE, "volume %s/%s is the backing file of "
				    "%d other volume%s (%s); delete those first", pool, name, n,
				    n == 1 ? "" : "s", deps);
		return;
	}
	/* by name in the pool's directory: a symlink is not followed */
	dfd = open(pools_dir_of(d->pools, pool), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || unlinkat(dfd, name, 0) < 0) {
		api_req_err(r, PROTO_E_IO, "cannot delete volume %s/%s: %s", pool, name,
			    strerror(errno));
		if (dfd >= 0)
			close(dfd);
		json_decref(o);
		return;
	}
	close(dfd);
	log_info("volume %s/%s deleted", pool, name);
	bus_publish(d->bus, "vol.deleted", pool, 0, json_pack("{s:s,s:s}", "pool", pool, "name", name),
		    "volume %s/%s deleted", pool, name);
	api_req_ok(r, o);
}

/* --- vol.resize -------------------------------------------------------------- */

/* The VM whose disk path is, and its index among the disks; NULL if none. */
static struct vm *disk_owner(struct croftd *d, const char *path, size_t *idx)
{
	struct vm *vm;
	size_t i;

	for (vm = d->vms; vm; vm = vm->next) {
		if (vm->deleted)
			continue;
		for (i = 0; i < vm->spec.ndisks; i++) {
			if (vm->spec.disks[i].path && !strcmp(vm->spec.disks[i].path, path)) {
				*idx = i;
				return vm;
			}
		}
	}
	return NULL;
}

struct online_resize {
	struct api_req *r;
	json_t *vol;             /* the volume as it was, for the answer */
	uint64_t size;
};

static void online_resized(struct qmp *q, const struct qmp_msg *reply, void *data)
{
	struct online_resize *o = data;

	(void)q;
	if (!reply)
		api_req_err(o->r, PROTO_E_QEMU, "QEMU went away before it resized %s/%s",
			    json_string_value(json_object_get(o->vol, "pool")),
			    json_string_value(json_object_get(o->vol, "name")));
	else if (reply->type == QMP_MSG_ERROR)
		api_req_err(o->r, PROTO_E_QEMU, "QEMU cannot resize the volume: %s",
			    reply->err_desc ? reply->err_desc : "?");
	else {
		json_object_set_new(o->vol, "virtual_bytes", json_integer((json_int_t)o->size));
		json_object_set_new(o->vol, "online", json_true());
		log_info("volume %s/%s grown to %llu bytes online",
			 json_string_value(json_object_get(o->vol, "pool")),
			 json_string_value(json_object_get(o->vol, "name")),
			 (unsigned long long)o->size);
		api_req_ok(o->r, json_incref(o->vol));
	}
	json_decref(o->vol);
	free(o);
}

static void op_vol_resize(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *pool = json_string_value(json_object_get(args, "pool"));
	const char *name = json_string_value(json_object_get(args, "name"));
	json_int_t size = json_integer_value(json_object_get(args, "size_bytes"));
	char path[PATH_MAX], target[2 * NAME_MAX_LEN + 8], err[PATH_MAX + 256];
	const char *format, *code;
	json_int_t have;
	struct online_resize *o;
	struct vm *vm;
	struct job *j;
	size_t idx = 0;
	json_t *vol;
	int rc;

	if (vol_args(r, args, path) < 0 || !(vol = api_vol_find(r, args)))
		return;
	format = json_string_value(json_object_get(vol, "format"));
	have = json_integer_value(json_object_get(vol, "virtual_bytes"));
	if (!format) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "%s/%s is not a qcow2 or raw image", pool,
			    name);
		goto out;
	}
	if (size <= have) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "volume %s/%s is %lld bytes; it can only "
			    "grow (asked for %lld)", pool, name, (long long)have, (long long)size);
		goto out;
	}
	if (disk_size_check((uint64_t)size, err, sizeof(err)) < 0 || size % 512) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "%s", size % 512 ? "size_bytes must be "
			    "a multiple of 512" : err);
		goto out;
	}
	vm = disk_owner(d, path, &idx);
	if (vm && vm_template_refuse(&vm->spec, "changed", &code, err, sizeof(err)) < 0) {
		api_req_err(r, code, "volume %s/%s is a disk of a template: %s", pool, name, err);
		goto out;
	}
	if (vm && vm_busy_check(d, &vm->spec, &code, err, sizeof(err)) < 0) {
		api_req_err(r, code, "volume %s/%s is a disk of VM %s: %s", pool, name,
			    vm->spec.name, err);
		goto out;
	}
	if (vm && vm->pid > 0) {
		char node[32];

		if (!vm->qmp || !qmp_is_ready(vm->qmp)) {
			api_req_err(r, PROTO_E_INVALID_STATE, "VM %s is %s and its monitor is not "
				    "ready; try again", vm->spec.name, vm_state_name(vm->state));
			goto out;
		}
		snprintf(node, sizeof(node), "disk%zu", idx);
		o = xcalloc(1, sizeof(*o));
		*o = (struct online_resize){ r, vol, (uint64_t)size };
		if (qmp_command(vm->qmp, "block_resize", json_pack("{s:s,s:I}", "node-name", node,
				"size", size), online_resized, o) < 0) {
			free(o);
			api_req_err(r, PROTO_E_QEMU, "cannot reach VM %s's monitor", vm->spec.name);
			goto out;
		}
		return;                  /* online_resized answers and frees vol */
	}
	snprintf(target, sizeof(target), "%s/%s", pool, name);
	rc = job_submit(d->jobs, job_vol_resize_kind.name, target,
			json_pack("{s:s,s:s,s:I,s:I}", "path", path, "format", format,
				  "size_bytes", size, "from_bytes", have), NULL, NULL, &j,
			err, sizeof(err));
	if (rc < 0) {
		api_req_err(r, PROTO_E_IO, "%s", err);
		goto out;
	}
	api_req_ok(r, json_pack("{s:s,s:s,s:o}", "pool", pool, "name", name, "job",
				api_job_json(j)));
out:
	json_decref(vol);
}

/* --- vm.disk.attach ------------------------------------------------------------- */

struct attach_req {
	struct api_req *r;
	int attach;                      /* else a detach */
	char vm[NAME_MAX_LEN + 1];
	char ref[2 * NAME_MAX_LEN + 2];
};

static struct attach_req *attach_req_new(struct api_req *r, const struct vm *vm, const char *ref,
					 int attach)
{
	struct attach_req *a = xcalloc(1, sizeof(*a));

	a->r = r;
	a->attach = attach;
	snprintf(a->vm, sizeof(a->vm), "%s", vm->spec.name);
	snprintf(a->ref, sizeof(a->ref), "%s", ref);
	return a;
}

static void attach_done(struct croftd *d, const char *code, const char *msg,
			const struct store_disk *disk, void *data)
{
	struct attach_req *a = data;
	json_t *res;

	if (code) {
		api_req_err(a->r, code, "%s", msg);
	} else {
		bus_publish(d->bus, "vm.changed", a->vm, 0, json_pack("{s:s}", "name", a->vm),
			    "VM %s: volume %s %s", a->vm, a->ref, a->attach ? "attached" : "detached");
		res = json_pack("{s:s,s:s,s:s}", "name", a->vm, "volume", a->ref, "path", disk->path);
		if (a->attach)
			json_object_set_new(res, "index", json_integer((int)disk->idx));
		api_req_ok(a->r, res);
	}
	free(a);
}

static void op_vm_disk_attach(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct vm *vm = api_req_vm(r);
	const char *ref = json_string_value(json_object_get(args, "volume"));
	const char *bus = json_string_value(json_object_get(args, "bus"));
	char path[PATH_MAX], err[PATH_MAX + 256];
	const char *code, *user;
	struct attach_req *a;

	if (bus && strcmp(bus, "virtio-blk") && strcmp(bus, "virtio-scsi")) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "bus '%s' is not virtio-blk or virtio-scsi",
			    bus);
		return;
	}
	if (api_vol_resolve(d, ref, path, &code, err, sizeof(err)) < 0) {
		api_req_err(r, code, "%s", err);
		return;
	}
	if ((user = api_vol_user(d, path))) {
		api_req_err(r, PROTO_E_INVALID_STATE, "volume %s is attached to VM %s already", ref,
			    user);
		return;
	}
	a = attach_req_new(r, vm, ref, 1);
	if (vm_disk_attach(d, vm, path, bus && !strcmp(bus, "virtio-scsi"), attach_done, a, &code,
			   err, sizeof(err)) < 0) {
		free(a);
		api_req_err(r, code, "%s", err);
	}
}

static void op_vm_disk_detach(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct vm *vm = api_req_vm(r);
	const char *ref = json_string_value(json_object_get(args, "volume"));
	char path[PATH_MAX], err[PATH_MAX + 256];
	struct attach_req *a;
	const char *code;

	if (api_vol_resolve(d, ref, path, &code, err, sizeof(err)) < 0) {
		api_req_err(r, code, "%s", err);
		return;
	}
	a = attach_req_new(r, vm, ref, 0);
	if (vm_disk_detach(d, vm, path, attach_done, a, &code, err, sizeof(err)) < 0) {
		free(a);
		api_req_err(r, code, "%s", err);
	}
}

static const struct api_arg args_vm_disk_detach[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM }, { "volume", ARG_STRING, ARG_REQUIRED },
	{ NULL, 0, 0 } };
static const struct api_arg args_vm_disk_attach[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM }, { "volume", ARG_STRING, ARG_REQUIRED },
	{ "bus", ARG_STRING, 0 }, { NULL, 0, 0 } };

static const struct api_arg args_vol[] = {
	{ "pool", ARG_STRING, ARG_REQUIRED }, { "name", ARG_STRING, ARG_REQUIRED },
	{ NULL, 0, 0 } };
static const struct api_arg args_vol_list[] = {
	{ "pool", ARG_STRING, 0 }, { NULL, 0, 0 } };
static const struct api_arg args_vol_create[] = {
	{ "pool", ARG_STRING, ARG_REQUIRED }, { "name", ARG_STRING, ARG_REQUIRED },
	{ "size_bytes", ARG_INT, ARG_REQUIRED }, { "format", ARG_STRING, 0 },
	{ NULL, 0, 0 } };

static const struct api_arg args_vol_resize[] = {
	{ "pool", ARG_STRING, ARG_REQUIRED }, { "name", ARG_STRING, ARG_REQUIRED },
	{ "size_bytes", ARG_INT, ARG_REQUIRED }, { NULL, 0, 0 } };

const struct api_op api_vol_ops[] = {
	{ "vol.list", op_vol_list, args_vol_list, API_OP_READ },
	{ "vol.info", op_vol_info, args_vol, API_OP_READ },
	{ "vol.create", op_vol_create, args_vol_create, 0 },
	{ "vol.delete", op_vol_delete, args_vol, 0 },
	{ "vol.resize", op_vol_resize, args_vol_resize, 0 },
	{ "vm.disk.attach", op_vm_disk_attach, args_vm_disk_attach, API_OP_VM_JOBS },
	{ "vm.disk.detach", op_vm_disk_detach, args_vm_disk_detach, API_OP_VM_JOBS },
	{ NULL, NULL, NULL, 0 },
};
