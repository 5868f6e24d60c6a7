/*
 * The console's main loop, its screens and keys.
 *
 * One poll() waits on: the terminal (keys), a self-pipe that signal
 * handlers write to (SIGWINCH resizes; SIGTERM, SIGHUP, SIGINT quit), the
 * pipe that action threads announce finished calls on (console_action.c),
 * and the API connection (console_conn.c), which is subscribed to events
 * and re-reads vm.list and host.info every second.  Anything that may take
 * long runs on its own connection in a thread, so the UI never waits for
 * croftd.
 *
 * Frames are drawn (console_draw.c) only when something changed.  Keys
 * are read from a 1x1 window that is never drawn, so reading a key never
 * refreshes stdscr behind the composed frame.
 */
#include "tui/console.h"
#include "tui/console_screen.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define ESC_DELAY_MS 25
#define POLL_NOTIFY 0
#define POLL_SIGNAL 1
#define POLL_API 2

const struct console_screen *const console_screens[] = {
	&console_screen_vms,
	&console_screen_host,
	&console_screen_events,
	&console_screen_networks,
	&console_screen_jobs,
	&console_screen_storage,
	&console_screen_snapshots,
};
const size_t console_nscreens = sizeof(console_screens) / sizeof(console_screens[0]);

static int signal_fd = -1;
/* What a fatal signal writes before dying: leave the alternate screen,
 * show the cursor; and the terminal mode from before the console. */
static char fatal_restore[128];
static size_t fatal_restore_len;
static struct termios fatal_termios;
static int fatal_termios_ok;

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	if (signal_fd >= 0 && write(signal_fd, &b, 1) < 0) {
		/* the pipe is full: a wakeup is pending anyway */
	}
	errno = saved;
}

/* SIGSEGV, SIGABRT...: put the terminal back as the shell had it, then
 * die of the same signal.  Only async-signal-safe calls. */
static void on_fatal(int sig)
{
	if (fatal_restore_len && write(STDOUT_FILENO, fatal_restore, fatal_restore_len) < 0) {
		/* nothing more to try */
	}
	if (fatal_termios_ok)
		tcsetattr(STDIN_FILENO, TCSANOW, &fatal_termios);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void fatal_restore_add(const char *cap)
{
	char *s = tigetstr(cap);
	size_t len;

	if (!s || s == (char *)-1)
		return;
	len = strlen(s);
	if (fatal_restore_len + len < sizeof(fatal_restore)) {
		memcpy(fatal_restore + fatal_restore_len, s, len);
		fatal_restore_len += len;
	}
}

void console_alt_screen(int on)
{
	char *s = tigetstr(on ? "smcup" : "rmcup");

	if (s && s != (char *)-1) {
		putp(s);
		fflush(stdout);
	}
}

int64_t console_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t console_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int console_body_rows(const struct console *c)
{
	return c->rows - CONSOLE_HEADER_ROWS - CONSOLE_FOOTER_ROWS;
}

/* Keep a message for the log, "HH:MM:SS text" ("!" after the time marks
 * an error); the oldest goes when it is full. */
static void log_add(struct console *c, enum console_status_kind kind, const char *text)
{
	char when[16];
	time_t now = time(NULL);
	struct tm tm;

	if (!text[0])
		return;
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (c->nlog == CONSOLE_LOG_MAX) {
		free(c->log[0]);
		memmove(c->log, c->log + 1, (CONSOLE_LOG_MAX - 1) * sizeof(c->log[0]));
		c->nlog--;
	}
	c->log[c->nlog++] = xasprintf("%s%s %s", when, kind == CSTATUS_ERROR ? "!" : " ", text);
}

void console_status(struct console *c, enum console_status_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->status, sizeof(c->status), fmt, ap);
	va_end(ap);
	c->status_kind = kind;
	c->status_full = 1;
	c->dirty = 1;
	log_add(c, kind, c->status);
}

