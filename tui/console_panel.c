/*
 * Lists on screen: a list panel (tui/panel.h) drawn as a column table
 * (tui/console_table.h), the filter line typed under it, and the
 * navigation keys and clicks every screen's list shares.  The navigation
 * keys act on the current screen's panel (its ->panel), so a screen's key
 * table lists them with its own help words and no code of its own.
 */
#include "tui/console_screen.h"

#include <stdio.h>
#include <string.h>

void console_table_line(const struct console *c, WINDOW *w, int y, int width,
			const struct ctable_col *cols, size_t n, const int *widths,
			const void *row, int selected, console_cell_attr_fn cell_attr)
{
	attr_t line = !row ? c->th.label : selected ? c->th.selected : c->th.normal;
	size_t i;
	int x = 0;

	if (!row || selected)
		console_fill(w, y, 0, width, line);
	for (i = 0; i < n; i++) {
		char cell[256], padded[300];
		attr_t attr = line;

		if (!widths[i])
			continue;
		if (row)
			ctable_cell(&cols[i], row, cell, sizeof(cell));
		ctable_pad(&cols[i], widths[i], row ? cell : cols[i].title, padded, sizeof(padded));
		if (row && !selected && cell_attr)
			attr = cell_attr(c, &cols[i], row);
		console_put(w, y, x, widths[i], attr, padded);
		x += widths[i] + CTABLE_GAP;
	}
}

void console_panel_draw(const struct console *c, WINDOW *w, int top, int width,
			const struct panel *p, const struct ctable_col *cols, size_t ncols,
			console_cell_attr_fn cell_attr, int focused)
{
	const void *sel = focused ? panel_selected(p) : NULL;
	int widths[CTABLE_MAX_COLS];
	size_t i;

	ctable_layout(cols, ncols, width, widths);
	console_table_line(c, w, top, width, cols, ncols, widths, NULL, 0, NULL);
	for (i = 0; i < p->height && panel_row(p, p->top + i); i++) {
		const void *row = panel_row(p, p->top + i);

		console_table_line(c, w, top + 1 + (int)i, width, cols, ncols, widths, row,
				   row == sel, cell_attr);
	}
}

/* --- a screen's list ------------------------------------------------------- */

void console_list_init(struct console_list *l, const struct panel_ops *ops, const char *what,
		       int height)
{
	memset(l, 0, sizeof(*l));
	panel_init(&l->panel, ops);
	l->what = what;
	console_list_resize(l, height);
}

void console_list_free(struct console_list *l)
{
	panel_free(&l->panel);
}

static int filter_shown(const struct console_list *l)
{
	return l->filter.editing || l->panel.filter[0];
}

void console_list_resize(struct console_list *l, int height)
{
	int rows = height - 1 - filter_shown(l);

	l->height = height;
	panel_set_height(&l->panel, rows > 1 ? (size_t)rows : 1);
}

static void set_filter(struct console_list *l, const char *filter)
{
	panel_set_filter(&l->panel, filter);
	console_list_resize(l, l->height);
}

int console_list_key(struct console *c, struct console_list *l, int ch)
{
	struct console_filter *fl = &l->filter;
	size_t len = strlen(fl->typed);

	if (!fl->editing || ch == KEY_MOUSE)
		return 0;
	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		fl->editing = 0;
		if (l->panel.filter[0])
			console_status(c, CSTATUS_INFO, "Filter '%s': %zu of %zu %s (Esc clears it)",
				       l->panel.filter, panel_count(&l->panel), l->panel.n, l->what);
		break;
	case 27:
		fl->editing = 0;
		fl->typed[0] = '\0';
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (len)
			fl->typed[len - 1] = '\0';
		break;
	case 21:                      /* Ctrl-U */
		fl->typed[0] = '\0';
		break;
	default:
		if (ch < 32 || ch >= 127 || len + 1 >= sizeof(fl->typed))
			return 1;
		fl->typed[len] = (char)ch;
		fl->typed[len + 1] = '\0';
		break;
	}
	set_filter(l, fl->typed);
	return 1;
}

void console_list_draw(const struct console *c, WINDOW *w, int top, int height, int width,
		       const struct console_list *l, const struct ctable_col *cols, size_t ncols,
		       console_cell_attr_fn cell_attr)
{
	const struct panel *p = &l->panel;
	char line[200];

	console_panel_draw(c, w, top, width, p, cols, ncols, cell_attr, 1);
	if (!filter_shown(l))
		return;
	if (l->filter.editing)
		snprintf(line, sizeof(line), "Filter: %s_   (Enter keeps it, Esc clears it)",
			 l->filter.typed);
	else
		snprintf(line, sizeof(line), "Filter: %s   (%zu of %zu %s; Esc clears it)", p->filter,
			 panel_count(p), p->n, l->what);
	console_put(w, top + height - 1, 0, width, c->th.input, line);
}

/* --- navigation ----------------------------------------------------------- */

static struct console_list *current(struct console *c, void *st)
{
	const struct console_screen *scr = console_screens[c->cur];

	return scr->list ? scr->list(st) : NULL;
}

static void nav(struct console *c, void *st, enum console_nav how)
{
	const struct console_screen *scr = console_screens[c->cur];
	struct console_list *l = current(c, st);
	struct panel *p = l ? &l->panel : NULL;

	if ((scr->nav && scr->nav(c, st, how)) || !p)
		return;
	if (how == CNAV_HOME)
		panel_home(p);
	else if (how == CNAV_END)
		panel_end(p);
	else if (how == CNAV_PGUP || how == CNAV_PGDN)
		panel_page(p, how == CNAV_PGUP ? -1 : 1);
	else
		panel_move(p, how == CNAV_UP ? -1 : 1);
}

/* One key-table function per way to move. */
#define NAV_KEY(name, how) \
	void console_nav_##name(struct console *c, void *st) { nav(c, st, how); }
NAV_KEY(up, CNAV_UP)
NAV_KEY(down, CNAV_DOWN)
NAV_KEY(pgup, CNAV_PGUP)
NAV_KEY(pgdn, CNAV_PGDN)
NAV_KEY(home, CNAV_HOME)
NAV_KEY(end, CNAV_END)

void console_nav_filter(struct console *c, void *st)
{
	struct console_list *l = current(c, st);

	if (!l)
		return;
	l->filter.editing = 1;
	snprintf(l->filter.typed, sizeof(l->filter.typed), "%s", l->panel.filter);
	console_list_resize(l, l->height);
}

void console_nav_unfilter(struct console *c, void *st)
{
	struct console_list *l = current(c, st);

	if (l)
		set_filter(l, "");
}

void console_nav_click(struct console *c, int y)
{
	struct console_list *l = current(c, c->state[c->cur]);

	if (l)
		panel_click(&l->panel, y - CONSOLE_HEADER_ROWS - 1);
}
