/*
 * Runners of the job commands.  Each connects, makes one call and prints:
 * with --json the raw result (for job list the array itself, as vm list
 * does), else the job table, the job's key: value block, or a one-line
 * confirmation of a cancel ("job 12: cancelled").
 */
#include "tui/cli.h"
#include "common/json_get.h"

int cli_run_job_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, "jobs", cli_format_job_list);
}

int cli_run_job_info(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, cli_format_job_info);
}

int cli_run_job_cancel(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	struct cli_job j;
	json_t *res;
	int status;

	status = cli_call_once(ctx, cmd->op, args, &res, 0);
	if (status != CLI_EXIT_OK)
		return status;
	cli_job_read(&j, res);
	if (!j.id)
		j.id = jget_int(args, "id", 0);
	if (ctx->opts.json)
		cli_print_json(ctx->out, res);
	else if (cli_job_ended(&j))
		fprintf(ctx->out, "job %lld: %s\n", j.id, j.state);
	else
		fprintf(ctx->out, "job %lld: cancelling (%s)\n", j.id, j.state);
	json_decref(res);
	return CLI_EXIT_OK;
}
