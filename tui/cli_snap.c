/*
 * The snap commands: snap create VM NAME [--ram] [--description TEXT]
 * [--protected], snap list VM, snap info VM NAME, snap revert VM NAME
 * [--force], snap delete VM NAME (core/snap.h).  create, revert and delete
 * answer with a job, which the CLI follows unless --no-wait.  snap list
 * draws the tree: each snapshot under its parent, the current one marked
 * with "*", then the warnings about the tree and each disk's last chain
 * health check (snap info shows those too).
 */
#include "tui/cli.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <string.h>

enum { K_RAM = 1, K_DESCRIPTION, K_PROTECTED, K_FORCE, K_WAIT, K_NO_WAIT };

struct snap_parse {
	const char *cmdname;
	struct cli_opts *g;
	json_t *a;
	int n;                   /* positional arguments seen */
	int max;                 /* allowed: 1 (list) or 2 */
};

static int take_snap(void *ctx, int key, const char *opt, const char *val, char *err,
		     size_t errlen)
{
	struct snap_parse *p = ctx;

	switch (key) {
	case K_RAM:
	case K_PROTECTED:
	case K_FORCE:
		json_object_set_new(p->a, key == K_RAM ? "ram" : key == K_FORCE ? "force"
								 : "protected", json_true());
		return 0;
	case K_DESCRIPTION:
		if (strlen(val) > 1024) {
			err_set(err, errlen, "%s is longer than 1024 bytes", opt);
			return -EINVAL;
		}
		return cli_set_once(p->a, "description", json_string(val), opt, err, errlen);
	case K_WAIT:
	case K_NO_WAIT:
		p->g->no_wait = key == K_NO_WAIT;
		return 0;
	}
	if (p->n >= p->max) {
		err_set(err, errlen, "unexpected argument '%s' for '%s'", val, p->cmdname);
		return -EINVAL;
	}
	if (name_check(p->n ? "snapshot" : "VM", val, err, errlen) < 0)
		return -EINVAL;
	json_object_set_new(p->a, p->n++ ? "name" : "vm", json_string(val));
	return 0;
}

int cli_parse_snap(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		   json_t **args, char *err, size_t errlen)
{
	static const struct cli_opt create_opts[] = {
		{ "--ram", K_RAM, NULL }, { "--description", K_DESCRIPTION, "a text" },
		{ "--protected", K_PROTECTED, NULL }, { "--wait", K_WAIT, NULL },
		{ "--no-wait", K_NO_WAIT, NULL }, { "--detach", K_NO_WAIT, NULL },
		{ NULL, 0, NULL } };
	static const struct cli_opt revert_opts[] = {
		{ "--force", K_FORCE, NULL }, { "--wait", K_WAIT, NULL },
		{ "--no-wait", K_NO_WAIT, NULL }, { "--detach", K_NO_WAIT, NULL },
		{ NULL, 0, NULL } };
	static const struct cli_opt job_opts[] = {
		{ "--wait", K_WAIT, NULL }, { "--no-wait", K_NO_WAIT, NULL },
		{ "--detach", K_NO_WAIT, NULL }, { NULL, 0, NULL } };
	const char *verb = strrchr(cmdname, ' ') ? strrchr(cmdname, ' ') + 1 : cmdname;
	int list = !strcmp(verb, "list");
	struct snap_parse p = { cmdname, g, json_object(), 0, list ? 1 : 2 };
	int rc;

	*args = NULL;
	rc = cli_scan_args(cmdname, argc, argv, g, !strcmp(verb, "create") ? create_opts :
			   !strcmp(verb, "revert") ? revert_opts :
			   !strcmp(verb, "delete") ? job_opts : NULL, take_snap, &p, err, errlen);
	if (rc == 0 && !g->help && p.n < p.max) {
		err_set(err, errlen, "%s needs %s", cmdname, list ? "the VM" :
			"the VM and the snapshot's name");
		rc = -EINVAL;
	}
	if (rc < 0) {
		json_decref(p.a);
		return rc;
	}
	*args = p.a;
	return 0;
}

/* --- output -------------------------------------------------------------------------- */

