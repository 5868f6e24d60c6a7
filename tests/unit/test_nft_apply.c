/*
 * Tests for nft_apply_io (netd/nft_batch.c) against a fake kernel behind
 * struct nft_io: it takes the batch, answers every NLM_F_ACK message the
 * way nfnetlink does (one NLMSG_ERROR each, 0 or an error, optionally
 * with an extended-ACK text), can refuse the whole batch with an error
 * against BATCH_BEGIN, and can fail the socket.  The checks: success only
 * when every ACK is 0, and an error message that names the message the
 * kernel refused.
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
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

/* ---- the fake kernel ------------------------------------------------------ */

#define MAX_DGRAMS 512

struct fake_err {
	uint32_t seq;
	int error;
	const char *ext;
};

struct fake {
	/* behaviour */
	ssize_t send_rc;             /* 0: accept all; else returned as is */
	int begin_error;             /* refuse the whole batch */
	struct fake_err errs[4];
	size_t n_errs;
	size_t per_dgram;            /* ACKs per datagram, default 1 */
	int reverse;                 /* deliver ACKs in reverse order */
	size_t drop_last;            /* never deliver the last n ACKs */
	int fail_at;                 /* recv number that fails ... */
	ssize_t fail_rc;             /* ... with this */
	/* what happened */
	int sends, recvs;
	char *dgram[MAX_DGRAMS];
	size_t dgram_len[MAX_DGRAMS];
	size_t n_dgram, next;
};

static void put_ack(char *buf, size_t *off, const struct nlmsghdr *orig, int error, const char *ext)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | (ext ? NLM_F_ACK_TLVS : 0);
	nlh->nlmsg_seq = orig->nlmsg_seq;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg = *orig;
	if (ext)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, ext);
	*off += nlh->nlmsg_len;
}

static const struct fake_err *fake_err_for(struct fake *f, uint32_t seq)
{
	size_t i;

	for (i = 0; i < f->n_errs; i++)
		if (f->errs[i].seq == seq)
			return &f->errs[i];
	return NULL;
}

static ssize_t fake_send(void *ctx, const void *buf, size_t len)
{
	struct fake *f = ctx;
	const struct nlmsghdr *nlh = buf, *acked[4096];
	size_t n = 0, i, per = f->per_dgram ? f->per_dgram : 1;
	int rest = (int)len;

	f->sends++;
	if (f->send_rc)
		return f->send_rc;
	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN && f->begin_error) {
			char *d = calloc(1, 256);
			size_t off = 0;

			put_ack(d, &off, nlh, f->begin_error, NULL);
			f->dgram[f->n_dgram] = d;
			f->dgram_len[f->n_dgram++] = off;
		}
		if (nlh->nlmsg_flags & NLM_F_ACK)
			acked[n++] = nlh;
	}
	assert_int_equal(rest, 0);
	if (f->drop_last)
		n -= f->drop_last;
	for (i = 0; i < n; i += per) {
		char *d = calloc(1, 256 * per);
		size_t off = 0, j;

		for (j = i; j < i + per && j < n; j++) {
			const struct nlmsghdr *m = acked[f->reverse ? n - 1 - j : j];
			const struct fake_err *fe = fake_err_for(f, m->nlmsg_seq);

			put_ack(d, &off, m, fe ? fe->error : 0, fe ? fe->ext : NULL);
		}
		assert_true(f->n_dgram < MAX_DGRAMS);
		f->dgram[f->n_dgram] = d;
		f->dgram_len[f->n_dgram++] = off;
	}
	return (ssize_t)len;
}

static ssize_t fake_recv(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;
	size_t n;

	f->recvs++;
	if (f->fail_at && f->recvs == f->fail_at)
		return f->fail_rc;
	if (f->next == f->n_dgram)
		return -EAGAIN;         /* what SO_RCVTIMEO gives */
	n = f->dgram_len[f->next];
	assert_true(n <= len);
	memcpy(buf, f->dgram[f->next++], n);
	return (ssize_t)n;
}

static const struct nft_io fake_io = { fake_send, fake_recv };

static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	return f;
}

static void fake_free(struct fake *f)
{
	size_t i;

	for (i = 0; i < f->n_dgram; i++)
		free(f->dgram[i]);
	free(f);
}

/* ---- a batch to apply ------------------------------------------------------ */

#define SEQ0 500

