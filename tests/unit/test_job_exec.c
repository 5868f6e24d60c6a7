/*
 * Tests for core/job_exec.c with real children on a loop: output captured
 * apart and together, bounded, or handed over as a descriptor; exit status
 * and signals; what the child inherits; the checks and failures before
 * exec; a child that outlives croftd's interest (abandon), croftd's
 * shutdown (stop) and croftd's death (die_with_croftd); the synchronous
 * form; then the seam, with scripted children that cannot be forked, fail
 * or hang; and the failure messages people read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/job_exec.h"
#include "common/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *sh_argv[4] = { (char *)"/bin/sh", (char *)"-c", NULL, NULL };

static struct job_exec_spec sh_spec(const char *script)
{
	struct job_exec_spec spec = { .argv = sh_argv };

	sh_argv[2] = (char *)script;
	return spec;
}

/* Start spec on l, its end recorded into seen (emptied first). */
static struct job_exec *start(struct loop *l, const struct job_exec_spec *spec,
			      struct tl_exec_seen *seen)
{
	struct job_exec *x;
	char err[256] = "";

	memset(seen, 0, sizeof(*seen));
	if (job_exec_start(l, spec, tl_exec_record, seen, &x, err, sizeof(err)) < 0)
		fail_msg("job_exec_start: %s", err);
	return x;
}

/* Start spec on l and run the loop until the child has exited. */
static void run(struct loop *l, const struct job_exec_spec *spec, struct tl_exec_seen *seen)
{
	start(l, spec, seen);
	assert_int_equal(seen->calls, 0);
	TL_PUMP_UNTIL(l, seen->calls == 1, 10000);
}

/* 1 while pid is a process that has not died (a zombie has). */
static int alive(pid_t pid)
{
	char path[64], *stat, *p;
	int dead;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	stat = tl_read_file(path);
	if (!stat)
		return 0;
	p = strrchr(stat, ')');
	dead = p && (p[2] == 'Z' || p[2] == 'X');
	free(stat);
	return !dead;
}

/* ---- real children ---------------------------------------------------- */

static void test_capture(void **state)
{
	struct loop *l = loop_new();
	struct job_exec_spec spec = sh_spec("echo out; echo err >&2; exit 3");
	struct tl_exec_seen seen;

	(void)state;
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 3);
	assert_int_equal(seen.signal, 0);
	assert_string_equal(seen.out, "out\n");
	assert_string_equal(seen.err, "err\n");

	/* Together, in the order written; stdin is /dev/null. */
	spec.err_to_out = 1;
	sh_argv[2] = "echo one; echo two >&2; if read x; then echo got; else echo eof; fi";
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 0);
	assert_string_equal(seen.out, "one\ntwo\neof\n");
	assert_string_equal(seen.err, "");

	/* To /dev/null: nothing captured, nothing blocks. */
	spec.err_to_out = 0;
	spec.out = JOB_EXEC_NULL;
	spec.err = JOB_EXEC_NULL;
	sh_argv[2] = "echo out; echo err >&2";
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 0);
	assert_string_equal(seen.out, "");
	assert_string_equal(seen.err, "");
	loop_free(l);
}

struct lengths {
	int calls;
	size_t out_len, err_len;
	char out_last, err_first;
};

static void record_lengths(struct job_exec *x, const struct job_exec_result *res, void *data)
{
	struct lengths *n = data;

	(void)x;
	n->calls++;
	n->out_len = res->out_len;
	n->err_len = res->err_len;
	n->out_last = res->out_len ? res->out[res->out_len - 1] : 0;
	n->err_first = res->err[0];
	assert_int_equal(res->out[res->out_len], '\0');
}

/* Both pipes filled far past their buffers at once must not stall the
 * child; what is past the bound is read and dropped. */
