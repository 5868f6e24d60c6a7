/*
 * Starting QEMU and finding it again.  QEMU is run with -daemonize: the
 * child croftd starts (through job_exec) is QEMU's short-lived parent,
 * which exits once the VM is set up; the daemon itself is reparented away
 * from croftd and outlives it.  The child becomes the QEMU user and first
 * checks that this user can open every file QEMU will need, so a
 * permission problem is reported by name instead of as QEMU's generic
 * failure.
 */
#ifndef CROFT_VM_SPAWN_H
#define CROFT_VM_SPAWN_H

#include "core/job_exec.h"

#include <stddef.h>
#include <sys/types.h>

struct croftd;

struct vm_spawn_files {
	const char *const *read;     /* NULL-terminated; may be NULL */
	const char *const *write;
	/* Descriptors QEMU inherits: fds[i] is fd JOB_EXEC_PASS_FD(i) in QEMU
	 * (for -add-fd and chardev fd=); croftd keeps and closes its copies. */
	const int *fds;
	size_t nfds;
};

/* Start argv as the QEMU user (umask 0027, no_new_privs, stdin /dev/null,
 * stdout and stderr captured together).  done runs when QEMU's first
 * process exits, with what it printed.  0 with *out the running child, or
 * -errno with err set ("fork: ..."). */
int vm_spawn(struct croftd *d, char *const argv[], const struct vm_spawn_files *files,
	     job_exec_done_fn done, void *data, struct job_exec **out, char *err, size_t errlen);

/* 1 when process pid is a QEMU started with "-pidfile pidfile". */
int vm_pid_is_ours(pid_t pid, const char *pidfile);

#endif
