/*
 * Guest NICs: the rules of a new NIC (its network, a MAC given or made up
 * and unique across every VM, VLAN and rate, an address pinned or handed
 * out on nat and host-only networks, or pinned under the bridged rules),
 * which NIC a removal means, and the order of the steps on a live VM.
 * See net.h.
 *
 * A NIC is in the store and netd's state (its tap exists) before QEMU gets
 * it, and leaves them only after QEMU let go of it: a failed plug takes
 * the NIC back out, a failed removal after the unplug plugs it back.  The
 * VM's own operation (vm_nic.c, behind net_sys) allows one NIC change per
 * VM at a time.
 */
#include "core/net.h"
#include "core/vm_nic.h"
#include "common/addr.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A NIC change that may finish later. */
struct nic_op {
	struct net_env env;
	struct store_nic nic;
	struct store_fwd *fwds;      /* remove: the forwards that go with it */
	size_t nf;
	net_nic_done_fn done;
	void *data;
};

static struct nic_op *op_new(const struct net_env *env, net_nic_done_fn done, void *data)
{
	struct nic_op *op = xcalloc(1, sizeof(*op));

	op->env = *env;
	op->done = done;
	op->data = data;
	return op;
}

static void op_free(struct nic_op *op)
{
	store_nic_clear(&op->nic);
	store_fwd_list_free(op->fwds, op->nf);
	free(op);
}

/* Answer the op with its NIC and free it. */
static void op_done(struct nic_op *op, struct vm *vm)
{
	struct net_nic_result res = { vm, &op->nic, op->fwds, op->nf };

	op->done(op->data, NULL, NULL, &res);
	op_free(op);
}

static void op_fail(struct nic_op *op, const char *code, const char *msg)
{
	op->done(op->data, code, msg, NULL);
	op_free(op);
}

/* Not in the middle of something that a NIC change would disturb. */
static int vm_settled(const struct vm *vm, int refuse_live_crashed, const char **code,
		      char *err, size_t errlen)
{
	if (vm->state != VM_STARTING && vm->state != VM_SHUTTING_DOWN && !vm_nic_busy(vm) &&
	    !(refuse_live_crashed && vm_is_live(vm) && vm->state == VM_CRASHED))
		return 0;
	*code = PROTO_E_INVALID_STATE;
	err_set(err, errlen, vm_nic_busy(vm)
		? "VM '%s' is busy with another NIC change; try again when it is done"
		: "VM '%s' is %s; wait for it to finish", vm->spec.name, vm_state_name(vm->state));
	return -EBUSY;
}

/* --- adding ----------------------------------------------------------------------- */

