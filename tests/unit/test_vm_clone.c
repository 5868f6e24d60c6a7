/*
 * Tests for the rules of templates and clones (core/vm_clone_rules.c):
 * pure functions of a VM's definition and a pool registry (which compares
 * paths as strings), so no file is touched.  A refused request gives its
 * code and exact message and plans nothing; an accepted one is compared
 * volume by volume, and the clone's definition must be the source's in
 * every setting but its name, uuid (left for croftd to make anew), state,
 * template flag and disks (the new volumes, owned).
 *
 * Then croftd's side on a fake croftd (a real store, loop and job runner,
 * a pool in a temporary directory, scripted qemu-img children): making a
 * template takes the write bits of its volume; each linked clone is a
 * vm.clone job that runs `qemu-img create -b` on the template's file by
 * its name and defines a VM with a uuid of its own; a clone whose
 * qemu-img fails leaves neither its volume nor a VM.  (New MACs need
 * croft-netd: tests/integration/test_clone.sh.)
 *
 * One job per VM (core/vm_busy.c): a job holds the template when it
 * targets it, reads it as a clone's source or works on its disk by path;
 * the refusal is "busy" and names the job, its kind and its state; other
 * VMs' and other volumes' jobs hold nothing (queued jobs: the loop is not
 * run, so none starts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/pools.h"
#include "core/vm.h"
#include "core/vm_busy.h"
#include "core/vm_clone.h"
#include "common/loop.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct store_disk tmpl_disks[] = {
	{ .id = 7, .vm_id = 3, .idx = 0, .path = "/var/lib/croft/pools/default/base",
	  .format = "qcow2", .size_bytes = 1ULL << 30, .owned = 0 },
	{ .id = 8, .vm_id = 3, .idx = 1, .path = "/srv/fast/data.raw", .format = "raw",
	  .size_bytes = 1ULL << 20, .owned = 1 },
};

/* A template with every kind of setting, its disks in two pools. */
static struct store_vm tmpl = {
	.id = 3, .name = "tmpl", .uuid = "11111111-2222-4333-8444-555555555555", .vcpus = 2,
	.memory_mib = 512, .memory_min_mib = 256, .memory_shares = 3000, .ksm_off = 1,
	.firmware = "uefi", .boot = "cdrom,disk", .cdrom = "/var/lib/croft/pools/iso/x.iso",
	.kernel = "/boot/k", .initrd = "/boot/i", .append = "console=ttyS0",
	.state = "stopped", .state_reason = "user", .created = 1700000000, .agent = 1,
	.display = "virtio", .is_template = 1, .disks = tmpl_disks, .ndisks = 2,
	.cloud_init = "{\"user\": \"alice\", \"hostname\": \"tmpl\"}", .cloud_init_gen = 4,
};

static struct store_disk loose_disks[] = {
	{ .idx = 0, .path = "/home/u/disk.qcow2", .format = "qcow2", .size_bytes = 1ULL << 30 },
};
static struct store_vm loose = {
	.name = "loose", .vcpus = 1, .memory_mib = 128, .memory_min_mib = 128,
	.firmware = "bios", .boot = "disk", .disks = loose_disks, .ndisks = 1,
};

static struct pools *registry(void)
{
	struct pools *p = pools_new();

	pools_add(p, "default", "/var/lib/croft/pools/default", POOLS_DISK);
	pools_add(p, "iso", "/var/lib/croft/pools/iso", POOLS_ISO);
	pools_add(p, "fast", "/srv/fast", POOLS_DISK);
	return p;
}

struct refusal {
	const struct store_vm *src;
	int live;
	const char *name, *mode, *pool;
	const char *code, *msg;
};

