/*
 * /metrics over HTTP (metrics_http.h).
 */
#include "core/metrics_http.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONN_LIMIT 16
#define PER_IP_LIMIT 4
#define IDLE_TIMEOUT_S 10

struct metrics_http {
	struct loop *loop;
	struct MHD_Daemon *mhd;
	int epfd;
	struct loop_timer *timer;
	metrics_render_fn render;
	void *data;
	unsigned port;
};

int metrics_listen_parse(const char *text, struct sockaddr_storage *ss, int *off, char *err,
			 size_t errlen)
{
	char host[64];
	const char *colon, *port;
	char *end;
	unsigned long p;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	*off = 0;
	if (!text || !*text) {
		err_set(err, errlen, "metrics-listen is empty; give ADDR:PORT or off");
		return -EINVAL;
	}
	if (!strcmp(text, "off")) {
		*off = 1;
		return 0;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':') {
			err_set(err, errlen, "metrics-listen '%s': an IPv6 address goes as [ADDR]:PORT", text);
			return -EINVAL;
		}
		hl = (size_t)(close - text - 1);
		port = close + 2;
		text++;
	} else {
		colon = strrchr(text, ':');
		if (!colon) {
			err_set(err, errlen, "metrics-listen '%s' has no port (ADDR:PORT or off)", text);
			return -EINVAL;
		}
		hl = (size_t)(colon - text);
		port = colon + 1;
	}
	if (hl == 0 || hl >= sizeof(host)) {
		err_set(err, errlen, "metrics-listen '%s': no address before the port", text);
		return -EINVAL;
	}
	memcpy(host, text, hl);
	host[hl] = '\0';
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || end == port || *end || p > 65535) {
		err_set(err, errlen, "metrics-listen: port '%s' is not a number from 0 to 65535", port);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)p);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)p);
		return 0;
	}
	err_set(err, errlen, "metrics-listen: '%s' is not an IPv4 or IPv6 address", host);
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body,
			     const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct metrics_http *h = cls;

	(void)version;
	(void)upload;
	if (!*con_cls) {                     /* headers only so far */
		*con_cls = h;
		return MHD_YES;
	}
	if (*upload_size)
		return MHD_NO;                   /* no bodies here */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, xstrdup("only GET\n"), "text/plain");
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, xstrdup("croftd serves /metrics\n"), "text/plain");
	return reply(c, MHD_HTTP_OK, h->render(h->data), "text/plain; version=0.0.4; charset=utf-8");
}

static void arm(struct metrics_http *h);

static void run(struct metrics_http *h)
{
	MHD_run(h->mhd);
	arm(h);
}

static void on_timer(struct loop *l, struct loop_timer *t, void *data)
{
	struct metrics_http *h = data;

	(void)l;
	(void)t;
	h->timer = NULL;
	run(h);
}

/* A timer for MHD's next timeout (idle connections), if it has one. */
static void arm(struct metrics_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (h->timer) {
		loop_timer_cancel(h->loop, h->timer);
		h->timer = NULL;
	}
	if (MHD_get_timeout(h->mhd, &ms) == MHD_YES)
		h->timer = loop_timer_add(h->loop, ms ? ms : 1, on_timer, h);
}

static void on_ready(struct loop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)fd;
	(void)events;
	run(data);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("metrics http: %s", msg);
}

int metrics_http_start(struct loop *l, const char *text, metrics_render_fn render, void *data,
		       struct metrics_http **out, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	struct metrics_http *h;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	int off, r;

	*out = NULL;
	if ((r = metrics_listen_parse(text, &ss, &off, err, errlen)) < 0)
		return r;
	if (off)
		return 0;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h = xcalloc(1, sizeof(*h));
	h->loop = l;
	h->render = render;
	h->data = data;
	h->epfd = -1;
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP_LIMIT,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_END);
	if (!h->mhd) {
		err_set(err, errlen, "cannot serve /metrics on %s (is the address in use or not "
			"local?)", text);
		free(h);
		return -EADDRNOTAVAIL;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	h->epfd = info ? info->epoll_fd : -1;
	if (h->epfd < 0 || loop_add(l, h->epfd, EPOLLIN, on_ready, h) < 0) {
		err_set(err, errlen, "cannot watch the /metrics server on %s", text);
		MHD_stop_daemon(h->mhd);
		free(h);
		return -EIO;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	arm(h);
	*out = h;
	return 0;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	if (h->timer)
		loop_timer_cancel(h->loop, h->timer);
	loop_del(h->loop, h->epfd);
	MHD_stop_daemon(h->mhd);
	free(h);
}

unsigned metrics_http_port(const struct metrics_http *h)
{
	return h ? h->port : 0;
}
