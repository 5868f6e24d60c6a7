/*
 * Tests for the form engine (tui/form.c, form_keys.c, form_draw.c) with a
 * form spec of its own that has every field type: text (required, with a
 * check), number (a range), size (bytes, and whole MiB), choice (fixed
 * with a label hook and a choice that may not be picked, and set per
 * form), path (with FORM_KEEP and the picker), a field that does not
 * always apply and a read-only one.  Keys go in as the console passes
 * them; the outcome is read from the messages, the parsed values, the
 * default args and croftd's refusal focusing its field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "tests/unit/testlib_tui.h"
#include "tui/form.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_NAME, F_COUNT, F_DISK, F_MEM, F_COLOUR, F_PICK, F_FILE, F_EXTRA, F_FIXED, F_N };

static char *dir, *file;

static int check_name(struct form *f, size_t id, char *msg, size_t len)
{
	if (strchr(form_text(f, id), ' ')) {
		err_set(msg, len, "name '%s' has a space", form_text(f, id));
		return -EINVAL;
	}
	return 0;
}

/* memory against the count: a cross-field rule */
static int check_mem(struct form *f, size_t id, char *msg, size_t len)
{
	if (*form_text(f, id) && form_has(f, F_COUNT) &&
	    form_size(f, id) < (uint64_t)form_number(f, F_COUNT)) {
		err_set(msg, len, "mem (%lluM) is below count (%lld)",
			(unsigned long long)form_size(f, id), form_number(f, F_COUNT));
		return -EINVAL;
	}
	return 0;
}

static const char *colour_label(const struct form *f, size_t k, char *buf, size_t len)
{
	static const char *const words[] = { "Red", "Green", "Blue", "Grey" };

	(void)f;
	snprintf(buf, len, "%s", words[k]);
	return buf;
}

/* grey only with a count of 7 */
static int colour_ok(const struct form *f, size_t k)
{
	return k != 3 || form_number(f, F_COUNT) == 7;
}

static const char *extra_why(const struct form *f)
{
	return form_chosen(f, F_COLOUR) == 2 ? "n/a: blue has no extra" : NULL;
}

static const char *const colours[] = { "red", "green", "blue", "grey", NULL };
static const char *const w_name[] = { "name", "a thing named", NULL };
static const char *const w_count[] = { "count", NULL };
static const char *const w_mem[] = { "mem", "memory", NULL };
static const char *const w_file[] = { "file", NULL };

static const struct form_field fields[F_N] = {
	[F_NAME] = { .label = "Name", .key = "name", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
		     .what = "name", .placeholder = "e.g. x", .check = check_name, .words = w_name },
	[F_COUNT] = { .label = "Count", .key = "count", .kind = FORM_NUMBER, .flags = FORM_REQUIRED,
		      .what = "count", .lo = 1, .hi = 10, .words = w_count },
	[F_DISK] = { .label = "Disk", .key = "disk", .kind = FORM_SIZE, .what = "disk" },
	[F_MEM] = { .label = "Mem", .kind = FORM_SIZE, .flags = FORM_MIB, .what = "mem",
		    .check = check_mem, .words = w_mem },
	[F_COLOUR] = { .label = "Colour", .key = "colour", .kind = FORM_CHOICE, .choices = colours,
		       .choice_label = colour_label, .choice_ok = colour_ok },
	[F_PICK] = { .label = "Pick", .key = "pick", .kind = FORM_CHOICE },
	[F_FILE] = { .label = "File", .key = "file", .kind = FORM_PATH, .flags = FORM_KEEP,
		     .what = "image", .picker = PICKER_ANY, .words = w_file },
	[F_EXTRA] = { .label = "Extra", .key = "extra", .kind = FORM_TEXT, .why_not = extra_why },
	[F_FIXED] = { .label = "Fixed", .key = "fixed", .kind = FORM_TEXT },
};

static void free_ctx(void *p)
{
	free(p);
}

static const struct form_spec spec = {
	.title = "Thing on %s", .note = "a note", .op = "thing.add", .submit = "add",
	.subject_key = "on", .fields = fields, .n = F_N, .free_ctx = free_ctx,
};

