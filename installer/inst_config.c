/*
 * The installed system's configuration files (inst_config.h).  Each file
 * is one small function; the table at the end lists them with their paths
 * and modes.
 */
#include "installer/inst_config.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void inst_config_short_host(const char *fqdn, char *out, size_t len)
{
	size_t n = strcspn(fqdn, ".");

	snprintf(out, len, "%.*s", (int)n, fqdn);
}

static char *cfg_fstab(const struct inst_sys *s)
{
	const char *fs = s->a->disk.filesystem[0] ? s->a->disk.filesystem : "ext4";

	return xasprintf("# /etc/fstab, written by croft-install: the partitions by UUID\n"
			 "UUID=%s  /                     %-4s  errors=remount-ro  0 1\n"
			 "UUID=%s  /boot/efi  vfat  umask=0077  0 2\n"
			 "UUID=%s  /var/lib/croft/pools  %-4s  defaults  0 2\n",
			 s->root_uuid, fs, s->esp_uuid, s->data_uuid, fs);
}

static char *cfg_hostname(const struct inst_sys *s)
{
	char h[64];

	inst_config_short_host(s->a->hostname, h, sizeof(h));
	return xasprintf("%s\n", h);
}

static char *cfg_hosts(const struct inst_sys *s)
{
	char h[64];

	inst_config_short_host(s->a->hostname, h, sizeof(h));
	if (!strcmp(h, s->a->hostname))
		return xasprintf("127.0.0.1\tlocalhost\n127.0.1.1\t%s\n\n"
				 "::1\tlocalhost ip6-localhost ip6-loopback\n", h);
	return xasprintf("127.0.0.1\tlocalhost\n127.0.1.1\t%s %s\n\n"
			 "::1\tlocalhost ip6-localhost ip6-loopback\n", s->a->hostname, h);
}

/* The bridge keeps the NIC's MAC, so the LAN's DHCP server sees the same
 * machine as before the install. */
static char *cfg_netdev(const struct inst_sys *s)
{
	char mac[ADDR_MAC_STRLEN];

	return xasprintf("# croft's management bridge: the host's address lives here, and bridged\n"
			 "# guest networks use it as their uplink, VLAN-tagged guest NICs included\n"
			 "# (VLAN filtering; the host itself stays untagged on VLAN 1).\n"
			 "[NetDev]\nName=" INST_BRIDGE "\nKind=bridge\nMACAddress=%s\n\n"
			 "[Bridge]\nSTP=no\nVLANFiltering=yes\n",
			 addr_mac_str(s->mac, mac));
}

static char *cfg_nic_network(const struct inst_sys *s)
{
	char mac[ADDR_MAC_STRLEN];

	return xasprintf("# The management NIC (MAC %s) is a port of " INST_BRIDGE ".\n"
			 "[Match]\nName=%s\n\n[Network]\nBridge=" INST_BRIDGE "\n",
			 addr_mac_str(s->mac, mac), s->nic);
}

static char *cfg_bridge_network(const struct inst_sys *s)
{
	const struct answer *a = s->a;
	char addr[ADDR_STRLEN], gw[ADDR_STRLEN], dns[ADDR_STRLEN], *t, *dnsl = xstrdup("");
	size_t i;

	if (a->net.source != ANSWER_NET_STATIC) {
		free(dnsl);
		return xstrdup("[Match]\nName=" INST_BRIDGE "\n\n"
			       "[Network]\nDHCP=ipv4\nIPv6AcceptRA=yes\nConfigureWithoutCarrier=yes\n\n"
			       "[DHCPv4]\nClientIdentifier=mac\n");
	}
	for (i = 0; i < a->net.n_dns; i++) {
		t = xasprintf("%sDNS=%s\n", dnsl, addr_str(a->net.dns[i], dns));
		free(dnsl);
		dnsl = t;
	}
	t = xasprintf("[Match]\nName=" INST_BRIDGE "\n\n"
		      "[Network]\nAddress=%s/%u\nGateway=%s\n%sConfigureWithoutCarrier=yes\n",
		      addr_str(a->net.addr, addr), (unsigned)a->net.prefix,
		      addr_str(a->net.gateway, gw), dnsl);
	free(dnsl);
	return t;
}

