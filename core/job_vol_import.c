/*
 * The vol.import, iso.import and vol.export jobs (job_vol_import.h).
 *
 * Each is a series of child-process steps, the last of them the copy
 * (job_vol_copy.h: qemu-img convert as its step, for the export with an
 * NBD server beside the job), stopped whatever way the job ends.  The
 * steps:
 *
 *   import:  PROBE (sh as the user)  ->  INFO (qemu-img info as the user)
 *            -> COPY (qemu-img convert, split: effectively the user, really
 *               nobody; the pool file croftd made passed as fd 3)
 *   export:  PROBE (sh as the user: the destination is free)
 *            -> COPY (qemu-nbd as QEMU | qemu-img convert as the user)
 *
 * Each step is bounded in time (vol_copy_watch): PROBE and INFO by a
 * fixed time, COPY by how long its progress may stand still.
 */
#include "core/job_vol_import.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job_exec.h"
#include "core/job_vol_copy.h"
#include "core/pool.h"
#include "core/vol_probe.h"
#include "common/log.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Prints "SIZE\n", the head, the tail; refuses what is not a regular file
 * before anything opens it for reading. */
static const char probe_script[] =
	"f=$1\n"
	"[ -e \"$f\" ] || { echo 'no such file or directory (or one you may not reach)' >&2; exit 3; }\n"
	"[ -f \"$f\" ] || { echo 'not a regular file (a device, a FIFO or a directory cannot be imported)' >&2; exit 3; }\n"
	"[ -r \"$f\" ] || { echo 'permission denied' >&2; exit 3; }\n"
	"s=$(stat -L -c %s -- \"$f\") || exit 3\n"
	"printf '%s\\n' \"$s\"\n"
	"head -c 65536 -- \"$f\" || exit 3\n"
	"tail -c 512 -- \"$f\" || exit 3\n";

/* The export's destination is free and its directory writable. */
static const char dest_script[] =
	"f=$1\n"
	"if [ -e \"$f\" ] || [ -L \"$f\" ]; then echo 'it exists already; croft does not overwrite files' >&2; exit 3; fi\n"
	"d=$(dirname -- \"$f\")\n"
	"[ -d \"$d\" ] && [ -w \"$d\" ] && [ -x \"$d\" ] || { echo \"you cannot create files in $d\" >&2; exit 3; }\n";

struct vio {
	struct vol_copy copy;    /* first: job_vol_copy.h's steps use it */
	const struct vol_format *src;
	gid_t groups[VOL_IO_GROUPS_MAX];
	struct job_exec_creds user;
	struct job_exec_creds split;     /* the user's effective ids, nobody's real ones */
	int tmp_fd;                      /* the import's pool file + 1; 0 when none */
};

static const char *arg(struct job *j, const char *key)
{
	return json_string_value(json_object_get(job_args(j), key));
}

static int is_export(struct job *j)
{
	return !strcmp(job_kind_name(j), job_vol_export_kind.name);
}

static int is_iso(struct job *j)
{
	return !strcmp(job_kind_name(j), job_iso_import_kind.name);
}

/* --- who runs what --------------------------------------------------------------- */

static int user_load(struct job *j, char *err, size_t errlen)
{
	struct vio *v = job_priv(j);
	json_t *a = job_args(j), *g;
	size_t i;

	if (!json_is_integer(json_object_get(a, "uid")) ||
	    !json_is_integer(json_object_get(a, "gid"))) {
		err_set(err, errlen, "the job names no user to act for");
		return -EINVAL;
	}
	v->user.uid = (uid_t)json_integer_value(json_object_get(a, "uid"));
	v->user.gid = (gid_t)json_integer_value(json_object_get(a, "gid"));
	json_array_foreach(json_object_get(a, "groups"), i, g) {
		if (i >= VOL_IO_GROUPS_MAX)
			break;
		v->groups[i] = (gid_t)json_integer_value(g);
		v->user.ngroups = i + 1;
	}
	v->user.groups = v->groups;
	return 0;
}

/* A child as user (creds when croftd drops privileges), sandboxed the
 * same way whichever side it is on. */
