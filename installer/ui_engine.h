/*
 * The install engine, croft-install, as the attended installer runs it:
 *
 *   croft-install --list-disks --json     ui_engine_capture(): its output
 *   croft-install --list-nics --json
 *   croft-install --answer FILE [--dry-run] [--source DIR] --progress-fd 3
 *                                         ui_engine_start(), then the main
 *                                         loop polls ui_engine_fds() and
 *                                         calls ui_engine_service()
 *
 * The engine's stdout and stderr never reach the terminal (curses owns
 * it): they are kept, their last lines shown when it fails without an
 * 'error' line of its own.  The answer file is private (mode 0600, in
 * $TMPDIR or /tmp) and removed once the engine has ended.
 */
#ifndef CROFT_INSTALLER_UI_ENGINE_H
#define CROFT_INSTALLER_UI_ENGINE_H

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#include "installer/ui.h"

#define UI_ENGINE_TAIL 2048

struct ui_engine {
	pid_t pid;                  /* 0: not running */
	int prog_fd, out_fd;        /* -1 once at end of file */
	char line[1024];            /* a progress line being read */
	size_t linelen;
	char tail[UI_ENGINE_TAIL];  /* the end of its stdout and stderr */
	size_t taillen;
	int pct;
	char step[512];
	char error[512];            /* its 'error' line, or why it failed */
	int done;                   /* it said 'done' */
	int finished;               /* it has exited (status below) */
	int status;                 /* wait status */
	char answer_path[256];
	/* each progress step, for the log: called with the line's text */
	void (*on_step)(void *ctx, const struct ui_progress *p);
	void *ctx;
};

/* Run engine with args (NULL-ended, without argv[0]) and capture its
 * stdout into *out (malloc'd): 0, or -errno / -EIO with err saying what
 * it printed on stderr or how it ended. */
int ui_engine_capture(const char *engine, const char *const *args, char **out,
		      char *err, size_t errlen);

/* Write text to a new private answer file and start the engine on it
 * (with --source source, unless NULL).  0, or -errno (err says why;
 * nothing runs). */
int ui_engine_start(struct ui_engine *e, const char *engine, const char *answer_text,
		    int dry_run, const char *source, char *err, size_t errlen);
/* The fds to poll into pfd[0..]; the count (0..2). */
int ui_engine_fds(const struct ui_engine *e, struct pollfd *pfd);
/* Read what is there, reap the engine when both pipes have ended: 1 when
 * something changed. */
int ui_engine_service(struct ui_engine *e);
/* It ended well: exit 0 and 'done'. */
int ui_engine_ok(const struct ui_engine *e);
/* Forget a finished run (its answer file is already gone). */
void ui_engine_reset(struct ui_engine *e);

#endif
