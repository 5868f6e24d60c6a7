/*
 * Inside the console: the application state every piece shares (struct
 * console: the connection, the models parsed from the API once per
 * refresh, the status line, the open dialog or form), the screen object
 * (struct console_screen) and the functions the pieces call on each other.
 *
 * A screen is a small function table, like htop's panels: its tab name and
 * hotkey, its key table (console_keys.h), the list panel its navigation
 * keys and mouse clicks act on, and callbacks to draw its body, take keys
 * its table does not list (typing, mouse), and hear about resizes, API
 * events, refreshes and finished actions.  A screen owns its state (its
 * lists, selections, filters); the models it reads (VMs, host) are the
 * console's, shared by every screen.  Key handlers change state; draw only
 * renders state.  console_screens[] (console.c) lists the screens in tab
 * order, so a new screen is one new file plus one entry there.
 *
 * Screen layout, top to bottom: the header (CONSOLE_HEADER_ROWS: title
 * and tabs, then two rows of host meters), the screen's body, the status
 * line, the key bar.  A form covers everything but the title row and the
 * footer.
 */
#ifndef CROFT_TUI_CONSOLE_SCREEN_H
#define CROFT_TUI_CONSOLE_SCREEN_H

#include <curses.h>
#include <jansson.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/api_client.h"
#include "tui/console_hostmodel.h"
#include "tui/console_keys.h"
#include "tui/console_model.h"
#include "tui/console_monmodel.h"
#include "tui/console_table.h"
#include "tui/form.h"
#include "tui/panel.h"
#include "tui/tui_theme.h"

#define CONSOLE_HEADER_ROWS 3
#define CONSOLE_FOOTER_ROWS 2      /* status line, key bar */
#define CONSOLE_MAX_SCREENS 16
#define CONSOLE_REFRESH_MS 1000    /* vm.list + host.info */
#define CONSOLE_RETRY_MS 1000      /* reconnect */
#define CONSOLE_CALL_TIMEOUT_MS 5000
#define CONSOLE_LOG_MAX 200        /* messages kept for the log (m) */
#define CONSOLE_WHY_MAX 128        /* VMs whose last state change is kept */

struct console;
struct console_list;
struct console_action;
struct console_dialog;

/* What a navigation key asks for. */
enum console_nav { CNAV_UP, CNAV_DOWN, CNAV_PGUP, CNAV_PGDN, CNAV_HOME, CNAV_END };

/* A finished action, as screens hear of it. */
struct console_done {
	const char *op;
	const json_t *args;          /* what was sent (NULL: none) */
	int rc;                      /* 0, -EPROTO (croftd refused: err), -errno */
	const json_t *result;        /* rc 0: croftd's result */
	const struct api_error *err; /* rc < 0 */
};

struct console_screen {
	const char *name;            /* tab label and help heading: "VMs" */
	int hotkey;                  /* '1' */
	const struct console_key *keys;
	/* The list the navigation and filter keys (console_nav_*), typing
	 * a filter and clicks in the body act on; NULL: none. */
	struct console_list *(*list)(void *st);
	/* Optional: the navigation keys move a cursor of the screen's own
	 * (the Networks screen's details); returns 0 to leave them to the
	 * list. */
	int (*nav)(struct console *c, void *st, enum console_nav how);
	void *(*init)(struct console *c);
	void (*fini)(void *st);
	/* Render the body into rows [top, top+height) of w, width columns. */
	void (*draw)(struct console *c, void *st, WINDOW *w, int top, int height, int width);
	/* Offered every key before the tables (a line being typed, KEY_MOUSE
	 * in the body); returns 1 if it took the key.  May be NULL. */
	int (*key)(struct console *c, void *st, int ch);
	/* Optional: the body changed size; an API event arrived; the model
	 * was refreshed. */
	void (*resize)(struct console *c, void *st, int height, int width);
	void (*event)(struct console *c, void *st, const json_t *ev);
	void (*tick)(struct console *c, void *st);
	/* Optional: an action finished (console_action.c), whichever screen
	 * started it; called after the status line shows its result. */
	void (*done)(struct console *c, void *st, const struct console_done *d);
};

extern const struct console_screen *const console_screens[];
extern const size_t console_nscreens;
/* The screens' tables (console_vms.c ...), for console_screens[]. */
extern const struct console_screen console_screen_vms;
extern const struct console_screen console_screen_host;
extern const struct console_screen console_screen_events;
extern const struct console_screen console_screen_networks;
extern const struct console_screen console_screen_jobs;
extern const struct console_screen console_screen_storage;
extern const struct console_screen console_screen_snapshots;

