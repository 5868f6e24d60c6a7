/*
 * Tests for core/balloon.c on a fake croftd (tl_croftd) with a model
 * filled by hand: a tick moves the balloons the policy decides on
 * (through the seam, in place of QMP), publishes each change with its
 * reason and keeps it as the VM's last decision for host.memory; the
 * policy off moves nothing; the start check refuses a floor that does not
 * fit, with the numbers, unless forced; bad settings are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/balloon.h"
#include "core/daemon.h"
#include "core/model.h"
#include "core/vm.h"
#include "common/proto.h"
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MIB (1024ULL * 1024ULL)

static struct {
	char name[16][32];
	uint64_t mib[16];
	size_t n;
} moved;

static int fake_set(struct vm *vm, uint64_t target_mib,
		    void (*cb)(struct vm *, const char *, const char *, void *), void *data,
		    const char **code, char *err, size_t errlen)
{
	(void)cb;
	(void)data;
	(void)code;
	(void)err;
	(void)errlen;
	if (moved.n < 16) {
		snprintf(moved.name[moved.n], sizeof(moved.name[0]), "%s", vm->spec.name);
		moved.mib[moved.n++] = target_mib;
	}
	return 0;
}

struct fx {
	char *dir;
	struct croftd *d;
	struct vm *vm[3];
};

/* A running VM of 512M (floor 128M) whose guest uses used MiB. */
static struct vm *running(struct croftd *d, const char *name, pid_t pid, uint64_t used)
{
	struct vm *vm = tl_croftd_vm_add(d, name, (const char *const[]){ NULL });
	struct model_guest_mem g;

	vm->spec.id = pid;                /* not in the store: an id of its own */
	vm->spec.memory_mib = 512;
	vm->spec.memory_min_mib = 128;
	vm->pid = pid;
	vm->qmp = (struct qmp *)d;        /* used only through the seam */
	vm_set_state(vm, VM_RUNNING, "user");
	model_balloon_set(d->model, vm->spec.id, pid, 512);
	memset(&g, 0xff, sizeof(g));
	g.known = 1;
	g.stale = 0;
	g.last_update = tl_clock_ms() / 1000;
	g.total = 466 * MIB;
	g.available = (512 - used) * MIB;
	g.swap_in = 0;
	g.major_faults = 0;
	model_guest_mem_set(d->model, vm->spec.id, pid, &g);
	return vm;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct model_host h;
	char err[256];

	f->dir = tl_tmpdir("balloon");
	f->d = tl_croftd_new_or_fail(f->dir);
	f->d->model = model_new(tl_clock_ms);
	memset(&h, 0, sizeof(h));
	h.mem.total_kib = 4096 * 1024;
	h.mem.available_kib = 3000 * 1024;
	model_host_set(f->d->model, &h);
	assert_int_equal(store_setting_set(f->d->store, "memory-budget", "768M"), 0);
	assert_int_equal(balloon_init(f->d, err, sizeof(err)), 0);
	balloon_seam_set(f->d, fake_set);
	f->vm[0] = running(f->d, "web", 4000, 400);
	f->vm[1] = running(f->d, "db", 4001, 40);
	memset(&moved, 0, sizeof(moved));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct croftd *d = f->d;

