/*
 * A guest's serial console inside the console.  croftd's vm.console hands
 * over a connected socket (SCM_RIGHTS).  curses steps aside (endwin), the
 * terminal goes raw, one hint line is printed, and bytes are relayed both
 * ways untouched until Ctrl-] (0x1d), the guest closing the port, or a
 * quit signal, all on the terminal's alternate screen (what the shell
 * showed before the console comes back when it quits).  The relay's poll() also serves the console's own fds
 * (console_service): API events, finished actions and the refresh timer
 * keep the model current, so the list is up to date on return.  Then the
 * terminal goes back to curses and the whole screen is repainted.
 */
#include "tui/console_screen.h"
#include "common/proto.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define DETACH_KEY 0x1d           /* Ctrl-] */

/* For the help text: the relay reads its keys itself. */
const struct console_key console_serial_keys[] = {
	{ { DETACH_KEY }, NULL, "return from a guest's serial console to the list", NULL },
	{ { 0 }, NULL, NULL, NULL },
};

enum end { END_NONE, END_DETACH, END_CLOSED, END_QUIT, END_ERROR };

static enum end relay(struct console *c, int guest, int *err)
{
	char buf[16384];

	while (!c->quit) {
		struct pollfd pfd[CONSOLE_NPOLL + 2];
		int n = console_pollfds(c, pfd), r;
		ssize_t got;

		pfd[n] = (struct pollfd){ .fd = guest, .events = POLLIN };
		pfd[n + 1] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		r = poll(pfd, (nfds_t)n + 2, console_timeout(c, CONSOLE_REFRESH_MS));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = errno;
			return END_ERROR;
		}
		if (pfd[n].revents) {
			do {
				got = read(guest, buf, sizeof(buf));
			} while (got < 0 && errno == EINTR);
			if (got <= 0)
				return END_CLOSED;
			r = proto_write_all(STDOUT_FILENO, buf, (size_t)got);
			if (r < 0) {
				*err = -r;
				return END_ERROR;
			}
		}
		if (pfd[n + 1].revents) {
			char *k;

			do {
				got = read(STDIN_FILENO, buf, sizeof(buf));
			} while (got < 0 && errno == EINTR);
			if (got <= 0)
				return END_QUIT;
			k = memchr(buf, DETACH_KEY, (size_t)got);
			r = proto_write_all(guest, buf, k ? (size_t)(k - buf) : (size_t)got);
			if (k)
				return END_DETACH;
			if (r == -EPIPE || r == -ECONNRESET)
				return END_CLOSED;
			if (r < 0) {
				*err = -r;
				return END_ERROR;
			}
		}
		/* API events, finished actions, signals, timers: no drawing */
		console_service(c, pfd);
	}
	return END_QUIT;
}

void console_serial_attach(struct console *c, const char *name)
{
	struct api_error e = { "", "" };
	struct termios saved, raw;
	char *clear;
	const struct cvm_info *vm;
	enum end end;
	int fd = -1, err = 0, r;

	r = console_call(c, "vm.console", json_pack("{s:s}", "name", name), NULL, &fd, &e);
	if (r < 0) {
		console_status(c, CSTATUS_ERROR, "%s", e.message);
		return;
	}
	if (fd < 0) {
		console_status(c, CSTATUS_ERROR,
			       "croftd answered vm.console without passing the console connection");
		return;
	}
	c->attached = 1;
	endwin();
	/* endwin() left the alternate screen: go back to it, so the guest's
	 * output never lands in the shell's scrollback */
	console_alt_screen(1);
	clear = tigetstr("clear");
	if (clear && clear != (char *)-1)
		putp(clear);
	printf("Connected to %s's serial console -- Ctrl-] returns to the list\r\n", name);
	vm = cvm_model_find(&c->vms, name);
	if (vm && !strcmp(vm->vm.state, "paused"))
		printf("%s is paused: nothing shows here until it is resumed (p in the list)\r\n",
		       name);
	fflush(stdout);
	if (tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}

	end = relay(c, fd, &err);

	tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	close(fd);
	c->attached = 0;
	reset_prog_mode();
	clearok(curscr, TRUE);
	/* the terminal may have been resized meanwhile: look again */
	raise(SIGWINCH);
	switch (end) {
	case END_DETACH:
		console_status(c, CSTATUS_INFO, "Back from %s's serial console", name);
		break;
	case END_CLOSED:
		console_status(c, CSTATUS_INFO, "%s's serial console closed (the guest stopped?)", name);
		break;
	case END_ERROR:
		console_status(c, CSTATUS_ERROR, "%s's serial console failed: %s", name, strerror(err));
		break;
	case END_QUIT:
	case END_NONE:
		break;
	}
	c->need_refresh = 1;
	c->dirty = 1;
}
