/*
 * Unit tests of the network domain's guest NICs (core/net_nic.c) over the
 * fake side effects of testlib_net.h: a new NIC's MAC (given, or random
 * and unused), address (pinned, or the first free one of the DHCP range;
 * the bridged rules), VLAN and rate; every refusal with its code and
 * message and nothing changed; the VM states that refuse a change; the
 * hot-plug of a live VM and what a failed plug takes back; which NIC a
 * removal means, the forwards that go with it, and the hot-unplug with
 * its plug back when the change fails after it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "tests/unit/testlib_net.h"
#include "common/proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct nic_seen {
	int calls;
	const char *code;
	char msg[512];
	int64_t id;
	char mac[32], ip[32];
	uint32_t vlan, rate;
	size_t fwds;
};

static void nic_done(void *data, const char *code, const char *msg,
		     const struct net_nic_result *res)
{
	struct nic_seen *s = data;

	s->calls++;
	s->code = code;
	snprintf(s->msg, sizeof(s->msg), "%s", msg ? msg : "");
	if (!res)
		return;
	s->id = res->nic->id;
	snprintf(s->mac, sizeof(s->mac), "%s", res->nic->mac);
	snprintf(s->ip, sizeof(s->ip), "%s", res->nic->ip ? res->nic->ip : "");
	s->vlan = res->nic->vlan;
	s->rate = res->nic->rate_mbit;
	s->fwds = res->n_fwds;
}

/* --- adding ------------------------------------------------------------------------ */

struct add_case {
	const char *net, *mac, *ip;
	int has_vlan;
	long long vlan;
	int has_rate;
	long long rate;
	const char *code;
	const char *msg;
};

/* net_nic_add to VM vm of the stored network c->net. */
static int add(struct tl_net *f, int vm, const struct add_case *c, struct nic_seen *s,
	       const char **code, char *err, size_t errlen)
{
	struct net_nic_add_req req = { &f->vm[vm], NULL, c->mac, c->ip, c->has_vlan, c->vlan,
				       c->has_rate, c->rate };
	struct store_net n;
	int rc;

	memset(s, 0, sizeof(*s));
	assert_int_equal(store_net_get(f->st, c->net, &n), 0);
	req.net = &n;
	rc = net_nic_add(&f->env, &req, nic_done, s, code, err, errlen);
	store_net_clear(&n);
	return rc;
}

/* net_nic_add accepted it (done may be pending). */
static void add_accepted(struct tl_net *f, int vm, const struct add_case *c, struct nic_seen *s)
{
	const char *code = NULL;
	char err[512] = "";

	if (add(f, vm, c, s, &code, err, sizeof(err)) < 0)
		fail_msg("net_nic_add on %s: %s: %s", c->net, code, err);
}

/* ... and done at once. */
static void add_ok(struct tl_net *f, int vm, const struct add_case *c, struct nic_seen *s)
{
	add_accepted(f, vm, c, s);
	assert_int_equal(s->calls, 1);
	assert_null(s->code);
}

static void add_refused(struct tl_net *f, int vm, const struct add_case *c)
{
	struct nic_seen s;
	const char *code = NULL;
	char err[512] = "";
	size_t before = tl_net_count_nics(f, 0, 0);
	int applies = f->applies;

	if (add(f, vm, c, &s, &code, err, sizeof(err)) == 0)
		fail_msg("a NIC on %s was accepted; expected '%s'", c->net, c->msg);
	assert_int_equal(s.calls, 0);
	assert_string_equal(code, c->code);
	tl_assert_contains(err, c->msg);
	assert_int_equal(tl_net_count_nics(f, 0, 0), before);
	assert_int_equal(f->applies, applies);
	assert_int_equal(f->plugs, 0);
}

static void rnd_serve(struct tl_net *f, const char *bytes, size_t len)
{
	memcpy(f->rnd, bytes, len);
	f->rnd_len = len;
	f->rnd_off = 0;
}