static void test_capture_big_and_bounded(void **state)
{
	struct loop *l = loop_new();
	struct job_exec_spec spec = sh_spec("head -c 300000 /dev/zero | tr '\\0' a; "
					    "head -c 300000 /dev/zero | tr '\\0' b >&2");
	struct lengths n = { 0 };
	struct job_exec *x;
	char err[256];

	(void)state;
	assert_int_equal(job_exec_start(l, &spec, record_lengths, &n, &x, err, sizeof(err)), 0);
	TL_PUMP_UNTIL(l, n.calls == 1, 10000);
	assert_int_equal(n.out_len, 300000);
	assert_int_equal(n.err_len, 300000);
	assert_int_equal(n.out_last, 'a');
	assert_int_equal(n.err_first, 'b');

	spec.capture_max = 1000;
	memset(&n, 0, sizeof(n));
	assert_int_equal(job_exec_start(l, &spec, record_lengths, &n, &x, err, sizeof(err)), 0);
	TL_PUMP_UNTIL(l, n.calls == 1, 10000);
	assert_int_equal(n.out_len, 1000);
	assert_int_equal(n.err_len, 1000);
	loop_free(l);
}

/* The read end is the caller's: nonblocking, close-on-exec, taken once. */
static void test_output_fd(void **state)
{
	struct loop *l = loop_new();
	struct job_exec_spec spec = sh_spec("echo streamed; echo said >&2");
	struct tl_exec_seen seen = { 0 };
	struct job_exec *x;
	char buf[64];
	ssize_t n;
	int fd;

	(void)state;
	spec.out = JOB_EXEC_FD;
	x = start(l, &spec, &seen);
	fd = job_exec_take_fd(x, 1);
	assert_true(fd >= 0);
	assert_int_equal(job_exec_take_fd(x, 1), -EBADF);
	assert_int_equal(job_exec_take_fd(x, 2), -EBADF);     /* captured, not handed over */
	assert_int_equal(job_exec_take_fd(x, 3), -EBADF);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	TL_PUMP_UNTIL(l, seen.calls == 1, 10000);
	assert_string_equal(seen.out, "");
	assert_string_equal(seen.err, "said\n");
	n = read(fd, buf, sizeof(buf) - 1);
	assert_int_equal(n, 9);
	buf[n] = '\0';
	assert_string_equal(buf, "streamed\n");
	close(fd);
	loop_free(l);
}

/* Blocked signals, an ignored SIGPIPE and open descriptors of croftd do not
 * reach the child; the umask is 0077 unless the spec says otherwise. */
static void test_child_environment(void **state)
{
	static const char *const env[] = { "CROFT_T_A=one", "CROFT_T_B=two words", NULL };
	struct loop *l = loop_new();
	struct job_exec_spec spec;
	struct tl_exec_seen seen;
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldpipe;
	sigset_t block, old;
	char script[512], *p;
	int leak;

	(void)state;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old), 0);
	assert_int_equal(sigaction(SIGPIPE, &ign, &oldpipe), 0);
	leak = fcntl(2, F_DUPFD, 100);
	assert_true(leak >= 100);
	snprintf(script, sizeof(script),
		 "grep -E '^(SigBlk|SigIgn|NoNewPrivs):' /proc/self/status; umask; "
		 "[ -e /proc/$$/fd/%d ] && echo leaked; true", leak);
	spec = sh_spec(script);
	run(l, &spec, &seen);
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	assert_int_equal(sigaction(SIGPIPE, &oldpipe, NULL), 0);
	close(leak);

	assert_int_equal(seen.status, 0);
	tl_assert_contains(seen.out, "SigBlk:\t0000000000000000\n");
	tl_assert_contains(seen.out, "NoNewPrivs:\t0\n");
	tl_assert_contains(seen.out, "0077\n");
	assert_null(strstr(seen.out, "leaked"));
	p = strstr(seen.out, "SigIgn:\t");
	assert_non_null(p);
	assert_int_equal(strtoull(p + 8, NULL, 16) & (1ULL << (SIGPIPE - 1)), 0);

	spec.no_new_privs = 1;
	spec.umask = 0022;
	run(l, &spec, &seen);
	tl_assert_contains(seen.out, "NoNewPrivs:\t1\n");
	tl_assert_contains(seen.out, "0022\n");

	/* env: added to the child's environment, croftd's own unchanged */
	spec = sh_spec("echo \"A=$CROFT_T_A B=$CROFT_T_B\"");
	spec.env = env;
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 0);
	assert_string_equal(seen.out, "A=one B=two words\n");
	assert_null(getenv("CROFT_T_A"));
	loop_free(l);
}

/* pass_fds land at 3, 4, ... in order, inherited; nothing else leaks,
 * even when a passed fd's number is one of the targets. */
