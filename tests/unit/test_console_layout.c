/*
 * Tests for the console's pure layout pieces: the VM table's column layout
 * at various widths (tui/console_table.c) and its cells (tui/console_model.c),
 * the table's uptime format, and the header's tab hit-testing
 * (tui/console_header.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/console_screen.h"
#include "tui/console_table.h"

#include <stdio.h>
#include <string.h>

static int total_width(const int *widths, size_t n)
{
	int total = 0, shown = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!widths[i])
			continue;
		total += widths[i];
		shown++;
	}
	return total + (shown > 1 ? (shown - 1) * CTABLE_GAP : 0);
}

static void test_layout_80(void **state)
{
	int w[CTABLE_MAX_COLS];
	size_t i, shown = ctable_layout(console_vm_cols, console_vm_ncols, 80, w);

	(void)state;
	/* the monitor's READY% and MEM, last, need more than 80 */
	assert_int_equal(shown, console_vm_ncols - 2);
	assert_true(total_width(w, console_vm_ncols) <= 80);
	for (i = 0; i < console_vm_ncols - 2; i++) {
		assert_true(w[i] >= console_vm_cols[i].min);
		assert_true(w[i] <= console_vm_cols[i].max);
	}
	/* the name grows first, to 16 with the IP column */
	assert_true(w[0] >= 16);
	assert_string_equal(console_vm_cols[0].title, "NAME");
	assert_string_equal(console_vm_cols[console_vm_ncols - 3].title, "IP");
	assert_int_equal(w[console_vm_ncols - 3], 15);  /* a whole dotted quad */
	assert_string_equal(console_vm_cols[console_vm_ncols - 2].title, "READY%");
	assert_int_equal(w[console_vm_ncols - 2], 0);
	/* at 100 they are there */
	assert_int_equal(ctable_layout(console_vm_cols, console_vm_ncols, 100, w), console_vm_ncols);
}

static void test_layout_wider_grows(void **state)
{
	int w80[CTABLE_MAX_COLS], w200[CTABLE_MAX_COLS];

	(void)state;
	ctable_layout(console_vm_cols, console_vm_ncols, 80, w80);
	ctable_layout(console_vm_cols, console_vm_ncols, 200, w200);
	assert_true(w200[0] > w80[0]);
	assert_int_equal(w200[0], console_vm_cols[0].max);
	assert_true(total_width(w200, console_vm_ncols) <= 200);
}

static void test_layout_narrow_drops_from_the_end(void **state)
{
	int w[CTABLE_MAX_COLS];
	size_t shown;

	(void)state;
	shown = ctable_layout(console_vm_cols, console_vm_ncols, 40, w);
	assert_true(shown < console_vm_ncols);
	assert_true(shown >= 2);
	assert_int_equal(w[console_vm_ncols - 1], 0);   /* IP went first */
	assert_true(w[0] > 0 && w[1] > 0);
	assert_true(total_width(w, console_vm_ncols) <= 40);
	/* narrower than the first column: it is cut */
	shown = ctable_layout(console_vm_cols, console_vm_ncols, 5, w);
	assert_int_equal(shown, 1);
	assert_int_equal(w[0], 5);
	assert_int_equal(w[1], 0);
}

static void test_layout_custom_table(void **state)
{
	static const struct ctable_col cols[] = {
		{ "A", 4, 10, 0, NULL, 0 }, { "B", 4, 4, 1, NULL, 0 }, { "C", 3, 6, 0, NULL, 0 },
	};
	int w[CTABLE_MAX_COLS];

	(void)state;
	assert_int_equal(ctable_layout(cols, 3, 15, w), 3);       /* 4+2+4+2+3 = 15 */
	assert_int_equal(w[0], 4);
	assert_int_equal(ctable_layout(cols, 3, 20, w), 3);       /* A takes the 5 extra */
	assert_int_equal(w[0], 9);
	assert_int_equal(w[2], 3);
	assert_int_equal(ctable_layout(cols, 3, 30, w), 3);       /* A to 10, then C to 6 */
	assert_int_equal(w[0], 10);
	assert_int_equal(w[2], 6);
	assert_int_equal(ctable_layout(cols, 3, 14, w), 2);       /* C dropped */
	assert_int_equal(w[2], 0);
}

