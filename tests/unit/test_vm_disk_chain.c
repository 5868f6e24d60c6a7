/*
 * vm_disk tests: hot-plug of a volume with a backing chain on the
 * virtio-scsi bus, against a fake QEMU (testlib_qmp.c) on a fake croftd's
 * running VM, with real qcow2 files in a pool.  The attach hands QEMU the
 * base first, as its own fd set and read-only nodes hp1-b1(-file), then
 * the overlay (discard, detect-zeroes, backing hp1-b1), then finds no
 * virtio-scsi controller, adds one and the scsi-hd; the disk lands in the
 * definition and its QEMU name in the store for that QEMU.  A refused step
 * undoes every node and fd set QEMU took.  The detach (QEMU sends a SCSI
 * disk's DEVICE_DELETED before device_del's reply), from the name alone,
 * deletes the overlay's nodes, then each backing layer's until QEMU has no
 * next one, and removes the fd sets of the disk and its layers only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/daemon.h"
#include "core/pools.h"
#include "core/qmp.h"
#include "core/vm.h"
#include "core/vm_disk.h"
#include "common/loop.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
	char *dir;
	char *pool_dir;
	char *ov;                /* tank/ov.qcow2, backing base.qcow2 */
	struct croftd *d;
	struct vm *vm;
	struct tl_qmp_fake q;
	int done;
	char code[64];
};

static int setup(void **state)
{
	static const struct qmp_callbacks none = { 0 };
	struct fx *f = xcalloc(1, sizeof(*f));
	const char *disks[2];
	char err[256], *base, *cmd, *disk0;

	if (access("/usr/bin/qemu-img", X_OK) < 0) {
		free(f);
		skip();
	}
	f->dir = tl_tmpdir("diskchain");
	f->d = tl_croftd_new_or_fail(f->dir);
	f->pool_dir = tl_path(f->dir, "tank");
	assert_int_equal(mkdir(f->pool_dir, 0700), 0);
	pools_add(f->d->pools, "tank", f->pool_dir, POOLS_DISK);
	base = tl_path(f->pool_dir, "base.qcow2");
	f->ov = tl_path(f->pool_dir, "ov.qcow2");
	disk0 = tl_path(f->pool_dir, "data.qcow2");
	assert_int_equal(tl_image_create(base, "qcow2", 1 << 20, err, sizeof(err)), 0);
	cmd = xasprintf("qemu-img create -q -f qcow2 -F qcow2 -b base.qcow2 '%s' >/dev/null 2>&1",
			f->ov);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	disks[0] = disk0;
	disks[1] = NULL;
	f->vm = tl_croftd_vm_add(f->d, "web", disks);
	f->vm->spec.id = tl_store_vm_or_fail(f->d->store, "web");
	f->vm->pid = getpid();
	f->vm->state = VM_RUNNING;
	f->d->loop = loop_new();
	f->vm->qmp = tl_qmp_fake_open(&f->q, f->d->loop, &none, NULL);
	tl_qmp_handshake(&f->q, f->d->loop, f->vm->qmp);
	free(base);
	free(disk0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	qmp_free(f->vm->qmp);
	f->vm->qmp = NULL;
	tl_qmp_fake_close(&f->q);
	f->vm->pid = 0;
	loop_free(f->d->loop);
	f->d->loop = NULL;
	tl_croftd_free(f->d);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f->pool_dir);
	free(f->ov);
	free(f);
	return 0;
}

static void done(struct croftd *d, const char *code, const char *msg,
		 const struct store_disk *disk, void *data)
{
	struct fx *f = data;

	(void)d;
	(void)msg;
	(void)disk;
	f->done++;
	snprintf(f->code, sizeof(f->code), "%s", code ? code : "");
}

/* The next command must be cmd with at least the members of want (JSON
 * text) and none of the space-separated names in absent: its id. */
