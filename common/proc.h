/*
 * Finding our own long-running children again after a restart: a pid read
 * from the pid file the child wrote, confirmed against /proc/PID/cmdline so
 * a reused pid is never mistaken for it.  croftd does this for QEMU,
 * croft-netd for dnsmasq.  A process found (or started) is then held by a
 * pidfd, which names it for good: signals through it never reach a
 * recycled pid, and it becomes readable when the process exits.
 */
#ifndef CROFT_PROC_H
#define CROFT_PROC_H

#include <sys/types.h>

/* Read a pid (2 .. 0x3fffffff, optionally followed by a newline) from a
 * pid file.  0, -ENOENT (or another -errno of open), or -EINVAL for
 * garbage; *pid is untouched on failure. */
int proc_pidfile_read(const char *path, pid_t *pid);

/* 1 when process pid's command line has the argument arg, directly after
 * the argument after when that is not NULL; else 0 (also when pid is not
 * a process or its command line cannot be read). */
int proc_cmdline_has(pid_t pid, const char *after, const char *arg);
/* The same in the proc tree at root ("/proc"; tests: a fake one). */
int proc_cmdline_has_in(const char *root, pid_t pid, const char *after, const char *arg);

/* A close-on-exec pidfd for pid, or -errno (-ESRCH: no such process). */
int proc_pidfd_open(pid_t pid);
/* Send sig through a pidfd: 0, or -errno (-ESRCH once it has exited). */
int proc_pidfd_kill(int pidfd, int sig);

#endif
