/*
 * Tests for core/qmp.c.  The parser is fed real QEMU 7.2 output and
 * garbage.  The client runs on croftd's event loop against a fake QMP
 * server holding the other end of a socketpair: the fake reads what the
 * client writes (line by line, JSON-decoded) and answers by hand, so
 * ordering, partial reads, disconnects and qmp_free() from inside
 * callbacks can be staged exactly.  One test drives a real
 * qemu-system-x86_64 (-machine none) and is skipped only when the binary
 * is absent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/qmp.h"
#include "common/loop.h"
#include "common/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GREETING_72 TL_QMP_GREETING

#define PUMP_UNTIL(l, cond) do {                                       \
		int pump_i_;                                           \
		for (pump_i_ = 0; pump_i_ < 300 && !(cond); pump_i_++) \
			loop_run_once((l), 10);                        \
		assert_true(cond);                                     \
	} while (0)

/* ---- parser ------------------------------------------------------------ */

static int parse_str(const char *s, struct qmp_msg *m, char *err, size_t errlen)
{
	return qmp_parse(s, strlen(s), m, err, errlen);
}

static void test_parse_greeting(void **state)
{
	struct qmp_msg m;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse_str(GREETING_72, &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, QMP_MSG_GREETING);
	assert_int_equal(m.ver_major, 7);
	assert_int_equal(m.ver_minor, 2);
	assert_int_equal(m.ver_micro, 22);
	assert_null(m.id);
	assert_non_null(m.root);
	qmp_msg_clear(&m);
	assert_null(m.root);

	assert_int_equal(parse_str("{\"QMP\":{\"version\":{\"qemu\":{\"major\":7,\"minor\":2}},"
				   "\"capabilities\":[]}}", &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "micro"));
	assert_int_equal(parse_str("{\"QMP\":{\"version\":{\"qemu\":{\"major\":\"7\",\"minor\":2,"
				   "\"micro\":0}},\"capabilities\":[]}}", &m, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "major"));
	assert_int_equal(parse_str("{\"QMP\":{\"version\":{\"qemu\":{\"major\":7,\"minor\":2,"
				   "\"micro\":0}}}}", &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "capabilities"));
	assert_null(m.root);
}

static void test_parse_returns(void **state)
{
	struct qmp_msg m;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse_str("{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, "
				   "\"running\": false}, \"id\": 3}\r", &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, QMP_MSG_RETURN);
	assert_true(json_is_integer(m.id));
	assert_int_equal(json_integer_value(m.id), 3);
	assert_string_equal(json_string_value(json_object_get(m.ret, "status")), "prelaunch");
	qmp_msg_clear(&m);

	assert_int_equal(parse_str("{\"return\": {}, \"id\": 2}", &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, QMP_MSG_RETURN);
	assert_true(json_is_object(m.ret));
	assert_int_equal(json_object_size(m.ret), 0);
	qmp_msg_clear(&m);

	assert_int_equal(parse_str("{\"return\": [{\"name\": \"a\"}, {\"name\": \"b\"}], \"id\": 9}",
				   &m, err, sizeof(err)), 0);
	assert_true(json_is_array(m.ret));
	assert_int_equal(json_array_size(m.ret), 2);
	qmp_msg_clear(&m);

	assert_int_equal(parse_str("{\"return\": {}}", &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, QMP_MSG_RETURN);
	assert_null(m.id);
	qmp_msg_clear(&m);

	/* ids are echoed as sent; a string id is still a reply */
	assert_int_equal(parse_str("{\"return\": {}, \"id\": \"abc\"}", &m, err, sizeof(err)), 0);
	assert_true(json_is_string(m.id));
	qmp_msg_clear(&m);

	/* an unsigned 64-bit figure (guest-stats' "not reported") does not end
	 * the connection: it reads as a real, the rest stay integers */
	assert_int_equal(parse_str("{\"return\": {\"stats\": {\"stat-swap-in\": 18446744073709551615, "
				   "\"stat-free-memory\": 176979968, \"list\": [1, 18446744073709551615]}, "
				   "\"last-update\": 1796296948}, \"id\": 12}", &m, err, sizeof(err)), 0);
	assert_int_equal(json_integer_value(m.id), 12);
	assert_true(json_is_real(json_object_get(json_object_get(m.ret, "stats"), "stat-swap-in")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m.ret, "stats"),
							    "stat-free-memory")), 176979968);
	assert_true(json_is_integer(json_array_get(json_object_get(json_object_get(m.ret, "stats"),
								   "list"), 0)));
	assert_int_equal(json_integer_value(json_object_get(m.ret, "last-update")), 1796296948);
	qmp_msg_clear(&m);
}

static void test_parse_errors(void **state)
{
	struct qmp_msg m;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse_str("{\"id\": 4, \"error\": {\"class\": \"CommandNotFound\", "
				   "\"desc\": \"The command nope has not been found\"}}\r\n",
				   &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, QMP_MSG_ERROR);
	assert_string_equal(m.err_class, "CommandNotFound");
	assert_string_equal(m.err_desc, "The command nope has not been found");
	assert_int_equal(json_integer_value(m.id), 4);
	qmp_msg_clear(&m);

	assert_int_equal(parse_str("{\"error\": {\"class\": \"GenericError\", \"desc\": "
				   "\"Parameter 'id' is missing\"}, \"id\": 12}",
				   &m, err, sizeof(err)), 0);
	assert_string_equal(m.err_class, "GenericError");
	assert_string_equal(m.err_desc, "Parameter 'id' is missing");
	qmp_msg_clear(&m);

	assert_int_equal(parse_str("{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}}",
				   &m, err, sizeof(err)), 0);
	assert_null(m.id);
	qmp_msg_clear(&m);
}

