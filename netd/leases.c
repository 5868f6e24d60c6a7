/*
 * Lease file parsing.  Each line is split on blanks into at most five
 * fields and every field is checked: a decimal expiry, a NIC's MAC in
 * colon form and a dotted IPv4 address (by common/addr.h's rules), a
 * printable host name (cut to NETD_NAME_LEN - 1 characters).  The reader
 * walks net/ for numeric directory names, the same layout dnsmasq.c writes.
 */
#include "netd/leases.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_expiry(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int parse_host(const char *s, char *out)
{
	size_t len = strlen(s), i;

	if (!strcmp(s, "*")) {
		out[0] = '\0';
		return 0;
	}
	for (i = 0; i < len; i++)
		if (!isgraph((unsigned char)s[i]))
			return -1;
	/* a DHCP host name may be longer than the protocol carries: cut it */
	if (len >= NETD_NAME_LEN)
		len = NETD_NAME_LEN - 1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/* One line (NUL-terminated, no newline) into *l; 0 or -1. */
static int parse_line(char *line, struct netd_lease *l)
{
	char *f[5], *save = NULL, *tok;
	int nf = 0;

	for (tok = strtok_r(line, " \t\r", &save); tok && nf < 5; tok = strtok_r(NULL, " \t\r", &save))
		f[nf++] = tok;
	if (nf < 4)
		return -1;
	/* dnsmasq writes MACs colon-separated */
	if (parse_expiry(f[0], &l->expires) < 0 || addr_mac_parse(f[1], l->mac, NULL, 0) < 0 ||
	    f[1][2] != ':' ||
	    addr_parse("address", f[2], &l->ip, NULL, 0) < 0 || parse_host(f[3], l->hostname) < 0)
		return -1;
	return 0;
}

size_t leases_parse(const char *text, uint32_t net_id, struct netd_lease **out, size_t *n)
{
	const char *p = text;
	size_t skipped = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct netd_lease l;
		char *line;

		if (len == 0) {
			p += 1;
			continue;
		}
		line = xmalloc(len + 1);
		memcpy(line, p, len);
		line[len] = '\0';
		memset(&l, 0, sizeof(l));
		l.net_id = net_id;
		if (parse_line(line, &l) < 0 || *n >= LEASES_MAX) {
			skipped++;
		} else {
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = l;
		}
		free(line);
		p += len;
		if (*p == '\n')
			p++;
	}
	return skipped;
}

static char *slurp(const char *path, int *rc)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	*rc = 0;
	if (!f) {
		*rc = errno == ENOENT ? 0 : -errno;
		return NULL;
	}
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap + 1);
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	if (ferror(f))
		*rc = -EIO;
	fclose(f);
	buf[len] = '\0';
	return buf;
}

int leases_read_all(const char *run_dir, struct netd_lease **out, size_t *n,
		    char *err, size_t errlen)
{
	char *dir = xasprintf("%s/net", run_dir);
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		rc = errno == ENOENT ? 0 : -errno;
		if (rc)
			err_set(err, errlen, "cannot read %s: %s", dir, strerror(-rc));
		free(dir);
		return rc;
	}
	while ((e = readdir(d))) {
		const char *p;
		char *path, *text;
		int r;

		for (p = e->d_name; *p && isdigit((unsigned char)*p); p++)
			;
		if (*p || !e->d_name[0] || strlen(e->d_name) > 9)
			continue;
		path = xasprintf("%s/%s/leases", dir, e->d_name);
		text = slurp(path, &r);
		if (r < 0 && !rc) {
			rc = r;
			err_set(err, errlen, "cannot read %s: %s", path, strerror(-r));
		}
		if (text)
			leases_parse(text, (uint32_t)strtoul(e->d_name, NULL, 10), out, n);
		free(text);
		free(path);
	}
	closedir(d);
	free(dir);
	return rc;
}
