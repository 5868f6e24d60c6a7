/*
 * The answer file (answer.h).  libinih reads the INI syntax through our own
 * line reader, which counts lines (Debian's libinih passes the handler no
 * line number) and refuses NUL bytes and lines longer than libinih takes;
 * each key's value is checked by the rule of that key, then what is
 * required is checked once the whole file is read.  Problems are collected,
 * not fatal, so an attended user sees them all at once.
 */
#include "installer/answer.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fnmatch.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOSTNAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-"
#define B64_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#define CRYPT_CHARS "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define GLOB_SPECIALS "*?[]!"

enum section { SEC_NONE, SEC_GLOBAL, SEC_NETWORK, SEC_DISK, SEC_FIRST_BOOT, SEC_UNKNOWN };

struct parse {
	struct answer *a;
	const char *p, *end;
	int line;               /* the line libinih is working on */
	int header_line;        /* the last '[section]' line read */
	char section[64];       /* the last section name seen */
	enum section sec;
	int section_line;
	int unknown_reported;   /* line of the unknown section already reported */
	int seen[SEC_UNKNOWN][16];   /* per section, the line each key was set on */
	int sec_line[SEC_UNKNOWN];   /* line of each section's first header */
};

static void problem(struct parse *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct parse *ps, int line, const char *fmt, ...)
{
	struct answer *a = ps->a;
	struct answer_error *e;
	char msg[ANSWER_ERR_MAX - 24];
	va_list ap;

	if (a->n_errors >= ANSWER_MAX_ERRORS)
		return;
	e = &a->errors[a->n_errors++];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->line = line;
	if (line > 0)
		snprintf(e->msg, sizeof(e->msg), "line %d: %s", line, msg);
	else
		snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

/* --- the line reader (an fgets for libinih over the buffer) ---------------- */

static char *reader(char *str, int num, void *stream)
{
	struct parse *ps = stream;
	const char *nl;
	size_t n;

	if (ps->p >= ps->end || num < 2)
		return NULL;
	ps->line++;
	nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
	n = nl ? (size_t)(nl - ps->p) + 1 : (size_t)(ps->end - ps->p);
	if (memchr(ps->p, '\0', n)) {
		problem(ps, ps->line, "a NUL byte (is this a text file?)");
		n = 0;
	} else if (n > (size_t)num - 1) {
		problem(ps, ps->line, "longer than %d characters", num - 2);
		n = 0;
	}
	if (n)
		memcpy(str, ps->p, n);
	str[n] = '\0';
	ps->p += nl ? (size_t)(nl - ps->p) + 1 : (size_t)(ps->end - ps->p);
	if (str[strspn(str, " \t")] == '[')
		ps->header_line = ps->line;
	if (!n) {   /* an empty line in its place: libinih skips it */
		str[0] = '\n';
		str[1] = '\0';
	}
	return str;
}

/* --- value rules ----------------------------------------------------------- */

static int only(const char *s, const char *chars)
{
	return s[strspn(s, chars)] == '\0';
}

/* host or host.example.org: labels of 1-63 [a-z0-9-], not starting or
 * ending with '-'; 253 characters at most. */
static int check_hostname(const char *s, char *why, size_t whylen)
{
	const char *label = s, *dot;
	size_t n;

	if (!*s || strlen(s) > 253) {
		err_set(why, whylen, "must be 1-253 characters");
		return -1;
	}
	for (;;) {
		dot = strchr(label, '.');
		n = dot ? (size_t)(dot - label) : strlen(label);
		if (n == 0 || n > 63) {
			err_set(why, whylen, "each dot-separated part must be 1-63 characters");
			return -1;
		}
		if (strspn(label, HOSTNAME_CHARS) < n) {
			err_set(why, whylen, "only lower-case letters, digits, '-' and '.'");
			return -1;
		}
		if (label[0] == '-' || label[n - 1] == '-') {
			err_set(why, whylen, "a part may not begin or end with '-'");
			return -1;
		}
		if (!dot)
			return 0;
		label = dot + 1;
	}
}

/* "UTC" or Area/Location[/More]: letters, digits, '_', '-', '+'. */
static int check_timezone(const char *s)
{
	if (!*s || strlen(s) >= 64 || s[0] == '/' || s[strlen(s) - 1] == '/' ||
	    strstr(s, "//") || strstr(s, ".."))
		return -1;
	return only(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-/") ? 0 : -1;
}

/* A crypt(5) hash as /etc/shadow takes it: yescrypt ($y$), SHA-512 ($6$),
 * SHA-256 ($5$) or bcrypt ($2b$, $2y$), each with its exact shape. */
static int check_hash(const char *s, char *why, size_t whylen)
{
	const char *f[6];
	size_t nf = 0, i, len;
	const char *p;

	if (s[0] != '$') {
		err_set(why, whylen, "not a crypt(5) hash (is it the password itself? "
			"make one with: mkpasswd -m yescrypt)");
		return -1;
	}
	for (p = s; *p && nf < 6; p++)
		if (*p == '$')
			f[nf++] = p + 1;
	if (*p && strchr(p, '$')) {
		err_set(why, whylen, "too many '$'-separated fields");
		return -1;
	}
	for (i = 0; i + 1 < nf; i++) {
		len = (size_t)(f[i + 1] - f[i] - 1);
		if (len == 0) {
			err_set(why, whylen, "an empty '$'-separated field");
			return -1;
		}
	}
	len = strlen(f[nf - 1]);
	if (!strncmp(s, "$1$", 3)) {
		err_set(why, whylen, "an MD5 hash ($1$) is too weak; use yescrypt ($y$) or SHA-512 ($6$)");
		return -1;
	}
	if (!strncmp(s, "$y$", 3) || !strncmp(s, "$6$", 3) || !strncmp(s, "$5$", 3)) {
		size_t want = s[1] == '6' ? 86 : 43;
		size_t fields = s[1] == 'y' ? 4 : 3;   /* $y$params$salt$hash */

		if (s[1] != 'y' && nf == 4 && !strncmp(f[1], "rounds=", 7))
			fields = 4;
		if (nf != fields || len != want || !only(f[nf - 1], CRYPT_CHARS) ||
		    strspn(f[nf - 2], CRYPT_CHARS) != (size_t)(f[nf - 1] - f[nf - 2] - 1)) {
			err_set(why, whylen, "a malformed $%c$ hash (want %zu '$'-separated fields, "
				"a hash of %zu characters from [./0-9A-Za-z])", s[1], fields, want);
			return -1;
		}
		return 0;
	}
	if (!strncmp(s, "$2b$", 4) || !strncmp(s, "$2y$", 4)) {
		if (nf != 3 || f[2] - f[1] != 3 || f[1][0] < '0' || f[1][0] > '3' ||
		    f[1][1] < '0' || f[1][1] > '9' || len != 53 || !only(f[2], CRYPT_CHARS)) {
			err_set(why, whylen, "a malformed bcrypt hash (want $2b$NN$ and 53 characters)");
			return -1;
		}
		return 0;
	}
	err_set(why, whylen, "an unknown hash method (want yescrypt $y$, SHA-512 $6$, "
		"SHA-256 $5$ or bcrypt $2b$)");
	return -1;
}

static int b64val(char c)
{
	const char *p = strchr(B64_CHARS, c);

	return c && p ? (int)(p - B64_CHARS) : -1;
}

/* "TYPE BASE64 [COMMENT]": a known key type whose base64 blob decodes and
 * begins with that same type name, as ssh-keygen writes it. */
static int check_ssh_key(const char *s, char *why, size_t whylen)
{
	static const char *const types[] = {
		"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
		"ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
		"sk-ecdsa-sha2-nistp256@openssh.com",
	};
	unsigned char head[64];
	size_t tlen, blen, i, nh = 0, pad = 0;
	const char *sp, *blob;
	uint32_t acc = 0;
	int bits = 0, known = 0;

	sp = strchr(s, ' ');
	if (!sp) {
		err_set(why, whylen, "not an OpenSSH public key (want 'TYPE BASE64 [COMMENT]')");
		return -1;
	}
	tlen = (size_t)(sp - s);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i]) == tlen && !strncmp(s, types[i], tlen))
			known = 1;
	if (!known) {
		err_set(why, whylen, "unknown key type '%.*s' (want ssh-ed25519, ssh-rsa, ecdsa-sha2-*)",
			(int)(tlen > 40 ? 40 : tlen), s);
		return -1;
	}
	blob = sp + strspn(sp, " ");
	blen = strcspn(blob, " ");
	for (i = 0; i < blen; i++) {
		int v;

		if (blob[i] == '=') {
			pad++;
			continue;
		}
		v = b64val(blob[i]);
		if (v < 0 || pad) {
			err_set(why, whylen, "the key's base64 part is malformed");
			return -1;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (nh < sizeof(head))
				head[nh++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (blen == 0 || blen % 4 || pad > 2) {
		err_set(why, whylen, "the key's base64 part is malformed");
		return -1;
	}
	if (nh < 4 + tlen || head[0] || head[1] || head[2] != (tlen >> 8) ||
	    head[3] != (tlen & 0xff) || memcmp(head + 4, s, tlen)) {
		err_set(why, whylen, "the key's data is not a %.*s key", (int)tlen, s);
		return -1;
	}
	return 0;
}

/* "192.168.1.10/24": a host address and its prefix (8-32), not the
 * network's or broadcast address, in no reserved range. */
static int parse_host_cidr(const char *s, struct in_addr *addr, uint32_t *prefix,
			   char *why, size_t whylen)
{
	char buf[32], *slash, *end;
	unsigned long p;
	uint32_t h, m;

	if (strlen(s) >= sizeof(buf) || !(slash = strchr(strcpy(buf, s), '/'))) {
		err_set(why, whylen, "'%.31s' is not ADDRESS/PREFIX (like 192.168.1.10/24)", s);
		return -1;
	}
	*slash = '\0';
	if (addr_parse("address", buf, addr, why, whylen) < 0)
		return -1;
	errno = 0;
	p = strtoul(slash + 1, &end, 10);
	if (!slash[1] || *end || errno || p < 8 || p > 32 || (slash[1] == '0')) {
		err_set(why, whylen, "the prefix '%s' is not 8-32", slash + 1);
		return -1;
	}
	*prefix = (uint32_t)p;
	if (addr_guest_check(*addr, why, whylen) < 0)
		return -1;
	h = addr_h(*addr);
	m = addr_mask(*prefix);
	if (*prefix <= 30 && ((h & ~m) == 0 || (h & ~m) == ~m)) {
		err_set(why, whylen, "%s is the network's or its broadcast address, not a host's", buf);
		return -1;
	}
	return 0;
}

/* "512G": a size with a K, M, G or T suffix (powers of 1024) or bytes. */
static int parse_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	size_t i;

	if (n == 0)
		return -1;
	switch (s[n - 1]) {
	case 'K': mul = 1ull << 10; n--; break;
	case 'M': mul = 1ull << 20; n--; break;
	case 'G': mul = 1ull << 30; n--; break;
	case 'T': mul = 1ull << 40; n--; break;
	}
	if (n == 0 || n > 12)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v * mul;
	return 0;
}

/* SIZE (within 5%), MIN-MAX, MIN- or -MAX. */
static int parse_size_filter(const char *s, uint64_t *min, uint64_t *max)
{
	const char *dash = strchr(s, '-');
	uint64_t v;

	if (!dash) {
		if (parse_size(s, strlen(s), &v) < 0 || v == 0)
			return -1;
		*min = v - v / 20;
		*max = v + v / 20;
		return 0;
	}
	if (dash == s && !dash[1])
		return -1;
	*min = 0;
	*max = 0;
	if (dash > s && parse_size(s, (size_t)(dash - s), min) < 0)
		return -1;
	if (dash[1] && (parse_size(dash + 1, strlen(dash + 1), max) < 0 || *max == 0))
		return -1;
	return *max && *min > *max ? -1 : 0;
}

static int check_glob(const char *s, size_t max)
{
	size_t i;

	if (!*s || strlen(s) >= max)
		return -1;
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	return 0;
}

/* --- keys ------------------------------------------------------------------ */

struct key {
	enum section sec;
	const char *name;
	int slot;   /* index into parse.seen */
};

static const struct key keys[] = {
	{ SEC_GLOBAL, "hostname", 0 },
	{ SEC_GLOBAL, "timezone", 1 },
	{ SEC_GLOBAL, "root-password-hashed", 2 },
	{ SEC_GLOBAL, "root-ssh-key", 3 },
	{ SEC_NETWORK, "source", 0 },
	{ SEC_NETWORK, "cidr", 1 },
	{ SEC_NETWORK, "gateway", 2 },
	{ SEC_NETWORK, "dns", 3 },
	{ SEC_NETWORK, "interface-mac", 4 },
	{ SEC_NETWORK, "interface-name", 5 },
	{ SEC_DISK, "filter-serial", 0 },
	{ SEC_DISK, "filter-model", 1 },
	{ SEC_DISK, "filter-size", 2 },
	{ SEC_DISK, "filesystem", 3 },
	{ SEC_FIRST_BOOT, "script", 0 },
};

static const char *const section_names[] = {
	[SEC_GLOBAL] = "global", [SEC_NETWORK] = "network",
	[SEC_DISK] = "disk", [SEC_FIRST_BOOT] = "first-boot",
};

static int copy_value(char *dst, size_t dstlen, const char *v)
{
	if (strlen(v) >= dstlen)
		return -1;
	strcpy(dst, v);
	return 0;
}

static void set_dns(struct parse *ps, const char *v)
{
	char why[200];

	if (answer_dns_parse(v, ps->a->net.dns, &ps->a->net.n_dns, why, sizeof(why)) < 0)
		problem(ps, ps->line, "dns: %s", why);
}

static void set_value(struct parse *ps, const struct key *k, const char *v)
{
	struct answer *a = ps->a;
	char why[200];
	int line = ps->line;

	switch (k->sec * 16 + k->slot) {
	case SEC_GLOBAL * 16 + 0:
		if (check_hostname(v, why, sizeof(why)) < 0)
			problem(ps, line, "hostname '%.64s': %s", v, why);
		else
			copy_value(a->hostname, sizeof(a->hostname), v);
		break;
	case SEC_GLOBAL * 16 + 1:
		if (check_timezone(v) < 0)
			problem(ps, line, "timezone '%.64s' is not UTC or Area/Location (like Europe/Berlin)", v);
		else
			copy_value(a->timezone, sizeof(a->timezone), v);
		break;
	case SEC_GLOBAL * 16 + 2:
		if (strlen(v) >= sizeof(a->root_password_hashed))
			problem(ps, line, "root-password-hashed: too long for a crypt(5) hash");
		else if (check_hash(v, why, sizeof(why)) < 0)
			problem(ps, line, "root-password-hashed: %s", why);
		else
			copy_value(a->root_password_hashed, sizeof(a->root_password_hashed), v);
		break;
	case SEC_GLOBAL * 16 + 3:
		if (a->n_ssh_keys == ANSWER_MAX_KEYS)
			problem(ps, line, "root-ssh-key: at most %d keys", ANSWER_MAX_KEYS);
		else if (strlen(v) >= ANSWER_KEY_MAX)
			problem(ps, line, "root-ssh-key: longer than %d characters", ANSWER_KEY_MAX - 1);
		else if (check_ssh_key(v, why, sizeof(why)) < 0)
			problem(ps, line, "root-ssh-key: %s", why);
		else
			copy_value(a->root_ssh_keys[a->n_ssh_keys++], ANSWER_KEY_MAX, v);
		break;
	case SEC_NETWORK * 16 + 0:
		if (!strcmp(v, "dhcp"))
			a->net.source = ANSWER_NET_DHCP;
		else if (!strcmp(v, "static"))
			a->net.source = ANSWER_NET_STATIC;
		else
			problem(ps, line, "source '%.64s' is not dhcp or static", v);
		break;
	case SEC_NETWORK * 16 + 1:
		if (parse_host_cidr(v, &a->net.addr, &a->net.prefix, why, sizeof(why)) < 0)
			problem(ps, line, "cidr: %s", why);
		break;
	case SEC_NETWORK * 16 + 2:
		if (addr_parse("gateway", v, &a->net.gateway, why, sizeof(why)) < 0)
			problem(ps, line, "%s", why);
		break;
	case SEC_NETWORK * 16 + 3:
		set_dns(ps, v);
		break;
	case SEC_NETWORK * 16 + 4:
		if (addr_mac_parse(v, a->net.mac, why, sizeof(why)) < 0)
			problem(ps, line, "interface-mac: %s", why);
		else
			a->net.has_mac = 1;
		break;
	case SEC_NETWORK * 16 + 5:
		if (check_glob(v, sizeof(a->net.name_glob)) < 0)
			problem(ps, line, "interface-name '%.64s' is not a name or glob of 1-15 characters", v);
		else
			copy_value(a->net.name_glob, sizeof(a->net.name_glob), v);
		break;
	case SEC_DISK * 16 + 0:
	case SEC_DISK * 16 + 1: {
		char *dst = k->slot ? a->disk.model_glob : a->disk.serial_glob;

		if (check_glob(v, sizeof(a->disk.model_glob)) < 0)
			problem(ps, line, "%s: not a glob of 1-127 printable characters", k->name);
		else
			copy_value(dst, sizeof(a->disk.model_glob), v);
		break;
	}
	case SEC_DISK * 16 + 2:
		if (parse_size_filter(v, &a->disk.size_min, &a->disk.size_max) < 0)
			problem(ps, line, "filter-size '%.64s' is not SIZE, MIN-MAX, MIN- or -MAX "
				"(sizes like 500G or 2T)", v);
		else
			a->disk.has_size = 1;
		break;
	case SEC_DISK * 16 + 3:
		if (strcmp(v, "ext4") && strcmp(v, "xfs"))
			problem(ps, line, "filesystem '%.64s' is not ext4 or xfs", v);
		else
			copy_value(a->disk.filesystem, sizeof(a->disk.filesystem), v);
		break;
	case SEC_FIRST_BOOT * 16 + 0:
		if (v[0] != '/' || strstr(v, "..") || check_glob(v, sizeof(a->first_boot_script)) < 0)
			problem(ps, line, "script '%.64s' is not an absolute path on the answer "
				"file's medium", v);
		else
			copy_value(a->first_boot_script, sizeof(a->first_boot_script), v);
		break;
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *ps = user;
	const struct key *k = NULL;
	char v[ANSWER_KEY_MAX + 2];
	size_t i, n;

	if (strcmp(section, ps->section)) {
		snprintf(ps->section, sizeof(ps->section), "%s", section);
		ps->sec = SEC_UNKNOWN;
		for (i = SEC_GLOBAL; i < SEC_UNKNOWN; i++)
			if (!strcmp(section, section_names[i]))
				ps->sec = (enum section)i;
		ps->section_line = *section ? ps->header_line : ps->line;
		if (ps->sec != SEC_UNKNOWN && !ps->sec_line[ps->sec])
			ps->sec_line[ps->sec] = ps->section_line;
	}
	if (!*section) {
		problem(ps, ps->line, "key '%.64s' outside any section", name);
		return 1;
	}
	if (ps->sec == SEC_UNKNOWN) {
		if (ps->unknown_reported != ps->section_line)
			problem(ps, ps->section_line, "unknown section [%.64s] (want [global], [network], "
				"[disk] or [first-boot])", section);
		ps->unknown_reported = ps->section_line;
		return 1;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].sec == ps->sec && !strcmp(keys[i].name, name))
			k = &keys[i];
	if (!k) {
		problem(ps, ps->line, "unknown key '%.64s' in [%s]", name, section);
		return 1;
	}
	if (ps->seen[k->sec][k->slot] && strcmp(k->name, "root-ssh-key")) {
		problem(ps, ps->line, "%s given again (first on line %d)", k->name,
			ps->seen[k->sec][k->slot]);
		return 1;
	}
	/* one pair of double quotes may enclose the value */
	n = strlen(value);
	if (n >= sizeof(v))
		n = sizeof(v) - 1;
	memcpy(v, value, n);
	v[n] = '\0';
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		memmove(v, v + 1, n - 2);
		v[n - 2] = '\0';
	}
	if (!v[0]) {
		problem(ps, ps->line, "%s is empty", k->name);
		return 1;
	}
	ps->seen[k->sec][k->slot] = ps->line;
	set_value(ps, k, v);
	return 1;
}

