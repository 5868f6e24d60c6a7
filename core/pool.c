/*
 * Disk images through qemu-img, run as a child through job_exec (no shell);
 * its output is captured, 4 MiB at most, more than any qemu-img answer.
 *
 * Creation claims the path first with O_CREAT|O_EXCL (mode 0600), so two
 * creators can never share or overwrite an image; qemu-img then formats
 * the empty file, and a failed run removes it again.  Paths that do not
 * start with '/' are passed as "./path" so qemu-img never reads a
 * "proto:" prefix as a protocol.
 */
#include "core/pool.h"
#include "core/job_exec.h"
#include "common/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/xalloc.h"

#define QEMU_IMG_OUTPUT_MAX (4u << 20)

void pool_cmd_free(struct pool_cmd *c)
{
	free(c->path);
	free(c->size);
	memset(c, 0, sizeof(*c));
}

static void cmd_start(struct pool_cmd *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->path = path[0] == '/' ? xstrdup(path) : xasprintf("./%s", path);
	c->argv[0] = "qemu-img";
}

void pool_cmd_spec(struct pool_cmd *c, struct job_exec_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->argv = c->argv;
	spec->out = JOB_EXEC_CAPTURE;
	spec->err = JOB_EXEC_CAPTURE;
	spec->capture_max = QEMU_IMG_OUTPUT_MAX;
}

int pool_image_create_check(const char *path, const char *format, uint64_t bytes,
			    char *err, size_t errlen)
{
	if (!path || !*path) {
		err_set(err, errlen, "disk image path is empty");
		return -EINVAL;
	}
	if (!format || (strcmp(format, "qcow2") && strcmp(format, "raw"))) {
		err_set(err, errlen, "cannot create disk image format '%s' "
			"(expected qcow2 or raw)", format ? format : "(none)");
		return -EINVAL;
	}
	if (!bytes) {
		err_set(err, errlen, "disk image %s: size must not be zero", path);
		return -EINVAL;
	}
	if (bytes > INT64_MAX) {
		err_set(err, errlen, "disk image %s: size %" PRIu64 " is too large",
			path, bytes);
		return -EINVAL;
	}
	return 0;
}

int pool_image_claim_fd(const char *path, uid_t uid, gid_t gid, int *out, char *err,
			size_t errlen)
{
	int fd, rc;

	*out = -1;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		if (rc == -EEXIST)
			err_set(err, errlen, "disk image %s already exists", path);
		else
			err_set(err, errlen, "cannot create disk image %s: %s",
				path, strerror(-rc));
		return rc;
	}
	if (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot hand disk image %s to uid %d: %s", path,
			(int)uid, strerror(-rc));
		unlink(path);
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

int pool_image_claim(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	int fd, rc;

	rc = pool_image_claim_fd(path, uid, gid, &fd, err, errlen);
	if (rc == 0)
		close(fd);
	return rc;
}

void pool_image_create_cmd(const char *path, const char *format, uint64_t bytes,
			   struct pool_cmd *c)
{
	cmd_start(c, path);
	c->size = xasprintf("%" PRIu64, bytes);
	c->argv[1] = "create";
	c->argv[2] = "-q";
	c->argv[3] = "-f";
	c->argv[4] = (char *)format;
	c->argv[5] = "-o";
	c->argv[6] = !strcmp(format, "raw") ? "preallocation=full" : "preallocation=off";
	c->argv[7] = c->path;
	c->argv[8] = c->size;
}

void pool_image_resize_cmd(const char *path, const char *format, uint64_t bytes,
			   struct pool_cmd *c)
{
	cmd_start(c, path);
	c->size = xasprintf("%" PRIu64, bytes);
	c->argv[1] = "resize";
	c->argv[2] = "-q";
	c->argv[3] = "-f";
	c->argv[4] = (char *)format;
	c->argv[5] = !strcmp(format, "raw") ? "--preallocation=full" : "--preallocation=off";
	c->argv[6] = c->path;
	c->argv[7] = c->size;
}

int pool_image_create_result(const struct job_exec_result *res, char *err, size_t errlen)
{
	if (!job_exec_failure(res, "qemu-img create", err, errlen))
		return 0;
	return strstr(res->err, "No space left on device") ? -ENOSPC : -EIO;
}

/* --- info ------------------------------------------------------------------ */

int pool_image_info_cmd(const char *path, struct pool_cmd *c, char *err, size_t errlen)
{
	return pool_image_info_cmd_pinned(path, NULL, c, err, errlen);
}