static void test_parse_events(void **state)
{
	struct qmp_msg m;
	char err[256] = "";
	static const char *const simple[] = { "STOP", "RESUME", "POWERDOWN" };
	char buf[256];
	size_t i;

	(void)state;
	assert_int_equal(parse_str("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}, "
				   "\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, "
				   "\"reason\": \"guest-shutdown\"}}", &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, QMP_MSG_EVENT);
	assert_string_equal(m.event, "SHUTDOWN");
	assert_non_null(m.data);
	assert_true(json_is_true(json_object_get(m.data, "guest")));
	assert_string_equal(json_string_value(json_object_get(m.data, "reason")), "guest-shutdown");
	qmp_msg_clear(&m);

	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		snprintf(buf, sizeof(buf), "{\"timestamp\": {\"seconds\": 1795423960, "
			 "\"microseconds\": 849481}, \"event\": \"%s\"}\r\n", simple[i]);
		assert_int_equal(parse_str(buf, &m, err, sizeof(err)), 0);
		assert_int_equal(m.type, QMP_MSG_EVENT);
		assert_string_equal(m.event, simple[i]);
		assert_null(m.data);
		qmp_msg_clear(&m);
	}

	assert_int_equal(parse_str("{\"timestamp\": {\"seconds\": 1795423960, \"microseconds\": "
				   "849593}, \"event\": \"RESET\", \"data\": {\"guest\": false, "
				   "\"reason\": \"host-qmp-system-reset\"}}", &m, err, sizeof(err)), 0);
	assert_string_equal(m.event, "RESET");
	assert_false(json_is_true(json_object_get(m.data, "guest")));
	qmp_msg_clear(&m);
}

