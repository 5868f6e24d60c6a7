/*
 * Tests for netd/dnsmasq_conf.c (the config and hosts files, golden text)
 * and netd/dnsmasq.c (supervision).  The supervisor runs a stand-in for
 * dnsmasq at its one seam, the binary path: a shell script that writes its
 * pid file like dnsmasq, counts SIGHUPs and exits on SIGTERM.  With it the
 * tests start, reuse, signal, restart, adopt and stop real processes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "netd/dnsmasq.h"
#include "common/loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define A(s) tl_ip4_or_fail(s)

static struct netd_net nat_net(void)
{
	struct netd_net n = { .id = 3, .mode = NETD_MODE_NAT, .name = "lan", .prefix = 24,
			      .uplink = "eth0" };

	n.subnet = A("10.73.0.0");
	n.gateway = A("10.73.0.1");
	n.dhcp_first = A("10.73.0.100");
	n.dhcp_last = A("10.73.0.200");
	return n;
}

static const char golden_nat[] =
	"# dnsmasq for croft network lan (croftbr3), written by croft-netd; edits are overwritten\n"
	"keep-in-foreground\n"
	"log-facility=-\n"
	"user=dnsmasq\n"
	"group=nogroup\n"
	"pid-file=/run/croft/net/3/dnsmasq.pid\n"
	"bind-interfaces\n"
	"interface=croftbr3\n"
	"listen-address=10.73.0.1\n"
	"except-interface=lo\n"
	"no-hosts\n"
	"dhcp-authoritative\n"
	"dhcp-range=10.73.0.100,10.73.0.200,255.255.255.0,1h\n"
	"dhcp-leasefile=/run/croft/net/3/leases\n"
	"dhcp-hostsfile=/run/croft/net/3/hosts\n"
	"# nat: the gateway routes and answers DNS (forwarded per the host's resolv.conf)\n"
	"dhcp-option=option:router,10.73.0.1\n"
	"dhcp-option=option:dns-server,10.73.0.1\n"
	"domain-needed\n"
	"bogus-priv\n";

static const char golden_hostonly[] =
	"# dnsmasq for croft network lab (croftbr12), written by croft-netd; edits are overwritten\n"
	"keep-in-foreground\n"
	"log-facility=-\n"
	"user=nobody\n"
	"group=nogroup\n"
	"pid-file=/tmp/r/net/12/dnsmasq.pid\n"
	"bind-interfaces\n"
	"interface=croftbr12\n"
	"listen-address=172.20.0.1\n"
	"except-interface=lo\n"
	"no-hosts\n"
	"dhcp-authoritative\n"
	"dhcp-range=172.20.0.2,172.20.255.254,255.255.0.0,1h\n"
	"dhcp-leasefile=/tmp/r/net/12/leases\n"
	"dhcp-hostsfile=/tmp/r/net/12/hosts\n"
	"# host-only: no DNS, and clients are told of no router and no DNS server\n"
	"port=0\n"
	"dhcp-option=option:router\n"
	"dhcp-option=option:dns-server\n";

static void test_files(void **state)
{
	struct dnsmasq_files f;

	(void)state;
	dnsmasq_files_init(&f, "/run/croft", 42);
	assert_string_equal(f.dir, "/run/croft/net/42");
	assert_string_equal(f.conf, "/run/croft/net/42/dnsmasq.conf");
	assert_string_equal(f.hosts, "/run/croft/net/42/hosts");
	assert_string_equal(f.leases, "/run/croft/net/42/leases");
	assert_string_equal(f.pid, "/run/croft/net/42/dnsmasq.pid");
	assert_string_equal(f.log, "/run/croft/net/42/dnsmasq.log");
	dnsmasq_files_free(&f);
	assert_null(f.dir);
}

/* n's dnsmasq.conf, with its files under run_dir and dnsmasq run as user
 * (group nogroup), is golden. */
static void conf_is(const struct netd_net *n, const char *run_dir, const char *user,
		    const char *golden)
{
	struct dnsmasq_files f;
	char *text;

	dnsmasq_files_init(&f, run_dir, n->id);
	text = dnsmasq_conf_text(n, &f, user, "nogroup");
	assert_string_equal(text, golden);
	free(text);
	dnsmasq_files_free(&f);
}

static void test_conf_nat(void **state)
{
	struct netd_net n = nat_net();

	(void)state;
	conf_is(&n, "/run/croft", "dnsmasq", golden_nat);
}

