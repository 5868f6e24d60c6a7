/*
 * Tests for core/api_ops.c: request-line parsing, the op table, and the
 * argument schema checks that run before any handler.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/api_ops.h"
#include "core/vm_spec.h"
#include "tests/unit/testlib.h"

#include <errno.h>
#include <string.h>

static int parse(const char *s, struct api_request *req, char *err, size_t errlen)
{
	return api_request_parse(s, strlen(s), req, err, errlen);
}

/* Parse a line that must be refused; the message must hold w1 (and w2). */
static void parse_bad(const char *s, const char *w1, const char *w2)
{
	struct api_request req;
	char err[256] = "";

	if (parse(s, &req, err, sizeof(err)) != -EINVAL)
		fail_msg("request %s was accepted", s);
	tl_assert_contains(err, w1);
	if (w2)
		tl_assert_contains(err, w2);
	api_request_clear(&req);
	assert_null(req.root);
}

/* ---- api_request_parse ------------------------------------------------- */

/* The request has args, and they are {}. */
static void assert_no_args(const struct api_request *req)
{
	assert_non_null(req->args);
	assert_true(json_is_object(req->args));
	assert_int_equal(json_object_size(req->args), 0);
}

static void test_parse_int_id(void **state)
{
	struct api_request req;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("{\"id\":7,\"op\":\"vm.list\",\"args\":{}}", &req, err, sizeof(err)), 0);
	assert_non_null(req.root);
	assert_non_null(req.id);
	assert_true(json_is_integer(req.id));
	assert_int_equal(json_integer_value(req.id), 7);
	assert_string_equal(req.op, "vm.list");
	assert_no_args(&req);
	api_request_clear(&req);
	assert_null(req.root);
	assert_null(req.id);
	assert_null(req.op);
	assert_null(req.args);

	/* large and negative ids are integers too */
	assert_int_equal(parse("{\"op\":\"vm.list\",\"id\":-9007199254740993}", &req, err, sizeof(err)), 0);
	assert_int_equal(json_integer_value(req.id), -9007199254740993LL);
	api_request_clear(&req);
}

static void test_parse_string_id(void **state)
{
	struct api_request req;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("  {\"args\":{\"name\":\"web-01\"},\"op\":\"vm.info\",\"id\":\"req-1\"}\r\n",
			       &req, err, sizeof(err)), 0);
	assert_true(json_is_string(req.id));
	assert_string_equal(json_string_value(req.id), "req-1");
	assert_string_equal(req.op, "vm.info");
	assert_string_equal(json_string_value(json_object_get(req.args, "name")), "web-01");
	/* args is the object inside root, not a copy */
	assert_ptr_equal(req.args, json_object_get(req.root, "args"));
	api_request_clear(&req);

	assert_int_equal(parse("{\"id\":\"\",\"op\":\"vm.list\"}", &req, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(req.id), "");
	api_request_clear(&req);
}

static void test_parse_no_id_no_args(void **state)
{
	struct api_request req;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("{\"op\":\"host.info\"}", &req, err, sizeof(err)), 0);
	assert_null(req.id);
	assert_string_equal(req.op, "host.info");
	assert_no_args(&req);
	assert_ptr_equal(req.args, json_object_get(req.root, "args"));
	api_request_clear(&req);

	/* args: null is the same as absent */
	assert_int_equal(parse("{\"op\":\"vm.list\",\"args\":null,\"id\":3}", &req, err, sizeof(err)), 0);
	assert_no_args(&req);
	assert_int_equal(json_integer_value(req.id), 3);
	api_request_clear(&req);

	/* Only len bytes are parsed. */
	{
		const char *s = "{\"op\":\"vm.list\"}TRAILING";

		assert_int_equal(api_request_parse(s, 16, &req, err, sizeof(err)), 0);
		assert_string_equal(req.op, "vm.list");
		api_request_clear(&req);
	}
}

