/*
 * Drawing of the VM form: a centred box with a note line, one row per field
 * (label, a '!' when the field shows a message, the value), the messages,
 * croftd's refusal and the keys.  The box's height depends only on the
 * window (20 rows when they are there), so nothing is left behind when
 * messages come and go.  Messages go under their fields (one or two lines
 * each) when all of them fit in the three rows kept for that; otherwise
 * the focused field's (or the first) message goes in the status area,
 * where croftd's refusals also go, and the '!' marks the others.  Text
 * fields scroll sideways to keep the cursor in view.  The file picker,
 * when open, is drawn last, over the form.
 */
#include "tui/vmform_internal.h"
#include "tui/boxdraw.h"

#include <stdio.h>
#include <string.h>

#define FORM_MAX_W 100
#define FORM_BASE_H 14            /* borders, fields, two status lines, keys */
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
static int message_rows(const struct vmform *f, int width)
{
	const char *starts[2];
	size_t lens[2];
	int i, n = 0;

	for (i = 0; i < VMFORM_NFIELDS; i++)
		if (vmform_message(f, i))
			n += boxdraw_wrap(vmform_message(f, i), width, starts, lens, 2);
	return n;
}

static void layout(const struct vmform *f, WINDOW *w, struct layout *l)
{
	int H, W, spare;

	getmaxyx(w, H, W);
	l->bw = W >= FORM_MAX_W + 4 ? FORM_MAX_W : W - 2;
	if (l->bw < 40)
		l->bw = W;
	l->bh = FORM_BASE_H + 3 + FORM_MSG_ROWS;
	if (l->bh > H)
		l->bh = H;
	spare = l->bh - FORM_BASE_H;
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
	l->under = message_rows(f, l->vw) <= spare;
}

static void draw_note(const struct vmform *f, WINDOW *w, const struct layout *l, int y,
		      const struct tui_theme *th)
{
	char buf[160];

	if (f->edit && f->orig.live) {
		snprintf(buf, sizeof(buf), "VM '%s' is running: only memory can change until it is stopped",
			 f->orig.name);
		boxdraw_puts(w, y, l->lx, l->inner, th->warn, buf);
	} else if (f->edit) {
		boxdraw_puts(w, y, l->lx, l->inner, th->dim,
			     "The name and the disks stay; sizes like 512M or 2G (a bare number is MiB)");
	} else {
		boxdraw_puts(w, y, l->lx, l->inner, th->dim,
			     "Sizes like 512M or 2G (a bare number is MiB); paths are absolute");
	}
}

/* Returns the cursor's column when the field has focus. */
static int draw_text(const struct vmform *f, int id, WINDOW *w, const struct layout *l, int y,
		     const struct tui_theme *th)
{
	const struct vmform_field *fl = &f->fld[id];
	int focused = f->focus == id && !f->picker, off = 0;
	attr_t attr = focused ? th->selected : fl->readonly ? th->dim : th->input;

	boxdraw_fill(w, y, l->vx, l->vw, fl->readonly ? th->normal : attr);
	if (!fl->len) {
		const char *ph = fl->readonly ? "none" : vmform_fields[id].placeholder;

		if (!focused && ph)
			boxdraw_puts(w, y, l->vx, l->vw, th->dim, ph);
		return l->vx;
	}
	if (focused && l->vw > 0 && fl->cur >= (size_t)l->vw)
		off = (int)fl->cur - l->vw + 1;
	boxdraw_put(w, y, l->vx, l->vw, attr, fl->text + off, fl->len - (size_t)off);
	return l->vx + (int)fl->cur - off;
}

static void draw_choice(const struct vmform *f, int id, WINDOW *w, const struct layout *l, int y,
			const struct tui_theme *th)
{
	const struct vmform_field *fl = &f->fld[id];
	int focused = f->focus == id && !f->picker, n = vmform_choice_count(id), c, need = 0, x;
	attr_t cur_attr = focused ? th->selected : th->input;
	char label[96], buf[112];

	if (fl->readonly) {
		boxdraw_puts(w, y, l->vx, l->vw, th->dim,
			     vmform_choice_label(f, id, fl->choice, label, sizeof(label)));
		return;
	}
	for (c = 0; c < n; c++)
		need += (int)strlen(vmform_choice_label(f, id, c, label, sizeof(label))) + 6;
	if (need - 2 <= l->vw) {
		/* All choices in a row: (*) bios  ( ) uefi */
		x = l->vx;
		for (c = 0; c < n; c++) {
			if (id == VMFORM_BOOT && c == 0 && f->edit && fl->choice != 0)
				continue;
			snprintf(buf, sizeof(buf), "(%c) %s", c == fl->choice ? '*' : ' ',
				 vmform_choice_label(f, id, c, label, sizeof(label)));
			x += boxdraw_puts(w, y, x, l->vx + l->vw - x,
					  c == fl->choice ? cur_attr : th->normal, buf) + 2;
		}
		return;
	}
	snprintf(buf, sizeof(buf), "< %s >", vmform_choice_label(f, id, fl->choice, label, sizeof(label)));
	boxdraw_puts(w, y, l->vx, l->vw, cur_attr, buf);
}

