/*
 * The Snapshots screen's models (console_snap.h): snap.list placed in its
 * tree, schedules and backups parsed by tables, their cells, the pause
 * estimate in words, and what a revert or a delete loses.
 */
#include "tui/console_snap.h"
#include "tui/jfields.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const struct jfield snap_fields[] = {
	JF_STR(struct csnap, name, "name"),
	JF_STR(struct csnap, parent, "parent"),
	JF_INT(struct csnap, created, "created", -1),
	JF_BOOL(struct csnap, ram, "ram", 0),
	JF_STR(struct csnap, description, "description"),
	JF_INT(struct csnap, size, "size", -1),
	JF_NUM(struct csnap, pause_ms, "pause_ms", -1),
	JF_STR(struct csnap, method, "method"),
	JF_BOOL(struct csnap, protected_, "protected", 0),
	JF_INT(struct csnap, schedule, "schedule", 0),
	JF_BOOL(struct csnap, current, "current", 0),
};

/* --- the tree --------------------------------------------------------------- */

struct tree {
	struct csnap *in;          /* as parsed */
	size_t n;
	int *done;
	struct csnap *out;
	size_t nout;
};

static long find(const struct tree *t, const char *name)
{
	size_t i;

	for (i = 0; *name && i < t->n; i++)
		if (!strcmp(t->in[i].name, name))
			return (long)i;
	return -1;
}

/* Oldest first, then by name. */
static int older(const struct csnap *a, const struct csnap *b)
{
	if (a->created != b->created)
		return a->created < b->created;
	return strcmp(a->name, b->name) < 0;
}

/* The children of parent (-1: the roots) not placed yet, oldest first,
 * into kids (t->n of room); returns how many. */
static size_t kids_of(const struct tree *t, long parent, size_t *kids)
{
	size_t n = 0, i, k;

	for (i = 0; i < t->n; i++) {
		long p = find(t, t->in[i].parent);

		if (t->done[i] || (parent < 0 ? p >= 0 && p != (long)i : p != parent))
			continue;
		for (k = n; k > 0 && older(&t->in[i], &t->in[kids[k - 1]]); k--)
			kids[k] = kids[k - 1];
		kids[k] = i;
		n++;
	}
	return n;
}

/* The prefix cut to CSNAP_TREE_LEN from the left, ".." marking the cut. */
static void set_tree(struct csnap *s, const char *prefix)
{
	size_t len = strlen(prefix);

	if (len <= CSNAP_TREE_LEN)
		snprintf(s->tree, sizeof(s->tree), "%s", prefix);
	else
		snprintf(s->tree, sizeof(s->tree), "..%s", prefix + len - (CSNAP_TREE_LEN - 2));
}

/* Place node i with prefix (its glyph included) and cont (what its
 * children's lines start with), then its children. */
static void place(struct tree *t, size_t i, const char *prefix, const char *cont, int depth)
{
	size_t *kids = xcalloc(t->n + 1, sizeof(*kids)), n, k;
	struct csnap *s;
	char p[256], c[256];

	t->done[i] = 1;
	s = &t->out[t->nout];
	*s = t->in[i];
	s->order = t->nout++;
	s->depth = depth;
	set_tree(s, prefix);
	n = kids_of(t, (long)i, kids);
	for (k = 0; k < n; k++)
		t->done[kids[k]] = 1;
	for (k = 0; k < n; k++) {
		if (n == 1) {
			/* a chain stays at one indentation */
			place(t, kids[k], cont, cont, depth + 1);
			continue;
		}
		snprintf(p, sizeof(p), "%s%s", cont, k + 1 < n ? "|- " : "`- ");
		snprintf(c, sizeof(c), "%s%s", cont, k + 1 < n ? "|  " : "   ");
		place(t, kids[k], p, c, depth + 1);
	}
	free(kids);
}