static void spec_init(struct job *j, struct job_exec_spec *s, const char *user,
		      const struct job_exec_creds *creds, const char *who)
{
	memset(s, 0, sizeof(*s));
	s->user = user;
	s->creds = job_daemon(j)->drop_privs ? creds : NULL;
	s->no_new_privs = 1;
	s->die_with_croftd = 1;
	s->new_session = 1;
	s->who = who;
	s->out = JOB_EXEC_CAPTURE;
	s->err = JOB_EXEC_CAPTURE;
	s->capture_max = 4096;
}

/* The user who asked. */
static void user_spec(struct job *j, struct job_exec_spec *s, const char *who)
{
	struct vio *v = job_priv(j);

	spec_init(j, s, json_string_value(json_object_get(job_args(j), "user")), &v->user, who);
}

/* The QEMU user, whose the pools are; c holds its ids. */
static void qemu_spec(struct job *j, struct job_exec_spec *s, struct job_exec_creds *c,
		      const char *who)
{
	struct croftd *d = job_daemon(j);

	*c = (struct job_exec_creds){ .uid = d->qemu_uid, .gid = d->qemu_gid,
				      .groups = d->qemu_groups, .ngroups = (size_t)d->qemu_ngroups };
	spec_init(j, s, d->qemu_user, c, who);
}

/* The import's converter: the user's rights on files, nobody's as a
 * process (job_exec.h), run without a shell, confined (job_confine.h): it
 * can neither fork nor make a socket to pass the pool file on. */
static void split_spec(struct job *j, struct job_exec_spec *s)
{
	struct vio *v = job_priv(j);

	v->split = v->user;
	v->split.split = 1;
	v->split.ruid = VOL_IO_NOBODY_UID;
	v->split.rgid = VOL_IO_NOBODY_GID;
	spec_init(j, s, json_string_value(json_object_get(job_args(j), "user")), &v->split,
		  "qemu-img");
	s->confine = 1;          /* the pool file's descriptor ends with it */
}

static void tmp_close(struct job *j)
{
	struct vio *v = job_priv(j);

	if (v->tmp_fd)
		close(v->tmp_fd - 1);
	v->tmp_fd = 0;
}

static void copy_done(struct job *j, const struct job_exec_result *res);

/* --- import ------------------------------------------------------------------------- */

static const char *from(struct job *j)
{
	return arg(j, "from");
}

static void step_fail(struct job *j, const struct job_exec_result *res, const char *what,
		      const char *stage)
{
	struct vio *v = job_priv(j);
	char msg[1024];

	if (v->copy.timed_out)
		job_fail(j, "cannot read %s: %s did not finish in %u s (a FIFO, a device or a hung "
			 "file system?)", from(j), stage, v->copy.limit_ms / 1000);
	else if (job_exec_failure(res, what, msg, sizeof(msg)))
		job_fail(j, "cannot read %s: %s", from(j), msg);
	else
		job_fail(j, "cannot read %s: %s failed", from(j), stage);
}

static int tmp_path(struct job *j, char *path, size_t len)
{
	return (size_t)snprintf(path, len, "%s/" VOL_IO_TMP_PREFIX "%lld", arg(j, "dir"),
				(long long)job_id(j)) < len ? 0 : -ENAMETOOLONG;
}

/* The pool's free bytes, or UINT64_MAX when unknown. */
static uint64_t pool_free(struct job *j)
{
	struct statvfs sv;

	if (statvfs(arg(j, "dir"), &sv) < 0)
		return UINT64_MAX;
	return (uint64_t)sv.f_bavail * sv.f_frsize;
}

/* Whether the image fits: 0, or -ENOSPC with err set. */
static int fits(struct job *j, const struct vol_chain_info *ci, char *err, size_t errlen)
{
	const char *fmt = arg(j, "format");
	uint64_t need = !strcmp(fmt, "raw") ? ci->virtual_size : ci->allocated;
	uint64_t have = pool_free(j);
	char a[32], b[32], c[32];

	if (need <= have)
		return 0;
	if (!strcmp(fmt, "raw"))
		err_set(err, errlen, "%s/%s as raw needs %s (its virtual size) but pool '%s' has %s free",
			arg(j, "pool"), arg(j, "name"), size_format(need, a, sizeof(a)),
			arg(j, "pool"), size_format(have, b, sizeof(b)));
	else
		err_set(err, errlen, "%s/%s needs about %s (the data in %s, virtual size %s) but pool "
			"'%s' has %s free", arg(j, "pool"), arg(j, "name"),
			size_format(need, a, sizeof(a)), from(j),
			size_format(ci->virtual_size, c, sizeof(c)), arg(j, "pool"),
			size_format(have, b, sizeof(b)));
	return -ENOSPC;
}

