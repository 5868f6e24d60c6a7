/*
 * API server limits: the real server (core/api_server.c) on a fake croftd
 * (testlib) with a loop of its own, and clients on real unix sockets in
 * the test process, pumped between steps.  Connection caps per uid, in
 * total and root's own room (other uids connect from a forked child that
 * changes its credentials and passes its sockets back); EMFILE with
 * RLIMIT_NOFILE lowered: accepting pauses with one log line, no busy loop,
 * and resumes on a close and on the timer; output caps: a subscriber that
 * never reads is dropped, past the total the one furthest behind goes, and
 * a client that sends requests without reading replies is no longer read;
 * an overlong request line; refused strangers cannot pile up either.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/api_server.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_GID 47311             /* "group croft" for the children */

struct fixture {
	char *dir;
	char *sock;
	struct croftd *d;
	int saved_stderr;          /* while stderr goes to a file, or -1 */
	struct rlimit nofile;      /* restored by the teardown */
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = tl_tmpdir("apisrv");
	assert_non_null(f->dir);
	f->sock = tl_path(f->dir, "croftd.sock");
	f->d = tl_croftd_new_or_fail(f->dir);
	f->d->loop = loop_new();
	assert_non_null(f->d->loop);
	f->saved_stderr = -1;
	getrlimit(RLIMIT_NOFILE, &f->nofile);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	setrlimit(RLIMIT_NOFILE, &f->nofile);
	if (f->saved_stderr >= 0) {
		fflush(stderr);
		dup2(f->saved_stderr, STDERR_FILENO);
		close(f->saved_stderr);
	}
	api_server_stop(f->d->api);
	loop_free(f->d->loop);
	f->d->loop = NULL;
	tl_croftd_free(f->d);
	tl_rmtree(f->dir);
	free(f->sock);
	free(f->dir);
	free(f);
	return 0;
}

static void set(struct fixture *f, const char *key, const char *value)
{
	assert_int_equal(store_setting_set(f->d->store, key, value), 0);
}

static void start(struct fixture *f)
{
	char err[256];

	if (api_server_start(f->d, f->sock, &f->d->api, err, sizeof(err)) < 0)
		fail_msg("api_server_start: %s", err);
}

static struct api_server_stats stats(struct fixture *f)
{
	struct api_server_stats st;

	api_server_stats(f->d->api, &st);
	return st;
}

static void pump(struct fixture *f, int turns)
{
	while (turns-- > 0)
		loop_run_once(f->d->loop, 5);
}

/* --- clients ------------------------------------------------------------------ */

static int cl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_msg("connect %s: %s", path, strerror(errno));
	return fd;
}

