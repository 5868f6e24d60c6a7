/*
 * Tests for the console's host model (tui/console_hostmodel.c): host.info
 * parsed into the struct, host CPU % from jiffies across readings (too
 * close a reading keeps the figure, a counter that went back starts
 * over), the accelerator's class for each setting, the meters the header
 * draws and the lines the Host screen shows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/console_hostmodel.h"

#include <stdio.h>
#include <string.h>

static const char *INFO =
	"{\"hostname\":\"box\",\"version\":\"0.1.0\",\"cpus\":4,"
	" \"memory_total_mib\":8192,\"memory_available_mib\":2048,"
	" \"swap_total_mib\":1024,\"swap_free_mib\":768,"
	" \"vms_total\":3,\"vms_running\":1,\"vcpus_running\":2,"
	" \"accel\":{\"setting\":\"auto\",\"source\":\"setting\",\"effective\":\"tcg\","
	"          \"reason\":\"warning: KVM is not usable\",\"usable\":true},"
	" \"qemu\":{\"binary\":\"qemu-system-x86_64\",\"version\":\"8.2.2\"},"
	" \"qemu_user\":\"croft-qemu\",\"state_dir\":\"/var/lib/croft\",\"run_dir\":\"/run/croft\","
	" \"cpu_busy_jiffies\":1000,\"cpu_total_jiffies\":10000}";

static void update(struct chost *h, const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	chost_update(h, j);
	json_decref(j);
}

/* INFO with other jiffies */
static void jiffies(struct chost *h, long long busy, long long total)
{
	json_t *j = json_loads(INFO, 0, NULL);

	json_object_set_new(j, "cpu_busy_jiffies", json_integer(busy));
	json_object_set_new(j, "cpu_total_jiffies", json_integer(total));
	chost_update(h, j);
	json_decref(j);
}

static void test_parse(void **state)
{
	struct chost h;

	(void)state;
	chost_init(&h);
	assert_false(h.loaded);
	update(&h, INFO);
	assert_true(h.loaded);
	assert_string_equal(h.hostname, "box");
	assert_int_equal(h.cpus, 4);
	assert_int_equal(h.memory_available_mib, 2048);
	assert_int_equal(h.swap_free_mib, 768);
	assert_int_equal(h.vcpus_running, 2);
	assert_string_equal(h.accel_effective, "tcg");
	assert_string_equal(h.accel_reason, "warning: KVM is not usable");
	assert_true(h.accel_usable);
	assert_string_equal(h.qemu_version, "8.2.2");
	assert_string_equal(h.run_dir, "/run/croft");
	assert_true(h.cpu_pct < 0);                 /* one reading */
	/* a croftd that sends less: defaults, no crash */
	update(&h, "{\"hostname\":7,\"accel\":null}");
	assert_string_equal(h.hostname, "");
	assert_int_equal(h.cpus, 0);
	assert_true(h.accel_usable);
	chost_clear(&h);
	assert_false(h.loaded);
}

static void test_cpu_pct(void **state)
{
	struct chost h;

	(void)state;
	assert_true(chost_cpu_pct(100, 1000, 150, 1200) > 24.9);
	assert_true(chost_cpu_pct(100, 1000, 150, 1200) < 25.1);
	assert_true(chost_cpu_pct(0, 0, 150, 1200) < 0);     /* no first reading */
	assert_true(chost_cpu_pct(100, 1000, 150, 1000) < 0);
	chost_init(&h);
	jiffies(&h, 1000, 10000);
	jiffies(&h, 1100, 10400);
	assert_true(h.cpu_pct > 24.9 && h.cpu_pct < 25.1);
	/* too close: the figure and its baseline stay */
	jiffies(&h, 1110, 10420);
	assert_true(h.cpu_pct > 24.9 && h.cpu_pct < 25.1);
	jiffies(&h, 1400, 10800);
	assert_true(h.cpu_pct > 74.9 && h.cpu_pct < 75.1);
	/* the counter went back (a reboot): unknown, then measured again */
	jiffies(&h, 10, 100);
	assert_true(h.cpu_pct < 0);
	jiffies(&h, 60, 300);
	assert_true(h.cpu_pct > 24.9 && h.cpu_pct < 25.1);
}

