/*
 * The schedule commands: add, set, list, remove, run-now and simulate.
 * The parsers judge the words (one target, counts that are numbers and
 * not negative, a schedule id); the calendar, the VM, the tag and the
 * pool are croftd's to judge, so their errors point where croftd found
 * them.
 */
#include "tui/cli.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	K_ALL = 1, K_TAG, K_AT, K_RAM, K_NO_RAM, K_BACKUP_TO, K_SNAPSHOTS, K_DAYS,
	K_KEEP,                      /* K_KEEP + i: keep[i] */
};

static const char *const keep_opts[6] = {
	"--keep-last", "--keep-hourly", "--keep-daily", "--keep-weekly", "--keep-monthly",
	"--keep-yearly",
};
static const char *const keep_keys[6] = {
	"keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly", "keep_yearly",
};

#define KEEP_OPTS \
	{ "--keep-last", K_KEEP + 0, "a count" }, { "--keep-hourly", K_KEEP + 1, "a count" }, \
	{ "--keep-daily", K_KEEP + 2, "a count" }, { "--keep-weekly", K_KEEP + 3, "a count" }, \
	{ "--keep-monthly", K_KEEP + 4, "a count" }, { "--keep-yearly", K_KEEP + 5, "a count" }

static const struct cli_opt add_opts[] = {
	{ "--all", K_ALL, NULL }, { "--tag", K_TAG, "a VM tag" },
	{ "--at", K_AT, "a calendar event" }, { "--ram", K_RAM, NULL },
	{ "--backup-to", K_BACKUP_TO, "a pool" }, KEEP_OPTS, { NULL, 0, NULL },
};
static const struct cli_opt set_opts[] = {
	{ "--all", K_ALL, NULL }, { "--tag", K_TAG, "a VM tag" },
	{ "--at", K_AT, "a calendar event" }, { "--ram", K_RAM, NULL },
	{ "--no-ram", K_NO_RAM, NULL }, { "--backup-to", K_BACKUP_TO, "a pool" },
	{ "--snapshots", K_SNAPSHOTS, NULL }, KEEP_OPTS, { NULL, 0, NULL },
};
static const struct cli_opt sim_opts[] = {
	{ "--at", K_AT, "a calendar event" }, { "--days", K_DAYS, "a number of days" },
	KEEP_OPTS, { NULL, 0, NULL },
};

struct parse {
	json_t *a;
	int set;                     /* schedule set: the first word is the id */
	int npos;
};

