/*
 * The Snapshots screen's forms (console_snap.h) as field tables on the
 * form engine (tui/form.h): a new snapshot, a schedule (new or edited), a
 * backup and a restore.  Names are judged by croftd's rule
 * (common/validate.h); a calendar is croftd's to read (core/calendar.c is
 * not the console's), so its refusal comes back from croftd and is shown
 * under the field it names (schedform_refused) until that field changes.
 */
#include "tui/console_snap.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define KEEP_MAX 1000000           /* croftd's PRUNE_KEEP_MAX */

static const char *const no_yes[] = { "no", "yes", NULL };

/* --- a new snapshot ---------------------------------------------------------------- */

struct snap_ctx {
	int running;
	struct csnap_estimate disk, ram;
};

static int check_snap_name(struct form *f, size_t id, char *msg, size_t len)
{
	return name_check("snapshot", form_text(f, id), msg, len);
}

/* RAM only from a running guest. */
static int snap_ram_ok(const struct form *f, size_t k)
{
	const struct snap_ctx *x = form_ctx(f);

	return k == 0 || x->running;
}

static const char *snap_ram_label(const struct form *f, size_t k, char *buf, size_t len)
{
	const struct snap_ctx *x = form_ctx(f);
	char words[200];

	if (k == 1 && !x->running)
		snprintf(buf, len, "yes (a stopped VM has no RAM to save)");
	else
		snprintf(buf, len, "%s: %s", k ? "yes" : "no",
			 csnap_estimate_words(k ? &x->ram : &x->disk, (int)k, words, sizeof(words)));
	return buf;
}

static const char *const w_snap_name[] = { "snapshot name", "snapshot", "name", NULL };
static const char *const w_ram[] = { "RAM", "ram", "stopped", NULL };
static const char *const w_desc[] = { "description", NULL };

static const struct form_field snap_fields[] = {
	[CF_SNAP_NAME] = { .label = "Name", .key = "name", .kind = FORM_TEXT,
			   .flags = FORM_REQUIRED, .what = "snapshot name",
			   .placeholder = "e.g. before-upgrade", .check = check_snap_name,
			   .words = w_snap_name },
	[CF_SNAP_RAM] = { .label = "With RAM", .kind = FORM_CHOICE, .choices = no_yes,
			  .choice_label = snap_ram_label, .choice_ok = snap_ram_ok, .words = w_ram },
	[CF_SNAP_DESC] = { .label = "Description", .key = "description", .kind = FORM_TEXT,
			   .what = "description", .placeholder = "optional: why you took it",
			   .words = w_desc },
};

static json_t *snap_args(const struct form *f)
{
	json_t *a = json_pack("{s:s,s:s,s:b}", "vm", form_subject(f), "name",
			      form_text(f, CF_SNAP_NAME), "ram", form_chosen(f, CF_SNAP_RAM) == 1);

	if (*form_text(f, CF_SNAP_DESC))
		json_object_set_new(a, "description", json_string(form_text(f, CF_SNAP_DESC)));
	return a;
}

/* title, note, op, Enter's verb, subject key, fields, args, ctx */
static const struct form_spec snap_spec = {
	"New snapshot of %s", NULL, "snap.create", "take it", NULL, snap_fields,
	NFIELDS(snap_fields), snap_args, free,
};

struct form *snapform_create(const char *vm, int running, const struct csnap_estimate *disk,
			     const struct csnap_estimate *ram)
{
	struct snap_ctx *x = xcalloc(1, sizeof(*x));
	struct form *f = form_new(&snap_spec, vm);
	char note[400];

	x->running = running;
	if (disk)
		x->disk = *disk;
	if (ram)
		x->ram = *ram;
	form_set_ctx(f, x);
	if (!running)
		snprintf(note, sizeof(note), "The VM is stopped: its disks are snapshotted as they are");
	else
		csnap_estimate_note(&x->disk, &x->ram, note, sizeof(note));
	/* a RAM snapshot that stops the guest for the whole write is worth a warning */
	form_set_note(f, note, running && x->ram.known && !strcmp(x->ram.method, "stopped"));
	form_ready(f);
	return f;
}

/* --- schedules ------------------------------------------------------------------------ */

