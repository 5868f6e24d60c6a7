/*
 * The rules of vol.import, iso.import and vol.export (core/api_vol_io.c),
 * through api_req_run() on a fake croftd with a job runner whose jobs are
 * never started (the loop does not run): each bad request is answered
 * with its code and message and queues nothing; a good one answers with a
 * queued job whose args name the requesting user; a second import of the
 * same name is refused while the first is queued; a volume a running VM
 * uses is not exported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/pools.h"
#include "core/vm.h"
#include "common/loop.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct peer {
	struct api_peer p;           /* first: the callbacks get its address */
	json_t *replies;
};

static void peer_send(struct api_peer *p, json_t *msg, int fd)
{
	json_array_append_new(((struct peer *)p)->replies, msg);
	if (fd >= 0)
		close(fd);
}

static void peer_nop(struct api_peer *p)
{
	(void)p;
}

struct fx {
	char *dir, *isodir;
	struct croftd *d;
	struct peer peer;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	f->dir = tl_tmpdir("apivolio");
	assert_non_null(f->dir);
	f->d = tl_croftd_new_or_fail(f->dir);
	f->isodir = tl_path(f->dir, "isos");
	assert_int_equal(mkdir(f->isodir, 0700), 0);
	pools_add(f->d->pools, "isos", f->isodir, POOLS_ISO);
	f->d->loop = loop_new();
	f->d->jobs = job_runner_new(f->d, job_kinds, NULL);
	f->peer = (struct peer){ .p = { .user = "tester", .uid = getuid(), .send = peer_send,
					.hold = peer_nop, .release = peer_nop },
				 .replies = json_array() };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	job_runner_free(f->d->jobs);
	f->d->jobs = NULL;
	loop_free(f->d->loop);
	f->d->loop = NULL;
	tl_croftd_free(f->d);
	json_decref(f->peer.replies);
	tl_rmtree(f->dir);
	free(f->isodir);
	free(f->dir);
	free(f);
	return 0;
}

/* The answer to op with args (JSON text): "ok" or "CODE: message". */
static const char *ask(struct fx *f, const char *op_name, const char *args_json)
{
	static char out[1024];
	const struct api_op *op = api_op_find(op_name);
	json_t *args = json_loads(args_json, 0, NULL), *m, *e;
	char err[256];

	assert_non_null(op);
	assert_non_null(args);
	if (api_args_check(op, args, err, sizeof(err)) < 0)
		fail_msg("%s: %s", op_name, err);
	api_req_run(f->d, &f->peer.p, op, NULL, args);
	json_decref(args);
	m = json_array_get(f->peer.replies, json_array_size(f->peer.replies) - 1);
	e = json_object_get(m, "error");
	if (json_is_true(json_object_get(m, "ok")))
		snprintf(out, sizeof(out), "ok");
	else
		snprintf(out, sizeof(out), "%s: %s", json_string_value(json_object_get(e, "code")),
			 json_string_value(json_object_get(e, "message")));
	return out;
}

static json_t *last_result(struct fx *f)
{
	return json_object_get(json_array_get(f->peer.replies,
					      json_array_size(f->peer.replies) - 1), "result");
}

static size_t jobs(struct fx *f)
{
	size_t n = 0;
	struct job *j;

	for (j = job_runner_first(f->d->jobs); j; j = job_next(j))
		n++;
	return n;
}

/* Bad requests: each answered as want says, nothing queued. */
struct rule {
	const char *op, *args, *want;
};

static void refusals(struct fx *f, const struct rule *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ask(f, r[i].op, r[i].args), r[i].want))
			fail_msg("%s %s: %s, want %s", r[i].op, r[i].args, ask(f, r[i].op, r[i].args),
				 r[i].want);
	assert_int_equal(jobs(f), 0);
}

static const struct rule import_rules[] = {
	{ "vol.import", "{\"pool\":\"nope\",\"name\":\"x\",\"from\":\"/a\"}",
	  "not_found: no pool named 'nope'" },
	{ "vol.import", "{\"pool\":\"isos\",\"name\":\"x\",\"from\":\"/a\"}",
	  "invalid_argument: pool 'isos' holds ISOs, not volumes; import an ISO with iso.import" },
	{ "iso.import", "{\"pool\":\"default\",\"name\":\"x\",\"from\":\"/a\"}",
	  "invalid_argument: pool 'default' holds volumes, not ISOs; import an ISO into an iso pool" },
	{ "vol.import", "{\"pool\":\"default\",\"name\":\"taken\",\"from\":\"/a\"}",
	  "already_exists: pool 'default' has a volume named 'taken' already" },
	{ "vol.import", "{\"pool\":\"default\",\"name\":\"x\",\"from\":\"a.img\"}",
	  "invalid_argument: from needs an absolute path, not 'a.img'" },
	{ "vol.import", "{\"pool\":\"default\",\"name\":\"../x\",\"from\":\"/a\"}",
	  "invalid_argument: volume name '../x' must start with a letter or a digit" },
	{ "vol.import", "{\"pool\":\"default\",\"name\":\"x\",\"from\":\"/a\",\"format\":\"vmdk\"}",
	  "invalid_argument: format 'vmdk' is not qcow2 or raw; a volume is one of those (the source's own format is detected)" },
};