static void expect_reject(const char *s, size_t len, const char *needle)
{
	struct qmp_msg m;
	char err[256] = "";

	assert_int_equal(qmp_parse(s, len, &m, err, sizeof(err)), -EINVAL);
	assert_null(m.root);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static void reject_str(const char *s, const char *needle)
{
	expect_reject(s, strlen(s), needle);
}

static void test_parse_garbage(void **state)
{
	static const char nul[] = "{\"return\": {}\0, \"id\": 1}";
	char err[8];
	struct qmp_msg m;

	(void)state;
	reject_str("", "not JSON");
	reject_str("not json", "not JSON");
	reject_str("not json", "column");
	reject_str("{\"return\": {\"status\": \"runn", "not JSON");
	reject_str("[1, 2]", "not a JSON object");
	reject_str("[1, 2]", "array");
	reject_str("42", "integer");
	reject_str("{\"foo\": 1}", "not a QMP message");
	reject_str("{\"event\": 42, \"timestamp\": {}}", "not a string");
	reject_str("{\"event\": \"X\", \"data\": [1]}", "data");
	reject_str("{\"error\": {\"desc\": \"x\"}, \"id\": 1}", "class missing");
	reject_str("{\"error\": {\"class\": 5, \"desc\": \"x\"}}", "class is an integer");
	reject_str("{\"error\": \"boom\"}", "not an object");
	reject_str("{\"error\": {\"class\": \"GenericError\"}}", "desc missing");
	reject_str("{\"error\": {\"class\": \"X\", \"desc\": null}}", "desc is null");
	reject_str("{\"event\": \"X\", \"timestamp\": 1.5}", "timestamp is a real");
	reject_str("{\"QMP\": true}", "is a boolean");
	reject_str("{\"QMP\": {\"version\": {}, \"capabilities\": []}}", "version.qemu missing");
	reject_str("{\"QMP\": {\"version\": {\"qemu\": {\"major\": -1, \"minor\": 0, \"micro\": 0}}, "
		      "\"capabilities\": []}}", "out of range");
	reject_str("{\"return\": {}, \"error\": {}}", "ambiguous");
	reject_str("{\"return\": {}, \"return\": {}}", "not JSON");
	expect_reject(nul, sizeof(nul) - 1, "NUL");
	reject_str("{\"event\": \"a\\u0000b\"}", "not JSON");
	reject_str("{\"return\": {}} trailing", "not JSON");
	/* a tiny error buffer truncates but never overflows */
	assert_int_equal(qmp_parse("nope", 4, &m, err, sizeof(err)), -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(qmp_parse(NULL, 0, &m, NULL, 0), -EINVAL);
}

/* ---- fake server and recorders ------------------------------------------- */

struct rec {
	int ready;
	int closed;
	int nevents;
	char events[16][32];
	char why[512];
	char log[2048];
	struct qmp *q;
	int free_in_close;
	int free_in_ready;
	int free_in_event;
};

struct pend {
	struct rec *r;
	const char *tag;
	int called;
	int null_reply;
	int free_q;
	enum qmp_msg_type type;
	char text[512];          /* the return dumped, or class: desc */
};

struct env {
	struct loop *l;
	struct qmp *q;
	struct tl_qmp_fake f;
	struct rec r;
};

static void logf_(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct rec *r, const char *fmt, ...)
{
	size_t n = strlen(r->log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->log + n, sizeof(r->log) - n, fmt, ap);
	va_end(ap);
}

static void on_ready(struct qmp *q, void *data)
{
	struct rec *r = data;

	r->ready++;
	logf_(r, "ready ");
	if (r->free_in_ready) {
		qmp_free(q);
		r->q = NULL;
	}
}

static void on_event(struct qmp *q, const struct qmp_msg *ev, void *data)
{
	struct rec *r = data;

	if (r->nevents < 16)
		snprintf(r->events[r->nevents], sizeof(r->events[0]), "%s", ev->event);
	r->nevents++;
	logf_(r, "ev:%s ", ev->event);
	if (r->free_in_event) {
		qmp_free(q);
		r->q = NULL;
	}
}

static void on_close(struct qmp *q, const char *why, void *data)
{
	struct rec *r = data;

	r->closed++;
	snprintf(r->why, sizeof(r->why), "%s", why);
	logf_(r, "close ");
	if (r->free_in_close) {
		qmp_free(q);
		r->q = NULL;
	}
}

static const struct qmp_callbacks rec_cbs = {
	.ready = on_ready,
	.event = on_event,
	.close = on_close,
};

static void on_reply(struct qmp *q, const struct qmp_msg *reply, void *data)
{
	struct pend *p = data;

	p->called++;
	if (!reply) {
		p->null_reply = 1;
		logf_(p->r, "%s:null ", p->tag);
	} else {
		p->type = reply->type;
		if (reply->type == QMP_MSG_RETURN && reply->raw) {
			assert_null(reply->ret);
			snprintf(p->text, sizeof(p->text), "raw:%.*s", (int)reply->raw_len, reply->raw);
		} else if (reply->type == QMP_MSG_RETURN) {
			char *s = json_dumps(reply->ret, JSON_COMPACT | JSON_ENCODE_ANY);

			snprintf(p->text, sizeof(p->text), "%s", s);
			free(s);
		} else {
			snprintf(p->text, sizeof(p->text), "%s: %s", reply->err_class,
				 reply->err_desc);
		}
		logf_(p->r, "%s:reply ", p->tag);
	}
	if (p->free_q) {
		qmp_free(q);
		p->r->q = NULL;
	}
}

static void env_init(struct env *e)
{
	memset(e, 0, sizeof(*e));
	e->l = loop_new();
	assert_non_null(e->l);
	e->q = tl_qmp_fake_open(&e->f, e->l, &rec_cbs, &e->r);
	e->r.q = e->q;
}

static void env_fini(struct env *e)
{
	if (e->r.q)
		qmp_free(e->r.q);
	tl_qmp_fake_close(&e->f);
	loop_free(e->l);
}

static void env_handshake(struct env *e)
{
	long long id;

	tl_qmp_send(&e->f, GREETING_72);
	id = tl_qmp_expect(&e->f, e->l, "qmp_capabilities", NULL);
	assert_false(qmp_is_ready(e->q));
	assert_int_equal(e->r.ready, 0);
	tl_qmp_reply(&e->f, id, "{}");
	PUMP_UNTIL(e->l, e->r.ready == 1);
	assert_true(qmp_is_ready(e->q));
}

static void pend_init(struct pend *p, struct rec *r, const char *tag)
{
	memset(p, 0, sizeof(*p));
	p->r = r;
	p->tag = tag;
}

/* Three cmds in flight, their replies tagged p1, p2, p3. */
static void pend_three(struct env *e, struct pend p[3], const char *cmd)
{
	static const char *const tags[3] = { "p1", "p2", "p3" };
	int i;

	for (i = 0; i < 3; i++) {
		pend_init(&p[i], &e->r, tags[i]);
		assert_int_equal(qmp_command(e->q, cmd, NULL, on_reply, &p[i]), 0);
	}
}

/* QEMU's end of the socket goes away. */
static void qemu_hang_up(struct env *e)
{
	close(e->f.fd);
	e->f.fd = -1;
}

/* A few turns of the loop, for what must not happen. */
static void settle(struct env *e)
{
	int i;

	for (i = 0; i < 3; i++)
		loop_run_once(e->l, 5);
}

/* ---- client ------------------------------------------------------------ */

static void test_client_handshake(void **state)
{
	struct env e;

	(void)state;
	env_init(&e);
	env_handshake(&e);
	assert_string_equal(e.r.log, "ready ");
	tl_qmp_expect_silence(&e.f, e.l);
	assert_int_equal(e.r.closed, 0);
	env_fini(&e);
}

/* Read what the client sent, with the descriptor passed along (or -1). */
static ssize_t recv_with_fd(int fd, struct loop *l, char *buf, size_t len, int *got)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { buf, len - 1 };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	ssize_t n = -1;
	int i;

	*got = -1;
	for (i = 0; i < 300 && n < 0; i++) {
		loop_run_once(l, 10);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = u.b;
		mh.msg_controllen = sizeof(u.b);
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	}
	assert_true(n > 0);
	buf[n] = '\0';
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(got, CMSG_DATA(cm), sizeof(int));
	return n;
}

/* getfd: the descriptor travels with the command's first byte; one at a
 * time; the client closes its copy once sent. */
static void test_client_pass_fd(void **state)
{
	struct env e;
	struct pend p;
	char buf[512], c = 0;
	int pipefd[2], extra[2], got;

	(void)state;
	env_init(&e);
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(pipe(extra), 0);
	/* queued before the handshake: a second one is refused and closed */
	pend_init(&p, &e.r, "fd");
	assert_int_equal(qmp_command_fd(e.q, "getfd", json_pack("{s:s}", "fdname", "vnc1"),
					pipefd[1], on_reply, &p), 0);
	assert_int_equal(qmp_command_fd(e.q, "getfd", NULL, extra[1], NULL, NULL), -EBUSY);
	assert_int_equal(fcntl(extra[1], F_GETFD), -1);        /* closed (nothing reused it yet) */
	assert_int_equal(qmp_command_fd(e.q, "getfd", NULL, -1, NULL, NULL), -EBADF);
	tl_qmp_send(&e.f, GREETING_72);
	recv_with_fd(e.f.fd, e.l, buf, sizeof(buf), &got);
	assert_non_null(strstr(buf, "qmp_capabilities"));
	assert_int_equal(got, -1);
	tl_qmp_send(&e.f, "{\"return\": {}, \"id\": 1}\r\n");
	PUMP_UNTIL(e.l, e.r.ready == 1);
	recv_with_fd(e.f.fd, e.l, buf, sizeof(buf), &got);
	assert_non_null(strstr(buf, "\"execute\":\"getfd\""));
	assert_non_null(strstr(buf, "\"fdname\":\"vnc1\""));
	assert_true(got >= 0);
	assert_int_equal(write(got, "x", 1), 1);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	close(got);
	/* the client kept no copy of the write end: EOF */
	assert_int_equal(read(pipefd[0], &c, 1), 0);
	close(pipefd[0]);
	close(extra[0]);
	env_fini(&e);
}

static void test_client_out_of_order(void **state)
{
	struct env e;
	struct pend a, b, c;
	long long ia, ib, ic;
	json_t *args = NULL;

	(void)state;
	env_init(&e);
	env_handshake(&e);
	pend_init(&a, &e.r, "a");
	pend_init(&b, &e.r, "b");
	pend_init(&c, &e.r, "c");
	assert_int_equal(qmp_command(e.q, "query-status", NULL, on_reply, &a), 0);
	assert_int_equal(qmp_command(e.q, "query-name", json_pack("{s:s}", "x", "y"),
				     on_reply, &b), 0);
	assert_int_equal(qmp_command(e.q, "nope", NULL, on_reply, &c), 0);
	ia = tl_qmp_expect(&e.f, e.l, "query-status", NULL);
	ib = tl_qmp_expect(&e.f, e.l, "query-name", &args);
	ic = tl_qmp_expect(&e.f, e.l, "nope", NULL);
	assert_string_equal(json_string_value(json_object_get(args, "x")), "y");
	json_decref(args);
	assert_true(ia < ib && ib < ic);

	/* unknown id: logged, ignored */
	tl_qmp_send(&e.f, "{\"return\": {}, \"id\": 9999}\r\n");
	tl_qmp_send(&e.f, "{\"return\": {}}\r\n");
	{
		char buf[256];

		snprintf(buf, sizeof(buf), "{\"id\": %lld, \"error\": {\"class\": \"CommandNotFound\", "
			 "\"desc\": \"The command nope has not been found\"}}\r\n", ic);
		tl_qmp_send(&e.f, buf);
	}
	tl_qmp_reply(&e.f, ia, "{\"status\": \"running\"}");
	tl_qmp_reply(&e.f, ib, "{\"name\": \"web\"}");
	PUMP_UNTIL(e.l, a.called && b.called && c.called);
	assert_string_equal(e.r.log, "ready c:reply a:reply b:reply ");
	assert_int_equal(c.type, QMP_MSG_ERROR);
	assert_string_equal(c.text, "CommandNotFound: The command nope has not been found");
	assert_int_equal(a.type, QMP_MSG_RETURN);
	assert_string_equal(a.text, "{\"status\":\"running\"}");
	assert_string_equal(b.text, "{\"name\":\"web\"}");

	/* a second reply with an already-answered id is ignored too */
	tl_qmp_reply(&e.f, ia, "{}");
	tl_qmp_expect_silence(&e.f, e.l);
	assert_int_equal(a.called, 1);
	assert_int_equal(e.r.closed, 0);
	assert_true(qmp_is_ready(e.q));
	env_fini(&e);
}

/* Corked commands wait, then leave in one write, in order. */
static void test_client_cork(void **state)
{
	struct env e;
	struct pend a, b;
	char buf[512];
	ssize_t n;
	long long ia, ib;

	(void)state;
	env_init(&e);
	env_handshake(&e);
	pend_init(&a, &e.r, "a");
	pend_init(&b, &e.r, "b");
	qmp_cork(e.q);
	assert_int_equal(qmp_command(e.q, "qom-get", json_pack("{s:s}", "path", "/x"), on_reply,
				     &a), 0);
	assert_int_equal(qmp_command(e.q, "query-blockstats", NULL, on_reply, &b), 0);
	tl_qmp_expect_silence(&e.f, e.l);
	qmp_uncork(e.q);
	qmp_uncork(e.q);                  /* again: nothing more */
	n = recv(e.f.fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/x\"},\"id\":"));
	assert_non_null(strstr(buf, "}\n{\"execute\":\"query-blockstats\",\"id\":"));
	assert_int_equal(buf[n - 1], '\n');
	ia = strtoll(strstr(buf, "\"id\":") + 5, NULL, 10);
	ib = strtoll(strstr(strstr(buf, "query-blockstats"), "\"id\":") + 5, NULL, 10);
	tl_qmp_reply(&e.f, ib, "[]");
	tl_qmp_reply(&e.f, ia, "{}");
	PUMP_UNTIL(e.l, a.called && b.called);
	assert_string_equal(e.r.log, "ready b:reply a:reply ");
	/* uncorked, a command leaves at once */
	assert_int_equal(qmp_command(e.q, "query-status", NULL, NULL, NULL), 0);
	tl_qmp_expect(&e.f, e.l, "query-status", NULL);
	qmp_cork(NULL);
	qmp_uncork(NULL);
	env_fini(&e);
}

