/*
 * The Snapshots screen: one VM's snapshot tree (SNAPSHOT, the tree drawn
 * in ASCII with the current position marked '*', CREATED RAM SIZE PAUSE
 * FLAGS DESCRIPTION), its schedules (CALENDAR, NEXT RUN, LAST RESULT,
 * KEEP...) and its backups (CREATED POOL SIZE DISKS VERIFIED), one table
 * over the other; under them a line about the selected row, snap.list's
 * chain warnings, and the jobs this screen started with a live bar.
 *
 * The VM is the one selected on the VMs screen when this screen opens (S
 * there opens it on that VM); [ and ] step to the previous and next VM.
 * Left and Right move the cursor between the three tables; n, e, r, x...
 * act on the table the cursor is in: a snapshot is taken with a form that
 * shows snap.estimate's pause with and without RAM before Enter; revert
 * and delete ask first, saying what is lost (a running guest reverted to
 * a snapshot without RAM restarts from its disks, its unsaved work lost;
 * a deleted snapshot's children stay).  A schedule's form puts croftd's
 * refusal under the field it names (the part of a calendar it could not
 * read).  Backups are made to a pool picked in a form, verified, restored
 * as a new VM (a form) and deleted after a confirmation.
 *
 * snap.list, schedule.list and backup.list are re-read every refresh
 * while the screen shows and after snap, schedule, backup and job events;
 * an op croftd does not have yet (unknown_op) says so in its table.  The
 * models are console_snap.h's; every change is an action
 * (console_action.c) whose refusal shows in croftd's words.
 */
#include "tui/console_screen.h"
#include "tui/console_jobmodel.h"
#include "tui/console_snap.h"
#include "common/json_get.h"
#include "common/proto.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHANGE_TIMEOUT_MS 60000
#define SHOWN_JOBS 2
#define MAX_POOLS 32
#define SHOWN_WARN 2

static const char *const section_what[CSNAP_NSEC] = { "snapshot", "schedule", "backup" };
static const char *const list_op[CSNAP_NSEC] = { "snap.list", "schedule.list", "backup.list" };

struct snap_screen {
	struct console_list list;      /* struct csnap, in tree order */
	struct panel scheds;           /* struct csched */
	struct panel baks;             /* struct cbackup */
	int focus;                     /* CSNAP_SEC_* */
	char vm[CSNAP_NAME_LEN];       /* "" none chosen yet */
	char current[CSNAP_NAME_LEN];
	char warnings[CSNAP_MAX_WARN][CSNAP_LINE_LEN];
	size_t nwarn;
	char error[CSNAP_NSEC][600];   /* why a list could not be read */
	int loaded;
	struct cjob_follow jobs;       /* the jobs this screen started */
	int head[CSNAP_NSEC], shown[CSNAP_NSEC];   /* where the tables went (body rows) */
};

static struct snap_screen *S(void *st)
{
	return st;
}

static struct console_list *snap_list(void *st)
{
	return &S(st)->list;
}

static struct panel *section(struct snap_screen *s, int sec)
{
	return sec == CSNAP_SEC_SNAPS ? &s->list.panel : sec == CSNAP_SEC_SCHEDS ? &s->scheds
	       : &s->baks;
}

static int is_current(const struct console *c)
{
	return console_screens[c->cur] == &console_screen_snapshots;
}

static const struct cvm *find_vm(const struct console *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->vms.n; i++)
		if (!strcmp(c->vms.vms[i].vm.name, name))
			return &c->vms.vms[i].vm;
	return NULL;
}

static const char *vm_state(const struct console *c, const char *name)
{
	const struct cvm *vm = find_vm(c, name);

	return vm ? vm->state : "unknown";
}

/* --- the model ----------------------------------------------------------------- */

static void clear_rows(struct snap_screen *s)
{
	panel_clear(&s->list.panel);
	panel_clear(&s->scheds);
	panel_clear(&s->baks);
	s->nwarn = 0;
	s->current[0] = '\0';
	s->loaded = 0;
}

/* One list op for the VM: 0 and its result, or the error kept for its
 * table. */
