/*
 * Tests for the job runner (core/job.c, job_step.c, job_qmp.c) with a real
 * store and bus and test kinds: "test.sh" runs a shell script as its step
 * after recording (and half-writing) a file, "test.qmp" follows a QMP job
 * on a fake QEMU, "test.recover" answers a restart as its args say.
 * Children are real processes where timing matters little (killed
 * mid-way, cancel, shutdown) and scripted ones (testlib's exec fake) for
 * fork failures, failing tools, the queue and progress; the clock is fake.
 * Quiescing (croftd's SIGTERM) waits for the jobs that hold a guest
 * (test.sh with "hold"), starts nothing and takes no new job.
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
#include "core/job_exec.h"
#include "core/qmp.h"
#include "common/loop.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fx {
	char *dir;
	struct croftd d;
	char states[8192];        /* job.state events: "id:prev>state[:error][@user]|" */
	int nprogress;
	json_t *last_progress;
	char ended[4096];         /* done callbacks: "id:state[:error]|" */
};

static struct qmp *test_qmp;  /* the QEMU test.qmp follows; NULL: gone */

static const char *str_or(const json_t *v, const char *none)
{
	return json_is_string(v) ? json_string_value(v) : none;
}

/* --- test kinds ---------------------------------------------------------------- */

static void sh_exited(struct job *j, const struct job_exec_result *res)
{
	char msg[512];

	if (job_exec_failure(res, "the script", msg, sizeof(msg))) {
		job_fail(j, "%s", msg);
		return;
	}
	job_set_result(j, json_pack("{s:b}", "ok", 1));
	job_done(j);
}

static int sh_start(struct job *j, char *err, size_t errlen)
{
	static char *argv[4] = { (char *)"/bin/sh", (char *)"-c", NULL, NULL };
	const char *file = json_string_value(json_object_get(job_args(j), "file"));
	struct job_exec_spec spec = { .argv = argv, .out = JOB_EXEC_CAPTURE, .err = JOB_EXEC_CAPTURE };
	int rc;

	argv[2] = (char *)json_string_value(json_object_get(job_args(j), "script"));
	if (json_is_true(json_object_get(job_args(j), "hold")))
		job_hold_guest(j);
	if (file) {
		rc = job_cleanup_add(j, file, err, errlen);
		if (rc < 0)
			return rc;
		tl_write_file_or_fail(file, "half");
	}
	return job_step_exec(j, &spec, sh_exited, err, errlen);
}

static const struct job_kind sh_kind = { .name = "test.sh", .start = sh_start };

static struct qmp *get_qmp(struct job *j)
{
	(void)j;
	return test_qmp;
}

static void qmp_done(struct job *j, const char *error)
{
	if (error)
		job_fail(j, "%s", error);
	else
		job_done(j);
}

static int qmp_start(struct job *j, char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(job_args(j), "id"));

	return job_step_qmp(j, get_qmp, id, qmp_done, err, errlen);
}

static const struct job_kind qmp_kind = { .name = "test.qmp", .start = qmp_start };

static int recover_start(struct job *j, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	job_set_result(j, json_pack("{s:b}", "ran", 1));
	job_done(j);
	return 0;
}

static enum job_recover recover_as_told(struct job *j, char *why, size_t whylen)
{
	const char *v = json_string_value(json_object_get(job_args(j), "verdict"));
	char was[256];

	if (!strcmp(v, "resume"))
		return JOB_RECOVER_RESUME;
	if (!strcmp(v, "done")) {
		job_set_result(j, json_pack("{s:b}", "recovered", 1));
		return JOB_RECOVER_DONE;
	}
	snprintf(was, sizeof(was), "%s", why);
	snprintf(why, whylen, "%s (as told)", was);
	return JOB_RECOVER_FAIL;
}

static const struct job_kind recover_kind = {
	.name = "test.recover", .start = recover_start, .recover = recover_as_told,
};

static const struct job_kind *const kinds[] = { &sh_kind, &qmp_kind, &recover_kind, NULL };

/* --- the fixture ------------------------------------------------------------------ */

