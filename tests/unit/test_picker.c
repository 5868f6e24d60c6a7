/*
 * Tests of the console's file picker (tui/picker.c, tui/picker_draw.c) on a
 * real directory tree made under mkdtemp(): the order of the listing (".."
 * and folders first, names without regard to case), the ISO and image
 * filters and the show-all toggle, sizes, moving and scrolling, opening
 * folders and going back up, choosing a file, type-ahead, where a picker
 * starts, and directories that cannot be read (a missing one, a file, one
 * removed after listing, and one without permission, checked as an
 * unprivileged user in a child process when the tests run as root).  The
 * drawing is checked in a pad under newterm() on /dev/null.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "tests/unit/testlib_tui.h"
#include "tui/picker.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY_ID 65534

static char root[256];

static void mkfile(const char *name, off_t size)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

static void mkdir_in(const char *name, mode_t mode)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	assert_int_equal(mkdir(path, mode), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static char *in_root(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	return path;
}

static int tree_setup(void **state)
{
	char tmpl[] = "/tmp/croft-picker-XXXXXX", link[PATH_MAX], real[PATH_MAX];

	(void)state;
	if (!mkdtemp(tmpl) || !realpath(tmpl, real) || strlen(real) >= sizeof(root))
		return -1;
	memcpy(root, real, strlen(real) + 1);
	chmod(root, 0755);
	mkdir_in("A_dir", 0755);
	mkdir_in("b_dir", 0755);
	mkdir_in(".hidden_dir", 0755);
	mkdir_in("locked", 0700);
	mkfile("A_dir/inner.iso", 2048);
	mkfile("z.iso", 0);
	mkfile("a.ISO", 10);
	mkfile("big.iso", 1 << 20);
	mkfile("m.qcow2", 0);
	mkfile("n.img", 0);
	mkfile("x.vmdk", 0);
	mkfile("y.VHDX", 0);
	mkfile("notes.txt", 5);
	mkfile(".hidden.iso", 0);
	snprintf(link, sizeof(link), "%s/link_dangling", root);
	if (symlink("/nonexistent/croft-test", link) < 0)
		return -1;
	return 0;
}

static int tree_teardown(void **state)
{
	(void)state;
	return tl_rmtree(root);
}

/* The shown names, joined with spaces. */
static char *names(const struct picker *p)
{
	static char buf[2048];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < picker_count(p); i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, picker_entry_at(p, i)->name);
	}
	return buf;
}

static const char *selected_name(const struct picker *p)
{
	const struct picker_entry *e = picker_entry_at(p, picker_selected(p));

	return e ? e->name : "(none)";
}

static void type(struct picker *p, const char *s)
{
	for (; *s; s++)
		assert_int_equal(picker_key(p, (unsigned char)*s), PICKER_CONTINUE);
}

/* --- listing --------------------------------------------------------------- */

static void test_iso_listing_sorted_and_filtered(void **state)
{
	struct picker *p = picker_new(PICKER_ISO, root);

	(void)state;
	assert_null(picker_error(p));
	assert_string_equal(picker_dir(p), root);
	assert_string_equal(names(p), ".. A_dir b_dir locked a.ISO big.iso z.iso");
	assert_int_equal(picker_selected(p), 0);
	assert_true(picker_entry_at(p, 1)->is_dir);
	assert_false(picker_entry_at(p, 4)->is_dir);
	assert_null(picker_entry_at(p, 7));
	picker_free(p);
}

static void test_image_filter(void **state)
{
	struct picker *p = picker_new(PICKER_IMAGE, root);

	(void)state;
	assert_string_equal(names(p), ".. A_dir b_dir locked m.qcow2 n.img x.vmdk y.VHDX");
	picker_free(p);
}

static void test_any_kind_shows_every_visible_file(void **state)
{
	struct picker *p = picker_new(PICKER_ANY, root);

	(void)state;
	assert_string_equal(names(p), ".. A_dir b_dir locked a.ISO big.iso link_dangling m.qcow2 "
				       "n.img notes.txt x.vmdk y.VHDX z.iso");
	picker_free(p);
}

