/*
 * A QMP query asked again and again (qmp_poll.h): the in-flight flag, the
 * "look again" flag and the period's timer that QMP job steps and state
 * saves and loads share.
 */
#include "core/qmp_poll.h"
#include "common/loop.h"

#include <errno.h>
#include <stddef.h>

void qmp_poll_init(struct qmp_poll *p, struct loop *l, unsigned period_ms, qmp_poll_ask_fn ask,
		   void *data)
{
	*p = (struct qmp_poll){ .l = l, .period_ms = period_ms, .ask = ask, .data = data };
}

int qmp_poll_send(struct qmp_poll *p, struct qmp *q, const char *cmd, json_t *args,
		  qmp_reply_cb cb, void *data)
{
	if (!q) {
		json_decref(args);
		return -ENOTCONN;
	}
	if (qmp_command(q, cmd, args, cb, data) < 0)
		return -ENOTCONN;
	p->in_flight = 1;
	return 0;
}

int qmp_poll_now(struct qmp_poll *p, struct qmp *q, const char *cmd, qmp_reply_cb cb,
		 void *data)
{
	p->again = p->in_flight;
	if (p->in_flight)
		return 0;
	qmp_poll_stop(p);
	return qmp_poll_send(p, q, cmd, NULL, cb, data);
}

void qmp_poll_replied(struct qmp_poll *p)
{
	p->in_flight = 0;
}

static void poll_timer_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct qmp_poll *p = data;

	(void)l;
	(void)t;
	p->timer = NULL;
	p->ask(p->data);
}

void qmp_poll_after(struct qmp_poll *p, unsigned ms)
{
	qmp_poll_stop(p);
	p->timer = loop_timer_add(p->l, ms, poll_timer_cb, p);
}

void qmp_poll_later(struct qmp_poll *p)
{
	if (p->again)
		p->ask(p->data);
	else if (!p->timer)
		p->timer = loop_timer_add(p->l, p->period_ms, poll_timer_cb, p);
}

void qmp_poll_stop(struct qmp_poll *p)
{
	if (p->timer)
		loop_timer_cancel(p->l, p->timer);
	p->timer = NULL;
}
