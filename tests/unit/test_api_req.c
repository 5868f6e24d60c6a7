/*
 * api_req tests: dispatch and resolution without a socket.  Requests run
 * through api_req_run() on a fake croftd (testlib) with a fake peer that
 * keeps the reply lines.  Private ops check what a handler gets (the VM,
 * the network, the bus origin), that a name matching nothing is answered
 * before any handler with the one not_found message, in schema order, and
 * that the audit event goes out before the reply.  Then every real op that
 * names a VM or a network is sent a name that matches nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/pools.h"

#include <errno.h>
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/vm.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- the fake peer --------------------------------------------------------------- */

struct fake_peer {
	struct api_peer p;           /* first: the callbacks get its address */
	json_t *replies;             /* every line sent, in order */
	int holds;
	int fds;
	int subscribed;
};

static void fp_send(struct api_peer *p, json_t *msg, int fd)
{
	struct fake_peer *f = (struct fake_peer *)p;

	json_array_append_new(f->replies, msg);
	if (fd >= 0) {
		f->fds++;
		close(fd);
	}
}

static void fp_subscribe(struct api_peer *p)
{
	((struct fake_peer *)p)->subscribed = 1;
}

static void fp_hold(struct api_peer *p)
{
	((struct fake_peer *)p)->holds++;
}

static void fp_release(struct api_peer *p)
{
	((struct fake_peer *)p)->holds--;
}

/* --- what handlers and the bus saw ---------------------------------------------- */

struct seen_event {
	char kind[32], target[32], result[32], user[32], op[32];
	int64_t uid;
	size_t replies_before;       /* reply lines already sent when it was published */
};

struct fixture {
	char *dir;
	struct croftd *d;
	struct vm *web;
	int64_t lan_id;
	struct fake_peer peer;
	int calls;                   /* handler runs */
	struct vm *vm;               /* what the last one got */
	const struct store_net *net;
	char net_name[32];
	struct api_req *later;       /* a request left unanswered */
	struct seen_event ev[32];
	size_t nev;
};

static struct fixture *fx;       /* for the handlers and the sink */

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "-");
}

static void sink(const struct bus_event *e, void *data)
{
	struct seen_event *s;

	(void)data;
	if (fx->nev >= sizeof(fx->ev) / sizeof(fx->ev[0]))
		fail_msg("too many events");
	s = &fx->ev[fx->nev++];
	copy(s->kind, sizeof(s->kind), e->kind);
	copy(s->target, sizeof(s->target), e->target);
	copy(s->result, sizeof(s->result), e->result);
	copy(s->user, sizeof(s->user), e->origin.user);
	copy(s->op, sizeof(s->op), e->origin.op);
	s->uid = e->origin.uid;
	s->replies_before = json_array_size(fx->peer.replies);
}

static void note(struct api_req *r)
{
	fx->calls++;
	fx->vm = api_req_vm(r);
	fx->net = api_req_net(r);
	copy(fx->net_name, sizeof(fx->net_name), fx->net ? fx->net->name : NULL);
}

static void h_answer(struct api_req *r, json_t *args)
{
	(void)args;
	note(r);
	bus_publish(api_req_daemon(r)->bus, "test.ran", NULL, 0, NULL, "handler ran");
	api_req_ok(r, json_pack("{s:s}", "op", api_req_op(r)));
}

static void h_take(struct api_req *r, json_t *args)
{
	struct store_net n;

	(void)args;
	note(r);
	api_req_net_take(r, &n);
	assert_null(api_req_net(r));
	copy(fx->net_name, sizeof(fx->net_name), n.name);
	api_req_ok(r, json_pack("{s:I}", "id", (json_int_t)n.id));
	store_net_clear(&n);
}

static void h_later(struct api_req *r, json_t *args)
{
	(void)args;
	note(r);
	fx->later = r;
}

