/*
 * Tests for the nftables batch builder (netd/nft_ruleset.c, nft_model.c,
 * nft_expr.c, nft_text.c) by round trip: build a batch from a state,
 * parse every message back through libnftnl (nft_describe) and compare
 * with what must be there.  The expected expressions of the one-network
 * case are copied from `nft --debug=netlink` compiling the same rule text,
 * so they pin the encoding to nft's own.  No kernel is needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "netd/nft_describe.h"
#include "netd/nft_model.h"
#include "netd/nft_ruleset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

/* ---- states ------------------------------------------------------------- */

struct tstate {
	struct netd_net nets[8];
	struct netd_nic nics[64];
	struct netd_fwd fwds[64];
	struct netd_state st;
};

static struct tstate *ts_new(void)
{
	struct tstate *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->st.nets = t->nets;
	t->st.nics = t->nics;
	t->st.fwds = t->fwds;
	return t;
}

static void ts_net(struct tstate *t, uint32_t id, uint32_t mode, const char *name,
		   const char *subnet, uint32_t prefix, const char *uplink)
{
	struct netd_net *n = &t->nets[t->st.n_nets++];

	n->id = id;
	n->mode = mode;
	snprintf(n->name, sizeof(n->name), "%s", name);
	if (subnet) {
		n->subnet = tl_ip4_or_fail(subnet);
		n->prefix = prefix;
		n->gateway.s_addr = htonl(ntohl(n->subnet.s_addr) + 1);
	}
	snprintf(n->uplink, sizeof(n->uplink), "%s", uplink ? uplink : "");
}

static void ts_nic(struct tstate *t, uint32_t id, uint32_t net_id, uint8_t mac_last,
		   const char *ip, uint32_t rate, uint16_t vlan, const char *vm)
{
	struct netd_nic *c = &t->nics[t->st.n_nics++];
	static const uint8_t base[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x00 };

	c->id = id;
	c->net_id = net_id;
	memcpy(c->mac, base, 6);
	c->mac[5] = mac_last;
	if (ip)
		c->ip = tl_ip4_or_fail(ip);
	c->rate_mbit = rate;
	c->vlan = vlan;
	snprintf(c->vm, sizeof(c->vm), "%s", vm);
}

static void ts_fwd(struct tstate *t, uint32_t id, uint32_t net_id, uint32_t proto,
		   uint16_t hport, const char *ip, uint16_t gport)
{
	struct netd_fwd *f = &t->fwds[t->st.n_fwds++];

	f->id = id;
	f->net_id = net_id;
	f->proto = proto;
	f->host_port = hport;
	f->guest_ip = tl_ip4_or_fail(ip);
	f->guest_port = gport;
}

/* One nat network with one forward and one NIC, as in the header comment. */
static struct tstate *ts_one_nat(void)
{
	struct tstate *t = ts_new();

	ts_net(t, 1, NETD_MODE_NAT, "lan", "10.0.0.0", 24, "eth0");
	ts_nic(t, 5, 1, 0x56, "10.0.0.5", 0, 0, "web");
	ts_fwd(t, 1, 1, NETD_L4_TCP, 8080, "10.0.0.5", 80);
	return t;
}

/* ---- building and parsing back ------------------------------------------ */

static void build_desc(const struct netd_state *st, struct nft_desc *d)
{
	char err[256] = "", *buf;
	size_t len;
	int rc;

	rc = nft_ruleset_build_alloc(st, 1000, &buf, &len, err, sizeof(err));
	if (rc)
		fail_msg("build: %d %s", rc, err);
	rc = nft_describe(buf, len, d, err, sizeof(err));
	if (rc)
		fail_msg("describe: %d %s", rc, err);
	free(buf);
}

static void assert_lines(const struct nft_desc *d, const char *const *want, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < d->n; i++)
		if (strcmp(d->lines[i], want[i]))
			fail_msg("line %zu:\n  got  %s\n  want %s", i, d->lines[i], want[i]);
	if (d->n != n)
		fail_msg("%zu lines, want %zu (first extra: %s)", d->n, n,
			 d->n > n ? d->lines[n] : want[d->n]);
}

/* Lines starting with prefix, in order. */
static size_t grep(const struct nft_desc *d, const char *prefix, const char **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++)
		if (!strncmp(d->lines[i], prefix, strlen(prefix))) {
			if (n < max)
				out[n] = d->lines[i];
			n++;
		}
	return n;
}

