/*
 * Host facts.  Read on demand: /proc/meminfo is cheap, and a stale figure
 * in `croft host info` would mislead more than it saves.
 */
#include "core/host.h"
#include "core/pool.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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
	ssize_t n;
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
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
	char *out = NULL, *err = NULL, *v = NULL;

	if (pool_exec->run(argv, &out, &err) == 0)
		v = host_qemu_version_parse(out);
	free(out);
	free(err);
	return v ? v : xstrdup("unknown");
}
