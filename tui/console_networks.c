/*
 * The Networks screen: the table of croftd's networks (NAME MODE
 * SUBNET/UPLINK BRIDGE GUESTS FORWARDS), and, on Enter, one network's
 * details: its port forwards and the NICs on it, each with the VM's lease
 * (IP), MAC and assigned address.  One key table serves both views: n/F2
 * creates a network in the table and a port forward in the details, a/F4
 * gives a VM a NIC on the network, x/Delete/F8 deletes the selected
 * network, forward or NIC (asking first), Esc goes back to the table.
 *
 * The models are console_net.h's: the table and the details' two tables
 * are list panels; the details' cursor moves from the forwards on into
 * the NICs and back as if they were one list.  The networks are re-read
 * with net.list after every net.* event and every refresh while the screen
 * is shown, so another admin's change appears without a key press; the
 * IPs come from the VM model, which the console re-reads every second.
 *
 * Every change is an action (console_action.c): progress, then croftd's
 * answer in the status line; the forms (console_netform.c) are the
 * console's one open form (console_form.c).  A net.delete that croftd
 * refuses because VMs still have NICs on the network is offered again
 * with force, naming them.
 */
#include "tui/console_screen.h"
#include "tui/console_net.h"
#include "common/json_get.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHANGE_TIMEOUT_MS 60000       /* netd applies; a NIC hot-plugs */
#define FORCE_TIMEOUT_MS 180000       /* one 15 s hot-unplug per NIC */
#define MAX_VMS 64

enum nview { NV_LIST, NV_DETAIL };

struct nets_screen {
	struct console_list list;     /* struct cnet */
	enum nview view;
	char open[CNET_NAME_LEN];     /* the network the details show */
	struct panel fwds, nics;      /* its forwards and NICs */
	int on_nics;                  /* the details' cursor is in the NICs */
	char summary[CNET_SUMMARY_MAX][CNET_ROW_LEN];
	int nsummary;
	struct cnet_layout lay;
	int stale;                    /* re-read net.list at the next refresh */
	char error[600];              /* why net.list failed, or "" */
	int height, width;            /* the body */
};

static struct nets_screen *S(void *st)
{
	return st;
}

static struct console_list *nets_list(void *st)
{
	return &S(st)->list;
}

static int is_current(const struct console *c)
{
	return console_screens[c->cur] == &console_screen_networks;
}

static const struct cnet *open_net(const struct nets_screen *s)
{
	return panel_find(&s->list.panel, s->open);
}

/* The network keys act on: the open one, or the selected row's. */
static const struct cnet *target(struct console *c, const struct nets_screen *s)
{
	const struct cnet *n = s->view == NV_DETAIL ? open_net(s) : panel_selected(&s->list.panel);

	if (!n)
		console_status(c, CSTATUS_ERROR, "%s", s->list.panel.n ? "No network selected"
					     : "No networks yet; press n (or F2) to create one");
	return n;
}

/* The details' rows and layout from the open network and the VM model. */
static void detail_sync(struct console *c, struct nets_screen *s)
{
	const struct cnet *n = open_net(s);

	if (s->view != NV_DETAIL || !n)
		return;
	panel_set_rows(&s->fwds, cnet_fwd_rows(n), n->nfwds);
	panel_set_rows(&s->nics, cnet_nic_rows(n, &c->vms), n->nnics);
	s->nsummary = cnet_summary(n, s->width, s->summary);
	cnet_layout(s->height, s->nsummary, n->nfwds, n->nnics, &s->lay);
	panel_set_height(&s->fwds, (size_t)(s->lay.fwd_rows > 0 ? s->lay.fwd_rows : 1));
	panel_set_height(&s->nics, (size_t)(s->lay.nic_rows > 0 ? s->lay.nic_rows : 1));
	if (s->on_nics && !panel_count(&s->nics))
		s->on_nics = 0;
	else if (!s->on_nics && !panel_count(&s->fwds) && panel_count(&s->nics))
		s->on_nics = 1;
}

/* --- the model ---------------------------------------------------------- */

static void reread(struct console *c, struct nets_screen *s)
{
	struct api_error e = { "", "" };
	json_t *res = NULL;
	struct cnet *nets;
	size_t n;

	if (console_call(c, "net.list", NULL, &res, NULL, &e) < 0) {
		/* a broken connection has cleared the list already */
		if (c->api)
			snprintf(s->error, sizeof(s->error), "net.list: %s", e.message);
		return;
	}
	s->error[0] = '\0';
	s->stale = 0;
	nets = cnet_parse_list(jget_arr(res, "networks"), &n);
	panel_set_rows(&s->list.panel, nets, n);
	json_decref(res);
	if (s->view == NV_DETAIL && !open_net(s)) {
		s->view = NV_LIST;
		console_status(c, CSTATUS_INFO, "Network %s is gone (deleted)", s->open);
	}
	c->dirty = 1;
}

