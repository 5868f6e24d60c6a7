/*
 * Tests for netd/netd_conn.c, the protocol engine, with fake handlers:
 * HELLO first and its version, whole state transfers, every kind of
 * malformed sequence (wrong counts, order, sizes, unknown types, requests
 * inside a transfer) answered by exactly the promised replies, state
 * validation before the commit handler, CHECK_NET, DEFAULT_UPLINK and
 * LEASES.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "netd/netd_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake {
	int commits, checks, uplinks, leases;
	int rc;
	const char *text;
	struct netd_state last;      /* copy of the committed state */
	size_t n_leases;
};

static struct fake fk;
static struct netd_conn *c;
static uint32_t seq;

static int f_commit(void *ctx, const struct netd_state *st, char *text, size_t len)
{
	struct fake *f = ctx;

	f->commits++;
	netd_state_clear(&f->last);
	f->last.n_nets = st->n_nets;
	f->last.nets = calloc(st->n_nets + 1, sizeof(*st->nets));
	memcpy(f->last.nets, st->nets, st->n_nets * sizeof(*st->nets));
	f->last.n_nics = st->n_nics;
	f->last.nics = calloc(st->n_nics + 1, sizeof(*st->nics));
	memcpy(f->last.nics, st->nics, st->n_nics * sizeof(*st->nics));
	f->last.n_fwds = st->n_fwds;
	f->last.fwds = calloc(st->n_fwds + 1, sizeof(*st->fwds));
	memcpy(f->last.fwds, st->fwds, st->n_fwds * sizeof(*st->fwds));
	snprintf(text, len, "%s", f->text);
	return f->rc;
}

static int f_check(void *ctx, const struct netd_net *net, char *text, size_t len)
{
	struct fake *f = ctx;

	f->checks++;
	snprintf(text, len, "%s %s", f->text, net->name);
	return f->rc;
}

static int f_uplink(void *ctx, char *text, size_t len)
{
	struct fake *f = ctx;

	f->uplinks++;
	snprintf(text, len, "%s", f->text);
	return f->rc;
}

static int f_leases(void *ctx, struct netd_lease **out, size_t *n, char *text, size_t len)
{
	struct fake *f = ctx;
	size_t i;

	f->leases++;
	if (f->rc < 0) {
		snprintf(text, len, "%s", f->text);
		return f->rc;
	}
	*out = calloc(f->n_leases + 1, sizeof(**out));
	for (i = 0; i < f->n_leases; i++) {
		(*out)[i].net_id = 7;
		(*out)[i].mac[5] = (uint8_t)i;
		snprintf((*out)[i].hostname, sizeof((*out)[i].hostname), "h%zu", i);
	}
	*n = f->n_leases;
	return 0;
}

static const struct netd_handlers handlers = {
	f_commit, f_check, f_uplink, f_leases,
};

static int setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.text = "fine";
	seq = 0;
	c = netd_conn_new(&handlers, &fk);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	netd_conn_free(c);
	netd_state_clear(&fk.last);
	return 0;
}

/* ---- sending and reading ------------------------------------------------ */

static uint32_t send_msg(struct netd_msg *m)
{
	m->seq = ++seq;
	netd_conn_input(c, m, sizeof(*m));
	return m->seq;
}

static uint32_t send_type(uint32_t type)
{
	struct netd_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	return send_msg(&m);
}

static uint32_t send_hello(uint32_t version)
{
	struct netd_msg m;

	memset(&m, 0, sizeof(m));
	m.type = NETD_MSG_HELLO;
	m.u.hello.version = version;
	return send_msg(&m);
}

static uint32_t send_begin(uint32_t nets, uint32_t nics, uint32_t fwds)
{
	struct netd_msg m;

	memset(&m, 0, sizeof(m));
	m.type = NETD_MSG_STATE_BEGIN;
	m.u.begin.nets = nets;
	m.u.begin.nics = nics;
	m.u.begin.fwds = fwds;
	return send_msg(&m);
}

static struct netd_net good_net(uint32_t id, const char *name, const char *subnet)
{
	struct netd_net n;
	uint32_t h;