static const char *const picks[] = { "alpha", "beta", "bravo" };

static struct form *new_form(void)
{
	struct form *f = form_new(&spec, "lab");

	form_set_ctx(f, xstrdup("owned"));
	form_set_choices(f, F_PICK, picks, 3);
	form_set_text(f, F_FIXED, "kept");
	form_set_readonly(f, F_FIXED, 1);
	form_ready(f);
	return f;
}

static int setup(void **state)
{
	(void)state;
	dir = tl_tmpdir("form");
	if (!dir)
		return -1;
	file = tl_path(dir, "disk.img");
	return tl_write_file(file, "x");
}

static int teardown(void **state)
{
	(void)state;
	tl_rmtree(dir);
	free(dir);
	free(file);
	return 0;
}

static void test_setup_and_reading(void **state)
{
	struct form *f = new_form();
	char buf[64];

	(void)state;
	assert_string_equal(form_title(f), "Thing on lab");
	assert_string_equal(form_subject(f), "lab");
	assert_string_equal(form_op(f), "thing.add");
	assert_string_equal(form_note(f, NULL), "a note");
	assert_int_equal(form_nfields(f), F_N);
	assert_int_equal(form_kind(f, F_DISK), FORM_SIZE);
	assert_int_equal(form_focus(f), F_NAME);
	assert_string_equal(form_placeholder(f, F_NAME), "e.g. x");
	assert_int_equal(form_nchoices(f, F_COLOUR), 4);
	assert_int_equal(form_nchoices(f, F_PICK), 3);
	assert_int_equal(form_nchoices(f, F_NAME), 0);
	assert_string_equal(form_choice(f, F_PICK, 2), "bravo");
	assert_string_equal(form_choice(f, F_PICK, 3), "");
	assert_string_equal(form_choice_label(f, F_COLOUR, 1, buf, sizeof(buf)), "Green");
	assert_string_equal(form_choice_label(f, F_PICK, 1, buf, sizeof(buf)), "beta");
	assert_int_equal(form_choose(f, F_PICK, "beta"), 0);
	assert_int_equal(form_chosen(f, F_PICK), 1);
	assert_int_equal(form_choose(f, F_PICK, "gamma"), -ENOENT);
	assert_true(form_readonly(f, F_FIXED));
	assert_false(form_active(f, F_FIXED));
	assert_string_equal(form_label(f, 99), "");
	assert_null(form_message(f, 99));
	assert_string_equal(form_ctx(f), "owned");
	form_set_note(f, "careful", 1);
	{
		int warn = 0;

		assert_string_equal(form_note(f, &warn), "careful");
		assert_true(warn);
	}
	form_free(f);
	form_free(NULL);
}

/* Each type's rules, in the CLI's and croftd's words: a value typed into a
 * field, and the message it shows (NULL: none). */
static void test_types(void **state)
{
	static const struct tl_form_case cases[] = {
		{ F_NAME, "a b", "name 'a b' has a space" },
		{ F_NAME, "ab", NULL },
		{ F_COUNT, "x1", "count needs a number, got 'x1'" },
		{ F_COUNT, "11", "count must be between 1 and 10, not 11" },
		{ F_COUNT, "99999999999999999999999", "must be between 1 and 10" },
		{ F_COUNT, "7", NULL },
		{ F_DISK, "G", "disk: size 'G' must start with a digit (e.g. 512M, 2G)" },
		{ F_DISK, "", NULL },
		{ F_DISK, "2G", NULL },
		{ F_MEM, "1000K", "mem: size '1000K' is not a whole number of MiB" },
		/* a check that reads an earlier field */
		{ F_MEM, "4M", "mem (4M) is below count (7)" },
		{ F_MEM, "1G", NULL },
		{ F_FILE, "rel.img", "image path 'rel.img' must be absolute" },
		{ F_FILE, "/nonexistent/x.img", "image '/nonexistent/x.img' does not exist" },
		{ F_FILE, "/", "image '/' is not a regular file" },
	};
	struct form *f = new_form();

	(void)state;
	/* required and empty: quiet until a submit */
	assert_null(form_message(f, F_NAME));
	assert_null(form_message(f, F_COUNT));
	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	assert_int_equal(form_focus(f), F_NAME);
	tl_form_expect_msg(f, F_NAME, "name is empty");
	tl_form_expect_msg(f, F_COUNT, "count needs a number (1-10)");
	tl_form_cases(f, cases, sizeof(cases) / sizeof(cases[0]));
	/* the parsed values */
	assert_int_equal(form_number(f, F_COUNT), 7);
	assert_int_equal(form_size(f, F_DISK), 2ULL << 30);
	assert_int_equal(form_size(f, F_MEM), 1024);
	tl_form_retype(f, F_FILE, file);
	assert_true(form_has(f, F_FILE));
	assert_int_equal(form_key(f, '\r'), FORM_SUBMIT);
	form_free(f);
}

