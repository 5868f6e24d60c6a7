/*
 * The VMs screen: the VM table, a list panel (tui/panel.h) of the console's
 * VM model (console_model.h), and every action on the selected VM.
 * Actions that lose data (force stop, reset, delete) ask first, saying
 * exactly what will happen; the rest start at once.  Each runs as an
 * action (console_action.c): the status line shows its progress, then
 * croftd's answer, and the model is re-read afterwards.  New and Edit open
 * the VM form (tui/vmform.h); an edit reads the VM afresh with vm.info.
 *
 * The filter is typed on the body's last row: the list narrows as you type,
 * Enter keeps the filter, Esc clears it.
 */
#include "tui/console_screen.h"
#include "tui/console_vmdetail.h"
#include "tui/vmform.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define START_TIMEOUT_MS 90000        /* croftd gives QEMU 60 s */
#define SHUTDOWN_TIMEOUT_S 60
#define QUICK_TIMEOUT_MS 30000
#define FORM_TIMEOUT_MS 120000        /* vm.create may run qemu-img */
#define DELETE_LINES 24

struct vms_screen {
	struct console_list list;     /* struct cvm rows, from the console's model */
	struct cmon_detail *detail;   /* the VM detail view, when open */
	long long job;                /* the vm.create job the form started, or 0 */
	char job_vm[CVM_NAME_LEN];
};

static struct vms_screen *S(void *st)
{
	return st;
}

static struct console_list *vms_list(void *st)
{
	return &S(st)->list;
}

static struct panel *P(void *st)
{
	return &vms_list(st)->panel;
}

/* The rows from the model, which was re-read or changed. */
static void sync(struct console *c, void *st)
{
	if (c->vms.sampled_ms) {
		struct cvm *rows = cvm_model_rows(&c->vms);

		cvm_rows_monitor(rows, c->vms.n, &c->mon);
		cvm_rows_memory(rows, c->vms.n, c->memory);
		panel_set_rows(P(st), rows, c->vms.n);
	}
	else
		panel_clear(P(st));
}

static const struct cvm *selected_or_say(struct console *c, void *st)
{
	const struct cvm *vm = panel_selected(P(st));

	if (!vm)
		console_status(c, CSTATUS_ERROR, "No VM selected%s",
			       P(st)->n ? " (the filter hides them all; Esc clears it)"
					: "; press n or F2 to create one");
	return vm;
}

/* An action on the selected VM with no arguments but its name. */
static void act(struct console *c, void *st, const char *op, int timeout_ms, const char *verb_ing,
		const char *done_fmt)
{
	const struct cvm *vm = selected_or_say(c, st);
	char progress[128], done[128];

	if (!vm)
		return;
	snprintf(progress, sizeof(progress), "%s %s", verb_ing, vm->name);
	snprintf(done, sizeof(done), done_fmt, vm->name);
	console_action_start(c, CACTION_PLAIN, op, json_pack("{s:s}", "name", vm->name),
			     timeout_ms, progress, done);
}

static void k_console(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c, st);
	char name[CVM_NAME_LEN];

	if (!vm)
		return;
	snprintf(name, sizeof(name), "%s", vm->name);  /* the model changes meanwhile */
	console_serial_attach(c, name);
}

static void k_screen(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c, st);
	char name[CVM_NAME_LEN];

	if (!vm)
		return;
	snprintf(name, sizeof(name), "%s", vm->name);  /* the model changes meanwhile */
	console_screen_view(c, name);
}

/* The Snapshots screen on the selected VM. */
static void k_snapshots(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c, st);
	char name[CVM_NAME_LEN];

	if (!vm)
		return;
	snprintf(name, sizeof(name), "%s", vm->name);
	console_snap_open(c, name);
}

const char *console_vms_selected(const struct console *c)
{
	const struct cvm *vm;
	size_t i;

	for (i = 0; i < console_nscreens; i++) {
		if (console_screens[i] != &console_screen_vms)
			continue;
		vm = panel_selected(P(c->state[i]));
		return vm ? vm->name : NULL;
	}
	return NULL;
}

/* The detail view of the selected VM (console_vmdetail.h). */
static void k_detail(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c, st);

	if (!vm)
		return;
	if (!S(st)->detail)
		S(st)->detail = xcalloc(1, sizeof(*S(st)->detail));
	cmon_detail_open(S(st)->detail, vm->name);
	console_vmdetail_refresh(c, S(st)->detail);
}

