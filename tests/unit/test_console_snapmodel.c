/*
 * Tests for the Snapshots screen's models (tui/console_snap.h), on the
 * JSON shapes of the issue 11 contract: snap.list placed in its tree
 * (branches, chains kept at one indentation, the current position, a
 * parent that is gone, a loop of parents, chain warnings), the tables'
 * cells (times, pauses, flags, next run, keep rules, verification),
 * schedules and backups parsed (backups of other VMs left out), the
 * screen's layout of its three tables, what a revert and a delete say is
 * lost (and when a revert needs force), the pause estimate in words, and
 * the forms: a snapshot (RAM only from a running VM, each choice with its
 * estimate), a schedule new and edited (croftd's refusal of a calendar
 * under the calendar field until it changes), a backup and a restore.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"

#include "tests/unit/testlib_tui.h"
#include "tui/console_snap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOW 1764780000LL         /* 2025-12-03 16:40:00 UTC */

static char cell[256];

static const char *cell_of(const struct ctable_col *cols, size_t ncols, const char *title,
			   const void *row)
{
	size_t i;

	for (i = 0; i < ncols; i++)
		if (!strcmp(cols[i].title, title))
			return ctable_cell(&cols[i], row, cell, sizeof(cell));
	fail_msg("no column %s", title);
	return NULL;
}

#define SNAP(t, r) cell_of(csnap_cols, csnap_ncols, t, r)
#define SCHED(t, r) cell_of(csched_cols, csched_ncols, t, r)
#define BAK(t, r) cell_of(cbackup_cols, cbackup_ncols, t, r)

static const char *LIST =
	"{\"vm\":\"web\",\"current\":\"c\",\"warnings\":[\"chain of web's disk0 is 12 deep\"],"
	" \"snapshots\":["
	"  {\"name\":\"base\",\"parent\":null,\"children\":[\"a\",\"b\"],\"created\":1764770000,"
	"   \"ram\":false,\"description\":\"fresh install\",\"size\":1048576,\"pause_ms\":2.4,"
	"   \"method\":\"transaction\",\"protected\":true,\"schedule\":null,\"current\":false},"
	"  {\"name\":\"b\",\"parent\":\"base\",\"children\":[\"c\"],\"created\":1764772500,"
	"   \"ram\":true,\"description\":\"\",\"size\":268435456,\"pause_ms\":35,"
	"   \"method\":\"background-snapshot\",\"protected\":false,\"schedule\":3,\"current\":false},"
	"  {\"name\":\"a\",\"parent\":\"base\",\"children\":[\"a2\"],\"created\":1764772000,"
	"   \"ram\":false,\"size\":0,\"pause_ms\":null,\"method\":\"stopped\"},"
	"  {\"name\":\"a2\",\"parent\":\"a\",\"children\":[],\"created\":1764773000},"
	"  {\"name\":\"c\",\"parent\":\"b\",\"children\":[],\"created\":1764774000,\"ram\":false,"
	"   \"pause_ms\":1500,\"current\":true},"
	"  {\"name\":\"orphan\",\"parent\":\"gone\",\"created\":1764700000},"
	"  {\"name\":\"loop1\",\"parent\":\"loop2\",\"created\":1764775000},"
	"  {\"name\":\"loop2\",\"parent\":\"loop1\",\"created\":1764776000},"
	"  {\"parent\":\"base\"}, 7]}";

static void parse(struct csnap_list *l, const char *text)
{
	json_t *j = tl_json(text);

	csnap_parse_list(j, NOW, l);
	json_decref(j);
}

static void test_tree(void **state)
{
	static const char *const want[] = {
		"orphan", "base", "|- a", "|  a2", "`- b", "   c *", "loop1", "loop2",
	};
	struct csnap_list l;
	size_t i;

	(void)state;
	parse(&l, LIST);
	assert_int_equal(l.n, 8);
	assert_string_equal(l.current, "c");
	assert_int_equal(l.nwarn, 1);
	assert_string_equal(l.warnings[0], "chain of web's disk0 is 12 deep");
	for (i = 0; i < l.n; i++) {
		assert_int_equal(l.rows[i].order, i);
		assert_string_equal(SNAP("SNAPSHOT", &l.rows[i]), want[i]);
	}
	assert_int_equal(l.rows[1].depth, 0);
	assert_int_equal(l.rows[3].depth, 2);
	assert_true(l.rows[5].current);
	assert_false(l.rows[1].current);
	assert_int_equal(l.rows[1].nchildren, 2);
	assert_string_equal(l.rows[1].children, "a, b");
	csnap_list_free(&l);
}

