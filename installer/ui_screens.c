/*
 * The installer's screens (ui_app.h): the frame (a title bar, the steps,
 * a key bar at the bottom, as the console has them), the list screens on
 * the console's panel (disks, NICs, time zones with a search), the layout,
 * the summary with its erase question, and the install with its progress
 * meter and log.  Form screens are drawn by the form engine (ui_forms.c).
 *
 * Everything is drawn in ASCII with ACS lines and the theme's roles, so a
 * vt100 on a serial line shows the same screens in bold and reverse video.
 */
#include "installer/ui_app.h"
#include "common/addr.h"
#include "common/validate.h"
#include "common/xalloc.h"
#include "tui/boxdraw.h"
#include "tui/meter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UI_CTRL(c) ((c) & 0x1f)

static const char *const screen_names[UI_NSCREENS] = {
	[UI_WELCOME] = "Welcome", [UI_DISK] = "Disk", [UI_LAYOUT] = "Layout",
	[UI_HOSTNAME] = "Hostname", [UI_NIC] = "Network", [UI_ADDRESS] = "Address",
	[UI_LOGIN] = "Login", [UI_TIMEZONE] = "Timezone", [UI_SUMMARY] = "Summary",
	[UI_INSTALL] = "Install",
};

/* --- panels -------------------------------------------------------------------- */

struct ui_logrow {
	char key[12];
	char text[200];
	int error;
};

static int zone_match(const void *row, const char *filter)
{
	return strcasestr(((const struct ui_row *)row)->key, filter) != NULL;
}

static const struct panel_ops row_ops = {
	.size = sizeof(struct ui_row), PANEL_KEY_TEXT(struct ui_row, key),
};
static const struct panel_ops zone_ops = {
	.size = sizeof(struct ui_row), PANEL_KEY_TEXT(struct ui_row, key), .match = zone_match,
};
static const struct panel_ops log_ops = {
	.size = sizeof(struct ui_logrow), PANEL_KEY_TEXT(struct ui_logrow, key), .flags = PANEL_LOG,
};

static void on_step(void *ctx, const struct ui_progress *p)
{
	struct ui_app *a = ctx;
	struct ui_logrow r;

	memset(&r, 0, sizeof(r));
	snprintf(r.key, sizeof(r.key), "%08zu", a->log_panel.n);
	r.error = p->kind == UI_PROGRESS_ERROR;
	if (p->kind == UI_PROGRESS_STEP)
		snprintf(r.text, sizeof(r.text), "%3d%%  %.180s", p->pct, p->text);
	else if (p->kind == UI_PROGRESS_ERROR)
		snprintf(r.text, sizeof(r.text), "error: %.180s", p->text);
	else if (p->kind == UI_PROGRESS_DONE)
		snprintf(r.text, sizeof(r.text), "done");
	else
		snprintf(r.text, sizeof(r.text), "      %.180s", p->text);
	panel_add(&a->log_panel, &r);
}

void ui_app_init(struct ui_app *a)
{
	memset(a, 0, sizeof(*a));
	ui_answers_init(&a->ans);
	panel_init(&a->disk_panel, &row_ops);
	panel_init(&a->nic_panel, &row_ops);
	panel_init(&a->zone_panel, &zone_ops);
	panel_init(&a->log_panel, &log_ops);
	a->eng.on_step = on_step;
	a->eng.ctx = a;
	ui_engine_reset(&a->eng);
}

void ui_app_free(struct ui_app *a)
{
	form_free(a->form);
	a->form = NULL;
	panel_free(&a->disk_panel);
	panel_free(&a->nic_panel);
	panel_free(&a->zone_panel);
	panel_free(&a->log_panel);
	free(a->disks);
	free(a->nics);
	explicit_bzero(a->ans.hash, sizeof(a->ans.hash));
}

/* Rows keyed by name, in the engine's order of names. */
static void fill_rows(struct panel *p, const char *(*name)(const struct ui_app *, size_t),
		      const struct ui_app *a, size_t n)
{
	struct ui_row *rows = n ? xcalloc(n, sizeof(*rows)) : NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(rows[i].key, sizeof(rows[i].key), "%s", name(a, i));
		rows[i].idx = (int)i;
	}
	panel_set_rows(p, rows, n);
}

static const char *disk_name(const struct ui_app *a, size_t i)
{
	return a->disks[i].name;
}

static const char *nic_name(const struct ui_app *a, size_t i)
{
	return a->nics[i].name;
}

/* The index of the row named key after a rescan, or -1. */
static int index_of(const struct panel *p, const char *key)
{
	const struct ui_row *r = panel_find(p, key);

	return r ? r->idx : -1;
}

