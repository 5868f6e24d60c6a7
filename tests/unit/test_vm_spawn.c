/*
 * Tests for core/vm_spawn.c and the common/proc.c parts it relies on:
 * pidfile parsing, recognising a VM's QEMU by uid and command line in a
 * fake /proc (decoys included), the sockets croftd makes and their
 * SO_PEERCRED check (a real child takes one over), pidfds, and vm_spawn
 * itself with real /bin/sh children on a loop: exit status, output capture,
 * the environment QEMU gets (umask, no_new_privs, its own session), and the
 * pre-exec file checks naming QEMU's user.
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

/* ---- finding QEMU again: vm_qemu_match, vm_qemu_find (fake /proc) -------- */

#define UUID_A "6b1f0b3e-6e5a-4d2a-9d8c-2b0e6f3c1a11"
#define UUID_B "0f0e0d0c-0b0a-4900-8800-000000000001"

static void fake_qemu(const char *root, int pid, uid_t uid, const char *const *argv)
{
	struct tl_proc_pid p = { .pid = pid, .comm = "qemu-system-x86", .argv = argv,
				 .uid_set = 1, .uid = uid };

	tl_proc_pid_or_fail(root, &p);
}

static void test_qemu_match_and_find(void **state)
{
	char *root = tl_proc_new(*state);
	const char *web[] = { "qemu-system-x86_64", "-name", "guest=web,debug-threads=on",
			      "-uuid", UUID_A, "-S", NULL };
	const char *swapped[] = { "qemu-system-x86_64", "-uuid", "guest=web,debug-threads=on",
				  "-name", UUID_A, NULL };
	const char *other_vm[] = { "qemu-system-x86_64", "-name", "guest=web,debug-threads=on",
				   "-uuid", UUID_B, NULL };
	const char *namearg = "guest=web,debug-threads=on";
	pid_t pid = 0;

	fake_qemu(root, 100, 1879048192, web);
	assert_int_equal(vm_qemu_match(root, 100, 1879048192, UUID_A, namearg), 1);
	/* another uid, uuid or name is not it */
	assert_int_equal(vm_qemu_match(root, 100, 1879048193, UUID_A, namearg), 0);
	assert_int_equal(vm_qemu_match(root, 100, 1879048192, UUID_B, namearg), 0);
	assert_int_equal(vm_qemu_match(root, 100, 1879048192, UUID_A, "guest=we,debug-threads=on"), 0);
	assert_int_equal(vm_qemu_match(root, 100, (uid_t)-1, UUID_A, namearg), 0);
	assert_int_equal(vm_qemu_match(root, 0, 1879048192, UUID_A, namearg), 0);
	assert_int_equal(vm_qemu_find(root, 1879048192, UUID_A, namearg, &pid), 0);
	assert_int_equal(pid, 100);

	/* A decoy with the very command line but another uid (root, or
	 * another VM's) is not adopted, and does not make it ambiguous. */
	fake_qemu(root, 200, 0, web);
	fake_qemu(root, 201, 1879048193, web);
	pid = 0;
	assert_int_equal(vm_qemu_find(root, 1879048192, UUID_A, namearg, &pid), 0);
	assert_int_equal(pid, 100);
	assert_int_equal(vm_qemu_match(root, 200, 1879048192, UUID_A, namearg), 0);

	/* The words must follow their options; another VM's uuid is not it. */
	fake_qemu(root, 300, 1879048194, swapped);
	fake_qemu(root, 301, 1879048195, other_vm);
	assert_int_equal(vm_qemu_find(root, 1879048194, UUID_A, namearg, &pid), -ENOENT);
	assert_int_equal(vm_qemu_find(root, 1879048195, UUID_A, namearg, &pid), -ENOENT);

	/* Two matches (croftd's own uid, without root): adopt neither. */
	fake_qemu(root, 400, 1879048192, web);
	assert_int_equal(vm_qemu_find(root, 1879048192, UUID_A, namearg, &pid), -EEXIST);
	tl_proc_pid_gone(root, 400);
	/* Gone: nothing. */
	tl_proc_pid_gone(root, 100);
	assert_int_equal(vm_qemu_match(root, 100, 1879048192, UUID_A, namearg), 0);
	assert_int_equal(vm_qemu_find(root, 1879048192, UUID_A, namearg, &pid), -ENOENT);
	free(root);
}

/* ---- sockets: vm_sock_listen, vm_sock_connect ------------------------------- */

static void test_sock_peer(void **state)
{
	char path[200], err[256], longp[300];
	int l, fd, go[2], ready[2], status;
	struct stat st;
	pid_t c;
	char b;

	tmp_path(state, "qmp.sock", path, sizeof(path));
	/* A stale file in the way is replaced; the socket is 0600. */
	tl_write_file_or_fail(path, "x");
	assert_int_equal(vm_sock_listen(path, &l, err, sizeof(err)), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	/* Still croftd's own listener: not QEMU yet. */
	assert_int_equal(vm_sock_connect(path, 4242, getuid(), &fd, err, sizeof(err)), -EAGAIN);
	assert_int_equal(vm_sock_listener_is(l, getpid(), geteuid()), 1);

	/* A child takes the socket over with its own listen(), as QEMU does
	 * with a chardev fd=; then it is the peer. */
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		if (listen(l, 8) < 0 || write(ready[1], "r", 1) != 1)
			_exit(1);
		_exit(read(go[0], &b, 1) == 1 ? 0 : 2);
	}
	close(go[0]);
	close(ready[1]);
	assert_int_equal(read(ready[0], &b, 1), 1);
	close(ready[0]);
	assert_int_equal(vm_sock_listener_is(l, c, geteuid()), 1);  /* asked without connecting */
	assert_int_equal(vm_sock_listener_is(l, c, geteuid() + 1), 0);
	assert_int_equal(vm_sock_listener_is(l, getpid(), geteuid()), 0);
	assert_int_equal(vm_sock_connect(path, c, getuid(), &fd, err, sizeof(err)), 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
	/* Another uid or pid listening is refused, naming both. */
	assert_int_equal(vm_sock_connect(path, c, getuid() + 1, &fd, err, sizeof(err)), -EPERM);
	tl_assert_contains(err, "not by QEMU");
	assert_int_equal(vm_sock_connect(path, c + 1, getuid(), &fd, err, sizeof(err)), -EPERM);
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	assert_int_equal(waitpid(c, &status, 0), c);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(l);

	/* Nothing there; a path too long for sun_path. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(vm_sock_connect(path, c, getuid(), &fd, err, sizeof(err)), -ENOENT);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(vm_sock_listen(longp, &l, err, sizeof(err)), -ENAMETOOLONG);
	assert_int_equal(vm_sock_connect(longp, c, 0, &fd, err, sizeof(err)), -ENAMETOOLONG);
}

/* ---- pidfds ------------------------------------------------------------- */

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
	if (vm_spawn(d, argv, files, NULL, tl_exec_record, r, &x, err, sizeof(err)) != 0)
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
		 "[ \"$(cut -d' ' -f6 /proc/$$/stat)\" = $$ ] && echo own-session; "
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
	tl_assert_contains(r.out, "own-session\n");
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
		cmocka_unit_test_setup_teardown(test_qemu_match_and_find, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_sock_peer, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test(test_pidfd),
		cmocka_unit_test(test_spawn_exit_status_and_stderr),
		cmocka_unit_test(test_spawn_child_environment),
		cmocka_unit_test_setup_teardown(test_spawn_file_checks, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test(test_spawn_exec_failure),
		cmocka_unit_test_setup_teardown(test_spawn_drop_privs, tl_tmpdir_setup, tl_tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
