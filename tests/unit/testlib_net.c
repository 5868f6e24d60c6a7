/*
 * The fake of the network domain's side effects (testlib_net.h).  Its
 * CHECK_NET judges only what a test names (a host route, a forced
 * answer); the address rules themselves are common/addr's, tested apart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib_net.h"
#include "tests/unit/testlib.h"
#include "common/addr.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct tl_net *current;       /* for the random seam */

static const char *const vm_names[TL_NET_VMS] = { "web", "db", "app" };
static char qmp_token;               /* what a connected VM's qmp points at */

static int store_rc(struct tl_net *f, int rc, char *err, size_t errlen)
{
	if (rc < 0)
		err_set(err, errlen, "%s", store_last_error(f->st));
	return rc;
}

static int fake_nets(void *ctx, struct store_net **out, size_t *n, char *err, size_t errlen)
{
	struct tl_net *f = ctx;

	return store_rc(f, store_net_list(f->st, out, n), err, errlen);
}

static int fake_nics(void *ctx, int64_t vm_id, int64_t net_id, struct store_nic **out,
		     size_t *n, char *err, size_t errlen)
{
	struct tl_net *f = ctx;

	return store_rc(f, store_nic_list(f->st, vm_id, net_id, out, n), err, errlen);
}

static int fake_fwds(void *ctx, int64_t net_id, int64_t nic_id, struct store_fwd **out,
		     size_t *n, char *err, size_t errlen)
{
	struct tl_net *f = ctx;

	return store_rc(f, store_fwd_list(f->st, net_id, nic_id, out, n), err, errlen);
}

static int netd_reachable(struct tl_net *f, char *err, size_t errlen)
{
	if (!f->netd_down)
		return 0;
	err_set(err, errlen, "croft-netd is not running (no answer at /fake/netd.sock)");
	return -ENOTCONN;
}

static int fake_apply(void *ctx, struct net_change *ch, const char **code, char *err,
		      size_t errlen)
{
	struct tl_net *f = ctx;
	int rc;

	if ((rc = netd_reachable(f, err, errlen)) < 0) {
		*code = PROTO_E_UNAVAILABLE;
		return rc;
	}
	if (f->apply_rc) {
		*code = PROTO_E_INVALID_ARGUMENT;
		err_set(err, errlen, "netd refused the state");
		return f->apply_rc;
	}
	rc = net_change_store(f->st, ch, code, err, errlen);
	f->applies += rc == 0;
	return rc;
}

static int fake_netd_ensure(void *ctx, char *err, size_t errlen)
{
	return netd_reachable(ctx, err, errlen);
}

static int fake_check_net(void *ctx, const struct netd_net *n, char *err, size_t errlen)
{
	struct tl_net *f = ctx;
	struct in_addr route;
	uint32_t prefix;
	int rc;

	f->checks++;
	if ((rc = netd_reachable(f, err, errlen)) < 0)
		return rc;
	if (f->check_rc) {
		err_set(err, errlen, "netd: check refused");
		return f->check_rc;
	}
	if (f->host_route && n->mode != NETD_MODE_BRIDGED &&
	    addr_cidr_parse(f->host_route, &route, &prefix, NULL, 0) == 0 &&
	    addr_overlap(n->subnet, n->prefix, route, prefix)) {
		err_set(err, errlen, "subnet clashes with the host's route %s", f->host_route);
		return -EEXIST;
	}
	return 0;
}

static int fake_default_uplink(void *ctx, char *ifname, char *err, size_t errlen)
{
	struct tl_net *f = ctx;
	int rc;

	if ((rc = netd_reachable(f, err, errlen)) < 0)
		return rc;
	if (!f->default_uplink) {
		err_set(err, errlen, "no IPv4 default route");
		return -ENODEV;
	}
	snprintf(ifname, NETD_IFNAME_LEN, "%s", f->default_uplink);
	return 0;
}

static struct vm *fake_vm_by_id(void *ctx, int64_t id)
{
	struct tl_net *f = ctx;
	int i;

	for (i = 0; i < TL_NET_VMS; i++)
		if (f->vm[i].spec.id == id)
			return &f->vm[i];
	return NULL;
}

static int fake_qemu(struct tl_net *f, struct vm *vm, const struct store_nic *nic,
		     vm_done_cb cb, void *data, const char **code, char *err, size_t errlen)
{
	if (f->pending.cb)
		fail_msg("a second NIC operation while one is pending");
	if (f->qemu_rc) {
		*code = PROTO_E_QEMU;
		err_set(err, errlen, "QEMU refused");
		return f->qemu_rc;
	}
	f->pending.cb = cb;
	f->pending.data = data;
	f->pending.vm = vm;
	f->pending.nic_id = nic->id;
	return 0;
}

