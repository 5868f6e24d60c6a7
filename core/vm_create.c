/*
 * vm.create from request to VM (vm_create.h), and the "vm.create" job.
 *
 * A request lives in a struct create until its outcome is known: a copy of
 * the request, the images qemu-img is reading (one child each, at once)
 * and how many are still out.  The job's args are {"vm": the planned
 * definition, "disks": the new images to make}; its priv begins with the
 * disk steps' run (job_disk.h), which call define_step after the last.
 */
#include "core/vm_create.h"
#include "core/daemon.h"
#include "core/job_disk.h"
#include "core/job_exec.h"
#include "core/pool.h"
#include "core/vm.h"
#include "core/vm_clone.h"
#include "core/vm_define.h"
#include "core/vm_files.h"
#include "core/vm_spec.h"
#include "core/pools.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct create;

/* One image being read: the callback's handle into its request. */
struct reading {
	struct create *c;
	size_t i;
};

struct create {
	struct croftd *d;
	vm_create_fn done;
	void *data;
	struct vm_spec_create req;       /* strings owned (below) */
	char *strs[9];
	struct vm_spec_disk_req *disks;  /* path and format owned */
	struct vm_spec_image *images;    /* one per attached disk */
	struct reading *readings;
	size_t nimages;
	size_t pending;                  /* images still being read */
};

static char *keep(struct create *c, size_t slot, const char *s)
{
	c->strs[slot] = xstrdup_or_null(s);
	return c->strs[slot];
}

static void create_free(struct create *c)
{
	size_t i;

	for (i = 0; i < sizeof(c->strs) / sizeof(c->strs[0]); i++)
		free(c->strs[i]);
	for (i = 0; i < c->req.ndisks; i++) {
		free((char *)c->disks[i].path);
		free((char *)c->disks[i].format);
	}
	for (i = 0; i < c->nimages; i++)
		free(c->images[i].path);
	free(c->disks);
	free(c->images);
	free(c->readings);
	free(c);
}

static void finish(struct create *c, struct vm *vm, struct job *j, const char *code,
		   const char *err)
{
	c->done(c->d, vm, j, code, err, c->data);
	create_free(c);
}

/* --- the planned definition in the job's args ------------------------------------ */

/* --- the job ------------------------------------------------------------------------ */

struct create_run {
	struct job_disk_run disks;       /* first: job_disk_steps uses it */
};

static void define_step(struct job *j)
{
	struct croftd *d = job_daemon(j);
	struct store_vm spec;
	const char *code;
	struct vm *vm;
	char err[1024], *vars;

	if (vm_spec_from_json(json_object_get(job_args(j), "vm"), &spec, err, sizeof(err)) < 0) {
		job_fail(j, "the job's VM definition is damaged: %s", err);
		return;
	}
	vars = vm_state_path(d, spec.name, "OVMF_VARS.fd");
	if (!strcmp(spec.firmware, "uefi") && access(vars, F_OK) < 0 &&
	    job_cleanup_add(j, vars, err, sizeof(err)) < 0) {
		free(vars);
		store_vm_clear(&spec);
		job_fail(j, "%s", err);
		return;
	}
	free(vars);
	if (vm_define_create(d, &spec, &vm, &code, err, sizeof(err)) < 0) {
		job_fail(j, "%s", err);
		return;
	}
	job_set_result(j, json_pack("{s:s,s:s}", "name", vm->spec.name, "uuid", vm->spec.uuid));
	job_done(j);
}

static int create_start(struct job *j, char *err, size_t errlen)
{
	return job_disk_steps(j, json_object_get(job_args(j), "disks"), define_step, err, errlen);
}

/* Done when the VM (by its uuid) made it into the store before the restart. */
static enum job_recover create_recover(struct job *j, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	return vm_define_recover(j, json_string_value(json_object_get(json_object_get(job_args(j),
										      "vm"), "uuid")));
}

const struct job_kind vm_create_kind = {
	.name = "vm.create",
	.priv_size = sizeof(struct create_run),
	.start = create_start,
	.recover = create_recover,
};

