/*
 * What every command parser shares, and the parsers of commands with no
 * options of their own.  argv in, request args (a JSON object) or a
 * message out; each parser walks argv with the option scanner
 * (cli_scan.c) and its own option table.  Most commands name one object,
 * a VM or a network: cli_parse_named() takes that name, hands options to
 * the command's own function and checks what the command needs.  The only
 * side effect is realpath() (cli_abs_path()): file arguments are made
 * absolute against the CLI's directory, since croftd runs elsewhere.
 */
#include "tui/cli.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_parse_mib(const char *opt, const char *s, uint64_t *mib, char *err, size_t errlen)
{
	char why[256];
	uint64_t bytes;

	if (size_parse(s, &bytes, why, sizeof(why)) < 0) {
		err_set(err, errlen, "%s: %s", opt, why);
		return -EINVAL;
	}
	if (bytes & ((1ULL << 20) - 1)) {
		err_set(err, errlen, "%s: size '%s' is not a whole number of MiB", opt, s);
		return -EINVAL;
	}
	*mib = bytes >> 20;
	return 0;
}

int cli_abs_path(const char *what, const char *path, char **abs, char *err, size_t errlen)
{
	struct stat st;
	char *p;
	int r;

	*abs = NULL;
	if (!*path) {
		err_set(err, errlen, "%s path is empty", what);
		return -EINVAL;
	}
	p = realpath(path, NULL);
	if (!p && errno == EACCES) {
		/* a pool or allowed directory this user cannot read: croftd,
		 * which checks every file, resolves it */
		char cwd[PATH_MAX];

		if (path[0] == '/')
			p = xstrdup(path);
		else if (getcwd(cwd, sizeof(cwd)))
			p = xasprintf("%s/%s", cwd, path);
		if (p) {
			*abs = p;
			return 0;
		}
		errno = EACCES;
	}
	if (!p) {
		r = -errno;
		if (r == -ENOENT || r == -ENOTDIR)
			err_set(err, errlen, "%s '%s' does not exist", what, path);
		else
			err_set(err, errlen, "%s '%s': %s", what, path, strerror(-r));
		return r;
	}
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
		err_set(err, errlen, "%s '%s' is a directory", what, path);
		free(p);
		return -EISDIR;
	}
	*abs = p;
	return 0;
}

int cli_set_once(json_t *args, const char *key, json_t *v, const char *opt, char *err,
		 size_t errlen)
{
	if (json_object_get(args, key)) {
		json_decref(v);
		err_set(err, errlen, "%s is given more than once", opt);
		return -EINVAL;
	}
	json_object_set_new(args, key, v);
	return 0;
}

static int take_named(void *ctx, int key, const char *opt, const char *val, char *err,
		      size_t errlen)
{
	struct cli_named *n = ctx;

	if (key)
		return n->take(n, key, opt, val, err, errlen);
	if (json_object_get(n->a, n->key)) {
		err_set(err, errlen, "unexpected argument '%s' for '%s'", val, n->cmdname);
		return -EINVAL;
	}
	if (name_check(n->what, val, err, errlen) < 0)
		return -EINVAL;
	json_object_set_new(n->a, n->key, json_string(val));
	return 0;
}

int cli_parse_named(struct cli_named *n, const char *cmdname, int argc, char **argv,
		    struct cli_opts *g, json_t **args, char *err, size_t errlen)
{
	const struct cli_need *need;
	int r;

	n->cmdname = cmdname;
	n->g = g;
	n->a = json_object();
	r = cli_scan_args(cmdname, argc, argv, g, n->opts, take_named, n, err, errlen);
	if (r < 0)
		goto fail;
	if (g->help)
		goto done;
	r = -EINVAL;
	if (!json_object_get(n->a, n->key)) {
		err_set(err, errlen, "%s needs a %s name", cmdname, n->what);
		goto fail;
	}
	for (need = n->need; need && need->key; need++) {
		if (!json_object_get(n->a, need->key)) {
			err_set(err, errlen, "%s needs %s", cmdname, need->opt);
			goto fail;
		}
	}
done:
	*args = n->a;
	return 0;
fail:
	json_decref(n->a);
	*args = NULL;
	return r;
}

