/*
 * Schedule definitions (sched.h): the rules schedule.add and schedule.set
 * apply (one target that exists, a calendar that parses and fires again,
 * counts that are not negative, a backup pool that exists), the API's
 * view of a schedule, and the retention simulator.
 */
#include "core/sched.h"

#include "core/calendar.h"
#include "core/daemon.h"
#include "core/pools.h"
#include "core/vm.h"
#include "core/vm_tags.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <string.h>

const char *const sched_keep_keys[6] = {
	"keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly", "keep_yearly",
};

void sched_keep_of(const int64_t keep[6], struct prune_keep *k)
{
	*k = (struct prune_keep){ keep[0], keep[1], keep[2], keep[3], keep[4], keep[5] };
}

static int check_target(struct croftd *d, const struct sched_req *req, struct store_schedule *out,
			const char **code, char *err, size_t errlen)
{
	const struct vm *vm;
	int given = (req->vm != NULL) + req->all + (req->tag != NULL);

	*code = PROTO_E_INVALID_ARGUMENT;
	if (given != 1) {
		err_set(err, errlen, "a schedule needs exactly one of a VM, all or a tag%s",
			given ? ", not several" : "");
		return -EINVAL;
	}
	out->vm_id = 0;
	out->all = req->all;
	free(out->vm);
	free(out->tag);
	out->vm = out->tag = NULL;
	if (req->tag) {
		if (vm_tag_check(req->tag, err, errlen) < 0)
			return -EINVAL;
		for (vm = d->vms; vm; vm = vm->next)
			if (!vm->deleted && vm_tags_has(vm->spec.tags, req->tag))
				break;
		if (!vm) {
			*code = PROTO_E_NOT_FOUND;
			err_set(err, errlen, "no VM has tag '%s' (croft vm edit VM --tag %s)", req->tag,
				req->tag);
			return -ENOENT;
		}
		out->tag = xstrdup(req->tag);
	}
	if (req->vm) {
		vm = vm_find(d, req->vm);
		if (!vm || vm->deleted) {
			*code = PROTO_E_NOT_FOUND;
			err_set(err, errlen, "no VM named '%s'", req->vm);
			return -ENOENT;
		}
		if (vm->spec.is_template) {
			*code = PROTO_E_INVALID_STATE;
			err_set(err, errlen, "VM '%s' is a template: it does not change, so there is "
				"nothing to snapshot", req->vm);
			return -EINVAL;
		}
		out->vm_id = vm->spec.id;
		out->vm = xstrdup(vm->spec.name);
	}
	return 0;
}

static int check_when(const char *at, time_t now, char *err, size_t errlen)
{
	struct calendar c;
	time_t next;

	if (calendar_parse(at, &c, err, errlen) < 0)
		return -EINVAL;
	if (calendar_next(&c, now, &next) < 0) {
		err_set(err, errlen, "calendar event '%s' never happens again", at);
		return -EINVAL;
	}
	return 0;
}

int sched_spec_check(struct croftd *d, const struct store_schedule *cur,
		     const struct sched_req *req, struct store_schedule *out, const char **code,
		     char *err, size_t errlen)
{
	struct sched_req r = *req;
	struct prune_keep k;
	ssize_t pool;
	int i, rc;

	memset(out, 0, sizeof(*out));
	if (cur) {
		out->id = cur->id;
		out->created = cur->created;
		out->last_run = cur->last_run;
		out->last_result = xstrdup_or_null(cur->last_result);
		if (!r.has_target) {
			r.vm = cur->vm;
			r.all = cur->all;
			r.tag = cur->tag;
		}
		if (!r.has_at)
			r.at = cur->at;
		if (!r.has_ram)
			r.ram = cur->ram;
		if (!r.has_backup_to)
			r.backup_to = cur->backup_to;
		for (i = 0; i < 6; i++)
			if (!r.has_keep[i])
				r.keep[i] = cur->keep[i];
	}
	if (cur && !r.has_target && cur->vm_id && !cur->vm) {
		*code = PROTO_E_NOT_FOUND;
		err_set(err, errlen, "schedule %lld's VM is gone", (long long)cur->id);
		return -ENOENT;
	}
	if ((rc = check_target(d, &r, out, code, err, errlen)) < 0)
		goto fail;
	rc = -EINVAL;
	*code = PROTO_E_INVALID_ARGUMENT;
	if (!r.at) {
		err_set(err, errlen, "a schedule needs a calendar event (at), such as 'daily' or "
			"'mon..fri 02:00'");
		goto fail;
	}
	if (check_when(r.at, time(NULL), err, errlen) < 0)
		goto fail;
	sched_keep_of(r.keep, &k);
	if (prune_keep_check(&k, err, errlen) < 0)
		goto fail;
	if (r.backup_to) {
		pool = d->pools ? pools_index(d->pools, r.backup_to) : -1;
		if (pool < 0 || pools_kind_at(d->pools, (size_t)pool) != POOLS_DISK) {
			*code = PROTO_E_NOT_FOUND;
			err_set(err, errlen, "no disk pool named '%s' to back up to", r.backup_to);
			rc = -ENOENT;
			goto fail;
		}
		if (r.ram) {
			err_set(err, errlen, "RAM goes into snapshots, not backups: give ram or "
				"backup_to, not both");
			goto fail;
		}
	}
	out->at = xstrdup(r.at);
	out->ram = r.ram;
	out->backup_to = xstrdup_or_null(r.backup_to);
	memcpy(out->keep, r.keep, sizeof(out->keep));
	return 0;
fail:
	store_schedule_clear(out);
	return rc;
}