/* --- what the file as a whole must say -------------------------------------- */

static int has(const struct parse *ps, enum section sec, int slot)
{
	return ps->seen[sec][slot] > 0;
}

static void check_whole(struct parse *ps)
{
	struct answer *a = ps->a;
	int gl = ps->sec_line[SEC_GLOBAL], nl = ps->sec_line[SEC_NETWORK];
	int dl = ps->sec_line[SEC_DISK];

	a->net.line = nl;
	a->disk.line = dl;
	if (!a->disk.filesystem[0])
		strcpy(a->disk.filesystem, "ext4");
	if (!gl)
		problem(ps, 0, "no [global] section (hostname, timezone, root-password-hashed "
			"or root-ssh-key)");
	else {
		if (!has(ps, SEC_GLOBAL, 0))
			problem(ps, gl, "[global] lacks the required key hostname");
		if (!has(ps, SEC_GLOBAL, 1))
			problem(ps, gl, "[global] lacks the required key timezone");
		if (!has(ps, SEC_GLOBAL, 2) && !has(ps, SEC_GLOBAL, 3))
			problem(ps, gl, "[global] needs root-password-hashed or root-ssh-key "
				"(else nobody can log in)");
	}
	if (!nl)
		problem(ps, 0, "no [network] section (source = dhcp or static)");
	else if (!has(ps, SEC_NETWORK, 0))
		problem(ps, nl, "[network] lacks the required key source");
	else if (a->net.source == ANSWER_NET_STATIC) {
		char why[128];

		if (!has(ps, SEC_NETWORK, 1))
			problem(ps, nl, "[network] source = static needs cidr");
		if (!has(ps, SEC_NETWORK, 2))
			problem(ps, nl, "[network] source = static needs gateway");
		if (!has(ps, SEC_NETWORK, 3))
			problem(ps, nl, "[network] source = static needs dns");
		if (a->net.prefix && a->net.gateway.s_addr &&
		    answer_gateway_check(a->net.gateway, a->net.addr, a->net.prefix, why,
					 sizeof(why)) < 0)
			problem(ps, ps->seen[SEC_NETWORK][2], "%s", why);
	} else if (a->net.source == ANSWER_NET_DHCP) {
		int i;

		for (i = 1; i <= 3; i++)
			if (has(ps, SEC_NETWORK, i))
				problem(ps, ps->seen[SEC_NETWORK][i], "%s is only for source = static",
					keys[4 + i].name);
	}
	if (has(ps, SEC_NETWORK, 4) && has(ps, SEC_NETWORK, 5))
		problem(ps, ps->seen[SEC_NETWORK][5], "interface-mac and interface-name "
			"both given; use one");
	if (!dl)
		problem(ps, 0, "no [disk] section (filter-serial, filter-model or filter-size "
			"picks the disk to erase)");
	else if (!has(ps, SEC_DISK, 0) && !has(ps, SEC_DISK, 1) && !has(ps, SEC_DISK, 2))
		problem(ps, dl, "[disk] needs filter-serial, filter-model or filter-size "
			"(the disk to erase is never guessed)");
}