static void test_pass_fds(void **state)
{
	struct loop *l = loop_new();
	struct job_exec_spec spec;
	struct tl_exec_seen seen;
	int a[2], b[2], pass[2], leak;
	char buf[64] = "", script[512];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe2(a, O_CLOEXEC), 0);
	assert_int_equal(pipe2(b, O_CLOEXEC), 0);
	leak = fcntl(2, F_DUPFD_CLOEXEC, 200);
	assert_true(leak >= 200);
	/* b's write end goes to 3 and a's to 4: crossing numbers on purpose */
	pass[0] = b[1];
	pass[1] = a[1];
	snprintf(script, sizeof(script),
		 "echo to-b >&3; echo to-a >&4; for n in %d %d %d %d; do "
		 "[ -e /proc/$$/fd/$n ] && echo extra $n; done; true",
		 leak, a[1] > 4 ? a[1] : leak, b[1] > 4 ? b[1] : leak, a[0] > 4 ? a[0] : leak);
	spec = sh_spec(script);
	spec.pass_fds = pass;
	spec.npass_fds = 2;
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 0);
	assert_null(strstr(seen.out, "extra"));
	close(a[1]);
	close(b[1]);
	n = read(b[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "to-b\n");
	n = read(a[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "to-a\n");
	close(a[0]);
	close(b[0]);
	close(leak);
	loop_free(l);
}

/* What fails before exec is said on stderr, status 126. */
static void test_before_exec(void **state)
{
	char *missing_argv[] = { (char *)"/nonexistent/croft-tool", (char *)"-x", NULL };
	char *dir = tl_tmpdir("jobexec"), *here = tl_path(dir, "here"), *gone = tl_path(dir, "gone");
	const char *rd[] = { here, gone, NULL }, *wr[] = { here, NULL };
	struct job_exec_spec spec = { .argv = missing_argv };
	struct loop *l = loop_new();
	struct tl_exec_seen seen;

	(void)state;
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 126);
	assert_string_equal(seen.err, "cannot run /nonexistent/croft-tool: No such file or directory\n");

	tl_write_file_or_fail(here, "x");
	spec = sh_spec("echo ran");
	spec.user = "tester";
	spec.check_read = rd;
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 126);
	assert_string_equal(seen.out, "");
	tl_assert_contains(seen.err, "/bin/sh runs as user tester, which cannot read ");
	tl_assert_contains(seen.err, gone);

	spec.check_read = NULL;
	spec.check_write = wr;
	spec.who = "qemu-img";
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 0);
	assert_string_equal(seen.out, "ran\n");
	assert_int_equal(chmod(here, 0444), 0);
	if (geteuid() != 0) {             /* root may write anyway */
		run(l, &spec, &seen);
		assert_int_equal(seen.status, 126);
		tl_assert_contains(seen.err, "qemu-img runs as user tester, which cannot write ");
	}
	loop_free(l);
	assert_int_equal(tl_rmtree(dir), 0);
	free(gone);
	free(here);
	free(dir);
}

/* A "Name:\tA\tB..." line of /proc/self/status in out, as "A B ...". */
static char *status_line(const char *out, const char *name)
{
	const char *p = strstr(out, name), *e;
	char *line;
	size_t i;

	if (!p)
		fail_msg("no %s line in %s", name, out);
	p += strlen(name);
	e = strchr(p, '\n');
	line = strndup(p, e ? (size_t)(e - p) : strlen(p));
	for (i = 0; line[i]; i++)
		if (line[i] == '\t')
			line[i] = ' ';
	return line;
}

/* The "Name:" line of /proc/self/status in out is want. */
static void assert_status(const char *out, const char *name, const char *want)
{
	char *line = status_line(out, name);

	assert_string_equal(line, want);
	free(line);
}

/* As root (called by test_creds): split creds make the child's effective
 * (and fs) ids the user's, its real ids nobody's, so it is not dumpable;
 * a file only the user may read passes the check before exec.  Without
 * split the same creds set every id. */
