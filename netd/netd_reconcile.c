/*
 * The COMMIT sequence and the other kernel-facing requests.  Each request
 * takes its own snapshot: netd keeps no idea of the kernel between
 * requests, so whatever changed behind its back (a deleted tap, a stale
 * bridge, a rule added to its table) is seen and corrected by the next
 * COMMIT.
 */
#include "netd/netd_reconcile.h"
#include "netd/dnsmasq.h"
#include "netd/leases.h"
#include "netd/link_conf.h"
#include "netd/netd_check.h"
#include "netd/netd_plan.h"
#include "netd/nft_batch.h"
#include "netd/nft_ruleset.h"
#include "netd/nl_build.h"
#include "netd/nl_snapshot.h"
#include "netd/nl_sock.h"
#include "netd/tap.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct netd_reconcile {
	struct nl_sock *nl;
	struct dnsmasq_sup *dnsmasq;
	char *run_dir;
	uint32_t nft_seq;
	int vlan_known;          /* vlan_ok was found out */
	int vlan_ok;             /* the kernel has bridge VLAN filtering */
};

static int h_commit(void *ctx, const struct netd_state *st, char *text, size_t len)
{
	return netd_reconcile_commit(ctx, st, text, len);
}

static int h_check_net(void *ctx, const struct netd_net *net, char *text, size_t len)
{
	return netd_reconcile_check_net(ctx, net, text, len);
}

static int h_default_uplink(void *ctx, char *text, size_t len)
{
	return netd_reconcile_default_uplink(ctx, text, len);
}

static int h_leases(void *ctx, struct netd_lease **out, size_t *n, char *text, size_t len)
{
	return netd_reconcile_leases(ctx, out, n, text, len);
}

const struct netd_handlers netd_reconcile_handlers = {
	.commit = h_commit,
	.check_net = h_check_net,
	.default_uplink = h_default_uplink,
	.leases = h_leases,
};

int netd_reconcile_new(struct loop *loop, const char *run_dir, const char *dnsmasq_binary,
		       struct netd_reconcile **out, char *err, size_t errlen)
{
	struct netd_reconcile *r = xcalloc(1, sizeof(*r));
	int rc;

	rc = nl_sock_open(&r->nl, err, errlen);
	if (rc < 0) {
		free(r);
		return rc;
	}
	r->run_dir = xstrdup(run_dir);
	r->dnsmasq = dnsmasq_sup_new(loop, run_dir, dnsmasq_binary);
	r->nft_seq = 1;
	*out = r;
	return 0;
}

void netd_reconcile_free(struct netd_reconcile *r)
{
	if (!r)
		return;
	nl_sock_close(r->nl);
	dnsmasq_sup_free(r->dnsmasq);
	free(r->run_dir);
	free(r);
}

/* A link's index by name, for operations on links an earlier one made. */
static int index_of(const char *name, const char *what, char *err, size_t errlen)
{
	unsigned idx = if_nametoindex(name);

	if (!idx) {
		err_set(err, errlen, "cannot %s: there is no link named %s", what, name);
		return -ENODEV;
	}
	return (int)idx;
}

static int exec_op(struct netd_reconcile *r, const struct netd_op *op, char *err, size_t errlen)
{
	char buf[NL_BUFSZ], what[128];
	struct nlmsghdr *req = NULL;
	uint32_t seq = nl_sock_seq(r->nl);
	int idx = 0, master = -1, rc;

	netd_op_describe(op, what, sizeof(what));
	log_info("%s", what);
	/* A new link gets its settings at once, before it is up. */
	if (op->kind == NETD_OP_ADD_TAP) {
		rc = tap_create(op->name, op->uid, err, errlen);
		return rc < 0 ? rc : link_conf_apply(LINK_CONF_ROOT, op->name, LINK_CONF_TAP, err, errlen);
	}
	if (op->kind == NETD_OP_DEL_LINK) {
		req = nl_build_link_del(buf, seq, op->ifindex);
		rc = nl_sock_request(r->nl, req, what, err, errlen);
		return rc == -ENODEV ? 0 : rc;
	}
	if (op->kind == NETD_OP_ADD_BRIDGE) {
		rc = nl_sock_request(r->nl, nl_build_bridge_add(buf, seq, op->name, op->flag),
				     what, err, errlen);
		return rc < 0 ? rc : link_conf_apply(LINK_CONF_ROOT, op->name, LINK_CONF_BRIDGE, err,
						      errlen);
	}
	idx = index_of(op->name, what, err, errlen);
	if (idx < 0)
		return idx;
	switch (op->kind) {
	case NETD_OP_SET_FILTERING:
		req = nl_build_bridge_set_filtering(buf, seq, idx, op->flag);
		break;
	case NETD_OP_SET_LINK:
		if (op->set_master)
			master = op->master[0] ? index_of(op->master, what, err, errlen) : 0;
		if (master < -1)
			return master;
		req = nl_build_link_set(buf, seq, idx, master, op->up);
		break;
	case NETD_OP_ADD_ADDR:
	case NETD_OP_DEL_ADDR:
		req = nl_build_addr(buf, seq, op->kind == NETD_OP_ADD_ADDR, idx, op->addr, op->prefix);
		break;
	case NETD_OP_ADD_VLAN:
	case NETD_OP_DEL_VLAN:
		req = nl_build_vlan(buf, seq, op->kind == NETD_OP_ADD_VLAN, idx, op->vid, op->vflags);
		break;
	default:
		err_set(err, errlen, "cannot %s: unknown operation", what);
		return -EINVAL;
	}
	rc = nl_sock_request(r->nl, req, what, err, errlen);
	if (rc == -EADDRNOTAVAIL && op->kind == NETD_OP_DEL_ADDR)
		rc = 0;
	if (rc == -ENOENT && op->kind == NETD_OP_DEL_VLAN)
		rc = 0;
	return rc;
}

