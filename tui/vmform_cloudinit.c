/*
 * The cloud-init sub-form and the VM form's Cloud-init field
 * (vmform_cloudinit.h).  The sub-form judges each field as croftd would
 * (common/cloudinit.h); what needs more than one field (a password needs a
 * user) or a file's content is judged when it is submitted, and a refusal
 * goes back into it through form_set_error().
 */
#include "tui/vmform_cloudinit.h"
#include "tui/cli_cloudinit.h"
#include "tui/vmform.h"
#include "common/cloudinit.h"
#include "common/json_get.h"
#include "common/xalloc.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sub-form's own data: what is set now, kept when a field is empty. */
struct ci_ctx {
	json_t *now;                     /* the settings it was opened with, or NULL */
};

static const struct ci_ctx *cictx(const struct form *f)
{
	return form_ctx(f);
}

static void ci_free(void *p)
{
	struct ci_ctx *c = p;

	json_decref(c->now);
	free(c);
}

static const char *text(const struct form *f, size_t id)
{
	return form_text(f, id);
}

static int check_user(struct form *f, size_t id, char *msg, size_t len)
{
	return *text(f, id) ? cloudinit_user_check(text(f, id), msg, len) : 0;
}

static int check_hostname(struct form *f, size_t id, char *msg, size_t len)
{
	return *text(f, id) ? cloudinit_hostname_check(text(f, id), msg, len) : 0;
}

static int check_hash(struct form *f, size_t id, char *msg, size_t len)
{
	if (!*text(f, id))
		return 0;
	if (*text(f, VMFORM_CI_PASSWORD)) {
		err_set(msg, len, "give a password or a password hash, not both");
		return -EINVAL;
	}
	return cloudinit_password_hash_check(text(f, id), msg, len);
}

static int check_network(struct form *f, size_t id, char *msg, size_t len)
{
	struct cloudinit_net n;

	return *text(f, id) ? cloudinit_network_parse(text(f, id), &n, msg, len) : 0;
}

/* A pasted key is judged as typed; a file when the form is submitted. */
static int check_key(struct form *f, size_t id, char *msg, size_t len)
{
	const char *v = text(f, id);

	if (!*v || *v == '/')
		return 0;
	if (strchr(v, ' ') || !strncmp(v, "ssh-", 4) || strstr(v, "PRIVATE"))
		return cloudinit_ssh_key_check(v, msg, len);
	err_set(msg, len, "paste a public key (ssh-ed25519 AAAA...) or give the absolute path of a .pub file");
	return -EINVAL;
}

static const char *key_hint(const struct form *f)
{
	const json_t *keys = jget(cictx(f)->now, "ssh_keys");

	return json_array_size(keys) ? "empty: keep the keys set now"
				     : "paste a public key, or the path of a .pub file";
}

static const char *password_hint(const struct form *f)
{
	return jget_str(cictx(f)->now, "password_hash", NULL) ? "empty: keep the password set now"
							       : "typed hidden; hashed here (yescrypt)";
}

static const char *userdata_hint(const struct form *f)
{
	return jget_str(cictx(f)->now, "user_data", NULL) ? "empty: keep it; - removes it"
							   : "none (F3 or Ctrl-O to browse)";
}

static const char *const use_choices[] = { "on", "off", NULL };
static const char *const w_user[] = { "user", NULL };
static const char *const w_key[] = { "ssh key", "ssh_keys", NULL };
static const char *const w_password[] = { "password needs", NULL };
static const char *const w_hash[] = { "password-hash", "password hash", NULL };
static const char *const w_hostname[] = { "hostname", NULL };
static const char *const w_network[] = { "network", NULL };
static const char *const w_userdata[] = { "user-data", "user_data", NULL };