static void nets_tick(struct console *c, void *st)
{
	struct nets_screen *s = st;

	if (!c->api) {
		panel_clear(&s->list.panel);
		s->stale = 1;
		return;
	}
	if (s->stale || !s->list.panel.loaded || is_current(c))
		reread(c, s);
	detail_sync(c, s);
}

static void nets_event(struct console *c, void *st, const json_t *ev)
{
	const char *name = jget_str(ev, "event", "");

	(void)c;
	/* vm.changed: a NIC's VM; the IPs and states come with vm.list */
	if (!strncmp(name, "net.", 4) || !strcmp(name, "vm.changed"))
		S(st)->stale = 1;
}

/* --- keys --------------------------------------------------------------- */

/* The details' cursor, over the forwards and then the NICs as if they
 * were one list; in the table, the list's keys. */
static int nets_nav(struct console *c, void *st, enum console_nav how)
{
	struct nets_screen *s = st;
	struct panel *cur = s->on_nics ? &s->nics : &s->fwds;
	int up = how == CNAV_UP || how == CNAV_PGUP;

	(void)c;
	if (s->view != NV_DETAIL)
		return 0;
	if (how == CNAV_HOME || how == CNAV_END) {
		s->on_nics = how == CNAV_END ? panel_count(&s->nics) > 0 : !panel_count(&s->fwds);
		cur = s->on_nics ? &s->nics : &s->fwds;
		if (how == CNAV_END)
			panel_end(cur);
		else
			panel_home(cur);
	} else if (up && s->on_nics && !s->nics.sel && panel_count(&s->fwds)) {
		s->on_nics = 0;
		panel_end(&s->fwds);
	} else if (!up && !s->on_nics && s->fwds.sel + 1 >= panel_count(&s->fwds) &&
		   panel_count(&s->nics)) {
		s->on_nics = 1;
		panel_home(&s->nics);
	} else if (how == CNAV_PGUP || how == CNAV_PGDN) {
		panel_page(cur, up ? -1 : 1);
	} else {
		panel_move(cur, up ? -1 : 1);
	}
	return 1;
}

static void k_open(struct console *c, void *st)
{
	struct nets_screen *s = st;
	const struct cnet *n;

	if (s->view == NV_DETAIL || !(n = target(c, s)))
		return;
	snprintf(s->open, sizeof(s->open), "%s", n->name);
	s->view = NV_DETAIL;
	s->on_nics = 0;
	panel_clear(&s->fwds);
	panel_clear(&s->nics);
	detail_sync(c, s);
	panel_home(&s->fwds);
	panel_home(&s->nics);
}

static void k_back(struct console *c, void *st)
{
	struct nets_screen *s = st;

	(void)c;
	if (s->view == NV_DETAIL) {
		s->view = NV_LIST;
		panel_select(&s->list.panel, s->open);
	}
}

static void new_forward(struct console *c, const struct cnet *n)
{
	const char *vms[MAX_VMS];
	size_t nvms;

	if (strcmp(n->mode, "nat")) {
		console_status(c, CSTATUS_ERROR, "port forwards need a nat network; %s is %s", n->name,
			       n->mode);
		return;
	}
	nvms = cnet_user_names(n, vms, MAX_VMS);
	if (!nvms) {
		console_status(c, CSTATUS_ERROR,
			       "No VM has a NIC on %s to forward to; press a (or F4) to add one", n->name);
		return;
	}
	console_form_open(c, netform_new_forward(n->name, vms, nvms < MAX_VMS ? nvms : MAX_VMS),
			  CHANGE_TIMEOUT_MS, netform_describe_forward);
}

static void k_new(struct console *c, void *st)
{
	struct nets_screen *s = st;
	const struct cnet *n;

	if (s->view == NV_LIST)
		console_form_open(c, netform_new_net(), CHANGE_TIMEOUT_MS, netform_describe_net);
	else if ((n = target(c, s)))
		new_forward(c, n);
}

