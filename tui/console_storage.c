/*
 * The Storage screen: croftd's pools (POOL CONTENT USED ALLOC PROMISED
 * SIZE FORECAST), and under them the selected pool's meters (used,
 * allocated and promised against its capacity), its forecast and
 * warnings (80 % / 95 % used, overcommitted, full with paused guests and
 * what to do, in the warning and error colours), the jobs this screen
 * started (creating, importing, resizing a volume) with a live progress
 * bar, and the pool's volumes (VOLUME SIZE ALLOC FORMAT USED BY BACKING).
 *
 * The cursor is in the pools, or (Enter) in the volumes, Esc goes back.
 * n/F2 creates a volume in the selected pool, p a pool, i/F5 imports an
 * image into it, r/F6 resizes the selected volume, a/F4 attaches it to a
 * running VM, x/Delete/F8 deletes the selected volume (or, in the pools,
 * the pool), after saying what will be lost.
 *
 * The models are console_storage.h's.  pool.list and the selected pool's
 * pool.info are re-read every refresh while the screen shows, and after
 * every pool.*, vol.* and vm.changed event; a job's progress comes with
 * job.progress and job.state events, as on the Jobs screen.  Every change
 * is an action (console_action.c); what croftd refuses (root only, a
 * volume in use) shows in its own words.
 */
#include "tui/console_screen.h"
#include "tui/console_jobmodel.h"
#include "tui/console_storage.h"
#include "common/json_get.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHANGE_TIMEOUT_MS 60000
#define ATTACH_TIMEOUT_MS 60000
#define SHOWN_JOBS 2
#define METER_LABEL_W 10
#define MAX_VMS 64

struct store_screen {
	struct console_list list;      /* struct cpool, from pool.list */
	struct panel vols;             /* struct cvol, from pool.info */
	struct cpool info;             /* the selected pool's pool.info */
	int have_info;
	int on_vols;                   /* the cursor is in the volumes */
	int stale;
	char error[600];               /* why pool.list failed, or "" */
	struct cjob_follow jobs;       /* the jobs this screen started */
	int height, width;
	int vol_head, vol_rows;        /* where the volume table went (body rows) */
};

static struct store_screen *S(void *st)
{
	return st;
}

static struct console_list *store_list(void *st)
{
	return &S(st)->list;
}

static int is_current(const struct console *c)
{
	return console_screens[c->cur] == &console_screen_storage;
}

static const struct cpool *selected_pool(const struct store_screen *s)
{
	return panel_selected(&s->list.panel);
}

/* --- the model ---------------------------------------------------------- */

static void read_info(struct console *c, struct store_screen *s)
{
	const struct cpool *p = selected_pool(s);
	struct api_error e = { "", "" };
	json_t *res = NULL;

	if (!p) {
		if (s->have_info)
			cpool_free(&s->info);
		s->have_info = 0;
		panel_clear(&s->vols);
		return;
	}
	if (console_call(c, "pool.info", json_pack("{s:s}", "name", p->name), &res, NULL, &e) < 0)
		return;
	if (s->have_info)
		cpool_free(&s->info);
	s->have_info = cpool_parse(&s->info, res) == 0;
	json_decref(res);
	if (!s->have_info)
		return;
	cpool_paused_from_vms(&s->info, &c->vms);
	panel_set_rows(&s->vols, cpool_vol_rows(&s->info), s->info.nvols);
	if (!panel_count(&s->vols))
		s->on_vols = 0;
}

static void reread(struct console *c, struct store_screen *s)
{
	struct api_error e = { "", "" };
	json_t *res = NULL;
	struct cpool *pools;
	size_t n, i;

	if (console_call(c, "pool.list", NULL, &res, NULL, &e) < 0) {
		if (c->api)
			snprintf(s->error, sizeof(s->error), "pool.list: %s", e.message);
		return;
	}
	s->error[0] = '\0';
	s->stale = 0;
	pools = cpool_parse_list(jget_arr(res, "pools"), &n);
	for (i = 0; i < n; i++)
		cpool_paused_from_vms(&pools[i], &c->vms);
	panel_set_rows(&s->list.panel, pools, n);
	json_decref(res);
	read_info(c, s);
	c->dirty = 1;
}

