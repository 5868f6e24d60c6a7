/*
 * nft_apply() against the real kernel, inside a private network namespace:
 * main() forks, and the child unshares CLONE_NEWNET before any test runs,
 * so the root namespace's rules are never seen, let alone touched.  The
 * namespace dies with the child.
 *
 * After each apply the test dumps tables, chains and rules (NFT_MSG_GET*
 * with NLM_F_DUMP), parses them back with nft_describe and compares: the
 * croft tables hold exactly the chains and rules of the batch (nothing
 * stale, rule counts as the state implies), and neighbours the test put
 * there itself ("inet other", and "ip croft", same name, other family)
 * are untouched.  Two more checks tie the encoding to nft(8): the script
 * from nft_ruleset_text() loaded with `nft -f` lists exactly like the
 * batch, and compiles to exactly the batch's expressions.
 *
 * Skipped only when not root or when unshare() is not permitted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "netd/nft_batch.h"
#include "netd/nft_describe.h"
#include "netd/nft_ruleset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>

static char skip_why[256];

#define NEED_NETNS() do {                                                      \
		if (skip_why[0]) {                                             \
			print_message("skipped: %s\n", skip_why);              \
			skip();                                                \
		}                                                              \
	} while (0)

/* ---- states -------------------------------------------------------------- */

struct tstate {
	struct netd_net nets[4];
	struct netd_nic nics[16];
	struct netd_fwd fwds[64];
	struct netd_state st;
};

static void ts_init(struct tstate *t)
{
	memset(t, 0, sizeof(*t));
	t->st.nets = t->nets;
	t->st.nics = t->nics;
	t->st.fwds = t->fwds;
}

static void ts_net(struct tstate *t, uint32_t id, uint32_t mode, const char *subnet, const char *uplink)
{
	struct netd_net *n = &t->nets[t->st.n_nets++];

	n->id = id;
	n->mode = mode;
	snprintf(n->name, sizeof(n->name), "net%u", (unsigned)id);
	if (subnet) {
		inet_pton(AF_INET, subnet, &n->subnet);
		n->prefix = 24;
	}
	snprintf(n->uplink, sizeof(n->uplink), "%s", uplink ? uplink : "");
}

static void ts_nic(struct tstate *t, uint32_t id, uint32_t net_id, const char *ip, uint32_t rate)
{
	struct netd_nic *c = &t->nics[t->st.n_nics++];

	c->id = id;
	c->net_id = net_id;
	memcpy(c->mac, "\x52\x54\x00\xab\x00\x00", 6);
	c->mac[5] = (uint8_t)id;
	if (ip)
		inet_pton(AF_INET, ip, &c->ip);
	c->rate_mbit = rate;
	snprintf(c->vm, sizeof(c->vm), "vm%u", (unsigned)id);
}

static void ts_fwds(struct tstate *t, size_t n, const char *ip)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct netd_fwd *f = &t->fwds[t->st.n_fwds++];

		f->id = (uint32_t)i + 1;
		f->net_id = 1;
		f->proto = i % 3 ? NETD_L4_TCP : NETD_L4_UDP;
		f->host_port = (uint16_t)(20000 + i);
		f->guest_port = (uint16_t)(80 + i);
		inet_pton(AF_INET, ip, &f->guest_ip);
	}
}

static void ts_small(struct tstate *t)
{
	ts_init(t);
	ts_net(t, 1, NETD_MODE_NAT, "10.0.0.0", "eth0");
	ts_nic(t, 1, 1, "10.0.0.10", 100);
	ts_nic(t, 2, 1, NULL, 0);
	ts_fwds(t, 2, "10.0.0.10");
}

/* One nat network with 50 forwards, a host-only and a bridged one, 10 NICs. */
static void ts_big(struct tstate *t)
{
	uint32_t i;
	char ip[32];

	ts_init(t);
	ts_net(t, 1, NETD_MODE_NAT, "10.0.0.0", "eth0");
	ts_net(t, 2, NETD_MODE_HOSTONLY, "10.2.0.0", NULL);
	ts_net(t, 3, NETD_MODE_BRIDGED, NULL, "eno1");
	t->nets[1].host_access = 1;      /* no input rules for the host-only one */
	for (i = 1; i <= 10; i++) {
		uint32_t net = 1 + i % 3;

		snprintf(ip, sizeof(ip), "10.%u.0.%u", net == 1 ? 0u : 2u, 10 + i);
		ts_nic(t, i, net, net == 3 ? NULL : ip, i % 4 ? 0 : 50 * i);
	}
	ts_fwds(t, 50, "10.0.0.13");     /* NIC 3's address */
}

