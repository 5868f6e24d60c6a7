/*
 * Tests for common/proto.c: line framing (fed by hand and through real
 * pipes, in odd splits), the line-length limit and recovery after it, EOF
 * and error returns, and proto_write_all with short writes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void append_str(struct linebuf *lb, const char *s)
{
	linebuf_append(lb, s, strlen(s));
}

static void expect_line(struct linebuf *lb, const char *want)
{
	char *line = NULL;
	size_t len = 12345;
	int r = linebuf_next(lb, &line, &len);

	if (r != 1)
		fail_msg("expected line \"%s\", linebuf_next returned %d", want, r);
	assert_int_equal(len, strlen(want));
	assert_string_equal(line, want);
}

static void expect_none(struct linebuf *lb)
{
	char *line = NULL;
	size_t len = 0;

	assert_int_equal(linebuf_next(lb, &line, &len), 0);
	assert_null(line);
}

static void expect_too_long(struct linebuf *lb)
{
	char *line = NULL;
	size_t len = 0;

	assert_int_equal(linebuf_next(lb, &line, &len), -EMSGSIZE);
}

static void write_str(int fd, const char *s)
{
	assert_int_equal(proto_write_all(fd, s, strlen(s)), 0);
}

static void read_expect(struct linebuf *lb, int fd, ssize_t want)
{
	assert_int_equal(linebuf_read(lb, fd), want);
}

/* ---- linebuf fed by hand ------------------------------------------------ */

static void test_append_split(void **state)
{
	struct linebuf lb;

	(void)state;
	linebuf_init(&lb, 1024);
	expect_none(&lb);
	append_str(&lb, "hel");
	expect_none(&lb);
	append_str(&lb, "lo\nwor");
	expect_line(&lb, "hello");
	expect_none(&lb);
	append_str(&lb, "ld");
	expect_none(&lb);
	append_str(&lb, "\n");
	expect_line(&lb, "world");
	expect_none(&lb);
	/* zero-length append is harmless */
	linebuf_append(&lb, "", 0);
	expect_none(&lb);
	linebuf_free(&lb);
	assert_null(lb.buf);
	assert_int_equal(lb.len, 0);
	linebuf_free(&lb);                   /* twice is harmless */
}

static void test_crlf_and_empty_lines(void **state)
{
	struct linebuf lb;

	(void)state;
	linebuf_init(&lb, 1024);
	append_str(&lb, "a\r\nb\r\n\r\n\n\n");
	expect_line(&lb, "a");
	expect_line(&lb, "b");
	expect_line(&lb, "");
	expect_line(&lb, "");
	expect_line(&lb, "");
	expect_none(&lb);

	/* A CR that is not right before the LF stays. */
	append_str(&lb, "x\ry\n\rz\n\r\r\n");
	expect_line(&lb, "x\ry");
	expect_line(&lb, "\rz");
	expect_line(&lb, "\r");
	expect_none(&lb);

	/* CR and LF in different appends. */
	append_str(&lb, "{\"ok\":1}\r");
	expect_none(&lb);
	append_str(&lb, "\n");
	expect_line(&lb, "{\"ok\":1}");
	expect_none(&lb);
	linebuf_free(&lb);
}

