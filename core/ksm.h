/*
 * KSM tuned by memory pressure, as ksmtuned does: when the host is short
 * of memory (MemAvailable under a fifth of MemTotal, or memory pressure)
 * KSM runs and scans more pages each round (KSM_BOOST more, up to
 * KSM_NPAGES_MAX), sleeping less on a bigger host; when it has room the
 * scan rate decays and KSM stops.  Mode "on" keeps it running (the rate
 * still follows pressure), "off" leaves the kernel's settings alone.
 *
 * ksm_plan is pure; ksm_apply writes run, pages_to_scan and
 * sleep_millisecs in a directory (a seam: /sys/kernel/mm/ksm, or a test's
 * own), only the values that differ from the last written.
 */
#ifndef CROFT_KSM_H
#define CROFT_KSM_H

#include <stddef.h>
#include <stdint.h>

#define KSM_DIR "/sys/kernel/mm/ksm"
#define KSM_NPAGES_MIN 64
#define KSM_NPAGES_MAX 1250
#define KSM_BOOST 300
#define KSM_DECAY 50
#define KSM_PSI_PCT 1.0

enum ksm_mode { KSM_AUTO, KSM_ON, KSM_OFF };

struct ksm_tune {
	int run;                         /* 0 or 1 */
	unsigned pages_to_scan;
	unsigned sleep_ms;
};

/* The next tuning from the current one (run 0, pages 0 at first). */
void ksm_plan(enum ksm_mode mode, uint64_t total_mib, uint64_t avail_mib, double psi_some10,
	      const struct ksm_tune *cur, struct ksm_tune *next);

/* Write what differs from *written into dir (files missing: -ENOENT);
 * *written follows what was written. */
int ksm_apply(const char *dir, const struct ksm_tune *t, struct ksm_tune *written);

/* "auto", "on", "off" -> mode; -EINVAL for anything else. */
int ksm_mode_parse(const char *s, enum ksm_mode *mode);

#endif
