/*
 * Tests for the console's monitor parts: sparklines (Unicode and ASCII,
 * averaging a long series into the row, a short one at the right end,
 * gaps, scaling), host.stats and vm.stats parsed into the models, the
 * Host screen's monitor lines (no swap, swapping, alerts), the history
 * series, and when a terminal gets Unicode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "tui/console_monmodel.h"
#include "tui/console_screen.h"
#include "tui/sparkline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_sparkline(void **state)
{
	double v[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	double gap[3] = { 7, NAN, 0 };
	double many[100];
	char buf[SPARKLINE_BYTES(10)];
	size_t i;

	(void)state;
	assert_string_equal(sparkline_render(v, 8, 8, 0, 0, buf, sizeof(buf)), "_.-~=+*#");
	assert_string_equal(sparkline_render(v, 8, 8, 0, 1, buf, sizeof(buf)),
			    "\xe2\x96\x81\xe2\x96\x82\xe2\x96\x83\xe2\x96\x84"
			    "\xe2\x96\x85\xe2\x96\x86\xe2\x96\x87\xe2\x96\x88");
	/* a fixed scale: 7 of 70 is low (half a step rounds up) */
	assert_string_equal(sparkline_render(v, 8, 8, 70, 0, buf, sizeof(buf)), "_____...");
	/* short: at the right end; a gap is blank */
	assert_string_equal(sparkline_render(gap, 3, 6, 0, 0, buf, sizeof(buf)), "   # _");
	/* long: each cell the mean of its share (10 values each) */
	for (i = 0; i < 100; i++)
		many[i] = i < 50 ? 0 : 10;
	assert_string_equal(sparkline_render(many, 100, 10, 0, 0, buf, sizeof(buf)), "_____#####");
	/* too small a buffer, or no width: empty */
	assert_string_equal(sparkline_render(v, 8, 8, 0, 1, buf, 10), "");
	assert_string_equal(sparkline_render(v, 8, 0, 0, 0, buf, sizeof(buf)), "");
	/* nothing known at all */
	assert_string_equal(sparkline_render(gap + 1, 1, 2, 0, 0, buf, sizeof(buf)), "  ");
}

static const char host_stats[] =
	"{\"sampled_ms\":1,\"cpus\":2,\"cpu_pct\":42.5,"
	"\"cpu_modes_pct\":{\"user\":30,\"steal\":12.5,\"iowait\":1},"
	"\"load\":[1,2,3],\"memory\":{\"total_mib\":4096,\"available_mib\":1024},"
	"\"swap\":{\"configured\":true,\"total_mib\":2048,\"used_mib\":512,"
	"\"in_pages_per_s\":3,\"out_pages_per_s\":40},"
	"\"pressure\":{\"cpu\":{\"some_avg10\":1.5},\"memory\":{\"some_avg10\":12.0,\"full_avg10\":2},"
	"\"io\":null},"
	"\"alerts\":[{\"alert\":\"swap\",\"level\":\"warning\",\"message\":\"host: host swapping 43.0 pages/s\"},"
	"{\"alert\":\"ready\",\"level\":\"critical\",\"message\":\"web: vcpu 0 CPU ready 30.0%\"}],"
	"\"vms\":[{\"name\":\"web\",\"ready_pct\":20,\"ready_max_pct\":30,\"guest_used_mib\":300,"
	"\"balloon_mib\":1024},{\"name\":\"db\",\"ready_pct\":null,\"ready_max_pct\":null,"
	"\"guest_used_mib\":null,\"balloon_mib\":null}],"
	"\"thresholds\":{\"ready_warn_pct\":7,\"ready_crit_pct\":15},"
	"\"history\":{\"series\":[\"cpu_pct\",\"memory_available_mib\",\"swap_in_pages_per_s\","
	"\"swap_out_pages_per_s\"],\"t_ms\":[1,2],\"avg\":[[10,2048,1,2],[null,1024,null,5]]}}";

