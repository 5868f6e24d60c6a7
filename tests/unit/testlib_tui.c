/*
 * The console's part of the unit tests' harness (testlib_tui.h): a curses
 * screen on /dev/null, the tests' theme, finding drawn text, and driving a
 * form as the console does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib_tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static SCREEN *term_screen;
static FILE *term_out, *term_in;

const struct tui_theme tl_theme = {
	.normal = A_NORMAL, .title = A_BOLD, .tab = A_NORMAL, .tab_active = A_REVERSE,
	.label = A_BOLD, .selected = A_REVERSE, .input = A_UNDERLINE, .error = A_BOLD | A_UNDERLINE,
	.ok = A_BOLD, .warn = A_BOLD | A_REVERSE, .dim = A_DIM, .key = A_REVERSE,
	.keybar = A_NORMAL, .meter = A_BOLD, .colour = 0,
};

int tl_term_open(const char *term)
{
	term_out = fopen("/dev/null", "w");
	term_in = fopen("/dev/null", "r");
	if (term_out && term_in && (term_screen = newterm(term, term_out, term_in)))
		return 0;
	tl_term_close();
	return -1;
}

void tl_term_close(void)
{
	if (term_screen) {
		endwin();
		delscreen(term_screen);
		term_screen = NULL;
	}
	if (term_out)
		fclose(term_out);
	if (term_in)
		fclose(term_in);
	term_out = term_in = NULL;
}

int tl_term_setup(void **state)
{
	(void)state;
	return tl_term_open("xterm-256color");
}

int tl_term_teardown(void **state)
{
	(void)state;
	tl_term_close();
	return 0;
}

int tl_win_find(WINDOW *w, const char *s, int *col)
{
	char buf[512], *p;
	int y, h, wd;

	getmaxyx(w, h, wd);
	(void)wd;
	for (y = 0; y < h; y++) {
		if (mvwinnstr(w, y, 0, buf, sizeof(buf) - 1) == ERR)
			continue;
		if ((p = strstr(buf, s))) {
			if (col)
				*col = (int)(p - buf);
			return y;
		}
	}
	return -1;
}

void tl_form_keys(struct form *f, const char *s)
{
	for (; *s; s++)
		assert_int_equal(form_key(f, (unsigned char)*s), FORM_CONTINUE);
}

void tl_form_focus(struct form *f, size_t id)
{
	size_t guard = 0;

	while (form_focus(f) != id && guard++ < 2 * FORM_MAX_FIELDS)
		form_key(f, '\t');
	if (form_focus(f) != id)
		fail_msg("cannot focus field %s", form_label(f, id));
}

void tl_form_retype(struct form *f, size_t id, const char *s)
{
	tl_form_focus(f, id);
	form_key(f, KEY_END);
	form_key(f, 21);                     /* Ctrl-U */
	assert_string_equal(form_text(f, id), "");
	tl_form_keys(f, s);
	assert_string_equal(form_text(f, id), s);
}

void tl_form_expect_msg(const struct form *f, size_t id, const char *want)
{
	const char *m = form_message(f, id);

	if (!m || !strstr(m, want))
		fail_msg("field %s: message '%s', wanted '%s'", form_label(f, id), m ? m : "(none)",
			 want);
}

void tl_form_cases(struct form *f, const struct tl_form_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct tl_form_case *c = &cases[i];

		tl_form_retype(f, c->id, c->text);
		if (c->msg)
			tl_form_expect_msg(f, c->id, c->msg);
		else if (form_message(f, c->id))
			fail_msg("'%s' in %s: '%s'", c->text, form_label(f, c->id),
				 form_message(f, c->id));
		assert_int_equal(form_has(f, c->id), !c->msg && *c->text);
	}
}

void tl_form_expect_args(const struct form *f, const char *want)
{
	json_t *a = form_args(f), *w = json_loads(want, 0, NULL);
	char *got;

	if (!w)
		fail_msg("bad JSON in test: %s", want);
	if (!a || !json_equal(a, w)) {
		got = a ? json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		fail_msg("args %s, wanted %s", got ? got : "(none)", want);
	}
	json_decref(a);
	json_decref(w);
}