static void store_tick(struct console *c, void *st)
{
	struct store_screen *s = st;

	if (!c->api) {
		panel_clear(&s->list.panel);
		panel_clear(&s->vols);
		s->stale = 1;
		return;
	}
	if (is_current(c))
		reread(c, s);
}

static void store_event(struct console *c, void *st, const json_t *ev)
{
	struct store_screen *s = st;
	const char *name = jget_str(ev, "event", "");
	const struct cjob *j;

	if (!strncmp(name, "pool.", 5) || !strncmp(name, "vol.", 4) || !strcmp(name, "vm.changed") ||
	    !strcmp(name, "vm.state"))
		s->stale = 1;
	if (!(j = cjob_follow_event(&s->jobs, name, jget_obj(ev, "data"))))
		return;
	if (!cjob_active(j))
		s->stale = 1;
	c->dirty = 1;
}

/* An op answered with a job: follow it. */
static void follow_job(struct store_screen *s, const struct console_done *d)
{
	const char *op = d->op;
	char what[160];

	snprintf(what, sizeof(what), "%s %s/%s",
		 !strcmp(op, "vol.import") ? "Importing" : !strcmp(op, "vol.resize") ? "Resizing"
		 : "Creating", jget_str(d->args, "pool", "?"), jget_str(d->args, "name", "?"));
	cjob_follow_add(&s->jobs, d->result, what);
}

static void store_done(struct console *c, void *st, const struct console_done *d)
{
	struct store_screen *s = st;
	const char *name = jget_str(d->args, "name", NULL);

	(void)c;
	if (!strncmp(d->op, "pool.", 5) || !strncmp(d->op, "vol.", 4) ||
	    !strncmp(d->op, "vm.disk.", 8))
		s->stale = 1;
	if (d->rc == 0 && !strncmp(d->op, "vol.", 4))
		follow_job(s, d);
	if (d->rc == 0 && !strcmp(d->op, "pool.create") && name)
		panel_select(&s->list.panel, name);
	if (d->rc == 0 && (!strcmp(d->op, "vol.create") || !strcmp(d->op, "vol.import")) && name) {
		panel_select(&s->vols, name);
		s->on_vols = 1;
	}
}

/* --- keys --------------------------------------------------------------- */

static int store_nav(struct console *c, void *st, enum console_nav how)
{
	struct store_screen *s = st;
	struct panel *p = s->on_vols ? &s->vols : &s->list.panel;
	const struct cpool *was = selected_pool(s);
	char before[CPOOL_NAME_LEN];

	snprintf(before, sizeof(before), "%s", was ? was->name : "");
	switch (how) {
	case CNAV_UP: panel_move(p, -1); break;
	case CNAV_DOWN: panel_move(p, 1); break;
	case CNAV_PGUP: panel_page(p, -1); break;
	case CNAV_PGDN: panel_page(p, 1); break;
	case CNAV_HOME: panel_home(p); break;
	case CNAV_END: panel_end(p); break;
	}
	/* another pool: its volumes now, not at the next refresh */
	if (!s->on_vols && selected_pool(s) && strcmp(before, selected_pool(s)->name) && c->api) {
		panel_clear(&s->vols);
		read_info(c, s);
	}
	return 1;
}

static const struct cpool *pool_or_say(struct console *c, struct store_screen *s)
{
	const struct cpool *p = selected_pool(s);

	if (!p)
		console_status(c, CSTATUS_ERROR, "No pool selected%s",
			       c->api ? "" : ": not connected to croftd");
	return p;
}

static const struct cvol *vol_or_say(struct console *c, struct store_screen *s)
{
	const struct cvol *v = s->on_vols ? panel_selected(&s->vols) : NULL;
	const struct cpool *p = selected_pool(s);

	if (!v && p)
		console_status(c, CSTATUS_ERROR, "%s", panel_count(&s->vols)
			       ? "Select a volume first: Enter moves into the volumes"
			       : "This pool has no volumes; press n (or F2) to create one");
	return v;
}

static void k_vols(struct console *c, void *st)
{
	struct store_screen *s = st;

	if (!pool_or_say(c, s))
		return;
	if (!panel_count(&s->vols)) {
		console_status(c, CSTATUS_INFO, "Pool %s has no volumes; press n (or F2) to create one",
			       selected_pool(s)->name);
		return;
	}
	s->on_vols = 1;
}

