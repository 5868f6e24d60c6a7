/*
 * Starting QEMU and finding it again.  QEMU is run with -daemonize: the
 * child croftd forks is QEMU's short-lived parent, which exits once the VM
 * is set up; the daemon itself is reparented away from croftd and outlives
 * it.  The child drops to the QEMU user before exec and first checks that
 * this user can open every file QEMU will need, so a permission problem is
 * reported by name instead of as QEMU's generic failure.
 */
#ifndef CROFT_VM_SPAWN_H
#define CROFT_VM_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

struct croftd;

struct vm_spawn_files {
	const char *const *read;     /* NULL-terminated; may be NULL */
	const char *const *write;
};

/* Fork and exec argv.  On success *pid is the child, *pidfd a pidfd for it
 * and *errfd the nonblocking read end of its stderr.  0 or -errno. */
int vm_spawn(const struct croftd *d, char *const argv[], const struct vm_spawn_files *files,
	     pid_t *pid, int *pidfd, int *errfd, char *err, size_t errlen);

/* 1 when process pid is a QEMU started with "-pidfile pidfile". */
int vm_pid_is_ours(pid_t pid, const char *pidfile);
int vm_pidfd_open(pid_t pid);
int vm_pidfd_kill(int pidfd, int sig);

#endif
