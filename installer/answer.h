/*
 * The installer's answer file: an INI file (parsed with libinih) that
 * answers every question of the installer, for an unattended install.
 * Sections and keys (docs/install.md has the reference):
 *
 *   [global]      hostname, timezone, root-password-hashed, root-ssh-key
 *                 (repeatable); a password hash or a key is required
 *   [network]     source = dhcp | static; cidr, gateway, dns (static);
 *                 interface-mac or interface-name (a glob) picks the NIC
 *   [disk]        filter-serial, filter-model (globs), filter-size
 *                 (SIZE, MIN-MAX, MIN- or -MAX); at least one; filesystem
 *   [first-boot]  script: a path on the answer file's medium
 *
 * answer_parse() checks everything it can without the hardware and records
 * each problem with its line ("line 7: unknown key 'hostnme' in [global]");
 * answer_disk_pick() and answer_nic_pick() apply the filters to the disks
 * and NICs found, naming the filter's line when none or several match.
 * Nothing here touches a disk.
 */
#ifndef CROFT_INSTALLER_ANSWER_H
#define CROFT_INSTALLER_ANSWER_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define ANSWER_MAX_KEYS 8
#define ANSWER_KEY_MAX 2048
#define ANSWER_MAX_DNS 3
#define ANSWER_MAX_ERRORS 16
#define ANSWER_ERR_MAX 256

struct answer_error {
	int line;                   /* 0: not tied to one line */
	char msg[ANSWER_ERR_MAX];   /* "line 7: ..." */
};

enum answer_net_source { ANSWER_NET_UNSET, ANSWER_NET_DHCP, ANSWER_NET_STATIC };

struct answer {
	char hostname[254];
	char timezone[64];
	char root_password_hashed[256];
	char root_ssh_keys[ANSWER_MAX_KEYS][ANSWER_KEY_MAX];
	size_t n_ssh_keys;

	struct {
		enum answer_net_source source;
		struct in_addr addr, gateway;
		uint32_t prefix;
		struct in_addr dns[ANSWER_MAX_DNS];
		size_t n_dns;
		int has_mac;
		uint8_t mac[6];
		char name_glob[16];
		int line;           /* the [network] header's line */
	} net;

	struct {
		char serial_glob[128];
		char model_glob[128];
		int has_size;
		uint64_t size_min, size_max;   /* bytes; size_max 0: no maximum */
		char filesystem[8];            /* ext4 (default) or xfs */
		int line;                      /* the [disk] header's line */
	} disk;

	char first_boot_script[256];

	struct answer_error errors[ANSWER_MAX_ERRORS];
	size_t n_errors;            /* problems found (at most the array's size) */
};

/* Parse and check an answer file of len bytes.  0, or -EINVAL with every
 * problem in a->errors and the first one in err. */
int answer_parse(const char *text, size_t len, struct answer *a, char *err, size_t errlen);
/* answer_parse() of a file; -errno when it cannot be read (err names it). */
int answer_parse_file(const char *path, struct answer *a, char *err, size_t errlen);

/* A disk or a NIC as the installer found it. */
struct answer_disk {
	const char *name;     /* "sda" */
	const char *model;
	const char *serial;
	uint64_t size;        /* bytes */
};
struct answer_nic {
	const char *name;     /* "enp1s0" */
	uint8_t mac[6];
};

/* The one disk the [disk] filters match: its index, or -ENOENT (none) or
 * -EEXIST (several), err naming the filter's line and the disks. */
int answer_disk_pick(const struct answer *a, const struct answer_disk *disks, size_t n,
		     char *err, size_t errlen);
/* The one NIC the [network] filter matches (with no filter: the only NIC),
 * as answer_disk_pick(). */
int answer_nic_pick(const struct answer *a, const struct answer_nic *nics, size_t n,
		    char *err, size_t errlen);

/* The rules of single values, for the attended installer (which checks a
 * field as it is typed): 0, or -EINVAL with why saying what is wrong. */
int answer_hostname_check(const char *s, char *why, size_t whylen);
int answer_timezone_check(const char *s, char *why, size_t whylen);
int answer_hash_check(const char *s, char *why, size_t whylen);
int answer_ssh_key_check(const char *s, char *why, size_t whylen);
/* "192.168.1.10/24": a host address and its prefix. */
int answer_cidr_parse(const char *s, struct in_addr *addr, uint32_t *prefix,
		      char *why, size_t whylen);
/* The gateway lies in the host's subnet and is not the host itself. */
int answer_gateway_check(struct in_addr gw, struct in_addr addr, uint32_t prefix,
			 char *why, size_t whylen);
/* "1.1.1.1, 9.9.9.9": 1..ANSWER_MAX_DNS servers into dns[], *n of them. */
int answer_dns_parse(const char *v, struct in_addr *dns, size_t *n, char *why, size_t whylen);

#endif