static void k_back(struct console *c, void *st)
{
	(void)c;
	S(st)->on_vols = 0;
}

static void k_new_volume(struct console *c, void *st)
{
	const struct cpool *p = pool_or_say(c, st);

	if (!p)
		return;
	if (!strcmp(p->content, "iso")) {
		console_status(c, CSTATUS_ERROR, "Pool %s holds ISOs, not volumes: import an ISO (i) "
			       "or pick an images pool", p->name);
		return;
	}
	console_form_open(c, storeform_new_volume(p->name), CHANGE_TIMEOUT_MS, storeform_describe);
}

static void k_new_pool(struct console *c, void *st)
{
	(void)st;
	console_form_open(c, storeform_new_pool(), CHANGE_TIMEOUT_MS, storeform_describe);
}

static void k_import(struct console *c, void *st)
{
	const struct cpool *p = pool_or_say(c, st);

	/* the source is a host file the user may read, not a volume */
	picker_pools_clear();
	if (p)
		console_form_open(c, storeform_import(p->name), CHANGE_TIMEOUT_MS, storeform_describe);
}

static void k_resize(struct console *c, void *st)
{
	struct store_screen *s = st;
	const struct cvol *v = vol_or_say(c, s);

	if (v)
		console_form_open(c, storeform_resize(selected_pool(s)->name, v->name, v->virtual_bytes),
				  CHANGE_TIMEOUT_MS, storeform_describe);
}

static void k_attach(struct console *c, void *st)
{
	struct store_screen *s = st;
	const struct cvol *v = vol_or_say(c, s);
	const char *vms[MAX_VMS];
	size_t n = 0, i;

	if (!v)
		return;
	if (v->used_by[0]) {
		console_status(c, CSTATUS_ERROR, "Volume %s/%s is attached to VM %s already",
			       selected_pool(s)->name, v->name, v->used_by);
		return;
	}
	for (i = 0; i < c->vms.n && n < MAX_VMS; i++)
		if (!strcmp(c->vms.vms[i].vm.state, "running"))
			vms[n++] = c->vms.vms[i].vm.name;
	if (!n) {
		console_status(c, CSTATUS_ERROR, "No VM is running: a volume is hot-plugged into a "
			       "running guest (a stopped VM takes it in its form: e on the VMs screen)");
		return;
	}
	console_form_open(c, storeform_attach(selected_pool(s)->name, v->name, vms, n),
			  ATTACH_TIMEOUT_MS, storeform_describe);
}

static void confirm_delete_pool(struct console *c, const struct cpool *p)
{
	char title[128], l0[CPOOL_LINE_LEN + 600], progress[128], done[128];
	const char *lines[2] = { l0, "Its directory stays; croftd forgets the pool. Root only." };
	struct console_choice ch = { 'y', "delete the pool", "pool.delete",
				     json_pack("{s:s}", "name", p->name), CHANGE_TIMEOUT_MS,
				     progress, done };

	snprintf(title, sizeof(title), "Delete pool %s?", p->name);
	snprintf(l0, sizeof(l0), "Pool %s (%s) holds %lld volume%s; croftd refuses while it holds any.",
		 p->name, p->dir, p->volumes, p->volumes == 1 ? "" : "s");
	snprintf(progress, sizeof(progress), "Deleting pool %s", p->name);
	snprintf(done, sizeof(done), "Deleted pool %s", p->name);
	console_confirm(c, title, lines, 2, &ch, 1);
}

static void k_delete(struct console *c, void *st)
{
	struct store_screen *s = st;
	const struct cpool *p = pool_or_say(c, s);
	char title[400], text[3][CPOOL_LINE_LEN], progress[400], done[400];
	const char *lines[3] = { text[0], text[1], text[2] };
	const struct cvol *v;
	struct console_choice ch;
	size_t n;

	if (!p)
		return;
	if (!s->on_vols) {
		confirm_delete_pool(c, p);
		return;
	}
	if (!(v = vol_or_say(c, s)))
		return;
	n = cvol_delete_lines(p->name, v, text);
	snprintf(title, sizeof(title), "Delete volume %s/%s?", p->name, v->name);
	snprintf(progress, sizeof(progress), "Deleting volume %s/%s", p->name, v->name);
	snprintf(done, sizeof(done), "Deleted volume %s/%s", p->name, v->name);
	ch = (struct console_choice){ 'y', "delete the volume", "vol.delete",
				      json_pack("{s:s,s:s}", "pool", p->name, "name", v->name),
				      CHANGE_TIMEOUT_MS, progress, done };
	console_confirm(c, title, lines, n, &ch, 1);
}