/* A raw command's reply is read in place; anything unusual goes the
 * usual way (a tree), and other replies and events are untouched. */
static void test_client_raw(void **state)
{
	struct env e;
	struct pend a, b, c, d;
	long long ia, ib, ic, id;
	char buf[256];

	(void)state;
	env_init(&e);
	env_handshake(&e);
	pend_init(&a, &e.r, "a");
	pend_init(&b, &e.r, "b");
	pend_init(&c, &e.r, "c");
	pend_init(&d, &e.r, "d");
	assert_int_equal(qmp_command_raw(e.q, "query-blockstats", NULL, on_reply, &a), 0);
	assert_int_equal(qmp_command(e.q, "query-status", NULL, on_reply, &b), 0);
	assert_int_equal(qmp_command_raw(e.q, "query-blockstats", NULL, on_reply, &c), 0);
	assert_int_equal(qmp_command_raw(e.q, "query-blockstats", NULL, on_reply, &d), 0);
	ia = tl_qmp_expect(&e.f, e.l, "query-blockstats", NULL);
	ib = tl_qmp_expect(&e.f, e.l, "query-status", NULL);
	ic = tl_qmp_expect(&e.f, e.l, "query-blockstats", NULL);
	id = tl_qmp_expect(&e.f, e.l, "query-blockstats", NULL);
	tl_qmp_send(&e.f, "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n");
	snprintf(buf, sizeof(buf), "{\"return\": [{\"device\": \"\", \"stats\": {\"rd_bytes\": 7}}], \"id\": %lld}\r\n", ia);
	tl_qmp_send(&e.f, buf);
	tl_qmp_reply(&e.f, ib, "{\"status\": \"running\"}");
	/* a member more than return and id: the usual way */
	snprintf(buf, sizeof(buf), "{\"return\": [], \"id\": %lld, \"extra\": 1}\r\n", ic);
	tl_qmp_send(&e.f, buf);
	snprintf(buf, sizeof(buf), "{\"id\": %lld, \"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}\r\n", id);
	tl_qmp_send(&e.f, buf);
	PUMP_UNTIL(e.l, a.called && b.called && c.called && d.called);
	assert_string_equal(a.text, "raw:[{\"device\": \"\", \"stats\": {\"rd_bytes\": 7}}]");
	assert_string_equal(b.text, "{\"status\":\"running\"}");
	assert_string_equal(c.text, "[]");
	assert_int_equal(d.type, QMP_MSG_ERROR);
	assert_string_equal(d.text, "GenericError: no");
	assert_int_equal(e.r.nevents, 1);
	/* a question written once as text goes as qmp_command would write
	 * it, each time, and its answer comes raw */
	{
		json_t *args = json_pack("{s:s,s:s}", "path", "/machine/peripheral/balloon0",
					 "property", "guest-stats"), *got = NULL, *arr = json_array();
		char *text = qmp_command_text("qom-get", args);

		assert_non_null(text);
		assert_null(qmp_command_text(NULL, NULL));
		assert_null(qmp_command_text("qom-get", arr));
		json_decref(arr);
		assert_int_equal(qmp_command_raw_text(e.q, "not a command", on_reply, &a), -EINVAL);
		pend_init(&a, &e.r, "a");
		assert_int_equal(qmp_command_raw_text(e.q, text, on_reply, &a), 0);
		ia = tl_qmp_expect(&e.f, e.l, "qom-get", &got);
		assert_true(json_equal(got, args));
		json_decref(got);
		pend_init(&b, &e.r, "b");
		assert_int_equal(qmp_command_raw_text(e.q, text, on_reply, &b), 0);
		ib = tl_qmp_expect(&e.f, e.l, "qom-get", NULL);
		assert_true(ib > ia);
		tl_qmp_reply(&e.f, ib, "{\"last-update\": 0}");
		tl_qmp_reply(&e.f, ia, "{\"last-update\": 1}");
		PUMP_UNTIL(e.l, a.called && b.called);
		assert_string_equal(a.text, "raw:{\"last-update\": 1}");
		free(text);
		json_decref(args);
	}
	/* while a raw command is out, an id none has (0 is never one) goes
	 * the usual way, ignored */
	pend_init(&a, &e.r, "a");
	assert_int_equal(qmp_command_raw(e.q, "query-blockstats", NULL, on_reply, &a), 0);
	ia = tl_qmp_expect(&e.f, e.l, "query-blockstats", NULL);
	tl_qmp_send(&e.f, "{\"return\": [], \"id\": 0}\r\n");
	tl_qmp_send(&e.f, "{\"return\": [], \"id\": 99999}\r\n");
	tl_qmp_expect_silence(&e.f, e.l);
	assert_int_equal(e.r.closed, 0);
	assert_int_equal(a.called, 0);
	/* not JSON, though the id is a raw command's: malformed, as ever */
	snprintf(buf, sizeof(buf), "{\"return\": [1,], \"id\": %lld}\r\n", ia);
	tl_qmp_send(&e.f, buf);
	PUMP_UNTIL(e.l, e.r.closed);
	assert_true(a.null_reply);
	env_fini(&e);
}

