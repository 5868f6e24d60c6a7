/*
 * KSM tuning (ksm.h): the plan and the sysfs writes.
 */
#include "core/ksm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int ksm_mode_parse(const char *s, enum ksm_mode *mode)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "auto"))
		*mode = KSM_AUTO;
	else if (!strcmp(s, "on"))
		*mode = KSM_ON;
	else if (!strcmp(s, "off"))
		*mode = KSM_OFF;
	else
		return -EINVAL;
	return 0;
}

void ksm_plan(enum ksm_mode mode, uint64_t total_mib, uint64_t avail_mib, double psi_some10,
	      const struct ksm_tune *cur, struct ksm_tune *next)
{
	int short_of = (total_mib && avail_mib < total_mib / 5) || psi_some10 >= KSM_PSI_PCT;
	unsigned pages = cur->pages_to_scan ? cur->pages_to_scan : KSM_NPAGES_MIN;
	uint64_t sleep;

	*next = *cur;
	if (mode == KSM_OFF)
		return;
	if (short_of)
		pages = pages + KSM_BOOST > KSM_NPAGES_MAX ? KSM_NPAGES_MAX : pages + KSM_BOOST;
	else
		pages = pages < KSM_NPAGES_MIN + KSM_DECAY ? KSM_NPAGES_MIN : pages - KSM_DECAY;
	next->pages_to_scan = pages;
	/* ksmtuned: 10 ms per 16 GiB, less on a bigger host, at least 10 */
	sleep = total_mib ? 10ULL * 16384 / total_mib : 10;
	next->sleep_ms = (unsigned)(sleep < 10 ? 10 : sleep > 1000 ? 1000 : sleep);
	next->run = mode == KSM_ON || short_of;
}

static int write_file(const char *dir, const char *name, unsigned value)
{
	char path[512], text[32];
	int fd, n, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	n = snprintf(text, sizeof(text), "%u\n", value);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, (size_t)n) != n)
		rc = errno ? -errno : -EIO;
	close(fd);
	return rc;
}

int ksm_apply(const char *dir, const struct ksm_tune *t, struct ksm_tune *written)
{
	int rc;

	if (t->pages_to_scan != written->pages_to_scan) {
		if ((rc = write_file(dir, "pages_to_scan", t->pages_to_scan)) < 0)
			return rc;
		written->pages_to_scan = t->pages_to_scan;
	}
	if (t->sleep_ms != written->sleep_ms) {
		if ((rc = write_file(dir, "sleep_millisecs", t->sleep_ms)) < 0)
			return rc;
		written->sleep_ms = t->sleep_ms;
	}
	if (t->run != written->run) {
		if ((rc = write_file(dir, "run", (unsigned)t->run)) < 0)
			return rc;
		written->run = t->run;
	}
	return 0;
}