static int fake_plug(void *ctx, struct vm *vm, const struct store_nic *nic, vm_done_cb cb,
		     void *data, const char **code, char *err, size_t errlen)
{
	struct tl_net *f = ctx;

	f->plugs++;
	return fake_qemu(f, vm, nic, cb, data, code, err, errlen);
}

static int fake_unplug(void *ctx, struct vm *vm, const struct store_nic *nic, vm_done_cb cb,
		       void *data, const char **code, char *err, size_t errlen)
{
	struct tl_net *f = ctx;

	f->unplugs++;
	return fake_qemu(f, vm, nic, cb, data, code, err, errlen);
}

static void fake_replug(void *ctx, struct vm *vm, const struct store_nic *nic)
{
	struct tl_net *f = ctx;

	(void)vm;
	if (f->replugs < (int)(sizeof(f->replugged) / sizeof(f->replugged[0])))
		f->replugged[f->replugs] = nic->id;
	f->replugs++;
}

static int fake_random(void *buf, size_t len)
{
	struct tl_net *f = current;
	uint8_t *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = f->rnd_off < f->rnd_len ? f->rnd[f->rnd_off++] : (uint8_t)++f->rnd_count;
	return 0;
}

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return tl_clock_ms() / 1000;
}

static const struct net_sys fake_sys = {
	.nets = fake_nets,
	.nics = fake_nics,
	.fwds = fake_fwds,
	.apply = fake_apply,
	.netd_ensure = fake_netd_ensure,
	.check_net = fake_check_net,
	.default_uplink = fake_default_uplink,
	.vm_by_id = fake_vm_by_id,
	.plug = fake_plug,
	.unplug = fake_unplug,
	.replug = fake_replug,
	.random = fake_random,
	.now = fake_now,
};

int tl_net_setup(void **state)
{
	struct tl_net *f = xcalloc(1, sizeof(*f));
	int i;

	if (!(f->dir = tl_tmpdir("net"))) {
		free(f);
		return -1;
	}
	f->st = tl_store_open_or_fail(f->dir);
	for (i = 0; i < TL_NET_VMS; i++) {
		f->vm[i].spec.id = tl_store_vm_or_fail(f->st, vm_names[i]);
		f->vm[i].spec.name = xstrdup(vm_names[i]);
		f->vm[i].state = VM_STOPPED;
		f->vm[i].pidfd = -1;
	}
	f->default_uplink = "eth0";
	f->env.sys = &fake_sys;
	f->env.ctx = f;
	current = f;
	*state = f;
	return 0;
}

int tl_net_teardown(void **state)
{
	struct tl_net *f = *state;
	int i;

	for (i = 0; i < TL_NET_VMS; i++)
		store_vm_clear(&f->vm[i].spec);
	store_close(f->st);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	current = NULL;
	return 0;
}

void tl_net_vm_live(struct tl_net *f, int i, enum vm_state s, int qmp)
{
	f->vm[i].state = s;
	f->vm[i].pid = 4242 + i;
	f->vm[i].qmp = qmp ? (struct qmp *)(void *)&qmp_token : NULL;
}

void tl_net_finish(struct tl_net *f, const char *code, const char *msg)
{
	vm_done_cb cb = f->pending.cb;
	void *data = f->pending.data;
	struct vm *vm = f->pending.vm;

	if (!cb)
		fail_msg("no NIC operation is pending");
	memset(&f->pending, 0, sizeof(f->pending));
	cb(vm, code, msg, data);
}

size_t tl_net_count_nets(struct tl_net *f)
{
	struct store_net *v = NULL;
	size_t n = 0;

	assert_int_equal(store_net_list(f->st, &v, &n), 0);
	store_net_list_free(v, n);
	return n;
}

size_t tl_net_count_nics(struct tl_net *f, int64_t vm_id, int64_t net_id)
{
	struct store_nic *v = NULL;
	size_t n = 0;

	assert_int_equal(store_nic_list(f->st, vm_id, net_id, &v, &n), 0);
	store_nic_list_free(v, n);
	return n;
}

size_t tl_net_count_fwds(struct tl_net *f, int64_t net_id)
{
	struct store_fwd *v = NULL;
	size_t n = 0;

	assert_int_equal(store_fwd_list(f->st, net_id, 0, &v, &n), 0);
	store_fwd_list_free(v, n);
	return n;
}
