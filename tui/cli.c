/*
 * The command table and dispatch.  cli_main() reads the global options up
 * to the first word, finds the noun and verb in cli_commands[], runs the
 * entry's parser on the remaining words (usage errors stop here, before any
 * connection) and then its runner.  Help is generated from the same table,
 * so a command cannot exist without its usage line.
 */
#include "tui/cli.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DETAILS_CREATE \
	"  --vcpus N            virtual CPUs (default 1)\n" \
	"  --memory SIZE        memory, required; K/M/G/T suffix, none means MiB\n" \
	"  --memory-min SIZE    the balloon never shrinks the guest below this\n" \
	"  --disk SIZE          a new thin disk of that size (repeatable)\n" \
	"  --disk PATH          an existing image, relative to this directory\n" \
	"  --cdrom ISO          attach an ISO image\n" \
	"  --boot LIST          boot order, e.g. cdrom,disk\n" \
	"  --firmware FW        bios or uefi\n" \
	"  --kernel FILE        boot this kernel directly (with --initrd, --append)\n"

#define DETAILS_EDIT \
	"  --vcpus N, --memory SIZE, --memory-min SIZE, --boot LIST, --firmware FW\n" \
	"                       as for vm create\n" \
	"  --cdrom ISO          insert an ISO image; --eject removes it\n" \
	"  --kernel FILE, --initrd FILE, --append STRING\n" \
	"                       direct kernel boot; an empty value removes it\n"

static const char *const details_create = DETAILS_CREATE;
static const char *const details_edit = DETAILS_EDIT;

