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
#include "core/bus.h"
#include "core/daemon.h"
#include "core/pools.h"
#include "core/vm.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

void tl_write_in_or_fail(const char *dir, const char *name, const char *text)
{
	char *path = tl_path(dir, name);

	tl_write_file_or_fail(path, "%s", text);
	free(path);
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

void tl_assert_contains(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("'%s' does not contain '%s'", hay ? hay : "(null)", needle);
}

int tl_setup_utc(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
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

int64_t tl_store_vm_or_fail(struct store *st, const char *name)
{
	struct store_vm vm = { 0 };
	char err[512];
	int64_t id;

	vm.name = xstrdup(name);
	vm.uuid = xasprintf("uuid-%s", name);
	vm.vcpus = 1;
	vm.memory_mib = 64;
	vm.memory_min_mib = 64;
	vm.firmware = xstrdup("bios");
	vm.boot = xstrdup("disk");
	if (store_vm_insert(st, &vm, err, sizeof(err)) < 0)
		fail_msg("store_vm_insert %s: %s", name, err);
	id = vm.id;
	store_vm_clear(&vm);
	return id;
}

int64_t tl_store_net_or_fail(struct store *st, const char *name, const char *mode,
			     const char *third, const char *uplink)
{
	struct store_net n = { 0 };
	char err[512];
	int64_t id;

	n.name = xstrdup(name);
	n.mode = xstrdup(mode);
	n.uplink = uplink ? xstrdup(uplink) : NULL;
	if (third) {
		n.subnet = xasprintf("10.73.%s.0", third);
		n.prefix = 24;
		n.gateway = xasprintf("10.73.%s.1", third);
		n.dhcp_first = xasprintf("10.73.%s.2", third);
		n.dhcp_last = xasprintf("10.73.%s.254", third);
	}
	if (store_net_insert(st, &n, err, sizeof(err)) < 0)
		fail_msg("store_net_insert %s: %s", name, err);
	id = n.id;
	store_net_clear(&n);
	return id;
}

int64_t tl_store_nic_or_fail(struct store *st, int64_t vm, int64_t net, const char *mac,
			     const char *ip, uint32_t vlan, uint32_t rate_mbit)
{
	struct store_nic n = { .vm_id = vm, .net_id = net, .vlan = vlan, .rate_mbit = rate_mbit };
	char err[512];
	int64_t id;

	n.mac = xstrdup(mac);
	n.ip = ip ? xstrdup(ip) : NULL;
	if (store_nic_insert(st, &n, err, sizeof(err)) < 0)
		fail_msg("store_nic_insert %s: %s", mac, err);
	id = n.id;
	store_nic_clear(&n);
	return id;
}

int64_t tl_store_fwd_or_fail(struct store *st, int64_t net, int64_t nic, const char *proto,
			     uint32_t host_port, uint32_t guest_port)
{
	struct store_fwd f = { .net_id = net, .nic_id = nic, .host_port = host_port,
			       .guest_port = guest_port };
	char err[512];
	int64_t id;

	f.proto = xstrdup(proto);
	if (store_fwd_insert(st, &f, err, sizeof(err)) < 0)
		fail_msg("store_fwd_insert %s %u: %s", proto, host_port, err);
	id = f.id;
	store_fwd_clear(&f);
	return id;
}

static void slurp(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
}

void tl_run_main(struct tl_run *r, int (*main_fn)(int, char **), int argc, char **argv)
{
	char outname[] = "/tmp/croft-test-out-XXXXXX", errname[] = "/tmp/croft-test-err-XXXXXX";
	int outfd = mkstemp(outname), errfd = mkstemp(errname);
	int save1 = dup(1), save2 = dup(2);

	if (outfd < 0 || errfd < 0 || save1 < 0 || save2 < 0)
		fail_msg("cannot capture output: %s", strerror(errno));
	unlink(outname);
	unlink(errname);
	fflush(stdout);
	fflush(stderr);
	dup2(outfd, 1);
	dup2(errfd, 2);
	r->status = main_fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(save1, 1);
	dup2(save2, 2);
	close(save1);
	close(save2);
	slurp(outfd, r->out, sizeof(r->out));
	slurp(errfd, r->err, sizeof(r->err));
}

char *tl_print_json(void (*fn)(FILE *, const json_t *), const json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		fail_msg("open_memstream: %s", strerror(errno));
	fn(f, v);
	fclose(f);
	return buf;
}

json_t *tl_json(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);

	if (!v)
		fail_msg("bad test JSON at %d (%s): %s", jerr.position, jerr.text, text);
	return v;
}

char *tl_print_json_text(void (*fn)(FILE *, const json_t *), const char *json)
{
	json_t *v = tl_json(json);
	char *out;

	out = tl_print_json(fn, v);
	json_decref(v);
	return out;
}

void tl_expect_printed(void (*fn)(FILE *, const json_t *), const char *json, const char *want)
{
	char *out = tl_print_json_text(fn, json);

	assert_string_equal(out, want);
	free(out);
}

struct in_addr tl_ip4_or_fail(const char *dotted)
{
	struct in_addr a;

	if (inet_pton(AF_INET, dotted, &a) != 1)
		fail_msg("'%s' is not an IPv4 address", dotted);
	return a;
}

const char *tl_ip4_str(struct in_addr a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static int i;

	i = (i + 1) % 4;
	return inet_ntop(AF_INET, &a, buf[i], sizeof(buf[i]));
}

static void mkdir_or_fail(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

struct croftd *tl_croftd_new_or_fail(const char *dir)
{
	struct croftd *d = xcalloc(1, sizeof(*d));

	d->store = tl_store_open_or_fail(dir);
	d->bus = bus_new(tl_clock_ms);
	d->state_dir = tl_path(dir, "state");
	d->run_dir = tl_path(dir, "run");
	d->pool_dir = tl_path(d->state_dir, "pool");
	mkdir_or_fail(d->state_dir);
	mkdir_or_fail(d->run_dir);
	mkdir_or_fail(d->pool_dir);
	d->pools = pools_new();
	pools_add(d->pools, "default", d->pool_dir, POOLS_DISK);
	d->qemu_binary = "qemu-system-x86_64";
	d->qemu_user = "self";
	d->qemu_uid = getuid();
	d->qemu_gid = getgid();
	d->croft_gid = (gid_t)-1;
	return d;
}

void tl_croftd_free(struct croftd *d)
{
	if (!d)
		return;
	vm_free_all(d);
	bus_free(d->bus);
	store_close(d->store);
	free(d->state_dir);
	free(d->run_dir);
	free(d->pool_dir);
	pools_free(d->pools);
	free(d);
}

struct vm *tl_croftd_vm_add(struct croftd *d, const char *name, const char *const *disks)
{
	struct store_vm spec = { 0 };
	size_t i;

	while (disks && disks[spec.ndisks])
		spec.ndisks++;
	spec.disks = xcalloc(spec.ndisks + 1, sizeof(*spec.disks));
	for (i = 0; i < spec.ndisks; i++) {
		spec.disks[i].idx = (uint32_t)i;
		spec.disks[i].path = xstrdup(disks[i]);
		spec.disks[i].format = xstrdup("qcow2");
	}
	spec.name = xstrdup(name);
	spec.uuid = xstrdup("00000000-0000-4000-8000-000000000000");
	spec.vcpus = 1;
	spec.memory_mib = spec.memory_min_mib = 64;
	spec.firmware = xstrdup("bios");
	spec.boot = xstrdup("disk");
	return vm_add(d, &spec);
}

int tl_store_setup(void **state)
{
	struct tl_store_fx *f = xcalloc(1, sizeof(*f));

	f->dir = tl_tmpdir("store");
	if (!f->dir) {
		free(f);
		return -1;
	}
	f->st = tl_store_open_or_fail(f->dir);
	*state = f;
	return 0;
}

int tl_store_teardown(void **state)
{
	struct tl_store_fx *f = *state;
	int rc;

	store_close(f->st);
	rc = tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return rc < 0 ? -1 : 0;
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
	path = tl_path(dir, "status");
	{
		unsigned u = (unsigned)(p->uid_set ? p->uid : geteuid());

		tl_write_file_or_fail(path, "Name:\t%s\nPid:\t%d\nUid:\t%u\t%u\t%u\t%u\n",
				      p->comm, p->pid, u, u, u, u);
	}
	free(path);
	path = tl_path(dir, "cmdline");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, cmdline, len) != (ssize_t)len)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	close(fd);
	free(path);
	free(dir);
}

static int empty_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	return flag == FTW_F && S_ISREG(sb->st_mode) && truncate(p, 0) < 0 ? -1 : 0;
}

void tl_proc_dir_gone(const char *dir)
{
	if (nftw(dir, empty_entry, 16, FTW_PHYS) < 0 || tl_rmtree(dir) < 0)
		fail_msg("cannot remove %s", dir);
}

void tl_proc_pid_gone(const char *root, int pid)
{
	char *dir = xasprintf("%s/%d", root, pid);

	tl_proc_dir_gone(dir);
	free(dir);
}

void tl_assert_lacks(const char *hay, const char *needle)
{
	if (hay && strstr(hay, needle))
		fail_msg("'%s' contains '%s'", hay, needle);
}

int tl_tmpdir_setup(void **state)
{
	*state = tl_tmpdir("unit");
	return *state ? 0 : -1;
}

int tl_tmpdir_teardown(void **state)
{
	char *dir = *state;
	int rc = tl_rmtree(dir);

	free(dir);
	return rc;
}
