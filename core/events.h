/*
 * The events service: it makes croftd's bus (core/bus.h) and adds the
 * sinks every event reaches whoever is listening: the log, and the
 * persisted history in the store (the newest EVENTS_KEEP_DEFAULT, or the
 * host setting "events-keep").  The API server adds its subscribers as
 * another sink when it starts.  Also the events.* ops.
 */
#ifndef CROFT_EVENTS_H
#define CROFT_EVENTS_H

#include <stddef.h>
#include <stdint.h>

struct croftd;

#define EVENTS_KEEP_DEFAULT 10000
#define EVENTS_LIST_MAX 10000      /* the most events.list returns at once */

int events_init(struct croftd *d, char *err, size_t errlen);
void events_fini(struct croftd *d);

#endif
