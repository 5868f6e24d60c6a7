/*
 * The curses part of the unit tests' harness (testlib.h; the code is in
 * testlib.c), apart so that tests that draw nothing do not get curses'
 * macros: a screen on /dev/null to draw pads and windows under, the
 * monochrome theme drawing tests use (each role its own attributes, so a
 * test can tell them apart), and finding text in what was drawn.
 */
#ifndef CROFT_TESTLIB_TERM_H
#define CROFT_TESTLIB_TERM_H

#include <curses.h>

#include "tui/tui_theme.h"

/* newterm() of terminal type term on /dev/null: 0, or -1. */
int tl_term_open(const char *term);
void tl_term_close(void);
/* The same as a cmocka setup and teardown, with xterm-256color. */
int tl_term_setup(void **state);
int tl_term_teardown(void **state);

extern const struct tui_theme tl_theme;

/* The first row of w that holds s, or -1; s's column into *col (may be
 * NULL).  Reading moves w's cursor. */
int tl_win_find(WINDOW *w, const char *s, int *col);

#endif