/* A long chain stays at one indentation; a deep branch is cut from the
 * left with "..". */
static void test_tree_deep(void **state)
{
	json_t *res = json_pack("{s:[]}", "snapshots"), *arr = json_object_get(res, "snapshots");
	struct csnap_list l;
	char name[16], parent[16];
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "s%02d", i);
		snprintf(parent, sizeof(parent), "s%02d", i - 1);
		json_array_append_new(arr, json_pack("{s:s,s:s?,s:I}", "name", name, "parent",
						     i ? parent : NULL, "created", (json_int_t)i));
		/* every snapshot but the last has a second child too */
		if (i < 19) {
			snprintf(name, sizeof(name), "x%02d", i);
			snprintf(parent, sizeof(parent), "s%02d", i);
			json_array_append_new(arr, json_pack("{s:s,s:s,s:I}", "name", name,
							     "parent", parent, "created",
							     (json_int_t)100 + i));
		}
	}
	csnap_parse_list(res, NOW, &l);
	json_decref(res);
	assert_int_equal(l.n, 39);
	assert_string_equal(SNAP("SNAPSHOT", &l.rows[0]), "s00");
	assert_string_equal(SNAP("SNAPSHOT", &l.rows[1]), "|- s01");
	/* x18 is 19 branches deep: cut */
	assert_string_equal(l.rows[20].name, "x18");
	assert_int_equal(strlen(l.rows[20].tree), CSNAP_TREE_LEN);
	assert_memory_equal(l.rows[20].tree, "..", 2);
	assert_string_equal(l.rows[20].tree + CSNAP_TREE_LEN - 6, "|  `- ");
	assert_string_equal(SNAP("SNAPSHOT", &l.rows[38]), "`- x00");
	csnap_list_free(&l);

	/* a chain of only children: no indentation at all */
	res = json_pack("{s:[{s:s},{s:s,s:s},{s:s,s:s}]}", "snapshots", "name", "one", "name",
			"two", "parent", "one", "name", "three", "parent", "two");
	csnap_parse_list(res, NOW, &l);
	json_decref(res);
	assert_string_equal(SNAP("SNAPSHOT", &l.rows[2]), "three");
	assert_string_equal(l.current, "");
	csnap_list_free(&l);
}

static void test_snap_cells(void **state)
{
	struct csnap_list l;

	(void)state;
	parse(&l, LIST);
	/* base: 13:53 today */
	assert_string_equal(SNAP("CREATED", &l.rows[1]), "13:53");
	assert_string_equal(SNAP("RAM", &l.rows[1]), "-");
	assert_string_equal(SNAP("SIZE", &l.rows[1]), "1M");
	assert_string_equal(SNAP("PAUSE", &l.rows[1]), "2 ms");
	assert_string_equal(SNAP("FLAGS", &l.rows[1]), "prot");
	assert_string_equal(SNAP("DESCRIPTION", &l.rows[1]), "fresh install");
	/* b: RAM, made by schedule 3 */
	assert_string_equal(SNAP("RAM", &l.rows[4]), "RAM");
	assert_string_equal(SNAP("FLAGS", &l.rows[4]), "sched 3");
	assert_string_equal(SNAP("PAUSE", &l.rows[4]), "35 ms");
	/* a: no pause measured; c: 1.5 s */
	assert_string_equal(SNAP("PAUSE", &l.rows[2]), "-");
	assert_string_equal(SNAP("PAUSE", &l.rows[5]), "1.5 s");
	assert_string_equal(SNAP("DESCRIPTION", &l.rows[2]), "-");
	/* orphan: yesterday */
	assert_string_equal(SNAP("CREATED", &l.rows[0]), "12-02 18:26");
	csnap_list_free(&l);
	assert_string_equal(csnap_when(NOW - 400 * 86400LL, NOW, cell, sizeof(cell)), "2024-10-29");
	assert_string_equal(csnap_when(-1, NOW, cell, sizeof(cell)), "-");
	assert_string_equal(csnap_until(NOW + 30, NOW, cell, sizeof(cell)), "in 30s");
	assert_string_equal(csnap_until(NOW + 61, NOW, cell, sizeof(cell)), "in 2m");
	assert_string_equal(csnap_until(NOW + 3 * 3600 + 300, NOW, cell, sizeof(cell)), "in 3h05m");
	assert_string_equal(csnap_until(NOW + 3 * 86400, NOW, cell, sizeof(cell)), "in 3d");
	assert_string_equal(csnap_until(NOW - 5, NOW, cell, sizeof(cell)), "due");
}

