/*
 * What the client's two files share and nobody else sees: api_client_io.c
 * owns the connection's bytes (reading lines with the descriptors passed
 * along them, writing requests, the broken state), api_client.c the
 * protocol on top (handshake, calls, events).
 */
#ifndef CROFT_API_CLIENT_INTERNAL_H
#define CROFT_API_CLIENT_INTERNAL_H

#include "common/api_client.h"
#include "common/proto.h"

#include <stdint.h>

#define API_CLIENT_MAX_PASSED_FDS 16     /* per connection, awaiting their line */

struct api_client_passed_fd {
	int fd;
	uint64_t offset;         /* stream offset of the last byte of its read */
};

struct api_client {
	int fd;
	char *path;
	struct linebuf lb;
	uint64_t read_total;     /* bytes received so far */
	uint64_t consumed;       /* stream offset of the next unconsumed byte */
	struct api_client_passed_fd fds[API_CLIENT_MAX_PASSED_FDS];
	size_t nfds;
	json_t *events;          /* queued {"event":..,"data":..} objects */
	long long next_id;
	int timeout_ms;
	int broken;              /* -errno once the connection is unusable */
	struct api_error broken_why;
	char *server_version;
};

/* Offered each line before it is parsed; 1 when it took the line as is. */
struct api_client_peek {
	int (*fn)(const char *line, size_t len, void *ctx);
	void *ctx;
};

/* e may be NULL. */
void api_client_error_set(struct api_error *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A new client on the connected fd (owned from here on); label names it. */
struct api_client *api_client_new(int fd, const char *label);

/* The monotonic deadline timeout_ms from now; -1 (none) for a negative
 * timeout. */
int64_t api_client_deadline(int timeout_ms);

/* 0, or the -errno the connection broke with (e gets the reason). */
int api_client_check_broken(struct api_client *c, struct api_error *e);

/* Write all of buf.  0, or -errno and the connection is broken. */
int api_client_send(struct api_client *c, const char *buf, size_t len, struct api_error *e);

/*
 * The next complete line as parsed JSON, reading as needed until deadline
 * (-1: none).  0 and *obj on success (with the passed fd of that line in
 * *line_fd if asked, else -1); 1 and *obj NULL when peek (may be NULL)
 * took the line; -ETIMEDOUT, or another -errno and the connection is
 * broken.
 */
int api_client_read_message(struct api_client *c, int64_t deadline, json_t **obj,
			    int *line_fd, const struct api_client_peek *peek,
			    struct api_error *e);

#endif
