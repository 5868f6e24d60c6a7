/*
 * The Networks screen's table and details models (console_net.h).
 *
 * The table keeps net.list's networks sorted by name; the selection is
 * remembered by name, so a refresh that adds or removes networks leaves
 * the cursor on the network the user chose, or on the same row number
 * when that one is gone.  Cells read the network object as it is and show
 * "-" for what is missing, so a croftd with more fields never breaks them.
 *
 * The details are a list of text rows built for one width: two summary
 * lines, then a titled table of the port forwards and one of the NICs.
 * Each forward and NIC row carries its item number (forwards first), which
 * is what the cursor selects; a NIC row's IP is the lease from the VM
 * model (vm.list asks netd for leases every refresh), not the network
 * object, which only has the assigned address.
 */
#include "tui/console_net.h"
#include "tui/console_model.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : NULL;
}

static const char *str_or_dash(const json_t *o, const char *key)
{
	const char *s = str(o, key);

	return s ? s : "-";
}

/* --- the table ---------------------------------------------------------- */

void cnet_list_init(struct cnet_list *l)
{
	memset(l, 0, sizeof(*l));
}

static void free_nets(struct cnet *nets, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_decref(nets[i].json);
	free(nets);
}

void cnet_list_free(struct cnet_list *l)
{
	free_nets(l->nets, l->n);
	memset(l, 0, sizeof(*l));
}

static int cmp_net(const void *a, const void *b)
{
	return strcmp(((const struct cnet *)a)->name, ((const struct cnet *)b)->name);
}

/* Is the VM of nics[i] also that of an earlier NIC? */
static int seen_before(const json_t *nics, size_t i)
{
	const char *vm = str(json_array_get(nics, i), "vm");
	size_t j;

	for (j = 0; vm && j < i; j++) {
		const char *other = str(json_array_get(nics, j), "vm");

		if (other && !strcmp(other, vm))
			return 1;
	}
	return 0;
}

static size_t count_users(const json_t *net)
{
	const json_t *nics = json_object_get(net, "nics");
	size_t n = 0, i;

	for (i = 0; i < json_array_size(nics); i++)
		if (str(json_array_get(nics, i), "vm") && !seen_before(nics, i))
			n++;
	return n;
}

/* Put the selection back on l->selected, or on row old_row. */
static void reselect(struct cnet_list *l, size_t old_row)
{
	size_t i;

	if (!l->n) {
		l->sel = 0;
		l->top = 0;
		return;
	}
	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->nets[i].name, l->selected)) {
			l->sel = i;
			return;
		}
	}
	l->sel = old_row < l->n ? old_row : l->n - 1;
	snprintf(l->selected, sizeof(l->selected), "%s", l->nets[l->sel].name);
}

void cnet_list_update(struct cnet_list *l, const json_t *networks)
{
	size_t n = json_array_size(networks), i, k = 0;
	struct cnet *nv = xcalloc(n + 1, sizeof(*nv));

	for (i = 0; i < n; i++) {
		const json_t *o = json_array_get(networks, i);
		struct cnet *c = &nv[k];

		if (!str(o, "name"))
			continue;
		snprintf(c->name, sizeof(c->name), "%s", str(o, "name"));
		snprintf(c->mode, sizeof(c->mode), "%s", str_or_dash(o, "mode"));
		c->nics = json_array_size(json_object_get(o, "nics"));
		c->forwards = json_array_size(json_object_get(o, "forwards"));
		c->guests = count_users(o);
		c->json = json_incref((json_t *)o);
		k++;
	}
	if (k)
		qsort(nv, k, sizeof(*nv), cmp_net);
	free_nets(l->nets, l->n);
	l->nets = nv;
	l->n = k;
	l->loaded = 1;
	reselect(l, l->sel);
}

void cnet_list_clear(struct cnet_list *l)
{
	free_nets(l->nets, l->n);
	l->nets = NULL;
	l->n = 0;
	l->loaded = 0;
	reselect(l, l->sel);
}

void cnet_list_select_row(struct cnet_list *l, size_t row)
{
	if (!l->n)
		return;
	l->sel = row < l->n ? row : l->n - 1;
	snprintf(l->selected, sizeof(l->selected), "%s", l->nets[l->sel].name);
}

void cnet_list_move(struct cnet_list *l, long delta)
{
	long row = (long)l->sel + delta;

	cnet_list_select_row(l, row < 0 ? 0 : (size_t)row);
}

