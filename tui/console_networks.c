/*
 * The Networks screen: the table of croftd's networks (NAME MODE
 * SUBNET/UPLINK BRIDGE GUESTS FORWARDS), and, on Enter, one network's
 * details: its port forwards and the NICs on it, each with the VM's lease
 * (IP), MAC and assigned address.  One key table serves both views: n/F2
 * creates a network in the table and a port forward in the details, a/F4
 * gives a VM a NIC on the network, x/Delete/F8 deletes the selected
 * network, forward or NIC (asking first), Esc goes back to the table.
 *
 * The models are console_net.h's.  The table is re-read with net.list
 * after every net.* event and every refresh while the screen is shown, so
 * another admin's change appears without a key press; the IPs come from
 * the VM model, which the console re-reads every second.
 *
 * Every change is an action (console_action.c): progress, then croftd's
 * answer in the status line.  A form (console_netform.c) stays open while
 * its request runs; done() closes it on success or puts croftd's refusal
 * into it, input intact.  A net.delete that croftd refuses because VMs
 * still have NICs on the network is offered again with force, naming them.
 */
#include "tui/console_screen.h"
#include "tui/console_net.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHANGE_TIMEOUT_MS 60000       /* netd applies; a NIC hot-plugs */
#define FORCE_TIMEOUT_MS 180000       /* one 15 s hot-unplug per NIC */
#define CONFIRM_LINES 6

enum nview { NV_LIST, NV_DETAIL };

struct nets_screen {
	struct cnet_list list;
	enum nview view;
	char open[CNET_NAME_LEN];     /* the network the details show */
	size_t item;                  /* the details' selected forward or NIC */
	size_t dtop;                  /* the details' first row shown */
	struct cform *form;           /* an open form, or NULL */
	json_t *submitted;            /* the form's request in flight, or NULL */
	int stale;                    /* re-read net.list at the next refresh */
	char error[600];              /* why net.list failed, or "" */
	int height, width;            /* the body */
};

static int is_current(const struct console *c)
{
	return console_screens[c->cur] == &console_screen_networks;
}

/* Table rows: the body less the column titles. */
static size_t table_rows(const struct nets_screen *s)
{
	return s->height > 2 ? (size_t)s->height - 1 : 1;
}

static const json_t *open_net(const struct nets_screen *s)
{
	const struct cnet *n = cnet_list_find(&s->list, s->open);

	return n ? n->json : NULL;
}

/* The network keys act on: the open one, or the selected row's. */
static const struct cnet *target(struct console *c, const struct nets_screen *s)
{
	const struct cnet *n = s->view == NV_DETAIL ? cnet_list_find(&s->list, s->open)
						    : cnet_list_selected(&s->list);

	if (!n)
		console_status(c, CSTATUS_ERROR, "%s", s->list.n ? "No network selected"
					     : "No networks yet; press n (or F2) to create one");
	return n;
}

/* Keep the details' selection on an item and in view. */
static void detail_follow(struct console *c, struct nets_screen *s)
{
	struct cnet_detail d;
	const json_t *net = open_net(s);

	if (!net)
		return;
	cnet_detail_build(&d, net, &c->vms, s->width);
	if (s->item >= cnet_detail_items(&d))
		s->item = cnet_detail_items(&d) ? cnet_detail_items(&d) - 1 : 0;
	s->dtop = cnet_detail_scroll(&d, s->item, (size_t)(s->height > 0 ? s->height : 1), s->dtop);
	cnet_detail_free(&d);
}

static void follow(struct console *c, struct nets_screen *s)
{
	if (s->view == NV_DETAIL)
		detail_follow(c, s);
	else
		cnet_list_scroll(&s->list, table_rows(s));
}

/* --- the model ---------------------------------------------------------- */

