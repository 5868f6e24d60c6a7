/*
 * Unit tests of croftd's side of networking: the names of modes and
 * protocols, address allocation and MAC generation (with a fake random
 * source; the address rules themselves are test_addr.c's), the desired
 * state built from a real store, the netd client against a fake netd, and
 * the store-plus-netd transaction (net_state_apply).
 *
 * The fake netd sits at the client's seam: its connect function hands the
 * client one end of a socketpair and starts a thread that plays netd on
 * the other, answering as the test tells it (accept, refuse a state with
 * a message, stay silent, speak another version) and recording every
 * state it was sent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/unit/testlib.h"
#include "common/addr.h"
#include "common/loop.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "core/daemon.h"
#include "core/net_state.h"
#include "core/netd_client.h"
#include "store/store.h"

#define A(s) tl_ip4_or_fail(s)
#define S(a) tl_ip4_str(a)

static struct netd_net mknet(const char *cidr)
{
	struct netd_net n = { 0 };

	snprintf(n.name, sizeof(n.name), "lan");
	n.mode = NETD_MODE_NAT;
	assert_int_equal(addr_cidr_parse(cidr, &n.subnet, &n.prefix, NULL, 0), 0);
	addr_net_defaults(&n);
	return n;
}

/* ---- names ---- */