enum console_status_kind {
	CSTATUS_INFO, CSTATUS_OK, CSTATUS_ERROR, CSTATUS_PROGRESS,
};

struct console {
	const char *socket;
	struct api_client *api;      /* NULL while disconnected */
	int connecting;              /* a connect is in flight */
	int ever_connected;
	int64_t lost_at;             /* when the connection broke (unix s) */
	char conn_error[600];        /* why there is no connection */
	int64_t next_retry_ms;
	int64_t next_refresh_ms;
	int need_refresh;

	struct tui_theme th;
	WINDOW *inwin;               /* keys are read here, never drawn */
	int rows, cols;
	int dirty;                   /* something to draw */
	int quit;
	int attached;                /* the serial console owns the terminal */
	int mouse;                   /* mouse events are enabled */
	MEVENT mev;                  /* the last KEY_MOUSE event */

	size_t cur;                  /* current screen */
	void *state[CONSOLE_MAX_SCREENS];

	struct cvm_model vms;        /* vm.list, read every refresh */
	struct chost host;           /* host.info, read every refresh */
	struct cmon mon;             /* host.stats, read every refresh */
	json_t *memory;              /* host.memory, read while the Host screen shows */
	int utf8;                    /* the terminal's locale is UTF-8 */

	char status[600];
	enum console_status_kind status_kind;
	int status_full;             /* shown whole (wrapped) until the next key */
	char *log[CONSOLE_LOG_MAX];  /* the last messages, oldest first */
	size_t nlog;

	struct console_dialog *dialog;   /* modal dialog, or NULL */
	struct form *form;               /* the open form, or NULL */
	struct form *form_parent;        /* under a sub-form (cloud-init): the VM form */
	WINDOW *formwin;
	struct console_action *form_action;  /* its submit in flight */
	size_t form_refused;             /* 1 + the field a refused Enter named */
	int form_timeout_ms;
	void (*form_describe)(const json_t *args, char *progress, char *done, size_t len);
	struct console_action *actions;  /* in flight */
	struct console_why {             /* each VM's last state change, from events */
		char name[64];
		int64_t time_ms;
		char text[320];          /* "stopped (was starting), reason ..." */
	} why[CONSOLE_WHY_MAX];
	size_t nwhy;
	json_t *then;                    /* a "_then" waiting for job then_job */
	long long then_job;
	int notify[2];               /* action threads write their pointer here */
	int sigpipe[2];              /* SIGWINCH, SIGTERM... write a byte here */

	FILE *trace;                 /* $CROFT_CONSOLE_TRACE */
	int64_t key_at_us;           /* when the key being answered was read */
	int key_code;
};

/* console.c */
int64_t console_now_ms(void);
/* Draw Unicode sparklines: the locale's codeset is UTF-8 and the terminal
 * (TERM) is not a vt100-like or the Linux text console. */
int console_term_utf8(const char *codeset, const char *term);
int64_t console_now_us(void);
/* Set the status line; it is also kept in the message log (console_log)
 * and shown whole, wrapped over the body's last rows, until the next key. */
