/*
 * Logging: one line per message, to stderr with a timestamp when running in
 * the foreground, to syslog otherwise.  Daemons call log_init() once.
 *
 * Repeated lines are rate-limited: a line that differs from an earlier one
 * only in its numbers (digits inside a word, as in "web2", count as text)
 * is a repeat.  Within a window of LOG_REPEAT_WINDOW_MS a line prints at
 * most LOG_REPEAT_BURST times; the rest are counted, and once the window
 * has passed, the next message or log_flush_repeats() first prints "<the
 * last suppressed line> (repeated N times)".  So no peer can make a daemon
 * write gigabytes by repeating what it logs about.
 */
#ifndef CROFT_LOG_H
#define CROFT_LOG_H

#include <stdint.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

#define LOG_REPEAT_WINDOW_MS 10000
#define LOG_REPEAT_BURST     5

void log_init(const char *ident, int to_stderr, enum log_level max);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print the summaries of the windows that have ended. */
void log_flush_repeats(void);
/* The clock for the windows (monotonic milliseconds); NULL restores the
 * real one.  A seam for tests, which also reset the counters with it. */
void log_set_clock(uint64_t (*now_ms)(void));

#define log_err(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
