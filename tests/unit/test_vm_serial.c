/*
 * Tests for core/vm_serial.c: the capped serial log (rotation at the cap
 * into one older copy, a write larger than the cap, reading by position
 * across the two files, a planted symlink refused) and the relay on a real
 * loop with socketpairs standing in for QEMU and console clients: both
 * directions, at most VM_SERIAL_CLIENTS_MAX clients, a client that never
 * reads losing only its oldest output while another keeps up and the log
 * gets everything, QEMU not reading its input never blocking the loop, and
 * QEMU's end closing the clients.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/vm_serial.h"
#include "common/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void fill(char *buf, size_t n, char c)
{
	memset(buf, c, n);
}

/* --- the log ------------------------------------------------------------------ */

static void test_log_cap_and_rotation(void **state)
{
	char *path = tl_path(*state, "serial.log"), *path1 = tl_path(*state, "serial.log.1");
	struct vm_serial_log *log = vm_serial_log_new(path, 1000);
	char buf[2500], *out, *text;
	uint64_t start, end;
	size_t len;

	assert_int_equal(vm_serial_log_write(log, NULL, 0), 0);   /* creates it */
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(size_of(path), 0);
	fill(buf, 600, 'a');
	assert_int_equal(vm_serial_log_write(log, buf, 600), 0);
	assert_int_equal(size_of(path), 600);
	assert_int_equal(access(path1, F_OK), -1);
	fill(buf, 600, 'b');
	assert_int_equal(vm_serial_log_write(log, buf, 600), 0);
	/* 1200 > 1000: the a's moved to .1 */
	assert_int_equal(size_of(path1), 600);
	assert_int_equal(size_of(path), 600);
	text = tl_read_file(path1);
	assert_int_equal(text[0], 'a');
	free(text);

	/* positions: the stream is a*600 b*600 */
	assert_int_equal(vm_serial_log_read(log, -1, 10, &out, &len, &start, &end), 0);
	assert_int_equal(len, 10);
	assert_int_equal(start, 1190);
	assert_int_equal(end, 1200);
	assert_string_equal(out, "bbbbbbbbbb");
	free(out);
	assert_int_equal(vm_serial_log_read(log, 595, 10, &out, &len, &start, &end), 0);
	assert_string_equal(out, "aaaaabbbbb");      /* across the two files */
	assert_int_equal(start, 595);
	assert_int_equal(end, 605);
	free(out);
	assert_int_equal(vm_serial_log_read(log, 1200, 10, &out, &len, &start, &end), 0);
	assert_int_equal(len, 0);                    /* nothing new */
	assert_int_equal(end, 1200);
	free(out);
	assert_int_equal(vm_serial_log_read(log, 99999, 5, &out, &len, &start, &end), 0);
	assert_int_equal(start, 600);                /* from before a restart: current file */
	free(out);

	/* a write larger than the cap keeps its last max bytes; the files stay
	 * within the cap each */
	fill(buf, 2500, 'c');
	buf[2499] = 'z';
	assert_int_equal(vm_serial_log_write(log, buf, 2500), 0);
	assert_int_equal(size_of(path), 1000);
	assert_int_equal(size_of(path1), 600);
	assert_int_equal(vm_serial_log_read(log, 0, 100, &out, &len, &start, &end), 0);
	assert_int_equal(start, 600);                /* the a's are gone */
	assert_int_equal(out[0], 'b');
	free(out);

	/* rotation at a start: the old log is the copy, the new one empty */
	vm_serial_log_rotate(log);
	assert_int_equal(size_of(path1), 1000);
	assert_int_equal(access(path, F_OK), -1);
	vm_serial_log_free(log);

	/* a new log object takes the sizes from the files */
	log = vm_serial_log_new(path, 1000);
	assert_int_equal(log->base, 1000);
	assert_int_equal(log->size, 0);
	vm_serial_log_free(log);
	free(path);
	free(path1);
}

static void test_log_refuses_symlink(void **state)
{
	char *path = tl_path(*state, "serial.log"), *target = tl_path(*state, "victim");
	struct vm_serial_log *log;

	tl_write_file_or_fail(target, "precious");
	assert_int_equal(symlink(target, path), 0);
	log = vm_serial_log_new(path, 1000);
	assert_int_equal(vm_serial_log_write(log, "pwn", 3), -ELOOP);
	assert_int_equal(size_of(target), 8);
	vm_serial_log_free(log);
	free(path);
	free(target);
}