struct sched_ctx {
	long long id;                  /* 0: a new one */
	char vm[CSNAP_NAME_LEN];
	long refused;                  /* the field croftd's refusal named, or -1 */
	char refused_text[FORM_TEXT_MAX];
	char refused_msg[FORM_MSG_MAX];
};

/* croftd's refusal, while the field it named keeps the text it had. */
static int check_refused(struct form *f, size_t id, char *msg, size_t len)
{
	const struct sched_ctx *x = form_ctx(f);

	if (x && x->refused == (long)id && !strcmp(form_text(f, id), x->refused_text)) {
		snprintf(msg, len, "%s", x->refused_msg);
		return -EINVAL;
	}
	return 0;
}

static const char *calendar_hint(const struct form *f)
{
	(void)f;
	return "daily, hourly, mon..fri 02:00, *:0/15";
}

static const char *const w_at[] = { "calendar", "'at'", "at:", NULL };
static const char *const w_backup[] = { "backup_to", "backup-to", "pool", NULL };
static const char *const w_keep_last[] = { "keep_last", "keep-last", NULL };
static const char *const w_keep_hourly[] = { "keep_hourly", "keep-hourly", NULL };
static const char *const w_keep_daily[] = { "keep_daily", "keep-daily", NULL };
static const char *const w_keep_weekly[] = { "keep_weekly", "keep-weekly", NULL };
static const char *const w_keep_monthly[] = { "keep_monthly", "keep-monthly", NULL };
static const char *const w_keep_yearly[] = { "keep_yearly", "keep-yearly", NULL };

#define KEEP_FIELD(lbl, k, w) \
	{ .label = lbl, .key = k, .kind = FORM_NUMBER, .flags = FORM_REQUIRED, .what = k, \
	  .lo = 0, .hi = KEEP_MAX, .check = check_refused, .words = w }

static const struct form_field sched_fields[] = {
	[CF_SCHED_AT] = { .label = "Calendar", .key = "at", .kind = FORM_TEXT,
			  .flags = FORM_REQUIRED, .what = "calendar", .hint = calendar_hint,
			  .check = check_refused, .words = w_at },
	[CF_SCHED_RAM] = { .label = "With RAM", .kind = FORM_CHOICE, .choices = no_yes,
			   .words = w_ram },
	[CF_SCHED_BACKUP] = { .label = "Backup to", .kind = FORM_CHOICE, .words = w_backup },
	[CF_SCHED_KEEP + CKEEP_LAST] = KEEP_FIELD("Keep last", "keep_last", w_keep_last),
	[CF_SCHED_KEEP + CKEEP_HOURLY] = KEEP_FIELD("Keep hourly", "keep_hourly", w_keep_hourly),
	[CF_SCHED_KEEP + CKEEP_DAILY] = KEEP_FIELD("Keep daily", "keep_daily", w_keep_daily),
	[CF_SCHED_KEEP + CKEEP_WEEKLY] = KEEP_FIELD("Keep weekly", "keep_weekly", w_keep_weekly),
	[CF_SCHED_KEEP + CKEEP_MONTHLY] = KEEP_FIELD("Keep monthly", "keep_monthly",
						     w_keep_monthly),
	[CF_SCHED_KEEP + CKEEP_YEARLY] = KEEP_FIELD("Keep yearly", "keep_yearly", w_keep_yearly),
};

static json_t *sched_args(const struct form *f)
{
	const struct sched_ctx *x = form_ctx(f);
	size_t pool = form_chosen(f, CF_SCHED_BACKUP), k;
	json_t *a = json_object();

	if (x->id)
		json_object_set_new(a, "id", json_integer(x->id));
	else
		json_object_set_new(a, "vm", json_string(x->vm));
	json_object_set_new(a, "at", json_string(form_text(f, CF_SCHED_AT)));
	json_object_set_new(a, "ram", json_boolean(form_chosen(f, CF_SCHED_RAM) == 1));
	if (pool > 0)
		json_object_set_new(a, "backup_to", json_string(form_choice(f, CF_SCHED_BACKUP, pool)));
	else if (x->id)
		json_object_set_new(a, "backup_to", json_null());
	for (k = 0; k < CSNAP_NKEEP; k++)
		json_object_set_new(a, csched_keep_keys[k],
				    json_integer(form_number(f, CF_SCHED_KEEP + k)));
	return a;
}