static void test_client_events(void **state)
{
	struct env e;

	(void)state;
	env_init(&e);
	tl_qmp_send(&e.f, GREETING_72);
	(void)tl_qmp_expect(&e.f, e.l, "qmp_capabilities", NULL);
	/* an event before capabilities are done is still delivered */
	tl_qmp_send(&e.f, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}\r\n");
	PUMP_UNTIL(e.l, e.r.nevents == 1);
	assert_false(qmp_is_ready(e.q));
	tl_qmp_reply(&e.f, 1, "{}");
	tl_qmp_send(&e.f, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 3}, \"event\": \"RESUME\"}\r\n"
		  "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 4}, \"event\": \"SHUTDOWN\", "
		  "\"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}\r\n");
	PUMP_UNTIL(e.l, e.r.nevents == 3);
	assert_string_equal(e.r.log, "ev:STOP ready ev:RESUME ev:SHUTDOWN ");
	env_fini(&e);
}

static void test_client_close_pending(void **state)
{
	struct env e;
	struct pend p[3];
	int i;

	(void)state;
	env_init(&e);
	env_handshake(&e);
	pend_three(&e, p, "query-status");
	for (i = 0; i < 3; i++)
		(void)tl_qmp_expect(&e.f, e.l, "query-status", NULL);
	qemu_hang_up(&e);
	PUMP_UNTIL(e.l, e.r.closed == 1);
	assert_string_equal(e.r.log, "ready p1:null p2:null p3:null close ");
	assert_string_equal(e.r.why, "QMP connection closed by QEMU");
	for (i = 0; i < 3; i++)
		assert_int_equal(p[i].called, 1);
	assert_false(qmp_is_ready(e.q));
	assert_int_equal(qmp_command(e.q, "x", json_object(), NULL, NULL), -ENOTCONN);
	/* closed stays closed: no second close callback */
	settle(&e);
	assert_int_equal(e.r.closed, 1);
	env_fini(&e);
}

static void test_client_malformed(void **state)
{
	struct env e;
	struct pend p;

	(void)state;
	env_init(&e);
	env_handshake(&e);
	pend_init(&p, &e.r, "p");
	assert_int_equal(qmp_command(e.q, "query-status", NULL, on_reply, &p), 0);
	(void)tl_qmp_expect(&e.f, e.l, "query-status", NULL);
	tl_qmp_send(&e.f, "this is not json\r\n");
	PUMP_UNTIL(e.l, e.r.closed == 1);
	assert_non_null(strstr(e.r.why, "malformed"));
	assert_non_null(strstr(e.r.why, "not JSON"));
	assert_string_equal(e.r.log, "ready p:null close ");
	env_fini(&e);
}

static void test_client_bad_greeting(void **state)
{
	struct env e;
	struct pend p;

	(void)state;
	env_init(&e);
	pend_init(&p, &e.r, "p");
	assert_int_equal(qmp_command(e.q, "query-status", NULL, on_reply, &p), 0);
	tl_qmp_send(&e.f, "{\"QMP\": {\"version\": 7, \"capabilities\": []}}\r\n");
	PUMP_UNTIL(e.l, e.r.closed == 1);
	assert_non_null(strstr(e.r.why, "malformed"));
	assert_non_null(strstr(e.r.why, "version"));
	assert_string_equal(e.r.log, "p:null close ");
	env_fini(&e);

	/* a second greeting after the handshake */
	env_init(&e);
	env_handshake(&e);
	tl_qmp_send(&e.f, GREETING_72);
	PUMP_UNTIL(e.l, e.r.closed == 1);
	assert_non_null(strstr(e.r.why, "second greeting"));
	env_fini(&e);

	/* a reply where the greeting should be */
	env_init(&e);
	tl_qmp_send(&e.f, "{\"return\": {}, \"id\": 1}\r\n");
	PUMP_UNTIL(e.l, e.r.closed == 1);
	assert_non_null(strstr(e.r.why, "greeting"));
	env_fini(&e);
}

