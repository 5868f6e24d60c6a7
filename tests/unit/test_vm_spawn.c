/*
 * Tests for core/vm_spawn.c and the common/proc.c parts it relies on:
 * pidfile parsing, recognising our own QEMU by its command line (with real
 * child processes), pidfds, and vm_spawn itself with real /bin/sh children
 * on a loop: exit status, output capture, the environment QEMU gets
 * (umask, no_new_privs), and the pre-exec file checks naming QEMU's user.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/vm_spawn.h"
#include "common/loop.h"
#include "common/proc.h"
#include "core/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* dir/name of the test's directory (a tl_tmpdir_setup() state). */
static void tmp_path(void **state, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", (const char *)*state, name);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* 1 when fd becomes readable within ms. */
static int readable_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r == 1 && (p.revents & POLLIN);
}

/* ---- proc_pidfile_read ---------------------------------------------------- */

static int pidfile_with(void **state, const char *content, pid_t *pid)
{
	char path[128];
	int r;

	tmp_path(state, "p.pid", path, sizeof(path));
	tl_write_file_or_fail(path, "%s", content);
	r = proc_pidfile_read(path, pid);
	unlink(path);
	return r;
}

static void test_pidfile_read(void **state)
{
	char path[128];
	pid_t pid = 0;

	assert_int_equal(pidfile_with(state, "1234", &pid), 0);
	assert_int_equal(pid, 1234);
	pid = 0;
	assert_int_equal(pidfile_with(state, "4321\n", &pid), 0);
	assert_int_equal(pid, 4321);
	assert_int_equal(pidfile_with(state, "2", &pid), 0);
	assert_int_equal(pid, 2);
	assert_int_equal(pidfile_with(state, "1073741823\n", &pid), 0);   /* 0x3fffffff */
	assert_int_equal(pid, 1073741823);

	pid = 77;
	assert_int_equal(pidfile_with(state, "abc\n", &pid), -EINVAL);
	assert_int_equal(pidfile_with(state, "", &pid), -EINVAL);
	assert_int_equal(pidfile_with(state, "\n", &pid), -EINVAL);
	assert_int_equal(pidfile_with(state, "12x\n", &pid), -EINVAL);
	assert_int_equal(pidfile_with(state, "12 13\n", &pid), -EINVAL);
	assert_int_equal(pidfile_with(state, "1\n", &pid), -EINVAL);
	assert_int_equal(pidfile_with(state, "0\n", &pid), -EINVAL);
	assert_int_equal(pidfile_with(state, "-5\n", &pid), -EINVAL);
	assert_int_equal(pidfile_with(state, "1073741824\n", &pid), -EINVAL);
	assert_int_equal(pidfile_with(state, "99999999999999999999\n", &pid), -EINVAL);
	assert_int_equal(pidfile_with(state, "0x10\n", &pid), -EINVAL);
	assert_int_equal(pid, 77);                   /* untouched on failure */

	tmp_path(state, "missing.pid", path, sizeof(path));
	assert_int_equal(proc_pidfile_read(path, &pid), -ENOENT);
	assert_int_equal(pid, 77);
	/* A directory is not a pidfile. */
	tmp_path(state, "", path, sizeof(path));
	assert_true(proc_pidfile_read(path, &pid) < 0);
	assert_int_equal(pid, 77);
}

/* ---- vm_pid_is_ours ----------------------------------------------------- */

/*
 * A child whose command line is: sh -c 'read x' ARG0 ARG1.  It blocks in
 * the shell's builtin read on a pipe (no grandchildren to orphan) and exits
 * when *hold is closed, or when killed.
 */