int answer_parse(const char *text, size_t len, struct answer *a, char *err, size_t errlen)
{
	struct parse ps;
	int rc;
	size_t i;

	memset(a, 0, sizeof(*a));
	memset(&ps, 0, sizeof(ps));
	ps.a = a;
	ps.p = text;
	ps.end = text + len;
	ps.section[0] = '\0';
	rc = ini_parse_stream(reader, &ps, handler, &ps);
	if (rc < 0) {
		err_set(err, errlen, "answer file: out of memory");
		return -ENOMEM;
	}
	if (rc > 0) {
		for (i = 0; i < a->n_errors && a->errors[i].line != rc; i++)
			;
		if (i == a->n_errors)
			problem(&ps, rc, "neither '[section]' nor 'key = value'");
	}
	check_whole(&ps);
	if (!a->n_errors)
		return 0;
	err_set(err, errlen, "answer file: %s%s", a->errors[0].msg,
		a->n_errors > 1 ? " (and more)" : "");
	return -EINVAL;
}

int answer_parse_file(const char *path, struct answer *a, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int rc;

	if (!f) {
		rc = -errno;
		err_set(err, errlen, "cannot open the answer file %s: %s", path, strerror(errno));
		return rc;
	}
	buf = xmalloc(1 << 20);
	n = fread(buf, 1, 1 << 20, f);
	if (ferror(f) || !feof(f)) {
		rc = ferror(f) ? -EIO : -EFBIG;
		err_set(err, errlen, "cannot read the answer file %s: %s", path,
			rc == -EIO ? "read error" : "larger than 1 MiB");
		fclose(f);
		free(buf);
		return rc;
	}
	fclose(f);
	rc = answer_parse(buf, n, a, err, errlen);
	free(buf);
	return rc;
}

