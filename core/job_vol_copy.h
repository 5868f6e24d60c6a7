/*
 * The copy of the import and export kinds (job_vol_import.h), as a step
 * of the job: qemu-img convert -p, either alone (the import: one process
 * with split credentials reads the user's file and writes the pool file
 * croftd passed it), or reading from a read-only NBD server (qemu-nbd)
 * beside the job (the export: the volume as the QEMU user, the file
 * written as the user).  For the export croftd makes the socket: it binds a name (mode 0600) in its run
 * directory, listens, connects to it and removes the name before either
 * child runs; the server gets the listening descriptor as systemd hands
 * one over (LISTEN_FDS), the client the connected one ({"type":"fd"}), so
 * no other process can reach the export.  The server's glibc keeps its
 * per-request buffers in the heap (server_env in job_vol_copy.c).
 *
 * A kind whose priv begins with a struct vol_copy calls vol_copy_watch()
 * to bound each of its steps in time, vol_copy_start() for the copy, and
 * vol_copy_stop() whenever the job ends (also done), and takes
 * vol_copy_cancel as its cancel.
 */
#ifndef CROFT_JOB_VOL_COPY_H
#define CROFT_JOB_VOL_COPY_H

#include "core/job.h"

#include <stddef.h>
#include <stdint.h>

struct job_exec;
struct job_exec_spec;

struct vol_copy {
	unsigned elapsed_ms;     /* in this step, or since progress last moved */
	unsigned limit_ms;
	int timed_out;           /* the step was killed for taking too long */
	uint64_t total;          /* bytes the copy's progress counts to */
	struct job_exec *server; /* the NBD server while it runs */
	char *server_err;        /* what it said when it failed */
	int progress_fd;         /* qemu-img -p's stdout + 1; 0 when none */
	char pbuf[512];
	size_t plen;
	unsigned per10000;
	char grow[4096];         /* a file the copy writes, whose growth is progress too */
	uint64_t grown;          /* its allocated bytes at the last look */
};

/* Kill the running step once limit_ms have passed (the copy's: since its
 * progress last moved); its done then sees timed_out. */
void vol_copy_watch(struct job *j, unsigned limit_ms);

/* qemu-img convert -p -W from src (read with src_driver) or, when src is
 * NULL, from the NBD export, to dst in QEMU's format driver, capped at the
 * host setting VOL_IO_RATE_SETTING when set: into argv (14 slots); rate
 * (32 bytes) holds the figure. */
void vol_copy_convert_argv(struct job *j, char **argv, const char *src_driver,
			   const char *src, const char *driver, const char *dst, char *rate);

/* Start server (its argv, user and sandbox set; its stderr is kept; NULL:
 * none, client reads its source itself) and client (a convert command line
 * from vol_copy_convert_argv, as the job's step; done runs when it exits;
 * without a server its pass_fds are the caller's), progress over c->total.  qemu-img -p
 * speaks in steps of 1 %, so the copy is stopped when no step came for
 * VOL_IO_STALL_MS or the time 1 % takes at VOL_IO_MIN_RATE (or the rate
 * setting, if lower), whichever is longer, unless grow (a file croftd may
 * stat: the pool side's; NULL for none) kept growing meanwhile.  0, or
 * -errno with err set and nothing running. */
int vol_copy_start(struct job *j, struct job_exec_spec *server, struct job_exec_spec *client,
		   const char *grow, job_exec_step_fn done, char *err, size_t errlen);

/* Stop reading progress and kill the server, if any (it is reaped on the
 * loop). */
void vol_copy_stop(struct job *j);
/* A job_kind cancel: the server first, if any. */
void vol_copy_cancel(struct job *j);

#endif
