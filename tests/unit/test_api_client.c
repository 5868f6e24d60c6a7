/*
 * Tests of the API client against testlib's fake croftd API, with a
 * scenario per test: the fake serves one end of a socketpair (or listens
 * on a unix socket, for api_client_connect), checks what it reads and
 * exits non-zero on a surprise; the test checks the client's view and the
 * fake's exit status.  A separate process keeps the fd tables apart, so
 * leaked descriptors show up in /proc/self/fd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/api_client.h"
#include "common/proto.h"
#include "tests/unit/testlib.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

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

static void sc_basic(struct tl_srv *s, const void *arg)
{
	long long id, id2;
	json_t *req;

	(void)arg;
	tl_srv_hello(s, "0.9-test");
	req = tl_srv_request(s, "vm.info", &id);
	if (strcmp(json_string_value(json_object_get(json_object_get(req, "args"), "name")), "web"))
		_exit(40);
	json_decref(req);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"name\":\"web\",\"state\":\"stopped\"}}\n", id);
	req = tl_srv_request(s, "vm.list", &id2);
	json_decref(req);
	if (id2 <= id)
		_exit(41);
	/* a reply split across writes, with \r\n */
	tl_srv_send(s, "{\"id\":%lld,\"ok\":", id2);
	usleep(20 * 1000);
	tl_srv_send(s, "true,\"result\":{\"vms\":[]}}\r\n");
	req = tl_srv_request(s, "vm.start", &id);
	json_decref(req);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":false,\"error\":{\"code\":\"not_found\","
		 "\"message\":\"no VM named 'webb'\"}}\n", id);
	req = tl_srv_request(s, "host.info", &id);
	json_decref(req);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true}\n", id);
	tl_srv_wait_eof(s);
}

static void test_handshake_call_error(void **state)
{
	struct tl_api f;
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL;
	int fd = 7;

	(void)state;
	c = tl_api_client_or_fail(&f, sc_basic, NULL);
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
	tl_api_wait_or_fail(&f);
}

/* Replies a listing may get: croftd's layout with strings that look like
 * structure, another member order, a second member, no such member, an
 * event in between, and an error. */
static void sc_text(struct tl_srv *s, const void *arg)
{
	long long id;

	(void)arg;
	tl_srv_hello(s, "0.9-test");
	tl_srv_expect(s, "vm.list", &id);
	tl_srv_send(s, "{\"event\":\"vm.state\",\"data\":{}}\n");
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"vms\":[{\"name\":\"a]}\\\"\"},[]]}}\n", id);
	tl_srv_expect(s, "vm.list", &id);
	tl_srv_send(s, "{\"ok\":true,\"id\":%lld,\"result\":{\"vms\": [1, 2]}}\n", id);
	tl_srv_expect(s, "vm.list", &id);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"vms\":[1],\"more\":[2]}}\n", id);
	tl_srv_expect(s, "vm.list", &id);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"nets\":[]}}\n", id);
	tl_srv_expect(s, "vm.list", &id);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":false,\"error\":{\"code\":\"internal\",\"message\":\"no\"}}\n", id);
	tl_srv_wait_eof(s);
}

static void test_call_text(void **state)
{
	struct tl_api f;
	struct api_client *c = NULL;
	struct api_error e;
	char *text = NULL;
	json_t *ev = NULL;

	(void)state;
	c = tl_api_client_or_fail(&f, sc_text, NULL);
	/* relayed as sent, the event queued */
	assert_int_equal(api_client_call_text(c, "vm.list", NULL, "vms", &text, &e), 0);
	assert_string_equal(text, "[{\"name\":\"a]}\\\"\"},[]]");
	free(text);
	assert_int_equal(api_client_next_event(c, &ev, 0, &e), 1);
	json_decref(ev);
	/* another layout is parsed and printed compact */
	assert_int_equal(api_client_call_text(c, "vm.list", NULL, "vms", &text, &e), 0);
	assert_string_equal(text, "[1,2]");
	free(text);
	/* a second member is not swallowed */
	assert_int_equal(api_client_call_text(c, "vm.list", NULL, "vms", &text, &e), 0);
	assert_string_equal(text, "[1]");
	free(text);
	assert_int_equal(api_client_call_text(c, "vm.list", NULL, "vms", &text, &e), -EBADMSG);
	assert_null(text);
	assert_string_equal(e.message, "croftd's vm.list reply has no 'vms'");
	assert_int_equal(api_client_call_text(c, "vm.list", NULL, "vms", &text, &e), -EPROTO);
	assert_string_equal(e.message, "no");
	api_client_close(c);
	tl_api_wait_or_fail(&f);
}

