/*
 * Runners of the net and vm nic commands.  Each connects, makes one call
 * with the args its parser built and prints the result: with --json the
 * raw result (for lists, the array itself, as vm list does), else a table,
 * a key: value block or a one-line confirmation.
 */
#include "tui/cli.h"

#include <string.h>

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

/* Call, then print the raw result (or its member key) with --json, or
 * through format.  format gets the member too when key is set. */
static int call_and_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args,
			 const char *key, void (*format)(FILE *, const json_t *))
{
	json_t *res, *show;
	int status;

	status = cli_call_once(ctx, cmd->op, args, &res, 0);
	if (status != CLI_EXIT_OK)
		return status;
	show = key ? json_object_get(res, key) : res;
	if (key && !json_is_array(show)) {
		json_decref(res);
		return cli_error(ctx, CLI_EXIT_ERROR, "internal",
				 "croftd's %s reply has no '%s' array", cmd->op, key);
	}
	if (ctx->opts.json)
		cli_print_json(ctx->out, show);
	else
		format(ctx->out, show);
	json_decref(res);
	return CLI_EXIT_OK;
}

int cli_run_net_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return call_and_show(ctx, cmd, args, "networks", cli_format_net_list);
}

static void format_created(FILE *f, const json_t *net)
{
	const char *s;

	fprintf(f, "%s: created (%s", str(net, "name"), str(net, "mode"));
	if ((s = json_string_value(json_object_get(net, "subnet"))))
		fprintf(f, ", subnet %s", s);
	if ((s = json_string_value(json_object_get(net, "uplink"))))
		fprintf(f, ", uplink %s", s);
	if ((s = json_string_value(json_object_get(net, "bridge"))))
		fprintf(f, ", bridge %s", s);
	fputs(")\n", f);
}

int cli_run_net_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return call_and_show(ctx, cmd, args, NULL, strcmp(cmd->verb, "create")
			     ? cli_format_net_info : format_created);
}

int cli_run_net_delete(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return call_and_show(ctx, cmd, args, NULL, cli_format_net_delete);
}

static void format_fwd_added(FILE *f, const json_t *fw)
{
	cli_format_fwd(f, "added", fw);
}

static void format_fwd_removed(FILE *f, const json_t *fw)
{
	cli_format_fwd(f, "removed", fw);
}

int cli_run_fwd(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return call_and_show(ctx, cmd, args, NULL, strcmp(cmd->verb, "add")
			     ? format_fwd_removed : format_fwd_added);
}

int cli_run_fwd_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return call_and_show(ctx, cmd, args, "forwards", cli_format_fwd_list);
}

static void format_nic_change(FILE *f, const json_t *res, const char *what)
{
	const json_t *nic = json_object_get(res, "nic");
	const char *addr = json_string_value(json_object_get(nic, "address"));

	fprintf(f, "%s: %s NIC %s on network %s", str(res, "name"), what, str(nic, "mac"),
		str(nic, "net"));
	if (addr)
		fprintf(f, " (address %s)", addr);
	fputc('\n', f);
	cli_format_removed_net(f, res);
}

static void format_nic_added(FILE *f, const json_t *res)
{
	format_nic_change(f, res, "added");
}

static void format_nic_removed(FILE *f, const json_t *res)
{
	format_nic_change(f, res, "removed");
}

int cli_run_vm_nic(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return call_and_show(ctx, cmd, args, NULL, strcmp(cmd->verb, "add")
			     ? format_nic_removed : format_nic_added);
}

int cli_run_vm_nic_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return call_and_show(ctx, cmd, args, "nics", cli_format_nic_list);
}
