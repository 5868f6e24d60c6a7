/*
 * The Storage screen's pool and volume models (console_storage.h): pool
 * objects parsed by tables, the pool's meters and its lines (forecast,
 * warnings with what to do), the two tables' columns.
 */
#include "tui/console_storage.h"
#include "tui/jfields.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct jfield pool_fields[] = {
	JF_STR(struct cpool, name, "name"),
	JF_STR(struct cpool, dir, "dir"),
	JF_STR(struct cpool, content, "content"),
	JF_BOOL(struct cpool, builtin, "builtin", 0),
	JF_BOOL(struct cpool, available, "available", 1),
	JF_STR(struct cpool, error, "error"),
	JF_INT(struct cpool, capacity, "capacity_bytes", -1),
	JF_INT(struct cpool, free, "free_bytes", -1),
	JF_INT(struct cpool, allocated, "allocated_bytes", -1),
	JF_INT(struct cpool, promised, "promised_bytes", -1),
	JF_NUM(struct cpool, overcommit, "overcommit", 0),
	JF_NUM(struct cpool, used_pct, "used_pct", -1),
	JF_INT(struct cpool, volumes, "volumes", 0),
	JF_STR(struct cpool, level, "level"),
	JF_BOOL(struct cpool, fc_day_known, "forecast.day.known", 0),
	JF_BOOL(struct cpool, fc_week_known, "forecast.week.known", 0),
	JF_NUM(struct cpool, fc_day_days, "forecast.day.days_to_full", -1),
	JF_NUM(struct cpool, fc_week_days, "forecast.week.days_to_full", -1),
	JF_STR(struct cpool, fc_day, "forecast.day.text"),
	JF_STR(struct cpool, fc_week, "forecast.week.text"),
};

static const struct jfield vol_fields[] = {
	JF_STR(struct cvol, name, "name"),
	JF_STR(struct cvol, format, "format"),
	JF_INT(struct cvol, virtual_bytes, "virtual_bytes", -1),
	JF_INT(struct cvol, allocated_bytes, "allocated_bytes", -1),
	JF_STR(struct cvol, backing, "backing"),
	JF_STR(struct cvol, used_by, "used_by"),
};

static void add_paused(struct cpool *p, const char *vm)
{
	size_t i;

	if (!vm || !*vm)
		return;
	for (i = 0; i < p->npaused; i++)
		if (!strcmp(p->paused[i], vm))
			return;
	if (p->npaused < CPOOL_MAX_PAUSED)
		snprintf(p->paused[p->npaused++], CVM_NAME_LEN, "%s", vm);
}

int cpool_parse(struct cpool *p, const json_t *o)
{
	const json_t *v;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!*jget_str(o, "name", ""))
		return -EINVAL;
	jfields_read(o, p, pool_fields, JF_COUNT(pool_fields));
	if (json_is_array(jget(o, "volume_list"))) {
		p->vols = jfields_rows(jget_arr(o, "volume_list"), sizeof(*p->vols), vol_fields,
				       JF_COUNT(vol_fields), &p->nvols);
		p->has_vols = 1;
	}
	/* the guests the pool paused: names, or objects with a name */
	json_array_foreach(jget_arr(o, "paused_vms"), i, v)
		add_paused(p, json_is_string(v) ? json_string_value(v) : jget_str(v, "name", NULL));
	return 0;
}

void cpool_free(struct cpool *p)
{
	free(p->vols);
	p->vols = NULL;
	p->nvols = 0;
}

struct cpool *cpool_parse_list(const json_t *pools, size_t *n)
{
	struct cpool *a = xcalloc(json_array_size(pools) + 1, sizeof(*a));
	const json_t *o;
	size_t i;

	*n = 0;
	json_array_foreach(pools, i, o)
		if (cpool_parse(&a[*n], o) == 0)
			(*n)++;
	return a;
}

void cpool_paused_from_vms(struct cpool *p, const struct cvm_model *vms)
{
	size_t i;

	for (i = 0; vms && i < vms->n; i++)
		if (!strcmp(vms->vms[i].vm.pause_reason, "pool-full") &&
		    !strcmp(vms->vms[i].vm.pause_pool, p->name))
			add_paused(p, vms->vms[i].vm.name);
}

struct cvol *cpool_vol_rows(const struct cpool *p)
{
	struct cvol *rows;

	if (!p->nvols)
		return NULL;
	rows = xcalloc(p->nvols, sizeof(*rows));
	memcpy(rows, p->vols, p->nvols * sizeof(*rows));
	return rows;
}

char *cpool_size(long long bytes, char *buf, size_t len)
{
	if (bytes < 0)
		snprintf(buf, len, "-");
	else
		size_format((uint64_t)bytes, buf, len);
	return buf;
}

/* "full in ..." of the window that says the pool fills soonest; else what
 * croftd said of the day (or the week). */