void ui_app_rescan(struct ui_app *a)
{
	static const char *const disk_args[] = { "--list-disks", "--json", NULL };
	static const char *const nic_args[] = { "--list-nics", "--json", NULL };
	char err[512], disk[32] = "", nic[16] = "";
	char *out = NULL;
	size_t i;

	if (a->ans.disk >= 0)
		snprintf(disk, sizeof(disk), "%s", a->disks[a->ans.disk].name);
	if (a->ans.nic >= 0)
		snprintf(nic, sizeof(nic), "%s", a->nics[a->ans.nic].name);
	free(a->disks);
	free(a->nics);
	a->disks = NULL;
	a->nics = NULL;
	a->ndisks = a->nnics = 0;
	a->list_err[0] = '\0';
	if (ui_engine_capture(a->engine, disk_args, &out, err, sizeof(err)) < 0 ||
	    ui_disks_parse(out, &a->disks, &a->ndisks, err, sizeof(err)) < 0)
		snprintf(a->list_err, sizeof(a->list_err), "%s", err);
	free(out);
	out = NULL;
	if (ui_engine_capture(a->engine, nic_args, &out, err, sizeof(err)) < 0 ||
	    ui_nics_parse(out, &a->nics, &a->nnics, err, sizeof(err)) < 0) {
		if (!a->list_err[0])
			snprintf(a->list_err, sizeof(a->list_err), "%s", err);
	}
	free(out);
	for (i = 0; i < a->ndisks; i++)
		ui_disk_partitions(a->sysfs, &a->disks[i]);
	fill_rows(&a->disk_panel, disk_name, a, a->ndisks);
	fill_rows(&a->nic_panel, nic_name, a, a->nnics);
	a->ans.disk = disk[0] ? index_of(&a->disk_panel, disk) : -1;
	a->ans.nic = nic[0] ? index_of(&a->nic_panel, nic) : -1;
	if (a->ans.disk >= 0)
		panel_select(&a->disk_panel, disk);
	if (a->ans.nic >= 0)
		panel_select(&a->nic_panel, nic);
}

static void load_zones(struct ui_app *a)
{
	struct ui_row *rows;
	char **zones;
	size_t n, i;
	int rc;

	if (a->zone_panel.loaded)
		return;
	rc = ui_zones_load(a->zoneinfo, &zones, &n);
	if (rc < 0) {
		/* UTC is always there, even without tzdata */
		zones = xcalloc(1, sizeof(*zones));
		zones[0] = xstrdup("UTC");
		n = 1;
	}
	rows = xcalloc(n, sizeof(*rows));
	for (i = 0; i < n; i++) {
		snprintf(rows[i].key, sizeof(rows[i].key), "%s", zones[i]);
		rows[i].idx = (int)i;
	}
	ui_zones_free(zones, n);
	panel_set_rows(&a->zone_panel, rows, n);
}

/* --- moving between screens ------------------------------------------------------- */

static int is_form(enum ui_screen s)
{
	return s == UI_HOSTNAME || s == UI_ADDRESS || s == UI_LOGIN;
}

void ui_go(struct ui_app *a, enum ui_screen s)
{
	form_free(a->form);
	a->form = NULL;
	a->msg[0] = '\0';
	a->confirm = 0;
	if (s > UI_DISK && a->ans.disk < 0)
		s = UI_DISK;
	else if (s > UI_NIC && a->ans.nic < 0)
		s = UI_NIC;
	a->screen = s;
	if (is_form(s))
		a->form = ui_form_open(a, s);
	if (s == UI_TIMEZONE) {
		load_zones(a);
		a->zone_filter[0] = '\0';
		panel_set_filter(&a->zone_panel, "");
		panel_select(&a->zone_panel, a->ans.timezone);
	}
}

static void back(struct ui_app *a)
{
	if (a->screen > UI_WELCOME)
		ui_go(a, a->screen - 1);
}

/* --- the frame ----------------------------------------------------------------------- */

static void fill_row(int y, attr_t attr)
{
	boxdraw_fill(stdscr, y, 0, COLS, attr);
}

