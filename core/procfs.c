/*
 * /proc readers and parsers (procfs.h).
 */
#include "core/procfs.h"
#include "common/fileio.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
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

struct kept_file {
	char *path;
	uint64_t hash;
	int fd;
	int read;                    /* since the last sweep */
};

struct procfs_kept {
	struct kept_file *f;
	size_t n, cap;
};

struct procfs_kept *procfs_kept_new(void)
{
	return xcalloc(1, sizeof(struct procfs_kept));
}

void procfs_kept_free(struct procfs_kept *k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < k->n; i++) {
		close(k->f[i].fd);
		free(k->f[i].path);
	}
	free(k->f);
	free(k);
}

static uint64_t path_hash(const char *p)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*p)
		h = (h ^ (unsigned char)*p++) * 0x100000001b3ULL;
	return h;
}

static void kept_drop(struct procfs_kept *k, size_t i)
{
	close(k->f[i].fd);
	free(k->f[i].path);
	k->f[i] = k->f[--k->n];
}

int procfs_kept_read(struct procfs_kept *k, const char *root, const char *rel, char *buf,
		     size_t len)
{
	char path[PATH_MAX];
	struct kept_file *f = NULL;
	uint64_t h;
	ssize_t n;
	size_t i;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) >= sizeof(path))
		return -ENAMETOOLONG;
	h = path_hash(path);
	for (i = 0; i < k->n && !f; i++)
		if (k->f[i].hash == h && !strcmp(k->f[i].path, path))
			f = &k->f[i];
	if (f) {
		f->read = 1;
		n = pread(f->fd, buf, len - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			return 0;
		}
		/* its process is gone: the path may name another now */
		kept_drop(k, (size_t)(f - k->f));
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 32;
		k->f = xrealloc(k->f, k->cap * sizeof(*k->f));
	}
	f = &k->f[k->n++];
	f->path = xstrdup(path);
	f->hash = h;
	f->fd = fd;
	f->read = 1;
	n = pread(f->fd, buf, len - 1, 0);
	if (n <= 0) {
		int r = n < 0 ? -errno : -EIO;

		kept_drop(k, (size_t)(f - k->f));
		return r;
	}
	buf[n] = '\0';
	return 0;
}

void procfs_kept_sweep(struct procfs_kept *k)
{
	size_t i = 0;

	while (i < k->n) {
		if (!k->f[i].read) {
			kept_drop(k, i);
			continue;
		}
		k->f[i++].read = 0;
	}
}

size_t procfs_kept_count(const struct procfs_kept *k)
{
	return k ? k->n : 0;
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

int procfs_statm_rss_parse(const char *text, uint64_t *rss_pages)
{
	unsigned long long rss;

	if (!text || sscanf(text, "%*u %llu", &rss) != 1)
		return -EINVAL;
	*rss_pages = rss;
	return 0;
}

const char *const procfs_cpu_mode_names[PROCFS_CPU_NMODES] = {
	"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
};

/* The start of the line beginning with prefix, or NULL. */
static const char *line_with(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, prefix, n))
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

int procfs_cpu_modes_parse(const char *stat_text, uint64_t modes[PROCFS_CPU_NMODES])
{
	const char *p = stat_text ? line_with(stat_text, "cpu ") : NULL;
	unsigned long long v[PROCFS_CPU_NMODES] = { 0 };
	int n, i;

	if (!p)
		return -EINVAL;
	n = sscanf(p + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]);
	if (n < 4)
		return -EINVAL;
	for (i = 0; i < PROCFS_CPU_NMODES; i++)
		modes[i] = v[i];
	return 0;
}

int procfs_schedstat_parse(const char *text, uint64_t *run_ns, uint64_t *delay_ns)
{
	unsigned long long run, delay;

	if (!text || sscanf(text, "%llu %llu", &run, &delay) != 2)
		return -EINVAL;
	*run_ns = run;
	*delay_ns = delay;
	return 0;
}

int procfs_keyval_find(const char *text, const char *name, uint64_t *out)
{
	size_t n = strlen(name);
	const char *p = text;
	unsigned long long v;

	while (p && *p) {
		if (!strncmp(p, name, n) && (p[n] == ' ' || p[n] == '\t') &&
		    sscanf(p + n, "%llu", &v) == 1) {
			*out = v;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

static int psi_line(const char *line, double *avg10, uint64_t *total)
{
	unsigned long long t;

	if (!line || sscanf(line, "%*s avg10=%lf avg60=%*f avg300=%*f total=%llu", avg10, &t) != 2)
		return -EINVAL;
	*total = t;
	return 0;
}

int procfs_psi_parse(const char *text, struct procfs_psi *out)
{
	memset(out, 0, sizeof(*out));
	if (!text || psi_line(line_with(text, "some "), &out->some_avg10, &out->some_total_us) < 0)
		return -EINVAL;
	out->full_known = psi_line(line_with(text, "full "), &out->full_avg10,
				   &out->full_total_us) == 0;
	return 0;
}

int procfs_netdev_find(const char *text, const char *ifname, struct procfs_netdev *out)
{
	size_t n = strlen(ifname);
	const char *p = text;
	unsigned long long v[12];

	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, ifname, n) && p[n] == ':') {
			if (sscanf(p + n + 1, "%llu %llu %*u %llu %*u %*u %*u %*u %llu %llu %*u %llu",
				   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
				return -EINVAL;
			out->rx_bytes = v[0];
			out->rx_packets = v[1];
			out->rx_drops = v[2];
			out->tx_bytes = v[3];
			out->tx_packets = v[4];
			out->tx_drops = v[5];
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}
