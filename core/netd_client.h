/*
 * croftd's connection to croft-netd (common/netd_proto.h): one
 * SOCK_SEQPACKET socket at <run-dir>/netd.sock, one message per packet.
 *
 * Requests are synchronous: send, then wait (at most the timeout, 5 s)
 * for the reply whose seq matches; netd answers in milliseconds and
 * croftd's changes to networks must not interleave anyway.  A reply that
 * never comes, or any socket error, drops the connection.
 *
 * The client keeps itself connected: it tries at start, and whenever the
 * connection is gone a loop timer tries again, backing off: 100 ms after
 * the loss, then twice as long after each failed try, 5 s at most, and
 * 100 ms again once a connection is made (one log line when netd goes
 * away, one when it is back, nothing in between).  So a netd that restarts
 * is back at once, and one that is absent costs one connect(2) every 5 s.  Each new
 * connection begins with HELLO and then the whole desired state, taken
 * from the state callback, so a restarted netd (or croftd) reconciles at
 * once.  A request made while disconnected first tries to connect, so an
 * op right after netd starts does not wait for the timer.
 *
 * The socket is opened through a small function table, the seam where
 * unit tests put one end of a socketpair and play netd on the other.
 * Without a loop (tests) there is no timer and no watch of the idle fd.
 */
#ifndef CROFT_NETD_CLIENT_H
#define CROFT_NETD_CLIENT_H

#include "common/netd_proto.h"

#include <stddef.h>

struct loop;
struct net_state;
struct netd_client;

#define NETD_CLIENT_TIMEOUT_MS 5000
#define NETD_CLIENT_RETRY_MIN_MS 100
#define NETD_CLIENT_RETRY_MAX_MS 5000

struct netd_client_ops {
	/* A connected SOCK_SEQPACKET fd for path, or -errno. */
	int (*connect)(void *ctx, const char *path);
	void *ctx;
};

/* The real thing: socket(2) + connect(2). */
extern const struct netd_client_ops netd_client_unix_ops;

/* Fill *out with the desired state to push on a new connection. */
typedef int (*netd_state_fn)(void *data, struct net_state *out, char *err, size_t errlen);

/* loop may be NULL.  ops NULL means netd_client_unix_ops.  Does not
 * connect yet. */
struct netd_client *netd_client_new(struct loop *l, const char *path,
				    const struct netd_client_ops *ops,
				    netd_state_fn state_fn, void *state_data);
void netd_client_free(struct netd_client *c);
/* Called after each new connection has taken the whole state (croftd:
 * re-plug NICs whose taps netd had to make anew).  May be NULL. */
typedef void (*netd_connected_fn)(void *data);
void netd_client_on_connect(struct netd_client *c, netd_connected_fn fn, void *data);

/* Try to connect now (and keep trying, with a loop).  0 when connected
 * and the state was pushed, else -errno. */
int netd_client_start(struct netd_client *c);
int netd_client_connected(const struct netd_client *c);
const char *netd_client_path(const struct netd_client *c);
void netd_client_set_timeout(struct netd_client *c, int ms);
/* The retry's first and longest delay (tests; 0 keeps the default). */
void netd_client_set_retry(struct netd_client *c, int min_ms, int max_ms);
/* The delay the pending retry was armed with, or 0 when none is. */
int netd_client_retry_ms(const struct netd_client *c);
/* The delay after one of prev_ms: twice as long, within [min_ms, max_ms]. */
int netd_client_backoff(int prev_ms, int min_ms, int max_ms);

/* Connected, or connect now.  0, or -ENOTCONN with err the message users
 * see: "croft-netd is not running (no answer at PATH)". */
int netd_client_ensure(struct netd_client *c, char *err, size_t errlen);

/*
 * Requests.  Each returns 0, or: -ENOTCONN (netd is not running; err as
 * above), -ETIMEDOUT / -EPROTO / -ECONNRESET (the connection failed and is
 * dropped; err says how), or netd's own REPLY.status with its text in err.
 */
int netd_client_push(struct netd_client *c, const struct net_state *s,
		     char *err, size_t errlen);
int netd_client_check_net(struct netd_client *c, const struct netd_net *n,
			  char *err, size_t errlen);
/* ifname holds NETD_IFNAME_LEN. */
int netd_client_default_uplink(struct netd_client *c, char *ifname,
			       char *err, size_t errlen);
/* *out (malloc'd, may be NULL when *n is 0) owned by the caller. */
int netd_client_leases(struct netd_client *c, struct netd_lease **out, size_t *n,
		       char *err, size_t errlen);

#endif
