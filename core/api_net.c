/*
 * The net.* and vm.nic.* ops.  Each handler checks every argument first
 * (names, modes, addresses, ports, what other networks and NICs already
 * use), asks croft-netd what only the kernel knows (CHECK_NET, the default
 * uplink), and only then changes anything, through net_state_apply(): the
 * store change and netd's new state land together or not at all.
 *
 * On a running VM a NIC change also goes through QEMU (vm_nic.c), and the
 * reply comes later:
 *   add:    store + netd (the tap appears) -> hot-plug; a failed plug takes
 *           the NIC out of the store and netd again.
 *   remove: hot-unplug (the guest must let go) -> store + netd; if that
 *           fails the NIC is plugged back.
 * net.delete --force unplugs every NIC on the network from running VMs one
 * after another, then deletes the network with its NICs and forwards; a
 * failure on the way plugs back what was unplugged.
 */
#include "core/api_ops.h"
#include "core/api_server.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/model.h"
#include "core/net_state.h"
#include "core/netd_client.h"
#include "core/vm.h"
#include "core/vm_nic.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/validate.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_SUBNET_FMT "10.73.%u.0/24"

/* --- lookups -------------------------------------------------------------------- */

static struct vm *vm_by_id(struct croftd *d, int64_t id)
{
	struct vm *vm;

	for (vm = d->vms; vm; vm = vm->next)
		if (!vm->deleted && vm->spec.id == id)
			return vm;
	return NULL;
}

static const char *vm_name_by_id(struct croftd *d, int64_t id)
{
	struct vm *vm = vm_by_id(d, id);

	return vm ? vm->spec.name : "?";
}

/* Every network, for names by id; freed by the caller. */
struct nets {
	struct store_net *v;
	size_t n;
};

static int nets_load(struct croftd *d, struct nets *ns)
{
	return store_net_list(d->store, &ns->v, &ns->n);
}

static void nets_free(struct nets *ns)
{
	store_net_list_free(ns->v, ns->n);
	memset(ns, 0, sizeof(*ns));
}

static const struct store_net *net_by_id(const struct nets *ns, int64_t id)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (ns->v[i].id == id)
			return &ns->v[i];
	return NULL;
}

static const struct store_nic *nic_by_id(const struct store_nic *nics, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (nics[i].id == id)
			return &nics[i];
	return NULL;
}

/* Load the network args[key] names, or answer not_found. */
static int net_arg(struct api_req *r, json_t *args, const char *key, struct store_net *out)
{
	const char *name = json_string_value(json_object_get(args, key));
	int rc = store_net_get(api_req_daemon(r)->store, name, out);

	if (rc == -ENOENT)
		api_req_err(r, PROTO_E_NOT_FOUND, "no network named '%s'", name);
	else if (rc < 0)
		api_req_err(r, PROTO_E_IO, "%s", store_last_error(api_req_daemon(r)->store));
	return rc;
}

static struct vm *vm_arg(struct api_req *r, json_t *args, const char *key)
{
	const char *name = json_string_value(json_object_get(args, key));
	struct vm *vm = vm_find(api_req_daemon(r), name);

	if (!vm)
		api_req_err(r, PROTO_E_NOT_FOUND, "no VM named '%s'", name);
	return vm;
}

static const char *store_code(int rc)
{
	return rc == -EEXIST ? PROTO_E_ALREADY_EXISTS : rc == -EINVAL ? PROTO_E_INVALID_ARGUMENT
	       : rc == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_IO;
}

/* --- JSON ------------------------------------------------------------------------ */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *uint_or_null(uint32_t v)
{
	return v ? json_integer(v) : json_null();
}

static json_t *nic_model_json(const struct model_nic *n)
{
	char tap[NETD_IFNAME_LEN], ip[INET_ADDRSTRLEN];

	return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:s,s:s}",
			 "net", n->net, "mac", n->mac,
			 "ip", n->lease.s_addr ? json_string(net_addr_str(n->lease, ip)) : json_null(),
			 "address", n->address[0] ? json_string(n->address) : json_null(),
			 "vlan", uint_or_null(n->vlan), "rate", uint_or_null(n->rate_mbit),
			 "tap", netd_tap_name((uint32_t)n->id, tap), "model", "virtio");
}

/* A NIC row just changed; "ip" from the leases of the last sample. */
static json_t *nic_json(struct croftd *d, const struct store_nic *nic, const struct nets *ns)
{
	const struct store_net *net = net_by_id(ns, nic->net_id);
	struct model_nic mn;

	model_nic_from_store(&mn, nic, net ? net->name : NULL);
	model_nic_map(d->model, &mn);
	return nic_model_json(&mn);
}

static json_t *fwd_json(struct croftd *d, const struct store_fwd *f, const char *net,
			const struct store_nic *nic)
{
	return json_pack("{s:s,s:s,s:I,s:s,s:I,s:o}", "net", net, "proto", f->proto,
			 "host_port", (json_int_t)f->host_port,
			 "vm", nic ? vm_name_by_id(d, nic->vm_id) : "?",
			 "port", (json_int_t)f->guest_port,
			 "address", str_or_null(nic ? nic->ip : NULL));
}

static json_t *net_json(struct croftd *d, const struct store_net *n)
{
	struct store_nic *nics = NULL;
	struct store_fwd *fwds = NULL;
	size_t nn = 0, nf = 0, i;
	json_t *o, *jn = json_array(), *jf = json_array();
	char tap[NETD_IFNAME_LEN], *cidr = NULL;

	store_nic_list(d->store, 0, n->id, &nics, &nn);
	store_fwd_list(d->store, n->id, 0, &fwds, &nf);
	for (i = 0; i < nn; i++)
		json_array_append_new(jn, json_pack("{s:s,s:s,s:o}",
						    "vm", vm_name_by_id(d, nics[i].vm_id),
						    "mac", nics[i].mac,
						    "address", str_or_null(nics[i].ip)));
	for (i = 0; i < nf; i++)
		json_array_append_new(jf, fwd_json(d, &fwds[i], n->name,
						   nic_by_id(nics, nn, fwds[i].nic_id)));
	if (n->subnet)
		cidr = xasprintf("%s/%u", n->subnet, n->prefix);
	o = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:I,s:o,s:o}",
		      "name", n->name, "mode", n->mode,
		      "subnet", str_or_null(cidr), "gateway", str_or_null(n->gateway),
		      "dhcp_first", str_or_null(n->dhcp_first),
		      "dhcp_last", str_or_null(n->dhcp_last),
		      "uplink", str_or_null(n->uplink),
		      "bridge", netd_bridge_name((uint32_t)n->id, tap),
		      "created", (json_int_t)n->created, "nics", jn, "forwards", jf);
	free(cidr);
	store_nic_list_free(nics, nn);
	store_fwd_list_free(fwds, nf);
	return o;
}