static int read_one(struct console *c, struct snap_screen *s, int sec, json_t **res)
{
	struct api_error e = { "", "" };

	*res = NULL;
	if (console_call(c, list_op[sec], json_pack("{s:s}", "vm", s->vm), res, NULL, &e) < 0) {
		if (!strcmp(e.code, PROTO_E_UNKNOWN_OP))
			snprintf(s->error[sec], sizeof(s->error[sec]), "This croftd has no %ss: it "
				 "answered %s with unknown_op.", section_what[sec], list_op[sec]);
		else
			snprintf(s->error[sec], sizeof(s->error[sec]), "%s: %s", list_op[sec],
				 e.message[0] ? e.message : "no answer");
		panel_clear(section(s, sec));
		return -1;
	}
	s->error[sec][0] = '\0';
	return 0;
}

static void reread(struct console *c, struct snap_screen *s)
{
	long long now = (long long)time(NULL);
	struct csnap_list l;
	json_t *res;
	size_t n, i;

	if (!s->vm[0])
		return;
	if (read_one(c, s, CSNAP_SEC_SNAPS, &res) == 0) {
		int first = !s->list.panel.loaded;

		csnap_parse_list(res, now, &l);
		snprintf(s->current, sizeof(s->current), "%s", l.current);
		for (i = 0; i < l.nwarn; i++)
			snprintf(s->warnings[i], sizeof(s->warnings[i]), "%s", l.warnings[i]);
		s->nwarn = l.nwarn;
		panel_set_rows(&s->list.panel, l.rows, l.n);
		/* a VM's tree opens on where it is now */
		if (first && s->current[0])
			panel_select(&s->list.panel, s->current);
		json_decref(res);
	}
	if (!c->api)
		return;
	if (read_one(c, s, CSNAP_SEC_SCHEDS, &res) == 0) {
		struct csched *rows = csched_parse_list(jget_arr(res, "schedules"), now, &n);

		panel_set_rows(&s->scheds, rows, n);
		json_decref(res);
	}
	if (!c->api)
		return;
	if (read_one(c, s, CSNAP_SEC_BACKUPS, &res) == 0) {
		struct cbackup *rows = cbackup_parse_list(jget_arr(res, "backups"), s->vm, now, &n);

		panel_set_rows(&s->baks, rows, n);
		json_decref(res);
	}
	s->loaded = 1;
	c->dirty = 1;
}

/* The VM to show: the one chosen, while it exists; else the VMs screen's
 * selection; else the first. */
static void pick_vm(struct console *c, struct snap_screen *s)
{
	const char *sel;

	if (s->vm[0] && (find_vm(c, s->vm) || !c->vms.sampled_ms))
		return;
	sel = console_vms_selected(c);
	if (!sel && c->vms.n)
		sel = c->vms.vms[0].vm.name;
	if (!sel)
		return;
	if (strcmp(s->vm, sel))
		clear_rows(s);
	snprintf(s->vm, sizeof(s->vm), "%s", sel);
}

static void snap_tick(struct console *c, void *st)
{
	struct snap_screen *s = st;

	if (!c->api) {
		clear_rows(s);
		return;
	}
	if (!is_current(c))
		return;
	pick_vm(c, s);
	reread(c, s);
}

static void show_vm(struct console *c, struct snap_screen *s, const char *vm)
{
	if (strcmp(s->vm, vm)) {
		clear_rows(s);
		snprintf(s->vm, sizeof(s->vm), "%s", vm);
	}
	if (c->api)
		reread(c, s);
	c->dirty = 1;
}

void console_snap_open(struct console *c, const char *vm)
{
	size_t i;

	for (i = 0; i < console_nscreens; i++) {
		if (console_screens[i] != &console_screen_snapshots)
			continue;
		console_set_screen(c, i);
		show_vm(c, c->state[i], vm);
	}
}

static void snap_event(struct console *c, void *st, const json_t *ev)
{
	struct snap_screen *s = st;

	if (cjob_follow_event(&s->jobs, jget_str(ev, "event", ""), jget_obj(ev, "data")))
		c->dirty = 1;
}