/* Esc: out of the detail view, else clear the filter. */
static void k_escape(struct console *c, void *st)
{
	if (S(st)->detail) {
		free(S(st)->detail);
		S(st)->detail = NULL;
		return;
	}
	console_nav_unfilter(c, st);
}

/* t: the detail view's graphs over 1 h or 24 h. */
static void k_range(struct console *c, void *st)
{
	struct cmon_detail *d = S(st)->detail;

	if (!d) {
		console_status(c, CSTATUS_INFO, "t switches the graphs of a VM's details (Enter)");
		return;
	}
	d->day = !d->day;
	d->hist_ms = 0;
	console_vmdetail_refresh(c, d);
	console_status(c, CSTATUS_INFO, "Graphs over the last %s", d->day ? "24 hours" : "hour");
}

static void k_start(struct console *c, void *st)
{
	act(c, st, "vm.start", START_TIMEOUT_MS, "Starting", "Started %s");
}

static void k_shutdown(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c, st);
	char progress[160], done[128];

	if (!vm)
		return;
	snprintf(progress, sizeof(progress), "Shutting down %s (ACPI)", vm->name);
	snprintf(done, sizeof(done), "%s powered off", vm->name);
	console_action_start(c, CACTION_PLAIN, "vm.shutdown",
			     json_pack("{s:s,s:i}", "name", vm->name, "timeout_s", SHUTDOWN_TIMEOUT_S),
			     (SHUTDOWN_TIMEOUT_S + 30) * 1000, progress, done);
}

static void confirm_simple(struct console *c, const struct cvm *vm, const char *op,
			   const char *title, const char *what, const char *label,
			   const char *verb_ing, const char *done_fmt)
{
	char line0[160], progress[128], done[128];
	const char *lines[2] = { line0, what };
	struct console_choice ch = { 'y', label, op, json_pack("{s:s}", "name", vm->name),
				     QUICK_TIMEOUT_MS, progress, done };

	snprintf(line0, sizeof(line0), "%s is %s.", vm->name, vm->state);
	snprintf(progress, sizeof(progress), "%s %s", verb_ing, vm->name);
	snprintf(done, sizeof(done), done_fmt, vm->name);
	console_confirm(c, title, lines, 2, &ch, 1);
}

static void k_stop(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c, st);
	char title[128];

	if (!vm)
		return;
	snprintf(title, sizeof(title), "Force stop %s?", vm->name);
	confirm_simple(c, vm, "vm.stop", title,
		       "Like pulling the plug: the guest gets no warning; unsaved data is lost.",
		       "force stop", "Stopping", "Stopped %s");
}

static void k_reset(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c, st);
	char title[128];

	if (!vm)
		return;
	snprintf(title, sizeof(title), "Reset %s?", vm->name);
	confirm_simple(c, vm, "vm.reset", title,
		       "Like pressing the reset button: the guest reboots at once; unsaved data is lost.",
		       "reset", "Resetting", "Reset %s");
}

static void k_pause(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c, st);

	if (!vm)
		return;
	if (!strcmp(vm->state, "paused"))
		act(c, st, "vm.resume", QUICK_TIMEOUT_MS, "Resuming", "Resumed %s");
	else
		act(c, st, "vm.pause", QUICK_TIMEOUT_MS, "Pausing", "Paused %s");
}

