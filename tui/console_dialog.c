/*
 * Modal dialogs over the body: a confirmation (title, the lines that say
 * exactly what will happen, and a few one-key choices, each an API op to
 * start) and the help (every key of every screen, generated from the key
 * tables, scrollable).  While a dialog is open it takes every key; n and
 * Esc always cancel a confirmation.
 */
#include "tui/console_screen.h"
#include "common/xalloc.h"
#include "tui/boxdraw.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHOICES 4

enum dialog_kind { DLG_CONFIRM, DLG_HELP, DLG_LOG };

struct console_dialog {
	enum dialog_kind kind;
	char *title;
	char **lines;
	size_t nlines;
	size_t scroll;           /* first line shown (help) */
	struct console_choice choices[MAX_CHOICES];
	size_t nchoices;
};

/* Keys of the serial console and the form, for the help text only. */
extern const struct console_key console_serial_keys[];
extern const struct console_key console_screenview_keys[];
extern const struct console_key console_form_keys[];

static void dialog_free(struct console_dialog *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nchoices; i++) {
		json_decref(d->choices[i].args);
		free((char *)d->choices[i].label);
		free((char *)d->choices[i].op);
		free((char *)d->choices[i].progress);
		free((char *)d->choices[i].done);
	}
	ckey_help_free(d->lines, d->nlines);
	free(d->title);
	free(d);
}

void console_dialog_close(struct console *c)
{
	dialog_free(c->dialog);
	c->dialog = NULL;
	c->dirty = 1;
}

void console_confirm(struct console *c, const char *title, const char *const *lines,
		     size_t nlines, const struct console_choice *choices, size_t nchoices)
{
	struct console_dialog *d = xcalloc(1, sizeof(*d));
	size_t i;

	console_dialog_close(c);
	d->kind = DLG_CONFIRM;
	d->title = xstrdup(title);
	/* each line wrapped to the screen, so nothing is cut */
	d->lines = xcalloc(nlines * 4 + 1, sizeof(*d->lines));
	for (i = 0; i < nlines; i++) {
		const char *starts[4];
		size_t lens[4];
		int k, m = boxdraw_wrap(lines[i], c->cols - 8 > 20 ? c->cols - 8 : 20, starts, lens, 4);

		if (m == 0)
			d->lines[d->nlines++] = xstrdup("");
		for (k = 0; k < m; k++)
			d->lines[d->nlines++] = xasprintf("%.*s", (int)lens[k], starts[k]);
	}
	/* the strings may live on the caller's stack: copy them */
	for (i = 0; i < nchoices && i < MAX_CHOICES; i++) {
		d->choices[i] = choices[i];
		d->choices[i].label = xstrdup_or_null(choices[i].label);
		d->choices[i].op = xstrdup_or_null(choices[i].op);
		d->choices[i].progress = xstrdup_or_null(choices[i].progress);
		d->choices[i].done = xstrdup_or_null(choices[i].done);
	}
	for (; i < nchoices; i++)
		json_decref(choices[i].args);
	d->nchoices = nchoices < MAX_CHOICES ? nchoices : MAX_CHOICES;
	c->dialog = d;
	c->dirty = 1;
}

/* Every table as a titled section, in help order.  The hotkey rows and
 * titles live in *hk (the caller's). */
struct help_keys {
	struct ckey_section sec[CONSOLE_MAX_SCREENS + 5];
	struct console_key hot[CONSOLE_MAX_SCREENS + 1];
	char hothelp[CONSOLE_MAX_SCREENS][48], titles[CONSOLE_MAX_SCREENS][48];
};

