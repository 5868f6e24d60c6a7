/*
 * sched tests: the rules of a schedule's definition (one target that
 * exists, a calendar that parses and fires again, keeps not negative, a
 * backup pool that exists), its API view, the simulator, and the service
 * on a fake clock and fake actions: a schedule every minute with
 * keep-last 2 over four minutes (the oldest scheduled snapshots pruned, a
 * manual and a protected one left), a run missed while croftd was down
 * (once), a busy VM (retried, then failed with the reason), two schedules
 * on one VM (never two jobs at once), a full pool (skipped, alerted), a
 * tag and all, backups, run-now, croftd stopping with a job running, and
 * the events saying each decision.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/pools.h"
#include "core/sched.h"
#include "core/vm.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1767225600              /* 2026-01-01 00:00:00 UTC, a Thursday */

/* --- the fakes ------------------------------------------------------------------- */

struct pending {
	sched_done_fn done;
	void *data;
	char error[128];
};

struct fake_snap {
	char vm[32];
	char name[96];
	int64_t schedule;
	int64_t time;
	bool protected_;
	bool gone;
};

static struct {
	time_t now;
	struct pending pend[32];
	size_t npend;
	struct fake_snap snaps[64];
	size_t nsnaps;
	int creates, deletes, backups, backup_deletes;
	int busy;                    /* the VM has a job */
	double pct;                  /* its pool's use */
	char alert_pool[32];
	double alert_pct;
	char fail_create[128];       /* the next create fails with this */
	char events[8192];
} fk;

static void later(sched_done_fn done, void *data, const char *error)
{
	assert_true(fk.npend < 32);
	fk.pend[fk.npend].done = done;
	fk.pend[fk.npend].data = data;
	snprintf(fk.pend[fk.npend].error, sizeof(fk.pend[0].error), "%s", error ? error : "");
	fk.npend++;
}

/* Finish every action started, and those they start. */
static void complete(void)
{
	while (fk.npend) {
		struct pending p = fk.pend[0];

		memmove(fk.pend, fk.pend + 1, --fk.npend * sizeof(fk.pend[0]));
		p.done(p.data, p.error[0] ? p.error : NULL);
	}
}

static void add_snap(const char *vm, const char *name, int64_t schedule, int64_t t, bool prot)
{
	struct fake_snap *s = &fk.snaps[fk.nsnaps++];

	snprintf(s->vm, sizeof(s->vm), "%s", vm);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->schedule = schedule;
	s->time = t;
	s->protected_ = prot;
}

static int f_snap_create(struct croftd *d, const char *vm, const char *name, bool ram,
			 int64_t schedule_id, sched_done_fn done, void *data, char *err,
			 size_t errlen)
{
	(void)d;
	(void)ram;
	if (fk.busy) {
		snprintf(err, errlen, "another job runs on VM %s", vm);
		return -EBUSY;
	}
	fk.creates++;
	if (fk.fail_create[0]) {
		later(done, data, fk.fail_create);
		fk.fail_create[0] = 0;
		return 0;
	}
	add_snap(vm, name, schedule_id, fk.now, false);
	later(done, data, NULL);
	return 0;
}

static int f_backup_create(struct croftd *d, const char *vm, const char *pool, int64_t schedule_id,
			   sched_done_fn done, void *data, char *err, size_t errlen)
{
	(void)d;
	(void)err;
	(void)errlen;
	assert_string_equal(pool, "backups");
	fk.backups++;
	add_snap(vm, "backup", schedule_id, fk.now, false);
	later(done, data, NULL);
	return 0;
}

static struct fake_snap *snap_named(const char *vm, const char *name)
{
	size_t i;

	for (i = 0; i < fk.nsnaps; i++)
		if (!fk.snaps[i].gone && !strcmp(fk.snaps[i].vm, vm) &&
		    !strcmp(fk.snaps[i].name, name))
			return &fk.snaps[i];
	return NULL;
}

static int f_snap_delete(struct croftd *d, const char *vm, const char *name, sched_done_fn done,
			 void *data, char *err, size_t errlen)
{
	struct fake_snap *s = snap_named(vm, name);

	(void)d;
	if (!s) {
		snprintf(err, errlen, "no snapshot %s", name);
		return -ENOENT;
	}
	assert_false(s->protected_);
	assert_true(s->schedule != 0);
	s->gone = true;
	fk.deletes++;
	later(done, data, NULL);
	return 0;
}

