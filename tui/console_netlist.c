/*
 * The Networks screen's table and details models (console_net.h).
 *
 * A network is parsed once per net.list into a struct cnet; fields croftd
 * leaves out read as "" and cells show "-" for them, so a croftd with more
 * or fewer fields never breaks the table.  The details are two more list
 * panels, the network's forwards and the NICs on it, in the network's own
 * order (the selection follows a forward by protocol and host port, a NIC
 * by MAC); a NIC row's IP is the lease from the VM model (vm.list asks
 * netd for leases every refresh), not the network object, which only has
 * the assigned address.
 */
#include "tui/console_net.h"
#include "tui/jfields.h"
#include "common/json_get.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct jfield net_fields[] = {
	JF_STR(struct cnet, name, "name"),
	JF_STR(struct cnet, mode, "mode"),
	JF_STR(struct cnet, subnet, "subnet"),
	JF_STR(struct cnet, gateway, "gateway"),
	JF_STR(struct cnet, dhcp_first, "dhcp_first"),
	JF_STR(struct cnet, dhcp_last, "dhcp_last"),
	JF_STR(struct cnet, uplink, "uplink"),
	JF_STR(struct cnet, bridge, "bridge"),
};

static const struct jfield fwd_fields[] = {
	JF_STR(struct cnet_fwd, proto, "proto"),
	JF_INT(struct cnet_fwd, host_port, "host_port", -1),
	JF_STR(struct cnet_fwd, vm, "vm"),
	JF_INT(struct cnet_fwd, port, "port", -1),
	JF_STR(struct cnet_fwd, address, "address"),
};

static const struct jfield nic_fields[] = {
	JF_STR(struct cnet_nic, vm, "vm"),
	JF_STR(struct cnet_nic, mac, "mac"),
	JF_STR(struct cnet_nic, address, "address"),
};

static const char *dash(const char *s)
{
	return *s ? s : "-";
}

/* --- parsing --------------------------------------------------------------- */

int cnet_parse(struct cnet *n, const json_t *o)
{
	size_t i;

	memset(n, 0, sizeof(*n));
	if (!*jget_str(o, "name", ""))
		return -EINVAL;
	jfields_read(o, n, net_fields, JF_COUNT(net_fields));
	n->fwds = jfields_rows(jget_arr(o, "forwards"), sizeof(*n->fwds), fwd_fields,
			       JF_COUNT(fwd_fields), &n->nfwds);
	n->nics = jfields_rows(jget_arr(o, "nics"), sizeof(*n->nics), nic_fields,
			       JF_COUNT(nic_fields), &n->nnics);
	for (i = 0; i < n->nfwds; i++)
		n->fwds[i].order = i;
	for (i = 0; i < n->nnics; i++)
		n->nics[i].order = i;
	n->guests = cnet_user_names(n, NULL, 0);
	return 0;
}

void cnet_free(struct cnet *n)
{
	free(n->fwds);
	free(n->nics);
	n->fwds = NULL;
	n->nics = NULL;
	n->nfwds = n->nnics = 0;
}

struct cnet *cnet_parse_list(const json_t *networks, size_t *n)
{
	struct cnet *nets = xcalloc(json_array_size(networks) + 1, sizeof(*nets));
	const json_t *o;
	size_t i;

	*n = 0;
	json_array_foreach(networks, i, o)
		if (cnet_parse(&nets[*n], o) == 0)
			(*n)++;
	return nets;
}

/* Is the VM of NIC i also that of an earlier NIC? */
static int seen_before(const struct cnet *n, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (!strcmp(n->nics[j].vm, n->nics[i].vm))
			return 1;
	return 0;
}

size_t cnet_user_names(const struct cnet *n, const char **names, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < n->nnics; i++) {
		if (!n->nics[i].vm[0] || seen_before(n, i))
			continue;
		if (names && k < max)
			names[k] = n->nics[i].vm;
		k++;
	}
	return k;
}

size_t cnet_users(const struct cnet *n, char *buf, size_t len)
{
	size_t used = 0, i, k = 0;

	buf[0] = '\0';
	for (i = 0; i < n->nnics; i++) {
		if (!n->nics[i].vm[0] || seen_before(n, i))
			continue;
		k++;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 n->nics[i].vm);
	}
	return k;
}

/* --- the table ------------------------------------------------------------- */

static void net_free(void *row)
{
	cnet_free(row);
}

const struct panel_ops cnet_panel_ops = {
	.size = sizeof(struct cnet),
	PANEL_KEY_TEXT(struct cnet, name),
	.free_row = net_free,
};

