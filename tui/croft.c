/*
 * croft: one binary for the console and the CLI.  With no command it is
 * the ncurses console (tui/console.c): `croft`, `croft --socket PATH`, or
 * `croft console [--socket PATH]`.  Anything else is the CLI (tui/cli.c).
 */
#include "tui/cli.h"
#include "tui/console.h"

#include <string.h>

/* Only --socket options, and no command: the console. */
static int console_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			i++;
		else if (strncmp(argv[i], "--socket=", 9))
			return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	if (console_wanted(argc, argv)) {
		argv[0] = (char *)"console";
		return console_cmd(argc, argv);
	}
	if (!strcmp(argv[1], "console"))
		return console_cmd(argc - 1, argv + 1);
	return cli_main(argc, argv);
}
