/*
 * Unit tests of the network domain's port forwards (core/net_forward.c)
 * over the fake side effects of testlib_net.h: a forward goes to the VM's
 * first NIC on a nat network, its host port is unique per protocol across
 * every network, removal finds it by protocol and host port, and every
 * refusal has its code and message and changes nothing.
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
#include <string.h>

struct fwd_case {
	const char *net;
	int vm;
	const char *proto;
	long long host_port, port;
	const char *code;
	const char *msg;
};

/* Forward add or remove (add 0) on the stored network c->net. */
static int run(struct tl_net *f, int add, const struct fwd_case *c, struct net_fwd_result *res,
	       const char **code, char *err, size_t errlen)
{
	struct net_fwd_req req = { NULL, &f->vm[c->vm], c->proto, c->host_port, c->port };
	struct store_net n;
	int rc;

	assert_int_equal(store_net_get(f->st, c->net, &n), 0);
	req.net = &n;
	rc = add ? net_fwd_add(&f->env, &req, res, code, err, errlen)
		 : net_fwd_remove(&f->env, &req, res, code, err, errlen);
	store_net_clear(&n);
	return rc;
}

static void refused(struct tl_net *f, int add, const struct fwd_case *c)
{
	struct net_fwd_result res;
	const char *code = NULL;
	char err[512] = "";
	size_t before = tl_net_count_fwds(f, 0);

	if (run(f, add, c, &res, &code, err, sizeof(err)) == 0)
		fail_msg("forward %s %lld was accepted; expected '%s'", c->proto, c->host_port,
			 c->msg);
	assert_string_equal(code, c->code);
	tl_assert_contains(err, c->msg);
	assert_int_equal(res.fwd.id, 0);
	assert_null(res.fwd.proto);
	assert_int_equal(tl_net_count_fwds(f, 0), before);
}

/* lan (nat) with two NICs of web and one of db; lab (host-only). */
struct nets {
	int64_t lan, lab, web1, web2, db;
};

static void nets(struct tl_net *f, struct nets *n)
{
	n->lan = tl_store_net_or_fail(f->st, "lan", "nat", "0", "eth0");
	n->lab = tl_store_net_or_fail(f->st, "lab", "host-only", "1", NULL);
	n->web1 = tl_store_nic_or_fail(f->st, f->vm[0].spec.id, n->lan, "52:54:00:00:00:01",
				       "10.73.0.2", 0, 0);
	n->web2 = tl_store_nic_or_fail(f->st, f->vm[0].spec.id, n->lan, "52:54:00:00:00:02",
				       "10.73.0.3", 0, 0);
	n->db = tl_store_nic_or_fail(f->st, f->vm[1].spec.id, n->lan, "52:54:00:00:00:03",
				     "10.73.0.4", 0, 0);
	tl_store_nic_or_fail(f->st, f->vm[0].spec.id, n->lab, "52:54:00:00:00:04", "10.73.1.2", 0, 0);
}

static void test_add_and_remove(void **state)
{
	struct tl_net *f = *state;
	const struct fwd_case c = { "lan", 0, "tcp", 8080, 80, NULL, NULL };
	struct net_fwd_result res;
	struct nets n;
	const char *code;
	char err[256];

	nets(f, &n);
	assert_int_equal(run(f, 1, &c, &res, &code, err, sizeof(err)), 0);
	assert_true(res.fwd.id > 0);
	assert_string_equal(res.fwd.proto, "tcp");
	assert_int_equal(res.fwd.host_port, 8080);
	assert_int_equal(res.fwd.guest_port, 80);
	assert_int_equal(res.fwd.net_id, n.lan);
	assert_int_equal(res.fwd.nic_id, n.web1);
	assert_int_equal(res.nic.id, n.web1);
	assert_string_equal(res.nic.ip, "10.73.0.2");
	net_fwd_result_clear(&res);
	assert_int_equal(tl_net_count_fwds(f, n.lan), 1);

	assert_int_equal(run(f, 0, &c, &res, &code, err, sizeof(err)), 0);
	assert_string_equal(res.fwd.proto, "tcp");
	assert_int_equal(res.fwd.host_port, 8080);
	assert_int_equal(res.fwd.guest_port, 80);
	assert_int_equal(res.nic.id, n.web1);
	assert_string_equal(res.nic.mac, "52:54:00:00:00:01");
	net_fwd_result_clear(&res);
	assert_int_equal(tl_net_count_fwds(f, 0), 0);
	assert_int_equal(f->applies, 2);
}