static void test_add_defaults(void **state)
{
	struct tl_net *f = *state;
	const struct add_case c = { .net = "lan" };
	struct nic_seen s;

	tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	rnd_serve(f, "\x12\x34\x56", 3);
	add_ok(f, 0, &c, &s);
	assert_string_equal(s.mac, "52:54:00:12:34:56");
	assert_string_equal(s.ip, "10.73.0.2");
	assert_int_equal(s.vlan, 0);
	assert_int_equal(s.rate, 0);
	assert_true(s.id > 0);
	assert_int_equal(tl_net_count_nics(f, f->vm[0].spec.id, 0), 1);
	assert_int_equal(f->plugs, 0);
}

static void test_add_avoids_used_mac_and_address(void **state)
{
	struct tl_net *f = *state;
	const struct add_case c = { .net = "lan" };
	int64_t lan = tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	struct nic_seen s;

	tl_store_nic_or_fail(f->st, f->vm[1].spec.id, lan, "52:54:00:12:34:56", "10.73.0.2", 0, 0);
	/* a MAC in use, then all zero, then a free one */
	rnd_serve(f, "\x12\x34\x56\x00\x00\x00\xab\xcd\xef", 9);
	add_ok(f, 0, &c, &s);
	assert_string_equal(s.mac, "52:54:00:ab:cd:ef");
	assert_string_equal(s.ip, "10.73.0.3");
}

static void test_add_pinned_values(void **state)
{
	struct tl_net *f = *state;
	const struct add_case br = { .net = "br", .mac = "52-54-00-AA-BB-CC", .ip = "192.168.1.50",
				     .has_vlan = 1, .vlan = 42, .has_rate = 1, .rate = 100 };
	const struct add_case lan = { .net = "lan", .ip = "10.73.0.200" };
	struct nic_seen s;

	tl_store_net_or_fail(f->st, "br", "bridged", NULL, "lan1");
	tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	add_ok(f, 0, &br, &s);
	assert_string_equal(s.mac, "52:54:00:aa:bb:cc");
	assert_string_equal(s.ip, "192.168.1.50");
	assert_int_equal(s.vlan, 42);
	assert_int_equal(s.rate, 100);
	rnd_serve(f, "\x01\x02\x03", 3);
	add_ok(f, 0, &lan, &s);
	assert_string_equal(s.ip, "10.73.0.200");
}

static const struct add_case add_refusals[] = {
	{ .net = "lan", .has_vlan = 1, .vlan = 0, .code = PROTO_E_INVALID_ARGUMENT,
	  .msg = "VLAN must be between 1 and 4094, not 0" },
	{ .net = "lan", .has_rate = 1, .rate = 0, .code = PROTO_E_INVALID_ARGUMENT,
	  .msg = "rate (Mbit/s) must be between 1 and 100000, not 0" },
	{ .net = "lan", .has_vlan = 1, .vlan = 5, .code = PROTO_E_INVALID_ARGUMENT,
	  .msg = "VLANs need a bridged network; lan is nat" },
	{ .net = "lan", .mac = "zz", .code = PROTO_E_INVALID_ARGUMENT,
	  .msg = "MAC 'zz' must look like 52:54:00:12:34:56" },
	{ .net = "lan", .mac = "01:00:5e:00:00:01", .code = PROTO_E_INVALID_ARGUMENT,
	  .msg = "MAC 01:00:5e:00:00:01 is a multicast address" },
	{ .net = "lan", .mac = "00:00:00:00:00:00", .code = PROTO_E_INVALID_ARGUMENT,
	  .msg = "MAC 00:00:00:00:00:00 is all zero" },
	{ .net = "lan", .mac = "52:54:00:00:00:01", .code = PROTO_E_ALREADY_EXISTS,
	  .msg = "MAC 52:54:00:00:00:01 is already used by VM db" },
	{ .net = "lan", .ip = "x", .code = PROTO_E_INVALID_ARGUMENT,
	  .msg = "address 'x' is not an IPv4 address (e.g. 10.73.0.5)" },
	{ .net = "lan", .ip = "10.1.0.9", .code = PROTO_E_INVALID_ARGUMENT,
	  .msg = "address 10.1.0.9 is outside network lan's subnet 10.73.0.0/24" },
	{ .net = "lan", .ip = "10.73.0.1", .code = PROTO_E_INVALID_ARGUMENT,
	  .msg = "address 10.73.0.1 is network lan's gateway (the host's address on the bridge)" },
	{ .net = "lan", .ip = "10.73.0.255", .code = PROTO_E_INVALID_ARGUMENT,
	  .msg = "address 10.73.0.255 is the broadcast address of 10.73.0.0/24" },
	{ .net = "lan", .ip = "10.73.0.50", .code = PROTO_E_ALREADY_EXISTS,
	  .msg = "address 10.73.0.50 is already used by VM db on network lan" },
	{ .net = "br", .ip = "127.0.0.1", .code = PROTO_E_INVALID_ARGUMENT,
	  .msg = "address 127.0.0.1 cannot be a guest's address" },
};