int64_t vm_create_pending(struct croftd *d, const char *name)
{
	struct job *j;

	for (j = d->jobs ? job_runner_first(d->jobs) : NULL; j; j = job_next(j))
		if (!strcmp(job_kind_name(j), vm_create_kind.name) && job_target(j) &&
		    !strcmp(job_target(j), name))
			return job_id(j);
	return 0;
}

/* --- from the checked plan to a VM or a job --------------------------------------- */

/* Queue the job that makes spec's new images and defines it (spec taken). */
static void submit(struct create *c, struct store_vm *spec)
{
	struct job_disk disks[VM_SPEC_DISKS_MAX];
	char uuid[37], err[1024];
	json_t *list = json_array();
	struct job *j = NULL;
	size_t i, n = 0;
	int rc = 0;

	vm_define_uuid(uuid);
	spec->uuid = xstrdup(uuid);
	for (i = 0; i < spec->ndisks && rc == 0; i++) {
		const struct store_disk *sd = &spec->disks[i];

		if (!sd->owned)
			continue;
		disks[n] = (struct job_disk){ sd->path, sd->format, sd->size_bytes };
		rc = job_disk_check(disks, n++, err, sizeof(err));
		json_array_append_new(list, json_pack("{s:s,s:s,s:I}", "path", sd->path, "format",
						      sd->format, "size_bytes",
						      (json_int_t)sd->size_bytes));
	}
	if (rc == 0)
		rc = job_submit(c->d->jobs, vm_create_kind.name, spec->name,
				json_pack("{s:o,s:o}", "vm", vm_spec_json(spec), "disks", list),
				NULL, NULL, &j, err, sizeof(err));
	else
		json_decref(list);
	store_vm_clear(spec);
	if (rc < 0)
		finish(c, NULL, NULL, rc == -EEXIST ? PROTO_E_ALREADY_EXISTS : PROTO_E_IO, err);
	else
		finish(c, NULL, j, NULL, NULL);
}

static void plan(struct create *c)
{
	struct vm_spec_daemon sd;
	struct vm_spec_env env;
	struct store_vm spec;
	const char *code;
	struct vm *vm;
	char err[1024];
	int64_t busy;
	size_t i, owned = 0;

	vm_spec_env_daemon(&env, &sd, c->d, c->images, c->nimages);
	if (vm_spec_create(&env, &c->req, &spec, &code, err, sizeof(err)) < 0) {
		finish(c, NULL, NULL, code, err);
		return;
	}
	if ((busy = vm_create_pending(c->d, spec.name)) || (busy = vm_clone_busy(c->d, spec.name))) {
		snprintf(err, sizeof(err), "a VM named '%s' is being created (job %lld)", spec.name,
			 (long long)busy);
		store_vm_clear(&spec);
		finish(c, NULL, NULL, PROTO_E_ALREADY_EXISTS, err);
		return;
	}
	for (i = 0; i < spec.ndisks; i++)
		owned += spec.disks[i].owned;
	if (owned) {
		submit(c, &spec);
		return;
	}
	if (vm_define_create(c->d, &spec, &vm, &code, err, sizeof(err)) < 0)
		finish(c, NULL, NULL, code, err);
	else
		finish(c, vm, NULL, NULL, NULL);
}

/* --- reading the images to attach --------------------------------------------------- */

static void image_read(const struct pool_image_info *info, const char *err, void *data)
{
	struct reading *rd = data;
	struct vm_spec_image *im = &rd->c->images[rd->i];

	if (info && strcmp(info->format, im->info.format)) {
		im->rc = -EINVAL;
		snprintf(im->err, sizeof(im->err), "disk image %s: qemu-img reads it as %s, not %s",
			 im->path, info->format, im->info.format);
	} else if (info) {
		im->info.actual_size = info->actual_size;
	} else {
		im->rc = -EINVAL;
		snprintf(im->err, sizeof(im->err), "disk image %s: %s", im->path, err);
	}
	if (--rd->c->pending == 0)
		plan(rd->c);
}

/* Read one attached image through croftd's own descriptors (its header:
 * format, size, no data file, a backing chain inside its pool) and, inside
 * a pool, check it
 * with qemu-img info as the unprivileged image user, its format pinned
 * (the user must be able to read it: the image's owner, or world-readable).
 * An image that cannot be opened is left for the rules to report. */
