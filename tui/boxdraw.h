/*
 * Small drawing primitives for the console's modal boxes (the VM form and
 * the file picker): a framed, filled box with a title, text clipped to a
 * width and to the window, and word wrapping.  Everything is clipped to the
 * window, so a box larger than the window is cut, never an error.  Bytes
 * outside printable ASCII are drawn as '?', so nothing but ASCII reaches
 * the terminal (a vt100 on a serial line stays readable).
 */
#ifndef CROFT_TUI_BOXDRAW_H
#define CROFT_TUI_BOXDRAW_H

#include <curses.h>
#include <stddef.h>

/* Fill h x wd at (y, x) with spaces in attr and frame it with ACS lines;
 * title (may be NULL) is centred in the top border in title_attr. */
void boxdraw_frame(WINDOW *w, int y, int x, int h, int wd, attr_t attr,
		   const char *title, attr_t title_attr);

/* Write at most width columns of the first len bytes of s at (y, x) in attr.
 * Returns the columns written. */
int boxdraw_put(WINDOW *w, int y, int x, int width, attr_t attr, const char *s, size_t len);
/* The same for a whole NUL-terminated string. */
int boxdraw_puts(WINDOW *w, int y, int x, int width, attr_t attr, const char *s);
/* Write width spaces in attr. */
void boxdraw_fill(WINDOW *w, int y, int x, int width, attr_t attr);

/*
 * Split s into at most maxlines lines of at most width columns, breaking at
 * spaces where possible; the last line takes the rest (and is clipped by
 * the caller).  Fills starts[]/lens[]; returns the number of lines.
 */
int boxdraw_wrap(const char *s, int width, const char **starts, size_t *lens, int maxlines);

#endif
