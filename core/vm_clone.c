/*
 * Templates and clones on croftd (vm_clone.h), and the "vm.clone" job.
 *
 * The job's args are {"source", "mode", "uuid", "disks": [{"from",
 * "from_format", "path", "format", "backing", "size_bytes", "chain",
 * "alloc"}]}.  Each new volume is recorded, claimed (an empty file made
 * only by the job, handed to the QEMU user), then made by qemu-img
 * running as the QEMU user: "create -b -u" for an overlay (its size the
 * base's, read by croftd when it checked the base's chain, so qemu-img
 * does not open the base), "convert" for a copy.  A copy's source is
 * given to qemu-img as a json: description of its whole backing chain,
 * each layer a file croftd opened and checked (vm_file_chain_open: inside
 * the pool), so qemu-img never follows a file name written in an image.  A copy's progress is its new file's
 * allocated bytes against what the source's layers hold.
 *
 * The clone's definition is the plan made when the job was queued, kept
 * here in memory by job id until the job defines it: a job that a croftd
 * restart interrupts fails (its volumes are removed), unless its VM (by
 * its uuid) made it into the store.
 */
#include "core/vm_clone.h"
#include "core/vm_busy.h"
#include "core/api_ops.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job_disk.h"
#include "core/job_exec.h"
#include "core/net.h"
#include "core/pool.h"
#include "core/pool_usage.h"
#include "core/pools.h"
#include "core/vm.h"
#include "core/vm_create.h"
#include "core/vm_define.h"
#include "core/vm_files.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ALLOC_POLL_MS 250

/* --- templates ------------------------------------------------------------------- */

/* Take (on 0) or give back (restore) the write bits of a volume's file. */
static int disk_mode(struct croftd *d, const char *path, int restore, mode_t *was,
		     char *err, size_t errlen)
{
	struct vm_file f;
	int rc = vm_file_open(d->pools, path, 0, &f);

	if (rc < 0) {
		vm_file_error(rc, "disk image", path, err, errlen);
		return rc;
	}
	if (!restore)
		*was = f.st.st_mode & 07777;
	if (fchmod(f.fd, restore ? *was : *was & ~(mode_t)0222) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot make %s read-only: %s", path, strerror(errno));
	}
	vm_file_close(&f);
	return rc;
}

int vm_template(struct croftd *d, struct vm *vm, const char **code, char *err, size_t errlen)
{
	mode_t *was;
	struct store_vm next;
	size_t i, made = 0;
	int rc;

	if ((rc = vm_template_check(d->pools, &vm->spec, vm_is_live(vm), code, err, errlen)) < 0)
		return rc;
	/* a job holding the VM (a clone reading it among them) was refused
	 * before: vm.template is an API_OP_VM_JOBS op (vm_busy.h) */
	*code = PROTO_E_IO;
	was = xcalloc(vm->spec.ndisks + 1, sizeof(*was));
	for (i = 0; i < vm->spec.ndisks; i++, made++)
		if ((rc = disk_mode(d, vm->spec.disks[i].path, 0, &was[i], err, errlen)) < 0)
			goto undo;
	store_vm_copy(&next, &vm->spec);
	next.is_template = 1;
	rc = store_vm_update(d->store, &next, err, errlen);
	store_vm_clear(&next);
	if (rc < 0)
		goto undo;
	free(was);
	vm->spec.is_template = 1;
	log_info("VM %s: now a template", vm->spec.name);
	bus_publish(d->bus, "vm.changed", vm->spec.name, 0,
		    json_pack("{s:s,s:b}", "name", vm->spec.name, "template", 1),
		    "VM %s: made a template", vm->spec.name);
	return 0;
undo:
	for (i = 0; i < made; i++) {
		char why[256];

		disk_mode(d, vm->spec.disks[i].path, 1, &was[i], why, sizeof(why));
	}
	free(was);
	return rc;
}

