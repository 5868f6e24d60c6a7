/*
 * Snapshots on croftd (snap.h): the checks before a job is queued, what
 * snap.list and snap.info show, and the parts the jobs share (snap_create.c
 * takes one, snap_change.c reverts and deletes): qemu-img on a stopped
 * VM's disks, the sweep that removes a name from every disk, the copies of
 * the UEFI variable store and the definition's settings a revert puts back.
 *
 * qemu-img is given the image as a json: description with its format
 * pinned and "backing": null, so it never opens a file named inside the
 * image (an internal snapshot lives in the top image alone), and runs as
 * the QEMU user like every qemu-img of croftd's.
 */
#include "core/snap_internal.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job_exec.h"
#include "core/qmp.h"
#include "core/vm.h"
#include "core/vm_busy.h"
#include "core/vm_clone.h"
#include "core/vm_disk.h"
#include "core/vm_files.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/validate.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SNAP_VARS_SUFFIX ".OVMF_VARS.fd"

/* --- shared by the jobs -------------------------------------------------------- */

struct vm *snap_job_vm(struct job *j)
{
	const char *name = json_string_value(json_object_get(job_args(j), "vm"));
	struct vm *vm = name ? vm_find(job_daemon(j), name) : NULL;

	if (!vm)
		job_fail(j, "VM '%s' is gone", name ? name : "?");
	return vm;
}

char *snap_vars_path(struct croftd *d, const char *vm, const char *name)
{
	char file[96];

	snprintf(file, sizeof(file), "snap-%s" SNAP_VARS_SUFFIX, name);
	return vm_state_path(d, vm, file);
}

/* The qcow2 image at path for qemu-img, its backing file not opened
 * (malloc'd). */
static char *img_spec(const char *path)
{
	json_t *img = json_pack("{s:s,s:{s:s,s:s},s:n}", "driver", "qcow2", "file", "driver",
				"file", "filename", path, "backing");
	char *desc = json_dumps(img, JSON_COMPACT), *spec = xasprintf("json:%s", desc);

	free(desc);
	json_decref(img);
	return spec;
}

int snap_qemu_img(struct job *j, const char *op, const char *name, const char *path,
		  void (*done)(struct job *j, const struct job_exec_result *res), char *err,
		  size_t errlen)
{
	char *spec = img_spec(path);
	char *av[] = { "qemu-img", "snapshot", "-q", (char *)op, (char *)name, spec, NULL };
	int rc = job_step_qemu_img(j, av, done, err, errlen);

	free(spec);
	return rc;
}

int snap_missing_msg(const char *msg)
{
	return msg && (strcasestr(msg, "does not exist") || strcasestr(msg, "not found"));
}

void snap_files_remove(struct croftd *d, const char *vm)
{
	char *dir = vm_state_path(d, vm, NULL);
	DIR *dp = opendir(dir);
	struct dirent *e;
	size_t len;

	while (dp && (e = readdir(dp))) {
		len = strlen(e->d_name);
		if (!strncmp(e->d_name, "snap-", 5) && len > sizeof(SNAP_VARS_SUFFIX) &&
		    !strcmp(e->d_name + len - (sizeof(SNAP_VARS_SUFFIX) - 1), SNAP_VARS_SUFFIX))
			unlinkat(dirfd(dp), e->d_name, 0);
	}
	if (dp)
		closedir(dp);
	free(dir);
}

/* --- the sweep: one name off every disk ---------------------------------------------- */

#define SWEEP_WAIT_MS 250
#define SWEEP_WAITS 80                   /* 20 s for QMP to come up */

static void sweep_next(struct job *j);

static void sweep_disk_done(struct job *j, const char *error)
{
	struct snap_sweep *sw = job_priv(j);
	struct vm *vm;

	if (error && !snap_missing_msg(error)) {
		vm = vm_find(job_daemon(j), json_string_value(json_object_get(job_args(j), "vm")));
		job_fail(j, "cannot delete snapshot '%s' from %s: %s", sw->name,
			 vm && sw->i < vm->spec.ndisks ? vm->spec.disks[sw->i].path : "a disk",
			 error);
		return;
	}
	sw->i++;
	sweep_next(j);
}

