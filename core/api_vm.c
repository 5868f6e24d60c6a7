/*
 * The vm.* ops: thin handlers over the VM domain.  Each parses its
 * arguments into the domain's structs, calls the rules (vm_spec.h), the
 * definition (vm_define.h) or the state machine (vm.h), and renders the
 * answer.  The VM an op names is resolved before the handler runs
 * (ARG_VM), so every handler here that takes "name" has its VM.  Ops that
 * wait for QEMU answer from a vm_done_cb.
 */
#include "core/monitor.h"
#include "core/api_ops.h"
#include "core/balloon.h"
#include "core/balloon_policy.h"
#include "core/api_req.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/host.h"
#include "core/model.h"
#include "core/vm.h"
#include "core/vmstate.h"
#include "core/vm_agent.h"
#include "core/vm_clone.h"
#include "core/vm_cloudinit.h"
#include "core/vm_display.h"
#include "core/vm_create.h"
#include "core/vm_tags.h"
#include "core/vm_define.h"
#include "core/vm_serial.h"
#include "core/vm_spec.h"
#include "core/vm_pool_full.h"
#include "common/cloudinit.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SHUTDOWN_TIMEOUT_DEFAULT 60
#define SHUTDOWN_TIMEOUT_MAX 86400

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* From the spec and the model only: no I/O. */
/* What the guest agent said last, or null. */
static json_t *guest_json(const struct vm *vm)
{
	const struct agent_guest *g = &vm->guest;
	json_t *addrs;
	size_t i;

	if (!vm->guest_at)
		return json_null();
	addrs = json_array();
	for (i = 0; i < g->naddrs; i++)
		json_array_append_new(addrs, json_string(g->addrs[i]));
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:I}", "os", g->os, "kernel", g->kernel,
			 "hostname", g->hostname, "agent_version", g->version, "addresses", addrs,
			 "updated", (json_int_t)vm->guest_at);
}

json_t *api_vm_json(const struct vm *vm)
{
	const struct store_vm *s = &vm->spec;
	const struct model *m = vm->d->model;
	const struct model_proc *proc = model_proc_of(m, s->id, vm->pid);
	const struct model_balloon *bal = model_balloon_of(m, s->id, vm->pid);
	json_t *o, *disks = json_array();
	int live = vm->pid > 0;
	size_t i;

	for (i = 0; i < s->ndisks; i++) {
		const struct store_disk *d = &s->disks[i];
		const struct model_disk *md = model_disk_of(m, s->id, d->path);
		json_int_t alloc = md ? (json_int_t)md->allocated_bytes : 0;

		json_array_append_new(disks, json_pack("{s:I,s:s,s:s,s:I,s:I,s:b,s:s}",
			"index", (json_int_t)d->idx, "path", d->path, "format", d->format,
			"size_bytes", (json_int_t)d->size_bytes, "allocated_bytes", alloc,
			"owned", d->owned, "bus", d->scsi ? "virtio-scsi" : "virtio-blk"));
	}
	o = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:s,s:s,s:I,s:o}",
		      "name", s->name, "uuid", s->uuid,
		      "state", vm_state_name(vm->state), "state_reason", vm->reason,
		      "vcpus", (json_int_t)s->vcpus, "memory_mib", (json_int_t)s->memory_mib,
		      "memory_min_mib", (json_int_t)s->memory_min_mib,
		      "firmware", s->firmware, "boot", s->boot,
		      "created", (json_int_t)s->created, "disks", disks);
	json_object_set_new(o, "memory_actual_mib",
			    !live ? json_null()
				  : json_integer((json_int_t)(bal ? bal->actual_mib : s->memory_mib)));
	json_object_set_new(o, "memory_shares",
			    json_integer(s->memory_shares ? s->memory_shares : BP_SHARES_DEFAULT));
	json_object_set_new(o, "ksm", json_string(s->ksm_off ? "off" : "on"));
	json_object_set_new(o, "cdrom", str_or_null(s->cdrom));
	json_object_set_new(o, "kernel", str_or_null(s->kernel));
	json_object_set_new(o, "initrd", str_or_null(s->initrd));
	json_object_set_new(o, "append", str_or_null(s->append));
	json_object_set_new(o, "pid", live ? json_integer(vm->pid) : json_null());
	json_object_set_new(o, "uptime_s", live && vm->started_at
			    ? json_integer((json_int_t)(time(NULL) - vm->started_at)) : json_null());
	json_object_set_new(o, "nics", api_vm_nics_json(vm));
	json_object_set_new(o, "agent", json_boolean(s->agent));
	json_object_set_new(o, "display", json_string(s->display ? s->display : "std"));
	json_object_set_new(o, "template", json_boolean(s->is_template));
	json_object_set_new(o, "guest", guest_json(vm));
	json_object_set_new(o, "cloud_init", vm_cloudinit_json(s));
	json_object_set_new(o, "tags", vm_tags_json(s->tags));
	json_object_set_new(o, "cpu_time_ms", proc ? json_integer((json_int_t)proc->cpu_ms)
						   : json_null());
	json_object_set_new(o, "pause_reason", vm->state == VM_PAUSED ? json_string(vm->reason)
								      : json_null());
	json_object_set_new(o, "pause_pool", str_or_null(vm->state == VM_PAUSED ? vm->pause_pool
									       : NULL));
	json_object_set_new(o, "pause_volume", str_or_null(vm->state == VM_PAUSED
							   ? vm->pause_volume : NULL));
	return o;
}