static int f_backup_delete(struct croftd *d, int64_t id, char *err, size_t errlen)
{
	(void)d;
	(void)err;
	(void)errlen;
	assert_true(id >= 1 && (size_t)id <= fk.nsnaps);
	fk.snaps[id - 1].gone = true;
	fk.backup_deletes++;
	return 0;
}

static int f_list(struct croftd *d, const char *vm, int64_t schedule_id, struct sched_item **v,
		  size_t *n)
{
	size_t i;

	(void)d;
	*v = xcalloc(fk.nsnaps + 1, sizeof(**v));
	*n = 0;
	for (i = 0; i < fk.nsnaps; i++) {
		const struct fake_snap *s = &fk.snaps[i];

		if (s->gone || strcmp(s->vm, vm) || s->schedule != schedule_id)
			continue;
		snprintf((*v)[*n].name, sizeof((*v)[*n].name), "%s", s->name);
		(*v)[*n].id = (int64_t)i + 1;
		(*v)[*n].time = s->time;
		(*v)[*n].protected_ = s->protected_;
		(*n)++;
	}
	return 0;
}

static int f_busy(struct croftd *d, const char *vm, char *why, size_t len)
{
	(void)d;
	if (fk.busy)
		snprintf(why, len, "job 7 (vol.resize) is running on %s", vm);
	return fk.busy;
}

static int f_pool_used(struct croftd *d, const char *vm, const char *backup_to, char *pool,
		       size_t len, double *pct)
{
	(void)d;
	(void)vm;
	snprintf(pool, len, "%s", backup_to ? backup_to : "default");
	*pct = fk.pct;
	return 0;
}

static void f_pool_alert(struct croftd *d, const char *pool, double pct)
{
	(void)d;
	snprintf(fk.alert_pool, sizeof(fk.alert_pool), "%s", pool);
	fk.alert_pct = pct;
}

static time_t f_now(void)
{
	return fk.now;
}

static const struct sched_ops fake_ops = {
	.snap_create = f_snap_create, .backup_create = f_backup_create,
	.snap_delete = f_snap_delete, .backup_delete = f_backup_delete,
	.snap_list = f_list, .backup_list = f_list, .busy = f_busy,
	.pool_used = f_pool_used, .pool_alert = f_pool_alert, .now = f_now,
};

static void on_event(const struct bus_event *ev, void *data)
{
	size_t at = strlen(fk.events);

	(void)data;
	if (at + 300 < sizeof(fk.events))
		snprintf(fk.events + at, sizeof(fk.events) - at, "%s %s|", ev->kind, ev->message);
}

/* --- the fixture ---------------------------------------------------------------------- */

struct fx {
	char *dir;
	struct croftd *d;
	struct sched *s;
};

static struct vm *vm_stored(struct croftd *d, const char *name, const char *tags)
{
	static const char *const disks[] = { "/nowhere/a.qcow2", NULL };
	struct vm *vm = tl_croftd_vm_add(d, name, disks);
	char uuid[40], err[256];

