/*
 * /metrics over HTTP: libmicrohttpd serving the exposition (metrics.h) on
 * the host setting "metrics-listen" (ADDR:PORT, [V6ADDR]:PORT, or "off";
 * default METRICS_LISTEN_DEFAULT).
 *
 * croftd is one epoll loop with no threads, so libmicrohttpd runs in its
 * external-epoll mode: it keeps its sockets in an epoll set of its own,
 * whose one fd croftd's loop watches; when it is readable the loop calls
 * MHD_run(), which does only the work that is ready and returns, and a
 * loop timer follows MHD_get_timeout() for idle connections.  The
 * exposition is rendered in the request handler, on the loop, from the
 * model: no lock, no copy across threads, no I/O.  A client is bounded
 * by a connection limit, a per-address limit and an idle timeout, so a
 * slow scraper costs a socket, never the loop's time.
 */
#ifndef CROFT_METRICS_HTTP_H
#define CROFT_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct croftd;
struct loop;

#define METRICS_LISTEN_DEFAULT "127.0.0.1:9597"

/* Parse "ADDR:PORT" (IPv4), "[ADDR]:PORT" (IPv6) or "off" (*off = 1).
 * 0 or -EINVAL with err naming the problem. */
int metrics_listen_parse(const char *text, struct sockaddr_storage *ss, int *off, char *err,
			 size_t errlen);

struct metrics_http;
/* Render the page: malloc'd text. */
typedef char *(*metrics_render_fn)(void *data);

/* Listen on text's address; 0 with *out (NULL for "off"), or -errno with
 * err naming the address and the problem. */
int metrics_http_start(struct loop *l, const char *text, metrics_render_fn render, void *data,
		       struct metrics_http **out, char *err, size_t errlen);
void metrics_http_stop(struct metrics_http *h);
/* The port bound (for a listen address with port 0, in tests). */
unsigned metrics_http_port(const struct metrics_http *h);

#endif