/* A count: digits only, 0 .. 1000000. */
static int count(const char *opt, const char *val, long long max, long long *out, char *err,
		 size_t errlen)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(val, &end, 10);
	if (*val == '-' && end != val && !*end) {
		err_set(err, errlen, "%s %s is negative (0 turns the rule off)", opt, val);
		return -EINVAL;
	}
	if (!*val || *end || errno || v < 0 || v > max || *val == '+') {
		err_set(err, errlen, "%s needs a number from 0 to %lld, not '%s'", opt, max, val);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int take(void *ctx, int key, const char *opt, const char *val, char *err, size_t errlen)
{
	struct parse *p = ctx;
	long long v;

	if (!key) {
		if (p->npos++) {
			err_set(err, errlen, "unexpected argument '%s'", val);
			return -EINVAL;
		}
		if (p->set) {
			if (count("the schedule id", val, 1LL << 53, &v, err, errlen) < 0)
				return -EINVAL;
			return cli_set_once(p->a, "id", json_integer(v), "ID", err, errlen);
		}
		if (name_check("VM", val, err, errlen) < 0)
			return -EINVAL;
		return cli_set_once(p->a, "vm", json_string(val), "VM", err, errlen);
	}
	if (key >= K_KEEP) {
		if (count(opt, val, 1000000, &v, err, errlen) < 0)
			return -EINVAL;
		return cli_set_once(p->a, keep_keys[key - K_KEEP], json_integer(v), opt, err,
				    errlen);
	}
	switch (key) {
	case K_ALL:
		return cli_set_once(p->a, "all", json_true(), opt, err, errlen);
	case K_TAG:
		return cli_set_once(p->a, "tag", json_string(val), opt, err, errlen);
	case K_AT:
		return cli_set_once(p->a, "at", json_string(val), opt, err, errlen);
	case K_RAM:
	case K_NO_RAM:
		return cli_set_once(p->a, "ram", json_boolean(key == K_RAM), opt, err, errlen);
	case K_BACKUP_TO:
		return cli_set_once(p->a, "backup_to", json_string(val), opt, err, errlen);
	case K_SNAPSHOTS:
		return cli_set_once(p->a, "backup_to", json_null(), opt, err, errlen);
	case K_DAYS:
		if (count(opt, val, 3660, &v, err, errlen) < 0)
			return -EINVAL;
		return cli_set_once(p->a, "days", json_integer(v), opt, err, errlen);
	}
	return 0;
}

static int parse(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		 const struct cli_opt *opts, int set, json_t **args, char *err, size_t errlen)
{
	struct parse p = { json_object(), set, 0 };
	int targets, r;

	*args = NULL;
	r = cli_scan_args(cmdname, argc, argv, g, opts, take, &p, err, errlen);
	if (r < 0)
		goto fail;
	if (g->help) {
		*args = p.a;
		return 0;
	}
	r = -EINVAL;
	targets = (json_object_get(p.a, "vm") != NULL) + (json_object_get(p.a, "all") != NULL) +
		  (json_object_get(p.a, "tag") != NULL);
	if (set && !json_object_get(p.a, "id")) {
		err_set(err, errlen, "%s needs a schedule's id (croft schedule list shows them)",
			cmdname);
		goto fail;
	}
	if (!set && targets != 1) {
		err_set(err, errlen, "%s needs one of a VM, --all or --tag T%s", cmdname,
			targets ? ", not several" : "");
		goto fail;
	}
	if (set && targets > 1) {
		err_set(err, errlen, "%s takes one of --all or --tag T, not several", cmdname);
		goto fail;
	}
	if (!set && !json_object_get(p.a, "at")) {
		err_set(err, errlen, "%s needs --at CALENDAR (e.g. daily, 'mon..fri 02:00', "
			"'*:0/15')", cmdname);
		goto fail;
	}
	*args = p.a;
	return 0;
fail:
	json_decref(p.a);
	return r;
}

int cli_parse_sched_add(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen)
{
	return parse(cmdname, argc, argv, g, add_opts, 0, args, err, errlen);
}

int cli_parse_sched_set(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen)
{
	return parse(cmdname, argc, argv, g, set_opts, 1, args, err, errlen);
}

/* remove ID, run-now ID */
int cli_parse_sched_id(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	return parse(cmdname, argc, argv, g, NULL, 1, args, err, errlen);
}

/* list [VM] */
int cli_parse_sched_list(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	struct parse p = { json_object(), 0, 0 };
	int r = cli_scan_args(cmdname, argc, argv, g, NULL, take, &p, err, errlen);

	if (r < 0) {
		json_decref(p.a);
		*args = NULL;
		return r;
	}
	*args = p.a;
	return 0;
}

int cli_parse_sched_simulate(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			     json_t **args, char *err, size_t errlen)
{
	struct parse p = { json_object(), 0, 1 };   /* no positional argument */
	int r = cli_scan_args(cmdname, argc, argv, g, sim_opts, take, &p, err, errlen);

	*args = NULL;
	if (r < 0 || (!g->help && !json_object_get(p.a, "at"))) {
		if (r >= 0)
			err_set(err, errlen, "%s needs --at CALENDAR (the runs to simulate)",
				cmdname);
		json_decref(p.a);
		return r < 0 ? r : -EINVAL;
	}
	*args = p.a;
	return 0;
}

/* --- output ------------------------------------------------------------------------ */

static const char *target(const json_t *s, char *buf, size_t len)
{
	if (jget_bool(s, "all", 0))
		snprintf(buf, len, "all VMs");
	else if (jget_str(s, "tag", NULL))
		snprintf(buf, len, "tag %s", jget_str(s, "tag", ""));
	else
		snprintf(buf, len, "%s", cli_str(s, "vm"));
	return buf;
}

static const char *keeps(const json_t *s, char *buf, size_t len)
{
	size_t at = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < 6; i++) {
		long long v = jget_int(s, keep_keys[i], 0);

		if (v && at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%s=%lld", at ? " " : "",
					       keep_opts[i] + 7, v);
	}
	if (!buf[0])
		snprintf(buf, len, "all");
	return buf;
}