static void test_client_caps_fail(void **state)
{
	struct env e;
	struct pend p;
	long long id;

	(void)state;
	env_init(&e);
	pend_init(&p, &e.r, "p");
	assert_int_equal(qmp_command(e.q, "query-status", NULL, on_reply, &p), 0);
	tl_qmp_send(&e.f, GREETING_72);
	id = tl_qmp_expect(&e.f, e.l, "qmp_capabilities", NULL);
	{
		char buf[256];

		snprintf(buf, sizeof(buf), "{\"id\": %lld, \"error\": {\"class\": \"GenericError\", "
			 "\"desc\": \"no\"}}\r\n", id);
		tl_qmp_send(&e.f, buf);
	}
	PUMP_UNTIL(e.l, e.r.closed == 1);
	assert_non_null(strstr(e.r.why, "capabilities"));
	assert_non_null(strstr(e.r.why, "GenericError"));
	assert_string_equal(e.r.log, "p:null close ");
	assert_int_equal(e.r.ready, 0);
	env_fini(&e);
}

static void test_client_queued_before_ready(void **state)
{
	struct env e;
	struct pend a, b;
	long long caps, ia, ib;

	(void)state;
	env_init(&e);
	pend_init(&a, &e.r, "a");
	pend_init(&b, &e.r, "b");
	assert_int_equal(qmp_command(e.q, "query-status", NULL, on_reply, &a), 0);
	assert_int_equal(qmp_command(e.q, "query-version", NULL, on_reply, &b), 0);
	tl_qmp_expect_silence(&e.f, e.l);         /* nothing before the greeting */
	tl_qmp_send(&e.f, GREETING_72);
	caps = tl_qmp_expect(&e.f, e.l, "qmp_capabilities", NULL);
	tl_qmp_expect_silence(&e.f, e.l);         /* nothing before caps succeed */
	tl_qmp_reply(&e.f, caps, "{}");
	ia = tl_qmp_expect(&e.f, e.l, "query-status", NULL);
	ib = tl_qmp_expect(&e.f, e.l, "query-version", NULL);
	assert_true(caps < ia && ia < ib);
	assert_int_equal(e.r.ready, 1);
	tl_qmp_reply(&e.f, ib, "{\"qemu\": {\"major\": 7}}");
	tl_qmp_reply(&e.f, ia, "{\"status\": \"prelaunch\"}");
	PUMP_UNTIL(e.l, a.called && b.called);
	assert_string_equal(e.r.log, "ready b:reply a:reply ");
	env_fini(&e);
}

static void test_client_free_in_reply(void **state)
{
	struct env e;
	struct pend a, b;
	long long ia;
	char buf[512];

	(void)state;
	env_init(&e);
	env_handshake(&e);
	pend_init(&a, &e.r, "a");
	pend_init(&b, &e.r, "b");
	a.free_q = 1;
	assert_int_equal(qmp_command(e.q, "query-status", NULL, on_reply, &a), 0);
	assert_int_equal(qmp_command(e.q, "query-version", NULL, on_reply, &b), 0);
	ia = tl_qmp_expect(&e.f, e.l, "query-status", NULL);
	(void)tl_qmp_expect(&e.f, e.l, "query-version", NULL);
	/* one write: the reply that frees, then an event and more garbage in
	 * the same read; nothing may run after the free */
	snprintf(buf, sizeof(buf), "{\"return\": {}, \"id\": %lld}\r\n"
		 "{\"event\": \"STOP\", \"timestamp\": {}}\r\nnot json\r\n", ia);
	tl_qmp_send(&e.f, buf);
	PUMP_UNTIL(e.l, a.called == 1);
	assert_null(e.r.q);
	assert_int_equal(b.called, 1);
	assert_true(b.null_reply);
	settle(&e);
	assert_string_equal(e.r.log, "ready a:reply b:null ");
	assert_int_equal(e.r.closed, 0);
	env_fini(&e);
}

static void test_client_free_in_close(void **state)
{
	struct env e;

	(void)state;
	env_init(&e);
	env_handshake(&e);
	e.r.free_in_close = 1;
	qemu_hang_up(&e);
	PUMP_UNTIL(e.l, e.r.closed == 1);
	assert_null(e.r.q);
	settle(&e);
	env_fini(&e);
}

static void test_client_free_in_null_reply(void **state)
{
	struct env e;
	struct pend p[3];

	(void)state;
	env_init(&e);
	env_handshake(&e);
	pend_three(&e, p, "stop");
	p[0].free_q = 1;
	qemu_hang_up(&e);
	PUMP_UNTIL(e.l, p[2].called == 1);
	/* every callback still ran once; after the free, no close callback */
	assert_string_equal(e.r.log, "ready p1:null p2:null p3:null ");
	assert_null(e.r.q);
	env_fini(&e);
}

static void test_client_free_in_ready_and_event(void **state)
{
	struct env e;
	struct pend a;
	long long id;

	(void)state;
	env_init(&e);
	pend_init(&a, &e.r, "a");
	assert_int_equal(qmp_command(e.q, "query-status", NULL, on_reply, &a), 0);
	e.r.free_in_ready = 1;
	tl_qmp_send(&e.f, GREETING_72);
	id = tl_qmp_expect(&e.f, e.l, "qmp_capabilities", NULL);
	tl_qmp_reply(&e.f, id, "{}");
	PUMP_UNTIL(e.l, e.r.ready == 1);
	assert_null(e.r.q);
	assert_string_equal(e.r.log, "ready a:null ");
	env_fini(&e);

	env_init(&e);
	e.r.free_in_event = 1;
	tl_qmp_send(&e.f, GREETING_72 "{\"event\": \"STOP\"}\r\n{\"event\": \"RESUME\"}\r\n");
	PUMP_UNTIL(e.l, e.r.nevents == 1);
	settle(&e);
	assert_null(e.r.q);
	assert_string_equal(e.r.log, "ev:STOP ");
	env_fini(&e);
}

