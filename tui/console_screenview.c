/*
 * A guest's VGA text screen inside the console (V on the VM list): the
 * screen croftd reads (vm.screen) drawn over the whole terminal under one
 * title line, refreshed every second and right after each key, and every
 * key typed passed to the guest (vm.sendkey) until Ctrl-] returns to the
 * list.  Printable keys go as text, the rest by name (Enter, Esc, arrows,
 * F1-F12, Ctrl-letter).  A guest screen taller or wider than the terminal
 * shows the part around the cursor.  Cells the guest draws on a non-black
 * background (a boot menu's selected line) are in reverse video; on a
 * terminal without UTF-8, line drawing becomes ASCII.  A graphics mode
 * says so and points at v (the VNC display).  API events and timers are
 * served meanwhile (console_service), as under the serial console.
 */
#include "tui/console_screen.h"
#include "common/json_get.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DETACH_KEY 0x1d           /* Ctrl-] */
#define REFRESH_MS 1000
#define AFTER_KEY_MS 150

const struct console_key console_screenview_keys[] = {
	{ { DETACH_KEY }, NULL, "return from a guest's text screen to the list", NULL },
	{ { 0 }, NULL, NULL, NULL },
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One UTF-8 character of s (advancing *s) for an ASCII terminal. */
static char ascii_of(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	unsigned u;
	int n;

	if (*p < 0x80) {
		(*s)++;
		return (char)*p;
	}
	n = *p >= 0xe0 ? 3 : 2;
	u = n == 3 ? ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu)
		   : ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
	for (; n > 0 && **s; n--)
		(*s)++;
	if (u == 0x2500 || u == 0x2550)
		return '-';
	if (u == 0x2502 || u == 0x2551)
		return '|';
	if (u >= 0x2500 && u <= 0x257f)
		return '+';
	if (u >= 0x2580 && u <= 0x259f)
		return '#';
	return '?';
}

/* Draw one guest line from column x0 on row y, width columns. */
static void draw_line(struct console *c, int y, const char *line, const char *marks, int x0,
		      int width)
{
	const char *p = line;
	int col = 0;

	move(y, 0);
	clrtoeol();
	while (*p && col < x0 + width) {
		const char *start = p;
		int marked = marks && (size_t)col < strlen(marks) && marks[col] == '*';
		char ch = '?';

		if (c->utf8) {
			p++;
			while ((*p & 0xc0) == 0x80)
				p++;
		} else {
			ch = ascii_of(&p);
		}
		if (col >= x0) {
			if (marked)
				attron(A_REVERSE);
			if (c->utf8)
				addnstr(start, (int)(p - start));
			else
				addch((chtype)(unsigned char)ch);
			if (marked)
				attroff(A_REVERSE);
		}
		col++;
	}
	/* a marked stretch past the text (a highlighted menu line) */
	for (; marks && (size_t)col < strlen(marks) && col < x0 + width; col++) {
		if (col < x0)
			continue;
		if (marks[col] == '*')
			attron(A_REVERSE);
		addch(' ');
		attroff(A_REVERSE);
	}
}

static void draw(struct console *c, const char *name, const json_t *scr, const char *err)
{
	const json_t *lines = jget(scr, "lines"), *marks = jget(scr, "marks");
	int rows = LINES - 1, y0 = 0, x0 = 0, crow, ccol, i, n;
	char title[256];

	erase();
	snprintf(title, sizeof(title), " %s: its screen, keys go to the guest -- Ctrl-] returns ",
		 name);
	attron(c->th.title);
	mvhline(0, 0, ' ', COLS);
	mvaddnstr(0, 0, title, COLS);
	attroff(c->th.title);
	if (err || !scr || strcmp(jget_str(scr, "mode", ""), "text")) {
		attron(err ? c->th.error : c->th.warn);
		mvaddnstr(2, 1, err ? err : jget_str(scr, "message", "no screen"), COLS - 2);
		attroff(err ? c->th.error : c->th.warn);
		if (!err)
			mvaddnstr(4, 1, "Back in the list, v gives the screen to a VNC viewer.",
				  COLS - 2);
		curs_set(0);
		refresh();
		return;
	}
	n = (int)json_array_size(lines);
	crow = (int)jget_int(jget(scr, "cursor"), "row", -1);
	ccol = (int)jget_int(jget(scr, "cursor"), "col", -1);
	if (n > rows && crow >= rows)
		y0 = crow - rows + 1;
	if (ccol >= COLS)
		x0 = ccol - COLS + 1;
	for (i = 0; i < rows && y0 + i < n; i++)
		draw_line(c, 1 + i, json_string_value(json_array_get(lines, (size_t)(y0 + i))),
			  json_string_value(json_array_get(marks, (size_t)(y0 + i))), x0, COLS);
	if (crow >= y0 && crow - y0 < rows && ccol >= x0) {
		move(1 + crow - y0, ccol - x0);
		curs_set(1);
	} else {
		curs_set(0);
	}
	refresh();
}

