/*
 * The rules of cloud-init settings (cloudinit.h): one check per setting,
 * each naming what is wrong and, where a user is likely to have mixed
 * something up (a private key for a public one, a password for its
 * hash), saying so.  The JSON form is cloudinit_json.c.
 */
#include "common/cloudinit.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cloudinit_user_check(const char *user, char *err, size_t errlen)
{
	size_t len = strlen(user), i;

	if (!len) {
		err_set(err, errlen, "user name is empty");
		return -EINVAL;
	}
	if (len > CLOUDINIT_USER_MAX) {
		err_set(err, errlen, "user name '%.20s...' is %zu characters long; the limit is %d",
			user, len, CLOUDINIT_USER_MAX);
		return -EINVAL;
	}
	if (!(islower((unsigned char)user[0]) || user[0] == '_')) {
		err_set(err, errlen, "user name '%s' must start with a lower-case letter or '_'", user);
		return -EINVAL;
	}
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)user[i];

		if (!(islower(c) || isdigit(c) || c == '_' || c == '-')) {
			err_set(err, errlen, "user name '%s' has '%c'; use lower-case letters, digits, '_' and '-'",
				user, isprint(c) ? c : '?');
			return -EINVAL;
		}
	}
	if (!strcmp(user, "root")) {
		err_set(err, errlen, "user 'root' cannot be the cloud-init user; give a normal user (it gets sudo)");
		return -EINVAL;
	}
	return 0;
}

static int label_check(const char *name, const char *l, size_t len, char *err, size_t errlen)
{
	size_t i;

	if (!len) {
		err_set(err, errlen, "hostname '%s' has an empty label (two dots, or a dot at an end)", name);
		return -EINVAL;
	}
	if (len > 63) {
		err_set(err, errlen, "hostname '%s' has a label of %zu characters; the limit is 63", name, len);
		return -EINVAL;
	}
	if (l[0] == '-' || l[len - 1] == '-') {
		err_set(err, errlen, "hostname '%s': a label must not start or end with '-'", name);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)l[i];

		if (!isalnum(c) && c != '-') {
			err_set(err, errlen, "hostname '%s' has '%c'; use letters, digits, '-' and dots (RFC 1123)",
				name, isprint(c) ? c : '?');
			return -EINVAL;
		}
	}
	return 0;
}

int cloudinit_hostname_check(const char *name, char *err, size_t errlen)
{
	const char *p = name, *last = name;
	size_t len = strlen(name);

	if (!len) {
		err_set(err, errlen, "hostname is empty");
		return -EINVAL;
	}
	if (len > 253) {
		err_set(err, errlen, "hostname '%.20s...' is %zu characters long; the limit is 253", name, len);
		return -EINVAL;
	}
	for (;;) {
		size_t l = strcspn(p, ".");

		if (label_check(name, p, l, err, errlen) < 0)
			return -EINVAL;
		last = p;
		if (!p[l])
			break;
		p += l + 1;
	}
	if (strspn(last, "0123456789") == strlen(last)) {
		err_set(err, errlen, "hostname '%s' ends in a numeric label; a host name is not an address", name);
		return -EINVAL;
	}
	return 0;
}

/* --- ssh keys ---------------------------------------------------------------- */

static const char *const key_types[] = {
	"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
	"sk-ecdsa-sha2-nistp256@openssh.com",
};

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard base64 with padding; *n bytes into out (len * 3 / 4 room). */
static int b64_decode(const char *s, size_t len, unsigned char *out, size_t *n)
{
	size_t i, o = 0, pad = 0;

	if (!len || len % 4)
		return -EINVAL;
	while (pad < 2 && s[len - 1 - pad] == '=')
		pad++;
	for (i = 0; i < len; i += 4) {
		int v[4], k;

		for (k = 0; k < 4; k++) {
			v[k] = i + k >= len - pad ? 0 : b64_value((unsigned char)s[i + k]);
			if (v[k] < 0)
				return -EINVAL;
		}
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		out[o++] = (unsigned char)(v[1] << 4 | v[2] >> 2);
		out[o++] = (unsigned char)(v[2] << 6 | v[3]);
	}
	*n = o - pad;
	return 0;
}

/* The blob begins with the key type as an SSH string. */
static int blob_check(const char *type, const char *b64, size_t len, char *err, size_t errlen)
{
	unsigned char *blob = xmalloc(len / 4 * 3 + 3);
	size_t n = 0, tlen = strlen(type);
	uint32_t slen;
	int rc = -EINVAL;

	if (b64_decode(b64, len, blob, &n) < 0) {
		err_set(err, errlen, "ssh key (%s): the key data is not valid base64", type);
		goto out;
	}
	if (n < 4) {
		err_set(err, errlen, "ssh key (%s): the key data is too short", type);
		goto out;
	}
	slen = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 | (uint32_t)blob[2] << 8 | blob[3];
	if (slen != tlen || n < 4 + tlen || memcmp(blob + 4, type, tlen)) {
		err_set(err, errlen, "ssh key: its data is not a %s key (the type word and the key do not match)",
			type);
		goto out;
	}
	rc = 0;
out:
	free(blob);
	return rc;
}