void console_why_note(struct console *c, const char *name, int64_t time_ms, const char *text)
{
	struct console_why *w = NULL;
	size_t i;

	for (i = 0; i < c->nwhy && !w; i++)
		if (!strcmp(c->why[i].name, name))
			w = &c->why[i];
	if (w && w->time_ms > time_ms)
		return;                  /* history older than a live event */
	if (!w) {
		if (c->nwhy == CONSOLE_WHY_MAX) {
			memmove(c->why, c->why + 1, (CONSOLE_WHY_MAX - 1) * sizeof(c->why[0]));
			c->nwhy--;
		}
		w = &c->why[c->nwhy++];
	}
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->time_ms = time_ms;
	snprintf(w->text, sizeof(w->text), "%s", text);
	c->dirty = 1;
}

const struct console_why *console_why_get(const struct console *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nwhy; i++)
		if (!strcmp(c->why[i].name, name))
			return &c->why[i];
	return NULL;
}

/* --- screens, keys ---------------------------------------------------- */

/* Tell screen i the body's size. */
static void resize_screen(struct console *c, size_t i)
{
	const struct console_screen *scr = console_screens[i];
	int height = console_body_rows(c);

	if (scr->list)
		console_list_resize(scr->list(c->state[i]), height);
	if (scr->resize)
		scr->resize(c, c->state[i], height, c->cols);
}

/* Lay out for the current LINES x COLS. */
static void relayout(struct console *c)
{
	size_t i;

	c->rows = LINES;
	c->cols = COLS;
	if (c->formwin) {
		delwin(c->formwin);
		c->formwin = NULL;
	}
	for (i = 0; i < console_nscreens; i++)
		resize_screen(c, i);
	clearok(curscr, TRUE);
	c->dirty = 1;
}

/* SIGWINCH: ask the terminal its size.  resizeterm() also queues a
 * KEY_RESIZE, which only lays out again. */
static void resize(struct console *c)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		resizeterm(ws.ws_row, ws.ws_col);
	relayout(c);
}

void console_set_screen(struct console *c, size_t idx)
{
	if (idx >= console_nscreens)
		return;
	c->cur = idx;
	resize_screen(c, idx);
	c->dirty = 1;
}

static void key_quit(struct console *c, void *st)
{
	(void)st;
	c->quit = 1;
}

static void key_help(struct console *c, void *st)
{
	(void)st;
	console_help(c);
}

static void key_next(struct console *c, void *st)
{
	(void)st;
	console_set_screen(c, (c->cur + 1) % console_nscreens);
}

static void key_prev(struct console *c, void *st)
{
	(void)st;
	console_set_screen(c, (c->cur + console_nscreens - 1) % console_nscreens);
}

static void key_log(struct console *c, void *st)
{
	(void)st;
	console_log(c);
}

static void key_redraw(struct console *c, void *st)
{
	(void)st;
	clearok(curscr, TRUE);
	c->need_refresh = 1;
}

const struct console_key console_global_keys[] = {
	{ { '?', KEY_F(1) }, "Help", "this help: every key of every screen", key_help },
	{ { '\t' }, NULL, "next screen", key_next },
	{ { KEY_BTAB }, NULL, "previous screen", key_prev },
	{ { 12 }, NULL, "redraw the whole terminal and re-read croftd's state", key_redraw },
	{ { 'q', KEY_F(10) }, "Quit", "quit the console (guests keep running)", key_quit },
	{ { 'm' }, "Log", "the message log: every message of this session in full, scrollable",
	  key_log },
	{ { 0 }, NULL, NULL, NULL },
};

static void handle_mouse(struct console *c)
{
	const struct console_screen *scr = console_screens[c->cur];

	if (getmouse(&c->mev) != OK)
		return;
	if (!(c->mev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED)))
		return;
	if (c->mev.y == 0) {
		int tab = console_header_tab_at(c, c->mev.x, c->cols);

		if (tab >= 0)
			console_set_screen(c, (size_t)tab);
		return;
	}
	if (!scr->key || !scr->key(c, c->state[c->cur], KEY_MOUSE))
		console_nav_click(c, c->mev.y);
}

