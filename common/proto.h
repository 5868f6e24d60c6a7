/*
 * The wire protocol between croft (CLI/console) and croftd: JSON objects,
 * one per line, over a unix stream socket.
 *
 *   request  {"id":N,"op":"vm.start","args":{...}}
 *   reply    {"id":N,"ok":true,"result":{...}}
 *            {"id":N,"ok":false,"error":{"code":"not_found","message":"..."}}
 *   event    {"event":"vm.state","data":{...}}
 *
 * The first request on a connection must be "hello" with the client's
 * protocol version.  Error codes are the PROTO_E_* strings below; docs/api.md
 * lists which op returns which.
 */
#ifndef CROFT_PROTO_H
#define CROFT_PROTO_H

#include <stddef.h>
#include <sys/types.h>

#define PROTO_VERSION 1

/* croft's release: every program prints it; croftd's hello and host.info
 * tell clients. */
#ifndef CROFT_VERSION
#define CROFT_VERSION "0.1.0"
#endif
#define PROTO_MAX_LINE (1u << 20)

#define PROTO_E_BAD_REQUEST        "bad_request"        /* not JSON, wrong shape */
#define PROTO_E_UNKNOWN_OP         "unknown_op"
#define PROTO_E_HANDSHAKE          "handshake_required" /* op before hello */
#define PROTO_E_VERSION            "version_mismatch"
#define PROTO_E_INVALID_ARGUMENT   "invalid_argument"   /* bad value */
#define PROTO_E_NOT_FOUND          "not_found"
#define PROTO_E_ALREADY_EXISTS     "already_exists"
#define PROTO_E_INVALID_STATE      "invalid_state"      /* e.g. start a running VM */
#define PROTO_E_TIMEOUT            "timeout"
#define PROTO_E_PERMISSION         "permission_denied"
#define PROTO_E_QEMU               "qemu_error"         /* QEMU refused or died */
#define PROTO_E_IO                 "io_error"
#define PROTO_E_INTERNAL           "internal"
#define PROTO_E_UNAVAILABLE        "unavailable"        /* croft-netd is not running */
#define PROTO_E_BUSY               "busy"               /* over a limit: connections, output */

/*
 * A growable input buffer that yields complete lines.  linebuf_read() reads
 * what the fd has (nonblocking or not); linebuf_next() returns the next
 * complete line, NUL-terminated in place, valid until the next call on the
 * buffer.
 */
struct linebuf {
	char *buf;
	size_t len;      /* bytes held */
	size_t start;    /* start of unconsumed data */
	size_t cap;
	size_t max;      /* longest line accepted */
	int discard;     /* dropping the rest of a line refused as too long */
};

void linebuf_init(struct linebuf *lb, size_t max);
void linebuf_free(struct linebuf *lb);
/* >0 bytes read, 0 on EOF, -errno (-EAGAIN when a nonblocking fd is dry). */
ssize_t linebuf_read(struct linebuf *lb, int fd);
/* Append bytes (for callers that read themselves, and for tests). */
void linebuf_append(struct linebuf *lb, const char *data, size_t n);
/* 1 and *line, *len set when a line is ready, 0 when not, -EMSGSIZE when the
 * pending line exceeds max (the line is dropped up to and including its
 * newline, even if that arrives later). */
int linebuf_next(struct linebuf *lb, char **line, size_t *len);
/* Give back a large buffer that holds nothing (after a long line). */
void linebuf_shrink(struct linebuf *lb);

/*
 * Write all of buf to fd: a socket with MSG_NOSIGNAL (-EPIPE rather than
 * SIGPIPE), anything else with write().  Retries on EINTR and short
 * writes, and waits while a nonblocking fd is full (a passed socket may be
 * nonblocking at its sender's end).  0 or -errno.
 */
int proto_write_all(int fd, const char *buf, size_t len);

#endif
