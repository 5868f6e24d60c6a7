/*
 * Unit tests of the network domain's networks (core/net.c) over the fake
 * side effects of testlib_net.h: a network's mode, subnet (given, or the
 * first 10.73.N.0/24 free among croft's networks and the host's routes),
 * uplink (given, or the default route's) and DHCP range; every refusal
 * with its code and message and nothing changed; netd unreachable, slow
 * or refusing; and deleting a network with what goes with it, unplugging
 * NICs from running VMs one by one and plugging them back on failure.
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

/* --- creating ------------------------------------------------------------------- */

struct create_case {
	const char *name, *mode, *subnet, *uplink, *range;
	const char *code;            /* NULL: accepted */
	const char *msg;
};

/* Run one net_create; on success *out is the stored network. */
static int create(struct tl_net *f, const struct create_case *c, struct store_net *out,
		  const char **code, char *err, size_t errlen)
{
	struct net_create_req req = { c->name, c->mode, c->subnet, c->uplink, c->range, -1 };

	return net_create(&f->env, &req, out, code, err, errlen);
}

static void create_ok(struct tl_net *f, const struct create_case *c, struct store_net *out)
{
	const char *code = NULL;
	char err[1024] = "";

	if (create(f, c, out, &code, err, sizeof(err)) < 0)
		fail_msg("net_create %s: %s: %s", c->name, code, err);
}

static void create_refused(struct tl_net *f, const struct create_case *c)
{
	struct store_net out;
	const char *code = NULL;
	char err[1024] = "";
	size_t before = tl_net_count_nets(f);
	int applies = f->applies;

	if (create(f, c, &out, &code, err, sizeof(err)) == 0)
		fail_msg("net_create %s (%s) was accepted; expected '%s'", c->name, c->mode, c->msg);
	assert_string_equal(code, c->code);
	tl_assert_contains(err, c->msg);
	assert_null(out.name);
	assert_int_equal(tl_net_count_nets(f), before);
	assert_int_equal(f->applies, applies);
}

static void test_create_nat_defaults(void **state)
{
	struct tl_net *f = *state;
	const struct create_case c = { "lan", "nat", NULL, NULL, NULL, NULL, NULL };
	struct store_net n;

	create_ok(f, &c, &n);
	assert_true(n.id > 0);
	assert_string_equal(n.name, "lan");
	assert_string_equal(n.mode, "nat");
	assert_string_equal(n.subnet, "10.73.0.0");
	assert_int_equal(n.prefix, 24);
	assert_string_equal(n.gateway, "10.73.0.1");
	assert_string_equal(n.dhcp_first, "10.73.0.2");
	assert_string_equal(n.dhcp_last, "10.73.0.254");
	assert_string_equal(n.uplink, "eth0");
	assert_int_equal(n.created, TL_CLOCK_START_MS / 1000);
	assert_int_equal(tl_net_count_nets(f), 1);
	assert_int_equal(f->applies, 1);
	store_net_clear(&n);
}

/* host_access: off by default, on when asked; refused on bridged networks;
 * net_edit changes it (store and netd together), or nothing. */
