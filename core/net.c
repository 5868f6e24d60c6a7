/*
 * Networks: creating one (its mode, subnet or the default one, uplink and
 * DHCP range, judged against croft's other networks and, through netd,
 * against the host) and deleting one with what it takes along (its NICs
 * and forwards, unplugged first from running VMs).  See net.h.
 *
 * A new network is checked in three rounds: the request alone and against
 * croft's networks, then what only netd knows (the default uplink, a free
 * default subnet, CHECK_NET of the result), then the store and netd's
 * state change together.  The first refusal ends it.
 */
#include "core/net.h"
#include "common/addr.h"
#include "common/proto.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SUBNET_FMT "10.73.%u.0/24"

const char *net_vm_name(const struct net_env *env, int64_t vm_id)
{
	struct vm *vm = env->sys->vm_by_id(env->ctx, vm_id);

	return vm ? vm->spec.name : "?";
}

/* --- creating ------------------------------------------------------------------- */

/* Does cand clash with a croft network?  Its subnet, or its uplink when
 * either side enslaves that uplink. */
static int croft_clash(const struct store_net *nets, size_t n, const struct netd_net *cand,
		       char *err, size_t errlen)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	size_t i;

	for (i = 0; i < n; i++) {
		struct netd_net o;

		if (net_from_store(&nets[i], &o, NULL, 0) < 0)
			continue;
		if (cand->mode != NETD_MODE_BRIDGED && o.mode != NETD_MODE_BRIDGED &&
		    addr_overlap(cand->subnet, cand->prefix, o.subnet, o.prefix)) {
			err_set(err, errlen, "subnet %s/%u overlaps network %s (%s/%u)",
				addr_str(cand->subnet, a), cand->prefix, o.name,
				addr_str(o.subnet, b), o.prefix);
			return -EEXIST;
		}
		if (cand->uplink[0] && !strcmp(cand->uplink, o.uplink) &&
		    (cand->mode == NETD_MODE_BRIDGED || o.mode == NETD_MODE_BRIDGED)) {
			err_set(err, errlen, "%s is already the uplink of %s network %s%s",
				cand->uplink, net_mode_name(o.mode), o.name,
				o.mode == NETD_MODE_BRIDGED ? " (a NIC can be enslaved to one bridge only)"
							    : " (a bridged network would take its address away)");
			return -EEXIST;
		}
	}
	return 0;
}

/* Round one: the request by itself and against croft's networks.  Fills
 * n (mode, name, uplink, subnet and DHCP range as given). */