/* From the model only: no store, no netd. */
json_t *api_vm_nics_json(const struct vm *vm)
{
	const struct model_vm *mv = model_vm(vm->d->model, vm->spec.id);
	json_t *arr = json_array();
	size_t i;

	for (i = 0; !vm->deleted && mv && i < mv->nnics; i++)
		json_array_append_new(arr, nic_model_json(&mv->nics[i]));
	return arr;
}

/* --- store changes inside net_state_apply() ---------------------------------------- */

static int ch_net_insert(struct croftd *d, void *ctx, const char **code, char *err, size_t errlen)
{
	int rc = store_net_insert(d->store, ctx, err, errlen);

	if (rc < 0)
		*code = store_code(rc);
	return rc;
}

static int ch_net_delete(struct croftd *d, void *ctx, const char **code, char *err, size_t errlen)
{
	int rc = store_net_delete(d->store, *(int64_t *)ctx, 1, err, errlen);

	if (rc < 0)
		*code = store_code(rc);
	return rc;
}

static int ch_nic_insert(struct croftd *d, void *ctx, const char **code, char *err, size_t errlen)
{
	int rc = store_nic_insert(d->store, ctx, err, errlen);

	if (rc < 0)
		*code = store_code(rc);
	return rc;
}

static int ch_nic_delete(struct croftd *d, void *ctx, const char **code, char *err, size_t errlen)
{
	int rc = store_nic_delete(d->store, *(int64_t *)ctx);

	if (rc < 0) {
		*code = store_code(rc);
		err_set(err, errlen, "%s", store_last_error(d->store));
	}
	return rc;
}

static int ch_fwd_insert(struct croftd *d, void *ctx, const char **code, char *err, size_t errlen)
{
	int rc = store_fwd_insert(d->store, ctx, err, errlen);

	if (rc < 0)
		*code = store_code(rc);
	return rc;
}

static int ch_fwd_delete(struct croftd *d, void *ctx, const char **code, char *err, size_t errlen)
{
	int rc = store_fwd_delete(d->store, *(int64_t *)ctx);

	if (rc < 0) {
		*code = store_code(rc);
		err_set(err, errlen, "%s", store_last_error(d->store));
	}
	return rc;
}

/* --- net.create ---------------------------------------------------------------------- */

/* An interface name croft may use as an uplink: not one of its own. */
static int uplink_check(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (!n || n >= NETD_IFNAME_LEN ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@") != n) {
		err_set(err, errlen, "uplink '%s' is not an interface name (1-15 letters, digits, '-', '_', '.')",
			s);
		return -EINVAL;
	}
	if (!strncmp(s, NETD_IFPREFIX, strlen(NETD_IFPREFIX))) {
		err_set(err, errlen, "uplink '%s' is one of croft's own interfaces", s);
		return -EINVAL;
	}
	return 0;
}

/* Does cand clash with a croft network?  Its subnet, or its uplink when
 * either side enslaves that uplink. */