static void test_cells(void **state)
{
	struct cvm vm;
	char buf[64];

	(void)state;
	memset(&vm, 0, sizeof(vm));
	snprintf(vm.name, sizeof(vm.name), "web");
	snprintf(vm.state, sizeof(vm.state), "running");
	vm.vcpus = 2;
	vm.memory_mib = 1536;
	vm.cpu_pct = 12.345;
	vm.uptime_s = 3725;
	ctable_cell(&console_vm_cols[3], &vm, buf, sizeof(buf));
	assert_string_equal(buf, "1.5G");
	ctable_cell(&console_vm_cols[4], &vm, buf, sizeof(buf));
	assert_string_equal(buf, "12.3");
	ctable_cell(&console_vm_cols[5], &vm, buf, sizeof(buf));
	assert_string_equal(buf, "1h02m");
	vm.cpu_pct = -1;
	ctable_cell(&console_vm_cols[4], &vm, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	/* the monitor's: unknown, then known */
	vm.ready_pct = vm.guest_used_mib = vm.balloon_mib = -1;
	ctable_cell(&console_vm_cols[console_vm_ncols - 2], &vm, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	ctable_cell(&console_vm_cols[console_vm_ncols - 1], &vm, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	vm.ready_pct = 12.34;
	vm.balloon_mib = 1024;
	ctable_cell(&console_vm_cols[console_vm_ncols - 1], &vm, buf, sizeof(buf));
	assert_string_equal(buf, "?/1G");
	vm.guest_used_mib = 300;
	ctable_cell(&console_vm_cols[console_vm_ncols - 2], &vm, buf, sizeof(buf));
	assert_string_equal(buf, "12.3");
	ctable_cell(&console_vm_cols[console_vm_ncols - 1], &vm, buf, sizeof(buf));
	assert_string_equal(buf, "300M/1G");
}

/* IP: the first NIC's lease; "-" without NICs, before a lease, or when
 * croftd sends no nics at all. */
static void test_ip_cell(void **state)
{
	static const char *const cases[][2] = {
		{ "[{\"name\":\"a\"}]", "-" },
		{ "[{\"name\":\"a\",\"nics\":[]}]", "-" },
		{ "[{\"name\":\"a\",\"nics\":[{\"net\":\"wan\",\"ip\":null}]}]", "-" },
		{ "[{\"name\":\"a\",\"nics\":[{\"net\":\"wan\",\"ip\":\"10.73.0.2\"},"
		  "{\"net\":\"lab\",\"ip\":\"10.73.1.9\"}]}]", "10.73.0.2" },
		{ "[{\"name\":\"a\",\"nics\":[{\"net\":\"wan\",\"ip\":null},"
		  "{\"net\":\"lab\",\"ip\":\"10.73.1.9\"}]}]", "-" },
	};
	const struct ctable_col *ip = &console_vm_cols[console_vm_ncols - 3];
	struct cvm_model m;
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *vms = json_loads(cases[i][0], 0, NULL);

		assert_non_null(vms);
		cvm_model_init(&m);
		cvm_model_update(&m, vms, 1000);
		assert_int_equal(m.n, 1);
		ctable_cell(ip, &m.vms[0].vm, buf, sizeof(buf));
		assert_string_equal(buf, cases[i][1]);
		cvm_model_free(&m);
		json_decref(vms);
	}
}

static void test_uptime(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(ctable_uptime(-1, buf, sizeof(buf)), "-");
	assert_string_equal(ctable_uptime(0, buf, sizeof(buf)), "0s");
	assert_string_equal(ctable_uptime(59, buf, sizeof(buf)), "59s");
	/* minute resolution from then on: an idle console stays quiet */
	assert_string_equal(ctable_uptime(60, buf, sizeof(buf)), "1m");
	assert_string_equal(ctable_uptime(119, buf, sizeof(buf)), "1m");
	assert_string_equal(ctable_uptime(3600, buf, sizeof(buf)), "1h00m");
	assert_string_equal(ctable_uptime(90061, buf, sizeof(buf)), "1d01h");
}

static void test_tabs_hit(void **state)
{
	struct console c;
	int x, seen[CONSOLE_MAX_SCREENS] = { 0 };
	size_t i;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(console_header_tab_at(&c, 0, 80), -1);   /* the title */
	for (x = 0; x < 80; x++) {
		int t = console_header_tab_at(&c, x, 80);

		assert_true(t >= -1 && t < (int)console_nscreens);
		if (t >= 0)
			seen[t]++;
	}
	/* every tab is clickable, "1 VMs" is wider than one cell; at 80
	 * columns they all fit (the last, "5 Jobs", too) */
	for (i = 0; i < console_nscreens; i++)
		assert_true(seen[i] > 3);
	assert_true(console_header_tab_at(&c, 79, 80) == -1 ||
		    console_header_tab_at(&c, 79, 80) == (int)console_nscreens - 1);
	/* a long host name gives way to the tabs */
	snprintf(c.host.hostname, sizeof(c.host.hostname), "%s",
		 "a-very-long-host-name-of-a-homelab-box.example.org");
	memset(seen, 0, sizeof(seen));
	for (x = 0; x < 80; x++) {
		int t = console_header_tab_at(&c, x, 80);

		if (t >= 0)
			seen[t]++;
	}
	for (i = 0; i < console_nscreens; i++)
		assert_int_equal(seen[i], 4 + (int)strlen(console_screens[i]->name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_80),
		cmocka_unit_test(test_layout_wider_grows),
		cmocka_unit_test(test_layout_narrow_drops_from_the_end),
		cmocka_unit_test(test_layout_custom_table),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_ip_cell),
		cmocka_unit_test(test_uptime),
		cmocka_unit_test(test_tabs_hit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