static pid_t spawn_reader(const char *arg0, const char *arg1, int *hold)
{
	int p[2];
	pid_t c;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		if (dup2(p[0], 0) < 0)
			_exit(127);
		if (arg1)
			execl("/bin/sh", "sh", "-c", "read x", arg0, arg1, (char *)NULL);
		else
			execl("/bin/sh", "sh", "-c", "read x", arg0, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	*hold = p[1];
	return c;
}

/* Wait until the child has exec'd (its cmdline is no longer ours). */
static void wait_exec(pid_t pid)
{
	char path[64], buf[64];
	int i;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	for (i = 0; i < 500; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t n;

		assert_true(fd >= 0);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if (n > 0 && !strcmp(buf, "sh"))
			return;
		sleep_ms(10);
	}
	fail_msg("child %d did not exec", (int)pid);
}

static void reap(pid_t pid, int hold)
{
	int status;

	close(hold);                             /* read x sees EOF */
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void test_pid_is_ours(void **state)
{
	char pidfile[128], other[128];
	pid_t c, c2;
	int hold, hold2, status;
	siginfo_t si;

	tmp_path(state, "vm.pid", pidfile, sizeof(pidfile));
	tmp_path(state, "other.pid", other, sizeof(other));

	c = spawn_reader("-pidfile", pidfile, &hold);
	wait_exec(c);
	assert_int_equal(vm_pid_is_ours(c, pidfile), 1);
	assert_int_equal(vm_pid_is_ours(c, other), 0);
	assert_int_equal(vm_pid_is_ours(c, "-pidfile"), 0);
	assert_int_equal(vm_pid_is_ours(c, "read x"), 0);
	{
		char prefix[128];

		snprintf(prefix, sizeof(prefix), "%.*s", (int)strlen(pidfile) - 1, pidfile);
		assert_int_equal(vm_pid_is_ours(c, prefix), 0);
	}
	/* This test process is not a QEMU. */
	assert_int_equal(vm_pid_is_ours(getpid(), pidfile), 0);

	/* Dead but not yet reaped (a zombie has an empty cmdline). */
	assert_int_equal(kill(c, SIGKILL), 0);
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(vm_pid_is_ours(c, pidfile), 0);
	assert_int_equal(waitpid(c, &status, 0), c);
	assert_true(WIFSIGNALED(status));
	close(hold);
	/* Gone entirely. */
	assert_int_equal(vm_pid_is_ours(c, pidfile), 0);

	/* The path without "-pidfile" right before it does not count. */
	c = spawn_reader(pidfile, "-pidfile", &hold);
	c2 = spawn_reader("-pidfilex", pidfile, &hold2);
	wait_exec(c);
	wait_exec(c2);
	assert_int_equal(vm_pid_is_ours(c, pidfile), 0);
	assert_int_equal(vm_pid_is_ours(c2, pidfile), 0);
	reap(c, hold);
	reap(c2, hold2);

	/* "-pidfile" as the last word, with nothing after it. */
	c = spawn_reader("-pidfile", NULL, &hold);
	wait_exec(c);
	assert_int_equal(vm_pid_is_ours(c, pidfile), 0);
	assert_int_equal(vm_pid_is_ours(c, ""), 0);
	reap(c, hold);

	assert_int_equal(vm_pid_is_ours(0, pidfile), 0);
	assert_int_equal(vm_pid_is_ours(-1, pidfile), 0);
}

/* ---- pidfds ------------------------------------------------------------- */

static void test_pidfd(void **state)
{
	pid_t c;
	int hold, pidfd, status;

	(void)state;
	c = spawn_reader("x", NULL, &hold);
	pidfd = proc_pidfd_open(c);
	assert_true(pidfd >= 0);
	assert_true(fcntl(pidfd, F_GETFD) & FD_CLOEXEC);
	assert_false(readable_within(pidfd, 0));
	assert_int_equal(proc_pidfd_kill(pidfd, 0), 0);          /* alive */
	assert_false(readable_within(pidfd, 50));

	assert_int_equal(proc_pidfd_kill(pidfd, SIGTERM), 0);
	assert_true(readable_within(pidfd, 5000));
	assert_int_equal(waitpid(c, &status, 0), c);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	/* Reaped: signals go nowhere. */
	assert_int_equal(proc_pidfd_kill(pidfd, SIGTERM), -ESRCH);
	close(pidfd);
	close(hold);

	assert_int_equal(proc_pidfd_open(c), -ESRCH);
	assert_int_equal(proc_pidfd_open(-1), -EINVAL);
	assert_int_equal(proc_pidfd_kill(-1, 0), -EBADF);
	/* A plain fd is not a pidfd. */
	{
		int p[2];

		assert_int_equal(pipe(p), 0);
		assert_int_equal(proc_pidfd_kill(p[0], 0), -EBADF);
		close(p[0]);
		close(p[1]);
	}
}

/* ---- vm_spawn ----------------------------------------------------------- */

static void init_daemon(struct croftd *d)
{
	memset(d, 0, sizeof(*d));
	d->loop = loop_new();
	assert_non_null(d->loop);
	d->drop_privs = 0;
	d->qemu_user = "tester";
	d->qemu_uid = getuid();
	d->qemu_gid = getgid();
	d->croft_gid = (gid_t)-1;
}

/* Spawn, and run the loop until the child has exited. */
static void run_argv(struct croftd *d, char *const argv[],
		     const struct vm_spawn_files *files, struct tl_exec_seen *r)
{
	struct job_exec *x;
	char err[256] = "";

	memset(r, 0, sizeof(*r));
	if (vm_spawn(d, argv, files, tl_exec_record, r, &x, err, sizeof(err)) != 0)
		fail_msg("vm_spawn failed: %s", err);
	assert_true(job_exec_pid(x) > 0);
	TL_PUMP_UNTIL(d->loop, r->calls == 1, 10000);
}

static void run_sh(struct croftd *d, const char *script,
		   const struct vm_spawn_files *files, struct tl_exec_seen *r)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)script, NULL };

	run_argv(d, argv, files, r);
}

