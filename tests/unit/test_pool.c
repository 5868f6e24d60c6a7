/*
 * pool tests.  The parser is fed qemu-img 7.2's own JSON for qcow2, raw and
 * vmdk images, then broken and incomplete documents.  Create and info run
 * the real qemu-img in a temporary directory (skipped when qemu-img is not
 * installed); a fake pool_exec checks how failures and exec errors reach
 * the caller.
 */
#include <errno.h>
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

static int setup_tmp(void **state)
{
	char *dir = strdup("/tmp/croft-pool-XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int teardown_tmp(void **state)
{
	char *dir = *state;
	int rc = tl_rmtree(dir);

	free(dir);
	return rc;
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
	if (pool_image_create(path, "qcow2", 10ull << 30, err, sizeof(err)))
		fail_msg("create qcow2: %s", err);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	if (pool_image_info(path, &info, err, sizeof(err)))
		fail_msg("info qcow2: %s", err);
	assert_string_equal(info.format, "qcow2");
	assert_int_equal(info.virtual_size, 10ull << 30);
	/* Thin: a few hundred KiB of metadata for 10 GiB. */
	assert_true(info.actual_size > 0);
	assert_true(info.actual_size < (4ull << 20));

	snprintf(path, sizeof(path), "%s/fat.raw", dir);
	if (pool_image_create(path, "raw", 16ull << 20, err, sizeof(err)))
		fail_msg("create raw: %s", err);
	if (pool_image_info(path, &info, err, sizeof(err)))
		fail_msg("info raw: %s", err);
	assert_string_equal(info.format, "raw");
	assert_int_equal(info.virtual_size, 16ull << 20);
	/* Preallocated with fallocate: every byte is allocated. */
	assert_true(info.actual_size >= (16ull << 20));

	/* A relative path with a colon must not be read as a protocol. */
	{
		char cwd[512];

		assert_non_null(getcwd(cwd, sizeof(cwd)));
		assert_int_equal(chdir(dir), 0);
		if (pool_image_create("nbd:x.qcow2", "qcow2", 1 << 20, err, sizeof(err)))
			fail_msg("create nbd:x.qcow2: %s", err);
		if (pool_image_info("nbd:x.qcow2", &info, err, sizeof(err)))
			fail_msg("info nbd:x.qcow2: %s", err);
		assert_string_equal(info.format, "qcow2");
		assert_int_equal(chdir(cwd), 0);
	}
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

	assert_int_equal(pool_image_create(path, "qcow2", 1 << 20, err, sizeof(err)),
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
	assert_int_equal(pool_image_create(path, "vdi", 1 << 20, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "vdi"));
	assert_int_equal(pool_image_create(path, "qcow2", 0, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(pool_image_create("", "qcow2", 1, err, sizeof(err)), -EINVAL);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/no/such/dir/x.qcow2", dir);
	assert_int_equal(pool_image_create(path, "qcow2", 1 << 20, err, sizeof(err)),
			 -ENOENT);
}

static void test_info_missing(void **state)
{
	const char *dir = *state;
	struct pool_image_info info;
	char path[512], err[256] = "", want[600];

	snprintf(path, sizeof(path), "%s/absent.qcow2", dir);
	assert_int_equal(pool_image_info(path, &info, err, sizeof(err)), -ENOENT);
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
	assert_int_equal(pool_image_info(path, &info, err, sizeof(err)), 0);
	assert_string_equal(info.format, "raw");
	assert_int_equal(info.virtual_size, 512);

	/* A file with a qcow2 magic but a garbage header cannot be read. */
	snprintf(path, sizeof(path), "%s/broken.qcow2", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("QFI\xfbgarbage, not a header", f);
	fclose(f);
	assert_int_equal(pool_image_info(path, &info, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "qemu-img: Could not open"));
	assert_non_null(strstr(err, "broken.qcow2"));
	assert_int_not_equal(err[strlen(err) - 1], '\n');

	/* A directory is not an image either. */
	assert_int_equal(pool_image_info(dir, &info, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "regular file"));
}

/* --- injected exec ----------------------------------------------------- */

static int fake_status;
static const char *fake_stdout;
static const char *fake_stderr;
static char fake_argv[16][256];
static int fake_argc;

static int fake_run(char *const argv[], char **out, char **errout)
{
	int i;

	for (i = 0; argv[i] && i < 16; i++)
		snprintf(fake_argv[i], sizeof(fake_argv[i]), "%s", argv[i]);
	fake_argc = i;
	*out = NULL;
	*errout = NULL;
	if (fake_status < 0)
		return fake_status;
	*out = strdup(fake_stdout ? fake_stdout : "");
	*errout = strdup(fake_stderr ? fake_stderr : "");
	return fake_status;
}

static const struct pool_exec fake_exec = { .run = fake_run };

static void test_fake_exec(void **state)
{
	const struct pool_exec *saved = pool_exec;
	const char *dir = *state;
	struct pool_image_info info;
	char path[512], err[256] = "";

	snprintf(path, sizeof(path), "%s/fake.qcow2", dir);
	pool_exec = &fake_exec;

	/* qemu-img create fails: its message comes back, the claimed file goes. */
	fake_status = 1;
	fake_stdout = "";
	fake_stderr = "  qemu-img: /x/fake.qcow2: Could not resize file: "
		      "No space left on device\n\n";
	assert_int_equal(pool_image_create(path, "raw", 1 << 30, err, sizeof(err)),
			 -ENOSPC);
	assert_string_equal(err, "qemu-img: /x/fake.qcow2: Could not resize file: "
			    "No space left on device");
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(fake_argc, 9);
	assert_string_equal(fake_argv[0], "qemu-img");
	assert_string_equal(fake_argv[1], "create");
	assert_string_equal(fake_argv[6], "preallocation=falloc");
	assert_string_equal(fake_argv[7], path);
	assert_string_equal(fake_argv[8], "1073741824");

	fake_stderr = "qemu-img: something else\nwent wrong\n";
	assert_int_equal(pool_image_create(path, "qcow2", 1 << 20, err, sizeof(err)),
			 -EIO);
	assert_string_equal(err, "qemu-img: something else went wrong");
	assert_string_equal(fake_argv[6], "preallocation=off");

	/* qemu-img cannot be run at all. */
	fake_status = -ENOENT;
	assert_int_equal(pool_image_create(path, "qcow2", 1 << 20, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "cannot run qemu-img"));
	assert_int_equal(access(path, F_OK), -1);

	/* info: failure text, then output that is not qemu-img's JSON. */
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fclose(f);
	}
	fake_status = 1;
	fake_stderr = "qemu-img: Could not open 'fake.qcow2': Permission denied\n";
	assert_int_equal(pool_image_info(path, &info, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "qemu-img: Could not open 'fake.qcow2': "
			    "Permission denied");
	assert_string_equal(fake_argv[1], "info");
	assert_string_equal(fake_argv[2], "--output=json");
	assert_string_equal(fake_argv[3], "-U");

	fake_stderr = "";
	assert_int_equal(pool_image_info(path, &info, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "status 1"));

	fake_status = 0;
	fake_stdout = "{\"format\": \"qcow2\", \"virtual-size\": 42}";
	assert_int_equal(pool_image_info(path, &info, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing field 'actual-size'"));

	fake_stdout = raw_json;
	assert_int_equal(pool_image_info(path, &info, err, sizeof(err)), 0);
	assert_string_equal(info.format, "raw");

	pool_exec = saved;
}

/* The real exec seam: stdout and stderr apart, status, exec errors. */
static void test_real_exec(void **state)
{
	char *argv_ok[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	char *argv_big[] = { "sh", "-c",
			     "head -c 300000 /dev/zero | tr '\\0' a; "
			     "head -c 300000 /dev/zero | tr '\\0' b >&2", NULL };
	char *argv_missing[] = { "/nonexistent/croft-no-such-tool", NULL };
	char *out, *errout;
	int rc;

	(void)state;
	rc = pool_exec->run(argv_ok, &out, &errout);
	assert_int_equal(rc, 3);
	assert_string_equal(out, "out\n");
	assert_string_equal(errout, "err\n");
	free(out);
	free(errout);

	/* Both pipes filled past their buffers at once must not deadlock. */
	rc = pool_exec->run(argv_big, &out, &errout);
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(out), 300000);
	assert_int_equal(strlen(errout), 300000);
	assert_int_equal(out[299999], 'a');
	assert_int_equal(errout[0], 'b');
	free(out);
	free(errout);

	rc = pool_exec->run(argv_missing, &out, &errout);
	assert_int_equal(rc, -ENOENT);
	assert_null(out);
	assert_null(errout);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_samples),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_missing_fields),
		cmocka_unit_test_setup_teardown(test_create_and_info, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_create_existing, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_create_bad_args, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_info_missing, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_info_not_an_image, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_fake_exec, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_real_exec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
