/*
 * Tests for the console's VM table model (tui/console_model.c): reading
 * vm.list, sorting, filtering, the selection following a VM by name across
 * refreshes (and staying on its row when the VM goes), scrolling, CPU %
 * from cpu_time_ms deltas, host CPU % from jiffies; and the /proc parsers
 * croftd added for those figures (core/host.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/console_model.h"
#include "core/host.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A vm.list "vms" array: "name:state:cpu_ms:pid:memory" items. */
static json_t *vms_of(const char *const *specs, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		char name[64], state[24];
		long long cpu, pid, mem;

		assert_int_equal(sscanf(specs[i], "%63[^:]:%23[^:]:%lld:%lld:%lld", name, state, &cpu,
					&pid, &mem), 5);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:i,s:I,s:o,s:o,s:o,s:o,s:o}",
			"name", name, "state", state, "vcpus", 1, "memory_mib", (json_int_t)mem,
			"cpu_time_ms", cpu >= 0 ? json_integer(cpu) : json_null(),
			"pid", pid ? json_integer(pid) : json_null(),
			"uptime_s", pid ? json_integer(5) : json_null(),
			"memory_actual_mib", pid ? json_integer(mem) : json_null(),
			"disks", json_array()));
	}
	return arr;
}

#define UPDATE(l, now, ...) do { \
		static const char *const specs_[] = { __VA_ARGS__ }; \
		json_t *a_ = vms_of(specs_, sizeof(specs_) / sizeof(specs_[0])); \
		cvm_list_update((l), a_, (now)); \
		json_decref(a_); \
	} while (0)

static const char *row_name(const struct cvm_list *l, size_t row)
{
	return l->vms[l->view[row]].name;
}

static void test_update_reads_fields(void **state)
{
	struct cvm_list l;
	const struct cvm *vm;

	(void)state;
	cvm_list_init(&l);
	UPDATE(&l, 1000, "web:running:500:42:256", "db:stopped:-1:0:512");
	assert_int_equal(l.n, 2);
	assert_int_equal(l.nview, 2);
	vm = cvm_list_find(&l, "web");
	assert_non_null(vm);
	assert_string_equal(vm->state, "running");
	assert_int_equal(vm->memory_mib, 256);
	assert_int_equal(vm->cpu_time_ms, 500);
	assert_int_equal(vm->pid, 42);
	assert_int_equal(vm->uptime_s, 5);
	assert_true(vm->cpu_pct < 0);              /* one reading: unknown */
	vm = cvm_list_find(&l, "db");
	assert_int_equal(vm->cpu_time_ms, -1);
	assert_int_equal(vm->uptime_s, -1);
	assert_int_equal(vm->pid, 0);
	assert_non_null(vm->json);
	/* sorted by name; the first is selected */
	assert_string_equal(row_name(&l, 0), "db");
	assert_string_equal(cvm_list_selected(&l)->name, "db");
	cvm_list_free(&l);
}

static void test_cpu_pct_from_deltas(void **state)
{
	struct cvm_list l;

	(void)state;
	assert_true(cvm_cpu_pct(1000, 0, 1500, 1000) > 49.9);
	assert_true(cvm_cpu_pct(1000, 0, 1500, 1000) < 50.1);
	assert_true(cvm_cpu_pct(0, 0, 2000, 1000) > 199.9);     /* two busy vCPUs */
	assert_true(cvm_cpu_pct(-1, 0, 100, 1000) < 0);
	assert_true(cvm_cpu_pct(100, 1000, 200, 1000) < 0);     /* no time passed */
	assert_true(cvm_cpu_pct(500, 0, 100, 1000) < 0);        /* counter went back */

	cvm_list_init(&l);
	UPDATE(&l, 10000, "web:running:1000:42:256");
	UPDATE(&l, 11000, "web:running:1250:42:256");
	assert_true(cvm_list_find(&l, "web")->cpu_pct > 24.9);
	assert_true(cvm_list_find(&l, "web")->cpu_pct < 25.1);
	/* a reading right after (an event-driven refresh) keeps the figure */
	UPDATE(&l, 11050, "web:running:1260:42:256");
	assert_true(cvm_list_find(&l, "web")->cpu_pct > 24.9);
	assert_true(cvm_list_find(&l, "web")->cpu_pct < 25.1);
	/* and the next full interval measures from the kept baseline */
	UPDATE(&l, 12000, "web:running:2250:42:256");
	assert_true(cvm_list_find(&l, "web")->cpu_pct > 99.9);
	assert_true(cvm_list_find(&l, "web")->cpu_pct < 100.1);
	/* a new QEMU (another pid) starts over */
	UPDATE(&l, 13000, "web:running:100:43:256");
	assert_true(cvm_list_find(&l, "web")->cpu_pct < 0);
	/* stopped: unknown */
	UPDATE(&l, 14000, "web:stopped:-1:0:256");
	assert_true(cvm_list_find(&l, "web")->cpu_pct < 0);
	cvm_list_free(&l);
}

