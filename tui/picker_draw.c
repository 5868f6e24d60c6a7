/*
 * Drawing of the file picker: a centred box over whatever is below it.  It
 * renders the model of picker.c and decides nothing except layout; the one
 * thing it tells the model is how many list rows fit (picker_set_rows()),
 * so page keys and scrolling match what is on the screen.
 */
#include "tui/picker.h"
#include "tui/boxdraw.h"
#include "common/validate.h"

#include <stdio.h>
#include <string.h>

#define PICKER_BOX_MAX_W 100
#define PICKER_BOX_MAX_H 30
#define PICKER_SIZE_COLS 8

static const char *title_of(enum picker_kind kind)
{
	switch (kind) {
	case PICKER_ISO:
		return "Choose an ISO image";
	case PICKER_IMAGE:
		return "Choose a disk image";
	case PICKER_ANY:
		break;
	}
	return "Choose a file";
}

static const char *filter_line(const struct picker *p)
{
	if (picker_show_all(p))
		return picker_get_kind(p) == PICKER_ANY ? "All files, hidden ones too; * hides them"
			: "All files; * shows only the matching ones";
	switch (picker_get_kind(p)) {
	case PICKER_ISO:
		return "Folders and ISO images (.iso); * shows all files";
	case PICKER_IMAGE:
		return "Folders and disk images (qcow2 img raw vmdk vdi vhd vhdx); * shows all";
	case PICKER_ANY:
		break;
	}
	return "All files; * shows hidden ones too";
}

static void draw_entry(const struct picker_entry *e, WINDOW *w, int y, int x, int width,
		       attr_t attr)
{
	int name_w = width - PICKER_SIZE_COLS - 2, n;
	char size[32] = "";

	boxdraw_fill(w, y, x, width, attr);
	n = boxdraw_puts(w, y, x + 1, name_w, attr, e->name);
	if (e->is_dir && n < name_w)
		boxdraw_puts(w, y, x + 1 + n, 1, attr, "/");
	if (!e->is_dir) {
		if (e->size >= 0)
			size_format((uint64_t)e->size, size, sizeof(size));
		else
			snprintf(size, sizeof(size), "?");
		boxdraw_puts(w, y, x + width - 1 - (int)strlen(size), PICKER_SIZE_COLS, attr, size);
	}
	/* "used by web", "ISOs, 3 files": between the name and the size */
	if (e->note && (int)strlen(e->note) <= name_w - n - 3)
		boxdraw_puts(w, y, x + 1 + name_w - (int)strlen(e->note), name_w, attr, e->note);
}

void picker_draw(struct picker *p, WINDOW *w, const struct tui_theme *th)
{
	int H, W, bw, bh, x0, y0, inner, rows, i;
	const char *dir = picker_heading(p), *err = picker_error(p);
	size_t n = picker_count(p), top, dlen;

	getmaxyx(w, H, W);
	bw = W >= PICKER_BOX_MAX_W + 4 ? PICKER_BOX_MAX_W : W - 4;
	if (bw < 24)
		bw = W;
	bh = H - 2 > PICKER_BOX_MAX_H ? PICKER_BOX_MAX_H : H - 2;
	if (bh < 8)
		bh = H;
	x0 = (W - bw) / 2;
	y0 = (H - bh) / 2;
	inner = bw - 4;
	rows = bh - 5;
	picker_set_rows(p, rows);
	top = picker_top(p);

	boxdraw_frame(w, y0, x0, bh, bw, th->normal, title_of(picker_get_kind(p)), th->title);

	/* The directory; a long one keeps its tail, which says most. */
	dlen = dir ? strlen(dir) : 0;
	if ((int)dlen > inner && inner > 3) {
		boxdraw_puts(w, y0 + 1, x0 + 2, 3, th->label, "...");
		boxdraw_put(w, y0 + 1, x0 + 5, inner - 3, th->label, dir + dlen - (size_t)(inner - 3),
			    (size_t)(inner - 3));
	} else {
		boxdraw_puts(w, y0 + 1, x0 + 2, inner, th->label, dir);
	}

	for (i = 0; i < rows && top + (size_t)i < n; i++) {
		size_t k = top + (size_t)i;

		draw_entry(picker_entry_at(p, k), w, y0 + 2 + i, x0 + 1, bw - 2,
			   k == picker_selected(p) ? th->selected : th->normal);
	}
	if (n == 0 || (n == 1 && !strcmp(picker_entry_at(p, 0)->name, "..")))
		boxdraw_puts(w, y0 + 2 + (n ? 1 : 0), x0 + 2, inner, th->dim, "(no matching files here)");

	if (picker_typed(p)) {
		const char *t = picker_typed(p);
		size_t tl = strlen(t);
		int room = inner - 6;

		boxdraw_puts(w, y0 + bh - 3, x0 + 2, 6, th->label, "Path: ");
		boxdraw_puts(w, y0 + bh - 3, x0 + 8, room, th->normal,
			     (int)tl > room && room > 0 ? t + tl - (size_t)room : t);
		boxdraw_puts(w, y0 + bh - 2, x0 + 2, inner, th->key,
			     "Enter open/choose the path  Esc back to the list");
		return;
	}
	if (err)
		boxdraw_puts(w, y0 + bh - 3, x0 + 2, inner, th->error, err);
	else
		boxdraw_puts(w, y0 + bh - 3, x0 + 2, inner, th->dim, filter_line(p));
	boxdraw_puts(w, y0 + bh - 2, x0 + 2, inner, th->key,
		     "Enter open/choose  Backspace up  * all  / type a path  Esc cancel");
	/* Leave the cursor on the selection, for terminals that show it. */
	if (n && picker_selected(p) >= top && picker_selected(p) < top + (size_t)rows)
		wmove(w, y0 + 2 + (int)(picker_selected(p) - top), x0 + 2);
}
