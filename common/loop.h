/*
 * The event loop of croftd and croft-netd: one epoll set, callbacks per
 * file descriptor, and one-shot timers.  Single-threaded.  A callback may
 * add or remove any fd or timer, including its own; removal takes effect
 * at once and no callback runs for a removed entry afterwards.
 *
 * Timers cost no file descriptor and no system call: they wait in a heap
 * ordered by deadline (then by the order they were added), and the wait
 * for events ends at the earliest deadline.  So a timer can be armed even
 * when the process is out of descriptors.
 */
#ifndef CROFT_LOOP_H
#define CROFT_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct loop;
struct loop_timer;

typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *data);
typedef void (*loop_timer_cb)(struct loop *l, struct loop_timer *t, void *data);

struct loop *loop_new(void);
/* Closes nothing: the owners of the fds close them. */
void loop_free(struct loop *l);

/* events: EPOLLIN, EPOLLOUT...  0 or -errno. The fd stays the caller's. */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *data);
int loop_mod(struct loop *l, int fd, uint32_t events);
void loop_del(struct loop *l, int fd);

/* A one-shot timer firing after ms milliseconds (at the earliest; 0 fires
 * at the next run); never NULL.  Timers due at the same moment fire in the
 * order they were added; one added by a callback fires in a later batch at
 * the earliest.  The timer is freed after its callback returns, or by
 * loop_timer_cancel(); cancelling it again in the same batch, or from its
 * own callback, is harmless. */
struct loop_timer *loop_timer_add(struct loop *l, uint64_t ms, loop_timer_cb cb, void *data);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* Run until loop_quit(); 0, or -errno if epoll itself fails. */
int loop_run(struct loop *l);
/* Run one batch of ready events, waiting at most timeout_ms (-1: forever).
 * Returns the number of callbacks run, or -errno.  For tests. */
int loop_run_once(struct loop *l, int timeout_ms);
void loop_quit(struct loop *l);

/* Monotonic milliseconds. */
uint64_t loop_now_ms(void);
/* The calling thread's CPU time in ns (CLOCK_THREAD_CPUTIME_ID): what a
 * callback cost, for croftd's own accounting (service.c, qmp.c). */
uint64_t loop_thread_cpu_ns(void);
/* The wall clock: unix milliseconds. */
int64_t loop_wall_ms(void);

#endif
