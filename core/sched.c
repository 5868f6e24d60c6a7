/*
 * The schedule service (sched.h).  Each check lists the schedules, fires
 * the due ones (their last run moves to now at once, so a schedule fires
 * once per check however late it is) and makes a task per VM.  A task
 * walks WAIT (its VM is busy: try again later) -> MAKING (the snapshot or
 * backup job runs) -> PRUNING (the schedule's items beyond its retention
 * are deleted one at a time, a snapshot delete being a job on the VM) ->
 * ended, recording its outcome as the schedule's last result.  Tasks
 * outlive the service when croftd stops with their jobs still running:
 * the service lets go of them, and the job's end frees them.
 */
#include "core/sched.h"

#include "core/bus.h"
#include "core/calendar.h"
#include "core/daemon.h"
#include "core/vm.h"
#include "core/vm_tags.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum task_state { T_WAIT, T_MAKING, T_PRUNE_WAIT, T_PRUNING };

struct task {
	struct sched *s;             /* NULL: the service stopped; free at the job's end */
	struct task *next;
	int64_t id;                  /* the schedule's */
	char vm[128];
	char *backup_to;
	bool ram;
	time_t fired;
	time_t next_try;
	int tries;
	enum task_state state;
	char made[512];              /* what the run made, for messages */
	struct sched_item *del;      /* to prune */
	size_t ndel, idel, pruned;
};

struct sched {
	struct croftd *d;
	const struct sched_ops *ops;
	struct task *tasks;
};

static void prune_next(struct task *t);

struct sched *sched_new(struct croftd *d, const struct sched_ops *ops)
{
	struct sched *s = xcalloc(1, sizeof(*s));

	s->d = d;
	s->ops = ops;
	return s;
}

static void task_free(struct task *t)
{
	free(t->backup_to);
	free(t->del);
	free(t);
}

void sched_free(struct sched *s)
{
	struct task *t, *next;

	if (!s)
		return;
	for (t = s->tasks; t; t = next) {
		next = t->next;
		if (t->state == T_MAKING || t->state == T_PRUNING)
			t->s = NULL;         /* its job's end frees it */
		else
			task_free(t);
	}
	free(s);
}

size_t sched_tasks(const struct sched *s)
{
	const struct task *t;
	size_t n = 0;

	for (t = s->tasks; t; t = t->next)
		n++;
	return n;
}

static const char *what(const struct task *t)
{
	return t->backup_to ? "backup" : "snapshot";
}

/* An event about the task's VM, with the schedule's id in its data. */
static void task_event(const struct task *t, const char *kind, json_t *data, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void task_event(const struct task *t, const char *kind, json_t *data, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!data)
		data = json_object();
	json_object_set_new(data, "schedule", json_integer((json_int_t)t->id));
	json_object_set_new(data, "vm", json_string(t->vm));
	bus_publish(t->s->d->bus, kind, t->vm, 0, data, "schedule %lld: %s", (long long)t->id, msg);
}

/* The task's outcome ("ok: ...", "failed: ...", "skipped: ...") becomes
 * the schedule's last result; the task goes. */