static const struct form_spec sched_new_spec = {
	"New schedule for %s", "Keep rules prune only this schedule's snapshots; all 0 keeps "
	"every one", "schedule.add", "add", NULL, sched_fields,
	NFIELDS(sched_fields), sched_args, free,
};
static const struct form_spec sched_edit_spec = {
	"Schedule %s", "The keep rules apply from its next run; its snapshots so far stay",
	"schedule.set", "save", NULL, sched_fields, NFIELDS(sched_fields), sched_args,
	free,
};

static struct form *sched_form(const struct form_spec *spec, const char *subject,
			       struct sched_ctx *x, const char *const *pools, size_t npools)
{
	struct form *f = form_new(spec, subject);
	const char **choices = xcalloc(npools + 1, sizeof(*choices));
	size_t i;

	choices[0] = "none";
	for (i = 0; i < npools; i++)
		choices[i + 1] = pools[i];
	x->refused = -1;
	form_set_ctx(f, x);
	form_set_choices(f, CF_SCHED_BACKUP, choices, npools + 1);
	free(choices);
	return f;
}

struct form *schedform_new(const char *vm, const char *const *pools, size_t npools)
{
	struct sched_ctx *x = xcalloc(1, sizeof(*x));
	struct form *f;
	size_t k;

	snprintf(x->vm, sizeof(x->vm), "%s", vm);
	f = sched_form(&sched_new_spec, vm, x, pools, npools);
	form_set_text(f, CF_SCHED_AT, "daily");
	for (k = 0; k < CSNAP_NKEEP; k++)
		form_set_text(f, CF_SCHED_KEEP + k, k == CKEEP_DAILY ? "7" : "0");
	form_ready(f);
	return f;
}

struct form *schedform_edit(const struct csched *s, const char *const *pools, size_t npools)
{
	struct sched_ctx *x = xcalloc(1, sizeof(*x));
	const char **all = xcalloc(npools + 1, sizeof(*all));
	char subject[64], num[24];
	struct form *f;
	size_t k, n = 0;
	int listed = !s->backup_to[0];

	for (k = 0; k < npools; k++) {
		all[n++] = pools[k];
		listed |= !strcmp(pools[k], s->backup_to);
	}
	/* a pool the list lacks stays a choice */
	if (!listed)
		all[n++] = s->backup_to;
	x->id = s->id;
	snprintf(x->vm, sizeof(x->vm), "%s", s->vm);
	snprintf(subject, sizeof(subject), "%lld", s->id);
	f = sched_form(&sched_edit_spec, subject, x, all, n);
	free(all);
	form_set_text(f, CF_SCHED_AT, s->at);
	form_set_choice(f, CF_SCHED_RAM, s->ram ? 1 : 0);
	if (s->backup_to[0])
		form_choose(f, CF_SCHED_BACKUP, s->backup_to);
	for (k = 0; k < CSNAP_NKEEP; k++) {
		snprintf(num, sizeof(num), "%lld", s->keep[k] > 0 ? s->keep[k] : 0);
		form_set_text(f, CF_SCHED_KEEP + k, num);
	}
	form_ready(f);
	return f;
}

int schedform_is(const struct form *f)
{
	return f && (form_spec(f) == &sched_new_spec || form_spec(f) == &sched_edit_spec);
}

void schedform_refused(struct form *f, const char *message)
{
	struct sched_ctx *x;
	const char *col;
	long id;
	size_t n;

	if (!schedform_is(f) || !message)
		return;
	x = form_ctx(f);
	id = form_field_of_message(f, message);
	if (id < 0 || !form_active(f, (size_t)id) || form_kind(f, (size_t)id) == FORM_CHOICE)
		return;
	x->refused = id;
	snprintf(x->refused_text, sizeof(x->refused_text), "%s", form_text(f, (size_t)id));
	snprintf(x->refused_msg, sizeof(x->refused_msg), "%s", message);
	/* the message moves under its field; the focus goes there */
	form_ready(f);
	form_set_error(f, NULL);
	for (n = 0; n < form_nfields(f) && form_focus(f) != (size_t)id; n++)
		form_key(f, '\t');
	/* "calendar event '...': ... (column 6: 'fxi')": the cursor goes there */
	col = strstr(message, "(column ");
	if (id == CF_SCHED_AT && col && (n = strtoul(col + 8, NULL, 10)) > 0) {
		form_key(f, KEY_HOME);
		while (--n > 0 && form_cursor(f, (size_t)id) < strlen(form_text(f, (size_t)id)))
			form_key(f, KEY_RIGHT);
	}
}

