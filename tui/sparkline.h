/*
 * Sparklines: a series of figures as one row of cells, each cell one of
 * eight heights: Unicode block elements (U+2581..U+2588) where the
 * terminal speaks UTF-8, else ASCII ("_.-~=+*#") that a vt100 on a serial
 * line shows.  A series longer than the row is averaged into it (each
 * cell the mean of its share of the figures), a shorter one is drawn at
 * the right end; an unknown figure (NaN) is a blank cell.  Pure: no
 * curses.
 */
#ifndef CROFT_TUI_SPARKLINE_H
#define CROFT_TUI_SPARKLINE_H

#include <stddef.h>

/* Bytes a row of width cells takes at most. */
#define SPARKLINE_BYTES(width) ((size_t)(width) * 3 + 1)

/* Render v[0..n) into buf (len bytes, at least SPARKLINE_BYTES(width))
 * as width cells scaled to max (<= 0: the largest figure).  Returns buf. */
char *sparkline_render(const double *v, size_t n, int width, double max, int utf8, char *buf,
		       size_t len);

#endif