static void test_add_refusals(void **state)
{
	struct tl_net *f = *state;
	int64_t lan = tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	size_t i;

	tl_store_net_or_fail(f->st, "br", "bridged", NULL, "lan1");
	tl_store_nic_or_fail(f->st, f->vm[1].spec.id, lan, "52:54:00:00:00:01", "10.73.0.50", 0, 0);
	for (i = 0; i < sizeof(add_refusals) / sizeof(add_refusals[0]); i++)
		add_refused(f, 0, &add_refusals[i]);
}

static void test_add_limits(void **state)
{
	struct tl_net *f = *state;
	const struct add_case eight = { .net = "br", .code = PROTO_E_INVALID_ARGUMENT,
		.msg = "VM 'web' already has 8 NICs, the most a VM can have" };
	const struct add_case full = { .net = "tiny", .code = PROTO_E_INVALID_STATE,
		.msg = "network tiny has no free address left in its DHCP range 10.9.0.2-10.9.0.2" };
	struct net_create_req tiny = { "tiny", "host-only", "10.9.0.0/30", NULL, NULL, 0 };
	int64_t br = tl_store_net_or_fail(f->st, "br", "bridged", NULL, "lan1");
	struct store_net n;
	const char *code;
	char err[256], mac[32];
	int i;

	for (i = 0; i < 8; i++) {
		snprintf(mac, sizeof(mac), "52:54:00:00:01:%02x", i);
		tl_store_nic_or_fail(f->st, f->vm[0].spec.id, br, mac, NULL, 0, 0);
	}
	add_refused(f, 0, &eight);
	assert_int_equal(net_create(&f->env, &tiny, &n, &code, err, sizeof(err)), 0);
	tl_store_nic_or_fail(f->st, f->vm[2].spec.id, n.id, "52:54:00:00:02:01", "10.9.0.2", 0, 0);
	store_net_clear(&n);
	add_refused(f, 1, &full);
}

