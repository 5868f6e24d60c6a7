/*
 * Starting and stopping croftd's services (core/service.h).  A service's
 * tick is a one-shot loop timer re-armed after every call with the delay
 * the tick returned.
 */
#include "core/service.h"
#include "core/daemon.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct service_run {
	const struct croftd_service *svc;
	struct croftd *d;
	struct loop_timer *timer;
	uint64_t cpu_ns;             /* what its ticks cost, in all */
	uint64_t ticks;
};

struct service_set {
	struct service_run *runs;
	size_t n;                    /* started */
};

static void tick_cb(struct loop *l, struct loop_timer *t, void *data);

static void arm(struct service_run *r, uint64_t ms)
{
	r->timer = loop_timer_add(r->d->loop, ms, tick_cb, r);
}

static void tick_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct service_run *r = data;
	uint64_t next, t0 = loop_thread_cpu_ns();

	(void)l;
	(void)t;
	r->timer = NULL;
	next = r->svc->tick(r->d);
	r->cpu_ns += loop_thread_cpu_ns() - t0;
	r->ticks++;
	arm(r, next ? next : r->svc->tick_ms);
}

int service_start_all(struct croftd *d, const struct croftd_service *svc, size_t n,
		      struct service_set **out, char *err, size_t errlen)
{
	struct service_set *set = xcalloc(1, sizeof(*set));
	char why[512];
	size_t i;
	int rc;

	set->runs = xcalloc(n ? n : 1, sizeof(*set->runs));
	for (i = 0; i < n; i++) {
		struct service_run *r = &set->runs[i];

		why[0] = '\0';
		rc = svc[i].init ? svc[i].init(d, why, sizeof(why)) : 0;
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", svc[i].name, why[0] ? why : strerror(-rc));
			service_stop_all(set);
			*out = NULL;
			return rc;
		}
		r->svc = &svc[i];
		r->d = d;
		set->n = i + 1;
		if (svc[i].tick)
			arm(r, svc[i].tick_ms);
	}
	*out = set;
	return 0;
}

int service_tick_cpu(const struct service_set *set, size_t i, const char **name,
		     uint64_t *ns, uint64_t *ticks)
{
	size_t k;

	for (k = 0; set && k < set->n; k++) {
		const struct service_run *r = &set->runs[k];

		if (!r->svc->tick || i--)
			continue;
		*name = r->svc->name;
		*ns = r->cpu_ns;
		*ticks = r->ticks;
		return 0;
	}
	return -ENOENT;
}

void service_stop_all(struct service_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = set->n; i-- > 0;) {
		struct service_run *r = &set->runs[i];

		if (r->timer)
			loop_timer_cancel(r->d->loop, r->timer);
		r->timer = NULL;
		if (r->svc->fini)
			r->svc->fini(r->d);
	}
	free(set->runs);
	free(set);
}
