/*
 * Drawing of a form (form.h): a centred box with a note line, one row per
 * field (label, a '!' when the field shows a message, the value, or why
 * the field does not apply), the messages, croftd's refusal and the keys.
 * The box's height depends only on the window and the number of fields,
 * so nothing is left behind when messages come and go.  Messages go under
 * their fields (one or two lines each, from under the label, so a message
 * in croftd's words fits on one line) when all of them fit in the three
 * rows kept for that; otherwise the focused field's (or the first) message
 * goes in the status area, where croftd's refusals also go, and the '!'
 * marks the others.  Text fields scroll sideways to keep the cursor in
 * view.  The file picker, when open, is drawn last, over the form.  It
 * reads the form through form.h only.
 */
#include "tui/form.h"
#include "tui/boxdraw.h"

#include <stdio.h>
#include <string.h>

#define FORM_MAX_W 100
#define FORM_LABEL_W 15
#define FORM_VALUE_X 17           /* from the label's column */
#define FORM_MSG_ROWS 3           /* messages under their fields, at most */

struct layout {
	int x0, y0, bw, bh;
	int lx, vx, vw, inner;
	int note, blank, under;
	int status;               /* lines for croftd's refusal or a message */
};

/* Rows the shown messages take under their fields, two at most each. */
static int message_rows(const struct form *f, int width)
{
	const char *starts[2];
	size_t lens[2], i;
	int n = 0;

	for (i = 0; i < form_nfields(f); i++)
		if (form_message(f, i))
			n += boxdraw_wrap(form_message(f, i), width, starts, lens, 2);
	return n;
}

static void layout(const struct form *f, WINDOW *w, struct layout *l)
{
	int H, W, spare, base = (int)form_nfields(f) + 5;   /* borders, status, keys */

	getmaxyx(w, H, W);
	l->bw = W >= FORM_MAX_W + 4 ? FORM_MAX_W : W - 2;
	if (l->bw < 40)
		l->bw = W;
	l->bh = base + 3 + FORM_MSG_ROWS;
	if (l->bh > H)
		l->bh = H;
	spare = l->bh - base;
	l->note = spare > 0;
	spare -= l->note;
	l->blank = spare > 0;
	spare -= l->blank;
	l->status = 2 + (spare > 0);
	spare -= l->status - 2;
	l->x0 = (W - l->bw) / 2;
	l->y0 = (H - l->bh) / 2;
	l->lx = l->x0 + 2;
	l->vx = l->lx + FORM_VALUE_X;
	l->vw = l->bw - 2 - FORM_VALUE_X - 2;
	l->inner = l->bw - 4;
	l->under = message_rows(f, l->inner - 2) <= spare;
}

/* Returns the cursor's column when the field has focus. */
static int draw_text(const struct form *f, size_t id, WINDOW *w, const struct layout *l, int y,
		     const struct tui_theme *th)
{
	const char *text = form_text(f, id);
	size_t len = strlen(text), cur = form_cursor(f, id);
	int ro = form_readonly(f, id), focused = form_focus(f) == id && !form_picker(f), off = 0;
	attr_t attr = focused ? th->selected : ro ? th->dim : th->input;

	boxdraw_fill(w, y, l->vx, l->vw, ro ? th->normal : attr);
	if (!len) {
		const char *ph = ro ? "none" : form_placeholder(f, id);

		if (!focused && ph)
			boxdraw_puts(w, y, l->vx, l->vw, th->dim, ph);
		return l->vx;
	}
	if (focused && l->vw > 0 && cur >= (size_t)l->vw)
		off = (int)cur - l->vw + 1;
	if (form_flags(f, id) & FORM_SECRET) {
		char stars[FORM_TEXT_MAX];

		memset(stars, '*', len);
		boxdraw_put(w, y, l->vx, l->vw, attr, stars, len - (size_t)off);
	} else {
		boxdraw_put(w, y, l->vx, l->vw, attr, text + off, len - (size_t)off);
	}
	return l->vx + (int)cur - off;
}

/* Every choice in a row, "(*) bios  ( ) uefi", when they fit; else the
 * chosen one as "< uefi >" and where it stands. */
