/*
 * The croft command line.  One table (cli.c) lists every command as
 * {noun, sub, verb, usage, summary, op, parse, run}: "croft vm start",
 * or with a middle word "croft net forward add".  cli_main() reads the
 * global options, finds the entry, lets its parse function turn the
 * arguments into the request's args object (pure: no connection, so bad
 * input never reaches croftd), then its run function connects, calls and
 * prints.
 *
 * Exit status: 0 success, 1 croftd answered with an error (or local I/O
 * trouble), 2 usage error, 3 croftd could not be reached or the connection
 * failed (including protocol version mismatch).
 */
#ifndef CROFT_TUI_CLI_H
#define CROFT_TUI_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "common/api_client.h"

#ifndef CROFT_VERSION
#define CROFT_VERSION "0.1.0"
#endif

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_ERROR = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_CONNECT = 3,
};

/* Options any command accepts, before the noun or among its arguments. */
struct cli_opts {
	const char *socket;      /* --socket PATH, or NULL */
	int json;                /* --json */
	int help;                /* --help / -h */
};

struct cli_ctx {
	struct cli_opts opts;
	FILE *out;               /* results */
	FILE *err;               /* messages */
};

struct cli_cmd;

/*
 * Turn a command's arguments (argv holds only what follows the command
 * words) into the request's args object.  Options common to all commands
 * land in *g.  0 with *args (new reference), or -EINVAL with err holding
 * a message fit for "croft: <message>".  Relative paths are made absolute
 * against the current directory and must exist.
 */
typedef int (*cli_parse_fn)(const char *cmdname, int argc, char **argv,
			    struct cli_opts *g, json_t **args, char *err, size_t errlen);
/* Connect, call and print.  Returns an exit status (enum cli_exit).
 * args is borrowed. */
typedef int (*cli_run_fn)(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);

struct cli_cmd {
	const char *noun;        /* "vm", "host", or a one-word command */
	const char *sub;         /* the middle word of three ("forward"), or NULL */
	const char *verb;        /* NULL for one-word commands */
	const char *usage;       /* arguments, after "croft noun [sub] verb " */
	const char *summary;
	const char *op;          /* the API op, for generic runners */
	cli_parse_fn parse;
	cli_run_fn run;
};

/* cli.c */
int cli_main(int argc, char **argv);
/* The command table, terminated by an entry with noun == NULL. */
extern const struct cli_cmd cli_commands[];
/* Print usage: every command (noun NULL), a noun's commands, a sub's
 * commands ("net forward"), or one.  sub NULL also matches one command of
 * a noun named by verb alone ("vm start"). */
void cli_usage(FILE *f, const char *noun, const char *sub, const char *verb);
/* Report an error: "croft: msg" on ctx->err, and with --json
 * {"error":{"code":..,"message":..}} on ctx->out.  Returns status. */
