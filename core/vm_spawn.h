/*
 * Starting QEMU and finding it again.  croftd forks and execs QEMU itself
 * (through job_exec, no -daemonize): QEMU is croftd's child, in a session
 * of its own so it outlives croftd, runs as its VM's uid (vm_uid.h) and
 * first checks that this user can open every file it will need, so a
 * permission problem is reported by name instead of as QEMU's generic
 * failure.  Its stdout and stderr go to a pipe croftd reads; once croftd
 * is gone a write there fails with EPIPE (QEMU ignores SIGPIPE), and
 * nothing fills a disk.
 *
 * Nothing QEMU could write is trusted.  Its QMP and serial sockets are
 * made by croftd in a root-owned directory and passed to QEMU as listening
 * fds; a connection to one is used only when SO_PEERCRED says the listener
 * is the VM's QEMU (its pid and uid; QEMU's own listen() on the passed fd
 * makes it the peer; at a start, croftd connects at once and asks its own
 * copy of the listener who listened last, once QMP answers).  After a croftd restart the QEMU of a VM is found in
 * /proc by its uid and its command line (-uuid, -name), never through a
 * pidfile.
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

/* Who QEMU runs as and where its output goes.  NULL: d's QEMU user, with
 * the output captured for done (tests). */
struct vm_spawn_as {
	const char *user;                     /* for messages */
	const struct job_exec_creds *creds;   /* NULL: stay croftd's user */
	int output_fd;                        /* stdout+stderr to a pipe the caller takes */
	const char *const *env;               /* "NAME=VALUE" added, NULL-terminated; or NULL */
};

/* Start argv (umask 0027, no_new_privs, its own session, stdin /dev/null,
 * stdout and stderr together).  done runs when QEMU exits.  0 with *out
 * the running child, or -errno with err set ("fork: ..."). */
int vm_spawn(struct croftd *d, char *const argv[], const struct vm_spawn_files *files,
	     const struct vm_spawn_as *as, job_exec_done_fn done, void *data,
	     struct job_exec **out, char *err, size_t errlen);

/* 1 when process pid in the proc tree at root ("/proc") runs as uid (real,
 * effective, saved and filesystem uid) and its command line holds
 * "-uuid UUID" and "-name NAMEARG" (qemu_cmdline_name_arg); else 0. */
int vm_qemu_match(const char *root, pid_t pid, uid_t uid, const char *uuid,
		  const char *namearg);
/* The one process under root that matches: 0 with *pid, -ENOENT when none,
 * -EEXIST when more than one does (nothing is adopted then). */
int vm_qemu_find(const char *root, uid_t uid, const char *uuid, const char *namearg,
		 pid_t *pid);

/* A listening unix socket at path (an old one is unlinked first; mode
 * 0600), close-on-exec.  0 with *fd, or -errno with err set. */
int vm_sock_listen(const char *path, int *fd, char *err, size_t errlen);
/* 1 when process pid, running as uid, has taken the listening socket lfd
 * over (its listen() was the last: SO_PEERCRED of a listening socket names
 * who listened), else 0. */
int vm_sock_listener_is(int lfd, pid_t pid, uid_t uid);
/* Connect (without blocking) to path, checking nothing: only for croftd's
 * own listener in its own directory, whose listener it then checks with
 * vm_sock_listener_is before trusting the connection.  0 with *fd, or
 * -errno with err set. */
int vm_sock_connect_queued(const char *path, int *fd, char *err, size_t errlen);
/* Connect (without blocking) to path and check the listener is process
 * pid running as uid.  0 with *fd (non-blocking); -EAGAIN when the listener
 * is still croftd's own (QEMU has not taken the socket over yet) or the
 * connection is pending; -EPERM with err when someone else listens; or
 * another -errno with err set. */
int vm_sock_connect(const char *path, pid_t pid, uid_t uid, int *fd, char *err, size_t errlen);

#endif