static void reread(struct console *c, struct nets_screen *s)
{
	struct api_error e = { "", "" };
	json_t *res = NULL;

	if (console_call(c, "net.list", NULL, &res, NULL, &e) < 0) {
		/* a broken connection has cleared the list already */
		if (c->api)
			snprintf(s->error, sizeof(s->error), "net.list: %s", e.message);
		return;
	}
	s->error[0] = '\0';
	s->stale = 0;
	cnet_list_update(&s->list, json_object_get(res, "networks"));
	json_decref(res);
	if (s->view == NV_DETAIL && !open_net(s)) {
		s->view = NV_LIST;
		console_status(c, CSTATUS_INFO, "Network %s is gone (deleted)", s->open);
	}
	follow(c, s);
	c->dirty = 1;
}

static void nets_tick(struct console *c, void *st)
{
	struct nets_screen *s = st;

	if (!c->api) {
		cnet_list_clear(&s->list);
		s->stale = 1;
		return;
	}
	if (s->stale || !s->list.loaded || is_current(c))
		reread(c, s);
}

static void nets_event(struct console *c, void *st, const json_t *ev)
{
	struct nets_screen *s = st;
	const char *name = json_string_value(json_object_get(ev, "event"));

	(void)c;
	/* vm.changed: a NIC's VM; the IPs and states come with vm.list */
	if (name && (!strncmp(name, "net.", 4) || !strcmp(name, "vm.changed")))
		s->stale = 1;
}

/* --- forms -------------------------------------------------------------- */

static void form_close(struct nets_screen *s)
{
	cform_free(s->form);
	s->form = NULL;
	json_decref(s->submitted);
	s->submitted = NULL;
}

static void form_open(struct console *c, struct nets_screen *s, struct cform *f)
{
	form_close(s);
	s->form = f;
	c->dirty = 1;
}

/* "tcp port 8080 to web:80", "a NIC on wan for web", "network lan". */
static void describe(const json_t *a, const char *op, char *buf, size_t len)
{
	const char *name = json_string_value(json_object_get(a, "name"));
	const char *net = json_string_value(json_object_get(a, "net"));

	if (!strcmp(op, "net.forward.add"))
		snprintf(buf, len, "%s port %lld to %s:%lld on %s",
			 json_string_value(json_object_get(a, "proto")),
			 (long long)json_integer_value(json_object_get(a, "host_port")),
			 json_string_value(json_object_get(a, "vm")),
			 (long long)json_integer_value(json_object_get(a, "port")), net ? net : "?");
	else if (!strcmp(op, "vm.nic.add"))
		snprintf(buf, len, "a NIC on %s for %s", net ? net : "?", name ? name : "?");
	else
		snprintf(buf, len, "network %s", name ? name : "?");
}

static void form_submit(struct console *c, struct nets_screen *s)
{
	json_t *args = cform_args(s->form);
	const char *op = cform_op(s->form);
	char what[256], progress[300], done[300];

	if (!args)
		return;
	describe(args, op, what, sizeof(what));
	if (!strcmp(op, "net.create")) {
		snprintf(progress, sizeof(progress), "Creating %s", what);
		snprintf(done, sizeof(done), "Created %s", what);
	} else if (!strcmp(op, "net.forward.add")) {
		snprintf(progress, sizeof(progress), "Forwarding %s", what);
		snprintf(done, sizeof(done), "Forwarded %s", what);
	} else {
		snprintf(progress, sizeof(progress), "Adding %s", what);
		snprintf(done, sizeof(done), "Added %s", what);
	}
	s->submitted = json_deep_copy(args);
	if (console_action_start(c, CACTION_PLAIN, op, args, CHANGE_TIMEOUT_MS, progress, done) < 0) {
		json_decref(s->submitted);
		s->submitted = NULL;
	}
}

