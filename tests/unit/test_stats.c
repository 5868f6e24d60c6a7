/*
 * Tests for core/stats.c and the monitor's /proc parsers in core/procfs.c:
 * rates from two counter readings, a counter that restarted or wrapped,
 * CPU ready % from two schedstat readings, latency per operation, CPU %
 * by mode (with steal), stale balloon statistics; schedstat, vmstat,
 * pressure and /proc/net/dev text as Linux 6.1 writes it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/procfs.h"
#include "core/stats.h"

#include <errno.h>
#include <math.h>

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void test_rate(void **state)
{
	(void)state;
	NEAR(stats_rate(1000, 5000, 2000), 2000.0);
	NEAR(stats_rate(7, 7, 2000), 0.0);
	/* restarted (a new QEMU) or a 32-bit counter wrapped: no rate */
	NEAR(stats_rate(4294967000ULL, 200, 2000), -1);
	NEAR(stats_rate(5000, 1000, 2000), -1);
	/* no time passed, or the clock went back */
	NEAR(stats_rate(1, 2, 0), -1);
	NEAR(stats_rate(1, 2, -5), -1);
}

static void test_ready_pct(void **state)
{
	(void)state;
	/* 600 ms of run delay in 2 s: 30 % */
	NEAR(stats_ready_pct(1000000000ULL, 1600000000ULL, 2000), 30.0);
	NEAR(stats_ready_pct(5, 5, 2000), 0.0);
	/* more delay than wall time (readings taken at odd moments): capped */
	NEAR(stats_ready_pct(0, 3000000000ULL, 2000), 100.0);
	/* a new thread with the same id */
	NEAR(stats_ready_pct(3000000000ULL, 10, 2000), -1);
	NEAR(stats_ready_pct(0, 10, 0), -1);
}

static void test_cpu_and_latency(void **state)
{
	(void)state;
	NEAR(stats_cpu_pct(1000, 4000, 2000), 150.0);
	NEAR(stats_cpu_pct(4000, 1000, 2000), -1);
	/* 10 writes taking 50 ms between them: 5 ms each */
	NEAR(stats_latency_ms(100000000ULL, 150000000ULL, 20, 30), 5.0);
	NEAR(stats_latency_ms(100, 100, 20, 20), 0.0);
	NEAR(stats_latency_ms(100, 50, 20, 30), -1);
	NEAR(stats_latency_ms(100, 150, 30, 20), -1);
}

static void test_cpu_modes(void **state)
{
	uint64_t a[PROCFS_CPU_NMODES] = { 100, 0, 50, 800, 10, 0, 0, 40 };
	uint64_t b[PROCFS_CPU_NMODES] = { 150, 0, 70, 900, 10, 0, 0, 60 };
	double pct[PROCFS_CPU_NMODES];

	(void)state;
	stats_cpu_modes_pct(a, b, pct);           /* 190 jiffies passed */
	NEAR(pct[PROCFS_CPU_USER], 50.0 * 100 / 190);
	NEAR(pct[PROCFS_CPU_SYSTEM], 20.0 * 100 / 190);
	NEAR(pct[PROCFS_CPU_IDLE], 100.0 * 100 / 190);
	NEAR(pct[PROCFS_CPU_STEAL], 20.0 * 100 / 190);
	NEAR(pct[PROCFS_CPU_IOWAIT], 0);
	stats_cpu_modes_pct(b, a, pct);           /* went back: a reboot */
	NEAR(pct[PROCFS_CPU_USER], -1);
	NEAR(pct[PROCFS_CPU_IDLE], -1);
}

static void test_guest_stale(void **state)
{
	int64_t now = 1767225600000LL;

	(void)state;
	assert_false(stats_guest_stale(1767225599, now, 2));
	assert_false(stats_guest_stale(1767225600 - 5, now, 2));
	assert_true(stats_guest_stale(1767225600 - 6, now, 2));   /* missed two updates */
	assert_true(stats_guest_stale(0, now, 2));                /* never updated */
	assert_false(stats_guest_stale(1767225600 - 20, now, 10));
	assert_true(stats_guest_stale(1767225600 - 25, now, 10));
}

