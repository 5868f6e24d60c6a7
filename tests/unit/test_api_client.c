/*
 * Tests of the API client against a scripted fake croftd.  Each test forks
 * a server process holding one end of a socketpair (or listening on a unix
 * socket, for api_client_connect); the server checks what it reads and
 * exits non-zero on a surprise, and the parent checks the client's view
 * and the server's exit status.  A separate process keeps the fd tables
 * apart, so leaked descriptors show up in /proc/self/fd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/api_client.h"
#include "common/proto.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* --- the fake server's side ------------------------------------------- */

struct srv {
	int fd;
	struct linebuf lb;
};

/* The next request; exits the server on EOF. */
static json_t *srv_request(struct srv *s, long long *id, const char *want_op)
{
	char *line;
	size_t len;
	json_t *req;
	const char *op;

	for (;;) {
		int r = linebuf_next(&s->lb, &line, &len);

		if (r < 0)
			_exit(10);
		if (r == 1)
			break;
		if (linebuf_read(&s->lb, s->fd) <= 0)
			_exit(0);
	}
	req = json_loads(line, 0, NULL);
	if (!req)
		_exit(11);
	op = json_string_value(json_object_get(req, "op"));
	if (!op || (want_op && strcmp(op, want_op)))
		_exit(12);
	if (!json_is_object(json_object_get(req, "args")))
		_exit(13);
	*id = (long long)json_integer_value(json_object_get(req, "id"));
	return req;
}

static void srv_send(struct srv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void srv_send(struct srv *s, const char *fmt, ...)
{
	char *text;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		_exit(20);
	send(s->fd, text, (size_t)n, MSG_NOSIGNAL);
	free(text);
}

static void srv_send_fd(struct srv *s, int pass, const char *text)
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
		_exit(21);
}

static void srv_hello(struct srv *s)
{
	long long id;
	json_t *req = srv_request(s, &id, "hello");
	json_t *args = json_object_get(req, "args");

	if (json_integer_value(json_object_get(args, "version")) != PROTO_VERSION)
		_exit(30);
	if (strcmp(json_string_value(json_object_get(args, "client")), "croft"))
		_exit(31);
	json_decref(req);
	srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"version\":1,\"server\":\"croftd\","
		 "\"server_version\":\"0.9-test\"}}\n", id);
}

typedef void (*scenario_fn)(struct srv *s);

struct fake {
	pid_t pid;
	int fd;                  /* the client's end */
};

static struct fake fake_start(scenario_fn fn)
{
	struct fake f;
	int sp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	f.pid = fork();
	assert_true(f.pid >= 0);
	if (f.pid == 0) {
		struct srv s;

		close(sp[0]);
		signal(SIGPIPE, SIG_IGN);
		s.fd = sp[1];
		linebuf_init(&s.lb, 4u << 20);
		fn(&s);
		_exit(0);
	}
	close(sp[1]);
	f.fd = sp[0];
	return f;
}

static void fake_wait(struct fake *f)
{
	int st = -1;

	assert_int_equal(waitpid(f->pid, &st, 0), f->pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("fake server failed: status 0x%x", st);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;            /* the DIR's own */
}

/* --- scenarios and tests ---------------------------------------------- */

static void sc_basic(struct srv *s)
{
	long long id, id2;
	json_t *req;

	srv_hello(s);
	req = srv_request(s, &id, "vm.info");
	if (strcmp(json_string_value(json_object_get(json_object_get(req, "args"), "name")), "web"))
		_exit(40);
	json_decref(req);
	srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"name\":\"web\",\"state\":\"stopped\"}}\n", id);
	req = srv_request(s, &id2, "vm.list");
	json_decref(req);
	if (id2 <= id)
		_exit(41);
	/* a reply split across writes, with \r\n */
	srv_send(s, "{\"id\":%lld,\"ok\":", id2);
	usleep(20 * 1000);
	srv_send(s, "true,\"result\":{\"vms\":[]}}\r\n");
	req = srv_request(s, &id, "vm.start");
	json_decref(req);
	srv_send(s, "{\"id\":%lld,\"ok\":false,\"error\":{\"code\":\"not_found\","
		 "\"message\":\"no VM named 'webb'\"}}\n", id);
	req = srv_request(s, &id, "host.info");
	json_decref(req);
	srv_send(s, "{\"id\":%lld,\"ok\":true}\n", id);
	srv_request(s, &id, "never");     /* waits for EOF */
}

