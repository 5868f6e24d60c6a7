/*
 * QMP client; lines are parsed by qmp_parse.c.
 *
 * A client walks GREETING -> CAPS -> READY, or to CLOSED from anywhere.
 * Commands live on one list in the order they were issued; a command gets
 * its id when it is written, which for commands issued before READY is
 * right after qmp_capabilities succeeds.  qmp_capabilities itself sits on
 * the same list with an internal callback.  Output goes straight to the
 * socket and only the unwritten rest is buffered (with EPOLLOUT armed).
 * A write error found outside the loop's own callback is not acted on in
 * the caller's frame: a one-shot timer tears the connection down.
 *
 * Re-entrancy: every path that runs user callbacks raises q->depth.
 * qmp_free() on a client that is dispatching only marks it; the memory
 * goes when the outermost frame unwinds.  Teardown detaches the command
 * list before running its callbacks, so whatever they call sees a closed
 * client and an empty list.
 */
#include "core/qmp.h"
#include "core/jscan.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum qmp_state { QMP_ST_GREETING, QMP_ST_CAPS, QMP_ST_READY, QMP_ST_CLOSED };

struct qmp_cmd {
	struct qmp_cmd *next;
	char *head;              /* {"execute":...,"arguments":... without '}' */
	size_t head_len;
	long long id;            /* 0 until written */
	int fd;                  /* to pass with it (SCM_RIGHTS), or -1 */
	qmp_reply_cb cb;
	void *data;
	int raw;                 /* qmp_command_raw: its return as checked text */
};

struct qmp {
	struct loop *loop;
	int fd;
	enum qmp_state state;
	struct qmp_callbacks cbs;
	void *data;

	struct linebuf in;
	char *out;
	size_t out_off, out_len, out_cap;
	int out_armed;           /* EPOLLOUT requested */
	int corked;              /* qmp_cork: commands wait for qmp_uncork */
	int nraw;                /* raw commands not yet answered */
	int pass_fd;             /* goes with the byte at out[pass_at], or -1 */
	size_t pass_at;

	struct qmp_cmd *cmds, **cmds_tail;
	long long next_id;

	int write_err;           /* -errno of a failed write awaiting teardown */
	struct loop_timer *kill_timer;

	int depth;               /* frames currently running callbacks */
	int freed;               /* qmp_free() called; free when depth hits 0 */
};

static void qmp_cmd_free(struct qmp_cmd *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->head);
	free(c);
}

static void qmp_destroy(struct qmp *q)
{
	struct qmp_cmd *c, *n;

	for (c = q->cmds; c; c = n) {
		n = c->next;
		qmp_cmd_free(c);
	}
	linebuf_free(&q->in);
	free(q->out);
	free(q);
}

/* Leave a callback-running frame; 1 when q is gone and must not be touched. */
static int qmp_leave(struct qmp *q)
{
	if (--q->depth == 0 && q->freed) {
		qmp_destroy(q);
		return 1;
	}
	return 0;
}

/*
 * End the connection: close the fd, then run every command's callback with
 * NULL in issue order, then (when notify and not freed) the close callback.
 */
static void qmp_teardown(struct qmp *q, const char *why, int notify)
{
	struct qmp_cmd *c, *list;

	if (q->state == QMP_ST_CLOSED)
		return;
	q->state = QMP_ST_CLOSED;
	if (q->kill_timer) {
		loop_timer_cancel(q->loop, q->kill_timer);
		q->kill_timer = NULL;
	}
	if (q->fd >= 0) {
		loop_del(q->loop, q->fd);
		close(q->fd);
		q->fd = -1;
	}
	free(q->out);
	q->out = NULL;
	q->out_off = q->out_len = q->out_cap = 0;
	q->out_armed = 0;
	if (q->pass_fd >= 0)
		close(q->pass_fd);
	q->pass_fd = -1;

	list = q->cmds;
	q->cmds = NULL;
	q->cmds_tail = &q->cmds;

	q->depth++;
	while (list) {
		c = list;
		list = c->next;
		if (c->cb)
			c->cb(q, NULL, c->data);
		qmp_cmd_free(c);
	}
	if (notify && !q->freed && q->cbs.close)
		q->cbs.close(q, why, q->data);
	q->depth--;
}

static void qmp_set_out_armed(struct qmp *q, int on)
{
	if (q->out_armed == on || q->fd < 0)
		return;
	if (loop_mod(q->loop, q->fd, EPOLLIN | (on ? EPOLLOUT : 0)) == 0)
		q->out_armed = on;
}

