/*
 * Human output of the net and vm nic commands: tables for lists, key:
 * value blocks for one network, one line per change.  Like cli_format.c,
 * every function reads the API's JSON as it is and prints "-" for what is
 * missing or null, so a croftd with more fields never breaks it.
 */
#include "tui/cli.h"

#include <stdlib.h>
#include <string.h>

#define CELL 80
#define COLS_MAX 8

static const char *str_or_dash(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : "-";
}

/* An integer member as text, or "-". */
static const char *int_or_dash(const json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return "-";
	snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	return buf;
}

/* A table: head[ncols], then rows of ncols cells; right[c] aligns right. */
static void table(FILE *f, const char *const *head, const int *right, int ncols,
		  char (*cells)[COLS_MAX][CELL], size_t nrows)
{
	size_t width[COLS_MAX], i;
	int c;

	for (c = 0; c < ncols; c++)
		width[c] = strlen(head[c]);
	for (i = 0; i < nrows; i++)
		for (c = 0; c < ncols; c++)
			if (strlen(cells[i][c]) > width[c])
				width[c] = strlen(cells[i][c]);
	for (i = 0; i <= nrows; i++) {
		for (c = 0; c < ncols; c++) {
			const char *s = i == 0 ? head[c] : cells[i - 1][c];

			if (c)
				fputs("  ", f);
			if (right[c])
				fprintf(f, "%*s", (int)width[c], s);
			else if (c == ncols - 1)
				fputs(s, f);
			else
				fprintf(f, "%-*s", (int)width[c], s);
		}
		fputc('\n', f);
	}
}

static void kv(FILE *f, const char *key, const char *val)
{
	char k[32];

	snprintf(k, sizeof(k), "%s:", key);
	fprintf(f, "%-12s %s\n", k, val);
}

/* --- networks --------------------------------------------------------------- */

void cli_format_net_list(FILE *f, const json_t *nets)
{
	static const char *const head[] = {
		"NAME", "MODE", "SUBNET", "UPLINK", "BRIDGE", "NICS", "FORWARDS"
	};
	static const int right[] = { 0, 0, 0, 0, 0, 1, 1 };
	size_t n = json_array_size(nets), i;
	char (*cells)[COLS_MAX][CELL];

	if (!n) {
		fputs("No networks. Create one with: croft net create NAME --mode nat\n", f);
		return;
	}
	cells = calloc(n, sizeof(*cells));
	if (!cells)
		return;
	for (i = 0; i < n; i++) {
		const json_t *o = json_array_get(nets, i);

		snprintf(cells[i][0], CELL, "%s", str_or_dash(o, "name"));
		snprintf(cells[i][1], CELL, "%s", str_or_dash(o, "mode"));
		snprintf(cells[i][2], CELL, "%s", str_or_dash(o, "subnet"));
		snprintf(cells[i][3], CELL, "%s", str_or_dash(o, "uplink"));
		snprintf(cells[i][4], CELL, "%s", str_or_dash(o, "bridge"));
		snprintf(cells[i][5], CELL, "%zu", json_array_size(json_object_get(o, "nics")));
		snprintf(cells[i][6], CELL, "%zu", json_array_size(json_object_get(o, "forwards")));
	}
	table(f, head, right, 7, cells, n);
	free(cells);
}

static void fwd_line(FILE *f, const char *prefix, const json_t *fw, const char *suffix)
{
	char hp[24], gp[24];
	const char *addr = json_string_value(json_object_get(fw, "address"));

	fprintf(f, "%s%s port %s -> %s:%s", prefix, str_or_dash(fw, "proto"),
		int_or_dash(fw, "host_port", hp, sizeof(hp)), str_or_dash(fw, "vm"),
		int_or_dash(fw, "port", gp, sizeof(gp)));
	if (addr)
		fprintf(f, " (%s)", addr);
	fprintf(f, "%s\n", suffix);
}

void cli_format_net_info(FILE *f, const json_t *net)
{
	const json_t *nics = json_object_get(net, "nics");
	const json_t *fwds = json_object_get(net, "forwards");
	const char *first = json_string_value(json_object_get(net, "dhcp_first"));
	const char *last = json_string_value(json_object_get(net, "dhcp_last"));
	char buf[128];
	size_t i;

	kv(f, "name", str_or_dash(net, "name"));
	kv(f, "mode", str_or_dash(net, "mode"));
	kv(f, "subnet", str_or_dash(net, "subnet"));
	kv(f, "gateway", str_or_dash(net, "gateway"));
	if (first && last)
		snprintf(buf, sizeof(buf), "%s - %s", first, last);
	else
		snprintf(buf, sizeof(buf), "-");
	kv(f, "dhcp", buf);
	kv(f, "uplink", str_or_dash(net, "uplink"));
	kv(f, "bridge", str_or_dash(net, "bridge"));
	if (!json_array_size(nics)) {
		kv(f, "nics", "none");
	} else {
		fputs("nics:\n", f);
		for (i = 0; i < json_array_size(nics); i++) {
			const json_t *n = json_array_get(nics, i);

			fprintf(f, "  %s %s %s\n", str_or_dash(n, "vm"), str_or_dash(n, "mac"),
				str_or_dash(n, "address"));
		}
	}
	if (!json_array_size(fwds)) {
		kv(f, "forwards", "none");
	} else {
		fputs("forwards:\n", f);
		for (i = 0; i < json_array_size(fwds); i++)
			fwd_line(f, "  ", json_array_get(fwds, i), "");
	}
}

