/*
 * Alerts: a figure over a threshold for long enough raises an alert, and
 * the alert clears itself when the figure has been back under the
 * threshold, less a hysteresis margin, for as long.  Each is published on
 * the bus ("alert.raised", "alert.cleared": logged, kept in the event
 * history, sent to subscribers such as the console) and listed while
 * active.
 *
 * An alert is named by its rule's kind ("ready", "swap",
 * "memory-pressure", "disk-latency"), a subject (a VM's name, or "")
 * and a key inside it ("vcpu 0", "disk0"; "" when none).  A host alert's
 * subject is "" (messages say "host"; its events have no target).  A rule has a
 * warning and optionally a critical threshold (the value must be above
 * it) and a window: the value must stay above for the window before the
 * alert is raised (or raised to critical), and at or below
 * ALERTS_CLEAR_FRACTION of the threshold for the window before it is
 * lowered or cleared.  An unknown value (NaN or negative) changes
 * nothing.  The monitor (monitor.c) makes the rules from host settings
 * and feeds the figures after each sample.
 */
#ifndef CROFT_ALERTS_H
#define CROFT_ALERTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct bus;

#define ALERTS_CLEAR_FRACTION 0.8

enum alert_level { ALERT_NONE, ALERT_WARNING, ALERT_CRITICAL };

struct alert_rule {
	const char *kind;             /* "ready" */
	const char *label;            /* "CPU ready", for messages */
	const char *unit;             /* "%", " pages/s", " ms" */
	double warn;
	double crit;                  /* <= 0: no critical level */
	int64_t window_ms;
};

struct alert {
	char kind[24];
	char subject[64];
	char key[32];
	enum alert_level level;
	double value;                 /* the last one seen */
	double threshold;             /* of the level */
	int64_t raised_ms;            /* when it reached its level */
	int64_t over_ms[3];           /* since when above warn [1] / crit [2]; 0 not */
	int64_t under_ms;             /* since when under the clearing level; 0 not */
	char unit[12];
	char label[32];
};

struct alerts;

/* bus may be NULL (nothing published: tests of the state alone). */
struct alerts *alerts_new(struct bus *bus);
void alerts_free(struct alerts *a);

/* The value of rule's figure for (subject, key) at now_ms. */
void alerts_observe(struct alerts *a, const struct alert_rule *rule, const char *subject,
		    const char *key, double value, int64_t now_ms);
/* Clear (publishing it, with why) every alert of subject: its VM is gone. */
void alerts_drop_subject(struct alerts *a, const char *subject, const char *why);

/* The alerts active now (level > ALERT_NONE), in the order raised. */
size_t alerts_active(const struct alerts *a, const struct alert **out, size_t max);
const char *alerts_level_name(enum alert_level l);
/* [{kind, subject, key, level, value, threshold, since_ms, message}]. */
json_t *alerts_json(const struct alerts *a, const char *subject);

#endif