void cnet_list_home(struct cnet_list *l)
{
	cnet_list_select_row(l, 0);
}

void cnet_list_end(struct cnet_list *l)
{
	if (l->n)
		cnet_list_select_row(l, l->n - 1);
}

int cnet_list_select(struct cnet_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->nets[i].name, name)) {
			cnet_list_select_row(l, i);
			return 0;
		}
	}
	snprintf(l->selected, sizeof(l->selected), "%s", name);
	return -ENOENT;
}

const struct cnet *cnet_list_selected(const struct cnet_list *l)
{
	return l->n ? &l->nets[l->sel] : NULL;
}

const struct cnet *cnet_list_find(const struct cnet_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->nets[i].name, name))
			return &l->nets[i];
	return NULL;
}

void cnet_list_scroll(struct cnet_list *l, size_t height)
{
	console_list_scroll(&l->top, l->sel, l->n, height);
}

char *cnet_users(const json_t *net, char *buf, size_t len)
{
	const json_t *nics = json_object_get(net, "nics"), *nic;
	size_t used = 0, i;

	buf[0] = '\0';
	json_array_foreach(nics, i, nic) {
		const char *vm = str(nic, "vm");

		if (!vm || seen_before(nics, i))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", vm);
		if (used >= len) {
			used = len - 1;
			break;
		}
	}
	return buf;
}

static void cell_name(const void *row, char *buf, size_t len)
{
	const struct cnet *n = row;

	snprintf(buf, len, "%s", n->name);
}

static void cell_mode(const void *row, char *buf, size_t len)
{
	const struct cnet *n = row;

	snprintf(buf, len, "%s", n->mode);
}

/* nat: the subnet and where it leaves; host-only: the subnet; bridged:
 * the enslaved NIC. */
static void cell_where(const void *row, char *buf, size_t len)
{
	const struct cnet *n = row;
	const char *subnet = str(n->json, "subnet"), *uplink = str(n->json, "uplink");

	if (subnet && uplink)
		snprintf(buf, len, "%s via %s", subnet, uplink);
	else
		snprintf(buf, len, "%s", subnet ? subnet : uplink ? uplink : "-");
}

static void cell_bridge(const void *row, char *buf, size_t len)
{
	const struct cnet *n = row;

	snprintf(buf, len, "%s", str_or_dash(n->json, "bridge"));
}

static void cell_guests(const void *row, char *buf, size_t len)
{
	const struct cnet *n = row;

	snprintf(buf, len, "%zu", n->guests);
}

static void cell_forwards(const void *row, char *buf, size_t len)
{
	const struct cnet *n = row;

	snprintf(buf, len, "%zu", n->forwards);
}

const struct ctable_col cnet_cols[] = {
	{ "NAME", 10, 24, 0, cell_name },
	{ "MODE", 9, 9, 0, cell_mode },
	{ "SUBNET/UPLINK", 26, 40, 0, cell_where },
	{ "BRIDGE", 9, 12, 0, cell_bridge },
	{ "GUESTS", 6, 6, 1, cell_guests },
	{ "FORWARDS", 8, 8, 1, cell_forwards },
};
const size_t cnet_ncols = sizeof(cnet_cols) / sizeof(cnet_cols[0]);

/* --- the details -------------------------------------------------------------- */

#define DCOLS 5

/* A details table: its columns, and a formatter of one item's cells. */
struct dtable {
	struct ctable_col cols[DCOLS];
	size_t ncols;
};

static const struct dtable fwd_table = { {
	{ "PROTO", 5, 5, 0, NULL },
	{ "HOST PORT", 9, 9, 1, NULL },
	{ "VM", 10, 24, 0, NULL },
	{ "GUEST PORT", 10, 10, 1, NULL },
	{ "TO", 15, 21, 0, NULL },
}, 5 };

static const struct dtable nic_table = { {
	{ "VM", 10, 24, 0, NULL },
	{ "MAC", 17, 17, 0, NULL },
	{ "IP", 15, 15, 0, NULL },
	{ "ADDRESS", 15, 15, 0, NULL },
	{ "STATE", 8, 13, 0, NULL },
}, 5 };

struct builder {
	struct cnet_detail *d;
	size_t cap;
	int width;
};

static struct cnet_row *push(struct builder *b, enum cnet_row_kind kind, long item)
{
	struct cnet_row *r;

	if (b->d->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->d->rows = xrealloc(b->d->rows, b->cap * sizeof(*b->d->rows));
	}
	r = &b->d->rows[b->d->n++];
	r->kind = kind;
	r->item = item;
	r->text[0] = '\0';
	return r;
}