/* Write what is buffered.  0 (possibly with a rest left and EPOLLOUT armed)
 * or -errno. */
/* One send(), or with a descriptor due at out_off a sendmsg() carrying it;
 * never past a descriptor's byte without it. */
static ssize_t qmp_send_some(struct qmp *q)
{
	size_t len = q->out_len - q->out_off;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov;
	struct msghdr mh = { 0 };
	ssize_t n;

	if (q->pass_fd < 0)
		return send(q->fd, q->out + q->out_off, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (q->out_off < q->pass_at)
		return send(q->fd, q->out + q->out_off, q->pass_at - q->out_off,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
	iov.iov_base = q->out + q->out_off;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	memset(&u, 0, sizeof(u));
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
	CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
	CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), &q->pass_fd, sizeof(int));
	n = sendmsg(q->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n > 0) {
		close(q->pass_fd);         /* QEMU has its copy */
		q->pass_fd = -1;
	}
	return n;
}

static int qmp_flush(struct qmp *q)
{
	while (q->out_off < q->out_len) {
		ssize_t n = qmp_send_some(q);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				qmp_set_out_armed(q, 1);
				return 0;
			}
			return -errno;
		}
		q->out_off += (size_t)n;
	}
	q->out_off = q->out_len = 0;
	qmp_set_out_armed(q, 0);
	return 0;
}

static void qmp_kill_timer_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct qmp *q = data;
	char why[160];

	(void)l;
	(void)t;
	q->kill_timer = NULL;
	snprintf(why, sizeof(why), "cannot write to QMP socket: %s", strerror(-q->write_err));
	q->depth++;
	qmp_teardown(q, why, 1);
	qmp_leave(q);
}

static void qmp_out_append(struct qmp *q, const char *s, size_t n)
{
	if (q->out_len + n > q->out_cap) {
		size_t ncap = q->out_cap ? q->out_cap : 1024;

		while (ncap < q->out_len + n)
			ncap *= 2;
		q->out = xrealloc(q->out, ncap);
		q->out_cap = ncap;
	}
	memcpy(q->out + q->out_len, s, n);
	q->out_len += n;
}

/* Write what is queued; a failure tears the connection down from a
 * timer, out of the caller's frame. */
static void qmp_send_out(struct qmp *q)
{
	int r = qmp_flush(q);

	if (r < 0) {
		q->write_err = r;
		if (!q->kill_timer)
			q->kill_timer = loop_timer_add(q->loop, 0, qmp_kill_timer_cb, q);
	}
}

/* Give c its id and write it (unless corked).  Errors are deferred to the
 * kill timer so no callback runs in the caller's frame. */
static void qmp_send(struct qmp *q, struct qmp_cmd *c)
{
	char tail[48];
	int n;

	if (q->write_err)
		return;
	c->id = ++q->next_id;
	if (c->fd >= 0) {
		q->pass_fd = c->fd;          /* qmp_command_fd keeps one in flight */
		q->pass_at = q->out_len;
		c->fd = -1;
	}
	n = snprintf(tail, sizeof(tail), ",\"id\":%lld}\n", c->id);
	qmp_out_append(q, c->head, c->head_len);
	qmp_out_append(q, tail, (size_t)n);
	if (!q->corked)
		qmp_send_out(q);
}

void qmp_cork(struct qmp *q)
{
	if (q && !q->freed)
		q->corked = 1;
}

void qmp_uncork(struct qmp *q)
{
	if (!q || q->freed || !q->corked)
		return;
	q->corked = 0;
	if (q->out_len > q->out_off && q->state != QMP_ST_CLOSED)
		qmp_send_out(q);
}

/* A command's name is written as it is when it is a plain name (QMP's
 * are); anything else goes through jansson's escaping. */
static int plain_name(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-' || name[i] == '_'))
			return 0;
	return i > 0 && i < 128;
}

/* The command's text without its closing brace: {"execute":NAME[,"arguments":ARGS] */
static char *cmd_head(const char *name, json_t *args)
{
	char *text, *a;
	json_t *o, *s;
	size_t len;

	if (plain_name(name)) {
		if (!args)
			return xasprintf("{\"execute\":\"%s\"", name);
		a = json_dumps(args, JSON_COMPACT | JSON_PRESERVE_ORDER);
		text = a ? xasprintf("{\"execute\":\"%s\",\"arguments\":%s", name, a) : NULL;
		free(a);
		return text;
	}
	s = json_string(name);
	if (!s)
		return NULL;
	o = json_object();
	json_object_set_new(o, "execute", s);
	if (args)
		json_object_set(o, "arguments", args);
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		return NULL;
	len = strlen(text);
	if (len < 2 || text[len - 1] != '}') {
		free(text);
		return NULL;
	}
	text[len - 1] = '\0';
	return text;
}