static void task_end(struct task *t, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void task_end(struct task *t, const char *kind, const char *fmt, ...)
{
	struct sched *s = t->s;
	struct task **pp;
	char msg[600], result[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(result, sizeof(result), "%s: %s", kind, msg);
	if (store_schedule_ran(s->d->store, t->id, t->fired, result) < 0 && s->d->store)
		log_warn("schedule %lld: cannot record its result: %s", (long long)t->id, result);
	if (strcmp(kind, "ok"))
		task_event(t, !strcmp(kind, "skipped") ? "schedule.skipped" : "schedule.failed",
			   json_pack("{s:s}", "reason", msg), "%s of %s %s: %s", what(t), t->vm,
			   kind, msg);
	for (pp = &s->tasks; *pp && *pp != t; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = t->next;
	task_free(t);
}

/* Another task of ours holds the VM (its job or its pruning). */
static const struct task *vm_held(const struct sched *s, const struct task *t)
{
	const struct task *o;

	for (o = s->tasks; o; o = o->next)
		if (o != t && (o->state == T_MAKING || o->state == T_PRUNING) &&
		    !strcmp(o->vm, t->vm))
			return o;
	return NULL;
}

/* The VM is busy (why): try again later, or give up after SCHED_TRIES. */
static void task_wait(struct task *t, enum task_state state, const char *why)
{
	time_t now = t->s->ops->now();

	if (++t->tries >= SCHED_TRIES) {
		task_end(t, "failed", "VM %s stayed busy (%s) through %d tries %d s apart", t->vm,
			 why, SCHED_TRIES, SCHED_RETRY_S);
		return;
	}
	t->state = state;
	t->next_try = now + SCHED_RETRY_S;
	task_event(t, "schedule.waiting", json_pack("{s:s,s:i}", "reason", why, "try", t->tries),
		   "%s of %s waits: %s (try %d of %d, again in %d s)", what(t), t->vm, why,
		   t->tries, SCHED_TRIES, SCHED_RETRY_S);
}

static void made(void *data, const char *error);

static void task_start(struct task *t)
{
	const struct sched_ops *ops = t->s->ops;
	struct croftd *d = t->s->d;
	char why[256], pool[128], name[96], err[512];
	const struct task *o;
	struct tm tm;
	double pct;
	int rc;

	if (ops->pool_used && ops->pool_used(d, t->vm, t->backup_to, pool, sizeof(pool), &pct) == 0) {
		if (ops->pool_alert)
			ops->pool_alert(d, pool, pct);
		if (pct >= SCHED_POOL_FULL_PCT) {
			task_end(t, "skipped", "pool %s is %.0f %% used (runs stop at %.0f %%)", pool,
				 pct, SCHED_POOL_FULL_PCT);
			return;
		}
	}
	if ((o = vm_held(t->s, t))) {
		snprintf(why, sizeof(why), "schedule %lld's %s is at work on it", (long long)o->id,
			 what(o));
		task_wait(t, T_WAIT, why);
		return;
	}
	if (ops->busy && ops->busy(d, t->vm, why, sizeof(why))) {
		task_wait(t, T_WAIT, why);
		return;
	}
	localtime_r(&t->fired, &tm);
	snprintf(name, sizeof(name), "sched%lld-%04d%02d%02d-%02d%02d%02d", (long long)t->id,
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	err[0] = 0;
	if (t->backup_to) {
		snprintf(t->made, sizeof(t->made), "backup of %s to pool %s", t->vm, t->backup_to);
		rc = ops->backup_create ? ops->backup_create(d, t->vm, t->backup_to, t->id, made, t,
							      err, sizeof(err)) : -ENOSYS;
	} else {
		snprintf(t->made, sizeof(t->made), "snapshot %s of %s%s", name, t->vm,
			 t->ram ? " with RAM" : "");
		rc = ops->snap_create ? ops->snap_create(d, t->vm, name, t->ram, t->id, made, t, err,
							  sizeof(err)) : -ENOSYS;
	}
	if (rc == -EBUSY) {
		task_wait(t, T_WAIT, *err ? err : "a job runs on it");
		return;
	}
	if (rc < 0) {
		task_end(t, "failed", "%s: %s", t->made, *err ? err : rc == -ENOSYS
			 ? "this croftd cannot make them" : strerror(-rc));
		return;
	}
	t->state = T_MAKING;
	t->tries = 0;
}

/* Which of the schedule's items its retention keeps; the others go to
 * t->del, each decision an event. */
static void prune_plan(struct task *t)
{
	const struct sched_ops *ops = t->s->ops;
	struct store_schedule sc;
	struct sched_item *v = NULL;
	struct prune_item *items;
	struct prune_keep k;
	json_t *kept;
	size_t n = 0, i;
	int rc;

	if (store_schedule_get(t->s->d->store, t->id, &sc) < 0)
		return;                      /* removed meanwhile: nothing to prune by */
	sched_keep_of(sc.keep, &k);
	store_schedule_clear(&sc);
	rc = t->backup_to ? (ops->backup_list ? ops->backup_list(t->s->d, t->vm, t->id, &v, &n) : -ENOSYS)
			  : (ops->snap_list ? ops->snap_list(t->s->d, t->vm, t->id, &v, &n) : -ENOSYS);
	if (rc < 0) {
		task_event(t, "schedule.failed", NULL, "cannot list the %ss of %s to prune them: %s",
			   what(t), t->vm, strerror(-rc));
		return;
	}
	items = xcalloc(n + 1, sizeof(*items));
	for (i = 0; i < n; i++)
		items[i] = (struct prune_item){ .time = v[i].time, .protected_ = v[i].protected_ };
	prune_select(items, n, &k);
	t->del = xcalloc(n + 1, sizeof(*t->del));
	kept = json_array();
	for (i = 0; i < n; i++) {
		if (items[i].keep)
			json_array_append_new(kept, json_pack("{s:s,s:I,s:I,s:s}", "name", v[i].name,
				"id", (json_int_t)v[i].id, "time", (json_int_t)v[i].time,
				"rule", prune_rule_name(items[i].rule)));
		else
			t->del[t->ndel++] = v[i];
	}
	task_event(t, "schedule.kept", json_pack("{s:o,s:I}", "kept", kept, "prune",
		   (json_int_t)t->ndel), "retention keeps %zu %s%s of %s, prunes %zu", n - t->ndel,
		   what(t), n - t->ndel == 1 ? "" : "s", t->vm, t->ndel);
	free(items);
	free(v);
}

static void made(void *data, const char *error)
{
	struct task *t = data;

	if (!t->s) {
		task_free(t);
		return;
	}
	if (error) {
		task_end(t, "failed", "%s: %s", t->made, error);
		return;
	}
	task_event(t, "schedule.taken", NULL, "%s taken", t->made);
	prune_plan(t);
	t->state = T_PRUNING;
	prune_next(t);
}

static void pruned(void *data, const char *error)
{
	struct task *t = data;
	const struct sched_item *it;

	if (!t->s) {
		task_free(t);
		return;
	}
	it = &t->del[t->idel++];
	if (error)
		task_event(t, "schedule.failed", NULL, "cannot prune snapshot %s of %s: %s",
			   it->name, t->vm, error);
	else
		t->pruned++;
	prune_next(t);
}

/* The event saying an item goes, and why. */
static void prune_event(struct task *t, const struct sched_item *it)
{
	char when[32];
	struct tm tm;
	time_t tt = (time_t)it->time;

	localtime_r(&tt, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (t->backup_to)
		task_event(t, "schedule.pruned", json_pack("{s:I,s:I}", "backup", (json_int_t)it->id,
			   "time", (json_int_t)it->time), "prunes backup %lld of %s (%s): no "
			   "retention rule keeps it", (long long)it->id, t->vm, when);
	else
		task_event(t, "schedule.pruned", json_pack("{s:s,s:I}", "snapshot", it->name,
			   "time", (json_int_t)it->time), "prunes snapshot %s of %s (%s): no "
			   "retention rule keeps it", it->name, t->vm, when);
}

static void prune_next(struct task *t)
{
	const struct sched_ops *ops = t->s->ops;
	const struct sched_item *it;
	char err[512], why[256];
	int rc;

	while (t->idel < t->ndel) {
		it = &t->del[t->idel];
		err[0] = 0;
		if (t->backup_to) {
			prune_event(t, it);
			rc = ops->backup_delete ? ops->backup_delete(t->s->d, it->id, err, sizeof(err))
						: -ENOSYS;
			if (rc < 0)
				task_event(t, "schedule.failed", NULL, "cannot prune backup %lld: %s",
					   (long long)it->id, *err ? err : strerror(-rc));
			else
				t->pruned++;
			t->idel++;
			continue;
		}
		if (ops->busy && ops->busy(t->s->d, t->vm, why, sizeof(why))) {
			task_wait(t, T_PRUNE_WAIT, why);
			return;
		}
		prune_event(t, it);
		rc = ops->snap_delete ? ops->snap_delete(t->s->d, t->vm, it->name, pruned, t, err,
							  sizeof(err)) : -ENOSYS;
		if (rc == -EBUSY) {
			task_wait(t, T_PRUNE_WAIT, *err ? err : "a job runs on it");
			return;
		}
		if (rc < 0) {
			task_event(t, "schedule.failed", NULL, "cannot prune snapshot %s of %s: %s",
				   it->name, t->vm, *err ? err : strerror(-rc));
			t->idel++;
			continue;
		}
		t->state = T_PRUNING;
		return;                      /* pruned() goes on */
	}
	task_end(t, "ok", "%s taken, %zu pruned", t->made, t->pruned);
}

/* --- firing ------------------------------------------------------------------- */

static void task_add(struct sched *s, const struct store_schedule *sc, const char *vm, time_t now)
{
	struct task *t = xcalloc(1, sizeof(*t)), **pp;

	t->s = s;
	t->id = sc->id;
	snprintf(t->vm, sizeof(t->vm), "%s", vm);
	t->backup_to = xstrdup_or_null(sc->backup_to);
	t->ram = sc->ram;
	t->fired = now;
	t->state = T_WAIT;
	for (pp = &s->tasks; *pp; pp = &(*pp)->next)
		;
	*pp = t;
	task_start(t);
}

static bool targets(const struct store_schedule *sc, const struct vm *vm)
{
	if (vm->deleted)
		return false;
	if (sc->vm_id)
		return vm->spec.id == sc->vm_id;
	if (vm->spec.is_template)
		return false;
	return sc->all || vm_tags_has(vm->spec.tags, sc->tag);
}

static void fire(struct sched *s, const struct store_schedule *sc, time_t now, const char *why)
{
	json_t *names = json_array();
	struct vm *vm;
	char list[512] = "", result[600];
	size_t at = 0, i;

	store_schedule_ran(s->d->store, sc->id, now, sc->last_result);
	for (vm = s->d->vms; vm; vm = vm->next) {
		if (!targets(sc, vm))
			continue;
		json_array_append_new(names, json_string(vm->spec.name));
		if (at < sizeof(list))
			at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", at ? ", " : "",
					       vm->spec.name);
	}
	if (!json_array_size(names)) {
		snprintf(result, sizeof(result), "skipped: %s", sc->tag
			 ? "no VM has its tag" : "no VM to run on");
		store_schedule_ran(s->d->store, sc->id, now, result);
		bus_publish(s->d->bus, "schedule.skipped", NULL, 0,
			    json_pack("{s:I,s:s}", "schedule", (json_int_t)sc->id, "why", why),
			    "schedule %lld (%s): %s", (long long)sc->id, why, result);
		json_decref(names);
		return;
	}
	bus_publish(s->d->bus, "schedule.run", NULL, 0,
		    json_pack("{s:I,s:s,s:o}", "schedule", (json_int_t)sc->id, "why", why, "vms",
			      json_incref(names)),
		    "schedule %lld ('%s', %s): %s of %s", (long long)sc->id, sc->at, why,
		    sc->backup_to ? "backup" : "snapshot", list);
	for (i = 0; i < json_array_size(names); i++)
		task_add(s, sc, json_string_value(json_array_get(names, i)), now);
	json_decref(names);
}

uint64_t sched_run_due(struct sched *s)
{
	time_t now = s->ops->now(), due, wake;
	struct store_schedule *v = NULL;
	struct task *t, *next;
	struct calendar c;
	size_t n = 0, i;
	char err[256];

	if (store_schedule_list(s->d->store, &v, &n, err, sizeof(err)) < 0)
		log_warn("schedules: %s", err);
	for (i = 0; i < n; i++) {
		time_t from = v[i].last_run ? v[i].last_run : v[i].created;

		if (calendar_parse(v[i].at, &c, NULL, 0) < 0 || calendar_next(&c, from, &due) < 0 ||
		    due > now)
			continue;
		fire(s, &v[i], now, due < now - 90 ? "missed while croftd was down" : "due");
	}
	store_schedule_list_free(v, n);
	for (t = s->tasks; t; t = next) {
		next = t->next;
		if (t->next_try > now)
			continue;
		if (t->state == T_WAIT)
			task_start(t);
		else if (t->state == T_PRUNE_WAIT)
			prune_next(t);
	}
	/* Just after the next minute turns, or a waiting task's retry. */
	wake = now - now % 60 + 61;
	for (t = s->tasks; t; t = t->next)
		if ((t->state == T_WAIT || t->state == T_PRUNE_WAIT) && t->next_try < wake)
			wake = t->next_try;
	return wake > now ? (uint64_t)(wake - now) * 1000 : 1000;
}

int sched_run_now(struct sched *s, int64_t id, char *err, size_t errlen)
{
	struct store_schedule sc;

	if (store_schedule_get(s->d->store, id, &sc) < 0) {
		err_set(err, errlen, "no schedule %lld", (long long)id);
		return -ENOENT;
	}
	fire(s, &sc, s->ops->now(), "run now");
	store_schedule_clear(&sc);
	return 0;
}

/* --- the service ------------------------------------------------------------------ */

int sched_service_init(struct croftd *d, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	d->sched = sched_new(d, &sched_ops_daemon);
	return 0;
}

void sched_service_fini(struct croftd *d)
{
	sched_free(d->sched);
	d->sched = NULL;
}

uint64_t sched_service_tick(struct croftd *d)
{
	return sched_run_due(d->sched);
}