/* What a job is about, from the op that started it and its args. */
static void job_what(const struct console_done *d, char *buf, size_t len)
{
	const char *vm = jget_str(d->args, "vm", "?"), *name = jget_str(d->args, "name", "?");
	long long id = jget_int(d->args, "id", 0);

	if (!strcmp(d->op, "snap.create"))
		snprintf(buf, len, "Snapshot %s of %s", name, vm);
	else if (!strcmp(d->op, "snap.revert"))
		snprintf(buf, len, "Revert of %s to %s", vm, name);
	else if (!strcmp(d->op, "snap.delete"))
		snprintf(buf, len, "Delete of snapshot %s", name);
	else if (!strcmp(d->op, "backup.create"))
		snprintf(buf, len, "Backup of %s to %s", vm, jget_str(d->args, "to", "?"));
	else if (!strcmp(d->op, "backup.verify"))
		snprintf(buf, len, "Verify of backup %lld", id);
	else if (!strcmp(d->op, "backup.restore"))
		snprintf(buf, len, "Restore of backup %lld as %s", id, jget_str(d->args, "as", "?"));
	else
		snprintf(buf, len, "%s", d->op);
}

static void snap_done(struct console *c, void *st, const struct console_done *d)
{
	struct snap_screen *s = st;

	if (strncmp(d->op, "snap.", 5) && strncmp(d->op, "schedule.", 9) &&
	    strncmp(d->op, "backup.", 7))
		return;
	if (d->rc < 0 && c->form && schedform_is(c->form))
		schedform_refused(c->form, d->err->message);
	if (d->rc == 0) {
		char what[160];

		job_what(d, what, sizeof(what));
		cjob_follow_add(&s->jobs, d->result, what);
	}
	if (d->rc == 0 && !strcmp(d->op, "snap.create"))
		panel_select(&s->list.panel, jget_str(d->args, "name", ""));
	if (d->rc == 0 && !strcmp(d->op, "schedule.add")) {
		char key[24];

		snprintf(key, sizeof(key), "%lld", (long long)jget_int(d->result, "schedule.id", 0));
		panel_select(&s->scheds, key);
	}
}

/* --- keys ------------------------------------------------------------------------ */

static int snap_nav(struct console *c, void *st, enum console_nav how)
{
	struct snap_screen *s = st;
	struct panel *p = section(s, s->focus);

	(void)c;
	switch (how) {
	case CNAV_UP: panel_move(p, -1); break;
	case CNAV_DOWN: panel_move(p, 1); break;
	case CNAV_PGUP: panel_page(p, -1); break;
	case CNAV_PGDN: panel_page(p, 1); break;
	case CNAV_HOME: panel_home(p); break;
	case CNAV_END: panel_end(p); break;
	}
	return 1;
}

static int vm_or_say(struct console *c, struct snap_screen *s)
{
	if (!s->vm[0])
		console_status(c, CSTATUS_ERROR, "No VM to show%s", c->api
			       ? ": create one first (n on the VMs screen)" : ": not connected to croftd");
	return s->vm[0] != '\0';
}

/* The selected row of section sec, or NULL after saying why. */
static const void *row_or_say(struct console *c, struct snap_screen *s, int sec)
{
	const void *row;

	if (!vm_or_say(c, s))
		return NULL;
	if (s->focus != sec) {
		console_status(c, CSTATUS_ERROR, "That acts on a %s: Left/Right move the cursor "
			       "into the %ss", section_what[sec], section_what[sec]);
		return NULL;
	}
	row = panel_selected(section(s, sec));
	if (!row)
		console_status(c, CSTATUS_ERROR, "%s has no %ss%s", s->vm, section_what[sec],
			       sec == CSNAP_SEC_SNAPS ? "; n takes one" : "; n makes one");
	return row;
}

static void k_next_section(struct console *c, void *st)
{
	(void)c;
	S(st)->focus = (S(st)->focus + 1) % CSNAP_NSEC;
}

static void k_prev_section(struct console *c, void *st)
{
	(void)c;
	S(st)->focus = (S(st)->focus + CSNAP_NSEC - 1) % CSNAP_NSEC;
}

static void step_vm(struct console *c, struct snap_screen *s, int dir)
{
	size_t i, n = c->vms.n;

	if (!n) {
		vm_or_say(c, s);
		return;
	}
	for (i = 0; i < n && strcmp(c->vms.vms[i].vm.name, s->vm); i++)
		;
	i = i == n ? 0 : (i + n + (size_t)(dir > 0 ? 1 : n - 1)) % n;
	show_vm(c, s, c->vms.vms[i].vm.name);
}

