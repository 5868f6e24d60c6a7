/*
 * croft's networks as croftd sees them: the names of modes and protocols,
 * croftd's choices (a guest's address, a NIC's MAC), the desired state
 * croftd sends croft-netd, built from the store, and the transaction that
 * changes the store and that state together.  The rules for addresses,
 * subnets, ranges and MACs are common/addr.h's.
 *
 * The store is the truth; netd makes the kernel match it.  A change
 * (net_state_apply) therefore runs as: open a store batch, make the
 * change, build the whole desired state from the store (the batch's own
 * rows included), push it to netd, and commit only if netd accepted it.
 * If netd refuses or cannot be reached the batch is rolled back and the
 * previous state is pushed again, so neither side keeps half a change.
 *
 * The choices are pure functions (unit-tested without a daemon);
 * addresses are struct in_addr in network byte order, as netd_proto.h has
 * them.
 */
#ifndef CROFT_NET_STATE_H
#define CROFT_NET_STATE_H

#include "common/netd_proto.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct croftd;
struct store;
struct store_net;
struct store_nic;

#define NET_NICS_PER_VM_MAX 8         /* also the PCIe ports croft gives NICs */
#define NET_RATE_MAX_MBIT 100000
#define NET_VLAN_MAX 4094

/* The desired state, plain data; every array is owned. */
struct net_state {
	struct netd_net *nets;
	size_t n_nets;
	struct netd_nic *nics;
	size_t n_nics;
	struct netd_fwd *fwds;
	size_t n_fwds;
};

void net_state_clear(struct net_state *s);

/* The name of the VM with this store id, or NULL (for the NICs' vm field). */
typedef const char *(*net_vm_name_fn)(void *ctx, int64_t vm_id);

/*
 * Build the whole desired state from the store: every network, every NIC
 * (owned by owner_uid, QEMU's uid) and every forward, with the target
 * address taken from the forward's NIC.  Reads only the networking tables,
 * so it also runs inside a batch.  0, or -errno with err naming the row
 * that cannot be expressed.
 */
int net_state_build(struct store *st, uint32_t owner_uid, net_vm_name_fn vm_name,
		    void *ctx, struct net_state *out, char *err, size_t errlen);

/* Store row -> netd record.  0 or -EINVAL (a value the store should never
 * hold). */
int net_from_store(const struct store_net *sn, struct netd_net *out,
		   char *err, size_t errlen);

/* --- names of things ------------------------------------------------------- */

/* "nat" | "host-only" | "bridged" <-> enum netd_mode.  0 or -EINVAL. */
int net_mode_parse(const char *s, uint32_t *mode, char *err, size_t errlen);
const char *net_mode_name(uint32_t mode);
/* "tcp" | "udp" <-> enum netd_proto_l4. */
int net_proto_parse(const char *s, uint32_t *proto, char *err, size_t errlen);
const char *net_proto_name(uint32_t proto);

/* --- croftd's choices ----------------------------------------------------- */

/* The first address of n's DHCP range not in used[].  -ENOSPC when the
 * range is full. */
int net_ip_alloc(const struct netd_net *n, const struct in_addr *used, size_t nused,
		 struct in_addr *out, char *err, size_t errlen);

/* Fill buf with len random bytes: 0 or -errno.  A seam for tests. */
typedef int (*net_random_fn)(void *buf, size_t len);
int net_random_bytes(void *buf, size_t len);     /* getrandom(2) */
/* A random 52:54:00:xx:xx:xx not in used[]. */
int net_mac_generate(uint8_t mac[6], const uint8_t (*used)[6], size_t nused,
		     net_random_fn rnd, char *err, size_t errlen);

/* --- croftd's side of a change --------------------------------------------- */

/* The owner of a tap whose VM croftd does not know; every other tap
 * belongs to its VM's QEMU uid (vm_uid.h). */
uint32_t net_owner_uid(const struct croftd *d);

/* A netd_state_fn (netd_client.h) for croftd: data is the struct croftd. */
int net_state_of_daemon(void *data, struct net_state *out, char *err, size_t errlen);

/* Build the state from d->store and push it.  0, or -errno with *code a
 * PROTO_E_* and err netd's (or the store's) message. */
int net_state_push(struct croftd *d, const char **code, char *err, size_t errlen);

/* Make one change to the store; runs inside the batch of net_state_apply.
 * 0, or -errno with *code and err set. */
typedef int (*net_change_fn)(struct croftd *d, void *ctx, const char **code,
			     char *err, size_t errlen);

/* The transaction described at the top.  "unavailable" when netd cannot
 * be reached; netd's own message when it refuses. */
int net_state_apply(struct croftd *d, net_change_fn change, void *ctx,
		    const char **code, char *err, size_t errlen);

/* The PROTO_E_* code for a netd client failure. */
const char *net_netd_code(int r);

#endif