/* nat: the subnet and where it leaves; host-only: the subnet; bridged:
 * the enslaved NIC. */
static void cell_where(const void *row, char *buf, size_t len)
{
	const struct cnet *n = row;

	if (n->subnet[0] && n->uplink[0])
		snprintf(buf, len, "%s via %s", n->subnet, n->uplink);
	else
		snprintf(buf, len, "%s", n->subnet[0] ? n->subnet : dash(n->uplink));
}

static void cell_guests(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%zu", ((const struct cnet *)row)->guests);
}

static void cell_forwards(const void *row, char *buf, size_t len)
{
	snprintf(buf, len, "%zu", ((const struct cnet *)row)->nfwds);
}

const struct ctable_col cnet_cols[] = {
	{ "NAME", 10, 24, 0, CTABLE_TEXT(struct cnet, name) },
	{ "MODE", 9, 9, 0, CTABLE_TEXT(struct cnet, mode) },
	{ "SUBNET/UPLINK", 26, 40, 0, cell_where, 0 },
	{ "BRIDGE", 9, 12, 0, CTABLE_TEXT(struct cnet, bridge) },
	{ "GUESTS", 6, 6, 1, cell_guests, 0 },
	{ "FORWARDS", 8, 8, 1, cell_forwards, 0 },
};
const size_t cnet_ncols = sizeof(cnet_cols) / sizeof(cnet_cols[0]);

/* --- the details: rows ------------------------------------------------------- */

struct cnet_fwd *cnet_fwd_rows(const struct cnet *n)
{
	struct cnet_fwd *rows;

	if (!n->nfwds)
		return NULL;
	rows = xcalloc(n->nfwds, sizeof(*rows));
	memcpy(rows, n->fwds, n->nfwds * sizeof(*rows));
	return rows;
}

/* The VM model's NIC with that MAC. */
static const struct cvm_nic *vm_nic(const struct cvm_info *v, const char *mac)
{
	size_t i;

	for (i = 0; v && i < v->nnics; i++)
		if (!strcasecmp(v->nics[i].mac, mac))
			return &v->nics[i];
	return NULL;
}

struct cnet_nic *cnet_nic_rows(const struct cnet *n, const struct cvm_model *vms)
{
	struct cnet_nic *rows;
	size_t i;

	if (!n->nnics)
		return NULL;
	rows = xcalloc(n->nnics, sizeof(*rows));
	for (i = 0; i < n->nnics; i++) {
		const struct cvm_info *v = vms ? cvm_model_find(vms, n->nics[i].vm) : NULL;
		const struct cvm_nic *vn = vm_nic(v, n->nics[i].mac);

		rows[i] = n->nics[i];
		snprintf(rows[i].ip, sizeof(rows[i].ip), "%s", vn ? vn->ip : "");
		snprintf(rows[i].state, sizeof(rows[i].state), "%s", v ? v->vm.state : "");
	}
	return rows;
}