static void test_host_cpu_pct(void **state)
{
	(void)state;
	assert_true(cvm_host_cpu_pct(100, 1000, 150, 1200) > 24.9);
	assert_true(cvm_host_cpu_pct(100, 1000, 150, 1200) < 25.1);
	assert_true(cvm_host_cpu_pct(0, 0, 150, 1200) < 0);     /* no first reading */
	assert_true(cvm_host_cpu_pct(100, 1000, 150, 1000) < 0);
}

static void test_selection_follows_name(void **state)
{
	struct cvm_list l;

	(void)state;
	cvm_list_init(&l);
	UPDATE(&l, 1000, "b:stopped:-1:0:64", "d:stopped:-1:0:64", "f:stopped:-1:0:64");
	assert_int_equal(cvm_list_select(&l, "d"), 0);
	assert_int_equal(l.sel, 1);
	/* a VM appears before it: the selection moves with d */
	UPDATE(&l, 2000, "a:stopped:-1:0:64", "b:stopped:-1:0:64", "d:stopped:-1:0:64",
	       "f:stopped:-1:0:64");
	assert_string_equal(cvm_list_selected(&l)->name, "d");
	assert_int_equal(l.sel, 2);
	/* d goes away: the cursor stays on its row (now f) */
	UPDATE(&l, 3000, "a:stopped:-1:0:64", "b:stopped:-1:0:64", "f:stopped:-1:0:64");
	assert_string_equal(cvm_list_selected(&l)->name, "f");
	assert_int_equal(l.sel, 2);
	/* the last one goes: clamped to the new last row */
	UPDATE(&l, 4000, "a:stopped:-1:0:64", "b:stopped:-1:0:64");
	assert_string_equal(cvm_list_selected(&l)->name, "b");
	/* selecting a VM that does not exist yet remembers it */
	assert_int_equal(cvm_list_select(&l, "new"), -ENOENT);
	UPDATE(&l, 5000, "a:stopped:-1:0:64", "b:stopped:-1:0:64", "new:stopped:-1:0:64");
	assert_string_equal(cvm_list_selected(&l)->name, "new");
	/* the connection goes: nothing is selected, the name is kept */
	cvm_list_clear(&l);
	assert_null(cvm_list_selected(&l));
	UPDATE(&l, 6000, "a:stopped:-1:0:64", "new:stopped:-1:0:64");
	assert_string_equal(cvm_list_selected(&l)->name, "new");
	cvm_list_free(&l);
}

static void test_move_clamps(void **state)
{
	struct cvm_list l;

	(void)state;
	cvm_list_init(&l);
	cvm_list_move(&l, 1);                      /* empty: no crash */
	cvm_list_end(&l);
	assert_null(cvm_list_selected(&l));
	UPDATE(&l, 1000, "a:stopped:-1:0:64", "b:stopped:-1:0:64", "c:stopped:-1:0:64");
	cvm_list_move(&l, -5);
	assert_string_equal(cvm_list_selected(&l)->name, "a");
	cvm_list_move(&l, 1);
	assert_string_equal(cvm_list_selected(&l)->name, "b");
	cvm_list_move(&l, 10);
	assert_string_equal(cvm_list_selected(&l)->name, "c");
	cvm_list_home(&l);
	assert_string_equal(cvm_list_selected(&l)->name, "a");
	cvm_list_end(&l);
	assert_string_equal(cvm_list_selected(&l)->name, "c");
	cvm_list_select_row(&l, 99);
	assert_string_equal(cvm_list_selected(&l)->name, "c");
	cvm_list_free(&l);
}