/* A value the form was opened with is not judged (vm.edit checks only
 * what it is given). */
static void test_keep(void **state)
{
	struct form *f = form_new(&spec, "lab");

	(void)state;
	form_set_text(f, F_FILE, "/gone/old.img");
	form_ready(f);
	assert_null(form_message(f, F_FILE));
	assert_true(form_has(f, F_FILE));
	tl_form_retype(f, F_FILE, "/gone/new.img");
	assert_non_null(form_message(f, F_FILE));
	tl_form_retype(f, F_FILE, "/gone/old.img");
	assert_null(form_message(f, F_FILE));
	form_free(f);
}

static void test_choices(void **state)
{
	struct form *f = new_form();

	(void)state;
	tl_form_retype(f, F_COUNT, "3");
	tl_form_focus(f, F_COLOUR);
	assert_int_equal(form_chosen(f, F_COLOUR), 0);
	form_key(f, ' ');
	assert_int_equal(form_chosen(f, F_COLOUR), 1);
	form_key(f, KEY_RIGHT);
	/* grey may not be picked with a count of 3: Right wraps to red */
	form_key(f, KEY_RIGHT);
	assert_int_equal(form_chosen(f, F_COLOUR), 0);
	assert_false(form_choice_ok(f, F_COLOUR, 3));
	form_key(f, KEY_LEFT);
	assert_int_equal(form_chosen(f, F_COLOUR), 2);
	/* a letter picks by the words shown */
	tl_form_keys(f, "g");
	assert_int_equal(form_chosen(f, F_COLOUR), 1);
	tl_form_keys(f, "z");
	assert_int_equal(form_chosen(f, F_COLOUR), 1);
	/* typing does not reach a choice */
	form_key(f, KEY_BACKSPACE);
	assert_int_equal(form_chosen(f, F_COLOUR), 1);
	tl_form_focus(f, F_PICK);
	tl_form_keys(f, "b");
	assert_string_equal(form_choice(f, F_PICK, form_chosen(f, F_PICK)), "beta");
	tl_form_keys(f, "b");
	assert_string_equal(form_choice(f, F_PICK, form_chosen(f, F_PICK)), "bravo");
	tl_form_keys(f, "b");
	assert_string_equal(form_choice(f, F_PICK, form_chosen(f, F_PICK)), "beta");
	form_free(f);
}

/* What does not apply and what is read-only: not focused, not checked,
 * not sent. */