static const struct console_key store_keys[] = {
	CONSOLE_NAV_KEYS("select the previous pool or volume", "select the next pool or volume",
			 "first row", "last row"),
	{ { '\n', '\r', KEY_ENTER, KEY_RIGHT }, "Volumes", "move the cursor into the pool's volumes",
	  k_vols },
	{ { 27, KEY_LEFT, KEY_BACKSPACE, 127 }, "Pools", "from the volumes back to the pools",
	  k_back },
	{ { 'n', KEY_F(2) }, "New", "new volume in the selected pool (a form)", k_new_volume },
	{ { 'p' }, NULL, "new pool (a form; root only)", k_new_pool },
	{ { 'i', KEY_F(5) }, "Import", "import an image file into the pool, with a progress bar",
	  k_import },
	{ { 'r', KEY_F(6) }, "Resize", "grow the selected volume (a form)", k_resize },
	{ { 'a', KEY_F(4) }, "Attach", "attach the selected volume to a running VM", k_attach },
	{ { 'x', KEY_DC, KEY_F(8) }, "Delete",
	  "delete the selected volume, or in the pools the pool (asks first)", k_delete },
	{ { 0 }, NULL, NULL, NULL },
};

/* --- drawing ------------------------------------------------------------- */

static attr_t sev_attr(const struct console *c, enum cpool_sev sev)
{
	return sev == CPOOL_CRIT ? c->th.error : sev == CPOOL_WARN ? c->th.warn : c->th.normal;
}

static attr_t pool_cell_attr(const struct console *c, const struct ctable_col *col,
			     const void *row)
{
	const struct cpool *p = row;

	if (!strcmp(col->title, "POOL") || !strcmp(col->title, "USED") ||
	    !strcmp(col->title, "PROMISED"))
		return sev_attr(c, cpool_severity(p));
	return c->th.normal;
}

static attr_t vol_cell_attr(const struct console *c, const struct ctable_col *col,
			    const void *row)
{
	(void)row;
	return !strcmp(col->title, "USED BY") ? c->th.dim : c->th.normal;
}

/* The selected pool's meters, lines and jobs from row y; the row after. */
static int draw_summary(struct console *c, struct store_screen *s, WINDOW *w, int y, int bottom,
			int width)
{
	const struct cpool *p = s->have_info ? &s->info : selected_pool(s);
	struct meter m[CPOOL_NMETERS];
	struct cpool_line lines[CPOOL_MAX_LINES];
	size_t n, i;
	int mw = width - 2 > 60 ? 60 : width - 2;

	if (!p)
		return y;
	if (p->available) {
		cpool_meters(p, m);
		for (i = 0; i < CPOOL_NMETERS && y < bottom; i++, y++) {
			char label[METER_LABEL_W + 1];

			snprintf(label, sizeof(label), "%-*s", METER_LABEL_W - 1, m[i].label);
			m[i].label = label;
			console_meter_draw(c, w, y, 1, mw, &m[i]);
		}
	}
	n = cpool_lines(p, lines);
	for (i = 0; i < n && y < bottom; i++, y++)
		console_put(w, y, 1, width - 2, sev_attr(c, lines[i].sev), lines[i].text);
	return console_follow_draw(c, w, y, bottom, width, &s->jobs, SHOWN_JOBS);
}

