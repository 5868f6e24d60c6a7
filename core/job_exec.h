/*
 * Child processes: the one place croftd forks and execs.  A child is
 * described by a job_exec_spec (argv, the user to become, what to check as
 * that user before exec, where its output goes), started without waiting,
 * and watched on the loop through a pidfd: when it exits, job_exec reaps it
 * (never with a blocking waitpid), reads what is left in its pipes and
 * calls back once with its status and output.
 *
 * The parent never waits for the child, not even for its exec: whatever
 * goes wrong in the child before exec (switching user, a file the user
 * cannot open, a missing program) is printed on the child's stderr and the
 * child exits with status 126, so it reaches the caller like any other
 * failure of the program.  job_exec_start() itself fails only when no child
 * could be made (pipe, fork, pidfd).
 *
 * Starting, reaping and signalling go through job_exec_seam, so unit tests
 * can script children that fail to fork, exit with a given status and
 * output, or run until killed (tests/unit/testlib.h).
 */
#ifndef CROFT_JOB_EXEC_H
#define CROFT_JOB_EXEC_H

#include <stddef.h>
#include <sys/types.h>

struct loop;
struct job_exec;

/* Where a child's stdout or stderr goes. */
enum job_exec_io {
	JOB_EXEC_CAPTURE,        /* a bounded buffer handed to the exit callback */
	JOB_EXEC_NULL,           /* /dev/null */
	JOB_EXEC_FD,             /* a pipe whose nonblocking read end the caller takes */
};

/* Output kept per captured stream unless the spec says otherwise; more is
 * read and dropped. */
#define JOB_EXEC_CAPTURE_MAX (1u << 20)

/*
 * The user a child becomes.  With split set, only its effective (and so
 * file-system) ids are uid and gid: its real ids are ruid and rgid
 * (setresuid(ruid, uid, ruid); exec then copies the effective ids into
 * the saved ones).  It opens files with the user's rights, but the kernel
 * makes it non-dumpable at exec (euid != ruid) and ptrace access needs the
 * real id to match too, so that user can neither ptrace it nor read its
 * /proc files (fd, environ, mem); it can become no one but ruid or uid.
 * The user (and ruid) may still signal it: kill(2) matches the saved id.
 * A shell drops such an euid: exec the program directly.
 */
struct job_exec_creds {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
	int split;
	uid_t ruid;              /* with split: the real and saved uid */
	gid_t rgid;              /* with split: the real and saved gid */
};

struct job_exec_spec {
	char *const *argv;               /* argv[0] is looked up in PATH */
	const char *user;                /* who the child runs as, for messages */
	const struct job_exec_creds *creds;  /* become this user; NULL: stay croftd */
	int no_new_privs;
	/* job_confine.h's seccomp filter: threads but no other process, no
	 * socket, so the child's descriptors end with it (sets no_new_privs). */
	int confine;
	int die_with_croftd;             /* SIGKILL when croftd dies; never for QEMU */
	int new_session;                 /* setsid(): no signal from croftd's terminal */
	mode_t umask;                    /* 0 means 0077 */
	/* Checked as the child's (effective) user just before exec, each NULL-terminated
	 * (or NULL): "<who> runs as user <user>, which cannot read <path>: ..." */
	const char *who;                 /* "QEMU"; NULL: argv[0] */
	const char *const *check_read;
	const char *const *check_write;  /* read and write */
	enum job_exec_io out, err;
	int err_to_out;                  /* stderr goes where stdout goes */
	size_t capture_max;              /* 0: JOB_EXEC_CAPTURE_MAX */
	/* Descriptors the child inherits: pass_fds[i] becomes fd 3 + i in the
	 * child (without FD_CLOEXEC); every other fd above 2 is closed.  The
	 * caller keeps its own copies and closes them when it likes. */
	const int *pass_fds;
	size_t npass_fds;
	/* The passed descriptors are listening sockets handed over as systemd
	 * does (LISTEN_FDS=npass_fds, LISTEN_PID=the child's pid), as
	 * qemu-nbd takes them. */
	int listen_fds;
	/* "NAME=VALUE" strings added to the child's environment, NULL-terminated
	 * (or NULL). */
	const char *const *env;
};

