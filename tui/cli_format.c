/*
 * Human output of the CLI: the VM table, key: value blocks for a VM and the
 * host, and one line per event.  Every function writes to a FILE * given by
 * the caller and reads the API's JSON as is, printing "-" for what is
 * missing or null, so a newer croftd with more fields never breaks it.
 */
#include "tui/cli.h"
#include "common/validate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

char *cli_format_mib(uint64_t mib, char *buf, size_t len)
{
	return size_format(mib << 20, buf, len);
}

char *cli_format_uptime(long long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	return buf;
}

static const char *str_or_dash(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : "-";
}

/* An integer field formatted by kind, or "-" when absent or null. */
enum field_kind { F_INT, F_MIB, F_MIB_NONZERO, F_BYTES, F_UPTIME };

static const char *field(const json_t *o, const char *key, enum field_kind kind,
			 char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);
	long long n;

	if (!json_is_integer(v))
		return "-";
	n = (long long)json_integer_value(v);
	switch (kind) {
	case F_INT:
		snprintf(buf, len, "%lld", n);
		break;
	case F_MIB_NONZERO:
		if (n <= 0)
			return "-";
		/* fall through */
	case F_MIB:
		cli_format_mib(n < 0 ? 0 : (uint64_t)n, buf, len);
		break;
	case F_BYTES:
		size_format(n < 0 ? 0 : (uint64_t)n, buf, len);
		break;
	case F_UPTIME:
		cli_format_uptime(n, buf, len);
		break;
	}
	return buf;
}

#define LIST_COLS 8

void cli_format_vm_list(FILE *f, const json_t *vms)
{
	static const char *const head[LIST_COLS] = {
		"NAME", "STATE", "VCPUS", "MEMORY", "MIN", "PID", "UPTIME", "IP"
	};
	static const int right[LIST_COLS] = { 0, 0, 1, 1, 1, 1, 1, 0 };
	size_t nvms = json_array_size(vms), i;
	char (*cells)[LIST_COLS][72];
	size_t width[LIST_COLS];
	int c;

	if (nvms == 0) {
		fputs("No VMs. Create one with: croft vm create NAME --memory SIZE\n", f);
		return;
	}
	cells = calloc(nvms, sizeof(*cells));
	if (!cells)
		return;
	for (c = 0; c < LIST_COLS; c++)
		width[c] = strlen(head[c]);
	for (i = 0; i < nvms; i++) {
		const json_t *vm = json_array_get(vms, i);
		char tmp[72];

		snprintf(cells[i][0], 72, "%s", str_or_dash(vm, "name"));
		snprintf(cells[i][1], 72, "%s", str_or_dash(vm, "state"));
		snprintf(cells[i][2], 72, "%s", field(vm, "vcpus", F_INT, tmp, sizeof(tmp)));
		snprintf(cells[i][3], 72, "%s", field(vm, "memory_mib", F_MIB, tmp, sizeof(tmp)));
		snprintf(cells[i][4], 72, "%s",
			 field(vm, "memory_min_mib", F_MIB_NONZERO, tmp, sizeof(tmp)));
		snprintf(cells[i][5], 72, "%s", field(vm, "pid", F_INT, tmp, sizeof(tmp)));
		snprintf(cells[i][6], 72, "%s", field(vm, "uptime_s", F_UPTIME, tmp, sizeof(tmp)));
		snprintf(cells[i][7], 72, "%s", cli_vm_first_ip(vm));
		for (c = 0; c < LIST_COLS; c++)
			if (strlen(cells[i][c]) > width[c])
				width[c] = strlen(cells[i][c]);
	}
	for (i = 0; i <= nvms; i++) {
		for (c = 0; c < LIST_COLS; c++) {
			const char *s = i == 0 ? head[c] : cells[i - 1][c];
			int w = (int)width[c];

			if (c)
				fputs("  ", f);
			if (right[c])
				fprintf(f, "%*s", w, s);
			else if (c == LIST_COLS - 1)
				fputs(s, f);
			else
				fprintf(f, "%-*s", w, s);
		}
		fputc('\n', f);
	}
	free(cells);
}

#define KEY "%-12s "

static void kv(FILE *f, const char *key, const char *val)
{
	char k[32];

	snprintf(k, sizeof(k), "%s:", key);
	fprintf(f, KEY "%s\n", k, val);
}

