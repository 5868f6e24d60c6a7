/*
 * The vol commands: create, list, info, delete.  A volume is named
 * POOL/NAME on the command line ({"pool","name"} in the request); both
 * halves follow the name rules.  vol create starts a job and follows it
 * like vm create (cli_job_follow).
 */
#include "tui/cli.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

enum { K_SIZE = 1, K_FORMAT, K_NO_WAIT, K_WAIT, K_BUS, K_FROM, K_TO, K_OUT_FORMAT };

int cli_vol_ref(const char *ref, json_t *args, char *err, size_t errlen)
{
	const char *slash = strchr(ref, '/');
	char pool[NAME_MAX_LEN + 2];
	size_t len = slash ? (size_t)(slash - ref) : 0;

	if (!slash || !len || !slash[1]) {
		err_set(err, errlen, "a volume is POOL/NAME (e.g. default/data), not '%s'", ref);
		return -EINVAL;
	}
	if (len >= sizeof(pool)) {
		err_set(err, errlen, "pool name '%.20s...' is too long", ref);
		return -EINVAL;
	}
	memcpy(pool, ref, len);
	pool[len] = '\0';
	if (name_check("pool", pool, err, errlen) < 0 ||
	    name_check("volume", slash + 1, err, errlen) < 0)
		return -EINVAL;
	json_object_set_new(args, "pool", json_string(pool));
	json_object_set_new(args, "name", json_string(slash + 1));
	return 0;
}

struct vol_parse {
	const char *cmdname;
	json_t *a;
	struct cli_opts *g;
	int have_ref;
	int positional_pool;     /* vol list [POOL] */
};

/* A file of the user's, made absolute against the working directory
 * (croftd reads and writes it as this user, never from its own). */
static int take_file(struct vol_parse *p, const char *key, const char *opt, const char *val,
		     char *err, size_t errlen)
{
	char cwd[PATH_MAX], abs[PATH_MAX];

	if (!*val) {
		err_set(err, errlen, "%s needs a file", opt);
		return -EINVAL;
	}
	if (val[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd))) {
			err_set(err, errlen, "%s: cannot tell the working directory: %s", opt,
				strerror(errno));
			return -EINVAL;
		}
		if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", strcmp(cwd, "/") ? cwd : "", val) >=
		    sizeof(abs)) {
			err_set(err, errlen, "%s: the path is too long", opt);
			return -EINVAL;
		}
		val = abs;
	}
	return cli_set_once(p->a, key, json_string(val), opt, err, errlen);
}

static int take(void *ctx, int key, const char *opt, const char *val, char *err, size_t errlen)
{
	struct vol_parse *p = ctx;
	char why[256];
	uint64_t bytes;

	switch (key) {
	case 0:
		if (p->have_ref) {
			err_set(err, errlen, "unexpected argument '%s' for '%s'", val, p->cmdname);
			return -EINVAL;
		}
		p->have_ref = 1;
		if (p->positional_pool) {
			if (name_check("pool", val, err, errlen) < 0)
				return -EINVAL;
			json_object_set_new(p->a, "pool", json_string(val));
			return 0;
		}
		return cli_vol_ref(val, p->a, err, errlen);
	case K_SIZE:
		if (size_parse(val, &bytes, why, sizeof(why)) < 0 ||
		    disk_size_check(bytes, why, sizeof(why)) < 0) {
			err_set(err, errlen, "%s: %s", opt, why);
			return -EINVAL;
		}
		return cli_set_once(p->a, "size_bytes", json_integer((json_int_t)bytes), opt, err,
				    errlen);
	case K_FORMAT:
		if (strcmp(val, "qcow2") && strcmp(val, "raw")) {
			err_set(err, errlen, "%s must be qcow2 or raw, not '%s'", opt, val);
			return -EINVAL;
		}
		return cli_set_once(p->a, "format", json_string(val), opt, err, errlen);
	case K_NO_WAIT:
	case K_WAIT:
		p->g->no_wait = key == K_NO_WAIT;
		return 0;
	case K_FROM:
	case K_TO:
		return take_file(p, key == K_FROM ? "from" : "to", opt, val, err, errlen);
	case K_OUT_FORMAT:
		if (!*val) {
			err_set(err, errlen, "%s needs a format such as qcow2, raw or vmdk", opt);
			return -EINVAL;
		}
		return cli_set_once(p->a, "format", json_string(val), opt, err, errlen);
	}
	return -EINVAL;
}

