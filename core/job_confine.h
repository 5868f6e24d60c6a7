/*
 * A seccomp filter for a child that holds a descriptor its user must not
 * keep (job_exec_spec.confine): the import's converter, which writes a
 * pool file with the user's rights.  The filter lets the program run
 * threads but start no other process (fork, vfork, clone without
 * CLONE_THREAD: EPERM; clone3: ENOSYS, so libc falls back to clone), make
 * no socket (socket, socketpair: EPERM), so it cannot pass a descriptor
 * over SCM_RIGHTS, and set up no io_uring (which could make sockets past
 * the filter), nor a hard link (link, linkat: EPERM; through
 * /proc/self/fd/N it would give a held file a name elsewhere on its file
 * system).  So the descriptors it holds end with it.  Another ABI on
 * the same kernel (i386, x32) is killed.
 *
 * Installed in the child after PR_SET_NO_NEW_PRIVS; exec keeps it.
 */
#ifndef CROFT_JOB_CONFINE_H
#define CROFT_JOB_CONFINE_H

/* 0, or -errno (-ENOSYS on an architecture croft has no filter for). */
int job_confine_install(void);

#endif