static const char *SCHEDS =
	"[{\"id\":3,\"vm\":\"web\",\"all\":false,\"tag\":null,\"at\":\"mon..fri 02:00\",\"ram\":true,"
	"  \"backup_to\":\"backup\",\"keep_last\":2,\"keep_hourly\":0,\"keep_daily\":7,"
	"  \"keep_weekly\":4,\"keep_monthly\":0,\"keep_yearly\":0,\"next_run\":1764813600,"
	"  \"last_run\":1764727200,\"last_result\":\"ok: took web-auto-1\"},"
	" {\"id\":1,\"vm\":null,\"all\":true,\"at\":\"*:0/15\",\"ram\":false,\"backup_to\":null,"
	"  \"next_run\":1764780300,\"last_run\":null,\"last_result\":null},"
	" {\"id\":2,\"vm\":null,\"all\":false,\"tag\":\"db\",\"at\":\"daily\",\"next_run\":null,"
	"  \"last_result\":\"failed: pool default is 96% full\"},"
	" {\"vm\":\"no-id\"}]";

static void test_schedules(void **state)
{
	json_t *j = tl_json(SCHEDS);
	struct csched *s;
	size_t n;

	(void)state;
	s = csched_parse_list(j, NOW, &n);
	json_decref(j);
	assert_int_equal(n, 3);
	assert_int_equal(s[0].id, 3);
	assert_int_equal(s[0].keep[CKEEP_DAILY], 7);
	assert_string_equal(SCHED("CALENDAR", &s[0]), "mon..fri 02:00");
	assert_string_equal(SCHED("NEXT RUN", &s[0]), "in 9h20m (12-04 02:00)");
	assert_string_equal(SCHED("LAST RESULT", &s[0]), "02:00 ok: took web-auto-1");
	assert_string_equal(SCHED("KEEP", &s[0]), "last 2, daily 7, weekly 4");
	assert_string_equal(SCHED("RAM", &s[0]), "RAM");
	assert_string_equal(SCHED("BACKUP TO", &s[0]), "backup");
	assert_string_equal(SCHED("FOR", &s[0]), "web");
	assert_string_equal(SCHED("FOR", &s[1]), "all VMs");
	assert_string_equal(SCHED("NEXT RUN", &s[1]), "in 5m (16:45)");
	assert_string_equal(SCHED("LAST RESULT", &s[1]), "never ran");
	assert_string_equal(SCHED("KEEP", &s[1]), "all");
	assert_string_equal(SCHED("BACKUP TO", &s[1]), "-");
	assert_string_equal(SCHED("FOR", &s[2]), "tag db");
	assert_string_equal(SCHED("NEXT RUN", &s[2]), "-");
	assert_string_equal(SCHED("LAST RESULT", &s[2]), "- failed: pool default is 96% full");
	free(s);
}

static const char *BACKUPS =
	"[{\"id\":5,\"vm\":\"web\",\"pool\":\"backup\",\"created\":1764777000,\"size\":5368709120,"
	"  \"disks\":[{\"device\":\"disk0\"},{\"device\":\"disk1\"}],\"verified\":1764778000,"
	"  \"verify_result\":\"ok\",\"schedule\":null},"
	" {\"id\":6,\"vm\":\"db\",\"pool\":\"backup\",\"created\":1764777100},"
	" {\"id\":7,\"vm\":\"web\",\"pool\":\"slow\",\"created\":1764779000,\"size\":null,"
	"  \"disks\":[],\"verified\":null,\"verify_result\":null,\"schedule\":3}]";

