/*
 * Tests for saving and loading a VM's state (core/vmstate.c): the QMP
 * sequence of a save as a job step against a fake QEMU (background
 * snapshot, the fallback to "stopped" when QEMU refuses, a failing
 * at_pause, cancel, a migration failing, a malformed reply, QEMU going
 * away), the pause measured from the STOP and RESUME events' own
 * timestamps, the estimate, and the load of a start from a saved state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/qmp.h"
#include "core/vm.h"
#include "core/vmstate.h"
#include "common/loop.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
	char *dir;
	struct croftd *d;
	struct vm *vm;
	struct tl_qmp_fake q;
	int fd;                          /* the state file */
	const char *pause_error;         /* at_pause ends with this (NULL: fine) */
	int paused;                      /* at_pause ran */
	int saved;                       /* done ran */
	char error[512];
	struct vmstate_result res;
	char ended[512];                 /* "state[:error]" when the job ended */
	int loaded;
	char load_error[512];
};

static struct fx *cur;

static void at_pause(struct job *j, void *data)
{
	struct fx *f = data;

	f->paused++;
	/* the guest must be stopped now: the disks' snapshot goes here */
	vmstate_pause_done(j, f->pause_error);
}

static void save_done(struct job *j, const char *error, const struct vmstate_result *res,
		      void *data)
{
	struct fx *f = data;

	f->saved++;
	snprintf(f->error, sizeof(f->error), "%s", error ? error : "");
	if (res)
		f->res = *res;
	if (error)
		job_fail(j, "%s", error);
	else
		job_done(j);
}

static int save_start(struct job *j, char *err, size_t errlen)
{
	return vmstate_save(j, cur->vm, cur->fd, at_pause, cur, save_done, err, errlen);
}

static const struct job_kind save_kind = { .name = "test.vmstate", .start = save_start };
static const struct job_kind *const kinds[] = { &save_kind, NULL };

static void ended(struct job *j, void *data)
{
	struct fx *f = data;
	const struct store_job *row = job_row(j);

	snprintf(f->ended, sizeof(f->ended), "%s%s%s", row->state, row->error ? ":" : "",
		 row->error ? row->error : "");
}

static void qmp_event(struct qmp *q, const struct qmp_msg *ev, void *data)
{
	(void)q;
	vmstate_qmp_event(data, ev);
}

static const struct qmp_callbacks cbs = { .event = qmp_event };

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	const char *const disks[] = { NULL };
	char *path;

	f->dir = tl_tmpdir("vmstate");
	if (!f->dir)
		return -1;
	tl_clock_set(TL_CLOCK_START_MS);
	f->d = tl_croftd_new_or_fail(f->dir);
	f->d->loop = loop_new();
	f->d->qemu_uid = 0;              /* userfaultfd allowed */
	f->d->jobs = job_runner_new(f->d, kinds, tl_clock_ms);
	f->vm = tl_croftd_vm_add(f->d, "web", disks);
	f->vm->spec.memory_mib = 1024;
	f->vm->state = VM_RUNNING;
	f->vm->qmp = tl_qmp_fake_open(&f->q, f->d->loop, &cbs, f->vm);
	tl_qmp_handshake(&f->q, f->d->loop, f->vm->qmp);
	path = xasprintf("%s/web.vmstate", f->dir);
	f->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	free(path);
	assert_true(f->fd >= 0);
	vmstate_reset_measurements();
	cur = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	job_runner_free(f->d->jobs);
	if (f->vm->qmp)
		qmp_free(f->vm->qmp);
	f->vm->qmp = NULL;
	tl_qmp_fake_close(&f->q);
	close(f->fd);
	loop_free(f->d->loop);
	tl_croftd_free(f->d);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct job *submit(struct fx *f)
{
	char err[256];
	struct job *j;

	if (job_submit(f->d->jobs, "test.vmstate", "web", NULL, ended, f, &j, err,
		       sizeof(err)) < 0)
		fail_msg("job_submit: %s", err);
	return j;
}

static void event(struct fx *f, const char *name, long sec, long usec, const char *data)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "{\"event\": \"%s\", \"data\": %s, \"timestamp\": "
		 "{\"seconds\": %ld, \"microseconds\": %ld}}\r\n", name, data ? data : "{}",
		 sec, usec);
	tl_qmp_send(&f->q, buf);
}

/* Expect cmd and answer it with ret; its arguments (a new reference) when
 * args is not NULL. */