static int parse(const char *cmdname, int argc, char **argv, struct cli_opts *g, json_t **args,
		 const struct cli_opt *opts, int positional_pool, int need_ref, char *err,
		 size_t errlen)
{
	struct vol_parse p = { cmdname, json_object(), g, 0, positional_pool };
	int rc;

	*args = NULL;
	rc = cli_scan_args(cmdname, argc, argv, g, opts, take, &p, err, errlen);
	if (rc == 0 && !g->help && need_ref && !p.have_ref) {
		err_set(err, errlen, "%s needs a volume POOL/NAME", cmdname);
		rc = -EINVAL;
	}
	if (rc == 0 && !g->help && opts && opts[0].key == K_SIZE &&
	    !json_object_get(p.a, "size_bytes")) {
		err_set(err, errlen, "%s needs --size SIZE (e.g. --size 20G)", cmdname);
		rc = -EINVAL;
	}
	if (rc == 0 && !g->help && opts && (opts[0].key == K_FROM || opts[0].key == K_TO) &&
	    !json_object_get(p.a, opts[0].key == K_FROM ? "from" : "to")) {
		err_set(err, errlen, "%s needs %s FILE", cmdname, opts[0].name);
		rc = -EINVAL;
	}
	if (rc < 0) {
		json_decref(p.a);
		return rc;
	}
	*args = p.a;
	return 0;
}

static const struct cli_opt create_opts[] = {
	{ "--size", K_SIZE, "a size such as 20G" },
	{ "--format", K_FORMAT, "qcow2 or raw" },
	{ "--no-wait", K_NO_WAIT, NULL },
	{ "--wait", K_WAIT, NULL },
	{ NULL, 0, NULL },
};

static const struct cli_opt resize_opts[] = {
	{ "--size", K_SIZE, "the new size, larger, such as 40G" },
	{ "--no-wait", K_NO_WAIT, NULL },
	{ "--wait", K_WAIT, NULL },
	{ NULL, 0, NULL },
};

int cli_parse_vol_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	return parse(cmdname, argc, argv, g, args, create_opts, 0, 1, err, errlen);
}

int cli_parse_vol_resize(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	return parse(cmdname, argc, argv, g, args, resize_opts, 0, 1, err, errlen);
}

static const struct cli_opt import_opts[] = {
	{ "--from", K_FROM, "the image file: vmdk, vdi, vhd, vhdx, qcow2 or raw" },
	{ "--format", K_FORMAT, "qcow2 or raw" },
	{ "--no-wait", K_NO_WAIT, NULL },
	{ "--wait", K_WAIT, NULL },
	{ NULL, 0, NULL },
};

static const struct cli_opt iso_import_opts[] = {
	{ "--from", K_FROM, "the ISO file" },
	{ "--no-wait", K_NO_WAIT, NULL },
	{ "--wait", K_WAIT, NULL },
	{ NULL, 0, NULL },
};

static const struct cli_opt export_opts[] = {
	{ "--to", K_TO, "a new file" },
	{ "--format", K_OUT_FORMAT, "qcow2, raw, vmdk, vdi, vhd or vhdx" },
	{ "--no-wait", K_NO_WAIT, NULL },
	{ "--wait", K_WAIT, NULL },
	{ NULL, 0, NULL },
};

int cli_parse_vol_import(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	return parse(cmdname, argc, argv, g, args, import_opts, 0, 1, err, errlen);
}

int cli_parse_iso_import(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	return parse(cmdname, argc, argv, g, args, iso_import_opts, 0, 1, err, errlen);
}

int cli_parse_vol_export(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	return parse(cmdname, argc, argv, g, args, export_opts, 0, 1, err, errlen);
}

int cli_parse_vol_ref(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		      json_t **args, char *err, size_t errlen)
{
	return parse(cmdname, argc, argv, g, args, NULL, 0, 1, err, errlen);
}

int cli_parse_vol_list(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	return parse(cmdname, argc, argv, g, args, NULL, 1, 0, err, errlen);
}

/* 1610612736 -> "1.5G" */
static const char *bytes_of(char *buf, size_t len, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return "-";
	return size_format((uint64_t)json_integer_value(v), buf, len);
}

static void vol_row(const json_t *o, cli_row_t c)
{
	snprintf(c[0], CLI_CELL, "%s/%s", cli_str(o, "pool"), cli_str(o, "name"));
	snprintf(c[1], CLI_CELL, "%s", cli_str(o, "format"));
	bytes_of(c[2], CLI_CELL, o, "virtual_bytes");
	bytes_of(c[3], CLI_CELL, o, "allocated_bytes");
	snprintf(c[4], CLI_CELL, "%s", cli_str(o, "used_by"));
	snprintf(c[5], CLI_CELL, "%s", cli_str(o, "backing"));
}

void cli_format_vol_list(FILE *f, const json_t *vols)
{
	static const struct cli_col cols[] = {
		{ "VOLUME", 0 }, { "FORMAT", 0 }, { "VIRTUAL", 1 }, { "ALLOCATED", 1 },
		{ "USED BY", 0 }, { "BACKING", 0 },
	};

	if (!json_array_size(vols))
		fputs("No volumes. Create one with: croft vol create default/NAME --size 20G\n", f);
	else
		cli_table(f, cols, 6, vols, vol_row);
}

void cli_format_vol_info(FILE *f, const json_t *v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s/%s", cli_str(v, "pool"), cli_str(v, "name"));
	cli_kv(f, "volume", buf);
	cli_kv(f, "path", cli_str(v, "path"));
	cli_kv(f, "format", cli_str(v, "format"));
	cli_kv(f, "virtual", bytes_of(buf, sizeof(buf), v, "virtual_bytes"));
	cli_kv(f, "allocated", bytes_of(buf, sizeof(buf), v, "allocated_bytes"));
	cli_kv(f, "backing", cli_str(v, "backing"));
	cli_kv(f, "used by", cli_str(v, "used_by"));
}

