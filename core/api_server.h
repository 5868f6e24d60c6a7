/*
 * croftd's API endpoint: a unix stream socket speaking JSON lines (see
 * common/proto.h).  Each connection is checked with SO_PEERCRED (root, the
 * daemon's own user and members of group croft only), must open with the
 * "hello" handshake, and may then send requests in any order; replies may
 * come out of order when an op completes later.  Requests are dispatched
 * through the op tables (api_ops.h) and run as struct api_req (api_req.h,
 * included here for handlers).  Subscribers get every event of the bus.
 *
 * Limits, read from the host settings when the server starts (a bad value
 * is logged and the default used):
 *   api-max-conns           256     open connections of non-root peers
 *   api-max-conns-per-user  32      of one uid (root's too)
 *   api-max-conns-root      32      of root, apart from the total, so an
 *                                   administrator can always get in
 *   api-out-max-bytes       4 MiB   output queued for one connection; past
 *                                   it the peer is dropped with a reason; past
 *                                   half of it its requests are not read
 *   api-out-total-bytes     64 MiB  for all connections; past it the one
 *                                   furthest behind is dropped
 * A peer over a connection cap gets one line with the code "busy" and is
 * closed.  A request line may be PROTO_MAX_LINE bytes.
 */
#ifndef CROFT_API_SERVER_H
#define CROFT_API_SERVER_H

#include "core/api_req.h"

#include <stddef.h>
#include <stdint.h>

struct croftd;
struct api_server;

#define API_MAX_CONNS_DEFAULT          256
#define API_MAX_CONNS_PER_USER_DEFAULT 32
#define API_MAX_CONNS_ROOT_DEFAULT     32
#define API_OUT_MAX_DEFAULT            (4u << 20)
#define API_OUT_TOTAL_DEFAULT          (64u << 20)

struct api_limits {
	unsigned max_conns, max_per_user, max_root;
	size_t out_max, out_total;
};

/* What the server holds now, for tests and host.info. */
struct api_server_stats {
	unsigned conns;           /* open, root included */
	unsigned root_conns;
	unsigned lingering;       /* refused sockets not yet closed */
	size_t out_bytes;         /* output queued, all connections */
	int paused;               /* not accepting (out of descriptors) */
	uint64_t accepted;        /* connections accepted, ever */
	uint64_t refused_busy;    /* connections refused over a cap, ever */
	uint64_t dropped;         /* connections dropped for their output */
};

/* Bind path (unlinking a stale socket), mode 0660, group croft_gid when
 * valid.  0 or -errno with err set. */
int api_server_start(struct croftd *d, const char *path, struct api_server **out,
		     char *err, size_t errlen);
void api_server_stop(struct api_server *s);
void api_server_stats(const struct api_server *s, struct api_server_stats *st);
/* The limits in force. */
const struct api_limits *api_server_limits(const struct api_server *s);

#endif