struct batch {
	char *buf;
	size_t len;
	struct nft_desc d;
	struct netd_net net;
	struct netd_nic nic;
	struct netd_fwd fwd;
};

/* The group's batch (*state): a nat network with a NIC and a forward. */
static int batch_setup(void **state)
{
	struct batch *b = calloc(1, sizeof(*b));
	struct netd_state st = { &b->net, 1, &b->nic, 1, &b->fwd, 1 };
	char err[256];

	b->net.id = 1;
	b->net.mode = NETD_MODE_NAT;
	strcpy(b->net.name, "lan");
	inet_pton(AF_INET, "10.0.0.0", &b->net.subnet);
	b->net.prefix = 24;
	strcpy(b->net.uplink, "eth0");
	b->nic.id = 5;
	b->nic.net_id = 1;
	memcpy(b->nic.mac, "\x52\x54\x00\x00\x00\x05", 6);
	inet_pton(AF_INET, "10.0.0.5", &b->nic.ip);
	strcpy(b->nic.vm, "web");
	b->fwd.id = 1;
	b->fwd.net_id = 1;
	b->fwd.proto = NETD_L4_TCP;
	b->fwd.host_port = 8080;
	b->fwd.guest_port = 80;
	b->fwd.guest_ip = b->nic.ip;
	assert_int_equal(nft_ruleset_build_alloc(&st, SEQ0, &b->buf, &b->len, err, sizeof(err)), 0);
	assert_int_equal(nft_describe(b->buf, b->len, &b->d, err, sizeof(err)), 0);
	*state = b;
	return 0;
}

/* The sequence number of the first message whose description has text. */
static uint32_t batch_seq(const struct batch *b, const char *text)
{
	size_t i;

	for (i = 0; i < b->d.n; i++)
		if (strstr(b->d.lines[i], text))
			return SEQ0 + (uint32_t)i;
	fail_msg("no message matching \"%s\"", text);
	return 0;
}

static size_t batch_acks(const struct batch *b)
{
	return b->d.n - 2;   /* all but BATCH_BEGIN and BATCH_END */
}

static int batch_teardown(void **state)
{
	struct batch *b = *state;

	nft_desc_free(&b->d);
	free(b->buf);
	free(b);
	return 0;
}

static int apply(struct batch *b, struct fake *f, char *err, size_t errlen)
{
	err[0] = '\0';
	return nft_apply_io(&fake_io, f, b->buf, b->len, err, errlen);
}

/* ---- tests ------------------------------------------------------------------- */

static void test_all_acks_zero_is_success(void **state)
{
	struct batch *b = *state;
	struct fake *f = fake_new();
	char err[512];

	assert_int_equal(apply(b, f, err, sizeof(err)), 0);
	assert_int_equal(f->sends, 1);
	assert_int_equal(f->next, batch_acks(b));     /* read every ACK, no more */
	assert_int_equal(f->recvs, (int)batch_acks(b));
	fake_free(f);

	/* several ACKs per datagram, in any order */
	f = fake_new();
	f->per_dgram = 7;
	f->reverse = 1;
	assert_int_equal(apply(b, f, err, sizeof(err)), 0);
	assert_int_equal(f->next, f->n_dgram);
	fake_free(f);
}