static const struct form_field ci_fields[VMFORM_CI_NFIELDS] = {
	[VMFORM_CI_USER] = { .label = "User", .kind = FORM_TEXT, .what = "user",
			     .placeholder = "the image's default user", .check = check_user,
			     .words = w_user },
	[VMFORM_CI_KEY] = { .label = "SSH key", .kind = FORM_TEXT, .what = "ssh key",
			    .hint = key_hint, .check = check_key, .words = w_key },
	[VMFORM_CI_PASSWORD] = { .label = "Password", .kind = FORM_TEXT, .flags = FORM_SECRET,
				 .what = "password", .hint = password_hint, .words = w_password },
	[VMFORM_CI_HASH] = { .label = "Password hash", .kind = FORM_TEXT, .what = "password-hash",
			     .placeholder = "or a crypt(3) hash ($y$..., $6$...)", .check = check_hash,
			     .words = w_hash },
	[VMFORM_CI_HOSTNAME] = { .label = "Hostname", .kind = FORM_TEXT, .what = "hostname",
				 .placeholder = "the VM's name", .check = check_hostname,
				 .words = w_hostname },
	[VMFORM_CI_NETWORK] = { .label = "Network", .kind = FORM_TEXT, .what = "network",
				.placeholder = "image default; dhcp or static:A/P:GW[:DNS]",
				.check = check_network, .words = w_network },
	[VMFORM_CI_USERDATA] = { .label = "User-data file", .kind = FORM_TEXT, .what = "user-data",
				 .hint = userdata_hint, .words = w_userdata },
	[VMFORM_CI_USE] = { .label = "Cloud-init", .kind = FORM_CHOICE, .choices = use_choices },
};

static const struct form_spec ci_spec = {
	"Cloud-init settings", "Read by the guest's cloud-init at its next boot; F6 or Enter puts them in the VM form",
	NULL, "keep", NULL, ci_fields, VMFORM_CI_NFIELDS, NULL, ci_free,
};

int vmform_cloudinit_can(const struct form *f)
{
	const char *op = f ? form_op(f) : NULL;

	return op && (!strcmp(op, "vm.create") || !strcmp(op, "vm.edit"));
}

struct form *vmform_cloudinit_new(const json_t *now)
{
	struct form *f = form_new(&ci_spec, NULL);
	struct ci_ctx *c = xcalloc(1, sizeof(*c));
	const json_t *keys = jget(now, "ssh_keys");

	c->now = now ? json_deep_copy(now) : NULL;
	form_set_ctx(f, c);
	form_set_text(f, VMFORM_CI_USER, jget_str(now, "user", NULL));
	if (json_array_size(keys) == 1)
		form_set_text(f, VMFORM_CI_KEY, json_string_value(json_array_get(keys, 0)));
	form_set_text(f, VMFORM_CI_HOSTNAME, jget_str(now, "hostname", NULL));
	form_set_text(f, VMFORM_CI_NETWORK, jget_str(now, "network", NULL));
	form_ready(f);
	return f;
}

/* yescrypt with a fresh salt from the system's random source. */
static int hash_password(const char *pw, char **out, char *err, size_t errlen)
{
	struct crypt_data *data = xcalloc(1, sizeof(*data));
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;
	int rc = 0;

	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) ||
	    !(h = crypt_rn(pw, salt, data, sizeof(*data))) || h[0] == '*') {
		err_set(err, errlen, "cannot hash the password: %s", strerror(errno ? errno : EINVAL));
		rc = -EIO;
	} else {
		*out = xstrdup(h);
	}
	explicit_bzero(data, sizeof(*data));
	free(data);
	return rc;
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v && *v)
		json_object_set_new(o, key, json_string(v));
}

