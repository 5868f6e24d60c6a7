/*
 * Schedules: a calendar event (calendar.h) naming when, one VM, every VM
 * or the VMs with a tag, snapshots (optionally with RAM) or backups to a
 * pool, and retention counts (prune.h) applied to that schedule's own
 * snapshots or backups after each run; manual and protected ones are
 * never pruned.  Kept in the store (store_schedule_*).
 *
 * The "schedule" service checks the schedules once a minute (just after
 * the minute turns).  A schedule is due when its calendar has a time after
 * its last run (or its creation) that is not after now; a due schedule
 * runs once however many of its times passed, so a run missed while
 * croftd was down happens once, at the first check after startup.  A run
 * makes one task per VM.  A task never starts while a job runs on its VM
 * or another task holds it: it waits SCHED_RETRY_S and tries again, up to
 * SCHED_TRIES times, then fails saying what kept the VM busy.  A task
 * whose pool (the VM's disks' pools for a snapshot, the target pool for a
 * backup) is SCHED_POOL_FULL_PCT or more used is skipped, with an alert
 * ("schedule-pool", cleared by a later run that finds room).  Every
 * decision is an event (schedule.run, schedule.taken, schedule.waiting,
 * schedule.skipped, schedule.failed, schedule.kept, schedule.pruned),
 * which the bus also logs; each task's outcome becomes the schedule's
 * last result.
 *
 * What a task does to snapshots and backups goes through struct
 * sched_ops, so unit tests run the service on fakes.
 */
#ifndef CROFT_SCHED_H
#define CROFT_SCHED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/prune.h"

struct croftd;
struct sched;
struct store_schedule;

#define SCHED_RETRY_S 20
#define SCHED_TRIES 4
#define SCHED_POOL_FULL_PCT 95.0
#define SCHED_SIMULATE_DAYS_MAX 3660
#define SCHED_SIMULATE_RUNS_MAX 100000

/* A snapshot or backup of a schedule's, as its retention sees it. */
struct sched_item {
	char name[128];              /* a snapshot's name */
	int64_t id;                  /* a backup's id */
	int64_t time;                /* created, unix seconds */
	bool protected_;
};

/* An action has ended: error NULL when it succeeded. */
typedef void (*sched_done_fn)(void *data, const char *error);

struct sched_ops {
	/* Start a snapshot or a backup of vm for schedule_id; done is called
	 * once it ends (never from inside this call).  0, or -errno with err
	 * (-EBUSY: a job runs on the VM). */
	int (*snap_create)(struct croftd *d, const char *vm, const char *name, bool ram,
			   int64_t schedule_id, sched_done_fn done, void *data, char *err,
			   size_t errlen);
	int (*backup_create)(struct croftd *d, const char *vm, const char *pool,
			     int64_t schedule_id, sched_done_fn done, void *data, char *err,
			     size_t errlen);
	/* Delete one, as above (snapshots) or at once (backups). */
	int (*snap_delete)(struct croftd *d, const char *vm, const char *name, sched_done_fn done,
			   void *data, char *err, size_t errlen);
	int (*backup_delete)(struct croftd *d, int64_t id, char *err, size_t errlen);
	/* The schedule's own snapshots or backups of vm (*v malloc'd). */
	int (*snap_list)(struct croftd *d, const char *vm, int64_t schedule_id,
			 struct sched_item **v, size_t *n);
	int (*backup_list)(struct croftd *d, const char *vm, int64_t schedule_id,
			   struct sched_item **v, size_t *n);
	/* 1 with why set when a job runs on vm, else 0. */
	int (*busy)(struct croftd *d, const char *vm, char *why, size_t len);
	/* The fullest pool a task on vm writes to (backup_to, or the VM's
	 * disks' pools): 0 with its name and percent used, or -errno. */
	int (*pool_used)(struct croftd *d, const char *vm, const char *backup_to, char *pool,
			 size_t len, double *pct);
	/* A pool at or over SCHED_POOL_FULL_PCT (pct), or back under it. */
	void (*pool_alert)(struct croftd *d, const char *pool, double pct);
	time_t (*now)(void);
};

/* croftd's actions (sched_daemon.c). */
extern const struct sched_ops sched_ops_daemon;

/* The service.  sched_new/sched_free for tests, with their ops. */
struct sched *sched_new(struct croftd *d, const struct sched_ops *ops);
void sched_free(struct sched *s);
/* Run what is due (and waiting tasks whose retry time came); returns the
 * milliseconds until it should be called again. */
uint64_t sched_run_due(struct sched *s);
int sched_service_init(struct croftd *d, char *err, size_t errlen);
void sched_service_fini(struct croftd *d);
uint64_t sched_service_tick(struct croftd *d);

/* Run schedule id now, whatever its calendar says: 0, or -ENOENT. */
int sched_run_now(struct sched *s, int64_t id, char *err, size_t errlen);
/* Tasks not yet ended. */
size_t sched_tasks(const struct sched *s);

/* --- the definitions (sched_spec.c) ------------------------------------------- */

/* A schedule as an op gives it; strings borrowed.  For schedule.set the
 * has_* flags say what is given (the rest stays). */
struct sched_req {
	const char *vm;
	bool all;
	const char *tag;
	const char *at;
	bool ram;
	const char *backup_to;
	int64_t keep[6];
	bool has_target, has_at, has_ram, has_backup_to, has_keep[6];
};

/* The names of keep[] as the API and CLI give them: "keep_last"... */
extern const char *const sched_keep_keys[6];

/* Check req (merged onto cur for a change; cur NULL for a new one) and
 * fill *out: 0, or -errno with *code (PROTO_E_*) and err naming the
 * problem.  Nothing is written. */
int sched_spec_check(struct croftd *d, const struct store_schedule *cur,
		     const struct sched_req *req, struct store_schedule *out, const char **code,
		     char *err, size_t errlen);
/* The API's SC object, with the next run after now (null when none). */
json_t *sched_json(const struct store_schedule *s, time_t now);
/* What retention would keep of the runs of `at` over the days up to now:
 * {"snapshots":[{"time","kept","rule"}...]} newest first, or NULL with
 * *code and err. */
json_t *sched_simulate(const char *at, const struct prune_keep *k, int64_t days, time_t now,
		       const char **code, char *err, size_t errlen);
/* keep[] as struct prune_keep. */
void sched_keep_of(const int64_t keep[6], struct prune_keep *k);

#endif
