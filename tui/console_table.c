/*
 * Column tables (console_table.h): the layout that fits columns to a
 * width, and the cell formats tables share.
 */
#include "tui/console_table.h"

#include <stdio.h>
#include <string.h>

char *ctable_cell(const struct ctable_col *col, const void *row, char *buf, size_t len)
{
	const char *text;

	if (col->cell) {
		col->cell(row, buf, len);
		return buf;
	}
	text = col->text ? (const char *)row + col->text - 1 : "";
	snprintf(buf, len, "%s", *text ? text : "-");
	return buf;
}

char *ctable_pad(const struct ctable_col *col, int width, const char *text, char *buf,
		 size_t len)
{
	snprintf(buf, len, col->right ? "%*.*s" : "%-*.*s", width, width, text);
	return buf;
}

char *ctable_uptime(long long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	return buf;
}

size_t ctable_layout(const struct ctable_col *cols, size_t n, int width, int *widths)
{
	size_t shown = n > CTABLE_MAX_COLS ? CTABLE_MAX_COLS : n, i;
	int total, extra;

	if (!n)
		return 0;
	for (;;) {
		total = 0;
		for (i = 0; i < shown; i++)
			total += cols[i].min + (i ? CTABLE_GAP : 0);
		if (total <= width || shown == 1)
			break;
		shown--;
	}
	for (i = 0; i < n; i++)
		widths[i] = i < shown ? cols[i].min : 0;
	if (total > width) {                  /* one column, and still too wide */
		widths[0] = width > 0 ? width : 0;
		return 1;
	}
	extra = width - total;
	for (i = 0; i < shown && extra > 0; i++) {
		int grow = cols[i].max - cols[i].min;

		if (grow > extra)
			grow = extra;
		if (grow > 0) {
			widths[i] += grow;
			extra -= grow;
		}
	}
	return shown;
}
