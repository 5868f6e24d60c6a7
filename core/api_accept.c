/*
 * Who gets a connection to the API socket (api_server_internal.h).  A peer
 * must pass SO_PEERCRED's check (root, croftd's own user, group croft) and
 * fit the caps: its uid's, and the total for non-root peers, root counted
 * apart.  A refused peer gets one line and lingers until it has written
 * its first request (so that write does not fail before it reads why) or
 * API_LINGER_MS have passed; at most API_LINGER_MAX linger, the rest are
 * closed at once.  Out of descriptors, the listening socket leaves the loop
 * and the server's timerfd, held from the start so that arming it needs no
 * descriptor, brings it back every API_RETRY_MS; a closing connection
 * brings it back at once.  A spare descriptor is given up while the user
 * database is read, so that a member of group croft is not taken for a
 * stranger when the descriptors run out between accept() and the check.
 */
#include "core/api_server_internal.h"
#include "core/daemon.h"
#include "core/settings.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static int out_of_fds(void)
{
	return errno == EMFILE || errno == ENFILE;
}

/* Root, croftd's own user, and members of group croft may connect: 1, 0
 * with why set, or -EMFILE when the user database could not be read for
 * want of a descriptor (a member must not be told it is none). */
static int peer_allowed(struct api_server *s, const struct ucred *cr, char *why, size_t whylen)
{
	struct passwd *pw;
	gid_t groups[64];
	int ng = 64, i;

	if (cr->uid == 0 || cr->uid == geteuid())
		return 1;
	if (s->d->croft_gid != (gid_t)-1 && cr->gid == s->d->croft_gid)
		return 1;
	errno = 0;
	pw = getpwuid(cr->uid);
	if (!pw && out_of_fds())
		return -EMFILE;
	if (pw && s->d->croft_gid != (gid_t)-1) {
		errno = 0;
		if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ng) >= 0)
			for (i = 0; i < ng; i++)
				if (groups[i] == s->d->croft_gid)
					return 1;
		if (out_of_fds())
			return -EMFILE;
	}
	snprintf(why, whylen, "user %s (uid %u) is not root and not in group croft",
		 pw ? pw->pw_name : "?", (unsigned)cr->uid);
	return 0;
}

/* Within the caps?  1, or 0 with why set. */
static int peer_has_room(struct api_server *s, const struct ucred *cr, const char *user,
			 char *why, size_t whylen)
{
	const struct api_conn *c;
	unsigned mine = 0;

	for (c = s->conns; c; c = c->next)
		if (c->fd >= 0 && c->uid == cr->uid)
			mine++;
	if (cr->uid == 0 && s->nroot >= s->lim.max_root) {
		snprintf(why, whylen, "root already has %u connections to croftd (limit %u)",
			 s->nroot, s->lim.max_root);
		return 0;
	}
	if (mine >= s->lim.max_per_user) {
		snprintf(why, whylen, "%s already has %u connections to croftd (limit %u per user); "
			 "close some and try again", user, mine, s->lim.max_per_user);
		return 0;
	}
	if (cr->uid != 0 && s->nconns >= s->lim.max_conns) {
		snprintf(why, whylen, "croftd already serves %u connections (limit %u); "
			 "try again later", s->nconns, s->lim.max_conns);
		return 0;
	}
	return 1;
}

/* --- the retry and linger timer ------------------------------------------------- */

static void linger_close(struct api_server *s, struct lingerer *g)
{
	struct lingerer **pp;

	for (pp = &s->lingers; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	loop_del(s->d->loop, g->fd);
	close(g->fd);
	free(g);
	s->nlingers--;
}

static void timer_arm(struct api_server *s);

void api_accept_timer_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct api_server *s = data;
	uint64_t now = loop_now_ms(), ticks;
	struct lingerer *g, *next;

	(void)l;
	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
		return;
	s->timer_armed = 0;
	for (g = s->lingers; g; g = next) {
		next = g->next;
		if (g->deadline <= now)
			linger_close(s, g);
	}
	log_flush_repeats();
	if (s->paused)
		api_accept_resume(s);
	timer_arm(s);
}

/* Wake up in a while when a socket lingers or accepting is paused.  The
 * timerfd is the server's from the start, so arming it needs no
 * descriptor even when there are none left. */
static void timer_arm(struct api_server *s)
{
	uint64_t ms = s->paused ? API_RETRY_MS : API_LINGER_MS;
	struct itimerspec its = { .it_value = { (time_t)(ms / 1000),
						(long)(ms % 1000) * 1000000 } };

	if (s->timer_armed || (!s->lingers && !s->paused) || s->stopping)
		return;
	if (timerfd_settime(s->tfd, 0, &its, NULL) == 0)
		s->timer_armed = 1;
}

