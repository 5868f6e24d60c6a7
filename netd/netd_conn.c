/*
 * The protocol engine.  A packet is copied into an aligned struct netd_msg,
 * looked up in the message table and handed to its entry.  A connection is
 * in one of three transfer phases: idle, collecting (a STATE_BEGIN opened a
 * transfer) or poisoned (the transfer went wrong; everything up to its
 * COMMIT is swallowed and the COMMIT gets the recorded error).
 */
#include "netd/netd_conn.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NETD_VERSION_TEXT "croft-netd " CROFT_VERSION

enum xfer { XFER_IDLE, XFER_COLLECTING, XFER_POISONED };

struct netd_conn {
	const struct netd_handlers *h;
	void *ctx;
	int hello;
	enum xfer xfer;
	uint32_t want_nets, want_nics, want_fwds;
	struct netd_state st;
	char poison[NETD_TEXT_LEN];
	struct netd_msg *out;
	size_t n_out, cap_out;
};

struct msg_entry {
	uint32_t type;
	const char *name;
	int state_part;       /* belongs inside a transfer */
	void (*fn)(struct netd_conn *c, const struct netd_msg *m);
};

static const struct msg_entry *lookup(uint32_t type);

struct netd_conn *netd_conn_new(const struct netd_handlers *h, void *ctx)
{
	struct netd_conn *c = xcalloc(1, sizeof(*c));

	c->h = h;
	c->ctx = ctx;
	return c;
}

void netd_conn_free(struct netd_conn *c)
{
	if (!c)
		return;
	netd_state_clear(&c->st);
	free(c->out);
	free(c);
}

const struct netd_msg *netd_conn_output(const struct netd_conn *c, size_t *n)
{
	*n = c->n_out;
	return c->out;
}

void netd_conn_consume(struct netd_conn *c, size_t n)
{
	if (n > c->n_out)
		n = c->n_out;
	memmove(c->out, c->out + n, (c->n_out - n) * sizeof(*c->out));
	c->n_out -= n;
}

static struct netd_msg *push(struct netd_conn *c, uint32_t type, uint32_t seq)
{
	struct netd_msg *m;

	if (c->n_out == c->cap_out) {
		c->cap_out = c->cap_out ? 2 * c->cap_out : 8;
		c->out = xrealloc(c->out, c->cap_out * sizeof(*c->out));
	}
	m = &c->out[c->n_out++];
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->seq = seq;
	return m;
}

