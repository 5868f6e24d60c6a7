/*
 * Kernel settings (sysctls) croft-netd keeps on croft's links: no router
 * advertisements, IPv6 autoconfiguration or redirects taken from guests,
 * no IPv6 on taps, IPv4 forwarding only on nat bridges and their uplinks.
 */
#ifndef CROFT_LINK_CONF_H
#define CROFT_LINK_CONF_H

#include <stddef.h>

#define LINK_CONF_ROOT "/proc/sys"

/* What a link is to croft; the settings it gets follow from that. */
enum {
	LINK_CONF_BRIDGE = 1 << 0,      /* host-only or bridged network's bridge */
	LINK_CONF_NAT_BRIDGE = 1 << 1,  /* nat network's bridge: also forwards */
	LINK_CONF_TAP = 1 << 2,         /* a guest NIC's tap */
	LINK_CONF_UPLINK = 1 << 3,      /* a nat network's uplink: forwards only */
};

/*
 * Bring ifname's settings under root (LINK_CONF_ROOT; tests: a fake tree)
 * in line with kind.  Files already right are not written; each change is
 * logged.  0, or -errno with err naming the file (-ENOENT: no such link).
 */
int link_conf_apply(const char *root, const char *ifname, unsigned kind, char *err,
		    size_t errlen);

#endif