static void sink(const struct bus_event *ev, void *data)
{
	struct fx *f = data;
	const json_t *d = ev->data;
	size_t n = strlen(f->states);
	const json_t *error = json_object_get(d, "error");

	if (!strcmp(ev->kind, "job.progress")) {
		assert_int_equal(ev->flags, BUS_VOLATILE | BUS_QUIET);
		f->nprogress++;
		json_decref(f->last_progress);
		f->last_progress = json_deep_copy(d);
		return;
	}
	if (strcmp(ev->kind, "job.state"))
		return;
	assert_int_equal(atoll(ev->target), json_integer_value(json_object_get(d, "id")));
	snprintf(f->states + n, sizeof(f->states) - n, "%lld:%s>%s%s%s%s%s|",
		 (long long)json_integer_value(json_object_get(d, "id")),
		 str_or(json_object_get(d, "previous"), ""),
		 str_or(json_object_get(d, "state"), "?"),
		 json_is_string(error) ? ":" : "", str_or(error, ""),
		 ev->origin.user ? "@" : "", ev->origin.user ? ev->origin.user : "");
}

static void ended(struct job *j, void *data)
{
	struct fx *f = data;
	const struct store_job *row = job_row(j);
	size_t n = strlen(f->ended);

	snprintf(f->ended + n, sizeof(f->ended) - n, "%lld:%s%s%s|", (long long)row->id,
		 row->state, row->error ? ":" : "", row->error ? row->error : "");
}