int cli_error(struct cli_ctx *ctx, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Connect to ctx's socket; CLI_EXIT_OK or the reported failure status. */
int cli_connect(struct cli_ctx *ctx, struct api_client **out);
/* Call op and report a failure.  args is stolen; *result a new reference.
 * CLI_EXIT_OK or the reported failure status. */
int cli_call(struct cli_ctx *ctx, struct api_client *c, const char *op, json_t *args,
	     json_t **result, int *fd_out);
/* Connect, call op with args (borrowed), close; timeout_ms 0 keeps the
 * client's default.  An exit status. */
int cli_call_once(struct cli_ctx *ctx, const char *op, json_t *args, json_t **result,
		  int timeout_ms);
/* Print a JSON value on one line. */
void cli_print_json(FILE *f, const json_t *v);

/* The option scanner of every parser: one entry per option. */
struct cli_opt {
	const char *name;        /* with its dashes */
	int key;                 /* > 0 */
	const char *arg;         /* NULL for a flag, else what the value is */
};
/* key 0 (opt NULL) for a positional argument; val NULL for a flag.
 * 0 or -errno with err set. */
typedef int (*cli_arg_fn)(void *ctx, int key, const char *opt, const char *val,
			  char *err, size_t errlen);
/* Hand every option of opts and every positional argument to fn in order;
 * --json, --socket and --help go to *g wherever they are, "--" ends the
 * options.  0, or the first -errno (unknown option, missing value, or
 * fn's). */
int cli_scan_args(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		  const struct cli_opt *opts, cli_arg_fn fn, void *ctx, char *err, size_t errlen);

/* cli_parse.c: argument parsers (pure apart from realpath()). */
int cli_parse_none(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		   json_t **args, char *err, size_t errlen);
int cli_parse_name(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		   json_t **args, char *err, size_t errlen);
int cli_parse_vm_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen);
int cli_parse_vm_edit(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		      json_t **args, char *err, size_t errlen);
int cli_parse_vm_shutdown(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			  json_t **args, char *err, size_t errlen);
int cli_parse_vm_delete(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen);
int cli_parse_host_set(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
/* --memory style value: a size, whole MiB.  0 or -EINVAL. */
int cli_parse_mib(const char *opt, const char *s, uint64_t *mib, char *err, size_t errlen);
/* An existing file made absolute; *abs is malloc'ed.  what names it in
 * messages ("disk image").  0 or -errno. */
int cli_abs_path(const char *what, const char *path, char **abs, char *err, size_t errlen);

/* cli_format.c: human output. */
char *cli_format_mib(uint64_t mib, char *buf, size_t len);
char *cli_format_uptime(long long secs, char *buf, size_t len);
void cli_format_vm_list(FILE *f, const json_t *vms);
void cli_format_vm_info(FILE *f, const json_t *vm);
void cli_format_vm_delete(FILE *f, const json_t *result);
void cli_format_host_info(FILE *f, const json_t *host);
/* One line per event; when is printed as local HH:MM:SS. */
void cli_format_event(FILE *f, const json_t *event, time_t when);

/* cli_vm.c, cli_host.c, cli_console.c: runners. */
int cli_run_vm_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_info(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_action(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_delete(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_console(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_host_info(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_events(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_version(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);

/* cli_parse_net.c: parsers of the net and vm nic commands (pure). */
int cli_parse_net_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
int cli_parse_net_name(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
int cli_parse_net_delete(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
int cli_parse_fwd_add(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		      json_t **args, char *err, size_t errlen);
int cli_parse_fwd_list(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
int cli_parse_fwd_remove(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
int cli_parse_vm_nic_add(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
int cli_parse_vm_nic_remove(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			    json_t **args, char *err, size_t errlen);

/* cli_format_net.c: human output of networks, forwards and NICs. */
void cli_format_net_list(FILE *f, const json_t *nets);
void cli_format_net_info(FILE *f, const json_t *net);
void cli_format_net_delete(FILE *f, const json_t *result);
void cli_format_fwd_list(FILE *f, const json_t *fwds);
void cli_format_fwd(FILE *f, const char *what, const json_t *fwd);
void cli_format_nic_list(FILE *f, const json_t *nics);
/* "nics:" block of vm info, and the NIC/forward lines of a delete. */
void cli_format_vm_nics(FILE *f, const json_t *nics);
void cli_format_removed_net(FILE *f, const json_t *result);
/* The first NIC's DHCP address, or "-" (vm list's IP column). */
const char *cli_vm_first_ip(const json_t *vm);

/* cli_net.c: runners of the net and vm nic commands. */
int cli_run_net_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_net_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_net_delete(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_fwd(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_fwd_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_nic(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_nic_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);

/*
 * Relay between a guest's console socket and in_fd/out_fd.  With raw_tty
 * the terminal on in_fd is put in raw mode and restored on every exit
 * (also SIGTERM, SIGHUP), and Ctrl-] detaches.  Without it in_fd is relayed
 * as is and, after its EOF, guest output for linger_ms more.  guest_fd
 * belongs to the function.  Returns an exit status; messages go to errf.
 */
int cli_console_relay(int guest_fd, int in_fd, int out_fd, int raw_tty,
		      int linger_ms, const char *name, FILE *errf);

#endif