static void test_handshake_call_error(void **state)
{
	struct fake f = fake_start(sc_basic);
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL;
	int fd = 7;

	(void)state;
	assert_int_equal(api_client_attach(f.fd, "test", &c, &e), 0);
	assert_string_equal(api_client_server_version(c), "0.9-test");
	assert_int_equal(api_client_fd(c), f.fd);

	assert_int_equal(api_client_call(c, "vm.info", json_pack("{s:s}", "name", "web"),
					 &res, &fd, &e), 0);
	assert_int_equal(fd, -1);
	assert_string_equal(json_string_value(json_object_get(res, "state")), "stopped");
	json_decref(res);

	assert_int_equal(api_client_call(c, "vm.list", NULL, &res, NULL, &e), 0);
	assert_true(json_is_array(json_object_get(res, "vms")));
	json_decref(res);

	assert_int_equal(api_client_call(c, "vm.start", json_pack("{s:s}", "name", "webb"),
					 &res, NULL, &e), -EPROTO);
	assert_null(res);
	assert_string_equal(e.code, "not_found");
	assert_string_equal(e.message, "no VM named 'webb'");

	/* a reply without result gives an empty object; result may be unwanted */
	assert_int_equal(api_client_call(c, "host.info", NULL, &res, NULL, &e), 0);
	assert_true(json_is_object(res));
	json_decref(res);

	api_client_close(c);
	fake_wait(&f);
}

static void sc_version_mismatch(struct srv *s)
{
	long long id;
	json_t *req = srv_request(s, &id, "hello");

	json_decref(req);
	srv_send(s, "{\"id\":%lld,\"ok\":false,\"error\":{\"code\":\"version_mismatch\","
		 "\"message\":\"croftd speaks protocol 2, client sent 1\"}}\n", id);
}

static void sc_wrong_version_result(struct srv *s)
{
	long long id;
	json_t *req = srv_request(s, &id, "hello");

	json_decref(req);
	srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"version\":7}}\n", id);
}

static void test_version_mismatch(void **state)
{
	struct fake f = fake_start(sc_version_mismatch);
	struct api_client *c = (struct api_client *)1;
	struct api_error e;
	int before = count_fds();

	(void)state;
	assert_int_equal(api_client_attach(f.fd, "/run/test.sock", &c, &e), -EPROTO);
	assert_null(c);
	assert_string_equal(e.code, "version_mismatch");
	assert_non_null(strstr(e.message, "/run/test.sock"));
	assert_non_null(strstr(e.message, "different protocol version"));
	assert_non_null(strstr(e.message, "croftd speaks protocol 2, client sent 1"));
	assert_int_equal(count_fds(), before - 1);   /* attach closed the fd */
	fake_wait(&f);

	f = fake_start(sc_wrong_version_result);
	assert_int_equal(api_client_attach(f.fd, "x", &c, &e), -EPROTO);
	assert_string_equal(e.code, "version_mismatch");
	assert_non_null(strstr(e.message, "protocol version 7"));
	fake_wait(&f);
}

static void sc_events(struct srv *s)
{
	long long id;
	json_t *req;

	srv_hello(s);
	req = srv_request(s, &id, "events.subscribe");
	json_decref(req);
	srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{}}\n", id);
	req = srv_request(s, &id, "vm.start");
	json_decref(req);
	srv_send(s, "{\"event\":\"vm.state\",\"data\":{\"name\":\"web\",\"state\":\"starting\"}}\n"
		    "{\"event\":\"vm.state\",\"data\":{\"name\":\"web\",\"state\":\"running\"}}\n"
		    "{\"id\":%lld,\"ok\":true,\"result\":{\"name\":\"web\",\"state\":\"running\"}}\n"
		    "{\"event\":\"vm.changed\",\"data\":{\"name\":\"web\"}}\n", id);
	usleep(50 * 1000);
	/* a stale reply read by next_event is dropped */
	srv_send(s, "{\"id\":999,\"ok\":true,\"result\":{}}\n"
		    "{\"event\":\"vm.deleted\",\"data\":{\"name\":\"old\"}}\n");
	srv_request(s, &id, "never");
}

static const char *event_name(json_t *ev)
{
	return json_string_value(json_object_get(ev, "event"));
}

