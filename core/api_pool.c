/*
 * pool.* ops: the pools VMs' disks and ISOs live in (pools.h).  list and
 * info read each pool's directory and file system (pool_usage.h); create
 * and delete change where QEMU's files may live, so only root may, like
 * host.set allow-path.  A new pool's directory is empty or made by
 * croftd, then handed to the QEMU base user with mode 0700: croftd never
 * takes over a directory that already holds files.
 */
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/pool_usage.h"
#include "core/pool_watch.h"
#include "core/pools.h"
#include "core/vm.h"
#include "core/vm_pool_full.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static json_t *window_json(const struct pool_window *w)
{
	char text[64];

	return json_pack("{s:b,s:o,s:o,s:s}", "known", w->known,
			 "growth_bytes_per_day", w->known ? json_real(w->growth_per_day) : json_null(),
			 "days_to_full", w->known && w->days_to_full >= 0 ? json_real(w->days_to_full)
			 : json_null(), "text", pool_forecast_text(w, text, sizeof(text)));
}

/* The VMs paused because the named pool is full, by name. */
static json_t *paused_json(struct croftd *d, const char *pool)
{
	json_t *a = json_array();
	struct vm *vm;

	for (vm = d ? d->vms : NULL; vm; vm = vm->next)
		if (!vm->deleted && vm->state == VM_PAUSED && vm->pause_pool &&
		    !strcmp(vm->pause_pool, pool) && !strcmp(vm->reason, VM_POOL_FULL_REASON))
			json_array_append_new(a, json_string(vm->spec.name));
	return a;
}

/* A pool's figures; with its volumes when vols is set. */
static json_t *pool_json(struct croftd *d, const struct pools *p, size_t i, int vols)
{
	struct pool_forecast f;
	enum pool_level level;
	const char *user;
	struct pool_usage u;
	struct pool_vol *v;
	char err[PATH_MAX + 64];
	size_t n, k;
	json_t *o, *a;

	int auto_resume = 0;

	if (d)
		store_pool_auto_resume_get(d->store, pools_name(p, i), &auto_resume);
	o = json_pack("{s:s,s:s,s:s,s:b,s:b,s:o}", "name", pools_name(p, i), "dir", pools_dir(p, i),
		      "content", pools_kind_word(pools_kind_at(p, i)),
		      "builtin", pools_builtin(pools_name(p, i)), "auto_resume", auto_resume,
		      "paused_vms", paused_json(d, pools_name(p, i)));
	if (pool_usage_scan(pools_dir(p, i), &v, &n, &u, err, sizeof(err)) < 0) {
		json_object_set_new(o, "available", json_false());
		json_object_set_new(o, "error", json_string(err));
		return o;
	}
	json_object_set_new(o, "available", json_true());
	json_object_set_new(o, "capacity_bytes", json_integer((json_int_t)u.capacity));
	json_object_set_new(o, "free_bytes", json_integer((json_int_t)u.free));
	json_object_set_new(o, "allocated_bytes", json_integer((json_int_t)u.allocated));
	json_object_set_new(o, "promised_bytes", json_integer((json_int_t)u.promised));
	json_object_set_new(o, "overcommit", json_real(pool_usage_overcommit(&u)));
	json_object_set_new(o, "used_pct", json_real(pool_usage_used_pct(&u)));
	json_object_set_new(o, "volumes", json_integer((json_int_t)u.volumes));
	json_object_set_new(o, "level", json_string(pool_level_name(pool_level_of(
				    pool_usage_used_pct(&u)))));
	if (d && pool_watch_forecast(d, pools_name(p, i), u.capacity, u.capacity - u.free, &f,
				     &level) == 0)
		json_object_set_new(o, "forecast", json_pack("{s:o,s:o}", "day",
				    window_json(&f.day), "week", window_json(&f.week)));
	if (vols) {
		a = json_array();
		for (k = 0; k < n; k++) {
			json_t *vo = json_pack("{s:s,s:I,s:I}", "name", v[k].name,
					       "virtual_bytes", (json_int_t)v[k].virtual_size,
					       "allocated_bytes", (json_int_t)v[k].allocated);

			json_object_set_new(vo, "format", v[k].format[0] ? json_string(v[k].format)
								 : json_null());
			json_object_set_new(vo, "backing", v[k].backing[0] ? json_string(v[k].backing)
								   : json_null());
			snprintf(err, sizeof(err), "%s/%s", pools_dir(p, i), v[k].name);
			user = d ? api_vol_user(d, err) : NULL;
			json_object_set_new(vo, "used_by", user ? json_string(user) : json_null());
			json_array_append_new(a, vo);
		}
		json_object_set_new(o, "volume_list", a);
	}
	free(v);
	return o;
}