static void reply(struct netd_conn *c, uint32_t seq, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void reply(struct netd_conn *c, uint32_t seq, int status, const char *fmt, ...)
{
	struct netd_msg *m = push(c, NETD_MSG_REPLY, seq);
	va_list ap;

	m->u.reply.status = status;
	va_start(ap, fmt);
	vsnprintf(m->u.reply.text, sizeof(m->u.reply.text), fmt, ap);
	va_end(ap);
}

static void end_transfer(struct netd_conn *c)
{
	netd_state_clear(&c->st);
	c->xfer = XFER_IDLE;
	c->want_nets = c->want_nics = c->want_fwds = 0;
	c->poison[0] = '\0';
}

/* Record the first problem of the open transfer and drop its state. */
static void poison(struct netd_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void poison(struct netd_conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->xfer == XFER_POISONED)
		return;
	netd_state_clear(&c->st);
	c->xfer = XFER_POISONED;
	va_start(ap, fmt);
	vsnprintf(c->poison, sizeof(c->poison), fmt, ap);
	va_end(ap);
}

/* ---- handlers ---------------------------------------------------------- */

static void on_hello(struct netd_conn *c, const struct netd_msg *m)
{
	if (m->u.hello.version != NETD_PROTO_VERSION) {
		reply(c, m->seq, -EPROTONOSUPPORT,
		      "protocol version %u is not supported; %s speaks version %d",
		      (unsigned)m->u.hello.version, NETD_VERSION_TEXT, NETD_PROTO_VERSION);
		return;
	}
	c->hello = 1;
	reply(c, m->seq, 0, "%s, protocol %d", NETD_VERSION_TEXT, NETD_PROTO_VERSION);
}

static void on_begin(struct netd_conn *c, const struct netd_msg *m)
{
	uint32_t nets = m->u.begin.nets, nics = m->u.begin.nics, fwds = m->u.begin.fwds;

	if (c->xfer != XFER_IDLE) {
		poison(c, "STATE_BEGIN inside an open state transfer");
		return;
	}
	c->xfer = XFER_COLLECTING;
	if (nets > NETD_MAX_NETS || nics > NETD_MAX_NICS || fwds > NETD_MAX_FWDS) {
		poison(c, "STATE_BEGIN announces %u networks, %u NICs, %u forwards; at most %d, %d, %d",
		       (unsigned)nets, (unsigned)nics, (unsigned)fwds, NETD_MAX_NETS, NETD_MAX_NICS,
		       NETD_MAX_FWDS);
		return;
	}
	c->want_nets = nets;
	c->want_nics = nics;
	c->want_fwds = fwds;
	c->st.nets = xcalloc(nets, sizeof(*c->st.nets));
	c->st.nics = xcalloc(nics, sizeof(*c->st.nics));
	c->st.fwds = xcalloc(fwds, sizeof(*c->st.fwds));
}

/* Common checks of NET/NIC/FWD: 1 if the message may be stored. */
static int part_ok(struct netd_conn *c, const struct netd_msg *m, const char *what,
		   size_t have, uint32_t want, int later_started)
{
	const struct msg_entry *e = lookup(m->type);

	if (c->xfer == XFER_IDLE) {
		reply(c, m->seq, -EPROTO, "%s outside a state transfer (send STATE_BEGIN first)",
		      e->name);
		return 0;
	}
	if (c->xfer == XFER_POISONED)
		return 0;
	if (later_started) {
		poison(c, "%s after a later kind; send networks, then NICs, then forwards", e->name);
		return 0;
	}
	if (have >= want) {
		poison(c, "more %s than STATE_BEGIN announced (%u)", what, (unsigned)want);
		return 0;
	}
	return 1;
}

static void on_net(struct netd_conn *c, const struct netd_msg *m)
{
	if (part_ok(c, m, "networks", c->st.n_nets, c->want_nets, c->st.n_nics || c->st.n_fwds))
		c->st.nets[c->st.n_nets++] = m->u.net;
}

static void on_nic(struct netd_conn *c, const struct netd_msg *m)
{
	if (part_ok(c, m, "NICs", c->st.n_nics, c->want_nics, c->st.n_fwds != 0))
		c->st.nics[c->st.n_nics++] = m->u.nic;
}

static void on_fwd(struct netd_conn *c, const struct netd_msg *m)
{
	if (part_ok(c, m, "forwards", c->st.n_fwds, c->want_fwds, 0))
		c->st.fwds[c->st.n_fwds++] = m->u.fwd;
}

static void on_commit(struct netd_conn *c, const struct netd_msg *m)
{
	char text[NETD_TEXT_LEN] = "";
	int rc;

	switch (c->xfer) {
	case XFER_IDLE:
		reply(c, m->seq, -EPROTO, "STATE_COMMIT without STATE_BEGIN");
		return;
	case XFER_POISONED:
		reply(c, m->seq, -EINVAL, "%s; the state was discarded", c->poison);
		end_transfer(c);
		return;
	case XFER_COLLECTING:
		break;
	}
	if (c->st.n_nets != c->want_nets || c->st.n_nics != c->want_nics ||
	    c->st.n_fwds != c->want_fwds) {
		reply(c, m->seq, -EINVAL,
		      "STATE_COMMIT after %zu of %u networks, %zu of %u NICs, %zu of %u forwards; the state was discarded",
		      c->st.n_nets, (unsigned)c->want_nets, c->st.n_nics, (unsigned)c->want_nics,
		      c->st.n_fwds, (unsigned)c->want_fwds);
		end_transfer(c);
		return;
	}
	rc = netd_state_validate(&c->st, text, sizeof(text));
	if (rc == 0)
		rc = c->h->commit(c->ctx, &c->st, text, sizeof(text));
	reply(c, m->seq, rc, "%s", text);
	end_transfer(c);
}

static void on_check_net(struct netd_conn *c, const struct netd_msg *m)
{
	char text[NETD_TEXT_LEN] = "";
	struct netd_net net = m->u.net;
	struct netd_state one = { .nets = &net, .n_nets = 1 };
	int rc;

	rc = netd_state_validate(&one, text, sizeof(text));
	if (rc == 0)
		rc = c->h->check_net(c->ctx, &net, text, sizeof(text));
	reply(c, m->seq, rc, "%s", text);
}

static void on_default_uplink(struct netd_conn *c, const struct netd_msg *m)
{
	char text[NETD_TEXT_LEN] = "";
	int rc = c->h->default_uplink(c->ctx, text, sizeof(text));

	reply(c, m->seq, rc, "%s", text);
}

static void on_leases(struct netd_conn *c, const struct netd_msg *m)
{
	char text[NETD_TEXT_LEN] = "";
	struct netd_lease *ls = NULL;
	size_t n = 0, i;
	int rc = c->h->leases(c->ctx, &ls, &n, text, sizeof(text));

	if (rc < 0) {
		reply(c, m->seq, rc, "%s", text);
	} else {
		for (i = 0; i < n; i++)
			push(c, NETD_MSG_LEASE, m->seq)->u.lease = ls[i];
		push(c, NETD_MSG_END, m->seq);
	}
	free(ls);
}

static const struct msg_entry msg_table[] = {
	{ NETD_MSG_HELLO, "HELLO", 0, on_hello },
	{ NETD_MSG_STATE_BEGIN, "STATE_BEGIN", 1, on_begin },
	{ NETD_MSG_STATE_NET, "STATE_NET", 1, on_net },
	{ NETD_MSG_STATE_NIC, "STATE_NIC", 1, on_nic },
	{ NETD_MSG_STATE_FWD, "STATE_FWD", 1, on_fwd },
	{ NETD_MSG_STATE_COMMIT, "STATE_COMMIT", 1, on_commit },
	{ NETD_MSG_CHECK_NET, "CHECK_NET", 0, on_check_net },
	{ NETD_MSG_DEFAULT_UPLINK, "DEFAULT_UPLINK", 0, on_default_uplink },
	{ NETD_MSG_LEASES, "LEASES", 0, on_leases },
	/* netd's own messages; a client must not send them */
	{ NETD_MSG_REPLY, "REPLY", 0, NULL },
	{ NETD_MSG_LEASE, "LEASE", 0, NULL },
	{ NETD_MSG_END, "END", 0, NULL },
};

static const struct msg_entry *lookup(uint32_t type)
{
	size_t i;

	for (i = 0; i < sizeof(msg_table) / sizeof(msg_table[0]); i++)
		if (msg_table[i].type == type)
			return &msg_table[i];
	return NULL;
}

void netd_conn_input(struct netd_conn *c, const void *pkt, size_t len)
{
	const struct msg_entry *e;
	struct netd_msg m;
	int in_xfer = c->xfer != XFER_IDLE;

	memset(&m, 0, sizeof(m));
	memcpy(&m, pkt, len < sizeof(m) ? len : sizeof(m));
	if (len != sizeof(m)) {
		uint32_t seq = len >= 8 ? m.seq : 0;

		if (in_xfer)
			poison(c, "a message of %zu bytes (every message is %zu)", len, sizeof(m));
		else
			reply(c, seq, -EBADMSG, "a message of %zu bytes (every message is %zu)", len,
			      sizeof(m));
		return;
	}
	e = lookup(m.type);
	if (!e || !e->fn) {
		char what[48];

		if (e)
			snprintf(what, sizeof(what), "%s is netd's message, not a request", e->name);
		else
			snprintf(what, sizeof(what), "unknown message type %u", (unsigned)m.type);
		if (in_xfer)
			poison(c, "%s", what);
		else
			reply(c, m.seq, -EBADMSG, "%s", what);
		return;
	}
	if (!c->hello && e->type != NETD_MSG_HELLO) {
		reply(c, m.seq, -EPROTO, "%s before HELLO; send HELLO (protocol version %d) first",
		      e->name, NETD_PROTO_VERSION);
		return;
	}
	if (in_xfer && !e->state_part) {
		poison(c, "%s inside a state transfer", e->name);
		reply(c, m.seq, -EPROTO, "%s inside a state transfer; finish it with STATE_COMMIT first",
		      e->name);
		return;
	}
	e->fn(c, &m);
}
