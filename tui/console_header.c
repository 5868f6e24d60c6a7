/*
 * The header: row 0 is the title ("croft  HOST") and the screen tabs; rows
 * 1 and 2 are the host meters, htop style: CPU and memory bars, then a swap
 * bar, guests running/defined, the vCPU:pCPU ratio of running guests, and
 * the accelerator, flagged when guests run under TCG because KVM is not
 * usable.  Bars are '|' (CPU, memory) and '#' (swap), so they read the same
 * on a vt100.  The tab positions come from one function, used both to draw
 * and to hit-test mouse clicks.
 */
#include "tui/console_screen.h"
#include "tui/cli.h"

#include <stdio.h>
#include <string.h>

#define TAB_GAP 1
#define SWAP_SHRINK 12          /* row 2 gives the swap meter's room to the accel warning */

char *console_meter(char *buf, int width, double frac, char fill, const char *text)
{
	int inner = width - 2, bars, len, i;

	if (width < 2) {
		buf[0] = '\0';
		return buf;
	}
	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	bars = (int)(frac * inner + 0.5);
	buf[0] = '[';
	for (i = 0; i < inner; i++)
		buf[1 + i] = i < bars ? fill : ' ';
	len = (int)strlen(text);
	if (len > inner)
		len = inner;
	memcpy(buf + 1 + inner - len, text, (size_t)len);
	buf[width - 1] = ']';
	buf[width] = '\0';
	return buf;
}

/* x where the tabs start on row 0 and each tab's [x, x+len) */
static int tabs_layout(const struct console *c, int width, int *xs, int *lens)
{
	const char *host = c->host ? json_string_value(json_object_get(c->host, "hostname")) : NULL;
	int x = 7 + (host ? (int)strlen(host) : 0) + 3;   /* " croft  HOST   " */
	size_t i;

	if (x > width / 2)
		x = width / 2;
	for (i = 0; i < console_nscreens; i++) {
		lens[i] = 4 + (int)strlen(console_screens[i]->name);   /* " 1 VMs " */
		xs[i] = x;
		x += lens[i] + TAB_GAP;
	}
	return x;
}

int console_header_tab_at(const struct console *c, int x, int width)
{
	int xs[CONSOLE_MAX_SCREENS], lens[CONSOLE_MAX_SCREENS];
	size_t i;

	tabs_layout(c, width, xs, lens);
	for (i = 0; i < console_nscreens; i++)
		if (x >= xs[i] && x < xs[i] + lens[i])
			return (int)i;
	return -1;
}

static long long host_int(const struct console *c, const char *key)
{
	return (long long)json_integer_value(json_object_get(c->host, key));
}

static const char *host_str(const struct console *c, const char *k1, const char *k2)
{
	json_t *v = json_object_get(c->host, k1);
	const char *s;

	if (k2)
		v = json_object_get(v, k2);
	s = json_string_value(v);
	return s ? s : "";
}

/* "Label" then a meter filling the rest of width. */
static void draw_meter(struct console *c, WINDOW *w, int y, int x, int width,
		       const char *label, double frac, char fill, const char *text)
{
	char buf[512];
	int lw = (int)strlen(label) + 1, mw = width - lw;

	console_put(w, y, x, width, c->th.label, label);
	if (mw < 4)
		return;
	if (mw > (int)sizeof(buf) - 1)
		mw = (int)sizeof(buf) - 1;
	console_meter(buf, mw, frac, fill, text);
	console_put(w, y, x + lw, 1, c->th.normal, "[");
	/* the filled part in the meter colour, the rest plain */
	{
		int i;

		for (i = 1; i < mw - 1; i++)
			console_put(w, y, x + lw + i, 1,
				    buf[i] == fill ? c->th.meter : c->th.normal,
				    (char[]){ buf[i], '\0' });
	}
	console_put(w, y, x + lw + mw - 1, 1, c->th.normal, "]");
}

