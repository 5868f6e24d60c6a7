/*
 * Key names, lookup, the key bar and the help text, all derived from the
 * key tables (console_keys.h).
 */
#include "tui/console_keys.h"
#include "common/xalloc.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HELP_KEYS_WIDTH 22

const struct console_key *ckey_find(const struct console_key *table, int ch)
{
	const struct console_key *k;
	int i;

	if (!table)
		return NULL;
	for (k = table; k->codes[0]; k++)
		for (i = 0; i < CKEY_CODES && k->codes[i]; i++)
			if (k->codes[i] == ch)
				return k;
	return NULL;
}

static const struct {
	int code;
	const char *name;
} named[] = {
	{ '\n', "Enter" }, { '\r', "Enter" }, { KEY_ENTER, "Enter" }, { 27, "Esc" },
	{ '\t', "Tab" }, { KEY_BTAB, "Shift-Tab" }, { ' ', "Space" },
	{ KEY_UP, "Up" }, { KEY_DOWN, "Down" }, { KEY_LEFT, "Left" }, { KEY_RIGHT, "Right" },
	{ KEY_PPAGE, "PgUp" }, { KEY_NPAGE, "PgDn" }, { KEY_HOME, "Home" }, { KEY_END, "End" },
	{ KEY_DC, "Delete" }, { KEY_IC, "Insert" }, { KEY_BACKSPACE, "Backspace" },
	{ 127, "Backspace" }, { KEY_MOUSE, "Mouse" }, { KEY_RESIZE, "Resize" },
};

char *ckey_name(int code, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (named[i].code == code) {
			snprintf(buf, len, "%s", named[i].name);
			return buf;
		}
	}
	if (code >= KEY_F(1) && code <= KEY_F(24))
		snprintf(buf, len, "F%d", code - KEY_F0);
	else if (code > 0 && code < 32)
		snprintf(buf, len, "Ctrl-%c", '@' + code);
	else if (code > 32 && code < 127)
		snprintf(buf, len, "%c", code);
	else
		snprintf(buf, len, "key %d", code);
	return buf;
}

char *ckey_names(const struct console_key *k, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < CKEY_CODES && k->codes[i]; i++) {
		char name[32];
		int j, dup = 0, n;

		ckey_name(k->codes[i], name, sizeof(name));
		/* '\n' and KEY_ENTER are both "Enter": name it once */
		for (j = 0; j < i; j++) {
			char other[32];

			if (!strcmp(ckey_name(k->codes[j], other, sizeof(other)), name))
				dup = 1;
		}
		if (dup)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

static int fkey_of(const struct console_key *k)
{
	int i;

	for (i = 0; i < CKEY_CODES && k->codes[i]; i++)
		if (k->codes[i] >= KEY_F(1) && k->codes[i] <= KEY_F(24))
			return k->codes[i] - KEY_F0;
	return 0;
}

size_t ckey_bar(const struct console_key *const *tables, size_t ntables, int width,
		struct ckey_bar_item *items, size_t max)
{
	struct cand {
		const struct console_key *k;
		int order;
	} cand[64];
	size_t nc = 0, i, j, out = 0;
	int used = 0;

	for (i = 0; i < ntables; i++) {
		const struct console_key *k;

		for (k = tables[i]; k && k->codes[0]; k++) {
			int f = fkey_of(k);

			if (!k->bar || nc == sizeof(cand) / sizeof(cand[0]))
				continue;
			cand[nc].k = k;
			cand[nc].order = f ? f : 100 + (int)nc;
			nc++;
		}
	}
	/* insertion sort: stable, tiny n */
	for (i = 1; i < nc; i++) {
		struct cand t = cand[i];

		for (j = i; j > 0 && cand[j - 1].order > t.order; j--)
			cand[j] = cand[j - 1];
		cand[j] = t;
	}
	for (i = 0; i < nc && out < max; i++) {
		const struct console_key *k = cand[i].k;
		int f = fkey_of(k), w;

		if (f)
			snprintf(items[out].key, sizeof(items[out].key), "F%d", f);
		else
			ckey_name(k->codes[0], items[out].key, sizeof(items[out].key));
		w = (int)(strlen(items[out].key) + strlen(k->bar)) + (out ? 1 : 0);
		if (used + w > width)
			break;
		items[out].caption = k->bar;
		used += w;
		out++;
	}
	return out;
}

/* A growing array of malloc'd lines. */
struct lines {
	char **v;
	size_t n, cap;
};

static void lines_init(struct lines *l, size_t cap)
{
	l->v = xcalloc(cap, sizeof(*l->v));
	l->n = 0;
	l->cap = cap;
}

static void push(struct lines *l, char *s)
{
	if (l->n == l->cap) {
		l->cap *= 2;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = s;
}

size_t ckey_help(const struct ckey_section *sections, size_t n, char ***lines)
{
	struct lines out;
	size_t i;

	lines_init(&out, 16);

	for (i = 0; i < n; i++) {
		const struct console_key *k;

		push(&out, xasprintf("%s", sections[i].title));
		for (k = sections[i].keys; k && k->codes[0]; k++) {
			char names[96];

			ckey_names(k, names, sizeof(names));
			push(&out, xasprintf("  %-*s %s", HELP_KEYS_WIDTH, names, k->help));
		}
		if (i + 1 < n)
			push(&out, xstrdup(""));
	}
	*lines = out.v;
	return out.n;
}

/* Text for a roff line: backslashes doubled (as \e), '-' as \-, and a
 * leading '.' or '\'' guarded. */
static char *roff(const char *s)
{
	size_t len = strlen(s), i, o = 0;
	char *out = xmalloc(len * 2 + 3);

	if (s[0] == '.' || s[0] == '\'')
		out[o++] = '\\', out[o++] = '&';
	for (i = 0; i < len; i++) {
		if (s[i] == '\\' || s[i] == '-')
			out[o++] = '\\';
		out[o++] = s[i] == '\\' ? 'e' : s[i];
	}
	out[o] = '\0';
	return out;
}

size_t ckey_man(const struct ckey_section *sections, size_t n, char ***lines)
{
	struct lines out;
	size_t i;

	lines_init(&out, 32);

	for (i = 0; i < n; i++) {
		const struct console_key *k;
		char *t = roff(sections[i].title);

		push(&out, xstrdup(".PP"));
		push(&out, xasprintf(".I \"%s\"", t));
		free(t);
		for (k = sections[i].keys; k && k->codes[0]; k++) {
			char names[96], *joined, *h;
			size_t j, o = 0;

			ckey_names(k, names, sizeof(names));
			joined = xmalloc(strlen(names) * 4 + 1);
			for (j = 0; names[j]; j++) {
				if (names[j] == ' ') {
					memcpy(joined + o, ", ", 2);
					o += 2;
				} else {
					joined[o++] = names[j];
				}
			}
			joined[o] = '\0';
			t = roff(joined);
			h = roff(k->help);
			push(&out, xstrdup(".TP"));
			push(&out, xasprintf(".B \"%s\"", t));
			push(&out, h);
			free(t);
			free(joined);
		}
	}
	*lines = out.v;
	return out.n;
}

void ckey_help_free(char **lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}