static void k_prev_vm(struct console *c, void *st)
{
	step_vm(c, st, -1);
}

static void k_next_vm(struct console *c, void *st)
{
	step_vm(c, st, 1);
}

/* The images pools, for the backup and schedule forms; 0 when none. */
static size_t read_pools(struct console *c, char names[][64], const char **ptrs)
{
	struct api_error e = { "", "" };
	json_t *res = NULL, *o;
	size_t n = 0, i;

	if (console_call(c, "pool.list", NULL, &res, NULL, &e) < 0) {
		console_status(c, CSTATUS_ERROR, "pool.list failed: %s", e.message);
		return 0;
	}
	json_array_foreach(jget_arr(res, "pools"), i, o) {
		if (n == MAX_POOLS || !strcmp(jget_str(o, "content", "images"), "iso"))
			continue;
		snprintf(names[n], 64, "%s", jget_str(o, "name", "?"));
		ptrs[n] = names[n];
		n++;
	}
	json_decref(res);
	return n;
}

static void estimate(struct console *c, const char *vm, int ram, struct csnap_estimate *out)
{
	struct api_error e = { "", "" };
	json_t *res = NULL;

	if (console_call(c, "snap.estimate", json_pack("{s:s,s:b}", "vm", vm, "ram", ram), &res,
			 NULL, &e) < 0) {
		memset(out, 0, sizeof(*out));
		snprintf(out->error, sizeof(out->error), "%.200s", !strcmp(e.code, PROTO_E_UNKNOWN_OP)
			 ? "this croftd has no snap.estimate" : e.message);
		return;
	}
	csnap_estimate_parse(out, res);
	json_decref(res);
}

static void new_snapshot(struct console *c, struct snap_screen *s)
{
	int running = !strcmp(vm_state(c, s->vm), "running");
	struct csnap_estimate disk, ram;

	estimate(c, s->vm, 0, &disk);
	memset(&ram, 0, sizeof(ram));
	if (running && c->api)
		estimate(c, s->vm, 1, &ram);
	console_form_open(c, snapform_create(s->vm, running, &disk, &ram), CHANGE_TIMEOUT_MS,
			  snapform_describe);
}

static void new_backup(struct console *c, struct snap_screen *s)
{
	char names[MAX_POOLS][64];
	const char *ptrs[MAX_POOLS];
	size_t n = read_pools(c, names, ptrs);

	if (!n)
		return;
	console_form_open(c, backupform_create(s->vm, ptrs, n), CHANGE_TIMEOUT_MS,
			  snapform_describe);
}

static void k_new(struct console *c, void *st)
{
	struct snap_screen *s = st;
	char names[MAX_POOLS][64];
	const char *ptrs[MAX_POOLS];
	size_t n;

	if (!vm_or_say(c, s))
		return;
	if (s->focus == CSNAP_SEC_SNAPS) {
		new_snapshot(c, s);
	} else if (s->focus == CSNAP_SEC_BACKUPS) {
		new_backup(c, s);
	} else {
		n = read_pools(c, names, ptrs);
		console_form_open(c, schedform_new(s->vm, ptrs, n), CHANGE_TIMEOUT_MS,
				  snapform_describe);
	}
}

static void k_backup(struct console *c, void *st)
{
	if (vm_or_say(c, st))
		new_backup(c, st);
}

static void k_edit(struct console *c, void *st)
{
	struct snap_screen *s = st;
	const struct csched *sc = row_or_say(c, s, CSNAP_SEC_SCHEDS);
	char names[MAX_POOLS][64];
	const char *ptrs[MAX_POOLS];
	size_t n;

	if (!sc)
		return;
	n = read_pools(c, names, ptrs);
	console_form_open(c, schedform_edit(sc, ptrs, n), CHANGE_TIMEOUT_MS, snapform_describe);
}

