/*
 * vm_pool_full tests: QEMU's BLOCK_IO_ERROR (parsed from QMP text) on a
 * fake croftd's running VM.  nospace with action stop pauses it with the
 * reason pool-full, the pool and the volume (POOL/NAME) in memory, the
 * store and a pool.full event, once; a hot-plugged disk's node is found
 * through the names kept in the store; another error pauses with
 * io-error; a reported one pauses nothing.  Leaving the pause forgets it;
 * a loaded VM gets it back from the store.  vm.resume's check refuses
 * while the pool is short of space, and the pool watch's tick sends
 * "cont" to a fake QEMU only for a pool with auto-resume on; its reply
 * makes the VM running with the reason auto-resume.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/pools.h"
#include "core/qmp.h"
#include "core/vm.h"
#include "core/vm_pool_full.h"
#include "common/loop.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB (1024ULL * 1024)

struct fx {
	char *dir;
	struct croftd *d;
	struct vm *vm;
	char *pool_dir;          /* pool "tank" */
	int full_events;
	char last_volume[256];
};

static void sink(const struct bus_event *ev, void *data)
{
	struct fx *f = data;

	if (strcmp(ev->kind, "pool.full"))
		return;
	f->full_events++;
	snprintf(f->last_volume, sizeof(f->last_volume), "%s",
		 json_string_value(json_object_get(ev->data, "volume")));
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *disk;
	const char *disks[2];

	f->dir = tl_tmpdir("poolfull");
	f->d = tl_croftd_new_or_fail(f->dir);
	f->pool_dir = tl_path(f->dir, "tank");
	assert_int_equal(mkdir(f->pool_dir, 0700), 0);
	pools_add(f->d->pools, "tank", f->pool_dir, POOLS_DISK);
	disk = tl_path(f->pool_dir, "data.qcow2");
	disks[0] = disk;
	disks[1] = NULL;
	f->vm = tl_croftd_vm_add(f->d, "web", disks);
	free(disk);
	f->vm->spec.id = tl_store_vm_or_fail(f->d->store, "web");
	f->vm->pid = getpid();   /* a live QEMU as far as the names go */
	f->vm->state = VM_RUNNING;
	bus_sink_add(f->d->bus, sink, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	f->vm->pid = 0;
	tl_croftd_free(f->d);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f->pool_dir);
	free(f);
	return 0;
}

/* QEMU's event, as a line on its monitor. */
static void io_error(struct vm *vm, const char *node, const char *action, int nospace)
{
	struct qmp_msg m;
	char line[512], err[128];

	snprintf(line, sizeof(line), "{\"event\": \"BLOCK_IO_ERROR\", \"data\": {\"device\": \"\", "
		 "\"nospace\": %s, \"node-name\": \"%s\", \"reason\": \"No space left on device\", "
		 "\"operation\": \"write\", \"action\": \"%s\"}, \"timestamp\": {\"seconds\": 1, "
		 "\"microseconds\": 2}}", nospace ? "true" : "false", node, action);
	assert_int_equal(qmp_parse(line, strlen(line), &m, err, sizeof(err)), 0);
	vm_pool_full_io_error(vm, &m);
	json_decref(m.root);
}

static void test_nospace_pauses_with_pool_full(void **state)
{
	struct fx *f = *state;
	char *pool, *vol;
	int64_t since;

	io_error(f->vm, "disk0", "stop", 1);
	assert_int_equal(f->vm->state, VM_PAUSED);
	assert_string_equal(f->vm->reason, "pool-full");
	assert_string_equal(f->vm->pause_pool, "tank");
	assert_string_equal(f->vm->pause_volume, "tank/data.qcow2");
	assert_int_equal(f->full_events, 1);
	assert_string_equal(f->last_volume, "tank/data.qcow2");
	assert_int_equal(store_vm_pause_get(f->d->store, f->vm->spec.id, &pool, &vol, &since), 0);
	assert_string_equal(pool, "tank");
	assert_string_equal(vol, "tank/data.qcow2");
	free(pool);
	free(vol);

	/* QEMU says so for each request: one pause, one event */
	io_error(f->vm, "disk0", "stop", 1);
	assert_int_equal(f->full_events, 1);

	/* running again: forgotten, in the store too */
	vm_set_state(f->vm, VM_RUNNING, "user");
	assert_null(f->vm->pause_pool);
	assert_null(f->vm->pause_volume);
	assert_int_equal(store_vm_pause_get(f->d->store, f->vm->spec.id, &pool, &vol, &since),
			 -ENOENT);
}

static void test_other_errors(void **state)
{
	struct fx *f = *state;

	/* rerror=report: the guest's to handle */
	io_error(f->vm, "disk0", "report", 0);
	assert_int_equal(f->vm->state, VM_RUNNING);
	/* an error that is not a full pool */
	io_error(f->vm, "disk0", "stop", 0);
	assert_int_equal(f->vm->state, VM_PAUSED);
	assert_string_equal(f->vm->reason, "io-error");
	assert_null(f->vm->pause_pool);
	assert_int_equal(f->full_events, 0);
}

static void test_unknown_node(void **state)
{
	struct fx *f = *state;

	io_error(f->vm, "disk7", "stop", 1);
	assert_string_equal(f->vm->reason, "pool-full");
	assert_null(f->vm->pause_pool);
	assert_string_equal(f->vm->pause_volume, "disk7");
}

/* A hot-plugged disk's node (hp1) is known through the store's names for
 * this QEMU, as a restarted croftd finds them. */