static void joined_children(const json_t *o, struct csnap *s)
{
	const json_t *v;
	size_t i, off = 0;

	s->children[0] = '\0';
	json_array_foreach(jget_arr(o, "children"), i, v) {
		if (!json_is_string(v))
			continue;
		s->nchildren++;
		if (off < sizeof(s->children))
			off += (size_t)snprintf(s->children + off, sizeof(s->children) - off, "%s%s",
						off ? ", " : "", json_string_value(v));
	}
}

void csnap_parse_list(const json_t *res, long long now, struct csnap_list *l)
{
	const json_t *arr = jget_arr(res, "snapshots"), *o;
	struct tree t;
	size_t *roots, n, i, k;

	memset(l, 0, sizeof(*l));
	snprintf(l->current, sizeof(l->current), "%s", jget_str(res, "current", ""));
	json_array_foreach(jget_arr(res, "warnings"), i, o)
		if (json_is_string(o) && l->nwarn < CSNAP_MAX_WARN)
			snprintf(l->warnings[l->nwarn++], CSNAP_LINE_LEN, "%s", json_string_value(o));
	memset(&t, 0, sizeof(t));
	t.in = xcalloc(json_array_size(arr) + 1, sizeof(*t.in));
	json_array_foreach(arr, i, o) {
		struct csnap *s = &t.in[t.n];

		if (!*jget_str(o, "name", ""))
			continue;
		jfields_read(o, s, snap_fields, JF_COUNT(snap_fields));
		joined_children(o, s);
		s->now = now;
		if (l->current[0])
			s->current = !strcmp(s->name, l->current);
		if (!strcmp(s->parent, s->name))
			s->parent[0] = '\0';
		t.n++;
	}
	t.done = xcalloc(t.n + 1, sizeof(*t.done));
	t.out = xcalloc(t.n + 1, sizeof(*t.out));
	roots = xcalloc(t.n + 1, sizeof(*roots));
	n = kids_of(&t, -1, roots);
	for (k = 0; k < n; k++)
		t.done[roots[k]] = 1;
	for (k = 0; k < n; k++)
		place(&t, roots[k], "", "", 0);
	/* what a loop of parents kept from the roots */
	for (i = 0; i < t.n; i++)
		if (!t.done[i])
			place(&t, i, "", "", 0);
	if (!l->current[0])
		for (i = 0; i < t.nout; i++)
			if (t.out[i].current)
				snprintf(l->current, sizeof(l->current), "%s", t.out[i].name);
	l->rows = t.out;
	l->n = t.nout;
	free(roots);
	free(t.done);
	free(t.in);
}

void csnap_list_free(struct csnap_list *l)
{
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
}

/* --- words ------------------------------------------------------------------------ */

