/*
 * The unit tests' shared harness: temporary directories and the tree
 * remover, small file helpers, a fake clock, a store in a temporary
 * directory with rows put in it, IPv4 addresses from text, a runner that
 * captures what a main function prints, two fakes of croftd: its state,
 * for code inside croftd (tl_croftd_*), and its API socket, for its clients
 * (tl_api_*, testlib_api.c), scripted children for job_exec's seam
 * (testlib_exec.c) and a fake QEMU at the other end of a QMP socket
 * (testlib_qmp.c).  The fake of the network domain's side effects is
 * testlib_net.h's; the CLI's parsers are run by testlib_cli.h's helpers.  Fault seams of the modules under test (exec, the clock,
 * /proc, QMP) are the modules' own function tables; the fakes that fill
 * them for more than one test file live here.
 *
 * Functions named tl_*_or_fail end the running cmocka test on failure;
 * the others return -errno or NULL so setups can report failure.
 */
#ifndef CROFT_TESTLIB_H
#define CROFT_TESTLIB_H

#include <jansson.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/proto.h"

struct api_client;
struct croftd;
struct loop;
struct qmp;
struct qmp_callbacks;
struct store;
struct vm;
struct store_vm;

/* A fresh directory /tmp/croft-test-<tag>-XXXXXX, its real path (malloc'd),
 * mode 0755 so an unprivileged user can reach what a test puts there.
 * NULL on failure. */
char *tl_tmpdir(const char *tag);
/* Remove path and everything below it, never following a link.  0 when
 * it is gone (or was never there), else -errno. */
int tl_rmtree(const char *path);

/* "dir/name", malloc'd. */
char *tl_path(const char *dir, const char *name);
/* Write text (creating or truncating, mode 0644): 0 or -errno.  The
 * _or_fail form takes a printf format. */
