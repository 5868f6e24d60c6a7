/*
 * net_apply: time full desired-state pushes to a running croft-netd, the
 * way croftd sends them (common/netd_proto.h: HELLO once, then STATE_BEGIN,
 * STATE_NET, STATE_FWD x n, STATE_COMMIT, answered by one REPLY after netd
 * has reconciled the kernel).  The state is one nat network "bench"
 * (10.73.200.0/24 on croftbr9000, masquerading to UPLINK) with NFWD tcp port
 * forwards 20000+i -> 10.73.200.(10 + i % 200):80.
 *
 *     net_apply SOCK UPLINK NFWD RUNS
 *
 * Three series, RUNS each, interleaved so every push is a real change
 * (netd treats an identical state as a no-op):
 *   cold      empty -> full: creates the bridge, its address, dnsmasq and
 *             the whole ruleset;
 *   teardown  full -> empty: removes all of it again;
 *   reapply   full -> full with one forward's host port changed: links and
 *             dnsmasq stay, the whole ruleset is replaced in one batch.
 * The clock runs from the first message sent to the REPLY received.
 * Prints one JSON object {"cold":[s...],"teardown":[...],"reapply":[...]}
 * and leaves the full state applied, for the caller to inspect (nft list,
 * VmRSS).  Exits 1 with a message on any error or refused state.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/netd_proto.h"

#define NET_ID 9000
#define PORT_BASE 20000
#define PORT_ALT 30000

static uint32_t seq;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int msg_send(int fd, struct netd_msg *m)
{
	m->seq = ++seq;
	if (send(fd, m, sizeof(*m), 0) != (ssize_t)sizeof(*m))
		return errno ? -errno : -EIO;
	return 0;
}

/* Read messages until the REPLY to seq; its status and text. */
static int reply_wait(int fd, uint32_t want, char *text, size_t textlen)
{
	struct netd_msg m;
	ssize_t n;

	for (;;) {
		n = recv(fd, &m, sizeof(m), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n != (ssize_t)sizeof(m)) {
			snprintf(text, textlen, "short message from netd (%zd bytes)", n);
			return -EPROTO;
		}
		if (m.type == NETD_MSG_REPLY && m.seq == want)
			break;
	}
	m.u.reply.text[sizeof(m.u.reply.text) - 1] = '\0';
	snprintf(text, textlen, "%s", m.u.reply.text);
	return m.u.reply.status;
}

static void net_fill(struct netd_net *n, const char *uplink)
{
	memset(n, 0, sizeof(*n));
	n->id = NET_ID;
	n->mode = NETD_MODE_NAT;
	snprintf(n->name, sizeof(n->name), "bench");
	inet_pton(AF_INET, "10.73.200.0", &n->subnet);
	n->prefix = 24;
	inet_pton(AF_INET, "10.73.200.1", &n->gateway);
	inet_pton(AF_INET, "10.73.200.2", &n->dhcp_first);
	inet_pton(AF_INET, "10.73.200.254", &n->dhcp_last);
	snprintf(n->uplink, sizeof(n->uplink), "%s", uplink);
}

/* Push a state: no network (nfwd < 0), or the network with nfwd forwards,
 * forward 0 on host port `first`.  Returns 0, or -errno / netd's status
 * with err set. */
static int state_push(int fd, const char *uplink, int nfwd, uint16_t first,
		      char *err, size_t errlen)
{
	struct netd_msg m;
	int i, r;

	memset(&m, 0, sizeof(m));
	m.type = NETD_MSG_STATE_BEGIN;
	m.u.begin.nets = nfwd < 0 ? 0 : 1;
	m.u.begin.fwds = nfwd < 0 ? 0 : (uint32_t)nfwd;
	if ((r = msg_send(fd, &m)) < 0)
		goto fail_send;
	if (nfwd >= 0) {
		memset(&m, 0, sizeof(m));
		m.type = NETD_MSG_STATE_NET;
		net_fill(&m.u.net, uplink);
		if ((r = msg_send(fd, &m)) < 0)
			goto fail_send;
	}
	for (i = 0; i < nfwd; i++) {
		char ip[32];

		memset(&m, 0, sizeof(m));
		m.type = NETD_MSG_STATE_FWD;
		m.u.fwd.id = (uint32_t)i + 1;
		m.u.fwd.net_id = NET_ID;
		m.u.fwd.proto = NETD_L4_TCP;
		m.u.fwd.host_port = i == 0 ? first : (uint16_t)(PORT_BASE + i);
		m.u.fwd.guest_port = 80;
		snprintf(ip, sizeof(ip), "10.73.200.%d", 10 + i % 200);
		inet_pton(AF_INET, ip, &m.u.fwd.guest_ip);
		if ((r = msg_send(fd, &m)) < 0)
			goto fail_send;
	}
	memset(&m, 0, sizeof(m));
	m.type = NETD_MSG_STATE_COMMIT;
	if ((r = msg_send(fd, &m)) < 0)
		goto fail_send;
	r = reply_wait(fd, seq, err, errlen);
	if (r < 0 && !err[0])
		snprintf(err, errlen, "%s", strerror(-r));
	return r;

fail_send:
	snprintf(err, errlen, "send to netd: %s", strerror(-r));
	return r;
}

