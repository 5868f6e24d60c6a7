/*
 * Saving a running VM's RAM and device state into a file and loading it
 * again (vmstate.h).  A save is a job step driven by QMP replies and
 * events, one command of its own in flight at a time:
 *
 *   caps (events; background-snapshot on or off) -> max-bandwidth ->
 *   getfd -> stop (its STOP event's timestamp) -> at_pause (the caller's,
 *   until vmstate_pause_done) -> migrate fd: -> query-migrate at every
 *   MIGRATION event and every POLL_MS -> completed: "cont" unless QEMU
 *   resumed the guest already (its RESUME event's timestamp) -> done.
 *
 * A background migration QEMU refuses (the capability, or "migrate", or a
 * failure before the guest ran again) is retried as "stopped" on the same
 * paused guest, the file emptied first.  Whatever ends a save (failure,
 * cancel, croftd's stop), a guest this save stopped is let go again.
 */
#include "core/vmstate.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/qmp_poll.h"
#include "core/vm.h"
#include "core/pools.h"
#include "core/vm_files.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 100
#define CONT_RETRY_MS 10
#define CONT_TRIES 500
#define FDNAME "croft-vmstate"
/* A pause QEMU's background snapshot needs besides the disks (device
 * state, write-protecting the RAM), and the write rate of a stopped save,
 * until saves have measured them. */
#define BG_PAUSE_MS_DEFAULT 30.0
#define STOPPED_RATE_DEFAULT (400.0 * 1024 * 1024)     /* bytes/s */
#define MAX_BANDWIDTH (64ull << 30)                    /* bytes/s: no limit */

/* What the last saves measured (croftd-wide; guests share the disks). */
static double bg_pause_ms = BG_PAUSE_MS_DEFAULT;
static double stopped_rate = STOPPED_RATE_DEFAULT;

enum phase {
	PH_CAPS,
	PH_PARAMS,
	PH_GETFD,
	PH_STOP,
	PH_AT_PAUSE,
	PH_MIGRATE,
	PH_FOLLOW,
	PH_CONT,
};

struct vmstate_save {
	struct job *j;                   /* NULL once orphaned */
	struct vm *vm;
	int fd;
	int bg;                          /* this attempt is a background one */
	enum phase phase;
	vmstate_at_pause_fn at_pause;
	vmstate_done_fn done;
	void *data;
	struct qmp_poll poll;            /* query-migrate; its timer also paces "cont" */
	int was_running;                 /* the guest ran: this save stops it */
	int stop_sent;
	int pause_over;                  /* at_pause has run */
	int cont_tries;
	int resumed;                     /* ... and it runs again */
	int cancelling;
	double stop_ts, resume_ts;       /* event timestamps, seconds */
	int64_t began_ms;                /* migrate sent */
	char *error;                     /* the failure to end with */
};