/* "echo ran" with files is refused before it runs: status 126, and the
 * output names what went wrong (what) and the file (path). */
static void expect_refused(struct croftd *d, const struct vm_spawn_files *files,
			   const char *what, const char *path, struct tl_exec_seen *r)
{
	run_sh(d, "echo ran", files, r);
	assert_int_equal(r->status, 126);
	tl_assert_contains(r->out, what);
	tl_assert_contains(r->out, path);
	tl_assert_lacks(r->out, "ran");
}

static void test_spawn_exit_status_and_stderr(void **state)
{
	struct croftd d;
	struct tl_exec_seen r;

	(void)state;
	init_daemon(&d);
	run_sh(&d, "echo oops >&2; exit 3", NULL, &r);
	assert_string_equal(r.out, "oops\n");
	assert_int_equal(r.status, 3);

	/* stdout goes to the same pipe; stdin is /dev/null. */
	run_sh(&d, "echo out; echo err >&2; if read x; then echo got; else echo eof; fi", NULL, &r);
	assert_string_equal(r.out, "out\nerr\neof\n");
	assert_int_equal(r.status, 0);
	loop_free(d.loop);
}

static void test_spawn_child_environment(void **state)
{
	struct croftd d;
	struct tl_exec_seen r;
	sigset_t block, old;
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldpipe;
	int leak, leak2;
	char script[256];
	char *p;
	unsigned long long mask;

	(void)state;
	init_daemon(&d);

	/* A blocked signal and an ignored SIGPIPE in croftd are not passed on;
	 * neither are croftd's open fds.  The masks are read by grep, which
	 * inherits them: the shell itself blocks signals while it waits. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old), 0);
	assert_int_equal(sigaction(SIGPIPE, &ign, &oldpipe), 0);
	leak = dup(2);                           /* no O_CLOEXEC */
	assert_true(leak >= 0);
	leak2 = fcntl(2, F_DUPFD, 200);
	assert_true(leak2 >= 200);
	snprintf(script, sizeof(script),
		 "grep -E '^(SigBlk|SigIgn|NoNewPrivs):' /proc/self/status; umask; "
		 "for f in %d %d; do [ -e /proc/$$/fd/$f ] && echo leaked-$f; done; true",
		 leak, leak2);
	run_sh(&d, script, NULL, &r);
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	assert_int_equal(sigaction(SIGPIPE, &oldpipe, NULL), 0);
	close(leak);
	close(leak2);

	assert_int_equal(r.status, 0);
	tl_assert_contains(r.out, "SigBlk:\t0000000000000000\n");
	tl_assert_contains(r.out, "NoNewPrivs:\t1\n");
	tl_assert_contains(r.out, "0027\n");
	if (strstr(r.out, "leaked-"))
		fail_msg("fds leaked into the child: %s", r.out);
	p = strstr(r.out, "SigIgn:\t");
	assert_non_null(p);
	mask = strtoull(p + 8, NULL, 16);
	assert_int_equal(mask & (1ULL << (SIGPIPE - 1)), 0);
	loop_free(d.loop);
}

