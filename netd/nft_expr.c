/*
 * One match of the rule model becomes a load into register 1 and a
 * compare, the way nft(8) writes it (checked against `nft --debug=netlink`):
 *
 *   iifname "x"          meta load iifname; cmp eq 16 zero-padded bytes
 *   ip saddr a/p         payload load p/8 bytes @ network + 12 when p is a
 *                        multiple of 8, else 4 bytes and a bitwise mask
 *   ip6 saddr a          payload load 16 bytes @ network + 8
 *   ND target a          payload load 16 bytes @ transport + 8
 *   th sport, icmp(v6) type   payload load 2 or 1 bytes @ transport + 0
 *   ct state est,rel     ct load state; bitwise & bits; cmp neq 0
 *   fib daddr type local fib daddr type => reg 1; cmp eq RTN_LOCAL
 *   limit rate over      limit bytes, NFT_LIMIT_F_INV
 *
 * Actions: accept/drop are an immediate verdict, masquerade a bare masq,
 * dnat two immediates (address in register 1, port in register 2) and a
 * nat expression of family ipv4.
 */
#include "netd/nft_expr.h"
#include "common/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

/* A new expression, already owned by r; NULL only when out of memory. */
static struct nftnl_expr *ex_add(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

static int ex_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = ex_add(r, "meta");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return 0;
}

static int ex_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = ex_add(r, "cmp");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

static int ex_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = ex_add(r, "payload");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	return 0;
}

/* reg 1 = (reg 1 & mask) ^ 0 */
static int ex_mask(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	struct nftnl_expr *e = ex_add(r, "bitwise");
	static const uint8_t zero[16];

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	return 0;
}

/* ct KEY & bits != 0 */
/* Any of bits set in the ct key (neg: none of them). */
static int ex_ct_bits(struct nftnl_rule *r, uint32_t key, uint32_t bits, int neg)
{
	struct nftnl_expr *e = ex_add(r, "ct");
	uint32_t zero = 0;
	int rc;

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	if ((rc = ex_mask(r, &bits, sizeof(bits))) < 0)
		return rc;
	return ex_cmp(r, neg ? NFT_CMP_EQ : NFT_CMP_NEQ, &zero, sizeof(zero));
}

static int ex_ifname(struct nftnl_rule *r, uint32_t key, const char *name)
{
	char buf[NETD_IFNAME_LEN] = { 0 };
	int rc;

	strncpy(buf, name, sizeof(buf) - 1);
	if ((rc = ex_meta(r, key)) < 0)
		return rc;
	return ex_cmp(r, NFT_CMP_EQ, buf, sizeof(buf));
}

static int ex_u8(struct nftnl_rule *r, uint32_t meta_key, uint8_t value)
{
	int rc;

	if ((rc = ex_meta(r, meta_key)) < 0)
		return rc;
	return ex_cmp(r, NFT_CMP_EQ, &value, sizeof(value));
}

static int ex_be16(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint16_t value)
{
	uint16_t be = htons(value);
	int rc;

	if ((rc = ex_payload(r, base, offset, sizeof(be))) < 0)
		return rc;
	return ex_cmp(r, NFT_CMP_EQ, &be, sizeof(be));
}

/* An IPv4 address or prefix at base + offset. */
static int ex_addr(struct nftnl_rule *r, uint32_t base, uint32_t offset,
		   const struct nft_match *m)
{
	uint32_t op = m->neg ? NFT_CMP_NEQ : NFT_CMP_EQ;
	uint32_t len = m->prefix % 8 ? 4 : m->prefix / 8u;
	int rc;

	if ((rc = ex_payload(r, base, offset, len)) < 0)
		return rc;
	if (m->prefix % 8) {
		uint32_t mask = htonl(addr_mask(m->prefix));

		if ((rc = ex_mask(r, &mask, len)) < 0)
			return rc;
	}
	return ex_cmp(r, op, &m->addr, len);
}

static int ex_u8_at(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint8_t value)
{
	int rc;

	if ((rc = ex_payload(r, base, offset, 1)) < 0)
		return rc;
	return ex_cmp(r, NFT_CMP_EQ, &value, 1);
}

/* A whole IPv6 address at base + offset. */
static int ex_addr6(struct nftnl_rule *r, uint32_t base, uint32_t offset,
		    const struct nft_match *m)
{
	int rc;

	if ((rc = ex_payload(r, base, offset, 16)) < 0)
		return rc;
	return ex_cmp(r, m->neg ? NFT_CMP_NEQ : NFT_CMP_EQ, &m->addr6, 16);
}

static int ex_mac(struct nftnl_rule *r, uint32_t base, uint32_t offset, const struct nft_match *m)
{
	int rc;

	if ((rc = ex_payload(r, base, offset, 6)) < 0)
		return rc;
	return ex_cmp(r, m->neg ? NFT_CMP_NEQ : NFT_CMP_EQ, m->mac, 6);
}

