/*
 * The address rules (addr.h).  Parsers check only the shape of a string
 * and hand the value to the check of the same rule, so a value typed by a
 * user and one read from a peer's binary record are judged alike; a
 * parser's message quotes the string as typed, a check's the canonical
 * form (the same text for every string a parser accepts, except a MAC's
 * case and separator, which is why the MAC rule also takes what to show).
 */
#include "common/addr.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define IFNAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
#define IFNAME_RULE "1-15 letters, digits, '-', '_', '.'"

/* --- arithmetic --------------------------------------------------------------- */

uint32_t addr_h(struct in_addr a)
{
	return ntohl(a.s_addr);
}

struct in_addr addr_of(uint32_t h)
{
	struct in_addr a = { htonl(h) };

	return a;
}

uint32_t addr_mask(uint32_t prefix)
{
	if (prefix == 0)
		return 0;
	if (prefix >= 32)
		return 0xffffffffu;
	return 0xffffffffu << (32 - prefix);
}

uint32_t addr_bcast(struct in_addr net, uint32_t prefix)
{
	return addr_h(net) | ~addr_mask(prefix);
}

int addr_contains(struct in_addr net, uint32_t prefix, struct in_addr a)
{
	uint32_t m = addr_mask(prefix);

	return (addr_h(a) & m) == (addr_h(net) & m);
}

int addr_overlap(struct in_addr a, uint32_t pa, struct in_addr b, uint32_t pb)
{
	return addr_contains(a, pa < pb ? pa : pb, b);
}

/* --- formatting ---------------------------------------------------------------- */

char *addr_str(struct in_addr a, char *buf)
{
	uint32_t h = addr_h(a);

	snprintf(buf, ADDR_STRLEN, "%u.%u.%u.%u", h >> 24, (h >> 16) & 0xff, (h >> 8) & 0xff,
		 h & 0xff);
	return buf;
}

char *addr_cidr_str(struct in_addr a, uint32_t prefix, char *buf)
{
	char tmp[ADDR_STRLEN];

	snprintf(buf, ADDR_CIDR_STRLEN, "%s/%u", addr_str(a, tmp),
		 prefix > 32 ? 32u : (unsigned)prefix);
	return buf;
}