int pool_image_info_cmd_pinned(const char *path, const char *format, struct pool_cmd *c,
			       char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if (!path || !*path) {
		err_set(err, errlen, "disk image path is empty");
		return -EINVAL;
	}
	if (stat(path, &st) < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			err_set(err, errlen, "disk image %s does not exist", path);
		else
			err_set(err, errlen, "disk image %s: %s", path, strerror(-rc));
		return rc;
	}
	cmd_start(c, path);
	c->argv[1] = "info";
	c->argv[2] = "--output=json";
	c->argv[3] = "-U";
	if (format) {
		c->argv[4] = "-f";
		c->argv[5] = (char *)format;
		c->argv[6] = c->path;
	} else {
		c->argv[4] = c->path;
	}
	return 0;
}

int pool_image_info_result(const struct job_exec_result *res, struct pool_image_info *info,
		       char *err, size_t errlen)
{
	if (job_exec_failure(res, "qemu-img info", err, errlen))
		return -EINVAL;
	return pool_image_info_parse(res->out, info, err, errlen);
}

struct info_call {
	struct loop *l;
	struct loop_timer *timer;
	struct job_exec *x;
	unsigned timeout_ms;
	int timed_out;
	pool_info_fn cb;
	void *data;
};

static void info_timeout(struct loop *l, struct loop_timer *t, void *data)
{
	struct info_call *call = data;

	(void)l;
	(void)t;
	call->timer = NULL;
	call->timed_out = 1;
	job_exec_kill(call->x, SIGKILL);
}

static void info_done(struct job_exec *x, const struct job_exec_result *res, void *data)
{
	struct info_call *call = data;
	struct pool_image_info info;
	char err[1024];

	(void)x;
	if (call->timer)
		loop_timer_cancel(call->l, call->timer);
	if (call->timed_out) {
		snprintf(err, sizeof(err), "qemu-img info did not finish within %u s and was stopped",
			 call->timeout_ms / 1000);
		call->cb(NULL, err, call->data);
	} else if (pool_image_info_result(res, &info, err, sizeof(err)) < 0) {
		call->cb(NULL, err, call->data);
	} else {
		call->cb(&info, NULL, call->data);
	}
	free(call);
}

int pool_image_info_start(struct loop *l, const char *path, const struct pool_info_opts *o,
			  pool_info_fn cb, void *data, char *err, size_t errlen)
{
	struct info_call *call = NULL;
	struct job_exec_spec spec;
	struct pool_cmd c = { 0 };
	int rc;

	rc = pool_image_info_cmd_pinned(path, o ? o->format : NULL, &c, err, errlen);
	if (rc < 0)
		goto out;
	call = xcalloc(1, sizeof(*call));
	call->l = l;
	call->cb = cb;
	call->data = data;
	pool_cmd_spec(&c, &spec);
	if (o) {
		spec.user = o->user;
		spec.creds = o->creds;
		spec.who = "qemu-img";
		spec.no_new_privs = 1;
		spec.die_with_croftd = 1;
		call->timeout_ms = o->timeout_ms;
	}
	rc = job_exec_start(l, &spec, info_done, call, &call->x, err, errlen);
	if (rc < 0)
		free(call);
	else if (call->timeout_ms)
		call->timer = loop_timer_add(l, call->timeout_ms, info_timeout, call);
out:
	pool_cmd_free(&c);
	return rc;
}

static int get_size(json_t *root, const char *key, uint64_t *val,
		    char *err, size_t errlen)
{
	json_t *v = json_object_get(root, key);

	if (!v) {
		err_set(err, errlen, "qemu-img info: missing field '%s'", key);
		return -EINVAL;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		err_set(err, errlen, "qemu-img info: field '%s' is not a size", key);
		return -EINVAL;
	}
	*val = (uint64_t)json_integer_value(v);
	return 0;
}

int pool_image_info_parse(const char *json, struct pool_image_info *info,
			  char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *fmt;
	const char *s;
	int rc = -EINVAL;

	memset(info, 0, sizeof(*info));
	if (!json) {
		err_set(err, errlen, "qemu-img info: no output");
		return -EINVAL;
	}
	root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		err_set(err, errlen, "qemu-img info: bad JSON at line %d: %s",
			jerr.line, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		err_set(err, errlen, "qemu-img info: output is not a JSON object");
		goto fail;
	}
	fmt = json_object_get(root, "format");
	if (!fmt) {
		err_set(err, errlen, "qemu-img info: missing field 'format'");
		goto fail;
	}
	s = json_string_value(fmt);
	if (!s || !*s || strlen(s) >= sizeof(info->format)) {
		err_set(err, errlen, "qemu-img info: field 'format' is not a "
			"format name");
		goto fail;
	}
	if (get_size(root, "virtual-size", &info->virtual_size, err, errlen) < 0 ||
	    get_size(root, "actual-size", &info->actual_size, err, errlen) < 0)
		goto fail;
	strcpy(info->format, s);
	rc = 0;
fail:
	if (rc < 0)
		memset(info, 0, sizeof(*info));
	json_decref(root);
	return rc;
}
