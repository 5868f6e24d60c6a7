/*
 * A VM's cloud-init settings and their rules, shared by croftd (which
 * stores them and makes the NoCloud seed from them), the CLI and the
 * console (which judge them before sending, with the same words).
 *
 * On the wire and in the store the settings are one JSON object:
 *   {"user": NAME, "ssh_keys": [KEY...], "password_hash": HASH,
 *    "hostname": NAME, "network": "dhcp" | "static:A/P:GW[:DNS]",
 *    "user_data": TEXT}
 * every member optional but at least one given.  cloudinit_from_json()
 * judges such an object; cloudinit_to_text() writes the canonical form
 * the store keeps (members in that order, absent ones left out), so two
 * equal settings are equal strings.
 *
 * Pure functions: no I/O, no globals.  Each check returns 0, or -EINVAL
 * (-E2BIG for a size limit) with a message naming the problem.
 */
#ifndef CROFT_CLOUDINIT_H
#define CROFT_CLOUDINIT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CLOUDINIT_USER_MAX 32            /* useradd's limit */
#define CLOUDINIT_KEYS_MAX 16
#define CLOUDINIT_KEY_MAX 16384          /* one public key line */
#define CLOUDINIT_HASH_MAX 256
#define CLOUDINIT_USER_DATA_MAX 65536

/* Strings owned by the struct; NULL (and nkeys 0) when not given. */
struct cloudinit {
	char *user;
	char **ssh_keys;
	size_t nkeys;
	char *password_hash;
	char *hostname;
	char *network;
	char *user_data;
};

/* A parsed network setting. */
struct cloudinit_net {
	int is_static;           /* 0: dhcp */
	struct in_addr addr;
	uint32_t prefix;
	struct in_addr gateway;
	int has_dns;
	struct in_addr dns;
};

/* A login name: [a-z_][a-z0-9_-]*, at most CLOUDINIT_USER_MAX, not root. */
int cloudinit_user_check(const char *user, char *err, size_t errlen);
/* An RFC 1123 host name: dot-separated labels of 1-63 letters, digits and
 * '-' (not first or last), 253 characters at most, not all digits. */
int cloudinit_hostname_check(const char *name, char *err, size_t errlen);
/* An OpenSSH public key line "TYPE BASE64 [COMMENT]": a known type, a
 * blob that decodes and names that type; not a private key. */
int cloudinit_ssh_key_check(const char *key, char *err, size_t errlen);
/* A crypt(3) hash ($y$, $gy$, $7$, $6$, $5$, $2b$/$2a$/$2y$) of the right
 * shape; a plain password, MD5 or DES crypt and a locked entry are refused. */
int cloudinit_password_hash_check(const char *hash, char *err, size_t errlen);
/* "dhcp" or "static:ADDR/PREFIX:GATEWAY[:DNS]" (IPv4, the gateway inside
 * the address's subnet). */
int cloudinit_network_parse(const char *s, struct cloudinit_net *out, char *err, size_t errlen);
/* User data: "#cloud-config" or a "#!" script, at most
 * CLOUDINIT_USER_DATA_MAX bytes (len of them, no NUL among them). */
int cloudinit_user_data_check(const char *text, size_t len, char *err, size_t errlen);

/* Judge the object o (see the top) into *out.  0, or -errno with err
 * naming the member and the problem, and *out empty. */
int cloudinit_from_json(const json_t *o, struct cloudinit *out, char *err, size_t errlen);
/* The object, new reference. */
json_t *cloudinit_to_json(const struct cloudinit *c);
/* The canonical text (malloc'd), and back (judged again). */
char *cloudinit_to_text(const struct cloudinit *c);
int cloudinit_from_text(const char *text, struct cloudinit *out, char *err, size_t errlen);
void cloudinit_clear(struct cloudinit *c);

#endif
