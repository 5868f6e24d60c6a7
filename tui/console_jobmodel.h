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

/* The jobs a screen started (Storage, Snaps), newest first, followed by
 * their events for the progress lines under the screen's tables. */
#define CJOB_FOLLOW_MAX 4
struct cjob_follow {
	struct cjob_followed {
		struct cjob job;
		char what[160];     /* "Importing default/debian" */
	} jobs[CJOB_FOLLOW_MAX];
	size_t n;
};
/* Follow the job an op answered with (result's "job"; borrowed), as
 * what; the oldest goes when full.  0, or -EINVAL without a job. */
int cjob_follow_add(struct cjob_follow *f, const json_t *result, const char *what);
/* A job.progress or job.state event (name, data): the followed job it
 * moved, or NULL. */
const struct cjob *cjob_follow_event(struct cjob_follow *f, const char *name,
				     const json_t *data);

extern const struct panel_ops cjob_panel_ops;
/* ID KIND TARGET STATE PROGRESS RATE LEFT; cells take a const struct
 * cjob *. */
extern const struct ctable_col cjob_cols[];
extern const size_t cjob_ncols;

#endif
