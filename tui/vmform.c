/*
 * The VM form's model: construction from defaults or from a vm.info result,
 * key handling, and the request args.  Keys go, in this order, to the open
 * file picker, to the form-wide key table (move, submit, cancel, browse),
 * then to the focused field (text editing or changing a choice).  Every
 * change re-runs the checks (vmform_fields.c), so messages follow the
 * typing; drawing (vmform_draw.c) only shows this state.
 */
#include "tui/vmform_internal.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM_CTRL(c) ((c) & 0x1f)

static void field_set(struct vmform_field *fl, const char *s)
{
	snprintf(fl->text, sizeof(fl->text), "%s", s ? s : "");
	fl->len = strlen(fl->text);
	fl->cur = fl->len;
}

static int choice_index(int id, const char *value)
{
	const char *const *ch = vmform_fields[id].choices;
	int i;

	for (i = 0; value && ch[i]; i++)
		if (!strcmp(ch[i], value))
			return i;
	return -1;
}

static int first_editable(const struct vmform *f)
{
	int i;

	for (i = 0; i < VMFORM_NFIELDS; i++)
		if (!f->fld[i].readonly)
			return i;
	return 0;
}

struct vmform *vmform_new_create(void)
{
	struct vmform *f = xcalloc(1, sizeof(*f));

	field_set(&f->fld[VMFORM_VCPUS], "1");
	field_set(&f->fld[VMFORM_MEMORY], "1G");
	field_set(&f->fld[VMFORM_DISK_SIZE], "8G");
	f->fld[VMFORM_FIRMWARE].choice = 0;
	f->fld[VMFORM_BOOT].choice = 0;
	f->focus = VMFORM_NAME;
	vmform_validate(f);
	return f;
}

/* MiB as the form takes it back: the largest unit that is exact. */
static void mib_text(uint64_t mib, char *buf, size_t len)
{
	if (mib && mib % (1ULL << 20) == 0)
		snprintf(buf, len, "%lluT", (unsigned long long)(mib >> 20));
	else if (mib && mib % 1024 == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(mib >> 10));
	else if (mib)
		snprintf(buf, len, "%lluM", (unsigned long long)mib);
	else
		snprintf(buf, len, "0");
}

static const char *json_str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