static void test_show_all_toggle_keeps_selection(void **state)
{
	struct picker *p = picker_new(PICKER_ISO, root);

	(void)state;
	type(p, "big");
	assert_string_equal(selected_name(p), "big.iso");
	assert_int_equal(picker_key(p, '*'), PICKER_CONTINUE);
	assert_true(picker_show_all(p));
	assert_string_equal(names(p), ".. .hidden_dir A_dir b_dir locked .hidden.iso a.ISO big.iso "
				       "link_dangling m.qcow2 n.img notes.txt x.vmdk y.VHDX z.iso");
	assert_string_equal(selected_name(p), "big.iso");
	/* Select a file the filter hides, then filter again: the selection
	 * falls back to the first entry. */
	type(p, "notes");
	assert_string_equal(selected_name(p), "notes.txt");
	assert_int_equal(picker_key(p, KEY_F(2)), PICKER_CONTINUE);
	assert_false(picker_show_all(p));
	assert_string_equal(names(p), ".. A_dir b_dir locked a.ISO big.iso z.iso");
	assert_int_equal(picker_selected(p), 0);
	picker_free(p);
}

static void test_sizes(void **state)
{
	struct picker *p = picker_new(PICKER_ANY, root);
	size_t i;
	int seen = 0;

	(void)state;
	for (i = 0; i < picker_count(p); i++) {
		const struct picker_entry *e = picker_entry_at(p, i);

		if (!strcmp(e->name, "big.iso")) {
			assert_int_equal(e->size, 1 << 20);
			seen++;
		} else if (!strcmp(e->name, "a.ISO")) {
			assert_int_equal(e->size, 10);
			seen++;
		} else if (!strcmp(e->name, "link_dangling")) {
			assert_int_equal(e->size, -1);
			assert_false(e->is_dir);
			seen++;
		} else if (e->is_dir) {
			assert_int_equal(e->size, -1);
		}
	}
	assert_int_equal(seen, 3);
	picker_free(p);
}

/* --- moving ---------------------------------------------------------------- */

/* A key, and where it leaves the selection and the first row shown (-1:
 * not checked), in the ISO view of the tree (7 entries) 3 rows high. */
static const struct move {
	int key, selected, top;
} moves[] = {
	{ KEY_UP, 0, -1 },
	{ KEY_DOWN, -1, -1 },
	{ KEY_DOWN, 2, 0 },
	{ KEY_DOWN, 3, 1 },
	{ KEY_END, 6, 4 },
	{ KEY_DOWN, 6, -1 },
	{ KEY_PPAGE, 3, 3 },
	{ KEY_PPAGE, 0, 0 },
	{ KEY_NPAGE, 3, -1 },
	{ KEY_NPAGE, -1, -1 },
	{ KEY_NPAGE, 6, -1 },
	{ KEY_HOME, 0, 0 },
};

static void test_moving_and_scrolling(void **state)
{
	struct picker *p = picker_new(PICKER_ISO, root);
	size_t i;

	(void)state;
	picker_set_rows(p, 3);
	for (i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		assert_int_equal(picker_key(p, moves[i].key), PICKER_CONTINUE);
		if (moves[i].selected >= 0 && (int)picker_selected(p) != moves[i].selected)
			fail_msg("move %zu: selected %d, not %d", i, (int)picker_selected(p),
				 moves[i].selected);
		if (moves[i].top >= 0 && (int)picker_top(p) != moves[i].top)
			fail_msg("move %zu: top %d, not %d", i, (int)picker_top(p), moves[i].top);
	}
	/* A taller view shows everything from the top. */
	picker_key(p, KEY_END);
	picker_set_rows(p, 20);
	assert_int_equal(picker_top(p), 0);
	picker_free(p);
}

static void test_open_folder_and_go_up(void **state)
{
	struct picker *p = picker_new(PICKER_ISO, root);
	char want[PATH_MAX];

	(void)state;
	type(p, "A");
	assert_string_equal(selected_name(p), "A_dir");
	assert_int_equal(picker_key(p, '\n'), PICKER_CONTINUE);
	snprintf(want, sizeof(want), "%s/A_dir", root);
	assert_string_equal(picker_dir(p), want);
	assert_string_equal(names(p), ".. inner.iso");
	/* Backspace goes up and selects the folder we came from. */
	assert_int_equal(picker_key(p, KEY_BACKSPACE), PICKER_CONTINUE);
	assert_string_equal(picker_dir(p), root);
	assert_string_equal(selected_name(p), "A_dir");
	/* Right opens, Left goes up, Enter on ".." goes up too. */
	picker_key(p, KEY_RIGHT);
	assert_string_equal(picker_dir(p), want);
	picker_key(p, KEY_LEFT);
	assert_string_equal(picker_dir(p), root);
	picker_key(p, KEY_ENTER);
	picker_key(p, KEY_HOME);
	assert_string_equal(selected_name(p), "..");
	picker_key(p, '\r');
	assert_string_equal(picker_dir(p), root);
	picker_key(p, 127);
	assert_string_not_equal(picker_dir(p), root);
	picker_free(p);
}

