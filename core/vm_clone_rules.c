/*
 * The rules of templates and clones (vm_clone.h): pure functions of a VM's
 * definition and the pool registry, which compares paths as strings, so
 * unit tests run them without files.
 */
#include "core/vm_clone.h"
#include "core/pools.h"
#include "common/proto.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The directory of path (normalised) into dir (PATH_MAX). */
static void dir_of(const char *path, char *dir)
{
	const char *slash = strrchr(path, '/');

	snprintf(dir, PATH_MAX, "%.*s", slash && slash != path ? (int)(slash - path) : 1, path);
}

int vm_template_refuse(const struct store_vm *spec, const char *what, const char **code,
		       char *err, size_t errlen)
{
	if (!spec->is_template)
		return 0;
	*code = PROTO_E_INVALID_STATE;
	err_set(err, errlen, "VM '%s' is a template and cannot be %s; clone it instead "
		"(croft vm clone %s NEW)", spec->name, what, spec->name);
	return -EPERM;
}

/* Disk i of spec as a volume in a pool: 0 with its pool's root, else
 * -EPERM with err set. */
static int disk_in_pool(const struct pools *p, const struct store_vm *spec, size_t i,
			struct pools_root *root, const char *why, char *err, size_t errlen)
{
	const char *path = spec->disks[i].path;

	if (path && pools_find(p, path, root) == 0 && root->pool && root->rest[0])
		return 0;
	err_set(err, errlen, "disk %zu of VM '%s' (%s) is not a volume in a pool; %s", i,
		spec->name, path ? path : "?", why);
	return -EPERM;
}

int vm_template_check(const struct pools *p, const struct store_vm *spec, int live,
		      const char **code, char *err, size_t errlen)
{
	struct pools_root root;
	size_t i;
	int rc;

	*code = PROTO_E_INVALID_STATE;
	if (spec->is_template) {
		err_set(err, errlen, "VM '%s' is a template already", spec->name);
		return -EEXIST;
	}
	if (live) {
		err_set(err, errlen, "VM '%s' is running; shut it down before making it a template",
			spec->name);
		return -EBUSY;
	}
	*code = PROTO_E_INVALID_ARGUMENT;
	for (i = 0; i < spec->ndisks; i++)
		if ((rc = disk_in_pool(p, spec, i, &root, "a template's disks are the base of "
				       "linked clones and must be volumes", err, errlen)) < 0)
			return rc;
	return 0;
}

int vm_clone_backing_is(const char *dir, const char *backing, const char *path)
{
	char joined[2 * PATH_MAX + 2], norm[PATH_MAX], why[128];

	if (!backing || !backing[0])
		return 0;
	if (backing[0] == '/')
		snprintf(joined, sizeof(joined), "%s", backing);
	else
		snprintf(joined, sizeof(joined), "%s/%s", dir, backing);
	return pools_path_normalize(joined, norm, why, sizeof(why)) == 0 && !strcmp(norm, path);
}

/* linked or full, from the request and the source. */
static int clone_mode(const struct vm_clone_req *req, int *linked, const char **code,
		      char *err, size_t errlen)
{
	const struct store_vm *src = req->src;

	*code = PROTO_E_INVALID_ARGUMENT;
	if (req->mode && strcmp(req->mode, "linked") && strcmp(req->mode, "full")) {
		err_set(err, errlen, "clone mode '%s' is not linked or full", req->mode);
		return -EINVAL;
	}
	*linked = req->mode ? !strcmp(req->mode, "linked") : src->is_template;
	*code = PROTO_E_INVALID_STATE;
	if (*linked && !src->is_template) {
		err_set(err, errlen, "linked clone needs a template: %s is not one; use --full or "
			"`croft vm template %s`", src->name, src->name);
		return -EINVAL;
	}
	if (*linked && req->pool) {
		*code = PROTO_E_INVALID_ARGUMENT;
		err_set(err, errlen, "a linked clone's volumes lie beside the template's; --pool "
			"is for --full");
		return -EINVAL;
	}
	if (!*linked && req->src_live) {
		err_set(err, errlen, "VM '%s' is running; a full clone copies a stopped VM's disks "
			"(shut it down first)", src->name);
		return -EBUSY;
	}
	return 0;
}