static void test_parse_not_json(void **state)
{
	(void)state;
	parse_bad("", "not valid JSON", NULL);
	parse_bad("{", "not valid JSON", "column");
	parse_bad("hello", "not valid JSON", NULL);
	parse_bad("{\"op\":\"vm.list\"", "not valid JSON", NULL);
	parse_bad("{\"op\":\"vm.list\"} {}", "not valid JSON", NULL);
	parse_bad("{'op':'vm.list'}", "not valid JSON", NULL);
	parse_bad("\"vm.list\"", "not valid JSON", NULL);
	parse_bad("42", "not valid JSON", NULL);
	/* duplicate keys are refused, not silently resolved */
	parse_bad("{\"op\":\"vm.list\",\"op\":\"vm.delete\"}", "JSON", "duplicate");
	parse_bad("{\"op\":\"vm.info\",\"args\":{\"name\":\"a\",\"name\":\"b\"}}", "JSON", "duplicate");
	{
		struct api_request req;
		char err[256] = "";
		const char nul[] = "{\"op\":\"vm.list\"}\0";

		assert_int_equal(api_request_parse(nul, sizeof(nul) - 1, &req, err, sizeof(err)), -EINVAL);
		tl_assert_contains(err, "JSON");
		api_request_clear(&req);
	}
}

static void test_parse_wrong_shape(void **state)
{
	(void)state;
	parse_bad("[]", "must be a JSON object", NULL);
	parse_bad("[{\"op\":\"vm.list\"}]", "must be a JSON object", NULL);
	parse_bad("{}", "no \"op\" string", NULL);
	parse_bad("{\"id\":1}", "no \"op\" string", NULL);
	parse_bad("{\"op\":5}", "no \"op\" string", NULL);
	parse_bad("{\"op\":null}", "no \"op\" string", NULL);
	parse_bad("{\"op\":[\"vm.list\"]}", "no \"op\" string", NULL);
	parse_bad("{\"op\":\"vm.list\",\"args\":[]}", "\"args\" must be a JSON object", NULL);
	parse_bad("{\"op\":\"vm.list\",\"args\":\"name=x\"}", "\"args\" must be a JSON object", NULL);
	parse_bad("{\"op\":\"vm.list\",\"args\":1}", "\"args\" must be a JSON object", NULL);
	parse_bad("{\"op\":\"vm.list\",\"args\":false}", "\"args\" must be a JSON object", NULL);
	parse_bad("{\"op\":\"vm.list\",\"extra\":1}", "unknown member \"extra\"", "id, op, args");
	parse_bad("{\"op\":\"vm.list\",\"args\":null,\"Op\":1}", "unknown member \"Op\"", NULL);
}

static void test_parse_bad_id(void **state)
{
	struct api_request req;
	char err[256];

	(void)state;
	parse_bad("{\"id\":1.5,\"op\":\"vm.list\"}", "\"id\" must be an integer or a string", NULL);
	parse_bad("{\"id\":1.0,\"op\":\"vm.list\"}", "\"id\" must be an integer or a string", NULL);
	parse_bad("{\"id\":{},\"op\":\"vm.list\"}", "\"id\"", "integer or a string");
	parse_bad("{\"id\":[1],\"op\":\"vm.list\"}", "\"id\"", NULL);
	parse_bad("{\"id\":true,\"op\":\"vm.list\"}", "\"id\"", NULL);
	parse_bad("{\"id\":null,\"op\":\"vm.list\"}", "\"id\"", NULL);

	/* A bad id is never echoed back. */
	assert_int_equal(parse("{\"id\":{\"x\":1},\"op\":\"vm.list\"}", &req, err, sizeof(err)), -EINVAL);
	assert_null(req.id);
	api_request_clear(&req);

	/* A good id survives a later error so the reply can carry it. */
	assert_int_equal(parse("{\"id\":41}", &req, err, sizeof(err)), -EINVAL);
	assert_non_null(req.id);
	assert_int_equal(json_integer_value(req.id), 41);
	api_request_clear(&req);
	assert_int_equal(parse("{\"id\":\"q\",\"op\":\"vm.list\",\"args\":[]}", &req, err, sizeof(err)), -EINVAL);
	assert_non_null(req.id);
	assert_string_equal(json_string_value(req.id), "q");
	api_request_clear(&req);
	assert_int_equal(parse("{\"id\":42,\"op\":\"vm.list\",\"x\":0}", &req, err, sizeof(err)), -EINVAL);
	assert_int_equal(json_integer_value(req.id), 42);
	api_request_clear(&req);

	/* Clearing a request that never parsed is safe. */
	assert_int_equal(parse("nope", &req, err, sizeof(err)), -EINVAL);
	assert_null(req.root);
	assert_null(req.id);
	api_request_clear(&req);
}

