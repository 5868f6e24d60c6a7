/*
 * The Events screen: the last EVENTS_MAX events of the subscription, one
 * line each (time, event, VM, state and reason), newest at the bottom.
 * It follows new events while the view is at the end; scrolled up, it
 * stays put.  Events only arrive while connected; losing and regaining
 * the connection is logged here too.
 */
#include "tui/console_screen.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENTS_MAX 500

struct events_screen {
	char *lines[EVENTS_MAX];     /* ring */
	size_t first, count;
	size_t top;                  /* first line shown */
	int follow;                  /* stick to the newest */
	int height;
	int was_connected;
};

static size_t page(const struct events_screen *s)
{
	return s->height > 2 ? (size_t)s->height - 1 : 1;
}

static void clamp(struct events_screen *s)
{
	size_t p = page(s), max = s->count > p ? s->count - p : 0;

	if (s->follow || s->top > max)
		s->top = max;
	s->follow = s->top == max;
}

static void add(struct events_screen *s, char *line)
{
	if (s->count == EVENTS_MAX) {
		free(s->lines[s->first]);
		s->lines[s->first] = line;
		s->first = (s->first + 1) % EVENTS_MAX;
		if (!s->follow && s->top)
			s->top--;
	} else {
		s->lines[(s->first + s->count) % EVENTS_MAX] = line;
		s->count++;
	}
	clamp(s);
}

static void scroll_by(struct events_screen *s, long delta)
{
	long top = (long)s->top + delta;

	s->follow = 0;
	s->top = top < 0 ? 0 : (size_t)top;
	clamp(s);
}

static void k_up(struct console *c, void *st)
{
	(void)c;
	scroll_by(st, -1);
}

static void k_down(struct console *c, void *st)
{
	(void)c;
	scroll_by(st, 1);
}

static void k_pgup(struct console *c, void *st)
{
	(void)c;
	scroll_by(st, -(long)page(st));
}

static void k_pgdn(struct console *c, void *st)
{
	(void)c;
	scroll_by(st, (long)page(st));
}

static void k_home(struct console *c, void *st)
{
	(void)c;
	scroll_by(st, -EVENTS_MAX);
}

static void k_end(struct console *c, void *st)
{
	struct events_screen *s = st;

	(void)c;
	s->follow = 1;
	clamp(s);
}

static const struct console_key events_keys[] = {
	{ { KEY_UP, 'k' }, NULL, "scroll up", k_up },
	{ { KEY_DOWN, 'j' }, NULL, "scroll down", k_down },
	{ { KEY_PPAGE }, NULL, "one page up", k_pgup },
	{ { KEY_NPAGE }, NULL, "one page down", k_pgdn },
	{ { KEY_HOME, 'g' }, NULL, "oldest event", k_home },
	{ { KEY_END, 'G' }, NULL, "newest event; follow new ones", k_end },
	{ { 0 }, NULL, NULL, NULL },
};

static char *stamp(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
	return buf;
}

static void events_event(struct console *c, void *st, const json_t *ev)
{
	const char *name = json_string_value(json_object_get(ev, "event"));
	const json_t *d = json_object_get(ev, "data");
	const char *vm = json_string_value(json_object_get(d, "name"));
	const char *state = json_string_value(json_object_get(d, "state"));
	const char *prev = json_string_value(json_object_get(d, "previous"));
	const char *reason = json_string_value(json_object_get(d, "reason"));
	char when[16], detail[160] = "";

	(void)c;
	if (state)
		snprintf(detail, sizeof(detail), "%s%s%s%s%s", state, prev ? " (was " : "",
			 prev ? prev : "", prev ? ")" : "", "");
	if (reason)
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), "%sreason %s",
			 detail[0] ? ", " : "", reason);
	add(st, xasprintf("%s  %-12s %-20s %s", stamp(when, sizeof(when)), name ? name : "?",
			  vm ? vm : "-", detail));
}

static void events_tick(struct console *c, void *st)
{
	struct events_screen *s = st;
	char when[16];

	if (!s->was_connected && c->api)
		add(s, xasprintf("%s  (connected to croftd at %s)", stamp(when, sizeof(when)),
				 c->socket));
	else if (s->was_connected && !c->api)
		add(s, xasprintf("%s  (lost the connection to croftd)", stamp(when, sizeof(when))));
	s->was_connected = c->api != NULL;
}

static void events_draw(struct console *c, void *st, WINDOW *w, int top, int height, int width)
{
	struct events_screen *s = st;
	size_t i;
	char title[64];

	console_fill(w, top, 0, width, c->th.label);
	snprintf(title, sizeof(title), "%-8s  %-12s %-20s %s", "TIME", "EVENT", "VM", "DETAIL");
	console_put(w, top, 0, width, c->th.label, title);
	if (!s->count)
		console_put(w, top + 2, 2, width - 2, c->th.dim,
			    "No events yet. State changes, creates, edits and deletes appear here.");
	for (i = 0; (int)i < height - 1 && s->top + i < s->count; i++)
		console_put(w, top + 1 + (int)i, 0, width, c->th.normal,
			    s->lines[(s->first + s->top + i) % EVENTS_MAX]);
}

static void events_resize(struct console *c, void *st, int height, int width)
{
	struct events_screen *s = st;

	(void)c;
	(void)width;
	s->height = height;
	clamp(s);
}

static void *events_init(struct console *c)
{
	struct events_screen *s = xcalloc(1, sizeof(*s));

	s->follow = 1;
	s->height = c->rows - CONSOLE_HEADER_ROWS - CONSOLE_FOOTER_ROWS;
	return s;
}

static void events_fini(void *st)
{
	struct events_screen *s = st;
	size_t i;

	for (i = 0; i < s->count; i++)
		free(s->lines[(s->first + i) % EVENTS_MAX]);
	free(s);
}

const struct console_screen console_screen_events = {
	.name = "Events",
	.hotkey = '3',
	.keys = events_keys,
	.init = events_init,
	.fini = events_fini,
	.draw = events_draw,
	.resize = events_resize,
	.event = events_event,
	.tick = events_tick,
};
