/*
 * The CLI's part of the unit tests' harness (testlib_cli.h): a parser run
 * on an argv, its args compared as JSON values, its message to the letter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tl_parse(struct tl_parsed *p, cli_parse_fn fn, const char *cmdname, int argc, char **argv)
{
	memset(p, 0, sizeof(*p));
	p->r = fn(cmdname, argc, argv, &p->g, &p->args, p->err, sizeof(p->err));
}

void tl_parsed_args(struct tl_parsed *p, const char *want)
{
	json_error_t jerr;
	json_t *w = json_loads(want, 0, &jerr);

	if (!w)
		fail_msg("bad JSON in the test: %s: %s", want, jerr.text);
	if (p->r != 0)
		fail_msg("parse failed: %s", p->err);
	if (!json_equal(w, p->args)) {
		char *got = json_dumps(p->args, JSON_COMPACT | JSON_SORT_KEYS);

		print_error("want %s\n got %s\n", want, got);
		free(got);
		json_decref(w);
		fail();
	}
	json_decref(w);
	json_decref(p->args);
	p->args = NULL;
}

void tl_parsed_error(struct tl_parsed *p, const char *msg)
{
	if (p->r == 0) {
		char *got = json_dumps(p->args, JSON_COMPACT);

		print_error("expected error '%s', got args %s\n", msg, got);
		free(got);
		fail();
	}
	assert_null(p->args);
	assert_string_equal(p->err, msg);
}

/* Does p come out as c says? */
static int as_expected(const struct tl_parsed *p, const struct tl_parse_case *c)
{
	json_t *want;
	int same;

	if (c->err)
		return p->r != 0 && !p->args && !strcmp(p->err, c->err);
	if (p->r != 0)
		return 0;
	want = json_loads(c->args, 0, NULL);
	same = want && json_equal(want, p->args);
	json_decref(want);
	return same;
}

void tl_parse_cases(cli_parse_fn fn, const char *cmdname, const struct tl_parse_case *cases,
		    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct tl_parse_case *c = &cases[i];
		char *argv[17];
		int argc = 0;
		struct tl_parsed p;

		while (argc < 16 && c->argv[argc]) {
			argv[argc] = (char *)c->argv[argc];
			argc++;
		}
		argv[argc] = NULL;
		tl_parse(&p, fn, cmdname, argc, argv);
		if (!as_expected(&p, c)) {
			int k;

			print_error("case %zu: %s", i, cmdname);
			for (k = 0; k < argc; k++)
				print_error(" '%s'", argv[k]);
			print_error("\n");
		}
		if (c->err)
			tl_parsed_error(&p, c->err);
		else
			tl_parsed_args(&p, c->args);
	}
}
