/*
 * Key tables.  Every key the console understands is an entry: the codes
 * that trigger it (letters, KEY_F(n), KEY_*), an optional caption for the
 * bottom key bar, the help text and the handler.  Lookup, the key bar and
 * the help screen are generated from the same tables, so the help can never
 * list a key that does not work or miss one that does.  Pure apart from
 * the ncurses KEY_* constants.
 */
#ifndef CROFT_TUI_CONSOLE_KEYS_H
#define CROFT_TUI_CONSOLE_KEYS_H

#include <stddef.h>

struct console;

#define CKEY_CODES 5

struct console_key {
	int codes[CKEY_CODES];   /* 0-terminated unless full */
	const char *bar;         /* key-bar caption ("Start"), or NULL */
	const char *help;        /* one line for the help screen */
	/* st: the current screen's state (NULL for global keys). */
	void (*fn)(struct console *c, void *st);
};

/* A table ends with an entry whose codes[0] is 0. */
const struct console_key *ckey_find(const struct console_key *table, int ch);

/* "F5", "Enter", "Up", "Shift-Tab", "Ctrl-O", "s", "/" ... */
char *ckey_name(int code, char *buf, size_t len);

/* Every code of an entry, named and joined: "s F5", "x Delete F8". */
char *ckey_names(const struct console_key *k, char *buf, size_t len);

/* One item of the key bar: the key as shown ("F5" or "s") and caption. */
struct ckey_bar_item {
	char key[16];
	const char *caption;
};

/*
 * The key bar for the given tables (global first, then the screen's):
 * every entry with a caption, shown by its F-key when it has one (htop
 * style "F5Start"), else by its first code; ordered by F-key number, the
 * rest after.  Items are kept while "KEYcaption" plus one space between
 * items fits in width.  Returns the number of items stored (<= max).
 */
size_t ckey_bar(const struct console_key *const *tables, size_t ntables, int width,
		struct ckey_bar_item *items, size_t max);

/* A titled table for the help text. */
struct ckey_section {
	const char *title;
	const struct console_key *keys;
};

/*
 * The help text: for each section a title line, then one line per entry,
 * "  KEYS<pad>HELP", then a blank line.  Returns the number of lines in
 * *lines (malloc'ed array of malloc'ed strings; free with ckey_help_free).
 */
size_t ckey_help(const struct ckey_section *sections, size_t n, char ***lines);
/* The same as man page source (croft(1)'s key list): per section ".PP",
 * its title in italics, then ".TP", the keys in bold and the help line;
 * free with ckey_help_free. */
size_t ckey_man(const struct ckey_section *sections, size_t n, char ***lines);
void ckey_help_free(char **lines, size_t n);

#endif