static void test_plan_refused(void **state)
{
	static const struct refusal cases[] = {
		{ &tmpl, 0, "b@d", NULL, NULL, PROTO_E_INVALID_ARGUMENT,
		  "VM name 'b@d' contains '@'; use letters, digits, '-', '_' and '.'" },
		{ &tmpl, 0, "tmpl", NULL, NULL, PROTO_E_ALREADY_EXISTS,
		  "a clone needs a name of its own, not 'tmpl'" },
		{ &tmpl, 0, "c", "thin", NULL, PROTO_E_INVALID_ARGUMENT,
		  "clone mode 'thin' is not linked or full" },
		{ &loose, 0, "c", "linked", NULL, PROTO_E_INVALID_STATE,
		  "linked clone needs a template: loose is not one; use --full or "
		  "`croft vm template loose`" },
		{ &tmpl, 0, "c", "linked", "fast", PROTO_E_INVALID_ARGUMENT,
		  "a linked clone's volumes lie beside the template's; --pool is for --full" },
		{ &loose, 1, "c", NULL, NULL, PROTO_E_INVALID_STATE,
		  "VM 'loose' is running; a full clone copies a stopped VM's disks (shut it down first)" },
		{ &loose, 0, "c", "full", NULL, PROTO_E_INVALID_ARGUMENT,
		  "disk 0 of VM 'loose' (/home/u/disk.qcow2) is not a volume in a pool; say where "
		  "its copy goes with --pool" },
		{ &tmpl, 0, "c", "full", "nope", PROTO_E_NOT_FOUND, "no pool named 'nope'" },
		{ &tmpl, 0, "c", "full", "iso", PROTO_E_INVALID_ARGUMENT,
		  "pool 'iso' holds ISOs, not volumes" },
	};
	struct pools *p = registry();
	struct vm_clone_plan plan;
	const char *code;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct refusal *c = &cases[i];
		struct vm_clone_req req = { c->src, c->live, c->name, c->mode, c->pool };

		memset(&plan, 0x5a, sizeof(plan));
		code = NULL;
		if (vm_clone_plan(p, &req, &plan, &code, err, sizeof(err)) == 0)
			fail_msg("case %zu (%s) was accepted", i, c->msg);
		assert_string_equal(code, c->code);
		assert_string_equal(err, c->msg);
		assert_int_equal(plan.ndisks, 0);
		assert_null(plan.spec.name);
		assert_null(plan.spec.disks);
	}
	pools_free(p);
}

/* The clone's definition is the source's but for what makes it itself. */
static void assert_carried(const struct store_vm *src, const struct store_vm *s, const char *name)
{
	assert_string_equal(s->name, name);
	assert_null(s->uuid);
	assert_null(s->state);
	assert_null(s->state_reason);
	assert_int_equal(s->id, 0);
	assert_int_equal(s->created, 0);
	assert_int_equal(s->is_template, 0);
	assert_int_equal(s->vcpus, src->vcpus);
	assert_int_equal(s->memory_mib, src->memory_mib);
	assert_int_equal(s->memory_min_mib, src->memory_min_mib);
	assert_int_equal(s->memory_shares, src->memory_shares);
	assert_int_equal(s->ksm_off, src->ksm_off);
	assert_int_equal(s->agent, src->agent);
	assert_string_equal(s->firmware, src->firmware);
	assert_string_equal(s->boot, src->boot);
	assert_string_equal(s->display, src->display);
	assert_true(s->cdrom == src->cdrom || !strcmp(s->cdrom, src->cdrom));
	assert_true(s->kernel == src->kernel || !strcmp(s->kernel, src->kernel));
	assert_true(s->append == src->append || !strcmp(s->append, src->append));
	/* cloud-init: the settings, a copy of its own (the instance-id differs
	 * by the clone's uuid) */
	assert_true(s->cloud_init == src->cloud_init || !strcmp(s->cloud_init, src->cloud_init));
	assert_true(!src->cloud_init || s->cloud_init != src->cloud_init);
	assert_int_equal(s->cloud_init_gen, src->cloud_init_gen);
	assert_int_equal(s->ndisks, src->ndisks);
}