static void sweep_img_done(struct job *j, const struct job_exec_result *res)
{
	char msg[1024];

	sweep_disk_done(j, job_exec_failure(res, "qemu-img snapshot -d", msg, sizeof(msg)) ? msg
											 : NULL);
}

static void sweep_qmp_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct job *j = job_wait_end(data);

	(void)q;
	if (!j)
		return;
	if (!m)
		sweep_disk_done(j, "QEMU's QMP connection closed");
	else
		sweep_disk_done(j, m->type == QMP_MSG_ERROR ? (m->err_desc ? m->err_desc
									    : "QEMU refused")
							    : NULL);
}

static void sweep_retry(struct job *j)
{
	job_poll_stop(j);
	sweep_next(j);
}

static void sweep_next(struct job *j)
{
	struct snap_sweep *sw = job_priv(j);
	struct vm *vm = snap_job_vm(j);
	const struct store_disk *disk;
	struct job_wait *w;
	const char *node;
	char err[1024];

	if (!vm)
		return;
	if (sw->i >= vm->spec.ndisks) {
		sw->then(j);
		return;
	}
	disk = &vm->spec.disks[sw->i];
	job_progress(j, sw->i, vm->spec.ndisks);
	if (strcmp(disk->format, "qcow2")) {
		sw->i++;
		sweep_next(j);
		return;
	}
	if (vm_is_live(vm) && (!vm->qmp || !qmp_is_ready(vm->qmp)) && sw->waits++ < SWEEP_WAITS) {
		/* a restarted croftd is still connecting to a QEMU it adopted */
		job_poll_start(j, SWEEP_WAIT_MS, sweep_retry);
		return;
	}
	if (vm_is_live(vm)) {
		if (!vm->qmp || !(node = vm_disk_node(vm, disk->idx))) {
			job_fail(j, "cannot reach QEMU of VM '%s' to delete snapshot '%s' from %s",
				 vm->spec.name, sw->name, disk->path);
			return;
		}
		w = job_step_wait(j);
		if (qmp_command(vm->qmp, "blockdev-snapshot-delete-internal-sync",
				json_pack("{s:s,s:s}", "device", node, "name", sw->name),
				sweep_qmp_reply, w) < 0 && (j = job_wait_end(w)))
			job_fail(j, "QEMU of VM '%s' is gone", vm->spec.name);
		return;
	}
	if (snap_qemu_img(j, "-d", sw->name, disk->path, sweep_img_done, err, sizeof(err)) < 0)
		job_fail(j, "%s", err);
}

void snap_sweep_start(struct job *j, const char *name, void (*then)(struct job *j))
{
	struct snap_sweep *sw = job_priv(j);

	sw->i = 0;
	sw->name = name;
	sw->then = then;
	sweep_next(j);
}

/* The undos that could not be queued (croftd was stopping), for the next
 * start: a JSON array of {"vm","name"} in this host setting. */
#define SNAP_UNDO_SETTING "snap_undo"

static json_t *undo_pending(struct croftd *d)
{
	char *text = NULL;
	json_t *v = NULL;

	if (store_setting_get(d->store, SNAP_UNDO_SETTING, &text) == 0)
		v = json_loads(text, 0, NULL);
	free(text);
	if (!json_is_array(v)) {
		json_decref(v);
		v = json_array();
	}
	return v;
}

void snap_undo_submit(struct croftd *d, const char *vm, const char *name)
{
	json_t *later;
	char err[512], *text;

	if (job_submit(d->jobs, snap_delete_kind.name, vm,
		       json_pack("{s:s,s:s,s:b}", "vm", vm, "name", name, "undo", 1), NULL, NULL,
		       NULL, err, sizeof(err)) == 0)
		return;
	later = undo_pending(d);
	json_array_append_new(later, json_pack("{s:s,s:s}", "vm", vm, "name", name));
	text = json_dumps(later, JSON_COMPACT);
	if (store_setting_set(d->store, SNAP_UNDO_SETTING, text) < 0)
		log_warn("VM %s: snapshot '%s' may be left on its disks: %s", vm, name, err);
	else
		log_info("VM %s: half-made snapshot '%s' is removed at croftd's next start (%s)",
			 vm, name, err);
	free(text);
	json_decref(later);
}

