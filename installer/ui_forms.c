/*
 * The installer's form screens (ui_app.h), on the console's form engine:
 * the hostname, the management address and the root login.  Every field
 * is checked as it is typed by the answer file's own rules (answer.h), so
 * what the form takes the answer file takes too.  The root password is
 * hashed (yescrypt) when the login form is left, and the form's copy of
 * it wiped; the password itself is never written anywhere.
 */
#include "installer/ui_app.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PASSWORD_MIN 8

/* --- hostname ------------------------------------------------------------------ */

static int check_hostname(struct form *f, size_t id, char *msg, size_t len)
{
	char why[200];

	if (answer_hostname_check(form_text(f, id), why, sizeof(why)) < 0) {
		err_set(msg, len, "hostname '%.64s': %s", form_text(f, id), why);
		return -EINVAL;
	}
	return 0;
}

static const struct form_field host_fields[] = {
	{ .label = "Hostname", .kind = FORM_TEXT, .flags = FORM_REQUIRED, .what = "hostname",
	  .placeholder = "croft or croft.home.arpa", .check = check_hostname },
};

static const struct form_spec host_spec = {
	.title = "Hostname",
	.note = "The name of this box on your network.",
	.submit = "next",
	.fields = host_fields, .n = 1,
};

/* --- the management address ------------------------------------------------------- */

enum { F_SOURCE, F_CIDR, F_GATEWAY, F_DNS };

static const char *const sources[] = { "dhcp", "static", NULL };

static const char *source_label(const struct form *f, size_t k, char *buf, size_t len)
{
	(void)f;
	snprintf(buf, len, "%s", k == 0 ? "DHCP" : "static address");
	return buf;
}

static const char *only_static(const struct form *f)
{
	return form_chosen(f, F_SOURCE) == 0 ? "from DHCP" : NULL;
}

static int check_cidr(struct form *f, size_t id, char *msg, size_t len)
{
	struct in_addr addr;
	uint32_t prefix;
	char why[200];

	if (answer_cidr_parse(form_text(f, id), &addr, &prefix, why, sizeof(why)) < 0) {
		err_set(msg, len, "address: %s", why);
		return -EINVAL;
	}
	return 0;
}

static int check_gateway(struct form *f, size_t id, char *msg, size_t len)
{
	struct in_addr gw, addr;
	uint32_t prefix;
	char why[200];

	if (addr_parse("gateway", form_text(f, id), &gw, msg, len) < 0)
		return -EINVAL;
	if (form_has(f, F_CIDR) &&
	    answer_cidr_parse(form_text(f, F_CIDR), &addr, &prefix, why, sizeof(why)) == 0 &&
	    answer_gateway_check(gw, addr, prefix, why, sizeof(why)) < 0) {
		err_set(msg, len, "%s", strcmp(why, "gateway is outside the subnet of cidr") ? why :
			"gateway is outside the address's subnet");
		return -EINVAL;
	}
	return 0;
}

static int check_dns(struct form *f, size_t id, char *msg, size_t len)
{
	struct in_addr dns[ANSWER_MAX_DNS];
	char why[200];
	size_t n;

	if (answer_dns_parse(form_text(f, id), dns, &n, why, sizeof(why)) < 0) {
		err_set(msg, len, "dns: %s", why);
		return -EINVAL;
	}
	return 0;
}

static const struct form_field addr_fields[] = {
	[F_SOURCE] = { .label = "Address from", .kind = FORM_CHOICE, .what = "address source",
		       .choices = sources, .choice_label = source_label },
	[F_CIDR] = { .label = "Address/prefix", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
		     .what = "address", .placeholder = "192.168.1.10/24", .check = check_cidr,
		     .why_not = only_static },
	[F_GATEWAY] = { .label = "Gateway", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
			.what = "gateway", .placeholder = "192.168.1.1", .check = check_gateway,
			.why_not = only_static },
	[F_DNS] = { .label = "DNS servers", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
		    .what = "dns", .placeholder = "192.168.1.1, 9.9.9.9 (up to 3)",
		    .check = check_dns, .why_not = only_static },
};

static const struct form_spec addr_spec = {
	.title = "Management address",
	.note = "The host's own address, on the bridge croftbr0.",
	.submit = "next",
	.fields = addr_fields, .n = 4,
};

/* --- the root login ----------------------------------------------------------------- */

enum { F_PW, F_PW2, F_KEY };

static int check_password(struct form *f, size_t id, char *msg, size_t len)
{
	size_t n = strlen(form_text(f, id));

	if (n && n < PASSWORD_MIN) {
		err_set(msg, len, "the password is too short (%zu characters; at least %d)", n,
			PASSWORD_MIN);
		return -EINVAL;
	}
	return 0;
}