	memset(&n, 0, sizeof(n));
	n.id = id;
	n.mode = NETD_MODE_HOSTONLY;
	snprintf(n.name, sizeof(n.name), "%s", name);
	inet_pton(AF_INET, subnet, &n.subnet);
	n.prefix = 24;
	h = ntohl(n.subnet.s_addr);
	n.gateway.s_addr = htonl(h + 1);
	n.dhcp_first.s_addr = htonl(h + 2);
	n.dhcp_last.s_addr = htonl(h + 100);
	return n;
}

static uint32_t send_net(struct netd_net n)
{
	struct netd_msg m;

	memset(&m, 0, sizeof(m));
	m.type = NETD_MSG_STATE_NET;
	m.u.net = n;
	return send_msg(&m);
}

static uint32_t send_nic(uint32_t id, uint32_t net)
{
	struct netd_msg m;

	memset(&m, 0, sizeof(m));
	m.type = NETD_MSG_STATE_NIC;
	m.u.nic.id = id;
	m.u.nic.net_id = net;
	m.u.nic.mac[0] = 0x52;
	m.u.nic.mac[5] = (uint8_t)id;
	snprintf(m.u.nic.vm, sizeof(m.u.nic.vm), "vm%u", (unsigned)id);
	return send_msg(&m);
}

static size_t pending(void)
{
	size_t n;

	netd_conn_output(c, &n);
	return n;
}

/* Pop the oldest reply and check it. */
static void expect_reply(uint32_t want_seq, int want_status, const char *want_text)
{
	const struct netd_msg *out;
	struct netd_msg m;
	size_t n, i, tl;

	out = netd_conn_output(c, &n);
	if (n == 0)
		fail_msg("no reply queued (wanted \"%s\")", want_text);
	m = out[0];
	netd_conn_consume(c, 1);
	assert_int_equal(m.type, NETD_MSG_REPLY);
	assert_int_equal(m.seq, want_seq);
	if (m.u.reply.status != want_status)
		fail_msg("status %d, expected %d (text \"%s\")", m.u.reply.status, want_status,
			 m.u.reply.text);
	tl_assert_contains(m.u.reply.text, want_text);
	/* nothing but the text and its NUL: no stale bytes on the wire */
	tl = strlen(m.u.reply.text);
	for (i = tl; i < sizeof(m.u.reply.text); i++)
		assert_int_equal(m.u.reply.text[i], 0);
}

static void hello_ok(void)
{
	uint32_t s = send_hello(NETD_PROTO_VERSION);

	expect_reply(s, 0, "protocol 2");
}

/* ---- tests -------------------------------------------------------------- */

static void test_hello(void **state)
{
	uint32_t s;

	(void)state;
	s = send_type(NETD_MSG_DEFAULT_UPLINK);
	expect_reply(s, -EPROTO, "DEFAULT_UPLINK before HELLO");
	s = send_begin(0, 0, 0);
	expect_reply(s, -EPROTO, "STATE_BEGIN before HELLO");
	s = send_hello(1);
	expect_reply(s, -EPROTONOSUPPORT, "protocol version 1 is not supported; croft-netd 0.1.0 speaks version 2");
	s = send_type(NETD_MSG_LEASES);
	expect_reply(s, -EPROTO, "before HELLO");
	hello_ok();
	assert_int_equal(fk.uplinks + fk.leases, 0);
	send_type(NETD_MSG_DEFAULT_UPLINK);
	assert_int_equal(fk.uplinks, 1);
}

static void test_full_transfer(void **state)
{
	uint32_t s;

	(void)state;
	hello_ok();
	fk.text = "applied it";
	send_begin(2, 2, 0);
	send_net(good_net(1, "a", "10.1.0.0"));
	send_net(good_net(2, "b", "10.2.0.0"));
	send_nic(1, 1);
	send_nic(2, 2);
	assert_int_equal(pending(), 0);          /* no answers before the COMMIT */
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, 0, "applied it");
	assert_int_equal(pending(), 0);
	assert_int_equal(fk.commits, 1);
	assert_int_equal(fk.last.n_nets, 2);
	assert_string_equal(fk.last.nets[1].name, "b");
	assert_int_equal(fk.last.n_nics, 2);
	assert_int_equal(fk.last.nics[1].net_id, 2);
	/* an empty state is a state too; the handler's error reaches the peer */
	fk.rc = -EIO;
	fk.text = "kernel said no";
	send_begin(0, 0, 0);
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, -EIO, "kernel said no");
	assert_int_equal(fk.commits, 2);
	assert_int_equal(fk.last.n_nets, 0);
}

