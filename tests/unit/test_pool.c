/*
 * pool tests.  The parser is fed qemu-img 7.2's own JSON for qcow2, raw and
 * vmdk images, then broken and incomplete documents.  Create and info run
 * the real qemu-img in a temporary directory (skipped when qemu-img is not
 * installed), info also on a loop; scripted children (testlib's exec fake)
 * check how failures and exec errors reach the caller.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "common/loop.h"
#include "core/pool.h"

/* qemu-img 7.2 info --output=json, verbatim. */
static const char qcow2_json[] =
	"{\n"
	"    \"virtual-size\": 10737418240,\n"
	"    \"filename\": \"s.qcow2\",\n"
	"    \"cluster-size\": 65536,\n"
	"    \"format\": \"qcow2\",\n"
	"    \"actual-size\": 200704,\n"
	"    \"format-specific\": {\n"
	"        \"type\": \"qcow2\",\n"
	"        \"data\": {\n"
	"            \"compat\": \"1.1\",\n"
	"            \"compression-type\": \"zlib\",\n"
	"            \"lazy-refcounts\": false,\n"
	"            \"refcount-bits\": 16,\n"
	"            \"corrupt\": false,\n"
	"            \"extended-l2\": false\n"
	"        }\n"
	"    },\n"
	"    \"dirty-flag\": false\n"
	"}\n";

static const char raw_json[] =
	"{\n"
	"    \"virtual-size\": 16777216,\n"
	"    \"filename\": \"s.raw\",\n"
	"    \"format\": \"raw\",\n"
	"    \"actual-size\": 16777216,\n"
	"    \"dirty-flag\": false\n"
	"}\n";

static const char vmdk_json[] =
	"{\n"
	"    \"virtual-size\": 2147483648,\n"
	"    \"filename\": \"s.vmdk\",\n"
	"    \"cluster-size\": 65536,\n"
	"    \"format\": \"vmdk\",\n"
	"    \"actual-size\": 12288,\n"
	"    \"format-specific\": {\n"
	"        \"type\": \"vmdk\",\n"
	"        \"data\": {\n"
	"            \"cid\": 2617817287,\n"
	"            \"parent-cid\": 4294967295,\n"
	"            \"create-type\": \"monolithicSparse\",\n"
	"            \"extents\": [\n"
	"                {\n"
	"                    \"virtual-size\": 2147483648,\n"
	"                    \"filename\": \"s.vmdk\",\n"
	"                    \"cluster-size\": 65536,\n"
	"                    \"format\": \"\"\n"
	"                }\n"
	"            ]\n"
	"        }\n"
	"    },\n"
	"    \"dirty-flag\": false\n"
	"}\n";

