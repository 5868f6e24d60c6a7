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
 * trouble, or a job that failed or was cancelled), 2 usage error, 3 croftd
 * could not be reached or the connection failed (including protocol
 * version mismatch), 130 Ctrl-C while waiting for a job (it keeps running).
 */
#ifndef CROFT_TUI_CLI_H
#define CROFT_TUI_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "common/api_client.h"
#include "common/proto.h"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_ERROR = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_CONNECT = 3,
	CLI_EXIT_INTERRUPTED = 130,   /* Ctrl-C while waiting for a job */
};

/* Options any command accepts, before the noun or among its arguments. */
struct cli_opts {
	const char *socket;      /* --socket PATH, or NULL */
	int json;                /* --json */
	int help;                /* --help / -h */
	int no_wait;             /* --no-wait, of commands that start a job */
	int no_follow;           /* --no-follow, of events */
};

struct cli_ctx {
	struct cli_opts opts;
	FILE *out;               /* results */
	FILE *err;               /* messages */
	int tty;                 /* err is a terminal: draw progress bars on it */
	int64_t (*clock_ms)(void);   /* monotonic; NULL: CLOCK_MONOTONIC (a test seam) */
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
/* The runner of most commands: call cmd->op with args (borrowed) and print
 * the result, or its array member key (NULL: the whole result), as JSON
 * with --json, else through format.  An exit status. */
int cli_run_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args,
		 const char *key, void (*format)(FILE *, const json_t *));
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
/* cli_scan.c: the scanner itself, for parsers that walk argv in a loop. */
struct cli_scan {
	const char *cmdname;
	int argc;
	char **argv;
	int i;
	int options_done;        /* after "--" */
	struct cli_opts *g;
};
#define CLI_SCAN_INIT(cmdname, argc, argv, g) { (cmdname), (argc), (argv), 0, 0, (g) }
#define CLI_SCAN_END 0
#define CLI_SCAN_OPT 1
#define CLI_SCAN_ARG 2
/* The next option or positional argument: CLI_SCAN_OPT with *key and *val
 * (NULL for a flag), CLI_SCAN_ARG with *val, CLI_SCAN_END, or -EINVAL with
 * err set.  specs may be NULL (no options but the global ones). */
int cli_scan_next(struct cli_scan *s, const struct cli_opt *specs, int *key,
		  const char **val, char *err, size_t errlen);
/* The name of the option with key in specs ("?" if none). */
const char *cli_opt_name(const struct cli_opt *specs, int key);
/* Hand every option of opts and every positional argument to fn in order;
 * --json, --socket and --help go to *g wherever they are, "--" ends the
 * options.  0, or the first -errno (unknown option, missing value, or
 * fn's). */
int cli_scan_args(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		  const struct cli_opt *opts, cli_arg_fn fn, void *ctx, char *err, size_t errlen);

/* cli_parse.c: what the parsers share, and the parsers of commands with
 * no options (pure apart from realpath()). */
/* Set args[key] to v (taken) unless an earlier opt set it.  0 or -EINVAL. */
int cli_set_once(json_t *args, const char *key, json_t *v, const char *opt, char *err,
		 size_t errlen);
/* What a named command needs: an args key, and the option that sets it. */
struct cli_need {
	const char *key;
	const char *opt;             /* "--memory SIZE (e.g. --memory 1G)" */
};
struct cli_named;
/* An option (key > 0) of a named command, into n->a.  0 or -errno. */
typedef int (*cli_named_fn)(struct cli_named *n, int key, const char *opt, const char *val,
			    char *err, size_t errlen);
/* A command that names one object (a VM, a network) with its positional
 * argument. */
struct cli_named {
	const char *what;            /* "VM", "network": name_check() and messages */
	const char *key;             /* the args key of the name */
	const struct cli_opt *opts;  /* NULL: none */
	const struct cli_need *need; /* ends with a NULL key; NULL: none */
	cli_named_fn take;           /* NULL when opts is */
	void *ctx;                   /* take's own */
	/* set by cli_parse_named() */
	const char *cmdname;
	struct cli_opts *g;
	json_t *a;                   /* the args being built */
};
/* Scan argv into a fresh args object: the positional argument, once and
 * valid, becomes args[n->key], options go to n->take; then, unless --help
 * was asked for, the name and every key of n->need must be there.  0 with
 * *args, or -errno with err. */