static void op_pool_list(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	json_t *a = json_array();
	size_t i;

	(void)args;
	for (i = 0; i < pools_count(d->pools); i++)
		json_array_append_new(a, pool_json(d, d->pools, i, 0));
	api_req_ok(r, json_pack("{s:o}", "pools", a));
}

static ssize_t pool_arg(struct api_req *r, json_t *args)
{
	const char *name = json_string_value(json_object_get(args, "name"));
	ssize_t i = pools_index(api_req_daemon(r)->pools, name);

	if (i < 0)
		api_req_err(r, PROTO_E_NOT_FOUND, "no pool named '%s'", name);
	return i;
}

static void op_pool_info(struct api_req *r, json_t *args)
{
	ssize_t i = pool_arg(r, args);

	if (i >= 0)
		api_req_ok(r, pool_json(api_req_daemon(r), api_req_daemon(r)->pools, (size_t)i, 1));
}

static int root_only(struct api_req *r, const char *what)
{
	int64_t uid = api_req_uid(r);

	if (uid == 0 || uid == (int64_t)geteuid())
		return 0;
	api_req_err(r, PROTO_E_PERMISSION, "only root can %s pools: a pool is a place QEMU's "
		    "files may live", what);
	return -EPERM;
}

/* The entries of dir other than "." and "..": up to max names into
 * names ("a, b, ..."), the count returned, or -errno. */
static long dir_entries(const char *dir, char *names, size_t max)
{
	struct dirent *de;
	long count = 0;
	DIR *dh;
	int fd;

	if (max)
		names[0] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!(dh = fdopendir(fd))) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(dh))) {
		size_t len = strlen(names);

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (count < 5 && len + strlen(de->d_name) + 3 < max)
			snprintf(names + len, max - len, "%s%s", count ? ", " : "", de->d_name);
		count++;
	}
	closedir(dh);
	return count;
}

/* The new pool's directory: made (its parent must exist) or an empty
 * directory, no symlink anywhere on the way.  *made is set when croftd
 * made it. */
static int new_pool_dir(const char *dir, int *made, char *err, size_t errlen)
{
	char real[PATH_MAX] = "", names[256];
	struct stat st;
	long n;

	*made = 0;
	if (lstat(dir, &st) < 0) {
		if (errno != ENOENT || mkdir(dir, 0700) < 0) {
			err_set(err, errlen, "cannot create pool directory %s: %s", dir, strerror(errno));
			return -errno;
		}
		*made = 1;
	} else if (S_ISLNK(st.st_mode)) {
		err_set(err, errlen, "%s is a symlink; give the directory it points at", dir);
		return -EINVAL;
	} else if (!S_ISDIR(st.st_mode)) {
		err_set(err, errlen, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	if (!realpath(dir, real) || strcmp(real, dir)) {
		err_set(err, errlen, "%s lies beneath a symlink; give its real path%s%s", dir,
			real[0] ? " " : "", real[0] ? real : "");
		goto undo;
	}
	if (!*made && (n = dir_entries(dir, names, sizeof(names))) != 0) {
		if (n < 0)
			err_set(err, errlen, "cannot read %s: %s", dir, strerror((int)-n));
		else
			err_set(err, errlen, "%s is not empty (%s%s): croftd gives a pool's directory "
				"to the QEMU user, so it must be new or empty", dir, names,
				n > 5 ? ", ..." : "");
		return -EINVAL;
	}
	return 0;
undo:
	if (*made)
		rmdir(dir);
	return -EINVAL;
}

static void op_pool_create(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *name = json_string_value(json_object_get(args, "name"));
	const char *path = json_string_value(json_object_get(args, "path"));
	const char *content = json_string_value(json_object_get(args, "content"));
	char dir[PATH_MAX], real[PATH_MAX], err[PATH_MAX + 256];
	struct store_pool sp;
	enum pools_kind kind = POOLS_DISK;
	int rc, made;

	if (root_only(r, "create") < 0)
		return;
	if (content && pools_kind_parse(content, &kind) < 0) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "content '%s' is not images or iso", content);
		return;
	}
	if (pools_path_normalize(path, dir, err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "%s", err);
		return;
	}
	if ((rc = pools_check_new(d->pools, name, dir, err, sizeof(err))) < 0) {
		api_req_err(r, rc == -EEXIST ? PROTO_E_ALREADY_EXISTS : PROTO_E_INVALID_ARGUMENT,
			    "%s", err);
		return;
	}
	if (new_pool_dir(dir, &made, err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "%s", err);
		return;
	}
	if (pools_dir_prepare(d, dir, real, err, sizeof(err)) < 0)
		goto fail;
	sp = (struct store_pool){ (char *)name, dir, (char *)pools_kind_word(kind),
				  (int64_t)time(NULL) };
	if (store_pool_add(d->store, &sp, err, sizeof(err)) < 0)
		goto fail;
	pools_add(d->pools, name, dir, kind);
	log_info("pool %s created at %s (%s)", name, dir, pools_kind_word(kind));
	bus_publish(d->bus, "pool.created", name, 0, json_pack("{s:s,s:s}", "name", name, "dir", dir),
		    "pool %s created at %s", name, dir);
	api_req_ok(r, pool_json(d, d->pools, (size_t)pools_index(d->pools, name), 0));
	return;
fail:
	if (made)
		rmdir(dir);
	api_req_err(r, PROTO_E_IO, "%s", err);
}

