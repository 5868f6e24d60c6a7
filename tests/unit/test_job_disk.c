/*
 * Tests for the disk.create job (core/job_disk.c) on a real runner, store
 * and loop.  Bad requests are refused whole.  The real qemu-img makes
 * qcow2 and raw images (skipped when it is not installed); a stand-in
 * qemu-img found first in PATH fails on demand or stalls after writing a
 * MiB, so failure, progress polling, cancel and the stall timeout are
 * deterministic.  As
 * root, images end up owned by the QEMU user, who ran qemu-img.
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
#include "core/job_disk.h"
#include "core/pool.h"
#include "common/loop.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* qemu-img, unless the image's name asks otherwise. */
static const char shim[] =
	"#!/bin/sh\n"
	"for a; do img=$prev; prev=$a; done\n"
	"case \"$img\" in\n"
	"*fail*) echo \"qemu-img: $img: Could not resize file: No space left on device\" >&2;"
	" exit 1 ;;\n"
	"*slow*) head -c 1048576 /dev/zero > \"$img\"; exec sleep 30 ;;\n"
	"esac\n"
	"exec /usr/bin/qemu-img \"$@\"\n";

struct fx {
	char *dir;
	char *old_path;
	struct croftd d;
	char ended[1024];
	int64_t progress_done, progress_total;
};

static void sink(const struct bus_event *ev, void *data)
{
	struct fx *f = data;

	if (!strcmp(ev->kind, "job.progress")) {
		f->progress_done = json_integer_value(json_object_get(ev->data, "done"));
		f->progress_total = json_integer_value(json_object_get(ev->data, "total"));
	}
}