int cloudinit_ssh_key_check(const char *key, char *err, size_t errlen)
{
	size_t len = strlen(key), tl, bl, i;
	const char *blob;

	if (strstr(key, "PRIVATE KEY")) {
		err_set(err, errlen, "ssh key: this is a private key; give the public key (the .pub file)");
		return -EINVAL;
	}
	if (len > CLOUDINIT_KEY_MAX) {
		err_set(err, errlen, "ssh key is %zu bytes long; the limit is %d", len, CLOUDINIT_KEY_MAX);
		return -E2BIG;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)key[i] < 0x20 || key[i] == 0x7f) {
			err_set(err, errlen, "ssh key has a control character (a newline?); give one key per entry");
			return -EINVAL;
		}
	}
	tl = strcspn(key, " ");
	for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
		if (strlen(key_types[i]) == tl && !strncmp(key, key_types[i], tl))
			break;
	if (i == sizeof(key_types) / sizeof(key_types[0])) {
		if (tl == 7 && !strncmp(key, "ssh-dss", 7))
			err_set(err, errlen, "ssh key: DSA (ssh-dss) keys are refused by current OpenSSH; use an ed25519 or rsa key");
		else
			err_set(err, errlen, "ssh key '%.24s%s' does not start with a key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256...)",
				key, len > 24 ? "..." : "");
		return -EINVAL;
	}
	blob = key + tl + strspn(key + tl, " ");
	bl = strcspn(blob, " ");
	if (!bl) {
		err_set(err, errlen, "ssh key (%s) has no key data after its type", key_types[i]);
		return -EINVAL;
	}
	return blob_check(key_types[i], blob, bl, err, errlen);
}

/* --- password hashes ------------------------------------------------------------ */

static const struct {
	const char *prefix;
	size_t hash_len;         /* of the last '$'-separated field; 0: bcrypt */
} hash_kinds[] = {
	{ "$y$", 43 }, { "$gy$", 43 }, { "$7$", 43 }, { "$6$", 86 }, { "$5$", 43 },
	{ "$2b$", 0 }, { "$2a$", 0 }, { "$2y$", 0 },
};

static int hash_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '/' || c == '$' || c == '=';
}

static int bcrypt_check(const char *h, char *err, size_t errlen)
{
	/* $2b$NN$ and 53 characters of salt and hash */
	if (strlen(h) != 60 || !isdigit((unsigned char)h[4]) || !isdigit((unsigned char)h[5]) ||
	    h[6] != '$' || strchr(h + 7, '$')) {
		err_set(err, errlen, "password-hash '%.7s...' is not a bcrypt hash ($2b$NN$ and 53 characters)", h);
		return -EINVAL;
	}
	return 0;
}

int cloudinit_password_hash_check(const char *h, char *err, size_t errlen)
{
	size_t len = strlen(h), i, k;
	const char *last;

	if (h[0] != '$') {
		if (h[0] == '!' || h[0] == '*')
			err_set(err, errlen, "password-hash '%c...' is a locked account; leave password-hash out instead", h[0]);
		else
			err_set(err, errlen, "password-hash must be a crypt(3) hash such as $y$... or $6$...; it looks like a plain password (hash it with mkpasswd, or let the console hash it)");
		return -EINVAL;
	}
	if (len > CLOUDINIT_HASH_MAX) {
		err_set(err, errlen, "password-hash is %zu characters long; the limit is %d", len,
			CLOUDINIT_HASH_MAX);
		return -E2BIG;
	}
	if (!strncmp(h, "$1$", 3) || !strncmp(h, "$md5", 4)) {
		err_set(err, errlen, "password-hash is MD5-crypt, which is too weak; use yescrypt ($y$) or sha512crypt ($6$)");
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (!hash_char((unsigned char)h[i])) {
			err_set(err, errlen, "password-hash has '%c'; a crypt(3) hash has only letters, digits, '.', '/', '$' and '='",
				isprint((unsigned char)h[i]) ? h[i] : '?');
			return -EINVAL;
		}
	}
	for (k = 0; k < sizeof(hash_kinds) / sizeof(hash_kinds[0]); k++)
		if (!strncmp(h, hash_kinds[k].prefix, strlen(hash_kinds[k].prefix)))
			break;
	if (k == sizeof(hash_kinds) / sizeof(hash_kinds[0])) {
		err_set(err, errlen, "password-hash '%.6s...' is of an unknown kind; use yescrypt ($y$), sha512crypt ($6$), sha256crypt ($5$) or bcrypt ($2b$)",
			h);
		return -EINVAL;
	}
	if (!hash_kinds[k].hash_len)
		return bcrypt_check(h, err, errlen);
	last = strrchr(h, '$') + 1;
	if (last - h <= (ptrdiff_t)strlen(hash_kinds[k].prefix) || strlen(last) != hash_kinds[k].hash_len) {
		err_set(err, errlen, "password-hash '%.6s...' is cut short or damaged: a %s hash ends in a salt and %zu characters",
			h, hash_kinds[k].prefix, hash_kinds[k].hash_len);
		return -EINVAL;
	}
	return 0;
}