	free(vm->spec.uuid);
	snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012zu", strlen(name) * 7919 +
		 (size_t)name[0]);
	vm->spec.uuid = xstrdup(uuid);
	vm->spec.tags = xstrdup_or_null(tags);
	if (store_vm_insert(d->store, &vm->spec, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return vm;
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	setenv("TZ", "UTC", 1);
	tzset();
	memset(&fk, 0, sizeof(fk));
	fk.now = T0;
	fk.pct = 40;
	f->dir = tl_tmpdir("sched");
	f->d = tl_croftd_new_or_fail(f->dir);
	pools_add(f->d->pools, "backups", f->dir, POOLS_DISK);
	bus_sink_add(f->d->bus, on_event, NULL);
	vm_stored(f->d, "web", "prod,web");
	vm_stored(f->d, "db", "prod");
	vm_stored(f->d, "lab", NULL);
	f->s = sched_new(f->d, &fake_ops);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sched_free(f->s);
	complete();                  /* jobs ending after the service stopped */
	tl_croftd_free(f->d);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* The request of the JSON args a (borrowed strings). */
static void req_of(const json_t *a, struct sched_req *q)
{
	int i;

	memset(q, 0, sizeof(*q));
	q->vm = json_string_value(json_object_get(a, "vm"));
	q->tag = json_string_value(json_object_get(a, "tag"));
	q->all = json_is_true(json_object_get(a, "all"));
	q->at = json_string_value(json_object_get(a, "at"));
	q->ram = json_is_true(json_object_get(a, "ram"));
	q->backup_to = json_string_value(json_object_get(a, "backup_to"));
	for (i = 0; i < 6; i++)
		q->keep[i] = json_integer_value(json_object_get(a, sched_keep_keys[i]));
}

/* A schedule made through the rules, created at T0; its id. */
static int64_t add(struct fx *f, const char *json)
{
	json_t *a = tl_json(json);
	struct sched_req q;
	struct store_schedule s;
	const char *code;
	char err[512];
	int i;

	req_of(a, &q);
	if (sched_spec_check(f->d, NULL, &q, &s, &code, err, sizeof(err)) < 0)
		fail_msg("%s: %s", json, err);
	s.created = T0;
	assert_int_equal(store_schedule_add(f->d->store, &s, err, sizeof(err)), 0);
	json_decref(a);
	i = (int)s.id;
	store_schedule_clear(&s);
	return i;
}

static char *result_of(struct fx *f, int64_t id)
{
	static char buf[1024];
	struct store_schedule s;

	assert_int_equal(store_schedule_get(f->d->store, id, &s), 0);
	snprintf(buf, sizeof(buf), "%s", s.last_result ? s.last_result : "(none)");
	store_schedule_clear(&s);
	return buf;
}

static size_t live_snaps(const char *vm, int64_t schedule)
{
	size_t i, n = 0;

	for (i = 0; i < fk.nsnaps; i++)
		n += !fk.snaps[i].gone && !strcmp(fk.snaps[i].vm, vm) &&
		     (schedule < 0 || fk.snaps[i].schedule == schedule);
	return n;
}

static uint64_t at(struct fx *f, time_t t)
{
	fk.now = t;
	return sched_run_due(f->s);
}

/* --- the rules ----------------------------------------------------------------------- */

static void refused(struct fx *f, const char *json, const char *code, const char *want)
{
	json_t *a = tl_json(json);
	struct sched_req q;
	struct store_schedule s;
	const char *c = NULL;
	char err[512] = "";

	req_of(a, &q);
	assert_true(sched_spec_check(f->d, NULL, &q, &s, &c, err, sizeof(err)) < 0);
	assert_string_equal(c, code);
	tl_assert_contains(err, want);
	json_decref(a);
}

static void test_rules(void **state)
{
	struct fx *f = *state;
	struct store_schedule *v;
	size_t n;
	char err[256];

	refused(f, "{\"at\":\"daily\"}", PROTO_E_INVALID_ARGUMENT, "exactly one of a VM, all or a tag");
	refused(f, "{\"vm\":\"web\",\"all\":true,\"at\":\"daily\"}", PROTO_E_INVALID_ARGUMENT,
		"not several");
	refused(f, "{\"vm\":\"nosuch\",\"at\":\"daily\"}", PROTO_E_NOT_FOUND, "no VM named 'nosuch'");
	refused(f, "{\"tag\":\"nosuch\",\"at\":\"daily\"}", PROTO_E_NOT_FOUND,
		"no VM has tag 'nosuch'");
	refused(f, "{\"tag\":\"Bad!\",\"at\":\"daily\"}", PROTO_E_INVALID_ARGUMENT, "tag 'Bad!'");
	refused(f, "{\"vm\":\"web\",\"at\":\"mon..fri 25:00\"}", PROTO_E_INVALID_ARGUMENT,
		"hour 25 is out of range 0..23 (column 10: '25')");
	refused(f, "{\"vm\":\"web\",\"at\":\"2015-10-21\"}", PROTO_E_INVALID_ARGUMENT,
		"never happens again");
	refused(f, "{\"vm\":\"web\",\"at\":\"daily\",\"keep_daily\":-1}", PROTO_E_INVALID_ARGUMENT,
		"keep-daily -1 is negative");
	refused(f, "{\"vm\":\"web\",\"at\":\"daily\",\"backup_to\":\"nopool\"}", PROTO_E_NOT_FOUND,
		"no disk pool named 'nopool'");
	refused(f, "{\"vm\":\"web\",\"at\":\"daily\",\"backup_to\":\"backups\",\"ram\":true}",
		PROTO_E_INVALID_ARGUMENT, "not both");
	refused(f, "{\"vm\":\"web\"}", PROTO_E_INVALID_ARGUMENT, "needs a calendar event");
	assert_int_equal(store_schedule_list(f->d->store, &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	store_schedule_list_free(v, n);
}

static void test_json_and_set(void **state)
{
	struct fx *f = *state;
	int64_t id = add(f, "{\"tag\":\"prod\",\"at\":\"sat *-1..7 15:00\",\"keep_daily\":7}");
	struct store_schedule cur, next;
	struct sched_req q = { .has_at = true, .at = "hourly", .has_keep = { true }, .keep = { 3 } };
	const char *code;
	char err[256];
	json_t *o;

	assert_int_equal(store_schedule_get(f->d->store, id, &cur), 0);
	o = sched_json(&cur, T0);
	assert_int_equal(json_integer_value(json_object_get(o, "next_run")), T0 + 2 * 86400 + 15 * 3600);
	assert_string_equal(json_string_value(json_object_get(o, "tag")), "prod");
	assert_true(json_is_null(json_object_get(o, "vm")));
	assert_true(json_is_null(json_object_get(o, "last_run")));
	assert_int_equal(json_integer_value(json_object_get(o, "keep_daily")), 7);
	json_decref(o);
	assert_int_equal(sched_spec_check(f->d, &cur, &q, &next, &code, err, sizeof(err)), 0);
	assert_string_equal(next.at, "hourly");
	assert_int_equal(next.keep[0], 3);
	assert_int_equal(next.keep[2], 7);
	assert_string_equal(next.tag, "prod");
	assert_int_equal(store_schedule_update(f->d->store, &next, err, sizeof(err)), 0);
	store_schedule_clear(&next);
	store_schedule_clear(&cur);
	assert_int_equal(store_schedule_get(f->d->store, id, &cur), 0);
	assert_string_equal(cur.at, "hourly");
	store_schedule_clear(&cur);
	assert_int_equal(store_schedule_delete(f->d->store, id, err, sizeof(err)), 0);
	assert_int_equal(store_schedule_delete(f->d->store, id, err, sizeof(err)), -ENOENT);
}

static void test_simulate(void **state)
{
	struct prune_keep k = { .last = 3, .weekly = 2 };
	const char *code;
	char err[256];
	json_t *r, *v;
	size_t kept = 0, i;

	(void)state;
	r = sched_simulate("daily", &k, 30, T0 + 3600, &code, err, sizeof(err));
	assert_non_null(r);
	v = json_object_get(r, "snapshots");
	assert_int_equal(json_array_size(v), 30);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(v, 0), "time")), T0);
	for (i = 0; i < json_array_size(v); i++)
		kept += json_is_true(json_object_get(json_array_get(v, i), "kept"));
	assert_int_equal(kept, 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "rule")),
			    "keep-last");
	json_decref(r);
	assert_null(sched_simulate("daily", &k, 0, T0, &code, err, sizeof(err)));
	tl_assert_contains(err, "days 0");
	assert_null(sched_simulate("*:*:*", &k, 3000, T0, &code, err, sizeof(err)));
	tl_assert_contains(err, "simulate fewer days");
	assert_null(sched_simulate("xyz", &k, 3, T0, &code, err, sizeof(err)));
	tl_assert_contains(err, "column 1: 'xyz'");
}