/* Rule counts per chain, from the rules in issue 4, not from the model. */
struct counts {
	size_t pre, out, post, fwd, in, br_pre, br_post;
};

static struct counts expected_counts(const struct netd_state *st)
{
	struct counts c = { 0 };
	size_t i;

	c.pre = c.out = st->n_fwds;
	for (i = 0; i < st->n_nets; i++) {
		if (st->nets[i].mode == NETD_MODE_NAT) {
			c.post += 3;      /* masquerade, hairpin, forwards used from 127.0.0.1 */
			c.fwd += 4 + 2;   /* within, out, replies, forwards in; drop from, drop to */
			c.in += 2;        /* nothing to or from the host's loopback */
			/* replies, DHCP, DNS udp+tcp, ping, ping6, NS, NA; drop */
			c.in += st->nets[i].host_access ? 0 : 9;
		} else if (st->nets[i].mode == NETD_MODE_HOSTONLY) {
			c.fwd += 3;       /* within; drop from, drop to */
			c.in += st->nets[i].host_access ? 0 : 7;   /* as nat, without DNS */
		}
	}
	for (i = 0; i < st->n_nics; i++) {
		/* MAC, two tags, ARP MAC; RA, redirects v6 and v4, DHCP,
		 * DHCPv6, IPv6 source, NA target; IPv4 source and ARP IP; rate */
		c.br_pre += 4 + 7 + (st->nics[i].ip.s_addr ? 2 : 0) + (st->nics[i].rate_mbit ? 1 : 0);
		c.br_post += st->nics[i].rate_mbit ? 1 : 0;
	}
	return c;
}

/* ---- kernel side helpers ----------------------------------------------------- */

struct lines {
	char **v;
	size_t n;
};

static void lines_add(struct lines *l, char *s)
{
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	assert_non_null(l->v);
	l->v[l->n++] = s;
}

static void lines_free(struct lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static size_t lines_prefixed(const struct lines *l, const char *prefix, struct lines *out)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		if (!strncmp(l->v[i], prefix, strlen(prefix))) {
			if (out)
				lines_add(out, strdup(l->v[i]));
			n++;
		}
	return n;
}

static void assert_lines_equal(const struct lines *got, const struct lines *want, const char *what)
{
	size_t i;

	for (i = 0; i < got->n && i < want->n; i++)
		if (strcmp(got->v[i], want->v[i]))
			fail_msg("%s, line %zu:\n  got  %s\n  want %s", what, i, got->v[i], want->v[i]);
	if (got->n != want->n)
		fail_msg("%s: %zu lines, want %zu", what, got->n, want->n);
}

/*
 * The kernel stores a dnat with only minimum registers as a range of one
 * (max = min) and adds NF_NAT_RANGE_MAP_IPS, and dumps it that way; nft
 * sends it as croft does.  Fold the dump back to the sent form.
 */
static void nat_fold(char *line)
{
	static const char dumped[] = "[ nat dnat ip addr_min reg 1 addr_max reg 1 proto_min reg 2"
				     " proto_max reg 2 flags 0x3 ]";
	static const char sent[] = "[ nat dnat ip addr_min reg 1 proto_min reg 2 flags 0x2 ]";
	char *p = strstr(line, dumped);

	if (p) {
		memcpy(p, sent, sizeof(sent) - 1);
		memmove(p + sizeof(sent) - 1, p + sizeof(dumped) - 1, strlen(p + sizeof(dumped) - 1) + 1);
	}
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	char *line = nft_describe_msg(nlh, 0);

	assert_non_null(line);
	nat_fold(line);
	lines_add(data, line);
	return MNL_CB_OK;
}

/* Every object of one kind in the namespace, one line each. */
static void dump(uint16_t type, struct lines *out)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	static char buf[32768];
	uint32_t seq = (uint32_t)time(NULL), portid;
	struct nlmsghdr *nlh;
	ssize_t n;
	int rc;

	assert_non_null(nl);
	assert_int_equal(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID), 0);
	portid = mnl_socket_get_portid(nl);
	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_UNSPEC, NLM_F_DUMP, seq);
	assert_true(mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0);
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		assert_true(n > 0);
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, dump_cb, out);
		assert_true(rc >= 0);
	} while (rc > 0);
	mnl_socket_close(nl);
}

