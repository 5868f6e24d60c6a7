/*
 * The Jobs view's model: croftd's jobs (job.list, job.info, job.cancel
 * answers, and the job.progress and job.state events between them) parsed
 * into rows for a list panel: keyed by id, the running and queued jobs
 * first, then the finished ones, newest first.  Each row knows its
 * progress (a meter), its rate and the time it has left.  Pure: no
 * curses, no I/O.
 *
 * A JOB is {"id","kind","target","state" (queued|running|done|failed|
 * cancelled),"done","total","error","user","uid","created_ms",
 * "started_ms","finished_ms","rate" (bytes/s or null),"eta_s" (or null),
 * "result"}.
 */
#ifndef CROFT_TUI_CONSOLE_JOBMODEL_H
#define CROFT_TUI_CONSOLE_JOBMODEL_H

#include <jansson.h>
#include <stdint.h>

#include "tui/console_table.h"
#include "tui/meter.h"
#include "tui/panel.h"

#define CJOB_BAR_W 16           /* the PROGRESS column's bar */

struct cjob {
	long long id;
	char kind[32];
	char target[64];
	char state[16];
	char user[32];
	char error[400];
	long long done, total;      /* bytes; total 0: unknown */
	double rate;                /* bytes/s; < 0: unknown */
	long long eta_s;            /* < 0: unknown */
	long long created_ms, started_ms, finished_ms;
};

/* A JOB object: 0, or -EINVAL when it has no id. */
int cjob_parse(struct cjob *j, const json_t *o);
/* The data of a job.progress event ({"id","done","total","rate"}) and of
 * a job.state event ({"id","state","error",...}) applied to j. */
void cjob_progress(struct cjob *j, const json_t *data);
void cjob_state(struct cjob *j, const json_t *data);
/* Queued or running: it can be cancelled. */
int cjob_active(const struct cjob *j);

void cjob_meter(const struct cjob *j, struct meter *m);
/* "12.5M/s", or "-". */
char *cjob_rate(const struct cjob *j, char *buf, size_t len);
/* "45s", "3m05s", "1h20m", or "-" (finished or unknown). */
char *cjob_eta(const struct cjob *j, char *buf, size_t len);
/* One line about the job for under the table: what, how far, who, why
 * it failed. */
char *cjob_describe(const struct cjob *j, char *buf, size_t len);

extern const struct panel_ops cjob_panel_ops;
/* ID KIND TARGET STATE PROGRESS RATE LEFT; cells take a const struct
 * cjob *. */
extern const struct ctable_col cjob_cols[];
extern const size_t cjob_ncols;

#endif