static void test_hotplugged_node(void **state)
{
	struct fx *f = *state;
	struct store_disk *d;
	char err[128];

	f->vm->spec.disks = xrealloc(f->vm->spec.disks, 2 * sizeof(*d));
	d = &f->vm->spec.disks[1];
	memset(d, 0, sizeof(*d));
	d->idx = 1;
	d->path = tl_path(f->pool_dir, "hot.raw");
	d->format = xstrdup("raw");
	f->vm->spec.ndisks = 2;
	f->vm->pid = 999999;     /* a run nobody has seen yet: vm_disk.c asks the store */
	assert_int_equal(store_disk_node_set(f->d->store, f->vm->spec.id, 0, f->vm->pid, "disk0",
					     "virtio-disk0", err, sizeof(err)), 0);
	assert_int_equal(store_disk_node_set(f->d->store, f->vm->spec.id, 1, f->vm->pid, "hp1",
					     "hp1", err, sizeof(err)), 0);
	io_error(f->vm, "hp1", "stop", 1);
	assert_string_equal(f->vm->pause_volume, "tank/hot.raw");
	assert_string_equal(f->vm->pause_pool, "tank");
}

static void test_load_from_store(void **state)
{
	struct fx *f = *state;
	char err[128];

	assert_int_equal(store_vm_pause_set(f->d->store, f->vm->spec.id, "tank", "tank/x", 5, err,
					    sizeof(err)), 0);
	snprintf(f->vm->reason, sizeof(f->vm->reason), "user");
	vm_pool_full_load(f->vm);
	assert_null(f->vm->pause_pool);          /* only for the reason pool-full */
	snprintf(f->vm->reason, sizeof(f->vm->reason), "pool-full");
	f->vm->state = VM_PAUSED;
	vm_pool_full_load(f->vm);
	assert_string_equal(f->vm->pause_pool, "tank");
	assert_string_equal(f->vm->pause_volume, "tank/x");
}

static void test_resume_min(void **state)
{
	(void)state;
	assert_int_equal(vm_pool_full_resume_min(64 * MIB), 16 * MIB);
	assert_int_equal(vm_pool_full_resume_min(10240 * MIB), 10240 * MIB / 50);
	assert_int_equal(vm_pool_full_resume_min(1ULL << 40), 1024 * MIB);
}

/* The fixture's pool is on the test's file system, which has room: the
 * check passes; a pool that is gone says nothing against it either. */
static void test_resume_check(void **state)
{
	struct fx *f = *state;
	char err[512] = "";

	io_error(f->vm, "disk0", "stop", 1);
	assert_int_equal(vm_pool_full_resume_check(f->vm, err, sizeof(err)), 0);
	f->vm->state = VM_RUNNING;
	assert_int_equal(vm_pool_full_resume_check(f->vm, err, sizeof(err)), 0);
}

/* The VM's QMP is a fake QEMU on a loop of its own. */
static void qmp_on(struct fx *f, struct tl_qmp_fake *q)
{
	static const struct qmp_callbacks none = { 0 };

	f->d->loop = loop_new();
	f->vm->qmp = tl_qmp_fake_open(q, f->d->loop, &none, NULL);
	tl_qmp_handshake(q, f->d->loop, f->vm->qmp);
}

static void qmp_off(struct fx *f, struct tl_qmp_fake *q)
{
	qmp_free(f->vm->qmp);
	f->vm->qmp = NULL;
	tl_qmp_fake_close(q);
	loop_free(f->d->loop);
	f->d->loop = NULL;
}

static void test_auto_resume(void **state)
{
	struct fx *f = *state;
	struct tl_qmp_fake q;
	char err[128];
	long long id;

	qmp_on(f, &q);
	io_error(f->vm, "disk0", "stop", 1);

	/* auto-resume off (the default): nothing */
	vm_pool_full_tick(f->d);
	tl_qmp_expect_silence(&q, f->d->loop);

	assert_int_equal(store_pool_auto_resume_set(f->d->store, "tank", 1, err, sizeof(err)), 0);
	vm_pool_full_tick(f->d);
	id = tl_qmp_expect(&q, f->d->loop, "cont", NULL);
	vm_pool_full_tick(f->d);                 /* one "cont" in flight */
	tl_qmp_expect_silence(&q, f->d->loop);
	tl_qmp_reply(&q, id, "{}");
	TL_PUMP_UNTIL(f->d->loop, f->vm->state == VM_RUNNING, 2000);
	assert_string_equal(f->vm->reason, "auto-resume");
	assert_null(f->vm->pause_pool);
	qmp_off(f, &q);
}

/* A restarted croftd finds the guest stopped by an I/O error: query-block
 * names the disk out of space. */
static void test_probe(void **state)
{
	struct fx *f = *state;
	struct tl_qmp_fake q;
	long long id;

	qmp_on(f, &q);
	vm_set_state(f->vm, VM_PAUSED, "croftd-restart");
	vm_pool_full_probe(f->vm);
	id = tl_qmp_expect(&q, f->d->loop, "query-block", NULL);
	tl_qmp_reply(&q, id, "[{\"device\": \"\", \"qdev\": \"/machine/peripheral/virtio-disk0/"
		     "virtio-backend\", \"io-status\": \"nospace\", \"inserted\": {\"node-name\": "
		     "\"disk0\"}}]");
	TL_PUMP_UNTIL(f->d->loop, !strcmp(f->vm->reason, "pool-full"), 2000);
	assert_string_equal(f->vm->pause_pool, "tank");
	assert_int_equal(f->full_events, 1);
	qmp_off(f, &q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nospace_pauses_with_pool_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotplugged_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_from_store, setup, teardown),
		cmocka_unit_test(test_resume_min),
		cmocka_unit_test_setup_teardown(test_resume_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
