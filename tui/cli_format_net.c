/*
 * Human output of the net and vm nic commands: tables for lists, key:
 * value blocks for one network, one line per change.  Like cli_format.c,
 * every function reads the API's JSON as it is and prints "-" for what is
 * missing or null, so a croftd with more fields never breaks it.
 */
#include "tui/cli.h"
#include "common/json_get.h"

#include <string.h>

/* --- networks --------------------------------------------------------------- */

static void net_row(const json_t *o, cli_row_t c)
{
	snprintf(c[0], CLI_CELL, "%s", cli_str(o, "name"));
	snprintf(c[1], CLI_CELL, "%s", cli_str(o, "mode"));
	snprintf(c[2], CLI_CELL, "%s", cli_str(o, "subnet"));
	snprintf(c[3], CLI_CELL, "%s", cli_str(o, "uplink"));
	snprintf(c[4], CLI_CELL, "%s", cli_str(o, "bridge"));
	snprintf(c[5], CLI_CELL, "%zu", json_array_size(jget_arr(o, "nics")));
	snprintf(c[6], CLI_CELL, "%zu", json_array_size(jget_arr(o, "forwards")));
}

void cli_format_net_list(FILE *f, const json_t *nets)
{
	static const struct cli_col cols[] = {
		{ "NAME", 0 }, { "MODE", 0 }, { "SUBNET", 0 }, { "UPLINK", 0 }, { "BRIDGE", 0 },
		{ "NICS", 1 }, { "FORWARDS", 1 },
	};

	if (!json_array_size(nets))
		fputs("No networks. Create one with: croft net create NAME --mode nat\n", f);
	else
		cli_table(f, cols, 7, nets, net_row);
}

static void fwd_line(FILE *f, const char *prefix, const json_t *fw, const char *suffix)
{
	char hp[24], gp[24];
	const char *addr = jget_str(fw, "address", NULL);

	fprintf(f, "%s%s port %s -> %s:%s", prefix, cli_str(fw, "proto"),
		cli_int(fw, "host_port", hp, sizeof(hp)), cli_str(fw, "vm"),
		cli_int(fw, "port", gp, sizeof(gp)));
	if (addr)
		fprintf(f, " (%s)", addr);
	fprintf(f, "%s\n", suffix);
}

void cli_format_net_info(FILE *f, const json_t *net)
{
	const json_t *nics = jget_arr(net, "nics");
	const json_t *fwds = jget_arr(net, "forwards");
	const char *first = jget_str(net, "dhcp_first", NULL);
	const char *last = jget_str(net, "dhcp_last", NULL);
	char buf[128];
	size_t i;

	cli_kv(f, "name", cli_str(net, "name"));
	cli_kv(f, "mode", cli_str(net, "mode"));
	cli_kv(f, "subnet", cli_str(net, "subnet"));
	cli_kv(f, "gateway", cli_str(net, "gateway"));
	if (first && last)
		snprintf(buf, sizeof(buf), "%s - %s", first, last);
	else
		snprintf(buf, sizeof(buf), "-");
	cli_kv(f, "dhcp", buf);
	cli_kv(f, "uplink", cli_str(net, "uplink"));
	cli_kv(f, "bridge", cli_str(net, "bridge"));
	if (strcmp(cli_str(net, "mode"), "bridged"))
		cli_kv(f, "host access", json_is_true(json_object_get(net, "host_access"))
		       ? "on (guests reach every host service)" : "off (DHCP, DNS and ping only)");
	if (!json_array_size(nics)) {
		cli_kv(f, "nics", "none");
	} else {
		fputs("nics:\n", f);
		for (i = 0; i < json_array_size(nics); i++) {
			const json_t *n = json_array_get(nics, i);

			fprintf(f, "  %s %s %s\n", cli_str(n, "vm"), cli_str(n, "mac"),
				cli_str(n, "address"));
		}
	}
	if (!json_array_size(fwds)) {
		cli_kv(f, "forwards", "none");
	} else {
		fputs("forwards:\n", f);
		for (i = 0; i < json_array_size(fwds); i++)
			fwd_line(f, "  ", json_array_get(fwds, i), "");
	}
}

void cli_format_removed_net(FILE *f, const json_t *result)
{
	const json_t *nics = jget_arr(result, "nics_removed");
	const json_t *fwds = jget_arr(result, "forwards_removed");
	size_t i;

	for (i = 0; i < json_array_size(nics); i++) {
		const json_t *n = json_array_get(nics, i);

		if (jget(n, "vm"))
			fprintf(f, "  removed NIC %s of VM %s\n", cli_str(n, "mac"),
				cli_str(n, "vm"));
		else
			fprintf(f, "  removed NIC %s on network %s\n", cli_str(n, "mac"),
				cli_str(n, "net"));
	}
	for (i = 0; i < json_array_size(fwds); i++) {
		const json_t *fw = json_array_get(fwds, i);
		char prefix[96];

		snprintf(prefix, sizeof(prefix), "  removed forward on %s: ", cli_str(fw, "net"));
		fwd_line(f, prefix, fw, "");
	}
}