static size_t help_sections(struct help_keys *hk)
{
	size_t n = 0, i;

	memset(hk->hot, 0, sizeof(hk->hot));
	for (i = 0; i < console_nscreens && i < CONSOLE_MAX_SCREENS; i++) {
		hk->hot[i].codes[0] = console_screens[i]->hotkey;
		snprintf(hk->hothelp[i], sizeof(hk->hothelp[i]), "the %s screen",
			 console_screens[i]->name);
		hk->hot[i].help = hk->hothelp[i];
	}
	hk->sec[n++] = (struct ckey_section){ "Everywhere", console_global_keys };
	hk->sec[n++] = (struct ckey_section){ "Screens (also Tab, Shift-Tab, a click on a tab)",
					      hk->hot };
	for (i = 0; i < console_nscreens && i < CONSOLE_MAX_SCREENS; i++) {
		snprintf(hk->titles[i], sizeof(hk->titles[i]), "%s screen", console_screens[i]->name);
		if (console_screens[i]->keys && console_screens[i]->keys[0].codes[0])
			hk->sec[n++] = (struct ckey_section){ hk->titles[i], console_screens[i]->keys };
	}
	hk->sec[n++] = (struct ckey_section){ "Serial console", console_serial_keys };
	hk->sec[n++] = (struct ckey_section){ "A guest's text screen (V)", console_screenview_keys };
	hk->sec[n++] = (struct ckey_section){ "Forms (VMs, networks, forwards, NICs)",
					      console_form_keys };
	return n;
}

size_t console_help_lines(char ***lines)
{
	struct help_keys hk;
	size_t n = help_sections(&hk);

	return ckey_help(hk.sec, n, lines);
}

size_t console_help_man(char ***lines)
{
	struct help_keys hk;
	size_t n = help_sections(&hk);

	return ckey_man(hk.sec, n, lines);
}

/* Help lines wider than width wrapped, a key's help continuing under
 * its first line's text (column 25, see ckey_help). */
static size_t wrap_help(char **in, size_t n, int width, char ***out)
{
	size_t cap = n * 2 + 1, m = 0, i;
	char **o = xcalloc(cap, sizeof(*o));

	for (i = 0; i < n; i++) {
		const char *starts[16], *text = in[i];
		size_t lens[16], indent = 0;
		int k, parts;

		if ((int)strlen(in[i]) <= width || width < 40) {
			o[m++] = xstrdup(in[i]);
		} else {
			if (in[i][0] == ' ' && strlen(in[i]) > 25) {
				indent = 25;
				text = in[i] + 25;
			}
			parts = boxdraw_wrap(text, width - (int)indent, starts, lens, 16);
			for (k = 0; k < parts; k++) {
				if (m + 1 >= cap) {
					cap *= 2;
					o = xrealloc(o, cap * sizeof(*o));
				}
				o[m++] = xasprintf("%-*.*s%.*s", (int)indent, k ? 0 : (int)indent,
						   k ? "" : in[i], (int)lens[k], starts[k]);
			}
		}
		if (m + 1 >= cap) {
			cap *= 2;
			o = xrealloc(o, cap * sizeof(*o));
		}
	}
	*out = o;
	return m;
}

void console_help(struct console *c)
{
	struct console_dialog *d = xcalloc(1, sizeof(*d));
	char **raw;
	size_t n;

	console_dialog_close(c);
	d->kind = DLG_HELP;
	d->title = xstrdup("Keys");
	n = console_help_lines(&raw);
	d->nlines = wrap_help(raw, n, c->cols - 8, &d->lines);
	ckey_help_free(raw, n);
	c->dialog = d;
	c->dirty = 1;
}

/* The log's lines, the text after "HH:MM:SS! " wrapped to width and a
 * continuation indented under it. */
static size_t log_lines(const struct console *c, int width, char ***lines)
{
	size_t cap = c->nlog * 2 + 1, n = 0, i;
	char **out = xcalloc(cap, sizeof(*out));

	for (i = 0; i < c->nlog; i++) {
		const char *starts[64], *text = strlen(c->log[i]) > 10 ? c->log[i] + 10 : "";
		size_t lens[64];
		int k, m = boxdraw_wrap(text, width, starts, lens, 64);

		for (k = 0; k < m; k++) {
			if (n == cap) {
				cap *= 2;
				out = xrealloc(out, cap * sizeof(*out));
			}
			out[n++] = xasprintf("%-10.10s%.*s", k ? "" : c->log[i], (int)lens[k],
					     starts[k]);
		}
	}
	if (!n)
		out[n++] = xstrdup("No messages yet.");
	*lines = out;
	return n;
}