static void test_events_queued_during_call(void **state)
{
	struct fake f = fake_start(sc_events);
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL, *ev = NULL;

	(void)state;
	assert_int_equal(api_client_attach(f.fd, "test", &c, &e), 0);
	assert_int_equal(api_client_call(c, "events.subscribe", NULL, NULL, NULL, &e), 0);
	assert_int_equal(api_client_pending_events(c), 0);
	assert_int_equal(api_client_call(c, "vm.start", json_pack("{s:s}", "name", "web"),
					 &res, NULL, &e), 0);
	assert_string_equal(json_string_value(json_object_get(res, "state")), "running");
	json_decref(res);
	assert_int_equal(api_client_pending_events(c), 2);

	assert_int_equal(api_client_next_event(c, &ev, 0, &e), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "data"), "state")),
			    "starting");
	json_decref(ev);
	assert_int_equal(api_client_next_event(c, &ev, 0, &e), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "data"), "state")),
			    "running");
	json_decref(ev);
	/* already buffered, not yet parsed */
	assert_int_equal(api_client_next_event(c, &ev, 1000, &e), 1);
	assert_string_equal(event_name(ev), "vm.changed");
	json_decref(ev);
	assert_int_equal(api_client_next_event(c, &ev, 2000, &e), 1);
	assert_string_equal(event_name(ev), "vm.deleted");
	json_decref(ev);
	assert_int_equal(api_client_next_event(c, &ev, 0, &e), 0);
	assert_null(ev);
	assert_int_equal(api_client_next_event(c, &ev, 50, &e), 0);
	api_client_close(c);
	fake_wait(&f);
}

static void sc_fd_passing(struct srv *s)
{
	long long id;
	json_t *req;
	int sp[2], stray[2];
	char buf[64];
	ssize_t n;

	srv_hello(s);
	req = srv_request(s, &id, "vm.console");
	json_decref(req);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0 || pipe(stray) < 0)
		_exit(50);
	/* a stray fd on an event and one on a stale reply: the client must close them */
	srv_send_fd(s, stray[0], "{\"event\":\"vm.state\",\"data\":{\"name\":\"web\"}}\n");
	srv_send_fd(s, stray[1], "{\"id\":12345,\"ok\":true,\"result\":{}}\n");
	close(stray[0]);
	close(stray[1]);
	{
		char text[128];

		snprintf(text, sizeof(text), "{\"id\":%lld,\"ok\":true,\"result\":{\"name\":\"web\"}}\n", id);
		srv_send_fd(s, sp[1], text);
	}
	close(sp[1]);
	n = read(sp[0], buf, sizeof(buf));
	if (n != 5 || memcmp(buf, "ping\n", 5))
		_exit(51);
	if (write(sp[0], "pong\n", 5) != 5)
		_exit(52);

	/* an fd on the reply of a call that does not want one */
	req = srv_request(s, &id, "vm.console");
	json_decref(req);
	{
		char text[128];

		snprintf(text, sizeof(text), "{\"id\":%lld,\"ok\":true,\"result\":{}}\n", id);
		srv_send_fd(s, sp[0], text);
	}
	/* and on an error reply */
	req = srv_request(s, &id, "vm.console");
	json_decref(req);
	{
		char text[160];

		snprintf(text, sizeof(text), "{\"id\":%lld,\"ok\":false,\"error\":{\"code\":"
			 "\"invalid_state\",\"message\":\"web is not running\"}}\n", id);
		srv_send_fd(s, sp[0], text);
	}
	close(sp[0]);
	srv_request(s, &id, "never");
}

static void test_fd_passing(void **state)
{
	struct fake f = fake_start(sc_fd_passing);
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL, *ev = NULL;
	int fd = -1, before;
	char buf[16];

	(void)state;
	assert_int_equal(api_client_attach(f.fd, "test", &c, &e), 0);
	before = count_fds();
	assert_int_equal(api_client_call(c, "vm.console", json_pack("{s:s}", "name", "web"),
					 &res, &fd, &e), 0);
	json_decref(res);
	assert_true(fd >= 0);
	assert_int_equal(count_fds(), before + 1);    /* the strays were closed */
	assert_int_equal(write(fd, "ping\n", 5), 5);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "pong\n", 5);
	close(fd);
	assert_int_equal(api_client_next_event(c, &ev, 0, &e), 1);
	json_decref(ev);

	assert_int_equal(api_client_call(c, "vm.console", NULL, &res, NULL, &e), 0);
	json_decref(res);
	assert_int_equal(count_fds(), before);

	fd = 99;
	assert_int_equal(api_client_call(c, "vm.console", NULL, &res, &fd, &e), -EPROTO);
	assert_int_equal(fd, -1);
	assert_string_equal(e.code, "invalid_state");
	assert_int_equal(count_fds(), before);

	api_client_close(c);
	fake_wait(&f);
}

