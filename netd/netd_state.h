/*
 * The desired state netd reconciles the kernel to: every croft network,
 * guest NIC and port forward, exactly as croftd sent them between
 * STATE_BEGIN and STATE_COMMIT (common/netd_proto.h).  A state is plain
 * data: the nftables ruleset builder (nft_ruleset.h) and the link
 * reconciler both read it and neither keeps pointers into it.
 */
#ifndef CROFT_NETD_STATE_H
#define CROFT_NETD_STATE_H

#include <stddef.h>

#include "common/netd_proto.h"

struct netd_state {
	struct netd_net *nets;  /* owned arrays */
	size_t n_nets;
	struct netd_nic *nics;
	size_t n_nics;
	struct netd_fwd *fwds;
	size_t n_fwds;
};

/* Frees the arrays and zeroes the struct. */
void netd_state_clear(struct netd_state *st);

/*
 * Check a whole state for internal consistency without touching the
 * kernel: ids unique, names and modes valid, subnets well formed and
 * disjoint, gateway and DHCP range inside the subnet, every NIC's net_id
 * and every forward's net_id known, forwards only on nat networks, no two
 * forwards on one proto/host_port, VLANs 1..4094 and only on bridged
 * networks, MACs unicast and unique, NIC IPs inside their subnet.
 * 0, or -EINVAL with err naming the first problem.
 */
int netd_state_validate(const struct netd_state *st, char *err, size_t errlen);

/* Lookups; NULL when absent. */
const struct netd_net *netd_state_net(const struct netd_state *st, uint32_t id);

#endif
