/*
 * The attended installer's pure steps (ui.h): the engine's disk and NIC
 * lists, the answer file written from the answers and read back, the
 * password hash and the progress lines.
 *
 * The chosen disk is named in the answer file by every mark it has (its
 * serial, its model and its size to the KiB), each written as a glob that
 * matches only itself; the chosen NIC by its MAC.  The text is then parsed
 * as the engine will parse it, and the filters applied to the same lists
 * the engine found, so an answer file that would pick another disk (two
 * identical disks without serials) is refused here, before anything runs.
 */
#include "installer/ui.h"
#include "common/addr.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <crypt.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ui_answers_init(struct ui_answers *u)
{
	memset(u, 0, sizeof(*u));
	u->disk = -1;
	u->nic = -1;
	u->dhcp = 1;
	snprintf(u->fs, sizeof(u->fs), "ext4");
	snprintf(u->timezone, sizeof(u->timezone), "UTC");
}

/* --- the engine's lists ---------------------------------------------------- */

static int copy_str(char *dst, size_t len, const json_t *o, const char *key)
{
	const char *v = jget_str(o, key, "");

	snprintf(dst, len, "%s", v);
	return strlen(v) < len ? 0 : -1;
}

static json_t *load_array(const char *json, const char *what, char *err, size_t errlen)
{
	json_error_t je;
	json_t *a = json_loads(json ? json : "", 0, &je);

	if (!a || !json_is_array(a)) {
		err_set(err, errlen, "croft-install's %s list is not a JSON array%s%s", what,
			a ? "" : ": ", a ? "" : je.text);
		json_decref(a);
		return NULL;
	}
	return a;
}

int ui_disks_parse(const char *json, struct ui_disk **out, size_t *n, char *err, size_t errlen)
{
	json_t *a = load_array(json, "disk", err, errlen), *o;
	struct ui_disk *d;
	size_t i;

	if (!a)
		return -EINVAL;
	d = xcalloc(json_array_size(a) + 1, sizeof(*d));
	json_array_foreach(a, i, o) {
		json_int_t size = json_integer_value(json_object_get(o, "size"));

		if (!json_is_object(o) || copy_str(d[i].name, sizeof(d[i].name), o, "name") ||
		    !d[i].name[0] || copy_str(d[i].path, sizeof(d[i].path), o, "path") ||
		    d[i].path[0] != '/' || size <= 0) {
			err_set(err, errlen, "croft-install's disk %zu lacks a name, a path or a size", i + 1);
			free(d);
			json_decref(a);
			return -EINVAL;
		}
		copy_str(d[i].model, sizeof(d[i].model), o, "model");
		copy_str(d[i].serial, sizeof(d[i].serial), o, "serial");
		d[i].size = (uint64_t)size;
		d[i].removable = jget_bool(o, "removable", 0);
		d[i].rotational = jget_bool(o, "rotational", 0);
	}
	*n = json_array_size(a);
	*out = d;
	json_decref(a);
	return 0;
}

int ui_nics_parse(const char *json, struct ui_nic **out, size_t *n, char *err, size_t errlen)
{
	json_t *a = load_array(json, "NIC", err, errlen), *o;
	struct ui_nic *v;
	char why[128];
	size_t i;

	if (!a)
		return -EINVAL;
	v = xcalloc(json_array_size(a) + 1, sizeof(*v));
	json_array_foreach(a, i, o) {
		const json_t *c = json_object_get(o, "carrier");

		if (!json_is_object(o) || copy_str(v[i].name, sizeof(v[i].name), o, "name") ||
		    !v[i].name[0] || addr_mac_parse(jget_str(o, "mac", ""), v[i].mac, why, sizeof(why)) < 0) {
			err_set(err, errlen, "croft-install's NIC %zu lacks a name or a MAC", i + 1);
			free(v);
			json_decref(a);
			return -EINVAL;
		}
		v[i].carrier = json_is_boolean(c) ? json_is_true(c) :
			json_is_integer(c) ? json_integer_value(c) != 0 : -1;
		copy_str(v[i].driver, sizeof(v[i].driver), o, "driver");
	}
	*n = json_array_size(a);
	*out = v;
	json_decref(a);
	return 0;
}

