/*
 * log tests: the repeat limiter on a fake clock, with stderr sent to a
 * file.  A burst of one line prints LOG_REPEAT_BURST times, the rest are
 * counted and summarized once the window has passed; lines that differ
 * only in their numbers are repeats, other lines keep their own budget;
 * a flood of many different lines cannot grow the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "common/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

struct fixture {
	char *dir;
	char *path;
	int saved;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	f->dir = tl_tmpdir("log");
	f->path = tl_path(f->dir, "stderr");
	fake_now = 1000000;
	log_set_clock(fake_clock);
	fflush(stderr);
	f->saved = dup(STDERR_FILENO);
	fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f->saved < 0 || fd < 0)
		return -1;
	dup2(fd, STDERR_FILENO);
	close(fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fflush(stderr);
	dup2(f->saved, STDERR_FILENO);
	close(f->saved);
	log_set_clock(NULL);
	tl_rmtree(f->dir);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

/* What has been logged so far (malloc'd). */
static char *logged(struct fixture *f)
{
	fflush(stderr);
	return tl_read_file(f->path);
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	while (text && (text = strstr(text, needle))) {
		n++;
		text += strlen(needle);
	}
	return n;
}

static void test_burst_then_summary(void **state)
{
	struct fixture *f = *state;
	char *text;
	int i;

	for (i = 0; i < 100; i++)
		log_warn("accept on API socket: %s", "Too many open files");
	text = logged(f);
	assert_int_equal(count(text, "accept on API socket"), LOG_REPEAT_BURST);
	assert_int_equal(count(text, "repeated"), 0);
	free(text);
	/* within the window nothing more; after it, the summary comes first */
	fake_now += LOG_REPEAT_WINDOW_MS - 1;
	log_warn("accept on API socket: %s", "Too many open files");
	text = logged(f);
	assert_int_equal(count(text, "accept on API socket"), LOG_REPEAT_BURST);
	free(text);
	fake_now += 1;
	log_info("something else");
	text = logged(f);
	tl_assert_contains(text, "warning: accept on API socket: Too many open files (repeated 96 times)\n");
	tl_assert_contains(text, "(repeated 96 times)\n");
	assert_true(strstr(text, "(repeated 96 times)") < strstr(text, "something else"));
	free(text);
	/* a new window: the line prints again */
	log_warn("accept on API socket: %s", "Too many open files");
	text = logged(f);
	assert_int_equal(count(text, "accept on API socket"), LOG_REPEAT_BURST + 2);
	free(text);
}

/* Numbers do not make a line new; words do, digits in them too. */
static void test_numbers_blanked(void **state)
{
	struct fixture *f = *state;
	char *text;
	int i;

	for (i = 0; i < 50; i++)
		log_warn("refused API connection from pid %d: uid %d", 1000 + i, 7);
	for (i = 1; i <= 7; i++)
		log_warn("VM web%d started", i);
	text = logged(f);
	assert_int_equal(count(text, "refused API connection"), LOG_REPEAT_BURST);
	tl_assert_contains(text, "VM web1 started");
	tl_assert_contains(text, "VM web7 started");
	free(text);
	fake_now += LOG_REPEAT_WINDOW_MS;
	log_flush_repeats();
	text = logged(f);
	tl_assert_contains(text, "refused API connection from pid 1049: uid 7 (repeated 45 times)");
	free(text);
}

/* Many different lines: each prints (the table recycles its oldest slot,
 * summarizing it), and the output stays one line per message. */
static void test_many_lines(void **state)
{
	struct fixture *f = *state;
	char *text;
	int i;

	for (i = 0; i < 6; i++)
		log_warn("flood line");
	for (i = 0; i < 40; i++) {
		fake_now++;
		log_warn("line %c%c", 'a' + i % 26, 'a' + i / 26);
	}
	text = logged(f);
	assert_int_equal(count(text, "flood line (repeated 1 times)"), 1);
	assert_int_equal(count(text, "warning: line "), 40);
	free(text);
}

/* Lines past LOG_LINE_MAX are cut, not overrun. */
static void test_long_line(void **state)
{
	struct fixture *f = *state;
	char *big = malloc(10000), *text;

	memset(big, 'z', 9999);
	big[9999] = '\0';
	log_warn("%s", big);
	text = logged(f);
	assert_true(strlen(text) < 2200);
	assert_int_equal(count(text, "\n"), 1);
	free(text);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_burst_then_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers_blanked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
	};

	log_init("test", 1, LOG_LVL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
