/*
 * The balloon service (balloon.h): the policy applied on a timer, its
 * settings, the start-time budget check, KSM's tuning and host.memory.
 *
 * A balloon's target is what this service last asked of that QEMU; for a
 * QEMU it has not asked anything yet (a VM just started, or croftd just
 * restarted) it is the size QEMU reports, so a restarted croftd carries
 * on from the targets the guests have.
 */
#include "core/balloon.h"
#include "core/balloon_policy.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/host.h"
#include "core/ksm.h"
#include "core/model.h"
#include "core/settings.h"
#include "core/vm.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/validate.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct balloon_vm {
	int64_t id;
	pid_t pid;                       /* the QEMU the rest belongs to */
	struct bp_state st;
	uint64_t target_mib;             /* last asked; 0: nothing yet */
	enum bp_skip skip;               /* as last said */
	char last[512];                  /* the last decision */
	int64_t last_ms;
	int seen;
};

struct balloon {
	struct croftd *d;
	int enabled;
	uint64_t budget_set_mib;         /* 0: MemTotal less the reserve */
	uint64_t reserve_mib;
	uint64_t interval_ms;
	enum ksm_mode ksm_mode;
	const char *ksm_dir;
	struct ksm_tune ksm_cur, ksm_written;
	int ksm_failed;
	struct balloon_vm *vms;
	size_t nvms;
	int64_t force_id;
	balloon_set_fn set;              /* vm_set_balloon, or a test's */
};

#define MIB (1024ULL * 1024ULL)
#define BALLOON_QUIET_BOOT_S 30

/* --- settings -------------------------------------------------------------- */

static int setting_size_mib(struct store *st, const char *key, uint64_t *mib)
{
	char *v = NULL, err[128];
	uint64_t bytes;
	int rc = -ENOENT;

	if (store_setting_get(st, key, &v) < 0 || !v)
		return -ENOENT;
	if (strcmp(v, "auto")) {
		if (size_parse(v, &bytes, err, sizeof(err)) < 0) {
			log_warn("setting %s='%s': %s; using the default", key, v, err);
			rc = -EINVAL;
		} else {
			*mib = bytes / MIB;
			rc = 0;
		}
	}
	free(v);
	return rc;
}

static void read_settings(struct balloon *b)
{
	struct store *st = b->d->store;
	char *v = NULL;

	b->enabled = 1;
	if (store_setting_get(st, "balloon", &v) == 0 && v)
		b->enabled = strcmp(v, "off") != 0;
	free(v);
	v = NULL;
	b->ksm_mode = KSM_AUTO;
	if (store_setting_get(st, "ksm", &v) == 0 && v && ksm_mode_parse(v, &b->ksm_mode) < 0)
		log_warn("setting ksm='%s' is not auto, on or off; using auto", v);
	free(v);
	b->budget_set_mib = 0;
	if (setting_size_mib(st, "memory-budget", &b->budget_set_mib) < 0)
		b->budget_set_mib = 0;
	b->reserve_mib = BALLOON_RESERVE_DEFAULT_MIB;
	if (setting_size_mib(st, "memory-reserve", &b->reserve_mib) < 0)
		b->reserve_mib = BALLOON_RESERVE_DEFAULT_MIB;
	b->interval_ms = (uint64_t)settings_int(st, "balloon-interval-ms", BALLOON_INTERVAL_DEFAULT_MS,
						 500, 60000);
}

static uint64_t host_total_mib(struct croftd *d)
{
	struct host_mem hm;

	if (d->model && d->model->host.mem.total_kib)
		return d->model->host.mem.total_kib / 1024;
	if (host_meminfo(&hm) == 0)
		return hm.total_kib / 1024;
	return 0;
}

static uint64_t budget_of(struct croftd *d, uint64_t set_mib, uint64_t reserve_mib)
{
	uint64_t total = host_total_mib(d);

	if (set_mib)
		return set_mib;
	return total > reserve_mib ? total - reserve_mib : 0;
}