static int read_u64(const char *path, uint64_t *v)
{
	char buf[64];
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -1;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	*v = strtoull(buf, NULL, 10);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

void ui_disk_partitions(const char *sysfs_root, struct ui_disk *d)
{
	char dir[512], path[800], size[24], *names[64];
	size_t nn = 0, i, len = 0, nlen = strlen(d->name);
	struct dirent *de;
	uint64_t sectors;
	DIR *dp;

	d->parts[0] = '\0';
	d->nparts = 0;
	snprintf(dir, sizeof(dir), "%s/block/%s", sysfs_root ? sysfs_root : "/sys", d->name);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((de = readdir(dp)) && nn < 64)
		if (!strncmp(de->d_name, d->name, nlen) && de->d_name[nlen])
			names[nn++] = xstrdup(de->d_name);
	closedir(dp);
	qsort(names, nn, sizeof(names[0]), cmp_names);
	for (i = 0; i < nn; i++) {
		snprintf(path, sizeof(path), "%s/%s/size", dir, names[i]);
		if (read_u64(path, &sectors) == 0) {
			size_format(sectors * 512, size, sizeof(size));
			if (len < sizeof(d->parts))
				len += (size_t)snprintf(d->parts + len, sizeof(d->parts) - len, "%s%s %s",
							d->nparts ? ", " : "", names[i], size);
			d->nparts++;
		}
		free(names[i]);
	}
}

char *ui_disk_describe(const struct ui_disk *d, char *buf, size_t len)
{
	char size[24];

	snprintf(buf, len, "%s, %s, %s%s%s", d->model[0] ? d->model : "unknown model",
		 size_format(d->size, size, sizeof(size)), d->serial[0] ? "serial " : "no serial",
		 d->serial, d->removable ? ", removable" : "");
	return buf;
}

char *ui_nic_describe(const struct ui_nic *n, char *buf, size_t len)
{
	char mac[ADDR_MAC_STRLEN];

	snprintf(buf, len, "%s, %s%s%s", addr_mac_str(n->mac, mac),
		 n->carrier > 0 ? "link up" : n->carrier == 0 ? "no link" : "link unknown",
		 n->driver[0] ? ", " : "", n->driver);
	return buf;
}

/* --- the answer file --------------------------------------------------------- */

/* s as a glob matching only itself, as one INI value: glob characters
 * escaped; what the INI reader would strip or cut (spaces at the ends,
 * ';' and '#', a leading quote) and control characters become '?'. */
static void glob_literal(const char *s, char *out, size_t len)
{
	size_t n = strlen(s), i, o = 0;

	for (i = 0; i < n && o + 3 < len; i++) {
		char c = s[i];

		if (strchr("*?[]\\", c)) {
			out[o++] = '\\';
			out[o++] = c;
		} else if ((unsigned char)c < 0x20 || c == 0x7f || c == ';' || c == '#' ||
			   ((i == 0 || i == n - 1) && (c == ' ' || c == '\t' || c == '"'))) {
			out[o++] = '?';
		} else {
			out[o++] = c;
		}
	}
	out[o] = '\0';
}

static void put(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if ((size_t)n < *cap - *len)
			break;
		*cap = *cap * 2 + (size_t)n;
		*buf = xrealloc(*buf, *cap);
	}
	*len += (size_t)n;
}