const struct cli_cmd cli_commands[] = {
	{ "vm", "create",
	  "NAME [--vcpus N] --memory SIZE [--memory-min SIZE] [--disk SIZE|PATH]... "
	  "[--cdrom ISO] [--boot LIST] [--firmware bios|uefi] "
	  "[--kernel FILE [--initrd FILE] [--append STRING]]",
	  "Create a VM (stopped).", "vm.create", cli_parse_vm_create, cli_run_vm_action },
	{ "vm", "list", "", "List the VMs.", "vm.list", cli_parse_none, cli_run_vm_list },
	{ "vm", "info", "NAME", "Show a VM's configuration and state.", "vm.info",
	  cli_parse_name, cli_run_vm_info },
	{ "vm", "start", "NAME", "Start a VM.", "vm.start", cli_parse_name, cli_run_vm_action },
	{ "vm", "stop", "NAME", "Stop a VM at once (like pulling the plug).", "vm.stop",
	  cli_parse_name, cli_run_vm_action },
	{ "vm", "shutdown", "NAME [--timeout SECS] [--force]",
	  "Ask the guest to power off; wait up to SECS (default 60), then fail, "
	  "or with --force stop it.", "vm.shutdown", cli_parse_vm_shutdown, cli_run_vm_action },
	{ "vm", "pause", "NAME", "Pause a running VM.", "vm.pause", cli_parse_name,
	  cli_run_vm_action },
	{ "vm", "resume", "NAME", "Resume a paused VM.", "vm.resume", cli_parse_name,
	  cli_run_vm_action },
	{ "vm", "reset", "NAME", "Reset a VM (like pressing its reset button).", "vm.reset",
	  cli_parse_name, cli_run_vm_action },
	{ "vm", "edit",
	  "NAME [--vcpus N] [--memory SIZE] [--memory-min SIZE] [--cdrom ISO | --eject] "
	  "[--boot LIST] [--firmware bios|uefi] [--kernel FILE] [--initrd FILE] "
	  "[--append STRING]",
	  "Change a VM's configuration.", "vm.edit", cli_parse_vm_edit, cli_run_vm_action },
	{ "vm", "delete", "NAME [--keep-disks] [--force]",
	  "Delete a VM and the disks croft created for it; --keep-disks keeps them, "
	  "--force stops a running VM first.", "vm.delete", cli_parse_vm_delete,
	  cli_run_vm_delete },
	{ "vm", "console", "NAME",
	  "Attach to a VM's serial console; Ctrl-] detaches.", "vm.console",
	  cli_parse_name, cli_run_vm_console },
	{ "host", "info", "", "Show the host: CPUs, memory, acceleration, QEMU, VMs.",
	  "host.info", cli_parse_none, cli_run_host_info },
	{ "host", "set", "accel auto|kvm|tcg", "Change a host setting.", "host.set",
	  cli_parse_host_set, cli_run_host_info },
	{ "events", NULL, "", "Print events (VM state changes...) as they happen.",
	  "events.subscribe", cli_parse_none, cli_run_events },
	{ "version", NULL, "", "Print the versions of croft and croftd.", "hello",
	  cli_parse_none, cli_run_version },
	{ "help", NULL, "[NOUN [VERB]]", "Show usage.", NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const char *details_of(const struct cli_cmd *cmd)
{
	if (cmd->verb && !strcmp(cmd->noun, "vm") && !strcmp(cmd->verb, "create"))
		return details_create;
	if (cmd->verb && !strcmp(cmd->noun, "vm") && !strcmp(cmd->verb, "edit"))
		return details_edit;
	return NULL;
}

static int noun_has_verbs(const char *noun);

static void usage_line(FILE *f, const char *prefix, const struct cli_cmd *cmd)
{
	fprintf(f, "%scroft %s%s%s%s%s\n", prefix, cmd->noun, cmd->verb ? " " : "",
		cmd->verb ? cmd->verb : "", *cmd->usage ? " " : "", cmd->usage);
}

static void usage_globals(FILE *f)
{
	fputs("\nOptions (before the command; --json also after its arguments):\n"
	      "  --socket PATH   croftd's socket (else $CROFT_SOCKET, else " CROFT_DEFAULT_SOCKET ")\n"
	      "  --json          print results as JSON\n"
	      "  -h, --help      show usage\n"
	      "\nSizes take a K, M, G or T suffix; a number alone means MiB.\n"
	      "Exit status: 0 success, 1 croftd reported an error, 2 usage error,\n"
	      "3 croftd could not be reached.\n", f);
}

void cli_usage(FILE *f, const char *noun, const char *verb)
{
	const struct cli_cmd *cmd;
	int one = noun && (verb || !noun_has_verbs(noun));

	if (!noun)
		fputs("usage: croft [--socket PATH] [--json] COMMAND [ARGUMENTS]\n\nCommands:\n", f);
	for (cmd = cli_commands; cmd->noun; cmd++) {
		if (noun && strcmp(cmd->noun, noun))
			continue;
		if (verb && (!cmd->verb || strcmp(cmd->verb, verb)))
			continue;
		if (one) {
			const char *d = details_of(cmd);

			usage_line(f, "usage: ", cmd);
			fprintf(f, "\n%s\n", cmd->summary);
			if (d)
				fprintf(f, "\n%s", d);
		} else {
			usage_line(f, "  ", cmd);
			fprintf(f, "      %s\n", cmd->summary);
		}
	}
	if (!noun)
		usage_globals(f);
}

static int noun_known(const char *noun)
{
	const struct cli_cmd *cmd;

	for (cmd = cli_commands; cmd->noun; cmd++)
		if (!strcmp(cmd->noun, noun))
			return 1;
	return 0;
}

static const struct cli_cmd *find_cmd(const char *noun, const char *verb)
{
	const struct cli_cmd *cmd;

	for (cmd = cli_commands; cmd->noun; cmd++) {
		if (strcmp(cmd->noun, noun))
			continue;
		if (!cmd->verb || (verb && !strcmp(cmd->verb, verb)))
			return cmd;
	}
	return NULL;
}

static int noun_has_verbs(const char *noun)
{
	const struct cli_cmd *cmd;

	for (cmd = cli_commands; cmd->noun; cmd++)
		if (!strcmp(cmd->noun, noun))
			return cmd->verb != NULL;
	return 0;
}

static void verbs_of(const char *noun, char *buf, size_t len)
{
	const struct cli_cmd *cmd;
	size_t used = 0;

	buf[0] = '\0';
	for (cmd = cli_commands; cmd->noun; cmd++) {
		int n;

		if (strcmp(cmd->noun, noun) || !cmd->verb)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", cmd->verb);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

void cli_print_json(FILE *f, const json_t *v)
{
	json_dumpf(v, f, JSON_COMPACT | JSON_ENCODE_ANY);
	fputc('\n', f);
	fflush(f);
}

static void verror(struct cli_ctx *ctx, const char *code, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(ctx->err, "croft: %s\n", msg);
	if (ctx->opts.json) {
		json_t *j = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg);

		cli_print_json(ctx->out, j);
		json_decref(j);
	}
}

int cli_error(struct cli_ctx *ctx, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(ctx, code, fmt, ap);
	va_end(ap);
	return status;
}

/* A usage error, with the command's usage (if known) and the hint. */
static int usage_error(struct cli_ctx *ctx, const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_error(struct cli_ctx *ctx, const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(ctx, "usage", fmt, ap);
	va_end(ap);
	if (cmd)
		usage_line(ctx->err, "usage: ", cmd);
	fputs("Run 'croft help' for all commands.\n", ctx->err);
	return CLI_EXIT_USAGE;
}

int cli_connect(struct cli_ctx *ctx, struct api_client **out)
{
	struct api_error e = { "", "" };
	int r;

	r = api_client_connect(api_client_socket_path(ctx->opts.socket), out, &e);
	if (r < 0)
		return cli_error(ctx, CLI_EXIT_CONNECT, e.code[0] ? e.code : "connection", "%s",
				 e.message[0] ? e.message : strerror(-r));
	return CLI_EXIT_OK;
}

int cli_call(struct cli_ctx *ctx, struct api_client *c, const char *op, json_t *args,
	     json_t **result, int *fd_out)
{
	struct api_error e = { "", "" };
	int r;

	r = api_client_call(c, op, args, result, fd_out, &e);
	if (r == -EPROTO)
		return cli_error(ctx, CLI_EXIT_ERROR, e.code, "%s", e.message);
	if (r < 0)
		return cli_error(ctx, CLI_EXIT_CONNECT, e.code[0] ? e.code : "connection", "%s",
				 e.message[0] ? e.message : strerror(-r));
	return CLI_EXIT_OK;
}

int cli_call_once(struct cli_ctx *ctx, const char *op, json_t *args, json_t **result,
		  int timeout_ms)
{
	struct api_client *c = NULL;
	int status;

	*result = NULL;
	status = cli_connect(ctx, &c);
	if (status != CLI_EXIT_OK)
		return status;
	if (timeout_ms)
		api_client_set_timeout(c, timeout_ms);
	status = cli_call(ctx, c, op, json_incref(args), result, NULL);
	api_client_close(c);
	return status;
}

static int run_help(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *noun = argc > 0 ? argv[0] : NULL;
	const char *verb = argc > 1 ? argv[1] : NULL;

	if (argc > 2)
		return usage_error(ctx, find_cmd("help", NULL), "unexpected argument '%s' for 'help'",
				   argv[2]);
	if (noun && !noun_known(noun))
		return usage_error(ctx, NULL, "unknown command '%s'", noun);
	if (verb && (!noun_has_verbs(noun) || !find_cmd(noun, verb)))
		return usage_error(ctx, NULL, "unknown command '%s %s'", noun, verb);
	cli_usage(ctx->out, noun, verb);
	return CLI_EXIT_OK;
}

/* Is --json anywhere (before "--")?  Only to shape error output for a
 * command line that fails before its options are read. */
static int json_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "--json"))
			return 1;
	}
	return 0;
}

