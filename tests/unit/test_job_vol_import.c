/*
 * Tests for the vol.import, iso.import and vol.export jobs
 * (core/job_vol_import.c) on a real runner, store and loop, with the real
 * sh, qemu-img and qemu-nbd (skipped when QEMU's tools are missing), all
 * as the test's own user (croftd's drop_privs is off): an image made here
 * is imported by one confined qemu-img and equals its source; the
 * format's refusal, a FIFO's and a missing user's fail the job with
 * nothing left; a copy throttled by the rate setting is cancelled with
 * nothing left and its converter gone; a pool file that gained a second
 * name while it was copied is refused; an export is written through the
 * NBD pair, refused over an existing file, and removed when cancelled.
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
#include "core/job_vol_import.h"
#include "common/loop.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
	char *dir, *pool, *src;
	char *paths[16];         /* made by path(), freed at teardown */
	int npaths;
	struct croftd d;
	char ended[1024];
	int64_t progress_done;
	int created;
};

static void sink(const struct bus_event *ev, void *data)
{
	struct fx *f = data;

	if (!strcmp(ev->kind, "job.progress"))
		f->progress_done = json_integer_value(json_object_get(ev->data, "done"));
	if (!strcmp(ev->kind, "vol.created"))
		f->created++;
}

static void ended(struct job *j, void *data)
{
	struct fx *f = data;
	const struct store_job *row = job_row(j);

	snprintf(f->ended, sizeof(f->ended), "%s%s%s", row->state, row->error ? ":" : "",
		 row->error ? row->error : "");
}

static int have_tools(void)
{
	return access("/usr/bin/qemu-img", X_OK) == 0 && access("/usr/bin/qemu-nbd", X_OK) == 0;
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	f->dir = tl_tmpdir("jobvolimport");
	if (!f->dir)
		return -1;
	f->pool = tl_path(f->dir, "pool");
	f->src = tl_path(f->dir, "src");
	if (mkdir(f->pool, 0700) < 0 || mkdir(f->src, 0700) < 0)
		return -1;
	f->d.loop = loop_new();
	f->d.store = tl_store_open_or_fail(f->dir);
	f->d.bus = bus_new(NULL);
	bus_sink_add(f->d.bus, sink, f);
	f->d.run_dir = f->dir;
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
	int i;

	for (i = 0; i < f->npaths; i++)
		free(f->paths[i]);
	/* reap the children the jobs left behind (killed NBD servers, rm) */
	for (i = 0; i < 50; i++)
		loop_run_once(f->d.loop, 10);
	job_runner_free(f->d.jobs);
	bus_free(f->d.bus);
	store_close(f->d.store);
	loop_free(f->d.loop);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f->pool);
	free(f->src);
	free(f);
	return 0;
}

/* dir/name, kept until teardown. */
static char *path(struct fx *f, const char *dir, const char *name)
{
	assert_true(f->npaths < 16);
	return f->paths[f->npaths++] = tl_path(dir, name);
}

static void sh_or_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sh_or_fail(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("'%s' failed", cmd);
}

/* Queue kind with args (stolen) plus the test user's ids; the job's id. */
static int64_t submit(struct fx *f, const char *kind, const char *target, json_t *args)
{
	char err[512];
	struct job *j;

	assert_int_equal(job_vol_user_args(getuid(), args, err, sizeof(err)), 0);
	f->ended[0] = '\0';
	if (job_submit(f->d.jobs, kind, target, args, ended, f, &j, err, sizeof(err)) < 0)
		fail_msg("job_submit: %s", err);
	return job_id(j);
}

static int64_t import(struct fx *f, const char *name, const char *src, const char *format)
{
	return submit(f, "vol.import", name, json_pack("{s:s,s:s,s:s,s:s,s:s}", "pool", "p",
				"name", name, "dir", f->pool, "from", src, "format", format));
}

static void wait_end(struct fx *f)
{
	TL_PUMP_UNTIL(f->d.loop, f->ended[0], 30000);
}

