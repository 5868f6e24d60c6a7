/*
 * IPv4 helpers.  Everything is computed in host byte order and converted
 * at the edges, so the bit tricks read naturally.
 */
#include "netd/netd_addr.h"

#include <arpa/inet.h>
#include <stdio.h>

uint32_t netd_addr_h(struct in_addr a)
{
	return ntohl(a.s_addr);
}

uint32_t netd_addr_mask(uint32_t prefix)
{
	if (prefix == 0)
		return 0;
	if (prefix >= 32)
		return 0xffffffffu;
	return 0xffffffffu << (32 - prefix);
}

int netd_addr_in(struct in_addr a, struct in_addr net, uint32_t prefix)
{
	uint32_t m = netd_addr_mask(prefix);

	return (netd_addr_h(a) & m) == (netd_addr_h(net) & m);
}

int netd_addr_overlap(struct in_addr a, uint32_t pa, struct in_addr b, uint32_t pb)
{
	uint32_t m = netd_addr_mask(pa < pb ? pa : pb);

	return (netd_addr_h(a) & m) == (netd_addr_h(b) & m);
}

char *netd_addr_str(struct in_addr a, char *buf)
{
	uint32_t h = netd_addr_h(a);

	snprintf(buf, NETD_ADDR_STRLEN, "%u.%u.%u.%u", h >> 24, (h >> 16) & 0xff,
		 (h >> 8) & 0xff, h & 0xff);
	return buf;
}

char *netd_cidr_str(struct in_addr a, uint32_t prefix, char *buf)
{
	char tmp[NETD_ADDR_STRLEN];

	snprintf(buf, NETD_CIDR_STRLEN, "%s/%u", netd_addr_str(a, tmp),
		 prefix > 32 ? 32u : (unsigned)prefix);
	return buf;
}

char *netd_mac_str(const uint8_t mac[6], char *buf)
{
	snprintf(buf, NETD_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}
