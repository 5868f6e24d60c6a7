/*
 * /proc readers and parsers (procfs.h).
 */
#include "core/procfs.h"
#include "common/fileio.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int procfs_read(const char *root, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) >= sizeof(path))
		return -ENAMETOOLONG;
	n = fileio_read_small(path, buf, len);
	if (n < 0)
		return (int)n;
	return n ? 0 : -EIO;
}

int procfs_loadavg_parse(const char *text, double load[3])
{
	return sscanf(text, "%lf %lf %lf", &load[0], &load[1], &load[2]) == 3 ? 0 : -EINVAL;
}

int procfs_uptime_parse(const char *text, uint64_t *ms)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(text, &end);
	if (errno || end == text || s < 0)
		return -EINVAL;
	*ms = (uint64_t)(s * 1000.0 + 0.5);
	return 0;
}

unsigned procfs_cpus_parse(const char *stat_text)
{
	const char *p = stat_text;
	unsigned n = 0;

	while (p && *p) {
		if (!strncmp(p, "cpu", 3) && p[3] >= '0' && p[3] <= '9')
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

int procfs_pid_stat_parse(const char *text, struct procfs_pid_stat *out)
{
	unsigned long long utime, stime, start;
	long long rss;
	const char *p = text ? strrchr(text, ')') : NULL;

	/* after "pid (comm)": state is field 3 */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu"
			 " %*d %*d %*d %*d %*d %*d %llu %*u %lld",
			 &utime, &stime, &start, &rss) != 4 || rss < 0)
		return -EINVAL;
	out->cpu_ticks = utime + stime;
	out->start_ticks = start;
	out->rss_pages = (uint64_t)rss;
	return 0;
}