static const char *bytes(char *buf, size_t len, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? size_format((uint64_t)json_integer_value(v), buf, len) : "-";
}

static const char *pause_of(char *buf, size_t len, const json_t *s)
{
	const json_t *v = json_object_get(s, "pause_ms");

	if (!json_is_number(v))
		return "-";
	snprintf(buf, len, "%.1f ms", json_number_value(v));
	return buf;
}

static void snap_row(const json_t *s, cli_row_t c)
{
	snprintf(c[0], CLI_CELL, "%*s%s%s", (int)json_integer_value(json_object_get(s, "_depth")) *
		 2, "", cli_str(s, "name"), json_is_true(json_object_get(s, "current")) ? " *" : "");
	cli_format_time((time_t)json_integer_value(json_object_get(s, "created")),
			"%Y-%m-%d %H:%M", c[1], CLI_CELL);
	snprintf(c[2], CLI_CELL, "%s", json_is_true(json_object_get(s, "ram")) ? "yes" : "no");
	bytes(c[3], CLI_CELL, s, "size");
	pause_of(c[4], CLI_CELL, s);
	snprintf(c[5], CLI_CELL, "%s%s", json_is_true(json_object_get(s, "protected")) ?
		 "[protected] " : "", jget_str(s, "description", ""));
}

/* Append the snapshots under parent (NULL: the roots) depth first. */
static void walk(const json_t *all, const char *parent, int depth, json_t *out)
{
	const json_t *s;
	size_t i;

	json_array_foreach(all, i, s) {
		const char *p = jget_str(s, "parent", NULL);
		json_t *row;

		if (parent ? !p || strcmp(p, parent) : !!p)
			continue;
		if (depth > 64 || json_array_size(out) > json_array_size(all))
			return;
		row = json_deep_copy(s);
		json_object_set_new(row, "_depth", json_integer(depth));
		json_array_append_new(out, row);
		walk(all, jget_str(s, "name", ""), depth + 1, out);
	}
}

/* The last check of each disk: "health: PATH ok (qmp, TIME)", or its
 * problem (which snap list also warns about). */
static void format_health(FILE *f, const json_t *res, int kv)
{
	const json_t *h;
	char when[64], line[1536];
	size_t i;

	json_array_foreach(json_object_get(res, "health"), i, h) {
		cli_format_time((time_t)json_integer_value(json_object_get(h, "checked")),
				"%Y-%m-%d %H:%M:%S", when, sizeof(when));
		snprintf(line, sizeof(line), "%s%s%s (%s, %s)", kv ? "" : cli_str(h, "volume"),
			 kv ? "" : " ", json_is_true(json_object_get(h, "ok")) ? "ok" :
			 cli_str(h, "message"), cli_str(h, "how"), when);
		if (kv)
			cli_kv(f, cli_str(h, "volume"), line);
		else
			fprintf(f, "health: %s\n", line);
	}
}

static void format_list(FILE *f, const json_t *res)
{
	static const struct cli_col cols[] = {
		{ "NAME", 0 }, { "CREATED", 0 }, { "RAM", 0 }, { "SIZE", 1 }, { "PAUSE", 1 },
		{ "DESCRIPTION", 0 } };
	const json_t *all = json_object_get(res, "snapshots"), *w;
	json_t *rows = json_array();
	size_t i;

	if (!json_array_size(all)) {
		fprintf(f, "VM %s has no snapshots\n", cli_str(res, "vm"));
	} else {
		walk(all, NULL, 0, rows);
		cli_table(f, cols, 6, rows, snap_row);
	}
	json_decref(rows);
	json_array_foreach(json_object_get(res, "warnings"), i, w)
		fprintf(f, "warning: %s\n", json_string_value(w));
	format_health(f, res, 0);
}