/* The directory new volume i goes to (PATH_MAX). */
static int clone_dir(const struct pools *p, const struct vm_clone_req *req, int linked,
		     size_t i, char *dir, const char **code, char *err, size_t errlen)
{
	struct pools_root root;
	ssize_t k;
	int rc;

	*code = PROTO_E_INVALID_ARGUMENT;
	if (linked || !req->pool) {
		if ((rc = disk_in_pool(p, req->src, i, &root, linked ? "a linked clone overlays "
				       "volumes only" : "say where its copy goes with --pool",
				       err, errlen)) < 0)
			return rc;
		if (linked)
			dir_of(req->src->disks[i].path, dir);
		else
			snprintf(dir, PATH_MAX, "%s", root.dir);
		return 0;
	}
	*code = PROTO_E_NOT_FOUND;
	if ((k = pools_index(p, req->pool)) < 0) {
		err_set(err, errlen, "no pool named '%s'", req->pool);
		return -ENOENT;
	}
	*code = PROTO_E_INVALID_ARGUMENT;
	if (pools_kind_at(p, (size_t)k) != POOLS_DISK) {
		err_set(err, errlen, "pool '%s' holds ISOs, not volumes", req->pool);
		return -EINVAL;
	}
	snprintf(dir, PATH_MAX, "%s", pools_dir(p, (size_t)k));
	return 0;
}

int vm_clone_plan(const struct pools *p, const struct vm_clone_req *req,
		  struct vm_clone_plan *out, const char **code, char *err, size_t errlen)
{
	const struct store_vm *src = req->src;
	struct store_vm *s = &out->spec;
	char dir[PATH_MAX];
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	*code = PROTO_E_INVALID_ARGUMENT;
	if ((rc = name_check("VM", req->name, err, errlen)) < 0)
		return rc;
	if (!strcmp(req->name, src->name)) {
		*code = PROTO_E_ALREADY_EXISTS;
		err_set(err, errlen, "a clone needs a name of its own, not '%s'", src->name);
		return -EEXIST;
	}
	if (src->ndisks > VM_SPEC_DISKS_MAX) {
		err_set(err, errlen, "VM '%s' has %zu disks; a clone takes at most %d", src->name,
			src->ndisks, VM_SPEC_DISKS_MAX);
		return -E2BIG;
	}
	if ((rc = clone_mode(req, &out->linked, code, err, errlen)) < 0)
		return rc;
	for (i = 0; i < src->ndisks; i++) {
		const struct store_disk *sd = &src->disks[i];
		struct vm_clone_disk *cd = &out->disks[i];
		const char *fmt = out->linked || strcmp(sd->format, "raw") ? "qcow2" : "raw";

		if ((rc = clone_dir(p, req, out->linked, i, dir, code, err, errlen)) < 0)
			goto fail;
		cd->from = xstrdup(sd->path);
		cd->from_format = xstrdup(sd->format);
		cd->path = xasprintf("%s/%s-disk%zu.%s", dir, req->name, i, fmt);
		cd->format = xstrdup(fmt);
		cd->backing = out->linked ? xstrdup(strrchr(sd->path, '/') + 1) : NULL;
		cd->size_bytes = sd->size_bytes;
		out->ndisks = i + 1;
	}

	/* the source's whole definition, then what makes the clone itself */
	store_vm_copy(s, src);
	free(s->name);
	free(s->uuid);
	free(s->state);
	free(s->state_reason);
	s->name = xstrdup(req->name);
	s->uuid = s->state = s->state_reason = NULL;
	s->id = 0;
	s->created = 0;
	s->is_template = 0;
	for (i = 0; i < s->ndisks; i++) {
		free(s->disks[i].path);
		free(s->disks[i].format);
		s->disks[i].id = 0;
		s->disks[i].vm_id = 0;
		s->disks[i].path = xstrdup(out->disks[i].path);
		s->disks[i].format = xstrdup(out->disks[i].format);
		s->disks[i].owned = 1;
	}
	return 0;
fail:
	vm_clone_plan_clear(out);
	return rc;
}

void vm_clone_plan_clear(struct vm_clone_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->ndisks; i++) {
		free(plan->disks[i].from);
		free(plan->disks[i].from_format);
		free(plan->disks[i].path);
		free(plan->disks[i].format);
		free(plan->disks[i].backing);
	}
	store_vm_clear(&plan->spec);
	memset(plan, 0, sizeof(*plan));
}