/* --- the relay ---------------------------------------------------------------- */

struct fx {
	struct loop *l;
	struct vm_serial *s;
	struct vm_serial_log *log;
	int qemu;                /* the test's end of QEMU's connection */
	int closed;
};

static void on_closed(struct vm_serial *s, void *data)
{
	struct fx *f = data;

	f->closed++;
	vm_serial_free(s);
	f->s = NULL;
}

static void fx_init(struct fx *f, const char *dir)
{
	char *path = tl_path(dir, "serial.log");
	int sv[2];

	memset(f, 0, sizeof(*f));
	f->l = loop_new();
	assert_non_null(f->l);
	f->log = vm_serial_log_new(path, 1 << 20);
	free(path);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->qemu = sv[1];
	f->s = vm_serial_new(f->l, sv[0], f->log, on_closed, f);
	assert_non_null(f->s);
}

static void fx_fini(struct fx *f)
{
	vm_serial_free(f->s);
	vm_serial_log_free(f->log);
	if (f->qemu >= 0)
		close(f->qemu);
	loop_free(f->l);
}

/* Read what fd has within ms into buf (NUL-terminated): bytes read. */
static size_t read_some(struct fx *f, int fd, char *buf, size_t size, size_t want, int ms)
{
	uint64_t end = loop_now_ms() + (uint64_t)ms;
	size_t got = 0;

	while (got < want && loop_now_ms() < end) {
		ssize_t n;

		loop_run_once(f->l, 5);
		n = recv(fd, buf + got, size - 1 - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0)
			break;
	}
	buf[got] = '\0';
	return got;
}

static void test_relay_both_ways(void **state)
{
	struct fx f;
	char buf[256], *text;
	int c;

	fx_init(&f, *state);
	assert_int_equal(write(f.qemu, "boot\r\n", 6), 6);
	TL_PUMP_UNTIL(f.l, f.log->size == 6, 2000);
	text = tl_read_file(f.log->path);
	assert_string_equal(text, "boot\r\n");
	free(text);

	assert_int_equal(vm_serial_client_add(f.s, &c), 0);
	assert_false(fcntl(c, F_GETFL) & O_NONBLOCK);      /* the console's end blocks */
	assert_int_equal(vm_serial_clients(f.s), 1);
	assert_int_equal(write(f.qemu, "login: ", 7), 7);
	assert_int_equal(read_some(&f, c, buf, sizeof(buf), 7, 2000), 7);
	assert_string_equal(buf, "login: ");
	assert_int_equal(write(c, "root\n", 5), 5);
	assert_int_equal(read_some(&f, f.qemu, buf, sizeof(buf), 5, 2000), 5);
	assert_string_equal(buf, "root\n");

	/* a client that goes away frees its place */
	close(c);
	TL_PUMP_UNTIL(f.l, vm_serial_clients(f.s) == 0, 2000);
	fx_fini(&f);
}

static void test_relay_client_limit(void **state)
{
	struct fx f;
	int c[VM_SERIAL_CLIENTS_MAX + 1], i, extra;

	fx_init(&f, *state);
	for (i = 0; i < VM_SERIAL_CLIENTS_MAX; i++)
		assert_int_equal(vm_serial_client_add(f.s, &c[i]), 0);
	assert_int_equal(vm_serial_client_add(f.s, &extra), -EBUSY);
	assert_int_equal(vm_serial_clients(f.s), VM_SERIAL_CLIENTS_MAX);
	close(c[0]);
	TL_PUMP_UNTIL(f.l, vm_serial_clients(f.s) == VM_SERIAL_CLIENTS_MAX - 1, 2000);
	assert_int_equal(vm_serial_client_add(f.s, &c[0]), 0);
	for (i = 0; i < VM_SERIAL_CLIENTS_MAX; i++)
		close(c[i]);
	fx_fini(&f);
}

/* A client that never reads loses its oldest output; a reading client and
 * the log get every byte; nothing blocks. */
