/*
 * Sparklines (sparkline.h).
 */
#include "tui/sparkline.h"

#include <math.h>
#include <string.h>

static const char *const blocks[8] = {
	"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};
static const char ascii[8] = { '_', '.', '-', '~', '=', '+', '*', '#' };

/* The mean of the known figures of v[a..b), NaN when none. */
static double mean(const double *v, size_t a, size_t b)
{
	double sum = 0;
	size_t k = 0;

	for (; a < b; a++) {
		if (isnan(v[a]))
			continue;
		sum += v[a];
		k++;
	}
	return k ? sum / (double)k : NAN;
}

char *sparkline_render(const double *v, size_t n, int width, double max, int utf8, char *buf,
		       size_t len)
{
	size_t used = 0, i, cells = width > 0 ? (size_t)width : 0, lead;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (len < SPARKLINE_BYTES(width) || !cells)
		return buf;
	if (max <= 0)
		for (i = 0; i < n; i++)
			if (!isnan(v[i]) && v[i] > max)
				max = v[i];
	lead = n < cells ? cells - n : 0;
	for (i = 0; i < cells; i++) {
		double x;
		int level;

		if (i < lead) {
			buf[used++] = ' ';
			continue;
		}
		if (n <= cells)
			x = v[i - lead];
		else
			x = mean(v, (i * n) / cells, ((i + 1) * n) / cells);
		if (isnan(x)) {
			buf[used++] = ' ';
			continue;
		}
		level = max > 0 ? (int)(x / max * 7.0 + 0.5) : 0;
		if (level < 0)
			level = 0;
		if (level > 7)
			level = 7;
		if (utf8) {
			memcpy(buf + used, blocks[level], 3);
			used += 3;
		} else {
			buf[used++] = ascii[level];
		}
	}
	buf[used] = '\0';
	return buf;
}
