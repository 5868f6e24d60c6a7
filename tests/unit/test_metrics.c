/*
 * Tests for the monitor's outputs: the Prometheus exposition of a model
 * built by hand against a golden file (tests/golden/metrics.prom; run with
 * CROFT_UPDATE_GOLDEN=1 to rewrite it), label escaping, figures left out
 * when unknown; the monitor's settings checks; a monitor round raising a
 * CPU ready alert from the model and clearing it; the stats JSON; and
 * /metrics served over HTTP by libmicrohttpd on the loop (a request sent
 * and answered while the test pumps the loop, a wrong path, "off").
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/alerts.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/metrics.h"
#include "core/metrics_http.h"
#include "core/model.h"
#include "core/monitor.h"
#include "core/pool_watch.h"
#include "core/pools.h"
#include "core/vm.h"
#include "common/loop.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define GOLDEN CROFT_SRCDIR "/tests/golden/metrics.prom"

struct fx {
	char *dir;
	struct croftd *d;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	tl_clock_set(TL_CLOCK_START_MS);
	f->dir = tl_tmpdir("metrics");
	f->d = tl_croftd_new_or_fail(f->dir);
	f->d->model = model_new(tl_clock_ms);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct vm *vm;

	monitor_fini(f->d);
	for (vm = f->d->vms; vm; vm = vm->next)
		vm->pid = 0;
	model_free(f->d->model);
	f->d->model = NULL;
	if (f->d->loop) {
		loop_free(f->d->loop);
		f->d->loop = NULL;
	}
	tl_croftd_free(f->d);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct vm *vm_with_id(struct fx *f, const char *name, int64_t id, pid_t pid)
{
	struct vm *vm = tl_croftd_vm_add(f->d, name, NULL);

	vm->spec.id = id;
	vm->pid = pid;
	vm->state = pid ? VM_RUNNING : VM_STOPPED;
	return vm;
}

/* A host and two VMs, one running with every figure, one stopped. */
static void fill_model(struct fx *f)
{
	struct model *m = f->d->model;
	struct model_host h = { 0 };
	struct model_proc p = { .pid = 4242, .start_ticks = 77, .cpu_ms = 12340,
				.rss_bytes = 300 << 20, .cpu_pct = 12.5 };
	struct model_vcpu v[2] = { { 0, 4250, 5000000000ULL, 1500000000ULL, 30 },
				   { 1, 4251, 4000000000ULL, 250000000ULL, 1 } };
	struct model_guest_mem g = { .known = 1, .last_update = 1767225600,
				     .total = 1000 << 20, .free = 500 << 20, .available = 700 << 20,
				     .disk_caches = 100 << 20, .swap_in = 0, .swap_out = 4096,
				     .major_faults = 3, .minor_faults = UINT64_MAX };
	struct model_blk b = { .name = "disk0", .rd_bytes = 1048576, .wr_bytes = 2097152,
			       .rd_ops = 10, .wr_ops = 20, .rd_time_ns = 5000000,
			       .wr_time_ns = 1500000000 };
	struct model_netstat n = { .nic_id = 3, .ifname = "croftt3", .rx_bytes = 1000,
				   .rx_packets = 10, .rx_drops = 1, .tx_bytes = 2000,
				   .tx_packets = 20 };
	uint64_t modes[PROCFS_CPU_NMODES] = { 1000, 10, 500, 8000, 20, 0, 5, 40 };

	vm_with_id(f, "web", 1, 4242);
	vm_with_id(f, "a\"b", 2, 0);                 /* not a valid name; escaped anyway */
	h.cpus = 2;
	memcpy(h.cpu_modes, modes, sizeof(modes));
	h.mem.total_kib = 4 << 20;
	h.mem.available_kib = 1 << 20;
	h.load[0] = 0.5;
	h.load[1] = 0.25;
	h.load[2] = 0.125;
	h.vmstat_known = 1;
	h.pswpin = 12;
	h.pswpout = 34;
	h.psi[MODEL_PSI_CPU] = (struct model_psi){ 1, 0, 1.5, 0, 2500000, 0 };
	h.psi[MODEL_PSI_MEMORY] = (struct model_psi){ 1, 1, 0.5, 0.25, 1000000, 500000 };
	h.ksm.known = 1;
	h.ksm.run = 1;
	h.ksm.pages_sharing = 4096;
	h.pool.known = 1;
	h.pool.size_bytes = 100ULL << 30;
	h.pool.avail_bytes = 40ULL << 30;
	h.pool.allocated_bytes = 5ULL << 30;
	model_host_set(m, &h);
	model_proc_set(m, 1, &p);
	model_vcpus_set(m, 1, 4242, v, 2);
	model_balloon_set(m, 1, 4242, 768);
	model_guest_mem_set(m, 1, 4242, &g);
	model_blks_set(m, 1, 4242, &b, 1);
	model_netstats_set(m, 1, &n, 1);
}

