/*
 * The Snapshots screen's models (console_snap.c shows them and sends their
 * requests).  No I/O, no drawing, so every behaviour is unit-tested.
 *
 *   struct csnap    one snapshot of snap.list, placed in its tree: the
 *                   rows of the snapshot table (csnap_panel_ops, in tree
 *                   order: parents before children, siblings oldest
 *                   first) with the columns SNAPSHOT (the tree drawn in
 *                   ASCII, the current position marked) CREATED RAM SIZE
 *                   PAUSE FLAGS (protected, made by schedule N) and
 *                   DESCRIPTION.  A chain of only children stays at one
 *                   indentation; a parent with two or more children
 *                   branches with "|- " and "`- ".  (console_snapmodel.c)
 *   struct csched   one schedule of schedule.list: CALENDAR FOR NEXT RUN
 *                   LAST RESULT KEEP RAM BACKUP.  (console_snapmodel.c)
 *   struct cbackup  one backup of backup.list: ID CREATED POOL SIZE DISKS
 *                   VERIFIED.  (console_snapmodel.c)
 *   estimates       snap.estimate's answer, in words for the create form:
 *                   the guest's pause without and with RAM, and how (one
 *                   QMP transaction; background-snapshot; stopped for the
 *                   whole RAM write).  (console_snapmodel.c)
 *   confirmations   what a revert, a delete (snapshot, schedule, backup)
 *                   loses, in lines for console_confirm().
 *   forms           create a snapshot (Name, RAM, Description), a
 *                   schedule and its editor (Calendar, RAM, Backup to,
 *                   the six keep fields), a backup (To pool) and a restore
 *                   (As), on the form engine (tui/form.h).  The calendar
 *                   is croftd's to read: when it refuses, its message
 *                   shows under the field it names until that field
 *                   changes.  (console_snapform.c)
 *
 * Times are unix seconds; each row keeps the "now" it was parsed at, so
 * its cells say "in 14m" without a clock of their own.  Ownership: rows
 * own nothing; json_t arguments are borrowed.
 */
#ifndef CROFT_TUI_CONSOLE_SNAP_H
#define CROFT_TUI_CONSOLE_SNAP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/console_table.h"
#include "tui/form.h"
#include "tui/panel.h"

#define CSNAP_NAME_LEN 128
#define CSNAP_TREE_LEN 28           /* the tree's prefix, cut to this */
#define CSNAP_LINE_LEN 400
#define CSNAP_MAX_WARN 4
#define CSNAP_NKEEP 6

struct csnap {
	char name[CSNAP_NAME_LEN];
	char parent[CSNAP_NAME_LEN];    /* "" a root */
	char children[256];             /* "a, b" */
	long long nchildren;
	long long created;              /* -1 unknown */
	int ram;
	char description[256];
	long long size;                 /* bytes on disk; -1 unknown */
	double pause_ms;                /* the measured pause; -1 unknown */
	char method[24];
	int protected_;
	long long schedule;             /* 0: made by hand */
	int current;
	/* placed by csnap_parse_list */
	size_t order;                   /* tree order */
	int depth;
	char tree[CSNAP_TREE_LEN + 4];  /* "|  `- " drawn before the name */
	long long now;
};

struct csnap_list {
	struct csnap *rows;             /* malloc'd, n of them, in tree order */
	size_t n;
	char current[CSNAP_NAME_LEN];   /* "" none */
	char warnings[CSNAP_MAX_WARN][CSNAP_LINE_LEN];   /* snap.list's chain health */
	size_t nwarn;
};

/* snap.list's answer (borrowed) into l, rows in tree order; snapshots
 * without a string name are skipped; a parent that is not listed (or a
 * loop) makes a root.  now: for the cells. */
void csnap_parse_list(const json_t *res, long long now, struct csnap_list *l);
void csnap_list_free(struct csnap_list *l);

/* "17:40" today, "12-03 17:40" this year, else "2025-12-03"; "-" when
 * unknown (local time). */
char *csnap_when(long long t, long long now, char *buf, size_t len);
/* "3 ms", "1.2 s", or "-" when < 0. */
char *csnap_ms(double ms, char *buf, size_t len);
/* "in 14m", "in 3h05m", "in 2d", "due" (<= now), or "-" when unknown. */
char *csnap_until(long long t, long long now, char *buf, size_t len);

extern const struct panel_ops csnap_panel_ops;
extern const struct ctable_col csnap_cols[];
extern const size_t csnap_ncols;

/* --- schedules -------------------------------------------------------------- */

enum { CKEEP_LAST, CKEEP_HOURLY, CKEEP_DAILY, CKEEP_WEEKLY, CKEEP_MONTHLY, CKEEP_YEARLY };
/* "last", "hourly"... and the API's names "keep_last"... */
extern const char *const csched_keep_names[CSNAP_NKEEP];
extern const char *const csched_keep_keys[CSNAP_NKEEP];

struct csched {
	long long id;
	char vm[CSNAP_NAME_LEN];        /* "" with all or a tag */
	int all;
	char tag[64];
	char at[256];
	int ram;
	char backup_to[64];             /* "" none */
	long long keep[CSNAP_NKEEP];
	long long next_run;             /* -1 unknown */
	long long last_run;             /* -1 never */
	char last_result[256];          /* "" never ran */
	long long now;
};