static void test_accel(void **state)
{
	static const struct {
		const char *json;
		enum chost_accel want;
		const char *text;
		int warn;
	} cases[] = {
		{ "{\"accel\":{\"setting\":\"auto\",\"effective\":\"kvm\",\"usable\":true}}",
		  CHOST_KVM, "KVM", 0 },
		{ "{\"accel\":{\"setting\":\"kvm\",\"effective\":\"kvm\",\"usable\":false}}",
		  CHOST_KVM_UNUSABLE, "KVM NOT USABLE", 1 },
		{ "{\"accel\":{\"setting\":\"tcg\",\"effective\":\"tcg\"}}",
		  CHOST_TCG_SET, "TCG (set)", 1 },
		{ "{\"accel\":{\"setting\":\"auto\",\"effective\":\"tcg\"}}",
		  CHOST_TCG_FALLBACK, "TCG (KVM not usable)", 1 },
		{ "{}", CHOST_TCG_FALLBACK, "TCG (KVM not usable)", 1 },
	};
	struct chost h;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		chost_init(&h);
		update(&h, cases[i].json);
		assert_int_equal(chost_accel(&h), cases[i].want);
		assert_string_equal(chost_accel_text(chost_accel(&h)), cases[i].text);
		assert_int_equal(chost_accel_warn(&h), cases[i].warn);
	}
}

static void test_meters(void **state)
{
	struct meter m[CHOST_NMETERS];
	struct chost h;

	(void)state;
	chost_init(&h);
	update(&h, INFO);
	chost_meters(&h, m);
	assert_string_equal(m[CHOST_METER_CPU].label, "CPU");
	assert_string_equal(m[CHOST_METER_CPU].text, "-");
	assert_string_equal(m[CHOST_METER_MEM].label, "Mem");
	assert_string_equal(m[CHOST_METER_MEM].text, "6G/8G");
	assert_true(m[CHOST_METER_MEM].frac > 0.74 && m[CHOST_METER_MEM].frac < 0.76);
	assert_int_equal(m[CHOST_METER_SWAP].fill, '#');
	assert_string_equal(m[CHOST_METER_SWAP].text, "256M/1G");
	jiffies(&h, 1100, 10400);
	chost_meters(&h, m);
	assert_string_equal(m[CHOST_METER_CPU].text, "25.0%");
	update(&h, "{\"swap_total_mib\":0}");
	chost_meters(&h, m);
	assert_string_equal(m[CHOST_METER_SWAP].text, "none");
}

static const struct chost_line *line(const struct chost_line *l, int n, const char *label)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].label, label))
			return &l[i];
	fail_msg("no line '%s'", label);
	return NULL;
}

static void test_lines(void **state)
{
	struct chost_line l[CHOST_NLINES];
	struct chost h;
	int n;

	(void)state;
	chost_init(&h);
	update(&h, INFO);
	n = chost_lines(&h, "/run/croft/croftd.sock", l);
	assert_true(n <= CHOST_NLINES);
	assert_string_equal(line(l, n, "Hostname")->value, "box");
	assert_string_equal(line(l, n, "croftd")->value, "0.1.0 (API socket /run/croft/croftd.sock)");
	assert_string_equal(line(l, n, "CPUs")->value, "4 online");
	assert_int_equal(line(l, n, "CPUs")->meter, CHOST_METER_CPU);
	assert_string_equal(line(l, n, "Memory")->value, "8G total, 2G available, 6G used");
	assert_string_equal(line(l, n, "Swap")->value, "1G total, 768M free");
	assert_string_equal(line(l, n, "Guests")->value, "3 defined, 1 running (2 vCPUs on 4 CPUs)");
	assert_string_equal(line(l, n, "Acceleration")->value, "tcg (setting auto, from setting)");
	assert_true(line(l, n, "Acceleration")->warn);
	assert_true(line(l, n, "Acceleration")->gap);
	assert_string_equal(line(l, n, "")->value, "warning: KVM is not usable");
	assert_string_equal(line(l, n, "QEMU")->value,
			    "qemu-system-x86_64, version 8.2.2, runs as croft-qemu");
	assert_int_equal(line(l, n, "QEMU")->meter, -1);
	assert_string_equal(line(l, n, "Run dir")->value, "/run/croft");
	jiffies(&h, 1100, 10400);
	n = chost_lines(&h, "s", l);
	assert_string_equal(line(l, n, "CPUs")->value, "4 online, 25.0% busy");
	/* what croftd did not say shows as "-" */
	chost_init(&h);
	update(&h, "{}");
	n = chost_lines(&h, "s", l);
	assert_string_equal(line(l, n, "Hostname")->value, "-");
	assert_string_equal(line(l, n, "Swap")->value, "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_cpu_pct),
		cmocka_unit_test(test_accel),
		cmocka_unit_test(test_meters),
		cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
