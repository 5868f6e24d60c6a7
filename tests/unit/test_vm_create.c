/*
 * Tests for core/vm_create.c on a real loop, store, job runner and
 * qemu-img (each test is skipped when qemu-img is not installed): a VM
 * with nothing to make is defined at once; new disk images are made by a
 * vm.create job that then defines the VM, and its name is taken while the
 * job runs; an image to attach is read by qemu-img on the loop before the
 * rules judge it; a definition that fails at the end removes the images
 * the job made; and after a restart a vm.create job is done when its VM
 * reached the store, else failed with its images removed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/pool.h"
#include "core/pools.h"
#include "core/vm.h"
#include "core/vm_create.h"
#include "common/loop.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
	char *dir;
	struct croftd *d;
	char *iso;
	/* the outcome */
	int calls;
	struct vm *vm;
	int64_t job;
	char code[32], err[1024];
};

static void outcome(struct croftd *d, struct vm *vm, struct job *j, const char *code,
		    const char *err, void *data)
{
	struct fx *f = data;

	(void)d;
	f->calls++;
	f->vm = vm;
	f->job = j ? job_id(j) : 0;
	snprintf(f->code, sizeof(f->code), "%s", code ? code : "");
	snprintf(f->err, sizeof(f->err), "%s", err ? err : "");
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	if (access("/usr/bin/qemu-img", X_OK) < 0) {
		free(f);
		return -1;
	}
	f->dir = tl_tmpdir("vmcreate");
	f->d = tl_croftd_new_or_fail(f->dir);
	f->d->loop = loop_new();
	f->d->jobs = job_runner_new(f->d, job_kinds, NULL);
	{
		char err[256];

		assert_int_equal(pools_allow(f->d->pools, f->dir, err, sizeof(err)), 0);
	}
	f->iso = tl_path(f->dir, "boot.iso");
	tl_write_file_or_fail(f->iso, "not really an ISO");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	job_runner_free(f->d->jobs);
	f->d->jobs = NULL;
	vm_free_all(f->d);
	loop_free(f->d->loop);
	tl_croftd_free(f->d);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f->iso);
	free(f);
	return 0;
}

static void create(struct fx *f, const char *name, const struct vm_spec_disk_req *disks,
		   size_t n)
{
	struct vm_spec_create req = { .name = name, .vcpus = 1, .memory_mib = 64,
				      .cdrom = f->iso, .disks = disks, .ndisks = n };

	f->calls = 0;
	f->vm = NULL;
	f->job = 0;
	f->code[0] = f->err[0] = '\0';
	vm_create(f->d, &req, outcome, f);
}