static void test_choose_file_and_cancel(void **state)
{
	struct picker *p = picker_new(PICKER_ISO, root);
	char want[PATH_MAX];

	(void)state;
	assert_null(picker_chosen(p));
	type(p, "bi");
	assert_string_equal(selected_name(p), "big.iso");
	assert_int_equal(picker_key(p, '\n'), PICKER_PICKED);
	snprintf(want, sizeof(want), "%s/big.iso", root);
	assert_string_equal(picker_chosen(p), want);
	assert_int_equal(picker_key(p, 27), PICKER_CANCEL);
	picker_free(p);
}

static void test_type_ahead(void **state)
{
	struct picker *p = picker_new(PICKER_ISO, root);

	(void)state;
	type(p, "z");
	assert_string_equal(selected_name(p), "z.iso");
	/* A navigation key ends the word; 'b' then finds the first b-name and
	 * pressing it again walks the others, wrapping. */
	picker_key(p, KEY_HOME);
	type(p, "b");
	assert_string_equal(selected_name(p), "b_dir");
	type(p, "b");
	assert_string_equal(selected_name(p), "big.iso");
	type(p, "b");
	assert_string_equal(selected_name(p), "b_dir");
	picker_key(p, KEY_HOME);
	type(p, "LO");
	assert_string_equal(selected_name(p), "locked");
	/* No such name: the selection stays. */
	type(p, "q");
	assert_string_equal(selected_name(p), "locked");
	/* ".." is never a match: '.' finds the first hidden name. */
	picker_key(p, '*');
	picker_key(p, KEY_END);
	type(p, ".");
	assert_string_equal(selected_name(p), ".hidden_dir");
	type(p, "hidden.");
	assert_string_equal(selected_name(p), ".hidden.iso");
	picker_free(p);
}

/* --- where it starts ------------------------------------------------------- */

static void test_start_at_a_file_selects_it(void **state)
{
	struct picker *p = picker_new(PICKER_ISO, in_root("big.iso"));

	(void)state;
	assert_string_equal(picker_dir(p), root);
	assert_string_equal(selected_name(p), "big.iso");
	assert_null(picker_error(p));
	picker_free(p);
	/* A file the filter hides: same folder, first entry. */
	p = picker_new(PICKER_ISO, in_root("notes.txt"));
	assert_string_equal(picker_dir(p), root);
	assert_int_equal(picker_selected(p), 0);
	picker_free(p);
	/* A name not there yet: its folder. */
	p = picker_new(PICKER_ISO, in_root("new.iso"));
	assert_string_equal(picker_dir(p), root);
	picker_free(p);
}

static void test_start_falls_back_to_home(void **state)
{
	char *old = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	struct picker *p;

	(void)state;
	setenv("HOME", root, 1);
	p = picker_new(PICKER_ANY, "relative/path.iso");
	assert_string_equal(picker_dir(p), root);
	assert_null(picker_error(p));
	picker_free(p);
	p = picker_new(PICKER_ANY, NULL);
	assert_string_equal(picker_dir(p), root);
	picker_free(p);
	p = picker_new(PICKER_ANY, "/nonexistent/croft/x.iso");
	assert_string_equal(picker_dir(p), root);
	assert_null(picker_error(p));
	picker_free(p);
	/* No usable HOME: the root directory, which has no "..". */
	setenv("HOME", "relative", 1);
	p = picker_new(PICKER_ANY, "");
	assert_string_equal(picker_dir(p), "/");
	assert_true(picker_count(p) > 0);
	assert_string_not_equal(picker_entry_at(p, 0)->name, "..");
	picker_key(p, KEY_BACKSPACE);
	assert_string_equal(picker_dir(p), "/");
	picker_free(p);
	if (old) {
		setenv("HOME", old, 1);
		free(old);
	} else {
		unsetenv("HOME");
	}
}

/* --- what cannot be read --------------------------------------------------- */