static void push_text(struct builder *b, enum cnet_row_kind kind, const char *text)
{
	snprintf(push(b, kind, -1)->text, CNET_ROW_LEN, "%s", text);
}

/* text over as many rows as the width needs, broken at spaces; the
 * continuation rows are indented by two. */
static void push_wrapped(struct builder *b, const char *text)
{
	size_t len = strlen(text), off = 0, indent = 0;

	do {
		size_t room = b->width > (int)indent + 8 ? (size_t)b->width - indent : len, n = len - off;

		if (n > room) {
			n = room;
			while (n > room / 2 && text[off + n] != ' ')
				n--;
			if (text[off + n] != ' ')
				n = room;
		}
		snprintf(push(b, CNET_ROW_TEXT, -1)->text, CNET_ROW_LEN, "%*s%.*s", (int)indent, "",
			 (int)n, text + off);
		off += n;
		while (off < len && text[off] == ' ')
			off++;
		indent = 2;
	} while (off < len);
}

/* cells[] padded to the table's layout for the builder's width. */
static void format_cells(const struct builder *b, const struct dtable *t, char cells[][128],
			 char *out, size_t len)
{
	int widths[CTABLE_MAX_COLS];
	size_t i, used = 0;

	ctable_layout(t->cols, t->ncols, b->width, widths);
	out[0] = '\0';
	for (i = 0; i < t->ncols && used < len; i++) {
		char padded[160];
		int n;

		if (!widths[i])
			continue;
		n = snprintf(out + used, len - used, "%s%s", used ? "  " : "",
			     ctable_pad(&t->cols[i], widths[i], cells[i], padded, sizeof(padded)));
		if (n < 0)
			break;
		used += (size_t)n;
	}
	/* no trailing blanks */
	while (used && used < len && out[used - 1] == ' ')
		out[--used] = '\0';
}

static void push_head(struct builder *b, const struct dtable *t)
{
	char cells[DCOLS][128];
	size_t i;

	for (i = 0; i < t->ncols; i++)
		snprintf(cells[i], sizeof(cells[i]), "%s", t->cols[i].title);
	format_cells(b, t, cells, push(b, CNET_ROW_HEAD, -1)->text, CNET_ROW_LEN);
}

static void int_cell(const json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, len, "-");
}

/* The VM model's NIC with that MAC, and the VM. */
static const json_t *vm_nic(const struct cvm_list *vms, const char *vm, const char *mac,
			    const struct cvm **out)
{
	const struct cvm *v = vms && vm ? cvm_list_find(vms, vm) : NULL;
	const json_t *nic;
	size_t i;

	*out = v;
	if (!v || !mac)
		return NULL;
	json_array_foreach(json_object_get(v->json, "nics"), i, nic) {
		const char *m = str(nic, "mac");

		if (m && !strcasecmp(m, mac))
			return nic;
	}
	return NULL;
}

static void summary(struct builder *b, const json_t *net)
{
	const char *mode = str_or_dash(net, "mode");
	char line[CNET_ROW_LEN];
	size_t used;

	used = (size_t)snprintf(line, sizeof(line), "Network %s: %s", str_or_dash(net, "name"), mode);
	if (str(net, "subnet"))
		used += (size_t)snprintf(line + used, sizeof(line) - used, ", subnet %s, gateway %s",
					 str(net, "subnet"), str_or_dash(net, "gateway"));
	if (str(net, "dhcp_first") && used < sizeof(line))
		snprintf(line + used, sizeof(line) - used, ", DHCP %s-%s", str(net, "dhcp_first"),
			 str_or_dash(net, "dhcp_last"));
	push_wrapped(b, line);
	if (!strcmp(mode, "nat"))
		snprintf(line, sizeof(line), "Bridge %s; traffic leaves masqueraded through %s",
			 str_or_dash(net, "bridge"), str_or_dash(net, "uplink"));
	else if (!strcmp(mode, "bridged"))
		snprintf(line, sizeof(line), "Bridge %s enslaves %s; guests get addresses from the LAN",
			 str_or_dash(net, "bridge"), str_or_dash(net, "uplink"));
	else
		snprintf(line, sizeof(line), "Bridge %s; guests reach each other and the host only",
			 str_or_dash(net, "bridge"));
	push_wrapped(b, line);
}