void console_log(struct console *c)
{
	struct console_dialog *d = xcalloc(1, sizeof(*d));
	int width = c->cols - 8;

	console_dialog_close(c);
	d->kind = DLG_LOG;
	d->title = xstrdup("Messages");
	d->nlines = log_lines(c, width > 20 ? width - 10 : 10, &d->lines);
	d->scroll = d->nlines;    /* the newest: clamped when drawn */
	c->dialog = d;
	c->dirty = 1;
}

void console_text(struct console *c, const char *title, const char *text, int at_end)
{
	struct console_dialog *d = xcalloc(1, sizeof(*d));
	size_t cap = 8;
	const char *p = text;
	int width = c->cols - 8 > 20 ? c->cols - 8 : 20;

	console_dialog_close(c);
	d->kind = DLG_LOG;
	d->title = xstrdup(title);
	d->lines = xcalloc(cap, sizeof(*d->lines));
	while (p) {
		const char *nl = strchr(p, '\n'), *starts[64];
		char *para = nl ? xasprintf("%.*s", (int)(nl - p), p) : xstrdup(p);
		size_t lens[64];
		int k, m = boxdraw_wrap(para, width, starts, lens, 64);

		for (k = 0; k < m || (k == 0 && m == 0); k++) {
			if (d->nlines + 1 >= cap) {
				cap *= 2;
				d->lines = xrealloc(d->lines, cap * sizeof(*d->lines));
			}
			d->lines[d->nlines++] = m ? xasprintf("%.*s", (int)lens[k], starts[k])
						 : xstrdup("");
		}
		free(para);
		p = nl ? nl + 1 : NULL;
	}
	d->scroll = at_end ? d->nlines : 0;    /* clamped when drawn */
	c->dialog = d;
	c->dirty = 1;
}

/* Text rows the dialog shows: the body less the frame, the footer line
 * and a blank. */
static size_t text_rows(const struct console *c, const struct console_dialog *d)
{
	int body = console_body_rows(c);
	int h = (int)d->nlines + 4;

	if (h > body)
		h = body;
	return h > 4 ? (size_t)(h - 4) : 1;
}

static void help_scroll(const struct console *c, struct console_dialog *d, long delta)
{
	long max = (long)d->nlines - (long)text_rows(c, d);
	long top = ((long)d->scroll > max ? max : (long)d->scroll) + delta;

	if (top > max)
		top = max;
	if (top < 0)
		top = 0;
	d->scroll = (size_t)top;
}

int console_dialog_key(struct console *c, int ch)
{
	struct console_dialog *d = c->dialog;
	size_t i;

	if (!d)
		return 0;
	c->dirty = 1;
	if (d->kind == DLG_HELP || d->kind == DLG_LOG) {
		long page = (long)text_rows(c, d);

		switch (ch) {
		case KEY_UP: case 'k': help_scroll(c, d, -1); break;
		case KEY_DOWN: case 'j': help_scroll(c, d, 1); break;
		case KEY_PPAGE: help_scroll(c, d, -page); break;
		case KEY_NPAGE: case ' ': help_scroll(c, d, page); break;
		case KEY_HOME: help_scroll(c, d, -(long)d->nlines); break;
		case KEY_END: help_scroll(c, d, (long)d->nlines); break;
		default: console_dialog_close(c); break;
		}
		return 1;
	}
	for (i = 0; i < d->nchoices; i++) {
		struct console_choice *ch_ = &d->choices[i];

		if (ch < 256 && tolower(ch) == ch_->key) {
			if (ch_->op) {
				json_t *args = ch_->args;

				ch_->args = NULL;
				console_action_start(c, CACTION_PLAIN, ch_->op, args, ch_->timeout_ms,
						     ch_->progress, ch_->done);
			}
			console_dialog_close(c);
			return 1;
		}
	}
	if (ch == 'n' || ch == 'N' || ch == 27) {
		console_dialog_close(c);
		console_status(c, CSTATUS_INFO, "Cancelled; nothing was changed");
	}
	return 1;
}