static void answer(struct fx *f, const char *cmd, const char *ret, json_t **args)
{
	tl_qmp_reply(&f->q, tl_qmp_expect(&f->q, f->d->loop, cmd, args), ret);
}

static void answer_error(struct fx *f, const char *cmd, const char *desc)
{
	char buf[512];
	long long id = tl_qmp_expect(&f->q, f->d->loop, cmd, NULL);

	snprintf(buf, sizeof(buf), "{\"error\": {\"class\": \"GenericError\", \"desc\": \"%s\"}, "
		 "\"id\": %lld}\r\n", desc, id);
	tl_qmp_send(&f->q, buf);
}

/* The background-snapshot capability as a migrate-set-capabilities asked. */
static int caps_bg(json_t *args)
{
	json_t *c;
	size_t i;
	int bg = -1, events = 0;

	json_array_foreach(json_object_get(args, "capabilities"), i, c) {
		const char *name = json_string_value(json_object_get(c, "capability"));

		if (!strcmp(name, "background-snapshot"))
			bg = json_is_true(json_object_get(c, "state"));
		if (!strcmp(name, "events"))
			events = json_is_true(json_object_get(c, "state"));
	}
	assert_true(events);
	json_decref(args);
	return bg;
}

/* caps (bg as expected), max-bandwidth, getfd, stop with its STOP event at
 * 100.000000 s. */
static void through_stop(struct fx *f, int bg)
{
	json_t *args;
	long long id;

	answer(f, "migrate-set-capabilities", "{}", &args);
	assert_int_equal(caps_bg(args), bg);
	answer(f, "migrate-set-parameters", "{}", &args);
	assert_true(json_integer_value(json_object_get(args, "max-bandwidth")) >= (1ll << 30));
	json_decref(args);
	answer(f, "getfd", "{}", &args);
	assert_string_equal(json_string_value(json_object_get(args, "fdname")), "croft-vmstate");
	json_decref(args);
	assert_int_equal(f->paused, 0);
	id = tl_qmp_expect(&f->q, f->d->loop, "stop", NULL);
	event(f, "STOP", 100, 0, NULL);
	tl_qmp_reply(&f->q, id, "{}");
}

static void expect_migrate(struct fx *f)
{
	json_t *args;

	answer(f, "migrate", "{}", &args);
	assert_string_equal(json_string_value(json_object_get(args, "uri")), "fd:croft-vmstate");
	json_decref(args);
	assert_int_equal(f->paused, 1);
}

static void wait_ended(struct fx *f)
{
	TL_PUMP_UNTIL(f->d->loop, f->ended[0], 3000);
}

/* A background snapshot: QEMU resumes the guest itself 12.345 ms after
 * the STOP; the job waits for the migration to complete. */
static void test_background(void **state)
{
	struct fx *f = *state;
	struct vmstate_estimate est;
	char err[256];
	json_t *args;

	assert_int_equal(vmstate_estimate(f->d, f->vm, &est, err, sizeof(err)), 0);
	assert_string_equal(est.method, VMSTATE_BACKGROUND);
	assert_int_equal(est.ram_bytes, 1024ull << 20);
	assert_true(est.pause_ms > 0 && est.pause_ms <= 50);
	assert_int_equal(write(f->fd, "QEVM", 4), 4);

	submit(f);
	through_stop(f, 1);
	expect_migrate(f);
	event(f, "RESUME", 100, 12345, NULL);
	answer(f, "query-migrate", "{\"status\": \"active\", \"ram\": {\"transferred\": 5, "
	       "\"total\": 10}}", NULL);
	event(f, "MIGRATION", 101, 0, "{\"status\": \"completed\"}");
	answer(f, "query-migrate", "{\"status\": \"completed\"}", NULL);
	/* the capability is switched off for later migrations; no cont */
	answer(f, "migrate-set-capabilities", "{}", &args);
	assert_int_equal(caps_bg(args), 0);
	wait_ended(f);
	assert_string_equal(f->ended, "done");
	assert_int_equal(f->saved, 1);
	assert_string_equal(f->res.method, VMSTATE_BACKGROUND);
	assert_true(f->res.pause_ms > 12.34 && f->res.pause_ms < 12.35);
	assert_int_equal(f->res.bytes, 4);
	tl_qmp_expect_silence(&f->q, f->d->loop);
	/* the next estimate uses the measured pause */
	assert_int_equal(vmstate_estimate(f->d, f->vm, &est, err, sizeof(err)), 0);
	assert_true(est.pause_ms > 12.34 && est.pause_ms < 12.35);
	/* the VM's state never changed */
	assert_int_equal(f->vm->state, VM_RUNNING);
}

