/*
 * The croft command line.  One table (cli.c) lists every command as
 * {noun, verb, usage, summary, op, parse, run}.  cli_main() reads the
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
	const char *verb;        /* NULL for one-word commands */
	const char *usage;       /* arguments, after "croft noun verb " */
	const char *summary;
	const char *op;          /* the API op, for generic runners */
	cli_parse_fn parse;
	cli_run_fn run;
};

/* cli.c */
int cli_main(int argc, char **argv);
/* The command table, terminated by an entry with noun == NULL. */
extern const struct cli_cmd cli_commands[];
/* Print usage: every command (noun NULL), a noun's commands, or one. */
void cli_usage(FILE *f, const char *noun, const char *verb);
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
