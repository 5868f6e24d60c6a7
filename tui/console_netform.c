/*
 * The Networks screen's forms (console_net.h): a new network, a port
 * forward, a NIC.  One engine, three field tables.  A field is a text or a
 * choice; its table entry names the args member it fills, whether that is
 * a number, its check, when it applies (a bridged network has no subnet),
 * and the words by which a croftd message is known to be about it.  Every
 * change re-runs every check, so a message follows the typing; an empty
 * field's complaint waits for a submit.  When croftd refuses, the field
 * whose words come first in the message gets the focus.
 *
 * The checks judge only what needs no host, by croftd's own rules and in
 * its words: names (common/validate.h), subnets, DHCP ranges and their
 * place in a given subnet, uplinks, IPv4 addresses and MACs
 * (common/addr.h), and number ranges.
 *
 * cform_draw() renders a form as a centred box: a note, one row per field
 * (a '!' after the label of a field with a message), three rows for the
 * message of the focused field or croftd's refusal, and the keys.
 */
#include "tui/console_net.h"
#include "tui/boxdraw.h"
#include "common/addr.h"
#include "common/netd_proto.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFORM_MAX_FIELDS 6
#define CFORM_TEXT_MAX 128
#define CFORM_MSG_MAX 320
#define CFORM_ERR_MAX 640
#define FORM_CTRL(c) ((c) & 0x1f)

struct cform;

struct fspec {
	const char *label;
	const char *key;                  /* the args member */
	int choice;                       /* a choice field */
	const char *const *choices;       /* its choices; NULL: the form's VMs */
	int number;                       /* the args value is an integer */
	const char *placeholder;          /* dim, in an empty text field */
	const char *(*hint)(const struct cform *f);  /* or this, when set */
	/* Text fields: 0, or -EINVAL with a message (text may be empty). */
	int (*check)(const struct cform *f, const char *text, char *msg, size_t len);
	/* NULL: always applies; else why it does not now, or NULL. */
	const char *(*why_not)(const struct cform *f);
	const char *const *words;         /* NULL-terminated */
};

struct ftype {
	enum cform_type type;
	const char *op;
	const char *title;                /* may hold one %s: the network */
	const char *note;
	const char *net_key;              /* args member for the network, or NULL */
	const struct fspec *fields;
	size_t n;
};

struct cform_field {
	char text[CFORM_TEXT_MAX];
	size_t len, cur;
	size_t choice;
	int invalid;
	int quiet;                        /* empty: shown after a submit */
	char msg[CFORM_MSG_MAX];
};

struct cform {
	const struct ftype *t;
	char net[CNET_NAME_LEN];
	char mode[16];                    /* the network's, for a NIC */
	char title[128];
	char **vms;
	size_t nvms;
	struct cform_field fld[CFORM_MAX_FIELDS];
	size_t focus;
	int submitted;
	char server_err[CFORM_ERR_MAX];
};

/* --- checks ---------------------------------------------------------------- */

static int is_mode(const struct cform *f, const char *mode);

static int check_net_name(const struct cform *f, const char *s, char *msg, size_t len)
{
	(void)f;
	return name_check("network", s, msg, len);
}

static int check_subnet(const struct cform *f, const char *s, char *msg, size_t len)
{
	struct in_addr net;
	uint32_t prefix;

	(void)f;
	return *s ? addr_cidr_parse(s, &net, &prefix, msg, len) : 0;
}

static int check_uplink(const struct cform *f, const char *s, char *msg, size_t len)
{
	if (*s)
		return addr_uplink_check(s, msg, len);
	if (!is_mode(f, "bridged"))
		return 0;
	err_set(msg, len, "a bridged network needs an uplink: the NIC to enslave to its bridge");
	return -EINVAL;
}