static void test_backups(void **state)
{
	json_t *j = tl_json(BACKUPS);
	struct cbackup *b;
	struct panel p;
	size_t n;

	(void)state;
	b = cbackup_parse_list(j, "web", NOW, &n);
	assert_int_equal(n, 2);
	assert_string_equal(BAK("BACKUP", &b[0]), "5");
	assert_string_equal(BAK("CREATED", &b[0]), "15:50");
	assert_string_equal(BAK("SIZE", &b[0]), "5G");
	assert_string_equal(BAK("DISKS", &b[0]), "2");
	assert_string_equal(BAK("VERIFIED", &b[0]), "16:06 ok");
	assert_string_equal(BAK("FLAGS", &b[0]), "-");
	assert_string_equal(BAK("SIZE", &b[1]), "-");
	assert_string_equal(BAK("VERIFIED", &b[1]), "never");
	assert_string_equal(BAK("FLAGS", &b[1]), "sched 3");
	/* newest first in the table */
	panel_init(&p, &cbackup_panel_ops);
	panel_set_rows(&p, b, n);
	assert_int_equal(((const struct cbackup *)panel_row(&p, 0))->id, 7);
	panel_free(&p);
	b = cbackup_parse_list(j, NULL, NOW, &n);
	assert_int_equal(n, 3);
	free(b);
	json_decref(j);
}

static void test_layout(void **state)
{
	size_t counts[CSNAP_NSEC] = { 10, 2, 3 };
	int rows[CSNAP_NSEC];

	(void)state;
	/* 80x24: the tree focused takes what it needs, the others one row */
	csnap_layout(11, counts, CSNAP_SEC_SNAPS, rows);
	assert_int_equal(rows[0], 9);
	assert_int_equal(rows[1], 1);
	assert_int_equal(rows[2], 1);
	/* the backups focused: theirs first, then the tree */
	csnap_layout(11, counts, CSNAP_SEC_BACKUPS, rows);
	assert_int_equal(rows[2], 3);
	assert_int_equal(rows[0], 7);
	assert_int_equal(rows[1], 1);
	/* room for everything */
	csnap_layout(40, counts, CSNAP_SEC_SCHEDS, rows);
	assert_int_equal(rows[0], 10);
	assert_int_equal(rows[1], 2);
	assert_int_equal(rows[2], 3);
	/* empty tables keep one row (for "No snapshots") */
	counts[0] = counts[1] = counts[2] = 0;
	csnap_layout(5, counts, CSNAP_SEC_SNAPS, rows);
	assert_int_equal(rows[0] + rows[1] + rows[2], 3);
	/* too small a terminal: what fits */
	counts[0] = 5;
	csnap_layout(2, counts, CSNAP_SEC_SNAPS, rows);
	assert_int_equal(rows[0], 1);
	assert_int_equal(rows[1], 1);
	assert_int_equal(rows[2], 0);
}

static void test_revert_and_delete_lines(void **state)
{
	char out[3][CSNAP_LINE_LEN];
	struct csnap_list l;
	const struct csnap *base, *b, *c;
	size_t n;

	(void)state;
	parse(&l, LIST);
	base = &l.rows[1];
	b = &l.rows[4];
	c = &l.rows[5];
	/* running, no RAM: force, and the guest's unsaved work is lost */
	assert_true(csnap_revert_needs_force("running", c));
	n = csnap_revert_lines("web", "running", c, out);
	assert_int_equal(n, 3);
	assert_non_null(strstr(out[0], "Snapshot c (15:00) has no RAM"));
	assert_non_null(strstr(out[0], "restarts from the disks' state of 15:00"));
	assert_non_null(strstr(out[1], "unsaved work"));
	assert_non_null(strstr(out[1], "lost"));
	/* running, with RAM: resumes where it was */
	assert_false(csnap_revert_needs_force("running", b));
	n = csnap_revert_lines("web", "running", b, out);
	assert_int_equal(n, 2);
	assert_non_null(strstr(out[0], "runs on exactly where it was then"));
	/* stopped: no force, the disks go back */
	assert_false(csnap_revert_needs_force("stopped", c));
	n = csnap_revert_lines("web", "stopped", c, out);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "VM web's disks go back to snapshot c (15:00).");
	/* delete: which one, the children stay under its parent */
	n = csnap_delete_lines("web", b, out);
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "Snapshot b of VM web (14:35, 256M on disk, with RAM) is "
			    "deleted; this cannot be undone.");
	assert_string_equal(out[1], "Its child c stays, with their contents, under base.");
	assert_string_equal(out[2], "The VM's disks as they are now are not touched.");
	n = csnap_delete_lines("web", base, out);
	assert_string_equal(out[1], "Its children a, b stay, with their contents, under the top "
			    "of the tree.");
	n = csnap_delete_lines("web", c, out);
	assert_string_equal(out[1], "It has no children; the other snapshots stay.");
	assert_non_null(strstr(out[2], "current position"));
	csnap_list_free(&l);
}

