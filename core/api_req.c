/*
 * Requests (api_req.h): resolution of what an op names, the handler call
 * under the peer's bus origin, the reply and the audit trail.  The audit
 * event goes on the bus before the reply is queued, so a client that sees
 * its answer finds the request in the history.
 */
#include "core/api_req.h"
#include "core/api_ops.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/vm.h"
#include "core/vm_busy.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct api_req {
	struct croftd *d;
	struct api_peer *peer;
	json_t *id;
	const struct api_op *op;
	char *target;             /* what the op names (args name/net/id), or NULL */
	struct vm *vm;            /* ARG_VM, resolved */
	struct store_net net;     /* ARG_NET, loaded when has_net */
	int has_net;
};

json_t *api_req_reply_ok(json_t *id, json_t *result)
{
	json_t *m = json_object();

	if (id)
		json_object_set(m, "id", id);
	json_object_set_new(m, "ok", json_true());
	json_object_set_new(m, "result", result ? result : json_object());
	return m;
}

json_t *api_req_reply_err(json_t *id, const char *code, const char *msg)
{
	json_t *m = json_object();

	if (id)
		json_object_set(m, "id", id);
	json_object_set_new(m, "ok", json_false());
	json_object_set_new(m, "error", json_pack("{s:s,s:s}", "code", code, "message", msg));
	return m;
}

struct croftd *api_req_daemon(const struct api_req *r)
{
	return r->d;
}

const char *api_req_op(const struct api_req *r)
{
	return r->op->name;
}

int64_t api_req_uid(const struct api_req *r)
{
	return r->peer->uid;
}

struct vm *api_req_vm(const struct api_req *r)
{
	return r->vm;
}

const struct store_net *api_req_net(const struct api_req *r)
{
	return r->has_net ? &r->net : NULL;
}

void api_req_net_take(struct api_req *r, struct store_net *out)
{
	*out = r->net;
	memset(&r->net, 0, sizeof(r->net));
	r->has_net = 0;
}

/* The audit trail: every op that may change something, with its outcome,
 * as an "api.request" event on behalf of the peer. */
static void req_audit(struct api_req *r, const char *code, const char *msg)
{
	struct api_peer *p = r->peer;
	struct bus_origin o = { .user = p->user, .uid = p->uid, .op = r->op->name };

	if (r->op->flags & API_OP_READ)
		return;
	bus_publish_as(r->d->bus, &o, "api.request", r->target, 0, code ? code : "ok",
		       json_pack("{s:s,s:o,s:s,s:s?}", "op", r->op->name,
				 "target", r->target ? json_string(r->target) : json_null(),
				 "result", code ? code : "ok", "message", msg),
		       "%s%s%s: %s%s%s", r->op->name, r->target ? " " : "",
		       r->target ? r->target : "", code ? code : "ok",
		       msg ? ": " : "", msg ? msg : "");
}

static void req_finish(struct api_req *r)
{
	struct api_peer *p = r->peer;

	json_decref(r->id);
	free(r->target);
	store_net_clear(&r->net);
	free(r);
	p->release(p);
}

void api_req_ok_fd(struct api_req *r, json_t *result, int fd)
{
	req_audit(r, NULL, NULL);
	r->peer->send(r->peer, api_req_reply_ok(r->id, result), fd);
	req_finish(r);
}

void api_req_ok(struct api_req *r, json_t *result)
{
	api_req_ok_fd(r, result, -1);
}

void api_req_ok_text(struct api_req *r, const char *result)
{
	char *id = r->id ? json_dumps(r->id, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	char *line = id ? xasprintf("{\"id\":%s,\"ok\":true,\"result\":%s}", id, result)
			: xasprintf("{\"ok\":true,\"result\":%s}", result);

	free(id);
	req_audit(r, NULL, NULL);
	if (r->peer->send_text) {
		r->peer->send_text(r->peer, line);
	} else {
		r->peer->send(r->peer, json_loads(line, 0, NULL), -1);
		free(line);
	}
	req_finish(r);
}

void api_req_err(struct api_req *r, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_debug("%s failed: %s: %s", r->op->name, code, msg);
	req_audit(r, code, msg);
	r->peer->send(r->peer, api_req_reply_err(r->id, code, msg), -1);
	req_finish(r);
}

void api_req_subscribe(struct api_req *r)
{
	r->peer->subscribe(r->peer);
}

/* What an op is about, for the audit trail. */
static char *req_target(json_t *args)
{
	static const char *const keys[] = { "name", "net", "id" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(args, keys[i]);

		if (json_is_string(v))
			return xstrdup(json_string_value(v));
		if (json_is_integer(v))
			return xasprintf("%lld", (long long)json_integer_value(v));
	}
	return NULL;
}

/* Look up what the arguments name, in schema order; answer the first that
 * is not there.  0, or -errno with the request finished. */
static int req_resolve(struct api_req *r, json_t *args)
{
	const struct api_arg *a;
	const char *code;
	char err[512];
	int rc;

	for (a = r->op->args; a->name; a++) {
		const char *name = json_string_value(json_object_get(args, a->name));

		if (!name || !(a->flags & (ARG_VM | ARG_NET)))
			continue;
		if (a->flags & ARG_VM) {
			if (!(r->vm = vm_find(r->d, name))) {
				api_req_err(r, PROTO_E_NOT_FOUND, "no VM named '%s'", name);
				return -ENOENT;
			}
			if ((r->op->flags & API_OP_VM_JOBS) && (rc = vm_busy_check(r->d,
			    &r->vm->spec, &code, err, sizeof(err))) < 0) {
				api_req_err(r, code, "%s", err);
				return rc;
			}
			continue;
		}
		rc = store_net_get(r->d->store, name, &r->net);
		if (rc == -ENOENT)
			api_req_err(r, PROTO_E_NOT_FOUND, "no network named '%s'", name);
		else if (rc < 0)
			api_req_err(r, PROTO_E_IO, "%s", store_last_error(r->d->store));
		if (rc < 0)
			return rc;
		r->has_net = 1;
	}
	return 0;
}

void api_req_run(struct croftd *d, struct api_peer *p, const struct api_op *op,
		 json_t *id, json_t *args)
{
	struct bus_origin o = { .user = p->user, .uid = p->uid, .op = op->name };
	struct api_req *r = xcalloc(1, sizeof(*r));

	r->d = d;
	r->peer = p;
	p->hold(p);
	r->id = id ? json_incref(id) : NULL;
	r->op = op;
	r->target = req_target(args);
	bus_origin_set(d->bus, &o);
	if (req_resolve(r, args) == 0)
		op->handler(r, args);
	bus_origin_clear(d->bus);
}
