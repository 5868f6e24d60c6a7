/*
 * The VMs screen: the VM table (console_table.h) over the model
 * (console_model.h), and every action on the selected VM.  Actions that
 * lose data (force stop, reset, delete) ask first, saying exactly what
 * will happen; the rest start at once.  Each runs as an action
 * (console_action.c): the status line shows its progress, then croftd's
 * answer, and the model is re-read afterwards.
 *
 * The filter is typed on the body's last row: the list narrows as you type,
 * Enter keeps the filter, Esc clears it.
 */
#include "tui/console_screen.h"
#include "tui/console_table.h"
#include "tui/cli.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START_TIMEOUT_MS 90000        /* croftd gives QEMU 60 s */
#define SHUTDOWN_TIMEOUT_S 60
#define QUICK_TIMEOUT_MS 30000
#define DELETE_LINES 24

struct vms_screen {
	int editing;                  /* typing the filter */
	char typed[CVM_NAME_LEN];
	int height, width;            /* the body */
};

static struct vms_screen *S(void *st)
{
	return st;
}

/* Table rows: the body less the column titles and the filter line. */
static size_t table_rows(const struct console *c, const struct vms_screen *s)
{
	int rows = s->height - 1 - ((s->editing || c->vms.filter[0]) ? 1 : 0);

	return rows > 1 ? (size_t)rows : 1;
}

static void follow(struct console *c, struct vms_screen *s)
{
	cvm_list_scroll(&c->vms, table_rows(c, s));
}

static const struct cvm *selected_or_say(struct console *c)
{
	const struct cvm *vm = cvm_list_selected(&c->vms);

	if (!vm)
		console_status(c, CSTATUS_ERROR, "No VM selected%s",
			       c->vms.n ? " (the filter hides them all; Esc clears it)"
				        : "; press n or F2 to create one");
	return vm;
}

static int is_live(const struct cvm *vm)
{
	return vm->pid > 0 || !strcmp(vm->state, "running") || !strcmp(vm->state, "paused") ||
	       !strcmp(vm->state, "starting") || !strcmp(vm->state, "shutting-down");
}

/* An action on the selected VM with no arguments but its name. */
static void act(struct console *c, const char *op, int timeout_ms, const char *verb_ing,
		const char *done_fmt)
{
	const struct cvm *vm = selected_or_say(c);
	char progress[128], done[128];

	if (!vm)
		return;
	snprintf(progress, sizeof(progress), "%s %s", verb_ing, vm->name);
	snprintf(done, sizeof(done), done_fmt, vm->name);
	console_action_start(c, CACTION_PLAIN, op, json_pack("{s:s}", "name", vm->name),
			     timeout_ms, progress, done);
}

static void k_up(struct console *c, void *st)
{
	cvm_list_move(&c->vms, -1);
	follow(c, S(st));
}

static void k_down(struct console *c, void *st)
{
	cvm_list_move(&c->vms, 1);
	follow(c, S(st));
}

static void k_pgup(struct console *c, void *st)
{
	cvm_list_move(&c->vms, -(long)table_rows(c, S(st)));
	follow(c, S(st));
}

static void k_pgdn(struct console *c, void *st)
{
	cvm_list_move(&c->vms, (long)table_rows(c, S(st)));
	follow(c, S(st));
}

static void k_home(struct console *c, void *st)
{
	cvm_list_home(&c->vms);
	follow(c, S(st));
}

static void k_end(struct console *c, void *st)
{
	cvm_list_end(&c->vms);
	follow(c, S(st));
}

static void k_console(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c);
	char name[CVM_NAME_LEN];

	(void)st;
	if (!vm)
		return;
	snprintf(name, sizeof(name), "%s", vm->name);  /* the model changes meanwhile */
	console_serial_attach(c, name);
}

static void k_start(struct console *c, void *st)
{
	(void)st;
	act(c, "vm.start", START_TIMEOUT_MS, "Starting", "Started %s");
}

static void k_shutdown(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c);
	char progress[160], done[128];

	(void)st;
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
	const struct cvm *vm = selected_or_say(c);
	char title[128];

	(void)st;
	if (!vm)
		return;
	snprintf(title, sizeof(title), "Force stop %s?", vm->name);
	confirm_simple(c, vm, "vm.stop", title,
		       "Like pulling the plug: the guest gets no warning; unsaved data is lost.",
		       "force stop", "Stopping", "Stopped %s");
}

static void k_reset(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c);
	char title[128];

	(void)st;
	if (!vm)
		return;
	snprintf(title, sizeof(title), "Reset %s?", vm->name);
	confirm_simple(c, vm, "vm.reset", title,
		       "Like pressing the reset button: the guest reboots at once; unsaved data is lost.",
		       "reset", "Resetting", "Reset %s");
}