static void test_conf_hostonly(void **state)
{
	struct netd_net n = { .id = 12, .mode = NETD_MODE_HOSTONLY, .name = "lab", .prefix = 16 };

	(void)state;
	n.subnet = A("172.20.0.0");
	n.gateway = A("172.20.0.1");
	n.dhcp_first = A("172.20.0.2");
	n.dhcp_last = A("172.20.255.254");
	conf_is(&n, "/tmp/r", "nobody", golden_hostonly);
}

static void test_hosts(void **state)
{
	struct netd_nic nics[4] = {
		{ .id = 1, .net_id = 3, .mac = { 0x52, 0x54, 0, 0xab, 0xcd, 0x01 }, .vm = "web" },
		{ .id = 2, .net_id = 4, .mac = { 0x52, 0x54, 0, 0, 0, 0x02 }, .vm = "other" },
		{ .id = 3, .net_id = 3, .mac = { 0x52, 0x54, 0, 0, 0, 0x03 }, .vm = "db.main_1" },
		{ .id = 4, .net_id = 3, .mac = { 0x52, 0x54, 0, 0, 0, 0x04 }, .vm = "noip" },
	};
	struct netd_state st = { .nics = nics, .n_nics = 4 };
	char *text;

	(void)state;
	nics[0].ip = A("10.73.0.5");
	nics[1].ip = A("10.74.0.5");
	nics[2].ip = A("10.73.0.6");
	text = dnsmasq_hosts_text(&st, 3);
	/* VM names become host names: '.' and '_' turn into '-'; NICs without
	 * an address and other networks' NICs are left out */
	assert_string_equal(text, "52:54:00:ab:cd:01,10.73.0.5,web\n"
				  "52:54:00:00:00:03,10.73.0.6,db-main-1\n");
	free(text);
	text = dnsmasq_hosts_text(&st, 9);
	assert_string_equal(text, "");
	free(text);
}

/* ---- supervision with a stand-in process ------------------------------- */

static char dir[64], script[128];
static struct loop *loop;

static const char stand_in[] =
	"#!/bin/sh\n"
	"conf=${1#--conf-file=}\n"
	"d=${conf%/dnsmasq.conf}\n"
	"trap 'echo hup >>\"$d/hups\"' HUP\n"
	"trap 'exit 0' TERM\n"
	"echo $$ >\"$d/dnsmasq.pid\"\n"
	"echo started >>\"$d/starts\"\n"
	"while :; do sleep 0.05; done\n";

static int sup_setup(void **state)
{
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_dnsmasq.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/fake-dnsmasq", dir);
	fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, stand_in, strlen(stand_in)), (ssize_t)strlen(stand_in));
	close(fd);
	loop = loop_new();
	assert_non_null(loop);
	return 0;
}