static void test_invalid_state_not_committed(void **state)
{
	uint32_t s;

	(void)state;
	hello_ok();
	send_begin(2, 0, 0);
	send_net(good_net(1, "a", "10.1.0.0"));
	send_net(good_net(2, "b", "10.1.0.0"));
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, -EINVAL, "subnet 10.1.0.0/24 of network b overlaps subnet 10.1.0.0/24 of network a");
	assert_int_equal(fk.commits, 0);
}

static void test_bad_sequences(void **state)
{
	struct netd_msg m;
	uint32_t s;

	(void)state;
	hello_ok();
	/* outside a transfer: answered at once */
	s = send_net(good_net(1, "a", "10.1.0.0"));
	expect_reply(s, -EPROTO, "STATE_NET outside a state transfer (send STATE_BEGIN first)");
	s = send_nic(1, 1);
	expect_reply(s, -EPROTO, "STATE_NIC outside a state transfer");
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, -EPROTO, "STATE_COMMIT without STATE_BEGIN");

	/* too few */
	send_begin(2, 1, 0);
	send_net(good_net(1, "a", "10.1.0.0"));
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, -EINVAL, "STATE_COMMIT after 1 of 2 networks, 0 of 1 NICs, 0 of 0 forwards; the state was discarded");

	/* too many: the first problem is the one reported */
	send_begin(1, 0, 0);
	send_net(good_net(1, "a", "10.1.0.0"));
	send_net(good_net(2, "b", "10.2.0.0"));
	send_nic(1, 1);
	assert_int_equal(pending(), 0);
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, -EINVAL, "more networks than STATE_BEGIN announced (1); the state was discarded");

	/* order */
	send_begin(1, 1, 0);
	send_nic(1, 1);
	send_net(good_net(1, "a", "10.1.0.0"));
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, -EINVAL, "STATE_NET after a later kind; send networks, then NICs, then forwards");

	/* a packet of the wrong size inside */
	send_begin(0, 0, 0);
	memset(&m, 0, sizeof(m));
	m.type = NETD_MSG_STATE_NET;
	netd_conn_input(c, &m, 100);
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, -EINVAL, "a message of 100 bytes (every message is 528)");

	/* unknown and netd-only types inside */
	send_begin(0, 0, 0);
	send_type(99);
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, -EINVAL, "unknown message type 99");
	send_begin(0, 0, 0);
	send_type(NETD_MSG_END);
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, -EINVAL, "END is netd's message, not a request");

	/* BEGIN inside a transfer */
	send_begin(0, 0, 0);
	send_begin(0, 0, 0);
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, -EINVAL, "STATE_BEGIN inside an open state transfer");

	/* announced counts above the limits */
	send_begin(NETD_MAX_NETS + 1, 0, 0);
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, -EINVAL, "STATE_BEGIN announces 257 networks");

	/* a request inside a transfer is answered at once, and poisons it */
	send_begin(0, 0, 0);
	s = send_type(NETD_MSG_DEFAULT_UPLINK);
	expect_reply(s, -EPROTO, "DEFAULT_UPLINK inside a state transfer; finish it with STATE_COMMIT first");
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, -EINVAL, "DEFAULT_UPLINK inside a state transfer; the state was discarded");
	assert_int_equal(fk.uplinks, 0);
	assert_int_equal(fk.commits, 0);

	/* and after all that, a good transfer still works */
	send_begin(1, 0, 0);
	send_net(good_net(1, "a", "10.1.0.0"));
	s = send_type(NETD_MSG_STATE_COMMIT);
	expect_reply(s, 0, "fine");
	assert_int_equal(fk.commits, 1);
}