static void test_plan_linked(void **state)
{
	struct vm_clone_req req = { &tmpl, 0, "web1", NULL, NULL };
	struct pools *p = registry();
	struct vm_clone_plan plan;
	const char *code;
	char err[512];
	size_t i;

	(void)state;
	if (vm_clone_plan(p, &req, &plan, &code, err, sizeof(err)) < 0)
		fail_msg("refused: %s", err);
	assert_true(plan.linked);                /* the default from a template */
	assert_int_equal(plan.ndisks, 2);
	assert_carried(&tmpl, &plan.spec, "web1");
	/* overlays beside each base, naming it by its file name, format pinned */
	assert_string_equal(plan.disks[0].path, "/var/lib/croft/pools/default/web1-disk0.qcow2");
	assert_string_equal(plan.disks[0].backing, "base");
	assert_string_equal(plan.disks[0].from_format, "qcow2");
	assert_string_equal(plan.disks[1].path, "/srv/fast/web1-disk1.qcow2");
	assert_string_equal(plan.disks[1].backing, "data.raw");
	assert_string_equal(plan.disks[1].from_format, "raw");
	for (i = 0; i < plan.ndisks; i++) {
		assert_string_equal(plan.disks[i].format, "qcow2");
		assert_string_equal(plan.disks[i].from, tmpl_disks[i].path);
		assert_int_equal(plan.disks[i].size_bytes, tmpl_disks[i].size_bytes);
		assert_string_equal(plan.spec.disks[i].path, plan.disks[i].path);
		assert_string_equal(plan.spec.disks[i].format, "qcow2");
		assert_int_equal(plan.spec.disks[i].owned, 1);
		assert_int_equal(plan.spec.disks[i].id, 0);
		assert_int_equal(plan.spec.disks[i].idx, tmpl_disks[i].idx);
	}
	vm_clone_plan_clear(&plan);
	assert_int_equal(plan.ndisks, 0);
	pools_free(p);
}

static void test_plan_full(void **state)
{
	struct vm_clone_req req = { &tmpl, 0, "copy", "full", NULL };
	struct pools *p = registry();
	struct vm_clone_plan plan;
	const char *code;
	char err[512];

	(void)state;
	/* into each disk's own pool; a raw stays raw */
	if (vm_clone_plan(p, &req, &plan, &code, err, sizeof(err)) < 0)
		fail_msg("refused: %s", err);
	assert_false(plan.linked);
	assert_carried(&tmpl, &plan.spec, "copy");
	assert_string_equal(plan.disks[0].path, "/var/lib/croft/pools/default/copy-disk0.qcow2");
	assert_string_equal(plan.disks[1].path, "/srv/fast/copy-disk1.raw");
	assert_string_equal(plan.disks[1].format, "raw");
	assert_null(plan.disks[0].backing);
	assert_null(plan.disks[1].backing);
	vm_clone_plan_clear(&plan);

	/* --pool puts every copy there, also of a disk outside the pools; a
	 * stopped VM that is no template is cloned in full by default */
	req = (struct vm_clone_req){ &loose, 0, "copy2", NULL, "fast" };
	if (vm_clone_plan(p, &req, &plan, &code, err, sizeof(err)) < 0)
		fail_msg("refused: %s", err);
	assert_false(plan.linked);
	assert_string_equal(plan.disks[0].path, "/srv/fast/copy2-disk0.qcow2");
	assert_string_equal(plan.spec.disks[0].path, "/srv/fast/copy2-disk0.qcow2");
	assert_int_equal(plan.spec.is_template, 0);
	vm_clone_plan_clear(&plan);
	pools_free(p);
}

