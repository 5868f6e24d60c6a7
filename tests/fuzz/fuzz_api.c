/*
 * Fuzz target for the whole API, handlers included: an input is one or
 * more request lines, each framed, parsed, looked up in the op tables,
 * checked against its op's schema and dispatched through api_req_run() to
 * the real handler, as croftd's server does, from a croft-group user
 * ("alice", uid 1000) that has said hello.  So the validation inside the
 * handlers and the domain modules is fuzzed, not only the front end.
 *
 * Each input gets a fresh in-memory croftd (testlib's tl_croftd) in a
 * directory of its own: a copy of a template store holding two VMs ("web"
 * with a NIC on "lan", and "db", booting a kernel) and a NAT network
 * "lan", a loop, the job
 * runner; every child (QEMU, qemu-img) is a scripted child of the exec
 * seam that exits at once, and croft-netd is its real protocol engine
 * (netd/netd_conn.c) in a thread at the other end of a socketpair handed
 * to the netd client through its connect seam, accepting whatever state
 * netd_state_validate() accepts.
 *
 * FUZZ_API_TRACE=1 prints every line croftd answers (to see what a seed
 * reaches).  Checked: every line croftd sends is a JSON object; a reply has "ok",
 * and an error a known code and a message; every request is answered
 * exactly once by the time croftd's parts are torn down (holds balance);
 * a committed network state is always valid.
 */
#include "tests/unit/testlib.h"
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/daemon.h"
#include "core/job.h"
#include "core/net_state.h"
#include "core/netd_client.h"
#include "core/vm.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "netd/netd_conn.h"
#include "netd/netd_state.h"
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --- croft-netd: its protocol engine in a thread -------------------------------- */

#include "fuzz_netd_fake.inc"

static int fz_leases(void *ctx, struct netd_lease **out, size_t *n, char *text, size_t len)
{
	(void)ctx;
	(void)text;
	(void)len;
	*out = NULL;
	*n = 0;
	return 0;
}

static const struct netd_handlers fz_handlers = {
	.commit = fz_commit,
	.check_net = fz_check,
	.default_uplink = fz_uplink,
	.leases = fz_leases,
};

static void *netd_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct netd_conn *c = netd_conn_new(&fz_handlers, NULL);
	struct netd_msg m;
	ssize_t n;

	if (!c)
		abort();
	while ((n = recv(fd, &m, sizeof(m), 0)) > 0) {
		const struct netd_msg *out;
		size_t k, i;

		netd_conn_input(c, &m, (size_t)n);
		out = netd_conn_output(c, &k);
		for (i = 0; i < k; i++)
			send(fd, &out[i], sizeof(out[i]), MSG_NOSIGNAL);
		netd_conn_consume(c, k);
	}
	netd_conn_free(c);
	close(fd);
	return NULL;
}

static pthread_t netd_thread;
static int netd_running;

static int netd_connect(void *ctx, const char *path)
{
	int sv[2];

	(void)ctx;
	(void)path;
	if (netd_running)
		return -ECONNREFUSED;       /* one connection per input */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (pthread_create(&netd_thread, NULL, netd_main, (void *)(intptr_t)sv[1]) != 0) {
		close(sv[0]);
		close(sv[1]);
		return -EAGAIN;
	}
	netd_running = 1;
	return sv[0];
}

static const struct netd_client_ops netd_ops = { .connect = netd_connect };

/* --- the peer ------------------------------------------------------------------- */

static const char *const known_codes[] = {
	PROTO_E_BAD_REQUEST, PROTO_E_UNKNOWN_OP, PROTO_E_HANDSHAKE, PROTO_E_VERSION,
	PROTO_E_INVALID_ARGUMENT, PROTO_E_NOT_FOUND, PROTO_E_ALREADY_EXISTS,
	PROTO_E_INVALID_STATE, PROTO_E_TIMEOUT, PROTO_E_PERMISSION, PROTO_E_QEMU, PROTO_E_IO,
	PROTO_E_INTERNAL, PROTO_E_UNAVAILABLE, PROTO_E_BUSY,
};

struct fz_peer {
	struct api_peer p;            /* first: the callbacks get its address */
	int holds;
	unsigned replies;
};

