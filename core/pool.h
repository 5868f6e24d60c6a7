/*
 * Disk images in pool directories, through qemu-img: create thin qcow2 (or
 * preallocated raw) volumes, and read an existing image's format and sizes.
 * qemu-img runs as a child through job_exec (core/job_exec.h), whose seam
 * lets unit tests inject its output and failures.
 *
 * Creating is three parts, so the disk.create job (core/job_disk.h) can
 * record and watch each: check the request, claim the path (an empty file
 * only we made), then run the command line that formats it.
 */
#ifndef CROFT_POOL_H
#define CROFT_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;
struct job_exec_result;

struct pool_image_info {
	char format[16];          /* "qcow2", "raw", "vmdk"... */
	uint64_t virtual_size;
	uint64_t actual_size;     /* bytes allocated on the host */
};

/* A qemu-img command line; free with pool_cmd_free. */
struct pool_cmd {
	char *argv[12];
	char *path;               /* the image as qemu-img is given it */
	char *size;
};
void pool_cmd_free(struct pool_cmd *c);
/* A child spec running c (output captured, bounded). */
struct job_exec_spec;
void pool_cmd_spec(struct pool_cmd *c, struct job_exec_spec *spec);

/* What pool_image_create would make: a non-empty path, format "qcow2"
 * (thin) or "raw" (preallocated), 1..INT64_MAX bytes.  0 or -EINVAL with
 * err naming the problem. */
int pool_image_create_check(const char *path, const char *format, uint64_t bytes,
			    char *err, size_t errlen);
/* Create path empty (O_EXCL, not through a symlink, mode 0600), owned by
 * uid:gid unless uid is (uid_t)-1.  0, or -errno with err set (-EEXIST:
 * "disk image ... already exists"); a failed chown removes it again. */
int pool_image_claim(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen);
/* The same, keeping the descriptor (read-write, close-on-exec) in *fd for
 * the caller to close; *fd is -1 on failure. */
int pool_image_claim_fd(const char *path, uid_t uid, gid_t gid, int *fd, char *err,
			size_t errlen);
/* qemu-img create for a claimed path: qcow2 thin, raw with every byte
 * written (preallocation=full). */
void pool_image_create_cmd(const char *path, const char *format, uint64_t bytes,
			   struct pool_cmd *c);
/* qemu-img resize of an existing image to bytes (grow only; its format
 * pinned; raw grows preallocated).  Its outcome reads as create's. */
void pool_image_resize_cmd(const char *path, const char *format, uint64_t bytes,
			   struct pool_cmd *c);
/* qemu-img create's outcome: 0, or -ENOSPC / -EIO / -errno with err set to
 * qemu-img's own message. */
int pool_image_create_result(const struct job_exec_result *res, char *err, size_t errlen);

/* info is NULL when it failed, with err the message. */
typedef void (*pool_info_fn)(const struct pool_image_info *info, const char *err, void *data);
/* How croftd runs qemu-img info on an image a user named: its format
 * pinned (-f), as the unprivileged image user with no_new_privs, dying
 * with croftd, and killed after timeout_ms (the request then fails). */
struct job_exec_creds;
struct pool_info_opts {
	const char *format;                 /* "qcow2" or "raw"; NULL: qemu-img probes */
	const char *user;                   /* for messages */
	const struct job_exec_creds *creds; /* NULL: stay croftd's user */
	unsigned timeout_ms;                /* 0: none */
};
#define POOL_INFO_TIMEOUT_MS 20000
/* qemu-img info --output=json on the loop; cb runs once, later.  o may
 * be NULL (no pin, no user change, no timeout).  0, or -errno with err set
 * and cb not called (-ENOENT: no such file; qemu-img could not be
 * started). */
int pool_image_info_start(struct loop *l, const char *path, const struct pool_info_opts *o,
			  pool_info_fn cb, void *data, char *err, size_t errlen);
/* The parts of info, for callers that run the child themselves: the
 * command line for an existing path (-ENOENT "disk image ... does not
 * exist"), and the outcome (-EINVAL with err set when qemu-img failed or
 * said something unreadable). */
int pool_image_info_cmd(const char *path, struct pool_cmd *c, char *err, size_t errlen);
/* The same with the format pinned (-f format) when format is not NULL. */
int pool_image_info_cmd_pinned(const char *path, const char *format, struct pool_cmd *c,
			       char *err, size_t errlen);
int pool_image_info_result(const struct job_exec_result *res, struct pool_image_info *info,
			   char *err, size_t errlen);
/* Parse qemu-img info JSON (pure; fuzzed and unit-tested). */
int pool_image_info_parse(const char *json, struct pool_image_info *info,
			  char *err, size_t errlen);

#endif