static void test_other_delete_lines(void **state)
{
	json_t *j = tl_json(SCHEDS), *k = tl_json(BACKUPS);
	char out[3][CSNAP_LINE_LEN];
	struct csched *s;
	struct cbackup *b;
	size_t n;

	(void)state;
	s = csched_parse_list(j, NOW, &n);
	assert_int_equal(csched_delete_lines(&s[0], out), 2);
	assert_string_equal(out[0], "Schedule 3 (mon..fri 02:00, for web) stops: no more "
			    "snapshots or backups and no more pruning by it.");
	assert_non_null(strstr(out[1], "The snapshots it made stay"));
	b = cbackup_parse_list(k, NULL, NOW, &n);
	assert_int_equal(cbackup_delete_lines(&b[0], out), 2);
	assert_string_equal(out[0], "Backup 5 of VM web (15:50, 5G in pool backup) is deleted; "
			    "this cannot be undone.");
	free(s);
	free(b);
	json_decref(j);
	json_decref(k);
}

static void estimate(struct csnap_estimate *e, const char *text)
{
	json_t *j = tl_json(text);

	csnap_estimate_parse(e, j);
	json_decref(j);
}

static void test_estimate(void **state)
{
	struct csnap_estimate disk, ram, stopped, none;
	char buf[200];

	(void)state;
	estimate(&disk, "{\"method\":\"transaction\",\"pause_ms\":2,\"ram_bytes\":0}");
	estimate(&ram, "{\"method\":\"background-snapshot\",\"pause_ms\":35.2,"
		 "\"ram_bytes\":1073741824}");
	estimate(&stopped, "{\"method\":\"stopped\",\"pause_ms\":4200,\"ram_bytes\":1073741824}");
	estimate(&none, "{\"method\":\"stopped\"}");
	assert_true(disk.known);
	assert_false(none.known);
	assert_string_equal(csnap_estimate_words(&disk, 0, buf, sizeof(buf)),
			    "disks only, pause ~2 ms");
	assert_string_equal(csnap_estimate_words(&ram, 1, buf, sizeof(buf)),
			    "with 1G of RAM, pause ~35 ms");
	assert_string_equal(csnap_estimate_words(&stopped, 1, buf, sizeof(buf)),
			    "with 1G of RAM, the guest stops ~4.2 s");
	assert_string_equal(csnap_estimate_words(&none, 1, buf, sizeof(buf)),
			    "with RAM, pause unknown");
}

