/*
 * The Prometheus text exposition (format 0.0.4) of what the model holds:
 * the host, each VM, each pool and the active alerts, named after
 * node_exporter's and the libvirt exporter's metrics with a croft_
 * prefix (docs/metrics.md lists them all).  Counters are what the kernel
 * and QEMU count (seconds, bytes, operations) so Prometheus computes its
 * own rates; gauges are the sampler's figures.  A figure the model does
 * not have is left out, never written as 0.  VMs are written in name
 * order, so equal models give equal text (the golden test relies on it).
 * Rendering does no I/O: it serves /metrics (metrics_http.h) and
 * `croft metrics` (the metrics.get op) alike.
 */
#ifndef CROFT_METRICS_H
#define CROFT_METRICS_H

struct croftd;
struct alerts;

/* The exposition of d's model, VMs and alerts (NULL: none), malloc'd. */
char *metrics_text(struct croftd *d, const struct alerts *alerts);

#endif