static void h_fd(struct api_req *r, json_t *args)
{
	(void)args;
	note(r);
	api_req_ok_fd(r, NULL, open("/dev/null", O_RDONLY | O_CLOEXEC));
}

static void h_subscribe(struct api_req *r, json_t *args)
{
	(void)args;
	note(r);
	api_req_subscribe(r);
	api_req_err(r, PROTO_E_INTERNAL, "answered with %s", "an error");
}

static const struct api_arg a_vm[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM }, { NULL, 0, 0 } };
static const struct api_arg a_net_vm[] = {
	{ "net", ARG_STRING, ARG_REQUIRED | ARG_NET },
	{ "vm", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ NULL, 0, 0 } };
static const struct api_arg a_vm_net[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "net", ARG_STRING, ARG_NET | ARG_NULLABLE },
	{ NULL, 0, 0 } };
static const struct api_arg a_none[] = { { NULL, 0, 0 } };

static const struct api_op op_vm = { "test.vm", h_answer, a_vm, 0 };
static const struct api_op op_vm_read = { "test.vm.read", h_answer, a_vm, API_OP_READ };
static const struct api_op op_net_vm = { "test.net_vm", h_take, a_net_vm, 0 };
static const struct api_op op_vm_net = { "test.vm_net", h_answer, a_vm_net, 0 };
static const struct api_op op_later = { "test.later", h_later, a_vm, 0 };
static const struct api_op op_fd = { "test.fd", h_fd, a_none, 0 };
static const struct api_op op_sub = { "test.sub", h_subscribe, a_none, API_OP_READ };

static int setup(void **state)
{
	struct store_net lan = { .name = "lan", .mode = "nat", .subnet = "10.1.0.0", .prefix = 24,
				 .gateway = "10.1.0.1", .dhcp_first = "10.1.0.10",
				 .dhcp_last = "10.1.0.99" };
	static const char *const disks[] = { "/pool/web-disk0.qcow2", NULL };
	char err[256];

	fx = xcalloc(1, sizeof(*fx));
	fx->dir = tl_tmpdir("apireq");
	assert_non_null(fx->dir);
	fx->d = tl_croftd_new_or_fail(fx->dir);
	fx->web = tl_croftd_vm_add(fx->d, "web", disks);
	tl_croftd_vm_add(fx->d, "gone", NULL)->deleted = 1;
	if (store_net_insert(fx->d->store, &lan, err, sizeof(err)) < 0)
		fail_msg("store_net_insert: %s", err);
	fx->lan_id = lan.id;
	fx->peer = (struct fake_peer){ .p = { .user = "alice", .uid = 1000, .send = fp_send,
					      .subscribe = fp_subscribe, .hold = fp_hold,
					      .release = fp_release },
				       .replies = json_array() };
	assert_int_equal(bus_sink_add(fx->d->bus, sink, NULL), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(fx->peer.replies);
	tl_croftd_free(fx->d);
	tl_rmtree(fx->dir);
	free(fx->dir);
	free(fx);
	fx = NULL;
	return 0;
}

/* Run op with args (which must pass the schema) and id 7; the request
 * must be finished, and its one reply line is returned. */
static json_t *run_args(const struct api_op *op, json_t *args)
{
	size_t before = json_array_size(fx->peer.replies);
	json_t *id = json_integer(7);
	char err[256];

	if (api_args_check(op, args, err, sizeof(err)) < 0)
		fail_msg("%s: %s", op->name, err);
	api_req_run(fx->d, &fx->peer.p, op, id, args);
	json_decref(id);
	assert_int_equal(fx->peer.holds, 0);
	assert_int_equal(json_array_size(fx->peer.replies), before + 1);
	return json_array_get(fx->peer.replies, before);
}

static json_t *run(const struct api_op *op, const char *args_json)
{
	json_t *args = json_loads(args_json, 0, NULL), *m;

	assert_non_null(args);
	m = run_args(op, args);
	json_decref(args);
	return m;
}

static void assert_reply_ok(const json_t *m)
{
	assert_int_equal(json_integer_value(json_object_get(m, "id")), 7);
	if (!json_is_true(json_object_get(m, "ok")))
		fail_msg("refused: %s", json_string_value(json_object_get(json_object_get(m, "error"),
									"message")));
	assert_true(json_is_object(json_object_get(m, "result")));
}

static void assert_reply_err(const json_t *m, const char *code, const char *msg)
{
	const json_t *e = json_object_get(m, "error");

	assert_int_equal(json_integer_value(json_object_get(m, "id")), 7);
	assert_true(json_is_false(json_object_get(m, "ok")));
	assert_string_equal(json_string_value(json_object_get(e, "code")), code);
	assert_string_equal(json_string_value(json_object_get(e, "message")), msg);
	assert_null(json_object_get(m, "result"));
}

/* --- resolution ---------------------------------------------------------------------- */

static void test_vm_resolved(void **state)
{
	json_t *m;

	(void)state;
	m = run(&op_vm, "{\"name\":\"web\"}");
	assert_reply_ok(m);
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "result"), "op")),
			    "test.vm");
	assert_int_equal(fx->calls, 1);
	assert_ptr_equal(fx->vm, fx->web);
	assert_null(fx->net);
}