static void op_pool_delete(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *name = json_string_value(json_object_get(args, "name"));
	char dir[PATH_MAX], names[256], err[PATH_MAX + 256];
	ssize_t i;
	long n;

	if (root_only(r, "delete") < 0 || (i = pool_arg(r, args)) < 0)
		return;
	if (pools_builtin(name)) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "pool '%s' is built in and cannot be deleted",
			    name);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", pools_dir(d->pools, (size_t)i));
	n = dir_entries(dir, names, sizeof(names));
	if (n > 0) {
		api_req_err(r, PROTO_E_INVALID_STATE, "pool '%s' still holds %ld volume%s (%s%s); "
			    "delete them first", name, n, n == 1 ? "" : "s", names, n > 5 ? ", ..." : "");
		return;
	}
	if (store_pool_delete(d->store, name, err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_IO, "%s", err);
		return;
	}
	store_pool_forget(d->store, name);
	pools_remove(d->pools, name);
	if (n == 0 && rmdir(dir) < 0)
		log_warn("pool %s: cannot remove %s: %s", name, dir, strerror(errno));
	log_info("pool %s deleted", name);
	bus_publish(d->bus, "pool.deleted", name, 0, json_pack("{s:s}", "name", name),
		    "pool %s deleted", name);
	api_req_ok(r, json_pack("{s:s,s:s}", "name", name, "dir", dir));
}

/* pool.set: the pool's settings; today auto_resume. */
static void op_pool_set(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	json_t *ar = json_object_get(args, "auto_resume");
	const char *name = json_string_value(json_object_get(args, "name"));
	char err[256];
	ssize_t i;

	if ((i = pool_arg(r, args)) < 0)
		return;
	if (!ar) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "pool.set needs a setting to change "
			    "(auto_resume)");
		return;
	}
	if (pools_kind_at(d->pools, (size_t)i) == POOLS_ISO) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "pool '%s' holds ISOs, which guests only "
			    "read: it has no auto-resume", name);
		return;
	}
	if (store_pool_auto_resume_set(d->store, name, json_is_true(ar), err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_IO, "%s", err);
		return;
	}
	log_info("pool %s: auto-resume %s", name, json_is_true(ar) ? "on" : "off");
	bus_publish(d->bus, "pool.changed", name, 0, json_pack("{s:s,s:b}", "name", name,
		    "auto_resume", json_is_true(ar)), "pool %s: auto-resume %s", name,
		    json_is_true(ar) ? "on" : "off");
	api_req_ok(r, pool_json(d, d->pools, (size_t)i, 0));
}

static const struct api_arg args_pool_set[] = {
	{ "name", ARG_STRING, ARG_REQUIRED }, { "auto_resume", ARG_BOOL, 0 }, { NULL, 0, 0 } };
static const struct api_arg args_pool_name[] = {
	{ "name", ARG_STRING, ARG_REQUIRED }, { NULL, 0, 0 } };
static const struct api_arg args_pool_create[] = {
	{ "name", ARG_STRING, ARG_REQUIRED }, { "path", ARG_STRING, ARG_REQUIRED },
	{ "content", ARG_STRING, 0 }, { NULL, 0, 0 } };

const struct api_op api_pool_ops[] = {
	{ "pool.list", op_pool_list, api_args_none, API_OP_READ },
	{ "pool.info", op_pool_info, args_pool_name, API_OP_READ },
	{ "pool.create", op_pool_create, args_pool_create, 0 },
	{ "pool.delete", op_pool_delete, args_pool_name, 0 },
	{ "pool.set", op_pool_set, args_pool_set, 0 },
	{ NULL, NULL, NULL, 0 },
};
