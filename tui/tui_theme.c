/*
 * The console's roles and their attributes.  With colours, each role is a
 * colour pair on the terminal's default background (use_default_colors)
 * plus bold where it helps; without (TERM=vt100, NO_COLOR), roles map to
 * bold, reverse, underline and dim so each stays distinguishable, and the
 * selected row is always reverse video.
 */
#include "tui/tui_theme.h"

#include <stdlib.h>
#include <string.h>

enum {
	PAIR_TITLE = 1, PAIR_TAB, PAIR_TAB_ACTIVE, PAIR_LABEL, PAIR_SELECTED, PAIR_INPUT,
	PAIR_ERROR, PAIR_OK, PAIR_WARN, PAIR_DIM, PAIR_KEY, PAIR_KEYBAR, PAIR_METER,
};

static const struct {
	short pair, fg, bg;
} pairs[] = {
	{ PAIR_TITLE, COLOR_BLACK, COLOR_CYAN },
	{ PAIR_TAB, COLOR_BLACK, COLOR_CYAN },
	{ PAIR_TAB_ACTIVE, COLOR_WHITE, COLOR_BLUE },
	{ PAIR_LABEL, COLOR_BLACK, COLOR_GREEN },
	{ PAIR_SELECTED, COLOR_BLACK, COLOR_CYAN },
	{ PAIR_INPUT, COLOR_BLACK, COLOR_WHITE },
	{ PAIR_ERROR, COLOR_RED, -1 },
	{ PAIR_OK, COLOR_GREEN, -1 },
	{ PAIR_WARN, COLOR_YELLOW, -1 },
	{ PAIR_DIM, COLOR_BLUE, -1 },
	{ PAIR_KEY, COLOR_WHITE, -1 },
	{ PAIR_KEYBAR, COLOR_BLACK, COLOR_CYAN },
	{ PAIR_METER, COLOR_GREEN, -1 },
};

static void mono(struct tui_theme *th)
{
	memset(th, 0, sizeof(*th));
	th->normal = A_NORMAL;
	th->title = A_REVERSE;
	th->tab = A_REVERSE;
	th->tab_active = A_BOLD | A_UNDERLINE;
	th->label = A_BOLD | A_UNDERLINE;
	th->selected = A_REVERSE;
	th->input = A_UNDERLINE;
	th->error = A_BOLD;
	th->ok = A_NORMAL;
	th->warn = A_BOLD;
	th->dim = A_NORMAL;
	th->key = A_BOLD;
	th->keybar = A_REVERSE;
	th->meter = A_BOLD;
	th->colour = 0;
}

void tui_theme_init(struct tui_theme *th, int force_mono)
{
	const char *no_color = getenv("NO_COLOR");
	int defaults;
	size_t i;

	mono(th);
	if (force_mono || (no_color && *no_color) || !has_colors() || COLORS < 8 ||
	    COLOR_PAIRS < (int)(sizeof(pairs) / sizeof(pairs[0])) + 1)
		return;
	/* without default colours, -1 is not a colour: use black */
	defaults = use_default_colors() == OK;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		short bg = pairs[i].bg;

		if (bg < 0 && !defaults)
			bg = COLOR_BLACK;
		init_pair(pairs[i].pair, pairs[i].fg, bg);
	}
	th->title = COLOR_PAIR(PAIR_TITLE);
	th->tab = COLOR_PAIR(PAIR_TAB);
	th->tab_active = COLOR_PAIR(PAIR_TAB_ACTIVE) | A_BOLD;
	th->label = COLOR_PAIR(PAIR_LABEL);
	th->selected = COLOR_PAIR(PAIR_SELECTED) | A_BOLD;
	th->input = COLOR_PAIR(PAIR_INPUT);
	th->error = COLOR_PAIR(PAIR_ERROR) | A_BOLD;
	th->ok = COLOR_PAIR(PAIR_OK);
	th->warn = COLOR_PAIR(PAIR_WARN) | A_BOLD;
	th->dim = COLOR_PAIR(PAIR_DIM) | A_BOLD;
	th->key = COLOR_PAIR(PAIR_KEY) | A_BOLD;
	th->keybar = COLOR_PAIR(PAIR_KEYBAR);
	th->meter = COLOR_PAIR(PAIR_METER) | A_BOLD;
	th->colour = 1;
}