static void test_client_byte_by_byte(void **state)
{
	struct env e;
	struct pend a;
	const char *stream =
		GREETING_72
		"{\"return\": {}, \"id\": 1}\r\n"
		"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESET\", "
		"\"data\": {\"guest\": false, \"reason\": \"host-qmp-system-reset\"}}\r\n"
		"{\"return\": {\"status\": \"prelaunch\", \"running\": false}, \"id\": 2}\r\n"
		"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 3}, \"event\": \"POWERDOWN\"}\r\n";
	size_t i, n = strlen(stream);

	(void)state;
	env_init(&e);
	pend_init(&a, &e.r, "a");
	assert_int_equal(qmp_command(e.q, "query-status", NULL, on_reply, &a), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(write(e.f.fd, stream + i, 1), 1);
		while (loop_run_once(e.l, 0) > 0)
			;
	}
	assert_int_equal(e.r.ready, 1);
	assert_int_equal(a.called, 1);
	assert_int_equal(e.r.nevents, 2);
	assert_string_equal(e.r.events[0], "RESET");
	assert_string_equal(e.r.events[1], "POWERDOWN");
	assert_string_equal(a.text, "{\"status\":\"prelaunch\",\"running\":false}");
	assert_string_equal(e.r.log, "ready ev:RESET a:reply ev:POWERDOWN ");
	assert_int_equal(tl_qmp_expect(&e.f, e.l, "qmp_capabilities", NULL), 1);
	assert_int_equal(tl_qmp_expect(&e.f, e.l, "query-status", NULL), 2);
	assert_int_equal(e.r.closed, 0);
	env_fini(&e);
}

static void test_client_line_too_long(void **state)
{
	struct env e;
	size_t chunk = 64 * 1024, sent = 0, total = QMP_MAX_LINE + chunk;
	char *buf = malloc(chunk);

	(void)state;
	assert_non_null(buf);
	memset(buf, ' ', chunk);
	env_init(&e);
	tl_qmp_send(&e.f, "{\"return\": ");
	assert_int_equal(fcntl(e.f.fd, F_SETFL, O_NONBLOCK), 0);
	while (sent < total && !e.r.closed) {
		ssize_t n = write(e.f.fd, buf, chunk);

		if (n > 0)
			sent += (size_t)n;
		loop_run_once(e.l, 0);
	}
	PUMP_UNTIL(e.l, e.r.closed == 1);
	assert_non_null(strstr(e.r.why, "malformed"));
	assert_non_null(strstr(e.r.why, "longer than"));
	free(buf);
	env_fini(&e);
}

static void test_client_write_error(void **state)
{
	struct env e;
	struct pend p;

	(void)state;
	env_init(&e);
	env_handshake(&e);
	pend_init(&p, &e.r, "p");
	assert_int_equal(shutdown(e.f.fd, SHUT_RD), 0);
	/* the failure is reported from the loop, never in the caller's frame */
	assert_int_equal(qmp_command(e.q, "stop", NULL, on_reply, &p), 0);
	assert_int_equal(p.called, 0);
	assert_int_equal(e.r.closed, 0);
	PUMP_UNTIL(e.l, e.r.closed == 1);
	assert_non_null(strstr(e.r.why, "cannot write"));
	assert_string_equal(e.r.log, "ready p:null close ");
	env_fini(&e);
}

static void test_client_big_command(void **state)
{
	struct env e;
	struct pend a, b;
	size_t big = 3u << 20;
	char *s = malloc(big + 1);
	json_t *args = NULL;

	(void)state;
	assert_non_null(s);
	memset(s, 'x', big);
	s[big] = '\0';
	env_init(&e);
	env_handshake(&e);
	pend_init(&a, &e.r, "a");
	pend_init(&b, &e.r, "b");
	/* more than the socket buffer: the rest waits for EPOLLOUT, and the
	 * next command queues behind it */
	assert_int_equal(qmp_command(e.q, "human-monitor-command",
				     json_pack("{s:s}", "command-line", s), on_reply, &a), 0);
	assert_int_equal(qmp_command(e.q, "stop", NULL, on_reply, &b), 0);
	(void)tl_qmp_expect(&e.f, e.l, "human-monitor-command", &args);
	assert_int_equal(strlen(json_string_value(json_object_get(args, "command-line"))), big);
	json_decref(args);
	(void)tl_qmp_expect(&e.f, e.l, "stop", NULL);
	tl_qmp_expect_silence(&e.f, e.l);
	assert_int_equal(e.r.closed, 0);
	free(s);
	env_fini(&e);
}

static void test_client_bad_args(void **state)
{
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(qmp_command(e.q, "x", json_array(), NULL, NULL), -EINVAL);
	assert_int_equal(qmp_command(e.q, "\xff\xfe", NULL, NULL, NULL), -EINVAL);
	assert_int_equal(qmp_command(e.q, NULL, json_object(), NULL, NULL), -EINVAL);
	assert_int_equal(qmp_command(NULL, "x", json_object(), NULL, NULL), -ENOTCONN);
	assert_null(qmp_new_fd(e.l, -1, &rec_cbs, NULL));
	env_fini(&e);
	qmp_free(NULL);
}