int cli_parse_none(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		   json_t **args, char *err, size_t errlen)
{
	struct cli_scan s = CLI_SCAN_INIT(cmdname, argc, argv, g);
	const char *val;
	int key, r;

	*args = NULL;
	while ((r = cli_scan_next(&s, NULL, &key, &val, err, errlen)) > 0) {
		err_set(err, errlen, "unexpected argument '%s' for '%s'", val, cmdname);
		return -EINVAL;
	}
	if (r < 0)
		return r;
	*args = json_object();
	return 0;
}

int cli_parse_two_positionals(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			      const char *pos[2], int *n, json_t **args, char *err, size_t errlen)
{
	struct cli_scan s = CLI_SCAN_INIT(cmdname, argc, argv, g);
	const char *val;
	int key, r;

	*args = NULL;
	while ((r = cli_scan_next(&s, NULL, &key, &val, err, errlen)) > 0) {
		if (*n == 2) {
			err_set(err, errlen, "unexpected argument '%s' for '%s'", val, cmdname);
			return -EINVAL;
		}
		pos[(*n)++] = val;
	}
	if (r < 0)
		return r;
	if (g->help) {
		*args = json_object();
		return 1;
	}
	return 0;
}

int cli_parse_name(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		   json_t **args, char *err, size_t errlen)
{
	struct cli_named n = { .what = "VM", .key = "name" };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

int cli_parse_host_set(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	const char *pos[2] = { NULL, NULL };
	int r, n = 0;

	r = cli_parse_two_positionals(cmdname, argc, argv, g, pos, &n, args, err, errlen);
	if (r != 0)
		return r < 0 ? r : 0;
	if (n == 0) {
		err_set(err, errlen, "%s needs a setting and a value (e.g. accel kvm)", cmdname);
		return -EINVAL;
	}
	if (!strcmp(pos[0], "allow-path") || !strcmp(pos[0], "disallow-path")) {
		if (n == 1 || !*pos[1]) {
			err_set(err, errlen, "%s %s needs a path", cmdname, pos[0]);
			return -EINVAL;
		}
		if (pos[1][0] != '/') {
			err_set(err, errlen, "%s: path '%s' must be absolute", pos[0], pos[1]);
			return -EINVAL;
		}
		*args = json_pack("{s:s}", pos[0][0] == 'a' ? "allow_path" : "disallow_path", pos[1]);
		return 0;
	}
	if (!strcmp(pos[0], "metrics-listen") || !strncmp(pos[0], "alert-", 6) ||
	    !strcmp(pos[0], "balloon") || !strcmp(pos[0], "memory-budget") ||
	    !strcmp(pos[0], "memory-reserve") || !strcmp(pos[0], "balloon-interval-ms") ||
	    !strcmp(pos[0], "ksm") || !strcmp(pos[0], "ram-snapshot-fast")) {
		/* the monitor's and the balloon's: croftd checks the name and the value */
		if (n == 1) {
			err_set(err, errlen, "%s %s needs a value", cmdname, pos[0]);
			return -EINVAL;
		}
		*args = json_pack("{s:s}", pos[0], pos[1]);
		return 0;
	}
	if (strcmp(pos[0], "accel")) {
		err_set(err, errlen, "unknown host setting '%s'; the settings are: accel, "
			"allow-path, disallow-path, metrics-listen, alert-..., balloon, memory-budget, "
			"memory-reserve, balloon-interval-ms, ksm, ram-snapshot-fast", pos[0]);
		return -EINVAL;
	}
	if (n == 1) {
		err_set(err, errlen, "%s accel needs a value: auto, kvm or tcg", cmdname);
		return -EINVAL;
	}
	if (strcmp(pos[1], "auto") && strcmp(pos[1], "kvm") && strcmp(pos[1], "tcg")) {
		err_set(err, errlen, "accel must be auto, kvm or tcg, not '%s'", pos[1]);
		return -EINVAL;
	}
	*args = json_pack("{s:s}", "accel", pos[1]);
	return 0;
}