static void confirm_revert(struct console *c, struct snap_screen *s, const struct csnap *sn)
{
	const char *state = vm_state(c, s->vm);
	char title[300], text[3][CSNAP_LINE_LEN], progress[300], done[300];
	const char *lines[3] = { text[0], text[1], text[2] };
	size_t n = csnap_revert_lines(s->vm, state, sn, text);
	json_t *args = json_pack("{s:s,s:s}", "vm", s->vm, "name", sn->name);
	struct console_choice ch;

	if (csnap_revert_needs_force(state, sn))
		json_object_set_new(args, "force", json_true());
	snprintf(title, sizeof(title), "Revert %s to snapshot %s?", s->vm, sn->name);
	snprintf(progress, sizeof(progress), "Reverting %s to %s", s->vm, sn->name);
	snprintf(done, sizeof(done), "Revert of %s to %s started (a job)", s->vm, sn->name);
	ch = (struct console_choice){ 'y', csnap_revert_needs_force(state, sn)
				      ? "revert: the guest restarts from its disks" : "revert",
				      "snap.revert", args, CHANGE_TIMEOUT_MS, progress, done };
	console_confirm(c, title, lines, n, &ch, 1);
}

static void restore(struct console *c, const struct cbackup *b)
{
	console_form_open(c, backupform_restore(b->id, b->vm), CHANGE_TIMEOUT_MS, snapform_describe);
}

static void k_revert(struct console *c, void *st)
{
	struct snap_screen *s = st;
	const void *row;

	if (s->focus == CSNAP_SEC_BACKUPS) {
		if ((row = row_or_say(c, s, CSNAP_SEC_BACKUPS)))
			restore(c, row);
		return;
	}
	if ((row = row_or_say(c, s, CSNAP_SEC_SNAPS)))
		confirm_revert(c, s, row);
}

static void k_run_now(struct console *c, void *st)
{
	const struct csched *sc = row_or_say(c, st, CSNAP_SEC_SCHEDS);
	char progress[160], done[160];

	if (!sc)
		return;
	snprintf(progress, sizeof(progress), "Running schedule %lld now", sc->id);
	snprintf(done, sizeof(done), "Schedule %lld started", sc->id);
	console_action_start(c, CACTION_PLAIN, "schedule.run-now", json_pack("{s:I}", "id",
			     (json_int_t)sc->id), CHANGE_TIMEOUT_MS, progress, done);
}

static void k_verify(struct console *c, void *st)
{
	const struct cbackup *b = row_or_say(c, st, CSNAP_SEC_BACKUPS);
	char progress[160], done[160];

	if (!b)
		return;
	snprintf(progress, sizeof(progress), "Verifying backup %lld", b->id);
	snprintf(done, sizeof(done), "Verify of backup %lld started (a job)", b->id);
	console_action_start(c, CACTION_PLAIN, "backup.verify", json_pack("{s:I}", "id",
			     (json_int_t)b->id), CHANGE_TIMEOUT_MS, progress, done);
}

static void k_delete(struct console *c, void *st)
{
	struct snap_screen *s = st;
	char title[300], text[3][CSNAP_LINE_LEN], progress[300], done[300];
	const char *lines[3] = { text[0], text[1], text[2] };
	const void *row = row_or_say(c, s, s->focus);
	struct console_choice ch = { 'y', "delete", NULL, NULL, CHANGE_TIMEOUT_MS, progress, done };
	size_t n;

	if (!row)
		return;
	if (s->focus == CSNAP_SEC_SNAPS) {
		const struct csnap *sn = row;

		n = csnap_delete_lines(s->vm, sn, text);
		snprintf(title, sizeof(title), "Delete snapshot %s of %s?", sn->name, s->vm);
		snprintf(progress, sizeof(progress), "Deleting snapshot %s", sn->name);
		snprintf(done, sizeof(done), "Delete of snapshot %s started (a job)", sn->name);
		ch.label = "delete the snapshot";
		ch.op = "snap.delete";
		ch.args = json_pack("{s:s,s:s}", "vm", s->vm, "name", sn->name);
	} else if (s->focus == CSNAP_SEC_SCHEDS) {
		const struct csched *sc = row;

		n = csched_delete_lines(sc, text);
		snprintf(title, sizeof(title), "Remove schedule %lld?", sc->id);
		snprintf(progress, sizeof(progress), "Removing schedule %lld", sc->id);
		snprintf(done, sizeof(done), "Removed schedule %lld", sc->id);
		ch.label = "remove the schedule";
		ch.op = "schedule.remove";
		ch.args = json_pack("{s:I}", "id", (json_int_t)sc->id);
	} else {
		const struct cbackup *b = row;

		n = cbackup_delete_lines(b, text);
		snprintf(title, sizeof(title), "Delete backup %lld of %s?", b->id, b->vm);
		snprintf(progress, sizeof(progress), "Deleting backup %lld", b->id);
		snprintf(done, sizeof(done), "Deleted backup %lld", b->id);
		ch.label = "delete the backup";
		ch.op = "backup.delete";
		ch.args = json_pack("{s:I}", "id", (json_int_t)b->id);
	}
	console_confirm(c, title, lines, n, &ch, 1);
}

