/*
 * croftd's API for the unit tests of its clients (testlib.h, tl_api_*).
 * A forked child serves one client connection, on a socketpair or on a
 * unix socket at a path, with a scenario: a function that reads requests
 * and writes lines with the tl_srv_* calls, or the scripted scenario
 * tl_srv_script() that answers hello and then one request per step.  The
 * child runs apart from the test, so it reports a surprise (an unexpected
 * op or args, a malformed line) by a message on stderr and a non-zero exit
 * status, which tl_api_wait_or_fail() turns into a failed test.  An alarm
 * ends a child whose client never comes or never leaves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "common/api_client.h"
#include "common/proto.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_ALARM_S 30

enum srv_exit {
	SRV_OK = 0,
	SRV_BAD_LINE = 10,       /* an oversize or malformed request line */
	SRV_BAD_REQUEST = 11,    /* not a request: no op, args not an object */
	SRV_WRONG_OP = 12,       /* an op other than the one expected */
	SRV_SEND = 13,           /* cannot write to the client */
	SRV_ACCEPT = 14,
	SRV_WRONG_ARGS = 15,     /* args other than the step expects */
};

struct tl_srv {
	int fd;
	pid_t client;            /* the test process */
	struct linebuf lb;
};

static void srv_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void srv_die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("fake croftd API: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(code);
}

json_t *tl_srv_request(struct tl_srv *s, const char *want_op, long long *id)
{
	char *line;
	size_t len;
	json_t *req;
	const char *op;

	for (;;) {
		int r = linebuf_next(&s->lb, &line, &len);

		if (r < 0)
			srv_die(SRV_BAD_LINE, "a request line is too long");
		if (r == 1)
			break;
		if (linebuf_read(&s->lb, s->fd) <= 0)
			_exit(SRV_OK);
	}
	req = json_loadb(line, len, 0, NULL);
	if (!req)
		srv_die(SRV_BAD_LINE, "not JSON: %.*s", (int)len, line);
	op = json_string_value(json_object_get(req, "op"));
	if (!op || !json_is_object(json_object_get(req, "args")))
		srv_die(SRV_BAD_REQUEST, "not a request: %.*s", (int)len, line);
	if (want_op && strcmp(want_op, "*") && strcmp(op, want_op))
		srv_die(SRV_WRONG_OP, "expected %s, got %s", want_op, op);
	*id = (long long)json_integer_value(json_object_get(req, "id"));
	return req;
}

void tl_srv_expect(struct tl_srv *s, const char *want_op, long long *id)
{
	json_decref(tl_srv_request(s, want_op, id));
}

void tl_srv_wait_eof(struct tl_srv *s)
{
	long long id;
	json_t *req = tl_srv_request(s, NULL, &id);

	srv_die(SRV_WRONG_OP, "expected the client to leave, got %s",
		json_string_value(json_object_get(req, "op")));
}

void tl_srv_send(struct tl_srv *s, const char *fmt, ...)
{
	char *text;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		srv_die(SRV_SEND, "out of memory");
	/* a client that left early is not the scenario's failure */
	send(s->fd, text, (size_t)n, MSG_NOSIGNAL);
	free(text);
}

void tl_srv_send_fd(struct tl_srv *s, int pass, const char *text)
{
	union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr a; } cb;
	struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
	struct msghdr msg;
	struct cmsghdr *cm;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cb.b;
	msg.msg_controllen = sizeof(cb.b);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pass, sizeof(int));
	if (sendmsg(s->fd, &msg, MSG_NOSIGNAL) < 0)
		srv_die(SRV_SEND, "sendmsg: %s", strerror(errno));
}

void tl_srv_ok(struct tl_srv *s, long long id, const char *result)
{
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":%s}\n", id, result);
}

void tl_srv_err(struct tl_srv *s, long long id, const char *code, const char *message)
{
	json_t *e = json_pack("{s:I,s:b,s:{s:s,s:s}}", "id", (json_int_t)id, "ok", 0,
			      "error", "code", code, "message", message);
	char *text = json_dumps(e, JSON_COMPACT);

	tl_srv_send(s, "%s\n", text);
	free(text);
	json_decref(e);
}

void tl_srv_hello(struct tl_srv *s, const char *server_version)
{
	long long id;
	json_t *req = tl_srv_request(s, "hello", &id);
	json_t *args = json_object_get(req, "args");
	const char *client = json_string_value(json_object_get(args, "client"));

	if (json_integer_value(json_object_get(args, "version")) != PROTO_VERSION)
		srv_die(SRV_BAD_REQUEST, "hello with another protocol version");
	if (!client || strcmp(client, "croft"))
		srv_die(SRV_BAD_REQUEST, "hello from a client not named croft");
	json_decref(req);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"version\":%d,\"server\":\"croftd\","
		    "\"server_version\":\"%s\"}}\n", id, PROTO_VERSION, server_version);
}

pid_t tl_srv_client(const struct tl_srv *s)
{
	return s->client;
}