static char *pool_file(struct fx *f, const char *name)
{
	return tl_path(f->d->pool_dir, name);
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void test_defined_at_once(void **state)
{
	struct fx *f = *state;
	struct store_vm row;

	create(f, "plain", NULL, 0);
	assert_int_equal(f->calls, 1);
	assert_string_equal(f->code, "");
	assert_non_null(f->vm);
	assert_int_equal(f->job, 0);
	assert_int_equal(store_vm_get(f->d->store, "plain", &row), 0);
	assert_string_equal(row.uuid, f->vm->spec.uuid);
	store_vm_clear(&row);
	/* the rules still answer at once */
	create(f, "plain", NULL, 0);
	assert_int_equal(f->calls, 1);
	assert_string_equal(f->code, PROTO_E_ALREADY_EXISTS);
	assert_string_equal(f->err, "a VM named 'plain' already exists");
}

static void test_job_makes_disks_then_defines(void **state)
{
	struct fx *f = *state;
	const struct vm_spec_disk_req disks[] = {
		{ .size_bytes = 16 << 20 },
		{ .size_bytes = 4 << 20, .format = "raw" },
	};
	char *qcow = pool_file(f, "web-disk0.qcow2"), *raw = pool_file(f, "web-disk1.raw");
	struct pool_image_info info;
	char err[512];
	int64_t job;
	struct vm *vm;

	create(f, "web", disks, 2);
	assert_int_equal(f->calls, 1);
	assert_string_equal(f->code, "");
	assert_null(f->vm);
	assert_true(f->job > 0);
	job = f->job;
	assert_null(vm_find(f->d, "web"));
	/* the name is taken while the job is queued or running */
	assert_int_equal(vm_create_pending(f->d, "web"), job);
	create(f, "web", NULL, 0);
	assert_string_equal(f->code, PROTO_E_ALREADY_EXISTS);
	snprintf(err, sizeof(err), "a VM named 'web' is being created (job %lld)", (long long)job);
	assert_string_equal(f->err, err);

	TL_PUMP_UNTIL(f->d->loop, !vm_create_pending(f->d, "web"), 30000);
	vm = vm_find(f->d, "web");
	assert_non_null(vm);
	assert_int_equal(vm->spec.ndisks, 2);
	assert_string_equal(vm->spec.disks[0].path, qcow);
	assert_string_equal(vm->spec.disks[1].path, raw);
	assert_string_equal(vm->spec.disks[1].format, "raw");
	assert_true(vm->spec.disks[1].owned);
	assert_int_equal(tl_image_info(qcow, &info, err, sizeof(err)), 0);
	assert_int_equal(info.virtual_size, 16 << 20);
	assert_int_equal(tl_image_info(raw, &info, err, sizeof(err)), 0);
	assert_string_equal(info.format, "raw");
	assert_true(info.actual_size >= 4 << 20);      /* every byte written */
	{
		struct store_job row;

		assert_int_equal(store_job_get(f->d->store, job, &row), 0);
		assert_string_equal(row.state, "done");
		assert_string_equal(row.kind, "vm.create");
		assert_string_equal(row.target, "web");
		{
			json_t *res = json_loads(row.result, 0, NULL);

			assert_string_equal(json_string_value(json_object_get(res, "name")), "web");
			json_decref(res);
		}
		store_job_clear(&row);
	}
	free(qcow);
	free(raw);
}

static void test_attached_image_read_on_the_loop(void **state)
{
	struct fx *f = *state;
	char *img = tl_path(f->d->pool_dir, "ext.qcow2"), *junk = tl_path(f->dir, "junk.img"), err[512];
	struct vm_spec_disk_req dr = { .path = img };

	assert_int_equal(tl_image_create(img, "qcow2", 8 << 20, err, sizeof(err)), 0);
	create(f, "att", &dr, 1);
	assert_int_equal(f->calls, 0);             /* in a pool: qemu-img is still reading it */
	TL_PUMP_UNTIL(f->d->loop, f->calls == 1, 30000);
	assert_string_equal(f->code, "");
	assert_non_null(f->vm);
	assert_string_equal(f->vm->spec.disks[0].format, "qcow2");
	assert_int_equal(f->vm->spec.disks[0].size_bytes, 8 << 20);
	assert_false(f->vm->spec.disks[0].owned);

	/* a qcow2 header of a version nobody knows: refused from its header,
	 * nothing made */
	{
		static const unsigned char hdr[512] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 99 };
		FILE *fp = fopen(junk, "w");

		assert_non_null(fp);
		assert_int_equal(fwrite(hdr, 1, sizeof(hdr), fp), sizeof(hdr));
		fclose(fp);
	}
	dr.path = junk;
	create(f, "junk", &dr, 1);
	TL_PUMP_UNTIL(f->d->loop, f->calls == 1, 30000);
	assert_string_equal(f->code, PROTO_E_INVALID_ARGUMENT);
	snprintf(err, sizeof(err), "disk image %s is not a valid qcow2 image (version 99 is not supported)",
		 junk);
	assert_string_equal(f->err, err);
	assert_null(vm_find(f->d, "junk"));
	free(img);
	free(junk);
}