static int check_range(const struct cform *f, const char *s, char *msg, size_t len)
{
	const char *subnet = f->fld[CF_NET_SUBNET].text;
	struct netd_net n = { 0 };
	struct in_addr first, last;

	if (!*s)
		return 0;
	if (addr_range_parse(s, &first, &last, msg, len) < 0)
		return -EINVAL;
	/* the rest needs the subnet; without one croftd picks it */
	if (!*subnet || addr_cidr_parse(subnet, &n.subnet, &n.prefix, NULL, 0) < 0)
		return 0;
	addr_net_defaults(&n);
	n.dhcp_first = first;
	n.dhcp_last = last;
	return addr_range_check(&n, msg, len);
}

/* A decimal number lo..hi; what names it in the message. */
static int check_number(const char *what, const char *s, long lo, long hi, int required,
			char *msg, size_t len)
{
	if (!*s) {
		if (!required)
			return 0;
		err_set(msg, len, "%s is required (%ld-%ld)", what, lo, hi);
		return -EINVAL;
	}
	if (strspn(s, "0123456789") != strlen(s) || strlen(s) > 9) {
		err_set(msg, len, "%s must be a number between %ld and %ld, not '%s'", what, lo, hi, s);
		return -EINVAL;
	}
	if (atol(s) < lo || atol(s) > hi) {
		err_set(msg, len, "%s must be between %ld and %ld, not %ld", what, lo, hi, atol(s));
		return -EINVAL;
	}
	return 0;
}

static int check_host_port(const struct cform *f, const char *s, char *msg, size_t len)
{
	(void)f;
	return check_number("host port", s, 1, 65535, 1, msg, len);
}

static int check_guest_port(const struct cform *f, const char *s, char *msg, size_t len)
{
	(void)f;
	return check_number("guest port", s, 1, 65535, 1, msg, len);
}

static int check_vlan(const struct cform *f, const char *s, char *msg, size_t len)
{
	(void)f;
	return check_number("VLAN", s, 1, 4094, 0, msg, len);
}

static int check_rate(const struct cform *f, const char *s, char *msg, size_t len)
{
	(void)f;
	return check_number("rate (Mbit/s)", s, 1, 100000, 0, msg, len);
}

static int check_ip(const struct cform *f, const char *s, char *msg, size_t len)
{
	struct in_addr a;

	(void)f;
	return *s ? addr_parse("address", s, &a, msg, len) : 0;
}

static int check_mac(const struct cform *f, const char *s, char *msg, size_t len)
{
	uint8_t mac[6];

	(void)f;
	return *s ? addr_mac_parse(s, mac, msg, len) : 0;
}

/* --- when a field applies ------------------------------------------------------- */

static const char *const modes[] = { "nat", "host-only", "bridged", NULL };
static const char *const protos[] = { "tcp", "udp", NULL };

static int is_mode(const struct cform *f, const char *mode)
{
	if (f->t->type == CFORM_NET)
		return !strcmp(modes[f->fld[CF_NET_MODE].choice], mode);
	return !strcmp(f->mode, mode);
}

static const char *bridged_no_subnet(const struct cform *f)
{
	return is_mode(f, "bridged") ? "n/a: bridged networks get addresses from the LAN" : NULL;
}

static const char *hostonly_no_uplink(const struct cform *f)
{
	return is_mode(f, "host-only") ? "n/a: host-only networks have no uplink" : NULL;
}

static const char *vlan_needs_bridged(const struct cform *f)
{
	return is_mode(f, "bridged") ? NULL : "n/a: VLANs need a bridged network";
}

/* --- the tables -------------------------------------------------------------------- */

static const char *const w_net_name[] = { "network name", "a network named", NULL };
static const char *const w_mode[] = { "network mode", NULL };
static const char *const w_subnet[] = { "subnet", NULL };
static const char *const w_uplink[] = { "uplink", "enslave", NULL };
static const char *const w_range[] = { "DHCP range", "dhcp-range", NULL };
static const char *const w_proto[] = { "protocol", NULL };
static const char *const w_host_port[] = { "host port", "is already forwarded", NULL };
static const char *const w_guest_port[] = { "guest port", NULL };
static const char *const w_vm[] = { "no VM named", "VM '", "has no NIC on", NULL };
static const char *const w_ip[] = { "address", NULL };
static const char *const w_mac[] = { "MAC", NULL };
static const char *const w_vlan[] = { "VLAN", NULL };
static const char *const w_rate[] = { "rate", NULL };

