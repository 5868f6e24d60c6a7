/*
 * The pool commands: create, list, info, set, delete.  The parsers judge what
 * needs no host (the name, the content word, an absolute --path); where a
 * pool may live is croftd's to judge.  Sizes print in binary units with
 * one decimal ("12.5G").
 */
#include "tui/cli.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <string.h>

enum { K_PATH = 1, K_CONTENT };

static const struct cli_opt create_opts[] = {
	{ "--path", K_PATH, "an absolute directory" },
	{ "--content", K_CONTENT, "images or iso" },
	{ NULL, 0, NULL },
};
static const struct cli_opt no_opts[] = { { NULL, 0, NULL } };

static int take_opt(struct cli_named *n, int key, const char *opt, const char *val,
		    char *err, size_t errlen)
{
	if (key == K_PATH) {
		if (val[0] != '/') {
			err_set(err, errlen, "%s needs an absolute directory, got '%s'", opt, val);
			return -EINVAL;
		}
		return cli_set_once(n->a, "path", json_string(val), opt, err, errlen);
	}
	if (strcmp(val, "images") && strcmp(val, "iso")) {
		err_set(err, errlen, "%s must be images or iso, not '%s'", opt, val);
		return -EINVAL;
	}
	return cli_set_once(n->a, "content", json_string(val), opt, err, errlen);
}