static long long expect(struct fx *f, const char *cmd, const char *want, const char *absent)
{
	json_t *args = NULL, *w = json_loads(want, 0, NULL), *v;
	const char *key;
	char names[128], *tok, *save;
	long long id;

	assert_non_null(w);
	id = tl_qmp_expect(&f->q, f->d->loop, cmd, &args);
	json_object_foreach(w, key, v) {
		if (!json_equal(json_object_get(args, key), v))
			fail_msg("%s: %s is %s, not %s", cmd, key,
				 json_dumps(json_object_get(args, key), JSON_ENCODE_ANY), want);
	}
	snprintf(names, sizeof(names), "%s", absent ? absent : "");
	for (tok = strtok_r(names, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (json_object_get(args, tok))
			fail_msg("%s: has %s", cmd, tok);
	json_decref(args);
	json_decref(w);
	return id;
}

static void reply_error(struct fx *f, long long id, const char *desc)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "{\"error\": {\"class\": \"GenericError\", \"desc\": \"%s\"}, "
		 "\"id\": %lld}\r\n", desc, id);
	tl_qmp_send(&f->q, buf);
}

/* The base's fd set (3) and read-only nodes, then the overlay's fd set (4)
 * and its file node. */
static void attach_layers(struct fx *f)
{
	const char *code;
	char err[512];

	assert_int_equal(vm_disk_attach(f->d, f->vm, f->ov, 1, done, f, &code, err, sizeof(err)), 0);
	tl_qmp_reply(&f->q, expect(f, "add-fd", "{\"opaque\": \"hp1-b1\"}", NULL),
		     "{\"fdset-id\": 3, \"fd\": 30}");
	tl_qmp_reply(&f->q, expect(f, "blockdev-add", "{\"driver\": \"file\", \"node-name\": "
		     "\"hp1-b1-file\", \"filename\": \"/dev/fdset/3\", \"read-only\": true}",
		     "discard"), "{}");
	tl_qmp_reply(&f->q, expect(f, "blockdev-add", "{\"driver\": \"qcow2\", \"node-name\": "
		     "\"hp1-b1\", \"file\": \"hp1-b1-file\", \"read-only\": true, \"backing\": null}",
		     "discard detect-zeroes"), "{}");
	tl_qmp_reply(&f->q, expect(f, "add-fd", "{\"opaque\": \"hp1\"}", NULL),
		     "{\"fdset-id\": 4, \"fd\": 31}");
	tl_qmp_reply(&f->q, expect(f, "blockdev-add", "{\"driver\": \"file\", \"node-name\": "
		     "\"hp1-file\", \"filename\": \"/dev/fdset/4\", \"read-only\": false, "
		     "\"discard\": \"unmap\"}", NULL), "{}");
}

