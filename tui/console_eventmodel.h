/*
 * The Events screen's model: croftd's events (live ones, and the history
 * events.list reads) parsed into rows, with the console's own lines (lost
 * the connection, connected again) among them.  The rows go into a list
 * panel that is a log (tui/panel.h, PANEL_LOG): keyed by seq, so an event
 * that comes both from the history and live is shown once; in time order,
 * so the history from before a croftd restart, the console's own lines and
 * the live events interleave as they happened.  Pure: no curses, no I/O;
 * the time of day is taken in the local time zone.
 */
#ifndef CROFT_TUI_CONSOLE_EVENTMODEL_H
#define CROFT_TUI_CONSOLE_EVENTMODEL_H

#include <jansson.h>
#include <stdint.h>

#include "tui/console_table.h"
#include "tui/panel.h"

#define CEVENT_MAX 500          /* rows kept, and history read on connect */

struct cevent {
	long long seq;              /* croftd's number; 0: a line of the console's */
	long long local;            /* the console's lines: their number */
	int64_t time_ms;            /* unix ms */
	char when[16];              /* "14:02:11", or "01-02 14:02" on another day */
	char kind[32];              /* "vm.state"; "" for the console's lines */
	char target[64];
	char detail[1100];          /* a failure's full text included */
};

/* An event as croftd sends it ({"event","seq","time_ms","target",
 * "message","user",...,"data"}), at now_ms (unix ms): 0, or -EINVAL when
 * o is no event. */
int cevent_parse(struct cevent *ev, const json_t *o, int64_t now_ms);
/* The console's own line number n, text, at now_ms. */
void cevent_local(struct cevent *ev, long long n, int64_t now_ms, const char *text);
/* Whether the Events screen lists an event kind (not the job.progress
 * stream: the Jobs view shows that). */
int cevent_listed(const char *kind);

extern const struct panel_ops cevent_panel_ops;
/* TIME EVENT TARGET DETAIL; cells take a const struct cevent *. */
extern const struct ctable_col cevent_cols[];
extern const size_t cevent_ncols;

#endif