static void k_delete(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c, st);
	const struct cvm_info *info = vm ? cvm_model_find(&c->vms, vm->name) : NULL;
	char *lines[DELETE_LINES], title[128], progress[128], done[128];
	struct console_choice ch[2];
	size_t n = 0, i, owned = 0;
	int live;

	if (!vm || !info)
		return;
	live = cvm_is_live(vm);
	snprintf(title, sizeof(title), "Delete VM %s?", vm->name);
	lines[n++] = xasprintf("This deletes VM '%s': its definition, settings and UEFI variables.",
			       vm->name);
	if (live)
		lines[n++] = xasprintf("%s is %s: it will be stopped first, like pulling the plug.",
				       vm->name, vm->state);
	for (i = 0; i < info->ndisks && n < DELETE_LINES - 3; i++) {
		char size[24];

		if (!info->disks[i].owned)
			continue;
		if (!owned++)
			lines[n++] = xasprintf("y also deletes its disk images:");
		lines[n++] = xasprintf("  %s (%s)", info->disks[i].path,
				       size_format(info->disks[i].size_bytes >> 20 << 20, size,
						   sizeof(size)));
	}
	for (i = 0; i < info->ndisks && n < DELETE_LINES - 1; i++)
		if (!info->disks[i].owned)
			lines[n++] = xasprintf("Kept, external (attached, not made for this VM): %s",
					       info->disks[i].path);
	if (!owned)
		lines[n++] = xasprintf("It has no disk images of its own.");
	snprintf(progress, sizeof(progress), "Deleting %s", vm->name);
	snprintf(done, sizeof(done), "Deleted %s", vm->name);
	ch[0] = (struct console_choice){ 'y', owned ? "delete VM and disk images" : "delete VM",
					 "vm.delete",
					 json_pack("{s:s,s:b}", "name", vm->name, "force", live),
					 QUICK_TIMEOUT_MS, progress, done };
	ch[1] = (struct console_choice){ 'k', "delete VM, keep disk images", "vm.delete",
					 json_pack("{s:s,s:b,s:b}", "name", vm->name, "force", live,
						   "keep_disks", 1),
					 QUICK_TIMEOUT_MS, progress, done };
	console_confirm(c, title, (const char *const *)lines, n, ch, owned ? 2 : 1);
	if (!owned)
		json_decref(ch[1].args);
	for (i = 0; i < n; i++)
		free(lines[i]);
}

static void describe(const char *verb, const json_t *args, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", verb, jget_str(args, "name", ""));
}

static void describe_create(const json_t *args, char *progress, char *done, size_t len)
{
	describe("Creating", args, progress, len);
	describe("Created", args, done, len);
}

static void describe_edit(const json_t *args, char *progress, char *done, size_t len)
{
	describe("Saving", args, progress, len);
	describe("Saved", args, done, len);
}

/* The form offers the networks croftd has now for the first NIC. */
static void k_new(struct console *c, void *st)
{
	struct api_error e = { "", "" };
	json_t *res = NULL, *n;
	const char *names[64];
	size_t count = 0, i;

	(void)st;
	console_pools_catalog(c);
	if (console_call(c, "net.list", NULL, &res, NULL, &e) == 0)
		json_array_foreach(jget_arr(res, "networks"), i, n)
			if (count < sizeof(names) / sizeof(names[0]) && jget_str(n, "name", NULL))
				names[count++] = jget_str(n, "name", NULL);
	console_form_open(c, vmform_new_create(names, count), FORM_TIMEOUT_MS, describe_create);
	json_decref(res);
}

/* The form starts from the VM as croftd has it now. */
static void k_edit(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c, st);
	struct api_error e = { "", "" };
	json_t *info = NULL;
	struct form *f;

	if (!vm)
		return;
	if (console_call(c, "vm.info", json_pack("{s:s}", "name", vm->name), &info, NULL, &e) < 0) {
		console_status(c, CSTATUS_ERROR, "cannot edit %s: %s", vm->name, e.message);
		return;
	}
	console_pools_catalog(c);
	f = vmform_new_edit(info);
	json_decref(info);
	if (f)
		console_form_open(c, f, FORM_TIMEOUT_MS, describe_edit);
	else
		console_status(c, CSTATUS_ERROR, "cannot edit this VM: croftd sent no usable VM object");
}

/* vm.display: the port, the one-time password and the ssh command, in a
 * dialog (the same as croft vm display). */
static void k_display(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c, st);
	struct api_error e = { "", "" };
	json_t *res = NULL;
	char title[128], *text;

	if (!vm)
		return;
	if (console_call(c, "vm.display", json_pack("{s:s}", "name", vm->name), &res, NULL,
			 &e) < 0) {
		console_status(c, CSTATUS_ERROR, "no screen for %s: %s", vm->name, e.message);
		return;
	}
	snprintf(title, sizeof(title), "The screen of %s", vm->name);
	text = xasprintf("VNC on %s, password: %s (for %lld minutes)\n\n"
			 "On your own computer run:\n\n  %s\n\n"
			 "then point a VNC viewer at %s and give it the password.\n"
			 "v again gives a new password; croft vm display %s --close ends it.",
			 jget_str(res, "address", "?"), jget_str(res, "password", "?"),
			 (jget_int(res, "expires", 0) - (long long)time(NULL) + 59) / 60,
			 jget_str(res, "ssh", "?"), jget_str(res, "viewer", "?"), vm->name);
	console_text(c, title, text, 0);
	free(text);
	json_decref(res);
}

static void k_sort(struct console *c, void *st)
{
	panel_next_sort(P(st));
	console_status(c, CSTATUS_INFO, "Sorted by %s", panel_sort_name(P(st)));
}