static void format_time(time_t t, const char *fmt, char *buf, size_t len)
{
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, fmt, &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

void cli_format_vm_info(FILE *f, const json_t *vm)
{
	const json_t *disks = json_object_get(vm, "disks");
	const char *reason = json_string_value(json_object_get(vm, "state_reason"));
	char buf[256], tmp[64];
	json_t *created = json_object_get(vm, "created");
	size_t i;

	kv(f, "name", str_or_dash(vm, "name"));
	kv(f, "uuid", str_or_dash(vm, "uuid"));
	if (reason && *reason)
		snprintf(buf, sizeof(buf), "%s (%s)", str_or_dash(vm, "state"), reason);
	else
		snprintf(buf, sizeof(buf), "%s", str_or_dash(vm, "state"));
	kv(f, "state", buf);
	kv(f, "vcpus", field(vm, "vcpus", F_INT, tmp, sizeof(tmp)));
	kv(f, "memory", field(vm, "memory_mib", F_MIB, tmp, sizeof(tmp)));
	kv(f, "memory-min", field(vm, "memory_min_mib", F_MIB_NONZERO, tmp, sizeof(tmp)));
	kv(f, "memory-now", field(vm, "memory_actual_mib", F_MIB, tmp, sizeof(tmp)));
	kv(f, "firmware", str_or_dash(vm, "firmware"));
	kv(f, "boot", str_or_dash(vm, "boot"));
	kv(f, "cdrom", str_or_dash(vm, "cdrom"));
	kv(f, "kernel", str_or_dash(vm, "kernel"));
	kv(f, "initrd", str_or_dash(vm, "initrd"));
	kv(f, "append", str_or_dash(vm, "append"));
	kv(f, "pid", field(vm, "pid", F_INT, tmp, sizeof(tmp)));
	kv(f, "uptime", field(vm, "uptime_s", F_UPTIME, tmp, sizeof(tmp)));
	if (json_is_integer(created)) {
		format_time((time_t)json_integer_value(created), "%Y-%m-%d %H:%M:%S %Z",
			    buf, sizeof(buf));
		kv(f, "created", buf);
	} else {
		kv(f, "created", "-");
	}
	if (json_object_get(vm, "nics"))
		cli_format_vm_nics(f, json_object_get(vm, "nics"));
	if (!json_array_size(disks)) {
		kv(f, "disks", "none");
		return;
	}
	fputs("disks:\n", f);
	for (i = 0; i < json_array_size(disks); i++) {
		const json_t *d = json_array_get(disks, i);
		json_t *idx = json_object_get(d, "index");
		char size[32], alloc[32];

		field(d, "size_bytes", F_BYTES, size, sizeof(size));
		field(d, "allocated_bytes", F_BYTES, alloc, sizeof(alloc));
		fprintf(f, "  %lld: %s (%s, %s, %s allocated, %s)\n",
			json_is_integer(idx) ? (long long)json_integer_value(idx) : (long long)i,
			str_or_dash(d, "path"), str_or_dash(d, "format"),
			json_is_integer(json_object_get(d, "size_bytes")) ? size : "-",
			json_is_integer(json_object_get(d, "allocated_bytes")) ? alloc : "-",
			json_is_true(json_object_get(d, "owned")) ? "owned by croft" : "external");
	}
}

void cli_format_vm_delete(FILE *f, const json_t *result)
{
	const json_t *removed = json_object_get(result, "disks_removed");
	const json_t *kept = json_object_get(result, "disks_kept");
	size_t i;

	fprintf(f, "%s: deleted\n", str_or_dash(result, "name"));
	for (i = 0; i < json_array_size(removed); i++)
		fprintf(f, "  removed %s\n", json_string_value(json_array_get(removed, i)) ?
			json_string_value(json_array_get(removed, i)) : "-");
	for (i = 0; i < json_array_size(kept); i++)
		fprintf(f, "  kept %s\n", json_string_value(json_array_get(kept, i)) ?
			json_string_value(json_array_get(kept, i)) : "-");
	cli_format_removed_net(f, result);
}

void cli_format_host_info(FILE *f, const json_t *h)
{
	const json_t *accel = json_object_get(h, "accel");
	const json_t *qemu = json_object_get(h, "qemu");
	const char *source = json_string_value(json_object_get(accel, "source"));
	const char *reason = json_string_value(json_object_get(accel, "reason"));
	char buf[1024], a[32], b[32];

	kv(f, "hostname", str_or_dash(h, "hostname"));
	kv(f, "croftd", str_or_dash(h, "version"));
	kv(f, "cpus", field(h, "cpus", F_INT, a, sizeof(a)));
	field(h, "memory_total_mib", F_MIB, a, sizeof(a));
	field(h, "memory_available_mib", F_MIB, b, sizeof(b));
	snprintf(buf, sizeof(buf), "%s total, %s available", a, b);
	kv(f, "memory", buf);
	snprintf(buf, sizeof(buf), "%s (setting %s%s)", str_or_dash(accel, "effective"),
		 str_or_dash(accel, "setting"),
		 source && !strcmp(source, "env") ? ", from CROFT_ACCEL in croftd's environment" : "");
	kv(f, "accel", buf);
	if (reason && *reason)
		kv(f, "accel-why", reason);
	snprintf(buf, sizeof(buf), "%s (%s)", str_or_dash(qemu, "binary"),
		 str_or_dash(qemu, "version"));
	kv(f, "qemu", buf);
	kv(f, "qemu-user", str_or_dash(h, "qemu_user"));
	kv(f, "state-dir", str_or_dash(h, "state_dir"));
	kv(f, "run-dir", str_or_dash(h, "run_dir"));
	field(h, "vms_total", F_INT, a, sizeof(a));
	field(h, "vms_running", F_INT, b, sizeof(b));
	snprintf(buf, sizeof(buf), "%s (%s running)", a, b);
	kv(f, "vms", buf);
}

void cli_format_event(FILE *f, const json_t *ev, time_t when)
{
	const char *name = json_string_value(json_object_get(ev, "event"));
	const json_t *data = json_object_get(ev, "data");
	const char *vm = json_string_value(json_object_get(data, "name"));
	char stamp[32];

	format_time(when, "%H:%M:%S", stamp, sizeof(stamp));
	if (!name)
		name = "?";
	if (!strcmp(name, "vm.state")) {
		const char *reason = json_string_value(json_object_get(data, "reason"));

		fprintf(f, "%s %s %s: %s -> %s", stamp, name, vm ? vm : "-",
			str_or_dash(data, "previous"), str_or_dash(data, "state"));
		if (reason && *reason)
			fprintf(f, " (%s)", reason);
		fputc('\n', f);
	} else if (vm && json_object_size(data) == 1) {
		fprintf(f, "%s %s %s\n", stamp, name, vm);
	} else {
		char *text = data ? json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

		fprintf(f, "%s %s%s%s\n", stamp, name, text ? " " : "", text ? text : "");
		free(text);
	}
}