const char *cpool_forecast(const struct cpool *p)
{
	int day = p->fc_day_known && p->fc_day_days >= 0;
	int week = p->fc_week_known && p->fc_week_days >= 0;

	if (day && (!week || p->fc_day_days <= p->fc_week_days))
		return p->fc_day;
	if (week)
		return p->fc_week;
	if (p->fc_day_known && p->fc_day[0])
		return p->fc_day;
	if (p->fc_week_known && p->fc_week[0])
		return p->fc_week;
	return p->fc_day[0] ? p->fc_day : "-";
}

/* frac of capacity with a text of its own. */
static void meter_of(struct meter *m, const char *label, long long part, long long capacity,
		     const char *what)
{
	char a[24], b[24], text[96];
	double frac;

	memset(m, 0, sizeof(*m));
	m->label = label;
	m->fill = '|';
	if (part < 0 || capacity <= 0) {
		snprintf(m->text, sizeof(m->text), "-");
		return;
	}
	m->known = 1;
	frac = (double)part / (double)capacity;
	m->frac = frac > 1 ? 1 : frac;
	snprintf(text, sizeof(text), "%s %s of %s (%.0f%%)", cpool_size(part, a, sizeof(a)), what,
		 cpool_size(capacity, b, sizeof(b)), frac * 100.0);
	snprintf(m->text, sizeof(m->text), "%.*s", (int)sizeof(m->text) - 1, text);
}

void cpool_meters(const struct cpool *p, struct meter m[CPOOL_NMETERS])
{
	long long used = p->capacity >= 0 && p->free >= 0 ? p->capacity - p->free : -1;

	meter_of(&m[CPOOL_M_USED], "Used", used, p->capacity, "used");
	meter_of(&m[CPOOL_M_ALLOC], "Allocated", p->allocated, p->capacity, "held");
	meter_of(&m[CPOOL_M_PROMISED], "Promised", p->promised, p->capacity, "promised");
	if (p->promised > p->capacity && p->capacity > 0)
		m[CPOOL_M_PROMISED].fill = '!';
}

static int overcommitted(const struct cpool *p)
{
	return p->capacity > 0 && p->promised > p->capacity;
}