/* ---- the op table ------------------------------------------------------ */

static const char *const known_ops[] = {
	"hello", "host.info", "host.set", "events.subscribe", "events.list",
	"vm.list", "vm.info",
	"vm.create", "vm.start", "vm.shutdown", "vm.stop", "vm.pause", "vm.resume",
	"vm.reset", "vm.delete", "vm.edit", "vm.console", "vm.log",
	"vm.nic.add", "vm.nic.remove", "vm.nic.list",
	"net.create", "net.list", "net.info", "net.edit", "net.delete",
	"net.forward.add", "net.forward.list", "net.forward.remove",
	"job.list", "job.info", "job.cancel",
	"host.stats", "metrics.get", "vm.stats", "host.memory", "vm.agent", "vm.display",
	"pool.list", "pool.info", "pool.create", "pool.delete", "pool.set",
	"vol.list", "vol.info", "vol.create", "vol.delete", "vol.resize",
	"vm.disk.attach", "vm.disk.detach", "vm.screen", "vm.sendkey",
	"vol.import", "iso.import", "vol.export",
	"vm.template", "vm.clone",
	"schedule.add", "schedule.set", "schedule.list", "schedule.remove", "schedule.run-now",
	"schedule.simulate",
	"snap.create", "snap.list", "snap.info", "snap.revert", "snap.delete", "snap.estimate",
	"backup.create", "backup.list", "backup.verify", "backup.restore", "backup.delete",
};

static void test_op_find(void **state)
{
	const struct api_op *const *t, *op;
	size_t i, n = 0;

	(void)state;
	for (t = api_op_tables; *t; t++)
		for (op = *t; op->name; op++)
			n++;
	assert_int_equal(n, sizeof(known_ops) / sizeof(known_ops[0]));
	for (i = 0; i < n; i++) {
		op = api_op_find(known_ops[i]);
		if (!op)
			fail_msg("op %s not found", known_ops[i]);
		assert_string_equal(op->name, known_ops[i]);
	}
	for (t = api_op_tables; *t; t++)
		for (op = *t; op->name; op++)
			assert_ptr_equal(api_op_find(op->name), op);

	assert_null(api_op_find("vm.nope"));
	assert_null(api_op_find(""));
	assert_null(api_op_find("VM.LIST"));
	assert_null(api_op_find("vm.list "));
	assert_null(api_op_find("vm"));
	assert_null(api_op_find("vm.listx"));
}

static void test_op_table_sane(void **state)
{
	const struct api_op *const *t, *a;

	(void)state;
	for (t = api_op_tables; *t; t++) {
		for (a = *t; a->name; a++) {
			const struct api_arg *x, *y;

			assert_true(a->name[0] != '\0');
			/* api_op_find returns the first: a second is unreachable */
			if (api_op_find(a->name) != a)
				fail_msg("op %s is in the tables twice", a->name);
			if (!strcmp(a->name, "hello"))
				assert_null(a->handler);
			else if (!a->handler)
				fail_msg("op %s has no handler", a->name);
			if (!a->args)
				fail_msg("op %s has no argument list", a->name);
			assert_int_equal(a->flags & ~(API_OP_READ | API_OP_VM_JOBS), 0);
			/* the one-job-per-VM check needs the VM, and a read changes nothing */
			for (x = a->args; (a->flags & API_OP_VM_JOBS) && x->name &&
			     !(x->flags & ARG_VM); x++)
				;
			if ((a->flags & API_OP_VM_JOBS) && (!x->name || (a->flags & API_OP_READ)))
				fail_msg("op %s is marked API_OP_VM_JOBS without a VM argument, or "
					 "as a read", a->name);
			for (x = a->args; x->name; x++) {
				assert_true(x->type >= ARG_STRING && x->type <= ARG_OBJECT);
				assert_int_equal(x->flags & ~(ARG_REQUIRED | ARG_NULLABLE | ARG_VM | ARG_NET), 0);
				for (y = x + 1; y->name; y++)
					if (!strcmp(x->name, y->name))
						fail_msg("op %s lists argument %s twice", a->name, x->name);
			}
		}
		/* Each table ends with an all-NULL entry. */
		assert_null(a->handler);
		assert_null(a->args);
	}
}

