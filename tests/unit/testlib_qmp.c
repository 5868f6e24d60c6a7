/*
 * A fake QEMU at the other end of a QMP socket (testlib.h), shared by the
 * QMP client's tests and the job runner's QMP steps.  The fake holds one
 * end of a socketpair and speaks by hand; while it waits for the client it
 * runs the client's loop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/qmp.h"
#include "common/loop.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct qmp *tl_qmp_fake_open(struct tl_qmp_fake *f, struct loop *l,
			     const struct qmp_callbacks *cbs, void *data)
{
	struct qmp *q;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->fd = sv[1];
	linebuf_init(&f->in, 8u << 20);
	q = qmp_new_fd(l, sv[0], cbs, data);
	assert_non_null(q);
	return q;
}

void tl_qmp_fake_close(struct tl_qmp_fake *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	linebuf_free(&f->in);
}

void tl_qmp_send(struct tl_qmp_fake *f, const char *s)
{
	assert_int_equal(proto_write_all(f->fd, s, strlen(s)), 0);
}

json_t *tl_qmp_read(struct tl_qmp_fake *f, struct loop *l)
{
	int i;

	for (i = 0; i < 300; i++) {
		struct pollfd pfd = { .fd = f->fd, .events = POLLIN };
		char *line;
		size_t len;

		if (linebuf_next(&f->in, &line, &len) == 1) {
			json_error_t je;
			json_t *j = json_loadb(line, len, 0, &je);

			if (!j)
				fail_msg("client sent non-JSON: %s", line);
			return j;
		}
		if (poll(&pfd, 1, 0) == 1) {
			ssize_t n = linebuf_read(&f->in, f->fd);

			if (n == 0)
				fail_msg("client closed the socket");
			continue;
		}
		loop_run_once(l, 10);
	}
	fail_msg("client wrote nothing");
	return NULL;
}

long long tl_qmp_expect(struct tl_qmp_fake *f, struct loop *l, const char *cmd, json_t **args)
{
	json_t *j = tl_qmp_read(f, l);
	json_t *id = json_object_get(j, "id");
	long long v;

	assert_string_equal(json_string_value(json_object_get(j, "execute")), cmd);
	assert_true(json_is_integer(id));
	v = json_integer_value(id);
	if (args) {
		*args = json_object_get(j, "arguments");
		json_incref(*args);
	}
	json_decref(j);
	return v;
}

void tl_qmp_reply(struct tl_qmp_fake *f, long long id, const char *ret)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"return\": %s, \"id\": %lld}\r\n", ret, id);
	tl_qmp_send(f, buf);
}

void tl_qmp_expect_silence(struct tl_qmp_fake *f, struct loop *l)
{
	struct pollfd pfd = { .fd = f->fd, .events = POLLIN };
	char *line;
	size_t len;
	int i;

	for (i = 0; i < 5; i++)
		loop_run_once(l, 5);
	assert_int_equal(linebuf_next(&f->in, &line, &len), 0);
	assert_int_equal(poll(&pfd, 1, 0), 0);
}

void tl_qmp_handshake(struct tl_qmp_fake *f, struct loop *l, struct qmp *q)
{
	tl_qmp_send(f, TL_QMP_GREETING);
	tl_qmp_reply(f, tl_qmp_expect(f, l, "qmp_capabilities", NULL), "{}");
	TL_PUMP_UNTIL(l, qmp_is_ready(q), 3000);
}