static void info_done(struct job *j, const struct job_exec_result *res)
{
	struct vio *v = job_priv(j);
	struct croftd *d = job_daemon(j);
	struct job_exec_spec conv;
	struct vol_chain_info ci;
	char tmp[PATH_MAX], err[1024], rate[32];
	char *argv[14];
	int fd;

	if (v->copy.timed_out || res->status || res->signal) {
		step_fail(j, res, "qemu-img info", "qemu-img info");
		return;
	}
	if (vol_probe_info_parse(res->out, &ci, err, sizeof(err)) < 0) {
		job_fail(j, "cannot read %s: %s", from(j), err);
		return;
	}
	if (disk_size_check(ci.virtual_size, err, sizeof(err)) < 0 && !is_iso(j)) {
		job_fail(j, "cannot import %s: %s", from(j), err);
		return;
	}
	if (fits(j, &ci, err, sizeof(err)) < 0) {
		job_fail(j, "%s", err);
		return;
	}
	v->copy.total = ci.virtual_size;
	if (tmp_path(j, tmp, sizeof(tmp)) < 0) {
		job_fail(j, "pool directory %s is too long", arg(j, "dir"));
		return;
	}
	if (job_cleanup_add(j, tmp, err, sizeof(err)) < 0 ||
	    pool_image_claim_fd(tmp, d->drop_privs ? v->user.uid : (uid_t)-1, v->user.gid, &fd,
				err, sizeof(err)) < 0) {
		job_fail(j, "%s", err);
		return;
	}
	v->tmp_fd = fd + 1;
	split_spec(j, &conv);
	vol_copy_convert_argv(j, argv, v->src->driver, from(j), arg(j, "format"), VOL_IO_TMP_FD,
			      rate);
	conv.argv = argv;
	conv.pass_fds = &fd;
	conv.npass_fds = 1;
	if (vol_copy_start(j, NULL, &conv, tmp, copy_done, err, sizeof(err)) < 0)
		job_fail(j, "%s", err);
}

static void probe_done(struct job *j, const struct job_exec_result *res)
{
	struct vio *v = job_priv(j);
	const uint8_t *head, *tail;
	size_t hlen, tlen;
	uint64_t size;
	struct vol_probe p;
	struct job_exec_spec s;
	char err[1024];
	char *argv[] = { "qemu-img", "info", "--output=json", "--backing-chain", "-f", NULL,
			 (char *)from(j), NULL };

	if (v->copy.timed_out || res->status || res->signal) {
		step_fail(j, res, "reading it", "reading it");
		return;
	}
	if (vol_probe_split(res->out, res->out_len, &size, &head, &hlen, &tail, &tlen, err,
			    sizeof(err)) < 0) {
		job_fail(j, "cannot read %s: %s", from(j), err);
		return;
	}
	vol_probe_judge(head, hlen, tail, tlen, size, &p);
	if (is_iso(j) && p.kind != VOL_PROBE_ISO) {
		job_fail(j, "%s is not an ISO 9660 image (it reads as %s%s)", from(j),
			 p.kind == VOL_PROBE_UNSUPPORTED ? "a " : "", p.kind == VOL_PROBE_UNSUPPORTED
			 ? p.what : p.fmt->name);
		return;
	}
	if (p.kind == VOL_PROBE_UNSUPPORTED) {
		job_fail(j, "cannot import %s: unsupported source image format: %s", from(j), p.what);
		return;
	}
	if (p.kind == VOL_PROBE_ISO && !is_iso(j)) {
		job_fail(j, "%s is an ISO 9660 image; import it into an iso pool with croft iso "
			 "import", from(j));
		return;
	}
	if (!size) {
		job_fail(j, "cannot import %s: the file is empty", from(j));
		return;
	}
	v->src = p.fmt;
	argv[5] = (char *)v->src->driver;
	user_spec(j, &s, "qemu-img");
	s.argv = argv;
	s.capture_max = 1u << 20;
	vol_copy_watch(j, VOL_IO_INFO_MS);
	if (job_step_exec(j, &s, info_done, err, sizeof(err)) < 0)
		job_fail(j, "%s", err);
}