uint64_t balloon_budget_mib(struct croftd *d)
{
	struct balloon *b = d->balloon;

	return b ? budget_of(d, b->budget_set_mib, b->reserve_mib)
		 : budget_of(d, 0, BALLOON_RESERVE_DEFAULT_MIB);
}

/* The running guests' minimums, but for skip. */
static uint64_t running_min_mib(struct croftd *d, const struct vm *skip, char *list, size_t listlen)
{
	uint64_t sum = 0;
	struct vm *vm;
	size_t len;

	if (list)
		list[0] = 0;
	for (vm = d->vms; vm; vm = vm->next) {
		if (vm == skip || vm->deleted || !vm_is_live(vm))
			continue;
		sum += vm->spec.memory_min_mib;
		if (list && (len = strlen(list)) + 40 < listlen)
			snprintf(list + len, listlen - len, "%s%s %lluM", len ? " + " : "",
				 vm->spec.name, (unsigned long long)vm->spec.memory_min_mib);
	}
	return sum;
}

static int check_budget(struct croftd *d, uint64_t budget, const char *what, char *err, size_t errlen)
{
	char list[200], a[16], c[16];
	uint64_t total = host_total_mib(d), mins = running_min_mib(d, NULL, list, sizeof(list));

	if (total && budget > total) {
		err_set(err, errlen, "%s %s is larger than the host's memory (%s)", what,
			bp_mib_text(budget, a, sizeof(a)), bp_mib_text(total, c, sizeof(c)));
		return -EINVAL;
	}
	if (budget < mins) {
		err_set(err, errlen, "%s %s is smaller than the running guests' minimums (%s = %s)",
			what, bp_mib_text(budget, a, sizeof(a)), list, bp_mib_text(mins, c, sizeof(c)));
		return -EINVAL;
	}
	return 0;
}

int balloon_setting_check(struct croftd *d, const char *key, const char *value,
			  char *err, size_t errlen)
{
	enum ksm_mode mode;
	uint64_t bytes, total;
	char a[16], c[16];

	if (strcmp(key, "balloon") && strcmp(key, "memory-budget") && strcmp(key, "memory-reserve") &&
	    strcmp(key, "balloon-interval-ms") && strcmp(key, "ksm"))
		return 0;
	if (!value) {
		err_set(err, errlen, "%s needs a value", key);
		return -EINVAL;
	}
	if (!strcmp(key, "balloon")) {
		if (strcmp(value, "on") && strcmp(value, "off")) {
			err_set(err, errlen, "balloon must be on or off, not '%s'", value);
			return -EINVAL;
		}
		return 1;
	}
	if (!strcmp(key, "ksm")) {
		if (ksm_mode_parse(value, &mode) < 0) {
			err_set(err, errlen, "ksm must be auto, on or off, not '%s'", value);
			return -EINVAL;
		}
		return 1;
	}
	if (!strcmp(key, "balloon-interval-ms")) {
		char *end;
		long long v = strtoll(value, &end, 10);

		if (!*value || *end || v < 500 || v > 60000) {
			err_set(err, errlen, "balloon-interval-ms must be a number from 500 to 60000, not '%s'",
				value);
			return -EINVAL;
		}
		return 1;
	}
	if (!strcmp(key, "memory-budget") && !strcmp(value, "auto"))
		return check_budget(d, budget_of(d, 0, d->balloon ? d->balloon->reserve_mib
						       : BALLOON_RESERVE_DEFAULT_MIB),
				    "the default memory-budget", err, errlen) < 0 ? -EINVAL : 1;
	if (size_parse(value, &bytes, err, errlen) < 0)
		return -EINVAL;
	if (!strcmp(key, "memory-budget"))
		return check_budget(d, bytes / MIB, "memory-budget", err, errlen) < 0 ? -EINVAL : 1;
	total = host_total_mib(d);
	if (total && bytes / MIB >= total) {
		err_set(err, errlen, "memory-reserve %s leaves nothing of the host's %s for guests",
			bp_mib_text(bytes / MIB, a, sizeof(a)), bp_mib_text(total, c, sizeof(c)));
		return -EINVAL;
	}
	if ((!d->balloon || !d->balloon->budget_set_mib) &&
	    check_budget(d, total - bytes / MIB, "the memory-budget this reserve leaves", err, errlen) < 0)
		return -EINVAL;
	return 1;
}

