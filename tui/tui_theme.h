/*
 * The console's look: one attribute per role, chosen once at start-up from
 * what the terminal can do.  With colours (has_colors()) roles get colour
 * pairs; on a monochrome terminal (TERM=vt100, a serial line) they fall back
 * to A_BOLD / A_REVERSE / A_UNDERLINE so every role stays distinguishable.
 * Line drawing always goes through ncurses' ACS_* characters, which
 * ncurses maps to ASCII when the terminal has no line-drawing set.
 * Drawing code takes a const struct tui_theme * and never calls
 * init_pair() or COLOR_PAIR() itself.
 */
#ifndef CROFT_TUI_THEME_H
#define CROFT_TUI_THEME_H

#include <curses.h>

struct tui_theme {
	attr_t normal;      /* body text */
	attr_t title;       /* header bar, screen titles, dialog titles */
	attr_t tab;         /* an inactive tab label */
	attr_t tab_active;  /* the current tab */
	attr_t label;       /* field labels, column headings */
	attr_t selected;    /* the selected row / focused field */
	attr_t input;       /* an editable field that does not have focus */
	attr_t error;       /* error messages */
	attr_t ok;          /* success messages, state "running" */
	attr_t warn;        /* warnings, states "paused", "crashed" */
	attr_t dim;         /* secondary text, state "stopped" */
	attr_t key;         /* key names in the key bar ("F5") */
	attr_t keybar;      /* key descriptions in the key bar */
	attr_t meter;       /* the filled part of a meter */
	int colour;         /* 1 when colours are in use */
};

/* Fill *th for the current terminal; call after initscr()/newterm() and
 * start_color() (when has_colors()).  NO_COLOR in the environment, or
 * mono != 0, forces the monochrome set. */
void tui_theme_init(struct tui_theme *th, int mono);

#endif