static void test_filter(void **state)
{
	struct cvm_list l;

	(void)state;
	cvm_list_init(&l);
	UPDATE(&l, 1000, "web1:running:0:10:64", "web2:stopped:-1:0:64", "db:running:0:11:64",
	       "mail:paused:0:12:64");
	cvm_list_select(&l, "mail");
	cvm_list_set_filter(&l, "WEB");            /* case-insensitive */
	assert_int_equal(l.nview, 2);
	assert_string_equal(row_name(&l, 0), "web1");
	assert_string_equal(row_name(&l, 1), "web2");
	/* mail is hidden: the first match is selected */
	assert_string_equal(cvm_list_selected(&l)->name, "web1");
	/* matching by state too */
	cvm_list_set_filter(&l, "running");
	assert_int_equal(l.nview, 2);
	assert_string_equal(row_name(&l, 0), "db");
	/* a refresh keeps the filter */
	UPDATE(&l, 2000, "web1:stopped:-1:0:64", "web2:running:0:13:64", "db:running:0:11:64",
	       "mail:paused:0:12:64");
	assert_int_equal(l.nview, 2);
	assert_string_equal(row_name(&l, 1), "web2");
	cvm_list_set_filter(&l, "nothing");
	assert_int_equal(l.nview, 0);
	assert_null(cvm_list_selected(&l));
	cvm_list_set_filter(&l, "");
	assert_int_equal(l.nview, 4);
	cvm_list_free(&l);
}

static void test_sort(void **state)
{
	struct cvm_list l;

	(void)state;
	cvm_list_init(&l);
	UPDATE(&l, 1000, "a:stopped:-1:0:64", "b:running:0:10:2048", "c:paused:0:11:512",
	       "d:running:0:12:128");
	UPDATE(&l, 2000, "a:stopped:-1:0:64", "b:running:100:10:2048", "c:paused:0:11:512",
	       "d:running:900:12:128");
	cvm_list_select(&l, "c");
	cvm_list_set_sort(&l, CVM_SORT_STATE);
	assert_string_equal(row_name(&l, 0), "b");  /* running first, by name */
	assert_string_equal(row_name(&l, 1), "d");
	assert_string_equal(row_name(&l, 2), "c");
	assert_string_equal(row_name(&l, 3), "a");
	assert_string_equal(cvm_list_selected(&l)->name, "c");
	cvm_list_set_sort(&l, CVM_SORT_CPU);
	assert_string_equal(row_name(&l, 0), "d");  /* 90% */
	assert_string_equal(row_name(&l, 1), "b");  /* 10% */
	cvm_list_set_sort(&l, CVM_SORT_MEMORY);
	assert_string_equal(row_name(&l, 0), "b");
	assert_string_equal(row_name(&l, 3), "a");
	assert_string_equal(cvm_list_selected(&l)->name, "c");
	cvm_list_set_sort(&l, CVM_SORT_NAME);
	assert_string_equal(row_name(&l, 0), "a");
	assert_string_equal(cvm_sort_name(CVM_SORT_CPU), "CPU %");
	cvm_list_free(&l);
}

static void test_set_state_event(void **state)
{
	struct cvm_list l;

	(void)state;
	cvm_list_init(&l);
	UPDATE(&l, 1000, "web:running:100:10:64");
	assert_int_equal(cvm_list_set_state(&l, "web", "stopped"), 1);
	assert_string_equal(cvm_list_find(&l, "web")->state, "stopped");
	assert_int_equal(cvm_list_find(&l, "web")->uptime_s, -1);
	assert_int_equal(cvm_list_set_state(&l, "web", "stopped"), 0);
	assert_int_equal(cvm_list_set_state(&l, "nope", "running"), 0);
	cvm_list_free(&l);
}

