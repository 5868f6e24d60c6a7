/*
 * croftd's API endpoint: a unix stream socket speaking JSON lines (see
 * common/proto.h).  Each connection is checked with SO_PEERCRED (root, the
 * daemon's own user and members of group croft only), must open with the
 * "hello" handshake, and may then send requests in any order; replies may
 * come out of order when an op completes later.  Requests are dispatched
 * through the op tables (api_ops.h).  While a handler runs, the bus's
 * origin is the peer (user, uid, op); every op not marked API_OP_READ is
 * recorded when it is answered, as an "api.request" event with its result.
 * Subscribers get every event of the bus.
 *
 * A request handler gets a struct api_req and must finish it exactly once
 * with api_req_ok() or api_req_err(), now or later.  If the client has gone
 * away meanwhile the reply is dropped.
 */
#ifndef CROFT_API_SERVER_H
#define CROFT_API_SERVER_H

#include <jansson.h>
#include <stddef.h>

struct croftd;
struct api_server;
struct api_req;

/* Bind path (unlinking a stale socket), mode 0660, group croft_gid when
 * valid.  0 or -errno with err set. */
int api_server_start(struct croftd *d, const char *path, struct api_server **out,
		     char *err, size_t errlen);
void api_server_stop(struct api_server *s);

struct croftd *api_req_daemon(const struct api_req *r);
const char *api_req_op(const struct api_req *r);
/* result is stolen (NULL means {}). */
void api_req_ok(struct api_req *r, json_t *result);
/* Also hand the client a file descriptor (taken on every path). */
void api_req_ok_fd(struct api_req *r, json_t *result, int fd);
/* result as JSON text already rendered (borrowed): a reply served from a
 * cache costs a copy, not a render. */
void api_req_ok_text(struct api_req *r, const char *result);
void api_req_err(struct api_req *r, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Mark the connection as an event subscriber. */
void api_req_subscribe(struct api_req *r);

#endif