static void test_host_access(void **state)
{
	struct tl_net *f = *state;
	struct net_create_req on = { "lab", "host-only", NULL, NULL, NULL, 1 };
	struct net_create_req br = { "br", "bridged", NULL, "lan1", NULL, 1 };
	struct net_edit_req e_on = { 1 }, e_off = { 0 }, e_keep = { -1 };
	struct store_net n, b, got;
	const char *code = NULL;
	char err[1024] = "";

	assert_int_equal(net_create(&f->env, &on, &n, &code, err, sizeof(err)), 0);
	assert_int_equal(n.host_access, 1);
	assert_int_equal(net_create(&f->env, &br, &b, &code, err, sizeof(err)), -EINVAL);
	assert_string_equal(code, PROTO_E_INVALID_ARGUMENT);
	tl_assert_contains(err, "--host-access is for nat and host-only networks");
	assert_int_equal(tl_net_count_nets(f), 1);

	assert_int_equal(net_edit(&f->env, &n, &e_off, &code, err, sizeof(err)), 0);
	assert_int_equal(n.host_access, 0);
	assert_int_equal(store_net_get(f->st, "lab", &got), 0);
	assert_int_equal(got.host_access, 0);
	store_net_clear(&got);
	assert_int_equal(f->applies, 2);
	/* the same value, or none: nothing to apply */
	assert_int_equal(net_edit(&f->env, &n, &e_off, &code, err, sizeof(err)), 0);
	assert_int_equal(net_edit(&f->env, &n, &e_keep, &code, err, sizeof(err)), 0);
	assert_int_equal(f->applies, 2);
	/* netd refuses: the store keeps the old value */
	f->apply_rc = -EIO;
	assert_int_equal(net_edit(&f->env, &n, &e_on, &code, err, sizeof(err)), -EIO);
	assert_int_equal(n.host_access, 0);
	assert_int_equal(store_net_get(f->st, "lab", &got), 0);
	assert_int_equal(got.host_access, 0);
	store_net_clear(&got);
	f->apply_rc = 0;
	store_net_clear(&n);

	/* a bridged network cannot have it */
	br.host_access = -1;
	assert_int_equal(net_create(&f->env, &br, &b, &code, err, sizeof(err)), 0);
	assert_int_equal(net_edit(&f->env, &b, &e_on, &code, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "network br is bridged: host-access is for nat and host-only networks");
	assert_int_equal(b.host_access, 0);
	store_net_clear(&b);
}

static void test_create_default_subnet_is_free(void **state)
{
	struct tl_net *f = *state;
	const struct create_case c = { "lab", "host-only", NULL, NULL, NULL, NULL, NULL };
	struct store_net n;

	tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	f->host_route = "10.73.1.0/24";
	create_ok(f, &c, &n);
	assert_string_equal(n.subnet, "10.73.2.0");
	assert_null(n.uplink);
	/* 10.73.0.0 is croft's own and not asked about; .1 and .2 are probed,
	 * then the result is checked as a whole. */
	assert_int_equal(f->checks, 3);
	store_net_clear(&n);
}

static void test_create_given_subnet_and_range(void **state)
{
	struct tl_net *f = *state;
	const struct create_case c = { "lab", "host-only", "10.1.0.0/24", NULL,
				       "10.1.0.100-10.1.0.200", NULL, NULL };
	struct store_net n;

	create_ok(f, &c, &n);
	assert_string_equal(n.subnet, "10.1.0.0");
	assert_string_equal(n.gateway, "10.1.0.1");
	assert_string_equal(n.dhcp_first, "10.1.0.100");
	assert_string_equal(n.dhcp_last, "10.1.0.200");
	assert_int_equal(f->checks, 1);
	store_net_clear(&n);
}

static void test_create_bridged(void **state)
{
	struct tl_net *f = *state;
	const struct create_case c = { "br", "bridged", NULL, "lan1", NULL, NULL, NULL };
	struct store_net n;

	create_ok(f, &c, &n);
	assert_string_equal(n.mode, "bridged");
	assert_string_equal(n.uplink, "lan1");
	assert_null(n.subnet);
	assert_null(n.gateway);
	assert_null(n.dhcp_first);
	assert_int_equal(n.prefix, 0);
	store_net_clear(&n);
}

static const struct create_case refusals[] = {
	{ "a b", "nat", NULL, NULL, NULL, PROTO_E_INVALID_ARGUMENT,
	  "network name 'a b' contains ' '" },
	{ "x", "routed", NULL, NULL, NULL, PROTO_E_INVALID_ARGUMENT,
	  "network mode 'routed' is unknown; use nat, host-only or bridged" },
	{ "lan", "host-only", NULL, NULL, NULL, PROTO_E_ALREADY_EXISTS,
	  "a network named 'lan' already exists" },
	{ "x", "bridged", "10.1.0.0/24", "lan2", NULL, PROTO_E_INVALID_ARGUMENT,
	  "bridged networks get addresses from the LAN; --subnet does not apply" },
	{ "x", "bridged", NULL, "lan2", "10.1.0.2-10.1.0.9", PROTO_E_INVALID_ARGUMENT,
	  "bridged networks get addresses from the LAN; --dhcp-range does not apply" },
	{ "x", "bridged", NULL, NULL, NULL, PROTO_E_INVALID_ARGUMENT,
	  "a bridged network needs --uplink IFACE, the NIC to enslave to its bridge" },
	{ "x", "host-only", NULL, "eth0", NULL, PROTO_E_INVALID_ARGUMENT,
	  "host-only networks have no uplink; --uplink does not apply" },
	{ "x", "nat", NULL, "croftbr1", NULL, PROTO_E_INVALID_ARGUMENT,
	  "uplink 'croftbr1' is one of croft's own interfaces" },
	{ "x", "nat", "10.0.0.5/24", NULL, NULL, PROTO_E_INVALID_ARGUMENT,
	  "subnet '10.0.0.5/24' has host bits set; did you mean 10.0.0.0/24?" },
	{ "x", "nat", "10.73.0.0/16", NULL, NULL, PROTO_E_INVALID_ARGUMENT,
	  "subnet 10.73.0.0/16 overlaps network lan (10.73.0.0/24)" },
	{ "x", "bridged", NULL, "lan1", NULL, PROTO_E_INVALID_ARGUMENT,
	  "lan1 is already the uplink of bridged network br (a NIC can be enslaved to one bridge only)" },
	{ "x", "bridged", NULL, "eth0", NULL, PROTO_E_INVALID_ARGUMENT,
	  "eth0 is already the uplink of nat network lan (a bridged network would take its address away)" },
	{ "x", "nat", NULL, "lan1", NULL, PROTO_E_INVALID_ARGUMENT,
	  "lan1 is already the uplink of bridged network br" },
	{ "x", "nat", "10.1.0.0/24", NULL, "10.1.0.10-10.1.0.5", PROTO_E_INVALID_ARGUMENT,
	  "DHCP range 10.1.0.10-10.1.0.5 ends before it starts" },
	{ "x", "nat", "10.1.0.0/24", NULL, "10.1.0.1-10.1.0.5", PROTO_E_INVALID_ARGUMENT,
	  "DHCP range 10.1.0.1-10.1.0.5 includes the gateway 10.1.0.1" },
	{ "x", "host-only", NULL, NULL, "10.9.0.2-10.9.0.9", PROTO_E_INVALID_ARGUMENT,
	  "DHCP range 10.9.0.2-10.9.0.9 is not inside the subnet 10.73.1.0/24" },
	{ "x", "nat", "198.51.100.0/24", NULL, NULL, PROTO_E_INVALID_ARGUMENT,
	  "subnet clashes with the host's route 198.51.100.0/24" },
};

static void test_create_refusals(void **state)
{
	struct tl_net *f = *state;
	size_t i;

	tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	tl_store_net_or_fail(f->st, "br", "bridged", NULL, "lan1");
	f->host_route = "198.51.100.0/24";
	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		create_refused(f, &refusals[i]);
}

static void test_create_default_uplink_of_a_bridge(void **state)
{
	struct tl_net *f = *state;
	const struct create_case c = { "x", "nat", NULL, NULL, NULL, PROTO_E_INVALID_ARGUMENT,
				       "lan1 is already the uplink of bridged network br" };

	tl_store_net_or_fail(f->st, "br", "bridged", NULL, "lan1");
	f->default_uplink = "lan1";
	create_refused(f, &c);
}

static void test_create_no_free_subnet(void **state)
{
	struct tl_net *f = *state;
	const struct create_case c = { "x", "nat", NULL, NULL, NULL, PROTO_E_INVALID_ARGUMENT,
		"no free subnet among 10.73.0.0/24 to 10.73.255.0/24; give one with --subnet" };

	f->host_route = "10.73.0.0/16";
	create_refused(f, &c);
	assert_int_equal(f->checks, 256);
}

static void test_create_netd_says_no(void **state)
{
	struct tl_net *f = *state;
	const struct create_case down = { "x", "nat", NULL, NULL, NULL, PROTO_E_UNAVAILABLE,
					  "croft-netd is not running" };
	const struct create_case no_route = { "x", "nat", NULL, NULL, NULL,
		PROTO_E_INVALID_ARGUMENT,
		"no IPv4 default route; the host has no default route: give the uplink with --uplink IFACE" };
	const struct create_case slow = { "x", "nat", NULL, NULL, NULL, PROTO_E_TIMEOUT,
					  "netd: check refused" };
	const struct create_case refused = { "x", "host-only", "10.1.0.0/24", NULL, NULL,
					     PROTO_E_INVALID_ARGUMENT, "netd refused the state" };

	f->netd_down = 1;
	create_refused(f, &down);
	f->netd_down = 0;
	f->default_uplink = NULL;
	create_refused(f, &no_route);
	f->default_uplink = "eth0";
	f->check_rc = -ETIMEDOUT;
	create_refused(f, &slow);
	f->check_rc = 0;
	f->apply_rc = -EINVAL;
	create_refused(f, &refused);
}

/* --- deleting ------------------------------------------------------------------- */

struct del_seen {
	int calls;
	const char *code;
	char msg[1024];
	char name[64];
	size_t nics, fwds;
};

static void del_done(void *data, const char *code, const char *msg,
		     const struct net_delete_result *res)
{
	struct del_seen *s = data;

	s->calls++;
	s->code = code;
	snprintf(s->msg, sizeof(s->msg), "%s", msg ? msg : "");
	if (res) {
		snprintf(s->name, sizeof(s->name), "%s", res->net->name);
		s->nics = res->n_nics;
		s->fwds = res->n_fwds;
	}
}

/* net_delete of the stored network name; its return value. */
static int del(struct tl_net *f, const char *name, int force, struct del_seen *s,
	       const char **code, char *err, size_t errlen)
{
	struct store_net n;

	memset(s, 0, sizeof(*s));
	assert_int_equal(store_net_get(f->st, name, &n), 0);
	return net_delete(&f->env, &n, force, del_done, s, code, err, errlen);
}

/* net_delete accepted it (done may be pending). */
static void del_accepted(struct tl_net *f, const char *name, int force, struct del_seen *s)
{
	const char *code = NULL;
	char err[1024] = "";

	if (del(f, name, force, s, &code, err, sizeof(err)) < 0)
		fail_msg("net_delete %s: %s: %s", name, code, err);
}

static void del_refused(struct tl_net *f, const char *name, int force, const char *want_code,
			const char *want_msg)
{
	struct del_seen s;
	const char *code = NULL;
	char err[1024] = "";

	assert_int_equal(del(f, name, force, &s, &code, err, sizeof(err)) < 0, 1);
	assert_int_equal(s.calls, 0);
	assert_string_equal(code, want_code);
	tl_assert_contains(err, want_msg);
}

static void test_delete_unused(void **state)
{
	struct tl_net *f = *state;
	struct del_seen s;

	tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	del_accepted(f, "lan", 0, &s);
	assert_int_equal(s.calls, 1);
	assert_null(s.code);
	assert_string_equal(s.name, "lan");
	assert_int_equal(s.nics, 0);
	assert_int_equal(tl_net_count_nets(f), 0);
}

static void test_delete_in_use_needs_force(void **state)
{
	struct tl_net *f = *state;
	int64_t lan = tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	int64_t lab = tl_store_net_or_fail(f->st, "lab", "host-only", "1", NULL);

	tl_store_nic_or_fail(f->st, f->vm[0].spec.id, lan, "52:54:00:00:00:01", "10.73.0.2", 0, 0);
	tl_store_nic_or_fail(f->st, f->vm[1].spec.id, lan, "52:54:00:00:00:02", "10.73.0.3", 0, 0);
	tl_store_nic_or_fail(f->st, f->vm[0].spec.id, lan, "52:54:00:00:00:03", "10.73.0.4", 0, 0);
	tl_store_nic_or_fail(f->st, f->vm[2].spec.id, lab, "52:54:00:00:00:04", "10.73.1.2", 0, 0);
	del_refused(f, "lan", 0, PROTO_E_INVALID_STATE,
		    "network lan is used by VMs web, db; use --force to remove their NICs");
	del_refused(f, "lab", 0, PROTO_E_INVALID_STATE,
		    "network lab is used by VM app; use --force to remove their NICs");
	assert_int_equal(tl_net_count_nets(f), 2);
	assert_int_equal(tl_net_count_nics(f, 0, 0), 4);
}

/* lan with a NIC of each VM (in VM order) and a forward to web's. */
static int64_t lan_with_nics(struct tl_net *f, int64_t nic[TL_NET_VMS])
{
	int64_t lan = tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	char mac[32], ip[32];
	int i;

	for (i = 0; i < TL_NET_VMS; i++) {
		snprintf(mac, sizeof(mac), "52:54:00:00:00:%02x", i + 1);
		snprintf(ip, sizeof(ip), "10.73.0.%d", i + 2);
		nic[i] = tl_store_nic_or_fail(f->st, f->vm[i].spec.id, lan, mac, ip, 0, 0);
	}
	tl_store_fwd_or_fail(f->st, lan, nic[0], "tcp", 8080, 80);
	return lan;
}

/* lan_with_nics's rows are all there, or all gone. */
static void lan_kept(struct tl_net *f, int kept)
{
	assert_int_equal(tl_net_count_nets(f), kept ? 1 : 0);
	assert_int_equal(tl_net_count_nics(f, 0, 0), kept ? 3 : 0);
	assert_int_equal(tl_net_count_fwds(f, 0), kept ? 1 : 0);
}

static void test_delete_force_stopped(void **state)
{
	struct tl_net *f = *state;
	int64_t nic[TL_NET_VMS];
	struct del_seen s;

	lan_with_nics(f, nic);
	del_accepted(f, "lan", 1, &s);
	assert_int_equal(s.calls, 1);
	assert_null(s.code);
	assert_int_equal(s.nics, 3);
	assert_int_equal(s.fwds, 1);
	assert_int_equal(f->unplugs, 0);
	lan_kept(f, 0);
}

static void test_delete_force_unplugs_one_by_one(void **state)
{
	struct tl_net *f = *state;
	int64_t nic[TL_NET_VMS];
	struct del_seen s;

	lan_with_nics(f, nic);
	tl_net_vm_live(f, 0, VM_RUNNING, 1);
	tl_net_vm_live(f, 2, VM_SHUTTING_DOWN, 1);
	del_accepted(f, "lan", 1, &s);
	assert_int_equal(s.calls, 0);
	assert_int_equal(f->pending.nic_id, nic[0]);
	tl_net_finish(f, NULL, NULL);
	/* db is stopped: app's NIC is next */
	assert_int_equal(s.calls, 0);
	assert_int_equal(f->pending.nic_id, nic[2]);
	lan_kept(f, 1);
	tl_net_finish(f, NULL, NULL);
	assert_int_equal(s.calls, 1);
	assert_null(s.code);
	assert_int_equal(s.nics, 3);
	assert_int_equal(f->unplugs, 2);
	assert_int_equal(f->replugs, 0);
	lan_kept(f, 0);
}

static void test_delete_force_failed_unplug_plugs_back(void **state)
{
	struct tl_net *f = *state;
	int64_t nic[TL_NET_VMS];
	struct del_seen s;

	lan_with_nics(f, nic);
	tl_net_vm_live(f, 0, VM_RUNNING, 1);
	tl_net_vm_live(f, 2, VM_RUNNING, 1);
	del_accepted(f, "lan", 1, &s);
	tl_net_finish(f, NULL, NULL);
	tl_net_finish(f, PROTO_E_TIMEOUT, "the guest did not release it");
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.code, PROTO_E_TIMEOUT);
	assert_string_equal(s.msg, "cannot remove NIC 52:54:00:00:00:03 from VM 'app': the guest did not release it");
	assert_int_equal(f->replugs, 1);
	assert_int_equal(f->replugged[0], nic[0]);
	lan_kept(f, 1);
}