char *csnap_when(long long t, long long now, char *buf, size_t len)
{
	time_t tt = (time_t)t, tn = (time_t)now;
	struct tm tm, today;

	if (t < 0 || !localtime_r(&tt, &tm) || !localtime_r(&tn, &today)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
		strftime(buf, len, "%H:%M", &tm);
	else if (tm.tm_year == today.tm_year)
		strftime(buf, len, "%m-%d %H:%M", &tm);
	else
		strftime(buf, len, "%Y-%m-%d", &tm);
	return buf;
}

char *csnap_ms(double ms, char *buf, size_t len)
{
	if (ms < 0)
		snprintf(buf, len, "-");
	else if (ms < 1000)
		snprintf(buf, len, "%.0f ms", ms);
	else
		snprintf(buf, len, "%.1f s", ms / 1000.0);
	return buf;
}

char *csnap_until(long long t, long long now, char *buf, size_t len)
{
	long long d = t - now;

	if (t < 0)
		snprintf(buf, len, "-");
	else if (d <= 0)
		snprintf(buf, len, "due");
	else if (d < 60)
		snprintf(buf, len, "in %llds", d);
	else if (d < 3600)
		snprintf(buf, len, "in %lldm", (d + 59) / 60);
	else if (d < 86400)
		snprintf(buf, len, "in %lldh%02lldm", d / 3600, d % 3600 / 60);
	else
		snprintf(buf, len, "in %lldd", d / 86400);
	return buf;
}

static char *size_or_dash(long long bytes, char *buf, size_t len)
{
	if (bytes < 0)
		snprintf(buf, len, "-");
	else
		size_format((uint64_t)bytes, buf, len);
	return buf;
}

/* --- the snapshot table ------------------------------------------------------------ */

static int snap_match(const void *row, const char *filter)
{
	const struct csnap *s = row;

	return strcasestr(s->name, filter) || strcasestr(s->description, filter);
}

static int snap_cmp(const void *pa, const void *pb, int sort)
{
	const struct csnap *a = pa, *b = pb;

	(void)sort;
	return a->order < b->order ? -1 : a->order > b->order;
}

const struct panel_ops csnap_panel_ops = {
	.size = sizeof(struct csnap),
	PANEL_KEY_TEXT(struct csnap, name),
	.match = snap_match,
	.cmp = snap_cmp,
};

static void cell_name(const void *row, char *buf, size_t len)
{
	const struct csnap *s = row;

	snprintf(buf, len, "%s%s%s", s->tree, s->name, s->current ? " *" : "");
}

static void cell_created(const void *row, char *buf, size_t len)
{
	const struct csnap *s = row;

	csnap_when(s->created, s->now, buf, len);
}

static void cell_ram(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%s", ((const struct csnap *)row)->ram ? "RAM" : "-");
}

static void cell_size(const void *row, char *buf, size_t len)
{
	size_or_dash(((const struct csnap *)row)->size, buf, len);
}

static void cell_pause(const void *row, char *buf, size_t len)
{
	csnap_ms(((const struct csnap *)row)->pause_ms, buf, len);
}

/* "prot", "sched 3", "prot sched 3". */
static void cell_flags(const void *row, char *buf, size_t len)
{
	const struct csnap *s = row;

	if (!s->protected_ && !s->schedule)
		snprintf(buf, len, "-");
	else if (!s->schedule)
		snprintf(buf, len, "prot");
	else
		snprintf(buf, len, "%ssched %lld", s->protected_ ? "prot " : "", s->schedule);
}

const struct ctable_col csnap_cols[] = {
	{ "SNAPSHOT", 16, 40, 0, cell_name, 0 },
	{ "CREATED", 11, 11, 0, cell_created, 0 },
	{ "RAM", 3, 3, 0, cell_ram, 0 },
	{ "SIZE", 6, 7, 1, cell_size, 0 },
	{ "PAUSE", 7, 7, 1, cell_pause, 0 },
	{ "FLAGS", 8, 13, 0, cell_flags, 0 },
	{ "DESCRIPTION", 10, 60, 0, CTABLE_TEXT(struct csnap, description) },
};
const size_t csnap_ncols = sizeof(csnap_cols) / sizeof(csnap_cols[0]);

/* --- schedules ------------------------------------------------------------------------ */

const char *const csched_keep_names[CSNAP_NKEEP] = {
	"last", "hourly", "daily", "weekly", "monthly", "yearly",
};
const char *const csched_keep_keys[CSNAP_NKEEP] = {
	"keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly", "keep_yearly",
};

static const struct jfield sched_fields[] = {
	JF_INT(struct csched, id, "id", 0),
	JF_STR(struct csched, vm, "vm"),
	JF_BOOL(struct csched, all, "all", 0),
	JF_STR(struct csched, tag, "tag"),
	JF_STR(struct csched, at, "at"),
	JF_BOOL(struct csched, ram, "ram", 0),
	JF_STR(struct csched, backup_to, "backup_to"),
	JF_INT(struct csched, keep[CKEEP_LAST], "keep_last", 0),
	JF_INT(struct csched, keep[CKEEP_HOURLY], "keep_hourly", 0),
	JF_INT(struct csched, keep[CKEEP_DAILY], "keep_daily", 0),
	JF_INT(struct csched, keep[CKEEP_WEEKLY], "keep_weekly", 0),
	JF_INT(struct csched, keep[CKEEP_MONTHLY], "keep_monthly", 0),
	JF_INT(struct csched, keep[CKEEP_YEARLY], "keep_yearly", 0),
	JF_INT(struct csched, next_run, "next_run", -1),
	JF_INT(struct csched, last_run, "last_run", -1),
	JF_STR(struct csched, last_result, "last_result"),
};

struct csched *csched_parse_list(const json_t *arr, long long now, size_t *n)
{
	struct csched *a = xcalloc(json_array_size(arr) + 1, sizeof(*a));
	const json_t *o;
	size_t i;

	*n = 0;
	json_array_foreach(arr, i, o) {
		if (!json_is_integer(jget(o, "id")))
			continue;
		jfields_read(o, &a[*n], sched_fields, JF_COUNT(sched_fields));
		a[(*n)++].now = now;
	}
	return a;
}

char *csched_target(const struct csched *s, char *buf, size_t len)
{
	if (s->all)
		snprintf(buf, len, "all VMs");
	else if (s->tag[0])
		snprintf(buf, len, "tag %s", s->tag);
	else
		snprintf(buf, len, "%s", s->vm[0] ? s->vm : "-");
	return buf;
}

char *csched_keeps(const struct csched *s, char *buf, size_t len)
{
	size_t off = 0, k;

	buf[0] = '\0';
	for (k = 0; k < CSNAP_NKEEP && off < len; k++)
		if (s->keep[k] > 0)
			off += (size_t)snprintf(buf + off, len - off, "%s%s %lld", off ? ", " : "",
						csched_keep_names[k], s->keep[k]);
	if (!off)
		snprintf(buf, len, "all");
	return buf;
}

static void sched_key(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", ((const struct csched *)row)->id);
}

static int sched_match(const void *row, const char *filter)
{
	const struct csched *s = row;

	return strcasestr(s->at, filter) || strcasestr(s->last_result, filter);
}

static int sched_cmp(const void *pa, const void *pb, int sort)
{
	const struct csched *a = pa, *b = pb;

	(void)sort;
	return a->id < b->id ? -1 : a->id > b->id;
}

const struct panel_ops csched_panel_ops = {
	.size = sizeof(struct csched),
	.key = sched_key,
	.match = sched_match,
	.cmp = sched_cmp,
};

static void cell_sched_id(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", ((const struct csched *)row)->id);
}

static void cell_sched_for(const void *row, char *buf, size_t len)
{
	csched_target(row, buf, len);
}

static void cell_next(const void *row, char *buf, size_t len)
{
	const struct csched *s = row;
	char when[24], until[24];

	/* how long first: it is what the table is read for */
	snprintf(buf, len, "%s (%s)", csnap_until(s->next_run, s->now, until, sizeof(until)),
		 csnap_when(s->next_run, s->now, when, sizeof(when)));
	if (s->next_run < 0)
		snprintf(buf, len, "-");
}

static void cell_last(const void *row, char *buf, size_t len)
{
	const struct csched *s = row;
	char when[24];

	if (s->last_run < 0 && !s->last_result[0])
		snprintf(buf, len, "never ran");
	else
		snprintf(buf, len, "%s %s", csnap_when(s->last_run, s->now, when, sizeof(when)),
			 s->last_result[0] ? s->last_result : "-");
}

static void cell_keep(const void *row, char *buf, size_t len)
{
	csched_keeps(row, buf, len);
}

static void cell_sched_ram(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%s", ((const struct csched *)row)->ram ? "RAM" : "-");
}

const struct ctable_col csched_cols[] = {
	{ "ID", 3, 4, 1, cell_sched_id, 0 },
	{ "CALENDAR", 14, 24, 0, CTABLE_TEXT(struct csched, at) },
	{ "NEXT RUN", 14, 20, 0, cell_next, 0 },
	{ "LAST RESULT", 14, 40, 0, cell_last, 0 },
	{ "KEEP", 16, 40, 0, cell_keep, 0 },
	{ "RAM", 3, 3, 0, cell_sched_ram, 0 },
	{ "BACKUP TO", 9, 16, 0, CTABLE_TEXT(struct csched, backup_to) },
	{ "FOR", 6, 16, 0, cell_sched_for, 0 },
};
const size_t csched_ncols = sizeof(csched_cols) / sizeof(csched_cols[0]);

/* --- backups -------------------------------------------------------------------------- */

static const struct jfield backup_fields[] = {
	JF_INT(struct cbackup, id, "id", 0),
	JF_STR(struct cbackup, vm, "vm"),
	JF_STR(struct cbackup, pool, "pool"),
	JF_INT(struct cbackup, created, "created", -1),
	JF_INT(struct cbackup, size, "size", -1),
	JF_INT(struct cbackup, verified, "verified", -1),
	JF_STR(struct cbackup, verify_result, "verify_result"),
	JF_INT(struct cbackup, schedule, "schedule", 0),
};

struct cbackup *cbackup_parse_list(const json_t *arr, const char *vm, long long now, size_t *n)
{
	struct cbackup *a = xcalloc(json_array_size(arr) + 1, sizeof(*a));
	const json_t *o;
	size_t i;

	*n = 0;
	json_array_foreach(arr, i, o) {
		struct cbackup *b = &a[*n];

		if (!json_is_integer(jget(o, "id")) || (vm && strcmp(jget_str(o, "vm", ""), vm)))
			continue;
		jfields_read(o, b, backup_fields, JF_COUNT(backup_fields));
		b->ndisks = (long long)json_array_size(jget_arr(o, "disks"));
		b->now = now;
		(*n)++;
	}
	return a;
}

static void backup_key(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", ((const struct cbackup *)row)->id);
}

static int backup_match(const void *row, const char *filter)
{
	const struct cbackup *b = row;

	return strcasestr(b->pool, filter) || strcasestr(b->verify_result, filter);
}

/* Newest first. */
static int backup_cmp(const void *pa, const void *pb, int sort)
{
	const struct cbackup *a = pa, *b = pb;

	(void)sort;
	if (a->created != b->created)
		return a->created > b->created ? -1 : 1;
	return a->id > b->id ? -1 : a->id < b->id;
}

const struct panel_ops cbackup_panel_ops = {
	.size = sizeof(struct cbackup),
	.key = backup_key,
	.match = backup_match,
	.cmp = backup_cmp,
};

static void cell_bak_id(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", ((const struct cbackup *)row)->id);
}

static void cell_bak_created(const void *row, char *buf, size_t len)
{
	const struct cbackup *b = row;

	csnap_when(b->created, b->now, buf, len);
}

static void cell_bak_size(const void *row, char *buf, size_t len)
{
	size_or_dash(((const struct cbackup *)row)->size, buf, len);
}

static void cell_bak_disks(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", ((const struct cbackup *)row)->ndisks);
}

static void cell_verified(const void *row, char *buf, size_t len)
{
	const struct cbackup *b = row;
	char when[24];

	if (b->verified < 0)
		snprintf(buf, len, "never");
	else
		snprintf(buf, len, "%s %s", csnap_when(b->verified, b->now, when, sizeof(when)),
			 b->verify_result[0] ? b->verify_result : "-");
}

static void cell_bak_sched(const void *row, char *buf, size_t len)
{
	const struct cbackup *b = row;

	if (b->schedule)
		snprintf(buf, len, "sched %lld", b->schedule);
	else
		snprintf(buf, len, "-");
}

const struct ctable_col cbackup_cols[] = {
	{ "BACKUP", 6, 6, 1, cell_bak_id, 0 },
	{ "CREATED", 11, 11, 0, cell_bak_created, 0 },
	{ "POOL", 8, 16, 0, CTABLE_TEXT(struct cbackup, pool) },
	{ "SIZE", 6, 7, 1, cell_bak_size, 0 },
	{ "DISKS", 5, 5, 1, cell_bak_disks, 0 },
	{ "VERIFIED", 14, 40, 0, cell_verified, 0 },
	{ "FLAGS", 8, 9, 0, cell_bak_sched, 0 },
};
const size_t cbackup_ncols = sizeof(cbackup_cols) / sizeof(cbackup_cols[0]);

/* --- the layout ------------------------------------------------------------------------- */

void csnap_layout(int avail, const size_t counts[CSNAP_NSEC], int focus, int rows[CSNAP_NSEC])
{
	int order[CSNAP_NSEC], k, i, n = 0;

	order[n++] = focus;
	for (i = 0; i < CSNAP_NSEC; i++)
		if (i != focus)
			order[n++] = i;
	for (i = 0; i < CSNAP_NSEC; i++)
		rows[i] = avail > i ? 1 : 0;
	avail -= CSNAP_NSEC;
	for (k = 0; k < CSNAP_NSEC && avail > 0; k++) {
		int want = (int)counts[order[k]] - 1, more = want < avail ? want : avail;

		if (more > 0) {
			rows[order[k]] += more;
			avail -= more;
		}
	}
}

/* --- what is lost ---------------------------------------------------------------------- */

int csnap_revert_needs_force(const char *vm_state, const struct csnap *s)
{
	return vm_state && !strcmp(vm_state, "running") && !s->ram;
}

size_t csnap_revert_lines(const char *vm, const char *vm_state, const struct csnap *s,
			  char out[][CSNAP_LINE_LEN])
{
	int running = vm_state && !strcmp(vm_state, "running");
	char when[24];

	csnap_when(s->created, s->now, when, sizeof(when));
	if (running && s->ram) {
		snprintf(out[0], CSNAP_LINE_LEN, "VM %s goes back to snapshot %s (%s) and runs on "
			 "exactly where it was then: its processes and memory.", vm, s->name, when);
		snprintf(out[1], CSNAP_LINE_LEN, "What the guest did since, in memory and on its "
			 "disks, is lost unless another snapshot holds it.");
		return 2;
	}
	if (running) {
		snprintf(out[0], CSNAP_LINE_LEN, "Snapshot %s (%s) has no RAM: VM %s is stopped and "
			 "the guest restarts from the disks' state of %s, as after a power cut.",
			 s->name, when, vm, when);
		snprintf(out[1], CSNAP_LINE_LEN, "Its unsaved work (everything in its memory now) is "
			 "lost, and so is what it wrote to its disks since.");
		snprintf(out[2], CSNAP_LINE_LEN, "Take a snapshot first (n) to keep the present.");
		return 3;
	}
	snprintf(out[0], CSNAP_LINE_LEN, "VM %s's disks%s go back to snapshot %s (%s).", vm,
		 s->ram ? " and saved memory" : "", s->name, when);
	snprintf(out[1], CSNAP_LINE_LEN, "What was written to them since is lost unless another "
		 "snapshot holds it.");
	return 2;
}

size_t csnap_delete_lines(const char *vm, const struct csnap *s, char out[][CSNAP_LINE_LEN])
{
	char when[24], size[24];
	size_t n = 0;

	snprintf(out[n++], CSNAP_LINE_LEN, "Snapshot %.100s of VM %.100s (%s, %s on disk%s) is deleted; "
		 "this cannot be undone.", s->name, vm, csnap_when(s->created, s->now, when, sizeof(when)),
		 size_or_dash(s->size, size, sizeof(size)), s->ram ? ", with RAM" : "");
	if (s->nchildren)
		snprintf(out[n++], CSNAP_LINE_LEN, "Its %s %.160s stay%s, with their contents, under %.100s.",
			 s->nchildren == 1 ? "child" : "children", s->children,
			 s->nchildren == 1 ? "s" : "", s->parent[0] ? s->parent : "the top of the tree");
	else
		snprintf(out[n++], CSNAP_LINE_LEN, "It has no children; the other snapshots stay.");
	snprintf(out[n++], CSNAP_LINE_LEN, "%s", s->current
		 ? "It is the current position: the VM's disks as they are now stay."
		 : "The VM's disks as they are now are not touched.");
	return n;
}

size_t csched_delete_lines(const struct csched *s, char out[][CSNAP_LINE_LEN])
{
	char target[96];

	snprintf(out[0], CSNAP_LINE_LEN, "Schedule %lld (%s, for %s) stops: no more snapshots%s "
		 "and no more pruning by it.", s->id, s->at, csched_target(s, target, sizeof(target)),
		 s->backup_to[0] ? " or backups" : "");
	snprintf(out[1], CSNAP_LINE_LEN, "The snapshots it made stay (delete them with x in the "
		 "tree if you like).");
	return 2;
}

size_t cbackup_delete_lines(const struct cbackup *b, char out[][CSNAP_LINE_LEN])
{
	char when[24], size[24];

	snprintf(out[0], CSNAP_LINE_LEN, "Backup %lld of VM %s (%s, %s in pool %s) is deleted; "
		 "this cannot be undone.", b->id, b->vm, csnap_when(b->created, b->now, when, sizeof(when)),
		 size_or_dash(b->size, size, sizeof(size)), b->pool);
	snprintf(out[1], CSNAP_LINE_LEN, "The VM, its disks and its snapshots are not touched.");
	return 2;
}

/* --- the estimate ------------------------------------------------------------------------ */

void csnap_estimate_parse(struct csnap_estimate *e, const json_t *res)
{
	memset(e, 0, sizeof(*e));
	if (!json_is_number(jget(res, "pause_ms"))) {
		snprintf(e->error, sizeof(e->error), "croftd gave no estimate");
		return;
	}
	e->known = 1;
	snprintf(e->method, sizeof(e->method), "%s", jget_str(res, "method", ""));
	e->pause_ms = json_number_value(jget(res, "pause_ms"));
	e->ram_bytes = jget_int(res, "ram_bytes", -1);
}

char *csnap_estimate_words(const struct csnap_estimate *e, int ram, char *buf, size_t len)
{
	char ms[24], size[24];

	if (!e || !e->known) {
		snprintf(buf, len, "%s, pause unknown", ram ? "with RAM" : "disks only");
		return buf;
	}
	csnap_ms(e->pause_ms, ms, sizeof(ms));
	if (!ram)
		snprintf(buf, len, "disks only, pause ~%s", ms);
	else if (!strcmp(e->method, "stopped"))
		snprintf(buf, len, "with %s of RAM, the guest stops ~%s",
			 size_or_dash(e->ram_bytes, size, sizeof(size)), ms);
	else
		snprintf(buf, len, "with %s of RAM, pause ~%s",
			 size_or_dash(e->ram_bytes, size, sizeof(size)), ms);
	return buf;
}

char *csnap_estimate_note(const struct csnap_estimate *disk, const struct csnap_estimate *ram,
			  char *buf, size_t len)
{
	char a[40], b[24];

	if (!disk->known && !ram->known) {
		snprintf(buf, len, "No pause estimate: %s", disk->error[0] ? disk->error
			 : "croftd gave none");
		return buf;
	}
	if (disk->known)
		snprintf(a, sizeof(a), "~%s", csnap_ms(disk->pause_ms, b, sizeof(b)));
	else
		snprintf(a, sizeof(a), "unknown");
	if (!ram->known)
		snprintf(buf, len, "Guest pause %s without RAM; with RAM unknown", a);
	else if (!strcmp(ram->method, "stopped"))
		snprintf(buf, len, "Guest pause %s without RAM; with RAM it stops ~%s (whole "
			 "write)", a, csnap_ms(ram->pause_ms, b, sizeof(b)));
	else
		snprintf(buf, len, "Guest pause %s without RAM; ~%s with RAM (saved as it runs)", a,
			 csnap_ms(ram->pause_ms, b, sizeof(b)));
	return buf;
}
