/*
 * The vm.* ops.  Each handler validates every argument before it changes
 * anything (the same rules as the CLI, from common/validate.h, plus the
 * checks only croftd can make: the host's size, files on disk, other VMs),
 * then acts.  vm.create makes its disk images before the store row and
 * removes them again if anything later fails, so a refused create leaves
 * nothing behind.  Ops that wait for QEMU answer from a vm_done_cb.
 */
#include "core/api_ops.h"
#include "core/api_server.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/host.h"
#include "common/loop.h"
#include "core/model.h"
#include "core/pool.h"
#include "core/vm.h"
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
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DISKS_MAX 16
#define SHUTDOWN_TIMEOUT_DEFAULT 60
#define SHUTDOWN_TIMEOUT_MAX 86400

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* From the spec and the model only: no I/O. */
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

		json_array_append_new(disks, json_pack("{s:I,s:s,s:s,s:I,s:I,s:b}",
			"index", (json_int_t)d->idx, "path", d->path, "format", d->format,
			"size_bytes", (json_int_t)d->size_bytes, "allocated_bytes", alloc,
			"owned", d->owned));
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
	json_object_set_new(o, "cdrom", str_or_null(s->cdrom));
	json_object_set_new(o, "kernel", str_or_null(s->kernel));
	json_object_set_new(o, "initrd", str_or_null(s->initrd));
	json_object_set_new(o, "append", str_or_null(s->append));
	json_object_set_new(o, "pid", live ? json_integer(vm->pid) : json_null());
	json_object_set_new(o, "uptime_s", live && vm->started_at
			    ? json_integer((json_int_t)(time(NULL) - vm->started_at)) : json_null());
	json_object_set_new(o, "nics", api_vm_nics_json(vm));
	json_object_set_new(o, "cpu_time_ms", proc ? json_integer((json_int_t)proc->cpu_ms)
						   : json_null());
	return o;
}

/* Find the VM named by args.name or answer not_found. */
static struct vm *vm_arg(struct api_req *r, json_t *args)
{
	const char *name = json_string_value(json_object_get(args, "name"));
	struct vm *vm = vm_find(api_req_daemon(r), name);

	if (!vm)
		api_req_err(r, PROTO_E_NOT_FOUND, "no VM named '%s'", name);
	return vm;
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
		     (uint64_t)vm->deleted) * 0x100000001b3ULL;
	return k;
}

/* Rendered once per change of the model or the key, then served as text. */
void api_op_vm_list(struct api_req *r, json_t *args)
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

void api_op_vm_info(struct api_req *r, json_t *args)
{
	struct vm *vm = vm_arg(r, args);

	if (!vm)
		return;
	api_req_ok(r, api_vm_json(vm));
}

/* --- validation shared by create and edit -------------------------------- */

static int check_file(const char *what, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (path[0] != '/') {
		err_set(err, errlen, "%s path '%s' must be absolute", what, path);
		return -EINVAL;
	}
	if (stat(path, &st) < 0) {
		err_set(err, errlen, "%s '%s' does not exist", what, path);
		return -ENOENT;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		err_set(err, errlen, "%s '%s' is not a regular file", what, path);
		return -EINVAL;
	}
	if (access(path, R_OK) < 0) {
		err_set(err, errlen, "%s '%s' is not readable: %s", what, path, strerror(errno));
		return -EACCES;
	}
	return 0;
}

/* A file check's failure: missing is not_found, anything else bad input. */
static const char *file_code(int rc)
{
	return rc == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_INVALID_ARGUMENT;
}

static int check_boot(const char *boot, int has_cdrom, size_t ndisks, int has_kernel,
		      char *err, size_t errlen)
{
	char buf[64], *tok, *save = NULL;
	int seen_disk = 0, seen_cd = 0;

	if (!*boot || strlen(boot) >= sizeof(buf)) {
		err_set(err, errlen, "boot order '%s' is not valid; use disk, cdrom, cdrom,disk or disk,cdrom", boot);
		return -EINVAL;
	}
	strcpy(buf, boot);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int *seen = !strcmp(tok, "disk") ? &seen_disk : !strcmp(tok, "cdrom") ? &seen_cd : NULL;

		if (!seen) {
			err_set(err, errlen, "boot device '%s' is unknown; use disk and/or cdrom", tok);
			return -EINVAL;
		}
		if (*seen) {
			err_set(err, errlen, "boot device '%s' is listed twice", tok);
			return -EINVAL;
		}
		*seen = 1;
	}
	if (seen_cd && !has_cdrom) {
		err_set(err, errlen, "boot order '%s' names cdrom but the VM has no cdrom image", boot);
		return -EINVAL;
	}
	if (seen_disk && !ndisks && !has_kernel) {
		err_set(err, errlen, "boot order '%s' names disk but the VM has no disk (give it a disk, or boot from a cdrom or a kernel)",
			boot);
		return -EINVAL;
	}
	return 0;
}