/* snap.info of the selected snapshot, in full. */
static void k_info(struct console *c, void *st)
{
	struct snap_screen *s = st;
	const struct csnap *sn = row_or_say(c, s, CSNAP_SEC_SNAPS);
	struct api_error e = { "", "" };
	json_t *res = NULL, *d;
	char title[300], *text, *dump;
	size_t i;

	if (!sn)
		return;
	if (console_call(c, "snap.info", json_pack("{s:s,s:s}", "vm", s->vm, "name", sn->name),
			 &res, NULL, &e) < 0) {
		console_status(c, CSTATUS_ERROR, "snap.info failed: %s", e.message);
		return;
	}
	text = xasprintf("Snapshot %s of %s\nmethod: %s\ndescription: %s\n\ndisks:",
			 sn->name, s->vm, jget_str(res, "method", "-"),
			 jget_str(res, "description", "-"));
	json_array_foreach(jget_arr(res, "disks"), i, d) {
		char size[24], *more;

		csnap_ms(-1, size, sizeof(size));
		if (jget_int(d, "size", -1) >= 0)
			size_format((uint64_t)jget_int(d, "size", 0), size, sizeof(size));
		more = xasprintf("%s\n  %s  %s  %s", text, jget_str(d, "device", "?"),
				 jget_str(d, "volume", "?"), size);
		free(text);
		text = more;
	}
	dump = json_dumps(res, JSON_INDENT(2) | JSON_SORT_KEYS);
	snprintf(title, sizeof(title), "Snapshot %s", sn->name);
	if (dump) {
		char *all = xasprintf("%s\n\nsnap.info:\n%s", text, dump);

		free(text);
		text = all;
		free(dump);
	}
	console_text(c, title, text, 0);
	free(text);
	json_decref(res);
}

static const struct console_key snap_keys[] = {
	CONSOLE_NAV_KEYS("select the previous row of the table the cursor is in",
			 "select the next row", "first row", "last row"),
	{ { KEY_RIGHT, 'l' }, NULL, "move the cursor to the next table: snapshots, schedules, "
	  "backups", k_next_section },
	{ { KEY_LEFT, 'h' }, NULL, "move the cursor to the previous table", k_prev_section },
	{ { '[' }, NULL, "show the previous VM's snapshots", k_prev_vm },
	{ { ']' }, NULL, "show the next VM's snapshots", k_next_vm },
	{ { '\n', '\r', KEY_ENTER }, NULL, "the selected snapshot in full (snap.info: its disks)",
	  k_info },
	{ { 'n', KEY_F(2) }, "New", "in the tree take a snapshot (a form: name, with RAM or not, "
	  "description, the guest's pause estimated); in the schedules add one; in the backups "
	  "back up the VM", k_new },
	{ { 'e', KEY_F(4) }, "Edit", "edit the selected schedule (calendar, RAM, backup pool, "
	  "keep rules)", k_edit },
	{ { 'r', KEY_F(5) }, "Revert", "in the tree revert the VM to the selected snapshot (asks "
	  "first, saying what is lost); in the backups restore the selected one as a new VM",
	  k_revert },
	{ { 'R', KEY_F(6) }, "RunNow", "run the selected schedule now", k_run_now },
	{ { 'v', KEY_F(7) }, "Verify", "verify the selected backup (a job)", k_verify },
	{ { 'b' }, NULL, "back up the VM to another pool (a pool picker)", k_backup },
	{ { 'x', KEY_DC, KEY_F(8) }, "Delete", "delete the selected snapshot (its children stay), "
	  "schedule or backup (asks first)", k_delete },
	{ { 0 }, NULL, NULL, NULL },
};

