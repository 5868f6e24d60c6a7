/*
 * The address rules of croft's networks, one copy for croftd, croft-netd
 * and the console: IPv4 addresses, subnets (CIDR), DHCP ranges, the ranges
 * no croft network may use, MAC addresses and interface names.
 *
 * Addresses are struct in_addr in network byte order at the edges, as
 * netd_proto.h carries them; the arithmetic helpers work in host order
 * (uint32_t) so that masks and ranges read naturally.  Every function is
 * pure: no I/O, no globals.  A check returns 0, or -EINVAL with a message
 * in err (err may be NULL) naming the value and what is wrong with it, in
 * the words the user sees from croftd, netd and the console alike.
 *
 * A nat or host-only network N/p: N is the network address, N + 2^(32-p) - 1
 * the broadcast, the gateway (the host's address on the bridge) some host
 * address, by default N + 1, and the DHCP range a run of host addresses
 * that leaves the gateway out, by default N + 2 to the broadcast - 1.
 */
#ifndef CROFT_ADDR_H
#define CROFT_ADDR_H

#include "common/netd_proto.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN 16            /* "255.255.255.255" */
#define ADDR_CIDR_STRLEN 19       /* "255.255.255.255/32" */
#define ADDR_MAC_STRLEN 18        /* "52:54:00:12:34:56" */
#define ADDR_PREFIX_MIN 8         /* the largest and smallest croft subnet */
#define ADDR_PREFIX_MAX 30

/* --- arithmetic ----------------------------------------------------------- */

/* Host-order value of a, and back. */
uint32_t addr_h(struct in_addr a);
struct in_addr addr_of(uint32_t h);
/* prefix (0..32, larger counts as 32) -> netmask in host order. */
uint32_t addr_mask(uint32_t prefix);
/* The broadcast address of net/prefix, host order. */
uint32_t addr_bcast(struct in_addr net, uint32_t prefix);
/* Is a inside net/prefix? */
int addr_contains(struct in_addr net, uint32_t prefix, struct in_addr a);
/* Do the two networks share any address? */
int addr_overlap(struct in_addr a, uint32_t pa, struct in_addr b, uint32_t pb);

/* --- formatting: each writes into the caller's buf and returns it ---------- */

char *addr_str(struct in_addr a, char *buf);                  /* ADDR_STRLEN */
char *addr_cidr_str(struct in_addr a, uint32_t prefix, char *buf); /* ADDR_CIDR_STRLEN */
char *addr_mac_str(const uint8_t mac[6], char *buf);          /* ADDR_MAC_STRLEN; lower case */

/* --- IPv4 addresses and subnets ------------------------------------------- */

/* A dotted quad, exactly four decimal parts without leading zeros; what
 * names the value in the message ("address", "gateway"). */
int addr_parse(const char *what, const char *s, struct in_addr *out,
	       char *err, size_t errlen);

/* The reserved range (0.0.0.0/8, loopback, link-local, multicast,
 * 240.0.0.0/4) that net/prefix overlaps, described for a message
 * ("the loopback range 127.0.0.0/8"), or NULL. */
const char *addr_reserved(struct in_addr net, uint32_t prefix);

/* A croft subnet: prefix ADDR_PREFIX_MIN..ADDR_PREFIX_MAX, no host bits,
 * no reserved range. */
int addr_subnet_check(struct in_addr net, uint32_t prefix, char *err, size_t errlen);
/* "10.73.0.0/24" (a prefix of one or two digits, no leading zero), then
 * addr_subnet_check. */
int addr_cidr_parse(const char *s, struct in_addr *net, uint32_t *prefix,
		    char *err, size_t errlen);

/* An address a guest may be given on a network croft does not address
 * (bridged): none of the reserved ranges. */
int addr_guest_check(struct in_addr a, char *err, size_t errlen);

/* --- a network's addressing (struct netd_net) ------------------------------ */

/* From n->subnet/prefix, set n's gateway (the first host) and DHCP range
 * (the second host to the last one). */
void addr_net_defaults(struct netd_net *n);
/* "FIRST-LAST", two dotted quads with first <= last. */
int addr_range_parse(const char *s, struct in_addr *first, struct in_addr *last,
		     char *err, size_t errlen);
/* n's DHCP range: inside the subnet, first <= last, neither the network
 * nor the broadcast address, not containing the gateway. */
int addr_range_check(const struct netd_net *n, char *err, size_t errlen);
/* n's gateway: inside the subnet, not its network or broadcast address. */
int addr_gateway_check(const struct netd_net *n, char *err, size_t errlen);
/* All of a nat or host-only network's addressing: subnet, gateway, range. */
int addr_net_check(const struct netd_net *n, char *err, size_t errlen);
/* An address a guest on n may have: inside the subnet, not the network,
 * broadcast or gateway address.  The messages name n by n->name. */
int addr_host_check(const struct netd_net *n, struct in_addr a, char *err, size_t errlen);

/* --- MACs ------------------------------------------------------------------ */

/* A NIC's MAC: unicast (lowest bit of the first byte clear), not all zero. */
int addr_mac_check(const uint8_t mac[6], char *err, size_t errlen);
/* "52:54:00:12:34:56" (also '-' separated, any case), then the rule of
 * addr_mac_check; the message quotes s as given. */
int addr_mac_parse(const char *s, uint8_t mac[6], char *err, size_t errlen);

/* --- interface names ------------------------------------------------------- */

/* 1-15 characters from [A-Za-z0-9_.-], not "." or "..": names the kernel
 * takes and a shell or `ip` shows as they are.  what names the value
 * ("uplink"). */
int addr_ifname_check(const char *what, const char *s, char *err, size_t errlen);
/* Does the name carry croft's prefix (NETD_IFPREFIX), so croft made it?
 * Not the host's management bridge NETD_HOST_BRIDGE. */
int addr_ifname_is_croft(const char *s);
/* A host interface croft may use as an uplink: an interface name that is
 * not one of croft's own. */
int addr_uplink_check(const char *s, char *err, size_t errlen);

#endif