static void test_delete_force_failed_change_plugs_back(void **state)
{
	struct tl_net *f = *state;
	int64_t nic[TL_NET_VMS];
	struct del_seen s;

	lan_with_nics(f, nic);
	tl_net_vm_live(f, 1, VM_RUNNING, 1);
	del_accepted(f, "lan", 1, &s);
	f->apply_rc = -EINVAL;
	tl_net_finish(f, NULL, NULL);
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.code, PROTO_E_INVALID_ARGUMENT);
	assert_string_equal(s.msg, "netd refused the state");
	assert_int_equal(f->replugs, 1);
	assert_int_equal(f->replugged[0], nic[1]);
	lan_kept(f, 1);
}

static void test_delete_force_refusals(void **state)
{
	struct tl_net *f = *state;
	int64_t nic[TL_NET_VMS];
	struct del_seen s;

	lan_with_nics(f, nic);
	tl_net_vm_live(f, 1, VM_PAUSED, 1);
	del_refused(f, "lan", 1, PROTO_E_INVALID_STATE,
		    "VM 'db' is paused and cannot release its NIC on network lan; resume it first");
	f->vm[1].state = VM_STARTING;
	del_refused(f, "lan", 1, PROTO_E_INVALID_STATE,
		    "VM 'db' is starting; wait for it before deleting network lan");
	f->vm[1].state = VM_RUNNING;
	f->netd_down = 1;
	del_refused(f, "lan", 1, PROTO_E_UNAVAILABLE, "croft-netd is not running");
	assert_int_equal(f->unplugs, 0);
	/* QEMU refusing at once ends the accepted delete through done */
	f->netd_down = 0;
	f->qemu_rc = -ENOTCONN;
	del_accepted(f, "lan", 1, &s);
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.code, PROTO_E_QEMU);
	assert_string_equal(s.msg, "QEMU refused");
	assert_int_equal(f->replugs, 0);
	assert_int_equal(f->applies, 0);
	lan_kept(f, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tl_net_setup, tl_net_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_nat_defaults),
		T(test_create_default_subnet_is_free),
		T(test_create_given_subnet_and_range),
		T(test_host_access),
		T(test_create_bridged),
		T(test_create_refusals),
		T(test_create_default_uplink_of_a_bridge),
		T(test_create_no_free_subnet),
		T(test_create_netd_says_no),
		T(test_delete_unused),
		T(test_delete_in_use_needs_force),
		T(test_delete_force_stopped),
		T(test_delete_force_unplugs_one_by_one),
		T(test_delete_force_failed_unplug_plugs_back),
		T(test_delete_force_failed_change_plugs_back),
		T(test_delete_force_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
