/*
 * QMP, QEMU's JSON machine protocol: a parser for the messages QEMU sends
 * (pure, fuzzed) and an asynchronous client bound to croftd's event loop.
 *
 * The client connects to a VM's QMP unix socket, reads the greeting, sends
 * qmp_capabilities, and then reports itself ready.  Commands may be issued
 * before that; they are queued.  Each command carries an id; the reply is
 * matched by id and handed to the command's callback.  Events go to the
 * event callback.  When the connection ends (EOF, error, a malformed
 * message), every pending command's callback runs with reply == NULL and
 * then the close callback runs once.
 *
 * Any callback may call qmp_free() on its own client.
 */
#ifndef CROFT_QMP_H
#define CROFT_QMP_H

#include <jansson.h>
#include <stdint.h>
#include <stddef.h>

struct loop;

enum qmp_msg_type {
	QMP_MSG_GREETING,
	QMP_MSG_RETURN,
	QMP_MSG_ERROR,
	QMP_MSG_EVENT,
};

struct qmp_msg {
	enum qmp_msg_type type;
	json_t *root;            /* owned: the whole message */
	json_t *id;              /* borrowed from root, NULL when absent */
	json_t *ret;             /* RETURN: the "return" member */
	const char *err_class;   /* ERROR: error.class */
	const char *err_desc;    /* ERROR: error.desc */
	const char *event;       /* EVENT: its name */
	json_t *data;            /* EVENT: data member or NULL */
	int ver_major, ver_minor, ver_micro;  /* GREETING: QEMU version */
	/* RETURN to qmp_command_raw, read without jansson: the return
	 * value's text, checked JSON (jscan.h); ret and root are NULL.  A
	 * reply that could not be read so comes as ret, raw NULL. */
	const char *raw;
	size_t raw_len;
};

/* Parse one line from QEMU.  0, or -EINVAL with err naming what is wrong
 * (not JSON, not an object, none of the four shapes, wrong member type). */
int qmp_parse(const char *line, size_t len, struct qmp_msg *out, char *err, size_t errlen);
void qmp_msg_clear(struct qmp_msg *m);

struct qmp;

/* reply is NULL when the connection ended before the reply came. */
typedef void (*qmp_reply_cb)(struct qmp *q, const struct qmp_msg *reply, void *data);
typedef void (*qmp_event_cb)(struct qmp *q, const struct qmp_msg *ev, void *data);
typedef void (*qmp_ready_cb)(struct qmp *q, void *data);
typedef void (*qmp_close_cb)(struct qmp *q, const char *why, void *data);

struct qmp_callbacks {
	qmp_ready_cb ready;      /* capabilities negotiated (may be NULL) */
	qmp_event_cb event;      /* may be NULL */
	qmp_close_cb close;      /* connection over; why says how (may be NULL) */
};

/* A client on an already-connected stream fd (taken on every path).
 * NULL on failure. */
struct qmp *qmp_new_fd(struct loop *l, int fd, const struct qmp_callbacks *cbs, void *data);
/* Connect to a QMP unix socket.  0 or -errno with err set. */
int qmp_connect(struct loop *l, const char *path, const struct qmp_callbacks *cbs,
		void *data, struct qmp **out, char *err, size_t errlen);
/* Queue a command; args is stolen (may be NULL).  cb may be NULL.
 * 0, or -ENOTCONN once the connection has ended. */
int qmp_command(struct qmp *q, const char *cmd, json_t *args, qmp_reply_cb cb, void *data);
/* The same for an answer read every few seconds: its reply comes as
 * raw text (qmp_msg.raw) when it can, saving a jansson tree. */
int qmp_command_raw(struct qmp *q, const char *cmd, json_t *args, qmp_reply_cb cb, void *data);
/* A command's text made once, for a question asked again and again (the
 * sampler's, every sample): malloc'd (free()), or NULL when cmd or args
 * (borrowed; an object or NULL) cannot be written. */
char *qmp_command_text(const char *cmd, json_t *args);
/* qmp_command_raw with such a text (copied), so no JSON is written for
 * each call. */
int qmp_command_raw_text(struct qmp *q, const char *text, qmp_reply_cb cb, void *data);
/* The same, passing fd (taken on every path) with the command's first byte
 * (SCM_RIGHTS), as getfd and add-fd want it.  One such command at a time:
 * -EBUSY while another has not been written. */
int qmp_command_fd(struct qmp *q, const char *cmd, json_t *args, int fd, qmp_reply_cb cb,
		   void *data);
/* Between qmp_cork and qmp_uncork, commands queue in the output buffer
 * and leave together in one write (the sampler's questions to a QEMU). */
void qmp_cork(struct qmp *q);
void qmp_uncork(struct qmp *q);
int qmp_is_ready(const struct qmp *q);
/* Close and free.  Pending callbacks run with NULL first; close cb does not. */
void qmp_free(struct qmp *q);

/* The CPU time (this thread's, ns) the loop spent in every QMP
 * connection's reading and writing, replies' callbacks included, and how
 * many times it was called, since the process started (/metrics). */
void qmp_cpu_total(uint64_t *ns, uint64_t *calls);

/* Bound on one QMP line from QEMU. */
#define QMP_MAX_LINE (4u << 20)

#endif
