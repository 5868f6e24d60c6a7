/*
 * The VM detail view (console_vmdetail.h).
 */
#include "tui/console_vmdetail.h"
#include "tui/console_screen.h"
#include "tui/sparkline.h"
#include "common/validate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LABEL_W 9
#define TEXT_W 46
#define SPARK_MIN 8

void console_vmdetail_refresh(struct console *c, struct cmon_detail *d)
{
	struct api_error e = { "", "" };
	int64_t now = console_now_ms();
	int hist = now - d->hist_ms >= CMON_HISTORY_MS;
	json_t *args = json_pack("{s:s}", "name", d->name), *res = NULL;

	if (hist)
		json_object_set_new(args, "history", json_string(d->day ? "24h" : "1h"));
	if (console_call(c, "vm.stats", args, &res, NULL, &e) < 0) {
		if (c->api)
			console_status(c, CSTATUS_ERROR, "vm.stats %s: %s", d->name, e.message);
		return;
	}
	cmon_detail_update(d, res, now);
	json_decref(res);
}

static const char *pct(double v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", v);
	return buf;
}

static const char *mib(double v, char *buf, size_t len)
{
	if (v < 0)
		return snprintf(buf, len, "-"), buf;
	return size_format((uint64_t)v << 20, buf, len);
}

static const char *rate(double v, char *buf, size_t len)
{
	char s[24];

	if (v < 0)
		return snprintf(buf, len, "-"), buf;
	snprintf(buf, len, "%s/s", size_format((uint64_t)v, s, sizeof(s)));
	return buf;
}

/* "Label  text" with the series' sparkline at the right. */
static void row(struct console *c, WINDOW *w, int y, int width, const char *label, attr_t attr,
		const char *text, const struct cmon_series *spark, double max)
{
	int sw = width - LABEL_W - TEXT_W - 4;
	char buf[SPARKLINE_BYTES(60)];

	if (sw > 60)
		sw = 60;
	console_put(w, y, 1, LABEL_W, c->th.label, label);
	if (!spark || sw < SPARK_MIN) {
		console_put(w, y, LABEL_W + 2, width - LABEL_W - 3, attr, text);
		return;
	}
	console_put(w, y, LABEL_W + 2, TEXT_W, attr, text);
	sparkline_render(spark->v, spark->n, sw, max, c->utf8, buf, sizeof(buf));
	mvwaddstr(w, y, width - sw - 1, buf);
}