static void test_add_vm_states(void **state)
{
	struct tl_net *f = *state;
	struct add_case c = { .net = "lan", .code = PROTO_E_INVALID_STATE };
	int nic_op_token;

	tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	f->vm[0].state = VM_STARTING;
	c.msg = "VM 'web' is starting; wait for it to finish";
	add_refused(f, 0, &c);
	tl_net_vm_live(f, 0, VM_SHUTTING_DOWN, 1);
	c.msg = "VM 'web' is shutting-down; wait for it to finish";
	add_refused(f, 0, &c);
	tl_net_vm_live(f, 0, VM_CRASHED, 1);
	c.msg = "VM 'web' is crashed; wait for it to finish";
	add_refused(f, 0, &c);
	tl_net_vm_live(f, 0, VM_RUNNING, 1);
	f->vm[0].nic_op = (struct vm_nic_op *)(void *)&nic_op_token;
	c.msg = "VM 'web' is busy with another NIC change; try again when it is done";
	add_refused(f, 0, &c);
	f->vm[0].nic_op = NULL;
	tl_net_vm_live(f, 0, VM_RUNNING, 0);
	c.code = PROTO_E_QEMU;
	c.msg = "cannot add a NIC to VM 'web': croftd is not connected to its QMP socket (retrying)";
	add_refused(f, 0, &c);
	f->apply_rc = -EINVAL;
	tl_net_vm_live(f, 0, VM_RUNNING, 1);
	c.code = PROTO_E_INVALID_ARGUMENT;
	c.msg = "netd refused the state";
	add_refused(f, 0, &c);
}

static void test_add_hotplug(void **state)
{
	struct tl_net *f = *state;
	const struct add_case c = { .net = "lan" };
	struct store_nic *stored = NULL;
	struct nic_seen s;
	size_t n = 0;

	tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	tl_net_vm_live(f, 0, VM_PAUSED, 1);
	rnd_serve(f, "\x01\x02\x03", 3);
	add_accepted(f, 0, &c, &s);
	/* stored (netd made the tap) before QEMU is asked */
	assert_int_equal(s.calls, 0);
	assert_int_equal(f->plugs, 1);
	assert_int_equal(store_nic_list(f->st, 0, 0, &stored, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(f->pending.nic_id, stored[0].id);
	tl_net_finish(f, NULL, NULL);
	assert_int_equal(s.calls, 1);
	assert_null(s.code);
	assert_string_equal(s.mac, "52:54:00:01:02:03");
	assert_int_equal(s.id, stored[0].id);
	assert_int_equal(tl_net_count_nics(f, 0, 0), 1);
	assert_int_equal(f->applies, 1);
	store_nic_list_free(stored, n);
}

static void test_add_failed_plug_takes_back(void **state)
{
	struct tl_net *f = *state;
	const struct add_case c = { .net = "lan" };
	struct nic_seen s;
	const char *code;
	char err[256];

	tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	tl_net_vm_live(f, 0, VM_RUNNING, 1);
	rnd_serve(f, "\x01\x02\x03", 3);
	add_accepted(f, 0, &c, &s);
	tl_net_finish(f, PROTO_E_QEMU, "QEMU could not add NIC");
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.code, PROTO_E_QEMU);
	assert_string_equal(s.msg, "QEMU could not add NIC");
	assert_int_equal(tl_net_count_nics(f, 0, 0), 0);
	assert_int_equal(f->applies, 2);
	/* refused at once: the same, and no callback */
	f->qemu_rc = -EACCES;
	assert_int_equal(add(f, 0, &c, &s, &code, err, sizeof(err)), -EACCES);
	assert_int_equal(s.calls, 0);
	assert_string_equal(code, PROTO_E_QEMU);
	assert_string_equal(err, "QEMU refused");
	assert_int_equal(tl_net_count_nics(f, 0, 0), 0);
	assert_int_equal(f->applies, 4);
}

/* --- removing ------------------------------------------------------------------------ */

/* web: NIC A on lan (two forwards to it), NIC B on lab. */
struct two_nics {
	int64_t lan, lab, a, b;
};

static void two_nics(struct tl_net *f, struct two_nics *t)
{
	t->lan = tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	t->lab = tl_store_net_or_fail(f->st, "lab", "host-only", "1", NULL);
	t->a = tl_store_nic_or_fail(f->st, f->vm[0].spec.id, t->lan, "52:54:00:00:00:0a",
				    "10.73.0.2", 0, 0);
	t->b = tl_store_nic_or_fail(f->st, f->vm[0].spec.id, t->lab, "52:54:00:00:00:0b",
				    "10.73.1.2", 0, 0);
	tl_store_fwd_or_fail(f->st, t->lan, t->a, "tcp", 8080, 80);
	tl_store_fwd_or_fail(f->st, t->lan, t->a, "udp", 5353, 53);
}

/* net_nic_remove from VM vm, by mac or by the stored network net. */
static int rm(struct tl_net *f, int vm, const char *mac, const char *net, struct nic_seen *s,
	      const char **code, char *err, size_t errlen)
{
	struct net_nic_remove_req req = { &f->vm[vm], mac, NULL };
	struct store_net n = { 0 };
	int rc;

	memset(s, 0, sizeof(*s));
	if (net) {
		assert_int_equal(store_net_get(f->st, net, &n), 0);
		req.net = &n;
	}
	rc = net_nic_remove(&f->env, &req, nic_done, s, code, err, errlen);
	store_net_clear(&n);
	return rc;
}

/* net_nic_remove accepted it (done may be pending). */
static void rm_accepted(struct tl_net *f, int vm, const char *mac, const char *net,
			struct nic_seen *s)
{
	const char *code = NULL;
	char err[512] = "";

	if (rm(f, vm, mac, net, s, &code, err, sizeof(err)) < 0)
		fail_msg("net_nic_remove %s: %s: %s", mac ? mac : net, code, err);
}

static void rm_refused(struct tl_net *f, int vm, const char *mac, const char *net,
		       const char *want_code, const char *want_msg)
{
	struct nic_seen s;
	const char *code = NULL;
	char err[512] = "";
	size_t before = tl_net_count_nics(f, 0, 0);

	assert_int_equal(rm(f, vm, mac, net, &s, &code, err, sizeof(err)) < 0, 1);
	assert_int_equal(s.calls, 0);
	assert_string_equal(code, want_code);
	tl_assert_contains(err, want_msg);
	assert_int_equal(tl_net_count_nics(f, 0, 0), before);
	assert_int_equal(f->unplugs, 0);
}

static void test_remove_stopped(void **state)
{
	struct tl_net *f = *state;
	struct two_nics t;
	struct nic_seen s;

	two_nics(f, &t);
	rm_accepted(f, 0, "52-54-00-00-00-0A", NULL, &s);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.id, t.a);
	assert_int_equal(s.fwds, 2);
	assert_int_equal(tl_net_count_fwds(f, 0), 0);
	rm_accepted(f, 0, NULL, "lab", &s);
	assert_int_equal(s.id, t.b);
	assert_int_equal(s.fwds, 0);
	assert_int_equal(tl_net_count_nics(f, 0, 0), 0);
	assert_int_equal(f->unplugs, 0);
}

