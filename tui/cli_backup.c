/*
 * backup create VM --to POOL, backup list [VM], backup verify ID,
 * backup restore ID [--as NEWNAME] [--pool POOL] [--force], backup delete
 * ID (core/backup.h).  The job-starting commands follow their job (unless
 * --no-wait), then print what it produced, read with job.info.
 */
#include "tui/cli.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { K_TO = 1, K_AS, K_POOL, K_FORCE, K_WAIT, K_NO_WAIT };

struct backup_parse {
	const char *cmdname;
	struct cli_opts *g;
	json_t *a;
	int n;                   /* positionals taken */
	int max;                 /* positionals allowed */
	const char *first;       /* what the first positional is: "vm" or "id" */
};

static int take_id(json_t *a, const char *val, char *err, size_t errlen)
{
	char *end;
	long long id;

	errno = 0;
	id = strtoll(val, &end, 10);
	if (errno || end == val || *end || id <= 0) {
		err_set(err, errlen, "'%s' is not a backup id (see croft backup list)", val);
		return -EINVAL;
	}
	json_object_set_new(a, "id", json_integer(id));
	return 0;
}

static int take_backup(void *ctx, int key, const char *opt, const char *val, char *err,
		       size_t errlen)
{
	struct backup_parse *p = ctx;

	switch (key) {
	case K_TO:
	case K_POOL:
		if (name_check("pool", val, err, errlen) < 0)
			return -EINVAL;
		return cli_set_once(p->a, key == K_TO ? "to" : "pool", json_string(val), opt, err,
				    errlen);
	case K_AS:
		if (name_check("VM", val, err, errlen) < 0)
			return -EINVAL;
		return cli_set_once(p->a, "as", json_string(val), opt, err, errlen);
	case K_FORCE:
		json_object_set_new(p->a, "force", json_true());
		return 0;
	case K_WAIT:
	case K_NO_WAIT:
		p->g->no_wait = key == K_NO_WAIT;
		return 0;
	}
	if (p->n >= p->max) {
		err_set(err, errlen, "unexpected argument '%s' for '%s'", val, p->cmdname);
		return -EINVAL;
	}
	p->n++;
	if (!strcmp(p->first, "id"))
		return take_id(p->a, val, err, errlen);
	if (name_check("VM", val, err, errlen) < 0)
		return -EINVAL;
	json_object_set_new(p->a, "vm", json_string(val));
	return 0;
}

static int parse_with(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		      const struct cli_opt *opts, const char *first, int need, json_t **args,
		      char *err, size_t errlen)
{
	struct backup_parse p = { cmdname, g, json_object(), 0, 1, first };
	int rc;

	*args = NULL;
	rc = cli_scan_args(cmdname, argc, argv, g, opts, take_backup, &p, err, errlen);
	if (rc == 0 && !g->help && need && !p.n) {
		err_set(err, errlen, "%s needs %s", cmdname, !strcmp(first, "id")
			? "a backup id (see croft backup list)" : "the VM to back up");
		rc = -EINVAL;
	}
	if (rc < 0) {
		json_decref(p.a);
		return rc;
	}
	*args = p.a;
	return 0;
}

static const struct cli_opt wait_opts[] = {
	{ "--wait", K_WAIT, NULL }, { "--no-wait", K_NO_WAIT, NULL }, { NULL, 0, NULL } };

int cli_parse_backup_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			    json_t **args, char *err, size_t errlen)
{
	static const struct cli_opt opts[] = {
		{ "--to", K_TO, "a pool name" }, { "--wait", K_WAIT, NULL },
		{ "--no-wait", K_NO_WAIT, NULL }, { NULL, 0, NULL } };
	int rc = parse_with(cmdname, argc, argv, g, opts, "vm", 1, args, err, errlen);

	if (rc == 0 && !g->help && !json_object_get(*args, "to")) {
		err_set(err, errlen, "%s needs --to POOL: the pool the backup goes to (another "
			"pool than the VM's)", cmdname);
		json_decref(*args);
		*args = NULL;
		return -EINVAL;
	}
	return rc;
}

int cli_parse_backup_list(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			  json_t **args, char *err, size_t errlen)
{
	static const struct cli_opt none[] = { { NULL, 0, NULL } };

	return parse_with(cmdname, argc, argv, g, none, "vm", 0, args, err, errlen);
}

int cli_parse_backup_id(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen)
{
	return parse_with(cmdname, argc, argv, g, wait_opts, "id", 1, args, err, errlen);
}

