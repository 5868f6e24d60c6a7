/*
 * The unit tests' shared harness: temporary directories and the tree
 * remover, small file helpers, a fake clock, a store in a temporary
 * directory, scripted children for job_exec's seam (testlib_exec.c) and a
 * fake QEMU at the other end of a QMP socket (testlib_qmp.c).  Fault seams
 * of the modules under test (exec, the clock, /proc, QMP) are the modules'
 * own function tables; the fakes that fill them for more than one test
 * file live here.
 *
 * Functions named tl_*_or_fail end the running cmocka test on failure;
 * the others return -errno or NULL so setups can report failure.
 */
#ifndef CROFT_TESTLIB_H
#define CROFT_TESTLIB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/proto.h"

struct loop;
struct qmp;
struct qmp_callbacks;
struct store;

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
/* The whole file, NUL-terminated (malloc'd), or NULL with errno set. */
char *tl_read_file(const char *path);

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

#endif
