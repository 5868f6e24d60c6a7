/*
 * The events service and the events.* ops.  Sinks: the log (one line per
 * event, unless BUS_QUIET) and the store (every event but BUS_VOLATILE
 * ones, trimmed to the newest "keep").  A store that fails to record an
 * event is logged once per failure streak; the event still reaches the
 * other sinks.
 */
#include "core/events.h"
#include "core/api_ops.h"
#include "core/api_server.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/settings.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void log_sink(const struct bus_event *ev, void *data)
{
	(void)data;
	if (ev->flags & BUS_QUIET)
		return;
	if (ev->origin.user)
		log_info("%s [%s uid %lld]", ev->message, ev->origin.user, (long long)ev->origin.uid);
	else
		log_info("%s", ev->message);
}

static void store_sink(const struct bus_event *ev, void *data)
{
	struct croftd *d = data;
	struct store_event se = {
		.id = ev->seq, .time_ms = ev->time_ms, .kind = (char *)ev->kind,
		.target = (char *)ev->target, .message = (char *)ev->message,
		.user = (char *)ev->origin.user, .uid = ev->origin.uid,
		.op = (char *)ev->origin.op, .result = (char *)ev->result,
	};

	if (ev->flags & BUS_VOLATILE)
		return;
	se.data = json_dumps(ev->data, JSON_COMPACT);
	if (store_event_add(d->store, &se, d->events_keep) < 0) {
		if (!d->events_failing)
			log_err("cannot record events in the store: %s", store_last_error(d->store));
		d->events_failing = 1;
	} else {
		d->events_failing = 0;
	}
	free(se.data);
}

int events_init(struct croftd *d, char *err, size_t errlen)
{
	int64_t last = 0;

	if (store_event_last_id(d->store, &last) < 0) {
		err_set(err, errlen, "%s", store_last_error(d->store));
		return -EIO;
	}
	d->bus = bus_new(NULL);
	bus_seq_resume(d->bus, last);
	d->events_keep = settings_int(d->store, "events-keep", EVENTS_KEEP_DEFAULT, 100, INT64_MAX);
	bus_sink_add(d->bus, log_sink, d);
	bus_sink_add(d->bus, store_sink, d);
	return 0;
}

void events_fini(struct croftd *d)
{
	bus_free(d->bus);
	d->bus = NULL;
}

/* --- ops -------------------------------------------------------------------- */

static json_t *stored_json(const struct store_event *se)
{
	struct bus_event ev = {
		.seq = se->id, .time_ms = se->time_ms, .kind = se->kind, .target = se->target,
		.message = se->message,
		.origin = { .user = se->user, .uid = se->uid, .op = se->op },
		.result = se->result,
	};
	json_t *data = se->data ? json_loads(se->data, 0, NULL) : NULL, *o;

	ev.data = data ? data : json_object();
	o = bus_event_json(&ev);
	json_decref((json_t *)ev.data);
	return o;
}

static void op_events_list(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	json_t *jsince = json_object_get(args, "since_ms"), *jafter = json_object_get(args, "after");
	json_t *jlimit = json_object_get(args, "limit"), *arr;
	json_int_t limit = jlimit ? json_integer_value(jlimit) : 1000;
	struct store_event *evs = NULL;
	size_t n = 0, i;

	if (limit < 1 || limit > EVENTS_LIST_MAX) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "limit must be between 1 and %d, not %lld",
			    EVENTS_LIST_MAX, (long long)limit);
		return;
	}
	if ((jsince && json_integer_value(jsince) < 0) || (jafter && json_integer_value(jafter) < 0)) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "since_ms and after must not be negative");
		return;
	}
	if (store_event_list(d->store, jsince ? json_integer_value(jsince) : 0,
			     jafter ? json_integer_value(jafter) : 0, (size_t)limit, &evs, &n) < 0) {
		api_req_err(r, PROTO_E_IO, "cannot read the event history: %s",
			    store_last_error(d->store));
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, stored_json(&evs[i]));
	store_event_list_free(evs, n);
	api_req_ok(r, json_pack("{s:o,s:I}", "events", arr, "last_seq",
				(json_int_t)bus_seq_last(d->bus)));
}

static void op_events_subscribe(struct api_req *r, json_t *args)
{
	(void)args;
	api_req_subscribe(r);
	api_req_ok(r, json_pack("{s:I}", "last_seq", (json_int_t)bus_seq_last(api_req_daemon(r)->bus)));
}

static const struct api_arg args_events_list[] = {
	{ "since_ms", ARG_INT, 0 },
	{ "after", ARG_INT, 0 },
	{ "limit", ARG_INT, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_none[] = { { NULL, 0, 0 } };

const struct api_op api_events_ops[] = {
	{ "events.subscribe", op_events_subscribe, args_none, API_OP_READ },
	{ "events.list", op_events_list, args_events_list, API_OP_READ },
	{ NULL, NULL, NULL, 0 },
};