/* Out of descriptors: stop accepting until one is free. */
static void server_pause(struct api_server *s, int e)
{
	uint64_t now = loop_now_ms();

	if (s->paused)
		return;
	loop_del(s->d->loop, s->fd);
	s->paused = 1;
	s->pauses++;
	if (!s->pause_logged || now - s->pause_logged >= 60000) {
		log_warn("API socket: cannot accept a connection: %s (%u open); not accepting "
			 "until one closes (%u pauses in the last minute)", strerror(e),
			 s->nconns + s->nroot, s->pauses);
		s->pause_logged = now;
		s->pauses = 0;
	}
	timer_arm(s);
}

void api_accept_resume(struct api_server *s)
{
	if (!s->paused)
		return;
	if (loop_add(s->d->loop, s->fd, EPOLLIN, api_accept_cb, s) < 0)
		return;           /* the timer tries again */
	s->paused = 0;
}

/* --- accepting ----------------------------------------------------------------------- */

static void linger_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)fd;
	(void)events;
	linger_close(((struct lingerer *)data)->srv, data);
}

/* Tell a refused peer why in one line, then close it once it has written
 * its first request (so that write does not fail before it reads why) or
 * API_LINGER_MS have passed. */
static void refuse(struct api_server *s, int cfd, const char *code, const char *why)
{
	json_t *msg = api_req_reply_err(NULL, code, why);
	char *line = json_dumps(msg, JSON_COMPACT);
	struct lingerer *g;

	json_decref(msg);
	if (line) {
		size_t n = strlen(line);

		line[n] = '\n';     /* over the NUL: sent by length */
		if (send(cfd, line, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("could not tell a refused peer why: %s", strerror(errno));
		free(line);
	}
	shutdown(cfd, SHUT_WR);
	if (s->nlingers >= API_LINGER_MAX) {
		close(cfd);
		return;
	}
	g = xcalloc(1, sizeof(*g));
	g->srv = s;
	g->fd = cfd;
	g->deadline = loop_now_ms() + API_LINGER_MS;
	if (loop_add(s->d->loop, cfd, EPOLLIN, linger_cb, g) < 0) {
		close(cfd);
		free(g);
		return;
	}
	g->next = s->lingers;
	s->lingers = g;
	s->nlingers++;
	timer_arm(s);
}

static void peer_name(const struct ucred *cr, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(cr->uid);

	if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %u", (unsigned)cr->uid);
}

static void spare_take(struct api_server *s)
{
	if (s->spare < 0)
		s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void spare_release(struct api_server *s)
{
	if (s->spare >= 0)
		close(s->spare);
	s->spare = -1;
}

void api_accept_init(struct api_server *s)
{
	s->spare = -1;
	spare_take(s);
}

void api_accept_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct api_server *s = data;
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	char why[256], user[64];
	int cfd, r;

	(void)l;
	(void)events;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			server_pause(s, errno);
		else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("accept on API socket: %s", strerror(errno));
		return;
	}
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0) {
		log_warn("SO_PEERCRED: %s", strerror(errno));
		close(cfd);
		return;
	}
	spare_release(s);
	r = peer_allowed(s, &cr, why, sizeof(why));
	if (r > 0)
		peer_name(&cr, user, sizeof(user));
	spare_take(s);
	if (r < 0) {
		refuse(s, cfd, PROTO_E_BUSY, "croftd is out of file descriptors; try again later");
		server_pause(s, -r);
		return;
	}
	if (r == 0) {
		log_warn("refused API connection from pid %d: %s", (int)cr.pid, why);
		refuse(s, cfd, PROTO_E_PERMISSION, why);
		return;
	}
	if (!peer_has_room(s, &cr, user, why, sizeof(why))) {
		s->refused_busy++;
		log_warn("refused API connection from pid %d: %s", (int)cr.pid, why);
		refuse(s, cfd, PROTO_E_BUSY, why);
		return;
	}
	api_conn_open(s, cfd, &cr, user);
}

void api_limits_read(struct croftd *d, struct api_limits *lim)
{
	lim->max_conns = (unsigned)settings_int(d->store, "api-max-conns",
						API_MAX_CONNS_DEFAULT, 1, 65536);
	lim->max_per_user = (unsigned)settings_int(d->store, "api-max-conns-per-user",
						   API_MAX_CONNS_PER_USER_DEFAULT, 1, 65536);
	lim->max_root = (unsigned)settings_int(d->store, "api-max-conns-root",
					       API_MAX_CONNS_ROOT_DEFAULT, 1, 65536);
	lim->out_max = (size_t)settings_int(d->store, "api-out-max-bytes",
					    API_OUT_MAX_DEFAULT, 65536, (int64_t)1 << 32);
	lim->out_total = (size_t)settings_int(d->store, "api-out-total-bytes",
					      API_OUT_TOTAL_DEFAULT, 65536, (int64_t)1 << 36);
	if (lim->out_total < lim->out_max)
		lim->out_total = lim->out_max;
}

void api_accept_stop(struct api_server *s)
{
	while (s->lingers)
		linger_close(s, s->lingers);
	spare_release(s);
}
