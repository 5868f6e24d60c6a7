/*
 * uffd_probe FLAGS — the program test_uffd_shim runs with the preload
 * library (preload/croft_qemu_uffd.c): a plain program, since the library
 * cannot go into an ASan-instrumented one.  It calls syscall(2) as QEMU
 * 7.2 does and prints one line:
 *
 *   uffd=<result> errno=<errno> cloexec=<0|1> nonblock=<0|1> getpid=<ok|bad>
 *
 * cloexec and nonblock are the new descriptor's flags (0 when it failed);
 * getpid says whether syscall(SYS_getpid) went through to the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long flags = argc > 1 ? strtol(argv[1], NULL, 0) : 0, r;
	int err, cloexec = 0, nonblock = 0;

	r = syscall(SYS_userfaultfd, flags);
	err = r < 0 ? errno : 0;
	if (r >= 0) {
		cloexec = (fcntl((int)r, F_GETFD) & FD_CLOEXEC) != 0;
		nonblock = (fcntl((int)r, F_GETFL) & O_NONBLOCK) != 0;
	}
	printf("uffd=%ld errno=%d cloexec=%d nonblock=%d getpid=%s\n", r, err, cloexec, nonblock,
	       syscall(SYS_getpid) == (long)getpid() ? "ok" : "bad");
	return 0;
}