static void frame(struct console *c, WINDOW *w, int y, int x, int h, int wd, const char *title)
{
	int i;

	for (i = 0; i < h; i++)
		console_fill(w, y + i, x, wd, c->th.normal);
	wattrset(w, c->th.normal);
	mvwaddch(w, y, x, ACS_ULCORNER);
	mvwhline(w, y, x + 1, ACS_HLINE, wd - 2);
	mvwaddch(w, y, x + wd - 1, ACS_URCORNER);
	mvwvline(w, y + 1, x, ACS_VLINE, h - 2);
	mvwvline(w, y + 1, x + wd - 1, ACS_VLINE, h - 2);
	mvwaddch(w, y + h - 1, x, ACS_LLCORNER);
	mvwhline(w, y + h - 1, x + 1, ACS_HLINE, wd - 2);
	mvwaddch(w, y + h - 1, x + wd - 1, ACS_LRCORNER);
	wattrset(w, A_NORMAL);
	if (title) {
		char t[128];

		snprintf(t, sizeof(t), " %s ", title);
		console_put(w, y, x + 2, wd - 4, c->th.title, t);
	}
}

void console_dialog_draw(struct console *c, WINDOW *w, int top, int height, int width)
{
	struct console_dialog *d = c->dialog;
	size_t i, longest, scroll;
	char foot[256];
	int wd, h, x, y, rows, used = 0;

	if (!d)
		return;
	longest = strlen(d->title) + 6;
	foot[0] = '\0';
	if (d->kind == DLG_HELP || d->kind == DLG_LOG) {
		snprintf(foot, sizeof(foot), "Up/Down/PgUp/PgDn scroll, any other key closes");
	} else {
		for (i = 0; i < d->nchoices; i++) {
			int n = snprintf(foot + used, sizeof(foot) - (size_t)used, "%c = %s   ",
					 d->choices[i].key, d->choices[i].label);

			if (n > 0 && (size_t)n < sizeof(foot) - (size_t)used)
				used += n;
		}
		snprintf(foot + used, sizeof(foot) - (size_t)used, "n/Esc = cancel");
	}
	for (i = 0; i < d->nlines; i++)
		if (strlen(d->lines[i]) > longest)
			longest = strlen(d->lines[i]);
	if (strlen(foot) > longest)
		longest = strlen(foot);
	wd = (int)longest + 4;
	if (wd > width - 2)
		wd = width - 2;
	h = (int)d->nlines + 4;
	if (h > height)
		h = height;
	if (h < 5 || wd < 20)
		return;
	x = (width - wd) / 2;
	y = top + (height - h) / 2;
	frame(c, w, y, x, h, wd, d->title);
	rows = h - 4;
	/* a resize may have left the scroll past the end: show the end */
	scroll = d->scroll;
	if (scroll + (size_t)rows > d->nlines)
		scroll = d->nlines > (size_t)rows ? d->nlines - (size_t)rows : 0;
	for (i = 0; i < (size_t)rows && scroll + i < d->nlines; i++) {
		const char *line = d->lines[scroll + i];
		attr_t attr = d->kind == DLG_HELP && line[0] && line[0] != ' ' ? c->th.label
									: c->th.normal;

		if (d->kind == DLG_LOG && strlen(line) > 8 && line[8] == '!')
			attr = c->th.error;

		console_put(w, y + 1 + (int)i, x + 2, wd - 4, attr, line);
	}
	console_put(w, y + h - 2, x + 2, wd - 4, c->th.key, foot);
}