static void test_vm_not_found(void **state)
{
	(void)state;
	assert_reply_err(run(&op_vm, "{\"name\":\"webb\"}"), PROTO_E_NOT_FOUND, "no VM named 'webb'");
	assert_reply_err(run(&op_vm, "{\"name\":\"gone\"}"), PROTO_E_NOT_FOUND, "no VM named 'gone'");
	assert_reply_err(run(&op_vm, "{\"name\":\"WEB\"}"), PROTO_E_NOT_FOUND, "no VM named 'WEB'");
	assert_int_equal(fx->calls, 0);
}

static void test_net_resolved_and_taken(void **state)
{
	json_t *m;

	(void)state;
	m = run(&op_net_vm, "{\"net\":\"lan\",\"vm\":\"web\"}");
	assert_reply_ok(m);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "result"), "id")),
			 fx->lan_id);
	assert_string_equal(fx->net_name, "lan");
	assert_ptr_equal(fx->vm, fx->web);

	assert_reply_ok(run(&op_vm_net, "{\"name\":\"web\",\"net\":\"lan\"}"));
	assert_string_equal(fx->net_name, "lan");
	assert_int_equal(fx->calls, 2);
}

/* The first argument that names nothing is the one answered. */
static void test_order_and_not_found(void **state)
{
	(void)state;
	assert_reply_err(run(&op_net_vm, "{\"vm\":\"webb\",\"net\":\"x\"}"), PROTO_E_NOT_FOUND,
			 "no network named 'x'");
	assert_reply_err(run(&op_net_vm, "{\"vm\":\"webb\",\"net\":\"lan\"}"), PROTO_E_NOT_FOUND,
			 "no VM named 'webb'");
	assert_reply_err(run(&op_vm_net, "{\"name\":\"webb\",\"net\":\"x\"}"), PROTO_E_NOT_FOUND,
			 "no VM named 'webb'");
	assert_reply_err(run(&op_vm_net, "{\"name\":\"web\",\"net\":\"x\"}"), PROTO_E_NOT_FOUND,
			 "no network named 'x'");
	assert_int_equal(fx->calls, 0);
}

/* An optional name left out, or null, resolves to nothing. */
static void test_optional(void **state)
{
	(void)state;
	assert_reply_ok(run(&op_vm_net, "{\"name\":\"web\"}"));
	assert_ptr_equal(fx->vm, fx->web);
	assert_null(fx->net);
	assert_reply_ok(run(&op_vm_net, "{\"name\":\"web\",\"net\":null}"));
	assert_null(fx->net);
	assert_int_equal(fx->calls, 2);
}