/* --- the service ----------------------------------------------------------------------- */

/* Every minute, keep-last 2, four minutes: two scheduled snapshots left,
 * the manual and the protected one untouched. */
static void test_minutely_keep_last_2(void **state)
{
	struct fx *f = *state;
	int64_t id = add(f, "{\"vm\":\"web\",\"at\":\"minutely\",\"keep_last\":2}");
	uint64_t ms;
	int m;

	add_snap("web", "manual", 0, T0 - 100, false);
	add_snap("web", "kept-forever", id, T0 - 50, true);
	ms = at(f, T0 + 30);
	assert_int_equal(fk.creates, 0);
	assert_int_equal(ms, 31000);           /* just after the minute turns */
	for (m = 1; m <= 4; m++) {
		at(f, T0 + m * 60 + 1);
		assert_int_equal(fk.creates, m);
		assert_int_equal(sched_tasks(f->s), 1);
		complete();
		assert_int_equal(sched_tasks(f->s), 0);
		at(f, T0 + m * 60 + 30);           /* nothing more that minute */
		assert_int_equal(fk.creates, m);
	}
	assert_int_equal(live_snaps("web", id), 3);      /* 2 + the protected one */
	assert_non_null(snap_named("web", "manual"));
	assert_non_null(snap_named("web", "kept-forever"));
	assert_non_null(snap_named("web", "sched1-20260101-000401"));
	assert_non_null(snap_named("web", "sched1-20260101-000301"));
	assert_null(snap_named("web", "sched1-20260101-000201"));
	assert_int_equal(fk.deletes, 2);
	tl_assert_contains(result_of(f, id), "ok: snapshot sched1-20260101-000401 of web taken, "
			   "1 pruned");
	tl_assert_contains(fk.events, "schedule.run schedule 1 ('minutely', due): snapshot of web|");
	tl_assert_contains(fk.events, "schedule.taken schedule 1: snapshot sched1-20260101-000101 "
			   "of web taken|");
	tl_assert_contains(fk.events, "schedule.kept schedule 1: retention keeps 3 snapshots of web, "
			   "prunes 1|");
	tl_assert_contains(fk.events, "schedule.pruned schedule 1: prunes snapshot "
			   "sched1-20260101-000101 of web (2026-01-01 00:01:01): no retention rule keeps it|");
}