static int netd_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct netd_msg m;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return r;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		snprintf(err, errlen, "connect %s: %s", path, strerror(errno));
		goto fail;
	}
	memset(&m, 0, sizeof(m));
	m.type = NETD_MSG_HELLO;
	m.u.hello.version = NETD_PROTO_VERSION;
	if ((r = msg_send(fd, &m)) < 0) {
		snprintf(err, errlen, "send HELLO: %s", strerror(-r));
		goto fail;
	}
	r = reply_wait(fd, seq, err, errlen);
	if (r < 0)
		goto fail;
	return fd;

fail:
	close(fd);
	return r;
}

static void series_print(const char *name, const double *v, int n, int last)
{
	int i;

	printf("\"%s\":[", name);
	for (i = 0; i < n; i++)
		printf("%s%.6f", i ? "," : "", v[i]);
	printf("]%s", last ? "" : ",");
}

int main(int argc, char **argv)
{
	char err[NETD_TEXT_LEN + 64] = "";
	double *cold, *down, *re, t0;
	int fd, nfwd, runs, i, r;

	if (argc != 5 || (nfwd = atoi(argv[3])) < 1 || nfwd > 4000 ||
	    (runs = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: net_apply SOCK UPLINK NFWD(1..4000) RUNS\n");
		return 2;
	}
	cold = calloc((size_t)runs, sizeof(double));
	down = calloc((size_t)runs, sizeof(double));
	re = calloc((size_t)runs, sizeof(double));
	if (!cold || !down || !re) {
		fprintf(stderr, "net_apply: out of memory\n");
		return 1;
	}
	fd = netd_connect(argv[1], err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "net_apply: %s\n", err);
		return 1;
	}
	/* start from nothing */
	if ((r = state_push(fd, argv[2], -1, 0, err, sizeof(err))) < 0)
		goto fail;
	for (i = 0; i < runs; i++) {
		t0 = now_s();
		if ((r = state_push(fd, argv[2], nfwd, PORT_BASE, err, sizeof(err))) < 0)
			goto fail;
		cold[i] = now_s() - t0;
		t0 = now_s();
		if ((r = state_push(fd, argv[2], -1, 0, err, sizeof(err))) < 0)
			goto fail;
		down[i] = now_s() - t0;
	}
	if ((r = state_push(fd, argv[2], nfwd, PORT_BASE, err, sizeof(err))) < 0)
		goto fail;
	for (i = 0; i < runs; i++) {
		t0 = now_s();
		if ((r = state_push(fd, argv[2], nfwd, i % 2 ? PORT_BASE : PORT_ALT,
				    err, sizeof(err))) < 0)
			goto fail;
		re[i] = now_s() - t0;
	}
	/* leave the canonical full state applied */
	if (runs % 2 && (r = state_push(fd, argv[2], nfwd, PORT_BASE, err, sizeof(err))) < 0)
		goto fail;
	printf("{");
	series_print("cold", cold, runs, 0);
	series_print("teardown", down, runs, 0);
	series_print("reapply", re, runs, 1);
	printf("}\n");
	close(fd);
	free(cold);
	free(down);
	free(re);
	return 0;

fail:
	fprintf(stderr, "net_apply: netd refused or failed (%d): %s\n", r, err);
	close(fd);
	free(cold);
	free(down);
	free(re);
	return 1;
}
