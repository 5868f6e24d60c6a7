/*
 * The copy steps (job_vol_copy.h): one qemu-img convert, fed by an NBD
 * server beside it when the two sides belong to different users (export),
 * or alone with split credentials (import).  Progress comes from
 * qemu-img -p's stdout, read on the loop as it arrives; the newest figure
 * in its buffer counts, and resets the stall clock.
 */
#include "core/job_vol_copy.h"
#include "core/daemon.h"
#include "core/job_exec.h"
#include "core/job_vol_import.h"
#include "core/settings.h"
#include "core/vol_probe.h"
#include "common/loop.h"
#include "common/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define TICK_MS 250
#define SERVER_ERR_MAX 8192
/*
 * qemu-nbd allocates each request's buffer and frees it with the reply.
 * glibc serves a 2 MiB buffer by mmap, or from the heap top it then trims,
 * so every request faulted in and zeroed fresh pages: half the server's CPU
 * time in a 1 GiB import (perf).  A fixed threshold keeps them in the heap.
 */
static const char *const server_env[] = {
	"GLIBC_TUNABLES=glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456",
	NULL,
};

#define NBD_SOURCE "json:{\"driver\":\"raw\",\"file\":{\"driver\":\"nbd\",\"server\":{\"type\":\"fd\",\"str\":\"3\"}}}"

/* --- time limits and progress ------------------------------------------------------ */

/* The pool side's file grew since the last look. */
static int grew(struct vol_copy *v)
{
	struct stat st;
	uint64_t have;

	if (!v->grow[0] || lstat(v->grow, &st) < 0)
		return 0;
	have = (uint64_t)st.st_blocks * 512;
	if (have == v->grown)
		return 0;
	v->grown = have;
	return 1;
}

static void tick(struct job *j)
{
	struct vol_copy *v = job_priv(j);

	if (grew(v))
		v->elapsed_ms = 0;
	if (v->timed_out || (v->elapsed_ms += TICK_MS) < v->limit_ms)
		return;
	v->timed_out = 1;
	job_step_kill(j, SIGKILL);
}

void vol_copy_watch(struct job *j, unsigned limit_ms)
{
	struct vol_copy *v = job_priv(j);

	v->elapsed_ms = 0;
	v->limit_ms = limit_ms;
	job_poll_start(j, TICK_MS, tick);
}

static void progress_close(struct job *j)
{
	struct vol_copy *v = job_priv(j);

	if (!v->progress_fd)
		return;
	loop_del(job_daemon(j)->loop, v->progress_fd - 1);
	close(v->progress_fd - 1);
	v->progress_fd = 0;
}

static void progress_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct job *j = data;
	struct vol_copy *v = job_priv(j);
	unsigned p;
	ssize_t n;

	(void)l;
	(void)events;
	for (;;) {
		if (v->plen == sizeof(v->pbuf)) {        /* keep the newest half */
			memmove(v->pbuf, v->pbuf + sizeof(v->pbuf) / 2, sizeof(v->pbuf) / 2);
			v->plen = sizeof(v->pbuf) / 2;
		}
		n = read(fd, v->pbuf + v->plen, sizeof(v->pbuf) - v->plen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		v->plen += (size_t)n;
	}
	if (vol_progress_parse(v->pbuf, v->plen, &p) && p != v->per10000) {
		v->per10000 = p;
		v->elapsed_ms = 0;
		job_progress(j, v->total / 10000 * p + v->total % 10000 * p / 10000, v->total);
	}
	if (n == 0 || (n < 0 && errno != EAGAIN))
		progress_close(j);
}

/* --- the NBD server ------------------------------------------------------------------ */

static void server_exited(struct job_exec *x, const struct job_exec_result *res, void *data)
{
	struct job *j = data;
	struct vol_copy *v = job_priv(j);
	char msg[1024];

	(void)x;
	v->server = NULL;
	if (job_exec_failure(res, "qemu-nbd", msg, sizeof(msg)))
		v->server_err = xstrdup(msg);
}

static void server_stop(struct job *j)
{
	struct vol_copy *v = job_priv(j);

	if (v->server) {
		job_exec_kill(v->server, SIGKILL);
		job_exec_abandon(v->server);
		v->server = NULL;
	}
	free(v->server_err);
	v->server_err = NULL;
}

/* A listening socket (*lfd) with croftd's connection to it (*cfd) queued,
 * its name gone before anyone else could connect. */
