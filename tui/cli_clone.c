/*
 * vm template NAME and vm clone SRC NEW [--linked | --full] [--pool P]
 * (core/vm_clone.h).  The clone answers with a job, which the CLI follows
 * as vm create's (cli_run_vm_create) unless --no-wait.
 */
#include "tui/cli.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <string.h>

enum { K_LINKED = 1, K_FULL, K_POOL, K_WAIT, K_NO_WAIT };

struct clone_parse {
	const char *cmdname;
	struct cli_opts *g;
	json_t *a;
	int n;
};

static int take_clone(void *ctx, int key, const char *opt, const char *val, char *err,
		      size_t errlen)
{
	struct clone_parse *p = ctx;

	switch (key) {
	case K_LINKED:
	case K_FULL:
		if (json_object_get(p->a, "mode")) {
			err_set(err, errlen, "give one of --linked and --full");
			return -EINVAL;
		}
		json_object_set_new(p->a, "mode", json_string(key == K_LINKED ? "linked" : "full"));
		return 0;
	case K_POOL:
		if (name_check("pool", val, err, errlen) < 0)
			return -EINVAL;
		return cli_set_once(p->a, "pool", json_string(val), opt, err, errlen);
	case K_WAIT:
	case K_NO_WAIT:
		p->g->no_wait = key == K_NO_WAIT;
		return 0;
	}
	if (p->n >= 2) {
		err_set(err, errlen, "unexpected argument '%s' for '%s'", val, p->cmdname);
		return -EINVAL;
	}
	if (name_check("VM", val, err, errlen) < 0)
		return -EINVAL;
	json_object_set_new(p->a, p->n++ ? "name" : "source", json_string(val));
	return 0;
}

int cli_parse_vm_clone(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	static const struct cli_opt opts[] = {
		{ "--linked", K_LINKED, NULL }, { "--full", K_FULL, NULL },
		{ "--pool", K_POOL, "a pool name" }, { "--wait", K_WAIT, NULL },
		{ "--no-wait", K_NO_WAIT, NULL }, { NULL, 0, NULL } };
	struct clone_parse p = { cmdname, g, json_object(), 0 };
	int rc;

	*args = NULL;
	rc = cli_scan_args(cmdname, argc, argv, g, opts, take_clone, &p, err, errlen);
	if (rc == 0 && !g->help && p.n < 2) {
		err_set(err, errlen, "%s needs the VM to clone and a name for the clone", cmdname);
		rc = -EINVAL;
	}
	if (rc == 0 && json_object_get(p.a, "pool") &&
	    !strcmp(jget_str(p.a, "mode", ""), "linked")) {
		err_set(err, errlen, "--pool is for --full: a linked clone's volumes lie beside "
			"the template's");
		rc = -EINVAL;
	}
	if (rc < 0) {
		json_decref(p.a);
		return rc;
	}
	*args = p.a;
	return 0;
}

static void format_template(FILE *f, const json_t *vm)
{
	fprintf(f, "%s: now a template\n", jget_str(vm, "name", "?"));
}

int cli_run_vm_template(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, format_template);
}