/* --- network --------------------------------------------------------------------- */

static int static_parse(const char *spec, char *buf, struct cloudinit_net *n,
			char *err, size_t errlen)
{
	char *addr = buf, *gw, *dns, *slash, *end;
	unsigned long prefix;

	if (!(gw = strchr(addr, ':'))) {
		err_set(err, errlen, "network '%s' needs a gateway: static:ADDRESS/PREFIX:GATEWAY[:DNS]", spec);
		return -EINVAL;
	}
	*gw++ = '\0';
	if ((dns = strchr(gw, ':')))
		*dns++ = '\0';
	if (dns && strchr(dns, ':')) {
		err_set(err, errlen, "network '%s' has too many parts: static:ADDRESS/PREFIX:GATEWAY[:DNS]", spec);
		return -EINVAL;
	}
	if (!(slash = strchr(addr, '/'))) {
		err_set(err, errlen, "network '%s': the address needs a prefix length (e.g. 192.168.1.10/24)", spec);
		return -EINVAL;
	}
	*slash++ = '\0';
	errno = 0;
	prefix = strtoul(slash, &end, 10);
	if (!isdigit((unsigned char)*slash) || *end || errno || prefix < 1 || prefix > 32) {
		err_set(err, errlen, "network '%s': prefix length '%s' is not a number from 1 to 32", spec, slash);
		return -EINVAL;
	}
	n->prefix = (uint32_t)prefix;
	if (addr_parse("address", addr, &n->addr, err, errlen) < 0 ||
	    addr_guest_check(n->addr, err, errlen) < 0 ||
	    addr_parse("gateway", gw, &n->gateway, err, errlen) < 0 ||
	    (dns && addr_parse("DNS server", dns, &n->dns, err, errlen) < 0))
		return -EINVAL;
	n->has_dns = dns != NULL;
	if (n->prefix < 31 && (addr_h(n->addr) == (addr_h(n->addr) & addr_mask(n->prefix)) ||
			       addr_h(n->addr) == addr_bcast(n->addr, n->prefix))) {
		err_set(err, errlen, "network '%s': %s is the network or broadcast address of /%u",
			spec, addr, n->prefix);
		return -EINVAL;
	}
	if (!addr_contains(n->addr, n->prefix, n->gateway) || n->gateway.s_addr == n->addr.s_addr) {
		err_set(err, errlen, "network '%s': gateway %s must be another address inside %s/%u",
			spec, gw, addr, n->prefix);
		return -EINVAL;
	}
	n->is_static = 1;
	return 0;
}

int cloudinit_network_parse(const char *s, struct cloudinit_net *out, char *err, size_t errlen)
{
	char *buf;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!strcmp(s, "dhcp"))
		return 0;
	if (strncmp(s, "static:", 7)) {
		err_set(err, errlen, "network '%s' is not dhcp or static:ADDRESS/PREFIX:GATEWAY[:DNS]", s);
		return -EINVAL;
	}
	buf = xstrdup(s + 7);
	rc = static_parse(s, buf, out, err, errlen);
	free(buf);
	if (rc < 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* --- user data ------------------------------------------------------------------------ */

int cloudinit_user_data_check(const char *text, size_t len, char *err, size_t errlen)
{
	size_t first = strcspn(text, "\r\n");

	if (len > CLOUDINIT_USER_DATA_MAX) {
		err_set(err, errlen, "user-data is %zu bytes; the limit is %d", len, CLOUDINIT_USER_DATA_MAX);
		return -E2BIG;
	}
	if (memchr(text, '\0', len) || strlen(text) != len) {
		err_set(err, errlen, "user-data has a NUL byte; it must be text");
		return -EINVAL;
	}
	if (!strncmp(text, "#!", 2))
		return 0;
	if (first >= 13 && !strncmp(text, "#cloud-config", 13) &&
	    strspn(text + 13, " \t") == first - 13)
		return 0;
	if (!first)
		err_set(err, errlen, "user-data must begin with a '#cloud-config' line or be a script ('#!'); it begins with an empty line");
	else
		err_set(err, errlen, "user-data must begin with a '#cloud-config' line or be a script ('#!'); it begins '%.*s'",
			(int)(first < 24 ? first : 24), text);
	return -EINVAL;
}