static void test_relay_slow_client(void **state)
{
	enum { TOTAL = 4 << 20, CHUNK = 8192 };
	struct fx f;
	char chunk[CHUNK], *buf = malloc(TOTAL + 1);
	size_t sent = 0, got = 0, slow_got = 0;
	int slow, fast, i;
	ssize_t n;

	assert_non_null(buf);
	fx_init(&f, *state);
	assert_int_equal(vm_serial_client_add(f.s, &slow), 0);
	assert_int_equal(vm_serial_client_add(f.s, &fast), 0);
	fcntl(f.qemu, F_SETFL, O_NONBLOCK);
	while (got < TOTAL) {
		if (sent < TOTAL) {
			for (i = 0; i < CHUNK; i++)
				chunk[i] = (char)('a' + (sent + (size_t)i) / CHUNK % 26);
			n = write(f.qemu, chunk, CHUNK);
			if (n > 0)
				sent += (size_t)n;
		}
		loop_run_once(f.l, 1);
		n = recv(fast, buf + got, TOTAL - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
	}
	assert_int_equal(got, TOTAL);
	assert_int_equal(buf[TOTAL - 1], (char)('a' + (TOTAL - 1) / CHUNK % 26));
	assert_true(vm_serial_dropped(f.s) > 0);
	/* the slow client finds at most its ring plus the socket's buffer,
	 * ending with the newest output */
	while ((n = recv(slow, buf + slow_got, TOTAL - slow_got, MSG_DONTWAIT)) > 0 ||
	       (loop_run_once(f.l, 20), (n = recv(slow, buf + slow_got, TOTAL - slow_got,
						  MSG_DONTWAIT)) > 0))
		slow_got += (size_t)n;
	assert_true(slow_got < TOTAL);
	assert_int_equal(buf[slow_got - 1], (char)('a' + (TOTAL - 1) / CHUNK % 26));
	/* the log got everything, capped at 1 MiB with one older copy */
	assert_int_equal(f.log->base + f.log->size, TOTAL);
	assert_true(f.log->size <= (1 << 20));
	close(slow);
	close(fast);
	free(buf);
	fx_fini(&f);
}

static void timer_cb(struct loop *l, struct loop_timer *t, void *data)
{
	(void)l;
	(void)t;
	(*(int *)data)++;
}

/* QEMU not reading its input: the clients are not read beyond the buffer,
 * and the loop keeps running. */
static void test_relay_qemu_not_reading(void **state)
{
	struct fx f;
	char chunk[4096];
	size_t in = 0;
	int c, fired = 0, i;
	ssize_t n;

	fx_init(&f, *state);
	assert_int_equal(vm_serial_client_add(f.s, &c), 0);
	fcntl(c, F_SETFL, O_NONBLOCK);
	memset(chunk, 'k', sizeof(chunk));
	for (i = 0; i < 2000; i++) {
		n = write(c, chunk, sizeof(chunk));
		if (n > 0)
			in += (size_t)n;
		loop_run_once(f.l, 0);
	}
	/* everything on the way is full: the client's writes stop */
	assert_true(in < 2000 * sizeof(chunk));
	loop_timer_add(f.l, 20, timer_cb, &fired);
	TL_PUMP_UNTIL(f.l, fired == 1, 2000);
	/* QEMU reads again: the input flows */
	assert_true(read_some(&f, f.qemu, chunk, sizeof(chunk), sizeof(chunk) - 1, 2000) > 0);
	close(c);
	fx_fini(&f);
}

static void test_relay_qemu_gone(void **state)
{
	struct fx f;
	char buf[16];
	int c;

	fx_init(&f, *state);
	assert_int_equal(vm_serial_client_add(f.s, &c), 0);
	close(f.qemu);
	f.qemu = -1;
	TL_PUMP_UNTIL(f.l, f.closed == 1, 2000);
	assert_null(f.s);
	assert_int_equal(read(c, buf, sizeof(buf)), 0);   /* the console sees the end */
	close(c);
	fx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_log_cap_and_rotation, tl_tmpdir_setup,
						tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_log_refuses_symlink, tl_tmpdir_setup,
						tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_relay_both_ways, tl_tmpdir_setup,
						tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_relay_client_limit, tl_tmpdir_setup,
						tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_relay_slow_client, tl_tmpdir_setup,
						tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_relay_qemu_not_reading, tl_tmpdir_setup,
						tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_relay_qemu_gone, tl_tmpdir_setup,
						tl_tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