/* --- drawing ------------------------------------------------------------------------ */

static attr_t snap_cell_attr(const struct console *c, const struct ctable_col *col,
			     const void *row)
{
	const struct csnap *sn = row;

	if (!strcmp(col->title, "SNAPSHOT") && sn->current)
		return c->th.title;
	return !strcmp(col->title, "DESCRIPTION") ? c->th.dim : c->th.normal;
}

static attr_t sched_cell_attr(const struct console *c, const struct ctable_col *col,
			      const void *row)
{
	const struct csched *sc = row;

	if (!strcmp(col->title, "LAST RESULT") && sc->last_result[0] &&
	    strncmp(sc->last_result, "ok", 2) && strncmp(sc->last_result, "taken", 5))
		return c->th.warn;
	return c->th.normal;
}

/* One line about the selected row of the focused table. */
static void detail_line(struct console *c, struct snap_screen *s, char *buf, size_t len)
{
	const void *row = panel_selected(section(s, s->focus));
	char a[64], b[64], d[64];

	buf[0] = '\0';
	if (!row)
		return;
	if (s->focus == CSNAP_SEC_SNAPS) {
		const struct csnap *sn = row;

		snprintf(buf, len, "%s: %s, pause %s%s%s, %lld child%s%s%s", sn->name,
			 sn->ram ? "with RAM" : "disks only", csnap_ms(sn->pause_ms, a, sizeof(a)),
			 sn->method[0] ? " by " : "", sn->method, sn->nchildren,
			 sn->nchildren == 1 ? "" : "ren", sn->description[0] ? ": " : "",
			 sn->description);
	} else if (s->focus == CSNAP_SEC_SCHEDS) {
		const struct csched *sc = row;

		snprintf(buf, len, "Schedule %lld (%s%s%s%s): next %s %s; keep %s; last: %s", sc->id,
			 sc->at, sc->ram ? ", with RAM" : "", sc->backup_to[0] ? ", backups to " : "",
			 sc->backup_to, csnap_when(sc->next_run, sc->now, a, sizeof(a)),
			 csnap_until(sc->next_run, sc->now, b, sizeof(b)),
			 csched_keeps(sc, d, sizeof(d)), sc->last_result[0] ? sc->last_result : "never ran");
	} else {
		const struct cbackup *bk = row;

		snprintf(buf, len, "Backup %lld of %s: %lld disk%s in pool %s, verified: %s%s%s", bk->id,
			 bk->vm, bk->ndisks, bk->ndisks == 1 ? "" : "s", bk->pool,
			 bk->verified < 0 ? "never" : csnap_when(bk->verified, bk->now, a, sizeof(a)),
			 bk->verify_result[0] ? " " : "", bk->verify_result);
	}
	(void)c;
}

/* A table at row y with rows data rows; returns the row after it. */
static int draw_table(struct console *c, struct snap_screen *s, int sec, WINDOW *w, int top,
		      int y, int rows, int width)
{
	static const struct {
		const struct ctable_col *cols;
		const size_t *n;
		console_cell_attr_fn attr;
	} t[CSNAP_NSEC] = {
		{ csnap_cols, &csnap_ncols, snap_cell_attr },
		{ csched_cols, &csched_ncols, sched_cell_attr },
		{ cbackup_cols, &cbackup_ncols, NULL },
	};
	struct panel *p = section(s, sec);
	char none[200];

	s->head[sec] = y - top;
	s->shown[sec] = rows;
	panel_set_height(p, (size_t)(rows > 0 ? rows : 1));
	/* the focused table's titles end with "<" */
	console_panel_draw(c, w, y, width - 2, p, t[sec].cols, *t[sec].n, t[sec].attr,
			   s->focus == sec);
	if (s->focus == sec)
		console_put(w, y, width - 1, 1, c->th.title, "<");
	if (s->error[sec][0]) {
		console_put(w, y + 1, 2, width - 2, c->th.error, s->error[sec]);
	} else if (!panel_count(p) && rows > 0) {
		snprintf(none, sizeof(none), "No %ss%s", section_what[sec],
			 sec == CSNAP_SEC_SNAPS ? ". n takes one (with RAM or not)."
			 : s->focus == sec ? ". n makes one." : ".");
		console_put(w, y + 1, 2, width - 2, c->th.dim, none);
	}
	return y + 1 + rows;
}

