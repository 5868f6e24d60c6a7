/*
 * Tests for the list panel (tui/panel.c) with a small row type of its own:
 * sorting and filtering the view, the selection following a row by key
 * across new rows (and staying on its row number when the row goes), a
 * key remembered before its row exists, merging rows by key, trimming the
 * oldest, what a row owns being freed, moving, paging and scrolling,
 * clicks, sort orders, and a log panel (no cursor; it follows its end and,
 * scrolled up, stays on the same rows).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/panel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct row {
	char name[16];
	int size;
	char *owned;                /* freed by free_row */
};

static int freed;

static void row_key(const void *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s", ((const struct row *)r)->name);
}

static int row_match(const void *r, const char *filter)
{
	return strcasestr(((const struct row *)r)->name, filter) != NULL;
}

/* sort 0: by key; sort 1: by size, largest first */
static int row_cmp(const void *a, const void *b, int sort)
{
	const struct row *x = a, *y = b;

	return sort == 1 ? (x->size < y->size) - (x->size > y->size) : 0;
}

static void row_free(void *r)
{
	free(((struct row *)r)->owned);
	freed++;
}

static const char *const sorts[] = { "name", "size", NULL };

static const struct panel_ops ops = {
	.size = sizeof(struct row), .key = row_key, .match = row_match, .cmp = row_cmp,
	.sorts = sorts, .free_row = row_free,
};

static const struct panel_ops log_ops = {
	.size = sizeof(struct row), .key = row_key, .match = row_match, .cmp = row_cmp,
	.free_row = row_free, .flags = PANEL_LOG,
};

/* rows from "name:size" words */
static struct row *rows_of(const char *spec, size_t *n)
{
	char buf[256], *tok, *save = NULL;
	struct row *rows = calloc(32, sizeof(*rows));

	assert_non_null(rows);
	*n = 0;
	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		struct row *r = &rows[(*n)++];

		assert_int_equal(sscanf(tok, "%15[^:]:%d", r->name, &r->size), 2);
		r->owned = strdup(r->name);
	}
	return rows;
}

static void set(struct panel *p, const char *spec)
{
	size_t n;
	struct row *rows = rows_of(spec, &n);

	panel_set_rows(p, rows, n);
}

static const char *at(const struct panel *p, size_t i)
{
	const struct row *r = panel_row(p, i);

	return r ? r->name : NULL;
}

static const char *sel(const struct panel *p)
{
	const struct row *r = panel_selected(p);

	return r ? r->name : NULL;
}

static void test_sorted_and_selected(void **state)
{
	struct panel p;

	(void)state;
	panel_init(&p, &ops);
	assert_false(p.loaded);
	assert_null(sel(&p));
	set(&p, "c:1 a:3 b:2");
	assert_true(p.loaded);
	assert_int_equal(panel_count(&p), 3);
	assert_string_equal(at(&p, 0), "a");
	assert_string_equal(at(&p, 2), "c");
	assert_null(at(&p, 3));
	assert_string_equal(sel(&p), "a");
	assert_non_null(panel_find(&p, "b"));
	assert_null(panel_find(&p, "z"));
	panel_free(&p);
}

static void test_selection_follows_key(void **state)
{
	struct panel p;

	(void)state;
	panel_init(&p, &ops);
	set(&p, "b:1 d:1 f:1");
	assert_int_equal(panel_select(&p, "d"), 0);
	assert_int_equal(p.sel, 1);
	/* a row comes before it: the selection moves with d */
	set(&p, "a:1 b:1 d:1 f:1");
	assert_string_equal(sel(&p), "d");
	assert_int_equal(p.sel, 2);
	/* d goes: the cursor stays on its row number (now f) */
	set(&p, "a:1 b:1 f:1");
	assert_string_equal(sel(&p), "f");
	/* the last row goes: clamped */
	set(&p, "a:1 b:1");
	assert_string_equal(sel(&p), "b");
	/* a key chosen before its row exists is remembered, through rows
	 * that still lack it */
	assert_int_equal(panel_select(&p, "new"), -ENOENT);
	set(&p, "a:1 b:1");
	assert_string_equal(sel(&p), "b");
	set(&p, "a:1 b:1 new:1");
	assert_string_equal(sel(&p), "new");
	/* unless the user moved meanwhile */
	assert_int_equal(panel_select(&p, "newer"), -ENOENT);
	set(&p, "a:1 b:1 new:1");
	panel_home(&p);
	set(&p, "a:1 b:1 new:1 newer:1");
	assert_string_equal(sel(&p), "a");
	/* cleared (no connection): nothing selected, the key kept */
	panel_select(&p, "new");
	panel_clear(&p);
	assert_false(p.loaded);
	assert_null(sel(&p));
	set(&p, "a:1 new:1");
	assert_string_equal(sel(&p), "new");
	panel_free(&p);
}