static json_int_t json_int(const json_t *o, const char *key, json_int_t dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

/* The disks are shown, not edited: the first created disk's size and the
 * first attached image's path. */
static void show_disks(struct vmform *f, const json_t *disks)
{
	char size[32], buf[VMFORM_TEXT_MAX];
	const json_t *d;
	size_t i, n = json_array_size(disks);
	int size_done = 0, path_done = 0;

	json_array_foreach(disks, i, d) {
		if (json_is_true(json_object_get(d, "owned")) && !size_done) {
			size_format((uint64_t)json_int(d, "size_bytes", 0), size, sizeof(size));
			if (n > 1)
				snprintf(buf, sizeof(buf), "%s (and %zu more disk%s)", size, n - 1,
					 n > 2 ? "s" : "");
			else
				snprintf(buf, sizeof(buf), "%s", size);
			field_set(&f->fld[VMFORM_DISK_SIZE], buf);
			size_done = 1;
		} else if (!json_is_true(json_object_get(d, "owned")) && !path_done) {
			field_set(&f->fld[VMFORM_IMAGE], json_str(d, "path", ""));
			path_done = 1;
		}
	}
	f->orig.ndisks = n;
}

static int vm_is_live(const json_t *vm)
{
	const char *state = json_str(vm, "state", "stopped");

	if (json_is_integer(json_object_get(vm, "pid")))
		return 1;
	return strcmp(state, "stopped") && strcmp(state, "crashed");
}

struct vmform *vmform_new_edit(const json_t *vm)
{
	struct vmform *f;
	struct vmform_orig *o;
	char buf[32];
	int i, c;

	if (!json_is_object(vm) || !json_string_value(json_object_get(vm, "name")))
		return NULL;
	f = xcalloc(1, sizeof(*f));
	f->edit = 1;
	o = &f->orig;
	o->name = xstrdup(json_str(vm, "name", ""));
	o->vcpus = json_int(vm, "vcpus", 1);
	o->memory_mib = (uint64_t)json_int(vm, "memory_mib", 0);
	o->memory_min_mib = (uint64_t)json_int(vm, "memory_min_mib", (json_int_t)o->memory_mib);
	o->firmware = xstrdup(json_str(vm, "firmware", "bios"));
	o->boot = xstrdup(json_str(vm, "boot", "disk"));
	o->cdrom = xstrdup_or_null(json_str(vm, "cdrom", NULL));
	if (o->cdrom && !*o->cdrom) {
		free(o->cdrom);
		o->cdrom = NULL;
	}
	o->has_kernel = json_str(vm, "kernel", NULL) != NULL;
	o->live = vm_is_live(vm);

	field_set(&f->fld[VMFORM_NAME], o->name);
	snprintf(buf, sizeof(buf), "%lld", o->vcpus);
	field_set(&f->fld[VMFORM_VCPUS], buf);
	mib_text(o->memory_mib, buf, sizeof(buf));
	field_set(&f->fld[VMFORM_MEMORY], buf);
	/* A floor equal to memory is shown as "the same as memory". */
	if (o->memory_min_mib != o->memory_mib) {
		mib_text(o->memory_min_mib, buf, sizeof(buf));
		field_set(&f->fld[VMFORM_MEMORY_MIN], buf);
	}
	show_disks(f, json_object_get(vm, "disks"));
	field_set(&f->fld[VMFORM_ISO], o->cdrom);
	c = choice_index(VMFORM_FIRMWARE, o->firmware);
	f->fld[VMFORM_FIRMWARE].choice = c < 0 ? 0 : c;
	c = choice_index(VMFORM_BOOT, o->boot);
	f->fld[VMFORM_BOOT].choice = c < 0 ? 0 : c;

	for (i = 0; i < VMFORM_NFIELDS; i++)
		f->fld[i].readonly = i == VMFORM_NAME || i == VMFORM_DISK_SIZE || i == VMFORM_IMAGE ||
			(o->live && i != VMFORM_MEMORY && i != VMFORM_MEMORY_MIN);
	f->focus = first_editable(f);
	vmform_validate(f);
	return f;
}

void vmform_free(struct vmform *f)
{
	if (!f)
		return;
	picker_free(f->picker);
	free(f->orig.name);
	free(f->orig.firmware);
	free(f->orig.boot);
	free(f->orig.cdrom);
	free(f);
}

int vmform_is_edit(const struct vmform *f)
{
	return f->edit;
}

/* --- keys ----------------------------------------------------------------- */

static void changed(struct vmform *f)
{
	f->server_err[0] = '\0';
	vmform_validate(f);
}

static int key_next(struct vmform *f)
{
	int i, id;

	for (i = 1; i <= VMFORM_NFIELDS; i++) {
		id = (f->focus + i) % VMFORM_NFIELDS;
		if (!f->fld[id].readonly) {
			f->focus = id;
			break;
		}
	}
	return VMFORM_CONTINUE;
}

static int key_prev(struct vmform *f)
{
	int i, id;

	for (i = 1; i <= VMFORM_NFIELDS; i++) {
		id = (f->focus - i + VMFORM_NFIELDS) % VMFORM_NFIELDS;
		if (!f->fld[id].readonly) {
			f->focus = id;
			break;
		}
	}
	return VMFORM_CONTINUE;
}

static int key_cancel(struct vmform *f)
{
	(void)f;
	return VMFORM_CANCEL;
}

static int key_submit(struct vmform *f)
{
	int i;

	f->submitted = 1;
	f->server_err[0] = '\0';
	vmform_validate(f);
	for (i = 0; i < VMFORM_NFIELDS; i++) {
		if (f->fld[i].invalid && !f->fld[i].readonly) {
			f->focus = i;
			return VMFORM_CONTINUE;
		}
	}
	return VMFORM_SUBMIT;
}

static int key_browse(struct vmform *f)
{
	const struct vmform_field_spec *sp = &vmform_fields[f->focus];

	if (sp->kind != VMFORM_PATH || f->fld[f->focus].readonly)
		return VMFORM_CONTINUE;
	picker_free(f->picker);
	f->picker = picker_new(sp->picker, f->fld[f->focus].text);
	f->picker_field = f->focus;
	return VMFORM_CONTINUE;
}

static const struct vmform_keymap {
	int ch;
	int (*fn)(struct vmform *f);
} form_keys[] = {
	{ 27, key_cancel },
	{ '\t', key_next },
	{ KEY_DOWN, key_next },
	{ KEY_BTAB, key_prev },
	{ KEY_UP, key_prev },
	{ '\n', key_submit },
	{ '\r', key_submit },
	{ KEY_ENTER, key_submit },
	{ KEY_F(3), key_browse },
	{ FORM_CTRL('O'), key_browse },
};

/* Text editing: each returns 1 when the text changed. */
static int ed_left(struct vmform_field *fl) { if (fl->cur) fl->cur--; return 0; }
static int ed_right(struct vmform_field *fl) { if (fl->cur < fl->len) fl->cur++; return 0; }
static int ed_home(struct vmform_field *fl) { fl->cur = 0; return 0; }
static int ed_end(struct vmform_field *fl) { fl->cur = fl->len; return 0; }

static int ed_delete(struct vmform_field *fl)
{
	if (fl->cur >= fl->len)
		return 0;
	memmove(fl->text + fl->cur, fl->text + fl->cur + 1, fl->len - fl->cur);
	fl->len--;
	return 1;
}

static int ed_backspace(struct vmform_field *fl)
{
	if (!fl->cur)
		return 0;
	fl->cur--;
	return ed_delete(fl);
}

static int ed_kill_start(struct vmform_field *fl)
{
	if (!fl->cur)
		return 0;
	memmove(fl->text, fl->text + fl->cur, fl->len - fl->cur + 1);
	fl->len -= fl->cur;
	fl->cur = 0;
	return 1;
}

static int ed_kill_end(struct vmform_field *fl)
{
	if (fl->cur == fl->len)
		return 0;
	fl->text[fl->cur] = '\0';
	fl->len = fl->cur;
	return 1;
}

static const struct vmform_editmap {
	int ch;
	int (*fn)(struct vmform_field *fl);
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

static int text_key(struct vmform *f, struct vmform_field *fl, int ch)
{
	size_t i;

	for (i = 0; i < sizeof(edit_keys) / sizeof(edit_keys[0]); i++) {
		if (edit_keys[i].ch == ch) {
			if (edit_keys[i].fn(fl))
				changed(f);
			return VMFORM_CONTINUE;
		}
	}
	if (ch < 32 || ch > 126 || fl->len + 1 >= sizeof(fl->text))
		return VMFORM_CONTINUE;
	memmove(fl->text + fl->cur + 1, fl->text + fl->cur, fl->len - fl->cur + 1);
	fl->text[fl->cur++] = (char)ch;
	fl->len++;
	changed(f);
	return VMFORM_CONTINUE;
}

/* Boot choice 0 means "no boot argument"; on an edit form whose order is
 * one of the others it would only repeat that one, so it is skipped. */
static int choice_allowed(const struct vmform *f, int id, int c)
{
	return !(id == VMFORM_BOOT && c == 0 && f->edit && choice_index(VMFORM_BOOT, f->orig.boot) > 0);
}

static int choice_key(struct vmform *f, struct vmform_field *fl, int ch)
{
	int n = vmform_choice_count(f->focus), step, c, k;

	if (ch == ' ' || ch == KEY_RIGHT)
		step = 1;
	else if (ch == KEY_LEFT)
		step = -1;
	else
		return VMFORM_CONTINUE;
	c = fl->choice;
	for (k = 0; k < n; k++) {
		c = (c + step + n) % n;
		if (choice_allowed(f, f->focus, c))
			break;
	}
	if (c != fl->choice) {
		fl->choice = c;
		changed(f);
	}
	return VMFORM_CONTINUE;
}

static int picker_keyed(struct vmform *f, int ch)
{
	int r = picker_key(f->picker, ch);

	if (r == PICKER_PICKED) {
		field_set(&f->fld[f->picker_field], picker_chosen(f->picker));
		f->focus = f->picker_field;
		changed(f);
	}
	if (r != PICKER_CONTINUE) {
		picker_free(f->picker);
		f->picker = NULL;
	}
	return VMFORM_CONTINUE;
}

int vmform_key(struct vmform *f, int ch)
{
	struct vmform_field *fl;
	size_t i;

	if (f->picker)
		return picker_keyed(f, ch);
	for (i = 0; i < sizeof(form_keys) / sizeof(form_keys[0]); i++)
		if (form_keys[i].ch == ch)
			return form_keys[i].fn(f);
	fl = &f->fld[f->focus];
	if (fl->readonly)
		return VMFORM_CONTINUE;
	if (vmform_fields[f->focus].kind == VMFORM_CHOICE)
		return choice_key(f, fl, ch);
	return text_key(f, fl, ch);
}

/* --- args ----------------------------------------------------------------- */

static int any_invalid(const struct vmform *f)
{
	int i;

	for (i = 0; i < VMFORM_NFIELDS; i++)
		if (f->fld[i].invalid && !f->fld[i].readonly)
			return 1;
	return 0;
}

static const char *choice_value(const struct vmform *f, int id)
{
	return vmform_fields[id].choices[f->fld[id].choice];
}

static json_t *create_args(const struct vmform *f)
{
	const struct vmform_values *v = &f->val;
	json_t *a = json_pack("{s:s,s:I,s:I}", "name", f->fld[VMFORM_NAME].text,
			      "vcpus", (json_int_t)v->vcpus, "memory_mib", (json_int_t)v->memory_mib);

	if (v->has_min)
		json_object_set_new(a, "memory_min_mib", json_integer((json_int_t)v->memory_min_mib));
	if (v->has_disk_size)
		json_object_set_new(a, "disks", json_pack("[{s:I}]", "size_bytes",
							  (json_int_t)v->disk_bytes));
	else if (v->has_image)
		json_object_set_new(a, "disks", json_pack("[{s:s}]", "path",
							  f->fld[VMFORM_IMAGE].text));
	if (v->has_iso)
		json_object_set_new(a, "cdrom", json_string(f->fld[VMFORM_ISO].text));
	json_object_set_new(a, "firmware", json_string(choice_value(f, VMFORM_FIRMWARE)));
	if (f->fld[VMFORM_BOOT].choice > 0)
		json_object_set_new(a, "boot", json_string(choice_value(f, VMFORM_BOOT)));
	return a;
}

static json_t *edit_args(const struct vmform *f)
{
	const struct vmform_orig *o = &f->orig;
	const struct vmform_values *v = &f->val;
	json_t *a = json_pack("{s:s}", "name", o->name);

	if (!f->fld[VMFORM_VCPUS].readonly && v->vcpus != o->vcpus)
		json_object_set_new(a, "vcpus", json_integer(v->vcpus));
	if (!f->fld[VMFORM_MEMORY].readonly && v->memory_mib != o->memory_mib)
		json_object_set_new(a, "memory_mib", json_integer((json_int_t)v->memory_mib));
	if (!f->fld[VMFORM_MEMORY_MIN].readonly) {
		/* What vm.edit does to the floor when it is not given: a floor
		 * that was all of memory follows memory. */
		uint64_t kept = o->memory_min_mib == o->memory_mib ? v->memory_mib : o->memory_min_mib;
		uint64_t want = v->has_min ? v->memory_min_mib : v->memory_mib;

		if (want != kept)
			json_object_set_new(a, "memory_min_mib", json_integer((json_int_t)want));
	}
	if (!f->fld[VMFORM_ISO].readonly) {
		const char *iso = v->has_iso ? f->fld[VMFORM_ISO].text : NULL;

		if (!iso != !o->cdrom || (iso && strcmp(iso, o->cdrom)))
			json_object_set_new(a, "cdrom", iso ? json_string(iso) : json_null());
	}
	if (!f->fld[VMFORM_FIRMWARE].readonly && strcmp(choice_value(f, VMFORM_FIRMWARE), o->firmware))
		json_object_set_new(a, "firmware", json_string(choice_value(f, VMFORM_FIRMWARE)));
	if (!f->fld[VMFORM_BOOT].readonly && f->fld[VMFORM_BOOT].choice > 0 &&
	    strcmp(choice_value(f, VMFORM_BOOT), o->boot))
		json_object_set_new(a, "boot", json_string(choice_value(f, VMFORM_BOOT)));
	return a;
}

json_t *vmform_args(const struct vmform *f)
{
	if (any_invalid(f))
		return NULL;
	return f->edit ? edit_args(f) : create_args(f);
}

void vmform_set_error(struct vmform *f, const char *message)
{
	int id = vmform_field_of_message(message);

	snprintf(f->server_err, sizeof(f->server_err), "%s", message ? message : "");
	if (message && id >= 0 && !f->fld[id].readonly)
		f->focus = id;
}

/* --- read access ------------------------------------------------------------ */

int vmform_focus(const struct vmform *f)
{
	return f->focus;
}

int vmform_editable(const struct vmform *f, int id)
{
	return id >= 0 && id < VMFORM_NFIELDS && !f->fld[id].readonly;
}

const char *vmform_text(const struct vmform *f, int id)
{
	return f->fld[id].text;
}

const char *vmform_server_error(const struct vmform *f)
{
	return f->server_err[0] ? f->server_err : NULL;
}

struct picker *vmform_picker(const struct vmform *f)
{
	return f->picker;
}
