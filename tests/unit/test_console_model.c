/*
 * Tests for the console's VM model (tui/console_model.c): reading vm.list
 * into structs (NICs and disks too), CPU % from cpu_time_ms deltas, state
 * events; the VM table as a list panel of those rows (cvm_panel_ops):
 * sorting, filtering, the selection following a VM by name across
 * refreshes (and staying on its row when the VM goes), scrolling; and the
 * /proc parsers croftd added for those figures (core/host.c).
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
#include <stdlib.h>
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

/* The VM table: a model and the VMs screen's panel over its rows. */
struct table {
	struct cvm_model m;
	struct panel p;
};

static void table_init(struct table *t)
{
	cvm_model_init(&t->m);
	panel_init(&t->p, &cvm_panel_ops);
}

static void table_free(struct table *t)
{
	cvm_model_free(&t->m);
	panel_free(&t->p);
}

static void table_sync(struct table *t)
{
	if (t->m.sampled_ms)
		panel_set_rows(&t->p, cvm_model_rows(&t->m), t->m.n);
	else
		panel_clear(&t->p);
}

static void table_update(struct table *t, const json_t *vms, int64_t now)
{
	cvm_model_update(&t->m, vms, now);
	table_sync(t);
}

#define UPDATE(t, now, ...) do { \
		static const char *const specs_[] = { __VA_ARGS__ }; \
		json_t *a_ = vms_of(specs_, sizeof(specs_) / sizeof(specs_[0])); \
		table_update((t), a_, (now)); \
		json_decref(a_); \
	} while (0)

static const char *row_name(const struct table *t, size_t row)
{
	return ((const struct cvm *)panel_row(&t->p, row))->name;
}

static const char *sel_name(const struct table *t)
{
	const struct cvm *vm = panel_selected(&t->p);

	return vm ? vm->name : NULL;
}

static const struct cvm *find(const struct table *t, const char *name)
{
	const struct cvm_info *v = cvm_model_find(&t->m, name);

	return v ? &v->vm : NULL;
}

static void test_update_reads_fields(void **state)
{
	struct table l;
	const struct cvm *vm;

	(void)state;
	table_init(&l);
	UPDATE(&l, 1000, "web:running:500:42:256", "db:stopped:-1:0:512");
	assert_int_equal(l.m.n, 2);
	assert_int_equal(panel_count(&l.p), 2);
	vm = find(&l, "web");
	assert_non_null(vm);
	assert_string_equal(vm->state, "running");
	assert_int_equal(vm->memory_mib, 256);
	assert_int_equal(vm->cpu_time_ms, 500);
	assert_int_equal(vm->pid, 42);
	assert_int_equal(vm->uptime_s, 5);
	assert_true(vm->cpu_pct < 0);              /* one reading: unknown */
	vm = find(&l, "db");
	assert_int_equal(vm->cpu_time_ms, -1);
	assert_int_equal(vm->uptime_s, -1);
	assert_int_equal(vm->pid, 0);
	assert_string_equal(vm->ip, "");              /* no NICs */
	/* sorted by name; the first is selected */
	assert_string_equal(row_name(&l, 0), "db");
	assert_string_equal(sel_name(&l), "db");
	table_free(&l);
}