static void test_remove_refusals(void **state)
{
	struct tl_net *f = *state;
	struct two_nics t;
	int nic_op_token;

	two_nics(f, &t);
	tl_store_nic_or_fail(f->st, f->vm[0].spec.id, t.lan, "52:54:00:00:00:0c", "10.73.0.3", 0, 0);
	rm_refused(f, 0, NULL, NULL, PROTO_E_INVALID_ARGUMENT,
		   "vm.nic.remove needs either \"mac\" or \"net\" to say which NIC");
	rm_refused(f, 0, "52:54:00:00:00:0b", "lab", PROTO_E_INVALID_ARGUMENT,
		   "vm.nic.remove needs either \"mac\" or \"net\" to say which NIC");
	rm_refused(f, 0, "zz", NULL, PROTO_E_INVALID_ARGUMENT, "MAC 'zz' must look like");
	rm_refused(f, 0, "52:54:00:99:99:99", NULL, PROTO_E_NOT_FOUND,
		   "VM web has no NIC with MAC 52:54:00:99:99:99");
	rm_refused(f, 1, NULL, "lab", PROTO_E_NOT_FOUND, "VM db has no NIC on network lab");
	rm_refused(f, 0, NULL, "lan", PROTO_E_INVALID_ARGUMENT,
		   "VM web has 2 NICs on network lan; say which with --mac");
	f->vm[0].state = VM_STARTING;
	rm_refused(f, 0, NULL, "lab", PROTO_E_INVALID_STATE,
		   "VM 'web' is starting; wait for it to finish");
	tl_net_vm_live(f, 0, VM_RUNNING, 1);
	f->vm[0].nic_op = (struct vm_nic_op *)(void *)&nic_op_token;
	rm_refused(f, 0, NULL, "lab", PROTO_E_INVALID_STATE,
		   "VM 'web' is busy with another NIC change; try again when it is done");
	f->vm[0].nic_op = NULL;
	f->netd_down = 1;
	rm_refused(f, 0, NULL, "lab", PROTO_E_UNAVAILABLE, "croft-netd is not running");
	assert_int_equal(tl_net_count_fwds(f, 0), 2);
}