/* QEMU refuses the capability: the save goes on with the guest stopped
 * for the whole write, and "cont" ends the pause; later estimates say so. */
static void test_fallback_caps(void **state)
{
	struct fx *f = *state;
	struct vmstate_estimate est;
	struct vm *other;
	char err[256];
	long long id;

	submit(f);
	answer_error(f, "migrate-set-capabilities",
		     "Background-snapshot is not supported by host kernel");
	through_stop(f, 0);
	expect_migrate(f);
	answer(f, "query-migrate", "{\"status\": \"completed\"}", NULL);
	/* the run state is still finish-migrate a moment after "completed" */
	answer_error(f, "cont", "Migration is not finalized yet");
	id = tl_qmp_expect(&f->q, f->d->loop, "cont", NULL);
	event(f, "RESUME", 102, 500000, NULL);
	tl_qmp_reply(&f->q, id, "{}");
	wait_ended(f);
	assert_string_equal(f->ended, "done");
	assert_string_equal(f->res.method, VMSTATE_STOPPED);
	assert_true(f->res.pause_ms > 2499.9 && f->res.pause_ms < 2500.1);
	tl_qmp_expect_silence(&f->q, f->d->loop);

	assert_int_equal(vmstate_estimate(f->d, f->vm, &est, err, sizeof(err)), 0);
	assert_string_equal(est.method, VMSTATE_STOPPED);
	assert_non_null(strstr(est.why, "not supported by host kernel"));
	/* 1 GiB took 2.5 s: so will the next */
	assert_true(est.pause_ms > 2499 && est.pause_ms < 2501);
	/* the refusal is that QEMU's: another VM keeps the fast path */
	other = tl_croftd_vm_add(f->d, "db", NULL);
	other->state = VM_RUNNING;
	other->spec.memory_mib = 256;
	other->uffd = 1;
	assert_int_equal(vmstate_estimate(f->d, other, &est, err, sizeof(err)), 0);
	assert_string_equal(est.method, VMSTATE_BACKGROUND);
}

/* The background migration fails before the guest ran again (uffd): the
 * file is emptied and the save done again, stopped. */
static void test_fallback_failed(void **state)
{
	struct fx *f = *state;
	struct stat st;
	long long id;

	submit(f);
	through_stop(f, 1);
	expect_migrate(f);
	assert_int_equal(write(f->fd, "partial", 7), 7);
	answer(f, "query-migrate", "{\"status\": \"failed\", \"error-desc\": "
	       "\"Failed to register UFFD\"}", NULL);
	answer(f, "migrate-set-capabilities", "{}", NULL);
	answer(f, "migrate-set-parameters", "{}", NULL);
	answer(f, "getfd", "{}", NULL);
	/* still stopped: no second stop */
	expect_migrate(f);
	assert_int_equal(fstat(f->fd, &st), 0);
	assert_int_equal(st.st_size, 0);
	answer(f, "query-migrate", "{\"status\": \"completed\"}", NULL);
	id = tl_qmp_expect(&f->q, f->d->loop, "cont", NULL);
	event(f, "RESUME", 100, 900000, NULL);
	tl_qmp_reply(&f->q, id, "{}");
	wait_ended(f);
	assert_string_equal(f->ended, "done");
	assert_string_equal(f->res.method, VMSTATE_STOPPED);
	assert_true(f->res.pause_ms > 899.9 && f->res.pause_ms < 900.1);
}

/* A background migration that fails after the guest ran again cannot be
 * retried: the disks' instant is gone. */
static void test_failed_after_resume(void **state)
{
	struct fx *f = *state;

	submit(f);
	through_stop(f, 1);
	expect_migrate(f);
	event(f, "RESUME", 100, 10000, NULL);
	answer(f, "query-migrate", "{\"status\": \"failed\", \"error-desc\": \"No space left\"}",
	       NULL);
	answer(f, "migrate-set-capabilities", "{}", NULL);
	wait_ended(f);
	assert_string_equal(f->ended, "failed:saving the VM's state failed: No space left");
	tl_qmp_expect_silence(&f->q, f->d->loop);
}

/* at_pause fails (the disks' snapshot): the guest goes on, nothing saved. */
static void test_at_pause_fails(void **state)
{
	struct fx *f = *state;

	f->pause_error = "the transaction failed";
	submit(f);
	through_stop(f, 1);
	answer(f, "cont", "{}", NULL);
	answer(f, "migrate-set-capabilities", "{}", NULL);
	wait_ended(f);
	assert_string_equal(f->ended, "failed:the transaction failed");
	assert_int_equal(f->paused, 1);
	tl_qmp_expect_silence(&f->q, f->d->loop);
}

