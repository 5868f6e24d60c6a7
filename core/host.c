/*
 * Host facts.  Read on demand: /proc/meminfo is cheap, and a stale figure
 * in `croft host info` would mislead more than it saves.
 */
#include "core/host.h"
#include "core/job_exec.h"
#include "core/procfs.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int meminfo_field(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(p + klen + 1, &end, 10);
			if (errno || end == p + klen + 1)
				return -EINVAL;
			*out = v;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

int host_meminfo_parse(const char *text, struct host_mem *m)
{
	memset(m, 0, sizeof(*m));
	if (meminfo_field(text, "MemTotal", &m->total_kib) < 0)
		return -EINVAL;
	if (meminfo_field(text, "MemAvailable", &m->available_kib) < 0)
		meminfo_field(text, "MemFree", &m->available_kib);
	meminfo_field(text, "SwapTotal", &m->swap_total_kib);
	meminfo_field(text, "SwapFree", &m->swap_free_kib);
	return 0;
}

int host_meminfo(struct host_mem *m)
{
	char buf[8192];
	int r = procfs_read("/proc", "meminfo", buf, sizeof(buf));

	if (r < 0)
		return r;
	return host_meminfo_parse(buf, m);
}

unsigned host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

char *host_qemu_version_parse(const char *text)
{
	const char *p = text ? strstr(text, "version ") : NULL;
	size_t n = 0;

	if (!p)
		return NULL;
	p += strlen("version ");
	while (isdigit((unsigned char)p[n]) || p[n] == '.')
		n++;
	if (!n)
		return NULL;
	return strndup(p, n);
}

char *host_qemu_version(const char *binary)
{
	char *argv[] = { (char *)binary, (char *)"--version", NULL };
	struct job_exec_spec spec = { .argv = argv, .out = JOB_EXEC_CAPTURE, .err = JOB_EXEC_NULL };
	struct job_exec_result res;
	char err[256], *v = NULL;

	if (job_exec_run_sync(&spec, &res, err, sizeof(err)) == 0 && res.status == 0)
		v = host_qemu_version_parse(res.out);
	job_exec_result_clear(&res);
	return v ? v : xstrdup("unknown");
}

int host_stat_cpu_parse(const char *text, uint64_t *busy, uint64_t *total)
{
	unsigned long long v[8] = { 0 };
	const char *p = text;
	int n;

	while (p && strncmp(p, "cpu ", 4)) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return -EINVAL;
	n = sscanf(p + 4, "%llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	if (n < 4)
		return -EINVAL;
	*total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	*busy = *total - v[3] - v[4];
	return 0;
}

int host_cpu_jiffies(uint64_t *busy, uint64_t *total)
{
	char buf[4096];
	int r = procfs_read("/proc", "stat", buf, sizeof(buf));

	if (r < 0)
		return r;
	return host_stat_cpu_parse(buf, busy, total);
}

int host_proc_stat_ticks_parse(const char *text, uint64_t *ticks)
{
	unsigned long long utime, stime;
	const char *p = text ? strrchr(text, ')') : NULL;

	/* after "pid (comm)": state is field 3, utime 14, stime 15 */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &utime, &stime) != 2)
		return -EINVAL;
	*ticks = utime + stime;
	return 0;
}

int host_proc_cpu_ms(int pid, uint64_t *ms)
{
	char rel[32], buf[1024];
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t ticks;
	int r;

	snprintf(rel, sizeof(rel), "%d/stat", pid);
	r = procfs_read("/proc", rel, buf, sizeof(buf));
	if (r < 0)
		return r;
	r = host_proc_stat_ticks_parse(buf, &ticks);
	if (r < 0)
		return r;
	*ms = ticks * 1000 / (uint64_t)(hz > 0 ? hz : 100);
	return 0;
}
