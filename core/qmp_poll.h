/*
 * One QMP query asked again and again until its answer says the work is
 * over (a QMP job, a migration): now, whenever an event says something
 * changed, and every period_ms in between, with one command in flight at
 * most.  The owner embeds a struct qmp_poll, sends its query through
 * qmp_poll_now from its ask function, and after a "not yet" reply calls
 * qmp_poll_later.  A look asked for while a command is out is taken when
 * its reply comes.
 *
 * The owner may send its other commands through qmp_poll_send too (one in
 * flight, shared with the query) and may use timer for a timer of its own
 * (it is cancelled with the poll's).
 */
#ifndef CROFT_QMP_POLL_H
#define CROFT_QMP_POLL_H

#include "core/qmp.h"

struct loop;
struct loop_timer;

typedef void (*qmp_poll_ask_fn)(void *data);

struct qmp_poll {
	struct loop *l;
	unsigned period_ms;
	qmp_poll_ask_fn ask;             /* the owner's: look now (qmp_poll_now) */
	void *data;
	struct loop_timer *timer;
	int in_flight;                   /* a command of the owner's is out */
	int again;                       /* asked to look while one was out */
};

void qmp_poll_init(struct qmp_poll *p, struct loop *l, unsigned period_ms, qmp_poll_ask_fn ask,
		   void *data);

/* Send cmd (args taken) on q with the poll's one command in flight:
 * 0, or -ENOTCONN when q is NULL or cannot take it. */
int qmp_poll_send(struct qmp_poll *p, struct qmp *q, const char *cmd, json_t *args,
		  qmp_reply_cb cb, void *data);

/* Look now: with a command out, only note that its reply should look
 * again (0); else the timer goes and cmd is sent as qmp_poll_send. */
int qmp_poll_now(struct qmp_poll *p, struct qmp *q, const char *cmd, qmp_reply_cb cb,
		 void *data);

/* A reply to the poll's command came: nothing is in flight any more. */
void qmp_poll_replied(struct qmp_poll *p);

/* The answer was "not yet": ask again now when that was asked for
 * meanwhile, else after period_ms (unless a timer runs already). */
void qmp_poll_later(struct qmp_poll *p);

/* Ask from the loop after ms (0: at once, never inside the caller). */
void qmp_poll_after(struct qmp_poll *p, unsigned ms);

/* Cancel the timer (the command in flight, if any, still answers). */
void qmp_poll_stop(struct qmp_poll *p);

#endif