void vm_template_release(struct croftd *d, const struct store_vm *spec)
{
	mode_t mode;
	size_t i;

	for (i = 0; spec->is_template && i < spec->ndisks; i++) {
		struct vm_file f;

		if (vm_file_open(d->pools, spec->disks[i].path, 0, &f) < 0)
			continue;
		mode = (f.st.st_mode & 07777) | S_IWUSR;
		if (fchmod(f.fd, mode) < 0)
			log_warn("VM %s: cannot make %s writable again: %s", spec->name,
				 spec->disks[i].path, strerror(errno));
		vm_file_close(&f);
	}
}

/* --- who depends on what ----------------------------------------------------------- */

int64_t vm_clone_busy(struct croftd *d, const char *name)
{
	const char *source;
	struct job *j;

	for (j = d->jobs ? job_runner_first(d->jobs) : NULL; j; j = job_next(j)) {
		if (strcmp(job_kind_name(j), vm_clone_kind.name))
			continue;
		source = json_string_value(json_object_get(job_args(j), "source"));
		if ((job_target(j) && !strcmp(job_target(j), name)) || (source && !strcmp(source, name)))
			return job_id(j);
	}
	return 0;
}

int vm_clone_dependents(struct croftd *d, const char *path, char *out, size_t outlen)
{
	char dir[PATH_MAX], vol[PATH_MAX + 256];
	const char *slash = strrchr(path, '/'), *user;
	struct pool_usage u;
	struct pool_vol *v;
	size_t n, k, len = 0;
	int rc, count = 0;

	out[0] = '\0';
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
	if ((rc = pool_usage_scan(dir, &v, &n, &u, out, outlen)) < 0)
		return rc;
	for (k = 0; k < n; k++) {
		if (!vm_clone_backing_is(dir, v[k].backing, path))
			continue;
		snprintf(vol, sizeof(vol), "%s/%s", dir, v[k].name);
		user = api_vol_user(d, vol);
		if (!user)
			snprintf(vol, sizeof(vol), "volume %s", v[k].name);
		len += (size_t)snprintf(out + len, len < outlen ? outlen - len : 0, "%s%s",
					count ? ", " : "", user ? user : vol);
		if (len >= outlen)
			len = outlen - 1;
		count++;
	}
	free(v);
	return count;
}

/* --- the planned clones, by job id -------------------------------------------------- */

struct pending {
	int64_t job;
	struct store_vm spec;
	struct pending *next;
};
static struct pending *pendings;

static struct pending *pending_take(int64_t job)
{
	struct pending **pp, *p;

	for (pp = &pendings; (p = *pp); pp = &p->next)
		if (p->job == job) {
			*pp = p->next;
			return p;
		}
	return NULL;
}

static void pending_free(struct pending *p)
{
	if (!p)
		return;
	store_vm_clear(&p->spec);
	free(p);
}

/* --- the job ----------------------------------------------------------------------- */

struct clone_run {
	size_t i;                /* the volume being made */
	uint64_t made;           /* progress of the volumes before it */
	uint64_t total;
};

static json_t *disk_at(struct job *j, size_t i)
{
	return json_array_get(json_object_get(job_args(j), "disks"), i);
}

static const char *dstr(const json_t *disk, const char *key)
{
	return json_string_value(json_object_get(disk, key));
}

static uint64_t disk_share(const json_t *disk)
{
	return (uint64_t)json_integer_value(json_object_get(disk, "alloc"));
}

/* A copy's progress: its file's allocated bytes, at most its share. */
static void poll_copy(struct job *j)
{
	struct clone_run *run = job_priv(j);
	const json_t *disk = disk_at(j, run->i);
	struct stat st;
	uint64_t have = 0, share = disk_share(disk);

	if (lstat(dstr(disk, "path"), &st) == 0)
		have = (uint64_t)st.st_blocks * 512;
	job_progress(j, run->made + (have < share ? have : share), run->total);
}

static void next_volume(struct job *j);

static void volume_made(struct job *j, const struct job_exec_result *res)
{
	struct clone_run *run = job_priv(j);
	const json_t *disk = disk_at(j, run->i);
	char err[1024];

	job_poll_stop(j);
	if (pool_image_create_result(res, err, sizeof(err)) < 0) {
		job_fail(j, "cannot %s %s: %s", dstr(disk, "backing") ? "make the overlay" : "copy",
			 dstr(disk, "path"), err);
		return;
	}
	run->made += disk_share(disk);
	run->i++;
	job_progress(j, run->made, run->total);
	next_volume(j);
}

