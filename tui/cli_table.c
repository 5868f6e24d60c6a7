/*
 * The pieces the CLI's formatters build human output from: a member of
 * the API's JSON as a cell ("-" for what is absent, null or empty, so a
 * croftd with more or other fields never breaks a table), column tables
 * sized to their widest cell, "key: value" lines, and local times.
 */
#include "tui/cli.h"
#include "common/json_get.h"

#include <stdlib.h>
#include <string.h>

const char *cli_str(const json_t *o, const char *path)
{
	const char *s = jget_str(o, path, NULL);

	return s && *s ? s : "-";
}

const char *cli_int(const json_t *o, const char *path, char *buf, size_t len)
{
	if (json_is_integer(jget(o, path)))
		snprintf(buf, len, "%lld", jget_int(o, path, 0));
	else
		snprintf(buf, len, "-");
	return buf;
}

void cli_table(FILE *f, const struct cli_col *cols, int ncols, const json_t *items,
	       cli_fill_fn fill)
{
	size_t n = json_array_size(items), width[CLI_TABLE_COLS], i;
	cli_row_t *rows = calloc(n ? n : 1, sizeof(*rows));
	int c;

	if (!rows)
		return;
	for (c = 0; c < ncols; c++)
		width[c] = strlen(cols[c].head);
	for (i = 0; i < n; i++) {
		fill(json_array_get(items, i), rows[i]);
		for (c = 0; c < ncols; c++)
			if (strlen(rows[i][c]) > width[c])
				width[c] = strlen(rows[i][c]);
	}
	for (i = 0; i <= n; i++) {
		for (c = 0; c < ncols; c++) {
			const char *s = i == 0 ? cols[c].head : rows[i - 1][c];

			if (c)
				fputs("  ", f);
			if (cols[c].right)
				fprintf(f, "%*s", (int)width[c], s);
			else if (c == ncols - 1)
				fputs(s, f);
			else
				fprintf(f, "%-*s", (int)width[c], s);
		}
		fputc('\n', f);
	}
	free(rows);
}

void cli_kv(FILE *f, const char *key, const char *val)
{
	char k[32];

	snprintf(k, sizeof(k), "%s:", key);
	fprintf(f, "%-12s %s\n", k, val);
}

char *cli_format_time(time_t t, const char *fmt, char *buf, size_t len)
{
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, fmt, &tm))
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}
