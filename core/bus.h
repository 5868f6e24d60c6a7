/*
 * The event bus: everything croftd reports (a VM's state change, a job's
 * progress, a policy decision, an API request's outcome) is published here
 * once, and the bus hands it to every sink: the API server's subscribers,
 * the log, the persisted history in the store, and later the policies.
 *
 * An event has a kind ("vm.state"), the name of what it is about (the
 * target: "web"), a one-line message for people, and a JSON payload for
 * programs (what API subscribers receive as "data").  While the API server
 * runs a request's handler it sets the bus's origin (user, peer uid, op),
 * and every event published meanwhile carries it: that is the audit trail
 * of who did what.  Events are numbered (seq) in publishing order; those
 * persisted keep that number as their row id, so a reader of the history
 * and a subscriber agree on which events they have seen.
 *
 * Sinks run synchronously, in the order they were added, and must not
 * publish from inside a sink call (a nested publish is queued and
 * delivered after the current event reaches every sink).
 */
#ifndef CROFT_BUS_H
#define CROFT_BUS_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

/* Flags of a published event. */
#define BUS_VOLATILE 0x1   /* not persisted (progress ticks, samples) */
#define BUS_QUIET    0x2   /* not logged */

/* Who caused what is being published: the API request being handled. */
struct bus_origin {
	const char *user;          /* "alice", "root"; NULL: croftd itself */
	int64_t uid;               /* peer uid, -1 when none */
	const char *op;            /* "vm.start"; NULL when none */
};

struct bus_event {
	int64_t seq;               /* 1, 2, ...; the store's row id when persisted */
	int64_t time_ms;           /* wall clock, unix milliseconds */
	const char *kind;          /* "vm.state" */
	const char *target;        /* "web", or NULL */
	const char *message;       /* "web: running -> stopped (guest powered off)" */
	const json_t *data;        /* the payload ({} when none) */
	struct bus_origin origin;  /* user NULL, uid -1, op NULL: croftd */
	const char *result;        /* for "api.request": "ok" or an error code */
	unsigned flags;            /* BUS_* */
};

typedef void (*bus_sink_fn)(const struct bus_event *ev, void *data);

struct bus;

/* The clock is a seam for tests: NULL uses the real wall clock. */
struct bus *bus_new(int64_t (*now_ms)(void));
void bus_free(struct bus *b);

/* Add a sink (fn, data); 0 or -ENOMEM.  Remove it again by the same pair. */
int bus_sink_add(struct bus *b, bus_sink_fn fn, void *data);
void bus_sink_remove(struct bus *b, bus_sink_fn fn, void *data);

/* Continue numbering after seq (the newest persisted event at start). */
void bus_seq_resume(struct bus *b, int64_t seq);
int64_t bus_seq_last(const struct bus *b);

/* Publish: data is stolen (NULL means {}); target may be NULL; the message
 * is printf-formatted.  b may be NULL (the event is dropped), so code that
 * runs before the bus exists or in unit tests needs no special case. */
void bus_publish(struct bus *b, const char *kind, const char *target, unsigned flags,
		 json_t *data, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The same on behalf of origin o (NULL: croftd), with a result (the outcome
 * of an API request, NULL when none), whatever origin is set. */
void bus_publish_as(struct bus *b, const struct bus_origin *o, const char *kind,
		    const char *target, unsigned flags, const char *result, json_t *data,
		    const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* Set the origin of what is published until bus_origin_clear(); strings are
 * borrowed for that time. */
void bus_origin_set(struct bus *b, const struct bus_origin *o);
void bus_origin_clear(struct bus *b);
/* The origin set now, or NULL when none is (croftd acting on its own). */
const struct bus_origin *bus_origin_get(const struct bus *b);

/* An event as the API shows it, in history and to subscribers:
 * {"event","seq","time_ms","target","message","user","uid","op","result","data"}
 * (absent members are null).  New reference. */
json_t *bus_event_json(const struct bus_event *ev);

#endif
