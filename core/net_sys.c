/*
 * The network domain's side effects in croftd (struct net_sys of net.h):
 * the store of the daemon, its croft-netd client, its VMs and their QEMU
 * through vm_nic.c.  A change becomes one net_state_apply() transaction
 * whose store step (net_change_store) is picked from a table by the
 * change's op.
 */
#include "core/net.h"
#include "core/daemon.h"
#include "core/netd_client.h"
#include "core/vm_nic.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <time.h>

static int store_failed(struct store *st, int rc, char *err, size_t errlen)
{
	if (rc < 0)
		err_set(err, errlen, "%s", store_last_error(st));
	return rc;
}

static int sys_nets(void *ctx, struct store_net **out, size_t *n, char *err, size_t errlen)
{
	struct croftd *d = ctx;

	return store_failed(d->store, store_net_list(d->store, out, n), err, errlen);
}

static int sys_nics(void *ctx, int64_t vm_id, int64_t net_id, struct store_nic **out, size_t *n,
		    char *err, size_t errlen)
{
	struct croftd *d = ctx;

	return store_failed(d->store, store_nic_list(d->store, vm_id, net_id, out, n), err, errlen);
}

static int sys_fwds(void *ctx, int64_t net_id, int64_t nic_id, struct store_fwd **out, size_t *n,
		    char *err, size_t errlen)
{
	struct croftd *d = ctx;

	return store_failed(d->store, store_fwd_list(d->store, net_id, nic_id, out, n), err, errlen);
}

/* --- the store step of a change, by op ------------------------------------------ */

static int ch_net_add(struct store *st, const struct net_change *ch, char *err, size_t errlen)
{
	return store_net_insert(st, ch->net, err, errlen);
}

static int ch_net_delete(struct store *st, const struct net_change *ch, char *err, size_t errlen)
{
	return store_net_delete(st, ch->id, 1, err, errlen);
}

static int ch_net_edit(struct store *st, const struct net_change *ch, char *err, size_t errlen)
{
	return store_net_set_host_access(st, ch->net->id, ch->net->host_access, err, errlen);
}

static int ch_nic_add(struct store *st, const struct net_change *ch, char *err, size_t errlen)
{
	return store_nic_insert(st, ch->nic, err, errlen);
}

static int ch_nic_delete(struct store *st, const struct net_change *ch, char *err, size_t errlen)
{
	return store_failed(st, store_nic_delete(st, ch->id), err, errlen);
}

static int ch_fwd_add(struct store *st, const struct net_change *ch, char *err, size_t errlen)
{
	return store_fwd_insert(st, ch->fwd, err, errlen);
}

static int ch_fwd_delete(struct store *st, const struct net_change *ch, char *err, size_t errlen)
{
	return store_failed(st, store_fwd_delete(st, ch->id), err, errlen);
}

static int (*const change_steps[])(struct store *, const struct net_change *, char *, size_t) = {
	[NET_CHANGE_NET_ADD] = ch_net_add,
	[NET_CHANGE_NET_DELETE] = ch_net_delete,
	[NET_CHANGE_NET_EDIT] = ch_net_edit,
	[NET_CHANGE_NIC_ADD] = ch_nic_add,
	[NET_CHANGE_NIC_DELETE] = ch_nic_delete,
	[NET_CHANGE_FWD_ADD] = ch_fwd_add,
	[NET_CHANGE_FWD_DELETE] = ch_fwd_delete,
};

int net_change_store(struct store *st, const struct net_change *ch, const char **code,
		     char *err, size_t errlen)
{
	int rc = change_steps[ch->op](st, ch, err, errlen);

	if (rc < 0)
		*code = rc == -EEXIST ? PROTO_E_ALREADY_EXISTS : rc == -EINVAL ? PROTO_E_INVALID_ARGUMENT
			: rc == -ENOENT ? PROTO_E_NOT_FOUND : PROTO_E_IO;
	return rc;
}

/* A net_change_fn: ctx is the struct net_change. */
static int change_step(struct croftd *d, void *ctx, const char **code, char *err, size_t errlen)
{
	return net_change_store(d->store, ctx, code, err, errlen);
}

static int sys_apply(void *ctx, struct net_change *ch, const char **code, char *err, size_t errlen)
{
	return net_state_apply(ctx, change_step, ch, code, err, errlen);
}

/* --- croft-netd ------------------------------------------------------------------- */

static int sys_netd_ensure(void *ctx, char *err, size_t errlen)
{
	return netd_client_ensure(((struct croftd *)ctx)->netd, err, errlen);
}

static int sys_check_net(void *ctx, const struct netd_net *n, char *err, size_t errlen)
{
	return netd_client_check_net(((struct croftd *)ctx)->netd, n, err, errlen);
}

static int sys_default_uplink(void *ctx, char *ifname, char *err, size_t errlen)
{
	return netd_client_default_uplink(((struct croftd *)ctx)->netd, ifname, err, errlen);
}

/* --- VMs and QEMU ------------------------------------------------------------------ */

static struct vm *sys_vm_by_id(void *ctx, int64_t id)
{
	struct croftd *d = ctx;
	struct vm *vm;

	for (vm = d->vms; vm; vm = vm->next)
		if (!vm->deleted && vm->spec.id == id)
			return vm;
	return NULL;
}

static int sys_plug(void *ctx, struct vm *vm, const struct store_nic *nic, vm_done_cb cb,
		    void *data, const char **code, char *err, size_t errlen)
{
	(void)ctx;
	return vm_nic_plug(vm, nic, cb, data, code, err, errlen);
}

static int sys_unplug(void *ctx, struct vm *vm, const struct store_nic *nic, vm_done_cb cb,
		      void *data, const char **code, char *err, size_t errlen)
{
	(void)ctx;
	return vm_nic_unplug(vm, nic, cb, data, code, err, errlen);
}

static void sys_replug(void *ctx, struct vm *vm, const struct store_nic *nic)
{
	(void)ctx;
	vm_nic_replug(vm, nic);
}

static int64_t sys_now(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

static const struct net_sys daemon_sys = {
	.nets = sys_nets,
	.nics = sys_nics,
	.fwds = sys_fwds,
	.apply = sys_apply,
	.netd_ensure = sys_netd_ensure,
	.check_net = sys_check_net,
	.default_uplink = sys_default_uplink,
	.vm_by_id = sys_vm_by_id,
	.plug = sys_plug,
	.unplug = sys_unplug,
	.replug = sys_replug,
	.random = net_random_bytes,
	.now = sys_now,
};

void net_env_daemon(struct net_env *env, struct croftd *d)
{
	env->sys = &daemon_sys;
	env->ctx = d;
}
