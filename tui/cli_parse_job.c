/*
 * Parsers of the job commands and of croft events: argv in, request args
 * or a message out, through cli_scan_args().  A job is named by its id, a
 * positive number.  events --since TIME becomes events.list's since_ms
 * (cli_time.c reads TIME against the clock, the parsers' one input
 * besides argv); --no-follow is the CLI's own and lands in the global
 * options.
 */
#include "tui/cli.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { OPT_ALL = 1, OPT_SINCE, OPT_NO_FOLLOW };

struct parse {
	const char *cmdname;
	json_t *a;
	struct cli_opts *g;
	int since;               /* --since given */
};

static int unexpected(const struct parse *p, const char *val, char *err, size_t errlen)
{
	err_set(err, errlen, "unexpected argument '%s' for '%s'", val, p->cmdname);
	return -EINVAL;
}

static int take_list(void *ctx, int key, const char *opt, const char *val, char *err,
		     size_t errlen)
{
	struct parse *p = ctx;

	(void)opt;
	if (key == 0)
		return unexpected(p, val, err, errlen);
	json_object_set_new(p->a, "all", json_true());
	return 0;
}

static int take_id(void *ctx, int key, const char *opt, const char *val, char *err,
		   size_t errlen)
{
	struct parse *p = ctx;
	char *end;
	long long id;

	(void)key;
	(void)opt;
	if (json_object_get(p->a, "id"))
		return unexpected(p, val, err, errlen);
	errno = 0;
	id = strtoll(val, &end, 10);
	if (!*val || *end || errno || id < 1 || strspn(val, "0123456789") != strlen(val)) {
		err_set(err, errlen, "a job id is a positive number, not '%s'", val);
		return -EINVAL;
	}
	json_object_set_new(p->a, "id", json_integer(id));
	return 0;
}

static int take_events(void *ctx, int key, const char *opt, const char *val, char *err,
		       size_t errlen)
{
	struct parse *p = ctx;
	char why[512];
	int64_t ms;

	switch (key) {
	case OPT_SINCE:
		if (p->since) {
			err_set(err, errlen, "%s is given more than once", opt);
			return -EINVAL;
		}
		if (cli_parse_time(val, time(NULL), &ms, why, sizeof(why)) < 0) {
			err_set(err, errlen, "%s: %s", opt, why);
			return -EINVAL;
		}
		p->since = 1;
		json_object_set_new(p->a, "since_ms", json_integer((json_int_t)ms));
		return 0;
	case OPT_NO_FOLLOW:
		p->g->no_follow = 1;
		return 0;
	}
	return unexpected(p, val, err, errlen);
}

/* Scan with fn into a fresh args object; *args on success. */
static int parse(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		 const struct cli_opt *opts, cli_arg_fn fn, json_t **args, char *err,
		 size_t errlen, struct parse *p)
{
	int r;

	p->cmdname = cmdname;
	p->a = json_object();
	p->g = g;
	p->since = 0;
	*args = NULL;
	r = cli_scan_args(cmdname, argc, argv, g, opts, fn, p, err, errlen);
	if (r < 0) {
		json_decref(p->a);
		return r;
	}
	*args = p->a;
	return 0;
}

int cli_parse_job_list(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	static const struct cli_opt opts[] = { { "--all", OPT_ALL, NULL }, { NULL, 0, NULL } };
	struct parse p;

	return parse(cmdname, argc, argv, g, opts, take_list, args, err, errlen, &p);
}

int cli_parse_job_id(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		     json_t **args, char *err, size_t errlen)
{
	struct parse p;
	int r = parse(cmdname, argc, argv, g, NULL, take_id, args, err, errlen, &p);

	if (r == 0 && !g->help && !json_object_get(*args, "id")) {
		err_set(err, errlen, "%s needs a job id (see croft job list)", cmdname);
		json_decref(*args);
		*args = NULL;
		return -EINVAL;
	}
	return r;
}

int cli_parse_events(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		     json_t **args, char *err, size_t errlen)
{
	static const struct cli_opt opts[] = {
		{ "--since", OPT_SINCE, "a time (e.g. 1h, or 2026-01-31 08:00)" },
		{ "--no-follow", OPT_NO_FOLLOW, NULL },
		{ NULL, 0, NULL },
	};
	struct parse p;
	int r = parse(cmdname, argc, argv, g, opts, take_events, args, err, errlen, &p);

	if (r == 0 && g->no_follow && !p.since) {
		err_set(err, errlen, "--no-follow needs --since TIME: it stops after the history "
			"(e.g. --since 1h --no-follow)");
		json_decref(*args);
		*args = NULL;
		return -EINVAL;
	}
	return r;
}