/* The copied file becomes the QEMU user's (mode 0600) through croftd's
 * own descriptor, before it has a name anyone could use: 0, or -errno
 * with the job failed. */
static int hand_back(struct job *j)
{
	struct vio *v = job_priv(j);
	struct croftd *d = job_daemon(j);
	struct stat st;
	int fd = v->tmp_fd - 1, rc = 0;

	if (d->drop_privs && fchown(fd, d->qemu_uid, d->qemu_gid) < 0)
		rc = -errno;
	else if (fchmod(fd, 0600) < 0 || fstat(fd, &st) < 0)
		rc = -errno;
	if (rc < 0) {
		job_fail(j, "cannot hand the imported image to %s: %s", d->qemu_user, strerror(-rc));
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		job_fail(j, "the imported image has %ju names while it was copied; nothing imported",
			 (uintmax_t)st.st_nlink);
		return -EPERM;
	}
	tmp_close(j);
	return 0;
}

static void import_finish(struct job *j)
{
	struct vio *v = job_priv(j);
	char tmp[PATH_MAX], name[NAME_MAX + 1];
	int dfd;

	tmp_path(j, tmp, sizeof(tmp));
	snprintf(name, sizeof(name), "%s", arg(j, "name"));
	if (hand_back(j) < 0)
		return;
	dfd = open(arg(j, "dir"), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || renameat2(dfd, strrchr(tmp, '/') + 1, dfd, name, RENAME_NOREPLACE) < 0) {
		job_fail(j, errno == EEXIST ? "volume %s/%s was created meanwhile; nothing imported"
			 : "cannot name the volume %s/%s: %s", arg(j, "pool"), name, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return;
	}
	close(dfd);
	job_cleanup_drop(j, tmp);
	job_progress(j, v->copy.total, v->copy.total);
	job_set_result(j, json_pack("{s:s,s:s,s:s,s:s,s:I}", "pool", arg(j, "pool"), "name", name,
				    "format", arg(j, "format"), "source_format", v->src->name,
				    "virtual_bytes", (json_int_t)v->copy.total));
	log_info("%s %s/%s from %s (%s)", is_iso(j) ? "ISO imported as" : "volume imported as",
		 arg(j, "pool"), name, from(j), v->src->name);
	/* as vol.create's: the target POOL/NAME */
	bus_publish(job_daemon(j)->bus, "vol.created", job_target(j), 0,
		    json_pack("{s:s}", "name", job_target(j)), "volume %s imported",
		    job_target(j));
	job_done(j);
}

/* --- export --------------------------------------------------------------------------- */

static void export_finish(struct job *j)
{
	struct vio *v = job_priv(j);

	job_progress(j, v->copy.total, v->copy.total);
	job_set_result(j, json_pack("{s:s,s:s,s:s,s:s}", "pool", arg(j, "pool"), "name",
				    arg(j, "name"), "to", arg(j, "to"), "format", arg(j, "format")));
	log_info("volume %s/%s exported to %s (%s)", arg(j, "pool"), arg(j, "name"), arg(j, "to"),
		 arg(j, "format"));
	job_done(j);
}

static void dest_done(struct job *j, const struct job_exec_result *res)
{
	struct vio *v = job_priv(j);
	struct job_exec_spec server, client;
	struct job_exec_creds qc;
	const struct vol_format *out = vol_format_find(arg(j, "format"));
	char err[1024], rate[32];
	char *sargv[] = { "qemu-nbd", "-r", "-f", (char *)arg(j, "vformat"), (char *)arg(j, "path"),
			  NULL };
	char *cargv[14];

	if (v->copy.timed_out || job_exec_failure(res, "sh", err, sizeof(err))) {
		job_fail(j, "cannot write %s: %s", arg(j, "to"), v->copy.timed_out ?
			 "checking it did not finish in time" : err);
		return;
	}
	v->copy.total = (uint64_t)json_integer_value(json_object_get(job_args(j), "virtual_bytes"));
	qemu_spec(j, &server, &qc, "qemu-nbd");
	server.argv = sargv;
	user_spec(j, &client, "qemu-img");
	vol_copy_convert_argv(j, cargv, NULL, NULL, out->driver, arg(j, "to"), rate);
	client.argv = cargv;
	client.umask = 0077;
	/* from here on a file at "to" is the job's own */
	json_object_set_new(job_args(j), "created", json_true());
	if (vol_copy_start(j, &server, &client, NULL, copy_done, err, sizeof(err)) < 0)
		job_fail(j, "%s", err);
}

/* Remove the partial export, as the user, without waiting. */
static void export_remove(struct job *j)
{
	struct job_exec_spec s;
	struct job_exec *x;
	char err[256];
	char *argv[] = { "rm", "-f", "--", (char *)arg(j, "to"), NULL };

	if (!json_is_true(json_object_get(job_args(j), "created")) || !arg(j, "to"))
		return;
	user_spec(j, &s, "rm");
	s.argv = argv;
	s.out = s.err = JOB_EXEC_NULL;
	if (job_exec_start(job_daemon(j)->loop, &s, NULL, NULL, &x, err, sizeof(err)) == 0)
		job_exec_abandon(x);
	else
		log_warn("job %lld: cannot remove %s: %s", (long long)job_id(j), arg(j, "to"), err);
}

/* --- the copy's end, both ways ------------------------------------------------------------ */

static void copy_done(struct job *j, const struct job_exec_result *res)
{
	struct vio *v = job_priv(j);
	char msg[1024], server[1024];

	/* the server's own complaint, when it has exited, says more */
	snprintf(server, sizeof(server), "%s", v->copy.server_err ? v->copy.server_err : "");
	vol_copy_stop(j);
	if (v->copy.timed_out) {
		job_fail(j, "the copy made no progress for %u s and was stopped", v->copy.limit_ms / 1000);
		return;
	}
	if (job_exec_failure(res, "qemu-img convert", msg, sizeof(msg))) {
		if (server[0])
			job_fail(j, "cannot %s %s: %s", is_export(j) ? "export" : "read",
				 is_export(j) ? arg(j, "name") : from(j), server);
		else if (is_export(j))
			job_fail(j, "cannot write %s: %s", arg(j, "to"), msg);
		else
			job_fail(j, "cannot import %s: %s", from(j), msg);
		return;
	}
	if (is_export(j))
		export_finish(j);
	else
		import_finish(j);
}

/* --- the kinds ------------------------------------------------------------------------------- */

static int vio_start(struct job *j, char *err, size_t errlen)
{
	struct vio *v = job_priv(j);
	const char *path = is_export(j) ? arg(j, "to") : from(j);
	struct job_exec_spec s;
	char *argv[] = { "sh", "-c", (char *)(is_export(j) ? dest_script : probe_script),
			 "croft-probe", (char *)path, NULL };
	int rc;

	if (!path || !arg(j, "pool") || !arg(j, "name") || !arg(j, "format") ||
	    !vol_format_find(arg(j, "format"))) {
		err_set(err, errlen, "the job names no file, volume or format");
		return -EINVAL;
	}
	if ((rc = user_load(j, err, errlen)) < 0)
		return rc;
	/* the converter's real uid is nobody's: for nobody itself it would
	 * be the user's own process, open to it */
	if (!is_export(j) && job_daemon(j)->drop_privs && v->user.uid == VOL_IO_NOBODY_UID) {
		err_set(err, errlen, "croft imports no files for the user nobody (uid %d)",
			VOL_IO_NOBODY_UID);
		return -EPERM;
	}
	user_spec(j, &s, "sh");
	s.argv = argv;
	s.capture_max = VOL_PROBE_HEAD + VOL_PROBE_TAIL + 64;
	rc = job_step_exec(j, &s, is_export(j) ? dest_done : probe_done, err, errlen);
	if (rc == 0)
		vol_copy_watch(j, VOL_IO_PROBE_MS);
	return rc;
}

static void vio_cleanup(struct job *j)
{
	vol_copy_stop(j);
	tmp_close(j);
	if (is_export(j))
		export_remove(j);
}

/*
 * An import's converter outlives croftd: exec with split ids is a secure
 * exec, which clears PR_SET_PDEATHSIG.  It is found by what its fd 3 is,
 * the job's own pool file (whose name has the job's id), and killed.
 */
static void converter_kill(struct job *j)
{
	char tmp[PATH_MAX], link[64], at[PATH_MAX + 16];
	size_t tl;
	struct dirent *e;
	ssize_t n;
	DIR *dir;
	char *end;
	long pid;

	if (tmp_path(j, tmp, sizeof(tmp)) < 0 || !(dir = opendir("/proc")))
		return;
	tl = strlen(tmp);
	while ((e = readdir(dir))) {
		pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 1)
			continue;
		snprintf(link, sizeof(link), "/proc/%ld/fd/3", pid);
		n = readlink(link, at, sizeof(at) - 1);
		if (n < (ssize_t)tl || memcmp(at, tmp, tl))
			continue;
		at[n] = '\0';
		if (!at[tl] || !strcmp(at + tl, " (deleted)")) {
			log_info("job %lld: killing its converter (pid %ld), left by the croftd before",
				 (long long)job_id(j), pid);
			kill((pid_t)pid, SIGKILL);
		}
	}
	closedir(dir);
}

