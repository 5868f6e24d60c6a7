/*
 * Tests for core/procfs.c: the /proc parsers on text captured from a
 * Linux 6.1 host (and on broken text), and reading through a root prefix.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/procfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char stat_text[] =
	"cpu  67843 0 18181 290212 1326 0 243 656 0 0\n"
	"cpu0 35366 0 8290 145208 91 0 42 303 0 0\n"
	"cpu1 32477 0 9890 145004 1234 0 201 352 0 0\n"
	"intr 8456317 0 9 0 0 0 0 0 0 1 0 0 0 156 0 0 0\n"
	"ctxt 15384757\n"
	"btime 1767225600\n"
	"processes 12070\n"
	"procs_running 2\n";

static void test_cpus(void **state)
{
	(void)state;
	assert_int_equal(procfs_cpus_parse(stat_text), 2);
	assert_int_equal(procfs_cpus_parse("cpu  1 2 3 4\n"), 0);
	assert_int_equal(procfs_cpus_parse(""), 0);
	/* a "cpufreq" or "cpus" word is not a CPU line */
	assert_int_equal(procfs_cpus_parse("cpu0 1\ncpus 4\ncpu1 2\n"), 2);
}

static void test_loadavg_uptime(void **state)
{
	double load[3];
	uint64_t ms;

	(void)state;
	assert_int_equal(procfs_loadavg_parse("0.84 0.81 0.58 1/102 12020\n", load), 0);
	assert_true(load[0] == 0.84 && load[1] == 0.81 && load[2] == 0.58);
	assert_int_equal(procfs_loadavg_parse("0.84 0.81\n", load), -EINVAL);
	assert_int_equal(procfs_uptime_parse("1901.75 2902.12\n", &ms), 0);
	assert_int_equal(ms, 1901750);
	assert_int_equal(procfs_uptime_parse("soon", &ms), -EINVAL);
	assert_int_equal(procfs_uptime_parse("-3 1", &ms), -EINVAL);
}

static void test_pid_stat(void **state)
{
	struct procfs_pid_stat st;

	(void)state;
	assert_int_equal(procfs_pid_stat_parse(
		"12019 (cat) R 12017 12017 10073 0 -1 4194304 101 0 0 0 7 3 0 0 20 0 1 0 190174 "
		"3133440 417 18446744073709551615 94212556587008 94212556606889 0 0 0 0 0 0 0 0 "
		"0 17 1 0 0 0 0 0\n", &st), 0);
	assert_int_equal(st.cpu_ticks, 10);
	assert_int_equal(st.start_ticks, 190174);
	assert_int_equal(st.rss_pages, 417);
	/* a command name with spaces and parentheses */
	assert_int_equal(procfs_pid_stat_parse(
		"77 (qemu (x) ) y) S 1 77 77 0 -1 4194560 1000 0 0 0 150 50 0 0 20 0 4 0 5000 "
		"1234567890 2560 18446744073709551615 1 1 0\n", &st), 0);
	assert_int_equal(st.cpu_ticks, 200);
	assert_int_equal(st.start_ticks, 5000);
	assert_int_equal(st.rss_pages, 2560);
	/* cut short, no command name, nothing */
	assert_int_equal(procfs_pid_stat_parse("77 (qemu) S 1 77 77 0 -1 4194560 1000 0 0 0 150",
					       &st), -EINVAL);
	assert_int_equal(procfs_pid_stat_parse("77 qemu S 1", &st), -EINVAL);
	assert_int_equal(procfs_pid_stat_parse(NULL, &st), -EINVAL);
}

/* statm's second figure is the resident pages; anything short is refused. */
static void test_statm(void **state)
{
	uint64_t rss = 7;

	(void)state;
	assert_int_equal(procfs_statm_rss_parse("437760 54309 2870 1433 0 60513 0\n", &rss), 0);
	assert_int_equal(rss, 54309);
	assert_int_equal(procfs_statm_rss_parse("437760\n", &rss), -EINVAL);
	assert_int_equal(procfs_statm_rss_parse("", &rss), -EINVAL);
	assert_int_equal(procfs_statm_rss_parse(NULL, &rss), -EINVAL);
	assert_int_equal(rss, 54309);
}