static int int_arg(int given, long long v, long long lo, long long hi, const char *what,
		   uint32_t *out, char *err, size_t errlen)
{
	*out = 0;
	if (!given)
		return 0;
	if (v < lo || v > hi) {
		err_set(err, errlen, "%s must be between %lld and %lld, not %lld", what, lo, hi, v);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* The request's values by themselves: VLAN, rate, MAC and address. */
static int add_args(const struct net_nic_add_req *req, const struct netd_net *nn,
		    struct store_nic *nic, uint8_t mac[6], struct in_addr *addr,
		    char *err, size_t errlen)
{
	if (int_arg(req->has_vlan, req->vlan, 1, NET_VLAN_MAX, "VLAN", &nic->vlan,
		    err, errlen) < 0 ||
	    int_arg(req->has_rate, req->rate, 1, NET_RATE_MAX_MBIT, "rate (Mbit/s)",
		    &nic->rate_mbit, err, errlen) < 0)
		return -EINVAL;
	if (nic->vlan && nn->mode != NETD_MODE_BRIDGED) {
		err_set(err, errlen, "VLANs need a bridged network; %s is %s", req->net->name,
			req->net->mode);
		return -EINVAL;
	}
	if (req->mac && addr_mac_parse(req->mac, mac, err, errlen) < 0)
		return -EINVAL;
	if (req->ip && addr_parse("address", req->ip, addr, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

/* The MAC given, unless another NIC has it, or a fresh one. */
static int add_mac(const struct net_env *env, const struct net_nic_add_req *req,
		   const struct store_nic *all, size_t na, uint8_t mac[6],
		   const char **code, char *err, size_t errlen)
{
	uint8_t (*macs)[6] = xcalloc(na + 1, sizeof(*macs));
	char buf[ADDR_MAC_STRLEN];
	size_t i;
	int rc = 0;

	for (i = 0; i < na; i++)
		addr_mac_parse(all[i].mac, macs[i], NULL, 0);
	for (i = 0; req->mac && i < na; i++) {
		if (!memcmp(macs[i], mac, 6)) {
			*code = PROTO_E_ALREADY_EXISTS;
			err_set(err, errlen, "MAC %s is already used by VM %s",
				addr_mac_str(mac, buf), net_vm_name(env, all[i].vm_id));
			rc = -EEXIST;
			goto out;
		}
	}
	if (!req->mac &&
	    (rc = net_mac_generate(mac, (const uint8_t (*)[6])macs, na, env->sys->random,
				   err, errlen)) < 0)
		*code = PROTO_E_INTERNAL;
out:
	free(macs);
	return rc;
}

/* The address given, unless another NIC of the network has it, or the
 * first free one on nat and host-only networks. */
static int add_addr(const struct net_env *env, const struct net_nic_add_req *req,
		    const struct netd_net *nn, const struct store_nic *all, size_t na,
		    struct in_addr *addr, const char **code, char *err, size_t errlen)
{
	struct in_addr *used = xcalloc(na + 1, sizeof(*used));
	size_t i, nused = 0;
	int rc = 0;

	for (i = 0; i < na; i++) {
		if (all[i].net_id != req->net->id || !all[i].ip ||
		    addr_parse("address", all[i].ip, &used[nused], NULL, 0) < 0)
			continue;
		if (req->ip && used[nused].s_addr == addr->s_addr) {
			*code = PROTO_E_ALREADY_EXISTS;
			err_set(err, errlen, "address %s is already used by VM %s on network %s",
				req->ip, net_vm_name(env, all[i].vm_id), req->net->name);
			rc = -EEXIST;
			goto out;
		}
		nused++;
	}
	if (nn->mode == NETD_MODE_BRIDGED)
		rc = req->ip ? addr_guest_check(*addr, err, errlen) : 0;
	else if (req->ip)
		rc = addr_host_check(nn, *addr, err, errlen);
	else if ((rc = net_ip_alloc(nn, used, nused, addr, err, errlen)) < 0)
		*code = PROTO_E_INVALID_STATE;
out:
	free(used);
	return rc;
}

/* Build the new NIC in *nic from the request and the NICs there are. */
static int add_rules(const struct net_env *env, const struct net_nic_add_req *req,
		     struct store_nic *nic, const char **code, char *err, size_t errlen)
{
	struct store_nic *all = NULL;
	struct netd_net nn;
	struct in_addr addr = { 0 };
	uint8_t mac[6];
	char buf[ADDR_MAC_STRLEN > ADDR_STRLEN ? ADDR_MAC_STRLEN : ADDR_STRLEN];
	size_t na = 0, i, mine = 0;
	int rc;

	if ((rc = net_from_store(req->net, &nn, err, errlen)) < 0) {
		*code = PROTO_E_INTERNAL;
		return rc;
	}
	if ((rc = add_args(req, &nn, nic, mac, &addr, err, errlen)) < 0)
		return rc;
	if ((rc = env->sys->nics(env->ctx, 0, 0, &all, &na, err, errlen)) < 0) {
		*code = PROTO_E_IO;
		return rc;
	}
	for (i = 0; i < na; i++)
		mine += all[i].vm_id == req->vm->spec.id;
	if (mine >= NET_NICS_PER_VM_MAX) {
		err_set(err, errlen, "VM '%s' already has %zu NICs, the most a VM can have",
			req->vm->spec.name, mine);
		rc = -ENOSPC;
		goto out;
	}
	if ((rc = add_mac(env, req, all, na, mac, code, err, errlen)) < 0 ||
	    (rc = add_addr(env, req, &nn, all, na, &addr, code, err, errlen)) < 0)
		goto out;
	nic->vm_id = req->vm->spec.id;
	nic->net_id = req->net->id;
	nic->mac = xstrdup(addr_mac_str(mac, buf));
	nic->ip = addr.s_addr ? xstrdup(addr_str(addr, buf)) : NULL;
out:
	store_nic_list_free(all, na);
	return rc;
}

/* A live VM must be able to take the NIC now. */
static int add_live_ready(const struct vm *vm, const char **code, char *err, size_t errlen)
{
	if (vm->state != VM_RUNNING && vm->state != VM_PAUSED) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' is %s", vm->spec.name, vm_state_name(vm->state));
		return -EBUSY;
	}
	if (!vm->qmp) {
		*code = PROTO_E_QEMU;
		err_set(err, errlen, "cannot add a NIC to VM '%s': croftd is not connected to its QMP socket (retrying)",
			vm->spec.name);
		return -ENOTCONN;
	}
	return 0;
}

/* Take a NIC that QEMU did not get back out of the store and netd. */
static void add_take_back(const struct net_env *env, const struct vm *vm,
			  const struct store_nic *nic)
{
	struct net_change ch = { .op = NET_CHANGE_NIC_DELETE, .id = nic->id };
	const char *code;
	char err[512];

	if (env->sys->apply(env->ctx, &ch, &code, err, sizeof(err)) < 0)
		log_err("VM %s: NIC %s could not be plugged and stays configured: %s",
			vm->spec.name, nic->mac, err);
}

static void add_plugged(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct nic_op *op = data;

	if (!code) {
		op_done(op, vm);
		return;
	}
	add_take_back(&op->env, vm, &op->nic);
	op_fail(op, code, msg);
}

int net_nic_add(const struct net_env *env, const struct net_nic_add_req *req,
		net_nic_done_fn done, void *data, const char **code, char *err, size_t errlen)
{
	struct nic_op *op = op_new(env, done, data);
	struct net_change ch = { .op = NET_CHANGE_NIC_ADD, .nic = &op->nic };
	struct vm *vm = req->vm;
	int rc, live = vm_is_live(vm);

	*code = PROTO_E_INVALID_ARGUMENT;
	if ((rc = vm_settled(vm, 1, code, err, errlen)) < 0 ||
	    (rc = add_rules(env, req, &op->nic, code, err, errlen)) < 0 ||
	    (live && (rc = add_live_ready(vm, code, err, errlen)) < 0) ||
	    (rc = env->sys->apply(env->ctx, &ch, code, err, errlen)) < 0)
		goto fail;
	log_info("VM %s: NIC %s added on network %s%s%s", vm->spec.name, op->nic.mac,
		 req->net->name, op->nic.ip ? ", address " : "", op->nic.ip ? op->nic.ip : "");
	if (!live) {
		op_done(op, vm);
		return 0;
	}
	if ((rc = env->sys->plug(env->ctx, vm, &op->nic, add_plugged, op, code, err, errlen)) < 0) {
		add_take_back(env, vm, &op->nic);
		goto fail;
	}
	return 0;
fail:
	op_free(op);
	return rc;
}

/* --- removing ---------------------------------------------------------------------- */

/* The one NIC of the VM the request means, moved into *out. */
static int remove_which(const struct net_env *env, const struct net_nic_remove_req *req,
			struct store_nic *out, const char **code, char *err, size_t errlen)
{
	const char *vm = req->vm->spec.name;
	struct store_nic *mine = NULL, *hit = NULL;
	uint8_t mac[6], m[6];
	size_t nm = 0, i, hits = 0;
	int rc;

	if (!req->mac == !req->net) {
		err_set(err, errlen, "vm.nic.remove needs either \"mac\" or \"net\" to say which NIC");
		return -EINVAL;
	}
	if (req->mac && (rc = addr_mac_parse(req->mac, mac, err, errlen)) < 0)
		return rc;
	if ((rc = env->sys->nics(env->ctx, req->vm->spec.id, 0, &mine, &nm, err, errlen)) < 0) {
		*code = PROTO_E_IO;
		return rc;
	}
	for (i = 0; i < nm; i++) {
		int match = req->net ? mine[i].net_id == req->net->id
				     : addr_mac_parse(mine[i].mac, m, NULL, 0) == 0 && !memcmp(m, mac, 6);

		if (match && !hits++)
			hit = &mine[i];
	}
	rc = hits == 1 ? 0 : hits ? -EINVAL : -ENOENT;
	if (!hits) {
		*code = PROTO_E_NOT_FOUND;
		if (req->mac)
			err_set(err, errlen, "VM %s has no NIC with MAC %s", vm, req->mac);
		else
			err_set(err, errlen, "VM %s has no NIC on network %s", vm, req->net->name);
	} else if (hits > 1) {
		err_set(err, errlen, "VM %s has %zu NICs on network %s; say which with --mac",
			vm, hits, req->net->name);
	} else {
		*out = *hit;
		memset(hit, 0, sizeof(*hit));
	}
	store_nic_list_free(mine, nm);
	return rc;
}

static int remove_now(struct nic_op *op, const struct vm *vm, const char **code,
		      char *err, size_t errlen)
{
	struct net_change ch = { .op = NET_CHANGE_NIC_DELETE, .id = op->nic.id };
	int rc = op->env.sys->apply(op->env.ctx, &ch, code, err, errlen);

	if (rc == 0)
		log_info("VM %s: NIC %s removed", vm->spec.name, op->nic.mac);
	return rc;
}

static void remove_unplugged(struct vm *vm, const char *code, const char *msg, void *data)
{
	struct nic_op *op = data;
	char err[512];

	if (code) {
		op_fail(op, code, msg);
	} else if (remove_now(op, vm, &code, err, sizeof(err)) < 0) {
		if (vm_is_live(vm))
			op->env.sys->replug(op->env.ctx, vm, &op->nic);
		op_fail(op, code, err);
	} else {
		op_done(op, vm);
	}
}

int net_nic_remove(const struct net_env *env, const struct net_nic_remove_req *req,
		   net_nic_done_fn done, void *data, const char **code, char *err, size_t errlen)
{
	struct nic_op *op = op_new(env, done, data);
	struct vm *vm = req->vm;
	int rc;

	*code = PROTO_E_INVALID_ARGUMENT;
	if ((rc = remove_which(env, req, &op->nic, code, err, errlen)) < 0 ||
	    (rc = vm_settled(vm, 0, code, err, errlen)) < 0)
		goto fail;
	if ((rc = env->sys->fwds(env->ctx, 0, op->nic.id, &op->fwds, &op->nf, err, errlen)) < 0) {
		*code = PROTO_E_IO;
		goto fail;
	}
	if (!vm_is_live(vm)) {
		if ((rc = remove_now(op, vm, code, err, errlen)) < 0)
			goto fail;
		op_done(op, vm);
		return 0;
	}
	/* Live: nothing is unplugged unless netd can take the change after. */
	if ((rc = env->sys->netd_ensure(env->ctx, err, errlen)) < 0) {
		*code = PROTO_E_UNAVAILABLE;
		goto fail;
	}
	if ((rc = env->sys->unplug(env->ctx, vm, &op->nic, remove_unplugged, op,
				   code, err, errlen)) < 0)
		goto fail;
	return 0;
fail:
	op_free(op);
	return rc;
}