void cnet_detail_build(struct cnet_detail *d, const json_t *net, const struct cvm_list *vms,
		       int width)
{
	struct builder b = { d, 0, width };
	const json_t *fwds = json_object_get(net, "forwards"), *nics = json_object_get(net, "nics");
	const json_t *o;
	char line[CNET_ROW_LEN], cells[DCOLS][128];
	int nat = !strcmp(str_or_dash(net, "mode"), "nat");
	size_t i;

	memset(d, 0, sizeof(*d));
	summary(&b, net);
	push_text(&b, CNET_ROW_BLANK, "");
	snprintf(line, sizeof(line), "PORT FORWARDS (%zu)", json_array_size(fwds));
	push_text(&b, CNET_ROW_TITLE, line);
	if (!json_array_size(fwds)) {
		push_text(&b, CNET_ROW_NOTE, nat ? "  None. Press n (F2) to forward a host port to a guest."
						 : "  None: port forwards need a nat network.");
	} else {
		push_head(&b, &fwd_table);
	}
	json_array_foreach(fwds, i, o) {
		snprintf(cells[0], sizeof(cells[0]), "%s", str_or_dash(o, "proto"));
		int_cell(o, "host_port", cells[1], sizeof(cells[1]));
		snprintf(cells[2], sizeof(cells[2]), "%s", str_or_dash(o, "vm"));
		int_cell(o, "port", cells[3], sizeof(cells[3]));
		snprintf(cells[4], sizeof(cells[4]), "%s", str_or_dash(o, "address"));
		format_cells(&b, &fwd_table, cells, push(&b, CNET_ROW_FWD, (long)d->nfwd)->text,
			     CNET_ROW_LEN);
		d->nfwd++;
	}
	push_text(&b, CNET_ROW_BLANK, "");
	snprintf(line, sizeof(line), "NICS ON THIS NETWORK (%zu)", json_array_size(nics));
	push_text(&b, CNET_ROW_TITLE, line);
	if (!json_array_size(nics))
		push_text(&b, CNET_ROW_NOTE, "  None. Press a (F4) to give a VM a NIC here.");
	else
		push_head(&b, &nic_table);
	json_array_foreach(nics, i, o) {
		const struct cvm *vm;
		const json_t *vn = vm_nic(vms, str(o, "vm"), str(o, "mac"), &vm);

		snprintf(cells[0], sizeof(cells[0]), "%s", str_or_dash(o, "vm"));
		snprintf(cells[1], sizeof(cells[1]), "%s", str_or_dash(o, "mac"));
		snprintf(cells[2], sizeof(cells[2]), "%s", str_or_dash(vn, "ip"));
		snprintf(cells[3], sizeof(cells[3]), "%s", str_or_dash(o, "address"));
		snprintf(cells[4], sizeof(cells[4]), "%s", vm ? vm->state : "-");
		format_cells(&b, &nic_table, cells,
			     push(&b, CNET_ROW_NIC, (long)(d->nfwd + d->nnic))->text, CNET_ROW_LEN);
		d->nnic++;
	}
}

void cnet_detail_free(struct cnet_detail *d)
{
	free(d->rows);
	memset(d, 0, sizeof(*d));
}

size_t cnet_detail_items(const struct cnet_detail *d)
{
	return d->nfwd + d->nnic;
}

size_t cnet_detail_row_of(const struct cnet_detail *d, size_t item)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->rows[i].item == (long)item)
			return i;
	return 0;
}

size_t cnet_detail_scroll(const struct cnet_detail *d, size_t item, size_t height, size_t top)
{
	size_t row = cnet_detail_items(d) ? cnet_detail_row_of(d, item) : 0;

	if (!height)
		height = 1;
	if (d->n <= height)
		return 0;
	if (row < top)
		top = row;
	else if (row >= top + height)
		top = row - height + 1;
	if (top + height > d->n)
		top = d->n - height;
	/* the table's title and head go with its first item */
	if (height >= 3 && row == top && top > 0 && d->rows[top - 1].kind == CNET_ROW_HEAD)
		top = top >= 2 ? top - 2 : 0;
	return top;
}

int cnet_detail_item(const json_t *net, size_t item, const json_t **fwd, const json_t **nic)
{
	size_t nf = json_array_size(json_object_get(net, "forwards"));

	*fwd = NULL;
	*nic = NULL;
	if (item < nf)
		*fwd = json_array_get(json_object_get(net, "forwards"), item);
	else
		*nic = json_array_get(json_object_get(net, "nics"), item - nf);
	return *fwd || *nic ? 0 : -ENOENT;
}