void console_status(struct console *c, enum console_status_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The rows of a screen's body, between the header and the footer. */
int console_body_rows(const struct console *c);
void console_set_screen(struct console *c, size_t idx);
/* Serve what is ready without drawing (used while the serial console
 * owns the terminal): API events, finished actions, signals, timers.
 * revents are for c's fds as filled by console_pollfds(). */
#define CONSOLE_NPOLL 3
int console_pollfds(struct console *c, struct pollfd *pfd);
void console_service(struct console *c, const struct pollfd *pfd);
/* console_conn.c: the main connection and the models read over it. */
/* Start connecting (an action), unless connected or connecting. */
void console_connect(struct console *c);
/* A quick call on the main connection (vm.console, vm.info).  args is
 * stolen.  0, -EPROTO with e filled from croftd, or -errno after which
 * the console is disconnected (and will retry). */
int console_call(struct console *c, const char *op, json_t *args, json_t **result,
		 int *fd_out, struct api_error *e);
/* Events (readable: the connection's fd is), the reconnect and refresh
 * timers. */
void console_conn_service(struct console *c, int readable);
/* Milliseconds until the next timer is due (0 if due), at most max. */
int console_timeout(struct console *c, int max);
/* Put a string at (y, x) of w, at most width cells, with attr; bytes
 * outside printable ASCII become '?'.  Returns the cells written. */
int console_put(WINDOW *w, int y, int x, int width, attr_t attr, const char *s);
/* Fill width cells with spaces in attr. */
void console_fill(WINDOW *w, int y, int x, int width, attr_t attr);
/* The theme attribute for a VM state. */
attr_t console_state_attr(const struct console *c, const char *state);
/* console_action.c: calls that may take long, on their own connection. */
enum console_action_kind { CACTION_PLAIN, CACTION_FORM, CACTION_CONNECT };
/* Start op(args) (args stolen).  progress ("Starting web") shows while it
 * runs; done ("web started") on success; errors show croftd's message.
 * timeout_ms bounds the call.  An args member "_then" ({"op","args",
 * "progress","done"}) is taken out and started as the next action when
 * this one succeeds, or when the job it answered with is done (a form's
 * second step: the NIC of a new VM).  0 or -errno. */
int console_action_start(struct console *c, enum console_action_kind kind, const char *op,
			 json_t *args, int timeout_ms, const char *progress, const char *done);
/* Read finished actions from c->notify and apply their results. */
void console_actions_collect(struct console *c);
/* A job.state event's data: when it ends the job a "_then" waits for
 * (its op answered with a job), start the step (done) or drop it. */
void console_then_job(struct console *c, const json_t *data);
size_t console_actions_inflight(const struct console *c);
/* console_conn.c: a finished connect hands over its client. */
void console_connected(struct console *c, struct api_client *api);
void console_connect_failed(struct console *c, int err, const struct api_error *e);

/* console_dialog.c: modal dialogs drawn over the body. */
struct console_choice {
	int key;                     /* 'y' */
	const char *label;           /* "delete VM and disks" */
	const char *op;              /* API op to start, or NULL to just close */
	json_t *args;                /* owned by the dialog until chosen */
	int timeout_ms;
	const char *progress, *done; /* as for console_action_start */
};
/* A confirmation: title, text lines (copied), up to 4 choices (copied;
 * their args are taken).  n and Esc always cancel. */
void console_confirm(struct console *c, const char *title, const char *const *lines,
		     size_t nlines, const struct console_choice *choices, size_t nchoices);
/* The help dialog: every key of every screen, from the key tables. */
void console_help(struct console *c);
/* The message log: every status message of this session, newest last,
 * wrapped to the screen and scrolled to the end. */
void console_log(struct console *c);
/* A text shown whole, wrapped to the screen ('\n' starts a new line),
 * scrolled to its start, or with at_end to its end. */
void console_text(struct console *c, const char *title, const char *text, int at_end);
/* Keys go here while a dialog is open; 1 when the dialog took the key. */
int console_dialog_key(struct console *c, int ch);
void console_dialog_draw(struct console *c, WINDOW *w, int top, int height, int width);
void console_dialog_close(struct console *c);
/* The help text (also for tests): lines of every table. */
size_t console_help_lines(char ***lines);
/* The same as croft(1)'s key list (roff; tests keep the man page equal). */
size_t console_help_man(char ***lines);

/* console_form.c: the one open form (tui/form.h), whichever screen opened
 * it.  describe writes the status line's texts for the submit's args
 * ("Creating web", "Created web"; len bytes each).  On submit the form's
 * op runs as an action (timeout_ms); the form stays open until croftd
 * answers: it closes on success (screens hear of it in done()), or shows
 * croftd's refusal with the input intact.  f is taken (NULL: nothing). */
void console_form_open(struct console *c, struct form *f, int timeout_ms,
		       void (*describe)(const json_t *args, char *progress, char *done, size_t len));
int console_form_key(struct console *c, int ch);
void console_form_draw(struct console *c, int top, int height, int width);
void console_form_close(struct console *c);
/* The key bar while a form is open. */
const char *console_form_keybar(const struct console *c, char *buf, size_t len);
/* The submit finished: close the form (ok) or show croftd's error. */
void console_form_result(struct console *c, int ok, const char *error);

/* console_panel.c: lists (tui/panel.h) drawn as column tables. */
/* One line of a column table at row y of w, laid out by widths: the
 * titles when row is NULL, else row's cells, highlighted when selected.
 * cell_attr (may be NULL: normal text) picks the attribute of a cell of
 * an unselected row. */
typedef attr_t (*console_cell_attr_fn)(const struct console *c, const struct ctable_col *col,
				       const void *row);
void console_table_line(const struct console *c, WINDOW *w, int y, int width,
			const struct ctable_col *cols, size_t n, const int *widths,
			const void *row, int selected, console_cell_attr_fn cell_attr);
/* The column titles at row top, then the panel's shown rows below them
 * (p->height of them at most), the selected one highlighted when the
 * panel has the focus. */
void console_panel_draw(const struct console *c, WINDOW *w, int top, int width,
			const struct panel *p, const struct ctable_col *cols, size_t ncols,
			console_cell_attr_fn cell_attr, int focused);
/* A screen's list: a panel shown as a table under its column titles, and
 * a filter typed on the body's last row ('/' starts it, the list narrows
 * as you type, Enter keeps it, Esc clears it). */
struct console_filter {
	int editing;
	char typed[PANEL_FILTER_LEN];
};
struct console_list {
	struct panel panel;
	struct console_filter filter;
	int height;                  /* the body's rows */
	const char *what;            /* the rows in messages: "VMs" */
};
void console_list_init(struct console_list *l, const struct panel_ops *ops, const char *what,
		       int height);
void console_list_free(struct console_list *l);
/* The body has height rows: the panel gets them less the column titles
 * and the filter line. */
void console_list_resize(struct console_list *l, int height);
/* A key while the filter is typed: 1 when taken. */
int console_list_key(struct console *c, struct console_list *l, int ch);
/* The table (console_panel_draw) and the filter line, in rows [top,
 * top+height). */
void console_list_draw(const struct console *c, WINDOW *w, int top, int height, int width,
		       const struct console_list *l, const struct ctable_col *cols, size_t ncols,
		       console_cell_attr_fn cell_attr);
/* Keys for the screens' key tables, on the current screen's list
 * (->list, or ->nav): move, page, first, last, start the filter, clear
 * it.  CONSOLE_NAV_KEYS are the six navigation rows, with the screen's
 * own words for up, down, first and last. */
#define CONSOLE_NAV_KEYS(up, down, home, end) \
	{ { KEY_UP, 'k' }, NULL, up, console_nav_up }, \
	{ { KEY_DOWN, 'j' }, NULL, down, console_nav_down }, \
	{ { KEY_PPAGE }, NULL, "one page up", console_nav_pgup }, \
	{ { KEY_NPAGE }, NULL, "one page down", console_nav_pgdn }, \
	{ { KEY_HOME, 'g' }, NULL, home, console_nav_home }, \
	{ { KEY_END, 'G' }, NULL, end, console_nav_end }
void console_nav_up(struct console *c, void *st);
void console_nav_down(struct console *c, void *st);
void console_nav_pgup(struct console *c, void *st);
void console_nav_pgdn(struct console *c, void *st);
void console_nav_home(struct console *c, void *st);
void console_nav_end(struct console *c, void *st);
void console_nav_filter(struct console *c, void *st);
void console_nav_unfilter(struct console *c, void *st);
/* A click at screen row y on the current screen's list, whose first row
 * is under the column titles at the top of the body. */
void console_nav_click(struct console *c, int y);

/* console_draw.c: a frame, from state. */
void console_draw(struct console *c);

/* console_header.c */
/* Row 0 (title, tabs) and, with meters, rows 1-2. */
void console_header_draw(struct console *c, WINDOW *w, int width, int meters);
/* Which tab is at column x of the header's first row; -1 if none. */
int console_header_tab_at(const struct console *c, int x, int width);
/* A meter at (y, x), width cells: its label, then the bar, its filled
 * part in the meter colour. */
void console_meter_draw(const struct console *c, WINDOW *w, int y, int x, int width,
			const struct meter *m);

/* console_storage.c: croftd's pools and volumes (pool.list, vol.list)
 * for the form's pickers of ISOs and disk images (picker_pools_add). */
void console_pools_catalog(struct console *c);

/* console_jobs.c: the jobs a screen follows (console_jobmodel.h), one
 * line each from row y, at most max and not past bottom: what and its
 * state (or why it failed), a bar, the rate and the time left.  Returns
 * the row after. */
struct cjob_follow;
int console_follow_draw(const struct console *c, WINDOW *w, int y, int bottom, int width,
			const struct cjob_follow *f, size_t max);

/* console_vms.c: the VM selected on the VMs screen, or NULL. */
const char *console_vms_selected(const struct console *c);
/* console_snap.c: the Snapshots screen, on vm. */
void console_snap_open(struct console *c, const char *vm);

/* console_serial.c */
void console_serial_attach(struct console *c, const char *name);
/* console_screenview.c: the VM's VGA text screen, keys passed to the guest
 * until Ctrl-] (V on the VM list). */
void console_screen_view(struct console *c, const char *name);

/* console.c: a VM's last state change (a vm.state event: unix ms, the
 * Events screen's detail), newest wins; and what is known of it, or NULL. */
void console_why_note(struct console *c, const char *name, int64_t time_ms, const char *text);
const struct console_why *console_why_get(const struct console *c, const char *name);

/* console.c: switch the terminal to (1) or from (0) its alternate screen
 * (terminfo smcup/rmcup; nothing where the terminal has none). */
void console_alt_screen(int on);

/* console.c: the keys of every screen (help, quit, next screen...) */
extern const struct console_key console_global_keys[];

#endif
