/*
 * Tests for core/accel.c: the accelerator decision over every combination
 * of host setting, CROFT_ACCEL and probe result, and invariants of the real
 * /dev/kvm probe on whatever host runs the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/accel.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WHY_TEXT "/dev/kvm does not exist (test probe)"

static void test_accel_valid(void **state)
{
	(void)state;
	assert_int_equal(accel_valid("auto"), 1);
	assert_int_equal(accel_valid("kvm"), 1);
	assert_int_equal(accel_valid("tcg"), 1);
	assert_int_equal(accel_valid(NULL), 0);
	assert_int_equal(accel_valid(""), 0);
	assert_int_equal(accel_valid("KVM"), 0);
	assert_int_equal(accel_valid("kvm "), 0);
	assert_int_equal(accel_valid("kv"), 0);
	assert_int_equal(accel_valid("hvf"), 0);
	assert_int_equal(accel_valid("autox"), 0);
}

static void make_probe(struct accel_probe *p, int usable)
{
	memset(p, 0, sizeof(*p));
	p->kvm_exists = usable;
	p->kvm_usable = usable;
	if (!usable)
		snprintf(p->why, sizeof(p->why), "%s", WHY_TEXT);
}

/* What accel_decide must conclude, worked out independently. */
static void check_case(const char *setting, const char *env, int kvm_usable)
{
	struct accel_probe p;
	struct accel_result r;
	int from_env = env && *env;
	const char *want = from_env ? env : (accel_valid(setting) ? setting : "auto");
	const char *eff;
	int usable = 1;

	if (!strcmp(want, "tcg"))
		eff = "tcg";
	else if (kvm_usable)
		eff = "kvm";
	else if (!strcmp(want, "kvm")) {
		eff = "kvm";
		usable = 0;
	} else
		eff = "tcg";

	make_probe(&p, kvm_usable);
	memset(&r, 0x5a, sizeof(r));
	accel_decide(setting, env, &p, &r);

	assert_string_equal(r.setting, want);
	assert_string_equal(r.source, from_env ? "env" : "setting");
	assert_string_equal(r.effective, eff);
	assert_int_equal(r.usable, usable);
	assert_true(r.reason[0] != '\0');
	assert_true(strlen(r.reason) < sizeof(r.reason));

	if (!strcmp(want, "tcg")) {
		tl_assert_contains(r.reason, "TCG");
		tl_assert_contains(r.reason, from_env ? "CROFT_ACCEL" : "host setting");
		tl_assert_lacks(r.reason, "warning");
		tl_assert_lacks(r.reason, WHY_TEXT);
	} else if (kvm_usable) {
		tl_assert_contains(r.reason, "KVM");
		tl_assert_contains(r.reason, "usable");
		tl_assert_lacks(r.reason, "not usable");
		tl_assert_lacks(r.reason, "warning");
		if (!strcmp(want, "auto"))
			tl_assert_contains(r.reason, "(auto)");
		else
			tl_assert_lacks(r.reason, "auto");
	} else if (!strcmp(want, "kvm")) {
		tl_assert_contains(r.reason, "KVM");
		tl_assert_contains(r.reason, "not usable");
		tl_assert_contains(r.reason, WHY_TEXT);
	} else {
		tl_assert_contains(r.reason, "warning");
		tl_assert_contains(r.reason, "KVM is not usable");
		tl_assert_contains(r.reason, WHY_TEXT);
		tl_assert_contains(r.reason, "TCG");
	}
}

static void test_decide_matrix(void **state)
{
	static const char *const settings[] = { "auto", "kvm", "tcg", "garbage", "", NULL };
	static const char *const envs[] = { NULL, "", "kvm", "tcg", "auto" };
	size_t i, j;
	int k;

	(void)state;
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		for (j = 0; j < sizeof(envs) / sizeof(envs[0]); j++)
			for (k = 0; k <= 1; k++)
				check_case(settings[i], envs[j], k);
}

