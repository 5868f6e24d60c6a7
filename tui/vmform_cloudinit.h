/*
 * The cloud-init sub-form of the VM create/edit form (tui/vmform.h).  F6
 * on a VM form opens this form over it with the settings the VM form
 * holds (its note line says which, when there is room), and its submit
 * puts the new settings back into the VM form (nothing is sent until the
 * VM form is).  The VM form has no field for them: it already fills an
 * 80x20 box.
 *
 * Fields: User, SSH key (a pasted public key line, or the path of a file
 * of them, which the console reads with the rights of whoever runs it),
 * Password (typed hidden; the console hashes it with crypt(3), yescrypt,
 * so no plain password leaves it), Password hash (a crypt(3) hash instead
 * of a password), Hostname, Network (dhcp or static:A/P:GW[:DNS]), a
 * User-data file, read by the console too, and Cloud-init: on, or off to
 * turn it off.  Each is judged by
 * common/cloudinit.h, croftd's rules and words.  On an edit, an empty SSH
 * key, password or user-data field keeps what is set now ("-" removes the
 * user data).
 */
#ifndef CROFT_TUI_VMFORM_CLOUDINIT_H
#define CROFT_TUI_VMFORM_CLOUDINIT_H

#include <jansson.h>
#include <stddef.h>

#include "tui/form.h"

enum vmform_ci_field {
	VMFORM_CI_USER, VMFORM_CI_KEY, VMFORM_CI_PASSWORD, VMFORM_CI_HASH, VMFORM_CI_HOSTNAME,
	VMFORM_CI_NETWORK, VMFORM_CI_USERDATA, VMFORM_CI_USE,
	VMFORM_CI_NFIELDS
};

/* 1 when f is a VM form, whose settings the sub-form edits. */
int vmform_cloudinit_can(const struct form *f);
/* The sub-form for the settings now (a cloud_init object, borrowed; NULL:
 * none yet).  Free with form_free(). */
struct form *vmform_cloudinit_new(const json_t *now);
/* The settings a submitted sub-form gives (the password hashed, the files
 * read): 0 with *out (new reference; NULL when Cloud-init is off), or
 * -errno with err, for form_set_error(). */
int vmform_cloudinit_result(const struct form *sub, json_t **out, char *err, size_t errlen);

/* The VM form's settings: borrowed, NULL when none; set takes settings
 * (NULL: off) and says so in the VM form's note. */
const json_t *vmform_cloudinit_get(const struct form *vm);
void vmform_cloudinit_set(struct form *vm, json_t *settings);

/* For vmform.c: the VM form's note saying what its settings are, and the
 * args member "cloud_init" of a create (only when set) and of an edit
 * (only when changed: null turns it off), into a. */
void vmform_cloudinit_note(struct form *vm);
void vmform_cloudinit_args(const struct form *vm, int edit, json_t *a);

#endif