static const char *uplink_hint(const struct cform *f)
{
	return is_mode(f, "bridged") ? "required: the NIC to enslave" : "the default route's interface";
}

static const struct fspec net_fields[] = {
	[CF_NET_NAME] = { .label = "Name", .key = "name", .check = check_net_name,
			  .words = w_net_name },
	[CF_NET_MODE] = { .label = "Mode", .key = "mode", .choice = 1, .choices = modes,
			  .words = w_mode },
	[CF_NET_SUBNET] = { .label = "Subnet", .key = "subnet", .placeholder = "a free 10.73.N.0/24",
			    .check = check_subnet, .why_not = bridged_no_subnet, .words = w_subnet },
	[CF_NET_UPLINK] = { .label = "Uplink", .key = "uplink", .hint = uplink_hint,
			    .check = check_uplink, .why_not = hostonly_no_uplink, .words = w_uplink },
	[CF_NET_RANGE] = { .label = "DHCP range", .key = "dhcp_range",
			   .placeholder = ".2 to the last address", .check = check_range,
			   .why_not = bridged_no_subnet, .words = w_range },
};

static const struct fspec fwd_fields[] = {
	[CF_FWD_PROTO] = { .label = "Proto", .key = "proto", .choice = 1, .choices = protos,
			   .words = w_proto },
	[CF_FWD_HOST_PORT] = { .label = "Host port", .key = "host_port", .number = 1,
			       .placeholder = "1-65535", .check = check_host_port,
			       .words = w_host_port },
	[CF_FWD_VM] = { .label = "VM", .key = "vm", .choice = 1, .words = w_vm },
	[CF_FWD_GUEST_PORT] = { .label = "Guest port", .key = "port", .number = 1,
				.placeholder = "1-65535", .check = check_guest_port,
				.words = w_guest_port },
};

