/*
 * The form engine's keys (form.h).  A key goes, in this order, to the open
 * file picker, to the form-wide table (move, submit, cancel, browse), then
 * to the focused field: the text editing table, or the choice keys.  Every
 * change re-runs the checks (form_changed()).
 */
#include "tui/form_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define FORM_CTRL(c) ((c) & 0x1f)

/* --- the form-wide keys ------------------------------------------------------ */

static int focus_step(struct form *f, int step)
{
	long n = (long)f->spec->n, i, id;

	for (i = 1; i <= n; i++) {
		id = ((long)f->focus + i * step) % n;
		if (id < 0)
			id += n;
		if (form_active(f, (size_t)id)) {
			f->focus = (size_t)id;
			break;
		}
	}
	return FORM_CONTINUE;
}

static int key_next(struct form *f)
{
	return focus_step(f, 1);
}

static int key_prev(struct form *f)
{
	return focus_step(f, -1);
}

static int key_cancel(struct form *f)
{
	(void)f;
	return FORM_CANCEL;
}

static int key_browse(struct form *f)
{
	const struct form_field *sp = form_field(f, f->focus);

	if (sp->kind != FORM_PATH || !form_active(f, f->focus))
		return FORM_CONTINUE;
	picker_free(f->picker);
	f->picker = picker_new(sp->picker, f->fld[f->focus].text);
	f->picker_field = f->focus;
	return FORM_CONTINUE;
}

static const struct form_keymap {
	int ch;
	int (*fn)(struct form *f);
} form_keys[] = {
	{ 27, key_cancel },
	{ '\t', key_next },
	{ KEY_DOWN, key_next },
	{ KEY_BTAB, key_prev },
	{ KEY_UP, key_prev },
	{ '\n', form_submit },
	{ '\r', form_submit },
	{ KEY_ENTER, form_submit },
	{ KEY_F(3), key_browse },
	{ FORM_CTRL('O'), key_browse },
};

/* --- text editing: each returns 1 when the text changed ----------------------- */

static int ed_left(struct form_value *v)
{
	if (v->cur)
		v->cur--;
	return 0;
}

static int ed_right(struct form_value *v)
{
	if (v->cur < v->len)
		v->cur++;
	return 0;
}

static int ed_home(struct form_value *v)
{
	v->cur = 0;
	return 0;
}

static int ed_end(struct form_value *v)
{
	v->cur = v->len;
	return 0;
}

static int ed_delete(struct form_value *v)
{
	if (v->cur >= v->len)
		return 0;
	memmove(v->text + v->cur, v->text + v->cur + 1, v->len - v->cur);
	v->len--;
	return 1;
}

static int ed_backspace(struct form_value *v)
{
	if (!v->cur)
		return 0;
	v->cur--;
	return ed_delete(v);
}

static int ed_kill_start(struct form_value *v)
{
	if (!v->cur)
		return 0;
	memmove(v->text, v->text + v->cur, v->len - v->cur + 1);
	v->len -= v->cur;
	v->cur = 0;
	return 1;
}

static int ed_kill_end(struct form_value *v)
{
	if (v->cur == v->len)
		return 0;
	v->text[v->cur] = '\0';
	v->len = v->cur;
	return 1;
}

static const struct form_editmap {
	int ch;
	int (*fn)(struct form_value *v);
} edit_keys[] = {
	{ KEY_LEFT, ed_left },
	{ KEY_RIGHT, ed_right },
	{ KEY_HOME, ed_home },
	{ FORM_CTRL('A'), ed_home },
	{ KEY_END, ed_end },
	{ FORM_CTRL('E'), ed_end },
	{ KEY_BACKSPACE, ed_backspace },
	{ 127, ed_backspace },
	{ FORM_CTRL('H'), ed_backspace },
	{ KEY_DC, ed_delete },
	{ FORM_CTRL('D'), ed_delete },
	{ FORM_CTRL('U'), ed_kill_start },
	{ FORM_CTRL('K'), ed_kill_end },
};