struct vmstate_load {
	struct vm *vm;
	vmstate_loaded_fn loaded;
	struct qmp_poll poll;            /* query-migrate */
	int orphan;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An event's own timestamp, or now when it has none. */
static double event_ts(const struct qmp_msg *ev)
{
	json_t *t = json_object_get(ev->root, "timestamp");
	json_t *s = json_object_get(t, "seconds"), *us = json_object_get(t, "microseconds");

	if (!json_is_integer(s) || !json_is_integer(us))
		return now_s();
	return (double)json_integer_value(s) + (double)json_integer_value(us) / 1e6;
}

/* --- the state file ----------------------------------------------------------- */

char *vmstate_file_path(struct croftd *d, const struct vm *vm, const char *snap, char *err,
			size_t errlen)
{
	struct pools_root root;

	if (!vm->spec.ndisks || pools_find(d->pools, vm->spec.disks[0].path, &root) < 0 ||
	    !root.pool) {
		err_set(err, errlen, "VM '%s' has no disk in a pool to keep its RAM in",
			vm->spec.name);
		return NULL;
	}
	return xasprintf("%s/.%s.snap-%s.vmstate", root.dir, vm->spec.name, snap);
}

int vmstate_file_create(const char *path, char *err, size_t errlen)
{
	int fd, rc;

	if (unlink(path) < 0 && errno != ENOENT) {
		rc = -errno;
		err_set(err, errlen, "cannot replace %s: %s", path, strerror(errno));
		return rc;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return rc;
	}
	return fd;
}

int vmstate_file_open(struct croftd *d, const char *path, char *err, size_t errlen)
{
	struct vm_file f;
	int rc = vm_file_open(d->pools, path, 0, &f);

	if (rc < 0) {
		vm_file_error(rc, "saved VM state", path, err, errlen);
		return rc;
	}
	return f.fd;
}

void vmstate_files_remove(struct croftd *d, const struct vm *vm)
{
	struct store_snap *v = NULL;
	size_t n = 0, i;

	if (store_snap_list(d->store, vm->spec.id, &v, &n) < 0)
		return;
	for (i = 0; i < n; i++)
		if (v[i].vmstate && unlink(v[i].vmstate) < 0 && errno != ENOENT)
			log_warn("VM %s: cannot remove %s: %s", vm->spec.name, v[i].vmstate,
				 strerror(errno));
	store_snap_list_free(v, n);
}

/* --- the estimate -------------------------------------------------------------- */

/* Whether vm's QEMU may create a userfaultfd: as root, holding
 * /dev/userfaultfd (vm_uffd.h), or with vm.unprivileged_userfaultfd=1. */
static int uffd_allowed(const struct croftd *d, const struct vm *vm, char *why, size_t whylen)
{
	char buf[8] = "";
	FILE *f;

	if (d->qemu_uid == 0 || vm->uffd)
		return 1;
	f = fopen("/proc/sys/vm/unprivileged_userfaultfd", "re");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	if (buf[0] == '1')
		return 1;
	snprintf(why, whylen, "the kernel lets only privileged processes use userfaultfd "
		 "(sysctl vm.unprivileged_userfaultfd=0), QEMU runs as %s, and %s%s",
		 d->qemu_user, vm->uffd_why[0] ? "" : "it does not hold /dev/userfaultfd",
		 vm->uffd_why[0] ? vm->uffd_why : "");
	return 0;
}

int vmstate_estimate(struct croftd *d, struct vm *vm, struct vmstate_estimate *out, char *err,
		     size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!vm) {
		err_set(err, errlen, "no such VM");
		return -ENOENT;
	}
	if (vm->state != VM_RUNNING && vm->state != VM_PAUSED) {
		err_set(err, errlen, "VM '%s' is %s: only a running or paused VM has RAM to save",
			vm->spec.name, vm_state_name(vm->state));
		return -EINVAL;
	}
	out->ram_bytes = vm->spec.memory_mib << 20;
	out->method = VMSTATE_STOPPED;
	if (vm->state == VM_PAUSED)
		snprintf(out->why, sizeof(out->why), "the guest is paused and stays so");
	else if (vm->bg_refused[0])
		snprintf(out->why, sizeof(out->why), "%s", vm->bg_refused);
	else if (uffd_allowed(d, vm, out->why, sizeof(out->why)))
		out->method = VMSTATE_BACKGROUND;
	if (!strcmp(out->method, VMSTATE_BACKGROUND))
		out->pause_ms = bg_pause_ms;
	else if (vm->state == VM_PAUSED)
		out->pause_ms = 0;
	else
		out->pause_ms = (double)out->ram_bytes / stopped_rate * 1000.0;
	return 0;
}

void vmstate_reset_measurements(void)
{
	bg_pause_ms = BG_PAUSE_MS_DEFAULT;
	stopped_rate = STOPPED_RATE_DEFAULT;
}

/* --- saving ------------------------------------------------------------------- */

static void save_next(struct vmstate_save *st);
static void save_poll(void *data);
static void save_end(struct vmstate_save *st);

static void save_free(struct vmstate_save *st)
{
	qmp_poll_stop(&st->poll);
	if (st->vm && st->vm->vmstate_save == st)
		st->vm->vmstate_save = NULL;
	if (st->fd >= 0)
		close(st->fd);
	free(st->error);
	free(st);
}

static struct qmp *save_qmp(struct vmstate_save *st)
{
	struct qmp *q = st->vm->qmp;

	return q && qmp_is_ready(q) ? q : NULL;
}

/* Let a guest this save stopped run again (fire and forget). */
static void let_go(struct vmstate_save *st)
{
	struct qmp *q = save_qmp(st);

	if (st->stop_sent && !st->resumed && q)
		qmp_command(q, "cont", NULL, NULL, NULL);
	st->resumed = 1;
}

static void save_fail(struct vmstate_save *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void save_fail(struct vmstate_save *st, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!st->error)
		st->error = xstrdup(msg);
	let_go(st);
	save_end(st);
}