/* qemu-img's argv for volume disk (malloc'd strings, NULL-terminated). */
static void volume_argv(const json_t *disk, char **av)
{
	size_t n = 0;

	av[n++] = xstrdup("qemu-img");
	if (dstr(disk, "backing")) {
		av[n++] = xstrdup("create");
		av[n++] = xstrdup("-q");
		av[n++] = xstrdup("-f");
		av[n++] = xstrdup("qcow2");
		av[n++] = xstrdup("-F");
		av[n++] = xstrdup(dstr(disk, "from_format"));
		av[n++] = xstrdup("-b");
		av[n++] = xstrdup(dstr(disk, "backing"));
		av[n++] = xstrdup("-u");                /* the base is not opened */
		av[n++] = xstrdup(dstr(disk, "path"));
		av[n++] = xasprintf("%lld", (long long)json_integer_value(json_object_get(disk,
											  "size_bytes")));
	} else {
		char *src = json_dumps(json_object_get(disk, "chain"), JSON_COMPACT);

		av[n++] = xstrdup("convert");
		av[n++] = xstrdup("-q");
		av[n++] = xstrdup("-O");
		av[n++] = xstrdup(dstr(disk, "format"));
		av[n++] = xasprintf("json:%s", src);
		av[n++] = xstrdup(dstr(disk, "path"));
		free(src);
	}
	av[n] = NULL;
}

/* Record, claim, then make volume run->i. */
static int make_volume(struct job *j, char *err, size_t errlen)
{
	struct clone_run *run = job_priv(j);
	const json_t *disk = disk_at(j, run->i);
	const char *path = dstr(disk, "path");
	char *av[16];
	size_t k;
	int rc;

	if (!path || !dstr(disk, "format") || !dstr(disk, "from_format") ||
	    (!dstr(disk, "backing") && !json_is_object(json_object_get(disk, "chain")))) {
		err_set(err, errlen, "volume %zu of the job is damaged", run->i);
		return -EINVAL;
	}
	if ((rc = job_disk_claim(j, path, err, errlen)) < 0)
		return rc;
	volume_argv(disk, av);
	rc = job_step_qemu_img(j, av, volume_made, err, errlen);
	for (k = 0; av[k]; k++)
		free(av[k]);
	if (rc == 0 && !dstr(disk, "backing"))
		job_poll_start(j, ALLOC_POLL_MS, poll_copy);
	return rc;
}

/* A stopped VM's NIC is added (or refused) before net_nic_add returns. */
static void nic_added(void *data, const char *code, const char *msg,
		      const struct net_nic_result *res)
{
	(void)data;
	(void)res;
	if (code)
		log_warn("clone: NIC not added: %s", msg);
}

/* The source's NICs again, each with a new MAC (and address). */
static int copy_nics(struct croftd *d, struct vm *vm, int64_t src_id, char *err, size_t errlen)
{
	struct store_nic *nics = NULL;
	struct net_env env;
	size_t n = 0, i;
	const char *code;
	int rc;

	net_env_daemon(&env, d);
	if ((rc = store_nic_list(d->store, src_id, 0, &nics, &n)) < 0) {
		err_set(err, errlen, "cannot read the source's NICs: %s", store_last_error(d->store));
		return rc;
	}
	for (i = 0; i < n && rc == 0; i++) {
		struct store_net net;
		struct net_nic_add_req req = {
			.vm = vm, .net = &net, .has_vlan = nics[i].vlan != 0,
			.vlan = nics[i].vlan, .has_rate = nics[i].rate_mbit != 0,
			.rate = nics[i].rate_mbit,
		};

		if ((rc = store_net_get_id(d->store, nics[i].net_id, &net)) < 0) {
			err_set(err, errlen, "cannot read network %lld: %s", (long long)nics[i].net_id,
				store_last_error(d->store));
			break;
		}
		rc = net_nic_add(&env, &req, nic_added, NULL, &code, err, errlen);
		store_net_clear(&net);
	}
	store_nic_list_free(nics, n);
	return rc;
}