int snap_service_init(struct croftd *d, char *err, size_t errlen)
{
	json_t *later = undo_pending(d), *u;
	size_t i;

	(void)err;
	(void)errlen;
	snap_marks_recover(d);
	if (!json_array_size(later)) {
		json_decref(later);
		return 0;
	}
	store_setting_set(d->store, SNAP_UNDO_SETTING, "[]");
	json_array_foreach(later, i, u) {
		const char *vm = json_string_value(json_object_get(u, "vm"));
		const char *name = json_string_value(json_object_get(u, "name"));

		if (vm && name && vm_find(d, vm))
			snap_undo_submit(d, vm, name);
	}
	json_decref(later);
	return 0;
}

/* --- chain health: qemu-img check after a change of a stopped VM's disks ------------ */
/* (recorded, and checked through QMP when the VM runs: snap_health.c) */

int snap_check_judge(const char *out, int status, const char *path, char *msg, size_t msglen)
{
	json_t *o = json_loads(out ? out : "", 0, NULL);
	json_int_t corrupt = json_integer_value(json_object_get(o, "corruptions"));
	json_int_t errors = json_integer_value(json_object_get(o, "check-errors"));
	int bad = 0;

	if (!o && status) {
		err_set(msg, msglen, "qemu-img check of %s failed (status %d)", path, status);
		bad = 1;
	} else if (corrupt > 0 || errors > 0) {
		err_set(msg, msglen, "qemu-img check of %s found %lld corruption%s and %lld "
			"error%s: repair it with the VM stopped (qemu-img check -r all) or restore "
			"it from a backup", path, (long long)corrupt, corrupt == 1 ? "" : "s",
			(long long)errors, errors == 1 ? "" : "s");
		bad = 1;
	}
	json_decref(o);
	return bad;
}

static void check_next(struct job *j);

static void checked(struct job *j, const struct job_exec_result *res)
{
	struct snap_sweep *ck = job_priv(j);
	struct vm *vm = snap_job_vm(j);
	char msg[1024];

	if (!vm)
		return;
	if (ck->i < vm->spec.ndisks) {
		int bad = snap_check_judge(res->out, res->status, vm->spec.disks[ck->i].path, msg,
					   sizeof(msg));

		snap_health_record(job_daemon(j), vm, vm->spec.disks[ck->i].path, "qemu-img",
				   bad ? msg : NULL);
		ck->found |= bad;
	}
	ck->i++;
	check_next(j);
}

static void check_next(struct job *j)
{
	struct snap_sweep *ck = job_priv(j);
	struct vm *vm = snap_job_vm(j);
	char *av[] = { "qemu-img", "check", "--output=json", NULL, NULL };
	char err[1024];
	int rc;

	if (!vm)
		return;
	while (ck->i < vm->spec.ndisks && strcmp(vm->spec.disks[ck->i].format, "qcow2"))
		ck->i++;
	if (vm_is_live(vm) || ck->i >= vm->spec.ndisks) {
		snap_health_live(vm);     /* a running VM: QEMU says (snap_health.c) */
		ck->then(j);
		return;
	}
	av[3] = img_spec(vm->spec.disks[ck->i].path);
	rc = job_step_qemu_img(j, av, checked, err, sizeof(err));
	free(av[3]);
	if (rc < 0) {
		ck->i++;
		check_next(j);
	}
}

void snap_check_start(struct job *j, void (*then)(struct job *j))
{
	struct snap_sweep *ck = job_priv(j);

	ck->i = 0;
	ck->found = 0;
	ck->then = then;
	check_next(j);
}

/* --- the definition a revert puts back ---------------------------------------------- */