/* The fd number pass_fds[i] has in the child. */
#define JOB_EXEC_PASS_FD(i) (3 + (int)(i))
#define JOB_EXEC_PASS_MAX 64            /* more fails the child's setup */

struct job_exec_result {
	int status;                      /* exit status, or 128 + the signal */
	int signal;                      /* the signal that killed it, else 0 */
	char *out;                       /* captured stdout, NUL-terminated, "" when none */
	size_t out_len;
	char *err;                       /* captured stderr, likewise */
	size_t err_len;
};

/* Runs once when the child has exited.  res and x are valid during the
 * call only: x is freed when the callback returns. */
typedef void (*job_exec_done_fn)(struct job_exec *x, const struct job_exec_result *res,
				 void *data);

/* Start spec's program.  0 with *out the running child (the callback then
 * runs exactly once, later), or -errno with err set ("fork: ...") and no
 * child. */
int job_exec_start(struct loop *l, const struct job_exec_spec *spec, job_exec_done_fn done,
		   void *data, struct job_exec **out, char *err, size_t errlen);
pid_t job_exec_pid(const struct job_exec *x);
/* The read end of a JOB_EXEC_FD stream (1: stdout, 2: stderr), now the
 * caller's to read and close; -EBADF when there is none or it was taken. */
int job_exec_take_fd(struct job_exec *x, int stream);
/* Signal the child: 0, or -ESRCH once it has exited. */
int job_exec_kill(struct job_exec *x, int sig);
/* No callback any more; the child runs on and is reaped on the loop when it
 * exits (or by init, if croftd exits first).  x is gone for the caller. */
void job_exec_abandon(struct job_exec *x);
/* For croftd's shutdown: SIGKILL the child, wait at most wait_ms for it to
 * die, reap it and free x, without a callback.  Blocks the caller. */
void job_exec_stop(struct job_exec *x, int wait_ms);

/* Run spec to completion, blocking the caller: only for croftd's startup,
 * before its loop runs (qemu --version), and for the synchronous pool calls
 * that the vm.create handler still makes.  0 with *res filled (free it with
 * job_exec_result_clear), or -errno with err set. */
int job_exec_run_sync(const struct job_exec_spec *spec, struct job_exec_result *res,
		      char *err, size_t errlen);
void job_exec_result_clear(struct job_exec_result *res);

/* 0 when res is a clean exit; otherwise 1 with msg describing the failure
 * for a person: the child's stderr (or stdout) on one line when it said
 * something, else "<what> failed with status N" or "<what> was killed by
 * signal N (<name>)". */
int job_exec_failure(const struct job_exec_result *res, const char *what, char *msg,
		     size_t len);

/* --- the seam ------------------------------------------------------------- */

struct job_exec_proc {
	pid_t pid;
	int pidfd;                       /* readable once the process has exited */
	int wstatus;                     /* waitpid's status, set by reap */
};

struct job_exec_seam {
	/* Start spec's program with stdin, stdout and stderr on fds[0..2]
	 * (borrowed: the caller closes them afterwards).  0 with p->pid and
	 * p->pidfd set, or -errno with err set and nothing left running. */
	int (*spawn)(const struct job_exec_spec *spec, const int fds[3],
		     struct job_exec_proc *p, char *err, size_t errlen);
	/* p->pidfd is readable: 0 with p->wstatus set, -EAGAIN when it has
	 * not exited after all, or another -errno. */
	int (*reap)(struct job_exec_proc *p);
	int (*signal)(struct job_exec_proc *p, int sig);
};
extern const struct job_exec_seam *job_exec_seam;   /* the real one by default */

#endif
