/*
 * A blocking client of croftd's API for the CLI (and the console, which
 * polls api_client_fd()).  api_client_connect() performs the version
 * handshake.  Events that arrive while a call waits for its reply are queued
 * and returned by api_client_next_event().  A reply may carry a file
 * descriptor (SCM_RIGHTS), e.g. vm.console's serial socket.
 */
#ifndef CROFT_API_CLIENT_H
#define CROFT_API_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#define CROFT_DEFAULT_SOCKET "/run/croft/croftd.sock"

struct api_client;

struct api_error {
	char code[48];           /* PROTO_E_* or "connection" for I/O trouble */
	char message[512];
};

/* Socket path: the argument if non-NULL, else $CROFT_SOCKET, else the
 * default.  Returns a pointer to one of those. */
const char *api_client_socket_path(const char *arg);

/* 0, or -errno with e filled ("cannot connect to croftd at PATH: ..."). */
int api_client_connect(const char *path, struct api_client **out, struct api_error *e);
void api_client_close(struct api_client *c);
int api_client_fd(const struct api_client *c);

/* Send {"op":op,"args":args} and wait for its reply.  args is stolen (NULL
 * means {}).  0 with *result (new reference, may be NULL if not wanted);
 * -EPROTO with e filled from the server's error; other -errno for I/O
 * trouble with e filled.  If fd_out is non-NULL it receives a passed fd or
 * -1. */
int api_client_call(struct api_client *c, const char *op, json_t *args,
		    json_t **result, int *fd_out, struct api_error *e);

/* As api_client_call, for a result shown as JSON text: *text (malloc'd)
 * is the array or object at the result's member key, compact.  A reply in
 * croftd's own layout, {"id":N,"ok":true,"result":{"KEY":V}}, is relayed
 * without being parsed; any other reply is parsed as usual.  -EBADMSG with
 * e filled when the result has no such member. */
int api_client_call_text(struct api_client *c, const char *op, json_t *args, const char *key,
			 char **text, struct api_error *e);

/* Next event, waiting up to timeout_ms (-1 forever, 0 poll).  1 with *event
 * (new reference), 0 on timeout, -errno when the connection ended. */
int api_client_next_event(struct api_client *c, json_t **event, int timeout_ms,
			  struct api_error *e);

/*
 * Additions for the CLI, the console and tests.
 */
#define API_CLIENT_DEFAULT_TIMEOUT_MS 120000

/* Perform the handshake on an already connected stream socket (a unit-test
 * seam; also for sockets obtained elsewhere).  fd belongs to the client on
 * every path; label names it in messages. */
int api_client_attach(int fd, const char *label, struct api_client **out,
		      struct api_error *e);
/* How long a call waits for its reply; -1 forever.  Also bounds hello. */
void api_client_set_timeout(struct api_client *c, int timeout_ms);
/* croftd's "server_version" from the handshake ("" if it sent none). */
const char *api_client_server_version(const struct api_client *c);
/* Events already read and queued: a poll()er of api_client_fd() must drain
 * these with api_client_next_event(c, &ev, 0, e) since the fd will not
 * become readable for them. */
size_t api_client_pending_events(const struct api_client *c);

#endif
