/*
 * The form engine's state, shared by form.c (set-up, checks, args,
 * reading) and form_keys.c (keys); the rest of the tree uses tui/form.h.
 *
 * Every field holds its text (a choice: the index of its choice), its
 * parsed value and the result of its last check.  form_validate() runs the
 * checks of the active fields in table order, so a check may read what an
 * earlier field parsed (form_has(), form_number(), form_size()).
 */
#ifndef CROFT_TUI_FORM_INTERNAL_H
#define CROFT_TUI_FORM_INTERNAL_H

#include "tui/form.h"

struct form_value {
	char text[FORM_TEXT_MAX];
	size_t len, cur;
	size_t choice;
	char **choices;             /* form_set_choices(): owned */
	size_t nchoices;
	char *orig;                 /* FORM_KEEP: the value it was opened with */
	int readonly;
	int invalid;
	int quiet;                  /* an empty field: its message waits for a submit */
	int has;                    /* valid and not empty */
	long long num;
	uint64_t size;
	char msg[FORM_MSG_MAX];
};

struct form {
	const struct form_spec *spec;
	char subject[128];
	char title[192];
	char note[192];
	int note_warn;
	struct form_value fld[FORM_MAX_FIELDS];
	size_t focus;
	int submitted;
	char server_err[FORM_ERR_MAX];
	struct picker *picker;      /* the open file picker, or NULL */
	size_t picker_field;
	void *ctx;
	char cancel[16];            /* Esc's word in the keys line, or "" */
};

const struct form_field *form_field(const struct form *f, size_t id);
/* Replace a field's text, the cursor at its end. */
void form_put_text(struct form_value *v, const char *text);
/* Check every active field; clears croftd's refusal when changed. */
void form_validate(struct form *f);
void form_changed(struct form *f);
/* Enter: FORM_SUBMIT, or FORM_CONTINUE with the first invalid field
 * focused. */
int form_submit(struct form *f);

#endif