static void draw_title(struct ui_app *a)
{
	char right[80];
	int x = 1;
	size_t i;

	fill_row(0, a->th.title);
	boxdraw_puts(stdscr, 0, 1, COLS - 2, a->th.title, a->dry_run ?
		     "croft installer (dry run: no disk is written)" : "croft installer");
	snprintf(right, sizeof(right), "step %d of %d", (int)a->screen + 1, (int)UI_NSCREENS);
	boxdraw_puts(stdscr, 0, COLS - 1 - (int)strlen(right), (int)strlen(right), a->th.title, right);
	fill_row(1, a->th.normal);
	for (i = 0; i < UI_NSCREENS && x < COLS; i++) {
		attr_t at = i == a->screen ? a->th.tab_active : a->th.dim;

		x += boxdraw_puts(stdscr, 1, x, COLS - x, at, screen_names[i]);
		if (i + 1 < UI_NSCREENS)
			x += boxdraw_puts(stdscr, 1, x, COLS - x, a->th.dim, " ");
	}
}

/* "Enter", "Next", ...; NULL-ended pairs. */
static void draw_keys(struct ui_app *a, const char *const *keys)
{
	int x = 0, y = LINES - 1;

	fill_row(y, a->th.keybar);
	for (; keys[0] && keys[1] && x < COLS; keys += 2) {
		x += boxdraw_puts(stdscr, y, x, COLS - x, a->th.key, keys[0]);
		x += boxdraw_puts(stdscr, y, x, COLS - x, a->th.keybar, keys[1]);
		x += boxdraw_puts(stdscr, y, x, COLS - x, a->th.keybar, "  ");
	}
}

/* text wrapped to width from (y, x), at most maxl lines: the lines used. */
static int para(int y, int x, int width, attr_t attr, const char *text, int maxl)
{
	const char *starts[16];
	size_t lens[16];
	int n, i;

	if (maxl > 16)
		maxl = 16;
	n = boxdraw_wrap(text, width, starts, lens, maxl);
	for (i = 0; i < n; i++)
		boxdraw_put(stdscr, y + i, x, width, attr, starts[i], lens[i]);
	return n;
}

static void draw_msg(struct ui_app *a)
{
	if (a->msg[0])
		para(LINES - 3, 2, COLS - 4, a->th.error, a->msg, 2);
}

/* A panel's rows from y, height rows; draw(row) writes one line. */
static void draw_list(struct ui_app *a, struct panel *p, int y, int height,
		      void (*line)(const struct ui_app *, const void *, char *, size_t))
{
	char buf[256];
	size_t i;

	panel_set_height(p, (size_t)(height > 0 ? height : 1));
	for (i = 0; i < (size_t)height && p->top + i < panel_count(p); i++) {
		const void *row = panel_row(p, p->top + i);
		attr_t at = p->top + i == p->sel ? a->th.selected : a->th.normal;

		line(a, row, buf, sizeof(buf));
		boxdraw_fill(stdscr, y + (int)i, 1, COLS - 2, at);
		boxdraw_puts(stdscr, y + (int)i, 2, COLS - 4, at, buf);
	}
}

/* --- welcome ---------------------------------------------------------------------------- */

static void draw_welcome(struct ui_app *a)
{
	static const char *const keys[] = { "Enter", "Next", "F10/^C", "Quit", NULL };
	int y = 3, w = COLS - 6;
	size_t i;

	y += para(y, 3, w, a->th.label, "Welcome to croft", 1) + 1;
	y += para(y, 3, w, a->th.normal,
		  "This installs croft, a small virtualization host, onto a disk of this "
		  "machine. It asks for the disk, its layout, a hostname, the management "
		  "network, a root login and the time zone, shows a summary, and only then "
		  "erases the chosen disk and installs.", 5) + 1;
	y += para(y, 3, w, a->th.normal,
		  "Enter goes to the next screen, Esc back to the one before; nothing is "
		  "written before you confirm on the summary.", 3) + 1;
	if (a->npreload) {
		y += para(y, 3, w, a->th.warn, "The answer file has problems; its other answers "
			  "are filled in, fix these on their screens:", 2);
		for (i = 0; i < a->npreload && y < LINES - 3; i++)
			y += para(y, 5, w - 2, a->th.error, a->preload[i], 1);
	}
	draw_keys(a, keys);
}

/* --- disks -------------------------------------------------------------------------------- */

static void disk_line(const struct ui_app *a, const void *row, char *buf, size_t len)
{
	const struct ui_disk *d = &a->disks[((const struct ui_row *)row)->idx];
	char size[24];

	snprintf(buf, len, "%-8s %-26.26s %7s  %-20.20s %s", d->name,
		 d->model[0] ? d->model : "-", size_format(d->size, size, sizeof(size)),
		 d->serial[0] ? d->serial : "-", d->removable ? "removable" :
		 d->rotational ? "hdd" : "ssd");
}