/* A command of text (taken), as cmd_head writes it. */
static struct qmp_cmd *qmp_cmd_of_text(char *text, qmp_reply_cb cb, void *data)
{
	struct qmp_cmd *c;

	if (!text)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->fd = -1;
	c->head = text;
	c->head_len = strlen(text);
	c->cb = cb;
	c->data = data;
	return c;
}

static struct qmp_cmd *qmp_cmd_new(const char *name, json_t *args, qmp_reply_cb cb,
				   void *data)
{
	return qmp_cmd_of_text(cmd_head(name, args), cb, data);
}

static void qmp_cmd_append(struct qmp *q, struct qmp_cmd *c)
{
	c->next = NULL;
	*q->cmds_tail = c;
	q->cmds_tail = &c->next;
}

static struct qmp_cmd *qmp_cmd_take(struct qmp *q, long long id)
{
	struct qmp_cmd **pp, *c;

	for (pp = &q->cmds; (c = *pp); pp = &c->next) {
		if (c->id != 0 && c->id == id) {
			*pp = c->next;
			if (q->cmds_tail == &c->next)
				q->cmds_tail = pp;
			c->next = NULL;
			return c;
		}
	}
	return NULL;
}

static void qmp_caps_reply(struct qmp *q, const struct qmp_msg *reply, void *data)
{
	struct qmp_cmd *c;
	char why[512];

	(void)data;
	if (!reply)
		return;
	if (reply->type != QMP_MSG_RETURN) {
		snprintf(why, sizeof(why), "QMP capabilities negotiation failed: %s: %s",
			 reply->err_class ? reply->err_class : "?",
			 reply->err_desc ? reply->err_desc : "?");
		qmp_teardown(q, why, 1);
		return;
	}
	q->state = QMP_ST_READY;
	for (c = q->cmds; c; c = c->next)
		if (c->id == 0)
			qmp_send(q, c);
	if (q->cbs.ready)
		q->cbs.ready(q, q->data);
}

static void qmp_malformed(struct qmp *q, const char *what)
{
	char why[600];

	snprintf(why, sizeof(why), "malformed QMP message: %s", what);
	qmp_teardown(q, why, 1);
}

static void qmp_on_greeting(struct qmp *q, const struct qmp_msg *m)
{
	struct qmp_cmd *c;

	if (q->state != QMP_ST_GREETING) {
		qmp_malformed(q, "second greeting");
		return;
	}
	log_debug("qmp: QEMU %d.%d.%d", m->ver_major, m->ver_minor, m->ver_micro);
	c = qmp_cmd_new("qmp_capabilities", NULL, qmp_caps_reply, NULL);
	if (!c) {
		qmp_teardown(q, "cannot build qmp_capabilities", 1);
		return;
	}
	q->state = QMP_ST_CAPS;
	qmp_cmd_append(q, c);
	qmp_send(q, c);
}

