/*
 * The net.* and vm.nic.* ops.  The network and the VM an op names are
 * resolved before its handler runs (ARG_NET, ARG_VM in the table at the
 * end).  Each handler parses the other arguments into a request of the
 * network domain (net.h), which holds every rule and makes the change, and
 * renders the result as JSON with the events that go with it.  Ops that
 * finish later (a NIC change on a running VM, net.delete --force) answer
 * from the domain's completion callback.
 */
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/host_ports.h"
#include "core/model.h"
#include "core/net.h"
#include "core/netd_client.h"
#include "core/vm.h"
#include "common/addr.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- lookups -------------------------------------------------------------------- */

static const char *vm_name_by_id(struct croftd *d, int64_t id)
{
	struct net_env env;

	net_env_daemon(&env, d);
	return net_vm_name(&env, id);
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

/* A boolean argument: 1, 0, or -1 when absent or null. */
static int arg_tristate(json_t *args, const char *key)
{
	json_t *v = json_object_get(args, key);

	return !v || json_is_null(v) ? -1 : json_is_true(v);
}

/* The request's argument key, when it is a string. */
static const char *arg_str(json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

/* --- JSON ------------------------------------------------------------------------ */

static json_t *uint_or_null(uint32_t v)
{
	return v ? json_integer(v) : json_null();
}

static json_t *nic_model_json(const struct model_nic *n)
{
	char tap[NETD_IFNAME_LEN], ip[INET_ADDRSTRLEN];

	return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:s,s:s}",
			 "net", n->net, "mac", n->mac,
			 "ip", n->lease.s_addr ? json_string(addr_str(n->lease, ip)) : json_null(),
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
	return json_pack("{s:s,s:s,s:I,s:s,s:I,s:s?}", "net", net, "proto", f->proto,
			 "host_port", (json_int_t)f->host_port,
			 "vm", nic ? vm_name_by_id(d, nic->vm_id) : "?",
			 "port", (json_int_t)f->guest_port,
			 "address", nic ? nic->ip : NULL);
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
		json_array_append_new(jn, json_pack("{s:s,s:s,s:s?}",
						    "vm", vm_name_by_id(d, nics[i].vm_id),
						    "mac", nics[i].mac,
						    "address", nics[i].ip));
	for (i = 0; i < nf; i++)
		json_array_append_new(jf, fwd_json(d, &fwds[i], n->name,
						   nic_by_id(nics, nn, fwds[i].nic_id)));
	if (n->subnet)
		cidr = xasprintf("%s/%u", n->subnet, n->prefix);
	o = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:s,s:b,s:I,s:o,s:o}",
		      "name", n->name, "mode", n->mode, "subnet", cidr, "gateway", n->gateway,
		      "dhcp_first", n->dhcp_first, "dhcp_last", n->dhcp_last, "uplink", n->uplink,
		      "bridge", netd_bridge_name((uint32_t)n->id, tap),
		      "host_access", n->host_access != 0,
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

/* --- net.create ---------------------------------------------------------------------- */

static void op_net_create(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct net_create_req req = {
		.name = arg_str(args, "name"),
		.mode = arg_str(args, "mode"),
		.subnet = arg_str(args, "subnet"),
		.uplink = arg_str(args, "uplink"),
		.dhcp_range = arg_str(args, "dhcp_range"),
		.host_access = arg_tristate(args, "host_access"),
	};
	struct net_env env;
	struct store_net sn;
	const char *code;
	char err[1024];

	net_env_daemon(&env, d);
	if (net_create(&env, &req, &sn, &code, err, sizeof(err)) < 0) {
		api_req_err(r, code, "%s", err);
		return;
	}
	bus_publish(d->bus, "net.created", sn.name, 0, json_pack("{s:s}", "name", sn.name),
		    "network %s: created (%s%s%s%s%s)", sn.name, sn.mode,
		    sn.subnet ? ", " : "", sn.subnet ? sn.subnet : "",
		    sn.uplink ? ", uplink " : "", sn.uplink ? sn.uplink : "");
	api_req_ok(r, net_json(d, &sn));
	store_net_clear(&sn);
}

/* --- net.edit --------------------------------------------------------------------------- */

static void op_net_edit(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct net_edit_req req = { .host_access = arg_tristate(args, "host_access") };
	struct store_net sn = *api_req_net(r);     /* strings borrowed */
	int was = sn.host_access;
	struct net_env env;
	const char *code;
	char err[1024];

	net_env_daemon(&env, d);
	if (net_edit(&env, &sn, &req, &code, err, sizeof(err)) < 0) {
		api_req_err(r, code, "%s", err);
		return;
	}
	if (sn.host_access != was)
		bus_publish(d->bus, "net.changed", sn.name, 0, json_pack("{s:s}", "name", sn.name),
			    "network %s: host access %s", sn.name, sn.host_access ? "on" : "off");
	api_req_ok(r, net_json(d, &sn));
}

/* --- net.list, net.info ------------------------------------------------------------- */

static void op_net_list(struct api_req *r, json_t *args)
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

static void op_net_info(struct api_req *r, json_t *args)
{
	(void)args;
	api_req_ok(r, net_json(api_req_daemon(r), api_req_net(r)));
}

/* --- net.delete -------------------------------------------------------------------------- */

/* {"name","nics_removed","forwards_removed"}, after net.deleted and a
 * vm.changed for each VM that lost a NIC. */
static void net_deleted(void *data, const char *code, const char *msg,
			const struct net_delete_result *res)
{
	struct api_req *r = data;
	struct croftd *d = api_req_daemon(r);
	const char *net = res ? res->net->name : NULL;
	json_t *nics, *fwds;
	size_t i, j;

	if (code) {
		api_req_err(r, code, "%s", msg);
		return;
	}
	nics = json_array();
	fwds = json_array();
	for (i = 0; i < res->n_nics; i++)
		json_array_append_new(nics, json_pack("{s:s,s:s}", "vm",
						      vm_name_by_id(d, res->nics[i].vm_id),
						      "mac", res->nics[i].mac));
	for (i = 0; i < res->n_fwds; i++)
		json_array_append_new(fwds, fwd_json(d, &res->fwds[i], net,
						     nic_by_id(res->nics, res->n_nics,
							       res->fwds[i].nic_id)));
	bus_publish(d->bus, "net.deleted", net, 0, json_pack("{s:s}", "name", net),
		    "network %s: deleted%s", net, res->n_nics ? " with its NICs" : "");
	for (i = 0; i < res->n_nics; i++) {
		const char *vm = vm_name_by_id(d, res->nics[i].vm_id);

		for (j = 0; j < i && res->nics[j].vm_id != res->nics[i].vm_id; j++)
			;
		if (j == i)
			bus_publish(d->bus, "vm.changed", vm, 0, json_pack("{s:s}", "name", vm),
				    "VM %s: NIC on network %s removed", vm, net);
	}
	api_req_ok(r, json_pack("{s:s,s:o,s:o}", "name", net, "nics_removed", nics,
				"forwards_removed", fwds));
}

static void op_net_delete(struct api_req *r, json_t *args)
{
	struct net_env env;
	struct store_net net;
	const char *code;
	char err[1024];

	api_req_net_take(r, &net);
	net_env_daemon(&env, api_req_daemon(r));
	if (net_delete(&env, &net, json_is_true(json_object_get(args, "force")), net_deleted, r,
		       &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
}

/* --- forwards ------------------------------------------------------------------------- */

/* A forward takes its port from whatever host service listens there:
 * say so (the forward is made all the same, as the admin asked). */
static void fwd_warning(const struct store_fwd *f, const char *vm, char *out, size_t len)
{
	char addr[64];

	if (host_ports_listening("/proc", !strcmp(f->proto, "udp"), f->host_port, addr, sizeof(addr)))
		snprintf(out, len, "a service of the host listens on %s port %u (%s); the forward now takes that port's connections to %s",
			 f->proto, f->host_port, addr, vm);
}

/* net.forward.add (add 1) and net.forward.remove: the forward object
 * (with "warning" when the port was a host service's), after
 * net.changed. */
static void fwd_op(struct api_req *r, json_t *args, int add)
{
	struct croftd *d = api_req_daemon(r);
	const struct store_net *net = api_req_net(r);
	struct net_fwd_req req = {
		.net = net,
		.vm = api_req_vm(r),
		.proto = arg_str(args, "proto"),
		.host_port = json_integer_value(json_object_get(args, "host_port")),
		.port = json_integer_value(json_object_get(args, "port")),
	};
	struct net_fwd_result res;
	struct net_env env;
	const char *code;
	char err[1024], what[256] = "no longer forwarded", warning[256] = "";
	json_t *out;

	net_env_daemon(&env, d);
	if ((add ? net_fwd_add(&env, &req, &res, &code, err, sizeof(err))
		 : net_fwd_remove(&env, &req, &res, &code, err, sizeof(err))) < 0) {
		api_req_err(r, code, "%s", err);
		return;
	}
	if (add)
		snprintf(what, sizeof(what), "forwarded to %s:%u (%s)", req.vm->spec.name,
			 res.fwd.guest_port, res.nic.ip);
	if (add)
		fwd_warning(&res.fwd, req.vm->spec.name, warning, sizeof(warning));
	bus_publish(d->bus, "net.changed", net->name, 0, json_pack("{s:s}", "name", net->name),
		    "network %s: %s port %u %s%s%s", net->name, res.fwd.proto, res.fwd.host_port,
		    what, warning[0] ? "; warning: " : "", warning);
	out = fwd_json(d, &res.fwd, net->name, res.nic.id ? &res.nic : NULL);
	if (warning[0])
		json_object_set_new(out, "warning", json_string(warning));
	api_req_ok(r, out);
	net_fwd_result_clear(&res);
}

static void op_net_forward_add(struct api_req *r, json_t *args)
{
	fwd_op(r, args, 1);
}

static void op_net_forward_remove(struct api_req *r, json_t *args)
{
	fwd_op(r, args, 0);
}

static void op_net_forward_list(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	struct store_net net;
	struct store_fwd *fwds = NULL;
	struct store_nic *nics = NULL;
	size_t nf = 0, nn = 0, i;
	json_t *arr;

	(void)args;
	api_req_net_take(r, &net);
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

/* --- vm.nic.add, vm.nic.remove, vm.nic.list ---------------------------------------------- */

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
static void reply_nic(struct api_req *r, const struct net_nic_result *res, int removed)
{
	struct croftd *d = api_req_daemon(r);
	const char *vm = res->vm->spec.name;
	struct nets ns = { 0 };
	json_t *out, *changed = json_array(), *fwds = json_array();
	size_t i;

	nets_load(d, &ns);
	for (i = 0; i < res->n_fwds; i++) {
		const struct store_net *fn = net_by_id(&ns, res->fwds[i].net_id);

		json_array_append_new(fwds, fwd_json(d, &res->fwds[i], fn ? fn->name : "?",
						     res->nic));
	}
	out = json_pack("{s:s,s:o}", "name", vm, "nic", nic_json(d, res->nic, &ns));
	nets_free(&ns);
	json_array_append(changed, json_object_get(out, "nic"));
	json_array_extend(changed, fwds);
	if (removed)
		json_object_set(out, "forwards_removed", fwds);
	bus_publish(d->bus, "vm.changed", vm, BUS_QUIET, json_pack("{s:s}", "name", vm),
		    "VM %s: NICs changed", vm);
	nets_changed(d, changed);
	json_decref(changed);
	json_decref(fwds);
	api_req_ok(r, out);
}

static void nic_added(void *data, const char *code, const char *msg,
		      const struct net_nic_result *res)
{
	if (code)
		api_req_err(data, code, "%s", msg);
	else
		reply_nic(data, res, 0);
}

static void nic_removed(void *data, const char *code, const char *msg,
			const struct net_nic_result *res)
{
	if (code)
		api_req_err(data, code, "%s", msg);
	else
		reply_nic(data, res, 1);
}

static void op_vm_nic_add(struct api_req *r, json_t *args)
{
	json_t *vlan = json_object_get(args, "vlan"), *rate = json_object_get(args, "rate");
	struct net_nic_add_req req = {
		.mac = arg_str(args, "mac"),
		.ip = arg_str(args, "ip"),
		.has_vlan = json_is_integer(vlan),
		.vlan = json_integer_value(vlan),
		.has_rate = json_is_integer(rate),
		.rate = json_integer_value(rate),
		.vm = api_req_vm(r),
		.net = api_req_net(r),
	};
	struct net_env env;
	const char *code;
	char err[1024];

	net_env_daemon(&env, api_req_daemon(r));
	if (net_nic_add(&env, &req, nic_added, r, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
}

static void op_vm_nic_remove(struct api_req *r, json_t *args)
{
	struct net_nic_remove_req req = {
		.vm = api_req_vm(r),
		.mac = arg_str(args, "mac"),
		.net = api_req_net(r),
	};
	struct net_env env;
	const char *code;
	char err[1024];

	net_env_daemon(&env, api_req_daemon(r));
	if (net_nic_remove(&env, &req, nic_removed, r, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
}

static void op_vm_nic_list(struct api_req *r, json_t *args)
{
	struct vm *vm = api_req_vm(r);

	(void)args;
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

/* --- the table ------------------------------------------------------------------------ */

static const struct api_arg args_net_create[] = {
	{ "name", ARG_STRING, ARG_REQUIRED },
	{ "mode", ARG_STRING, ARG_REQUIRED },
	{ "subnet", ARG_STRING, ARG_NULLABLE },
	{ "uplink", ARG_STRING, ARG_NULLABLE },
	{ "dhcp_range", ARG_STRING, ARG_NULLABLE },
	{ "host_access", ARG_BOOL, ARG_NULLABLE },
	{ NULL, 0, 0 } };
static const struct api_arg args_net_edit[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_NET },
	{ "host_access", ARG_BOOL, ARG_NULLABLE },
	{ NULL, 0, 0 } };
static const struct api_arg args_net_name[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_NET }, { NULL, 0, 0 } };
static const struct api_arg args_net_delete[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_NET },
	{ "force", ARG_BOOL, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_net[] = {
	{ "net", ARG_STRING, ARG_REQUIRED | ARG_NET }, { NULL, 0, 0 } };
static const struct api_arg args_fwd_add[] = {
	{ "net", ARG_STRING, ARG_REQUIRED | ARG_NET },
	{ "proto", ARG_STRING, ARG_REQUIRED },
	{ "host_port", ARG_INT, ARG_REQUIRED },
	{ "vm", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "port", ARG_INT, ARG_REQUIRED },
	{ NULL, 0, 0 } };
static const struct api_arg args_fwd_remove[] = {
	{ "net", ARG_STRING, ARG_REQUIRED | ARG_NET },
	{ "proto", ARG_STRING, ARG_REQUIRED },
	{ "host_port", ARG_INT, ARG_REQUIRED },
	{ NULL, 0, 0 } };
static const struct api_arg args_nic_add[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "net", ARG_STRING, ARG_REQUIRED | ARG_NET },
	{ "mac", ARG_STRING, ARG_NULLABLE },
	{ "vlan", ARG_INT, ARG_NULLABLE },
	{ "rate", ARG_INT, ARG_NULLABLE },
	{ "ip", ARG_STRING, ARG_NULLABLE },
	{ NULL, 0, 0 } };
static const struct api_arg args_nic_remove[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "mac", ARG_STRING, 0 },
	{ "net", ARG_STRING, ARG_NET },
	{ NULL, 0, 0 } };

const struct api_op api_net_ops[] = {
	{ "net.create",         op_net_create,         args_net_create,  0 },
	{ "net.list",           op_net_list,           api_args_none,    API_OP_READ },
	{ "net.info",           op_net_info,           args_net_name,    API_OP_READ },
	{ "net.edit",           op_net_edit,           args_net_edit,    0 },
	{ "net.delete",         op_net_delete,         args_net_delete,  0 },
	{ "net.forward.add",    op_net_forward_add,    args_fwd_add,     0 },
	{ "net.forward.list",   op_net_forward_list,   args_net,         API_OP_READ },
	{ "net.forward.remove", op_net_forward_remove, args_fwd_remove,  0 },
	{ "vm.nic.add",         op_vm_nic_add,         args_nic_add,     0 },
	{ "vm.nic.remove",      op_vm_nic_remove,      args_nic_remove,  0 },
	{ "vm.nic.list",        op_vm_nic_list,        api_args_vm_name, API_OP_READ },
	{ NULL, NULL, NULL, 0 },
};