static int exec_plan(struct netd_reconcile *r, const struct netd_plan *plan, char *err,
		     size_t errlen)
{
	size_t i;
	int rc;

	for (i = 0; i < plan->n; i++) {
		rc = exec_op(r, &plan->ops[i], err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Every croft link's settings (link_conf.h), also for links that already
 * existed: whatever changed them behind netd's back is set right. */
static int links_conf(const struct netd_state *st, char *err, size_t errlen)
{
	char name[NETD_IFNAME_LEN];
	size_t i;
	int rc;

	for (i = 0; i < st->n_nets; i++) {
		const struct netd_net *n = &st->nets[i];
		int nat = n->mode == NETD_MODE_NAT;

		if (netd_net_on_host_bridge(n))
			continue;   /* the host's bridge keeps the host's settings */
		rc = link_conf_apply(LINK_CONF_ROOT, netd_bridge_name(n->id, name),
				     nat ? LINK_CONF_NAT_BRIDGE : LINK_CONF_BRIDGE, err, errlen);
		if (rc == 0 && nat)
			rc = link_conf_apply(LINK_CONF_ROOT, n->uplink, LINK_CONF_UPLINK, err, errlen);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < st->n_nics; i++) {
		rc = link_conf_apply(LINK_CONF_ROOT, netd_tap_name(st->nics[i].id, name),
				     LINK_CONF_TAP, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Port forwards used from the host's own 127.0.0.1 are DNATed towards a
 * nat bridge; the kernel routes a loopback source out of a link only with
 * route_localnet on it.  The input chain drops anything to or from
 * 127.0.0.0/8 that guests send (nft_model.c).  A failure costs only the
 * forwards from 127.0.0.1: logged, not fatal. */
static void route_localnet_on(const struct netd_net *n)
{
	char br[NETD_IFNAME_LEN], path[96];
	int fd;

	netd_bridge_name(n->id, br);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", br);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1\n", 2) != 2)
		log_warn("network %s: cannot set %s (%s); its port forwards will not answer on 127.0.0.1",
			 n->name, path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Can this kernel filter VLANs on bridges?  Only asked when the state has
 * a bridged network, of a throw-away bridge "croftprobe" created with VLAN
 * filtering and deleted at once (an existing bridge cannot tell: kernels
 * without the feature still report the setting as off).  The answer is
 * kept for netd's lifetime. */
static int vlan_support(struct netd_reconcile *r, const struct netd_state *st)
{
	static const char probe[] = NETD_IFPREFIX "probe";
	char buf[NL_BUFSZ], err[256];
	size_t i;
	int rc, idx;

	if (r->vlan_known)
		return r->vlan_ok;
	for (i = 0; i < st->n_nets && st->nets[i].mode != NETD_MODE_BRIDGED; i++)
		;
	if (i == st->n_nets)
		return 0;
	if ((idx = (int)if_nametoindex(probe)) > 0)
		nl_sock_request(r->nl, nl_build_link_del(buf, nl_sock_seq(r->nl), idx),
				"remove the probe bridge", err, sizeof(err));
	rc = nl_sock_request(r->nl, nl_build_bridge_add(buf, nl_sock_seq(r->nl), probe, 1),
			     "probe bridge VLAN filtering", err, sizeof(err));
	if (rc == 0 && (idx = (int)if_nametoindex(probe)) > 0)
		nl_sock_request(r->nl, nl_build_link_del(buf, nl_sock_seq(r->nl), idx),
				"remove the probe bridge", err, sizeof(err));
	if (rc < 0 && rc != -EOPNOTSUPP) {
		log_warn("%s", err);
		return 1;    /* no answer; let the real requests speak */
	}
	r->vlan_known = 1;
	r->vlan_ok = rc == 0;
	if (!r->vlan_ok)
		log_warn("this kernel has no bridge VLAN filtering: bridged networks carry untagged traffic only");
	return r->vlan_ok;
}

/* Networks whose bridge a links plan creates: their dnsmasq must restart. */
static size_t fresh_bridges(const struct netd_state *st, const struct netd_plan *plan,
			    uint32_t *ids)
{
	char br[NETD_IFNAME_LEN];
	size_t i, j, n = 0;

	for (i = 0; i < st->n_nets; i++) {
		netd_bridge_name(st->nets[i].id, br);
		for (j = 0; j < plan->n; j++) {
			if (plan->ops[j].kind == NETD_OP_ADD_BRIDGE && !strcmp(plan->ops[j].name, br)) {
				ids[n++] = st->nets[i].id;
				break;
			}
		}
	}
	return n;
}

int netd_reconcile_commit(struct netd_reconcile *r, const struct netd_state *st,
			  char *text, size_t len)
{
	struct nl_snapshot snap = { 0 };
	struct netd_plan links = { 0 }, ports = { 0 };
	uint32_t *fresh = NULL;
	size_t n_fresh, nft_len = 0, i;
	char *nft = NULL;
	int rc, vlan_ok;

	/* 1. everything that can refuse the state, before any change */
	rc = netd_state_validate(st, text, len);
	if (rc < 0)
		goto out;
	rc = nl_snapshot_take(r->nl, &snap, text, len);
	if (rc < 0)
		goto out;
	rc = netd_check_state(st, &snap, text, len);
	if (rc < 0)
		goto out;
	vlan_ok = vlan_support(r, st);
	rc = netd_check_vlans(st, vlan_ok, text, len);
	if (rc < 0)
		goto out;
	rc = dnsmasq_sup_ready(r->dnsmasq, st, text, len);
	if (rc < 0)
		goto out;
	r->nft_seq += 1000000;
	rc = nft_ruleset_build_alloc(st, r->nft_seq, &nft, &nft_len, text, len);
	if (rc < 0)
		goto out;
	netd_plan_links(st, &snap, vlan_ok, &links);

	/* 2. nftables, atomically */
	rc = nft_apply(nft, nft_len, text, len);
	if (rc < 0)
		goto out;
	/* 3. links, then addresses and VLANs */
	rc = exec_plan(r, &links, text, len);
	if (rc < 0)
		goto out;
	nl_snapshot_clear(&snap);
	rc = nl_snapshot_take(r->nl, &snap, text, len);
	if (rc < 0)
		goto out;
	netd_plan_ports(st, &snap, vlan_ok, &ports);
	rc = exec_plan(r, &ports, text, len);
	if (rc < 0)
		goto out;
	/* 4. link settings: no autoconfiguration from guests; forwarding */
	rc = links_conf(st, text, len);
	if (rc < 0)
		goto out;
	for (i = 0; i < st->n_nets; i++)
		if (st->nets[i].mode == NETD_MODE_NAT)
			route_localnet_on(&st->nets[i]);
	/* 5. DHCP and DNS */
	fresh = xcalloc(st->n_nets ? st->n_nets : 1, sizeof(*fresh));
	n_fresh = fresh_bridges(st, &links, fresh);
	rc = dnsmasq_sup_sync(r->dnsmasq, st, fresh, n_fresh, text, len);
	if (rc < 0)
		goto out;
	snprintf(text, len, "applied %zu network%s, %zu NIC%s, %zu forward%s (%zu link change%s)",
		 st->n_nets, st->n_nets == 1 ? "" : "s", st->n_nics, st->n_nics == 1 ? "" : "s",
		 st->n_fwds, st->n_fwds == 1 ? "" : "s", links.n + ports.n,
		 links.n + ports.n == 1 ? "" : "s");
	log_info("%s", text);
out:
	if (rc < 0)
		log_warn("state refused or not fully applied: %s", text);
	free(fresh);
	free(nft);
	netd_plan_clear(&links);
	netd_plan_clear(&ports);
	nl_snapshot_clear(&snap);
	return rc;
}

int netd_reconcile_check_net(struct netd_reconcile *r, const struct netd_net *net,
			     char *text, size_t len)
{
	struct nl_snapshot snap = { 0 };
	int rc;

	rc = nl_snapshot_take(r->nl, &snap, text, len);
	if (rc == 0)
		rc = netd_check_net(net, &snap, 1, text, len);
	if (rc == 0)
		snprintf(text, len, "network %s fits the host", net->name);
	nl_snapshot_clear(&snap);
	return rc;
}

int netd_reconcile_default_uplink(struct netd_reconcile *r, char *text, size_t len)
{
	struct nl_snapshot snap = { 0 };
	char name[NETD_IFNAME_LEN];
	int rc;

	rc = nl_snapshot_take(r->nl, &snap, text, len);
	if (rc == 0)
		rc = netd_default_uplink(&snap, name, text, len);
	if (rc == 0)
		snprintf(text, len, "%s", name);
	nl_snapshot_clear(&snap);
	return rc;
}

int netd_reconcile_leases(struct netd_reconcile *r, struct netd_lease **out, size_t *n,
			  char *text, size_t len)
{
	return leases_read_all(r->run_dir, out, n, text, len);
}