static void test_spawn_file_checks(void **state)
{
	struct croftd d;
	struct tl_exec_seen r;
	char good[128], missing[128], missing_w[128];
	const char *rd_ok[] = { good, NULL };
	const char *rd_bad[] = { good, missing, NULL };
	const char *wr_bad[] = { missing_w, NULL };
	struct vm_spawn_files files = { 0 };

	init_daemon(&d);
	tmp_path(state, "disk.img", good, sizeof(good));
	tmp_path(state, "no-such.iso", missing, sizeof(missing));
	tmp_path(state, "no-dir/vars.fd", missing_w, sizeof(missing_w));
	tl_write_file_or_fail(good, "x");

	/* Every file there: the program runs. */
	files.read = rd_ok;
	files.write = rd_ok;
	run_sh(&d, "echo ran", &files, &r);
	assert_string_equal(r.out, "ran\n");
	assert_int_equal(r.status, 0);

	/* A missing file is named, and the program never runs. */
	files.read = rd_bad;
	files.write = NULL;
	expect_refused(&d, &files, "cannot read ", missing, &r);
	tl_assert_contains(r.out, "user tester");
	tl_assert_contains(r.out, "No such file or directory");

	files.read = NULL;
	files.write = wr_bad;
	expect_refused(&d, &files, "cannot write ", missing_w, &r);

	/* An empty list is fine. */
	files.read = NULL;
	files.write = NULL;
	run_sh(&d, "exit 0", &files, &r);
	assert_int_equal(r.status, 0);
	loop_free(d.loop);
}

static void test_spawn_exec_failure(void **state)
{
	char *argv[] = { (char *)"/nonexistent/qemu-system-x86_64", (char *)"-version", NULL };
	char *argv2[] = { (char *)"croft-test-no-such-binary", NULL };
	struct croftd d;
	struct tl_exec_seen r;

	(void)state;
	init_daemon(&d);
	run_argv(&d, argv, NULL, &r);
	assert_int_equal(r.status, 126);
	tl_assert_contains(r.out, "cannot run /nonexistent/qemu-system-x86_64");
	tl_assert_contains(r.out, "No such file or directory");

	run_argv(&d, argv2, NULL, &r);
	assert_int_equal(r.status, 126);
	tl_assert_contains(r.out, "cannot run croft-test-no-such-binary");
	loop_free(d.loop);
}

/* With drop_privs the child runs as the QEMU user and checks files as that
 * user.  Needs root; nobody (65534) stands in for croft-qemu. */
static void test_spawn_drop_privs(void **state)
{
	struct croftd d;
	struct tl_exec_seen r;
	char secret[128];
	const char *rd[] = { secret, NULL };
	struct vm_spawn_files files = { .read = rd };

	if (geteuid() != 0)
		skip();
	init_daemon(&d);
	d.drop_privs = 1;
	d.qemu_user = "nobody";
	d.qemu_uid = 65534;
	d.qemu_gid = 65534;
	d.qemu_groups[0] = 65534;
	d.qemu_ngroups = 1;

	run_sh(&d, "id -u; id -g; id -G", NULL, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "65534\n65534\n65534\n");

	/* In a directory 0700 root, nobody cannot reach the file. */
	assert_int_equal(chmod(*state, 0700), 0);
	tmp_path(state, "secret.img", secret, sizeof(secret));
	tl_write_file_or_fail(secret, "x");
	expect_refused(&d, &files, "QEMU runs as user nobody, which cannot read ", secret, &r);
	tl_assert_contains(r.out, "Permission denied");
	loop_free(d.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pidfile_read, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_pid_is_ours, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test(test_pidfd),
		cmocka_unit_test(test_spawn_exit_status_and_stderr),
		cmocka_unit_test(test_spawn_child_environment),
		cmocka_unit_test_setup_teardown(test_spawn_file_checks, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test(test_spawn_exec_failure),
		cmocka_unit_test_setup_teardown(test_spawn_drop_privs, tl_tmpdir_setup, tl_tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