static void k_pause(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c);

	(void)st;
	if (!vm)
		return;
	if (!strcmp(vm->state, "paused"))
		act(c, "vm.resume", QUICK_TIMEOUT_MS, "Resuming", "Resumed %s");
	else
		act(c, "vm.pause", QUICK_TIMEOUT_MS, "Pausing", "Paused %s");
}

static void k_delete(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c);
	char *lines[DELETE_LINES], title[128], progress[128], done[128];
	struct console_choice ch[2];
	json_t *disks, *d;
	size_t n = 0, i, owned = 0;
	int live;

	(void)st;
	if (!vm)
		return;
	live = is_live(vm);
	disks = json_object_get(vm->json, "disks");
	snprintf(title, sizeof(title), "Delete VM %s?", vm->name);
	lines[n++] = xasprintf("This deletes VM '%s': its definition, settings and UEFI variables.",
			       vm->name);
	if (live)
		lines[n++] = xasprintf("%s is %s: it will be stopped first, like pulling the plug.",
				       vm->name, vm->state);
	json_array_foreach(disks, i, d) {
		const char *path = json_string_value(json_object_get(d, "path"));
		char size[24];

		if (n >= DELETE_LINES - 3)
			break;
		cli_format_mib((uint64_t)json_integer_value(json_object_get(d, "size_bytes")) >> 20,
			       size, sizeof(size));
		if (json_is_true(json_object_get(d, "owned"))) {
			if (!owned++)
				lines[n++] = xasprintf("y also deletes its disk images:");
			lines[n++] = xasprintf("  %s (%s)", path ? path : "?", size);
		}
	}
	json_array_foreach(disks, i, d) {
		const char *path = json_string_value(json_object_get(d, "path"));

		if (n >= DELETE_LINES - 1)
			break;
		if (!json_is_true(json_object_get(d, "owned")))
			lines[n++] = xasprintf("Kept (attached, not created by croft): %s",
					       path ? path : "?");
	}
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

static void k_new(struct console *c, void *st)
{
	(void)st;
	console_form_open_create(c);
}

static void k_edit(struct console *c, void *st)
{
	const struct cvm *vm = selected_or_say(c);

	(void)st;
	if (vm)
		console_form_open_edit(c, vm->json);
}

static void k_filter(struct console *c, void *st)
{
	struct vms_screen *s = st;

	s->editing = 1;
	snprintf(s->typed, sizeof(s->typed), "%s", c->vms.filter);
	follow(c, s);
}

static void k_clear_filter(struct console *c, void *st)
{
	cvm_list_set_filter(&c->vms, "");
	follow(c, S(st));
}

static void k_sort(struct console *c, void *st)
{
	cvm_list_set_sort(&c->vms, (enum cvm_sort)((c->vms.sort + 1) % CVM_SORT_COUNT));
	follow(c, S(st));
	console_status(c, CSTATUS_INFO, "Sorted by %s", cvm_sort_name(c->vms.sort));
}

static const struct console_key vms_keys[] = {
	{ { KEY_UP, 'k' }, NULL, "select the previous VM", k_up },
	{ { KEY_DOWN, 'j' }, NULL, "select the next VM", k_down },
	{ { KEY_PPAGE }, NULL, "one page up", k_pgup },
	{ { KEY_NPAGE }, NULL, "one page down", k_pgdn },
	{ { KEY_HOME, 'g' }, NULL, "first VM", k_home },
	{ { KEY_END, 'G' }, NULL, "last VM", k_end },
	{ { '\n', '\r', KEY_ENTER, 'c' }, NULL,
	  "the VM's serial console, full screen (Ctrl-] returns)", k_console },
	{ { 'n', KEY_F(2) }, "New", "create a VM (a form)", k_new },
	{ { '/', KEY_F(3) }, "Filter", "filter by name or state: Enter keeps it, Esc clears it",
	  k_filter },
	{ { 'e', KEY_F(4) }, "Edit", "edit the selected VM (a form)", k_edit },
	{ { 's', KEY_F(5) }, "Start", "start the selected VM", k_start },
	{ { 'h', KEY_F(6) }, "Shutdown", "ACPI shutdown: like pressing the power button", k_shutdown },
	{ { 'f', KEY_F(7) }, "Stop", "force stop, like pulling the plug (asks first)", k_stop },
	{ { 'x', KEY_DC, KEY_F(8) }, "Delete",
	  "delete the selected VM, and its disk images if you say so (asks first)", k_delete },
	{ { 'p', KEY_F(9) }, "Pause", "pause, or resume a paused VM", k_pause },
	{ { 'r' }, NULL, "reset, like pressing the reset button (asks first)", k_reset },
	{ { 'o' }, NULL, "sort by the next column: name, state, CPU %, memory", k_sort },
	{ { 27 }, NULL, "clear the filter", k_clear_filter },
	{ { 0 }, NULL, NULL, NULL },
};

