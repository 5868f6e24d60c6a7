/*
 * The form engine: one engine for every form the console (and later the
 * installer) shows.  A form is a model fed keys and drawn each frame; it
 * never talks to croftd.  A form spec is a table of typed fields:
 *
 *   FORM_TEXT    free text
 *   FORM_NUMBER  a decimal integer, lo..hi
 *   FORM_SIZE    a size as the CLI takes it (512M, 2G; a bare number is
 *                MiB; common/validate.h), optionally a whole number of MiB
 *   FORM_CHOICE  one of a list (fixed in the table, or set per form)
 *   FORM_PATH    an absolute path to a regular file or block device, with
 *                the file picker (tui/picker.h) on F3 or Ctrl-O
 *
 * Each field is checked after every change: first the rules of its type,
 * then its own check (the API's rule, in the API's words: name_check(),
 * memory_check(), the address rules...), so a message follows the typing.
 * An empty field's complaint waits for a submit.  A field may not apply
 * now (why_not: a bridged network has no subnet) or be read-only (an edit
 * form's name): either way it is skipped by the focus, not checked and not
 * sent.  Enter submits only when every active field is valid; otherwise
 * the focus goes to the first invalid one.  When croftd refuses, its
 * message goes back into the form (the input stays) and focuses the field
 * whose words it names first.
 *
 * Keys: Tab/Down next field, Shift-Tab/Up previous, Enter submits, Esc
 * cancels (or closes the picker); in text fields Left/Right/Home/End/
 * Ctrl-A/Ctrl-E move, Backspace/Delete/Ctrl-D delete, Ctrl-U and Ctrl-K cut
 * to the start and to the end, and only printable ASCII is typed; on a
 * choice Space/Right and Left step through the choices and a letter picks
 * the next one starting with it.
 *
 * Ownership: a form copies every string it is given; form_args() returns
 * a new reference.
 */
#ifndef CROFT_TUI_FORM_H
#define CROFT_TUI_FORM_H

#include <curses.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/picker.h"
#include "tui/tui_theme.h"

#define FORM_MAX_FIELDS 16
#define FORM_TEXT_MAX 4096
#define FORM_MSG_MAX 640
#define FORM_ERR_MAX 1200

enum form_kind { FORM_TEXT, FORM_NUMBER, FORM_SIZE, FORM_CHOICE, FORM_PATH };
enum form_result { FORM_CONTINUE = 0, FORM_SUBMIT, FORM_CANCEL };

enum form_flags {
	FORM_REQUIRED = 1,          /* empty is refused (said after a submit) */
	FORM_MIB = 2,               /* FORM_SIZE: whole MiB; the value is in MiB */
	FORM_KEEP = 4,              /* the value it was opened with is not judged */
	FORM_SECRET = 8,            /* FORM_TEXT: drawn as '*' (a password) */
};

struct form;

struct form_field {
	const char *label;
	const char *key;            /* the args member; NULL: not sent by default */
	enum form_kind kind;
	unsigned flags;
	const char *what;           /* how messages name it ("vcpus", "host port") */
	long long lo, hi;           /* FORM_NUMBER: the range */
	const char *const *choices; /* FORM_CHOICE: NULL-ended; NULL: form_set_choices */
	enum picker_kind picker;    /* FORM_PATH: what the picker lists */
	const char *placeholder;    /* dim, in an empty field */
	const char *(*hint)(const struct form *f);   /* a placeholder that varies */
	/* The field's own rule, after its type's (NUMBER and SIZE are parsed
	 * by then; empty text comes here unless FORM_REQUIRED): 0, or -EINVAL
	 * with a message. */
	int (*check)(struct form *f, size_t id, char *msg, size_t len);
	/* NULL: always applies; else why it does not now, or NULL. */
	const char *(*why_not)(const struct form *f);
	/* FORM_CHOICE: the words shown for choice k (NULL: its value). */
	const char *(*choice_label)(const struct form *f, size_t k, char *buf, size_t len);
	/* FORM_CHOICE: whether choice k may be picked (NULL: every one). */
	int (*choice_ok)(const struct form *f, size_t k);
	const char *const *words;   /* NULL-ended: what croftd says about it */
};

