/*
 * The blocking API client's protocol.  One connection, one call at a time:
 * a call writes its request line and then reads lines until the reply with
 * its id arrives.  Events read on the way are queued (a JSON array) for
 * api_client_next_event(); replies to other ids (late replies to calls that
 * timed out) are dropped.  The bytes, the descriptors passed along them and
 * the broken state are api_client_io.c's.
 *
 * A call waits until its deadline (api_client_set_timeout(), default
 * API_CLIENT_DEFAULT_TIMEOUT_MS).  A call that times out leaves the
 * connection usable (its late reply is dropped by id); once the connection
 * is broken every later call fails with the same reason.
 */
#include "common/api_client_internal.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define HANDSHAKE_TIMEOUT_MS 30000

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

static void fill_server_error(json_t *msg, struct api_error *e)
{
	json_t *err = json_object_get(msg, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *text = json_string_value(json_object_get(err, "message"));

	api_client_error_set(e, code ? code : PROTO_E_INTERNAL, "%s",
			     text ? text : "croftd reported an error without a message");
}

static int call(struct api_client *c, const char *op, json_t *args, json_t **result,
		int *fd_out, const struct api_client_peek *peek, long long *idp, struct api_error *e);

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
	struct api_client_peek peek = { relay_peek, &rl };
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
		api_client_error_set(e, PROTO_E_INTERNAL, "croftd's %s reply has no '%s'", op, key);
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
		int *fd_out, const struct api_client_peek *peek, long long *idp, struct api_error *e)
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
	r = api_client_check_broken(c, e);
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
		api_client_error_set(e, PROTO_E_INTERNAL, "cannot build the %s request", op);
		return -ENOMEM;
	}
	text = json_dumps(req, JSON_COMPACT);
	if (!text) {
		api_client_error_set(e, PROTO_E_INTERNAL, "cannot encode the %s request", op);
		r = -ENOMEM;
		goto fail;
	}
	{
		size_t len = strlen(text);

		text = xrealloc(text, len + 2);
		text[len] = '\n';
		text[len + 1] = '\0';
		r = api_client_send(c, text, len + 1, e);
		if (r < 0)
			goto fail;
	}

	deadline = api_client_deadline(c->timeout_ms);
	for (;;) {
		json_t *jid, *ev;

		r = api_client_read_message(c, deadline, &msg, &line_fd, peek, e);
		if (r == -ETIMEDOUT) {
			api_client_error_set(e, "connection", "croftd did not answer %s within %d s",
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
	int64_t deadline = api_client_deadline(timeout_ms);
	int r;

	*event = NULL;
	for (;;) {
		json_t *msg = NULL;

		if (json_array_size(c->events)) {
			*event = json_incref(json_array_get(c->events, 0));
			json_array_remove(c->events, 0);
			return 1;
		}
		r = api_client_check_broken(c, e);
		if (r < 0)
			return r;
		r = api_client_read_message(c, deadline, &msg, NULL, NULL, e);
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
		api_client_error_set(e, PROTO_E_VERSION,
				     "croftd at %s speaks a different protocol version than this croft (%d): %s; "
				     "install matching versions of croft and croftd",
				     c->path, PROTO_VERSION, msg);
		return r;
	}
	if (r == -EPROTO) {
		char code[sizeof(e->code)], msg[sizeof(e->message)];

		snprintf(code, sizeof(code), "%s", e->code);
		snprintf(msg, sizeof(msg), "%s", e->message);
		api_client_error_set(e, code, "croftd at %s refused the handshake: %s", c->path, msg);
		return r;
	}
	if (r < 0)
		return r;
	if (json_integer_value(json_object_get(res, "version")) != PROTO_VERSION) {
		api_client_error_set(e, PROTO_E_VERSION,
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

int api_client_attach(int fd, const char *label, struct api_client **out,
		      struct api_error *e)
{
	struct api_error scratch;
	struct api_client *c;
	int r;

	*out = NULL;
	if (!e)
		e = &scratch;
	c = api_client_new(fd, label ? label : "(socket)");
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
		api_client_error_set(e, "connection",
				     "cannot connect to croftd at %s: the socket path is longer than %zu bytes",
				     path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path));

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		api_client_error_set(e, "connection", "cannot create a socket: %s", strerror(errno));
		return r;
	}
	do {
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		int err = errno;

		if (err == EACCES || err == EPERM)
			api_client_error_set(e, "connection",
					     "cannot connect to croftd at %s: %s (is your user in the croft group?)",
					     path, strerror(err));
		else
			api_client_error_set(e, "connection",
					     "cannot connect to croftd at %s: %s (is croftd running? start it with croftd or make run)",
					     path, strerror(err));
		close(fd);
		return -err;
	}
	return api_client_attach(fd, path, out, e);
}