static void test_failed_definition_removes_images(void **state)
{
	struct fx *f = *state;
	const struct vm_spec_disk_req dr = { .size_bytes = 2 << 20, .format = "raw" };
	char *raw = pool_file(f, "late-disk0.raw"), err[512];
	struct store_vm other = {
		.name = "late", .uuid = "11111111-1111-4111-8111-111111111111", .vcpus = 1,
		.memory_mib = 64, .memory_min_mib = 64, .firmware = "bios", .boot = "cdrom",
		.cdrom = f->iso,
	};

	create(f, "late", &dr, 1);
	assert_true(f->job > 0);
	/* someone else's VM of that name reaches the store meanwhile */
	assert_int_equal(store_vm_insert(f->d->store, &other, err, sizeof(err)), 0);
	free(other.state);                 /* the insert gave it a state */
	TL_PUMP_UNTIL(f->d->loop, !vm_create_pending(f->d, "late"), 30000);
	{
		struct store_job row;

		assert_int_equal(store_job_get(f->d->store, f->job, &row), 0);
		assert_string_equal(row.state, "failed");
		assert_non_null(strstr(row.error, "already exists"));
		store_job_clear(&row);
	}
	assert_false(exists(raw));
	assert_null(vm_find(f->d, "late"));
	free(raw);
}

/* A store that refuses writes while the job runs: the job cannot record
 * the image it would make, so it makes none, fails, and defines nothing. */
static void test_failing_store(void **state)
{
	struct fx *f = *state;
	const struct vm_spec_disk_req dr = { .size_bytes = 2 << 20, .format = "raw" };
	char *raw = pool_file(f, "sick-disk0.raw");

	create(f, "sick", &dr, 1);
	assert_true(f->job > 0);
	tl_store_readonly(f->d->store, 1);
	TL_PUMP_UNTIL(f->d->loop, !vm_create_pending(f->d, "sick"), 30000);
	tl_store_readonly(f->d->store, 0);
	assert_false(exists(raw));
	assert_null(vm_find(f->d, "sick"));
	free(raw);
}

/* A vm.create row left running by a croftd that died, with its image. */
static int64_t left_running(struct fx *f, const char *name, const char *uuid, const char *img)
{
	char *args = xasprintf("{\"vm\":{\"name\":\"%s\",\"uuid\":\"%s\"},\"disks\":[]}", name, uuid);
	char *cleanup = xasprintf("[\"%s\"]", img);
	struct store_job row = {
		.kind = "vm.create", .target = (char *)name, .state = "running", .args = args,
		.cleanup = cleanup, .uid = -1, .created_ms = 1, .started_ms = 2,
	};

	tl_write_file_or_fail(img, "half");
	assert_int_equal(store_job_insert(f->d->store, &row, 0), 0);
	free(args);
	free(cleanup);
	return row.id;
}

static void test_recover_after_restart(void **state)
{
	struct fx *f = *state;
	char *kept = pool_file(f, "made-disk0.raw"), *gone = pool_file(f, "lost-disk0.raw");
	struct store_vm made = {
		.name = "made", .uuid = "22222222-2222-4222-8222-222222222222", .vcpus = 1,
		.memory_mib = 64, .memory_min_mib = 64, .firmware = "bios", .boot = "cdrom",
		.cdrom = f->iso,
	};
	struct store_job row;
	int64_t a, b;
	char err[512];

	assert_int_equal(store_vm_insert(f->d->store, &made, err, sizeof(err)), 0);
	free(made.state);
	a = left_running(f, "made", made.uuid, kept);
	b = left_running(f, "lost", "33333333-3333-4333-8333-333333333333", gone);
	assert_int_equal(job_runner_recover(f->d->jobs, err, sizeof(err)), 0);
	assert_int_equal(store_job_get(f->d->store, a, &row), 0);
	assert_string_equal(row.state, "done");
	store_job_clear(&row);
	assert_true(exists(kept));
	assert_int_equal(store_job_get(f->d->store, b, &row), 0);
	assert_string_equal(row.state, "failed");
	assert_non_null(strstr(row.error, "restarted"));
	store_job_clear(&row);
	assert_false(exists(gone));
	free(kept);
	free(gone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defined_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_makes_disks_then_defines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attached_image_read_on_the_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_definition_removes_images, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_after_restart, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