static const char *help_line(const struct vmform *f)
{
	switch (vmform_fields[f->focus].kind) {
	case VMFORM_PATH:
		return f->edit ? "Tab/Down next  Up back  Enter save  Esc cancel  F3/Ctrl-O browse"
			       : "Tab/Down next  Up back  Enter create  Esc cancel  F3/Ctrl-O browse";
	case VMFORM_CHOICE:
		return f->edit ? "Tab/Down next  Up back  Space/Left/Right change  Enter save  Esc cancel"
			       : "Tab/Down next  Up back  Space/Left/Right change  Enter create  Esc cancel";
	case VMFORM_TEXT:
		break;
	}
	return f->edit ? "Tab/Down next  Up back  Enter save  Esc cancel"
		       : "Tab/Down next  Up back  Enter create  Esc cancel";
}

/* croftd's refusal, or the message that has no line of its own. */
static void draw_status(const struct vmform *f, WINDOW *w, const struct layout *l, int y,
			const struct tui_theme *th)
{
	const char *starts[3], *msg = vmform_server_error(f);
	char buf[VMFORM_MSG_MAX + 32];
	size_t lens[3];
	int n, i, id = -1;

	if (!msg && !l->under) {
		if (vmform_message(f, f->focus))
			id = f->focus;
		for (i = 0; id < 0 && i < VMFORM_NFIELDS; i++)
			if (vmform_message(f, i))
				id = i;
		if (id < 0)
			return;
		if (id == f->focus)
			snprintf(buf, sizeof(buf), "%s", vmform_message(f, id));
		else
			snprintf(buf, sizeof(buf), "%s: %s", vmform_fields[id].label, vmform_message(f, id));
		msg = buf;
	}
	if (!msg)
		return;
	n = boxdraw_wrap(msg, l->inner, starts, lens, l->status);
	for (i = 0; i < n; i++)
		boxdraw_put(w, y + i, l->lx, l->inner, th->error, starts[i], lens[i]);
}

void vmform_draw(struct vmform *f, WINDOW *w, const struct tui_theme *th)
{
	struct layout l;
	char title[128];
	int y, i, cx = -1, cy = -1;

	layout(f, w, &l);
	if (f->edit)
		snprintf(title, sizeof(title), "Edit VM %s", f->orig.name);
	else
		snprintf(title, sizeof(title), "New VM");
	boxdraw_frame(w, l.y0, l.x0, l.bh, l.bw, th->normal, title, th->title);
	y = l.y0 + 1;
	if (l.note)
		draw_note(f, w, &l, y++, th);
	for (i = 0; i < VMFORM_NFIELDS; i++, y++) {
		const char *msg = vmform_message(f, i);
		int x;

		boxdraw_puts(w, y, l.lx, FORM_LABEL_W, f->fld[i].readonly ? th->dim : th->label,
			     vmform_fields[i].label);
		if (msg)
			boxdraw_puts(w, y, l.lx + FORM_LABEL_W, 1, th->error, "!");
		if (vmform_fields[i].kind == VMFORM_CHOICE) {
			draw_choice(f, i, w, &l, y, th);
			x = l.vx;
		} else {
			x = draw_text(f, i, w, &l, y, th);
		}
		if (i == f->focus) {
			cy = y;
			cx = x;
		}
		if (msg && l.under) {
			const char *starts[2];
			size_t lens[2];
			int k, n = boxdraw_wrap(msg, l.vw, starts, lens, 2);

			for (k = 0; k < n; k++)
				boxdraw_put(w, ++y, l.vx, l.vw, th->error, starts[k], lens[k]);
		}
	}
	y = l.y0 + l.bh - 2 - l.status;
	draw_status(f, w, &l, y, th);
	boxdraw_puts(w, l.y0 + l.bh - 2, l.lx, l.inner, th->key, help_line(f));
	if (cy >= 0)
		wmove(w, cy, cx);
	if (f->picker)
		picker_draw(f->picker, w, th);
}