static size_t count(const struct nft_desc *d, const char *prefix)
{
	return grep(d, prefix, NULL, 0);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_empty_state_removes_both_tables(void **state)
{
	static const char *const want[] = {
		"batch begin",
		"table inet croft",
		"delete table inet croft",
		"table bridge croft",
		"delete table bridge croft",
		"batch end",
	};
	struct netd_state st = { 0 };
	struct nft_desc d;

	(void)state;
	build_desc(&st, &d);
	assert_lines(&d, want, sizeof(want) / sizeof(want[0]));
	nft_desc_free(&d);
}

#define IFN_BR1  "0x666f7263 0x31726274 0x00000000 0x00000000"   /* "croftbr1" */
#define IFN_ETH0 "0x30687465 0x00000000 0x00000000 0x00000000"   /* "eth0" */
#define IFN_T5   "0x666f7263 0x00357474 0x00000000 0x00000000"   /* "croftt5" */
#define C_TABLE  " comment=\"" NFT_TABLE_COMMENT "\""
#define IFN_BR2  "0x666f7263 0x32726274 0x00000000 0x00000000"   /* "croftbr2" */

static void test_one_nat_network_exact(void **state)
{
	static const char *const want[] = {
		"batch begin",
		"table inet croft",
		"delete table inet croft",
		"table inet croft" C_TABLE,
		"chain inet croft prerouting type=nat hook=prerouting prio=-100 policy=accept"
		" comment=\"port forwards from outside\"",
		"rule inet croft prerouting [ fib daddr type => reg 1 ] [ cmp eq reg 1 0x00000002 ]"
		" [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000006 ]"
		" [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp eq reg 1 0x0000901f ]"
		" [ immediate reg 1 0x0500000a ] [ immediate reg 2 0x00005000 ]"
		" [ nat dnat ip addr_min reg 1 proto_min reg 2 flags 0x2 ]"
		" comment=\"forward tcp 8080 -> web:80\"",
		"chain inet croft output type=nat hook=output prio=-100 policy=accept"
		" comment=\"port forwards from the host itself\"",
		"rule inet croft output [ fib daddr type => reg 1 ] [ cmp eq reg 1 0x00000002 ]"
		" [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000006 ]"
		" [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp eq reg 1 0x0000901f ]"
		" [ immediate reg 1 0x0500000a ] [ immediate reg 2 0x00005000 ]"
		" [ nat dnat ip addr_min reg 1 proto_min reg 2 flags 0x2 ]"
		" comment=\"forward tcp 8080 -> web:80\"",
		"chain inet croft postrouting type=nat hook=postrouting prio=100 policy=accept"
		" comment=\"masquerade of nat networks\"",
		"rule inet croft postrouting [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ]"
		" [ payload load 3b @ network header + 12 => reg 1 ] [ cmp eq reg 1 0x0000000a ]"
		" [ payload load 3b @ network header + 16 => reg 1 ] [ cmp neq reg 1 0x0000000a ]"
		" [ meta load oifname => reg 1 ] [ cmp eq reg 1 " IFN_ETH0 " ] [ masq ]"
		" comment=\"nat lan: masquerade out of eth0\"",
		"rule inet croft postrouting [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ]"
		" [ payload load 3b @ network header + 12 => reg 1 ] [ cmp eq reg 1 0x0000000a ]"
		" [ payload load 3b @ network header + 16 => reg 1 ] [ cmp eq reg 1 0x0000000a ]"
		" [ ct load status => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]"
		" [ cmp neq reg 1 0x00000000 ] [ masq ]"
		" comment=\"nat lan: hairpin for forwards used from inside\"",
		"rule inet croft postrouting [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ]"
		" [ payload load 1b @ network header + 12 => reg 1 ] [ cmp eq reg 1 0x0000007f ]"
		" [ meta load oifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ ct load status => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]"
		" [ cmp neq reg 1 0x00000000 ] [ masq ]"
		" comment=\"nat lan: forwards used from the host's loopback\"",
		"chain inet croft forward type=filter hook=forward prio=0 policy=accept"
		" comment=\"isolation: a network reaches only its uplink\"",
		"rule inet croft forward [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ meta load oifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ immediate reg 0 accept ] comment=\"nat lan: within the network\"",
		"rule inet croft forward [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ]"
		" [ payload load 3b @ network header + 12 => reg 1 ] [ cmp eq reg 1 0x0000000a ]"
		" [ meta load oifname => reg 1 ] [ cmp eq reg 1 " IFN_ETH0 " ]"
		" [ immediate reg 0 accept ] comment=\"nat lan: guests out to eth0\"",
		"rule inet croft forward [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ immediate reg 0 drop ] comment=\"isolate lan: nothing else leaves croftbr1\"",
		"rule inet croft forward [ meta load oifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ ct load state => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ]"
		" [ cmp neq reg 1 0x00000000 ] [ immediate reg 0 accept ]"
		" comment=\"nat lan: replies to guests\"",
		"rule inet croft forward [ meta load oifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ ct load status => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]"
		" [ cmp neq reg 1 0x00000000 ] [ immediate reg 0 accept ]"
		" comment=\"nat lan: port forwards in\"",
		"rule inet croft forward [ meta load oifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ immediate reg 0 drop ] comment=\"isolate lan: nothing else enters croftbr1\"",
		"chain inet croft input type=filter hook=input prio=0 policy=accept"
		" comment=\"what guests may reach on the host (never its loopback)\"",
		"rule inet croft input [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ]"
		" [ payload load 1b @ network header + 16 => reg 1 ] [ cmp eq reg 1 0x0000007f ]"
		" [ ct load status => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]"
		" [ cmp eq reg 1 0x00000000 ]"
		" [ immediate reg 0 drop ] comment=\"nat lan: guests never reach the host's loopback\"",
		"rule inet croft input [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ]"
		" [ payload load 1b @ network header + 12 => reg 1 ] [ cmp eq reg 1 0x0000007f ]"
		" [ ct load status => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]"
		" [ cmp eq reg 1 0x00000000 ]"
		" [ immediate reg 0 drop ] comment=\"nat lan: no loopback source from guests\"",
		"rule inet croft input [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ ct load state => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ]"
		" [ cmp neq reg 1 0x00000000 ] [ immediate reg 0 accept ]"
		" comment=\"host lan: replies to the host's own connections\"",
		"rule inet croft input [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000011 ]"
		" [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp eq reg 1 0x00004300 ]"
		" [ immediate reg 0 accept ] comment=\"host lan: DHCP\"",
		"rule inet croft input [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ]"
		" [ payload load 4b @ network header + 16 => reg 1 ] [ cmp eq reg 1 0x0100000a ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000011 ]"
		" [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp eq reg 1 0x00003500 ]"
		" [ immediate reg 0 accept ] comment=\"host lan: DNS\"",
		"rule inet croft input [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ]"
		" [ payload load 4b @ network header + 16 => reg 1 ] [ cmp eq reg 1 0x0100000a ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000006 ]"
		" [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp eq reg 1 0x00003500 ]"
		" [ immediate reg 0 accept ] comment=\"host lan: DNS over TCP\"",
		"rule inet croft input [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000001 ]"
		" [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp eq reg 1 0x00000008 ]"
		" [ immediate reg 0 accept ] comment=\"host lan: ping\"",
		"rule inet croft input [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x0000003a ]"
		" [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp eq reg 1 0x00000080 ]"
		" [ immediate reg 0 accept ] comment=\"host lan: ping6\"",
		"rule inet croft input [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x0000003a ]"
		" [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp eq reg 1 0x00000087 ]"
		" [ immediate reg 0 accept ] comment=\"host lan: neighbour solicitations\"",
		"rule inet croft input [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x0000003a ]"
		" [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp eq reg 1 0x00000088 ]"
		" [ immediate reg 0 accept ] comment=\"host lan: neighbour advertisements\"",
		"rule inet croft input [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ]"
		" [ immediate reg 0 drop ]"
		" comment=\"host lan: host-access off, nothing else from croftbr1 reaches the host\"",
		"table bridge croft",
		"delete table bridge croft",
		"table bridge croft" C_TABLE,
		"chain bridge croft prerouting type=filter hook=prerouting prio=-200 policy=accept"
		" comment=\"anti-spoofing, guards and rate limits from guests\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 6b @ link header + 6 => reg 1 ] [ cmp neq reg 1 0x12005452 0x00005634 ]"
		" [ immediate reg 0 drop ] comment=\"anti-spoof croftt5 (web): source MAC\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x00000081 ]"
		" [ immediate reg 0 drop ] comment=\"anti-spoof croftt5 (web): no 802.1Q tags from the guest\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x0000a888 ]"
		" [ immediate reg 0 drop ] comment=\"anti-spoof croftt5 (web): no 802.1ad tags from the guest\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x00000608 ]"
		" [ payload load 6b @ network header + 8 => reg 1 ] [ cmp neq reg 1 0x12005452 0x00005634 ]"
		" [ immediate reg 0 drop ] comment=\"anti-spoof croftt5 (web): ARP sender MAC\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x00000008 ]"
		" [ payload load 4b @ network header + 12 => reg 1 ] [ cmp neq reg 1 0x0500000a ]"
		" [ payload load 4b @ network header + 12 => reg 1 ] [ cmp neq reg 1 0x00000000 ]"
		" [ immediate reg 0 drop ] comment=\"anti-spoof croftt5 (web): source IP\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x00000608 ]"
		" [ payload load 4b @ network header + 14 => reg 1 ] [ cmp neq reg 1 0x0500000a ]"
		" [ payload load 4b @ network header + 14 => reg 1 ] [ cmp neq reg 1 0x00000000 ]"
		" [ immediate reg 0 drop ] comment=\"anti-spoof croftt5 (web): ARP sender IP\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x0000dd86 ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x0000003a ]"
		" [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp eq reg 1 0x00000086 ]"
		" [ immediate reg 0 drop ] comment=\"guard croftt5 (web): no router advertisements\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x0000dd86 ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x0000003a ]"
		" [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp eq reg 1 0x00000089 ]"
		" [ immediate reg 0 drop ] comment=\"guard croftt5 (web): no ICMPv6 redirects\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x00000008 ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000001 ]"
		" [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp eq reg 1 0x00000005 ]"
		" [ immediate reg 0 drop ] comment=\"guard croftt5 (web): no ICMP redirects\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x00000008 ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000011 ]"
		" [ payload load 2b @ transport header + 0 => reg 1 ] [ cmp eq reg 1 0x00004300 ]"
		" [ immediate reg 0 drop ] comment=\"guard croftt5 (web): no DHCP server replies\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x0000dd86 ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000011 ]"
		" [ payload load 2b @ transport header + 0 => reg 1 ] [ cmp eq reg 1 0x00002302 ]"
		" [ immediate reg 0 drop ] comment=\"guard croftt5 (web): no DHCPv6 server replies\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x0000dd86 ]"
		" [ payload load 16b @ network header + 8 => reg 1 ]"
		" [ cmp neq reg 1 0x000080fe 0x00000000 0xff005450 0x563412fe ]"
		" [ payload load 16b @ network header + 8 => reg 1 ]"
		" [ cmp neq reg 1 0x00000000 0x00000000 0x00000000 0x00000000 ] [ immediate reg 0 drop ]"
		" comment=\"anti-spoof croftt5 (web): IPv6 source\"",
		"rule bridge croft prerouting [ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_T5 " ]"
		" [ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x0000dd86 ]"
		" [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x0000003a ]"
		" [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp eq reg 1 0x00000088 ]"
		" [ payload load 16b @ transport header + 8 => reg 1 ]"
		" [ cmp neq reg 1 0x000080fe 0x00000000 0xff005450 0x563412fe ]"
		" [ immediate reg 0 drop ] comment=\"anti-spoof croftt5 (web): neighbour advertisement target\"",
		"chain bridge croft postrouting type=filter hook=postrouting prio=-200 policy=accept"
		" comment=\"rate limits towards guests\"",
		"batch end",
	};
	struct tstate *t = ts_one_nat();
	struct nft_desc d;

	(void)state;
	build_desc(&t->st, &d);
	assert_lines(&d, want, sizeof(want) / sizeof(want[0]));
	nft_desc_free(&d);
	free(t);
}

