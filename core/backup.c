/*
 * The "backup.create" job and its queueing (backup.h).
 *
 * The job's args are {"vm", "uuid", "pool", "src_pool", "dir", "live",
 * "schedule", "vars", "config", "disks": [{"source", "format", "node",
 * "path", "size_bytes", "alloc", "chain"}]}: everything planned when it
 * was queued, so a restart knows what to remove.  A running VM's disks
 * are copied by QEMU (backup_qmp.c), a stopped VM's by qemu-img convert
 * of each disk's chain (as a full clone copies); then each image's content
 * is hashed (backup_sum.c), the UEFI variable store copied, config.json
 * written and the row recorded; only then is the job done.
 */
#include "core/backup.h"
#include "core/vm_busy.h"
#include "core/backup_internal.h"
#include "core/daemon.h"
#include "core/job_disk.h"
#include "core/job_exec.h"
#include "core/net.h"
#include "core/pool.h"
#include "core/pools.h"
#include "core/vm.h"
#include "core/vm_clone.h"
#include "core/vm_disk.h"
#include "core/vm_files.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/validate.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "store/store_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define ALLOC_POLL_MS 250
#define BACKUP_SAME_SECOND_MAX 100

json_t *backup_disk_at(struct job *j, size_t i)
{
	return json_array_get(json_object_get(job_args(j), "disks"), i);
}

size_t backup_ndisks(struct job *j)
{
	return json_array_size(json_object_get(job_args(j), "disks"));
}

const char *backup_dstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* --- directories ---------------------------------------------------------------- */

/* name under the directory at, made as croftd (already there: fine unless
 * excl) and handed to the QEMU user; never through a symlink (the pool is
 * the QEMU user's to write in).  The opened directory, or -errno with err
 * set. */
static int make_dir(struct croftd *d, int at, const char *path, const char *name, int excl,
		    char *err, size_t errlen)
{
	int fd, rc;

	if (mkdirat(at, name, 0700) < 0 && (excl || errno != EEXIST)) {
		rc = -errno;
		err_set(err, errlen, "cannot create %s: %s", path, strerror(-rc));
		return rc;
	}
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	if (d->drop_privs && fchown(fd, d->qemu_uid, d->qemu_gid) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot hand %s to %s: %s", path, d->qemu_user, strerror(-rc));
		close(fd);
		return rc;
	}
	return fd;
}

/* dir is <pool>/.backups/<vm>/<stamp>: the last three opened one in the
 * other (made first when d is not NULL), each without following a
 * symlink.  The last one's fd, or -errno with err set. */
static int dirs_walk(struct croftd *d, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX], *part[3];
	int fd, next, i;

	snprintf(path, sizeof(path), "%s", dir);
	for (i = 2; i >= 0; i--) {
		char *slash = strrchr(path, '/');

		if (!slash || slash == path) {
			err_set(err, errlen, "%s is not a backup directory in a pool", dir);
			return -EINVAL;
		}
		*slash = '\0';
		part[i] = slash + 1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);   /* the pool */
	if (fd < 0) {
		err_set(err, errlen, "cannot open the pool %s: %s", path, strerror(errno));
		return -errno;
	}
	for (i = 0; i < 3; i++) {
		part[i][-1] = '/';       /* path now ends with part[i] */
		if (d) {
			next = make_dir(d, fd, path, part[i], i == 2, err, errlen);
		} else {
			next = openat(fd, part[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next < 0) {
				next = -errno;
				err_set(err, errlen, "cannot open %s: %s", path, strerror(errno));
			}
		}
		close(fd);
		if (next < 0)
			return next;
		fd = next;
	}
	return fd;
}

int backup_dirs_make(struct croftd *d, const char *dir, char *err, size_t errlen)
{
	return dirs_walk(d, dir, err, errlen);
}

int backup_dir_open(const char *dir, char *err, size_t errlen)
{
	return dirs_walk(NULL, dir, err, errlen);
}

void backup_dir_close(struct backup_run *run)
{
	if (run->dir_fd >= 0)
		close(run->dir_fd);
	run->dir_fd = -1;
}

