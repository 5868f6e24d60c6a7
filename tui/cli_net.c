/*
 * Runners of the net and vm nic commands.  Each connects, makes one call
 * with the args its parser built and prints the result: with --json the
 * raw result (for lists, the array itself, as vm list does), else a table,
 * a key: value block or a one-line confirmation.
 */
#include "tui/cli.h"
#include "common/json_get.h"

#include <string.h>

int cli_run_net_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, "networks", cli_format_net_list);
}

static void format_created(FILE *f, const json_t *net)
{
	const char *s;

	fprintf(f, "%s: created (%s", cli_str(net, "name"), cli_str(net, "mode"));
	if ((s = jget_str(net, "subnet", NULL)))
		fprintf(f, ", subnet %s", s);
	if ((s = jget_str(net, "uplink", NULL)))
		fprintf(f, ", uplink %s", s);
	if ((s = jget_str(net, "bridge", NULL)))
		fprintf(f, ", bridge %s", s);
	fputs(")\n", f);
}

int cli_run_net_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, strcmp(cmd->verb, "create")
			     ? cli_format_net_info : format_created);
}

int cli_run_net_delete(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, cli_format_net_delete);
}

static void format_fwd_added(FILE *f, const json_t *fw)
{
	const char *warning = jget_str(fw, "warning", NULL);

	cli_format_fwd(f, "added", fw);
	if (warning)
		fprintf(f, "warning: %s\n", warning);
}

static void format_fwd_removed(FILE *f, const json_t *fw)
{
	cli_format_fwd(f, "removed", fw);
}

int cli_run_fwd(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, strcmp(cmd->verb, "add")
			     ? format_fwd_removed : format_fwd_added);
}

int cli_run_fwd_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, "forwards", cli_format_fwd_list);
}

static void format_nic_change(FILE *f, const json_t *res, const char *what)
{
	const json_t *nic = jget_obj(res, "nic");
	const char *addr = jget_str(nic, "address", NULL);

	fprintf(f, "%s: %s NIC %s on network %s", cli_str(res, "name"), what, cli_str(nic, "mac"),
		cli_str(nic, "net"));
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
	return cli_run_show(ctx, cmd, args, NULL, strcmp(cmd->verb, "add")
			     ? format_nic_removed : format_nic_added);
}

int cli_run_vm_nic_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, "nics", cli_format_nic_list);
}
