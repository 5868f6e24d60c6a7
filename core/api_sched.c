/*
 * schedule.* ops (sched.h): add, set, list, remove, run-now and
 * simulate.  The rules are sched_spec_check's; these parse and answer.
 */
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/daemon.h"
#include "core/sched.h"
#include "core/vm.h"
#include "core/vm_tags.h"
#include "common/proto.h"
#include "store/store.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* The request's fields; a JSON null target field counts as not given. */
static void req_parse(json_t *args, struct sched_req *q)
{
	json_t *v;
	int i;

	memset(q, 0, sizeof(*q));
	q->vm = json_string_value(json_object_get(args, "vm"));
	q->all = json_is_true(json_object_get(args, "all"));
	q->tag = json_string_value(json_object_get(args, "tag"));
	q->has_target = json_object_get(args, "vm") || json_object_get(args, "all") ||
			json_object_get(args, "tag");
	q->at = json_string_value(json_object_get(args, "at"));
	q->has_at = q->at != NULL;
	q->has_ram = (v = json_object_get(args, "ram")) != NULL;
	q->ram = json_is_true(v);
	q->has_backup_to = json_object_get(args, "backup_to") != NULL;
	q->backup_to = json_string_value(json_object_get(args, "backup_to"));
	for (i = 0; i < 6; i++) {
		v = json_object_get(args, sched_keep_keys[i]);
		q->has_keep[i] = v != NULL;
		q->keep[i] = json_integer_value(v);
	}
}

static void answer(struct api_req *r, const struct store_schedule *s)
{
	api_req_ok(r, json_pack("{s:o}", "schedule", sched_json(s, time(NULL))));
}

static void op_add(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct store_schedule s;
	struct sched_req q;
	const char *code;
	char err[512];

	req_parse(args, &q);
	if (sched_spec_check(d, NULL, &q, &s, &code, err, sizeof(err)) < 0) {
		api_req_err(r, code, "%s", err);
		return;
	}
	s.created = time(NULL);
	if (store_schedule_add(d->store, &s, err, sizeof(err)) < 0)
		api_req_err(r, PROTO_E_IO, "%s", err);
	else
		answer(r, &s);
	store_schedule_clear(&s);
}

/* The schedule args "id" names: 0, or the request answered. */
static int find(struct api_req *r, json_t *args, struct store_schedule *out)
{
	json_int_t id = json_integer_value(json_object_get(args, "id"));

	if (store_schedule_get(api_req_daemon(r)->store, id, out) < 0) {
		api_req_err(r, PROTO_E_NOT_FOUND, "no schedule %lld", (long long)id);
		return -ENOENT;
	}
	return 0;
}