/* Completion shared by every op whose answer is the VM. */
static void reply_vm_done(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct api_req *r = data;

	if (code)
		api_req_err(r, code, "%s", msg);
	else
		api_req_ok(r, api_vm_json(vm));
}

/* --- reading ------------------------------------------------------------ */

/* What vm.list shows beyond the model and the events that move it on:
 * each VM's process and state, and uptimes (the current second). */
static uint64_t list_key(const struct croftd *d)
{
	uint64_t k = (uint64_t)time(NULL);
	const struct vm *vm;

	for (vm = d->vms; vm; vm = vm->next)
		k = (k ^ ((uint64_t)vm->spec.id << 40) ^ ((uint64_t)vm->pid << 8) ^
		     ((uint64_t)vm->started_at << 20) ^ ((uint64_t)vm->state << 1) ^
		     (uint64_t)vm->deleted ^ ((uint64_t)vm->guest_at << 4)) * 0x100000001b3ULL;
	return k;
}

/* Rendered once per change of the model or the key, then served as text. */
static void op_vm_list(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	uint64_t key = list_key(d);
	const char *text = model_text_get(d->model, key);
	json_t *arr, *res;
	struct vm **sorted, *vm;
	size_t n = 0, i, j;

	(void)args;
	if (text) {
		api_req_ok_text(r, text);
		return;
	}
	arr = json_array();
	for (vm = d->vms; vm; vm = vm->next)
		if (!vm->deleted)
			n++;
	sorted = xcalloc(n + 1, sizeof(*sorted));
	n = 0;
	for (vm = d->vms; vm; vm = vm->next) {
		if (vm->deleted)
			continue;
		for (i = n; i > 0 && strcmp(sorted[i - 1]->spec.name, vm->spec.name) > 0; i--)
			sorted[i] = sorted[i - 1];
		sorted[i] = vm;
		n++;
	}
	for (j = 0; j < n; j++)
		json_array_append_new(arr, api_vm_json(sorted[j]));
	free(sorted);
	res = json_pack("{s:o}", "vms", arr);
	if (!d->model) {
		api_req_ok(r, res);
		return;
	}
	model_text_take(d->model, key, json_dumps(res, JSON_COMPACT));
	json_decref(res);
	if ((text = model_text_get(d->model, key)))
		api_req_ok_text(r, text);
	else
		api_req_err(r, PROTO_E_INTERNAL, "cannot render the VM list");
}

static void op_vm_info(struct api_req *r, json_t *args)
{
	struct vm *vm = api_req_vm(r);

	(void)args;
	api_req_ok(r, api_vm_json(vm));
}

/* --- create ------------------------------------------------------------- */

