/*
 * One client connection's side of the netd protocol (common/netd_proto.h),
 * without the socket: packets go in, reply messages come out of a queue.
 * The work behind each request sits behind a handler table, so tests drive
 * the protocol with fakes and the daemon plugs in reconciliation.
 *
 * Rules this enforces:
 *  - every packet is exactly one struct netd_msg; HELLO with the right
 *    version comes first;
 *  - a state transfer is STATE_BEGIN, then exactly the announced numbers of
 *    STATE_NET, STATE_NIC and STATE_FWD in that order, then STATE_COMMIT;
 *  - the transfer is answered by exactly one REPLY, to its COMMIT (seq of
 *    the COMMIT).  The first problem inside a transfer (a message out of
 *    order or of the wrong size, too many of a kind, a request that is not
 *    part of a state) discards the partial state; the rest of the transfer
 *    is ignored and the COMMIT's REPLY names that first problem.  A request
 *    sent inside a transfer is also answered at once with an error;
 *  - a state message outside a transfer is answered at once with an error;
 *  - the whole state is checked with netd_state_validate() before the
 *    commit handler sees it; CHECK_NET's network is checked the same way;
 *  - LEASES is answered by LEASE messages and one END, or one REPLY on
 *    error.
 */
#ifndef CROFT_NETD_CONN_H
#define CROFT_NETD_CONN_H

#include "common/netd_proto.h"
#include "netd/netd_state.h"

#include <stddef.h>

/* Each returns 0 or -errno and may write a message for the REPLY into
 * text (success text included, e.g. the DEFAULT_UPLINK name). */
struct netd_handlers {
	int (*commit)(void *ctx, const struct netd_state *st, char *text, size_t len);
	int (*check_net)(void *ctx, const struct netd_net *net, char *text, size_t len);
	int (*default_uplink)(void *ctx, char *text, size_t len);
	/* *out is malloc'ed, freed by the caller */
	int (*leases)(void *ctx, struct netd_lease **out, size_t *n, char *text, size_t len);
};

struct netd_conn;

/* h and ctx must outlive the connection. */
struct netd_conn *netd_conn_new(const struct netd_handlers *h, void *ctx);
void netd_conn_free(struct netd_conn *c);

/* One received packet of len bytes. */
void netd_conn_input(struct netd_conn *c, const void *pkt, size_t len);

/* The queued outgoing messages, oldest first; consume() drops the first n
 * after they were sent. */
const struct netd_msg *netd_conn_output(const struct netd_conn *c, size_t *n);
void netd_conn_consume(struct netd_conn *c, size_t n);

#endif
