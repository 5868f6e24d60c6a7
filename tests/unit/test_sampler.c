/*
 * Tests for core/sampler.c with a fake /proc tree, the fake clock, a store
 * in a temp dir, a bus, fake leases and a fake QMP command function: host
 * figures; a QEMU's CPU time and RSS; a pid that is not (or no longer) the
 * VM's QEMU; a VM gone in the middle of a sample; disk allocation; leases
 * mapped onto NICs; NIC and state changes picked up from events so that
 * the JSON of a read, rendered with no store at all, is right at once;
 * balloon queries answered later; the interval setting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/api_ops.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/model.h"
#include "core/sampler.h"
#include "core/qemu_cmdline.h"
#include "core/vm.h"
#include "common/proc.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- fakes: leases and QMP ---------------------------------------------------- */

static struct {
	struct netd_lease v[4];
	size_t n;
	int fail;                    /* -errno: netd did not answer */
	int calls;
} fl;

static int fake_leases(struct croftd *d, struct netd_lease **out, size_t *n)
{
	(void)d;
	fl.calls++;
	if (fl.fail)
		return fl.fail;
	*out = xcalloc(fl.n + 1, sizeof(**out));
	memcpy(*out, fl.v, fl.n * sizeof(**out));
	*n = fl.n;
	return 0;
}

/* QMP: every command is recorded and waits for the test to answer it. */
#define FQ_MAX 64
struct fq_cmd {
	char cmd[32];
	json_t *args;
	qmp_reply_cb cb;
	void *data;
	int raw;                     /* sent with qmp_command_raw */
};
static struct {
	int calls;
	int fail;
	char cmd[32];                /* the last one */
	char log[FQ_MAX][32];        /* every one, in order */
	int nlog;
	struct fq_cmd pending[FQ_MAX];
	int npending;
} fq;

static int fake_qmp_command(struct qmp *q, const char *cmd, json_t *args, qmp_reply_cb cb,
			    void *data)
{
	(void)q;
	fq.calls++;
	if (fq.nlog < FQ_MAX)
		snprintf(fq.log[fq.nlog++], sizeof(fq.log[0]), "%s", cmd);
	if (fq.fail) {
		json_decref(args);
		return fq.fail;
	}
	snprintf(fq.cmd, sizeof(fq.cmd), "%s", cmd);
	assert_true(fq.npending < FQ_MAX);
	snprintf(fq.pending[fq.npending].cmd, sizeof(fq.pending[0].cmd), "%s", cmd);
	fq.pending[fq.npending].args = args;
	fq.pending[fq.npending].cb = cb;
	fq.pending[fq.npending].data = data;
	fq.pending[fq.npending].raw = 0;
	fq.npending++;
	return 0;
}

static int fake_qmp_command_raw(struct qmp *q, const char *cmd, json_t *args, qmp_reply_cb cb,
				void *data)
{
	int r = fake_qmp_command(q, cmd, args, cb, data);

	if (r == 0)
		fq.pending[fq.npending - 1].raw = 1;
	return r;
}

/* A question written once: its arguments read back from the text, so the
 * tests see them as they would go. */
static int fake_qmp_command_raw_text(struct qmp *q, const char *cmd, const char *text,
				     qmp_reply_cb cb, void *data)
{
	char *whole = xasprintf("%s}", text);
	json_t *o = json_loads(whole, 0, NULL), *args;

	free(whole);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "execute")), cmd);
	args = json_incref(json_object_get(o, "arguments"));
	json_decref(o);
	return fake_qmp_command_raw(q, cmd, args, cb, data);
}

/* How many times cmd was sent. */
static int fq_count(const char *cmd)
{
	int i, n = 0;

	for (i = 0; i < fq.nlog; i++)
		n += !strcmp(fq.log[i], cmd);
	return n;
}

/* Answer the oldest pending cmd with the JSON text ret (NULL: the
 * connection ended); 0, or -1 when none is pending. */
static int fq_answer(const char *cmd, const char *ret)
{
	struct qmp_msg m = { .type = QMP_MSG_RETURN };
	struct fq_cmd c;
	int i;

	for (i = 0; i < fq.npending && strcmp(fq.pending[i].cmd, cmd); i++)
		;
	if (i == fq.npending)
		return -1;
	c = fq.pending[i];
	memmove(&fq.pending[i], &fq.pending[i + 1], (size_t)(fq.npending - i - 1) * sizeof(c));
	fq.npending--;
	json_decref(c.args);
	if (!ret) {
		c.cb(NULL, NULL, c.data);
		return 0;
	}
	if (c.raw) {                 /* as qmp.c reads it: the text as it came */
		m.raw = ret;
		m.raw_len = strlen(ret);
		c.cb(NULL, &m, c.data);
		return 0;
	}
	m.ret = json_loads(ret, JSON_DECODE_ANY, NULL);
	assert_non_null(m.ret);
	c.cb(NULL, &m, c.data);
	json_decref(m.ret);
	return 0;
}

/* Everything still pending ends with the connection. */
static void fq_drain(void)
{
	while (fq.npending)
		fq_answer(fq.pending[0].cmd, NULL);
}

/* Answer the last query-balloon: actual in bytes, or a lost connection (< 0). */
static void qmp_answer(long long actual)
{
	char ret[64];

	snprintf(ret, sizeof(ret), "{\"actual\": %lld}", actual);
	assert_int_equal(fq_answer("query-balloon", actual < 0 ? NULL : ret), 0);
}

/* --- the fixture ------------------------------------------------------------------ */

struct fx {
	char *dir;
	char *proc;
	char *sys;
	struct croftd d;
	struct sampler_seams seams;
	struct sampler *s;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	memset(&fl, 0, sizeof(fl));
	memset(&fq, 0, sizeof(fq));
	tl_clock_set(TL_CLOCK_START_MS);
	f->dir = tl_tmpdir("sampler");
	if (!f->dir)
		return -1;
	f->proc = tl_proc_new(f->dir);
	f->d.store = tl_store_open_or_fail(f->dir);
	f->d.bus = bus_new(tl_clock_ms);
	f->d.model = model_new(tl_clock_ms);
	f->d.run_dir = tl_path(f->dir, "run");
	f->seams.proc_root = f->proc;
	f->sys = tl_path(f->dir, "sys");         /* made by the tests that need it */
	f->seams.sys_root = f->sys;
	f->seams.leases = fake_leases;
	f->seams.qmp_command = fake_qmp_command;
	f->seams.qmp_command_raw = fake_qmp_command_raw;
	f->seams.qmp_command_raw_text = fake_qmp_command_raw_text;
	f->s = sampler_new(&f->d, &f->seams);
	f->d.sampler = f->s;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct vm *vm;