static const char *opt_str(json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

/* Each element of "disks": {"size_bytes": N[, "format": F]} or {"path": "..."},
 * either with "bus" ("virtio-blk", the default, or "virtio-scsi"). */
static int disks_parse(json_t *jdisks, struct vm_spec_disk_req *out, char *err, size_t errlen)
{
	const char *key;
	json_t *jd, *v;
	size_t i;

	json_array_foreach(jdisks, i, jd) {
		json_t *jsize = json_object_get(jd, "size_bytes"), *jpath = json_object_get(jd, "path");

		if (!json_is_object(jd) || !jsize == !jpath) {
			err_set(err, errlen, "disks[%zu] must be an object with either \"size_bytes\" or \"path\"", i);
			return -EINVAL;
		}
		json_object_foreach(jd, key, v) {
			if (strcmp(key, "size_bytes") && strcmp(key, "path") && strcmp(key, "format") &&
			    strcmp(key, "bus")) {
				err_set(err, errlen, "disks[%zu] has an unknown member \"%s\"", i, key);
				return -EINVAL;
			}
		}
		if (jsize && (!json_is_integer(jsize) || json_integer_value(jsize) <= 0)) {
			err_set(err, errlen, "disks[%zu].size_bytes must be a positive integer", i);
			return -EINVAL;
		}
		if (jpath && !json_is_string(jpath)) {
			err_set(err, errlen, "disks[%zu].path must be a string", i);
			return -EINVAL;
		}
		if ((v = json_object_get(jd, "format")) && (!json_is_string(v) || jpath)) {
			err_set(err, errlen, jpath ? "disks[%zu].format goes with size_bytes (a new disk); an attached image keeps its own format"
					     : "disks[%zu].format must be a string", i);
			return -EINVAL;
		}
		if ((v = json_object_get(jd, "bus")) && (!json_is_string(v) ||
		    (strcmp(json_string_value(v), "virtio-blk") &&
		     strcmp(json_string_value(v), "virtio-scsi")))) {
			err_set(err, errlen, "disks[%zu].bus must be virtio-blk or virtio-scsi", i);
			return -EINVAL;
		}
		out[i].scsi = v && !strcmp(json_string_value(v), "virtio-scsi");
		out[i].size_bytes = jsize ? (uint64_t)json_integer_value(jsize) : 0;
		out[i].path = json_string_value(jpath);
		out[i].format = json_string_value(json_object_get(jd, "format"));
	}
	return 0;
}

/* {"volume": "POOL/NAME"} elements of "disks" become {"path": ...} (an
 * existing volume, attached as any image in a pool is). */
static int disks_volumes(struct croftd *d, json_t *jdisks, const char **code, char *err,
			 size_t errlen)
{
	char path[PATH_MAX];
	json_t *jd, *v;
	size_t i;

	json_array_foreach(jdisks, i, jd) {
		if (!(v = json_object_get(jd, "volume")))
			continue;
		if (json_object_get(jd, "path") || json_object_get(jd, "size_bytes") ||
		    !json_is_string(v)) {
			*code = PROTO_E_INVALID_ARGUMENT;
			err_set(err, errlen, "disks[%zu].volume is a string \"POOL/NAME\", alone", i);
			return -EINVAL;
		}
		if (api_vol_resolve(d, json_string_value(v), path, code, err, errlen) < 0)
			return -EINVAL;
		json_object_set_new(jd, "path", json_string(path));
		json_object_del(jd, "volume");
	}
	return 0;
}

/* The VM defined at once, or {"name", "job"} when a job makes its disks. */
static void created(struct croftd *d, struct vm *vm, struct job *j, const char *code,
		    const char *err, void *data)
{
	struct api_req *r = data;

	(void)d;
	if (code)
		api_req_err(r, code, "%s", err);
	else if (j)
		api_req_ok(r, json_pack("{s:s,s:o}", "name", job_target(j), "job", api_job_json(j)));
	else
		api_req_ok(r, api_vm_json(vm));
}

static void op_vm_create(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	json_t *jdisks = json_object_get(args, "disks"), *jmin = json_object_get(args, "memory_min_mib");
	struct vm_spec_create c = {
		.name = opt_str(args, "name"),
		.vcpus = json_integer_value(json_object_get(args, "vcpus")),
		.memory_mib = json_integer_value(json_object_get(args, "memory_mib")),
		.has_memory_min = json_is_integer(jmin),
		.memory_min_mib = json_integer_value(jmin),
		.cdrom = opt_str(args, "cdrom"), .boot = opt_str(args, "boot"),
		.firmware = opt_str(args, "firmware"), .kernel = opt_str(args, "kernel"),
		.initrd = opt_str(args, "initrd"), .append = opt_str(args, "append"),
		.display = opt_str(args, "display"),
		.has_agent = json_is_boolean(json_object_get(args, "agent")),
		.agent = json_is_true(json_object_get(args, "agent")),
		.ndisks = json_array_size(jdisks),
	};
	struct vm_spec_disk_req *disks = xcalloc(c.ndisks + 1, sizeof(*disks));
	json_t *jci = json_object_get(args, "cloud_init"), *jtags = json_object_get(args, "tags");
	struct cloudinit ci = { 0 };
	char *citext = NULL, *tags = NULL;
	const char *code;
	char err[PATH_MAX + 256];

	c.disks = disks;
	if (disks_volumes(d, jdisks, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
	else if (disks_parse(jdisks, disks, err, sizeof(err)) < 0 ||
		 (jtags && vm_tags_from_json(jtags, &tags, err, sizeof(err)) < 0) ||
		 (jci && !json_is_null(jci) && cloudinit_from_json(jci, &ci, err, sizeof(err)) < 0))
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "%s", err);
	else {
		c.cloud_init = citext = jci && !json_is_null(jci) ? cloudinit_to_text(&ci) : NULL;
		c.tags = tags;
		vm_create(d, &c, created, r);
	}
	free(tags);
	free(citext);
	cloudinit_clear(&ci);
	free(disks);
}

/* --- lifecycle ----------------------------------------------------------- */

static void op_vm_start(struct api_req *r, json_t *args)
{
	const char *code;
	char err[1024];
	int rc;

	if (json_is_true(json_object_get(args, "force")))
		balloon_start_force(api_req_daemon(r), api_req_vm(r)->spec.id);
	rc = vm_start(api_req_vm(r), reply_vm_done, r, &code, err, sizeof(err));
	balloon_start_force(api_req_daemon(r), 0);     /* --force is for this start only */
	if (rc < 0)
		api_req_err(r, code, "%s", err);
}

static void op_vm_shutdown(struct api_req *r, json_t *args)
{
	json_t *jt = json_object_get(args, "timeout_s");
	json_int_t t = jt ? json_integer_value(jt) : SHUTDOWN_TIMEOUT_DEFAULT;
	int flags = (json_is_true(json_object_get(args, "force")) ? VM_SHUTDOWN_FORCE : 0) |
		    (json_is_true(json_object_get(args, "agent")) ? VM_SHUTDOWN_AGENT : 0);
	const char *code;
	char err[512];

	if (t < 1 || t > SHUTDOWN_TIMEOUT_MAX) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "timeout must be between 1 and %d seconds, not %lld",
			    SHUTDOWN_TIMEOUT_MAX, (long long)t);
		return;
	}
	if (vm_shutdown(api_req_vm(r), (unsigned)t, flags, reply_vm_done, r, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
}

static void op_vm_stop(struct api_req *r, json_t *args)
{
	const char *code;
	char err[512];

	(void)args;
	if (vm_stop(api_req_vm(r), "user", reply_vm_done, r, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
}

static void qmp_action_op(struct api_req *r, const char *action)
{
	const char *code;
	char err[512];

	if (vm_qmp_action(api_req_vm(r), action, reply_vm_done, r, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
}

static void op_vm_pause(struct api_req *r, json_t *args)
{
	(void)args;
	qmp_action_op(r, "pause");
}

static void op_vm_resume(struct api_req *r, json_t *args)
{
	char err[1024];

	(void)args;
	if (vm_pool_full_resume_check(api_req_vm(r), err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_INVALID_STATE, "%s", err);
		return;
	}
	qmp_action_op(r, "resume");
}

static void op_vm_reset(struct api_req *r, json_t *args)
{
	(void)args;
	qmp_action_op(r, "reset");
}

/* --- delete ------------------------------------------------------------- */

static void delete_now(struct api_req *r, struct vm *vm, int keep_disks)
{
	struct croftd *d = api_req_daemon(r);
	json_t *removed = json_array(), *kept = json_array();
	json_t *net = api_net_vm_deleting(d, vm);     /* NICs and forwards go too */
	char *name = xstrdup(vm->spec.name);
	size_t i;
	int rc;

	vmstate_files_remove(d, vm);     /* its RAM snapshots' files (the rows go next) */
	rc = store_vm_delete(d->store, vm->spec.id);
	if (rc < 0) {
		api_req_err(r, PROTO_E_IO, "cannot delete VM '%s' from the store: %s", name, strerror(-rc));
		json_decref(removed);
		json_decref(kept);
		json_decref(net);
		free(name);
		return;
	}
	vm_template_release(d, &vm->spec);
	for (i = 0; i < vm->spec.ndisks; i++) {
		const struct store_disk *sd = &vm->spec.disks[i];

		if (sd->owned && !keep_disks) {
			if (unlink(sd->path) < 0 && errno != ENOENT) {
				log_warn("VM %s: cannot remove %s: %s", name, sd->path, strerror(errno));
				json_array_append_new(kept, json_string(sd->path));
			} else {
				json_array_append_new(removed, json_string(sd->path));
			}
		} else {
			json_array_append_new(kept, json_string(sd->path));
		}
	}
	vm_files_remove(d, name);
	vm_cloudinit_seed_remove(d, name);
	vm_remove(vm);
	api_net_vm_deleted(d, net);
	bus_publish(d->bus, "vm.deleted", name, 0, json_pack("{s:s}", "name", name),
		    "VM %s: deleted", name);
	api_req_ok(r, json_pack("{s:s,s:o,s:o,s:O,s:O}", "name", name, "disks_removed", removed,
				"disks_kept", kept,
				"nics_removed", json_object_get(net, "nics_removed"),
				"forwards_removed", json_object_get(net, "forwards_removed")));
	json_decref(net);
	free(name);
}

struct delete_ctx {
	struct api_req *r;
	int keep_disks;
};

static void delete_after_stop(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct delete_ctx *c = data;

	if (code)
		api_req_err(c->r, code, "cannot stop VM '%s' before deleting it: %s", vm->spec.name, msg);
	else
		delete_now(c->r, vm, c->keep_disks);
	free(c);
}

/* What keeps vm from being deleted (besides a job on it: API_OP_VM_JOBS):
 * volumes whose backing file is one of its disks (a template's linked
 * clones).  0, or -errno with the request answered. */
static int delete_blocked(struct api_req *r, struct vm *vm, int keep_disks)
{
	struct croftd *d = api_req_daemon(r);
	char deps[1024];
	size_t i;
	int n;

	for (i = 0; i < vm->spec.ndisks; i++) {
		if (!vm->spec.is_template && (keep_disks || !vm->spec.disks[i].owned))
			continue;
		n = vm_clone_dependents(d, vm->spec.disks[i].path, deps, sizeof(deps));
		if (n > 0 && vm->spec.is_template)
			api_req_err(r, PROTO_E_INVALID_STATE, "template '%s' has linked clones: %s; "
				    "delete them first", vm->spec.name, deps);
		else if (n > 0)
			api_req_err(r, PROTO_E_INVALID_STATE, "disk %s of VM '%s' is the backing file "
				    "of %s; delete those first, or delete the VM with --keep-disks",
				    vm->spec.disks[i].path, vm->spec.name, deps);
		if (n > 0)
			return -EBUSY;
	}
	return 0;
}

static void op_vm_delete(struct api_req *r, json_t *args)
{
	struct vm *vm = api_req_vm(r);
	int keep = json_is_true(json_object_get(args, "keep_disks"));
	int force = json_is_true(json_object_get(args, "force"));
	struct delete_ctx *c;
	const char *code;
	char err[512];

	if (delete_blocked(r, vm, keep) < 0)
		return;
	if (!vm_is_live(vm)) {
		delete_now(r, vm, keep);
		return;
	}
	if (!force) {
		api_req_err(r, PROTO_E_INVALID_STATE, "VM '%s' is %s; stop it first, or delete with --force",
			    vm->spec.name, vm_state_name(vm->state));
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->r = r;
	c->keep_disks = keep;
	if (vm_stop(vm, "user", delete_after_stop, c, &code, err, sizeof(err)) < 0) {
		free(c);
		api_req_err(r, code, "%s", err);
	}
}

/* --- edit ------------------------------------------------------------------ */

static void edit_parse(json_t *args, struct vm_spec_edit *e)
{
	const struct vm_spec_field *f;

	memset(e, 0, sizeof(*e));
	for (f = vm_spec_edit_fields; f->key; f++) {
		json_t *v = json_object_get(args, f->key);
		char *at = (char *)e + f->off;

		if (!v || f->is_int >= 3)       /* an object or array: judged by the op */
			continue;
		e->set |= f->bit;
		if (f->is_int == 2)
			*(long long *)(void *)at = json_is_true(v);
		else if (f->is_int)
			*(long long *)(void *)at = json_integer_value(v);
		else
			*(const char **)(void *)at = json_string_value(v);
	}
}

static void op_vm_edit(struct api_req *r, json_t *args)
{
	struct vm *vm = api_req_vm(r);
	const char *live = vm_is_live(vm) ? vm_state_name(vm->state) : NULL;
	struct vm_spec_edit_plan plan;
	struct vm_spec_daemon sd;
	struct vm_spec_edit e;
	struct vm_spec_env env;
	json_t *jci = json_object_get(args, "cloud_init"), *jtags = json_object_get(args, "tags");
	struct cloudinit ci = { 0 };
	char *tags = NULL;
	const char *code;
	char err[512];

	edit_parse(args, &e);
	if ((jci && !json_is_null(jci) && cloudinit_from_json(jci, &ci, err, sizeof(err)) < 0) ||
	    (jtags && vm_tags_from_json(jtags, &tags, err, sizeof(err)) < 0)) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "%s", err);
		cloudinit_clear(&ci);
		return;
	}
	if (jtags) {
		e.set |= VM_SPEC_TAGS;
		e.tags = tags;
	}
	if (jci) {
		e.set |= VM_SPEC_CLOUD_INIT;
		e.cloud_init = json_is_null(jci) ? NULL : &ci;
	}
	vm_spec_env_daemon(&env, &sd, vm->d, NULL, 0);
	if (vm_spec_edit(&env, &vm->spec, live, &e, &plan, &code, err, sizeof(err)) < 0) {
		api_req_err(r, code, "%s", err);
	} else {
		vm_cloudinit_edited(vm->d, &vm->spec, &plan.next);
		if (vm_define_edit(vm, &plan, reply_vm_done, r, &code, err, sizeof(err)) < 0)
			api_req_err(r, code, "%s", err);
	}
	free(tags);
	cloudinit_clear(&ci);
}

/* --- console and log ---------------------------------------------------------- */

/* croftd holds the serial connection (vm_serial.h); a console gets one end
 * of a socketpair that croftd relays, never a socket croftd opened on a
 * path QEMU could have planted. */
static void op_vm_console(struct api_req *r, json_t *args)
{
	struct vm *vm = api_req_vm(r);
	int fd, rc;

	(void)args;
	if (vm->pid <= 0) {
		api_req_err(r, PROTO_E_INVALID_STATE, "VM '%s' is %s; start it to use its console",
			    vm->spec.name, vm_state_name(vm->state));
		return;
	}
	if (!vm->serial) {
		api_req_err(r, PROTO_E_INVALID_STATE,
			    "the serial console of VM '%s' is not connected (yet); try again",
			    vm->spec.name);
		return;
	}
	rc = vm_serial_client_add(vm->serial, &fd);
	if (rc == -EBUSY) {
		api_req_err(r, PROTO_E_BUSY,
			    "the serial console of VM '%s' already has %d clients; close one first",
			    vm->spec.name, VM_SERIAL_CLIENTS_MAX);
		return;
	}
	if (rc < 0) {
		api_req_err(r, PROTO_E_IO, "cannot open the serial console of VM '%s': %s",
			    vm->spec.name, strerror(-rc));
		return;
	}
	api_req_ok_fd(r, json_pack("{s:s}", "name", vm->spec.name), fd);
}

/* buf as valid UTF-8 for JSON: a byte that starts no valid sequence (and
 * NUL) becomes '?'. */
static char *utf8_clean(const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	char *out = xmalloc(len + 1);
	size_t i = 0, o = 0, n, k;

	while (i < len) {
		unsigned c = p[i];

		n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 && c >= 0xc2 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
		    (c & 0xf8) == 0xf0 && c <= 0xf4 ? 4 : 0;
		for (k = 1; n && k < n; k++)
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				n = 0;
		/* overlong 3-byte, surrogates, and beyond U+10FFFF */
		if (n == 3 && ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] >= 0xa0)))
			n = 0;
		if (n == 4 && ((c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] >= 0x90)))
			n = 0;
		if (!n || c == 0) {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return out;
}

#define VM_LOG_BYTES_DEFAULT (64 << 10)

static void op_vm_log(struct api_req *r, json_t *args)
{
	struct vm *vm = api_req_vm(r);
	json_t *jb = json_object_get(args, "bytes"), *ja = json_object_get(args, "after");
	json_int_t bytes = jb ? json_integer_value(jb) : VM_LOG_BYTES_DEFAULT;
	json_int_t after = ja && !json_is_null(ja) ? json_integer_value(ja) : -1;
	uint64_t start, end;
	char *buf, *text;
	size_t len;
	int rc;

	if (bytes < 1 || bytes > (json_int_t)VM_SERIAL_LOG_MAX_MAX) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "bytes must be between 1 and %u",
			    VM_SERIAL_LOG_MAX_MAX);
		return;
	}
	if (ja && !json_is_null(ja) && after < 0) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "after must be a position (0 or more)");
		return;
	}
	rc = vm_serial_log_read(vm->log, after, (size_t)bytes, &buf, &len, &start, &end);
	if (rc < 0) {
		api_req_err(r, PROTO_E_IO, "cannot read the serial log of VM '%s': %s",
			    vm->spec.name, strerror(-rc));
		return;
	}
	text = utf8_clean(buf, len);
	free(buf);
	api_req_ok(r, json_pack("{s:s,s:s,s:I,s:I}", "name", vm->spec.name, "data", text,
				"start", (json_int_t)start, "end", (json_int_t)end));
	free(text);
}

