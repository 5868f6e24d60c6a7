/*
 * croftd's services: the parts of the daemon that start, run and stop with
 * it (the event bus, the API server, the VMs, croft-netd's client, and the
 * coming job runner, sampler, scheduler and policies).  Each is one row of
 * a table in croftd.c, as vmd lists its privsep processes: a name, init,
 * fini, and optionally a tick the loop calls on a timer.  They start in
 * table order and stop in reverse, so a later service may use an earlier
 * one for its whole life.
 */
#ifndef CROFT_SERVICE_H
#define CROFT_SERVICE_H

#include <stddef.h>
#include <stdint.h>

struct croftd;
struct service_set;

struct croftd_service {
	const char *name;
	/* 0, or -errno with err set: startup stops and what started stops. */
	int (*init)(struct croftd *d, char *err, size_t errlen);
	void (*fini)(struct croftd *d);          /* may be NULL */
	/* Called first tick_ms after init; returns the milliseconds until
	 * the next call (0: tick_ms again).  NULL: no tick. */
	uint64_t (*tick)(struct croftd *d);
	uint64_t tick_ms;
};

/* Init each service in order.  On a failure, fini those already started
 * (in reverse) and return -errno with err naming the service.  *out is
 * the running set. */
int service_start_all(struct croftd *d, const struct croftd_service *svc, size_t n,
		      struct service_set **out, char *err, size_t errlen);
/* The i-th started service that ticks: its name, the CPU time its ticks
 * took (this thread's, ns) and how many ran.  0, or -ENOENT past the last
 * (croft_croftd_cpu_seconds_total in /metrics; bench/monitor.sh). */
int service_tick_cpu(const struct service_set *set, size_t i, const char **name,
		     uint64_t *ns, uint64_t *ticks);
/* Fini every started service in reverse order, cancel their ticks, free. */
void service_stop_all(struct service_set *set);

#endif
