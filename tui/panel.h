/*
 * The list panel: the one model behind every list the console (and the
 * installer) shows.  A panel holds rows of one model struct, parsed from
 * the API elsewhere, and keeps a view of them: the rows that pass the
 * filter, in the current sort order, the selected row, the first row
 * shown and how many rows fit.  Pure: no curses, no I/O; drawing reads
 * the view (panel_row) and nothing else.
 *
 * The selection follows a row by its key (a VM's name, a job's id), not by
 * its position: when new rows come in, reordered, with rows added or
 * removed, the cursor stays on the row the user chose; when that row is
 * gone it stays on the same row number, clamped.  A key chosen before its
 * row exists (a VM being created) is remembered, through new rows that
 * lack it, and selected when its row arrives, unless the user has moved
 * the cursor meanwhile.
 *
 * A panel made with PANEL_LOG has no cursor: it is a log whose keys scroll
 * the view, and which sticks to its end while the end is shown (new rows
 * scroll into view); scrolled up, it stays on the same rows.
 *
 * Ownership: the panel owns its rows; ops->free_row (may be NULL) releases
 * what a row owns.  Pointers returned to rows are valid until the next
 * call that changes the rows.
 */
#ifndef CROFT_TUI_PANEL_H
#define CROFT_TUI_PANEL_H

#include <stddef.h>

#define PANEL_KEY_LEN 80
#define PANEL_FILTER_LEN 64

enum panel_flags {
	PANEL_LOG = 1,              /* no cursor: keys scroll; follow the end */
};

struct panel_ops {
	size_t size;                /* bytes per row */
	/* The row's identity, written into buf (< PANEL_KEY_LEN); NULL:
	 * the row's string member at key_at (PANEL_KEY_TEXT). */
	void (*key)(const void *row, char *buf, size_t len);
	size_t key_at;
	/* Whether row passes a (non-empty) filter; NULL: every row does. */
	int (*match)(const void *row, const char *filter);
	/* Order of two rows under sort order sort; 0 leaves them by key. */
	int (*cmp)(const void *a, const void *b, int sort);
	const char *const *sorts;   /* names of the sort orders, NULL-ended */
	void (*free_row)(void *row);
	unsigned flags;
};

/* The key of rows keyed by a char array member. */
#define PANEL_KEY_TEXT(type, member) .key_at = offsetof(type, member) + 1

struct panel {
	const struct panel_ops *ops;
	unsigned char *rows;        /* n rows of ops->size bytes, sorted */
	size_t n, cap;
	size_t *view;               /* indices of the rows that pass the filter */
	size_t nview;
	size_t sel;                 /* selected view row (valid when nview) */
	size_t top;                 /* first view row shown */
	size_t height;              /* view rows that fit (at least 1) */
	char key[PANEL_KEY_LEN];    /* the selected row's key; a log: the top row's */
	char pending[PANEL_KEY_LEN]; /* a key selected before its row came, or "" */
	char filter[PANEL_FILTER_LEN];
	int sort;
	int loaded;                 /* rows were set since the last clear */
	int follow;                 /* a log shows its end */
};

void panel_init(struct panel *p, const struct panel_ops *ops);
void panel_free(struct panel *p);

/* Replace the rows with rows[0..n) (a malloc'd array, taken; NULL when n
 * is 0). */
void panel_set_rows(struct panel *p, void *rows, size_t n);
/* Copy rows[0..n) in; a row with the key of one already there replaces
 * it (what the old row owned is freed; the new row's is taken). */
void panel_merge(struct panel *p, const void *rows, size_t n);
/* panel_merge() of one row. */
void panel_add(struct panel *p, const void *row);
/* Drop the first rows in sort order until at most max are left. */
void panel_trim(struct panel *p, size_t max);
/* A row changed in place (panel_find_mut): sort and filter again. */
void panel_changed(struct panel *p);
/* Forget every row (no connection); the selected key is kept. */
void panel_clear(struct panel *p);

/* Rows in the view; view row i (NULL past the end). */
size_t panel_count(const struct panel *p);
const void *panel_row(const struct panel *p, size_t i);
/* The selected row, NULL when the view is empty (or for a log). */
const void *panel_selected(const struct panel *p);
/* A row by key among all rows, filtered out or not; NULL if none. */
const void *panel_find(const struct panel *p, const char *key);
void *panel_find_mut(struct panel *p, const char *key);

/* Selection (a log scrolls instead).  move by delta rows, clamped. */
void panel_move(struct panel *p, long delta);
void panel_page(struct panel *p, int dir);     /* dir: -1 up, 1 down */
void panel_home(struct panel *p);
void panel_end(struct panel *p);
void panel_select_row(struct panel *p, size_t row);
/* 0, or -ENOENT when no row in the view has the key (it is remembered). */
int panel_select(struct panel *p, const char *key);
/* A click on row y of the panel's rows (0: the first shown): selects
 * that row; 0, or -ENOENT when nothing is there. */
int panel_click(struct panel *p, long y);

/* How many rows fit; the first row shown follows the selection. */
void panel_set_height(struct panel *p, size_t height);

/* A case-insensitive filter ("" for none); a filter that hides the
 * selected row selects the first match. */
void panel_set_filter(struct panel *p, const char *filter);
void panel_set_sort(struct panel *p, int sort);
void panel_next_sort(struct panel *p);
const char *panel_sort_name(const struct panel *p);

/* The first row a list of n rows shows in height rows so that row sel is
 * visible, moving top as little as possible. */
size_t panel_scroll_top(size_t top, size_t sel, size_t n, size_t height);

#endif