/* --- the guest agent ------------------------------------------------------- */

enum { AGENT_PING, AGENT_INFO, AGENT_FSFREEZE };

struct agent_call {
	struct api_req *r;
	int what;
};

static void agent_reply(struct vm *vm, int rc, json_t *results, const char *err, void *data)
{
	struct agent_call *c = data;
	struct api_req *r = c->r;
	int what = c->what;
	struct agent_guest g = { .fsfreeze = -1 };
	char why[512];

	free(c);
	if (rc < 0) {
		api_req_err(r, rc == -ETIMEDOUT ? PROTO_E_TIMEOUT : PROTO_E_QEMU, "%s", err);
		return;
	}
	if (what == AGENT_PING) {
		api_req_ok(r, json_pack("{s:s,s:b}", "name", vm->spec.name, "answered", 1));
	} else if (what == AGENT_INFO) {
		if (vm_agent_info_store(vm, results, why, sizeof(why)) < 0)
			api_req_err(r, PROTO_E_QEMU, "%s", why);
		else
			api_req_ok(r, json_pack("{s:s,s:o}", "name", vm->spec.name,
						"guest", guest_json(vm)));
	} else if (agent_read_fsfreeze(json_array_get(results, 0), &g, why, sizeof(why)) < 0) {
		api_req_err(r, PROTO_E_QEMU, "%s", why);
	} else {
		api_req_ok(r, json_pack("{s:s,s:s}", "name", vm->spec.name, "fsfreeze",
					g.fsfreeze ? "frozen" : "thawed"));
	}
}

