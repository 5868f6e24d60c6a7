/*
 * The monitor service: after each sample it adds the model's figures to
 * the history (history.h), checks the alert rules (alerts.h) against them,
 * and serves /metrics (metrics_http.h); it also renders the stats the
 * host.stats and vm.stats ops answer.  Its tunables are host settings,
 * read at start and again whenever host.set changes one:
 *
 *   metrics-listen            ADDR:PORT | [V6]:PORT | off   127.0.0.1:9597
 *   alert-ready-warn-pct      a vCPU's ready % for a warning       5
 *   alert-ready-crit-pct      ... for a critical alert            10
 *   alert-ready-window-s      how long it must last (and end)    300
 *   alert-swap-pages-per-s    host swap-in + swap-out, pages/s    10
 *   alert-swap-window-s                                           60
 *   alert-pressure-pct        memory pressure, some avg10, %      10
 *   alert-pressure-window-s                                       60
 *   alert-latency-factor      a disk's latency, times its baseline 10
 *   alert-latency-min-ms      ... and at least this many ms       20
 *   alert-latency-window-s                                        60
 *
 * A disk's baseline is its own average latency, learnt from the samples
 * with I/O (the first MONITOR_BASELINE_SAMPLES as a plain mean, then an
 * hour-long moving average that samples over the threshold do not move);
 * no latency alert is raised before it is learnt.
 */
#ifndef CROFT_MONITOR_H
#define CROFT_MONITOR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct croftd;
struct monitor;
struct vm;

#define MONITOR_BASELINE_SAMPLES 30

/* The croftd service: init makes d->monitor (and its /metrics server; a
 * listen address that cannot be bound is logged, not fatal); tick runs
 * once per sample interval. */
int monitor_init(struct croftd *d, char *err, size_t errlen);
void monitor_fini(struct croftd *d);
uint64_t monitor_tick(struct croftd *d);

/* The alerts the monitor keeps, for other services' alerts (NULL before
 * it starts). */
struct alerts *monitor_alerts(struct croftd *d);

/* One round now: history, alerts. */
void monitor_run(struct monitor *m);

/* Is key a monitor setting?  1 when it is and value is valid for it, 0
 * when it is not one of them, -EINVAL with err when value is bad. */
int monitor_setting_check(const char *key, const char *value, char *err, size_t errlen);
/* The monitor settings' names, ", "-joined (for error messages). */
const char *monitor_setting_names(void);
/* Read the settings again (after host.set); 0, or -errno with err when
 * the new /metrics address cannot be served (the setting stays). */
int monitor_reconfigure(struct croftd *d, char *err, size_t errlen);

/* The ops' answers.  range: a history tier's name ("1h", "24h", "31d",
 * "1y") to include the history, or NULL.  NULL with *code and err set on
 * a bad range or a store failure. */
json_t *monitor_host_json(struct croftd *d, const char *range, const char **code, char *err,
			  size_t errlen);
json_t *monitor_vm_json(struct croftd *d, const struct vm *vm, const char *range,
			const char **code, char *err, size_t errlen);
/* The Prometheus exposition, malloc'd. */
char *monitor_metrics_text(struct croftd *d);
/* The port /metrics is served on, 0 when off. */
unsigned monitor_metrics_port(const struct croftd *d);
/* The CPU time (this thread's, ns) of the rounds (history, alerts) of VMs
 * that have a QEMU, and how many (/metrics' part "monitor-vm"). */
void monitor_vm_cpu(const struct croftd *d, uint64_t *ns, uint64_t *rounds);

#endif
