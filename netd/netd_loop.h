/*
 * netd's event loop: one epoll set with a callback per file descriptor,
 * and one-shot timers kept as a list of deadlines (netd has a handful:
 * dnsmasq restart back-offs).  Single-threaded.  A callback may add or
 * remove any fd or timer, its own included; a removed entry never runs
 * again.
 */
#ifndef CROFT_NETD_LOOP_H
#define CROFT_NETD_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct netd_loop;
struct netd_timer;

typedef void (*netd_fd_cb)(struct netd_loop *l, int fd, uint32_t events, void *data);
typedef void (*netd_timer_cb)(struct netd_loop *l, void *data);

struct netd_loop *netd_loop_new(void);
/* Frees entries and timers; closes no fd (their owners do). */
void netd_loop_free(struct netd_loop *l);

/* 0 or -errno; the fd stays the caller's. */
int netd_loop_add(struct netd_loop *l, int fd, uint32_t events, netd_fd_cb cb, void *data);
int netd_loop_mod(struct netd_loop *l, int fd, uint32_t events);
void netd_loop_del(struct netd_loop *l, int fd);

/* A one-shot timer after ms milliseconds; freed after it fires or by
 * netd_timer_cancel(). */
struct netd_timer *netd_timer_add(struct netd_loop *l, uint64_t ms, netd_timer_cb cb, void *data);
void netd_timer_cancel(struct netd_loop *l, struct netd_timer *t);

/* Run until netd_loop_quit(); 0 or -errno from epoll. */
int netd_loop_run(struct netd_loop *l);
/* One round, waiting at most timeout_ms (-1 = until something happens);
 * returns the number of callbacks run or -errno.  For tests. */
int netd_loop_once(struct netd_loop *l, int timeout_ms);
void netd_loop_quit(struct netd_loop *l);

uint64_t netd_now_ms(void);

#endif