/* A few cases spelled out, so a wrong matrix cannot hide a wrong rule. */
static void test_decide_explicit(void **state)
{
	struct accel_probe no, yes;
	struct accel_result r;

	(void)state;
	make_probe(&no, 0);
	make_probe(&yes, 1);

	accel_decide("auto", NULL, &no, &r);
	assert_string_equal(r.effective, "tcg");
	assert_string_equal(r.source, "setting");
	assert_int_equal(r.usable, 1);
	assert_string_equal(r.reason, "warning: KVM is not usable (" WHY_TEXT
			    "); guests run under TCG software emulation, much slower");

	accel_decide("tcg", "kvm", &no, &r);
	assert_string_equal(r.setting, "kvm");
	assert_string_equal(r.source, "env");
	assert_string_equal(r.effective, "kvm");
	assert_int_equal(r.usable, 0);
	assert_string_equal(r.reason, "KVM was requested but is not usable: " WHY_TEXT);

	accel_decide("kvm", "tcg", &yes, &r);
	assert_string_equal(r.effective, "tcg");
	assert_string_equal(r.source, "env");
	tl_assert_contains(r.reason, "CROFT_ACCEL");

	accel_decide("garbage", "", &yes, &r);
	assert_string_equal(r.setting, "auto");
	assert_string_equal(r.source, "setting");
	assert_string_equal(r.effective, "kvm");
	assert_string_equal(r.reason, "KVM: /dev/kvm is usable (auto)");

	accel_decide("kvm", NULL, &yes, &r);
	assert_string_equal(r.reason, "KVM: /dev/kvm is usable");
}

/* The longest possible probe text still fits with the whole warning. */
static void test_decide_long_why(void **state)
{
	struct accel_probe p;
	struct accel_result r;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(p.why, 'w', sizeof(p.why) - 1);
	p.why[sizeof(p.why) - 1] = '\0';
	accel_decide("auto", NULL, &p, &r);
	tl_assert_contains(r.reason, p.why);
	tl_assert_contains(r.reason, "much slower");
	accel_decide("kvm", NULL, &p, &r);
	tl_assert_contains(r.reason, p.why);
	assert_int_equal(r.usable, 0);
}

/* The real probe: its shape holds on any host. */
/* Inside QEMU's TCG the CPU offers SVM, KVM loads and /dev/kvm opens: the
 * hypervisor signature is what says it is no usable KVM. */
static void test_emulated_cpu(void **state)
{
	struct accel_probe p;
	struct accel_result r;
	const char *why;
	char sig[13];

	(void)state;
	why = accel_emulated_cpu("TCGTCGTCGTCG");
	assert_non_null(why);
	assert_non_null(strstr(why, "TCG"));
	assert_true(strlen(why) < sizeof(p.why));
	assert_null(accel_emulated_cpu("KVMKVMKVM"));
	assert_null(accel_emulated_cpu(""));
	memset(&p, 0, sizeof(p));
	p.kvm_exists = 1;
	snprintf(p.why, sizeof(p.why), "%s", why);
	accel_decide("auto", NULL, &p, &r);
	assert_string_equal(r.effective, "tcg");
	assert_non_null(strstr(r.reason, "emulated by QEMU's TCG"));
	accel_cpu_hypervisor(sig);   /* this machine: whatever it is, 0 or 12 characters */
	assert_true(strlen(sig) == 0 || strlen(sig) <= 12);
}

static void test_probe_real(void **state)
{
	struct accel_probe p;
	struct stat st;
	int have = stat("/dev/kvm", &st) == 0;
	gid_t nogroups[1] = { 65534 };

	(void)state;
	memset(&p, 0x5a, sizeof(p));
	accel_probe(0, 0, NULL, 0, &p);
	print_message("probe as root: exists=%d usable=%d why=%s\n", p.kvm_exists,
		      p.kvm_usable, p.why);
	assert_int_equal(p.kvm_exists, have);
	if (p.kvm_usable)
		assert_int_equal(p.kvm_exists, 1);
	else
		assert_true(p.why[0] != '\0');
	if (!have) {
		assert_int_equal(p.kvm_usable, 0);
		tl_assert_contains(p.why, "does not exist");
	}

	/* An unprivileged user: usable only when the mode lets "other" in
	 * (nobody is in no group /dev/kvm would belong to). */
	accel_probe(65534, 65534, nogroups, 1, &p);
	print_message("probe as nobody: exists=%d usable=%d why=%s\n", p.kvm_exists,
		      p.kvm_usable, p.why);
	if (p.kvm_usable) {
		assert_true((st.st_mode & S_IROTH) && (st.st_mode & S_IWOTH));
	} else {
		assert_true(p.why[0] != '\0');
		if (have && geteuid() == 0 && !((st.st_mode & S_IROTH) && (st.st_mode & S_IWOTH)) &&
		    st.st_gid != 65534 && !strstr(p.why, "API version") && !strstr(p.why, "cannot open")) {
			tl_assert_contains(p.why, "cannot be opened by the QEMU user");
			tl_assert_contains(p.why, "nobody");
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accel_valid),
		cmocka_unit_test(test_decide_matrix),
		cmocka_unit_test(test_decide_explicit),
		cmocka_unit_test(test_decide_long_why),
		cmocka_unit_test(test_emulated_cpu),
		cmocka_unit_test(test_probe_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