static void test_focus_and_args(void **state)
{
	struct form *f = new_form();
	size_t i;

	(void)state;
	tl_form_keys(f, "n1");
	tl_form_retype(f, F_COUNT, "2");
	tl_form_retype(f, F_EXTRA, "more");
	for (i = 0; i < 3 * F_N; i++) {
		form_key(f, i % 2 ? KEY_DOWN : '\t');
		assert_true(form_active(f, form_focus(f)));
	}
	tl_form_expect_args(f, "{\"on\":\"lab\",\"name\":\"n1\",\"count\":2,\"colour\":\"red\","
		       "\"pick\":\"alpha\",\"extra\":\"more\"}");
	/* blue: Extra does not apply */
	tl_form_focus(f, F_COLOUR);
	form_key(f, KEY_LEFT);              /* red, back past grey to blue */
	assert_string_equal(form_why_not(f, F_EXTRA), "n/a: blue has no extra");
	assert_false(form_active(f, F_EXTRA));
	form_key(f, '\t');
	assert_int_equal(form_focus(f), F_PICK);
	form_key(f, '\t');
	form_key(f, '\t');
	assert_int_equal(form_focus(f), F_NAME);
	form_key(f, KEY_BTAB);
	form_key(f, KEY_UP);
	assert_int_equal(form_focus(f), F_PICK);
	tl_form_retype(f, F_DISK, "1M");
	tl_form_expect_args(f, "{\"on\":\"lab\",\"name\":\"n1\",\"count\":2,\"disk\":\"1M\","
		       "\"colour\":\"blue\",\"pick\":\"alpha\"}");
	/* an invalid field: no args, Enter focuses it */
	tl_form_retype(f, F_COUNT, "0");
	tl_form_focus(f, F_PICK);
	assert_null(form_args(f));
	assert_int_equal(form_key(f, KEY_ENTER), FORM_CONTINUE);
	assert_int_equal(form_focus(f), F_COUNT);
	assert_int_equal(form_key(f, 27), FORM_CANCEL);
	form_free(f);
}

static void test_refusal(void **state)
{
	struct form *f = new_form();

	(void)state;
	tl_form_keys(f, "n1");
	tl_form_retype(f, F_COUNT, "2");
	tl_form_focus(f, F_PICK);
	form_set_error(f, "a thing named 'n1' already exists");
	assert_string_equal(form_server_error(f), "a thing named 'n1' already exists");
	assert_int_equal(form_focus(f), F_NAME);
	/* the earliest word wins; on a tie, the longer one */
	assert_int_equal(form_field_of_message(f, "count 2 is too much for the file"), F_COUNT);
	assert_int_equal(form_field_of_message(f, "memory (9G) exceeds the host"), F_MEM);
	assert_int_equal(form_field_of_message(f, "the file is gone; count again"), F_FILE);
	assert_int_equal(form_field_of_message(f, "nothing to see"), -1);
	assert_int_equal(form_field_of_message(f, NULL), -1);
	/* about nothing: the focus stays */
	form_set_error(f, "croftd is busy");
	assert_int_equal(form_focus(f), F_NAME);
	/* typing clears it, the input stays */
	tl_form_keys(f, "x");
	assert_null(form_server_error(f));
	assert_string_equal(form_text(f, F_NAME), "n1x");
	form_set_error(f, "x");
	form_set_error(f, NULL);
	assert_null(form_server_error(f));
	form_free(f);
}

static void test_editing_and_help(void **state)
{
	struct form *f = new_form();
	char help[160];
	int i;

	(void)state;
	tl_form_keys(f, "wb");
	form_key(f, KEY_LEFT);
	tl_form_keys(f, "e");
	assert_string_equal(form_text(f, F_NAME), "web");
	assert_int_equal(form_cursor(f, F_NAME), 2);
	form_key(f, KEY_HOME);
	form_key(f, KEY_DC);
	form_key(f, 5);                      /* Ctrl-E */
	form_key(f, 127);
	assert_string_equal(form_text(f, F_NAME), "e");
	form_key(f, 1);                      /* Ctrl-A */
	tl_form_keys(f, "xy");
	form_key(f, KEY_LEFT);
	form_key(f, 11);                     /* Ctrl-K */
	assert_string_equal(form_text(f, F_NAME), "x");
	form_key(f, 0x263a);                 /* not ASCII */
	form_key(f, KEY_F(5));
	assert_string_equal(form_text(f, F_NAME), "x");
	assert_string_equal(form_help(f, help, sizeof(help)),
			    "Tab/Down/Up move  Enter add  Esc cancel");
	tl_form_focus(f, F_COLOUR);
	assert_string_equal(form_help(f, help, sizeof(help)),
			    "Tab/Down/Up move  Space/Left/Right change  Enter add  Esc cancel");
	tl_form_focus(f, F_FILE);
	assert_string_equal(form_help(f, help, sizeof(help)),
			    "Tab/Down/Up move  Enter add  Esc cancel  F3/Ctrl-O browse");
	/* the text is bounded */
	for (i = 0; i < FORM_TEXT_MAX + 10; i++)
		form_key(f, 'a');
	assert_int_equal(strlen(form_text(f, F_FILE)), FORM_TEXT_MAX - 1);
	form_free(f);
}