static void test_owned_rows_freed(void **state)
{
	struct panel p;
	struct row r = { "b", 9, NULL };

	(void)state;
	freed = 0;
	panel_init(&p, &ops);
	set(&p, "a:1 b:2 c:3");
	set(&p, "a:1");
	assert_int_equal(freed, 3);
	/* merging a row with a key already there replaces it */
	r.owned = strdup("x");
	panel_add(&p, &r);
	assert_int_equal(panel_count(&p), 2);
	r.owned = strdup("y");
	r.size = 10;
	panel_add(&p, &r);
	assert_int_equal(freed, 4);
	assert_int_equal(panel_count(&p), 2);
	assert_int_equal(((const struct row *)panel_find(&p, "b"))->size, 10);
	panel_free(&p);
	assert_int_equal(freed, 6);
	/* freeing twice is harmless, and so is a panel never used */
	panel_free(&p);
	panel_init(&p, &ops);
	panel_free(&p);
}

static void test_move_page_scroll(void **state)
{
	struct panel p;
	char spec[512] = "";
	int i;

	(void)state;
	panel_init(&p, &ops);
	panel_move(&p, 1);                   /* empty: nothing happens */
	panel_end(&p);
	panel_page(&p, 1);
	assert_null(sel(&p));
	for (i = 0; i < 30; i++)
		snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "r%02d:%d ", i, i);
	set(&p, spec);
	panel_set_height(&p, 10);
	assert_int_equal(p.top, 0);
	panel_move(&p, 15);
	assert_string_equal(sel(&p), "r15");
	assert_int_equal(p.top, 6);          /* row 15 is the last shown */
	panel_move(&p, -12);
	assert_int_equal(p.top, 3);
	panel_move(&p, -99);
	assert_string_equal(sel(&p), "r00");
	panel_page(&p, 1);
	assert_string_equal(sel(&p), "r10");
	panel_page(&p, -1);
	assert_string_equal(sel(&p), "r00");
	panel_end(&p);
	assert_string_equal(sel(&p), "r29");
	assert_int_equal(p.top, 20);
	panel_home(&p);
	assert_int_equal(p.top, 0);
	panel_select_row(&p, 99);
	assert_string_equal(sel(&p), "r29");
	/* a taller window shows everything from the top */
	panel_set_height(&p, 40);
	assert_int_equal(p.top, 0);
	/* clicks: a shown row is selected; below the last, nothing */
	panel_set_height(&p, 10);
	panel_home(&p);
	assert_int_equal(panel_click(&p, 3), 0);
	assert_string_equal(sel(&p), "r03");
	assert_int_equal(panel_click(&p, 10), -ENOENT);
	assert_int_equal(panel_click(&p, -1), -ENOENT);
	set(&p, "a:1 b:1");
	assert_int_equal(panel_click(&p, 2), -ENOENT);
	assert_string_equal(sel(&p), "b");
	panel_free(&p);
}

static void test_scroll_top(void **state)
{
	(void)state;
	assert_int_equal(panel_scroll_top(0, 5, 30, 10), 0);
	assert_int_equal(panel_scroll_top(0, 12, 30, 10), 3);
	assert_int_equal(panel_scroll_top(8, 5, 30, 10), 5);
	assert_int_equal(panel_scroll_top(25, 29, 30, 10), 20);
	assert_int_equal(panel_scroll_top(7, 3, 5, 10), 0);
	assert_int_equal(panel_scroll_top(3, 3, 30, 0), 3);
}

