/*
 * The VM table's column table and its layout.  Cells are plain ASCII; the
 * VMs screen pads and colours them.  IP (the first NIC's DHCP lease) comes
 * last, so it is the first column a narrow terminal drops; at 80 columns
 * every column fits and NAME keeps 16 cells.
 */
#include "tui/console_table.h"
#include "tui/cli.h"

#include <stdio.h>
#include <string.h>

static void cell_name(const void *row, char *buf, size_t len)
{
	const struct cvm *vm = row;

	snprintf(buf, len, "%s", vm->name);
}

static void cell_state(const void *row, char *buf, size_t len)
{
	const struct cvm *vm = row;

	snprintf(buf, len, "%s", vm->state);
}

static void cell_vcpus(const void *row, char *buf, size_t len)
{
	const struct cvm *vm = row;

	snprintf(buf, len, "%lld", vm->vcpus);
}

static void cell_memory(const void *row, char *buf, size_t len)
{
	const struct cvm *vm = row;

	cli_format_mib(vm->memory_mib > 0 ? (uint64_t)vm->memory_mib : 0, buf, len);
}

static void cell_cpu(const void *row, char *buf, size_t len)
{
	const struct cvm *vm = row;

	if (vm->cpu_pct < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", vm->cpu_pct > 9999 ? 9999.0 : vm->cpu_pct);
}

static void cell_uptime(const void *row, char *buf, size_t len)
{
	const struct cvm *vm = row;

	ctable_uptime(vm->uptime_s, buf, len);
}

/* The first NIC's leased address (vm.list asks netd for the leases). */
static void cell_ip(const void *row, char *buf, size_t len)
{
	const struct cvm *vm = row;
	const char *ip = json_string_value(
		json_object_get(json_array_get(json_object_get(vm->json, "nics"), 0), "ip"));

	snprintf(buf, len, "%s", ip && *ip ? ip : "-");
}

const struct ctable_col console_vm_cols[] = {
	{ "NAME", 12, CVM_NAME_LEN - 1, 0, cell_name },
	{ "STATE", 13, 13, 0, cell_state },
	{ "VCPU", 4, 4, 1, cell_vcpus },
	{ "MEMORY", 7, 8, 1, cell_memory },
	{ "CPU%", 6, 6, 1, cell_cpu },
	{ "UPTIME", 7, 8, 1, cell_uptime },
	{ "IP", 15, 15, 0, cell_ip },
};
const size_t console_vm_ncols = sizeof(console_vm_cols) / sizeof(console_vm_cols[0]);

char *ctable_pad(const struct ctable_col *col, int width, const char *text, char *buf,
		 size_t len)
{
	snprintf(buf, len, col->right ? "%*.*s" : "%-*.*s", width, width, text);
	return buf;
}

char *ctable_uptime(long long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	return buf;
}

size_t ctable_layout(const struct ctable_col *cols, size_t n, int width, int *widths)
{
	size_t shown = n > CTABLE_MAX_COLS ? CTABLE_MAX_COLS : n, i;
	int total, extra;

	if (!n)
		return 0;
	for (;;) {
		total = 0;
		for (i = 0; i < shown; i++)
			total += cols[i].min + (i ? CTABLE_GAP : 0);
		if (total <= width || shown == 1)
			break;
		shown--;
	}
	for (i = 0; i < n; i++)
		widths[i] = i < shown ? cols[i].min : 0;
	if (total > width) {                  /* one column, and still too wide */
		widths[0] = width > 0 ? width : 0;
		return 1;
	}
	extra = width - total;
	for (i = 0; i < shown && extra > 0; i++) {
		int grow = cols[i].max - cols[i].min;

		if (grow > extra)
			grow = extra;
		if (grow > 0) {
			widths[i] += grow;
			extra -= grow;
		}
	}
	return shown;
}
