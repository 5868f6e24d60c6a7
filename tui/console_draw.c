/*
 * Drawing a frame of the console: the header, the current screen's body
 * (greyed as last known while croftd is away, or why there is no
 * connection when there never was one), a dialog or the open form over it, the
 * status line and the key bar.  Each frame is rendered from state into
 * stdscr after werase(), then wnoutrefresh()+doupdate(), so ncurses sends
 * only the cells that changed: an idle console writes a few bytes a second
 * (CPU % figures).  With $CROFT_CONSOLE_TRACE set, the time from a key to
 * the frame that answers it is logged.  Also the small text primitives
 * every screen draws with.
 */
#include "tui/console_screen.h"
#include "tui/boxdraw.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int console_put(WINDOW *w, int y, int x, int width, attr_t attr, const char *s)
{
	int maxy, maxx, i;

	getmaxyx(w, maxy, maxx);
	if (y < 0 || y >= maxy || x < 0 || x >= maxx || width <= 0)
		return 0;
	if (x + width > maxx)
		width = maxx - x;
	wattrset(w, attr);
	for (i = 0; i < width && s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];

		mvwaddch(w, y, x + i, ch >= 32 && ch < 127 ? ch : '?');
	}
	wattrset(w, A_NORMAL);
	return i;
}

void console_fill(WINDOW *w, int y, int x, int width, attr_t attr)
{
	int maxy, maxx, i;

	getmaxyx(w, maxy, maxx);
	if (y < 0 || y >= maxy || x < 0 || width <= 0)
		return;
	if (x + width > maxx)
		width = maxx - x;
	wattrset(w, attr);
	for (i = 0; i < width; i++)
		mvwaddch(w, y, x + i, ' ');
	wattrset(w, A_NORMAL);
}

attr_t console_state_attr(const struct console *c, const char *state)
{
	if (!strcmp(state, "running"))
		return c->th.ok;
	if (!strcmp(state, "paused") || !strcmp(state, "starting") ||
	    !strcmp(state, "shutting-down"))
		return c->th.warn;
	if (!strcmp(state, "crashed"))
		return c->th.error;
	return c->th.dim;
}

/* The status line at row y.  A message longer than the row is shown
 * whole, wrapped upwards over the body's last rows, until the next key
 * (c->status_full); then its first row, with a pointer to the log. */
static void draw_status(struct console *c, int y)
{
	attr_t attr = c->th.normal;
	const char *text = c->status;
	int full = c->status_full;

	if (!c->api && c->conn_error[0]) {
		text = c->conn_error;
		attr = c->th.error;
		full = 1;
	} else if (!c->api && c->connecting && !c->ever_connected) {
		text = "Connecting to croftd...";
	} else {
		switch (c->status_kind) {
		case CSTATUS_OK:
			attr = c->th.ok;
			break;
		case CSTATUS_ERROR:
			attr = c->th.error;
			break;
		case CSTATUS_PROGRESS:
			attr = c->th.warn;
			break;
		case CSTATUS_INFO:
			break;
		}
	}
	if ((int)strlen(text) > c->cols && full && !c->form) {
		const char *starts[16];
		size_t lens[16];
		int max = console_body_rows(c) / 2, n, i;

		if (max > 16)
			max = 16;
		n = boxdraw_wrap(text, c->cols, starts, lens, max < 1 ? 1 : max);
		for (i = 0; i < n; i++) {
			console_fill(stdscr, y - n + 1 + i, 0, c->cols, c->th.normal);
			boxdraw_put(stdscr, y - n + 1 + i, 0, c->cols, attr, starts[i], lens[i]);
		}
		return;
	}
	console_fill(stdscr, y, 0, c->cols, c->th.normal);
	if ((int)strlen(text) > c->cols && c->cols > 20) {
		static const char more[] = " [m: in full]";
		int room = c->cols - (int)sizeof(more) + 1;

		console_put(stdscr, y, 0, room, attr, text);
		console_put(stdscr, y, room, c->cols - room, c->th.key, more);
		return;
	}
	console_put(stdscr, y, 0, c->cols, attr, text);
}