static const struct fspec nic_fields[] = {
	[CF_NIC_VM] = { .label = "VM", .key = "name", .choice = 1, .words = w_vm },
	[CF_NIC_IP] = { .label = "Address", .key = "ip", .placeholder = "the next free one",
			.check = check_ip, .words = w_ip },
	[CF_NIC_MAC] = { .label = "MAC", .key = "mac", .placeholder = "random 52:54:00:xx:xx:xx",
			 .check = check_mac, .words = w_mac },
	[CF_NIC_VLAN] = { .label = "VLAN", .key = "vlan", .number = 1, .placeholder = "untagged",
			  .check = check_vlan, .why_not = vlan_needs_bridged, .words = w_vlan },
	[CF_NIC_RATE] = { .label = "Rate (Mbit/s)", .key = "rate", .number = 1,
			  .placeholder = "no limit", .check = check_rate, .words = w_rate },
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static const struct ftype types[] = {
	{ CFORM_NET, "net.create", "New network",
	  "Empty fields take croftd's defaults", NULL, net_fields, NFIELDS(net_fields) },
	{ CFORM_FORWARD, "net.forward.add", "New port forward on %s",
	  "The host's port, from outside and from the host, goes to the VM", "net",
	  fwd_fields, NFIELDS(fwd_fields) },
	{ CFORM_NIC, "vm.nic.add", "New NIC on %s",
	  "A running VM gets it hot-plugged; empty fields take the defaults", "net",
	  nic_fields, NFIELDS(nic_fields) },
};

/* --- the model ---------------------------------------------------------------------- */

static const struct fspec *spec(const struct cform *f, size_t id)
{
	return &f->t->fields[id];
}

size_t cform_nchoices(const struct cform *f, size_t id)
{
	size_t n = 0;

	if (id >= f->t->n || !spec(f, id)->choice)
		return 0;
	if (!spec(f, id)->choices)
		return f->nvms;
	while (spec(f, id)->choices[n])
		n++;
	return n;
}

const char *cform_choice(const struct cform *f, size_t id, size_t k)
{
	if (k >= cform_nchoices(f, id))
		return "";
	return spec(f, id)->choices ? spec(f, id)->choices[k] : f->vms[k];
}

const char *cform_why_not(const struct cform *f, size_t id)
{
	return id < f->t->n && spec(f, id)->why_not ? spec(f, id)->why_not(f) : NULL;
}

int cform_applies(const struct cform *f, size_t id)
{
	return id < f->t->n && !cform_why_not(f, id);
}

static void validate(struct cform *f)
{
	size_t i;

	for (i = 0; i < f->t->n; i++) {
		struct cform_field *fl = &f->fld[i];

		fl->msg[0] = '\0';
		fl->invalid = 0;
		fl->quiet = 0;
		if (!spec(f, i)->check || !cform_applies(f, i))
			continue;
		if (spec(f, i)->check(f, fl->text, fl->msg, sizeof(fl->msg)) < 0) {
			fl->invalid = 1;
			fl->quiet = !fl->len;
		}
	}
}

static struct cform *form_new(enum cform_type type, const char *net, const char *const *vms,
			      size_t nvms)
{
	struct cform *f = xcalloc(1, sizeof(*f));
	size_t i;

	f->t = &types[type];
	snprintf(f->net, sizeof(f->net), "%s", net ? net : "");
	snprintf(f->title, sizeof(f->title), f->t->title, f->net);
	f->vms = xcalloc(nvms + 1, sizeof(*f->vms));
	for (i = 0; i < nvms; i++)
		f->vms[i] = xstrdup(vms[i]);
	f->nvms = nvms;
	return f;
}

struct cform *cform_new_net(void)
{
	struct cform *f = form_new(CFORM_NET, NULL, NULL, 0);

	validate(f);
	return f;
}

struct cform *cform_new_forward(const char *net, const char *const *vms, size_t nvms)
{
	struct cform *f = form_new(CFORM_FORWARD, net, vms, nvms);

	validate(f);
	return f;
}

struct cform *cform_new_nic(const char *net, const char *mode, const char *const *vms,
			    size_t nvms, const char *vm)
{
	struct cform *f = form_new(CFORM_NIC, net, vms, nvms);
	size_t i;

	snprintf(f->mode, sizeof(f->mode), "%s", mode ? mode : "");
	for (i = 0; vm && i < nvms; i++)
		if (!strcmp(vms[i], vm))
			f->fld[CF_NIC_VM].choice = i;
	validate(f);
	return f;
}

void cform_free(struct cform *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->nvms; i++)
		free(f->vms[i]);
	free(f->vms);
	free(f);
}

enum cform_type cform_type(const struct cform *f)
{
	return f->t->type;
}

const char *cform_op(const struct cform *f)
{
	return f->t->op;
}

const char *cform_title(const struct cform *f)
{
	return f->title;
}

const char *cform_net(const struct cform *f)
{
	return f->net;
}

size_t cform_nfields(const struct cform *f)
{
	return f->t->n;
}

const char *cform_label(const struct cform *f, size_t id)
{
	return id < f->t->n ? spec(f, id)->label : "";
}

int cform_is_choice(const struct cform *f, size_t id)
{
	return id < f->t->n && spec(f, id)->choice;
}

const char *cform_placeholder(const struct cform *f, size_t id)
{
	if (id >= f->t->n)
		return NULL;
	return spec(f, id)->hint ? spec(f, id)->hint(f) : spec(f, id)->placeholder;
}

const char *cform_text(const struct cform *f, size_t id)
{
	return id < f->t->n ? f->fld[id].text : "";
}

size_t cform_cursor(const struct cform *f, size_t id)
{
	return id < f->t->n ? f->fld[id].cur : 0;
}