static int keys_and_secrets(const struct form *f, json_t *o, char *err, size_t errlen)
{
	const json_t *now = cictx(f)->now;
	const char *key = text(f, VMFORM_CI_KEY), *ud = text(f, VMFORM_CI_USERDATA);
	char *hash = NULL, *content = NULL;
	json_t *keys;
	int rc;

	if (*key) {
		keys = json_array();
		if ((rc = cli_cloudinit_add_keys(key, keys, err, errlen)) < 0) {
			json_decref(keys);
			return rc;
		}
		json_object_set_new(o, "ssh_keys", keys);
	} else if (json_array_size(jget(now, "ssh_keys"))) {
		json_object_set_new(o, "ssh_keys", json_deep_copy(jget(now, "ssh_keys")));
	}
	if (*text(f, VMFORM_CI_PASSWORD)) {
		if ((rc = hash_password(text(f, VMFORM_CI_PASSWORD), &hash, err, errlen)) < 0)
			return rc;
		json_object_set_new(o, "password_hash", json_string(hash));
		free(hash);
	} else {
		set_str(o, "password_hash", *text(f, VMFORM_CI_HASH) ? text(f, VMFORM_CI_HASH)
								     : jget_str(now, "password_hash", NULL));
	}
	if (!strcmp(ud, "-"))
		return 0;
	if (!*ud) {
		set_str(o, "user_data", jget_str(now, "user_data", NULL));
		return 0;
	}
	if ((rc = cli_cloudinit_read("user-data file", ud, CLOUDINIT_USER_DATA_MAX, &content, err,
				     errlen)) < 0)
		return rc;
	json_object_set_new(o, "user_data", json_string(content));
	free(content);
	return 0;
}

int vmform_cloudinit_result(const struct form *sub, json_t **out, char *err, size_t errlen)
{
	json_t *o;
	struct cloudinit ci;
	int rc;

	*out = NULL;
	if (form_chosen(sub, VMFORM_CI_USE) == 1)
		return 0;                        /* off */
	o = json_object();
	set_str(o, "user", text(sub, VMFORM_CI_USER));
	set_str(o, "hostname", text(sub, VMFORM_CI_HOSTNAME));
	set_str(o, "network", text(sub, VMFORM_CI_NETWORK));
	if ((rc = keys_and_secrets(sub, o, err, errlen)) < 0 ||
	    (rc = cloudinit_from_json(o, &ci, err, errlen)) < 0) {
		json_decref(o);
		return rc;
	}
	cloudinit_clear(&ci);
	*out = o;
	return 0;
}

/* --- the VM form's settings ------------------------------------------------------------ */

const json_t *vmform_cloudinit_get(const struct form *vm)
{
	return ((const struct vmform_ctx *)form_ctx(vm))->ci;
}

void vmform_cloudinit_note(struct form *vm)
{
	const json_t *ci = vmform_cloudinit_get(vm);
	size_t nkeys = json_array_size(jget(ci, "ssh_keys"));
	char note[160];

	if (((const struct vmform_ctx *)form_ctx(vm))->orig.live)
		return;                          /* its note says what can change */
	if (!ci)
		snprintf(note, sizeof(note), "%s; F6: cloud-init (off)",
			 vmform_is_edit(vm) ? "The name and the disks stay" : "Sizes like 512M or 2G");
	else
		snprintf(note, sizeof(note), "cloud-init: on for %s, %zu key%s (F6 changes it)",
			 jget_str(ci, "user", "the image's user"), nkeys, nkeys == 1 ? "" : "s");
	form_set_note(vm, note, 0);
}

void vmform_cloudinit_set(struct form *vm, json_t *settings)
{
	struct vmform_ctx *c = form_ctx(vm);

	json_decref(c->ci);
	c->ci = settings;
	vmform_cloudinit_note(vm);
}

void vmform_cloudinit_args(const struct form *vm, int edit, json_t *a)
{
	const struct vmform_ctx *c = form_ctx(vm);

	if (!edit && c->ci)
		json_object_set_new(a, "cloud_init", json_deep_copy(c->ci));
	else if (edit && !(c->ci ? c->ci_orig && json_equal(c->ci, c->ci_orig) : !c->ci_orig))
		json_object_set_new(a, "cloud_init", c->ci ? json_deep_copy(c->ci) : json_null());
}