/* --- the filters ----------------------------------------------------------- */

static int disk_matches(const struct answer *a, const struct answer_disk *d)
{
	if (a->disk.serial_glob[0] && fnmatch(a->disk.serial_glob, d->serial ? d->serial : "", 0))
		return 0;
	if (a->disk.model_glob[0] && fnmatch(a->disk.model_glob, d->model ? d->model : "", 0))
		return 0;
	if (a->disk.has_size && (d->size < a->disk.size_min ||
				 (a->disk.size_max && d->size > a->disk.size_max)))
		return 0;
	return 1;
}

int answer_disk_pick(const struct answer *a, const struct answer_disk *disks, size_t n,
		     char *err, size_t errlen)
{
	char names[160] = "";
	size_t i, len = 0;
	int found = -1, count = 0;

	for (i = 0; i < n; i++) {
		if (!disk_matches(a, &disks[i]))
			continue;
		if (found < 0)
			found = (int)i;
		count++;
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						count > 1 ? ", " : "", disks[i].name);
	}
	if (count == 1)
		return found;
	if (count == 0) {
		err_set(err, errlen, "line %d: the [disk] filters match none of the %zu disks "
			"found; nothing was written", a->disk.line, n);
		return -ENOENT;
	}
	err_set(err, errlen, "line %d: the [disk] filters match %d disks (%s); "
		"narrow them; nothing was written", a->disk.line, count, names);
	return -EEXIST;
}