/* Tables, chains and rules of the whole namespace. */
static void dump_all(struct lines *l)
{
	dump(NFT_MSG_GETTABLE, l);
	dump(NFT_MSG_GETCHAIN, l);
	dump(NFT_MSG_GETRULE, l);
}

static void build(const struct netd_state *st, char **buf, size_t *len, struct lines *desc)
{
	struct nft_desc d;
	char err[256];
	size_t i;

	assert_int_equal(nft_ruleset_build_alloc(st, 1, buf, len, err, sizeof(err)), 0);
	if (!desc)
		return;
	assert_int_equal(nft_describe(*buf, *len, &d, err, sizeof(err)), 0);
	for (i = 0; i < d.n; i++)
		lines_add(desc, strdup(d.lines[i]));
	nft_desc_free(&d);
}

static void apply_state(const struct netd_state *st, struct lines *desc)
{
	char err[512] = "", *buf;
	size_t len;
	int rc;

	build(st, &buf, &len, desc);
	rc = nft_apply(buf, len, err, sizeof(err));
	if (rc)
		fail_msg("nft_apply: %d %s", rc, err);
	free(buf);
}

/* Run nft(8) with script on stdin; its exit status. */
static int nft_script(const char *script)
{
	FILE *p = popen("nft -f -", "w");

	assert_non_null(p);
	fputs(script, p);
	return pclose(p);
}

/* Output of an nft(8) command line. */
static char *nft_output(const char *args)
{
	char cmd[256], *out = NULL;
	size_t len = 0;
	FILE *p, *m;
	int c;

	snprintf(cmd, sizeof(cmd), "nft %s 2>&1", args);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(m = open_memstream(&out, &len));
	while ((c = fgetc(p)) != EOF)
		fputc(c, m);
	fclose(m);
	pclose(p);
	return out;
}

static const char neighbours[] =
	"table inet other {\n"
	"	chain keep { type filter hook input priority 0; policy accept; tcp dport 22 accept; }\n"
	"}\n"
	"table ip croft {\n"
	"	chain keep { type filter hook forward priority 5; policy accept; iifname \"x\" drop; }\n"
	"}\n";

/* The kind ("chain", "rule") lines of croft's two tables among all (the
 * kernel's) are exactly those of desc (a batch), in order: how many. */
static size_t croft_lines_match(const struct lines *all, const struct lines *desc,
				const char *kind)
{
	struct lines got = { 0 }, want = { 0 };
	char inet[32], bridge[32], what[32];
	size_t n;

	snprintf(inet, sizeof(inet), "%s inet croft ", kind);
	snprintf(bridge, sizeof(bridge), "%s bridge croft ", kind);
	snprintf(what, sizeof(what), "croft %ss", kind);
	lines_prefixed(all, inet, &got);
	lines_prefixed(all, bridge, &got);
	lines_prefixed(desc, inet, &want);
	lines_prefixed(desc, bridge, &want);
	assert_lines_equal(&got, &want, what);
	n = want.n;
	lines_free(&got);
	lines_free(&want);
	return n;
}

/* The namespace holds exactly what desc (a batch) builds, plus the
 * neighbours, and the rule counts are those of st. */
