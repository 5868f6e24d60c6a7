/*
 * Tests for the console's key tables (tui/console_keys.c): lookup, key
 * names, the htop-style key bar at several widths, and the help text,
 * which must list every key of every screen's table (so it can never be
 * stale), the global keys, the screens' hotkeys and the form's keys.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/console_screen.h"
#include "tests/unit/testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hits;

static void fn_a(struct console *c, void *st)
{
	(void)c;
	(void)st;
	hits++;
}

static const struct console_key table[] = {
	{ { 's', KEY_F(5) }, "Start", "start it", fn_a },
	{ { 'x', KEY_DC, KEY_F(8) }, "Delete", "delete it", fn_a },
	{ { '\n', '\r', KEY_ENTER, 'c' }, NULL, "console", fn_a },
	{ { 'o' }, "Sort", "sort", fn_a },
	{ { 0 }, NULL, NULL, NULL },
};

static const struct console_key global[] = {
	{ { '?', KEY_F(1) }, "Help", "help", fn_a },
	{ { 'q', KEY_F(10) }, "Quit", "quit", fn_a },
	{ { 0 }, NULL, NULL, NULL },
};

static void test_find(void **state)
{
	(void)state;
	assert_ptr_equal(ckey_find(table, 's'), &table[0]);
	assert_ptr_equal(ckey_find(table, KEY_F(5)), &table[0]);
	assert_ptr_equal(ckey_find(table, KEY_DC), &table[1]);
	assert_ptr_equal(ckey_find(table, KEY_ENTER), &table[2]);
	assert_ptr_equal(ckey_find(table, 'c'), &table[2]);
	assert_null(ckey_find(table, 'z'));
	assert_null(ckey_find(table, 0));
	assert_null(ckey_find(NULL, 's'));
	ckey_find(table, 'o')->fn(NULL, NULL);
	assert_int_equal(hits, 1);
}

static void test_names(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(ckey_name(KEY_F(5), buf, sizeof(buf)), "F5");
	assert_string_equal(ckey_name(KEY_F(10), buf, sizeof(buf)), "F10");
	assert_string_equal(ckey_name('\n', buf, sizeof(buf)), "Enter");
	assert_string_equal(ckey_name(27, buf, sizeof(buf)), "Esc");
	assert_string_equal(ckey_name(KEY_BTAB, buf, sizeof(buf)), "Shift-Tab");
	assert_string_equal(ckey_name(KEY_DC, buf, sizeof(buf)), "Delete");
	assert_string_equal(ckey_name(KEY_NPAGE, buf, sizeof(buf)), "PgDn");
	assert_string_equal(ckey_name(0x1d, buf, sizeof(buf)), "Ctrl-]");
	assert_string_equal(ckey_name(15, buf, sizeof(buf)), "Ctrl-O");
	assert_string_equal(ckey_name('/', buf, sizeof(buf)), "/");
	assert_string_equal(ckey_names(&table[1], buf, sizeof(buf)), "x Delete F8");
	/* Enter three ways is named once */
	assert_string_equal(ckey_names(&table[2], buf, sizeof(buf)), "Enter c");
}

static void test_bar(void **state)
{
	const struct console_key *tables[2] = { global, table };
	struct ckey_bar_item it[16];
	size_t n;

	(void)state;
	n = ckey_bar(tables, 2, 200, it, 16);
	assert_int_equal(n, 5);
	/* by F-key number, then keys without one */
	assert_string_equal(it[0].key, "F1");
	assert_string_equal(it[0].caption, "Help");
	assert_string_equal(it[1].key, "F5");
	assert_string_equal(it[2].key, "F8");
	assert_string_equal(it[3].key, "F10");
	assert_string_equal(it[4].key, "o");
	assert_string_equal(it[4].caption, "Sort");
	/* "F1Help F5Start" is 14 cells: a width of 14 fits two, 13 one */
	assert_int_equal(ckey_bar(tables, 2, 14, it, 16), 2);
	assert_int_equal(ckey_bar(tables, 2, 13, it, 16), 1);
	assert_int_equal(ckey_bar(tables, 2, 3, it, 16), 0);
	assert_int_equal(ckey_bar(tables, 2, 200, it, 2), 2);
}