int answer_nic_pick(const struct answer *a, const struct answer_nic *nics, size_t n,
		    char *err, size_t errlen)
{
	size_t i;
	int found = -1, count = 0;

	for (i = 0; i < n; i++) {
		if (a->net.has_mac && memcmp(nics[i].mac, a->net.mac, 6))
			continue;
		if (a->net.name_glob[0] && fnmatch(a->net.name_glob, nics[i].name, 0))
			continue;
		if (found < 0)
			found = (int)i;
		count++;
	}
	if (count == 1)
		return found;
	if (count == 0) {
		err_set(err, errlen, "line %d: the [network] interface filter matches none of "
			"the %zu NICs found", a->net.line, n);
		return -ENOENT;
	}
	err_set(err, errlen, "line %d: %d NICs match; choose one with interface-mac or "
		"interface-name", a->net.line, count);
	return -EEXIST;
}

/* --- the rules, for the attended installer ---------------------------------- */

int answer_hostname_check(const char *s, char *why, size_t whylen)
{
	return check_hostname(s, why, whylen) < 0 ? -EINVAL : 0;
}

int answer_timezone_check(const char *s, char *why, size_t whylen)
{
	if (check_timezone(s) < 0) {
		err_set(why, whylen, "'%.64s' is not UTC or Area/Location (like Europe/Berlin)", s);
		return -EINVAL;
	}
	return 0;
}