static void test_parsers(void **state)
{
	uint64_t modes[PROCFS_CPU_NMODES], run, delay, v;
	struct procfs_psi psi;
	struct procfs_netdev nd;

	(void)state;
	assert_int_equal(procfs_cpu_modes_parse("cpu  67843 5 18181 290212 1326 7 243 656 0 0\n"
						"cpu0 1 2 3 4\n", modes), 0);
	assert_int_equal(modes[PROCFS_CPU_USER], 67843);
	assert_int_equal(modes[PROCFS_CPU_NICE], 5);
	assert_int_equal(modes[PROCFS_CPU_IRQ], 7);
	assert_int_equal(modes[PROCFS_CPU_STEAL], 656);
	assert_int_equal(procfs_cpu_modes_parse("cpu  1 2 3 4\n", modes), 0);   /* old kernel */
	assert_int_equal(modes[PROCFS_CPU_STEAL], 0);
	assert_int_equal(procfs_cpu_modes_parse("cpu0 1 2 3 4\n", modes), -EINVAL);
	assert_int_equal(procfs_cpu_modes_parse("cpu  1 2\n", modes), -EINVAL);

	assert_int_equal(procfs_schedstat_parse("2074613442 19338102 1523\n", &run, &delay), 0);
	assert_int_equal(run, 2074613442ULL);
	assert_int_equal(delay, 19338102ULL);
	assert_int_equal(procfs_schedstat_parse("17\n", &run, &delay), -EINVAL);

	assert_int_equal(procfs_keyval_find("pswpin 12\npswpout 345\npswpoutx 9\n", "pswpout", &v), 0);
	assert_int_equal(v, 345);
	assert_int_equal(procfs_keyval_find("pswpin 12\n", "pswp", &v), -ENOENT);

	assert_int_equal(procfs_psi_parse("some avg10=0.96 avg60=1.76 avg300=1.26 total=1443962431\n"
					  "full avg10=12.50 avg60=0.00 avg300=0.00 total=77\n", &psi), 0);
	NEAR(psi.some_avg10, 0.96);
	assert_int_equal(psi.some_total_us, 1443962431ULL);
	assert_true(psi.full_known);
	NEAR(psi.full_avg10, 12.5);
	assert_int_equal(psi.full_total_us, 77);
	assert_int_equal(procfs_psi_parse("some avg10=1.00 avg60=1.00 avg300=1.00 total=5\n", &psi), 0);
	assert_false(psi.full_known);             /* cpu before Linux 5.13 */
	assert_int_equal(procfs_psi_parse("nothing\n", &psi), -EINVAL);

	static const char netdev[] =
		"Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
		"    lo:    6534      58    0    0    0     0          0         0     6534      58    0    0    0     0       0          0\n"
		"croftt12: 1000 10 0 3 0 0 0 0 2000 20 0 4 0 0 0 0\n"
		"croftt1:  5 1 0 0 0 0 0 0 7 2 0 1 0 0 0 0\n";
	assert_int_equal(procfs_netdev_find(netdev, "croftt1", &nd), 0);
	assert_int_equal(nd.rx_bytes, 5);
	assert_int_equal(nd.tx_bytes, 7);
	assert_int_equal(nd.tx_drops, 1);
	assert_int_equal(procfs_netdev_find(netdev, "croftt12", &nd), 0);
	assert_int_equal(nd.rx_bytes, 1000);
	assert_int_equal(nd.rx_packets, 10);
	assert_int_equal(nd.rx_drops, 3);
	assert_int_equal(nd.tx_packets, 20);
	assert_int_equal(procfs_netdev_find(netdev, "croftt2", &nd), -ENOENT);
	assert_int_equal(procfs_netdev_find("x: 1 2\n", "x", &nd), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_ready_pct),
		cmocka_unit_test(test_cpu_and_latency),
		cmocka_unit_test(test_cpu_modes),
		cmocka_unit_test(test_guest_stale),
		cmocka_unit_test(test_parsers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