struct form_spec {
	const char *title;          /* may hold one %s: the form's subject */
	const char *note;           /* a dim line under the title */
	const char *op;             /* the API op the args are for */
	const char *submit;         /* what Enter does: "create", "save" */
	const char *subject_key;    /* args member for the subject, or NULL */
	const struct form_field *fields;
	size_t n;                   /* <= FORM_MAX_FIELDS */
	/* The args (new reference); NULL: the subject and every active field
	 * with a key and a value (NUMBER as an integer, the rest as text). */
	json_t *(*args)(const struct form *f);
	void (*free_ctx)(void *ctx);
};

/* A form with empty fields, first choices, the focus on the first field. */
struct form *form_new(const struct form_spec *spec, const char *subject);
void form_free(struct form *f);

/* Setting up (then form_ready()). */
void form_set_text(struct form *f, size_t id, const char *text);
void form_set_choices(struct form *f, size_t id, const char *const *choices, size_t n);
void form_set_choice(struct form *f, size_t id, size_t k);
/* The choice whose value is value; -ENOENT when none is. */
int form_choose(struct form *f, size_t id, const char *value);
void form_set_readonly(struct form *f, size_t id, int readonly);
void form_set_note(struct form *f, const char *note, int warn);
/* What the keys line says Esc does ("back"; the default is "cancel"). */
void form_set_cancel_word(struct form *f, const char *word);
/* The spec's own data, freed by its free_ctx. */
void form_set_ctx(struct form *f, void *ctx);
void *form_ctx(const struct form *f);
/* Check every field and focus the first active one. */
void form_ready(struct form *f);

int form_key(struct form *f, int ch);
/* New reference: the op's args; NULL while an active field is invalid. */
json_t *form_args(const struct form *f);
/* croftd refused: show message (NULL clears it); focus its field. */
void form_set_error(struct form *f, const char *message);
/* The field croftd's message is about, or -1. */
long form_field_of_message(const struct form *f, const char *message);

/* Reading. */
const struct form_spec *form_spec(const struct form *f);
const char *form_op(const struct form *f);
const char *form_title(const struct form *f);
const char *form_subject(const struct form *f);
const char *form_note(const struct form *f, int *warn);
size_t form_nfields(const struct form *f);
const char *form_label(const struct form *f, size_t id);
enum form_kind form_kind(const struct form *f, size_t id);
int form_readonly(const struct form *f, size_t id);
const char *form_why_not(const struct form *f, size_t id);
/* Neither read-only nor out of play: focusable, checked, sent. */
int form_active(const struct form *f, size_t id);
const char *form_placeholder(const struct form *f, size_t id);
const char *form_text(const struct form *f, size_t id);
size_t form_cursor(const struct form *f, size_t id);
size_t form_nchoices(const struct form *f, size_t id);
const char *form_choice(const struct form *f, size_t id, size_t k);
const char *form_choice_label(const struct form *f, size_t id, size_t k, char *buf, size_t len);
int form_choice_ok(const struct form *f, size_t id, size_t k);
size_t form_chosen(const struct form *f, size_t id);
size_t form_focus(const struct form *f);
/* The message the field shows now, or NULL. */
const char *form_message(const struct form *f, size_t id);
const char *form_server_error(const struct form *f);
/* The field's FORM_* flags. */
unsigned form_flags(const struct form *f, size_t id);
/* The keys line for the focused field, into buf. */
const char *form_help(const struct form *f, char *buf, size_t len);
struct picker *form_picker(const struct form *f);

/* Parsed values.  form_has: the field is active, valid and not empty. */
int form_has(const struct form *f, size_t id);
long long form_number(const struct form *f, size_t id);
/* FORM_SIZE: bytes, or MiB with FORM_MIB. */
uint64_t form_size(const struct form *f, size_t id);

/* form_draw.c: the form (and the picker, when open) as a centred box in
 * w, which may be as small as 80x20; only the box's cells are written.
 * The cursor is left at the focused text field's insertion point. */
void form_draw(const struct form *f, WINDOW *w, const struct tui_theme *th);

#endif
