/*
 * The unit tests' shared harness (testlib.h).  Linked into every unit test
 * binary as libtestlib.a; it uses cmocka only for the _or_fail forms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *tl_tmpdir(const char *tag)
{
	char tmpl[PATH_MAX], real[PATH_MAX];

	snprintf(tmpl, sizeof(tmpl), "/tmp/croft-test-%s-XXXXXX", tag);
	if (!mkdtemp(tmpl))
		return NULL;
	if (chmod(tmpl, 0755) < 0 || !realpath(tmpl, real)) {
		rmdir(tmpl);
		return NULL;
	}
	return xstrdup(real);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p) < 0 && errno != ENOENT ? -1 : 0;
}

int tl_rmtree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return errno ? -errno : -EIO;
	return 0;
}

char *tl_path(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

int tl_write_file(const char *path, const char *text)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		off += (size_t)n;
	}
	return close(fd) < 0 ? -errno : 0;
}

void tl_write_file_or_fail(const char *path, const char *fmt, ...)
{
	va_list ap;
	char *text;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text)
		fail_msg("out of memory writing %s", path);
	rc = tl_write_file(path, text);
	free(text);
	if (rc < 0)
		fail_msg("cannot write %s: %s", path, strerror(-rc));
}

char *tl_read_file(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			int e = errno;

			close(fd);
			free(buf);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static int64_t clock_ms = TL_CLOCK_START_MS;

int64_t tl_clock_ms(void)
{
	return clock_ms;
}

void tl_clock_set(int64_t ms)
{
	clock_ms = ms;
}

void tl_clock_advance(int64_t ms)
{
	clock_ms += ms;
}

struct store *tl_store_open_or_fail(const char *dir)
{
	char *path = tl_path(dir, "croft.db"), err[512];
	struct store *st = NULL;

	if (store_open(path, &st, err, sizeof(err)) < 0)
		fail_msg("store_open %s: %s", path, err);
	free(path);
	return st;
}

void tl_vm_spec(struct store_vm *spec, const char *name, uint64_t memory_mib)
{
	memset(spec, 0, sizeof(*spec));
	spec->name = xstrdup(name);
	spec->uuid = xasprintf("uuid-%s", name);
	spec->vcpus = 1;
	spec->memory_mib = memory_mib;
	spec->memory_min_mib = memory_mib;
	spec->firmware = xstrdup("bios");
	spec->boot = xstrdup("disk");
	spec->state = xstrdup("stopped");
	spec->state_reason = xstrdup("created");
}

/* --- the fake /proc ------------------------------------------------------- */

char *tl_proc_new(const char *dir)
{
	char *root = tl_path(dir, "proc");

	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", root, strerror(errno));
	return root;
}

void tl_proc_host_or_fail(const char *root, const struct tl_proc_host *h)
{
	char *path, *cpus = xasprintf("%s", "");
	unsigned i;

	path = tl_path(root, "meminfo");
	tl_write_file_or_fail(path, "MemTotal:       %llu kB\nMemFree:          123456 kB\n"
			      "MemAvailable:   %llu kB\nBuffers:           10000 kB\n"
			      "SwapTotal:      %llu kB\nSwapFree:       %llu kB\n",
			      (unsigned long long)h->mem_total_kib,
			      (unsigned long long)h->mem_available_kib,
			      (unsigned long long)h->swap_total_kib,
			      (unsigned long long)h->swap_free_kib);
	free(path);
	for (i = 0; i < h->cpus; i++) {
		char *more = xasprintf("%scpu%u 10 0 10 100 0 0 0 0 0 0\n", cpus, i);

		free(cpus);
		cpus = more;
	}
	path = tl_path(root, "stat");
	tl_write_file_or_fail(path, "cpu  %llu 0 %llu %llu %llu 0 0 0 0 0\n%s"
			      "intr 12345 0 0\nctxt 67890\nbtime 1767225600\nprocesses 4242\n",
			      (unsigned long long)h->user, (unsigned long long)h->system,
			      (unsigned long long)h->idle, (unsigned long long)h->iowait, cpus);
	free(path);
	free(cpus);
	path = tl_path(root, "loadavg");
	tl_write_file_or_fail(path, "%.2f %.2f %.2f 2/345 6789\n", h->load1, h->load5, h->load15);
	free(path);
	path = tl_path(root, "uptime");
	tl_write_file_or_fail(path, "%.2f %.2f\n", h->uptime_s, h->uptime_s * 1.5);
	free(path);
}

void tl_proc_pid_or_fail(const char *root, const struct tl_proc_pid *p)
{
	char *dir = xasprintf("%s/%d", root, p->pid), *path;
	size_t i, len = 0;
	char cmdline[4096];
	int fd;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", dir, strerror(errno));
	path = tl_path(dir, "stat");
	tl_write_file_or_fail(path, "%d (%s) S 1 %d %d 0 -1 4194560 1000 0 0 0 %llu %llu 0 0 20 0 4 0 "
			      "%llu 1234567890 %llu 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 1 "
			      "0 0 0 0 0\n", p->pid, p->comm, p->pid, p->pid,
			      (unsigned long long)p->utime, (unsigned long long)p->stime,
			      (unsigned long long)p->start, (unsigned long long)p->rss_pages);
	free(path);
	for (i = 0; p->argv && p->argv[i]; i++) {
		size_t n = strlen(p->argv[i]) + 1;

		if (len + n > sizeof(cmdline))
			fail_msg("fake command line of pid %d is too long", p->pid);
		memcpy(cmdline + len, p->argv[i], n);
		len += n;
	}
	path = tl_path(dir, "cmdline");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, cmdline, len) != (ssize_t)len)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	close(fd);
	free(path);
	free(dir);
}

void tl_proc_pid_gone(const char *root, int pid)
{
	char *dir = xasprintf("%s/%d", root, pid);

	if (tl_rmtree(dir) < 0)
		fail_msg("cannot remove %s", dir);
	free(dir);
}
