/*
 * croft-qemu-uffd.so: a preload library croftd puts into each VM's QEMU
 * (LD_PRELOAD) so that an unprivileged QEMU 7.2 can take RAM snapshots in
 * the background (core/vmstate.h, method "background-snapshot").
 *
 * QEMU 7.2 makes its userfaultfds with the raw system call
 * (syscall(__NR_userfaultfd, flags) in util/userfaultfd.c and
 * migration/postcopy-ram.c), which the kernel refuses to an unprivileged
 * process while vm.unprivileged_userfaultfd is 0 (Debian's default).  Linux
 * 6.1+ has /dev/userfaultfd, root's alone (0600): whoever holds an open fd
 * of it gets a userfaultfd for its own memory with the ioctl
 * USERFAULTFD_IOC_NEW, whatever the sysctl says.  croftd opens the device
 * and QEMU inherits the fd, its number in CROFT_UFFD_FD; this library turns
 * QEMU's userfaultfd() calls into that ioctl.  QEMU 8.1+ uses the device
 * by itself; this is for 7.2.
 *
 * It does nothing else.  Every other system call, and userfaultfd() when
 * CROFT_UFFD_FD is unset, not a number, or not an open fd of the
 * userfaultfd device (the same character device as /dev/userfaultfd),
 * goes to the real syscall(3).
 *
 * Built as a shared object of its own (Makefile: $(BUILD)/lib/), never
 * with the sanitizers and never linked into croftd: it runs inside QEMU.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <linux/userfaultfd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define UFFD_ENV "CROFT_UFFD_FD"
#define UFFD_DEV "/dev/userfaultfd"

typedef long (*syscall_fn)(long nr, ...);

long syscall(long nr, ...);

/* The fd CROFT_UFFD_FD names, or -1 (unset or not a number). */
static int env_fd(void)
{
	const char *s = getenv(UFFD_ENV);
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

/* 1 when fd is open on the userfaultfd device itself. */
static int is_uffd_dev(int fd)
{
	struct stat f, dev;

	return fstat(fd, &f) == 0 && S_ISCHR(f.st_mode) && stat(UFFD_DEV, &dev) == 0 &&
	       S_ISCHR(dev.st_mode) && f.st_rdev == dev.st_rdev;
}

static long real_syscall(long nr, const long a[6])
{
	static syscall_fn next;          /* QEMU's threads may race here: same value */
	syscall_fn f = __atomic_load_n(&next, __ATOMIC_RELAXED);

	if (!f) {
		f = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
		__atomic_store_n(&next, f, __ATOMIC_RELAXED);
	}
	if (!f) {
		errno = ENOSYS;
		return -1;
	}
	return f(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

long syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	int i, fd;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_userfaultfd && (fd = env_fd()) >= 0 && is_uffd_dev(fd))
		return ioctl(fd, USERFAULTFD_IOC_NEW, (int)a[0]);
	return real_syscall(nr, a);
}