/* Cancel while the RAM is written: migrate_cancel, the guest let go. */
static void test_cancel(void **state)
{
	struct fx *f = *state;
	struct job *j;
	long long id;

	j = submit(f);
	through_stop(f, 1);
	expect_migrate(f);
	id = tl_qmp_expect(&f->q, f->d->loop, "query-migrate", NULL);
	job_cancel(j, NULL, NULL);
	answer(f, "migrate_cancel", "{}", NULL);
	tl_qmp_reply(&f->q, id, "{\"status\": \"cancelling\"}");
	answer(f, "query-migrate", "{\"status\": \"cancelled\"}", NULL);
	answer(f, "cont", "{}", NULL);
	answer(f, "migrate-set-capabilities", "{}", NULL);
	wait_ended(f);
	assert_string_equal(f->ended, "cancelled:cancelled");
	assert_int_equal(f->saved, 0);
}

/* A reply without a status, then one that is not even JSON. */
static void test_malformed(void **state)
{
	struct fx *f = *state;

	submit(f);
	through_stop(f, 1);
	expect_migrate(f);
	answer(f, "query-migrate", "{\"ram\": {}}", NULL);
	answer(f, "cont", "{}", NULL);
	answer(f, "migrate-set-capabilities", "{}", NULL);
	wait_ended(f);
	assert_string_equal(f->ended, "failed:query-migrate answered without a status");

	f->ended[0] = '\0';
	f->paused = 0;
	submit(f);
	through_stop(f, 1);
	expect_migrate(f);
	tl_qmp_expect(&f->q, f->d->loop, "query-migrate", NULL);
	tl_qmp_send(&f->q, "{\"return\": {\"status\": \r\n");
	wait_ended(f);
	assert_non_null(strstr(f->ended, "failed:QEMU's QMP connection closed"));
}