static void test_remove_hotunplug(void **state)
{
	struct tl_net *f = *state;
	struct two_nics t;
	struct nic_seen s;

	two_nics(f, &t);
	tl_net_vm_live(f, 0, VM_RUNNING, 1);
	rm_accepted(f, 0, NULL, "lan", &s);
	/* nothing changes until the guest let go */
	assert_int_equal(s.calls, 0);
	assert_int_equal(f->pending.nic_id, t.a);
	assert_int_equal(tl_net_count_nics(f, 0, 0), 2);
	tl_net_finish(f, NULL, NULL);
	assert_int_equal(s.calls, 1);
	assert_null(s.code);
	assert_int_equal(s.fwds, 2);
	assert_int_equal(tl_net_count_nics(f, 0, 0), 1);
	assert_int_equal(tl_net_count_fwds(f, 0), 0);
}

static void test_remove_failures_keep_the_nic(void **state)
{
	struct tl_net *f = *state;
	struct two_nics t;
	struct nic_seen s;
	const char *code;
	char err[256];

	two_nics(f, &t);
	tl_net_vm_live(f, 0, VM_RUNNING, 1);
	/* the guest does not let go */
	rm_accepted(f, 0, NULL, "lan", &s);
	tl_net_finish(f, PROTO_E_TIMEOUT, "the guest did not release NIC");
	assert_string_equal(s.code, PROTO_E_TIMEOUT);
	assert_int_equal(f->replugs, 0);
	/* it did, but netd refuses the change: plugged back */
	rm_accepted(f, 0, NULL, "lan", &s);
	f->apply_rc = -EINVAL;
	tl_net_finish(f, NULL, NULL);
	assert_string_equal(s.code, PROTO_E_INVALID_ARGUMENT);
	assert_string_equal(s.msg, "netd refused the state");
	assert_int_equal(f->replugs, 1);
	assert_int_equal(f->replugged[0], t.a);
	/* QEMU refuses at once: no callback */
	f->apply_rc = 0;
	f->qemu_rc = -ENOTCONN;
	assert_int_equal(rm(f, 0, NULL, "lan", &s, &code, err, sizeof(err)), -ENOTCONN);
	assert_int_equal(s.calls, 0);
	assert_string_equal(code, PROTO_E_QEMU);
	assert_int_equal(tl_net_count_nics(f, 0, 0), 2);
	assert_int_equal(tl_net_count_fwds(f, 0), 2);
	assert_int_equal(f->applies, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tl_net_setup, tl_net_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_add_defaults),
		T(test_add_avoids_used_mac_and_address),
		T(test_add_pinned_values),
		T(test_add_refusals),
		T(test_add_limits),
		T(test_add_vm_states),
		T(test_add_hotplug),
		T(test_add_failed_plug_takes_back),
		T(test_remove_stopped),
		T(test_remove_refusals),
		T(test_remove_hotunplug),
		T(test_remove_failures_keep_the_nic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