void balloon_reconfigure(struct croftd *d)
{
	if (d->balloon)
		read_settings(d->balloon);
}

/* --- the start check --------------------------------------------------------- */

void balloon_start_force(struct croftd *d, int64_t id)
{
	if (d->balloon)
		d->balloon->force_id = id;
}

int balloon_start_check(struct vm *vm, const char **code, char *err, size_t errlen)
{
	struct croftd *d = vm->d;
	struct balloon *b = d->balloon;
	char list[200], a[16], c[16], e[16];
	uint64_t budget, others, need = vm->spec.memory_min_mib;

	if (!b)
		return 0;
	if (b->force_id == vm->spec.id) {
		b->force_id = 0;
		return 0;
	}
	if (!b->enabled)
		return 0;
	budget = budget_of(d, b->budget_set_mib, b->reserve_mib);
	others = running_min_mib(d, vm, list, sizeof(list));
	if (others + need <= budget)
		return 0;
	*code = PROTO_E_INVALID_STATE;
	err_set(err, errlen, "cannot start VM '%s': its memory-min %s does not fit the memory budget %s, "
		"of which the running guests' minimums take %s%s%s%s; lower its memory-min, raise "
		"memory-budget, or start it with --force",
		vm->spec.name, bp_mib_text(need, a, sizeof(a)), bp_mib_text(budget, c, sizeof(c)),
		bp_mib_text(others, e, sizeof(e)), list[0] ? " (" : "", list, list[0] ? ")" : "");
	return -ENOSPC;
}

/* --- the policy on a timer ----------------------------------------------------- */

/* The state of VM id for QEMU pid, made when missing; an index, since
 * making one may move the array. */
static size_t state_of(struct balloon *b, int64_t id, pid_t pid)
{
	size_t i;

	for (i = 0; i < b->nvms; i++)
		if (b->vms[i].id == id)
			break;
	if (i == b->nvms) {
		b->vms = xrealloc(b->vms, (b->nvms + 1) * sizeof(*b->vms));
		memset(&b->vms[b->nvms], 0, sizeof(*b->vms));
		b->vms[b->nvms].id = id;
		b->nvms++;
	}
	if (b->vms[i].pid != pid) {
		/* another QEMU: its own balloon, its own counters */
		struct balloon_vm keep = b->vms[i];

		memset(&b->vms[i], 0, sizeof(b->vms[i]));
		b->vms[i].id = id;
		b->vms[i].pid = pid;
		memcpy(b->vms[i].last, keep.last, sizeof(keep.last));
		b->vms[i].last_ms = keep.last_ms;
	}
	b->vms[i].seen = 1;
	return i;
}

static void forget_unseen(struct balloon *b)
{
	size_t i = 0;

	while (i < b->nvms) {
		if (!b->vms[i].seen && !b->vms[i].pid) {
			b->vms[i] = b->vms[--b->nvms];
			continue;
		}
		if (!b->vms[i].seen)
			b->vms[i].pid = 0;
		b->vms[i].seen = 0;
		i++;
	}
}

static void balloon_moved(struct vm *vm, const char *code, const char *msg, void *data)
{
	(void)data;
	if (code)
		log_warn("%s: the balloon could not be moved: %s", vm->spec.name, msg);
}

static int policy_eligible(const struct vm *vm)
{
	return !vm->deleted && vm->pid > 0 && vm->qmp && vm->state == VM_RUNNING;
}

static void fill_host(struct croftd *d, struct balloon *b, struct bp_host *h)
{
	const struct model_host *mh = &d->model->host;

	memset(h, 0, sizeof(*h));
	h->budget_mib = budget_of(d, b->budget_set_mib, b->reserve_mib);
	h->avail_mib = mh->mem.total_kib ? mh->mem.available_kib / 1024 : UINT64_MAX;
	h->low_mib = b->reserve_mib / 2;
	h->psi_some10 = mh->psi[MODEL_PSI_MEMORY].known ? mh->psi[MODEL_PSI_MEMORY].some_avg10 : -1;
	h->swap_pages_ps = mh->vmstat_known && mh->pswpout_ps >= 0 ? mh->pswpout_ps : -1;
}

