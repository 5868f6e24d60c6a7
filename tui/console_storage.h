/*
 * The Storage screen's models (console_storage.c shows them and sends
 * their requests).  No I/O, no drawing, so every behaviour is unit-tested.
 *
 *   struct cpool  one pool of pool.list / pool.info: its figures (capacity,
 *                 free, allocated, promised, overcommit, level), the
 *                 forecast and, from pool.info, its volumes.  The rows of
 *                 the screen's pool table (cpool_panel_ops, by name) with
 *                 the columns NAME CONTENT USED ALLOC PROMISED SIZE
 *                 FORECAST.  (console_storemodel.c)
 *   summary       the selected pool's meters (used, allocated and promised
 *                 against its capacity) and its lines: where it is, the
 *                 forecast, and the warnings (80 % / 95 % used,
 *                 overcommitted, full with paused guests and what to do),
 *                 each with its severity.  (console_storemodel.c)
 *   struct cvol   one volume of a pool: the rows of the volume table
 *                 (cvol_panel_ops, by name): NAME SIZE ALLOC FORMAT
 *                 BACKING USED BY.  (console_storemodel.c)
 *   forms         a new pool (Name, Path, Content), a new volume (Name,
 *                 Size, Format), an import (Name, From, Format), a resize
 *                 (New size), an attach (VM) and the host's memory
 *                 settings (Budget, Reserve, Balloon), on the form engine
 *                 (tui/form.h), checked with croftd's rules where the
 *                 console can (names, sizes); the rest is croftd's to
 *                 refuse, its message shown as is.  (console_storeform.c)
 *
 * Ownership: a struct cpool owns its volume array (cpool_panel_ops frees
 * it); json_t arguments are borrowed.
 */
#ifndef CROFT_TUI_CONSOLE_STORAGE_H
#define CROFT_TUI_CONSOLE_STORAGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/console_model.h"
#include "tui/console_table.h"
#include "tui/form.h"
#include "tui/meter.h"
#include "tui/panel.h"

#define CPOOL_NAME_LEN 64
#define CPOOL_LINE_LEN 400
#define CPOOL_MAX_PAUSED 16

struct cvol {
	char name[256];
	char format[16];               /* "qcow2", "raw", "" unknown */
	long long virtual_bytes;       /* -1: unknown */
	long long allocated_bytes;
	char backing[512];             /* "" none */
	char used_by[CVM_NAME_LEN];    /* "" none */
};

struct cpool {
	char name[CPOOL_NAME_LEN];
	char dir[512];
	char content[16];              /* "images" or "iso" */
	int builtin;
	int available;                 /* 0: the directory cannot be read (error says why) */
	char error[400];
	long long capacity, free, allocated, promised;   /* bytes; -1 unknown */
	double overcommit, used_pct;
	long long volumes;
	char level[16];                /* ok, warning, critical */
	/* the forecast: days to full (-1: not growing or unknown) and its text */
	int fc_day_known, fc_week_known;
	double fc_day_days, fc_week_days;
	char fc_day[64], fc_week[64];
	/* guests paused because the pool is full (pool.info's list and
	 * vm.list's pause_pool) */
	char paused[CPOOL_MAX_PAUSED][CVM_NAME_LEN];
	size_t npaused;
	struct cvol *vols;             /* pool.info's volume_list; NULL from pool.list */
	size_t nvols;
	int has_vols;
};

/* A pool object: 0, or -EINVAL without a string name. */
int cpool_parse(struct cpool *p, const json_t *o);
void cpool_free(struct cpool *p);
/* pool.list's "pools" (borrowed) as a malloc'd array of *n pools. */
struct cpool *cpool_parse_list(const json_t *pools, size_t *n);
/* Add the VMs of the model paused by this pool filling up (pause_reason
 * "pool-full" and pause_pool the pool's name) to p's paused list, once
 * each. */
void cpool_paused_from_vms(struct cpool *p, const struct cvm_model *vms);
/* The pool's volumes as malloc'd rows (NULL when none). */
struct cvol *cpool_vol_rows(const struct cpool *p);

/* The forecast in a few words: the nearer of the two windows' "full in
 * ~N days", else "growing slowly"-style text croftd sent, else "-". */
const char *cpool_forecast(const struct cpool *p);

enum { CPOOL_M_USED, CPOOL_M_ALLOC, CPOOL_M_PROMISED, CPOOL_NMETERS };
/* The pool's three meters against its capacity: used (by anything on
 * the file system), allocated by its volumes, promised (virtual sizes,
 * may pass 100 %: the text says so). */
void cpool_meters(const struct cpool *p, struct meter m[CPOOL_NMETERS]);

enum cpool_sev { CPOOL_INFO, CPOOL_WARN, CPOOL_CRIT };
struct cpool_line {
	enum cpool_sev sev;
	char text[CPOOL_LINE_LEN];
};
#define CPOOL_MAX_LINES 8
/* The lines under the meters: the forecast, then each warning with what
 * to do.  Returns how many (<= CPOOL_MAX_LINES). */
size_t cpool_lines(const struct cpool *p, struct cpool_line *out);
/* The worst severity of p's warnings (the table's colour). */
enum cpool_sev cpool_severity(const struct cpool *p);

extern const struct panel_ops cpool_panel_ops;
extern const struct ctable_col cpool_cols[];
extern const size_t cpool_ncols;

extern const struct panel_ops cvol_panel_ops;
extern const struct ctable_col cvol_cols[];
extern const size_t cvol_ncols;

/* "1.5G" of bytes, or "-" when < 0. */
char *cpool_size(long long bytes, char *buf, size_t len);

/* The confirmation of a volume's delete: what will be lost (its size and
 * what it held), that it cannot be undone.  Lines into out (at most 3),
 * returns how many. */
size_t cvol_delete_lines(const char *pool, const struct cvol *v, char out[][CPOOL_LINE_LEN]);

/* --- the forms --------------------------------------------------------------- */

enum { CF_POOL_NAME, CF_POOL_PATH, CF_POOL_CONTENT };
enum { CF_VOL_NAME, CF_VOL_SIZE, CF_VOL_FORMAT };
enum { CF_IMP_NAME, CF_IMP_FROM, CF_IMP_FORMAT };
enum { CF_RSZ_SIZE };
enum { CF_ATT_VM };
enum { CF_HMEM_BUDGET, CF_HMEM_RESERVE, CF_HMEM_BALLOON };

/* pool.create: name, absolute path, content images|iso. */
struct form *storeform_new_pool(void);
/* vol.create in pool: name, size (8G), format qcow2|raw. */
struct form *storeform_new_volume(const char *pool);
/* vol.import into pool: name, the file to read (the picker), format
 * (as the source, qcow2 or raw). */
struct form *storeform_import(const char *pool);
/* vol.resize of pool/name, now virtual_bytes: grow only. */
struct form *storeform_resize(const char *pool, const char *name, long long virtual_bytes);
/* vm.disk.attach of pool/name to one of vms (running VMs; at least
 * one). */
struct form *storeform_attach(const char *pool, const char *name, const char *const *vms,
			      size_t nvms);
/* host.set of the memory settings, from host.memory's answer (borrowed;
 * may be NULL): only what changed is sent. */
struct form *storeform_host_memory(const json_t *memory);

/* The status line's words for a form's args ("Creating volume
 * default/data", "Created volume default/data"), len bytes each. */
void storeform_describe(const json_t *args, char *progress, char *done, size_t len);

#endif
