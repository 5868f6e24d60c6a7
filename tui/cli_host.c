/*
 * Runners of the host commands and croft version.  host info and host set
 * print the same host object; version prints this croft's version and
 * protocol and, when it can connect, croftd's.
 */
#include "tui/cli.h"
#include "common/json_get.h"
#include "common/proto.h"

#include <string.h>

int cli_run_host_info(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	json_t *res = NULL;
	const char *source;
	int status;

	status = cli_call_once(ctx, cmd->op, args, &res, 0);
	if (status != CLI_EXIT_OK)
		return status;
	if (ctx->opts.json) {
		cli_print_json(ctx->out, res);
	} else {
		cli_format_host_info(ctx->out, res);
		source = jget_str(res, "accel.source", "");
		if (!strcmp(cmd->verb, "set") && json_object_get(args, "accel") &&
		    !strcmp(source, "env"))
			fprintf(ctx->err, "croft: note: CROFT_ACCEL in croftd's environment "
				"overrides this setting until croftd restarts without it\n");
	}
	json_decref(res);
	return CLI_EXIT_OK;
}

int cli_run_version(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	struct api_client *c = NULL;
	json_t *v;
	int status;

	(void)cmd;
	(void)args;
	status = cli_connect(ctx, &c);
	if (ctx->opts.json) {
		v = json_pack("{s:s, s:i}", "client", CROFT_VERSION, "protocol", PROTO_VERSION);
		if (status == CLI_EXIT_OK)
			json_object_set_new(v, "server_version",
					    json_string(api_client_server_version(c)));
		/* on failure cli_connect has printed the error object */
		if (status == CLI_EXIT_OK)
			cli_print_json(ctx->out, v);
		json_decref(v);
	} else {
		fprintf(ctx->out, "croft %s (protocol %d)\n", CROFT_VERSION, PROTO_VERSION);
		if (status == CLI_EXIT_OK)
			fprintf(ctx->out, "croftd %s\n", api_client_server_version(c));
	}
	api_client_close(c);
	return status;
}
