/*
 * The console's tables (VMs, networks, jobs, events...) as column tables,
 * one entry per column (title, width range, alignment, cell formatter),
 * and the pure layout that fits them to a terminal width: every column
 * starts at its minimum; columns are dropped from the end of the table
 * while they do not fit; what is left over widens the columns that may
 * grow, in table order, up to their maximum.  A column is one entry; the
 * rows are a list panel's (tui/panel.h), drawn by console_panel.c.
 */
#ifndef CROFT_TUI_CONSOLE_TABLE_H
#define CROFT_TUI_CONSOLE_TABLE_H

#include <stddef.h>

#define CTABLE_GAP 2             /* spaces between columns */
#define CTABLE_MAX_COLS 16

struct ctable_col {
	const char *title;
	int min;                 /* width in cells */
	int max;                 /* >= min */
	int right;               /* right-aligned */
	/* Format a row's cell into buf (ASCII); row is the table's row
	 * type (struct cvm for console_vm_cols...).  NULL: the cell is the
	 * row's string member at text (CTABLE_TEXT), "-" when it is empty. */
	void (*cell)(const void *row, char *buf, size_t len);
	size_t text;
};

/* The cell and text of a column that shows a char array member. */
#define CTABLE_TEXT(type, member) NULL, offsetof(type, member) + 1

/* A row's cell of col into buf; returns buf. */
char *ctable_cell(const struct ctable_col *col, const void *row, char *buf, size_t len);

/* Fit n columns (n <= CTABLE_MAX_COLS) into width: widths[i] is column
 * i's width, 0 when it is dropped.  Returns the number of columns shown
 * (at least 1: the first column is cut to width if need be). */
size_t ctable_layout(const struct ctable_col *cols, size_t n, int width, int *widths);

/* text padded (or cut) to width cells, aligned as col says.  Returns buf. */
char *ctable_pad(const struct ctable_col *col, int width, const char *text, char *buf,
		 size_t len);

/* Uptime for the table: "42s", "17m", "3h05m", "12d04h"; "-" when < 0.
 * Past the first minute it changes once a minute, so an idle console does
 * not repaint every running VM's row every second. */
char *ctable_uptime(long long s, char *buf, size_t len);

#endif