/* croftd was down for hours: the schedule runs once at the first check. */
static void test_missed_runs_once(void **state)
{
	struct fx *f = *state;
	int64_t id = add(f, "{\"vm\":\"db\",\"at\":\"hourly\"}");

	assert_int_equal(store_schedule_ran(f->d->store, id, T0 + 60, NULL), 0);
	at(f, T0 + 5 * 3600 + 20 * 60);
	assert_int_equal(fk.creates, 1);
	complete();
	at(f, T0 + 5 * 3600 + 21 * 60);
	assert_int_equal(fk.creates, 1);
	tl_assert_contains(fk.events, "('hourly', missed while croftd was down)");
	at(f, T0 + 6 * 3600 + 1);
	assert_int_equal(fk.creates, 2);
	complete();
	/* keep-all: nothing pruned. */
	assert_int_equal(fk.deletes, 0);
	assert_int_equal(live_snaps("db", id), 2);
}

/* A job runs on the VM: the task waits SCHED_RETRY_S, SCHED_TRIES times,
 * then fails saying why. */
static void test_busy_fails(void **state)
{
	struct fx *f = *state;
	int64_t id = add(f, "{\"vm\":\"web\",\"at\":\"hourly\",\"keep_last\":1}");
	uint64_t ms;
	int i;

	fk.busy = 1;
	ms = at(f, T0 + 3600 + 1);
	assert_int_equal(ms, SCHED_RETRY_S * 1000);
	for (i = 1; i < SCHED_TRIES; i++) {
		assert_int_equal(sched_tasks(f->s), 1);
		at(f, T0 + 3600 + 1 + i * SCHED_RETRY_S);
	}
	assert_int_equal(sched_tasks(f->s), 0);
	assert_int_equal(fk.creates, 0);
	tl_assert_contains(result_of(f, id), "failed: VM web stayed busy (job 7 (vol.resize) is "
			   "running on web) through 4 tries 20 s apart");
	tl_assert_contains(fk.events, "schedule.waiting schedule 1: snapshot of web waits: job 7");
	tl_assert_contains(fk.events, "schedule.failed schedule 1: snapshot of web failed: VM web "
			   "stayed busy");
}

static void test_busy_then_free(void **state)
{
	struct fx *f = *state;
	int64_t id = add(f, "{\"vm\":\"web\",\"at\":\"hourly\"}");

	fk.busy = 1;
	at(f, T0 + 3600 + 1);
	fk.busy = 0;
	at(f, T0 + 3600 + 10);                 /* not yet its retry */
	assert_int_equal(fk.creates, 0);
	at(f, T0 + 3600 + 21);
	assert_int_equal(fk.creates, 1);
	complete();
	tl_assert_contains(result_of(f, id), "ok: snapshot sched1-20260101-010001 of web taken");
}

/* Two schedules fire on one VM in the same minute: the second waits
 * for the first to end. */
static void test_one_job_per_vm(void **state)
{
	struct fx *f = *state;
	int64_t a = add(f, "{\"vm\":\"web\",\"at\":\"hourly\"}");
	int64_t b = add(f, "{\"tag\":\"web\",\"at\":\"hourly\"}");

	at(f, T0 + 3600 + 1);
	assert_int_equal(fk.creates, 1);
	tl_assert_contains(fk.events, "schedule.waiting schedule 2: snapshot of web waits: "
			   "schedule 1's snapshot is at work on it");
	complete();
	at(f, T0 + 3600 + 21);
	assert_int_equal(fk.creates, 2);
	complete();
	tl_assert_contains(result_of(f, a), "ok:");
	tl_assert_contains(result_of(f, b), "ok:");
}

