/*
 * Logging sink.  Before log_init() everything goes to stderr at INFO, so
 * tools and tests that never call it still see errors.
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

static int log_stderr = 1;
static enum log_level log_max = LOG_LVL_INFO;
static const char *log_ident = "croft";

void log_init(const char *ident, int to_stderr, enum log_level max)
{
	log_ident = ident;
	log_stderr = to_stderr;
	log_max = max;
	if (!to_stderr)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	va_list ap;

	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	if (log_stderr) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s %s: ", stamp, ts.tv_nsec / 1000000,
			log_ident, names[lvl]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio[lvl], fmt, ap);
	}
	va_end(ap);
}