/* Take a clone that could not get its NICs out of the store again. */
static void undefine(struct croftd *d, struct vm *vm)
{
	json_t *net = api_net_vm_deleting(d, vm);
	char *name = xstrdup(vm->spec.name);

	if (store_vm_delete(d->store, vm->spec.id) == 0) {
		vm_files_remove(d, name);
		vm_remove(vm);
		api_net_vm_deleted(d, net);
	}
	json_decref(net);
	free(name);
}

/* The source's UEFI variable store (its boot entries) for the clone,
 * recorded first so that a failure removes it. */
static int vars_copy(struct job *j, struct vm *src, const char *name, char *err, size_t errlen)
{
	char *vars = vm_state_path(job_daemon(j), name, "OVMF_VARS.fd");
	int rc = job_cleanup_add(j, vars, err, errlen);

	if (rc == 0)
		rc = vm_uefi_vars_copy(job_daemon(j), src->spec.name, name, err, errlen);
	free(vars);
	return rc;
}

static void define_clone(struct job *j)
{
	struct croftd *d = job_daemon(j);
	json_t *a = job_args(j);
	struct pending *p = pending_take(job_id(j));
	const char *source = json_string_value(json_object_get(a, "source")), *code;
	struct vm *src = source ? vm_find(d, source) : NULL;
	struct vm *vm;
	char err[1024];

	if (!p || !src) {
		pending_free(p);
		job_fail(j, "%s", !p ? "the clone's definition was lost" : "the source VM is gone");
		return;
	}
	free(p->spec.uuid);
	p->spec.uuid = xstrdup(json_string_value(json_object_get(a, "uuid")));
	if (!strcmp(p->spec.firmware, "uefi") && vars_copy(j, src, p->spec.name, err,
							  sizeof(err)) < 0) {
		pending_free(p);
		job_fail(j, "%s", err);
		return;
	}
	if (vm_define_create(d, &p->spec, &vm, &code, err, sizeof(err)) < 0) {
		free(p);
		job_fail(j, "%s", err);
		return;
	}
	free(p);
	if (copy_nics(d, vm, src->spec.id, err, sizeof(err)) < 0) {
		undefine(d, vm);
		job_fail(j, "cannot give the clone its NICs: %s", err);
		return;
	}
	log_info("VM %s: cloned from %s (%s)", vm->spec.name, src->spec.name,
		 json_string_value(json_object_get(a, "mode")));
	job_set_result(j, json_pack("{s:s,s:s,s:O,s:O}", "name", vm->spec.name, "uuid",
				    vm->spec.uuid, "source", json_object_get(a, "source"),
				    "mode", json_object_get(a, "mode")));
	job_done(j);
}

static void next_volume(struct job *j)
{
	struct clone_run *run = job_priv(j);
	char err[1024];

	if (run->i == json_array_size(json_object_get(job_args(j), "disks")))
		define_clone(j);
	else if (make_volume(j, err, sizeof(err)) < 0)
		job_fail(j, "%s", err);
}

static int clone_start(struct job *j, char *err, size_t errlen)
{
	struct clone_run *run = job_priv(j);
	size_t i, n = json_array_size(json_object_get(job_args(j), "disks"));

	(void)err;
	(void)errlen;
	for (i = 0; i < n; i++)
		run->total += disk_share(disk_at(j, i));
	job_progress(j, 0, run->total);
	next_volume(j);
	return 0;
}

static void clone_cleanup(struct job *j)
{
	pending_free(pending_take(job_id(j)));
}

/* Done when the VM (by its uuid) made it into the store before the restart. */
static enum job_recover clone_recover(struct job *j, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	return vm_define_recover(j, json_string_value(json_object_get(job_args(j), "uuid")));
}

const struct job_kind vm_clone_kind = {
	.name = "vm.clone",
	.priv_size = sizeof(struct clone_run),
	.start = clone_start,
	.cleanup = clone_cleanup,
	.recover = clone_recover,
};

/* --- queueing ------------------------------------------------------------------------ */

/* The json: description qemu-img reads a copy's source through: each
 * layer of its chain by the path croftd checked, backing pinned. */
