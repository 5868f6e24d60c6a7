/*
 * The form engine's model (form.h): setting a form up, the checks (each
 * type's rules, then the field's own), the request args, croftd's refusal
 * and read access for drawing and tests.  Keys live in form_keys.c,
 * drawing in form_draw.c.
 *
 * The type rules speak the CLI's and croftd's words: "vcpus needs a
 * number, got 'two'", "memory: size 'G' must start with a digit",
 * "cdrom image path 'x.iso' must be absolute".
 */
#include "tui/form_internal.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const struct form_field *form_field(const struct form *f, size_t id)
{
	return &f->spec->fields[id];
}

static int valid_id(const struct form *f, size_t id)
{
	return id < f->spec->n;
}

struct form *form_new(const struct form_spec *spec, const char *subject)
{
	struct form *f = xcalloc(1, sizeof(*f));

	f->spec = spec;
	snprintf(f->subject, sizeof(f->subject), "%s", subject ? subject : "");
	snprintf(f->title, sizeof(f->title), spec->title, f->subject);
	snprintf(f->note, sizeof(f->note), "%s", spec->note ? spec->note : "");
	return f;
}

static void free_choices(struct form_value *v)
{
	size_t i;

	for (i = 0; i < v->nchoices; i++)
		free(v->choices[i]);
	free(v->choices);
	v->choices = NULL;
	v->nchoices = 0;
}

void form_free(struct form *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->spec->n; i++) {
		free_choices(&f->fld[i]);
		free(f->fld[i].orig);
	}
	if (f->ctx && f->spec->free_ctx)
		f->spec->free_ctx(f->ctx);
	picker_free(f->picker);
	free(f);
}

/* --- set-up ----------------------------------------------------------------- */

void form_put_text(struct form_value *v, const char *text)
{
	snprintf(v->text, sizeof(v->text), "%s", text ? text : "");
	v->len = strlen(v->text);
	v->cur = v->len;
}

void form_set_text(struct form *f, size_t id, const char *text)
{
	struct form_value *v = &f->fld[id];

	form_put_text(v, text);
	if (form_field(f, id)->flags & FORM_KEEP) {
		free(v->orig);
		v->orig = xstrdup(v->text);
	}
}

void form_set_choices(struct form *f, size_t id, const char *const *choices, size_t n)
{
	struct form_value *v = &f->fld[id];
	size_t i;

	free_choices(v);
	v->choices = xcalloc(n + 1, sizeof(*v->choices));
	for (i = 0; i < n; i++)
		v->choices[i] = xstrdup(choices[i]);
	v->nchoices = n;
	v->choice = 0;
}

void form_set_choice(struct form *f, size_t id, size_t k)
{
	if (k < form_nchoices(f, id))
		f->fld[id].choice = k;
}

int form_choose(struct form *f, size_t id, const char *value)
{
	size_t k;

	for (k = 0; value && k < form_nchoices(f, id); k++) {
		if (!strcmp(form_choice(f, id, k), value)) {
			f->fld[id].choice = k;
			return 0;
		}
	}
	return -ENOENT;
}

void form_set_readonly(struct form *f, size_t id, int readonly)
{
	f->fld[id].readonly = readonly;
}

void form_set_note(struct form *f, const char *note, int warn)
{
	snprintf(f->note, sizeof(f->note), "%s", note ? note : "");
	f->note_warn = warn;
}

void form_set_cancel_word(struct form *f, const char *word)
{
	snprintf(f->cancel, sizeof(f->cancel), "%s", word ? word : "");
}

void form_set_ctx(struct form *f, void *ctx)
{
	f->ctx = ctx;
}

void *form_ctx(const struct form *f)
{
	return f->ctx;
}

void form_ready(struct form *f)
{
	size_t i;

	form_validate(f);
	for (i = 0; i < f->spec->n; i++) {
		if (form_active(f, i)) {
			f->focus = i;
			return;
		}
	}
}

/* --- checks ------------------------------------------------------------------- */

static int check_number(const struct form_field *sp, struct form_value *v, char *msg, size_t len)
{
	if (strspn(v->text, "0123456789") != v->len) {
		err_set(msg, len, "%s needs a number, got '%s'", sp->what, v->text);
		return -EINVAL;
	}
	errno = 0;
	v->num = strtoll(v->text, NULL, 10);
	if (errno == ERANGE)
		v->num = LLONG_MAX;
	if (sp->hi > sp->lo && (v->num < sp->lo || v->num > sp->hi)) {
		err_set(msg, len, "%s must be between %lld and %lld, not %lld", sp->what, sp->lo, sp->hi,
			v->num);
		return -EINVAL;
	}
	return 0;
}

static int check_size(const struct form_field *sp, struct form_value *v, char *msg, size_t len)
{
	char why[256];

	if (size_parse(v->text, &v->size, why, sizeof(why)) < 0) {
		err_set(msg, len, "%s: %s", sp->what, why);
		return -EINVAL;
	}
	if (sp->flags & FORM_MIB) {
		if (v->size & ((1ULL << 20) - 1)) {
			err_set(msg, len, "%s: size '%s' is not a whole number of MiB", sp->what, v->text);
			return -EINVAL;
		}
		v->size >>= 20;
	}
	return 0;
}