static void test_embedded_nul(void **state)
{
	struct linebuf lb;
	char *line;
	size_t len;

	(void)state;
	linebuf_init(&lb, 1024);
	linebuf_append(&lb, "ab\0cd\nok\n", 9);
	assert_int_equal(linebuf_next(&lb, &line, &len), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(line, "ab\0cd", 5);
	expect_line(&lb, "ok");
	linebuf_free(&lb);
}

/* Many small chunks over a long stream exercise the lazy compaction. */
static void test_many_chunks_compaction(void **state)
{
	struct linebuf lb;
	char *stream;
	size_t slen = 0, off, cap = 1 << 20;
	int i, got = 0;

	(void)state;
	stream = malloc(cap);
	assert_non_null(stream);
	for (i = 0; i < 5000; i++) {
		int n = snprintf(stream + slen, cap - slen, "line-%d-%.*s\n", i, i % 97,
				 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		slen += (size_t)n;
	}
	linebuf_init(&lb, 4096);
	for (off = 0; off < slen; ) {
		size_t n = slen - off < 7 ? slen - off : 7;
		char *line;
		size_t len;
		int r;

		linebuf_append(&lb, stream + off, n);
		off += n;
		while ((r = linebuf_next(&lb, &line, &len)) == 1) {
			char want[256];

			snprintf(want, sizeof(want), "line-%d-%.*s", got, got % 97,
				 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
			assert_string_equal(line, want);
			assert_int_equal(len, strlen(want));
			got++;
		}
		assert_int_equal(r, 0);
	}
	assert_int_equal(got, 5000);
	/* The buffer did not grow with the stream: consumed bytes are reused. */
	assert_true(lb.cap <= 16384);
	linebuf_free(&lb);
	free(stream);
}

static void test_too_long_whole(void **state)
{
	struct linebuf lb;

	(void)state;
	linebuf_init(&lb, 16);
	/* exactly max is fine, max+1 is not */
	append_str(&lb, "0123456789abcdef\n");
	expect_line(&lb, "0123456789abcdef");
	append_str(&lb, "0123456789abcdefg\nok\n");
	expect_too_long(&lb);
	expect_line(&lb, "ok");
	expect_none(&lb);

	/* several long lines between good ones */
	append_str(&lb, "a\nAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nBBBBBBBBBBBBBBBBBBBBBBBBBBB\nb\n");
	expect_line(&lb, "a");
	expect_too_long(&lb);
	expect_too_long(&lb);
	expect_line(&lb, "b");
	expect_none(&lb);
	linebuf_free(&lb);
}

/* After a long line has gone, the big buffer is given back; a buffer still
 * holding data, or a small one, is kept. */
static void test_shrink(void **state)
{
	struct linebuf lb;
	char *big = malloc(300000);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 300000);
	linebuf_init(&lb, 1 << 20);
	linebuf_append(&lb, big, 300000);
	append_str(&lb, "\nnext");
	assert_true(lb.cap > 65536);
	{
		char *line;
		size_t len;

		assert_int_equal(linebuf_next(&lb, &line, &len), 1);
		assert_int_equal(len, 300000);
	}
	linebuf_shrink(&lb);              /* "next" is still held */
	assert_true(lb.cap > 65536);
	append_str(&lb, "\n");
	expect_line(&lb, "next");
	expect_none(&lb);
	linebuf_shrink(&lb);
	assert_int_equal(lb.cap, 0);
	assert_null(lb.buf);
	append_str(&lb, "again\n");      /* usable after */
	expect_line(&lb, "again");
	linebuf_shrink(&lb);              /* small: kept */
	assert_int_equal(lb.cap, 4096);
	linebuf_free(&lb);
	free(big);
}

/* An overlong line whose end has not arrived yet is refused at once; what
 * arrives of it later must be dropped, not taken for a new line. */
static void test_too_long_split(void **state)
{
	struct linebuf lb;

	(void)state;
	linebuf_init(&lb, 16);
	append_str(&lb, "{\"id\":1,\"op\":\"vm.list\",");
	expect_too_long(&lb);
	expect_none(&lb);
	append_str(&lb, "\"args\":{}}\n{\"id\":2}\n");
	expect_line(&lb, "{\"id\":2}");
	expect_none(&lb);

	/* The rest of the long line arrives in several pieces, and the buffer
	 * does not grow while it is being dropped. */
	append_str(&lb, "AAAAAAAAAAAAAAAAAAAAAAAAA");
	expect_too_long(&lb);
	append_str(&lb, "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB");
	expect_none(&lb);
	assert_int_equal(lb.len - lb.start, 0);
	append_str(&lb, "CCCC");
	expect_none(&lb);
	append_str(&lb, "CC\r\nnext\n");
	expect_line(&lb, "next");
	expect_none(&lb);

	/* And when the newline ends a chunk exactly, the next line is whole. */
	append_str(&lb, "DDDDDDDDDDDDDDDDDDDDDDDDDD");
	expect_too_long(&lb);
	append_str(&lb, "DD\n");
	expect_none(&lb);
	append_str(&lb, "fine\n");
	expect_line(&lb, "fine");
	expect_none(&lb);
	linebuf_free(&lb);
}

/* ---- linebuf over a pipe ------------------------------------------------ */

static void test_pipe_split_reads(void **state)
{
	struct linebuf lb;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	linebuf_init(&lb, PROTO_MAX_LINE);

	write_str(p[1], "{\"a\":");
	read_expect(&lb, p[0], 5);
	expect_none(&lb);
	write_str(p[1], "1}\n{\"b\"");
	read_expect(&lb, p[0], 7);
	expect_line(&lb, "{\"a\":1}");
	expect_none(&lb);
	write_str(p[1], ":2}\r\n\n");
	read_expect(&lb, p[0], 6);
	expect_line(&lb, "{\"b\":2}");
	expect_line(&lb, "");
	expect_none(&lb);

	close(p[1]);
	close(p[0]);
	linebuf_free(&lb);
}

static void test_pipe_many_lines_one_read(void **state)
{
	struct linebuf lb;
	char data[4000];
	size_t dlen = 0;
	int p[2], i;

	(void)state;
	for (i = 0; i < 300; i++)
		dlen += (size_t)snprintf(data + dlen, sizeof(data) - dlen, "m%d\n", i);
	assert_true(dlen < sizeof(data) - 1);
	assert_int_equal(pipe(p), 0);
	linebuf_init(&lb, 64);
	assert_int_equal(proto_write_all(p[1], data, dlen), 0);
	read_expect(&lb, p[0], (ssize_t)dlen);
	for (i = 0; i < 300; i++) {
		char want[16];

		snprintf(want, sizeof(want), "m%d", i);
		expect_line(&lb, want);
	}
	expect_none(&lb);
	close(p[1]);
	close(p[0]);
	linebuf_free(&lb);
}

/* A stream bigger than one read, through a pipe, read until EOF. */
static void test_pipe_stream_to_eof(void **state)
{
	struct linebuf lb;
	int p[2], got = 0;
	pid_t c;
	ssize_t n;
	int status;

	(void)state;
	assert_int_equal(pipe(p), 0);
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		char buf[64];
		int i;

		close(p[0]);
		for (i = 0; i < 20000; i++) {
			int k = snprintf(buf, sizeof(buf), "{\"n\":%d}\r\n", i);

			if (proto_write_all(p[1], buf, (size_t)k) < 0)
				_exit(1);
		}
		_exit(proto_write_all(p[1], "tail-without-newline", 20) < 0);
	}
	close(p[1]);
	linebuf_init(&lb, 64);
	for (;;) {
		char *line;
		size_t len;
		int r;

		n = linebuf_read(&lb, p[0]);
		assert_true(n >= 0);
		while ((r = linebuf_next(&lb, &line, &len)) == 1) {
			char want[32];

			snprintf(want, sizeof(want), "{\"n\":%d}", got);
			assert_string_equal(line, want);
			got++;
		}
		assert_int_equal(r, 0);
		if (n == 0)
			break;
	}
	assert_int_equal(got, 20000);
	/* The unterminated tail is held, not returned as a line. */
	assert_int_equal(lb.len - lb.start, 20);
	assert_memory_equal(lb.buf + lb.start, "tail-without-newline", 20);
	/* EOF is sticky. */
	assert_int_equal(linebuf_read(&lb, p[0]), 0);
	expect_none(&lb);
	assert_int_equal(waitpid(c, &status, 0), c);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(p[0]);
	linebuf_free(&lb);
}

static void test_pipe_too_long_then_recover(void **state)
{
	struct linebuf lb;
	char big[300];
	int p[2];
	ssize_t n;

	(void)state;
	memset(big, 'Q', sizeof(big));
	assert_int_equal(pipe(p), 0);
	linebuf_init(&lb, 100);

	/* A whole overlong line in one read. */
	assert_int_equal(proto_write_all(p[1], big, sizeof(big)), 0);
	write_str(p[1], "\nafter\n");
	read_expect(&lb, p[0], (ssize_t)sizeof(big) + 7);
	expect_too_long(&lb);
	expect_line(&lb, "after");
	expect_none(&lb);

	/* An overlong line arriving over several reads. */
	assert_int_equal(proto_write_all(p[1], big, sizeof(big)), 0);
	read_expect(&lb, p[0], (ssize_t)sizeof(big));
	expect_too_long(&lb);
	assert_int_equal(proto_write_all(p[1], big, sizeof(big)), 0);
	read_expect(&lb, p[0], (ssize_t)sizeof(big));
	expect_none(&lb);
	write_str(p[1], "QQQ\r\nrecovered\n");
	n = linebuf_read(&lb, p[0]);
	assert_int_equal(n, 15);
	expect_line(&lb, "recovered");
	expect_none(&lb);

	close(p[1]);
	close(p[0]);
	linebuf_free(&lb);
}

static void test_read_errors(void **state)
{
	struct linebuf lb;
	int p[2];

	(void)state;
	linebuf_init(&lb, 64);
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(linebuf_read(&lb, p[0]), -EAGAIN);
	write_str(p[1], "x\n");
	read_expect(&lb, p[0], 2);
	expect_line(&lb, "x");
	assert_int_equal(linebuf_read(&lb, p[0]), -EAGAIN);
	close(p[1]);
	assert_int_equal(linebuf_read(&lb, p[0]), 0);      /* EOF */
	close(p[0]);
	assert_int_equal(linebuf_read(&lb, p[0]), -EBADF);
	assert_int_equal(linebuf_read(&lb, -1), -EBADF);
	expect_none(&lb);
	linebuf_free(&lb);
}

/* ---- proto_write_all ---------------------------------------------------- */

static void test_write_all_big(void **state)
{
	const size_t total = 3u << 20;      /* far more than a pipe holds */
	char *buf;
	int p[2], status;
	size_t i;
	pid_t c;

	(void)state;
	buf = malloc(total);
	assert_non_null(buf);
	for (i = 0; i < total; i++)
		buf[i] = (char)('a' + i % 26);
	assert_int_equal(pipe(p), 0);
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		/* Reader: checks every byte, reading in uneven pieces. */
		char rb[777];
		size_t at = 0;
		ssize_t n;

		close(p[1]);
		while ((n = read(p[0], rb, sizeof(rb))) > 0) {
			for (i = 0; i < (size_t)n; i++, at++)
				if (rb[i] != (char)('a' + at % 26))
					_exit(2);
		}
		_exit(at == total ? 0 : 3);
	}
	close(p[0]);
	assert_int_equal(proto_write_all(p[1], buf, total), 0);
	assert_int_equal(proto_write_all(p[1], buf, 0), 0);
	close(p[1]);
	assert_int_equal(waitpid(c, &status, 0), c);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(buf);
}

static void test_write_all_errors(void **state)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int p[2];

	(void)state;
	assert_int_equal(proto_write_all(-1, "x", 1), -EBADF);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	assert_int_equal(sigaction(SIGPIPE, &ign, &old), 0);
	assert_int_equal(proto_write_all(p[1], "x\n", 2), -EPIPE);
	assert_int_equal(sigaction(SIGPIPE, &old, NULL), 0);
	close(p[1]);
	/* read-only fd */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(proto_write_all(p[0], "x", 1), -EBADF);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_split),
		cmocka_unit_test(test_crlf_and_empty_lines),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_many_chunks_compaction),
		cmocka_unit_test(test_too_long_whole),
		cmocka_unit_test(test_too_long_split),
		cmocka_unit_test(test_shrink),
		cmocka_unit_test(test_pipe_split_reads),
		cmocka_unit_test(test_pipe_many_lines_one_read),
		cmocka_unit_test(test_pipe_stream_to_eof),
		cmocka_unit_test(test_pipe_too_long_then_recover),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_write_all_big),
		cmocka_unit_test(test_write_all_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
