/*
 * The events model (console_eventmodel.h).  Each event becomes one line:
 * when, its kind, its target and a detail.  The detail of most kinds is
 * croftd's message; a few kinds say more from their data (a table, one
 * row per kind): a state change names the state it came from and why, an
 * audit entry (api.request) who did what with which outcome.
 */
#include "tui/console_eventmodel.h"
#include "common/json_get.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static void detail_state(const json_t *o, char *buf, size_t len)
{
	const char *prev = jget_str(o, "data.previous", NULL);
	const char *reason = jget_str(o, "data.reason", NULL);
	const char *detail = jget_str(o, "data.detail", NULL);
	size_t used;

	used = (size_t)snprintf(buf, len, "%s", jget_str(o, "data.state", "?"));
	if (prev && used < len)
		used += (size_t)snprintf(buf + used, len - used, " (was %s)", prev);
	if (reason && used < len)
		used += (size_t)snprintf(buf + used, len - used, ", reason %s", reason);
	if (detail && used < len)
		snprintf(buf + used, len - used, ": %s", detail);
}

/* "root: vm.start ok", "alice: vm.pause invalid_state: cannot pause..." */
static void detail_request(const json_t *o, char *buf, size_t len)
{
	const char *msg = jget_str(o, "data.message", NULL);

	snprintf(buf, len, "%s: %s %s%s%s", jget_str(o, "user", "croftd"),
		 jget_str(o, "data.op", jget_str(o, "op", "?")),
		 jget_str(o, "data.result", jget_str(o, "result", "?")), msg ? ": " : "",
		 msg ? msg : "");
}

static const struct {
	const char *kind;
	void (*detail)(const json_t *o, char *buf, size_t len);
} details[] = {
	{ "vm.state", detail_state },
	{ "api.request", detail_request },
};

static void when(int64_t time_ms, int64_t now_ms, char *buf, size_t len)
{
	time_t t = (time_t)(time_ms / 1000), now = (time_t)(now_ms / 1000);
	struct tm tm, today;

	localtime_r(&t, &tm);
	localtime_r(&now, &today);
	if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
		strftime(buf, len, "%H:%M:%S", &tm);
	else
		strftime(buf, len, "%m-%d %H:%M", &tm);
}

int cevent_parse(struct cevent *ev, const json_t *o, int64_t now_ms)
{
	const char *kind = jget_str(o, "event", NULL);
	size_t i;

	memset(ev, 0, sizeof(*ev));
	if (!kind)
		return -EINVAL;
	ev->seq = jget_int(o, "seq", 0);
	ev->time_ms = jget_int(o, "time_ms", now_ms);
	when(ev->time_ms, now_ms, ev->when, sizeof(ev->when));
	snprintf(ev->kind, sizeof(ev->kind), "%s", kind);
	snprintf(ev->target, sizeof(ev->target), "%s",
		 jget_str(o, "target", jget_str(o, "data.name", "")));
	snprintf(ev->detail, sizeof(ev->detail), "%s", jget_str(o, "message", ""));
	for (i = 0; i < sizeof(details) / sizeof(details[0]); i++)
		if (!strcmp(details[i].kind, kind))
			details[i].detail(o, ev->detail, sizeof(ev->detail));
	return 0;
}

void cevent_local(struct cevent *ev, long long n, int64_t now_ms, const char *text)
{
	memset(ev, 0, sizeof(*ev));
	ev->local = n;
	ev->time_ms = now_ms;
	when(now_ms, now_ms, ev->when, sizeof(ev->when));
	snprintf(ev->kind, sizeof(ev->kind), "console");
	snprintf(ev->detail, sizeof(ev->detail), "(%s)", text);
}

int cevent_listed(const char *kind)
{
	return strcmp(kind, "job.progress") != 0;
}

/* --- the panel ------------------------------------------------------------ */

static void ev_key(const void *row, char *buf, size_t len)
{
	const struct cevent *ev = row;

	if (ev->seq)
		snprintf(buf, len, "%lld", ev->seq);
	else
		snprintf(buf, len, "L%lld", ev->local);
}

static int ev_match(const void *row, const char *filter)
{
	const struct cevent *ev = row;

	return strcasestr(ev->kind, filter) || strcasestr(ev->target, filter) ||
	       strcasestr(ev->detail, filter);
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int ev_cmp(const void *pa, const void *pb, int sort)
{
	const struct cevent *a = pa, *b = pb;

	(void)sort;
	if (a->time_ms != b->time_ms)
		return CMP(a->time_ms, b->time_ms);
	if (a->seq != b->seq)
		return CMP(a->seq, b->seq);
	return CMP(a->local, b->local);
}

const struct panel_ops cevent_panel_ops = {
	.size = sizeof(struct cevent),
	.key = ev_key,
	.match = ev_match,
	.cmp = ev_cmp,
	.flags = PANEL_LOG,
};

/* --- the columns ----------------------------------------------------------- */

const struct ctable_col cevent_cols[] = {
	{ "TIME", 8, 11, 0, CTABLE_TEXT(struct cevent, when) },
	{ "EVENT", 12, 12, 0, CTABLE_TEXT(struct cevent, kind) },
	{ "TARGET", 12, 16, 0, CTABLE_TEXT(struct cevent, target) },
	{ "DETAIL", 20, 255, 0, CTABLE_TEXT(struct cevent, detail) },
};
const size_t cevent_ncols = sizeof(cevent_cols) / sizeof(cevent_cols[0]);
