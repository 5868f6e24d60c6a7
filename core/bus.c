/*
 * The event bus.  Sinks are an array called in order.  A publish that
 * happens while sinks are running (a sink reacting to an event by causing
 * another) is queued and delivered once the current event has reached
 * every sink, so each sink sees events in sequence order, one at a time.
 */
#include "core/bus.h"
#include "common/loop.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUS_MESSAGE_MAX 1024

struct bus_sink {
	bus_sink_fn fn;
	void *data;
};

/* A published event with its strings owned, waiting for delivery. */
struct bus_item {
	struct bus_event ev;
	char *kind, *target, *message, *user, *op, *result;
	json_t *data;
	struct bus_item *next;
};

struct bus {
	int64_t (*now_ms)(void);
	struct bus_sink *sinks;
	size_t nsinks, cap;
	int64_t seq;
	struct bus_origin origin;
	int have_origin;
	int delivering;
	struct bus_item *queue, **queue_tail;
};

struct bus *bus_new(int64_t (*now_ms)(void))
{
	struct bus *b = xcalloc(1, sizeof(*b));

	b->now_ms = now_ms ? now_ms : loop_wall_ms;
	b->queue_tail = &b->queue;
	return b;
}

static void item_free(struct bus_item *it)
{
	free(it->kind);
	free(it->target);
	free(it->message);
	free(it->user);
	free(it->op);
	free(it->result);
	json_decref(it->data);
	free(it);
}

void bus_free(struct bus *b)
{
	if (!b)
		return;
	while (b->queue) {
		struct bus_item *it = b->queue;

		b->queue = it->next;
		item_free(it);
	}
	free(b->sinks);
	free(b);
}

int bus_sink_add(struct bus *b, bus_sink_fn fn, void *data)
{
	if (b->nsinks == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->sinks = xrealloc(b->sinks, b->cap * sizeof(*b->sinks));
	}
	b->sinks[b->nsinks].fn = fn;
	b->sinks[b->nsinks].data = data;
	b->nsinks++;
	return 0;
}

void bus_sink_remove(struct bus *b, bus_sink_fn fn, void *data)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->nsinks; i++) {
		if (b->sinks[i].fn == fn && b->sinks[i].data == data) {
			memmove(&b->sinks[i], &b->sinks[i + 1], (b->nsinks - i - 1) * sizeof(*b->sinks));
			b->nsinks--;
			return;
		}
	}
}

void bus_seq_resume(struct bus *b, int64_t seq)
{
	if (seq > b->seq)
		b->seq = seq;
}

int64_t bus_seq_last(const struct bus *b)
{
	return b->seq;
}

void bus_origin_set(struct bus *b, const struct bus_origin *o)
{
	if (!b)
		return;
	b->origin = *o;
	b->have_origin = 1;
}

void bus_origin_clear(struct bus *b)
{
	if (!b)
		return;
	memset(&b->origin, 0, sizeof(b->origin));
	b->have_origin = 0;
}

const struct bus_origin *bus_origin_get(const struct bus *b)
{
	return b && b->have_origin ? &b->origin : NULL;
}

static void deliver(struct bus *b)
{
	b->delivering = 1;
	while (b->queue) {
		struct bus_item *it = b->queue;
		size_t i;

		/* A sink added by a sink hears this event too; walk by index
		 * and re-check the count each time. */
		for (i = 0; i < b->nsinks; i++)
			b->sinks[i].fn(&it->ev, b->sinks[i].data);
		b->queue = it->next;
		if (!b->queue)
			b->queue_tail = &b->queue;
		item_free(it);
	}
	b->delivering = 0;
}

static void publish(struct bus *b, const struct bus_origin *o, const char *kind,
		    const char *target, unsigned flags, const char *result, json_t *data,
		    const char *fmt, va_list ap)
{
	struct bus_item *it;
	char msg[BUS_MESSAGE_MAX];

	if (!b) {
		json_decref(data);
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	it = xcalloc(1, sizeof(*it));
	it->kind = xstrdup(kind);
	it->target = xstrdup_or_null(target);
	it->message = xstrdup(msg);
	it->result = xstrdup_or_null(result);
	it->data = data ? data : json_object();
	if (o) {
		it->user = xstrdup_or_null(o->user);
		it->op = xstrdup_or_null(o->op);
	}
	it->ev.seq = ++b->seq;
	it->ev.time_ms = b->now_ms();
	it->ev.kind = it->kind;
	it->ev.target = it->target;
	it->ev.message = it->message;
	it->ev.data = it->data;
	it->ev.origin.user = it->user;
	it->ev.origin.uid = o ? o->uid : -1;
	it->ev.origin.op = it->op;
	it->ev.result = it->result;
	it->ev.flags = flags;
	*b->queue_tail = it;
	b->queue_tail = &it->next;
	if (!b->delivering)
		deliver(b);
}

void bus_publish(struct bus *b, const char *kind, const char *target, unsigned flags,
		 json_t *data, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	publish(b, b && b->have_origin ? &b->origin : NULL, kind, target, flags, NULL, data,
		fmt, ap);
	va_end(ap);
}

void bus_publish_as(struct bus *b, const struct bus_origin *o, const char *kind,
		    const char *target, unsigned flags, const char *result, json_t *data,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	publish(b, o, kind, target, flags, result, data, fmt, ap);
	va_end(ap);
}

json_t *bus_event_json(const struct bus_event *ev)
{
	/* "s?": a NULL string is null */
	return json_pack("{s:s,s:I,s:I,s:s?,s:s,s:s?,s:o,s:s?,s:s?,s:O}",
			 "event", ev->kind, "seq", (json_int_t)ev->seq,
			 "time_ms", (json_int_t)ev->time_ms,
			 "target", ev->target, "message", ev->message,
			 "user", ev->origin.user,
			 "uid", ev->origin.uid >= 0 ? json_integer(ev->origin.uid) : json_null(),
			 "op", ev->origin.op, "result", ev->result,
			 "data", (json_t *)ev->data);
}
