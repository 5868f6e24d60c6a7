/*
 * The Host screen: host.info in full, as label: value lines, wrapped
 * where a value (the accelerator's reason) is long.  The console re-reads
 * host.info every second; this screen only renders the last answer.
 */
#include "tui/console_screen.h"
#include "tui/cli.h"

#include <stdio.h>
#include <string.h>

#define LABEL_W 18

static const struct console_key host_keys[] = {
	{ { 0 }, NULL, NULL, NULL },
};

static const char *str_at(const json_t *o, const char *k1, const char *k2)
{
	json_t *v = json_object_get(o, k1);
	const char *s;

	if (k2)
		v = json_object_get(v, k2);
	s = json_string_value(v);
	return s ? s : "-";
}

static long long int_at(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* One "Label  value" line, the value wrapped over following rows; returns
 * the rows used. */
static int line(struct console *c, WINDOW *w, int y, int bottom, int width, const char *label,
		attr_t attr, const char *value)
{
	int vw = width - LABEL_W - 2, used = 0;
	size_t len = strlen(value), off = 0;

	if (y >= bottom)
		return 0;
	console_put(w, y, 1, LABEL_W, c->th.label, label);
	if (vw < 10)
		return 1;
	do {
		char chunk[512];
		size_t n = len - off;

		if (n > (size_t)vw)
			n = (size_t)vw;
		if (n > sizeof(chunk) - 1)
			n = sizeof(chunk) - 1;
		/* break at a space when the rest does not fit */
		if (off + n < len) {
			size_t k = n;

			while (k > (size_t)vw / 2 && value[off + k] != ' ')
				k--;
			if (value[off + k] == ' ')
				n = k;
		}
		memcpy(chunk, value + off, n);
		chunk[n] = '\0';
		console_put(w, y + used, LABEL_W + 2, vw, attr, chunk);
		used++;
		off += n;
		while (off < len && value[off] == ' ')
			off++;
	} while (off < len && y + used < bottom);
	return used ? used : 1;
}

static void host_draw(struct console *c, void *st, WINDOW *w, int top, int height, int width)
{
	const json_t *h = c->host;
	int y = top + 1, bottom = top + height;
	char buf[256], a[24], b[24], u[24];
	long long total, avail, stotal, sfree;
	attr_t accel_attr = c->th.normal;

	(void)st;
	if (!h) {
		console_put(w, y, 1, width - 1, c->th.dim, "Reading host.info...");
		return;
	}
	y += line(c, w, y, bottom, width, "Hostname", c->th.normal, str_at(h, "hostname", NULL));
	snprintf(buf, sizeof(buf), "%s (API socket %s)", str_at(h, "version", NULL), c->socket);
	y += line(c, w, y, bottom, width, "croftd", c->th.normal, buf);
	if (c->host_cpu_pct >= 0)
		snprintf(buf, sizeof(buf), "%lld online, %.1f%% busy", int_at(h, "cpus"),
			 c->host_cpu_pct);
	else
		snprintf(buf, sizeof(buf), "%lld online", int_at(h, "cpus"));
	y += line(c, w, y, bottom, width, "CPUs", c->th.normal, buf);
	total = int_at(h, "memory_total_mib");
	avail = int_at(h, "memory_available_mib");
	snprintf(buf, sizeof(buf), "%s total, %s available, %s used",
		 cli_format_mib((uint64_t)(total > 0 ? total : 0), a, sizeof(a)),
		 cli_format_mib((uint64_t)(avail > 0 ? avail : 0), b, sizeof(b)),
		 cli_format_mib(total > avail ? (uint64_t)(total - avail) : 0, u, sizeof(u)));
	y += line(c, w, y, bottom, width, "Memory", c->th.normal, buf);
	stotal = int_at(h, "swap_total_mib");
	sfree = int_at(h, "swap_free_mib");
	if (stotal > 0)
		snprintf(buf, sizeof(buf), "%s total, %s free",
			 cli_format_mib((uint64_t)stotal, a, sizeof(a)),
			 cli_format_mib((uint64_t)(sfree > 0 ? sfree : 0), b, sizeof(b)));
	else
		snprintf(buf, sizeof(buf), "none");
	y += line(c, w, y, bottom, width, "Swap", c->th.normal, buf);
	snprintf(buf, sizeof(buf), "%lld defined, %lld running (%lld vCPUs on %lld CPUs)",
		 int_at(h, "vms_total"), int_at(h, "vms_running"), int_at(h, "vcpus_running"),
		 int_at(h, "cpus"));
	y += line(c, w, y, bottom, width, "Guests", c->th.normal, buf);
	y++;
	if (strcmp(str_at(h, "accel", "effective"), "kvm") ||
	    json_is_false(json_object_get(json_object_get(h, "accel"), "usable")))
		accel_attr = c->th.warn;
	snprintf(buf, sizeof(buf), "%s (setting %s, from %s)", str_at(h, "accel", "effective"),
		 str_at(h, "accel", "setting"), str_at(h, "accel", "source"));
	y += line(c, w, y, bottom, width, "Acceleration", accel_attr, buf);
	y += line(c, w, y, bottom, width, "", accel_attr, str_at(h, "accel", "reason"));
	snprintf(buf, sizeof(buf), "%s, version %s, runs as %s", str_at(h, "qemu", "binary"),
		 str_at(h, "qemu", "version"), str_at(h, "qemu_user", NULL));
	y += line(c, w, y, bottom, width, "QEMU", c->th.normal, buf);
	y++;
	y += line(c, w, y, bottom, width, "State dir", c->th.normal, str_at(h, "state_dir", NULL));
	line(c, w, y, bottom, width, "Run dir", c->th.normal, str_at(h, "run_dir", NULL));
}

const struct console_screen console_screen_host = {
	.name = "Host",
	.hotkey = '2',
	.keys = host_keys,
	.draw = host_draw,
};