/* What each op names, resolved before its handler runs (api_req.c); the
 * ops not listed name nothing. */
static const struct {
	const char *op, *vm, *net;
} op_names[] = {
	{ "vm.info", "name", NULL },         { "vm.start", "name", NULL },
	{ "vm.shutdown", "name", NULL },     { "vm.stop", "name", NULL },
	{ "vm.pause", "name", NULL },        { "vm.resume", "name", NULL },
	{ "vm.reset", "name", NULL },        { "vm.delete", "name", NULL },
	{ "vm.edit", "name", NULL },         { "vm.console", "name", NULL },
	{ "vm.log", "name", NULL },
	{ "vm.nic.add", "name", "net" },     { "vm.nic.remove", "name", "net" },
	{ "vm.nic.list", "name", NULL },      { "vm.stats", "name", NULL },
	{ "vm.agent", "name", NULL },         { "vm.display", "name", NULL },
	{ "vm.screen", "name", NULL },        { "vm.sendkey", "name", NULL },
	{ "net.info", NULL, "name" },        { "net.delete", NULL, "name" },
	{ "net.edit", NULL, "name" },
	{ "net.forward.add", "vm", "net" },  { "net.forward.list", NULL, "net" },
	{ "net.forward.remove", NULL, "net" },
	{ "vm.disk.attach", "name", NULL },  { "vm.disk.detach", "name", NULL },
	{ "vm.template", "name", NULL },     { "vm.clone", "source", NULL },
	{ "snap.create", "vm", NULL },       { "snap.list", "vm", NULL },
	{ "snap.info", "vm", NULL },         { "snap.revert", "vm", NULL },
	{ "snap.delete", "vm", NULL },       { "snap.estimate", "vm", NULL },
	{ "backup.create", "vm", NULL },
};

static const char *named(const struct api_op *op, int flag)
{
	const struct api_arg *a;
	const char *key = NULL;

	for (a = op->args; a->name; a++) {
		if (!(a->flags & flag))
			continue;
		if (key)
			fail_msg("op %s names two of a kind: %s and %s", op->name, key, a->name);
		if (a->type != ARG_STRING)
			fail_msg("op %s: %s names something but is not a string", op->name, a->name);
		key = a->name;
	}
	return key;
}

static void assert_key(const char *op, const char *what, const char *got, const char *want)
{
	if (!got != !want || (got && strcmp(got, want)))
		fail_msg("op %s names its %s by \"%s\", expected \"%s\"", op, what,
			 got ? got : "(nothing)", want ? want : "(nothing)");
}

static void test_op_names(void **state)
{
	const struct api_op *const *t, *op;
	size_t i;

	(void)state;
	for (t = api_op_tables; *t; t++) {
		for (op = *t; op->name; op++) {
			const char *vm = NULL, *net = NULL;

			for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
				if (!strcmp(op_names[i].op, op->name)) {
					vm = op_names[i].vm;
					net = op_names[i].net;
				}
			}
			assert_key(op->name, "VM", named(op, ARG_VM), vm);
			assert_key(op->name, "network", named(op, ARG_NET), net);
		}
	}
}

/* vm.edit's schema and the settings vm_spec knows are the same list. */
static void test_vm_edit_fields(void **state)
{
	const struct api_op *op = api_op_find("vm.edit");
	const struct vm_spec_field *f;
	const struct api_arg *a;

	(void)state;
	assert_non_null(op);
	for (a = op->args; a->name; a++) {
		if (!strcmp(a->name, "name"))
			continue;
		for (f = vm_spec_edit_fields; f->key && strcmp(f->key, a->name); f++)
			;
		if (!f->key)
			fail_msg("vm.edit takes %s, which vm_spec does not know", a->name);
		assert_int_equal(a->type, f->is_int == 4 ? ARG_ARRAY : f->is_int == 3 ? ARG_OBJECT
				 : f->is_int == 2 ? ARG_BOOL
				 : f->is_int ? ARG_INT : ARG_STRING);
	}
	for (f = vm_spec_edit_fields; f->key; f++) {
		for (a = op->args; a->name && strcmp(a->name, f->key); a++)
			;
		if (!a->name)
			fail_msg("vm_spec knows %s, which vm.edit does not take", f->key);
	}
}