static void qmp_on_reply(struct qmp *q, const struct qmp_msg *m)
{
	struct qmp_cmd *c = NULL;

	if (q->state == QMP_ST_GREETING) {
		qmp_malformed(q, "reply before the QMP greeting");
		return;
	}
	if (json_is_integer(m->id))
		c = qmp_cmd_take(q, (long long)json_integer_value(m->id));
	if (c && c->raw)
		q->nraw--;
	if (!c) {
		char *id = m->id ? json_dumps(m->id, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

		if (m->type == QMP_MSG_ERROR)
			log_warn("qmp: ignoring error with unknown id %s: %s: %s",
				 id ? id : "(none)", m->err_class, m->err_desc);
		else
			log_warn("qmp: ignoring reply with unknown id %s", id ? id : "(none)");
		free(id);
		return;
	}
	if (c->cb)
		c->cb(q, m, c->data);
	qmp_cmd_free(c);
}

static void qmp_dispatch(struct qmp *q, const struct qmp_msg *m)
{
	switch (m->type) {
	case QMP_MSG_GREETING:
		qmp_on_greeting(q, m);
		break;
	case QMP_MSG_RETURN:
	case QMP_MSG_ERROR:
		qmp_on_reply(q, m);
		break;
	case QMP_MSG_EVENT:
		if (q->cbs.event)
			q->cbs.event(q, m, q->data);
		break;
	}
}

/* A reply to a raw command, read in place (jscan.h) without a jansson
 * tree: the line must be checked JSON holding exactly "return" and an
 * integer "id" naming a raw command.  1 when it was dispatched; 0 leaves
 * the line to qmp_parse (anything else, and any doubt). */
static int qmp_read_raw(struct qmp *q, const char *line, size_t len)
{
	struct jscan_span v, k, val, ret = { 0 }, id = { 0 };
	struct qmp_msg m = { .type = QMP_MSG_RETURN };
	struct qmp_cmd *c;
	struct jscan_it it;
	uint64_t n;

	if (q->state != QMP_ST_READY || jscan_whole(line, line + len, &v) < 0 ||
	    jscan_iter(&it, v) < 0 || it.close != '}')
		return 0;
	while (jscan_next(&it, &k, &val)) {
		if (jscan_key_is(k, "return") && !ret.p)
			ret = val;
		else if (jscan_key_is(k, "id") && !id.p)
			id = val;
		else
			return 0;
	}
	if (!ret.p || !id.p || jscan_u64(id, &n) < 0 || n == 0 || n > (uint64_t)q->next_id)
		return 0;                    /* ids start at 1; 0 is "not yet written" */
	for (c = q->cmds; c && c->id != (long long)n; c = c->next)
		;
	if (!c || !c->raw)
		return 0;
	c = qmp_cmd_take(q, (long long)n);
	q->nraw--;
	m.raw = ret.p;
	m.raw_len = ret.n;
	if (c->cb)
		c->cb(q, &m, c->data);
	qmp_cmd_free(c);
	return 1;
}

static void qmp_read(struct qmp *q)
{
	char err[400];
	char *line;
	size_t len;
	ssize_t n;
	int r;

	n = linebuf_read(&q->in, q->fd);
	if (n == -EAGAIN || n == -EWOULDBLOCK)
		return;
	if (n == -ECONNRESET)   /* QEMU exited with our bytes unread: still EOF */
		n = 0;
	if (n < 0) {
		char why[160];

		snprintf(why, sizeof(why), "cannot read from QMP socket: %s", strerror((int)-n));
		qmp_teardown(q, why, 1);
		return;
	}
	while (q->state != QMP_ST_CLOSED && !q->freed) {
		struct qmp_msg m;

		r = linebuf_next(&q->in, &line, &len);
		if (r == 0)
			break;
		if (r < 0) {
			snprintf(err, sizeof(err), "line longer than %u bytes", QMP_MAX_LINE);
			qmp_malformed(q, err);
			return;
		}
		if (q->nraw && qmp_read_raw(q, line, len))
			continue;
		if (qmp_parse(line, len, &m, err, sizeof(err)) < 0) {
			qmp_malformed(q, err);
			return;
		}
		qmp_dispatch(q, &m);
		qmp_msg_clear(&m);
	}
	if (n == 0 && q->state != QMP_ST_CLOSED)
		qmp_teardown(q, "QMP connection closed by QEMU", 1);
}

/* What every connection's reading and writing cost (qmp_cpu_total). */
static uint64_t io_cpu_ns, io_calls;

void qmp_cpu_total(uint64_t *ns, uint64_t *calls)
{
	*ns = io_cpu_ns;
	*calls = io_calls;
}

static void qmp_io(struct qmp *q, uint32_t events)
{
	q->depth++;
	if ((events & EPOLLOUT) && !q->write_err) {
		int r = qmp_flush(q);

		if (r < 0) {
			char why[160];

			snprintf(why, sizeof(why), "cannot write to QMP socket: %s", strerror(-r));
			qmp_teardown(q, why, 1);
		}
	}
	if (q->state != QMP_ST_CLOSED && !q->freed &&
	    (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		qmp_read(q);
	qmp_leave(q);
}

static void qmp_io_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	uint64_t t0 = loop_thread_cpu_ns();

	(void)l;
	(void)fd;
	qmp_io(data, events);
	io_cpu_ns += loop_thread_cpu_ns() - t0;
	io_calls++;
}

static int qmp_new_fd_err(struct loop *l, int fd, const struct qmp_callbacks *cbs,
			  void *data, struct qmp **out)
{
	struct qmp *q;
	int fl, r;

	*out = NULL;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)) {
		r = -errno;
		goto fail;
	}
	q = xcalloc(1, sizeof(*q));
	q->loop = l;
	q->fd = fd;
	q->state = QMP_ST_GREETING;
	if (cbs)
		q->cbs = *cbs;
	q->data = data;
	q->cmds_tail = &q->cmds;
	q->pass_fd = -1;
	linebuf_init(&q->in, QMP_MAX_LINE);
	r = loop_add(l, fd, EPOLLIN, qmp_io_cb, q);
	if (r < 0) {
		linebuf_free(&q->in);
		free(q);
		goto fail;
	}
	*out = q;
	return 0;
fail:
	close(fd);
	return r;
}