static void test_golden(void **state)
{
	struct fx *f = *state;
	const char *update = getenv("CROFT_UPDATE_GOLDEN");
	struct alerts *a = alerts_new(NULL);
	struct alert_rule r = { "ready", "CPU ready", "%", 5, 10, 0 };
	char *got, *want;

	fill_model(f);
	alerts_observe(a, &r, "web", "vcpu 0", 30, 1000);
	got = metrics_text(f->d, a);
	if (update && !strcmp(update, "1"))
		tl_write_file_or_fail(GOLDEN, "%s", got);
	want = tl_read_file(GOLDEN);
	if (!want)
		fail_msg("missing golden file %s (run with CROFT_UPDATE_GOLDEN=1)", GOLDEN);
	if (strcmp(got, want)) {
		fprintf(stderr, "--- golden\n%s--- rendered\n%s", want, got);
		fail_msg("the exposition differs from %s", GOLDEN);
	}
	/* what must be there, whatever the golden file says */
	tl_assert_contains(got, "croft_vm_vcpu_delay_seconds_total{vm=\"web\",vcpu=\"0\"} 1.5\n");
	tl_assert_contains(got, "croft_vm_info{vm=\"a\\\"b\",uuid=");
	tl_assert_contains(got, "croft_host_pressure_memory_waiting_seconds_total 1\n");
	tl_assert_contains(got, "croft_host_vmstat_pswpin_total 12\n");
	tl_assert_contains(got, "croft_pool_allocated_bytes{pool=\"default\"} 5368709120\n");
	tl_assert_contains(got, "croft_vm_block_read_bytes_total{vm=\"web\",device=\"disk0\"} 1048576\n");
	/* unknown figures are left out: no io pressure, no cpu "full", no
	 * minor faults, nothing of the stopped VM but its info */
	tl_assert_lacks(got, "croft_host_pressure_io");
	tl_assert_lacks(got, "croft_host_pressure_cpu_stalled");
	tl_assert_lacks(got, "croft_vm_cpu_seconds_total{vm=\"a");
	free(want);
	free(got);
	alerts_free(a);
}

static void test_empty_model(void **state)
{
	struct fx *f = *state;
	char *got;

	model_free(f->d->model);
	f->d->model = NULL;
	got = metrics_text(f->d, NULL);
	tl_assert_lacks(got, "croft_host_cpus ");
	tl_assert_contains(got, "# TYPE croft_vm_info gauge\n");
	free(got);
}

static void test_settings(void **state)
{
	char err[256];
	struct sockaddr_storage ss;
	int off;

	(void)state;
	assert_int_equal(monitor_setting_check("alert-ready-window-s", "10", err, sizeof(err)), 1);
	assert_int_equal(monitor_setting_check("alert-ready-window-s", "-1", err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "alert-ready-window-s must be a whole number from 0 to 86400, not '-1'");
	assert_int_equal(monitor_setting_check("alert-ready-warn-pct", "5%", err, sizeof(err)), -EINVAL);
	assert_int_equal(monitor_setting_check("accel", "kvm", err, sizeof(err)), 0);
	assert_int_equal(monitor_setting_check("metrics-listen", "off", err, sizeof(err)), 1);
	assert_int_equal(monitor_setting_check("metrics-listen", "[::1]:9597", err, sizeof(err)), 1);
	assert_int_equal(monitor_setting_check("metrics-listen", "localhost:9597", err, sizeof(err)),
			 -EINVAL);
	tl_assert_contains(err, "'localhost' is not an IPv4 or IPv6 address");
	assert_int_equal(metrics_listen_parse("10.0.0.1", &ss, &off, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "has no port");
	assert_int_equal(metrics_listen_parse("10.0.0.1:70000", &ss, &off, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_listen_parse("[::1]9597", &ss, &off, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_listen_parse("127.0.0.1:9597", &ss, &off, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9597);
	tl_assert_contains(monitor_setting_names(), "alert-latency-min-ms");
}

static void test_round_alerts(void **state)
{
	struct fx *f = *state;
	struct model_vcpu v = { 0, 4250, 1, 1, 40 };
	json_t *j;
	char err[256];
	const char *code;

	fill_model(f);
	assert_int_equal(store_setting_set(f->d->store, "metrics-listen", "off"), 0);
	assert_int_equal(store_setting_set(f->d->store, "alert-ready-window-s", "0"), 0);
	assert_int_equal(monitor_init(f->d, err, sizeof(err)), 0);
	monitor_run(f->d->monitor);
	j = monitor_vm_json(f->d, vm_find(f->d, "web"), NULL, &code, err, sizeof(err));
	assert_int_equal(json_array_size(json_object_get(j, "alerts")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "alerts"), 0),
							      "level")), "critical");
	assert_int_equal(json_array_size(json_object_get(j, "vcpus")), 2);
	assert_true(json_is_false(json_object_get(json_object_get(json_object_get(j, "memory"), "guest"),
						  "stale")));
	json_decref(j);
	/* the ready % falls: cleared at once (window 0) */
	v.ready_pct = 0.5;
	model_vcpus_set(f->d->model, 1, 4242, &v, 1);
	tl_clock_advance(2000);
	monitor_run(f->d->monitor);
	j = monitor_host_json(f->d, "1h", &code, err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "alerts")), 0);
	assert_true(json_is_object(json_object_get(j, "history")));
	assert_true(json_is_false(json_object_get(json_object_get(j, "swap"), "configured")));
	json_decref(j);
	/* a range that is none */
	assert_null(monitor_host_json(f->d, "2h", &code, err, sizeof(err)));
	assert_string_equal(code, "invalid_argument");
	tl_assert_contains(err, "history range '2h' is not one of 1h, 24h, 31d, 1y");
}