static int nbd_sockets(struct job *j, int *lfd, int *cfd, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int rc;

	*lfd = *cfd = -1;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/nbd-%lld.sock",
			     job_daemon(j)->run_dir, (long long)job_id(j)) >= sizeof(sa.sun_path)) {
		err_set(err, errlen, "run directory %s is too long for a socket", job_daemon(j)->run_dir);
		return -ENAMETOOLONG;
	}
	unlink(sa.sun_path);
	*lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	*cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*lfd < 0 || *cfd < 0)
		goto fail;
	/* mode 0600: only croftd's user may connect while the name exists */
	old = umask(0177);
	rc = bind(*lfd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0)
		goto fail;
	if (listen(*lfd, 1) < 0 || connect(*cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		unlink(sa.sun_path);
		errno = -rc;
		goto fail;
	}
	unlink(sa.sun_path);
	return 0;
fail:
	rc = -errno;
	err_set(err, errlen, "cannot make a socket for the copy: %s", strerror(errno));
	if (*lfd >= 0)
		close(*lfd);
	if (*cfd >= 0)
		close(*cfd);
	*lfd = *cfd = -1;
	return rc;
}

void vol_copy_convert_argv(struct job *j, char **argv, const char *src_driver,
			   const char *src, const char *driver, const char *dst, char *rate)
{
	int64_t r = settings_int(job_daemon(j)->store, VOL_IO_RATE_SETTING, 0, 0, INT64_MAX);
	size_t n = 0;

	argv[n++] = "qemu-img";
	argv[n++] = "convert";
	argv[n++] = "-p";
	argv[n++] = "-W";
	if (r > 0) {
		snprintf(rate, 32, "%lld", (long long)r);
		argv[n++] = "-r";
		argv[n++] = rate;
	}
	if (src) {
		argv[n++] = "-f";
		argv[n++] = (char *)src_driver;
	}
	argv[n++] = "-O";
	argv[n++] = (char *)driver;
	argv[n++] = src ? (char *)src : NBD_SOURCE;
	argv[n++] = (char *)dst;
	argv[n] = NULL;
}

/* How long the copy may show no progress (see vol_copy_start). */
static unsigned stall_ms(struct job *j, uint64_t total)
{
	int64_t r = settings_int(job_daemon(j)->store, VOL_IO_RATE_SETTING, 0, 0, INT64_MAX);
	uint64_t rate = r > 0 && (uint64_t)r < VOL_IO_MIN_RATE ? (uint64_t)r : VOL_IO_MIN_RATE;
	uint64_t ms = total / 100 / rate * 1000;

	return ms > VOL_IO_STALL_MS ? (ms > UINT32_MAX ? UINT32_MAX : (unsigned)ms)
				    : VOL_IO_STALL_MS;
}

/* The NBD server for client, on a socket pair croftd made. */
static int server_start(struct job *j, struct job_exec_spec *server,
			struct job_exec_spec *client, int *cfd, char *err, size_t errlen)
{
	struct vol_copy *v = job_priv(j);
	int lfd, rc;

	if ((rc = nbd_sockets(j, &lfd, cfd, err, errlen)) < 0)
		return rc;
	server->pass_fds = &lfd;
	server->npass_fds = 1;
	server->listen_fds = 1;
	server->env = server_env;
	server->out = JOB_EXEC_NULL;
	server->capture_max = SERVER_ERR_MAX;
	rc = job_exec_start(job_daemon(j)->loop, server, server_exited, j, &v->server, err, errlen);
	close(lfd);
	if (rc < 0) {
		close(*cfd);
		*cfd = -1;
		return rc;
	}
	client->pass_fds = cfd;
	client->npass_fds = 1;
	return 0;
}

int vol_copy_start(struct job *j, struct job_exec_spec *server, struct job_exec_spec *client,
		   const char *grow, job_exec_step_fn done, char *err, size_t errlen)
{
	struct vol_copy *v = job_priv(j);
	int cfd = -1, rc, fd;

	snprintf(v->grow, sizeof(v->grow), "%s", grow ? grow : "");
	v->grown = 0;
	if (server && (rc = server_start(j, server, client, &cfd, err, errlen)) < 0)
		return rc;
	client->out = JOB_EXEC_FD;
	rc = job_step_exec(j, client, done, err, errlen);
	if (cfd >= 0)
		close(cfd);
	if (rc < 0) {
		server_stop(j);
		return rc;
	}
	fd = job_step_take_fd(j, 1);
	if (fd >= 0 && loop_add(job_daemon(j)->loop, fd, EPOLLIN, progress_cb, j) == 0)
		v->progress_fd = fd + 1;
	else if (fd >= 0)
		close(fd);
	vol_copy_watch(j, stall_ms(j, v->total));
	job_progress(j, 0, v->total);
	return 0;
}

void vol_copy_stop(struct job *j)
{
	progress_close(j);
	server_stop(j);
}

void vol_copy_cancel(struct job *j)
{
	struct vol_copy *v = job_priv(j);

	if (v->server)
		job_exec_kill(v->server, SIGTERM);
}

