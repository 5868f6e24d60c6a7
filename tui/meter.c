/*
 * Meters (meter.h): the setters turn figures into a fraction and a text;
 * meter_render() lays them out as a bar of ASCII cells.
 */
#include "tui/meter.h"
#include "common/validate.h"

#include <stdio.h>
#include <string.h>

void meter_set_pct(struct meter *m, double pct)
{
	m->known = pct >= 0;
	m->frac = m->known ? pct / 100.0 : 0;
	if (m->known)
		snprintf(m->text, sizeof(m->text), "%.1f%%", pct);
	else
		snprintf(m->text, sizeof(m->text), "-");
}

/* done of total, clamped; 0 of 0 is empty.  Returns the part done. */
static uint64_t ratio(struct meter *m, uint64_t done, uint64_t total)
{
	if (done > total)
		done = total;
	m->frac = total ? (double)done / (double)total : 0;
	return done;
}

void meter_set_mib(struct meter *m, uint64_t used, uint64_t total)
{
	char a[24], b[24];

	m->known = 1;
	used = ratio(m, used, total);
	if (total)
		snprintf(m->text, sizeof(m->text), "%s/%s", size_format(used << 20, a, sizeof(a)),
			 size_format(total << 20, b, sizeof(b)));
	else
		snprintf(m->text, sizeof(m->text), "none");
}

void meter_set_progress(struct meter *m, uint64_t done, uint64_t total)
{
	m->known = total > 0;
	ratio(m, done, total);
	if (m->known)
		snprintf(m->text, sizeof(m->text), "%d%%", (int)(m->frac * 100.0));
	else
		snprintf(m->text, sizeof(m->text), "-");
}

char *meter_render(const struct meter *m, int width, char *buf)
{
	int inner = width - 2, bars, len, i;
	double frac = m->frac;

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
		buf[1 + i] = i < bars ? m->fill : ' ';
	len = (int)strlen(m->text);
	if (len > inner)
		len = inner;
	memcpy(buf + 1 + inner - len, m->text, (size_t)len);
	buf[width - 1] = ']';
	buf[width] = '\0';
	return buf;
}
