/*
 * The Host screen: the host model (console_hostmodel.h) as label: value
 * lines, wrapped where a value (the accelerator's reason) is long, with
 * the CPU, memory and swap meters beside their lines where the width
 * leaves room.  The console re-reads host.info every second; this screen
 * only renders the model's lines and meters.
 */
#include "tui/console_screen.h"
#include "tui/console_memmodel.h"
#include "tui/console_storage.h"
#include "tui/sparkline.h"

#include <stdio.h>
#include <string.h>

#define LABEL_W 18
#define METER_MIN 16
#define METER_MAX 40

#define SETTINGS_TIMEOUT_MS 30000

/* The memory settings (host.set) from what host.memory says now. */
static void k_memory(struct console *c, void *st)
{
	struct api_error e = { "", "" };
	json_t *mem = NULL;

	(void)st;
	if (console_call(c, "host.memory", NULL, &mem, NULL, &e) < 0) {
		console_status(c, CSTATUS_ERROR, "cannot read the memory settings: %s", e.message);
		return;
	}
	console_form_open(c, storeform_host_memory(mem), SETTINGS_TIMEOUT_MS, storeform_describe);
	json_decref(mem);
}

static const struct console_key host_keys[] = {
	{ { 'e', KEY_F(4) }, "Memory", "edit the memory settings: budget, host reserve, balloon policy",
	  k_memory },
	{ { 0 }, NULL, NULL, NULL },
};

/* One "Label  value" line, the value wrapped over following rows; returns
 * the rows used. */
static int put_line(struct console *c, WINDOW *w, int y, int bottom, int width,
		    const struct chost_line *l, const struct meter *meters)
{
	attr_t attr = l->warn ? c->th.warn : c->th.normal;
	int vw = width - LABEL_W - 2, used = 0, room;
	size_t len = strlen(l->value), off = 0;

	if (y >= bottom)
		return 0;
	console_put(w, y, 1, LABEL_W, c->th.label, l->label);
	if (vw < 10)
		return 1;
	room = vw - (int)len - 2;
	if (room > METER_MAX)
		room = METER_MAX;
	if (l->meter >= 0 && room >= METER_MIN) {
		struct meter bar = meters[l->meter];

		bar.label = NULL;      /* the line's label says it */
		console_put(w, y, LABEL_W + 2, vw, attr, l->value);
		console_meter_draw(c, w, y, width - room - 1, room, &bar);
		return 1;
	}
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

			while (k > (size_t)vw / 2 && l->value[off + k] != ' ')
				k--;
			if (l->value[off + k] == ' ')
				n = k;
		}
		memcpy(chunk, l->value + off, n);
		chunk[n] = '\0';
		console_put(w, y + used, LABEL_W + 2, vw, attr, chunk);
		used++;
		off += n;
		while (off < len && l->value[off] == ' ')
			off++;
	} while (off < len && y + used < bottom);
	return used ? used : 1;
}

#define MON_LABEL_W 9
#define MON_TEXT_W 44
#define SPARK_MIN 8

/* The monitor block (host.stats): a line per figure with the last hour's
 * sparkline at its right where the width leaves room, then the alerts.
 * Returns the rows used. */
static int monitor_draw(struct console *c, WINDOW *w, int y, int bottom, int width)
{
	struct cmon_line lines[CMON_NLINES];
	int n = cmon_host_lines(&c->mon, lines), i, sw = width - MON_LABEL_W - MON_TEXT_W - 4;
	char spark[SPARKLINE_BYTES(80)];

	if (sw > 60)
		sw = 60;
	for (i = 0; i < n && y + i < bottom; i++) {
		const struct cmon_line *l = &lines[i];
		attr_t attr = l->warn > 1 ? c->th.error : l->warn ? c->th.warn : c->th.normal;

		console_put(w, y + i, 1, MON_LABEL_W, c->th.label, l->label);
		if (!l->spark || sw < SPARK_MIN) {
			console_put(w, y + i, MON_LABEL_W + 2, width - MON_LABEL_W - 3, attr, l->text);
			continue;
		}
		console_put(w, y + i, MON_LABEL_W + 2, MON_TEXT_W, attr, l->text);
		sparkline_render(l->spark->v, l->spark->n, sw, l->spark_max, c->utf8, spark,
				 sizeof(spark));
		/* the bytes are block elements or ASCII, never a control */
		mvwaddstr(w, y + i, width - sw - 1, spark);
	}
	if (y + n < bottom && sw >= SPARK_MIN)
		console_put(w, y + n, width - sw - 1, sw, c->th.dim, "last hour");
	return n + 2;
}

/* The Memory panel (host.memory): the budget, KSM and a line per running
 * VM.  Returns the rows used. */
static int memory_draw(struct console *c, WINDOW *w, int y, int bottom, int width)
{
	struct cmem_line lines[CMEM_LINES];
	size_t n = cmem_lines(c->memory, lines, CMEM_LINES), i;

	if (!n || y >= bottom)
		return 0;
	console_put(w, y, 1, width - 2, c->th.label, "Memory");
	for (i = 0; i < n && y + 1 + (int)i < bottom; i++) {
		console_put(w, y + 1 + (int)i, 1, MON_LABEL_W + 4, c->th.label, lines[i].label);
		console_put(w, y + 1 + (int)i, MON_LABEL_W + 6, width - MON_LABEL_W - 7,
			    lines[i].warn ? c->th.warn : c->th.normal, lines[i].text);
	}
	return (int)n + 2;
}

static void host_draw(struct console *c, void *st, WINDOW *w, int top, int height, int width)
{
	struct chost_line lines[CHOST_NLINES];
	struct meter meters[CHOST_NMETERS];
	int y = top + 1, bottom = top + height, n, i;

	(void)st;
	if (!c->host.loaded) {
		console_put(w, y, 1, width - 1, c->th.dim, "Reading host.info...");
		return;
	}
	if (c->mon.loaded)
		y += monitor_draw(c, w, y, bottom, width);
	chost_meters(&c->host, meters);
	n = chost_lines(&c->host, c->socket, lines);
	for (i = 0; i < n; i++)
		y += lines[i].gap + put_line(c, w, y + lines[i].gap, bottom, width, &lines[i], meters);
	/* the Memory panel where the height leaves room */
	memory_draw(c, w, y + 1, bottom, width);
}

const struct console_screen console_screen_host = {
	.name = "Host",
	.hotkey = '2',
	.keys = host_keys,
	.draw = host_draw,
};