static void fill_vm(struct croftd *d, struct vm *vm, struct balloon_vm *s, struct bp_vm *v)
{
	const struct model_balloon *mb = model_balloon_of(d->model, vm->spec.id, vm->pid);

	memset(v, 0, sizeof(*v));
	v->id = vm->spec.id;
	v->name = vm->spec.name;
	v->max_mib = vm->spec.memory_mib;
	v->min_mib = vm->spec.memory_min_mib;
	v->shares = vm->spec.memory_shares ? vm->spec.memory_shares : BP_SHARES_DEFAULT;
	v->balloon = mb && mb->sampled_ms;
	v->fixed = vm->spec.memory_min_mib >= vm->spec.memory_mib;
	v->target_mib = s->target_mib ? s->target_mib : v->balloon ? mb->actual_mib : v->max_mib;
	v->actual_mib = v->balloon ? mb->actual_mib : v->max_mib;
	if (mb && mb->guest.known) {
		v->stats = 1;
		v->stale = mb->guest.stale;
		v->stats_ms = mb->guest.last_update * 1000;
		v->total = mb->guest.total;
		v->available = mb->guest.available;
		v->swap_in = mb->guest.swap_in;
		v->major_faults = mb->guest.major_faults;
	}
}

static void apply(struct croftd *d, struct vm *vm, struct balloon_vm *s, const struct bp_decision *dec)
{
	const char *code;
	char err[256];

	if (dec->to_mib != dec->from_mib) {
		if (d->balloon->set(vm, dec->to_mib, balloon_moved, NULL, &code, err, sizeof(err)) < 0) {
			log_warn("%s: %s", vm->spec.name, err);
			return;
		}
		s->target_mib = dec->to_mib;
		snprintf(s->last, sizeof(s->last), "%s", dec->reason);
		s->last_ms = model_now_ms(d->model);
		bus_publish(d->bus, "vm.balloon", vm->spec.name, 0,
			    json_pack("{s:s,s:I,s:I,s:s}", "name", vm->spec.name,
				      "from_mib", (json_int_t)dec->from_mib, "to_mib", (json_int_t)dec->to_mib,
				      "reason", dec->reason),
			    "%s", dec->reason);
	} else if (dec->skip != s->skip) {
		/* a guest still booting has no driver or statistics yet: said
		 * only when that lasts BALLOON_QUIET_BOOT_S */
		if (dec->skip != BP_OK && dec->skip != BP_FIXED && vm->started_at &&
		    time(NULL) - vm->started_at < BALLOON_QUIET_BOOT_S)
			return;
		if (dec->skip != BP_OK && dec->skip != BP_FIXED) {
			snprintf(s->last, sizeof(s->last), "%s", dec->reason);
			s->last_ms = model_now_ms(d->model);
			bus_publish(d->bus, "vm.balloon", vm->spec.name, 0,
				    json_pack("{s:s,s:I,s:I,s:s}", "name", vm->spec.name,
					      "from_mib", (json_int_t)dec->from_mib,
					      "to_mib", (json_int_t)dec->to_mib, "reason", dec->reason),
				    "%s", dec->reason);
		}
	}
	s->skip = dec->skip;
}

static void run_policy(struct croftd *d, struct balloon *b)
{
	struct bp_host h;
	struct bp_vm *v;
	struct bp_state *st;
	struct bp_decision *out;
	size_t *sv;
	struct vm **vms, *vm;
	size_t n = 0, i;

	for (vm = d->vms; vm; vm = vm->next)
		n += policy_eligible(vm);
	if (!n)
		goto done;
	v = xcalloc(n, sizeof(*v));
	st = xcalloc(n, sizeof(*st));
	out = xcalloc(n, sizeof(*out));
	sv = xcalloc(n, sizeof(*sv));
	vms = xcalloc(n, sizeof(*vms));
	fill_host(d, b, &h);
	i = 0;
	for (vm = d->vms; vm && i < n; vm = vm->next) {
		if (!policy_eligible(vm))
			continue;
		vms[i] = vm;
		sv[i] = state_of(b, vm->spec.id, vm->pid);
		i++;
	}
	n = i;
	for (i = 0; i < n; i++) {
		fill_vm(d, vms[i], &b->vms[sv[i]], &v[i]);
		st[i] = b->vms[sv[i]].st;
	}
	balloon_policy_step(&h, v, st, n, model_now_ms(d->model), out);
	for (i = 0; i < n; i++) {
		b->vms[sv[i]].st = st[i];
		apply(d, vms[i], &b->vms[sv[i]], &out[i]);
	}
	free(v);
	free(st);
	free(out);
	free(sv);
	free(vms);
done:
	forget_unseen(b);
}