static void test_connect_errors(void **state)
{
	struct loop *l = loop_new();
	struct qmp *q = (struct qmp *)1;
	char path[200], err[400];

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(qmp_connect(l, path, &rec_cbs, NULL, &q, err, sizeof(err)),
			 -ENAMETOOLONG);
	assert_null(q);
	assert_int_equal(qmp_connect(l, "/nonexistent/croft/qmp.sock", &rec_cbs, NULL, &q,
				     err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "cannot connect to QMP socket /nonexistent/croft/qmp.sock: "
			    "No such file or directory");
	assert_null(q);
	loop_free(l);
}

/* ---- real QEMU ----------------------------------------------------------- */

static int have_binary(const char *name)
{
	const char *path = getenv("PATH");
	char *dup, *dir, *save = NULL;
	int found = 0;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	dup = strdup(path);
	for (dir = strtok_r(dup, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char full[4096];

		snprintf(full, sizeof(full), "%s/%s", *dir ? dir : ".", name);
		found = access(full, X_OK) == 0;
	}
	free(dup);
	return found;
}

static void qemu_status_cb(struct qmp *q, const struct qmp_msg *reply, void *data)
{
	struct pend *p = data;
	const char *s;

	(void)q;
	p->called++;
	if (!reply || reply->type != QMP_MSG_RETURN) {
		p->null_reply = !reply;
		return;
	}
	p->type = reply->type;
	s = json_string_value(json_object_get(reply->ret, "status"));
	if (s)
		snprintf(p->text, sizeof(p->text), "%s", s);
	else
		snprintf(p->text, sizeof(p->text), "%lld.%lld",
			 json_integer_value(json_object_get(json_object_get(reply->ret, "qemu"),
							    "major")),
			 json_integer_value(json_object_get(json_object_get(reply->ret, "qemu"),
							    "minor")));
}

/* What test_real_qemu leaves behind if an assertion fails midway. */
static pid_t qemu_pid = -1;
static char qemu_dir[64];
static char qemu_sock[256];

static int real_qemu_teardown(void **state)
{
	(void)state;
	if (qemu_pid > 0) {
		kill(qemu_pid, SIGKILL);
		waitpid(qemu_pid, NULL, 0);
		qemu_pid = -1;
	}
	if (qemu_dir[0]) {
		unlink(qemu_sock);
		rmdir(qemu_dir);
		qemu_dir[0] = '\0';
	}
	return 0;
}

static void test_real_qemu(void **state)
{
	char *dir = qemu_dir, *sock = qemu_sock;
	char err[512];
	struct loop *l;
	struct qmp *q = NULL;
	struct rec r;
	struct pend st, ver, quit;
	pid_t pid;
	int i, r2 = -1, status;

	(void)state;
	if (!have_binary("qemu-system-x86_64")) {
		skip();
		return;
	}
	snprintf(qemu_dir, sizeof(qemu_dir), "/tmp/croft-test-qmp-XXXXXX");
	if (!mkdtemp(qemu_dir)) {
		qemu_dir[0] = '\0';
		fail_msg("mkdtemp: %s", strerror(errno));
	}
	snprintf(qemu_sock, sizeof(qemu_sock), "%s/qmp.sock", dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char qmparg[320];
		int devnull = open("/dev/null", O_RDWR);

		snprintf(qmparg, sizeof(qmparg), "unix:%s,server=on,wait=off", sock);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
		}
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-machine", "none",
		       "-nodefaults", "-display", "none", "-qmp", qmparg, "-S", (char *)NULL);
		_exit(127);
	}
	qemu_pid = pid;
	l = loop_new();
	memset(&r, 0, sizeof(r));
	for (i = 0; i < 200; i++) {
		r2 = qmp_connect(l, sock, &rec_cbs, &r, &q, err, sizeof(err));
		if (r2 == 0 || (r2 != -ENOENT && r2 != -ECONNREFUSED))
			break;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			qemu_pid = -1;
			fail_msg("qemu exited early (status %d)", status);
		}
		usleep(50 * 1000);
	}
	if (r2 < 0)
		fail_msg("%s", err);
	r.q = q;
	pend_init(&st, &r, "status");
	pend_init(&ver, &r, "version");
	pend_init(&quit, &r, "quit");
	/* issued before the handshake: queued, sent after qmp_capabilities */
	assert_int_equal(qmp_command(q, "query-status", NULL, qemu_status_cb, &st), 0);
	PUMP_UNTIL(l, r.ready == 1 || r.closed);
	assert_int_equal(r.ready, 1);
	assert_int_equal(qmp_command(q, "query-version", NULL, qemu_status_cb, &ver), 0);
	PUMP_UNTIL(l, (st.called && ver.called) || r.closed);
	assert_string_equal(st.text, "prelaunch");
	assert_int_equal(ver.type, QMP_MSG_RETURN);
	assert_true(strlen(ver.text) >= 3);
	assert_int_equal(qmp_command(q, "quit", NULL, on_reply, &quit), 0);
	PUMP_UNTIL(l, r.closed == 1);
	assert_int_equal(quit.called, 1);
	assert_false(quit.null_reply);
	assert_int_equal(quit.type, QMP_MSG_RETURN);
	assert_string_equal(r.why, "QMP connection closed by QEMU");
	qmp_free(q);
	for (i = 0; i < 200; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(25 * 1000);
	}
	if (i == 200)
		fail_msg("qemu did not exit after quit");
	qemu_pid = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_greeting),
		cmocka_unit_test(test_parse_returns),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_events),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_client_handshake),
		cmocka_unit_test(test_client_out_of_order),
		cmocka_unit_test(test_client_cork),
		cmocka_unit_test(test_client_raw),
		cmocka_unit_test(test_client_events),
		cmocka_unit_test(test_client_close_pending),
		cmocka_unit_test(test_client_malformed),
		cmocka_unit_test(test_client_bad_greeting),
		cmocka_unit_test(test_client_caps_fail),
		cmocka_unit_test(test_client_queued_before_ready),
		cmocka_unit_test(test_client_free_in_reply),
		cmocka_unit_test(test_client_free_in_close),
		cmocka_unit_test(test_client_free_in_null_reply),
		cmocka_unit_test(test_client_free_in_ready_and_event),
		cmocka_unit_test(test_client_byte_by_byte),
		cmocka_unit_test(test_client_line_too_long),
		cmocka_unit_test(test_client_write_error),
		cmocka_unit_test(test_client_pass_fd),
		cmocka_unit_test(test_client_big_command),
		cmocka_unit_test(test_client_bad_args),
		cmocka_unit_test(test_connect_errors),
		cmocka_unit_test_teardown(test_real_qemu, real_qemu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
