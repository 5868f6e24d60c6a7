/*
 * The blocking API client.  One connection, one call at a time: a call
 * writes its request line and then reads lines until the reply with its id
 * arrives.  Events read on the way are queued (a JSON array) for
 * api_client_next_event(); replies to other ids (late replies to calls that
 * timed out) are dropped.
 *
 * Bytes come in through recvmsg() with room for SCM_RIGHTS.  The kernel
 * ends a read right after the segment that carried descriptors, so a passed
 * fd belongs to the line holding the last byte of that read.  Each fd is
 * remembered with that absolute stream offset and handed to whoever consumes
 * the line: the caller waiting for that reply, or close() for anything else.
 *
 * Waiting is poll() with a deadline (api_client_set_timeout(), default
 * API_CLIENT_DEFAULT_TIMEOUT_MS), restarted on EINTR.  A call that times
 * out leaves the connection usable (its late reply is dropped by id).  Once
 * the peer closes or sends an oversize or malformed line, the connection is
 * marked broken and every later call fails with the same reason.
 */
#include "common/api_client.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_PASSED_FDS 16        /* per connection, awaiting their line */
#define FDS_PER_READ 8
#define HANDSHAKE_TIMEOUT_MS 30000

struct passed_fd {
	int fd;
	uint64_t offset;         /* stream offset of the last byte of its read */
};

struct api_client {
	int fd;
	char *path;
	struct linebuf lb;
	uint64_t read_total;     /* bytes received so far */
	uint64_t consumed;       /* stream offset of the next unconsumed byte */
	struct passed_fd fds[MAX_PASSED_FDS];
	size_t nfds;
	json_t *events;          /* queued {"event":..,"data":..} objects */
	long long next_id;
	int timeout_ms;
	int broken;              /* -errno once the connection is unusable */
	struct api_error broken_why;
	char *server_version;
};