void console_vmdetail_draw(struct console *c, const struct cmon_detail *d, WINDOW *w, int top,
			   int height, int width)
{
	char t[400], a[24], b[24], x[24], z[24];
	const struct cvm_info *info;
	int y = top + 1, bottom = top + height;
	size_t i;

	snprintf(t, sizeof(t), "%s  %s", d->name, d->state);
	console_put(w, y, 1, width - 2, c->th.title, t);
	snprintf(t, sizeof(t), "graphs: last %s (t: %s)", d->day ? "24 h" : "hour",
		 d->day ? "1 h" : "24 h");
	if ((int)strlen(t) + 2 < width - (int)strlen(d->name) - 16)
		console_put(w, y, width - (int)strlen(t) - 1, (int)strlen(t), c->th.dim, t);
	y++;
	info = cvm_model_find(&c->vms, d->name);
	if (info && (info->vm.guest_os[0] || info->vm.guest_host[0])) {
		snprintf(t, sizeof(t), "guest agent: %s, host name %s, address %s",
			 info->vm.guest_os[0] ? info->vm.guest_os : "?",
			 info->vm.guest_host[0] ? info->vm.guest_host : "?",
			 info->vm.ip[0] ? info->vm.ip : "-");
		console_put(w, y, 1, width - 2, c->th.dim, t);
	}
	y++;
	if (!d->loaded) {
		console_put(w, y, 1, width - 2, c->th.dim, "Reading vm.stats...");
		return;
	}
	if (!d->running) {
		console_put(w, y, 1, width - 2, c->th.dim,
			    "Not running: no figures. s starts it, Esc goes back.");
		return;
	}
	snprintf(t, sizeof(t), "%s of a CPU, QEMU's RSS %s", pct(d->cpu_pct, a, sizeof(a)),
		 mib(d->rss_mib, b, sizeof(b)));
	row(c, w, y++, width, "CPU", c->th.normal, t, &d->hist[CMON_V_CPU], 0);
	snprintf(t, sizeof(t), "%s mean, %s busiest vCPU", pct(d->ready_pct, a, sizeof(a)),
		 pct(d->ready_max_pct, b, sizeof(b)));
	row(c, w, y++, width, "Ready",
	    d->ready_max_pct > c->mon.ready_crit ? c->th.error
	    : d->ready_max_pct > c->mon.ready_warn ? c->th.warn : c->th.normal,
	    t, &d->hist[CMON_V_READY], 0);
	for (i = 0; i < d->nvcpus && y < bottom; i += 4) {
		size_t k;

		t[0] = '\0';
		for (k = i; k < d->nvcpus && k < i + 4; k++)
			snprintf(t + strlen(t), sizeof(t) - strlen(t), "%s %-7s", d->vcpus[k].name,
				 pct(d->vcpus[k].a, a, sizeof(a)));
		row(c, w, y++, width, "", c->th.normal, t, NULL, 0);
	}
	if (!d->guest_known || d->guest_stale)
		snprintf(t, sizeof(t), "guest figures %s", d->guest_known ? "stale (no balloon driver?)"
									  : "not reported yet");
	else
		snprintf(t, sizeof(t), "guest uses %s of %s (%s available, %s cache)",
			 mib(d->guest_used_mib, a, sizeof(a)), mib(d->guest_total_mib, b, sizeof(b)),
			 mib(d->guest_available_mib, x, sizeof(x)), mib(d->guest_caches_mib, z, sizeof(z)));
	if (y < bottom)
		row(c, w, y++, width, "Memory", c->th.normal, t, &d->hist[CMON_V_MEM], 0);
	snprintf(t, sizeof(t), "host pays: balloon %s of %s, QEMU RSS %s",
		 mib(d->balloon_mib, a, sizeof(a)), mib(d->max_mib, b, sizeof(b)),
		 mib(d->rss_mib, x, sizeof(x)));
	if (y < bottom)
		row(c, w, y++, width, "", c->th.normal, t, NULL, 0);
	for (i = 0; i < d->ndisks && y < bottom; i++) {
		char r1[24], r2[24];

		snprintf(t, sizeof(t), "%-7s r %s w %s, %s/%s ms", d->disks[i].name,
			 rate(d->disks[i].a, r1, sizeof(r1)), rate(d->disks[i].b, r2, sizeof(r2)),
			 d->disks[i].c < 0 ? "-" : (snprintf(a, sizeof(a), "%.1f", d->disks[i].c), a),
			 d->disks[i].d < 0 ? "-" : (snprintf(b, sizeof(b), "%.1f", d->disks[i].d), b));
		row(c, w, y++, width, i ? "" : "Disks", c->th.normal, t,
		    i ? NULL : &d->hist[CMON_V_DISK], 0);
	}
	for (i = 0; i < d->nnics && y < bottom; i++) {
		char r1[24], r2[24];

		snprintf(t, sizeof(t), "%-9s rx %s tx %s, drops %.0f/%.0f", d->nics[i].name,
			 rate(d->nics[i].a, r1, sizeof(r1)), rate(d->nics[i].b, r2, sizeof(r2)),
			 d->nics[i].c < 0 ? 0 : d->nics[i].c, d->nics[i].d < 0 ? 0 : d->nics[i].d);
		row(c, w, y++, width, i ? "" : "NICs", c->th.normal, t,
		    i ? NULL : &d->hist[CMON_V_NET], 0);
	}
	if (!d->nalerts && y < bottom)
		row(c, w, y++, width, "Alerts", c->th.normal, "none", NULL, 0);
	for (i = 0; i < d->nalerts && y < bottom; i++) {
		snprintf(t, sizeof(t), "%s: %s", d->alerts[i].level, d->alerts[i].text);
		row(c, w, y++, width, i ? "" : "Alerts",
		    strcmp(d->alerts[i].level, "critical") ? c->th.warn : c->th.error, t, NULL, 0);
	}
	if (y + 1 < bottom)
		console_put(w, y + 1, 1, width - 2, c->th.dim, "Esc: back to the list   c: serial console   t: 1 h / 24 h");
}
