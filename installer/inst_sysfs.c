/*
 * Disks and NICs from sysfs (inst_sysfs.h).  Every attribute is optional
 * except a disk's size: a missing model or serial is shown as unknown, and
 * a NIC whose carrier cannot be read (the link is down) has none.
 */
#include "installer/inst_sysfs.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *inst_sysfs_root(void)
{
	const char *r = getenv("CROFT_SYSFS_ROOT");

	return r && *r ? r : "/sys";
}

/* The first line of root/rel..., trimmed of surrounding blanks and
 * unprintable bytes: its length, or -1 when it cannot be read. */
static int read_attr(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int read_attr(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	FILE *f;
	size_t n, i, o = 0;
	char raw[512];

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(raw, 1, sizeof(raw) - 1, f);
	if (ferror(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	raw[n] = '\0';
	for (i = 0; i < n && raw[i] != '\n' && o + 1 < len; i++)
		if (isprint((unsigned char)raw[i]))
			buf[o++] = raw[i];
	while (o > 0 && buf[o - 1] == ' ')
		o--;
	buf[o] = '\0';
	for (i = 0; buf[i] == ' '; i++)
		;
	memmove(buf, buf + i, o - i + 1);
	return (int)(o - i);
}

static int skip_disk(const char *name)
{
	static const char *const prefixes[] = { "loop", "ram", "zram", "sr", "fd", "dm-", "md",
						"nbd", "mtdblock", NULL };
	size_t i;

	if (name[0] == '.')
		return 1;
	/* tests install onto a loop device named by a fake sysfs */
	if (!strncmp(name, "loop", 4) && getenv("CROFT_INSTALL_ALLOW_LOOP"))
		return 0;
	for (i = 0; prefixes[i]; i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/* SCSI/ATA disks carry their serial in VPD page 0x80: a 4-byte header, the
 * length in byte 3, then the text. */
static void read_vpd80(const char *root, const char *name, char *out, size_t len)
{
	char path[PATH_MAX];
	unsigned char raw[260];
	size_t n, i, o = 0, l;
	FILE *f;

	snprintf(path, sizeof(path), "%s/block/%s/device/vpd_pg80", root, name);
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(raw, 1, sizeof(raw), f);
	fclose(f);
	if (n < 4)
		return;
	l = raw[3];
	for (i = 4; i < n && i < 4 + l && o + 1 < len; i++)
		if (isprint(raw[i]) && !(o == 0 && raw[i] == ' '))
			out[o++] = (char)raw[i];
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static int read_disk(const char *root, const char *name, struct inst_disk *d)
{
	char buf[64], *end;
	unsigned long long sectors;

	memset(d, 0, sizeof(*d));
	if (strlen(name) >= sizeof(d->name))
		return 0;
	if (read_attr(buf, sizeof(buf), "%s/block/%s/size", root, name) <= 0)
		return 0;
	errno = 0;
	sectors = strtoull(buf, &end, 10);
	if (errno || *end || sectors == 0)
		return 0;
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->path, sizeof(d->path), "/dev/%s", name);
	d->size = (uint64_t)sectors * 512;
	if (read_attr(d->model, sizeof(d->model), "%s/block/%s/device/model", root, name) < 0)
		d->model[0] = '\0';
	if (read_attr(d->serial, sizeof(d->serial), "%s/block/%s/serial", root, name) <= 0 &&
	    read_attr(d->serial, sizeof(d->serial), "%s/block/%s/device/serial", root, name) <= 0)
		read_vpd80(root, name, d->serial, sizeof(d->serial));
	if (read_attr(buf, sizeof(buf), "%s/block/%s/removable", root, name) > 0)
		d->removable = buf[0] == '1';
	if (read_attr(buf, sizeof(buf), "%s/block/%s/queue/rotational", root, name) > 0)
		d->rotational = buf[0] == '1';
	return 1;
}

static int cmp_disk(const void *a, const void *b)
{
	return strcmp(((const struct inst_disk *)a)->name, ((const struct inst_disk *)b)->name);
}

static int cmp_nic(const void *a, const void *b)
{
	return strcmp(((const struct inst_nic *)a)->name, ((const struct inst_nic *)b)->name);
}

static int read_nic(const char *root, const char *name, struct inst_nic *nic)
{
	char path[PATH_MAX], link[PATH_MAX], buf[64];
	const char *base;
	ssize_t l;

	memset(nic, 0, sizeof(*nic));
	if (strlen(name) >= sizeof(nic->name))
		return 0;
	snprintf(path, sizeof(path), "%s/class/net/%s/device", root, name);
	if (access(path, F_OK) < 0)
		return 0;   /* virtual: lo, bridges, taps, veths */
	snprintf(nic->name, sizeof(nic->name), "%s", name);
	if (read_attr(buf, sizeof(buf), "%s/class/net/%s/address", root, name) > 0)
		addr_mac_parse(buf, nic->mac, NULL, 0);
	if (read_attr(buf, sizeof(buf), "%s/class/net/%s/carrier", root, name) > 0)
		nic->carrier = buf[0] == '1';
	snprintf(path, sizeof(path), "%s/class/net/%s/device/driver", root, name);
	l = readlink(path, link, sizeof(link) - 1);
	if (l > 0) {
		link[l] = '\0';
		base = strrchr(link, '/');
		if (snprintf(nic->driver, sizeof(nic->driver), "%s", base ? base + 1 : link) >=
		    (int)sizeof(nic->driver))
			nic->driver[0] = '\0';
	}
	return 1;
}

/* The entries of root/sub that read() takes, sorted by cmp, in a malloc'd
 * array of size-byte elements; what names them in the error. */
static int scan(const char *root, const char *sub, const char *what, size_t size,
		int (*read)(const char *root, const char *name, void *out),
		int (*cmp)(const void *, const void *), void **out, size_t *n,
		char *err, size_t errlen)
{
	char path[PATH_MAX];
	char *v = NULL, *one = xmalloc(size);
	struct dirent *de;
	size_t cnt = 0;
	DIR *dir;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", root, sub);
	dir = opendir(path);
	if (!dir) {
		int e = errno;

		free(one);
		err_set(err, errlen, "cannot list the %s in %s: %s", what, path, strerror(e));
		return -e;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || !read(root, de->d_name, one))
			continue;
		v = xrealloc(v, (cnt + 1) * size);
		memcpy(v + cnt++ * size, one, size);
	}
	closedir(dir);
	free(one);
	if (cnt)
		qsort(v, cnt, size, cmp);
	*out = v;
	*n = cnt;
	return 0;
}

static int read_disk_any(const char *root, const char *name, void *out)
{
	return !skip_disk(name) && read_disk(root, name, out);
}

static int read_nic_any(const char *root, const char *name, void *out)
{
	return read_nic(root, name, out);
}

int inst_disks_list(const char *root, struct inst_disk **out, size_t *n, char *err, size_t errlen)
{
	void *v;
	int rc = scan(root, "block", "disks", sizeof(**out), read_disk_any, cmp_disk, &v, n,
		      err, errlen);

	*out = v;
	return rc;
}

int inst_nics_list(const char *root, struct inst_nic **out, size_t *n, char *err, size_t errlen)
{
	void *v;
	int rc = scan(root, "class/net", "network interfaces", sizeof(**out), read_nic_any,
		      cmp_nic, &v, n, err, errlen);

	*out = v;
	return rc;
}

static char *dump_array(json_t *a)
{
	char *s = json_dumps(a, JSON_PRESERVE_ORDER | JSON_COMPACT);

	json_decref(a);
	if (!s)
		abort();
	return s;
}

char *inst_disks_json(const struct inst_disk *d, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:I, s:b, s:b}",
			"name", d[i].name, "path", d[i].path, "model", d[i].model,
			"serial", d[i].serial, "size", (json_int_t)d[i].size,
			"removable", d[i].removable, "rotational", d[i].rotational));
	return dump_array(a);
}

char *inst_nics_json(const struct inst_nic *nics, size_t n)
{
	char mac[ADDR_MAC_STRLEN];
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:s}",
			"name", nics[i].name, "mac", addr_mac_str(nics[i].mac, mac),
			"carrier", nics[i].carrier, "driver", nics[i].driver));
	return dump_array(a);
}

const char *inst_size_human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}
