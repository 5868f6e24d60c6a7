/*
 * The option scanner of every command's parser.  It walks argv once,
 * handing back positional arguments and the options of the command's
 * table (with their value, as "--opt VALUE" or "--opt=VALUE"); the options
 * every command takes (--json, --socket, --help) it applies to the global
 * options itself, wherever they stand, and "--" ends the options.
 */
#include "tui/cli.h"
#include "common/xalloc.h"

#include <errno.h>
#include <string.h>

int cli_scan_next(struct cli_scan *s, const struct cli_opt *specs, int *key,
		  const char **val, char *err, size_t errlen)
{
	for (;;) {
		const char *a, *eq;
		size_t nlen;
		const struct cli_opt *sp;

		if (s->i >= s->argc)
			return CLI_SCAN_END;
		a = s->argv[s->i++];
		if (s->options_done || a[0] != '-' || a[1] == '\0') {
			*val = a;
			return CLI_SCAN_ARG;
		}
		if (!strcmp(a, "--")) {
			s->options_done = 1;
			continue;
		}
		if (!strcmp(a, "--json")) {
			s->g->json = 1;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			s->g->help = 1;
			continue;
		}
		eq = strchr(a, '=');
		nlen = eq ? (size_t)(eq - a) : strlen(a);
		if (nlen == 8 && !strncmp(a, "--socket", 8)) {
			if (eq) {
				s->g->socket = eq + 1;
			} else if (s->i < s->argc) {
				s->g->socket = s->argv[s->i++];
			} else {
				err_set(err, errlen, "--socket needs a path");
				return -EINVAL;
			}
			continue;
		}
		for (sp = specs; sp && sp->name; sp++)
			if (strlen(sp->name) == nlen && !strncmp(sp->name, a, nlen))
				break;
		if (!sp || !sp->name) {
			err_set(err, errlen, "unknown option '%.*s' for '%s'", (int)nlen, a,
				s->cmdname);
			return -EINVAL;
		}
		*key = sp->key;
		if (!sp->arg) {
			if (eq) {
				err_set(err, errlen, "%s takes no value", sp->name);
				return -EINVAL;
			}
			*val = NULL;
			return CLI_SCAN_OPT;
		}
		if (eq) {
			*val = eq + 1;
		} else if (s->i < s->argc) {
			*val = s->argv[s->i++];
		} else {
			err_set(err, errlen, "%s needs %s", sp->name, sp->arg);
			return -EINVAL;
		}
		return CLI_SCAN_OPT;
	}
}

const char *cli_opt_name(const struct cli_opt *specs, int key)
{
	for (; specs->name; specs++)
		if (specs->key == key)
			return specs->name;
	return "?";
}

int cli_scan_args(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		  const struct cli_opt *opts, cli_arg_fn fn, void *ctx, char *err, size_t errlen)
{
	struct cli_scan s = CLI_SCAN_INIT(cmdname, argc, argv, g);
	const char *val;
	int key = 0, r;

	while ((r = cli_scan_next(&s, opts, &key, &val, err, errlen)) > 0) {
		if (r == CLI_SCAN_ARG)
			r = fn(ctx, 0, NULL, val, err, errlen);
		else
			r = fn(ctx, key, cli_opt_name(opts, key), val, err, errlen);
		if (r < 0)
			return r;
	}
	return r;
}