static void test_failed_rule_is_named(void **state)
{
	struct batch *b = *state;
	struct fake *f = fake_new();
	char err[512];

	f->errs[0] = (struct fake_err){ batch_seq(b, "nat lan: replies to guests"), -ENOENT, NULL };
	f->n_errs = 1;
	assert_int_equal(apply(b, f, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "nftables refused rule inet croft forward "
			    "\"nat lan: replies to guests\": No such file or directory");
	fake_free(f);
}

static void test_first_of_several_errors_by_seq(void **state)
{
	struct batch *b = *state;
	struct fake *f = fake_new();
	char err[512];

	/* delivered last-first: the report still names the earliest message */
	f->reverse = 1;
	f->errs[0] = (struct fake_err){ batch_seq(b, "anti-spoof croftt5 (web): source IP"), -EINVAL, NULL };
	f->errs[1] = (struct fake_err){ batch_seq(b, "chain inet croft postrouting"), -EOPNOTSUPP,
					"unknown chain type" };
	f->errs[2] = (struct fake_err){ batch_seq(b, "nat lan: masquerade out of eth0"), -ENOENT, NULL };
	f->n_errs = 3;
	assert_int_equal(apply(b, f, err, sizeof(err)), -EOPNOTSUPP);
	assert_string_equal(err, "nftables refused chain inet croft postrouting: Operation not supported"
			    " (unknown chain type) (and 2 more errors)");
	fake_free(f);
}

static void test_table_error_with_extack(void **state)
{
	struct batch *b = *state;
	struct fake *f = fake_new();
	char err[512];

	f->errs[0] = (struct fake_err){ SEQ0 + 1, -EPERM, "table is owned by another process" };
	f->n_errs = 1;
	assert_int_equal(apply(b, f, err, sizeof(err)), -EPERM);
	assert_string_equal(err, "nftables refused table inet croft: Operation not permitted"
			    " (table is owned by another process)");
	fake_free(f);
}

static void test_whole_batch_refused(void **state)
{
	struct batch *b = *state;
	struct fake *f = fake_new();
	char err[512];

	f->begin_error = -EPERM;
	f->drop_last = batch_acks(b);   /* nothing else comes */
	assert_int_equal(apply(b, f, err, sizeof(err)), -EPERM);
	assert_string_equal(err, "nftables refused the whole batch: Operation not permitted;"
			    " croft-netd needs CAP_NET_ADMIN");
	assert_int_equal(f->recvs, 1);
	fake_free(f);

	/* a commit failure: the BATCH_BEGIN error comes before all-zero ACKs */
	f = fake_new();
	f->begin_error = -ENOMEM;
	assert_int_equal(apply(b, f, err, sizeof(err)), -ENOMEM);
	tl_assert_contains(err, "refused the whole batch: Cannot allocate memory");
	fake_free(f);
}

static void test_socket_failures(void **state)
{
	struct batch *b = *state;
	struct fake *f;
	char err[512], want[128];

	f = fake_new();
	f->send_rc = -EMSGSIZE;
	assert_int_equal(apply(b, f, err, sizeof(err)), -EMSGSIZE);
	snprintf(want, sizeof(want), "sending the nftables batch (%zu bytes): Message too long", b->len);
	assert_string_equal(err, want);
	assert_int_equal(f->recvs, 0);
	fake_free(f);

	f = fake_new();
	f->send_rc = 100;
	assert_int_equal(apply(b, f, err, sizeof(err)), -EIO);
	tl_assert_contains(err, "sent 100 of");
	fake_free(f);

	f = fake_new();
	f->fail_at = 3;
	f->fail_rc = -ENOBUFS;
	assert_int_equal(apply(b, f, err, sizeof(err)), -ENOBUFS);
	tl_assert_contains(err, "acknowledgements lost, the receive buffer overflowed (2 of ");
	fake_free(f);

	f = fake_new();
	f->drop_last = 2;
	assert_int_equal(apply(b, f, err, sizeof(err)), -ETIMEDOUT);
	snprintf(want, sizeof(want), "no answer from the kernel (%zu of %zu acknowledgements)",
		 batch_acks(b) - 2, batch_acks(b));
	tl_assert_contains(err, want);
	fake_free(f);

	f = fake_new();
	f->fail_at = 1;
	f->fail_rc = 0;
	assert_int_equal(apply(b, f, err, sizeof(err)), -EPROTO);
	tl_assert_contains(err, "socket closed after 0 of");
	fake_free(f);
}

static void test_bad_batch_is_not_sent(void **state)
{
	struct batch *b = *state;
	struct fake *f = fake_new();
	char err[512];

	err[0] = '\0';
	assert_int_equal(nft_apply_io(&fake_io, f, b->buf, b->len - 3, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "is truncated");
	assert_int_equal(nft_apply_io(&fake_io, f, b->buf, 0, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "nothing to send");
	/* without BATCH_END the kernel would wait; refuse it here */
	assert_int_equal(nft_apply_io(&fake_io, f, b->buf, b->len - 20, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "BATCH_END");
	assert_int_equal(f->sends, 0);
	fake_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_acks_zero_is_success),
		cmocka_unit_test(test_failed_rule_is_named),
		cmocka_unit_test(test_first_of_several_errors_by_seq),
		cmocka_unit_test(test_table_error_with_extack),
		cmocka_unit_test(test_whole_batch_refused),
		cmocka_unit_test(test_socket_failures),
		cmocka_unit_test(test_bad_batch_is_not_sent),
	};

	return cmocka_run_group_tests(tests, batch_setup, batch_teardown);
}