void cli_format_net_delete(FILE *f, const json_t *result)
{
	fprintf(f, "%s: deleted\n", cli_str(result, "name"));
	cli_format_removed_net(f, result);
}

/* --- forwards ------------------------------------------------------------------- */

static void fwd_row(const json_t *o, cli_row_t c)
{
	snprintf(c[0], CLI_CELL, "%s", cli_str(o, "proto"));
	cli_int(o, "host_port", c[1], CLI_CELL);
	snprintf(c[2], CLI_CELL, "%s", cli_str(o, "vm"));
	cli_int(o, "port", c[3], CLI_CELL);
	snprintf(c[4], CLI_CELL, "%s", cli_str(o, "address"));
}

void cli_format_fwd_list(FILE *f, const json_t *fwds)
{
	static const struct cli_col cols[] = {
		{ "PROTO", 0 }, { "HOST-PORT", 1 }, { "VM", 0 }, { "PORT", 1 }, { "ADDRESS", 0 },
	};

	if (!json_array_size(fwds))
		fputs("No port forwards. Add one with: croft net forward add NET --proto tcp "
		      "--host-port P --to VM:PORT\n", f);
	else
		cli_table(f, cols, 5, fwds, fwd_row);
}

void cli_format_fwd(FILE *f, const char *what, const json_t *fwd)
{
	char prefix[96], suffix[32];

	snprintf(prefix, sizeof(prefix), "%s: ", cli_str(fwd, "net"));
	snprintf(suffix, sizeof(suffix), " %s", what);
	fwd_line(f, prefix, fwd, suffix);
}

/* --- NICs ------------------------------------------------------------------------ */

static void nic_row(const json_t *o, cli_row_t c)
{
	snprintf(c[0], CLI_CELL, "%s", cli_str(o, "net"));
	snprintf(c[1], CLI_CELL, "%s", cli_str(o, "mac"));
	snprintf(c[2], CLI_CELL, "%s", cli_str(o, "ip"));
	snprintf(c[3], CLI_CELL, "%s", cli_str(o, "address"));
	cli_int(o, "vlan", c[4], CLI_CELL);
	if (strcmp(cli_int(o, "rate", c[5], CLI_CELL), "-"))
		strcat(c[5], "M");
	snprintf(c[6], CLI_CELL, "%s", cli_str(o, "tap"));
}

void cli_format_nic_list(FILE *f, const json_t *nics)
{
	static const struct cli_col cols[] = {
		{ "NET", 0 }, { "MAC", 0 }, { "IP", 0 }, { "ADDRESS", 0 }, { "VLAN", 1 },
		{ "RATE", 1 }, { "TAP", 0 },
	};

	if (!json_array_size(nics))
		fputs("No NICs. Add one with: croft vm nic add VM --net NAME\n", f);
	else
		cli_table(f, cols, 7, nics, nic_row);
}

void cli_format_vm_nics(FILE *f, const json_t *nics)
{
	size_t i;

	if (!json_array_size(nics)) {
		cli_kv(f, "nics", "none");
		return;
	}
	fputs("nics:\n", f);
	for (i = 0; i < json_array_size(nics); i++) {
		const json_t *n = json_array_get(nics, i);
		char tmp[24];

		fprintf(f, "  %zu: %s on %s, ip %s", i, cli_str(n, "mac"), cli_str(n, "net"),
			cli_str(n, "ip"));
		if (jget_str(n, "address", NULL))
			fprintf(f, " (address %s)", cli_str(n, "address"));
		if (json_is_integer(jget(n, "vlan")))
			fprintf(f, ", vlan %s", cli_int(n, "vlan", tmp, sizeof(tmp)));
		if (json_is_integer(jget(n, "rate")))
			fprintf(f, ", %s Mbit/s", cli_int(n, "rate", tmp, sizeof(tmp)));
		fprintf(f, ", tap %s\n", cli_str(n, "tap"));
	}
}

const char *cli_vm_first_ip(const json_t *vm)
{
	static char buf[64];
	const char *ip = jget_str(json_array_get(jget_arr(vm, "nics"), 0), "ip", NULL);
	const char *ga = json_string_value(json_array_get(jget_arr(jget(vm, "guest"),
								   "addresses"), 0));

	if (ip || !ga)
		return cli_str(json_array_get(jget_arr(vm, "nics"), 0), "ip");
	/* No lease of croft's (a bridged network): what the guest agent says. */
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(ga, "/"), ga);
	return buf;
}