static void run_ksm(struct croftd *d, struct balloon *b)
{
	const struct model_host *mh = &d->model->host;
	struct ksm_tune next;
	int rc;

	if (b->ksm_mode == KSM_OFF || !mh->ksm.known || !mh->mem.total_kib)
		return;
	ksm_plan(b->ksm_mode, mh->mem.total_kib / 1024, mh->mem.available_kib / 1024,
		 mh->psi[MODEL_PSI_MEMORY].known ? mh->psi[MODEL_PSI_MEMORY].some_avg10 : 0,
		 &b->ksm_cur, &next);
	b->ksm_cur = next;
	/* the sysfs files are the host's: KSM that another writer turned off
	 * while croftd wants it on is turned on again */
	if (next.run && !mh->ksm.run)
		b->ksm_written.run = 0;
	rc = ksm_apply(b->ksm_dir, &next, &b->ksm_written);
	if (rc < 0 && !b->ksm_failed)
		log_warn("ksm: cannot tune %s: %s", b->ksm_dir, strerror(-rc));
	b->ksm_failed = rc < 0;
}

int balloon_init(struct croftd *d, char *err, size_t errlen)
{
	struct balloon *b = xcalloc(1, sizeof(*b));
	const char *dir = getenv("CROFT_KSM_DIR");

	(void)err;
	(void)errlen;
	b->d = d;
	b->ksm_dir = dir && *dir ? dir : KSM_DIR;
	b->ksm_written.run = -1;
	b->set = vm_set_balloon;
	d->balloon = b;
	read_settings(b);
	return 0;
}

void balloon_seam_set(struct croftd *d, balloon_set_fn fn)
{
	if (d->balloon)
		d->balloon->set = fn ? fn : vm_set_balloon;
}

void balloon_fini(struct croftd *d)
{
	if (!d->balloon)
		return;
	free(d->balloon->vms);
	free(d->balloon);
	d->balloon = NULL;
}

uint64_t balloon_tick(struct croftd *d)
{
	struct balloon *b = d->balloon;

	if (!b || !d->model)
		return 0;
	if (b->enabled)
		run_policy(d, b);
	run_ksm(d, b);
	return b->interval_ms;
}

/* --- host.memory ------------------------------------------------------------------ */

static json_t *mib_or_null(int known, uint64_t mib)
{
	return known ? json_integer((json_int_t)mib) : json_null();
}