	fq_drain();
	for (vm = f->d.vms; vm; vm = vm->next) {
		vm->qmp = NULL;
		vm->pid = 0;
	}
	vm_free_all(&f->d);
	sampler_free(f->s);
	model_free(f->d.model);
	bus_free(f->d.bus);
	store_close(f->d.store);
	tl_rmtree(f->dir);
	free(f->d.run_dir);
	free(f->proc);
	free(f->sys);
	free(f->dir);
	free(f);
	return 0;
}

/* A stopped VM with disks at the given paths (NULL-terminated). */
static struct vm *add_vm(struct fx *f, const char *name, const char *const *disks)
{
	struct store_vm spec;
	char err[256];
	size_t i, n = 0;

	while (disks && disks[n])
		n++;
	tl_vm_spec(&spec, name, 1024);
	spec.disks = xcalloc(n + 1, sizeof(*spec.disks));
	spec.ndisks = n;
	for (i = 0; i < n; i++) {
		spec.disks[i].idx = (uint32_t)i;
		spec.disks[i].path = xstrdup(disks[i]);
		spec.disks[i].format = xstrdup("raw");
		spec.disks[i].size_bytes = 64 << 20;
	}
	if (store_vm_insert(f->d.store, &spec, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return vm_add(&f->d, &spec);
}

/* Its QEMU as the kernel would show it (the same argv croftd checks). */
static void qemu_proc(struct fx *f, struct vm *vm, int pid, uint64_t ticks, uint64_t start)
{
	char *name = qemu_cmdline_name_arg(vm->spec.name);
	const char *argv[] = { "qemu-system-x86_64", "-name", name, "-uuid", vm->spec.uuid,
			       NULL };
	struct tl_proc_pid p = { .pid = pid, .comm = "qemu-system-x86", .argv = argv,
				 .utime = ticks * 3 / 4, .stime = ticks - ticks * 3 / 4,
				 .start = start, .rss_pages = 2560 };

	tl_proc_pid_or_fail(f->proc, &p);
	free(name);
	vm->pid = pid;
}

static uint64_t ticks_ms(uint64_t ticks)
{
	return ticks * 1000 / (uint64_t)sysconf(_SC_CLK_TCK);
}

static json_int_t json_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* --- the host ------------------------------------------------------------------------- */

static void test_host(void **state)
{
	struct fx *f = *state;
	struct tl_proc_host h = { .user = 1000, .system = 500, .idle = 8000, .iowait = 500,
				  .cpus = 3, .mem_total_kib = 8 << 20,
				  .mem_available_kib = 5 << 20, .swap_total_kib = 1 << 20,
				  .swap_free_kib = 512 << 10, .load1 = 0.75, .load5 = 0.5,
				  .load15 = 0.25, .uptime_s = 3600.5 };
	const struct model_host *mh = &f->d.model->host;

	tl_clock_advance(100);
	tl_proc_host_or_fail(f->proc, &h);
	sampler_run(f->s);
	assert_int_equal(mh->sampled_ms, TL_CLOCK_START_MS + 100);
	assert_int_equal(mh->cpus, 3);
	assert_int_equal(mh->cpu_busy, 1500);
	assert_int_equal(mh->cpu_total, 10000);
	assert_int_equal(mh->mem.total_kib, 8 << 20);
	assert_int_equal(mh->mem.available_kib, 5 << 20);
	assert_int_equal(mh->mem.swap_free_kib, 512 << 10);
	assert_true(mh->load[0] == 0.75 && mh->load[2] == 0.25);
	assert_int_equal(mh->uptime_ms, 3600500);

	h.user += 150;
	h.idle += 50;
	tl_proc_host_or_fail(f->proc, &h);
	tl_clock_advance(2000);
	assert_int_equal(sampler_tick(&f->d), SAMPLER_INTERVAL_DEFAULT_MS);
	assert_int_equal(mh->cpu_busy, 1650);
	assert_int_equal(mh->cpu_total, 10200);
	assert_int_equal(mh->sampled_ms, TL_CLOCK_START_MS + 2100);
}

/* --- a VM's process ------------------------------------------------------------------------ */

static void test_qemu_figures(void **state)
{
	struct fx *f = *state;
	struct vm *vm = add_vm(f, "web", NULL);
	const struct model_proc *p;
	json_t *j;

	qemu_proc(f, vm, 4242, 200, 5000);
	sampler_run(f->s);
	p = model_proc_of(f->d.model, vm->spec.id, 4242);
	assert_non_null(p);
	assert_int_equal(p->cpu_ms, ticks_ms(200));
	assert_int_equal(p->rss_bytes, 2560 * (uint64_t)sysconf(_SC_PAGESIZE));
	assert_int_equal(p->start_ticks, 5000);
	j = api_vm_json(vm);
	assert_int_equal(json_int(j, "cpu_time_ms"), (json_int_t)ticks_ms(200));
	assert_int_equal(json_int(j, "pid"), 4242);
	json_decref(j);

	qemu_proc(f, vm, 4242, 900, 5000);
	tl_clock_advance(2000);
	sampler_tick(&f->d);
	p = model_proc_of(f->d.model, vm->spec.id, 4242);
	assert_int_equal(p->cpu_ms, ticks_ms(900));
	assert_int_equal(p->sampled_ms, TL_CLOCK_START_MS + 2000);
}

/* The process CPU clock, faked: what it reads, or -ESRCH once the pidfd's
 * process is not the pid's; the calls counted. */
static struct {
	uint64_t ns;
	int r;
	int calls;
	int pidfd;
} fc;

static int fake_cpu_ns(pid_t pid, int pidfd, uint64_t *ns)
{
	(void)pid;
	fc.calls++;
	fc.pidfd = pidfd;
	if (fc.r < 0)
		return fc.r;
	*ns = fc.ns;
	return 0;
}

/* With a process clock, the CPU time is its reading (ns, not ticks) every
 * sample; /proc/PID/stat (RSS, start time) is read only every
 * SAMPLER_STAT_EVERY samples and when an event asks for everything; a
 * pidfd that no longer holds the pid's process ends the VM's figures. */
static void test_qemu_cpu_from_clock(void **state)
{
	struct fx *f = *state;
	struct vm *vm = add_vm(f, "web", NULL);
	char *name = qemu_cmdline_name_arg("web");
	const char *argv[] = { "qemu-system-x86_64", "-name", name, "-uuid", vm->spec.uuid, NULL };
	struct tl_proc_pid tp = { .pid = 4242, .comm = "qemu-system-x86", .argv = argv,
				  .utime = 150, .stime = 50, .start = 5000, .rss_pages = 2560 };
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	const struct model_proc *p;
	char *statm;
	int i;

	memset(&fc, 0, sizeof(fc));
	f->seams.proc_cpu_ns = fake_cpu_ns;
	sampler_free(f->s);
	f->s = f->d.sampler = sampler_new(&f->d, &f->seams);
	tl_proc_pid_or_fail(f->proc, &tp);
	vm->pid = 4242;
	vm->pidfd = 1000;                    /* only passed to the fake */
	fc.ns = 3000000000ull + 999999;
	sampler_run(f->s);
	p = model_proc_of(f->d.model, vm->spec.id, 4242);
	assert_non_null(p);
	assert_int_equal(fc.calls, 1);
	assert_int_equal(fc.pidfd, 1000);
	assert_int_equal(p->cpu_ms, 3000);   /* the clock's, not stat's 200 ticks */
	assert_int_equal(p->rss_bytes, 2560 * page);
	assert_int_equal(p->start_ticks, 5000);
	assert_true(p->cpu_pct < 0);

	/* the RSS moves; the next four samples keep the one read, the fifth
	 * reads statm (stat's rss left behind: not read) */
	tp.rss_pages = 5120;
	tl_proc_pid_or_fail(f->proc, &tp);
	statm = tl_path(f->proc, "4242/statm");
	tl_write_file_or_fail(statm, "40000 6144 300 100 0 9000 0\n");
	for (i = 1; i < SAMPLER_STAT_EVERY; i++) {
		fc.ns += 500000000;          /* half a CPU over 2 s: 25 % */
		tl_clock_advance(2000);
		sampler_tick(&f->d);
		p = model_proc_of(f->d.model, vm->spec.id, 4242);
		assert_non_null(p);
		assert_int_equal(p->rss_bytes, 2560 * page);
		assert_true(fabs(p->cpu_pct - 25.0) < 0.01);
	}
	assert_int_equal(fc.calls, SAMPLER_STAT_EVERY);
	fc.ns += 1000000000;
	tl_clock_advance(2000);
	sampler_tick(&f->d);
	p = model_proc_of(f->d.model, vm->spec.id, 4242);
	assert_int_equal(p->rss_bytes, 6144 * page);
	assert_int_equal(p->start_ticks, 5000);
	assert_true(fabs(p->cpu_pct - 50.0) < 0.01);
	assert_int_equal(p->stat_ms, TL_CLOCK_START_MS + 2000 * SAMPLER_STAT_EVERY);
	/* no statm to read: stat, as before */
	assert_int_equal(unlink(statm), 0);
	free(statm);
	for (i = 0; i < SAMPLER_STAT_EVERY; i++) {
		tl_clock_advance(2000);
		sampler_tick(&f->d);
	}
	assert_int_equal(model_proc_of(f->d.model, vm->spec.id, 4242)->rss_bytes, 5120 * page);

	/* an event reads stat at once */
	tp.rss_pages = 256;
	tl_proc_pid_or_fail(f->proc, &tp);
	tl_clock_advance(100);
	sampler_vm(f->s, vm);
	assert_int_equal(model_proc_of(f->d.model, vm->spec.id, 4242)->rss_bytes, 256 * page);

	/* a pid in a new process's hands: nothing of it is taken */
	fc.r = -ESRCH;
	tl_clock_advance(2000);
	sampler_tick(&f->d);
	assert_null(model_proc_of(f->d.model, vm->spec.id, 4242));
	vm->pidfd = -1;
	free(name);
}

static int is_zombie(pid_t pid)
{
	char path[64], buf[512];
	const char *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

/* The real process clock: this process's CPU time as its own clock has
 * it; a child reaped (its pid free for another) reads as gone. */
static void test_real_process_clock(void **state)
{
	int self = proc_pidfd_open(getpid()), kid;
	struct timespec a, b;
	uint64_t ns;
	pid_t pid;

	(void)state;
	assert_true(self >= 0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	assert_int_equal(sampler_real_seams.proc_cpu_ns(getpid(), self, &ns), 0);
	assert_int_equal(sampler_real_seams.proc_cpu_ns(getpid(), -1, &ns), 0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	assert_true(ns >= (uint64_t)a.tv_sec * 1000000000u + (uint64_t)a.tv_nsec);
	assert_true(ns <= (uint64_t)b.tv_sec * 1000000000u + (uint64_t)b.tv_nsec);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	kid = proc_pidfd_open(pid);
	assert_true(kid >= 0);
	/* a zombie is still its own: its pid is not free */
	while (!is_zombie(pid))
		usleep(1000);
	assert_int_equal(sampler_real_seams.proc_cpu_ns(pid, kid, &ns), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(sampler_real_seams.proc_cpu_ns(pid, kid, &ns), -ESRCH);
	close(kid);
	close(self);
}

static void test_pid_not_the_qemu(void **state)
{
	struct fx *f = *state;
	struct vm *vm = add_vm(f, "web", NULL), *other = add_vm(f, "db", NULL);
	const char *sleeper[] = { "/bin/sleep", "1000", NULL };
	struct tl_proc_pid p = { .pid = 4242, .comm = "sleep", .argv = sleeper, .utime = 5,
				 .start = 9000, .rss_pages = 100 };
	json_t *j;

	/* the pid was never the VM's QEMU: not read as the VM */
	tl_proc_pid_or_fail(f->proc, &p);
	vm->pid = 4242;
	sampler_run(f->s);
	assert_null(model_proc_of(f->d.model, vm->spec.id, 4242));
	j = api_vm_json(vm);
	assert_true(json_is_null(json_object_get(j, "cpu_time_ms")));
	json_decref(j);

	/* another VM's QEMU is not this VM's either */
	qemu_proc(f, other, 4300, 10, 9100);
	vm->pid = 4300;
	sampler_run(f->s);
	assert_null(model_proc_of(f->d.model, vm->spec.id, 4300));
	assert_non_null(model_proc_of(f->d.model, other->spec.id, 4300));
	other->pid = 0;

	/* once it was, and then the pid went to someone else (another start time) */
	qemu_proc(f, vm, 4242, 300, 9500);
	sampler_run(f->s);
	assert_non_null(model_proc_of(f->d.model, vm->spec.id, 4242));
	p.start = 9900;
	tl_proc_pid_or_fail(f->proc, &p);
	sampler_run(f->s);
	assert_null(model_proc_of(f->d.model, vm->spec.id, 4242));

	/* a new QEMU of this VM that happens to get the same pid is read again */
	qemu_proc(f, vm, 4242, 40, 12000);
	sampler_run(f->s);
	assert_non_null(model_proc_of(f->d.model, vm->spec.id, 4242));
	assert_int_equal(model_proc_of(f->d.model, vm->spec.id, 4242)->cpu_ms, ticks_ms(40));
}

static void test_vm_gone_mid_sample(void **state)
{
	struct fx *f = *state;
	struct vm *a = add_vm(f, "a", NULL), *b = add_vm(f, "b", NULL);

	qemu_proc(f, a, 3001, 100, 100);
	qemu_proc(f, b, 3002, 200, 200);
	sampler_run(f->s);
	assert_non_null(model_proc_of(f->d.model, a->spec.id, 3001));
	assert_non_null(model_proc_of(f->d.model, b->spec.id, 3002));

	/* a's QEMU exits; croftd has not seen its pidfd yet, so a->pid stays */
	tl_proc_pid_gone(f->proc, 3001);
	qemu_proc(f, b, 3002, 260, 200);
	sampler_run(f->s);
	assert_null(model_proc_of(f->d.model, a->spec.id, 3001));
	assert_int_equal(model_proc_of(f->d.model, b->spec.id, 3002)->cpu_ms, ticks_ms(260));
}

/* --- disks ------------------------------------------------------------------------------------ */

static uint64_t allocated(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_blocks * 512;
}

/* A sparse 64 MiB image: its descriptor, for write_mib. */
static int sparse_image(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 64 << 20), 0);
	return fd;
}

/* The guest writes 1 MiB at the start of the image; fd is closed. */
static void write_mib(int fd)
{
	char block[65536];
	int i;

	memset(block, 0xa5, sizeof(block));
	for (i = 0; i < 16; i++)
		assert_int_equal(pwrite(fd, block, sizeof(block), (off_t)i * sizeof(block)),
				 (ssize_t)sizeof(block));
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

static void test_disk_allocation(void **state)
{
	struct fx *f = *state;
	char *sparse = tl_path(f->dir, "web-disk0.raw"), *missing = tl_path(f->dir, "gone.qcow2");
	const char *disks[] = { sparse, missing, NULL };
	struct vm *vm;
	json_t *j, *jd;
	int fd;

	fd = sparse_image(sparse);
	vm = add_vm(f, "web", disks);
	sampler_run(f->s);
	assert_int_equal(model_disk_of(f->d.model, vm->spec.id, sparse)->allocated_bytes,
			 allocated(sparse));
	assert_true(allocated(sparse) < (1 << 20));
	assert_int_equal(model_disk_of(f->d.model, vm->spec.id, missing)->sampled_ms, 0);

	write_mib(fd);
	tl_clock_advance(2000);
	sampler_tick(&f->d);
	assert_true(allocated(sparse) >= (1 << 20));
	j = api_vm_json(vm);
	jd = json_object_get(j, "disks");
	assert_int_equal(json_array_size(jd), 2);
	assert_int_equal(json_int(json_array_get(jd, 0), "allocated_bytes"),
			 (json_int_t)allocated(sparse));
	assert_int_equal(json_int(json_array_get(jd, 1), "allocated_bytes"), 0);
	assert_int_equal(json_int(json_array_get(jd, 0), "size_bytes"), 64 << 20);
	json_decref(j);
	free(sparse);
	free(missing);
}

/* A disk's allocation moves slowly: a sample re-reads it when the figure is
 * 10 s old; an event about the VM reads it at once. */
static void test_disk_allocation_every_10s(void **state)
{
	struct fx *f = *state;
	char *path = tl_path(f->dir, "db-disk0.raw");
	const char *disks[] = { path, NULL };
	uint64_t before;
	struct vm *vm;
	int fd;

	fd = sparse_image(path);
	vm = add_vm(f, "db", disks);
	sampler_run(f->s);
	before = allocated(path);
	assert_int_equal(model_disk_of(f->d.model, vm->spec.id, path)->allocated_bytes, before);
	write_mib(fd);
	assert_true(allocated(path) >= before + (1 << 20));
	tl_clock_advance(2000);
	sampler_tick(&f->d);
	assert_int_equal(model_disk_of(f->d.model, vm->spec.id, path)->allocated_bytes, before);
	tl_clock_advance(8000);
	sampler_tick(&f->d);
	assert_int_equal(model_disk_of(f->d.model, vm->spec.id, path)->allocated_bytes,
			 allocated(path));
	/* the event path: at once */
	assert_int_equal(truncate(path, 0), 0);
	tl_clock_advance(2000);
	sampler_vm(f->s, vm);
	assert_int_equal(model_disk_of(f->d.model, vm->spec.id, path)->allocated_bytes, 0);
	free(path);
}

/* --- NICs and leases ---------------------------------------------------------------------------- */

static int64_t put_net(struct fx *f, const char *name)
{
	struct store_net n = { .name = (char *)name, .mode = (char *)"nat", .prefix = 24 };
	char err[256];

	n.subnet = (char *)"10.73.5.0";
	n.gateway = (char *)"10.73.5.1";
	n.dhcp_first = (char *)"10.73.5.100";
	n.dhcp_last = (char *)"10.73.5.200";
	if (store_net_insert(f->d.store, &n, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return n.id;
}

static int64_t put_nic(struct fx *f, struct vm *vm, int64_t net, const char *mac, const char *ip)
{
	struct store_nic n = { .vm_id = vm->spec.id, .net_id = net, .mac = (char *)mac,
			       .ip = (char *)ip };
	char err[256];

	if (store_nic_insert(f->d.store, &n, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return n.id;
}

static void fake_lease(size_t i, int64_t net, const uint8_t mac5, const char *ip)
{
	struct netd_lease *l = &fl.v[i];

	memset(l, 0, sizeof(*l));
	l->net_id = (uint32_t)net;
	memcpy(l->mac, (uint8_t[]){ 0x52, 0x54, 0, 0, 0, mac5 }, 6);
	inet_pton(AF_INET, ip, &l->ip);
	if (fl.n <= i)
		fl.n = i + 1;
}

/* The "ip" of the VM's NIC i, rendered with no store to read. */
static const char *nic_ip(struct fx *f, struct vm *vm, size_t i, char *buf, size_t len)
{
	struct store *st = f->d.store;
	json_t *nics, *ip;

	f->d.store = NULL;
	nics = api_vm_nics_json(vm);
	f->d.store = st;
	assert_true(i < json_array_size(nics));
	ip = json_object_get(json_array_get(nics, i), "ip");
	snprintf(buf, len, "%s", json_is_string(ip) ? json_string_value(ip) : "null");
	json_decref(nics);
	return buf;
}

static void test_leases_mapped_to_nics(void **state)
{
	struct fx *f = *state;
	struct vm *web = add_vm(f, "web", NULL), *db = add_vm(f, "db", NULL);
	int64_t lan = put_net(f, "lan");
	char buf[64];

	put_nic(f, web, lan, "52:54:00:00:00:01", "10.73.5.10");
	put_nic(f, db, lan, "52:54:00:00:00:02", "10.73.5.11");
	assert_int_equal(sampler_nics_load(f->s), 0);
	fake_lease(0, lan, 2, "10.73.5.11");
	fake_lease(1, lan + 1, 1, "10.99.0.5");     /* web's MAC, another network */
	sampler_run(f->s);
	assert_int_equal(fl.calls, 1);
	assert_string_equal(nic_ip(f, web, 0, buf, sizeof(buf)), "null");
	assert_string_equal(nic_ip(f, db, 0, buf, sizeof(buf)), "10.73.5.11");

	fake_lease(2, lan, 1, "10.73.5.10");
	tl_clock_advance(2000);
	sampler_tick(&f->d);
	assert_string_equal(nic_ip(f, web, 0, buf, sizeof(buf)), "10.73.5.10");
	assert_int_equal(f->d.model->leases_ms, TL_CLOCK_START_MS + 2000);

	/* netd does not answer: the last leases stay */
	fl.fail = -ETIMEDOUT;
	sampler_tick(&f->d);
	assert_string_equal(nic_ip(f, web, 0, buf, sizeof(buf)), "10.73.5.10");
	/* netd answers with none */
	fl.fail = 0;
	fl.n = 0;
	sampler_tick(&f->d);
	assert_string_equal(nic_ip(f, web, 0, buf, sizeof(buf)), "null");
}

static void test_nic_changes_without_sql(void **state)
{
	struct fx *f = *state;
	struct vm *web = add_vm(f, "web", NULL);
	int64_t lan, dmz, nic;
	struct store *st = f->d.store;
	json_t *nics, *j;

	sampler_run(f->s);
	lan = put_net(f, "lan");
	bus_publish(f->d.bus, "net.created", "lan", 0, NULL, "network lan: created");
	dmz = put_net(f, "dmz");
	nic = put_nic(f, web, lan, "52:54:00:00:00:01", "10.73.5.10");
	put_nic(f, web, dmz, "52:54:00:00:00:02", NULL);
	bus_publish(f->d.bus, "vm.changed", "web", BUS_QUIET, NULL, "VM web: NICs changed");

	f->d.store = NULL;                /* a read that touched the store would crash */
	j = api_vm_json(web);
	nics = json_object_get(j, "nics");
	assert_int_equal(json_array_size(nics), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(nics, 0), "net")), "lan");
	assert_string_equal(json_string_value(json_object_get(json_array_get(nics, 0), "mac")),
			    "52:54:00:00:00:01");
	assert_string_equal(json_string_value(json_object_get(json_array_get(nics, 0), "address")),
			    "10.73.5.10");
	assert_string_equal(json_string_value(json_object_get(json_array_get(nics, 1), "net")), "dmz");
	assert_true(json_is_null(json_object_get(json_array_get(nics, 1), "address")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(nics, 0), "model")),
			    "virtio");
	json_decref(j);
	f->d.store = st;

	/* the NIC goes; net.changed alone is enough to see it */
	assert_int_equal(store_nic_delete(f->d.store, nic), 0);
	bus_publish(f->d.bus, "net.changed", "lan", BUS_QUIET, NULL, "network lan: NICs changed");
	f->d.store = NULL;
	nics = api_vm_nics_json(web);
	f->d.store = st;
	assert_int_equal(json_array_size(nics), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(nics, 0), "net")), "dmz");
	json_decref(nics);
}

/* --- events: state changes and deletes ------------------------------------------------------------- */

static void test_state_events(void **state)
{
	struct fx *f = *state;
	struct vm *vm = add_vm(f, "web", NULL);
	int64_t id = vm->spec.id;

	sampler_run(f->s);
	assert_null(model_proc_of(f->d.model, id, 4242));

	/* QEMU is up: a read right after sees its figures, before any tick */
	qemu_proc(f, vm, 4242, 50, 700);
	vm->qmp = (struct qmp *)&fq;      /* used only through fake_qmp_command */
	/* while it starts, QMP is the start's own: nothing is asked (a
	 * question would queue ahead of cont); its process is read */
	vm_set_state(vm, VM_STARTING, "user");
	sampler_run(f->s);
	assert_int_equal(fq_count("query-balloon"), 0);
	assert_int_equal(fq_count("query-cpus-fast"), 0);
	assert_non_null(model_proc_of(f->d.model, id, 4242));
	vm_set_state(vm, VM_RUNNING, "user");
	assert_non_null(model_proc_of(f->d.model, id, 4242));
	assert_int_equal(fq_count("query-balloon"), 1);

	/* QEMU gone */
	qmp_answer(-1);
	tl_proc_pid_gone(f->proc, 4242);
	vm->pid = 0;
	vm->qmp = NULL;
	vm_set_state(vm, VM_STOPPED, "user");
	assert_int_equal(model_vm(f->d.model, id)->proc.pid, 0);

	/* deleted: forgotten */
	assert_int_equal(store_vm_delete(f->d.store, id), 0);
	vm_remove(vm);
	bus_publish(f->d.bus, "vm.deleted", "web", 0, NULL, "VM web: deleted");
	assert_null(model_vm(f->d.model, id));
}

static void test_created_event(void **state)
{
	struct fx *f = *state;
	char *path = tl_path(f->dir, "new-disk0.raw");
	const char *disks[] = { path, NULL };
	struct vm *vm;

	tl_write_file_or_fail(path, "%s", "boot sector");
	vm = add_vm(f, "new", disks);
	assert_null(model_disk_of(f->d.model, vm->spec.id, path));
	bus_publish(f->d.bus, "vm.created", "new", 0, NULL, "VM new: created");
	assert_int_equal(model_disk_of(f->d.model, vm->spec.id, path)->allocated_bytes,
			 allocated(path));
	assert_true(allocated(path) > 0);
	/* an event about a VM nobody knows changes nothing */
	bus_publish(f->d.bus, "vm.state", "nosuch", 0, NULL, "VM nosuch: ?");
	free(path);
}

/* Whatever an event changes, a reply rendered before it is not served after. */
static void test_events_move_the_model_on(void **state)
{
	struct fx *f = *state;
	struct vm *vm = add_vm(f, "web", NULL);
	static const char *const kinds[][2] = {
		{ "vm.state", "web" }, { "vm.changed", "web" }, { "vm.created", "web" },
		{ "net.created", "lan" }, { "net.changed", "lan" }, { "net.deleted", "lan" },
		{ "vm.deleted", "web" },
	};
	size_t i;

	(void)vm;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		model_text_take(f->d.model, 1, xstrdup("rendered"));
		assert_non_null(model_text_get(f->d.model, 1));
		bus_publish(f->d.bus, kinds[i][0], kinds[i][1], 0, NULL, "%s", kinds[i][0]);
		assert_null(model_text_get(f->d.model, 1));
	}
	model_text_take(f->d.model, 1, xstrdup("rendered"));
	sampler_tick(&f->d);
	assert_null(model_text_get(f->d.model, 1));
}

/* --- balloon ------------------------------------------------------------------------------------- */

static void test_balloon(void **state)
{
	struct fx *f = *state;
	struct vm *vm = add_vm(f, "web", NULL);
	int64_t id = vm->spec.id;
	json_t *j;

	qemu_proc(f, vm, 4242, 10, 10);
	vm->qmp = (struct qmp *)&fq;      /* used only through fake_qmp_command */
	sampler_run(f->s);
	assert_int_equal(fq_count("query-balloon"), 1);
	j = api_vm_json(vm);              /* no answer yet: the configured size */
	assert_int_equal(json_int(j, "memory_actual_mib"), 1024);
	json_decref(j);

	sampler_run(f->s);                /* one query in flight at a time */
	assert_int_equal(fq_count("query-balloon"), 1);
	tl_clock_advance(300);
	qmp_answer(512LL << 20);
	assert_int_equal(model_balloon_of(f->d.model, id, 4242)->actual_mib, 512);
	assert_int_equal(model_balloon_of(f->d.model, id, 4242)->sampled_ms, TL_CLOCK_START_MS + 300);
	j = api_vm_json(vm);
	assert_int_equal(json_int(j, "memory_actual_mib"), 512);
	json_decref(j);

	/* a fresh figure is not asked for again: BALLOON_CHANGE events keep
	 * it current; after 30 s it is */
	sampler_run(f->s);
	assert_int_equal(fq_count("query-balloon"), 1);
	tl_clock_advance(30000);
	/* the connection ends before the next answer: nothing changes, the
	 * next sample asks again */
	sampler_run(f->s);
	assert_int_equal(fq_count("query-balloon"), 2);
	qmp_answer(-1);
	assert_int_equal(model_balloon_of(f->d.model, id, 4242)->actual_mib, 512);
	fq.fail = -ENOTCONN;
	sampler_run(f->s);
	assert_int_equal(fq_count("query-balloon"), 3);
	fq.fail = 0;
	sampler_run(f->s);                /* the failed one is not left in flight */
	assert_int_equal(fq_count("query-balloon"), 4);

	/* the sampler goes while a query is out: the answer lands nowhere */
	sampler_free(f->s);
	f->s = f->d.sampler = NULL;
	qmp_answer(256LL << 20);
	assert_int_equal(model_balloon_of(f->d.model, id, 4242)->actual_mib, 512);
	vm->qmp = NULL;
}


/* --- the monitor's figures ----------------------------------------------------------------------- */

static void put_schedstat(struct fx *f, int pid, int tid, uint64_t run, uint64_t delay)
{
	char *dir = xasprintf("%s/%d/task", f->proc, pid), *sub, *path;

	mkdir(dir, 0755);
	sub = xasprintf("%s/%d", dir, tid);
	mkdir(sub, 0755);
	path = tl_path(sub, "schedstat");
	tl_write_file_or_fail(path, "%llu %llu 1234\n", (unsigned long long)run,
			      (unsigned long long)delay);
	free(path);
	free(sub);
	free(dir);
}

static void test_vcpu_ready(void **state)
{
	struct fx *f = *state;
	struct vm *vm = add_vm(f, "web", NULL);
	const struct model_vcpu *v;
	const struct model_vm *mv;
	size_t n;

	qemu_proc(f, vm, 4242, 10, 10);
	vm->qmp = (struct qmp *)&fq;
	put_schedstat(f, 4242, 4250, 1000, 5000000000ULL);
	put_schedstat(f, 4242, 4251, 1000, 100);
	sampler_run(f->s);
	assert_int_equal(fq_count("query-cpus-fast"), 1);
	assert_int_equal(fq_answer("query-cpus-fast",
		"[{\"cpu-index\": 0, \"thread-id\": 4250, \"qom-path\": \"/machine/unattached/device[0]\"},"
		" {\"cpu-index\": 1, \"thread-id\": 4251}, {\"cpu-index\": 2}]"), 0);
	v = model_vcpus_of(f->d.model, vm->spec.id, 4242, &n);
	assert_int_equal(n, 2);                    /* the one without a thread is left out */
	assert_int_equal(v[0].tid, 4250);
	assert_true(v[0].ready_pct < 0);           /* one reading: no figure yet */
	assert_true(model_vm(f->d.model, vm->spec.id)->ready_pct < 0);

	/* 2 s later: vCPU 0 waited 600 ms (30 %), vCPU 1 20 ms (1 %) */
	put_schedstat(f, 4242, 4250, 2000, 5600000000ULL);
	put_schedstat(f, 4242, 4251, 2000, 20000100ULL);
	tl_clock_advance(2000);
	sampler_run(f->s);
	assert_int_equal(fq_count("query-cpus-fast"), 1);   /* the threads are known */
	v = model_vcpus_of(f->d.model, vm->spec.id, 4242, &n);
	assert_int_equal(n, 2);
	assert_true(fabs(v[0].ready_pct - 30.0) < 1e-6);
	assert_true(fabs(v[1].ready_pct - 1.0) < 1e-6);
	mv = model_vm(f->d.model, vm->spec.id);
	assert_true(fabs(mv->ready_pct - 15.5) < 1e-6);
	assert_true(fabs(mv->ready_max_pct - 30.0) < 1e-6);

	/* an event right after: too soon for a figure, the last one stays */
	put_schedstat(f, 4242, 4250, 2000, 5700000000ULL);
	tl_clock_advance(10);
	sampler_vm(f->s, vm);
	v = model_vcpus_of(f->d.model, vm->spec.id, 4242, &n);
	assert_true(fabs(v[0].ready_pct - 30.0) < 1e-6);

	/* a vCPU thread gone (unplugged): asked again */
	tl_clock_advance(2000);
	put_schedstat(f, 4242, 4250, 3000, 5700000000ULL);
	{
		char *dir = xasprintf("%s/4242/task/4251", f->proc);

		tl_proc_dir_gone(dir);
		free(dir);
	}
	sampler_run(f->s);
	assert_int_equal(fq_count("query-cpus-fast"), 2);
	vm->qmp = NULL;
}

static void test_guest_memory(void **state)
{
	struct fx *f = *state;
	struct vm *vm = add_vm(f, "web", NULL);
	const struct model_balloon *b;
	json_t *args;
	char ret[512];
	int i;

	qemu_proc(f, vm, 4242, 10, 10);
	vm->qmp = (struct qmp *)&fq;
	sampler_run(f->s);
	/* first QEMU is told to poll, every interval (2 s) */
	assert_int_equal(fq_count("qom-set"), 1);
	assert_int_equal(fq_count("qom-get"), 0);
	for (i = 0; i < fq.npending && strcmp(fq.pending[i].cmd, "qom-set"); i++)
		;
	assert_true(i < fq.npending);
	args = fq.pending[i].args;
	assert_string_equal(json_string_value(json_object_get(args, "property")),
			    "guest-stats-polling-interval");
	assert_int_equal(json_integer_value(json_object_get(args, "value")), 2);
	assert_int_equal(fq_answer("qom-set", "{}"), 0);
	tl_clock_advance(2000);
	sampler_run(f->s);
	assert_int_equal(fq_count("qom-set"), 1);
	assert_int_equal(fq_count("qom-get"), 1);
	snprintf(ret, sizeof(ret), "{\"stats\": {\"stat-swap-out\": 0, \"stat-available-memory\": 805306368,"
		 " \"stat-free-memory\": 536870912, \"stat-total-memory\": 1006632960,"
		 " \"stat-disk-caches\": 104857600, \"stat-major-faults\": 77, \"stat-swap-in\": 0,"
		 " \"stat-minor-faults\": 1234, \"stat-htlb-pgalloc\": -1}, \"last-update\": %lld}",
		 (long long)(tl_clock_ms() / 1000 - 1));
	assert_int_equal(fq_answer("qom-get", ret), 0);
	b = &model_vm(f->d.model, vm->spec.id)->balloon;
	assert_true(b->guest.known);
	assert_false(b->guest.stale);
	assert_int_equal(b->guest.available, 805306368ULL);
	assert_int_equal(b->guest.total, 1006632960ULL);
	assert_int_equal(b->guest.major_faults, 77);

	/* the guest stopped updating them (its driver is gone): stale */
	tl_clock_advance(60000);
	sampler_run(f->s);
	assert_int_equal(fq_answer("qom-get", ret), 0);
	b = &model_vm(f->d.model, vm->spec.id)->balloon;
	assert_true(b->guest.stale);
	/* a guest that never reported */
	assert_int_equal(fq_answer("query-balloon", "{\"actual\": 1073741824}"), 0);
	tl_clock_advance(2000);
	sampler_run(f->s);
	assert_int_equal(fq_answer("qom-get", "{\"stats\": {}, \"last-update\": 0}"), 0);
	b = &model_vm(f->d.model, vm->spec.id)->balloon;
	assert_true(b->guest.stale);
	assert_int_equal(b->guest.available, UINT64_MAX);
	assert_int_equal(b->actual_mib, 1024);
	vm->qmp = NULL;
}

static void blockstats(char *buf, size_t len, unsigned long long wr_bytes, unsigned long long wr_ops,
		       unsigned long long wr_ns)
{
	snprintf(buf, len, "[{\"device\": \"\", \"node-name\": \"disk0\", \"qdev\": "
		 "\"/machine/peripheral/virtio-disk0/virtio-backend\", \"stats\": {\"rd_bytes\": 4096,"
		 " \"rd_operations\": 1, \"rd_total_time_ns\": 100000, \"wr_bytes\": %llu,"
		 " \"wr_operations\": %llu, \"wr_total_time_ns\": %llu}}, {\"device\": \"\","
		 " \"qdev\": \"x\"}]", wr_bytes, wr_ops, wr_ns);
}

static void test_block_rates(void **state)
{
	struct fx *f = *state;
	struct vm *vm = add_vm(f, "web", NULL);
	const struct model_blk *b;
	char ret[1024];
	size_t n;

	qemu_proc(f, vm, 4242, 10, 10);
	vm->qmp = (struct qmp *)&fq;
	sampler_run(f->s);
	blockstats(ret, sizeof(ret), 1000000, 100, 200000000);
	assert_int_equal(fq_answer("query-blockstats", ret), 0);
	b = model_blks_of(f->d.model, vm->spec.id, 4242, &n);
	assert_int_equal(n, 1);
	assert_string_equal(b[0].name, "disk0");
	assert_true(b[0].wr_bps < 0);

	/* 2 s: 8 MB in 200 writes of 4 ms each */
	tl_clock_advance(2000);
	sampler_run(f->s);
	blockstats(ret, sizeof(ret), 9000000, 300, 1000000000);
	assert_int_equal(fq_answer("query-blockstats", ret), 0);
	b = model_blks_of(f->d.model, vm->spec.id, 4242, &n);
	assert_true(fabs(b[0].wr_bps - 4000000.0) < 1e-6);
	assert_true(fabs(b[0].wr_iops - 100.0) < 1e-6);
	assert_true(fabs(b[0].wr_lat_ms - 4.0) < 1e-6);
	assert_true(fabs(b[0].rd_bps) < 1e-9);
	assert_true(fabs(b[0].rd_lat_ms) < 1e-9);  /* no reads: 0 */

	/* the counters start over (block device re-added): no rate once */
	tl_clock_advance(2000);
	sampler_run(f->s);
	blockstats(ret, sizeof(ret), 5000, 1, 1000);
	assert_int_equal(fq_answer("query-blockstats", ret), 0);
	b = model_blks_of(f->d.model, vm->spec.id, 4242, &n);
	assert_true(b[0].wr_bps < 0);
	assert_true(b[0].wr_lat_ms < 0);
	tl_clock_advance(2000);
	sampler_run(f->s);
	blockstats(ret, sizeof(ret), 25000, 2, 2001000);
	assert_int_equal(fq_answer("query-blockstats", ret), 0);
	b = model_blks_of(f->d.model, vm->spec.id, 4242, &n);
	assert_true(fabs(b[0].wr_bps - 10000.0) < 1e-6);
	assert_true(fabs(b[0].wr_lat_ms - 2.0) < 1e-6);
	/* another QEMU: the old figures are not its */
	assert_null(model_blks_of(f->d.model, vm->spec.id, 4243, &n));
	vm->qmp = NULL;
}

static void put_netdev(struct fx *f, const char *lines)
{
	char *dir = tl_path(f->proc, "net"), *path;

	mkdir(dir, 0755);
	path = tl_path(dir, "dev");
	tl_write_file_or_fail(path, "Inter-|   Receive                                                |  Transmit\n"
			      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
			      "packets errs drop fifo colls carrier compressed\n%s", lines);
	free(path);
	free(dir);
}

static void test_nic_rates(void **state)
{
	struct fx *f = *state;
	struct vm *vm = add_vm(f, "web", NULL);
	int64_t net = tl_store_net_or_fail(f->d.store, "lan", "nat", "5", NULL);
	int64_t nic = tl_store_nic_or_fail(f->d.store, vm->spec.id, net, "52:54:00:00:00:01", NULL, 0, 0);
	const struct model_vm *mv;
	char line[256];

	qemu_proc(f, vm, 4242, 10, 10);
	sampler_nics_load(f->s);
	/* the tap received 1000 bytes (the guest sent them) and sent 5000 */
	snprintf(line, sizeof(line), "croftt%lld: 1000 10 0 0 0 0 0 0 5000 50 0 2 0 0 0 0\n", (long long)nic);
	put_netdev(f, line);
	sampler_run(f->s);
	mv = model_vm(f->d.model, vm->spec.id);
	assert_int_equal(mv->nnetstats, 1);
	assert_int_equal(mv->netstats[0].rx_bytes, 5000);
	assert_int_equal(mv->netstats[0].tx_bytes, 1000);
	assert_int_equal(mv->netstats[0].rx_drops, 2);
	assert_true(mv->netstats[0].rx_bps < 0);
	snprintf(line, sizeof(line), "croftt%lld: 3000 30 0 0 0 0 0 0 45000 90 0 2 0 0 0 0\n", (long long)nic);
	put_netdev(f, line);
	tl_clock_advance(2000);
	sampler_run(f->s);
	mv = model_vm(f->d.model, vm->spec.id);
	assert_true(fabs(mv->netstats[0].rx_bps - 20000.0) < 1e-6);
	assert_true(fabs(mv->netstats[0].tx_bps - 1000.0) < 1e-6);
	assert_true(fabs(mv->netstats[0].rx_pps - 20.0) < 1e-6);
	/* the tap made anew: counters from 0, no rate once */
	snprintf(line, sizeof(line), "croftt%lld: 10 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0\n", (long long)nic);
	put_netdev(f, line);
	tl_clock_advance(2000);
	sampler_run(f->s);
	mv = model_vm(f->d.model, vm->spec.id);
	assert_true(mv->netstats[0].rx_bps < 0);
}

static void put_text(const char *root, const char *rel, const char *text)
{
	char *path = tl_path(root, rel);

	tl_write_file_or_fail(path, "%s", text);
	free(path);
}

static void test_host_monitor(void **state)
{
	struct fx *f = *state;
	struct tl_proc_host h = { .user = 100, .system = 50, .idle = 800, .iowait = 50, .cpus = 2,
				  .mem_total_kib = 4 << 20, .mem_available_kib = 1 << 20 };
	char *pressure = tl_path(f->proc, "pressure");
	const struct model_host *mh = &f->d.model->host;

	tl_proc_host_or_fail(f->proc, &h);
	mkdir(pressure, 0755);
	put_text(f->proc, "vmstat", "nr_free_pages 1000\npswpin 100\npswpout 4000\n");
	put_text(pressure, "memory", "some avg10=12.50 avg60=3.00 avg300=1.00 total=5000000\n"
		 "full avg10=2.00 avg60=1.00 avg300=0.00 total=1000000\n");
	put_text(pressure, "cpu", "some avg10=1.00 avg60=1.00 avg300=1.00 total=42\n");
	sampler_run(f->s);
	assert_int_equal(mh->mem.swap_total_kib, 0);       /* no swap */
	assert_true(mh->vmstat_known);
	assert_true(mh->pswpin_ps < 0);                    /* one reading */
	assert_true(mh->psi[MODEL_PSI_MEMORY].known);
	assert_true(fabs(mh->psi[MODEL_PSI_MEMORY].some_avg10 - 12.5) < 1e-9);
	assert_int_equal(mh->psi[MODEL_PSI_MEMORY].full_total_us, 1000000);
	assert_false(mh->psi[MODEL_PSI_CPU].full_known);
	assert_false(mh->psi[MODEL_PSI_IO].known);          /* no file: unknown */
	assert_false(mh->ksm.known);

	/* 2 s on: 100 jiffies more, 20 of them steal; 200 pages out */
	h.user += 40;
	h.idle += 40;
	tl_proc_host_or_fail(f->proc, &h);
	{
		char *path = tl_path(f->proc, "stat");
		char *text = tl_read_file(path);
		char *p = strstr(text, "cpu  ");

		/* the steal column (8th) of the fake's "cpu " line */
		assert_non_null(p);
		tl_write_file_or_fail(path, "cpu  %llu 0 %llu %llu %llu 0 0 20 0 0\n%s",
				      (unsigned long long)h.user, (unsigned long long)h.system,
				      (unsigned long long)h.idle, (unsigned long long)h.iowait,
				      strchr(p, '\n') + 1);
		free(text);
		free(path);
	}
	put_text(f->proc, "vmstat", "nr_free_pages 1000\npswpin 100\npswpout 4200\n");
	{
		char *sys = tl_path(f->dir, "sys"), *ksm = xasprintf("%s/kernel/mm/ksm", sys);
		char *k1 = xasprintf("%s/kernel", sys), *k2 = xasprintf("%s/kernel/mm", sys);

		mkdir(sys, 0755);
		mkdir(k1, 0755);
		mkdir(k2, 0755);
		mkdir(ksm, 0755);
		put_text(ksm, "run", "1\n");
		put_text(ksm, "pages_sharing", "4096\n");
		put_text(ksm, "full_scans", "7\n");
		free(k1);
		free(k2);
		free(ksm);
		tl_clock_advance(2000);
		sampler_run(f->s);
		free(sys);
	}
	assert_true(fabs(mh->cpu_modes_pct[PROCFS_CPU_STEAL] - 20.0) < 1e-9);
	assert_true(fabs(mh->cpu_modes_pct[PROCFS_CPU_USER] - 40.0) < 1e-9);
	assert_true(fabs(mh->cpu_pct - 60.0) < 1e-9);
	assert_true(fabs(mh->pswpin_ps - 0.0) < 1e-9);
	assert_true(fabs(mh->pswpout_ps - 100.0) < 1e-9);
	assert_true(mh->ksm.known);
	assert_int_equal(mh->ksm.pages_sharing, 4096);
	assert_int_equal(mh->ksm.full_scans, 7);
	free(pressure);
}

/* --- the interval ------------------------------------------------------------------------------------- */

static void test_interval_setting(void **state)
{
	struct fx *f = *state;
	static const struct { const char *value; uint64_t ms; } cases[] = {
		{ "5000", 5000 }, { "500", 500 }, { "60000", 60000 },
		{ "499", SAMPLER_INTERVAL_DEFAULT_MS }, { "60001", SAMPLER_INTERVAL_DEFAULT_MS },
		{ "2s", SAMPLER_INTERVAL_DEFAULT_MS }, { "", SAMPLER_INTERVAL_DEFAULT_MS },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(store_setting_set(f->d.store, "sample-interval-ms", cases[i].value), 0);
		sampler_free(f->s);
		f->s = sampler_new(&f->d, &f->seams);
		f->d.sampler = f->s;
		assert_int_equal(sampler_tick(&f->d), cases[i].ms);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_cpu_from_clock, setup, teardown),
		cmocka_unit_test(test_real_process_clock),
		cmocka_unit_test_setup_teardown(test_pid_not_the_qemu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_gone_mid_sample, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_allocation_every_10s, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_allocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leases_mapped_to_nics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nic_changes_without_sql, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_created_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_move_the_model_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_balloon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interval_setting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcpu_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_rates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nic_rates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_monitor, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