json_t *vm_clone_chain_json(const struct vm_file_chain *c, size_t k, uint64_t *alloc)
{
	const struct vm_file_layer *l = &c->layers[k];
	json_t *o = json_pack("{s:s,s:{s:s,s:s}}", "driver", l->format, "file", "driver", "file",
			      "filename", l->path);

	*alloc += (uint64_t)l->f.st.st_blocks * 512;
	if (!strcmp(l->format, "qcow2"))
		json_object_set_new(o, "backing", k + 1 < c->n ? vm_clone_chain_json(c, k + 1, alloc)
							       : json_null());
	return o;
}

/* Volume i of the plan as the job's args have it. */
static int disk_args(struct croftd *d, const struct vm_clone_plan *plan, size_t i, json_t **out,
		     const char **code, char *err, size_t errlen)
{
	const struct vm_clone_disk *cd = &plan->disks[i];
	struct vm_file_chain c;
	struct stat st;
	uint64_t alloc = 0;
	json_t *o;
	int rc;

	if (lstat(cd->path, &st) == 0) {
		*code = PROTO_E_ALREADY_EXISTS;
		err_set(err, errlen, "volume %s already exists", cd->path);
		return -EEXIST;
	}
	if ((rc = vm_file_chain_open(d->pools, cd->from, cd->from_format, 0, &c, code, err,
				     errlen)) < 0)
		return rc;
	/* the overlay's size is its base's as croftd just read it (a raw
	 * file's own size), so qemu-img need not open the base */
	o = json_pack("{s:s,s:s,s:s,s:s,s:I}", "from", cd->from, "from_format", cd->from_format,
		      "path", cd->path, "format", cd->format, "size_bytes",
		      (json_int_t)(c.virtual_size ? c.virtual_size
						  : (uint64_t)c.layers[0].f.st.st_size));
	if (cd->backing)
		json_object_set_new(o, "backing", json_string(cd->backing));
	else
		json_object_set_new(o, "chain", vm_clone_chain_json(&c, 0, &alloc));
	json_object_set_new(o, "alloc", json_integer((json_int_t)alloc));
	vm_file_chain_close(&c);
	*out = o;
	return 0;
}

int vm_clone(struct croftd *d, const struct vm_clone_req *req, struct job **out,
	     const char **code, char *err, size_t errlen)
{
	struct vm_clone_plan plan;
	struct pending *p;
	char uuid[37];
	json_t *disks, *o;
	int64_t busy;
	size_t i;
	int rc;

	if ((rc = vm_clone_plan(d->pools, req, &plan, code, err, errlen)) < 0)
		return rc;
	*code = PROTO_E_ALREADY_EXISTS;
	rc = -EEXIST;
	if (vm_find(d, req->name)) {
		err_set(err, errlen, "a VM named '%s' already exists", req->name);
		goto out;
	}
	if ((busy = vm_create_pending(d, req->name)) || (busy = vm_clone_busy(d, req->name))) {
		err_set(err, errlen, "a VM named '%s' is being created (job %lld)", req->name,
			(long long)busy);
		goto out;
	}
	/* a full copy reads the disks: no other job may change them meanwhile
	 * (a linked clone reads a template, which no job changes) */
	if (!plan.linked && (rc = vm_busy_check(d, req->src, code, err, errlen)) < 0)
		goto out;
	disks = json_array();
	for (i = 0; i < plan.ndisks; i++) {
		if ((rc = disk_args(d, &plan, i, &o, code, err, errlen)) < 0) {
			json_decref(disks);
			goto out;
		}
		json_array_append_new(disks, o);
	}
	vm_define_uuid(uuid);
	*code = PROTO_E_IO;
	rc = job_submit(d->jobs, vm_clone_kind.name, req->name,
			json_pack("{s:s,s:s,s:s,s:o}", "source", req->src->name, "mode",
				  plan.linked ? "linked" : "full", "uuid", uuid, "disks", disks),
			NULL, NULL, out, err, errlen);
	if (rc < 0)
		goto out;
	p = xcalloc(1, sizeof(*p));
	p->job = job_id(*out);
	p->spec = plan.spec;
	memset(&plan.spec, 0, sizeof(plan.spec));
	p->next = pendings;
	pendings = p;
out:
	vm_clone_plan_clear(&plan);
	return rc;
}