static void test_snapshot_form(void **state)
{
	struct csnap_estimate disk, ram;
	struct form *f;
	char buf[200];
	int warn;

	(void)state;
	estimate(&disk, "{\"method\":\"transaction\",\"pause_ms\":2,\"ram_bytes\":0}");
	estimate(&ram, "{\"method\":\"stopped\",\"pause_ms\":4200,\"ram_bytes\":1073741824}");
	f = snapform_create("web", 1, &disk, &ram);
	assert_string_equal(form_title(f), "New snapshot of web");
	assert_string_equal(form_note(f, &warn), "Guest pause ~2 ms without RAM; with RAM it stops "
			    "~4.2 s (whole write)");
	assert_true(strlen(form_note(f, &warn)) <= 72);
	assert_true(warn);
	assert_string_equal(form_choice_label(f, CF_SNAP_RAM, 0, buf, sizeof(buf)),
			    "no: disks only, pause ~2 ms");
	assert_string_equal(form_choice_label(f, CF_SNAP_RAM, 1, buf, sizeof(buf)),
			    "yes: with 1G of RAM, the guest stops ~4.2 s");
	assert_true(form_choice_ok(f, CF_SNAP_RAM, 1));
	/* the name by croftd's rule; required */
	assert_null(form_args(f));
	tl_form_retype(f, CF_SNAP_NAME, "bad name");
	tl_form_expect_msg(f, CF_SNAP_NAME, "snapshot");
	tl_form_retype(f, CF_SNAP_NAME, "pre-upgrade");
	tl_form_expect_args(f, "{\"vm\":\"web\",\"name\":\"pre-upgrade\",\"ram\":false}");
	tl_form_focus(f, CF_SNAP_RAM);
	assert_int_equal(form_key(f, ' '), FORM_CONTINUE);
	tl_form_retype(f, CF_SNAP_DESC, "before apt upgrade");
	tl_form_expect_args(f, "{\"vm\":\"web\",\"name\":\"pre-upgrade\",\"ram\":true,"
			    "\"description\":\"before apt upgrade\"}");
	form_free(f);
	estimate(&ram, "{\"method\":\"background-snapshot\",\"pause_ms\":35.2,"
		 "\"ram_bytes\":1073741824}");
	f = snapform_create("web", 1, &disk, &ram);
	assert_string_equal(form_note(f, &warn), "Guest pause ~2 ms without RAM; ~35 ms with RAM "
			    "(saved as it runs)");
	assert_false(warn);
	form_free(f);

	/* a stopped VM: no RAM to offer */
	f = snapform_create("db", 0, &disk, NULL);
	assert_false(form_choice_ok(f, CF_SNAP_RAM, 1));
	assert_non_null(strstr(form_note(f, &warn), "The VM is stopped"));
	assert_false(warn);
	tl_form_retype(f, CF_SNAP_NAME, "cold");
	tl_form_focus(f, CF_SNAP_RAM);
	form_key(f, ' ');
	tl_form_expect_args(f, "{\"vm\":\"db\",\"name\":\"cold\",\"ram\":false}");
	form_free(f);

	/* no estimate: the note says why */
	memset(&disk, 0, sizeof(disk));
	snprintf(disk.error, sizeof(disk.error), "this croftd has no snap.estimate");
	f = snapform_create("web", 1, &disk, &disk);
	assert_string_equal(form_note(f, &warn), "No pause estimate: this croftd has no snap.estimate");
	form_free(f);
}

static void test_schedule_forms(void **state)
{
	const char *pools[] = { "default", "backup" };
	json_t *j = tl_json(SCHEDS);
	struct csched *s;
	struct form *f;
	json_t *a;
	size_t n;

	(void)state;
	f = schedform_new("web", pools, 2);
	assert_true(schedform_is(f));
	assert_string_equal(form_title(f), "New schedule for web");
	assert_int_equal(form_op(f)[9], 'a');
	tl_form_expect_args(f, "{\"vm\":\"web\",\"at\":\"daily\",\"ram\":false,\"keep_last\":0,"
			    "\"keep_hourly\":0,\"keep_daily\":7,\"keep_weekly\":0,"
			    "\"keep_monthly\":0,\"keep_yearly\":0}");
	/* negative keeps cannot be typed in */
	tl_form_retype(f, CF_SCHED_KEEP + CKEEP_LAST, "-1");
	tl_form_expect_msg(f, CF_SCHED_KEEP + CKEEP_LAST, "needs a number");
	tl_form_retype(f, CF_SCHED_KEEP + CKEEP_LAST, "2");
	tl_form_retype(f, CF_SCHED_AT, "mon..fxi 02:00");
	tl_form_focus(f, CF_SCHED_BACKUP);
	form_key(f, ' ');
	form_key(f, ' ');
	a = form_args(f);
	assert_string_equal(json_string_value(json_object_get(a, "backup_to")), "backup");
	assert_string_equal(json_string_value(json_object_get(a, "at")), "mon..fxi 02:00");
	json_decref(a);
	/* croftd cannot read the calendar: its words under the calendar,
	 * the focus there, no resubmit until it changes */
	schedform_refused(f, "calendar event 'mon..fxi 02:00': unknown weekday (column 6: 'fxi')");
	assert_int_equal(form_focus(f), CF_SCHED_AT);
	tl_form_expect_msg(f, CF_SCHED_AT, "unknown weekday (column 6: 'fxi')");
	/* the cursor on the part croftd could not read */
	assert_int_equal(form_cursor(f, CF_SCHED_AT), 5);
	assert_null(form_server_error(f) && *form_server_error(f) ? form_server_error(f) : NULL);
	assert_null(form_args(f));
	tl_form_retype(f, CF_SCHED_AT, "mon..fri 02:00");
	assert_null(form_message(f, CF_SCHED_AT));
	a = form_args(f);
	assert_non_null(a);
	json_decref(a);
	/* a refusal about a keep field lands there */
	schedform_refused(f, "keep-daily 7 is more than 5");
	assert_int_equal(form_focus(f), CF_SCHED_KEEP + CKEEP_DAILY);
	tl_form_expect_msg(f, CF_SCHED_KEEP + CKEEP_DAILY, "is more than 5");
	/* one about nothing in the form stays croftd's refusal */
	schedform_refused(f, "VM web is busy");
	form_free(f);

	/* the editor: what the schedule has; a pool the list lacks kept */
	s = csched_parse_list(j, NOW, &n);
	json_decref(j);
	f = schedform_edit(&s[0], pools, 1);
	assert_false(schedform_is(NULL));
	assert_true(schedform_is(f));
	assert_string_equal(form_title(f), "Schedule 3");
	assert_string_equal(form_text(f, CF_SCHED_AT), "mon..fri 02:00");
	assert_string_equal(form_choice(f, CF_SCHED_BACKUP, form_chosen(f, CF_SCHED_BACKUP)),
			    "backup");
	tl_form_expect_args(f, "{\"id\":3,\"at\":\"mon..fri 02:00\",\"ram\":true,"
			    "\"backup_to\":\"backup\",\"keep_last\":2,\"keep_hourly\":0,"
			    "\"keep_daily\":7,\"keep_weekly\":4,\"keep_monthly\":0,\"keep_yearly\":0}");
	/* backups off: sent as null */
	tl_form_focus(f, CF_SCHED_BACKUP);
	while (form_chosen(f, CF_SCHED_BACKUP) != 0)
		form_key(f, ' ');
	a = form_args(f);
	assert_true(json_is_null(json_object_get(a, "backup_to")));
	json_decref(a);
	form_free(f);
	free(s);
}

