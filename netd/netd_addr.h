/*
 * IPv4 arithmetic and formatting for netd: prefixes to masks, subnet
 * membership and overlap, and printing addresses and MACs into caller
 * buffers.  Pure functions.  Addresses are struct in_addr (network byte
 * order) at the edges, uint32_t in host order inside the arithmetic.
 */
#ifndef CROFT_NETD_ADDR_H
#define CROFT_NETD_ADDR_H

#include <netinet/in.h>
#include <stdint.h>

#define NETD_ADDR_STRLEN 16    /* "255.255.255.255" */
#define NETD_CIDR_STRLEN 19    /* "255.255.255.255/32" */
#define NETD_MAC_STRLEN 18     /* "52:54:00:12:34:56" */

/* Host-order value of an address. */
uint32_t netd_addr_h(struct in_addr a);
/* prefix 0..32 -> netmask in host order. */
uint32_t netd_addr_mask(uint32_t prefix);
/* Is a inside net/prefix? */
int netd_addr_in(struct in_addr a, struct in_addr net, uint32_t prefix);
/* Do the two networks share any address? */
int netd_addr_overlap(struct in_addr a, uint32_t pa, struct in_addr b, uint32_t pb);

/* Formatting; each returns buf. */
char *netd_addr_str(struct in_addr a, char *buf);                 /* NETD_ADDR_STRLEN */
char *netd_cidr_str(struct in_addr a, uint32_t prefix, char *buf); /* NETD_CIDR_STRLEN */
char *netd_mac_str(const uint8_t mac[6], char *buf);              /* NETD_MAC_STRLEN */

#endif
