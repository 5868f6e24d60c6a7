/*
 * The Events screen: croftd's events, one line each (time, event, target,
 * detail), newest at the bottom, in a list panel that is a log
 * (console_eventmodel.h).  On every connect it reads the history with
 * events.list (the newest CEVENT_MAX), so it shows what happened before
 * the console started and before a croftd restart, then follows the live
 * events; an event both listed and received live is shown once (by seq).
 * It follows new events while the view is at the end; scrolled up, it
 * stays put.  Losing and regaining the connection is logged here too.
 * Each VM's last state change is handed to the console (console_why_note)
 * for the VMs screen to say why a VM is stopped or crashed.
 * '/' filters by kind, target or text.
 */
#include "tui/console_screen.h"
#include "tui/console_eventmodel.h"
#include "common/json_get.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct events_screen {
	struct console_list list;    /* struct cevent, a log */
	int was_connected;
	long long local;             /* the console's own lines so far */
};

static struct events_screen *S(void *st)
{
	return st;
}

static struct console_list *events_list(void *st)
{
	return &S(st)->list;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(struct events_screen *s, const char *fmt, const char *arg)
{
	struct cevent ev;
	char text[400];

	snprintf(text, sizeof(text), fmt, arg);
	cevent_local(&ev, ++s->local, wall_ms(), text);
	panel_add(&s->list.panel, &ev);
	panel_trim(&s->list.panel, CEVENT_MAX);
}

/* The history, merged with what came live meanwhile. */
static void read_history(struct console *c, struct events_screen *s)
{
	struct api_error e = { "", "" };
	json_t *res = NULL, *o;
	struct cevent *rows;
	int64_t now = wall_ms();
	size_t n = 0, i;

	if (console_call(c, "events.list", json_pack("{s:i}", "limit", CEVENT_MAX), &res, NULL,
			 &e) < 0) {
		if (c->api)
			say(s, "no history: %s", e.message);
		return;
	}
	rows = xcalloc(json_array_size(jget_arr(res, "events")) + 1, sizeof(*rows));
	json_array_foreach(jget_arr(res, "events"), i, o) {
		if (cevent_parse(&rows[n], o, now) < 0 || !cevent_listed(rows[n].kind))
			continue;
		if (!strcmp(rows[n].kind, "vm.state"))
			console_why_note(c, rows[n].target, rows[n].time_ms, rows[n].detail);
		n++;
	}
	panel_merge(&s->list.panel, rows, n);
	panel_trim(&s->list.panel, CEVENT_MAX);
	free(rows);
	json_decref(res);
}

static void events_event(struct console *c, void *st, const json_t *ev)
{
	struct cevent row;

	if (cevent_parse(&row, ev, wall_ms()) < 0 || !cevent_listed(row.kind))
		return;
	if (!strcmp(row.kind, "vm.state"))
		console_why_note(c, row.target, row.time_ms, row.detail);
	panel_add(&S(st)->list.panel, &row);
	panel_trim(&S(st)->list.panel, CEVENT_MAX);
}

static void events_tick(struct console *c, void *st)
{
	struct events_screen *s = st;

	if (!s->was_connected && c->api) {
		say(s, "connected to croftd at %s", c->socket);
		read_history(c, s);
	} else if (s->was_connected && !c->api) {
		say(s, "lost the connection to croftd%s", "");
	}
	s->was_connected = c->api != NULL;
}

/* The events on screen, each whole: "when kind target" and its detail,
 * wrapped. */
static void k_show(struct console *c, void *st)
{
	const struct panel *p = &S(st)->list.panel;
	size_t i, used = 0, cap = 1024;
	char *text = xmalloc(cap);

	text[0] = '\0';
	for (i = p->top; i < p->top + p->height && i < panel_count(p); i++) {
		const struct cevent *ev = panel_row(p, i);
		char *one = xasprintf("%s%s %s %s\n  %s", used ? "\n" : "", ev->when,
				      ev->kind[0] ? ev->kind : "console", ev->target, ev->detail);
		size_t len = strlen(one);

		while (used + len + 1 > cap) {
			cap *= 2;
			text = xrealloc(text, cap);
		}
		memcpy(text + used, one, len + 1);
		used += len;
		free(one);
	}
	if (used)
		console_text(c, "Events on screen, in full", text, 1);
	free(text);
}

static const struct console_key events_keys[] = {
	CONSOLE_NAV_KEYS("scroll up", "scroll down", "oldest event", "newest event; follow new ones"),
	{ { '\n', '\r', KEY_ENTER }, NULL, "the events on screen in full, wrapped", k_show },
	{ { '/' }, NULL, "filter by kind, target or text: Enter keeps it, Esc clears it",
	  console_nav_filter },
	{ { 27 }, NULL, "clear the filter", console_nav_unfilter },
	{ { 0 }, NULL, NULL, NULL },
};

static void events_draw(struct console *c, void *st, WINDOW *w, int top, int height, int width)
{
	const struct panel *p = &S(st)->list.panel;

	console_list_draw(c, w, top, height, width, &S(st)->list, cevent_cols, cevent_ncols, NULL);
	if (!p->n)
		console_put(w, top + 2, 2, width - 2, c->th.dim,
			    "No events yet. State changes, creates, edits and deletes appear here.");
	else if (!panel_count(p))
		console_put(w, top + 2, 2, width - 2, c->th.dim,
			    "No event matches the filter. Esc clears it.");
}

static void *events_init(struct console *c)
{
	struct events_screen *s = xcalloc(1, sizeof(*s));

	console_list_init(&s->list, &cevent_panel_ops, "events", console_body_rows(c));
	return s;
}

static void events_fini(void *st)
{
	console_list_free(&S(st)->list);
	free(st);
}

const struct console_screen console_screen_events = {
	.name = "Events",
	.hotkey = '3',
	.keys = events_keys,
	.list = events_list,
	.init = events_init,
	.fini = events_fini,
	.draw = events_draw,
	.event = events_event,
	.tick = events_tick,
};