static void read_image(struct create *c, const char *path)
{
	struct croftd *d = c->d;
	struct job_exec_creds creds = {
		.uid = d->qemu_uid, .gid = d->qemu_gid,
		.groups = d->qemu_groups, .ngroups = (size_t)d->qemu_ngroups,
	};
	struct pool_info_opts o = {
		.user = d->qemu_user, .creds = d->drop_privs ? &creds : NULL,
		.timeout_ms = POOL_INFO_TIMEOUT_MS,
	};
	struct vm_spec_image *im = &c->images[c->nimages];
	struct reading *rd = &c->readings[c->nimages];
	struct vm_file_chain chain;
	char norm[PATH_MAX], err[256];
	const char *code;
	struct vm_file f;
	size_t k, n;
	int rc;

	if (pools_path_normalize(path, norm, err, sizeof(err)) < 0 ||
	    vm_file_open(d->pools, norm, 0, &f) < 0)
		return;
	vm_file_close(&f);
	im->path = xstrdup(norm);
	*rd = (struct reading){ c, c->nimages++ };
	rc = vm_file_chain_open(d->pools, norm, NULL, 0, &chain, &code, im->err, sizeof(im->err));
	if (rc < 0) {
		im->rc = rc;
		return;
	}
	snprintf(im->info.format, sizeof(im->info.format), "%s", chain.layers[0].format);
	im->info.virtual_size = chain.virtual_size;
	/* qemu-img gets the path (and follows the chain itself): only for pool
	 * files the image user can read (an administrator may have put a
	 * root-only one there) */
	for (k = 0; k < chain.n; k++) {
		const struct vm_file *l = &chain.layers[k].f;

		if (!l->in_pool || !S_ISREG(l->st.st_mode) ||
		    (d->drop_privs && l->st.st_uid != d->qemu_uid && !(l->st.st_mode & S_IROTH)))
			break;
	}
	n = chain.n;
	vm_file_chain_close(&chain);
	if (k < n)
		return;
	o.format = im->info.format;
	rc = pool_image_info_start(d->loop, norm, &o, image_read, rd, im->err, sizeof(im->err));
	if (rc < 0)
		im->rc = rc;
	else
		c->pending++;
}

/* Read every attached image; the rules report those that cannot be. */
static void read_images(struct create *c)
{
	size_t i;

	c->images = xcalloc(c->req.ndisks + 1, sizeof(*c->images));
	c->readings = xcalloc(c->req.ndisks + 1, sizeof(*c->readings));
	c->pending = 1;                  /* until every read has started */
	for (i = 0; i < c->req.ndisks; i++)
		if (c->disks[i].path && c->disks[i].path[0] == '/')
			read_image(c, c->disks[i].path);
	if (--c->pending == 0)
		plan(c);
}

void vm_create(struct croftd *d, const struct vm_spec_create *req, vm_create_fn done,
	       void *data)
{
	struct create *c = xcalloc(1, sizeof(*c));
	size_t i;

	c->d = d;
	c->done = done;
	c->data = data;
	c->req = *req;
	c->req.name = keep(c, 0, req->name);
	c->req.cdrom = keep(c, 1, req->cdrom);
	c->req.boot = keep(c, 2, req->boot);
	c->req.firmware = keep(c, 3, req->firmware);
	c->req.kernel = keep(c, 4, req->kernel);
	c->req.initrd = keep(c, 5, req->initrd);
	c->req.append = keep(c, 6, req->append);
	c->req.cloud_init = keep(c, 7, req->cloud_init);
	c->req.tags = keep(c, 8, req->tags);
	c->disks = xcalloc(req->ndisks + 1, sizeof(*c->disks));
	for (i = 0; i < req->ndisks; i++) {
		c->disks[i].size_bytes = req->disks[i].size_bytes;
		c->disks[i].path = xstrdup_or_null(req->disks[i].path);
		c->disks[i].format = xstrdup_or_null(req->disks[i].format);
		c->disks[i].scsi = req->disks[i].scsi;
	}
	c->req.disks = c->disks;
	read_images(c);
}