/* --- backups ----------------------------------------------------------------------------- */

static const char *const w_to[] = { "pool", "own pool", NULL };
static const char *const w_as[] = { "VM name", "a VM named", "name", NULL };

static const struct form_field backup_fields[] = {
	[CF_BAK_POOL] = { .label = "To pool", .key = "to", .kind = FORM_CHOICE, .words = w_to },
};

static int check_vm_name(struct form *f, size_t id, char *msg, size_t len)
{
	return name_check("VM", form_text(f, id), msg, len);
}

static const struct form_field restore_fields[] = {
	[CF_RESTORE_AS] = { .label = "As new VM", .key = "as", .kind = FORM_TEXT,
			    .flags = FORM_REQUIRED, .what = "VM name", .check = check_vm_name,
			    .words = w_as },
};

static json_t *backup_args(const struct form *f)
{
	return json_pack("{s:s,s:s}", "vm", form_subject(f), "to",
			 form_choice(f, CF_BAK_POOL, form_chosen(f, CF_BAK_POOL)));
}

static json_t *restore_args(const struct form *f)
{
	const long long *id = form_ctx(f);

	return json_pack("{s:I,s:s}", "id", (json_int_t)*id, "as", form_text(f, CF_RESTORE_AS));
}

static const struct form_spec backup_spec = {
	"Back up %s", "All disks at one instant and the VM's config, while it runs; a job",
	"backup.create", "back up", NULL, backup_fields, NFIELDS(backup_fields), backup_args, NULL,
};
static const struct form_spec restore_spec = {
	"Restore backup %s", "A new VM from the backup: its disks and config; the original stays",
	"backup.restore", "restore", NULL, restore_fields, NFIELDS(restore_fields), restore_args,
	free,
};

struct form *backupform_create(const char *vm, const char *const *pools, size_t npools)
{
	struct form *f = form_new(&backup_spec, vm);

	form_set_choices(f, CF_BAK_POOL, pools, npools);
	form_ready(f);
	return f;
}

struct form *backupform_restore(long long id, const char *vm)
{
	long long *x = xcalloc(1, sizeof(*x));
	char subject[200], name[CSNAP_NAME_LEN + 16];
	struct form *f;

	*x = id;
	snprintf(subject, sizeof(subject), "%lld of %s", id, vm);
	f = form_new(&restore_spec, subject);
	form_set_ctx(f, x);
	snprintf(name, sizeof(name), "%.*s-restored", 48, vm);
	form_set_text(f, CF_RESTORE_AS, name);
	form_ready(f);
	return f;
}

/* --- the status line ----------------------------------------------------------------------- */

void snapform_describe(const json_t *args, char *progress, char *done, size_t len)
{
	const char *vm = jget_str(args, "vm", "?");

	if (jget(args, "at")) {
		snprintf(progress, len, "Saving schedule %s", jget_str(args, "at", "?"));
		snprintf(done, len, "Saved schedule %s", jget_str(args, "at", "?"));
	} else if (jget(args, "to")) {
		snprintf(progress, len, "Backing up %s to %s", vm, jget_str(args, "to", "?"));
		snprintf(done, len, "Backup of %s to %s started (a job)", vm, jget_str(args, "to", "?"));
	} else if (jget(args, "as")) {
		snprintf(progress, len, "Restoring backup %lld as %s", (long long)jget_int(args, "id", 0),
			 jget_str(args, "as", "?"));
		snprintf(done, len, "Restore of backup %lld as %s started (a job)",
			 (long long)jget_int(args, "id", 0), jget_str(args, "as", "?"));
	} else {
		snprintf(progress, len, "Taking snapshot %s of %s", jget_str(args, "name", "?"), vm);
		snprintf(done, len, "Snapshot %s of %s started (a job)", jget_str(args, "name", "?"), vm);
	}
}