static void ended(struct job *j, void *data)
{
	struct fx *f = data;
	const struct store_job *row = job_row(j);

	snprintf(f->ended, sizeof(f->ended), "%s%s%s", row->state, row->error ? ":" : "",
		 row->error ? row->error : "");
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *bin, *qemu_img, *path;

	f->dir = tl_tmpdir("jobdisk");
	if (!f->dir)
		return -1;
	bin = tl_path(f->dir, "bin");
	qemu_img = tl_path(bin, "qemu-img");
	if (mkdir(bin, 0755) < 0 || tl_write_file(qemu_img, shim) < 0 || chmod(qemu_img, 0755) < 0)
		return -1;
	f->old_path = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	path = xasprintf("%s:%s", bin, f->old_path);
	setenv("PATH", path, 1);
	free(path);
	free(qemu_img);
	free(bin);

	f->d.loop = loop_new();
	f->d.store = tl_store_open_or_fail(f->dir);
	f->d.bus = bus_new(NULL);
	bus_sink_add(f->d.bus, sink, f);
	f->d.qemu_user = "tester";
	f->d.qemu_uid = getuid();
	f->d.qemu_gid = getgid();
	f->d.jobs = job_runner_new(&f->d, job_kinds, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	job_runner_free(f->d.jobs);
	bus_free(f->d.bus);
	store_close(f->d.store);
	loop_free(f->d.loop);
	setenv("PATH", f->old_path, 1);
	free(f->old_path);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static int have_qemu_img(void)
{
	return access("/usr/bin/qemu-img", X_OK) == 0;
}

static int64_t create(struct fx *f, const struct job_disk *disks, size_t n)
{
	char err[512];
	int64_t id = 0;

	f->ended[0] = '\0';
	if (job_disk_create(&f->d, "web", disks, n, ended, f, &id, err, sizeof(err)) < 0)
		fail_msg("job_disk_create: %s", err);
	assert_true(id > 0);
	return id;
}

static void wait_ended(struct fx *f)
{
	TL_PUMP_UNTIL(f->d.loop, f->ended[0], 30000);
}

static void expect_refused(struct fx *f, const struct job_disk *disks, size_t n, int rc,
			   const char *msg)
{
	char err[512] = "";
	struct store_job *rows;
	size_t count;

	assert_int_equal(job_disk_create(&f->d, "web", disks, n, ended, f, NULL, err, sizeof(err)),
			 rc);
	if (!strstr(err, msg))
		fail_msg("error '%s' does not mention '%s'", err, msg);
	assert_int_equal(store_job_list(f->d.store, 0, 0, &rows, &count), 0);
	assert_int_equal(count, 0);
	free(rows);
}

static void test_refused(void **state)
{
	struct fx *f = *state;
	char *taken = tl_path(f->dir, "taken.qcow2"), *a = tl_path(f->dir, "a.qcow2");
	char *nodir = tl_path(f->dir, "no/such/x.qcow2");
	struct job_disk disks[JOB_DISK_MAX + 1] = {
		{ a, "qcow2", 1 << 20 },
	};
	size_t i;

	tl_write_file_or_fail(taken, "keep");
	expect_refused(f, disks, 0, -EINVAL, "1 to 16 disks, not 0");
	for (i = 0; i < JOB_DISK_MAX + 1; i++)
		disks[i] = disks[0];
	expect_refused(f, disks, JOB_DISK_MAX + 1, -EINVAL, "not 17");
	expect_refused(f, disks, 2, -EINVAL, "is given twice");
	disks[0].format = "vdi";
	expect_refused(f, disks, 1, -EINVAL, "format 'vdi' (expected qcow2 or raw)");
	disks[0].format = "raw";
	disks[0].size_bytes = 0;
	expect_refused(f, disks, 1, -EINVAL, "size must not be zero");
	disks[0].size_bytes = 1 << 20;
	disks[0].path = "relative.raw";
	expect_refused(f, disks, 1, -EINVAL, "'relative.raw' is not an absolute path");
	disks[0].path = taken;
	expect_refused(f, disks, 1, -EEXIST, "already exists");
	disks[0].path = nodir;
	expect_refused(f, disks, 1, -ENOENT, "does not exist");
	assert_int_equal(access(a, F_OK), -1);
	free(nodir);
	free(a);
	free(taken);
}

static void test_create(void **state)
{
	struct fx *f = *state;
	char *thin = tl_path(f->dir, "web-disk0.qcow2"), *fat = tl_path(f->dir, "web-disk1.raw");
	struct job_disk disks[] = {
		{ thin, "qcow2", 1ull << 30 },
		{ fat, "raw", 8 << 20 },
	};
	struct pool_image_info info;
	struct store_job row;
	char err[256];
	struct stat st;
	int64_t id;

	if (!have_qemu_img())
		skip();
	id = create(f, disks, 2);
	wait_ended(f);
	assert_string_equal(f->ended, "done");
	assert_int_equal(f->progress_done, (1ll << 30) + (8 << 20));
	assert_int_equal(f->progress_total, (1ll << 30) + (8 << 20));
	assert_int_equal(tl_image_info(thin, &info, err, sizeof(err)), 0);
	assert_string_equal(info.format, "qcow2");
	assert_int_equal(info.virtual_size, 1ull << 30);
	assert_int_equal(tl_image_info(fat, &info, err, sizeof(err)), 0);
	assert_string_equal(info.format, "raw");
	assert_int_equal(stat(fat, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true((uint64_t)st.st_blocks * 512 >= 8 << 20);     /* zeros written */
	assert_int_equal(store_job_get(f->d.store, id, &row), 0);
	assert_string_equal(row.kind, "disk.create");
	assert_string_equal(row.target, "web");
	assert_non_null(strstr(row.result, "\"format\":\"raw\""));
	assert_non_null(strstr(row.result, fat));
	assert_null(row.cleanup);
	store_job_clear(&row);
	free(fat);
	free(thin);
}

/* The second image fails: the first one goes too. */
static void test_failure_removes_all(void **state)
{
	struct fx *f = *state;
	char *a = tl_path(f->dir, "a.qcow2"), *b = tl_path(f->dir, "fail.raw"), want[512];
	struct job_disk disks[] = { { a, "qcow2", 1 << 20 }, { b, "raw", 1 << 20 } };

	if (!have_qemu_img())
		skip();
	create(f, disks, 2);
	wait_ended(f);
	snprintf(want, sizeof(want), "failed:cannot create disk image %s: qemu-img: %s: "
		 "Could not resize file: No space left on device", b, b);
	assert_string_equal(f->ended, want);
	assert_int_equal(access(a, F_OK), -1);
	assert_int_equal(access(b, F_OK), -1);
	free(b);
	free(a);
}

/* A raw image's progress is its allocated bytes; cancelling removes it. */
static void test_progress_and_cancel(void **state)
{
	struct fx *f = *state;
	char *a = tl_path(f->dir, "a.qcow2"), *b = tl_path(f->dir, "slow.raw");
	struct job_disk disks[] = { { a, "qcow2", 1 << 20 }, { b, "raw", 4 << 20 } };
	struct job *j;
	int64_t id;

	if (!have_qemu_img())
		skip();
	id = create(f, disks, 2);
	TL_PUMP_UNTIL(f->d.loop, f->progress_done == (1 << 20) + (1 << 20), 10000);
	assert_int_equal(f->progress_total, 5 << 20);
	j = job_find(f->d.jobs, id);
	assert_non_null(j);
	assert_int_equal(job_state(j), JOB_RUNNING);
	assert_int_equal(access(a, F_OK), 0);
	job_cancel(j, NULL, NULL);
	wait_ended(f);
	assert_string_equal(f->ended, "cancelled:cancelled");
	assert_int_equal(access(a, F_OK), -1);
	assert_int_equal(access(b, F_OK), -1);
	free(b);
	free(a);
}

/* A qemu-img whose image stops growing is killed; the job fails saying so. */
static void test_stall(void **state)
{
	struct fx *f = *state;
	char *b = tl_path(f->dir, "slow.raw"), want[512];
	struct job_disk disks[] = { { b, "raw", 4 << 20 } };

	assert_int_equal(store_setting_set(f->d.store, JOB_DISK_STALL_SETTING, "1000"), 0);
	create(f, disks, 1);
	wait_ended(f);
	snprintf(want, sizeof(want), "failed:cannot create disk image %s: qemu-img create made no "
		 "progress for 1 s and was stopped", b);
	assert_string_equal(f->ended, want);
	assert_int_equal(access(b, F_OK), -1);
	free(b);
}

/* A disk.create row left running by a croftd that died: its image goes. */
static void test_restart(void **state)
{
	struct fx *f = *state;
	char *img = tl_path(f->dir, "half.raw"), *cleanup = xasprintf("[\"%s\"]", img), err[256];
	struct store_job row = { .kind = "disk.create", .state = "running", .uid = -1,
				 .args = "{\"disks\":[]}", .cleanup = cleanup, .created_ms = 1 }, out;

	tl_write_file_or_fail(img, "half");
	assert_int_equal(store_job_insert(f->d.store, &row, 0), 0);
	assert_int_equal(job_runner_recover(f->d.jobs, err, sizeof(err)), 0);
	assert_int_equal(access(img, F_OK), -1);
	assert_int_equal(store_job_get(f->d.store, row.id, &out), 0);
	assert_string_equal(out.state, "failed");
	assert_string_equal(out.error, "croftd restarted while the job was running");
	store_job_clear(&out);
	free(cleanup);
	free(img);
}

/* As root: the QEMU user runs qemu-img and owns the images. */
static void test_qemu_user(void **state)
{
	struct fx *f = *state;
	char *img = tl_path(f->dir, "web-disk0.qcow2");
	struct job_disk disks[] = { { img, "qcow2", 1 << 20 } };
	struct stat st;

	if (geteuid() != 0 || !have_qemu_img())
		skip();
	f->d.drop_privs = 1;
	f->d.qemu_user = "nobody";
	f->d.qemu_uid = 65534;
	f->d.qemu_gid = 65534;
	f->d.qemu_groups[0] = 65534;
	f->d.qemu_ngroups = 1;
	create(f, disks, 1);
	wait_ended(f);
	assert_string_equal(f->ended, "done");
	assert_int_equal(stat(img, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_gid, 65534);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_removes_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_progress_and_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_user, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