static void creds_split(struct loop *l)
{
	static const gid_t groups[] = { 23457, 23458 };
	struct job_exec_creds creds = { .uid = 12345, .gid = 23456, .groups = groups,
					.ngroups = 2, .split = 1, .ruid = 65534, .rgid = 65534 };
	char *argv[] = { (char *)"cat", (char *)"/proc/self/status", NULL };
	struct job_exec_spec spec = { .argv = argv, .user = "tester", .creds = &creds };
	const char *check[2] = { NULL, NULL };
	char *dir, *mine, *line;
	struct tl_exec_seen seen;

	dir = tl_tmpdir("job-exec-split");
	assert_int_equal(chmod(dir, 0755), 0);
	mine = tl_path(dir, "mine");
	assert_int_equal(tl_write_file(mine, "x"), 0);
	assert_int_equal(chown(mine, 12345, 23456), 0);
	assert_int_equal(chmod(mine, 0600), 0);
	check[0] = mine;
	spec.check_read = check;
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 0);
	/* exec copies the effective ids into the saved ones (execve(2)) */
	assert_status(seen.out, "\nUid:", " 65534 12345 12345 12345");
	assert_status(seen.out, "\nGid:", " 65534 23456 23456 23456");
	line = status_line(seen.out, "\nGroups:");
	tl_assert_contains(line, "23457 23458");
	free(line);
	/* the same user without split: every id is theirs */
	creds.split = 0;
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 0);
	assert_status(seen.out, "\nUid:", " 12345 12345 12345 12345");
	assert_status(seen.out, "\nGid:", " 23456 23456 23456 23456");
	/* the check before exec is made with the effective ids: nobody's
	 * rights do not pass for the user's */
	creds.split = 1;
	creds.uid = 65533;
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 126);
	tl_assert_contains(seen.err, "cat runs as user tester, which cannot read ");
	assert_int_equal(tl_rmtree(dir), 0);
	free(mine);
	free(dir);
}

/* As root: the child becomes the given user, with only the given groups. */
static void test_creds(void **state)
{
	static const gid_t groups[] = { 65534 };
	struct job_exec_creds creds = { .uid = 65534, .gid = 65534, .groups = groups, .ngroups = 1 };
	struct job_exec_spec spec = sh_spec("id -u; id -g; id -G");
	struct loop *l;
	struct tl_exec_seen seen;

	(void)state;
	if (geteuid() != 0)
		skip();
	l = loop_new();
	spec.creds = &creds;
	spec.user = "nobody";
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 0);
	assert_string_equal(seen.out, "65534\n65534\n65534\n");
	creds_split(l);
	loop_free(l);
}

/* spec runs its course plain (its output, or its complaint when it fails,
 * says plain_says) and fails confined, saying confined_says. */
static void confined_fails(struct loop *l, struct job_exec_spec spec, const char *plain_says,
			   const char *confined_says)
{
	struct tl_exec_seen seen;

	run(l, &spec, &seen);
	tl_assert_contains(seen.status ? seen.err : seen.out, plain_says);
	spec.confine = 1;
	run(l, &spec, &seen);
	assert_int_not_equal(seen.status, 0);
	tl_assert_contains(seen.err, confined_says);
}

/* The confining filter: exec and threads work, a second process or a
 * socket does not, and the filter outlives exec. */
static void test_confine(void **state)
{
	struct job_exec_spec spec = sh_spec("exec cat /proc/self/status");
	char *bash_argv[] = { (char *)"bash", (char *)"-c",
			      (char *)"exec 3<>/dev/tcp/127.0.0.1/9", NULL };
	struct loop *l = loop_new();
	struct tl_exec_seen seen;
	char script[512], *dir;

	(void)state;
	spec.confine = 1;
	run(l, &spec, &seen);
	assert_int_equal(seen.status, 0);
	assert_status(seen.out, "\nSeccomp:", " 2");
	assert_status(seen.out, "\nNoNewPrivs:", " 1");
	/* a pipeline forks; a hard link; a socket is refused before it
	 * connects anywhere */
	confined_fails(l, sh_spec("true | true; echo went on"), "went on", "fork");
	dir = tl_tmpdir("job-exec-confine");
	snprintf(script, sizeof(script), ": > %s/b && exec ln -f -- %s/b %s/c", dir, dir, dir);
	confined_fails(l, sh_spec(script), "", "Operation not permitted");
	/* the plain run made it */
	snprintf(script, sizeof(script), "%s/c", dir);
	assert_int_equal(access(script, F_OK), 0);
	assert_int_equal(tl_rmtree(dir), 0);
	free(dir);
	confined_fails(l, (struct job_exec_spec){ .argv = bash_argv }, "Connection refused",
		       "Operation not permitted");
	loop_free(l);
}