static void form_key(struct console *c, struct nets_screen *s, int ch)
{
	int r;

	if (ch == KEY_MOUSE)
		return;
	if (s->submitted) {
		/* the request runs on; Esc only closes the form */
		if (ch == 27)
			form_close(s);
		return;
	}
	r = cform_key(s->form, ch);
	if (r == CFORM_CANCEL) {
		form_close(s);
		console_status(c, CSTATUS_INFO, "Cancelled; nothing was changed");
	} else if (r == CFORM_SUBMIT) {
		form_submit(c, s);
	}
}

static const char *nets_keybar(struct console *c, void *st)
{
	struct nets_screen *s = st;

	(void)c;
	if (!s->form)
		return NULL;
	if (s->submitted)
		return "Waiting for croftd...  Esc closes the form (the request goes on)";
	return cform_help(s->form);
}

/* --- keys --------------------------------------------------------------- */

static void step(struct console *c, struct nets_screen *s, long delta)
{
	if (s->view == NV_LIST) {
		cnet_list_move(&s->list, delta);
	} else {
		long item = (long)s->item + delta;

		s->item = item < 0 ? 0 : (size_t)item;
	}
	follow(c, s);
}

static void k_up(struct console *c, void *st)
{
	step(c, st, -1);
}

static void k_down(struct console *c, void *st)
{
	step(c, st, 1);
}

static void k_pgup(struct console *c, void *st)
{
	step(c, st, -(long)table_rows(st));
}

static void k_pgdn(struct console *c, void *st)
{
	step(c, st, (long)table_rows(st));
}

static void k_home(struct console *c, void *st)
{
	step(c, st, -(1L << 30));
}

static void k_end(struct console *c, void *st)
{
	step(c, st, 1L << 30);
}

static void k_open(struct console *c, void *st)
{
	struct nets_screen *s = st;
	const struct cnet *n;

	if (s->view == NV_DETAIL)
		return;
	if (!(n = target(c, s)))
		return;
	snprintf(s->open, sizeof(s->open), "%s", n->name);
	s->view = NV_DETAIL;
	s->item = 0;
	s->dtop = 0;
	follow(c, s);
}

static void k_back(struct console *c, void *st)
{
	struct nets_screen *s = st;

	if (s->view == NV_DETAIL) {
		s->view = NV_LIST;
		cnet_list_select(&s->list, s->open);
		follow(c, s);
	}
}

/* Distinct VMs with a NIC on net, into names (at most max). */
static size_t net_vms(const json_t *net, const char **names, size_t max)
{
	const json_t *nic;
	size_t n = 0, i, j;

	json_array_foreach(json_object_get(net, "nics"), i, nic) {
		const char *vm = json_string_value(json_object_get(nic, "vm"));
		int seen = 0;

		for (j = 0; vm && j < n && !seen; j++)
			seen = !strcmp(names[j], vm);
		if (vm && !seen && n < max)
			names[n++] = vm;
	}
	return n;
}

static void new_forward(struct console *c, struct nets_screen *s, const struct cnet *n)
{
	const char *vms[64];
	size_t nvms;

	if (strcmp(n->mode, "nat")) {
		console_status(c, CSTATUS_ERROR, "port forwards need a nat network; %s is %s", n->name,
			       n->mode);
		return;
	}
	nvms = net_vms(n->json, vms, sizeof(vms) / sizeof(vms[0]));
	if (!nvms) {
		console_status(c, CSTATUS_ERROR,
			       "No VM has a NIC on %s to forward to; press a (or F4) to add one", n->name);
		return;
	}
	form_open(c, s, cform_new_forward(n->name, vms, nvms));
}