void cli_format_removed_net(FILE *f, const json_t *result)
{
	const json_t *nics = json_object_get(result, "nics_removed");
	const json_t *fwds = json_object_get(result, "forwards_removed");
	size_t i;

	for (i = 0; i < json_array_size(nics); i++) {
		const json_t *n = json_array_get(nics, i);

		if (json_object_get(n, "vm"))
			fprintf(f, "  removed NIC %s of VM %s\n", str_or_dash(n, "mac"),
				str_or_dash(n, "vm"));
		else
			fprintf(f, "  removed NIC %s on network %s\n", str_or_dash(n, "mac"),
				str_or_dash(n, "net"));
	}
	for (i = 0; i < json_array_size(fwds); i++) {
		const json_t *fw = json_array_get(fwds, i);
		char prefix[96];

		snprintf(prefix, sizeof(prefix), "  removed forward on %s: ", str_or_dash(fw, "net"));
		fwd_line(f, prefix, fw, "");
	}
}

void cli_format_net_delete(FILE *f, const json_t *result)
{
	fprintf(f, "%s: deleted\n", str_or_dash(result, "name"));
	cli_format_removed_net(f, result);
}

/* --- forwards ------------------------------------------------------------------- */

void cli_format_fwd_list(FILE *f, const json_t *fwds)
{
	static const char *const head[] = { "PROTO", "HOST-PORT", "VM", "PORT", "ADDRESS" };
	static const int right[] = { 0, 1, 0, 1, 0 };
	size_t n = json_array_size(fwds), i;
	char (*cells)[COLS_MAX][CELL];
	char tmp[24];

	if (!n) {
		fputs("No port forwards. Add one with: croft net forward add NET --proto tcp "
		      "--host-port P --to VM:PORT\n", f);
		return;
	}
	cells = calloc(n, sizeof(*cells));
	if (!cells)
		return;
	for (i = 0; i < n; i++) {
		const json_t *o = json_array_get(fwds, i);

		snprintf(cells[i][0], CELL, "%s", str_or_dash(o, "proto"));
		snprintf(cells[i][1], CELL, "%s", int_or_dash(o, "host_port", tmp, sizeof(tmp)));
		snprintf(cells[i][2], CELL, "%s", str_or_dash(o, "vm"));
		snprintf(cells[i][3], CELL, "%s", int_or_dash(o, "port", tmp, sizeof(tmp)));
		snprintf(cells[i][4], CELL, "%s", str_or_dash(o, "address"));
	}
	table(f, head, right, 5, cells, n);
	free(cells);
}

void cli_format_fwd(FILE *f, const char *what, const json_t *fwd)
{
	char prefix[96], suffix[32];

	snprintf(prefix, sizeof(prefix), "%s: ", str_or_dash(fwd, "net"));
	snprintf(suffix, sizeof(suffix), " %s", what);
	fwd_line(f, prefix, fwd, suffix);
}

/* --- NICs ------------------------------------------------------------------------ */

void cli_format_nic_list(FILE *f, const json_t *nics)
{
	static const char *const head[] = {
		"NET", "MAC", "IP", "ADDRESS", "VLAN", "RATE", "TAP"
	};
	static const int right[] = { 0, 0, 0, 0, 1, 1, 0 };
	size_t n = json_array_size(nics), i;
	char (*cells)[COLS_MAX][CELL];
	char tmp[24];

	if (!n) {
		fputs("No NICs. Add one with: croft vm nic add VM --net NAME\n", f);
		return;
	}
	cells = calloc(n, sizeof(*cells));
	if (!cells)
		return;
	for (i = 0; i < n; i++) {
		const json_t *o = json_array_get(nics, i);
		const char *rate = int_or_dash(o, "rate", tmp, sizeof(tmp));

		snprintf(cells[i][0], CELL, "%s", str_or_dash(o, "net"));
		snprintf(cells[i][1], CELL, "%s", str_or_dash(o, "mac"));
		snprintf(cells[i][2], CELL, "%s", str_or_dash(o, "ip"));
		snprintf(cells[i][3], CELL, "%s", str_or_dash(o, "address"));
		snprintf(cells[i][5], CELL, "%s%s", rate, strcmp(rate, "-") ? "M" : "");
		snprintf(cells[i][4], CELL, "%s", int_or_dash(o, "vlan", tmp, sizeof(tmp)));
		snprintf(cells[i][6], CELL, "%s", str_or_dash(o, "tap"));
	}
	table(f, head, right, 7, cells, n);
	free(cells);
}

void cli_format_vm_nics(FILE *f, const json_t *nics)
{
	size_t i;

	if (!json_array_size(nics)) {
		kv(f, "nics", "none");
		return;
	}
	fputs("nics:\n", f);
	for (i = 0; i < json_array_size(nics); i++) {
		const json_t *n = json_array_get(nics, i);
		char tmp[24];

		fprintf(f, "  %zu: %s on %s, ip %s", i, str_or_dash(n, "mac"), str_or_dash(n, "net"),
			str_or_dash(n, "ip"));
		if (json_is_string(json_object_get(n, "address")))
			fprintf(f, " (address %s)", str_or_dash(n, "address"));
		if (json_is_integer(json_object_get(n, "vlan")))
			fprintf(f, ", vlan %s", int_or_dash(n, "vlan", tmp, sizeof(tmp)));
		if (json_is_integer(json_object_get(n, "rate")))
			fprintf(f, ", %s Mbit/s", int_or_dash(n, "rate", tmp, sizeof(tmp)));
		fprintf(f, ", tap %s\n", str_or_dash(n, "tap"));
	}
}

const char *cli_vm_first_ip(const json_t *vm)
{
	return str_or_dash(json_array_get(json_object_get(vm, "nics"), 0), "ip");
}