static void draw_choice(const struct form *f, size_t id, WINDOW *w, const struct layout *l, int y,
			const struct tui_theme *th)
{
	size_t n = form_nchoices(f, id), chosen = form_chosen(f, id), k;
	int focused = form_focus(f) == id && !form_picker(f), need = 0, x;
	attr_t cur_attr = focused ? th->selected : th->input;
	char label[96], buf[128];

	form_choice_label(f, id, chosen, label, sizeof(label));
	if (form_readonly(f, id)) {
		boxdraw_puts(w, y, l->vx, l->vw, th->dim, label);
		return;
	}
	for (k = 0; k < n; k++)
		if (k == chosen || form_choice_ok(f, id, k))
			need += (int)strlen(form_choice_label(f, id, k, buf, sizeof(buf))) + 6;
	if (need - 2 <= l->vw) {
		x = l->vx;
		for (k = 0; k < n; k++) {
			if (k != chosen && !form_choice_ok(f, id, k))
				continue;
			snprintf(buf, sizeof(buf), "(%c) %s", k == chosen ? '*' : ' ',
				 form_choice_label(f, id, k, label, sizeof(label)));
			x += boxdraw_puts(w, y, x, l->vx + l->vw - x,
					  k == chosen ? cur_attr : th->normal, buf) + 2;
		}
		return;
	}
	snprintf(buf, sizeof(buf), "< %s >", label);
	x = l->vx + boxdraw_puts(w, y, l->vx, l->vw, cur_attr, buf);
	snprintf(buf, sizeof(buf), "  %zu of %zu; a letter jumps", chosen + 1, n);
	boxdraw_puts(w, y, x, l->vx + l->vw - x, th->dim, buf);
}

/* croftd's refusal, or the message that has no line of its own. */
static void draw_status(const struct form *f, WINDOW *w, const struct layout *l, int y,
			const struct tui_theme *th)
{
	const char *starts[3], *msg = form_server_error(f);
	char buf[FORM_MSG_MAX + 32];
	size_t lens[3], i;
	long id = -1;
	int n, k;

	if (!msg && !l->under) {
		if (form_message(f, form_focus(f)))
			id = (long)form_focus(f);
		for (i = 0; id < 0 && i < form_nfields(f); i++)
			if (form_message(f, i))
				id = (long)i;
		if (id < 0)
			return;
		if ((size_t)id == form_focus(f))
			snprintf(buf, sizeof(buf), "%s", form_message(f, (size_t)id));
		else
			snprintf(buf, sizeof(buf), "%s: %s", form_label(f, (size_t)id),
				 form_message(f, (size_t)id));
		msg = buf;
	}
	if (!msg)
		return;
	n = boxdraw_wrap(msg, l->inner, starts, lens, l->status);
	for (k = 0; k < n; k++)
		boxdraw_put(w, y + k, l->lx, l->inner, th->error, starts[k], lens[k]);
}

/* The field's row; returns the cursor's column. */
static int draw_field(const struct form *f, size_t id, WINDOW *w, const struct layout *l, int y,
		      const struct tui_theme *th)
{
	const char *why = form_why_not(f, id);

	boxdraw_puts(w, y, l->lx, FORM_LABEL_W, form_active(f, id) ? th->label : th->dim,
		     form_label(f, id));
	if (form_message(f, id))
		boxdraw_puts(w, y, l->lx + FORM_LABEL_W, 1, th->error, "!");
	if (why) {
		boxdraw_puts(w, y, l->vx, l->vw, th->dim, why);
	} else if (form_kind(f, id) == FORM_CHOICE) {
		draw_choice(f, id, w, l, y, th);
	} else {
		return draw_text(f, id, w, l, y, th);
	}
	return l->vx;
}

void form_draw(const struct form *f, WINDOW *w, const struct tui_theme *th)
{
	struct layout l;
	const char *note;
	char help[160];
	int y, cx = -1, cy = -1, warn;
	size_t i;

	layout(f, w, &l);
	boxdraw_frame(w, l.y0, l.x0, l.bh, l.bw, th->normal, form_title(f), th->title);
	y = l.y0 + 1;
	note = form_note(f, &warn);
	if (l.note)
		boxdraw_puts(w, y++, l.lx, l.inner, warn ? th->warn : th->dim, note);
	for (i = 0; i < form_nfields(f); i++, y++) {
		const char *msg = form_message(f, i);
		int x = draw_field(f, i, w, &l, y, th);

		if (i == form_focus(f)) {
			cy = y;
			cx = x;
		}
		if (msg && l.under) {
			const char *starts[2];
			size_t lens[2];
			int k, n = boxdraw_wrap(msg, l.inner - 2, starts, lens, 2);

			for (k = 0; k < n; k++)
				boxdraw_put(w, ++y, l.lx + 2, l.inner - 2, th->error, starts[k],
					    lens[k]);
		}
	}
	draw_status(f, w, &l, l.y0 + l.bh - 2 - l.status, th);
	boxdraw_puts(w, l.y0 + l.bh - 2, l.lx, l.inner, th->key, form_help(f, help, sizeof(help)));
	if (cy >= 0)
		wmove(w, cy, cx);
	if (form_picker(f))
		picker_draw(form_picker(f), w, th);
}