static void draw_disk(struct ui_app *a)
{
	static const char *const keys[] = { "Enter", "Use this disk", "Esc", "Back", "r", "Rescan",
					    "F10/^C", "Quit", NULL };
	const struct ui_row *sel = panel_selected(&a->disk_panel);
	int top = 3, rows = LINES - 13, y;
	char buf[400], desc[300];

	boxdraw_puts(stdscr, 2, 2, COLS - 4, a->th.normal, "Install croft onto which disk?");
	boxdraw_puts(stdscr, top, 2, COLS - 4, a->th.label,
		     "NAME     MODEL                         SIZE  SERIAL               TYPE");
	if (rows > (int)a->ndisks + 1)
		rows = (int)a->ndisks + 1;
	if (rows < 2)
		rows = 2;
	draw_list(a, &a->disk_panel, top + 1, rows, disk_line);
	y = top + rows + 2;
	if (!a->ndisks) {
		para(top + 1, 2, COLS - 4, a->th.error, a->list_err[0] ? a->list_err :
		     "croft-install found no disk to install onto; plug one in and press r", 3);
	} else if (sel) {
		const struct ui_disk *d = &a->disks[sel->idx];

		snprintf(buf, sizeof(buf), "Installing erases ALL of %s (%s):", d->path,
			 ui_disk_describe(d, desc, sizeof(desc)));
		y += para(y, 2, COLS - 4, a->th.warn, buf, 2);
		if (d->nparts)
			snprintf(buf, sizeof(buf), "its %zu partition%s %s, and every file in them.",
				 d->nparts, d->nparts == 1 ? "" : "s", d->parts);
		else
			snprintf(buf, sizeof(buf), "it has no partitions now, but any data on it is "
				 "overwritten all the same.");
		y += para(y, 2, COLS - 4, a->th.warn, buf, 3);
		if (d->removable)
			para(y, 2, COLS - 4, a->th.normal, "This disk is removable (a USB stick or "
			     "card?): is it really the one?", 2);
	}
	draw_msg(a);
	draw_keys(a, keys);
}

static void pick_disk(struct ui_app *a)
{
	const struct ui_row *sel = panel_selected(&a->disk_panel);
	struct inst_layout l;
	char err[200];

	if (!sel) {
		snprintf(a->msg, sizeof(a->msg), "no disk to choose; press r to look again");
		return;
	}
	if (inst_layout_compute(a->disks[sel->idx].size, &l, err, sizeof(err)) < 0) {
		snprintf(a->msg, sizeof(a->msg), "%s: %s", a->disks[sel->idx].path, err);
		return;
	}
	a->ans.disk = sel->idx;
	ui_go(a, UI_LAYOUT);
}

/* --- layout ---------------------------------------------------------------------------------- */

static void draw_layout(struct ui_app *a)
{
	static const char *const keys[] = { "Enter", "Next", "Esc", "Back", "Space", "ext4/xfs",
					    "F10/^C", "Quit", NULL };
	const struct ui_disk *d = &a->disks[a->ans.disk];
	struct inst_layout l;
	char buf[200], err[200], size[24];
	int y = 3, x;
	size_t k;

	if (inst_layout_compute(d->size, &l, err, sizeof(err)) < 0) {
		para(y, 2, COLS - 4, a->th.error, err, 2);
		draw_keys(a, keys);
		return;
	}
	snprintf(buf, sizeof(buf), "%s (%s) gets a new GPT partition table:", d->path,
		 size_format(d->size, size, sizeof(size)));
	y += para(y, 2, COLS - 4, a->th.normal, buf, 2) + 1;
	boxdraw_puts(stdscr, y++, 4, COLS - 6, a->th.label,
		     "#  WHAT                     SIZE  MOUNTED ON");
	for (k = 0; k < 4; k++)
		boxdraw_puts(stdscr, y++, 4, COLS - 6, a->th.normal,
			     ui_layout_line(&l, k, a->ans.fs, buf, sizeof(buf)));
	y++;
	y += para(y, 2, COLS - 4, a->th.dim, "The root file system takes a quarter of the disk "
		  "(4-32G); the rest holds the VMs' disks and ISOs.", 2) + 1;
	x = 2 + boxdraw_puts(stdscr, y, 2, 30, a->th.label, "File system:");
	x += 2;
	snprintf(buf, sizeof(buf), "(%c) ext4", strcmp(a->ans.fs, "ext4") ? ' ' : '*');
	x += boxdraw_puts(stdscr, y, x, COLS - x, strcmp(a->ans.fs, "ext4") ? a->th.normal :
			  a->th.selected, buf) + 2;
	snprintf(buf, sizeof(buf), "(%c) xfs", strcmp(a->ans.fs, "xfs") ? ' ' : '*');
	boxdraw_puts(stdscr, y, x, COLS - x, strcmp(a->ans.fs, "xfs") ? a->th.normal :
		     a->th.selected, buf);
	draw_msg(a);
	draw_keys(a, keys);
}