static void restore_str(char **field, const json_t *saved, const char *key, int nullable)
{
	const json_t *v = json_object_get(saved, key);

	if (!json_is_string(v) && !(nullable && (json_is_null(v) || !v)))
		return;
	free(*field);
	*field = json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

void snap_spec_restore(struct store_vm *spec, const json_t *saved)
{
	const json_t *v;

	if ((v = json_object_get(saved, "vcpus")) && json_integer_value(v) > 0)
		spec->vcpus = (uint32_t)json_integer_value(v);
	if ((v = json_object_get(saved, "memory_mib")) && json_integer_value(v) > 0)
		spec->memory_mib = (uint64_t)json_integer_value(v);
	if ((v = json_object_get(saved, "memory_min_mib")) && json_integer_value(v) > 0)
		spec->memory_min_mib = (uint64_t)json_integer_value(v);
	if ((v = json_object_get(saved, "memory_shares")) && json_is_integer(v))
		spec->memory_shares = (uint32_t)json_integer_value(v);
	if ((v = json_object_get(saved, "ksm_off")) && json_is_boolean(v))
		spec->ksm_off = json_is_true(v);
	if ((v = json_object_get(saved, "agent")) && json_is_boolean(v))
		spec->agent = json_is_true(v);
	restore_str(&spec->firmware, saved, "firmware", 0);
	restore_str(&spec->boot, saved, "boot", 0);
	restore_str(&spec->cdrom, saved, "cdrom", 1);
	restore_str(&spec->kernel, saved, "kernel", 1);
	restore_str(&spec->initrd, saved, "initrd", 1);
	restore_str(&spec->append, saved, "append", 1);
	restore_str(&spec->display, saved, "display", 1);
}

/* --- checks before a job is queued ---------------------------------------------------- */

/* The VM by name, no other job on it. */
static struct vm *vm_for_job(struct croftd *d, const char *name, const char **code, char *err,
			     size_t errlen, int *rc)
{
	struct vm *vm = name ? vm_find(d, name) : NULL;

	*code = PROTO_E_NOT_FOUND;
	*rc = -ENOENT;
	if (!vm) {
		err_set(err, errlen, "no VM named '%s'", name ? name : "");
		return NULL;
	}
	if ((*rc = vm_busy_check(d, &vm->spec, code, err, errlen)) < 0)
		return NULL;
	*code = PROTO_E_INVALID_STATE;
	*rc = -EBUSY;
	if (vm->state == VM_STARTING || vm->state == VM_SHUTTING_DOWN) {
		err_set(err, errlen, "VM '%s' is %s; try again when it is done", name,
			vm_state_name(vm->state));
		return NULL;
	}
	*rc = 0;
	return vm;
}

/* Every disk of vm can hold an internal snapshot. */
static int disks_check(const struct vm *vm, const char **code, char *err, size_t errlen)
{
	size_t i;

	*code = PROTO_E_INVALID_STATE;
	if (!vm->spec.ndisks) {
		err_set(err, errlen, "VM '%s' has no disks to snapshot", vm->spec.name);
		return -EINVAL;
	}
	for (i = 0; i < vm->spec.ndisks; i++)
		if (strcmp(vm->spec.disks[i].format, "qcow2")) {
			err_set(err, errlen, "disk %s of VM '%s' is %s, which cannot hold snapshots; "
				"convert it to qcow2 first (qemu-img convert -O qcow2, with the VM "
				"stopped) and attach the copy", vm->spec.disks[i].path,
				vm->spec.name, vm->spec.disks[i].format);
			return -EINVAL;
		}
	return 0;
}

int snap_submit_create_code(struct croftd *d, const char *vmname, const char *name,
			    const struct snap_create_opts *o, job_done_fn done, void *data,
			    struct job **out, const char **code, char *err, size_t errlen)
{
	struct store_snap s;
	struct vm *vm;
	json_t *args;
	int rc;

	*code = PROTO_E_INVALID_ARGUMENT;
	if (name_check("snapshot", name, err, errlen) < 0)
		return -EINVAL;
	if (o->description && strlen(o->description) > 1024) {
		err_set(err, errlen, "the description is longer than 1024 bytes");
		return -EINVAL;
	}
	if (!(vm = vm_for_job(d, vmname, code, err, errlen, &rc)))
		return rc;
	if ((rc = vm_template_refuse(&vm->spec, "snapshotted", code, err, errlen)) < 0)
		return rc;
	if (o->ram && !vm_is_live(vm)) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' is not running: a snapshot with RAM needs a running "
			"guest (leave out --ram for a snapshot of its disks)", vmname);
		return -EINVAL;
	}
	if ((rc = disks_check(vm, code, err, errlen)) < 0)
		return rc;
	if (store_snap_get(d->store, vm->spec.id, name, &s) == 0) {
		store_snap_clear(&s);
		*code = PROTO_E_ALREADY_EXISTS;
		err_set(err, errlen, "VM '%s' already has a snapshot named '%s'", vmname, name);
		return -EEXIST;
	}
	args = json_pack("{s:s,s:s,s:s,s:b,s:b,s:I}", "vm", vmname, "name", name, "description",
			 o->description ? o->description : "", "ram", o->ram, "protected",
			 o->protected_, "schedule", (json_int_t)o->schedule_id);
	*code = PROTO_E_IO;
	return job_submit(d->jobs, snap_create_kind.name, vmname, args, done, data, out, err,
			  errlen);
}

