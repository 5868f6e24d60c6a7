/*
 * Alerts (alerts.h): a flat array of what is being watched (an entry per
 * figure over its warning level or with an alert up), small in practice.
 */
#include "core/alerts.h"
#include "core/bus.h"
#include "common/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct alerts {
	struct bus *bus;
	struct alert *v;
	size_t n, cap;
};

struct alerts *alerts_new(struct bus *bus)
{
	struct alerts *a = xcalloc(1, sizeof(*a));

	a->bus = bus;
	return a;
}

void alerts_free(struct alerts *a)
{
	if (!a)
		return;
	free(a->v);
	free(a);
}

const char *alerts_level_name(enum alert_level l)
{
	return l == ALERT_CRITICAL ? "critical" : l == ALERT_WARNING ? "warning" : "none";
}

static struct alert *find(struct alerts *a, const char *kind, const char *subject, const char *key)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->v[i].kind, kind) && !strcmp(a->v[i].subject, subject) &&
		    !strcmp(a->v[i].key, key))
			return &a->v[i];
	return NULL;
}

static struct alert *add(struct alerts *a, const struct alert_rule *r, const char *subject,
			 const char *key)
{
	struct alert *e;

	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	e = &a->v[a->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->kind, sizeof(e->kind), "%s", r->kind);
	snprintf(e->subject, sizeof(e->subject), "%s", subject);
	snprintf(e->key, sizeof(e->key), "%s", key);
	snprintf(e->unit, sizeof(e->unit), "%s", r->unit);
	snprintf(e->label, sizeof(e->label), "%s", r->label);
	return e;
}

/* "web: vCPU 0 CPU ready" or "host: swapping" */
static void what(const struct alert *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s: %s%s%s", *e->subject ? e->subject : "host", e->key,
		 *e->key ? " " : "", e->label);
}

static json_t *alert_data(const struct alert *e, enum alert_level level)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:f,s:f}", "alert", e->kind, "subject", e->subject,
			 "key", e->key, "level", alerts_level_name(level), "value", e->value,
			 "threshold", e->threshold);
}

static void publish_raised(struct alerts *a, struct alert *e, int64_t window_ms)
{
	char w[160];

	what(e, w, sizeof(w));
	bus_publish(a->bus, "alert.raised", *e->subject ? e->subject : NULL, 0, alert_data(e, e->level),
		    "%s %.1f%s, above %g%s for %llds (%s)", w, e->value, e->unit, e->threshold,
		    e->unit, (long long)(window_ms / 1000), alerts_level_name(e->level));
}

static void publish_cleared(struct alerts *a, struct alert *e, enum alert_level was, const char *why)
{
	char w[160];

	what(e, w, sizeof(w));
	if (why)
		bus_publish(a->bus, "alert.cleared", *e->subject ? e->subject : NULL, 0,
			    alert_data(e, was), "%s alert cleared: %s (was %s)", w, why, alerts_level_name(was));
	else
		bus_publish(a->bus, "alert.cleared", *e->subject ? e->subject : NULL, 0,
			    alert_data(e, was), "%s back to %.1f%s: alert cleared (was %s)", w, e->value, e->unit,
			    alerts_level_name(was));
}

static double threshold(const struct alert_rule *r, enum alert_level l)
{
	return l == ALERT_CRITICAL ? r->crit : r->warn;
}

static void remove_at(struct alerts *a, struct alert *e)
{
	size_t i = (size_t)(e - a->v);

	memmove(&a->v[i], &a->v[i + 1], (a->n - i - 1) * sizeof(*e));
	a->n--;
}

void alerts_observe(struct alerts *a, const struct alert_rule *r, const char *subject,
		    const char *key, double value, int64_t now_ms)
{
	struct alert *e;
	enum alert_level target = ALERT_NONE, l;

	if (isnan(value) || value < 0)
		return;
	e = find(a, r->kind, subject, key);
	if (!e) {
		if (value <= r->warn)
			return;                  /* nothing to watch */
		e = add(a, r, subject, key);
	}
	e->value = value;
	for (l = ALERT_WARNING; l <= ALERT_CRITICAL; l++) {
		if ((l == ALERT_CRITICAL && r->crit <= 0) || value <= threshold(r, l))
			e->over_ms[l] = 0;
		else if (!e->over_ms[l])
			e->over_ms[l] = now_ms;
	}
	for (l = ALERT_CRITICAL; l >= ALERT_WARNING; l--) {
		if (e->over_ms[l] && now_ms - e->over_ms[l] >= r->window_ms) {
			target = l;
			break;
		}
	}
	if (target > e->level) {
		e->level = target;
		e->threshold = threshold(r, target);
		e->raised_ms = now_ms;
		e->under_ms = 0;
		publish_raised(a, e, r->window_ms);
	} else if (e->level > ALERT_NONE) {
		if (value > threshold(r, e->level) * ALERTS_CLEAR_FRACTION) {
			e->under_ms = 0;
		} else if (!e->under_ms) {
			e->under_ms = now_ms;
		}
		if (e->under_ms && now_ms - e->under_ms >= r->window_ms) {
			enum alert_level was = e->level;

			e->under_ms = 0;
			e->level = target;
			if (target == ALERT_NONE) {
				publish_cleared(a, e, was, NULL);
			} else {
				e->threshold = threshold(r, target);
				e->raised_ms = now_ms;
				publish_raised(a, e, r->window_ms);
			}
		}
	}
	if (e->level == ALERT_NONE && !e->over_ms[ALERT_WARNING] && !e->over_ms[ALERT_CRITICAL])
		remove_at(a, e);
}

void alerts_drop_subject(struct alerts *a, const char *subject, const char *why)
{
	size_t i = 0;

	while (i < a->n) {
		struct alert *e = &a->v[i];

		if (strcmp(e->subject, subject)) {
			i++;
			continue;
		}
		if (e->level > ALERT_NONE)
			publish_cleared(a, e, e->level, why);
		remove_at(a, e);
	}
}

size_t alerts_active(const struct alerts *a, const struct alert **out, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < a->n; i++)
		if (a->v[i].level > ALERT_NONE && k < max)
			out[k++] = &a->v[i];
	return k;
}

json_t *alerts_json(const struct alerts *a, const char *subject)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct alert *e = &a->v[i];
		char w[160], msg[256];

		if (e->level == ALERT_NONE || (subject && strcmp(subject, e->subject)))
			continue;
		what(e, w, sizeof(w));
		snprintf(msg, sizeof(msg), "%s %.1f%s, above %g%s", w, e->value, e->unit,
			 e->threshold, e->unit);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:f,s:f,s:I,s:s}",
						     "alert", e->kind, "subject", e->subject,
						     "key", e->key, "level",
						     alerts_level_name(e->level), "value", e->value,
						     "threshold", e->threshold, "since_ms",
						     (json_int_t)e->raised_ms, "message", msg));
	}
	return arr;
}
