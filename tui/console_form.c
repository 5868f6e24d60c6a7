/*
 * The create/edit VM form (tui/vmform.h) inside the console.  The form is
 * a model: it takes keys and draws itself into a window the console gives
 * it (rows 1 to the status line, so at least 80x20 on an 80x24 terminal).
 * On submit the console sends vm.create or vm.edit with vmform_args() as
 * an action (console_action.c), so the list keeps running; on success the
 * form closes and the VM is selected, on failure croftd's message goes
 * back into the still-open form with the user's input intact.
 */
#include "tui/console_screen.h"
#include "tui/vmform.h"

#include <stdio.h>
#include <string.h>

#define FORM_TIMEOUT_MS 120000      /* vm.create may run qemu-img */

/* For the help text and nothing else: the form reads its own keys. */
const struct console_key console_form_keys[] = {
	{ { '\t', KEY_DOWN }, NULL, "next field", NULL },
	{ { KEY_BTAB, KEY_UP }, NULL, "previous field", NULL },
	{ { ' ', KEY_LEFT, KEY_RIGHT }, NULL, "change a choice (Firmware, Boot order)", NULL },
	{ { KEY_F(3), 15 }, NULL, "browse for a file (Existing image, ISO)", NULL },
	{ { '\n' }, NULL, "create the VM / save the changes", NULL },
	{ { 27 }, NULL, "cancel: nothing is changed", NULL },
	{ { 0 }, NULL, NULL, NULL },
};

void console_form_close(struct console *c)
{
	if (c->formwin) {
		delwin(c->formwin);
		c->formwin = NULL;
	}
	if (c->form) {
		vmform_free(c->form);
		c->form = NULL;
	}
	/* a submit still in flight reports to the status line only */
	c->form_action = NULL;
	curs_set(0);
	c->dirty = 1;
}

void console_form_open_create(struct console *c)
{
	console_form_close(c);
	c->form = vmform_new_create();
	c->dirty = 1;
}

void console_form_open_edit(struct console *c, const json_t *vm)
{
	console_form_close(c);
	c->form = vmform_new_edit(vm);
	if (!c->form)
		console_status(c, CSTATUS_ERROR, "cannot edit this VM: croftd sent no usable VM object");
	c->dirty = 1;
}

static void submit(struct console *c)
{
	json_t *args = vmform_args(c->form);
	const char *name = json_string_value(json_object_get(args, "name"));
	int edit = vmform_is_edit(c->form);
	char progress[128], done[128];

	if (!args)
		return;
	snprintf(progress, sizeof(progress), "%s %s", edit ? "Saving" : "Creating", name ? name : "");
	snprintf(done, sizeof(done), "%s %s", edit ? "Saved" : "Created", name ? name : "");
	if (name)
		cvm_list_select(&c->vms, name);
	console_action_start(c, CACTION_FORM, edit ? "vm.edit" : "vm.create", args,
			     FORM_TIMEOUT_MS, progress, done);
}

int console_form_key(struct console *c, int ch)
{
	int r;

	if (!c->form)
		return 0;
	c->dirty = 1;
	if (c->form_action) {
		/* the submit is in flight: only Esc (leave it running) */
		if (ch == 27)
			console_form_close(c);
		return 1;
	}
	r = vmform_key(c->form, ch);
	if (r == VMFORM_CANCEL) {
		console_form_close(c);
		console_status(c, CSTATUS_INFO, "Cancelled; nothing was changed");
	} else if (r == VMFORM_SUBMIT) {
		submit(c);
	}
	return 1;
}

void console_form_result(struct console *c, int ok, const char *name, const char *error)
{
	if (!c->form)
		return;
	if (ok) {
		console_form_close(c);
		if (name && *name)
			cvm_list_select(&c->vms, name);
	} else {
		vmform_set_error(c->form, error);
	}
	c->dirty = 1;
}

void console_form_draw(struct console *c, int top, int height, int width)
{
	int h = 0, w = 0, y = 0, x = 0;

	if (!c->form)
		return;
	if (c->formwin) {
		getmaxyx(c->formwin, h, w);
		getbegyx(c->formwin, y, x);
	}
	if (!c->formwin || h != height || w != width || y != top || x != 0) {
		if (c->formwin)
			delwin(c->formwin);
		c->formwin = derwin(stdscr, height, width, top, 0);
		if (!c->formwin)
			return;
	}
	vmform_draw(c->form, c->formwin, &c->th);
}