static void op_vm_agent(struct api_req *r, json_t *args)
{
	static const char *const ping[] = { "guest-ping" };
	static const char *const fsfreeze[] = { "guest-fsfreeze-status" };
	const char *what = json_string_value(json_object_get(args, "command"));
	const char *const *cmds;
	struct agent_call *c;
	size_t n;
	char err[512];
	int rc, kind;

	if (!strcmp(what, "ping")) {
		cmds = ping;
		n = 1;
		kind = AGENT_PING;
	} else if (!strcmp(what, "info")) {
		cmds = vm_agent_info_cmds;
		n = VM_AGENT_INFO_NCMDS;
		kind = AGENT_INFO;
	} else if (!strcmp(what, "fsfreeze-status")) {
		cmds = fsfreeze;
		n = 1;
		kind = AGENT_FSFREEZE;
	} else {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "unknown guest agent command '%s'; "
			    "use ping, info or fsfreeze-status", what);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->r = r;
	c->what = kind;
	rc = vm_agent_run(api_req_vm(r), cmds, NULL, n, VM_AGENT_TIMEOUT_MS, agent_reply, c,
			  err, sizeof(err));
	if (rc < 0)
		free(c);
	if (rc < 0)
		api_req_err(r, rc == -EBUSY ? PROTO_E_BUSY : PROTO_E_INVALID_STATE, "%s", err);
}

