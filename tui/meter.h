/*
 * Meters, htop style: "[|||||||      23.4%]".  A meter is an object that
 * holds what it shows (a fraction filled and a text over the bar),
 * computed by a model from its figures; drawing only renders it, so the
 * header, the Host screen and the Jobs view all show bars the same way.
 * Pure: no curses.
 */
#ifndef CROFT_TUI_METER_H
#define CROFT_TUI_METER_H

#include <stdint.h>

#define METER_TEXT_LEN 48

struct meter {
	const char *label;          /* "CPU", "Mem"; may be NULL */
	char fill;                  /* '|' or '#': reads the same on a vt100 */
	int known;                  /* 0: no reading yet (empty bar, text "-") */
	double frac;                /* 0..1 of the bar filled */
	char text[METER_TEXT_LEN];  /* right-aligned over the bar */
};

/* A percentage meter: frac pct/100, text "23.4%"; pct < 0 is unknown. */
void meter_set_pct(struct meter *m, double pct);
/* used of total MiB: frac used/total, text "1.2G/3.9G"; total 0 says
 * "none". */
void meter_set_mib(struct meter *m, uint64_t used, uint64_t total);
/* done of total bytes: frac done/total, text "45%"; total 0 is unknown. */
void meter_set_progress(struct meter *m, uint64_t done, uint64_t total);

/* The meter as width cells into buf (width + 1 bytes): "[", the bar
 * (frac of the inside filled with fill, text right-aligned over it), "]".
 * Returns buf; "" when width < 2. */
char *meter_render(const struct meter *m, int width, char *buf);

#endif
