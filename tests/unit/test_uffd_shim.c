/*
 * Tests for the preload library croftd gives QEMU (preload/croft_qemu_uffd.c),
 * loaded for real into a plain program (uffd_probe, beside this binary; the
 * library is $(BUILD)/lib/croft-qemu-uffd.so) that runs as an unprivileged
 * user with the kernel's vm.unprivileged_userfaultfd at 0:
 *
 *   - with CROFT_UFFD_FD naming an inherited fd of /dev/userfaultfd, the
 *     raw syscall(SYS_userfaultfd, flags) gives a userfaultfd, its flags
 *     (O_CLOEXEC, O_NONBLOCK) passed on, and bad flags refused by the kernel;
 *   - without the variable, with a value that is not a number, or naming an
 *     fd that is not the device (/dev/null, a closed number), the call goes
 *     to the kernel, which refuses it (EPERM);
 *   - other system calls go through (syscall(SYS_getpid)).
 *
 * Needs root (the device is root's) and a kernel with /dev/userfaultfd and
 * the sysctl at 0; otherwise the tests are skipped, saying why.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534
#define CHILD_FD 7                       /* where the probe inherits the device */

static char probe[PATH_MAX], shim[PATH_MAX];

/* Why the tests cannot run here, or NULL. */
static const char *cannot_run(void)
{
	char buf[8] = "";
	FILE *f;

	if (geteuid() != 0)
		return "not root";
	if (access("/dev/userfaultfd", F_OK) < 0)
		return "no /dev/userfaultfd (Linux 6.1+)";
	f = fopen("/proc/sys/vm/unprivileged_userfaultfd", "re");
	if (!f || !fgets(buf, sizeof(buf), f))
		buf[0] = '?';
	if (f)
		fclose(f);
	if (buf[0] != '0')
		return "vm.unprivileged_userfaultfd is not 0";
	if (access(probe, X_OK) < 0 || access(shim, R_OK) < 0)
		return "uffd_probe or croft-qemu-uffd.so not built";
	return NULL;
}

static int setup(void **state)
{
	char self[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	(void)state;
	if (n <= 0)
		return -1;
	self[n] = '\0';
	dir = dirname(self);
	snprintf(probe, sizeof(probe), "%s/uffd_probe", dir);
	snprintf(shim, sizeof(shim), "%s/../lib/croft-qemu-uffd.so", dir);
	return 0;
}

#define SKIP_UNLESS_RUNNABLE()                                                        \
	do {                                                                          \
		const char *why_ = cannot_run();                                      \
		if (why_) {                                                           \
			print_message("skipped: %s\n", why_);                        \
			skip();                                                       \
		}                                                                     \
	} while (0)

/* What the probe printed. */
struct probe_out {
	long uffd;
	int err, cloexec, nonblock, getpid_ok;
};

/* Run the probe as nobody with the library preloaded, fd (if >= 0) at
 * CHILD_FD, CROFT_UFFD_FD=env (NULL: unset) and flags. */
static void run_probe(int fd, const char *env, const char *flags, struct probe_out *o)
{
	char line[256] = "", getpid_s[8] = "";
	int p[2], st;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gid_t g = NOBODY;

		if (dup2(p[1], 1) < 0 || (fd >= 0 && dup2(fd, CHILD_FD) < 0))
			_exit(120);
		if (setenv("LD_PRELOAD", shim, 1) < 0 ||
		    (env ? setenv("CROFT_UFFD_FD", env, 1) : unsetenv("CROFT_UFFD_FD")) < 0)
			_exit(121);
		if (setgroups(1, &g) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(122);
		execl(probe, probe, flags, (char *)NULL);
		_exit(123);
	}
	close(p[1]);
	n = read(p[0], line, sizeof(line) - 1);
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(n > 0);
	line[n] = '\0';
	assert_int_equal(sscanf(line, "uffd=%ld errno=%d cloexec=%d nonblock=%d getpid=%7s",
				&o->uffd, &o->err, &o->cloexec, &o->nonblock, getpid_s), 5);
	o->getpid_ok = !strcmp(getpid_s, "ok");
}

static int open_dev(void)
{
	int fd = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void test_fd_gives_userfaultfd(void **state)
{
	struct probe_out o;
	char flags[32];
	int fd;

	(void)state;
	SKIP_UNLESS_RUNNABLE();
	fd = open_dev();
	run_probe(fd, "7", "0", &o);
	assert_true(o.uffd >= 0);
	assert_int_equal(o.err, 0);
	assert_int_equal(o.cloexec, 0);
	assert_int_equal(o.nonblock, 0);
	assert_true(o.getpid_ok);
	/* QEMU 7.2 asks for O_CLOEXEC | O_NONBLOCK: both reach the kernel */
	snprintf(flags, sizeof(flags), "%d", O_CLOEXEC | O_NONBLOCK);
	run_probe(fd, "7", flags, &o);
	assert_true(o.uffd >= 0);
	assert_int_equal(o.cloexec, 1);
	assert_int_equal(o.nonblock, 1);
	/* flags the kernel does not know are its to refuse */
	run_probe(fd, "7", "0x40000", &o);
	assert_int_equal(o.uffd, -1);
	assert_int_equal(o.err, EINVAL);
	close(fd);
}

static void test_without_fd_kernel_refuses(void **state)
{
	struct probe_out o;
	int fd;

	(void)state;
	SKIP_UNLESS_RUNNABLE();
	/* no variable, though the fd is there */
	fd = open_dev();
	run_probe(fd, NULL, "0", &o);
	assert_int_equal(o.uffd, -1);
	assert_int_equal(o.err, EPERM);
	assert_true(o.getpid_ok);
	/* the variable, but nothing at that number */
	run_probe(-1, "7", "0", &o);
	assert_int_equal(o.uffd, -1);
	assert_int_equal(o.err, EPERM);
	close(fd);
}

static void test_bad_variable_forwarded(void **state)
{
	static const char *const bad[] = { "", "x7", "7x", "-7", " 7", "99999999999", NULL };
	struct probe_out o;
	int fd, i;

	(void)state;
	SKIP_UNLESS_RUNNABLE();
	fd = open_dev();
	for (i = 0; bad[i]; i++) {
		run_probe(fd, bad[i], "0", &o);
		assert_int_equal(o.uffd, -1);
		assert_int_equal(o.err, EPERM);
		assert_true(o.getpid_ok);
	}
	close(fd);
}

static void test_fd_not_the_device(void **state)
{
	struct probe_out o;
	int fd;

	(void)state;
	SKIP_UNLESS_RUNNABLE();
	/* a character device, but another one */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	run_probe(fd, "7", "0", &o);
	assert_int_equal(o.uffd, -1);
	assert_int_equal(o.err, EPERM);
	close(fd);
	/* a regular file */
	fd = open(probe, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	run_probe(fd, "7", "0", &o);
	assert_int_equal(o.uffd, -1);
	assert_int_equal(o.err, EPERM);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_gives_userfaultfd),
		cmocka_unit_test(test_without_fd_kernel_refuses),
		cmocka_unit_test(test_bad_variable_forwarded),
		cmocka_unit_test(test_fd_not_the_device),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
