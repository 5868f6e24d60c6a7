/*
 * Runners of the vm commands.  Each connects, makes one call with the args
 * its parser built and prints the result: the raw result with --json, else
 * a table (list), a key: value block (info) or a one-line confirmation
 * ("web: running").  vm create may answer with a job (creating its disks)
 * that cli_job_follow() waits for before the VM is shown.  vm log prints
 * the log's text as it is (with --follow it asks again for what came after
 * the last end, twice a second).  vm console lives in cli_console.c.
 */
#include "tui/cli.h"
#include "common/json_get.h"

#include <string.h>
#include <time.h>

#define LOG_FOLLOW_MS 500

#define SHUTDOWN_DEFAULT_S 60
#define SHUTDOWN_SLACK_S 30      /* croftd's own work beyond the guest's */

int cli_run_vm_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, "vms", cli_format_vm_list);
}

int cli_run_vm_info(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, cli_format_vm_info);
}

int cli_run_vm_display(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, cli_format_vm_display);
}

int cli_run_vm_screen(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, cli_format_vm_screen);
}

static void format_sent(FILE *f, const json_t *res)
{
	fprintf(f, "%s: keys sent\n", jget_str(res, "name", "?"));
}

int cli_run_vm_sendkey(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, format_sent);
}

int cli_run_vm_agent(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, cli_format_vm_agent);
}

int cli_run_vm_action(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	const char *name, *state;
	json_t *res;
	int status, timeout_ms = 0;

	if (!strcmp(cmd->verb, "shutdown")) {
		long long secs = jget_int(args, "timeout_s", SHUTDOWN_DEFAULT_S);

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
		name = jget_str(res, "name", jget_str(args, "name", "?"));
		state = jget_str(res, "state", "done");
		if (!strcmp(cmd->verb, "edit"))
			fprintf(ctx->out, "%s: updated\n", name);
		else
			fprintf(ctx->out, "%s: %s\n", name, state);
	}
	json_decref(res);
	return CLI_EXIT_OK;
}

int cli_run_vm_delete(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, cli_format_vm_delete);
}

/* vm.create answers the VM, or {"name","job"} while its disks are made. */
int cli_run_vm_create(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	struct api_client *c;
	enum cli_job_how how;
	json_t *res, *vm = NULL;
	const char *name;
	int status;

	status = cli_call_follow(ctx, cmd, args, &c, &res, &how);
	if (status != CLI_EXIT_OK || how == CLI_JOB_DETACHED)
		goto out;
	name = jget_str(res, "name", jget_str(args, "name", "?"));
	if (!ctx->opts.json) {
		fprintf(ctx->out, "%s: created\n", name);
	} else if (how == CLI_JOB_NONE) {
		cli_print_json(ctx->out, res);
	} else {
		status = cli_call(ctx, c, "vm.info", json_pack("{s:s}", "name", name), &vm, NULL);
		if (status == CLI_EXIT_OK)
			cli_print_json(ctx->out, vm);
	}
out:
	json_decref(vm);
	json_decref(res);
	api_client_close(c);
	return status;
}

int cli_run_vm_log(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	struct timespec pause = { 0, LOG_FOLLOW_MS * 1000000L };
	struct api_client *c = NULL;
	int follow = json_is_true(json_object_get(args, "follow")), status;
	json_t *a = json_deep_copy(args), *res = NULL;

	json_object_del(a, "follow");
	status = cli_connect(ctx, &c);
	while (status == CLI_EXIT_OK) {
		status = cli_call(ctx, c, cmd->op, json_incref(a), &res, NULL);
		if (status != CLI_EXIT_OK)
			break;
		if (ctx->opts.json) {
			cli_print_json(ctx->out, res);
		} else {
			fputs(jget_str(res, "data", ""), ctx->out);
		}
		fflush(ctx->out);
		if (!follow)
			break;
		/* from here on: what came after the end seen, all of it */
		json_object_set_new(a, "after", json_integer(jget_int(res, "end", 0)));
		json_object_del(a, "bytes");
		json_decref(res);
		res = NULL;
		nanosleep(&pause, NULL);
	}
	json_decref(res);
	json_decref(a);
	api_client_close(c);
	return status;
}