/* The VM choice starts on the first VM without a NIC on the network. */
static void k_nic(struct console *c, void *st)
{
	const struct cnet *n = target(c, st);
	const char **vms, *users[MAX_VMS], *first = NULL;
	size_t nusers, i, k;

	if (!n)
		return;
	if (!c->vms.n) {
		console_status(c, CSTATUS_ERROR, "No VMs yet: create one on the VMs screen (1) first");
		return;
	}
	vms = cvm_model_names(&c->vms);
	nusers = cnet_user_names(n, users, MAX_VMS);
	for (i = 0; i < c->vms.n && !first; i++) {
		for (k = 0; k < nusers && k < MAX_VMS && strcmp(users[k], vms[i]); k++)
			;
		if (k == nusers || k == MAX_VMS)
			first = vms[i];
	}
	console_form_open(c, netform_new_nic(n->name, n->mode, vms, c->vms.n, first),
			  CHANGE_TIMEOUT_MS, netform_describe_nic);
	free(vms);
}

/* One question, with everything that goes said up front: the VMs whose
 * NICs are on the network are named and their NICs removed in the same
 * step (a forced delete), so croftd never has to refuse and ask again. */
static void confirm_delete_net(struct console *c, const struct cnet *n)
{
	char title[128], l0[300], l1[200], l2[200], l3[600], progress[160], done[160];
	char where[128], users[400];
	const char *lines[4] = { l0, l1, l2, l3 };
	size_t nusers = cnet_users(n, users, sizeof(users));
	struct console_choice ch = { 'y', nusers ? "delete the NICs and the network"
						 : "delete the network", "net.delete",
				     nusers ? json_pack("{s:s,s:b}", "name", n->name, "force", 1)
					    : json_pack("{s:s}", "name", n->name),
				     nusers ? FORCE_TIMEOUT_MS : CHANGE_TIMEOUT_MS, progress, done };

	snprintf(where, sizeof(where), "%s%s%s", n->subnet, n->subnet[0] && n->uplink[0] ? " via " : "",
		 n->uplink);
	snprintf(title, sizeof(title), "Delete network %s?", n->name);
	snprintf(l0, sizeof(l0), "This deletes network %s (%s%s%s, bridge %s):", n->name, n->mode,
		 where[0] ? ", " : "", where, n->bridge[0] ? n->bridge : "-");
	snprintf(l1, sizeof(l1), "its bridge, its nftables rules, its DHCP server and leases.");
	if (n->nfwds)
		snprintf(l2, sizeof(l2), "Its %zu port forward%s go%s with it.", n->nfwds,
			 n->nfwds == 1 ? "" : "s", n->nfwds == 1 ? "es" : "");
	else
		snprintf(l2, sizeof(l2), "It has no port forwards.");
	if (nusers)
		snprintf(l3, sizeof(l3), "The NIC%s of %s on it %s removed too (running guests lose the card at once).",
			 n->nnics == 1 ? "" : "s", users, n->nnics == 1 ? "is" : "are");
	else
		snprintf(l3, sizeof(l3), "No VM has a NIC on it.");
	snprintf(progress, sizeof(progress), "Deleting network %s%s", n->name,
		 nusers ? " and the NICs on it" : "");
	snprintf(done, sizeof(done), "Deleted network %s%s", n->name,
		 nusers ? " and the NICs on it" : "");
	console_confirm(c, title, lines, 4, &ch, 1);
}

static void confirm_remove_fwd(struct console *c, const char *net, const struct cnet_fwd *fw)
{
	char title[64], l0[300], l1[200], progress[160], done[160];
	const char *lines[2] = { l0, l1 };
	struct console_choice ch = { 'y', "remove the forward", "net.forward.remove",
				     json_pack("{s:s,s:s,s:I}", "net", net, "proto", fw->proto,
					       "host_port", (json_int_t)fw->host_port),
				     CHANGE_TIMEOUT_MS, progress, done };

	snprintf(title, sizeof(title), "Remove port forward?");
	snprintf(l0, sizeof(l0), "%s port %lld of the host -> %s:%lld%s%s%s on network %s.",
		 fw->proto, fw->host_port, fw->vm, fw->port, fw->address[0] ? " (" : "", fw->address,
		 fw->address[0] ? ")" : "", net);
	snprintf(l1, sizeof(l1), "Connections to port %lld stop reaching the guest.", fw->host_port);
	snprintf(progress, sizeof(progress), "Removing the forward of %s port %lld on %s", fw->proto,
		 fw->host_port, net);
	snprintf(done, sizeof(done), "Removed the forward of %s port %lld on %s", fw->proto,
		 fw->host_port, net);
	console_confirm(c, title, lines, 2, &ch, 1);
}

