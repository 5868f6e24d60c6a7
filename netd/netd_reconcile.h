/*
 * netd's kernel side: what a COMMIT, a CHECK_NET, a DEFAULT_UPLINK and a
 * LEASES request do.  A COMMIT makes the kernel match the desired state
 * exactly:
 *
 *   1. check everything first: the state (netd_state_validate), the host
 *      (netd_check_state against a fresh snapshot), that dnsmasq can run,
 *      and that the nftables batch builds;
 *   2. replace the tables inet croft and bridge croft in one atomic batch
 *      (first, so the anti-spoofing rules exist before any tap is
 *      attached);
 *   3. links: the plan's links phase, then (from a new snapshot) its ports
 *      phase: addresses and VLANs (netd_plan.h);
 *   4. link settings (link_conf.h): no router advertisements, IPv6
 *      autoconfiguration or redirects on croft's links, no IPv6 on taps,
 *      IPv4 forwarding on nat bridges and their uplinks only (never
 *      switched back off on an uplink: other software may rely on it);
 *   5. dnsmasq per nat/host-only network (dnsmasq.h).
 *
 * A state that fails step 1 changes nothing.  A kernel error in steps 2-5
 * stops there and is reported; the next COMMIT starts from whatever the
 * kernel then has, so it converges.  Nothing touches the kernel before the
 * first COMMIT.
 */
#ifndef CROFT_NETD_RECONCILE_H
#define CROFT_NETD_RECONCILE_H

#include "netd/netd_conn.h"
#include "netd/netd_state.h"

#include <stddef.h>

struct loop;
struct netd_reconcile;

/* The handler table for netd_conn; ctx is a struct netd_reconcile. */
extern const struct netd_handlers netd_reconcile_handlers;

/* run_dir holds net/<id>/ for dnsmasq; dnsmasq_binary is its path. */
int netd_reconcile_new(struct loop *loop, const char *run_dir, const char *dnsmasq_binary,
		       struct netd_reconcile **out, char *err, size_t errlen);
/* Leaves the kernel and the dnsmasq processes as they are. */
void netd_reconcile_free(struct netd_reconcile *r);

int netd_reconcile_commit(struct netd_reconcile *r, const struct netd_state *st,
			  char *text, size_t len);
int netd_reconcile_check_net(struct netd_reconcile *r, const struct netd_net *net,
			     char *text, size_t len);
int netd_reconcile_default_uplink(struct netd_reconcile *r, char *text, size_t len);
int netd_reconcile_leases(struct netd_reconcile *r, struct netd_lease **out, size_t *n,
			  char *text, size_t len);

#endif
