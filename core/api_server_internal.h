/*
 * The API server's insides, shared by its two files: api_server.c (the
 * connections: framing, dispatch, output and its caps) and api_accept.c
 * (who gets a connection: the peer check, the connection caps, refusals,
 * pausing on EMFILE and the timer that resumes).  Nothing else includes
 * this.
 */
#ifndef CROFT_API_SERVER_INTERNAL_H
#define CROFT_API_SERVER_INTERNAL_H

#include "core/api_server.h"
#include "common/proto.h"

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct loop;

#define API_LINGER_MAX 32     /* refused sockets kept until their peer writes */
#define API_LINGER_MS 2000
#define API_RETRY_MS 1000         /* accept again this long after EMFILE */

struct out_chunk {
	char *buf;
	size_t len, off;
	int fd;                   /* passed with the chunk's first byte, or -1 */
	struct out_chunk *next;
};

struct api_conn {
	struct api_server *srv;
	int fd;                   /* -1 once closed */
	int refs;
	int hello;
	int subscribed;
	int reading;              /* EPOLLIN wanted (off while far behind) */
	uid_t uid;
	pid_t peer_pid;
	char user[64];            /* the peer's user name ("uid N" if none) */
	struct api_peer peer;     /* what its requests answer through */
	struct linebuf in;
	struct out_chunk *out, **out_tail;
	size_t out_bytes;
	struct api_conn *next;
};

/* A refused socket waiting for its peer to write or go. */
struct lingerer {
	struct api_server *srv;
	int fd;
	uint64_t deadline;
	struct lingerer *next;
};

struct api_server {
	struct croftd *d;
	int fd;
	char *path;
	struct api_limits lim;
	struct api_conn *conns;
	unsigned nconns;          /* open, not root */
	unsigned nroot;           /* open, root */
	size_t out_total;         /* queued for every connection */
	struct lingerer *lingers;
	unsigned nlingers;
	int paused;               /* the listening socket is out of the loop */
	int tfd;                  /* timerfd: the retry and linger sweep */
	int spare;                /* a descriptor kept for the user database, or -1 */
	int timer_armed;
	uint64_t pause_logged;    /* when a pause was last logged */
	unsigned pauses;          /* since then */
	uint64_t accepted, refused_busy, dropped;
	int stopping;
};

/* api_server.c: a new connection from an allowed peer with room (cfd is
 * taken on every path). */
void api_conn_open(struct api_server *s, int cfd, const struct ucred *cr, const char *user);

/* api_accept.c: the listening socket's and the timer's callbacks (data is
 * the server), accepting again after a pause, the limits from the host
 * settings, taking the spare descriptor (start) and closing it and the
 * refused sockets still lingering (stop). */
void api_accept_init(struct api_server *s);
void api_accept_cb(struct loop *l, int fd, uint32_t events, void *data);
void api_accept_timer_cb(struct loop *l, int fd, uint32_t events, void *data);
void api_accept_resume(struct api_server *s);
void api_limits_read(struct croftd *d, struct api_limits *lim);
void api_accept_stop(struct api_server *s);

#endif
