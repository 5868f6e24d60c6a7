/*
 * Chain health (snap.h): the last check of each of a VM's disks, kept in
 * the store (store_disk_health_*) so snap list and snap info show it after
 * a croftd restart.
 *
 *   stopped  qemu-img check of each qcow2 disk after a change of the
 *            VM's snapshots (snap_check_start in snap.c, a step of that
 *            job), recorded here;
 *   running  QMP query-block after a change of a running VM's snapshots
 *            (snap_health_live): an image QEMU marked corrupt, or one that
 *            lacks a snapshot the store lists on it, is unhealthy; QEMU's
 *            BLOCK_IMAGE_CORRUPTED event records one at once.
 *
 * qemu-img check -U of an image QEMU has open reads it mid-change and is
 * unreliable, so a running VM's images are never checked that way; and as
 * QEMU sees only the tables in use, its "fine" leaves a problem qemu-img
 * found standing until qemu-img finds the image clean.
 */
#include "core/snap_internal.h"
#include "core/daemon.h"
#include "core/qmp.h"
#include "core/vm.h"
#include "core/vm_disk.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 1 when the last check of path was qemu-img's and found a problem. */
static int img_problem(struct croftd *d, const struct vm *vm, const char *path)
{
	struct store_disk_health *v;
	size_t n, i;
	int bad = 0;

	if (store_disk_health_list(d->store, vm->spec.id, &v, &n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!strcmp(v[i].path, path))
			bad = !v[i].ok && !strcmp(v[i].how, "qemu-img");
	store_disk_health_list_free(v, n);
	return bad;
}

void snap_health_record(struct croftd *d, const struct vm *vm, const char *path,
			const char *how, const char *msg)
{
	struct store_disk_health h = { .path = (char *)path, .checked = time(NULL), .ok = !msg,
				       .how = (char *)how, .message = (char *)msg };
	char err[512];

	/* QEMU sees less than qemu-img check (the active tables, not every
	 * snapshot's): its "fine" does not clear what qemu-img found */
	if (!msg && strcmp(how, "qemu-img") && img_problem(d, vm, path))
		return;
	if (msg)
		log_warn("VM %s: %s", vm->spec.name, msg);
	if (store_disk_health_set(d->store, vm->spec.id, &h, err, sizeof(err)) < 0)
		log_warn("VM %s: %s", vm->spec.name, err);
}

json_t *snap_health_json(struct croftd *d, const struct vm *vm, json_t *warnings)
{
	struct store_disk_health *v;
	json_t *arr = json_array();
	size_t n, i, k;

	if (store_disk_health_list(d->store, vm->spec.id, &v, &n) < 0)
		return arr;
	for (i = 0; i < n; i++) {
		for (k = 0; k < vm->spec.ndisks && strcmp(vm->spec.disks[k].path, v[i].path); k++)
			;
		if (k == vm->spec.ndisks)
			continue;                /* a disk detached since */
		json_array_append_new(arr, json_pack("{s:s,s:b,s:I,s:s,s:s?}", "volume", v[i].path,
						     "ok", v[i].ok, "checked",
						     (json_int_t)v[i].checked, "how", v[i].how,
						     "message", v[i].message));
		if (!v[i].ok && v[i].message && warnings)
			json_array_append_new(warnings, json_string(v[i].message));
	}
	store_disk_health_list_free(v, n);
	return arr;
}

/* 1 when the image's snapshots (query-block's image.snapshots) name it. */
static int image_has(const json_t *image, const char *name)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(image, "snapshots"), i, s)
		if (json_string_value(json_object_get(s, "name")) &&
		    !strcmp(json_string_value(json_object_get(s, "name")), name))
			return 1;
	return 0;
}

int snap_health_judge_block(const json_t *inserted, const char *path,
			    const struct store_snap *v, size_t n, char *msg, size_t msglen)
{
	const json_t *image = json_object_get(inserted, "image");
	json_t *quoted = json_string(path);
	char *needle = json_dumps(quoted, JSON_ENCODE_ANY);
	size_t i;
	int bad = 0;

	if (json_is_true(json_object_get(json_object_get(json_object_get(image,
			"format-specific"), "data"), "corrupt"))) {
		err_set(msg, msglen, "QEMU marked %s corrupt: stop the VM and repair it "
			"(qemu-img check -r all) or restore it from a backup", path);
		bad = 1;
	}
	for (i = 0; !bad && needle && i < n; i++)
		if (v[i].disks && strstr(v[i].disks, needle) && !image_has(image, v[i].name)) {
			err_set(msg, msglen, "disk %s does not hold snapshot '%s' that it should: "
				"a revert to it would fail; delete the snapshot", path, v[i].name);
			bad = 1;
		}
	free(needle);
	json_decref(quoted);
	return bad;
}

struct live_check {
	struct croftd *d;
	char vm[64];
};

static void live_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct live_check *c = data;
	struct croftd *d = c->d;
	struct vm *vm = vm_find(d, c->vm);
	struct store_snap *v = NULL;
	const json_t *dev;
	size_t n = 0, i;
	char msg[1024];

	(void)q;
	free(c);
	if (!vm || !m || m->type != QMP_MSG_RETURN || !json_is_array(m->ret) ||
	    store_snap_list(d->store, vm->spec.id, &v, &n) < 0)
		return;
	json_array_foreach(m->ret, i, dev) {
		const json_t *in = json_object_get(dev, "inserted");
		const char *path = vm_disk_node_path(vm, json_string_value(json_object_get(in,
									  "node-name")));

		if (!in || !path)
			continue;
		if (snap_health_judge_block(in, path, v, n, msg, sizeof(msg)))
			snap_health_record(d, vm, path, "qmp", msg);
		else
			snap_health_record(d, vm, path, "qmp", NULL);
	}
	store_snap_list_free(v, n);
}

void snap_health_live(struct vm *vm)
{
	struct live_check *c;

	if (!vm_is_live(vm) || !vm->qmp)
		return;
	c = xcalloc(1, sizeof(*c));
	c->d = vm->d;
	snprintf(c->vm, sizeof(c->vm), "%s", vm->spec.name);
	if (qmp_command(vm->qmp, "query-block", NULL, live_reply, c) < 0)
		free(c);
}

void snap_health_event(struct vm *vm, const struct qmp_msg *ev)
{
	const char *node = json_string_value(json_object_get(ev->data, "node-name"));
	const char *why = json_string_value(json_object_get(ev->data, "msg"));
	const char *path = vm_disk_node_path(vm, node);
	char msg[1024];

	if (!path)
		return;
	err_set(msg, sizeof(msg), "QEMU found %s corrupt (%s): stop the VM and repair it "
		"(qemu-img check -r all) or restore it from a backup", path, why ? why : "?");
	snap_health_record(vm->d, vm, path, "qmp", msg);
}