/* croftd's file rules, minus readability: croftd may read what the
 * console's user cannot. */
static int check_path(const struct form_field *sp, struct form_value *v, char *msg, size_t len)
{
	struct stat st;

	if (v->text[0] != '/') {
		err_set(msg, len, "%s path '%s' must be absolute", sp->what, v->text);
		return -EINVAL;
	}
	/* a volume croftd listed: its pool's directory is croftd's to read */
	if (picker_pool_has(v->text))
		return 0;
	if (stat(v->text, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			err_set(msg, len, "%s '%s' does not exist", sp->what, v->text);
		else
			err_set(msg, len, "%s '%s': %s", sp->what, v->text, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		err_set(msg, len, "%s '%s' is not a regular file", sp->what, v->text);
		return -EINVAL;
	}
	return 0;
}

static int check_empty(const struct form_field *sp, char *msg, size_t len)
{
	switch (sp->kind) {
	case FORM_NUMBER:
		err_set(msg, len, "%s needs a number (%lld-%lld)", sp->what, sp->lo, sp->hi);
		break;
	case FORM_SIZE:
		err_set(msg, len, "%s needs a size (e.g. 1G)", sp->what);
		break;
	default:
		err_set(msg, len, "%s is empty", sp->what);
		break;
	}
	return -EINVAL;
}

/* The type's rules for a non-empty value. */
static int check_type(const struct form_field *sp, struct form_value *v, char *msg, size_t len)
{
	if (v->orig && !strcmp(v->orig, v->text))
		return 0;
	switch (sp->kind) {
	case FORM_NUMBER:
		return check_number(sp, v, msg, len);
	case FORM_SIZE:
		return check_size(sp, v, msg, len);
	case FORM_PATH:
		return check_path(sp, v, msg, len);
	case FORM_TEXT:
	case FORM_CHOICE:
		break;
	}
	return 0;
}

static int check_field(struct form *f, size_t id)
{
	const struct form_field *sp = form_field(f, id);
	struct form_value *v = &f->fld[id];
	int empty = sp->kind != FORM_CHOICE && !v->len;

	if (empty && (sp->flags & FORM_REQUIRED))
		return check_empty(sp, v->msg, sizeof(v->msg));
	if (!empty && check_type(sp, v, v->msg, sizeof(v->msg)) < 0)
		return -EINVAL;
	if (sp->check && sp->check(f, id, v->msg, sizeof(v->msg)) < 0)
		return -EINVAL;
	return 0;
}

void form_validate(struct form *f)
{
	size_t i;

	for (i = 0; i < f->spec->n; i++) {
		struct form_value *v = &f->fld[i];

		v->invalid = v->quiet = v->has = 0;
		v->num = 0;
		v->size = 0;
		v->msg[0] = '\0';
		if (!form_active(f, i))
			continue;
		if (check_field(f, i) < 0) {
			v->invalid = 1;
			v->quiet = form_field(f, i)->kind != FORM_CHOICE && !v->len;
		} else {
			v->msg[0] = '\0';
			v->has = form_field(f, i)->kind == FORM_CHOICE || v->len > 0;
		}
	}
}

void form_changed(struct form *f)
{
	f->server_err[0] = '\0';
	form_validate(f);
}

int form_submit(struct form *f)
{
	size_t i;

	f->submitted = 1;
	f->server_err[0] = '\0';
	form_validate(f);
	for (i = 0; i < f->spec->n; i++) {
		if (f->fld[i].invalid) {
			f->focus = i;
			return FORM_CONTINUE;
		}
	}
	return FORM_SUBMIT;
}

/* --- args and refusals ---------------------------------------------------------- */

static json_t *default_args(const struct form *f)
{
	json_t *a = json_object();
	size_t i;

	if (f->spec->subject_key)
		json_object_set_new(a, f->spec->subject_key, json_string(f->subject));
	for (i = 0; i < f->spec->n; i++) {
		const struct form_field *sp = form_field(f, i);

		if (!sp->key || !form_has(f, i))
			continue;
		if (sp->kind == FORM_CHOICE)
			json_object_set_new(a, sp->key, json_string(form_choice(f, i, f->fld[i].choice)));
		else if (sp->kind == FORM_NUMBER)
			json_object_set_new(a, sp->key, json_integer(f->fld[i].num));
		else
			json_object_set_new(a, sp->key, json_string(f->fld[i].text));
	}
	return a;
}

json_t *form_args(const struct form *f)
{
	size_t i;

	for (i = 0; i < f->spec->n; i++)
		if (f->fld[i].invalid)
			return NULL;
	return f->spec->args ? f->spec->args(f) : default_args(f);
}

/* The field whose words come first in message (the longer word on a tie). */
long form_field_of_message(const struct form *f, const char *message)
{
	const char *best = NULL;
	size_t best_len = 0, i, k;
	long id = -1;

	for (i = 0; message && i < f->spec->n; i++) {
		const char *const *words = form_field(f, i)->words;

		for (k = 0; words && words[k]; k++) {
			const char *at = strstr(message, words[k]);
			size_t n = strlen(words[k]);

			if (at && (!best || at < best || (at == best && n > best_len))) {
				best = at;
				best_len = n;
				id = (long)i;
			}
		}
	}
	return id;
}

void form_set_error(struct form *f, const char *message)
{
	long id = form_field_of_message(f, message);

	snprintf(f->server_err, sizeof(f->server_err), "%s", message ? message : "");
	if (id >= 0 && form_active(f, (size_t)id))
		f->focus = (size_t)id;
}

/* --- reading ----------------------------------------------------------------------- */

const struct form_spec *form_spec(const struct form *f)
{
	return f->spec;
}

const char *form_op(const struct form *f)
{
	return f->spec->op;
}

const char *form_title(const struct form *f)
{
	return f->title;
}

const char *form_subject(const struct form *f)
{
	return f->subject;
}

const char *form_note(const struct form *f, int *warn)
{
	if (warn)
		*warn = f->note_warn;
	return f->note;
}

size_t form_nfields(const struct form *f)
{
	return f->spec->n;
}

const char *form_label(const struct form *f, size_t id)
{
	return valid_id(f, id) ? form_field(f, id)->label : "";
}

enum form_kind form_kind(const struct form *f, size_t id)
{
	return valid_id(f, id) ? form_field(f, id)->kind : FORM_TEXT;
}

unsigned form_flags(const struct form *f, size_t id)
{
	return valid_id(f, id) ? form_field(f, id)->flags : 0;
}

int form_readonly(const struct form *f, size_t id)
{
	return valid_id(f, id) && f->fld[id].readonly;
}

const char *form_why_not(const struct form *f, size_t id)
{
	return valid_id(f, id) && form_field(f, id)->why_not ? form_field(f, id)->why_not(f) : NULL;
}

int form_active(const struct form *f, size_t id)
{
	return valid_id(f, id) && !f->fld[id].readonly && !form_why_not(f, id);
}

const char *form_placeholder(const struct form *f, size_t id)
{
	if (!valid_id(f, id))
		return NULL;
	return form_field(f, id)->hint ? form_field(f, id)->hint(f) : form_field(f, id)->placeholder;
}

const char *form_text(const struct form *f, size_t id)
{
	return valid_id(f, id) ? f->fld[id].text : "";
}

size_t form_cursor(const struct form *f, size_t id)
{
	return valid_id(f, id) ? f->fld[id].cur : 0;
}

size_t form_nchoices(const struct form *f, size_t id)
{
	size_t n = 0;

	if (!valid_id(f, id) || form_field(f, id)->kind != FORM_CHOICE)
		return 0;
	if (!form_field(f, id)->choices)
		return f->fld[id].nchoices;
	while (form_field(f, id)->choices[n])
		n++;
	return n;
}

const char *form_choice(const struct form *f, size_t id, size_t k)
{
	if (k >= form_nchoices(f, id))
		return "";
	return form_field(f, id)->choices ? form_field(f, id)->choices[k] : f->fld[id].choices[k];
}

const char *form_choice_label(const struct form *f, size_t id, size_t k, char *buf, size_t len)
{
	if (valid_id(f, id) && form_field(f, id)->choice_label)
		return form_field(f, id)->choice_label(f, k, buf, len);
	snprintf(buf, len, "%s", form_choice(f, id, k));
	return buf;
}

int form_choice_ok(const struct form *f, size_t id, size_t k)
{
	if (k >= form_nchoices(f, id))
		return 0;
	return !form_field(f, id)->choice_ok || form_field(f, id)->choice_ok(f, k);
}

size_t form_chosen(const struct form *f, size_t id)
{
	return valid_id(f, id) ? f->fld[id].choice : 0;
}

size_t form_focus(const struct form *f)
{
	return f->focus;
}

const char *form_message(const struct form *f, size_t id)
{
	const struct form_value *v;

	if (!valid_id(f, id))
		return NULL;
	v = &f->fld[id];
	if (!v->invalid || (v->quiet && !f->submitted))
		return NULL;
	return v->msg;
}

const char *form_server_error(const struct form *f)
{
	return f->server_err[0] ? f->server_err : NULL;
}

struct picker *form_picker(const struct form *f)
{
	return f->picker;
}

int form_has(const struct form *f, size_t id)
{
	return valid_id(f, id) && f->fld[id].has;
}

long long form_number(const struct form *f, size_t id)
{
	return valid_id(f, id) ? f->fld[id].num : 0;
}

uint64_t form_size(const struct form *f, size_t id)
{
	return valid_id(f, id) ? f->fld[id].size : 0;
}
