/*
 * The QEMU guest agent's protocol, the pure part (no I/O, fuzzed): the
 * bytes a guest sends back are reassembled into lines by struct agent_rx,
 * each line parsed by agent_parse_reply, and the results of the few
 * commands croft uses are read into plain bounded structs.  Everything an
 * agent says comes from the guest and is untrusted: lines are limited to
 * AGENT_LINE_MAX, strings are cut to their fields' sizes and stripped of
 * anything but printable ASCII, lists are cut at their maximum.
 *
 * Framing: croftd begins each conversation with guest-sync-delimited; the
 * agent answers with a 0xff byte and then {"return": ID}, so whatever the
 * channel held before (a half-written reply to an earlier, abandoned
 * conversation) is dropped up to the 0xff (agent_rx_expect_delimiter), and
 * a reply whose ID is not the one sent is skipped.  The client is
 * vm_agent.c.
 */
#ifndef CROFT_AGENT_H
#define CROFT_AGENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AGENT_LINE_MAX 65536      /* one reply line, in bytes */
#define AGENT_ADDRS_MAX 16        /* addresses kept of a guest */

struct agent_rx {
	char *buf;                /* bytes of the line being read */
	size_t len;
	int want_delim;           /* dropping bytes up to a 0xff */
};

void agent_rx_init(struct agent_rx *rx);
void agent_rx_clear(struct agent_rx *rx);
/* Drop everything up to and including the next 0xff (what the agent sends
 * before its answer to guest-sync-delimited); a 0xff arriving later is
 * dropped too. */
void agent_rx_expect_delimiter(struct agent_rx *rx);

/* Take n more bytes.  For each complete line (without its '\n') line(line,
 * len, arg) runs; a nonzero return stops there and is returned (the rest
 * of data is dropped).  -EMSGSIZE when a line grows past AGENT_LINE_MAX.
 * Empty lines and a '\r' before '\n' are skipped. */
typedef int (*agent_line_fn)(const char *line, size_t len, void *arg);
int agent_rx_feed(struct agent_rx *rx, const char *data, size_t n, agent_line_fn line,
		  void *arg);

struct agent_reply {
	json_t *root;             /* owned */
	json_t *ret;              /* borrowed: "return", NULL for an error */
	const char *err_class;    /* "error": its class and desc ("" if absent) */
	const char *err_desc;
};

/* One line: {"return": ANY} or {"error": {"class": S, "desc": S}}.  0, or
 * -EINVAL with err naming what is wrong (not JSON, not an object, neither
 * member, wrong types).  Clear with agent_reply_clear either way. */
int agent_parse_reply(const char *line, size_t len, struct agent_reply *out, char *err,
		      size_t errlen);
void agent_reply_clear(struct agent_reply *r);

/* What croft shows of a guest (all NUL-terminated, printable ASCII). */
struct agent_guest {
	char version[32];         /* guest-info: the agent's version */
	char os[96];              /* guest-get-osinfo: pretty-name, else name */
	char kernel[96];          /* kernel-release */
	char hostname[96];        /* guest-get-host-name */
	char addrs[AGENT_ADDRS_MAX][64];  /* "ADDR/PREFIX"; 127/8, ::1, fe80::/10 left out */
	size_t naddrs;
	int fsfreeze;             /* guest-fsfreeze-status: 1 frozen, 0 thawed, -1 unknown */
};

/* Fill the matching members of g from ret, the "return" of each command;
 * -EINVAL with err when ret does not have the command's shape (g keeps
 * what it had). */
int agent_read_info(const json_t *ret, struct agent_guest *g, char *err, size_t errlen);
int agent_read_osinfo(const json_t *ret, struct agent_guest *g, char *err, size_t errlen);
int agent_read_hostname(const json_t *ret, struct agent_guest *g, char *err, size_t errlen);
int agent_read_interfaces(const json_t *ret, struct agent_guest *g, char *err, size_t errlen);
int agent_read_fsfreeze(const json_t *ret, struct agent_guest *g, char *err, size_t errlen);

/* Printable ASCII of s (NULL: ""), at most size - 1 bytes of it, into dst. */
void agent_text(char *dst, size_t size, const char *s);

/* The request line for command (with arguments args, may be NULL): malloc'd,
 * ending in '\n'.  guest-sync-delimited is agent_sync_line(id). */
char *agent_command_line(const char *command, const json_t *args);
char *agent_sync_line(uint32_t id);
/* 1 when the reply is the answer to guest-sync-delimited id. */
int agent_reply_is_sync(const struct agent_reply *r, uint32_t id);

#endif