static void sc_version_mismatch(struct tl_srv *s, const void *arg)
{
	long long id;
	json_t *req = tl_srv_request(s, "hello", &id);

	(void)arg;
	json_decref(req);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":false,\"error\":{\"code\":\"version_mismatch\","
		 "\"message\":\"croftd speaks protocol 2, client sent 1\"}}\n", id);
}

static void sc_wrong_version_result(struct tl_srv *s, const void *arg)
{
	long long id;
	json_t *req = tl_srv_request(s, "hello", &id);

	(void)arg;
	json_decref(req);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"version\":7}}\n", id);
}

static void test_version_mismatch(void **state)
{
	struct tl_api f;
	struct api_client *c = (struct api_client *)1;
	struct api_error e;
	int before;

	(void)state;
	tl_api_pair_or_fail(&f, sc_version_mismatch, NULL);
	before = count_fds();
	assert_int_equal(api_client_attach(f.fd, "/run/test.sock", &c, &e), -EPROTO);
	assert_null(c);
	assert_string_equal(e.code, "version_mismatch");
	assert_non_null(strstr(e.message, "/run/test.sock"));
	assert_non_null(strstr(e.message, "different protocol version"));
	assert_non_null(strstr(e.message, "croftd speaks protocol 2, client sent 1"));
	assert_int_equal(count_fds(), before - 1);   /* attach closed the fd */
	tl_api_wait_or_fail(&f);

	tl_api_pair_or_fail(&f, sc_wrong_version_result, NULL);
	assert_int_equal(api_client_attach(f.fd, "x", &c, &e), -EPROTO);
	assert_string_equal(e.code, "version_mismatch");
	assert_non_null(strstr(e.message, "protocol version 7"));
	tl_api_wait_or_fail(&f);
}

static void sc_events(struct tl_srv *s, const void *arg)
{
	long long id;
	json_t *req;

	(void)arg;
	tl_srv_hello(s, "0.9-test");
	req = tl_srv_request(s, "events.subscribe", &id);
	json_decref(req);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{}}\n", id);
	req = tl_srv_request(s, "vm.start", &id);
	json_decref(req);
	tl_srv_send(s, "{\"event\":\"vm.state\",\"data\":{\"name\":\"web\",\"state\":\"starting\"}}\n"
		    "{\"event\":\"vm.state\",\"data\":{\"name\":\"web\",\"state\":\"running\"}}\n"
		    "{\"id\":%lld,\"ok\":true,\"result\":{\"name\":\"web\",\"state\":\"running\"}}\n"
		    "{\"event\":\"vm.changed\",\"data\":{\"name\":\"web\"}}\n", id);
	usleep(50 * 1000);
	/* a stale reply read by next_event is dropped */
	tl_srv_send(s, "{\"id\":999,\"ok\":true,\"result\":{}}\n"
		    "{\"event\":\"vm.deleted\",\"data\":{\"name\":\"old\"}}\n");
	tl_srv_wait_eof(s);
}

static const char *event_name(json_t *ev)
{
	return json_string_value(json_object_get(ev, "event"));
}

static void test_events_queued_during_call(void **state)
{
	struct tl_api f;
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL, *ev = NULL;

	(void)state;
	c = tl_api_client_or_fail(&f, sc_events, NULL);
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
	tl_api_wait_or_fail(&f);
}