/* --- origin and audit ------------------------------------------------------------------- */

static void test_origin_and_audit(void **state)
{
	const struct seen_event *e;

	(void)state;
	run(&op_vm, "{\"name\":\"web\"}");
	assert_int_equal(fx->nev, 2);
	e = &fx->ev[0];                       /* published by the handler */
	assert_string_equal(e->kind, "test.ran");
	assert_string_equal(e->user, "alice");
	assert_int_equal(e->uid, 1000);
	assert_string_equal(e->op, "test.vm");
	e = &fx->ev[1];                       /* the audit, before the reply */
	assert_string_equal(e->kind, "api.request");
	assert_string_equal(e->target, "web");
	assert_string_equal(e->result, "ok");
	assert_string_equal(e->user, "alice");
	assert_int_equal(e->replies_before, 0);

	run(&op_vm, "{\"name\":\"webb\"}");
	assert_int_equal(fx->nev, 3);
	e = &fx->ev[2];
	assert_string_equal(e->kind, "api.request");
	assert_string_equal(e->target, "webb");
	assert_string_equal(e->result, PROTO_E_NOT_FOUND);
	assert_string_equal(e->op, "test.vm");
	assert_int_equal(e->replies_before, 1);

	/* reads are not audited, whatever their outcome */
	run(&op_vm_read, "{\"name\":\"web\"}");
	run(&op_vm_read, "{\"name\":\"webb\"}");
	assert_int_equal(fx->nev, 4);
	assert_string_equal(fx->ev[3].kind, "test.ran");

	/* after the request, croftd speaks for itself again */
	bus_publish(fx->d->bus, "test.after", NULL, 0, NULL, "after");
	assert_string_equal(fx->ev[4].user, "-");
	assert_string_equal(fx->ev[4].op, "-");
}

/* --- answers ------------------------------------------------------------------------------ */

static void test_answer_later(void **state)
{
	json_t *args = json_pack("{s:s}", "name", "web");

	(void)state;
	api_req_run(fx->d, &fx->peer.p, &op_later, NULL, args);
	json_decref(args);
	assert_non_null(fx->later);
	assert_int_equal(fx->peer.holds, 1);
	assert_int_equal(json_array_size(fx->peer.replies), 0);
	assert_string_equal(api_req_op(fx->later), "test.later");
	assert_ptr_equal(api_req_vm(fx->later), fx->web);
	api_req_ok(fx->later, NULL);
	assert_int_equal(fx->peer.holds, 0);
	assert_int_equal(json_array_size(fx->peer.replies), 1);
	/* no id asked, none given back; an empty result is {} */
	assert_null(json_object_get(json_array_get(fx->peer.replies, 0), "id"));
	assert_int_equal(json_object_size(json_object_get(json_array_get(fx->peer.replies, 0),
							  "result")), 0);
}

static void test_fd_and_subscribe(void **state)
{
	(void)state;
	assert_reply_ok(run(&op_fd, "{}"));
	assert_int_equal(fx->peer.fds, 1);
	assert_reply_err(run(&op_sub, "{}"), PROTO_E_INTERNAL, "answered with an error");
	assert_true(fx->peer.subscribed);
}

/* --- the real tables ------------------------------------------------------------------------ */

/* Every real op that names a VM or a network, given names that match
 * nothing, is answered not_found for the first of them, before its
 * handler could touch anything. */
