/*
 * The NoCloud seed texts (ci_seed.h).  YAML is written by hand in one
 * fixed shape: every string a setting gives is double-quoted with '"' and
 * '\' escaped (the rules of cloudinit.h already keep control characters
 * out), so no value can change the document's structure.
 */
#include "core/ci_seed.h"
#include "core/iso9660.h"
#include "common/cloudinit.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void key_str(FILE *f, const char *indent, const char *key, const char *val)
{
	fprintf(f, "%s%s: ", indent, key);
	quoted(f, val);
	fputc('\n', f);
}

static char *close_text(FILE *f, char **buf)
{
	fclose(f);
	return *buf;
}

char *ci_seed_instance_id(const char *uuid, uint32_t generation)
{
	return xasprintf("croft-%s-%" PRIu32, uuid, generation);
}

/* The host name cloud-init sets: the settings', else the VM's name when
 * it is a valid one, else none. */
static const char *host_name(const struct cloudinit *c, const struct ci_seed_vm *vm)
{
	char why[256];

	if (c->hostname)
		return c->hostname;
	return cloudinit_hostname_check(vm->name, why, sizeof(why)) == 0 ? vm->name : NULL;
}

static char *meta_data(const struct cloudinit *c, const struct ci_seed_vm *vm)
{
	char *buf = NULL, *iid = ci_seed_instance_id(vm->uuid, vm->generation);
	const char *host = host_name(c, vm);
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	key_str(f, "", "instance-id", iid);
	if (host)
		key_str(f, "", "local-hostname", host);
	free(iid);
	return close_text(f, &buf);
}

static void keys_list(FILE *f, const char *indent, const struct cloudinit *c)
{
	size_t i;

	for (i = 0; i < c->nkeys; i++) {
		fprintf(f, "%s  - ", indent);
		quoted(f, c->ssh_keys[i]);
		fputc('\n', f);
	}
}

static char *cloud_config(const struct cloudinit *c, const struct ci_seed_vm *vm)
{
	const char *host = host_name(c, vm);
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fputs("#cloud-config\n", f);
	if (host) {
		const char *dot = strchr(host, '.');
		char *label = xstrndup(host, dot ? (size_t)(dot - host) : strlen(host));

		key_str(f, "", "hostname", label);
		if (dot)
			key_str(f, "", "fqdn", host);
		fputs("preserve_hostname: false\n", f);
		free(label);
	}
	if (c->user) {
		fputs("users:\n", f);
		key_str(f, "  - ", "name", c->user);
		key_str(f, "    ", "sudo", "ALL=(ALL) NOPASSWD:ALL");
		key_str(f, "    ", "shell", "/bin/bash");
		fprintf(f, "    lock_passwd: %s\n", c->password_hash ? "false" : "true");
		if (c->password_hash)
			key_str(f, "    ", "hashed_passwd", c->password_hash);
		if (c->nkeys) {
			fputs("    ssh_authorized_keys:\n", f);
			keys_list(f, "    ", c);
		}
	} else if (c->nkeys) {
		fputs("ssh_authorized_keys:\n", f);
		keys_list(f, "", c);
	}
	if (c->password_hash && !c->nkeys)
		fputs("ssh_pwauth: true\n", f);
	return close_text(f, &buf);
}

/* croft's part and the settings' own user data, as cloud-init's MIME
 * multipart; the boundary is one that appears in neither. */
static char *multipart(const char *ours, const char *theirs)
{
	char boundary[48], *buf = NULL;
	unsigned n = 0;
	size_t len;
	FILE *f;

	do
		snprintf(boundary, sizeof(boundary), "==croft-cidata-%u==", n++);
	while (strstr(ours, boundary) || strstr(theirs, boundary));
	if (!(f = open_memstream(&buf, &len)))
		abort();
	fprintf(f, "Content-Type: multipart/mixed; boundary=\"%s\"\nMIME-Version: 1.0\n\n", boundary);
	fprintf(f, "--%s\nContent-Type: text/cloud-config; charset=\"utf-8\"\nMIME-Version: 1.0\n"
		"Content-Disposition: attachment; filename=\"croft.cfg\"\n\n%s", boundary, ours);
	fprintf(f, "--%s\nContent-Type: %s; charset=\"utf-8\"\nMIME-Version: 1.0\n"
		"Content-Disposition: attachment; filename=\"user-data\"\n\n%s%s",
		boundary, strncmp(theirs, "#!", 2) ? "text/cloud-config" : "text/x-shellscript",
		theirs, *theirs && theirs[strlen(theirs) - 1] == '\n' ? "" : "\n");
	fprintf(f, "--%s--\n", boundary);
	return close_text(f, &buf);
}

static void nic_head(FILE *f, size_t i, const struct ci_seed_vm *vm)
{
	fprintf(f, "  nic%zu:\n    match:\n", i);
	if (vm->nmacs)
		key_str(f, "      ", "macaddress", vm->macs[i]);
	else
		key_str(f, "      ", "name", "e*");
}

static char *network_config(const struct cloudinit_net *n, const struct ci_seed_vm *vm)
{
	char a[ADDR_CIDR_STRLEN], b[ADDR_STRLEN], *buf = NULL;
	size_t len, i, count = vm->nmacs ? vm->nmacs : 1;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fputs("version: 2\nethernets:\n", f);
	if (!n->is_static) {
		for (i = 0; i < count; i++) {
			nic_head(f, i, vm);
			fputs("    dhcp4: true\n", f);
		}
		return close_text(f, &buf);
	}
	nic_head(f, 0, vm);
	fputs("    dhcp4: false\n    addresses:\n", f);
	fprintf(f, "      - \"%s\"\n", addr_cidr_str(n->addr, n->prefix, a));
	fputs("    routes:\n      - to: \"0.0.0.0/0\"\n", f);
	fprintf(f, "        via: \"%s\"\n", addr_str(n->gateway, b));
	if (n->has_dns)
		fprintf(f, "    nameservers:\n      addresses:\n        - \"%s\"\n", addr_str(n->dns, b));
	return close_text(f, &buf);
}

int ci_seed_build(const struct cloudinit *c, const struct ci_seed_vm *vm, struct ci_seed *out,
		  char *err, size_t errlen)
{
	struct cloudinit_net net;
	char *ours;

	memset(out, 0, sizeof(*out));
	if (c->network && cloudinit_network_parse(c->network, &net, err, errlen) < 0)
		return -EINVAL;
	out->meta_data = meta_data(c, vm);
	ours = cloud_config(c, vm);
	if (c->user_data) {
		out->user_data = multipart(ours, c->user_data);
		free(ours);
	} else {
		out->user_data = ours;
	}
	if (c->network)
		out->network_config = network_config(&net, vm);
	return 0;
}

void ci_seed_clear(struct ci_seed *s)
{
	free(s->meta_data);
	free(s->user_data);
	free(s->network_config);
	memset(s, 0, sizeof(*s));
}

int ci_seed_image(const struct ci_seed *s, unsigned char **img, size_t *len,
		  char *err, size_t errlen)
{
	struct iso9660_file files[3] = {
		{ "meta-data", s->meta_data, strlen(s->meta_data) },
		{ "user-data", s->user_data, strlen(s->user_data) },
		{ "network-config", s->network_config, s->network_config ? strlen(s->network_config) : 0 },
	};

	return iso9660_build(CI_SEED_VOLID, files, s->network_config ? 3 : 2, img, len, err, errlen);
}