int cli_parse_backup_restore(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			     json_t **args, char *err, size_t errlen)
{
	static const struct cli_opt opts[] = {
		{ "--as", K_AS, "a VM name" }, { "--pool", K_POOL, "a pool name" },
		{ "--force", K_FORCE, NULL }, { "--wait", K_WAIT, NULL },
		{ "--no-wait", K_NO_WAIT, NULL }, { NULL, 0, NULL } };

	return parse_with(cmdname, argc, argv, g, opts, "id", 1, args, err, errlen);
}

/* --- output ---------------------------------------------------------------------- */

static void backup_row(const json_t *o, cli_row_t c)
{
	const json_t *v = json_object_get(o, "verified");
	char when[64];

	snprintf(c[0], CLI_CELL, "%lld", (long long)json_integer_value(json_object_get(o, "id")));
	snprintf(c[1], CLI_CELL, "%s", cli_str(o, "vm"));
	snprintf(c[2], CLI_CELL, "%s", cli_str(o, "pool"));
	cli_format_time((time_t)json_integer_value(json_object_get(o, "created")),
			"%Y-%m-%d %H:%M:%S", c[3], CLI_CELL);
	size_format((uint64_t)json_integer_value(json_object_get(o, "size")), c[4], CLI_CELL);
	snprintf(c[5], CLI_CELL, "%zu", json_array_size(json_object_get(o, "disks")));
	snprintf(c[6], CLI_CELL, "%s%s", cli_str(o, "method"),
		 json_is_true(json_object_get(o, "frozen")) ? ",frozen" : "");
	if (json_is_integer(v))
		snprintf(c[7], CLI_CELL, "%s %s", cli_str(o, "verify_result"),
			 cli_format_time((time_t)json_integer_value(v), "%Y-%m-%d", when,
					 sizeof(when)));
	else
		snprintf(c[7], CLI_CELL, "never");
}

static void format_list(FILE *f, const json_t *list)
{
	static const struct cli_col cols[] = {
		{ "ID", 1 }, { "VM", 0 }, { "POOL", 0 }, { "TAKEN", 0 }, { "SIZE", 1 },
		{ "DISKS", 1 }, { "HOW", 0 }, { "VERIFIED", 0 },
	};

	if (!json_array_size(list))
		fputs("No backups. Make one with: croft backup create VM --to POOL\n", f);
	else
		cli_table(f, cols, 8, list, backup_row);
}

int cli_run_backup_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, "backups", format_list);
}

static void format_deleted(FILE *f, const json_t *res)
{
	fprintf(f, "backup %lld: deleted\n", (long long)json_integer_value(json_object_get(res,
												"id")));
}

int cli_run_backup_delete(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, format_deleted);
}

static void format_result(FILE *f, const char *verb, const json_t *r)
{
	char size[32];

	if (!strcmp(verb, "create"))
		fprintf(f, "backup %lld of %s: in pool %s, %s%s\n",
			(long long)json_integer_value(json_object_get(r, "id")), cli_str(r, "vm"),
			cli_str(r, "pool"), size_format((uint64_t)json_integer_value(
			json_object_get(r, "size")), size, sizeof(size)),
			json_is_true(json_object_get(r, "frozen")) ? ", file systems frozen" : "");
	else if (!strcmp(verb, "verify"))
		fprintf(f, "backup %lld: %s\n", (long long)json_integer_value(json_object_get(r,
			"id")), cli_str(r, "result"));
	else
		fprintf(f, "%s: restored from backup %lld\n", cli_str(r, "name"),
			(long long)json_integer_value(json_object_get(r, "backup")));
}

/* Start the job, follow it, print what it made. */
int cli_run_backup_job(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	struct api_client *c;
	enum cli_job_how how;
	json_t *res, *job = NULL, *result;
	int status;

	status = cli_call_follow(ctx, cmd, args, &c, &res, &how);
	if (status != CLI_EXIT_OK || how != CLI_JOB_DONE)
		goto out;
	status = cli_call(ctx, c, "job.info", json_pack("{s:O}", "id",
			  json_object_get(json_object_get(res, "job"), "id")), &job, NULL);
	if (status != CLI_EXIT_OK)
		goto out;
	result = json_object_get(job, "result");
	if (ctx->opts.json)
		cli_print_json(ctx->out, result);
	else if (json_is_object(result))
		format_result(ctx->out, cmd->verb, result);
out:
	json_decref(job);
	json_decref(res);
	api_client_close(c);
	return status;
}
