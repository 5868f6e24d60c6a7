/*
 * The console's create/edit VM form.  A form is a model the console feeds
 * keys into and draws each frame; it never talks to croftd.  When a key
 * returns VMFORM_SUBMIT every field is valid and vmform_args() holds the
 * request's args: for vm.create on a create form, for vm.edit (the "name"
 * plus only the changed fields) on an edit form.  If croftd refuses, the
 * console hands its message to vmform_set_error() and keeps drawing the
 * form, which still holds the user's input.
 *
 * Fields, in order: Name, vCPUs, Memory, Min memory, Disk size, Existing
 * image, ISO, Firmware, Boot order.  Each is checked as it is typed, with
 * the rules and words of common/validate.h and croftd (an empty required
 * field says so only after a submit).  Sizes are written as in the CLI
 * (512M, 2G; a bare number is MiB); paths must be absolute, and F3 or
 * Ctrl-O on Existing image or ISO opens the file picker (tui/picker.h).
 * An edit form shows the name and the disks but does not let them change,
 * and, while the VM's QEMU runs, lets only the memory fields change (as
 * vm.edit allows).
 *
 * Keys: Tab/Down next field, Shift-Tab/Up previous, Enter submits, Esc
 * cancels (or closes the picker), Space/Left/Right change Firmware and Boot
 * order, and in text fields Left/Right/Home/End/Ctrl-A/Ctrl-E move,
 * Backspace/Delete/Ctrl-D delete, Ctrl-U and Ctrl-K cut to the start and
 * to the end.  Only printable ASCII is typed into text fields.
 */
#ifndef CROFT_TUI_VMFORM_H
#define CROFT_TUI_VMFORM_H

#include <curses.h>
#include <jansson.h>

#include "tui/tui_theme.h"

enum vmform_result { VMFORM_CONTINUE = 0, VMFORM_SUBMIT, VMFORM_CANCEL };

struct vmform;

/* A create form with the defaults: 1 vCPU, 1G of memory, no floor, an 8G
 * disk, bios, the default boot order.  Free with vmform_free(). */
struct vmform *vmform_new_create(void);
/* An edit form for vm, a vm.info result (borrowed; nothing is kept from
 * it).  NULL when vm is not an object with a string "name". */
struct vmform *vmform_new_edit(const json_t *vm);
void vmform_free(struct vmform *f);

/* One key from getch()/wget_wch(), KEY_* codes included; returns enum
 * vmform_result.  SUBMIT only when every field is valid; otherwise focus
 * moves to the first invalid field, its message shows, and CONTINUE. */
int vmform_key(struct vmform *f, int ch);

/*
 * Draw the form (and the file picker, when open) as a centred box with ACS
 * borders inside w, which may be as small as 80x20.  Only the box's cells
 * are written.  The cursor is left at the insertion point of the focused
 * text field, for a console that shows it (curs_set(1)).
 */
void vmform_draw(struct vmform *f, WINDOW *w, const struct tui_theme *th);

/* New reference: the args for vm.create, or for vm.edit ("name" and only
 * the changed fields).  NULL while a field is invalid. */
json_t *vmform_args(const struct vmform *f);
int vmform_is_edit(const struct vmform *f);

/* croftd refused the submit: show message (copied; NULL clears it) and,
 * when it is about one field, focus that field.  The input stays. */
void vmform_set_error(struct vmform *f, const char *message);

#endif