static void cl_send(int fd, const char *text)
{
	size_t len = strlen(text);

	assert_int_equal(send(fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* The next line from fd (malloc'd), pumping the server meanwhile; NULL on
 * EOF.  Fails after 3 s. */
static char *cl_line(struct fixture *f, int fd)
{
	char buf[65536];
	size_t len = 0;
	uint64_t end = loop_now_ms() + 3000;

	while (loop_now_ms() < end) {
		ssize_t n = recv(fd, buf + len, 1, 0);

		if (n == 1) {
			if (buf[len] == '\n') {
				buf[len] = '\0';
				return xstrdup(buf);
			}
			if (++len >= sizeof(buf) - 1)
				fail_msg("line too long");
			continue;
		}
		if (n == 0)
			return NULL;
		if (errno != EAGAIN)
			fail_msg("recv: %s", strerror(errno));
		loop_run_once(f->d->loop, 5);
	}
	fail_msg("no line from the server in 3 s");
	return NULL;
}

static void cl_expect(struct fixture *f, int fd, const char *needle)
{
	char *line = cl_line(f, fd);

	tl_assert_contains(line, needle);
	free(line);
}

static void cl_hello(struct fixture *f, int fd)
{
	cl_send(fd, "{\"id\":1,\"op\":\"hello\",\"args\":{\"version\":1}}\n");
	cl_expect(f, fd, "\"ok\":true");
}

/* Read everything until EOF; fails after 3 s.  The bytes read. */
static size_t cl_drain_eof(struct fixture *f, int fd, char *last, size_t lastlen)
{
	char buf[65536];
	size_t total = 0;
	uint64_t end = loop_now_ms() + 3000;

	while (loop_now_ms() < end) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n > 0) {
			buf[n] = '\0';
			total += (size_t)n;
			if (last)
				snprintf(last, lastlen, "%s", buf);
			continue;
		}
		if (n == 0)
			return total;
		if (errno != EAGAIN)
			return total;
		loop_run_once(f->d->loop, 5);
	}
	fail_msg("no EOF from the server in 3 s");
	return 0;
}

/* n connections as uid and gid, made by a child and passed back. */
static void connect_as_gid(const char *path, uid_t uid, gid_t gid, int n, int *fds)
{
	int sv[2], i;
	pid_t pid;
	int status;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
			_exit(2);
		for (i = 0; i < n; i++) {
			struct sockaddr_un sa = { .sun_family = AF_UNIX };
			char cbuf[CMSG_SPACE(sizeof(int))], b = 'x';
			struct iovec iov = { &b, 1 };
			struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
					     .msg_controllen = sizeof(cbuf) };
			struct cmsghdr *cm;
			int fd = socket(AF_UNIX, SOCK_STREAM, 0);

			snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
			if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
				_exit(3);
			memset(cbuf, 0, sizeof(cbuf));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fd, sizeof(int));
			if (sendmsg(sv[1], &mh, 0) != 1)
				_exit(4);
			close(fd);
		}
		_exit(0);
	}
	close(sv[1]);
	for (i = 0; i < n; i++) {
		char cbuf[CMSG_SPACE(sizeof(int))], b;
		struct iovec iov = { &b, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };

		assert_int_equal(recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC), 1);
		memcpy(&fds[i], CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
	}
	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ... with gid TEST_GID, allowed as "group croft". */
static void connect_as(const char *path, uid_t uid, int n, int *fds)
{
	connect_as_gid(path, uid, TEST_GID, n, fds);
}

static void close_all(int *fds, int n)
{
	while (n-- > 0)
		close(fds[n]);
}

/* --- connection caps --------------------------------------------------------------- */

/* Defaults, and a bad setting falls back to its default. */
static void test_limits_from_settings(void **state)
{
	struct fixture *f = *state;
	const struct api_limits *lim;

	set(f, "api-max-conns", "7");
	set(f, "api-max-conns-per-user", "lots");
	set(f, "api-out-max-bytes", "131072");
	start(f);
	lim = api_server_limits(f->d->api);
	assert_int_equal(lim->max_conns, 7);
	assert_int_equal(lim->max_per_user, API_MAX_CONNS_PER_USER_DEFAULT);
	assert_int_equal(lim->max_root, API_MAX_CONNS_ROOT_DEFAULT);
	assert_int_equal(lim->out_max, 131072);
	assert_int_equal(lim->out_total, API_OUT_TOTAL_DEFAULT);
}

/* Root has a room of its own: capped by api-max-conns-root, not by the
 * total; the refusal is one clear "busy" line and the socket is closed. */
static void test_root_cap(void **state)
{
	struct fixture *f = *state;
	int fds[4], i;
	char *line;

	if (geteuid() != 0)
		skip();
	set(f, "api-max-conns-root", "3");
	set(f, "api-max-conns", "1");
	start(f);
	for (i = 0; i < 3; i++) {
		fds[i] = cl_connect(f->sock);
		cl_hello(f, fds[i]);
	}
	assert_int_equal(stats(f).root_conns, 3);
	fds[3] = cl_connect(f->sock);
	line = cl_line(f, fds[3]);
	tl_assert_contains(line, "{\"ok\":false,\"error\":{\"code\":\"busy\"");
	tl_assert_contains(line, "root already has 3 connections to croftd (limit 3)");
	free(line);
	cl_send(fds[3], "{\"id\":1,\"op\":\"hello\",\"args\":{\"version\":1}}\n");
	assert_null(cl_line(f, fds[3]));
	assert_int_equal(stats(f).refused_busy, 1);
	TL_PUMP_UNTIL(f->d->loop, stats(f).lingering == 0, 1000);
	/* one closes: root gets in again */
	close(fds[0]);
	TL_PUMP_UNTIL(f->d->loop, stats(f).root_conns == 2, 1000);
	fds[0] = cl_connect(f->sock);
	cl_hello(f, fds[0]);
	close_all(fds, 4);
}