/* schedule.list's "schedules" (borrowed) as a malloc'd array of *n. */
struct csched *csched_parse_list(const json_t *arr, long long now, size_t *n);
/* "web", "all VMs", "tag db". */
char *csched_target(const struct csched *s, char *buf, size_t len);
/* "last 2, daily 7", or "all" when every keep is 0. */
char *csched_keeps(const struct csched *s, char *buf, size_t len);

extern const struct panel_ops csched_panel_ops;
extern const struct ctable_col csched_cols[];
extern const size_t csched_ncols;

/* --- backups ------------------------------------------------------------------ */

struct cbackup {
	long long id;
	char vm[CSNAP_NAME_LEN];
	char pool[64];
	long long created, size;        /* -1 unknown */
	long long ndisks;
	long long verified;             /* -1 never */
	char verify_result[256];
	long long schedule;             /* 0: made by hand */
	long long now;
};

/* backup.list's "backups" (borrowed) as a malloc'd array of *n; only
 * vm's when vm is not NULL. */
struct cbackup *cbackup_parse_list(const json_t *arr, const char *vm, long long now, size_t *n);

extern const struct panel_ops cbackup_panel_ops;
extern const struct ctable_col cbackup_cols[];
extern const size_t cbackup_ncols;

/* --- the screen's layout ------------------------------------------------------ */

enum { CSNAP_SEC_SNAPS, CSNAP_SEC_SCHEDS, CSNAP_SEC_BACKUPS, CSNAP_NSEC };
/* avail data rows shared by the three tables holding counts[] rows: each
 * gets one row (its only row may say "none"), then the focused table
 * what it needs, then the others in order; rows[] says how many each
 * shows. */
void csnap_layout(int avail, const size_t counts[CSNAP_NSEC], int focus, int rows[CSNAP_NSEC]);

/* --- what an action loses ---------------------------------------------------- */

/* A revert of a running VM to a snapshot without RAM needs force: the
 * guest restarts from its disks. */
int csnap_revert_needs_force(const char *vm_state, const struct csnap *s);
/* The confirmation's lines (at most 3) for reverting vm (in vm_state) to
 * s, returns how many. */
size_t csnap_revert_lines(const char *vm, const char *vm_state, const struct csnap *s,
			  char out[][CSNAP_LINE_LEN]);
/* Deleting s: which snapshot, that its children stay (at most 3). */
size_t csnap_delete_lines(const char *vm, const struct csnap *s, char out[][CSNAP_LINE_LEN]);
size_t csched_delete_lines(const struct csched *s, char out[][CSNAP_LINE_LEN]);
size_t cbackup_delete_lines(const struct cbackup *b, char out[][CSNAP_LINE_LEN]);

/* --- the pause estimate ------------------------------------------------------- */

struct csnap_estimate {
	int known;
	char method[24];                /* transaction, background-snapshot, stopped */
	double pause_ms;
	long long ram_bytes;
	char error[256];                /* why it is not known */
};

/* snap.estimate's answer (borrowed). */
void csnap_estimate_parse(struct csnap_estimate *e, const json_t *res);
/* One choice's words: "disks only, pause ~2 ms", "with 1G of RAM, pause
 * ~35 ms", "with 1G of RAM, the guest stops ~4.2 s" (stopped: no
 * background-snapshot here). */
char *csnap_estimate_words(const struct csnap_estimate *e, int ram, char *buf, size_t len);
/* The create form's note, both at once in under 72 columns: "Guest pause
 * ~2 ms without RAM; ~35 ms with RAM (saved as it runs)", or why there is
 * no estimate. */
char *csnap_estimate_note(const struct csnap_estimate *disk, const struct csnap_estimate *ram,
			  char *buf, size_t len);

/* --- the forms ------------------------------------------------------------------ */

enum { CF_SNAP_NAME, CF_SNAP_RAM, CF_SNAP_DESC };
enum { CF_SCHED_AT, CF_SCHED_RAM, CF_SCHED_BACKUP, CF_SCHED_KEEP };   /* + CKEEP_* */
enum { CF_BAK_POOL };
enum { CF_RESTORE_AS };

/* snap.create of vm: the RAM choice is offered when running, each choice
 * labelled with its estimate (disk: without RAM, ram: with; borrowed). */
struct form *snapform_create(const char *vm, int running, const struct csnap_estimate *disk,
			     const struct csnap_estimate *ram);
/* schedule.add for vm, or schedule.set of s (s not NULL); the Backup to
 * choice is "none" and pools[0..npools). */
struct form *schedform_new(const char *vm, const char *const *pools, size_t npools);
struct form *schedform_edit(const struct csched *s, const char *const *pools, size_t npools);
/* croftd refused the schedule form's submit with message: it shows
 * under the field it names while that field keeps its text, the focus
 * goes there, and for a calendar the cursor goes to the column croftd
 * names ("(column 6: 'fxi')"). */
void schedform_refused(struct form *f, const char *message);
int schedform_is(const struct form *f);
/* backup.create of vm to one of pools (at least one). */
struct form *backupform_create(const char *vm, const char *const *pools, size_t npools);
/* backup.restore of backup id (of vm) as a new VM. */
struct form *backupform_restore(long long id, const char *vm);

/* The status line's words for the forms' args. */
void snapform_describe(const json_t *args, char *progress, char *done, size_t len);

#endif
