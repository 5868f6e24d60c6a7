/*
 * What croftd and croft-netd share about being a daemon: the options of
 * their command line, one instance per directory (an flock'ed lock file,
 * held for the process's life), the signals that stop them (read from a
 * signalfd), and detaching from the terminal once start-up has been
 * reported there.
 */
#ifndef CROFT_DAEMONIZE_H
#define CROFT_DAEMONIZE_H

#include <signal.h>
#include <stdio.h>

/* The command line both daemons take. */
struct daemon_args {
	const char *state_dir;       /* --state-dir; NULL: the daemon takes none */
	const char *run_dir;         /* --run-dir */
	int foreground;              /* --foreground: stay, log to stderr */
	int debug;                   /* --debug: log debug messages too */
};

/*
 * Parse argv into a, which holds the defaults: --run-dir, --foreground,
 * --debug, --help, --version ("PROG VERSION"), and --state-dir when
 * a->state_dir is set.  Then log to stderr (until daemon_detach()) at the
 * level asked for.  -1 to go on, else main's exit status: 0 after --help
 * or --version, 2 after "PROG: ..." and usage on stderr.
 */
int daemon_args_parse(const char *prog, const char *version, void (*usage)(FILE *f),
		      int argc, char **argv, struct daemon_args *a);

/* Block SIGTERM, SIGINT and SIGHUP, which *mask then holds, for a
 * signalfd. */
void daemon_block_signals(sigset_t *mask);
/* The number of the next signal the signalfd fd reports, 0 if none. */
int daemon_signal_read(int fd);

/*
 * Open and lock dir/file.  Returns the fd (keep it open), or -1 after
 * printing "PROG: ..." on stderr: the file cannot be opened, or another
 * process holds it ("another " busy_msg, e.g. "croftd is already using
 * /var/lib/croft").
 */
int daemon_lock(const char *prog, const char *dir, const char *file, const char *busy_msg);

/*
 * Unless a->foreground: fork; the parent exits at once, the child becomes
 * a session leader in / with stdin, stdout and stderr on /dev/null and
 * logs to syslog as prog.  0 (in the child), or -errno after logging why.
 * epoll registrations of signalfds made before this belong to the parent:
 * register them again afterwards.
 */
int daemon_detach(const char *prog, const struct daemon_args *a);

/* Tell systemd (Type=notify: READY=1 with status as its STATUS line) that
 * start-up is done, or (on the way out) that the daemon is stopping;
 * nothing where NOTIFY_SOCKET is unset (daemon_notify.c, libsystemd). */
void daemon_notify_ready(const char *status);
void daemon_notify_stopping(void);

#endif
