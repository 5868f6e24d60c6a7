/*
 * The VM form's insides, shared by vmform.c (keys, args), vmform_fields.c
 * (the field table and the checks) and vmform_draw.c, and read by the unit
 * tests.  Not for the rest of the console: it uses tui/vmform.h.
 *
 * Every field holds text (choice fields an index into their choices) and
 * the result of its last check.  vmform_validate() runs the checks of the
 * editable fields in table order, so a check may use what an earlier one
 * parsed (Min memory uses Memory; Boot order uses Disk size, Existing
 * image and ISO), and is run after every change.
 */
#ifndef CROFT_TUI_VMFORM_INTERNAL_H
#define CROFT_TUI_VMFORM_INTERNAL_H

#include "tui/vmform.h"
#include "tui/picker.h"

#include <stddef.h>
#include <stdint.h>

#define VMFORM_TEXT_MAX 4096
#define VMFORM_MSG_MAX 640
#define VMFORM_ERR_MAX 1200

enum vmform_field_id {
	VMFORM_NAME, VMFORM_VCPUS, VMFORM_MEMORY, VMFORM_MEMORY_MIN, VMFORM_DISK_SIZE,
	VMFORM_IMAGE, VMFORM_ISO, VMFORM_FIRMWARE, VMFORM_BOOT,
	VMFORM_NFIELDS
};

enum vmform_kind { VMFORM_TEXT, VMFORM_PATH, VMFORM_CHOICE };

struct vmform;

struct vmform_field_spec {
	const char *label;
	enum vmform_kind kind;
	const char *const *choices;     /* VMFORM_CHOICE: NULL-terminated */
	enum picker_kind picker;        /* VMFORM_PATH: what the picker lists */
	const char *placeholder;        /* dim text in an empty field */
	/* 0, or -EINVAL with a message; records what it parsed in f->val. */
	int (*check)(struct vmform *f, char *msg, size_t len);
};

/* Indexed by enum vmform_field_id. */
extern const struct vmform_field_spec vmform_fields[VMFORM_NFIELDS];

struct vmform_field {
	char text[VMFORM_TEXT_MAX];
	size_t len, cur;
	int choice;
	int readonly;
	int invalid;
	int quiet;                      /* only "empty": shown after a submit */
	char msg[VMFORM_MSG_MAX];
};

/* The input, parsed by the checks; a value is meaningful when its field is
 * valid. */
struct vmform_values {
	long long vcpus;
	uint64_t memory_mib;
	int memory_ok;
	uint64_t memory_min_mib;
	int has_min;
	uint64_t disk_bytes;
	int has_disk_size;
	int has_image;
	int has_iso;
	char boot[64];                  /* the boot order croftd would use */
};

/* An edit form's VM as it was. */
struct vmform_orig {
	char *name;
	long long vcpus;
	uint64_t memory_mib, memory_min_mib;
	char *firmware, *boot, *cdrom;
	size_t ndisks;
	int has_kernel;
	int live;                       /* its QEMU runs: only memory may change */
};

struct vmform {
	int edit;
	struct vmform_orig orig;
	struct vmform_field fld[VMFORM_NFIELDS];
	int focus;
	int submitted;
	char server_err[VMFORM_ERR_MAX];
	struct picker *picker;          /* open file picker, or NULL */
	int picker_field;
	struct vmform_values val;
};

/* vmform_fields.c */
void vmform_validate(struct vmform *f);
/* The words shown for choice number choice of field id. */
const char *vmform_choice_label(const struct vmform *f, int id, int choice,
				char *buf, size_t len);
/* Number of choices of field id. */
int vmform_choice_count(int id);
/* The message field id shows now, or NULL. */
const char *vmform_message(const struct vmform *f, int id);
/* Which field a croftd message is about, or -1. */
int vmform_field_of_message(const char *message);

/* vmform.c, for tests and drawing */
int vmform_focus(const struct vmform *f);
int vmform_editable(const struct vmform *f, int id);
const char *vmform_text(const struct vmform *f, int id);
const char *vmform_server_error(const struct vmform *f);
struct picker *vmform_picker(const struct vmform *f);

#endif
