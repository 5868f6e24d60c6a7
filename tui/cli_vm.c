/*
 * Runners of the vm commands.  Each connects, makes one call with the args
 * its parser built and prints the result: the raw result with --json, else
 * a table (list), a key: value block (info) or a one-line confirmation
 * ("web: running").  vm console lives in cli_console.c.
 */
#include "tui/cli.h"

#include <string.h>

#define SHUTDOWN_DEFAULT_S 60
#define SHUTDOWN_SLACK_S 30      /* croftd's own work beyond the guest's */

/* Call, then print the raw result with --json or through format. */
static int call_and_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args,
			 void (*format)(FILE *, const json_t *))
{
	json_t *res;
	int status;

	status = cli_call_once(ctx, cmd->op, args, &res, 0);
	if (status != CLI_EXIT_OK)
		return status;
	if (ctx->opts.json)
		cli_print_json(ctx->out, res);
	else
		format(ctx->out, res);
	json_decref(res);
	return CLI_EXIT_OK;
}

int cli_run_vm_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	json_t *res, *vms;
	int status;

	status = cli_call_once(ctx, cmd->op, args, &res, 0);
	if (status != CLI_EXIT_OK)
		return status;
	vms = json_object_get(res, "vms");
	if (!json_is_array(vms)) {
		json_decref(res);
		return cli_error(ctx, CLI_EXIT_ERROR, "internal",
				 "croftd's vm.list reply has no 'vms' array");
	}
	if (ctx->opts.json)
		cli_print_json(ctx->out, vms);
	else
		cli_format_vm_list(ctx->out, vms);
	json_decref(res);
	return CLI_EXIT_OK;
}

int cli_run_vm_info(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return call_and_show(ctx, cmd, args, cli_format_vm_info);
}

int cli_run_vm_action(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	const char *name, *state;
	json_t *res;
	int status, timeout_ms = 0;

	if (!strcmp(cmd->verb, "shutdown")) {
		json_t *t = json_object_get(args, "timeout_s");
		long long secs = json_is_integer(t) ? (long long)json_integer_value(t)
						    : SHUTDOWN_DEFAULT_S;

		timeout_ms = (int)((secs + SHUTDOWN_SLACK_S) * 1000);
		if (timeout_ms < API_CLIENT_DEFAULT_TIMEOUT_MS)
			timeout_ms = API_CLIENT_DEFAULT_TIMEOUT_MS;
	}
	status = cli_call_once(ctx, cmd->op, args, &res, timeout_ms);
	if (status != CLI_EXIT_OK)
		return status;
	if (ctx->opts.json) {
		cli_print_json(ctx->out, res);
	} else {
		name = json_string_value(json_object_get(res, "name"));
		if (!name)
			name = json_string_value(json_object_get(args, "name"));
		state = json_string_value(json_object_get(res, "state"));
		if (!strcmp(cmd->verb, "create"))
			fprintf(ctx->out, "%s: created\n", name ? name : "?");
		else if (!strcmp(cmd->verb, "edit"))
			fprintf(ctx->out, "%s: updated\n", name ? name : "?");
		else
			fprintf(ctx->out, "%s: %s\n", name ? name : "?", state ? state : "done");
	}
	json_decref(res);
	return CLI_EXIT_OK;
}

int cli_run_vm_delete(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return call_and_show(ctx, cmd, args, cli_format_vm_delete);
}