/* The step is over: hand the outcome to the caller. */
static void save_end(struct vmstate_save *st)
{
	struct job *j = st->j;
	vmstate_done_fn done = st->done;
	void *data = st->data;
	struct vmstate_result res = { 0 };
	char *error = st->error;
	struct stat sb;
	struct qmp *q = save_qmp(st);

	st->error = NULL;
	if (q && st->bg)                 /* a later migration must not be one */
		qmp_command(q, "migrate-set-capabilities", json_pack("{s:[{s:s,s:b},{s:s,s:b}]}",
			    "capabilities", "capability", "events", "state", 1,
			    "capability", "background-snapshot", "state", 0), NULL, NULL);
	if (!error && !st->cancelling) {
		res.method = st->bg ? VMSTATE_BACKGROUND : VMSTATE_STOPPED;
		res.pause_ms = st->was_running ? (st->resume_ts - st->stop_ts) * 1000.0 : 0;
		if (res.pause_ms < 0)
			res.pause_ms = 0;
		res.bytes = fstat(st->fd, &sb) == 0 ? (uint64_t)sb.st_size : 0;
		if (st->bg && st->was_running)
			bg_pause_ms = res.pause_ms;
		else if (!st->bg && st->was_running && res.pause_ms > 1)
			stopped_rate = (double)(st->vm->spec.memory_mib << 20) / (res.pause_ms / 1000.0);
		log_info("VM %s: state saved (%s, %llu bytes, guest paused %.1f ms)",
			 st->vm->spec.name, res.method, (unsigned long long)res.bytes, res.pause_ms);
	}
	save_free(st);
	if (!job_step_end(j))
		done(j, error, error ? NULL : &res, data);
	free(error);
}

/* A reply arrived; 1 when the save was orphaned meanwhile (now freed). */
static int reply_orphaned(struct vmstate_save *st)
{
	qmp_poll_replied(&st->poll);
	if (st->j)
		return 0;
	save_free(st);
	return 1;
}

/* Common checks of a reply to one of the chain's commands: 0 to go on. */
static int reply_check(struct vmstate_save *st, const struct qmp_msg *m, const char *cmd)
{
	if (!m) {
		save_fail(st, "QEMU's QMP connection closed while saving the VM's state (%s)", cmd);
		return -1;
	}
	if (st->cancelling) {
		let_go(st);
		save_end(st);
		return -1;
	}
	return 0;
}

/* Start over as "stopped" on the still paused guest, the file emptied. */
static void fall_back(struct vmstate_save *st, const char *why)
{
	log_warn("VM %s: background snapshot refused (%s); saving with the guest stopped",
		 st->vm->spec.name, why);
	snprintf(st->vm->bg_refused, sizeof(st->vm->bg_refused),
		 "QEMU refused the background snapshot: %s", why);
	if (ftruncate(st->fd, 0) < 0 || lseek(st->fd, 0, SEEK_SET) < 0) {
		save_fail(st, "cannot empty the state file: %s", strerror(errno));
		return;
	}
	st->bg = 0;
	st->phase = PH_CAPS;
	save_next(st);
}

/* The guest is paused (by this save or before it): the caller's turn. */
static void paused(struct vmstate_save *st)
{
	st->phase = PH_AT_PAUSE;
	if (st->at_pause)
		st->at_pause(st->j, st->data);
	else
		vmstate_pause_done(st->j, NULL);
}

static void chain_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vmstate_save *st = data;
	static const char *const names[] = {
		[PH_CAPS] = "migrate-set-capabilities", [PH_PARAMS] = "migrate-set-parameters",
		[PH_GETFD] = "getfd", [PH_STOP] = "stop", [PH_MIGRATE] = "migrate",
		[PH_CONT] = "cont",
	};
	const char *cmd = names[st->phase] ? names[st->phase] : "?";

	(void)q;
	if (reply_orphaned(st) || reply_check(st, m, cmd) < 0)
		return;
	if (m->type == QMP_MSG_ERROR) {
		const char *desc = m->err_desc ? m->err_desc : "error";

		if (st->phase == PH_CONT && strstr(desc, "not finalized") &&
		    st->cont_tries++ < CONT_TRIES) {
			/* "completed" comes a moment before the run state
			 * leaves finish-migrate */
			qmp_poll_after(&st->poll, CONT_RETRY_MS);
			return;
		}

		if (st->bg && (st->phase == PH_CAPS || st->phase == PH_MIGRATE) && !st->resumed) {
			fall_back(st, desc);
			return;
		}
		save_fail(st, "QEMU refused %s: %s", cmd, desc);
		return;
	}
	if (m->type != QMP_MSG_RETURN) {
		save_fail(st, "QEMU answered %s with something else than a reply", cmd);
		return;
	}
	switch (st->phase) {
	case PH_STOP:
		if (!st->stop_ts)
			st->stop_ts = now_s();   /* no STOP event came first */
		paused(st);
		return;
	case PH_MIGRATE:
		st->phase = PH_FOLLOW;
		save_poll(st);
		return;
	case PH_CONT:
		if (!st->resume_ts)
			st->resume_ts = now_s();
		st->resumed = 1;
		save_end(st);
		return;
	default:
		st->phase++;
		save_next(st);
		return;
	}
}

