/*
 * The console's part of the unit tests' harness (testlib.h; the code is in
 * testlib_tui.c), apart so that tests that draw nothing do not get curses'
 * macros: a screen on /dev/null to draw pads and windows under, the
 * monochrome theme drawing tests use (each role its own attributes, so a
 * test can tell them apart), finding text in what was drawn, and driving
 * a form (tui/form.h) as the console does.
 */
#ifndef CROFT_TESTLIB_TUI_H
#define CROFT_TESTLIB_TUI_H

#include <curses.h>
#include <stddef.h>

#include "tui/form.h"
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

/* Each byte of s as a key; each must answer FORM_CONTINUE. */
void tl_form_keys(struct form *f, const char *s);
/* Tab to field id; fails the test when the focus never gets there. */
void tl_form_focus(struct form *f, size_t id);
/* Focus field id, empty it (End, Ctrl-U) and type s. */
void tl_form_retype(struct form *f, size_t id, const char *s);
/* Field id shows a message that contains want. */
void tl_form_expect_msg(const struct form *f, size_t id, const char *want);
/* A value typed into a field and the message it then shows (NULL: none;
 * the message need only contain it). */
struct tl_form_case {
	size_t id;
	const char *text, *msg;
};
/* Each case in turn: tl_form_retype(), then its message, and a parsed
 * value (form_has()) exactly when there is no message and some text. */
void tl_form_cases(struct form *f, const struct tl_form_case *cases, size_t n);
/* form_args() is the JSON text want. */
void tl_form_expect_args(const struct form *f, const char *want);

#endif