static int check_firmware(struct croftd *d, const char *fw, char *err, size_t errlen)
{
	if (strcmp(fw, "bios") && strcmp(fw, "uefi")) {
		err_set(err, errlen, "firmware '%s' is unknown; use bios or uefi", fw);
		return -EINVAL;
	}
	if (!strcmp(fw, "uefi") && (!d->ovmf_code || !d->ovmf_vars)) {
		err_set(err, errlen, "firmware uefi needs OVMF, which is not installed (package ovmf)");
		return -ENOENT;
	}
	return 0;
}

static int check_host_fit(uint32_t vcpus, uint64_t memory_mib, char *err, size_t errlen)
{
	struct host_mem hm;
	unsigned cpus = host_cpus();

	if (vcpus > cpus) {
		err_set(err, errlen, "vcpus (%u) exceeds the host's %u CPUs", vcpus, cpus);
		return -EINVAL;
	}
	if (host_meminfo(&hm) == 0 && memory_mib > hm.total_kib / 1024) {
		char a[32], b[32];

		err_set(err, errlen, "memory (%s) exceeds the host's total memory (%s)",
			size_format(memory_mib << 20, a, sizeof(a)),
			size_format(hm.total_kib << 10, b, sizeof(b)));
		return -EINVAL;
	}
	return 0;
}

static int check_direct_boot(const char *kernel, const char *initrd, const char *append,
			     char *err, size_t errlen)
{
	int r;

	if (!kernel && (initrd || append)) {
		err_set(err, errlen, "%s needs a kernel (--kernel)", initrd ? "initrd" : "append");
		return -EINVAL;
	}
	if (kernel && (r = check_file("kernel", kernel, err, errlen)) < 0)
		return r;
	if (initrd && (r = check_file("initrd", initrd, err, errlen)) < 0)
		return r;
	return 0;
}

/* Two paths name the same image when they are the same file. */
static int same_file(const char *a, const struct stat *sb)
{
	struct stat sa;

	return stat(a, &sa) == 0 && sa.st_dev == sb->st_dev && sa.st_ino == sb->st_ino;
}

/* The VM that already has this image (by file identity, not spelling). */
static const char *disk_owner(struct croftd *d, const struct stat *st, const struct vm *except)
{
	struct vm *vm;
	size_t i;

	for (vm = d->vms; vm; vm = vm->next) {
		if (vm == except || vm->deleted)
			continue;
		for (i = 0; i < vm->spec.ndisks; i++)
			if (same_file(vm->spec.disks[i].path, st))
				return vm->spec.name;
	}
	return NULL;
}