static void sc_close_mid_call(struct srv *s)
{
	long long id;
	json_t *req;

	srv_hello(s);
	req = srv_request(s, &id, "vm.stop");
	json_decref(req);
	srv_send(s, "{\"id\":%lld,\"ok\":tr", id);   /* half a reply, then gone */
}

static void test_server_closes_mid_call(void **state)
{
	struct fake f = fake_start(sc_close_mid_call);
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL, *ev = NULL;

	(void)state;
	assert_int_equal(api_client_attach(f.fd, "test", &c, &e), 0);
	assert_int_equal(api_client_call(c, "vm.stop", json_pack("{s:s}", "name", "web"),
					 &res, NULL, &e), -ECONNRESET);
	assert_null(res);
	assert_string_equal(e.code, "connection");
	assert_string_equal(e.message, "croftd closed the connection");
	fake_wait(&f);
	/* every later use reports the same */
	memset(&e, 0, sizeof(e));
	assert_int_equal(api_client_call(c, "vm.list", NULL, &res, NULL, &e), -ECONNRESET);
	assert_string_equal(e.message, "croftd closed the connection");
	assert_int_equal(api_client_next_event(c, &ev, -1, &e), -ECONNRESET);
	api_client_close(c);
}

static void sc_close_before_hello(struct srv *s)
{
	(void)s;
}

static void test_server_closes_before_hello(void **state)
{
	struct fake f = fake_start(sc_close_before_hello);
	struct api_client *c = NULL;
	struct api_error e;

	(void)state;
	fake_wait(&f);
	assert_int_equal(api_client_attach(f.fd, "test", &c, &e), -ECONNRESET);
	assert_string_equal(e.message, "croftd closed the connection");
}

#define BIG (600u * 1024)

static void sc_large_lines(struct srv *s)
{
	long long id;
	json_t *req;
	char *big = malloc(PROTO_MAX_LINE + 100);

	if (!big)
		_exit(60);
	srv_hello(s);
	req = srv_request(s, &id, "big");
	json_decref(req);
	memset(big, 'x', BIG);
	big[BIG] = '\0';
	srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"blob\":\"%s\"}}\n", id, big);
	req = srv_request(s, &id, "huge");
	json_decref(req);
	memset(big, 'y', PROTO_MAX_LINE + 10);
	big[PROTO_MAX_LINE + 10] = '\0';
	srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"blob\":\"%s\"}}\n", id, big);
	free(big);
	srv_request(s, &id, "never");
}

static void test_large_and_oversize_lines(void **state)
{
	struct fake f = fake_start(sc_large_lines);
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL;

	(void)state;
	assert_int_equal(api_client_attach(f.fd, "test", &c, &e), 0);
	assert_int_equal(api_client_call(c, "big", NULL, &res, NULL, &e), 0);
	assert_int_equal(strlen(json_string_value(json_object_get(res, "blob"))), BIG);
	json_decref(res);
	assert_int_equal(api_client_call(c, "huge", NULL, &res, NULL, &e), -EMSGSIZE);
	assert_null(res);
	assert_string_equal(e.code, "connection");
	assert_non_null(strstr(e.message, "longer than"));
	assert_int_equal(api_client_call(c, "after", NULL, &res, NULL, &e), -EMSGSIZE);
	api_client_close(c);
	fake_wait(&f);
}

static void sc_malformed(struct srv *s)
{
	long long id;
	json_t *req;

	srv_hello(s);
	req = srv_request(s, &id, "vm.list");
	json_decref(req);
	srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\n", id);
	srv_request(s, &id, "never");
}

static void test_malformed_reply(void **state)
{
	struct fake f = fake_start(sc_malformed);
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL;

	(void)state;
	assert_int_equal(api_client_attach(f.fd, "test", &c, &e), 0);
	assert_int_equal(api_client_call(c, "vm.list", NULL, &res, NULL, &e), -EBADMSG);
	assert_non_null(strstr(e.message, "malformed"));
	api_client_close(c);
	fake_wait(&f);
}

