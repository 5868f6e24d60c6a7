/*
 * The open form (tui/form.h) inside the console, whichever screen opened
 * it: the VM create/edit form, the network, port forward and NIC forms.
 * The form is a model: it takes keys and draws itself into a window the
 * console gives it (rows 1 to the status line, so at least 80x20 on an
 * 80x24 terminal).  On submit the console sends the form's op with
 * form_args() as an action (console_action.c), so the lists keep running;
 * the form stays open meanwhile.  On success it closes (the screens hear
 * of the answer in done() and select what was made); on failure croftd's
 * message goes back into the still-open form with the input intact.
 */
#include "tui/console_screen.h"
#include "tui/vmform_cloudinit.h"

#include <stdio.h>
#include <string.h>

/* For the help text and nothing else: the form reads its own keys. */
const struct console_key console_form_keys[] = {
	{ { '\t', KEY_DOWN }, NULL, "next field", NULL },
	{ { KEY_BTAB, KEY_UP }, NULL, "previous field", NULL },
	{ { ' ', KEY_LEFT, KEY_RIGHT }, NULL, "change a choice (Firmware, Boot order, Mode...)", NULL },
	{ { KEY_F(3), 15 }, NULL, "browse for a file (Existing image, ISO)", NULL },
	{ { KEY_F(6) }, NULL, "VM form: the cloud-init settings (user, SSH key, password...)", NULL },
	{ { '\n' }, NULL, "submit: create the VM or network, save the changes", NULL },
	{ { 27 }, NULL, "cancel: nothing is changed", NULL },
	{ { 0 }, NULL, NULL, NULL },
};

void console_form_close(struct console *c)
{
	if (c->formwin) {
		delwin(c->formwin);
		c->formwin = NULL;
	}
	form_free(c->form);
	c->form = NULL;
	form_free(c->form_parent);
	c->form_parent = NULL;
	c->form_refused = 0;
	/* a submit still in flight reports to the status line only */
	c->form_action = NULL;
	curs_set(0);
	c->dirty = 1;
}

void console_form_open(struct console *c, struct form *f, int timeout_ms,
		       void (*describe)(const json_t *args, char *progress, char *done, size_t len))
{
	console_form_close(c);
	c->form = f;
	c->form_timeout_ms = timeout_ms;
	c->form_describe = describe;
	c->dirty = 1;
}

static void submit(struct console *c)
{
	json_t *args = form_args(c->form);
	char progress[300], done[300];

	if (!args)
		return;
	c->form_describe(args, progress, done, sizeof(progress));
	console_action_start(c, CACTION_FORM, form_op(c->form), args, c->form_timeout_ms, progress,
			     done);
}

/* F6 on a VM form opens the cloud-init sub-form over it; the sub-form's
 * Enter (or F6) puts its settings back, Esc drops them. */
static int subform_key(struct console *c, int ch)
{
	char err[FORM_ERR_MAX];
	json_t *settings, *args;
	int r;

	if (!c->form_parent) {
		if (ch != KEY_F(6) || !vmform_cloudinit_can(c->form))
			return 0;
		c->form_parent = c->form;
		c->form = vmform_cloudinit_new(vmform_cloudinit_get(c->form_parent));
		return 1;
	}
	r = ch == KEY_F(6) ? FORM_SUBMIT : form_key(c->form, ch);
	if (r == FORM_CONTINUE)
		return 1;
	if (r == FORM_SUBMIT) {
		if (!(args = form_args(c->form)))
			return 1;       /* a field is wrong: it says so */
		json_decref(args);
		if (vmform_cloudinit_result(c->form, &settings, err, sizeof(err)) < 0) {
			form_set_error(c->form, err);
			return 1;
		}
		vmform_cloudinit_set(c->form_parent, settings);
	}
	form_free(c->form);
	c->form = c->form_parent;
	c->form_parent = NULL;
	console_status(c, CSTATUS_INFO, r == FORM_SUBMIT ? "Cloud-init settings kept in the form; Enter sends them"
							  : "Cloud-init settings unchanged");
	return 1;
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
	if (subform_key(c, ch))
		return 1;
	r = form_key(c->form, ch);
	if (r == FORM_CONTINUE && (ch == '\n' || ch == '\r' || ch == KEY_ENTER) &&
	    form_message(c->form, form_focus(c->form))) {
		/* Enter was refused: say which field and why, on the status
		 * line too (the form has the focus on it) */
		size_t id = form_focus(c->form);

		console_status(c, CSTATUS_ERROR, "Fix %s first: %s", form_label(c->form, id),
			       form_message(c->form, id));
		c->form_refused = id + 1;
	} else if (c->form_refused && !form_message(c->form, c->form_refused - 1)) {
		/* that field is right now: the line has said its piece */
		c->form_refused = 0;
		console_status(c, CSTATUS_INFO, "%s", "");
	}
	if (r == FORM_CANCEL) {
		console_form_close(c);
		console_status(c, CSTATUS_INFO, "Cancelled; nothing was changed");
	} else if (r == FORM_SUBMIT) {
		submit(c);
	}
	return 1;
}

const char *console_form_keybar(const struct console *c, char *buf, size_t len)
{
	if (c->form_action)
		return "Waiting for croftd...  Esc closes the form (the request goes on)";
	return form_help(c->form, buf, len);
}

void console_form_result(struct console *c, int ok, const char *error)
{
	if (!c->form)
		return;
	if (ok)
		console_form_close(c);
	else
		form_set_error(c->form, error);
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
	form_draw(c->form, c->formwin, &c->th);
}