/* networkd must leave croft-netd's bridges, routes and rules alone. */
static char *cfg_networkd_conf(const struct inst_sys *s)
{
	(void)s;
	return xstrdup("# croft-netd owns its own links, routes and nftables; networkd manages\n"
		       "# only croftbr0 and its NIC (written by croft-install).\n"
		       "[Network]\nManageForeignRoutes=no\nManageForeignRoutingPolicyRules=no\n");
}

static char *cfg_resolv(const struct inst_sys *s)
{
	char dns[ADDR_STRLEN], *t = xstrdup("# written by croft-install\n"), *u;
	size_t i;

	for (i = 0; i < s->a->net.n_dns; i++) {
		u = xasprintf("%snameserver %s\n", t, addr_str(s->a->net.dns[i], dns));
		free(t);
		t = u;
	}
	return t;
}

/* agetty's banner: \4{croftbr0} is the bridge's IPv4 address when the
 * banner is shown. */
static char *cfg_issue(const struct inst_sys *s)
{
	(void)s;
	return xstrdup("\ncroft appliance \\n (\\l)\n"
		       "  address:  \\4{" INST_BRIDGE "}\n"
		       "  over SSH: ssh root@\\4{" INST_BRIDGE "}\n"
		       "  log in as root or a member of the croft group: the croft console starts;\n"
		       "  leaving it gives a shell.\n\n");
}

static char *cfg_profile(const struct inst_sys *s)
{
	(void)s;
	return xstrdup(
		"# croft: after logging in on the machine's screen (tty1) or its serial line\n"
		"# (ttyS0), root and members of the croft group get the croft console;\n"
		"# leaving it gives this shell (type 'croft' to go back).  Written by\n"
		"# croft-install.\n"
		"case \"$(tty 2>/dev/null)\" in\n"
		"/dev/tty1|/dev/ttyS0)\n"
		"\tif [ -z \"${CROFT_CONSOLE_STARTED:-}\" ] && [ -x /usr/bin/croft ] &&\n"
		"\t   { [ \"$(id -u)\" = 0 ] || id -nG | tr ' ' '\\n' | grep -qx croft; }; then\n"
		"\t\texport CROFT_CONSOLE_STARTED=1\n"
		"\t\t/usr/bin/croft\n"
		"\t\techo \"croft: the console has ended; this is a shell ('croft' starts the console again)\"\n"
		"\tfi\n"
		"\t;;\n"
		"esac\n");
}

static char *cfg_grub(const struct inst_sys *s)
{
	return xasprintf(
		"# croft's boot menu (written by croft-install), on the screen and the\n"
		"# serial line ttyS0 (115200 8N1).\n"
		"serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1\n"
		"terminal_input console serial\nterminal_output console serial\n"
		"set timeout=3\nset default=0\n"
		"insmod part_gpt\ninsmod ext2\ninsmod xfs\n"
		"search --no-floppy --fs-uuid --set=root %s\n\n"
		"menuentry \"croft\" {\n"
		"\tlinux /boot/vmlinuz-%s root=UUID=%s ro quiet console=tty0 console=ttyS0,115200n8\n"
		"\tinitrd /boot/initrd.img-%s\n}\n"
		"menuentry \"croft (recovery: a root shell, no services)\" {\n"
		"\tlinux /boot/vmlinuz-%s root=UUID=%s ro single console=tty0 console=ttyS0,115200n8\n"
		"\tinitrd /boot/initrd.img-%s\n}\n",
		s->root_uuid, s->kver, s->root_uuid, s->kver, s->kver, s->root_uuid, s->kver);
}

