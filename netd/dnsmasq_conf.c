/*
 * The two files netd writes for a network's dnsmasq.  The config pins
 * dnsmasq to the bridge (bind-interfaces, the bridge and its gateway
 * address only, never lo), reads no /etc/hosts, and hands out the DHCP
 * range with one-hour leases; static leases come from the hosts file, which
 * dnsmasq rereads on SIGHUP.  nat networks get the gateway as router and
 * DNS server (dnsmasq forwards queries per the host's resolv.conf);
 * host-only networks get neither (DNS is off: port=0).
 */
#include "netd/dnsmasq.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dnsmasq_files_init(struct dnsmasq_files *f, const char *run_dir, uint32_t net_id)
{
	f->dir = xasprintf("%s/net/%u", run_dir, (unsigned)net_id);
	f->conf = xasprintf("%s/dnsmasq.conf", f->dir);
	f->hosts = xasprintf("%s/hosts", f->dir);
	f->leases = xasprintf("%s/leases", f->dir);
	f->pid = xasprintf("%s/dnsmasq.pid", f->dir);
	f->log = xasprintf("%s/dnsmasq.log", f->dir);
}

void dnsmasq_files_free(struct dnsmasq_files *f)
{
	free(f->dir);
	free(f->conf);
	free(f->hosts);
	free(f->leases);
	free(f->pid);
	free(f->log);
	memset(f, 0, sizeof(*f));
}

char *dnsmasq_conf_text(const struct netd_net *net, const struct dnsmasq_files *f,
			const char *user, const char *group)
{
	char br[NETD_IFNAME_LEN], gw[ADDR_STRLEN], first[ADDR_STRLEN];
	char last[ADDR_STRLEN], mask[ADDR_STRLEN];
	struct in_addr m = { htonl(addr_mask(net->prefix)) };
	char *head, *mode, *text;

	netd_bridge_name(net->id, br);
	addr_str(net->gateway, gw);
	head = xasprintf(
		"# dnsmasq for croft network %s (%s), written by croft-netd; edits are overwritten\n"
		"keep-in-foreground\n"
		"log-facility=-\n"
		"user=%s\n"
		"group=%s\n"
		"pid-file=%s\n"
		"bind-interfaces\n"
		"interface=%s\n"
		"listen-address=%s\n"
		"except-interface=lo\n"
		"no-hosts\n"
		"dhcp-authoritative\n"
		"dhcp-range=%s,%s,%s,1h\n"
		"dhcp-leasefile=%s\n"
		"dhcp-hostsfile=%s\n",
		net->name, br, user, group, f->pid, br, gw,
		addr_str(net->dhcp_first, first), addr_str(net->dhcp_last, last),
		addr_str(m, mask), f->leases, f->hosts);
	if (net->mode == NETD_MODE_NAT)
		mode = xasprintf(
			"# nat: the gateway routes and answers DNS (forwarded per the host's resolv.conf)\n"
			"dhcp-option=option:router,%s\n"
			"dhcp-option=option:dns-server,%s\n"
			"domain-needed\n"
			"bogus-priv\n", gw, gw);
	else
		mode = xasprintf(
			"# host-only: no DNS, and clients are told of no router and no DNS server\n"
			"port=0\n"
			"dhcp-option=option:router\n"
			"dhcp-option=option:dns-server\n");
	text = xasprintf("%s%s", head, mode);
	free(head);
	free(mode);
	return text;
}

/* A VM name as a DHCP host name: letters, digits and '-' only. */
static void host_name(const char *vm, char *out, size_t size)
{
	size_t i;

	for (i = 0; vm[i] && i + 1 < size; i++)
		out[i] = isalnum((unsigned char)vm[i]) ? vm[i] : '-';
	out[i] = '\0';
	while (i > 0 && out[i - 1] == '-')
		out[--i] = '\0';
}

char *dnsmasq_hosts_text(const struct netd_state *st, uint32_t net_id)
{
	char mac[ADDR_MAC_STRLEN], ip[ADDR_STRLEN], name[NETD_NAME_LEN];
	char *text = NULL;
	size_t i, size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		abort();
	for (i = 0; i < st->n_nics; i++) {
		const struct netd_nic *c = &st->nics[i];

		if (c->net_id != net_id || !c->ip.s_addr)
			continue;
		host_name(c->vm, name, sizeof(name));
		fprintf(f, "%s,%s%s%s\n", addr_mac_str(c->mac, mac), addr_str(c->ip, ip),
			name[0] ? "," : "", name);
	}
	if (fclose(f) != 0 || !text)
		abort();
	return text;
}