json_t *sched_json(const struct store_schedule *s, time_t now)
{
	struct calendar c;
	time_t next;
	json_t *o;
	int i;

	o = json_pack("{s:I,s:o,s:b,s:o,s:s,s:b,s:o}", "id", (json_int_t)s->id,
		      "vm", s->vm ? json_string(s->vm) : json_null(), "all", s->all,
		      "tag", s->tag ? json_string(s->tag) : json_null(), "at", s->at, "ram", s->ram,
		      "backup_to", s->backup_to ? json_string(s->backup_to) : json_null());
	for (i = 0; i < 6; i++)
		json_object_set_new(o, sched_keep_keys[i], json_integer((json_int_t)s->keep[i]));
	json_object_set_new(o, "next_run",
			    calendar_parse(s->at, &c, NULL, 0) == 0 &&
			    calendar_next(&c, now, &next) == 0
			    ? json_integer((json_int_t)next) : json_null());
	json_object_set_new(o, "last_run", s->last_run ? json_integer((json_int_t)s->last_run)
						       : json_null());
	json_object_set_new(o, "last_result", s->last_result ? json_string(s->last_result)
							     : json_null());
	json_object_set_new(o, "created", json_integer((json_int_t)s->created));
	return o;
}

json_t *sched_simulate(const char *at, const struct prune_keep *k, int64_t days, time_t now,
		       const char **code, char *err, size_t errlen)
{
	struct prune_item *items = NULL;
	size_t n = 0, cap = 0, i;
	struct calendar c;
	json_t *arr;
	time_t t;

	*code = PROTO_E_INVALID_ARGUMENT;
	if (calendar_parse(at, &c, err, errlen) < 0 || prune_keep_check(k, err, errlen) < 0)
		return NULL;
	if (days < 1 || days > SCHED_SIMULATE_DAYS_MAX) {
		err_set(err, errlen, "days %lld is not between 1 and %d", (long long)days,
			SCHED_SIMULATE_DAYS_MAX);
		return NULL;
	}
	t = now - (time_t)(days * 86400);
	while (calendar_next(&c, t, &t) == 0 && t <= now) {
		if (n == SCHED_SIMULATE_RUNS_MAX) {
			free(items);
			err_set(err, errlen, "'%s' runs more than %d times in %lld days: simulate "
				"fewer days", at, SCHED_SIMULATE_RUNS_MAX, (long long)days);
			return NULL;
		}
		if (n == cap)
			items = xrealloc(items, (cap = cap ? 2 * cap : 256) * sizeof(*items));
		items[n++] = (struct prune_item){ .time = t };
	}
	prune_select(items, n, k);
	arr = json_array();
	for (i = n; i > 0; i--)
		json_array_append_new(arr, json_pack("{s:I,s:b,s:o}", "time",
			(json_int_t)items[i - 1].time, "kept", items[i - 1].keep,
			"rule", prune_rule_name(items[i - 1].rule)
				? json_string(prune_rule_name(items[i - 1].rule)) : json_null()));
	free(items);
	return json_pack("{s:o}", "snapshots", arr);
}