/* Send the command of the current phase. */
static void save_next(struct vmstate_save *st)
{
	struct qmp *q = save_qmp(st);
	int r = -ENOTCONN, fd;

	if (q) {
		switch (st->phase) {
		case PH_CAPS:
			r = qmp_command(q, "migrate-set-capabilities",
					json_pack("{s:[{s:s,s:b},{s:s,s:b}]}", "capabilities",
						  "capability", "events", "state", 1,
						  "capability", "background-snapshot", "state", st->bg),
					chain_reply, st);
			break;
		case PH_PARAMS:
			r = qmp_command(q, "migrate-set-parameters",
					json_pack("{s:I}", "max-bandwidth", (json_int_t)MAX_BANDWIDTH),
					chain_reply, st);
			break;
		case PH_GETFD:
			fd = fcntl(st->fd, F_DUPFD_CLOEXEC, 3);
			if (fd < 0) {
				save_fail(st, "cannot pass the state file: %s", strerror(errno));
				return;
			}
			r = qmp_command_fd(q, "getfd", json_pack("{s:s}", "fdname", FDNAME), fd,
					   chain_reply, st);
			break;
		case PH_STOP:
			if (st->pause_over) {    /* a fallback: stopped still */
				st->phase = PH_MIGRATE;
				save_next(st);
				return;
			}
			if (!st->was_running) {
				paused(st);
				return;
			}
			r = qmp_command(q, "stop", NULL, chain_reply, st);
			st->stop_sent = 1;
			break;
		case PH_MIGRATE:
			st->began_ms = (int64_t)loop_now_ms();
			r = qmp_command(q, "migrate", json_pack("{s:s}", "uri", "fd:" FDNAME),
					chain_reply, st);
			break;
		case PH_CONT:
			r = qmp_command(q, "cont", NULL, chain_reply, st);
			break;
		default:
			r = -EINVAL;
			break;
		}
	}
	if (r < 0) {
		save_fail(st, "QEMU is not running any more");
		return;
	}
	st->poll.in_flight = 1;
}

/* What a query-migrate reply (non-NULL) says. */
enum mig_status { MIG_GOING, MIG_COMPLETED, MIG_FAILED, MIG_BAD };

/* MIG_FAILED: *why the failure (QEMU's error-desc, or NULL); MIG_BAD: *why
 * what is wrong with the reply. */
static enum mig_status mig_status(const struct qmp_msg *m, const char **why)
{
	const char *status;

	*why = NULL;
	if (m->type != QMP_MSG_RETURN || !json_is_object(m->ret)) {
		*why = m->type == QMP_MSG_ERROR && m->err_desc ? m->err_desc
			: "query-migrate did not answer with an object";
		return MIG_BAD;
	}
	status = json_string_value(json_object_get(m->ret, "status"));
	if (!status) {
		*why = "query-migrate answered without a status";
		return MIG_BAD;
	}
	if (!strcmp(status, "completed"))
		return MIG_COMPLETED;
	if (!strcmp(status, "failed") || !strcmp(status, "cancelled")) {
		*why = json_string_value(json_object_get(m->ret, "error-desc"));
		return MIG_FAILED;
	}
	return MIG_GOING;
}

static void migrate_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vmstate_save *st = data;
	enum mig_status ms;
	const char *why;
	json_t *ram;

	(void)q;
	if (reply_orphaned(st))
		return;
	if (!m) {
		save_fail(st, "QEMU's QMP connection closed while saving the VM's state");
		return;
	}
	ms = mig_status(m, &why);
	if (ms == MIG_BAD) {
		save_fail(st, "%s", why);
		return;
	}
	ram = json_object_get(m->ret, "ram");
	if (json_is_object(ram))
		job_progress(st->j, (uint64_t)json_integer_value(json_object_get(ram, "transferred")),
			     (uint64_t)json_integer_value(json_object_get(ram, "total")));
	if (ms != MIG_GOING && st->cancelling) {
		let_go(st);
		save_end(st);
	} else if (ms == MIG_COMPLETED && st->was_running && !st->resumed) {
		st->phase = PH_CONT;
		save_next(st);
	} else if (ms == MIG_COMPLETED) {
		save_end(st);
	} else if (ms == MIG_FAILED && st->bg && !st->resumed) {
		fall_back(st, why ? why : "the migration failed");
	} else if (ms == MIG_FAILED) {
		save_fail(st, "saving the VM's state failed: %s", why ? why : "QEMU gave no reason");
	} else {
		qmp_poll_later(&st->poll);
	}
}