static void check_line(struct fz_peer *f, json_t *msg)
{
	static int trace = -1;
	json_t *err;
	const char *code, *text;
	size_t i;

	if (trace < 0)
		trace = getenv("FUZZ_API_TRACE") != NULL;
	if (trace) {
		char *s = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);

		fprintf(stderr, "<- %.300s\n", s ? s : "?");
		free(s);
	}
	if (!json_is_object(msg))
		abort();
	if (json_object_get(msg, "event"))
		return;
	f->replies++;
	if (!json_is_boolean(json_object_get(msg, "ok")))
		abort();
	if (json_is_true(json_object_get(msg, "ok"))) {
		if (!json_is_object(json_object_get(msg, "result")))
			abort();
		return;
	}
	err = json_object_get(msg, "error");
	code = json_string_value(json_object_get(err, "code"));
	text = json_string_value(json_object_get(err, "message"));
	if (!code || !text || !*text)
		abort();
	for (i = 0; i < sizeof(known_codes) / sizeof(known_codes[0]); i++)
		if (!strcmp(code, known_codes[i]))
			return;
	abort();
}

static void fz_send(struct api_peer *p, json_t *msg, int fd)
{
	check_line((struct fz_peer *)p, msg);
	json_decref(msg);
	if (fd >= 0)
		close(fd);
}

static void fz_send_text(struct api_peer *p, char *line)
{
	json_error_t je;
	json_t *msg = json_loads(line, 0, &je);

	if (!msg)
		abort();            /* croftd rendered a line that is not JSON */
	check_line((struct fz_peer *)p, msg);
	json_decref(msg);
	free(line);
}

static void fz_subscribe(struct api_peer *p)
{
	(void)p;
}

static void fz_hold(struct api_peer *p)
{
	((struct fz_peer *)p)->holds++;
}

static void fz_release(struct api_peer *p)
{
	if (--((struct fz_peer *)p)->holds < 0)
		abort();
}

/* --- croftd --------------------------------------------------------------------- */

static char *fz_root;             /* the work directory */
static char *fz_template;         /* a migrated store with rows, to copy */
static struct tl_exec_fake fz_exec;

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;

	if (!in || !out)
		abort();
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			abort();
	fclose(in);
	if (fclose(out) != 0)
		abort();
}

static void fz_init(void)
{
	struct store *st;
	char *dir, *kernel, *sql;
	int64_t lan, web;

	log_init("fuzz_api", 1, LOG_LVL_ERR);
	fz_root = tl_tmpdir("fuzzapi");
	if (!fz_root)
		abort();
	dir = tl_path(fz_root, "template");
	if (mkdir(dir, 0755) < 0)
		abort();
	st = tl_store_open_or_fail(dir);
	web = tl_store_vm_or_fail(st, "web");
	tl_store_vm_or_fail(st, "db");
	lan = tl_store_net_or_fail(st, "lan", "nat", "5", "eth0");
	tl_store_nic_or_fail(st, web, lan, "52:54:00:12:34:56", "10.73.5.10", 0, 0);
	store_close(st);
	fz_template = tl_path(dir, "croft.db");
	free(dir);
	/* "db" boots a kernel, so vm.start gets as far as QEMU (a scripted
	 * child) */
	kernel = tl_path(fz_root, "vmlinuz");
	tl_write_file_or_fail(kernel, "not really a kernel");
	sql = xasprintf("UPDATE vms SET kernel = '%s', append = 'console=ttyS0' "
			"WHERE name = 'db'", kernel);
	tl_sql_exec(fz_template, sql);
	free(sql);
	free(kernel);
	fz_exec.status = 0;
	tl_exec_fake_install(&fz_exec);
}

static void fz_cleanup(void)
{
	tl_exec_fake_remove();
	tl_rmtree(fz_root);
	free(fz_root);
	free(fz_template);
}

static struct croftd *croftd_up(const char *dir)
{
	char *db = tl_path(dir, "croft.db");
	struct croftd *d;

	if (mkdir(dir, 0755) < 0)
		abort();
	copy_file(fz_template, db);
	free(db);
	d = tl_croftd_new_or_fail(dir);
	d->loop = loop_new();
	d->qemu_version = xstrdup("7.2.19");
	croftd_accel_refresh(d);
	if (vm_load_all(d) < 0)
		abort();
	d->jobs = job_runner_new(d, job_kinds, NULL);
	d->netd = netd_client_new(NULL, "/fuzz/netd.sock", &netd_ops, net_state_of_daemon, d);
	netd_client_set_timeout(d->netd, 2000);
	return d;
}