/* nft loads whole bytes for a byte-aligned prefix, else 4 bytes and a mask. */
static void test_prefix_encoding(void **state)
{
	static const struct {
		const char *subnet;
		uint32_t prefix;
		const char *expr;
	} cases[] = {
		{ "10.0.0.0", 8, "[ payload load 1b @ network header + 12 => reg 1 ] [ cmp eq reg 1 0x0000000a ]" },
		{ "172.16.0.0", 16, "[ payload load 2b @ network header + 12 => reg 1 ] [ cmp eq reg 1 0x000010ac ]" },
		{ "10.0.16.0", 20, "[ payload load 4b @ network header + 12 => reg 1 ]"
		  " [ bitwise reg 1 = ( reg 1 & 0x00f0ffff ) ^ 0x00000000 ] [ cmp eq reg 1 0x0010000a ]" },
		{ "192.168.7.4", 30, "[ payload load 4b @ network header + 12 => reg 1 ]"
		  " [ bitwise reg 1 = ( reg 1 & 0xfcffffff ) ^ 0x00000000 ] [ cmp eq reg 1 0x0407a8c0 ]" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tstate *t = ts_new();
		const char *fwd[8];
		struct nft_desc d;

		ts_net(t, 3, NETD_MODE_NAT, "n", cases[i].subnet, cases[i].prefix, "up0");
		build_desc(&t->st, &d);
		assert_int_equal(grep(&d, "rule inet croft forward", fwd, 8), 6);
		tl_assert_contains(fwd[1], cases[i].expr);
		nft_desc_free(&d);
		free(t);
	}
}

static void test_nat_hostonly_bridged(void **state)
{
	struct tstate *t = ts_new();
	const char *fwd[16], *post[8], *pre[64], *out[8], *in[32];
	struct nft_desc d;
	size_t n, i;

	(void)state;
	ts_net(t, 1, NETD_MODE_NAT, "lan", "10.0.0.0", 24, "eth0");
	ts_net(t, 2, NETD_MODE_HOSTONLY, "priv", "10.9.0.0", 24, NULL);
	ts_net(t, 7, NETD_MODE_BRIDGED, "phys", NULL, 0, "eno1");
	ts_nic(t, 10, 1, 0x0a, "10.0.0.10", 0, 0, "a");
	ts_nic(t, 11, 2, 0x0b, "10.9.0.11", 0, 0, "b");
	ts_nic(t, 12, 7, 0x0c, NULL, 0, 42, "c");
	build_desc(&t->st, &d);

	/* inet: only nat networks masquerade; the bridged one is not routed
	 * by croft and appears nowhere in the inet table. */
	assert_int_equal(grep(&d, "rule inet croft postrouting", post, 8), 3);
	tl_assert_contains(post[0], "nat lan: masquerade out of eth0");
	tl_assert_contains(post[2], "nat lan: forwards used from the host's loopback");
	assert_int_equal(count(&d, "rule inet croft prerouting"), 0);
	assert_int_equal(count(&d, "rule inet croft output"), 0);
	/* input: the loopback guard (nat bridges only: route_localnet is on
	 * there); then the nat network's guests reach DHCP, DNS, ping and ND
	 * on the host; the host-only one's the same without DNS; then a drop */
	n = grep(&d, "rule inet croft input", in, 32);
	assert_int_equal(n, 2 + 9 + 7);
	tl_assert_contains(in[4], "comment=\"host lan: DNS\"");
	tl_assert_contains(in[10], "[ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ] [ immediate reg 0 drop ]");
	tl_assert_contains(in[11], "host priv: replies to the host's own connections");
	tl_assert_contains(in[12], "comment=\"host priv: DHCP\"");
	tl_assert_contains(in[13], "comment=\"host priv: ping\"");
	tl_assert_contains(in[17], "[ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR2 " ] [ immediate reg 0 drop ]");
	for (i = 0; i < n; i++)
		tl_assert_lacks(in[i], "croftbr7");
	for (i = 0; i < d.n; i++)
		if (!strncmp(d.lines[i], "rule inet", 9)) {
			tl_assert_lacks(d.lines[i], "croftbr7");
			tl_assert_lacks(d.lines[i], "0x666f7263 0x37726274");  /* croftbr7 */
		}

	/* forward: per routed bridge what it may send, then a drop of the
	 * rest it sends; then nat replies and forwards in; then drops towards
	 * every routed bridge, each named exactly (no wildcard). */
	n = grep(&d, "rule inet croft forward", fwd, 16);
	assert_int_equal(n, 3 + 2 + 2 + 2);
	tl_assert_contains(fwd[0], "comment=\"nat lan: within the network\"");
	tl_assert_contains(fwd[1], "comment=\"nat lan: guests out to eth0\"");
	tl_assert_contains(fwd[2], "[ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ] [ immediate reg 0 drop ]");
	tl_assert_contains(fwd[3], "[ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR2 " ] [ meta load oifname => reg 1 ] [ cmp eq reg 1 " IFN_BR2 " ] [ immediate reg 0 accept ]");
	tl_assert_contains(fwd[3], "host-only priv: within the network");
	tl_assert_contains(fwd[4], "[ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR2 " ] [ immediate reg 0 drop ]");
	tl_assert_contains(fwd[5], "comment=\"nat lan: replies to guests\"");
	tl_assert_contains(fwd[6], "comment=\"nat lan: port forwards in\"");
	tl_assert_contains(fwd[7], "[ meta load oifname => reg 1 ] [ cmp eq reg 1 " IFN_BR1 " ] [ immediate reg 0 drop ]");
	tl_assert_contains(fwd[8], "[ meta load oifname => reg 1 ] [ cmp eq reg 1 " IFN_BR2 " ] [ immediate reg 0 drop ]");
	tl_assert_contains(fwd[8], "isolate priv");

	/* bridge: every NIC of every mode is anti-spoofed and guarded; the
	 * bridged NIC has no known IP, so no IPv4 source checks (4 + 7). */
	n = grep(&d, "rule bridge croft prerouting", pre, 64);
	assert_int_equal(n, 13 + 13 + 11);
	tl_assert_contains(pre[26], "anti-spoof croftt12 (c): source MAC");
	tl_assert_contains(pre[29], "anti-spoof croftt12 (c): ARP sender MAC");
	tl_assert_contains(pre[30], "guard croftt12 (c): no router advertisements");
	tl_assert_contains(pre[33], "guard croftt12 (c): no DHCP server replies");
	/* fe80::5054:ff:fe12:340c, the link-local address of 52:54:00:12:34:0c */
	tl_assert_contains(pre[35], "[ cmp neq reg 1 0x000080fe 0x00000000 0xff005450 0x0c3412fe ]");
	tl_assert_contains(pre[35], "anti-spoof croftt12 (c): IPv6 source");
	tl_assert_contains(pre[36], "[ payload load 16b @ transport header + 8 => reg 1 ]"
			   " [ cmp neq reg 1 0x000080fe 0x00000000 0xff005450 0x0c3412fe ]");
	tl_assert_contains(pre[36], "anti-spoof croftt12 (c): neighbour advertisement target");
	assert_int_equal(grep(&d, "rule bridge croft postrouting", out, 8), 0);
	assert_int_equal(count(&d, "chain "), NFT_CH_COUNT);
	nft_desc_free(&d);
	free(t);
}

static void test_fifty_forwards(void **state)
{
	struct tstate *t = ts_new();
	const char *pre[64], *out[64];
	struct nft_desc d;
	char want[256], ip[32];
	int i;

	(void)state;
	ts_net(t, 1, NETD_MODE_NAT, "lan", "10.0.0.0", 24, "eth0");
	ts_nic(t, 1, 1, 0x01, "10.0.0.2", 0, 0, "web");
	for (i = 0; i < 50; i++) {
		snprintf(ip, sizeof(ip), "10.0.0.%d", 2 + i % 5);
		ts_fwd(t, (uint32_t)i + 1, 1, i % 2 ? NETD_L4_UDP : NETD_L4_TCP,
		       (uint16_t)(10000 + i), ip, (uint16_t)(1000 + i));
	}
	build_desc(&t->st, &d);
	assert_int_equal(grep(&d, "rule inet croft prerouting", pre, 64), 50);
	assert_int_equal(grep(&d, "rule inet croft output", out, 64), 50);
	for (i = 0; i < 50; i++) {
		uint16_t hp = htons((uint16_t)(10000 + i)), gp = htons((uint16_t)(1000 + i));
		uint32_t a = htonl(0x0a000002u + (uint32_t)(i % 5));

		snprintf(want, sizeof(want), "[ cmp eq reg 1 0x%08x ] [ payload load 2b @ transport header + 2 => reg 1 ]"
			 " [ cmp eq reg 1 0x%08x ] [ immediate reg 1 0x%08x ] [ immediate reg 2 0x%08x ]",
			 i % 2 ? 17u : 6u, (unsigned)hp, (unsigned)a, (unsigned)gp);
		tl_assert_contains(pre[i], want);
		/* output carries the same rule so the host reaches it too */
		assert_string_equal(strstr(pre[i], " [ "), strstr(out[i], " [ "));
		snprintf(want, sizeof(want), "comment=\"forward %s %d -> %s:%d\"", i % 2 ? "udp" : "tcp",
			 10000 + i, i % 5 ? (snprintf(ip, sizeof(ip), "10.0.0.%d", 2 + i % 5), ip) : "web",
			 1000 + i);
		tl_assert_contains(pre[i], want);
	}
	nft_desc_free(&d);
	free(t);
}

static void test_nic_variants(void **state)
{
	struct tstate *t = ts_new();
	const char *pre[64], *post[8];
	struct nft_desc d;
	size_t n;

	(void)state;
	ts_net(t, 1, NETD_MODE_NAT, "lan", "10.0.0.0", 24, "eth0");
	ts_net(t, 2, NETD_MODE_BRIDGED, "phys", NULL, 0, "eno1");
	ts_nic(t, 1, 1, 0x01, NULL, 0, 0, "noip");          /* 4 + 7 rules */
	ts_nic(t, 2, 1, 0x02, "10.0.0.2", 1, 0, "slow");    /* 6 + 7 + 1 */
	ts_nic(t, 3, 2, 0x03, "192.168.1.9", 1000, 7, "fast");  /* 6 + 7 + 1, vlan 7 */
	build_desc(&t->st, &d);

	n = grep(&d, "rule bridge croft prerouting", pre, 64);
	assert_int_equal(n, 11 + 14 + 14);
	tl_assert_contains(pre[3], "croftt1 (noip): ARP sender MAC");
	tl_assert_contains(pre[4], "croftt1 (noip): no router advertisements");
	tl_assert_contains(pre[11], "croftt2 (slow): source MAC");
	/* 1 Mbit/s = 125000 B/s; the burst floor of 64 KiB applies */
	assert_string_equal(pre[24], "rule bridge croft prerouting [ meta load iifname => reg 1 ]"
			    " [ cmp eq reg 1 0x666f7263 0x00327474 0x00000000 0x00000000 ]"
			    " [ limit rate 125000/second burst 65536 type bytes flags 0x1 ]"
			    " [ immediate reg 0 drop ] comment=\"rate croftt2 (slow): 1 Mbit/s from the guest\"");
	/* a VLAN changes nothing in the rules: tagging is the bridge's job */
	tl_assert_contains(pre[29], "[ payload load 4b @ network header + 12 => reg 1 ] [ cmp neq reg 1 0x0901a8c0 ]");
	tl_assert_contains(pre[38], "[ limit rate 125000000/second burst 12500000 type bytes flags 0x1 ]");

	assert_int_equal(grep(&d, "rule bridge croft postrouting", post, 8), 2);
	assert_string_equal(post[0], "rule bridge croft postrouting [ meta load oifname => reg 1 ]"
			    " [ cmp eq reg 1 0x666f7263 0x00327474 0x00000000 0x00000000 ]"
			    " [ limit rate 125000/second burst 65536 type bytes flags 0x1 ]"
			    " [ immediate reg 0 drop ] comment=\"rate croftt2 (slow): 1 Mbit/s to the guest\"");
	tl_assert_contains(post[1], "croftt3 (fast): 1000 Mbit/s to the guest");
	nft_desc_free(&d);
	free(t);
}

/* Sequence numbers, flags and message types straight from the buffer. */
static void test_headers_seq_and_flags(void **state)
{
	struct tstate *t = ts_one_nat();
	const struct nlmsghdr *nlh;
	char err[256], *buf;
	size_t len, i = 0, rules = 0;
	int rest;

	(void)state;
	assert_int_equal(nft_ruleset_build_alloc(&t->st, 77, &buf, &len, err, sizeof(err)), 0);
	rest = (int)len;
	for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, rest);
	     nlh = mnl_nlmsg_next(nlh, &rest), i++) {
		uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);

		assert_int_equal(nlh->nlmsg_seq, 77 + i);
		assert_int_equal(nlh->nlmsg_len % 4, 0);
		if (i == 0) {
			assert_int_equal(nlh->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
			assert_false(nlh->nlmsg_flags & NLM_F_ACK);
			continue;
		}
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_END) {
			assert_false(nlh->nlmsg_flags & NLM_F_ACK);
			continue;
		}
		assert_int_equal(NFNL_SUBSYS_ID(nlh->nlmsg_type), NFNL_SUBSYS_NFTABLES);
		assert_true(nlh->nlmsg_flags & NLM_F_REQUEST);
		assert_true(nlh->nlmsg_flags & NLM_F_ACK);
		assert_false(nlh->nlmsg_flags & NLM_F_EXCL);      /* create-if-absent */
		if (type == NFT_MSG_NEWTABLE || type == NFT_MSG_NEWCHAIN)
			assert_true(nlh->nlmsg_flags & NLM_F_CREATE);
		if (type == NFT_MSG_NEWRULE) {
			assert_true(nlh->nlmsg_flags & NLM_F_APPEND);
			rules++;
		}
	}
	assert_int_equal(rest, 0);
	assert_int_equal(rules, 2 + 3 + 6 + 2 + 9 + 6 + 7);
	free(buf);
	free(t);
}