/* The poll's ask: in PH_FOLLOW, or "cont" again after CONT_RETRY_MS. */
static void save_poll(void *data)
{
	struct vmstate_save *st = data;

	if (st->phase != PH_FOLLOW)
		save_next(st);
	else if (qmp_poll_now(&st->poll, save_qmp(st), "query-migrate", migrate_reply, st) < 0)
		save_fail(st, "QEMU is not running any more");
}

static const struct job_step_ops save_ops;

void vmstate_pause_done(struct job *j, const char *error)
{
	struct vmstate_save *st = job_step_of(j, &save_ops);

	if (!st || st->phase != PH_AT_PAUSE)
		return;
	st->pause_over = 1;
	if (st->cancelling) {
		let_go(st);
		save_end(st);
	} else if (error) {
		save_fail(st, "%s", error);
	} else {
		st->phase = PH_MIGRATE;
		save_next(st);
	}
}

static void save_cancel(struct job *j, void *step)
{
	struct vmstate_save *st = step;
	struct qmp *q = save_qmp(st);

	(void)j;
	st->cancelling = 1;
	if (st->phase == PH_FOLLOW) {
		if (q)
			qmp_command(q, "migrate_cancel", NULL, NULL, NULL);
		save_poll(st);
	} else if (st->phase == PH_AT_PAUSE) {
		/* at_pause's own command ends through vmstate_pause_done */
	}
	/* otherwise the chain's reply in flight ends it */
}

static void save_stop(struct job *j, void *step)
{
	struct vmstate_save *st = step;
	struct qmp *q = save_qmp(st);

	(void)j;
	if (q && st->phase == PH_FOLLOW)
		qmp_command(q, "migrate_cancel", NULL, NULL, NULL);
	let_go(st);
	qmp_poll_stop(&st->poll);
	if (st->vm->vmstate_save == st)
		st->vm->vmstate_save = NULL;
	st->j = NULL;
	if (!st->poll.in_flight)
		save_free(st);
}

static const struct job_step_ops save_ops = {
	.cancel = save_cancel,
	.stop = save_stop,
};

int vmstate_save(struct job *j, struct vm *vm, int fd, vmstate_at_pause_fn at_pause,
		 void *data, vmstate_done_fn done, char *err, size_t errlen)
{
	struct vmstate_estimate est;
	struct vmstate_save *st;
	int r, dfd;

	r = vmstate_estimate(job_daemon(j), vm, &est, err, errlen);
	if (r < 0)
		return r;
	if (!vm->qmp || !qmp_is_ready(vm->qmp)) {
		err_set(err, errlen, "VM '%s' has no QMP connection yet", vm->spec.name);
		return -EINVAL;
	}
	if (vm->vmstate_save || vm->vmstate_load) {
		err_set(err, errlen, "VM '%s' is saving or loading its state already", vm->spec.name);
		return -EBUSY;
	}
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0) {
		r = -errno;
		err_set(err, errlen, "cannot use the state file: %s", strerror(errno));
		return r;
	}
	st = xcalloc(1, sizeof(*st));
	st->j = j;
	st->vm = vm;
	qmp_poll_init(&st->poll, vm->d->loop, POLL_MS, save_poll, st);
	st->fd = dfd;
	st->bg = !strcmp(est.method, VMSTATE_BACKGROUND);
	st->was_running = vm->state == VM_RUNNING;
	st->at_pause = at_pause;
	st->done = done;
	st->data = data;
	st->phase = PH_CAPS;
	vm->vmstate_save = st;
	job_step_begin(j, &save_ops, st);
	save_next(st);
	return 0;
}

void vmstate_recover(struct vm *vm)
{
	if (vm)
		vm->vmstate_cut = vm->state == VM_RUNNING;
}

/* --- events ------------------------------------------------------------------- */

static void load_poll(void *data);