static void runner_start(struct fx *f)
{
	char err[256];

	f->d.jobs = job_runner_new(&f->d, kinds, tl_clock_ms);
	if (job_runner_recover(f->d.jobs, err, sizeof(err)) < 0)
		fail_msg("recover: %s", err);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	f->dir = tl_tmpdir("job");
	if (!f->dir)
		return -1;
	tl_clock_set(TL_CLOCK_START_MS);
	f->d.loop = loop_new();
	f->d.store = tl_store_open_or_fail(f->dir);
	f->d.bus = bus_new(tl_clock_ms);
	bus_sink_add(f->d.bus, sink, f);
	test_qmp = NULL;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tl_exec_fake_remove();
	job_runner_free(f->d.jobs);
	bus_free(f->d.bus);
	store_close(f->d.store);
	loop_free(f->d.loop);
	json_decref(f->last_progress);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Submit a job of kind with args (JSON text whose %s are the fixture's
 * directory); its id. */
static int64_t submit(struct fx *f, const char *kind, const char *target, const char *args)
{
	char text[1024], err[256];
	struct job *j;

	snprintf(text, sizeof(text), args, f->dir, f->dir);
	if (job_submit(f->d.jobs, kind, target, json_loads(text, 0, NULL), ended, f, &j, err,
		       sizeof(err)) < 0)
		fail_msg("job_submit: %s", err);
	assert_int_equal(job_state(j), JOB_QUEUED);
	return job_id(j);
}

static int has_ended(struct fx *f, int64_t id)
{
	char all[4200], tag[32];

	snprintf(all, sizeof(all), "|%s", f->ended);
	snprintf(tag, sizeof(tag), "|%lld:", (long long)id);
	return strstr(all, tag) != NULL;
}

static void wait_ended(struct fx *f, int64_t id)
{
	TL_PUMP_UNTIL(f->d.loop, has_ended(f, id), 10000);
}

static enum job_state state_of(struct fx *f, int64_t id)
{
	struct job *j = job_find(f->d.jobs, id);

	return j ? job_state(j) : JOB_DONE;
}

/* The pid a test.sh script wrote to DIR/pid. */
static pid_t script_pid(struct fx *f)
{
	char *path = tl_path(f->dir, "pid"), *text;
	uint64_t end = loop_now_ms() + 5000;
	pid_t pid = 0;

	while (!pid && loop_now_ms() < end) {
		text = tl_read_file(path);
		if (text && strchr(text, '\n'))
			pid = (pid_t)atoi(text);
		free(text);
		loop_run_once(f->d.loop, 10);
	}
	free(path);
	assert_true(pid > 0);
	return pid;
}

static void assert_row(struct fx *f, int64_t id, const char *state, const char *error)
{
	struct store_job row;

	assert_int_equal(store_job_get(f->d.store, id, &row), 0);
	assert_string_equal(row.state, state);
	assert_string_equal(row.error ? row.error : "(none)", error ? error : "(none)");
	assert_null(row.cleanup);
	assert_true(row.finished_ms > 0);
	store_job_clear(&row);
}

static int file_exists(struct fx *f, const char *name)
{
	char *p = tl_path(f->dir, name);
	int r = access(p, F_OK) == 0;

	free(p);
	return r;
}

/* --- real children --------------------------------------------------------------- */

static void test_done(void **state)
{
	struct fx *f = *state;
	struct bus_origin alice = { .user = "alice", .uid = 1000, .op = "vm.create" };
	struct store_job row;
	int64_t id;

	runner_start(f);
	bus_origin_set(f->d.bus, &alice);
	id = submit(f, "test.sh", "web", "{\"script\":\"echo fine\",\"file\":\"%s/disk.img\"}");
	bus_origin_clear(f->d.bus);
	wait_ended(f, id);
	assert_string_equal(f->ended, "1:done|");
	/* Raised inside the request, and later on its creator's behalf. */
	assert_string_equal(f->states, "1:>queued@alice|1:queued>running@alice|1:running>done@alice|");
	assert_true(file_exists(f, "disk.img"));
	assert_null(job_find(f->d.jobs, id));
	assert_int_equal(store_job_get(f->d.store, id, &row), 0);
	assert_string_equal(row.state, "done");
	assert_string_equal(row.kind, "test.sh");
	assert_string_equal(row.target, "web");
	assert_string_equal(row.user, "alice");
	assert_int_equal(row.uid, 1000);
	assert_string_equal(row.result, "{\"ok\":true}");
	assert_null(row.cleanup);
	assert_null(row.error);
	assert_int_equal(row.created_ms, TL_CLOCK_START_MS);
	assert_int_equal(row.started_ms, TL_CLOCK_START_MS);
	store_job_clear(&row);
}

/* Someone kills the child: the job fails saying so, its file is gone. */
static void test_child_killed_midway(void **state)
{
	struct fx *f = *state;
	int64_t id;

	runner_start(f);
	id = submit(f, "test.sh", NULL, "{\"script\":\"echo $$ > %s/pid; exec sleep 30\","
		    "\"file\":\"%s/disk.img\"}");
	assert_int_equal(kill(script_pid(f), SIGKILL), 0);
	assert_true(file_exists(f, "disk.img"));
	wait_ended(f, id);
	assert_string_equal(f->ended, "1:failed:the script was killed by signal 9 (Killed)|");
	assert_row(f, id, "failed", "the script was killed by signal 9 (Killed)");
	assert_false(file_exists(f, "disk.img"));
}

/* Cancel: SIGTERM ignored, SIGKILL after the grace period, then cleanup;
 * every canceller is answered once the job has stopped. */
static void test_cancel_running(void **state)
{
	struct fx *f = *state;
	struct bus_origin bob = { .user = "bob", .uid = 1001, .op = "job.cancel" };
	char path[64];
	int64_t id;
	uint64_t t0;
	pid_t pid;

	runner_start(f);
	job_runner_set_limits(f->d.jobs, 2, 300);
	id = submit(f, "test.sh", NULL, "{\"script\":\"trap '' TERM; echo $$ > %s/pid; "
		    "exec sleep 30\",\"file\":\"%s/disk.img\"}");
	pid = script_pid(f);
	t0 = loop_now_ms();
	bus_origin_set(f->d.bus, &bob);
	job_cancel(job_find(f->d.jobs, id), ended, f);
	job_cancel(job_find(f->d.jobs, id), ended, f);
	bus_origin_clear(f->d.bus);
	assert_string_equal(f->ended, "");
	wait_ended(f, id);
	assert_true(loop_now_ms() - t0 >= 300);
	assert_string_equal(f->ended, "1:cancelled:cancelled by bob|1:cancelled:cancelled by bob|"
			    "1:cancelled:cancelled by bob|");
	assert_row(f, id, "cancelled", "cancelled by bob");
	tl_assert_contains(f->states, "|1:running>cancelled:cancelled by bob|");
	assert_false(file_exists(f, "disk.img"));
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	assert_int_equal(access(path, F_OK), -1);
}

/* croftd stops: the running job's child is killed and its file removed,
 * the queued job never starts; both fail saying why. */
static void test_shutdown(void **state)
{
	struct fx *f = *state;
	char path[64];
	int64_t a, b;
	pid_t pid;

	runner_start(f);
	job_runner_set_limits(f->d.jobs, 1, 300);
	a = submit(f, "test.sh", NULL, "{\"script\":\"echo $$ > %s/pid; exec sleep 30\","
		   "\"file\":\"%s/disk.img\"}");
	b = submit(f, "test.sh", NULL, "{\"script\":\"echo never > %s/b\"}");
	pid = script_pid(f);
	assert_int_equal(state_of(f, b), JOB_QUEUED);
	job_runner_free(f->d.jobs);
	f->d.jobs = NULL;
	assert_string_equal(f->ended, "1:failed:croftd stopped while the job was running|"
			    "2:failed:croftd stopped before the job started|");
	assert_row(f, a, "failed", "croftd stopped while the job was running");
	assert_row(f, b, "failed", "croftd stopped before the job started");
	assert_false(file_exists(f, "disk.img"));
	assert_false(file_exists(f, "b"));
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	assert_int_equal(access(path, F_OK), -1);
}

static void quiet(void *data)
{
	(*(int *)data)++;
}

static void test_quiesce(void **state)
{
	struct fx *f = *state;
	int calls = 0;
	int64_t a, b, c;
	struct job *j;
	char err[256];

	runner_start(f);
	job_runner_set_limits(f->d.jobs, 2, 300);
	a = submit(f, "test.sh", NULL, "{\"script\":\"sleep 0.3\",\"hold\":true}");
	b = submit(f, "test.sh", NULL, "{\"script\":\"exec sleep 30\"}");
	c = submit(f, "test.sh", NULL, "{\"script\":\"echo never > %s/c\"}");
	TL_PUMP_UNTIL(f->d.loop, state_of(f, a) == JOB_RUNNING && state_of(f, b) == JOB_RUNNING,
		      5000);
	/* a holds its guest: not yet */
	job_runner_quiesce(f->d.jobs, quiet, &calls);
	assert_int_equal(calls, 0);
	assert_int_equal(job_submit(f->d.jobs, "test.sh", NULL, json_pack("{s:s}", "script",
				    "true"), NULL, NULL, &j, err, sizeof(err)), -ESHUTDOWN);
	/* once a is done: called once; b runs on, c never starts */
	TL_PUMP_UNTIL(f->d.loop, calls > 0, 5000);
	assert_int_equal(calls, 1);
	assert_true(has_ended(f, a));
	assert_int_equal(state_of(f, b), JOB_RUNNING);
	assert_int_equal(state_of(f, c), JOB_QUEUED);
	for (int i = 0; i < 10; i++)
		loop_run_once(f->d.loop, 10);
	assert_int_equal(calls, 1);
	assert_false(file_exists(f, "c"));
	/* nobody holding: at once */
	job_runner_quiesce(f->d.jobs, quiet, &calls);
	assert_int_equal(calls, 2);
}

/* --- a restart ----------------------------------------------------------------------- */

static int64_t stored(struct fx *f, const char *kind, const char *state, const char *args,
		      const char *cleanup)
{
	struct store_job row = { .kind = (char *)kind, .state = (char *)state, .args = (char *)args,
				 .cleanup = (char *)cleanup, .user = "carol", .uid = 1002,
				 .created_ms = 1, .started_ms = strcmp(state, "running") ? 0 : 2 };

	assert_int_equal(store_job_insert(f->d.store, &row, 0), 0);
	return row.id;
}

/* The store says jobs were queued and running when croftd died, one with a
 * half-written file: each is resolved as its kind says, the file removed. */
static void test_restart(void **state)
{
	struct fx *f = *state;
	char *half = tl_path(f->dir, "half.img"), files[512], again[512], *p;
	struct store_job row;
	int64_t running, queued, resumed, done, told, unknown;

	snprintf(files, sizeof(files), "[\"%s\",\"%s/never-made.img\"]", half, f->dir);
	tl_write_file_or_fail(half, "half of a disk");
	running = stored(f, "test.sh", "running", "{\"script\":\"exit 0\"}", files);
	queued = stored(f, "test.sh", "queued", "{\"script\":\"exit 0\"}", NULL);
	snprintf(again, sizeof(again), "%s/again.img", f->dir);
	tl_write_file_or_fail(again, "from the first run");
	snprintf(again, sizeof(again), "[\"%s/again.img\"]", f->dir);
	resumed = stored(f, "test.recover", "running", "{\"verdict\":\"resume\"}", again);
	done = stored(f, "test.recover", "running", "{\"verdict\":\"done\"}", NULL);
	told = stored(f, "test.recover", "queued", "{\"verdict\":\"fail\"}", NULL);
	unknown = stored(f, "gone.kind", "running", NULL, NULL);

	runner_start(f);
	assert_row(f, running, "failed", "croftd restarted while the job was running");
	assert_row(f, queued, "failed", "croftd restarted before the job started");
	assert_row(f, done, "done", NULL);
	assert_row(f, told, "failed", "croftd restarted before the job started (as told)");
	assert_row(f, unknown, "failed", "croftd restarted and knows no job kind 'gone.kind'");
	assert_int_equal(access(half, F_OK), -1);
	assert_int_equal(store_job_get(f->d.store, done, &row), 0);
	assert_string_equal(row.result, "{\"recovered\":true}");
	store_job_clear(&row);
	/* Events carry the creator; the resumed job runs again from the loop. */
	tl_assert_contains(f->states, "|3:running>queued@carol|");
	tl_assert_contains(f->states, "1:running>failed:croftd restarted while the job was running@carol|");
	assert_int_equal(state_of(f, resumed), JOB_QUEUED);
	assert_false(file_exists(f, "again.img"));
	assert_string_equal(f->ended, "");
	TL_PUMP_UNTIL(f->d.loop, state_of(f, resumed) == JOB_DONE, 5000);
	assert_row(f, resumed, "done", NULL);
	assert_int_equal(store_job_get(f->d.store, resumed, &row), 0);
	assert_string_equal(row.result, "{\"ran\":true}");
	store_job_clear(&row);
	p = strstr(f->states, "3:queued>running");
	assert_non_null(p);
	free(half);
}

/* --- scripted children ------------------------------------------------------------------ */

static void test_exec_faults(void **state)
{
	struct fx *f = *state;
	struct tl_exec_fake fake = { .spawn_errno = EAGAIN };
	int64_t id;

	runner_start(f);
	tl_exec_fake_install(&fake);
	id = submit(f, "test.sh", NULL, "{\"script\":\"x\",\"file\":\"%s/disk.img\"}");
	wait_ended(f, id);
	assert_row(f, id, "failed", "fork: Resource temporarily unavailable");
	assert_false(file_exists(f, "disk.img"));

	fake.spawn_errno = 0;
	fake.status = 1;
	fake.err = "qemu-img: /p/disk.img: Could not resize file: No space left on device\n";
	id = submit(f, "test.sh", NULL, "{\"script\":\"x\",\"file\":\"%s/disk.img\"}");
	wait_ended(f, id);
	assert_row(f, id, "failed", "qemu-img: /p/disk.img: Could not resize file: "
		   "No space left on device");
	assert_false(file_exists(f, "disk.img"));
	assert_int_equal(fake.calls, 2);
	assert_string_equal(fake.argv[2], "x");

	/* Unknown kinds are refused and nothing is recorded. */
	{
		char err[128];
		struct store_job *rows;
		size_t n;

		assert_int_equal(job_submit(f->d.jobs, "no.such", NULL, json_object(), NULL, NULL,
					    NULL, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "unknown job kind 'no.such'");
		assert_int_equal(store_job_list(f->d.store, 0, 0, &rows, &n), 0);
		assert_int_equal(n, 2);
		store_job_list_free(rows, n);
	}
}

/* At most two run; the third waits, and a cancelled queued job never runs. */
static void test_queue_limit(void **state)
{
	struct fx *f = *state;
	struct tl_exec_fake fake = { .hang = 1 };
	int64_t a, b, c, d;

	runner_start(f);
	tl_exec_fake_install(&fake);
	a = submit(f, "test.sh", NULL, "{\"script\":\"a\"}");
	b = submit(f, "test.sh", NULL, "{\"script\":\"b\"}");
	c = submit(f, "test.sh", NULL, "{\"script\":\"c\"}");
	d = submit(f, "test.sh", NULL, "{\"script\":\"d\"}");
	assert_int_equal(fake.calls, 0);               /* nothing starts inside submit */
	TL_PUMP_UNTIL(f->d.loop, fake.calls == 2, 2000);
	loop_run_once(f->d.loop, 50);
	assert_int_equal(fake.calls, 2);
	assert_int_equal(state_of(f, a), JOB_RUNNING);
	assert_int_equal(state_of(f, b), JOB_RUNNING);
	assert_int_equal(state_of(f, c), JOB_QUEUED);

	job_cancel(job_find(f->d.jobs, d), ended, f);
	assert_string_equal(f->ended, "4:cancelled:cancelled|4:cancelled:cancelled|");
	tl_assert_contains(f->states, "|4:queued>cancelled:cancelled|");

	job_cancel(job_find(f->d.jobs, a), NULL, NULL);
	wait_ended(f, a);
	TL_PUMP_UNTIL(f->d.loop, state_of(f, c) == JOB_RUNNING, 2000);
	assert_int_equal(fake.calls, 3);
	assert_string_equal(fake.argv[2], "c");
	assert_int_equal(fake.last_signal, SIGTERM);
}

/* job.progress: at most every 250 ms, but always when the total is
 * reached; the rate over the last seconds. */
static void test_progress(void **state)
{
	struct fx *f = *state;
	struct tl_exec_fake fake = { .hang = 1 };
	struct store_job row;
	struct job *j;
	double rate;
	int64_t id, eta, i;

	runner_start(f);
	tl_exec_fake_install(&fake);
	id = submit(f, "test.sh", "web", "{\"script\":\"x\"}");
	TL_PUMP_UNTIL(f->d.loop, state_of(f, id) == JOB_RUNNING, 2000);
	j = job_find(f->d.jobs, id);
	assert_int_equal(job_rate(j, &rate, &eta), -EAGAIN);

	for (i = 0; i < 10; i++)
		job_progress(j, (uint64_t)i * 10, 4000);
	assert_int_equal(f->nprogress, 1);
	assert_true(json_is_null(json_object_get(f->last_progress, "rate")));
	tl_clock_advance(100);
	job_progress(j, 100, 4000);
	assert_int_equal(f->nprogress, 1);
	tl_clock_advance(150);
	job_progress(j, 250, 4000);
	assert_int_equal(f->nprogress, 2);
	assert_int_equal(json_integer_value(json_object_get(f->last_progress, "done")), 250);
	assert_int_equal(json_integer_value(json_object_get(f->last_progress, "total")), 4000);
	assert_string_equal(json_string_value(json_object_get(f->last_progress, "target")), "web");
	assert_string_equal(json_string_value(json_object_get(f->last_progress, "kind")), "test.sh");

	/* 1000 bytes a second from here on. */
	tl_clock_advance(750);
	job_progress(j, 1000, 4000);
	assert_int_equal(job_rate(j, &rate, &eta), 0);
	assert_true(rate > 999 && rate < 1001);
	assert_int_equal(eta, 3);
	assert_int_equal(json_integer_value(json_object_get(f->last_progress, "rate")), 1000);
	tl_clock_advance(10);
	job_progress(j, 4000, 4000);             /* reached: sent at once */
	assert_int_equal(f->nprogress, 4);
	tl_clock_advance(10);
	job_progress(j, 4000, 4000);
	assert_int_equal(f->nprogress, 4);

	/* Samples older than the window do not count. */
	tl_clock_advance(10000);
	job_progress(j, 4000, 4000);
	assert_int_equal(job_rate(j, &rate, &eta), -EAGAIN);

	/* The row has the live numbers; the store gets them with the state. */
	assert_int_equal(job_row(j)->done_bytes, 4000);
	job_cancel(j, NULL, NULL);
	wait_ended(f, id);
	assert_int_equal(store_job_get(f->d.store, id, &row), 0);
	assert_int_equal(row.done_bytes, 4000);
	assert_int_equal(row.total_bytes, 4000);
	store_job_clear(&row);
}

/* --- QMP jobs ------------------------------------------------------------------------ */

static int64_t qmp_job(struct fx *f, struct tl_qmp_fake *q, const char *id, const char *status,
		       long long *query)
{
	char args[64], reply[256];
	int64_t job;

	snprintf(args, sizeof(args), "{\"id\":\"%s\"}", id);
	job = submit(f, "test.qmp", "web", args);
	*query = tl_qmp_expect(q, f->d.loop, "query-jobs", NULL);
	snprintf(reply, sizeof(reply), "[{\"id\":\"other\",\"status\":\"running\"},"
		 "{\"id\":\"%s\",\"type\":\"snapshot-save\",\"status\":\"%s\","
		 "\"current-progress\":50,\"total-progress\":100}]", id, status);
	tl_qmp_reply(q, *query, reply);
	TL_PUMP_UNTIL(f->d.loop, job_find(f->d.jobs, job) &&
		      job_row(job_find(f->d.jobs, job))->done_bytes == 50, 2000);
	return job;
}

/* The QMP job is found concluded (with error, JSON text, or without) and
 * dismissed; the job ends. */
static void conclude(struct fx *f, struct tl_qmp_fake *q, int64_t job, const char *id,
		     const char *error)
{
	char reply[256];
	json_t *args;
	long long n;

	n = tl_qmp_expect(q, f->d.loop, "query-jobs", NULL);
	snprintf(reply, sizeof(reply), "[{\"id\":\"%s\",\"status\":\"concluded\","
		 "\"current-progress\":100,\"total-progress\":100%s%s}]", id,
		 error ? ",\"error\":" : "", error ? error : "");
	tl_qmp_reply(q, n, reply);
	n = tl_qmp_expect(q, f->d.loop, "job-dismiss", &args);
	assert_string_equal(json_string_value(json_object_get(args, "id")), id);
	json_decref(args);
	tl_qmp_reply(q, n, "{}");
	wait_ended(f, job);
}

static void test_qmp_step(void **state)
{
	static const struct qmp_callbacks none = { 0 };
	struct fx *f = *state;
	struct tl_qmp_fake q;
	json_t *args;
	long long n;
	int64_t id;

	runner_start(f);
	test_qmp = tl_qmp_fake_open(&q, f->d.loop, &none, NULL);
	tl_qmp_handshake(&q, f->d.loop, test_qmp);

	/* Followed until concluded, dismissed, its error the job's. */
	id = qmp_job(f, &q, "croft-job-1", "running", &n);
	tl_qmp_expect_silence(&q, f->d.loop);
	job_qmp_status_changed(f->d.jobs, "croft-job-1");
	conclude(f, &q, id, "croft-job-1", "\"No space left\"");
	assert_row(f, id, "failed", "No space left");

	/* Polled without an event; no error: done. */
	id = qmp_job(f, &q, "croft-job-2", "running", &n);
	conclude(f, &q, id, "croft-job-2", NULL);
	assert_row(f, id, "done", NULL);

	/* Cancel: job-cancel, then followed to its end. */
	id = qmp_job(f, &q, "croft-job-3", "running", &n);
	job_cancel(job_find(f->d.jobs, id), NULL, NULL);
	n = tl_qmp_expect(&q, f->d.loop, "job-cancel", &args);
	assert_string_equal(json_string_value(json_object_get(args, "id")), "croft-job-3");
	json_decref(args);
	tl_qmp_reply(&q, n, "{}");
	conclude(f, &q, id, "croft-job-3", "\"Job was cancelled\"");
	assert_row(f, id, "cancelled", "cancelled");

	/* The QMP job vanished (someone else dismissed it). */
	id = qmp_job(f, &q, "croft-job-4", "running", &n);
	n = tl_qmp_expect(&q, f->d.loop, "query-jobs", NULL);
	tl_qmp_reply(&q, n, "[]");
	wait_ended(f, id);
	assert_row(f, id, "failed", "QMP job croft-job-4 disappeared");

	/* QEMU goes away while a query is out. */
	id = qmp_job(f, &q, "croft-job-5", "running", &n);
	tl_qmp_expect(&q, f->d.loop, "query-jobs", NULL);
	tl_qmp_fake_close(&q);
	wait_ended(f, id);
	assert_row(f, id, "failed", "QEMU's QMP connection closed while the job ran");
	qmp_free(test_qmp);

	/* No QEMU at all. */
	test_qmp = NULL;
	id = submit(f, "test.qmp", "web", "{\"id\":\"croft-job-6\"}");
	wait_ended(f, id);
	assert_row(f, id, "failed", "QEMU is not running; QMP job croft-job-6 cannot be followed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_killed_midway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiesce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_progress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qmp_step, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
