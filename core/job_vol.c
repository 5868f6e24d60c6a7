/*
 * The "vol.resize" job: qemu-img resize of a volume no running guest has
 * open, as the QEMU user with no_new_privs and its format pinned, like
 * disk.create's qemu-img.  Its args are {"path","format","size_bytes",
 * "from_bytes"}; progress is 0 then the new size.  A failure leaves the
 * image as qemu-img left it (qemu-img grows an image in place or not at
 * all); a restart fails a job that was running, and the next vol.info
 * shows the size the image has.
 */
#include "core/job_vol.h"
#include "core/job_exec.h"
#include "core/pool.h"
#include "common/xalloc.h"

#include <errno.h>
#include <string.h>

static void resized(struct job *j, const struct job_exec_result *res)
{
	json_t *a = job_args(j);
	uint64_t size = (uint64_t)json_integer_value(json_object_get(a, "size_bytes"));
	char err[1024];

	if (pool_image_create_result(res, err, sizeof(err)) < 0) {
		job_fail(j, "cannot resize %s: %s",
			 json_string_value(json_object_get(a, "path")), err);
		return;
	}
	job_progress(j, size, size);
	job_set_result(j, json_deep_copy(a));
	job_done(j);
}

static int resize_start(struct job *j, char *err, size_t errlen)
{
	json_t *a = job_args(j);
	const char *path = json_string_value(json_object_get(a, "path"));
	const char *format = json_string_value(json_object_get(a, "format"));
	json_int_t size = json_integer_value(json_object_get(a, "size_bytes"));
	struct pool_cmd cmd;
	int rc;

	if (!path || !format || size <= 0 || (strcmp(format, "qcow2") && strcmp(format, "raw"))) {
		err_set(err, errlen, "the job names no volume, format or size to resize to");
		return -EINVAL;
	}
	job_progress(j, 0, (uint64_t)size);
	pool_image_resize_cmd(path, format, (uint64_t)size, &cmd);
	rc = job_step_qemu_img(j, cmd.argv, resized, err, errlen);
	pool_cmd_free(&cmd);
	return rc;
}

const struct job_kind job_vol_resize_kind = {
	.name = "vol.resize",
	.start = resize_start,
};