/* The key bar of a screen at 80 columns, as shown. */
static void bar_at_80(const struct console_screen *scr, char *line, size_t len)
{
	const struct console_key *tables[2] = { console_global_keys, scr->keys };
	struct ckey_bar_item it[32];
	size_t n, i, used = 0;

	n = ckey_bar(tables, 2, 80, it, 32);
	line[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(line + used, len - used, "%s%s%s", i ? " " : "", it[i].key,
					 it[i].caption);
}

static void test_bars_fit_80(void **state)
{
	char line[256];

	(void)state;
	bar_at_80(&console_screen_vms, line, sizeof(line));
	/* the message log's key fits too */
	assert_string_equal(line, "F1Help F2New F3Find F4Edit F5Start F6Shutdown F7Stop "
				  "F8Del F9Pause F10Quit mLog");
	bar_at_80(&console_screen_networks, line, sizeof(line));
	assert_string_equal(line, "F1Help F2New F4NIC F8Delete F10Quit mLog EnterDetails EscBack");
	assert_string_equal(console_screen_networks.name, "Networks");
	assert_int_equal(console_screen_networks.hotkey, '4');
	bar_at_80(&console_screen_jobs, line, sizeof(line));
	assert_string_equal(line, "F1Help F8Cancel F10Quit mLog");
	assert_string_equal(console_screen_jobs.name, "Jobs");
	assert_int_equal(console_screen_jobs.hotkey, '5');
	bar_at_80(&console_screen_events, line, sizeof(line));
	assert_string_equal(line, "F1Help F10Quit mLog");
}

static void test_help(void **state)
{
	struct ckey_section sec[2] = { { "Global", global }, { "Things", table } };
	char **lines;
	size_t n;

	(void)state;
	n = ckey_help(sec, 2, &lines);
	assert_int_equal(n, 1 + 2 + 1 + 1 + 4);
	assert_string_equal(lines[0], "Global");
	assert_non_null(strstr(lines[1], "? F1"));
	assert_non_null(strstr(lines[1], "help"));
	assert_string_equal(lines[3], "");
	assert_string_equal(lines[4], "Things");
	assert_non_null(strstr(lines[6], "x Delete F8"));
	assert_non_null(strstr(lines[6], "delete it"));
	ckey_help_free(lines, n);
}


/* croft(1)'s key list is the tables' (console_help_man), between its
 * markers; CROFT_UPDATE_GOLDEN=1 rewrites it after an intended change. */
#define MAN_BEGIN ".\\\" BEGIN KEYS: generated from tui/console_keys tables (test_console_keys)\n"
#define MAN_END ".\\\" END KEYS\n"

static void test_man_page_keys(void **state)
{
	const char *update = getenv("CROFT_UPDATE_GOLDEN");
	char path[1024], **lines, *man, *b, *e, *want;
	size_t n, i, len = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/croft.1", CROFT_SRCDIR);
	man = tl_read_file(path);
	assert_non_null(man);
	b = strstr(man, MAN_BEGIN);
	assert_non_null(b);
	b += strlen(MAN_BEGIN);
	e = strstr(b, MAN_END);
	assert_non_null(e);
	n = console_help_man(&lines);
	for (i = 0; i < n; i++)
		len += strlen(lines[i]) + 1;
	want = calloc(len + 1, 1);
	assert_non_null(want);
	for (i = 0; i < n; i++) {
		strcat(want, lines[i]);
		strcat(want, "\n");
	}
	if (update && !strcmp(update, "1")) {
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		fwrite(man, 1, (size_t)(b - man), f);
		fputs(want, f);
		fputs(e, f);
		fclose(f);
	} else if ((size_t)(e - b) != strlen(want) || strncmp(b, want, strlen(want))) {
		fail_msg("docs/croft.1's key list differs from the key tables; run "
			 "CROFT_UPDATE_GOLDEN=1 %s after an intended change", "test_console_keys");
	}
	/* every key name of the help is in the man page */
	ckey_help_free(lines, n);
	free(want);
	free(man);
}

/* Every code of every table is named in the console's help text. */
static void check_table_in_help(const struct console_key *t, char **lines, size_t n)
{
	const struct console_key *k;

	for (k = t; k && k->codes[0]; k++) {
		char names[96];
		size_t i;
		int found = 0;

		ckey_names(k, names, sizeof(names));
		for (i = 0; i < n && !found; i++)
			found = strstr(lines[i], names) && strstr(lines[i], k->help);
		if (!found)
			fail_msg("help lacks '%s' (%s)", names, k->help);
	}
}

static void test_console_help_complete(void **state)
{
	extern const struct console_key console_form_keys[];
	extern const struct console_key console_serial_keys[];
	extern const struct console_key console_screenview_keys[];
	char **lines;
	size_t n, i, j;
	char want[64];

	(void)state;
	n = console_help_lines(&lines);
	assert_true(n > 20);
	check_table_in_help(console_global_keys, lines, n);
	check_table_in_help(console_form_keys, lines, n);
	check_table_in_help(console_serial_keys, lines, n);
	check_table_in_help(console_screenview_keys, lines, n);
	for (i = 0; i < console_nscreens; i++) {
		int found = 0;

		check_table_in_help(console_screens[i]->keys, lines, n);
		snprintf(want, sizeof(want), "the %s screen", console_screens[i]->name);
		for (j = 0; j < n; j++)
			found |= strstr(lines[j], want) != NULL;
		assert_true(found);
	}
	/* nothing non-ASCII */
	for (i = 0; i < n; i++)
		for (j = 0; lines[i][j]; j++)
			assert_true((unsigned char)lines[i][j] < 0x80);
	ckey_help_free(lines, n);
}

/* No two entries of one screen (or a screen and the global table) share a
 * key: the later one could never run. */
static void test_no_duplicate_keys(void **state)
{
	size_t s;

	(void)state;
	for (s = 0; s < console_nscreens; s++) {
		const struct console_key *k;

		for (k = console_screens[s]->keys; k->codes[0]; k++) {
			int i;

			for (i = 0; i < CKEY_CODES && k->codes[i]; i++) {
				assert_ptr_equal(ckey_find(console_screens[s]->keys, k->codes[i]), k);
				if (ckey_find(console_global_keys, k->codes[i]))
					fail_msg("%s: key %d is also global", console_screens[s]->name,
						 k->codes[i]);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bar),
		cmocka_unit_test(test_bars_fit_80),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_console_help_complete),
		cmocka_unit_test(test_no_duplicate_keys),
		cmocka_unit_test(test_man_page_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
