/*
 * The header: row 0 is the title ("croft  HOST") and the screen tabs; rows
 * 1 and 2 are the host meters, htop style: CPU and memory bars, then a swap
 * bar, guests running/defined, the vCPU:pCPU ratio of running guests, and
 * the accelerator, flagged when guests run under TCG because KVM is not
 * usable.  Everything shown comes from the host model (console_hostmodel.h):
 * the meters and the accelerator's class are computed there.  The tab
 * positions come from one function, used both to draw and to hit-test
 * mouse clicks; the tabs keep their room, a long host name is cut.
 */
#include "tui/console_screen.h"

#include <stdio.h>
#include <string.h>

#define TAB_GAP 1
#define TITLE_W 7               /* " croft " */
#define SWAP_SHRINK 12          /* row 2 gives the swap meter's room to the accel warning */

static int tabs_width(void)
{
	int w = 0;
	size_t i;

	for (i = 0; i < console_nscreens; i++)
		w += 4 + (int)strlen(console_screens[i]->name) + TAB_GAP;   /* " 1 VMs " */
	return w;
}

/* x where the tabs start on row 0 and each tab's [x, x+len) */
static int tabs_layout(const struct console *c, int width, int *xs, int *lens)
{
	int x = TITLE_W + (int)strlen(c->host.hostname) + 3;   /* " croft  HOST   " */
	size_t i;

	if (x > width / 2)
		x = width / 2;
	if (x > width - tabs_width())
		x = width - tabs_width() > TITLE_W ? width - tabs_width() : TITLE_W;
	for (i = 0; i < console_nscreens; i++) {
		lens[i] = 4 + (int)strlen(console_screens[i]->name);
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

void console_meter_draw(const struct console *c, WINDOW *w, int y, int x, int width,
			const struct meter *m)
{
	char buf[512];
	int lw = m->label ? (int)strlen(m->label) + 1 : 0, mw = width - lw, i;

	if (m->label)
		console_put(w, y, x, width, c->th.label, m->label);
	if (mw < 4)
		return;
	if (mw > (int)sizeof(buf) - 1)
		mw = (int)sizeof(buf) - 1;
	meter_render(m, mw, buf);
	console_put(w, y, x + lw, 1, c->th.normal, "[");
	/* the filled part in the meter colour, the rest plain */
	for (i = 1; i < mw - 1; i++)
		console_put(w, y, x + lw + i, 1, buf[i] == m->fill ? c->th.meter : c->th.normal,
			    (char[]){ buf[i], '\0' });
	console_put(w, y, x + lw + mw - 1, 1, c->th.normal, "]");
}

static attr_t accel_attr(const struct console *c, enum chost_accel a)
{
	switch (a) {
	case CHOST_KVM:
		return c->th.ok;
	case CHOST_TCG_SET:
		return c->th.warn;
	case CHOST_KVM_UNUSABLE:
	case CHOST_TCG_FALLBACK:
		break;
	}
	return c->th.error;
}

static void draw_meters(struct console *c, WINDOW *w, int width)
{
	struct meter m[CHOST_NMETERS];
	char text[96];
	int half = width / 2, x, sw;

	if (!c->host.loaded) {
		console_put(w, 1, 0, width, c->th.dim, c->api ? "reading host..." : "");
		return;
	}
	chost_meters(&c->host, m);
	console_meter_draw(c, w, 1, 0, half - 1, &m[CHOST_METER_CPU]);
	console_meter_draw(c, w, 1, half, width - half, &m[CHOST_METER_MEM]);
	sw = half - 1 - SWAP_SHRINK;
	if (sw < 16)
		sw = 16;
	console_meter_draw(c, w, 2, 0, sw, &m[CHOST_METER_SWAP]);
	x = sw + 2;
	snprintf(text, sizeof(text), "Guests %lld/%lld", c->host.vms_running, c->host.vms_total);
	x += console_put(w, 2, x, width - x, c->th.normal, text) + 2;
	snprintf(text, sizeof(text), "vCPU:pCPU %lld:%lld", c->host.vcpus_running, c->host.cpus);
	x += console_put(w, 2, x, width - x, c->th.normal, text) + 2;
	console_put(w, 2, x, width - x, accel_attr(c, chost_accel(&c->host)),
		    chost_accel_text(chost_accel(&c->host)));
}

void console_header_draw(struct console *c, WINDOW *w, int width, int meters)
{
	int xs[CONSOLE_MAX_SCREENS], lens[CONSOLE_MAX_SCREENS];
	char buf[64];
	size_t i;

	console_fill(w, 0, 0, width, c->th.title);
	console_put(w, 0, 1, width - 1, c->th.title, "croft");
	tabs_layout(c, width, xs, lens);
	if (c->host.hostname[0])
		console_put(w, 0, TITLE_W + 1, xs[0] - TITLE_W - 2, c->th.title, c->host.hostname);
	for (i = 0; i < console_nscreens; i++) {
		snprintf(buf, sizeof(buf), " %c %s ", console_screens[i]->hotkey,
			 console_screens[i]->name);
		console_put(w, 0, xs[i], lens[i],
			    i == c->cur ? c->th.tab_active : c->th.tab, buf);
	}
	if (meters)
		draw_meters(c, w, width);
}
