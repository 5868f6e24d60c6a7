/*
 * The list panel (panel.h).  rows[] is kept sorted (ops->cmp, ties by
 * key); view[] holds the indices of the rows that pass the filter.  Every
 * change of the rows, the filter or the sort rebuilds the view and puts
 * the selection back by key (a log: its first row shown), falling back to
 * the row number it had.
 */
#include "tui/panel.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_log(const struct panel *p)
{
	return p->ops->flags & PANEL_LOG;
}

static void *row_at(const struct panel *p, size_t i)
{
	return p->rows + i * p->ops->size;
}

static void row_key(const struct panel *p, const void *row, char *buf)
{
	if (p->ops->key)
		p->ops->key(row, buf, PANEL_KEY_LEN);
	else
		snprintf(buf, PANEL_KEY_LEN, "%s", (const char *)row + p->ops->key_at - 1);
}

static void key_of(const struct panel *p, size_t i, char *buf)
{
	row_key(p, row_at(p, i), buf);
}

void panel_init(struct panel *p, const struct panel_ops *ops)
{
	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->height = 1;
	p->follow = 1;
}

static void free_rows(struct panel *p)
{
	size_t i;

	if (p->ops->free_row)
		for (i = 0; i < p->n; i++)
			p->ops->free_row(row_at(p, i));
	free(p->rows);
	p->rows = NULL;
	p->n = p->cap = 0;
}

void panel_free(struct panel *p)
{
	free_rows(p);
	free(p->view);
	p->view = NULL;
	p->nview = 0;
}

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct panel *p = arg;
	char ka[PANEL_KEY_LEN], kb[PANEL_KEY_LEN];
	int r = p->ops->cmp ? p->ops->cmp(a, b, p->sort) : 0;

	if (r)
		return r;
	row_key(p, a, ka);
	row_key(p, b, kb);
	return strcmp(ka, kb);
}

static size_t max_top(const struct panel *p)
{
	return p->nview > p->height ? p->nview - p->height : 0;
}

static long view_index(const struct panel *p, const char *key)
{
	char k[PANEL_KEY_LEN];
	size_t i;

	for (i = 0; i < p->nview; i++) {
		key_of(p, p->view[i], k);
		if (!strcmp(k, key))
			return (long)i;
	}
	return -1;
}

/* A log keeps its end in view while it follows, else its top row. */
static void place_log(struct panel *p)
{
	long at = p->follow ? -1 : view_index(p, p->key);

	if (p->follow)
		p->top = max_top(p);
	else if (at >= 0)
		p->top = (size_t)at;
	if (p->top > max_top(p))
		p->top = max_top(p);
	p->follow = p->top == max_top(p);
	if (p->nview)
		key_of(p, p->view[p->top], p->key);
}

static void place_cursor(struct panel *p, size_t old_row)
{
	long at;

	if (!p->nview) {
		p->sel = 0;
		p->top = 0;
		return;
	}
	if (p->pending[0] && (at = view_index(p, p->pending)) >= 0) {
		snprintf(p->key, sizeof(p->key), "%s", p->pending);
		p->pending[0] = '\0';
	}
	at = view_index(p, p->key);
	if (at >= 0) {
		p->sel = (size_t)at;
	} else {
		p->sel = old_row < p->nview ? old_row : p->nview - 1;
		key_of(p, p->view[p->sel], p->key);
	}
	p->top = panel_scroll_top(p->top, p->sel, p->nview, p->height);
}

static void rebuild(struct panel *p, size_t old_row)
{
	size_t i;

	if (p->n > 1)
		qsort_r(p->rows, p->n, p->ops->size, cmp_rows, p);
	free(p->view);
	p->view = xcalloc(p->n + 1, sizeof(*p->view));
	p->nview = 0;
	for (i = 0; i < p->n; i++)
		if (!p->filter[0] || !p->ops->match || p->ops->match(row_at(p, i), p->filter))
			p->view[p->nview++] = i;
	if (is_log(p))
		place_log(p);
	else
		place_cursor(p, old_row);
}

void panel_set_rows(struct panel *p, void *rows, size_t n)
{
	free_rows(p);
	p->rows = rows;
	p->n = p->cap = rows ? n : 0;
	p->loaded = 1;
	rebuild(p, p->sel);
}

void panel_merge(struct panel *p, const void *rows, size_t n)
{
	const unsigned char *in = rows;
	char k[PANEL_KEY_LEN];
	size_t i;

	for (i = 0; i < n; i++) {
		const void *row = in + i * p->ops->size;
		void *old;

		row_key(p, row, k);
		old = panel_find_mut(p, k);
		if (old) {
			if (p->ops->free_row)
				p->ops->free_row(old);
			memcpy(old, row, p->ops->size);
			continue;
		}
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 16;
			p->rows = xrealloc(p->rows, p->cap * p->ops->size);
		}
		memcpy(row_at(p, p->n++), row, p->ops->size);
	}
	p->loaded = 1;
	rebuild(p, p->sel);
}