/* ---- api_args_check ---------------------------------------------------- */

static int check(const char *opname, const char *args_json, char *err, size_t errlen)
{
	const struct api_op *op = api_op_find(opname);
	json_error_t jerr;
	json_t *args;
	int r;

	assert_non_null(op);
	args = json_loads(args_json, 0, &jerr);
	if (!args)
		fail_msg("bad test JSON %s: %s", args_json, jerr.text);
	r = api_args_check(op, args, err, errlen);
	json_decref(args);
	return r;
}

static void check_ok(const char *opname, const char *args_json)
{
	char err[256] = "";

	if (check(opname, args_json, err, sizeof(err)) != 0)
		fail_msg("%s %s refused: %s", opname, args_json, err);
}

static void check_bad(const char *opname, const char *args_json, const char *w1, const char *w2)
{
	char err[256] = "";

	if (check(opname, args_json, err, sizeof(err)) != -EINVAL)
		fail_msg("%s %s accepted", opname, args_json);
	tl_assert_contains(err, opname);
	tl_assert_contains(err, w1);
	if (w2)
		tl_assert_contains(err, w2);
}

static void test_args_valid(void **state)
{
	(void)state;
	check_ok("vm.list", "{}");
	check_ok("host.info", "{}");
	check_ok("hello", "{\"version\":1}");
	check_ok("hello", "{\"version\":1,\"client\":\"croft 0.1\"}");
	check_ok("vm.info", "{\"name\":\"web-01\"}");
	check_ok("vm.create", "{\"name\":\"a\",\"vcpus\":2,\"memory_mib\":512}");
	check_ok("vm.create", "{\"name\":\"a\",\"vcpus\":2,\"memory_mib\":512,\"memory_min_mib\":256,"
		 "\"disks\":[{\"size\":\"1G\"}],\"cdrom\":\"/x.iso\",\"boot\":\"cdrom\","
		 "\"firmware\":\"uefi\",\"kernel\":\"/k\",\"initrd\":\"/i\",\"append\":\"console=ttyS0\"}");
	check_ok("vm.shutdown", "{\"name\":\"a\",\"timeout_s\":30,\"force\":true}");
	check_ok("vm.delete", "{\"name\":\"a\",\"keep_disks\":false}");
	check_ok("vm.edit", "{\"name\":\"a\",\"vcpus\":4}");
	check_ok("host.set", "{}");
	check_ok("host.set", "{\"accel\":\"kvm\"}");
}

static void test_args_unknown(void **state)
{
	(void)state;
	check_bad("vm.list", "{\"name\":\"a\"}", "does not take an argument \"name\"", NULL);
	check_bad("vm.info", "{\"name\":\"a\",\"bogus\":1}", "\"bogus\"", "does not take");
	check_bad("vm.create", "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"memory\":64}",
		  "\"memory\"", NULL);
	/* names are case-sensitive */
	check_bad("vm.info", "{\"Name\":\"a\"}", "\"Name\"", NULL);
	check_bad("hello", "{\"version\":1,\"id\":3}", "\"id\"", NULL);
}

static void test_args_wrong_type(void **state)
{
	(void)state;
	check_bad("vm.info", "{\"name\":5}", "argument \"name\" must be a string", NULL);
	check_bad("vm.create", "{\"name\":\"a\",\"vcpus\":\"2\",\"memory_mib\":64}",
		  "argument \"vcpus\" must be an integer", NULL);
	check_bad("vm.create", "{\"name\":\"a\",\"vcpus\":2.0,\"memory_mib\":64}",
		  "\"vcpus\"", "an integer");
	check_bad("vm.create", "{\"name\":\"a\",\"vcpus\":2,\"memory_mib\":64,\"disks\":{}}",
		  "argument \"disks\" must be an array", NULL);
	check_bad("vm.shutdown", "{\"name\":\"a\",\"force\":\"yes\"}",
		  "argument \"force\" must be true or false", NULL);
	check_bad("vm.shutdown", "{\"name\":\"a\",\"force\":1}", "\"force\"", "true or false");
	check_bad("hello", "{\"version\":\"1\"}", "\"version\"", "an integer");
	check_bad("host.set", "{\"accel\":[\"kvm\"]}", "\"accel\"", "a string");
}