int cli_parse_named(struct cli_named *n, const char *cmdname, int argc, char **argv,
		    struct cli_opts *g, json_t **args, char *err, size_t errlen);
int cli_parse_none(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		   json_t **args, char *err, size_t errlen);
/* Scan argv for at most two positional arguments (no options) into pos
 * and *n.  1 when --help was asked for (*args an empty object), 0 with
 * *args NULL, or -errno with err ("unexpected argument ..."). */
int cli_parse_two_positionals(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			      const char *pos[2], int *n, json_t **args, char *err, size_t errlen);
int cli_parse_name(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		   json_t **args, char *err, size_t errlen);
/* The monitor's commands (cli_stats.c). */
int cli_parse_host_stats(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
int cli_parse_vm_stats(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
int cli_run_host_stats(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_stats(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_metrics(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
void cli_format_host_stats(FILE *f, const json_t *stats);
/* croft host memory (cli_memory.c). */
int cli_run_host_memory(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
void cli_format_host_memory(FILE *f, const json_t *mem);
void cli_format_vm_stats(FILE *f, const json_t *stats);
int cli_parse_host_set(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
/* --memory style value: a size, whole MiB.  0 or -EINVAL. */
int cli_parse_mib(const char *opt, const char *s, uint64_t *mib, char *err, size_t errlen);
/* An existing file made absolute; *abs is malloc'ed.  what names it in
 * messages ("disk image").  0 or -errno. */
int cli_abs_path(const char *what, const char *path, char **abs, char *err, size_t errlen);

/* cli_parse_vm.c: parsers of the vm commands with options (pure apart
 * from realpath()). */
int cli_parse_vm_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen);
int cli_parse_vm_edit(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		      json_t **args, char *err, size_t errlen);
int cli_parse_vm_shutdown(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			  json_t **args, char *err, size_t errlen);
int cli_parse_vm_start(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
/* vm log NAME [--bytes SIZE] [--follow]: {"name", "bytes"?, "follow"?}. */
/* vm sendkey NAME [KEY...] [--text STRING]; vm screen NAME */
int cli_parse_vm_sendkey(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
void cli_format_vm_screen(FILE *f, const json_t *res);
int cli_run_vm_screen(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_sendkey(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
/* vm display NAME [--close] [--ttl SECS] */
int cli_parse_vm_display(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
void cli_format_vm_display(FILE *f, const json_t *res);
int cli_run_vm_display(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
/* vm agent NAME ping|info|fsfreeze-status */
int cli_parse_vm_agent(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
int cli_run_vm_agent(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_parse_vm_log(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		     json_t **args, char *err, size_t errlen);
int cli_parse_vm_delete(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen);

/* The schedule commands (cli_sched.c). */
int cli_parse_sched_add(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen);
int cli_parse_sched_set(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen);
int cli_parse_sched_id(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
int cli_parse_sched_list(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
int cli_parse_sched_simulate(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			     json_t **args, char *err, size_t errlen);
int cli_run_sched(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);

/* cli_table.c: the pieces of human output. */
#define CLI_TABLE_COLS 10
#define CLI_CELL 80
typedef char cli_row_t[CLI_TABLE_COLS][CLI_CELL];
struct cli_col {
	const char *head;
	int right;               /* align right */
};
/* Fill row's cells (each zeroed, CLI_CELL bytes) from one item. */
typedef void (*cli_fill_fn)(const json_t *item, cli_row_t row);
/* The string at path (common/json_get.h), or "-" when absent, null, empty
 * or not a string.  Borrowed from o. */
const char *cli_str(const json_t *o, const char *path);
/* The integer at path as text in buf, or "-" in buf; returns buf. */
const char *cli_int(const json_t *o, const char *path, char *buf, size_t len);
/* A table with a head line and a row per element of the array items,
 * filled by fill; ncols <= CLI_TABLE_COLS, each column as wide as its
 * widest cell. */
void cli_table(FILE *f, const struct cli_col *cols, int ncols, const json_t *items,
	       cli_fill_fn fill);
/* "key:        value" */
void cli_kv(FILE *f, const char *key, const char *val);
/* t as local time in strftime's fmt (unix seconds if that fails); buf. */
char *cli_format_time(time_t t, const char *fmt, char *buf, size_t len);

/* cli_format.c: human output. */
char *cli_format_mib(uint64_t mib, char *buf, size_t len);
char *cli_format_uptime(long long secs, char *buf, size_t len);
void cli_format_vm_list(FILE *f, const json_t *vms);
void cli_format_vm_info(FILE *f, const json_t *vm);
/* vm.agent's result: the guest's facts, its fsfreeze state, or that it answered. */
void cli_format_vm_agent(FILE *f, const json_t *res);
void cli_format_vm_delete(FILE *f, const json_t *result);
void cli_format_host_info(FILE *f, const json_t *host);

/* One line per event: local date and time, kind, target and croftd's
 * message ("OP by USER: RESULT" for api.request); fallback stands in for an
 * event without time_ms. */
void cli_format_event(FILE *f, const json_t *event, time_t fallback);

/* cli_time.c: a point in time as typed (--since): "30s", "10m", "2h",
 * "3d" back from now; local "YYYY-MM-DD", "YYYY-MM-DD HH:MM" or
 * "YYYY-MM-DD HH:MM:SS"; or unix seconds.  0 with *ms (unix ms), or
 * -EINVAL with err saying what is wrong (also for a time after now). */
int cli_parse_time(const char *s, time_t now, int64_t *ms, char *err, size_t errlen);

/* cli_format_job.c: jobs.  The model of one job, read from a JOB object
 * and kept current by its events. */
struct cli_job {
	long long id;
	char kind[32];
	char target[128];
	char state[16];          /* queued, running, done, failed, cancelled */
	char error[512];         /* "" when none */
	long long done, total;   /* bytes; total 0 when unknown */
	double rate;             /* bytes/s; < 0 when unknown */
	long long eta_s;         /* croftd's estimate; -1 when unknown */
};
/* Read a JOB object (or a bare job id). */
void cli_job_read(struct cli_job *j, const json_t *job);
/* Apply a job.progress or job.state event: 1 if it is about j, else 0. */
int cli_job_apply(struct cli_job *j, const json_t *event);
/* done, failed or cancelled? */
int cli_job_ended(const struct cli_job *j);
/* The progress line, narrower than width columns:
 * "KIND TARGET [#####.....]  45%  4.5G/10G  120M/s  0:46 left". */
void cli_format_progress(const struct cli_job *j, int width, char *buf, size_t len);
/* "M:SS" or "H:MM:SS"; "-" for a negative count. */
char *cli_format_left(long long secs, char *buf, size_t len);
void cli_format_job_list(FILE *f, const json_t *jobs);
void cli_format_job_info(FILE *f, const json_t *job);

/*
 * cli_wait.c: following a job.  An op that starts a job answers at once
 * with {"job":JOB,...} (JOB an object with "id", or the id alone).
 * cli_job_follow() is what every command does with such a reply, on the
 * command's connection c:
 *   - no "job" in it: *how = CLI_JOB_NONE, CLI_EXIT_OK, nothing printed;
 *   - --no-wait: prints the job id (the reply as is with --json),
 *     *how = CLI_JOB_DETACHED, CLI_EXIT_OK;
 *   - else cli_job_wait(), *how = CLI_JOB_DONE: CLI_EXIT_OK once the job
 *     is done, and the caller prints the op's output.
 * cli_job_wait() subscribes c to events, reads the job with job.info (it
 * may have ended before the subscription) and follows job.progress and
 * job.state events to the end, drawing a progress bar on ctx->err when
 * ctx->tty (at most 10 redraws a second), silently otherwise.  A job that
 * failed or was cancelled is reported (exit 1); Ctrl-C stops waiting,
 * says how to cancel the job, and returns CLI_EXIT_INTERRUPTED; croftd
 * going away returns CLI_EXIT_CONNECT.  *out (if given) gets the job's
 * last known state.
 */
enum cli_job_how { CLI_JOB_NONE, CLI_JOB_DETACHED, CLI_JOB_DONE };
int cli_job_follow(struct cli_ctx *ctx, struct api_client *c, const json_t *reply,
		   enum cli_job_how *how);
int cli_job_wait(struct cli_ctx *ctx, struct api_client *c, long long id, struct cli_job *out);
/* Connect, call cmd->op with args (borrowed) and follow the job its reply
 * starts: an exit status, with *c (close it) and *res (a new reference,
 * NULL on failure) for the caller to print from. */
int cli_call_follow(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args,
		    struct api_client **c, json_t **res, enum cli_job_how *how);

/* cli_parse_job.c: parsers of the job commands and of events (pure). */
int cli_parse_job_list(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
int cli_parse_job_id(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		     json_t **args, char *err, size_t errlen);
/* events [--since TIME] [--no-follow]: args {"since_ms":N} (empty without
 * --since), --no-follow in g. */
int cli_parse_events(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		     json_t **args, char *err, size_t errlen);

/* cli_job.c: runners of the job commands. */
int cli_run_job_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_job_info(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_job_cancel(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);

/* cli_events.c: croft events. */
int cli_run_events(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);

/* cli_vm.c, cli_host.c, cli_console.c: runners. */
int cli_run_vm_create(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_info(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_action(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_delete(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_console(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vm_log(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_host_info(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_version(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);

/* cli_parse_net.c: parsers of the net and vm nic commands (pure). */
int cli_parse_net_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
int cli_parse_net_name(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
int cli_parse_net_edit(const char *cmdname, int argc, char **argv, struct cli_opts *g,
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
/* The first NIC's DHCP address, else the first the guest agent reported
 * (without its prefix), or "-" (vm list's IP column). */
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

/* cli_pool.c: pool create, list, info, delete. */
int cli_parse_pool_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			  json_t **args, char *err, size_t errlen);
int cli_parse_pool_name(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen);
int cli_parse_pool_set(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
int cli_run_pool_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_pool_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
void cli_format_pool_list(FILE *f, const json_t *pools);
void cli_format_pool_info(FILE *f, const json_t *pool);

/* cli_vol.c: vol create, list, info, delete.  POOL/NAME into args
 * "pool" and "name": 0 or -EINVAL. */
int cli_vol_ref(const char *ref, json_t *args, char *err, size_t errlen);
int cli_parse_vol_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
int cli_parse_vol_resize(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
int cli_parse_vol_import(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
int cli_parse_iso_import(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
int cli_parse_vol_export(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen);
int cli_parse_vol_ref(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		      json_t **args, char *err, size_t errlen);
int cli_parse_vol_list(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
int cli_parse_vm_disk(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		      json_t **args, char *err, size_t errlen);
int cli_run_vm_disk(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
/* cli_snap.c: snap create, list, info, revert, delete. */
int cli_parse_snap(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		   json_t **args, char *err, size_t errlen);
int cli_run_snap_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_snap_job(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
/* cli_backup.c: backup create, list, verify, restore, delete. */
int cli_parse_backup_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			    json_t **args, char *err, size_t errlen);
int cli_parse_backup_list(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			  json_t **args, char *err, size_t errlen);
int cli_parse_backup_id(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen);
int cli_parse_backup_restore(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			     json_t **args, char *err, size_t errlen);
int cli_run_backup_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_backup_delete(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_backup_job(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);

/* cli_clone.c: vm template, vm clone (its runner is cli_run_vm_create's). */
int cli_parse_vm_clone(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen);
int cli_run_vm_template(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vol_create(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vol_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
int cli_run_vol_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args);
void cli_format_vol_list(FILE *f, const json_t *vols);
void cli_format_vol_info(FILE *f, const json_t *vol);

#endif