static void test_read_under_root(void **state)
{
	char *dir = tl_tmpdir("procfs"), *root, *path, buf[16];

	(void)state;
	assert_non_null(dir);
	root = tl_proc_new(dir);
	path = tl_path(root, "loadavg");
	tl_write_file_or_fail(path, "%s", "0.84 0.81 0.58 1/102 12020\n");
	assert_int_equal(procfs_read(root, "loadavg", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0.84 0.81 0.58 ");     /* cut to the buffer */
	assert_int_equal(procfs_read(root, "nosuch", buf, sizeof(buf)), -ENOENT);
	tl_write_file_or_fail(path, "%s", "");
	assert_int_equal(procfs_read(root, "loadavg", buf, sizeof(buf)), -EIO);
	free(path);
	free(root);
	tl_rmtree(dir);
	free(dir);
}

/* Kept open: the same answers as procfs_read, one descriptor per file,
 * a process gone (or its pid recycled) read through its path again. */
static void test_kept(void **state)
{
	char *dir = tl_tmpdir("procfs"), *root, *pid, *path, *meminfo, buf[64];
	struct procfs_kept *k = procfs_kept_new();

	(void)state;
	assert_non_null(dir);
	root = tl_proc_new(dir);
	pid = tl_path(root, "4242");
	assert_int_equal(mkdir(pid, 0755), 0);
	path = tl_path(pid, "stat");
	meminfo = tl_path(root, "meminfo");
	tl_write_file_or_fail(path, "%s", "4242 (qemu) S 1\n");
	assert_int_equal(procfs_kept_read(k, root, "4242/stat", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "4242 (qemu) S 1\n");
	assert_int_equal(procfs_kept_count(k), 1);
	/* read again, afresh, through the same descriptor */
	tl_write_file_or_fail(path, "%s", "4242 (qemu) R 1\n");
	assert_int_equal(procfs_kept_read(k, root, "4242/stat", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "4242 (qemu) R 1\n");
	assert_int_equal(procfs_kept_read(k, root, "meminfo", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(procfs_kept_count(k), 1);
	tl_write_file_or_fail(meminfo, "%s", "MemTotal: 1 kB\n");
	assert_int_equal(procfs_kept_read(k, root, "meminfo", buf, 8), 0);
	assert_string_equal(buf, "MemTota");               /* cut to the buffer */
	assert_int_equal(procfs_kept_count(k), 2);

	/* the process goes: an error, its descriptor closed */
	tl_proc_dir_gone(pid);
	assert_int_equal(procfs_kept_read(k, root, "4242/stat", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(procfs_kept_count(k), 1);
	/* another takes its pid: read through the path again */
	assert_int_equal(mkdir(pid, 0755), 0);
	tl_write_file_or_fail(path, "%s", "4242 (sleep) S 7\n");
	assert_int_equal(procfs_kept_read(k, root, "4242/stat", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "4242 (sleep) S 7\n");
	/* it exits and a third comes between two reads: its text, not the old */
	tl_proc_dir_gone(pid);
	assert_int_equal(mkdir(pid, 0755), 0);
	tl_write_file_or_fail(path, "%s", "4242 (bash) S 9\n");
	assert_int_equal(procfs_kept_read(k, root, "4242/stat", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "4242 (bash) S 9\n");

	/* a sweep closes what was not read since the last one */
	procfs_kept_sweep(k);
	assert_int_equal(procfs_kept_count(k), 2);
	assert_int_equal(procfs_kept_read(k, root, "meminfo", buf, sizeof(buf)), 0);
	procfs_kept_sweep(k);
	assert_int_equal(procfs_kept_count(k), 1);
	procfs_kept_free(k);
	free(meminfo);
	free(path);
	free(pid);
	free(root);
	tl_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_loadavg_uptime),
		cmocka_unit_test(test_pid_stat),
		cmocka_unit_test(test_statm),
		cmocka_unit_test(test_read_under_root),
		cmocka_unit_test(test_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