/* NICs and disks are parsed once; the row's IP is the first NIC's lease. */
static void test_update_reads_nics_and_disks(void **state)
{
	json_t *vms = json_loads(
		"[{\"name\":\"web\",\"state\":\"running\","
		"  \"nics\":[{\"net\":\"wan\",\"mac\":\"52:54:00:00:00:01\",\"ip\":\"10.0.0.2\"},"
		"           {\"net\":\"lab\",\"mac\":\"52:54:00:00:00:02\",\"ip\":null}],"
		"  \"disks\":[{\"path\":\"/p/web-disk0.qcow2\",\"size_bytes\":8589934592,\"owned\":true},"
		"            {\"path\":\"/iso/x.img\",\"owned\":false}]},"
		" {\"name\":\"db\",\"nics\":[{\"net\":\"wan\",\"ip\":null}]},"
		" {\"name\":\"br\",\"nics\":[{\"net\":\"lan\",\"ip\":null}],"
		"  \"guest\":{\"os\":\"Debian 12\",\"hostname\":\"br1\","
		"             \"addresses\":[\"192.168.1.20/24\",\"fd00::20/64\"]}}]", 0, NULL);
	const struct cvm_info *v;
	struct cvm_model m;
	const char **names;

	(void)state;
	assert_non_null(vms);
	cvm_model_init(&m);
	cvm_model_update(&m, vms, 1000);
	v = cvm_model_find(&m, "web");
	assert_non_null(v);
	assert_string_equal(v->vm.ip, "10.0.0.2");
	assert_int_equal(v->nnics, 2);
	assert_string_equal(v->nics[1].net, "lab");
	assert_string_equal(v->nics[1].mac, "52:54:00:00:00:02");
	assert_string_equal(v->nics[1].ip, "");
	assert_int_equal(v->ndisks, 2);
	assert_string_equal(v->disks[0].path, "/p/web-disk0.qcow2");
	assert_true(v->disks[0].owned);
	assert_int_equal(v->disks[0].size_bytes, 8589934592ULL);
	assert_false(v->disks[1].owned);
	/* the first NIC has no lease yet: no IP, even if another has one */
	assert_string_equal(cvm_model_find(&m, "db")->vm.ip, "");
	/* no lease, but the guest agent said: its first address */
	assert_string_equal(cvm_model_find(&m, "br")->vm.ip, "192.168.1.20");
	assert_string_equal(cvm_model_find(&m, "br")->vm.guest_os, "Debian 12");
	assert_string_equal(cvm_model_find(&m, "br")->vm.guest_host, "br1");
	assert_string_equal(cvm_model_find(&m, "db")->vm.guest_os, "");
	assert_true(cvm_is_live(&v->vm));
	assert_false(cvm_is_live(&cvm_model_find(&m, "db")->vm));
	names = cvm_model_names(&m);
	assert_string_equal(names[0], "br");
	assert_string_equal(names[1], "db");
	assert_string_equal(names[2], "web");
	free(names);
	cvm_model_free(&m);
	json_decref(vms);
}

static void test_cpu_pct_from_deltas(void **state)
{
	struct table l;

	(void)state;
	assert_true(cvm_cpu_pct(1000, 0, 1500, 1000) > 49.9);
	assert_true(cvm_cpu_pct(1000, 0, 1500, 1000) < 50.1);
	assert_true(cvm_cpu_pct(0, 0, 2000, 1000) > 199.9);     /* two busy vCPUs */
	assert_true(cvm_cpu_pct(-1, 0, 100, 1000) < 0);
	assert_true(cvm_cpu_pct(100, 1000, 200, 1000) < 0);     /* no time passed */
	assert_true(cvm_cpu_pct(500, 0, 100, 1000) < 0);        /* counter went back */

	table_init(&l);
	UPDATE(&l, 10000, "web:running:1000:42:256");
	UPDATE(&l, 11000, "web:running:1250:42:256");
	assert_true(find(&l, "web")->cpu_pct > 24.9);
	assert_true(find(&l, "web")->cpu_pct < 25.1);
	/* a reading right after (an event-driven refresh) keeps the figure */
	UPDATE(&l, 11050, "web:running:1260:42:256");
	assert_true(find(&l, "web")->cpu_pct > 24.9);
	assert_true(find(&l, "web")->cpu_pct < 25.1);
	/* and the next full interval measures from the kept baseline */
	UPDATE(&l, 12000, "web:running:2250:42:256");
	assert_true(find(&l, "web")->cpu_pct > 99.9);
	assert_true(find(&l, "web")->cpu_pct < 100.1);
	/* croftd's same sample read again: the figure stays, and the next
	 * sample is measured from the one before */
	UPDATE(&l, 13000, "web:running:2250:42:256");
	assert_true(find(&l, "web")->cpu_pct > 99.9);
	UPDATE(&l, 14000, "web:running:3250:42:256");
	assert_true(find(&l, "web")->cpu_pct > 49.9);
	assert_true(find(&l, "web")->cpu_pct < 50.1);
	/* no new sample for long: an idle guest */
	UPDATE(&l, 16000, "web:running:3250:42:256");
	assert_true(find(&l, "web")->cpu_pct > 49.9);
	UPDATE(&l, 19500, "web:running:3250:42:256");
	assert_true(find(&l, "web")->cpu_pct == 0);
	/* a new QEMU (another pid) starts over */
	UPDATE(&l, 20000, "web:running:100:43:256");
	assert_true(find(&l, "web")->cpu_pct < 0);
	/* stopped: unknown */
	UPDATE(&l, 21000, "web:stopped:-1:0:256");
	assert_true(find(&l, "web")->cpu_pct < 0);
	table_free(&l);
}