static void confirm_remove_nic(struct console *c, const char *net, const struct cnet_nic *nic)
{
	const struct cvm_info *v = cvm_model_find(&c->vms, nic->vm);
	char title[128], l0[300], l1[200], l2[200], progress[200], done[200];
	const char *lines[3] = { l0, l1, l2 };
	size_t n = 2;
	struct console_choice ch = { 'y', "remove the NIC", "vm.nic.remove",
				     json_pack("{s:s,s:s}", "name", nic->vm, "mac", nic->mac),
				     CHANGE_TIMEOUT_MS, progress, done };

	snprintf(title, sizeof(title), "Remove a NIC from %s?", nic->vm);
	snprintf(l0, sizeof(l0), "NIC %s of VM %s on network %s%s%s%s.", nic->mac, nic->vm, net,
		 nic->address[0] ? " (address " : "", nic->address, nic->address[0] ? ")" : "");
	snprintf(l1, sizeof(l1), "Port forwards to it go with it.");
	if (v && v->vm.pid > 0) {
		snprintf(l2, sizeof(l2), "%s is %s: the guest must let go of the card (up to 15 s).",
			 nic->vm, v->vm.state);
		n = 3;
	}
	snprintf(progress, sizeof(progress), "Removing NIC %s from %s", nic->mac, nic->vm);
	snprintf(done, sizeof(done), "Removed NIC %s from %s", nic->mac, nic->vm);
	console_confirm(c, title, lines, n, &ch, 1);
}

static void k_delete(struct console *c, void *st)
{
	struct nets_screen *s = st;
	const struct cnet *n = target(c, s);
	const struct cnet_fwd *fw;
	const struct cnet_nic *nic;

	if (!n)
		return;
	if (s->view == NV_LIST) {
		confirm_delete_net(c, n);
		return;
	}
	fw = s->on_nics ? NULL : panel_selected(&s->fwds);
	nic = s->on_nics ? panel_selected(&s->nics) : NULL;
	if (fw)
		confirm_remove_fwd(c, n->name, fw);
	else if (nic)
		confirm_remove_nic(c, n->name, nic);
	else
		console_status(c, CSTATUS_ERROR, "Nothing selected: network %s has no port forwards or NICs",
			       n->name);
}