static void test_host_model(void **state)
{
	json_t *j = json_loads(host_stats, 0, NULL);
	struct cmon_line lines[CMON_NLINES];
	struct cmon m;
	const struct cmon_vm *v;
	int n;

	(void)state;
	assert_non_null(j);
	cmon_init(&m);
	cmon_update(&m, j);
	cmon_history(&m, json_object_get(j, "history"), 5000);
	assert_true(m.loaded);
	assert_true(m.steal_pct == 12.5);
	assert_true(m.psi_some[2] < 0);                    /* io: no PSI */
	assert_true(m.ready_warn == 7 && m.ready_crit == 15);
	v = cmon_vm_find(&m, "web");
	assert_non_null(v);
	assert_true(v->ready_max_pct == 30 && v->balloon_mib == 1024);
	assert_true(cmon_vm_find(&m, "db")->ready_pct < 0);
	assert_null(cmon_vm_find(&m, "nope"));
	assert_int_equal(m.hist[CMON_H_CPU].n, 2);
	assert_true(isnan(m.hist[CMON_H_CPU].v[1]));
	assert_true(fabs(m.hist[CMON_H_MEM].v[0] - 50.0) < 1e-9);   /* 2048 of 4096 available */
	assert_true(fabs(m.hist[CMON_H_MEM].v[1] - 75.0) < 1e-9);
	assert_true(m.hist[CMON_H_SWAPIO].v[0] == 3 && m.hist[CMON_H_SWAPIO].v[1] == 5);

	n = cmon_host_lines(&m, lines);
	assert_int_equal(n, 7);                            /* 5 + 2 alerts */
	assert_string_equal(lines[0].text, "42.5% busy, steal 12.5%, iowait 1.0%");
	assert_int_equal(lines[0].warn, 1);                /* steal >= 10 % */
	assert_string_equal(lines[1].text, "3.0G of 4.0G used (75%)");
	assert_string_equal(lines[2].text, "512M of 2.0G used, si 3 so 40 pages/s");
	assert_int_equal(lines[2].warn, 1);
	assert_string_equal(lines[3].text, "cpu 1.5% mem 12.0% io -");
	assert_int_equal(lines[3].warn, 1);
	assert_string_equal(lines[4].text, "2 active");
	assert_string_equal(lines[6].text, "critical: web: vcpu 0 CPU ready 30.0%");
	assert_int_equal(lines[6].warn, 2);

	/* no swap, no alerts */
	json_object_set_new(json_object_get(j, "swap"), "configured", json_false());
	json_object_set_new(j, "alerts", json_array());
	cmon_update(&m, j);
	n = cmon_host_lines(&m, lines);
	assert_int_equal(n, 5);
	assert_string_equal(lines[2].text, "no swap");
	assert_string_equal(lines[4].text, "none");
	cmon_free(&m);
	json_decref(j);
}

static void test_detail_model(void **state)
{
	json_t *j = json_loads("{\"name\":\"web\",\"state\":\"running\",\"running\":true,"
			       "\"cpu_pct\":50,\"rss_mib\":300,\"ready_pct\":5,\"ready_max_pct\":9,"
			       "\"vcpus\":[{\"index\":0,\"ready_pct\":1},{\"index\":1,\"ready_pct\":9}],"
			       "\"memory\":{\"max_mib\":1024,\"balloon_mib\":768,\"guest\":{\"stale\":false,"
			       "\"total_mib\":700,\"used_mib\":200,\"available_mib\":500}},"
			       "\"disks\":[{\"device\":\"disk0\",\"write_bytes_per_s\":4000,"
			       "\"write_latency_ms\":2.5,\"read_latency_ms\":null}],"
			       "\"nics\":[{\"interface\":\"croftt3\",\"rx_bytes_per_s\":10,\"rx_drops\":1}],"
			       "\"alerts\":[],\"history\":{\"series\":[\"cpu_pct\",\"disk_read_bytes_per_s\","
			       "\"disk_write_bytes_per_s\"],\"t_ms\":[1],\"avg\":[[5,null,7]]}}", 0, NULL);
	struct cmon_detail *d = calloc(1, sizeof(*d));

	(void)state;
	assert_non_null(j);
	d->day = 1;
	cmon_detail_open(d, "web");
	assert_int_equal(d->day, 1);                       /* the range is kept */
	cmon_detail_update(d, j, 1000);
	assert_true(d->running && d->loaded);
	assert_int_equal(d->nvcpus, 2);
	assert_string_equal(d->vcpus[1].name, "vCPU 1");
	assert_true(d->vcpus[1].a == 9);
	assert_true(d->guest_known && !d->guest_stale && d->guest_used_mib == 200);
	assert_int_equal(d->ndisks, 1);
	assert_true(d->disks[0].b == 4000 && d->disks[0].d == 2.5 && d->disks[0].c < 0);
	assert_true(d->nics[0].a == 10 && d->nics[0].c == 1);
	assert_int_equal(d->hist_ms, 1000);
	assert_true(d->hist[CMON_V_CPU].v[0] == 5);
	assert_true(d->hist[CMON_V_DISK].v[0] == 7);       /* read unknown + write 7 */
	free(d);
	json_decref(j);
}

static void test_term_utf8(void **state)
{
	(void)state;
	assert_true(console_term_utf8("UTF-8", "xterm-256color"));
	assert_true(console_term_utf8("UTF-8", "tmux-256color"));
	assert_false(console_term_utf8("UTF-8", "vt100"));
	assert_false(console_term_utf8("UTF-8", "vt220"));
	assert_false(console_term_utf8("UTF-8", "linux"));
	assert_false(console_term_utf8("ANSI_X3.4-1968", "xterm-256color"));
	assert_false(console_term_utf8("UTF-8", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_host_model),
		cmocka_unit_test(test_detail_model),
		cmocka_unit_test(test_term_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