void panel_add(struct panel *p, const void *row)
{
	panel_merge(p, row, 1);
}

void panel_trim(struct panel *p, size_t max)
{
	size_t drop, i;

	if (p->n <= max)
		return;
	drop = p->n - max;
	if (p->ops->free_row)
		for (i = 0; i < drop; i++)
			p->ops->free_row(row_at(p, i));
	memmove(p->rows, row_at(p, drop), max * p->ops->size);
	p->n = max;
	rebuild(p, p->sel >= drop ? p->sel - drop : 0);
}

void panel_changed(struct panel *p)
{
	rebuild(p, p->sel);
}

void panel_clear(struct panel *p)
{
	free_rows(p);
	p->loaded = 0;
	rebuild(p, p->sel);
}

size_t panel_count(const struct panel *p)
{
	return p->nview;
}

const void *panel_row(const struct panel *p, size_t i)
{
	return i < p->nview ? row_at(p, p->view[i]) : NULL;
}

const void *panel_selected(const struct panel *p)
{
	return is_log(p) ? NULL : panel_row(p, p->sel);
}

void *panel_find_mut(struct panel *p, const char *key)
{
	char k[PANEL_KEY_LEN];
	size_t i;

	for (i = 0; i < p->n; i++) {
		key_of(p, i, k);
		if (!strcmp(k, key))
			return row_at(p, i);
	}
	return NULL;
}

const void *panel_find(const struct panel *p, const char *key)
{
	return panel_find_mut((struct panel *)p, key);
}

void panel_select_row(struct panel *p, size_t row)
{
	if (!p->nview)
		return;
	if (is_log(p)) {
		p->top = row < max_top(p) ? row : max_top(p);
		p->follow = p->top == max_top(p);
		key_of(p, p->view[p->top], p->key);
		return;
	}
	p->sel = row < p->nview ? row : p->nview - 1;
	key_of(p, p->view[p->sel], p->key);
	p->pending[0] = '\0';
	p->top = panel_scroll_top(p->top, p->sel, p->nview, p->height);
}

void panel_move(struct panel *p, long delta)
{
	long row = (long)(is_log(p) ? p->top : p->sel) + delta;

	panel_select_row(p, row < 0 ? 0 : (size_t)row);
}

void panel_page(struct panel *p, int dir)
{
	panel_move(p, dir * (long)p->height);
}

void panel_home(struct panel *p)
{
	panel_select_row(p, 0);
}

void panel_end(struct panel *p)
{
	if (is_log(p)) {
		p->follow = 1;
		place_log(p);
	} else if (p->nview) {
		panel_select_row(p, p->nview - 1);
	}
}

int panel_select(struct panel *p, const char *key)
{
	long at = view_index(p, key);

	if (at >= 0) {
		panel_select_row(p, (size_t)at);
		return 0;
	}
	snprintf(p->key, sizeof(p->key), "%s", key);
	snprintf(p->pending, sizeof(p->pending), "%s", key);
	return -ENOENT;
}

int panel_click(struct panel *p, long y)
{
	if (y < 0 || (size_t)y >= p->height || p->top + (size_t)y >= p->nview)
		return -ENOENT;
	if (!is_log(p))
		panel_select_row(p, p->top + (size_t)y);
	return 0;
}

void panel_set_height(struct panel *p, size_t height)
{
	p->height = height ? height : 1;
	if (is_log(p))
		place_log(p);
	else
		p->top = panel_scroll_top(p->top, p->sel, p->nview, p->height);
}

void panel_set_filter(struct panel *p, const char *filter)
{
	snprintf(p->filter, sizeof(p->filter), "%s", filter ? filter : "");
	rebuild(p, 0);
}

static int nsorts(const struct panel *p)
{
	int n = 0;

	while (p->ops->sorts && p->ops->sorts[n])
		n++;
	return n;
}

void panel_set_sort(struct panel *p, int sort)
{
	p->sort = sort >= 0 && sort < nsorts(p) ? sort : 0;
	rebuild(p, p->sel);
}

void panel_next_sort(struct panel *p)
{
	panel_set_sort(p, nsorts(p) ? (p->sort + 1) % nsorts(p) : 0);
}

const char *panel_sort_name(const struct panel *p)
{
	return p->sort < nsorts(p) ? p->ops->sorts[p->sort] : "";
}

size_t panel_scroll_top(size_t top, size_t sel, size_t n, size_t height)
{
	if (!height)
		height = 1;
	if (sel < top)
		top = sel;
	else if (sel >= top + height)
		top = sel - height + 1;
	if (n <= height)
		top = 0;
	else if (top + height > n)
		top = n - height;
	return top;
}
