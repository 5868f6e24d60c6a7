/*
 * Fuzz target for croft-netd's protocol engine (netd/netd_conn.c) and the
 * state validation behind it.  The input is a script: each step takes one
 * control byte (message type, whether the packet is cut short) and then
 * fills the message body from the following bytes, so any byte string is a
 * sequence of packets.  A HELLO with the right version is sent first half of
 * the time so the deeper states are reached.  Checked: every answer is a
 * REPLY, LEASE or END with a NUL-terminated text; the commit and check
 * handlers only ever see input that netd_state_validate() accepts.
 */
#include "netd/netd_conn.h"
#include "netd/netd_state.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_netd_fake.inc"

static int fz_leases(void *ctx, struct netd_lease **out, size_t *n, char *text, size_t len)
{
	(void)ctx;
	(void)text;
	(void)len;
	*out = calloc(2, sizeof(**out));
	if (!*out)
		return -12;
	*n = 2;
	return 0;
}

static const struct netd_handlers fz_handlers = {
	.commit = fz_commit,
	.check_net = fz_check,
	.default_uplink = fz_uplink,
	.leases = fz_leases,
};

static void fz_drain(struct netd_conn *c)
{
	const struct netd_msg *out;
	size_t n, i;

	out = netd_conn_output(c, &n);
	for (i = 0; i < n; i++) {
		switch (out[i].type) {
		case NETD_MSG_REPLY:
			if (!memchr(out[i].u.reply.text, '\0', sizeof(out[i].u.reply.text)))
				abort();
			break;
		case NETD_MSG_LEASE:
		case NETD_MSG_END:
			break;
		default:
			abort();
		}
	}
	netd_conn_consume(c, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netd_conn *c = netd_conn_new(&fz_handlers, NULL);
	size_t pos = 0, body = sizeof(struct netd_msg) - 2 * sizeof(uint32_t);
	uint32_t seq = 1;

	if (!c)
		abort();
	if (size && (data[0] & 1)) {
		struct netd_msg m;

		memset(&m, 0, sizeof(m));
		m.type = NETD_MSG_HELLO;
		m.seq = seq++;
		m.u.hello.version = NETD_PROTO_VERSION;
		netd_conn_input(c, &m, sizeof(m));
		fz_drain(c);
		pos = 1;
	}
	while (pos < size) {
		uint8_t ctl = data[pos++];
		size_t take = size - pos < body ? size - pos : body;
		size_t len = sizeof(struct netd_msg);
		/* a private packet of the exact length, so overreads trip ASan */
		struct netd_msg m;
		unsigned char *pkt;

		memset(&m, 0, sizeof(m));
		m.type = (uint32_t)(ctl % (NETD_MSG_END + 1));
		m.seq = seq++;
		/* short bodies are common: take only as much as the control byte says */
		if (take > (size_t)(ctl >> 4) * 16u + 8u)
			take = (size_t)(ctl >> 4) * 16u + 8u;
		memcpy(&m.u, data + pos, take);
		pos += take;
		if ((ctl & 0x0f) == 0x0f && len > 4)
			len = (size_t)(ctl >> 4) + 1;      /* a truncated packet */
		pkt = malloc(len);
		if (!pkt)
			abort();
		memcpy(pkt, &m, len);
		netd_conn_input(c, pkt, len);
		free(pkt);
		fz_drain(c);
	}
	netd_conn_free(c);
	return 0;
}

#ifndef CROFT_LIBFUZZER
static const char *const fuzz_seeds[] = {
	"\x01",
	"\x01\x02\x01",
	"\x01\x22\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x06",
	"\x01\x27",
	"\x01\x08",
	"\x01\x09",
	"\x01\x06",
	"\x00\x01\x01",
	"\x01\x1f\x03\x03\x03",
};

#include "fuzz_main.inc"
#endif
