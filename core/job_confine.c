/*
 * The confining seccomp filter (job_confine.h), as classic BPF: check the
 * architecture, then the syscall number, and for clone its flags.
 */
#include "core/job_confine.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
#define CONFINE_ARCH AUDIT_ARCH_X86_64
#define CONFINE_X32_BIT 0x40000000u     /* x32 syscalls share the arch */
#elif defined(__aarch64__)
#define CONFINE_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef CONFINE_ARCH

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
/* syscall nr: return v; otherwise go on */
#define DENY(nr, v) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), RET(v)

#define ERR(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

int job_confine_install(void)
{
	struct sock_filter f[] = {
		LOAD(arch),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CONFINE_ARCH, 1, 0),
		RET(SECCOMP_RET_KILL_PROCESS),
		LOAD(nr),
#ifdef CONFINE_X32_BIT
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, CONFINE_X32_BIT, 0, 1),
		RET(SECCOMP_RET_KILL_PROCESS),
#endif
#ifdef SYS_fork
		DENY(SYS_fork, ERR(EPERM)),
#endif
#ifdef SYS_vfork
		DENY(SYS_vfork, ERR(EPERM)),
#endif
		DENY(SYS_clone3, ERR(ENOSYS)),
		DENY(SYS_socket, ERR(EPERM)),
		DENY(SYS_socketpair, ERR(EPERM)),
		DENY(SYS_io_uring_setup, ERR(EPERM)),
#ifdef SYS_link
		DENY(SYS_link, ERR(EPERM)),
#endif
		DENY(SYS_linkat, ERR(EPERM)),
		/* clone: a thread of this process, or nothing */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3),
		LOAD(args[0]),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 1, 0),
		RET(ERR(EPERM)),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return -errno;
	return 0;
}

#else

int job_confine_install(void)
{
	return -ENOSYS;
}

#endif