static void test_modes_protos(void **state)
{
	char err[256];
	uint32_t v;

	(void)state;
	assert_int_equal(net_mode_parse("nat", &v, err, sizeof(err)), 0);
	assert_int_equal(v, NETD_MODE_NAT);
	assert_int_equal(net_mode_parse("host-only", &v, err, sizeof(err)), 0);
	assert_int_equal(v, NETD_MODE_HOSTONLY);
	assert_int_equal(net_mode_parse("bridged", &v, err, sizeof(err)), 0);
	assert_string_equal(net_mode_name(v), "bridged");
	assert_int_equal(net_mode_parse("routed", &v, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "network mode 'routed' is unknown; use nat, host-only or bridged");
	assert_int_equal(net_proto_parse("udp", &v, err, sizeof(err)), 0);
	assert_int_equal(v, NETD_L4_UDP);
	assert_string_equal(net_proto_name(NETD_L4_TCP), "tcp");
	assert_int_equal(net_proto_parse("TCP", &v, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "protocol 'TCP' is unknown; use tcp or udp");
}

/* ---- croftd's choices ---- */

static void test_ip_alloc(void **state)
{
	struct netd_net n = mknet("10.73.0.0/24");
	struct in_addr used[3], got;
	char err[256];

	(void)state;
	assert_int_equal(net_ip_alloc(&n, NULL, 0, &got, err, sizeof(err)), 0);
	assert_string_equal(S(got), "10.73.0.2");
	used[0] = A("10.73.0.2");
	used[1] = A("10.73.0.4");
	used[2] = A("10.73.0.50");          /* a pinned one outside the order */
	assert_int_equal(net_ip_alloc(&n, used, 3, &got, err, sizeof(err)), 0);
	assert_string_equal(S(got), "10.73.0.3");
	used[1] = A("10.73.0.3");
	assert_int_equal(net_ip_alloc(&n, used, 2, &got, err, sizeof(err)), 0);
	assert_string_equal(S(got), "10.73.0.4");
	/* a full range */
	n.dhcp_first = A("10.73.0.2");
	n.dhcp_last = A("10.73.0.3");
	assert_int_equal(net_ip_alloc(&n, used, 2, &got, err, sizeof(err)), -ENOSPC);
	tl_assert_contains(err, "network lan has no free address left in its DHCP range 10.73.0.2-10.73.0.3");
}

/* A random source that replays a script of bytes. */
static const uint8_t *rnd_script;
static size_t rnd_pos, rnd_len;

static int fake_random(void *buf, size_t len)
{
	if (rnd_pos + len > rnd_len)
		return -EIO;
	memcpy(buf, rnd_script + rnd_pos, len);
	rnd_pos += len;
	return 0;
}

static void test_mac_generate(void **state)
{
	static const uint8_t script[] = {
		0x12, 0x34, 0x56,        /* taken */
		0x00, 0x00, 0x00,        /* all zero tail: skipped */
		0xab, 0xcd, 0xef,        /* free */
	};
	uint8_t used[1][6] = { { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 } }, m[6];
	char buf[ADDR_MAC_STRLEN], err[256];
	int i;

	(void)state;
	rnd_script = script;
	rnd_pos = 0;
	rnd_len = sizeof(script);
	assert_int_equal(net_mac_generate(m, (const uint8_t (*)[6])used, 1, fake_random,
					  err, sizeof(err)), 0);
	assert_string_equal(addr_mac_str(m, buf), "52:54:00:ab:cd:ef");
	assert_int_equal(rnd_pos, 9);
	/* the random source failing is reported */
	assert_int_equal(net_mac_generate(m, NULL, 0, fake_random, err, sizeof(err)), -EIO);
	tl_assert_contains(err, "cannot get random bytes for a MAC");
	/* the real source: unicast, locally administered QEMU prefix, and
	 * never one that is taken */
	for (i = 0; i < 100; i++) {
		assert_int_equal(net_mac_generate(m, (const uint8_t (*)[6])used, 1,
						  net_random_bytes, err, sizeof(err)), 0);
		assert_int_equal(m[0], 0x52);
		assert_int_equal(m[1], 0x54);
		assert_int_equal(m[2], 0x00);
		assert_true(memcmp(m, used[0], 6) != 0);
		assert_int_equal(addr_mac_parse(addr_mac_str(m, buf), m, err, sizeof(err)), 0);
	}
}

/* ---- state building from a real store ---- */

struct sfx {
	char dir[64];
	char path[128];
	struct store *st;
	int64_t vm_web, vm_db;
	char err[512];
};

static int sfx_setup(void **state)
{
	struct sfx *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/croft-test-netstate-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/croft.db", f->dir);
	if (store_open(f->path, &f->st, f->err, sizeof(f->err)))
		return -1;
	f->vm_web = tl_store_vm_or_fail(f->st, "web");
	f->vm_db = tl_store_vm_or_fail(f->st, "db");
	*state = f;
	return 0;
}

static int sfx_teardown(void **state)
{
	struct sfx *f = *state;

	store_close(f->st);
	tl_rmtree(f->dir);
	free(f);
	return 0;
}

static const char *names_of(void *ctx, int64_t id)
{
	struct sfx *f = ctx;

	return id == f->vm_web ? "web" : id == f->vm_db ? "db" : NULL;
}

static void test_state_build(void **state)
{
	struct sfx *f = *state;
	struct net_state s;
	int64_t lan, iso, br, n1, n2;
	char err[256];

	lan = tl_store_net_or_fail(f->st, "lan", "nat", "0", "uplink0");
	iso = tl_store_net_or_fail(f->st, "iso", "host-only", "1", NULL);
	br = tl_store_net_or_fail(f->st, "br", "bridged", NULL, "lan1");
	n1 = tl_store_nic_or_fail(f->st, f->vm_web, lan, "52:54:00:00:00:01", "10.73.0.2", 0, 50);
	tl_store_nic_or_fail(f->st, f->vm_web, iso, "52:54:00:00:00:02", "10.73.1.2", 0, 0);
	n2 = tl_store_nic_or_fail(f->st, f->vm_db, br, "52:54:00:00:00:03", NULL, 42, 0);
	tl_store_fwd_or_fail(f->st, lan, n1, "tcp", 8080, 80);
	tl_store_fwd_or_fail(f->st, lan, n1, "udp", 5353, 53);
	assert_int_equal(store_net_set_host_access(f->st, iso, 1, err, sizeof(err)), 0);

	assert_int_equal(net_state_build(f->st, 995, names_of, f, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n_nets, 3);
	assert_int_equal(s.n_nics, 3);
	assert_int_equal(s.n_fwds, 2);
	/* networks by name: br, iso, lan */
	assert_string_equal(s.nets[0].name, "br");
	assert_int_equal(s.nets[0].id, br);
	assert_int_equal(s.nets[0].mode, NETD_MODE_BRIDGED);
	assert_string_equal(s.nets[0].uplink, "lan1");
	assert_int_equal(s.nets[0].subnet.s_addr, 0);
	assert_int_equal(s.nets[0].prefix, 0);
	assert_int_equal(s.nets[1].mode, NETD_MODE_HOSTONLY);
	assert_string_equal(s.nets[1].uplink, "");
	/* host access: as stored; off unless set */
	assert_int_equal(s.nets[1].host_access, 1);
	assert_int_equal(s.nets[0].host_access, 0);
	assert_int_equal(s.nets[2].host_access, 0);
	assert_string_equal(s.nets[2].name, "lan");
	assert_int_equal(s.nets[2].mode, NETD_MODE_NAT);
	assert_string_equal(S(s.nets[2].subnet), "10.73.0.0");
	assert_int_equal(s.nets[2].prefix, 24);
	assert_string_equal(S(s.nets[2].gateway), "10.73.0.1");
	assert_string_equal(S(s.nets[2].dhcp_first), "10.73.0.2");
	assert_string_equal(S(s.nets[2].dhcp_last), "10.73.0.254");
	assert_string_equal(s.nets[2].uplink, "uplink0");
	/* NICs in id order, owned by QEMU's uid */
	assert_int_equal(s.nics[0].id, n1);
	assert_int_equal(s.nics[0].net_id, lan);
	assert_memory_equal(s.nics[0].mac, "\x52\x54\x00\x00\x00\x01", 6);
	assert_string_equal(S(s.nics[0].ip), "10.73.0.2");
	assert_int_equal(s.nics[0].rate_mbit, 50);
	assert_int_equal(s.nics[0].owner_uid, 995);
	assert_string_equal(s.nics[0].vm, "web");
	assert_int_equal(s.nics[2].id, n2);
	assert_int_equal(s.nics[2].vlan, 42);
	assert_int_equal(s.nics[2].ip.s_addr, 0);
	assert_string_equal(s.nics[2].vm, "db");
	/* forwards point at their NIC's address */
	assert_int_equal(s.fwds[0].proto, NETD_L4_TCP);
	assert_int_equal(s.fwds[0].host_port, 8080);
	assert_int_equal(s.fwds[0].guest_port, 80);
	assert_int_equal(s.fwds[0].net_id, lan);
	assert_string_equal(S(s.fwds[0].guest_ip), "10.73.0.2");
	assert_int_equal(s.fwds[1].proto, NETD_L4_UDP);
	net_state_clear(&s);
	net_state_clear(&s);                  /* twice is harmless */

	/* an empty store is an empty state */
	store_net_delete(f->st, lan, 1, NULL, 0);
	store_net_delete(f->st, iso, 1, NULL, 0);
	store_net_delete(f->st, br, 1, NULL, 0);
	assert_int_equal(net_state_build(f->st, 0, NULL, NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n_nets + s.n_nics + s.n_fwds, 0);
	net_state_clear(&s);
}

/* ---- the fake netd ---- */

struct fake {
	pthread_mutex_t mu;
	int down;                    /* connect fails: netd is not running */
	int hello_status;
	int silent;                  /* never answer anything */
	int hangup;                  /* close the connection at the next message */
	int drop_state;              /* close it at every state transfer */
	int refuse_state;            /* refuse every COMMIT with status/text */
	char refuse_text[128];
	int check_status;
	char check_text[128];
	char uplink[16];
	struct netd_lease leases[3];
	size_t nleases;
	/* recorded */
	int connects, hellos, commits, checks;
	struct net_state last;       /* the last state committed */
	struct netd_net last_check;
	int fds[8];
	int nfds;
	pthread_t threads[8];
	int nthreads;
};

static struct fake fk;

struct conn {
	int fd;
};

static void send_reply(int fd, uint32_t seq, int32_t status, const char *text)
{
	struct netd_msg m;

	memset(&m, 0, sizeof(m));
	m.type = NETD_MSG_REPLY;
	m.seq = seq;
	m.u.reply.status = status;
	snprintf(m.u.reply.text, sizeof(m.u.reply.text), "%s", text ? text : "");
	/* no cmocka asserts off the test's thread: a lost reply shows as a
	 * timeout in the test */
	if (send(fd, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		fprintf(stderr, "fake netd: reply lost\n");
}

static void *fake_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct net_state cur = { 0 };
	struct netd_msg m;
	size_t i;

	while (recv(fd, &m, sizeof(m), 0) == (ssize_t)sizeof(m)) {
		pthread_mutex_lock(&fk.mu);
		if (fk.hangup || (fk.drop_state && m.type == NETD_MSG_STATE_BEGIN)) {
			fk.hangup = 0;
			pthread_mutex_unlock(&fk.mu);
			break;
		}
		if (fk.silent) {
			pthread_mutex_unlock(&fk.mu);
			continue;
		}
		switch (m.type) {
		case NETD_MSG_HELLO:
			fk.hellos++;
			send_reply(fd, m.seq, m.u.hello.version == NETD_PROTO_VERSION ? fk.hello_status
				   : -EPROTONOSUPPORT, fk.hello_status ? "netd speaks version 9" : "");
			break;
		case NETD_MSG_STATE_BEGIN:
			net_state_clear(&cur);
			cur.nets = xcalloc(m.u.begin.nets + 1, sizeof(*cur.nets));
			cur.nics = xcalloc(m.u.begin.nics + 1, sizeof(*cur.nics));
			cur.fwds = xcalloc(m.u.begin.fwds + 1, sizeof(*cur.fwds));
			break;
		case NETD_MSG_STATE_NET:
			cur.nets[cur.n_nets++] = m.u.net;
			break;
		case NETD_MSG_STATE_NIC:
			cur.nics[cur.n_nics++] = m.u.nic;
			break;
		case NETD_MSG_STATE_FWD:
			cur.fwds[cur.n_fwds++] = m.u.fwd;
			break;
		case NETD_MSG_STATE_COMMIT:
			if (fk.refuse_state) {
				send_reply(fd, m.seq, fk.refuse_state, fk.refuse_text);
				break;
			}
			fk.commits++;
			net_state_clear(&fk.last);
			fk.last = cur;
			memset(&cur, 0, sizeof(cur));
			send_reply(fd, m.seq, 0, "");
			break;
		case NETD_MSG_CHECK_NET:
			fk.checks++;
			fk.last_check = m.u.net;
			send_reply(fd, m.seq, fk.check_status, fk.check_text);
			break;
		case NETD_MSG_DEFAULT_UPLINK:
			send_reply(fd, m.seq, fk.uplink[0] ? 0 : -ENOENT,
				   fk.uplink[0] ? fk.uplink : "no default route");
			break;
		case NETD_MSG_LEASES:
			for (i = 0; i < fk.nleases; i++) {
				struct netd_msg l;

				memset(&l, 0, sizeof(l));
				l.type = NETD_MSG_LEASE;
				l.seq = m.seq;
				l.u.lease = fk.leases[i];
				send(fd, &l, sizeof(l), MSG_NOSIGNAL);
			}
			memset(&m.u, 0, sizeof(m.u));
			m.type = NETD_MSG_END;
			send(fd, &m, sizeof(m), MSG_NOSIGNAL);
			break;
		}
		pthread_mutex_unlock(&fk.mu);
	}
	net_state_clear(&cur);
	close(fd);
	return NULL;
}

static int fake_connect(void *ctx, const char *path)
{
	int sv[2];

	(void)ctx;
	assert_string_equal(path, "/run/test/netd.sock");
	pthread_mutex_lock(&fk.mu);
	fk.connects++;
	if (fk.down) {
		pthread_mutex_unlock(&fk.mu);
		return -ENOENT;
	}
	pthread_mutex_unlock(&fk.mu);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_true(fk.nthreads < 8);
	assert_int_equal(pthread_create(&fk.threads[fk.nthreads++], NULL, fake_main,
					(void *)(intptr_t)sv[1]), 0);
	return sv[0];
}

static const struct netd_client_ops fake_ops = { fake_connect, NULL };

static int fake_reset(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	pthread_mutex_init(&fk.mu, NULL);
	return 0;
}

/* Free the client (closing its end) and wait for every fake thread. */
static void fake_join(struct netd_client *c)
{
	int i;

	netd_client_free(c);
	for (i = 0; i < fk.nthreads; i++)
		pthread_join(fk.threads[i], NULL);
	fk.nthreads = 0;
	net_state_clear(&fk.last);
}

static int one_net_state(void *data, struct net_state *out, char *err, size_t errlen)
{
	(void)data;
	(void)err;
	(void)errlen;
	memset(out, 0, sizeof(*out));
	out->nets = xcalloc(1, sizeof(*out->nets));
	out->nets[0] = mknet("10.73.9.0/24");
	out->nets[0].id = 9;
	out->n_nets = 1;
	return 0;
}

static void test_client_connect_pushes_state(void **state)
{
	struct netd_client *c;
	char err[NETD_TEXT_LEN];

	(void)state;
	c = netd_client_new(NULL, "/run/test/netd.sock", &fake_ops, one_net_state, NULL);
	assert_false(netd_client_connected(c));
	assert_int_equal(netd_client_start(c), 0);
	assert_true(netd_client_connected(c));
	assert_string_equal(netd_client_path(c), "/run/test/netd.sock");
	/* HELLO, then the whole state at once */
	assert_int_equal(fk.hellos, 1);
	assert_int_equal(fk.commits, 1);
	assert_int_equal(fk.last.n_nets, 1);
	assert_int_equal(fk.last.nets[0].id, 9);
	assert_string_equal(fk.last.nets[0].name, "lan");
	assert_int_equal(netd_client_ensure(c, err, sizeof(err)), 0);
	assert_int_equal(fk.connects, 1);        /* no reconnect while connected */
	fake_join(c);
}

static void test_client_down(void **state)
{
	struct netd_client *c;
	struct net_state s = { 0 };
	struct netd_lease *l;
	char err[NETD_TEXT_LEN], ifn[NETD_IFNAME_LEN];
	struct netd_net n = mknet("10.73.0.0/24");
	size_t nl;

	(void)state;
	fk.down = 1;
	c = netd_client_new(NULL, "/run/test/netd.sock", &fake_ops, one_net_state, NULL);
	assert_int_equal(netd_client_start(c), -ENOTCONN);
	assert_int_equal(netd_client_push(c, &s, err, sizeof(err)), -ENOTCONN);
	assert_string_equal(err, "croft-netd is not running (no answer at /run/test/netd.sock)");
	assert_int_equal(netd_client_check_net(c, &n, err, sizeof(err)), -ENOTCONN);
	assert_int_equal(netd_client_default_uplink(c, ifn, err, sizeof(err)), -ENOTCONN);
	assert_int_equal(netd_client_leases(c, &l, &nl, err, sizeof(err)), -ENOTCONN);
	assert_string_equal(net_netd_code(-ENOTCONN), PROTO_E_UNAVAILABLE);
	/* every request tried to connect: no waiting for a timer */
	assert_int_equal(fk.connects, 5);
	/* netd comes up: the next request connects and pushes first */
	fk.down = 0;
	assert_int_equal(netd_client_check_net(c, &n, err, sizeof(err)), 0);
	assert_int_equal(fk.hellos, 1);
	assert_int_equal(fk.commits, 1);
	assert_int_equal(fk.checks, 1);
	assert_string_equal(S(fk.last_check.subnet), "10.73.0.0");
	fake_join(c);
}

static void test_client_requests(void **state)
{
	struct netd_client *c;
	struct net_state s = { 0 };
	struct netd_net n = mknet("10.0.0.0/24");
	struct netd_lease *l;
	char err[NETD_TEXT_LEN], ifn[NETD_IFNAME_LEN];
	size_t nl, i;

	(void)state;
	c = netd_client_new(NULL, "/run/test/netd.sock", &fake_ops, NULL, NULL);
	assert_int_equal(netd_client_start(c), 0);
	assert_int_equal(fk.commits, 0);          /* no state callback, no push */

	/* a state of every kind of record goes over as sent */
	s.nets = xcalloc(2, sizeof(*s.nets));
	s.nics = xcalloc(3, sizeof(*s.nics));
	s.fwds = xcalloc(1, sizeof(*s.fwds));
	s.nets[0] = n;
	s.nets[0].id = 1;
	s.nets[1].id = 2;
	s.nets[1].mode = NETD_MODE_BRIDGED;
	snprintf(s.nets[1].uplink, sizeof(s.nets[1].uplink), "lan1");
	s.n_nets = 2;
	for (i = 0; i < 3; i++) {
		s.nics[i].id = (uint32_t)(10 + i);
		s.nics[i].net_id = 1;
		s.nics[i].mac[0] = 0x52;
		s.nics[i].mac[5] = (uint8_t)i;
	}
	s.n_nics = 3;
	s.fwds[0].id = 5;
	s.fwds[0].proto = NETD_L4_TCP;
	s.fwds[0].host_port = 8080;
	s.n_fwds = 1;
	assert_int_equal(netd_client_push(c, &s, err, sizeof(err)), 0);
	assert_int_equal(fk.commits, 1);
	assert_int_equal(fk.last.n_nets, 2);
	assert_int_equal(fk.last.n_nics, 3);
	assert_int_equal(fk.last.n_fwds, 1);
	assert_memory_equal(fk.last.nets, s.nets, 2 * sizeof(*s.nets));
	assert_memory_equal(fk.last.nics, s.nics, 3 * sizeof(*s.nics));
	assert_int_equal(fk.last.fwds[0].host_port, 8080);

	/* netd refuses a state: its status and words come back */
	fk.refuse_state = -EBUSY;
	snprintf(fk.refuse_text, sizeof(fk.refuse_text), "uplink lan1 is enslaved to br0");
	assert_int_equal(netd_client_push(c, &s, err, sizeof(err)), -EBUSY);
	assert_string_equal(err, "uplink lan1 is enslaved to br0");
	assert_string_equal(net_netd_code(-EBUSY), PROTO_E_INVALID_ARGUMENT);
	assert_true(netd_client_connected(c));    /* a refusal is not a failure */
	fk.refuse_state = 0;

	/* CHECK_NET */
	fk.check_status = -EADDRINUSE;
	snprintf(fk.check_text, sizeof(fk.check_text),
		 "subnet 10.0.0.0/24 overlaps the host route 10.0.0.0/16 on eth1");
	assert_int_equal(netd_client_check_net(c, &n, err, sizeof(err)), -EADDRINUSE);
	assert_string_equal(err, "subnet 10.0.0.0/24 overlaps the host route 10.0.0.0/16 on eth1");

	/* DEFAULT_UPLINK */
	assert_int_equal(netd_client_default_uplink(c, ifn, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no default route");
	snprintf(fk.uplink, sizeof(fk.uplink), "uplink0");
	assert_int_equal(netd_client_default_uplink(c, ifn, err, sizeof(err)), 0);
	assert_string_equal(ifn, "uplink0");

	/* LEASES */
	assert_int_equal(netd_client_leases(c, &l, &nl, err, sizeof(err)), 0);
	assert_int_equal(nl, 0);
	free(l);
	fk.nleases = 2;
	fk.leases[0].net_id = 1;
	fk.leases[0].ip = A("10.0.0.7");
	snprintf(fk.leases[0].hostname, sizeof(fk.leases[0].hostname), "web");
	fk.leases[1].net_id = 1;
	fk.leases[1].ip = A("10.0.0.8");
	fk.leases[1].expires = 1700000000;
	assert_int_equal(netd_client_leases(c, &l, &nl, err, sizeof(err)), 0);
	assert_int_equal(nl, 2);
	assert_string_equal(S(l[0].ip), "10.0.0.7");
	assert_string_equal(l[0].hostname, "web");
	assert_int_equal(l[1].expires, 1700000000);
	free(l);
	net_state_clear(&s);
	fake_join(c);
}

/* The retry timer backs off: an absent netd is tried after 10, 20, 40,
 * 80, 80 ms (here; 100 ms to 5 s in croftd); a connection resets it, so
 * the first try after a loss comes after 10 ms again.  Requests meanwhile
 * fail at once, naming croft-netd, and leave the timer's schedule alone. */
static uint64_t try_at[16];

static int timed_connect(void *ctx, const char *path)
{
	if (fk.connects < 16)
		try_at[fk.connects] = loop_now_ms();
	return fake_connect(ctx, path);
}

static const struct netd_client_ops timed_ops = { timed_connect, NULL };

static void run_loop_until(struct loop *l, int (*done)(struct netd_client *), struct netd_client *c)
{
	uint64_t t0 = loop_now_ms();

	while (!done(c) && loop_now_ms() - t0 < 5000)
		assert_true(loop_run_once(l, 50) >= 0);
	assert_true(done(c));
}

static int six_tries(struct netd_client *c)
{
	(void)c;
	return fk.connects >= 6;
}

static int is_connected(struct netd_client *c)
{
	return netd_client_connected(c);
}

static void test_client_backoff(void **state)
{
	static const uint64_t gap[] = { 10, 20, 40, 80, 80 };
	struct netd_net n = mknet("10.73.0.0/24");
	struct loop *l = loop_new();
	char err[NETD_TEXT_LEN];
	struct netd_client *c;
	uint64_t t0;
	size_t i;

	(void)state;
	/* the schedule itself, with croftd's bounds */
	assert_int_equal(netd_client_backoff(0, 100, 5000), 100);
	assert_int_equal(netd_client_backoff(100, 100, 5000), 200);
	assert_int_equal(netd_client_backoff(1600, 100, 5000), 3200);
	assert_int_equal(netd_client_backoff(3200, 100, 5000), 5000);
	assert_int_equal(netd_client_backoff(5000, 100, 5000), 5000);

	fk.down = 1;
	c = netd_client_new(l, "/run/test/netd.sock", &timed_ops, one_net_state, NULL);
	netd_client_set_retry(c, 10, 80);
	assert_int_equal(netd_client_retry_ms(c), 0);
	assert_int_equal(netd_client_start(c), -ENOTCONN);
	assert_int_equal(netd_client_retry_ms(c), 10);
	/* a request while netd is down: refused at once, naming netd */
	t0 = loop_now_ms();
	assert_int_equal(netd_client_check_net(c, &n, err, sizeof(err)), -ENOTCONN);
	assert_string_equal(err, "croft-netd is not running (no answer at /run/test/netd.sock)");
	assert_true(loop_now_ms() - t0 < 1000);
	assert_int_equal(netd_client_retry_ms(c), 10);
	fk.connects = 1;                 /* the request's try is not the timer's */
	run_loop_until(l, six_tries, c);
	for (i = 0; i < sizeof(gap) / sizeof(gap[0]); i++) {
		assert_true(try_at[i + 1] - try_at[i] >= gap[i] - 1);
		assert_true(try_at[i + 1] - try_at[i] < gap[i] + 1000);
	}
	assert_int_equal(netd_client_retry_ms(c), 80);

	/* netd starts: connected by the timer at its longest delay */
	fk.down = 0;
	run_loop_until(l, is_connected, c);
	assert_int_equal(netd_client_retry_ms(c), 0);
	assert_int_equal(fk.commits, 1);
	/* netd goes again: the first retry is the shortest again */
	pthread_mutex_lock(&fk.mu);
	fk.down = 1;
	fk.hangup = 1;
	pthread_mutex_unlock(&fk.mu);
	assert_int_equal(netd_client_check_net(c, &n, err, sizeof(err)), -ENOTCONN);
	assert_false(netd_client_connected(c));
	assert_int_equal(netd_client_retry_ms(c), 10);
	fake_join(c);
	loop_free(l);
}

static int four_tries(struct netd_client *c)
{
	(void)c;
	return fk.connects >= 4;
}

/* A netd that takes the hello but drops every state transfer is not
 * retried at the shortest delay: the backoff starts over only once the
 * state went through. */
static void test_client_backoff_push_dropped(void **state)
{
	struct loop *l = loop_new();
	struct netd_client *c;

	(void)state;
	fk.drop_state = 1;
	c = netd_client_new(l, "/run/test/netd.sock", &fake_ops, one_net_state, NULL);
	netd_client_set_retry(c, 10, 80);
	assert_int_equal(netd_client_start(c), -ENOTCONN);
	run_loop_until(l, four_tries, c);
	assert_false(netd_client_connected(c));
	assert_int_equal(fk.hellos, 4);
	assert_int_equal(fk.commits, 0);
	assert_int_equal(netd_client_retry_ms(c), 80);   /* 10, 20, 40, 80 */
	fake_join(c);
	loop_free(l);
}

static void test_client_timeout_and_version(void **state)
{
	struct netd_client *c;
	struct netd_net n = mknet("10.0.0.0/24");
	char err[NETD_TEXT_LEN];

	(void)state;
	/* a netd that never answers: the request times out and the
	 * connection is dropped, so the next one starts over */
	c = netd_client_new(NULL, "/run/test/netd.sock", &fake_ops, NULL, NULL);
	netd_client_set_timeout(c, 200);
	assert_int_equal(netd_client_start(c), 0);
	fk.silent = 1;
	assert_int_equal(netd_client_check_net(c, &n, err, sizeof(err)), -ETIMEDOUT);
	tl_assert_contains(err, "croft-netd did not answer within 200 ms");
	assert_false(netd_client_connected(c));
	assert_string_equal(net_netd_code(-ETIMEDOUT), PROTO_E_TIMEOUT);
	fk.silent = 0;
	assert_int_equal(netd_client_check_net(c, &n, err, sizeof(err)), 0);
	assert_int_equal(fk.connects, 2);
	assert_int_equal(fk.hellos, 2);
	fake_join(c);

	/* a netd of another version refuses the hello */
	fk.hello_status = -EPROTONOSUPPORT;
	c = netd_client_new(NULL, "/run/test/netd.sock", &fake_ops, NULL, NULL);
	assert_int_equal(netd_client_ensure(c, err, sizeof(err)), -EPROTONOSUPPORT);
	tl_assert_contains(err, "refused croftd's hello: netd speaks version 9");
	assert_false(netd_client_connected(c));
	fake_join(c);
}

/* netd goes away between requests (its end closed): the next request
 * notices, reconnects, pushes, and succeeds. */
static void test_client_netd_restart(void **state)
{
	struct netd_client *c;
	struct netd_net n = mknet("10.0.0.0/24");
	char err[NETD_TEXT_LEN];

	(void)state;
	c = netd_client_new(NULL, "/run/test/netd.sock", &fake_ops, one_net_state, NULL);
	assert_int_equal(netd_client_start(c), 0);
	/* netd dies while croftd waits for its answer */
	pthread_mutex_lock(&fk.mu);
	fk.hangup = 1;
	pthread_mutex_unlock(&fk.mu);
	assert_int_equal(netd_client_check_net(c, &n, err, sizeof(err)), -ENOTCONN);
	tl_assert_contains(err, "croft-netd is not running (no answer at /run/test/netd.sock): croft-netd closed the connection");
	assert_false(netd_client_connected(c));
	/* a new netd: the next request connects, pushes, and gets its answer */
	assert_int_equal(netd_client_check_net(c, &n, err, sizeof(err)), 0);
	assert_int_equal(fk.commits, 2);          /* the state again, on the new connection */
	fake_join(c);
}

/* ---- the transaction ---- */

struct dfx {
	struct sfx s;
	struct croftd d;
};

static int dfx_setup(void **state)
{
	struct dfx *x = xcalloc(1, sizeof(*x));
	struct sfx *f;
	void *p;

	fake_reset(NULL);
	if (sfx_setup(&p) < 0)
		return -1;
	f = p;
	x->s = *f;
	free(f);
	x->d.store = x->s.st;
	x->d.drop_privs = 1;
	x->d.qemu_uid = 995;
	x->d.netd = netd_client_new(NULL, "/run/test/netd.sock", &fake_ops, net_state_of_daemon,
				    &x->d);
	*state = x;
	return 0;
}

static int dfx_teardown(void **state)
{
	struct dfx *x = *state;
	void *p = xcalloc(1, sizeof(struct sfx));

	fake_join(x->d.netd);
	memcpy(p, &x->s, sizeof(x->s));
	free(x);
	return sfx_teardown(&p);
}

static int ch_add_lan(struct croftd *d, void *ctx, const char **code, char *err, size_t errlen)
{
	(void)ctx;
	(void)code;
	(void)err;
	(void)errlen;
	tl_store_net_or_fail(d->store, "lan", "nat", "0", "uplink0");
	return 0;
}

static int ch_fail(struct croftd *d, void *ctx, const char **code, char *err, size_t errlen)
{
	(void)ctx;
	tl_store_net_or_fail(d->store, "half", "host-only", "5", NULL);
	*code = PROTO_E_INVALID_ARGUMENT;
	err_set(err, errlen, "changed my mind");
	return -EINVAL;
}

static long long count_nets(struct croftd *d)
{
	struct store_net *v;
	size_t n;

	assert_int_equal(store_net_list(d->store, &v, &n), 0);
	store_net_list_free(v, n);
	return (long long)n;
}

static void test_apply(void **state)
{
	struct dfx *x = *state;
	struct croftd *d = &x->d;
	const char *code = NULL;
	char err[512];

	/* netd not running: unavailable, nothing written */
	fk.down = 1;
	assert_int_equal(net_state_apply(d, ch_add_lan, NULL, &code, err, sizeof(err)), -ENOTCONN);
	assert_string_equal(code, PROTO_E_UNAVAILABLE);
	assert_string_equal(err, "croft-netd is not running (no answer at /run/test/netd.sock)");
	assert_int_equal(count_nets(d), 0);

	/* netd refuses the new state: rolled back, old state pushed again */
	fk.down = 0;
	fk.refuse_state = -ENODEV;
	snprintf(fk.refuse_text, sizeof(fk.refuse_text), "uplink0 does not exist");
	assert_int_equal(net_state_apply(d, ch_add_lan, NULL, &code, err, sizeof(err)), -ENODEV);
	assert_string_equal(code, PROTO_E_INVALID_ARGUMENT);
	assert_string_equal(err, "uplink0 does not exist");
	assert_int_equal(count_nets(d), 0);
	fk.refuse_state = 0;

	/* the change itself fails: nothing written, nothing pushed */
	fk.commits = 0;
	assert_int_equal(net_state_apply(d, ch_fail, NULL, &code, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "changed my mind");
	assert_int_equal(count_nets(d), 0);
	assert_int_equal(fk.commits, 0);

	/* accepted: committed, and netd has the network */
	assert_int_equal(net_state_apply(d, ch_add_lan, NULL, &code, err, sizeof(err)), 0);
	assert_int_equal(count_nets(d), 1);
	assert_int_equal(fk.last.n_nets, 1);
	assert_string_equal(fk.last.nets[0].name, "lan");

	/* and net_state_push sends exactly the store */
	tl_store_nic_or_fail(d->store, x->s.vm_web, fk.last.nets[0].id, "52:54:00:00:00:01", "10.73.0.2", 0, 0);
	assert_int_equal(net_state_push(d, &code, err, sizeof(err)), 0);
	assert_int_equal(fk.last.n_nics, 1);
	assert_int_equal(fk.last.nics[0].owner_uid, 995);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes_protos),
		cmocka_unit_test(test_ip_alloc),
		cmocka_unit_test(test_mac_generate),
		cmocka_unit_test_setup_teardown(test_state_build, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup(test_client_connect_pushes_state, fake_reset),
		cmocka_unit_test_setup(test_client_down, fake_reset),
		cmocka_unit_test_setup(test_client_requests, fake_reset),
		cmocka_unit_test_setup(test_client_backoff, fake_reset),
		cmocka_unit_test_setup(test_client_backoff_push_dropped, fake_reset),
		cmocka_unit_test_setup(test_client_timeout_and_version, fake_reset),
		cmocka_unit_test_setup(test_client_netd_restart, fake_reset),
		cmocka_unit_test_setup_teardown(test_apply, dfx_setup, dfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