/* The job's children died with croftd, but for the import's converter,
 * killed here; the import's temporary file is removed by the runner.  A
 * partial export is the user's file: croftd can only say so. */
static enum job_recover vio_recover(struct job *j, char *why, size_t whylen)
{
	if (!is_export(j) && arg(j, "dir"))
		converter_kill(j);
	if (is_export(j))
		err_set(why, whylen, "croftd restarted while the export was running; %s may be "
			"left incomplete", arg(j, "to") ? arg(j, "to") : "the file");
	return JOB_RECOVER_FAIL;
}

#define VIO_KIND(n) {                                                            \
		.name = (n), .priv_size = sizeof(struct vio), .start = vio_start,        \
		.cancel = vol_copy_cancel, .cleanup = vio_cleanup, .recover = vio_recover,    \
	}

const struct job_kind job_vol_import_kind = VIO_KIND("vol.import");
const struct job_kind job_iso_import_kind = VIO_KIND("iso.import");
const struct job_kind job_vol_export_kind = VIO_KIND("vol.export");

/* --- for the handlers -------------------------------------------------------------------------- */

int job_vol_path_check(const char *what, const char *path, char *err, size_t errlen)
{
	const char *p;

	if (!path || !*path) {
		err_set(err, errlen, "%s needs a file", what);
		return -EINVAL;
	}
	if (path[0] != '/') {
		err_set(err, errlen, "%s needs an absolute path, not '%s'", what, path);
		return -EINVAL;
	}
	if (strlen(path) >= PATH_MAX - 1) {
		err_set(err, errlen, "%s: the path is longer than %d bytes", what, PATH_MAX - 2);
		return -EINVAL;
	}
	for (p = path; *p; p++) {
		if ((unsigned char)*p < 32 || *p == 127) {
			err_set(err, errlen, "%s: the path contains a control character (0x%02x)",
				what, (unsigned char)*p);
			return -EINVAL;
		}
	}
	return 0;
}

int job_vol_user_args(uid_t uid, json_t *args, char *err, size_t errlen)
{
	struct passwd pw, *pwp = NULL;
	gid_t groups[VOL_IO_GROUPS_MAX];
	int n = VOL_IO_GROUPS_MAX, i;
	char buf[4096];
	json_t *g;

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) != 0 || !pwp) {
		err_set(err, errlen, "uid %d has no entry in the user database; croft reads and "
			"writes files only as a known user", (int)uid);
		return -ENOENT;
	}
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
		n = VOL_IO_GROUPS_MAX;          /* the first VOL_IO_GROUPS_MAX */
	g = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(g, json_integer((json_int_t)groups[i]));
	json_object_set_new(args, "uid", json_integer((json_int_t)uid));
	json_object_set_new(args, "gid", json_integer((json_int_t)pw.pw_gid));
	json_object_set_new(args, "groups", g);
	json_object_set_new(args, "user", json_string(pw.pw_name));
	return 0;
}