/* --- the display ------------------------------------------------------------ */

static void display_reply(struct vm *vm, const char *code, const char *msg,
			  const struct vm_display_info *info, void *data)
{
	struct api_req *r = data;
	char host[256] = "HOST", ssh[400], addr[32];

	if (code) {
		api_req_err(r, code, "%s", msg);
		return;
	}
	if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
		snprintf(host, sizeof(host), "HOST");
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", info->port);
	snprintf(ssh, sizeof(ssh), "ssh -L 5901:127.0.0.1:%u root@%s", info->port, host);
	api_req_ok(r, json_pack("{s:s,s:s,s:i,s:s,s:I,s:s,s:s}", "name", vm->spec.name,
				"address", addr, "port", (int)info->port, "password", info->password,
				"expires", (json_int_t)info->expires, "ssh", ssh,
				"viewer", "localhost:5901"));
}

static void op_vm_display(struct api_req *r, json_t *args)
{
	struct vm *vm = api_req_vm(r);
	json_t *jt = json_object_get(args, "ttl_s");
	json_int_t ttl = jt ? json_integer_value(jt) : VM_DISPLAY_TTL_DEFAULT;
	json_int_t port = json_integer_value(json_object_get(args, "port"));
	const char *code;
	char err[512];

	if (json_is_true(json_object_get(args, "close"))) {
		if (vm_display_close(vm) < 0)
			api_req_err(r, PROTO_E_INVALID_STATE, "VM '%s' has no open display",
				    vm->spec.name);
		else
			api_req_ok(r, json_pack("{s:s,s:b}", "name", vm->spec.name, "closed", 1));
		return;
	}
	if (ttl < 10 || ttl > VM_DISPLAY_TTL_MAX) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "ttl must be between 10 and %d seconds, "
			    "not %lld", VM_DISPLAY_TTL_MAX, (long long)ttl);
		return;
	}
	if (port && (port < 1024 || port > 65535)) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "port must be between 1024 and 65535, "
			    "not %lld", (long long)port);
		return;
	}
	if (vm_display_open(vm, (unsigned)ttl, (unsigned)port, display_reply, r, &code, err,
			    sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
}

/* --- the table ------------------------------------------------------------- */

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
	{ "agent", ARG_BOOL, 0 },
	{ "display", ARG_STRING, ARG_NULLABLE },
	{ "cloud_init", ARG_OBJECT, ARG_NULLABLE },
	{ "tags", ARG_ARRAY, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_vm_edit[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "vcpus", ARG_INT, 0 },
	{ "memory_mib", ARG_INT, 0 },
	{ "memory_min_mib", ARG_INT, 0 },
	{ "cdrom", ARG_STRING, ARG_NULLABLE },
	{ "boot", ARG_STRING, 0 },
	{ "firmware", ARG_STRING, 0 },
	{ "kernel", ARG_STRING, ARG_NULLABLE },
	{ "initrd", ARG_STRING, ARG_NULLABLE },
	{ "append", ARG_STRING, ARG_NULLABLE },
	{ "memory_shares", ARG_INT, 0 },
	{ "ksm", ARG_STRING, 0 },
	{ "agent", ARG_BOOL, 0 },
	{ "display", ARG_STRING, 0 },
	{ "cloud_init", ARG_OBJECT, ARG_NULLABLE },
	{ "tags", ARG_ARRAY, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_vm_start[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "force", ARG_BOOL, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_vm_display[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "close", ARG_BOOL, 0 },
	{ "ttl_s", ARG_INT, 0 },
	{ "port", ARG_INT, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_vm_agent[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "command", ARG_STRING, ARG_REQUIRED },
	{ NULL, 0, 0 } };
static const struct api_arg args_vm_shutdown[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "timeout_s", ARG_INT, 0 },
	{ "force", ARG_BOOL, 0 },
	{ "agent", ARG_BOOL, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_vm_log[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "bytes", ARG_INT, 0 },
	{ "after", ARG_INT, ARG_NULLABLE },
	{ NULL, 0, 0 } };
static const struct api_arg args_vm_delete[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "keep_disks", ARG_BOOL, 0 },
	{ "force", ARG_BOOL, 0 },
	{ NULL, 0, 0 } };

static void op_vm_stats(struct api_req *r, json_t *args)
{
	const char *range = json_string_value(json_object_get(args, "history"));
	const char *code = PROTO_E_INTERNAL;
	char err[256];
	json_t *res = monitor_vm_json(api_req_daemon(r), api_req_vm(r), range, &code, err,
				      sizeof(err));

	if (!res)
		api_req_err(r, code, "%s", err);
	else
		api_req_ok(r, res);
}

static const struct api_arg args_vm_stats[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "history", ARG_STRING, 0 },
	{ NULL, 0, 0 } };

const struct api_op api_vm_ops[] = {
	{ "vm.list",     op_vm_list,     api_args_none,    API_OP_READ },
	{ "vm.info",     op_vm_info,     api_args_vm_name, API_OP_READ },
	{ "vm.create",   op_vm_create,   args_vm_create,   0 },
	{ "vm.start",    op_vm_start,    args_vm_start, API_OP_VM_JOBS },
	{ "vm.shutdown", op_vm_shutdown, args_vm_shutdown, API_OP_VM_JOBS },
	{ "vm.stop",     op_vm_stop,     api_args_vm_name, API_OP_VM_JOBS },
	{ "vm.pause",    op_vm_pause,    api_args_vm_name, API_OP_VM_JOBS },
	{ "vm.resume",   op_vm_resume,   api_args_vm_name, API_OP_VM_JOBS },
	{ "vm.reset",    op_vm_reset,    api_args_vm_name, API_OP_VM_JOBS },
	{ "vm.delete",   op_vm_delete,   args_vm_delete, API_OP_VM_JOBS },
	{ "vm.edit",     op_vm_edit,     args_vm_edit, API_OP_VM_JOBS },
	{ "vm.console",  op_vm_console,  api_args_vm_name, 0 },
	{ "vm.log",      op_vm_log,      args_vm_log,      API_OP_READ },
	{ "vm.stats",    op_vm_stats,    args_vm_stats,    API_OP_READ },
	{ "vm.agent",    op_vm_agent,    args_vm_agent,    0 },
	{ "vm.display",  op_vm_display,  args_vm_display,  0 },
	{ NULL, NULL, NULL, 0 },
};