static void op_set(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct store_schedule cur, s;
	struct sched_req q;
	const char *code;
	char err[512];

	if (find(r, args, &cur) < 0)
		return;
	req_parse(args, &q);
	if (sched_spec_check(d, &cur, &q, &s, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
	else if (store_schedule_update(d->store, &s, err, sizeof(err)) < 0)
		api_req_err(r, PROTO_E_IO, "%s", err);
	else
		answer(r, &s);
	store_schedule_clear(&s);
	store_schedule_clear(&cur);
}

/* Does schedule s run on vm? */
static int applies(const struct store_schedule *s, const struct vm *vm)
{
	if (s->vm_id)
		return s->vm_id == vm->spec.id;
	return s->all || vm_tags_has(vm->spec.tags, s->tag);
}

static void op_list(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *name = json_string_value(json_object_get(args, "vm"));
	struct store_schedule *v;
	struct vm *vm = NULL;
	json_t *arr;
	size_t n, i;
	char err[512];

	if (name && (!(vm = vm_find(d, name)) || vm->deleted)) {
		api_req_err(r, PROTO_E_NOT_FOUND, "no VM named '%s'", name);
		return;
	}
	if (store_schedule_list(d->store, &v, &n, err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_IO, "%s", err);
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		if (!vm || applies(&v[i], vm))
			json_array_append_new(arr, sched_json(&v[i], time(NULL)));
	store_schedule_list_free(v, n);
	api_req_ok(r, json_pack("{s:o}", "schedules", arr));
}

static void op_remove(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct store_schedule s;
	char err[512];

	if (find(r, args, &s) < 0)
		return;
	if (store_schedule_delete(d->store, s.id, err, sizeof(err)) < 0)
		api_req_err(r, PROTO_E_IO, "%s", err);
	else
		api_req_ok(r, json_pack("{s:I}", "removed", (json_int_t)s.id));
	store_schedule_clear(&s);
}

static void op_run_now(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct store_schedule s;
	int64_t id;
	char err[512];

	if (find(r, args, &s) < 0)
		return;
	id = s.id;
	store_schedule_clear(&s);
	if (!d->sched) {
		api_req_err(r, PROTO_E_UNAVAILABLE, "the schedule service is not running");
		return;
	}
	if (sched_run_now(d->sched, id, err, sizeof(err)) < 0 ||
	    store_schedule_get(d->store, id, &s) < 0) {
		api_req_err(r, PROTO_E_NOT_FOUND, "no schedule %lld", (long long)id);
		return;
	}
	answer(r, &s);
	store_schedule_clear(&s);
}

static void op_simulate(struct api_req *r, json_t *args)
{
	struct sched_req q;
	struct prune_keep k;
	const char *code;
	json_t *days = json_object_get(args, "days"), *res;
	char err[512];

	req_parse(args, &q);
	sched_keep_of(q.keep, &k);
	res = sched_simulate(q.at, &k, days ? json_integer_value(days) : 30, time(NULL), &code,
			     err, sizeof(err));
	if (!res)
		api_req_err(r, code, "%s", err);
	else
		api_req_ok(r, res);
}

#define KEEP_ARGS \
	{ "keep_last", ARG_INT, 0 }, { "keep_hourly", ARG_INT, 0 }, \
	{ "keep_daily", ARG_INT, 0 }, { "keep_weekly", ARG_INT, 0 }, \
	{ "keep_monthly", ARG_INT, 0 }, { "keep_yearly", ARG_INT, 0 }

static const struct api_arg args_add[] = {
	{ "vm", ARG_STRING, 0 }, { "all", ARG_BOOL, 0 }, { "tag", ARG_STRING, 0 },
	{ "at", ARG_STRING, ARG_REQUIRED }, { "ram", ARG_BOOL, 0 },
	{ "backup_to", ARG_STRING, ARG_NULLABLE }, KEEP_ARGS, { NULL, 0, 0 } };
static const struct api_arg args_set[] = {
	{ "id", ARG_INT, ARG_REQUIRED },
	{ "vm", ARG_STRING, 0 }, { "all", ARG_BOOL, 0 }, { "tag", ARG_STRING, 0 },
	{ "at", ARG_STRING, 0 }, { "ram", ARG_BOOL, 0 },
	{ "backup_to", ARG_STRING, ARG_NULLABLE }, KEEP_ARGS, { NULL, 0, 0 } };
static const struct api_arg args_list[] = {
	{ "vm", ARG_STRING, 0 }, { NULL, 0, 0 } };
static const struct api_arg args_id[] = {
	{ "id", ARG_INT, ARG_REQUIRED }, { NULL, 0, 0 } };
static const struct api_arg args_simulate[] = {
	{ "at", ARG_STRING, ARG_REQUIRED }, { "days", ARG_INT, 0 }, KEEP_ARGS, { NULL, 0, 0 } };

const struct api_op api_sched_ops[] = {
	{ "schedule.add",      op_add,      args_add,      0 },
	{ "schedule.set",      op_set,      args_set,      0 },
	{ "schedule.list",     op_list,     args_list,     API_OP_READ },
	{ "schedule.remove",   op_remove,   args_id,       0 },
	{ "schedule.run-now",  op_run_now,  args_id,       0 },
	{ "schedule.simulate", op_simulate, args_simulate, API_OP_READ },
	{ NULL, NULL, NULL, 0 },
};