static const struct fwd_case add_refusals[] = {
	{ "lab", 0, "tcp", 8080, 80, PROTO_E_INVALID_ARGUMENT,
	  "port forwards need a nat network; lab is host-only" },
	{ "lan", 0, "sctp", 8080, 80, PROTO_E_INVALID_ARGUMENT,
	  "protocol 'sctp' is unknown; use tcp or udp" },
	{ "lan", 0, "tcp", 0, 80, PROTO_E_INVALID_ARGUMENT,
	  "host port must be between 1 and 65535, not 0" },
	{ "lan", 0, "tcp", 8081, 70000, PROTO_E_INVALID_ARGUMENT,
	  "guest port must be between 1 and 65535, not 70000" },
	{ "lan", 2, "tcp", 8081, 80, PROTO_E_INVALID_ARGUMENT,
	  "VM app has no NIC on network lan; add one with: croft vm nic add app --net lan" },
	{ "lan", 0, "tcp", 8080, 22, PROTO_E_ALREADY_EXISTS,
	  "tcp port 8080 is already forwarded to db:80 on network lan2" },
};

static void test_add_refusals(void **state)
{
	struct tl_net *f = *state;
	const struct fwd_case udp = { "lan", 0, "udp", 8080, 80, NULL, NULL };
	const struct fwd_case refused_by_netd = { "lan", 0, "tcp", 9000, 80,
						  PROTO_E_INVALID_ARGUMENT, "netd refused the state" };
	struct net_fwd_result res;
	struct nets n;
	int64_t lan2, nic;
	const char *code;
	char err[256];
	size_t i;

	nets(f, &n);
	lan2 = tl_store_net_or_fail(f->st, "lan2", "nat", "2", "eth0");
	nic = tl_store_nic_or_fail(f->st, f->vm[1].spec.id, lan2, "52:54:00:00:00:05", "10.73.2.2",
				   0, 0);
	tl_store_fwd_or_fail(f->st, lan2, nic, "tcp", 8080, 80);
	for (i = 0; i < sizeof(add_refusals) / sizeof(add_refusals[0]); i++)
		refused(f, 1, &add_refusals[i]);
	/* the same port in the other protocol is free */
	assert_int_equal(run(f, 1, &udp, &res, &code, err, sizeof(err)), 0);
	net_fwd_result_clear(&res);
	f->apply_rc = -EINVAL;
	refused(f, 1, &refused_by_netd);
}

static const struct fwd_case remove_refusals[] = {
	{ "lan", 0, "icmp", 8080, 0, PROTO_E_INVALID_ARGUMENT,
	  "protocol 'icmp' is unknown; use tcp or udp" },
	{ "lan", 0, "tcp", 65536, 0, PROTO_E_INVALID_ARGUMENT,
	  "host port must be between 1 and 65535, not 65536" },
	{ "lan", 0, "tcp", 9090, 0, PROTO_E_NOT_FOUND, "network lan has no tcp forward of port 9090" },
	{ "lan", 0, "udp", 8080, 0, PROTO_E_NOT_FOUND, "network lan has no udp forward of port 8080" },
	{ "lab", 0, "tcp", 8080, 0, PROTO_E_NOT_FOUND, "network lab has no tcp forward of port 8080" },
};

static void test_remove_refusals(void **state)
{
	struct tl_net *f = *state;
	const struct fwd_case refused_by_netd = { "lan", 0, "tcp", 8080, 0,
						  PROTO_E_INVALID_ARGUMENT, "netd refused the state" };
	struct nets n;
	size_t i;

	nets(f, &n);
	tl_store_fwd_or_fail(f->st, n.lan, n.web2, "tcp", 8080, 80);
	for (i = 0; i < sizeof(remove_refusals) / sizeof(remove_refusals[0]); i++)
		refused(f, 0, &remove_refusals[i]);
	f->apply_rc = -EINVAL;
	refused(f, 0, &refused_by_netd);
	assert_int_equal(tl_net_count_fwds(f, n.lan), 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tl_net_setup, tl_net_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_add_and_remove),
		T(test_add_refusals),
		T(test_remove_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