static void handle_key(struct console *c, int ch)
{
	const struct console_screen *scr = console_screens[c->cur];
	void *st = c->state[c->cur];
	const struct console_key *k;
	size_t i;

	c->dirty = 1;
	if (ch == KEY_RESIZE) {
		relayout(c);
		return;
	}
	/* a key folds a long message back to one line (m shows it again) */
	c->status_full = 0;
	if (c->form) {
		if (ch != KEY_MOUSE)
			console_form_key(c, ch);
		return;
	}
	if (c->dialog) {
		if (ch != KEY_MOUSE)
			console_dialog_key(c, ch);
		return;
	}
	if (ch == KEY_MOUSE) {
		handle_mouse(c);
		return;
	}
	if (scr->list && console_list_key(c, scr->list(st), ch))
		return;
	if (scr->key && scr->key(c, st, ch))
		return;
	k = ckey_find(console_global_keys, ch);
	if (k) {
		k->fn(c, NULL);
		return;
	}
	for (i = 0; i < console_nscreens; i++) {
		if (console_screens[i]->hotkey == ch) {
			console_set_screen(c, i);
			return;
		}
	}
	k = ckey_find(scr->keys, ch);
	if (k)
		k->fn(c, st);
}

static void read_keys(struct console *c)
{
	int ch;

	untouchwin(c->inwin);
	while (!c->quit && !c->attached && (ch = wgetch(c->inwin)) != ERR) {
		if (!c->key_at_us) {
			c->key_at_us = console_now_us();
			c->key_code = ch;
		}
		handle_key(c, ch);
	}
}

/* --- the loop --------------------------------------------------------- */

int console_pollfds(struct console *c, struct pollfd *pfd)
{
	pfd[POLL_NOTIFY] = (struct pollfd){ .fd = c->notify[0], .events = POLLIN };
	pfd[POLL_SIGNAL] = (struct pollfd){ .fd = c->sigpipe[0], .events = POLLIN };
	pfd[POLL_API] = (struct pollfd){ .fd = c->api ? api_client_fd(c->api) : -1,
					 .events = POLLIN };
	return CONSOLE_NPOLL;
}

static void read_signals(struct console *c)
{
	unsigned char buf[64];
	ssize_t n, i;

	while ((n = read(c->sigpipe[0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] == SIGWINCH) {
				if (!c->attached)
					resize(c);
			} else {
				c->quit = 1;
			}
		}
	}
}

void console_service(struct console *c, const struct pollfd *pfd)
{
	if (pfd[POLL_SIGNAL].revents)
		read_signals(c);
	if (pfd[POLL_NOTIFY].revents)
		console_actions_collect(c);
	console_conn_service(c, pfd[POLL_API].revents != 0);
}

