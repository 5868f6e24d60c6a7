/*
 * Would a network fit the host?  Pure checks of desired networks against a
 * kernel snapshot, run before netd changes anything: a nat uplink must
 * exist; a bridged uplink must exist, not be a bridge itself, not be
 * enslaved to a non-croft master and carry no IPv4 address; a nat or
 * host-only subnet must not overlap a route or an address on any non-croft
 * link.  Also the host's default uplink (the DEFAULT_UPLINK answer).
 * Links whose names start with NETD_IFPREFIX are croft's and never clash.
 */
#ifndef CROFT_NETD_CHECK_H
#define CROFT_NETD_CHECK_H

#include "common/netd_proto.h"
#include "netd/netd_state.h"
#include "netd/nl_snapshot.h"

#include <stddef.h>

/* One network.  For CHECK_NET (strict = 1) a bridged uplink already
 * enslaved to another croft bridge is refused too; for a COMMIT (strict =
 * 0) it is fine, since reconciling moves it.  0 or -errno with err set
 * (-ENODEV missing uplink, -EBUSY uplink in use or addressed,
 * -EADDRINUSE subnet clash, -EINVAL unusable uplink). */
int netd_check_net(const struct netd_net *net, const struct nl_snapshot *snap, int strict,
		   char *err, size_t errlen);
/* Every network of a state (strict = 0). */
int netd_check_state(const struct netd_state *st, const struct nl_snapshot *snap,
		     char *err, size_t errlen);

/* VLAN NICs need bridge VLAN filtering; vlan_ok says whether the kernel
 * has it.  0 or -EOPNOTSUPP naming the first VLAN NIC. */
int netd_check_vlans(const struct netd_state *st, int vlan_ok, char *err, size_t errlen);

/* The oif name of the main table's IPv4 default route with the lowest
 * metric.  0, or -ENOENT with err "no IPv4 default route". */
int netd_default_uplink(const struct nl_snapshot *snap, char name[NETD_IFNAME_LEN],
			char *err, size_t errlen);

#endif