static char *cfg_keys(const struct inst_sys *s)
{
	char *t = xstrdup(""), *u;
	size_t i;

	for (i = 0; i < s->a->n_ssh_keys; i++) {
		u = xasprintf("%s%s\n", t, s->a->root_ssh_keys[i]);
		free(t);
		t = u;
	}
	return t;
}

static char *cfg_timezone(const struct inst_sys *s)
{
	return xasprintf("%s\n", s->a->timezone);
}

static char *cfg_first_boot_unit(const struct inst_sys *s)
{
	(void)s;
	return xstrdup("[Unit]\nDescription=croft: the answer file's first-boot script (once)\n"
		       "Wants=network-online.target\n"
		       "After=network-online.target croftd.service croft-netd.service\n"
		       "ConditionPathExists=/var/lib/croft-install/first-boot\n\n"
		       "[Service]\nType=oneshot\n"
		       "ExecStart=/bin/sh -c '/var/lib/croft-install/first-boot >/var/log/croft-first-boot.log 2>&1; "
		       "echo \"exit $?\" >>/var/log/croft-first-boot.log; "
		       "mv /var/lib/croft-install/first-boot /var/lib/croft-install/first-boot.done'\n\n"
		       "[Install]\nWantedBy=multi-user.target\n");
}

static const struct {
	const char *path;
	unsigned mode;
	char *(*make)(const struct inst_sys *s);
	int when;   /* 0 always, 1 static network only, 2 with ssh keys, 3 with a first-boot script */
} files[] = {
	{ "/etc/fstab", 0644, cfg_fstab, 0 },
	{ "/etc/hostname", 0644, cfg_hostname, 0 },
	{ "/etc/hosts", 0644, cfg_hosts, 0 },
	{ "/etc/timezone", 0644, cfg_timezone, 0 },
	{ "/etc/systemd/network/10-croftbr0.netdev", 0644, cfg_netdev, 0 },
	{ "/etc/systemd/network/10-croftbr0.network", 0644, cfg_bridge_network, 0 },
	{ "/etc/systemd/network/20-croft-uplink.network", 0644, cfg_nic_network, 0 },
	{ "/etc/systemd/networkd.conf.d/croft.conf", 0644, cfg_networkd_conf, 0 },
	{ "/etc/resolv.conf", 0644, cfg_resolv, 1 },
	{ "/etc/issue", 0644, cfg_issue, 0 },
	{ "/etc/profile.d/croft-console.sh", 0644, cfg_profile, 0 },
	{ "/boot/grub/grub.cfg", 0644, cfg_grub, 0 },
	{ "/root/.ssh/authorized_keys", 0600, cfg_keys, 2 },
	{ "/etc/systemd/system/croft-first-boot.service", 0644, cfg_first_boot_unit, 3 },
};

void inst_config_files(const struct inst_sys *s, struct inst_file **out, size_t *n)
{
	struct inst_file *v = xcalloc(sizeof(files) / sizeof(files[0]), sizeof(*v));
	size_t i, k = 0;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((files[i].when == 1 && s->a->net.source != ANSWER_NET_STATIC) ||
		    (files[i].when == 2 && !s->a->n_ssh_keys) ||
		    (files[i].when == 3 && !s->a->first_boot_script[0]))
			continue;
		v[k].path = files[i].path;
		v[k].mode = files[i].mode;
		v[k].text = files[i].make(s);
		k++;
	}
	*out = v;
	*n = k;
}

void inst_config_files_free(struct inst_file *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(f[i].text);
	free(f);
}

char *inst_config_shadow(const char *shadow, const char *hash, char *err, size_t errlen)
{
	const char *line = shadow, *field, *rest;

	while (line && *line) {
		if (!strncmp(line, "root:", 5)) {
			field = line + 5;
			rest = strchr(field, ':');
			if (!rest)
				break;
			return xasprintf("%.*s%s%s", (int)(field - shadow), shadow, hash, rest);
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	err_set(err, errlen, "the target's /etc/shadow has no line for root");
	return NULL;
}