static void fwd_key(const void *row, char *buf, size_t len)
{
	const struct cnet_fwd *f = row;

	snprintf(buf, len, "%s/%lld", f->proto, f->host_port);
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int fwd_cmp(const void *a, const void *b, int sort)
{
	(void)sort;
	return CMP(((const struct cnet_fwd *)a)->order, ((const struct cnet_fwd *)b)->order);
}

static int nic_cmp(const void *a, const void *b, int sort)
{
	(void)sort;
	return CMP(((const struct cnet_nic *)a)->order, ((const struct cnet_nic *)b)->order);
}

const struct panel_ops cnet_fwd_ops = {
	.size = sizeof(struct cnet_fwd),
	.key = fwd_key,
	.cmp = fwd_cmp,
};

const struct panel_ops cnet_nic_ops = {
	.size = sizeof(struct cnet_nic),
	PANEL_KEY_TEXT(struct cnet_nic, mac),
	.cmp = nic_cmp,
};

static void number(long long v, char *buf, size_t len)
{
	if (v >= 0)
		snprintf(buf, len, "%lld", v);
	else
		snprintf(buf, len, "-");
}

static void fwd_host_port(const void *row, char *buf, size_t len)
{
	number(((const struct cnet_fwd *)row)->host_port, buf, len);
}

static void fwd_port(const void *row, char *buf, size_t len)
{
	number(((const struct cnet_fwd *)row)->port, buf, len);
}

const struct ctable_col cnet_fwd_cols[] = {
	{ "PROTO", 5, 5, 0, CTABLE_TEXT(struct cnet_fwd, proto) },
	{ "HOST PORT", 9, 9, 1, fwd_host_port, 0 },
	{ "VM", 10, 24, 0, CTABLE_TEXT(struct cnet_fwd, vm) },
	{ "GUEST PORT", 10, 10, 1, fwd_port, 0 },
	{ "TO", 15, 21, 0, CTABLE_TEXT(struct cnet_fwd, address) },
};
const size_t cnet_fwd_ncols = sizeof(cnet_fwd_cols) / sizeof(cnet_fwd_cols[0]);

const struct ctable_col cnet_nic_cols[] = {
	{ "VM", 10, 24, 0, CTABLE_TEXT(struct cnet_nic, vm) },
	{ "MAC", 17, 17, 0, CTABLE_TEXT(struct cnet_nic, mac) },
	{ "IP", 15, 15, 0, CTABLE_TEXT(struct cnet_nic, ip) },
	{ "ADDRESS", 15, 15, 0, CTABLE_TEXT(struct cnet_nic, address) },
	{ "STATE", 8, 13, 0, CTABLE_TEXT(struct cnet_nic, state) },
};
const size_t cnet_nic_ncols = sizeof(cnet_nic_cols) / sizeof(cnet_nic_cols[0]);

/* --- the details: summary and layout ------------------------------------------ */

/* text over as many lines as width needs, broken at spaces; continuation
 * lines are indented by two. */
static int wrap(const char *text, int width, char lines[][CNET_ROW_LEN], int n)
{
	size_t len = strlen(text), off = 0, indent = 0;

	do {
		size_t room = width > (int)indent + 8 ? (size_t)width - indent : len, k = len - off;

		if (k > room) {
			k = room;
			while (k > room / 2 && text[off + k] != ' ')
				k--;
			if (text[off + k] != ' ')
				k = room;
		}
		snprintf(lines[n++], CNET_ROW_LEN, "%*s%.*s", (int)indent, "", (int)k, text + off);
		off += k;
		while (off < len && text[off] == ' ')
			off++;
		indent = 2;
	} while (off < len && n < CNET_SUMMARY_MAX);
	return n;
}

int cnet_summary(const struct cnet *n, int width, char lines[][CNET_ROW_LEN])
{
	char line[CNET_ROW_LEN];
	size_t used;
	int k;

	used = (size_t)snprintf(line, sizeof(line), "Network %s: %s", n->name, dash(n->mode));
	if (n->subnet[0] && used < sizeof(line))
		used += (size_t)snprintf(line + used, sizeof(line) - used, ", subnet %s, gateway %s",
					 n->subnet, dash(n->gateway));
	if (n->dhcp_first[0] && used < sizeof(line))
		snprintf(line + used, sizeof(line) - used, ", DHCP %s-%s", n->dhcp_first,
			 dash(n->dhcp_last));
	k = wrap(line, width, lines, 0);
	if (!strcmp(n->mode, "nat"))
		snprintf(line, sizeof(line), "Bridge %s; traffic leaves masqueraded through %s",
			 dash(n->bridge), dash(n->uplink));
	else if (!strcmp(n->mode, "bridged"))
		snprintf(line, sizeof(line), "Bridge %s enslaves %s; guests get addresses from the LAN",
			 dash(n->bridge), dash(n->uplink));
	else
		snprintf(line, sizeof(line), "Bridge %s; guests reach each other and the host only",
			 dash(n->bridge));
	return k < CNET_SUMMARY_MAX ? wrap(line, width, lines, k) : k;
}

static int min_int(int a, int b)
{
	return a < b ? a : b;
}

void cnet_layout(int height, int summary, size_t nfwd, size_t nnic, struct cnet_layout *l)
{
	int avail = height - summary - 6, half, f = (int)nfwd, n = (int)nnic;

	if (avail < 0)
		avail = 0;
	half = avail / 2;
	if (f + n <= avail) {
		l->fwd_rows = f;
		l->nic_rows = n;
	} else if (f <= half) {
		l->fwd_rows = f;
		l->nic_rows = avail - f;
	} else if (n <= avail - half) {
		l->nic_rows = n;
		l->fwd_rows = avail - n;
	} else {
		l->fwd_rows = half;
		l->nic_rows = avail - half;
	}
	l->fwd_rows = min_int(l->fwd_rows, f);
	l->nic_rows = min_int(l->nic_rows, n);
	l->fwd_title = summary + 1;
	l->fwd_head = summary + 2;
	l->nic_title = l->fwd_head + 1 + l->fwd_rows + 1;
	l->nic_head = l->nic_title + 1;
}