static void layout_key(struct ui_app *a, int ch)
{
	if (ch == ' ' || ch == KEY_LEFT || ch == KEY_RIGHT)
		snprintf(a->ans.fs, sizeof(a->ans.fs), "%s", strcmp(a->ans.fs, "ext4") ? "ext4" : "xfs");
	else if (ch == 'x')
		snprintf(a->ans.fs, sizeof(a->ans.fs), "xfs");
	else if (ch == 'e')
		snprintf(a->ans.fs, sizeof(a->ans.fs), "ext4");
}

/* --- NICs ------------------------------------------------------------------------------------- */

static void nic_line(const struct ui_app *a, const void *row, char *buf, size_t len)
{
	const struct ui_nic *n = &a->nics[((const struct ui_row *)row)->idx];
	char mac[ADDR_MAC_STRLEN];

	snprintf(buf, len, "%-15s %-18s %-13s %s", n->name, addr_mac_str(n->mac, mac),
		 n->carrier > 0 ? "link up" : n->carrier == 0 ? "no link" : "?",
		 n->driver[0] ? n->driver : "-");
}

static void draw_nic(struct ui_app *a)
{
	static const char *const keys[] = { "Enter", "Use this NIC", "Esc", "Back", "r", "Rescan",
					    "F10/^C", "Quit", NULL };
	const struct ui_row *sel = panel_selected(&a->nic_panel);
	int top = 3, rows = (int)a->nnics + 1, y;
	char buf[200], desc[160];

	boxdraw_puts(stdscr, 2, 2, COLS - 4, a->th.normal,
		     "Which network interface connects this box to your LAN?");
	boxdraw_puts(stdscr, top, 2, COLS - 4, a->th.label,
		     "NAME            MAC                LINK          DRIVER");
	if (rows > LINES - 14)
		rows = LINES - 14;
	if (rows < 2)
		rows = 2;
	draw_list(a, &a->nic_panel, top + 1, rows, nic_line);
	if (!a->nnics)
		para(top + 1, 2, COLS - 4, a->th.error, a->list_err[0] ? a->list_err :
		     "croft-install found no network interface; plug a cable or press r", 3);
	y = top + rows + 2;
	y += para(y, 2, COLS - 4, a->th.normal,
		  "croft puts this interface into a bridge, croftbr0, and gives the host its "
		  "address on the bridge (next screen). VMs on a bridged network join croftbr0 "
		  "and sit on your LAN beside the host, which keeps its own address while they "
		  "come and go.", 5) + 1;
	if (sel) {
		const struct ui_nic *n = &a->nics[sel->idx];

		snprintf(buf, sizeof(buf), "croftbr0 goes over %s (%s).", n->name,
			 ui_nic_describe(n, desc, sizeof(desc)));
		para(y, 2, COLS - 4, a->th.label, buf, 2);
	}
	draw_msg(a);
	draw_keys(a, keys);
}

static void pick_nic(struct ui_app *a)
{
	const struct ui_row *sel = panel_selected(&a->nic_panel);

	if (!sel) {
		snprintf(a->msg, sizeof(a->msg), "no network interface to choose; press r to look again");
		return;
	}
	a->ans.nic = sel->idx;
	ui_go(a, UI_ADDRESS);
}

/* --- time zone ----------------------------------------------------------------------------------- */

static void zone_line(const struct ui_app *a, const void *row, char *buf, size_t len)
{
	(void)a;
	snprintf(buf, len, "%s", ((const struct ui_row *)row)->key);
}

static void draw_timezone(struct ui_app *a)
{
	static const char *const keys[] = { "Enter", "Use this zone", "Esc", "Back", "Type",
					    "Search", "F10/^C", "Quit", NULL };
	char buf[120];
	int x;

	x = 2 + boxdraw_puts(stdscr, 2, 2, 20, a->th.label, "Search:");
	boxdraw_fill(stdscr, 2, x + 1, 30, a->th.input);
	boxdraw_puts(stdscr, 2, x + 1, 30, a->th.input, a->zone_filter);
	snprintf(buf, sizeof(buf), "%zu of %zu zones; now %s", panel_count(&a->zone_panel),
		 a->zone_panel.n, a->ans.timezone);
	boxdraw_puts(stdscr, 2, x + 33, COLS - x - 35, a->th.dim, buf);
	draw_list(a, &a->zone_panel, 4, LINES - 8, zone_line);
	if (!panel_count(&a->zone_panel))
		boxdraw_puts(stdscr, 4, 2, COLS - 4, a->th.dim, "(no zone has that in its name)");
	draw_msg(a);
	draw_keys(a, keys);
}