static void test_missing_and_non_directories(void **state)
{
	struct picker *p = picker_new(PICKER_ISO, root);
	char want[PATH_MAX + 64];

	(void)state;
	assert_int_equal(picker_open_dir(p, in_root("notes.txt"), NULL), -ENOTDIR);
	snprintf(want, sizeof(want), "cannot open %s/notes.txt: Not a directory", root);
	assert_string_equal(picker_error(p), want);
	/* The previous listing stays. */
	assert_string_equal(picker_dir(p), root);
	assert_string_equal(names(p), ".. A_dir b_dir locked a.ISO big.iso z.iso");
	assert_int_equal(picker_open_dir(p, in_root("gone"), NULL), -ENOENT);
	snprintf(want, sizeof(want), "cannot open %s/gone: No such file or directory", root);
	assert_string_equal(picker_error(p), want);
	/* A good folder clears the error. */
	assert_int_equal(picker_open_dir(p, root, "z.iso"), 0);
	assert_null(picker_error(p));
	assert_string_equal(selected_name(p), "z.iso");
	picker_free(p);
}

static void test_folder_removed_after_listing(void **state)
{
	struct picker *p;
	char want[PATH_MAX + 64];

	(void)state;
	mkdir_in("short_lived", 0755);
	p = picker_new(PICKER_ISO, root);
	type(p, "sh");
	assert_string_equal(selected_name(p), "short_lived");
	assert_int_equal(rmdir(in_root("short_lived")), 0);
	assert_int_equal(picker_key(p, '\n'), PICKER_CONTINUE);
	snprintf(want, sizeof(want), "cannot open %s/short_lived: No such file or directory", root);
	assert_string_equal(picker_error(p), want);
	assert_string_equal(picker_dir(p), root);
	assert_string_equal(selected_name(p), "short_lived");
	picker_free(p);
}

/* Runs as an unprivileged user (root reads any folder): 0 when the picker
 * reports the locked folder and keeps its place. */

/* '/' starts a typed path: Enter opens a directory, chooses a file, or
 * names what is wrong; Esc goes back to the list. */
static void test_typed_path(void **state)
{
	struct picker *p = picker_new(PICKER_ISO, root);
	char want[PATH_MAX];

	(void)state;
	type(p, "/");
	assert_string_equal(picker_typed(p), "/");
	type(p, root + 1);
	type(p, "/A_dir");
	assert_int_equal(picker_key(p, '\n'), PICKER_CONTINUE);
	assert_null(picker_typed(p));
	snprintf(want, sizeof(want), "%s/A_dir", root);
	assert_string_equal(picker_dir(p), want);
	type(p, "/nonexistent.iso");
	assert_int_equal(picker_key(p, '\n'), PICKER_CONTINUE);
	assert_non_null(strstr(picker_error(p), "/nonexistent.iso: No such file or directory"));
	type(p, "/x");
	assert_int_equal(picker_key(p, 27), PICKER_CONTINUE);     /* back to the list */
	assert_null(picker_typed(p));
	type(p, "/");
	type(p, root + 1);
	type(p, "/z.iso");
	assert_int_equal(picker_key(p, '\n'), PICKER_PICKED);
	snprintf(want, sizeof(want), "%s/z.iso", root);
	assert_string_equal(picker_chosen(p), want);
	picker_free(p);
}

/* With no start: where the last choice of the kind was made, else
 * croftd's directories (its iso directory, its default pool). */
static void test_defaults_and_last_dir(void **state)
{
	struct picker *p;
	char want[PATH_MAX];

	(void)state;
	/* test_typed_path chose z.iso in root */
	p = picker_new(PICKER_ISO, NULL);
	assert_string_equal(picker_dir(p), root);
	picker_free(p);
	mkdir_in("state", 0755);
	mkdir_in("state/pools", 0755);
	mkdir_in("state/pools/default", 0755);
	picker_set_state_dir(in_root("state"));
	p = picker_new(PICKER_IMAGE, "");
	snprintf(want, sizeof(want), "%s/state/pools/default", root);
	assert_string_equal(picker_dir(p), want);
	picker_free(p);
	picker_set_state_dir(NULL);
}

