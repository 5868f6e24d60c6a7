/*
 * Moving images across the boundary, as jobs: "vol.import" (an image file
 * of the requesting user's into a pool, converted to qcow2 or raw),
 * "iso.import" (an ISO 9660 file into an iso pool) and "vol.export" (a
 * volume into a new file of the user's).
 *
 * croftd never opens, stats or follows the user's path itself.  Every
 * process that touches it runs with the rights of the user who asked (the
 * API peer's uid, with that user's groups) with no_new_privs, and is
 * bounded in time and output.  A backing file, a vmdk extent or a data
 * file an image names is therefore opened with the user's rights, or not
 * at all.
 *
 * The import's copy is one process: qemu-img convert with split
 * credentials (job_exec.h): effective uid, gid and groups the user's, real
 * ones nobody's, so the kernel makes it non-dumpable and the user can
 * neither ptrace it nor open its /proc files.  Its target is the pool
 * file croftd created (in the pool directory, mode 0700, which the user
 * cannot search) and handed to the user while the copy runs, passed as
 * fd 3 and reopened through /proc/self/fd/3.  Before the file gets its
 * name croftd makes it the QEMU user's again through its own descriptor.
 * An exploited image parser runs with the user's rights and can write
 * that one file while it runs; a seccomp filter (job_confine.h) keeps it
 * from handing the file on (no fork, no socket, no hard link), and a file
 * with a second name is refused anyway.  A restarted croftd kills a
 * converter its predecessor left (a secure exec clears PR_SET_PDEATHSIG).
 *
 * The export's copy is qemu-img convert as the user reading a read-only
 * NBD export of the volume served as the QEMU user, over a socket croftd
 * made and unlinked before either child ran: the server (qemu-nbd) gets
 * the listening socket the way systemd hands one over, the client croftd's
 * already connected end as a descriptor, so no one else can connect.
 *
 * Import: read the file's size, head and tail as the user (a FIFO, a
 * device or a directory is refused before anything opens it for reading;
 * the read is killed after VOL_IO_PROBE_MS), judge its format
 * (vol_probe.h), ask qemu-img info as the user for its virtual size and
 * backing chain, check that it fits in the pool, then convert it into
 * ".import-<job id>" in the pool (recorded, so a failure, a cancel or a
 * croftd restart removes it), hand that back to the QEMU user (mode 0600)
 * and rename it to the volume's name (never over an existing file).  Progress is qemu-img -p's; a copy whose
 * progress stands still too long is killed (job_vol_copy.h).
 *
 * Export: check as the user that the destination does not exist and its
 * directory is writable, then qemu-img convert as the user writes it from
 * a read-only export of the volume.  A failure or a cancel removes the
 * partial file, as the user.
 */
#ifndef CROFT_JOB_VOL_IMPORT_H
#define CROFT_JOB_VOL_IMPORT_H

#include "core/job.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VOL_IO_PROBE_MS 10000
#define VOL_IO_INFO_MS 20000
#define VOL_IO_STALL_MS 120000
#define VOL_IO_MIN_RATE (1u << 20)      /* bytes a second a copy may slow to */
#define VOL_IO_GROUPS_MAX 64
/* The host setting capping each copy's rate (bytes a second, qemu-img
 * convert -r); unset or 0: no cap. */
#define VOL_IO_RATE_SETTING "import_rate_limit"
/* The temporary file's name in the pool: ".import-<job id>". */
#define VOL_IO_TMP_PREFIX ".import-"
/* How the import's converter names that file: croftd's descriptor, passed
 * as fd 3 and reopened through the magic link (the pool directory stays
 * closed to the user; the inode is the user's while the copy runs). */
#define VOL_IO_TMP_FD "/proc/self/fd/3"
/* The real and saved ids of the import's converter (Debian's nobody and
 * nogroup). */
#define VOL_IO_NOBODY_UID 65534
#define VOL_IO_NOBODY_GID 65534

extern const struct job_kind job_vol_import_kind;
extern const struct job_kind job_iso_import_kind;
extern const struct job_kind job_vol_export_kind;

/* A user's file path in a request (what = "--from"): absolute, without
 * control characters, shorter than PATH_MAX.  0 or -EINVAL with err set. */
int job_vol_path_check(const char *what, const char *path, char *err, size_t errlen);

/* Add the user's ids to a job's args: "uid", "gid" and "groups" (the
 * user's supplementary groups from the user database).  0, or -ENOENT
 * with err set when uid has no user entry. */
int job_vol_user_args(uid_t uid, json_t *args, char *err, size_t errlen);

#endif
