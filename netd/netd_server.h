/*
 * netd's listening socket: <run-dir>/netd.sock, SOCK_SEQPACKET, mode 0600.
 * Only peers with uid 0 or netd's own uid are accepted (SO_PEERCRED).  Each
 * connection gets a netd_conn; replies are sent as the protocol engine
 * queues them, and a connection whose peer does not read its replies is
 * not read from until they are sent.
 */
#ifndef CROFT_NETD_SERVER_H
#define CROFT_NETD_SERVER_H

#include "netd/netd_conn.h"

#include <stddef.h>

struct loop;
struct netd_server;

/* Bind path (a stale socket is replaced; a live one, answered by another
 * netd, is an error) and start accepting.  h/ctx must outlive the server. */
int netd_server_start(struct loop *loop, const char *path, const struct netd_handlers *h,
		      void *ctx, struct netd_server **out, char *err, size_t errlen);
/* Close every connection and the socket, and remove the socket file. */
void netd_server_stop(struct netd_server *s);

#endif