void backup_dirs_remove(const char *dir)
{
	char up[PATH_MAX], *slash;

	if (!dir || rmdir(dir) < 0)
		return;
	snprintf(up, sizeof(up), "%s", dir);
	if ((slash = strrchr(up, '/'))) {
		*slash = '\0';
		rmdir(up);              /* the VM's, once it holds no backup */
	}
}

/* Every file a backup's directory may hold, then the directory. */
void backup_files_remove(const char *dir, const json_t *disks)
{
	static const char *const extra[] = { "config.json", "OVMF_VARS.fd" };
	const json_t *dk;
	char path[PATH_MAX + 64];
	size_t i;

	if (!dir)
		return;
	json_array_foreach(disks, i, dk)
		if (backup_dstr(dk, "path"))
			unlink(backup_dstr(dk, "path"));
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, extra[i]);
		unlink(path);
	}
	backup_dirs_remove(dir);
}

/* --- small files croftd writes ------------------------------------------------------ */

int backup_file_copy(const char *src, const char *dst, char *err, size_t errlen)
{
	char buf[65536];
	ssize_t n;
	int in, out, rc = 0;

	if ((in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		err_set(err, errlen, "cannot open %s: %s", src, strerror(errno));
		return -errno;
	}
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot create %s: %s", dst, strerror(errno));
		close(in);
		return rc;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (n < 0 || fsync(out) < 0) {
		rc = -EIO;
		err_set(err, errlen, "cannot copy %s to %s: %s", src, dst, strerror(errno));
	}
	close(in);
	if (close(out) < 0 && rc == 0) {
		rc = -EIO;
		err_set(err, errlen, "cannot write %s: %s", dst, strerror(errno));
	}
	return rc;
}

static int write_config(struct job *j, const char *path, char *err, size_t errlen)
{
	char *text = json_dumps(json_object_get(job_args(j), "config"), JSON_INDENT(2));
	size_t len = strlen(text);
	int fd, rc;

	if ((rc = job_cleanup_add(j, path, err, errlen)) < 0) {
		free(text);
		return rc;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) < 0) {
		rc = -errno ? -errno : -EIO;
		err_set(err, errlen, "cannot write %s: %s", path, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	free(text);
	return rc;
}

/* --- the end of the job ------------------------------------------------------------ */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t dir_bytes(const char *dir, const json_t *disks)
{
	const json_t *dk;
	char path[PATH_MAX + 64];
	struct stat st;
	uint64_t n = 0;
	size_t i;

	json_array_foreach(disks, i, dk)
		if (stat(backup_dstr(dk, "path"), &st) == 0)
			n += (uint64_t)st.st_blocks * 512;
	snprintf(path, sizeof(path), "%s/OVMF_VARS.fd", dir);
	if (stat(path, &st) == 0)
		n += (uint64_t)st.st_blocks * 512;
	return n;
}

/* The disks as the row keeps them: where each came from and its hash. */
static json_t *row_disks(struct job *j)
{
	struct backup_run *run = job_priv(j);
	json_t *out = json_array(), *dk;
	size_t i;

	json_array_foreach(json_object_get(job_args(j), "disks"), i, dk) {
		const char *path = backup_dstr(dk, "path"), *slash = strrchr(path, '/');

		json_array_append_new(out, json_pack("{s:I,s:s,s:s,s:s,s:I,s:s}", "index",
			(json_int_t)i, "source", backup_dstr(dk, "source"), "file",
			slash ? slash + 1 : path, "path", path, "size_bytes",
			json_integer_value(json_object_get(dk, "size_bytes")), "sha256",
			run->sums[i]));
	}
	return out;
}

int backup_vars_copy(struct job *j, char *err, size_t errlen)
{
	const char *vars = backup_dstr(job_args(j), "vars");
	char path[PATH_MAX + 64];
	int rc;

	if (!vars || access(vars, F_OK) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/OVMF_VARS.fd", backup_dstr(job_args(j), "dir"));
	if ((rc = job_cleanup_add(j, path, err, errlen)) < 0)
		return rc;
	return backup_file_copy(vars, path, err, errlen);
}

static void finish(struct job *j)
{
	struct croftd *d = job_daemon(j);
	struct backup_run *run = job_priv(j);
	json_t *a = job_args(j), *disks = row_disks(j);
	const char *dir = backup_dstr(a, "dir");
	struct store_backup b = { 0 };
	char path[PATH_MAX + 64], err[1024];

	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (write_config(j, path, err, sizeof(err)) < 0)
		goto fail;
	b.vm = (char *)backup_dstr(a, "vm");
	b.vm_uuid = (char *)backup_dstr(a, "uuid");
	b.pool = (char *)backup_dstr(a, "pool");
	b.src_pool = (char *)backup_dstr(a, "src_pool");
	b.dir = (char *)dir;
	b.created = run->instant;
	b.size = dir_bytes(dir, disks);
	b.method = json_is_true(json_object_get(a, "live")) ? "live" : "stopped";
	b.frozen = run->frozen;
	b.config = json_dumps(json_object_get(a, "config"), JSON_COMPACT);
	b.disks = json_dumps(disks, JSON_COMPACT);
	b.job = job_id(j);
	b.schedule = json_integer_value(json_object_get(a, "schedule"));
	if (store_backup_add(d->store, &b, err, sizeof(err)) < 0) {
		free(b.config);
		free(b.disks);
		goto fail;
	}
	free(b.config);
	free(b.disks);
	backup_dir_close(run);
	log_info("VM %s: backup %lld in pool %s (%s%s)", b.vm, (long long)b.id, b.pool, b.method,
		 run->frozen ? ", file systems frozen" : "");
	job_set_result(j, json_pack("{s:I,s:s,s:s,s:s,s:I,s:b,s:s,s:o,s:I,s:I}", "id",
				    (json_int_t)b.id, "vm", b.vm, "pool", b.pool, "dir", dir, "size",
				    (json_int_t)b.size, "frozen", run->frozen, "method", b.method,
				    "disks", disks, "copy_ms",
				    (json_int_t)(run->copied_ms - run->start_ms), "hash_ms",
				    (json_int_t)(mono_ms() - run->copied_ms)));
	job_done(j);
	return;
fail:
	json_decref(disks);
	job_fail(j, "%s", err);
}

void backup_after_copy(struct job *j)
{
	((struct backup_run *)job_priv(j))->copied_ms = mono_ms();
	backup_sum_all(j, finish);
}

/* --- qemu-img convert of each disk (a stopped VM's backup, a restore) ----------------- */

static void poll_convert(struct job *j)
{
	struct backup_run *run = job_priv(j);
	const json_t *dk = backup_disk_at(j, run->i);
	uint64_t have = 0, share = (uint64_t)json_integer_value(json_object_get(dk, "alloc"));
	struct stat st;

	if (lstat(backup_dstr(dk, "path"), &st) == 0)
		have = (uint64_t)st.st_blocks * 512;
	job_progress(j, run->made + (have < share ? have : share), run->total);
}

static void convert_next(struct job *j);

static void converted(struct job *j, const struct job_exec_result *res)
{
	struct backup_run *run = job_priv(j);
	const json_t *dk = backup_disk_at(j, run->i);
	char msg[1024];

	job_poll_stop(j);
	if (job_exec_failure(res, "qemu-img convert", msg, sizeof(msg))) {
		job_fail(j, "cannot copy %s: %s", backup_dstr(dk, "source"), msg);
		return;
	}
	run->made += (uint64_t)json_integer_value(json_object_get(dk, "alloc"));
	run->i++;
	job_progress(j, run->made, run->total);
	convert_next(j);
}

void backup_convert_all(struct job *j, void (*then)(struct job *j))
{
	struct backup_run *run = job_priv(j);

	run->i = 0;
	run->then = then;
	convert_next(j);
}

static void convert_next(struct job *j)
{
	struct backup_run *run = job_priv(j);
	const json_t *dk = backup_disk_at(j, run->i);
	char *src, *av[10], err[1024];
	int rc;

	if (run->i == backup_ndisks(j)) {
		run->then(j);
		return;
	}
	if (job_disk_claim(j, backup_dstr(dk, "path"), err, sizeof(err)) < 0) {
		job_fail(j, "%s", err);
		return;
	}
	src = json_dumps(json_object_get(dk, "chain"), JSON_COMPACT);
	av[0] = "qemu-img";
	av[1] = "convert";
	av[2] = "-q";
	av[3] = "-O";
	av[4] = "qcow2";
	av[5] = xasprintf("json:%s", src);
	av[6] = (char *)backup_dstr(dk, "path");
	av[7] = NULL;
	rc = job_step_qemu_img(j, av, converted, err, sizeof(err));
	free(av[5]);
	free(src);
	if (rc < 0) {
		job_fail(j, "%s", err);
		return;
	}
	job_poll_start(j, ALLOC_POLL_MS, poll_convert);
}

/* --- the kind ---------------------------------------------------------------------- */

static int create_start(struct job *j, char *err, size_t errlen)
{
	struct backup_run *run = job_priv(j);
	json_t *a = job_args(j), *dk;
	size_t i;
	int rc;

	run->tmp_fd = -1;
	run->dir_fd = -1;
	run->start_ms = mono_ms();
	/* QEMU's block jobs count every byte of a disk; qemu-img's, its data */
	json_array_foreach(json_object_get(a, "disks"), i, dk)
		run->total += (uint64_t)json_integer_value(json_object_get(dk,
			json_is_true(json_object_get(a, "live")) ? "size_bytes" : "alloc"));
	if ((rc = backup_dirs_make(job_daemon(j), backup_dstr(a, "dir"), err, errlen)) < 0)
		return rc;
	run->dir_fd = rc;
	run->dir_made = 1;
	job_progress(j, 0, run->total);
	if (json_is_true(json_object_get(a, "live")))
		return backup_live_start(j, err, errlen);
	run->instant = time(NULL);
	if ((rc = backup_vars_copy(j, err, errlen)) < 0)
		return rc;
	backup_convert_all(j, backup_after_copy);
	return 0;
}

static void create_cleanup(struct job *j)
{
	struct backup_run *run = job_priv(j);
	json_t *a = job_args(j);

	if (run->tmp_fd >= 0)
		close(run->tmp_fd);
	run->tmp_fd = -1;
	backup_dir_close(run);
	if (run->attached)
		backup_qemu_teardown(job_daemon(j), backup_dstr(a, "vm"), job_id(j), backup_ndisks(j),
				     NULL);
	if (run->dir_made)
		backup_files_remove(backup_dstr(a, "dir"), json_object_get(a, "disks"));
}

static enum job_recover create_recover(struct job *j, char *why, size_t whylen)
{
	json_t *a = job_args(j);
	int64_t id;

	(void)why;
	(void)whylen;
	if (store_backup_by_job(job_daemon(j)->store, job_id(j), &id) == 0)
		return JOB_RECOVER_DONE;
	if (json_is_true(json_object_get(a, "live")))
		backup_qemu_teardown(job_daemon(j), backup_dstr(a, "vm"), job_id(j), backup_ndisks(j),
				     NULL);
	backup_files_remove(backup_dstr(a, "dir"), json_object_get(a, "disks"));
	return JOB_RECOVER_FAIL;
}

const struct job_kind backup_create_kind = {
	.name = "backup.create",
	.priv_size = sizeof(struct backup_run),
	.start = create_start,
	.cleanup = create_cleanup,
	.recover = create_recover,
};

/* --- queueing ---------------------------------------------------------------------- */

int64_t backup_copying(struct croftd *d, const char *vm)
{
	struct job *j;

	for (j = d->jobs ? job_runner_first(d->jobs) : NULL; j; j = job_next(j))
		if (!strcmp(job_kind_name(j), backup_create_kind.name) && job_target(j) &&
		    !strcmp(job_target(j), vm) && !json_is_true(json_object_get(job_args(j), "live")))
			return job_id(j);
	return 0;
}

/* Is dir (a pool's) where any of the VM's disks lie? */
static const char *disk_in_pool(struct croftd *d, const struct store_vm *spec, const char *dir)
{
	struct pools_root root;
	size_t i;

	for (i = 0; i < spec->ndisks; i++)
		if (pools_find(d->pools, spec->disks[i].path, &root) == 0 && root.pool &&
		    !strcmp(root.dir, dir))
			return spec->disks[i].path;
	return NULL;
}

static const char *pool_of(struct croftd *d, const char *path)
{
	struct pools_root root;
	size_t i;

	if (pools_find(d->pools, path, &root) < 0 || !root.pool)
		return NULL;
	for (i = 0; i < pools_count(d->pools); i++)
		if (!strcmp(pools_dir(d->pools, i), root.dir))
			return pools_name(d->pools, i);
	return NULL;
}

json_t *backup_nics_json(struct croftd *d, int64_t vm_id)
{
	struct store_nic *nics = NULL;
	json_t *out = json_array();
	size_t n = 0, i;

	if (store_nic_list(d->store, vm_id, 0, &nics, &n) < 0)
		return out;
	for (i = 0; i < n; i++) {
		struct store_net net;

		if (store_net_get_id(d->store, nics[i].net_id, &net) < 0)
			continue;
		json_array_append_new(out, json_pack("{s:s,s:s,s:I,s:I}", "network", net.name,
			"mac", nics[i].mac, "vlan", (json_int_t)nics[i].vlan, "rate_mbit",
			(json_int_t)nics[i].rate_mbit));
		store_net_clear(&net);
	}
	store_nic_list_free(nics, n);
	return out;
}

/* Disk i of the VM as the job's args have it; *alloc grows by its size. */
static int disk_args(struct croftd *d, struct vm *vm, size_t i, const char *dir, int live,
		     json_t **out, uint64_t *alloc, const char **code, char *err, size_t errlen)
{
	const struct store_disk *sd = &vm->spec.disks[i];
	struct vm_file_chain c;
	char path[PATH_MAX + 64];
	uint64_t have = 0;
	json_t *o, *chain;
	int rc;

	if ((rc = vm_file_chain_open(d->pools, sd->path, sd->format, 0, &c, code, err,
				     errlen)) < 0)
		return rc;
	chain = vm_clone_chain_json(&c, 0, &have);
	snprintf(path, sizeof(path), "%s/disk%zu.qcow2", dir, i);
	o = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I}", "source", sd->path, "format", sd->format,
		      "path", path, "image_format", "qcow2", "size_bytes",
		      (json_int_t)(c.virtual_size ? c.virtual_size
						  : (uint64_t)c.layers[0].f.st.st_size),
		      "alloc", (json_int_t)have);
	vm_file_chain_close(&c);
	if (live) {
		const char *node = vm_disk_path_node(vm, sd->path);

		json_decref(chain);
		if (!node) {
			json_decref(o);
			*code = PROTO_E_INTERNAL;
			err_set(err, errlen, "croftd does not know QEMU's name of %s", sd->path);
			return -EIO;
		}
		json_object_set_new(o, "node", json_string(node));
		/* job_disk_steps makes the targets from these */
		json_object_set_new(o, "format", json_string("qcow2"));
		json_object_set_new(o, "source_format", json_string(sd->format));
	} else {
		json_object_set_new(o, "chain", chain);
	}
	*alloc += have;
	*out = o;
	return 0;
}

static int room(const char *pool, const char *dir, uint64_t need, char *err, size_t errlen)
{
	struct statvfs sv;

	if (statvfs(dir, &sv) < 0) {
		err_set(err, errlen, "cannot read the free space of pool '%s' (%s): %s", pool, dir,
			strerror(errno));
		return -errno;
	}
	return backup_room_check(pool, need, (uint64_t)sv.f_bavail * sv.f_frsize,
				 (uint64_t)sv.f_blocks * sv.f_frsize, err, errlen);
}

/* The new backup's directory in pool directory pdir: named by the second
 * it is taken at, with "-1", "-2"... after it when a backup of that second
 * is there already (a scheduled one right after one by hand). */
static int dir_pick(const char *pdir, const char *vm, char *dir, size_t dirlen, char *err,
		    size_t errlen)
{
	char stamp[32];
	struct stat st;
	int n;

	backup_stamp(time(NULL), stamp, sizeof(stamp));
	for (n = 0; n < BACKUP_SAME_SECOND_MAX; n++) {
		if (n)
			snprintf(dir, dirlen, "%s/.backups/%s/%s-%d", pdir, vm, stamp, n);
		else
			snprintf(dir, dirlen, "%s/.backups/%s/%s", pdir, vm, stamp);
		if (lstat(dir, &st) < 0)
			return 0;
	}
	err_set(err, errlen, "%d backups of VM '%s' were taken this very second; try again",
		n, vm);
	return -EBUSY;
}

int backup_create(struct croftd *d, const char *name, const char *pool, int64_t schedule_id,
		  uint64_t speed, job_done_fn done, void *data, struct job **out,
		  const char **code, char *err, size_t errlen)
{
	struct vm *vm = name ? vm_find(d, name) : NULL;
	const char *pdir = pool ? pools_dir_of(d->pools, pool) : NULL, *clash;
	char dir[PATH_MAX], *vars = NULL;
	json_t *disks, *o, *args;
	ssize_t pi = pool ? pools_index(d->pools, pool) : -1;
	uint64_t need = 0;
	int live, rc;
	size_t i;

	*code = PROTO_E_NOT_FOUND;
	if (!vm) {
		err_set(err, errlen, "no VM named '%s'", name ? name : "");
		return -ENOENT;
	}
	if (!pdir || pi < 0) {
		err_set(err, errlen, "no pool named '%s'", pool ? pool : "");
		return -ENOENT;
	}
	*code = PROTO_E_INVALID_ARGUMENT;
	if (pools_kind_at(d->pools, (size_t)pi) != POOLS_DISK) {
		err_set(err, errlen, "pool '%s' holds ISOs; a backup goes to an images pool", pool);
		return -EINVAL;
	}
	if ((clash = disk_in_pool(d, &vm->spec, pdir))) {
		err_set(err, errlen, "pool '%s' holds VM '%s''s disk %s: a backup must go to another "
			"pool (a snapshot is not a backup)", pool, name, clash);
		return -EINVAL;
	}
	if (!vm->spec.ndisks) {
		err_set(err, errlen, "VM '%s' has no disk to back up", name);
		return -EINVAL;
	}
	*code = PROTO_E_INVALID_STATE;
	if (vm->spec.is_template) {
		err_set(err, errlen, "VM '%s' is a template; back up a clone of it instead", name);
		return -EINVAL;
	}
	if (vm_busy_check(d, &vm->spec, code, err, errlen) < 0)
		return -EBUSY;
	live = vm_is_live(vm);
	if (live && (vm->state != VM_RUNNING && vm->state != VM_PAUSED)) {
		err_set(err, errlen, "VM '%s' is %s; back it up when it runs or is stopped", name,
			vm_state_name(vm->state));
		return -EBUSY;
	}
	if (live && !vm->qmp) {
		err_set(err, errlen, "croftd is not connected to VM '%s''s QEMU yet", name);
		return -EAGAIN;
	}
	if ((rc = dir_pick(pdir, name, dir, sizeof(dir), err, errlen)) < 0)
		return rc;
	disks = json_array();
	for (i = 0; i < vm->spec.ndisks; i++) {
		if ((rc = disk_args(d, vm, i, dir, live, &o, &need, code, err, errlen)) < 0) {
			json_decref(disks);
			return rc;
		}
		json_array_append_new(disks, o);
	}
	*code = PROTO_E_INVALID_STATE;
	if ((rc = room(pool, pdir, need, err, errlen)) < 0) {
		json_decref(disks);
		return rc;
	}
	if (!strcmp(vm->spec.firmware ? vm->spec.firmware : "", "uefi"))
		vars = vm_state_path(d, name, "OVMF_VARS.fd");
	args = json_pack("{s:s,s:s,s:s,s:s*,s:s,s:b,s:I,s:s*,s:o,s:o}", "vm", name, "uuid",
			 vm->spec.uuid, "pool", pool, "src_pool",
			 pool_of(d, vm->spec.disks[0].path), "dir", dir, "live", live, "schedule",
			 (json_int_t)schedule_id, "vars", vars, "config",
			 backup_config_json(&vm->spec, backup_nics_json(d, vm->spec.id)), "disks",
			 disks);
	free(vars);
	if (speed)
		json_object_set_new(args, "speed", json_integer((json_int_t)speed));
	*code = PROTO_E_IO;
	return job_submit(d->jobs, backup_create_kind.name, name, args, done, data, out, err,
			  errlen);
}

int backup_submit_create(struct croftd *d, const char *vm, const char *pool, int64_t schedule_id,
			 job_done_fn done, void *data, struct job **out, char *err, size_t errlen)
{
	const char *code;

	return backup_create(d, vm, pool, schedule_id, 0, done, data, out, &code, err, errlen);
}