int cli_parse_pool_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			  json_t **args, char *err, size_t errlen)
{
	static const struct cli_need need[] = { { "path", "--path DIR" }, { NULL, NULL } };
	struct cli_named n = { .what = "pool", .key = "name", .opts = create_opts,
			       .need = need, .take = take_opt };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

int cli_parse_pool_name(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen)
{
	struct cli_named n = { .what = "pool", .key = "name", .opts = no_opts, .take = take_opt };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

/* pool set NAME auto-resume on|off */
int cli_parse_pool_set(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	struct cli_scan s = CLI_SCAN_INIT(cmdname, argc, argv, g);
	const char *pos[3] = { NULL, NULL, NULL }, *val;
	int key, r, n = 0;

	*args = NULL;
	while ((r = cli_scan_next(&s, NULL, &key, &val, err, errlen)) > 0) {
		if (n == 3) {
			err_set(err, errlen, "unexpected argument '%s' for '%s'", val, cmdname);
			return -EINVAL;
		}
		pos[n++] = val;
	}
	if (r < 0)
		return r;
	if (g->help) {
		*args = json_object();
		return 0;
	}
	if (n < 3) {
		err_set(err, errlen, "%s needs a pool, a setting and a value (e.g. default "
			"auto-resume on)", cmdname);
		return -EINVAL;
	}
	if (name_check("pool", pos[0], err, errlen) < 0)
		return -EINVAL;
	if (strcmp(pos[1], "auto-resume")) {
		err_set(err, errlen, "unknown pool setting '%s' (expected auto-resume)", pos[1]);
		return -EINVAL;
	}
	if (strcmp(pos[2], "on") && strcmp(pos[2], "off")) {
		err_set(err, errlen, "auto-resume must be on or off, not '%s'", pos[2]);
		return -EINVAL;
	}
	*args = json_pack("{s:s,s:b}", "name", pos[0], "auto_resume", !strcmp(pos[2], "on"));
	return 0;
}

/* 1610612736 -> "1.5G". */
static const char *bytes(char *buf, size_t len, const json_t *o, const char *key)
{
	static const char units[] = "BKMGTP";
	const json_t *v = json_object_get(o, key);
	double x;
	int u = 0;

	if (!json_is_integer(v))
		return "-";
	x = (double)json_integer_value(v);
	while (x >= 1024 && u < 5) {
		x /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%.0fB", x);
	else
		snprintf(buf, len, "%.1f%c", x, units[u]);
	return buf;
}

static const char *real(char *buf, size_t len, const json_t *o, const char *key,
			const char *fmt)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return "-";
	snprintf(buf, len, fmt, json_number_value(v));
	return buf;
}

static void pool_row(const json_t *o, cli_row_t c)
{
	snprintf(c[0], CLI_CELL, "%s", cli_str(o, "name"));
	snprintf(c[1], CLI_CELL, "%s", cli_str(o, "content"));
	bytes(c[2], CLI_CELL, o, "capacity_bytes");
	bytes(c[3], CLI_CELL, o, "free_bytes");
	bytes(c[4], CLI_CELL, o, "allocated_bytes");
	bytes(c[5], CLI_CELL, o, "promised_bytes");
	real(c[6], CLI_CELL, o, "overcommit", "%.2f");
	cli_int(o, "volumes", c[7], CLI_CELL);
	snprintf(c[8], CLI_CELL, "%s", cli_str(o, "dir"));
	if (!c[2][0] || !strcmp(c[2], "-"))
		snprintf(c[2], CLI_CELL, "%s", json_is_false(json_object_get(o, "available"))
			 ? "unavailable" : "-");
}

void cli_format_pool_list(FILE *f, const json_t *pools)
{
	static const struct cli_col cols[] = {
		{ "NAME", 0 }, { "CONTENT", 0 }, { "CAPACITY", 1 }, { "FREE", 1 },
		{ "ALLOCATED", 1 }, { "PROMISED", 1 }, { "OVERCOMMIT", 1 }, { "VOLUMES", 1 },
		{ "DIR", 0 },
	};

	cli_table(f, cols, 9, pools, pool_row);
}

void cli_format_pool_info(FILE *f, const json_t *p)
{
	const json_t *vols = jget_arr(p, "volume_list");
	char a[32], b[32];
	size_t i;

	cli_kv(f, "name", cli_str(p, "name"));
	cli_kv(f, "dir", cli_str(p, "dir"));
	cli_kv(f, "content", cli_str(p, "content"));
	if (json_is_false(json_object_get(p, "available"))) {
		cli_kv(f, "available", "no");
		cli_kv(f, "error", cli_str(p, "error"));
		return;
	}
	cli_kv(f, "capacity", bytes(a, sizeof(a), p, "capacity_bytes"));
	cli_kv(f, "free", bytes(a, sizeof(a), p, "free_bytes"));
	cli_kv(f, "used", real(a, sizeof(a), p, "used_pct", "%.1f %%"));
	cli_kv(f, "allocated", bytes(a, sizeof(a), p, "allocated_bytes"));
	cli_kv(f, "promised", bytes(a, sizeof(a), p, "promised_bytes"));
	cli_kv(f, "overcommit", real(a, sizeof(a), p, "overcommit", "%.2f"));
	cli_kv(f, "level", cli_str(p, "level"));
	cli_kv(f, "forecast 24h", cli_str(p, "forecast.day.text"));
	cli_kv(f, "forecast 7d", cli_str(p, "forecast.week.text"));
	cli_kv(f, "auto-resume", json_is_true(json_object_get(p, "auto_resume")) ? "on" : "off");
	if (json_array_size(jget_arr(p, "paused_vms"))) {
		const json_t *pv = jget_arr(p, "paused_vms");

		fputs("paused (pool full):", f);
		for (i = 0; i < json_array_size(pv); i++)
			fprintf(f, " %s", json_string_value(json_array_get(pv, i)));
		fputs("\n", f);
	}
	if (!json_array_size(vols)) {
		cli_kv(f, "volumes", "none");
		return;
	}
	fputs("volumes:\n", f);
	for (i = 0; i < json_array_size(vols); i++) {
		const json_t *v = json_array_get(vols, i);
		const char *backing = jget_str(v, "backing", NULL);

		fprintf(f, "  %s  %s  virtual %s  allocated %s%s%s\n", cli_str(v, "name"),
			cli_str(v, "format"), bytes(a, sizeof(a), v, "virtual_bytes"),
			bytes(b, sizeof(b), v, "allocated_bytes"), backing ? "  backing " : "",
			backing ? backing : "");
	}
}

static void format_created(FILE *f, const json_t *p)
{
	char a[32];

	fprintf(f, "%s: created at %s (%s, %s free)\n", cli_str(p, "name"), cli_str(p, "dir"),
		cli_str(p, "content"), bytes(a, sizeof(a), p, "free_bytes"));
}

static void format_deleted(FILE *f, const json_t *p)
{
	fprintf(f, "%s: deleted (%s removed)\n", cli_str(p, "name"), cli_str(p, "dir"));
}

int cli_run_pool_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, "pools", cli_format_pool_list);
}

int cli_run_pool_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, !strcmp(cmd->verb, "create") ? format_created
			    : !strcmp(cmd->verb, "delete") ? format_deleted : cli_format_pool_info);
}