	balloon_fini(d);
	f->vm[0]->qmp = f->vm[1]->qmp = NULL;
	f->vm[0]->pid = f->vm[1]->pid = 0;
	model_free(d->model);
	d->model = NULL;
	tl_croftd_free(d);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void test_tick_moves_and_explains(void **state)
{
	struct fx *f = *state;
	json_t *mem, *vms;
	size_t i;

	assert_int_equal(balloon_tick(f->d), BALLOON_INTERVAL_DEFAULT_MS);
	/* 1024M of balloons in a 768M budget: db has the most to spare */
	assert_int_equal(moved.n, 1);
	assert_string_equal(moved.name[0], "db");
	assert_int_equal(moved.mib[0], 512 - 256);
	mem = balloon_host_json(f->d);
	assert_int_equal(json_integer_value(json_object_get(mem, "budget_mib")), 768);
	assert_string_equal(json_string_value(json_object_get(mem, "budget_source")), "setting");
	vms = json_object_get(mem, "vms");
	for (i = 0; i < json_array_size(vms); i++) {
		json_t *v = json_array_get(vms, i);

		if (strcmp(json_string_value(json_object_get(v, "name")), "db"))
			continue;
		assert_int_equal(json_integer_value(json_object_get(v, "target_mib")), 256);
		assert_string_equal(json_string_value(json_object_get(v, "last_decision")),
				    "db: balloon 512M -> 256M (host budget 768M exceeded by 256M; db had 472M available inside)");
		assert_int_equal(json_integer_value(json_object_get(v, "guest_used_mib")), 40);
	}
	assert_int_equal(json_integer_value(json_object_get(mem, "guests_target_mib")), 768);
	json_decref(mem);
	/* met: nothing more */
	tl_clock_advance(2000);
	balloon_tick(f->d);
	assert_int_equal(moved.n, 1);
}

static void test_off_moves_nothing(void **state)
{
	struct fx *f = *state;

	assert_int_equal(store_setting_set(f->d->store, "balloon", "off"), 0);
	balloon_reconfigure(f->d);
	balloon_tick(f->d);
	assert_int_equal(moved.n, 0);
}

static void test_start_check(void **state)
{
	struct fx *f = *state;
	struct vm *big = tl_croftd_vm_add(f->d, "big", (const char *const[]){ NULL });
	const char *code = NULL;
	char err[512];

	big->spec.id = 99;
	big->spec.memory_mib = 640;
	big->spec.memory_min_mib = 600;
	assert_int_equal(balloon_start_check(big, &code, err, sizeof(err)), -ENOSPC);
	assert_string_equal(code, PROTO_E_INVALID_STATE);
	assert_string_equal(err, "cannot start VM 'big': its memory-min 600M does not fit the memory "
			    "budget 768M, of which the running guests' minimums take 256M (db 128M + "
			    "web 128M); lower its memory-min, raise memory-budget, or start it with --force");
	balloon_start_force(f->d, big->spec.id);
	assert_int_equal(balloon_start_check(big, &code, err, sizeof(err)), 0);
	/* once only */
	assert_int_equal(balloon_start_check(big, &code, err, sizeof(err)), -ENOSPC);
	big->spec.memory_min_mib = 512;
	assert_int_equal(balloon_start_check(big, &code, err, sizeof(err)), 0);
}

static void test_settings(void **state)
{
	struct fx *f = *state;
	char err[256];

	assert_int_equal(balloon_setting_check(f->d, "metrics-listen", "off", err, sizeof(err)), 0);
	assert_int_equal(balloon_setting_check(f->d, "balloon", "on", err, sizeof(err)), 1);
	assert_int_equal(balloon_setting_check(f->d, "balloon", "yes", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "balloon must be on or off, not 'yes'");
	assert_int_equal(balloon_setting_check(f->d, "memory-budget", "8G", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "memory-budget 8.0G is larger than the host's memory (4.0G)");
	assert_int_equal(balloon_setting_check(f->d, "memory-budget", "200M", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "memory-budget 200M is smaller than the running guests' minimums "
			    "(db 128M + web 128M = 256M)");
	assert_int_equal(balloon_setting_check(f->d, "memory-budget", "2G", err, sizeof(err)), 1);
	assert_int_equal(balloon_setting_check(f->d, "memory-budget", "auto", err, sizeof(err)), 1);
	assert_int_equal(balloon_setting_check(f->d, "memory-reserve", "4G", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "memory-reserve 4.0G leaves nothing of the host's 4.0G for guests");
	assert_int_equal(balloon_setting_check(f->d, "memory-reserve", "lots", err, sizeof(err)), -EINVAL);
	assert_int_equal(balloon_setting_check(f->d, "balloon-interval-ms", "100", err, sizeof(err)), -EINVAL);
	assert_int_equal(balloon_setting_check(f->d, "balloon-interval-ms", "1000", err, sizeof(err)), 1);
	assert_int_equal(balloon_setting_check(f->d, "ksm", "maybe", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "ksm must be auto, on or off, not 'maybe'");
	/* the interval in force after a change */
	assert_int_equal(store_setting_set(f->d->store, "balloon-interval-ms", "1000"), 0);
	balloon_reconfigure(f->d);
	assert_int_equal(balloon_tick(f->d), 1000);
}

/* KSM on: a run that another writer of the host's sysfs turned off is
 * turned on again at the next tick. */
static void test_ksm_on_kept_on(void **state)
{
	struct fx *f = *state;
	char *dir = tl_path(f->dir, "ksm"), *run = tl_path(dir, "run"), *text;
	const char *names[] = { "run", "pages_to_scan", "sleep_millisecs" };
	struct model_host h;
	char err[256];
	size_t i;

	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; i < 3; i++) {
		char *p = tl_path(dir, names[i]);

		tl_write_file_or_fail(p, "0\n");
		free(p);
	}
	balloon_fini(f->d);
	assert_int_equal(store_setting_set(f->d->store, "ksm", "on"), 0);
	assert_int_equal(setenv("CROFT_KSM_DIR", dir, 1), 0);
	assert_int_equal(balloon_init(f->d, err, sizeof(err)), 0);
	unsetenv("CROFT_KSM_DIR");
	balloon_seam_set(f->d, fake_set);
	h = f->d->model->host;
	h.ksm.known = 1;
	h.ksm.run = 0;
	model_host_set(f->d->model, &h);
	balloon_tick(f->d);
	assert_string_equal(text = tl_read_file(run), "1\n");
	free(text);
	/* the sampler reads it on; then someone writes 0 */
	h.ksm.run = 1;
	model_host_set(f->d->model, &h);
	balloon_tick(f->d);
	tl_write_file_or_fail(run, "0\n");
	h.ksm.run = 0;
	model_host_set(f->d->model, &h);
	balloon_tick(f->d);
	assert_string_equal(text = tl_read_file(run), "1\n");
	free(text);
	free(run);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tick_moves_and_explains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_off_moves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ksm_on_kept_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