/* In croftd's order: jobs, VMs (answering what waits on them), netd. */
static void croftd_down(struct croftd *d)
{
	job_runner_free(d->jobs);
	d->jobs = NULL;
	vm_free_all(d);
	netd_client_free(d->netd);
	d->netd = NULL;
	if (netd_running) {
		pthread_join(netd_thread, NULL);
		netd_running = 0;
	}
	loop_free(d->loop);
	d->loop = NULL;
	free(d->qemu_version);
	tl_croftd_free(d);
}

static void pump(struct croftd *d)
{
	int i;

	for (i = 0; i < 8 && loop_run_once(d->loop, 0) > 0; i++)
		;
}

/* One line, as the server's handle_line runs it for a peer past hello. */
static void run_line(struct croftd *d, struct fz_peer *f, const char *line, size_t len,
		     unsigned *requests)
{
	struct api_request req;
	const struct api_op *op;
	char err[512];

	if (len == 0)
		return;
	(*requests)++;
	err[0] = '\0';
	if (api_request_parse(line, len, &req, err, sizeof(err)) < 0) {
		if (!err[0])
			abort();
		fz_send(&f->p, api_req_reply_err(req.id, PROTO_E_BAD_REQUEST, err), -1);
		goto out;
	}
	op = api_op_find(req.op);
	if (!op) {
		fz_send(&f->p, api_req_reply_err(req.id, PROTO_E_UNKNOWN_OP, "unknown op"), -1);
		goto out;
	}
	if (api_args_check(op, req.args, err, sizeof(err)) < 0) {
		fz_send(&f->p, api_req_reply_err(req.id, PROTO_E_INVALID_ARGUMENT, err), -1);
		goto out;
	}
	if (!op->handler) {           /* hello: the server's own */
		fz_send(&f->p, api_req_reply_ok(req.id, NULL), -1);
		goto out;
	}
	api_req_run(d, &f->p, op, req.id, req.args);
	pump(d);
out:
	api_request_clear(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long n;
	struct fz_peer f = { .p = { .user = "alice", .uid = 1000, .send = fz_send,
				    .send_text = fz_send_text, .subscribe = fz_subscribe,
				    .hold = fz_hold, .release = fz_release } };
	struct linebuf lb;
	struct croftd *d;
	unsigned requests = 0;
	char *dir, name[32], *line;
	size_t len;
	int r;

	if (!fz_root) {
		fz_init();
		atexit(fz_cleanup);
	}
	snprintf(name, sizeof(name), "run%lu", n++);
	dir = tl_path(fz_root, name);
	d = croftd_up(dir);
	linebuf_init(&lb, PROTO_MAX_LINE);
	linebuf_append(&lb, (const char *)data, size);
	linebuf_append(&lb, "\n", 1);
	while ((r = linebuf_next(&lb, &line, &len)) != 0) {
		if (r < 0) {
			requests++;
			fz_send(&f.p, api_req_reply_err(NULL, PROTO_E_BAD_REQUEST, "too long"), -1);
			continue;
		}
		run_line(d, &f, line, len, &requests);
	}
	linebuf_free(&lb);
	croftd_down(d);
	if (f.holds != 0 || f.replies != requests)
		abort();            /* a request was not answered exactly once */
	tl_rmtree(dir);
	free(dir);
	return 0;
}

#ifndef CROFT_LIBFUZZER
/* A fresh croftd per input costs a few milliseconds. */
#define FUZZ_DEFAULT_ITERS 3000
/* The rest of the seeds are tests/fuzz/corpus/api/ (api-seeds.sh). */
static const char *fuzz_seeds[] = {
	"{\"id\":1,\"op\":\"hello\",\"args\":{\"version\":1,\"client\":\"croft 0.1.0\"}}",
	"{\"id\":1,\"op\":\"vm.list\"}\n{\"id\":2,\"op\":\"vm.info\",\"args\":{\"name\":\"web\"}}",
};
#include "fuzz_main.inc"
#endif