/* Typing the filter takes every key; a click selects a row. */
static int vms_key(struct console *c, void *st, int ch)
{
	struct vms_screen *s = st;
	size_t len = strlen(s->typed);

	if (ch == KEY_MOUSE) {
		int row = c->mev.y - CONSOLE_HEADER_ROWS - 1;

		if (row >= 0 && (size_t)row < table_rows(c, s) &&
		    c->vms.top + (size_t)row < c->vms.nview) {
			cvm_list_select_row(&c->vms, c->vms.top + (size_t)row);
			follow(c, s);
		}
		return 1;
	}
	if (!s->editing)
		return 0;
	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		s->editing = 0;
		if (c->vms.filter[0])
			console_status(c, CSTATUS_INFO, "Filter '%s': %zu of %zu VMs (Esc clears it)",
				       c->vms.filter, c->vms.nview, c->vms.n);
		break;
	case 27:
		s->editing = 0;
		s->typed[0] = '\0';
		cvm_list_set_filter(&c->vms, "");
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (len)
			s->typed[len - 1] = '\0';
		cvm_list_set_filter(&c->vms, s->typed);
		break;
	case 21:                      /* Ctrl-U */
		s->typed[0] = '\0';
		cvm_list_set_filter(&c->vms, s->typed);
		break;
	default:
		if (ch >= 32 && ch < 127 && len + 1 < sizeof(s->typed)) {
			s->typed[len] = (char)ch;
			s->typed[len + 1] = '\0';
			cvm_list_set_filter(&c->vms, s->typed);
		}
		break;
	}
	follow(c, s);
	return 1;
}

/* The STATE column in its state's colour. */
static attr_t vm_cell_attr(const struct console *c, const struct ctable_col *col, const void *row)
{
	const struct cvm *vm = row;

	return !strcmp(col->title, "STATE") ? console_state_attr(c, vm->state) : c->th.normal;
}

static void vms_draw(struct console *c, void *st, WINDOW *w, int top, int height, int width)
{
	struct vms_screen *s = st;
	int widths[CTABLE_MAX_COLS];
	size_t i, rows = table_rows(c, s);

	ctable_layout(console_vm_cols, console_vm_ncols, width, widths);
	console_table_line(c, w, top, width, console_vm_cols, console_vm_ncols, widths, NULL, 0,
			   NULL);
	if (!c->vms.n && c->vms.sampled_ms)
		console_put(w, top + 2, 2, width - 2, c->th.dim,
			    "No VMs yet. Press n (or F2) to create one.");
	else if (!c->vms.nview && c->vms.n)
		console_put(w, top + 2, 2, width - 2, c->th.dim,
			    "No VM matches the filter. Esc clears it.");
	for (i = 0; i < rows && c->vms.top + i < c->vms.nview; i++) {
		size_t row = c->vms.top + i;

		console_table_line(c, w, top + 1 + (int)i, width, console_vm_cols, console_vm_ncols,
				   widths, &c->vms.vms[c->vms.view[row]], row == c->vms.sel,
				   vm_cell_attr);
	}
	if (s->editing || c->vms.filter[0]) {
		char line[160];

		if (s->editing)
			snprintf(line, sizeof(line), "Filter: %s_   (Enter keeps it, Esc clears it)",
				 s->typed);
		else
			snprintf(line, sizeof(line), "Filter: %s   (%zu of %zu VMs; Esc clears it)",
				 c->vms.filter, c->vms.nview, c->vms.n);
		console_put(w, top + height - 1, 0, width, c->th.input, line);
	}
}

static void *vms_init(struct console *c)
{
	struct vms_screen *s = xcalloc(1, sizeof(*s));

	s->height = c->rows - CONSOLE_HEADER_ROWS - CONSOLE_FOOTER_ROWS;
	s->width = c->cols;
	return s;
}

static void vms_fini(void *st)
{
	free(st);
}

static void vms_resize(struct console *c, void *st, int height, int width)
{
	struct vms_screen *s = st;

	s->height = height;
	s->width = width;
	follow(c, s);
}

static void vms_tick(struct console *c, void *st)
{
	follow(c, st);
}

const struct console_screen console_screen_vms = {
	.name = "VMs",
	.hotkey = '1',
	.keys = vms_keys,
	.init = vms_init,
	.fini = vms_fini,
	.draw = vms_draw,
	.key = vms_key,
	.resize = vms_resize,
	.tick = vms_tick,
};