size_t cform_chosen(const struct cform *f, size_t id)
{
	return id < f->t->n ? f->fld[id].choice : 0;
}

size_t cform_focus(const struct cform *f)
{
	return f->focus;
}

const char *cform_message(const struct cform *f, size_t id)
{
	const struct cform_field *fl;

	if (id >= f->t->n || !cform_applies(f, id))
		return NULL;
	fl = &f->fld[id];
	if (!fl->invalid || (fl->quiet && !f->submitted))
		return NULL;
	return fl->msg;
}

const char *cform_server_error(const struct cform *f)
{
	return f->server_err[0] ? f->server_err : NULL;
}

const char *cform_help(const struct cform *f)
{
	if (cform_is_choice(f, f->focus))
		return "Tab/Down/Up move  Space/Left/Right change  Enter submit  Esc cancel";
	return "Tab/Down/Up move  Enter submit  Esc cancel";
}

/* --- keys ------------------------------------------------------------------------------- */

static void changed(struct cform *f)
{
	f->server_err[0] = '\0';
	validate(f);
}

static void focus_step(struct cform *f, int step)
{
	long n = (long)f->t->n, i, id;

	for (i = 1; i <= n; i++) {
		id = ((long)f->focus + i * step) % n;
		if (id < 0)
			id += n;
		if (cform_applies(f, (size_t)id)) {
			f->focus = (size_t)id;
			return;
		}
	}
}

static int submit(struct cform *f)
{
	size_t i;

	f->submitted = 1;
	f->server_err[0] = '\0';
	validate(f);
	for (i = 0; i < f->t->n; i++) {
		if (f->fld[i].invalid && cform_applies(f, i)) {
			f->focus = i;
			return CFORM_CONTINUE;
		}
	}
	return CFORM_SUBMIT;
}

static int ed_key(struct cform_field *fl, int ch)
{
	switch (ch) {
	case KEY_LEFT:
		if (fl->cur)
			fl->cur--;
		return 0;
	case KEY_RIGHT:
		if (fl->cur < fl->len)
			fl->cur++;
		return 0;
	case KEY_HOME:
	case FORM_CTRL('A'):
		fl->cur = 0;
		return 0;
	case KEY_END:
	case FORM_CTRL('E'):
		fl->cur = fl->len;
		return 0;
	case KEY_BACKSPACE:
	case 127:
	case FORM_CTRL('H'):
		if (!fl->cur)
			return 0;
		fl->cur--;
		/* fall through */
	case KEY_DC:
	case FORM_CTRL('D'):
		if (fl->cur >= fl->len)
			return 0;
		memmove(fl->text + fl->cur, fl->text + fl->cur + 1, fl->len - fl->cur);
		fl->len--;
		return 1;
	case FORM_CTRL('U'):
		if (!fl->cur)
			return 0;
		memmove(fl->text, fl->text + fl->cur, fl->len - fl->cur + 1);
		fl->len -= fl->cur;
		fl->cur = 0;
		return 1;
	case FORM_CTRL('K'):
		if (fl->cur == fl->len)
			return 0;
		fl->text[fl->cur] = '\0';
		fl->len = fl->cur;
		return 1;
	default:
		break;
	}
	if (ch < 32 || ch > 126 || fl->len + 1 >= sizeof(fl->text))
		return 0;
	memmove(fl->text + fl->cur + 1, fl->text + fl->cur, fl->len - fl->cur + 1);
	fl->text[fl->cur++] = (char)ch;
	fl->len++;
	return 1;
}

/* Space/Right next, Left previous; a letter picks the next choice that
 * starts with it. */