static const char *opt_str(json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

static void uuid_new(char out[37])
{
	unsigned char b[16];
	size_t i;
	char *p = out;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(t >> ((i % 8) * 8)) ^ (unsigned char)(i * 37);
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	for (i = 0; i < 16; i++) {
		p += sprintf(p, "%02x", b[i]);
		if (i == 3 || i == 5 || i == 7 || i == 9)
			*p++ = '-';
	}
	*p = '\0';
}

/* --- create ------------------------------------------------------------- */

void api_op_vm_create(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct store_vm spec = { 0 };
	const char *name = opt_str(args, "name");
	const char *cdrom = opt_str(args, "cdrom"), *boot = opt_str(args, "boot");
	const char *fw = opt_str(args, "firmware");
	const char *kernel = opt_str(args, "kernel"), *initrd = opt_str(args, "initrd");
	const char *append = opt_str(args, "append");
	json_t *jdisks = json_object_get(args, "disks"), *jd, *jmin;
	json_int_t vcpus = json_integer_value(json_object_get(args, "vcpus"));
	json_int_t mem = json_integer_value(json_object_get(args, "memory_mib"));
	json_int_t memmin;
	char err[512], uuid[37], dflt_boot[16];
	const char *code = PROTO_E_INVALID_ARGUMENT;
	size_t i, ndisks = jdisks ? json_array_size(jdisks) : 0, made = 0;
	struct vm *vm;
	int rc;

	jmin = json_object_get(args, "memory_min_mib");
	memmin = json_is_integer(jmin) ? json_integer_value(jmin) : mem;
	if (name_check("VM", name, err, sizeof(err)) < 0)
		goto fail;
	if (vm_find(d, name)) {
		code = PROTO_E_ALREADY_EXISTS;
		snprintf(err, sizeof(err), "a VM named '%s' already exists", name);
		goto fail;
	}
	{
		struct sockaddr_un sa;
		size_t need = strlen(d->run_dir) + strlen("/vm/") + strlen(name) + strlen("/serial.sock");

		if (need >= sizeof(sa.sun_path)) {
			snprintf(err, sizeof(err), "VM name '%s' is too long for this run directory (%s): its sockets would exceed %zu bytes",
				 name, d->run_dir, sizeof(sa.sun_path) - 1);
			goto fail;
		}
	}
	if (vcpus_check(vcpus, err, sizeof(err)) < 0)
		goto fail;
	if (mem <= 0) {
		snprintf(err, sizeof(err), "memory must be a positive number of MiB");
		goto fail;
	}
	if (memmin < 0) {
		snprintf(err, sizeof(err), "memory-min must not be negative");
		goto fail;
	}
	if (memory_check((uint64_t)mem, (uint64_t)memmin, err, sizeof(err)) < 0)
		goto fail;
	if (check_host_fit((uint32_t)vcpus, (uint64_t)mem, err, sizeof(err)) < 0)
		goto fail;
	if (!fw)
		fw = "bios";
	if (check_firmware(d, fw, err, sizeof(err)) < 0)
		goto fail;
	if (cdrom && (rc = check_file("cdrom image", cdrom, err, sizeof(err))) < 0) {
		code = file_code(rc);
		goto fail;
	}
	if (!boot) {
		snprintf(dflt_boot, sizeof(dflt_boot), "%s",
			 !cdrom ? "disk" : ndisks ? "cdrom,disk" : "cdrom");
		boot = dflt_boot;
	}
	if ((rc = check_direct_boot(kernel, initrd, append, err, sizeof(err))) < 0) {
		code = file_code(rc);
		goto fail;
	}
	if (check_boot(boot, cdrom != NULL, ndisks, kernel != NULL, err, sizeof(err)) < 0)
		goto fail;
	if (ndisks > DISKS_MAX) {
		snprintf(err, sizeof(err), "a VM can have at most %d disks, not %zu", DISKS_MAX, ndisks);
		goto fail;
	}

	spec.disks = xcalloc(ndisks + 1, sizeof(*spec.disks));
	spec.ndisks = ndisks;
	/* Check every disk before creating any. */
	json_array_foreach(jdisks, i, jd) {
		struct store_disk *sd = &spec.disks[i];
		json_t *jsize = json_object_get(jd, "size_bytes"), *jpath = json_object_get(jd, "path");
		const char *key;
		json_t *v;

		sd->idx = (uint32_t)i;
		if (!json_is_object(jd) || (!jsize == !jpath)) {
			snprintf(err, sizeof(err), "disks[%zu] must be an object with either \"size_bytes\" or \"path\"", i);
			goto fail;
		}
		json_object_foreach(jd, key, v) {
			if (strcmp(key, "size_bytes") && strcmp(key, "path")) {
				snprintf(err, sizeof(err), "disks[%zu] has an unknown member \"%s\"", i, key);
				goto fail;
			}
		}
		if (jsize) {
			if (!json_is_integer(jsize) || json_integer_value(jsize) <= 0) {
				snprintf(err, sizeof(err), "disks[%zu].size_bytes must be a positive integer", i);
				goto fail;
			}
			sd->size_bytes = (uint64_t)json_integer_value(jsize);
			if (disk_size_check(sd->size_bytes, err, sizeof(err)) < 0)
				goto fail;
			sd->path = xasprintf("%s/%s-disk%zu.qcow2", d->pool_dir, name, i);
			sd->format = xstrdup("qcow2");
			sd->owned = 1;
			if (access(sd->path, F_OK) == 0) {
				code = PROTO_E_ALREADY_EXISTS;
				snprintf(err, sizeof(err), "disk image %s already exists in the pool (left by a VM deleted with --keep-disks?); attach it with --disk PATH or remove it",
					 sd->path);
				goto fail;
			}
		} else {
			struct pool_image_info info;
			const char *owner;
			size_t k;

			if (!json_is_string(jpath)) {
				snprintf(err, sizeof(err), "disks[%zu].path must be a string", i);
				goto fail;
			}
			const char *given = json_string_value(jpath);
			char real[PATH_MAX];
			struct stat st;

			if ((rc = check_file("disk image", given, err, sizeof(err))) < 0) {
				code = file_code(rc);
				goto fail;
			}
			if (!realpath(given, real) || stat(real, &st) < 0) {
				snprintf(err, sizeof(err), "disk image '%s': %s", given, strerror(errno));
				goto fail;
			}
			sd->path = xstrdup(real);
			for (k = 0; k < i; k++) {
				if (spec.disks[k].path && same_file(spec.disks[k].path, &st)) {
					snprintf(err, sizeof(err), "disk image %s is given twice", sd->path);
					goto fail;
				}
			}
			if ((owner = disk_owner(d, &st, NULL))) {
				code = PROTO_E_INVALID_STATE;
				snprintf(err, sizeof(err), "disk image %s is already attached to VM '%s'",
					 sd->path, owner);
				goto fail;
			}
			if (pool_image_info(sd->path, &info, err, sizeof(err)) < 0)
				goto fail;
			sd->format = xstrdup(info.format);
			sd->size_bytes = info.virtual_size;
		}
	}

	/* Everything checked: make the files, then the row. */
	code = PROTO_E_IO;
	for (made = 0; made < ndisks; made++) {
		struct store_disk *sd = &spec.disks[made];

		if (!sd->owned)
			continue;
		if (pool_image_create(sd->path, "qcow2", sd->size_bytes, err, sizeof(err)) < 0)
			goto undo;
		if (d->drop_privs && chown(sd->path, d->qemu_uid, d->qemu_gid) < 0)
			log_warn("cannot hand %s to %s: %s", sd->path, d->qemu_user, strerror(errno));
	}
	if (!strcmp(fw, "uefi") && vm_uefi_vars_ensure(d, name, err, sizeof(err)) < 0)
		goto undo;

	uuid_new(uuid);
	spec.name = xstrdup(name);
	spec.uuid = xstrdup(uuid);
	spec.vcpus = (uint32_t)vcpus;
	spec.memory_mib = (uint64_t)mem;
	spec.memory_min_mib = (uint64_t)memmin;
	spec.firmware = xstrdup(fw);
	spec.boot = xstrdup(boot);
	spec.cdrom = xstrdup_or_null(cdrom);
	spec.kernel = xstrdup_or_null(kernel);
	spec.initrd = xstrdup_or_null(initrd);
	spec.append = xstrdup_or_null(append);
	spec.state = xstrdup("stopped");
	spec.state_reason = xstrdup("created");
	spec.created = time(NULL);
	rc = store_vm_insert(d->store, &spec, err, sizeof(err));
	if (rc < 0) {
		code = rc == -EEXIST ? PROTO_E_ALREADY_EXISTS : PROTO_E_IO;
		goto undo;
	}
	vm = vm_add(d, &spec);
	bus_publish(d->bus, "vm.created", name, 0, json_pack("{s:s}", "name", name),
		    "VM %s: created (%u vCPU, %lluM, %zu disks)", name, vm->spec.vcpus,
		    (unsigned long long)vm->spec.memory_mib, vm->spec.ndisks);
	api_req_ok(r, api_vm_json(vm));
	return;
undo:
	for (i = 0; i < made; i++)
		if (spec.disks[i].owned)
			unlink(spec.disks[i].path);
	if (fw && !strcmp(fw, "uefi"))
		vm_files_remove(d, name);
fail:
	store_vm_clear(&spec);
	api_req_err(r, code, "%s", err);
}

/* --- lifecycle ----------------------------------------------------------- */

void api_op_vm_start(struct api_req *r, json_t *args)
{
	struct vm *vm = vm_arg(r, args);
	const char *code;
	char err[1024];

	if (vm && vm_start(vm, reply_vm_done, r, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
}

void api_op_vm_shutdown(struct api_req *r, json_t *args)
{
	struct vm *vm = vm_arg(r, args);
	json_t *jt = json_object_get(args, "timeout_s");
	json_int_t t = jt ? json_integer_value(jt) : SHUTDOWN_TIMEOUT_DEFAULT;
	int force = json_is_true(json_object_get(args, "force"));
	const char *code;
	char err[512];

	if (!vm)
		return;
	if (t < 1 || t > SHUTDOWN_TIMEOUT_MAX) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "timeout must be between 1 and %d seconds, not %lld",
			    SHUTDOWN_TIMEOUT_MAX, (long long)t);
		return;
	}
	if (vm_shutdown(vm, (unsigned)t, force, reply_vm_done, r, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
}

void api_op_vm_stop(struct api_req *r, json_t *args)
{
	struct vm *vm = vm_arg(r, args);
	const char *code;
	char err[512];

	if (vm && vm_stop(vm, "user", reply_vm_done, r, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
}

static void qmp_action_op(struct api_req *r, json_t *args, const char *action)
{
	struct vm *vm = vm_arg(r, args);
	const char *code;
	char err[512];

	if (vm && vm_qmp_action(vm, action, reply_vm_done, r, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
}

void api_op_vm_pause(struct api_req *r, json_t *args)
{
	qmp_action_op(r, args, "pause");
}

void api_op_vm_resume(struct api_req *r, json_t *args)
{
	qmp_action_op(r, args, "resume");
}

void api_op_vm_reset(struct api_req *r, json_t *args)
{
	qmp_action_op(r, args, "reset");
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

	rc = store_vm_delete(d->store, vm->spec.id);
	if (rc < 0) {
		api_req_err(r, PROTO_E_IO, "cannot delete VM '%s' from the store: %s", name, strerror(-rc));
		json_decref(removed);
		json_decref(kept);
		json_decref(net);
		free(name);
		return;
	}
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

void api_op_vm_delete(struct api_req *r, json_t *args)
{
	struct vm *vm = vm_arg(r, args);
	int keep = json_is_true(json_object_get(args, "keep_disks"));
	int force = json_is_true(json_object_get(args, "force"));
	struct delete_ctx *c;
	const char *code;
	char err[512];

	if (!vm)
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

struct edit_ctx {
	struct api_req *r;
	struct store_vm next;
};

static void edit_commit(struct api_req *r, struct vm *vm, struct store_vm *next)
{
	struct croftd *d = api_req_daemon(r);
	char err[512];

	if (store_vm_update(d->store, next, err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_IO, "%s", err);
		return;
	}
	store_vm_clear(&vm->spec);
	vm->spec = *next;
	memset(next, 0, sizeof(*next));
	bus_publish(d->bus, "vm.changed", vm->spec.name, 0, json_pack("{s:s}", "name", vm->spec.name),
		    "VM %s: settings changed", vm->spec.name);
	api_req_ok(r, api_vm_json(vm));
}

static void edit_after_balloon(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct edit_ctx *c = data;

	if (code)
		api_req_err(c->r, code, "cannot change the memory of VM '%s': %s", vm->spec.name, msg);
	else
		edit_commit(c->r, vm, &c->next);
	store_vm_clear(&c->next);
	free(c);
}

static void set_str(char **dst, json_t *args, const char *key)
{
	json_t *v = json_object_get(args, key);

	if (!v)
		return;
	free(*dst);
	*dst = json_is_string(v) && *json_string_value(v) ? xstrdup(json_string_value(v)) : NULL;
}

void api_op_vm_edit(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct vm *vm = vm_arg(r, args);
	struct store_vm next = { 0 };
	json_t *jv = json_object_get(args, "vcpus"), *jm = json_object_get(args, "memory_mib");
	json_t *jmin = json_object_get(args, "memory_min_mib");
	const char *code = PROTO_E_INVALID_ARGUMENT, *key;
	char err[512];
	json_t *v;
	int live, rc;

	if (!vm)
		return;
	live = vm_is_live(vm);
	if (live) {
		json_object_foreach(args, key, v) {
			if (strcmp(key, "name") && strcmp(key, "memory_mib") && strcmp(key, "memory_min_mib")) {
				api_req_err(r, PROTO_E_INVALID_STATE,
					    "VM '%s' is %s; stop it to change %s (only memory changes live)",
					    vm->spec.name, vm_state_name(vm->state), key);
				return;
			}
		}
	}
	store_vm_copy(&next, &vm->spec);
	if (jv)
		next.vcpus = (uint32_t)json_integer_value(jv);
	if (jv && vcpus_check(json_integer_value(jv), err, sizeof(err)) < 0)
		goto fail;
	if (jm) {
		if (json_integer_value(jm) <= 0) {
			snprintf(err, sizeof(err), "memory must be a positive number of MiB");
			goto fail;
		}
		/* A floor that was simply "all of it" follows the new size. */
		if (!jmin && vm->spec.memory_min_mib == vm->spec.memory_mib)
			next.memory_min_mib = (uint64_t)json_integer_value(jm);
		next.memory_mib = (uint64_t)json_integer_value(jm);
	}
	if (jmin) {
		if (json_integer_value(jmin) < 0) {
			snprintf(err, sizeof(err), "memory-min must not be negative");
			goto fail;
		}
		next.memory_min_mib = (uint64_t)json_integer_value(jmin);
	}
	if (memory_check(next.memory_mib, next.memory_min_mib, err, sizeof(err)) < 0 ||
	    check_host_fit(next.vcpus, next.memory_mib, err, sizeof(err)) < 0)
		goto fail;
	set_str(&next.cdrom, args, "cdrom");
	set_str(&next.kernel, args, "kernel");
	set_str(&next.initrd, args, "initrd");
	set_str(&next.append, args, "append");
	if ((v = json_object_get(args, "firmware"))) {
		free(next.firmware);
		next.firmware = xstrdup(json_string_value(v));
	}
	if ((v = json_object_get(args, "boot"))) {
		free(next.boot);
		next.boot = xstrdup(json_string_value(v));
	} else if (!next.cdrom && strstr(next.boot, "cdrom")) {
		/* Ejecting the CD drops it from the boot order. */
		free(next.boot);
		next.boot = xstrdup("disk");
	}
	if (check_firmware(d, next.firmware, err, sizeof(err)) < 0 ||
	    check_boot(next.boot, next.cdrom != NULL, next.ndisks, next.kernel != NULL,
		       err, sizeof(err)) < 0)
		goto fail;
	if (json_object_get(args, "cdrom") && next.cdrom &&
	    (rc = check_file("cdrom image", next.cdrom, err, sizeof(err))) < 0) {
		code = file_code(rc);
		goto fail;
	}
	if ((rc = check_direct_boot(next.kernel, next.initrd, next.append, err, sizeof(err))) < 0) {
		code = file_code(rc);
		goto fail;
	}
	if (!strcmp(next.firmware, "uefi") && strcmp(vm->spec.firmware, "uefi") &&
	    vm_uefi_vars_ensure(d, vm->spec.name, err, sizeof(err)) < 0) {
		code = PROTO_E_IO;
		goto fail;
	}
	if (live && jm && next.memory_mib != vm->spec.memory_mib) {
		struct edit_ctx *c;

		if (next.memory_mib > vm->spec.memory_mib) {
			char a[32], b[32];

			code = PROTO_E_INVALID_STATE;
			snprintf(err, sizeof(err), "VM '%s' is running with at most %s; it cannot grow to %s until it is stopped",
				 vm->spec.name, size_format(vm->spec.memory_mib << 20, a, sizeof(a)),
				 size_format(next.memory_mib << 20, b, sizeof(b)));
			goto fail;
		}
		c = xcalloc(1, sizeof(*c));
		c->r = r;
		c->next = next;
		if (vm_set_balloon(vm, next.memory_mib, edit_after_balloon, c, &code, err, sizeof(err)) < 0) {
			free(c);
			goto fail;
		}
		return;
	}
	edit_commit(r, vm, &next);
	store_vm_clear(&next);
	return;
fail:
	store_vm_clear(&next);
	api_req_err(r, code, "%s", err);
}

/* --- console -------------------------------------------------------------- */

void api_op_vm_console(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct vm *vm = vm_arg(r, args);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *path;
	int fd;

	if (!vm)
		return;
	if (vm->pid <= 0) {
		api_req_err(r, PROTO_E_INVALID_STATE, "VM '%s' is %s; start it to use its console",
			    vm->spec.name, vm_state_name(vm->state));
		return;
	}
	path = vm_run_path(d, vm->spec.name, "serial.sock");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		api_req_err(r, PROTO_E_IO, "cannot connect to the serial console of VM '%s' (%s): %s",
			    vm->spec.name, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(path);
		return;
	}
	free(path);
	api_req_ok_fd(r, json_pack("{s:s}", "name", vm->spec.name), fd);
}