static int ex_fib_local(struct nftnl_rule *r)
{
	struct nftnl_expr *e = ex_add(r, "fib");
	uint32_t local = RTN_LOCAL;

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	return ex_cmp(r, NFT_CMP_EQ, &local, sizeof(local));
}

static int ex_limit_over(struct nftnl_rule *r, const struct nft_match *m)
{
	struct nftnl_expr *e = ex_add(r, "limit");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, m->rate);
	nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, m->burst);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKT_BYTES);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, NFT_LIMIT_F_INV);
	return 0;
}

static int ex_match(struct nftnl_rule *r, const struct nft_match *m)
{
	switch (m->kind) {
	case NFT_MATCH_IIFNAME:
		return ex_ifname(r, NFT_META_IIFNAME, m->ifname);
	case NFT_MATCH_OIFNAME:
		return ex_ifname(r, NFT_META_OIFNAME, m->ifname);
	case NFT_MATCH_NFPROTO_IPV4:
		return ex_u8(r, NFT_META_NFPROTO, NFPROTO_IPV4);
	case NFT_MATCH_FIB_LOCAL:
		return ex_fib_local(r);
	case NFT_MATCH_L4PROTO:
		return ex_u8(r, NFT_META_L4PROTO, (uint8_t)m->value);
	case NFT_MATCH_TH_DPORT:
		return ex_be16(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, (uint16_t)m->value);
	case NFT_MATCH_IP_SADDR:
		return ex_addr(r, NFT_PAYLOAD_NETWORK_HEADER, 12, m);
	case NFT_MATCH_IP_DADDR:
		return ex_addr(r, NFT_PAYLOAD_NETWORK_HEADER, 16, m);
	case NFT_MATCH_CT_REPLY:
		return ex_ct_bits(r, NFT_CT_STATE,
				  NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED), 0);
	case NFT_MATCH_CT_DNAT:
		return ex_ct_bits(r, NFT_CT_STATUS, IPS_DST_NAT, m->neg);
	case NFT_MATCH_ETHER_TYPE:
		return ex_be16(r, NFT_PAYLOAD_LL_HEADER, 12, (uint16_t)m->value);
	case NFT_MATCH_ETHER_SADDR:
		return ex_mac(r, NFT_PAYLOAD_LL_HEADER, 6, m);
	case NFT_MATCH_ARP_SHA:
		return ex_mac(r, NFT_PAYLOAD_NETWORK_HEADER, 8, m);
	case NFT_MATCH_ARP_SPA:
		return ex_addr(r, NFT_PAYLOAD_NETWORK_HEADER, 14, m);
	case NFT_MATCH_LIMIT_OVER:
		return ex_limit_over(r, m);
	case NFT_MATCH_TH_SPORT:
		return ex_be16(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, (uint16_t)m->value);
	case NFT_MATCH_ICMP_TYPE:
	case NFT_MATCH_ICMPV6_TYPE:
		return ex_u8_at(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, (uint8_t)m->value);
	case NFT_MATCH_IP6_SADDR:
		return ex_addr6(r, NFT_PAYLOAD_NETWORK_HEADER, 8, m);
	case NFT_MATCH_ND_TARGET:
		return ex_addr6(r, NFT_PAYLOAD_TRANSPORT_HEADER, 8, m);
	}
	return -EINVAL;
}

static int ex_verdict(struct nftnl_rule *r, uint32_t verdict)
{
	struct nftnl_expr *e = ex_add(r, "immediate");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
	return 0;
}

static int ex_imm(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = ex_add(r, "immediate");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	return 0;
}

static int ex_dnat(struct nftnl_rule *r, struct in_addr addr, uint16_t port)
{
	uint16_t be = htons(port);
	struct nftnl_expr *e;
	int rc;

	if ((rc = ex_imm(r, NFT_REG_1, &addr, sizeof(addr))) < 0 ||
	    (rc = ex_imm(r, NFT_REG_2, &be, sizeof(be))) < 0)
		return rc;
	if (!(e = ex_add(r, "nat")))
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
	return 0;
}

static int ex_action(struct nftnl_rule *r, const struct nft_rule_def *d)
{
	switch (d->action) {
	case NFT_ACT_ACCEPT:
		return ex_verdict(r, NF_ACCEPT);
	case NFT_ACT_DROP:
		return ex_verdict(r, NF_DROP);
	case NFT_ACT_MASQUERADE:
		return ex_add(r, "masq") ? 0 : -ENOMEM;
	case NFT_ACT_DNAT:
		return ex_dnat(r, d->dnat_addr, d->dnat_port);
	}
	return -EINVAL;
}

int nft_expr_rule(struct nftnl_rule *r, const struct nft_rule_def *d)
{
	size_t i;
	int rc;

	for (i = 0; i < d->n_match; i++)
		if ((rc = ex_match(r, &d->match[i])) < 0)
			return rc;
	return ex_action(r, d);
}