static void error_set(struct api_error *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void error_set(struct api_error *e, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	snprintf(e->code, sizeof(e->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

const char *api_client_socket_path(const char *arg)
{
	const char *env;

	if (arg && *arg)
		return arg;
	env = getenv("CROFT_SOCKET");
	if (env && *env)
		return env;
	return CROFT_DEFAULT_SOCKET;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Mark the connection unusable; later calls report the same reason. */
static int set_broken(struct api_client *c, int err, struct api_error *e)
{
	if (!c->broken) {
		c->broken = err;
		if (e)
			c->broken_why = *e;
		else
			error_set(&c->broken_why, "connection", "connection to croftd failed: %s",
				  strerror(-err));
	}
	return err;
}

static int check_broken(struct api_client *c, struct api_error *e)
{
	if (!c->broken)
		return 0;
	if (e)
		*e = c->broken_why;
	return c->broken;
}

static void close_stray_fds(struct api_client *c)
{
	size_t i;

	for (i = 0; i < c->nfds; i++)
		close(c->fds[i].fd);
	c->nfds = 0;
}

/* Take the fds whose offset lies in [start, end); the first goes to *fd_out
 * if asked, the rest are closed. */
static void take_line_fds(struct api_client *c, uint64_t start, uint64_t end, int *fd_out)
{
	size_t i = 0, j;

	if (fd_out)
		*fd_out = -1;
	while (i < c->nfds) {
		if (c->fds[i].offset >= start && c->fds[i].offset < end) {
			if (fd_out && *fd_out < 0)
				*fd_out = c->fds[i].fd;
			else
				close(c->fds[i].fd);
			for (j = i + 1; j < c->nfds; j++)
				c->fds[j - 1] = c->fds[j];
			c->nfds--;
		} else if (c->fds[i].offset < start) {
			/* its line went by without being claimed */
			close(c->fds[i].fd);
			for (j = i + 1; j < c->nfds; j++)
				c->fds[j - 1] = c->fds[j];
			c->nfds--;
		} else {
			i++;
		}
	}
}

static void remember_fd(struct api_client *c, int fd, uint64_t offset)
{
	if (c->nfds == MAX_PASSED_FDS) {
		close(fd);
		return;
	}
	c->fds[c->nfds].fd = fd;
	c->fds[c->nfds].offset = offset;
	c->nfds++;
}

/*
 * Wait until the socket is readable (or the deadline passes) and read what
 * it has.  >0 bytes, -ETIMEDOUT, -ECONNRESET on EOF, other -errno.
 */
static int read_some(struct api_client *c, int64_t deadline, struct api_error *e)
{
	char buf[65536];
	union {
		char buf[CMSG_SPACE(FDS_PER_READ * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg;
	struct cmsghdr *cm;
	ssize_t n;
	int r;

again:
	for (;;) {
		int wait = -1;

		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			wait = left > 0 ? (left > INT32_MAX ? INT32_MAX : (int)left) : 0;
		}
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			error_set(e, "connection", "waiting for croftd: %s", strerror(errno));
			return r;
		}
		if (r == 0) {
			error_set(e, "connection", "croftd did not answer in time");
			return -ETIMEDOUT;
		}
		break;
	}

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	do {
		n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		r = -errno;
		if (r == -EAGAIN)
			goto again;
		error_set(e, "connection", "reading from croftd: %s", strerror(errno));
		return set_broken(c, r, e);
	}

	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t i, count;
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (n > 0)
				remember_fd(c, fd, c->read_total + (uint64_t)n - 1);
			else
				close(fd);
		}
	}

	if (n == 0) {
		error_set(e, "connection", "croftd closed the connection");
		return set_broken(c, -ECONNRESET, e);
	}
	linebuf_append(&c->lb, buf, (size_t)n);
	c->read_total += (uint64_t)n;
	return (int)n;
}

/* Offered each line before it is parsed; 1 when it took the line as is. */
struct line_peek {
	int (*fn)(const char *line, size_t len, void *ctx);
	void *ctx;
};

/*
 * The next complete line as parsed JSON, reading as needed.  0 and *obj on
 * success (with the passed fd of that line in *line_fd if asked, else -1);
 * 1 and *obj NULL when peek (may be NULL) took the line.
 */
static int next_message(struct api_client *c, int64_t deadline, json_t **obj,
			int *line_fd, const struct line_peek *peek, struct api_error *e)
{
	for (;;) {
		size_t before = c->lb.start, len;
		uint64_t start = c->consumed;
		char *line;
		json_error_t jerr;
		int r;

		r = linebuf_next(&c->lb, &line, &len);
		if (r < 0) {
			error_set(e, "connection",
				  "croftd sent a line longer than %u bytes", PROTO_MAX_LINE);
			return set_broken(c, -EMSGSIZE, e);
		}
		if (r == 0) {
			r = read_some(c, deadline, e);
			if (r < 0)
				return r;
			continue;
		}
		c->consumed += c->lb.start - before;
		take_line_fds(c, start, c->consumed, line_fd);
		if (len == 0)
			continue;
		*obj = NULL;
		if (peek && peek->fn(line, len, peek->ctx))
			return 1;
		*obj = json_loadb(line, len, 0, &jerr);
		if (!*obj || !json_is_object(*obj)) {
			json_decref(*obj);
			*obj = NULL;
			if (line_fd && *line_fd >= 0) {
				close(*line_fd);
				*line_fd = -1;
			}
			error_set(e, "connection", "croftd sent a malformed message: %s",
				  jerr.text[0] ? jerr.text : "not a JSON object");
			return set_broken(c, -EBADMSG, e);
		}
		return 0;
	}
}

static int send_all(struct api_client *c, const char *buf, size_t len, struct api_error *e)
{
	while (len) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			if (err == EPIPE || err == ECONNRESET) {
				error_set(e, "connection", "croftd closed the connection");
				return set_broken(c, -ECONNRESET, e);
			}
			error_set(e, "connection", "writing to croftd: %s", strerror(err));
			return set_broken(c, -err, e);
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void fill_server_error(json_t *msg, struct api_error *e)
{
	json_t *err = json_object_get(msg, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *text = json_string_value(json_object_get(err, "message"));

	error_set(e, code ? code : PROTO_E_INTERNAL, "%s",
		  text ? text : "croftd reported an error without a message");
}

static int call(struct api_client *c, const char *op, json_t *args, json_t **result,
		int *fd_out, const struct line_peek *peek, long long *idp, struct api_error *e);

int api_client_call(struct api_client *c, const char *op, json_t *args,
		    json_t **result, int *fd_out, struct api_error *e)
{
	return call(c, op, args, result, fd_out, NULL, NULL, e);
}

/* The length of the array or object s starts with (strings and their
 * escapes skipped whole), or 0 when s does not hold one whole. */
static size_t container_len(const char *s, size_t len)
{
	size_t i, depth = 0;
	int in_str = 0;

	if (!len || (s[0] != '[' && s[0] != '{'))
		return 0;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
		} else if (ch == '"') {
			in_str = 1;
		} else if (ch == '[' || ch == '{') {
			depth++;
		} else if ((ch == ']' || ch == '}') && --depth == 0) {
			return i + 1;
		}
	}
	return 0;
}

struct relay {
	long long id;
	const char *key;
	char *text;
};

/* croftd's own layout of a reply, {"id":N,"ok":true,"result":{"KEY":V}}:
 * take V as text without parsing it. */
static int relay_peek(const char *line, size_t len, void *ctx)
{
	struct relay *rl = ctx;
	char head[160];
	size_t hlen, vlen;
	int n;

	n = snprintf(head, sizeof(head), "{\"id\":%lld,\"ok\":true,\"result\":{\"%s\":",
		     rl->id, rl->key);
	if (n < 0 || (size_t)n >= sizeof(head))
		return 0;
	hlen = (size_t)n;
	if (len < hlen + 2 || memcmp(line, head, hlen))
		return 0;
	vlen = container_len(line + hlen, len - hlen);
	if (!vlen || hlen + vlen + 2 != len || memcmp(line + hlen + vlen, "}}", 2))
		return 0;
	rl->text = xstrndup(line + hlen, vlen);
	return 1;
}

int api_client_call_text(struct api_client *c, const char *op, json_t *args, const char *key,
			 char **text, struct api_error *e)
{
	struct relay rl = { .key = key };
	struct line_peek peek = { relay_peek, &rl };
	json_t *res = NULL;
	const json_t *v;
	int r;

	*text = NULL;
	r = call(c, op, args, &res, NULL, &peek, &rl.id, e);
	if (r < 0)
		return r;
	if (rl.text) {
		*text = rl.text;
		return 0;
	}
	v = json_object_get(res, key);
	if (!json_is_array(v) && !json_is_object(v)) {
		error_set(e, PROTO_E_INTERNAL, "croftd's %s reply has no '%s'", op, key);
		json_decref(res);
		return -EBADMSG;
	}
	*text = json_dumps(v, JSON_COMPACT);
	json_decref(res);
	return 0;
}

/* idp (may be NULL) learns the request's id before anything is read, for
 * peek. */
static int call(struct api_client *c, const char *op, json_t *args, json_t **result,
		int *fd_out, const struct line_peek *peek, long long *idp, struct api_error *e)
{
	json_t *req = NULL, *msg = NULL;
	char *text = NULL;
	long long id;
	int64_t deadline;
	int r, line_fd = -1;

	if (result)
		*result = NULL;
	if (fd_out)
		*fd_out = -1;
	r = check_broken(c, e);
	if (r < 0) {
		json_decref(args);
		return r;
	}
	id = c->next_id++;
	if (idp)
		*idp = id;
	req = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "op", op,
			"args", args ? args : json_object());
	if (!req) {
		error_set(e, PROTO_E_INTERNAL, "cannot build the %s request", op);
		return -ENOMEM;
	}
	text = json_dumps(req, JSON_COMPACT);
	if (!text) {
		error_set(e, PROTO_E_INTERNAL, "cannot encode the %s request", op);
		r = -ENOMEM;
		goto fail;
	}
	{
		size_t len = strlen(text);

		text = xrealloc(text, len + 2);
		text[len] = '\n';
		text[len + 1] = '\0';
		r = send_all(c, text, len + 1, e);
		if (r < 0)
			goto fail;
	}

	deadline = c->timeout_ms < 0 ? -1 : now_ms() + c->timeout_ms;
	for (;;) {
		json_t *jid, *ev;

		r = next_message(c, deadline, &msg, &line_fd, peek, e);
		if (r == -ETIMEDOUT) {
			error_set(e, "connection", "croftd did not answer %s within %d s",
				  op, (c->timeout_ms + 999) / 1000);
			goto fail;
		}
		if (r < 0)
			goto fail;
		if (r == 1) {            /* peek took our reply whole */
			r = 0;
			goto fail;
		}
		ev = json_object_get(msg, "event");
		jid = json_object_get(msg, "id");
		if (json_is_string(ev)) {
			json_array_append(c->events, msg);
		} else if (json_is_integer(jid) && json_integer_value(jid) == id) {
			break;
		} else if (!jid && json_is_false(json_object_get(msg, "ok"))) {
			/* croftd refusing the connection itself (permission_denied)
			 * answers before reading anything, so without an id. */
			break;
		}
		/* an event, or a stale reply: not ours */
		if (line_fd >= 0)
			close(line_fd);
		line_fd = -1;
		json_decref(msg);
		msg = NULL;
	}

	if (json_is_true(json_object_get(msg, "ok"))) {
		if (result) {
			json_t *res = json_object_get(msg, "result");

			*result = res ? json_incref(res) : json_object();
		}
		if (fd_out)
			*fd_out = line_fd;
		else if (line_fd >= 0)
			close(line_fd);
		line_fd = -1;
		r = 0;
	} else {
		fill_server_error(msg, e);
		r = -EPROTO;
	}

fail:
	if (line_fd >= 0)
		close(line_fd);
	json_decref(msg);
	json_decref(req);
	free(text);
	return r;
}

int api_client_next_event(struct api_client *c, json_t **event, int timeout_ms,
			  struct api_error *e)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	int r;

	*event = NULL;
	for (;;) {
		json_t *msg = NULL;

		if (json_array_size(c->events)) {
			*event = json_incref(json_array_get(c->events, 0));
			json_array_remove(c->events, 0);
			return 1;
		}
		r = check_broken(c, e);
		if (r < 0)
			return r;
		r = next_message(c, deadline, &msg, NULL, NULL, e);
		if (r == -ETIMEDOUT)
			return 0;
		if (r < 0)
			return r;
		if (json_is_string(json_object_get(msg, "event")))
			json_array_append(c->events, msg);
		json_decref(msg);
	}
}

size_t api_client_pending_events(const struct api_client *c)
{
	return json_array_size(c->events);
}

void api_client_set_timeout(struct api_client *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

const char *api_client_server_version(const struct api_client *c)
{
	return c->server_version ? c->server_version : "";
}

int api_client_fd(const struct api_client *c)
{
	return c->fd;
}

static int handshake(struct api_client *c, struct api_error *e)
{
	json_t *res = NULL, *args;
	const char *server_version;
	int r;

	args = json_pack("{s:i, s:s}", "version", PROTO_VERSION, "client", "croft");
	r = api_client_call(c, "hello", args, &res, NULL, e);
	if (r == -EPROTO && !strcmp(e->code, PROTO_E_VERSION)) {
		char msg[sizeof(e->message)];

		snprintf(msg, sizeof(msg), "%s", e->message);
		error_set(e, PROTO_E_VERSION,
			  "croftd at %s speaks a different protocol version than this croft (%d): %s; "
			  "install matching versions of croft and croftd",
			  c->path, PROTO_VERSION, msg);
		return r;
	}
	if (r == -EPROTO) {
		char code[sizeof(e->code)], msg[sizeof(e->message)];

		snprintf(code, sizeof(code), "%s", e->code);
		snprintf(msg, sizeof(msg), "%s", e->message);
		error_set(e, code, "croftd at %s refused the handshake: %s", c->path, msg);
		return r;
	}
	if (r < 0)
		return r;
	if (json_integer_value(json_object_get(res, "version")) != PROTO_VERSION) {
		error_set(e, PROTO_E_VERSION,
			  "croftd at %s speaks protocol version %lld; this croft speaks %d; "
			  "install matching versions of croft and croftd", c->path,
			  (long long)json_integer_value(json_object_get(res, "version")),
			  PROTO_VERSION);
		json_decref(res);
		return -EPROTO;
	}
	server_version = json_string_value(json_object_get(res, "server_version"));
	free(c->server_version);
	c->server_version = xstrdup(server_version ? server_version : "");
	json_decref(res);
	return 0;
}

static struct api_client *client_new(int fd, const char *path)
{
	struct api_client *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	c->path = xstrdup(path);
	linebuf_init(&c->lb, PROTO_MAX_LINE);
	c->events = json_array();
	c->next_id = 1;
	c->timeout_ms = API_CLIENT_DEFAULT_TIMEOUT_MS;
	return c;
}

int api_client_attach(int fd, const char *label, struct api_client **out,
		      struct api_error *e)
{
	struct api_error scratch;
	struct api_client *c;
	int r;

	*out = NULL;
	if (!e)
		e = &scratch;
	c = client_new(fd, label ? label : "(socket)");
	c->timeout_ms = HANDSHAKE_TIMEOUT_MS;
	r = handshake(c, e);
	c->timeout_ms = API_CLIENT_DEFAULT_TIMEOUT_MS;
	if (r < 0) {
		api_client_close(c);
		return r;
	}
	*out = c;
	return 0;
}

int api_client_connect(const char *path, struct api_client **out, struct api_error *e)
{
	struct sockaddr_un sa;
	int fd, r;

	*out = NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		error_set(e, "connection", "cannot connect to croftd at %s: the socket path is longer than %zu bytes",
			  path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path));

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		error_set(e, "connection", "cannot create a socket: %s", strerror(errno));
		return r;
	}
	do {
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		int err = errno;

		if (err == EACCES || err == EPERM)
			error_set(e, "connection",
				  "cannot connect to croftd at %s: %s (is your user in the croft group?)",
				  path, strerror(err));
		else
			error_set(e, "connection",
				  "cannot connect to croftd at %s: %s (is croftd running? start it with croftd or make run)",
				  path, strerror(err));
		close(fd);
		return -err;
	}
	return api_client_attach(fd, path, out, e);
}

void api_client_close(struct api_client *c)
{
	if (!c)
		return;
	close_stray_fds(c);
	if (c->fd >= 0)
		close(c->fd);
	linebuf_free(&c->lb);
	json_decref(c->events);
	free(c->server_version);
	free(c->path);
	free(c);
}