static char *format_answer(const struct ui_answers *u, const struct ui_disk *d,
			   const struct ui_nic *nic)
{
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap), glob[300], mac[ADDR_MAC_STRLEN], when[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &tm));
	buf[0] = '\0';
	put(&buf, &len, &cap, "# croft answer file, written by croft-installer on %s\n"
	    "# (docs/install.md: the answer file reference)\n\n[global]\n", when);
	put(&buf, &len, &cap, "hostname = %s\ntimezone = %s\n", u->hostname, u->timezone);
	if (u->hash[0])
		put(&buf, &len, &cap, "root-password-hashed = %s\n", u->hash);
	if (u->ssh_key[0])
		put(&buf, &len, &cap, "root-ssh-key = %s\n", u->ssh_key);
	put(&buf, &len, &cap, "\n[network]\nsource = %s\n", u->dhcp ? "dhcp" : "static");
	if (!u->dhcp)
		put(&buf, &len, &cap, "cidr = %s\ngateway = %s\ndns = %s\n", u->cidr, u->gateway,
		    u->dns);
	put(&buf, &len, &cap, "interface-mac = %s\n\n[disk]\n", addr_mac_str(nic->mac, mac));
	if (d->serial[0]) {
		glob_literal(d->serial, glob, sizeof(glob));
		put(&buf, &len, &cap, "filter-serial = %s\n", glob);
	}
	if (d->model[0]) {
		glob_literal(d->model, glob, sizeof(glob));
		put(&buf, &len, &cap, "filter-model = %s\n", glob);
	}
	put(&buf, &len, &cap, "filter-size = %lluK-%lluK\nfilesystem = %s\n",
	    (unsigned long long)(d->size / 1024), (unsigned long long)((d->size + 1023) / 1024), u->fs);
	return buf;
}

/* The text says what u says. */
static int same_answers(const struct answer *a, const struct ui_answers *u, char *err, size_t errlen)
{
	const char *what = NULL;

	if (strcmp(a->hostname, u->hostname))
		what = "hostname";
	else if (strcmp(a->timezone, u->timezone))
		what = "timezone";
	else if (strcmp(a->root_password_hashed, u->hash))
		what = "root password hash";
	else if (u->ssh_key[0] && (a->n_ssh_keys != 1 || strcmp(a->root_ssh_keys[0], u->ssh_key)))
		what = "SSH key (a ';' or '#' in its comment?)";
	else if (strcmp(a->disk.filesystem, u->fs))
		what = "filesystem";
	if (!what)
		return 0;
	err_set(err, errlen, "the answer file would not say the same %s; nothing was run", what);
	return -EINVAL;
}

void ui_answer_picks(const struct answer *a, const struct ui_disk *disks, size_t ndisks,
		     const struct ui_nic *nics, size_t nnics, int *disk, int *nic,
		     char *why, size_t whylen)
{
	struct answer_disk *ad = xcalloc(ndisks + 1, sizeof(*ad));
	struct answer_nic *an = xcalloc(nnics + 1, sizeof(*an));
	size_t i;

	for (i = 0; i < ndisks; i++)
		ad[i] = (struct answer_disk){ disks[i].name, disks[i].model, disks[i].serial,
					      disks[i].size };
	for (i = 0; i < nnics; i++) {
		an[i].name = nics[i].name;
		memcpy(an[i].mac, nics[i].mac, 6);
	}
	*disk = answer_disk_pick(a, ad, ndisks, why, whylen);
	*nic = *disk < 0 ? -1 : answer_nic_pick(a, an, nnics, why, whylen);
	free(ad);
	free(an);
}

static int check_picks(const struct answer *a, const struct ui_answers *u,
		       const struct ui_disk *disks, size_t ndisks,
		       const struct ui_nic *nics, size_t nnics, char *err, size_t errlen)
{
	char why[256];
	int disk, nic;

	ui_answer_picks(a, disks, ndisks, nics, nnics, &disk, &nic, why, sizeof(why));
	if (disk != u->disk) {
		err_set(err, errlen, "%s cannot be told apart from the other disks by its serial, "
			"model and size (%s); nothing was run", disks[u->disk].path,
			disk < 0 ? why : disks[disk].path);
		return -EEXIST;
	}
	if (nic != u->nic) {
		err_set(err, errlen, "%s cannot be told apart from the other NICs by its MAC (%s); "
			"nothing was run", nics[u->nic].name, nic < 0 ? why : nics[nic].name);
		return -EEXIST;
	}
	return 0;
}