int cli_main(int argc, char **argv)
{
	struct cli_ctx ctx = { { NULL, 0, 0 }, stdout, stderr };
	const struct cli_cmd *cmd;
	json_t *args = NULL;
	char err[1024], cmdname[64];
	const char *noun;
	int i = 1, status;

	ctx.opts.json = json_wanted(argc, argv);
	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		const char *a = argv[i++];

		if (!strcmp(a, "--json")) {
			ctx.opts.json = 1;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			ctx.opts.help = 1;
		} else if (!strcmp(a, "--version")) {
			i--;
			argv[i] = (char *)"version";
			break;
		} else if (!strcmp(a, "--socket")) {
			if (i >= argc)
				return usage_error(&ctx, NULL, "--socket needs a path");
			ctx.opts.socket = argv[i++];
		} else if (!strncmp(a, "--socket=", 9)) {
			ctx.opts.socket = a + 9;
		} else {
			return usage_error(&ctx, NULL, "unknown option '%s'", a);
		}
	}
	if (i >= argc) {
		if (ctx.opts.help) {
			cli_usage(ctx.out, NULL, NULL);
			return CLI_EXIT_OK;
		}
		cli_usage(ctx.err, NULL, NULL);
		return CLI_EXIT_USAGE;
	}
	noun = argv[i++];
	if (!strcmp(noun, "help"))
		return run_help(&ctx, argc - i, argv + i);
	if (!noun_known(noun))
		return usage_error(&ctx, NULL, "unknown command '%s'", noun);
	if (noun_has_verbs(noun)) {
		const char *verb = i < argc ? argv[i] : NULL;
		char verbs[256];

		if (ctx.opts.help && !verb) {
			cli_usage(ctx.out, noun, NULL);
			return CLI_EXIT_OK;
		}
		if (verb && (!strcmp(verb, "--help") || !strcmp(verb, "-h"))) {
			cli_usage(ctx.out, noun, NULL);
			return CLI_EXIT_OK;
		}
		verbs_of(noun, verbs, sizeof(verbs));
		if (!verb)
			return usage_error(&ctx, NULL, "'%s' needs a command: %s", noun, verbs);
		cmd = find_cmd(noun, verb);
		if (!cmd)
			return usage_error(&ctx, NULL, "unknown command '%s %s'; '%s' commands are: %s",
					   noun, verb, noun, verbs);
		i++;
		snprintf(cmdname, sizeof(cmdname), "%s %s", noun, verb);
	} else {
		cmd = find_cmd(noun, NULL);
		snprintf(cmdname, sizeof(cmdname), "%s", noun);
	}

	err[0] = '\0';
	if (cmd->parse(cmdname, argc - i, argv + i, &ctx.opts, &args, err, sizeof(err)) < 0)
		return usage_error(&ctx, cmd, "%s", err);
	if (ctx.opts.help) {
		json_decref(args);
		cli_usage(ctx.out, cmd->noun, cmd->verb);
		return CLI_EXIT_OK;
	}
	status = cmd->run(&ctx, cmd, args);
	json_decref(args);
	return status;
}