static const struct rule export_rules[] = {
	{ "vol.export", "{\"pool\":\"nope\",\"name\":\"data\",\"to\":\"/tmp/x\"}",
	  "not_found: no pool named 'nope'" },
	{ "vol.export", "{\"pool\":\"default\",\"name\":\"none\",\"to\":\"/tmp/x\"}",
	  "not_found: no volume named 'none' in pool 'default'" },
	{ "vol.export", "{\"pool\":\"default\",\"name\":\"data\",\"to\":\"x\"}",
	  "invalid_argument: to needs an absolute path, not 'x'" },
	{ "vol.export", "{\"pool\":\"default\",\"name\":\"data\",\"to\":\"/tmp/x\",\"format\":\"qed\"}",
	  "invalid_argument: format 'qed' is not one croft writes (qcow2, raw, vmdk, vdi, vhd, vhdx)" },
	{ "vol.export", "{\"pool\":\"default\",\"name\":\"data\",\"to\":\"/tmp/x\",\"format\":\"vpc\"}",
	  "invalid_argument: format 'vpc' is not one croft writes (qcow2, raw, vmdk, vdi, vhd, vhdx)" },
};

static void test_import_rules(void **state)
{
	struct fx *f = *state;
	char *taken = tl_path(f->d->pool_dir, "taken");
	json_t *job, *args;

	tl_write_file_or_fail(taken, "x");
	refusals(f, import_rules, sizeof(import_rules) / sizeof(import_rules[0]));
	assert_int_equal(jobs(f), 0);

	assert_string_equal(ask(f, "vol.import", "{\"pool\":\"default\",\"name\":\"x\",\"from\":\"/srv/a.vmdk\"}"), "ok");
	job = json_object_get(last_result(f), "job");
	assert_string_equal(json_string_value(json_object_get(job, "kind")), "vol.import");
	assert_string_equal(json_string_value(json_object_get(job, "target")), "default/x");
	assert_string_equal(json_string_value(json_object_get(job, "state")), "queued");
	args = job_args(job_runner_first(f->d->jobs));
	assert_int_equal(json_integer_value(json_object_get(args, "uid")), getuid());
	assert_string_equal(json_string_value(json_object_get(args, "format")), "qcow2");
	assert_string_equal(json_string_value(json_object_get(args, "dir")), f->d->pool_dir);
	assert_string_equal(ask(f, "vol.import", "{\"pool\":\"default\",\"name\":\"x\",\"from\":\"/srv/b.vmdk\"}"),
			    "already_exists: default/x is being imported already (job 1)");
	assert_string_equal(ask(f, "iso.import", "{\"pool\":\"isos\",\"name\":\"d.iso\",\"from\":\"/srv/d.iso\"}"), "ok");
	assert_int_equal(jobs(f), 2);

	/* a client the user database does not know */
	f->peer.p.uid = 2147480000;
	assert_string_equal(ask(f, "vol.import", "{\"pool\":\"default\",\"name\":\"y\",\"from\":\"/a\"}"),
			    "permission_denied: uid 2147480000 has no entry in the user database; croft reads and writes files only as a known user");
	assert_int_equal(jobs(f), 2);
	free(taken);
}

static void test_export_rules(void **state)
{
	struct fx *f = *state;
	char *vol = tl_path(f->d->pool_dir, "data");
	const char *disks[] = { vol, NULL };
	struct vm *vm;

	tl_write_file_or_fail(vol, "%s", "");
	assert_int_equal(truncate(vol, 1 << 20), 0);
	refusals(f, export_rules, sizeof(export_rules) / sizeof(export_rules[0]));
	vm = tl_croftd_vm_add(f->d, "web", disks);
	vm->pid = 1;                     /* "running" for the rule; never signalled here */
	assert_string_equal(ask(f, "vol.export", "{\"pool\":\"default\",\"name\":\"data\",\"to\":\"/tmp/x\"}"),
			    "invalid_state: volume default/data is in use by running VM web; stop it first");
	vm->pid = 0;
	assert_int_equal(jobs(f), 0);
	assert_string_equal(ask(f, "vol.export", "{\"pool\":\"default\",\"name\":\"data\",\"to\":\"/tmp/x.vhd\",\"format\":\"vhd\"}"), "ok");
	assert_string_equal(json_string_value(json_object_get(job_args(job_runner_first(f->d->jobs)),
							      "vformat")), "raw");
	assert_int_equal(json_integer_value(json_object_get(job_args(job_runner_first(f->d->jobs)),
							    "virtual_bytes")), 1 << 20);
	free(vol);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_rules, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