static int timezone_key(struct ui_app *a, int ch)
{
	size_t n = strlen(a->zone_filter);

	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (n)
			a->zone_filter[n - 1] = '\0';
	} else if (ch == UI_CTRL('U')) {
		a->zone_filter[0] = '\0';
	} else if (ch >= 32 && ch < 127 && n + 1 < sizeof(a->zone_filter)) {
		a->zone_filter[n] = ch == ' ' ? '_' : (char)ch;
		a->zone_filter[n + 1] = '\0';
	} else {
		return 0;
	}
	panel_set_filter(&a->zone_panel, a->zone_filter);
	return 1;
}

static void pick_zone(struct ui_app *a)
{
	const struct ui_row *sel = panel_selected(&a->zone_panel);

	if (!sel) {
		snprintf(a->msg, sizeof(a->msg), "no zone matches '%s'; Backspace widens the search",
			 a->zone_filter);
		return;
	}
	snprintf(a->ans.timezone, sizeof(a->ans.timezone), "%s", sel->key);
	ui_go(a, UI_SUMMARY);
}

/* --- the summary ------------------------------------------------------------------------------------ */

static int summary_row(struct ui_app *a, int y, const char *label, const char *value, attr_t attr)
{
	boxdraw_puts(stdscr, y, 2, 14, a->th.label, label);
	return para(y, 17, COLS - 19, attr, value, 3);
}

static void key_summary(const char *key, char *buf, size_t len)
{
	const char *sp = strchr(key, ' '), *comment = sp ? strchr(sp + 1, ' ') : NULL;

	snprintf(buf, len, "%.*s%s%s", sp ? (int)(sp - key) : 0, key, comment ? " " : "",
		 comment ? comment + 1 : "");
}

static void draw_summary(struct ui_app *a)
{
	static const char *const keys[] = { "Enter", "Install", "Esc", "Back", "F10/^C", "Quit", NULL };
	static const char *const ask[] = { "y", "Erase and install", "n/Esc", "Not now", NULL };
	const struct ui_disk *d = &a->disks[a->ans.disk];
	const struct ui_nic *n = &a->nics[a->ans.nic];
	struct inst_layout l;
	char buf[600], desc[300], s[4][24], key[200];
	int y = 3;

	snprintf(buf, sizeof(buf), "%s  %s  (ERASED)", d->path, ui_disk_describe(d, desc, sizeof(desc)));
	y += summary_row(a, y, "Target disk", buf, a->th.warn);
	if (inst_layout_compute(d->size, &l, buf, sizeof(buf)) == 0) {
		snprintf(buf, sizeof(buf), "GPT: %s BIOS boot, %s EFI, %s root (%s), %s for "
			 "/var/lib/croft/pools (%s)", size_format(l.part[0].size, s[0], sizeof(s[0])),
			 size_format(l.part[1].size, s[1], sizeof(s[1])),
			 size_format(l.part[2].size, s[2], sizeof(s[2])), a->ans.fs,
			 size_format(l.part[3].size, s[3], sizeof(s[3])), a->ans.fs);
	}
	y += summary_row(a, y, "Layout", buf, a->th.normal);
	y += summary_row(a, y, "Hostname", a->ans.hostname, a->th.normal);
	if (a->ans.dhcp)
		snprintf(buf, sizeof(buf), "%s (%s), bridge croftbr0, address by DHCP", n->name,
			 ui_nic_describe(n, desc, sizeof(desc)));
	else
		snprintf(buf, sizeof(buf), "%s (%s), bridge croftbr0, %s via %s, DNS %s", n->name,
			 ui_nic_describe(n, desc, sizeof(desc)), a->ans.cidr, a->ans.gateway, a->ans.dns);
	y += summary_row(a, y, "Network", buf, a->th.normal);
	key_summary(a->ans.ssh_key, key, sizeof(key));
	snprintf(buf, sizeof(buf), "%s%s%s%s", a->ans.hash[0] ? "password (yescrypt hash)" : "",
		 a->ans.hash[0] && key[0] ? "; " : "", key[0] ? "SSH key " : "", key);
	y += summary_row(a, y, "Root login", buf, a->th.normal);
	y += summary_row(a, y, "Time zone", a->ans.timezone, a->th.normal);
	y++;
	if (a->confirm) {
		snprintf(buf, sizeof(buf), "Erase %s (%s) and install croft on it? y: yes, "
			 "n or Esc: not now", d->path, ui_disk_describe(d, desc, sizeof(desc)));
		para(y, 2, COLS - 4, a->th.warn, buf, 3);
		draw_keys(a, ask);
	} else {
		snprintf(buf, sizeof(buf), "Enter installs croft now: everything on %s is erased. "
			 "Esc goes back to change an answer.", d->path);
		para(y, 2, COLS - 4, a->th.normal, buf, 3);
		draw_keys(a, keys);
	}
	draw_msg(a);
}