static const struct console_key vms_keys[] = {
	CONSOLE_NAV_KEYS("select the previous VM", "select the next VM", "first VM", "last VM"),
	{ { '\n', '\r', KEY_ENTER }, NULL,
	  "the VM's details: CPU ready per vCPU, memory, disks, NICs, graphs", k_detail },
	{ { 'c' }, NULL, "the VM's serial console, full screen (Ctrl-] returns)", k_console },
	{ { 't' }, NULL, "in a VM's details: graphs over the last hour or 24 hours", k_range },
	{ { 'n', KEY_F(2) }, "New", "create a VM (a form)", k_new },
	{ { '/', KEY_F(3) }, "Find", "filter by name or state: Enter keeps it, Esc clears it",
	  console_nav_filter },
	{ { 'e', KEY_F(4) }, "Edit", "edit the selected VM (a form)", k_edit },
	{ { 's', KEY_F(5) }, "Start", "start the selected VM", k_start },
	{ { 'h', KEY_F(6) }, "Shutdown", "ACPI shutdown: like pressing the power button", k_shutdown },
	{ { 'f', KEY_F(7) }, "Stop", "force stop, like pulling the plug (asks first)", k_stop },
	{ { 'x', KEY_DC, KEY_F(8) }, "Del",
	  "delete the selected VM, and its disk images if you say so (asks first)", k_delete },
	{ { 'p', KEY_F(9) }, "Pause", "pause, or resume a paused VM", k_pause },
	{ { 'r' }, NULL, "reset, like pressing the reset button (asks first)", k_reset },
	{ { 'v' }, NULL, "the VM's screen for a VNC viewer over SSH: port, one-time password, "
	  "the ssh command (a dialog)", k_display },
	{ { 'V' }, NULL, "the VM's screen as text when it is in a text mode (BIOS, boot menus, "
	  "text installers); keys go to the guest, Ctrl-] returns", k_screen },
	{ { 'S' }, NULL, "the selected VM's snapshots, schedules and backups (the Snaps "
	  "screen)", k_snapshots },
	{ { 'o' }, NULL, "sort by the next column: name, state, CPU %, memory", k_sort },
	{ { 27 }, NULL, "leave a VM's details, or clear the filter", k_escape },
	{ { 0 }, NULL, NULL, NULL },
};

/* The STATE column in its state's colour; READY% in the warning or error
 * colour at the alert thresholds. */
static attr_t vm_cell_attr(const struct console *c, const struct ctable_col *col, const void *row)
{
	const struct cvm *vm = row;

	if (!strcmp(col->title, "READY%") && vm->ready_pct >= 0)
		return vm->ready_pct > c->mon.ready_crit ? c->th.error
		       : vm->ready_pct > c->mon.ready_warn ? c->th.warn : c->th.normal;
	if (!strcmp(col->title, "MEM") && vm->guest_used_mib >= 0 && vm->balloon_mib > 0)
		return vm->guest_used_mib >= 0.9 * vm->balloon_mib ? c->th.warn : c->th.normal;
	return !strcmp(col->title, "STATE") ? console_state_attr(c, vm->state) : c->th.normal;
}

/* Why the selected VM is stopped, crashed or paused, and since when, on
 * the body's last row (the filter's, unless one is being typed). */