int answer_hash_check(const char *s, char *why, size_t whylen)
{
	if (strlen(s) >= sizeof(((struct answer *)0)->root_password_hashed)) {
		err_set(why, whylen, "too long for a crypt(5) hash");
		return -EINVAL;
	}
	return check_hash(s, why, whylen) < 0 ? -EINVAL : 0;
}

int answer_ssh_key_check(const char *s, char *why, size_t whylen)
{
	if (strlen(s) >= ANSWER_KEY_MAX) {
		err_set(why, whylen, "longer than %d characters", ANSWER_KEY_MAX - 1);
		return -EINVAL;
	}
	return check_ssh_key(s, why, whylen) < 0 ? -EINVAL : 0;
}

int answer_cidr_parse(const char *s, struct in_addr *addr, uint32_t *prefix,
		      char *why, size_t whylen)
{
	return parse_host_cidr(s, addr, prefix, why, whylen) < 0 ? -EINVAL : 0;
}

int answer_gateway_check(struct in_addr gw, struct in_addr addr, uint32_t prefix,
			 char *why, size_t whylen)
{
	if ((addr_h(gw) ^ addr_h(addr)) & addr_mask(prefix)) {
		err_set(why, whylen, "gateway is outside the subnet of cidr");
		return -EINVAL;
	}
	if (gw.s_addr == addr.s_addr) {
		err_set(why, whylen, "gateway is the host's own address");
		return -EINVAL;
	}
	return 0;
}

int answer_dns_parse(const char *v, struct in_addr *dns, size_t *n, char *why, size_t whylen)
{
	char buf[128], *tok, *save = NULL;

	*n = 0;
	if (strlen(v) >= sizeof(buf)) {
		err_set(why, whylen, "too long");
		return -EINVAL;
	}
	strcpy(buf, v);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (*n == ANSWER_MAX_DNS) {
			err_set(why, whylen, "at most %d servers", ANSWER_MAX_DNS);
			return -EINVAL;
		}
		if (addr_parse("dns server", tok, &dns[*n], why, whylen) < 0)
			return -EINVAL;
		(*n)++;
	}
	if (!*n) {
		err_set(why, whylen, "no server given");
		return -EINVAL;
	}
	return 0;
}