static int check_again(struct form *f, size_t id, char *msg, size_t len)
{
	if (strcmp(form_text(f, id), form_text(f, F_PW))) {
		err_set(msg, len, "%s", form_text(f, id)[0] ? "the two passwords differ"
			: "type the password again");
		return -EINVAL;
	}
	return 0;
}

static int check_key(struct form *f, size_t id, char *msg, size_t len)
{
	const struct ui_app *a = form_ctx(f);
	char why[200];

	if (!form_text(f, id)[0]) {
		if (form_text(f, F_PW)[0] || (a && a->ans.hash[0]))
			return 0;
		err_set(msg, len, "give a root password or an SSH key (else nobody can log in)");
		return -EINVAL;
	}
	if (answer_ssh_key_check(form_text(f, id), why, sizeof(why)) < 0) {
		err_set(msg, len, "ssh key: %s", why);
		return -EINVAL;
	}
	return 0;
}

static const struct form_field login_fields[] = {
	[F_PW] = { .label = "Root password", .kind = FORM_TEXT, .flags = FORM_SECRET,
		   .what = "password", .placeholder = "at least 8 characters",
		   .check = check_password },
	[F_PW2] = { .label = "Again", .kind = FORM_TEXT, .flags = FORM_SECRET,
		    .what = "password", .check = check_again },
	[F_KEY] = { .label = "SSH key", .kind = FORM_TEXT, .what = "ssh key",
		    .placeholder = "ssh-ed25519 AAAA... (optional with a password)",
		    .check = check_key },
};

static const struct form_spec login_spec = {
	.title = "Root login",
	.note = "A password for root, an SSH public key, or both.",
	.submit = "next",
	.fields = login_fields, .n = 3,
};

/* --- opening and taking ---------------------------------------------------------------- */

struct form *ui_form_open(struct ui_app *a, enum ui_screen s)
{
	struct ui_answers *u = &a->ans;
	struct form *f = NULL;

	switch (s) {
	case UI_HOSTNAME:
		f = form_new(&host_spec, NULL);
		form_set_text(f, 0, u->hostname);
		break;
	case UI_ADDRESS:
		f = form_new(&addr_spec, NULL);
		form_set_choice(f, F_SOURCE, u->dhcp ? 0 : 1);
		form_set_text(f, F_CIDR, u->cidr);
		form_set_text(f, F_GATEWAY, u->gateway);
		form_set_text(f, F_DNS, u->dns);
		break;
	case UI_LOGIN:
		f = form_new(&login_spec, NULL);
		form_set_ctx(f, a);
		if (u->hash[0])
			form_set_note(f, "A password is set; leave both empty to keep it, "
				      "or type a new one twice.", 0);
		form_set_text(f, F_KEY, u->ssh_key);
		break;
	default:
		return NULL;
	}
	form_set_cancel_word(f, "back");
	form_ready(f);
	return f;
}

/* Overwrite a secret field's text before the form is freed. */
static void wipe(struct form *f, size_t id)
{
	char zeros[FORM_TEXT_MAX];

	memset(zeros, 'x', sizeof(zeros) - 1);
	zeros[sizeof(zeros) - 1] = '\0';
	form_set_text(f, id, zeros);
	form_set_text(f, id, "");
}

static int take_login(struct ui_app *a, struct form *f)
{
	struct ui_answers *u = &a->ans;
	const char *pw = form_text(f, F_PW);
	char err[300];
	int rc = 0;

	if (pw[0]) {
		rc = ui_hash_password(pw, u->hash, sizeof(u->hash), err, sizeof(err));
		if (rc < 0)
			snprintf(a->msg, sizeof(a->msg), "%s", err);
	} else if (!form_text(f, F_KEY)[0] && !u->hash[0]) {
		snprintf(a->msg, sizeof(a->msg), "give a root password or an SSH key");
		rc = -EINVAL;
	}
	if (rc == 0)
		snprintf(u->ssh_key, sizeof(u->ssh_key), "%s", form_text(f, F_KEY));
	wipe(f, F_PW);
	wipe(f, F_PW2);
	return rc;
}

int ui_form_take(struct ui_app *a, enum ui_screen s)
{
	struct ui_answers *u = &a->ans;
	struct form *f = a->form;

	switch (s) {
	case UI_HOSTNAME:
		snprintf(u->hostname, sizeof(u->hostname), "%s", form_text(f, 0));
		return 0;
	case UI_ADDRESS:
		/* a static address is kept through DHCP, for going back */
		u->dhcp = form_chosen(f, F_SOURCE) == 0;
		snprintf(u->cidr, sizeof(u->cidr), "%s", form_text(f, F_CIDR));
		snprintf(u->gateway, sizeof(u->gateway), "%s", form_text(f, F_GATEWAY));
		snprintf(u->dns, sizeof(u->dns), "%s", form_text(f, F_DNS));
		return 0;
	case UI_LOGIN:
		return take_login(a, f);
	default:
		return 0;
	}
}