static int save_answer(struct ui_app *a, const char *text)
{
	size_t len = strlen(text);
	int fd, rc = 0;

	fd = open(a->save_answer, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) < 0 || write(fd, text, len) != (ssize_t)len)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		snprintf(a->msg, sizeof(a->msg), "cannot save the answer file %s: %s",
			 a->save_answer, strerror(-rc));
	return rc;
}

static void start_install(struct ui_app *a)
{
	char err[600], *text;

	text = ui_answer_text(&a->ans, a->disks, a->ndisks, a->nics, a->nnics, err, sizeof(err));
	if (!text) {
		snprintf(a->msg, sizeof(a->msg), "%s", err);
		return;
	}
	if (a->save_answer && save_answer(a, text) < 0) {
		free(text);
		return;
	}
	panel_clear(&a->log_panel);
	if (ui_engine_start(&a->eng, a->engine, text, a->dry_run, a->source, err, sizeof(err)) < 0) {
		free(text);
		snprintf(a->msg, sizeof(a->msg), "%s", err);
		return;
	}
	explicit_bzero(text, strlen(text));
	free(text);
	a->attempts++;
	ui_go(a, UI_INSTALL);
}

static void summary_key(struct ui_app *a, int ch)
{
	if (!a->confirm) {
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			a->msg[0] = '\0';
			a->confirm = 1;
		} else if (ch == 27) {
			back(a);
		}
		return;
	}
	if (ch == 'y' || ch == 'Y') {
		a->confirm = 0;
		start_install(a);
	} else if (ch == 'n' || ch == 'N' || ch == 27) {
		a->confirm = 0;
	}
}

/* F10, or Ctrl-C where there is no F10 (a vt100); raw mode makes it a key. */
static int is_quit(int ch)
{
	return ch == KEY_F(10) || ch == UI_CTRL('C');
}

/* --- the install ---------------------------------------------------------------------------------------- */

static void log_line(const struct ui_app *a, const void *row, char *buf, size_t len)
{
	(void)a;
	snprintf(buf, len, "%s", ((const struct ui_logrow *)row)->text);
}

static void draw_install(struct ui_app *a)
{
	static const char *const running[] = { "", "Installing; please wait", NULL };
	static const char *const ok[] = { "Enter", "Reboot", NULL };
	static const char *const failed[] = { "r", "Retry", "b/Esc", "Back to the summary",
					      "F10/^C", "Quit", NULL };
	const struct ui_engine *e = &a->eng;
	struct meter m = { .fill = '#' };
	char bar[256], buf[700];
	int y = 3, w = COLS - 4 < 250 ? COLS - 4 : 250;

	snprintf(buf, sizeof(buf), "Installing croft onto %s", a->disks[a->ans.disk].path);
	if (a->attempts > 1)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (attempt %d)", a->attempts);
	boxdraw_puts(stdscr, 2, 2, COLS - 4, a->th.label, buf);
	meter_set_progress(&m, (uint64_t)e->pct, 100);
	boxdraw_puts(stdscr, y, 2, w, a->th.meter, meter_render(&m, w, bar));
	y += 2;
	if (!e->finished) {
		boxdraw_puts(stdscr, y, 2, COLS - 4, a->th.normal, e->step);
		draw_keys(a, running);
	} else if (ui_engine_ok(e)) {
		para(y, 2, COLS - 4, a->th.ok, a->dry_run ?
		     "Dry run finished: croft-install checked everything and wrote nothing. "
		     "Enter ends the installer." :
		     "croft is installed. Remove the install medium; Enter reboots into croft.", 2);
		draw_keys(a, ok);
	} else {
		snprintf(buf, sizeof(buf), "The install failed: %s", e->error);
		y += para(y, 2, COLS - 4, a->th.error, buf, 4) - 2;
		draw_keys(a, failed);
	}
	y += 3;
	boxdraw_puts(stdscr, y++, 2, COLS - 4, a->th.label, "Steps");
	draw_list(a, &a->log_panel, y, LINES - 2 - y, log_line);
}