static int sup_teardown(void **state)
{
	char cmd[256];

	(void)state;
	loop_free(loop);
	/* the pattern must not match this shell's own command line */
	snprintf(cmd, sizeof(cmd), "pkill -f '%s/fake-dnsmas[q]'; sleep 0.2; rm -rf '%s'", dir, dir);
	if (system(cmd) < 0)
		return 0;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int count_lines(uint32_t id, const char *name)
{
	char path[256], line[64];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/net/%u/%s", dir, (unsigned)id, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* Wait (running the loop) until cond holds or ms pass. */
#define WAIT_FOR(cond, ms) do {                                                \
		int waited_ = 0;                                               \
		while (!(cond) && waited_ < (ms)) {                            \
			loop_run_once(loop, 20);                              \
			waited_ += 20;                                         \
		}                                                              \
		if (!(cond))                                                   \
			fail_msg("timed out waiting for %s", #cond);           \
	} while (0)

/* Has the stand-in for network id written its pid file (it is set up)? */
static int ready(uint32_t id, int pid)
{
	char path[256], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/net/%u/dnsmasq.pid", dir, (unsigned)id);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return pid > 0 && atoi(buf) == pid;
}

static int alive(int pid)
{
	char path[64], st = 0, buf[256];
	FILE *f;

	if (pid <= 0 || kill(pid, 0) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		char *p = strrchr(buf, ')');

		if (p && p[1])
			st = p[2];
	}
	fclose(f);
	return st && st != 'Z';
}

/* A supervisor running the stand-in: adoption expects the stand-in's
 * interpreter and this test's uid instead of /usr/sbin/dnsmasq and root. */
static struct dnsmasq_sup *sup_new(void)
{
	struct dnsmasq_sup *s = dnsmasq_sup_new(loop, dir, script);
	char *sh = realpath("/bin/sh", NULL);

	assert_non_null(sh);
	dnsmasq_sup_set_adoption(s, "/proc", sh, getuid());
	free(sh);
	return s;
}

static void test_supervision(void **state)
{
	struct netd_net nets[2];
	struct netd_nic nic = { .id = 1, .net_id = 3, .mac = { 0x52, 0x54, 0, 0, 0, 1 }, .vm = "web" };
	struct netd_state st = { .nets = nets, .n_nets = 2, .nics = &nic, .n_nics = 1 };
	struct dnsmasq_sup *s;
	char err[512], path[256];
	uint32_t fresh = 3;
	int pid, pid2, pid_b, starts;
	struct stat sb;

	(void)state;
	nets[0] = nat_net();
	nets[1] = (struct netd_net){ .id = 5, .mode = NETD_MODE_BRIDGED, .name = "br",
				     .uplink = "lan1" };
	nic.ip = A("10.73.0.5");
	s = sup_new();
	assert_int_equal(dnsmasq_sup_ready(s, &st, err, sizeof(err)), 0);

	/* first sync: one process (none for the bridged network), files written */
	assert_int_equal(dnsmasq_sup_sync(s, &st, NULL, 0, err, sizeof(err)), 0);
	pid = dnsmasq_sup_pid(s, 3);
	assert_true(pid > 0);
	assert_int_equal(dnsmasq_sup_pid(s, 5), 0);
	snprintf(path, sizeof(path), "%s/net/5", dir);
	assert_int_not_equal(stat(path, &sb), 0);
	snprintf(path, sizeof(path), "%s/net/3/hosts", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	WAIT_FOR(ready(3, pid), 3000);
	assert_int_equal(count_lines(3, "starts"), 1);

	/* the same state: nothing happens */
	assert_int_equal(dnsmasq_sup_sync(s, &st, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(dnsmasq_sup_pid(s, 3), pid);

	/* a static lease changes: SIGHUP once the handler is in place */
	nic.ip = A("10.73.0.6");
	sleep_ms(300);
	assert_int_equal(dnsmasq_sup_sync(s, &st, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(dnsmasq_sup_pid(s, 3), pid);
	WAIT_FOR(count_lines(3, "hups") == 1, 3000);

	/* the bridge is new: restart with the same config */
	assert_int_equal(dnsmasq_sup_sync(s, &st, &fresh, 1, err, sizeof(err)), 0);
	pid2 = dnsmasq_sup_pid(s, 3);
	assert_true(pid2 > 0 && pid2 != pid);
	assert_false(alive(pid));

	/* the config changes: restart */
	nets[0].dhcp_last = A("10.73.0.150");
	assert_int_equal(dnsmasq_sup_sync(s, &st, NULL, 0, err, sizeof(err)), 0);
	pid = dnsmasq_sup_pid(s, 3);
	assert_true(pid > 0 && pid != pid2);

	/* it dies: restarted after the back-off */
	WAIT_FOR(ready(3, pid), 3000);
	kill(pid, SIGKILL);
	WAIT_FOR(dnsmasq_sup_pid(s, 3) != pid && dnsmasq_sup_pid(s, 3) > 0, 4000);
	pid = dnsmasq_sup_pid(s, 3);
	WAIT_FOR(ready(3, pid), 3000);
	starts = count_lines(3, "starts");

	/* a new supervisor (netd restarted) adopts it instead of starting another */
	dnsmasq_sup_free(s);
	assert_true(alive(pid));
	s = sup_new();
	assert_int_equal(dnsmasq_sup_sync(s, &st, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(dnsmasq_sup_pid(s, 3), pid);
	sleep_ms(100);
	assert_int_equal(count_lines(3, "starts"), starts);

	/* an adopted process that dies is restarted too */
	kill(pid, SIGKILL);
	WAIT_FOR(dnsmasq_sup_pid(s, 3) > 0 && dnsmasq_sup_pid(s, 3) != pid, 4000);
	pid = dnsmasq_sup_pid(s, 3);

	/* a network that goes away: stopped and its files removed; a leftover
	 * directory of an unknown network too (its process stopped) */
	dnsmasq_sup_free(s);
	s = sup_new();
	nets[0].id = 4;
	nets[0].name[0] = 'x';
	assert_int_equal(dnsmasq_sup_sync(s, &st, NULL, 0, err, sizeof(err)), 0);
	pid_b = dnsmasq_sup_pid(s, 4);
	assert_true(pid_b > 0);
	WAIT_FOR(!alive(pid), 3000);
	snprintf(path, sizeof(path), "%s/net/3", dir);
	assert_int_not_equal(stat(path, &sb), 0);
	st.n_nets = 0;
	assert_int_equal(dnsmasq_sup_sync(s, &st, NULL, 0, err, sizeof(err)), 0);
	WAIT_FOR(!alive(pid_b), 3000);
	assert_int_equal(dnsmasq_sup_pid(s, 4), 0);
	snprintf(path, sizeof(path), "%s/net/4", dir);
	assert_int_not_equal(stat(path, &sb), 0);
	dnsmasq_sup_free(s);
}

/* A process that names network 3's config and writes its pid file, but
 * runs another executable (bash, where the stand-in's /bin/sh is dash or
 * the other way round): never adopted nor signalled; a fresh stand-in
 * starts beside it. */
static void test_decoy_not_adopted(void **state)
{
	struct netd_net n = nat_net();
	struct netd_nic nic = { .id = 1, .net_id = 3, .mac = { 0x52, 0x54, 0, 0, 0, 1 }, .vm = "web" };
	struct netd_state st = { .nets = &n, .n_nets = 1 };
	struct dnsmasq_sup *s;
	char err[512], netdir[128], conf[160], *sh = realpath("/bin/sh", NULL);
	const char *other = sh && strstr(sh, "dash") ? "/bin/bash" : "/bin/dash";
	int decoy, pid;

	(void)state;
	free(sh);
	if (access(other, X_OK) < 0)
		skip();
	snprintf(netdir, sizeof(netdir), "%s/net", dir);
	mkdir(netdir, 0755);
	snprintf(netdir, sizeof(netdir), "%s/net/3", dir);
	assert_int_equal(mkdir(netdir, 0755), 0);
	snprintf(conf, sizeof(conf), "--conf-file=%s/dnsmasq.conf", netdir);
	decoy = fork();
	assert_true(decoy >= 0);
	if (decoy == 0) {
		execl(other, other, script, conf, (char *)NULL);
		_exit(127);
	}
	WAIT_FOR(ready(3, decoy), 3000);

	s = sup_new();
	assert_int_equal(dnsmasq_sup_sync(s, &st, NULL, 0, err, sizeof(err)), 0);
	pid = dnsmasq_sup_pid(s, 3);
	assert_true(pid > 0);
	assert_int_not_equal(pid, decoy);
	WAIT_FOR(ready(3, pid), 3000);
	assert_int_equal(count_lines(3, "starts"), 2);
	/* a changed hosts file is announced to ours only */
	sleep_ms(300);
	nic.ip = A("10.73.0.9");
	st.nics = &nic;
	st.n_nics = 1;
	assert_int_equal(dnsmasq_sup_sync(s, &st, NULL, 0, err, sizeof(err)), 0);
	WAIT_FOR(count_lines(3, "hups") == 1, 3000);
	sleep_ms(200);
	assert_int_equal(count_lines(3, "hups"), 1);
	/* stopping the network stops ours and leaves the decoy alone */
	st.n_nets = 0;
	assert_int_equal(dnsmasq_sup_sync(s, &st, NULL, 0, err, sizeof(err)), 0);
	WAIT_FOR(!alive(pid), 3000);
	assert_true(alive(decoy));
	dnsmasq_sup_free(s);
	kill(decoy, SIGKILL);
	waitpid(decoy, NULL, 0);
}

/* dnsmasq_adoptable against a fake /proc: exe, uids and command line. */
static void fake_pid(const char *root, int pid, const char *exe, const char *uids,
		     const char *const *argv)
{
	struct tl_proc_pid p = { .pid = pid, .comm = "dnsmasq", .argv = argv };
	char path[512];

	tl_proc_pid_or_fail(root, &p);
	snprintf(path, sizeof(path), "%s/%d/exe", root, pid);
	unlink(path);
	assert_int_equal(symlink(exe, path), 0);
	snprintf(path, sizeof(path), "%s/%d/status", root, pid);
	tl_write_file_or_fail(path, "Name:\tdnsmasq\nUmask:\t0022\nState:\tS (sleeping)\n"
			      "Uid:\t%s\nGid:\t0\t0\t0\t0\n", uids);
}

static void test_adoptable(void **state)
{
	static const char conf[] = "/run/croft/net/3/dnsmasq.conf";
	static const char arg[] = "--conf-file=/run/croft/net/3/dnsmasq.conf";
	static const char bin[] = "/usr/sbin/dnsmasq";
	static const struct {
		const char *exe, *uids;
		const char *argv[4];
		int ok;
		const char *why;
	} cases[] = {
		{ bin, "0\t0\t0\t0", { bin, arg }, 1, "" },
		{ bin, "107\t107\t107\t107", { bin, arg }, 1, "" },       /* dropped to dnsmasq */
		{ bin, "0\t107\t0\t107", { "dnsmasq", arg }, 1, "" },
		{ "/usr/bin/python3.11", "0\t0\t0\t0", { bin, arg }, 0, "it runs /usr/bin/python3.11, not /usr/sbin/dnsmasq" },
		{ "/usr/sbin/dnsmasq (deleted)", "0\t0\t0\t0", { bin, arg }, 0, "(deleted), not" },
		{ bin, "1000\t1000\t1000\t1000", { bin, arg }, 0, "uid 1000/1000/1000/1000, not root or 107" },
		{ bin, "1000\t0\t0\t0", { bin, arg }, 0, "uid 1000/0/0/0" },
		{ bin, "0\t0\t0\t0", { bin, "--conf-file=/run/croft/net/33/dnsmasq.conf" }, 0,
		  "has \"--conf-file=/run/croft/net/33/dnsmasq.conf\"" },
		{ bin, "0\t0\t0\t0", { bin, "--conf-file=/run/croft/net/3/dnsmasq.conf.x" }, 0, "has" },
		{ bin, "0\t0\t0\t0", { bin, arg, "--dhcp-script=/tmp/x" }, 0, "has \"--dhcp-script=/tmp/x\"" },
		{ bin, "0\t0\t0\t0", { bin, "-C", "/tmp/evil.conf" }, 0, "has \"-C\"" },
		{ bin, "0\t0\t0\t0", { bin, arg, "junk" }, 0, "does not end in --conf-file=" },
		{ bin, "0\t0\t0\t0", { bin }, 0, "does not end in" },
	};
	char *tmp = tl_tmpdir("adopt"), *root, why[512];
	size_t i;

	(void)state;
	assert_non_null(tmp);
	root = tl_proc_new(tmp);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int pid = 100 + (int)i, ok;

		fake_pid(root, pid, cases[i].exe, cases[i].uids, cases[i].argv);
		ok = dnsmasq_adoptable(root, pid, bin, 107, conf, why, sizeof(why));
		if (ok != cases[i].ok || !strstr(why, cases[i].why))
			fail_msg("case %zu: adoptable %d (%s), want %d (%s)", i, ok, why, cases[i].ok,
				 cases[i].why);
	}
	/* a process that is gone, pid 0 and 1 */
	assert_int_equal(dnsmasq_adoptable(root, 99, bin, 107, conf, why, sizeof(why)), 0);
	tl_assert_contains(why, "its executable cannot be read");
	assert_int_equal(dnsmasq_adoptable(root, 0, bin, 107, conf, NULL, 0), 0);
	assert_int_equal(dnsmasq_adoptable(root, 1, bin, 107, conf, NULL, 0), 0);
	free(root);
	tl_rmtree(tmp);
	free(tmp);
}

static void test_missing_binary(void **state)
{
	struct netd_net n = nat_net();
	struct netd_net br = { .id = 5, .mode = NETD_MODE_BRIDGED, .name = "br", .uplink = "lan1" };
	struct netd_state st = { .nets = &n, .n_nets = 1 };
	struct netd_state only_br = { .nets = &br, .n_nets = 1 };
	struct dnsmasq_sup *s;
	char err[512];

	(void)state;
	s = dnsmasq_sup_new(loop, dir, "/nonexistent/dnsmasq");
	assert_int_equal(dnsmasq_sup_ready(s, &st, err, sizeof(err)), -ENOENT);
	if (!strstr(err, "network lan needs dnsmasq, but /nonexistent/dnsmasq cannot be run"))
		fail_msg("message: %s", err);
	assert_int_equal(dnsmasq_sup_ready(s, &only_br, err, sizeof(err)), 0);
	dnsmasq_sup_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_conf_nat),
		cmocka_unit_test(test_conf_hostonly),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test_setup_teardown(test_supervision, sup_setup, sup_teardown),
		cmocka_unit_test_setup_teardown(test_missing_binary, sup_setup, sup_teardown),
		cmocka_unit_test_setup_teardown(test_decoy_not_adopted, sup_setup, sup_teardown),
		cmocka_unit_test(test_adoptable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
