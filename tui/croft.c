/*
 * croft: one binary for the console and the CLI.  With arguments it is the
 * CLI (tui/cli.c); the ncurses console, started with no arguments, is not
 * part of this build yet, so then it prints the usage.
 */
#include "tui/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
