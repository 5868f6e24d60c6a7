/*
 * The CLI's part of the unit tests' harness (testlib.h; the code is in
 * testlib_cli.c): running a command's parser (tui/cli.h's cli_parse_fn)
 * on an argv and checking the request args or the usage error it makes,
 * one at a time or from a table of cases.
 */
#ifndef CROFT_TESTLIB_CLI_H
#define CROFT_TESTLIB_CLI_H

#include "tests/unit/testlib.h"
#include "tui/cli.h"

/* One parse: what fn returned, the args it made and the global options
 * it set, or its message. */
struct tl_parsed {
	int r;
	json_t *args;
	struct cli_opts g;
	char err[1024];
};
void tl_parse(struct tl_parsed *p, cli_parse_fn fn, const char *cmdname, int argc, char **argv);
#define TL_PARSE(p, fn, cmd, ...) \
	tl_parse(p, fn, cmd, TL_ARGC(__VA_ARGS__), TL_ARGV(__VA_ARGS__))
#define TL_PARSE0(p, fn, cmd) tl_parse(p, fn, cmd, 0, TL_ARGV(NULL))
/* p made the args of the JSON text want (members in any order); frees
 * them. */
void tl_parsed_args(struct tl_parsed *p, const char *want);
/* p was refused with exactly msg, and made no args. */
void tl_parsed_error(struct tl_parsed *p, const char *msg);

/* An argv (ending at the first NULL) and the args' JSON text it makes, or
 * else the exact error. */
struct tl_parse_case {
	const char *argv[16];
	const char *args;
	const char *err;
};
/* Each case through fn as cmdname; a failure names the case. */
void tl_parse_cases(cli_parse_fn fn, const char *cmdname, const struct tl_parse_case *cases,
		    size_t n);
#define TL_PARSE_CASES(fn, cmd, cases) \
	tl_parse_cases(fn, cmd, cases, sizeof(cases) / sizeof((cases)[0]))

/* croft (cli_main) run with the arguments after "croft", its output
 * captured (tl_run_main); _SCRIPTED against the fake API serving steps
 * (tl_run_scripted). */
#define TL_CROFT(r, ...) \
	tl_run_main(r, cli_main, TL_ARGC("croft", __VA_ARGS__), TL_ARGV("croft", __VA_ARGS__))
#define TL_CROFT_SCRIPTED(r, steps, ...) \
	tl_run_scripted(r, steps, cli_main, TL_ARGC("croft", __VA_ARGS__), \
			TL_ARGV("croft", __VA_ARGS__))

#endif