char *ui_answer_text(const struct ui_answers *u, const struct ui_disk *disks, size_t ndisks,
		     const struct ui_nic *nics, size_t nnics, char *err, size_t errlen)
{
	struct answer *a;
	char *text;
	int rc;

	if (u->disk < 0 || (size_t)u->disk >= ndisks || u->nic < 0 || (size_t)u->nic >= nnics) {
		err_set(err, errlen, "no %s chosen", u->disk < 0 || (size_t)u->disk >= ndisks ?
			"target disk" : "network interface");
		return NULL;
	}
	text = format_answer(u, &disks[u->disk], &nics[u->nic]);
	a = xcalloc(1, sizeof(*a));
	rc = answer_parse(text, strlen(text), a, err, errlen);
	if (rc == 0)
		rc = same_answers(a, u, err, errlen);
	if (rc == 0)
		rc = check_picks(a, u, disks, ndisks, nics, nnics, err, errlen);
	free(a);
	if (rc < 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* --- the password ---------------------------------------------------------------- */

int ui_hash_password(const char *password, char *out, size_t outlen, char *err, size_t errlen)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE], why[200];
	struct crypt_data *cd;
	const char *h;
	int rc = 0;

	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof(setting))) {
		rc = errno ? -errno : -EINVAL;
		err_set(err, errlen, "cannot make a yescrypt salt: %s", strerror(-rc));
		return rc;
	}
	cd = xcalloc(1, sizeof(*cd));
	h = crypt_rn(password, setting, cd, sizeof(*cd));
	if (!h || h[0] != '$' || strlen(h) >= outlen) {
		rc = errno ? -errno : -EINVAL;
		err_set(err, errlen, "cannot hash the password with yescrypt: %s", strerror(-rc));
	} else if (answer_hash_check(h, why, sizeof(why)) < 0) {
		rc = -EINVAL;
		err_set(err, errlen, "crypt(3) made a hash the answer file refuses: %s", why);
	} else {
		snprintf(out, outlen, "%s", h);
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

/* --- progress ------------------------------------------------------------------ */

void ui_progress_parse(const char *line, struct ui_progress *p)
{
	size_t n = strcspn(line, "\r\n");
	char *end;
	long pct;

	memset(p, 0, sizeof(*p));
	if (n == 4 && !strncmp(line, "done", 4)) {
		p->kind = UI_PROGRESS_DONE;
		return;
	}
	if (!strncmp(line, "error ", 6) && n > 6) {
		p->kind = UI_PROGRESS_ERROR;
		snprintf(p->text, sizeof(p->text), "%.*s", (int)(n - 6), line + 6);
		return;
	}
	if (!strncmp(line, "progress ", 9)) {
		pct = strtol(line + 9, &end, 10);
		if (end > line + 9 && (*end == ' ' || end == line + n) && pct >= 0 && pct <= 100) {
			p->kind = UI_PROGRESS_STEP;
			p->pct = (int)pct;
			if (*end == ' ')
				end++;
			snprintf(p->text, sizeof(p->text), "%.*s", (int)(line + n - end), end);
			return;
		}
	}
	snprintf(p->text, sizeof(p->text), "%.*s", (int)n, line);
}

/* --- the layout, as shown ------------------------------------------------------------ */

char *ui_layout_line(const struct inst_layout *l, size_t k, const char *fs, char *buf, size_t len)
{
	static const char *const what[] = { "BIOS boot", "EFI system (FAT32)", "root", "croft data" };
	static const char *const where[] = { "(GRUB, legacy BIOS)", "/boot/efi", "/",
					     "/var/lib/croft/pools (VM disks, ISOs)" };
	char size[24], fsname[32];

	snprintf(fsname, sizeof(fsname), "%s (%s)", what[k], fs);
	size_format(l->part[k].size, size, sizeof(size));
	snprintf(buf, len, "%zu  %-20s %8s  %s", k + 1, k >= 2 ? fsname : what[k], size, where[k]);
	return buf;
}
