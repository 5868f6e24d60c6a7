/*
 * croft's nftables ruleset as plain data.  nft_model_walk() turns a desired
 * state into the tables, chains and rules croft installs, in the order they
 * are installed, and hands each one to a visitor.  Two visitors render it:
 * the netlink batch builder (nft_ruleset.c) and the nft(8) script writer
 * (nft_text.c), so the two can never describe different rulesets.
 *
 * A rule is a short list of matches (each one an nft "selector op value"
 * phrase such as `iifname "croftbr1"` or `ip daddr != 10.0.0.0/24`), one
 * action and a comment.  Nothing here knows about netlink.
 */
#ifndef CROFT_NFT_MODEL_H
#define CROFT_NFT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "common/netd_proto.h"
#include "netd/netd_state.h"

/* The highest NIC rate the kernel's byte limiter can hold (rate + burst in
 * bytes times 10^9 must fit 64 bits); netd_state_validate should agree. */
#define NFT_RATE_MAX_MBIT 100000u
/* The burst of a rate limit: a tenth of a second, at least this much. */
#define NFT_BURST_MIN_BYTES 65536u
/* nft's own limit on a comment, terminating NUL included. */
#define NFT_COMMENT_LEN 128
#define NFT_RULE_MAX_MATCHES 6

/* The chains croft installs, in batch order (first inet, then bridge). */
enum nft_chain_id {
	NFT_CH_INET_PREROUTING,
	NFT_CH_INET_OUTPUT,
	NFT_CH_INET_POSTROUTING,
	NFT_CH_INET_FORWARD,
	NFT_CH_INET_INPUT,
	NFT_CH_BRIDGE_PREROUTING,
	NFT_CH_BRIDGE_POSTROUTING,
	NFT_CH_COUNT
};

struct nft_chain_def {
	uint8_t family;            /* NFPROTO_INET or NFPROTO_BRIDGE */
	const char *name;
	const char *type;          /* "nat" or "filter" */
	const char *hook_name;     /* as nft spells it */
	uint32_t hook;             /* NF_INET_* or NF_BR_* */
	int32_t prio;
	const char *comment;
};

/* Indexed by enum nft_chain_id. */
extern const struct nft_chain_def nft_chains[NFT_CH_COUNT];

/* The two table families, in batch order, and the comment on each table. */
extern const uint8_t nft_families[2];
#define NFT_TABLE_COMMENT "managed by croft-netd; changes here are replaced"

enum nft_match_kind {
	NFT_MATCH_IIFNAME,         /* iifname "ifname" */
	NFT_MATCH_OIFNAME,         /* oifname "ifname" */
	NFT_MATCH_NFPROTO_IPV4,    /* meta nfproto ipv4 */
	NFT_MATCH_FIB_LOCAL,       /* fib daddr type local */
	NFT_MATCH_L4PROTO,         /* meta l4proto value (tcp/udp) */
	NFT_MATCH_TH_DPORT,        /* th dport value */
	NFT_MATCH_IP_SADDR,        /* ip saddr [!=] addr[/prefix] */
	NFT_MATCH_IP_DADDR,        /* ip daddr [!=] addr[/prefix] */
	NFT_MATCH_CT_REPLY,        /* ct state established,related */
	NFT_MATCH_CT_DNAT,         /* ct status [!] dnat */
	NFT_MATCH_ETHER_TYPE,      /* ether type value (ETH_P_*) */
	NFT_MATCH_ETHER_SADDR,     /* ether saddr [!=] mac */
	NFT_MATCH_ARP_SHA,         /* arp saddr ether [!=] mac */
	NFT_MATCH_ARP_SPA,         /* arp saddr ip [!=] addr */
	NFT_MATCH_LIMIT_OVER,      /* limit rate over rate bytes/second burst burst bytes */
	NFT_MATCH_TH_SPORT,        /* th sport value */
	NFT_MATCH_ICMP_TYPE,       /* icmp type value (after meta l4proto icmp) */
	NFT_MATCH_ICMPV6_TYPE,     /* icmpv6 type value (after meta l4proto ipv6-icmp) */
	NFT_MATCH_IP6_SADDR,       /* ip6 saddr [!=] addr6 (whole address) */
	NFT_MATCH_ND_TARGET,       /* @th,64,128 [!=] addr6: an ND message's target */
};

struct nft_match {
	uint8_t kind;              /* enum nft_match_kind */
	uint8_t neg;               /* "!=" instead of "==" */
	uint8_t prefix;            /* IP and ARP address matches: 1..32 */
	uint8_t mac[6];
	char ifname[NETD_IFNAME_LEN];
	struct in_addr addr;       /* network byte order, host bits clear */
	struct in6_addr addr6;     /* IPv6 address matches */
	uint32_t value;            /* l4proto, port, ether type */
	uint64_t rate;             /* bytes per second */
	uint32_t burst;            /* bytes */
};

enum nft_action {
	NFT_ACT_ACCEPT,
	NFT_ACT_DROP,
	NFT_ACT_MASQUERADE,
	NFT_ACT_DNAT,              /* dnat ip to dnat_addr:dnat_port */
};

struct nft_rule_def {
	enum nft_chain_id chain;
	size_t n_match;
	struct nft_match match[NFT_RULE_MAX_MATCHES];
	enum nft_action action;
	struct in_addr dnat_addr;
	uint16_t dnat_port;        /* host byte order */
	char comment[NFT_COMMENT_LEN];
};

/*
 * The visitor.  Every callback may be NULL; a negative return stops the
 * walk and is returned by nft_model_walk (the callback fills err).  For
 * each family in nft_families: table_begin, then, only when populated,
 * every chain of that family (chain_begin, its rules, chain_end), then
 * table_end.  populated is 0 when the state has no networks: the batch
 * then only removes croft's tables.
 */
struct nft_visitor {
	int (*table_begin)(void *ctx, uint8_t family, int populated, char *err, size_t errlen);
	int (*table_end)(void *ctx, uint8_t family, int populated, char *err, size_t errlen);
	int (*chain_begin)(void *ctx, const struct nft_chain_def *c, char *err, size_t errlen);
	int (*chain_end)(void *ctx, const struct nft_chain_def *c, char *err, size_t errlen);
	int (*rule)(void *ctx, const struct nft_rule_def *r, char *err, size_t errlen);
};

/*
 * Walk the ruleset of st (which has passed netd_state_validate).  Still
 * refuses, with -EINVAL and a message, what cannot be expressed: a nat
 * network without an uplink, an uplink name that is not a plain interface
 * name, a NIC rate above NFT_RATE_MAX_MBIT.  Nothing is allocated.
 */
int nft_model_walk(const struct netd_state *st, const struct nft_visitor *v, void *ctx,
		   char *err, size_t errlen);

/* The link-local address (fe80::/64 + EUI-64) a NIC with mac gets: the
 * one IPv6 source its guest may use besides ::. */
void nft_eui64_link_local(const uint8_t mac[6], struct in6_addr *a);

/* "inet", "bridge", or "?"; the family's name as nft(8) writes it. */
const char *nft_family_name(uint8_t family);

#endif