static void test_selection_follows_name(void **state)
{
	struct table l;

	(void)state;
	table_init(&l);
	UPDATE(&l, 1000, "b:stopped:-1:0:64", "d:stopped:-1:0:64", "f:stopped:-1:0:64");
	assert_int_equal(panel_select(&l.p, "d"), 0);
	assert_int_equal(l.p.sel, 1);
	/* a VM appears before it: the selection moves with d */
	UPDATE(&l, 2000, "a:stopped:-1:0:64", "b:stopped:-1:0:64", "d:stopped:-1:0:64",
	       "f:stopped:-1:0:64");
	assert_string_equal(sel_name(&l), "d");
	assert_int_equal(l.p.sel, 2);
	/* d goes away: the cursor stays on its row (now f) */
	UPDATE(&l, 3000, "a:stopped:-1:0:64", "b:stopped:-1:0:64", "f:stopped:-1:0:64");
	assert_string_equal(sel_name(&l), "f");
	assert_int_equal(l.p.sel, 2);
	/* the last one goes: clamped to the new last row */
	UPDATE(&l, 4000, "a:stopped:-1:0:64", "b:stopped:-1:0:64");
	assert_string_equal(sel_name(&l), "b");
	/* selecting a VM that does not exist yet remembers it */
	assert_int_equal(panel_select(&l.p, "new"), -ENOENT);
	UPDATE(&l, 5000, "a:stopped:-1:0:64", "b:stopped:-1:0:64", "new:stopped:-1:0:64");
	assert_string_equal(sel_name(&l), "new");
	/* the connection goes: nothing is selected, the name is kept */
	cvm_model_clear(&l.m);
	table_sync(&l);
	assert_null(sel_name(&l));
	UPDATE(&l, 6000, "a:stopped:-1:0:64", "new:stopped:-1:0:64");
	assert_string_equal(sel_name(&l), "new");
	table_free(&l);
}

static void test_move_clamps(void **state)
{
	struct table l;

	(void)state;
	table_init(&l);
	panel_move(&l.p, 1);                      /* empty: no crash */
	panel_end(&l.p);
	assert_null(sel_name(&l));
	UPDATE(&l, 1000, "a:stopped:-1:0:64", "b:stopped:-1:0:64", "c:stopped:-1:0:64");
	panel_move(&l.p, -5);
	assert_string_equal(sel_name(&l), "a");
	panel_move(&l.p, 1);
	assert_string_equal(sel_name(&l), "b");
	panel_move(&l.p, 10);
	assert_string_equal(sel_name(&l), "c");
	panel_home(&l.p);
	assert_string_equal(sel_name(&l), "a");
	panel_end(&l.p);
	assert_string_equal(sel_name(&l), "c");
	panel_select_row(&l.p, 99);
	assert_string_equal(sel_name(&l), "c");
	table_free(&l);
}