static void test_picker(void **state)
{
	struct form *f = new_form();
	char start[600];

	(void)state;
	form_key(f, KEY_F(3));               /* not a path: nothing */
	assert_null(form_picker(f));
	snprintf(start, sizeof(start), "%s/", dir);
	tl_form_retype(f, F_FILE, start);
	form_key(f, 15);                     /* Ctrl-O */
	assert_non_null(form_picker(f));
	assert_string_equal(picker_dir(form_picker(f)), dir);
	/* Esc closes the picker, not the form */
	assert_int_equal(form_key(f, 27), FORM_CONTINUE);
	assert_null(form_picker(f));
	form_key(f, KEY_F(3));
	tl_form_keys(f, "d");
	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	assert_null(form_picker(f));
	assert_string_equal(form_text(f, F_FILE), file);
	assert_null(form_message(f, F_FILE));
	form_free(f);
}

/* --- drawing -------------------------------------------------------------------- */

static void test_draw(void **state)
{
	WINDOW *pad;
	struct form *f = new_form();
	int y, x, cy, cx;

	(void)state;
	pad = newpad(21, 80);
	tl_form_keys(f, "a b");
	form_draw(f, pad, &tl_theme);
	getyx(pad, cy, cx);                   /* before reading moves it */
	assert_true(tl_win_find(pad, "Thing on lab", NULL) >= 0);
	assert_true(tl_win_find(pad, "a note", NULL) >= 0);
	/* every label, in order, one row each */
	for (y = 1; y < F_N; y++)
		assert_true(tl_win_find(pad, form_label(f, (size_t)y), NULL) >
			    tl_win_find(pad, form_label(f, (size_t)y - 1), NULL));
	assert_true(tl_win_find(pad, "(*) Red  ( ) Green  ( ) Blue", NULL) >= 0);
	assert_int_equal(tl_win_find(pad, "Grey", NULL), -1);      /* may not be picked */
	assert_true(tl_win_find(pad, "name 'a b' has a space", NULL) >= 0);
	y = tl_win_find(pad, "Name", &x);
	assert_int_equal((char)(mvwinch(pad, y, x + 15) & A_CHARTEXT), '!');
	/* the read-only field shows its value, dim */
	y = tl_win_find(pad, "kept", &x);
	assert_true(mvwinch(pad, y, x) & A_DIM);
	/* the cursor is left at the insertion point */
	y = tl_win_find(pad, "a b", &x);
	assert_int_equal(cy, y);
	assert_int_equal(cx, x + 3);
	/* a field out of play says why */
	tl_form_focus(f, F_COLOUR);
	form_key(f, KEY_LEFT);
	werase(pad);
	form_draw(f, pad, &tl_theme);
	assert_true(tl_win_find(pad, "n/a: blue has no extra", NULL) >= 0);
	assert_true(tl_win_find(pad, "Space/Left/Right change  Enter add", NULL) >= 0);
	form_set_error(f, "a thing named 'x' already exists");
	werase(pad);
	form_draw(f, pad, &tl_theme);
	assert_true(tl_win_find(pad, "a thing named 'x' already exists", NULL) >= 0);
	delwin(pad);
	pad = newpad(6, 30);                  /* clipped, no crash */
	form_draw(f, pad, &tl_theme);
	delwin(pad);
	form_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_and_reading),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_choices),
		cmocka_unit_test(test_focus_and_args),
		cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_editing_and_help),
		cmocka_unit_test(test_picker),
		cmocka_unit_test_setup_teardown(test_draw, tl_term_setup, tl_term_teardown),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
