/*
 * The cloud-init NoCloud seed of a VM, made by pure functions from its
 * cloud-init settings (common/cloudinit.h) and identity: text in, text
 * out, golden-tested.
 *
 *   meta-data       instance-id "croft-<uuid>-<generation>" (a new uuid,
 *                   as a clone has, or a new generation, as every change
 *                   of the settings makes, is a new instance to
 *                   cloud-init, which then runs its per-instance steps
 *                   again) and local-hostname.
 *   user-data       "#cloud-config" with the host name, the user (sudo
 *                   without password, the keys, the password hash), or
 *                   when the settings carry user data of their own, a
 *                   MIME multipart of croft's part then theirs:
 *                   cloud-init merges a second #cloud-config over the
 *                   first (theirs wins on the same key) and runs a script.
 *   network-config  version 2, matched by the NICs' MACs (by name e* when
 *                   the VM has none): DHCP on each, or the static setting
 *                   on the first; absent when the settings name no network
 *                   (cloud-init's default is DHCP on the first NIC).
 *
 * ci_seed_image() packs them as the ISO 9660 volume "cidata".
 */
#ifndef CROFT_CI_SEED_H
#define CROFT_CI_SEED_H

#include <stddef.h>
#include <stdint.h>

struct cloudinit;

#define CI_SEED_VOLID "cidata"

/* What the seed knows of the VM; borrowed. */
struct ci_seed_vm {
	const char *name;            /* the host name when the settings give none */
	const char *uuid;
	uint32_t generation;
	const char *const *macs;     /* its NICs in order, "52:54:00:..." */
	size_t nmacs;
};

/* malloc'd texts; network_config NULL when there is none. */
struct ci_seed {
	char *meta_data;
	char *user_data;
	char *network_config;
};

/* "croft-<uuid>-<generation>", malloc'd. */
char *ci_seed_instance_id(const char *uuid, uint32_t generation);

/* The three texts of c for vm.  0, or -EINVAL with err (settings that do
 * not pass cloudinit.h's rules). */
int ci_seed_build(const struct cloudinit *c, const struct ci_seed_vm *vm, struct ci_seed *out,
		  char *err, size_t errlen);
void ci_seed_clear(struct ci_seed *s);

/* The seed as an ISO 9660 image (iso9660.h), malloc'd. */
int ci_seed_image(const struct ci_seed *s, unsigned char **img, size_t *len,
		  char *err, size_t errlen);

#endif