static json_t *vm_json(struct croftd *d, struct balloon *b, struct vm *vm)
{
	const struct model_balloon *mb = model_balloon_of(d->model, vm->spec.id, vm->pid);
	const struct model_proc *p = model_proc_of(d->model, vm->spec.id, vm->pid);
	const struct balloon_vm *s = NULL;
	int live = vm->pid > 0, g = mb && mb->guest.known && mb->guest.total != UINT64_MAX &&
				    mb->guest.available != UINT64_MAX;
	uint64_t actual = mb && mb->sampled_ms ? mb->actual_mib : vm->spec.memory_mib;
	const char *stats = !live ? "-" : !mb || !mb->sampled_ms ? "no driver" : !g ? "none"
			    : mb->guest.stale ? "stale" : "ok";
	size_t i;
	json_t *o;

	for (i = 0; b && i < b->nvms; i++)
		if (b->vms[i].id == vm->spec.id)
			s = &b->vms[i];
	o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:s,s:s}", "name", vm->spec.name,
		      "state", vm_state_name(vm->state),
		      "memory_mib", (json_int_t)vm->spec.memory_mib,
		      "memory_min_mib", (json_int_t)vm->spec.memory_min_mib,
		      "memory_shares", (json_int_t)(vm->spec.memory_shares ? vm->spec.memory_shares
						     : BP_SHARES_DEFAULT),
		      "ksm", vm->spec.ksm_off ? "off" : "on", "stats", stats);
	json_object_set_new(o, "target_mib", mib_or_null(live, s && s->pid == vm->pid && s->target_mib
							 ? s->target_mib : actual));
	json_object_set_new(o, "actual_mib", mib_or_null(live, actual));
	json_object_set_new(o, "guest_used_mib",
			    mib_or_null(live && g, g ? bp_guest_used_mib(mb->guest.total, mb->guest.available,
									  actual, vm->spec.memory_mib) : 0));
	json_object_set_new(o, "guest_available_mib",
			    mib_or_null(live && g, g ? mb->guest.available / MIB : 0));
	json_object_set_new(o, "rss_mib", mib_or_null(live && p, p ? p->rss_bytes / MIB : 0));
	json_object_set_new(o, "last_decision", s && s->last[0] ? json_string(s->last) : json_null());
	json_object_set_new(o, "last_decision_ms", s && s->last[0] ? json_integer(s->last_ms)
							       : json_null());
	return o;
}

json_t *balloon_host_json(struct croftd *d)
{
	struct balloon *b = d->balloon;
	static const struct model_host none;
	const struct model_host *mh = d->model ? &d->model->host : &none;
	uint64_t page = 4096, targets = 0, mins = 0;
	json_t *o, *vms = json_array(), *ksm;
	struct vm *vm;

	for (vm = d->vms; vm; vm = vm->next) {
		json_t *j;

		if (vm->deleted)
			continue;
		j = vm_json(d, b, vm);
		if (vm->pid > 0) {
			targets += (uint64_t)json_integer_value(json_object_get(j, "target_mib"));
			mins += vm->spec.memory_min_mib;
		}
		json_array_append_new(vms, j);
	}
	o = json_pack("{s:s,s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:I}",
		      "balloon", b && !b->enabled ? "off" : "on",
		      "budget_mib", (json_int_t)balloon_budget_mib(d),
		      "budget_source", b && b->budget_set_mib ? "setting" : "default",
		      "reserve_mib", (json_int_t)(b ? b->reserve_mib : BALLOON_RESERVE_DEFAULT_MIB),
		      "interval_ms", (json_int_t)(b ? b->interval_ms : BALLOON_INTERVAL_DEFAULT_MS),
		      "host_total_mib", (json_int_t)(mh->mem.total_kib / 1024),
		      "host_available_mib", (json_int_t)(mh->mem.available_kib / 1024),
		      "guests_target_mib", (json_int_t)targets,
		      "guests_min_mib", (json_int_t)mins);
	ksm = json_pack("{s:s,s:b}", "mode", !b ? "auto" : b->ksm_mode == KSM_ON ? "on"
			: b->ksm_mode == KSM_OFF ? "off" : "auto", "known", mh->ksm.known);
	if (mh->ksm.known) {
		json_object_set_new(ksm, "run", json_integer((json_int_t)mh->ksm.run));
		json_object_set_new(ksm, "pages_shared", json_integer((json_int_t)mh->ksm.pages_shared));
		json_object_set_new(ksm, "pages_sharing", json_integer((json_int_t)mh->ksm.pages_sharing));
		json_object_set_new(ksm, "saved_mib",
				    json_integer((json_int_t)(mh->ksm.pages_sharing * page / MIB)));
		json_object_set_new(ksm, "pages_to_scan",
				    json_integer(b ? (json_int_t)b->ksm_written.pages_to_scan : 0));
		json_object_set_new(ksm, "sleep_ms", json_integer(b ? (json_int_t)b->ksm_written.sleep_ms : 0));
	}
	json_object_set_new(o, "ksm", ksm);
	json_object_set_new(o, "vms", vms);
	return o;
}