static void line(struct cpool_line *out, size_t *n, enum cpool_sev sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void line(struct cpool_line *out, size_t *n, enum cpool_sev sev, const char *fmt, ...)
{
	va_list ap;

	if (*n >= CPOOL_MAX_LINES)
		return;
	out[*n].sev = sev;
	va_start(ap, fmt);
	vsnprintf(out[*n].text, sizeof(out[*n].text), fmt, ap);
	va_end(ap);
	(*n)++;
}

/* "web, db" of the paused guests. */
static void paused_names(const struct cpool *p, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < p->npaused && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", p->paused[i]);
}

size_t cpool_lines(const struct cpool *p, struct cpool_line *out)
{
	char a[24], b[24], names[CPOOL_LINE_LEN / 2];
	size_t n = 0;

	if (!p->available) {
		line(out, &n, CPOOL_CRIT, "Cannot read the pool: %s", p->error[0] ? p->error : "?");
		return n;
	}
	if (p->npaused) {
		paused_names(p, names, sizeof(names));
		line(out, &n, CPOOL_CRIT, "FULL: %s paused (pool-full). Free space in %s (delete "
		     "volumes or other files), then croft vm resume %s.", names, p->dir,
		     p->npaused == 1 ? p->paused[0] : "each");
	}
	if (!strcmp(p->level, "critical"))
		line(out, &n, CPOOL_CRIT, "%.0f%% used: guests pause when it fills. Free space or "
		     "move volumes to another pool now.", p->used_pct);
	else if (!strcmp(p->level, "warning"))
		line(out, &n, CPOOL_WARN, "%.0f%% used (warning at 80%%): free space or plan a "
		     "bigger pool.", p->used_pct);
	if (overcommitted(p))
		line(out, &n, CPOOL_WARN, "Overcommitted %.2fx: volumes promise %s on %s; if the "
		     "guests fill them the pool fills.", p->overcommit,
		     cpool_size(p->promised, a, sizeof(a)), cpool_size(p->capacity, b, sizeof(b)));
	line(out, &n, CPOOL_INFO, "Forecast: %s (24 h), %s (7 days)",
	     p->fc_day[0] ? p->fc_day : "-", p->fc_week[0] ? p->fc_week : "-");
	return n;
}

enum cpool_sev cpool_severity(const struct cpool *p)
{
	if (!p->available || p->npaused || !strcmp(p->level, "critical"))
		return CPOOL_CRIT;
	if (!strcmp(p->level, "warning") || overcommitted(p))
		return CPOOL_WARN;
	return CPOOL_INFO;
}

size_t cvol_delete_lines(const char *pool, const struct cvol *v, char out[][CPOOL_LINE_LEN])
{
	char a[24], b[24];

	snprintf(out[0], CPOOL_LINE_LEN, "Volume %s/%s (%s, %s virtual, %s on disk) is removed.",
		 pool, v->name, v->format[0] ? v->format : "unknown format",
		 cpool_size(v->virtual_bytes, a, sizeof(a)), cpool_size(v->allocated_bytes, b, sizeof(b)));
	snprintf(out[1], CPOOL_LINE_LEN, "Everything written to it is lost; this cannot be undone.");
	if (v->used_by[0]) {
		snprintf(out[2], CPOOL_LINE_LEN, "VM %s uses it: croftd refuses until it is detached.",
			 v->used_by);
		return 3;
	}
	return 2;
}

/* --- the tables ------------------------------------------------------------ */

static int pool_match(const void *row, const char *filter)
{
	const struct cpool *p = row;

	return strcasestr(p->name, filter) || strcasestr(p->content, filter) ||
	       strcasestr(p->dir, filter);
}

/* The built-in pools first, then by name. */
static int pool_cmp(const void *pa, const void *pb, int sort)
{
	const struct cpool *a = pa, *b = pb;

	(void)sort;
	if (a->builtin != b->builtin)
		return b->builtin - a->builtin;
	return strcmp(a->name, b->name);
}

static void pool_free_row(void *row)
{
	cpool_free(row);
}

const struct panel_ops cpool_panel_ops = {
	.size = sizeof(struct cpool),
	PANEL_KEY_TEXT(struct cpool, name),
	.match = pool_match,
	.cmp = pool_cmp,
	.free_row = pool_free_row,
};

static void cell_used(const void *row, char *buf, size_t len)
{
	const struct cpool *p = row;

	if (!p->available || p->used_pct < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0f%%", p->used_pct);
}

static void cell_alloc(const void *row, char *buf, size_t len)
{
	cpool_size(((const struct cpool *)row)->allocated, buf, len);
}

static void cell_promised(const void *row, char *buf, size_t len)
{
	const struct cpool *p = row;
	char a[24];

	if (overcommitted(p))
		snprintf(buf, len, "%s!", cpool_size(p->promised, a, sizeof(a)));
	else
		cpool_size(p->promised, buf, len);
}

static void cell_capacity(const void *row, char *buf, size_t len)
{
	cpool_size(((const struct cpool *)row)->capacity, buf, len);
}

static void cell_forecast(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%s", cpool_forecast(row));
}

const struct ctable_col cpool_cols[] = {
	{ "POOL", 8, 16, 0, CTABLE_TEXT(struct cpool, name) },
	{ "CONTENT", 7, 7, 0, CTABLE_TEXT(struct cpool, content) },
	{ "USED", 4, 4, 1, cell_used, 0 },
	{ "ALLOC", 6, 7, 1, cell_alloc, 0 },
	{ "PROMISED", 8, 8, 1, cell_promised, 0 },
	{ "SIZE", 6, 7, 1, cell_capacity, 0 },
	{ "FORECAST", 12, 24, 0, cell_forecast, 0 },
};
const size_t cpool_ncols = sizeof(cpool_cols) / sizeof(cpool_cols[0]);

static int vol_match(const void *row, const char *filter)
{
	const struct cvol *v = row;

	return strcasestr(v->name, filter) || strcasestr(v->used_by, filter) ||
	       strcasestr(v->format, filter);
}

static int vol_cmp(const void *pa, const void *pb, int sort)
{
	(void)sort;
	return strcmp(((const struct cvol *)pa)->name, ((const struct cvol *)pb)->name);
}

const struct panel_ops cvol_panel_ops = {
	.size = sizeof(struct cvol),
	PANEL_KEY_TEXT(struct cvol, name),
	.match = vol_match,
	.cmp = vol_cmp,
};

static void cell_vsize(const void *row, char *buf, size_t len)
{
	cpool_size(((const struct cvol *)row)->virtual_bytes, buf, len);
}

static void cell_valloc(const void *row, char *buf, size_t len)
{
	cpool_size(((const struct cvol *)row)->allocated_bytes, buf, len);
}

/* The backing file's name: its directory is the pool's. */
static void cell_backing(const void *row, char *buf, size_t len)
{
	const char *b = ((const struct cvol *)row)->backing, *slash = strrchr(b, '/');

	snprintf(buf, len, "%s", !*b ? "-" : slash ? slash + 1 : b);
}

const struct ctable_col cvol_cols[] = {
	{ "VOLUME", 12, 28, 0, CTABLE_TEXT(struct cvol, name) },
	{ "SIZE", 6, 7, 1, cell_vsize, 0 },
	{ "ALLOC", 6, 7, 1, cell_valloc, 0 },
	{ "FORMAT", 6, 6, 0, CTABLE_TEXT(struct cvol, format) },
	{ "USED BY", 10, 24, 0, CTABLE_TEXT(struct cvol, used_by) },
	{ "BACKING", 8, 30, 0, cell_backing, 0 },
};
const size_t cvol_ncols = sizeof(cvol_cols) / sizeof(cvol_cols[0]);