/* --- HTTP ------------------------------------------------------------------ */

static char *page(void *data)
{
	(void)data;
	return xstrdup("croft_up 1\n");
}

/* GET path from port, pumping l until the server closes; the reply. */
static char *http_get(struct loop *l, unsigned port, const char *path)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char req[256], *buf = xcalloc(1, 65536);
	size_t got = 0;
	uint64_t end = loop_now_ms() + 5000;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_true(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 || errno == EINPROGRESS);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
	while (loop_now_ms() < end) {
		ssize_t n;

		loop_run_once(l, 10);
		if (req[0]) {
			n = write(fd, req, strlen(req));
			if (n == (ssize_t)strlen(req))
				req[0] = '\0';
			continue;
		}
		n = read(fd, buf + got, 65535 - got);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	close(fd);
	return buf;
}

static void test_http(void **state)
{
	struct loop *l = loop_new();
	struct metrics_http *h;
	char err[256], *r;

	(void)state;
	assert_int_equal(metrics_http_start(l, "127.0.0.1:0", page, NULL, &h, err, sizeof(err)), 0);
	assert_non_null(h);
	assert_true(metrics_http_port(h) > 0);
	r = http_get(l, metrics_http_port(h), "/metrics");
	tl_assert_contains(r, "HTTP/1.1 200");
	tl_assert_contains(r, "text/plain; version=0.0.4");
	tl_assert_contains(r, "\r\n\r\ncroft_up 1\n");
	free(r);
	r = http_get(l, metrics_http_port(h), "/etc/passwd");
	tl_assert_contains(r, "HTTP/1.1 404");
	free(r);
	metrics_http_stop(h);
	/* off: no server */
	assert_int_equal(metrics_http_start(l, "off", page, NULL, &h, err, sizeof(err)), 0);
	assert_null(h);
	assert_int_equal(metrics_http_start(l, "nowhere", page, NULL, &h, err, sizeof(err)), -EINVAL);
	loop_free(l);
}

/* Pools beyond the default one, as the pool watch last measured them. */
static void test_every_pool(void **state)
{
	struct fx *f = *state;
	char *dir = tl_path(f->dir, "tank"), *got, err[128];

	assert_int_equal(mkdir(dir, 0700), 0);
	pools_add(f->d->pools, "tank", dir, POOLS_DISK);
	assert_int_equal(pool_watch_init(f->d, err, sizeof(err)), 0);
	got = metrics_text(f->d, NULL);
	tl_assert_lacks(got, "pool=\"tank\"");       /* not measured yet */
	free(got);
	pool_watch_tick(f->d);
	got = metrics_text(f->d, NULL);
	tl_assert_contains(got, "croft_pool_size_bytes{pool=\"tank\"} ");
	tl_assert_contains(got, "croft_pool_available_bytes{pool=\"tank\"} ");
	tl_assert_contains(got, "croft_pool_allocated_bytes{pool=\"tank\"} 0\n");
	tl_assert_contains(got, "# TYPE croft_pool_size_bytes gauge\n");
	free(got);
	pool_watch_fini(f->d);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_pool, setup, teardown),
		cmocka_unit_test(test_settings),
		cmocka_unit_test_setup_teardown(test_round_alerts, setup, teardown),
		cmocka_unit_test(test_http),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