static void test_bad_packets_outside(void **state)
{
	char big[700];
	struct netd_msg m;

	(void)state;
	hello_ok();
	memset(&m, 0, sizeof(m));
	m.type = NETD_MSG_DEFAULT_UPLINK;
	m.seq = 55;
	netd_conn_input(c, &m, 12);
	expect_reply(55, -EBADMSG, "a message of 12 bytes (every message is 528)");
	netd_conn_input(c, &m, 3);
	expect_reply(0, -EBADMSG, "a message of 3 bytes");
	memset(big, 0, sizeof(big));
	memcpy(big, &m, sizeof(m));
	netd_conn_input(c, big, sizeof(big));
	expect_reply(55, -EBADMSG, "a message of 700 bytes");
	send_type(0);
	expect_reply(seq, -EBADMSG, "unknown message type 0");
	send_type(NETD_MSG_REPLY);
	expect_reply(seq, -EBADMSG, "REPLY is netd's message, not a request");
	assert_int_equal(fk.uplinks, 0);
}

static void test_check_net(void **state)
{
	struct netd_msg m;
	uint32_t s;

	(void)state;
	hello_ok();
	memset(&m, 0, sizeof(m));
	m.type = NETD_MSG_CHECK_NET;
	m.u.net = good_net(3, "lab", "10.3.0.0");
	fk.text = "fits:";
	s = send_msg(&m);
	expect_reply(s, 0, "fits: lab");
	assert_int_equal(fk.checks, 1);
	/* invalid networks never reach the handler */
	m.u.net.prefix = 31;
	s = send_msg(&m);
	expect_reply(s, -EINVAL,
		     "network lab: subnet '10.3.0.0/31': the prefix must be between /8 and /30, not /31");
	memset(m.u.net.name, 'x', sizeof(m.u.net.name));
	s = send_msg(&m);
	expect_reply(s, -EINVAL, "network 3: name is not NUL-terminated");
	assert_int_equal(fk.checks, 1);
	/* the handler's refusal */
	m.u.net = good_net(3, "lab", "10.3.0.0");
	fk.rc = -EADDRINUSE;
	fk.text = "clash for";
	s = send_msg(&m);
	expect_reply(s, -EADDRINUSE, "clash for lab");
}

static void test_default_uplink(void **state)
{
	uint32_t s;

	(void)state;
	hello_ok();
	fk.text = "eth0";
	s = send_type(NETD_MSG_DEFAULT_UPLINK);
	expect_reply(s, 0, "eth0");
	fk.rc = -ENOENT;
	fk.text = "no IPv4 default route";
	s = send_type(NETD_MSG_DEFAULT_UPLINK);
	expect_reply(s, -ENOENT, "no IPv4 default route");
}

static void test_leases(void **state)
{
	const struct netd_msg *out;
	size_t n, i;
	uint32_t s;

	(void)state;
	hello_ok();
	fk.n_leases = 3;
	s = send_type(NETD_MSG_LEASES);
	out = netd_conn_output(c, &n);
	assert_int_equal(n, 4);
	for (i = 0; i < 3; i++) {
		assert_int_equal(out[i].type, NETD_MSG_LEASE);
		assert_int_equal(out[i].seq, s);
		assert_int_equal(out[i].u.lease.net_id, 7);
		assert_int_equal(out[i].u.lease.mac[5], i);
	}
	assert_string_equal(out[2].u.lease.hostname, "h2");
	assert_int_equal(out[3].type, NETD_MSG_END);
	assert_int_equal(out[3].seq, s);
	/* consuming part of the queue keeps the rest in order */
	netd_conn_consume(c, 2);
	out = netd_conn_output(c, &n);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].type, NETD_MSG_LEASE);
	assert_int_equal(out[1].type, NETD_MSG_END);
	netd_conn_consume(c, 10);
	assert_int_equal(pending(), 0);
	/* none: just END */
	fk.n_leases = 0;
	s = send_type(NETD_MSG_LEASES);
	out = netd_conn_output(c, &n);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].type, NETD_MSG_END);
	netd_conn_consume(c, 1);
	/* an error: one REPLY, no END */
	fk.rc = -EACCES;
	fk.text = "cannot read leases";
	s = send_type(NETD_MSG_LEASES);
	expect_reply(s, -EACCES, "cannot read leases");
	assert_int_equal(pending(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_transfer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_state_not_committed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_sequences, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_packets_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_net, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_uplink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leases, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