static void draw_why(struct console *c, void *st, WINDOW *w, int y, int width)
{
	const struct cvm *vm = panel_selected(P(st));
	const struct console_why *why;
	char line[512], when[32] = "";
	time_t t;
	struct tm tm;

	if (!vm || vms_list(st)->filter.editing || !strcmp(vm->state, "running") ||
	    !strcmp(vm->state, "starting") || !strcmp(vm->state, "shutting-down"))
		return;
	why = console_why_get(c, vm->name);
	if (!strcmp(vm->pause_reason, "pool-full")) {
		/* what to do comes first: the Storage screen shows the pool */
		snprintf(line, sizeof(line), "%s is paused: pool %s is full. Free space in it (6: Storage), "
			 "then p resumes it", vm->name, vm->pause_pool[0] ? vm->pause_pool : "?");
		console_fill(w, y, 0, width, c->th.normal);
		console_put(w, y, 0, width, c->th.error, line);
		return;
	}
	if (why) {
		time_t now = time(NULL);
		struct tm today;

		t = (time_t)(why->time_ms / 1000);
		localtime_r(&t, &tm);
		localtime_r(&now, &today);
		strftime(when, sizeof(when), tm.tm_yday == today.tm_yday && tm.tm_year == today.tm_year
				     ? "%H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
		snprintf(line, sizeof(line), "%s since %s: %s", vm->name, when, why->text);
	} else if (vm->reason[0]) {
		snprintf(line, sizeof(line), "%s is %s, reason %s", vm->name, vm->state, vm->reason);
	} else {
		return;
	}
	console_fill(w, y, 0, width, c->th.normal);
	console_put(w, y, 0, width, !strcmp(vm->state, "crashed") ? c->th.error : c->th.dim, line);
}

static void vms_draw(struct console *c, void *st, WINDOW *w, int top, int height, int width)
{
	if (S(st)->detail) {
		console_vmdetail_draw(c, S(st)->detail, w, top, height, width);
		return;
	}
	console_list_draw(c, w, top, height, width, vms_list(st), console_vm_cols,
			  console_vm_ncols, vm_cell_attr);
	draw_why(c, st, w, top + height - 1, width);
	if (!c->vms.n && c->vms.sampled_ms)
		console_put(w, top + 2, 2, width - 2, c->th.dim,
			    "No VMs yet. Press n (or F2) to create one.");
	else if (!panel_count(P(st)) && P(st)->n)
		console_put(w, top + 2, 2, width - 2, c->th.dim,
			    "No VM matches the filter. Esc clears it.");
}

/* A VM created or saved through the form is selected.  One whose disks
 * are made in a job appears when the job is done; the status line says
 * so then (vms_event). */
static void vms_done(struct console *c, void *st, const struct console_done *d)
{
	const char *name = jget_str(d->args, "name", NULL);
	const json_t *job = jget_obj(d->result, "job");

	if (d->rc || !name || (strcmp(d->op, "vm.create") && strcmp(d->op, "vm.edit")))
		return;
	panel_select(P(st), name);
	if (strcmp(d->op, "vm.create") || !job)
		return;
	S(st)->job = jget_int(job, "id", 0);
	snprintf(S(st)->job_vm, sizeof(S(st)->job_vm), "%s", name);
	console_status(c, CSTATUS_PROGRESS, "Creating %s (job %lld)", name, S(st)->job);
}

/* The end of the form's vm.create job. */
static void job_ended(struct console *c, struct vms_screen *s, const json_t *data)
{
	const char *state = jget_str(data, "state", "");

	if (jget_int(data, "id", 0) != s->job || !strcmp(state, "queued") ||
	    !strcmp(state, "running"))
		return;
	if (!strcmp(state, "done"))
		console_status(c, CSTATUS_OK, "Created %s", s->job_vm);
	else
		console_status(c, CSTATUS_ERROR, "Creating %s %s: %s", s->job_vm, state,
			       jget_str(data, "error", "?"));
	s->job = 0;
}

static void *vms_init(struct console *c)
{
	struct vms_screen *s = xcalloc(1, sizeof(*s));

	console_list_init(&s->list, &cvm_panel_ops, "VMs", console_body_rows(c));
	return s;
}

static void vms_fini(void *st)
{
	free(S(st)->detail);
	console_list_free(&S(st)->list);
	free(st);
}

static void vms_tick(struct console *c, void *st)
{
	const struct cvm *vm;

	sync(c, st);
	if (!S(st)->detail)
		return;
	if (c->vms.sampled_ms && !cvm_model_find(&c->vms, S(st)->detail->name)) {
		free(S(st)->detail);         /* deleted meanwhile */
		S(st)->detail = NULL;
		return;
	}
	/* the selection moved (up/down in the details): follow it */
	vm = panel_selected(P(st));
	if (vm && strcmp(vm->name, S(st)->detail->name))
		cmon_detail_open(S(st)->detail, vm->name);
	console_vmdetail_refresh(c, S(st)->detail);
}

static void vms_event(struct console *c, void *st, const json_t *ev)
{
	const char *kind = jget_str(ev, "event", "");

	if (!strcmp(kind, "vm.state"))
		sync(c, st);
	else if (!strcmp(kind, "job.state") && S(st)->job)
		job_ended(c, st, jget_obj(ev, "data"));
}

const struct console_screen console_screen_vms = {
	.name = "VMs",
	.hotkey = '1',
	.keys = vms_keys,
	.list = vms_list,
	.init = vms_init,
	.fini = vms_fini,
	.draw = vms_draw,
	.event = vms_event,
	.tick = vms_tick,
	.done = vms_done,
};