static void sc_fd_passing(struct tl_srv *s, const void *arg)
{
	long long id;
	json_t *req;
	int sp[2], stray[2];
	char buf[64];
	ssize_t n;

	(void)arg;
	tl_srv_hello(s, "0.9-test");
	req = tl_srv_request(s, "vm.console", &id);
	json_decref(req);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0 || pipe(stray) < 0)
		_exit(50);
	/* a stray fd on an event and one on a stale reply: the client must close them */
	tl_srv_send_fd(s, stray[0], "{\"event\":\"vm.state\",\"data\":{\"name\":\"web\"}}\n");
	tl_srv_send_fd(s, stray[1], "{\"id\":12345,\"ok\":true,\"result\":{}}\n");
	close(stray[0]);
	close(stray[1]);
	{
		char text[128];

		snprintf(text, sizeof(text), "{\"id\":%lld,\"ok\":true,\"result\":{\"name\":\"web\"}}\n", id);
		tl_srv_send_fd(s, sp[1], text);
	}
	close(sp[1]);
	n = read(sp[0], buf, sizeof(buf));
	if (n != 5 || memcmp(buf, "ping\n", 5))
		_exit(51);
	if (write(sp[0], "pong\n", 5) != 5)
		_exit(52);

	/* an fd on the reply of a call that does not want one */
	req = tl_srv_request(s, "vm.console", &id);
	json_decref(req);
	{
		char text[128];

		snprintf(text, sizeof(text), "{\"id\":%lld,\"ok\":true,\"result\":{}}\n", id);
		tl_srv_send_fd(s, sp[0], text);
	}
	/* and on an error reply */
	req = tl_srv_request(s, "vm.console", &id);
	json_decref(req);
	{
		char text[160];

		snprintf(text, sizeof(text), "{\"id\":%lld,\"ok\":false,\"error\":{\"code\":"
			 "\"invalid_state\",\"message\":\"web is not running\"}}\n", id);
		tl_srv_send_fd(s, sp[0], text);
	}
	close(sp[0]);
	tl_srv_wait_eof(s);
}

static void test_fd_passing(void **state)
{
	struct tl_api f;
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL, *ev = NULL;
	int fd = -1, before;
	char buf[16];

	(void)state;
	c = tl_api_client_or_fail(&f, sc_fd_passing, NULL);
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
	tl_api_wait_or_fail(&f);
}

static void sc_close_mid_call(struct tl_srv *s, const void *arg)
{
	long long id;
	json_t *req;

	(void)arg;
	tl_srv_hello(s, "0.9-test");
	req = tl_srv_request(s, "vm.stop", &id);
	json_decref(req);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":tr", id);   /* half a reply, then gone */
}

static void test_server_closes_mid_call(void **state)
{
	struct tl_api f;
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL, *ev = NULL;

	(void)state;
	c = tl_api_client_or_fail(&f, sc_close_mid_call, NULL);
	assert_int_equal(api_client_call(c, "vm.stop", json_pack("{s:s}", "name", "web"),
					 &res, NULL, &e), -ECONNRESET);
	assert_null(res);
	assert_string_equal(e.code, "connection");
	assert_string_equal(e.message, "croftd closed the connection");
	tl_api_wait_or_fail(&f);
	/* every later use reports the same */
	memset(&e, 0, sizeof(e));
	assert_int_equal(api_client_call(c, "vm.list", NULL, &res, NULL, &e), -ECONNRESET);
	assert_string_equal(e.message, "croftd closed the connection");
	assert_int_equal(api_client_next_event(c, &ev, -1, &e), -ECONNRESET);
	api_client_close(c);
}

static void sc_close_before_hello(struct tl_srv *s, const void *arg)
{
	(void)s;
	(void)arg;
}

static void test_server_closes_before_hello(void **state)
{
	struct tl_api f;
	struct api_client *c = NULL;
	struct api_error e;

	(void)state;
	tl_api_pair_or_fail(&f, sc_close_before_hello, NULL);
	tl_api_wait_or_fail(&f);
	assert_int_equal(api_client_attach(f.fd, "test", &c, &e), -ECONNRESET);
	assert_string_equal(e.message, "croftd closed the connection");
}

#define BIG (600u * 1024)

static void sc_large_lines(struct tl_srv *s, const void *arg)
{
	long long id;
	json_t *req;
	char *big = malloc(PROTO_MAX_LINE + 100);

	(void)arg;
	if (!big)
		_exit(60);
	tl_srv_hello(s, "0.9-test");
	req = tl_srv_request(s, "big", &id);
	json_decref(req);
	memset(big, 'x', BIG);
	big[BIG] = '\0';
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"blob\":\"%s\"}}\n", id, big);
	req = tl_srv_request(s, "huge", &id);
	json_decref(req);
	memset(big, 'y', PROTO_MAX_LINE + 10);
	big[PROTO_MAX_LINE + 10] = '\0';
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"blob\":\"%s\"}}\n", id, big);
	free(big);
	tl_srv_wait_eof(s);
}