static void test_template_rules(void **state)
{
	struct pools *p = registry();
	struct store_vm vm = tmpl;
	const char *code = NULL;
	char err[512];

	(void)state;
	vm.is_template = 0;
	assert_int_equal(vm_template_check(p, &vm, 0, &code, err, sizeof(err)), 0);
	assert_int_equal(vm_template_check(p, &vm, 1, &code, err, sizeof(err)), -EBUSY);
	assert_string_equal(code, PROTO_E_INVALID_STATE);
	assert_string_equal(err, "VM 'tmpl' is running; shut it down before making it a template");
	assert_int_equal(vm_template_check(p, &tmpl, 0, &code, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "VM 'tmpl' is a template already");
	assert_int_equal(vm_template_check(p, &loose, 0, &code, err, sizeof(err)), -EPERM);
	assert_string_equal(code, PROTO_E_INVALID_ARGUMENT);
	assert_string_equal(err, "disk 0 of VM 'loose' (/home/u/disk.qcow2) is not a volume in a "
			    "pool; a template's disks are the base of linked clones and must be volumes");

	/* what a template refuses, and what any other VM does not */
	code = NULL;
	assert_int_equal(vm_template_refuse(&loose, "started", &code, err, sizeof(err)), 0);
	assert_null(code);
	assert_int_equal(vm_template_refuse(&tmpl, "started", &code, err, sizeof(err)), -EPERM);
	assert_string_equal(code, PROTO_E_INVALID_STATE);
	assert_string_equal(err, "VM 'tmpl' is a template and cannot be started; clone it instead "
			    "(croft vm clone tmpl NEW)");
	pools_free(p);
}

static void test_backing_is(void **state)
{
	static const struct {
		const char *dir, *backing, *path;
		int want;
	} cases[] = {
		{ "/p", "base", "/p/base", 1 },
		{ "/p", "./base", "/p/base", 1 },
		{ "/p", "/p/base", "/p/base", 1 },
		{ "/p", "//p//base", "/p/base", 1 },
		{ "/p", "base2", "/p/base", 0 },
		{ "/p", "sub/base", "/p/base", 0 },
		{ "/q", "base", "/p/base", 0 },
		{ "/p", "../p/base", "/p/base", 0 },    /* ".." is never a pool path */
		{ "/p", "", "/p/base", 0 },
		{ "/p", NULL, "/p/base", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (vm_clone_backing_is(cases[i].dir, cases[i].backing, cases[i].path) != cases[i].want)
			fail_msg("case %zu: %s in %s is%s %s", i, cases[i].backing ? cases[i].backing
				 : "(null)", cases[i].dir, cases[i].want ? " not" : "", cases[i].path);
}

/* --- croftd's side ---------------------------------------------------------------- */

struct dfx {
	char *dir;
	struct croftd *d;
	struct vm *tmpl;
	char base[4096];
};

static int d_setup(void **state)
{
	struct dfx *f = xcalloc(1, sizeof(*f));
	struct store_vm spec = { 0 };
	char err[512];

	f->dir = tl_tmpdir("vmclone");
	if (!f->dir)
		return -1;
	f->d = tl_croftd_new_or_fail(f->dir);
	f->d->loop = loop_new();
	f->d->jobs = job_runner_new(f->d, job_kinds, NULL);
	snprintf(f->base, sizeof(f->base), "%s/base", f->d->pool_dir);
	if (tl_write_file(f->base, "raw base image") < 0 || chmod(f->base, 0600) < 0)
		return -1;
	spec.name = xstrdup("tmpl");
	spec.uuid = xstrdup("11111111-2222-4333-8444-555555555555");
	spec.vcpus = 1;
	spec.memory_mib = spec.memory_min_mib = 64;
	spec.firmware = xstrdup("bios");
	spec.boot = xstrdup("disk");
	spec.display = xstrdup("none");
	spec.agent = 1;
	spec.ndisks = 1;
	spec.disks = xcalloc(1, sizeof(*spec.disks));
	spec.disks[0].path = xstrdup(f->base);
	spec.disks[0].format = xstrdup("raw");
	spec.disks[0].size_bytes = 14;
	if (store_vm_insert(f->d->store, &spec, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	f->tmpl = vm_add(f->d, &spec);
	*state = f;
	return 0;
}

static int d_teardown(void **state)
{
	struct dfx *f = *state;

	tl_exec_fake_remove();
	job_runner_free(f->d->jobs);
	f->d->jobs = NULL;
	loop_free(f->d->loop);
	tl_croftd_free(f->d);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Queue a clone of the template and run its job to the end: its state. */
static enum job_state clone_run(struct dfx *f, const char *name, const char *mode)
{
	struct vm_clone_req req = { &f->tmpl->spec, 0, name, mode, NULL };
	const char *code;
	struct job *j;
	char err[1024];
	int64_t id;

	if (vm_clone(f->d, &req, &j, &code, err, sizeof(err)) < 0)
		fail_msg("vm_clone %s: %s", name, err);
	id = job_id(j);
	TL_PUMP_UNTIL(f->d->loop, !job_find(f->d->jobs, id), 5000);
	{
		struct store_job row;
		enum job_state st;

		assert_int_equal(store_job_get(f->d->store, id, &row), 0);
		st = !strcmp(row.state, "done") ? JOB_DONE : JOB_FAILED;
		store_job_clear(&row);
		return st;
	}
}

static void test_template_and_linked_clones(void **state)
{
	struct dfx *f = *state;
	struct tl_exec_fake fake = { .status = 0 };
	struct vm *c1, *c2;
	char path[4200], err[1024];
	const char *code;
	struct stat st;

	/* a template's volume loses its write bits; it then refuses to start */
	assert_int_equal(vm_template(f->d, f->tmpl, &code, err, sizeof(err)), 0);
	assert_int_equal(stat(f->base, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0400);
	assert_int_equal(f->tmpl->spec.is_template, 1);
	assert_int_equal(vm_template(f->d, f->tmpl, &code, err, sizeof(err)), -EEXIST);
	assert_int_equal(vm_start(f->tmpl, NULL, NULL, &code, err, sizeof(err)), -EPERM);
	assert_string_equal(err, "VM 'tmpl' is a template and cannot be started; clone it "
			    "instead (croft vm clone tmpl NEW)");

	/* two linked clones: qemu-img create -b on the base by its name */
	tl_exec_fake_install(&fake);
	assert_int_equal(clone_run(f, "c1", NULL), JOB_DONE);
	snprintf(path, sizeof(path), "%s/c1-disk0.qcow2", f->d->pool_dir);
	assert_int_equal(fake.argc, 12);
	assert_string_equal(fake.argv[1], "create");
	assert_string_equal(fake.argv[5], "-F");
	assert_string_equal(fake.argv[6], "raw");
	assert_string_equal(fake.argv[7], "-b");
	assert_string_equal(fake.argv[8], "base");
	assert_string_equal(fake.argv[9], "-u");
	assert_string_equal(fake.argv[10], path);
	assert_string_equal(fake.argv[11], "14");        /* the raw base's size */
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(clone_run(f, "c2", "linked"), JOB_DONE);
	c1 = vm_find(f->d, "c1");
	c2 = vm_find(f->d, "c2");
	assert_non_null(c1);
	assert_non_null(c2);
	assert_string_not_equal(c1->spec.uuid, f->tmpl->spec.uuid);
	assert_string_not_equal(c1->spec.uuid, c2->spec.uuid);
	assert_int_equal(c1->spec.is_template, 0);
	assert_string_equal(c1->spec.disks[0].path, path);
	assert_int_equal(c1->spec.disks[0].owned, 1);
	assert_string_equal(c1->spec.display, "none");
	assert_true(c1->uid_slot >= 0 && c2->uid_slot >= 0 && c1->uid_slot != c2->uid_slot);

	/* a name taken, a volume there already: refused, nothing queued */
	{
		struct vm_clone_req req = { &f->tmpl->spec, 0, "c1", NULL, NULL };
		struct job *j = NULL;

		assert_int_equal(vm_clone(f->d, &req, &j, &code, err, sizeof(err)), -EEXIST);
		assert_string_equal(err, "a VM named 'c1' already exists");
		snprintf(path, sizeof(path), "%s/c3-disk0.qcow2", f->d->pool_dir);
		assert_int_equal(tl_write_file(path, "someone's"), 0);
		req.name = "c3";
		assert_int_equal(vm_clone(f->d, &req, &j, &code, err, sizeof(err)), -EEXIST);
		tl_assert_contains(err, "c3-disk0.qcow2 already exists");
		assert_int_equal(unlink(path), 0);
	}

	/* qemu-img fails: no volume, no VM */
	fake.status = 1;
	fake.err = "qemu-img: No space left on device";
	assert_int_equal(clone_run(f, "c4", NULL), JOB_FAILED);
	snprintf(path, sizeof(path), "%s/c4-disk0.qcow2", f->d->pool_dir);
	assert_int_equal(access(path, F_OK), -1);
	assert_null(vm_find(f->d, "c4"));

	/* a full copy cancelled while qemu-img runs: no volume, no VM, and the
	 * template may start being copied again */
	{
		struct vm_clone_req req = { &f->tmpl->spec, 0, "c5", "full", NULL };
		char want[4300];
		struct job *j;
		int64_t id;

		fake.status = 0;
		fake.err = NULL;
		fake.hang = 1;
		assert_int_equal(vm_clone(f->d, &req, &j, &code, err, sizeof(err)), 0);
		id = job_id(j);
		TL_PUMP_UNTIL(f->d->loop, job_state(job_find(f->d->jobs, id)) == JOB_RUNNING &&
			      fake.calls > 0 && !strcmp(fake.argv[1], "convert"), 5000);
		assert_int_equal(vm_clone_busy(f->d, "tmpl"), id);
		assert_int_equal(vm_clone_busy(f->d, "c5"), id);
		snprintf(path, sizeof(path), "%s/c5-disk0.raw", f->d->pool_dir);
		assert_int_equal(access(path, F_OK), 0);
		snprintf(want, sizeof(want), "json:{\"driver\":\"raw\",\"file\":{\"driver\":"
			 "\"file\",\"filename\":\"%s\"}}", f->base);
		assert_string_equal(fake.argv[5], want);
		job_cancel(job_find(f->d->jobs, id), NULL, NULL);
		TL_PUMP_UNTIL(f->d->loop, !job_find(f->d->jobs, id), 10000);
		assert_int_equal(access(path, F_OK), -1);
		assert_null(vm_find(f->d, "c5"));
		assert_int_equal(vm_clone_busy(f->d, "tmpl"), 0);
	}
}

/* --- one job per VM ----------------------------------------------------------------- */

static int64_t queue(struct dfx *f, const char *kind, const char *target, json_t *args)
{
	struct job *j;
	char err[256];

	if (job_submit(f->d->jobs, kind, target, args, NULL, NULL, &j, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return job_id(j);
}

/* tmpl is held by job id: refused with code busy and exactly want; the
 * job cancelled, tmpl is free again. */
static void held(struct dfx *f, int64_t id, const char *want)
{
	const char *code = NULL;
	char err[512] = "";

	assert_ptr_equal(vm_busy_job(f->d, &f->tmpl->spec), job_find(f->d->jobs, id));
	assert_int_equal(vm_busy_check(f->d, &f->tmpl->spec, &code, err, sizeof(err)), -EBUSY);
	assert_string_equal(code, PROTO_E_BUSY);
	assert_string_equal(err, want);
	job_cancel(job_find(f->d->jobs, id), NULL, NULL);
	assert_null(job_find(f->d->jobs, id));
	assert_null(vm_busy_job(f->d, &f->tmpl->spec));
	assert_int_equal(vm_busy_check(f->d, &f->tmpl->spec, &code, err, sizeof(err)), 0);
}

static void test_busy(void **state)
{
	struct dfx *f = *state;
	char want[512], other[4200];
	int64_t id;

	assert_null(vm_busy_job(f->d, &f->tmpl->spec));
	/* other VMs' jobs and other volumes' jobs: not tmpl's */
	queue(f, "snap.create", "db", json_pack("{s:s,s:s}", "vm", "db", "name", "x"));
	queue(f, "vm.clone", "db2", json_pack("{s:s}", "source", "db"));
	snprintf(other, sizeof(other), "%s2", f->base);      /* the path plus a suffix */
	queue(f, "vol.resize", "default/base2", json_pack("{s:s}", "path", other));
	assert_null(vm_busy_job(f->d, &f->tmpl->spec));
	/* its target */
	id = queue(f, "snap.create", "tmpl", json_pack("{s:s,s:s}", "vm", "tmpl", "name", "x"));
	snprintf(want, sizeof(want), "VM 'tmpl' has job %lld (snap.create) queued; wait for it "
		 "or cancel it", (long long)id);
	held(f, id, want);
	/* a clone's source */
	id = queue(f, "vm.clone", "c9", json_pack("{s:s}", "source", "tmpl"));
	snprintf(want, sizeof(want), "VM 'tmpl' is being cloned (job %lld); wait for it or "
		 "cancel it", (long long)id);
	held(f, id, want);
	/* its disk, by path */
	id = queue(f, "vol.resize", "default/base", json_pack("{s:s}", "path", f->base));
	snprintf(want, sizeof(want), "VM 'tmpl' has job %lld (vol.resize) queued; wait for it "
		 "or cancel it", (long long)id);
	held(f, id, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_refused),
		cmocka_unit_test(test_plan_linked),
		cmocka_unit_test(test_plan_full),
		cmocka_unit_test(test_template_rules),
		cmocka_unit_test(test_backing_is),
		cmocka_unit_test_setup_teardown(test_template_and_linked_clones, d_setup, d_teardown),
		cmocka_unit_test_setup_teardown(test_busy, d_setup, d_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