static void test_scroll(void **state)
{
	struct cvm_list l;
	json_t *arr = json_array();
	int i;

	(void)state;
	cvm_list_init(&l);
	for (i = 0; i < 30; i++) {
		char name[16];

		snprintf(name, sizeof(name), "vm%02d", i);
		json_array_append_new(arr, json_pack("{s:s,s:s}", "name", name, "state", "stopped"));
	}
	cvm_list_update(&l, arr, 1000);
	json_decref(arr);
	cvm_list_scroll(&l, 10);
	assert_int_equal(l.top, 0);
	cvm_list_move(&l, 15);
	cvm_list_scroll(&l, 10);
	assert_int_equal(l.top, 6);                /* row 15 is the last shown */
	cvm_list_move(&l, -12);
	cvm_list_scroll(&l, 10);
	assert_int_equal(l.top, 3);
	cvm_list_end(&l);
	cvm_list_scroll(&l, 10);
	assert_int_equal(l.top, 20);
	/* a taller window shows everything from the top */
	cvm_list_scroll(&l, 40);
	assert_int_equal(l.top, 0);
	cvm_list_free(&l);
}

static void test_bad_entries_skipped(void **state)
{
	struct cvm_list l;
	json_t *arr = json_pack("[{s:i},{s:s},s]", "name", 3, "name", "ok", "junk");

	(void)state;
	cvm_list_init(&l);
	cvm_list_update(&l, arr, 1000);
	json_decref(arr);
	assert_int_equal(l.n, 1);
	assert_string_equal(cvm_list_selected(&l)->name, "ok");
	cvm_list_update(&l, NULL, 2000);            /* no array at all */
	assert_int_equal(l.n, 0);
	cvm_list_free(&l);
}

/* --- core/host.c: the figures behind CPU % ---------------------------- */

static void test_stat_cpu_parse(void **state)
{
	uint64_t busy = 0, total = 0;

	(void)state;
	assert_int_equal(host_stat_cpu_parse(
		"cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\n", &busy, &total), 0);
	assert_int_equal(total, 100 + 5 + 50 + 1000 + 20 + 3 + 2 + 1);
	assert_int_equal(busy, total - 1000 - 20);
	assert_int_equal(host_stat_cpu_parse("intr 1 2 3\n", &busy, &total), -EINVAL);
	assert_int_equal(host_stat_cpu_parse("cpu  x\n", &busy, &total), -EINVAL);
	assert_int_equal(host_cpu_jiffies(&busy, &total), 0);
	assert_true(total > 0 && busy <= total);
}

static void test_proc_stat_ticks(void **state)
{
	uint64_t ticks = 0, ms = 0;

	(void)state;
	/* a comm with spaces and parentheses */
	assert_int_equal(host_proc_stat_ticks_parse(
		"4242 (qemu (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 5 0 1 2 3",
		&ticks), 0);
	assert_int_equal(ticks, 325);
	assert_int_equal(host_proc_stat_ticks_parse("4242 (short) S 1 2", &ticks), -EINVAL);
	assert_int_equal(host_proc_stat_ticks_parse("garbage", &ticks), -EINVAL);
	assert_int_equal(host_proc_cpu_ms((int)getpid(), &ms), 0);
	assert_int_equal(host_proc_cpu_ms(-1, &ms) < 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_reads_fields),
		cmocka_unit_test(test_cpu_pct_from_deltas),
		cmocka_unit_test(test_host_cpu_pct),
		cmocka_unit_test(test_selection_follows_name),
		cmocka_unit_test(test_move_clamps),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_set_state_event),
		cmocka_unit_test(test_scroll),
		cmocka_unit_test(test_bad_entries_skipped),
		cmocka_unit_test(test_stat_cpu_parse),
		cmocka_unit_test(test_proc_stat_ticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
