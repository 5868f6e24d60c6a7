/*
 * Drawing primitives for modal boxes.  Each call clips against the window's
 * size first, so callers lay boxes out freely and a small terminal only
 * loses what does not fit.
 */
#include "tui/boxdraw.h"

#include <string.h>

/* Columns [x, x + width) clipped to the window's row y; 0 when nothing. */
static int clip(WINDOW *w, int y, int *x, int *width)
{
	int h, wd;

	getmaxyx(w, h, wd);
	if (y < 0 || y >= h || *width <= 0)
		return 0;
	if (*x < 0) {
		*width += *x;
		*x = 0;
	}
	if (*x + *width > wd)
		*width = wd - *x;
	return *width > 0;
}

int boxdraw_put(WINDOW *w, int y, int x, int width, attr_t attr, const char *s, size_t len)
{
	int i, n;

	if (!s || !clip(w, y, &x, &width))
		return 0;
	n = (int)(len < (size_t)width ? len : (size_t)width);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		mvwaddch(w, y, x + i, (chtype)(c >= 32 && c < 127 ? c : '?') | attr);
	}
	return n;
}

int boxdraw_puts(WINDOW *w, int y, int x, int width, attr_t attr, const char *s)
{
	return boxdraw_put(w, y, x, width, attr, s, s ? strlen(s) : 0);
}

void boxdraw_fill(WINDOW *w, int y, int x, int width, attr_t attr)
{
	int i;

	if (!clip(w, y, &x, &width))
		return;
	for (i = 0; i < width; i++)
		mvwaddch(w, y, x + i, ' ' | attr);
}

static void put_acs(WINDOW *w, int y, int x, chtype ch, attr_t attr)
{
	int one = 1;

	if (clip(w, y, &x, &one))
		mvwaddch(w, y, x, ch | attr);
}

void boxdraw_frame(WINDOW *w, int y, int x, int h, int wd, attr_t attr,
		   const char *title, attr_t title_attr)
{
	int i;

	if (h < 2 || wd < 2)
		return;
	for (i = 0; i < h; i++)
		boxdraw_fill(w, y + i, x, wd, attr);
	for (i = 1; i < wd - 1; i++) {
		put_acs(w, y, x + i, ACS_HLINE, attr);
		put_acs(w, y + h - 1, x + i, ACS_HLINE, attr);
	}
	for (i = 1; i < h - 1; i++) {
		put_acs(w, y + i, x, ACS_VLINE, attr);
		put_acs(w, y + i, x + wd - 1, ACS_VLINE, attr);
	}
	put_acs(w, y, x, ACS_ULCORNER, attr);
	put_acs(w, y, x + wd - 1, ACS_URCORNER, attr);
	put_acs(w, y + h - 1, x, ACS_LLCORNER, attr);
	put_acs(w, y + h - 1, x + wd - 1, ACS_LRCORNER, attr);
	if (title && *title) {
		int len = (int)strlen(title), room = wd - 4, tx;

		if (len > room)
			len = room;
		if (len <= 0)
			return;
		tx = x + (wd - len - 2) / 2;
		boxdraw_fill(w, y, tx, 1, attr);
		boxdraw_put(w, y, tx + 1, len, title_attr, title, (size_t)len);
		boxdraw_fill(w, y, tx + 1 + len, 1, attr);
	}
}

int boxdraw_wrap(const char *s, int width, const char **starts, size_t *lens, int maxlines)
{
	size_t left = s ? strlen(s) : 0, cut;
	int n = 0;

	if (width <= 0 || maxlines <= 0)
		return 0;
	while (left && n < maxlines) {
		while (*s == ' ' && left > 1) {
			s++;
			left--;
		}
		if (left <= (size_t)width || n == maxlines - 1) {
			starts[n] = s;
			lens[n++] = left;
			break;
		}
		cut = (size_t)width;
		while (cut > 0 && s[cut] != ' ')
			cut--;
		if (cut == 0)
			cut = (size_t)width;
		starts[n] = s;
		lens[n++] = cut;
		s += cut;
		left -= cut;
	}
	return n;
}