static void sc_slow(struct srv *s)
{
	long long id, id2;
	json_t *req;

	srv_hello(s);
	req = srv_request(s, &id, "slow");
	json_decref(req);
	usleep(400 * 1000);
	/* the late reply, then the next call's */
	srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"which\":\"late\"}}\n", id);
	req = srv_request(s, &id2, "fast");
	json_decref(req);
	srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"which\":\"fast\"}}\n", id2);
	/* a reply that arrives while signals interrupt the wait */
	req = srv_request(s, &id, "interrupted");
	json_decref(req);
	usleep(300 * 1000);
	srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"which\":\"interrupted\"}}\n", id);
	srv_request(s, &id, "never");
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void test_timeout_and_eintr(void **state)
{
	struct fake f = fake_start(sc_slow);
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL;
	struct sigaction sa, old;
	struct itimerval it = { { 0, 50000 }, { 0, 50000 } }, off = { { 0, 0 }, { 0, 0 } };

	(void)state;
	assert_int_equal(api_client_attach(f.fd, "test", &c, &e), 0);
	api_client_set_timeout(c, 150);
	assert_int_equal(api_client_call(c, "slow", NULL, &res, NULL, &e), -ETIMEDOUT);
	assert_string_equal(e.code, "connection");
	assert_string_equal(e.message, "croftd did not answer slow within 1 s");
	api_client_set_timeout(c, 5000);
	assert_int_equal(api_client_call(c, "fast", NULL, &res, NULL, &e), 0);
	assert_string_equal(json_string_value(json_object_get(res, "which")), "fast");
	json_decref(res);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;          /* no SA_RESTART: poll gets EINTR */
	sigaction(SIGALRM, &sa, &old);
	alarms = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(api_client_call(c, "interrupted", NULL, &res, NULL, &e), 0);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	assert_true(alarms >= 2);
	assert_string_equal(json_string_value(json_object_get(res, "which")), "interrupted");
	json_decref(res);
	api_client_close(c);
	fake_wait(&f);
}

static void test_connect_and_socket_path(void **state)
{
	char dir[] = "/tmp/croft-test-api-XXXXXX", path[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct api_client *c = NULL;
	struct api_error e;
	char longpath[200];
	int lfd;
	pid_t pid;

	(void)state;
	unsetenv("CROFT_SOCKET");
	assert_string_equal(api_client_socket_path(NULL), CROFT_DEFAULT_SOCKET);
	assert_string_equal(api_client_socket_path(""), CROFT_DEFAULT_SOCKET);
	setenv("CROFT_SOCKET", "/env/sock", 1);
	assert_string_equal(api_client_socket_path(NULL), "/env/sock");
	assert_string_equal(api_client_socket_path("/arg/sock"), "/arg/sock");
	unsetenv("CROFT_SOCKET");

	assert_int_equal(api_client_connect("/nonexistent/croftd.sock", &c, &e), -ENOENT);
	assert_null(c);
	assert_string_equal(e.code, "connection");
	assert_string_equal(e.message, "cannot connect to croftd at /nonexistent/croftd.sock: "
			    "No such file or directory (is croftd running? start it with croftd "
			    "or make run)");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(api_client_connect(longpath, &c, &e), -ENAMETOOLONG);
	assert_non_null(strstr(e.message, "longer than"));

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/croftd.sock", dir);
	/* a socket file nobody listens on */
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(lfd);
	assert_int_equal(api_client_connect(path, &c, &e), -ECONNREFUSED);
	assert_non_null(strstr(e.message, "is croftd running?"));
	unlink(path);

	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct srv s;
		long long id;
		json_t *req;

		s.fd = accept(lfd, NULL, NULL);
		linebuf_init(&s.lb, PROTO_MAX_LINE);
		srv_hello(&s);
		req = srv_request(&s, &id, "host.info");
		json_decref(req);
		srv_send(&s, "{\"id\":%lld,\"ok\":true,\"result\":{\"hostname\":\"box\"}}\n", id);
		srv_request(&s, &id, "never");
		_exit(0);
	}
	close(lfd);
	assert_int_equal(api_client_connect(path, &c, &e), 0);
	{
		json_t *res = NULL;
		struct fake f = { pid, -1 };

		assert_int_equal(api_client_call(c, "host.info", NULL, &res, NULL, &e), 0);
		assert_string_equal(json_string_value(json_object_get(res, "hostname")), "box");
		json_decref(res);
		api_client_close(c);
		fake_wait(&f);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_call_error),
		cmocka_unit_test(test_version_mismatch),
		cmocka_unit_test(test_events_queued_during_call),
		cmocka_unit_test(test_fd_passing),
		cmocka_unit_test(test_server_closes_mid_call),
		cmocka_unit_test(test_server_closes_before_hello),
		cmocka_unit_test(test_large_and_oversize_lines),
		cmocka_unit_test(test_malformed_reply),
		cmocka_unit_test(test_timeout_and_eintr),
		cmocka_unit_test(test_connect_and_socket_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