static void check_kernel(const struct netd_state *st, const struct lines *desc)
{
	struct lines all = { 0 }, got = { 0 }, want = { 0 };
	struct counts c = expected_counts(st);
	size_t i;

	dump_all(&all);

	/* tables: croft's only when there are networks; neighbours always */
	lines_prefixed(&all, "table ", &got);
	if (st->n_nets) {
		lines_add(&want, strdup("table inet croft comment=\"managed by croft-netd; changes here are replaced\""));
		lines_add(&want, strdup("table bridge croft comment=\"managed by croft-netd; changes here are replaced\""));
	}
	lines_add(&want, strdup("table inet other"));
	lines_add(&want, strdup("table ip croft"));
	for (i = 0; i < want.n; i++) {
		size_t j, hits = 0;

		for (j = 0; j < got.n; j++)
			hits += !strcmp(got.v[j], want.v[i]);
		if (hits != 1)
			fail_msg("table \"%s\" found %zu times", want.v[i], hits);
	}
	assert_int_equal(got.n, want.n);
	lines_free(&got);
	lines_free(&want);

	/* chains and rules of croft's tables: exactly the batch's, in order */
	assert_int_equal(croft_lines_match(&all, desc, "chain"), st->n_nets ? 7 : 0);
	croft_lines_match(&all, desc, "rule");

	assert_int_equal(lines_prefixed(&all, "rule inet croft prerouting ", NULL), c.pre);
	assert_int_equal(lines_prefixed(&all, "rule inet croft output ", NULL), c.out);
	assert_int_equal(lines_prefixed(&all, "rule inet croft postrouting ", NULL), c.post);
	assert_int_equal(lines_prefixed(&all, "rule inet croft forward ", NULL), c.fwd);
	assert_int_equal(lines_prefixed(&all, "rule inet croft input ", NULL), c.in);
	assert_int_equal(lines_prefixed(&all, "rule bridge croft prerouting ", NULL), c.br_pre);
	assert_int_equal(lines_prefixed(&all, "rule bridge croft postrouting ", NULL), c.br_post);

	/* the neighbours, untouched */
	assert_int_equal(lines_prefixed(&all, "chain inet other keep type=filter hook=input prio=0", NULL), 1);
	assert_int_equal(lines_prefixed(&all, "chain ip croft keep type=filter hook=forward prio=5", NULL), 1);
	assert_int_equal(lines_prefixed(&all, "rule inet other keep ", NULL), 1);
	assert_int_equal(lines_prefixed(&all, "rule ip croft keep ", NULL), 1);
	lines_free(&all);
}

/* ---- tests --------------------------------------------------------------------- */

static int setup(void **state)
{
	struct netd_state empty = { 0 };
	char err[512];
	char *buf;
	size_t len;

	(void)state;
	if (skip_why[0])
		return 0;
	/* a clean namespace: no croft tables, fresh neighbours */
	build(&empty, &buf, &len, NULL);
	if (nft_apply(buf, len, err, sizeof(err)))
		fail_msg("clearing: %s", err);
	free(buf);
	nft_script("table inet other\ndelete table inet other\ntable ip croft\ndelete table ip croft\n");
	assert_int_equal(nft_script(neighbours), 0);
	return 0;
}

static void test_sequence_of_states(void **state)
{
	static struct tstate small, big;
	struct netd_state empty = { 0 };
	const struct netd_state *seq[] = { &small.st, &big.st, &small.st, &empty, &big.st, &empty };
	size_t i;

	(void)state;
	NEED_NETNS();
	ts_small(&small);
	ts_big(&big);
	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		struct lines desc = { 0 };

		apply_state(seq[i], &desc);
		check_kernel(seq[i], &desc);
		lines_free(&desc);
	}
}

static void test_same_batch_twice_is_idempotent(void **state)
{
	static struct tstate big;
	struct lines desc = { 0 }, first = { 0 }, second = { 0 };
	char err[512], *buf;
	size_t len;

	(void)state;
	NEED_NETNS();
	ts_big(&big);
	build(&big.st, &buf, &len, &desc);
	assert_int_equal(nft_apply(buf, len, err, sizeof(err)), 0);
	dump_all(&first);
	assert_int_equal(nft_apply(buf, len, err, sizeof(err)), 0);
	dump_all(&second);
	assert_lines_equal(&second, &first, "second apply");
	check_kernel(&big.st, &desc);
	free(buf);
	lines_free(&desc);
	lines_free(&first);
	lines_free(&second);
}

/* A batch the kernel refuses changes nothing, and the error names the
 * message: a rule is pointed at a chain that does not exist. */
static void test_refused_batch_changes_nothing(void **state)
{
	static struct tstate small, big;
	struct lines before = { 0 }, after = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *a;
	char err[512] = "", *buf;
	size_t len;
	int rest, rc, done = 0;

	(void)state;
	NEED_NETNS();
	ts_small(&small);
	ts_big(&big);
	apply_state(&small.st, NULL);
	dump_all(&before);

	build(&big.st, &buf, &len, NULL);
	rest = (int)len;
	for (nlh = (struct nlmsghdr *)buf; !done && mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
		if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWRULE ||
		    NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
			continue;
		mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
			if (mnl_attr_get_type(a) == NFTA_RULE_CHAIN) {
				char *name = mnl_attr_get_payload(a);

				assert_string_equal(name, "prerouting");
				memcpy(name, "nosuchchai", 10);
				done = 1;
			}
		}
	}
	assert_true(done);
	rc = nft_apply(buf, len, err, sizeof(err));
	assert_int_equal(rc, -ENOENT);
	tl_assert_contains(err, "nftables refused rule inet croft nosuchchai \"forward udp 20000 -> vm3:80\"");
	tl_assert_contains(err, "No such file or directory");
	dump_all(&after);
	assert_lines_equal(&after, &before, "after a refused batch");
	free(buf);
	lines_free(&before);
	lines_free(&after);
}