static void format_info(FILE *f, const json_t *s)
{
	const json_t *children = json_object_get(s, "children"), *c, *d;
	char buf[256], list[1024] = "";
	size_t i, len = 0;

	cli_kv(f, "name", cli_str(s, "name"));
	cli_kv(f, "parent", cli_str(s, "parent"));
	json_array_foreach(children, i, c)
		len += (size_t)snprintf(list + len, len < sizeof(list) ? sizeof(list) - len : 0,
					"%s%s", i ? ", " : "", json_string_value(c));
	cli_kv(f, "children", len ? list : "-");
	cli_kv(f, "current", json_is_true(json_object_get(s, "current")) ? "yes" : "no");
	cli_kv(f, "created", cli_format_time((time_t)json_integer_value(json_object_get(s,
					     "created")), "%Y-%m-%d %H:%M:%S", buf, sizeof(buf)));
	cli_kv(f, "ram", json_is_true(json_object_get(s, "ram")) ? "yes" : "no");
	cli_kv(f, "method", cli_str(s, "method"));
	cli_kv(f, "pause", pause_of(buf, sizeof(buf), s));
	cli_kv(f, "frozen", json_is_true(json_object_get(s, "frozen")) ? "yes" : "no");
	cli_kv(f, "size", bytes(buf, sizeof(buf), s, "size"));
	cli_kv(f, "protected", json_is_true(json_object_get(s, "protected")) ? "yes" : "no");
	cli_kv(f, "description", cli_str(s, "description"));
	json_array_foreach(json_object_get(s, "disks"), i, d) {
		char size[32];

		snprintf(buf, sizeof(buf), "%s (%s)", cli_str(d, "volume"),
			 bytes(size, sizeof(size), d, "size"));
		cli_kv(f, cli_str(d, "device"), buf);
	}
	format_health(f, s, 1);
}

int cli_run_snap_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, !strcmp(cmd->verb, "list") ? format_list
							     : format_info);
}

/* Before a RAM snapshot, on stderr: how it will be taken and the pause
 * to expect (snap.estimate).  Silent when croftd cannot say: the create
 * itself then gives the reason. */
static void say_estimate(struct cli_ctx *ctx, json_t *args)
{
	struct api_client *c = NULL;
	struct api_error e = { "", "" };
	json_t *est = NULL;
	const char *method, *why;
	double ms;

	if (ctx->opts.json || !json_is_true(json_object_get(args, "ram")) ||
	    cli_connect(ctx, &c) != CLI_EXIT_OK)
		return;
	if (api_client_call(c, "snap.estimate", json_pack("{s:s,s:b}", "vm", cli_str(args, "vm"),
							  "ram", 1), &est, NULL, &e) == 0) {
		method = cli_str(est, "method");
		why = jget_str(est, "why", "");
		ms = json_number_value(json_object_get(est, "pause_ms"));
		if (!strcmp(method, "background-snapshot"))
			fprintf(ctx->err, "%s: RAM saved while the guest runs (background-snapshot); "
				"expected pause about %.0f ms\n", cli_str(args, "vm"), ms);
		else if (*why)
			fprintf(ctx->err, "%s: the guest stays stopped while its RAM is written; "
				"expected pause about %.1f s (not in the background: %s)\n",
				cli_str(args, "vm"), ms / 1000, why);
		else
			fprintf(ctx->err, "%s: the guest stays stopped while its RAM is written; "
				"expected pause about %.1f s\n", cli_str(args, "vm"), ms / 1000);
	}
	json_decref(est);
	api_client_close(c);
}

/* create, revert, delete: follow the job, then say what happened. */
int cli_run_snap_job(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	struct api_client *c;
	enum cli_job_how how;
	json_t *res;
	int status;

	if (!strcmp(cmd->verb, "create"))
		say_estimate(ctx, args);
	status = cli_call_follow(ctx, cmd, args, &c, &res, &how);

	if (status == CLI_EXIT_OK && how != CLI_JOB_DETACHED) {
		if (ctx->opts.json)
			cli_print_json(ctx->out, res);
		else
			fprintf(ctx->out, "%s: snapshot %s %s\n", cli_str(args, "vm"),
				cli_str(args, "name"), !strcmp(cmd->verb, "create") ? "taken" :
				!strcmp(cmd->verb, "revert") ? "reverted to" : "deleted");
	}
	json_decref(res);
	api_client_close(c);
	return status;
}