static void test_kill(void **state)
{
	struct loop *l = loop_new();
	struct job_exec_spec spec = sh_spec("echo started; exec sleep 30");
	struct tl_exec_seen seen = { 0 };
	struct job_exec *x;
	char msg[256];
	struct job_exec_result res = { .status = 143, .signal = SIGTERM, .out = "", .err = "" };

	(void)state;
	x = start(l, &spec, &seen);
	assert_true(alive(job_exec_pid(x)));
	assert_int_equal(job_exec_kill(x, 0), 0);
	assert_int_equal(job_exec_kill(x, SIGTERM), 0);
	TL_PUMP_UNTIL(l, seen.calls == 1, 10000);
	assert_int_equal(seen.signal, SIGTERM);
	assert_int_equal(seen.status, 128 + SIGTERM);
	assert_int_equal(job_exec_failure(&res, "sleep", msg, sizeof(msg)), 1);
	assert_string_equal(msg, "sleep was killed by signal 15 (Terminated)");
	loop_free(l);
}

/* Abandoned: no callback, yet the child is reaped once it exits. */
static void test_abandon(void **state)
{
	struct loop *l = loop_new();
	struct job_exec_spec spec = sh_spec("exec sleep 0.2");
	struct tl_exec_seen seen = { 0 };
	struct job_exec *x;
	char path[64];
	pid_t pid;

	(void)state;
	x = start(l, &spec, &seen);
	pid = job_exec_pid(x);
	job_exec_abandon(x);
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	TL_PUMP_UNTIL(l, access(path, F_OK) < 0, 10000);
	assert_int_equal(seen.calls, 0);
	loop_free(l);
}

/* Shutdown: killed, waited for and reaped before job_exec_stop returns. */
static void test_stop(void **state)
{
	struct loop *l = loop_new();
	struct job_exec_spec spec = sh_spec("exec sleep 30");
	struct tl_exec_seen seen = { 0 };
	struct job_exec *x;
	char path[64];
	uint64_t t0;

	(void)state;
	x = start(l, &spec, &seen);
	snprintf(path, sizeof(path), "/proc/%d", (int)job_exec_pid(x));
	t0 = loop_now_ms();
	job_exec_stop(x, 5000);
	assert_true(loop_now_ms() - t0 < 4000);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(seen.calls, 0);
	loop_free(l);
}

/* A job's child dies with croftd, even by SIGKILL; QEMU's does not. */
static void test_die_with_croftd(void **state)
{
	int p[2], die;

	(void)state;
	for (die = 1; die >= 0; die--) {
		pid_t helper, child = 0;
		int status;

		assert_int_equal(pipe(p), 0);
		helper = fork();
		assert_true(helper >= 0);
		if (helper == 0) {
			/* A stand-in croftd: starts the child, then dies. */
			struct loop *l = loop_new();
			struct job_exec_spec spec = sh_spec("exec sleep 30");
			struct job_exec *x;
			char err[256];

			spec.die_with_croftd = die;
			if (!l || job_exec_start(l, &spec, NULL, NULL, &x, err, sizeof(err)) < 0)
				_exit(1);
			/* Dying before the child's prctl is covered too: the
			 * child then sees it has a new parent. */
			child = job_exec_pid(x);
			if (write(p[1], &child, sizeof(child)) != sizeof(child))
				_exit(1);
			kill(getpid(), SIGKILL);
		}
		close(p[1]);
		assert_int_equal(read(p[0], &child, sizeof(child)), sizeof(child));
		close(p[0]);
		assert_int_equal(waitpid(helper, &status, 0), helper);
		assert_true(WIFSIGNALED(status));
		if (die) {
			int i;

			for (i = 0; i < 500 && alive(child); i++)
				usleep(10000);
			assert_false(alive(child));
		} else {
			usleep(200000);
			assert_true(alive(child));
			kill(child, SIGKILL);
		}
	}
}

