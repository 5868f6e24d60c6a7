/*
 * croftd's API endpoint: a unix stream socket speaking JSON lines (see
 * common/proto.h).  Each connection is checked with SO_PEERCRED (root, the
 * daemon's own user and members of group croft only), must open with the
 * "hello" handshake, and may then send requests in any order; replies may
 * come out of order when an op completes later.  Requests are dispatched
 * through the op tables (api_ops.h) and run as struct api_req (api_req.h,
 * included here for handlers).  Subscribers get every event of the bus.
 */
#ifndef CROFT_API_SERVER_H
#define CROFT_API_SERVER_H

#include "core/api_req.h"

#include <stddef.h>

struct croftd;
struct api_server;

/* Bind path (unlinking a stale socket), mode 0660, group croft_gid when
 * valid.  0 or -errno with err set. */
int api_server_start(struct croftd *d, const char *path, struct api_server **out,
		     char *err, size_t errlen);
void api_server_stop(struct api_server *s);

#endif
