/*
 * An API request between the server and a handler.  The server (or a
 * test) hands a request whose arguments passed the op's schema to
 * api_req_run(), which resolves what the arguments name before the handler
 * runs: an argument flagged ARG_VM is looked up among the VMs, one flagged
 * ARG_NET is loaded from the store, and a name that matches nothing is
 * answered here, the one place that says "no VM named 'webb'" or "no
 * network named 'x'".  The handler then gets the objects from the request.
 * While it runs, the bus's origin is the peer (user, uid, op); every op not
 * marked API_OP_READ is recorded when it is answered, as an "api.request"
 * event with its result, before the reply goes out.
 *
 * A handler must finish its request exactly once with api_req_ok() or
 * api_req_err(), now or later.  The request holds its peer until then; a
 * peer that has gone away drops the reply.
 */
#ifndef CROFT_API_REQ_H
#define CROFT_API_REQ_H

#include <jansson.h>
#include <stdint.h>

struct api_op;
struct api_req;
struct croftd;
struct store_net;
struct vm;

/* Who sent a request and where its answer goes: one of the server's
 * connections, or a test's fake. */
struct api_peer {
	const char *user;            /* "alice", or "uid 1234" */
	int64_t uid;
	/* Queue one reply line: msg is stolen; fd, unless -1, goes with it and
	 * is taken. */
	void (*send)(struct api_peer *p, json_t *msg, int fd);
	/* The same for a line already rendered (malloc'd, stolen); NULL:
	 * the line goes through send. */
	void (*send_text)(struct api_peer *p, char *line);
	void (*subscribe)(struct api_peer *p);
	/* A request takes a hold on its peer and releases it when finished. */
	void (*hold)(struct api_peer *p);
	void (*release)(struct api_peer *p);
};

/* Run op for a request from p: resolve, then call op's handler (unless
 * resolution already answered).  op must have a handler and args must have
 * passed api_args_check(op).  id (may be NULL) gets a reference for the
 * reply; args is borrowed for the call. */
void api_req_run(struct croftd *d, struct api_peer *p, const struct api_op *op,
		 json_t *id, json_t *args);

/* Reply lines, for the server's own answers too (new references; result is
 * stolen, NULL meaning {}). */
json_t *api_req_reply_ok(json_t *id, json_t *result);
json_t *api_req_reply_err(json_t *id, const char *code, const char *msg);

/* --- for handlers ------------------------------------------------------------ */

struct croftd *api_req_daemon(const struct api_req *r);
const char *api_req_op(const struct api_req *r);
/* The uid of the peer that sent the request (SO_PEERCRED). */
int64_t api_req_uid(const struct api_req *r);
/* The VM the op's ARG_VM argument names; NULL when the op names none or the
 * (optional) argument is absent. */
struct vm *api_req_vm(const struct api_req *r);
/* The network the op's ARG_NET argument names, owned by the request until
 * it is finished; NULL as for api_req_vm. */
const struct store_net *api_req_net(const struct api_req *r);
/* Hand that network over: *out takes it (zeroed when there is none). */
void api_req_net_take(struct api_req *r, struct store_net *out);

/* result is stolen (NULL means {}). */
/* result as JSON text already rendered (borrowed): a reply served from a
 * cache costs a copy, not a render. */
void api_req_ok_text(struct api_req *r, const char *result);
void api_req_ok(struct api_req *r, json_t *result);
/* Also hand the client a file descriptor (taken on every path). */
void api_req_ok_fd(struct api_req *r, json_t *result, int fd);
void api_req_err(struct api_req *r, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Mark the peer as an event subscriber. */
void api_req_subscribe(struct api_req *r);

#endif