static void format_deleted(FILE *f, const json_t *v)
{
	fprintf(f, "%s/%s: deleted\n", cli_str(v, "pool"), cli_str(v, "name"));
}

int cli_run_vol_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, "volumes", cli_format_vol_list);
}

int cli_run_vol_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, !strcmp(cmd->verb, "delete") ? format_deleted
			    : cli_format_vol_info);
}

/* vol.create answers {"pool","name","job"}, vol.resize that or the volume
 * grown online: follow the job, then show the volume. */
int cli_run_vol_create(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	struct api_client *c;
	enum cli_job_how how;
	json_t *res, *vol = NULL;
	int status;

	status = cli_call_follow(ctx, cmd, args, &c, &res, &how);
	if (status != CLI_EXIT_OK || how == CLI_JOB_DETACHED)
		goto out;
	status = cli_call(ctx, c, "vol.info", json_pack("{s:O,s:O}", "pool",
			  json_object_get(args, "pool"), "name", json_object_get(args, "name")),
			  &vol, NULL);
	if (status != CLI_EXIT_OK)
		goto out;
	if (ctx->opts.json)
		cli_print_json(ctx->out, vol);
	else if (!strcmp(cmd->verb, "export"))
		fprintf(ctx->out, "%s/%s: exported to %s\n", cli_str(vol, "pool"),
			cli_str(vol, "name"), cli_str(args, "to"));
	else
		fprintf(ctx->out, "%s/%s: %s (%s, %s%s)\n", cli_str(vol, "pool"),
			cli_str(vol, "name"), !strcmp(cmd->verb, "resize") ? "resized" :
			!strcmp(cmd->verb, "import") ? "imported" : "created",
			cli_str(vol, "format"), bytes_of((char[32]){ 0 }, 32, vol, "virtual_bytes"),
			json_is_true(json_object_get(res, "online")) ? ", online" : "");
out:
	json_decref(vol);
	json_decref(res);
	api_client_close(c);
	return status;
}

/* --- vm disk attach VM POOL/NAME [--bus virtio-blk|virtio-scsi] -------------------- */

struct disk_parse {
	const char *cmdname;
	json_t *a;
	int n;
};

static int take_disk(void *ctx, int key, const char *opt, const char *val, char *err,
		     size_t errlen)
{
	struct disk_parse *p = ctx;

	if (key == K_BUS) {
		if (strcmp(val, "virtio-blk") && strcmp(val, "virtio-scsi")) {
			err_set(err, errlen, "%s must be virtio-blk or virtio-scsi, not '%s'", opt, val);
			return -EINVAL;
		}
		return cli_set_once(p->a, "bus", json_string(val), opt, err, errlen);
	}
	switch (p->n++) {
	case 0:
		if (name_check("VM", val, err, errlen) < 0)
			return -EINVAL;
		json_object_set_new(p->a, "name", json_string(val));
		return 0;
	case 1: {
		json_t *tmp = json_object();
		int rc = cli_vol_ref(val, tmp, err, errlen);

		json_decref(tmp);
		if (rc < 0)
			return rc;
		json_object_set_new(p->a, "volume", json_string(val));
		return 0;
	}
	}
	err_set(err, errlen, "unexpected argument '%s' for '%s'", val, p->cmdname);
	return -EINVAL;
}

int cli_parse_vm_disk(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		      json_t **args, char *err, size_t errlen)
{
	static const struct cli_opt opts[] = {
		{ "--bus", K_BUS, "virtio-blk or virtio-scsi" }, { NULL, 0, NULL } };
	struct disk_parse p = { cmdname, json_object(), 0 };
	int rc;

	*args = NULL;
	rc = cli_scan_args(cmdname, argc, argv, g, opts, take_disk, &p, err, errlen);
	if (rc == 0 && strstr(cmdname, "detach") && json_object_get(p.a, "bus")) {
		err_set(err, errlen, "--bus is for vm disk attach");
		rc = -EINVAL;
	}
	if (rc == 0 && !g->help && p.n < 2) {
		err_set(err, errlen, "%s needs a VM and a volume POOL/NAME", cmdname);
		rc = -EINVAL;
	}
	if (rc < 0) {
		json_decref(p.a);
		return rc;
	}
	*args = p.a;
	return 0;
}

static void format_attached(FILE *f, const json_t *res)
{
	fprintf(f, "%s: volume %s attached\n", cli_str(res, "name"), cli_str(res, "volume"));
}

static void format_detached(FILE *f, const json_t *res)
{
	fprintf(f, "%s: volume %s detached\n", cli_str(res, "name"), cli_str(res, "volume"));
}

int cli_run_vm_disk(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, strcmp(cmd->verb, "detach") ? format_attached
			    : format_detached);
}
