/*
 * Human output of the CLI: the VM table, key: value blocks for a VM and the
 * host, and one line per event (local time, kind, target, croftd's message;
 * an api.request entry says who did it).  Every function writes to a FILE *
 * given by the caller and reads the API's JSON through cli_str() and
 * common/json_get.h, printing "-" for what is missing or null.
 */
#include "tui/cli.h"
#include "tui/cli_cloudinit.h"
#include "common/json_get.h"
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

/* An integer field formatted by kind into buf, "-" when absent or null. */
enum field_kind { F_INT, F_MIB, F_MIB_NONZERO, F_BYTES, F_UPTIME };

static const char *field(const json_t *o, const char *key, enum field_kind kind,
			 char *buf, size_t len)
{
	long long n = jget_int(o, key, 0);

	if (!json_is_integer(jget(o, key)) || (kind == F_MIB_NONZERO && n <= 0)) {
		snprintf(buf, len, "-");
		return buf;
	}
	switch (kind) {
	case F_INT:
		snprintf(buf, len, "%lld", n);
		break;
	case F_MIB:
	case F_MIB_NONZERO:
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

static void vm_row(const json_t *vm, cli_row_t c)
{
	snprintf(c[0], CLI_CELL, "%s", cli_str(vm, "name"));
	if (jget_bool(vm, "template", 0))
		snprintf(c[1], CLI_CELL, "template");
	else if (!strcmp(jget_str(vm, "pause_reason", ""), "pool-full"))
		snprintf(c[1], CLI_CELL, "paused: pool-full");
	else
		snprintf(c[1], CLI_CELL, "%s", cli_str(vm, "state"));
	field(vm, "vcpus", F_INT, c[2], CLI_CELL);
	field(vm, "memory_mib", F_MIB, c[3], CLI_CELL);
	field(vm, "memory_min_mib", F_MIB_NONZERO, c[4], CLI_CELL);
	field(vm, "pid", F_INT, c[5], CLI_CELL);
	field(vm, "uptime_s", F_UPTIME, c[6], CLI_CELL);
	snprintf(c[7], CLI_CELL, "%s", cli_vm_first_ip(vm));
}

void cli_format_vm_list(FILE *f, const json_t *vms)
{
	static const struct cli_col cols[] = {
		{ "NAME", 0 }, { "STATE", 0 }, { "VCPUS", 1 }, { "MEMORY", 1 }, { "MIN", 1 },
		{ "PID", 1 }, { "UPTIME", 1 }, { "IP", 0 },
	};

	if (!json_array_size(vms))
		fputs("No VMs. Create one with: croft vm create NAME --memory SIZE\n", f);
	else
		cli_table(f, cols, 8, vms, vm_row);
}

/* What the guest agent said (vm.info's and vm.agent's "guest"), if anything. */
/* "tags: a, b", or "-" when none. */
static void cli_format_tags(FILE *f, const json_t *tags)
{
	char buf[640] = "";
	size_t i, at = 0;
	const json_t *t;

	json_array_foreach(tags, i, t) {
		if (at >= sizeof(buf))
			break;
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s", i ? ", " : "",
				       json_string_value(t));
	}
	cli_kv(f, "tags", *buf ? buf : "-");
}

static void cli_format_guest(FILE *f, const json_t *g)
{
	const json_t *addrs = jget_arr(g, "addresses");
	char buf[1024];
	size_t i, n = 0;

	if (!json_is_object(g))
		return;
	cli_kv(f, "guest-os", cli_str(g, "os"));
	cli_kv(f, "guest-kernel", cli_str(g, "kernel"));
	cli_kv(f, "guest-hostname", cli_str(g, "hostname"));
	buf[0] = '\0';
	for (i = 0; i < json_array_size(addrs) && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "",
				      json_string_value(json_array_get(addrs, i)) ?
				      json_string_value(json_array_get(addrs, i)) : "?");
	cli_kv(f, "guest-addresses", buf[0] ? buf : "-");
	cli_kv(f, "guest-agent", cli_str(g, "agent_version"));
}

void cli_format_vm_display(FILE *f, const json_t *res)
{
	char when[64];

	if (jget_bool(res, "closed", 0)) {
		fprintf(f, "closed the display of %s\n", cli_str(res, "name"));
		return;
	}
	cli_format_time((time_t)jget_int(res, "expires", 0), "%H:%M:%S", when, sizeof(when));
	fprintf(f, "The screen of %s is on %s until %s, VNC password: %s\n"
		"On your own computer run:\n  %s\n"
		"and point a VNC viewer at %s (the password above; it works once per "
		"connection until %s).\n",
		cli_str(res, "name"), cli_str(res, "address"), when, cli_str(res, "password"),
		cli_str(res, "ssh"), cli_str(res, "viewer"), when);
}

/* The text screen, line by line as the guest shows it; a graphics mode
 * prints why there is no text. */
void cli_format_vm_screen(FILE *f, const json_t *res)
{
	const json_t *lines = jget(res, "lines");
	size_t i;

	if (strcmp(cli_str(res, "mode"), "text")) {
		fprintf(f, "%s: %s\n", cli_str(res, "name"), cli_str(res, "message"));
		return;
	}
	for (i = 0; i < json_array_size(lines); i++)
		fprintf(f, "%s\n", json_string_value(json_array_get(lines, i)));
}

void cli_format_vm_agent(FILE *f, const json_t *res)
{
	if (jget(res, "guest"))
		cli_format_guest(f, jget(res, "guest"));
	else if (jget(res, "fsfreeze"))
		cli_kv(f, "fsfreeze", cli_str(res, "fsfreeze"));
	else
		fprintf(f, "the guest agent of %s answered\n", cli_str(res, "name"));
}

void cli_format_vm_info(FILE *f, const json_t *vm)
{
	const json_t *disks = jget_arr(vm, "disks");
	const char *reason = jget_str(vm, "state_reason", "");
	char buf[256], tmp[64];
	size_t i;

	cli_kv(f, "name", cli_str(vm, "name"));
	cli_kv(f, "uuid", cli_str(vm, "uuid"));
	if (*reason)
		snprintf(buf, sizeof(buf), "%s (%s)", cli_str(vm, "state"), reason);
	else
		snprintf(buf, sizeof(buf), "%s", cli_str(vm, "state"));
	cli_kv(f, "state", buf);
	if (jget_str(vm, "pause_pool", NULL)) {
		snprintf(buf, sizeof(buf), "%s is full (writing %s): free space, then croft vm "
			 "resume", jget_str(vm, "pause_pool", ""), jget_str(vm, "pause_volume", "?"));
		cli_kv(f, "paused", buf);
	}
	if (jget_bool(vm, "template", 0))
		cli_kv(f, "template", "yes: read-only, the base of clones (croft vm clone)");
	cli_kv(f, "vcpus", field(vm, "vcpus", F_INT, tmp, sizeof(tmp)));
	cli_kv(f, "memory", field(vm, "memory_mib", F_MIB, tmp, sizeof(tmp)));
	cli_kv(f, "memory-min", field(vm, "memory_min_mib", F_MIB_NONZERO, tmp, sizeof(tmp)));
	cli_kv(f, "memory-now", field(vm, "memory_actual_mib", F_MIB, tmp, sizeof(tmp)));
	cli_kv(f, "firmware", cli_str(vm, "firmware"));
	cli_kv(f, "boot", cli_str(vm, "boot"));
	cli_kv(f, "cdrom", cli_str(vm, "cdrom"));
	cli_kv(f, "kernel", cli_str(vm, "kernel"));
	cli_kv(f, "initrd", cli_str(vm, "initrd"));
	cli_kv(f, "append", cli_str(vm, "append"));
	cli_kv(f, "pid", field(vm, "pid", F_INT, tmp, sizeof(tmp)));
	cli_kv(f, "uptime", field(vm, "uptime_s", F_UPTIME, tmp, sizeof(tmp)));
	if (json_is_integer(jget(vm, "created")))
		cli_format_time((time_t)jget_int(vm, "created", 0), "%Y-%m-%d %H:%M:%S %Z",
				buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "-");
	cli_kv(f, "created", buf);
	cli_kv(f, "display", cli_str(vm, "display"));
	cli_format_tags(f, jget(vm, "tags"));
	cli_kv(f, "agent", jget_bool(vm, "agent", 1) ? "on" : "off");
	cli_format_guest(f, jget(vm, "guest"));
	cli_format_cloudinit(f, jget(vm, "cloud_init"));
	if (jget(vm, "nics"))
		cli_format_vm_nics(f, jget(vm, "nics"));
	if (!json_array_size(disks)) {
		cli_kv(f, "disks", "none");
		return;
	}
	fputs("disks:\n", f);
	for (i = 0; i < json_array_size(disks); i++) {
		const json_t *d = json_array_get(disks, i);
		char size[32], alloc[32];

		fprintf(f, "  %lld: %s (%s, %s, %s allocated, %s)\n",
			jget_int(d, "index", (long long)i), cli_str(d, "path"), cli_str(d, "format"),
			field(d, "size_bytes", F_BYTES, size, sizeof(size)),
			field(d, "allocated_bytes", F_BYTES, alloc, sizeof(alloc)),
			jget_bool(d, "owned", 0) ? "owned by croft"
						  : "external: kept when the VM is deleted");
	}
}

static void path_lines(FILE *f, const json_t *paths, const char *what)
{
	size_t i;

	for (i = 0; i < json_array_size(paths); i++) {
		const char *p = json_string_value(json_array_get(paths, i));

		fprintf(f, "  %s %s\n", what, p ? p : "-");
	}
}

void cli_format_vm_delete(FILE *f, const json_t *result)
{
	fprintf(f, "%s: deleted\n", cli_str(result, "name"));
	path_lines(f, jget_arr(result, "disks_removed"), "removed");
	path_lines(f, jget_arr(result, "disks_kept"), "kept");
	cli_format_removed_net(f, result);
}

void cli_format_host_info(FILE *f, const json_t *h)
{
	const char *reason = jget_str(h, "accel.reason", "");
	char buf[1024], a[32], b[32];
	const json_t *v;
	size_t i;

	cli_kv(f, "hostname", cli_str(h, "hostname"));
	cli_kv(f, "croftd", cli_str(h, "version"));
	cli_kv(f, "cpus", field(h, "cpus", F_INT, a, sizeof(a)));
	snprintf(buf, sizeof(buf), "%s total, %s available",
		 field(h, "memory_total_mib", F_MIB, a, sizeof(a)),
		 field(h, "memory_available_mib", F_MIB, b, sizeof(b)));
	cli_kv(f, "memory", buf);
	snprintf(buf, sizeof(buf), "%s (setting %s%s)", cli_str(h, "accel.effective"),
		 cli_str(h, "accel.setting"), !strcmp(jget_str(h, "accel.source", ""), "env")
		 ? ", from CROFT_ACCEL in croftd's environment" : "");
	cli_kv(f, "accel", buf);
	if (*reason)
		cli_kv(f, "accel-why", reason);
	snprintf(buf, sizeof(buf), "%s (%s)", cli_str(h, "qemu.binary"), cli_str(h, "qemu.version"));
	cli_kv(f, "qemu", buf);
	cli_kv(f, "qemu-user", cli_str(h, "qemu_user"));
	cli_kv(f, "state-dir", cli_str(h, "state_dir"));
	cli_kv(f, "run-dir", cli_str(h, "run_dir"));
	json_array_foreach(jget_arr(h, "pools"), i, v) {
		snprintf(buf, sizeof(buf), "%s %s", jget_str(v, "name", "?"), jget_str(v, "dir", "?"));
		cli_kv(f, "pool", buf);
	}
	json_array_foreach(jget_arr(h, "allowed_paths"), i, v)
		cli_kv(f, "allowed-path", json_string_value(v) ? json_string_value(v) : "?");
	snprintf(buf, sizeof(buf), "%s (%s running)", field(h, "vms_total", F_INT, a, sizeof(a)),
		 field(h, "vms_running", F_INT, b, sizeof(b)));
	cli_kv(f, "vms", buf);
}

/* An api.request entry: "vm.start by alice: not_found: no VM named 'webb'". */
static void request_text(const json_t *ev, char *buf, size_t len)
{
	const char *user = jget_str(ev, "user", NULL);
	const char *msg = jget_str(ev, "data.message", NULL);

	snprintf(buf, len, "%s%s%s: %s%s%s", cli_str(ev, "data.op"), user ? " by " : "",
		 user ? user : "", cli_str(ev, "data.result"), msg ? ": " : "", msg ? msg : "");
}

void cli_format_event(FILE *f, const json_t *ev, time_t fallback)
{
	const json_t *time_ms = jget(ev, "time_ms");
	time_t when = json_is_integer(time_ms) ? (time_t)(json_integer_value(time_ms) / 1000)
					       : fallback;
	const char *kind = cli_str(ev, "event"), *msg = jget_str(ev, "message", NULL);
	char stamp[32], text[1536];
	char *data = NULL;

	cli_format_time(when, "%Y-%m-%d %H:%M:%S", stamp, sizeof(stamp));
	if (!strcmp(kind, "api.request") && jget_str(ev, "data.op", NULL)) {
		request_text(ev, text, sizeof(text));
		msg = text;
	} else if (!msg) {
		data = json_dumps(jget_obj(ev, "data"), JSON_COMPACT);
		msg = data ? data : "";
	}
	fprintf(f, "%s %-12s %-12s %s\n", stamp, kind,
		jget_str(ev, "target", NULL) ? cli_str(ev, "target") : cli_str(ev, "data.name"), msg);
	free(data);
}