/* Refused: a stopped VM has no RAM; a second save on the same VM. */
static void test_refused(void **state)
{
	struct fx *f = *state;
	struct vmstate_estimate est;
	char err[256];

	f->vm->state = VM_STOPPED;
	assert_int_equal(vmstate_estimate(f->d, f->vm, &est, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "VM 'web' is stopped: only a running or paused VM has RAM to save");
	submit(f);
	wait_ended(f);
	assert_string_equal(f->ended, "failed:VM 'web' is stopped: only a running or paused VM "
			    "has RAM to save");
	tl_qmp_expect_silence(&f->q, f->d->loop);

	f->vm->state = VM_RUNNING;
	f->ended[0] = '\0';
	submit(f);
	answer(f, "migrate-set-capabilities", "{}", NULL);
	cur->ended[0] = '\0';
	submit(f);
	TL_PUMP_UNTIL(f->d->loop, f->ended[0], 3000);
	assert_string_equal(f->ended, "failed:VM 'web' is saving or loading its state already");
}

/* An unprivileged QEMU: background when it holds /dev/userfaultfd
 * (vm_uffd.h), else stopped with the reason its start recorded (only
 * where the kernel's sysctl keeps userfaultfd from such users). */
static void test_estimate_uffd(void **state)
{
	struct fx *f = *state;
	struct vmstate_estimate est;
	char err[256], sysctl[8] = "";
	FILE *fp = fopen("/proc/sys/vm/unprivileged_userfaultfd", "re");

	if (!fp || !fgets(sysctl, sizeof(sysctl), fp))
		sysctl[0] = '?';
	if (fp)
		fclose(fp);
	f->d->qemu_uid = 64055;
	f->d->qemu_user = "croft-qemu";
	f->vm->uffd = 1;
	assert_int_equal(vmstate_estimate(f->d, f->vm, &est, err, sizeof(err)), 0);
	assert_string_equal(est.method, VMSTATE_BACKGROUND);
	assert_string_equal(est.why, "");
	if (sysctl[0] != '0') {
		print_message("the rest skipped: vm.unprivileged_userfaultfd is not 0\n");
		return;
	}
	f->vm->uffd = 0;
	snprintf(f->vm->uffd_why, sizeof(f->vm->uffd_why), "the host setting ram-snapshot-fast is off");
	assert_int_equal(vmstate_estimate(f->d, f->vm, &est, err, sizeof(err)), 0);
	assert_string_equal(est.method, VMSTATE_STOPPED);
	assert_string_equal(est.why, "the kernel lets only privileged processes use userfaultfd "
			    "(sysctl vm.unprivileged_userfaultfd=0), QEMU runs as croft-qemu, and the "
			    "host setting ram-snapshot-fast is off");
	f->vm->uffd_why[0] = '\0';
	assert_int_equal(vmstate_estimate(f->d, f->vm, &est, err, sizeof(err)), 0);
	assert_non_null(strstr(est.why, "and it does not hold /dev/userfaultfd"));
}

/* A paused guest stays paused: no stop, no cont, no pause measured. */
static void test_paused_guest(void **state)
{
	struct fx *f = *state;
	struct vmstate_estimate est;
	char err[256];

	f->vm->state = VM_PAUSED;
	assert_int_equal(vmstate_estimate(f->d, f->vm, &est, err, sizeof(err)), 0);
	assert_string_equal(est.method, VMSTATE_STOPPED);
	assert_true(est.pause_ms == 0);
	submit(f);
	answer(f, "migrate-set-capabilities", "{}", NULL);
	answer(f, "migrate-set-parameters", "{}", NULL);
	answer(f, "getfd", "{}", NULL);
	expect_migrate(f);
	answer(f, "query-migrate", "{\"status\": \"completed\"}", NULL);
	wait_ended(f);
	assert_string_equal(f->ended, "done");
	assert_true(f->res.pause_ms == 0);
	tl_qmp_expect_silence(&f->q, f->d->loop);
}

/* QEMU's QMP goes away in the middle. */
static void test_qemu_gone(void **state)
{
	struct fx *f = *state;

	submit(f);
	through_stop(f, 1);
	expect_migrate(f);
	tl_qmp_expect(&f->q, f->d->loop, "query-migrate", NULL);
	tl_qmp_fake_close(&f->q);
	wait_ended(f);
	assert_non_null(strstr(f->ended, "failed:QEMU's QMP connection closed"));
}

/* --- loading ----------------------------------------------------------------- */

static void loaded(struct vm *vm, const char *error)
{
	(void)vm;
	cur->loaded++;
	snprintf(cur->load_error, sizeof(cur->load_error), "%s", error ? error : "");
}

static void test_load(void **state)
{
	struct fx *f = *state;
	json_t *args;

	f->vm->state = VM_STARTING;
	f->vm->incoming_fd = dup(f->fd);
	vmstate_load(f->vm, loaded);
	assert_int_equal(f->vm->incoming_fd, -1);
	answer(f, "migrate-set-capabilities", "{}", NULL);
	answer(f, "getfd", "{}", NULL);
	answer(f, "migrate-incoming", "{}", &args);
	assert_string_equal(json_string_value(json_object_get(args, "uri")), "fd:croft-vmstate");
	json_decref(args);
	answer(f, "query-migrate", "{\"status\": \"active\"}", NULL);
	event(f, "MIGRATION", 1, 0, "{\"status\": \"completed\"}");
	answer(f, "query-migrate", "{\"status\": \"completed\"}", NULL);
	TL_PUMP_UNTIL(f->d->loop, f->loaded, 3000);
	assert_string_equal(f->load_error, "");

	/* a file QEMU cannot read */
	f->loaded = 0;
	f->vm->incoming_fd = dup(f->fd);
	vmstate_load(f->vm, loaded);
	answer(f, "migrate-set-capabilities", "{}", NULL);
	answer(f, "getfd", "{}", NULL);
	answer(f, "migrate-incoming", "{}", NULL);
	answer(f, "query-migrate", "{\"status\": \"failed\", \"error-desc\": "
	       "\"load of migration failed: Invalid argument\"}", NULL);
	TL_PUMP_UNTIL(f->d->loop, f->loaded, 3000);
	assert_string_equal(f->load_error, "load of migration failed: Invalid argument");

	/* QEMU goes away while loading: no callback */
	f->loaded = 0;
	f->vm->incoming_fd = dup(f->fd);
	vmstate_load(f->vm, loaded);
	tl_qmp_expect(&f->q, f->d->loop, "migrate-set-capabilities", NULL);
	vmstate_load_stop(f->vm);
	assert_null(f->vm->vmstate_load);
	tl_qmp_fake_close(&f->q);
	qmp_free(f->vm->qmp);
	f->vm->qmp = NULL;
	assert_int_equal(f->loaded, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_background, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_after_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_at_pause_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paused_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_estimate_uffd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