static void test_pool_full_skips(void **state)
{
	struct fx *f = *state;
	int64_t id = add(f, "{\"vm\":\"web\",\"at\":\"hourly\"}");

	fk.pct = 96.2;
	at(f, T0 + 3600 + 1);
	assert_int_equal(fk.creates, 0);
	assert_int_equal(sched_tasks(f->s), 0);
	assert_string_equal(fk.alert_pool, "default");
	tl_assert_contains(result_of(f, id), "skipped: pool default is 96 % used (runs stop at 95 %)");
	tl_assert_contains(fk.events, "schedule.skipped schedule 1: snapshot of web skipped");
	fk.pct = 50;
	at(f, T0 + 7200 + 1);
	assert_int_equal(fk.creates, 1);
	assert_true(fk.alert_pct == 50);       /* a run with room clears the alert */
	complete();
}

static void test_tag_and_all(void **state)
{
	struct fx *f = *state;
	int64_t tag, all;

	tag = add(f, "{\"tag\":\"prod\",\"at\":\"daily\",\"ram\":true}");
	at(f, T0 + 86400 + 1);
	assert_int_equal(fk.creates, 2);       /* web and db, not lab */
	complete();
	assert_int_equal(live_snaps("web", tag), 1);
	assert_int_equal(live_snaps("db", tag), 1);
	assert_int_equal(live_snaps("lab", tag), 0);
	tl_assert_contains(fk.events, "snapshot of db, web|");
	tl_assert_contains(fk.events, "with RAM taken");
	all = add(f, "{\"all\":true,\"at\":\"daily\"}");
	at(f, T0 + 2 * 86400 + 1);
	/* The tag's web and db, and all's lab: all's web and db wait for them. */
	assert_int_equal(fk.creates, 5);
	complete();
	at(f, T0 + 2 * 86400 + 21);
	complete();
	assert_int_equal(live_snaps("lab", all), 1);
	assert_int_equal(live_snaps("web", all), 1);
	assert_int_equal(live_snaps("db", all), 1);
}

static void test_backups(void **state)
{
	struct fx *f = *state;
	int64_t id = add(f, "{\"vm\":\"db\",\"at\":\"daily\",\"backup_to\":\"backups\","
			 "\"keep_daily\":2}");
	int day;

	for (day = 1; day <= 4; day++) {
		at(f, T0 + day * 86400 + 1);
		complete();
	}
	assert_int_equal(fk.backups, 4);
	assert_int_equal(fk.backup_deletes, 2);
	assert_int_equal(live_snaps("db", id), 2);
	tl_assert_contains(result_of(f, id), "ok: backup of db to pool backups taken, 1 pruned");
	tl_assert_contains(fk.events, "schedule.pruned schedule 1: prunes backup 1 of db");
}

static void test_run_now_and_failure(void **state)
{
	struct fx *f = *state;
	int64_t id = add(f, "{\"vm\":\"lab\",\"at\":\"yearly\"}");
	char err[128];

	snprintf(fk.fail_create, sizeof(fk.fail_create), "the disk is gone");
	assert_int_equal(sched_run_now(f->s, id, err, sizeof(err)), 0);
	complete();
	tl_assert_contains(result_of(f, id), "failed: snapshot sched1-20260101-000000 of lab: the "
			   "disk is gone");
	assert_int_equal(sched_run_now(f->s, 99, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no schedule 99");
	/* The run moved its last run: not due again until next year. */
	at(f, T0 + 3600);
	assert_int_equal(fk.creates, 1);
}

/* croftd stops while a snapshot job runs: the job's end frees the task. */
static void test_stop_while_running(void **state)
{
	struct fx *f = *state;

	add(f, "{\"vm\":\"web\",\"at\":\"hourly\"}");
	at(f, T0 + 3600 + 1);
	assert_int_equal(fk.npend, 1);
	sched_free(f->s);
	f->s = NULL;
	complete();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_and_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_simulate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_minutely_keep_last_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missed_runs_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_then_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_job_per_vm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_full_skips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tag_and_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_now_and_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_while_running, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