static int choice_key(struct cform *f, int ch)
{
	struct cform_field *fl = &f->fld[f->focus];
	size_t n = cform_nchoices(f, f->focus), k;

	if (!n)
		return 0;
	if (ch == ' ' || ch == KEY_RIGHT) {
		fl->choice = (fl->choice + 1) % n;
		return 1;
	}
	if (ch == KEY_LEFT) {
		fl->choice = (fl->choice + n - 1) % n;
		return 1;
	}
	if (ch > 32 && ch < 127) {
		for (k = 1; k <= n; k++) {
			size_t c = (fl->choice + k) % n;

			if (tolower((unsigned char)cform_choice(f, f->focus, c)[0]) == tolower(ch)) {
				fl->choice = c;
				return 1;
			}
		}
	}
	return 0;
}

int cform_key(struct cform *f, int ch)
{
	switch (ch) {
	case 27:
		return CFORM_CANCEL;
	case '\t':
	case KEY_DOWN:
		focus_step(f, 1);
		return CFORM_CONTINUE;
	case KEY_BTAB:
	case KEY_UP:
		focus_step(f, -1);
		return CFORM_CONTINUE;
	case '\n':
	case '\r':
	case KEY_ENTER:
		return submit(f);
	default:
		break;
	}
	if (!cform_applies(f, f->focus))
		return CFORM_CONTINUE;
	if (spec(f, f->focus)->choice ? choice_key(f, ch) : ed_key(&f->fld[f->focus], ch))
		changed(f);
	return CFORM_CONTINUE;
}

json_t *cform_args(const struct cform *f)
{
	json_t *a;
	size_t i;

	for (i = 0; i < f->t->n; i++)
		if (f->fld[i].invalid && cform_applies(f, i))
			return NULL;
	a = json_object();
	if (f->t->net_key)
		json_object_set_new(a, f->t->net_key, json_string(f->net));
	for (i = 0; i < f->t->n; i++) {
		const struct fspec *sp = spec(f, i);
		const struct cform_field *fl = &f->fld[i];

		if (!cform_applies(f, i))
			continue;
		if (sp->choice) {
			if (cform_nchoices(f, i))
				json_object_set_new(a, sp->key, json_string(cform_choice(f, i, fl->choice)));
		} else if (fl->len) {
			json_object_set_new(a, sp->key, sp->number ? json_integer(atol(fl->text))
								   : json_string(fl->text));
		}
	}
	return a;
}

/* The field whose words come first in message, or -1. */
static long field_of_message(const struct cform *f, const char *message)
{
	const char *best = NULL;
	long id = -1;
	size_t i, k;

	for (i = 0; message && i < f->t->n; i++) {
		for (k = 0; spec(f, i)->words && spec(f, i)->words[k]; k++) {
			const char *at = strstr(message, spec(f, i)->words[k]);

			if (at && (!best || at < best)) {
				best = at;
				id = (long)i;
			}
		}
	}
	return id;
}

void cform_set_error(struct cform *f, const char *message)
{
	long id = field_of_message(f, message);

	snprintf(f->server_err, sizeof(f->server_err), "%s", message ? message : "");
	if (id >= 0 && cform_applies(f, (size_t)id))
		f->focus = (size_t)id;
}

/* --- drawing --------------------------------------------------------------------------- */

#define FORM_W 74
#define LABEL_W 15
#define MSG_ROWS 3

static void draw_text(const struct cform *f, size_t id, WINDOW *w, int y, int x, int vw,
		      const struct tui_theme *th)
{
	const struct cform_field *fl = &f->fld[id];
	int focused = f->focus == id, off = 0;
	attr_t attr = focused ? th->selected : th->input;

	boxdraw_fill(w, y, x, vw, attr);
	if (!fl->len && !focused && cform_placeholder(f, id)) {
		boxdraw_puts(w, y, x, vw, th->dim, cform_placeholder(f, id));
		return;
	}
	if (fl->cur >= (size_t)vw)
		off = (int)fl->cur - vw + 1;
	boxdraw_put(w, y, x, vw, attr, fl->text + off, fl->len - (size_t)off);
	if (focused) {
		char under = fl->cur < fl->len ? fl->text[fl->cur] : ' ';

		boxdraw_put(w, y, x + (int)fl->cur - off, 1, attr ^ A_REVERSE, &under, 1);
	}
}