/* Per uid and in total, for croft-group users; root still gets in when
 * the total is reached. */
static void test_user_and_total_caps(void **state)
{
	struct fixture *f = *state;
	int a[4], b[3], root;
	char *line;

	if (geteuid() != 0)
		skip();
	f->d->croft_gid = TEST_GID;
	set(f, "api-max-conns-per-user", "3");
	set(f, "api-max-conns", "5");
	start(f);
	connect_as(f->sock, 47312, 4, a);
	cl_hello(f, a[0]);
	cl_hello(f, a[1]);
	cl_hello(f, a[2]);
	line = cl_line(f, a[3]);
	tl_assert_contains(line, "\"code\":\"busy\"");
	tl_assert_contains(line, "already has 3 connections to croftd (limit 3 per user)");
	free(line);
	connect_as(f->sock, 47313, 3, b);
	cl_hello(f, b[0]);
	cl_hello(f, b[1]);
	line = cl_line(f, b[2]);
	tl_assert_contains(line, "croftd already serves 5 connections (limit 5)");
	free(line);
	assert_int_equal(stats(f).conns, 5);
	root = cl_connect(f->sock);
	cl_hello(f, root);
	assert_int_equal(stats(f).conns, 6);
	assert_int_equal(stats(f).refused_busy, 2);
	close(root);
	close_all(a, 4);
	close_all(b, 3);
	TL_PUMP_UNTIL(f->d->loop, stats(f).conns == 0, 1000);
}

/* Strangers are refused with permission_denied; the refused sockets that
 * wait for their peer to write are few and closed after a while, so
 * strangers cannot hold croftd's descriptors either. */
static void test_refused_linger_bounded(void **state)
{
	struct fixture *f = *state;
	int fds[40], i, eofs = 0;

	if (geteuid() != 0)
		skip();
	f->d->croft_gid = TEST_GID;
	start(f);
	assert_int_equal(chmod(f->sock, 0666), 0);   /* past the filesystem's check */
	connect_as_gid(f->sock, 47314, 47399, 40, fds);
	pump(f, 60);
	assert_true(stats(f).lingering <= 32);
	assert_int_equal(stats(f).conns, 0);
	for (i = 0; i < 40; i++) {
		char *line = cl_line(f, fds[i]);

		tl_assert_contains(line, "\"code\":\"permission_denied\"");
		tl_assert_contains(line, "(uid 47314) is not root and not in group croft");
		free(line);
	}
	/* nobody writes: the lingering ones are closed after 2 s */
	TL_PUMP_UNTIL(f->d->loop, stats(f).lingering == 0, 5000);
	for (i = 0; i < 40; i++) {
		char c;

		eofs += recv(fds[i], &c, 1, 0) == 0;
	}
	assert_int_equal(eofs, 40);
	close_all(fds, 40);
}

/* --- out of descriptors ---------------------------------------------------------- */