/* nft -f of the text and nft_apply of the batch leave the same listing. */
static void test_text_lists_like_batch(void **state)
{
	static struct tstate big;
	struct netd_state empty = { 0 };
	char *text, *via_nft, *via_batch, *none;

	(void)state;
	NEED_NETNS();
	ts_big(&big);
	assert_int_equal(nft_ruleset_text(&big.st, &text), 0);
	assert_int_equal(nft_script(text), 0);
	via_nft = nft_output("list table inet croft; nft list table bridge croft");

	apply_state(&empty, NULL);
	none = nft_output("list tables");
	assert_string_equal(none, "table inet other\ntable ip croft\n");
	apply_state(&big.st, NULL);
	via_batch = nft_output("list table inet croft; nft list table bridge croft");

	tl_assert_contains(via_nft, "chain forward {");
	tl_assert_contains(via_nft, "ip saddr != 10.0.0.13 ip saddr != 0.0.0.0 drop");
	if (strcmp(via_batch, via_nft)) {
		FILE *f1 = fopen("/tmp/croft-nft-test.via-nft", "w"), *f2 = fopen("/tmp/croft-nft-test.via-batch", "w");

		fputs(via_nft, f1);
		fputs(via_batch, f2);
		fclose(f1);
		fclose(f2);
		fail_msg("nft list differs; see /tmp/croft-nft-test.via-{nft,batch}");
	}
	free(text);
	free(via_nft);
	free(via_batch);
	free(none);
}

/* What nft compiles the text to, rule by rule, equals the batch's rules
 * (nft --debug=netlink prints expressions as nft_describe does). */
static void test_text_compiles_to_batch(void **state)
{
	static struct tstate big;
	struct lines desc = { 0 }, mine = { 0 }, nft = { 0 };
	char *text, *dbg, *line, *save = NULL, path[] = "/tmp/croft-nft-test.XXXXXX", cmd[96];
	char *cur = NULL, *bbuf;
	size_t i, cap = 0, used = 0, blen;
	FILE *f;
	int fd;

	(void)state;
	NEED_NETNS();
	ts_big(&big);
	assert_int_equal(nft_ruleset_text(&big.st, &text), 0);
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "--debug=netlink -f %s", path);
	dbg = nft_output(cmd);
	unlink(path);

	for (line = strtok_r(dbg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "inet croft ", 11) || !strncmp(line, "bridge croft ", 13)) {
			if (cur)
				lines_add(&nft, cur);
			cap = strlen(line) + 64;
			cur = malloc(cap);
			used = (size_t)snprintf(cur, cap, "rule %s", line);
		} else if (cur && !strncmp(line, "  [ ", 4)) {
			size_t n = strlen(line);

			if (used + n + 2 > cap)
				cur = realloc(cur, cap = 2 * (used + n + 2));
			used += (size_t)snprintf(cur + used, cap - used, " %s", line + 2);
		}
	}
	if (cur)
		lines_add(&nft, cur);

	build(&big.st, &bbuf, &blen, &desc);
	free(bbuf);
	lines_prefixed(&desc, "rule ", &mine);
	for (i = 0; i < mine.n; i++)
		*strstr(mine.v[i], " comment=\"") = '\0';
	assert_true(mine.n > 100);
	assert_lines_equal(&mine, &nft, "nft --debug=netlink");
	free(text);
	free(dbg);
	lines_free(&desc);
	lines_free(&mine);
	lines_free(&nft);
}

static int kernel_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sequence_of_states, setup),
		cmocka_unit_test_setup(test_same_batch_twice_is_idempotent, setup),
		cmocka_unit_test_setup(test_refused_batch_changes_nothing, setup),
		cmocka_unit_test_setup(test_text_lists_like_batch, setup),
		cmocka_unit_test_setup(test_text_compiles_to_batch, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

int main(void)
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		snprintf(skip_why, sizeof(skip_why), "needs root for a private network namespace");
		return kernel_tests();
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0) {
			if (errno != EPERM) {
				fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
				_exit(1);
			}
			snprintf(skip_why, sizeof(skip_why), "unshare(CLONE_NEWNET): %s", strerror(errno));
		}
		_exit(kernel_tests() ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
