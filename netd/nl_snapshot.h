/*
 * A snapshot of the kernel's networking state as netd sees it: every link,
 * IPv4 address, IPv4 route and bridge-port VLAN set, read with four dumps.
 * Checks and reconciliation plans are pure functions of a desired state and
 * a snapshot, so tests build snapshots by hand.  A snapshot owns its arrays.
 */
#ifndef CROFT_NL_SNAPSHOT_H
#define CROFT_NL_SNAPSHOT_H

#include "netd/nl_parse.h"

#include <stddef.h>

struct nl_sock;

struct nl_snapshot {
	struct nl_link *links;
	size_t n_links;
	struct nl_addr *addrs;
	size_t n_addrs;
	struct nl_route *routes;
	size_t n_routes;
	struct nl_vlans *vlans;
	size_t n_vlans;
};

/* Fills snap (cleared first); 0 or -errno with err set.  Retries a dump
 * that the kernel reports as interrupted. */
int nl_snapshot_take(struct nl_sock *s, struct nl_snapshot *snap, char *err, size_t errlen);
void nl_snapshot_clear(struct nl_snapshot *snap);

/* Lookups; NULL when absent. */
const struct nl_link *nl_snapshot_link(const struct nl_snapshot *snap, const char *name);
const struct nl_link *nl_snapshot_link_at(const struct nl_snapshot *snap, int ifindex);
const struct nl_vlans *nl_snapshot_vlans(const struct nl_snapshot *snap, int ifindex);

/* Appending, for tests and for take(); each returns the new zeroed entry. */
struct nl_link *nl_snapshot_add_link(struct nl_snapshot *snap);
struct nl_addr *nl_snapshot_add_addr(struct nl_snapshot *snap);
struct nl_route *nl_snapshot_add_route(struct nl_snapshot *snap);
struct nl_vlans *nl_snapshot_add_vlans(struct nl_snapshot *snap);

#endif
