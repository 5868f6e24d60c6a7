/*
 * What croftd and croft-netd share about being a daemon: one instance per
 * directory (an flock'ed lock file, held for the process's life), and
 * detaching from the terminal once start-up has been reported there.
 */
#ifndef CROFT_DAEMONIZE_H
#define CROFT_DAEMONIZE_H

/*
 * Open and lock dir/file.  Returns the fd (keep it open), or -1 after
 * printing "PROG: ..." on stderr: the file cannot be opened, or another
 * process holds it ("another " busy_msg, e.g. "croftd is already using
 * /var/lib/croft").
 */
int daemon_lock(const char *prog, const char *dir, const char *file, const char *busy_msg);

/*
 * Fork; the parent exits at once, the child becomes a session leader in /
 * with stdin, stdout and stderr on /dev/null.  0 in the child or -errno.
 * epoll registrations of signalfds made before this belong to the parent:
 * register them again afterwards.
 */
int daemon_detach(void);

#endif
