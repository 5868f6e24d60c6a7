/*
 * Disk images for unit tests (testlib.h): qemu-img create and info run to
 * the end in the calling test, through job_exec's startup-only synchronous
 * runner and core/pool.c's command lines and result readers, so a test
 * sees exactly what croftd's asynchronous paths would.
 */
#include "tests/unit/testlib.h"
#include "core/job_exec.h"
#include "core/pool.h"

#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

int tl_image_create(const char *path, const char *format, uint64_t bytes,
		    char *err, size_t errlen)
{
	struct job_exec_result res = { 0 };
	struct job_exec_spec spec;
	struct pool_cmd c = { 0 };
	int rc;

	rc = pool_image_create_check(path, format, bytes, err, errlen);
	if (rc < 0)
		return rc;
	rc = pool_image_claim(path, (uid_t)-1, (gid_t)-1, err, errlen);
	if (rc < 0)
		return rc;
	pool_image_create_cmd(path, format, bytes, &c);
	pool_cmd_spec(&c, &spec);
	rc = job_exec_run_sync(&spec, &res, err, errlen);
	if (rc == 0)
		rc = pool_image_create_result(&res, err, errlen);
	if (rc < 0)
		unlink(path);
	job_exec_result_clear(&res);
	pool_cmd_free(&c);
	return rc;
}

int tl_image_info(const char *path, struct pool_image_info *info, char *err, size_t errlen)
{
	struct job_exec_result res = { 0 };
	struct job_exec_spec spec;
	struct pool_cmd c = { 0 };
	int rc;

	memset(info, 0, sizeof(*info));
	rc = pool_image_info_cmd(path, &c, err, errlen);
	if (rc < 0)
		goto out;
	pool_cmd_spec(&c, &spec);
	rc = job_exec_run_sync(&spec, &res, err, errlen);
	if (rc == 0)
		rc = pool_image_info_result(&res, info, err, errlen);
out:
	job_exec_result_clear(&res);
	pool_cmd_free(&c);
	return rc;
}