int snap_submit_create(struct croftd *d, const char *vm, const char *name,
		       const struct snap_create_opts *o, job_done_fn done, void *data,
		       struct job **out, char *err, size_t errlen)
{
	const char *code;

	return snap_submit_create_code(d, vm, name, o, done, data, out, &code, err, errlen);
}

/* The VM (no other job on it) and its snapshot name, which exists. */
static struct vm *vm_snap_for_job(struct croftd *d, const char *vmname, const char *name,
				  struct store_snap *s, const char **code, char *err,
				  size_t errlen, int *rc)
{
	struct vm *vm = vm_for_job(d, vmname, code, err, errlen, rc);

	memset(s, 0, sizeof(*s));
	if (!vm)
		return NULL;
	if (!name || store_snap_get(d->store, vm->spec.id, name, s) < 0) {
		*code = PROTO_E_NOT_FOUND;
		*rc = -ENOENT;
		err_set(err, errlen, "VM '%s' has no snapshot named '%s'", vmname, name ? name : "");
		return NULL;
	}
	return vm;
}

int snap_submit_delete_code(struct croftd *d, const char *vmname, const char *name,
			    job_done_fn done, void *data, struct job **out, const char **code,
			    char *err, size_t errlen)
{
	struct store_snap s;
	int rc;

	if (!vm_snap_for_job(d, vmname, name, &s, code, err, errlen, &rc))
		return rc;
	store_snap_clear(&s);
	*code = PROTO_E_IO;
	return job_submit(d->jobs, snap_delete_kind.name, vmname,
			  json_pack("{s:s,s:s}", "vm", vmname, "name", name), done, data, out, err,
			  errlen);
}

int snap_submit_delete(struct croftd *d, const char *vm, const char *name, job_done_fn done,
		       void *data, struct job **out, char *err, size_t errlen)
{
	const char *code;

	return snap_submit_delete_code(d, vm, name, done, data, out, &code, err, errlen);
}

/* Every disk the snapshot holds is still the VM's. */
static int revert_disks_check(const struct vm *vm, const struct store_snap *s,
			      const char **code, char *err, size_t errlen)
{
	json_t *saved = json_loads(s->spec, 0, NULL), *disk;
	size_t i, k;
	int rc = 0;

	json_array_foreach(json_object_get(saved, "disks"), i, disk) {
		const char *path = json_string_value(json_object_get(disk, "path"));

		for (k = 0; path && k < vm->spec.ndisks; k++)
			if (!strcmp(vm->spec.disks[k].path, path))
				break;
		if (path && k == vm->spec.ndisks) {
			*code = PROTO_E_INVALID_STATE;
			err_set(err, errlen, "disk %s of snapshot '%s' is no longer attached to VM "
				"'%s'; attach it again to revert", path, s->name, vm->spec.name);
			rc = -EINVAL;
			break;
		}
	}
	json_decref(saved);
	return rc;
}

int snap_submit_revert(struct croftd *d, const char *vmname, const char *name, bool force,
		       struct job **out, const char **code, char *err, size_t errlen)
{
	struct store_snap s;
	struct vm *vm;
	int rc;

	if (!(vm = vm_snap_for_job(d, vmname, name, &s, code, err, errlen, &rc)))
		return rc;
	if ((rc = revert_disks_check(vm, &s, code, err, errlen)) < 0)
		goto out;
	if (vm_is_live(vm) && !s.ram && !force) {
		*code = SNAP_E_NEEDS_FORCE;
		err_set(err, errlen, "VM '%s' is running and snapshot '%s' has no RAM: reverting "
			"stops the guest and starts it again from the disks' state at the snapshot "
			"(whatever it has not saved is lost); give --force to do that", vmname,
			name);
		rc = -EAGAIN;
		goto out;
	}
	*code = PROTO_E_IO;
	rc = job_submit(d->jobs, snap_revert_kind.name, vmname,
			json_pack("{s:s,s:s,s:b}", "vm", vmname, "name", name, "force", force), NULL,
			NULL, out, err, errlen);
out:
	store_snap_clear(&s);
	return rc;
}