char *addr_mac_str(const uint8_t mac[6], char *buf)
{
	snprintf(buf, ADDR_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

/* --- addresses and subnets ------------------------------------------------------- */

int addr_parse(const char *what, const char *s, struct in_addr *out,
	       char *err, size_t errlen)
{
	/* inet_pton takes exactly four decimal parts, no shortcuts, no
	 * leading zeros. */
	if (!s || inet_pton(AF_INET, s, out) != 1) {
		err_set(err, errlen, "%s '%s' is not an IPv4 address (e.g. 10.73.0.5)", what,
			s ? s : "");
		return -EINVAL;
	}
	return 0;
}

static const struct { uint32_t net, prefix; const char *what; } reserved[] = {
	{ 0x00000000, 8, "the \"this network\" range 0.0.0.0/8" },
	{ 0x7f000000, 8, "the loopback range 127.0.0.0/8" },
	{ 0xa9fe0000, 16, "the link-local range 169.254.0.0/16" },
	{ 0xe0000000, 4, "the multicast range 224.0.0.0/4" },
	{ 0xf0000000, 4, "the reserved range 240.0.0.0/4" },
};

const char *addr_reserved(struct in_addr net, uint32_t prefix)
{
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (addr_overlap(net, prefix, addr_of(reserved[i].net), reserved[i].prefix))
			return reserved[i].what;
	return NULL;
}

int addr_subnet_check(struct in_addr net, uint32_t prefix, char *err, size_t errlen)
{
	char a[ADDR_STRLEN], fixed[ADDR_STRLEN];
	const char *r;

	addr_str(net, a);
	if (prefix < ADDR_PREFIX_MIN || prefix > ADDR_PREFIX_MAX) {
		err_set(err, errlen, "subnet '%s/%u': the prefix must be between /%d and /%d, not /%u",
			a, prefix, ADDR_PREFIX_MIN, ADDR_PREFIX_MAX, prefix);
		return -EINVAL;
	}
	if (addr_h(net) & ~addr_mask(prefix)) {
		err_set(err, errlen, "subnet '%s/%u' has host bits set; did you mean %s/%u?", a,
			prefix, addr_str(addr_of(addr_h(net) & addr_mask(prefix)), fixed), prefix);
		return -EINVAL;
	}
	r = addr_reserved(net, prefix);
	if (r) {
		err_set(err, errlen, "subnet '%s/%u' overlaps %s", a, prefix, r);
		return -EINVAL;
	}
	return 0;
}

/* Copy s[0..len) into buf (size bufsize) as a string: 0, or -1 when it
 * does not fit. */
static int cut(const char *s, size_t len, char *buf, size_t bufsize)
{
	if (len >= bufsize)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

int addr_cidr_parse(const char *s, struct in_addr *net, uint32_t *prefix,
		    char *err, size_t errlen)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	char a[ADDR_STRLEN];
	struct in_addr v;
	size_t plen;
	uint32_t p;

	plen = slash ? strlen(slash + 1) : 0;
	if (!slash || cut(s, (size_t)(slash - s), a, sizeof(a)) < 0 ||
	    inet_pton(AF_INET, a, &v) != 1 || plen < 1 || plen > 2 ||
	    strspn(slash + 1, "0123456789") != plen || (plen == 2 && slash[1] == '0')) {
		err_set(err, errlen, "subnet '%s' must look like 10.73.0.0/24", s ? s : "");
		return -EINVAL;
	}
	p = (uint32_t)(slash[1] - '0');
	if (plen == 2)
		p = p * 10 + (uint32_t)(slash[2] - '0');
	if (addr_subnet_check(v, p, err, errlen) < 0)
		return -EINVAL;
	*net = v;
	*prefix = p;
	return 0;
}

int addr_guest_check(struct in_addr a, char *err, size_t errlen)
{
	const char *r = addr_reserved(a, 32);
	char s[ADDR_STRLEN];

	if (r) {
		err_set(err, errlen, "address %s cannot be a guest's address: it is in %s",
			addr_str(a, s), r);
		return -EINVAL;
	}
	return 0;
}

/* --- a network's addressing -------------------------------------------------------- */

void addr_net_defaults(struct netd_net *n)
{
	uint32_t base = addr_h(n->subnet) & addr_mask(n->prefix);

	n->gateway = addr_of(base + 1);
	n->dhcp_first = addr_of(base + 2);
	n->dhcp_last = addr_of(addr_bcast(n->subnet, n->prefix) - 1);
}

static int range_order(struct in_addr first, struct in_addr last, char *err, size_t errlen)
{
	char f[ADDR_STRLEN], l[ADDR_STRLEN];

	if (addr_h(first) > addr_h(last)) {
		err_set(err, errlen, "DHCP range %s-%s ends before it starts", addr_str(first, f),
			addr_str(last, l));
		return -EINVAL;
	}
	return 0;
}

int addr_range_parse(const char *s, struct in_addr *first, struct in_addr *last,
		     char *err, size_t errlen)
{
	const char *dash = s ? strchr(s, '-') : NULL;
	char a[ADDR_STRLEN];
	struct in_addr f, l;

	if (!dash || cut(s, (size_t)(dash - s), a, sizeof(a)) < 0 ||
	    inet_pton(AF_INET, a, &f) != 1 || inet_pton(AF_INET, dash + 1, &l) != 1) {
		err_set(err, errlen, "DHCP range '%s' must look like 10.73.0.100-10.73.0.200",
			s ? s : "");
		return -EINVAL;
	}
	if (range_order(f, l, err, errlen) < 0)
		return -EINVAL;
	*first = f;
	*last = l;
	return 0;
}

int addr_range_check(const struct netd_net *n, char *err, size_t errlen)
{
	char f[ADDR_STRLEN], l[ADDR_STRLEN], sn[ADDR_CIDR_STRLEN], g[ADDR_STRLEN];
	uint32_t first = addr_h(n->dhcp_first), last = addr_h(n->dhcp_last);
	uint32_t base = addr_h(n->subnet), bc = addr_bcast(n->subnet, n->prefix);
	uint32_t gw = addr_h(n->gateway);

	addr_str(n->dhcp_first, f);
	addr_str(n->dhcp_last, l);
	addr_cidr_str(n->subnet, n->prefix, sn);
	if (!addr_contains(n->subnet, n->prefix, n->dhcp_first) ||
	    !addr_contains(n->subnet, n->prefix, n->dhcp_last)) {
		err_set(err, errlen, "DHCP range %s-%s is not inside the subnet %s", f, l, sn);
		return -EINVAL;
	}
	if (range_order(n->dhcp_first, n->dhcp_last, err, errlen) < 0)
		return -EINVAL;
	if (first == base || last == bc) {
		err_set(err, errlen, "DHCP range %s-%s includes the %s address %s of %s", f, l,
			first == base ? "network" : "broadcast", first == base ? f : l, sn);
		return -EINVAL;
	}
	if (first <= gw && gw <= last) {
		err_set(err, errlen, "DHCP range %s-%s includes the gateway %s (the host's address on the bridge)",
			f, l, addr_str(n->gateway, g));
		return -EINVAL;
	}
	return 0;
}

int addr_gateway_check(const struct netd_net *n, char *err, size_t errlen)
{
	char g[ADDR_STRLEN], sn[ADDR_CIDR_STRLEN];
	uint32_t gw = addr_h(n->gateway);

	addr_str(n->gateway, g);
	addr_cidr_str(n->subnet, n->prefix, sn);
	if (!addr_contains(n->subnet, n->prefix, n->gateway)) {
		err_set(err, errlen, "gateway %s is not inside the subnet %s", g, sn);
		return -EINVAL;
	}
	if (gw == addr_h(n->subnet) || gw == addr_bcast(n->subnet, n->prefix)) {
		err_set(err, errlen, "gateway %s is the %s address of %s", g,
			gw == addr_h(n->subnet) ? "network" : "broadcast", sn);
		return -EINVAL;
	}
	return 0;
}

int addr_net_check(const struct netd_net *n, char *err, size_t errlen)
{
	if (addr_subnet_check(n->subnet, n->prefix, err, errlen) < 0 ||
	    addr_gateway_check(n, err, errlen) < 0 || addr_range_check(n, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

int addr_host_check(const struct netd_net *n, struct in_addr a, char *err, size_t errlen)
{
	char s[ADDR_STRLEN], sn[ADDR_CIDR_STRLEN];
	uint32_t v = addr_h(a);

	addr_str(a, s);
	addr_cidr_str(n->subnet, n->prefix, sn);
	if (!addr_contains(n->subnet, n->prefix, a)) {
		err_set(err, errlen, "address %s is outside network %s's subnet %s", s, n->name, sn);
		return -EINVAL;
	}
	if (v == addr_h(n->subnet) || v == addr_bcast(n->subnet, n->prefix)) {
		err_set(err, errlen, "address %s is the %s address of %s", s,
			v == addr_h(n->subnet) ? "network" : "broadcast", sn);
		return -EINVAL;
	}
	if (v == addr_h(n->gateway)) {
		err_set(err, errlen, "address %s is network %s's gateway (the host's address on the bridge)",
			s, n->name);
		return -EINVAL;
	}
	return 0;
}

/* --- MACs ---------------------------------------------------------------------------- */

/* The MAC rule; shown is how the message writes the MAC. */
static int mac_rule(const uint8_t mac[6], const char *shown, char *err, size_t errlen)
{
	static const uint8_t zero[6];

	if (mac[0] & 1) {
		err_set(err, errlen, "MAC %s is a multicast address; a NIC needs a unicast one (the lowest bit of the first byte clear, e.g. 52:54:00:12:34:56)",
			shown);
		return -EINVAL;
	}
	if (!memcmp(mac, zero, 6)) {
		err_set(err, errlen, "MAC %s is all zero", shown);
		return -EINVAL;
	}
	return 0;
}

int addr_mac_check(const uint8_t mac[6], char *err, size_t errlen)
{
	char s[ADDR_MAC_STRLEN];

	return mac_rule(mac, addr_mac_str(mac, s), err, errlen);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int addr_mac_parse(const char *s, uint8_t mac[6], char *err, size_t errlen)
{
	uint8_t v[6];
	char sep;
	int i;

	if (!s || strlen(s) != 17 || (s[2] != ':' && s[2] != '-'))
		goto bad;
	sep = s[2];
	for (i = 0; i < 6; i++) {
		int hi = hexval((unsigned char)s[3 * i]), lo = hexval((unsigned char)s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != sep))
			goto bad;
		v[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac_rule(v, s, err, errlen) < 0)
		return -EINVAL;
	memcpy(mac, v, 6);
	return 0;
bad:
	err_set(err, errlen, "MAC '%s' must look like 52:54:00:12:34:56", s ? s : "");
	return -EINVAL;
}

/* --- interface names -------------------------------------------------------------------- */

int addr_ifname_check(const char *what, const char *s, char *err, size_t errlen)
{
	size_t n = s ? strlen(s) : 0, i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < ' ' || c >= 127) {
			err_set(err, errlen, "%s contains a non-printable or non-ASCII byte (0x%02x); an interface name has " IFNAME_RULE,
				what, c);
			return -EINVAL;
		}
	}
	if (!n || n >= NETD_IFNAME_LEN || strspn(s, IFNAME_CHARS) != n) {
		err_set(err, errlen, "%s '%s' is not an interface name (" IFNAME_RULE ")", what,
			s ? s : "");
		return -EINVAL;
	}
	if (!strcmp(s, ".") || !strcmp(s, "..")) {
		err_set(err, errlen, "%s '%s' is not an interface name ('.' and '..' name directories)",
			what, s);
		return -EINVAL;
	}
	return 0;
}

int addr_ifname_is_croft(const char *s)
{
	return !strncmp(s, NETD_IFPREFIX, strlen(NETD_IFPREFIX)) && strcmp(s, NETD_HOST_BRIDGE);
}

int addr_uplink_check(const char *s, char *err, size_t errlen)
{
	if (addr_ifname_check("uplink", s, err, errlen) < 0)
		return -EINVAL;
	if (addr_ifname_is_croft(s)) {
		err_set(err, errlen, "uplink '%s' is one of croft's own interfaces", s);
		return -EINVAL;
	}
	return 0;
}