static int text_key(struct form_value *v, int ch)
{
	size_t i;

	for (i = 0; i < sizeof(edit_keys) / sizeof(edit_keys[0]); i++)
		if (edit_keys[i].ch == ch)
			return edit_keys[i].fn(v);
	if (ch < 32 || ch > 126 || v->len + 1 >= sizeof(v->text))
		return 0;
	memmove(v->text + v->cur + 1, v->text + v->cur, v->len - v->cur + 1);
	v->text[v->cur++] = (char)ch;
	v->len++;
	return 1;
}

/* --- choices ------------------------------------------------------------------- */

/* The next choice in direction step that may be picked, or the current. */
static size_t choice_step(const struct form *f, size_t id, int step)
{
	size_t n = form_nchoices(f, id), c = f->fld[id].choice, k;

	for (k = 0; k < n; k++) {
		c = (c + n + (size_t)(long)step) % n;
		if (form_choice_ok(f, id, c))
			return c;
	}
	return f->fld[id].choice;
}

/* The next choice whose words start with letter ch. */
static size_t choice_letter(const struct form *f, size_t id, int ch)
{
	size_t n = form_nchoices(f, id), c, k;
	char buf[128];

	for (k = 1; k <= n; k++) {
		c = (f->fld[id].choice + k) % n;
		if (form_choice_ok(f, id, c) &&
		    tolower((unsigned char)form_choice_label(f, id, c, buf, sizeof(buf))[0]) == tolower(ch))
			return c;
	}
	return f->fld[id].choice;
}

static int choice_key(struct form *f, int ch)
{
	struct form_value *v = &f->fld[f->focus];
	size_t was = v->choice;

	if (!form_nchoices(f, f->focus))
		return 0;
	if (ch == ' ' || ch == KEY_RIGHT)
		v->choice = choice_step(f, f->focus, 1);
	else if (ch == KEY_LEFT)
		v->choice = choice_step(f, f->focus, -1);
	else if (ch > 32 && ch < 127)
		v->choice = choice_letter(f, f->focus, ch);
	return v->choice != was;
}

/* --- dispatch ------------------------------------------------------------------- */

static int picker_keyed(struct form *f, int ch)
{
	int r = picker_key(f->picker, ch);

	if (r == PICKER_PICKED) {
		form_put_text(&f->fld[f->picker_field], picker_chosen(f->picker));
		f->focus = f->picker_field;
		form_changed(f);
	}
	if (r != PICKER_CONTINUE) {
		picker_free(f->picker);
		f->picker = NULL;
	}
	return FORM_CONTINUE;
}

int form_key(struct form *f, int ch)
{
	int changed;
	size_t i;

	if (f->picker)
		return picker_keyed(f, ch);
	for (i = 0; i < sizeof(form_keys) / sizeof(form_keys[0]); i++)
		if (form_keys[i].ch == ch)
			return form_keys[i].fn(f);
	if (!form_active(f, f->focus))
		return FORM_CONTINUE;
	if (form_field(f, f->focus)->kind == FORM_CHOICE)
		changed = choice_key(f, ch);
	else
		changed = text_key(&f->fld[f->focus], ch);
	if (changed)
		form_changed(f);
	return FORM_CONTINUE;
}

const char *form_help(const struct form *f, char *buf, size_t len)
{
	enum form_kind kind = form_kind(f, f->focus);

	snprintf(buf, len, "Tab/Down/Up move  %sEnter %s  Esc %s%s",
		 kind == FORM_CHOICE ? "Space/Left/Right change  " : "",
		 f->spec->submit ? f->spec->submit : "submit",
		 f->cancel[0] ? f->cancel : "cancel",
		 kind == FORM_PATH ? "  F3/Ctrl-O browse" : "");
	return buf;
}