static void test_backup_forms(void **state)
{
	const char *pools[] = { "backup", "slow" };
	struct form *f;
	char progress[200], done[200];
	json_t *a;

	(void)state;
	f = backupform_create("web", pools, 2);
	assert_string_equal(form_title(f), "Back up web");
	tl_form_expect_args(f, "{\"vm\":\"web\",\"to\":\"backup\"}");
	form_key(f, ' ');
	tl_form_expect_args(f, "{\"vm\":\"web\",\"to\":\"slow\"}");
	a = form_args(f);
	snapform_describe(a, progress, done, sizeof(progress));
	assert_string_equal(progress, "Backing up web to slow");
	json_decref(a);
	form_free(f);

	f = backupform_restore(5, "web");
	assert_string_equal(form_title(f), "Restore backup 5 of web");
	tl_form_expect_args(f, "{\"id\":5,\"as\":\"web-restored\"}");
	tl_form_retype(f, CF_RESTORE_AS, "-bad");
	tl_form_expect_msg(f, CF_RESTORE_AS, "VM");
	tl_form_retype(f, CF_RESTORE_AS, "web2");
	a = form_args(f);
	snapform_describe(a, progress, done, sizeof(progress));
	assert_string_equal(done, "Restore of backup 5 as web2 started (a job)");
	json_decref(a);
	form_free(f);

	a = json_pack("{s:s,s:s,s:b}", "vm", "web", "name", "pre", "ram", 1);
	snapform_describe(a, progress, done, sizeof(progress));
	assert_string_equal(progress, "Taking snapshot pre of web");
	json_decref(a);
	a = json_pack("{s:I,s:s}", "id", (json_int_t)3, "at", "daily");
	snapform_describe(a, progress, done, sizeof(progress));
	assert_string_equal(done, "Saved schedule daily");
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_tree_deep),
		cmocka_unit_test(test_snap_cells),
		cmocka_unit_test(test_schedules),
		cmocka_unit_test(test_backups),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_revert_and_delete_lines),
		cmocka_unit_test(test_other_delete_lines),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_snapshot_form),
		cmocka_unit_test(test_schedule_forms),
		cmocka_unit_test(test_backup_forms),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