static void test_filter(void **state)
{
	struct panel p;

	(void)state;
	panel_init(&p, &ops);
	set(&p, "web1:1 web2:1 db:1 mail:1");
	panel_select(&p, "mail");
	panel_set_filter(&p, "WEB");        /* the row's match() decides: no case */
	assert_int_equal(panel_count(&p), 2);
	assert_int_equal(p.n, 4);
	assert_string_equal(at(&p, 0), "web1");
	/* mail is hidden: the first match is selected */
	assert_string_equal(sel(&p), "web1");
	/* new rows keep the filter */
	set(&p, "web1:1 web2:1 web3:1 db:1");
	assert_int_equal(panel_count(&p), 3);
	panel_set_filter(&p, "nothing");
	assert_int_equal(panel_count(&p), 0);
	assert_null(sel(&p));
	panel_set_filter(&p, "");
	assert_int_equal(panel_count(&p), 4);
	panel_set_filter(&p, NULL);
	assert_int_equal(panel_count(&p), 4);
	panel_free(&p);
}

static void test_sort_orders(void **state)
{
	struct panel p;
	struct row *r;

	(void)state;
	panel_init(&p, &ops);
	set(&p, "a:1 b:30 c:20");
	panel_select(&p, "c");
	assert_string_equal(panel_sort_name(&p), "name");
	panel_next_sort(&p);
	assert_string_equal(panel_sort_name(&p), "size");
	assert_string_equal(at(&p, 0), "b");
	assert_string_equal(at(&p, 1), "c");
	assert_string_equal(sel(&p), "c");
	assert_int_equal(p.sel, 1);
	/* a row changed in place takes its new place */
	r = panel_find_mut(&p, "a");
	r->size = 99;
	panel_changed(&p);
	assert_string_equal(at(&p, 0), "a");
	assert_string_equal(sel(&p), "c");
	panel_next_sort(&p);
	assert_string_equal(panel_sort_name(&p), "name");
	panel_set_sort(&p, 7);              /* no such order: the first */
	assert_int_equal(p.sort, 0);
	panel_free(&p);
}

static void test_trim(void **state)
{
	struct panel p;

	(void)state;
	freed = 0;
	panel_init(&p, &ops);
	set(&p, "a:1 b:1 c:1 d:1 e:1");
	panel_select(&p, "d");
	panel_trim(&p, 9);
	assert_int_equal(p.n, 5);
	panel_trim(&p, 3);
	assert_int_equal(freed, 2);
	assert_int_equal(p.n, 3);
	assert_string_equal(at(&p, 0), "c");
	assert_string_equal(sel(&p), "d");
	panel_free(&p);
}

static void add(struct panel *p, const char *name, int size)
{
	struct row r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.size = size;
	r.owned = strdup(name);
	panel_add(p, &r);
}

/* A log: no cursor, keys scroll, the end is followed. */
static void test_log(void **state)
{
	struct panel p;
	char name[16];
	int i;

	(void)state;
	panel_init(&p, &log_ops);
	panel_set_height(&p, 5);
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "e%02d", i);
		add(&p, name, i);
	}
	assert_null(panel_selected(&p));
	assert_true(p.follow);
	assert_int_equal(p.top, 7);          /* the last five shown */
	add(&p, "e12", 12);
	assert_int_equal(p.top, 8);
	/* scrolled up, it stays on the same rows */
	panel_move(&p, -3);
	assert_false(p.follow);
	assert_string_equal(at(&p, p.top), "e05");
	add(&p, "e13", 13);
	assert_string_equal(at(&p, p.top), "e05");
	panel_trim(&p, 10);                  /* e00-e03 go */
	assert_string_equal(at(&p, p.top), "e05");
	assert_int_equal(p.top, 1);
	/* a click selects nothing, but hits a row */
	assert_int_equal(panel_click(&p, 0), 0);
	assert_null(panel_selected(&p));
	panel_page(&p, -1);
	assert_int_equal(p.top, 0);
	panel_home(&p);
	assert_int_equal(p.top, 0);
	/* End follows again */
	panel_end(&p);
	assert_true(p.follow);
	add(&p, "e14", 14);
	assert_string_equal(at(&p, p.top + 4), "e14");
	/* scrolling down to the end follows too */
	panel_move(&p, -2);
	panel_move(&p, 5);
	assert_true(p.follow);
	panel_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted_and_selected),
		cmocka_unit_test(test_selection_follows_key),
		cmocka_unit_test(test_owned_rows_freed),
		cmocka_unit_test(test_move_page_scroll),
		cmocka_unit_test(test_scroll_top),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_sort_orders),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