static void test_args_missing(void **state)
{
	(void)state;
	check_bad("vm.info", "{}", "needs the argument \"name\"", NULL);
	check_bad("hello", "{}", "needs the argument \"version\"", NULL);
	check_bad("hello", "{\"client\":\"x\"}", "\"version\"", NULL);
	check_bad("vm.create", "{\"name\":\"a\",\"memory_mib\":64}", "needs the argument \"vcpus\"", NULL);
	check_bad("vm.create", "{\"name\":\"a\",\"vcpus\":1}", "needs the argument \"memory_mib\"", NULL);
	check_bad("vm.create", "{\"vcpus\":1,\"memory_mib\":64}", "needs the argument \"name\"", NULL);
	check_bad("vm.delete", "{\"force\":true}", "\"name\"", NULL);
}

static void test_args_nullable(void **state)
{
	(void)state;
	/* ARG_NULLABLE takes null ("clear this") */
	check_ok("vm.create", "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"memory_min_mib\":null,"
		 "\"cdrom\":null,\"boot\":null,\"firmware\":null,\"kernel\":null,\"initrd\":null,"
		 "\"append\":null}");
	check_ok("vm.edit", "{\"name\":\"a\",\"cdrom\":null,\"kernel\":null}");
	/* but still checks the type of a non-null value */
	check_bad("vm.edit", "{\"name\":\"a\",\"cdrom\":7}", "\"cdrom\"", "a string");
	/* the others refuse null */
	check_bad("vm.edit", "{\"name\":\"a\",\"boot\":null}", "argument \"boot\" must be a string", NULL);
	check_bad("vm.edit", "{\"name\":\"a\",\"vcpus\":null}", "\"vcpus\"", "an integer");
	check_bad("vm.info", "{\"name\":null}", "\"name\"", "a string");
	check_bad("vm.create", "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"disks\":null}",
		  "\"disks\"", "an array");
}

/* The schemas of the networking ops (values are the handlers' business). */
static void test_args_net(void **state)
{
	(void)state;
	check_ok("net.create", "{\"name\":\"lan\",\"mode\":\"nat\"}");
	check_ok("net.create", "{\"name\":\"lan\",\"mode\":\"nat\",\"subnet\":\"10.1.0.0/24\","
		 "\"uplink\":\"eth0\",\"dhcp_range\":\"10.1.0.10-10.1.0.20\"}");
	check_ok("net.create", "{\"name\":\"lan\",\"mode\":\"host-only\",\"subnet\":null,"
		 "\"uplink\":null,\"dhcp_range\":null}");
	check_bad("net.create", "{\"name\":\"lan\"}", "needs the argument \"mode\"", NULL);
	check_bad("net.create", "{\"name\":\"lan\",\"mode\":\"nat\",\"gateway\":\"x\"}",
		  "does not take an argument \"gateway\"", NULL);
	check_ok("net.list", "{}");
	check_ok("net.info", "{\"name\":\"lan\"}");
	check_ok("net.delete", "{\"name\":\"lan\",\"force\":true}");
	check_bad("net.delete", "{\"name\":\"lan\",\"force\":\"yes\"}", "\"force\"",
		  "true or false");
	check_ok("net.forward.add", "{\"net\":\"lan\",\"proto\":\"tcp\",\"host_port\":8080,"
		 "\"vm\":\"web\",\"port\":80}");
	check_bad("net.forward.add", "{\"net\":\"lan\",\"proto\":\"tcp\",\"host_port\":\"8080\","
		  "\"vm\":\"web\",\"port\":80}", "\"host_port\"", "an integer");
	check_bad("net.forward.add", "{\"net\":\"lan\",\"proto\":\"tcp\",\"host_port\":8080,"
		  "\"vm\":\"web\"}", "needs the argument \"port\"", NULL);
	check_ok("net.forward.list", "{\"net\":\"lan\"}");
	check_bad("net.forward.list", "{\"name\":\"lan\"}", "\"name\"", NULL);
	check_ok("net.forward.remove", "{\"net\":\"lan\",\"proto\":\"udp\",\"host_port\":53}");
	check_bad("net.forward.remove", "{\"net\":\"lan\",\"proto\":\"udp\"}",
		  "needs the argument \"host_port\"", NULL);
	check_ok("vm.nic.add", "{\"name\":\"web\",\"net\":\"lan\"}");
	check_ok("vm.nic.add", "{\"name\":\"web\",\"net\":\"lan\",\"mac\":\"52:54:00:12:34:56\","
		 "\"vlan\":10,\"rate\":100,\"ip\":\"10.73.0.9\"}");
	check_ok("vm.nic.add", "{\"name\":\"web\",\"net\":\"lan\",\"mac\":null,\"vlan\":null}");
	check_bad("vm.nic.add", "{\"name\":\"web\"}", "needs the argument \"net\"", NULL);
	check_bad("vm.nic.add", "{\"name\":\"web\",\"net\":\"lan\",\"vlan\":\"10\"}",
		  "\"vlan\"", "an integer");
	check_ok("vm.nic.remove", "{\"name\":\"web\",\"mac\":\"52:54:00:12:34:56\"}");
	check_ok("vm.nic.remove", "{\"name\":\"web\",\"net\":\"lan\"}");
	check_bad("vm.nic.remove", "{\"name\":\"web\",\"mac\":null}", "\"mac\"", "a string");
	check_ok("vm.nic.list", "{\"name\":\"web\"}");
}