static const struct console_key nets_keys[] = {
	CONSOLE_NAV_KEYS("select the previous network, forward or NIC",
			 "select the next network, forward or NIC", "first row", "last row"),
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

/* A click in the details selects the forward or NIC under it; in the
 * table, console_nav_click() does. */
static int nets_key(struct console *c, void *st, int ch)
{
	struct nets_screen *s = st;
	int y = c->mev.y - CONSOLE_HEADER_ROWS;

	if (ch != KEY_MOUSE || s->view != NV_DETAIL)
		return 0;
	if (y > s->lay.fwd_head && y <= s->lay.fwd_head + s->lay.fwd_rows &&
	    panel_click(&s->fwds, y - s->lay.fwd_head - 1) == 0)
		s->on_nics = 0;
	else if (y > s->lay.nic_head && y <= s->lay.nic_head + s->lay.nic_rows &&
		 panel_click(&s->nics, y - s->lay.nic_head - 1) == 0)
		s->on_nics = 1;
	return 1;
}

/* --- answers ------------------------------------------------------------- */

/* croftd refused a net.delete because VMs have NICs on it: ask again,
 * with force, naming them. */
static void offer_force(struct console *c, struct nets_screen *s, const char *name,
			const char *message)
{
	const struct cnet *n = panel_find(&s->list.panel, name);
	char users[400] = "", title[128], l0[600], l1[200], progress[160], done[160];
	const char *lines[2] = { l0, l1 }, *p;
	struct console_choice ch = { 'y', "delete their NICs and the network", "net.delete",
				     json_pack("{s:s,s:b}", "name", name, "force", 1), FORCE_TIMEOUT_MS,
				     progress, done };

	if (n)
		cnet_users(n, users, sizeof(users));
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
	/* croftd's words advise --force, which means nothing here */
	console_status(c, CSTATUS_ERROR, "Network %s is in use: nothing was deleted", name);
	console_confirm(c, title, lines, 2, &ch, 1);
}

static void nets_done(struct console *c, void *st, const struct console_done *d)
{
	struct nets_screen *s = st;
	const char *name = jget_str(d->args, "name", NULL);

	if (!strncmp(d->op, "net.", 4) || !strncmp(d->op, "vm.nic.", 7))
		s->stale = 1;
	if (!strcmp(d->op, "net.create") && d->rc == 0 && name)
		panel_select(&s->list.panel, name);
	if (!strcmp(d->op, "net.forward.add") && d->rc == 0 && jget_str(d->result, "warning", NULL)) {
		char said[sizeof(c->status)];

		snprintf(said, sizeof(said), "%s", c->status);
		console_status(c, CSTATUS_PROGRESS, "%s; warning: %s", said,
			       jget_str(d->result, "warning", ""));
	}
	if (!strcmp(d->op, "net.delete") && d->rc == -EPROTO && name &&
	    !strcmp(d->err->code, PROTO_E_INVALID_STATE) && strstr(d->err->message, " is used by ") &&
	    !jget_bool(d->args, "force", 0))
		offer_force(c, s, name, d->err->message);
}

/* --- drawing ------------------------------------------------------------- */

static void draw_list(struct console *c, struct nets_screen *s, WINDOW *w, int top, int height,
		      int width)
{
	console_list_draw(c, w, top, height, width, &s->list, cnet_cols, cnet_ncols, NULL);
	if (s->error[0])
		console_put(w, top + 2, 2, width - 2, c->th.error, s->error);
	else if (!s->list.panel.loaded)
		console_put(w, top + 2, 2, width - 2, c->th.dim, "Reading the networks...");
	else if (!s->list.panel.n)
		console_put(w, top + 2, 2, width - 2, c->th.dim,
			    "No networks yet. Press n (or F2) to create one.");
}

/* A table of the details: its title, then its rows or a note. */
static void draw_table(struct console *c, WINDOW *w, int top, int width, int title, int head,
		       const char *what, const struct panel *p, const struct ctable_col *cols,
		       size_t ncols, int focused, const char *none)
{
	char line[64];

	snprintf(line, sizeof(line), "%s (%zu)", what, panel_count(p));
	console_put(w, top + title, 0, width, c->th.title, line);
	if (panel_count(p))
		console_panel_draw(c, w, top + head, width, p, cols, ncols, NULL, focused);
	else
		console_put(w, top + head, 0, width, c->th.dim, none);
}

static void draw_detail(struct console *c, struct nets_screen *s, WINDOW *w, int top,
			int width)
{
	const struct cnet *n = open_net(s);
	int i;

	if (!n) {
		console_put(w, top + 1, 2, width - 2, c->th.dim, "Reading the network...");
		return;
	}
	for (i = 0; i < s->nsummary; i++)
		console_put(w, top + i, 0, width, c->th.normal, s->summary[i]);
	draw_table(c, w, top, width, s->lay.fwd_title, s->lay.fwd_head, "PORT FORWARDS", &s->fwds,
		   cnet_fwd_cols, cnet_fwd_ncols, !s->on_nics,
		   !strcmp(n->mode, "nat") ? "  None. Press n (F2) to forward a host port to a guest."
					   : "  None: port forwards need a nat network.");
	draw_table(c, w, top, width, s->lay.nic_title, s->lay.nic_head, "NICS ON THIS NETWORK",
		   &s->nics, cnet_nic_cols, cnet_nic_ncols, s->on_nics,
		   "  None. Press a (F4) to give a VM a NIC here.");
}

static void nets_draw(struct console *c, void *st, WINDOW *w, int top, int height, int width)
{
	struct nets_screen *s = st;

	if (s->view == NV_DETAIL)
		draw_detail(c, s, w, top, width);
	else
		draw_list(c, s, w, top, height, width);
}

/* --- the screen ---------------------------------------------------------- */

static void *nets_init(struct console *c)
{
	struct nets_screen *s = xcalloc(1, sizeof(*s));

	s->height = console_body_rows(c);
	s->width = c->cols;
	console_list_init(&s->list, &cnet_panel_ops, "networks", s->height);
	panel_init(&s->fwds, &cnet_fwd_ops);
	panel_init(&s->nics, &cnet_nic_ops);
	s->stale = 1;
	return s;
}

static void nets_fini(void *st)
{
	struct nets_screen *s = st;

	console_list_free(&s->list);
	panel_free(&s->fwds);
	panel_free(&s->nics);
	free(s);
}

static void nets_resize(struct console *c, void *st, int height, int width)
{
	struct nets_screen *s = st;

	s->height = height;
	s->width = width;
	detail_sync(c, s);
}

const struct console_screen console_screen_networks = {
	.name = "Networks",
	.hotkey = '4',
	.keys = nets_keys,
	.list = nets_list,
	.nav = nets_nav,
	.init = nets_init,
	.fini = nets_fini,
	.draw = nets_draw,
	.key = nets_key,
	.resize = nets_resize,
	.event = nets_event,
	.tick = nets_tick,
	.done = nets_done,
};