static void test_filter(void **state)
{
	struct table l;

	(void)state;
	table_init(&l);
	UPDATE(&l, 1000, "web1:running:0:10:64", "web2:stopped:-1:0:64", "db:running:0:11:64",
	       "mail:paused:0:12:64");
	panel_select(&l.p, "mail");
	panel_set_filter(&l.p, "WEB");            /* case-insensitive */
	assert_int_equal(panel_count(&l.p), 2);
	assert_string_equal(row_name(&l, 0), "web1");
	assert_string_equal(row_name(&l, 1), "web2");
	/* mail is hidden: the first match is selected */
	assert_string_equal(sel_name(&l), "web1");
	/* matching by state too */
	panel_set_filter(&l.p, "running");
	assert_int_equal(panel_count(&l.p), 2);
	assert_string_equal(row_name(&l, 0), "db");
	/* a refresh keeps the filter */
	UPDATE(&l, 2000, "web1:stopped:-1:0:64", "web2:running:0:13:64", "db:running:0:11:64",
	       "mail:paused:0:12:64");
	assert_int_equal(panel_count(&l.p), 2);
	assert_string_equal(row_name(&l, 1), "web2");
	panel_set_filter(&l.p, "nothing");
	assert_int_equal(panel_count(&l.p), 0);
	assert_null(sel_name(&l));
	panel_set_filter(&l.p, "");
	assert_int_equal(panel_count(&l.p), 4);
	table_free(&l);
}

static void test_sort(void **state)
{
	struct table l;

	(void)state;
	table_init(&l);
	UPDATE(&l, 1000, "a:stopped:-1:0:64", "b:running:0:10:2048", "c:paused:0:11:512",
	       "d:running:0:12:128");
	UPDATE(&l, 2000, "a:stopped:-1:0:64", "b:running:100:10:2048", "c:paused:0:11:512",
	       "d:running:900:12:128");
	panel_select(&l.p, "c");
	panel_set_sort(&l.p, CVM_SORT_STATE);
	assert_string_equal(row_name(&l, 0), "b");  /* running first, by name */
	assert_string_equal(row_name(&l, 1), "d");
	assert_string_equal(row_name(&l, 2), "c");
	assert_string_equal(row_name(&l, 3), "a");
	assert_string_equal(sel_name(&l), "c");
	panel_set_sort(&l.p, CVM_SORT_CPU);
	assert_string_equal(row_name(&l, 0), "d");  /* 90% */
	assert_string_equal(row_name(&l, 1), "b");  /* 10% */
	panel_set_sort(&l.p, CVM_SORT_MEMORY);
	assert_string_equal(row_name(&l, 0), "b");
	assert_string_equal(row_name(&l, 3), "a");
	assert_string_equal(sel_name(&l), "c");
	panel_set_sort(&l.p, CVM_SORT_NAME);
	assert_string_equal(row_name(&l, 0), "a");
	panel_set_sort(&l.p, CVM_SORT_CPU);
	assert_string_equal(panel_sort_name(&l.p), "CPU %");
	table_free(&l);
}

static void test_set_state_event(void **state)
{
	struct table l;

	(void)state;
	table_init(&l);
	UPDATE(&l, 1000, "web:running:100:10:64");
	assert_int_equal(cvm_model_set_state(&l.m, "web", "stopped"), 1);
	assert_string_equal(find(&l, "web")->state, "stopped");
	assert_int_equal(find(&l, "web")->uptime_s, -1);
	assert_int_equal(cvm_model_set_state(&l.m, "web", "stopped"), 0);
	assert_int_equal(cvm_model_set_state(&l.m, "nope", "running"), 0);
	table_free(&l);
}