static void test_run_sync(void **state)
{
	struct job_exec_spec spec = sh_spec("printf 'QEMU emulator version 7.2.19'; echo no >&2; exit 2");
	struct job_exec_result res;
	char err[256];

	(void)state;
	assert_int_equal(job_exec_run_sync(&spec, &res, err, sizeof(err)), 0);
	assert_int_equal(res.status, 2);
	assert_string_equal(res.out, "QEMU emulator version 7.2.19");
	assert_int_equal(res.out_len, 28);
	assert_string_equal(res.err, "no\n");
	job_exec_result_clear(&res);
	assert_null(res.out);
}

/* ---- scripted children (the seam) ---------------------------------------- */

static void test_seam_faults(void **state)
{
	struct tl_exec_fake fake = { .spawn_errno = EAGAIN };
	struct job_exec_spec spec = sh_spec("not run");
	struct loop *l = loop_new();
	struct tl_exec_seen seen = { 0 };
	struct job_exec_result res;
	struct job_exec *x = (struct job_exec *)&fake;
	char err[256] = "";

	(void)state;
	tl_exec_fake_install(&fake);
	assert_int_equal(job_exec_start(l, &spec, tl_exec_record, &seen, &x, err, sizeof(err)),
			 -EAGAIN);
	assert_null(x);
	assert_string_equal(err, "fork: Resource temporarily unavailable");
	assert_int_equal(job_exec_run_sync(&spec, &res, err, sizeof(err)), -EAGAIN);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(seen.calls, 0);

	fake.spawn_errno = 0;
	fake.status = 1;
	fake.out = "partial";
	fake.err = "qemu-img: Could not open 'x': No such file or directory\n";
	run(l, &spec, &seen);
	assert_int_equal(fake.calls, 3);
	assert_string_equal(fake.argv[2], "not run");
	assert_int_equal(seen.status, 1);
	assert_string_equal(seen.out, "partial");
	tl_assert_contains(seen.err, "Could not open 'x'");

	/* Hanging until killed; a SIGTERM it ignores does not end it. */
	fake.hang = 1;
	fake.ignore_term = 1;
	x = start(l, &spec, &seen);
	assert_int_equal(job_exec_kill(x, SIGTERM), 0);
	assert_int_equal(loop_run_once(l, 20) >= 0, 1);
	assert_int_equal(seen.calls, 0);
	assert_int_equal(job_exec_kill(x, SIGKILL), 0);
	TL_PUMP_UNTIL(l, seen.calls == 1, 2000);
	assert_int_equal(seen.signal, SIGKILL);
	assert_int_equal(fake.last_signal, SIGKILL);
	tl_exec_fake_remove();
	loop_free(l);
}

static void test_failure_messages(void **state)
{
	static const struct {
		int status, signal;
		const char *out, *err, *want;
	} cases[] = {
		{ 0, 0, "fine", "warning\n", NULL },
		{ 1, 0, "", "\n  qemu-img: x: No space left on device\r\n\n", "qemu-img: x: No space left on device" },
		{ 1, 0, "", "first\nsecond\n\nthird\n", "first second third" },
		{ 1, 0, "said on stdout\n", "", "said on stdout" },
		{ 3, 0, "", " \n", "tool failed with status 3" },
		{ 137, SIGKILL, "", "", "tool was killed by signal 9 (Killed)" },
		{ 143, SIGTERM, "", "half done\n", "tool was killed by signal 15 (Terminated): half done" },
	};
	char msg[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct job_exec_result res = {
			.status = cases[i].status, .signal = cases[i].signal,
			.out = (char *)cases[i].out, .out_len = strlen(cases[i].out),
			.err = (char *)cases[i].err, .err_len = strlen(cases[i].err),
		};

		strcpy(msg, "untouched");
		assert_int_equal(job_exec_failure(&res, "tool", msg, sizeof(msg)), cases[i].want != NULL);
		assert_string_equal(msg, cases[i].want ? cases[i].want : "untouched");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_capture_big_and_bounded),
		cmocka_unit_test(test_output_fd),
		cmocka_unit_test(test_child_environment),
		cmocka_unit_test(test_pass_fds),
		cmocka_unit_test(test_before_exec),
		cmocka_unit_test(test_creds),
		cmocka_unit_test(test_confine),
		cmocka_unit_test(test_kill),
		cmocka_unit_test(test_abandon),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_die_with_croftd),
		cmocka_unit_test(test_run_sync),
		cmocka_unit_test(test_seam_faults),
		cmocka_unit_test(test_failure_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
