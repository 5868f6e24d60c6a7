/*
 * bench_nft: how long croft-netd takes to apply its nftables ruleset,
 * against nft(8) loading the same ruleset as a script, in the same run.
 *
 *     bench_nft [RUNS]        (default 20; must run as root)
 *
 * The process first moves into a private network namespace (unshare), so
 * nothing touches the host's rules and everything vanishes on exit.  The
 * state: one nat network, 50 port forwards and 10 guest NICs (a few with
 * rate limits).  Each run replaces the whole ruleset, alternating which
 * side goes first:
 *   croft   nft_ruleset_build_alloc() + nft_apply(), in this process
 *   nft -f  posix_spawn of `nft -f FILE` with FILE = nft_ruleset_text(),
 *           which parses, fetches its cache and sends its own batch
 * and the medians are printed, with the process's memory (VmRSS/VmHWM),
 * which is what the ruleset code adds to croft-netd.  Not pass/fail: exits
 * non-zero only if the setup or an apply fails.
 */
#include "netd/nft_batch.h"
#include "netd/nft_ruleset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define N_FWDS 50
#define N_NICS 10

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void build_state(struct netd_state *st)
{
	static struct netd_net net;
	static struct netd_nic nics[N_NICS];
	static struct netd_fwd fwds[N_FWDS];
	int i;

	net.id = 1;
	net.mode = NETD_MODE_NAT;
	snprintf(net.name, sizeof(net.name), "bench");
	inet_pton(AF_INET, "10.77.0.0", &net.subnet);
	net.prefix = 24;
	inet_pton(AF_INET, "10.77.0.1", &net.gateway);
	snprintf(net.uplink, sizeof(net.uplink), "eth0");
	for (i = 0; i < N_NICS; i++) {
		nics[i].id = (uint32_t)i + 1;
		nics[i].net_id = 1;
		memcpy(nics[i].mac, "\x52\x54\x00\x77\x00\x00", 6);
		nics[i].mac[5] = (uint8_t)(i + 1);
		nics[i].ip.s_addr = htonl(0x0a4d0000u + 10 + (uint32_t)i);
		nics[i].rate_mbit = i % 3 ? 0 : 100;
		snprintf(nics[i].vm, sizeof(nics[i].vm), "vm%d", i + 1);
	}
	for (i = 0; i < N_FWDS; i++) {
		fwds[i].id = (uint32_t)i + 1;
		fwds[i].net_id = 1;
		fwds[i].proto = i % 2 ? NETD_L4_UDP : NETD_L4_TCP;
		fwds[i].host_port = (uint16_t)(30000 + i);
		fwds[i].guest_port = (uint16_t)(8000 + i);
		fwds[i].guest_ip = nics[i % N_NICS].ip;
	}
	st->nets = &net;
	st->n_nets = 1;
	st->nics = nics;
	st->n_nics = N_NICS;
	st->fwds = fwds;
	st->n_fwds = N_FWDS;
}

/* One croft apply, building included: ms, or < 0 on failure; *build_ms
 * is the part spent building the batch. */
static double run_croft(const struct netd_state *st, size_t *batch_len, double *build_ms)
{
	char err[512], *buf;
	double t0 = now_ms(), t;
	int rc;

	if ((rc = nft_ruleset_build_alloc(st, 1, &buf, batch_len, err, sizeof(err))) == 0) {
		*build_ms = now_ms() - t0;
		rc = nft_apply(buf, *batch_len, err, sizeof(err));
	}
	t = now_ms() - t0;
	free(buf);
	if (rc) {
		fprintf(stderr, "bench_nft: croft apply failed: %s\n", err);
		return -1;
	}
	return t;
}

/* One `nft -f file`: ms, or < 0 on failure. */
static double run_nft(const char *file)
{
	char *argv[] = { "nft", "-f", (char *)file, NULL };
	posix_spawn_file_actions_t fa;
	double t0 = now_ms(), t;
	pid_t pid;
	int status, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, "nft", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		fprintf(stderr, "bench_nft: cannot run nft: %s\n", strerror(rc));
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_nft: nft -f %s failed\n", file);
		return -1;
	}
	t = now_ms() - t0;
	return t;
}

static long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

/* Rules in a ruleset text: lines inside a chain after its type line. */
static int count_rules(const char *text)
{
	int n = 0;

	for (; (text = strstr(text, "\n\t\t")); text++)
		if (strncmp(text + 3, "type ", 5) && strncmp(text + 3, "comment ", 8))
			n++;
	return n;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 20, i, fd, rules;
	char file[] = "/tmp/croft-bench-nft.XXXXXX", *text;
	double *tc, *tn, *tb, c, n, empty[5];
	size_t batch_len = 0;
	struct netd_state st;
	long rss0;

	if (runs < 1) {
		fprintf(stderr, "usage: bench_nft [RUNS]\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench_nft: must run as root (it needs a private network namespace)\n");
		return 1;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "bench_nft: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	rss0 = status_kb("VmRSS:");
	build_state(&st);
	if (nft_ruleset_text(&st, &text) < 0) {
		fprintf(stderr, "bench_nft: cannot render the ruleset\n");
		return 1;
	}
	rules = count_rules(text);
	if ((fd = mkstemp(file)) < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		fprintf(stderr, "bench_nft: %s: %s\n", file, strerror(errno));
		return 1;
	}
	close(fd);
	tc = calloc((size_t)runs, sizeof(*tc));
	tn = calloc((size_t)runs, sizeof(*tn));
	tb = calloc((size_t)runs, sizeof(*tb));

	/* warm both paths (page cache, module loading for nat/fib/limit) */
	if (run_croft(&st, &batch_len, &tb[0]) < 0 || run_nft(file) < 0)
		goto fail;
	for (i = 0; i < runs; i++) {
		if (i % 2) {
			if ((tn[i] = run_nft(file)) < 0 || (tc[i] = run_croft(&st, &batch_len, &tb[i])) < 0)
				goto fail;
		} else {
			if ((tc[i] = run_croft(&st, &batch_len, &tb[i])) < 0 || (tn[i] = run_nft(file)) < 0)
				goto fail;
		}
	}
	for (i = 0; i < 5; i++)
		if ((empty[i] = run_nft("/dev/null")) < 0)
			goto fail;

	c = median(tc, runs);
	n = median(tn, runs);
	printf("nft apply: croft %.2fms, nft -f %.2fms, ratio %.3f"
	       " (1 nat network, %d forwards, %d NICs = %d rules; median of %d, alternating)\n",
	       c, n, c / n, N_FWDS, N_NICS, rules, runs);
	printf("           croft min/max %.2f/%.2fms (building the %zu-byte batch: %.2fms),"
	       " nft -f min/max %.2f/%.2fms (nft -f of an empty file: %.2fms);"
	       " the rest is the kernel's transaction, the same for both\n",
	       tc[0], tc[runs - 1], batch_len, median(tb, runs), tn[0], tn[runs - 1], median(empty, 5));
	printf("           memory of this process (libnftnl, libmnl, the ruleset code): VmRSS %.2f MiB"
	       " (%.2f MiB at start), VmHWM %.2f MiB\n",
	       status_kb("VmRSS:") / 1024.0, rss0 / 1024.0, status_kb("VmHWM:") / 1024.0);
	unlink(file);
	free(text);
	free(tc);
	free(tn);
	free(tb);
	return 0;
fail:
	unlink(file);
	return 1;
}