static int setup_pipes(struct console *c)
{
	if (pipe2(c->notify, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	if (pipe2(c->sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		int err = -errno;

		close(c->notify[0]);
		close(c->notify[1]);
		return err;
	}
	return 0;
}

static void setup_signals(struct console *c)
{
	static const int sigs[] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT };
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;
	size_t i;

	signal_fd = c->sigpipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sa.sa_handler = on_fatal;
	sa.sa_flags = 0;
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* ncurses enters the terminal's alternate screen (smcup) where terminfo
 * has one, as htop does, and endwin() leaves it, so quitting shows the
 * shell as it was. */
static int setup_curses(struct console *c)
{
	fatal_termios_ok = tcgetattr(STDIN_FILENO, &fatal_termios) == 0;
	if (!newterm(NULL, stdout, stdin))
		return -ENOTTY;
	fatal_restore_add("sgr0");
	fatal_restore_add("cnorm");
	fatal_restore_add("rmcup");
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	set_escdelay(ESC_DELAY_MS);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	tui_theme_init(&c->th, 0);
	c->inwin = newwin(1, 1, 0, 0);
	keypad(c->inwin, TRUE);
	nodelay(c->inwin, TRUE);
	if (mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED, NULL)) {
		c->mouse = 1;
		mouseinterval(0);
	}
	c->rows = LINES;
	c->cols = COLS;
	return 0;
}

int console_term_utf8(const char *codeset, const char *term)
{
	/* a vt100 (a serial line) and the Linux text console get ASCII
	 * whatever the locale says: their fonts lack the block elements */
	if (!codeset || strcmp(codeset, "UTF-8") || !term)
		return 0;
	return strncmp(term, "vt", 2) && strcmp(term, "linux") && strcmp(term, "dumb");
}

int console_main(const char *socket)
{
	struct console con, *c = &con;
	const char *trace = getenv("CROFT_CONSOLE_TRACE");
	size_t i;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "croft: the console needs a terminal; run 'croft help' for the command line\n");
		return 1;
	}
	memset(c, 0, sizeof(*c));
	c->socket = api_client_socket_path(socket);
	chost_init(&c->host);
	cvm_model_init(&c->vms);
	cmon_init(&c->mon);
	/* UTF-8 terminals get Unicode sparklines (text stays ASCII anyway);
	 * the others stay in the C locale, so ncurses keeps drawing lines with
	 * the terminal's own ASCII-safe line set */
	setlocale(LC_CTYPE, "");
	c->utf8 = console_term_utf8(nl_langinfo(CODESET), getenv("TERM"));
	if (!c->utf8)
		setlocale(LC_CTYPE, "C");
	if (setup_pipes(c) < 0) {
		fprintf(stderr, "croft: cannot create a pipe: %s\n", strerror(errno));
		return 1;
	}
	/* ours before ncurses', so ncurses leaves SIGWINCH to us */
	setup_signals(c);
	if (setup_curses(c) < 0) {
		fprintf(stderr, "croft: cannot use the terminal (TERM=%s)\n",
			getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	if (trace && *trace)
		c->trace = fopen(trace, "ae");
	for (i = 0; i < console_nscreens; i++)
		c->state[i] = console_screens[i]->init ? console_screens[i]->init(c) : NULL;
	console_set_screen(c, 0);
	console_connect(c);
	c->dirty = 1;

	while (!c->quit) {
		struct pollfd pfd[CONSOLE_NPOLL + 1];
		int n, r;

		if (c->dirty)
			console_draw(c);
		n = console_pollfds(c, pfd);
		pfd[n] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		r = poll(pfd, (nfds_t)n + 1, console_timeout(c, CONSOLE_REFRESH_MS));
		if (r < 0 && errno != EINTR)
			break;
		if (r < 0)
			continue;
		if (pfd[n].revents & (POLLHUP | POLLERR | POLLNVAL))
			c->quit = 1;
		if (pfd[n].revents & POLLIN)
			read_keys(c);
		console_service(c, pfd);
	}

	console_form_close(c);
	console_dialog_close(c);
	endwin();
	for (i = 0; i < console_nscreens; i++)
		if (console_screens[i]->fini)
			console_screens[i]->fini(c->state[i]);
	/* in-flight actions finish in croftd; their threads end with us */
	api_client_close(c->api);
	cvm_model_free(&c->vms);
	cmon_free(&c->mon);
	json_decref(c->memory);
	if (c->trace)
		fclose(c->trace);
	for (i = 0; i < c->nlog; i++)
		free(c->log[i]);
	json_decref(c->then);
	return 0;
}

int console_cmd(int argc, char **argv)
{
	const char *socket = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			socket = argv[++i];
		} else if (!strncmp(argv[i], "--socket=", 9)) {
			socket = argv[i] + 9;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: croft [console] [--socket PATH]\n\n"
			       "Open the console.  Press ? in it for every key.\n");
			return 0;
		} else {
			fprintf(stderr, "croft: unexpected argument '%s' for 'console'\n"
				"usage: croft [console] [--socket PATH]\n", argv[i]);
			return 2;
		}
	}
	return console_main(socket);
}