static void test_large_and_oversize_lines(void **state)
{
	struct tl_api f;
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL;

	(void)state;
	c = tl_api_client_or_fail(&f, sc_large_lines, NULL);
	assert_int_equal(api_client_call(c, "big", NULL, &res, NULL, &e), 0);
	assert_int_equal(strlen(json_string_value(json_object_get(res, "blob"))), BIG);
	json_decref(res);
	assert_int_equal(api_client_call(c, "huge", NULL, &res, NULL, &e), -EMSGSIZE);
	assert_null(res);
	assert_string_equal(e.code, "connection");
	assert_non_null(strstr(e.message, "longer than"));
	assert_int_equal(api_client_call(c, "after", NULL, &res, NULL, &e), -EMSGSIZE);
	api_client_close(c);
	tl_api_wait_or_fail(&f);
}

static void sc_malformed(struct tl_srv *s, const void *arg)
{
	long long id;
	json_t *req;

	(void)arg;
	tl_srv_hello(s, "0.9-test");
	req = tl_srv_request(s, "vm.list", &id);
	json_decref(req);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\n", id);
	tl_srv_wait_eof(s);
}

static void test_malformed_reply(void **state)
{
	struct tl_api f;
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL;

	(void)state;
	c = tl_api_client_or_fail(&f, sc_malformed, NULL);
	assert_int_equal(api_client_call(c, "vm.list", NULL, &res, NULL, &e), -EBADMSG);
	assert_non_null(strstr(e.message, "malformed"));
	api_client_close(c);
	tl_api_wait_or_fail(&f);
}

static void sc_slow(struct tl_srv *s, const void *arg)
{
	long long id, id2;
	json_t *req;

	(void)arg;
	tl_srv_hello(s, "0.9-test");
	req = tl_srv_request(s, "slow", &id);
	json_decref(req);
	usleep(400 * 1000);
	/* the late reply, then the next call's */
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"which\":\"late\"}}\n", id);
	req = tl_srv_request(s, "fast", &id2);
	json_decref(req);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"which\":\"fast\"}}\n", id2);
	/* a reply that arrives while signals interrupt the wait */
	req = tl_srv_request(s, "interrupted", &id);
	json_decref(req);
	usleep(300 * 1000);
	tl_srv_send(s, "{\"id\":%lld,\"ok\":true,\"result\":{\"which\":\"interrupted\"}}\n", id);
	tl_srv_wait_eof(s);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void test_timeout_and_eintr(void **state)
{
	struct tl_api f;
	struct api_client *c = NULL;
	struct api_error e;
	json_t *res = NULL;
	struct sigaction sa, old;
	struct itimerval it = { { 0, 50000 }, { 0, 50000 } }, off = { { 0, 0 }, { 0, 0 } };

	(void)state;
	c = tl_api_client_or_fail(&f, sc_slow, NULL);
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
	tl_api_wait_or_fail(&f);
}

static void sc_host_info(struct tl_srv *s, const void *arg)
{
	long long id;

	(void)arg;
	tl_srv_hello(s, "0.9-test");
	tl_srv_expect(s, "host.info", &id);
	tl_srv_ok(s, id, "{\"hostname\":\"box\"}");
	tl_srv_wait_eof(s);
}

static void test_connect_and_socket_path(void **state)
{
	char dir[] = "/tmp/croft-test-api-XXXXXX", path[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct api_client *c = NULL;
	struct api_error e;
	struct tl_api f;
	json_t *res = NULL;
	char longpath[200];
	int lfd;

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

	tl_api_listen_or_fail(&f, path, sc_host_info, NULL);
	assert_int_equal(api_client_connect(path, &c, &e), 0);
	assert_int_equal(api_client_call(c, "host.info", NULL, &res, NULL, &e), 0);
	assert_string_equal(json_string_value(json_object_get(res, "hostname")), "box");
	json_decref(res);
	api_client_close(c);
	tl_api_wait_or_fail(&f);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_call_error),
		cmocka_unit_test(test_call_text),
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