static int stderr_to(const char *path)
{
	int saved = dup(STDERR_FILENO);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(saved >= 0 && fd >= 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return saved;
}

static void stderr_back(int saved)
{
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
}

static int count_lines(const char *text, const char *needle)
{
	int n = 0;

	while (text && (text = strstr(text, needle))) {
		n++;
		text += strlen(needle);
	}
	return n;
}

/* The descriptor limit that leaves exactly n numbers free. */
static rlim_t limit_leaving(int n)
{
	int fd;

	for (fd = 0; fd < 65536; fd++)
		if (fcntl(fd, F_GETFD) < 0 && --n == 0)
			return (rlim_t)fd + 1;
	fail_msg("no free descriptors");
	return 0;
}

/* With no descriptor left, the listening socket leaves the loop (no busy
 * loop: the loop sleeps), one line is logged, a close lets one more in,
 * and the timer resumes accepting once descriptors are back. */
static void test_emfile_pause_resume(void **state)
{
	struct fixture *f = *state;
	struct rlimit old, low;
	int fds[6], i, ran, saved;
	char *logpath = tl_path(f->dir, "stderr"), *log;
	uint64_t t0;

	start(f);
	for (i = 0; i < 6; i++)
		fds[i] = cl_connect(f->sock);     /* queued, not accepted yet */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	saved = f->saved_stderr = stderr_to(logpath);
	low = old;
	low.rlim_cur = limit_leaving(2);           /* room for two connections */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	pump(f, 20);
	assert_int_equal(stats(f).conns, 2);
	assert_int_equal(stats(f).accepted, 2);
	assert_int_equal(stats(f).paused, 1);
	/* paused: the loop sleeps instead of spinning on the listening socket */
	t0 = loop_now_ms();
	ran = 0;
	for (i = 0; i < 5; i++)
		ran += loop_run_once(f->d->loop, 20);
	assert_int_equal(ran, 0);
	assert_true(loop_now_ms() - t0 >= 90);
	/* a connection closes (the first accepted, fds[0]'s): that frees two
	 * descriptors (the client is this process too), two more are accepted,
	 * then accepting pauses again */
	close(fds[0]);
	fds[0] = -1;
	TL_PUMP_UNTIL(f->d->loop, stats(f).accepted == 4, 2000);
	pump(f, 5);
	assert_int_equal(stats(f).conns, 3);
	assert_int_equal(stats(f).paused, 1);
	/* descriptors are back: the retry timer resumes and takes the rest */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	TL_PUMP_UNTIL(f->d->loop, stats(f).conns == 5 && !stats(f).paused, 3000);
	stderr_back(saved);
	f->saved_stderr = -1;
	log = tl_read_file(logpath);
	assert_int_equal(count_lines(log, "API socket: cannot accept a connection: Too many open files"), 1);
	free(log);
	free(logpath);
	for (i = 1; i < 6; i++)
		cl_hello(f, fds[i]);
	close_all(fds + 1, 5);
}

/* --- output caps ---------------------------------------------------------------- */

static void subscribe(struct fixture *f, int fd)
{
	cl_hello(f, fd);
	cl_send(fd, "{\"id\":2,\"op\":\"events.subscribe\"}\n");
	cl_expect(f, fd, "\"last_seq\"");
}

static void publish(struct fixture *f, int n)
{
	char pad[1001];

	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	while (n-- > 0)
		bus_publish(f->d->bus, "test.big", NULL, 0, json_pack("{s:s}", "pad", pad),
			    "a big event");
}

/* A subscriber that never reads is dropped at its cap; what croftd holds
 * for it never goes much past the cap. */
static void test_stalled_subscriber_dropped(void **state)
{
	struct fixture *f = *state;
	const size_t cap = 65536;
	size_t most = 0;
	int fd, other, i;
	char last[65536];

	set(f, "api-out-max-bytes", "65536");
	start(f);
	fd = cl_connect(f->sock);
	subscribe(f, fd);
	other = cl_connect(f->sock);
	cl_hello(f, other);
	for (i = 0; i < 2000 && stats(f).dropped == 0; i++) {
		publish(f, 1);
		if (stats(f).out_bytes > most)
			most = stats(f).out_bytes;
	}
	assert_int_equal(stats(f).dropped, 1);
	assert_true(most <= cap + 4096);
	assert_int_equal(stats(f).out_bytes, 0);
	assert_int_equal(stats(f).conns, 1);
	/* what it had been sent is readable, then the end */
	assert_true(cl_drain_eof(f, fd, last, sizeof(last)) > 0);
	close(fd);
	/* the other client is served as before */
	cl_hello(f, other);
	close(other);
}

/* Past the total, the connection furthest behind goes; a subscriber that
 * keeps reading stays. */
static void test_total_output_cap(void **state)
{
	struct fixture *f = *state;
	char buf[65536];
	int slow, quick, i;

	set(f, "api-out-max-bytes", "1048576");
	set(f, "api-out-total-bytes", "1048576");
	start(f);
	slow = cl_connect(f->sock);
	subscribe(f, slow);
	quick = cl_connect(f->sock);
	subscribe(f, quick);
	for (i = 0; i < 4000 && stats(f).dropped == 0; i++) {
		publish(f, 1);
		pump(f, 1);
		while (recv(quick, buf, sizeof(buf), 0) > 0)
			;
	}
	assert_int_equal(stats(f).dropped, 1);
	assert_int_equal(stats(f).conns, 1);
	assert_true(cl_drain_eof(f, slow, NULL, 0) > 0);
	close(slow);
	publish(f, 1);
	cl_expect(f, quick, "test.big");
	close(quick);
}

/* A client that sends requests without reading the replies is no longer
 * read once far behind: not dropped, croftd's queue stays bounded, and
 * when it reads at last every request is answered. */
static void test_unread_replies_stop_reading(void **state)
{
	struct fixture *f = *state;
	const char *req = "{\"id\":1,\"op\":\"hello\",\"args\":{\"version\":1,\"client\":"
		"\"a client that never reads what croftd answers\"}}\n";
	size_t sent = 0;
	int fd, i;

	set(f, "api-out-max-bytes", "65536");
	start(f);
	fd = cl_connect(f->sock);
	for (i = 0; i < 20000; i++) {
		ssize_t n = send(fd, req, strlen(req), MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			break;
		sent += (size_t)n;
		if (i % 16 == 0)
			pump(f, 1);
	}
	pump(f, 20);
	assert_true(sent > 0);
	assert_true(i < 20000);              /* the client blocked: no longer read */
	assert_int_equal(stats(f).dropped, 0);
	assert_int_equal(stats(f).conns, 1);
	assert_true(stats(f).out_bytes <= 65536);
	/* the client reads at last: every request it sent is answered */
	{
		size_t want = sent / strlen(req), got = 0, partial = sent % strlen(req);
		char buf[65536];
		uint64_t end = loop_now_ms() + 10000;

		if (partial)          /* finish the request cut short */
			assert_int_equal(send(fd, req + partial, strlen(req) - partial, MSG_NOSIGNAL),
					 (ssize_t)(strlen(req) - partial));
		want += partial ? 1 : 0;
		while (got < want && loop_now_ms() < end) {
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

			for (ssize_t k = 0; k < n; k++)
				got += buf[k] == '\n';
			if (n <= 0)
				loop_run_once(f->d->loop, 5);
		}
		assert_int_equal(got, want);
	}
	assert_int_equal(stats(f).dropped, 0);
	close(fd);
	TL_PUMP_UNTIL(f->d->loop, stats(f).conns == 0, 1000);
}

/* A request line over the limit is refused clearly; the connection stays
 * usable and croftd gives the buffer back. */
static void test_huge_line(void **state)
{
	struct fixture *f = *state;
	size_t n = PROTO_MAX_LINE + 100, off = 0;
	char *big = xmalloc(n + 1);
	int fd;

	memset(big, 'a', n);
	big[n] = '\n';
	start(f);
	fd = cl_connect(f->sock);
	while (off < n + 1) {
		ssize_t k = send(fd, big + off, n + 1 - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (k > 0)
			off += (size_t)k;
		pump(f, 1);
	}
	cl_expect(f, fd, "request line too long (limit 1 MiB)");
	cl_hello(f, fd);
	free(big);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_limits_from_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_and_total_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_linger_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emfile_pause_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stalled_subscriber_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_total_output_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unread_replies_stop_reading, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_line, setup, teardown),
	};

	log_init("test", 1, LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