void tl_srv_script(struct tl_srv *s, const void *arg)
{
	const struct tl_step *st;

	tl_srv_hello(s, TL_API_VERSION);
	for (st = arg; st->op; st++) {
		long long id;
		json_t *req = tl_srv_request(s, st->op, &id);

		if (st->args) {
			json_t *want = json_loads(st->args, 0, NULL);

			if (!want || !json_equal(want, json_object_get(req, "args"))) {
				char *got = json_dumps(json_object_get(req, "args"), JSON_COMPACT);

				srv_die(SRV_WRONG_ARGS, "%s: expected args %s, got %s", st->op,
					st->args, got ? got : "?");
			}
			json_decref(want);
		}
		json_decref(req);
		if (st->before)
			tl_srv_send(s, "%s", st->before);
		if (st->reply && st->reply[0] == '!') {
			const char *code = st->reply + 1, *colon = strchr(code, ':');
			char buf[64];

			snprintf(buf, sizeof(buf), "%.*s",
				 (int)(colon ? (size_t)(colon - code) : strlen(code)), code);
			tl_srv_err(s, id, buf, colon ? colon + 1 : "");
		} else if (st->reply) {
			tl_srv_ok(s, id, st->reply);
		}
		if (st->after)
			tl_srv_send(s, "%s", st->after);
		if (st->flags & TL_STEP_SIGINT)
			kill(s->client, SIGINT);
		if (st->flags & TL_STEP_HANGUP)
			_exit(SRV_OK);
	}
	tl_srv_wait_eof(s);
}

static void serve(int fd, pid_t client, tl_scenario_fn fn, const void *arg)
{
	struct tl_srv s = { .fd = fd, .client = client };

	signal(SIGPIPE, SIG_IGN);
	linebuf_init(&s.lb, 4u * PROTO_MAX_LINE);
	fn(&s, arg);
	_exit(SRV_OK);
}

void tl_api_pair_or_fail(struct tl_api *f, tl_scenario_fn fn, const void *arg)
{
	pid_t client = getpid();
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		fail_msg("socketpair: %s", strerror(errno));
	fflush(NULL);
	f->pid = fork();
	if (f->pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (f->pid == 0) {
		close(sp[0]);
		alarm(CHILD_ALARM_S);
		serve(sp[1], client, fn, arg);
	}
	close(sp[1]);
	f->fd = sp[0];
}

struct api_client *tl_api_client_or_fail(struct tl_api *f, tl_scenario_fn fn, const void *arg)
{
	struct api_client *c = NULL;
	struct api_error e;
	int r;

	tl_api_pair_or_fail(f, fn, arg);
	r = api_client_attach(f->fd, "test", &c, &e);
	if (r < 0)
		fail_msg("api_client_attach: %s (%s)", e.message, strerror(-r));
	return c;
}

void tl_api_listen_or_fail(struct tl_api *f, const char *sock, tl_scenario_fn fn,
			      const void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pid_t client = getpid();
	int lfd;

	if (strlen(sock) >= sizeof(sa.sun_path))
		fail_msg("socket path too long: %s", sock);
	memcpy(sa.sun_path, sock, strlen(sock));
	unlink(sock);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4) < 0)
		fail_msg("cannot listen on %s: %s", sock, strerror(errno));
	fflush(NULL);
	f->pid = fork();
	if (f->pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (f->pid == 0) {
		int fd;

		alarm(CHILD_ALARM_S);
		do {
			fd = accept(lfd, NULL, NULL);
		} while (fd < 0 && errno == EINTR);
		if (fd < 0)
			srv_die(SRV_ACCEPT, "accept: %s", strerror(errno));
		close(lfd);
		serve(fd, client, fn, arg);
	}
	close(lfd);
	f->fd = -1;
}

void tl_api_wait_or_fail(struct tl_api *f)
{
	int st = 0;
	pid_t r;

	do {
		r = waitpid(f->pid, &st, 0);
	} while (r < 0 && errno == EINTR);
	f->pid = -1;
	if (r < 0)
		fail_msg("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(st))
		fail_msg("fake croftd API died of signal %d", WTERMSIG(st));
	if (WEXITSTATUS(st) != SRV_OK)
		fail_msg("fake croftd API failed with status %d", WEXITSTATUS(st));
}

void tl_api_stop(struct tl_api *f)
{
	if (f->pid <= 0)
		return;
	kill(f->pid, SIGKILL);
	while (waitpid(f->pid, NULL, 0) < 0 && errno == EINTR)
		;
	f->pid = -1;
}

void tl_run_scripted(struct tl_run *r, const struct tl_step *steps,
		     int (*main_fn)(int, char **), int argc, char **argv)
{
	struct tl_api f;
	char sock[64];

	snprintf(sock, sizeof(sock), "/tmp/croft-test-croftd-%d.sock", (int)getpid());
	tl_api_listen_or_fail(&f, sock, tl_srv_script, steps);
	setenv("CROFT_SOCKET", sock, 1);
	tl_run_main(r, main_fn, argc, argv);
	unsetenv("CROFT_SOCKET");
	tl_api_wait_or_fail(&f);
	unlink(sock);
}