/* Types no table entry uses yet, through a private op. */
static void test_args_object_type(void **state)
{
	static const struct api_arg args[] = {
		{ "opts", ARG_OBJECT, ARG_REQUIRED | ARG_NULLABLE },
		{ "tags", ARG_ARRAY, ARG_NULLABLE },
		{ NULL, 0, 0 } };
	static const struct api_op op = { "test.op", NULL, args, 0 };
	json_t *a;
	char err[256] = "";

	(void)state;
	a = json_pack("{s:{}}", "opts");
	assert_int_equal(api_args_check(&op, a, err, sizeof(err)), 0);
	json_decref(a);
	a = json_pack("{s:n, s:n}", "opts", "tags");
	assert_int_equal(api_args_check(&op, a, err, sizeof(err)), 0);
	json_decref(a);
	a = json_pack("{s:[]}", "opts");
	assert_int_equal(api_args_check(&op, a, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "test.op: argument \"opts\" must be an object");
	json_decref(a);
	a = json_pack("{s:{}, s:s}", "opts", "tags", "x");
	assert_int_equal(api_args_check(&op, a, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "\"tags\" must be an array");
	json_decref(a);
	a = json_object();
	assert_int_equal(api_args_check(&op, a, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "test.op needs the argument \"opts\"");
	/* a NULL error buffer is fine */
	assert_int_equal(api_args_check(&op, a, NULL, 0), -EINVAL);
	json_decref(a);
}

/* Parse then check, the way the server does it. */
static void test_parse_then_check(void **state)
{
	struct api_request req;
	char err[256] = "";
	const struct api_op *op;

	(void)state;
	assert_int_equal(parse("{\"id\":1,\"op\":\"vm.start\"}", &req, err, sizeof(err)), 0);
	op = api_op_find(req.op);
	assert_non_null(op);
	assert_int_equal(api_args_check(op, req.args, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "vm.start needs the argument \"name\"");
	api_request_clear(&req);

	assert_int_equal(parse("{\"id\":2,\"op\":\"vm.list\",\"args\":null}", &req, err, sizeof(err)), 0);
	op = api_op_find(req.op);
	assert_int_equal(api_args_check(op, req.args, err, sizeof(err)), 0);
	api_request_clear(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_int_id),
		cmocka_unit_test(test_parse_string_id),
		cmocka_unit_test(test_parse_no_id_no_args),
		cmocka_unit_test(test_parse_not_json),
		cmocka_unit_test(test_parse_wrong_shape),
		cmocka_unit_test(test_parse_bad_id),
		cmocka_unit_test(test_op_find),
		cmocka_unit_test(test_op_table_sane),
		cmocka_unit_test(test_op_names),
		cmocka_unit_test(test_vm_edit_fields),
		cmocka_unit_test(test_args_valid),
		cmocka_unit_test(test_args_unknown),
		cmocka_unit_test(test_args_wrong_type),
		cmocka_unit_test(test_args_missing),
		cmocka_unit_test(test_args_nullable),
		cmocka_unit_test(test_args_net),
		cmocka_unit_test(test_args_object_type),
		cmocka_unit_test(test_parse_then_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
