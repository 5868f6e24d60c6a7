/*
 * Runners of the host commands, croft events and croft version.  host info
 * and host set print the same host object; events subscribes and then
 * prints each event as one line (raw JSON with --json), flushing after
 * every line so it can feed a pipe, until croftd goes away.
 */
#include "tui/cli.h"
#include "common/proto.h"

#include <string.h>
#include <time.h>

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
		source = json_string_value(json_object_get(json_object_get(res, "accel"), "source"));
		if (!strcmp(cmd->verb, "set") && source && !strcmp(source, "env"))
			fprintf(ctx->err, "croft: note: CROFT_ACCEL in croftd's environment "
				"overrides this setting until croftd restarts without it\n");
	}
	json_decref(res);
	return CLI_EXIT_OK;
}

int cli_run_events(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	struct api_client *c = NULL;
	struct api_error e = { "", "" };
	json_t *res = NULL, *ev;
	int status, r;

	status = cli_connect(ctx, &c);
	if (status != CLI_EXIT_OK)
		return status;
	status = cli_call(ctx, c, cmd->op, json_incref(args), &res, NULL);
	json_decref(res);
	if (status != CLI_EXIT_OK)
		goto out;
	for (;;) {
		r = api_client_next_event(c, &ev, -1, &e);
		if (r < 0) {
			status = cli_error(ctx, CLI_EXIT_CONNECT, e.code[0] ? e.code : "connection",
					   "%s", e.message[0] ? e.message : strerror(-r));
			break;
		}
		if (r == 0)
			continue;
		if (ctx->opts.json)
			cli_print_json(ctx->out, ev);
		else
			cli_format_event(ctx->out, ev, time(NULL));
		json_decref(ev);
		if (fflush(ctx->out) != 0 || ferror(ctx->out)) {
			status = CLI_EXIT_ERROR;
			break;
		}
	}
out:
	api_client_close(c);
	return status;
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