static void expect_parse_error(const char *json, const char *needle)
{
	struct pool_image_info info;
	char err[256] = "";

	assert_int_equal(pool_image_info_parse(json, &info, err, sizeof(err)),
			 -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
	assert_string_equal(info.format, "");
	assert_int_equal(info.virtual_size, 0);
}

static void test_parse_samples(void **state)
{
	struct pool_image_info info;
	char err[256];

	(void)state;
	assert_int_equal(pool_image_info_parse(qcow2_json, &info, err, sizeof(err)), 0);
	assert_string_equal(info.format, "qcow2");
	assert_int_equal(info.virtual_size, 10737418240ull);
	assert_int_equal(info.actual_size, 200704);

	assert_int_equal(pool_image_info_parse(raw_json, &info, err, sizeof(err)), 0);
	assert_string_equal(info.format, "raw");
	assert_int_equal(info.virtual_size, 16777216);
	assert_int_equal(info.actual_size, 16777216);

	assert_int_equal(pool_image_info_parse(vmdk_json, &info, err, sizeof(err)), 0);
	assert_string_equal(info.format, "vmdk");
	assert_int_equal(info.virtual_size, 2147483648ull);
	assert_int_equal(info.actual_size, 12288);
}

static void test_parse_bad(void **state)
{
	(void)state;
	expect_parse_error("", "bad JSON");
	expect_parse_error("{\"format\": \"raw\",", "bad JSON");
	expect_parse_error("not json", "bad JSON");
	expect_parse_error("[1, 2]", "not a JSON object");
	expect_parse_error(NULL, "no output");
	expect_parse_error("{\"format\":\"raw\",\"format\":\"qcow2\","
			   "\"virtual-size\":1,\"actual-size\":1}", "bad JSON");
}

static void test_parse_missing_fields(void **state)
{
	(void)state;
	expect_parse_error("{\"virtual-size\": 1, \"actual-size\": 1}",
			   "missing field 'format'");
	expect_parse_error("{\"format\": \"raw\", \"actual-size\": 1}",
			   "missing field 'virtual-size'");
	expect_parse_error("{\"format\": \"raw\", \"virtual-size\": 1}",
			   "missing field 'actual-size'");
	expect_parse_error("{\"format\": 7, \"virtual-size\": 1, \"actual-size\": 1}",
			   "field 'format'");
	expect_parse_error("{\"format\": \"\", \"virtual-size\": 1, \"actual-size\": 1}",
			   "field 'format'");
	expect_parse_error("{\"format\": \"a-format-name-far-too-long\", "
			   "\"virtual-size\": 1, \"actual-size\": 1}", "field 'format'");
	expect_parse_error("{\"format\": \"raw\", \"virtual-size\": \"1G\", "
			   "\"actual-size\": 1}", "field 'virtual-size'");
	expect_parse_error("{\"format\": \"raw\", \"virtual-size\": 1, "
			   "\"actual-size\": -4096}", "field 'actual-size'");
	expect_parse_error("{\"format\": \"raw\", \"virtual-size\": 1.5, "
			   "\"actual-size\": 1}", "field 'virtual-size'");
}

/* --- real qemu-img ----------------------------------------------------- */

static int have_qemu_img(void)
{
	return access("/usr/bin/qemu-img", X_OK) == 0 ||
	       access("/usr/local/bin/qemu-img", X_OK) == 0;
}

static void test_create_and_info(void **state)
{
	const char *dir = *state;
	struct pool_image_info info;
	char path[512], err[256] = "";
	struct stat st;

	if (!have_qemu_img())
		skip();

	snprintf(path, sizeof(path), "%s/thin.qcow2", dir);
	if (tl_image_create(path, "qcow2", 10ull << 30, err, sizeof(err)))
		fail_msg("create qcow2: %s", err);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	if (tl_image_info(path, &info, err, sizeof(err)))
		fail_msg("info qcow2: %s", err);
	assert_string_equal(info.format, "qcow2");
	assert_int_equal(info.virtual_size, 10ull << 30);
	/* Thin: a few hundred KiB of metadata for 10 GiB. */
	assert_true(info.actual_size > 0);
	assert_true(info.actual_size < (4ull << 20));

	snprintf(path, sizeof(path), "%s/fat.raw", dir);
	if (tl_image_create(path, "raw", 16ull << 20, err, sizeof(err)))
		fail_msg("create raw: %s", err);
	if (tl_image_info(path, &info, err, sizeof(err)))
		fail_msg("info raw: %s", err);
	assert_string_equal(info.format, "raw");
	assert_int_equal(info.virtual_size, 16ull << 20);
	/* Preallocated with zeros written: every byte is allocated. */
	assert_true(info.actual_size >= (16ull << 20));

	/* A relative path with a colon must not be read as a protocol. */
	{
		char cwd[512];

		assert_non_null(getcwd(cwd, sizeof(cwd)));
		assert_int_equal(chdir(dir), 0);
		if (tl_image_create("nbd:x.qcow2", "qcow2", 1 << 20, err, sizeof(err)))
			fail_msg("create nbd:x.qcow2: %s", err);
		if (tl_image_info("nbd:x.qcow2", &info, err, sizeof(err)))
			fail_msg("info nbd:x.qcow2: %s", err);
		assert_string_equal(info.format, "qcow2");
		assert_int_equal(chdir(cwd), 0);
	}
}

/* qemu-img resize's command line: the format pinned, raw grown
 * preallocated, qcow2 thin. */
static void test_resize_cmd(void **state)
{
	struct pool_cmd c;
	char *line;
	size_t i, n = 1;

	(void)state;
	pool_image_resize_cmd("/p/a.qcow2", "qcow2", 2147483648ULL, &c);
	for (i = 0; c.argv[i]; i++)
		n += strlen(c.argv[i]) + 1;
	line = calloc(1, n);
	for (i = 0; c.argv[i]; i++) {
		strcat(line, i ? " " : "");
		strcat(line, c.argv[i]);
	}
	assert_string_equal(line, "qemu-img resize -q -f qcow2 --preallocation=off /p/a.qcow2 2147483648");
	free(line);
	pool_cmd_free(&c);
	pool_image_resize_cmd("rel.raw", "raw", 1048576, &c);
	assert_string_equal(c.argv[4], "raw");
	assert_string_equal(c.argv[5], "--preallocation=full");
	assert_string_equal(c.argv[6], "./rel.raw");
	assert_null(c.argv[8]);
	pool_cmd_free(&c);
}

static void test_create_existing(void **state)
{
	const char *dir = *state;
	char path[512], err[256] = "";
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/taken.qcow2", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);

	assert_int_equal(tl_image_create(path, "qcow2", 1 << 20, err, sizeof(err)),
			 -EEXIST);
	assert_non_null(strstr(err, "already exists"));
	assert_non_null(strstr(err, path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4);
}

static void test_create_bad_args(void **state)
{
	const char *dir = *state;
	char path[512], err[256] = "";

	snprintf(path, sizeof(path), "%s/x.img", dir);
	assert_int_equal(tl_image_create(path, "vdi", 1 << 20, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "vdi"));
	assert_int_equal(tl_image_create(path, "qcow2", 0, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(tl_image_create("", "qcow2", 1, err, sizeof(err)), -EINVAL);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/no/such/dir/x.qcow2", dir);
	assert_int_equal(tl_image_create(path, "qcow2", 1 << 20, err, sizeof(err)),
			 -ENOENT);
}

static void test_info_missing(void **state)
{
	const char *dir = *state;
	struct pool_image_info info;
	char path[512], err[256] = "", want[600];

	snprintf(path, sizeof(path), "%s/absent.qcow2", dir);
	assert_int_equal(tl_image_info(path, &info, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "disk image %s does not exist", path);
	assert_string_equal(err, want);
}

static void test_info_not_an_image(void **state)
{
	const char *dir = *state;
	struct pool_image_info info;
	char path[512], err[256] = "";
	FILE *f;

	if (!have_qemu_img())
		skip();

	/* Any regular file is a valid raw image to qemu-img: a text file is
	 * reported as raw, its size rounded up to a sector. */
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("just some text\n", f);
	fclose(f);
	assert_int_equal(tl_image_info(path, &info, err, sizeof(err)), 0);
	assert_string_equal(info.format, "raw");
	assert_int_equal(info.virtual_size, 512);

	/* A file with a qcow2 magic but a garbage header cannot be read. */
	snprintf(path, sizeof(path), "%s/broken.qcow2", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("QFI\xfbgarbage, not a header", f);
	fclose(f);
	assert_int_equal(tl_image_info(path, &info, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "qemu-img: Could not open"));
	assert_non_null(strstr(err, "broken.qcow2"));
	assert_int_not_equal(err[strlen(err) - 1], '\n');

	/* A directory is not an image either. */
	assert_int_equal(tl_image_info(dir, &info, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "regular file"));
}

/* --- injected exec ----------------------------------------------------- */

struct info_seen {
	int calls;
	int ok;
	struct pool_image_info info;
	char err[512];
};

static void info_cb(const struct pool_image_info *info, const char *err, void *data)
{
	struct info_seen *s = data;

	s->calls++;
	s->ok = info != NULL;
	if (info)
		s->info = *info;
	snprintf(s->err, sizeof(s->err), "%s", err ? err : "");
}

/* pool_image_info_start, with the loop run until its callback came. */
static void info_async(struct loop *l, const char *path, struct info_seen *s)
{
	char err[256] = "";
	int i;

	memset(s, 0, sizeof(*s));
	if (pool_image_info_start(l, path, NULL, info_cb, s, err, sizeof(err)) < 0)
		fail_msg("pool_image_info_start %s: %s", path, err);
	assert_int_equal(s->calls, 0);
	for (i = 0; i < 1000 && !s->calls; i++)
		loop_run_once(l, 10);
	assert_int_equal(s->calls, 1);
}

static void test_fake_exec(void **state)
{
	struct tl_exec_fake fake = { .status = 1 };
	const char *dir = *state;
	struct pool_image_info info;
	struct info_seen seen;
	char path[512], err[256] = "";
	struct loop *l = loop_new();

	snprintf(path, sizeof(path), "%s/fake.qcow2", dir);
	tl_exec_fake_install(&fake);

	/* qemu-img create fails: its message comes back, the claimed file goes. */
	fake.err = "  qemu-img: /x/fake.qcow2: Could not resize file: "
		   "No space left on device\n\n";
	assert_int_equal(tl_image_create(path, "raw", 1 << 30, err, sizeof(err)),
			 -ENOSPC);
	assert_string_equal(err, "qemu-img: /x/fake.qcow2: Could not resize file: "
			    "No space left on device");
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(fake.argc, 9);
	assert_string_equal(fake.argv[0], "qemu-img");
	assert_string_equal(fake.argv[1], "create");
	assert_string_equal(fake.argv[6], "preallocation=full");
	assert_string_equal(fake.argv[7], path);
	assert_string_equal(fake.argv[8], "1073741824");

	fake.err = "qemu-img: something else\nwent wrong\n";
	assert_int_equal(tl_image_create(path, "qcow2", 1 << 20, err, sizeof(err)),
			 -EIO);
	assert_string_equal(err, "qemu-img: something else went wrong");
	assert_string_equal(fake.argv[6], "preallocation=off");

	/* Killed half-way, without a word. */
	fake.err = NULL;
	fake.status = 137;
	assert_int_equal(tl_image_create(path, "qcow2", 1 << 20, err, sizeof(err)),
			 -EIO);
	assert_string_equal(err, "qemu-img create failed with status 137");

	/* No child at all. */
	fake.spawn_errno = EAGAIN;
	assert_int_equal(tl_image_create(path, "qcow2", 1 << 20, err, sizeof(err)),
			 -EAGAIN);
	assert_string_equal(err, "fork: Resource temporarily unavailable");
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(pool_image_info_start(l, dir, NULL, info_cb, &seen, err, sizeof(err)),
			 -EAGAIN);
	fake.spawn_errno = 0;

	/* info: failure text, then output that is not qemu-img's JSON. */
	tl_write_file_or_fail(path, "%s", "");
	fake.status = 1;
	fake.err = "qemu-img: Could not open 'fake.qcow2': Permission denied\n";
	assert_int_equal(tl_image_info(path, &info, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "qemu-img: Could not open 'fake.qcow2': "
			    "Permission denied");
	assert_string_equal(fake.argv[1], "info");
	assert_string_equal(fake.argv[2], "--output=json");
	assert_string_equal(fake.argv[3], "-U");
	info_async(l, path, &seen);
	assert_false(seen.ok);
	assert_string_equal(seen.err, "qemu-img: Could not open 'fake.qcow2': "
			    "Permission denied");

	fake.err = "";
	assert_int_equal(tl_image_info(path, &info, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "status 1"));

	fake.status = 0;
	fake.out = "{\"format\": \"qcow2\", \"virtual-size\": 42}";
	assert_int_equal(tl_image_info(path, &info, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing field 'actual-size'"));
	info_async(l, path, &seen);
	assert_false(seen.ok);
	assert_non_null(strstr(seen.err, "missing field 'actual-size'"));

	fake.out = raw_json;
	assert_int_equal(tl_image_info(path, &info, err, sizeof(err)), 0);
	assert_string_equal(info.format, "raw");
	info_async(l, path, &seen);
	assert_true(seen.ok);
	assert_string_equal(seen.info.format, "raw");
	assert_int_equal(seen.info.virtual_size, 16777216);
	assert_string_equal(seen.err, "");

	tl_exec_fake_remove();
	loop_free(l);
}

/* As croftd reads an image a user named: the format pinned, and a child
 * that hangs (a FIFO behind a vmdk extent, say) killed after the timeout. */
static void test_info_pinned_timeout(void **state)
{
	struct tl_exec_fake fake = { .hang = 1 };
	struct pool_info_opts o = { .format = "qcow2", .user = "croft-qemu", .timeout_ms = 1000 };
	const char *dir = *state;
	struct info_seen seen;
	char path[512], err[256] = "";
	struct loop *l = loop_new();
	int i;

	snprintf(path, sizeof(path), "%s/slow.qcow2", dir);
	tl_write_file_or_fail(path, "%s", "");
	tl_exec_fake_install(&fake);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(pool_image_info_start(l, path, &o, info_cb, &seen, err, sizeof(err)), 0);
	assert_int_equal(fake.argc, 7);
	assert_string_equal(fake.argv[4], "-f");
	assert_string_equal(fake.argv[5], "qcow2");
	assert_string_equal(fake.argv[6], path);
	for (i = 0; i < 500 && !seen.calls; i++)
		loop_run_once(l, 10);
	assert_int_equal(seen.calls, 1);
	assert_false(seen.ok);
	assert_string_equal(seen.err, "qemu-img info did not finish within 1 s and was stopped");
	assert_int_equal(fake.last_signal, SIGKILL);

	/* a quick answer cancels the timer */
	fake.hang = 0;
	fake.status = 0;
	fake.out = raw_json;
	o.format = "raw";
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(pool_image_info_start(l, path, &o, info_cb, &seen, err, sizeof(err)), 0);
	for (i = 0; i < 500 && !seen.calls; i++)
		loop_run_once(l, 10);
	assert_true(seen.ok);
	assert_string_equal(fake.argv[5], "raw");
	tl_exec_fake_remove();
	loop_free(l);
}

/* A real qemu-img through the loop: croftd keeps running meanwhile. */
static void test_info_async_real(void **state)
{
	const char *dir = *state;
	struct info_seen seen;
	char path[512], err[256] = "";
	struct loop *l;

	snprintf(path, sizeof(path), "%s/absent.qcow2", dir);
	l = loop_new();
	assert_int_equal(pool_image_info_start(l, path, NULL, info_cb, &seen, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "does not exist"));
	if (!have_qemu_img()) {
		loop_free(l);
		skip();
	}
	snprintf(path, sizeof(path), "%s/a.qcow2", dir);
	if (tl_image_create(path, "qcow2", 3 << 20, err, sizeof(err)))
		fail_msg("create: %s", err);
	info_async(l, path, &seen);
	assert_true(seen.ok);
	assert_string_equal(seen.info.format, "qcow2");
	assert_int_equal(seen.info.virtual_size, 3 << 20);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_samples),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_missing_fields),
		cmocka_unit_test(test_resize_cmd),
		cmocka_unit_test_setup_teardown(test_create_and_info, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_create_existing, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_create_bad_args, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_info_missing, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_info_not_an_image, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_fake_exec, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_info_async_real, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_info_pinned_timeout, tl_tmpdir_setup, tl_tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