int vmstate_qmp_event(struct vm *vm, const struct qmp_msg *ev)
{
	struct vmstate_save *st = vm->vmstate_save;

	if (!strcmp(ev->event, "MIGRATION")) {
		if (st && st->phase == PH_FOLLOW)
			save_poll(st);
		if (vm->vmstate_load)
			load_poll(vm->vmstate_load);
		return 0;
	}
	if (!st || !st->was_running)
		return 0;
	if (!strcmp(ev->event, "STOP")) {
		if (st->phase == PH_STOP && !st->stop_ts) {
			st->stop_ts = event_ts(ev);
			return 1;
		}
		return !st->resumed && st->stop_ts;   /* QEMU's own stop in a paused guest */
	}
	if (!strcmp(ev->event, "RESUME") && st->stop_ts && !st->resumed) {
		st->resume_ts = event_ts(ev);
		st->resumed = 1;
		return 1;
	}
	return 0;
}

/* --- loading ------------------------------------------------------------------ */

static void load_free(struct vmstate_load *ld)
{
	qmp_poll_stop(&ld->poll);
	if (ld->vm && ld->vm->vmstate_load == ld)
		ld->vm->vmstate_load = NULL;
	free(ld);
}

static void load_end(struct vmstate_load *ld, const char *error)
{
	struct vm *vm = ld->vm;
	vmstate_loaded_fn loaded = ld->loaded;

	load_free(ld);
	loaded(vm, error);
}

/* 1 when the load was stopped meanwhile (now freed). */
static int load_reply_orphaned(struct vmstate_load *ld, const struct qmp_msg *m)
{
	qmp_poll_replied(&ld->poll);
	if (ld->orphan || !m) {
		load_free(ld);
		return 1;
	}
	return 0;
}

static void load_status(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vmstate_load *ld = data;
	enum mig_status ms;
	const char *why;

	(void)q;
	if (load_reply_orphaned(ld, m))
		return;
	ms = mig_status(m, &why);
	if (ms == MIG_COMPLETED)
		load_end(ld, NULL);
	else if (ms != MIG_GOING)
		load_end(ld, why ? why : "QEMU could not read the saved state");
	else
		qmp_poll_later(&ld->poll);
}

static void load_poll(void *data)
{
	struct vmstate_load *ld = data;

	if (qmp_poll_now(&ld->poll, ld->vm->qmp, "query-migrate", load_status, ld) < 0)
		load_free(ld);           /* QEMU is gone: its end tells the start */
}

static void load_started(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vmstate_load *ld = data;

	(void)q;
	if (load_reply_orphaned(ld, m))
		return;
	if (m->type == QMP_MSG_ERROR) {
		load_end(ld, m->err_desc ? m->err_desc : "migrate-incoming failed");
		return;
	}
	load_poll(ld);
}

void vmstate_load(struct vm *vm, vmstate_loaded_fn loaded)
{
	struct vmstate_load *ld = xcalloc(1, sizeof(*ld));
	struct qmp *q = vm->qmp;
	int fd = vm->incoming_fd;

	ld->vm = vm;
	ld->loaded = loaded;
	qmp_poll_init(&ld->poll, vm->d->loop, POLL_MS, load_poll, ld);
	vm->incoming_fd = -1;
	vm->vmstate_load = ld;
	qmp_command(q, "migrate-set-capabilities", json_pack("{s:[{s:s,s:b}]}", "capabilities",
		    "capability", "events", "state", 1), NULL, NULL);
	if (qmp_command_fd(q, "getfd", json_pack("{s:s}", "fdname", FDNAME), fd, NULL, NULL) < 0 ||
	    qmp_command(q, "migrate-incoming", json_pack("{s:s}", "uri", "fd:" FDNAME),
			load_started, ld) < 0) {
		load_end(ld, "cannot hand the saved state to QEMU");
		return;
	}
	ld->poll.in_flight = 1;
}

void vmstate_load_stop(struct vm *vm)
{
	struct vmstate_load *ld = vm->vmstate_load;
	struct vmstate_save *st = vm->vmstate_save;

	if (vm->incoming_fd >= 0)
		close(vm->incoming_fd);
	vm->incoming_fd = -1;
	if (ld) {
		vm->vmstate_load = NULL;
		ld->vm = NULL;
		qmp_poll_stop(&ld->poll);
		ld->orphan = 1;
		if (!ld->poll.in_flight)
			free(ld);
	}
	(void)st;       /* a save learns of QEMU's end from its replies */
}