static void snap_draw(struct console *c, void *st, WINDOW *w, int top, int height, int width)
{
	struct snap_screen *s = st;
	size_t counts[CSNAP_NSEC], i;
	int rows[CSNAP_NSEC], njobs = (int)(s->jobs.n < SHOWN_JOBS ? s->jobs.n : SHOWN_JOBS);
	int nwarn = (int)(s->nwarn < SHOWN_WARN ? s->nwarn : SHOWN_WARN), y = top, sec;
	char line[700];

	if (!s->vm[0]) {
		console_put(w, top + 1, 2, width - 2, c->th.dim, c->api
			    ? "No VM yet: create one on the VMs screen (1, then n)."
			    : "Not connected to croftd.");
		return;
	}
	snprintf(line, sizeof(line), "VM %s (%s)%s%s", s->vm, vm_state(c, s->vm),
		 s->current[0] ? ", now at snapshot " : "", s->current);
	console_put(w, y, 0, width, c->th.title, line);
	if ((int)strlen(line) + 30 < width)
		console_put(w, y, width - 28, 28, c->th.dim, "[ ] VM  Left/Right: table");
	y++;
	if (!s->loaded && !s->error[0][0]) {
		console_put(w, y + 1, 2, width - 2, c->th.dim, "Reading the snapshots...");
		return;
	}
	for (i = 0; i < (size_t)nwarn; i++, y++)
		console_put(w, y, 1, width - 1, c->th.warn, s->warnings[i]);
	for (sec = 0; sec < CSNAP_NSEC; sec++)
		counts[sec] = s->error[sec][0] ? 1 : panel_count(section(s, sec));
	csnap_layout(height - (y - top) - CSNAP_NSEC - 1 - njobs, counts, s->focus, rows);
	for (sec = 0; sec < CSNAP_NSEC; sec++)
		y = draw_table(c, s, sec, w, top, y, rows[sec], width);
	detail_line(c, s, line, sizeof(line));
	console_put(w, top + height - 1 - njobs, 0, width, c->th.dim, line);
	console_follow_draw(c, w, top + height - njobs, top + height, width, &s->jobs, SHOWN_JOBS);
}

/* A click in a table selects the row under it and moves the cursor there. */
static int snap_key(struct console *c, void *st, int ch)
{
	struct snap_screen *s = st;
	int y = c->mev.y - CONSOLE_HEADER_ROWS, sec;

	if (ch != KEY_MOUSE)
		return 0;
	for (sec = 0; sec < CSNAP_NSEC; sec++) {
		if (y <= s->head[sec] || y > s->head[sec] + s->shown[sec])
			continue;
		if (panel_click(section(s, sec), y - s->head[sec] - 1) == 0)
			s->focus = sec;
		return 1;
	}
	return 1;
}

/* --- the screen ---------------------------------------------------------------------- */

static void *snap_init(struct console *c)
{
	struct snap_screen *s = xcalloc(1, sizeof(*s));

	console_list_init(&s->list, &csnap_panel_ops, "snapshots", console_body_rows(c));
	panel_init(&s->scheds, &csched_panel_ops);
	panel_init(&s->baks, &cbackup_panel_ops);
	return s;
}

static void snap_fini(void *st)
{
	struct snap_screen *s = st;

	console_list_free(&s->list);
	panel_free(&s->scheds);
	panel_free(&s->baks);
	free(s);
}

const struct console_screen console_screen_snapshots = {
	.name = "Snaps",
	.hotkey = '7',
	.keys = snap_keys,
	.list = snap_list,
	.nav = snap_nav,
	.init = snap_init,
	.fini = snap_fini,
	.draw = snap_draw,
	.key = snap_key,
	.event = snap_event,
	.tick = snap_tick,
	.done = snap_done,
};