static void k_new(struct console *c, void *st)
{
	struct nets_screen *s = st;
	const struct cnet *n;

	if (s->view == NV_LIST) {
		form_open(c, s, cform_new_net());
		return;
	}
	if ((n = target(c, s)))
		new_forward(c, s, n);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void k_nic(struct console *c, void *st)
{
	struct nets_screen *s = st;
	const struct cnet *n = target(c, s);
	const struct cvm *sel = cvm_list_selected(&c->vms);
	const char **vms;
	size_t i;

	if (!n)
		return;
	if (!c->vms.n) {
		console_status(c, CSTATUS_ERROR, "No VMs yet: create one on the VMs screen (1) first");
		return;
	}
	vms = xcalloc(c->vms.n, sizeof(*vms));
	for (i = 0; i < c->vms.n; i++)
		vms[i] = c->vms.vms[i].name;
	qsort(vms, c->vms.n, sizeof(*vms), cmp_str);
	form_open(c, s, cform_new_nic(n->name, n->mode, vms, c->vms.n, sel ? sel->name : NULL));
	free(vms);
}

static void confirm_delete_net(struct console *c, const struct cnet *n)
{
	char title[128], l0[300], l1[200], l2[200], progress[128], done[128], where[128];
	const char *lines[3] = { l0, l1, l2 };
	const char *subnet = json_string_value(json_object_get(n->json, "subnet"));
	const char *uplink = json_string_value(json_object_get(n->json, "uplink"));
	const char *bridge = json_string_value(json_object_get(n->json, "bridge"));
	struct console_choice ch = { 'y', "delete the network", "net.delete",
				     json_pack("{s:s}", "name", n->name), CHANGE_TIMEOUT_MS,
				     progress, done };

	snprintf(where, sizeof(where), "%s%s%s", subnet ? subnet : "", subnet && uplink ? " via " : "",
		 uplink ? uplink : "");
	snprintf(title, sizeof(title), "Delete network %s?", n->name);
	snprintf(l0, sizeof(l0), "This deletes network %s (%s%s%s, bridge %s):", n->name, n->mode,
		 where[0] ? ", " : "", where, bridge ? bridge : "-");
	snprintf(l1, sizeof(l1), "its bridge, its nftables rules, its DHCP server and leases.");
	if (n->forwards)
		snprintf(l2, sizeof(l2), "Its %zu port forward%s go%s with it.", n->forwards,
			 n->forwards == 1 ? "" : "s", n->forwards == 1 ? "es" : "");
	else
		snprintf(l2, sizeof(l2), "It has no port forwards.");
	snprintf(progress, sizeof(progress), "Deleting network %s", n->name);
	snprintf(done, sizeof(done), "Deleted network %s", n->name);
	console_confirm(c, title, lines, 3, &ch, 1);
}

static void confirm_remove_fwd(struct console *c, const char *net, const json_t *fw)
{
	const char *proto = json_string_value(json_object_get(fw, "proto"));
	const char *vm = json_string_value(json_object_get(fw, "vm"));
	const char *addr = json_string_value(json_object_get(fw, "address"));
	long long hp = (long long)json_integer_value(json_object_get(fw, "host_port"));
	long long gp = (long long)json_integer_value(json_object_get(fw, "port"));
	char title[64], l0[300], l1[200], progress[160], done[160];
	const char *lines[2] = { l0, l1 };
	struct console_choice ch = { 'y', "remove the forward", "net.forward.remove",
				     json_pack("{s:s,s:s,s:I}", "net", net, "proto", proto ? proto : "",
					       "host_port", (json_int_t)hp),
				     CHANGE_TIMEOUT_MS, progress, done };

	snprintf(title, sizeof(title), "Remove port forward?");
	snprintf(l0, sizeof(l0), "%s port %lld of the host -> %s:%lld%s%s%s on network %s.",
		 proto ? proto : "?", hp, vm ? vm : "?", gp, addr ? " (" : "", addr ? addr : "",
		 addr ? ")" : "", net);
	snprintf(l1, sizeof(l1), "Connections to port %lld stop reaching the guest.", hp);
	snprintf(progress, sizeof(progress), "Removing the forward of %s port %lld on %s",
		 proto ? proto : "?", hp, net);
	snprintf(done, sizeof(done), "Removed the forward of %s port %lld on %s", proto ? proto : "?",
		 hp, net);
	console_confirm(c, title, lines, 2, &ch, 1);
}

static void confirm_remove_nic(struct console *c, const char *net, const json_t *nic)
{
	const char *vm = json_string_value(json_object_get(nic, "vm"));
	const char *mac = json_string_value(json_object_get(nic, "mac"));
	const char *addr = json_string_value(json_object_get(nic, "address"));
	const struct cvm *v = vm ? cvm_list_find(&c->vms, vm) : NULL;
	char title[128], l0[300], l1[200], l2[200], progress[200], done[200];
	const char *lines[3] = { l0, l1, l2 };
	size_t n = 2;
	struct console_choice ch;

	if (!vm || !mac)
		return;
	ch = (struct console_choice){ 'y', "remove the NIC", "vm.nic.remove",
				      json_pack("{s:s,s:s}", "name", vm, "mac", mac),
				      CHANGE_TIMEOUT_MS, progress, done };
	snprintf(title, sizeof(title), "Remove a NIC from %s?", vm);
	snprintf(l0, sizeof(l0), "NIC %s of VM %s on network %s%s%s%s.", mac, vm, net,
		 addr ? " (address " : "", addr ? addr : "", addr ? ")" : "");
	snprintf(l1, sizeof(l1), "Port forwards to it go with it.");
	if (v && v->pid > 0) {
		snprintf(l2, sizeof(l2), "%s is %s: the guest must let go of the card (up to 15 s).",
			 vm, v->state);
		n = 3;
	}
	snprintf(progress, sizeof(progress), "Removing NIC %s from %s", mac, vm);
	snprintf(done, sizeof(done), "Removed NIC %s from %s", mac, vm);
	console_confirm(c, title, lines, n, &ch, 1);
}

static void k_delete(struct console *c, void *st)
{
	struct nets_screen *s = st;
	const struct cnet *n = target(c, s);
	const json_t *fw, *nic;

	if (!n)
		return;
	if (s->view == NV_LIST) {
		confirm_delete_net(c, n);
		return;
	}
	if (cnet_detail_item(n->json, s->item, &fw, &nic) < 0) {
		console_status(c, CSTATUS_ERROR, "Nothing selected: network %s has no port forwards or NICs",
			       n->name);
		return;
	}
	if (fw)
		confirm_remove_fwd(c, n->name, fw);
	else
		confirm_remove_nic(c, n->name, nic);
}

static const struct console_key nets_keys[] = {
	{ { KEY_UP, 'k' }, NULL, "select the previous network, forward or NIC", k_up },
	{ { KEY_DOWN, 'j' }, NULL, "select the next network, forward or NIC", k_down },
	{ { KEY_PPAGE }, NULL, "one page up", k_pgup },
	{ { KEY_NPAGE }, NULL, "one page down", k_pgdn },
	{ { KEY_HOME, 'g' }, NULL, "first row", k_home },
	{ { KEY_END, 'G' }, NULL, "last row", k_end },
	{ { '\n', '\r', KEY_ENTER }, "Details",
	  "a network's details: forwards, NICs, guest IPs", k_open },
	{ { 27, KEY_LEFT, KEY_BACKSPACE, 127 }, "Back", "from the details back to the table", k_back },
	{ { 'n', KEY_F(2) }, "New",
	  "new network; in the details, new port forward", k_new },
	{ { 'a', KEY_F(4) }, "NIC", "give a VM a NIC on the network (a form)", k_nic },
	{ { 'x', KEY_DC, KEY_F(8) }, "Delete",
	  "delete the network, forward or NIC (asks first)",
	  k_delete },
	{ { 0 }, NULL, NULL, NULL },
};

/* A click selects a row. */
static void click(struct console *c, struct nets_screen *s)
{
	int row = c->mev.y - CONSOLE_HEADER_ROWS;
	struct cnet_detail d;
	size_t r;

	if (row < 0)
		return;
	if (s->view == NV_LIST) {
		if (row >= 1 && (size_t)row - 1 < table_rows(s) && s->list.top + (size_t)row - 1 < s->list.n)
			cnet_list_select_row(&s->list, s->list.top + (size_t)row - 1);
		follow(c, s);
		return;
	}
	if (!open_net(s))
		return;
	cnet_detail_build(&d, open_net(s), &c->vms, s->width);
	r = s->dtop + (size_t)row;
	if (r < d.n && d.rows[r].item >= 0)
		s->item = (size_t)d.rows[r].item;
	cnet_detail_free(&d);
	follow(c, s);
}

static int nets_key(struct console *c, void *st, int ch)
{
	struct nets_screen *s = st;

	if (s->form) {
		form_key(c, s, ch);
		return 1;
	}
	if (ch == KEY_MOUSE) {
		click(c, s);
		return 1;
	}
	return 0;
}

/* --- answers ------------------------------------------------------------- */

/* croftd refused a net.delete because VMs have NICs on it: ask again,
 * with force, naming them. */
static void offer_force(struct console *c, struct nets_screen *s, const char *name,
			const char *message)
{
	const struct cnet *n = cnet_list_find(&s->list, name);
	char users[400] = "", title[128], l0[600], l1[200], progress[160], done[160];
	const char *lines[2] = { l0, l1 }, *p;
	struct console_choice ch = { 'y', "delete their NICs and the network", "net.delete",
				     json_pack("{s:s,s:b}", "name", name, "force", 1), FORCE_TIMEOUT_MS,
				     progress, done };

	if (n)
		cnet_users(n->json, users, sizeof(users));
	/* the list may be behind croftd: then take its words */
	if (!users[0] && (p = strstr(message, " is used by "))) {
		p += strlen(" is used by ");
		if (!strncmp(p, "VMs ", 4))
			p += 4;
		else if (!strncmp(p, "VM ", 3))
			p += 3;
		snprintf(users, sizeof(users), "%.*s", (int)strcspn(p, ";"), p);
	}
	snprintf(title, sizeof(title), "Network %s is in use", name);
	snprintf(l0, sizeof(l0), "Network %s is used by %s. Delete their NICs too? [y/N]", name,
		 users[0] ? users : "VMs");
	snprintf(l1, sizeof(l1), "Running guests lose the card at once (hot-unplug); port forwards go too.");
	snprintf(progress, sizeof(progress), "Deleting network %s and the NICs on it", name);
	snprintf(done, sizeof(done), "Deleted network %s and the NICs on it", name);
	console_confirm(c, title, lines, 2, &ch, 1);
}

static void nets_done(struct console *c, void *st, const struct console_done *d)
{
	struct nets_screen *s = st;
	const char *name = json_string_value(json_object_get(d->args, "name"));

	if (!strncmp(d->op, "net.", 4) || !strncmp(d->op, "vm.nic.", 7))
		s->stale = 1;
	if (s->form && s->submitted && !strcmp(d->op, cform_op(s->form)) &&
	    json_equal((json_t *)d->args, s->submitted)) {
		json_decref(s->submitted);
		s->submitted = NULL;
		if (d->rc == 0) {
			if (cform_type(s->form) == CFORM_NET && name)
				cnet_list_select(&s->list, name);
			form_close(s);
		} else {
			cform_set_error(s->form, d->err->message[0] ? d->err->message
								     : strerror(-d->rc));
		}
		c->dirty = 1;
		return;
	}
	if (!strcmp(d->op, "net.delete") && d->rc == -EPROTO && name &&
	    !strcmp(d->err->code, PROTO_E_INVALID_STATE) && strstr(d->err->message, " is used by ") &&
	    !json_is_true(json_object_get(d->args, "force")))
		offer_force(c, s, name, d->err->message);
}

/* --- drawing ------------------------------------------------------------- */

static void draw_list(struct console *c, struct nets_screen *s, WINDOW *w, int top, int height,
		      int width)
{
	int widths[CTABLE_MAX_COLS];
	size_t i, rows = table_rows(s);

	(void)height;
	ctable_layout(cnet_cols, cnet_ncols, width, widths);
	console_table_line(c, w, top, width, cnet_cols, cnet_ncols, widths, NULL, 0, NULL);
	if (s->error[0]) {
		console_put(w, top + 2, 2, width - 2, c->th.error, s->error);
		return;
	}
	if (!s->list.loaded)
		console_put(w, top + 2, 2, width - 2, c->th.dim, "Reading the networks...");
	else if (!s->list.n)
		console_put(w, top + 2, 2, width - 2, c->th.dim,
			    "No networks yet. Press n (or F2) to create one.");
	for (i = 0; i < rows && s->list.top + i < s->list.n; i++) {
		size_t row = s->list.top + i;

		console_table_line(c, w, top + 1 + (int)i, width, cnet_cols, cnet_ncols, widths,
				   &s->list.nets[row], row == s->list.sel, NULL);
	}
}

static void draw_detail(struct console *c, struct nets_screen *s, WINDOW *w, int top,
			int height, int width)
{
	const json_t *net = open_net(s);
	struct cnet_detail d;
	size_t i;

	if (!net) {
		console_put(w, top + 1, 2, width - 2, c->th.dim, "Reading the network...");
		return;
	}
	cnet_detail_build(&d, net, &c->vms, width);
	for (i = 0; (int)i < height && s->dtop + i < d.n; i++) {
		const struct cnet_row *r = &d.rows[s->dtop + i];
		int y = top + (int)i;
		attr_t attr = c->th.normal;

		switch (r->kind) {
		case CNET_ROW_TITLE:
			attr = c->th.title;
			break;
		case CNET_ROW_HEAD:
			attr = c->th.label;
			break;
		case CNET_ROW_NOTE:
			attr = c->th.dim;
			break;
		case CNET_ROW_FWD:
		case CNET_ROW_NIC:
			if ((size_t)r->item == s->item) {
				attr = c->th.selected;
				console_fill(w, y, 0, width, attr);
			}
			break;
		case CNET_ROW_TEXT:
		case CNET_ROW_BLANK:
			break;
		}
		console_put(w, y, 0, width, attr, r->text);
	}
	cnet_detail_free(&d);
}

static void nets_draw(struct console *c, void *st, WINDOW *w, int top, int height, int width)
{
	struct nets_screen *s = st;

	if (s->view == NV_DETAIL)
		draw_detail(c, s, w, top, height, width);
	else
		draw_list(c, s, w, top, height, width);
	if (s->form)
		cform_draw(s->form, w, top, height, width, &c->th);
}

/* --- the screen ---------------------------------------------------------- */

static void *nets_init(struct console *c)
{
	struct nets_screen *s = xcalloc(1, sizeof(*s));

	cnet_list_init(&s->list);
	s->height = c->rows - CONSOLE_HEADER_ROWS - CONSOLE_FOOTER_ROWS;
	s->width = c->cols;
	s->stale = 1;
	return s;
}

static void nets_fini(void *st)
{
	struct nets_screen *s = st;

	form_close(s);
	cnet_list_free(&s->list);
	free(s);
}

static void nets_resize(struct console *c, void *st, int height, int width)
{
	struct nets_screen *s = st;

	s->height = height;
	s->width = width;
	follow(c, s);
}

const struct console_screen console_screen_networks = {
	.name = "Networks",
	.hotkey = '4',
	.keys = nets_keys,
	.init = nets_init,
	.fini = nets_fini,
	.draw = nets_draw,
	.key = nets_key,
	.resize = nets_resize,
	.event = nets_event,
	.tick = nets_tick,
	.done = nets_done,
	.keybar = nets_keybar,
};