static void draw_meters(struct console *c, WINDOW *w, int width)
{
	char text[96], a[24], b[24];
	int half = width / 2, x, sw;
	long long total, avail, stotal, sfree, cpus;
	const char *eff, *setting;
	attr_t accel_attr;
	const char *accel_text;

	if (!c->host) {
		console_put(w, 1, 0, width, c->th.dim, c->api ? "reading host..." : "");
		return;
	}
	cpus = host_int(c, "cpus");
	if (c->host_cpu_pct >= 0)
		snprintf(text, sizeof(text), "%.1f%%", c->host_cpu_pct);
	else
		snprintf(text, sizeof(text), "-");
	draw_meter(c, w, 1, 0, half - 1, "CPU", c->host_cpu_pct / 100.0, '|', text);

	total = host_int(c, "memory_total_mib");
	avail = host_int(c, "memory_available_mib");
	snprintf(text, sizeof(text), "%s/%s",
		 cli_format_mib(total > avail ? (uint64_t)(total - avail) : 0, a, sizeof(a)),
		 cli_format_mib((uint64_t)(total > 0 ? total : 0), b, sizeof(b)));
	draw_meter(c, w, 1, half, width - half, "Mem",
		   total > 0 ? (double)(total - avail) / (double)total : 0, '|', text);

	stotal = host_int(c, "swap_total_mib");
	sfree = host_int(c, "swap_free_mib");
	if (stotal > 0)
		snprintf(text, sizeof(text), "%s/%s",
			 cli_format_mib((uint64_t)(stotal - sfree), a, sizeof(a)),
			 cli_format_mib((uint64_t)stotal, b, sizeof(b)));
	else
		snprintf(text, sizeof(text), "none");
	sw = half - 1 - SWAP_SHRINK;
	if (sw < 16)
		sw = 16;
	draw_meter(c, w, 2, 0, sw, "Swp",
		   stotal > 0 ? (double)(stotal - sfree) / (double)stotal : 0, '#', text);

	x = sw + 2;
	snprintf(text, sizeof(text), "Guests %lld/%lld", host_int(c, "vms_running"),
		 host_int(c, "vms_total"));
	x += console_put(w, 2, x, width - x, c->th.normal, text) + 2;
	snprintf(text, sizeof(text), "vCPU:pCPU %lld:%lld", host_int(c, "vcpus_running"), cpus);
	x += console_put(w, 2, x, width - x, c->th.normal, text) + 2;

	eff = host_str(c, "accel", "effective");
	setting = host_str(c, "accel", "setting");
	if (!strcmp(eff, "kvm") && json_is_false(json_object_get(json_object_get(c->host, "accel"),
								   "usable"))) {
		accel_text = "KVM NOT USABLE";
		accel_attr = c->th.error;
	} else if (!strcmp(eff, "kvm")) {
		accel_text = "KVM";
		accel_attr = c->th.ok;
	} else if (!strcmp(setting, "tcg")) {
		accel_text = "TCG (set)";
		accel_attr = c->th.warn;
	} else {
		accel_text = "TCG (KVM not usable)";
		accel_attr = c->th.error;
	}
	console_put(w, 2, x, width - x, accel_attr, accel_text);
}

void console_header_draw(struct console *c, WINDOW *w, int width, int meters)
{
	int xs[CONSOLE_MAX_SCREENS], lens[CONSOLE_MAX_SCREENS];
	const char *host = c->host ? json_string_value(json_object_get(c->host, "hostname")) : NULL;
	char buf[64];
	size_t i;

	console_fill(w, 0, 0, width, c->th.title);
	console_put(w, 0, 1, width - 1, c->th.title, "croft");
	if (host)
		console_put(w, 0, 8, width - 8, c->th.title, host);
	tabs_layout(c, width, xs, lens);
	for (i = 0; i < console_nscreens; i++) {
		snprintf(buf, sizeof(buf), " %c %s ", console_screens[i]->hotkey,
			 console_screens[i]->name);
		console_put(w, 0, xs[i], lens[i],
			    i == c->cur ? c->th.tab_active : c->th.tab, buf);
	}
	if (meters)
		draw_meters(c, w, width);
}