static void install_key(struct ui_app *a, int ch)
{
	const struct ui_engine *e = &a->eng;

	if (!e->finished)
		return;
	if (ui_engine_ok(e)) {
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			a->reboot = !a->dry_run;
			a->quit = 1;
		}
		return;
	}
	if (ch == 'r' || ch == 'R')
		start_install(a);
	else if (ch == 'b' || ch == 'B' || ch == 27)
		ui_go(a, UI_SUMMARY);
	else if (is_quit(ch))
		a->quit = 1;
}

/* --- the form screens --------------------------------------------------------------- */

static void draw_form(struct ui_app *a)
{
	static const char *const keys[] = { "Enter", "Next", "Esc", "Back", "Tab", "Field",
					    "F10/^C", "Quit", NULL };
	WINDOW *w = derwin(stdscr, LINES - 4, COLS, 2, 0);
	int cy = -1, cx = 0;

	if (w) {
		form_draw(a->form, w, &a->th);
		getyx(w, cy, cx);
		delwin(w);
	}
	draw_msg(a);
	draw_keys(a, keys);
	if (cy >= 0 && form_kind(a->form, form_focus(a->form)) != FORM_CHOICE) {
		move(cy + 2, cx);
		curs_set(1);
	}
}

static void form_key_in(struct ui_app *a, int ch)
{
	int r = form_key(a->form, ch);

	if (r == FORM_CANCEL) {
		back(a);
	} else if (r == FORM_SUBMIT) {
		a->msg[0] = '\0';
		if (ui_form_take(a, a->screen) == 0)
			ui_go(a, a->screen + 1);
	}
}

/* --- the list screens' keys ---------------------------------------------------------- */

static void list_key(struct panel *p, int ch)
{
	switch (ch) {
	case KEY_UP: panel_move(p, -1); break;
	case KEY_DOWN: panel_move(p, 1); break;
	case KEY_PPAGE: panel_page(p, -1); break;
	case KEY_NPAGE: panel_page(p, 1); break;
	case KEY_HOME: panel_home(p); break;
	case KEY_END: panel_end(p); break;
	}
}

static void no_key(struct ui_app *a, int ch)
{
	(void)a;
	(void)ch;
}

static void disk_key(struct ui_app *a, int ch)
{
	if (ch == 'r')
		ui_app_rescan(a);
	else
		list_key(&a->disk_panel, ch);
}

static void nic_key(struct ui_app *a, int ch)
{
	if (ch == 'r')
		ui_app_rescan(a);
	else
		list_key(&a->nic_panel, ch);
}

static void zone_key(struct ui_app *a, int ch)
{
	if (!timezone_key(a, ch))
		list_key(&a->zone_panel, ch);
}

static void welcome_next(struct ui_app *a)
{
	ui_go(a, UI_DISK);
}

static void layout_next(struct ui_app *a)
{
	ui_go(a, UI_HOSTNAME);
}

/* --- drawing and keys ----------------------------------------------------------------- */

/* Each screen: how it is drawn, what Enter does (NULL: its key function
 * takes Enter and Esc too), and its other keys. */
static const struct ui_screen_ops {
	void (*draw)(struct ui_app *a);
	void (*enter)(struct ui_app *a);
	void (*key)(struct ui_app *a, int ch);
} screens[UI_NSCREENS] = {
	[UI_WELCOME] = { draw_welcome, welcome_next, no_key },
	[UI_DISK] = { draw_disk, pick_disk, disk_key },
	[UI_LAYOUT] = { draw_layout, layout_next, layout_key },
	[UI_HOSTNAME] = { draw_form, NULL, form_key_in },
	[UI_NIC] = { draw_nic, pick_nic, nic_key },
	[UI_ADDRESS] = { draw_form, NULL, form_key_in },
	[UI_LOGIN] = { draw_form, NULL, form_key_in },
	[UI_TIMEZONE] = { draw_timezone, pick_zone, zone_key },
	[UI_SUMMARY] = { draw_summary, NULL, summary_key },
	[UI_INSTALL] = { draw_install, NULL, install_key },
};

void ui_draw(struct ui_app *a)
{
	erase();
	draw_title(a);
	curs_set(0);
	screens[a->screen].draw(a);
}

void ui_key(struct ui_app *a, int ch)
{
	const struct ui_screen_ops *s = &screens[a->screen];

	if (is_quit(ch) && a->screen != UI_INSTALL)
		a->quit = 1;
	else if (s->enter && (ch == '\n' || ch == '\r' || ch == KEY_ENTER))
		s->enter(a);
	else if (s->enter && ch == 27)
		back(a);
	else
		s->key(a, ch);
}