static void test_attach_detach_chain_scsi(void **state)
{
	struct fx *f = *state;
	struct store_disk_node *nodes = NULL;
	struct qmp_msg m;
	const char *code;
	char err[512], line[256];
	size_t n = 0;
	long long id;

	attach_layers(f);
	tl_qmp_reply(&f->q, expect(f, "blockdev-add", "{\"driver\": \"qcow2\", \"node-name\": \"hp1\", "
		     "\"file\": \"hp1-file\", \"read-only\": false, \"backing\": \"hp1-b1\", "
		     "\"discard\": \"unmap\", \"detect-zeroes\": \"unmap\"}", NULL), "{}");
	reply_error(f, expect(f, "qom-list", "{\"path\": \"/machine/peripheral/scsi0\"}", NULL),
		    "Device 'scsi0' not found");
	tl_qmp_reply(&f->q, expect(f, "device_add", "{\"driver\": \"virtio-scsi-pci\", \"id\": "
		     "\"scsi0\", \"bus\": \"diskport0\"}", NULL), "{}");
	tl_qmp_reply(&f->q, expect(f, "device_add", "{\"driver\": \"scsi-hd\", \"drive\": \"hp1\", "
		     "\"id\": \"hp1\", \"bus\": \"scsi0.0\", \"werror\": \"enospc\"}", NULL), "{}");
	TL_PUMP_UNTIL(f->d->loop, f->done == 1, 2000);
	assert_string_equal(f->code, "");
	assert_int_equal(f->vm->spec.ndisks, 2);
	assert_string_equal(f->vm->spec.disks[1].path, f->ov);
	assert_true(f->vm->spec.disks[1].scsi);
	/* the name QEMU knows it by, for this QEMU, in the store */
	assert_int_equal(store_disk_nodes_list(f->d->store, f->vm->spec.id, f->vm->pid, &nodes, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(nodes[1].idx, 1);
	assert_string_equal(nodes[1].node, "hp1");
	store_disk_nodes_free(nodes, n);

	assert_int_equal(vm_disk_detach(f->d, f->vm, f->ov, done, f, &code, err, sizeof(err)), 0);
	/* a SCSI disk goes at once: DEVICE_DELETED before device_del's reply */
	id = expect(f, "device_del", "{\"id\": \"hp1\"}", NULL);
	snprintf(line, sizeof(line), "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": "
		 "\"hp1\", \"path\": \"/machine/peripheral/hp1\"}, \"timestamp\": {\"seconds\": 1, "
		 "\"microseconds\": 2}}");
	assert_int_equal(qmp_parse(line, strlen(line), &m, err, sizeof(err)), 0);
	vm_disk_qmp_event(f->vm, &m);
	json_decref(m.root);
	tl_qmp_reply(&f->q, id, "{}");
	tl_qmp_reply(&f->q, expect(f, "blockdev-del", "{\"node-name\": \"hp1\"}", NULL), "{}");
	tl_qmp_reply(&f->q, expect(f, "blockdev-del", "{\"node-name\": \"hp1-file\"}", NULL), "{}");
	tl_qmp_reply(&f->q, expect(f, "blockdev-del", "{\"node-name\": \"hp1-b1\"}", NULL), "{}");
	tl_qmp_reply(&f->q, expect(f, "blockdev-del", "{\"node-name\": \"hp1-b1-file\"}", NULL), "{}");
	reply_error(f, expect(f, "blockdev-del", "{\"node-name\": \"hp1-b2\"}", NULL),
		    "Failed to find node with node-name='hp1-b2'");
	id = expect(f, "query-fdsets", "{}", NULL);
	tl_qmp_reply(&f->q, id, "[{\"fdset-id\": 0, \"fds\": [{\"fd\": 9, \"opaque\": \"disk0\"}]}, "
		     "{\"fdset-id\": 3, \"fds\": [{\"fd\": 30, \"opaque\": \"hp1-b1\"}]}, "
		     "{\"fdset-id\": 4, \"fds\": [{\"fd\": 31, \"opaque\": \"hp1\"}]}, "
		     "{\"fdset-id\": 5, \"fds\": [{\"fd\": 32, \"opaque\": \"hp10-b1\"}]}]");
	expect(f, "remove-fd", "{\"fdset-id\": 3}", NULL);
	expect(f, "remove-fd", "{\"fdset-id\": 4}", NULL);
	TL_PUMP_UNTIL(f->d->loop, f->done == 2, 2000);
	assert_string_equal(f->code, "");
	tl_qmp_expect_silence(&f->q, f->d->loop);
	assert_int_equal(f->vm->spec.ndisks, 1);
	assert_int_equal(store_disk_nodes_list(f->d->store, f->vm->spec.id, f->vm->pid, &nodes, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(nodes[0].node, "disk0");
	store_disk_nodes_free(nodes, n);
}

/* QEMU refuses the overlay's format node: every node and both fd sets go,
 * the node naming another first; nothing is recorded. */
static void test_refused_step_undoes_chain(void **state)
{
	struct fx *f = *state;

	attach_layers(f);
	reply_error(f, expect(f, "blockdev-add", "{\"node-name\": \"hp1\"}", NULL), "no");
	expect(f, "blockdev-del", "{\"node-name\": \"hp1-file\"}", NULL);
	expect(f, "blockdev-del", "{\"node-name\": \"hp1-b1\"}", NULL);
	expect(f, "blockdev-del", "{\"node-name\": \"hp1-b1-file\"}", NULL);
	expect(f, "remove-fd", "{\"fdset-id\": 3}", NULL);
	expect(f, "remove-fd", "{\"fdset-id\": 4}", NULL);
	TL_PUMP_UNTIL(f->d->loop, f->done == 1, 2000);
	assert_string_equal(f->code, PROTO_E_QEMU);
	tl_qmp_expect_silence(&f->q, f->d->loop);
	assert_int_equal(f->vm->spec.ndisks, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attach_detach_chain_scsi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_step_undoes_chain, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