static const char *made(const json_t *s, char *buf, size_t len)
{
	if (jget_str(s, "backup_to", NULL))
		snprintf(buf, len, "backup to %s", jget_str(s, "backup_to", ""));
	else
		snprintf(buf, len, "%s", jget_bool(s, "ram", 0) ? "snapshot+RAM" : "snapshot");
	return buf;
}

static const char *when(const json_t *s, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(s, key);

	if (!json_is_integer(v))
		return strcpy(buf, "-");
	return cli_format_time((time_t)json_integer_value(v), "%Y-%m-%d %H:%M", buf, len);
}

static void sched_row(const json_t *s, cli_row_t c)
{
	cli_int(s, "id", c[0], CLI_CELL);
	target(s, c[1], CLI_CELL);
	snprintf(c[2], CLI_CELL, "%s", cli_str(s, "at"));
	made(s, c[3], CLI_CELL);
	keeps(s, c[4], CLI_CELL);
	when(s, "next_run", c[5], CLI_CELL);
	when(s, "last_run", c[6], CLI_CELL);
	snprintf(c[7], CLI_CELL, "%s", cli_str(s, "last_result"));
}

static void format_list(FILE *f, const json_t *list)
{
	static const struct cli_col cols[] = {
		{ "ID", 1 }, { "TARGET", 0 }, { "AT", 0 }, { "MAKES", 0 }, { "KEEP", 0 },
		{ "NEXT RUN", 0 }, { "LAST RUN", 0 }, { "LAST RESULT", 0 },
	};

	if (!json_array_size(list)) {
		fputs("no schedules (croft schedule add VM --at CALENDAR --keep-last N ...)\n", f);
		return;
	}
	cli_table(f, cols, 8, list, sched_row);
}

static void format_one(FILE *f, const json_t *res)
{
	const json_t *s = json_object_get(res, "schedule");
	char buf[512];

	if (json_object_get(res, "removed")) {
		fprintf(f, "schedule %lld removed\n", jget_int(res, "removed", 0));
		return;
	}
	cli_kv(f, "id", cli_int(s, "id", buf, sizeof(buf)));
	cli_kv(f, "target", target(s, buf, sizeof(buf)));
	cli_kv(f, "at", cli_str(s, "at"));
	cli_kv(f, "makes", made(s, buf, sizeof(buf)));
	cli_kv(f, "keep", keeps(s, buf, sizeof(buf)));
	cli_kv(f, "next run", when(s, "next_run", buf, sizeof(buf)));
	cli_kv(f, "last run", when(s, "last_run", buf, sizeof(buf)));
	cli_kv(f, "last result", cli_str(s, "last_result"));
}

static void sim_row(const json_t *s, cli_row_t c)
{
	time_t t = (time_t)jget_int(s, "time", 0);

	cli_format_time(t, "%Y-%m-%d", c[0], CLI_CELL);
	cli_format_time(t, "%a", c[1], CLI_CELL);
	cli_format_time(t, "%H:%M", c[2], CLI_CELL);
	snprintf(c[3], CLI_CELL, "%s", jget_bool(s, "kept", 0) ? "keep" : "remove");
	snprintf(c[4], CLI_CELL, "%s", jget_bool(s, "kept", 0) ? cli_str(s, "rule") : "");
}

/* Like PBS's prune simulator: every run, newest first, kept or removed
 * and by which rule, then the count. */
static void format_sim(FILE *f, const json_t *res)
{
	static const struct cli_col cols[] = {
		{ "DATE", 0 }, { "DAY", 0 }, { "TIME", 0 }, { "", 0 }, { "RULE", 0 },
	};
	const json_t *v = json_object_get(res, "snapshots"), *s;
	size_t i, kept = 0;

	json_array_foreach(v, i, s)
		kept += jget_bool(s, "kept", 0);
	cli_table(f, cols, 5, v, sim_row);
	fprintf(f, "%zu runs, %zu kept, %zu removed\n", json_array_size(v), kept,
		json_array_size(v) - kept);
}

int cli_run_sched(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	if (!strcmp(cmd->verb, "list"))
		return cli_run_show(ctx, cmd, args, "schedules", format_list);
	if (!strcmp(cmd->verb, "simulate"))
		return cli_run_show(ctx, cmd, args, NULL, format_sim);
	return cli_run_show(ctx, cmd, args, NULL, format_one);
}