static void store_draw(struct console *c, void *st, WINDOW *w, int top, int height, int width)
{
	struct store_screen *s = st;
	const struct cpool *p = selected_pool(s);
	size_t np = panel_count(&s->list.panel), rows;
	int y, bottom = top + height;
	char title[160];

	if (s->error[0]) {
		console_put(w, top + 1, 2, width - 2, c->th.error, s->error);
		return;
	}
	if (!s->list.panel.loaded) {
		console_put(w, top + 1, 2, width - 2, c->th.dim, "Reading the pools...");
		return;
	}
	/* the pools: all of them up to a quarter of the body */
	rows = np ? np : 1;
	if (rows > (size_t)(height / 4 > 1 ? height / 4 : 1))
		rows = (size_t)(height / 4 > 1 ? height / 4 : 1);
	panel_set_height(&s->list.panel, rows);
	console_panel_draw(c, w, top, width, &s->list.panel, cpool_cols, cpool_ncols, pool_cell_attr,
			   !s->on_vols);
	y = top + 1 + (int)rows + 1;
	y = draw_summary(c, s, w, y, bottom, width);
	if (!p || y + 2 >= bottom)
		return;
	snprintf(title, sizeof(title), "VOLUMES IN %s (%zu)%s", p->name, panel_count(&s->vols),
		 s->on_vols ? "" : "  Enter: select one");
	console_put(w, y, 0, width, c->th.title, title);
	s->vol_head = y + 1 - top;
	s->vol_rows = bottom - y - 2;
	panel_set_height(&s->vols, (size_t)(s->vol_rows > 0 ? s->vol_rows : 1));
	if (panel_count(&s->vols))
		console_panel_draw(c, w, y + 1, width, &s->vols, cvol_cols, cvol_ncols, vol_cell_attr,
				   s->on_vols);
	else
		console_put(w, y + 1, 2, width - 2, c->th.dim, !strcmp(p->content, "iso")
			    ? "No ISOs. Press i (F5) to import one."
			    : "No volumes. Press n (F2) to create one, i (F5) to import an image.");
}

/* A click in the volume table selects the volume under it. */
static int store_key(struct console *c, void *st, int ch)
{
	struct store_screen *s = st;
	int y = c->mev.y - CONSOLE_HEADER_ROWS;

	if (ch != KEY_MOUSE || y <= s->vol_head || y > s->vol_head + s->vol_rows)
		return 0;
	if (panel_click(&s->vols, y - s->vol_head - 1) == 0)
		s->on_vols = 1;
	return 1;
}

/* --- the screen ---------------------------------------------------------- */

static void *store_init(struct console *c)
{
	struct store_screen *s = xcalloc(1, sizeof(*s));

	s->height = console_body_rows(c);
	s->width = c->cols;
	console_list_init(&s->list, &cpool_panel_ops, "pools", s->height);
	panel_init(&s->vols, &cvol_panel_ops);
	s->stale = 1;
	return s;
}

static void store_fini(void *st)
{
	struct store_screen *s = st;

	console_list_free(&s->list);
	panel_free(&s->vols);
	if (s->have_info)
		cpool_free(&s->info);
	free(s);
}

static void store_resize(struct console *c, void *st, int height, int width)
{
	(void)c;
	S(st)->height = height;
	S(st)->width = width;
}

const struct console_screen console_screen_storage = {
	.name = "Storage",
	.hotkey = '6',
	.keys = store_keys,
	.list = store_list,
	.nav = store_nav,
	.init = store_init,
	.fini = store_fini,
	.draw = store_draw,
	.key = store_key,
	.resize = store_resize,
	.event = store_event,
	.tick = store_tick,
	.done = store_done,
};

/* --- the pickers' pools --------------------------------------------------- */

void console_pools_catalog(struct console *c)
{
	struct api_error e = { "", "" };
	json_t *pools = NULL, *vols = NULL, *o;
	size_t i;

	picker_pools_clear();
	if (console_call(c, "pool.list", NULL, &pools, NULL, &e) < 0)
		return;
	json_array_foreach(jget_arr(pools, "pools"), i, o)
		picker_pools_add(jget_str(o, "name", NULL), jget_str(o, "dir", NULL),
				 !strcmp(jget_str(o, "content", ""), "iso"));
	json_decref(pools);
	if (console_call(c, "vol.list", NULL, &vols, NULL, &e) < 0)
		return;
	json_array_foreach(jget_arr(vols, "volumes"), i, o)
		picker_pools_add_volume(jget_str(o, "pool", NULL), jget_str(o, "name", NULL),
					jget_int(o, "virtual_bytes", -1), jget_str(o, "used_by", NULL));
	json_decref(vols);
}