/* --- what snap.list and snap.info show ------------------------------------------------ */

uint64_t snap_disks_alloc(const struct store_vm *spec)
{
	struct stat st;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < spec->ndisks; i++)
		if (stat(spec->disks[i].path, &st) == 0)
			sum += (uint64_t)st.st_blocks * 512;
	return sum;
}

int snap_list_json(struct croftd *d, struct vm *vm, json_t **out, char *err, size_t errlen)
{
	struct store_snap *v;
	json_t *arr, *cur = json_null(), *warnings, *health;
	uint64_t now = snap_disks_alloc(&vm->spec);
	size_t n, i;

	if (store_snap_list(d->store, vm->spec.id, &v, &n) < 0) {
		err_set(err, errlen, "%s", store_last_error(d->store));
		return -EIO;
	}
	arr = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(arr, snap_tree_json(v, n, i, now));
		if (v[i].current) {
			json_decref(cur);
			cur = json_string(v[i].name);
		}
	}
	warnings = snap_tree_warnings(v, n);
	health = snap_health_json(d, vm, warnings);
	for (i = 0; i < vm->spec.ndisks; i++)
		if (strcmp(vm->spec.disks[i].format, "qcow2"))
			json_array_append_new(warnings, json_sprintf(
				"disk %s is %s: new snapshots are refused until it is converted to "
				"qcow2", vm->spec.disks[i].path, vm->spec.disks[i].format));
	*out = json_pack("{s:s,s:o,s:o,s:o,s:o}", "vm", vm->spec.name, "current", cur,
			 "snapshots", arr, "warnings", warnings, "health", health);
	store_snap_list_free(v, n);
	return 0;
}

int snap_info_json(struct croftd *d, struct vm *vm, const char *name, json_t **out, char *err,
		   size_t errlen)
{
	struct store_snap *v;
	json_t *o, *saved, *disks, *disk;
	size_t n, i, k;

	if (store_snap_list(d->store, vm->spec.id, &v, &n) < 0) {
		err_set(err, errlen, "%s", store_last_error(d->store));
		return -EIO;
	}
	for (i = 0; i < n && strcmp(v[i].name, name); i++)
		;
	if (i == n) {
		store_snap_list_free(v, n);
		err_set(err, errlen, "VM '%s' has no snapshot named '%s'", vm->spec.name, name);
		return -ENOENT;
	}
	o = snap_tree_json(v, n, i, snap_disks_alloc(&vm->spec));
	saved = json_loads(v[i].spec, 0, NULL);
	disks = json_array();
	json_array_foreach(json_object_get(saved, "disks"), k, disk)
		json_array_append_new(disks, json_pack("{s:o,s:O,s:O}", "device",
						       json_sprintf("disk%d", (int)json_integer_value(
								json_object_get(disk, "idx"))),
						       "volume", json_object_get(disk, "path"),
						       "size", json_object_get(disk, "size_bytes")));
	json_object_set_new(o, "disks", disks);
	json_object_set_new(o, "health", snap_health_json(d, vm, NULL));
	json_object_set(o, "definition", saved ? saved : json_null());
	json_decref(saved);
	store_snap_list_free(v, n);
	*out = o;
	return 0;
}

double snap_pause_estimate(struct croftd *d, const struct vm *vm)
{
	struct store_snap *v;
	double sum = 0;
	size_t n, i, k = 0;

	if (!vm_is_live(vm))
		return 0;
	if (store_snap_list(d->store, vm->spec.id, &v, &n) == 0) {
		for (i = 0; i < n; i++)
			if (v[i].pause_ms >= 0 && v[i].method && !strcmp(v[i].method, "transaction")) {
				sum += v[i].pause_ms;
				k++;
			}
		store_snap_list_free(v, n);
	}
	return k ? sum / (double)k : SNAP_PAUSE_GUESS_MS;
}