static void draw_choice(const struct cform *f, size_t id, WINDOW *w, int y, int x, int vw,
			const struct tui_theme *th)
{
	size_t n = cform_nchoices(f, id), k, need = 0;
	attr_t cur = f->focus == id ? th->selected : th->input;
	char buf[CNET_NAME_LEN + 32];

	for (k = 0; k < n; k++)
		need += strlen(cform_choice(f, id, k)) + 6;
	if (need <= (size_t)vw + 2) {
		int cx = x;

		for (k = 0; k < n; k++) {
			snprintf(buf, sizeof(buf), "(%c) %s", k == f->fld[id].choice ? '*' : ' ',
				 cform_choice(f, id, k));
			cx += boxdraw_puts(w, y, cx, x + vw - cx,
					   k == f->fld[id].choice ? cur : th->normal, buf) + 2;
		}
		return;
	}
	snprintf(buf, sizeof(buf), "< %s >", cform_choice(f, id, f->fld[id].choice));
	x += boxdraw_puts(w, y, x, vw, cur, buf);
	snprintf(buf, sizeof(buf), "  %zu of %zu; a letter jumps", f->fld[id].choice + 1, n);
	boxdraw_puts(w, y, x, vw - (int)strlen(buf), th->dim, buf);
}

void cform_draw(const struct cform *f, WINDOW *w, int top, int height, int width,
		const struct tui_theme *th)
{
	int bw = width - 2 < FORM_W ? width - 2 : FORM_W;
	int bh = (int)f->t->n + 5 + MSG_ROWS, x0, y0, lx, vx, vw, inner, y, i;
	const char *msg = cform_server_error(f), *starts[MSG_ROWS];
	char buf[CFORM_ERR_MAX + 64];
	size_t lens[MSG_ROWS], id;
	int nl;

	if (bh > height)
		bh = height;
	if (bw < 30 || bh < (int)f->t->n + 3)
		return;
	x0 = (width - bw) / 2;
	y0 = top + (height - bh) / 2;
	lx = x0 + 2;
	vx = lx + LABEL_W + 2;
	inner = bw - 4;
	vw = bw - 2 - (vx - x0);
	boxdraw_frame(w, y0, x0, bh, bw, th->normal, f->title, th->title);
	boxdraw_puts(w, y0 + 1, lx, inner, th->dim, f->t->note);
	y = y0 + 2;
	for (id = 0; id < f->t->n; id++, y++) {
		const char *why = cform_why_not(f, id);

		boxdraw_puts(w, y, lx, LABEL_W, why ? th->dim : th->label, spec(f, id)->label);
		if (cform_message(f, id))
			boxdraw_puts(w, y, lx + LABEL_W, 1, th->error, "!");
		if (why)
			boxdraw_puts(w, y, vx, vw, th->dim, why);
		else if (spec(f, id)->choice)
			draw_choice(f, id, w, y, vx, vw, th);
		else
			draw_text(f, id, w, y, vx, vw, th);
	}
	/* croftd's refusal, else the focused field's message, else the first */
	if (!msg && cform_message(f, f->focus)) {
		msg = cform_message(f, f->focus);
	} else if (!msg) {
		for (id = 0; id < f->t->n && !msg; id++) {
			if (cform_message(f, id)) {
				snprintf(buf, sizeof(buf), "%s: %s", spec(f, id)->label,
					 cform_message(f, id));
				msg = buf;
			}
		}
	}
	if (msg) {
		nl = boxdraw_wrap(msg, inner, starts, lens, MSG_ROWS);
		for (i = 0; i < nl && y + 1 + i < y0 + bh - 2; i++)
			boxdraw_put(w, y + 1 + i, lx, inner, th->error, starts[i], lens[i]);
	}
	boxdraw_puts(w, y0 + bh - 2, lx, inner, th->key, cform_help(f));
}