int tl_write_file(const char *path, const char *text);
void tl_write_file_or_fail(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* tl_write_file_or_fail of text to dir/name. */
void tl_write_in_or_fail(const char *dir, const char *name, const char *text);
/* The whole file, NUL-terminated (malloc'd), or NULL with errno set. */
char *tl_read_file(const char *path);

/* Fail the running test unless hay (may be NULL) contains needle. */
void tl_assert_contains(const char *hay, const char *needle);

/* A cmocka group setup: local time is UTC (TZ), for fixed times in output. */
int tl_setup_utc(void **state);

/* A fake clock for modules that take one as a seam: starts at
 * TL_CLOCK_START (2026-01-01 00:00:00 UTC) and moves only when told. */
#define TL_CLOCK_START_MS 1767225600000LL
int64_t tl_clock_ms(void);
void tl_clock_set(int64_t ms);
void tl_clock_advance(int64_t ms);

/* A new store at dir/croft.db, migrated; fails the test on error. */
struct store *tl_store_open_or_fail(const char *dir);
/* cmocka setup and teardown: *state is a tl_store_fx, a store in a fresh
 * temporary directory, removed afterwards. */
struct tl_store_fx {
	char *dir;
	struct store *st;
};
int tl_store_setup(void **state);
int tl_store_teardown(void **state);

/* Scripted children (testlib_exec.c): while installed, every child
 * job_exec starts "runs" as the script says, without a process.  The
 * script may change between children; what happened is recorded. */
struct tl_exec_fake {
	int spawn_errno;          /* > 0: starting fails with it ("fork: ...") */
	int status;               /* exit status */
	const char *out, *err;    /* what it prints (a few KiB at most) */
	int hang;                 /* runs until signalled */
	int ignore_term;          /* a hanging child survives SIGTERM */

	int calls;                /* children started (or tried) */
	char argv[16][256];       /* the last one's command line */
	int argc;
	int nsignals;             /* signals sent to any child */
	int last_signal;
};
void tl_exec_fake_install(struct tl_exec_fake *f);
/* Back to real children. */
void tl_exec_fake_remove(void);

/* A job_exec_done_fn recording the child's end into a tl_exec_seen (its
 * data); output past the buffers is cut. */
struct tl_exec_seen {
	int calls;
	int status;
	int signal;
	char out[8192];
	char err[8192];
};
struct job_exec;
struct job_exec_result;
void tl_exec_record(struct job_exec *x, const struct job_exec_result *res, void *data);

/* A fake QEMU at the other end of a QMP socket (testlib_qmp.c): it reads
 * what the client writes, line by line and JSON-decoded, and answers by
 * hand, so replies, events and disconnects can be staged exactly.  The
 * functions fail the running test on anything unexpected. */
struct tl_qmp_fake {
	int fd;                   /* our end; -1 once closed */
	struct linebuf in;
};
/* QEMU 7.2's greeting, verbatim. */
#define TL_QMP_GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, " \
	"\"major\": 7}, \"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, " \
	"\"capabilities\": [\"oob\"]}}\r\n"
/* A client on l (with cbs and data) connected to f. */
struct qmp *tl_qmp_fake_open(struct tl_qmp_fake *f, struct loop *l,
			     const struct qmp_callbacks *cbs, void *data);
void tl_qmp_fake_close(struct tl_qmp_fake *f);
void tl_qmp_send(struct tl_qmp_fake *f, const char *s);
/* The next line the client wrote, decoded (a new reference); runs l while
 * waiting. */
json_t *tl_qmp_read(struct tl_qmp_fake *f, struct loop *l);
/* The next line must run cmd: its id; *args (if asked) its arguments. */
long long tl_qmp_expect(struct tl_qmp_fake *f, struct loop *l, const char *cmd, json_t **args);
/* {"return": ret, "id": id}; ret is JSON text. */
void tl_qmp_reply(struct tl_qmp_fake *f, long long id, const char *ret);
/* Nothing more from the client within a few turns of l. */
void tl_qmp_expect_silence(struct tl_qmp_fake *f, struct loop *l);
/* Greet and accept qmp_capabilities, then run l until the client is ready. */
void tl_qmp_handshake(struct tl_qmp_fake *f, struct loop *l, struct qmp *q);

/* Run loop l (common/loop.h) until cond holds; fail the test after ms. */
#define TL_PUMP_UNTIL(l, cond, ms) do {                                          \
		uint64_t tl_end_ = loop_now_ms() + (uint64_t)(ms);               \
		while (!(cond) && loop_now_ms() < tl_end_)                        \
			loop_run_once((l), 10);                                  \
		if (!(cond))                                                     \
			fail_msg("waited %d ms in vain for %s", (int)(ms), #cond);   \
	} while (0)

/* Rows in a store, for tests of what reads them: each returns the new
 * row's id and fails the test when the store refuses it.  A VM: stopped,
 * 1 vCPU, 64 MiB, BIOS, no disks.  A network: with third, the subnet
 * 10.73.<third>.0/24, gateway .1, DHCP range .2-.254; without, none
 * (bridged).  uplink and ip may be NULL. */
int64_t tl_store_vm_or_fail(struct store *st, const char *name);
int64_t tl_store_net_or_fail(struct store *st, const char *name, const char *mode,
			     const char *third, const char *uplink);
int64_t tl_store_nic_or_fail(struct store *st, int64_t vm, int64_t net, const char *mac,
			     const char *ip, uint32_t vlan, uint32_t rate_mbit);
int64_t tl_store_fwd_or_fail(struct store *st, int64_t net, int64_t nic, const char *proto,
			     uint32_t host_port, uint32_t guest_port);

/* A dotted quad as struct in_addr (network order); fails the test when it
 * is not one. */
struct in_addr tl_ip4_or_fail(const char *dotted);
/* a as a dotted quad, in one of four static buffers used in turn: up to
 * four calls may share one expression. */
const char *tl_ip4_str(struct in_addr a);

/* A fake croftd for code that takes one: a store in dir, a bus on the fake
 * clock, state_dir dir/state, run_dir dir/run and pool_dir dir/state/pool
 * (created), no OVMF, no loop, netd or API server; QEMU's user is the
 * caller.  Fails the test on error.  tl_croftd_free() frees it, its VMs
 * and the store, and leaves dir to the caller. */
struct croftd *tl_croftd_new_or_fail(const char *dir);
void tl_croftd_free(struct croftd *d);
/* A stopped VM named name with the disks at the given paths (ending with
 * NULL), in d's list as if loaded; not in the store. */
struct vm *tl_croftd_vm_add(struct croftd *d, const char *name, const char *const *disks);

/* The JSON text (any value) parsed; fails the test when it does not
 * parse.  A new reference. */
json_t *tl_json(const char *text);

/* What fn prints of v (or of the JSON text json, which must parse), as a
 * malloc'd string: for testing formatters. */
char *tl_print_json(void (*fn)(FILE *, const json_t *), const json_t *v);
char *tl_print_json_text(void (*fn)(FILE *, const json_t *), const char *json);
/* fn prints exactly want of the JSON text json. */
void tl_expect_printed(void (*fn)(FILE *, const json_t *), const char *json, const char *want);

/* Run main_fn(argc, argv) with stdout and stderr captured (each cut at
 * the buffer's size); stdin is left alone. */
struct tl_run {
	int status;
	char out[65536];
	char err[65536];
};
void tl_run_main(struct tl_run *r, int (*main_fn)(int, char **), int argc, char **argv);

/*
 * croftd's API as its clients (the CLI, the console, api_client) see it:
 * a forked child serving one client connection with a scenario.
 * tl_api_pair_or_fail() serves the other end of a socketpair (f->fd is the
 * client's end, for api_client_attach(), and belongs to the caller);
 * tl_api_listen_or_fail() listens on the unix socket sock (replacing a
 * stale one) and serves the first connection (f->fd is -1).
 * tl_api_wait_or_fail() reaps the child and fails the test unless the
 * scenario ran to its end; tl_api_stop() kills it, for a client that never
 * came.  A child left waiting ends itself after 30 s.
 */
struct tl_api {
	pid_t pid;
	int fd;
};
struct tl_srv;
typedef void (*tl_scenario_fn)(struct tl_srv *s, const void *arg);

void tl_api_pair_or_fail(struct tl_api *f, tl_scenario_fn fn, const void *arg);
void tl_api_listen_or_fail(struct tl_api *f, const char *sock, tl_scenario_fn fn,
			      const void *arg);
void tl_api_wait_or_fail(struct tl_api *f);
void tl_api_stop(struct tl_api *f);

/* The server's side, for scenarios.  A surprise ends the child with a
 * message and a non-zero status. */
#define TL_API_VERSION "9.9-test"
/* The next request (new reference) and its id; want_op NULL or "*" takes
 * any op.  The client leaving ends the scenario (status 0). */
json_t *tl_srv_request(struct tl_srv *s, const char *want_op, long long *id);
/* The same, dropping the request. */
void tl_srv_expect(struct tl_srv *s, const char *want_op, long long *id);
/* Wait for the client to leave; any request is a surprise. */
void tl_srv_wait_eof(struct tl_srv *s) __attribute__((noreturn));
/* Raw text (lines with their newlines), printf-formatted. */
void tl_srv_send(struct tl_srv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* text with fd passed along (SCM_RIGHTS); fd stays the caller's. */
void tl_srv_send_fd(struct tl_srv *s, int fd, const char *text);
/* A reply: result is the JSON text of the result object. */
void tl_srv_ok(struct tl_srv *s, long long id, const char *result);
void tl_srv_err(struct tl_srv *s, long long id, const char *code, const char *message);
/* Expect hello with this protocol version and answer it. */
void tl_srv_hello(struct tl_srv *s, const char *server_version);
/* The test process (for signals). */
pid_t tl_srv_client(const struct tl_srv *s);

/*
 * The scripted scenario: tl_srv_script(s, steps) answers hello (server
 * version TL_API_VERSION), then each step's request, then waits for the
 * client to leave.  A step: the op expected ("*" any); lines sent before
 * the reply (events); the reply: the result's JSON text, "!code:message"
 * for an error, or NULL for none; lines sent after it; then, by flags,
 * SIGINT to the client and/or hanging up (ending the script); and, if
 * set, the JSON text the request's args must equal.  The array ends with
 * a step whose op is NULL.
 */
#define TL_STEP_HANGUP 0x1
#define TL_STEP_SIGINT 0x2
struct tl_step {
	const char *op;
	const char *before;
	const char *reply;
	const char *after;
	unsigned flags;
	const char *args;
};
void tl_srv_script(struct tl_srv *s, const void *steps);
/* Run main_fn (as tl_run_main) while the fake API serves steps on a
 * socket of its own, named to main_fn by $CROFT_SOCKET (the CLI's way of
 * finding croftd); fails the test unless the script ran to its end. */
void tl_run_scripted(struct tl_run *r, const struct tl_step *steps,
		     int (*main_fn)(int, char **), int argc, char **argv);

/* Disk images (testlib_image.c): qemu-img create (qcow2 thin, raw
 * preallocated) and info, run to the end; the contracts of core/pool.h's
 * pool_image_create_check/claim/create_result and info_cmd/info_result. */
struct pool_image_info;
int tl_image_create(const char *path, const char *format, uint64_t bytes,
		    char *err, size_t errlen);
int tl_image_info(const char *path, struct pool_image_info *info, char *err, size_t errlen);
/* Fill *spec (zeroed first) as the smallest valid stopped VM named name:
 * 1 vCPU, memory_mib, bios, boot from disk, no disks.  store_vm_clear()
 * frees it. */
void tl_vm_spec(struct store_vm *spec, const char *name, uint64_t memory_mib);

/*
 * A fake /proc tree for modules that read /proc through a root prefix
 * (the sampler): the files hold what the kernel would write there, with
 * the figures a test chooses.  tl_proc_new makes dir/proc and returns its
 * path (malloc'd).
 */
char *tl_proc_new(const char *dir);

struct tl_proc_host {
	uint64_t user, system, idle, iowait;   /* the "cpu " line, in jiffies */
	unsigned cpus;                         /* as many "cpuN" lines */
	uint64_t mem_total_kib, mem_available_kib, swap_total_kib, swap_free_kib;
	double load1, load5, load15;
	double uptime_s;
};
/* meminfo, stat, loadavg and uptime. */
void tl_proc_host_or_fail(const char *root, const struct tl_proc_host *h);

struct tl_proc_pid {
	int pid;
	const char *comm;                      /* may hold spaces and ')' */
	const char *const *argv;               /* NULL-terminated */
	uint64_t utime, stime;                 /* clock ticks */
	uint64_t start;                        /* start time, ticks after boot */
	uint64_t rss_pages;
	int uid_set;                           /* Uid: in PID/status; else geteuid() */
	uid_t uid;
};
/* PID/stat, PID/cmdline and PID/status; again to change them. */
void tl_proc_pid_or_fail(const char *root, const struct tl_proc_pid *p);
/* The process has gone: PID/ no longer exists. */
void tl_proc_pid_gone(const char *root, int pid);
/* A directory of the fake tree gone as a process's (or thread's) goes:
 * its files first read nothing, also through a descriptor kept open (the
 * kernel's fail with ESRCH), then it is removed. */
void tl_proc_dir_gone(const char *dir);

/* A store file the test opens itself (testlib_store.c), for cmocka setups
 * and teardowns: *state is a tl_store_file, a fresh temporary directory
 * and the path of croft.db in it, not created yet.  The teardown closes st
 * when it is open and removes the directory. */
struct tl_store_file {
	char *dir;
	char *path;
	struct store *st;
	char err[512];
};
int tl_store_file_setup(void **state);
int tl_store_file_teardown(void **state);
/* Open f->st at f->path, closing it first when open; fails the test on
 * error (f->err says why). */
void tl_store_file_open_or_fail(struct tl_store_file *f);

/* sqlite behind the store's back (testlib_store.c): sql run over a
 * connection of its own to the file at path (created when absent), failing
 * the test on error.  _int and _text give the first column of the first
 * row (_text malloc'd). */
void tl_sql_exec(const char *path, const char *sql);
long long tl_sql_int(const char *path, const char *sql);
char *tl_sql_text(const char *path, const char *sql);

/* Fail the running test when hay (may be NULL) contains needle. */
void tl_assert_lacks(const char *hay, const char *needle);

/* The store's fault seam (testlib_store.c): while on, every write through
 * st fails (-EIO, "attempt to write a readonly database") as on a failing
 * disk; reads still work. */
void tl_store_readonly(struct store *st, int on);

/* An argv (a NULL-terminated compound literal) and its count, for parsers
 * and main functions. */
#define TL_ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define TL_ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))

/* A cmocka setup and teardown: *state is a fresh tl_tmpdir() (a char *),
 * removed with everything in it afterwards. */
int tl_tmpdir_setup(void **state);
int tl_tmpdir_teardown(void **state);

/* tl_api_pair_or_fail(), and a client attached to f->fd (label "test")
 * that passed the scenario's handshake. */
struct api_client *tl_api_client_or_fail(struct tl_api *f, tl_scenario_fn fn, const void *arg);

#endif
