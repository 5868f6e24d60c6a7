/*
 * The rtnetlink socket: send one request built by nl_build.h and wait for
 * its ack, or run a dump and hand every answer to a callback.  Errors come
 * back as -errno with a message naming the operation and, when the kernel
 * gave one, its extended-ack text.  One socket, used synchronously.
 */
#ifndef CROFT_NL_SOCK_H
#define CROFT_NL_SOCK_H

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;

int nl_sock_open(struct nl_sock **out, char *err, size_t errlen);
void nl_sock_close(struct nl_sock *s);   /* NULL is fine */

/* A fresh sequence number for the next request. */
uint32_t nl_sock_seq(struct nl_sock *s);

/* Send req (NLM_F_ACK set) and wait for the ack.  what names the operation
 * for the message: "cannot <what>: <reason>". */
int nl_sock_request(struct nl_sock *s, const struct nlmsghdr *req, const char *what,
		    char *err, size_t errlen);

/* Send a dump request and call cb for each answer until NLMSG_DONE; cb
 * returns 0 or -errno (which stops the dump).  An interrupted dump
 * (NLM_F_DUMP_INTR) returns -EAGAIN. */
typedef int (*nl_dump_cb)(const struct nlmsghdr *nlh, void *data);
int nl_sock_dump(struct nl_sock *s, const struct nlmsghdr *req, nl_dump_cb cb, void *data,
		 const char *what, char *err, size_t errlen);

#endif
