/*
 * Logging sink.  Before log_init() everything goes to stderr at INFO, so
 * tools and tests that never call it still see errors.
 *
 * The repeat limiter keeps a few slots, one per recent line, keyed by the
 * line's text with its numbers blanked, so "refused pid 12" and "refused
 * pid 13" are repeats of one line (but "VM web1" and "VM web2" are not).  A slot counts the lines of its current
 * window; past the burst it keeps only the last line and a count, for the
 * summary.  When the slots are full the oldest is summarized and reused.
 */
#include "common/log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#define LOG_SLOTS 16
#define LOG_LINE_MAX 2048

struct log_slot {
	uintptr_t key;            /* 0: free */
	enum log_level lvl;
	uint64_t start;           /* the window's start */
	unsigned printed;         /* lines printed in the window */
	unsigned suppressed;      /* lines counted instead */
	char last[LOG_LINE_MAX];  /* the last line suppressed */
};

static int log_stderr = 1;
static enum log_level log_max = LOG_LVL_INFO;
static const char *log_ident = "croft";
static struct log_slot log_slots[LOG_SLOTS];

static uint64_t log_real_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t (*log_clock)(void) = log_real_clock;

void log_init(const char *ident, int to_stderr, enum log_level max)
{
	log_ident = ident;
	log_stderr = to_stderr;
	log_max = max;
	if (!to_stderr)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

void log_set_clock(uint64_t (*now_ms)(void))
{
	log_clock = now_ms ? now_ms : log_real_clock;
	memset(log_slots, 0, sizeof(log_slots));
}

static void log_emit(enum log_level lvl, const char *line)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if (log_stderr) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s %s: %s\n", stamp, ts.tv_nsec / 1000000,
			log_ident, names[lvl], line);
	} else {
		syslog(prio[lvl], "%s", line);
	}
}

/* Print a slot's summary, if it has one, and free it. */
static void slot_end(struct log_slot *s)
{
	if (s->suppressed) {
		char line[LOG_LINE_MAX + 64];

		snprintf(line, sizeof(line), "%s (repeated %u times)", s->last, s->suppressed);
		log_emit(s->lvl, line);
	}
	s->key = 0;
	s->printed = s->suppressed = 0;
}

static void slots_expire(uint64_t now)
{
	size_t i;

	for (i = 0; i < LOG_SLOTS; i++)
		if (log_slots[i].key && now - log_slots[i].start >= LOG_REPEAT_WINDOW_MS)
			slot_end(&log_slots[i]);
}

void log_flush_repeats(void)
{
	slots_expire(log_clock());
}

/* The slot for key: its own, a free one, or the oldest (summarized). */
static struct log_slot *slot_get(uintptr_t key, enum log_level lvl, uint64_t now)
{
	struct log_slot *oldest = NULL;
	size_t i;

	for (i = 0; i < LOG_SLOTS; i++)
		if (log_slots[i].key == key)
			return &log_slots[i];
	for (i = 0; i < LOG_SLOTS; i++) {
		struct log_slot *s = &log_slots[i];

		if (!s->key) {
			oldest = s;
			break;
		}
		if (!oldest || s->start < oldest->start)
			oldest = s;
	}
	slot_end(oldest);
	oldest->key = key;
	oldest->lvl = lvl;
	oldest->start = now;
	return oldest;
}

/* FNV-1a of the line with every number as one '#' (pids, counts and sizes
 * vary between repeats; digits inside a word, as in a name "web2", stay),
 * never 0 (a free slot's key). */
static uintptr_t line_key(const char *line)
{
	uint64_t h = 1469598103934665603ull;
	unsigned char c, prev = ' ';

	while ((c = (unsigned char)*line++)) {
		if (isdigit(c) && !isalnum(prev)) {
			while (isdigit((unsigned char)*line))
				line++;
			c = '#';
		}
		prev = c;
		h = (h ^ c) * 1099511628211ull;
	}
	return (uintptr_t)(h | 1);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	struct log_slot *s;
	uint64_t now;
	va_list ap;

	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	now = log_clock();
	slots_expire(now);
	s = slot_get(line_key(line), lvl, now);
	if (s->printed >= LOG_REPEAT_BURST) {
		s->suppressed++;
		memcpy(s->last, line, sizeof(line));
		return;
	}
	s->printed++;
	log_emit(lvl, line);
}