static void draw_keybar(struct console *c, int y)
{
	const struct console_key *tables[2] = { console_global_keys,
						console_screens[c->cur]->keys };
	struct ckey_bar_item items[32];
	char help[160];
	size_t n, i;
	int x = 0;

	console_fill(stdscr, y, 0, c->cols, c->th.keybar);
	if (c->form) {
		console_put(stdscr, y, 0, c->cols, c->th.keybar,
			    console_form_keybar(c, help, sizeof(help)));
		return;
	}
	if (c->dialog)
		return;
	n = ckey_bar(tables, 2, c->cols, items, 32);
	for (i = 0; i < n; i++) {
		if (i)
			x++;
		x += console_put(stdscr, y, x, c->cols - x, c->th.key, items[i].key);
		x += console_put(stdscr, y, x, c->cols - x, c->th.keybar, items[i].caption);
	}
}

/* Centred text, wrapped at spaces to width; returns the rows used. */
static int put_centred(struct console *c, int y, int width, attr_t attr, const char *s)
{
	size_t len = strlen(s), off = 0;
	int rows = 0;

	while (off < len) {
		size_t n = len - off;
		char line[512];

		if (n > (size_t)width) {
			n = (size_t)width;
			while (n > (size_t)width / 2 && s[off + n] != ' ')
				n--;
			if (s[off + n] != ' ')
				n = (size_t)width;
		}
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, s + off, n);
		line[n] = '\0';
		console_put(stdscr, y + rows, (c->cols - (int)n) / 2, (int)n, attr, line);
		rows++;
		off += n;
		while (off < len && s[off] == ' ')
			off++;
	}
	return rows;
}

static void draw_disconnected(struct console *c, int top, int height)
{
	int y = top + height / 3, width = c->cols - 4;

	y += put_centred(c, y, width, c->th.normal, "Not connected to croftd.");
	y += put_centred(c, y, width, c->th.error,
			 c->conn_error[0] ? c->conn_error : "Connecting...");
	put_centred(c, y, width, c->th.normal, "Retrying every second; q quits.");
}

/* croftd is away after having been there: the screen as last known,
 * greyed, and where the host meters were, a line saying so. */
static void draw_stale(struct console *c, int top, int height)
{
	char when[16], line[160];
	struct tm tm;
	time_t t = (time_t)c->lost_at;
	int y;

	console_screens[c->cur]->draw(c, c->state[c->cur], stdscr, top, height, c->cols);
	for (y = top; y < top + height; y++)
		mvwchgat(stdscr, y, 0, c->cols, c->th.dim & ~A_COLOR,
			 (short)PAIR_NUMBER(c->th.dim), NULL);
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	snprintf(line, sizeof(line), "croftd unreachable since %s: the last known state, greyed",
		 when);
	console_fill(stdscr, 1, 0, c->cols, c->th.normal);
	console_put(stdscr, 1, 0, c->cols, c->th.warn, line);
}

void console_draw(struct console *c)
{
	int top = CONSOLE_HEADER_ROWS;
	int height = console_body_rows(c);

	werase(stdscr);
	if (c->rows < 10 || c->cols < 30) {
		console_put(stdscr, 0, 0, c->cols, c->th.error, "terminal too small");
		goto out;
	}
	console_header_draw(c, stdscr, c->cols, !c->form);
	if (c->form) {
		console_form_draw(c, 1, c->rows - 1 - CONSOLE_FOOTER_ROWS, c->cols);
	} else {
		if (c->api)
			console_screens[c->cur]->draw(c, c->state[c->cur], stdscr, top, height, c->cols);
		else if (c->ever_connected)
			draw_stale(c, top, height);
		else
			draw_disconnected(c, top, height);
		if (c->dialog)
			console_dialog_draw(c, stdscr, top, height, c->cols);
	}
	draw_status(c, c->rows - 2);
	draw_keybar(c, c->rows - 1);
out:
	wnoutrefresh(stdscr);
	if (c->form && c->formwin && !c->form_action) {
		/* the form leaves the cursor at its insertion point */
		curs_set(1);
		touchwin(c->formwin);
		wnoutrefresh(c->formwin);
	} else {
		curs_set(0);
	}
	doupdate();
	c->dirty = 0;
	if (c->key_at_us) {
		if (c->trace) {
			char name[32];

			fprintf(c->trace, "key %s %lld us\n", ckey_name(c->key_code, name, sizeof(name)),
				(long long)(console_now_us() - c->key_at_us));
			fflush(c->trace);
		}
		c->key_at_us = 0;
	}
}
