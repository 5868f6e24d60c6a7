/*
 * The installed system's configuration files, as text: fstab by UUID, the
 * host name, the management bridge croftbr0 over the chosen NIC
 * (systemd-networkd: DHCP or a static address), the login banner with the
 * host's address and the ssh command, the console after login, GRUB's
 * menu, root's password hash in /etc/shadow.  Pure: inst_config_files()
 * returns the list, inst_engine.c writes it into the target.
 */
#ifndef CROFT_INSTALLER_INST_CONFIG_H
#define CROFT_INSTALLER_INST_CONFIG_H

#include "installer/answer.h"

#include <stddef.h>
#include <stdint.h>

#define INST_BRIDGE "croftbr0"

struct inst_sys {
	const struct answer *a;
	char nic[16];            /* the management NIC croftbr0 runs over */
	uint8_t mac[6];
	char root_uuid[37], data_uuid[37];
	char esp_uuid[10];       /* FAT volume id, "ABCD-1234" */
	char kver[64];           /* the kernel release in /boot */
};

struct inst_file {
	const char *path;        /* in the target, absolute */
	unsigned mode;
	char *text;              /* malloc'd */
};

/* The files to write (*out malloc'd; free with inst_config_files_free). */
void inst_config_files(const struct inst_sys *s, struct inst_file **out, size_t *n);
void inst_config_files_free(struct inst_file *f, size_t n);

/* /etc/shadow with root's password hash set to hash (malloc'd), or NULL
 * with err when shadow has no root line. */
char *inst_config_shadow(const char *shadow, const char *hash, char *err, size_t errlen);

/* The short host name: the first label of the answer's hostname. */
void inst_config_short_host(const char *fqdn, char *out, size_t len);

#endif