struct qmp *qmp_new_fd(struct loop *l, int fd, const struct qmp_callbacks *cbs, void *data)
{
	struct qmp *q;

	if (qmp_new_fd_err(l, fd, cbs, data, &q) < 0)
		return NULL;
	return q;
}

int qmp_connect(struct loop *l, const char *path, const struct qmp_callbacks *cbs,
		void *data, struct qmp **out, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t plen = strlen(path);
	int fd, r;

	*out = NULL;
	if (plen >= sizeof(sa.sun_path)) {
		err_set(err, errlen, "cannot connect to QMP socket %s: path longer than %zu bytes",
			path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, plen + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	do {
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = -errno;
		close(fd);
		goto fail;
	}
	r = qmp_new_fd_err(l, fd, cbs, data, out);
	if (r < 0)
		goto fail;
	return 0;
fail:
	err_set(err, errlen, "cannot connect to QMP socket %s: %s", path, strerror(-r));
	return r;
}

static int qmp_command_ex(struct qmp *q, const char *cmd, json_t *args, int fd, int raw,
			  qmp_reply_cb cb, void *data);
static int qmp_command_add(struct qmp *q, struct qmp_cmd *c, int fd, int raw);

int qmp_command(struct qmp *q, const char *cmd, json_t *args, qmp_reply_cb cb, void *data)
{
	return qmp_command_ex(q, cmd, args, -1, 0, cb, data);
}

int qmp_command_raw(struct qmp *q, const char *cmd, json_t *args, qmp_reply_cb cb, void *data)
{
	return qmp_command_ex(q, cmd, args, -1, 1, cb, data);
}

char *qmp_command_text(const char *cmd, json_t *args)
{
	return cmd && (!args || json_is_object(args)) ? cmd_head(cmd, args) : NULL;
}

int qmp_command_raw_text(struct qmp *q, const char *text, qmp_reply_cb cb, void *data)
{
	if (!q || q->freed || q->state == QMP_ST_CLOSED || q->write_err)
		return -ENOTCONN;
	if (!text || text[0] != '{')
		return -EINVAL;
	return qmp_command_add(q, qmp_cmd_of_text(xstrdup(text), cb, data), -1, 1);
}

int qmp_command_fd(struct qmp *q, const char *cmd, json_t *args, int fd, qmp_reply_cb cb,
		   void *data)
{
	struct qmp_cmd *c;

	for (c = q ? q->cmds : NULL; c; c = c->next)
		if (c->fd >= 0)
			break;
	if (fd < 0 || (q && (q->pass_fd >= 0 || c))) {
		json_decref(args);
		if (fd >= 0)
			close(fd);
		return fd < 0 ? -EBADF : -EBUSY;
	}
	return qmp_command_ex(q, cmd, args, fd, 0, cb, data);
}

static int qmp_command_ex(struct qmp *q, const char *cmd, json_t *args, int fd, int raw,
			  qmp_reply_cb cb, void *data)
{
	struct qmp_cmd *c;
	int r;

	if (!q || q->freed || q->state == QMP_ST_CLOSED || q->write_err) {
		r = -ENOTCONN;
		goto fail;
	}
	if (!cmd || (args && !json_is_object(args))) {
		r = -EINVAL;
		goto fail;
	}
	c = qmp_cmd_new(cmd, args, cb, data);
	if (!c) {
		r = -EINVAL;
		goto fail;
	}
	json_decref(args);
	return qmp_command_add(q, c, fd, raw);
fail:
	json_decref(args);
	if (fd >= 0)
		close(fd);
	return r;
}

/* Queue c (with fd, taken) and write it when the client is ready. */
static int qmp_command_add(struct qmp *q, struct qmp_cmd *c, int fd, int raw)
{
	c->fd = fd;
	c->raw = raw;
	q->nraw += raw;
	qmp_cmd_append(q, c);
	if (q->state == QMP_ST_READY)
		qmp_send(q, c);
	return 0;
}

int qmp_is_ready(const struct qmp *q)
{
	return q && !q->freed && q->state == QMP_ST_READY;
}

void qmp_free(struct qmp *q)
{
	if (!q || q->freed)
		return;
	q->freed = 1;
	q->depth++;
	qmp_teardown(q, NULL, 0);
	qmp_leave(q);
}