/* The key name vm.sendkey knows for an ncurses key, or NULL. */
static const char *guest_key(int k, char *buf, size_t len)
{
	static const struct { int key; const char *name; } named[] = {
		{ '\n', "ret" }, { '\r', "ret" }, { KEY_ENTER, "ret" }, { 27, "esc" },
		{ '\t', "tab" }, { KEY_BACKSPACE, "backspace" }, { 127, "backspace" },
		{ 8, "backspace" }, { KEY_UP, "up" }, { KEY_DOWN, "down" }, { KEY_LEFT, "left" },
		{ KEY_RIGHT, "right" }, { KEY_HOME, "home" }, { KEY_END, "end" },
		{ KEY_PPAGE, "pgup" }, { KEY_NPAGE, "pgdn" }, { KEY_IC, "insert" },
		{ KEY_DC, "delete" }, { KEY_BTAB, "shift-tab" },
	};
	size_t i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (named[i].key == k)
			return named[i].name;
	if (k >= KEY_F(1) && k <= KEY_F(12)) {
		snprintf(buf, len, "f%d", k - KEY_F(0));
		return buf;
	}
	if (k >= 1 && k <= 26) {
		snprintf(buf, len, "ctrl-%c", 'a' + k - 1);
		return buf;
	}
	return NULL;
}

static int send_keys(struct console *c, const char *name, const char *key, const char *text,
		struct api_error *e)
{
	json_t *args = json_pack("{s:s}", "name", name);

	if (key)
		json_object_set_new(args, "keys", json_pack("[s]", key));
	if (text)
		json_object_set_new(args, "text", json_string(text));
	return console_call(c, "vm.sendkey", args, NULL, NULL, e);
}

/* Read and pass on every key waiting: 1 when Ctrl-] came. */
static int pass_keys(struct console *c, const char *name, char *err, size_t errlen)
{
	char text[256], buf[16];
	size_t tn = 0;
	struct api_error e = { "", "" };
	int k, r = 0;

	while ((k = wgetch(c->inwin)) != ERR) {
		const char *kn;

		if (k == DETACH_KEY)
			return 1;
		if (k == KEY_RESIZE)
			continue;
		if (k >= 0x20 && k < 0x7f && k != 0x7f) {
			text[tn++] = (char)k;
			if (tn < sizeof(text) - 1)
				continue;
		}
		if (tn) {
			text[tn] = '\0';
			r = send_keys(c, name, NULL, text, &e);
			tn = 0;
		}
		kn = k >= 0x20 && k < 0x7f ? NULL : guest_key(k, buf, sizeof(buf));
		if (r == 0 && kn)
			r = send_keys(c, name, kn, NULL, &e);
		if (r < 0)
			break;
	}
	if (tn && r == 0) {
		text[tn] = '\0';
		r = send_keys(c, name, NULL, text, &e);
	}
	if (r < 0)
		snprintf(err, errlen, "%.200s", e.message);
	return 0;
}

void console_screen_view(struct console *c, const char *name)
{
	char err[512] = "", keyerr[512] = "";
	json_t *scr = NULL;
	uint64_t next = 0;
	int done = 0;

	c->attached = 1;
	raw();                       /* Ctrl-C, Ctrl-Z, Ctrl-S go to the guest */
	while (!c->quit && !done) {
		struct pollfd pfd[CONSOLE_NPOLL + 1];
		int n = console_pollfds(c, pfd), r, wait;

		if (now_ms() >= next) {
			struct api_error e = { "", "" };

			json_decref(scr);
			scr = NULL;
			err[0] = '\0';
			if (console_call(c, "vm.screen", json_pack("{s:s}", "name", name), &scr, NULL,
					 &e) < 0)
				snprintf(err, sizeof(err), "%s", e.message);
			draw(c, name, scr, err[0] ? err : keyerr[0] ? keyerr : NULL);
			keyerr[0] = '\0';
			next = now_ms() + REFRESH_MS;
		}
		pfd[n] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		wait = (int)(next - now_ms());
		r = poll(pfd, (nfds_t)n + 1, console_timeout(c, wait < 0 ? 0 : wait));
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && pfd[n].revents) {
			done = pass_keys(c, name, keyerr, sizeof(keyerr));
			next = now_ms() + AFTER_KEY_MS;
		}
		console_service(c, pfd);
	}
	json_decref(scr);
	noraw();
	cbreak();
	c->attached = 0;
	curs_set(0);
	clearok(curscr, TRUE);
	c->need_refresh = 1;
	c->dirty = 1;
	console_status(c, CSTATUS_INFO, "Back from %s's screen", name);
}