static int croft_clash(const struct nets *ns, const struct netd_net *cand,
		       char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < ns->n; i++) {
		struct netd_net o;

		if (net_from_store(&ns->v[i], &o, NULL, 0) < 0)
			continue;
		if (cand->mode != NETD_MODE_BRIDGED && o.mode != NETD_MODE_BRIDGED &&
		    net_overlap(cand->subnet, cand->prefix, o.subnet, o.prefix)) {
			err_set(err, errlen, "subnet %s/%u overlaps network %s (%s/%u)",
				net_addr_str(cand->subnet, a), cand->prefix, o.name,
				net_addr_str(o.subnet, b), o.prefix);
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

/* The first 10.73.N.0/24 free among croft's networks and on the host. */
static int default_subnet(struct croftd *d, const struct nets *ns, struct netd_net *n,
			  const char **code, char *err, size_t errlen)
{
	char cidr[32], why[NETD_TEXT_LEN];
	unsigned third;
	int rc;

	for (third = 0; third < 256; third++) {
		struct netd_net probe = *n;

		snprintf(cidr, sizeof(cidr), DEFAULT_SUBNET_FMT, third);
		if (net_cidr_parse(cidr, &probe.subnet, &probe.prefix, NULL, 0) < 0)
			continue;
		net_defaults(&probe);
		if (croft_clash(ns, &probe, NULL, 0) < 0)
			continue;
		/* Only the subnet is in question here: probe without uplink. */
		probe.mode = NETD_MODE_HOSTONLY;
		probe.uplink[0] = '\0';
		rc = netd_client_check_net(d->netd, &probe, why, sizeof(why));
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

void api_op_net_create(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *name = json_string_value(json_object_get(args, "name"));
	const char *mode = json_string_value(json_object_get(args, "mode"));
	const char *subnet = json_string_value(json_object_get(args, "subnet"));
	const char *uplink = json_string_value(json_object_get(args, "uplink"));
	const char *range = json_string_value(json_object_get(args, "dhcp_range"));
	const char *code = PROTO_E_INVALID_ARGUMENT;
	struct netd_net n = { 0 };
	struct store_net sn = { 0 }, existing;
	struct nets ns = { 0 };
	char err[1024], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN];
	char sub[INET_ADDRSTRLEN];
	int rc;

	if (name_check("network", name, err, sizeof(err)) < 0 ||
	    net_mode_parse(mode, &n.mode, err, sizeof(err)) < 0)
		goto fail;
	if (strlen(name) >= NETD_NAME_LEN) {
		snprintf(err, sizeof(err), "network name '%s' is too long", name);
		goto fail;
	}
	rc = store_net_get(d->store, name, &existing);
	store_net_clear(&existing);
	if (rc == 0) {
		code = PROTO_E_ALREADY_EXISTS;
		snprintf(err, sizeof(err), "a network named '%s' already exists", name);
		goto fail;
	}
	snprintf(n.name, sizeof(n.name), "%s", name);
	if (n.mode == NETD_MODE_BRIDGED) {
		if (subnet || range) {
			snprintf(err, sizeof(err), "bridged networks get addresses from the LAN; %s does not apply",
				 subnet ? "--subnet" : "--dhcp-range");
			goto fail;
		}
		if (!uplink) {
			snprintf(err, sizeof(err), "a bridged network needs --uplink IFACE, the NIC to enslave to its bridge");
			goto fail;
		}
	}
	if (n.mode == NETD_MODE_HOSTONLY && uplink) {
		snprintf(err, sizeof(err), "host-only networks have no uplink; --uplink does not apply");
		goto fail;
	}
	if (uplink) {
		if (uplink_check(uplink, err, sizeof(err)) < 0)
			goto fail;
		snprintf(n.uplink, sizeof(n.uplink), "%s", uplink);
	}
	if (n.mode != NETD_MODE_BRIDGED && subnet) {
		if (net_cidr_parse(subnet, &n.subnet, &n.prefix, err, sizeof(err)) < 0)
			goto fail;
	}
	if (nets_load(d, &ns) < 0) {
		code = PROTO_E_IO;
		snprintf(err, sizeof(err), "%s", store_last_error(d->store));
		goto fail;
	}
	if (n.mode != NETD_MODE_BRIDGED && subnet) {
		net_defaults(&n);
		if (croft_clash(&ns, &n, err, sizeof(err)) < 0)
			goto fail;
	}
	if (n.mode == NETD_MODE_BRIDGED && croft_clash(&ns, &n, err, sizeof(err)) < 0)
		goto fail;
	if (range) {
		struct in_addr first, last;

		/* Checked against the subnet once that is known. */
		if (net_range_parse(range, &first, &last, err, sizeof(err)) < 0)
			goto fail;
		n.dhcp_first = first;
		n.dhcp_last = last;
	}
	/* From here on the kernel has a say: netd. */
	if (netd_client_ensure(d->netd, err, sizeof(err)) < 0) {
		code = PROTO_E_UNAVAILABLE;
		goto fail;
	}
	if (n.mode == NETD_MODE_NAT && !uplink) {
		rc = netd_client_default_uplink(d->netd, n.uplink, err, sizeof(err));
		if (rc < 0) {
			code = net_netd_code(rc);
			if (rc == -ENODEV || rc == -ENOENT)
				snprintf(err + strlen(err), sizeof(err) - strlen(err),
					 "; the host has no default route: give the uplink with --uplink IFACE");
			goto fail;
		}
	}
	if (n.mode != NETD_MODE_BRIDGED) {
		struct in_addr first = n.dhcp_first, last = n.dhcp_last;

		if (!subnet && default_subnet(d, &ns, &n, &code, err, sizeof(err)) < 0)
			goto fail;
		net_defaults(&n);
		if (range) {
			n.dhcp_first = first;
			n.dhcp_last = last;
			if (net_range_check(&n, err, sizeof(err)) < 0) {
				code = PROTO_E_INVALID_ARGUMENT;
				goto fail;
			}
		}
		/* the default uplink may be a bridged network's */
		if (croft_clash(&ns, &n, err, sizeof(err)) < 0) {
			code = PROTO_E_INVALID_ARGUMENT;
			goto fail;
		}
	}
	rc = netd_client_check_net(d->netd, &n, err, sizeof(err));
	if (rc < 0) {
		code = net_netd_code(rc);
		goto fail;
	}

	sn.name = xstrdup(name);
	sn.mode = xstrdup(net_mode_name(n.mode));
	sn.uplink = n.uplink[0] ? xstrdup(n.uplink) : NULL;
	if (n.mode != NETD_MODE_BRIDGED) {
		sn.subnet = xstrdup(net_addr_str(n.subnet, sub));
		sn.prefix = n.prefix;
		sn.gateway = xstrdup(net_addr_str(n.gateway, a));
		sn.dhcp_first = xstrdup(net_addr_str(n.dhcp_first, b));
		sn.dhcp_last = xstrdup(net_addr_str(n.dhcp_last, c));
	}
	sn.created = time(NULL);
	if (net_state_apply(d, ch_net_insert, &sn, &code, err, sizeof(err)) < 0)
		goto fail;
	nets_free(&ns);
	bus_publish(d->bus, "net.created", name, 0, json_pack("{s:s}", "name", name),
		    "network %s: created (%s%s%s%s%s)", name, sn.mode,
		    sn.subnet ? ", " : "", sn.subnet ? sn.subnet : "",
		    sn.uplink ? ", uplink " : "", sn.uplink ? sn.uplink : "");
	api_req_ok(r, net_json(d, &sn));
	store_net_clear(&sn);
	return;
fail:
	nets_free(&ns);
	store_net_clear(&sn);
	api_req_err(r, code, "%s", err);
}

/* --- net.list, net.info ------------------------------------------------------------- */

void api_op_net_list(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct nets ns = { 0 };
	json_t *arr;
	size_t i;

	(void)args;
	if (nets_load(d, &ns) < 0) {
		api_req_err(r, PROTO_E_IO, "%s", store_last_error(d->store));
		return;
	}
	arr = json_array();
	for (i = 0; i < ns.n; i++)
		json_array_append_new(arr, net_json(d, &ns.v[i]));
	nets_free(&ns);
	api_req_ok(r, json_pack("{s:o}", "networks", arr));
}

void api_op_net_info(struct api_req *r, json_t *args)
{
	struct store_net n;

	if (net_arg(r, args, "name", &n) < 0)
		return;
	api_req_ok(r, net_json(api_req_daemon(r), &n));
	store_net_clear(&n);
}

/* --- net.delete -------------------------------------------------------------------------- */

struct net_del {
	struct api_req *r;
	struct store_net net;
	struct store_nic *nics;      /* every NIC on the network */
	size_t n;
	size_t next;                 /* the NIC to look at next */
	int *unplugged;              /* per NIC: taken out of a running VM */
	json_t *removed;             /* the reply's nics_removed */
	json_t *fwds_removed;
};

static void net_del_free(struct net_del *c)
{
	store_net_clear(&c->net);
	store_nic_list_free(c->nics, c->n);
	free(c->unplugged);
	json_decref(c->removed);
	json_decref(c->fwds_removed);
	free(c);
}

/* Put back what the failed delete had unplugged. */
static void net_del_undo(struct croftd *d, struct net_del *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		struct vm *vm;

		if (!c->unplugged[i] || !(vm = vm_by_id(d, c->nics[i].vm_id)) || !vm_is_live(vm))
			continue;
		vm_nic_replug(vm, &c->nics[i]);
	}
}

static void net_del_finish(struct croftd *d, struct net_del *c)
{
	const char *code;
	char err[1024];
	size_t i, j;

	if (net_state_apply(d, ch_net_delete, &c->net.id, &code, err, sizeof(err)) < 0) {
		net_del_undo(d, c);
		api_req_err(c->r, code, "%s", err);
		net_del_free(c);
		return;
	}
	bus_publish(d->bus, "net.deleted", c->net.name, 0, json_pack("{s:s}", "name", c->net.name),
		    "network %s: deleted%s", c->net.name, c->n ? " with its NICs" : "");
	for (i = 0; i < c->n; i++) {
		for (j = 0; j < i && c->nics[j].vm_id != c->nics[i].vm_id; j++)
			;
		if (j == i) {
			const char *vm = vm_name_by_id(d, c->nics[i].vm_id);

			bus_publish(d->bus, "vm.changed", vm, 0, json_pack("{s:s}", "name", vm),
				    "VM %s: NIC on network %s removed", vm, c->net.name);
		}
	}
	api_req_ok(c->r, json_pack("{s:s,s:O,s:O}", "name", c->net.name,
				   "nics_removed", c->removed, "forwards_removed", c->fwds_removed));
	net_del_free(c);
}

static void net_del_step(struct croftd *d, struct net_del *c);

static void net_del_unplugged(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct net_del *c = data;

	if (code) {
		net_del_undo(vm->d, c);
		api_req_err(c->r, code, "cannot remove NIC %s from VM '%s': %s", c->nics[c->next].mac,
			    vm->spec.name, msg);
		net_del_free(c);
		return;
	}
	c->unplugged[c->next++] = 1;
	net_del_step(vm->d, c);
}

/* Unplug the next NIC that sits in a running VM, or finish. */
static void net_del_step(struct croftd *d, struct net_del *c)
{
	const char *code;
	char err[512];

	for (; c->next < c->n; c->next++) {
		struct vm *vm = vm_by_id(d, c->nics[c->next].vm_id);

		if (!vm || !vm_is_live(vm))
			continue;
		if (vm_nic_unplug(vm, &c->nics[c->next], net_del_unplugged, c, &code, err,
				  sizeof(err)) < 0) {
			net_del_undo(d, c);
			api_req_err(c->r, code, "%s", err);
			net_del_free(c);
		}
		return;
	}
	net_del_finish(d, c);
}

void api_op_net_delete(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	int force = json_is_true(json_object_get(args, "force"));
	struct store_fwd *fwds = NULL;
	struct net_del *c;
	char users[512] = "", err[512];
	size_t nf = 0, i, j, used = 0;

	c = xcalloc(1, sizeof(*c));
	c->r = r;
	if (net_arg(r, args, "name", &c->net) < 0) {
		free(c);
		return;
	}
	if (store_nic_list(d->store, 0, c->net.id, &c->nics, &c->n) < 0 ||
	    store_fwd_list(d->store, c->net.id, 0, &fwds, &nf) < 0) {
		api_req_err(r, PROTO_E_IO, "%s", store_last_error(d->store));
		goto fail;
	}
	c->unplugged = xcalloc(c->n + 1, sizeof(*c->unplugged));
	c->removed = json_array();
	c->fwds_removed = json_array();
	for (i = 0; i < c->n; i++) {
		const char *vm = vm_name_by_id(d, c->nics[i].vm_id);
		struct vm *v = vm_by_id(d, c->nics[i].vm_id);

		json_array_append_new(c->removed, json_pack("{s:s,s:s}", "vm", vm,
							    "mac", c->nics[i].mac));
		for (j = 0; j < i && c->nics[j].vm_id != c->nics[i].vm_id; j++)
			;
		if (j == i) {
			used += (size_t)snprintf(users + used, used < sizeof(users) ? sizeof(users) - used : 0,
						 "%s%s", used ? ", " : "", vm);
			if (used >= sizeof(users))
				used = sizeof(users) - 1;
		}
		if (force && v && (v->state == VM_STARTING || (vm_is_live(v) && v->state != VM_RUNNING &&
							      v->state != VM_PAUSED && v->state != VM_SHUTTING_DOWN))) {
			api_req_err(r, PROTO_E_INVALID_STATE, "VM '%s' is %s; wait for it before deleting network %s",
				    vm, vm_state_name(v->state), c->net.name);
			goto fail;
		}
		if (force && v && v->state == VM_PAUSED) {
			api_req_err(r, PROTO_E_INVALID_STATE,
				    "VM '%s' is paused and cannot release its NIC on network %s; resume it first",
				    vm, c->net.name);
			goto fail;
		}
	}
	for (i = 0; i < nf; i++)
		json_array_append_new(c->fwds_removed,
				      fwd_json(d, &fwds[i], c->net.name,
					       nic_by_id(c->nics, c->n, fwds[i].nic_id)));
	store_fwd_list_free(fwds, nf);
	fwds = NULL;
	nf = 0;
	if (c->n && !force) {
		api_req_err(r, PROTO_E_INVALID_STATE,
			    "network %s is used by VM%s %s; use --force to remove their NICs",
			    c->net.name, strchr(users, ',') ? "s" : "", users);
		goto fail;
	}
	/* Nothing is unplugged unless netd can take the change after. */
	if (netd_client_ensure(d->netd, err, sizeof(err)) < 0) {
		api_req_err(r, PROTO_E_UNAVAILABLE, "%s", err);
		goto fail;
	}
	net_del_step(d, c);
	return;
fail:
	store_fwd_list_free(fwds, nf);
	net_del_free(c);
}

/* --- forwards ------------------------------------------------------------------------- */

static int port_of(json_t *args, const char *key, const char *what, uint32_t *out,
		   char *err, size_t errlen)
{
	json_int_t v = json_integer_value(json_object_get(args, key));

	if (v < 1 || v > 65535) {
		err_set(err, errlen, "%s must be between 1 and 65535, not %lld", what, (long long)v);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

void api_op_net_forward_add(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *proto = json_string_value(json_object_get(args, "proto"));
	const char *code = PROTO_E_INVALID_ARGUMENT;
	struct store_net net = { 0 };
	struct store_nic *nics = NULL;
	struct store_fwd *all = NULL, fw = { 0 };
	struct nets ns = { 0 };
	size_t nn = 0, na = 0, i;
	uint32_t p;
	char err[512];
	struct vm *vm;

	if (net_arg(r, args, "net", &net) < 0)
		return;
	if (!(vm = vm_arg(r, args, "vm")))
		goto out;
	if (strcmp(net.mode, "nat")) {
		snprintf(err, sizeof(err), "port forwards need a nat network; %s is %s", net.name,
			 net.mode);
		goto fail;
	}
	if (net_proto_parse(proto, &p, err, sizeof(err)) < 0 ||
	    port_of(args, "host_port", "host port", &fw.host_port, err, sizeof(err)) < 0 ||
	    port_of(args, "port", "guest port", &fw.guest_port, err, sizeof(err)) < 0)
		goto fail;
	if (store_nic_list(d->store, vm->spec.id, net.id, &nics, &nn) < 0 ||
	    store_fwd_list(d->store, 0, 0, &all, &na) < 0 || nets_load(d, &ns) < 0) {
		code = PROTO_E_IO;
		snprintf(err, sizeof(err), "%s", store_last_error(d->store));
		goto fail;
	}
	if (!nn) {
		snprintf(err, sizeof(err), "VM %s has no NIC on network %s; add one with: croft vm nic add %s --net %s",
			 vm->spec.name, net.name, vm->spec.name, net.name);
		goto fail;
	}
	for (i = 0; i < na; i++) {
		struct store_nic *tn = NULL;
		size_t tc = 0;
		const struct store_net *on = net_by_id(&ns, all[i].net_id);
		const struct store_nic *t;

		if (all[i].host_port != fw.host_port || strcmp(all[i].proto, proto))
			continue;
		store_nic_list(d->store, 0, all[i].net_id, &tn, &tc);
		t = nic_by_id(tn, tc, all[i].nic_id);
		code = PROTO_E_ALREADY_EXISTS;
		snprintf(err, sizeof(err), "%s port %u is already forwarded to %s:%u on network %s",
			 proto, fw.host_port, t ? vm_name_by_id(d, t->vm_id) : "?",
			 all[i].guest_port, on ? on->name : "?");
		store_nic_list_free(tn, tc);
		goto fail;
	}
	fw.net_id = net.id;
	fw.nic_id = nics[0].id;
	fw.proto = xstrdup(proto);
	if (net_state_apply(d, ch_fwd_insert, &fw, &code, err, sizeof(err)) < 0)
		goto fail;
	bus_publish(d->bus, "net.changed", net.name, 0, json_pack("{s:s}", "name", net.name),
		    "network %s: %s port %u forwarded to %s:%u (%s)", net.name, proto,
		    fw.host_port, vm->spec.name, fw.guest_port, nics[0].ip);
	api_req_ok(r, fwd_json(d, &fw, net.name, &nics[0]));
	goto out;
fail:
	api_req_err(r, code, "%s", err);
out:
	store_fwd_clear(&fw);
	store_net_clear(&net);
	store_nic_list_free(nics, nn);
	store_fwd_list_free(all, na);
	nets_free(&ns);
}

void api_op_net_forward_list(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct store_net net;
	struct store_fwd *fwds = NULL;
	struct store_nic *nics = NULL;
	size_t nf = 0, nn = 0, i;
	json_t *arr;

	if (net_arg(r, args, "net", &net) < 0)
		return;
	if (store_fwd_list(d->store, net.id, 0, &fwds, &nf) < 0 ||
	    store_nic_list(d->store, 0, net.id, &nics, &nn) < 0) {
		api_req_err(r, PROTO_E_IO, "%s", store_last_error(d->store));
	} else {
		arr = json_array();
		for (i = 0; i < nf; i++)
			json_array_append_new(arr, fwd_json(d, &fwds[i], net.name,
							    nic_by_id(nics, nn, fwds[i].nic_id)));
		api_req_ok(r, json_pack("{s:o}", "forwards", arr));
	}
	store_fwd_list_free(fwds, nf);
	store_nic_list_free(nics, nn);
	store_net_clear(&net);
}

void api_op_net_forward_remove(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *proto = json_string_value(json_object_get(args, "proto"));
	const char *code = PROTO_E_INVALID_ARGUMENT;
	struct store_net net;
	struct store_fwd *fwds = NULL;
	struct store_nic *nics = NULL;
	size_t nf = 0, nn = 0, i;
	uint32_t p, port;
	json_t *gone;
	char err[512];

	if (net_arg(r, args, "net", &net) < 0)
		return;
	if (net_proto_parse(proto, &p, err, sizeof(err)) < 0 ||
	    port_of(args, "host_port", "host port", &port, err, sizeof(err)) < 0)
		goto fail;
	if (store_fwd_list(d->store, net.id, 0, &fwds, &nf) < 0 ||
	    store_nic_list(d->store, 0, net.id, &nics, &nn) < 0) {
		code = PROTO_E_IO;
		snprintf(err, sizeof(err), "%s", store_last_error(d->store));
		goto fail;
	}
	for (i = 0; i < nf; i++)
		if (fwds[i].host_port == port && !strcmp(fwds[i].proto, proto))
			break;
	if (i == nf) {
		code = PROTO_E_NOT_FOUND;
		snprintf(err, sizeof(err), "network %s has no %s forward of port %u", net.name, proto,
			 port);
		goto fail;
	}
	gone = fwd_json(d, &fwds[i], net.name, nic_by_id(nics, nn, fwds[i].nic_id));
	if (net_state_apply(d, ch_fwd_delete, &fwds[i].id, &code, err, sizeof(err)) < 0) {
		json_decref(gone);
		goto fail;
	}
	bus_publish(d->bus, "net.changed", net.name, 0, json_pack("{s:s}", "name", net.name),
		    "network %s: %s port %u no longer forwarded", net.name, proto, port);
	api_req_ok(r, gone);
	goto out;
fail:
	api_req_err(r, code, "%s", err);
out:
	store_fwd_list_free(fwds, nf);
	store_nic_list_free(nics, nn);
	store_net_clear(&net);
}

/* --- vm.nic.add ------------------------------------------------------------------------ */

/* The VM that has MAC mac, or NULL. */
static const char *mac_owner(struct croftd *d, const struct store_nic *all, size_t n,
			     const uint8_t mac[6])
{
	uint8_t m[6];
	size_t i;

	for (i = 0; i < n; i++)
		if (net_mac_parse(all[i].mac, m, NULL, 0) == 0 && !memcmp(m, mac, 6))
			return vm_name_by_id(d, all[i].vm_id);
	return NULL;
}

static int int_arg(json_t *args, const char *key, long long lo, long long hi,
		   const char *what, uint32_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(args, key);

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (json_integer_value(v) < lo || json_integer_value(v) > hi) {
		err_set(err, errlen, "%s must be between %lld and %lld, not %lld", what, lo, hi,
			(long long)json_integer_value(v));
		return -EINVAL;
	}
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

struct nic_live {
	struct api_req *r;
	struct store_nic nic;
	json_t *fwds_removed;        /* remove only */
};

static void nic_live_free(struct nic_live *c)
{
	store_nic_clear(&c->nic);
	json_decref(c->fwds_removed);
	free(c);
}

/* A net.changed event for every network named by the "net" member of an
 * element of items (once each). */
static void nets_changed(struct croftd *d, const json_t *items)
{
	json_t *seen = json_object(), *v;
	size_t i;

	json_array_foreach(items, i, v) {
		const char *net = json_string_value(json_object_get(v, "net"));

		if (!net || json_object_get(seen, net))
			continue;
		json_object_set_new(seen, net, json_true());
		bus_publish(d->bus, "net.changed", net, BUS_QUIET, json_pack("{s:s}", "name", net),
			    "network %s: NICs changed", net);
	}
	json_decref(seen);
}

/* Answer a NIC change: {"name","nic"[,"forwards_removed"]}, after the
 * vm.changed and net.changed events. */
static void reply_nic(struct api_req *r, struct vm *vm, const struct store_nic *nic,
		      json_t *fwds_removed)
{
	struct croftd *d = vm->d;
	struct nets ns = { 0 };
	json_t *res, *changed = json_array();

	nets_load(d, &ns);
	res = json_pack("{s:s,s:o}", "name", vm->spec.name, "nic", nic_json(d, nic, &ns));
	if (fwds_removed)
		json_object_set(res, "forwards_removed", fwds_removed);
	nets_free(&ns);
	json_array_append(changed, json_object_get(res, "nic"));
	if (fwds_removed)
		json_array_extend(changed, fwds_removed);
	bus_publish(d->bus, "vm.changed", vm->spec.name, BUS_QUIET,
		    json_pack("{s:s}", "name", vm->spec.name), "VM %s: NICs changed", vm->spec.name);
	nets_changed(d, changed);
	json_decref(changed);
	api_req_ok(r, res);
}

static void nic_plugged(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct nic_live *c = data;
	const char *code2;
	char err[512];

	if (code) {
		/* Take the NIC back out of the store and netd. */
		if (net_state_apply(vm->d, ch_nic_delete, &c->nic.id, &code2, err, sizeof(err)) < 0)
			log_err("VM %s: NIC %s could not be plugged and stays configured: %s",
				vm->spec.name, c->nic.mac, err);
		api_req_err(c->r, code, "%s", msg);
	} else {
		reply_nic(c->r, vm, &c->nic, NULL);
	}
	nic_live_free(c);
}

void api_op_vm_nic_add(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *mac_s = json_string_value(json_object_get(args, "mac"));
	const char *ip_s = json_string_value(json_object_get(args, "ip"));
	const char *code = PROTO_E_INVALID_ARGUMENT;
	struct store_net net = { 0 };
	struct store_nic *all = NULL, nic = { 0 };
	struct netd_net nn;
	size_t na = 0, nm = 0, i, nused = 0;
	struct in_addr addr = { 0 }, *used = NULL;
	uint8_t mac[6], (*macs)[6] = NULL;
	char err[512], buf[NET_MAC_STRLEN], ab[INET_ADDRSTRLEN];
	struct nic_live *c;
	const char *owner;
	struct vm *vm;
	int live;

	if (!(vm = vm_arg(r, args, "name")))
		return;
	if (net_arg(r, args, "net", &net) < 0)
		return;
	if (vm->state == VM_STARTING || vm->state == VM_SHUTTING_DOWN || vm_nic_busy(vm) ||
	    (vm_is_live(vm) && vm->state == VM_CRASHED)) {
		code = PROTO_E_INVALID_STATE;
		snprintf(err, sizeof(err), vm_nic_busy(vm)
			 ? "VM '%s' is busy with another NIC change; try again when it is done"
			 : "VM '%s' is %s; wait for it to finish", vm->spec.name,
			 vm_state_name(vm->state));
		goto fail;
	}
	if (net_from_store(&net, &nn, err, sizeof(err)) < 0) {
		code = PROTO_E_INTERNAL;
		goto fail;
	}
	if (int_arg(args, "vlan", 1, NET_VLAN_MAX, "VLAN", &nic.vlan, err, sizeof(err)) < 0 ||
	    int_arg(args, "rate", 1, NET_RATE_MAX_MBIT, "rate (Mbit/s)", &nic.rate_mbit,
		    err, sizeof(err)) < 0)
		goto fail;
	if (nic.vlan && nn.mode != NETD_MODE_BRIDGED) {
		snprintf(err, sizeof(err), "VLANs need a bridged network; %s is %s", net.name, net.mode);
		goto fail;
	}
	if (mac_s && net_mac_parse(mac_s, mac, err, sizeof(err)) < 0)
		goto fail;
	if (ip_s && net_addr_parse("address", ip_s, &addr, err, sizeof(err)) < 0)
		goto fail;
	if (store_nic_list(d->store, 0, 0, &all, &na) < 0) {
		code = PROTO_E_IO;
		snprintf(err, sizeof(err), "%s", store_last_error(d->store));
		goto fail;
	}
	for (i = 0; i < na; i++)
		nm += all[i].vm_id == vm->spec.id;
	if (nm >= NET_NICS_PER_VM_MAX) {
		snprintf(err, sizeof(err), "VM '%s' already has %zu NICs, the most a VM can have",
			 vm->spec.name, nm);
		goto fail;
	}
	/* MAC: unique across every NIC of every VM. */
	macs = xcalloc(na + 1, sizeof(*macs));
	for (i = 0; i < na; i++)
		net_mac_parse(all[i].mac, macs[i], NULL, 0);
	if (mac_s && (owner = mac_owner(d, all, na, mac))) {
		code = PROTO_E_ALREADY_EXISTS;
		snprintf(err, sizeof(err), "MAC %s is already used by VM %s", net_mac_str(mac, buf),
			 owner);
		goto fail;
	}
	if (!mac_s && net_mac_generate(mac, (const uint8_t (*)[6])macs, na, net_random_bytes,
				       err, sizeof(err)) < 0) {
		code = PROTO_E_INTERNAL;
		goto fail;
	}
	/* Address: unique on the network; nat/host-only NICs always get one. */
	used = xcalloc(na + 1, sizeof(*used));
	for (i = 0; i < na; i++) {
		if (all[i].net_id != net.id || !all[i].ip ||
		    net_addr_parse("address", all[i].ip, &used[nused], NULL, 0) < 0)
			continue;
		if (ip_s && used[nused].s_addr == addr.s_addr) {
			code = PROTO_E_ALREADY_EXISTS;
			snprintf(err, sizeof(err), "address %s is already used by VM %s on network %s",
				 ip_s, vm_name_by_id(d, all[i].vm_id), net.name);
			goto fail;
		}
		nused++;
	}
	if (nn.mode != NETD_MODE_BRIDGED) {
		if (ip_s && net_host_check(&nn, addr, err, sizeof(err)) < 0)
			goto fail;
		if (!ip_s && net_ip_alloc(&nn, used, nused, &addr, err, sizeof(err)) < 0) {
			code = PROTO_E_INVALID_STATE;
			goto fail;
		}
	} else if (ip_s) {
		uint32_t v = ntohl(addr.s_addr);

		if (!v || v == 0xffffffffu || (v >> 28) >= 14 || (v >> 24) == 127) {
			snprintf(err, sizeof(err), "address %s cannot be a guest's address", ip_s);
			goto fail;
		}
	}
	nic.vm_id = vm->spec.id;
	nic.net_id = net.id;
	nic.mac = xstrdup(net_mac_str(mac, buf));
	nic.ip = addr.s_addr ? xstrdup(net_addr_str(addr, ab)) : NULL;
	live = vm_is_live(vm);
	if (live && (vm->state != VM_RUNNING && vm->state != VM_PAUSED)) {
		code = PROTO_E_INVALID_STATE;
		snprintf(err, sizeof(err), "VM '%s' is %s", vm->spec.name, vm_state_name(vm->state));
		goto fail;
	}
	if (live && !vm->qmp) {
		code = PROTO_E_QEMU;
		snprintf(err, sizeof(err), "cannot add a NIC to VM '%s': croftd is not connected to its QMP socket (retrying)",
			 vm->spec.name);
		goto fail;
	}
	if (net_state_apply(d, ch_nic_insert, &nic, &code, err, sizeof(err)) < 0)
		goto fail;
	log_info("VM %s: NIC %s added on network %s%s%s", vm->spec.name, nic.mac, net.name,
		 nic.ip ? ", address " : "", nic.ip ? nic.ip : "");
	if (!live) {
		reply_nic(r, vm, &nic, NULL);
		goto out;
	}
	c = xcalloc(1, sizeof(*c));
	c->r = r;
	c->nic = nic;
	memset(&nic, 0, sizeof(nic));
	if (vm_nic_plug(vm, &c->nic, nic_plugged, c, &code, err, sizeof(err)) < 0) {
		const char *code2;
		char err2[512];

		if (net_state_apply(d, ch_nic_delete, &c->nic.id, &code2, err2, sizeof(err2)) < 0)
			log_err("VM %s: NIC %s could not be plugged and stays configured: %s",
				vm->spec.name, c->nic.mac, err2);
		nic_live_free(c);
		goto fail;
	}
	goto out;
fail:
	api_req_err(r, code, "%s", err);
out:
	free(macs);
	free(used);
	store_nic_clear(&nic);
	store_nic_list_free(all, na);
	store_net_clear(&net);
}

/* --- vm.nic.remove, vm.nic.list ------------------------------------------------------------ */

static int nic_remove_now(struct croftd *d, struct vm *vm, struct store_nic *nic,
			  const char **code, char *err, size_t errlen)
{
	if (net_state_apply(d, ch_nic_delete, &nic->id, code, err, errlen) < 0)
		return -1;
	log_info("VM %s: NIC %s removed", vm->spec.name, nic->mac);
	return 0;
}

static void nic_unplugged(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct nic_live *c = data;
	struct croftd *d = vm->d;
	const char *code2;
	char err[512];

	if (code) {
		api_req_err(c->r, code, "%s", msg);
	} else if (nic_remove_now(d, vm, &c->nic, &code2, err, sizeof(err)) < 0) {
		if (vm_is_live(vm))
			vm_nic_replug(vm, &c->nic);
		api_req_err(c->r, code2, "%s", err);
	} else {
		reply_nic(c->r, vm, &c->nic, c->fwds_removed);
	}
	nic_live_free(c);
}

void api_op_vm_nic_remove(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *mac_s = json_string_value(json_object_get(args, "mac"));
	const char *net_s = json_string_value(json_object_get(args, "net"));
	const char *code = PROTO_E_INVALID_ARGUMENT;
	struct store_nic *mine = NULL, *hit = NULL;
	struct store_fwd *fwds = NULL;
	struct store_net net = { 0 };
	struct nets ns = { 0 };
	size_t nm = 0, nf = 0, i, hits = 0;
	uint8_t mac[6], m[6];
	char err[512];
	json_t *fr = NULL;
	struct nic_live *c;
	struct vm *vm;

	if (!(vm = vm_arg(r, args, "name")))
		return;
	if (!mac_s == !net_s) {
		snprintf(err, sizeof(err), "vm.nic.remove needs either \"mac\" or \"net\" to say which NIC");
		goto fail;
	}
	if (mac_s && net_mac_parse(mac_s, mac, err, sizeof(err)) < 0)
		goto fail;
	if (net_s && net_arg(r, args, "net", &net) < 0)
		goto out;
	if (store_nic_list(d->store, vm->spec.id, 0, &mine, &nm) < 0 || nets_load(d, &ns) < 0) {
		code = PROTO_E_IO;
		snprintf(err, sizeof(err), "%s", store_last_error(d->store));
		goto fail;
	}
	for (i = 0; i < nm; i++) {
		int match = net_s ? mine[i].net_id == net.id
				  : net_mac_parse(mine[i].mac, m, NULL, 0) == 0 && !memcmp(m, mac, 6);

		if (match && !hits++)
			hit = &mine[i];
	}
	if (!hits) {
		code = PROTO_E_NOT_FOUND;
		if (mac_s)
			snprintf(err, sizeof(err), "VM %s has no NIC with MAC %s", vm->spec.name, mac_s);
		else
			snprintf(err, sizeof(err), "VM %s has no NIC on network %s", vm->spec.name, net_s);
		goto fail;
	}
	if (hits > 1) {
		snprintf(err, sizeof(err), "VM %s has %zu NICs on network %s; say which with --mac",
			 vm->spec.name, hits, net_s);
		goto fail;
	}
	if (vm->state == VM_STARTING || vm->state == VM_SHUTTING_DOWN || vm_nic_busy(vm)) {
		code = PROTO_E_INVALID_STATE;
		snprintf(err, sizeof(err), vm_nic_busy(vm)
			 ? "VM '%s' is busy with another NIC change; try again when it is done"
			 : "VM '%s' is %s; wait for it to finish", vm->spec.name,
			 vm_state_name(vm->state));
		goto fail;
	}
	if (store_fwd_list(d->store, 0, hit->id, &fwds, &nf) < 0) {
		code = PROTO_E_IO;
		snprintf(err, sizeof(err), "%s", store_last_error(d->store));
		goto fail;
	}
	fr = json_array();
	for (i = 0; i < nf; i++) {
		const struct store_net *fn = net_by_id(&ns, fwds[i].net_id);

		json_array_append_new(fr, fwd_json(d, &fwds[i], fn ? fn->name : "?", hit));
	}
	if (!vm_is_live(vm)) {
		if (nic_remove_now(d, vm, hit, &code, err, sizeof(err)) < 0)
			goto fail;
		reply_nic(r, vm, hit, fr);
		goto out;
	}
	/* Live: nothing is unplugged unless netd can take the change after. */
	if (netd_client_ensure(d->netd, err, sizeof(err)) < 0) {
		code = PROTO_E_UNAVAILABLE;
		goto fail;
	}
	c = xcalloc(1, sizeof(*c));
	c->r = r;
	c->nic = *hit;
	memset(hit, 0, sizeof(*hit));
	c->fwds_removed = json_incref(fr);
	if (vm_nic_unplug(vm, &c->nic, nic_unplugged, c, &code, err, sizeof(err)) < 0) {
		nic_live_free(c);
		goto fail;
	}
	goto out;
fail:
	api_req_err(r, code, "%s", err);
out:
	json_decref(fr);
	store_fwd_list_free(fwds, nf);
	store_nic_list_free(mine, nm);
	store_net_clear(&net);
	nets_free(&ns);
}

void api_op_vm_nic_list(struct api_req *r, json_t *args)
{
	struct vm *vm = vm_arg(r, args, "name");

	if (!vm)
		return;
	api_req_ok(r, json_pack("{s:s,s:o}", "name", vm->spec.name, "nics", api_vm_nics_json(vm)));
}

/* --- vm.delete ------------------------------------------------------------------------ */

json_t *api_net_vm_deleting(struct croftd *d, const struct vm *vm)
{
	struct store_nic *nics = NULL;
	struct store_fwd *fwds = NULL;
	struct nets ns = { 0 };
	json_t *jn = json_array(), *jf = json_array();
	size_t nn = 0, nf = 0, i, j;

	if (store_nic_list(d->store, vm->spec.id, 0, &nics, &nn) == 0 && nn &&
	    nets_load(d, &ns) == 0) {
		for (i = 0; i < nn; i++) {
			const struct store_net *n = net_by_id(&ns, nics[i].net_id);

			json_array_append_new(jn, json_pack("{s:s,s:s}", "net", n ? n->name : "?",
							    "mac", nics[i].mac));
			if (store_fwd_list(d->store, 0, nics[i].id, &fwds, &nf) < 0)
				continue;
			for (j = 0; j < nf; j++)
				json_array_append_new(jf, fwd_json(d, &fwds[j], n ? n->name : "?",
								   &nics[i]));
			store_fwd_list_free(fwds, nf);
		}
	}
	nets_free(&ns);
	store_nic_list_free(nics, nn);
	return json_pack("{s:o,s:o}", "nics_removed", jn, "forwards_removed", jf);
}

void api_net_vm_deleted(struct croftd *d, const json_t *removed)
{
	const char *code;
	char err[NETD_TEXT_LEN];

	if (!json_array_size(json_object_get(removed, "nics_removed")))
		return;
	nets_changed(d, json_object_get(removed, "nics_removed"));
	/* The store is the truth: a netd that is down catches up when it
	 * comes back (the whole state is pushed on every connect). */
	if (!netd_client_connected(d->netd) ||
	    net_state_push(d, &code, err, sizeof(err)) < 0)
		log_warn("croft-netd has not yet removed the taps of a deleted VM%s%s",
			 netd_client_connected(d->netd) ? ": " : " (it is not running)",
			 netd_client_connected(d->netd) ? err : "");
}