static int locked_checks(void)
{
	char want[PATH_MAX + 64];
	struct picker *p;
	int bad = 0;

	p = picker_new(PICKER_ISO, root);
	type(p, "lo");
	if (picker_key(p, '\n') != PICKER_CONTINUE)
		bad |= 1;
	snprintf(want, sizeof(want), "cannot open %s/locked: Permission denied", root);
	if (!picker_error(p) || strcmp(picker_error(p), want))
		bad |= 2;
	if (strcmp(picker_dir(p), root) || strcmp(selected_name(p), "locked"))
		bad |= 4;
	picker_free(p);
	/* Starting inside it: the error stays visible over the fallback. */
	setenv("HOME", root, 1);
	p = picker_new(PICKER_ANY, in_root("locked"));
	if (!picker_error(p) || strcmp(picker_error(p), want))
		bad |= 8;
	if (strcmp(picker_dir(p), root))
		bad |= 16;
	picker_free(p);
	return bad;
}

static void test_permission_denied(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	if (geteuid() != 0) {
		assert_int_equal(locked_checks(), 0);
		return;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(NOBODY_ID) < 0 || setuid(NOBODY_ID) < 0)
			_exit(100);
		_exit(locked_checks());
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st))
		fail_msg("locked folder checks failed as uid %d: code %d", NOBODY_ID, WEXITSTATUS(st));
}

/* --- drawing ---------------------------------------------------------------- */

static int row_has(WINDOW *w, int y, const char *s)
{
	char buf[512];

	if (mvwinnstr(w, y, 0, buf, sizeof(buf) - 1) == ERR)
		return 0;
	return strstr(buf, s) != NULL;
}

static void draw_at(int rows, int cols)
{
	struct picker *p = picker_new(PICKER_ISO, root);
	WINDOW *pad = newpad(rows, cols);
	int y, cy, cx;

	assert_non_null(pad);
	type(p, "big");
	picker_draw(p, pad, &tl_theme);
	getyx(pad, cy, cx);
	assert_true(tl_win_find(pad, "Choose an ISO image", NULL) >= 0);
	assert_true(tl_win_find(pad, root, NULL) >= 0);
	assert_true(tl_win_find(pad, "A_dir/", NULL) >= 0);
	y = tl_win_find(pad, "big.iso", NULL);
	assert_true(y >= 0);
	assert_true(row_has(pad, y, "1M"));
	assert_true(tl_win_find(pad, "Folders and ISO images", NULL) >= 0);
	assert_true(tl_win_find(pad, "Esc cancel", NULL) >= 0);
	/* The selected row is drawn in the selection attribute. */
	assert_int_equal(cy, y);
	assert_true(mvwinch(pad, y, cx) & A_REVERSE);
	/* An error replaces the filter line. */
	picker_open_dir(p, in_root("gone"), NULL);
	werase(pad);
	picker_draw(p, pad, &tl_theme);
	assert_true(tl_win_find(pad, "No such file or directory", NULL) >= 0);
	assert_int_equal(tl_win_find(pad, "Folders and ISO images", NULL), -1);
	delwin(pad);
	picker_free(p);
}

static void test_draw(void **state)
{
	WINDOW *pad;
	struct picker *p;

	(void)state;
	assert_int_equal(tl_term_open("vt100"), 0);
	draw_at(24, 80);
	draw_at(20, 80);
	draw_at(60, 200);
	/* A long list scrolls with the selection; a tiny window is clipped. */
	p = picker_new(PICKER_ANY, "/usr/bin");
	pad = newpad(20, 80);
	picker_key(p, KEY_END);
	picker_draw(p, pad, &tl_theme);
	assert_true(picker_top(p) > 0);
	assert_true(tl_win_find(pad, picker_entry_at(p, picker_count(p) - 1)->name, NULL) >= 0);
	delwin(pad);
	pad = newpad(5, 12);
	picker_draw(p, pad, &tl_theme);
	delwin(pad);
	picker_free(p);
	tl_term_close();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_listing_sorted_and_filtered),
		cmocka_unit_test(test_image_filter),
		cmocka_unit_test(test_any_kind_shows_every_visible_file),
		cmocka_unit_test(test_show_all_toggle_keeps_selection),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_moving_and_scrolling),
		cmocka_unit_test(test_open_folder_and_go_up),
		cmocka_unit_test(test_choose_file_and_cancel),
		cmocka_unit_test(test_type_ahead),
		cmocka_unit_test(test_start_at_a_file_selects_it),
		cmocka_unit_test(test_start_falls_back_to_home),
		cmocka_unit_test(test_missing_and_non_directories),
		cmocka_unit_test(test_folder_removed_after_listing),
		cmocka_unit_test(test_permission_denied),
		cmocka_unit_test(test_draw),
		cmocka_unit_test(test_typed_path),
		cmocka_unit_test(test_defaults_and_last_dir),
	};

	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}