/* Nothing in the pool but the names listed (space-separated). */
static void pool_holds(struct fx *f, const char *want)
{
	char have[1024] = "";
	struct dirent *de;
	DIR *dh = opendir(f->pool);

	assert_non_null(dh);
	while ((de = readdir(dh)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s",
				 have[0] ? " " : "", de->d_name);
	closedir(dh);
	assert_string_equal(have, want);
}

static void test_import_equal(void **state)
{
	struct fx *f = *state;

	if (!have_tools())
		skip();
	sh_or_fail("cd %s && head -c 1048576 /dev/urandom > base.raw && truncate -s 8M base.raw && "
		   "qemu-img convert -f raw -O vdi base.raw img.vdi", f->src);
	import(f, "disk", path(f, f->src, "img.vdi"), "qcow2");
	wait_end(f);
	assert_string_equal(f->ended, "done");
	sh_or_fail("qemu-img compare -q -f raw -F qcow2 %s/base.raw %s/disk", f->src, f->pool);
	pool_holds(f, "disk");
	assert_int_equal(f->created, 1);
	assert_int_equal(f->progress_done, 8 << 20);
	/* the name is taken now: the rename refuses to replace it */
	import(f, "disk", path(f, f->src, "img.vdi"), "raw");
	wait_end(f);
	assert_string_equal(f->ended, "failed:volume p/disk was created meanwhile; nothing imported");
	pool_holds(f, "disk");
}

static void test_import_refused(void **state)
{
	struct fx *f = *state;
	char *p, want[1024];

	if (!have_tools())
		skip();
	p = path(f, f->src, "q.qed");
	sh_or_fail("printf 'QED\\000' > %s && truncate -s 1M %s", p, p);
	import(f, "q", p, "qcow2");
	wait_end(f);
	snprintf(want, sizeof(want), "failed:cannot import %s: unsupported source image format: QED", p);
	assert_string_equal(f->ended, want);

	p = path(f, f->src, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	import(f, "q", p, "qcow2");
	wait_end(f);
	snprintf(want, sizeof(want), "failed:cannot read %s: not a regular file (a device, a FIFO "
		 "or a directory cannot be imported)", p);
	assert_string_equal(f->ended, want);

	import(f, "q", "/nonexistent/x.img", "qcow2");
	wait_end(f);
	assert_string_equal(f->ended, "failed:cannot read /nonexistent/x.img: no such file or "
			    "directory (or one you may not reach)");

	f->ended[0] = '\0';
	assert_int_equal(job_submit(f->d.jobs, "vol.import", "q", json_pack("{s:s,s:s,s:s,s:s,s:s}",
				    "pool", "p", "name", "q", "dir", f->pool, "from", "/x",
				    "format", "qcow2"), ended, f, NULL, want, sizeof(want)), 0);
	wait_end(f);
	assert_string_equal(f->ended, "failed:the job names no user to act for");
	pool_holds(f, "");
}

static void test_cancel(void **state)
{
	struct fx *f = *state;
	struct job *j;
	int64_t id;

	if (!have_tools())
		skip();
	sh_or_fail("head -c 8388608 /dev/urandom > %s/big.raw", f->src);
	assert_int_equal(store_setting_set(f->d.store, VOL_IO_RATE_SETTING, "1048576"), 0);
	id = import(f, "big", path(f, f->src, "big.raw"), "raw");
	TL_PUMP_UNTIL(f->d.loop, f->progress_done > 0, 20000);
	pool_holds(f, ".import-1");
	j = job_find(f->d.jobs, id);
	assert_non_null(j);
	job_cancel(j, NULL, NULL);
	wait_end(f);
	assert_string_equal(f->ended, "cancelled:cancelled");
	pool_holds(f, "");
	/* the converter went with the job (the loop reaps it) */
	TL_PUMP_UNTIL(f->d.loop, system("pgrep -f '[q]emu-img convert .*jobvolimport.* "
					"/proc/self/fd/3' >/dev/null") != 0, 5000);
}

/* A hard link to the pool file (one an exploited converter could make
 * through /proc/self/fd/3) fails the import: the file is not named. */
static void test_second_name(void **state)
{
	struct fx *f = *state;
	char *tmp, *other;

	if (!have_tools())
		skip();
	sh_or_fail("head -c 2097152 /dev/urandom > %s/two.raw", f->src);
	assert_int_equal(store_setting_set(f->d.store, VOL_IO_RATE_SETTING, "1048576"), 0);
	import(f, "two", path(f, f->src, "two.raw"), "raw");
	tmp = path(f, f->pool, ".import-1");
	other = path(f, f->src, "kept");
	TL_PUMP_UNTIL(f->d.loop, access(tmp, F_OK) == 0 && f->progress_done > 0, 20000);
	assert_int_equal(link(tmp, other), 0);
	wait_end(f);
	assert_string_equal(f->ended, "failed:the imported image has 2 names while it was copied; "
			    "nothing imported");
	pool_holds(f, "");
}

static void test_export(void **state)
{
	struct fx *f = *state;
	char *out, want[1024];

	if (!have_tools())
		skip();
	sh_or_fail("head -c 1048576 /dev/urandom > %s/vol && truncate -s 4M %s/vol", f->pool,
		   f->pool);
	out = path(f, f->src, "out.vmdk");
	submit(f, "vol.export", "p/vol", json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i}", "pool", "p",
		"name", "vol", "path", path(f, f->pool, "vol"), "vformat", "raw", "to", out,
		"format", "vmdk", "virtual_bytes", 4 << 20));
	wait_end(f);
	assert_string_equal(f->ended, "done");
	sh_or_fail("qemu-img compare -q -f raw -F vmdk %s/vol %s", f->pool, out);
	submit(f, "vol.export", "p/vol", json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i}", "pool", "p",
		"name", "vol", "path", path(f, f->pool, "vol"), "vformat", "raw", "to", out,
		"format", "qcow2", "virtual_bytes", 4 << 20));
	wait_end(f);
	snprintf(want, sizeof(want), "failed:cannot write %s: it exists already; croft does not "
		 "overwrite files", out);
	assert_string_equal(f->ended, want);

	/* cancelled mid-way: the partial file goes (removed as the user) */
	sh_or_fail("head -c 8388608 /dev/urandom > %s/big", f->pool);
	assert_int_equal(store_setting_set(f->d.store, VOL_IO_RATE_SETTING, "1048576"), 0);
	out = path(f, f->src, "big.qcow2");
	f->progress_done = 0;
	submit(f, "vol.export", "p/big", json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i}", "pool", "p",
		"name", "big", "path", path(f, f->pool, "big"), "vformat", "raw", "to", out,
		"format", "qcow2", "virtual_bytes", 8 << 20));
	TL_PUMP_UNTIL(f->d.loop, f->progress_done > 0, 20000);
	assert_int_equal(access(out, F_OK), 0);
	job_cancel(job_runner_first(f->d.jobs), NULL, NULL);
	wait_end(f);
	assert_string_equal(f->ended, "cancelled:cancelled");
	TL_PUMP_UNTIL(f->d.loop, access(out, F_OK) < 0, 5000);
}

static void test_user_args(void **state)
{
	json_t *a = json_object();
	char err[256];

	(void)state;
	assert_int_equal(job_vol_user_args(getuid(), a, err, sizeof(err)), 0);
	assert_int_equal(json_integer_value(json_object_get(a, "uid")), getuid());
	assert_true(json_array_size(json_object_get(a, "groups")) >= 1);
	assert_non_null(json_string_value(json_object_get(a, "user")));
	assert_int_equal(job_vol_user_args(2147480000u, a, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "uid 2147480000 has no entry in the user database; croft reads "
			    "and writes files only as a known user");
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_equal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test(test_user_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