static int create_check(const struct net_create_req *req, const struct store_net *nets,
			size_t nn, struct netd_net *n, char *err, size_t errlen)
{
	const int bridged = n->mode == NETD_MODE_BRIDGED;
	size_t i;

	if (strlen(req->name) >= NETD_NAME_LEN) {
		err_set(err, errlen, "network name '%s' is too long", req->name);
		return -EINVAL;
	}
	for (i = 0; i < nn; i++) {
		if (!strcmp(nets[i].name, req->name)) {
			err_set(err, errlen, "a network named '%s' already exists", req->name);
			return -EEXIST;
		}
	}
	snprintf(n->name, sizeof(n->name), "%s", req->name);
	if (bridged && (req->subnet || req->dhcp_range)) {
		err_set(err, errlen, "bridged networks get addresses from the LAN; %s does not apply",
			req->subnet ? "--subnet" : "--dhcp-range");
		return -EINVAL;
	}
	if (bridged && !req->uplink) {
		err_set(err, errlen, "a bridged network needs --uplink IFACE, the NIC to enslave to its bridge");
		return -EINVAL;
	}
	if (bridged && req->host_access > 0) {
		err_set(err, errlen, "--host-access is for nat and host-only networks; a bridged "
			"network's guests reach the host through the LAN");
		return -EINVAL;
	}
	n->host_access = req->host_access > 0;
	if (n->mode == NETD_MODE_HOSTONLY && req->uplink) {
		err_set(err, errlen, "host-only networks have no uplink; --uplink does not apply");
		return -EINVAL;
	}
	if (req->uplink) {
		if (addr_uplink_check(req->uplink, err, errlen) < 0)
			return -EINVAL;
		snprintf(n->uplink, sizeof(n->uplink), "%s", req->uplink);
	}
	if (req->subnet) {
		if (addr_cidr_parse(req->subnet, &n->subnet, &n->prefix, err, errlen) < 0)
			return -EINVAL;
		addr_net_defaults(n);
	}
	if ((req->subnet || bridged) && croft_clash(nets, nn, n, err, errlen) < 0)
		return -EINVAL;
	/* Checked against the subnet once that is known. */
	if (req->dhcp_range &&
	    addr_range_parse(req->dhcp_range, &n->dhcp_first, &n->dhcp_last, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

/* The first 10.73.N.0/24 free among croft's networks and on the host. */
static int default_subnet(const struct net_env *env, const struct store_net *nets, size_t nn,
			  struct netd_net *n, const char **code, char *err, size_t errlen)
{
	char cidr[ADDR_CIDR_STRLEN], why[NETD_TEXT_LEN];
	unsigned third;
	int rc;

	for (third = 0; third < 256; third++) {
		struct netd_net probe = *n;

		snprintf(cidr, sizeof(cidr), DEFAULT_SUBNET_FMT, third);
		if (addr_cidr_parse(cidr, &probe.subnet, &probe.prefix, NULL, 0) < 0)
			continue;
		addr_net_defaults(&probe);
		/* Only the subnet is in question here: probe without uplink (a
		 * clash of the uplink is create_complete's, with its own words). */
		probe.mode = NETD_MODE_HOSTONLY;
		probe.uplink[0] = '\0';
		if (croft_clash(nets, nn, &probe, NULL, 0) < 0)
			continue;
		rc = env->sys->check_net(env->ctx, &probe, why, sizeof(why));
		if (rc == -ENOTCONN || rc == -ETIMEDOUT || rc == -EPROTO) {
			*code = net_netd_code(rc);
			err_set(err, errlen, "%s", why);
			return rc;
		}
		if (rc < 0)
			continue;
		n->subnet = probe.subnet;
		n->prefix = probe.prefix;
		return 0;
	}
	*code = PROTO_E_INVALID_ARGUMENT;
	err_set(err, errlen, "no free subnet among 10.73.0.0/24 to 10.73.255.0/24; give one with --subnet");
	return -ENOSPC;
}

/* Round two: what netd knows.  Completes n's uplink, subnet, gateway and
 * DHCP range and has netd check the result. */
static int create_complete(const struct net_env *env, const struct net_create_req *req,
			   const struct store_net *nets, size_t nn, struct netd_net *n,
			   const char **code, char *err, size_t errlen)
{
	struct in_addr first = n->dhcp_first, last = n->dhcp_last;
	size_t len;
	int rc;

	if ((rc = env->sys->netd_ensure(env->ctx, err, errlen)) < 0) {
		*code = PROTO_E_UNAVAILABLE;
		return rc;
	}
	if (n->mode == NETD_MODE_NAT && !req->uplink &&
	    (rc = env->sys->default_uplink(env->ctx, n->uplink, err, errlen)) < 0) {
		*code = net_netd_code(rc);
		len = strlen(err);
		if ((rc == -ENODEV || rc == -ENOENT) && len < errlen)
			err_set(err + len, errlen - len,
				"; the host has no default route: give the uplink with --uplink IFACE");
		return rc;
	}
	if (n->mode != NETD_MODE_BRIDGED) {
		if (!req->subnet && (rc = default_subnet(env, nets, nn, n, code, err, errlen)) < 0)
			return rc;
		addr_net_defaults(n);
		if (req->dhcp_range) {
			n->dhcp_first = first;
			n->dhcp_last = last;
			if ((rc = addr_range_check(n, err, errlen)) < 0)
				return rc;
		}
		/* the default uplink may be a bridged network's */
		if ((rc = croft_clash(nets, nn, n, err, errlen)) < 0)
			return -EINVAL;
	}
	if ((rc = env->sys->check_net(env->ctx, n, err, errlen)) < 0)
		*code = net_netd_code(rc);
	return rc;
}

/* n as a store row. */
static void net_row(const struct netd_net *n, int64_t created, struct store_net *sn)
{
	char a[ADDR_STRLEN];

	memset(sn, 0, sizeof(*sn));
	sn->name = xstrdup(n->name);
	sn->mode = xstrdup(net_mode_name(n->mode));
	sn->uplink = n->uplink[0] ? xstrdup(n->uplink) : NULL;
	if (n->mode != NETD_MODE_BRIDGED) {
		sn->subnet = xstrdup(addr_str(n->subnet, a));
		sn->prefix = n->prefix;
		sn->gateway = xstrdup(addr_str(n->gateway, a));
		sn->dhcp_first = xstrdup(addr_str(n->dhcp_first, a));
		sn->dhcp_last = xstrdup(addr_str(n->dhcp_last, a));
	}
	sn->created = created;
	sn->host_access = (int)n->host_access;
}

int net_create(const struct net_env *env, const struct net_create_req *req,
	       struct store_net *out, const char **code, char *err, size_t errlen)
{
	struct store_net *nets = NULL;
	struct netd_net n = { 0 };
	struct net_change ch = { .op = NET_CHANGE_NET_ADD, .net = out };
	size_t nn = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	*code = PROTO_E_INVALID_ARGUMENT;
	if ((rc = name_check("network", req->name, err, errlen)) < 0 ||
	    (rc = net_mode_parse(req->mode, &n.mode, err, errlen)) < 0)
		goto out;
	if ((rc = env->sys->nets(env->ctx, &nets, &nn, err, errlen)) < 0) {
		*code = PROTO_E_IO;
		goto out;
	}
	if ((rc = create_check(req, nets, nn, &n, err, errlen)) < 0) {
		if (rc == -EEXIST)
			*code = PROTO_E_ALREADY_EXISTS;
		goto out;
	}
	if ((rc = create_complete(env, req, nets, nn, &n, code, err, errlen)) < 0)
		goto out;
	net_row(&n, env->sys->now(env->ctx), out);
	rc = env->sys->apply(env->ctx, &ch, code, err, errlen);
out:
	if (rc < 0)
		store_net_clear(out);
	store_net_list_free(nets, nn);
	return rc;
}

/* --- editing -------------------------------------------------------------------- */

int net_edit(const struct net_env *env, struct store_net *net, const struct net_edit_req *req,
	     const char **code, char *err, size_t errlen)
{
	struct net_change ch = { .op = NET_CHANGE_NET_EDIT, .net = net };
	int was = net->host_access, rc;

	*code = PROTO_E_INVALID_ARGUMENT;
	if (req->host_access > 0 && !strcmp(net->mode, "bridged")) {
		err_set(err, errlen, "network %s is bridged: host-access is for nat and host-only "
			"networks (a bridged network's guests reach the host through the LAN)",
			net->name);
		return -EINVAL;
	}
	if (req->host_access < 0 || (req->host_access > 0) == (was != 0))
		return 0;
	net->host_access = req->host_access > 0;
	rc = env->sys->apply(env->ctx, &ch, code, err, errlen);
	if (rc < 0)
		net->host_access = was;
	return rc;
}

/* --- deleting ------------------------------------------------------------------- */

struct net_del {
	struct net_env env;
	struct store_net net;
	struct store_nic *nics;      /* every NIC on the network */
	size_t n;
	struct store_fwd *fwds;      /* every forward on it */
	size_t nf;
	size_t next;                 /* the NIC to look at next */
	int *unplugged;              /* per NIC: taken out of a running VM */
	net_delete_done_fn done;
	void *data;
};

static void del_free(struct net_del *c)
{
	store_net_clear(&c->net);
	store_nic_list_free(c->nics, c->n);
	store_fwd_list_free(c->fwds, c->nf);
	free(c->unplugged);
	free(c);
}

/* Put back what the failed delete had unplugged. */
static void del_undo(struct net_del *c)
{
	const struct net_sys *sys = c->env.sys;
	size_t i;

	for (i = 0; i < c->n; i++) {
		struct vm *vm;

		if (!c->unplugged[i] || !(vm = sys->vm_by_id(c->env.ctx, c->nics[i].vm_id)) ||
		    !vm_is_live(vm))
			continue;
		sys->replug(c->env.ctx, vm, &c->nics[i]);
	}
}

static void del_fail(struct net_del *c, const char *code, const char *msg)
{
	del_undo(c);
	c->done(c->data, code, msg, NULL);
	del_free(c);
}

static void del_finish(struct net_del *c)
{
	struct net_change ch = { .op = NET_CHANGE_NET_DELETE, .id = c->net.id };
	struct net_delete_result res = { &c->net, c->nics, c->n, c->fwds, c->nf };
	const char *code;
	char err[1024];

	if (c->env.sys->apply(c->env.ctx, &ch, &code, err, sizeof(err)) < 0) {
		del_fail(c, code, err);
		return;
	}
	c->done(c->data, NULL, NULL, &res);
	del_free(c);
}

static void del_step(struct net_del *c);

static void del_unplugged(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct net_del *c = data;
	char err[1024];

	if (code) {
		snprintf(err, sizeof(err), "cannot remove NIC %s from VM '%s': %s",
			 c->nics[c->next].mac, vm->spec.name, msg);
		del_fail(c, code, err);
		return;
	}
	c->unplugged[c->next++] = 1;
	del_step(c);
}

/* Unplug the next NIC that sits in a running VM, or finish. */
static void del_step(struct net_del *c)
{
	const char *code;
	char err[512];

	for (; c->next < c->n; c->next++) {
		struct vm *vm = c->env.sys->vm_by_id(c->env.ctx, c->nics[c->next].vm_id);

		if (!vm || !vm_is_live(vm))
			continue;
		if (c->env.sys->unplug(c->env.ctx, vm, &c->nics[c->next], del_unplugged, c,
				       &code, err, sizeof(err)) < 0)
			del_fail(c, code, err);
		return;
	}
	del_finish(c);
}

/* Can every VM with a NIC on the network let go of it now? */
static int del_vms_ready(const struct net_del *c, const char **code, char *err, size_t errlen)
{
	size_t i;

	*code = PROTO_E_INVALID_STATE;
	for (i = 0; i < c->n; i++) {
		struct vm *v = c->env.sys->vm_by_id(c->env.ctx, c->nics[i].vm_id);

		if (!v)
			continue;
		if (v->state == VM_STARTING ||
		    (vm_is_live(v) && v->state != VM_RUNNING && v->state != VM_PAUSED &&
		     v->state != VM_SHUTTING_DOWN)) {
			err_set(err, errlen, "VM '%s' is %s; wait for it before deleting network %s",
				v->spec.name, vm_state_name(v->state), c->net.name);
			return -EBUSY;
		}
		if (v->state == VM_PAUSED) {
			err_set(err, errlen, "VM '%s' is paused and cannot release its NIC on network %s; resume it first",
				v->spec.name, c->net.name);
			return -EBUSY;
		}
	}
	return 0;
}

/* "network lan is used by VMs web, db; ...": each VM once, in NIC order. */
static void del_users_msg(const struct net_del *c, char *err, size_t errlen)
{
	char users[512] = "";
	size_t i, j, used = 0;

	for (i = 0; i < c->n; i++) {
		for (j = 0; j < i && c->nics[j].vm_id != c->nics[i].vm_id; j++)
			;
		if (j < i)
			continue;
		used += (size_t)snprintf(users + used, used < sizeof(users) ? sizeof(users) - used : 0,
					 "%s%s", used ? ", " : "", net_vm_name(&c->env, c->nics[i].vm_id));
		if (used >= sizeof(users))
			used = sizeof(users) - 1;
	}
	err_set(err, errlen, "network %s is used by VM%s %s; use --force to remove their NICs",
		c->net.name, strchr(users, ',') ? "s" : "", users);
}

int net_delete(const struct net_env *env, struct store_net *net, int force,
	       net_delete_done_fn done, void *data, const char **code, char *err, size_t errlen)
{
	struct net_del *c = xcalloc(1, sizeof(*c));
	int rc;

	c->env = *env;
	c->net = *net;
	memset(net, 0, sizeof(*net));
	c->done = done;
	c->data = data;
	if ((rc = env->sys->nics(env->ctx, 0, c->net.id, &c->nics, &c->n, err, errlen)) < 0 ||
	    (rc = env->sys->fwds(env->ctx, c->net.id, 0, &c->fwds, &c->nf, err, errlen)) < 0) {
		*code = PROTO_E_IO;
		goto fail;
	}
	c->unplugged = xcalloc(c->n + 1, sizeof(*c->unplugged));
	if (force && (rc = del_vms_ready(c, code, err, errlen)) < 0)
		goto fail;
	if (c->n && !force) {
		*code = PROTO_E_INVALID_STATE;
		del_users_msg(c, err, errlen);
		rc = -EBUSY;
		goto fail;
	}
	/* Nothing is unplugged unless netd can take the change after. */
	if ((rc = env->sys->netd_ensure(env->ctx, err, errlen)) < 0) {
		*code = PROTO_E_UNAVAILABLE;
		goto fail;
	}
	del_step(c);
	return 0;
fail:
	del_free(c);
	return rc;
}