static void test_scroll(void **state)
{
	struct table l;
	json_t *arr = json_array();
	int i;

	(void)state;
	table_init(&l);
	for (i = 0; i < 30; i++) {
		char name[16];

		snprintf(name, sizeof(name), "vm%02d", i);
		json_array_append_new(arr, json_pack("{s:s,s:s}", "name", name, "state", "stopped"));
	}
	table_update(&l, arr, 1000);
	json_decref(arr);
	panel_set_height(&l.p, 10);
	assert_int_equal(l.p.top, 0);
	panel_move(&l.p, 15);
	panel_set_height(&l.p, 10);
	assert_int_equal(l.p.top, 6);                /* row 15 is the last shown */
	panel_move(&l.p, -12);
	panel_set_height(&l.p, 10);
	assert_int_equal(l.p.top, 3);
	panel_end(&l.p);
	panel_set_height(&l.p, 10);
	assert_int_equal(l.p.top, 20);
	/* a taller window shows everything from the top */
	panel_set_height(&l.p, 40);
	assert_int_equal(l.p.top, 0);
	table_free(&l);
}

static void test_bad_entries_skipped(void **state)
{
	struct table l;
	json_t *arr = json_pack("[{s:i},{s:s},s]", "name", 3, "name", "ok", "junk");

	(void)state;
	table_init(&l);
	table_update(&l, arr, 1000);
	json_decref(arr);
	assert_int_equal(l.m.n, 1);
	assert_string_equal(sel_name(&l), "ok");
	table_update(&l, NULL, 2000);            /* no array at all */
	assert_int_equal(l.m.n, 0);
	table_free(&l);
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

/* MEM from host.memory: guest-used against the balloon's actual size; a
 * VM host.memory does not size keeps the monitor's figures. */
static void test_mem_column_from_host_memory(void **state)
{
	json_t *mem = json_loads("{\"vms\":[{\"name\":\"web\",\"actual_mib\":96,\"guest_used_mib\":30},"
				 "{\"name\":\"db\",\"actual_mib\":512,\"guest_used_mib\":null},"
				 "{\"name\":\"off\",\"actual_mib\":null,\"guest_used_mib\":null}]}",
				 0, NULL);
	struct cvm rows[4];
	char buf[32];
	size_t mem_col = console_vm_ncols - 1, i;

	(void)state;
	memset(rows, 0, sizeof(rows));
	snprintf(rows[0].name, sizeof(rows[0].name), "web");
	snprintf(rows[1].name, sizeof(rows[1].name), "db");
	snprintf(rows[2].name, sizeof(rows[2].name), "off");
	snprintf(rows[3].name, sizeof(rows[3].name), "other");
	for (i = 0; i < 4; i++) {
		/* the monitor's MemTotal - MemAvailable: 120M of 128M */
		rows[i].guest_used_mib = 120;
		rows[i].balloon_mib = 128;
	}
	assert_string_equal(console_vm_cols[mem_col].title, "MEM");
	cvm_rows_memory(rows, 4, mem);
	assert_string_equal(ctable_cell(&console_vm_cols[mem_col], &rows[0], buf, sizeof(buf)),
			    "30M/96M");
	assert_string_equal(ctable_cell(&console_vm_cols[mem_col], &rows[1], buf, sizeof(buf)),
			    "?/512M");
	assert_string_equal(ctable_cell(&console_vm_cols[mem_col], &rows[2], buf, sizeof(buf)),
			    "120M/128M");
	assert_string_equal(ctable_cell(&console_vm_cols[mem_col], &rows[3], buf, sizeof(buf)),
			    "120M/128M");
	cvm_rows_memory(rows, 4, NULL);
	assert_string_equal(ctable_cell(&console_vm_cols[mem_col], &rows[0], buf, sizeof(buf)),
			    "30M/96M");
	json_decref(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_reads_fields),
		cmocka_unit_test(test_update_reads_nics_and_disks),
		cmocka_unit_test(test_cpu_pct_from_deltas),
		cmocka_unit_test(test_selection_follows_name),
		cmocka_unit_test(test_move_clamps),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_set_state_event),
		cmocka_unit_test(test_scroll),
		cmocka_unit_test(test_bad_entries_skipped),
		cmocka_unit_test(test_stat_cpu_parse),
		cmocka_unit_test(test_proc_stat_ticks),
		cmocka_unit_test(test_mem_column_from_host_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