static void test_real_ops_not_found(void **state)
{
	const struct api_op *const *t, *op;
	size_t checked = 0;

	(void)state;
	for (t = api_op_tables; *t; t++) {
		for (op = *t; op->name; op++) {
			const struct api_arg *a, *first = NULL;
			json_t *args = json_object();
			char want[128];

			for (a = op->args; a->name; a++) {
				if ((a->flags & (ARG_VM | ARG_NET)) && !first)
					first = a;
				if (!(a->flags & (ARG_REQUIRED | ARG_VM | ARG_NET)))
					continue;
				json_object_set_new(args, a->name,
						    a->type == ARG_STRING ? json_string("nosuch")
						    : a->type == ARG_INT ? json_integer(1)
						    : a->type == ARG_BOOL ? json_false()
						    : a->type == ARG_ARRAY ? json_array() : json_object());
			}
			if (!first) {
				json_decref(args);
				continue;
			}
			snprintf(want, sizeof(want), "no %s named 'nosuch'",
				 (first->flags & ARG_VM) ? "VM" : "network");
			assert_reply_err(run_args(op, args), PROTO_E_NOT_FOUND, want);
			json_decref(args);
			checked++;
		}
	}
	assert_true(checked >= 18);
}

/* host.set allow_path / disallow_path: root's only, saved in the store,
 * shown by host.info. */
static void test_host_allow_path(void **state)
{
	const struct api_op *set = api_op_find("host.set");
	char *text = NULL;
	json_t *m;

	(void)state;
	assert_non_null(set);
	fx->d->qemu_version = (char *)"7.2.0";
	fx->peer.p.uid = 4242;
	assert_reply_err(run(set, "{\"allow_path\":\"/srv/images\"}"), PROTO_E_PERMISSION,
			 "only root can allow host paths (croft host set allow-path)");
	assert_reply_err(run(set, "{\"disallow_path\":\"/srv/images\"}"), PROTO_E_PERMISSION,
			 "only root can disallow host paths (croft host set disallow-path)");
	assert_int_equal(pools_allowed_count(fx->d->pools), 0);
	assert_int_equal(store_setting_get(fx->d->store, POOLS_SETTING, &text), -ENOENT);
	/* where metrics are served is root's too */
	assert_reply_err(run(set, "{\"metrics-listen\":\"0.0.0.0:9597\"}"), PROTO_E_PERMISSION,
			 "only root can change where metrics are served (croft host set metrics-listen)");
	assert_int_equal(store_setting_get(fx->d->store, "metrics-listen", &text), -ENOENT);

	fx->peer.p.uid = 0;
	m = run(set, "{\"allow_path\":\"/srv//images/\"}");
	assert_reply_ok(m);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(m,
			    "result"), "allowed_paths"), 0)), "/srv/images");
	assert_reply_ok(run(set, "{\"allow_path\":\"/dev/disk/by-id/ata-X\"}"));
	assert_int_equal(store_setting_get(fx->d->store, POOLS_SETTING, &text), 0);
	assert_string_equal(text, "/srv/images\n/dev/disk/by-id/ata-X");
	free(text);
	assert_reply_err(run(set, "{\"allow_path\":\"/srv/images\"}"), PROTO_E_ALREADY_EXISTS,
			 "/srv/images is already an allowed path");
	assert_reply_err(run(set, "{\"allow_path\":\"srv\"}"), PROTO_E_INVALID_ARGUMENT,
			 "path 'srv' must be absolute");
	assert_reply_err(run(set, "{\"disallow_path\":\"/nope\"}"), PROTO_E_NOT_FOUND,
			 "/nope is not an allowed path");
	assert_reply_err(run(set, "{\"accel\":\"kvm\",\"allow_path\":\"/x\"}"),
			 PROTO_E_INVALID_ARGUMENT,
			 "host.set changes one host path at a time");
	assert_reply_ok(run(set, "{\"disallow_path\":\"/srv/images\"}"));
	assert_int_equal(store_setting_get(fx->d->store, POOLS_SETTING, &text), 0);
	assert_string_equal(text, "/dev/disk/by-id/ata-X");
	free(text);
	assert_int_equal(pools_allowed_count(fx->d->pools), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vm_resolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_net_resolved_and_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_and_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_optional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_origin_and_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_and_subscribe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_ops_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_allow_path, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