static void test_enospc_reports_size(void **state)
{
	struct tstate *t = ts_one_nat();
	char err[256] = "", *full, *buf, want[64];
	size_t need = 0, len = 0, flen;
	int rc;

	(void)state;
	assert_int_equal(nft_ruleset_build_alloc(&t->st, 1, &full, &flen, err, sizeof(err)), 0);

	rc = nft_ruleset_build(&t->st, 1, NULL, 0, &need, err, sizeof(err));
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(need, flen);
	snprintf(want, sizeof(want), "needs %zu bytes", flen);
	tl_assert_contains(err, want);

	buf = malloc(flen);
	err[0] = '\0';
	rc = nft_ruleset_build(&t->st, 1, buf, flen - 1, &len, err, sizeof(err));
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(len, flen);
	tl_assert_contains(err, want);

	rc = nft_ruleset_build(&t->st, 1, buf, flen, &len, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(len, flen);
	assert_memory_equal(buf, full, flen);   /* pure: same state, same bytes */
	free(buf);
	free(full);
	free(t);
}

static void test_inexpressible_states(void **state)
{
	struct tstate *t;
	static char buf[65536];
	char err[256], *text = (char *)"untouched";
	size_t len = 123;
	int rc;

	(void)state;
	t = ts_new();
	ts_net(t, 1, NETD_MODE_NAT, "lan", "10.0.0.0", 24, "");
	rc = nft_ruleset_build(&t->st, 1, buf, sizeof(buf), &len, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(len, 0);
	assert_string_equal(err, "nat network lan has no uplink to masquerade to");
	assert_int_equal(nft_ruleset_text(&t->st, &text), -EINVAL);
	assert_null(text);
	free(t);

	t = ts_new();
	ts_net(t, 1, NETD_MODE_NAT, "lan", "10.0.0.0", 24, "eth\"0");
	rc = nft_ruleset_build(&t->st, 1, buf, sizeof(buf), &len, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	tl_assert_contains(err, "uplink \"eth\"0\" is not a usable interface name");
	free(t);

	t = ts_new();
	ts_net(t, 1, NETD_MODE_NAT, "lan", "10.0.0.0", 24, "eth*");
	assert_int_equal(nft_ruleset_build(&t->st, 1, buf, sizeof(buf), &len, err, sizeof(err)), -EINVAL);
	free(t);

	t = ts_new();
	ts_net(t, 1, NETD_MODE_NAT, "lan", "10.0.0.0", 24, "eth0");
	ts_nic(t, 9, 1, 1, NULL, NFT_RATE_MAX_MBIT + 1, 0, "x");
	rc = nft_ruleset_build(&t->st, 1, buf, sizeof(buf), &len, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "NIC croftt9: rate 100001 Mbit/s is above the limit of 100000 Mbit/s");
	t->nics[0].rate_mbit = NFT_RATE_MAX_MBIT;
	assert_int_equal(nft_ruleset_build(&t->st, 1, buf, sizeof(buf), &len, err, sizeof(err)), 0);
	free(t);
}

/* A comment never carries a quote or a control character into nft's
 * listing, whatever the names hold. */
static void test_comment_sanitized(void **state)
{
	struct tstate *t = ts_one_nat();
	struct nft_desc d;
	const char *pre[16];

	(void)state;
	snprintf(t->nics[0].vm, sizeof(t->nics[0].vm), "we\"b\n\\x");
	build_desc(&t->st, &d);
	assert_int_equal(grep(&d, "rule bridge croft prerouting", pre, 16), 13);
	tl_assert_contains(pre[0], "comment=\"anti-spoof croftt5 (we_b__x): source MAC\"");
	nft_desc_free(&d);
	free(t);
}

static void test_text_matches_model(void **state)
{
	struct tstate *t = ts_one_nat();
	struct netd_state empty = { 0 };
	char *text;

	(void)state;
	assert_int_equal(nft_ruleset_text(&t->st, &text), 0);
	tl_assert_contains(text, "table inet croft\ndelete table inet croft\ntable inet croft {\n");
	tl_assert_contains(text, "table bridge croft\ndelete table bridge croft\ntable bridge croft {\n");
	tl_assert_contains(text, "\t\ttype nat hook prerouting priority -100; policy accept;\n"
			"\t\tfib daddr type local meta nfproto ipv4 meta l4proto tcp th dport 8080"
			" dnat ip to 10.0.0.5:80 comment \"forward tcp 8080 -> web:80\"\n");
	tl_assert_contains(text, "\t\tmeta nfproto ipv4 ip saddr 10.0.0.0/24 ip daddr != 10.0.0.0/24"
			" oifname \"eth0\" masquerade comment \"nat lan: masquerade out of eth0\"\n");
	tl_assert_contains(text, "\t\toifname \"croftbr1\" ct state established,related accept");
	tl_assert_contains(text, "\t\tiifname \"croftt5\" ether type ip ip saddr != 10.0.0.5"
			" ip saddr != 0.0.0.0 drop");
	tl_assert_contains(text, "\t\tiifname \"croftt5\" ether type arp arp saddr ether != 52:54:00:12:34:56 drop");
	tl_assert_contains(text, "\t\tiifname \"croftt5\" ether type ip6 meta l4proto 58 icmpv6 type 134 drop"
			   " comment \"guard croftt5 (web): no router advertisements\"\n");
	tl_assert_contains(text, "\t\tiifname \"croftt5\" ether type ip meta l4proto udp th sport 67 drop");
	tl_assert_contains(text, "\t\tiifname \"croftt5\" ether type ip6 meta l4proto udp th sport 547 drop");
	tl_assert_contains(text, "\t\tiifname \"croftt5\" ether type ip6 ip6 saddr != fe80::5054:ff:fe12:3456"
			   " ip6 saddr != :: drop");
	tl_assert_contains(text, "\t\tiifname \"croftt5\" ether type ip6 meta l4proto 58 icmpv6 type 136"
			   " @th,64,128 != 0xfe80000000000000505400fffe123456 drop");
	tl_assert_contains(text, "\t\tiifname \"croftbr1\" meta nfproto ipv4 ip daddr 10.0.0.1"
			   " meta l4proto udp th dport 53 accept");
	tl_assert_contains(text, "\t\tiifname \"croftbr1\" meta l4proto 58 icmpv6 type 135 accept");
	tl_assert_contains(text, "\t\tiifname \"croftbr1\" drop comment \"host lan: host-access off,"
			   " nothing else from croftbr1 reaches the host\"\n");
	free(text);

	assert_int_equal(nft_ruleset_text(&empty, &text), 0);
	tl_assert_contains(text, "table inet croft\ndelete table inet croft\n"
			"table bridge croft\ndelete table bridge croft\n");
	tl_assert_lacks(text, "{");
	free(text);
	free(t);
}

/* host-access on: the network's guests reach the host unfiltered but for
 * its loopback (only the guard's rules for it); the other network keeps
 * its rules. */
static void test_host_access(void **state)
{
	struct tstate *t = ts_new();
	const char *in[32];
	struct nft_desc d;
	size_t n, i;

	(void)state;
	ts_net(t, 1, NETD_MODE_NAT, "lan", "10.0.0.0", 24, "eth0");
	ts_net(t, 2, NETD_MODE_HOSTONLY, "priv", "10.9.0.0", 24, NULL);
	t->nets[0].host_access = 1;
	build_desc(&t->st, &d);
	n = grep(&d, "rule inet croft input", in, 32);
	/* but the loopback guard stays: route_localnet is on for nat bridges */
	assert_int_equal(n, 2 + 7);
	tl_assert_contains(in[0], "guests never reach the host's loopback");
	tl_assert_contains(in[1], "no loopback source from guests");
	for (i = 2; i < n; i++) {
		tl_assert_lacks(in[i], IFN_BR1);
		tl_assert_contains(in[i], "[ meta load iifname => reg 1 ] [ cmp eq reg 1 " IFN_BR2 " ]");
	}
	nft_desc_free(&d);

	t->nets[1].host_access = 1;
	build_desc(&t->st, &d);
	assert_int_equal(count(&d, "rule inet croft input"), 2);
	assert_int_equal(count(&d, "chain inet croft input"), 1);
	nft_desc_free(&d);
	free(t);
}

/* The EUI-64 link-local address, as the kernel derives it. */
static void test_eui64(void **state)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	static const uint8_t local_bit[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	struct in6_addr a;
	char s[INET6_ADDRSTRLEN];

	(void)state;
	nft_eui64_link_local(mac, &a);
	assert_string_equal(inet_ntop(AF_INET6, &a, s, sizeof(s)), "fe80::5054:ff:feab:cdef");
	nft_eui64_link_local(local_bit, &a);
	assert_string_equal(inet_ntop(AF_INET6, &a, s, sizeof(s)), "fe80::ff:fe00:1");
}

static void test_describe_rejects_garbage(void **state)
{
	struct tstate *t = ts_one_nat();
	struct nft_desc d = { NULL, 0 };
	char err[256], *buf;
	size_t len;

	(void)state;
	assert_int_equal(nft_ruleset_build_alloc(&t->st, 1, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(nft_describe(buf, len - 7, &d, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "truncated or malformed");
	assert_null(d.lines);
	free(buf);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_state_removes_both_tables),
		cmocka_unit_test(test_one_nat_network_exact),
		cmocka_unit_test(test_prefix_encoding),
		cmocka_unit_test(test_nat_hostonly_bridged),
		cmocka_unit_test(test_fifty_forwards),
		cmocka_unit_test(test_nic_variants),
		cmocka_unit_test(test_headers_seq_and_flags),
		cmocka_unit_test(test_enospc_reports_size),
		cmocka_unit_test(test_inexpressible_states),
		cmocka_unit_test(test_comment_sanitized),
		cmocka_unit_test(test_text_matches_model),
		cmocka_unit_test(test_host_access),
		cmocka_unit_test(test_eui64),
		cmocka_unit_test(test_describe_rejects_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
